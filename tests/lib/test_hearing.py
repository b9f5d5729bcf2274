"""lib.hearing against closed forms and published standard values."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib import hearing as H
from lib.errors import InputError

SR = 22050


# --------------------------------------------------------------------------- notes


def test_note_table_endpoints_and_size():
    table = H.note_table()
    assert (table[0].name, table[-1].name) == ("C0", "C8")
    assert len(table) == 8 * 12 + 1
    assert table[0].freq_hz == pytest.approx(16.35, abs=0.005)
    assert table[-1].freq_hz == pytest.approx(4186.01, abs=0.005)
    by_name = {n.name: n for n in table}
    assert by_name["A4"].freq_hz == 440.0 and by_name["A4"].midi == 69
    assert by_name["C4"].freq_hz == pytest.approx(261.63, abs=0.005)  # middle C
    # The A0...A6 chart of the source: 27.5, 55, ..., 1760 Hz, one doubling per octave.
    assert [by_name[f"A{o}"].freq_hz for o in range(7)] == pytest.approx([27.5 * 2**o for o in range(7)])


def test_note_table_follows_the_reference_pitch():
    baroque = {n.name: n.freq_hz for n in H.note_table(415.0)}
    assert baroque["A4"] == 415.0
    assert baroque["A3"] == pytest.approx(207.5)


def test_semitone_ratio_and_octave():
    table = H.note_table()
    ratios = np.array([b.freq_hz / a.freq_hz for a, b in zip(table, table[1:])])
    np.testing.assert_allclose(ratios, 1.0594630943592953, rtol=1e-12)
    assert H.SEMITONE == pytest.approx(1.05946, abs=1e-5)
    assert H.cents(440, 880) == pytest.approx(1200.0)


@pytest.mark.parametrize("freq,name,cents", [
    (440.0, "A4", 0.0), (261.6255653005986, "C4", 0.0), (466.1637615180899, "A#4", 0.0),
    (445.0, "A4", 1200 * np.log2(445 / 440)), (27.5, "A0", 0.0), (4186.009044809578, "C8", 0.0),
    (440 * 2 ** (49 / 1200), "A4", 49.0), (440 * 2 ** (51 / 1200), "A#4", -49.0),
])
def test_hz_to_note(freq, name, cents):
    got_name, got_cents = H.hz_to_note(freq)
    assert got_name == name
    assert got_cents == pytest.approx(cents, abs=1e-9)


def test_hz_to_note_440_is_exact():
    assert H.hz_to_note(440) == ("A4", 0.0)


@given(st.floats(min_value=20.0, max_value=20000.0))
@settings(max_examples=60, deadline=None)
def test_midi_round_trip(freq):
    assert H.midi_to_hz(H.hz_to_midi(freq)) == pytest.approx(freq, rel=1e-12)
    name, c = H.hz_to_note(freq)
    assert -50.0 <= c < 50.0
    assert H.midi_to_hz(H.note_to_midi(name)) * 2 ** (c / 1200) == pytest.approx(freq, rel=1e-9)


def test_note_names_parse_and_print():
    assert H.midi_to_note(60) == "C4" and H.midi_to_note(21) == "A0" and H.midi_to_note(108) == "C8"
    assert H.note_to_midi("A4") == 69 and H.note_to_midi("Bb3") == H.note_to_midi("A#3") == 58
    assert H.note_to_midi("Cb4") == 59 and H.note_to_midi("B#3") == 60
    assert all(H.note_to_midi(H.midi_to_note(m)) == m for m in range(0, 128))
    assert H.pitch_class(110) == H.pitch_class(880) == "A"
    with pytest.raises(InputError):
        H.note_to_midi("H2")


def test_period_and_wavelength():
    assert H.period_s(1000) == pytest.approx(1e-3)
    assert H.wavelength_m(343) == pytest.approx(1.0)
    assert H.wavelength_m(20) == pytest.approx(17.15) and H.wavelength_m(20000) == pytest.approx(0.01715)


# --------------------------------------------------------------------------- levels


def test_levels_closed_forms():
    assert H.spl_db(1.0) == pytest.approx(93.979, abs=1e-3)  # 1 Pa
    assert H.spl_db(20e-6) == pytest.approx(0.0)
    assert H.spl_to_pressure(94.0) == pytest.approx(1.0024, abs=1e-4)
    assert H.inverse_square(80.0, 1.0, 2.0) == pytest.approx(80 - 6.0206, abs=1e-4)  # -6 dB per doubling
    assert H.inverse_square(80.0, 1.0, 10.0) == pytest.approx(60.0)
    assert H.add_levels([60, 60]) == pytest.approx(63.0103, abs=1e-4)  # two equal sources: +3 dB
    assert H.add_levels([60, 60], coherent=True) == pytest.approx(66.0206, abs=1e-4)  # in phase: +6 dB
    assert H.add_levels([60, 50]) == pytest.approx(60.4139, abs=1e-4)
    assert H.intensity_w_m2(1.0) == pytest.approx(1 / 413)
    assert H.niosh_exposure_hours(85) == 8.0 and H.niosh_exposure_hours(88) == 4.0
    assert H.niosh_exposure_hours(100) == pytest.approx(0.25)


# --------------------------------------------------------------------------- ISO 226:2023

#: ISO 226:2023 (third edition, 2023-03), Annex B, Table B.1 "Normal equal-loudness-level
#: contours": sound pressure level (dB, printed to 0.1 dB) of a pure tone at a loudness
#: level (phon). Entries as (phon, frequency Hz, dB SPL).
ISO226_2023_TABLE_B1 = [
    (20, 20.0, 89.5), (20, 12500.0, 33.0),
    (40, 20.0, 99.7), (40, 63.0, 73.0), (40, 250.0, 50.3), (40, 4000.0, 36.7), (40, 8000.0, 51.6),
    (60, 100.0, 78.5), (60, 500.0, 62.1),
    (80, 20.0, 118.9), (80, 12500.0, 85.6),
]
#: ISO 226:2023 Annex B, Table B.2: loudness level (phon) of a tone at a sound pressure level,
#: as (dB SPL, frequency Hz, phon).
ISO226_2023_TABLE_B2 = [(60.0, 63.0, 21.6), (80.0, 8000.0, 68.6), (90.0, 20.0, 20.8), (70.0, 400.0, 67.1),
                        (50.0, 3150.0, 53.9)]


@pytest.mark.parametrize("phon,freq,spl", ISO226_2023_TABLE_B1)
def test_equal_loudness_contour_matches_iso226_2023_annex_b(phon, freq, spl):
    freqs, levels = H.equal_loudness_contour(phon)
    assert levels[list(freqs).index(freq)] == pytest.approx(spl, abs=0.1)
    # the same through an explicit frequency list
    assert H.equal_loudness_contour(phon, [freq])[1][0] == pytest.approx(spl, abs=0.1)


@pytest.mark.parametrize("spl,freq,phon", ISO226_2023_TABLE_B2)
def test_loudness_level_matches_iso226_2023_annex_b(spl, freq, phon):
    assert H.loudness_level(spl, freq) == pytest.approx(phon, abs=0.1)


@pytest.mark.parametrize("phon", [2.4, 10, 20, 40, 60, 80, 90, 100])
def test_contour_at_1khz_equals_the_phon_value(phon):
    freqs, levels = H.equal_loudness_contour(phon)
    assert levels[list(freqs).index(1000.0)] == pytest.approx(phon, abs=1e-9)
    assert H.equal_loudness_contour(phon, [1000.0])[1][0] == pytest.approx(phon, abs=1e-9)


def test_contour_and_loudness_level_are_inverses():
    freqs, levels = H.equal_loudness_contour(55.0)
    np.testing.assert_allclose(H.loudness_level(levels, freqs), 55.0, atol=1e-9)
    f = np.geomspace(20, 12500, 50)
    _, lv = H.equal_loudness_contour(70.0, f)
    np.testing.assert_allclose(H.loudness_level(lv, f), 70.0, atol=1e-9)


def test_threshold_contour_is_the_hearing_threshold():
    freqs, levels = H.equal_loudness_contour(H.ISO226_T_R)
    np.testing.assert_allclose(levels, H.ISO226_T_F, atol=1e-9)
    assert H.hearing_threshold()[1][list(freqs).index(4000.0)] == -5.4  # most sensitive region: 3-4 kHz


def test_contours_rise_with_phon_and_flatten():
    _, c20 = H.equal_loudness_contour(20)
    _, c80 = H.equal_loudness_contour(80)
    assert np.all(c80 > c20)
    # Low frequencies need much more level at 20 phon than at 80 phon, relative to 1 kHz.
    assert (c20[0] - 20) - (c80[0] - 80) > 30


def test_iso226_bad_input():
    for phon in (0.0, 150.0, float("nan")):
        with pytest.raises(InputError):
            H.equal_loudness_contour(phon)
    with pytest.raises(InputError, match="20 Hz to 12.5 kHz"):
        H.equal_loudness_contour(40, [15000.0])
    with pytest.raises(InputError, match="threshold"):
        H.loudness_level(0.0, 100.0)


# --------------------------------------------------------------------------- A-weighting and bands


def test_a_weighting_published_values():
    # IEC 61672-1:2013 Table 3 (nominal values, 0.1 dB): 1 kHz 0.0, 100 Hz -19.1, 10 kHz -2.5.
    assert H.a_weighting(1000) == pytest.approx(0.0, abs=0.05)
    assert H.a_weighting(100) == pytest.approx(-19.1, abs=0.05)
    assert H.a_weighting(10000) == pytest.approx(-2.5, abs=0.05)
    # The table's nominal 31.5 Hz and 4 kHz stand for the exact base-10 frequencies 10^(n/10) kHz.
    assert H.a_weighting(1000 * 10 ** -1.5) == pytest.approx(-39.4, abs=0.05)
    assert H.a_weighting(1000 * 10 ** 0.6) == pytest.approx(1.0, abs=0.05)


def test_a_weighting_agrees_with_librosa():
    librosa = pytest.importorskip("librosa")
    f = np.geomspace(10, 20000, 200)
    np.testing.assert_allclose(H.a_weighting(f), librosa.A_weighting(f, min_db=None), atol=1e-3)


def test_critical_band_scales():
    assert H.erb_hz(1000) == pytest.approx(132.639)
    assert H.erb_hz(0) == pytest.approx(24.7)
    assert H.hz_to_bark(1000) == pytest.approx(8.51, abs=0.01)  # Zwicker & Terhardt: 1 kHz ~ 8.5 Bark
    assert H.hz_to_bark(15500) == pytest.approx(24.0, abs=0.2)
    assert H.hz_to_erb_rate(1000) == pytest.approx(15.62, abs=0.01)
    f = np.geomspace(20, 16000, 100)
    assert np.all(np.diff(H.hz_to_bark(f)) > 0) and np.all(np.diff(H.hz_to_erb_rate(f)) > 0)


def test_masking_power_spectrum_model():
    # Noise of 200 Hz width, -30 dBFS RMS, centred on a 1 kHz tone: the ERB (132.6 Hz)
    # lies inside the band, so the noise power in the filter is -30 + 10 log10(132.6 / 200).
    got = H.masked_threshold_dbfs(1000, 900, 1100, -30)
    assert got == pytest.approx(-30 + 10 * np.log10(H.erb_hz(1000) / 200) + H.MASKING_K_DB)
    assert H.masked_threshold_dbfs(4000, 900, 1100, -30) == float("-inf")  # far away: no masking
    # Doubling the band at the same total level halves the density in the filter: -3 dB.
    assert H.masked_threshold_dbfs(1000, 800, 1200, -30) == pytest.approx(got - 3.0103, abs=1e-4)


# --------------------------------------------------------------------------- tones


def test_band_noise_spectrum_and_level():
    y = H.band_noise(900, 1100, SR, 1.0, rms=0.1, seed=3)
    assert np.sqrt(np.mean(y.astype(float) ** 2)) == pytest.approx(0.1, rel=1e-5)
    spec = np.abs(np.fft.rfft(y)) ** 2
    f = np.fft.rfftfreq(len(y), 1 / SR)
    assert spec[(f < 890) | (f > 1110)].sum() < 1e-6 * spec.sum()


def test_safe_tone_level_fades_and_cap():
    y = H.safe_tone(1000, SR, 1.0, level_dbfs=-20, fade_s=0.05)
    assert float(np.max(np.abs(y))) == pytest.approx(0.1, rel=1e-3)
    assert abs(y[0]) < 1e-6 and abs(y[-1]) < 1e-3  # faded: no click at either end
    assert np.max(np.abs(y[: int(0.01 * SR)])) < 0.1 * 0.2
    with pytest.raises(InputError, match="cap"):
        H.safe_tone(1000, SR, 1.0, level_dbfs=0)
    with pytest.raises(InputError, match="Nyquist"):
        H.safe_tone(12000, SR, 1.0)


def test_harmonic_tone_spectrum_and_missing_fundamental():
    y = H.harmonic_tone(200, SR, 1.0, [1, 0.5, 0.25], fade_s=0.0)
    X = np.abs(np.fft.rfft(y)) / (len(y) / 2)  # 200 Hz is on a bin (1 s)
    assert X[[200, 400, 600]] / X[200] == pytest.approx([1, 0.5, 0.25], rel=1e-6)
    y2 = H.harmonic_tone(200, SR, 1.0, [1, 0.5, 0.25], include_fundamental=False, fade_s=0.0)
    X2 = np.abs(np.fft.rfft(y2))
    assert X2[200] < 1e-6 * X2.max() and X2[400] == pytest.approx(X2.max())


def test_beats():
    assert H.beat_frequency(440, 444) == 4.0


# --------------------------------------------------------------------------- pitch


@pytest.mark.parametrize("f0", [110.0, 261.63, 987.77])
def test_estimate_f0_with_and_without_the_fundamental(f0):
    weights = [1.0, 0.6, 0.4, 0.3, 0.2, 0.1]
    full = H.harmonic_tone(f0, SR, 0.5, weights)
    missing = H.harmonic_tone(f0, SR, 0.5, weights, include_fundamental=False)
    for y in (full, missing):
        est = H.estimate_f0(y, SR, fmin=65, fmax=2100)
        assert abs(H.cents(f0, est)) < 1.0  # a tuner needs better than a few cents


def test_f0_and_strongest_peak_differ_when_the_second_harmonic_is_louder():
    y = H.harmonic_tone(220, SR, 0.5, H.TIMBRES["Oboe-like (2nd louder than f0)"])
    assert H.estimate_f0(y, SR) == pytest.approx(220, rel=1e-3)
    peak_hz, _ = H.strongest_peak(y, SR)
    assert peak_hz == pytest.approx(440, rel=1e-3)


def test_track_f0_follows_two_notes():
    y = np.concatenate([H.harmonic_tone(220, SR, 0.5, [1, 0.5]), H.harmonic_tone(330, SR, 0.5, [1, 0.5])])
    tr = H.track_f0(y, SR, fmin=100, fmax=1000)
    mid1 = (tr.times_s > 0.1) & (tr.times_s < 0.4)
    mid2 = (tr.times_s > 0.6) & (tr.times_s < 0.9)
    assert np.nanmedian(tr.f0_hz[mid1]) == pytest.approx(220, rel=0.005)
    assert np.nanmedian(tr.f0_hz[mid2]) == pytest.approx(330, rel=0.005)
    assert tr.spread_cents() > H.SEVERAL_NOTES_CENTS  # two notes a fifth apart: 702 cents
    steady = H.track_f0(H.harmonic_tone(220, SR, 0.5, [1, 0.5]), SR, fmin=100, fmax=1000)
    assert steady.spread_cents() < 5


def test_pitch_of_noise_silence_and_short_clips_is_refused():
    with pytest.raises(InputError, match="No pitched"):
        H.estimate_f0(H.band_noise(100, 5000, SR, 0.5), SR)
    with pytest.raises(InputError, match="silent"):
        H.estimate_f0(np.zeros(SR // 2, np.float32), SR)
    with pytest.raises(InputError, match="too short"):
        H.estimate_f0(np.ones(300, np.float32), SR)
    with pytest.raises(InputError, match="Nyquist"):
        H.estimate_f0(np.ones(SR, np.float32), SR, fmax=20000)
    with pytest.raises(InputError, match="NaN"):
        H.estimate_f0(np.full(SR, np.nan, np.float32), SR)
