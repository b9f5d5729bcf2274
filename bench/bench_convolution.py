"""Benchmark: direct vs FFT vs overlap-add/save vs partitioned convolution, against scipy, in one run.

1. A 10-s signal at 48 kHz (480,000 samples) convolved with kernels of 8 ... 57,600 samples
   (1.2 s, a church-like reverb): our ``direct`` (shift-and-add), ``fft``, ``ola``, ``ols`` and
   ``partitioned`` (256-sample blocks, a plugin's latency) next to ``scipy.signal.oaconvolve``,
   ``scipy.signal.fftconvolve`` and ``np.convolve`` (direct, in C). Prints the ratio of our
   overlap-add to ``oaconvolve`` (goal: within 1.5x) and where direct stops beating the FFT
   methods (the crossover that ``method="auto"`` uses).
2. Deconvolving a 10-s recording at 48 kHz of a 7-s sweep (goal: under 0.5 s).

Times are the best of several runs (direct: fewer on long kernels) of one call, single process.
Usage: ``python bench/bench_convolution.py`` (about a minute on 2 cores).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lib import convolution as cv  # noqa: E402
from lib import measure  # noqa: E402

SR = 48_000
N = 10 * SR
KERNELS = (8, 16, 32, 64, 128, 256, 1024, 4096, 16_384, 57_600)
DIRECT_MAX_PRODUCT = 3e8  # beyond this the direct methods take seconds; not timed
OA_GOAL = 1.5
DECONV_GOAL_S = 0.5


def best_time(fn, repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    import scipy
    import scipy.signal as ss

    print(f"numpy {np.__version__}, scipy {scipy.__version__}; {os.cpu_count()} CPU cores; "
          f"load average {os.getloadavg()[0]:.1f}; x = {N:,} samples (10 s at 48 kHz)")
    rng = np.random.default_rng(0)
    x = rng.standard_normal(N)
    cols = ("direct", "np.conv", "fft", "ola", "ols", "part256", "oaconv", "fftconv")
    header = f"{'M':>7} | " + " ".join(f"{c:>8}" for c in cols) + " | ola/oa  auto"
    print("times in ms")
    print(header)
    print("-" * len(header))
    ratios, crossover = [], None
    for m in KERNELS:
        h = rng.standard_normal(m)
        direct_ok = N * m <= DIRECT_MAX_PRODUCT
        rep = 9 if m <= 4096 else 5
        t = {
            "direct": best_time(lambda: cv.convolve(x, h, method="direct"), 2) if direct_ok else np.nan,
            "np.conv": best_time(lambda: np.convolve(x, h), 2) if direct_ok else np.nan,
            "fft": best_time(lambda: cv.convolve(x, h, method="fft"), rep),
            "ola": best_time(lambda: cv.convolve(x, h, method="ola"), rep),
            "ols": best_time(lambda: cv.convolve(x, h, method="ols"), rep),
            "part256": best_time(lambda: cv.convolve(x, h, method="partitioned", block=256), 2),
            "oaconv": best_time(lambda: ss.oaconvolve(x, h), rep),
            "fftconv": best_time(lambda: ss.fftconvolve(x, h), rep),
        }
        ratio = t["ola"] / t["oaconv"]
        ratios.append(ratio)
        fastest_fft = min(t["fft"], t["ola"], t["ols"])
        if crossover is None and not (t["direct"] < fastest_fft):
            crossover = m
        cells = " ".join(f"{1000 * t[c]:8.1f}" if np.isfinite(t[c]) else f"{'-':>8}" for c in cols)
        print(f"{m:7d} | {cells} | {ratio:6.2f}  {cv.choose_method(N, m)}")
    print()
    print(f"overlap-add / scipy.signal.oaconvolve: median {np.median(ratios):.2f}x, worst {max(ratios):.2f}x "
          f"(goal <= {OA_GOAL}x): {'OK' if max(ratios) <= OA_GOAL else 'MISSED'}")
    print(f"direct (shift-and-add) stops beating every FFT method at M = {crossover} taps "
          f"(method='auto' switches above {cv.DIRECT_CROSSOVER})")

    sweep, inverse = measure.ess_sweep(20, 20_000, 7.0, SR, fade_s=0.05)
    rec = np.concatenate([sweep, np.zeros(3 * SR)]) + 1e-3 * rng.standard_normal(10 * SR)
    measure.deconvolve(rec, inverse, SR, length_s=2.0)  # warm-up
    t = best_time(lambda: measure.deconvolve(rec, inverse, SR, length_s=2.0), 5)
    tm = best_time(lambda: measure.measure(rec, sweep, inverse, SR, ir_length_s=2.0), 3)
    print(f"sweep deconvolution of a 10-s 48 kHz recording (7-s sweep): {1000 * t:.0f} ms "
          f"(goal < {1000 * DECONV_GOAL_S:.0f} ms): {'OK' if t < DECONV_GOAL_S else 'MISSED'}; "
          f"with alignment and checks (measure): {1000 * tm:.0f} ms")


if __name__ == "__main__":
    main()
