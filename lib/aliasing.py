"""Sampling and aliasing: where a sampled tone "appears" and how to undo (or avoid) it.

A sampled sine of frequency ``f`` at rate ``sr`` produces exactly the same numbers
as a sine of frequency ``f + k sr`` (any integer ``k``) and as one of frequency
``k sr - f`` (with the phase mirrored). So the samples alone cannot say which of
these frequencies was recorded; a reconstruction (or a listener, after a
digital-to-analogue converter) picks the one in ``[0, sr/2]``: the *apparent*
frequency. Everything on the aliasing page is built on the small functions here.

References
----------
Shannon, C. E. (1949). Communication in the presence of noise. Proc. IRE 37(1).
J. O. Smith, *Mathematics of the DFT*, "Sampling Theory" appendix.
J. Schaedler, *Seeing Circles, Sines and Signals* (aliasing and sampling pages).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Union

import numpy as np

from lib.errors import MAX_AMPLITUDE, MAX_SAMPLES, MAX_WORK, InputError, check_choice, check_int, check_number, check_signal, check_values

SignalSpec = Union[float, int, Callable[[np.ndarray], np.ndarray]]

#: Reconstruction methods :func:`reconstruct` understands.
METHODS = ("zoh", "linear", "sinc")
#: Anti-alias filters :func:`decimate` understands.
FILTERS = ("fir", "butter", "cheby2")

# Largest sinc kernel matrix built at once (elements); longer grids are done in chunks.
_SINC_CHUNK = 2_000_000


# --------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------
#: Largest frequency (Hz) and sampling rate the demos accept: far above audio on purpose (a
#: wheel's "sampling rate" is its frame rate), yet fold counts and image lists stay countable.
MAX_FREQ_HZ = 1e9
#: Most alias images or folding corners one call lists.
MAX_IMAGES = 100_000


def _check_sr(sr: float, what: str = "Sampling rate") -> float:
    return check_number(sr, what, lo=0.0, lo_open=True, hi=MAX_FREQ_HZ, unit="Hz")


def _check_freq(freq_hz, what: str = "Frequency") -> np.ndarray:
    return check_values(freq_hz, what, lo=-MAX_FREQ_HZ, hi=MAX_FREQ_HZ, ndim=(0, 1, 2))


def _countable(n: float, what: str) -> None:
    if n > MAX_IMAGES:
        raise InputError(f"That would list {n:,.0f} {what}; at most {MAX_IMAGES:,}. Narrow the frequency range.")


def _scalar_or_array(x: np.ndarray, like) -> float | np.ndarray:
    return float(x) if np.ndim(like) == 0 else x


# --------------------------------------------------------------------------------------
# Where does a frequency land?
# --------------------------------------------------------------------------------------
def alias_frequency(freq_hz, sr: float):
    """Apparent frequency of a sampled sinusoid, in ``[0, sr/2]``.

    ``f_a = |f - sr * round(f / sr)|``: shift ``f`` by the nearest multiple of
    the sample rate, then fold negative frequencies onto positive ones.

    Parameters
    ----------
    freq_hz : float or array_like
        True frequency in Hz (negative values are allowed: a real sine at ``-f``
        is the sine at ``f`` with its phase mirrored).
    sr : float
        Sampling rate in Hz (> 0).

    Returns
    -------
    float or np.ndarray
        The frequency in Hz that a band-limited reconstruction plays back.

    Examples
    --------
    >>> alias_frequency(70, 100)
    30.0
    >>> alias_frequency(300, 100)
    0.0
    """
    sr = _check_sr(sr)
    f = _check_freq(freq_hz)
    fa = np.abs(f - sr * np.round(f / sr))
    # Rounding can leave a hair above sr/2 (or a -0.0); clamp to the exact interval.
    fa = np.clip(fa, 0.0, sr / 2)
    return _scalar_or_array(fa, freq_hz)


def signed_alias(freq_hz, sr: float):
    """Alias *with direction*, in ``[-sr/2, sr/2]``: ``f - sr * round(f / sr)``.

    For rotations (a wagon wheel filmed at ``sr`` frames per second) the sign
    matters: a negative result means the wheel appears to turn backwards.
    """
    sr = _check_sr(sr)
    f = _check_freq(freq_hz)
    out = f - sr * np.round(f / sr)
    return _scalar_or_array(out, freq_hz)


def fold_count(freq_hz, sr: float):
    """How many times ``f`` is reflected at a multiple of ``sr/2`` on its way to ``[0, sr/2]``.

    Walk up the frequency axis from 0: every time you pass a multiple of the
    Nyquist frequency the apparent frequency turns around (the zig-zag of the
    folding diagram). ``ceil(|f| / (sr/2)) - 1`` corners are passed strictly
    before reaching ``f`` (0 for ``f`` in ``[0, sr/2]``). An odd count means the
    spectrum arrives mirrored: a rising tone is heard falling.
    """
    sr = _check_sr(sr)
    f = np.abs(_check_freq(freq_hz))
    x = f / (sr / 2)
    # Tolerate floating error right at a corner (e.g. 0.1 * 3 / 0.05).
    x = np.where(np.abs(x - np.round(x)) < 1e-9, np.round(x), x)
    count = np.maximum(np.ceil(x) - 1, 0).astype(np.int64)
    return int(count) if np.ndim(freq_hz) == 0 else count


def samples_per_cycle(freq_hz, sr: float):
    """``sr / f``: how many samples land on one period (``inf`` for DC). Above 2 is safe."""
    sr = _check_sr(sr)
    f = np.abs(_check_freq(freq_hz))
    with np.errstate(divide="ignore"):
        out = np.where(f > 0, sr / np.where(f > 0, f, 1.0), np.inf)
    return _scalar_or_array(out, freq_hz)


@dataclass(frozen=True)
class AliasImage:
    """One sinusoid that passes through exactly the same samples.

    ``amplitude * sin(2 pi freq_hz t + phase_rad)`` equals the original at every
    sample time ``n / sr``.
    """

    freq_hz: float
    phase_rad: float
    k: int  #: the multiple of ``sr`` involved
    mirrored: bool  #: ``k sr - f`` (phase mirrored) rather than ``f + k sr``


def alias_images(freq_hz: float, sr: float, *, phase_rad: float = 0.0, max_freq_hz: float | None = None,
                 max_count: int | None = None) -> list[AliasImage]:
    """All non-negative frequencies whose sine shares the samples of ``sin(2 pi f t + phase)``.

    They are ``f + k sr`` with the same phase, and ``k sr - f`` with phase
    ``pi - phase`` (because ``sin(-x + pi - phase) = sin(x + phase)`` when
    ``x = 2 pi f n / sr`` and ``2 pi k n`` vanishes).

    Parameters
    ----------
    freq_hz : float
        The tone's frequency in Hz (>= 0).
    sr : float
        Sampling rate in Hz.
    phase_rad : float
        The tone's phase.
    max_freq_hz : float, optional
        Largest image frequency to list; default ``|f| + 2 sr``.
    max_count : int, optional
        Keep at most this many images, nearest to the true frequency first.

    Returns
    -------
    list of AliasImage
        Sorted by frequency; duplicates (at multiples of ``sr/2``) removed. The
        true tone itself is included (``k = 0``, not mirrored).
    """
    sr = _check_sr(sr)
    f = abs(float(_check_freq(freq_hz, "The tone's frequency").reshape(-1)[0])) if np.ndim(freq_hz) == 0 else None
    if f is None:
        raise InputError("alias_images takes one frequency (a number).")
    phase_rad = check_number(phase_rad, "The phase", lo=-1e6, hi=1e6, unit="rad")
    top = f + 2 * sr if max_freq_hz is None else check_number(max_freq_hz, "The highest frequency", lo=0.0,
                                                               hi=MAX_FREQ_HZ, unit="Hz")
    if max_count is not None:
        max_count = check_int(max_count, "The number of images", lo=0)
    _countable(2 * (top + f) / sr, "alias images")
    k_hi = int(np.floor((top + f) / sr)) + 1
    images: dict[float, AliasImage] = {}
    for k in range(-int(np.ceil(f / sr)) - 1, k_hi + 1):
        up = f + k * sr
        if 0 <= up <= top:
            images.setdefault(round(up, 9), AliasImage(up, phase_rad, k, False))
        down = k * sr - f
        if 0 <= down <= top:
            images.setdefault(round(down, 9), AliasImage(down, np.pi - phase_rad, k, True))
    out = sorted(images.values(), key=lambda im: im.freq_hz)
    if max_count is not None and len(out) > max_count:
        out = sorted(sorted(out, key=lambda im: abs(im.freq_hz - f))[:max_count], key=lambda im: im.freq_hz)
    return out


def image_frequencies(freq_hz: float, sr: float, max_freq_hz: float) -> np.ndarray:
    """Sorted non-negative frequencies ``|f + k sr|`` and ``|k sr - f|`` up to ``max_freq_hz`` (vectorised).

    The spectrum of a sampled tone has a line at each of them (the sampled
    spectrum is periodic in ``sr`` and symmetric about 0).
    """
    sr = _check_sr(sr)
    if np.ndim(freq_hz) != 0:
        raise InputError("image_frequencies takes one frequency (a number).")
    f = abs(float(_check_freq(freq_hz, "The tone's frequency")))
    max_freq_hz = check_number(max_freq_hz, "The highest frequency", lo=0.0, hi=MAX_FREQ_HZ, unit="Hz")
    _countable(3 * (max_freq_hz + f) / sr, "spectral lines")
    k = np.arange(0, int(np.floor((max_freq_hz + f) / sr)) + 2) * sr
    cand = np.concatenate([f + k, k - f, f - k])
    cand = cand[(cand >= -1e-9) & (cand <= max_freq_hz + 1e-9)]
    return np.unique(np.round(np.abs(cand), 9))


def folding_polyline(max_freq_hz: float, sr: float, *, min_freq_hz: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Corners of the folding diagram (true frequency -> apparent frequency) between two frequencies.

    The map is a triangle wave: up with slope 1 to ``sr/2``, down to 0 at ``sr``,
    and so on. Returning only the corners (plus the two ends) draws it exactly
    with few points.
    """
    sr = _check_sr(sr)
    lo = max(check_number(min_freq_hz, "The lowest frequency", hi=MAX_FREQ_HZ, unit="Hz"), 0.0)
    hi = max(check_number(max_freq_hz, "The highest frequency", hi=MAX_FREQ_HZ, unit="Hz"), lo)
    _countable((hi - lo) / (sr / 2), "folding corners")
    k = np.arange(int(np.floor(lo / (sr / 2))) + 1, int(np.ceil(hi / (sr / 2))) + 1)
    corners = k * (sr / 2)
    x = np.concatenate([[lo], corners[(corners > lo) & (corners < hi)], [hi]])
    return x, np.asarray(alias_frequency(x, sr), dtype=np.float64)


# --------------------------------------------------------------------------------------
# Sampling and reconstruction
# --------------------------------------------------------------------------------------
def sample(signal: SignalSpec, sr: float, duration_s: float, *, t0: float = 0.0, amplitude: float = 1.0,
           phase_rad: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Sample a signal at ``t_n = t0 + n / sr`` for ``0 <= n / sr < duration_s``.

    Parameters
    ----------
    signal : float or callable
        A frequency in Hz, meaning ``amplitude * sin(2 pi f t + phase_rad)``, or
        a vectorised function of time in seconds (``signal(t) -> x``).
    sr : float
        Sampling rate in Hz.
    duration_s : float
        Length of the sampled stretch in seconds (> 0).
    t0 : float
        Time of the first sample in seconds.

    Returns
    -------
    t, x : np.ndarray
        Sample times (s) and values, float64.
    """
    sr = _check_sr(sr)
    duration_s = check_number(duration_s, "Duration", lo=0.0, lo_open=True, unit="s")
    t0 = check_number(t0, "The start time", lo=-1e9, hi=1e9, unit="s")
    amplitude = check_number(amplitude, "The amplitude", lo=-MAX_AMPLITUDE, hi=MAX_AMPLITUDE)
    phase_rad = check_number(phase_rad, "The phase", lo=-1e6, hi=1e6, unit="rad")
    if duration_s * sr > 50_000_000:
        raise InputError(f"{duration_s:g} s at {sr:g} Hz is {duration_s * sr:,.0f} samples: too many to compute here.")
    n = int(np.ceil(duration_s * sr - 1e-9))
    if n > 50_000_000:
        raise InputError(f"{duration_s:g} s at {sr:g} Hz is {n:,} samples: too many to compute here.")
    n = max(n, 1)
    t = t0 + np.arange(n) / sr
    if callable(signal):
        x = np.asarray(signal(t), dtype=np.float64)
        if x.shape != t.shape:
            raise InputError("The signal function must return one value per time instant.")
    else:
        if np.ndim(signal) != 0:
            raise InputError("The signal is a frequency (a number) or a function of time.")
        f = float(_check_freq(signal, "The tone's frequency"))
        x = amplitude * np.sin(2 * np.pi * f * t + phase_rad)
    return t, x


def reconstruct(samples: np.ndarray, sr: float, t: np.ndarray, *, method: str = "sinc", t0: float = 0.0) -> np.ndarray:
    """Rebuild a continuous-time signal from its samples, evaluated at times ``t``.

    Samples ``x[n]`` sit at ``t_n = t0 + n / sr``.

    * ``"zoh"`` (zero-order hold, what a simple DAC outputs): ``x[n]`` for
      ``t_n <= t < t_n + 1/sr``; a staircase.
    * ``"linear"``: straight lines between neighbouring samples ("connecting the
      dots").
    * ``"sinc"`` (Whittaker–Shannon): ``sum_n x[n] sinc(sr (t - t_n))`` with
      ``sinc(u) = sin(pi u) / (pi u)``. Exact for a signal band-limited below
      ``sr/2`` when all samples are known; with finitely many samples it is exact
      at the sample instants and close to exact away from the ends.

    Outside the sampled stretch every method treats the signal as zero (the
    assumption the finite sinc sum makes too).

    Parameters
    ----------
    samples : np.ndarray
        Sample values ``(n,)``.
    sr : float
        Sampling rate in Hz.
    t : np.ndarray
        Times in seconds to evaluate at (only what will be plotted: the sinc
        sum costs ``len(t) * len(samples)`` multiply-adds).
    method : {"zoh", "linear", "sinc"}

    Returns
    -------
    np.ndarray
        ``(len(t),)`` float64.
    """
    sr = _check_sr(sr)
    if np.size(samples) == 0 and np.ndim(samples) == 1:
        raise InputError("There are no samples to reconstruct from.")
    x = check_signal(samples, "The samples", dtype=np.float64, max_abs=MAX_AMPLITUDE)
    t = check_values(t, "The times", ndim=(0, 1), lo=-1e9, hi=1e9)
    t0 = check_number(t0, "The first sample's time", lo=-1e9, hi=1e9, unit="s")
    if not isinstance(method, str) or method not in METHODS:
        raise InputError(f"Unknown reconstruction {method!r}; choose one of {', '.join(METHODS)}.")
    if method == "sinc" and t.size * x.size > MAX_WORK:
        raise InputError(f"The sinc sum over {t.size:,} times and {x.size:,} samples is too much work here; "
                         "evaluate fewer points or fewer samples.")
    u = (t - t0) * sr  # time in sample periods
    n = x.size
    if method == "zoh":
        idx = np.floor(u + 1e-9).astype(np.int64)
        inside = (idx >= 0) & (idx < n)
        return np.where(inside, x[np.clip(idx, 0, n - 1)], 0.0)
    if method == "linear":
        if n == 1:
            return np.where(np.abs(u) < 1e-9, x[0], 0.0)
        return np.interp(u, np.arange(n), x, left=0.0, right=0.0)
    # Whittaker–Shannon as one matrix-vector product, in chunks so memory stays bounded.
    # For integer k, sin(pi (u - k)) = (-1)^k sin(pi u), so
    #     sum_k x[k] sinc(u - k) = sin(pi u) / pi * sum_k (-1)^k x[k] / (u - k):
    # one sine per output point instead of one per (point, sample) pair; the matrix only holds
    # reciprocals. sin(pi u) is taken as (-1)^r sin(pi (u - r)), r = round(u), to stay accurate
    # near the samples; points within 1e-9 of a sample take that sample's value exactly.
    out = np.empty(u.shape, dtype=np.float64)
    uf = u.ravel()
    of = out.reshape(-1)
    k = np.arange(n, dtype=np.float64)
    alt = np.where(np.arange(n) % 2 == 0, 1.0, -1.0) * x
    r = np.round(uf)
    sin_pi_u = np.where(np.mod(r, 2) == 0, 1.0, -1.0) * np.sin(np.pi * (uf - r))
    step = max(1, _SINC_CHUNK // n)
    for a in range(0, uf.size, step):
        d = uf[a : a + step, None] - k[None, :]
        with np.errstate(divide="ignore"):
            inv = 1.0 / d
        inv[np.abs(d) < 1e-9] = 0.0
        of[a : a + step] = sin_pi_u[a : a + step] / np.pi * (inv @ alt)
    hit = np.abs(uf - r) < 1e-9
    idx = r.astype(np.int64)
    exact = hit & (idx >= 0) & (idx < n)
    of[exact] = x[idx[exact]]
    return out


def reconstruct_naive(samples: np.ndarray, sr: float, t: np.ndarray, *, t0: float = 0.0) -> np.ndarray:
    """Whittaker–Shannon with Python loops (the textbook double sum; for the benchmark only)."""
    import math

    samples = check_signal(samples, "The samples", dtype=np.float64, max_abs=MAX_AMPLITUDE)
    sr = _check_sr(sr)
    t = check_values(t, "The times", ndim=(0, 1), lo=-1e9, hi=1e9)
    t0 = check_number(t0, "The first sample's time", lo=-1e9, hi=1e9, unit="s")
    if t.size * samples.size > 10_000_000:
        raise InputError("The Python double loop is for small benchmarks: at most 10 million terms.")
    out = []
    for ti in np.atleast_1d(t):
        acc = 0.0
        for i, xi in enumerate(samples):
            u = (ti - t0) * sr - i
            acc += xi * (1.0 if u == 0 else math.sin(math.pi * u) / (math.pi * u))
        out.append(acc)
    return np.asarray(out)


def dense_grid(t_start: float, t_stop: float, freq_hz: float, *, points_per_cycle: int = 24, min_points: int = 400,
               max_points: int = 4000) -> tuple[np.ndarray, bool]:
    """A time grid fine enough to draw a sine of ``freq_hz`` between two instants.

    Returns the grid and whether it resolves the sine (``False`` when the sine
    has more cycles than the ``max_points`` budget can draw; then a page should
    say so instead of drawing a misleading moiré).
    """
    t_start = check_number(t_start, "The start time", lo=-1e9, hi=1e9, unit="s")
    t_stop = check_number(t_stop, "The end time", lo=-1e9, hi=1e9, unit="s")
    freq_hz = float(_check_freq(freq_hz, "The frequency")) if np.ndim(freq_hz) == 0 else None
    if freq_hz is None:
        raise InputError("dense_grid takes one frequency (a number).")
    points_per_cycle = check_int(points_per_cycle, "Points per cycle", lo=1, hi=10_000)
    max_points = check_int(max_points, "The most points", lo=2, hi=10_000_000)
    min_points = check_int(min_points, "The fewest points", lo=2, hi=max_points)
    span = t_stop - t_start
    if span <= 0:
        raise InputError("The plotted time span is empty.")
    cycles = abs(freq_hz) * span
    want = int(min(np.ceil(cycles * points_per_cycle), 1e15))
    n = int(np.clip(want, min_points, max_points))
    return np.linspace(t_start, t_stop, n), want <= max_points


# --------------------------------------------------------------------------------------
# Harmonic signals (multi-tone input whose harmonics fold)
# --------------------------------------------------------------------------------------
SHAPES = ("square", "sawtooth", "triangle")


def harmonic_series(shape: str, f0_hz: float, n_harmonics: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frequencies, amplitudes and phases of the first harmonics of a classic wave.

    The Fourier series (peak amplitude 1) written as ``sum a_n sin(2 pi n f0 t + phi_n)``:

    * square: ``4 / (pi n)`` on odd ``n``;
    * sawtooth (rising): ``2 / (pi n)``, alternating sign (phase ``pi`` on even ``n``);
    * triangle: ``8 / (pi^2 n^2)`` on odd ``n``, alternating sign.

    Only non-zero harmonics are returned: ``n_harmonics`` of them.

    Returns
    -------
    freqs_hz, amplitudes, phases_rad : np.ndarray
    """
    if not isinstance(shape, str) or shape not in SHAPES:
        raise InputError(f"Unknown wave shape {shape!r}; choose one of {', '.join(SHAPES)}.")
    n_harmonics = check_int(n_harmonics, "The number of harmonics", lo=1, hi=100_000)
    if np.ndim(f0_hz) != 0:
        raise InputError("The fundamental is one frequency (a number).")
    f0_hz = float(_check_freq(f0_hz, "The fundamental"))
    if f0_hz <= 0:
        raise InputError(f"The fundamental must be above 0 Hz; got {f0_hz:g} Hz.")
    # The closed forms live in lib.fourier; keep the first n_harmonics non-zero terms.
    from lib.fourier import series_coefficients

    n_max = int(n_harmonics) if shape == "sawtooth" else 2 * int(n_harmonics) - 1
    amp, phase = series_coefficients(shape, n_max)
    n = np.flatnonzero(amp > 1e-12) + 1
    return n * f0_hz, amp[n - 1].astype(np.float64), np.mod(phase[n - 1], 2 * np.pi).astype(np.float64)


def _harmonics(freqs_hz, amplitudes, phases_rad) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    f = _check_freq(freqs_hz, "The frequencies").ravel()
    a = check_values(amplitudes, "The amplitudes", lo=-MAX_AMPLITUDE, hi=MAX_AMPLITUDE).ravel()
    p = check_values(phases_rad, "The phases", lo=-1e6, hi=1e6).ravel()
    if not (f.size == a.size == p.size):
        raise InputError(f"Need one amplitude and one phase per frequency; got {f.size}, {a.size} and {p.size}.")
    return f, a, p


def sum_of_sines(freqs_hz, amplitudes, phases_rad, t: np.ndarray) -> np.ndarray:
    """``sum_i a_i sin(2 pi f_i t + phi_i)`` evaluated at ``t`` (vectorised, chunked)."""
    f, a, p = _harmonics(freqs_hz, amplitudes, phases_rad)
    t = check_values(t, "The times", ndim=(0, 1), lo=-1e9, hi=1e9)
    if t.size * f.size > MAX_WORK:
        raise InputError(f"{f.size:,} sines at {t.size:,} instants is too much work here.")
    shape, t = t.shape, np.atleast_1d(t)
    out = np.zeros(t.shape)
    step = max(1, _SINC_CHUNK // max(f.size, 1))
    for s in range(0, t.size, step):
        tt = t[s : s + step]
        out[s : s + step] = np.sin(2 * np.pi * tt[:, None] * f[None, :] + p[None, :]) @ a
    return out.reshape(shape)


def sampled_harmonics(freqs_hz, amplitudes, phases_rad, sr: int, n_samples: int) -> np.ndarray:
    """``sum_i a_i sin(2 pi f_i n / sr + phi_i)`` for ``n = 0 .. n_samples-1``, aliasing included, via one FFT.

    When every ``f_i`` is a whole number of Hz and ``sr`` is an integer, the sampled
    signal repeats every second (``sr`` samples), and each harmonic is exactly one
    line of an ``sr``-point DFT: at bin ``f_i mod sr`` (which is where aliasing puts
    it) with its mirror at ``-f_i mod sr``. Building that spectrum and inverting it
    costs ``O(sr log sr)`` however many harmonics there are; the result equals the
    direct sum to rounding error. Other frequencies fall back to :func:`sum_of_sines`.
    """
    f, a, p = _harmonics(freqs_hz, amplitudes, phases_rad)
    sr = _check_sr(sr)
    n_samples = check_int(n_samples, "The number of samples", lo=0, hi=MAX_SAMPLES)
    if float(sr) != int(sr) or not np.allclose(f, np.round(f), rtol=0, atol=1e-9):
        return sum_of_sines(f, a, p, np.arange(n_samples) / float(sr))
    sr = int(sr)
    bins = np.round(f).astype(np.int64) % sr
    spec = np.zeros(sr, dtype=np.complex128)
    # sin(theta) = (e^{i theta} - e^{-i theta}) / 2i, and ifft divides by sr
    np.add.at(spec, bins, a * np.exp(1j * p) / 2j * sr)
    np.add.at(spec, (-bins) % sr, -a * np.exp(-1j * p) / 2j * sr)
    period = np.fft.ifft(spec).real
    reps = int(np.ceil(n_samples / sr))
    return np.tile(period, reps)[:n_samples]


# --------------------------------------------------------------------------------------
# Sweeps and playback
# --------------------------------------------------------------------------------------
def sampled_chirp(f0_hz: float, f1_hz: float, sr: float, duration_s: float, *, amplitude: float = 0.5) -> dict:
    """A linear sweep from ``f0_hz`` to ``f1_hz`` *sampled* at ``sr`` (no anti-alias filter).

    ``x[n] = A sin(2 pi (f0 t + (f1 - f0) t^2 / (2T)))`` at ``t = n / sr``: the
    analogue sweep is evaluated at the sample instants, exactly what an ideal
    sampler without a low-pass in front would record.

    Returns
    -------
    dict
        ``t`` (s), ``x`` samples, ``f_true`` (instantaneous frequency, Hz) and
        ``f_apparent`` (its alias, Hz), all ``(n,)``.
    """
    sr = _check_sr(sr)
    duration_s = check_number(duration_s, "Duration", lo=0.0, lo_open=True, unit="s")
    f0_hz = check_number(f0_hz, "The start frequency", hi=MAX_FREQ_HZ, unit="Hz")
    f1_hz = check_number(f1_hz, "The end frequency", hi=MAX_FREQ_HZ, unit="Hz")
    amplitude = check_number(amplitude, "The amplitude", lo=-MAX_AMPLITUDE, hi=MAX_AMPLITUDE)
    if duration_s * sr > MAX_SAMPLES:
        raise InputError(f"{duration_s:g} s at {sr:g} Hz is {duration_s * sr:,.0f} samples; at most {MAX_SAMPLES:,}.")
    if min(f0_hz, f1_hz) < 0:
        raise InputError("Sweep frequencies must be 0 Hz or more.")
    t = np.arange(int(round(duration_s * sr))) / sr
    k = (f1_hz - f0_hz) / duration_s
    x = amplitude * np.sin(2 * np.pi * (f0_hz * t + 0.5 * k * t * t))
    f_true = f0_hz + k * t
    return {"t": t, "x": x, "f_true": f_true, "f_apparent": alias_frequency(f_true, sr)}


def playback_rate(sr: float, *, at_least: float = 40_000.0) -> int:
    """Smallest integer multiple of ``sr`` that is at least ``at_least`` Hz (for clean upsampling)."""
    sr = _check_sr(sr)
    at_least = check_number(at_least, "The lowest playback rate", lo=0.0, hi=1e7, unit="Hz")
    return int(round(sr * max(1, int(np.ceil(at_least / sr - 1e-9)))))


def upsample(x: np.ndarray, factor: int, *, method: str = "sinc") -> np.ndarray:
    """Raise the sample rate by an integer ``factor`` for playback.

    * ``"zoh"``: repeat each sample ``factor`` times (a staircase DAC: the images
      at ``k sr +- f`` stay, only softened by the hold's sinc-shaped response);
    * ``"sinc"``: insert zeros and low-pass at the old Nyquist
      (``scipy.signal.resample_poly``, a windowed-sinc interpolator): only the
      baseband ``[0, sr/2]`` remains, which is what an ideal DAC plays.
    """
    factor = check_int(factor, "The upsampling factor", lo=1, hi=4096)
    x = check_signal(x, "The samples", dtype=np.float64, max_abs=MAX_AMPLITUDE)
    if x.size * factor > MAX_SAMPLES:
        raise InputError(f"Upsampling {x.size:,} samples by {factor} makes too many samples (at most {MAX_SAMPLES:,}).")
    if factor == 1:
        return x.copy()
    if method == "zoh":
        return np.repeat(x, factor)
    if method == "sinc":
        from scipy.signal import resample_poly

        return resample_poly(x, factor, 1)
    raise InputError(f"Unknown upsampling method {method!r}; choose 'zoh' or 'sinc'.")


# --------------------------------------------------------------------------------------
# Decimation with and without an anti-alias filter
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AntiAliasFilter:
    """A low-pass designed for decimation, applied forward and backward (zero phase).

    ``kind`` is "fir" (Kaiser-windowed sinc with ``order + 1`` taps), "butter"
    (Butterworth IIR) or "cheby2" (Chebyshev type II IIR, equiripple stopband of
    ``stopband_db`` starting at the cutoff). ``ba`` holds FIR taps, ``sos`` IIR
    second-order sections.
    """

    kind: str
    order: int
    cutoff_hz: float
    sr: float
    taps: np.ndarray | None = None
    sos: np.ndarray | None = None
    stopband_db: float = 60.0

    def response(self, n: int = 2048) -> tuple[np.ndarray, np.ndarray]:
        """Frequencies (Hz) and magnitude (dB) of the *effective* (forward-backward) response.

        Filtering twice squares the magnitude, so the dB values are doubled.
        """
        from scipy.signal import freqz, sosfreqz

        if self.taps is not None:
            w, h = freqz(self.taps, worN=n, fs=self.sr)
            mag = np.abs(h)  # applied once, centred (zero phase): magnitude as is
        else:
            w, h = sosfreqz(self.sos, worN=n, fs=self.sr)
            mag = np.abs(h) ** 2
        return w, 20 * np.log10(np.maximum(mag, 1e-12))

    def apply(self, y: np.ndarray) -> np.ndarray:
        y = np.asarray(y, dtype=np.float64)
        if self.taps is not None:
            # Odd-length symmetric FIR, centred: zero phase, no delay to undo.
            from scipy.signal import oaconvolve

            half = (len(self.taps) - 1) // 2
            return oaconvolve(y, self.taps, mode="full")[half : half + len(y)]
        from scipy.signal import sosfiltfilt

        padlen = min(3 * (2 * len(self.sos) + 1), len(y) - 1)
        return sosfiltfilt(self.sos, y, padlen=max(padlen, 0))


def design_antialias(sr: float, factor: int, *, cutoff: float = 0.9, order: int = 8, kind: str = "butter",
                     stopband_db: float = 60.0) -> AntiAliasFilter:
    """Design the low-pass to use before keeping every ``factor``-th sample.

    Parameters
    ----------
    sr : float
        The input's sampling rate in Hz.
    factor : int
        Decimation factor (the new rate is ``sr / factor``).
    cutoff : float
        Cutoff as a fraction of the *new* Nyquist frequency ``sr / (2 factor)``
        (0 < cutoff <= 1). For "butter" and "fir" it is the -6 dB / -3 dB point,
        for "cheby2" where the stopband begins.
    order : int
        IIR order, or FIR order (taps - 1, rounded up to even).
    kind : {"fir", "butter", "cheby2"}
    stopband_db : float
        Chebyshev II stopband attenuation (per pass) in dB.
    """
    from scipy import signal as ss

    sr = _check_sr(sr)
    factor = check_int(factor, "The decimation factor", lo=1, hi=1_000_000)
    order = check_int(order, "The filter order", lo=1, hi=100_000)
    cutoff = check_number(cutoff, "The cutoff")
    stopband_db = check_number(stopband_db, "The stopband attenuation", lo=1.0, hi=300.0, unit="dB")
    if not 0 < cutoff <= 1:
        raise InputError(f"Cutoff must be a fraction of the new Nyquist in (0, 1]; got {cutoff:g}.")
    if not isinstance(kind, str) or kind not in FILTERS:
        raise InputError(f"Unknown filter {kind!r}; choose one of {', '.join(FILTERS)}.")
    if order < 1:
        raise InputError(f"Filter order must be at least 1; got {order}.")
    cutoff_hz = cutoff * sr / (2 * factor)
    if cutoff_hz >= sr / 2:  # factor 1, cutoff 1: the "low-pass" would be at Nyquist itself
        cutoff_hz = 0.999 * sr / 2
    if kind == "fir":
        numtaps = order + 1 if order % 2 == 0 else order + 2
        taps = ss.firwin(numtaps, cutoff_hz, window=("kaiser", 8.6), fs=sr)
        return AntiAliasFilter("fir", numtaps - 1, cutoff_hz, sr, taps=taps)
    if order > 40:
        raise InputError(f"IIR order {order} is numerically risky; use 40 or less (or the FIR).")
    if kind == "butter":
        sos = ss.butter(order, cutoff_hz, btype="low", output="sos", fs=sr)
    else:
        sos = ss.cheby2(order, stopband_db, cutoff_hz, btype="low", output="sos", fs=sr)
    return AntiAliasFilter(kind, order, cutoff_hz, sr, sos=sos, stopband_db=stopband_db)


def decimate(y: np.ndarray, factor: int, *, antialias: bool = True, sr: float = 1.0, cutoff: float = 0.9,
             order: int = 8, kind: str = "butter", stopband_db: float = 60.0) -> np.ndarray:
    """Keep every ``factor``-th sample, with or without an anti-alias low-pass first.

    Naive (``antialias=False``): ``y[::factor]``. Everything between the new
    Nyquist ``sr / (2 factor)`` and the old one folds down into the new band.
    With ``antialias=True`` a low-pass (see :func:`design_antialias`) removes
    that band first, so what remains is quieter but free of folded energy.

    Parameters
    ----------
    y : np.ndarray
        Mono samples.
    factor : int
        Keep one sample in ``factor`` (1 returns a copy).
    antialias : bool
        Low-pass before discarding samples.
    sr : float
        Input sampling rate in Hz (only scales the filter design; the result
        does not depend on it when ``cutoff`` is relative).
    cutoff, order, kind, stopband_db
        Filter parameters, as in :func:`design_antialias`.

    Returns
    -------
    np.ndarray
        ``ceil(len(y) / factor)`` samples at rate ``sr / factor``.

    Raises
    ------
    InputError
        For a factor below 1 or a clip shorter than two output samples.
    """
    if np.ndim(y) != 1:
        raise InputError("Decimation needs a mono signal (one channel).")
    y = check_signal(y, "The clip", min_len=0, dtype=np.float64, max_abs=MAX_AMPLITUDE)
    factor = check_int(factor, "The decimation factor", lo=1, hi=1_000_000)
    if factor == 1:
        return y.copy()
    if len(y) < 2 * factor:
        raise InputError(
            f"The clip has {len(y)} samples: too short to decimate by {factor} "
            f"(need at least {2 * factor} to keep two samples)."
        )
    if antialias:
        y = design_antialias(sr, factor, cutoff=cutoff, order=order, kind=kind, stopband_db=stopband_db).apply(y)
    return y[::factor].copy()


# --------------------------------------------------------------------------------------
# Wagon wheel / strobe
# --------------------------------------------------------------------------------------
def wheel_apparent_rate(rev_per_s: float, fps: float, *, n_spokes: int = 1) -> float:
    """Apparent rotation rate (rev/s) of a wheel with ``n_spokes`` identical spokes filmed at ``fps``.

    The picture repeats every ``1 / n_spokes`` of a turn, so the spoke pattern
    "frequency" is ``n_spokes * rev_per_s``; its signed alias at ``fps``,
    divided back by ``n_spokes``, is the rotation you see (negative = backwards).
    """
    n_spokes = check_int(n_spokes, "The number of spokes", lo=1, hi=1000)
    fps = _check_sr(fps, "Frame rate")
    rev_per_s = check_number(rev_per_s, "The rotation rate", lo=-1e6, hi=1e6, unit="rev/s")
    return float(signed_alias(rev_per_s * n_spokes, fps)) / n_spokes


def wheel_angles(rev_per_s: float, fps: float, n_frames: int) -> np.ndarray:
    """Angle (radians, counter-clockwise) of the wheel in each of ``n_frames`` snapshots."""
    fps = _check_sr(fps, "Frame rate")
    rev_per_s = check_number(rev_per_s, "The rotation rate", lo=-1e6, hi=1e6, unit="rev/s")
    n_frames = check_int(n_frames, "The number of frames", lo=0, hi=MAX_SAMPLES)
    return 2 * np.pi * rev_per_s * np.arange(n_frames) / fps
