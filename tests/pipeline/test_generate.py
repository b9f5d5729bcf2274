"""pipeline.generate: typed manifest, byte-identical reruns, a real 2-worker cluster, a killed worker,
and an interrupted CLI that resumes."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import soundfile as sf

from lib import signals
from pipeline import generate, manifest
from pipeline import job as jobs

SPEC_TOML = """
sr = 8000
duration_s = 1.0
[room]
length_m = { dist = "uniform", low = 3.0, high = 5.0 }
width_m = { dist = "uniform", low = 3.0, high = 4.0 }
rt60_s = { dist = "uniform", low = 0.2, high = 0.5 }
[degrade]
codec_probability = 0.3
codec = "opus"
"""


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict:
    """Three short 'utterances' at 22.05 kHz (resampled to 8 kHz by the job) and the spec file."""
    base = tmp_path_factory.mktemp("inputs")
    speech = base / "speech"
    (speech / "sub").mkdir(parents=True)
    for i, f0 in enumerate((110.0, 160.0, 220.0)):
        y = signals.vowel(f0, 22050, 1.5 + 0.5 * i, vowel_name="aiu"[i])
        y *= (np.arange(len(y)) / 22050 % 0.5) < 0.35  # words and pauses
        sf.write(speech / ("sub" if i == 2 else "") / f"utt{i}.flac", y, 22050)
    spec = base / "spec.toml"
    spec.write_text(SPEC_TOML)
    return {"speech": speech, "spec": spec}


def tree_bytes(out: Path) -> dict[str, bytes]:
    """Every file under audio/ and the manifest, by relative path."""
    files = {str(p.relative_to(out)): p.read_bytes() for p in (out / "audio").rglob("*") if p.is_file()}
    files["manifest.parquet"] = (out / "manifest.parquet").read_bytes()
    return files


def content(out: Path) -> tuple[dict[str, bytes], list[dict]]:
    """What a dataset holds whatever its chunking: files by name, manifest rows without layout columns."""
    files = {p.name: p.read_bytes() for p in (out / "audio").rglob("*") if p.is_file()}
    tbl = pq.read_table(out / "manifest.parquet").drop_columns(["chunk", "input_path", "target_path", "rir_path"])
    return files, tbl.to_pylist()


def make_job(out: Path, inputs: dict, chunk_size: int = 2) -> jobs.Job:
    return generate.prepare(out, inputs["speech"], spec=generate.load_spec(inputs["spec"]), seed=7,
                            chunk_size=chunk_size)


@pytest.fixture(scope="module")
def reference(inputs, tmp_path_factory) -> Path:
    """The 10-example dataset rendered in this process (no Dask): what every other run must equal."""
    out = tmp_path_factory.mktemp("reference")
    generate.run(out, make_job(out, inputs), 10, workers=0)
    return out


@pytest.fixture(scope="module")
def cluster():
    """A real 2-worker LocalCluster for this module (always closed).

    Dask starts (and restarts) workers with multiprocessing's spawn, which re-runs the parent's
    ``__main__`` in each worker. An AppTest that ran earlier in this process leaves Home.py there,
    so a plain module stands in for ``__main__`` while the cluster lives (the CLI and the bench
    have a real, import-safe ``__main__``; the page starts clusters through a child process).
    """
    import types

    from distributed import Client

    real_main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    lc = client = None
    try:
        lc = generate.start_cluster(2)
        client = Client(lc)
        yield lc, client
    finally:
        if client is not None:
            client.close()
        if lc is not None:
            lc.close()
        sys.modules["__main__"] = real_main


def test_manifest_has_every_column_typed_and_files_match(reference):
    tbl = pq.read_table(reference / "manifest.parquet")
    assert tbl.schema.equals(manifest.SCHEMA)
    for name, (typ, _) in manifest.COLUMNS.items():
        assert tbl.schema.field(name).type == typ, name
    df = tbl.to_pandas()
    assert df["index"].tolist() == list(range(10))
    assert (df["sr"] == 8000).all() and df["code_version"].nunique() == 1
    assert df["snr_achieved_db"].sub(df["snr_db"]).abs().max() < 0.1
    assert df["t20_s"].div(df["rt60_eyring_s"]).sub(1).abs().max() < 0.1
    for _, row in df.iterrows():
        for kind in ("input", "target", "rir"):
            path = reference / row[f"{kind}_path"]
            assert path.stat().st_size == row[f"{kind}_bytes"]
        y, sr = sf.read(reference / row["input_path"])
        assert sr == 8000 and len(y) == 8000
        assert len(sf.read(reference / row["target_path"])[0]) == 8000
        h, _ = sf.read(reference / row["rir_path"])
        assert h.dtype == np.float64 and abs(len(h) / 8000 - row["rir_duration_s"]) < 1e-9
    assert set(df["speech_path"].map(lambda p: Path(p).name)) <= {"utt0.flac", "utt1.flac", "utt2.flac"}
    assert not list(reference.rglob(".*.tmp-*"))


def test_rerun_in_process_is_byte_identical_and_verifies_instead_of_rendering(reference, inputs, tmp_path):
    out = tmp_path / "again"
    generate.run(out, make_job(out, inputs), 10, workers=0)
    assert tree_bytes(out) == tree_bytes(reference)
    res = generate.run(out, make_job(out, inputs), 10, workers=0)
    assert res["verified"] == 10 and res["rendered"] == 0


def test_two_worker_local_cluster_gives_the_same_bytes(reference, inputs, cluster, tmp_path):
    _, client = cluster
    out = tmp_path / "cluster"
    seen = []
    res = generate.run(out, make_job(out, inputs), 10, client=client, on_progress=lambda s: seen.append(s.done))
    assert res["workers"] == 2 and res["rendered"] == 10
    assert seen[-1] == 10 and seen == sorted(seen)
    assert tree_bytes(out) == tree_bytes(reference)


def test_a_killed_worker_loses_and_duplicates_nothing(reference, inputs, cluster, tmp_path):
    lc, client = cluster
    out = tmp_path / "killed"
    job = make_job(out, inputs, chunk_size=1)
    box: dict = {}

    def target():
        try:
            box["res"] = generate.run(out, job, 10, client=client)
        except BaseException as exc:  # shown by the assertion below
            box["error"] = repr(exc)

    runner = threading.Thread(target=target)
    runner.start()
    victim = None
    deadline = time.time() + 60
    while victim is None and time.time() < deadline:
        busy = {w: keys for w, keys in client.processing().items() if keys}
        if busy and (out / jobs.PARTS_DIR).exists() and list((out / jobs.PARTS_DIR).glob("*.parquet")):
            victim = next(iter(busy))
        else:
            time.sleep(0.01)
    assert victim is not None, "the job finished before a worker could be killed"
    pid = client.run(os.getpid, workers=[victim])[victim]
    os.kill(pid, signal.SIGKILL)
    runner.join(300)
    assert not runner.is_alive() and "error" not in box, box
    df = pq.read_table(out / "manifest.parquet").to_pandas()
    assert sorted(df["index"]) == list(range(10)) and df["index"].is_unique
    files, rows = content(out)
    ref_files, ref_rows = content(reference)
    assert files == ref_files and len(files) == 30
    assert repr(rows) == repr(ref_rows)  # repr: NaN == NaN
    assert not list(out.rglob(".*.tmp-*"))
    client.wait_for_workers(2, timeout=60)  # the nanny restarts the killed worker for the next test


def test_interrupted_cli_resumes_and_rechecks_finished_chunks(reference, inputs, cluster, tmp_path):
    lc, client = cluster
    out = tmp_path / "cli"
    argv = ["--speech", str(inputs["speech"]), "--out", str(out), "--n", "10", "--seed", "7",
            "--spec", str(inputs["spec"]), "--chunk-size", "2", "--scheduler", lc.scheduler_address]
    parts = out / jobs.PARTS_DIR
    worker_pids = list(client.run(os.getpid).values())
    frozen = threading.Event()

    def freeze_at_first_part():
        # The whole job takes well under a second of CPU: waiting for the child's next progress line
        # let it finish first on a busy machine. Freeze the workers the moment a part exists instead,
        # so the interruption lands mid-job whatever the load.
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and not frozen.is_set():
            if parts.exists() and list(parts.glob("*.parquet")):
                for pid in worker_pids:
                    os.kill(pid, signal.SIGSTOP)
                frozen.set()
                return
            time.sleep(0.005)

    def stop_once_frozen(line):
        if frozen.is_set():
            raise KeyboardInterrupt  # what a Ctrl-C in the caller does: the child gets SIGINT

    watcher = threading.Thread(target=freeze_at_first_part, daemon=True)
    watcher.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            generate.run_subprocess(argv, stop_once_frozen)
        assert not (out / "manifest.parquet").exists()
        finished = sorted(parts.glob("*.parquet"))
        assert 1 <= len(finished) < 5
        # damage a finished example: the rerun must notice (checked, not assumed) and render it again
        first = manifest.read(finished[0]).to_pylist()[0]
        with open(out / first["input_path"], "r+b") as f:
            f.truncate(100)
    finally:
        frozen.set()
        watcher.join(5)
        for pid in worker_pids:
            os.kill(pid, signal.SIGCONT)
    lines: list[str] = []
    code, tail = generate.run_subprocess(argv, lines.append)
    assert code == 0, tail
    assert any("resuming" in ln and "checked" in ln for ln in lines)
    progress = [p for p in map(generate.parse_progress, lines) if p]
    assert progress and progress[-1][:2] == (10, 10)
    assert tree_bytes(out) == tree_bytes(reference)


def test_dry_run_and_print_spec(inputs, tmp_path, capsys):
    out = tmp_path / "dry"
    assert generate.main(["--speech", str(inputs["speech"]), "--out", str(out), "--n", "1000",
                          "--spec", str(inputs["spec"]), "--dry-run"]) == 0
    text = capsys.readouterr().out
    assert "1,000 examples in 32 chunks" in text and "0.28 h" in text and "ms per example" in text
    assert not out.exists()
    assert generate.main(["--print-spec"]) == 0
    assert 'absorption = "rt60"' in capsys.readouterr().out


@pytest.mark.parametrize("argv, words", [
    (["--speech", "/nonexistent", "--out", "X", "--n", "3"], "is not a folder"),
    (["--speech", "SPEECH", "--out", "OUT", "--n", "3", "--seed", "-1"], "--seed must be"),
    (["--speech", "SPEECH", "--out", "OUT", "--n", "3", "--spec", "BADSPEC"], "room.rt60_s: low"),
])
def test_cli_errors_are_one_line_messages(argv, words, inputs, tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[room]\nrt60_s = { dist = "uniform", low = 2.0, high = 1.0 }\n')
    subst = {"SPEECH": str(inputs["speech"]), "OUT": str(tmp_path / "o"), "BADSPEC": str(bad)}
    assert generate.main([subst.get(a, a) for a in argv]) == 2
    assert words in capsys.readouterr().err


def test_the_decoded_file_cache_is_bounded_in_bytes(inputs, monkeypatch):
    from pipeline import inputs as pin

    files = sorted(str(f) for f in inputs["speech"].rglob("*.flac"))
    monkeypatch.setattr(pin, "_cache", type(pin._cache)())
    monkeypatch.setattr(pin, "CACHE_BYTES", 100_000)  # room for one or two of these files
    sizes = [pin.load(f, 8000).nbytes for f in files]
    assert sum(sizes) > 100_000
    assert sum(a.nbytes for a in pin._cache.values()) <= 100_000
    assert list(pin._cache)[-1] == (files[-1], 8000)
    assert pin.load(files[-1], 8000) is pin._cache[(files[-1], 8000)]  # a hit returns the cached array


def test_a_corrupt_input_file_is_reported_before_any_work(inputs, tmp_path):
    speech = tmp_path / "speech"
    speech.mkdir()
    for f in inputs["speech"].rglob("*.flac"):
        (speech / f.name).write_bytes(f.read_bytes())
    (speech / "broken.wav").write_bytes(b"RIFF\x00\x00not really a wav")
    with pytest.raises(Exception, match="broken.wav"):
        generate.prepare(tmp_path / "out", speech, spec=generate.load_spec(inputs["spec"]))
    assert not (tmp_path / "out").exists()


def test_a_folder_holding_another_job_is_refused(reference, inputs):
    other = generate.load_spec(inputs["spec"])
    other["noise"]["snr_db"] = 3.0
    with pytest.raises(Exception, match="already holds a different job"):
        generate.prepare(reference, inputs["speech"], spec=other, seed=7, chunk_size=2)
