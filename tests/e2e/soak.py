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

from tests.e2e.browser import ROOT, chromium_browser, free_port, wait_for_app


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


def reset_peak(pid: int) -> None:
    """Start a new peak (VmHWM) measurement for ``pid`` (Linux; a no-op where not permitted)."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


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


def wait_for_run(page, text: str, timeout_ms: int = 240_000) -> None:
    """Until ``text`` is on the page, the script run has finished and every widget is drawn (charts may
    still be drawing)."""
    page.wait_for_function(
        """text => {
            if (!document.body.innerText.includes(text)) return false;
            const s = document.querySelector('[data-testid="stStatusWidget"]');
            if (s && /Running/i.test(s.innerText)) return false;
            if (document.querySelector('[data-testid="stSkeleton"]')) return false;
            return !document.querySelector('[data-stale="true"]');
        }""", arg=text, timeout=timeout_ms, polling=100)


def choose_upload(page, timeout_ms: int = 240_000) -> None:
    """Pick "Upload a file" in the audio-source radio, once the radio's code has loaded and drawn it."""
    option = page.locator('[data-testid="stRadioOption"]').filter(has_text="Upload a file").first
    option.wait_for(state="visible", timeout=timeout_ms)
    option.click(timeout=timeout_ms)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.wait_for(state="attached", timeout=timeout_ms)


def run_soak(url: str, pid: int, *, uploads: int, sessions: int, seconds: float, sr: int,
             page_path: str = "spectrogram", workdir: str | Path = "/tmp", settle_s: float = 8.0,
             log=print, browser=None) -> SoakResult:
    """Upload ``uploads`` distinct clips spread over ``sessions`` browser sessions; return the RSS figures.

    ``browser``: a Playwright browser to use (default: launch Debian's Chromium here).
    """
    if browser is None:
        with chromium_browser() as own:
            return run_soak(url, pid, uploads=uploads, sessions=sessions, seconds=seconds, sr=sr,
                            page_path=page_path, workdir=workdir, settle_s=settle_s, log=log, browser=own)
    workdir = Path(workdir)
    files = []
    for i in range(uploads):
        p = workdir / f"soak_{i:02d}_{int(seconds)}s_{sr}.wav"
        if not p.exists():
            p.write_bytes(distinct_wav(i, seconds, sr))
        files.append(str(p))
    t0 = time.time()
    # warm up: one session on the page with its built-in sample, then measure the baseline
    ctx = browser.new_context(viewport={"width": 1300, "height": 1000})
    page = ctx.new_page()
    page.goto(f"{url}/{page_path}", wait_until="commit")
    wait_for_app(page, timeout_ms=240_000, min_charts=1)
    ctx.close()
    time.sleep(settle_s)
    reset_peak(pid)
    result = SoakResult(baseline_mb=rss_mb(pid)[0])
    log(f"baseline {result.baseline_mb:.0f} MB")
    per = -(-uploads // sessions)
    for s in range(sessions):
        ctx = browser.new_context(viewport={"width": 1300, "height": 1000})
        page = ctx.new_page()
        page.goto(f"{url}/{page_path}", wait_until="commit")
        wait_for_run(page, "Audio source")
        choose_upload(page)
        wait_for_run(page, "Choose a file")
        for path in files[s * per:(s + 1) * per]:
            page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(path)
            wait_for_run(page, Path(path).name + ": ")  # pick_audio's caption: the run got that far
            result.errors += page.locator('[data-testid="stException"]').count()
            now, peak = rss_mb(pid)
            result.after_uploads_mb.append(now)
            log(f"session {s} upload {len(result.after_uploads_mb)}: {now:.0f} MB (peak {peak:.0f})")
        ctx.close()
    # Streamlit keeps a closed session for server.disconnectedSessionTTL and drops it lazily, when its
    # session store is next touched: wait out the TTL, then one visit to the home page.
    time.sleep(settle_s)
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(url, wait_until="commit")
    wait_for_run(page, "AudioVideoEra")
    ctx.close()
    time.sleep(settle_s)
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
