"""lib.sync_training: the self-supervised pairs, the contrastive loss, and a tiny SyncNet that learns.

Ground truth by construction: drawn faces whose mouths follow espeak-ng's phoneme
timing (lib.talking_face), in sync; a sentence never trained on, with its audio moved
by a known number of frames, must be read back by the trained towers.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lib import sync, sync_training as ST  # noqa: E402
from lib.errors import InputError  # noqa: E402
from lib.talking_face import load_utterance, talking_face  # noqa: E402
from lib.video import SR  # noqa: E402

TRAIN = ("paper_bag", "big_apple", "five_frogs")


def face(name: str, seconds: float | None = None, offset: int = 0):
    audio, phonemes = load_utterance(name)
    if seconds is not None:
        audio = audio[: int(seconds * SR)]
    return talking_face(audio, offset, phonemes=phonemes)


def test_contrastive_loss_is_the_formula_in_numpy_and_torch():
    d = np.array([0.0, 0.5, 1.5, 0.2, 0.9, 2.0])
    y = np.array([1, 1, 1, 0, 0, 0], float)
    m = 1.0
    expected = np.mean([0.0, 0.125, 1.125, 0.32, 0.005, 0.0])  # ½d² for y=1, ½max(m−d,0)² for y=0
    assert ST.contrastive_loss(d, y, m) == pytest.approx(expected)
    t = ST.contrastive_loss(torch.tensor(d), torch.tensor(y), m)
    assert float(t) == pytest.approx(expected)
    np.testing.assert_allclose(ST.contrastive_loss(d, y, 2.0, reduce=False)[3:], 0.5 * (2.0 - d[3:]) ** 2)


def test_pairs_are_half_in_sync_half_shifted_within_range():
    rng = np.random.default_rng(0)
    v, a, y = ST.make_pairs(40, rng, max_shift=6, min_shift=2)
    assert len(v) == len(a) == len(y) == 80 and y.sum() == 40
    np.testing.assert_array_equal(v[y == 1], a[y == 1])
    s = a[y == 0] - v[y == 0]
    assert np.all((np.abs(s) >= 2) & (np.abs(s) <= 6)) and np.all((a >= 0) & (a < 40))
    assert set(s) == {-6, -5, -4, -3, -2, 2, 3, 4, 5, 6}  # every allowed shift is used
    with pytest.raises(InputError):
        ST.make_pairs(40, rng, max_shift=1, min_shift=2)


def test_windows_follow_syncnets_clock():
    frames, audio = face("bin_blue", 2.0)
    clip = ST.prepare_clip(frames, audio)
    assert clip.n_windows == min(len(frames), len(audio) // 640) - 5
    assert clip.video_windows([3]).shape == (1, 5, 32, 48)
    np.testing.assert_array_equal(clip.video_windows([3])[0, 0], clip.mouth[3])
    aw = clip.audio_windows([3])
    assert aw.shape == (1, 1, 13, 20)
    np.testing.assert_array_equal(aw[0, 0], clip.mfcc[:, 12:32])  # 4 MFCC steps per video frame
    np.testing.assert_allclose(clip.mfcc.mean(axis=1), 0, atol=1e-5)


def test_training_lowers_the_loss_opens_the_gap_and_recovers_a_shift_on_an_unseen_sentence():
    """Three sentences, six epochs (a few seconds of CPU); then a sentence never trained on, shifted."""
    trained = ST.train([face(n) for n in TRAIN], seed=0, epochs=6, max_shift=8)
    assert trained.epochs_done == 6 and len(trained.gap) == 7 and len(trained.matched) == 7
    assert trained.loss[-1] < 0.5 * trained.loss[0]
    assert trained.gap[-1] > trained.gap[0] + 0.1
    assert trained.shifted[-1].mean() > trained.matched[-1].mean()
    assert 10_000 < trained.n_params < 500_000

    audio, phonemes = load_utterance("speech_fricatives")
    frames, base = talking_face(audio[: int(4.0 * SR)], 0, phonemes=phonemes)
    for k in (-4, 3):
        res = trained.estimate_offset(frames, sync.advance_audio(base, k), max_offset=10)
        assert res.offset_frames == k, (k, res.offset_frames)
        assert list(res.lags) == list(range(-10, 11)) and res.lags[np.argmin(res.curve)] == k
        assert res.confidence == pytest.approx(np.median(res.curve) - res.curve.min()) and res.confidence > 0
        assert res.verdict == "offset" and res.uncertainty_frames <= sync.MAX_UNCERTAINTY_FRAMES
        assert res.support[list(res.lags).index(k)] >= 0.5
    # The trained towers answer with the same rules as lib.sync: a still mouth or silence is "cannot tell".
    still = np.repeat(frames[:1], len(frames), axis=0)
    assert trained.estimate_offset(still, base, max_offset=10).verdict == "cannot_tell"
    quiet = trained.estimate_offset(frames, np.zeros_like(base), max_offset=10)
    assert quiet.verdict == "cannot_tell" and "speech" in quiet.verdict_reason


def test_same_seed_same_numbers():
    clip = face("bin_blue", 2.4)
    a = ST.train([clip], seed=3, epochs=2, max_shift=4)
    b = ST.train([clip], seed=3, epochs=2, max_shift=4)
    np.testing.assert_array_equal(a.loss, b.loss)
    np.testing.assert_array_equal(a.gap, b.gap)
    c = ST.train([clip], seed=4, epochs=2, max_shift=4)
    assert not np.array_equal(a.loss, c.loss)


def test_bad_input_is_explained():
    with pytest.raises(InputError, match="at least one"):
        ST.train([])
    frames, audio = face("bin_blue", 2.0)
    with pytest.raises(InputError, match="epochs"):
        ST.train([(frames, audio)], epochs=0)
    with pytest.raises(InputError, match="margin"):
        ST.train([(frames, audio)], margin=float("nan"))
    with pytest.raises(InputError, match="too short"):
        ST.prepare_clip(frames[:5], audio[: 5 * 640])
    with pytest.raises(InputError, match="uint8"):
        ST.prepare_clip(frames.astype(float), audio)
