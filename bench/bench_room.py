"""Benchmark: our image-source RIR builder against pyroomacoustics (dev-only dependency).

Room 6 x 5 x 3 m, source (2, 3, 1.5), mic (4, 2, 1.6), single band, uniform absorption
and max_order from inverse_sabine for RT60 0.3 / 0.6 / 1.2 s, at 16 and 44.1 kHz.

Each builder runs in its own fresh process, so the peak-memory figure (the process's
maximum resident set from ``resource.getrusage`` after the run, minus the resident set just
before it, after imports and a tiny warm-up) counts pyroomacoustics' C++ allocations too.
The high-water mark is reset first (``/proc/self/clear_refs``), so import-time transients
do not count; where that is not allowed the figure is an upper bound. Times are the best
of a few runs of the whole pipeline (room description -> image sources -> RIR).

pyroomacoustics (0.8 and later) high-passes every RIR at 15 Hz by default; that filter is
switched off here (``rir_hpf_enable``) so both produce the raw image-source response,
which is what the correlation compares (after removing its 40-sample global delay and its
1/r instead of 1/(4 pi r) scaling).

Usage: ``python bench/bench_room.py`` (prints a table; about a minute on 2 cores).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DIM = [6.0, 5.0, 3.0]
SRC = [2.0, 3.0, 1.5]
MIC = [4.0, 2.0, 1.6]
RT60S = (0.3, 0.6, 1.2)
SRS = (16000, 44100)


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0  # kB
    return float("nan")


def _reset_peak() -> bool:
    """Reset the kernel's resident-set high-water mark (Linux >= 4.0); False if not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _maxrss_mb() -> float:
    """High-water mark of the resident set, MB (since the last reset when that worked)."""
    hwm = _status_mb("VmHWM")
    return hwm if hwm == hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _rss_mb() -> float:
    """Current resident set, MB."""
    return _status_mb("VmRSS")


def _child(which: str, rt60: float, sr: int, out_path: str) -> None:
    sys.path.insert(0, str(ROOT))
    from lib.room import inverse_sabine, shoebox_rir

    absorption, order = inverse_sabine(rt60, DIM)
    if which == "ours":
        def run():
            return shoebox_rir(DIM, SRC, MIC, sr, absorption=absorption, max_order=order)
    else:
        import pyroomacoustics as pra

        pra.constants.set("rir_hpf_enable", False)

        def run(order=order):
            r = pra.ShoeBox(DIM, fs=sr, materials=pra.Material(absorption), max_order=order,
                            air_absorption=False, use_rand_ism=False)
            r.add_source(SRC)
            r.add_microphone(MIC)
            r.compute_rir()
            return np.asarray(r.rir[0][0], dtype=float)

    # warm-up (lazy imports, thread pools) on a tiny order
    if which == "ours":
        shoebox_rir(DIM, SRC, MIC, sr, absorption=absorption, max_order=1)
    else:
        run(order=1)
    _reset_peak()
    base = _rss_mb()  # peak below = high-water mark after the run minus what was resident before it
    t0 = time.perf_counter()
    h = run()
    times = [time.perf_counter() - t0]
    peak = _maxrss_mb() - base
    repeats = 5 if times[0] < 1.0 else 2
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    np.save(out_path, h)
    print(json.dumps({"time_s": min(times), "peak_mb": peak, "order": order, "n": len(h)}))


def _run(which: str, rt60: float, sr: int, tmp: str) -> tuple[dict, np.ndarray]:
    out = os.path.join(tmp, f"{which}_{rt60}_{sr}.npy")
    res = subprocess.run([sys.executable, __file__, "--child", which, str(rt60), str(sr), out],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(res.stdout.strip().splitlines()[-1]), np.load(out)


def main() -> None:
    try:
        import pyroomacoustics as pra  # noqa: F401
    except ImportError:
        print("pyroomacoustics is not installed (pip install -r requirements-dev.txt)")
        return
    print(f"room {DIM} m, source {SRC}, mic {MIC}; {os.cpu_count()} CPU cores")
    header = (f"{'RT60':>5} {'sr':>6} {'order':>5} {'images':>10} | {'ours ms':>8} {'pra ms':>8} {'speed-up':>8} | "
              f"{'corr':>9} | {'ours MB':>8} {'pra MB':>8}")
    print(header)
    print("-" * len(header))
    from lib.room import image_count

    with tempfile.TemporaryDirectory() as tmp:
        for sr in SRS:
            for rt in RT60S:
                ours, h = _run("ours", rt, sr, tmp)
                ref, p = _run("pra", rt, sr, tmp)
                p = p[40:] / (4 * np.pi)
                n = min(len(h), len(p))
                corr = float(np.corrcoef(h[:n], p[:n])[0, 1])
                print(f"{rt:5.1f} {sr:6d} {ours['order']:5d} {image_count(ours['order']):10,d} | "
                      f"{1000 * ours['time_s']:8.1f} {1000 * ref['time_s']:8.1f} {ref['time_s'] / ours['time_s']:7.1f}x | "
                      f"{corr:9.6f} | {ours['peak_mb']:8.1f} {ref['peak_mb']:8.1f}", flush=True)
    print("speed-up = pyroomacoustics time / our time; MB = peak resident-memory growth of the run")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    else:
        sys.path.insert(0, str(ROOT))
        main()
