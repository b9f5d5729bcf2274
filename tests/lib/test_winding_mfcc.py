"""The winding picture of the Fourier transform, and MFCCs against librosa and python_speech_features."""

from __future__ import annotations

import numpy as np
import pytest

from lib import fourier as F
from lib import spectral as S
from lib.errors import InputError

librosa = pytest.importorskip("librosa")


# --------------------------------------------------------------------------- winding


def test_winding_center_times_n_is_the_dft_on_its_grid():
    rng = np.random.default_rng(1)
    x = rng.standard_normal(200)
    sr = 1000.0
    grid = np.arange(200) * sr / 200
    np.testing.assert_allclose(F.winding_center(x, sr, grid) * 200, np.fft.fft(x), atol=1e-10)
    assert F.winding_center(x, sr, 3 * sr / 200) * 200 == pytest.approx(np.fft.fft(x)[3], abs=1e-10)
    assert isinstance(F.winding_center(x, sr, 5.0), complex)


def test_winding_center_moves_out_at_the_signal_frequency():
    sr, f = 1000.0, 3.0
    t = np.arange(2000) / sr  # 2 s: whole cycles of 3 Hz
    y = np.cos(2 * np.pi * f * t) + 1.0  # 3Blue1Brown's example: a cosine lifted by 1
    c = F.winding_center(y, sr, np.array([0.0, 1.7, 3.0, 4.4]))
    assert c[0] == pytest.approx(1.0)  # no winding: the mean, the DC offset
    assert abs(c[2]) == pytest.approx(0.5, abs=1e-12)  # cos = (e^{i.} + e^{-i.})/2: half lines up
    assert abs(c[1]) < 0.1 and abs(c[3]) < 0.1


def test_wound_signal_is_the_summand():
    y = np.array([1.0, 2.0, -1.0, 0.5])
    w = F.wound_signal(y, 4.0, 1.0)
    np.testing.assert_allclose(w, y * np.exp(-2j * np.pi * np.arange(4) / 4))
    assert w.mean() == pytest.approx(F.winding_center(y, 4.0, 1.0))


def test_winding_bad_input():
    with pytest.raises(InputError):
        F.winding_center([], 100, 1.0)
    with pytest.raises(InputError):
        F.winding_center([1.0, 2.0], 0, 1.0)
    with pytest.raises(InputError):
        F.winding_center([1.0, np.nan], 100, 1.0)
    with pytest.raises(InputError):
        F.winding_center([1.0, 2.0], 100, float("inf"))


def test_time_shift_rotates_phase_linearly():
    """Delaying by d samples multiplies X[k] by exp(-2 pi i k d / N): phase falls linearly with f."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal(128)
    d = 5
    X, Xd = np.fft.fft(x), np.fft.fft(np.roll(x, d))
    np.testing.assert_allclose(Xd, X * np.exp(-2j * np.pi * np.arange(128) * d / 128), atol=1e-9)


# --------------------------------------------------------------------------- MFCC


def _clip(sr=22050, seconds=1.0, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(int(sr * seconds)) / sr
    y = 0.3 * np.sin(2 * np.pi * 220 * t) + 0.2 * np.sin(2 * np.pi * 1250 * t) + 0.05 * rng.standard_normal(t.size)
    return y.astype(np.float32), sr


@pytest.mark.parametrize("kwargs", [
    {},
    {"lifter": 22},
    {"n_mels": 40, "htk": True, "fmin": 50.0, "fmax": 8000.0, "n_fft": 1024, "hop_length": 256},
    {"n_mfcc": 20},
])
def test_mfcc_equals_librosa(kwargs):
    y, sr = _clip()
    kw = {"n_mfcc": 13, **kwargs}
    ours = S.mfcc(y, sr, **kw)
    ref = librosa.feature.mfcc(y=y, sr=sr, **kw)
    assert ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, atol=2e-3 * np.abs(ref).max())


def test_mfcc_without_the_top_db_floor_equals_librosa_on_the_same_log_mel():
    y, sr = _clip()
    ours = S.mfcc(y, sr, top_db=None)
    ref = librosa.feature.mfcc(S=librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=sr), top_db=None),
                               n_mfcc=13)
    np.testing.assert_allclose(ours, ref, atol=2e-3 * np.abs(ref).max())


def test_syncnet_convention_equals_the_package_and_differs_from_librosa():
    """SyncNet's MFCCs (lib.syncnet.mfcc_features, reused by the MFCC page) against python_speech_features,
    and against lib.spectral.mfcc with the closest librosa settings: same shape of idea, different numbers."""
    psf = pytest.importorskip("python_speech_features")
    from lib import syncnet

    y, _ = _clip(16000, 0.7)
    ours = syncnet.mfcc_features(y)
    ref = psf.mfcc(np.round(y * 32768).astype(np.int16), 16000).T
    assert ours.shape == ref.shape == (13, 1 + int(np.ceil((len(y) - 400) / 160)))
    np.testing.assert_allclose(ours, ref, rtol=1e-3, atol=1e-2)
    lib_side = S.mfcc(y, 16000, n_fft=512, hop_length=160, n_mels=26, htk=True)
    assert lib_side.shape[0] == 13
    # c0 means different things: dB-scaled mel energy (x sqrt(n_mels)) vs the natural log of frame energy.
    assert abs(float(np.median(lib_side[0])) - float(np.median(ours[0]))) > 10


def test_lifter_conventions():
    np.testing.assert_allclose(S.lifter_weights(13, 22, convention="python_speech_features"),
                               1 + 11 * np.sin(np.pi * np.arange(13) / 22))
    np.testing.assert_allclose(S.lifter_weights(13, 22), 1 + 11 * np.sin(np.pi * np.arange(1, 14) / 22))
    assert np.all(S.lifter_weights(13, 0) == 1)


def test_dct_basis_is_orthonormal_and_low_rows_mean_level_and_tilt():
    B = S.dct_basis(40, 40)
    np.testing.assert_allclose(B @ B.T, np.eye(40), atol=1e-12)
    assert np.allclose(B[0], B[0][0])  # c0: every band alike (overall level)
    assert np.all(B[1][:20] > 0) and np.all(B[1][20:] < 0)  # c1: low bands against high: tilt
    # A tilted log spectrum (falling 1 dB per band) puts nearly all its non-level energy in c1.
    tilt = -np.arange(40.0)
    c = B @ (tilt - tilt.mean())
    assert c[1] ** 2 / np.sum(c**2) > 0.8


def test_mfcc_to_log_mel_reconstructs_and_smooths():
    y, sr = _clip()
    n_mels = 40
    C_all = S.mfcc(y, sr, n_mfcc=n_mels, n_mels=n_mels, top_db=None, lifter=22)
    log_mel = S.power_to_db(S.mel_spectrogram(y, sr, n_mels=n_mels), top_db=None)
    np.testing.assert_allclose(S.mfcc_to_log_mel(C_all, n_mels, lifter=22), log_mel, atol=1e-3)
    ref = librosa.power_to_db(librosa.feature.inverse.mfcc_to_mel(C_all[:13], n_mels=n_mels, lifter=22, ref=1.0))
    np.testing.assert_allclose(S.mfcc_to_log_mel(C_all[:13], n_mels, lifter=22), ref, atol=1e-2)
    # Fewer coefficients: a smoother envelope, further from the original.
    err = [np.abs(S.mfcc_to_log_mel(C_all, n_mels, k=k, lifter=22) - log_mel).mean() for k in (4, 13, 30)]
    assert err[0] > err[1] > err[2]


def test_delta_equals_librosa():
    y, sr = _clip()
    C = S.mfcc(y, sr)
    np.testing.assert_allclose(S.delta(C), librosa.feature.delta(C), atol=1e-4)
    np.testing.assert_allclose(S.delta(C, order=2), librosa.feature.delta(C, order=2), atol=1e-4)
    ramp = np.arange(30.0)[None, :] * 2.5
    np.testing.assert_allclose(S.delta(ramp), 2.5)  # the slope of a ramp, edges included
    with pytest.raises(InputError):
        S.delta(C[:, :5])
    with pytest.raises(InputError):
        S.delta(C, width=4)
