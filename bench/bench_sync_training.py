"""Benchmark "How SyncNet learns": training time on this CPU, and what the tiny network can and cannot do.

Run:  .venv/bin/python bench/bench_sync_training.py [--epochs 15] [--quick]

Prints, every clip separately and synthetic apart from real:

1. Time: preparing the built-in drawn faces, one epoch, and the page's default training run
   (7 sentences, 15 epochs), against the page's promise of "under a minute".
2. Drawn faces, leave one sentence out: train on 7 sentences, measure induced shifts
   -10...+10 on the 8th, for every choice of the 8th (nothing is tuned on the test sentence).
3. Real faces (GRID clips in ../shared/data, in sync within about ±1 frame), leave one clip
   out: train on the others, test on the one left out; and the model trained on drawn faces
   tested on the real clips (expected to fail: a cartoon does not teach real lips).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from lib import sync, sync_training as ST  # noqa: E402
from lib.talking_face import UTTERANCES, load_utterance, talking_face  # noqa: E402
from lib.video import load_av  # noqa: E402

DATA = Path(os.environ.get("AVE_DATA_DIR", ROOT.parent / "shared" / "data"))
GRID = ("grid_bbaf2n.mpg", "grid_brbk7n.mpg", "grid_lbbc2a.mpg", "grid_pwij3p.mpg")
SHIFTS = range(-10, 11)
SENTENCES = [n for n in UTTERANCES if n != "speech_fricatives"]


def report(name: str, errs: np.ndarray) -> None:
    errs = np.asarray(errs)
    print(f"  {name:<28s} exact {np.mean(errs == 0):6.1%}  within ±1 {np.mean(np.abs(errs) <= 1):6.1%}  "
          f"within ±2 {np.mean(np.abs(errs) <= 2):6.1%}   errors: {' '.join(f'{e:+d}' for e in errs)}")


def shift_errors(result: ST.TrainResult, frames, audio, boxes, max_offset: int = 12) -> np.ndarray:
    return np.array([result.estimate_offset(frames, sync.advance_audio(audio, k), max_offset=max_offset,
                                            boxes=boxes).offset_frames - k for k in SHIFTS])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=ST.EPOCHS)
    ap.add_argument("--quick", action="store_true", help="only the timing and two held-out sentences")
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
          "(timings scale with it; numbers below are whole-process wall time)")

    print("\n== 1. Time ==")
    t0 = time.perf_counter()
    faces = {}
    for i, name in enumerate(SENTENCES):
        audio, phonemes = load_utterance(name)
        frames, audio = talking_face(audio, 0, phonemes=phonemes, sway_px=1.5 + 0.5 * (i % 4))
        faces[name] = (frames, audio, sync.detect_faces(frames)[0])
    print(f"  drawing and detecting 8 faces: {time.perf_counter() - t0:.1f} s")
    epoch_times = []

    def tick(epoch, res):
        epoch_times.append(time.perf_counter())

    held = SENTENCES[-1]
    train = [n for n in SENTENCES if n != held]
    t0, c0 = time.perf_counter(), time.process_time()
    res = ST.train([faces[n][:2] for n in train], boxes=[faces[n][2] for n in train], epochs=args.epochs,
                   held_out=faces[held][:2], held_out_boxes=faces[held][2], on_epoch=tick)
    total, cpu = time.perf_counter() - t0, time.process_time() - c0
    per_epoch = np.diff(epoch_times)
    print(f"  default run ({len(train)} sentences, {res.n_pairs} pairs/epoch, {args.epochs} epochs, "
          f"{res.n_params:,} parameters): wall {total:.1f} s, CPU {cpu:.1f} s (one thread: the wall time on an "
          f"idle core); per epoch median wall {np.median(per_epoch):.2f} s. Goal: under 60 s in all -> "
          f"{'OK' if total < 60 else 'SLOW (wall)'} / {'OK' if cpu < 60 else 'SLOW (CPU)'}")
    print(f"  loss {res.loss[0]:.3f} -> {res.loss[-1]:.3f}, gap {res.gap[0]:+.3f} -> {res.gap[-1]:+.3f}")

    print("\n== 2. Drawn faces, leave one sentence out (synthetic) ==")
    names = SENTENCES[-2:] if args.quick else SENTENCES
    all_errs = []
    for held in names:
        train = [n for n in SENTENCES if n != held]
        r = res if held == SENTENCES[-1] else ST.train([faces[n][:2] for n in train],
                                                       boxes=[faces[n][2] for n in train], epochs=args.epochs)
        errs = shift_errors(r, *faces[held])
        all_errs.append(errs)
        report(f"test on {held}", errs)
    report("all held-out sentences", np.concatenate(all_errs))

    print("\n== 3. Real faces (GRID) ==")
    clips = {n: load_av(DATA / n) for n in GRID if (DATA / n).exists()}
    if len(clips) < 2:
        print(f"  GRID clips not found in {DATA} (skipped)")
        return
    boxes = {n: sync.detect_faces(c.frames)[0] for n, c in clips.items()}
    errs_real = []
    for held in clips:
        train = [n for n in clips if n != held]
        r = ST.train([(clips[n].frames, clips[n].audio) for n in train], boxes=[boxes[n] for n in train],
                     epochs=args.epochs)
        errs = shift_errors(r, clips[held].frames, clips[held].audio, boxes[held])
        errs_real.append(errs)
        report(f"train on {len(train)} GRID, test {held}", errs)
    report("GRID, leave one clip out", np.concatenate(errs_real))
    cartoon = []
    for n, c in clips.items():
        errs = shift_errors(res, c.frames, c.audio, boxes[n])
        cartoon.append(errs)
        report(f"drawn-face model on {n}", errs)
    report("drawn-face model on GRID", np.concatenate(cartoon))


if __name__ == "__main__":
    main()
