"""AppTest of the spectral-analysis pages: widgets move, numbers are right, bad input is explained."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf

from tests.app.helpers import errors, page_app, run_page, shown_text

PAGES = ["app_pages/time_domain.py", "app_pages/spectrum.py", "app_pages/spectrogram.py"]
PREFIX = {"app_pages/time_domain.py": "td", "app_pages/spectrum.py": "sp", "app_pages/spectrogram.py": "sg"}


def metric(at, label_start: str) -> str:
    for m in at.metric:
        if m.label.startswith(label_start):
            return m.value
    raise AssertionError(f"no metric {label_start!r} in {[m.label for m in at.metric]}")


def wav_bytes(y, sr=16000):
    buf = io.BytesIO()
    sf.write(buf, y, sr, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def upload(at, key_prefix, name, data):
    at.radio(key=f"{key_prefix}_source").set_value("Upload a file").run()
    at.file_uploader(key=f"{key_prefix}_upload").set_value((name, data, "audio/wav")).run()
    return at


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("name,data,message", [
    ("corrupt.wav", b"RIFF\x00\x00\x00\x00WAVEfmt garbage" * 20, "decode"),
    ("empty.wav", b"", "empty"),
    ("silence.wav", None, "silent"),
])
def test_bad_uploads_get_a_clear_error(path, name, data, message):
    if data is None:
        data = wav_bytes(np.zeros(16000, np.float32))
    at = page_app(path)
    if path == "app_pages/spectrogram.py":
        at.run()
    at = upload(at.run() if path != "app_pages/spectrogram.py" else at, PREFIX[path], name, data)
    assert not at.exception
    assert any(message in e.value for e in at.error), [e.value for e in at.error]


@pytest.mark.parametrize("path", PAGES)
def test_zero_length_microphone_recording(path):
    at = page_app(path).run()
    p = PREFIX[path]
    at.radio(key=f"{p}_source").set_value("Record with the microphone").run()
    assert not at.exception and any("make a recording" in i.value for i in at.info)
    at.audio_input(key=f"{p}_mic").set_value(("rec.wav", wav_bytes(np.zeros(0, np.float32)), "audio/wav")).run()
    assert not at.exception
    assert any("no samples" in e.value for e in at.error)


def test_time_domain_widgets_and_numbers():
    at = page_app("app_pages/time_domain.py").run()
    assert not errors(at)
    at.selectbox(key="sample").set_value("Sine 440 Hz").run()
    # 2 s sine at 22050 Hz, frame 1024 hop 512 -> 1 + 44100 // 512 frames; RMS 0.5/sqrt2 = -9.0 dBFS.
    assert metric(at, "Frames") == str(1 + 44100 // 512)
    assert float(metric(at, "RMS (dBFS)")) == pytest.approx(20 * np.log10(0.5 / np.sqrt(2)), abs=0.1)
    assert float(metric(at, "Median ZCR")) == pytest.approx(2 * 440 / 22050, abs=0.002)
    at.select_slider(key="td_frame").set_value(2048).run()
    at.select_slider(key="td_hop").set_value(256).run()
    assert metric(at, "Frames") == str(1 + 44100 // 256)
    at.slider(key="td_k").set_value(10).run()
    at.toggle(key="td_grid").set_value(True).run()
    at.slider(key="td_zcr_thr").set_value(0.3).run()
    assert not errors(at)
    # Hop never exceeds the frame: shrinking the frame clamps the hop.
    at.select_slider(key="td_frame").set_value(128).run()
    assert at.select_slider(key="td_hop").value <= 128
    assert not errors(at)


def test_spectrum_reads_the_sine_frequency_and_resolution():
    at = page_app("app_pages/spectrum.py").run()
    at.selectbox(key="sample").set_value("Sine 440 Hz").run()
    assert float(metric(at, "Peak (Hz)")) == pytest.approx(440, abs=1.0)
    assert float(metric(at, "Peak amplitude")) == pytest.approx(0.5, abs=0.01)
    assert float(metric(at, "sr/N")) == pytest.approx(22050 / 2205, abs=0.01)
    for window in ("rect", "hamming", "blackman", "kaiser"):
        at.selectbox(key="sp_window").set_value(window).run()
        assert float(metric(at, "Peak (Hz)")) == pytest.approx(440, abs=1.5), window
    at.select_slider(key="sp_len").set_value(1000).run()
    at.select_slider(key="sp_pad").set_value(1).run()
    assert float(metric(at, "sr/N")) == pytest.approx(1.0, abs=0.01)
    at.toggle(key="sp_logx").set_value(False).run()
    at.toggle(key="sp_db").set_value(False).run()
    assert not errors(at)


def test_leakage_lab_on_and_off_bin():
    at = page_app("app_pages/spectrum.py")
    at.query_params["sp_tab"] = "Leakage lab"  # only the open tab runs
    at.run()
    at.selectbox(key="lk_window").set_value("rect").run()
    at.slider(key="lk_k").set_value(8.0).run()
    assert metric(at, "Energy beyond") == "0.0 %"
    at.slider(key="lk_k").set_value(8.5).run()
    assert float(metric(at, "Energy beyond").rstrip(" %")) > 5
    at.selectbox(key="lk_window").set_value("hann").run()
    assert float(metric(at, "Energy beyond").rstrip(" %")) < 1
    assert not errors(at)


def test_spectrogram_controls_and_readout():
    at = run_page("app_pages/spectrogram.py")
    assert not errors(at)
    at.select_slider(key="sg_nfft").set_value(4096).run()
    assert float(metric(at, "Δf")) == pytest.approx(22050 / 4096, abs=0.05)
    at.select_slider(key="sg_nfft").set_value(256).run()
    assert at.select_slider(key="sg_win").value <= 256
    assert metric(at, "Bins") == "129"
    for scale in ("log", "mel"):
        at.radio(key="sg_scale").set_value(scale).run()
        assert not errors(at)
    at.radio(key="sg_htk").set_value("HTK (torchaudio)").run()
    at.slider(key="sg_nmels").set_value(40).run()
    assert not errors(at)
    # An impossible mel range is explained, not a traceback.
    at.number_input(key="sg_fmin").set_value(5000.0).run()
    at.number_input(key="sg_fmax").set_value(3000.0).run()
    assert not at.exception
    assert any("fmin" in e.value for e in at.error)


def test_spectrogram_synthetic_signals():
    at = run_page("app_pages/spectrogram.py")
    at.radio(key="sg_kind").set_value("Synthetic test signal").run()
    for name in at.selectbox(key="sg_synth").options:
        at.selectbox(key="sg_synth").set_value(name).run()
        assert not errors(at), name


def test_empty_mel_bands_get_a_warning():
    """n_fft 256 at 22.05 kHz puts bins 86 Hz apart: the lowest of 128 mel triangles hold no bin."""
    from lib import spectral

    at = page_app("app_pages/spectrogram.py").run()
    at.radio(key="sg_scale").set_value("mel").run()
    assert not any("empty" in w.value for w in at.warning)
    at.select_slider(key="sg_nfft").set_value(256).run()
    assert not errors(at)
    sr = 22050
    fb = spectral.mel_filterbank(sr, 256, n_mels=128)
    expected = int(np.sum(fb.max(axis=1) <= 0))
    assert expected > 0
    assert any(f"{expected} of the 128 mel bands are empty" in w.value for w in at.warning), [w.value for w in at.warning]
