"""Browser-side time to a stable figure, per page: what a user waits for, drawing included.

bench_pages.py times the server's reruns; this one times what Chromium shows. For each page a
fresh browser context opens the page (cold: first visit of this server) and then changes one
control several times, each time to a value not seen before. Each measurement runs from the
action (page.goto, a key press on a slider) until the page is *stable*: the script is not
running, no element is stale, every plotly chart has drawn its SVG, and the page's HTML has not
changed for two polls 100 ms apart (the stability wait itself is subtracted).

The anchor is the review of issue 14 (Chromium, software WebGL, a busy 2-core machine): envelope
page 3-7 s per control change, room preset change ~5 s, codec curve 111 s. Printed: the median per
page, and its ratio to that anchor where there is one. Run it on a quiet machine and say how loaded
it was (the load average is printed).

    .venv/bin/python bench/bench_browser.py                 # all pages
    .venv/bin/python bench/bench_browser.py spectrogram room  # pages whose stem contains these
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from components.nav import PAGES  # noqa: E402
from tests.e2e.browser import chromium_browser, streamlit_server  # noqa: E402

REPEATS = 4
POLL_S = 0.1
#: How each page is exercised: the key of a slider moved one step per repeat with the keyboard (always
#: the same direction, so every value is new), or an option list for a select box.
ACTIONS = {
    "time_domain": ("slider", "td_hop", "ArrowLeft"),
    "aliasing": ("slider", "alias_f", "ArrowRight"),
    "fourier": ("slider", "fourier_n", "ArrowRight"),
    "spectrum": ("slider", "sp_start", "ArrowRight"),
    "spectrogram": ("slider", "sg_nfft", "ArrowLeft"),
    "room": ("select", "room_preset", ["Church", "Living room", "Concert hall", "Vocal booth"]),
    "codec": ("slider", "codec_k_16khz", "ArrowLeft"),
}
#: The review's browser timings for a control change (seconds), where it gave one.
ANCHOR_S = {"time_domain": 5.0, "room": 5.0}

STABLE_JS = """() => {
  const status = document.querySelector('[data-testid="stStatusWidget"]');
  if (status && /Running/i.test(status.innerText)) return -1;
  if (document.querySelector('[data-stale="true"]')) return -1;
  if (document.querySelector('[data-testid="stSkeleton"]')) return -1;
  const charts = document.querySelectorAll('[data-testid="stPlotlyChart"]');
  for (const c of charts) { if (!c.querySelector('.main-svg')) return -1; }
  return document.body.innerHTML.length;
}"""


def wait_stable(page, t0: float, timeout_s: float = 300.0, settle_polls: int = 2) -> float:
    """Seconds from ``t0`` until the page is stable (see the module docstring)."""
    last, same, t_first_same = None, 0, None
    while time.perf_counter() - t0 < timeout_s:
        size = page.evaluate(STABLE_JS)
        now = time.perf_counter()
        if size >= 0 and size == last:
            same += 1
            if same >= settle_polls:
                return t_first_same - t0
        elif size >= 0:
            same, last, t_first_same = 0, size, now
        else:
            same, last = 0, None
        time.sleep(POLL_S)
    raise TimeoutError("page never became stable")


def act(page, action, i: int) -> None:
    kind, key, how = action
    box = page.locator(f".st-key-{key}")
    if kind == "slider":
        box.get_by_role("slider").first.press(how, timeout=120_000)
    else:
        box.locator("input").first.click()
        page.get_by_role("option", name=how[i % len(how)], exact=True).click()


def bench_page(browser, url: str, stem: str) -> dict:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    try:
        t0 = time.perf_counter()
        page.goto(f"{url}/{stem}")
        page.wait_for_selector('[data-testid="stMain"]', timeout=300_000)
        time.sleep(0.5)  # the first script run starts after the websocket opens
        cold = wait_stable(page, t0)
        times = []
        action = ACTIONS.get(stem)
        for i in range(REPEATS if action else 0):
            t0 = time.perf_counter()
            act(page, action, i)
            time.sleep(0.3)  # let the rerun start (the status widget appears)
            times.append(wait_stable(page, t0))
        n_points = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
            .map(c => c.querySelectorAll('path, circle, rect').length).reduce((a, b) => a + b, 0)""")
        return {"cold": cold, "change": statistics.median(times) if times else None, "svg_nodes": n_points}
    finally:
        ctx.close()


def main(filters: list[str]) -> None:
    stems = [Path(p.path).stem for p in PAGES]
    if filters:
        stems = [s for s in stems if any(f in s for f in filters)]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; {REPEATS} control changes per page")
    with streamlit_server(timeout_s=120) as url, chromium_browser() as browser:
        print(f"{'page':14s} {'cold load (s)':>14s} {'control change (s)':>19s} {'vs review':>10s} {'SVG nodes':>10s}")
        for stem in stems:
            path = "" if stem == "welcome" else stem
            r = bench_page(browser, url, path)
            ch = r["change"]
            ratio = f"{ch / ANCHOR_S[stem]:.2f}x" if ch is not None and stem in ANCHOR_S else "-"
            print(f"{stem:14s} {r['cold']:14.2f} {('-' if ch is None else f'{ch:.2f}'):>19s} {ratio:>10s} "
                  f"{r['svg_nodes']:10d}", flush=True)

if __name__ == "__main__":
    main(sys.argv[1:])
