"""Benchmark the lip-sync estimators: accuracy under induced shifts and time per second of video.

Run:  .venv/bin/python bench/bench_sync.py

Prints, for the weight-free energy estimator, the fraction of estimates within
±1 and ±2 frames of an induced audio shift of -10...+10 frames on the real
GRID clips in ../shared/data (GRID is within about ±1 frame of true sync, so
the clip's own offset is reported too), its variants (without head-motion
removal, with voice-activity weighting), the same on drawn talking faces, and
the time per second of 25 fps video (face detection included). When
lib/syncnet.py is present it also times the SyncNet network with random
weights per second of video.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from lib import sync  # noqa: E402
from lib.talking_face import load_utterance, talking_face  # noqa: E402
from lib.video import FPS, load_av  # noqa: E402

DATA = Path(os.environ.get("AVE_DATA_DIR", ROOT.parent / "shared" / "data"))
CLIPS = ("grid_bbaf2n.mpg", "grid_brbk7n.mpg")
SHIFTS = range(-10, 11)
SPF = sync.SAMPLES_PER_FRAME


def induce(audio: np.ndarray, k: int) -> np.ndarray:
    """Advance the audio by k frames (audio leads by k more), keeping the length."""
    return sync.advance_audio(audio, k)


def accuracy(frames, audio, boxes, **kw) -> tuple[np.ndarray, float]:
    errs, t = [], 0.0
    for k in SHIFTS:
        t0 = time.perf_counter()
        r = sync.estimate_offset(frames, induce(audio, k), boxes=boxes, **kw)
        t += time.perf_counter() - t0
        errs.append(r.offset_frames - k)
    return np.array(errs), t / len(SHIFTS)


def report(name: str, errs: np.ndarray) -> None:
    print(f"  {name:<34s} within ±1: {np.mean(np.abs(errs) <= 1):6.1%}   within ±2: {np.mean(np.abs(errs) <= 2):6.1%}"
          f"   errors: {' '.join(str(e) for e in errs)}")


def main() -> None:
    print("== Weight-free estimator (mouth motion × speech-band energy) ==")
    variants = {
        "default": {},
        "with head-motion removal": {"remove_head_motion": True},
        "voice-activity weighted (1.0)": {"vad_weight": 1.0},
        "voice-activity weighted (0.5)": {"vad_weight": 0.5},
    }
    all_errs = {v: [] for v in variants}
    per_s = []
    # Warm up (imports, loading the cascade) so the timings below are per-call costs.
    warm = talking_face(np.random.default_rng(0).normal(0, 0.1, 2 * 16000).astype(np.float32), 0,
                        openness=np.abs(np.sin(np.arange(50) / 3)))
    sync.estimate_offset(*warm)
    for name in CLIPS:
        path = DATA / name
        if not path.exists():
            print(f"  {name}: not found in {DATA} (skipped)")
            continue
        t0 = time.perf_counter()
        clip = load_av(path)
        t_decode = time.perf_counter() - t0
        dur = clip.duration_s
        t0 = time.perf_counter()
        r0 = sync.estimate_offset(clip.frames, clip.audio)
        t_est = time.perf_counter() - t0
        per_s.append(t_est / dur)
        print(f"{name}: {dur:.2f} s, own offset {r0.offset_frames:+d} frames, confidence {r0.confidence:.3f}; "
              f"decode {t_decode / dur:.3f} s/s, estimate (detection included) {t_est / dur:.3f} s/s")
        boxes = r0.boxes
        for v, kw in variants.items():
            errs, _ = accuracy(clip.frames, clip.audio, boxes, **kw)
            all_errs[v].append(errs)
            report(v, errs)
    if any(all_errs.values()) and all_errs["default"]:
        print("GRID, all clips and shifts -10..+10:")
        for v, e in all_errs.items():
            report(v, np.concatenate(e))
        print(f"Energy estimator time per second of 25 fps video (face detection included): "
              f"{np.mean(per_s):.3f} s  (goal < 0.2 s)")

    print("\nRobustness to the face detector's settings (GRID, shifts -10..+10, detection redone per setting):")
    clips = [load_av(DATA / n) for n in CLIPS if (DATA / n).exists()]
    for every in (3, 5, 10):
        for det_height in (160, 200, 240):
            errs = []
            for clip in clips:
                boxes, _ = sync.detect_faces(clip.frames, every=every, det_height=det_height)
                errs.append(accuracy(clip.frames, clip.audio, boxes)[0])
            if errs:
                report(f"every {every:2d} frames, {det_height} rows", np.concatenate(errs))

    print("\n== Drawn talking face (samples/speech_fricatives.flac), 160×120, raw frames ==")
    audio, phonemes = load_utterance("speech_fricatives")
    errs = []
    t = 0.0
    n_s = 0.0
    for k in SHIFTS:
        frames, a = talking_face(audio, k, phonemes=phonemes)
        t0 = time.perf_counter()
        errs.append(sync.estimate_offset(frames, a).offset_frames - k)
        t += time.perf_counter() - t0
        n_s += len(frames) / FPS
    report("drawn face", np.array(errs))
    print(f"  time per second of video: {t / n_s:.3f} s")
    for w, h in ((320, 240), (640, 480)):
        frames, a = talking_face(audio, 4, width=w, height=h, phonemes=phonemes)
        t0 = time.perf_counter()
        r = sync.estimate_offset(frames, a)
        dt = time.perf_counter() - t0
        print(f"  {w}×{h}: offset {r.offset_frames:+d} (true +4), {dt / (len(frames) / FPS):.3f} s per second of video")

    print("\n== SyncNet network, random weights ==")
    try:
        import torch

        from lib import syncnet
    except ImportError as exc:
        print(f"  lib.syncnet not available yet ({exc}); skipped")
        return
    try:
        model = syncnet.build_syncnet(seed=0).eval()
        torch.set_num_threads(2)
        frames, a = talking_face(audio[: 4 * 16000], 4, width=320, height=240, phonemes=phonemes)
        r = sync.estimate_offset(frames, a)
        crops = syncnet.crop_faces(frames, r.boxes)
        t0 = time.perf_counter()
        dists = syncnet.syncnet_distances(model, crops, a, max_offset=15)
        dt = time.perf_counter() - t0
        s = syncnet.score_distances(np.asarray(dists), 15)
        print(f"  {len(frames) / FPS:.1f} s of video: {dt:.2f} s = {dt / (len(frames) / FPS):.2f} s per second of video "
              f"(random weights: offset {s['offset_frames']:+d} is meaningless); distance matrix {np.shape(dists)}")
    except Exception as exc:  # the other module may still be in progress
        print(f"  SyncNet timing failed: {type(exc).__name__}: {exc}")


if __name__ == "__main__":
    main()
