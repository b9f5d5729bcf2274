"""Loading, checking and encoding audio clips.

Everything a page needs to turn "some audio the user has" into a clean mono
float32 array with a known sample rate, and back into bytes a browser can play
without changing its level.
"""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass, field
from math import gcd
from pathlib import Path
from typing import BinaryIO, Union

import numpy as np

from lib.errors import MAX_AMPLITUDE, MAX_SAMPLES, MAX_SR, InputError, check_int, check_number, check_signal, check_sr

#: Longest clip the interactive pages analyse, in seconds (longer input is trimmed).
DEFAULT_MAX_DURATION_S = 30.0
#: Most samples the interactive pages keep (30 s at 48 kHz): bounds what every cache holds per clip.
DEFAULT_MAX_SAMPLES = 30 * 48000
#: Samples whose absolute value reaches this are counted as clipped.
CLIP_LEVEL = 0.999
#: A clip whose peak is below this (about -100 dBFS) is treated as silence.
SILENCE_PEAK = 1e-5
#: A peak above this (+120 dBFS) is not an audio level: refused (squares would overflow float32).
MAX_PEAK = MAX_AMPLITUDE

AudioSource = Union[str, os.PathLike, bytes, bytearray, BinaryIO]


@dataclass(frozen=True)
class Clip:
    """A mono clip ready for analysis.

    Attributes
    ----------
    samples : np.ndarray
        float32 mono samples, nominally in [-1, 1] (full scale).
    sr : int
        Sampling rate in Hz.
    name : str
        Human-readable name (file name or sample name).
    notices : tuple of str
        What loading changed or noticed (mixed to mono, trimmed, resampled,
        clipped), in words a page can show as-is.
    channels : int
        How many channels the source had (the clip is their mean, or the one chosen).
    """

    samples: np.ndarray
    sr: int
    name: str = "clip"
    notices: tuple[str, ...] = field(default_factory=tuple)
    channels: int = 1

    @property
    def y(self) -> np.ndarray:
        """The samples (librosa's name for them)."""
        return self.samples

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sr

    @property
    def fingerprint(self) -> str:
        """A short content hash: a cache key that changes when the audio does."""
        return clip_hash(self.samples, self.sr)


def clip_hash(y: np.ndarray, sr: int) -> str:
    """Return a 16-hex-digit SHA-1 of the samples and the sampling rate."""
    y = check_signal(y, "The samples", min_len=0, ndim=(1, 2))
    h = hashlib.sha1(np.ascontiguousarray(y, dtype=np.float32).tobytes())
    h.update(str(check_sr(sr, integer=True)).encode())
    return h.hexdigest()[:16]


def _read_bytes(source: AudioSource) -> tuple[bytes, str]:
    """Return the raw bytes of ``source`` and a display name."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), "clip"
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            raise InputError(f"No audio file at {path}.")
        if not path.is_file():
            raise InputError(f"{path} is a folder or a device, not an audio file.")
        try:
            return path.read_bytes(), path.name
        except OSError as exc:
            raise InputError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    if hasattr(source, "read"):
        if hasattr(source, "seek"):
            source.seek(0)
        data = source.read()
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise InputError(f"Reading the upload gave a {type(data).__name__}, not bytes.")
        return bytes(data), Path(str(getattr(source, "name", "upload"))).name
    raise InputError(f"Cannot read audio from a {type(source).__name__}.")


#: Samples (frames x channels) decoded per block while streaming: bounds the working memory
#: whatever the channel count (a 255-channel Ogg of silence is a few kB on disk).
_BLOCK_VALUES = 1 << 20


@dataclass
class _Decoded:
    """Mono samples streamed from a file, with what the container declared."""

    y: np.ndarray
    sr: int
    channels: int
    declared_s: float | None = None  # the duration the file claims (None: unknown)
    more: bool = False  # decoding stopped at the cap with audio left
    damaged: str | None = None  # the decoder's complaint after some audio came out


class _Mixer:
    """Collects decoded blocks as mono float32, stopping after ``max_s`` seconds.

    Without a duration cap, :data:`lib.errors.MAX_SAMPLES` still bounds the memory.
    """

    def __init__(self, max_s: float | None, max_samples: int | None = None, channel: int | None = None):
        self.max_s = max_s
        self.max_samples = MAX_SAMPLES if max_samples is None else min(int(max_samples), MAX_SAMPLES)
        self.channel = channel  # None: the mean of the channels; k: channel k alone
        self.max_frames: int | None = None
        self.parts: list[np.ndarray] = []
        self.n = 0
        self.more = False

    def full(self) -> bool:
        return self.max_frames is not None and self.n >= self.max_frames

    def add(self, block: np.ndarray, sr: int) -> None:
        """``block`` is (frames, channels); the mean runs in float64 (two 3e38 samples do not overflow)."""
        if self.max_frames is None and sr > 0:
            cap = MAX_SAMPLES if self.max_s is None else int(np.ceil(self.max_s * sr))
            self.max_frames = min(cap, self.max_samples)
        if block.size == 0:
            return
        if not np.all(np.isfinite(block)):
            raise InputError("The file contains NaN or infinite samples; it cannot be analysed.")
        if self.channel is not None and self.channel >= block.shape[1]:
            raise InputError(f"The file has {block.shape[1]} channel(s); there is no channel {self.channel + 1}.")
        if self.channel is not None:
            mono = block[:, self.channel]
        else:
            mono = block[:, 0] if block.shape[1] == 1 else block.mean(axis=1, dtype=np.float64)
        if self.max_frames is not None and self.n + len(mono) > self.max_frames:
            mono = mono[: self.max_frames - self.n]
            self.more = True
        self.parts.append(np.asarray(mono, dtype=np.float32))
        self.n += len(mono)

    def samples(self) -> np.ndarray:
        return np.concatenate(self.parts) if self.parts else np.zeros(0, np.float32)


def _stream_soundfile(data: bytes, max_s: float | None, max_samples: int | None = None,
                      channel: int | None = None) -> _Decoded:
    import soundfile as sf

    with sf.SoundFile(io.BytesIO(data)) as f:
        sr, ch = int(f.samplerate), int(f.channels)
        declared = f.frames / sr if f.frames and sr > 0 else None
        mix, damaged = _Mixer(max_s, max_samples, channel), None
        block = max(1, _BLOCK_VALUES // max(ch, 1))
        while not mix.full():
            try:
                got = f.read(frames=block, dtype="float32", always_2d=True)
            except InputError:
                raise
            except Exception as exc:  # a damaged stream: keep what decoded, say so
                if mix.n == 0:
                    raise
                damaged = decoder_words(exc)
                break
            if len(got) == 0:
                break
            mix.add(got, sr)
        more = mix.more or (mix.full() and f.frames > mix.n)
    return _Decoded(mix.samples(), sr, ch, declared, more, damaged)


def _stream_pyav(data: bytes, max_s: float | None, max_samples: int | None = None,
                 channel: int | None = None) -> _Decoded:
    """Decode any container/codec FFmpeg knows (M4A/AAC, MP3, Opus, video files), block by block."""
    import av

    with av.open(io.BytesIO(data), mode="r") as container:
        streams = container.streams.audio
        if not streams:
            raise InputError("The file has no audio track.")
        stream = streams[0]
        sr = int(stream.codec_context.sample_rate or stream.rate or 0)
        ch = int(getattr(stream.codec_context, "channels", 0) or 1)
        declared = None
        if stream.duration and stream.time_base:
            declared = float(stream.duration * stream.time_base)
        elif container.duration:
            declared = container.duration / 1e6
        # planar float32 so channels come out as rows
        resampler = av.AudioResampler(format="fltp", layout=None, rate=sr or None)
        mix, damaged = _Mixer(max_s, max_samples, channel), None
        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    sr = out.sample_rate
                    mix.add(out.to_ndarray().T, sr)
                if mix.full():
                    mix.more = True
                    break
            else:
                for out in resampler.resample(None):
                    mix.add(out.to_ndarray().T, sr)
        except InputError:
            raise
        except Exception as exc:
            if mix.n == 0:
                raise
            damaged = decoder_words(exc)
    return _Decoded(mix.samples(), int(sr), ch, declared, mix.more, damaged)



#: What each decoder is called in messages (the library a learner can look up, not our function's name).
_DECODER_NAMES = {"soundfile": "libsndfile", "pyav": "FFmpeg"}


def decoder_words(exc: BaseException) -> str:
    """A decoder's complaint in words: no Python object reprs, errno numbers or FFmpeg function names.

    ``Error opening <_io.BytesIO object at 0x7f…>: Format not recognised.`` becomes
    ``format not recognised``; ``[Errno 1094995529] Invalid data found when processing input:
    '<none>'`` becomes ``invalid data found when processing input``.
    """
    import re

    msg = str(exc) or type(exc).__name__
    msg = re.sub(r"Error opening <[^>]*>:\s*", "", msg)
    msg = re.sub(r"<[^<>]* object at 0x[0-9a-fA-F]+>", "the file", msg)
    msg = re.sub(r"\[Errno -?\d+\]\s*", "", msg)
    msg = re.sub(r":\s*'(<none>|[A-Za-z_]+\(\)?)'?\s*$", "", msg)
    msg = re.sub(r"^Error\s*:\s*", "", msg).strip().rstrip(".")
    return (msg[:1].lower() + msg[1:]) if msg else type(exc).__name__


def _undecodable(errors: list[tuple[str, BaseException]]) -> InputError:
    said = "; ".join(f"{_DECODER_NAMES.get(n, n)} says: {decoder_words(e)}" for n, e in errors)
    return InputError(
        "This file could not be decoded as audio (" + said[:300] + "). Supported: WAV, FLAC, OGG, MP3, "
        "M4A/AAC and most formats FFmpeg reads; a file cut short or renamed from another format "
        "gives this message."
    )

def _stream_decode(data: bytes, max_s: float | None, max_samples: int | None = None,
                   channel: int | None = None) -> _Decoded:
    """soundfile first (WAV, FLAC, OGG, MP3), PyAV second; stop after ``max_s`` seconds."""
    if len(data) == 0:
        raise InputError("The file is empty (0 bytes).")
    errors, best = [], None
    for decoder in (_stream_soundfile, _stream_pyav):
        try:
            got = decoder(data, max_s, max_samples, channel)
        except InputError:
            raise
        except Exception as exc:  # decoders raise many types for bad bytes
            errors.append((decoder.__name__[8:], exc))
            continue
        if best is None or len(got.y) > len(best.y):
            best = got
        if not got.damaged:
            break  # a clean decode: no need for the second opinion
    if best is None:
        raise _undecodable(errors)
    return best


def decode_audio(data: bytes, *, max_frames: int | None = None) -> tuple[np.ndarray, int]:
    """Decode encoded audio bytes into ``(frames, channels)`` float32 and a rate.

    soundfile (libsndfile: WAV, FLAC, OGG/Vorbis/Opus, MP3) is tried first, PyAV
    (FFmpeg: M4A/AAC and nearly everything else) second. ``max_frames`` stops the
    decoder there (a 2-hour file does not have to fit in memory to give its first
    30 s). :func:`load_audio` streams and mixes to mono instead; use it for user files.

    Raises
    ------
    InputError
        If neither decoder understands the bytes.
    """
    if len(data) == 0:
        raise InputError("The file is empty (0 bytes).")
    errors = []
    for decoder in (_decode_soundfile, _decode_pyav):
        try:
            return decoder(data, max_frames)
        except InputError:
            raise
        except Exception as exc:  # decoders raise many types for bad bytes
            errors.append((decoder.__name__[8:], exc))
    raise _undecodable(errors)


def _decode_soundfile(data: bytes, max_frames: int | None = None) -> tuple[np.ndarray, int]:
    import soundfile as sf

    with sf.SoundFile(io.BytesIO(data)) as f:
        n = f.frames if max_frames is None else min(f.frames, int(max_frames))
        return f.read(frames=n, dtype="float32", always_2d=True), int(f.samplerate)


def _decode_pyav(data: bytes, max_frames: int | None = None) -> tuple[np.ndarray, int]:
    import av

    with av.open(io.BytesIO(data), mode="r") as container:
        streams = container.streams.audio
        if not streams:
            raise InputError("The file has no audio track.")
        stream = streams[0]
        sr = int(stream.codec_context.sample_rate or stream.rate or 0)
        resampler = av.AudioResampler(format="fltp", layout=None, rate=sr or None)
        chunks, n = [], 0
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray())
                n += chunks[-1].shape[1]
                sr = out.sample_rate
            if max_frames is not None and n >= max_frames:
                break
        else:
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray())
    if not chunks:
        return np.zeros((0, 1), np.float32), sr
    y = np.concatenate(chunks, axis=1).T.astype(np.float32)
    return (y if max_frames is None else y[: int(max_frames)]), int(sr)


def resample(y: np.ndarray, orig_sr: int, target_sr: int) -> np.ndarray:
    """Resample with a polyphase anti-aliasing filter (scipy ``resample_poly``).

    Parameters
    ----------
    y : np.ndarray
        Mono samples.
    orig_sr, target_sr : int
        Rates in Hz; both must be positive integers.
    """
    from scipy.signal import resample_poly

    y = check_signal(y, "The samples", max_abs=MAX_AMPLITUDE)
    orig_sr = check_sr(orig_sr, "The original sampling rate", integer=True)
    target_sr = check_sr(target_sr, "The target sampling rate", integer=True)
    if len(y) * (target_sr / orig_sr) > MAX_SAMPLES:
        raise InputError(f"Resampling {len(y):,} samples from {orig_sr} to {target_sr} Hz would make "
                         f"{len(y) * target_sr / orig_sr:,.0f} samples (at most {MAX_SAMPLES:,}).")
    if orig_sr == target_sr:
        return np.asarray(y, dtype=np.float32)
    g = gcd(orig_sr, target_sr)
    return resample_poly(y, target_sr // g, orig_sr // g).astype(np.float32)


def load_audio(
    source: AudioSource,
    *,
    sr: int | None = None,
    max_duration_s: float | None = DEFAULT_MAX_DURATION_S,
    name: str | None = None,
    max_samples: int | None = None,
    channel: int | None = None,
) -> Clip:
    """Load audio from a path, bytes or an uploaded file into a mono :class:`Clip`.

    Parameters
    ----------
    source : path, bytes or file-like
        What to read (a Streamlit ``UploadedFile`` works as it is).
    sr : int, optional
        Resample to this rate (Hz); ``None`` keeps the file's rate.
    max_duration_s : float, optional
        Keep at most this many seconds (a notice says so); ``None`` keeps all. Decoding stops
        there: a 1 MB FLAC of 8 hours of silence costs 30 s of memory, not 10 GiB.
    name : str, optional
        Display name; defaults to the file name.
    max_samples : int, optional
        Also keep at most this many samples at the file's rate (a 192 kHz file then keeps a
        quarter of the seconds a 48 kHz one does): what bounds the memory of everything
        computed from the clip. :data:`DEFAULT_MAX_SAMPLES` is 30 s at 48 kHz.
    channel : int, optional
        Keep this channel (0-based) of a multichannel file instead of the mean of all channels
        (averaging the channels of a microphone array's impulse response smears its decay).

    Returns
    -------
    Clip

    Raises
    ------
    InputError
        For unreadable, empty, silent-only or non-finite audio, levels beyond +120 dBFS,
        or a bad ``sr`` / ``max_duration_s``.
    """
    if sr is not None:
        sr = check_sr(sr, "The requested sampling rate", integer=True)
    if max_duration_s is not None:
        max_duration_s = check_number(max_duration_s, "The longest duration kept", lo=0.0, lo_open=True, unit="s")
    if max_samples is not None:
        max_samples = check_int(max_samples, "The most samples kept", lo=1)
    data, default_name = _read_bytes(source)
    name = name or default_name
    if channel is not None:
        channel = check_int(channel, "The channel number", lo=0)
    dec = _stream_decode(data, max_duration_s, max_samples, channel)
    y, file_sr = dec.y, dec.sr
    notices: list[str] = []
    if not 0 < file_sr <= MAX_SR:
        raise InputError(f"The file reports a sampling rate of {file_sr} Hz, which is impossible for audio.")
    if y.size == 0:
        raise InputError("The file holds no samples (a 0-length recording).")
    if dec.channels > 1 and channel is None:
        notices.append(f"Mixed {dec.channels} channels to mono (average of channels).")
    elif dec.channels > 1:
        notices.append(f"Channel {channel + 1} of {dec.channels} (the other channels are not used).")
    kept_s = len(y) / file_sr
    if dec.more and max_duration_s is None and max_samples is None:
        raise InputError(
            f"The file is longer than {MAX_SAMPLES / file_sr / 60:.0f} minutes; pass max_duration_s to analyse "
            "its beginning."
        )
    if dec.more:
        total = f" of {dec.declared_s:.1f} s" if dec.declared_s and dec.declared_s > kept_s else ""
        by_samples = max_duration_s is None or kept_s < max_duration_s - 1.0 / file_sr
        limit = f"{kept_s:.3g} s ({len(y):,} samples at {file_sr} Hz)" if by_samples else f"{max_duration_s:g} s"
        notices.append(f"Trimmed to the first {limit}{total} to keep the pages responsive (the rest was never decoded).")
    got_s = len(y) / file_sr
    if dec.damaged:
        notices.append(
            f"Decoding stopped after {got_s:.2f} s with an error ({dec.damaged[:80]}): the file looks damaged; "
            "only the part before the damage is analysed."
        )
    elif not dec.more and dec.declared_s and dec.declared_s - got_s > max(0.05, 0.02 * dec.declared_s):
        notices.append(
            f"Only {got_s:.2f} s of the {dec.declared_s:.2f} s the file declares could be decoded: it looks "
            "damaged or cut short."
        )
    if sr is not None and sr != file_sr:
        notices.append(f"Resampled from {file_sr} Hz to {sr} Hz.")
        y = resample(y, file_sr, sr)
    out_sr = sr if sr is not None else file_sr
    peak = float(np.max(np.abs(y))) if y.size else 0.0
    if peak < SILENCE_PEAK:
        raise InputError(
            f"The file is silent (peak {level_dbfs(peak):.0f} dBFS); there is nothing to analyse."
        )
    if peak > MAX_PEAK:
        raise InputError(
            f"The file peaks at {level_dbfs(peak, floor_db=-1e9):+.0f} dBFS, more than {level_dbfs(MAX_PEAK):+.0f} dBFS "
            "above full scale: these are not audio levels (a floating-point file written in the wrong units?)."
        )
    clipped = clipped_run_fraction(y)
    if clipped > 1e-4:
        notices.append(
            f"{100 * clipped:.2f} % of samples sit flat at the clip's peak ({level_dbfs(peak):+.1f} dBFS): the "
            "recording looks clipped, so expect extra harmonics in its spectrum."
        )
    elif peak > 1.0 + 1e-6:
        notices.append(
            f"The file peaks at {level_dbfs(peak):+.1f} dBFS, above full scale (a floating-point file; nothing was "
            "clipped). The analysis keeps the values; the players clip them at ±1."
        )
    return Clip(samples=np.ascontiguousarray(y, dtype=np.float32), sr=out_sr, name=name, notices=tuple(notices),
                channels=dec.channels)


def require_length(y: np.ndarray, sr: int, min_samples: int, *, purpose: str = "this analysis") -> None:
    """Raise :class:`InputError` when ``y`` is shorter than ``min_samples`` (a very short take or file).

    The message gives both lengths in samples and milliseconds, so the learner knows how much
    longer a recording has to be. (Messages never embed a file name: pages show them as Markdown.)
    """
    y = check_signal(y, "The clip", min_len=0)
    sr = check_sr(sr)
    n, need = len(y), check_int(min_samples, "The shortest length", lo=0, hi=MAX_SAMPLES)
    if n < need:
        raise InputError(
            f"The clip is only {n:,} samples long ({1000 * n / sr:.1f} ms at {sr} Hz); {purpose} needs at least "
            f"{need:,} samples ({1000 * need / sr:.1f} ms). Record or upload a longer clip."
        )


def clipped_run_fraction(y: np.ndarray, level: float = CLIP_LEVEL, min_run: int = 3) -> float:
    """Fraction of samples in flat runs at the clip's extreme: the signature of clipping.

    A sample counts when it equals the clip's maximum (or minimum) value, that value reaches
    ``level`` in magnitude, and at least ``min_run`` such samples follow each other. A sine that
    merely touches full scale, or a float file peaking at +26 dBFS, is not clipped; a waveform
    sawn off at 1.0 (or at 32767) is.
    """
    y = check_signal(y, "The samples", min_len=0)
    level = check_number(level, "The clip level", lo=0.0, lo_open=True)
    min_run = check_int(min_run, "The shortest run", lo=1)
    if y.size < min_run:
        return 0.0
    count = 0
    for extreme in (float(y.max()), float(y.min())):
        if abs(extreme) < level:
            continue
        at = np.abs(y - extreme) <= 1e-7 * max(1.0, abs(extreme))
        # lengths of runs of True: diff of the padded mask marks starts (+1) and ends (-1)
        edges = np.flatnonzero(np.diff(np.concatenate(([0], at.view(np.int8), [0]))))
        runs = edges[1::2] - edges[::2]
        count += int(runs[runs >= min_run].sum())
    return count / y.size


def clipped_fraction(y: np.ndarray, level: float = CLIP_LEVEL) -> float:
    """Fraction of samples whose magnitude reaches ``level`` (full scale by default)."""
    y = check_signal(y, "The samples", min_len=0, ndim=(1, 2))
    level = check_number(level, "The clip level", lo=0.0, lo_open=True)
    return float(np.mean(np.abs(y) >= level)) if y.size else 0.0


def level_dbfs(value: float, floor_db: float = -120.0) -> float:
    """Convert a linear amplitude (1.0 = full scale) to dBFS, floored at ``floor_db``."""
    value = check_number(value, "The amplitude", lo=0.0)
    floor_db = check_number(floor_db, "The dB floor")
    return float(max(20.0 * np.log10(max(value, 1e-30)), floor_db))


def to_wav_bytes(y: np.ndarray, sr: int) -> bytes:
    """Encode samples as 16-bit PCM WAV bytes *without* changing their level.

    ``st.audio(numpy_array)`` rescales every clip to full scale, so two clips
    that differ by 20 dB would sound equally loud. Encoding here keeps
    level comparisons honest. Samples beyond +-1 are clipped (a page should
    say so; see :func:`clipped_fraction`).

    Parameters
    ----------
    y : np.ndarray
        Mono samples in [-1, 1], or ``(channels, n)`` for multichannel.
    sr : int
        Sampling rate in Hz.
    """
    import soundfile as sf

    try:
        y = np.asarray(y, dtype=np.float32)
    except (TypeError, ValueError):
        raise InputError("The samples to play must be numbers.") from None
    if y.ndim not in (1, 2) or y.size == 0:
        raise InputError(f"The samples to play must be a non-empty (n,) or (channels, n) array; got shape {y.shape}.")
    sr = check_sr(sr, integer=True)
    if y.ndim == 2:
        y = y.T
    y = np.clip(np.nan_to_num(y), -1.0, 1.0)
    buf = io.BytesIO()
    sf.write(buf, y, int(sr), format="WAV", subtype="PCM_16")
    return buf.getvalue()


def match_level(y: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Scale ``y`` so its RMS equals ``reference``'s (for fair A/B listening)."""
    y = check_signal(y, "The clip to scale", dtype=np.float32, max_abs=MAX_AMPLITUDE)
    reference = check_signal(reference, "The reference clip", max_abs=MAX_AMPLITUDE)
    r_ref = float(np.sqrt(np.mean(np.square(reference, dtype=np.float64))))
    r_y = float(np.sqrt(np.mean(np.square(y, dtype=np.float64))))
    if r_y == 0.0:
        return y
    return (y * (r_ref / r_y)).astype(np.float32)


def segment(y: np.ndarray, sr: int, start_s: float, end_s: float) -> np.ndarray:
    """Return samples between ``start_s`` and ``end_s`` (clamped to the clip)."""
    y = check_signal(y, "The clip", min_len=0)
    sr = check_sr(sr)
    start_s = check_number(start_s, "The segment start", unit="s")
    end_s = check_number(end_s, "The segment end", unit="s")
    n = len(y)
    a = int(np.clip(round(min(max(start_s * sr, -1.0), n + 1.0)), 0, n))
    b = int(np.clip(round(min(max(end_s * sr, -1.0), n + 1.0)), 0, n))
    if b <= a:
        raise InputError(
            f"The segment {start_s:.3f}-{end_s:.3f} s is empty; choose an end after the start."
        )
    return y[a:b]
