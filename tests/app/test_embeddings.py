"""AppTest of the embeddings page offline: Whisper tiny.en's real weights, fallback panels for the others."""

from __future__ import annotations

import shutil

import pytest

from lib import embeddings as E
from tests.app.helpers import errors, page_app, shown_text

PAGE = "app_pages/embeddings.py"
pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


@pytest.fixture(autouse=True)
def _private_caches(tmp_path, monkeypatch):
    # Word sets and embeddings go to this test's own temp folder.
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    # The page keeps its on-disk cache in st.cache_resource, which lives as long as the process: a page run
    # by an earlier test in this worker would otherwise hand over a cache that already holds these clips.
    import streamlit as st

    st.cache_resource.clear()
    st.cache_data.clear()


def _small(at, **state):
    at.session_state["emb_nwords"] = 2
    at.session_state["emb_voices"] = 2
    for k, v in state.items():
        at.session_state[k] = v
    return at


def test_defaults_ask_before_extracting_then_map_and_depth_curves():
    # The trimmed window keeps this fast; the 30-s window's slicing is tested in tests/lib.
    at = _small(page_app(PAGE, timeout=240), emb_padding="trim").run()
    assert not errors(at)
    assert any(b.label == "Extract embeddings" for b in at.button)
    text = shown_text(at)
    assert "Clips 4" in text and "Words 2" in text and "Layers 5" in text
    next(b for b in at.button if b.label == "Extract embeddings").click().run()
    assert not errors(at), errors(at)
    labels = {m.label: m.value for m in at.metric}
    assert "Word silhouette (cosine)" in labels and "Variance in 2 PCs" in labels
    assert "Untrained control at the same layer" in shown_text(at)
    at.session_state["emb_tab"] = "Which layer knows what"
    at.run()
    assert not errors(at), errors(at)
    assert "Best layer for the word (probe)" in {m.label for m in at.metric}
    at.session_state["emb_tab"] = "CKA"
    at.run()
    assert not errors(at), errors(at)
    assert "Highest CKA" in shown_text(at)


def test_padding_pitfall_and_one_clip_view():
    at = _small(page_app(PAGE, timeout=240), emb_padding="keep", emb_tab="One clip over time").run()
    assert not errors(at), errors(at)
    assert "Whisper heard" in shown_text(at)
    assert {m.label: m.value for m in at.metric}["Frames"] == "1500"


def test_models_without_weights_show_the_command_and_the_random_control_runs():
    if E.weights_present("wav2vec2-base"):
        pytest.skip("wav2vec2-base weights are cached here")
    at = _small(page_app(PAGE, timeout=240), emb_model="wav2vec2-base").run()
    assert not errors(at)
    assert any("hf download facebook/wav2vec2-base" in w.value for w in at.warning)
    at.button(key="emb_download").click().run()  # offline in tests: a one-line reason, no traceback
    assert not at.exception
    assert [e.value for e in at.error if e.value.startswith("Could not download the wav2vec2-base")], errors(at)
    at.session_state["emb_tab"] = "Tensor shapes"
    at.run()
    assert any("hf download" in w.value for w in at.warning)  # the shapes tab explains too, no traceback
    at.session_state["emb_weights"] = "random"
    at.session_state["emb_tab"] = "DAC contrast"
    at.run()
    assert not errors(at), errors(at)
    assert any("Untrained network" in w.value for w in at.warning)


def test_bad_zip_is_an_error_in_the_page():
    at = page_app(PAGE, timeout=120)
    at.session_state["emb_source"] = "Upload a zip (Speech Commands layout)"
    at.run()
    assert not at.exception
    assert "Choose a word set" in shown_text(at)
