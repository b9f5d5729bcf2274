"""Benchmark: how long the codec page's "Compute the curve" takes, against the time the page promises.

The page states ``CURVE_S_PER_AUDIO_S`` seconds of work per second of audio (every classic codec
point of ``lib.codec.curve_jobs`` plus 8 k-means RVQ levels, each scored by
``lib.metrics.quality_report``). This runs the same work on the built-in speech clip at 16 kHz
and prints the measured rate and its ratio to the promise. Run it on a quiet machine before
changing the constant; the load average is printed with the result.

Run:  .venv/bin/python bench/bench_codec_curve.py
"""

from __future__ import annotations

import ast
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lib import codec, metrics, rvq  # noqa: E402
from lib.audio import load_audio, resample  # noqa: E402


def promised() -> float:
    """``CURVE_S_PER_AUDIO_S`` as written in app_pages/codec.py (read, not imported: pages are scripts)."""
    tree = ast.parse((ROOT / "app_pages" / "codec.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "CURVE_S_PER_AUDIO_S" for t in node.targets):
            return float(ast.literal_eval(node.value))
    raise SystemExit("CURVE_S_PER_AUDIO_S not found in app_pages/codec.py")


def main() -> None:
    clip = load_audio(ROOT / "samples" / "speech_fricatives.flac")
    sr = 16000
    y = resample(clip.samples, clip.sr, sr)
    dur = len(y) / sr
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    for name, rate in codec.curve_jobs(sr):
        metrics.quality_report(y, codec.classic_codec(y, sr, name, rate), sr)
    t1 = time.perf_counter()
    res = rvq.mdct_rvq(y, sr, n_stages=8, bits=8, n_bins=256, dim=16, seed=0)
    for s in range(1, 9):
        metrics.quality_report(y, res.decode(s), sr)
    t2 = time.perf_counter()
    rate = (t2 - t0) / dur
    print(f"clip {dur:.2f} s at {sr} Hz, {len(codec.curve_jobs(sr))} classic points + 8 k-means levels")
    print(f"classic {t1 - t0:.1f} s, k-means {t2 - t1:.1f} s, total {t2 - t0:.1f} s "
          f"(load average {load:.1f} on {os.cpu_count()} cores)")
    print(f"measured {rate:.2f} s per second of audio; page promises {promised():g} "
          f"(ratio measured/promised {rate / promised():.2f})")


if __name__ == "__main__":
    main()
