"""AppTest of the MFCC page: every view, the numbers, resynthesis and SyncNet's window."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf

from tests.app.helpers import errors, page_app
from tests.app.helpers import metric_starting as metric

PAGE = "app_pages/mfcc.py"


@pytest.fixture(scope="module")
def at():
    app = page_app(PAGE).run()
    assert not errors(app)
    return app


def test_pipeline_numbers(at):
    at.radio(key="mf_view").set_value("Log-mel → DCT → MFCC").run()
    # speech_fricatives: 5.49 s at 22050 Hz, hop 512 -> 1 + 121155 // 512 frames.
    assert metric(at, "Frames × coefficients") == "237 × 13"
    assert float(metric(at, "corr(c0")) > 0.999  # c0 is the mean level, exactly (up to the top_db floor)
    assert abs(float(metric(at, "corr(c1"))) > 0.9  # c1 tracks the spectral tilt
    at.select_slider(key="mf_nmels").set_value(26).run()
    at.slider(key="mf_nmfcc_26").set_value(20).run()
    assert metric(at, "Frames × coefficients") == "237 × 20"
    assert not errors(at)


def test_reconstruction_error_falls_with_k(at):
    at.select_slider(key="mf_nmels").set_value(40).run()
    at.radio(key="mf_view").set_value("Reconstruct from k").run()
    errs = []
    for k in (2, 13, 40):
        at.slider(key="mf_k_40").set_value(k).run()
        errs.append(float(metric(at, "RMS error").split()[0]))
    assert errs[0] > errs[1] > errs[2] and errs[2] < 0.01
    at.button(key="mf_listen").click().run()
    assert not errors(at) and len(at.get("audio")) == 3


def test_deltas_and_syncnet_views(at):
    at.radio(key="mf_view").set_value("Deltas").run()
    assert not errors(at)
    at.radio(key="mf_view").set_value("librosa vs SyncNet").run()
    assert metric(at, "Window shape") == "13 × 20"
    # 5.49 s at 16 kHz: python_speech_features has 1 + ceil((N - 400) / 160) frames; librosa 1 + N // 512.
    n16 = round(121155 * 16000 / 22050)
    assert metric(at, "python_speech_features frames") == str(1 + int(np.ceil((n16 - 400) / 160)))
    assert metric(at, "librosa frames") == str(1 + n16 // 512)
    assert not errors(at)


def test_too_short_clip_is_explained():
    app = page_app(PAGE).run()
    app.radio(key="mf_source").set_value("Upload a file").run()
    buf = io.BytesIO()
    sf.write(buf, 0.3 * np.sin(np.arange(300) / 5.0).astype(np.float32), 22050, format="WAV")
    app.file_uploader(key="mf_upload").set_value(("short.wav", buf.getvalue(), "audio/wav")).run()
    assert not app.exception
    assert any("samples" in e.value and "MFCC" in e.value for e in app.error)
    # 600 samples (27 ms): two frames, and every view works.
    buf = io.BytesIO()
    sf.write(buf, 0.3 * np.sin(np.arange(600) / 5.0).astype(np.float32), 22050, format="WAV")
    app.file_uploader(key="mf_upload").set_value(("two_frames.wav", buf.getvalue(), "audio/wav")).run()
    for view in ("Log-mel → DCT → MFCC", "Reconstruct from k", "Deltas", "librosa vs SyncNet"):
        app.radio(key="mf_view").set_value(view).run()
        assert not app.exception and not app.error, (view, [e.value for e in app.error])
