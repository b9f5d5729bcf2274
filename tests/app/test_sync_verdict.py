"""AppTest of the lip-sync page's verdict: in sync, out of sync, cannot tell, and the fix only when it can tell."""

from __future__ import annotations

import pytest

from lib.video import write_av
from tests.app.helpers import errors, page_app, shown_text
from tests.conftest import data_file
from tests.lib import sync_synth as synth

PAGE = "app_pages/sync.py"


def _metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _upload(name: str, data: bytes):
    at = page_app(PAGE).run()
    at.radio(key="sync_source").set_value("Upload a video").run()
    at.file_uploader(key="sync_upload").set_value((name, data, "video/mp4")).run()
    assert not errors(at)
    return at


def _has_fix_button(at) -> bool:
    return any(b.key == "sync_apply" for b in at.button)


def test_out_of_sync_offers_the_fix_with_its_uncertainty():
    at = page_app(PAGE).run()  # the built-in sample: audio leads by 4 frames
    assert _metric(at, "Offset") == "+4 frames"
    assert _metric(at, "Uncertainty").startswith("±")
    assert at.warning and "160 ms early" in at.warning[0].value
    assert _has_fix_button(at)


def test_no_speech_says_cannot_tell_and_offers_no_fix(tmp_path):
    frames, audio = synth.silent_clip(seed=2)
    at = _upload("quiet.mp4", write_av(tmp_path / "q.mp4", frames, audio).read_bytes())
    assert any("Cannot tell from this clip" in i.value and "Too little speech" in i.value for i in at.info)
    assert not _has_fix_button(at)
    assert "No fix offered" in shown_text(at)


@pytest.mark.data
def test_an_in_sync_real_clip_says_in_sync_and_offers_no_fix():
    at = _upload("grid_bbaf2n.mpg", data_file("grid_bbaf2n.mpg").read_bytes())
    assert at.success and at.success[0].value.startswith("**In sync**")
    assert not _has_fix_button(at)
    assert "Nothing to fix" in shown_text(at)
