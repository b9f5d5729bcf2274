"""SyncNet on the CPU: seconds of compute per second of 25 fps video, and peak memory.

The full released network with random weights (speed does not depend on the values):
face crops -> MFCC -> video and audio embeddings of every 5-frame window -> distances
for shifts -15..+15 -> offset/confidence. Run:

    .venv/bin/python bench/bench_syncnet.py [--seconds 4] [--threads 2] [--batch-size 20]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib import syncnet  # noqa: E402


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="video length to score")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--batch-size", type=int, default=20, help="windows per forward pass")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    n_frames = int(round(args.seconds * syncnet.FPS))
    frames = rng.integers(0, 256, size=(n_frames, 360, 480, 3), dtype=np.uint8)
    boxes = np.tile([180.0, 100.0, 300.0, 220.0], (n_frames, 1))
    audio = (0.1 * rng.standard_normal(int(args.seconds * syncnet.SR))).astype(np.float32)
    rss_start = peak_rss_mb()

    t0 = time.perf_counter()
    model = syncnet.build_syncnet(seed=0)
    t_build = time.perf_counter() - t0

    timings = {}
    t0 = time.perf_counter()
    crops = syncnet.crop_faces(frames, boxes)
    timings["crop_faces (cv2)"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    mfcc = syncnet.mfcc_features(audio)
    timings["mfcc_features (numpy)"] = time.perf_counter() - t0

    n = syncnet.n_windows(len(crops), len(audio))
    rss_before_net = peak_rss_mb()
    t0 = time.perf_counter()
    video_emb = syncnet.embed_video(model, crops, n, batch_size=args.batch_size)
    timings["video embeddings"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    audio_emb = syncnet.embed_audio(model, mfcc, n, batch_size=args.batch_size)
    timings["audio embeddings"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    dists = syncnet.shift_distances(video_emb, audio_emb, 15)
    result = syncnet.score_distances(dists, 15)
    timings["distances + score"] = time.perf_counter() - t0

    # The public entry point end to end (it sets the thread count itself; pass ours).
    t0 = time.perf_counter()
    syncnet.syncnet_distances(model, crops, audio, batch_size=args.batch_size, num_threads=args.threads)
    t_api = time.perf_counter() - t0

    total = sum(timings.values())
    print(f"SyncNet, full released layout, random weights; CPU, {args.threads} threads, "
          f"batch {args.batch_size}; {args.seconds:g} s of 25 fps video ({n} windows)")
    print(f"  machine load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
          "(other work on the machine slows this down)")
    print(f"  build network: {t_build:.2f} s (once)")
    for name, seconds in timings.items():
        print(f"  {name:24s} {seconds:7.3f} s   {seconds / args.seconds:7.3f} s per video second")
    print(f"  {'total (stages)':24s} {total:7.3f} s   {total / args.seconds:7.3f} s per video second")
    print(f"  {'syncnet_distances()':24s} {t_api:7.3f} s   {t_api / args.seconds:7.3f} s per video second"
          "  (mfcc + embeddings + distances)")
    print(f"  real-time factor of syncnet_distances: {args.seconds / t_api:.2f}x "
          f"(>1 = faster than playback)")
    print(f"  peak RSS: {peak_rss_mb():.0f} MB (inputs ready {rss_start:.0f} MB, "
          f"before the network ran {rss_before_net:.0f} MB)")
    print(f"  offset {result['offset_frames']} frames, min dist {result['min_dist']:.3f}, "
          f"confidence {result['confidence']:.3f} (random weights: meaningless, shown for completeness)")


if __name__ == "__main__":
    main()
