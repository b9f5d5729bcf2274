"""Objective audio-quality metrics used to compare codecs.

SI-SDR (scale-invariant signal-to-distortion ratio), the DAC paper's
multi-scale mel distance and multi-scale STFT distance, and thin wrappers
around PESQ and STOI for speech. Everything takes a reference and an estimate
of the same length and sampling rate (numpy in, float out).
"""

from __future__ import annotations

import numpy as np

from lib.errors import MAX_AMPLITUDE, InputError, check_number, check_signal, check_sr, check_values
from lib.spectral import mel_filterbank, stft

#: The DAC paper's mel loss (conf/final/*.yml ``MelSpectrogramLoss``): seven scales.
MEL_WINDOW_LENGTHS = (32, 64, 128, 256, 512, 1024, 2048)
MEL_N_MELS = (5, 10, 20, 40, 80, 160, 320)
#: The DAC paper's multi-scale STFT loss (``MultiScaleSTFTLoss``): two scales.
STFT_WINDOW_LENGTHS = (2048, 512)
CLAMP_EPS = 1e-5


def _pair(reference: np.ndarray, estimate: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if np.size(reference) == 0 or np.size(estimate) == 0:
        raise InputError("Cannot compare empty signals.")
    r = check_signal(reference, "The reference", dtype=np.float64, max_abs=MAX_AMPLITUDE, ndim=(1, 2)).ravel()
    e = check_signal(estimate, "The estimate", dtype=np.float64, max_abs=MAX_AMPLITUDE, ndim=(1, 2)).ravel()
    if r.shape != e.shape:
        raise InputError(
            f"Reference and estimate must have the same length; got {len(r)} and {len(e)} samples."
        )
    if r.size == 0:
        raise InputError("Cannot compare empty signals.")
    if not (np.all(np.isfinite(r)) and np.all(np.isfinite(e))):
        raise InputError("The signals contain NaN or infinite samples.")
    return r, e


def si_sdr(reference: np.ndarray, estimate: np.ndarray, *, zero_mean: bool = True, eps: float = 1e-12) -> float:
    """Scale-invariant signal-to-distortion ratio in dB (Le Roux et al. 2019).

    The estimate is split into a part along the reference and the rest:

    .. math::
        \\alpha = \\frac{\\langle \\hat s, s\\rangle}{\\lVert s\\rVert^2},\\quad
        \\mathrm{SI\\text{-}SDR} = 10\\log_{10}
        \\frac{\\lVert \\alpha s\\rVert^2}{\\lVert \\hat s - \\alpha s\\rVert^2}

    so a louder or quieter copy of the reference scores +inf (here: very large),
    and ``s + e`` with ``e`` orthogonal to ``s`` scores ``10 log10(|s|^2/|e|^2)``.
    Means are removed first (as in the DAC/audiotools implementation).

    Returns
    -------
    float
        dB; very large (~ +120 dB or more) for a scaled copy.
    """
    s, s_hat = _pair(reference, estimate)
    eps = check_number(eps, "eps", lo=0.0, hi=1.0)
    if zero_mean:
        s = s - s.mean()
        s_hat = s_hat - s_hat.mean()
    ss = float(np.dot(s, s))
    if ss <= eps:
        raise InputError("The reference is silent; SI-SDR is undefined.")
    alpha = float(np.dot(s_hat, s)) / ss
    target = alpha * s
    noise = s_hat - target
    return float(10.0 * np.log10((np.dot(target, target) + eps) / (np.dot(noise, noise) + eps)))


def snr_db(reference: np.ndarray, estimate: np.ndarray) -> float:
    """Plain SNR in dB: ``10 log10(|s|^2 / |s - s_hat|^2)`` (not scale-invariant)."""
    s, s_hat = _pair(reference, estimate)
    noise = float(np.sum((s - s_hat) ** 2))
    return float(10 * np.log10(max(float(np.sum(s**2)), 1e-20) / max(noise, 1e-20)))


def _magnitudes(y: np.ndarray, window_length: int) -> np.ndarray:
    # audiotools: hann window, hop = window/4, centred frames.
    if len(y) < window_length:
        y = np.pad(y, (0, window_length - len(y)))
    return np.abs(stft(y, n_fft=window_length, hop_length=window_length // 4, window="hann", center=True))


def _weights(clamp_eps, power, log_weight, mag_weight) -> tuple[float, float, float, float]:
    return (check_number(clamp_eps, "clamp_eps", lo=0.0, lo_open=True, hi=1.0),
            check_number(power, "The power", lo=0.0, lo_open=True, hi=4.0),
            check_number(log_weight, "The log weight", lo=0.0, hi=1e6),
            check_number(mag_weight, "The magnitude weight", lo=0.0, hi=1e6))


def _scales(values, name: str) -> list[int]:
    v = check_values(values, name, ndim=(0, 1), min_len=1, max_len=16, lo=2, hi=1 << 16)
    if np.any(v != np.round(v)):
        raise InputError(f"{name} must be whole numbers.")
    return [int(x) for x in np.atleast_1d(v)]


def _spectral_l1(xr: np.ndarray, xe: np.ndarray, *, clamp_eps: float, power: float, log_weight: float,
                 mag_weight: float) -> float:
    """audiotools' per-scale loss: weighted mean |log10 clamp(X)^p - log10 clamp(Y)^p| + mean |X - Y|."""
    total = 0.0
    if log_weight:
        lr = np.log10(np.maximum(xr, clamp_eps) ** power)
        le = np.log10(np.maximum(xe, clamp_eps) ** power)
        total += log_weight * float(np.mean(np.abs(lr - le)))
    if mag_weight:
        total += mag_weight * float(np.mean(np.abs(xr - xe)))
    return total


def mel_distance(
    reference: np.ndarray,
    estimate: np.ndarray,
    sr: int,
    *,
    window_lengths=MEL_WINDOW_LENGTHS,
    n_mels=MEL_N_MELS,
    clamp_eps: float = CLAMP_EPS,
    power: float = 1.0,
    mag_weight: float = 0.0,
    log_weight: float = 1.0,
) -> float:
    """The DAC paper's multi-scale mel distance (lower is better; 0 = identical).

    For each (window, n_mels) pair: a mel spectrogram of the STFT *magnitude*
    (hann window, hop = window/4, Slaney mel filters from 0 Hz to Nyquist), then
    the mean absolute difference of ``log10(clamp(M, 1e-5) ** power)``; the
    seven scales are summed. Defaults follow the paper's final config
    (``MelSpectrogramLoss``: windows 32...2048, 5...320 mels, ``pow=1``,
    ``mag_weight=0``, ``log_weight=1``), so the paper's numbers (0.93 for DAC
    at 8 kbps) are on the same scale as ours.
    """
    r, e = _pair(reference, estimate)
    sr = check_sr(sr)
    clamp_eps, power, log_weight, mag_weight = _weights(clamp_eps, power, log_weight, mag_weight)
    window_lengths, n_mels = _scales(window_lengths, "The window lengths"), _scales(n_mels, "The mel band counts")
    if len(window_lengths) != len(n_mels):
        raise InputError("window_lengths and n_mels must have the same number of scales.")
    total = 0.0
    for w, m in zip(window_lengths, n_mels):
        fb = mel_filterbank(sr, int(w), n_mels=int(m))
        total += _spectral_l1(fb @ _magnitudes(r, int(w)), fb @ _magnitudes(e, int(w)), clamp_eps=clamp_eps,
                              power=power, log_weight=log_weight, mag_weight=mag_weight)
    return total


def stft_distance(
    reference: np.ndarray,
    estimate: np.ndarray,
    *,
    window_lengths=STFT_WINDOW_LENGTHS,
    clamp_eps: float = CLAMP_EPS,
    power: float = 2.0,
    mag_weight: float = 1.0,
    log_weight: float = 1.0,
) -> float:
    """The DAC paper's multi-scale STFT distance (``MultiScaleSTFTLoss``).

    Per window length (2048 and 512, hop = window/4): mean |log10 |X|^2 -
    log10 |Y|^2| (magnitudes clamped at 1e-5) plus mean ||X| - |Y||; summed over
    scales. Lower is better; 0 for identical signals.
    """
    r, e = _pair(reference, estimate)
    clamp_eps, power, log_weight, mag_weight = _weights(clamp_eps, power, log_weight, mag_weight)
    window_lengths = _scales(window_lengths, "The window lengths")
    total = 0.0
    for w in window_lengths:
        total += _spectral_l1(_magnitudes(r, int(w)), _magnitudes(e, int(w)), clamp_eps=clamp_eps,
                              power=power, log_weight=log_weight, mag_weight=mag_weight)
    return total


def pesq_score(reference: np.ndarray, estimate: np.ndarray, sr: int) -> float | None:
    """Wide-band PESQ (ITU-T P.862.2, MOS-LQO 1.0-4.6) for speech at 16 kHz.

    Needs ``sr == 16000`` (or 8000 for narrow-band) and detectable speech;
    returns ``None`` when PESQ does not apply (music, silence, other rates).
    """
    r, e = _pair(reference, estimate)
    sr = check_sr(sr)
    if sr not in (8000, 16000):
        return None
    try:
        from pesq import pesq

        return float(pesq(sr, r.astype(np.float32), e.astype(np.float32), "wb" if sr == 16000 else "nb"))
    except Exception:  # pesq raises NoUtterancesError etc. on non-speech
        return None


def stoi_score(reference: np.ndarray, estimate: np.ndarray, sr: int) -> float | None:
    """Short-time objective intelligibility (Taal et al. 2011), 0-1; ``None`` if it fails."""
    r, e = _pair(reference, estimate)
    sr = check_sr(sr)
    try:
        from pystoi import stoi

        value = float(stoi(r, e, sr, extended=False))
    except Exception:
        return None
    return value if np.isfinite(value) else None


def quality_report(reference: np.ndarray, estimate: np.ndarray, sr: int, *, speech_metrics: bool = True) -> dict:
    """All metrics at once: ``si_sdr_db``, ``mel_distance``, ``stft_distance``, ``pesq``, ``stoi``."""
    sr = check_sr(sr)
    out = {
        "si_sdr_db": si_sdr(reference, estimate),
        "mel_distance": mel_distance(reference, estimate, sr),
        "stft_distance": stft_distance(reference, estimate),
        "pesq": None,
        "stoi": None,
    }
    if speech_metrics and sr == 16000:
        out["pesq"] = pesq_score(reference, estimate, sr)
        out["stoi"] = stoi_score(reference, estimate, sr)
    return out
