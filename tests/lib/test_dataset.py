"""lib.dataset: draws against their distributions, P.56 against closed forms, SNR, decay and alignment."""

from __future__ import annotations

import math
import tomllib

import numpy as np
import pytest
from scipy import stats
from scipy.signal import correlate, welch

from lib import dataset as ds
from lib import room, signals
from lib.errors import InputError

SR = 16000
QUIET = {"degrade": {"clip_probability": 0.0, "band_limit_probability": 0.0, "codec_probability": 0.0}}


def speechlike(seconds: float, sr: int = SR, *, gaps: bool = False, seed: int = 0) -> np.ndarray:
    """A vowel with a syllable-rate envelope (and, with ``gaps``, 0.6-s silences between words)."""
    y = signals.vowel(130.0, sr, seconds, vowel_name="a").astype(np.float64)
    t = np.arange(len(y)) / sr
    y *= 0.6 + 0.4 * np.sin(2 * np.pi * 4.0 * t) ** 2
    if gaps:
        y *= (t % 1.6) < 1.0
    return y


def plain(d: dict) -> dict:
    """NaN-free copy (NaN != NaN would make equal draws look different)."""
    return {k: ("nan" if isinstance(v, float) and v != v else v) for k, v in d.items()}


def spec_with(**sections) -> dict:
    out = {k: dict(v) for k, v in QUIET.items()}
    for k, v in sections.items():
        if isinstance(v, dict):
            out.setdefault(k, {}).update(v)
        else:
            out[k] = v
    return out


# --------------------------------------------------------------------------------------- spec

def test_spec_none_is_the_documented_defaults_and_round_trips_through_toml():
    assert ds.resolve_spec(None) == ds.DEFAULT_SPEC
    assert tomllib.loads(ds.spec_to_toml(ds.DEFAULT_SPEC)) == ds.DEFAULT_SPEC
    assert plain(ds.draw_params(None, 5, 3)) == plain(ds.draw_params(ds.DEFAULT_SPEC, 5, 3))


@pytest.mark.parametrize("bad, words", [
    ({"room": {"lenght_m": 4.0}}, "Did you mean room.length_m"),
    ({"room": {"rt60_s": {"dist": "uniform", "low": 1.5, "high": 1.2}}}, "room.rt60_s: low (1.5) must not exceed"),
    ({"degrade": {"cutoff_hz": {"dist": "log-uniform", "low": 0, "high": 10}}}, "degrade.cutoff_hz.low: must be positive"),
    ({"room": {"wall_material": "Chocolate"}}, "unknown material"),
    ({"noise": {"kind": {"dist": "choice", "values": ["pink", "purple"]}}}, "'purple' is not one of"),
    ({"positions": {"min_wall_m": 2.0}}, "too small to keep source and microphone"),
    ({"degrade": {"codec_probability": 1.5}}, "a probability between 0 and 1"),
    ({"noise": {"snr_db": {"dist": "gauss", "low": 0, "high": 1}}}, "dist must be one of"),
    ({"sr": 100}, "sr: the sampling rate"),
])
def test_bad_specs_name_the_setting(bad, words):
    with pytest.raises(InputError, match=None) as exc:
        ds.resolve_spec(bad)
    assert words in str(exc.value)


def test_impossible_positions_are_reported_not_looped_forever():
    spec = {"room": {"length_m": 3.0, "width_m": 3.0, "height_m": 2.5}, "positions": {"min_distance_m": 5.0}}
    with pytest.raises(InputError, match="Could not place"):
        ds.draw_params(spec, 0, 0)


# --------------------------------------------------------------------------------------- drawing

def test_draws_are_reproducible_and_each_parameter_has_its_own_stream():
    a, b = plain(ds.draw_params(None, 11, 7)), plain(ds.draw_params(None, 11, 7))
    assert a == b
    assert ds.draw_params(None, 11, 8)["room_length_m"] != a["room_length_m"]
    assert ds.draw_params(None, 12, 7)["room_length_m"] != a["room_length_m"]
    # a different SNR range changes the SNRs and nothing else
    c = plain(ds.draw_params({"noise": {"snr_db": {"dist": "uniform", "low": -5.0, "high": 0.0}}}, 11, 7))
    changed = {k for k in a if a[k] != c[k]}
    assert changed == {"snr_db"}


def test_distributions_match_their_parameters_ks():
    spec = {
        "room": {"length_m": {"dist": "uniform", "low": 4.0, "high": 9.0},
                 "rt60_s": {"dist": "log-uniform", "low": 0.2, "high": 1.2}},
        "noise": {"kind": {"dist": "choice", "values": ["pink", "white", "hum"], "weights": [3, 1, 1]},
                  "snr_db": {"dist": "uniform", "low": -5.0, "high": 25.0}},
        "degrade": {"codec_probability": 0.3, "bitrate_kbps": {"dist": "log-uniform", "low": 8.0, "high": 64.0}},
    }
    rows = [ds.draw_params(spec, 2024, i) for i in range(600)]
    col = lambda k: np.array([r[k] for r in rows])  # noqa: E731
    assert stats.kstest(col("room_length_m"), stats.uniform(4.0, 5.0).cdf).pvalue > 0.01
    assert stats.kstest(col("rt60_target_s"), stats.loguniform(0.2, 1.2).cdf).pvalue > 0.01
    assert stats.kstest(col("snr_db"), stats.uniform(-5.0, 30.0).cdf).pvalue > 0.01
    # log-uniform is not uniform: the same draws fail a uniform KS test
    assert stats.kstest(col("rt60_target_s"), stats.uniform(0.2, 1.0).cdf).pvalue < 1e-3
    kinds = [r["noise_kind"] for r in rows]
    observed = [kinds.count(k) for k in ("pink", "white", "hum")]
    assert stats.chisquare(observed, np.array([3, 1, 1]) / 5 * len(rows)).pvalue > 0.01
    coded = col("codec") != "none"
    assert stats.binomtest(int(coded.sum()), len(rows), 0.3).pvalue > 0.01
    assert stats.kstest(col("bitrate_kbps")[coded], stats.loguniform(8.0, 64.0).cdf).pvalue > 0.01
    assert np.all(np.isnan(col("bitrate_kbps")[~coded]))


def test_positions_keep_their_margins():
    spec = {"positions": {"min_wall_m": 0.6, "min_distance_m": 1.0, "max_distance_m": 3.0}}
    for i in range(200):
        p = ds.draw_params(spec, 1, i)
        dim = np.array([p["room_length_m"], p["room_width_m"], p["room_height_m"]])
        for who in ("source", "mic"):
            xyz = np.array([p[f"{who}_{a}_m"] for a in "xyz"])
            assert np.all(xyz >= 0.6 - 1e-12) and np.all(xyz <= dim - 0.6 + 1e-12)
        assert 1.0 <= p["distance_m"] <= 3.0


def test_rt60_mode_absorption_gives_back_the_drawn_rt60_by_eyring():
    for i in range(20):
        p = ds.draw_params(None, 3, i)
        dim = (p["room_length_m"], p["room_width_m"], p["room_height_m"])
        assert room.rt60_eyring(dim, p["absorption"]) == pytest.approx(p["rt60_target_s"], rel=1e-9)
    m = ds.draw_params({"room": {"absorption": "materials"}}, 3, 0)
    assert math.isnan(m["rt60_target_s"]) and m["material_floor"] in ds.DEFAULT_SPEC["room"]["floor_material"]["values"]


# --------------------------------------------------------------------------------------- P.56

def test_p56_active_level_closed_forms():
    t = np.arange(4 * SR) / SR
    sine = 0.5 * np.sin(2 * np.pi * 440 * t)
    level, activity, _ = ds.p56_active_level(sine, SR)
    assert level == pytest.approx(20 * np.log10(0.5 / np.sqrt(2)), abs=0.05)
    assert activity > 0.98
    # gain moves the level by exactly the gain
    assert ds.p56_active_level(0.1 * sine, SR)[0] == pytest.approx(level + 20 * np.log10(0.1), abs=1e-9)
    # half the time silent: the plain RMS drops 3 dB, the active level barely moves
    # (the 200 ms hangover and the envelope's decay count ~0.27 s of the silence as active)
    burst = sine * (t < 2.0)
    b_level, b_act, mask = ds.p56_active_level(burst, SR)
    assert b_act == pytest.approx((2.0 + 0.2 + 0.07) / 4.0, abs=0.01)
    assert b_level == pytest.approx(level + 10 * np.log10(2.0 / (b_act * 4.0)), abs=0.05)
    assert mask[: 2 * SR].mean() > 0.98 and not mask[3 * SR:].any()
    with pytest.raises(InputError, match="silent"):
        ds.p56_active_level(np.zeros(1000), SR)


def test_causal_running_max_matches_brute_force():
    x = np.random.default_rng(0).standard_normal(64)
    for w in (1, 2, 5, 8):
        ref = np.array([x[max(0, n - w + 1): n + 1].max() for n in range(len(x))])
        np.testing.assert_array_equal(ds._causal_max(x, w), ref)


# --------------------------------------------------------------------------------------- noise

@pytest.mark.parametrize("kind, slope_db_per_oct", [("white", 0.0), ("pink", -3.0), ("brown", -6.0)])
def test_coloured_noise_slopes(kind, slope_db_per_oct):
    y = ds.synth_noise(kind, 8 * SR, SR, seed=1)
    assert np.sqrt(np.mean(y ** 2)) == pytest.approx(1.0, rel=1e-9)
    f, p = welch(y, SR, nperseg=4096)
    band = (f >= 100) & (f <= 4000)
    slope = np.polyfit(np.log2(f[band]), 10 * np.log10(p[band]), 1)[0]
    assert slope == pytest.approx(slope_db_per_oct, abs=0.5)


def test_every_synthetic_noise_is_deterministic_unit_rms():
    for kind in ds.NOISE_KINDS:
        if kind == "file":
            continue
        a, b = ds.synth_noise(kind, SR, SR, 5), ds.synth_noise(kind, SR, SR, 5)
        np.testing.assert_array_equal(a, b)
        assert np.sqrt(np.mean(a ** 2)) == pytest.approx(1.0, rel=1e-6)
        assert not np.array_equal(a, ds.synth_noise(kind, SR, SR, 6))


# --------------------------------------------------------------------------------------- rendering

@pytest.mark.parametrize("kind", ["white", "pink", "brown", "hum", "fan", "babble"])
def test_achieved_snr_within_a_tenth_of_a_db(kind):
    speech = speechlike(5.0)
    for i, snr in enumerate((-5.0, 12.5, 30.0)):
        spec = spec_with(noise={"kind": kind, "snr_db": snr})
        p = ds.draw_params(spec, 9, i)
        out = ds.render_example(p, speech, None, SR)
        m = out["metrics"]
        assert m["snr_achieved_db"] == pytest.approx(snr, abs=0.1)
        s, nz = out["reverberant"].astype(float), out["noise"].astype(float)
        level, activity, mask = ds.p56_active_level(s, SR)
        assert level - 10 * np.log10(np.mean(nz[mask] ** 2)) == pytest.approx(snr, abs=0.1)
        if kind != "babble":
            # ground truth, independent of the activity detector: speech that never pauses is active
            # (almost) everywhere, so for a steady noise the plain SNR over the whole clip agrees
            assert activity > 0.97
            whole = 10 * np.log10(np.mean(s ** 2) / np.mean(nz ** 2))
            assert whole == pytest.approx(snr, abs=0.1)
        # the input is exactly speech + noise here (no degradation drawn)
        np.testing.assert_allclose(out["input"], s + nz, atol=1e-6)


def test_snr_is_measured_on_active_speech_not_the_whole_clip():
    speech = speechlike(5.0, gaps=True)
    p = ds.draw_params(spec_with(noise={"kind": "white", "snr_db": 10.0}), 4, 0)
    out = ds.render_example(p, speech, None, SR)
    s, nz = out["reverberant"].astype(float), out["noise"].astype(float)
    _, activity, mask = ds.p56_active_level(s, SR)
    assert 0.5 < activity < 0.9
    on_active = 10 * np.log10(np.sum(s ** 2) / mask.sum() / np.mean(nz[mask] ** 2))
    assert on_active == pytest.approx(10.0, abs=0.1)
    whole = 10 * np.log10(np.mean(s ** 2) / np.mean(nz ** 2))
    assert whole == pytest.approx(10.0 + 10 * np.log10(activity), abs=0.2)


@pytest.mark.parametrize("rt60", [0.2, 0.35, 0.6, 0.9, 1.2])
def test_hybrid_t20_within_10_percent_of_prediction(rt60):
    spec = {"room": {"rt60_s": rt60, "length_m": {"dist": "uniform", "low": 3.0, "high": 12.0}}}
    for i in range(3):
        p = ds.draw_params(spec, 77, i)
        r = ds.render_rir(p, SR)
        t20 = room.decay_times(r["rir"], SR, noise_handling=False)["T20"]["rt60_s"]
        assert t20 == pytest.approx(p["rt60_eyring_s"], rel=0.10), (p["volume_m3"], p["distance_m"])
        assert p["rt60_eyring_s"] == pytest.approx(rt60)


def test_materials_mode_decays_per_band_as_eyring_predicts():
    for i in range(3):
        p = ds.draw_params({"room": {"absorption": "materials"}}, 5, i)
        r = ds.render_rir(p, SR)
        dim = (p["room_length_m"], p["room_width_m"], p["room_height_m"])
        predicted = room.rt60_eyring(dim, ds.absorption_table(p))
        measured = room.band_decay_times(r["rir"], SR, noise_handling=False)["T20"]
        np.testing.assert_allclose(measured, predicted, rtol=0.1)


def test_image_source_model_caps_its_order():
    p = ds.draw_params({"room": {"model": "image-source", "max_order": 12, "rt60_s": 0.9}}, 5, 0)
    r = ds.render_rir(p, SR)
    assert r["image_order"] == 12
    # the capped order ends the response early: the last image arrives within the box's diagonal x 12
    assert len(r["rir"]) / SR < 13 * np.linalg.norm([p["room_length_m"], p["room_width_m"], p["room_height_m"]]) / 343
    d = r["direct_delay_samples"]
    assert abs(np.argmax(np.abs(r["rir"][: int(d) + 50])) - d) <= 1


def _lag(a: np.ndarray, b: np.ndarray, max_lag: int) -> int:
    """Lag (samples) by which ``a`` trails ``b``, from the peak of their cross-correlation."""
    xc = correlate(a.astype(float), b.astype(float), mode="full", method="fft")
    zero = len(b) - 1
    seg = xc[zero - max_lag: zero + max_lag + 1]
    return int(np.argmax(seg)) - max_lag


@pytest.mark.parametrize("target, degrade", [
    ("dry", {}),
    ("early", {}),
    ("dry", {"band_limit_probability": 1.0, "cutoff_hz": 3000.0}),
    ("early", {"codec_probability": 1.0, "codec": "opus", "bitrate_kbps": 24.0}),
])
def test_target_is_aligned_to_the_input_direct_path(target, degrade):
    rng = np.random.default_rng(3)
    speech = rng.standard_normal(5 * SR) * np.repeat(rng.random(50) > 0.3, SR // 10)
    spec = spec_with(noise={"kind": "white", "snr_db": 40.0}, target={"kind": target},
                     room={"rt60_s": 0.3}, positions={"min_distance_m": 2.0}, degrade=degrade)
    p = ds.draw_params(spec, 1, 0)
    out = ds.render_example(p, speech, None, SR)
    d = out["metrics"]["direct_delay_samples"]
    assert d > 80  # 2 m or more: the misalignment a plain dry target would have
    # the target trails the dry speech by the direct-path delay...
    assert abs(_lag(out["target"], out["dry"], 400) - d) <= 1.0
    # ...and the input does too, so input and target line up
    assert abs(_lag(out["input"], out["target"], 400)) <= 1


def test_early_target_keeps_the_early_reflections_only():
    p = ds.draw_params(spec_with(target={"kind": "early", "early_ms": 30.0}, room={"rt60_s": 0.8}), 2, 0)
    r = ds.render_rir(p, SR)
    h = ds.target_response(r["rir"], r["direct"], r["direct_delay_samples"], SR, "early", 30.0)
    end = int(r["direct_delay_samples"] + 0.030 * SR)
    np.testing.assert_array_equal(h[:end], r["rir"][:end])
    assert len(h) <= end + ds.EARLY_FADE_MS * SR / 1000 + 2
    assert abs(h[-1]) < 1e-3 * np.abs(h).max()


def test_level_clipping_band_limit_and_codec():
    speech = speechlike(5.0)
    base = spec_with(noise={"kind": "pink", "snr_db": 20.0}, degrade={"level_dbfs": -28.0})
    out = ds.render_example(ds.draw_params(base, 0, 0), speech, None, SR)
    assert out["metrics"]["input_level_dbfs"] == pytest.approx(-28.0, abs=1e-6)
    clipped = ds.render_example(ds.draw_params(spec_with(degrade={"clip_probability": 1.0, "clip_headroom_db": 6.0}),
                                               0, 0), speech, None, SR)
    thr = np.abs(clipped["input"]).max()
    assert clipped["metrics"]["clipped_fraction"] > 0.001
    assert thr == pytest.approx(np.abs(clipped["reverberant"] + clipped["noise"]).max() * 10 ** (-6 / 20), rel=1e-4)
    lp = ds.render_example(ds.draw_params(spec_with(noise={"kind": "white", "snr_db": 0.0},
                                                    degrade={"band_limit_probability": 1.0, "cutoff_hz": 2000.0}),
                                          0, 0), speech, None, SR)
    f, pin = welch(lp["input"], SR, nperseg=1024)
    _, pmix = welch(lp["reverberant"] + lp["noise"], SR, nperseg=1024)
    hi = f > 3000
    assert 10 * np.log10(pin[hi].sum() / pmix[hi].sum()) < -40
    coded = ds.render_example(ds.draw_params(spec_with(degrade={"codec_probability": 1.0, "codec": "mp3",
                                                                "bitrate_kbps": 16.0}), 0, 0), speech, None, SR)
    assert coded["metrics"]["snr_achieved_db"] == pytest.approx(ds.draw_params(QUIET, 0, 0)["snr_db"], abs=0.1)
    mix = coded["reverberant"] + coded["noise"]
    assert not np.allclose(coded["input"], mix, atol=1e-3)
    # the target never sees the degradations
    plain = ds.render_example(ds.draw_params(QUIET, 0, 0), speech, None, SR)
    np.testing.assert_array_equal(coded["target"], plain["target"])


def test_render_is_deterministic_and_float32():
    speech = speechlike(5.0)
    p = ds.draw_params(None, 8, 3)
    a, b = ds.render_example(p, speech, None, SR), ds.render_example(p, speech, None, SR)
    for k in ("input", "target", "rir", "dry", "reverberant", "noise"):
        assert a[k].dtype == np.float32
        np.testing.assert_array_equal(a[k], b[k])
    assert len(a["input"]) == len(a["target"]) == int(p["duration_s"] * SR)


def test_noise_files_are_looped_and_cropped():
    speech = speechlike(5.0)
    p = ds.draw_params(spec_with(noise={"kind": "file", "snr_db": 5.0}), 0, 0)
    hum = np.sin(2 * np.pi * 100 * np.arange(SR // 2) / SR)  # half a second: looped to 4 s
    out = ds.render_example(p, speech, hum, SR)
    assert out["metrics"]["snr_achieved_db"] == pytest.approx(5.0, abs=0.1)
    f, pn = welch(out["noise"], SR, nperseg=2048)
    assert f[np.argmax(pn)] == pytest.approx(100, abs=8)


@pytest.mark.parametrize("speech, noise, kind, words", [
    (np.zeros(SR * 5), None, "white", "silent"),
    (None, None, "file", "noise recording"),
    (None, np.zeros(SR), "file", "noise is silent"),
])
def test_render_errors_are_readable(speech, noise, kind, words):
    p = ds.draw_params(spec_with(noise={"kind": kind}), 0, 0)
    with pytest.raises(InputError, match=words):
        ds.render_example(p, speechlike(5.0) if speech is None else speech, noise, SR)


def test_hostile_values_from_the_fuzz_review_are_input_errors():
    """Each call below raised TypeError/ValueError/ZeroDivisionError or returned NaN before the boundary checks."""
    params = ds.draw_params({"duration_s": 0.5}, 0, 0)
    calls = [
        lambda: ds.render_rir(3.7, SR),                                   # 'float' object is not subscriptable
        lambda: ds.render_example(None, speechlike(1.0), None, SR),       # 'NoneType' object is not subscriptable
        lambda: ds.absorption_table("16000"),                              # string indices must be integers
        lambda: ds.render_rir(params, 10**9),                              # gigabytes of RIR
        lambda: ds.synth_noise("white", -1, SR, 0),                        # negative dimensions
        lambda: ds.synth_noise("white", 100, SR, 0.5),                     # SeedSequence TypeError
        lambda: ds.bounds(math.nan),                                       # (nan, nan)
        lambda: ds.possible_values({"dist": "uniform", "low": 0, "high": 1}),  # KeyError 'values'
        lambda: ds.sample({"dist": "uniform", "low": 0, "high": 1}, 5),    # AttributeError: no 'uniform'
        lambda: ds.inverse_eyring(0.5, (6.0, 5.0, 3.0), c=0),              # ZeroDivisionError
        lambda: ds.inverse_eyring(None, (6.0, 5.0, 3.0)),                  # TypeError
        lambda: ds.p56_active_level(speechlike(0.5), 0),                   # ZeroDivisionError
        lambda: ds.p56_active_level(np.full(100, np.inf), SR),             # arange length error
        lambda: ds.spec_to_toml(None),                                     # AttributeError: no 'items'
    ]
    for call in calls:
        with pytest.raises(InputError):
            call()
    # valid input still works as before
    assert ds.bounds({"dist": "choice", "values": [1, 3, 2]}) == (1, 3)
    assert ds.possible_values({"dist": "choice", "values": ["a", "b"], "weights": [0, 1]}) == ["b"]
    assert ds.sample("hybrid", np.random.default_rng(0)) == "hybrid"
