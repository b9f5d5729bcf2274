"""AppTest of the neural-codec page: works without weights, every tab, and the DAC path
with a tiny random-weight model (AVE_CODEC_RANDOM_DAC, the same code as the real weights)."""

from __future__ import annotations

import os

import pytest

from tests.app.helpers import errors, page_app, shown_text

PAGE = "app_pages/codec.py"


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the disk cache of decodes
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # gettempdir() caches its first answer per process
    monkeypatch.delenv("AVE_CODEC_RANDOM_DAC", raising=False)


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_no_weights_shows_fallback_and_bitrate():
    at = page_app(PAGE).run()
    assert not errors(at), errors(at)
    text = shown_text(at)
    # 16 kHz first: 12 codebooks -> 6 kbps, 256 kbps PCM / 6 = 43x.
    assert metric(at, "Bitrate") == "6.00 kbps"
    assert metric(at, "vs 16-bit PCM") == "43×"
    assert metric(at, "Frame rate") == "50.00 Hz"
    from lib.codec import find_dac

    if find_dac("16khz") is None:  # always, unless this machine has the real weights cached
        assert any("hf download descript/dac_16khz" in w.value for w in at.warning)
        assert "still works" in text
        at.button(key="codec_download").click().run()  # offline in tests: a one-line reason, no traceback
        assert not at.exception
        assert [e.value for e in at.error if e.value.startswith("Could not download the DAC 16khz weights")]
        assert len(at.dataframe) == 1  # the three official configurations


def test_slider_and_model_change_the_arithmetic():
    at = page_app(PAGE).run()
    at.slider(key="codec_k_16khz").set_value(3).run()
    assert metric(at, "Bitrate") == "1.50 kbps"
    assert metric(at, "Bits per frame") == "30"
    at.selectbox(key="codec_model").set_value("44khz").run()
    assert not errors(at)
    # A new model starts with all its codebooks: 86.13 Hz x 9 x 10 bits.
    assert metric(at, "Bitrate") == "7.75 kbps"
    at.slider(key="codec_k_44khz").set_value(3).run()
    assert metric(at, "Bitrate") == "2.58 kbps"
    at.slider(key="codec_k_44khz").set_value(9).run()
    assert metric(at, "vs 16-bit PCM") == "91×"
    at.selectbox(key="codec_model").set_value("24khz").run()
    assert metric(at, "Bitrate") == "24.00 kbps"
    at.slider(key="codec_k_24khz").set_value(32).run()
    # Back to 16 kHz: each model keeps its own codebook count.
    at.selectbox(key="codec_model").set_value("16khz").run()
    assert not errors(at)
    assert at.slider(key="codec_k_16khz").value == 3
    assert metric(at, "Bitrate") == "1.50 kbps"


def test_classic_codec_tab():
    at = page_app(PAGE)
    at.session_state["codec_tab"] = "Classic codecs"
    at.run()
    assert not errors(at), errors(at)
    assert "Effective bitrate" in shown_text(at)
    low = float(metric(at, "SI-SDR").split()[0])
    at.select_slider(key="codec_classic_kbps").set_value(64).run()
    assert not errors(at)
    assert float(metric(at, "SI-SDR").split()[0]) > low
    at.selectbox(key="codec_classic").set_value("mulaw8").run()
    assert not errors(at)
    assert "8.0 kbps" in shown_text(at) or "64.0 kbps" in shown_text(at)


def test_kmeans_rvq_tab_more_stages_better():
    at = page_app(PAGE)
    at.session_state["codec_tab"] = "k-means RVQ (no weights)"
    at.run()
    assert not errors(at), errors(at)
    assert metric(at, "RVQ bitrate") == "32.0 kbps"  # 4 stages x 8 bits / 16 dims x 16 kHz
    e4 = float(metric(at, "Residual energy").split()[0])
    at.slider(key="codec_rvq_stages").set_value(8).run()
    assert float(metric(at, "Residual energy").split()[0]) < e4 - 6


def test_curve_tab_button_and_reference_table():
    at = page_app(PAGE, timeout=300)
    at.session_state["codec_tab"] = "Bitrate vs quality"
    at.run()
    assert not errors(at)
    assert len(at.dataframe) >= 1  # the paper's table is always there
    at.button(key="codec_curve_go").click().run()
    assert not errors(at), errors(at)
    ours = at.dataframe[-1].value
    assert {"opus", "mp3", "aac", "mulaw8", "k-means RVQ"} <= set(ours["codec"])


def test_dac_path_with_tiny_random_model(monkeypatch):
    monkeypatch.setenv("AVE_CODEC_RANDOM_DAC", "tiny")
    import importlib

    from lib import codec

    # The bf16 switch is disabled on CPUs without AVX512-BF16 (a user cannot flip it there); torch's autocast
    # still runs on them, so the test enables the switch to cover that path on any machine.
    monkeypatch.setattr(codec, "bf16_supported", lambda: True)
    at = page_app(PAGE, timeout=300)
    at.run()
    assert not errors(at), errors(at)
    at.button(key="codec_encode").click().run()
    assert not errors(at), errors(at)
    assert "Random weights" in at.warning[0].value
    assert any("codebooks ×" in c.value for c in at.caption)
    # Streamed: the first second was played on its own first; the caption reports both times.
    assert any("Streamed: first 1.0 s heard after" in c.value and "the whole clip after" in c.value
               for c in at.caption), [c.value for c in at.caption]
    at.slider(key="codec_k_16khz").set_value(2).run()
    assert not errors(at)
    assert at.get("download_button")
    assert metric(at, "Bitrate") == "1.00 kbps"
    at.toggle(key="codec_bf16").set_value(True).run()
    assert not errors(at), errors(at)
    # The k-means RVQ tab now overlays the DAC latent's residual energy.
    at.session_state["codec_tab"] = "k-means RVQ (no weights)"
    at.run()
    assert not errors(at), errors(at)
    del importlib
