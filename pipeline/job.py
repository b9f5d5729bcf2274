"""One dataset job on disk, and the work a worker does for one chunk of it.

Layout of an output folder::

    job.json                       what the job is (spec, seed, chunking, inputs, code version)
    audio/c000012/00000768_input.flac, _target.flac, _rir.wav
    manifest_parts/chunk_000012.parquet    written last, once the chunk's files are all in place
    manifest.parquet               every part, in order (assembled by the client)

Every file is written under a temporary name and renamed into place, and rendering is
deterministic, so a chunk that runs twice (a worker died, or a rerun) writes the same bytes to
the same names: nothing is lost and nothing is duplicated.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import uuid
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from lib.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
#: Files whose content decides what a job writes; their hash is the manifest's code_version.
CODE_FILES = ("lib/dataset.py", "lib/room.py", "lib/codec.py", "lib/audio.py", "lib/materials.py",
              "pipeline/job.py", "pipeline/manifest.py")
JOB_FILE = "job.json"
PARTS_DIR = "manifest_parts"
AUDIO_DIR = "audio"
MANIFEST = "manifest.parquet"


@lru_cache(maxsize=1)
def code_version() -> str:
    """Short hash of :data:`CODE_FILES`: changes whenever the science or the writer does."""
    h = hashlib.sha1()
    for rel in CODE_FILES:
        h.update(rel.encode())
        h.update((ROOT / rel).read_bytes())
    return h.hexdigest()[:12]


@dataclass
class Job:
    """What a job renders. Everything a worker needs is in here (it is saved as ``job.json``)."""

    spec: dict
    seed: int
    chunk_size: int
    speech_files: list[str]
    noise_files: list[str] = field(default_factory=list)
    speech_digest: str = ""
    noise_digest: str = ""
    code_version: str = ""

    def fingerprint(self) -> str:
        """Hash of everything that decides the bytes of an example (not ``n``: a job can grow)."""
        d = asdict(self)
        return hashlib.sha1(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]

    @property
    def sr(self) -> int:
        return int(self.spec["sr"])

    def save(self, out: Path) -> None:
        write_bytes_atomic(out / JOB_FILE, json.dumps(asdict(self), indent=1, sort_keys=True).encode())

    @classmethod
    def load(cls, out: Path) -> "Job":
        return cls(**json.loads((Path(out) / JOB_FILE).read_text()))


def chunk_range(chunk: int, chunk_size: int, n: int) -> range:
    """Example indices of ``chunk`` in a job of ``n`` examples."""
    return range(chunk * chunk_size, min((chunk + 1) * chunk_size, n))


def n_chunks(n: int, chunk_size: int) -> int:
    return -(-int(n) // int(chunk_size))


def part_path(out: Path, chunk: int) -> Path:
    return Path(out) / PARTS_DIR / f"chunk_{chunk:06d}.parquet"


def example_paths(chunk: int, index: int, fmt: str) -> dict[str, str]:
    """Relative paths of an example's three files."""
    d = f"{AUDIO_DIR}/c{chunk:06d}"
    return {"input_path": f"{d}/{index:08d}_input.{fmt}", "target_path": f"{d}/{index:08d}_target.{fmt}",
            "rir_path": f"{d}/{index:08d}_rir.wav"}


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write under a unique temporary name in the same folder, then rename (atomic on POSIX)."""
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex}")
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def encode(y: np.ndarray, sr: int, fmt: str) -> bytes:
    """Audio file bytes, the same for the same samples: 16-bit FLAC or WAV, or ``"float"``: 32-bit float WAV.

    Float WAV is written with scipy, not libsndfile, whose float files carry a PEAK chunk with
    the time of writing (two identical runs would differ in those bytes).
    """
    buf = io.BytesIO()
    if fmt == "float":
        from scipy.io import wavfile

        wavfile.write(buf, int(sr), np.asarray(y, dtype=np.float32))
    else:
        import soundfile as sf

        sf.write(buf, np.asarray(y, dtype=np.float32), int(sr), format=fmt.upper(), subtype="PCM_16")
    return buf.getvalue()


def render_one(job: Job, index: int) -> tuple[dict, dict]:
    """Draw and render example ``index``: ``(manifest columns from the science, arrays)``."""
    from lib.dataset import draw_params, render_example
    from pipeline.inputs import load

    p = draw_params(job.spec, job.seed, index)
    speech_path = job.speech_files[min(int(p["speech_u"] * len(job.speech_files)), len(job.speech_files) - 1)]
    speech = load(speech_path, job.sr)
    noise, noise_path = None, ""
    if p["noise_kind"] == "file":
        if not job.noise_files:
            raise InputError("The spec draws noise kind 'file' but no noise folder was given (--noise DIR).")
        noise_path = job.noise_files[min(int(p["noise_u"] * len(job.noise_files)), len(job.noise_files) - 1)]
        noise = load(noise_path, job.sr)
    out = render_example(p, speech, noise, job.sr)
    row = dict(p)
    row.update(out["metrics"])
    row.update(speech_path=speech_path, speech_file_duration_s=len(speech) / job.sr, noise_path=noise_path,
               sr=job.sr, code_version=job.code_version)
    return row, out


def check_chunk(out: Path, job: Job, chunk: int, n: int) -> bool:
    """True if ``chunk`` is finished: its part is readable, holds exactly its indices from this job's
    code, and every file it lists exists with the size it recorded."""
    from pipeline import manifest

    path = part_path(out, chunk)
    if not path.exists():
        return False
    try:
        tbl = manifest.read(path)
    except Exception:
        return False
    cols = tbl.select(["index", "code_version", "input_path", "target_path", "rir_path",
                       "input_bytes", "target_bytes", "rir_bytes"]).to_pydict()
    if cols["index"] != list(chunk_range(chunk, job.chunk_size, n)):
        return False
    if set(cols["code_version"]) != {job.code_version}:
        return False
    for kind in ("input", "target", "rir"):
        for rel, size in zip(cols[f"{kind}_path"], cols[f"{kind}_bytes"]):
            try:
                if (out / rel).stat().st_size != size:
                    return False
            except OSError:
                return False
    return True


def run_chunk(out: str, chunk: int, n: int, fingerprint: str, progress=None) -> dict:
    """Render (or verify) one chunk. Runs on a worker; safe to run twice, even at the same time.

    Returns ``{"chunk", "examples", "status": "verified" | "rendered", "audio_s", "bytes"}``.
    ``progress(chunk, done)`` is called after each example.
    """
    from pipeline import manifest

    out = Path(out)
    job = _job(str(out), fingerprint)
    idx = chunk_range(chunk, job.chunk_size, n)
    if check_chunk(out, job, chunk, n):
        return {"chunk": chunk, "examples": len(idx), "status": "verified", "audio_s": 0.0, "bytes": 0}
    fmt = job.spec["output"]["format"]
    folder = out / AUDIO_DIR / f"c{chunk:06d}"
    folder.mkdir(parents=True, exist_ok=True)
    rows, audio_s, total = [], 0.0, 0
    for k, i in enumerate(idx):
        row, arrays = render_one(job, i)
        rel = example_paths(chunk, i, fmt)
        for kind in ("input", "target", "rir"):
            data = encode(arrays[kind], job.sr, "float" if kind == "rir" else fmt)
            write_bytes_atomic(out / rel[f"{kind}_path"], data)
            row[f"{kind}_bytes"] = len(data)
            total += len(data)
        row.update(rel, chunk=chunk)
        rows.append(row)
        audio_s += len(arrays["input"]) / job.sr
        if progress is not None:
            progress(chunk, k + 1)
    # the part goes last: its presence (checked) means every file above is in place
    manifest.write_atomic(manifest.table(rows), part_path(out, chunk))
    # left by an attempt of this chunk that died mid-write
    part = part_path(out, chunk)
    for stale in [*folder.glob(".*.tmp-*"), *part.parent.glob(f".{part.name}.tmp-*")]:
        try:
            stale.unlink()
        except OSError:
            pass
    return {"chunk": chunk, "examples": len(idx), "status": "rendered", "audio_s": audio_s, "bytes": total}


@lru_cache(maxsize=4)
def _job(out: str, fingerprint: str) -> Job:
    job = Job.load(Path(out))
    if job.fingerprint() != fingerprint:
        raise RuntimeError(f"{out}/{JOB_FILE} changed while the job was running.")
    return job
