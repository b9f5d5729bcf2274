"""Honest numbers on odd input (issue 14, item 4) and readable log axes (item 3), at the lib/builder level."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf

from components.figures import log_ticks
from lib import room
from lib.audio import load_audio
from lib.errors import InputError
from tests.conftest import data_file

SR = 16000


def decaying_ir(rt60_s: float, noise_db: float, *, sr: int = SR, dur_s: float = 1.5, delay_s: float = 0.01,
                seed: int = 0) -> np.ndarray:
    """Exponentially decaying noise (energy falls 60 dB in rt60_s) after a direct impulse, over a noise floor."""
    rng = np.random.default_rng(seed)
    n = int(dur_s * sr)
    t = np.arange(n) / sr
    h = rng.standard_normal(n) * 10 ** (-3 * np.maximum(t - delay_s, 0) / rt60_s) * (t >= delay_s)
    h[int(delay_s * sr)] = 4.0
    return h + 10 ** (noise_db / 20) * rng.standard_normal(n)


@pytest.mark.parametrize("rt60", [0.2, 0.6, 1.5])
@pytest.mark.parametrize("noise_db", [-70.0, -45.0])
def test_decaying_responses_are_recognised(rt60, noise_db):
    check = room.check_impulse_response(decaying_ir(rt60, noise_db, dur_s=max(1.0, 1.2 * rt60)), SR)
    assert check.looks_like_ir, check.problems
    assert check.onset_s == pytest.approx(0.01, abs=1e-3)
    assert check.decay_range_db > 25


def test_simulated_room_is_recognised():
    h = room.hybrid_rir((9, 7, 3.2), (1.5, 3.5, 1.6), (6.5, 2.8, 1.2), SR,
                        absorption_bands=np.full((6, 6), 0.1), seed=0).rir
    assert room.check_impulse_response(h, SR).looks_like_ir


def test_things_that_are_not_impulse_responses_are_named():
    rng = np.random.default_rng(1)
    t = np.arange(2 * SR) / SR
    cases = {
        "steady noise": 0.1 * rng.standard_normal(2 * SR),
        "a steady tone": 0.5 * np.sin(2 * np.pi * 440 * t),
        "a late onset": np.concatenate([1e-4 * rng.standard_normal(SR), decaying_ir(0.3, -70, dur_s=0.5)]),
        "a 0.1 s cut of a tone": 0.5 * np.sin(2 * np.pi * 200 * t[: SR // 10]),
        "two claps": decaying_ir(0.2, -70, dur_s=1.0) + np.roll(decaying_ir(0.2, -70, dur_s=1.0, seed=3), SR // 2),
    }
    for name, y in cases.items():
        check = room.check_impulse_response(y, SR)
        assert not check.looks_like_ir, name
        assert check.problems and all(isinstance(p, str) and len(p) > 20 for p in check.problems), name


@pytest.mark.data
def test_real_recordings_per_clip():
    """The measured clap is an impulse response; speech and a drum loop are not (reported per clip)."""
    verdicts = {}
    for name in ("rir_clap_seminar_room_cc0.wav", "dry_speech_vctk_p286_011.wav", "drums_sonicpi_loop_mika.flac"):
        clip = load_audio(data_file(name), max_duration_s=10.0)
        verdicts[name] = room.check_impulse_response(clip.samples, clip.sr).looks_like_ir
    assert verdicts == {"rir_clap_seminar_room_cc0.wav": True, "dry_speech_vctk_p286_011.wav": False,
                        "drums_sonicpi_loop_mika.flac": False}


def wav(y: np.ndarray, sr: int = SR) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, y.astype(np.float32), sr, format="WAV", subtype="FLOAT")
    return buf.getvalue()


def test_one_channel_of_a_multichannel_file():
    y = np.stack([np.full(1000, 0.1 * (k + 1), np.float32) for k in range(4)], axis=1)
    assert load_audio(wav(y)).samples.mean() == pytest.approx(0.25, abs=1e-6)  # the mean, with a notice
    clip = load_audio(wav(y), channel=2)
    assert clip.channels == 4 and clip.samples.mean() == pytest.approx(0.3, abs=1e-6)
    assert any("Channel 3 of 4" in n for n in clip.notices)
    with pytest.raises(InputError, match="no channel 5"):
        load_audio(wav(y), channel=4)


@pytest.mark.parametrize("data", [
    np.random.default_rng(0).bytes(4000),
    b"RIFF\x00\x00\x00\x00WAVEfmt garbage" * 20,
    b"definitely not audio " * 40,
])
def test_decoder_errors_are_words_not_internals(data):
    with pytest.raises(InputError) as err:
        load_audio(data, name="mine.wav")
    msg = str(err.value)
    for leak in ("object at 0x", "Errno", "<none>", "BytesIO", "avcodec_"):
        assert leak not in msg, msg
    assert "decoded" in msg and ("libsndfile" in msg or "FFmpeg" in msg)


def test_log_ticks_are_whole_values_never_bare_mantissas():
    assert log_ticks(1, 1000) == [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
    narrow = log_ticks(6, 64)  # the codec curve's kbps range: finer steps, full values
    assert narrow[0] >= 6 and narrow[-1] <= 64 and len(narrow) >= 4
    assert narrow == sorted(narrow) and all(v == float(f"{v:.3g}") for v in narrow)


# ---- display decimation (issue 14, item 6) ------------------------------------------------------------------

def test_minmax_decimation_keeps_every_peak_and_the_point_budget():
    from components.figures import DISPLAY_POINTS, minmax_decimate

    rng = np.random.default_rng(0)
    y = 0.01 * rng.standard_normal(1_000_003)
    y[[5, 500_000, 999_000, 1_000_001]] = [1.0, -0.9, 0.8, 0.7]  # clicks, one in the last partial block
    t = np.arange(len(y)) / 48000
    td, yd = minmax_decimate(t, y)
    assert len(yd) <= DISPLAY_POINTS + 2
    for v in (1.0, -0.9, 0.8, 0.7):
        assert np.any(yd == v)
    assert np.all(np.diff(td) >= 0)


def test_log_axis_decimation_keeps_low_bins_and_peaks():
    from components.figures import minmax_decimate

    f = np.linspace(0, 11025, 176_401)  # a zero-padded spectrum: 0.0625 Hz bins
    v = -100 + 0 * f
    v[np.searchsorted(f, [30.0, 440.0, 9000.0])] = [-10.0, -3.0, -20.0]
    fd, vd = minmax_decimate(f, v, 4000, log_x=True)
    assert len(vd) <= 4002 and np.all(fd > 0)
    for peak, level in ((30.0, -10.0), (440.0, -3.0), (9000.0, -20.0)):
        i = np.flatnonzero(vd == level)
        assert i.size and abs(fd[i[0]] - peak) < 0.01 * peak  # the peak stays where it was, on a log axis
    # equal columns on a log axis: as many points between 20 and 200 Hz as between 2 and 20 kHz (within 2x)
    lo = np.sum((fd >= 20) & (fd < 200))
    hi = np.sum((fd >= 1100) & (fd < 11000))
    assert 0.5 < lo / hi < 2


def test_trace_uses_webgl_only_when_still_large():
    import plotly.graph_objects as go

    from components.figures import WEBGL_MIN_POINTS, trace

    assert isinstance(trace(np.arange(10**6), np.zeros(10**6)), go.Scatter)  # decimated: SVG is enough
    big = trace(np.arange(WEBGL_MIN_POINTS + 1), np.zeros(WEBGL_MIN_POINTS + 1), max_points=10**7, mode="markers")
    assert isinstance(big, go.Scattergl)
