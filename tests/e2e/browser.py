"""Drive Debian's Chromium with Playwright against a real `streamlit run` (no browser download).

Used by tests/e2e and by hand:

    .venv/bin/python -m tests.e2e.browser aliasing /tmp/aliasing.png   # starts a server, shoots one page
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage",
]


def free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(port: int | None = None, timeout_s: float = 60.0):
    """Start `streamlit run Home.py` on 127.0.0.1 and yield its base URL."""
    port = port or free_port()
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "Home.py"), "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + timeout_s
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError("streamlit did not start")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextlib.contextmanager
def chromium_browser():
    """Debian's Chromium driven by Playwright (which never downloads a browser of its own here)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def chromium_page(width: int = 1400, height: int = 1000):
    """A Playwright page of its own browser (:func:`chromium_browser`)."""
    with chromium_browser() as browser:
        yield browser.new_page(viewport={"width": width, "height": height})


def wait_for_app(page, timeout_ms: int = 120_000, min_charts: int = 0) -> None:
    """Wait until the script run has finished and every chart has drawn.

    Done = no "Running" status, no skeleton placeholders, no stale elements, and every
    plotly chart container holds a drawn SVG.
    """
    page.wait_for_selector('[data-testid="stMain"]', timeout=timeout_ms)
    page.wait_for_timeout(500)
    page.wait_for_function(
        """() => {
            const status = document.querySelector('[data-testid="stStatusWidget"]');
            if (status && /Running/i.test(status.innerText)) return false;
            if (document.querySelector('[data-testid="stSkeleton"]')) return false;
            if (document.querySelector('[data-stale="true"]')) return false;
            const charts = document.querySelectorAll('[data-testid="stPlotlyChart"]');
            if (charts.length < MIN_CHARTS) return false;
            for (const c of charts) { if (!c.querySelector('.main-svg')) return false; }
            return true;
        }""".replace("MIN_CHARTS", str(int(min_charts))),
        timeout=timeout_ms,
        polling=250,
    )
    # Then wait for the DOM to stop changing (lazy widget chunks, chart layout).
    last = -1
    for _ in range(40):
        size = page.evaluate("document.body.innerHTML.length")
        if size == last:
            break
        last = size
        page.wait_for_timeout(500)


def shoot(url_path: str, out: str, *, full_page: bool = True, height: int = 3000, min_charts: int = 1) -> None:
    # Streamlit scrolls inside its own container, so a tall viewport is what captures the whole page.
    with streamlit_server() as url, chromium_page(height=height) as page:
        page.goto(f"{url}/{url_path}")
        wait_for_app(page, min_charts=min_charts)
        page.screenshot(path=out, full_page=full_page)
        excs = page.locator('[data-testid="stException"]').count()
        print(f"saved {out}; exception elements: {excs}")


if __name__ == "__main__":
    shoot(sys.argv[1], sys.argv[2])
