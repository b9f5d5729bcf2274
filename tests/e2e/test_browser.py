"""End to end: a real `streamlit run` on 127.0.0.1, Debian's Chromium driven by Playwright.

Every page loads with no exception element; a slider move re-renders; a screenshot of every
page goes to $SCREENSHOT_DIR (make test sets artifacts/screenshots).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from components.nav import PAGES
from tests.e2e.browser import CHROMIUM, chromium_page, streamlit_server, wait_for_app

pytestmark = pytest.mark.e2e

if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "artifacts/screenshots"))
#: Pages whose first render draws at least one chart.
MIN_CHARTS = {"welcome": 0, "embeddings": 0}  # embeddings: charts after "Extract embeddings"


@pytest.fixture(scope="module")
def server():
    with streamlit_server(timeout_s=120) as url:
        yield url


@pytest.fixture(scope="module")
def page():
    with chromium_page(height=2600) as p:
        yield p


def test_deep_link_on_a_fresh_server_runs_through_home(server, page):
    """A shared link straight to a page (first request of a new server) still gets Home.py's navigation.

    With a folder named `pages/`, Streamlit's legacy mode ran such a link without Home.py; the pages
    live in `app_pages/` for that reason.
    """
    page.goto(f"{server}/spectrum")
    wait_for_app(page, timeout_ms=240_000, min_charts=1)
    nav = page.locator('[data-testid="stSidebarNav"]')
    # Home.py's grouped navigation (with 13+ pages Streamlit shows the first ten and "View more")
    assert nav.get_by_text("Foundations").count() == 1
    assert nav.get_by_text("Magnitude spectrum").count() == 1
    assert page.get_by_text("Play-on-this-computer").count() + page.get_by_text("Local playback").count() == 1


def url_path(info) -> str:
    return "" if info.path.endswith("welcome.py") else Path(info.path).stem


@pytest.mark.parametrize("info", PAGES, ids=[Path(p.path).stem for p in PAGES])
def test_page_loads_without_error(server, page, info):
    stem = Path(info.path).stem
    page.goto(f"{server}/{url_path(info)}")
    wait_for_app(page, timeout_ms=240_000, min_charts=MIN_CHARTS.get(stem, 1))
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{stem}.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0
    # The grouped navigation from Home.py is there (not Streamlit's file-name list).
    assert page.get_by_text("Foundations").count() >= 1
    assert page.locator('[data-testid="stMain"] h1').count() >= 1


def test_slider_move_rerenders_the_chart(server, page):
    page.goto(f"{server}/time_domain")
    wait_for_app(page, timeout_ms=240_000, min_charts=1)
    frames = page.locator('[data-testid="stMetric"]').filter(has_text="Frames").locator('[data-testid="stMetricValue"]')
    before = frames.inner_text()
    chart_before = page.locator('[data-testid="stPlotlyChart"]').first.inner_html()
    thumb = page.locator('[data-testid="stSlider"]').filter(has_text="Hop length").get_by_role("slider")
    thumb.focus()
    thumb.press("ArrowLeft")
    page.wait_for_function(
        "(b) => { const el = [...document.querySelectorAll('[data-testid=\"stMetric\"]')]"
        ".find(m => m.innerText.includes('Frames')); return el && !el.innerText.includes(b); }",
        arg=before, timeout=120_000)
    wait_for_app(page, timeout_ms=120_000, min_charts=1)
    after = frames.inner_text()
    assert int(after) > int(before)  # a smaller hop gives more frames
    assert page.locator('[data-testid="stPlotlyChart"]').first.inner_html() != chart_before
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(SHOTS / "time_domain_after_slider.png"), full_page=True)


def test_impossible_room_is_explained_in_the_browser(server, page):
    """A microphone outside the room gets one clear error in the page, and the page recovers."""
    page.goto(f"{server}/room")
    wait_for_app(page, timeout_ms=240_000, min_charts=1)
    box = page.locator('[data-testid="stNumberInput"]').filter(has_text="Mic x").locator("input")
    original = box.input_value()
    box.fill("25")
    box.press("Enter")
    page.wait_for_selector('[data-testid="stAlertContentError"]', timeout=120_000)
    text = page.locator('[data-testid="stAlertContentError"]').first.inner_text()
    assert "room" in text.lower()
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(SHOTS / "room_impossible.png"), full_page=True)
    box.fill(original)
    box.press("Enter")
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stAlertContentError\"]')", timeout=120_000)
    wait_for_app(page, timeout_ms=120_000, min_charts=1)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_measuring_uploaded_recordings_good_silent_short_and_clipped(server, page, tmp_path):
    """The browser-recording view: a good recording is measured; silent, too short and clipped ones are explained."""
    from tests.recordings import DURATION_S, F2, silent_recording, sweep_recording

    page.goto(f"{server}/measure_room?mr_tab=Record+in+the+browser&mr_sr=16000&mr_dur={DURATION_S}&mr_f2={F2}")
    wait_for_app(page, timeout_ms=240_000, min_charts=0)
    # (a good recording is measured in the AppTest; here the clipped one is, with its warning)
    files = {"silent": silent_recording(), "short": sweep_recording(sweep_s=1.2), "clipped": sweep_recording(gain=8.0)}
    upload = page.locator('[data-testid="stFileUploader"]').locator('input[type="file"]')
    for name, data in files.items():
        path = tmp_path / f"{name}.wav"
        path.write_bytes(data)
        upload.set_input_files(str(path))
        page.wait_for_function(f"() => document.body.innerText.includes('{name}.wav')", timeout=120_000)
        wait_for_app(page, timeout_ms=240_000, min_charts=0)
        metrics = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
        errors_ = page.locator('[data-testid="stAlertContentError"]').all_inner_texts()
        assert page.locator('[data-testid="stException"]').count() == 0
        if name == "silent":
            assert any("silent" in e for e in errors_) and "T20" not in metrics
        elif name == "short":
            assert any("too short" in e for e in errors_) and "T20" not in metrics
        else:
            warnings = page.locator('[data-testid="stAlertContentWarning"]').all_inner_texts()
            assert not errors_ and any("clipped" in w for w in warnings)
            assert "Sweep detection" in metrics and "T20" in metrics  # measured all the same
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "measure_room_recording.png"), full_page=True)


def test_convolution_animation_plays_and_sequences_edit(server, page):
    page.goto(f"{server}/convolution")
    wait_for_app(page, timeout_ms=240_000, min_charts=1)
    active = "() => document.querySelector('.js-plotly-plot')._fullLayout.sliders[0].active"
    start = page.evaluate(active)
    page.locator(".updatemenu-button").filter(has_text="Play").first.click()
    page.wait_for_function(f"() => ({active})() > {start}", timeout=30_000)
    box = page.locator('[data-testid="stTextInput"]').filter(has_text="Signal x").locator("input")
    box.fill("1, 2, 3")
    box.press("Enter")
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=\"stMetric\"]')]"
                           ".some(m => m.innerText.includes('N + M') && m.innerText.trim().endsWith('7'))",
                           timeout=120_000)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_clicking_a_piano_key_selects_and_names_the_note(server, page):
    """The hearing page's keyboard is a plotly chart with point selection: a real click picks the note."""
    page.goto(f"{server}/hearing?hear_view=Pitch+%26+notes")
    wait_for_app(page, timeout_ms=240_000, min_charts=1)
    note = page.locator('[data-testid="stMetric"]').filter(has_text="Nearest note").locator('[data-testid="stMetricValue"]')
    assert note.inner_text() == "A4"
    keys = page.locator('[data-testid="stPlotlyChart"]').first.locator("g.point path")
    box = keys.nth(7).bounding_box()  # white keys come first: C3 D3 E3 F3 G3 A3 B3 C4 -> the 8th is C4
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] - 8)
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=\"stMetric\"]')]"
        ".some(m => m.innerText.includes('Nearest note') && m.innerText.includes('C4'))", timeout=120_000)
    wait_for_app(page, timeout_ms=120_000, min_charts=1)
    assert page.locator('[data-testid="stMetric"]').filter(has_text="Frequency").inner_text().endswith("261.63")
    assert page.locator('[data-testid="stException"]').count() == 0


def test_embeddings_extract_then_map(server, page):
    """The embeddings page offline: Whisper tiny.en's real weights, a tiny word set, the map after extraction."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    page.goto(f"{server}/embeddings?emb_nwords=2&emb_voices=2&emb_padding=trimmed+input+%28fast%29")
    button = page.get_by_role("button", name="Extract embeddings")
    button.or_(page.get_by_text("Word silhouette (cosine)")).first.wait_for(timeout=240_000)
    if button.count():  # (already extracted when this machine's cache has the clips)
        button.click()
    wait_for_app(page, timeout_ms=400_000, min_charts=1)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_text("Word silhouette (cosine)").count() == 1
    assert page.get_by_text("Untrained control at the same layer").count() == 1
