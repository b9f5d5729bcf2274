"""Fourier series: build periodic waves from harmonics, and take real ones apart.

Convention used everywhere in this module (the *sine-phase* convention)::

    x(t) = dc + sum_{n=1}^{N} A_n sin(2 pi n f0 t + phi_n),   A_n >= 0,  phi_n in (-pi, pi]

``amplitudes[n-1]`` and ``phases[n-1]`` (radians) belong to harmonic ``n``.
A closed-form coefficient ``b_n`` of ``sin(n theta)`` that is negative is
stored as amplitude ``|b_n|`` with phase ``pi`` (``-sin(x) = sin(x + pi)``);
a harmonic with zero amplitude gets phase 0. A cosine term is a sine with
phase ``pi/2``.

Time inside one period is measured in *cycles* (``u = f0 t``, one period =
``0 <= u < 1``), so the shapes do not depend on f0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lib.errors import (MAX_AMPLITUDE, MAX_SAMPLES, MAX_WORK, InputError, check_choice, check_int, check_number,
                        check_signal, check_sr, check_values)

_BLAS_CONTROLLER = None


def _one_blas_thread():
    """Context that runs BLAS/LAPACK single-threaded.

    The least-squares problems here are small (hundreds of rows, < 130
    columns): threads buy nothing, and on a busy 2-core machine OpenBLAS's
    thread pool turned a 1 ms ``lstsq`` into 0.5 s. Falls back to a no-op if
    ``threadpoolctl`` (a scikit-learn dependency) is missing.
    """
    global _BLAS_CONTROLLER
    try:
        if _BLAS_CONTROLLER is None:
            from threadpoolctl import ThreadpoolController

            _BLAS_CONTROLLER = ThreadpoolController()
        return _BLAS_CONTROLLER.limit(limits=1, user_api="blas")
    except Exception:  # threadpoolctl absent or unable to inspect the BLAS: run as is
        from contextlib import nullcontext

        return nullcontext()


#: Shapes :func:`series_coefficients` and :func:`target_waveform` know.
SHAPES = ("sine", "square", "sawtooth", "triangle", "pulse")

#: How each shape's harmonic amplitudes fall with n (for annotations).
DECAY_LAWS = {
    "sine": "a single harmonic",
    "square": "1/n, odd harmonics only",
    "sawtooth": "1/n, all harmonics",
    "triangle": "1/n², odd harmonics only",
    "pulse": "1/n envelope times |sin(π n d)| (zeros at multiples of 1/d)",
}

#: Gibbs constant: the overshoot of a Fourier partial sum at a jump, as a
#: fraction of the jump, as N -> infinity: Si(pi)/pi - 1/2.
GIBBS_FRACTION = 0.08948987223608362


#: Most harmonics any call handles (the pages use up to 200; the benchmark a few thousand).
MAX_HARMONICS = 100_000


def _coeffs(amplitudes, phases) -> tuple[np.ndarray, np.ndarray]:
    """Amplitudes and phases: two finite 1-D arrays of the same length."""
    a = check_values(amplitudes, "The amplitudes", ndim=1, lo=-MAX_AMPLITUDE, hi=MAX_AMPLITUDE, max_len=MAX_HARMONICS)
    p = check_values(phases, "The phases", ndim=1, lo=-1e6, hi=1e6, max_len=MAX_HARMONICS)
    if a.shape != p.shape:
        raise InputError("Amplitudes and phases must be two lists of the same length.")
    return a, p


def _curve(x, name: str) -> np.ndarray:
    return check_signal(x, name, dtype=np.float64, max_abs=1e12, ndim=(1, 2))


def _check_shape(shape: str) -> str:
    if not isinstance(shape, str) or shape not in SHAPES:
        raise InputError(f"Unknown wave shape {shape!r}; choose one of {', '.join(SHAPES)}.")
    return shape


def _check_n(n_harmonics) -> int:
    return check_int(n_harmonics, "The number of harmonics", lo=1, hi=MAX_HARMONICS)


def _check_duty(duty: float) -> float:
    duty = check_number(duty, "The pulse duty cycle")
    if not 0.0 < duty < 1.0:
        raise InputError(
            f"The pulse duty cycle must be strictly between 0 and 1; got {duty:g}. "
            "At 0 or 1 the 'pulse' is a constant with no harmonics at all."
        )
    return duty


def _wrap(phi: np.ndarray) -> np.ndarray:
    """Wrap phases to (-pi, pi]."""
    out = np.mod(np.asarray(phi, dtype=np.float64) + np.pi, 2 * np.pi) - np.pi
    out[np.isclose(out, -np.pi)] = np.pi
    return out


def signed_to_polar(b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Signed sine coefficients ``b_n`` -> (amplitude ``|b_n|``, phase 0 or pi)."""
    b = check_values(b, "The coefficients", ndim=1, max_len=MAX_HARMONICS)
    amp = np.abs(b)
    phase = np.where(b < 0, np.pi, 0.0)
    phase[amp == 0] = 0.0
    return amp, phase


def series_coefficients(shape: str, n_harmonics: int, *, duty: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Closed-form Fourier series of a textbook wave, harmonics 1..N.

    Parameters
    ----------
    shape : {"sine", "square", "sawtooth", "triangle", "pulse"}
        The target waves of :func:`target_waveform` (all swing between -1 and +1):

        * sine: ``sin(2 pi u)``: ``A_1 = 1``.
        * square: +1 for ``0 < u < 1/2``, -1 after: ``b_n = 4/(pi n)`` for odd n, 0 for even n.
        * sawtooth: rising ramp ``2u`` for ``-1/2 < u < 1/2`` (jump at ``u = 1/2``):
          ``b_n = 2 (-1)^(n+1) / (pi n)``, so even harmonics get phase ``pi``.
        * triangle: peak +1 at ``u = 1/4``, -1 at ``u = 3/4``:
          ``b_n = 8 (-1)^((n-1)/2) / (pi^2 n^2)`` for odd n (n = 3, 7, 11 ... get phase ``pi``).
        * pulse: +1 for ``0 <= u < duty``, -1 after (``duty = 0.5`` is the square).
          Complex coefficient ``c_n = 2 e^{-i pi n d} sin(pi n d) / (pi n)``, so
          ``A_n = 4 |sin(pi n d)| / (pi n)`` and ``phi_n = pi/2 - pi n d`` (+ pi
          where ``sin(pi n d) < 0``). Its mean is ``2d - 1``: returned by
          :func:`series_dc`, not here.
    n_harmonics : int
        N >= 1.
    duty : float
        Fraction of the period the pulse is high, strictly between 0 and 1 (pulse only).

    Returns
    -------
    amplitudes, phases : ndarray, shape (N,)
        ``A_n >= 0`` and ``phi_n`` in radians, (-pi, pi], sine-phase convention
        (see the module docstring).

    Example
    -------
    >>> a, p = series_coefficients("square", 3)
    >>> np.round(a, 4)   # 4/pi, 0, 4/(3 pi)
    array([1.2732, 0.    , 0.4244])
    """
    _check_shape(shape)
    n_max = _check_n(n_harmonics)
    n = np.arange(1, n_max + 1, dtype=np.float64)
    odd = (n % 2) == 1
    if shape == "sine":
        return (n == 1).astype(np.float64), np.zeros(n_max)
    if shape == "square":
        return signed_to_polar(np.where(odd, 4.0 / (np.pi * n), 0.0))
    if shape == "sawtooth":
        return signed_to_polar(2.0 * (-1.0) ** (n + 1) / (np.pi * n))
    if shape == "triangle":
        sign = (-1.0) ** ((n - 1) // 2)
        return signed_to_polar(np.where(odd, 8.0 * sign / (np.pi**2 * n**2), 0.0))
    d = _check_duty(duty)
    s = np.sin(np.pi * n * d)
    amp = 4.0 * np.abs(s) / (np.pi * n)
    phase = np.pi / 2 - np.pi * n * d + np.where(s < 0, np.pi, 0.0)
    # sin(pi n d) is exactly zero at n d integer; rounding leaves ~1e-16.
    tiny = amp < 1e-12
    amp[tiny] = 0.0
    phase = _wrap(phase)
    phase[tiny] = 0.0
    return amp, phase


def series_dc(shape: str, *, duty: float = 0.5) -> float:
    """Mean value (the n = 0 term) of the target wave: ``2 duty - 1`` for the pulse, else 0."""
    _check_shape(shape)
    if shape == "pulse":
        return 2.0 * _check_duty(duty) - 1.0
    return 0.0


def mean_square(shape: str, *, duty: float = 0.5) -> float:
    """Mean of x(t)^2 over a period (what Parseval's sum must reach).

    Square and pulse: 1 (the wave is always +-1); sawtooth and triangle: 1/3;
    sine: 1/2.
    """
    _check_shape(shape)
    if shape == "pulse":
        _check_duty(duty)
    return {"sine": 0.5, "square": 1.0, "sawtooth": 1.0 / 3.0, "triangle": 1.0 / 3.0, "pulse": 1.0}[shape]


def target_waveform(shape: str, u: np.ndarray, *, duty: float = 0.5) -> np.ndarray:
    """The ideal wave at times ``u`` measured in cycles (period 1).

    At a jump the value is the midpoint of the two sides (where a Fourier
    series converges), so the numeric Fourier integrals match the closed forms.
    """
    _check_shape(shape)
    u = np.mod(check_values(u, "The times", ndim=(0, 1, 2), lo=-1e12, hi=1e12), 1.0)
    if shape == "sine":
        return np.sin(2 * np.pi * u)
    if shape == "square":
        return np.sign(0.5 - u) * (u != 0)
    if shape == "sawtooth":
        w = np.where(u >= 0.5, u - 1.0, u)  # -1/2 <= w < 1/2
        y = 2.0 * w
        y[np.isclose(u, 0.5)] = 0.0
        return y
    if shape == "triangle":
        return 2.0 / np.pi * np.arcsin(np.sin(2 * np.pi * u))
    d = _check_duty(duty)
    y = np.where(u < d, 1.0, -1.0)
    y[np.isclose(u, 0.0) | np.isclose(u, d)] = 0.0
    return y


def jump_positions(shape: str, *, duty: float = 0.5) -> list[float]:
    """Where (in cycles) the target wave jumps; empty for continuous waves."""
    _check_shape(shape)
    if shape == "square":
        return [0.0, 0.5]
    if shape == "sawtooth":
        return [0.5]
    if shape == "pulse":
        return [0.0, _check_duty(duty)]
    return []


def period_grid(n_points: int = 2048) -> np.ndarray:
    """``n_points`` uniformly spaced times in cycles over one period, ``[0, 1)``."""
    n_points = check_int(n_points, "The number of points per period", hi=MAX_SAMPLES)
    if n_points < 2:
        raise InputError(f"Need at least 2 points per period; got {n_points}.")
    return np.arange(n_points) / float(n_points)


def partial_sum(amplitudes, phases, u: np.ndarray | int = 2048, *, dc: float = 0.0) -> np.ndarray:
    """Evaluate ``dc + sum A_n sin(2 pi n u + phi_n)`` at times ``u`` (cycles).

    Pass an integer M instead of ``u`` for M uniform points over one period:
    that case is a single inverse FFT (``O(M log M)``, fast for hundreds of
    harmonics); arbitrary ``u`` costs ``O(N len(u))``.
    """
    a, p = _coeffs(amplitudes, phases)
    dc = check_number(dc, "The DC offset", lo=-MAX_AMPLITUDE, hi=MAX_AMPLITUDE)
    if np.isscalar(u) or np.ndim(u) == 0:
        m = check_int(u, "The number of points", lo=2, hi=MAX_SAMPLES)
        if m < 2 * len(a) + 2:  # too few points for the FFT route: harmonics would wrap around
            return partial_sum(a, p, period_grid(m), dc=dc)
        spec = np.zeros(m, dtype=np.complex128)
        spec[1 : len(a) + 1] = a * np.exp(1j * p)
        # sum A_n sin(2 pi n k/m + phi_n) = Im(sum C_n e^{i 2 pi n k/m}) = Im(m * ifft(C)[k])
        return (m * np.fft.ifft(spec)).imag + dc
    u = check_values(u, "The times", ndim=(1, 2), lo=-1e9, hi=1e9)
    if u.size * np.count_nonzero(a) > MAX_WORK:
        raise InputError(f"{len(a):,} harmonics at {u.size:,} instants is too much work here.")
    n = np.arange(1, len(a) + 1)
    out = np.full(u.shape, float(dc))
    for k in range(len(a)):
        if a[k] != 0.0:
            out += a[k] * np.sin(2 * np.pi * n[k] * u + p[k])
    return out


def synthesize(amplitudes, phases, f0_hz: float, sr: float, duration_s: float, *, dc: float = 0.0,
               band_limit: bool = False) -> np.ndarray:
    """Sample ``dc + sum A_n sin(2 pi n f0 t + phi_n)`` at rate ``sr`` for ``duration_s``.

    Parameters
    ----------
    amplitudes, phases : array_like, shape (N,)
        Harmonic n is ``amplitudes[n-1] sin(2 pi n f0 t + phases[n-1])`` (phases in radians).
    f0_hz : float
        Fundamental frequency, ``0 < f0 < sr/2``.
    sr : float
        Sampling rate in Hz.
    duration_s : float
        Length in seconds.
    band_limit : bool
        Drop harmonics at or above Nyquist (``n f0 >= sr/2``). When False they are
        sampled as they are and fold back (alias) to ``|n f0 - sr round(n f0 / sr)|``.

    Returns
    -------
    ndarray, float64, shape (round(sr * duration_s),)
    """
    a, p = _coeffs(amplitudes, phases)
    sr = check_sr(sr)
    f0_hz = check_number(f0_hz, "The fundamental frequency", unit="Hz")
    duration_s = check_number(duration_s, "Duration", unit="s")
    dc = check_number(dc, "The DC offset", lo=-MAX_AMPLITUDE, hi=MAX_AMPLITUDE)
    if not f0_hz > 0:
        raise InputError(f"The fundamental frequency must be positive; got {f0_hz:g} Hz.")
    if f0_hz >= sr / 2:
        raise InputError(
            f"The fundamental {f0_hz:g} Hz is at or above the Nyquist frequency ({sr / 2:g} Hz) "
            f"of {sr:g} Hz sampling: not even the first harmonic can be represented."
        )
    if duration_s <= 0:
        raise InputError(f"Duration must be positive; got {duration_s} s.")
    if sr * duration_s > MAX_SAMPLES or sr * duration_s * np.count_nonzero(a) > MAX_WORK:
        raise InputError(f"{duration_s:g} s at {sr:g} Hz with {np.count_nonzero(a)} harmonics is too much to "
                         "synthesise here; shorten it or use fewer harmonics.")
    n_samples = int(round(sr * duration_s))
    t = np.arange(n_samples) / float(sr)
    # Harmonic n is Im(A_n e^{i phi_n} z^n) with z = e^{i 2 pi f0 t}: one complex multiply per
    # harmonic instead of one sin() (6x faster). z^n is recomputed exactly every 32 harmonics so
    # rounding cannot build up; phases are taken in cycles mod 1 to stay precise for long signals.
    base = np.mod(f0_hz * t, 1.0)
    step = np.exp(2j * np.pi * base)
    z = np.ones(n_samples, dtype=np.complex128)
    acc = np.zeros(n_samples, dtype=np.complex128)
    for k in range(len(a)):
        n = k + 1
        z = np.exp(2j * np.pi * np.mod(n * base, 1.0)) if n % 32 == 0 else z * step
        if a[k] == 0.0 or (band_limit and n * f0_hz >= sr / 2):
            continue
        acc += (a[k] * np.exp(1j * p[k])) * z
    return acc.imag + float(dc)


def harmonics_above_nyquist(n_harmonics: int, f0_hz: float, sr: float, amplitudes=None) -> list[tuple[int, float, float]]:
    """Harmonics with ``n f0 >= sr/2``: list of (n, frequency Hz, aliased frequency Hz).

    Harmonics whose amplitude (if given) is zero are not listed: they add nothing.
    """
    n_harmonics = _check_n(n_harmonics)
    f0_hz = check_number(f0_hz, "The fundamental frequency", lo=0.0, lo_open=True, hi=1e9, unit="Hz")
    sr = check_sr(sr)
    if amplitudes is not None:
        amplitudes = check_values(amplitudes, "The amplitudes", ndim=1, min_len=n_harmonics, max_len=MAX_HARMONICS)
    # vectorised: the harmonic count can be large, and only those above Nyquist are listed
    n = np.arange(max(1, int(np.ceil(sr / 2 / f0_hz - 1e-12))), n_harmonics + 1)
    n = n[n * f0_hz >= sr / 2]
    if amplitudes is not None:
        n = n[amplitudes[n - 1] != 0]
    f = n * f0_hz
    alias = np.abs(f - sr * np.round(f / sr))
    return [(int(k), float(fk), float(ak)) for k, fk, ak in zip(n, f, alias)]


def gibbs_overshoot(partial_sum, target) -> float:
    """Overshoot of a partial sum past its target, as a fraction of the jump.

    ``max(max(s) - max(x), min(x) - min(s)) / (max(x) - min(x))``: the larger
    of the overshoot above the top and below the bottom, divided by the
    target's peak-to-peak range (which is the jump for square, sawtooth and
    pulse waves). For a jump this tends to ``Si(pi)/pi - 1/2 ~ 0.0895`` as
    N grows (Gibbs): the ripple narrows but never shrinks. Sample the partial
    sum finely near the jump (its first peak is ``~1/(2N)`` of a period wide),
    or the maximum is missed.

    Parameters
    ----------
    partial_sum, target : array_like
        The same times, the same length.

    Returns
    -------
    float
        The overshoot fraction; negative when the sum stays inside the target's range.
    """
    s = _curve(partial_sum, "The partial sum")
    x = _curve(target, "The target")
    if s.shape != x.shape or s.size == 0:
        raise InputError("The partial sum and the target must have the same, non-zero length.")
    jump = float(x.max() - x.min())
    if jump <= 0:
        raise InputError("The target is constant: there is no jump to overshoot.")
    return float(max(s.max() - x.max(), x.min() - s.min()) / jump)


def smoothing_factors(n_harmonics: int, method: str = "lanczos") -> np.ndarray:
    """Per-harmonic weights that tame the Gibbs ripple.

    * ``"none"``: all ones.
    * ``"lanczos"`` (sigma approximation): ``sigma_n = sinc(n / (N+1)) = sin(pi n/(N+1)) / (pi n/(N+1))``;
      the ripple drops to about 1.2 % of the jump.
    * ``"fejer"``: ``1 - n/(N+1)``, the Cesaro mean of the partial sums; its
      kernel is never negative, so there is no overshoot at all (but the edge
      is blurred more).
    """
    n_max = _check_n(n_harmonics)
    method = check_choice(method, "The smoothing", ("none", "lanczos", "fejer"))
    n = np.arange(1, n_max + 1, dtype=np.float64)
    if method == "none":
        return np.ones(n_max)
    if method == "lanczos":
        return np.sinc(n / (n_max + 1))
    if method == "fejer":
        return 1.0 - n / (n_max + 1)
    raise InputError(f"Unknown smoothing {method!r}; choose none, lanczos or fejer.")


def rms_error(partial_sum, target) -> float:
    """Root-mean-square difference between a partial sum and its target."""
    s = _curve(partial_sum, "The partial sum")
    x = _curve(target, "The target")
    if s.shape != x.shape:
        raise InputError("The partial sum and the target must have the same length.")
    return float(np.sqrt(np.mean((s - x) ** 2)))


def rms_error_vs_n(shape: str, n_max: int, *, duty: float = 0.5, smoothing: str = "none") -> np.ndarray:
    """RMS error of the N-term partial sum for N = 1..n_max (exact, via Parseval).

    Without smoothing, ``e_N^2 = mean(x^2) - dc^2 - sum_{n<=N} A_n^2 / 2``
    because the partial sum is the orthogonal projection of x. With smoothing
    weights ``w_n`` the error adds the part of the kept harmonics that the
    weights removed: ``sum_{n<=N} (1-w_n)^2 A_n^2 / 2``.
    """
    n_max = check_int(n_max, "The largest N", lo=1, hi=20_000)  # the loop below is O(n_max^2)
    check_choice(smoothing, "The smoothing", ("none", "lanczos", "fejer"))
    amps, _ = series_coefficients(shape, n_max, duty=duty)
    ms = mean_square(shape, duty=duty) - series_dc(shape, duty=duty) ** 2
    half_power = amps**2 / 2
    out = np.empty(n_max)
    for N in range(1, n_max + 1):
        w = smoothing_factors(N, smoothing)
        kept = np.sum(half_power[:N])
        lost = np.sum((1 - w) ** 2 * half_power[:N])
        out[N - 1] = np.sqrt(max(ms - kept + lost, 0.0))
    return out


def overshoot_vs_n(shape: str, ns, *, duty: float = 0.5, smoothing: str = "none", points_per_ripple: int = 64) -> np.ndarray:
    """Gibbs overshoot (fraction of the jump) of the N-term partial sum for each N in ``ns``.

    Each sum is evaluated on a uniform grid fine enough to catch the first
    ripple peak (``points_per_ripple`` samples per ``1/(2N)`` of a period).
    """
    ns = check_values(ns, "The harmonic counts", ndim=(0, 1), lo=1, hi=MAX_HARMONICS, max_len=1000).astype(int)
    points_per_ripple = check_int(points_per_ripple, "Points per ripple", lo=2, hi=1024)
    check_choice(smoothing, "The smoothing", ("none", "lanczos", "fejer"))
    if sum(max(4096, 2 * int(N) * points_per_ripple) for N in np.atleast_1d(ns)) > MAX_SAMPLES:
        raise InputError("That many partial sums that finely sampled is too much work here.")
    out = []
    for N in np.atleast_1d(ns):
        a, p = series_coefficients(shape, int(N), duty=duty)
        a = a * smoothing_factors(int(N), smoothing)
        m = int(max(4096, 2 * N * points_per_ripple))
        u = period_grid(m)
        s = partial_sum(a, p, m, dc=series_dc(shape, duty=duty))
        out.append(gibbs_overshoot(s, target_waveform(shape, u, duty=duty)))
    return np.asarray(out)


def decay_exponent(amplitudes, *, rel_floor: float = 1e-6) -> float:
    """Fitted k in ``A_n ~ C n^-k`` (least squares on log A vs log n, non-zero harmonics only).

    Square and sawtooth give 1, triangle 2. NaN with fewer than two usable harmonics.
    """
    a = check_values(amplitudes, "The amplitudes", ndim=1, min_len=1, lo=0.0, max_len=MAX_HARMONICS)
    rel_floor = check_number(rel_floor, "The relative floor", lo=0.0, hi=1.0)
    n = np.arange(1, len(a) + 1)
    keep = a > rel_floor * (a.max() if a.size else 0.0)
    if keep.sum() < 2:
        return float("nan")
    slope, _ = np.polyfit(np.log(n[keep]), np.log(a[keep]), 1)
    return float(-slope)


def phase_scramble(amplitudes, phases, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Same magnitudes, new random phases (uniform on (-pi, pi], reproducible by ``seed``).

    The magnitude spectrum, and so the power and (by Ohm's acoustic law,
    roughly) the timbre of a steady tone, stay the same; the waveform and its
    peak factor change.
    """
    a, p = _coeffs(amplitudes, phases)
    a = a.copy()
    rng = np.random.default_rng(check_int(seed, "The seed", lo=0))
    new = _wrap(rng.uniform(-np.pi, np.pi, size=a.shape))
    return a, new


def schroeder_phases(amplitudes) -> np.ndarray:
    """Phases that give a low peak factor for the given amplitudes (Schroeder 1970).

    ``phi_n = -2 pi sum_{k<n} (n - k) p_k`` with ``p_k = A_k^2 / sum A^2`` (each
    harmonic's share of the power), in the cosine convention, converted here
    to sine phases (+pi/2). For equal amplitudes this is the familiar
    ``-pi n (n-1) / N``. The idea: spread each harmonic's peak to a different
    moment of the period, like a chirp, instead of letting them pile up.
    """
    a = check_values(amplitudes, "The amplitudes", ndim=1, lo=-MAX_AMPLITUDE, hi=MAX_AMPLITUDE, max_len=MAX_HARMONICS)
    power = a**2
    total = power.sum()
    if total == 0:
        return np.zeros_like(a)
    p = power / total
    n = np.arange(1, len(a) + 1)
    # sum_{k<n} (n - k) p_k, for every n at once
    cum_p = np.concatenate([[0.0], np.cumsum(p)[:-1]])
    cum_kp = np.concatenate([[0.0], np.cumsum(n * p)[:-1]])
    phi = -2 * np.pi * (n * cum_p - cum_kp) + np.pi / 2
    out = _wrap(phi)
    out[a == 0] = 0.0
    return out


def peak_factor(y) -> float:
    """Peak over RMS (crest factor; sqrt(2) ~ 1.414 for a sine, 1 for a square). NaN for silence (no RMS)."""
    y = check_signal(y, "The signal", dtype=np.float64, max_abs=MAX_AMPLITUDE)
    rms = np.sqrt(np.mean(y**2)) if y.size else 0.0
    if rms == 0:
        return float("nan")
    return float(np.max(np.abs(y)) / rms)


def phasor_chain(amplitudes, phases, u: float, *, dc: float = 0.0) -> np.ndarray:
    """Centres of the epicycles at time ``u`` (cycles): complex positions, length N + 1.

    Harmonic n is a vector of length ``A_n`` turning n times per period,
    ``A_n exp(i (2 pi n u + phi_n))``; the chain starts at ``i dc`` and its
    tip's imaginary part is the partial sum at ``u``.
    """
    a, p = _coeffs(amplitudes, phases)
    u = check_number(u, "The time", lo=-1e6, hi=1e6, unit="cycles")
    dc = check_number(dc, "The DC offset", lo=-MAX_AMPLITUDE, hi=MAX_AMPLITUDE)
    n = np.arange(1, len(a) + 1)
    vec = a * np.exp(1j * (2 * np.pi * n * u + p))
    return np.concatenate([[1j * dc], 1j * dc + np.cumsum(vec)])


# --- analysis of a real periodic recording -------------------------------------------------------


@dataclass(frozen=True)
class PitchEstimate:
    """Result of :func:`estimate_f0`."""

    f0_hz: float
    #: minimum of YIN's cumulative-mean-normalised difference: 0 = perfectly periodic, ~1 = noise
    aperiodicity: float
    #: refined lag in samples (``sr / f0_hz``)
    period_samples: float


def _difference_function(x: np.ndarray, max_lag: int) -> np.ndarray:
    """YIN's ``d(tau) = sum_j (x_j - x_{j+tau})^2`` for tau = 0..max_lag, over a fixed window (FFT)."""
    w = len(x) - max_lag
    energy = np.concatenate([[0.0], np.cumsum(x**2)])
    size = 1 << int(np.ceil(np.log2(len(x) + w)))
    fx = np.fft.rfft(x, size)
    fw = np.fft.rfft(x[:w], size)
    corr = np.fft.irfft(fx * np.conj(fw), size)[: max_lag + 1]  # r(tau) = sum_{j<w} x_j x_{j+tau}
    e0 = energy[w] - energy[0]
    e_tau = energy[np.arange(max_lag + 1) + w] - energy[np.arange(max_lag + 1)]
    return np.maximum(e0 + e_tau - 2 * corr, 0.0)


def estimate_f0(y, sr: float, *, fmin_hz: float = 50.0, fmax_hz: float = 1000.0, threshold: float = 0.15,
                max_aperiodicity: float = 0.35) -> PitchEstimate:
    """Fundamental frequency of a steady periodic signal (YIN with parabolic refinement).

    Steps (de Cheveigne & Kawahara 2002): the difference function ``d(tau)``,
    its cumulative-mean normalisation ``d'(tau) = d(tau) tau / sum_{j<=tau} d(j)``,
    the first dip below ``threshold`` (else the global minimum) between the
    lags of ``fmax_hz`` and ``fmin_hz``, then a parabola through the three
    samples around that dip for a sub-sample period. ``f0 = sr / tau``.

    Parameters
    ----------
    y : array_like
        Mono samples; use at least two periods of the lowest pitch plus a bit.
    sr : float
        Sampling rate in Hz.
    fmin_hz, fmax_hz : float
        Search range.
    threshold : float
        YIN's absolute threshold.
    max_aperiodicity : float
        Above this ``min d'`` the signal is called aperiodic and InputError is raised.

    Raises
    ------
    InputError
        Silence, too short a signal, or no clear periodicity (e.g. noise).
    """
    if np.ndim(y) != 1:
        raise InputError("Give a mono signal.")
    x = check_signal(y, "The signal", dtype=np.float64, max_abs=MAX_AMPLITUDE)
    sr = check_sr(sr)
    fmin_hz = check_number(fmin_hz, "fmin", unit="Hz")
    fmax_hz = check_number(fmax_hz, "fmax", unit="Hz")
    threshold = check_number(threshold, "The YIN threshold", lo=0.0, hi=10.0)
    max_aperiodicity = check_number(max_aperiodicity, "The largest aperiodicity", lo=0.0, hi=10.0)
    if not 0 < fmin_hz < fmax_hz:
        raise InputError(f"Need 0 < fmin < fmax; got {fmin_hz:g} and {fmax_hz:g} Hz.")
    if fmax_hz >= sr / 2 or fmin_hz < 2 * sr / MAX_SAMPLES:
        raise InputError(f"The pitch range must lie between {2 * sr / MAX_SAMPLES:.3g} Hz and Nyquist "
                         f"({sr / 2:g} Hz); got {fmin_hz:g}-{fmax_hz:g} Hz.")
    min_lag = max(2, int(np.floor(sr / fmax_hz)))
    max_lag = int(np.ceil(sr / fmin_hz))
    if len(x) < 2 * max_lag + 2:
        raise InputError(
            f"The segment is too short to find a pitch down to {fmin_hz:g} Hz: need at least "
            f"{(2 * max_lag + 2) / sr * 1000:.0f} ms, got {len(x) / sr * 1000:.0f} ms."
        )
    x = x - x.mean()
    if np.sqrt(np.mean(x**2)) < 1e-6:
        raise InputError("The segment is silent: there is no pitch to find.")
    d = _difference_function(x, max_lag + 1)
    cum = np.cumsum(d[1:])
    dn = np.ones_like(d)
    dn[1:] = d[1:] * np.arange(1, len(d)) / np.maximum(cum, 1e-300)
    lo, hi = min_lag, max_lag
    seg = dn[lo : hi + 1]
    below = np.flatnonzero(seg < threshold)
    if below.size:
        k = lo + below[0]
        while k + 1 <= hi and dn[k + 1] < dn[k]:  # walk down to the bottom of this dip
            k += 1
    else:
        k = lo + int(np.argmin(seg))
    ap = float(dn[k])
    if ap > max_aperiodicity:
        raise InputError(
            f"No clear pitch between {fmin_hz:g} and {fmax_hz:g} Hz: this segment does not repeat "
            f"(aperiodicity {ap:.2f}; a periodic sound gives < {max_aperiodicity}). Noise and "
            "drums have no fundamental; pick a sustained note or vowel."
        )
    tau = float(k)
    if 1 <= k < len(d) - 1:
        # parabola through the raw difference function (smoother than d') around the dip
        a_, b_, c_ = d[k - 1], d[k], d[k + 1]
        den = a_ - 2 * b_ + c_
        if den > 0:
            tau = k + 0.5 * (a_ - c_) / den
    return PitchEstimate(f0_hz=float(sr / tau), aperiodicity=ap, period_samples=tau)


@dataclass(frozen=True)
class HarmonicFit:
    """Result of :func:`harmonic_analysis`."""

    f0_hz: float
    amplitudes: np.ndarray  #: A_n, n = 1..N (sine-phase convention)
    phases: np.ndarray  #: phi_n in radians, phases relative to the segment's first sample
    dc: float
    segment: np.ndarray  #: the analysed samples
    reconstruction: np.ndarray  #: dc + sum A_n sin(...) over the same samples
    error_db: float  #: 10 log10(residual energy / segment energy)
    n_dropped: int  #: harmonics requested but at or above Nyquist (not fitted)


def polish_f0(y, sr: float, f0_hz: float, *, n_harmonics: int = 20, n_periods: float = 4.0,
              search: float = 0.015) -> float:
    """Refine a pitch estimate: the f0 within ``+-search`` whose N-harmonic least-squares fit leaves least residual.

    A bounded scalar search (scipy ``minimize_scalar``) over a fixed stretch of
    ``n_periods`` periods of the lowest candidate; returns ``f0_hz`` unchanged if
    nothing fits better. Cheap (a few dozen small least-squares solves).
    """
    from scipy.optimize import minimize_scalar

    x = check_signal(y, "The signal", dtype=np.float64, max_abs=MAX_AMPLITUDE)
    sr = check_sr(sr)
    f0 = check_number(f0_hz, "The fundamental", unit="Hz")
    n_periods = check_number(n_periods, "The number of periods", lo=1.0, hi=1000.0)
    search = check_number(search, "The search range", lo=0.0, hi=0.5)
    if not (0 < f0 and f0 * (1 + search) < sr / 2):
        raise InputError(f"The fundamental must be between 0 and {sr / 2:g} Hz; got {f0:g} Hz.")
    n = max(1, min(_check_n(n_harmonics), int(np.ceil(sr / 2 / (f0 * (1 + search)))) - 1))
    length = int(round(n_periods * sr / (f0 * (1 - search))))
    if length > len(x):
        raise InputError(
            f"The recording is too short for {n_periods:g} periods of {f0:.1f} Hz "
            f"({length / sr * 1000:.0f} ms needed, {len(x) / sr * 1000:.0f} ms available)."
        )
    seg = x[:length]
    t = np.arange(length) / float(sr)
    k = np.arange(1, n + 1)[None, :]

    def residual(f: float) -> float:
        ph = 2 * np.pi * f * t[:, None] * k
        m = np.concatenate([np.ones((length, 1)), np.sin(ph), np.cos(ph)], axis=1)
        coef, *_ = np.linalg.lstsq(m, seg, rcond=None)
        return float(np.sum((seg - m @ coef) ** 2))

    with _one_blas_thread():
        res = minimize_scalar(residual, bounds=(f0 * (1 - search), f0 * (1 + search)), method="bounded",
                              options={"xatol": f0 * 2e-5})
        return float(res.x) if res.fun < residual(f0) else f0


def harmonic_analysis(y, sr: float, f0_hz: float, n_harmonics: int, *, n_periods: float = 4.0,
                      refine_f0: bool = True) -> HarmonicFit:
    """Least-squares fit of the first N harmonics of ``f0_hz`` to the start of ``y``.

    Over ``n_periods`` whole periods the sines and cosines of the harmonics are
    (nearly) orthogonal, so this is the Fourier series of that stretch, and it
    stays correct when f0 does not fall on a DFT bin. Solves
    ``min ||y - M c||`` with columns ``1, sin(2 pi n f0 t), cos(2 pi n f0 t)``,
    then ``A_n = hypot(s_n, c_n)``, ``phi_n = atan2(c_n, s_n)``.

    With ``refine_f0`` the fundamental is polished by minimising the fit's
    residual over ``f0 +- 1.5 %`` (a real voice drifts: vibrato, jitter).

    Parameters
    ----------
    y : array_like
        Samples starting where the analysis should start.
    sr : float
        Sampling rate in Hz.
    f0_hz : float
        Fundamental (e.g. from :func:`estimate_f0`).
    n_harmonics : int
        N >= 1; harmonics at or above Nyquist are not fitted (counted in ``n_dropped``).
    n_periods : float
        Length of the fitted stretch, in periods of f0.

    Returns
    -------
    HarmonicFit
    """
    x = check_signal(y, "The signal", dtype=np.float64, max_abs=MAX_AMPLITUDE)
    n_req = _check_n(n_harmonics)
    sr = check_sr(sr)
    f0_hz = check_number(f0_hz, "The fundamental", unit="Hz")
    n_periods = check_number(n_periods, "The number of periods", hi=1000.0)
    if not f0_hz > 0 or f0_hz >= sr / 2:
        raise InputError(f"The fundamental must be between 0 and {sr / 2:g} Hz; got {f0_hz:g} Hz.")
    if n_periods < 1:
        raise InputError(f"Fit at least one period; got {n_periods:g}.")
    n_fit = min(n_req, int(np.ceil(sr / 2 / f0_hz)) - 1)
    n_fit = max(n_fit, 1)

    def stretch(f0: float) -> int:
        length = int(round(n_periods * sr / f0))
        if length > len(x):
            raise InputError(
                f"The recording is too short for {n_periods:g} periods of {f0:.1f} Hz "
                f"({length / sr * 1000:.0f} ms needed, {len(x) / sr * 1000:.0f} ms available)."
            )
        return length

    def fit(f0: float, length: int):
        t = np.arange(length) / float(sr)
        ph = 2 * np.pi * f0 * t[:, None] * np.arange(1, n_fit + 1)[None, :]
        m = np.concatenate([np.ones((length, 1)), np.sin(ph), np.cos(ph)], axis=1)
        coef, *_ = np.linalg.lstsq(m, x[:length], rcond=None)
        rec = m @ coef
        return coef, rec, float(np.sum((x[:length] - rec) ** 2))

    f0 = float(f0_hz)
    if refine_f0:
        f0 = polish_f0(x, sr, f0, n_harmonics=n_fit, n_periods=n_periods)
    length = stretch(f0)
    seg = x[:length]
    with _one_blas_thread():
        coef, rec, resid = fit(f0, length)
    s, c = coef[1 : n_fit + 1], coef[n_fit + 1 :]
    amps = np.zeros(n_req)
    phases = np.zeros(n_req)
    amps[:n_fit] = np.hypot(s, c)
    phases[:n_fit] = np.arctan2(c, s)
    energy = float(np.sum(seg**2))
    err_db = 10 * np.log10(max(resid, 1e-30) / max(energy, 1e-30))
    return HarmonicFit(f0_hz=f0, amplitudes=amps, phases=phases, dc=float(coef[0]), segment=seg,
                       reconstruction=rec, error_db=float(err_db), n_dropped=n_req - n_fit)


def fit_error_vs_n(y, sr: float, f0_hz: float, n_max: int, *, n_periods: float = 4.0) -> np.ndarray:
    """Reconstruction error (dB re the stretch's energy) of the N-harmonic fit, N = 1..n_max, at fixed f0.

    One QR factorisation does all N: with the columns ordered ``1, sin 1, cos 1, sin 2, cos 2, ...``,
    the least-squares fit with the first N harmonics is the projection onto the first ``1 + 2N``
    columns of Q, so its residual energy is ``|y|^2 - sum_{j < 1+2N} (Q^T y)_j^2``. Harmonics at or
    above Nyquist add nothing (the curve stays flat there).
    """
    x = check_signal(y, "The signal", dtype=np.float64, max_abs=MAX_AMPLITUDE)
    n_max = _check_n(n_max)
    sr = check_sr(sr)
    f0_hz = check_number(f0_hz, "The fundamental", unit="Hz")
    n_periods = check_number(n_periods, "The number of periods", hi=1000.0)
    if not 0 < f0_hz < sr / 2:
        raise InputError(f"The fundamental must be between 0 and {sr / 2:g} Hz; got {f0_hz:g} Hz.")
    length = int(round(n_periods * sr / f0_hz))
    if length > len(x) or n_periods < 1:
        raise InputError(f"Need at least {max(n_periods, 1):g} periods ({length / sr * 1000:.0f} ms) of signal.")
    seg = x[:length]
    n_fit = max(1, min(n_max, int(np.ceil(sr / 2 / f0_hz)) - 1))
    t = np.arange(length) / float(sr)
    ph = 2 * np.pi * f0_hz * t[:, None] * np.arange(1, n_fit + 1)[None, :]
    m = np.empty((length, 1 + 2 * n_fit))
    m[:, 0] = 1.0
    m[:, 1::2] = np.sin(ph)
    m[:, 2::2] = np.cos(ph)
    with _one_blas_thread():
        q, _ = np.linalg.qr(m)
        proj = np.cumsum((q.T @ seg) ** 2)
    energy = max(float(np.sum(seg**2)), 1e-30)
    resid = np.maximum(energy - proj[2::2], 1e-30 * energy)  # after dc + N pairs: index 2N
    out = np.full(n_max, 10 * np.log10(resid[-1] / energy))
    out[:n_fit] = 10 * np.log10(resid / energy)
    return out


# --- the Fourier transform as a winding machine (3Blue1Brown's picture) ---------------------------

#: Largest (samples x winding frequencies) block evaluated at once (bounds memory: 2 M complex = 32 MB).
_WIND_BLOCK = 2_000_000


def _check_wind_input(y, sr) -> tuple[np.ndarray, float]:
    if np.ndim(y) != 1 or np.size(y) == 0:
        raise InputError("Give a non-empty mono signal to wind.")
    x = check_signal(y, "The signal", dtype=np.float64, max_abs=MAX_AMPLITUDE)
    sr = check_sr(sr)
    if not np.all(np.isfinite(x)):
        raise InputError("The signal contains NaN or infinite samples.")
    try:
        sr = float(sr)
    except (TypeError, ValueError):
        raise InputError(f"Sampling rate must be a number of Hz; got {sr!r}.") from None
    if not np.isfinite(sr) or sr <= 0:
        raise InputError(f"Sampling rate must be positive; got {sr} Hz.")
    return x, sr


def wound_signal(y, sr: float, winding_hz: float) -> np.ndarray:
    """The signal wrapped around the origin: ``y[n] exp(-2 pi i f n / sr)``, one complex point per sample.

    Each sample is drawn at distance ``y[n]`` from the origin, at an angle that turns
    clockwise ``winding_hz`` times per second. (A negative sample lands on the opposite side.)
    """
    x, sr = _check_wind_input(y, sr)
    f = check_number(winding_hz, "The winding frequency", lo=-1e9, hi=1e9, unit="Hz")
    return x * np.exp(-2j * np.pi * f * np.arange(x.size) / sr)


def winding_center(y, sr: float, winding_hz):
    """Centre of mass of the wound signal: ``(1/N) sum_n y[n] exp(-2 pi i f n / sr)``.

    Away from the signal's frequencies the wound curve wraps evenly around the origin and
    the centre stays near 0; when the winding frequency matches a component, that
    component lines up on one side and the centre moves out. ``N * winding_center`` is the
    discrete-time Fourier transform at ``f``; on the DFT grid ``f = k sr / N`` it equals
    ``np.fft.fft(y)[k]`` exactly.

    Parameters
    ----------
    y : array_like
        Mono samples.
    sr : float
        Sampling rate in Hz.
    winding_hz : float or array_like
        Winding frequency (or several) in Hz; any real value (negative winds the other way).

    Returns
    -------
    complex or np.ndarray of complex
    """
    x, sr = _check_wind_input(y, sr)
    f = check_values(winding_hz, "The winding frequencies", ndim=(0, 1, 2), lo=-1e9, hi=1e9, min_len=1)
    if f.size * x.size > MAX_WORK:
        raise InputError(f"{f.size:,} winding frequencies over {x.size:,} samples is too much work here.")
    flat = f.ravel()
    n = np.arange(x.size)
    out = np.empty(flat.size, dtype=np.complex128)
    step = max(1, _WIND_BLOCK // x.size)
    for i in range(0, flat.size, step):
        block = flat[i : i + step]
        out[i : i + step] = np.exp(-2j * np.pi * np.outer(block, n) / sr) @ x / x.size
    return complex(out[0]) if f.ndim == 0 else out.reshape(f.shape)


def two_sided_spectrum(y, sr: float, *, centered: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The full complex DFT ``X[k] = sum_n y[n] exp(-2 pi i k n / N)``, k = 0..N-1, with each bin's frequency.

    Bins above N/2 hold the negative frequencies ``k sr / N - sr``; for a real signal they
    mirror the positive ones, ``X[N - k] = conj(X[k])``, which is why a one-sided spectrum
    (``rfft``) loses nothing. ``centered=True`` reorders the bins to run from -sr/2 to
    +sr/2 (``fftshift``); otherwise the frequencies run 0 ... sr - sr/N.
    """
    x, sr = _check_wind_input(y, sr)
    centered = bool(centered)
    if x.size > 1 << 22:
        raise InputError("At most 4 M samples for a full two-sided spectrum.")
    X = np.fft.fft(x)
    f = np.arange(x.size) * sr / x.size
    if centered:
        return np.fft.fftshift(np.fft.fftfreq(x.size, 1.0 / sr)), np.fft.fftshift(X)
    return f, X
