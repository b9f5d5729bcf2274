"""The espeak-ng word set (determinism, layout, noise level) and validation of users' zips."""

from __future__ import annotations

import io
import shutil
import zipfile

import numpy as np
import pytest
import soundfile as sf

from lib import wordset as W
from lib.errors import InputError

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


@needs_espeak
def test_wordset_is_deterministic_and_cached(tmp_path):
    words = ["yes", "no", "marvin"]
    a = W.make_wordset(words, n_per_word=3, seed=5, cache_dir=tmp_path / "a")
    assert len(a) == 9 and [c.word for c in a] == ["yes"] * 3 + ["no"] * 3 + ["marvin"] * 3
    assert len({c.voice for c in a}) == 3 and {c.voice for c in a[:3]} == {c.voice for c in a[3:6]}
    assert all(c.sr == 16000 and len(c.samples) >= 16000 and np.abs(c.samples).max() <= 1.0 for c in a)
    b = W.make_wordset(words, n_per_word=3, seed=5, cache_dir=tmp_path / "b")  # made again from scratch
    assert all(np.array_equal(x.samples, y.samples) and x.voice == y.voice for x, y in zip(a, b))
    assert list((tmp_path / "a").glob("wordset_*.npz"))
    cached = W.make_wordset(words, n_per_word=3, seed=5, cache_dir=tmp_path / "a")
    assert all(np.array_equal(x.samples, y.samples) and x.word == y.word for x, y in zip(a, cached))
    other = W.make_wordset(words, n_per_word=3, seed=6, cache_dir=tmp_path / "a")
    assert {c.voice for c in other} != {c.voice for c in a}
    noisy = W.make_wordset(["yes", "no"], n_per_word=2, seed=5, room="small office", snr_db=5, cache_dir=tmp_path)
    assert len(noisy) == 4 and all(np.isfinite(c.samples).all() for c in noisy)
    for bad in (dict(words=["yes", "yes"]), dict(words=["rm -rf"]), dict(words=["yes"], n_per_word=0),
                dict(words=["yes"], snr_db=100), dict(words=["yes"], room="cave")):
        with pytest.raises(InputError):
            W.make_wordset(**{"n_per_word": 1, **bad}, cache_dir=tmp_path)


def test_voices_are_distinct_and_seeded():
    v = W.make_voices(20, seed=1)
    assert len({(x.accent, x.variant) for x in v}) == 20
    assert W.make_voices(20, seed=1) == v and W.make_voices(20, seed=2) != v
    assert all(25 <= x.pitch <= 75 and 130 <= x.speed <= 190 for x in v)
    with pytest.raises(InputError):
        W.make_voices(0)


def test_noise_is_added_at_the_requested_snr():
    rng = np.random.default_rng(0)
    y = np.zeros(32000, np.float32)
    y[8000:24000] = 0.3 * np.sin(2 * np.pi * 300 * np.arange(16000) / 16000)
    for snr in (0.0, 10.0, 20.0):
        noisy = W.add_noise(y, snr, rng)
        noise = noisy - y
        p_speech = np.mean(y[8000:24000].astype(np.float64) ** 2)
        assert 10 * np.log10(p_speech / np.mean(noise.astype(np.float64) ** 2)) == pytest.approx(snr, abs=0.05)


def _wav(seconds=0.5, sr=16000, f=220.0):
    buf = io.BytesIO()
    sf.write(buf, 0.3 * np.sin(2 * np.pi * f * np.arange(int(seconds * sr)) / sr), sr, format="WAV")
    return buf.getvalue()


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_zip_in_speech_commands_layout_loads():
    files = {f"speech_commands/{w}/{s}_nohash_0.wav": _wav(f=200 + 50 * i)
             for i, w in enumerate(["yes", "no"]) for s in ("aa11", "bb22")}
    files["speech_commands/_background_noise_/noise.wav"] = _wav()
    files["__MACOSX/._x.wav"] = b"junk"
    clips = W.load_wordset_zip(_zip(files))
    assert [(c.word, c.voice) for c in clips] == [("no", "aa11"), ("no", "bb22"), ("yes", "aa11"), ("yes", "bb22")]
    assert clips[0].sr == 16000 and abs(clips[0].duration_s - 0.5) < 1e-3
    back = W.load_wordset_zip(W.wordset_zip_bytes(clips))
    assert sorted(c.word for c in back) == sorted(c.word for c in clips)


@pytest.mark.parametrize("files, message", [
    ({"../evil/x.wav": b"", "yes/a.wav": b""}, "climbs out"),
    ({"/etc/yes/a.wav": b""}, "unsafe path"),
    ({"C:/yes/a.wav": b""}, "unsafe path"),
    ({"yes/a.wav": None, "yes/b.wav": None}, "at least two words"),
    ({"yes/a.wav": None, "yes/b.wav": None, "no/a.wav": None}, "too few for: no"),
    ({"a.wav": None}, "folder named after its word"),
    ({"readme.txt": b"hi"}, "No audio files"),
    ({"yes/a.wav": b"not audio", "no/b.wav": None}, "yes/a.wav"),
])
def test_zip_validation(files, message):
    data = _zip({k: (_wav() if v is None else v) for k, v in files.items()})
    with pytest.raises(InputError, match=message):
        W.load_wordset_zip(data)


def test_zip_limits():
    ok = {f"{w}/{i}.wav": _wav() for w in ("yes", "no") for i in range(2)}
    with pytest.raises(InputError, match="limit is 3"):
        W.load_wordset_zip(_zip(ok), max_files=3)
    with pytest.raises(InputError, match="zip bombs"):
        W.load_wordset_zip(_zip({"yes/a.wav": b"\0" * 200_000, "no/b.wav": _wav()}), max_bytes=150_000)
    with pytest.raises(InputError, match="at most 0.2 s"):
        W.load_wordset_zip(_zip(ok), max_clip_s=0.2)
    with pytest.raises(InputError, match="not a zip"):
        W.load_wordset_zip(b"PK but not really")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        info = zipfile.ZipInfo("yes/link.wav")
        info.external_attr = 0o120777 << 16
        zf.writestr(info, "/etc/passwd")
        zf.writestr("no/a.wav", _wav())
    with pytest.raises(InputError, match="symbolic link"):
        W.load_wordset_zip(buf.getvalue())


def test_hostile_values_from_the_fuzz_review_are_input_errors():
    """Each call below raised a scipy/numpy error, OverflowError, AttributeError or TypeError before the checks."""
    y = np.sin(np.arange(1600) / 5).astype(np.float32)
    calls = [
        lambda: W.pink_noise(0, np.random.default_rng(0)),            # scipy: invalid number of FFT points
        lambda: W.make_voices(float("inf")),                          # OverflowError
        lambda: W.room_rir("small office", 5),                        # 'int' object has no attribute 'uniform'
        lambda: W.add_noise(y, 10.0, None),                           # no attribute 'standard_normal'
        lambda: W.load_wordset_zip("yes/a.wav"),                      # a bytes-like object is required
        lambda: W.load_wordset_zip(b"PK", max_clip_s=[1, 2]),          # '>' between int and list
        lambda: W.wordset_zip_bytes(5.0),                             # 'float' object is not iterable
        lambda: W.wordset_zip_bytes(["yes"]),                         # 'str' object has no attribute 'voice'
        lambda: W.trim_silence(y, float("-inf")),                     # OverflowError
        lambda: W.trim_silence(np.full(1600, np.nan), 16000),         # NaN out
    ]
    for call in calls:
        with pytest.raises(InputError):
            call()
    assert len(W.pink_noise(1, np.random.default_rng(0))) == 1
