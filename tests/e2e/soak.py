"""Memory soak through a real server: many distinct uploads from several browser sessions.

Measures the server's resident memory (``VmRSS`` / ``VmHWM`` from ``/proc``) at the start, after
every upload, and after the sessions have ended. Used by ``tests/e2e/test_load.py`` (bounded) and
by hand for the full figures::

    .venv/bin/python -m tests.e2e.soak --uploads 50 --sessions 5 --seconds 30 --sr 44100
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, ROOT, free_port, wait_for_app


def rss_mb(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) of a process in MB, from /proc (Linux)."""
    now = peak = 0.0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                now = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    return now, peak


@contextlib.contextmanager
def server_process(*extra: str, timeout_s: float = 120.0):
    """`streamlit run Home.py` on 127.0.0.1; yields ``(url, pid)``. ``extra``: more CLI flags."""
    port = free_port()
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    log = open(os.devnull, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "Home.py"), "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true", "--server.fileWatcherType", "none", *extra],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + timeout_s
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise RuntimeError("streamlit did not start") from None
                time.sleep(0.3)
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def distinct_wav(i: int, seconds: float, sr: int) -> bytes:
    """A different 16-bit WAV for every ``i``: noise bursts and a gliding tone (speech-like level)."""
    import soundfile as sf

    rng = np.random.default_rng(1000 + i)
    n = int(seconds * sr)
    t = np.arange(n) / sr
    f = 150 + 50 * i + 40 * np.sin(2 * np.pi * 0.3 * t)
    y = 0.2 * np.sin(2 * np.pi * np.cumsum(f) / sr) * (0.5 + 0.5 * np.sin(2 * np.pi * 2 * t) ** 2)
    y += 0.05 * rng.standard_normal(n) * (rng.random(n // sr + 1)[(t).astype(int)] > 0.5)
    buf = io.BytesIO()
    sf.write(buf, y.astype(np.float32), sr, format="WAV", subtype="PCM_16")
    return buf.getvalue()


@dataclass
class SoakResult:
    baseline_mb: float
    after_uploads_mb: list[float] = field(default_factory=list)
    peak_mb: float = 0.0
    after_close_mb: float = 0.0
    seconds: float = 0.0
    errors: int = 0

    def summary(self) -> str:
        return (f"baseline {self.baseline_mb:.0f} MB, peak {self.peak_mb:.0f} MB, last upload "
                f"{self.after_uploads_mb[-1]:.0f} MB, after sessions ended {self.after_close_mb:.0f} MB, "
                f"{len(self.after_uploads_mb)} uploads in {self.seconds:.0f} s, {self.errors} error elements")


def upload_on(page, path_on_disk: str, key_label: str = "Upload a file") -> None:
    page.get_by_text(key_label, exact=True).first.click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(path_on_disk)


def run_soak(url: str, pid: int, *, uploads: int, sessions: int, seconds: float, sr: int,
             page_path: str = "spectrogram", workdir: str | Path = "/tmp", settle_s: float = 8.0,
             log=print) -> SoakResult:
    """Upload ``uploads`` distinct clips spread over ``sessions`` browser sessions; return the RSS figures."""
    from playwright.sync_api import sync_playwright

    workdir = Path(workdir)
    files = []
    for i in range(uploads):
        p = workdir / f"soak_{i:02d}_{int(seconds)}s.wav"
        if not p.exists():
            p.write_bytes(distinct_wav(i, seconds, sr))
        files.append(str(p))
    t0 = time.time()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            # warm up: one session on the page with its built-in sample, then measure the baseline
            ctx = browser.new_context(viewport={"width": 1300, "height": 1000})
            page = ctx.new_page()
            page.goto(f"{url}/{page_path}")
            wait_for_app(page, timeout_ms=240_000, min_charts=1)
            ctx.close()
            time.sleep(settle_s)
            result = SoakResult(baseline_mb=rss_mb(pid)[0])
            log(f"baseline {result.baseline_mb:.0f} MB")
            per = -(-uploads // sessions)
            for s in range(sessions):
                ctx = browser.new_context(viewport={"width": 1300, "height": 1000})
                page = ctx.new_page()
                page.goto(f"{url}/{page_path}")
                wait_for_app(page, timeout_ms=240_000, min_charts=1)
                for path in files[s * per:(s + 1) * per]:
                    upload_on(page, path)
                    page.wait_for_function(
                        "name => document.body.innerText.includes(name)", arg=Path(path).name, timeout=240_000)
                    wait_for_app(page, timeout_ms=240_000, min_charts=1)
                    result.errors += page.locator('[data-testid="stException"]').count()
                    now, peak = rss_mb(pid)
                    result.after_uploads_mb.append(now)
                    log(f"session {s} upload {len(result.after_uploads_mb)}: {now:.0f} MB (peak {peak:.0f})")
                ctx.close()
        finally:
            browser.close()
    time.sleep(settle_s)  # the server drops a closed session after server.disconnectedSessionTTL
    result.after_close_mb, result.peak_mb = rss_mb(pid)
    result.seconds = time.time() - t0
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--uploads", type=int, default=20)
    ap.add_argument("--sessions", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--sr", type=int, default=44100)
    ap.add_argument("--page", default="spectrogram")
    ap.add_argument("--workdir", default="/tmp")
    args = ap.parse_args()
    with server_process("--server.disconnectedSessionTTL", "2") as (url, pid):
        res = run_soak(url, pid, uploads=args.uploads, sessions=args.sessions, seconds=args.seconds, sr=args.sr,
                       page_path=args.page, workdir=args.workdir)
    print(res.summary())


if __name__ == "__main__":
    main()
