"""AppTest of the lip-sync page: the built-in sample, the lag slider, the fix, SyncNet fallback, bad uploads."""

from __future__ import annotations

import json
import os
import re
import stat

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
SOURCE_SAMPLE = "Built-in sample (a drawn face; audio leads by 4 frames)"


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
    assert metric(app, "Promised offset after the shift") == "+0 frames"
    # The sound really moved by 4 frames (160 ms) later: the two soundtracks compared directly.
    assert float(metric(app, "Sound moved by").split()[0]) == pytest.approx(-4.0, abs=0.02)
    # The shifted copy is encoded once more (AAC): the estimate may move by one frame, no more.
    assert abs(int(metric(app, "Re-measured on the new file").split()[0])) <= 1
    # Silence fills the gap, so the copy lasts as long as the original (AAC rounds up to 64 ms).
    new_s, old_s = map(float, re.search(r"lasts ([\d.]+) s like the original \(([\d.]+) s\)", shown_text(app)).groups())
    assert old_s == pytest.approx(5.48, abs=0.01) and abs(new_s - old_s) <= 0.065
    assert len(app.get("video")) == 2


def test_syncnet_without_weights_explains_and_keeps_energy(app):
    from lib.syncnet import default_weights_path

    app.radio(key="sync_method").set_value("syncnet").run()
    assert not app.exception
    if not default_weights_path().is_file():  # no weights: the manual steps, and the energy result stays
        assert app.warning and "SyncNet" in app.warning[0].value
        assert metric(app, "Offset") == "+4 frames"
    else:  # weights present: SyncNet's own distance is shown, and no missing-weights warning
        assert not any("SyncNet" in w.value and "weights" in w.value for w in app.warning)
        assert any(m.label.startswith("Min distance (LSE-D)") for m in app.metric)
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


# ----------------------------------------------------------------------------- state that must not lie
def shown_slider_value(at, key: str) -> int:
    """What the browser shows for a slider that was just (re)mounted: the value the server sent
    with it if it sent one (``set_value``), else the slider's default."""
    proto = at.slider(key=key).proto
    return int(proto.value[0] if proto.set_value else proto.default[0])


def aligned_title_lag(at) -> int:
    """The lag the "Lips and voice" figure was drawn with (its title says it)."""
    for chart in at.get("plotly_chart"):
        title = json.loads(chart.proto.spec)["layout"].get("title", {}).get("text", "")
        m = re.search(r"audio moved by ([+-]\d+) frames", title)
        if m:
            return int(m.group(1))
    raise AssertionError("no aligned-signals figure")


def test_a_new_upload_starts_the_lag_from_its_own_estimate(tmp_path, speech):
    """Issue 14: after a new upload "Lag to test" showed -5 (the new default) while the figure and the
    metrics used +4 (the built-in sample's value kept in session state)."""
    frames, audio = talking_face(speech[: int(4.0 * SR)], -5, phonemes=PHONEMES)
    at = page_app(PAGE).run()
    assert shown_slider_value(at, "sync_lag") == at.slider(key="sync_lag").value == aligned_title_lag(at) == 4
    at.slider(key="sync_lag").set_value(7).run()  # the user looks at another lag on the sample first
    assert aligned_title_lag(at) == 7
    _upload(at, "minus5.mp4", write_av(tmp_path / "m5.mp4", frames, audio).read_bytes())
    assert not errors(at)
    estimate = int(metric(at, "Offset").split()[0])
    used = aligned_title_lag(at)
    assert shown_slider_value(at, "sync_lag") == at.slider(key="sync_lag").value == used == estimate
    best = float(metric(at, "Best correlation"))
    assert float(metric(at, "Correlation at this lag")) == pytest.approx(best)  # the metric uses that lag too
    assert at.slider(key="sync_shift").value == 0
    # Back to the sample: its own estimate again.
    at.radio(key="sync_source").set_value(SOURCE_SAMPLE).run()
    assert shown_slider_value(at, "sync_lag") == at.slider(key="sync_lag").value == aligned_title_lag(at) == 4


def write_mpeg1_face(path, frames, audio_16k):
    """A talking face as MPEG-1 video + MP2 audio in an MPEG program stream (the GRID corpus's format)."""
    from fractions import Fraction

    with av.open(str(path), "w", format="mpeg") as out:
        vs = out.add_stream("mpeg1video", rate=25)
        vs.width, vs.height, vs.pix_fmt = frames.shape[2], frames.shape[1], "yuv420p"
        vs.bit_rate = 1_000_000
        ast = out.add_stream("mp2", rate=SR)
        ast.layout = "mono"
        for i, f in enumerate(frames):
            vf = av.VideoFrame.from_ndarray(f, format="rgb24")
            vf.pts, vf.time_base = i, Fraction(1, 25)
            for p in vs.encode(vf):
                out.mux(p)
        for p in vs.encode(None):
            out.mux(p)
        pcm = (np.clip(audio_16k, -1, 1) * 32767).astype(np.int16)
        for start in range(0, len(pcm), 1152):
            af = av.AudioFrame.from_ndarray(pcm[None, start:start + 1152].copy(), format="s16", layout="mono")
            af.sample_rate, af.pts, af.time_base = SR, start, Fraction(1, SR)
            for p in ast.encode(af):
                out.mux(p)
        for p in ast.encode(None):
            out.mux(p)
    return path


def test_an_mpeg1_upload_is_shown_as_mp4_and_analysed_as_is(tmp_path, speech):
    frames, audio = talking_face(speech[: int(3.0 * SR)], 2, phonemes=PHONEMES)
    at = _upload(page_app(PAGE), "clip.mpg", write_mpeg1_face(tmp_path / "clip.mpg", frames, audio).read_bytes())
    assert not errors(at)
    text = shown_text(at)
    assert "Browsers do not play this file's mpeg1video + mp2 in a mpeg container" in text
    assert "every measurement uses the original file" in text
    assert metric(at, "Offset") in ("+1 frames", "+2 frames", "+3 frames")
    # An MP4 upload plays as it is: no note.
    at2 = _upload(page_app(PAGE), "clip.mp4", write_av(tmp_path / "c.mp4", frames, audio).read_bytes())
    assert "Browsers do not play" not in shown_text(at2)


def test_uploads_are_kept_in_a_private_per_session_folder(tmp_path, speech):
    """Issue 15: uploads sat in a shared, world-readable temp folder at predictable names."""
    from components.session_files import STATE_KEY

    frames, audio = talking_face(speech[: int(2.0 * SR)], 0, phonemes=PHONEMES)
    data = write_av(tmp_path / "p.mp4", frames, audio).read_bytes()
    at1 = _upload(page_app(PAGE), "private.mp4", data)
    at2 = _upload(page_app(PAGE), "private.mp4", data)
    assert not errors(at1) and not errors(at2)
    f1, f2 = at1.session_state[STATE_KEY], at2.session_state[STATE_KEY]
    assert f1.path != f2.path  # one folder per session, with unpredictable names
    for folder in (f1, f2):
        assert stat.S_IMODE(os.stat(folder.path).st_mode) == 0o700
        files = list(folder.path.iterdir())
        assert len(files) == 1 and stat.S_IMODE(os.stat(files[0]).st_mode) == 0o600
    f1.cleanup()  # what happens when the session ends (see tests/lib/test_session_files.py)
    assert not f1.path.exists() and f2.path.exists()
