"""Benchmark: DAC encode/decode speed and memory on this machine (random weights, real architectures).

Random weights cost exactly what the real ones do (same layers, same shapes),
so this measures what a user would wait for. Every measurement runs in a fresh
subprocess so the peak resident memory (ru_maxrss) belongs to that run alone.

Anchor (issue 5): the reference ``descript-audio-codec`` code took 3.1 s to
encode and 5.8 s to decode 5 s of 44.1 kHz audio with 2 threads, 2.1 GB peak.
Goal: first decoded audio within 6 s of the button, all levels within 30 s,
peak under 2 GB.

Run:  .venv/bin/python bench/bench_codec.py [--models 16khz,24khz,44khz] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORKER = r"""
import json, os, resource, sys, time
sys.path.insert(0, {root!r})
os.environ["HF_HUB_OFFLINE"] = "1"
import numpy as np, torch
torch.set_num_threads({threads})
from lib import codec
opts = json.loads({opts!r})
spec = codec.MODELS[opts["model"]]
t0 = time.perf_counter()
net = codec.build_dac(spec, weight_norm=opts["weight_norm"], fast_snake=opts.get("fast_snake", True))
t_build = time.perf_counter() - t0
rss_model = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
duration = opts["duration_s"]
rng = np.random.default_rng(0)
t = np.arange(int(duration * spec.sr)) / spec.sr
y = (0.3 * np.sin(2 * np.pi * 220 * t) + 0.05 * rng.standard_normal(len(t))).astype(np.float32)
import contextlib
ctx = torch.inference_mode() if opts["inference_mode"] else torch.no_grad()
amp = torch.autocast("cpu", dtype=torch.bfloat16) if opts.get("bf16") else contextlib.nullcontext()
chunk = opts["chunk_s"]
with ctx, amp:
    t_enc = t_dec = float("inf")
    for _ in range(opts["repeat"]):  # best of N: the machine is shared
        t0 = time.perf_counter()
        enc = codec.encode_details(net, y, spec.sr, chunk_s=chunk)
        t_enc = min(t_enc, time.perf_counter() - t0)
        t0 = time.perf_counter()
        out = codec.decode(net, enc.codes, n_samples=len(y), chunk_s=chunk)
        t_dec = min(t_dec, time.perf_counter() - t0)
    t_levels = None
    if opts["all_levels"]:
        t0 = time.perf_counter()
        for k in range(1, spec.n_codebooks):
            codec.decode(net, enc.codes, k, n_samples=len(y), chunk_s=chunk)
        t_levels = time.perf_counter() - t0 + t_dec
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(dict(build_s=t_build, encode_s=t_enc, decode_s=t_dec, all_levels_s=t_levels,
                      peak_mb=peak, model_mb=rss_model, params_m=sum(p.numel() for p in net.parameters()) / 1e6)))
"""


def run(model: str, *, weight_norm=False, inference_mode=True, threads=2, chunk_s=None, duration_s=5.0,
        all_levels=False, bf16=False, repeat=2, fast_snake=True) -> dict:
    opts = dict(model=model, weight_norm=weight_norm, inference_mode=inference_mode, chunk_s=chunk_s,
                duration_s=duration_s, all_levels=all_levels, bf16=bf16, repeat=repeat, fast_snake=fast_snake)
    code = WORKER.format(root=str(ROOT), threads=threads, opts=json.dumps(opts))
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", OMP_NUM_THREADS=str(threads))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=str(ROOT))
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def row(label: str, r: dict, duration_s: float) -> str:
    rtf_e = duration_s / r["encode_s"]
    rtf_d = duration_s / r["decode_s"]
    levels = f"{r['all_levels_s']:6.1f}" if r.get("all_levels_s") else "     -"
    return (f"  {label:<34} enc {r['encode_s']:5.2f} s (x{rtf_e:4.2f} RT)  dec {r['decode_s']:5.2f} s "
            f"(x{rtf_d:4.2f} RT)  first audio {r['encode_s'] + r['decode_s']:5.2f} s  all levels {levels} s  "
            f"peak {r['peak_mb']:6.0f} MB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="16khz,24khz,44khz")
    ap.add_argument("--duration", type=float, default=5.0)
    ap.add_argument("--quick", action="store_true", help="only the optimised configuration")
    args = ap.parse_args()
    d = args.duration
    print(f"DAC encode/decode of {d:g} s of audio, random weights, CPU ({os.cpu_count()} cores visible)")
    print(f"load average before: {os.getloadavg()[0]:.1f} (2 cores are shared; times are best of 2)")
    print("RT = times faster than real time (duration / wall time); anchor: reference code 44.1 kHz enc 3.1 s, "
          "dec 5.8 s, 2.1 GB")
    for model in args.models.split(","):
        from lib.codec import MODELS

        spec = MODELS[model]
        print(f"\n{model}: {spec.label}, hop {spec.hop_length}")
        levels = spec.n_codebooks <= 12  # 24 kHz: 32 levels x decode time; projected instead
        best = run(model, duration_s=d, all_levels=levels)
        print(f"  params {best['params_m']:.1f} M, model alone {best['model_mb']:.0f} MB RSS, build {best['build_s']:.1f} s")
        print(row("ours: in-place Snake, inference_mode", best, d))
        if not levels:
            print(f"  all {spec.n_codebooks} levels projected: {spec.n_codebooks * best['decode_s']:.0f} s "
                  "(decoder cost does not depend on k; the page decodes levels on demand)")
        if args.quick:
            continue
        variants = [
            ("transformers' Snake (5 temporaries)", dict(fast_snake=False)),
            ("+ weight norm kept, no_grad (ref-style)", dict(weight_norm=True, inference_mode=False, fast_snake=False)),
            ("no_grad instead of inference_mode", dict(inference_mode=False)),
            ("1 thread", dict(threads=1)),
            ("bf16 autocast (AVX512-BF16 CPUs)", dict(bf16=True)),
            ("chunks of 1 s (+0.5 s context)", dict(chunk_s=1.0)),
            ("chunks of 2.5 s (+0.5 s context)", dict(chunk_s=2.5)),
        ]
        for label, kw in variants:
            r = run(model, duration_s=d, **kw)
            print(row(label, r, d))
        r = run(model, duration_s=30.0, repeat=1)
        rc = run(model, duration_s=30.0, chunk_s=5.0, repeat=1)
        print(f"  30 s clip: whole {r['encode_s'] + r['decode_s']:5.1f} s, peak {r['peak_mb']:.0f} MB | "
              f"5 s chunks {rc['encode_s'] + rc['decode_s']:5.1f} s, peak {rc['peak_mb']:.0f} MB")


if __name__ == "__main__":
    main()
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")
