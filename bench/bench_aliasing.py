"""Aliasing page benchmark: vectorised vs textbook reconstruction, and server time per control move.

Run:  .venv/bin/python bench/bench_aliasing.py

Prints
  1. lib.aliasing.reconstruct (one matrix-vector product, only the plotted grid) against the textbook
     double loop, and against evaluating the sinc sum on a dense grid over the whole sampled stretch;
  2. decimation (ours, zero-phase IIR/FIR) against scipy.signal.decimate on a 30 s clip;
  3. for every control on the page, the server time of the rerun it triggers: AppTest's full-script rerun
     (what the foundation bench measures) and the section's own time (what a fragment rerun costs in the
     real server, where only the section containing the control reruns).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402

from lib import aliasing as al  # noqa: E402


def best_of(fn, repeat=5):
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def bench_reconstruct() -> None:
    print("== reconstruction (page default: 70 Hz at 100 Hz, 16 visible + 128 padding samples)")
    fs = 100.0
    t_s, x_s = al.sample(70.0, fs, 145 / fs, t0=-64 / fs)
    t_plot = np.linspace(0, 16 / fs, 6000)  # the page's densest plotted grid
    vec = best_of(lambda: al.reconstruct(x_s, fs, t_plot, t0=-64 / fs))
    sub = t_plot[::20]  # the double loop is slow: time 300 points and scale
    naive = best_of(lambda: al.reconstruct_naive(x_s, fs, sub, t0=-64 / fs), repeat=2) * (len(t_plot) / len(sub))
    err = np.max(np.abs(al.reconstruct(x_s, fs, sub, t0=-64 / fs) - al.reconstruct_naive(x_s, fs, sub, t0=-64 / fs)))
    print(f"  vectorised sinc, 6000 plotted points: {1e3 * vec:8.2f} ms")
    print(f"  textbook double loop (scaled):        {1e3 * naive:8.2f} ms   -> {naive / vec:,.0f}x faster, "
          f"max difference {err:.1e}")
    # Evaluating the whole padded stretch at the same density instead of only the visible window.
    t_all = np.linspace(t_s[0], t_s[-1], int(6000 * len(t_s) / 16))
    full = best_of(lambda: al.reconstruct(x_s, fs, t_all, t0=-64 / fs), repeat=2)
    print(f"  sinc on the whole sampled stretch:    {1e3 * full:8.2f} ms   -> plotting only the view saves "
          f"{full / vec:.0f}x")
    for method in ("zoh", "linear"):
        dt = best_of(lambda: al.reconstruct(x_s, fs, t_plot, method=method, t0=-64 / fs))
        print(f"  {method:6s}:                              {1e3 * dt:8.2f} ms")


def bench_decimate() -> None:
    from scipy.signal import decimate as sp_decimate

    print("== decimation of 30 s at 22050 Hz by 4")
    y = np.random.default_rng(0).standard_normal(30 * 22050)
    for kind, order in (("butter", 8), ("cheby2", 8), ("fir", 128)):
        dt = best_of(lambda: al.decimate(y, 4, sr=22050, kind=kind, order=order), repeat=3)
        print(f"  ours {kind:6s} order {order:3d}:       {1e3 * dt:8.1f} ms")
    dt = best_of(lambda: sp_decimate(y, 4, ftype="iir", zero_phase=True), repeat=3)
    print(f"  scipy.signal.decimate (cheby1 8):   {1e3 * dt:8.1f} ms")
    dt = best_of(lambda: y[::4].copy(), repeat=3)
    print(f"  naive y[::4]:                       {1e3 * dt:8.1f} ms")


def bench_page() -> None:
    from tests.app.helpers import page_app

    print("== page: server time per control move (ms; AppTest full rerun | the section's own time)")
    at = page_app("app_pages/aliasing.py", timeout=300)
    t0 = time.perf_counter()
    at.run()
    print(f"  first run (cold caches, imports):   {1e3 * (time.perf_counter() - t0):8.0f}")

    def timed_run(section):
        t = time.perf_counter()
        at.run()
        full = 1e3 * (time.perf_counter() - t)
        assert not at.exception, at.exception
        return full, at.session_state["alias_server_ms"].get(section, float("nan"))

    rows = []
    moves = {
        "explorer": [("slider", "alias_f", v) for v in (71.0, 130.0, 1234.0, 2000.0, 0.0, 49.5)]
        + [("slider", "alias_fs", v) for v in (1.0, 37.5, 500.0, 100.0)]
        + [("number_input", "alias_f_num", 333.0), ("slider", "alias_phase", 90), ("slider", "alias_ghosts", 5)]
        + [("radio", "alias_recon", m) for m in ("linear", "zoh", "none", "sinc")],
        "sweep": [("radio", "alias_sweep_play", m) for m in ("zoh", "raw", "sinc")]
        + [("selectbox", "alias_sweep_fs", 4000), ("slider", "alias_sweep_end", 9000), ("slider", "alias_sweep_dur", 6.0)],
        "real_audio": [("slider", "alias_factor", v) for v in (2, 8, 16)]
        + [("radio", "alias_filter", k) for k in ("cheby2", "fir", "butter")]
        + [("slider", "alias_cutoff", 0.6), ("slider", "alias_order", 4)],
        "harmonics": [("radio", "alias_wave", w) for w in ("sawtooth", "triangle")]
        + [("slider", "alias_f0", 1000), ("slider", "alias_nh", 100), ("selectbox", "alias_h_fs", 16000)],
        "wagon_wheel": [("slider", "alias_rps", 4.0), ("slider", "alias_fps", 30), ("slider", "alias_spokes", 3),
                        ("toggle", "alias_paint", True)],
    }
    tabs = {"sweep": "Hear it fold (sweep)", "real_audio": "Real audio: decimation",
            "harmonics": "Harmonics fold too", "wagon_wheel": "Wagon wheel"}
    for section, actions in moves.items():
        if section in tabs:
            at.session_state["alias_tab"] = tabs[section]
            at.run()
        for kind, key, value in actions:
            getattr(at, kind)(key=key).set_value(value)
            full, own = timed_run(section)
            rows.append((section, f"{key}={value}", full, own))
            print(f"  {section:11s} {key + '=' + str(value):28s} {full:7.0f} | {own:6.0f}")
    full = [r[2] for r in rows]
    own = [r[3] for r in rows]
    print(f"  median full rerun {statistics.median(full):.0f} ms (max {max(full):.0f}); "
          f"median section {statistics.median(own):.0f} ms (max {max(own):.0f}); "
          f"{sum(f < 150 for f in full)}/{len(full)} full reruns and {sum(o < 150 for o in own)}/{len(own)} "
          "section reruns under 150 ms")


if __name__ == "__main__":
    bench_reconstruct()
    bench_decimate()
    bench_page()
