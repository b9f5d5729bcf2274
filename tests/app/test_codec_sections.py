"""AppTest of the codec page's tokens, quantiser-step and bits tabs (weight-free paths, and the DAC paths
with the tests' tiny random-weight model: the same code as the real checkpoint)."""

from __future__ import annotations

import pytest

from tests.app.helpers import errors, metric, page_app, shown_text

PAGE = "app_pages/codec.py"


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.delenv("AVE_CODEC_RANDOM_DAC", raising=False)


def on_tab(tab: str, **state):
    at = page_app(PAGE, timeout=240)
    at.session_state["codec_tab"] = tab
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def test_tokens_tab_numbers_and_patterns():
    at = on_tab("Tokens")
    assert not errors(at), errors(at)
    assert metric(at, "Tokens per second") == "600"  # 50 frames/s x 12 codebooks
    assert metric(at, "Bits per token") == "10"
    assert metric(at, "Flat vocabulary") == "10^36.1"  # 1024^12 = 2^120 symbols
    steps = {r["order"]: r["steps for this clip"] for _, r in at.dataframe[0].value.iterrows()}
    frames = int(metric(at, "This clip").split()[0].replace(",", "")) // 12
    assert steps == {"parallel": frames, "flatten": 12 * frames, "delay": frames + 11, "vall-e": frames + 11}
    at.segmented_control(key="codec_pattern").set_value("vall-e").run()
    assert not errors(at)
    at.selectbox(key="codec_model").set_value("44khz").run()
    assert metric(at, "Tokens per second") == "775"


def test_bits_tab_closed_forms():
    at = on_tab("The arithmetic of bits")
    assert not errors(at), errors(at)
    assert metric(at, "PCM bitrate") == "1,411.2 kbps"  # CD: 44100 x 16 x 2
    assert metric(at, "Per minute") == "10.58 MB"
    assert metric(at, "Bits per MP3 frame") == "3,344"  # 128 kbps x 1152 / 44100
    assert metric(at, "Samples per MP3 frame") == "1152"
    at.segmented_control(key="codec_pcm_bits").set_value(24).run()
    assert metric(at, "Dynamic range") == "144.5 dB"
    snr8 = float(metric(at, "SNR at 8 bits (measured)").split()[0])
    theory8 = float(metric(at, "Theory for this clip").split()[0])
    assert abs(snr8 - theory8) < 3
    at.segmented_control(key="codec_qbits").set_value(4).run()
    assert not errors(at)
    assert float(metric(at, "SNR at 4 bits (measured)").split()[0]) < snr8 - 18  # ~6 dB per bit
    flac_ratio = float(next(m.delta for m in at.metric if m.label == "FLAC (measured)").split("×")[0])
    assert 1.0 < flac_ratio < 10


def test_quantiser_step_on_the_kmeans_rvq_and_the_swap():
    at = on_tab("One quantiser step")
    assert not errors(at), errors(at)
    assert at.segmented_control(key="codec_step_quantiser").value == "k-means RVQ"
    assert metric(at, "Chosen entry").startswith("#")
    at.slider(key="codec_step_stage").set_value(4).run()
    assert not errors(at)
    assert "stage 4" in " ".join(str(c.proto) for c in at.get("plotly_chart"))
    at.button(key="codec_swap_go").click().run()
    assert not errors(at), errors(at)
    assert "closer to the noisy take" in shown_text(at)


def test_dac_paths_with_the_tiny_random_model(monkeypatch):
    monkeypatch.setenv("AVE_CODEC_RANDOM_DAC", "tiny")
    at = on_tab("Tokens")
    at.button(key="codec_tokens_encode").click().run()
    assert not errors(at), errors(at)
    frames = at.get("iframe")
    assert frames and "tg-grid" in str(frames[0].proto), "the token grid is drawn"
    assert any("Random weights" in w.value for w in at.warning)
    at = on_tab("One quantiser step", codec_step_quantiser="DAC")
    at.button(key="codec_step_encode").click().run()
    assert at.segmented_control(key="codec_step_quantiser").value == "DAC"
    assert not errors(at), errors(at)
    assert float(metric(at, "Cosine to it")) <= 1.0
    at.slider(key="codec_step_stage").set_value(12).run()
    assert not errors(at), errors(at)
    assert metric(at, "Vector in").startswith("|r| = ")
