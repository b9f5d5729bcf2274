"""What only a browser shows (issue 14): presenter mode fits a projector, links restore every control,
and a control shows the value the page computed with after an upload.

One server and one Chromium for the module; each test opens a fresh browser context (no cookies,
no session), as someone opening a shared link would.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from components.nav import PAGES
from tests.e2e.browser import CHROMIUM, ROOT, chromium_browser, streamlit_server, wait_for_app
from tests.e2e.test_browser import MIN_CHARTS  # pages that draw no chart before a button press
from tests.links import LINKS, query_string

pytestmark = pytest.mark.e2e

if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "artifacts/screenshots"))
PROJECTOR = {"width": 1280, "height": 720}

#: Reads a widget's shown value(s) from its keyed container (Streamlit adds the class st-key-<key>).
READ_WIDGET = """(key) => {
  const el = document.querySelector('.st-key-' + CSS.escape(key));
  if (!el) return null;
  const tab = el.querySelector('[role=tab][aria-selected=true]');
  if (tab) return [tab.innerText.trim()];
  const ranges = [...el.querySelectorAll('input[type=range]')];
  if (ranges.length) return ranges.map(r => r.getAttribute('aria-valuetext') || r.value);
  const sw = el.querySelector('input[type=checkbox]');
  if (sw) return [sw.checked ? 'true' : 'false'];
  const radios = [...el.querySelectorAll('input[type=radio]')];
  if (radios.length) { const c = radios.find(r => r.checked); return [c ? c.closest('label').innerText.trim() : '']; }
  const combo = el.querySelector('input[role=combobox]');
  if (combo) return [combo.value];
  const active = el.querySelector('button[kind*="Active"], button[aria-checked=true], button[aria-pressed=true]');
  if (active) return [active.innerText.trim()];
  const input = el.querySelector('input');
  if (input) return [input.value];
  return [el.innerText.trim()];
}"""


def shown_equals(shown: list[str], url_value) -> bool:
    want = url_value if isinstance(url_value, list) else [url_value]
    if shown is None or len(shown) != len(want):
        return False
    for s, w in zip(shown, want):
        s = s.replace(",", "").strip()
        try:
            if abs(float(s) - float(w)) > 1e-6 * max(1.0, abs(float(w))):
                return False
        except ValueError:
            if s != w:
                return False
    return True


@pytest.fixture(scope="module")
def server():
    with streamlit_server(timeout_s=120) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium_browser() as b:
        yield b


@pytest.fixture
def fresh(browser):
    """A new context per test: a first visit with nothing remembered."""
    ctx = browser.new_context(viewport=PROJECTOR)
    try:
        yield ctx.new_page()
    finally:
        ctx.close()


def adopted(info) -> bool:
    return "components.presenter" in (ROOT / info.path).read_text()


CONTENT_PAGES = [p for p in PAGES if p.section != "Start"]
#: Controls inside a closed popover are not in the page until it is opened (AppTest checks them).
IN_POPOVER = {"sg_amp", "sg_cmap"}


@pytest.mark.parametrize("info", CONTENT_PAGES, ids=[Path(p.path).stem for p in CONTENT_PAGES])
def test_presenter_link_fits_the_projector_and_restores_every_control(server, fresh, info):
    """One shared link per page, opened fresh at 1280x720 with ?present=true:

    - the sidebar is folded, the intro is the one-line header, the main figure starts on the first screen
      (issue 14, item 3);
    - every control the link carries shows the link's value (item 2; tests/links.py, first view).
    """
    if not adopted(info):
        pytest.skip(f"{info.path} does not use components.presenter yet")
    stem = Path(info.path).stem
    view = LINKS.get(info.path, [{}])[0]
    charts = MIN_CHARTS.get(stem, 1)
    fresh.goto(f"{server}/{stem}?present=true&{query_string(view)}")
    wait_for_app(fresh, timeout_ms=240_000, min_charts=charts)
    SHOTS.mkdir(parents=True, exist_ok=True)
    fresh.screenshot(path=str(SHOTS / f"presenter_{stem}.png"))
    assert fresh.locator('[data-testid="stException"]').count() == 0
    if charts:  # the main figure's top edge is inside the first screen
        top = fresh.locator('[data-testid="stPlotlyChart"]').first.bounding_box()
        assert top is not None and 0 <= top["y"] < PROJECTOR["height"], f"main figure starts at {top}"
    sidebar = fresh.locator('[data-testid="stSidebar"]')
    assert sidebar.count() == 0 or sidebar.get_attribute("aria-expanded") == "false" or \
        (sidebar.bounding_box() or {"width": 0})["width"] < 10
    assert fresh.get_by_text("Try first:").count() == 0
    assert fresh.locator(".st-key-present_exit").count() == 1
    wrong = {}
    for key, (url_value, _) in view.items():
        shown = fresh.evaluate(READ_WIDGET, key)
        if shown is None and key in IN_POPOVER:
            continue
        if not shown_equals(shown, url_value):
            wrong[key] = (shown, url_value)
    assert not wrong, f"controls that do not show the link's value (shown, link): {wrong}"


def test_after_an_upload_the_controls_show_what_the_page_used(server, fresh, tmp_path):
    """Spectrogram: choosing Upload (the page used to stop) then a file left win/hop sliders at 64 while the
    metrics used 2048/512 (issue 14, item 1)."""
    import numpy as np
    import soundfile as sf

    wav = tmp_path / "tone.wav"
    sr = 48000
    t = np.arange(2 * sr) / sr
    sf.write(wav, (0.3 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32), sr)
    fresh.goto(f"{server}/spectrogram")
    wait_for_app(fresh, timeout_ms=240_000, min_charts=1)

    def check(sr_now: int) -> None:
        win = fresh.evaluate(READ_WIDGET, "sg_win")[0]
        hop = fresh.evaluate(READ_WIDGET, "sg_hop")[0]
        metrics = {m.split("\n")[0]: m.split("\n")[-1] for m in
                   fresh.locator('[data-testid="stMetric"]').all_inner_texts()}
        assert float(metrics["Window (ms)"]) == pytest.approx(1000 * int(win) / sr_now, abs=0.06), (win, metrics)
        assert float(metrics["Δt (ms)"]) == pytest.approx(1000 * int(hop) / sr_now, abs=0.06), (hop, metrics)

    check(22050)
    fresh.get_by_text("Upload a file").first.click()
    wait_for_app(fresh, timeout_ms=120_000, min_charts=1)
    check(22050)  # the page keeps running on the sample until a file arrives
    fresh.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(wav))
    fresh.wait_for_function("() => document.body.innerText.includes('tone.wav')", timeout=120_000)
    wait_for_app(fresh, timeout_ms=120_000, min_charts=1)
    check(sr)
    fresh.get_by_text("Built-in sample").first.click()
    fresh.wait_for_function("() => !document.body.innerText.includes('tone.wav')", timeout=120_000)
    wait_for_app(fresh, timeout_ms=120_000, min_charts=1)
    check(22050)
    assert fresh.locator('[data-testid="stException"]').count() == 0
