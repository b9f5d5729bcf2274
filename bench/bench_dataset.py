"""Benchmark: the speech data generator against the way people usually do it, and its scaling.

Examples: 4-s utterances at 16 kHz (espeak-ng speech, or the real speech in ../shared/data when
espeak-ng is missing), rooms and positions from the default spec, RT60 drawn uniformly from
0.2-1.2 s, synthetic noise at 0-30 dB SNR. Degradations (clipping, low-pass, codec) are switched off
for the comparison, since the baseline does not do them; their cost is printed separately.

1. **One process, in memory**: ``lib.dataset.draw_params`` + ``render_example`` (hybrid RIR, P.56
   SNR, aligned target, T20/T30/DRR/C50 measured) per example.
2. **Baseline, in memory, same draws**: ``pyroomacoustics.inverse_sabine`` for the drawn RT60 and room,
   ``pyroomacoustics.ShoeBox(..., max_order=that order).compute_rir()``, ``scipy.signal.fftconvolve``,
   noise scaled to the SNR over the whole clip, the dry file as target (as in pyroomacoustics' own
   example and most data scripts).
3. **The pipeline on a Dask LocalCluster** with 1 and then 2 worker processes, writing FLAC/WAV files
   and the manifest (workers warmed up first; the cluster start is not counted): examples per second,
   speed-up and scaling efficiency from 1 to 2 workers.

Goals (issue 13): at least 5x the baseline per core; at least 1.7x from one to two workers. The
machine's load average is printed: on a shared machine the scaling figures mean little.

Usage: ``python bench/bench_dataset.py [--quick]`` (a few minutes on 2 quiet cores; --quick: fewer examples).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lib import dataset as ds  # noqa: E402
from lib.errors import InputError  # noqa: E402

SR = 16000
SPEC = {"sr": SR, "duration_s": 4.0, "room": {"rt60_s": {"dist": "uniform", "low": 0.2, "high": 1.2}},
        "degrade": {"clip_probability": 0.0, "band_limit_probability": 0.0, "codec_probability": 0.0}}
HOURS_GOAL = 10_000


def speech_files(tmp: Path) -> list[str]:
    from pipeline import inputs

    try:
        return inputs.write_demo_speech(tmp / "speech", sr=SR)
    except InputError:
        data = Path(os.environ.get("AVE_DATA_DIR", ROOT.parent / "shared" / "data"))
        files = inputs.list_audio(data) if data.is_dir() else []
        speech = [f for f in files if "speech" in Path(f).name.lower()]
        if not speech:
            sys.exit("needs espeak-ng (apt-get install espeak-ng) or speech recordings in ../shared/data")
        return speech


CPU: dict[str, float] = {}  #: CPU seconds per example of the in-memory runs (load-independent)


def ours(params: list[dict], speech: list[np.ndarray], name: str = "") -> float:
    """Seconds per example, in memory (CPU seconds go to CPU[name])."""
    t0, c0 = time.perf_counter(), time.process_time()
    for p in params:
        ds.render_example(p, speech[int(p["speech_u"] * len(speech))], None, SR)
    CPU[name] = (time.process_time() - c0) / len(params)
    return (time.perf_counter() - t0) / len(params)


def baseline(params: list[dict], speech: list[np.ndarray]) -> tuple[float, list[int], int]:
    """pyroomacoustics ShoeBox + fftconvolve per example: (seconds per example, image orders, skipped)."""
    import pyroomacoustics as pra
    from scipy.signal import fftconvolve

    n = int(SPEC["duration_s"] * SR)
    rng = np.random.default_rng(0)
    times, cpu, orders, skipped = [], [], [], 0
    for p in params:
        dim = [p["room_length_m"], p["room_width_m"], p["room_height_m"]]
        try:
            e_absorption, max_order = pra.inverse_sabine(p["rt60_target_s"], dim)
        except ValueError:  # Sabine cannot reach that RT60 in that room
            skipped += 1
            continue
        y = speech[int(p["speech_u"] * len(speech))]
        start = int(p["speech_offset_u"] * max(0, len(y) - n))
        dry = np.zeros(n)
        seg = y[start:start + n]
        dry[:len(seg)] = seg
        t0, c0 = time.perf_counter(), time.process_time()
        room = pra.ShoeBox(dim, fs=SR, materials=pra.Material(e_absorption), max_order=max_order)
        room.add_source([p["source_x_m"], p["source_y_m"], p["source_z_m"]])
        room.add_microphone([p["mic_x_m"], p["mic_y_m"], p["mic_z_m"]])
        room.compute_rir()
        rir = room.rir[0][0]
        wet = fftconvolve(dry, rir)[:n]
        noise = rng.standard_normal(n)
        noise *= np.sqrt(np.mean(wet ** 2) / np.mean(noise ** 2) / 10 ** (p["snr_db"] / 10))
        _ = (wet + noise, dry, rir)  # input, target, RIR
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        orders.append(max_order)
    CPU["baseline"] = float(np.mean(cpu))
    return float(np.mean(times)), orders, skipped


def _warm(files: list[str]) -> None:
    """On a worker: import everything and render and encode one example, off the clock."""
    from pipeline import job as jobs
    from pipeline.inputs import load

    out = ds.render_example(ds.draw_params(SPEC, 0, 0), load(files[0], SR), None, SR)
    jobs.encode(out["input"], SR, "flac")
    import pyarrow.parquet  # noqa: F401


def _cpu_s() -> float:
    import psutil

    t = psutil.Process().cpu_times()
    return t.user + t.system


def cluster_rate(job, workers: int, n: int, tmp: Path) -> tuple[float, float, float]:
    """The pipeline (files written) on a LocalCluster: examples per second, worker CPU seconds per
    example (load-independent), and the largest worker's RSS in MB."""
    from distributed import Client

    from pipeline import generate

    lc = generate.start_cluster(workers)
    client = Client(lc)
    try:
        client.wait_for_workers(workers)
        client.run(_warm, job.speech_files)
        cpu0 = client.run(_cpu_s)
        t0 = time.perf_counter()
        generate.run(tmp / f"run{workers}", job, n, client=client)
        dt = time.perf_counter() - t0
        cpu1 = client.run(_cpu_s)
        import psutil

        rss = client.run(lambda: psutil.Process().memory_info().rss / 1e6)
        return n / dt, sum(cpu1[w] - cpu0[w] for w in cpu0) / n, max(rss.values())
    finally:
        client.close()
        lc.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    n_ours, n_base, n_cluster = (12, 6, 24) if a.quick else (40, 16, 96)
    load0 = os.getloadavg()
    tmp = Path(tempfile.mkdtemp(prefix="bench_dataset_"))
    try:
        from pipeline import generate, job as jobs
        from pipeline.inputs import load

        files = speech_files(tmp)
        speech = [load(f, SR) for f in files]
        params = [ds.draw_params(SPEC, 1, i) for i in range(max(n_ours, n_base))]
        ds.render_example(params[0], speech[0], None, SR)  # warm-up: imports, FFT plans
        t_ours = ours(params[:n_ours], speech, "ours")
        t_base, orders, skipped = baseline(params[:n_base], speech)
        t_ours_same = ours(params[:n_base], speech, "same")  # the baseline's examples (same mix of RT60s)
        full = [ds.draw_params({"sr": SR, "duration_s": 4.0}, 1, i) for i in range(n_ours)]
        t_full = ours(full, speech, "full")
        audio = SPEC["duration_s"]
        print(f"{n_ours} examples of {audio:g} s at {SR} Hz, RT60 0.2-1.2 s; load average before: "
              f"{load0[0]:.1f} (1 min) on {os.cpu_count()} cores")
        print()
        print(f"{'one process, in memory':44s} {'ms/example':>10s} {'examples/s':>10s} {'x real time':>11s} "
              f"{'CPU ms/ex':>10s}")
        rows = [("ours (hybrid, P.56 SNR, aligned target)", t_ours, "ours"),
                (f"ours on the baseline's {n_base} examples", t_ours_same, "same"),
                (f"pyroomacoustics + fftconvolve ({n_base - skipped} ex.)", t_base, "baseline"),
                ("ours with the default degradations", t_full, "full")]
        for name, t, key in rows:
            print(f"{name:44s} {1000 * t:10.1f} {1 / t:10.2f} {audio / t:11.1f} {1000 * CPU[key]:10.1f}")
        print(f"  baseline image orders from inverse_sabine: median {int(np.median(orders))}, max {max(orders)}"
              + (f"; {skipped} rooms skipped (Sabine cannot reach the RT60)" if skipped else ""))
        speedup = t_base / t_ours_same
        print(f"  speed-up per core vs the baseline (same examples): {speedup:.1f}x wall clock, "
              f"{CPU['baseline'] / CPU['same']:.1f}x CPU time  (goal >= 5x: {'met' if speedup >= 5 else 'NOT met'})")
        print()
        spec = ds.resolve_spec(SPEC)
        job = jobs.Job(spec=spec, seed=1, chunk_size=8, speech_files=files, speech_digest="bench",
                       code_version=jobs.code_version())
        t0, c0 = time.perf_counter(), time.process_time()
        generate.run(tmp / "inproc", job, n_cluster // 2, workers=0)
        r0 = (n_cluster // 2) / (time.perf_counter() - t0)
        c_in = (time.process_time() - c0) / (n_cluster // 2)
        r1, c1, rss1 = cluster_rate(job, 1, n_cluster // 2, tmp)
        r2, c2, rss2 = cluster_rate(job, 2, n_cluster, tmp)
        print(f"{'pipeline, files written':44s} {'examples/s':>10s} {'x real time':>11s} {'CPU ms/ex':>10s} "
              f"{'worker MB':>10s}")
        print(f"{'in this process (no Dask)':44s} {r0:10.2f} {r0 * audio:11.1f} {1000 * c_in:10.1f} {'':>10s}")
        print(f"{'LocalCluster, 1 worker':44s} {r1:10.2f} {r1 * audio:11.1f} {1000 * c1:10.1f} {rss1:10.0f}")
        print(f"{'LocalCluster, 2 workers':44s} {r2:10.2f} {r2 * audio:11.1f} {1000 * c2:10.1f} {rss2:10.0f}")
        eff = r2 / (2 * r1)
        print(f"  1 -> 2 workers: {r2 / r1:.2f}x, scaling efficiency {100 * eff:.0f} %  (goal >= 1.7x: "
              f"{'met' if r2 / r1 >= 1.7 else 'NOT met'}); load average after: {os.getloadavg()[0]:.1f}")
        bytes_per = sum(f.stat().st_size for f in (tmp / "run2" / "audio").rglob("*") if f.is_file()) / n_cluster
        print()
        n_goal = HOURS_GOAL * 3600 / audio
        core_h = n_goal / r1 / 3600
        print(f"{HOURS_GOAL:,} h of 4-s examples = {n_goal:,.0f} examples, {bytes_per * n_goal / 1e12:.2f} TB "
              f"({bytes_per / 1e3:.0f} kB each: input + target FLAC, RIR float WAV)")
        print(f"  at {r1:.1f} examples/s per worker (measured): {core_h:,.0f} worker-hours; from the CPU time "
              f"({1000 * CPU['full']:.0f} ms per example with degradations, what an unshared core does): "
              f"{n_goal * CPU['full'] / 3600:,.0f} core-hours")
        for w in (2, 16, 64, 256):
            e = eff if w == 2 else min(eff, 0.95)
            print(f"  {w:4d} workers at {100 * e:.0f} % efficiency: {core_h / (w * e):8.1f} h")
        print("  (beyond one machine the file system's write rate, "
              f"{bytes_per / CPU['full'] * 64 / 1e6:.0f} MB/s at 64 unshared workers, becomes the limit to watch)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
