"""Frame-wise time-domain features: amplitude envelope, RMS energy, zero-crossing rate.

All three share one framing convention, librosa's default ``center=True``: the
signal is padded by ``frame_length // 2`` on both sides, so frame ``k`` is
centred on sample ``k * hop_length`` and there are ``1 + n // hop_length``
frames (for even ``frame_length``). RMS pads with zeros (librosa's
``pad_mode="constant"``) and ZCR with edge values (as
``librosa.feature.zero_crossing_rate`` does), so results match librosa.
"""

from __future__ import annotations

import numpy as np

from lib.errors import MAX_FRAME, MAX_SAMPLES, MAX_WORK, InputError, check_choice, check_int, check_number, check_signal, check_sr, check_values

#: |x| at or below this counts as zero when looking for sign changes (librosa's default).
ZC_THRESHOLD = 1e-10


def _check(y: np.ndarray, frame_length: int, hop_length: int) -> tuple[np.ndarray, int, int]:
    y = check_signal(y, "The signal")
    frame_length = check_int(frame_length, "Frame length", lo=1, hi=MAX_FRAME)
    hop_length = check_int(hop_length, "Hop length", lo=1)
    n_frames = 1 + (len(y) + 2 * (frame_length // 2) - frame_length) // hop_length
    if n_frames * frame_length > MAX_WORK:
        raise InputError(
            f"{n_frames:,} frames of {frame_length:,} samples is {n_frames * frame_length / 1e9:.1f} billion samples "
            f"to read (at most {MAX_WORK / 1e9:.1f} billion here). Raise the hop length or shorten the frame."
        )
    return y, frame_length, hop_length


def frame_signal(
    y: np.ndarray, *, frame_length: int, hop_length: int, center: bool = True, pad_mode: str = "constant"
) -> np.ndarray:
    """Cut ``y`` into overlapping frames, one frame per row.

    Parameters
    ----------
    y : np.ndarray
        Mono signal ``(n,)``.
    frame_length, hop_length : int
        Frame size and step in samples.
    center : bool
        Pad ``frame_length // 2`` samples at both ends first (librosa's default).
    pad_mode : str
        ``np.pad`` mode for the centring pad: ``"constant"`` (zeros) or ``"edge"``.

    Returns
    -------
    np.ndarray
        ``(n_frames, frame_length)``, a read-only strided view where possible.
        ``n_frames = 1 + (len(padded) - frame_length) // hop_length``.
    """
    y, frame_length, hop_length = _check(y, frame_length, hop_length)
    pad_mode = check_choice(pad_mode, "pad_mode", ("constant", "edge"))
    if center:
        half = frame_length // 2
        y = np.pad(y, (half, half), mode=pad_mode)
    if len(y) < frame_length:
        raise InputError(
            f"The signal ({len(y)} samples) is shorter than one frame ({frame_length} samples)."
        )
    windows = np.lib.stride_tricks.sliding_window_view(y, frame_length)
    return windows[::hop_length]


def frames_to_time(frames: np.ndarray | int, *, sr: int, hop_length: int) -> np.ndarray:
    """Time in seconds of the centre of each frame index (``k * hop / sr``)."""
    frames = check_values(frames, "Frame indices", ndim=(0, 1), lo=-MAX_SAMPLES, hi=MAX_SAMPLES)
    return frames * float(check_int(hop_length, "Hop length", lo=1, hi=MAX_SAMPLES)) / float(check_sr(sr))


def amplitude_envelope(y: np.ndarray, *, frame_length: int, hop_length: int) -> np.ndarray:
    """Peak magnitude ``max |x|`` in each frame.

    Velardo's notebook takes ``max(x)`` (no absolute value), which misses
    negative peaks: for a signal that swings further below zero than above, the
    envelope would sit too low. ``max |x|`` is never below the frame's RMS.

    Returns
    -------
    np.ndarray
        ``(n_frames,)``, same frames as :func:`rms`.
    """
    frames = frame_signal(y, frame_length=frame_length, hop_length=hop_length, pad_mode="constant")
    return np.max(np.abs(frames), axis=1)


def rms(y: np.ndarray, *, frame_length: int, hop_length: int) -> np.ndarray:
    """Root-mean-square level of each frame, ``sqrt(mean(x^2))``.

    Matches ``librosa.feature.rms(y=y, frame_length=..., hop_length=...)[0]``
    (zero padding, ``center=True``). For a sine of amplitude A the value is
    A / sqrt(2) once frames hold whole periods.
    """
    frames = frame_signal(y, frame_length=frame_length, hop_length=hop_length, pad_mode="constant")
    power = np.mean(np.square(frames, dtype=np.float64), axis=1)
    return np.sqrt(power).astype(np.result_type(np.asarray(y).dtype, np.float32))


def zero_crossings(y: np.ndarray, *, threshold: float = ZC_THRESHOLD) -> np.ndarray:
    """Boolean mask: True at sample i when the sign changes between i-1 and i.

    Values with ``|x| <= threshold`` count as zero, and zero counts as positive
    (librosa's ``zero_pos=True``). The first sample is never a crossing.
    """
    y = check_signal(y, "The signal", min_len=0, ndim=(1, 2))
    threshold = check_number(threshold, "The zero threshold", lo=0.0)
    s = np.signbit(np.where(np.abs(y) <= threshold, 0.0, y))
    out = np.zeros(y.shape, dtype=bool)
    out[..., 1:] = s[..., 1:] != s[..., :-1]
    return out


def zero_crossing_rate(y: np.ndarray, *, frame_length: int, hop_length: int) -> np.ndarray:
    """Fraction of sign changes per sample in each frame.

    Matches ``librosa.feature.zero_crossing_rate`` (edge padding, crossings
    counted between neighbours inside the frame, divided by ``frame_length``).
    A sine at f Hz gives about ``2 f / sr``; alternating +1/-1 gives
    ``(frame_length - 1) / frame_length``; a constant gives 0.
    """
    frames = frame_signal(y, frame_length=frame_length, hop_length=hop_length, pad_mode="edge")
    s = np.signbit(np.where(np.abs(frames) <= ZC_THRESHOLD, 0.0, frames))
    changes = np.count_nonzero(s[:, 1:] != s[:, :-1], axis=1)
    return changes / float(frame_length)


def to_dbfs(x: np.ndarray, *, floor_db: float = -120.0) -> np.ndarray:
    """Linear amplitude (1.0 = full scale) to dBFS, floored at ``floor_db``."""
    x = check_signal(x, "The amplitude", min_len=0, ndim=(0, 1, 2), dtype=np.float64)
    floor_db = check_number(floor_db, "The dB floor", hi=0.0, unit="dB")
    return np.maximum(20.0 * np.log10(np.maximum(x, 1e-30)), floor_db)


def voiced_mask(
    zcr: np.ndarray, rms_values: np.ndarray, *, zcr_threshold: float, rms_threshold_db: float
) -> np.ndarray:
    """Label frames as voiced (True) or not (False) with two thresholds.

    Voiced speech is periodic and low-pitched, so it crosses zero rarely;
    fricatives (s, f, sh) are noise-like and cross zero often; silence is
    quiet. A frame is voiced when its ZCR is below ``zcr_threshold`` *and* its
    level is above ``rms_threshold_db`` dBFS.
    """
    zcr = check_values(zcr, "The ZCR values", ndim=1)
    level = to_dbfs(rms_values)
    zcr_threshold = check_number(zcr_threshold, "The ZCR threshold")
    rms_threshold_db = check_number(rms_threshold_db, "The level threshold", unit="dB")
    if zcr.shape != level.shape:
        raise InputError("ZCR and RMS must come from the same frames.")
    return (zcr < zcr_threshold) & (level > rms_threshold_db)
