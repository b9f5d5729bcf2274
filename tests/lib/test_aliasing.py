"""lib.aliasing against closed forms: the alias table, sampled-sine identities, Whittaker–Shannon,
zero-order hold / linear interpolation, and decimation measured with an FFT."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib import aliasing as al
from lib.errors import InputError

# ---------------------------------------------------------------------------------------------
# Where a frequency lands
# ---------------------------------------------------------------------------------------------
ALIAS_TABLE = [
    # (f, fs, apparent)
    (70, 100, 30),  # the anchor example
    (30, 100, 30),  # below Nyquist: unchanged
    (0, 100, 0),
    (100, 100, 0),  # k·fs -> DC
    (300, 100, 0),
    (50, 100, 50),  # fs/2 edge stays at fs/2
    (150, 100, 50),
    (130, 100, 30),
    (170, 100, 30),
    (-70, 100, 30),  # negative frequency: same magnitude
    (1234, 100, 34),  # f > 10 fs
    (7, 1, 0),  # fs = 1 Hz
    (0.3, 1, 0.3),
    (30_000, 44_100, 14_100),
    (25_000, 48_000, 23_000),
]


@pytest.mark.parametrize("f, fs, expected", ALIAS_TABLE)
def test_alias_table(f, fs, expected):
    assert al.alias_frequency(f, fs) == pytest.approx(expected, abs=1e-9)


def test_alias_vectorised_matches_scalar():
    f = np.array([row[0] for row in ALIAS_TABLE if row[1] == 100], dtype=float)
    out = al.alias_frequency(f, 100)
    assert isinstance(out, np.ndarray)
    assert out == pytest.approx([al.alias_frequency(x, 100) for x in f])


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf")])
def test_alias_rejects_bad_rate(bad):
    with pytest.raises(InputError, match="Sampling rate"):
        al.alias_frequency(10, bad)


freqs = st.floats(min_value=-1e5, max_value=1e5, allow_nan=False, allow_infinity=False)
rates = st.floats(min_value=0.5, max_value=1e5, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(f=freqs, sr=rates, k=st.integers(-50, 50))
def test_alias_properties(f, sr, k):
    fa = al.alias_frequency(f, sr)
    tol = 1e-9 * max(1.0, abs(f), abs(k) * sr)
    assert 0.0 <= fa <= sr / 2  # in the baseband
    assert al.alias_frequency(f + k * sr, sr) == pytest.approx(fa, abs=tol)  # periodic in fs
    assert al.alias_frequency(-f, sr) == pytest.approx(fa, abs=tol)  # symmetric
    assert al.alias_frequency(k * sr - f, sr) == pytest.approx(fa, abs=tol)  # mirrored images too


@settings(max_examples=200, deadline=None)
@given(f=st.floats(0, 5000), sr=st.floats(1, 2000))
def test_alias_really_has_the_same_samples_and_is_the_lowest(f, sr):
    """cos(2 pi f n / fs) and cos(2 pi f_a n / fs) are the same sequence; no lower frequency matches."""
    fa = al.alias_frequency(f, sr)
    n = np.arange(64)
    assert np.allclose(np.cos(2 * np.pi * f * n / sr), np.cos(2 * np.pi * fa * n / sr), atol=1e-6)
    candidates = np.abs(f + sr * np.arange(-int(f / sr) - 3, int(f / sr) + 3))
    assert fa <= candidates.min() + 1e-9


SIGNED_TABLE = [(3.8 * 6, 24, -1.2), (4.2 * 6, 24, 1.2), (24, 24, 0), (13, 24, -11), (11, 24, 11), (-5, 24, -5)]


@pytest.mark.parametrize("f, fs, expected", SIGNED_TABLE)
def test_signed_alias(f, fs, expected):
    out = al.signed_alias(f, fs)
    assert out == pytest.approx(expected, abs=1e-9)
    assert abs(out) == pytest.approx(al.alias_frequency(f, fs), abs=1e-9)


FOLD_TABLE = [(0, 100, 0), (30, 100, 0), (50, 100, 0), (70, 100, 1), (100, 100, 1), (101, 100, 2), (160, 100, 3),
              (250, 100, 4), (0.3, 0.1, 5), (1234, 100, 24)]


@pytest.mark.parametrize("f, fs, expected", FOLD_TABLE)
def test_fold_count_table(f, fs, expected):
    assert al.fold_count(f, fs) == expected


@settings(max_examples=200, deadline=None)
@given(f=st.floats(0.01, 5000), sr=st.floats(1, 1000))
def test_fold_parity_is_the_slope_of_the_zigzag(f, sr):
    """Between corners the apparent frequency rises (even folds) or falls (odd folds) with slope 1."""
    x = f / (sr / 2)
    if abs(x - round(x)) < 1e-3:  # too close to a corner to take a finite difference
        return
    h = 1e-4 * sr
    slope = (al.alias_frequency(f + h, sr) - al.alias_frequency(f - h, sr)) / (2 * h)
    assert slope == pytest.approx(1.0 if al.fold_count(f, sr) % 2 == 0 else -1.0, abs=1e-6)


def test_samples_per_cycle():
    assert al.samples_per_cycle(70, 100) == pytest.approx(100 / 70)
    assert al.samples_per_cycle(0, 100) == np.inf
    assert al.samples_per_cycle(np.array([0.0, 25.0]), 100).tolist() == [np.inf, 4.0]


# ---------------------------------------------------------------------------------------------
# Ghosts: images really pass through the samples
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("f, fs, phase", [(70, 100, 0.0), (30, 100, 1.0), (0, 10, 0.7), (50, 100, 0.4),
                                          (1234, 100, 2.0), (3.3, 1, -0.5)])
def test_ghost_curves_pass_through_the_samples(f, fs, phase):
    t, x = al.sample(f, fs, 64 / fs, t0=-3 / fs, phase_rad=phase)
    images = al.alias_images(f, fs, phase_rad=phase, max_freq_hz=f + 6 * fs)
    freqs_ = [im.freq_hz for im in images]
    assert freqs_ == sorted(freqs_)
    assert any(abs(im.freq_hz - al.alias_frequency(f, fs)) < 1e-9 for im in images)
    assert len(images) >= 6
    for im in images:
        ghost = np.sin(2 * np.pi * im.freq_hz * t + im.phase_rad)
        np.testing.assert_allclose(ghost, x, atol=1e-8)
    # ...and between the samples they differ (they are genuinely different curves)
    mid = t[:-1] + 0.37 / fs
    curves = [np.sin(2 * np.pi * im.freq_hz * mid + im.phase_rad) for im in images]
    for a in range(len(curves)):
        for b in range(a + 1, len(curves)):
            assert np.max(np.abs(curves[a] - curves[b])) > 1e-3


def test_image_frequencies_match_the_images():
    f, fs, top = 70.0, 100.0, 720.0
    expected = sorted({round(im.freq_hz, 9) for im in al.alias_images(f, fs, max_freq_hz=top)})
    np.testing.assert_allclose(al.image_frequencies(f, fs, top), expected)
    assert al.image_frequencies(0, 100, 300).tolist() == [0, 100, 200, 300]


def test_folding_polyline_is_exact():
    x, y = al.folding_polyline(437.0, 100.0)
    assert x[0] == 0 and x[-1] == 437.0
    np.testing.assert_allclose(y, al.alias_frequency(x, 100.0))
    dense = np.linspace(0, 437, 5001)
    np.testing.assert_allclose(np.interp(dense, x, y), al.alias_frequency(dense, 100.0), atol=1e-9)
    # a window far up the axis (the page zooms there when f >> fs)
    x, y = al.folding_polyline(2031.7, 10.0, min_freq_hz=1978.2)
    assert x[0] == 1978.2 and x[-1] == 2031.7 and len(x) == 2 + 11
    dense = np.linspace(1978.2, 2031.7, 3001)
    np.testing.assert_allclose(np.interp(dense, x, y), al.alias_frequency(dense, 10.0), atol=1e-9)


# ---------------------------------------------------------------------------------------------
# Sampling and reconstruction
# ---------------------------------------------------------------------------------------------
def test_sample_sine_and_callable():
    t, x = al.sample(5.0, 40.0, 0.5, amplitude=0.3, phase_rad=0.2)
    assert len(t) == 20
    np.testing.assert_allclose(np.diff(t), 1 / 40.0)
    np.testing.assert_allclose(x, 0.3 * np.sin(2 * np.pi * 5 * t + 0.2))
    t2, x2 = al.sample(lambda tt: tt**2, 10.0, 1.0, t0=1.0)
    np.testing.assert_allclose(t2, 1.0 + np.arange(10) / 10)
    np.testing.assert_allclose(x2, t2**2)


@pytest.mark.parametrize("sr, dur", [(0, 1), (-5, 1), (10, 0), (10, -1)])
def test_sample_rejects_bad_input(sr, dur):
    with pytest.raises(InputError):
        al.sample(5.0, sr, dur)


def test_sinc_reconstruction_recovers_a_band_limited_signal():
    """A Gaussian-windowed pair of tones (bandwidth well below fs/2, ~0 at the ends) is recovered to 1e-9."""
    fs = 100.0
    t_c, sigma = 2.0, 0.35

    def x(t):
        env = np.exp(-0.5 * ((t - t_c) / sigma) ** 2)
        return env * (np.cos(2 * np.pi * 11.0 * t) + 0.5 * np.sin(2 * np.pi * 23.0 * t + 0.3))

    t_s, x_s = al.sample(x, fs, 4.0)
    t = np.linspace(0.5, 3.5, 3001)
    y = al.reconstruct(x_s, fs, t, method="sinc")
    np.testing.assert_allclose(y, x(t), atol=1e-9)


def test_sinc_reconstruction_of_a_sine_is_accurate_away_from_the_edges():
    fs, f = 100.0, 13.0
    errs = []
    for n_side in (100, 400):
        t_s, x_s = al.sample(f, fs, (2 * n_side + 1) / fs, t0=-n_side / fs, phase_rad=0.3)
        t = np.linspace(-0.2, 0.2, 801)  # middle of the sampled stretch
        y = al.reconstruct(x_s, fs, t, method="sinc", t0=-n_side / fs)
        errs.append(np.max(np.abs(y - np.sin(2 * np.pi * f * t + 0.3))))
    assert errs[1] < 2e-3
    assert errs[1] < errs[0] / 2  # truncation error shrinks as more samples are used


def test_sinc_reconstruction_follows_the_alias_above_nyquist():
    """Samples of a 70 Hz tone at 100 Hz reconstruct as the 30 Hz ghost (phase pi - phi)."""
    fs, f, ph = 100.0, 70.0, 0.4
    t_s, x_s = al.sample(f, fs, 801 / fs, t0=-4.0, phase_rad=ph)
    t = np.linspace(-0.3, 0.3, 601)
    y = al.reconstruct(x_s, fs, t, method="sinc", t0=-4.0)
    np.testing.assert_allclose(y, np.sin(2 * np.pi * 30.0 * t + np.pi - ph), atol=2e-3)


def test_every_method_passes_through_the_samples():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(40)
    t = 0.25 + np.arange(40) / 8.0
    for method in al.METHODS:
        np.testing.assert_allclose(al.reconstruct(x, 8.0, t, method=method, t0=0.25), x, atol=1e-12)


def test_zoh_and_linear_closed_forms():
    rng = np.random.default_rng(1)
    x = rng.standard_normal(30)
    sr, t0 = 4.0, 0.5
    t = rng.uniform(t0, t0 + 29 / sr, 500)
    u = (t - t0) * sr
    np.testing.assert_allclose(al.reconstruct(x, sr, t, method="zoh", t0=t0), x[np.floor(u).astype(int)])
    lo = np.floor(u).astype(int)
    frac = u - lo
    hi = np.minimum(lo + 1, 29)
    np.testing.assert_allclose(al.reconstruct(x, sr, t, method="linear", t0=t0), (1 - frac) * x[lo] + frac * x[hi])
    # midpoints of linear are averages of neighbours; outside the stretch both methods give 0
    mid = t0 + (np.arange(29) + 0.5) / sr
    np.testing.assert_allclose(al.reconstruct(x, sr, mid, method="linear", t0=t0), (x[:-1] + x[1:]) / 2)
    outside = np.array([t0 - 0.01, t0 + 30 / sr + 0.01])
    for method in ("zoh", "linear"):
        assert np.all(al.reconstruct(x, sr, outside, method=method, t0=t0) == 0)


def test_vectorised_sinc_matches_the_textbook_double_loop_and_chunking(monkeypatch):
    rng = np.random.default_rng(2)
    x = rng.standard_normal(50)
    t = rng.uniform(-1, 7, 300)
    ref = al.reconstruct_naive(x, 8.0, t, t0=0.1)
    np.testing.assert_allclose(al.reconstruct(x, 8.0, t, t0=0.1), ref, atol=1e-12)
    monkeypatch.setattr(al, "_SINC_CHUNK", 200)  # force many small chunks
    np.testing.assert_allclose(al.reconstruct(x, 8.0, t, t0=0.1), ref, atol=1e-12)


def test_sinc_is_accurate_right_next_to_the_samples():
    """The one-sine-per-point form must not lose precision where u - k is tiny."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal(300)
    for eps in (0.0, 1e-12, 1e-8, 1e-5, 1e-3):
        t = (np.array([10, 150, 299]) + eps) / 7.0
        ref = al.reconstruct_naive(x, 7.0, t)
        np.testing.assert_allclose(al.reconstruct(x, 7.0, t), ref, atol=1e-9)


def test_fft_synthesis_of_sampled_harmonics_equals_the_direct_sum():
    """Integer-Hz harmonics, some far above Nyquist, at exactly fs/2 and at k fs."""
    for shape in ("square", "sawtooth", "triangle"):
        f, a, p = al.harmonic_series(shape, 440, 60)  # up to ~52 kHz at 8 kHz sampling
        t = np.arange(12_000) / 8000
        np.testing.assert_allclose(al.sampled_harmonics(f, a, p, 8000, 12_000), al.sum_of_sines(f, a, p, t),
                                   atol=1e-9)
    f = np.array([0.0, 4000.0, 8000.0, 12_345.0, 3999.0])
    a = np.array([0.3, 0.5, 0.2, 0.1, 0.4])
    p = np.array([0.3, 0.2, 1.0, 2.0, -1.0])
    np.testing.assert_allclose(al.sampled_harmonics(f, a, p, 8000, 9000),
                               al.sum_of_sines(f, a, p, np.arange(9000) / 8000), atol=1e-9)
    # non-integer frequencies take the direct path
    np.testing.assert_allclose(al.sampled_harmonics([440.5], [1.0], [0.0], 8000, 100),
                               np.sin(2 * np.pi * 440.5 * np.arange(100) / 8000))


def test_reconstruct_rejects_bad_input():
    with pytest.raises(InputError, match="no samples"):
        al.reconstruct([], 10, [0.0])
    with pytest.raises(InputError, match="Unknown reconstruction"):
        al.reconstruct([1.0], 10, [0.0], method="cubic")


def test_dense_grid_budget():
    t, ok = al.dense_grid(0, 1, 10, points_per_cycle=20, max_points=4000)
    assert ok and len(t) == 400 and t[0] == 0 and t[-1] == 1
    t, ok = al.dense_grid(0, 1, 1000, points_per_cycle=20, max_points=4000)
    assert not ok and len(t) == 4000


# ---------------------------------------------------------------------------------------------
# Harmonics, sweeps, playback
# ---------------------------------------------------------------------------------------------
def test_harmonic_series_closed_forms():
    f, a, p = al.harmonic_series("square", 100, 5)
    n = np.array([1, 3, 5, 7, 9])
    np.testing.assert_allclose(f, 100 * n)
    np.testing.assert_allclose(a * np.cos(p), 4 / (np.pi * n))
    f, a, p = al.harmonic_series("sawtooth", 100, 4)
    n = np.arange(1, 5)
    np.testing.assert_allclose(a * np.cos(p), 2 * (-1.0) ** (n + 1) / (np.pi * n), atol=1e-15)
    f, a, p = al.harmonic_series("triangle", 100, 4)
    n = np.array([1, 3, 5, 7])
    np.testing.assert_allclose(a * np.cos(p), 8 * (-1.0) ** ((n - 1) // 2) / (np.pi**2 * n**2), atol=1e-15)
    with pytest.raises(InputError):
        al.harmonic_series("noise", 100, 4)
    with pytest.raises(InputError):
        al.harmonic_series("square", 0, 4)


def test_sum_of_harmonics_converges_to_the_square_wave():
    f, a, p = al.harmonic_series("square", 1.0, 2000)
    t = np.array([0.25, 0.75, 0.1, 0.6])  # away from the jumps
    np.testing.assert_allclose(al.sum_of_sines(f, a, p, t), [1, -1, 1, -1], atol=0.01)


def test_sampled_chirp_follows_the_folding_prediction():
    """The spectrogram peak of a sampled sweep sits on alias(f_true(t)), frame by frame."""
    from lib.spectral import fft_frequencies, stft

    sr = 8000
    sw = al.sampled_chirp(20, 12_000, sr, 3.0)
    np.testing.assert_allclose(sw["f_true"], 20 + (12_000 - 20) * sw["t"] / 3.0)
    np.testing.assert_allclose(sw["x"], 0.5 * np.sin(2 * np.pi * (20 * sw["t"] + 0.5 * (11_980 / 3.0) * sw["t"] ** 2)),
                               atol=1e-9)
    n_fft, hop = 512, 256
    S = np.abs(stft(sw["x"], n_fft=n_fft, hop_length=hop))
    peak = fft_frequencies(sr, n_fft)[S.argmax(axis=0)]
    centre = np.arange(S.shape[1]) * hop / sr
    pred = al.alias_frequency(20 + 11_980 * centre / 3.0, sr)
    inner = (centre > 0.1) & (centre < 2.9)
    near_edge = (np.abs(pred - sr / 2) < 200) | (pred < 200)  # a fold is inside the window: two ridges
    ok = np.abs(peak - pred)[inner & ~near_edge]
    assert np.median(ok) < 2 * sr / n_fft and ok.max() < 5 * sr / n_fft


def test_playback_rate_and_upsample():
    assert [al.playback_rate(s) for s in (8000, 11025, 16000, 4000)] == [40000, 44100, 48000, 40000]
    x = np.array([1.0, -2.0, 3.0])
    np.testing.assert_array_equal(al.upsample(x, 3, method="zoh"), np.repeat(x, 3))
    np.testing.assert_array_equal(al.upsample(x, 1), x)
    # sinc upsampling of a band-limited tone is the tone at the higher rate (away from the ends)
    sr, k, f = 1000, 4, 123.0
    t = np.arange(2000) / sr
    y = al.upsample(np.sin(2 * np.pi * f * t), k)
    tt = np.arange(2000 * k) / (sr * k)
    mid = slice(400 * k, 1600 * k)
    np.testing.assert_allclose(y[mid], np.sin(2 * np.pi * f * tt[mid]), atol=2e-3)
    with pytest.raises(InputError):
        al.upsample(x, 0)


# ---------------------------------------------------------------------------------------------
# Decimation: measured with an FFT
# ---------------------------------------------------------------------------------------------
SR = 16_000


def _tone(f, n=SR, amp=0.5):
    return amp * np.sin(2 * np.pi * f * np.arange(n) / SR)


def _level_at(y, sr, f_hz):
    """Amplitude of the spectral line nearest f_hz (Blackman-Harris window, coherent-gain corrected)."""
    from scipy.signal import get_window

    w = get_window("blackmanharris", len(y))
    spec = np.abs(np.fft.rfft(y * w)) / (w.sum() / 2)
    freqs = np.fft.rfftfreq(len(y), 1 / sr)
    k = int(np.argmin(np.abs(freqs - f_hz)))
    return float(spec[max(k - 3, 0) : k + 4].max()), freqs


def test_naive_decimation_is_every_mth_sample():
    y = np.arange(23.0)
    np.testing.assert_array_equal(al.decimate(y, 4, antialias=False), y[::4])
    np.testing.assert_array_equal(al.decimate(y, 1), y)


def test_naive_decimation_folds_a_tone_to_the_predicted_alias():
    M, f0 = 4, 3100.0  # new rate 4 kHz, new Nyquist 2 kHz: 3100 Hz folds to 900 Hz
    y = al.decimate(_tone(f0), M, antialias=False)
    new_sr = SR / M
    fa = al.alias_frequency(f0, new_sr)
    assert fa == pytest.approx(900.0)
    level, freqs = _level_at(y, new_sr, fa)
    assert level == pytest.approx(0.5, rel=0.02)  # full amplitude, just at the wrong frequency
    spec = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    assert freqs[np.argmax(spec)] == pytest.approx(fa, abs=2.0)


@pytest.mark.parametrize("kind, order", [("butter", 8), ("cheby2", 8), ("fir", 256)])
def test_antialias_decimation_leaves_only_what_the_stopband_lets_through(kind, order):
    M, cutoff = 4, 0.9
    new_sr = SR / M
    flt = al.design_antialias(SR, M, cutoff=cutoff, order=order, kind=kind)
    fr, mag_db = flt.response(8192)
    for f0 in (2600.0, 3100.0, 5300.0, 7100.0):  # all above the new Nyquist (2 kHz)
        y = al.decimate(_tone(f0), M, sr=SR, cutoff=cutoff, order=order, kind=kind)
        level, _ = _level_at(y, new_sr, al.alias_frequency(f0, new_sr))
        allowed = 0.5 * 10 ** (np.interp(f0, fr, mag_db) / 20)  # what the filter's response predicts
        assert level <= 1.5 * allowed + 1e-6, (f0, level, allowed)
        naive, _ = _level_at(al.decimate(_tone(f0), M, antialias=False), new_sr, al.alias_frequency(f0, new_sr))
        assert level < naive / 100  # at least 40 dB better than naive
    # the passband survives
    level, _ = _level_at(al.decimate(_tone(500.0), M, sr=SR, cutoff=cutoff, order=order, kind=kind), new_sr, 500.0)
    assert level == pytest.approx(0.5, rel=0.02)


def test_antialias_filter_removes_broadband_energy_above_the_new_nyquist():
    """White noise through the filter: above the stopband edge what remains is what the stopband allows."""
    from scipy.signal import welch

    M = 4
    flt = al.design_antialias(SR, M, cutoff=0.8, order=10, kind="cheby2", stopband_db=60)
    x = np.random.default_rng(3).standard_normal(8 * SR)
    y = flt.apply(x)
    trim = slice(SR // 2, -SR // 2)  # leave out the filter's start/end transients
    win = ("kaiser", 20.0)  # side lobes ~ -150 dB, so leakage from the passband does not mask the stopband
    f, Px = welch(x[trim], SR, window=win, nperseg=4096)
    _, Py = welch(y[trim], SR, window=win, nperseg=4096)
    fr, mag_db = flt.response(8192)
    stop = f >= flt.cutoff_hz + 12 * SR / 4096  # clear of the estimator's main lobe
    measured_db = 10 * np.log10(Py[stop] / Px[stop])
    # The estimator sees each band through its window's main lobe (~12 bins), so compare with the largest
    # gain of the response within that reach (the Chebyshev response has exact nulls a window cannot resolve).
    reach = 12 * SR / 4096
    allowed_db = np.array([mag_db[(fr >= fk - reach) & (fr <= fk + reach)].max() for fk in f[stop]])
    assert np.all(measured_db <= allowed_db + 3.0)  # per band: no more than the stopband lets through
    assert 10 * np.log10(Py[stop].sum() / Px[stop].sum()) < -100  # forward-backward: ~2 x 60 dB
    # ...so after decimation the new band holds essentially only the passband content
    d = al.decimate(x, M, sr=SR, cutoff=0.8, order=10, kind="cheby2")
    naive = al.decimate(x, M, antialias=False)
    share = np.mean(10 ** (mag_db / 10))  # white noise keeps the mean of |H|^2 (the passband's share)
    assert np.var(d) == pytest.approx(share * np.var(x), rel=0.05)
    assert np.var(naive) == pytest.approx(np.var(x), rel=0.05)  # naive keeps all of it, folded


def test_decimate_and_design_reject_bad_input():
    y = np.zeros(7)
    with pytest.raises(InputError, match="too short"):
        al.decimate(y, 4)
    with pytest.raises(InputError, match="at least 1"):
        al.decimate(np.zeros(100), 0)
    with pytest.raises(InputError, match="mono"):
        al.decimate(np.zeros((10, 2)), 2)
    for kwargs in (dict(cutoff=0), dict(cutoff=1.5), dict(kind="bessel"), dict(order=0), dict(order=80)):
        with pytest.raises(InputError):
            al.design_antialias(SR, 4, **kwargs)


def test_fir_response_is_linear_phase_and_centred():
    flt = al.design_antialias(SR, 2, cutoff=0.5, order=64, kind="fir")
    np.testing.assert_allclose(flt.taps, flt.taps[::-1])  # symmetric -> linear phase
    impulse = np.zeros(301)
    impulse[150] = 1.0
    out = flt.apply(impulse)
    assert int(np.argmax(out)) == 150  # no delay left to undo


def test_short_clips_still_filter():
    """A clip barely long enough (2 output samples) must not crash the zero-phase IIR."""
    out = al.decimate(np.ones(8), 4, sr=SR, kind="butter", order=8)
    assert out.shape == (2,) and np.all(np.isfinite(out))


# ---------------------------------------------------------------------------------------------
# Wagon wheel
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("rps, fps, spokes, expected", [
    (4.0, 24, 6, 0.0),  # one spoke-pass per frame: frozen
    (3.8, 24, 6, -0.2),  # a hair slower: creeps backwards
    (4.2, 24, 6, 0.2),
    (24.0, 24, 1, 0.0),
    (13.0, 24, 1, -11.0),
    (1.0, 24, 1, 1.0),
])
def test_wheel_apparent_rate(rps, fps, spokes, expected):
    assert al.wheel_apparent_rate(rps, fps, n_spokes=spokes) == pytest.approx(expected, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(rps=st.floats(0, 100), fps=st.floats(1, 120), spokes=st.integers(1, 12))
def test_wheel_apparent_rate_is_within_half_a_spoke_per_frame(rps, fps, spokes):
    app = al.wheel_apparent_rate(rps, fps, n_spokes=spokes)
    assert abs(app * spokes) <= fps / 2 + 1e-9
    # the snapshots of the real and the apparent motion coincide modulo the spoke spacing
    k = np.arange(10)
    diff = (rps - app) * k / fps * spokes
    np.testing.assert_allclose(diff, np.round(diff), atol=1e-6)


def test_wheel_rejects_bad_input():
    with pytest.raises(InputError):
        al.wheel_apparent_rate(1, 0)
    with pytest.raises(InputError):
        al.wheel_apparent_rate(1, 24, n_spokes=0)


@pytest.mark.parametrize("kind", ["butter", "cheby2"])
def test_forward_backward_response_is_the_squared_magnitude(kind):
    """response() reports |H|^2 of the zero-phase filtfilt: measured on an impulse (issue 15, item 8)."""
    sr, factor = 8000.0, 4
    flt = al.design_antialias(sr, factor, order=6, kind=kind)
    f, db = flt.response(n=512)
    n = 8192
    x = np.zeros(n)
    x[n // 2] = 1.0
    h = flt.apply(x)
    k = np.arange(n) - n // 2
    measured = np.abs(np.exp(-2j * np.pi * np.outer(f, k) / sr) @ h)
    keep = db > -60
    np.testing.assert_allclose(20 * np.log10(measured[keep]), db[keep], atol=0.05)
    # at the cutoff a Butterworth pass is -3 dB, so the effective response reads -6 dB
    if kind == "butter":
        assert np.interp(flt.cutoff_hz, f, db) == pytest.approx(-6.02, abs=0.05)
