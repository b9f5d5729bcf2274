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

Issue 16, step 2 (printed first): time to the first decoded audio with the streamed path (the first second
encoded and decoded alone, with the receptive field as context; lib.codec.stream) against the old path
(encode the clip, then decode it), PyTorch and ONNX Runtime, alternating in one process, wall and CPU time,
and to the whole clip; then every level, one decoder call per level (the current path) against several
levels per call (a batch axis in the ONNX graph and in PyTorch), and conv1's share (the only layer levels
could share).

Run:  .venv/bin/python bench/bench_codec.py [--models 16khz,24khz,44khz] [--quick] [--onnx-only] [--page-only]
      [--stream-only] [--stream-models 44khz,24khz] [--levels 4] [--repeat 3]
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


#: The start of every worker that times a full-size random-weight model from options: imports, the model
#: (``opts["model"]``) and, where a script uses it, the test clip ``y`` (``opts["duration_s"]``).
MODEL_PRELUDE = r"""
import json, os, resource, statistics, sys, time, warnings
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
"""

COMPARE = MODEL_PRELUDE + r"""
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


STREAM = MODEL_PRELUDE + r"""
rt = dac_onnx.OnnxDac(net, threads={threads}, cache_dir={cache!r})
k = opts["k"] or spec.n_codebooks


def old(runtime):  # the page before streaming: encode the clip, then decode the chosen level
    w0, c0 = time.perf_counter(), time.process_time()
    enc = codec.encode_details(net, y, spec.sr, chunk_s=5.0, runtime=runtime)
    z = codec.decode(net, enc.codes, k, n_samples=len(y), chunk_s=5.0, runtime=runtime)
    w, c = time.perf_counter() - w0, time.process_time() - c0
    return dict(first=w, first_cpu=c, whole=w, whole_cpu=c), enc.codes, z


def new(runtime):  # streamed: the first second alone, then the rest reusing it
    r = {{}}
    w0, c0 = time.perf_counter(), time.process_time()

    def on_first(audio, head):
        r["first"], r["first_cpu"] = time.perf_counter() - w0, time.process_time() - c0
    enc, z = codec.stream(net, y, spec.sr, k, first_s=opts["first_s"], chunk_s=5.0, runtime=runtime, on_first=on_first)
    r["whole"], r["whole_cpu"] = time.perf_counter() - w0, time.process_time() - c0
    return r, enc.codes, z


paths = {{"old, PyTorch": (old, None), "new, PyTorch": (new, None), "old, ONNX": (old, rt), "new, ONNX": (new, rt)}}
times = {{name: [] for name in paths}}
out = {{}}
for rep in range(opts["repeat"]):
    order = list(paths) if rep % 2 == 0 else list(paths)[::-1]  # alternate: load drifts hit every path alike
    for name in order:
        fn, runtime = paths[name]
        r, codes, z = fn(runtime)
        times[name].append(r)
        out[name] = (codes, z)
ref_codes, ref_z = out["old, PyTorch"]
check = {{name: dict(codes_equal=bool(np.array_equal(c, ref_codes)), max_diff=float(np.max(np.abs(z - ref_z))))
         for name, (c, z) in out.items()}}
print(json.dumps(dict(times=times, check=check, peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)))
"""

LEVELS = MODEL_PRELUDE + r"""
import onnxruntime as ort
rt = dac_onnx.OnnxDac(net, threads={threads}, cache_dir={cache!r}, parts=("decoder",))
L, B = opts["levels"], opts["batch"]
frames = codec.n_frames(int(d * spec.sr), spec.hop_length)
codes = np.random.default_rng(0).integers(0, spec.codebook_size, (spec.n_codebooks, frames))
levels = list(range(spec.n_codebooks, spec.n_codebooks - L, -1))
with torch.inference_mode():
    c = torch.from_numpy(codes)[None]
    lat = torch.cat([net.quantizer.from_codes(c[:, :kk])[0] for kk in levels])  # (L, hidden, frames)
xn = lat.numpy()
# The decoder with a dynamic batch axis (the app's graphs have a dynamic time axis only).
path = os.path.join({cache!r}, f"dac-decoder-batch-{{dac_onnx.weights_fingerprint(net)}}.onnx")
if not os.path.exists(path):
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(net.decoder, (lat[:1],), path, input_names=["x"], output_names=["y"], dynamo=False,
                          opset_version=17, dynamic_axes={{"x": {{0: "batch", 2: "time"}}, "y": {{0: "batch", 2: "t"}}}})
so = ort.SessionOptions()
so.intra_op_num_threads = {threads}
so.inter_op_num_threads = 1
so.enable_cpu_mem_arena = False
batched = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
batched.run(None, {{"x": xn[:1, :, :8]}})


def onnx_one():  # the current path: one level per call (lib.codec.decode_levels)
    return np.stack([codec.decode(net, codes, kk, chunk_s=5.0, runtime=rt) for kk in levels])


def onnx_batch():
    return np.concatenate([batched.run(None, {{"x": xn[i:i + B]}})[0][:, 0] for i in range(0, L, B)])


def torch_one():
    with torch.inference_mode():
        return np.stack([net.decoder(lat[i:i + 1])[0, 0].numpy() for i in range(L)])


def torch_batch():
    with torch.inference_mode():
        return np.concatenate([net.decoder(lat[i:i + B])[:, 0].numpy() for i in range(0, L, B)])


paths = {{"old: ONNX, one level per call": onnx_one, f"ONNX, {{B}} levels per call (batch)": onnx_batch,
          "PyTorch, one level per call": torch_one, f"PyTorch, {{B}} levels per call (batch)": torch_batch}}
times = {{name: [] for name in paths}}
outs = {{}}
for rep in range(opts["repeat"]):
    order = list(paths) if rep % 2 == 0 else list(paths)[::-1]
    for name in order:
        w0, c0 = time.perf_counter(), time.process_time()
        outs[name] = paths[name]()
        times[name].append((time.perf_counter() - w0, time.process_time() - c0))
ref = outs["old: ONNX, one level per call"]
n = min(o.shape[1] for o in outs.values())
diff = {{name: float(np.max(np.abs(o[:, :n] - ref[:, :n]))) for name, o in outs.items()}}
# conv1 is the only linear layer before the first Snake: it could be shared between levels (fold it with each
# codebook's out_proj: 8 -> hidden channels instead of 1024 -> hidden). Its share of one decode:
with torch.inference_mode():
    x1 = lat[:1]
    t_conv1 = t_dec = float("inf")
    for _ in range(2):
        w0 = time.perf_counter(); net.decoder.conv1(x1); t_conv1 = min(t_conv1, time.perf_counter() - w0)
        w0 = time.perf_counter(); net.decoder(x1); t_dec = min(t_dec, time.perf_counter() - w0)
a = torch.randn(2048, 2048)
gemm = 0.0
for _ in range(3):  # the machine's float32 matrix-multiply speed now: the ceiling for a FLOP-bound decoder
    w0 = time.perf_counter()
    [a @ a for _ in range(5)]
    gemm = max(gemm, 5 * 2 * 2048**3 / (time.perf_counter() - w0) / 1e9)
print(json.dumps(dict(times=times, diff=diff, levels=levels, conv1_s=t_conv1, decode_s=t_dec, gemm_gflops=gemm)))
"""


def _cpu_line(name: str, rows: list[dict], key: str) -> str:
    import statistics

    w = [r[key] for r in rows]
    c = [r[key + "_cpu"] for r in rows]
    return f"{min(w):6.2f} s wall (median {statistics.median(w):6.2f})  {min(c):6.2f} s CPU"


def stream_section(models: list[str], duration_s: float, repeat: int, threads: int = 2, first_s: float = 1.0,
                   cache: str | None = None) -> None:
    """Issue 16: time to the first decoded audio and to the whole clip, old path vs streamed, alternating."""
    import statistics
    import tempfile

    from lib.codec import MODELS, receptive_field

    cache = cache or tempfile.mkdtemp(prefix="ave_bench_onnx_")
    print("\n== Streamed first audio vs the old path (encode the clip, then decode it), alternating in one process ==")
    print(f"load average now: {' '.join(f'{v:.1f}' for v in os.getloadavg())} on {os.cpu_count()} cores; "
          f"best (median) of {repeat}; CPU = process time of all threads")
    for model in models:
        spec = MODELS[model]
        load0 = os.getloadavg()[0]
        opts = dict(model=model, duration_s=duration_s, repeat=repeat, k=None, first_s=first_s)
        r = _run(STREAM.format(root=str(ROOT), cache=cache, threads=threads, opts=json.dumps(opts)), threads)
        rf = receptive_field(spec)
        window = (round(first_s * spec.sr / spec.hop_length) + rf["decoder_frames"][1] + rf["encoder_frames"][1])
        print(f"\n{model}: {spec.label}; {duration_s:g} s clip, all {spec.n_codebooks} codebooks; streamed head "
              f"{first_s:g} s kept, window {window * spec.hop_length / spec.sr:.2f} s (kept + the decoder's and the "
              "encoder's receptive fields)")
        best, med = {}, {}
        for name, rows in r["times"].items():
            keys = ("first", "whole", "first_cpu", "whole_cpu")
            best[name] = [min(x[key] for x in rows) for key in keys]
            med[name] = [statistics.median(x[key] for x in rows) for key in keys]
            ck = r["check"][name]
            print(f"  {name:<13} first audio {_cpu_line(name, rows, 'first')} | whole clip "
                  f"{_cpu_line(name, rows, 'whole')} | codes equal {ck['codes_equal']}, audio diff {ck['max_diff']:.1e}")
        for rt in ("PyTorch", "ONNX"):
            for label, t in (("best", best), ("median", med)):
                o, n = t[f"old, {rt}"], t[f"new, {rt}"]
                print(f"  {rt:<8} old/new ({label:<6}): first audio x{o[0] / n[0]:.2f} wall, x{o[2] / n[2]:.2f} CPU; "
                      f"whole clip x{o[1] / n[1]:.2f} wall, x{o[3] / n[3]:.2f} CPU (below 1: the streamed whole clip is "
                      "slower)")
        print(f"  (load average {load0:.1f} -> {os.getloadavg()[0]:.1f}; peak {r['peak_mb']:.0f} MB for the process "
              "holding both runtimes)")


def levels_section(models: list[str], duration_s: float, repeat: int, n_levels: int = 4, batch: int = 4,
                   threads: int = 2, cache: str | None = None) -> None:
    """Issue 16: every level of a model, one level per decoder call (current) vs batched levels, alternating."""
    import statistics
    import tempfile

    from lib.codec import MODELS

    cache = cache or tempfile.mkdtemp(prefix="ave_bench_onnx_")
    print(f"\n== Every level: one decode per level (current) vs {batch} levels per call, alternating in one process ==")
    print(f"load average now: {' '.join(f'{v:.1f}' for v in os.getloadavg())}; {n_levels} levels measured per path "
          f"(decoding cost does not depend on k), projected to all; best (median) of {repeat}")
    for model in models:
        spec = MODELS[model]
        opts = dict(model=model, duration_s=duration_s, repeat=repeat, levels=n_levels, batch=batch)
        r = _run(LEVELS.format(root=str(ROOT), cache=cache, threads=threads, opts=json.dumps(opts)), threads)
        n = spec.n_codebooks
        print(f"\n{model}: {spec.label}; {duration_s:g} s clip; levels {r['levels'][0]}..{r['levels'][-1]} measured, "
              f"x{n / n_levels:g} for all {n}")
        ref = min(w for w, _ in r["times"]["old: ONNX, one level per call"])
        ref_cpu = min(c for _, c in r["times"]["old: ONNX, one level per call"])
        for name, rows in r["times"].items():
            w = min(x for x, _ in rows)
            c = min(x for _, x in rows)
            med = statistics.median(x for x, _ in rows)
            print(f"  {name:<32} {w / n_levels:5.2f} s per level (median {med / n_levels:5.2f}), "
                  f"CPU {c / n_levels:5.2f} s "
                  f"-> all {n} levels {w * n / n_levels:6.1f} s wall, {c * n / n_levels:6.1f} s CPU; "
                  f"old/this x{ref / w:.2f} wall, x{ref_cpu / c:.2f} CPU; largest difference {r['diff'][name]:.1e}")
        share = r["conv1_s"] / r["decode_s"]
        print(f"  conv1 (linear: the only layer levels can share) takes {r['conv1_s']:.3f} s of a {r['decode_s']:.2f} s "
              f"eager decode ({100 * share:.1f} %): sharing it would save at most that")
        if model == "24khz":
            gflop, _ = decoder_gflop_per_s(spec)
            per = gflop * duration_s
            best = min(min(x for x, _ in rows) for rows in r["times"].values()) / n_levels
            print(f"  goal: all {n} levels <= 30 s. Fastest path here: {best * n:.0f} s ({per / best:.0f} GFLOP/s "
                  f"sustained on {per:.0f} GFLOP per level); 30 s needs {n * per / 30:.0f} GFLOP/s, "
                  f"x{best * n / 30:.1f} the speed measured now; float32 matrix multiply on this machine now: "
                  f"{r['gemm_gflops']:.0f} GFLOP/s")


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
# Streamed, as the page does: the first second alone (played at once), then the rest reusing it.
head = codec.encode_head(net, y, spec.sr, runtime=bg.runtime)
head_audio = codec.decode_head(net, head, k, runtime=bg.runtime)
first_chunk = time.perf_counter() - t0
enc = codec.encode_details(net, y, spec.sr, chunk_s=5.0, runtime=bg.runtime, head=head)
t_enc = time.perf_counter() - t0 - first_chunk
z = codec.decode(net, enc.codes, k, n_samples=len(y), chunk_s=5.0, runtime=bg.runtime, head=head,
                 head_audio=head_audio)
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
                      first_chunk_s=first_chunk,
                      onnx=bg.runtime is not None, peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      load=[load0, os.getloadavg()[0]])))
"""


def page_section(models: list[str], duration_s: float, threads: int = 2) -> None:
    """The page's own sequence in a fresh process: time to the first decoded audio and to every level."""
    import tempfile

    from lib.codec import MODELS

    from lib.codec import FIRST_CHUNK_S as codec_first_s

    print("\n== The page's path (fresh process per row, model in memory): the streamed first second, the whole "
          "clip at the chosen level, then every level ==")
    for model in models:
        spec = MODELS[model]
        cache = tempfile.mkdtemp(prefix="ave_bench_page_")
        print(f"\n{model}: {spec.label}; {duration_s:g} s clip, all {spec.n_codebooks} codebooks chosen")
        for label, onnx in [("PyTorch only (no ONNX Runtime)", False), ("ONNX, first run (export deferred)", True),
                            ("ONNX, graphs cached on disk", True)]:
            code = PAGE.format(root=str(ROOT), threads=threads, model=model, d=duration_s, cache=cache, onnx=onnx)
            r = _run(code, threads)
            print(f"  {label:<34} runtime {r['runtime_s']:4.1f} s  first {codec_first_s:g} s heard after "
                  f"{r['first_chunk_s']:5.2f} s  encode of the rest {r['encode_s']:5.2f} s  the whole clip "
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
    ap.add_argument("--stream-only", action="store_true",
                    help="only issue 16's sections: streamed first audio and every level, old vs new")
    ap.add_argument("--stream-models", default="44khz,24khz", help="models of the streamed and every-level sections")
    ap.add_argument("--levels", type=int, default=4, help="levels decoded per path in the every-level section "
                    "(projected to all; pass the model's codebook count to decode them all)")
    args = ap.parse_args()
    d = args.duration
    if args.page_only:
        page_section(args.models.split(","), d)
        return
    import tempfile

    cache = tempfile.mkdtemp(prefix="ave_bench_onnx_")
    stream_section(args.stream_models.split(","), d, args.repeat, cache=cache)
    levels_section(args.stream_models.split(","), d, min(args.repeat, 2), n_levels=args.levels, cache=cache)
    if args.stream_only:
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
