"""Loading, checking and encoding audio."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf

from lib import audio
from lib.errors import InputError
from lib.samples import SAMPLES, available_samples
from tests.conftest import data_file

SR = 16000


def _wav(y, sr=SR, subtype="PCM_16", fmt="WAV"):
    buf = io.BytesIO()
    sf.write(buf, y, sr, subtype=subtype, format=fmt)
    return buf.getvalue()


def _encode_with_pyav(y, sr, codec, container_fmt):
    import av

    buf = io.BytesIO()
    with av.open(buf, "w", format=container_fmt) as out:
        stream = out.add_stream(codec, rate=sr, layout="mono")
        frame = av.AudioFrame.from_ndarray(y[None, :].astype(np.float32), format="flt", layout="mono")
        frame.sample_rate = sr
        frame.pts = 0
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


def tone(sr=SR, seconds=1.0, amp=0.5, f=440.0):
    return (amp * np.sin(2 * np.pi * f * np.arange(int(sr * seconds)) / sr)).astype(np.float32)


@pytest.mark.parametrize("fmt,subtype", [("WAV", "PCM_16"), ("WAV", "FLOAT"), ("FLAC", "PCM_16"), ("OGG", "VORBIS")])
def test_round_trip_formats_keep_level_and_rate(fmt, subtype):
    y = tone()
    clip = audio.load_audio(_wav(y, subtype=subtype, fmt=fmt), name="t")
    assert clip.sr == SR and clip.samples.dtype == np.float32
    tol = 0.05 if fmt == "OGG" else 1e-3
    assert np.max(np.abs(clip.samples)) == pytest.approx(0.5, abs=tol)


def test_m4a_aac_falls_back_to_pyav():
    y = tone(sr=44100)
    data = _encode_with_pyav(y, 44100, "aac", "mp4")
    clip = audio.load_audio(data, name="x.m4a")
    assert clip.sr == 44100
    assert abs(len(clip.samples) - len(y)) < 4096  # encoder priming/padding
    rms = np.sqrt(np.mean(clip.samples[5000:-5000] ** 2))
    assert rms == pytest.approx(0.5 / np.sqrt(2), rel=0.05)


def test_stereo_is_mixed_with_a_notice():
    left, right = tone(amp=0.8), np.zeros(SR, np.float32)
    clip = audio.load_audio(_wav(np.stack([left, right], axis=1)))
    assert np.max(np.abs(clip.samples)) == pytest.approx(0.4, abs=1e-3)
    assert any("mono" in n for n in clip.notices)


def test_long_file_is_trimmed_with_a_notice():
    clip = audio.load_audio(_wav(tone(seconds=5.0)), max_duration_s=2.0)
    assert len(clip.samples) == 2 * SR
    assert any("Trimmed" in n for n in clip.notices)


def test_resampling_keeps_frequency_and_level():
    clip = audio.load_audio(_wav(tone(sr=44100, f=1000.0), sr=44100), sr=16000)
    assert clip.sr == 16000 and len(clip.samples) == 16000
    spec = np.abs(np.fft.rfft(clip.samples))
    assert np.argmax(spec) == 1000  # 1 Hz bins over 1 s
    assert any("Resampled" in n for n in clip.notices)


@pytest.mark.parametrize("data,match", [
    (b"", "empty"),
    (b"RIFF\x00\x00\x00\x00WAVEjunkjunkjunk" * 10, "decode"),
    (b"\x00\x01\x02 definitely not audio" * 50, "decode"),
])
def test_unreadable_input_gets_a_clear_message(data, match):
    with pytest.raises(InputError, match=match):
        audio.load_audio(data)


def test_zero_length_recording():
    with pytest.raises(InputError, match="no samples"):
        audio.load_audio(_wav(np.zeros(0, np.float32)))


def test_silent_file():
    with pytest.raises(InputError, match="silent"):
        audio.load_audio(_wav(np.zeros(SR, np.float32)))


def test_non_finite_samples():
    y = tone()
    y[100] = np.nan
    with pytest.raises(InputError, match="NaN"):
        audio.load_audio(_wav(y, subtype="FLOAT"))


def test_clipped_file_gets_a_notice():
    y = np.clip(tone(amp=2.0), -1, 1)
    clip = audio.load_audio(_wav(y, subtype="FLOAT"))
    assert any("clipped" in n for n in clip.notices)


def test_wav_bytes_are_level_faithful():
    for amp in (0.01, 0.1, 0.9):
        y = tone(amp=amp)
        back, sr = sf.read(io.BytesIO(audio.to_wav_bytes(y, SR)), dtype="float32")
        assert sr == SR
        np.testing.assert_allclose(back, y, atol=1.5 / 32768)  # 16-bit quantisation, no rescaling


def test_match_level_equalises_rms():
    a, b = tone(amp=0.5), tone(amp=0.05, f=300)
    m = audio.match_level(b, a)
    assert np.sqrt(np.mean(m**2)) == pytest.approx(np.sqrt(np.mean(a**2)), rel=1e-5)


def test_builtin_samples_exist_and_load():
    found = available_samples()
    assert len(found) == len(SAMPLES)
    for label, path in found.items():
        clip = audio.load_audio(path)
        assert clip.sr == 22050 and 1.0 <= clip.duration_s <= 10.0, label


def test_real_recording_facts_from_the_manifest():
    clip = audio.load_audio(data_file("dry_speech_vctk_p286_011.wav"), max_duration_s=None)
    assert clip.sr == 48000
    assert clip.duration_s == pytest.approx(6.77, abs=0.01)
    assert np.max(np.abs(clip.samples)) == pytest.approx(0.50, abs=0.01)
    rms_db = 20 * np.log10(np.sqrt(np.mean(clip.samples.astype(np.float64) ** 2)))
    assert rms_db == pytest.approx(-23.5, abs=0.2)
    stereo = audio.load_audio(data_file("drums_sonicpi_loop_mika.flac"), max_duration_s=None)
    assert stereo.duration_s == pytest.approx(8.0, abs=0.01)
    assert any("mono" in n for n in stereo.notices)


def test_librosa_examples_are_found_in_its_cache_without_network(tmp_path, monkeypatch):
    from librosa.util import files as lf

    from lib.samples import librosa_examples_cached

    monkeypatch.setenv("LIBROSA_DATA_DIR", str(tmp_path))
    assert librosa_examples_cached() == {}
    # The file name librosa itself would fetch for "trumpet" (its own track map).
    name = getattr(lf, "__TRACKMAP")["trumpet"]["path"] + ".ogg"
    (tmp_path / name).write_bytes(b"")
    found = librosa_examples_cached()
    assert list(found.values()) == [tmp_path / name]
    assert "Trumpet" in next(iter(found))


# --------------------------------------------------------------- hostile files (issue: reliability)
def test_a_decompression_bomb_is_decoded_only_up_to_the_cap(tmp_path):
    """A long file compresses to almost nothing; decoding must stop at the cap, not fill memory first."""
    import tracemalloc

    sr, minutes = 16000, 10
    path = tmp_path / "long.flac"
    block = np.zeros((sr * 60, 2), np.float32)
    with sf.SoundFile(str(path), "w", sr, 2, subtype="PCM_16", format="FLAC") as f:
        f.write(np.stack([tone(sr=sr, seconds=60.0), tone(sr=sr, seconds=60.0)], axis=1))
        for _ in range(minutes - 1):
            f.write(block)
    assert path.stat().st_size < 2_000_000  # 10 min of stereo: 77 MB as float32 once decoded
    tracemalloc.start()
    clip = audio.load_audio(path, max_duration_s=30.0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(clip.samples) == 30 * sr
    assert any("first 30 s of 600.0 s" in n for n in clip.notices), clip.notices
    assert peak < 25e6, f"{peak / 1e6:.0f} MB traced while loading 30 s"


def test_stereo_mix_of_huge_float_samples_does_not_overflow():
    """Finite samples of 3e38 used to become inf when averaged in float32; now the level is refused."""
    y = np.full((SR, 2), 3e38, np.float32)
    y[::2] *= -1
    with pytest.raises(InputError, match="dBFS"):
        audio.load_audio(_wav(y, subtype="FLOAT"))
    # A float file a little above full scale is kept, and the mono mix is exact.
    y = np.stack([tone(amp=20.0), tone(amp=20.0)], axis=1)
    clip = audio.load_audio(_wav(y, subtype="FLOAT"))
    assert np.all(np.isfinite(clip.samples)) and np.max(np.abs(clip.samples)) == pytest.approx(20.0, rel=1e-4)


def test_above_full_scale_is_not_called_clipped():
    clip = audio.load_audio(_wav(tone(amp=20.0), subtype="FLOAT"))  # +26 dBFS, a float file
    assert not any("clipped" in n and "looks clipped" in n for n in clip.notices), clip.notices
    assert any("above full scale" in n and "+26" in n for n in clip.notices), clip.notices
    # A sine normalised to touch full scale is not clipped either; a sawn-off one is.
    assert audio.clipped_run_fraction(tone(amp=1.0, f=440.0)) == 0.0
    assert not audio.load_audio(_wav(tone(amp=1.0), subtype="FLOAT")).notices
    sawn = np.clip(tone(amp=1.5), -1.0, 1.0)
    frac = audio.clipped_run_fraction(sawn)
    # closed form: |1.5 sin| >= 1 for a fraction 1 - (2/pi) arcsin(1/1.5) of the time
    assert frac == pytest.approx(1 - 2 / np.pi * np.arcsin(1 / 1.5), abs=0.01)


def test_a_damaged_mp3_says_how_much_was_decoded():
    y = tone(sr=44100, seconds=1.0)
    buf = io.BytesIO()
    sf.write(buf, y, 44100, format="MP3")
    cut = buf.getvalue()[: len(buf.getvalue()) // 3]
    clip = audio.load_audio(cut)
    assert clip.duration_s < 0.5
    assert any("damaged" in n and "1.00 s" in n for n in clip.notices), clip.notices


@pytest.mark.parametrize("kwargs,match", [
    ({"sr": "16000"}, "number"), ({"sr": float("inf")}, "finite"), ({"sr": 0}, "at least 1"),
    ({"sr": 22050.5}, "whole"), ({"max_duration_s": -1.0}, "above 0"), ({"max_duration_s": float("nan")}, "finite"),
])
def test_bad_arguments_are_input_errors(kwargs, match):
    with pytest.raises(InputError, match=match):
        audio.load_audio(_wav(tone()), **kwargs)


def test_a_folder_is_not_an_audio_file(tmp_path):
    with pytest.raises(InputError, match="folder"):
        audio.load_audio(tmp_path)


def test_a_sample_cap_bounds_high_rate_files():
    clip = audio.load_audio(_wav(tone(sr=96000, seconds=2.0), sr=96000), max_samples=48000)
    assert len(clip.samples) == 48000 and clip.sr == 96000
    assert any("0.5 s (48,000 samples at 96000 Hz)" in n for n in clip.notices), clip.notices
