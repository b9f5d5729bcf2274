"""Generate a reverberant, noisy speech dataset: ``python -m pipeline.generate``.

    python -m pipeline.generate --speech DIR [--noise DIR] --out DIR --n N --seed S \\
        [--spec FILE.toml] [--scheduler ADDRESS] [--workers K] [--chunk-size C] [--dry-run]

``--speech demo`` speaks Harvard sentences with espeak-ng instead of reading a folder. By default the
job runs on an embedded Dask ``LocalCluster`` (one single-threaded worker process per core);
``--scheduler tcp://host:8786`` runs the same job on an existing cluster whose workers see the
same file system; ``--workers 0`` runs it in this process without Dask. A rerun of the same command
resumes: finished chunks are checked (part readable, every file present with its recorded size)
and skipped.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import math
import os
import re
import signal
import sys
import threading
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lib.errors import InputError
from pipeline import job as jobs
from pipeline import manifest

DEFAULT_CHUNK_SIZE = 32


# --------------------------------------------------------------------------------------
# preparing a job
# --------------------------------------------------------------------------------------

def load_spec(path: str | Path | None) -> dict:
    """The spec from a TOML file, merged into the defaults and checked (``None``: the defaults)."""
    from lib.dataset import resolve_spec

    if path is None:
        return resolve_spec(None)
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise InputError(f"Cannot read the spec {path}: {exc.strerror}.") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path} is not valid TOML: {exc}.") from None
    return resolve_spec(raw)


def prepare(out: str | Path, speech: str | Path, *, noise: str | Path | None = None, spec: dict | None = None,
            seed: int = 0, chunk_size: int = DEFAULT_CHUNK_SIZE, demo_dir: Path | None = None,
            noise_kind_set: bool | None = None) -> jobs.Job:
    """Check the inputs and describe the job (nothing is rendered yet).

    ``speech="demo"`` speaks the demo sentences into ``demo_dir`` (default ``OUT/_inputs/speech``).
    With a noise folder and a spec that does not choose ``noise.kind`` itself, every example takes
    its noise from the folder (kind ``"file"``).

    Raises
    ------
    InputError
        For a missing folder, a bad spec, a seed below 0, or an output folder that holds another job.
    """
    from lib.dataset import resolve_spec
    from pipeline import inputs

    out = Path(out)
    spec = resolve_spec(spec)
    if int(seed) != seed or seed < 0:
        raise InputError(f"--seed must be a whole number >= 0; got {seed}.")
    if int(chunk_size) != chunk_size or not 1 <= chunk_size <= 100_000:
        raise InputError(f"--chunk-size must be a whole number from 1 to 100000; got {chunk_size}.")
    if str(speech) == "demo":
        speech_files = inputs.write_demo_speech(demo_dir or out / "_inputs" / "speech", sr=int(spec["sr"]))
    else:
        speech_files = inputs.list_audio(speech)
    noise_files = inputs.list_audio(noise) if noise else []
    inputs.check_readable(speech_files, "speech")
    inputs.check_readable(noise_files, "noise")
    if noise_files and not noise_kind_set:
        spec["noise"]["kind"] = "file"
    from lib.dataset import possible_values

    if "file" in possible_values(spec["noise"]["kind"]) and not noise_files:
        raise InputError("The spec draws noise kind 'file' but no noise folder was given (--noise DIR).")
    job = jobs.Job(spec=spec, seed=int(seed), chunk_size=int(chunk_size), speech_files=speech_files,
                   noise_files=noise_files, speech_digest=inputs.files_digest(speech_files),
                   noise_digest=inputs.files_digest(noise_files), code_version=jobs.code_version())
    if (out / jobs.JOB_FILE).exists():
        old = jobs.Job.load(out)
        if old.fingerprint() != job.fingerprint():
            diff = [k for k in ("spec", "seed", "chunk_size", "speech_files", "noise_files", "speech_digest",
                                "noise_digest", "code_version") if getattr(old, k) != getattr(job, k)]
            raise InputError(
                f"{out} already holds a different job (it differs in: {', '.join(diff)}). Resuming would mix "
                "two datasets: choose a new --out folder, or delete this one to start again."
            )
    return job


# --------------------------------------------------------------------------------------
# progress
# --------------------------------------------------------------------------------------

@dataclass
class Status:
    """Where a run stands (what ``on_progress`` receives)."""

    total: int            #: examples in the job
    done: int = 0         #: finished (rendered or verified) plus in-flight examples already rendered
    verified: int = 0     #: examples of chunks found finished and checked
    rendered: int = 0     #: examples rendered in this run (finished chunks only)
    elapsed_s: float = 0.0

    @property
    def rate(self) -> float:
        """Examples rendered per second in this run."""
        fresh = self.done - self.verified
        return fresh / self.elapsed_s if self.elapsed_s > 0 and fresh > 0 else 0.0

    @property
    def eta_s(self) -> float:
        return (self.total - self.done) / self.rate if self.rate > 0 else math.inf


def human_time(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "--:--"
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    return f"{h}:{rem // 60:02d}:{rem % 60:02d}" if h else f"{rem // 60:02d}:{rem % 60:02d}"


class ProgressBar:
    """A one-line progress bar with rate and ETA on stderr (a plain line every ``interval_s`` when the
    stream is not a terminal; :func:`parse_progress` reads those lines back)."""

    def __init__(self, stream=None, width: int = 30, interval_s: float = 10.0):
        self.stream = stream or sys.stderr
        self.width = width
        self.interval_s = float(interval_s)
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._last_line = -math.inf
        self._closed = False

    def __call__(self, st: Status) -> None:
        if self._closed:
            return
        self._closed = st.done >= st.total
        frac = st.done / st.total if st.total else 1.0
        fill = int(round(frac * self.width))
        line = (f"[{'#' * fill}{'.' * (self.width - fill)}] {st.done}/{st.total} examples "
                f"{st.rate:5.1f}/s  elapsed {human_time(st.elapsed_s)}  ETA {human_time(st.eta_s)}")
        if self.tty:
            self.stream.write("\r" + line)
            if st.done >= st.total:
                self.stream.write("\n")
        elif st.done >= st.total or st.elapsed_s - self._last_line >= self.interval_s:
            self._last_line = st.elapsed_s
            self.stream.write(line + "\n")
        self.stream.flush()


_PROGRESS = re.compile(r"\] (\d+)/(\d+) examples\s+([\d.]+)/s\s+elapsed (\S+)\s+ETA (\S+)")


def parse_progress(line: str) -> tuple[int, int, float, str] | None:
    """``(done, total, examples_per_s, eta_text)`` from a :class:`ProgressBar` line, else ``None``."""
    m = _PROGRESS.search(line)
    return (int(m[1]), int(m[2]), float(m[3]), m[5]) if m else None


def run_subprocess(argv: list[str], on_line: Callable[[str], None] | None = None) -> tuple[int, str]:
    """Run ``python -m pipeline.generate ARGV`` in a child process, passing each stderr line to ``on_line``.

    A page uses this to start a local cluster: Dask starts its workers with multiprocessing's
    *spawn*, which re-imports the parent's ``__main__``; inside a Streamlit server that is the app
    script. The child has a plain ``__main__`` (this module). If the caller is interrupted, the child
    gets SIGINT, so it stops its cluster and keeps its finished chunks.

    Returns the exit code and the last lines of stderr.
    """
    import subprocess
    from collections import deque

    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(jobs.ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.generate", *argv, "--progress-interval", "0.5"],
                            cwd=jobs.ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    tail: deque[str] = deque(maxlen=20)
    try:
        for line in proc.stderr:
            tail.append(line.rstrip())
            if on_line:
                on_line(line)
        return proc.wait(), "\n".join(tail)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


# --------------------------------------------------------------------------------------
# running
# --------------------------------------------------------------------------------------

def _dask_chunk(out: str, chunk: int, n: int, fingerprint: str, topic: str) -> dict:
    """The task a Dask worker runs: one chunk, reporting each example to the client."""
    from distributed import get_worker

    worker = get_worker()
    return jobs.run_chunk(out, chunk, n, fingerprint, progress=lambda c, k: worker.log_event(topic, [c, k]))


#: Dask's nanny gives every worker ``MALLOC_TRIM_THRESHOLD_=65536``. Any explicit trim threshold turns
#: off glibc's adaptive mmap threshold, so each large numpy temporary is mmapped and page-faulted
#: afresh: measured here, 25-30 ms of system time per 4-s example (about +70 % CPU). Our workers
#: free their memory per example anyway, so the setting is dropped for the clusters we start.
_DASK_TRIM = ("MALLOC_TRIM_THRESHOLD_", "65536")


def start_cluster(workers: int | None = None):
    """An embedded Dask ``LocalCluster``: ``workers`` single-threaded processes (default: one per core).

    Dask spawns the workers with multiprocessing, which re-runs this process's ``__main__`` in each:
    call it from the command line, a notebook or a script guarded by ``if __name__ == "__main__"``.
    Inside a Streamlit app ``__main__`` is the app script: use :func:`run_subprocess` there.
    """
    import dask
    from distributed import LocalCluster

    k = workers or os.cpu_count() or 1
    # a None value removes a variable from the nanny's list; a previous nanny in this process may
    # have exported Dask's value into os.environ, which the new workers would inherit
    # (and the worker's statistical profiler, which samples every thread's stack every 10 ms, is
    # dashboard material this job has no use for)
    dask.config.set({f"distributed.nanny.pre-spawn-environ.{_DASK_TRIM[0]}": None,
                     "distributed.worker.profile.enabled": False})
    if os.environ.get(_DASK_TRIM[0]) == _DASK_TRIM[1]:
        del os.environ[_DASK_TRIM[0]]
    return LocalCluster(n_workers=k, threads_per_worker=1, processes=True, dashboard_address=None,
                        silence_logs=logging.ERROR)


def run(out: str | Path, job: jobs.Job, n: int, *, scheduler: str | None = None, workers: int | None = None,
        on_progress: Callable[[Status], None] | None = None, client=None) -> dict:
    """Render examples ``0 .. n-1`` of ``job`` into ``out`` and assemble ``manifest.parquet``.

    Parameters
    ----------
    scheduler : str, optional
        Address of an existing Dask scheduler; its workers must see ``out`` and the inputs.
    workers : int, optional
        Worker processes of the embedded LocalCluster (default: one per core); ``0`` runs the chunks
        in this process, one after the other, without Dask.
    on_progress : callable, optional
        Called with a :class:`Status` as examples finish (from this thread).
    client : distributed.Client, optional
        Use this client instead of starting a cluster (left open).

    Returns
    -------
    dict
        ``examples``, ``rendered``, ``verified`` (examples), ``audio_hours``, ``elapsed_s``,
        ``manifest`` (path), ``workers``.
    """
    out = Path(out)
    if int(n) != n or n < 1:
        raise InputError(f"--n must be a whole number >= 1; got {n}.")
    n = int(n)
    out.mkdir(parents=True, exist_ok=True)
    (out / jobs.PARTS_DIR).mkdir(exist_ok=True)
    job.save(out)
    fp = job.fingerprint()
    nc = jobs.n_chunks(n, job.chunk_size)
    status = Status(total=n)
    t0 = time.perf_counter()
    lock = threading.Lock()
    partial: dict[int, int] = {}  # examples done so far in chunks still running (bounded by the window)
    finished_chunks: set[int] = set()

    def report() -> None:
        with lock:
            status.elapsed_s = time.perf_counter() - t0
            status.done = status.verified + status.rendered + sum(partial.values())
        if on_progress:
            on_progress(status)

    def finished(res: dict) -> None:
        with lock:
            finished_chunks.add(res["chunk"])
            partial.pop(res["chunk"], None)
            key = "verified" if res["status"] == "verified" else "rendered"
            setattr(status, key, getattr(status, key) + res["examples"])
        report()

    n_workers = 0
    if client is None and scheduler is None and workers == 0:
        for c in range(nc):
            def progress(chunk, k):
                with lock:
                    if chunk not in finished_chunks:
                        partial[chunk] = k
                report()
            finished(jobs.run_chunk(str(out), c, n, fp, progress))
    else:
        from distributed import Client, as_completed

        cluster = None
        own_client = client is None
        try:
            if own_client:
                if scheduler:
                    client = Client(scheduler, timeout="30s")
                else:
                    cluster = start_cluster(workers)
                    client = Client(cluster)
            n_workers = len(client.scheduler_info(n_workers=-1)["workers"]) or 1
            tag = hashlib.sha1(f"{fp}:{out.resolve()}".encode()).hexdigest()[:16]
            topic = f"avx-dataset-{tag}"

            def on_event(event) -> None:
                chunk, k = event[1]
                with lock:
                    if chunk not in finished_chunks:  # a late event of a finished chunk changes nothing
                        partial[chunk] = max(partial.get(chunk, 0), k)

            client.subscribe_topic(topic, on_event)
            # a bounded window of chunks in flight: memory on the client stays flat for any n
            window = max(4 * n_workers, 8)
            pending = iter(range(nc))

            def submit(c: int):
                m = len(jobs.chunk_range(c, job.chunk_size, n))
                # the key names the work (job, folder, chunk), so a resubmitted chunk is recognised
                return client.submit(_dask_chunk, str(out), c, n, fp, topic, key=f"avx-chunk-{tag}-{c}-{m}",
                                     retries=2, pure=False)

            # (range first: zip would otherwise pull, and drop, one chunk too many from `pending`)
            ac = as_completed([submit(c) for _, c in zip(range(window), pending)], with_results=False)
            stop = threading.Event()

            def ticker():  # smooth per-example progress between chunk completions
                while not stop.wait(0.5):
                    report()

            tick = threading.Thread(target=ticker, daemon=True) if on_progress else None
            try:
                if tick:
                    tick.start()
                for fut in ac:
                    finished(fut.result())
                    fut.release()
                    nxt = next(pending, None)
                    if nxt is not None:
                        ac.add(submit(nxt))
            finally:
                stop.set()
                try:
                    client.unsubscribe_topic(topic)
                except Exception:
                    pass
        finally:
            if own_client and client is not None:
                client.close()
            if cluster is not None:
                cluster.close()
    parts = [jobs.part_path(out, c) for c in range(nc)]
    rows = manifest.assemble(parts, out / jobs.MANIFEST)
    if rows != n:
        raise RuntimeError(f"The manifest has {rows} rows; expected {n}.")
    report()
    import pyarrow.parquet as pq

    audio_s = sum(float(np.sum(b.column(0).to_numpy())) for b in
                  pq.ParquetFile(out / jobs.MANIFEST).iter_batches(columns=["duration_s"], batch_size=65536))
    return {"examples": n, "rendered": status.rendered, "verified": status.verified, "audio_hours": audio_s / 3600,
            "elapsed_s": time.perf_counter() - t0, "manifest": str(out / jobs.MANIFEST), "workers": n_workers}


def dry_run(job: jobs.Job, n: int, workers: int | None, *, probe: int = 3) -> dict:
    """Size and time estimate from rendering ``probe`` examples here (nothing is written)."""
    probe = max(1, min(int(probe), int(n)))
    t0 = time.perf_counter()
    per_bytes, audio_s = 0, 0.0
    fmt = job.spec["output"]["format"]
    for i in range(probe):
        _, arrays = jobs.render_one(job, i)
        for kind in ("input", "target", "rir"):
            per_bytes += len(jobs.encode(arrays[kind], job.sr, "float" if kind == "rir" else fmt))
        audio_s += len(arrays["input"]) / job.sr
    dt = (time.perf_counter() - t0) / probe
    k = workers if workers else (os.cpu_count() or 1)
    return {"examples": int(n), "chunks": jobs.n_chunks(n, job.chunk_size), "audio_hours": audio_s / probe * n / 3600,
            "bytes": per_bytes / probe * n, "seconds_per_example": dt, "workers": k,
            "eta_s": dt * n / max(k, 1), "speech_files": len(job.speech_files), "noise_files": len(job.noise_files)}


def human_size(b: float) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if b < 1000 or unit == "PB":
            return f"{b:.1f} {unit}"
        b /= 1000
    return f"{b:.1f} PB"


def command(args: dict) -> str:
    """The shell command for these arguments (the page prints it)."""
    parts = ["python -m pipeline.generate"]
    for flag in ("speech", "noise", "out", "n", "seed", "spec", "scheduler", "workers", "chunk_size"):
        v = args.get(flag)
        if v is not None and v != "":
            parts.append(f"--{flag.replace('_', '-')} {v}")
    return " ".join(parts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.generate", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--speech", help="folder of clean speech (WAV/FLAC/OGG, any rate), or 'demo' for espeak-ng speech")
    ap.add_argument("--noise", help="folder of noise recordings (default: synthetic noises)")
    ap.add_argument("--out", help="output folder (a rerun of the same command resumes)")
    ap.add_argument("--n", type=int, help="number of examples")
    ap.add_argument("--seed", type=int, default=0, help="seed of the whole dataset (default 0)")
    ap.add_argument("--spec", help="TOML file of distributions (default: the documented defaults)")
    ap.add_argument("--scheduler", help="address of an existing Dask scheduler, e.g. tcp://10.0.0.5:8786")
    ap.add_argument("--workers", type=int, help="worker processes of the local cluster (default: one per core; "
                                                "0 = in this process, no Dask)")
    ap.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE,
                    help=f"examples per task (default {DEFAULT_CHUNK_SIZE})")
    ap.add_argument("--dry-run", action="store_true", help="print the size and time estimate, write nothing")
    ap.add_argument("--print-spec", action="store_true", help="print the spec (defaults merged) as TOML and exit")
    ap.add_argument("--progress-interval", type=float, default=10.0,
                    help="seconds between progress lines when stderr is not a terminal (default 10)")
    a = ap.parse_args(argv)
    from lib.dataset import spec_to_toml

    try:
        spec = load_spec(a.spec)
        if a.print_spec:
            print(spec_to_toml(spec), end="")
            return 0
        missing = [f"--{k}" for k in ("speech", "out", "n") if getattr(a, k) is None]
        if missing:
            ap.error(f"the following arguments are required: {', '.join(missing)}")
        raw_kind = False
        if a.spec:
            raw_kind = "kind" in tomllib.loads(Path(a.spec).read_text()).get("noise", {})
        if a.workers is not None and a.workers < 0:
            raise InputError(f"--workers must be >= 0; got {a.workers}.")
        if a.dry_run:
            import tempfile

            with tempfile.TemporaryDirectory() as tmp:
                job = prepare(a.out, a.speech, noise=a.noise, spec=spec, seed=a.seed, chunk_size=a.chunk_size,
                              demo_dir=Path(tmp) if a.speech == "demo" else None, noise_kind_set=raw_kind)
                est = dry_run(job, a.n, None if a.scheduler else a.workers)
            print(f"{est['examples']:,} examples in {est['chunks']:,} chunks of {a.chunk_size} "
                  f"from {est['speech_files']} speech files and "
                  + (f"{est['noise_files']} noise files" if est["noise_files"] else "synthetic noise"))
            print(f"audio: {est['audio_hours']:,.2f} h of input (and as much target), about {human_size(est['bytes'])} on disk")
            print(f"time: {1000 * est['seconds_per_example']:.0f} ms per example on one core here -> about "
                  f"{human_time(est['eta_s'])} with {est['workers']} workers (if they scale linearly)")
            return 0
        job = prepare(a.out, a.speech, noise=a.noise, spec=spec, seed=a.seed, chunk_size=a.chunk_size,
                      noise_kind_set=raw_kind)
        done_before = sum(jobs.part_path(Path(a.out), c).exists() for c in range(jobs.n_chunks(a.n, a.chunk_size)))
        if done_before:
            print(f"resuming: {done_before} chunk parts found; each is checked before it is skipped", file=sys.stderr)
        where = a.scheduler or ("this process" if a.workers == 0 else
                                f"a local cluster of {a.workers or os.cpu_count()} worker processes")
        print(f"rendering {a.n:,} examples into {a.out} on {where}", file=sys.stderr)

        def sigterm(*_):
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, sigterm)
        res = run(a.out, job, a.n, scheduler=a.scheduler, workers=a.workers, on_progress=ProgressBar(interval_s=a.progress_interval))
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted: finished chunks are kept; run the same command again to resume.", file=sys.stderr)
        return 130
    print(f"done: {res['examples']:,} examples ({res['audio_hours']:.2f} h; {res['rendered']} rendered, "
          f"{res['verified']} verified from an earlier run) in {res['elapsed_s']:.1f} s -> {res['manifest']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
