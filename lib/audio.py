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

from lib.errors import InputError

#: Longest clip the interactive pages analyse, in seconds (longer input is trimmed).
DEFAULT_MAX_DURATION_S = 30.0
#: Samples whose absolute value reaches this are counted as clipped.
CLIP_LEVEL = 0.999
#: A clip whose peak is below this (about -100 dBFS) is treated as silence.
SILENCE_PEAK = 1e-5

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
    """

    samples: np.ndarray
    sr: int
    name: str = "clip"
    notices: tuple[str, ...] = field(default_factory=tuple)

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
    h = hashlib.sha1(np.ascontiguousarray(y, dtype=np.float32).tobytes())
    h.update(str(int(sr)).encode())
    return h.hexdigest()[:16]


def _read_bytes(source: AudioSource) -> tuple[bytes, str]:
    """Return the raw bytes of ``source`` and a display name."""
    if isinstance(source, (bytes, bytearray)):
        return bytes(source), "clip"
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            raise InputError(f"No audio file at {path}.")
        return path.read_bytes(), path.name
    if hasattr(source, "read"):
        if hasattr(source, "seek"):
            source.seek(0)
        data = source.read()
        return bytes(data), Path(getattr(source, "name", "upload")).name
    raise InputError(f"Cannot read audio from a {type(source).__name__}.")


def _decode_soundfile(data: bytes) -> tuple[np.ndarray, int]:
    import soundfile as sf

    y, sr = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    return y, int(sr)


def _decode_pyav(data: bytes) -> tuple[np.ndarray, int]:
    """Decode any container/codec FFmpeg knows (M4A/AAC, MP3, Opus, video files)."""
    import av

    with av.open(io.BytesIO(data), mode="r") as container:
        streams = container.streams.audio
        if not streams:
            raise InputError("The file has no audio track.")
        stream = streams[0]
        sr = int(stream.codec_context.sample_rate or stream.rate or 0)
        # Ask the resampler for planar float32 so channels come out as rows.
        resampler = av.AudioResampler(format="fltp", layout=None, rate=sr or None)
        chunks = []
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray())
                sr = out.sample_rate
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray())
    if not chunks:
        return np.zeros((0, 1), np.float32), sr
    y = np.concatenate(chunks, axis=1).T.astype(np.float32)
    return y, int(sr)


def decode_audio(data: bytes) -> tuple[np.ndarray, int]:
    """Decode encoded audio bytes into ``(frames, channels)`` float32 and a rate.

    soundfile (libsndfile: WAV, FLAC, OGG/Vorbis/Opus, MP3) is tried first, PyAV
    (FFmpeg: M4A/AAC and nearly everything else) second.

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
            return decoder(data)
        except InputError:
            raise
        except Exception as exc:  # decoders raise many types for bad bytes
            errors.append(f"{decoder.__name__[8:]}: {exc}")
    raise InputError(
        "Could not decode this file as audio. Supported: WAV, FLAC, OGG, MP3, "
        "M4A/AAC and most formats FFmpeg reads. (" + "; ".join(errors)[:300] + ")"
    )


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

    orig_sr, target_sr = int(orig_sr), int(target_sr)
    if orig_sr <= 0 or target_sr <= 0:
        raise InputError(f"Sampling rates must be positive; got {orig_sr} Hz -> {target_sr} Hz.")
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
) -> Clip:
    """Load audio from a path, bytes or an uploaded file into a mono :class:`Clip`.

    Parameters
    ----------
    source : path, bytes or file-like
        What to read (a Streamlit ``UploadedFile`` works as it is).
    sr : int, optional
        Resample to this rate (Hz); ``None`` keeps the file's rate.
    max_duration_s : float, optional
        Keep at most this many seconds (a notice says so); ``None`` keeps all.
    name : str, optional
        Display name; defaults to the file name.

    Returns
    -------
    Clip

    Raises
    ------
    InputError
        For unreadable, empty, silent-only or non-finite audio, or a bad ``sr``.
    """
    data, default_name = _read_bytes(source)
    name = name or default_name
    y2, file_sr = decode_audio(data)
    notices: list[str] = []
    if file_sr <= 0:
        raise InputError(f"The file reports a sampling rate of {file_sr} Hz, which is impossible.")
    if y2.size == 0 or y2.shape[0] == 0:
        raise InputError("The file holds no samples (a 0-length recording).")
    if not np.all(np.isfinite(y2)):
        raise InputError("The file contains NaN or infinite samples; it cannot be analysed.")
    if y2.shape[1] > 1:
        notices.append(f"Mixed {y2.shape[1]} channels to mono (average of channels).")
        y = y2.mean(axis=1)
    else:
        y = y2[:, 0]
    y = np.ascontiguousarray(y, dtype=np.float32)
    if max_duration_s is not None and len(y) > max_duration_s * file_sr:
        keep = int(round(max_duration_s * file_sr))
        notices.append(
            f"Trimmed to the first {max_duration_s:g} s of {len(y) / file_sr:.1f} s "
            "to keep the pages responsive."
        )
        y = y[:keep]
    if sr is not None:
        if sr <= 0:
            raise InputError(f"Sampling rate must be positive; got {sr} Hz.")
        if int(sr) != file_sr:
            notices.append(f"Resampled from {file_sr} Hz to {int(sr)} Hz.")
            y = resample(y, file_sr, int(sr))
        out_sr = int(sr)
    else:
        out_sr = file_sr
    peak = float(np.max(np.abs(y))) if y.size else 0.0
    if peak < SILENCE_PEAK:
        raise InputError(
            f"The file is silent (peak {level_dbfs(peak):.0f} dBFS); there is nothing to analyse."
        )
    clipped = clipped_fraction(y)
    if clipped > 1e-4:
        notices.append(
            f"{100 * clipped:.2f} % of samples sit at full scale: the recording looks clipped, "
            "so expect extra harmonics in its spectrum."
        )
    return Clip(samples=y, sr=out_sr, name=name, notices=tuple(notices))


def require_length(y: np.ndarray, sr: int, min_samples: int, *, purpose: str = "this analysis") -> None:
    """Raise :class:`InputError` when ``y`` is shorter than ``min_samples`` (a very short take or file).

    The message gives both lengths in samples and milliseconds, so the learner knows how much
    longer a recording has to be. (Messages never embed a file name: pages show them as Markdown.)
    """
    n, need = len(y), int(min_samples)
    if n < need:
        raise InputError(
            f"The clip is only {n:,} samples long ({1000 * n / sr:.1f} ms at {sr} Hz); {purpose} needs at least "
            f"{need:,} samples ({1000 * need / sr:.1f} ms). Record or upload a longer clip."
        )


def clipped_fraction(y: np.ndarray, level: float = CLIP_LEVEL) -> float:
    """Fraction of samples whose magnitude reaches ``level`` (full scale by default)."""
    y = np.asarray(y)
    return float(np.mean(np.abs(y) >= level)) if y.size else 0.0


def level_dbfs(value: float, floor_db: float = -120.0) -> float:
    """Convert a linear amplitude (1.0 = full scale) to dBFS, floored at ``floor_db``."""
    return float(max(20.0 * np.log10(max(float(value), 1e-30)), floor_db))


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

    y = np.asarray(y, dtype=np.float32)
    if sr <= 0:
        raise InputError(f"Sampling rate must be positive; got {sr} Hz.")
    if y.ndim == 2:
        y = y.T
    y = np.clip(np.nan_to_num(y), -1.0, 1.0)
    buf = io.BytesIO()
    sf.write(buf, y, int(sr), format="WAV", subtype="PCM_16")
    return buf.getvalue()


def match_level(y: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Scale ``y`` so its RMS equals ``reference``'s (for fair A/B listening)."""
    y = np.asarray(y, dtype=np.float32)
    r_ref = float(np.sqrt(np.mean(np.square(reference, dtype=np.float64))))
    r_y = float(np.sqrt(np.mean(np.square(y, dtype=np.float64))))
    if r_y == 0.0:
        return y
    return (y * (r_ref / r_y)).astype(np.float32)


def segment(y: np.ndarray, sr: int, start_s: float, end_s: float) -> np.ndarray:
    """Return samples between ``start_s`` and ``end_s`` (clamped to the clip)."""
    n = len(y)
    a = int(np.clip(round(start_s * sr), 0, n))
    b = int(np.clip(round(end_s * sr), 0, n))
    if b <= a:
        raise InputError(
            f"The segment {start_s:.3f}-{end_s:.3f} s is empty; choose an end after the start."
        )
    return y[a:b]
