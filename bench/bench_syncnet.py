"""SyncNet on the CPU: seconds of compute per second of 25 fps video, and peak memory.

The full released network with random weights (speed does not depend on the values):
face crops -> MFCC -> video and audio embeddings of every 5-frame window -> distances
for shifts -15..+15 -> offset/confidence. Run:

    .venv/bin/python bench/bench_syncnet.py [--seconds 4] [--threads 2] [--batch-size 20] [--repeats 3]
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
    parser.add_argument("--repeats", type=int, default=3, help="runs per stage; the fastest is shown")
    args = parser.parse_args()

    import scipy.signal  # noqa: F401 - imported here so its import time is not billed to a stage
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

    def best_of(fn):
        """Fastest of ``--repeats`` runs (the machine is shared: the minimum is the least disturbed)."""
        times, value = [], None
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            value = fn()
            times.append(time.perf_counter() - t0)
        return min(times), value

    timings = {}
    timings["crop_faces (cv2)"], crops = best_of(lambda: syncnet.crop_faces(frames, boxes))
    timings["mfcc_features (numpy)"], mfcc = best_of(lambda: syncnet.mfcc_features(audio))
    n = syncnet.n_windows(len(crops), len(audio))
    rss_before_net = peak_rss_mb()
    timings["video embeddings"], video_emb = best_of(
        lambda: syncnet.embed_video(model, crops, n, batch_size=args.batch_size))
    timings["audio embeddings"], audio_emb = best_of(
        lambda: syncnet.embed_audio(model, mfcc, n, batch_size=args.batch_size))
    timings["distances + score"], result = best_of(
        lambda: syncnet.score_distances(syncnet.shift_distances(video_emb, audio_emb, 15), 15))

    # The public entry point end to end (it sets the thread count itself; pass ours).
    api_times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        syncnet.syncnet_distances(model, crops, audio, batch_size=args.batch_size, num_threads=args.threads)
        api_times.append(time.perf_counter() - t0)
    t_api = min(api_times)

    total = sum(timings.values())
    print(f"SyncNet, full released layout, random weights; CPU, {args.threads} threads, "
          f"batch {args.batch_size}; {args.seconds:g} s of 25 fps video ({n} windows); "
          f"best of {args.repeats} runs")
    print(f"  machine load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
          "(other work on the machine slows this down)")
    print(f"  build network: {t_build:.2f} s (once)")
    for name, seconds in timings.items():
        print(f"  {name:24s} {seconds:7.3f} s   {seconds / args.seconds:7.3f} s per video second")
    print(f"  {'total (stages)':24s} {total:7.3f} s   {total / args.seconds:7.3f} s per video second")
    print(f"  {'syncnet_distances()':24s} {t_api:7.3f} s   {t_api / args.seconds:7.3f} s per video second"
          f"  (mfcc + embeddings + distances; slowest run {max(api_times) / args.seconds:.3f})")
    print(f"  real-time factor of syncnet_distances: {args.seconds / t_api:.2f}x "
          f"(>1 = faster than playback)")
    print(f"  peak RSS: {peak_rss_mb():.0f} MB (inputs ready {rss_start:.0f} MB, "
          f"before the network ran {rss_before_net:.0f} MB)")
    print(f"  offset {result['offset_frames']} frames, min dist {result['min_dist']:.3f}, "
          f"confidence {result['confidence']:.3f} (random weights: meaningless, shown for completeness)")


if __name__ == "__main__":
    main()
