"""Regenerate the project's own audio samples (run from the repository root).

    .venv/bin/python samples/make_samples.py

Everything here is synthesized from formulas in ``lib/signals.py`` except the
speech, which espeak-ng speaks (Debian package ``espeak-ng``). Output: 16-bit
FLAC at 22.05 kHz, mono. See samples/README.md for what each file teaches.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lib import signals  # noqa: E402

SR = 22050
OUT = ROOT / "samples"


def drum_loop(sr: int, bpm: float = 110.0, bars: int = 2) -> np.ndarray:
    """Kick on beats 1 and 3, snare on 2 and 4, closed hi-hat on every eighth."""
    rng = np.random.default_rng(7)
    beat = 60.0 / bpm
    n = int(round(bars * 4 * beat * sr))
    y = np.zeros(n)

    def add(start_s, x):
        a = int(start_s * sr)
        b = min(n, a + len(x))
        y[a:b] += x[: b - a]

    t = np.arange(int(0.35 * sr)) / sr
    kick = np.sin(2 * np.pi * (50 * t + 60 * (1 - np.exp(-t / 0.03)) * 0.03)) * np.exp(-t / 0.12)
    ts = np.arange(int(0.25 * sr)) / sr
    snare = (0.6 * rng.standard_normal(len(ts)) + 0.4 * np.sin(2 * np.pi * 190 * ts)) * np.exp(-ts / 0.06)
    th = np.arange(int(0.06 * sr)) / sr
    hat = np.diff(rng.standard_normal(len(th) + 1)) * np.exp(-th / 0.012) * 0.25
    for b in range(bars * 4):
        start = b * beat
        add(start, kick if b % 2 == 0 else snare * 0.7)
        add(start, hat)
        add(start + beat / 2, hat)
    return (0.8 * y / np.max(np.abs(y))).astype(np.float32)


def espeak(text: str, sr: int) -> np.ndarray | None:
    from lib.errors import InputError
    from pipeline.inputs import speak

    try:
        return speak(text, sr, voice="en-gb", wpm=150)
    except InputError as exc:
        print(f"skipping the speech sample: {exc}")
        return None


def main() -> None:
    clips = {
        "sine_440hz.flac": signals.sine(440.0, SR, 2.0, amplitude=0.5),
        "two_close_tones.flac": signals.tones([440.0, 460.0], SR, 3.0, amplitude=0.6),
        "chirp_50hz_to_10khz.flac": signals.chirp(50.0, 10000.0, SR, 4.0, amplitude=0.5, method="logarithmic"),
        "click_train_4hz.flac": signals.impulse_train(4.0, SR, 2.0, amplitude=0.8),
        "white_noise.flac": signals.white_noise(SR, 2.0, rms_level=0.1, seed=0),
        "plucked_string_220hz.flac": signals.plucked_string(220.0, SR, 2.5, decay=0.996, seed=1),
        "vowel_a_120hz.flac": signals.vowel(120.0, SR, 2.0, vowel_name="a"),
        "drum_loop_110bpm.flac": drum_loop(SR),
    }
    speech = espeak(
        "She sells sea shells by the sea shore. Five fresh fish, six thick socks.", SR
    )
    if speech is not None:
        clips["speech_fricatives.flac"] = speech
    for name, y in clips.items():
        sf.write(OUT / name, y, SR, subtype="PCM_16")
        print(f"{name}: {len(y) / SR:.2f} s, peak {np.max(np.abs(y)):.2f}")


if __name__ == "__main__":
    main()
