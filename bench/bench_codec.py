"""Benchmark: DAC encode/decode speed and memory on this machine (random weights, real architectures).

Random weights cost exactly what the real ones do (same layers, same shapes),
so this measures what a user would wait for. Every measurement runs in a fresh
subprocess so the peak resident memory (ru_maxrss) belongs to that run alone.

Anchor (issue 5): the reference ``descript-audio-codec`` code took 3.1 s to
encode and 5.8 s to decode 5 s of 44.1 kHz audio with 2 threads, 2.1 GB peak.
Goal: first decoded audio within 6 s of the button, all levels within 30 s,
peak under 2 GB.

Issue 16 (first section printed): the old path (eager PyTorch) and the new one (encoder and decoder in
ONNX Runtime, exported once per checkpoint and cached on disk, equal to 1e-4) alternately in one
process on the same clip, so a shared machine's load hits both alike; the ratio is the result.
Goals: first decoded audio <= 6 s for 5 s at 44.1 kHz; every level of the 24 kHz model <= 30 s; < 2 GB.

Then the page's own sequence in a fresh process (runtime, encode, the chosen level; every other level in
the background), with PyTorch only, with ONNX Runtime on a first run (export deferred until the chosen
level is out) and with the graphs cached on disk.

Run:  .venv/bin/python bench/bench_codec.py [--models 16khz,24khz,44khz] [--quick] [--onnx-only] [--page-only]
      [--repeat 3]
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


COMPARE = r"""
import json, os, resource, sys, time
sys.path.insert(0, {root!r})
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["AVE_ONNX_CACHE"] = {cache!r}
import numpy as np, torch
torch.set_num_threads({threads})
from lib import codec, dac_onnx
opts = json.loads({opts!r})
spec = codec.MODELS[opts["model"]]
net = codec.build_dac(spec)
d = opts["duration_s"]
rng = np.random.default_rng(0)
t = np.arange(int(d * spec.sr)) / spec.sr
y = (0.3 * np.sin(2 * np.pi * 220 * t) + 0.05 * rng.standard_normal(len(t))).astype(np.float32)
out = {{}}
t0 = time.perf_counter()
was_cached = dac_onnx.cached(net)
rt = dac_onnx.OnnxDac(net, threads={threads})
out["onnx_ready_s"] = time.perf_counter() - t0
out["onnx_was_cached"] = was_cached
out["onnx_max_error"] = rt.max_error
paths = {{"old (eager PyTorch)": None, "new (ONNX Runtime)": rt}}
times = {{name: {{"encode": [], "decode": []}} for name in paths}}
codes = {{}}
audio = {{}}
for rep in range(opts["repeat"]):
    order = list(paths) if rep % 2 == 0 else list(paths)[::-1]  # alternate: load drifts hit both alike
    for name in order:
        runtime = paths[name]
        t0 = time.perf_counter()
        enc = codec.encode_details(net, y, spec.sr, chunk_s=opts["chunk_s"], runtime=runtime)
        times[name]["encode"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        z = codec.decode(net, enc.codes, opts["k"], n_samples=len(y), chunk_s=opts["chunk_s"], runtime=runtime)
        times[name]["decode"].append(time.perf_counter() - t0)
        codes[name], audio[name] = enc.codes, z
out["times"] = times
a, b = list(audio.values())
out["max_audio_diff"] = float(np.max(np.abs(a - b)))
ca, cb = list(codes.values())
out["codes_equal_fraction"] = float(np.mean(ca == cb))
out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""

PEAK = r"""
import json, os, resource, sys, time
sys.path.insert(0, {root!r})
os.environ["AVE_ONNX_CACHE"] = {cache!r}
import numpy as np, torch
torch.set_num_threads({threads})
from lib import codec, dac_onnx
spec = codec.MODELS[{model!r}]
net = codec.build_dac(spec)
rt = dac_onnx.OnnxDac(net, threads={threads}) if {onnx!r} else None
y = (0.3 * np.sin(2 * np.pi * 220 * np.arange(int({d} * spec.sr)) / spec.sr)).astype(np.float32)
enc = codec.encode_details(net, y, spec.sr, chunk_s=5.0, runtime=rt)
codec.decode(net, enc.codes, n_samples=len(y), chunk_s=5.0, runtime=rt)
print(json.dumps(dict(peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)))
"""


def _run(code: str, threads: int) -> dict:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", OMP_NUM_THREADS=str(threads))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=str(ROOT))
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def compare_onnx(model: str, *, duration_s: float, repeat: int, cache: str, threads: int = 2, k: int | None = None,
                 chunk_s: float = 5.0) -> dict:
    """Old path (eager PyTorch) and new path (ONNX Runtime) alternately in one process, same clip."""
    from lib.codec import MODELS

    opts = dict(model=model, duration_s=duration_s, repeat=repeat, k=k or MODELS[model].n_codebooks, chunk_s=chunk_s)
    return _run(COMPARE.format(root=str(ROOT), cache=cache, threads=threads, opts=json.dumps(opts)), threads)


def peak_mb(model: str, *, onnx: bool, cache: str, duration_s: float = 5.0, threads: int = 2) -> float:
    code = PEAK.format(root=str(ROOT), cache=cache, threads=threads, model=model, onnx=onnx, d=duration_s)
    return _run(code, threads)["peak_mb"]


def decoder_gflop_per_s(spec) -> tuple[float, float]:
    """Decoder FLOPs per second of audio (2 x multiply-adds of every convolution) and conv1's share of them."""
    d, fr = spec.decoder_hidden_size, spec.frame_rate_hz
    hidden = spec.encoder_hidden_size * 2 ** len(spec.downsampling_ratios)
    conv1 = hidden * d * 7 * fr
    macs, rate = conv1, fr
    for i, s in enumerate(reversed(spec.downsampling_ratios)):
        cin, cout = d // 2**i, d // 2 ** (i + 1)
        rate *= s
        macs += cin * cout * 2 * rate + 3 * (cout * cout * 7 + cout * cout) * rate
    macs += (d // 2 ** len(spec.downsampling_ratios)) * 7 * rate
    return 2 * macs / 1e9, conv1 / macs


def onnx_section(models: list[str], duration_s: float, repeat: int) -> None:
    import statistics
    import tempfile

    from lib.codec import MODELS

    print("\n== Steps of issue 16: ONNX Runtime vs eager PyTorch, alternating in one process (same clip, same codes) ==")
    print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; times best / median of {repeat}")
    cache = tempfile.mkdtemp(prefix="ave_bench_onnx_")
    for model in models:
        spec = MODELS[model]
        r = compare_onnx(model, duration_s=duration_s, repeat=repeat, cache=cache)
        print(f"\n{model}: {spec.label}; {duration_s:g} s clip, 5 s fixed-length chunks")
        print(f"  export + check (cold, once per checkpoint, cached on disk): {r['onnx_ready_s']:.1f} s; "
              f"largest difference to PyTorch on the probe {r['onnx_max_error']:.1e} (must be <= 1e-4)")
        r2 = compare_onnx(model, duration_s=duration_s, repeat=1, cache=cache)
        print(f"  load + check from the disk cache (warm, any later run): {r2['onnx_ready_s']:.1f} s")
        print(f"  same clip: decoded audio differs by {r['max_audio_diff']:.1e}; codes equal on "
              f"{100 * r['codes_equal_fraction']:.2f} % of tokens")
        res = {}
        for name, t in r["times"].items():
            enc, dec = min(t["encode"]), min(t["decode"])
            first = [e + x for e, x in zip(t["encode"], t["decode"])]
            res[name] = (enc, dec, min(first))
            print(f"  {name:<22} encode {enc:6.2f} s  decode {dec:6.2f} s  first audio {min(first):6.2f} s "
                  f"(median {statistics.median(first):6.2f} s)")
        (eo, do, fo), (en, dn, fn) = res["old (eager PyTorch)"], res["new (ONNX Runtime)"]
        print(f"  ratio old/new: encode x{eo / en:.2f}, decode x{do / dn:.2f}, first audio x{fo / fn:.2f}")
        gflop, share = decoder_gflop_per_s(spec)
        per = gflop * duration_s
        print(f"  decoder work: {per:.0f} GFLOP per decode of {duration_s:g} s -> {per / dn:.0f} GFLOP/s sustained by "
              f"ONNX Runtime here; conv1 (the only layer levels could share: it is linear) is {100 * share:.1f} % of it")
        print(f"  all {spec.n_codebooks} levels (decode cost does not depend on k): eager {spec.n_codebooks * do:.0f} s, "
              f"ONNX {spec.n_codebooks * dn:.0f} s; the chosen level first, the others in the background")
        if model == "24khz":
            need = spec.n_codebooks * per / 30
            print(f"  goal 'every level <= 30 s' needs {need:.0f} GFLOP/s sustained in float32 "
                  f"({spec.n_codebooks} x {per:.0f} GFLOP / 30 s)")
        print(f"  peak memory (fresh process, 5 s clip): eager {peak_mb(model, onnx=False, cache=cache):.0f} MB, "
              f"ONNX {peak_mb(model, onnx=True, cache=cache):.0f} MB (goal < 2048 MB)")
    print(f"\nload average after the ONNX section: {os.getloadavg()[0]:.1f}")

PAGE = r"""
import json, os, resource, sys, tempfile, time
sys.path.insert(0, {root!r})
import numpy as np, torch
torch.set_num_threads({threads})
from lib import codec, dac_onnx
spec = codec.MODELS[{model!r}]
net = codec.build_dac(spec)
d = {d}
rng = np.random.default_rng(0)
t = np.arange(int(d * spec.sr)) / spec.sr
y = (0.3 * np.sin(2 * np.pi * 220 * t) + 0.05 * rng.standard_normal(len(t))).astype(np.float32)
k = spec.n_codebooks
load0 = os.getloadavg()[0]
t0 = time.perf_counter()
# What the page does after "Encode with DAC" (the model already in memory): runtime, encode, the chosen level.
bg = dac_onnx.BackgroundRuntime(net, cache_dir={cache!r}, threads={threads}, defer_export=True,
                                min_free_mb=0 if {onnx!r} else 1e12)
t_rt = time.perf_counter() - t0
enc = codec.encode_details(net, y, spec.sr, chunk_s=5.0, runtime=bg.runtime)
t_enc = time.perf_counter() - t0 - t_rt
z = codec.decode(net, enc.codes, k, n_samples=len(y), chunk_s=5.0, runtime=bg.runtime)
first = time.perf_counter() - t0
# Then every other level in the background (the export first, when it is not cached yet).
job = bg.decode_levels(enc.codes, n_samples=len(y), clip_hash="bench", model=spec.key, chunk_s=5.0,
                       cache=codec.DiskCache(tempfile.mkdtemp()), levels=[kk for kk in range(k, 0, -1) if kk != k])
job.join()
every = time.perf_counter() - t0
# What the removed second encoder pass (residual energies) cost on top of the encode.
x = torch.from_numpy(np.resize(y, codec.n_frames(len(y), spec.hop_length) * spec.hop_length))[None, None]
t1 = time.perf_counter()
with torch.inference_mode():
    bg.runtime.encoder(x.numpy()) if bg.runtime is not None else net.encoder(x)
t_pass = time.perf_counter() - t1
print(json.dumps(dict(runtime_s=t_rt, encode_s=t_enc, first_s=first, every_s=every, encoder_pass_s=t_pass,
                      onnx=bg.runtime is not None, peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      load=[load0, os.getloadavg()[0]])))
"""


def page_section(models: list[str], duration_s: float, threads: int = 2) -> None:
    """The page's own sequence in a fresh process: time to the first decoded audio and to every level."""
    import tempfile

    from lib.codec import MODELS

    print("\n== The page's path (fresh process per row, model in memory): first decoded audio, then every level ==")
    for model in models:
        spec = MODELS[model]
        cache = tempfile.mkdtemp(prefix="ave_bench_page_")
        print(f"\n{model}: {spec.label}; {duration_s:g} s clip, all {spec.n_codebooks} codebooks chosen")
        for label, onnx in [("PyTorch only (no ONNX Runtime)", False), ("ONNX, first run (export deferred)", True),
                            ("ONNX, graphs cached on disk", True)]:
            code = PAGE.format(root=str(ROOT), threads=threads, model=model, d=duration_s, cache=cache, onnx=onnx)
            r = _run(code, threads)
            print(f"  {label:<34} runtime {r['runtime_s']:4.1f} s  encode {r['encode_s']:5.2f} s  first audio "
                  f"{r['first_s']:5.2f} s  every level {r['every_s']:6.1f} s  peak {r['peak_mb']:5.0f} MB  "
                  f"(load {r['load'][0]:.1f} -> {r['load'][1]:.1f}; a second encoder pass, removed, cost "
                  f"{r['encoder_pass_s']:.2f} s)")


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
    ap.add_argument("--onnx-only", action="store_true", help="only the ONNX Runtime vs PyTorch comparison (issue 16)")
    ap.add_argument("--repeat", type=int, default=3, help="alternating repetitions in the ONNX comparison")
    ap.add_argument("--page-only", action="store_true", help="only the page's path: first audio and every level")
    args = ap.parse_args()
    d = args.duration
    if args.page_only:
        page_section(args.models.split(","), d)
        return
    onnx_section(args.models.split(","), d, args.repeat)
    page_section(args.models.split(","), d)
    if args.onnx_only:
        return
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
