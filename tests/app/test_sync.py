"""AppTest of the lip-sync page: the built-in sample, the lag slider, the fix, SyncNet fallback, bad uploads."""

from __future__ import annotations

import av
import numpy as np
import pytest

from lib.audio import load_audio
from lib.talking_face import UTTERANCES, read_phonemes, talking_face
from lib.video import SR, _encode_audio, write_av
from tests.app.helpers import errors, page_app, shown_text
from tests.conftest import ROOT

#: When espeak-ng spoke each phoneme of the built-in sentence: what moves the drawn mouth.
PHONEMES = read_phonemes(UTTERANCES["speech_fricatives"][1])

PAGE = "app_pages/sync.py"
UPLOAD = "Upload a video"


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label))


@pytest.fixture(scope="module")
def app():
    at = page_app(PAGE).run()
    assert not errors(at)
    return at


@pytest.fixture(scope="module")
def speech():
    return load_audio(ROOT / "samples" / "speech_fricatives.flac", sr=SR).samples


def test_defaults_show_the_built_in_offset(app):
    assert metric(app, "Offset") == "+4 frames"
    assert metric(app, "Offset in time") == "+160 ms"
    assert float(metric(app, "Confidence")) > 0.2
    text = shown_text(app)
    assert "160 ms early" in text and "outside the ITU-R BT.1359" in text
    assert len(app.get("plotly_chart")) >= 3
    assert len(app.get("imgs")) >= 1 or len(app.get("image")) >= 1


def test_lag_slider_changes_the_correlation(app):
    best = float(metric(app, "Best correlation"))
    assert float(metric(app, "Correlation at this lag")) == pytest.approx(best)
    app.slider(key="sync_lag").set_value(0).run()
    assert not errors(app)
    at0 = float(metric(app, "Correlation at this lag"))
    assert at0 == pytest.approx(float(metric(app, "Correlation as the file is")))
    assert at0 < best - 0.1


def test_apply_estimated_offset_fixes_the_file(app):
    app.button(key="sync_apply").click().run()
    assert not errors(app)
    assert app.slider(key="sync_shift").value == -4
    text = shown_text(app)
    assert "Expected offset after the shift: +0 frames" in text
    # The shifted file is re-encoded (AAC again): the estimate may move by one frame, no more.
    import re

    measured = int(re.search(r"measured on the new file: \*\*([+-]\d+) frames", text).group(1))
    assert abs(measured) <= 1
    assert len(app.get("video")) == 2


def test_syncnet_without_weights_explains_and_keeps_energy(app):
    app.radio(key="sync_method").set_value("syncnet").run()
    assert not app.exception
    if app.warning:  # no weights on this machine: the manual steps, and the energy result stays
        assert "SyncNet" in app.warning[0].value
        assert metric(app, "Offset") == "+4 frames"
    app.radio(key="sync_method").set_value("energy").run()


def _upload(at, name: str, data: bytes):
    at.run()
    at.radio(key="sync_source").set_value(UPLOAD).run()
    at.file_uploader(key="sync_upload").set_value((name, data, "video/mp4")).run()
    return at


def _only_an_error(at, pattern: str):
    assert not at.exception
    assert len(at.error) == 1, [e.value for e in at.error]
    assert pattern.lower() in at.error[0].value.lower()
    assert not at.metric  # nothing else: no numbers from a file we could not use


def test_upload_a_good_variable_frame_rate_video(tmp_path, speech):
    frames, audio = talking_face(speech[: int(4.0 * SR)], -3, phonemes=PHONEMES)
    keep = [i for i in range(len(frames)) if i % 3 != 1]
    path = write_av(tmp_path / "vfr.mp4", frames[keep], audio, frame_times_s=np.array(keep) / 25)
    at = _upload(page_app(PAGE), "phone_clip.mp4", path.read_bytes())
    assert not errors(at)
    assert metric(at, "Offset") in ("-4 frames", "-3 frames", "-2 frames")
    assert "Variable frame rate" in shown_text(at)


def test_upload_without_audio(tmp_path, speech):
    frames, _ = talking_face(speech[: 2 * SR], 0, phonemes=PHONEMES)
    at = _upload(page_app(PAGE), "mute.mp4", write_av(tmp_path / "m.mp4", frames, None).read_bytes())
    _only_an_error(at, "no audio track")


def test_upload_without_video(tmp_path, speech):
    path = tmp_path / "voice.m4a"
    with av.open(str(path), "w", format="mp4") as out:
        ast = out.add_stream("aac", rate=SR)
        ast.layout = "mono"
        _encode_audio(out, ast, speech[: 2 * SR], SR)
    at = _upload(page_app(PAGE), "voice.mp4", path.read_bytes())
    _only_an_error(at, "no video track")


def test_upload_without_a_face(tmp_path, speech):
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 255, (50, 120, 160, 3), dtype=np.uint8)
    at = _upload(page_app(PAGE), "noise.mp4", write_av(tmp_path / "n.mp4", frames, speech[: 2 * SR]).read_bytes())
    _only_an_error(at, "no face found")


def test_upload_under_one_second(tmp_path, speech):
    frames, audio = talking_face(speech[: int(0.6 * SR)], 0, phonemes=PHONEMES)
    at = _upload(page_app(PAGE), "short.mp4", write_av(tmp_path / "s.mp4", frames, audio).read_bytes())
    _only_an_error(at, "at least 1 s")


def test_upload_unreadable(tmp_path):
    at = _upload(page_app(PAGE), "broken.mp4", b"this is not a video " * 200)
    _only_an_error(at, "could not read")


def test_syncnet_path_with_a_weights_file(tmp_path, monkeypatch, speech):
    """With a (random-weight) syncnet_v2.model in $AVE_WEIGHTS_DIR, the page runs SyncNet and shows its numbers."""
    torch = pytest.importorskip("torch")
    syncnet = pytest.importorskip("lib.syncnet")
    import streamlit as st

    torch.save(syncnet.build_syncnet(seed=0).state_dict(), tmp_path / "syncnet_v2.model")
    monkeypatch.setenv("AVE_WEIGHTS_DIR", str(tmp_path))
    st.cache_resource.clear()
    try:
        frames, audio = talking_face(speech[: int(1.6 * SR)], 0, phonemes=PHONEMES)
        at = _upload(page_app(PAGE), "short_face.mp4", write_av(tmp_path / "f.mp4", frames, audio).read_bytes())
        at.radio(key="sync_method").set_value("syncnet").run()
        assert not errors(at) and not at.warning
        assert any(m.label.startswith("Min distance (LSE-D)") for m in at.metric)
        assert "SyncNet: mean embedding distance" in str(at.get("plotly_chart")[0].proto.spec)
    finally:
        st.cache_resource.clear()
