"""A real server under load and under attack: concurrent sessions, a memory soak, hostile names and hosts.

One server for the module (`--server.disconnectedSessionTTL 2`, so a closed session is dropped
within seconds instead of two minutes); Debian's Chromium through Playwright. Bounded: the soak is
12 uploads of 30 s at 44.1 kHz. Figures are printed (``-s`` shows them) and asserted against caps.
"""

from __future__ import annotations

import base64
import os
import shutil
import socket
import time
from pathlib import Path

import pytest

from tests.e2e.browser import CHROMIUM, chromium_browser
from tests.e2e.soak import choose_upload, distinct_wav, rss_mb, run_soak, server_process, wait_for_run

pytestmark = pytest.mark.e2e

if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)

#: Caps the soak asserts (MB above the server's resident size after a first page view).
SOAK_PEAK_ABOVE_BASELINE_MB = 400
SOAK_AFTER_ABOVE_BASELINE_MB = 120
ROOM_INPUTS = ["Length L (m)", "Width W (m)", "Height H (m)", "Source x", "Source y", "Source z", "Mic x", "Mic y",
               "Mic z"]


@pytest.fixture(scope="module")
def server():
    with server_process("--server.disconnectedSessionTTL", "2") as (url, pid):
        yield url, pid


@pytest.fixture(scope="module")
def browser():
    with chromium_browser() as b:
        yield b


def handshake_status(url: str, host: str) -> str:
    """Status line of a WebSocket handshake to the app's stream with the given Host header."""
    port = int(url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
        key = base64.b64encode(os.urandom(16)).decode()
        s.sendall((f"GET /_stcore/stream HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: streamlit\r\n"
                   f"Origin: http://{host}\r\n\r\n").encode())
        return s.recv(4096).decode(errors="replace").split("\r\n")[0]


def test_a_foreign_host_header_is_refused(server):
    """DNS rebinding: a WebSocket handshake naming another host is refused (server.allowedHosts)."""
    url, _ = server
    port = url.rsplit(":", 1)[1]
    assert " 101 " in handshake_status(url, f"127.0.0.1:{port}")
    assert " 101 " in handshake_status(url, f"localhost:{port}")
    assert " 403 " in handshake_status(url, f"rebind.attacker.test:{port}")


def room_inputs(page) -> list[str]:
    return [page.get_by_label(label, exact=True).input_value() for label in ROOM_INPUTS]


def test_concurrent_room_sessions_keep_their_inputs(server, browser):
    """Four sessions at once move the Target-RT60 slider; every room/source/mic input keeps its value.

    Under this load the inputs used to reset to 0.00 (3 of 20 sessions) and the page said 'Every room
    dimension must be a positive number'. Latencies of the slider moves are printed.

    This guards the symptom; it does not reproduce the race on demand: on the shared 2-core machine
    (load 5-13) this scenario lost no inputs in 32 sessions with persist_state removed either (first
    runs now take ~20 s, not the 19-27 s per move the review saw). The mechanism itself is tested
    deterministically by tests/app/test_room.py::test_a_browser_that_lost_the_inputs_is_told_their_values,
    which fails without persist_state.
    """
    url, _ = server
    contexts = [browser.new_context(viewport={"width": 1300, "height": 1000}) for _ in range(4)]
    pages = [c.new_page() for c in contexts]
    t0 = time.time()
    for p in pages:  # all four first runs overlap on the server
        p.goto(f"{url}/room?room_mode=Target+RT60", wait_until="commit")
    for p in pages:
        wait_for_run(p, "Sabine RT60")
    first_load = time.time() - t0
    before = [room_inputs(p) for p in pages]
    latencies = []
    for step in range(3):
        starts = []
        for p in pages:  # every session moves its slider before any waits: concurrent reruns
            thumb = p.locator('[data-testid="stSlider"]').filter(has_text="Target RT60").get_by_role("slider")
            thumb.focus()
            thumb.press("ArrowRight")
            starts.append(time.time())
        for p, t in zip(pages, starts):
            p.wait_for_timeout(300)
            wait_for_run(p, "Sabine RT60")
            latencies.append(time.time() - t)
    for p, b in zip(pages, before):
        assert room_inputs(p) == b
        assert p.get_by_text("must be a positive number").count() == 0
        assert p.locator('[data-testid="stException"]').count() == 0
    for c in contexts:
        c.close()
    lat = sorted(latencies)
    print(f"\nroom, 4 sessions: first load {first_load:.1f} s; slider move median {lat[len(lat) // 2]:.2f} s, "
          f"p95 {lat[int(0.95 * (len(lat) - 1))]:.2f} s")


def test_an_uploaded_name_is_shown_as_text(server, browser):
    """A name with a Markdown link, an image and LaTeX shows as typed: no link, no fetched image, no math."""
    url, _ = server
    name = "[x](https://evil.test/a) ![i](http://evil.test/t.png) $x^2$.wav"
    ctx = browser.new_context(viewport={"width": 1300, "height": 1000})
    page = ctx.new_page()
    fetched = []
    page.on("request", lambda r: fetched.append(r.url) if "evil.test" in r.url else None)
    page.goto(f"{url}/time_domain", wait_until="commit")
    wait_for_run(page, "Envelope")
    choose_upload(page)
    wait_for_run(page, "Choose a file")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(
        {"name": name, "mimeType": "audio/wav", "buffer": distinct_wav(0, 1.0, 16000)})
    wait_for_run(page, "s at 16000 Hz")
    caption = page.locator('[data-testid="stCaptionContainer"]').filter(has_text="s at 16000 Hz").first
    assert caption.inner_text().startswith(name + ":"), caption.inner_text()
    assert page.locator('a[href*="evil.test"]').count() == 0
    assert page.locator('img[src*="evil.test"]').count() == 0
    assert page.locator('[data-testid="stCaptionContainer"] .katex').count() == 0
    assert fetched == []
    ctx.close()


def test_memory_soak_stays_bounded_and_returns(server, browser, tmp_path_factory):
    """12 distinct 30-s uploads from 4 sessions on the spectrogram page (20 grew it 0.2 -> 7.4 GB before:
    ~360 MB each, so 12 would pass the caps by gigabytes; `python -m tests.e2e.soak` runs longer soaks)."""
    url, pid = server
    res = run_soak(url, pid, uploads=12, sessions=4, seconds=30.0, sr=44100, page_path="spectrogram",
                   workdir=tmp_path_factory.mktemp("soak"), settle_s=4.0, log=lambda *_: None, browser=browser)
    print(f"\nsoak: {res.summary()}")
    assert res.errors == 0
    assert res.peak_mb - res.baseline_mb < SOAK_PEAK_ABOVE_BASELINE_MB, res.summary()
    assert res.after_close_mb - res.baseline_mb < SOAK_AFTER_ABOVE_BASELINE_MB, res.summary()
    assert rss_mb(pid)[0] < res.baseline_mb + SOAK_AFTER_ABOVE_BASELINE_MB
