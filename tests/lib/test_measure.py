"""Sweep measurement: the exponential law, FIR recovery under noise, harmonic delays, a room's T20."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal as ss

from lib import measure, room
from lib.errors import InputError

SR = 16000
F1, F2, T = 50.0, 7000.0, 3.0


@pytest.fixture(scope="module")
def sweep_pair():
    return measure.ess_sweep(F1, F2, T, SR, fade_s=0.05)


def test_sweep_shape_level_and_fades(sweep_pair):
    sweep, inverse = sweep_pair
    assert sweep.shape == inverse.shape == (int(T * SR),)
    assert np.max(np.abs(sweep)) == pytest.approx(1.0, abs=1e-3)
    assert abs(sweep[0]) < 1e-12 and abs(sweep[-1]) < 1e-3  # faded in and out: no clicks
    L = measure.sweep_rate(F1, F2, T)
    assert L == pytest.approx(T / np.log(F2 / F1))


def test_instantaneous_frequency_follows_the_exponential_law(sweep_pair):
    sweep, _ = sweep_pair
    phase = np.unwrap(np.angle(ss.hilbert(sweep)))
    f_inst = np.diff(phase) * SR / (2 * np.pi)
    t = (np.arange(len(f_inst)) + 0.5) / SR
    middle = (t > 0.2) & (t < T - 0.2)  # away from the fades and the Hilbert edge effects
    expected = measure.instantaneous_frequency(t[middle], F1, F2, T)
    smooth = np.convolve(f_inst, np.ones(64) / 64, mode="same")[middle]
    assert np.median(np.abs(smooth / expected - 1)) < 0.005
    # log-frequency is a straight line in time: octaves per second = 1 / (L ln 2)
    slope = np.polyfit(t[middle], np.log2(smooth), 1)[0]
    assert slope == pytest.approx(np.log2(F2 / F1) / T, rel=0.01)


def test_sweep_times_inverse_is_a_flat_band_limited_impulse(sweep_pair):
    sweep, inverse = sweep_pair
    d = np.convolve(sweep, inverse) if len(sweep) < 2000 else ss.fftconvolve(sweep, inverse)
    assert int(np.argmax(np.abs(d))) == len(sweep) - 1
    spec = np.abs(np.fft.rfft(d))
    f = np.fft.rfftfreq(len(d), 1 / SR)
    band = (f > 2 * F1) & (f < F2 / 2)
    db = 20 * np.log10(spec[band])
    assert np.max(np.abs(db)) < 0.5  # flat to +-0.5 dB over the band (unit gain)
    assert 20 * np.log10(spec[f > 1.1 * F2].max()) < -20  # and nothing above the sweep


@pytest.mark.parametrize("snr_db", [40.0, 20.0])
def test_sweep_through_a_known_fir_recovers_it(snr_db):
    sr = 48000
    sweep, inverse = measure.ess_sweep(20, 20000, 4.0, sr, fade_s=0.05)
    rng = np.random.default_rng(1)
    fir = rng.standard_normal(2400) * np.exp(-np.arange(2400) / 400)
    fir = np.convolve(fir, ss.firwin(401, [100, 10000], pass_zero=False, fs=sr))  # inside the sweep's band
    rec = ss.fftconvolve(np.concatenate([sweep, np.zeros(len(fir))]), fir)[: len(sweep) + len(fir)]
    rec += rng.standard_normal(len(rec)) * np.std(rec[: len(sweep)]) * 10 ** (-snr_db / 20)
    ir = measure.deconvolve(rec, inverse, sr, length_s=len(fir) / sr)[: len(fir)]
    assert np.corrcoef(ir, fir)[0, 1] >= 0.999
    assert np.dot(ir, fir) / np.dot(fir, fir) == pytest.approx(1.0, abs=0.01)  # unit gain


@pytest.mark.parametrize("sr, f1, f2, dur", [(16000, 50.0, 7000.0, 3.0), (48000, 20.0, 20000.0, 2.0)])
def test_harmonics_land_at_the_predicted_negative_delays(sr, f1, f2, dur):
    sweep, inverse = measure.ess_sweep(f1, f2, dur, sr, fade_s=0.05)
    # a polynomial speaker: x^2 makes the 2nd harmonic, x^3 the 3rd (and some fundamental)
    rec = np.concatenate([sweep + 0.3 * sweep**2 + 0.2 * sweep**3, np.zeros(sr // 2)])
    pre_s = 1.5 * measure.harmonic_delays_s(f1, f2, dur, [3])[0]
    full = measure.deconvolve(rec, inverse, sr, pre_s=pre_s, length_s=0.2)
    env = np.abs(ss.hilbert(full))
    zero = int(round(pre_s * sr))
    assert int(np.argmax(env)) == zero  # the linear response at time zero
    for k, expected in zip((2, 3), (0.3 / 2, 0.2 / 4)):
        dt = measure.harmonic_delays_s(f1, f2, dur, [k])[0]
        assert dt == pytest.approx(dur * np.log(k) / np.log(f2 / f1))
        pred = zero - dt * sr
        lo, hi = int(pred - 0.01 * sr), int(pred + 0.01 * sr)
        peak = lo + int(np.argmax(env[lo:hi]))
        assert abs(peak - pred) <= 1.0
        # and its size is the harmonic's amplitude (0.3 x^2 -> 0.15 cos 2phi; 0.2 x^3 -> 0.05 sin 3phi)
        assert env[peak] / env[zero] == pytest.approx(expected / (1 + 0.15), rel=0.2)
    levels = measure.harmonic_levels_db(full[:zero], full[zero:], sr, f1, f2, dur, (2, 3))
    assert levels[2] == pytest.approx(20 * np.log10(0.15 / 1.15), abs=2.5)
    assert levels[3] == pytest.approx(20 * np.log10(0.05 / 1.15), abs=2.5)


def test_a_simulated_room_measured_by_the_sweep_gives_its_t20():
    dim, src, mic = (9.0, 7.0, 3.2), (1.5, 3.5, 1.6), (6.5, 2.8, 1.2)
    absorption, _ = room.inverse_sabine(0.7, dim)
    h = room.hybrid_rir(dim, src, mic, SR, absorption_bands=absorption, seed=0).rir
    sweep, inverse = measure.ess_sweep(F1, F2, T, SR, fade_s=0.05)
    level = 0.5
    rec = measure.simulate_recording(level * sweep, h, SR, snr_db=40.0, clip_level=0.8, second_harmonic=0.1,
                                     lead_s=0.4, tail_s=len(h) / SR + 0.3, seed=2)
    m = measure.measure(rec, sweep, inverse, SR, ir_length_s=len(h) / SR, level=level)
    assert m.alignment.found and m.alignment.delay_s == pytest.approx(0.4 + np.linalg.norm(np.subtract(src, mic)) / 343,
                                                                       abs=0.2)
    t20_true = room.measure_rt60(h, SR, decay_db=20, noise_handling=False)
    t20_meas = room.measure_rt60(m.ir, SR, decay_db=20)
    assert t20_meas == pytest.approx(t20_true, rel=0.03)
    # time zero sits just before the direct sound: the response lines up with the true one
    direct = np.linalg.norm(np.subtract(src, mic)) / 343
    assert m.start_s == pytest.approx(0.4 + direct - 0.005, abs=0.003)
    assert m.notices == ()


def test_align_finds_the_sweep_start_and_rejects_other_sounds(sweep_pair):
    sweep, _ = sweep_pair
    rng = np.random.default_rng(3)
    rec = 0.05 * rng.standard_normal(int(5 * SR))
    rec[12_345 : 12_345 + len(sweep)] += 0.05 * sweep
    al = measure.align(rec, sweep, SR)
    assert al.found and al.delay_samples == 12_345 and al.delay_s == pytest.approx(12_345 / SR)
    speech_like = rng.standard_normal(int(5 * SR)) * np.repeat(rng.random(50), int(0.1 * SR))
    assert not measure.align(speech_like, sweep, SR).found


def test_recordings_that_cannot_be_measured_are_explained(sweep_pair):
    sweep, inverse = sweep_pair
    silent = np.zeros(5 * SR)
    with pytest.raises(InputError, match="silent"):
        measure.measure(silent, sweep, inverse, SR)
    with pytest.raises(InputError, match="too short"):
        measure.measure(sweep[: SR], sweep, inverse, SR)
    rng = np.random.default_rng(4)
    with pytest.raises(InputError, match="not found"):
        measure.measure(0.1 * rng.standard_normal(5 * SR), sweep, inverse, SR)
    late = np.concatenate([sweep[SR:], np.zeros(2 * SR)]) + 1e-3 * rng.standard_normal(len(sweep) + SR)
    with pytest.raises(InputError, match="after the sweep began"):
        measure.measure(late, sweep, inverse, SR)
    cut = np.concatenate([np.zeros(SR), sweep[: -SR // 2]]) + 1e-3 * rng.standard_normal(len(sweep) + SR // 2)
    with pytest.raises(InputError, match="before the sweep ends"):
        measure.measure(cut, sweep, inverse, SR)


def test_a_clipped_recording_is_measured_with_a_warning(sweep_pair):
    sweep, inverse = sweep_pair
    rec = np.clip(2.0 * np.concatenate([np.zeros(SR // 2), sweep, np.zeros(SR)]), -1, 1)
    m = measure.measure(rec, sweep, inverse, SR, ir_length_s=0.5)
    assert any("clipped" in n for n in m.notices)
    assert m.clipped_fraction > 0.1
    # the direct sound still sits just after time zero (time zero = onset - 5 ms margin; clipping smears it a little)
    assert abs(int(np.argmax(np.abs(m.ir))) - int(round(0.005 * SR))) <= 5


@pytest.mark.parametrize("args, message", [
    ((0, 1000, 1, 8000), "above 0 Hz"),
    ((1000, 500, 1, 8000), "must rise"),
    ((50, 5000, 1, 8000), "Nyquist"),
    ((50, 1000, 0, 8000), "duration"),
    ((50, 1000, 1000, 8000), "duration"),
    ((50, 1000, 1, -1), "sampling rate"),
])
def test_impossible_sweeps_are_explained(args, message):
    with pytest.raises(InputError, match=message):
        measure.ess_sweep(*args, fade_s=0.01)


@pytest.mark.parametrize("call", [
    lambda sw, inv: measure.ess_sweep("50", 1000, 1.0, 8000),
    lambda sw, inv: measure.ess_sweep(50, 1000, float("nan"), 8000),
    lambda sw, inv: measure.ess_sweep(50, 1000, 1.0, 8000.5),
    lambda sw, inv: measure.deconvolve(sw, inv, SR, pre_s=-1),
    lambda sw, inv: measure.deconvolve(sw, inv, SR, length_s=float("inf")),
    lambda sw, inv: measure.deconvolve(np.array(["a"]), inv, SR),
    lambda sw, inv: measure.deconvolve(np.ones((2, 100)), inv, SR),
    lambda sw, inv: measure.align(sw, sw, 0),
    lambda sw, inv: measure.measure(sw, sw, inv, SR, level=0),
    lambda sw, inv: measure.measure(sw, sw, inv, SR, ir_length_s=1e9),
    lambda sw, inv: measure.loudspeaker(sw, clip_level=-1),
    lambda sw, inv: measure.simulate_recording(sw, sw[:10], SR, noise_dbfs=float("nan")),
])
def test_hostile_values_raise_input_errors(sweep_pair, call):
    with pytest.raises(InputError):
        call(*sweep_pair)


def test_fades_must_fit():
    with pytest.raises(InputError, match="fit"):
        measure.ess_sweep(50, 1000, 1.0, 8000, fade_s=0.6)


def test_loudspeaker_model():
    x = np.linspace(-1, 1, 101)
    assert np.allclose(measure.loudspeaker(x), x)
    y = measure.loudspeaker(x, clip_level=0.5)
    assert np.max(np.abs(y)) < 0.5 and np.allclose(y, -y[::-1])  # odd symmetric: odd harmonics only
    assert measure.loudspeaker([0.5], second_harmonic=0.2)[0] == pytest.approx(0.55)


def test_a_sweep_with_other_settings_is_told_apart():
    dim, src, mic = (9.0, 7.0, 3.2), (1.5, 3.5, 1.6), (6.5, 2.8, 1.2)
    h = room.hybrid_rir(dim, src, mic, SR, absorption_bands=0.3, seed=0).rir
    sweep, inverse = measure.ess_sweep(F1, F2, T, SR, fade_s=0.05)
    other, _ = measure.ess_sweep(F1, F2, 2.0, SR, fade_s=0.05)  # downloaded before the length was changed
    good = measure.simulate_recording(sweep, h, SR, snr_db=30, lead_s=0.5, tail_s=1.0)
    bad = measure.simulate_recording(other, h, SR, snr_db=30, lead_s=0.5, tail_s=2.0)
    assert measure.align(good, sweep, SR).ridge_match > 0.9
    al = measure.align(bad, sweep, SR)
    assert al.detection_db > measure.MIN_DETECTION_DB  # the correlation alone is fooled...
    assert al.ridge_match < 0.5 and not al.found  # ...the frequency track is not
    with pytest.raises(InputError, match="does not follow this sweep"):
        measure.measure(bad, sweep, inverse, SR)


@pytest.mark.data
def test_a_real_rooms_response_measured_by_the_sweep_keeps_its_t20():
    """The seminar room's measured clap response as the room: sweep through it, a clipping speaker, noise."""
    import soundfile as sf

    from tests.conftest import data_file

    h, sr = sf.read(data_file("rir_clap_seminar_room_cc0.wav"))
    sweep, inverse = measure.ess_sweep(50, 16000, 3.0, sr, fade_s=0.05)
    rec = measure.simulate_recording(0.5 * sweep, h, sr, snr_db=40, clip_level=0.8, second_harmonic=0.1,
                                     lead_s=0.3, tail_s=len(h) / sr + 0.3, seed=3)
    m = measure.measure(rec, sweep, inverse, sr, ir_length_s=len(h) / sr, level=0.5)
    assert m.alignment.found
    t20_true = room.measure_rt60(h, sr, decay_db=20)  # the clap response has its own noise floor (-58 dB)
    assert room.measure_rt60(m.ir, sr, decay_db=20) == pytest.approx(t20_true, rel=0.03)
