"""Spectra, STFT and mel filters against closed forms and librosa."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib import spectral
from lib.audio import load_audio
from lib.errors import InputError
from tests.conftest import data_file

librosa = pytest.importorskip("librosa")


@pytest.mark.parametrize("k", [3, 10, 100, 509])  # away from DC/Nyquist, where the image at -k overlaps the main lobe
@pytest.mark.parametrize("window", ["rect", "hann", "blackman"])
def test_sine_on_bin_k_peaks_at_k(k, window):
    n, sr = 1024, 8000
    y = np.cos(2 * np.pi * k * np.arange(n) / n)
    freqs, mag = spectral.magnitude_spectrum(y, sr, window=window)
    assert np.argmax(mag) == k
    assert freqs[k] == pytest.approx(k * sr / n)


def test_amplitude_scaling_reads_the_sine_amplitude():
    n, sr, k, amp = 4096, 16000, 300, 0.37
    y = amp * np.sin(2 * np.pi * k * np.arange(n) / n)
    for window in ("rect", "hann", "hamming", "blackman", "kaiser"):
        _, mag = spectral.magnitude_spectrum(y, sr, window=window, scaling="amplitude")
        assert mag.max() == pytest.approx(amp, rel=1e-6)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(min_value=2, max_value=3000), seed=st.integers(0, 9999))
def test_parseval_rectangular_window(n, seed):
    y = np.random.default_rng(seed).standard_normal(n)
    _, mag = spectral.magnitude_spectrum(y, 1000.0, window="rect")
    # One-sided: bins other than DC and (for even n) Nyquist stand for two.
    w = np.full(len(mag), 2.0)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    assert np.sum(w * mag**2) / n == pytest.approx(np.sum(y**2), rel=1e-9)


def test_zero_padding_interpolates_the_same_spectrum():
    y = np.random.default_rng(0).standard_normal(256)
    f1, m1 = spectral.magnitude_spectrum(y, 1000, window="hann")
    f4, m4 = spectral.magnitude_spectrum(y, 1000, window="hann", n_fft=1024)
    np.testing.assert_allclose(m4[::4], m1, rtol=1e-10, atol=1e-12)
    assert f4[1] == pytest.approx(f1[1] / 4)


@pytest.mark.parametrize("offset", [0.0, 0.25, 0.5, 0.37])
def test_interpolated_peak_beats_the_bin_grid(offset):
    n, sr = 2048, 8000
    f_true = (200 + offset) * sr / n
    y = np.sin(2 * np.pi * f_true * np.arange(n) / sr)
    freqs, mag = spectral.magnitude_spectrum(y, sr, window="hann", n_fft=n)
    f_est, _ = spectral.interpolate_peak(freqs, mag)
    assert abs(f_est - f_true) < 0.06 * sr / n  # under 6 % of a bin (raw grid: up to 50 %)


def test_window_coherent_gain_matches_closed_forms():
    n = 4096
    assert spectral.get_window("rect", n).mean() == pytest.approx(1.0)
    assert spectral.get_window("hann", n).mean() == pytest.approx(0.5)
    assert spectral.get_window("hamming", n).mean() == pytest.approx(0.54)
    assert spectral.get_window("blackman", n).mean() == pytest.approx(0.42)


@pytest.mark.parametrize("n_fft,hop,win,window", [
    (2048, 512, None, "hann"), (1024, 256, 512, "hamming"), (512, 100, 400, "blackman"), (256, 256, None, "rect"),
])
def test_stft_matches_librosa(n_fft, hop, win, window):
    y = np.random.default_rng(2).standard_normal(20000).astype(np.float32)
    ours = spectral.stft(y, n_fft=n_fft, hop_length=hop, win_length=win, window=window)
    ref = librosa.stft(y, n_fft=n_fft, hop_length=hop, win_length=win,
                       window=spectral.WINDOWS[window], center=True, pad_mode="constant")
    assert ours.shape == ref.shape == (1 + n_fft // 2, 1 + len(y) // hop)
    np.testing.assert_allclose(ours, ref, rtol=1e-4, atol=1e-4 * np.abs(ref).max())


@pytest.mark.parametrize("htk", [False, True])
@pytest.mark.parametrize("sr,n_fft,n_mels,fmin,fmax", [
    (22050, 2048, 128, 0.0, None), (16000, 512, 40, 50.0, 7600.0), (44100, 4096, 80, 20.0, 16000.0),
])
def test_mel_filterbank_matches_librosa(htk, sr, n_fft, n_mels, fmin, fmax):
    ours = spectral.mel_filterbank(sr, n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax, htk=htk)
    ref = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax, htk=htk)
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-7)


def test_mel_scale_round_trip_and_anchor_points():
    f = np.linspace(0, 20000, 501)
    for htk in (False, True):
        np.testing.assert_allclose(spectral.mel_to_hz(spectral.hz_to_mel(f, htk=htk), htk=htk), f, atol=1e-6)
    assert spectral.hz_to_mel(1000.0) == pytest.approx(15.0)  # Slaney: 1 kHz is mel 15
    assert spectral.hz_to_mel(1000.0, htk=True) == pytest.approx(1000.0, rel=1e-3)  # HTK: ~1000 mel


def test_chirp_ridge_follows_its_instantaneous_frequency():
    from lib import signals

    sr, dur = 16000, 2.0
    y = signals.chirp(200, 6000, sr, dur, method="linear")
    S = np.abs(spectral.stft(y, n_fft=1024, hop_length=256))
    t = np.arange(S.shape[1]) * 256 / sr
    ridge = spectral.fft_frequencies(sr, 1024)[np.argmax(S, axis=0)]
    inner = (t > 0.1) & (t < dur - 0.1)
    expected = signals.chirp_frequency(t[inner], 200, 6000, dur)
    assert np.max(np.abs(ridge[inner] - expected)) < 2 * sr / 1024


@pytest.mark.parametrize("name,max_s", [("dry_speech_vctk_p286_011.wav", None), ("trumpet_sorohanro_solo-trumpet-06.ogg", None)])
def test_mel_spectrogram_matches_librosa_on_real_audio(name, max_s):
    clip = load_audio(data_file(name), max_duration_s=max_s)
    ours = spectral.mel_spectrogram(clip.samples, clip.sr, n_fft=2048, hop_length=512, n_mels=128)
    ref = librosa.feature.melspectrogram(y=clip.samples, sr=clip.sr, n_fft=2048, hop_length=512, n_mels=128)
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-5 * ref.max())
    db_ours = spectral.power_to_db(ours, ref=np.max)
    db_ref = librosa.power_to_db(ref, ref=np.max)
    np.testing.assert_allclose(db_ours, db_ref, atol=1e-3)


def test_resolution_readout():
    r = spectral.stft_resolution(22050, 22050, n_fft=2048, hop_length=512, win_length=1024)
    assert r.df_hz == pytest.approx(22050 / 2048)
    assert r.dt_s == pytest.approx(512 / 22050)
    assert r.overlap == pytest.approx(0.5)
    assert (r.n_frames, r.n_bins) == (1 + 22050 // 512, 1025)


def test_bad_inputs_raise_input_error():
    with pytest.raises(InputError):
        spectral.stft(np.ones(100), n_fft=256, hop_length=0)
    with pytest.raises(InputError):
        spectral.stft(np.ones(100), n_fft=256, hop_length=64, win_length=512)
    with pytest.raises(InputError):
        spectral.mel_filterbank(16000, 512, n_mels=40, fmin=5000, fmax=4000)
    with pytest.raises(InputError):
        spectral.mel_filterbank(16000, 512, n_mels=40, fmax=9000)
    with pytest.raises(InputError):
        spectral.magnitude_spectrum(np.array([]), 1000)
    with pytest.raises(InputError):
        spectral.get_window("nonsense", 10)


def test_pooled_power_equals_pooling_the_full_stft():
    """Block-by-block max-pooling gives exactly the pooled full STFT (and its mel projection)."""
    rng = np.random.default_rng(3)
    y = rng.standard_normal(50_000).astype(np.float32)
    S = np.abs(spectral.stft(y, n_fft=512, hop_length=64)) ** 2
    img, first = spectral.pooled_power(y, n_fft=512, hop_length=64, max_frames=90)
    fc = int(np.ceil(S.shape[1] / 90))
    assert img.shape == (257, int(np.ceil(S.shape[1] / fc))) and first[1] == fc
    for j in (0, 17, img.shape[1] - 1):
        np.testing.assert_allclose(img[:, j], S[:, j * fc:(j + 1) * fc].max(axis=1), rtol=1e-6)
    fb = spectral.mel_filterbank(16000, 512, n_mels=40)
    mel, _ = spectral.pooled_power(y, n_fft=512, hop_length=64, max_frames=90, filterbank=fb)
    np.testing.assert_allclose(mel[:, 5], (fb @ S)[:, 5 * fc:6 * fc].max(axis=1), rtol=1e-5)


def test_a_huge_stft_is_refused_with_the_sizes():
    y = np.zeros(30 * 48000, np.float32)
    y[::1000] = 1.0
    with pytest.raises(InputError, match="Raise the hop"):
        spectral.stft(y, n_fft=8192, hop_length=64)
    img, _ = spectral.pooled_power(y, n_fft=8192, hop_length=64, max_frames=900)  # the display path still works
    assert img.shape[0] == 4097 and 800 < img.shape[1] <= 900 and np.all(np.isfinite(img))


def test_amplitude_to_db_squares_its_reference():
    """20 log10(S / ref): the reference is an amplitude too (issue 15, item 8: it was not squared)."""
    import librosa

    S = np.array([0.5, 1.0, 2.0, 4.0])
    np.testing.assert_allclose(spectral.amplitude_to_db(S, ref=2.0, top_db=None), 20 * np.log10(S / 2.0), atol=1e-9)
    np.testing.assert_allclose(spectral.amplitude_to_db(S, ref=2.0, top_db=None),
                               librosa.amplitude_to_db(S, ref=2.0, top_db=None), atol=1e-5)
    assert spectral.amplitude_to_db(np.array([4.0]), ref=4.0, top_db=None)[0] == pytest.approx(0.0, abs=1e-9)


def test_mel_spectrogram_defaults_to_slaney_like_librosa():
    """The default mel scale is Slaney's (librosa's), checked on a synthetic chirp without ../shared."""
    import librosa

    sr = 16000
    t = np.arange(sr) / sr
    y = (0.5 * np.sin(2 * np.pi * (100 * t + 3000 * t * t))).astype(np.float32)
    ours = spectral.mel_spectrogram(y, sr, n_fft=1024, hop_length=256, n_mels=64)
    ref = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=1024, hop_length=256, n_mels=64)
    np.testing.assert_allclose(ours, ref, rtol=2e-3, atol=1e-6 * ref.max())
    htk = spectral.mel_spectrogram(y, sr, n_fft=1024, hop_length=256, n_mels=64, htk=True)
    assert np.max(np.abs(htk - ours)) > 0.05 * ours.max()  # the two scales really differ
