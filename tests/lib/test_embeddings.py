"""Layer states of tiny random models of each architecture, pooling, CKA and the probes."""

from __future__ import annotations

import numpy as np
import pytest

from lib import embeddings as E
from lib.errors import InputError, WeightsUnavailable

W2V_TINY = dict(hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32, conv_dim=(8,) * 7,
                num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=2)
TINY = {
    "whisper-tiny.en": dict(d_model=16, encoder_layers=2, decoder_layers=1, encoder_attention_heads=2,
                            decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32, vocab_size=8,
                            pad_token_id=0, bos_token_id=0, eos_token_id=0, decoder_start_token_id=1,
                            max_target_positions=8),
    "wav2vec2-base": W2V_TINY,
    "hubert-base-ls960": W2V_TINY,
    "dac-16khz": dict(encoder_hidden_size=2, decoder_hidden_size=8, n_codebooks=3),
}
LENGTHS = (400, 8000, 16321)


@pytest.fixture(scope="module")
def models():
    import torch

    torch.set_num_threads(1)
    return {k: E.load_speech_model(k, weights="random", config_overrides=v) for k, v in TINY.items()}


def _noise(n, seed=0):
    return (0.1 * np.random.default_rng(seed).standard_normal(n)).astype(np.float32)


# ------------------------------------------------------------------ layer states
@pytest.mark.parametrize("name", list(TINY))
def test_frames_per_layer_follow_the_conv_arithmetic(models, name):
    m = models[name]
    assert m.is_random and "untrained" in m.label
    for n in LENGTHS:
        states = E.layer_states(m, _noise(n), 16000)
        assert len(states) == len(E.layer_names(m))
        expected = {"whisper": E.whisper_frames(n), "dac": int(np.ceil(n / 320))}.get(m.family, E.wav2vec2_frames(n))
        assert [s.shape[0] for s in states] == [expected] * len(states), n
        assert all(s.dtype == np.float32 and np.all(np.isfinite(s)) for s in states)
    assert E.wav2vec2_frames(16000) == 49 and E.wav2vec2_frames(400) == 1 and E.whisper_frames(16000) == 50


def test_resampling_and_bad_clips(models):
    m = models["wav2vec2-base"]
    a = E.layer_states(m, _noise(8000), 8000)  # 1 s at 8 kHz -> 16000 samples
    assert a[0].shape[0] == E.wav2vec2_frames(16000)
    for bad, msg in ((np.zeros(0, np.float32), "empty"), (np.full(800, np.nan, np.float32), "NaN"),
                     (np.zeros((2, 800), np.float32), "mono"), (np.zeros(100, np.float32), "too short"),
                     (np.zeros(31 * 16000, np.float32), "at most")):
        with pytest.raises(InputError, match=msg):
            E.layer_states(m, bad, 16000)


def test_whisper_slicing_and_the_front_end_gelus(models):
    import torch
    import torch.nn.functional as F

    m = models["whisper-tiny.en"]
    y = _noise(12345, seed=3)
    keep = E.layer_states(m, y, 16000, padding="keep")
    sliced = E.layer_states(m, y, 16000, padding="slice")
    trimmed = E.layer_states(m, y, 16000, padding="trim")
    n = E.whisper_frames(len(y))
    assert keep[0].shape[0] == 1500 and sliced[0].shape[0] == n == trimmed[0].shape[0] == 39
    for k, s in zip(keep, sliced):
        np.testing.assert_array_equal(k[:n], s)
    # trim changes what attention sees (the padding is gone), but not the front end
    np.testing.assert_allclose(trimmed[0][: n - 1], sliced[0][: n - 1], atol=1e-5)
    assert not np.allclose(trimmed[-1], sliced[-1], atol=1e-3)
    # Our written-out encoder equals transformers' forward: every hidden state, the final one with its LayerNorm.
    enc = m.net.model.encoder
    feats = E._whisper_features(y, enc.config.num_mel_bins)
    with torch.inference_mode():
        out = enc(feats, output_hidden_states=True)
        front = F.gelu(enc.conv2(F.gelu(enc.conv1(feats)))).permute(0, 2, 1)[0].numpy()
        no_gelu = enc.conv2(F.gelu(enc.conv1(feats))).permute(0, 2, 1)[0].numpy()
    np.testing.assert_allclose(keep[-1], out.last_hidden_state[0].numpy(), atol=1e-5)
    np.testing.assert_allclose(keep[0] + enc.embed_positions.weight.numpy(), out.hidden_states[0][0].numpy(),
                               atol=1e-5)
    np.testing.assert_allclose(keep[1], out.hidden_states[1][0].numpy(), atol=1e-5)
    np.testing.assert_allclose(keep[0], front, atol=1e-6)
    assert np.abs(keep[0] - no_gelu).max() > 1e-2  # the original's CNN view (no second GELU) is different
    with pytest.raises(InputError, match="padding"):
        E.layer_states(m, y, 16000, padding="zero")


def test_wav2vec2_states_match_transformers_hidden_states(models):
    import torch

    m = models["wav2vec2-base"]
    y = _noise(9000, seed=4)
    states = E.layer_states(m, y, 16000)
    x = (y - y.mean()) / np.sqrt(y.var() + 1e-7)  # wav2vec2-base normalises its input
    with torch.inference_mode():
        out = m.net(torch.from_numpy(x)[None], output_hidden_states=True)
        conv = m.net.feature_extractor(torch.from_numpy(x)[None])[0].T.numpy()
    np.testing.assert_allclose(states[0], conv, atol=1e-5)
    for s, h in zip(states[1:], out.hidden_states):
        np.testing.assert_allclose(s, h[0].numpy(), atol=1e-5)


def test_shape_walkthrough_measures_every_stage(models):
    y = _noise(16000)
    rows = E.shape_walkthrough(models["wav2vec2-base"], y, 16000)
    conv = [r for r in rows if r["module"].startswith("feature_extractor.conv_layers")]
    n, lengths = 16000, []
    for k, s in zip((10, 3, 3, 3, 3, 2, 2), (5, 2, 2, 2, 2, 2, 2)):
        n = (n - k) // s + 1
        lengths.append(n)
    assert [r["shape"][-1] for r in conv] == lengths
    assert rows[-1]["shape"] == (1, 49, 16)
    w = E.shape_walkthrough(models["whisper-tiny.en"], y, 16000)
    shapes = {r["module"]: r["shape"] for r in w}
    assert shapes["encoder.conv1"] == (1, 16, 3000) and shapes["encoder.conv2"] == (1, 16, 1500)
    assert shapes["encoder.layer_norm"] == (1, 1500, 16)
    d = {r["module"]: r["shape"] for r in E.shape_walkthrough(models["dac-16khz"], y, 16000)}
    assert d["encoder.block.0"][-1] == 8000 and d["encoder.conv2"][-1] == 50


def test_weights_are_labelled_and_missing_ones_explained(models, monkeypatch):
    assert models["dac-16khz"].model_id != E.load_speech_model("dac-16khz", weights="random").model_id
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    if E.weights_present("hubert-base-ls960"):
        pytest.skip("HuBERT weights are cached on this machine")
    with pytest.raises(WeightsUnavailable, match="hf download facebook/hubert-base-ls960"):
        E.load_speech_model("hubert-base-ls960", allow_download=False)
    with pytest.raises(InputError, match="Unknown model"):
        E.load_speech_model("wav2vec3")
    with pytest.raises(InputError, match="random"):
        E.load_speech_model("wav2vec2-base", weights="trained")


# ------------------------------------------------------------------------ pooling
def test_pool():
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    np.testing.assert_allclose(E.pool(x, "mean"), [4.5, 5.5, 6.5])
    np.testing.assert_allclose(E.pool(x, "max"), [9, 10, 11])
    np.testing.assert_allclose(E.pool(x, "frame", position=0.0), [0, 1, 2])
    np.testing.assert_allclose(E.pool(x, "frame", position=1.0), [9, 10, 11])
    np.testing.assert_allclose(E.pool(x, "frame"), x[2])  # round(0.5 * 3) = 2
    assert len(E.pool([x, x[:2]], "mean")) == 2
    with pytest.raises(InputError):
        E.pool(x, "median")
    with pytest.raises(InputError):
        E.pool(x, "frame", position=1.5)


# ---------------------------------------------------------------------------- CKA
def _cka_reference(X, Y):
    """Kornblith et al.'s HSIC form with the centring matrix H."""
    n = len(X)
    H = np.eye(n) - 1.0 / n
    K, L = X @ X.T, Y @ Y.T
    hsic = np.trace(K @ H @ L @ H)
    return hsic / np.sqrt(np.trace(K @ H @ K @ H) * np.trace(L @ H @ L @ H))


def test_cka_closed_form_facts():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 20))
    Y = X @ rng.standard_normal((20, 30)) + 0.5 * rng.standard_normal((60, 30))
    assert E.linear_cka(X, X) == pytest.approx(1.0)
    Q, _ = np.linalg.qr(rng.standard_normal((20, 20)))
    assert E.linear_cka(X @ Q, Y) == pytest.approx(E.linear_cka(X, Y), abs=1e-10)
    assert E.linear_cka(X, 7.5 * Y) == pytest.approx(E.linear_cka(X, Y), abs=1e-10)
    assert E.linear_cka(X + 3.0, Y) == pytest.approx(E.linear_cka(X, Y), abs=1e-10)
    assert E.linear_cka(X, Y) == pytest.approx(_cka_reference(X, Y), abs=1e-10)
    wide = rng.standard_normal((10, 50))  # fewer examples than features: the Gram branch
    assert E.linear_cka(wide, wide[:, :25]) == pytest.approx(_cka_reference(wide, wide[:, :25]), abs=1e-10)
    A, B = rng.standard_normal((2000, 5)), rng.standard_normal((2000, 5))
    assert E.linear_cka(A, B) < 0.02
    # not invariant to a general linear map (that is what separates it from CCA)
    S = np.diag(np.r_[10.0, np.ones(19)])
    assert abs(E.linear_cka(X @ S, Y) - E.linear_cka(X, Y)) > 1e-3
    M = E.cka_matrix([X, Y, X @ Q])
    assert M.shape == (3, 3) and np.allclose(np.diag(M), 1) and np.allclose(M, M.T) and M[0, 2] == pytest.approx(1)
    with pytest.raises(InputError):
        E.linear_cka(X, Y[:10])


# ------------------------------------------------------------------------- probes
def _blobs(n_classes=4, per=6, dim=10, spread=0.3, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((n_classes, dim)) * 2
    X = np.repeat(centres, per, axis=0) + spread * rng.standard_normal((n_classes * per, dim))
    y = np.repeat(np.arange(n_classes), per)
    groups = np.tile(np.arange(per), n_classes)
    return X, y, groups


def test_silhouette_and_knn_agree_with_scikit_learn():
    from sklearn.metrics import silhouette_score
    from sklearn.model_selection import LeaveOneGroupOut, LeaveOneOut, cross_val_score
    from sklearn.neighbors import KNeighborsClassifier

    for spread in (0.3, 3.0):
        X, y, g = _blobs(spread=spread)
        for metric in ("cosine", "euclidean"):
            assert E.silhouette(X, y, metric=metric) == pytest.approx(silhouette_score(X, y, metric=metric), abs=1e-9)
        for k in (1, 3):
            knn = KNeighborsClassifier(n_neighbors=k, metric="cosine", algorithm="brute")
            loo = cross_val_score(knn, X, y, cv=LeaveOneOut()).mean()
            assert E.knn_accuracy(X, y, k=k) == pytest.approx(loo)
            logo = cross_val_score(knn, X, y, groups=g, cv=LeaveOneGroupOut())
            assert E.knn_accuracy(X, y, k=k, groups=g) == pytest.approx(logo.mean())


def test_probe_scores_separable_random_and_grouped():
    X, y, g = _blobs(spread=0.3)
    s = E.probe_scores(X, y, groups=g)
    assert s["probe"] == 1.0 and s["knn"] == 1.0 and s["silhouette"] > 0.5
    assert s["chance"] == 0.25 and s["n"] == 24 and s["n_classes"] == 4
    rng = np.random.default_rng(1)
    noise = E.probe_scores(rng.standard_normal((80, 40)), np.repeat(np.arange(4), 20), cv=5)
    assert noise["probe"] < 0.5 and abs(noise["silhouette"]) < 0.1
    # Grouped folds never put one group on both sides.
    for train, test in E._cv_splits(y, g, 5, 0):
        assert not set(g[train]) & set(g[test])
    # A probe that could only use the voice cannot generalise to new voices:
    # features = one random vector per voice; labels = words said by that voice's "style".
    Xv = np.repeat(rng.standard_normal((6, 12)), 4, axis=0)  # voice identity only
    yv = np.tile(np.arange(4), 6)
    gv = np.repeat(np.arange(6), 4)
    assert E.probe_scores(Xv, yv, groups=gv)["probe"] <= 0.5
    with pytest.raises(InputError):
        E.probe_scores(X, np.zeros(len(X)))
    # Fewer examples than the default 5 folds (the embeddings page's 2 words x 2 voices): the folds shrink to fit.
    small = E.probe_scores(X[[0, 1, 6, 7]], y[[0, 1, 6, 7]], groups=g[[0, 1, 6, 7]])
    assert small["n"] == 4 and 0.0 <= small["probe"] <= 1.0


def test_frame_targets_on_a_sine():
    sr, f0, a = 16000, 200.0, 0.5
    y = (a * np.sin(2 * np.pi * f0 * np.arange(sr) / sr)).astype(np.float32)
    t = E.frame_targets(y, sr, 40)
    assert np.allclose(t["rms_db"], 20 * np.log10(a / np.sqrt(2)), atol=0.3)
    assert np.allclose(t["zcr"], 2 * f0 / sr, atol=0.004)
    assert np.nanmedian(t["f0_hz"]) == pytest.approx(f0, rel=0.02)


def test_frame_probe_r2_reads_a_linear_target():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((600, 8))
    groups = np.repeat(np.arange(12), 50)
    target = X @ rng.standard_normal(8) + 0.1 * rng.standard_normal(600)
    assert E.frame_probe_r2(X, target, groups) > 0.95
    assert E.frame_probe_r2(rng.standard_normal((600, 8)), target, groups) < 0.1


def test_embedding_cache_round_trip(tmp_path, models):
    cache = E.EmbeddingCache(tmp_path)
    m = models["hubert-base-ls960"]
    y = _noise(8000)
    states = E.cached_states(m, y, 16000, clip_hash="abc", cache=cache)
    assert cache.has("abc", m.model_id)
    again = cache.get("abc", m.model_id)
    for a, b in zip(states, again):
        np.testing.assert_allclose(a, b, rtol=2e-3, atol=2e-3)  # float16 on disk
    np.testing.assert_allclose(cache.get("abc", m.model_id, layer=2), again[2])
    with np.load(cache.path("abc", m.model_id), allow_pickle=False) as d:
        assert "layer_0" in d.files
    cache.path("abc", m.model_id).write_bytes(b"not an npz")
    assert cache.get("abc", m.model_id) is None


def test_word_error_rate():
    assert E.word_error_rate("the cat sat", "The cat, sat.") == 0
    assert E.word_error_rate("the cat sat on the mat", "the cat sat on a mat") == pytest.approx(1 / 6)
    assert E.word_error_rate("a b", "") == 1.0


def test_batched_whisper_extraction_equals_one_by_one(tmp_path, models):
    from lib.wordset import Clip

    m = models["whisper-tiny.en"]
    clips = [Clip(samples=_noise(n, seed=n), sr=16000, name=str(n), word="w", voice="v") for n in (5000, 16000, 9000)]
    cache = E.EmbeddingCache(tmp_path)
    assert E.embed_set(m, clips, cache=cache, batch_size=2) == 3
    assert E.embed_set(m, clips, cache=cache) == 0  # all cached now
    for c in clips:
        one = E.layer_states(m, c.samples, c.sr)
        got = cache.get(c.fingerprint, m.model_id)
        assert [g.shape for g in got] == [o.shape for o in one]
        for g, o in zip(got, one):
            np.testing.assert_allclose(g, o, rtol=3e-3, atol=3e-3)
    P = E.pooled_layers(cache, m.model_id, [c.fingerprint for c in clips], how="max")
    assert len(P) == 3 and P[0].shape == (3, 16)


def test_pca_agrees_with_scikit_learn_and_maps_are_seeded():
    from sklearn.decomposition import PCA

    X, y, g = _blobs(n_classes=3, per=8, dim=12, spread=1.0)
    ours = E.project(X, "PCA", 3)
    ref = PCA(n_components=3).fit(X)
    np.testing.assert_allclose(ours.explained, ref.explained_variance_ratio_, rtol=1e-6)
    np.testing.assert_allclose(np.abs(ours.coords), np.abs(ref.transform(X)), rtol=1e-4, atol=1e-4)
    a, b = E.project(X, "t-SNE", 2, seed=1), E.project(X, "t-SNE", 2, seed=1)
    assert a.explained is None and np.array_equal(a.coords, b.coords)
    with pytest.raises(InputError):
        E.project(X[:3], "PCA")
    with pytest.raises(InputError):
        E.project(X, "LDA")


def test_depth_curves_group_words_by_voice_and_voices_by_word():
    rng = np.random.default_rng(3)
    words = np.tile(np.arange(4), 5).astype(str)
    voices = np.repeat(np.arange(5), 4).astype(str)
    word_layer = np.eye(4)[words.astype(int)] * 3 + 0.1 * rng.standard_normal((20, 4))  # knows the word only
    voice_layer = np.eye(5)[voices.astype(int)] * 3 + 0.1 * rng.standard_normal((20, 5))  # knows the voice only
    c = E.depth_curves([word_layer, voice_layer], words, voices)
    assert c["word_probe"][0] == 1.0 and c["word_probe"][1] <= 0.5
    assert c["voice_probe"][1] == 1.0 and c["voice_probe"][0] <= 0.5
    assert c["word_knn"][0] == 1.0 and c["voice_knn"][1] == 1.0
    assert float(c["word_chance"]) == 0.25 and float(c["voice_chance"]) == 0.2


def test_self_similarity():
    S = E.self_similarity(np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0], [-1.0, 0.0]]))
    np.testing.assert_allclose(S, [[1, 1, 0, -1], [1, 1, 0, -1], [0, 0, 1, 0], [-1, -1, 0, 1]], atol=1e-6)
