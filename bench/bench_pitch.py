"""Tuner accuracy and speed: lib.hearing.estimate_f0 against librosa.pyin with its defaults.

Synthetic tones with a known f0 (with their fundamental, without it, and with a louder 2nd
harmonic) give the error in cents; real recordings (../shared/data, when present) are reported
clip by clip, without ground truth: median f0, nearest note, strongest peak, voiced share.

    .venv/bin/python bench/bench_pitch.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib import hearing as H  # noqa: E402
from lib.audio import load_audio  # noqa: E402
from lib.errors import InputError  # noqa: E402

SR = 22050
FMIN, FMAX = 65.0, 2100.0
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def pyin_default_median(y: np.ndarray, sr: int) -> float:
    import librosa

    f0, voiced, _ = librosa.pyin(y, fmin=FMIN, fmax=FMAX, sr=sr)
    return float(np.median(f0[voiced])) if voiced.any() else float("nan")


def timed(fn, *args, repeat: int = 3) -> tuple[float, float]:
    out = fn(*args)
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - t)
    return out, best


def main() -> None:
    timed(pyin_default_median, H.harmonic_tone(220, SR, 0.5, (1, 0.5)), SR, repeat=1)  # numba warm-up
    recipes = {"with f0": ((1, 0.6, 0.4, 0.3, 0.2), True), "missing f0": ((1, 0.6, 0.4, 0.3, 0.2), False),
               "oboe-like": (H.TIMBRES["Oboe-like (2nd louder than f0)"], True)}
    rows, t_ours, t_ref = [], [], []
    for midi in (40, 45, 52, 57, 64, 69, 76, 81, 88):
        f0 = float(H.midi_to_hz(midi))
        for label, (w, with_f0) in recipes.items():
            y = H.harmonic_tone(f0, SR, 1.0, w, include_fundamental=with_f0)
            ours, a = timed(lambda x: H.estimate_f0(x, SR, fmin=FMIN, fmax=FMAX), y)
            ref, b = timed(pyin_default_median, y, SR)
            t_ours.append(a)
            t_ref.append(b)
            rows.append((H.midi_to_note(midi), label, H.cents(f0, ours), H.cents(f0, ref) if ref == ref else float("nan")))
    print("Synthetic tones, 1 s at 22.05 kHz (error in cents against the true f0)")
    print(f"{'note':>5} {'recipe':>11} {'estimate_f0':>12} {'pyin default':>13}")
    for note, label, e1, e2 in rows:
        print(f"{note:>5} {label:>11} {e1:12.3f} {e2:13.2f}")
    e_ours = np.abs([r[2] for r in rows])
    e_ref = np.abs([r[3] for r in rows])
    print(f"max |error|: estimate_f0 {e_ours.max():.3f} cents, librosa.pyin default {np.nanmax(e_ref):.2f} cents")
    print(f"median time per 1-s clip: estimate_f0 {1000 * np.median(t_ours):.0f} ms, librosa.pyin default "
          f"{1000 * np.median(t_ref):.0f} ms (ratio {np.median(t_ref) / np.median(t_ours):.2f}x)")

    if not DATA.is_dir():
        print(f"(real recordings not found at {DATA}; skipped)")
        return
    print("\nReal recordings (no ground truth; each clip on its own)")
    for name in ("trumpet_sorohanro_solo-trumpet-06.ogg", "dry_speech_vctk_p286_011.wav",
                 "drums_sonicpi_loop_mika.flac"):
        path = DATA / name
        if not path.exists():
            continue
        clip = load_audio(path, sr=SR, max_duration_s=10.0)
        t = time.perf_counter()
        try:
            track = H.track_f0(clip.samples, SR, fmin=FMIN, fmax=FMAX)
            f0 = H.estimate_f0(clip.samples, SR, fmin=FMIN, fmax=FMAX)
            note, c = H.hz_to_note(f0)
            desc = f"median f0 {f0:7.2f} Hz = {note} {c:+5.1f} ct"
        except InputError as exc:
            track, desc = None, f"refused: {str(exc)[:60]}"
        peak, _ = H.strongest_peak(clip.samples, SR)
        voiced = (f"{100 * track.voiced.mean():4.0f} % voiced, spread {track.spread_cents():4.0f} ct"
                  if track is not None else "")
        print(f"{name:42s} {clip.duration_s:4.1f} s  {desc}; strongest peak {peak:7.1f} Hz "
              f"({H.hz_to_note(peak)[0]}); {voiced}; {time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    main()
