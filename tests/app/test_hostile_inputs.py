"""Hostile and degenerate inputs on every page that takes audio: very short clips, odd file names.

A 300-sample WAV or a very short microphone take used to crash four pages with
``StreamlitInvalidMinMaxError`` (a slider whose minimum equals its maximum). Every page must either
adapt its controls or say how long a clip it needs.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf

from tests.app.helpers import page_app

LENGTHS = (1, 2, 40, 80, 300, 600, 1700)
#: page, picker key prefix, session-state to open the right tab/mode first
PAGES = [
    ("app_pages/time_domain.py", "td", {}),
    ("app_pages/spectrum.py", "sp", {}),
    ("app_pages/spectrogram.py", "sg", {}),
    ("app_pages/fourier.py", "fourier_audio", {"fourier_mode": "Analyse a recording"}),
    ("app_pages/aliasing.py", "alias_audio", {"alias_tab": "Real audio: decimation"}),
    ("app_pages/room.py", "room_dry", {"room_tab": "Listen"}),
    ("app_pages/codec.py", "codec", {"codec_tab": "Classic codecs"}),
    ("app_pages/hearing.py", "hear", {"hear_view": "tuner"}),
    ("app_pages/mfcc.py", "mf", {}),
    ("app_pages/dataset.py", "ds", {"ds_speech_src": "A clip of yours or a sample", "ds_nprev": 1}),
]


def wav_bytes(n: int, sr: int = 16000) -> bytes:
    t = np.arange(n) / sr
    y = 0.3 * np.sin(2 * np.pi * 200 * t) + 0.01 * np.random.default_rng(n).standard_normal(n)
    buf = io.BytesIO()
    sf.write(buf, y.astype(np.float32), sr, format="WAV", subtype="PCM_16")
    return buf.getvalue()


@pytest.mark.parametrize("path,prefix,state", PAGES, ids=[p[0].split("/")[1][:-3] for p in PAGES])
def test_very_short_clips_never_crash_a_page(path, prefix, state):
    at = page_app(path, timeout=240)
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    at.radio(key=f"{prefix}_source").set_value("Upload a file").run()
    for n in LENGTHS:
        at.file_uploader(key=f"{prefix}_upload").set_value((f"short{n}.wav", wav_bytes(n), "audio/wav")).run()
        assert not at.exception, (n, [e.value for e in at.exception])
        shown = [e.value for e in at.error]
        # Either the page works, or it says why in words: samples and how many it needs.
        for msg in shown:
            assert "samples" in msg or "short" in msg, (n, msg)
        # (A one-sample dry clip in the room is an impulse: you hear the room itself. Fine. The same
        # holds for the data generator, which puts the clip in rooms.)
        if n < 40 and path not in ("app_pages/codec.py", "app_pages/room.py", "app_pages/dataset.py"):
            assert shown, f"{path} accepted a {n}-sample clip without a word"
    # The longest clip is analysed normally.
    assert not at.exception and not at.error, [e.value for e in at.error]


def test_uploaded_file_names_are_shown_as_text_not_markdown():
    """A name with a link, an image and LaTeX is escaped in the caption (the browser test checks rendering)."""
    from components.audio_io import escape_markdown, escape_plot_text

    hostile = "[x](https://evil.test) ![i](http://evil.test/t.png) $x^2$ :red[hi] <b>.wav"
    at = page_app("app_pages/time_domain.py").run()
    at.radio(key="td_source").set_value("Upload a file").run()
    at.file_uploader(key="td_upload").set_value((hostile, wav_bytes(4000), "audio/wav")).run()
    assert not at.exception and not at.error
    captions = [c.value for c in at.caption if "s at 16000 Hz" in c.value]
    assert captions and escape_markdown(hostile) in captions[0]
    assert captions[0].startswith("`" + hostile + "`")  # a code span: nothing inside is interpreted
    assert escape_markdown("a_b$c") == "`a_b$c`"
    assert escape_markdown("x`y") == "``x`y``" and escape_markdown("`x") == "`` `x ``"
    assert escape_plot_text('<a href="http://evil.test">x</a>') == '&lt;a href="http://evil.test"&gt;x&lt;/a&gt;'
