"""Synthetic test signals with known answers (for pages, samples and tests).

Every generator takes its seed or phase as a parameter, so results are
deterministic.
"""

from __future__ import annotations

import numpy as np

from lib.errors import MAX_AMPLITUDE, MAX_SAMPLES, InputError, check_choice, check_int, check_number, check_sr, check_values


#: Largest frequency a generator accepts (Hz); aliasing demos go far above Nyquist on purpose.
MAX_FREQ_HZ = 1e9


def _n(sr: float, duration_s: float) -> int:
    sr = check_sr(sr)
    duration_s = check_number(duration_s, "Duration", lo=0.0, lo_open=True, unit="s")
    n = sr * duration_s
    if n > MAX_SAMPLES:
        raise InputError(f"{duration_s:g} s at {sr:g} Hz is {n:,.0f} samples; at most {MAX_SAMPLES:,} are made here.")
    return int(round(n))


def _amp(amplitude) -> float:
    return check_number(amplitude, "The amplitude", lo=-MAX_AMPLITUDE, hi=MAX_AMPLITUDE)


def _freq(f, name: str = "The frequency") -> float:
    return check_number(f, name, lo=-MAX_FREQ_HZ, hi=MAX_FREQ_HZ, unit="Hz")


def time_axis(sr: float, duration_s: float) -> np.ndarray:
    """Sample times ``n / sr`` in seconds."""
    return np.arange(_n(sr, duration_s)) / float(sr)


def sine(freq_hz: float, sr: float, duration_s: float, *, amplitude: float = 0.5, phase: float = 0.0) -> np.ndarray:
    """``A sin(2 pi f t + phase)``."""
    freq_hz, amplitude = _freq(freq_hz), _amp(amplitude)
    phase = check_number(phase, "The phase", unit="rad")
    t = time_axis(sr, duration_s)
    return (amplitude * np.sin(2 * np.pi * freq_hz * t + phase)).astype(np.float32)


def tones(freqs_hz, sr: float, duration_s: float, *, amplitude: float = 0.5) -> np.ndarray:
    """Sum of equal-amplitude sines, scaled so the peak stays below ``amplitude``."""
    freqs_hz = list(check_values(freqs_hz, "The frequencies", ndim=(0, 1), lo=-MAX_FREQ_HZ, hi=MAX_FREQ_HZ).ravel())
    if not freqs_hz:
        raise InputError("Give at least one frequency.")
    if len(freqs_hz) > 1000:
        raise InputError(f"At most 1000 tones; got {len(freqs_hz)}.")
    amplitude = _amp(amplitude)
    t = time_axis(sr, duration_s)
    y = sum(np.sin(2 * np.pi * f * t) for f in freqs_hz) / len(freqs_hz)
    return (amplitude * y).astype(np.float32)


def chirp(f0_hz: float, f1_hz: float, sr: float, duration_s: float, *, amplitude: float = 0.5, method: str = "linear") -> np.ndarray:
    """Sine sweep from ``f0_hz`` to ``f1_hz`` (instantaneous frequency follows ``method``).

    Linear: ``f(t) = f0 + (f1 - f0) t / T``; logarithmic: ``f(t) = f0 (f1/f0)^(t/T)``.
    """
    from scipy.signal import chirp as _chirp

    f0_hz, f1_hz, amplitude = _freq(f0_hz, "The start frequency"), _freq(f1_hz, "The end frequency"), _amp(amplitude)
    method = check_choice(method, "The sweep law", ("linear", "quadratic", "logarithmic", "hyperbolic"))
    if method in ("logarithmic", "hyperbolic") and (f0_hz <= 0 or f1_hz <= 0):
        raise InputError(f"A {method} sweep needs positive start and end frequencies; got {f0_hz:g} and {f1_hz:g} Hz.")
    t = time_axis(sr, duration_s)
    return (amplitude * _chirp(t, f0_hz, duration_s, f1_hz, method=method, phi=-90)).astype(np.float32)


def chirp_frequency(t: np.ndarray, f0_hz: float, f1_hz: float, duration_s: float, *, method: str = "linear") -> np.ndarray:
    """Instantaneous frequency in Hz of :func:`chirp` at times ``t``."""
    t = check_values(t, "The times", ndim=(0, 1), lo=-1e9, hi=1e9)
    f0_hz, f1_hz = _freq(f0_hz, "The start frequency"), _freq(f1_hz, "The end frequency")
    duration_s = check_number(duration_s, "Duration", lo=0.0, lo_open=True, unit="s")
    method = check_choice(method, "The sweep law", ("linear", "logarithmic"))
    if method == "logarithmic" and (f0_hz <= 0 or f1_hz <= 0):
        raise InputError("A logarithmic sweep needs positive start and end frequencies.")
    if method == "logarithmic" and abs(np.log(f1_hz / f0_hz)) * float(np.max(np.abs(t), initial=0.0)) / duration_s > 700:
        raise InputError("These times lie far outside the sweep: its frequency would overflow.")
    if method == "linear":
        return f0_hz + (f1_hz - f0_hz) * t / duration_s
    return f0_hz * (f1_hz / f0_hz) ** (t / duration_s)


def impulse_train(rate_hz: float, sr: float, duration_s: float, *, amplitude: float = 0.8) -> np.ndarray:
    """Unit impulses every ``sr / rate_hz`` samples (a click train)."""
    n = _n(sr, duration_s)
    rate_hz = check_number(rate_hz, "The click rate", lo=0.0, lo_open=True, hi=float(sr), unit="Hz")
    amplitude = _amp(amplitude)
    y = np.zeros(n, np.float32)
    y[np.round(np.arange(0, duration_s, 1.0 / rate_hz) * sr).astype(int) % n] = amplitude
    return y


def white_noise(sr: float, duration_s: float, *, rms_level: float = 0.1, seed: int = 0) -> np.ndarray:
    """Gaussian white noise with the given RMS."""
    rms_level = check_number(rms_level, "The RMS level", lo=0.0, hi=MAX_AMPLITUDE)
    rng = np.random.default_rng(check_int(seed, "The seed", lo=0))
    return (rms_level * rng.standard_normal(_n(sr, duration_s))).astype(np.float32)


def plucked_string(freq_hz: float, sr: float, duration_s: float, *, decay: float = 0.996, seed: int = 0, amplitude: float = 0.6) -> np.ndarray:
    """Karplus-Strong plucked string: a noise burst recirculated through a delay line.

    The delay line's length sets the pitch (``sr / freq_hz`` samples); the
    two-point average in the loop is a gentle low-pass, so high harmonics die
    first, as on a real string.
    """
    from scipy.signal import lfilter

    n = _n(sr, duration_s)
    freq_hz = check_number(freq_hz, "The string's frequency", lo=0.0, lo_open=True, unit="Hz")
    decay = check_number(decay, "The decay", lo=0.0, hi=1.0)
    amplitude, seed = _amp(amplitude), check_int(seed, "The seed", lo=0)
    if sr / freq_hz > n:
        raise InputError(f"{freq_hz:g} Hz is too low for a {duration_s:g} s clip: one period is longer than the clip.")
    period = int(round(sr / freq_hz))
    if period < 2:
        raise InputError(f"{freq_hz} Hz is too high for {sr} Hz sampling.")
    rng = np.random.default_rng(seed)
    excitation = np.zeros(n)
    excitation[:period] = rng.uniform(-1, 1, period)
    # y[n] = x[n] + decay * (y[n-P] + y[n-P-1]) / 2
    a = np.zeros(period + 2)
    a[0] = 1.0
    a[period] = -decay / 2
    a[period + 1] = -decay / 2
    y = lfilter([1.0], a, excitation)
    y /= np.max(np.abs(y)) + 1e-12
    return (amplitude * y).astype(np.float32)


#: Formant frequencies and bandwidths (Hz) of a few vowels (Peterson & Barney 1952, male averages).
VOWEL_FORMANTS = {
    "a": ((730, 90), (1090, 110), (2440, 170)),
    "i": ((270, 60), (2290, 100), (3010, 170)),
    "u": ((300, 60), (870, 90), (2240, 170)),
}


def vowel(f0_hz: float, sr: float, duration_s: float, *, vowel_name: str = "a", amplitude: float = 0.6, vibrato_hz: float = 5.0, vibrato_depth: float = 0.01) -> np.ndarray:
    """Source-filter vowel: a glottal pulse train through three formant resonators."""
    from scipy.signal import lfilter

    if not isinstance(vowel_name, str) or vowel_name not in VOWEL_FORMANTS:
        raise InputError(f"Unknown vowel {vowel_name!r}; choose one of {sorted(VOWEL_FORMANTS)}.")
    f0_hz = check_number(f0_hz, "The pitch", lo=0.0, lo_open=True, hi=check_sr(sr) / 2, unit="Hz")
    amplitude = _amp(amplitude)
    vibrato_hz = check_number(vibrato_hz, "The vibrato rate", lo=0.0, hi=1000.0, unit="Hz")
    vibrato_depth = check_number(vibrato_depth, "The vibrato depth", lo=0.0, hi=0.5)
    t = time_axis(sr, duration_s)
    f_inst = f0_hz * (1 + vibrato_depth * np.sin(2 * np.pi * vibrato_hz * t))
    phase = np.cumsum(f_inst) / sr
    # Rosenberg-like glottal flow derivative: a sawtooth-ish pulse per period.
    frac = phase % 1.0
    source = np.where(frac < 0.6, np.sin(np.pi * frac / 0.6) ** 2, 0.0)
    source = np.diff(source, prepend=0.0)
    y = source
    for fc, bw in VOWEL_FORMANTS[vowel_name]:
        r = np.exp(-np.pi * bw / sr)
        theta = 2 * np.pi * fc / sr
        y = lfilter([1 - r], [1, -2 * r * np.cos(theta), r * r], y)
    y /= np.max(np.abs(y)) + 1e-12
    fade = np.minimum(1.0, np.minimum(t, t[-1] - t) / 0.02)
    return (amplitude * y * fade).astype(np.float32)
