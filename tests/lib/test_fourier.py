"""lib.fourier against closed forms, numerical Fourier integrals and constructed ground truth."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from hypothesis import given, settings
from hypothesis import strategies as st

from lib import fourier as F
from lib.errors import InputError
from lib.samples import sample_path

M = 1 << 16  # samples per period for the numerical integrals


def numeric_coefficients(shape, n_harmonics, duty=0.5):
    """Fourier integrals of the target by the FFT of a finely sampled period (rectangle rule).

    Returns the complex c_n (n = 0..N) of x(u) = sum c_n e^{i 2 pi n u}, one-sided.
    """
    u = F.period_grid(M)
    x = F.target_waveform(shape, u, duty=duty)
    X = np.fft.rfft(x) / M
    return X[: n_harmonics + 1]


def polar_to_complex(amps, phases):
    # A sin(2 pi n u + phi) = (A/2i) e^{i phi} e^{i 2 pi n u} + c.c.  ->  c_n = -i A e^{i phi} / 2
    return -0.5j * amps * np.exp(1j * phases)


@pytest.mark.parametrize("shape,duty", [("sine", 0.5), ("square", 0.5), ("sawtooth", 0.5), ("triangle", 0.5),
                                        ("pulse", 0.5), ("pulse", 0.25), ("pulse", 0.1), ("pulse", 0.737)])
def test_closed_forms_match_numerical_fourier_integrals(shape, duty):
    n = 40
    amps, phases = F.series_coefficients(shape, n, duty=duty)
    c = numeric_coefficients(shape, n, duty)
    # jumps cost O(1/M) in the rectangle rule; continuous waves are exact to rounding
    np.testing.assert_allclose(polar_to_complex(amps, phases), c[1:], atol=5e-5)
    assert c[0].real == pytest.approx(F.series_dc(shape, duty=duty), abs=5e-5)


def test_textbook_closed_forms_and_sign_convention():
    n = np.arange(1, 26)
    odd = n % 2 == 1
    for shape, b in [
        ("square", np.where(odd, 4 / (np.pi * n), 0.0)),
        ("sawtooth", 2 * (-1.0) ** (n + 1) / (np.pi * n)),
        ("triangle", np.where(odd, 8 * (-1.0) ** ((n - 1) // 2) / (np.pi**2 * n**2), 0.0)),
    ]:
        amps, phases = F.series_coefficients(shape, 25)
        assert np.all(amps >= 0)
        # a negative b_n is stored as |b_n| with phase pi
        np.testing.assert_allclose(amps * np.cos(phases), b, atol=1e-15)
        assert set(np.round(phases, 12)) <= {0.0, round(np.pi, 12)}
    # exact values spelled out
    a, p = F.series_coefficients("square", 3)
    np.testing.assert_allclose(a, [4 / np.pi, 0, 4 / (3 * np.pi)])
    a, p = F.series_coefficients("sawtooth", 2)
    np.testing.assert_allclose(a, [2 / np.pi, 1 / np.pi])
    np.testing.assert_allclose(p, [0, np.pi])
    a, p = F.series_coefficients("triangle", 3)
    np.testing.assert_allclose(a, [8 / np.pi**2, 0, 8 / (9 * np.pi**2)])
    np.testing.assert_allclose(p, [0, 0, np.pi])


def test_pulse_with_half_duty_is_the_square_and_has_zeros_at_multiples_of_one_over_d():
    a_sq, p_sq = F.series_coefficients("square", 30)
    a_pu, p_pu = F.series_coefficients("pulse", 30, duty=0.5)
    np.testing.assert_allclose(a_pu, a_sq, atol=1e-12)
    np.testing.assert_allclose(np.where(a_sq > 0, p_pu, 0), np.where(a_sq > 0, p_sq, 0), atol=1e-12)
    a, _ = F.series_coefficients("pulse", 30, duty=0.2)
    assert np.all(a[[4, 9, 14, 19, 24, 29]] == 0)  # n = 5, 10, ... (n d integer)
    assert F.series_dc("pulse", duty=0.2) == pytest.approx(-0.6)


@pytest.mark.parametrize("shape,duty", [("sine", .5), ("square", .5), ("sawtooth", .5), ("triangle", .5), ("pulse", .3)])
def test_parseval(shape, duty):
    u = F.period_grid(M)
    x = F.target_waveform(shape, u, duty=duty)
    ms = F.mean_square(shape, duty=duty)
    assert np.mean(x**2) == pytest.approx(ms, abs=1e-4)
    gaps = []
    for n in (10, 100, 1000, 10000):
        a, _ = F.series_coefficients(shape, n, duty=duty)
        gaps.append(ms - F.series_dc(shape, duty=duty) ** 2 - np.sum(a**2) / 2)
    assert all(g >= -1e-12 for g in gaps)
    assert gaps[-1] < 1e-4  # the missing power vanishes as N grows ...
    assert all(g2 <= g1 + 1e-15 for g1, g2 in zip(gaps, gaps[1:]))  # ... monotonically


def test_rms_error_vs_n_equals_direct_measurement():
    for shape, smoothing in [("square", "none"), ("sawtooth", "lanczos"), ("triangle", "fejer"), ("pulse", "none")]:
        exact = F.rms_error_vs_n(shape, 30, duty=0.3, smoothing=smoothing)
        u = F.period_grid(M)
        x = F.target_waveform(shape, u, duty=0.3)
        for n in (1, 7, 30):
            a, p = F.series_coefficients(shape, n, duty=0.3)
            s = F.partial_sum(a * F.smoothing_factors(n, smoothing), p, M, dc=F.series_dc(shape, duty=0.3))
            assert F.rms_error(s, x) == pytest.approx(exact[n - 1], rel=2e-3, abs=1e-4)
    sq = F.rms_error_vs_n("square", 1000)
    # the missing power of a square wave is ~ 4/(pi^2 N) (sum over odd n > N of 8/(pi^2 n^2))
    assert sq[999] == pytest.approx(np.sqrt(4 / (np.pi**2 * 1000)), rel=0.01)


def test_gibbs_overshoot_tends_to_the_wilbraham_gibbs_constant():
    assert F.GIBBS_FRACTION == pytest.approx(0.0894898722, abs=1e-9)
    ov = F.overshoot_vs_n("square", [5, 20, 100, 400, 1600])
    assert np.all(np.diff(ov) < 0)  # narrows and settles from above
    assert ov[-1] == pytest.approx(F.GIBBS_FRACTION, abs=5e-5)
    assert abs(ov[2] - F.GIBBS_FRACTION) < 1e-3
    saw = F.overshoot_vs_n("sawtooth", [3000])[0]
    assert saw == pytest.approx(F.GIBBS_FRACTION, abs=1e-3)
    pulse = F.overshoot_vs_n("pulse", [1000], duty=0.3)[0]
    assert pulse == pytest.approx(F.GIBBS_FRACTION, abs=1e-3)


def test_smoothing_reduces_the_overshoot():
    ns = [20, 100, 400]
    sigma = F.overshoot_vs_n("square", ns, smoothing="lanczos")
    fejer = F.overshoot_vs_n("square", ns, smoothing="fejer")
    assert np.all(sigma < 0.015) and np.all(sigma > 0.005)  # Lanczos: ~1.2 % of the jump
    assert np.all(fejer <= 1e-12)  # Fejer's kernel is non-negative: never overshoots


def test_smoothing_factor_closed_forms():
    np.testing.assert_allclose(F.smoothing_factors(3, "fejer"), [0.75, 0.5, 0.25])
    np.testing.assert_allclose(F.smoothing_factors(1, "lanczos"), [np.sin(np.pi / 2) / (np.pi / 2)])
    np.testing.assert_allclose(F.smoothing_factors(4, "none"), np.ones(4))
    with pytest.raises(InputError):
        F.smoothing_factors(4, "hann")


def test_gibbs_overshoot_definition():
    target = np.array([-1.0, -1.0, 1.0, 1.0])
    assert F.gibbs_overshoot(np.array([-1.0, -1.2, 1.2, 1.0]), target) == pytest.approx(0.1)
    assert F.gibbs_overshoot(np.array([-0.5, -0.5, 0.5, 0.5]), target) == pytest.approx(-0.25)
    with pytest.raises(InputError):
        F.gibbs_overshoot(np.ones(3), np.ones(3))
    with pytest.raises(InputError):
        F.gibbs_overshoot(np.ones(3), np.ones(4))


def test_synthesize_makes_exact_sines():
    sr, f0 = 8000, 125.0
    y = F.synthesize([0, 0, 0.5], [0, 0, 0], f0, sr, 1.0)
    t = np.arange(sr) / sr
    np.testing.assert_allclose(y, 0.5 * np.sin(2 * np.pi * 375 * t), atol=1e-12)
    spec = np.abs(np.fft.rfft(y))
    assert np.argmax(spec) * sr / len(y) == 375.0
    # a cosine is a sine with phase pi/2, and the dc term adds a constant
    y = F.synthesize([1.0], [np.pi / 2], 50.0, sr, 0.5, dc=0.25)
    np.testing.assert_allclose(y, 0.25 + np.cos(2 * np.pi * 50 * t[:4000]), atol=1e-12)


def test_synthesize_many_harmonics_matches_the_direct_formula():
    a, p = F.series_coefficients("sawtooth", 150)
    sr, f0 = 48000, 61.7
    y = F.synthesize(a, p, f0, sr, 0.5)
    t = np.arange(len(y)) / sr
    n = np.arange(1, 151)
    ref = np.sum(a[:, None] * np.sin(2 * np.pi * n[:, None] * f0 * t[None, :] + p[:, None]), axis=0)
    np.testing.assert_allclose(y, ref, atol=1e-9)


def test_band_limit_drops_and_no_band_limit_aliases():
    sr = 8000
    a = np.zeros(5)
    a[0], a[4] = 1.0, 1.0  # 1000 Hz and 5000 Hz (above the 4000 Hz Nyquist)
    p = np.zeros(5)
    clean = F.synthesize(a, p, 1000.0, sr, 1.0, band_limit=True)
    aliased = F.synthesize(a, p, 1000.0, sr, 1.0, band_limit=False)
    f = np.fft.rfftfreq(sr, 1 / sr)
    s_clean, s_alias = np.abs(np.fft.rfft(clean)), np.abs(np.fft.rfft(aliased))
    assert s_clean[f == 3000][0] < 1e-6 * s_clean.max()
    assert s_alias[f == 3000][0] > 0.4 * s_alias.max()  # 5000 Hz folds to 8000 - 5000 = 3000 Hz
    listed = F.harmonics_above_nyquist(5, 1000.0, sr, a)
    assert listed == [(5, 5000.0, 3000.0)]
    assert F.harmonics_above_nyquist(5, 1000.0, sr) == [(4, 4000.0, 4000.0), (5, 5000.0, 3000.0)]


@pytest.mark.parametrize("kwargs", [dict(f0_hz=0.0), dict(f0_hz=-5.0), dict(f0_hz=4000.0), dict(f0_hz=9000.0),
                                    dict(sr=0), dict(duration_s=0)])
def test_synthesize_rejects_bad_input(kwargs):
    args = dict(amplitudes=[1.0], phases=[0.0], f0_hz=100.0, sr=8000, duration_s=0.1)
    args.update(kwargs)
    with pytest.raises(InputError):
        F.synthesize(**args)


def test_series_coefficients_reject_bad_input():
    with pytest.raises(InputError, match="at least 1"):
        F.series_coefficients("square", 0)
    with pytest.raises(InputError):
        F.series_coefficients("square", 2.5)
    with pytest.raises(InputError, match="duty"):
        F.series_coefficients("pulse", 5, duty=0.0)
    with pytest.raises(InputError, match="duty"):
        F.series_coefficients("pulse", 5, duty=1.0)
    with pytest.raises(InputError, match="Unknown"):
        F.series_coefficients("noise", 5)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0, 2), min_size=1, max_size=40), st.integers(0, 1000))
def test_partial_sum_fft_route_equals_direct_sum(amps, seed):
    a = np.array(amps)
    p = np.random.default_rng(seed).uniform(-np.pi, np.pi, len(a))
    m = 256
    np.testing.assert_allclose(F.partial_sum(a, p, m, dc=0.3), F.partial_sum(a, p, F.period_grid(m), dc=0.3),
                               atol=1e-9)


def test_phase_scramble_keeps_magnitudes_and_power_but_changes_the_wave():
    a, p = F.series_coefficients("square", 31)
    a1, p1 = F.phase_scramble(a, p, seed=3)
    a2, p2 = F.phase_scramble(a, p, seed=3)
    _, p3 = F.phase_scramble(a, p, seed=4)
    np.testing.assert_array_equal(a1, a)
    np.testing.assert_array_equal(p1, p2)  # seeded
    assert not np.allclose(p1, p3)
    assert np.all((p1 > -np.pi) & (p1 <= np.pi))
    x0, x1 = F.partial_sum(a, p, 4096), F.partial_sum(a1, p1, 4096)
    assert np.sqrt(np.mean(x0**2)) == pytest.approx(np.sqrt(np.mean(x1**2)), rel=1e-9)
    assert np.max(np.abs(x0 - x1)) > 0.5
    assert F.peak_factor(x1) > F.peak_factor(x0) + 0.2  # a square's phases give it the lowest peak factor
    assert F.peak_factor(np.sin(2 * np.pi * F.period_grid(1000))) == pytest.approx(np.sqrt(2), rel=1e-6)


def test_schroeder_phases_lower_the_peak_factor_of_a_flat_spectrum():
    n = np.arange(1, 32)
    a = np.ones(31)
    phi = F.schroeder_phases(a)
    # equal amplitudes: -pi n (n-1) / N in the cosine convention = that + pi/2 as sine phases
    np.testing.assert_allclose(np.angle(np.exp(1j * (phi - (np.pi / 2 - np.pi * n * (n - 1) / 31)))), 0, atol=1e-9)
    cosines = F.peak_factor(F.partial_sum(a, np.full(31, np.pi / 2), 8192))
    schroeder = F.peak_factor(F.partial_sum(a, phi, 8192))
    randoms = [F.peak_factor(F.partial_sum(a, F.phase_scramble(a, a, seed=s)[1], 8192)) for s in range(10)]
    assert cosines == pytest.approx(np.sqrt(2 * 31), rel=1e-9)  # all cosine peaks at t = 0: N / sqrt(N/2)
    assert schroeder < 1.9 < min(randoms)
    assert np.all(F.schroeder_phases(np.array([0.0, 1.0, 0.0]))[[0, 2]] == 0)


def test_decay_exponent_and_phasor_chain():
    assert F.decay_exponent(F.series_coefficients("square", 99)[0]) == pytest.approx(1.0, abs=1e-9)
    assert F.decay_exponent(F.series_coefficients("sawtooth", 99)[0]) == pytest.approx(1.0, abs=1e-9)
    assert F.decay_exponent(F.series_coefficients("triangle", 99)[0]) == pytest.approx(2.0, abs=1e-9)
    a, p = F.series_coefficients("sawtooth", 12)
    for u in (0.0, 0.13, 0.77):
        chain = F.phasor_chain(a, p, u, dc=0.1)
        assert len(chain) == 13
        assert chain[-1].imag == pytest.approx(F.partial_sum(a, p, np.array([u]), dc=0.1)[0], abs=1e-12)


def test_target_waveform_values():
    u = np.array([0.125, 0.25, 0.625, 0.75])
    np.testing.assert_allclose(F.target_waveform("square", u), [1, 1, -1, -1])
    np.testing.assert_allclose(F.target_waveform("sawtooth", u), [0.25, 0.5, -0.75, -0.5])
    np.testing.assert_allclose(F.target_waveform("triangle", u), [0.5, 1, -0.5, -1], atol=1e-12)
    np.testing.assert_allclose(F.target_waveform("pulse", u, duty=0.2), [1, -1, -1, -1])
    assert F.jump_positions("triangle") == [] and F.jump_positions("sawtooth") == [0.5]


# --- analysis ------------------------------------------------------------------------------------


@pytest.mark.parametrize("f0", [82.4, 137.3, 261.6, 440.0, 733.0])
def test_estimate_f0_on_synthetic_waves(f0):
    sr = 16000
    a, p = F.series_coefficients("sawtooth", 20)
    y = F.synthesize(a, p, f0, sr, 0.25, band_limit=True)
    est = F.estimate_f0(y, sr)
    # parabolic interpolation of the lag: a few tenths of a percent at 22 samples per period
    assert est.f0_hz == pytest.approx(f0, rel=2.5e-3)
    assert est.aperiodicity < 0.05
    # the least-squares polish of harmonic_analysis removes what the parabola leaves
    assert F.harmonic_analysis(y, sr, est.f0_hz, 20).f0_hz == pytest.approx(f0, rel=5e-5)


def test_estimate_f0_with_a_weak_fundamental_and_noise():
    sr = 22050
    a = np.array([0.05, 1.0, 0.8, 0.6, 0.4])  # a missing-ish fundamental: the pitch is still f0
    y = F.synthesize(a, np.zeros(5), 150.0, sr, 0.3)
    y += 0.05 * np.random.default_rng(0).standard_normal(len(y))
    assert F.estimate_f0(y, sr).f0_hz == pytest.approx(150.0, rel=5e-3)


def test_estimate_f0_refuses_noise_silence_and_short_input():
    sr = 16000
    noise = np.random.default_rng(1).standard_normal(sr // 4)
    with pytest.raises(InputError, match="No clear pitch"):
        F.estimate_f0(noise, sr)
    with pytest.raises(InputError, match="silent"):
        F.estimate_f0(np.zeros(sr // 4), sr)
    with pytest.raises(InputError, match="too short"):
        F.estimate_f0(np.ones(100), sr)


@pytest.mark.parametrize("name,f0", [("vowel_a_120hz.flac", 120.0), ("plucked_string_220hz.flac", 220.0)])
def test_estimate_f0_on_the_built_in_samples(name, f0):
    path = sample_path(name)
    if not path.exists():
        pytest.skip(f"{name} not generated (run samples/make_samples.py)")
    y, sr = sf.read(path, dtype="float64")
    for start_s in (0.2, 0.5, 1.0):
        seg = y[int(start_s * sr): int((start_s + 0.2) * sr)]
        assert F.estimate_f0(seg, sr).f0_hz == pytest.approx(f0, rel=0.01)


def test_estimate_f0_agrees_with_librosa_yin():
    librosa = pytest.importorskip("librosa")
    path = sample_path("plucked_string_220hz.flac")
    if not path.exists():
        pytest.skip("sample not generated")
    y, sr = sf.read(path, dtype="float64")
    seg = y[int(0.5 * sr): int(0.7 * sr)]
    ref = np.median(librosa.yin(seg, fmin=60, fmax=1000, sr=sr, frame_length=2048))
    assert F.estimate_f0(seg, sr, fmin_hz=60, fmax_hz=1000).f0_hz == pytest.approx(ref, rel=0.005)


def test_harmonic_analysis_recovers_known_harmonics_off_the_dft_grid():
    sr, f0 = 16000, 173.3  # not a divisor of sr: no bin lands on the harmonics
    rng = np.random.default_rng(5)
    a = rng.uniform(0.05, 0.5, 12)
    p = rng.uniform(-np.pi, np.pi, 12)
    y = F.synthesize(a, p, f0, sr, 0.2, dc=0.02)
    fit = F.harmonic_analysis(y, sr, f0 * 1.004, 12, n_periods=5)  # a slightly wrong f0 gets polished
    assert fit.f0_hz == pytest.approx(f0, rel=5e-5)
    np.testing.assert_allclose(fit.amplitudes, a, atol=1e-4)
    np.testing.assert_allclose(np.angle(np.exp(1j * (fit.phases - p))), 0, atol=1e-3)
    assert fit.dc == pytest.approx(0.02, abs=1e-4)
    assert fit.error_db < -60
    assert len(fit.segment) == int(round(5 * sr / fit.f0_hz))
    # fewer harmonics than present: the error is the power left out (Parseval on the fitted stretch)
    fit4 = F.harmonic_analysis(y, sr, f0, 4, n_periods=5, refine_f0=False)
    left = np.sum(a[4:] ** 2) / 2
    total = np.sum(a**2) / 2 + 0.02**2
    assert fit4.error_db == pytest.approx(10 * np.log10(left / total), abs=0.2)
    # the one-QR error curve equals separate least-squares fits, N by N
    curve = F.fit_error_vs_n(y, sr, f0, 14, n_periods=5)
    for n in (1, 4, 9, 11):
        assert curve[n - 1] == pytest.approx(
            F.harmonic_analysis(y, sr, f0, n, n_periods=5, refine_f0=False).error_db, abs=1e-6)
    # from n = 12 on there is nothing left to explain: what remains is the rounding of |y|^2 - |Q^T y|^2
    # (~1e-16 relative, i.e. about -160 dB; exact cancellation to -300 dB depends on the BLAS build)
    assert np.all(curve[11:] < -130)


def test_harmonic_analysis_error_tracks_added_noise_and_drops_harmonics_above_nyquist():
    sr, f0 = 8000, 500.0
    a = np.array([0.5, 0.3, 0.2])
    y = F.synthesize(a, np.zeros(3), f0, sr, 0.1)
    noise = 0.01 * np.random.default_rng(2).standard_normal(len(y))
    fit = F.harmonic_analysis(y + noise, sr, f0, 10, n_periods=40, refine_f0=False)
    snr_db = 10 * np.log10(np.mean(y**2) / 0.01**2)
    assert fit.error_db == pytest.approx(-snr_db, abs=1.0)
    assert fit.n_dropped == 3  # harmonics 8, 9, 10 reach 4000 Hz or more
    with pytest.raises(InputError, match="too short"):
        F.harmonic_analysis(y[:50], sr, f0, 3, n_periods=4)


def test_rebuilding_the_built_in_vowel():
    path = sample_path("vowel_a_120hz.flac")
    if not path.exists():
        pytest.skip("sample not generated")
    y, sr = sf.read(path, dtype="float64")
    seg = y[int(0.5 * sr):]
    est = F.estimate_f0(seg[: int(0.2 * sr)], sr)
    fit = F.harmonic_analysis(seg, sr, est.f0_hz, 25, n_periods=4)
    assert fit.f0_hz == pytest.approx(120.0, rel=0.015)  # the local pitch (the vowel has 1 % vibrato)
    errs = F.fit_error_vs_n(seg, sr, fit.f0_hz, 25, n_periods=4)
    assert errs[-1] == pytest.approx(fit.error_db, abs=1e-6)
    assert errs[0] > -3  # one sine is a poor vowel
    assert errs[-1] < -25  # 25 harmonics rebuild it to better than -25 dB
    assert np.all(np.diff(errs) <= 1e-6)  # nested least squares: more harmonics never fit worse
