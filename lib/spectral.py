"""Spectra, short-time Fourier transforms and the mel scale, written to be read.

The page exists to teach these mechanisms, so the DFT of a frame, the framing
of the STFT and the triangular mel filters are implemented here in a few lines
of numpy each, and tested against ``librosa`` (tests/lib/test_spectral.py).
They are also what keeps the interactive path fast: no numba compilation on
the first render.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.signal

from lib.errors import (MAX_AMPLITUDE, MAX_FRAME, MAX_SAMPLES, MAX_SR, InputError, check_choice, check_int,
                        check_number, check_signal, check_sr, check_values)

#: Longest DFT accepted (a 2 s segment at 48 kHz zero-padded x16 is 1.5 M points).
MAX_FFT = 1 << 24
#: Highest frequency the mel conversions accept (1 GHz: any audio, with room).
MAX_HZ = 1e9
#: Most mel bands (librosa's default is 128).
MAX_MELS = 1024
#: Most MFCCs / DCT coefficients.
MAX_COEFFS = 1024

#: Window names the pages offer, mapped to scipy.signal.get_window names.
WINDOWS = {
    "rect": "boxcar",
    "hann": "hann",
    "hamming": "hamming",
    "blackman": "blackman",
    "kaiser": "kaiser",
}


def get_window(window: str | tuple, n: int, *, beta: float = 8.6) -> np.ndarray:
    """A periodic ("DFT-even") window of ``n`` samples, as librosa uses.

    Parameters
    ----------
    window : str or tuple
        ``"rect"``, ``"hann"``, ``"hamming"``, ``"blackman"``, ``"kaiser"`` (with
        ``beta``) or anything ``scipy.signal.get_window`` accepts.
    n : int
        Length in samples.
    beta : float
        Kaiser shape parameter (larger = lower side lobes, wider main lobe).
    """
    n = check_int(n, "Window length", lo=1, hi=MAX_SAMPLES)
    beta = check_number(beta, "Kaiser beta", lo=0.0, hi=1000.0)
    if isinstance(window, str):
        name = WINDOWS.get(window.lower(), window)
        spec = ("kaiser", beta) if name == "kaiser" else name
    elif isinstance(window, tuple):
        spec = window
    else:
        raise InputError(f"A window is a name such as 'hann' (or a scipy window tuple); got {window!r:.40}.")
    try:
        return scipy.signal.get_window(spec, n, fftbins=True).astype(np.float64)
    except (ValueError, TypeError) as exc:
        raise InputError(f"Unknown window {window!r}: {exc}") from None


def fft_frequencies(sr: float, n_fft: int) -> np.ndarray:
    """Centre frequency in Hz of each one-sided DFT bin: ``k * sr / n_fft``."""
    sr = check_sr(sr)
    n_fft = check_int(n_fft, "n_fft", lo=1, hi=MAX_FFT)
    return np.arange(1 + n_fft // 2) * sr / n_fft


def magnitude_spectrum(
    y: np.ndarray,
    sr: float,
    *,
    window: str | tuple = "hann",
    n_fft: int | None = None,
    beta: float = 8.6,
    scaling: str = "magnitude",
) -> tuple[np.ndarray, np.ndarray]:
    """One-sided magnitude spectrum of a whole segment.

    ``X[k] = sum_n w[n] y[n] exp(-2 pi i k n / N)`` for ``k = 0 .. N/2``.

    Parameters
    ----------
    y : np.ndarray
        The segment (mono).
    sr : float
        Sampling rate in Hz.
    window : str
        Window applied before the DFT (see :func:`get_window`).
    n_fft : int, optional
        DFT length; ``None`` uses ``len(y)``. Longer than ``len(y)`` zero-pads
        (a finer grid over the *same* spectrum, not more resolution).
    scaling : {"magnitude", "amplitude"}
        ``"magnitude"`` returns ``|X[k]|`` as the DFT gives it. ``"amplitude"``
        divides by the window's coherent gain ``sum(w) / 2`` so a sine of
        amplitude A between DC and Nyquist peaks at A (on a bin centre).

    Returns
    -------
    freqs_hz, mag : np.ndarray
        ``(n_fft // 2 + 1,)`` each.
    """
    y = np.asarray(y) if not isinstance(y, (list, tuple)) else y
    if np.ndim(y) == 1 and np.size(y) == 0:
        raise InputError("The segment is empty; choose a longer stretch of audio.")
    y = check_signal(y, "The segment", dtype=np.float64, max_abs=MAX_AMPLITUDE)
    sr = check_sr(sr)
    scaling = check_choice(scaling, "scaling", ("magnitude", "amplitude"))
    n_fft = len(y) if n_fft is None else check_int(n_fft, "n_fft", lo=1, hi=MAX_FFT)
    if n_fft < len(y):
        raise InputError(f"n_fft ({n_fft}) must be at least the segment length ({len(y)}).")
    w = get_window(window, len(y), beta=beta)
    mag = np.abs(np.fft.rfft(y * w, n=n_fft))
    if scaling == "amplitude":
        mag = mag / (np.sum(w) / 2.0)
    elif scaling != "magnitude":
        raise InputError(f"scaling must be 'magnitude' or 'amplitude'; got {scaling!r}.")
    return fft_frequencies(sr, n_fft), mag


def interpolate_peak(freqs_hz: np.ndarray, mag: np.ndarray, *, fmin: float = 0.0) -> tuple[float, float]:
    """Frequency and level of the largest peak, refined between bins.

    Fits a parabola through the log magnitudes of the peak bin and its two
    neighbours (quadratic interpolation, J. O. Smith, *Spectral Audio Signal
    Processing*), which cuts the error from half a bin to a few percent of a
    bin for common windows.

    Returns
    -------
    freq_hz, mag_peak : float
    """
    freqs_hz = check_values(freqs_hz, "The bin frequencies", ndim=1, min_len=1)
    mag = check_values(mag, "The magnitudes", ndim=1, min_len=1, lo=0.0)
    if len(mag) != len(freqs_hz):
        raise InputError(f"Need one magnitude per bin; got {len(mag)} magnitudes for {len(freqs_hz)} bins.")
    fmin = check_number(fmin, "fmin", unit="Hz")
    valid = np.flatnonzero(freqs_hz >= fmin)
    if valid.size == 0:
        raise InputError("No bins above the requested minimum frequency.")
    k = int(valid[np.argmax(mag[valid])])
    if k == 0 or k == len(mag) - 1:
        return float(freqs_hz[k]), float(mag[k])
    a, b, c = np.log(np.maximum(mag[k - 1 : k + 2], 1e-300))
    denom = a - 2 * b + c
    p = 0.0 if denom == 0 else 0.5 * (a - c) / denom
    df = freqs_hz[1] - freqs_hz[0]
    return float(freqs_hz[k] + p * df), float(np.exp(b - 0.25 * (a - c) * p))


#: Most complex values one :func:`stft` may return (2^25: 256 MiB as complex64). Longer analyses
#: go through :func:`stft_blocks`, which never holds more than one block.
MAX_STFT_VALUES = 1 << 25
#: Frame samples processed per block (frames x n_fft) inside :func:`stft_blocks`.
_BLOCK_SAMPLES = 1 << 21


def _stft_setup(y, n_fft, hop_length, win_length, window, center, beta):
    """Validated, padded signal, the zero-padded window and the frame count (librosa's conventions)."""
    y = check_signal(y, "The signal")
    n_fft = check_int(n_fft, "n_fft", lo=2, hi=1 << 20)
    hop_length = check_int(hop_length, "Hop length", lo=1)
    win_length = n_fft if win_length is None else check_int(win_length, "win_length", lo=1)
    if not 1 <= win_length <= n_fft:
        raise InputError(f"win_length ({win_length}) must be between 1 and n_fft ({n_fft}).")
    w = np.zeros(n_fft)
    left = (n_fft - win_length) // 2
    w[left : left + win_length] = get_window(window, win_length, beta=beta)
    if center:
        y = np.pad(y, (n_fft // 2, n_fft // 2), mode="constant")
    if len(y) < n_fft:
        raise InputError(f"The signal ({len(y)} samples) is shorter than n_fft ({n_fft}).")
    n_frames = 1 + (len(y) - n_fft) // hop_length
    return y, w, n_fft, hop_length, n_frames


def stft_blocks(
    y: np.ndarray,
    *,
    n_fft: int,
    hop_length: int,
    win_length: int | None = None,
    window: str | tuple = "hann",
    center: bool = True,
    beta: float = 8.6,
    block_frames: int | None = None,
):
    """The STFT a block of frames at a time: yields ``(first_frame, complex (1 + n_fft // 2, k))``.

    Same values as :func:`stft` (which is built on it), but only one block is ever in memory, so
    a caller that reduces each block (pools it, applies a filterbank) analyses a long clip at a
    small hop without holding the whole matrix. ``block_frames`` defaults to about 2 M samples.
    """
    y, w, n_fft, hop_length, n_frames = _stft_setup(y, n_fft, hop_length, win_length, window, center, beta)
    frames = np.lib.stride_tricks.sliding_window_view(y, n_fft)[::hop_length]
    step = int(block_frames) if block_frames else max(1, _BLOCK_SAMPLES // n_fft)
    out_dtype = np.complex64 if y.dtype == np.float32 else np.complex128
    for t0 in range(0, n_frames, step):
        block = np.fft.rfft(frames[t0 : t0 + step] * w, axis=1).T  # computed in float64, as always
        yield t0, block.astype(out_dtype, copy=False)


def stft(
    y: np.ndarray,
    *,
    n_fft: int,
    hop_length: int,
    win_length: int | None = None,
    window: str | tuple = "hann",
    center: bool = True,
    beta: float = 8.6,
) -> np.ndarray:
    """Short-time Fourier transform: the DFT of every windowed frame.

    Same conventions as ``librosa.stft``: the window (``win_length`` long) is
    zero-padded on both sides to ``n_fft``; with ``center=True`` the signal is
    padded with ``n_fft // 2`` zeros at each end, so frame ``t`` is centred on
    sample ``t * hop_length`` and there are ``1 + len(y) // hop_length`` frames.
    Computed block by block (:func:`stft_blocks`) into one output array; an output above
    :data:`MAX_STFT_VALUES` values is refused with the sizes that would fit.

    Returns
    -------
    np.ndarray
        Complex ``(1 + n_fft // 2, n_frames)`` (complex64 for float32 input).
    """
    y_p, _, n_fft_i, hop_i, n_frames = _stft_setup(y, n_fft, hop_length, win_length, window, center, beta)
    bins = 1 + n_fft_i // 2
    if bins * n_frames > MAX_STFT_VALUES:
        raise InputError(
            f"This STFT would hold {bins:,} bins x {n_frames:,} frames = {bins * n_frames / 1e6:.0f} million values "
            f"(at most {MAX_STFT_VALUES / 1e6:.0f} million). Raise the hop length, lower n_fft or shorten the clip."
        )
    out = np.empty((bins, n_frames), dtype=np.complex64 if y_p.dtype == np.float32 else np.complex128)
    for t0, block in stft_blocks(y, n_fft=n_fft, hop_length=hop_length, win_length=win_length, window=window,
                                 center=center, beta=beta):
        out[:, t0 : t0 + block.shape[1]] = block
    return out


def pooled_power(
    y: np.ndarray,
    *,
    n_fft: int,
    hop_length: int,
    max_frames: int,
    win_length: int | None = None,
    window: str | tuple = "hann",
    power: float = 2.0,
    filterbank: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``|STFT|**power`` (or ``filterbank @`` it) max-pooled over time to at most ``max_frames`` columns.

    What a display needs from a long clip at a small hop, computed block by block
    (:func:`stft_blocks`), so the full matrix never exists: 30 s at 48 kHz, hop 64,
    n_fft 8192 would be 92 million complex values. Max-pooling commutes with the
    (monotone) dB conversion, so ``power_to_db`` of the result equals pooling the dB image.

    Returns
    -------
    image : np.ndarray
        ``(rows, columns)`` pooled power, float32 for float32 input.
    first_frames : np.ndarray
        Index of the first STFT frame of each column (frame ``t`` is centred at ``t * hop_length``).
    """
    max_frames = check_int(max_frames, "The number of columns", lo=1, hi=100_000)
    hop = check_int(hop_length, "Hop length", lo=1)
    power = check_number(power, "The power", lo=0.0, lo_open=True, hi=4.0)
    y = check_signal(y, "The signal", max_abs=MAX_AMPLITUDE)
    if filterbank is not None:
        filterbank = check_signal(filterbank, "The filterbank", ndim=2, dtype=np.float64)
        if filterbank.shape[1] != 1 + check_int(n_fft, "n_fft", lo=2, hi=MAX_FRAME) // 2:
            raise InputError(f"The filterbank has {filterbank.shape[1]} columns; the STFT has {1 + int(n_fft) // 2} bins.")
    n_frames = 1 + len(y) // hop
    fc = max(1, -(-n_frames // max_frames))
    block = fc * max(1, _BLOCK_SAMPLES // (check_int(n_fft, "n_fft", lo=2, hi=1 << 20) * fc))
    cols = []
    for _, blk in stft_blocks(y, n_fft=n_fft, hop_length=hop, win_length=win_length, window=window,
                              block_frames=block):
        P = np.abs(blk)
        if power != 1.0:
            P = P**power
        if filterbank is not None:
            P = (filterbank @ P).astype(P.dtype)
        k = P.shape[1]
        g = -(-k // fc)
        if g * fc != k:  # zeros never win a max of powers
            P = np.pad(P, ((0, 0), (0, g * fc - k)))
        cols.append(P.reshape(P.shape[0], g, fc).max(axis=2))
    image = np.concatenate(cols, axis=1)
    return image, np.arange(image.shape[1]) * fc


def hz_to_mel(freq_hz: np.ndarray | float, *, htk: bool = False) -> np.ndarray:
    """Hz to mels.

    HTK: ``m = 2595 log10(1 + f / 700)``. Slaney (librosa's default): linear
    below 1 kHz (``f / (200/3)``), logarithmic above (27 steps per factor 6.4).
    """
    f = check_values(freq_hz, "Frequencies", lo=0.0, hi=MAX_HZ, ndim=(0, 1, 2))
    if htk:
        return 2595.0 * np.log10(1.0 + f / 700.0)
    f_sp = 200.0 / 3
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    lin = f / f_sp
    log = min_log_mel + np.log(np.maximum(f, 1e-300) / min_log_hz) / logstep
    return np.where(f >= min_log_hz, log, lin)


def mel_to_hz(mels: np.ndarray | float, *, htk: bool = False) -> np.ndarray:
    """Mels to Hz (inverse of :func:`hz_to_mel`)."""
    m = check_values(mels, "Mels", lo=0.0, hi=float(hz_to_mel(MAX_HZ, htk=htk)), ndim=(0, 1, 2))
    if htk:
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    f_sp = 200.0 / 3
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)


def mel_filterbank(
    sr: float,
    n_fft: int,
    *,
    n_mels: int = 128,
    fmin: float = 0.0,
    fmax: float | None = None,
    htk: bool = False,
    norm: str | None = "slaney",
) -> np.ndarray:
    """Triangular mel filters, one row per mel band.

    ``n_mels + 2`` points are spaced evenly in mels between ``fmin`` and
    ``fmax``; filter i rises from point i to point i+1 and falls to point i+2.
    With ``norm="slaney"`` each triangle is scaled to unit area
    (``2 / (f[i+2] - f[i])``), so wide high bands do not dominate.
    Matches ``librosa.filters.mel``.

    Returns
    -------
    np.ndarray
        ``(n_mels, 1 + n_fft // 2)`` weights.
    """
    sr = check_sr(sr)
    n_fft = check_int(n_fft, "n_fft", lo=2, hi=MAX_FRAME)
    n_mels = check_int(n_mels, "n_mels", lo=1, hi=MAX_MELS)
    fmin = check_number(fmin, "fmin", unit="Hz")
    fmax = sr / 2 if fmax is None else check_number(fmax, "fmax", unit="Hz")
    if norm is not None:
        norm = check_choice(norm, "norm", ("slaney",))
    if not 0 <= fmin < fmax:
        raise InputError(f"Need 0 <= fmin < fmax; got fmin={fmin:g} Hz, fmax={fmax:g} Hz.")
    if fmax > sr / 2 + 1e-9:
        raise InputError(f"fmax ({fmax:g} Hz) cannot exceed Nyquist ({sr / 2:g} Hz).")
    fft_f = fft_frequencies(sr, n_fft)
    mel_pts = np.linspace(hz_to_mel(fmin, htk=htk), hz_to_mel(fmax, htk=htk), int(n_mels) + 2)
    hz_pts = mel_to_hz(mel_pts, htk=htk)
    widths = np.diff(hz_pts)
    ramps = hz_pts[:, None] - fft_f[None, :]
    rising = -ramps[:-2] / widths[:-1, None]
    falling = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(rising, falling))
    if norm == "slaney":
        weights *= (2.0 / (hz_pts[2:] - hz_pts[:-2]))[:, None]
    elif norm is not None:
        raise InputError(f"norm must be 'slaney' or None; got {norm!r}.")
    return weights


def mel_spectrogram(
    y: np.ndarray,
    sr: float,
    *,
    n_fft: int = 2048,
    hop_length: int = 512,
    n_mels: int = 128,
    win_length: int | None = None,
    window: str | tuple = "hann",
    fmin: float = 0.0,
    fmax: float | None = None,
    htk: bool = False,
    power: float = 2.0,
    center: bool = True,
) -> np.ndarray:
    """Mel spectrogram: the mel filterbank applied to ``|STFT|**power``.

    Matches ``librosa.feature.melspectrogram`` with the same arguments.

    Returns
    -------
    np.ndarray
        ``(n_mels, n_frames)``.
    """
    power = check_number(power, "The power", lo=0.0, lo_open=True, hi=4.0)
    fb = mel_filterbank(sr, n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax, htk=htk)  # checks first: it is cheap
    y = check_signal(y, "The signal", max_abs=MAX_AMPLITUDE)
    S = np.abs(stft(y, n_fft=n_fft, hop_length=hop_length, win_length=win_length, window=window, center=center))
    if power != 1.0:
        S = S**power
    return (fb @ S).astype(S.dtype)


def power_to_db(S: np.ndarray, *, ref: float = 1.0, amin: float = 1e-10, top_db: float | None = 80.0) -> np.ndarray:
    """``10 log10(S / ref)``, floored at ``amin`` and at ``max - top_db`` (as librosa)."""
    S = check_signal(S, "The power spectrum", min_len=1, ndim=(0, 1, 2, 3))
    if np.any(S < 0):
        raise InputError("A power spectrum cannot be negative (pass |X|**2, or use amplitude_to_db for |X|).")
    if callable(ref):
        ref = ref(S)
    ref = check_number(ref, "The dB reference", lo=0.0, lo_open=True)
    amin = check_number(amin, "amin", lo=0.0, lo_open=True)
    log_spec = 10.0 * np.log10(np.maximum(amin, S)) - 10.0 * np.log10(np.maximum(amin, ref))
    if top_db is not None:
        top_db = check_number(top_db, "top_db", lo=0.0, unit="dB")
        log_spec = np.maximum(log_spec, log_spec.max() - top_db)
    return log_spec


def amplitude_to_db(S: np.ndarray, *, ref: float = 1.0, amin: float = 1e-5, top_db: float | None = 80.0) -> np.ndarray:
    """``20 log10(S / ref)`` with the same floors as :func:`power_to_db`."""
    S = np.abs(check_signal(S, "The magnitude spectrum", min_len=1, ndim=(0, 1, 2, 3), max_abs=1e150))
    if callable(ref):
        ref = ref(S)
    ref = check_number(ref, "The dB reference", lo=0.0, lo_open=True, hi=1e150)
    amin = check_number(amin, "amin", lo=0.0, lo_open=True, hi=1e150)
    return power_to_db(S**2, ref=ref**2, amin=amin**2, top_db=top_db)


@dataclass(frozen=True)
class Resolution:
    """The time-frequency trade-off of one STFT setting."""

    df_hz: float  #: bin spacing sr / n_fft
    dt_s: float  #: frame step hop / sr
    window_s: float  #: window duration win_length / sr
    overlap: float  #: fraction of each window shared with the next, 1 - hop / win_length
    n_frames: int
    n_bins: int


def stft_resolution(n_samples: int, sr: float, *, n_fft: int, hop_length: int, win_length: int | None = None) -> Resolution:
    """Resolution readout for an STFT of ``n_samples`` samples (``center=True``)."""
    n_samples = check_int(n_samples, "The number of samples", lo=0, hi=MAX_SAMPLES)
    sr = check_sr(sr)
    n_fft = check_int(n_fft, "n_fft", lo=1, hi=MAX_FRAME)
    hop_length = check_int(hop_length, "Hop length", lo=1)
    win_length = n_fft if win_length is None else check_int(win_length, "win_length", lo=1, hi=n_fft)
    return Resolution(
        df_hz=float(sr) / n_fft,
        dt_s=hop_length / float(sr),
        window_s=win_length / float(sr),
        overlap=max(0.0, 1.0 - hop_length / win_length),
        n_frames=1 + int(n_samples) // int(hop_length),
        n_bins=1 + int(n_fft) // 2,
    )



# --------------------------------------------------------------------------- MFCCs

def dct_basis(n_coeffs: int, n_bands: int) -> np.ndarray:
    """Orthonormal DCT-II basis, one row per coefficient: ``mfcc = basis @ log_mel``.

    Row k is ``sqrt(2/M) cos(pi k (m + 1/2) / M)`` (row 0 scaled by ``1/sqrt(2)``): c0 weighs
    every band alike (overall level), c1 is a half cosine (low bands against high bands:
    spectral tilt), c2 a full cosine (middle against both ends), and so on: ever finer ripples
    of the log spectrum.
    """
    n_coeffs = check_int(n_coeffs, "The number of coefficients", lo=1, hi=MAX_COEFFS)
    n_bands = check_int(n_bands, "The number of bands", lo=1, hi=MAX_MELS)
    if not 1 <= n_coeffs <= n_bands:
        raise InputError(f"Need 1 <= number of coefficients <= number of bands; got {n_coeffs} and {n_bands}.")
    import scipy.fft

    return scipy.fft.dct(np.eye(n_bands), type=2, norm="ortho", axis=0)[:n_coeffs]


def lifter_weights(n_mfcc: int, lifter: float, *, convention: str = "librosa") -> np.ndarray:
    """Cepstral lifter: multiplies coefficient n to lift the small high coefficients.

    librosa: ``1 + (L/2) sin(pi (n + 1) / L)``; python_speech_features (HTK):
    ``1 + (L/2) sin(pi n / L)``: the same curve shifted by one coefficient.
    ``lifter = 0`` leaves the coefficients as they are.
    """
    n = np.arange(check_int(n_mfcc, "n_mfcc", lo=1, hi=MAX_COEFFS), dtype=np.float64)
    lifter = check_number(lifter, "The lifter", hi=1e6)
    convention = check_choice(convention, "The lifter convention", ("librosa", "python_speech_features", "htk"))
    if lifter < 0:
        raise InputError(f"The lifter must be 0 (off) or positive; got {lifter}.")
    if lifter == 0:
        return np.ones_like(n)
    if convention not in ("librosa", "python_speech_features"):
        raise InputError(f"Unknown lifter convention {convention!r}; use 'librosa' or 'python_speech_features'.")
    shift = 1.0 if convention == "librosa" else 0.0
    return 1.0 + (lifter / 2.0) * np.sin(np.pi * (n + shift) / lifter)


def mfcc(
    y: np.ndarray,
    sr: float,
    *,
    n_mfcc: int = 13,
    n_fft: int = 2048,
    hop_length: int = 512,
    n_mels: int = 128,
    fmin: float = 0.0,
    fmax: float | None = None,
    htk: bool = False,
    lifter: float = 0.0,
    top_db: float | None = 80.0,
) -> np.ndarray:
    """Mel-frequency cepstral coefficients: log-mel spectrum -> DCT-II -> the first ``n_mfcc``.

    Matches ``librosa.feature.mfcc`` with the same arguments: :func:`mel_spectrogram` (power,
    Hann window, ``center=True``, Slaney mel unless ``htk``), ``power_to_db`` (10 log10, floored
    ``top_db`` below the maximum), orthonormal DCT-II along the mel axis, then the optional
    lifter (:func:`lifter_weights`).

    SyncNet's audio stream was trained on another convention, python_speech_features' defaults
    (pre-emphasis 0.97, 25 ms rectangular frames every 10 ms, 512-point FFT, 26 HTK mel filters
    of peak 1, natural log, lifter 22, c0 replaced by the log frame energy):
    :func:`lib.syncnet.mfcc_features` computes that one (tested against the package), so it is
    not repeated here.

    Returns
    -------
    np.ndarray
        ``(n_mfcc, n_frames)`` float32.
    """
    n_mfcc = check_int(n_mfcc, "n_mfcc", lo=1, hi=MAX_COEFFS)
    sr = check_sr(sr)
    y = check_signal(y, "The audio", max_abs=MAX_AMPLITUDE)
    n_mels = check_int(n_mels, "n_mels", lo=1, hi=MAX_MELS)
    lifter = check_number(lifter, "The lifter", lo=0.0, hi=1e6)
    if not 1 <= int(n_mfcc) <= int(n_mels):
        raise InputError(f"n_mfcc must lie between 1 and n_mels ({n_mels}); got {n_mfcc}.")
    M = mel_spectrogram(y, sr, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels, fmin=fmin, fmax=fmax, htk=htk)
    log_mel = power_to_db(M, top_db=top_db).astype(np.float64)
    import scipy.fft

    C = scipy.fft.dct(log_mel, type=2, norm="ortho", axis=0)[: int(n_mfcc)]
    C *= lifter_weights(int(n_mfcc), lifter)[:, None]
    return C.astype(np.float32)


def mfcc_to_log_mel(C: np.ndarray, n_mels: int, *, k: int | None = None, lifter: float = 0.0) -> np.ndarray:
    """The log-mel spectrum (dB) that the first ``k`` MFCCs describe: undo the lifter, inverse DCT.

    The missing coefficients ``k..n_mels-1`` are taken as zero, so only the ``k`` smoothest
    cosine ripples of each frame's log spectrum come back: formants (the envelope) survive,
    harmonics (fine ripples) are lost. With ``k = n_mels`` it is exact.
    """
    C = check_signal(C, "The MFCCs", ndim=2, dtype=np.float64)
    n_mels = check_int(n_mels, "n_mels", lo=1, hi=MAX_MELS)
    lifter = check_number(lifter, "The lifter", lo=0.0, hi=1e6)
    n_mfcc = C.shape[0]
    k = n_mfcc if k is None else check_int(k, "k", lo=1)
    if not 1 <= k <= n_mfcc or n_mfcc > int(n_mels):
        raise InputError(f"Need 1 <= k <= n_mfcc ({n_mfcc}) <= n_mels ({n_mels}); got k = {k}.")
    full = np.zeros((int(n_mels), C.shape[1]))
    full[:k] = C[:k] / lifter_weights(n_mfcc, lifter)[:k, None]
    import scipy.fft

    return scipy.fft.idct(full, type=2, norm="ortho", axis=0)


def delta(features: np.ndarray, *, width: int = 9, order: int = 1) -> np.ndarray:
    """Time derivative of feature rows (``librosa.feature.delta``): a Savitzky-Golay fit over ``width`` frames.

    With order 1 this is the regression slope ``sum_n n (c[t+n] - c[t-n]) / (2 sum n^2)``,
    ``n = 1..(width-1)/2``; edges fit a local polynomial (``mode="interp"``). Order 2 gives
    delta-deltas (acceleration).
    """
    X = check_signal(features, "The features", ndim=(1, 2), dtype=np.float64)
    width = check_int(width, "The delta width", lo=3, hi=1001)
    order = check_int(order, "The delta order", lo=1, hi=4)
    if order >= width:
        raise InputError(f"The delta order ({order}) must be below the width ({width}).")
    if width < 3 or width % 2 == 0:
        raise InputError(f"The delta width must be an odd number >= 3; got {width}.")
    if order < 1:
        raise InputError(f"The delta order must be at least 1; got {order}.")
    if X.ndim < 1 or X.shape[-1] < width:
        raise InputError(f"Deltas over {width} frames need at least {width} frames; got {X.shape[-1] if X.ndim else 0}.")
    return scipy.signal.savgol_filter(X, width, polyorder=order, deriv=order, axis=-1, mode="interp")


def log_mel_to_audio(log_mel_db: np.ndarray, sr: float, *, n_fft: int = 2048, hop_length: int = 512,
                     htk: bool = False, fmin: float = 0.0, fmax: float | None = None, n_iter: int = 32,
                     seed: int = 0) -> np.ndarray:
    """Listen to a log-mel spectrogram (dB of power): undo the mel filters, then Griffin-Lim for the phase.

    The mel filterbank has fewer rows than FFT bins, so the linear power spectrum comes back
    through its pseudo-inverse (negative values clipped): smooth within each mel band. The phase
    was never stored; ``librosa.griffinlim`` estimates one consistent with the magnitudes
    (``n_iter`` rounds, seeded). Good enough to *hear* what a representation keeps, not a codec.
    """
    L = check_signal(log_mel_db, "The log-mel spectrogram", ndim=2, dtype=np.float64)
    if float(L.max()) > 300:
        raise InputError(f"A log-mel spectrogram in dB above 300 dB ({float(L.max()):.3g}) is not a level.")
    n_iter = check_int(n_iter, "The number of Griffin-Lim rounds", lo=1, hi=500)
    seed = check_int(seed, "The seed", lo=0, hi=2**32 - 1)
    hop_length = check_int(hop_length, "Hop length", lo=1, hi=MAX_FRAME)
    if L.shape[1] > 20000:
        raise InputError("At most 20 000 frames (minutes of audio) can be turned back into sound here.")
    import librosa

    fb = mel_filterbank(sr, n_fft, n_mels=L.shape[0], fmin=fmin, fmax=fmax, htk=htk)
    power = np.maximum(np.linalg.pinv(fb) @ (10.0 ** (L / 10.0)), 0.0)
    y = librosa.griffinlim(np.sqrt(power), n_iter=int(n_iter), hop_length=int(hop_length), n_fft=int(n_fft),
                           random_state=int(seed))
    return y.astype(np.float32)
