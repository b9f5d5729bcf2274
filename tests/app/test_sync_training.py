"""AppTest of "How SyncNet learns": the untrained view, a short live training, the unseen-clip test, uploads."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")

from lib.talking_face import load_utterance, talking_face  # noqa: E402
from lib.video import SR, write_av  # noqa: E402
from tests.app.helpers import errors, page_app, shown_text  # noqa: E402

PAGE = "app_pages/sync_training.py"


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label))


def test_untrained_view_then_a_short_training():
    at = page_app(PAGE).run()
    assert not errors(at)
    assert metric(at, "Human labels needed") == "0"
    assert int(metric(at, "Pairs per epoch")) == 2 * int(metric(at, "5-frame windows")) > 400
    assert metric(at, "Training clips") == "7"
    assert "Nothing trained yet" in shown_text(at)
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    assert any("One self-supervised example" in t for t in titles) and any("Contrastive loss" in t for t in titles)

    at.slider(key="train_epochs").set_value(2).run()
    at.button(key="train_run").click().run()
    assert not errors(at)
    assert at.slider(key="train_show_epoch").value == 2
    after, gap1 = float(metric(at, "Loss (epoch 2)")), float(metric(at, "Gap (epoch 2)"))
    at.slider(key="train_show_epoch").set_value(0).run()
    before, gap0 = float(metric(at, "Loss (epoch 0)")), float(metric(at, "Gap (epoch 0)"))
    assert after < before and gap1 > gap0
    est = int(metric(at, "Estimated offset").split()[0])
    assert -12 <= est <= 12
    # Another shift of the test clip: the figure's truth line follows, no retraining.
    at.slider(key="train_test_shift").set_value(-4).run()
    assert not errors(at)
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    assert any("truth -4" in t for t in titles)
    assert "Trained — showing the result" in [b.label for b in at.button]


def test_upload_too_short_and_missing(tmp_path):
    at = page_app(PAGE).run()
    at.radio(key="train_source").set_value("upload").run()
    assert not errors(at) and "first 70 %" in shown_text(at)
    audio, phonemes = load_utterance("bin_blue")
    frames, a = talking_face(audio[: int(2.0 * SR)], 0, phonemes=phonemes)
    data = write_av(tmp_path / "short.mp4", frames, a).read_bytes()
    at.file_uploader(key="train_upload").set_value(("short [x](http://e.org).mp4", data, "video/mp4")).run()
    assert not at.exception
    assert len(at.error) == 1 and "at least 3 s are needed" in at.error[0].value
