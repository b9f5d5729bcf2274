"""A labelled set of spoken words the project makes itself, and the user's own sets.

:func:`make_wordset` speaks the 35 words of Google's Speech Commands v0.02
with espeak-ng in many voices (accent, voice variant, pitch, speed), optionally
through a simulated room (:mod:`lib.room`) and with noise at a chosen SNR.
Everything is drawn from one seed, so the same arguments give the same
samples; the result is cached on disk as ``.npz`` (no pickle).

:func:`load_wordset_zip` reads a zip in the Speech Commands layout
(``word/<speaker>_nohash_<n>.wav``), which is how someone with the real data
set uses the page; it validates size, count, durations and paths before
decoding anything.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from lib.audio import Clip as AudioClip
from lib.errors import MAX_AMPLITUDE, InputError, check_int, check_number, check_signal, check_sr

SR = 16000
#: Speech Commands v0.02: 20 core command words, 10 auxiliary words and 5 added in v0.02.
SPEECH_COMMANDS = (
    "yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go",
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    "bed", "bird", "cat", "dog", "happy", "house", "marvin", "sheila", "tree", "wow",
    "backward", "forward", "follow", "learn", "visual",
)
#: espeak-ng's English accents (built-in voices; no mbrola needed).
ACCENTS = ("en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-029",
           "en-us-nyc")
#: Voice variants shipped with espeak-ng (male, female and formant-synthesis ones).
VARIANTS = ("m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "klatt", "klatt2", "klatt3")
#: Rooms a word set can be spoken in: name -> (length, width, height m, RT60 s).
ROOMS = {
    "small office": ((4.0, 3.5, 2.7), 0.35),
    "living room": ((6.0, 4.5, 2.6), 0.55),
    "classroom": ((9.0, 7.0, 3.2), 0.8),
}
#: Limits for user zips (checked before decoding).
ZIP_MAX_BYTES = 200_000_000
ZIP_MAX_FILES = 3000
ZIP_MAX_CLIP_S = 5.0
AUDIO_EXT = (".wav", ".flac", ".ogg", ".mp3")
#: Longest signal :func:`pink_noise` / :func:`add_noise` work on (2^24 samples: 17 min at 16 kHz).
MAX_NOISE_SAMPLES = 1 << 24


def _check_rng(rng) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise InputError(f"rng must be a numpy Generator (np.random.default_rng(seed)); got {type(rng).__name__}.")
    return rng


@dataclass(frozen=True)
class Clip(AudioClip):
    """A labelled clip: :class:`lib.audio.Clip` plus the ``word`` said and the ``voice`` (speaker) saying it."""

    word: str = ""
    voice: str = ""


@dataclass(frozen=True)
class Voice:
    """One espeak-ng speaker: accent, variant, pitch (0-99) and speed (words per minute)."""

    accent: str
    variant: str
    pitch: int
    speed: int

    @property
    def name(self) -> str:
        return f"{self.accent}+{self.variant} p{self.pitch} s{self.speed}"

    def args(self) -> list[str]:
        return ["-v", f"{self.accent}+{self.variant}", "-p", str(self.pitch), "-s", str(self.speed)]


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def espeak_version() -> str:
    exe = shutil.which("espeak-ng")
    if exe is None:
        return "missing"
    try:
        return subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def make_voices(n: int, *, seed: int = 0) -> list[Voice]:
    """``n`` different voices drawn from accents x variants, with pitch 25-75 and speed 130-190 wpm."""
    n = check_int(n, "The number of voices")
    if not 1 <= n <= len(ACCENTS) * len(VARIANTS):
        raise InputError(f"Choose between 1 and {len(ACCENTS) * len(VARIANTS)} voices; got {n}.")
    rng = np.random.default_rng(check_int(seed, "seed", lo=0))
    # Walk accents round-robin so a few voices already span several accents.
    combos = [(a, v) for v in rng.permutation(VARIANTS) for a in ACCENTS]
    order = rng.permutation(len(ACCENTS))
    picked, seen = [], set()
    for i in range(len(combos)):
        a = ACCENTS[order[i % len(ACCENTS)]]
        v = VARIANTS[rng.integers(len(VARIANTS))]
        if (a, v) in seen:
            continue
        seen.add((a, v))
        picked.append(Voice(a, str(v), int(rng.integers(25, 76)), int(rng.integers(130, 191))))
        if len(picked) == n:
            break
    while len(picked) < n:  # all round-robin draws collided: take the rest in order
        a, v = combos[len(picked)]
        if (a, v) not in seen:
            seen.add((a, v))
            picked.append(Voice(a, str(v), int(rng.integers(25, 76)), int(rng.integers(130, 191))))
    return picked


def speak(text: str, voice: Voice, *, sr: int = SR) -> np.ndarray:
    """Run espeak-ng and return float32 samples at ``sr`` (resampled from its 22.05 kHz)."""
    import soundfile as sf

    from lib.audio import resample

    exe = shutil.which("espeak-ng")
    if exe is None:
        raise InputError("espeak-ng is not installed (Debian package espeak-ng; it is in packages.txt).")
    if not re.fullmatch(r"[A-Za-z' .,?!-]{1,200}", text):
        raise InputError(f"Only plain English words can be spoken; got {text!r}.")
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "w.wav"
        subprocess.run([exe, *voice.args(), "-w", str(wav), text], check=True, capture_output=True, timeout=30)
        y, file_sr = sf.read(wav, dtype="float32")
    if y.ndim > 1:
        y = y.mean(axis=1)
    return resample(y, int(file_sr), int(sr)).astype(np.float32)


def trim_silence(y: np.ndarray, sr: int, *, top_db: float = 40.0, frame_ms: float = 10.0) -> np.ndarray:
    """Cut leading and trailing frames quieter than ``top_db`` below the loudest frame."""
    y = check_signal(y, "The clip", min_len=0, max_abs=MAX_AMPLITUDE)
    sr = check_sr(sr)
    top_db = check_number(top_db, "top_db", lo=0.0, hi=1000.0, unit="dB")
    frame_ms = check_number(frame_ms, "frame_ms", lo=0.0, lo_open=True, hi=10_000.0, unit="ms")
    n = max(1, int(sr * frame_ms / 1000))
    frames = len(y) // n
    if frames == 0:
        return y
    e = np.sqrt(np.mean(y[: frames * n].reshape(frames, n) ** 2, axis=1))
    keep = np.flatnonzero(20 * np.log10(np.maximum(e, 1e-10)) > 20 * np.log10(max(e.max(), 1e-10)) - top_db)
    if keep.size == 0:
        return y
    return y[keep[0] * n : (keep[-1] + 1) * n]


def pink_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    """Unit-RMS noise with a 1/f power spectrum (closer to room noise than white)."""
    n = check_int(n, "The number of noise samples", lo=1, hi=MAX_NOISE_SAMPLES)
    spec = np.fft.rfft(_check_rng(rng).standard_normal(n))
    f = np.arange(len(spec), dtype=np.float64)
    f[0] = 1.0
    x = np.fft.irfft(spec / np.sqrt(f), n)
    return (x / np.sqrt(np.mean(x**2))).astype(np.float32)


def add_noise(y: np.ndarray, snr_db: float, rng: np.random.Generator) -> np.ndarray:
    """Add pink noise so that speech power / noise power = ``snr_db`` (speech power over frames within 40 dB of the peak)."""
    y = check_signal(y, "The clip", max_len=MAX_NOISE_SAMPLES, max_abs=MAX_AMPLITUDE)
    snr_db = check_number(snr_db, "The SNR", lo=-100.0, hi=200.0, unit="dB")
    rng = _check_rng(rng)
    active = trim_silence(y, SR)
    p = float(np.mean(active.astype(np.float64) ** 2))
    noise = pink_noise(len(y), rng) * np.sqrt(p / 10 ** (snr_db / 10))
    return (y + noise).astype(np.float32)


def room_rir(room: str, rng: np.random.Generator, *, sr: int = SR) -> np.ndarray:
    """An impulse response of a named room (:data:`ROOMS`) with source and mic placed by ``rng``."""
    from lib import room as room_lib

    if not isinstance(room, str) or room not in ROOMS:
        raise InputError(f"Unknown room {room!r:.40}; choose one of {', '.join(ROOMS)}.")
    rng = _check_rng(rng)
    sr = check_sr(sr, integer=True)
    dim, rt60 = ROOMS[room]
    absorption, order = room_lib.inverse_sabine(rt60, dim)
    d = np.array(dim)
    src = d * rng.uniform(0.2, 0.8, 3)
    src[2] = 1.5
    mic = d * rng.uniform(0.2, 0.8, 3)
    mic[2] = 1.2
    if np.linalg.norm(src - mic) < 0.5:
        mic[0] = d[0] - mic[0] if abs(d[0] - 2 * mic[0]) > 0.5 else mic[0] * 0.5
    rir = room_lib.shoebox_rir(dim, src, mic, sr, absorption=absorption, max_order=min(order, 12))
    return (rir / np.max(np.abs(rir))).astype(np.float32)


def _settings_key(words, n_per_word, seed, room, snr_db, duration_s, sr) -> str:
    text = repr((tuple(words), int(n_per_word), int(seed), room, None if snr_db is None else float(snr_db),
                 float(duration_s), int(sr), espeak_version(), 2))
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def default_cache_dir() -> Path:
    return Path(tempfile.gettempdir()) / "ave_wordsets"


def make_wordset(words: Sequence[str] = SPEECH_COMMANDS, *, n_per_word: int = 5, seed: int = 0,
                 room: str | None = None, snr_db: float | None = None, duration_s: float = 1.0, sr: int = SR,
                 cache_dir: str | os.PathLike | None = None,
                 progress: Callable[[float, str], None] | None = None) -> list[Clip]:
    """Speak ``words`` with ``n_per_word`` espeak-ng voices; each voice says every word.

    Parameters
    ----------
    words : sequence of str
        Default: the 35 Speech Commands words.
    n_per_word : int
        How many voices (the same voices say every word, so scores can be
        grouped by voice).
    seed : int
        Draws the voices, the level, the timing inside the clip, the room
        positions and the noise.
    room : str, optional
        A key of :data:`ROOMS`: each voice stands at its own place in it.
    snr_db : float, optional
        Add pink noise at this speech-to-noise ratio.
    duration_s : float
        Clip length (Speech Commands: 1 s); a longer word keeps its length.
    cache_dir : path, optional
        Where the ``.npz`` cache lives (default: the system temp folder);
        ``None`` uses the default, the same settings load from it.

    Returns
    -------
    list of Clip
        In word-major order; ``clip.word``, ``clip.voice`` name what is said and by whom.
    """
    words = [str(w).strip().lower() for w in words]
    if not words or len(set(words)) != len(words) or not all(re.fullmatch(r"[a-z']{1,30}", w) for w in words):
        raise InputError("Words must be distinct plain English words (letters only).")
    n_per_word = int(n_per_word)
    if not 1 <= n_per_word <= 40:
        raise InputError(f"Choose 1 to 40 voices per word; got {n_per_word}.")
    if snr_db is not None and not -10 <= float(snr_db) <= 60:
        raise InputError(f"The SNR must lie between -10 and 60 dB; got {snr_db}.")
    if not 0.3 <= float(duration_s) <= 5:
        raise InputError(f"The clip length must lie between 0.3 and 5 s; got {duration_s}.")
    if room is not None and room not in ROOMS:
        raise InputError(f"Unknown room {room!r}; choose one of {', '.join(ROOMS)}.")
    key = _settings_key(words, n_per_word, seed, room, snr_db, duration_s, sr)
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    path = folder / f"wordset_{key}.npz"
    if path.exists():
        try:
            return _load_npz(path)
        except Exception:  # half-written: remake
            pass
    voices = make_voices(n_per_word, seed=seed)
    rng = np.random.default_rng(int(seed) + 1)
    rirs = {v.name: room_rir(room, rng, sr=sr) for v in voices} if room else {}
    n_target = int(round(duration_s * sr))
    audio, labels, who = [], [], []
    total = len(words) * len(voices)
    for wi, word in enumerate(words):
        for vi, voice in enumerate(voices):
            y = trim_silence(speak(word, voice, sr=sr), sr)
            if room:
                from scipy.signal import fftconvolve

                y = fftconvolve(y, rirs[voice.name])[: len(y) + int(0.3 * sr)].astype(np.float32)
            n = max(n_target, len(y))
            start = int(rng.integers(0, n - len(y) + 1))
            x = np.zeros(n, dtype=np.float32)
            x[start : start + len(y)] = y
            if snr_db is not None:
                x = add_noise(x, snr_db, rng)
            gain_db = rng.uniform(-9.0, -3.0)
            x = x / max(float(np.max(np.abs(x))), 1e-9) * 10 ** (gain_db / 20)
            audio.append(x.astype(np.float32))
            labels.append(word)
            who.append(voice.name)
            if progress:
                done = wi * len(voices) + vi + 1
                progress(done / total, f"espeak-ng: '{word}' by {voice.name} ({done}/{total})")
    clips = [Clip(samples=a, sr=sr, name=f"{w} · {v}", word=w, voice=v) for a, w, v in zip(audio, labels, who)]
    folder.mkdir(parents=True, exist_ok=True)
    _save_npz(path, clips)
    return clips


def _save_npz(path: Path, clips: Sequence[Clip]) -> None:
    lengths = np.array([len(c.samples) for c in clips], dtype=np.int64)
    tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
    np.savez(tmp, audio=np.concatenate([c.samples for c in clips]).astype(np.float32), lengths=lengths,
             words=np.array([c.word for c in clips]), voices=np.array([c.voice for c in clips]),
             sr=np.int32(clips[0].sr))
    os.replace(tmp, path)


def _load_npz(path: Path) -> list[Clip]:
    with np.load(path, allow_pickle=False) as d:
        audio, lengths, words, voices, sr = d["audio"], d["lengths"], d["words"], d["voices"], int(d["sr"])
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    return [Clip(samples=audio[a:b].copy(), sr=sr, name=f"{w} · {v}", word=str(w), voice=str(v))
            for a, b, w, v in zip(bounds[:-1], bounds[1:], words, voices)]


# -------------------------------------------------------------------- user zips
_SPEAKER = re.compile(r"^([0-9a-zA-Z]+)_nohash_\d+$")


def _safe_parts(name: str) -> list[str]:
    if "\\" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise InputError(f"The zip holds an unsafe path ({name!r}); refusing to read it.")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise InputError(f"The zip holds a path that climbs out of its folder ({name!r}); refusing to read it.")
    return parts


def load_wordset_zip(data: bytes, *, sr: int = SR, max_bytes: int = ZIP_MAX_BYTES, max_files: int = ZIP_MAX_FILES,
                     max_clip_s: float = ZIP_MAX_CLIP_S, min_per_word: int = 2) -> list[Clip]:
    """Read labelled clips from a zip in the Speech Commands layout: ``word/<file>.wav``.

    A single top folder (``speech_commands_v0.02/word/...``) is allowed;
    ``_background_noise_``, hidden files and ``__MACOSX`` are skipped. The
    speaker is read from Speech Commands names (``<speaker>_nohash_<n>.wav``),
    otherwise the file name is the speaker. Nothing is extracted to disk.

    Raises
    ------
    InputError
        Not a zip, too big (compressed or uncompressed), too many files, an
        unsafe path (absolute, ``..``, drive letters, symlinks), a clip longer
        than ``max_clip_s`` or unreadable, fewer than two words, or a word
        with fewer than ``min_per_word`` clips.
    """
    from lib.audio import load_audio

    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise InputError(f"The zip must be given as bytes (the uploaded file's contents); got {type(data).__name__}.")
    data = bytes(data)
    sr = check_sr(sr, integer=True)
    max_bytes = check_int(max_bytes, "max_bytes", lo=1, hi=10**12)
    max_files = check_int(max_files, "max_files", lo=1, hi=10**7)
    max_clip_s = check_number(max_clip_s, "max_clip_s", lo=0.0, lo_open=True, hi=3600.0, unit="s")
    min_per_word = check_int(min_per_word, "min_per_word", lo=1, hi=10**7)
    if len(data) > max_bytes:
        raise InputError(f"The zip is {len(data) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.1f} MB.")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise InputError("That file is not a zip archive.") from None
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > max_files:
            raise InputError(f"The zip holds {len(infos)} files; the limit is {max_files}.")
        if sum(i.file_size for i in infos) > max_bytes:
            raise InputError(f"The zip unpacks to more than {max_bytes / 1e6:.1f} MB; the limit guards against "
                             "zip bombs.")
        entries = []
        for info in infos:
            parts = _safe_parts(info.filename)
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                raise InputError(f"The zip holds a symbolic link ({info.filename!r}); refusing to read it.")
            if not parts or any(p.startswith(".") or p == "__MACOSX" for p in parts):
                continue
            if not parts[-1].lower().endswith(AUDIO_EXT) or "_background_noise_" in parts:
                continue
            entries.append((parts, info))
        if not entries:
            raise InputError("No audio files found. Use the Speech Commands layout: one folder per word with "
                             "its .wav clips inside (yes/0a7c2a8d_nohash_0.wav).")
        depths = {len(p) for p, _ in entries}
        if depths == {3} and len({p[0] for p, _ in entries}) == 1:
            entries = [(p[1:], i) for p, i in entries]
        elif depths != {2}:
            raise InputError("Every clip must sit in a folder named after its word (word/clip.wav), "
                             "optionally inside one top folder.")
        clips = []
        for parts, info in sorted(entries, key=lambda e: e[0]):
            word, fname = parts
            if info.file_size > max_clip_s * 48000 * 2 * 4 + 1_000_000:
                raise InputError(f"{word}/{fname} is too large for a {max_clip_s:g}-s clip.")
            try:
                clip = load_audio(zf.read(info), sr=sr, max_duration_s=None, name=f"{word}/{fname}")
            except InputError as exc:
                raise InputError(f"{word}/{fname}: {exc}") from None
            if clip.duration_s > max_clip_s:
                raise InputError(f"{word}/{fname} lasts {clip.duration_s:.1f} s; clips may last at most "
                                 f"{max_clip_s:g} s (Speech Commands clips last 1 s).")
            stem = fname.rsplit(".", 1)[0]
            m = _SPEAKER.match(stem)
            clips.append(Clip(samples=clip.samples, sr=clip.sr, name=f"{word}/{fname}", word=word.lower(),
                              voice=m.group(1) if m else stem))
    counts = {}
    for c in clips:
        counts[c.word] = counts.get(c.word, 0) + 1
    if len(counts) < 2:
        raise InputError("The zip needs at least two words (two folders) to compare.")
    few = [w for w, n in counts.items() if n < min_per_word]
    if few:
        raise InputError(f"Every word needs at least {min_per_word} clips; too few for: {', '.join(sorted(few))}.")
    return clips


def wordset_zip_bytes(clips: Sequence[Clip]) -> bytes:
    """Write clips as a zip in the Speech Commands layout (16-bit WAV), e.g. to download a generated set."""
    import soundfile as sf

    if isinstance(clips, Clip) or not isinstance(clips, (list, tuple)):
        raise InputError(f"clips must be a list of lib.wordset.Clip; got {type(clips).__name__}.")
    for c in clips:
        if not isinstance(c, Clip):
            raise InputError(f"clips must be a list of lib.wordset.Clip; one item is {type(c).__name__}.")
        if not isinstance(c.word, str) or not isinstance(c.voice, str) or c.word.strip(". ") == "" \
                or any(ch in c.word for ch in "/\\\0"):
            raise InputError(f"Clip {c.name!r:.40}: its word {c.word!r:.40} cannot name a folder in the zip.")
        check_signal(c.samples, f"Clip {c.name!r:.40}")
        check_sr(c.sr, integer=True)
    buf = io.BytesIO()
    counter: dict[str, int] = {}
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for c in clips:
            speaker = hashlib.sha1(c.voice.encode()).hexdigest()[:8]
            k = counter.get((c.word, speaker), 0)
            counter[(c.word, speaker)] = k + 1
            wav = io.BytesIO()
            sf.write(wav, np.clip(c.samples, -1, 1), c.sr, subtype="PCM_16", format="WAV")
            zf.writestr(f"{c.word}/{speaker}_nohash_{k}.wav", wav.getvalue())
    return buf.getvalue()
