"""Time-domain features against closed forms and against librosa."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib import features
from lib.audio import load_audio
from lib.errors import InputError
from tests.conftest import data_file

SR = 22050


@pytest.mark.parametrize("amp", [0.1, 0.5, 1.0])
def test_rms_of_sine_is_amplitude_over_sqrt2(amp):
    # 441 Hz at 22050 Hz: exactly 50 samples per period, frames of 2000 samples hold 40 periods.
    t = np.arange(SR * 2) / SR
    y = amp * np.sin(2 * np.pi * 441 * t)
    r = features.rms(y, frame_length=2000, hop_length=500)
    inner = r[4:-4]  # frames that do not touch the zero padding
    np.testing.assert_allclose(inner, amp / np.sqrt(2), rtol=1e-9)


def test_zcr_of_alternating_signal_and_dc():
    n = 4096
    alt = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    z = features.zero_crossing_rate(alt, frame_length=1024, hop_length=256)
    # Every neighbouring pair crosses: (N - 1) crossings counted over N positions (librosa's count).
    # Edge frames hold repeated edge padding (no crossings there), so look at the inner ones.
    np.testing.assert_allclose(z[2:-2], (1024 - 1) / 1024)
    assert z[0] == pytest.approx((512 - 1) / 1024)
    dc = np.full(n, 0.3)
    assert np.all(features.zero_crossing_rate(dc, frame_length=1024, hop_length=256) == 0)


def test_zcr_of_sine_is_two_f_over_sr():
    f = 1000.0
    y = np.sin(2 * np.pi * f * np.arange(SR * 2) / SR + 0.1)
    z = features.zero_crossing_rate(y, frame_length=2048, hop_length=512)
    np.testing.assert_allclose(np.median(z), 2 * f / SR, rtol=0.01)


def test_frame_count_is_one_plus_n_over_hop():
    for n in (1000, 4096, 4097, 22050):
        y = np.random.default_rng(n).standard_normal(n)
        for hop in (128, 512):
            assert len(features.rms(y, frame_length=1024, hop_length=hop)) == 1 + n // hop
            assert len(features.zero_crossing_rate(y, frame_length=1024, hop_length=hop)) == 1 + n // hop
            assert len(features.amplitude_envelope(y, frame_length=1024, hop_length=hop)) == 1 + n // hop


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=5000),
    frame_exp=st.integers(min_value=1, max_value=11),
    hop=st.integers(min_value=1, max_value=700),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_envelope_is_never_below_rms(n, frame_exp, hop, seed):
    y = np.random.default_rng(seed).uniform(-1, 1, n)
    fl = 2**frame_exp
    env = features.amplitude_envelope(y, frame_length=fl, hop_length=hop)
    r = features.rms(y, frame_length=fl, hop_length=hop)
    assert env.shape == r.shape
    assert np.all(env >= r - 1e-12)


def test_envelope_uses_absolute_value():
    # A frame that swings to -0.9 but only to +0.1: max(x) would say 0.1, max|x| says 0.9.
    y = np.concatenate([np.full(100, 0.1), np.full(100, -0.9)])
    env = features.amplitude_envelope(y, frame_length=256, hop_length=256)
    assert env.max() == pytest.approx(0.9)


def test_matches_librosa_on_random_signals():
    librosa = pytest.importorskip("librosa")
    y = np.random.default_rng(1).standard_normal(30001).astype(np.float32) * 0.3
    y[5000:6000] = 0.0  # exact zeros exercise the threshold
    for fl, hop in ((2048, 512), (1024, 256), (512, 512), (1023, 100)):
        np.testing.assert_allclose(
            features.rms(y, frame_length=fl, hop_length=hop),
            librosa.feature.rms(y=y, frame_length=fl, hop_length=hop)[0], rtol=1e-5, atol=1e-7)
        np.testing.assert_array_equal(
            features.zero_crossing_rate(y, frame_length=fl, hop_length=hop),
            librosa.feature.zero_crossing_rate(y, frame_length=fl, hop_length=hop)[0])


@pytest.mark.parametrize("name", [
    "dry_speech_vctk_p286_011.wav", "trumpet_sorohanro_solo-trumpet-06.ogg", "drums_sonicpi_loop_mika.flac",
])
def test_matches_librosa_on_real_recordings(name):
    librosa = pytest.importorskip("librosa")
    clip = load_audio(data_file(name), max_duration_s=None)
    y = clip.samples
    np.testing.assert_allclose(
        features.rms(y, frame_length=1024, hop_length=512),
        librosa.feature.rms(y=y, frame_length=1024, hop_length=512)[0], rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(
        features.zero_crossing_rate(y, frame_length=1024, hop_length=512),
        librosa.feature.zero_crossing_rate(y, frame_length=1024, hop_length=512)[0], rtol=1e-5)


def test_voiced_mask_separates_vowel_from_noise():
    from lib import signals

    vowel = signals.vowel(120, SR, 1.0)
    noise = signals.white_noise(SR, 1.0, rms_level=0.1)
    silence = np.zeros(SR, np.float32)
    y = np.concatenate([vowel, noise, silence])
    z = features.zero_crossing_rate(y, frame_length=1024, hop_length=512)
    r = features.rms(y, frame_length=1024, hop_length=512)
    v = features.voiced_mask(z, r, zcr_threshold=0.15, rms_threshold_db=-40)
    t = features.frames_to_time(np.arange(len(v)), sr=SR, hop_length=512)
    assert v[(t > 0.1) & (t < 0.9)].mean() > 0.95
    assert v[(t > 1.1) & (t < 1.9)].mean() < 0.05
    assert not v[t > 2.1].any()


@pytest.mark.parametrize("kwargs", [dict(frame_length=0, hop_length=10), dict(frame_length=10, hop_length=0)])
def test_bad_parameters_raise_input_error(kwargs):
    with pytest.raises(InputError):
        features.rms(np.ones(100), **kwargs)
    with pytest.raises(InputError):
        features.rms(np.ones((2, 100)), frame_length=10, hop_length=5)


def test_frames_to_time_is_k_hop_over_sr():
    """Frame k is centred on sample k * hop (center=True): no half-hop offset (issue 15, item 8)."""
    import librosa

    k = np.array([0, 1, 7, 1000])
    t = features.frames_to_time(k, sr=22050, hop_length=512)
    np.testing.assert_array_equal(t, k * 512 / 22050)
    np.testing.assert_allclose(t, librosa.frames_to_time(k, sr=22050, hop_length=512), rtol=0, atol=1e-12)
    assert features.frames_to_time(3, sr=100, hop_length=10) == pytest.approx(0.3)
