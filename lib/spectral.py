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

from lib.errors import InputError

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
    n = int(n)
    if n < 1:
        raise InputError(f"Window length must be at least 1 sample; got {n}.")
    if isinstance(window, str):
        name = WINDOWS.get(window.lower(), window)
        spec = ("kaiser", float(beta)) if name == "kaiser" else name
    else:
        spec = window
    try:
        return scipy.signal.get_window(spec, n, fftbins=True).astype(np.float64)
    except ValueError as exc:
        raise InputError(f"Unknown window {window!r}: {exc}") from None


def fft_frequencies(sr: float, n_fft: int) -> np.ndarray:
    """Centre frequency in Hz of each one-sided DFT bin: ``k * sr / n_fft``."""
    return np.arange(1 + int(n_fft) // 2) * float(sr) / int(n_fft)


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
    y = np.asarray(y, dtype=np.float64)
    if y.ndim != 1 or y.size == 0:
        raise InputError("The segment is empty; choose a longer stretch of audio.")
    if sr <= 0:
        raise InputError(f"Sampling rate must be positive; got {sr} Hz.")
    n_fft = len(y) if n_fft is None else int(n_fft)
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
    freqs_hz = np.asarray(freqs_hz, dtype=np.float64)
    mag = np.asarray(mag, dtype=np.float64)
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

    Returns
    -------
    np.ndarray
        Complex ``(1 + n_fft // 2, n_frames)``.
    """
    y = np.asarray(y)
    n_fft, hop_length = int(n_fft), int(hop_length)
    win_length = n_fft if win_length is None else int(win_length)
    if n_fft < 2:
        raise InputError(f"n_fft must be at least 2; got {n_fft}.")
    if hop_length < 1:
        raise InputError(f"Hop length must be at least 1 sample; got {hop_length}.")
    if not 1 <= win_length <= n_fft:
        raise InputError(f"win_length ({win_length}) must be between 1 and n_fft ({n_fft}).")
    w = np.zeros(n_fft)
    left = (n_fft - win_length) // 2
    w[left : left + win_length] = get_window(window, win_length, beta=beta)
    if center:
        y = np.pad(y, (n_fft // 2, n_fft // 2), mode="constant")
    if len(y) < n_fft:
        raise InputError(f"The signal ({len(y)} samples) is shorter than n_fft ({n_fft}).")
    frames = np.lib.stride_tricks.sliding_window_view(y, n_fft)[::hop_length]
    spec = np.fft.rfft(frames * w, axis=1).T
    return spec.astype(np.complex64 if y.dtype == np.float32 else np.complex128)


def hz_to_mel(freq_hz: np.ndarray | float, *, htk: bool = False) -> np.ndarray:
    """Hz to mels.

    HTK: ``m = 2595 log10(1 + f / 700)``. Slaney (librosa's default): linear
    below 1 kHz (``f / (200/3)``), logarithmic above (27 steps per factor 6.4).
    """
    f = np.asarray(freq_hz, dtype=np.float64)
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
    m = np.asarray(mels, dtype=np.float64)
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
    fmax = float(sr) / 2 if fmax is None else float(fmax)
    if sr <= 0:
        raise InputError(f"Sampling rate must be positive; got {sr} Hz.")
    if int(n_mels) < 1:
        raise InputError(f"Need at least one mel band; got n_mels={n_mels}.")
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
    S = np.abs(stft(y, n_fft=n_fft, hop_length=hop_length, win_length=win_length, window=window, center=center))
    if power != 1.0:
        S = S**power
    fb = mel_filterbank(sr, n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax, htk=htk)
    return (fb @ S).astype(S.dtype)


def power_to_db(S: np.ndarray, *, ref: float = 1.0, amin: float = 1e-10, top_db: float | None = 80.0) -> np.ndarray:
    """``10 log10(S / ref)``, floored at ``amin`` and at ``max - top_db`` (as librosa)."""
    S = np.asarray(S)
    if callable(ref):
        ref = ref(S)
    log_spec = 10.0 * np.log10(np.maximum(amin, S)) - 10.0 * np.log10(np.maximum(amin, ref))
    if top_db is not None:
        if top_db < 0:
            raise InputError(f"top_db must be non-negative; got {top_db}.")
        log_spec = np.maximum(log_spec, log_spec.max() - top_db)
    return log_spec


def amplitude_to_db(S: np.ndarray, *, ref: float = 1.0, amin: float = 1e-5, top_db: float | None = 80.0) -> np.ndarray:
    """``20 log10(S / ref)`` with the same floors as :func:`power_to_db`."""
    S = np.abs(np.asarray(S))
    if callable(ref):
        ref = ref(S)
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
    win_length = n_fft if win_length is None else win_length
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
    n_coeffs, n_bands = int(n_coeffs), int(n_bands)
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
    n = np.arange(int(n_mfcc), dtype=np.float64)
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
    y = np.asarray(y)
    if y.ndim != 1 or y.size == 0:
        raise InputError("Give a non-empty mono signal.")
    if not np.all(np.isfinite(y)):
        raise InputError("The audio contains NaN or infinite samples.")
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
    C = np.asarray(C, dtype=np.float64)
    if C.ndim != 2:
        raise InputError(f"Expected MFCCs shaped (n_mfcc, n_frames); got shape {C.shape}.")
    n_mfcc = C.shape[0]
    k = n_mfcc if k is None else int(k)
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
    X = np.asarray(features, dtype=np.float64)
    width, order = int(width), int(order)
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
    L = np.asarray(log_mel_db, dtype=np.float64)
    if L.ndim != 2 or L.shape[1] < 1:
        raise InputError(f"Expected a log-mel spectrogram shaped (n_mels, n_frames); got shape {L.shape}.")
    if not np.all(np.isfinite(L)):
        raise InputError("The log-mel spectrogram contains NaN or infinite values.")
    if L.shape[1] > 20000:
        raise InputError("At most 20 000 frames (minutes of audio) can be turned back into sound here.")
    import librosa

    fb = mel_filterbank(sr, n_fft, n_mels=L.shape[0], fmin=fmin, fmax=fmax, htk=htk)
    power = np.maximum(np.linalg.pinv(fb) @ (10.0 ** (L / 10.0)), 0.0)
    y = librosa.griffinlim(np.sqrt(power), n_iter=int(n_iter), hop_length=int(hop_length), n_fft=int(n_fft),
                           random_state=int(seed))
    return y.astype(np.float32)
