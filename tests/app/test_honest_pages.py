"""Honest numbers in the pages (issue 14, item 4): odd input gets words, not plausible-looking numbers."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf

from tests.app.helpers import errors, page_app, shown_text

SR = 16000


def wav(y: np.ndarray, sr: int = SR) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, np.asarray(y, np.float32), sr, format="WAV", subtype="FLOAT")
    return buf.getvalue()


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def room_measured(data: bytes, name: str):
    at = page_app("app_pages/room.py")
    at.query_params["room_tab"] = "Measured IR"
    at.run()
    at.file_uploader(key="room_ir_upload").set_value((name, data, "audio/wav")).run()
    return at


def four_channel_ir() -> np.ndarray:
    """Channel 1 a clean 0.7 s decay; channels 2-4 the same room heard later (other microphones)."""
    rng = np.random.default_rng(0)
    n = SR
    t = np.arange(n) / SR
    chans = []
    for k, delay_ms in enumerate((2, 9, 17, 31)):
        d = int(delay_ms * SR / 1000)
        h = np.zeros(n)
        h[d:] = rng.standard_normal(n - d) * 10 ** (-3 * t[: n - d] / 0.7)
        h[d] = 3.0
        chans.append(0.2 * h + 1e-5 * rng.standard_normal(n))
    return np.stack(chans, axis=1)


def test_measured_multichannel_ir_offers_a_channel_and_says_what_was_done():
    at = room_measured(wav(four_channel_ir()), "church-4ch.wav")
    assert not errors(at)
    assert at.selectbox(key="room_meas_channel").value == 0  # one microphone by default, not their mean
    text = shown_text(at)
    assert "Channel 1 of 4" in text
    assert "Looks like an impulse response" in text
    t20 = float(metrics(at)["T20"].split()[0])
    assert t20 == pytest.approx(0.7, abs=0.12)
    at.selectbox(key="room_meas_channel").set_value(-1).run()
    assert any("averaged" in w.value for w in at.warning)
    # the simulated room's numbers are not shown beside a measured response
    assert "Sabine RT60" not in metrics(at)


def test_speech_uploaded_as_an_ir_is_called_out_and_not_measured():
    rng = np.random.default_rng(2)
    t = np.arange(SR // 10) / SR  # a 0.1 s cut of a voiced sound: the review's "EDT 0.90 s"
    y = 0.3 * np.sin(2 * np.pi * 150 * t) * (1 + 0.5 * np.sin(2 * np.pi * 7 * t)) + 0.01 * rng.standard_normal(len(t))
    at = room_measured(wav(y), "speech-cut.wav")
    assert not errors(at)
    assert any("does not look like an impulse response" in w.value for w in at.warning)
    assert "EDT" not in metrics(at)
    at.toggle(key="room_meas_anyway").set_value(True).run()
    assert "EDT" in metrics(at)


def test_image_order_zero_shows_na_with_the_reason():
    at = page_app("app_pages/room.py")
    for k, v in {"room_tab": "Decay", "room_hybrid": "false", "room_auto_order": "false", "room_order": "0"}.items():
        at.query_params[k] = v
    at.run()
    m = metrics(at)
    assert all(m[k] == "n/a" for k in ("EDT", "T20", "T30", "DRR", "C50", "C80")), m
    assert any("direct sound alone" in i.value for i in at.info)


def test_a_silent_spectrum_segment_says_it_is_silent():
    y = np.concatenate([np.zeros(SR), 0.5 * np.sin(2 * np.pi * 440 * np.arange(SR) / SR)])
    at = page_app("app_pages/spectrum.py").run()
    at.radio(key="sp_source").set_value("Upload a file").run()
    at.file_uploader(key="sp_upload").set_value(("half-silent.wav", wav(y), "audio/wav")).run()
    at.slider(key="sp_start").set_value(0.2).run()
    assert metrics(at)["Peak (Hz)"] == "n/a"
    assert any("silent" in i.value for i in at.info)
    at.slider(key="sp_start").set_value(1.2).run()
    assert float(metrics(at)["Peak (Hz)"]) == pytest.approx(440, abs=2)


def test_an_undecodable_upload_names_the_file_and_no_internals():
    at = page_app("app_pages/spectrogram.py").run()
    at.radio(key="sg_source").set_value("Upload a file").run()
    at.file_uploader(key="sg_upload").set_value(("my_song.wav", b"RIFF\x00\x00\x00\x00WAVEfmt junk" * 30,
                                                  "audio/wav")).run()
    msgs = [e.value for e in at.error]
    # the user's name, as literal Markdown (a code span: no link, image or math can come from a name)
    assert msgs and msgs[0].startswith("**`my_song.wav`**:"), msgs
    assert not any(x in msgs[0] for x in ("object at 0x", "Errno", "<none>", "/tmp/")), msgs
