"""Measuring an impulse response with an exponential sine sweep (Farina 2000).

The sweep
---------
``x(t) = sin(2 pi f1 L (exp(t / L) - 1))``, ``0 <= t < T``, with ``L = T / ln(f2 / f1)``.
Its instantaneous frequency ``f(t) = f1 exp(t / L)`` rises by the same number of octaves per
second, so the sweep spends time ``L / f`` per hertz: its power spectrum falls as ``1 / f``
(pink). The inverse filter is the sweep reversed in time with an amplitude envelope
``exp(-t / L)`` (6 dB per octave), which makes ``sweep * inverse`` a band-limited impulse
with a flat spectrum from ``f1`` to ``f2``; convolving a recording of the sweep with it gives
the impulse response.

Where distortion goes
---------------------
A memoryless nonlinearity turns ``sin(phi(t))`` into harmonics ``sin(k phi(t))``, whose
instantaneous frequency ``k f1 exp(t/L) = f1 exp((t + L ln k) / L)`` is the sweep's own
frequency ``L ln k`` seconds later. Deconvolution therefore puts the ``k``-th harmonic's
response ``Delta t_k = L ln k = T ln k / ln(f2 / f1)`` seconds *before* the linear one, where
it can be cut away. (The law is exact for the envelope; each harmonic response also carries a
constant phase ``2 pi f1 L (1 - k)``, which only changes its shape when ``f1 L`` is not whole.)

References: A. Farina, "Simultaneous measurement of impulse response and distortion with a
swept-sine technique", 108th AES Convention (2000); A. Novak et al., "Synchronized swept-sine:
theory, application and implementation", JAES 63 (2015); S. Müller, P. Massarani, "Transfer-
function measurement with sweeps", JAES 49 (2001).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lib.audio import SILENCE_PEAK, clipped_fraction, level_dbfs
from lib.convolution import convolve, correlate
from lib.errors import MAX_SR, InputError, check_int, check_number, check_signal, check_sr, check_values

#: Longest sweep accepted, in seconds.
MAX_SWEEP_S = 60.0
#: Highest harmonic order looked for (the responses crowd together above a few dozen).
MAX_HARMONIC_ORDER = 100
#: Longest recording accepted, in seconds.
MAX_RECORDING_S = 120.0
#: Below this ratio of the correlation peak to its typical level (dB) the sweep was not found.
MIN_DETECTION_DB = 30.0
#: Below this share of frames whose strongest frequency follows the sweep's, it is not this sweep.
MIN_RIDGE_MATCH = 0.6
#: How far before the correlation peak the direct sound is looked for, in seconds.
SEARCH_S = 0.2
#: A recording is flagged as clipped when this fraction of its samples sits at full scale.
CLIPPED_FRACTION = 1e-4


# --------------------------------------------------------------------------------------
# the sweep
# --------------------------------------------------------------------------------------

def _finite(value, name: str, unit: str) -> float:
    return check_number(value, name, unit=unit)


def _rate(sr) -> int:
    return check_sr(sr, "The sampling rate", integer=True)


def _check_sweep(f1_hz, f2_hz, duration_s, sr) -> tuple[float, float, float, int]:
    sr = _rate(sr)
    f1, f2 = _finite(f1_hz, "The start frequency", "Hz"), _finite(f2_hz, "The end frequency", "Hz")
    T = _finite(duration_s, "The sweep duration", "s")
    if f1 <= 0:
        raise InputError(f"The sweep must start above 0 Hz (an exponential sweep never reaches 0); got {f1:g} Hz.")
    if f2 <= f1:
        raise InputError(f"The sweep must rise: the end frequency ({f2:g} Hz) must be above the start ({f1:g} Hz).")
    if f2 > sr / 2:
        raise InputError(
            f"The end frequency {f2:g} Hz is above the Nyquist frequency ({sr / 2:g} Hz at {sr} Hz "
            "sampling): it would alias. Lower it or raise the sampling rate."
        )
    if not 0 < T <= MAX_SWEEP_S:
        raise InputError(f"The sweep duration must be between 0 and {MAX_SWEEP_S:g} s; got {T:g} s.")
    if T * sr < 16:
        raise InputError(f"A {T:g}-s sweep at {sr} Hz is only {int(T * sr)} samples; make it longer.")
    return f1, f2, T, sr


def sweep_rate(f1_hz: float, f2_hz: float, duration_s: float) -> float:
    """The sweep's time constant ``L = T / ln(f2 / f1)`` in seconds (``L ln 2`` s per octave)."""
    f1 = check_number(f1_hz, "The start frequency", hi=MAX_SR, unit="Hz")
    f2 = check_number(f2_hz, "The end frequency", hi=MAX_SR, unit="Hz")
    T = check_number(duration_s, "The sweep duration", hi=MAX_SWEEP_S, unit="s")
    if not (f1 > 0 and f2 > f1 and T > 0):
        raise InputError("A sweep needs 0 < f1 < f2 and a positive duration.")
    return float(T / np.log(f2 / f1))


def instantaneous_frequency(t_s, f1_hz: float, f2_hz: float, duration_s: float) -> np.ndarray:
    """``f(t) = f1 exp(t / L)`` in Hz: the frequency the sweep plays at time ``t_s``."""
    L = sweep_rate(f1_hz, f2_hz, duration_s)
    t = check_values(t_s, "The times t_s")
    with np.errstate(over="ignore"):
        f = float(f1_hz) * np.exp(t / L)
    if not np.all(np.isfinite(f)):
        raise InputError(f"The times reach {float(np.max(t)):g} s, where this sweep's frequency would overflow; "
                         f"keep them near the sweep (0 to {float(duration_s):g} s).")
    return f


def harmonic_delays_s(f1_hz: float, f2_hz: float, duration_s: float, orders=(2, 3, 4, 5)) -> np.ndarray:
    """How far before the linear response the ``k``-th harmonic lands: ``L ln k`` seconds."""
    k = check_values(orders, "The harmonic orders", hi=MAX_HARMONIC_ORDER, min_len=1)
    if np.any(k < 1):
        raise InputError("Harmonic orders start at 1 (the fundamental).")
    return sweep_rate(f1_hz, f2_hz, duration_s) * np.log(k)


def _fade(n: int, n_in: int, n_out: int) -> np.ndarray:
    """Half-Hann fade-in over ``n_in`` samples and fade-out over ``n_out``."""
    w = np.ones(n)
    if n_in > 0:
        w[:n_in] = 0.5 - 0.5 * np.cos(np.pi * np.arange(n_in) / n_in)
    if n_out > 0:
        w[n - n_out :] *= 0.5 + 0.5 * np.cos(np.pi * (np.arange(n_out) + 1) / n_out)
    return w


def ess_sweep(f1_hz: float, f2_hz: float, duration_s: float, sr: int, *,
              fade_s: float | tuple[float, float] = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Exponential sine sweep and its amplitude-compensated inverse filter (Farina 2000).

    Parameters
    ----------
    f1_hz, f2_hz : float
        Start and end frequency (``0 < f1 < f2 <= sr / 2``).
    duration_s : float
        Sweep length ``T``.
    sr : int
        Sampling rate in Hz.
    fade_s : float or (float, float)
        Half-Hann fade-in and fade-out lengths (one value: both). Fades keep the sweep from
        starting and stopping with a click, which would spread energy over all frequencies
        (and, at the end, ring before the impulse response).

    Returns
    -------
    sweep : np.ndarray
        float64 ``(round(T sr),)``, peak 1: ``sin(2 pi f1 L (exp(t/L) - 1))`` times the fades.
    inverse : np.ndarray
        float64, same length: the sweep reversed, times ``exp(-t / L)``, scaled so that
        ``convolve(sweep, inverse)`` has unit gain across the band; its peak sits at index
        ``len(sweep) - 1`` (time zero of :func:`deconvolve`).
    """
    f1, f2, T, sr = _check_sweep(f1_hz, f2_hz, duration_s, sr)
    fades = (fade_s, fade_s) if np.isscalar(fade_s) else tuple(fade_s)
    if len(fades) != 2:
        raise InputError("fade_s is one length or a pair (fade-in, fade-out) in seconds.")
    f_in, f_out = (_finite(f, "A fade length", "s") for f in fades)
    if f_in < 0 or f_out < 0 or f_in + f_out > T:
        raise InputError(f"The fades ({f_in:g} s in, {f_out:g} s out) must be >= 0 and fit in the {T:g}-s sweep.")
    n = int(round(T * sr))
    t = np.arange(n) / sr
    L = T / np.log(f2 / f1)
    sweep = np.sin(2 * np.pi * f1 * L * np.expm1(t / L)) * _fade(n, int(round(f_in * sr)), int(round(f_out * sr)))
    inverse = sweep[::-1] * np.exp(-t / L)
    # scale for unit gain in the band: the mean magnitude of sweep * inverse over the middle
    # octaves (away from the fades), on a log-frequency grid
    from scipy import fft as sfft

    # |X(f)| |X_inv(f)| on a grid of at least n points: padding would only sample the same (smooth,
    # slightly rippled) magnitudes more densely, and the 64-point average below does not need it
    nfft = sfft.next_fast_len(n, real=True)
    spec = np.abs(sfft.rfft(sweep, nfft) * sfft.rfft(inverse, nfft))
    freqs = sfft.rfftfreq(nfft, 1.0 / sr)
    lo, hi = f1 * 2 ** 1, f2 / 2 ** 1
    if hi <= lo:  # a narrow sweep: use its geometric middle
        lo = hi = np.sqrt(f1 * f2)
    grid = np.geomspace(lo, hi, 64)
    inverse /= float(np.mean(np.interp(grid, freqs, spec)))
    return sweep, inverse


# --------------------------------------------------------------------------------------
# deconvolution and alignment
# --------------------------------------------------------------------------------------

def _recording(recording, name: str = "recording") -> np.ndarray:
    """One channel of finite samples as float64 (a ``(n, 1)`` column is accepted)."""
    y = np.asarray(recording) if not isinstance(recording, np.ndarray) else recording
    if y.ndim == 2 and 1 in y.shape:
        y = y.reshape(-1)
    return check_signal(y, f"The {name}", dtype=np.float64)


def deconvolve(recording, inverse, sr: int, *, pre_s: float = 0.0, length_s: float | None = None) -> np.ndarray:
    """Impulse response from a recording of the sweep: ``convolve(recording, inverse)``, re-indexed.

    Sample ``round(pre_s * sr)`` of the result is time zero: the moment the recording's sweep
    started (the direct sound follows after the propagation and device latency). The ``pre_s``
    seconds before it hold the harmonic distortion (at ``-L ln k``, :func:`harmonic_delays_s`);
    the default ``pre_s = 0`` cuts it away.

    Parameters
    ----------
    recording : array_like
        What the microphone picked up, starting when the sweep started (see :func:`align`).
    inverse : array_like
        The inverse filter from :func:`ess_sweep`.
    sr : int
        Sampling rate in Hz (of both).
    pre_s : float
        Seconds kept before time zero.
    length_s : float, optional
        Seconds kept after time zero (default: all that the recording supports, i.e. its length
        minus the sweep's).
    """
    y = _recording(recording)
    inv = _recording(inverse, "inverse filter")
    sr = _rate(sr)
    if len(y) > MAX_RECORDING_S * sr:
        raise InputError(f"The recording lasts {len(y) / sr:.0f} s; the limit is {MAX_RECORDING_S:g} s.")
    pre = int(round(check_number(pre_s, "The time kept before zero (pre_s)", lo=0, hi=MAX_SWEEP_S, unit="s") * sr))
    zero = len(inv) - 1
    full = convolve(y, inv, method="fft")
    if length_s is None:
        stop = len(full)
    else:
        length = check_number(length_s, "The response length (length_s)", lo=0, hi=MAX_RECORDING_S, unit="s")
        stop = zero + int(round(length * sr))
    stop = min(max(stop, zero + 1), len(full))
    start = zero - pre
    out = full[max(0, start) : stop]
    if start < 0:  # asked for more history than exists: pad with zeros
        out = np.concatenate([np.zeros(-start), out])
    return out


@dataclass(frozen=True)
class Alignment:
    """Where a recording's sweep starts (:func:`align`)."""

    delay_samples: int      #: index of the recording where the sweep starts (may be < 0: it began earlier)
    delay_s: float          #: the same in seconds
    detection_db: float     #: correlation peak over its median magnitude, dB (below MIN_DETECTION_DB: not found)
    ridge_match: float      #: share of frames whose strongest frequency follows the sweep's (sweep_match)
    found: bool             #: whether the peak stands clear and the frequencies follow the sweep


def align(recording, sweep, sr: int) -> Alignment:
    """Find where the sweep starts in a recording by cross-correlation (a matched filter).

    The correlation of the recording with the sweep peaks at the lag where the sweep's copy
    lines up (for a room: its strongest arrival, not always the direct sound). Its height over
    the median correlation magnitude says how sure that is: an ``N``-sample sweep stands about
    ``10 log10(N)`` dB clear of noise as loud as itself (47 dB for 3 s at 16 kHz), while noise
    alone rarely reaches 20 dB; below :data:`MIN_DETECTION_DB` the sweep counts as not found.
    """
    y = _recording(recording)
    s = _recording(sweep, "sweep")
    sr = _rate(sr)
    r = np.abs(correlate(y, s, method="fft"))
    i = int(np.argmax(r))
    lag = i - (len(s) - 1)
    typical = float(np.median(r)) or 1e-300
    det = float(20 * np.log10(max(r[i], 1e-300) / typical))
    match = sweep_match(y, s, lag, sr)
    return Alignment(lag, lag / sr, det, match, det >= MIN_DETECTION_DB and match >= MIN_RIDGE_MATCH)


def _ridge(y: np.ndarray, sr: int) -> np.ndarray:
    """Strongest frequency (Hz) of each ~43-ms Hann frame (hop a quarter frame), DC excluded."""
    from scipy import fft as sfft

    n_fft = 1 << max(6, int(np.ceil(np.log2(0.043 * sr))))
    hop = n_fft // 4
    if len(y) < n_fft:
        y = np.concatenate([y, np.zeros(n_fft - len(y))])
    frames = np.lib.stride_tricks.sliding_window_view(y, n_fft)[::hop] * np.hanning(n_fft)
    power = np.abs(sfft.rfft(frames, axis=1)[:, 1:]) ** 2
    return (np.argmax(power, axis=1) + 1) * sr / n_fft


def sweep_match(recording, sweep, start: int, sr: int) -> float:
    """Share of frames in which the recording's strongest frequency is within half an octave of the sweep's.

    The correlation peak alone cannot tell a recording of *this* sweep from one of a sweep with
    another length or range (any chirp correlates with any other somewhere); following the
    frequency track frame by frame can: about 0.9 or more for this sweep even in a reverberant
    room, below 0.4 for a sweep of another length, near 0.1 for speech or noise.
    """
    y = _recording(recording)
    s = _recording(sweep, "sweep")
    start = check_int(start, "The sweep's start (samples)")
    sr = _rate(sr)
    seg = np.zeros(len(s))
    a, b = max(0, start), min(len(y), start + len(s))
    if b > a:
        seg[a - start : b - start] = y[a:b]
    ref, got = _ridge(s, sr), _ridge(seg, sr)
    return float(np.mean(np.abs(np.log2(got / ref)) < 0.5))


# --------------------------------------------------------------------------------------
# a whole measurement
# --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Measurement:
    """An impulse response measured from a recording of a sweep (:func:`measure`)."""

    ir: np.ndarray          #: the linear impulse response from time zero (``margin_s`` before the direct sound,
                            #: or the sweep's start when the recording was ``aligned``)
    distortion: np.ndarray  #: the ``pre_s`` seconds before time zero (harmonic responses)
    sr: int
    alignment: Alignment
    start_s: float          #: where in the recording time zero of ``ir`` lies
    peak_dbfs: float        #: the recording's peak level
    clipped_fraction: float #: share of recording samples at full scale
    notices: tuple[str, ...]  #: warnings in words a page can show (clipping, low level, short tail)


def check_recording(recording, sr: int, sweep_len: int, *, min_tail_s: float = 0.5) -> tuple[str, ...]:
    """Reject recordings that cannot hold a measurement; return warnings for doubtful ones.

    Raises :class:`InputError` when the recording is silent or shorter than the sweep plus
    ``min_tail_s``; warns when it is clipped or very quiet.
    """
    y = _recording(recording)
    sr = _rate(sr)
    sweep_len = check_int(sweep_len, "The sweep length (samples)", lo=1)
    min_tail_s = check_number(min_tail_s, "The minimum tail", lo=0, unit="s")
    peak = float(np.max(np.abs(y)))
    if peak < SILENCE_PEAK:
        raise InputError(
            f"The recording is silent (peak {level_dbfs(peak):.0f} dBFS): was the microphone muted, "
            "or the sweep not playing? Check the input level and record again."
        )
    need = sweep_len / sr + min_tail_s
    if len(y) < need * sr:
        raise InputError(
            f"The recording is too short: {len(y) / sr:.2f} s, but the sweep alone lasts {sweep_len / sr:.2f} s "
            f"and the room needs time to decay after it. Record at least {need:.1f} s: start recording, "
            "play the sweep, and stop a second or two after it ends."
        )
    notes = []
    frac = clipped_fraction(y)
    if frac > CLIPPED_FRACTION:
        notes.append(
            f"The recording is clipped: {100 * frac:.2f} % of its samples sit at full scale. Clipping adds "
            "harmonics (the sweep moves them before the response, where they are cut away) but also "
            "distorts the level; turn the playback or the input gain down and record again."
        )
    if peak < 10 ** (-40 / 20):
        notes.append(f"The recording is very quiet (peak {level_dbfs(peak):.0f} dBFS): the response will be noisy. "
                     "Raise the playback level a little or move the microphone closer.")
    return tuple(notes)


def measure(recording, sweep, inverse, sr: int, *, ir_length_s: float = 2.0, pre_s: float = 0.5,
            margin_s: float = 0.005, aligned: bool = False, level: float = 1.0) -> Measurement:
    """Align a recording of the sweep, deconvolve it, split the distortion from the response.

    Parameters
    ----------
    recording, sweep, inverse : array_like
        The recording and the sweep/inverse pair from :func:`ess_sweep`, all at ``sr``.
    ir_length_s : float
        Seconds of impulse response kept (shortened to what the recording holds after the sweep).
    pre_s : float
        Seconds before time zero kept in ``distortion`` (where the harmonics land).
    margin_s : float
        With alignment, time zero is put this long before the detected arrival, so the direct
        sound's pre-ringing is kept.
    aligned : bool
        True when the recording is known to start exactly with the sweep (a simulation, or a
        sound card playing and recording at once): no search, time zero is the sweep's start.
    level : float
        Amplitude the sweep was played at (``sweep`` itself has peak 1); the response is divided
        by it, so it does not change with the playback level. The checks (silence, clipping)
        look at the recording as it is.

    Raises
    ------
    InputError
        Silent or too short recordings, a sweep that cannot be found, a recording that
        starts after the sweep began or stops before it ends.
    """
    y = _recording(recording)
    s = _recording(sweep, "sweep")
    sr = _rate(sr)
    ir_length_s = check_number(ir_length_s, "The response length", lo=0, lo_open=True, hi=MAX_RECORDING_S, unit="s")
    margin_s = check_number(margin_s, "The margin before the direct sound", lo=0, hi=1.0, unit="s")
    notes = list(check_recording(y, sr, len(s)))
    pre = int(round(check_number(pre_s, "The time kept before zero (pre_s)", lo=0, hi=MAX_SWEEP_S, unit="s") * sr))
    if aligned:
        al = Alignment(0, 0.0, float("inf"), 1.0, True)
        start = 0
    else:
        al = align(y, s, sr)
        if al.detection_db < MIN_DETECTION_DB:
            raise InputError(
                f"The sweep was not found in the recording (the best match stands only {al.detection_db:.0f} dB above "
                "the rest). Was it this sweep (same range, length and sampling rate) that played, loud enough to "
                "hear over the room's noise?"
            )
        if not al.found:
            raise InputError(
                f"The recording holds a sound like a sweep, but its frequency does not follow this sweep's (only "
                f"{100 * al.ridge_match:.0f} % of its frames do): was it recorded with other settings (range, "
                "length), or drowned in noise? Play the sweep with the settings shown here and record again."
            )
        if al.delay_samples < -int(round(0.05 * sr)):
            raise InputError(
                f"The recording starts {-al.delay_s:.2f} s after the sweep began, so its low frequencies are missing. "
                "Start recording first, then play the sweep."
            )
        # the correlation peaks on the strongest arrival, which in a room can come after the direct
        # sound: search for the onset up to SEARCH_S before it in the (whitened) deconvolution
        start = max(0, al.delay_samples - int(round(SEARCH_S * sr)))
    tail = len(y) - start - len(s)
    if tail < 0.3 * sr:
        raise InputError(
            f"The recording stops {abs(tail) / sr:.2f} s {'before' if tail < 0 else 'after'} the sweep ends"
            f"{'' if tail < 0 else ', too soon'}: the room's decay (and, if it stopped early, the high frequencies) "
            "is missing. Keep recording for a second or two after the sweep."
        )
    gain = check_number(level, "The playback level", lo=0, lo_open=True)
    full = deconvolve(y[start:] / gain, inverse, sr, pre_s=pre_s, length_s=tail / sr)
    causal = full[pre:]
    if aligned:
        zero = 0
    else:
        e = causal[: int(round(2 * SEARCH_S * sr))] ** 2
        onset = int(np.argmax(e >= 0.01 * e.max()))  # first sample within 20 dB of the peak (ISO 3382-1)
        zero = max(0, onset - int(round(margin_s * sr)))
    n_ir = min(int(round(ir_length_s * sr)), len(causal) - zero)
    if n_ir < int(round(ir_length_s * sr)) and n_ir < sr:
        notes.append(f"The recording holds only {n_ir / sr:.2f} s after the sweep, so the response is cut to that "
                     "length: a longer reverberation would be cut short. Keep recording a little longer next time.")
    ir = causal[zero : zero + n_ir]
    distortion = full[zero : zero + pre]
    return Measurement(ir=ir, distortion=distortion, sr=sr, alignment=al, start_s=(start + zero) / sr,
                       peak_dbfs=level_dbfs(float(np.max(np.abs(y)))), clipped_fraction=clipped_fraction(y),
                       notices=tuple(notes))


def harmonic_levels_db(distortion, ir, sr: int, f1_hz: float, f2_hz: float, duration_s: float,
                       orders=(2, 3, 4, 5), *, window_ms: float = 2.0) -> dict[int, float]:
    """Peak of each harmonic's response (at ``-L ln k``, within ``window_ms``) in dB re the linear peak.

    ``distortion`` is the part of the deconvolution before time zero (``Measurement.distortion``),
    ``ir`` the part after. Orders whose response lies beyond the kept ``distortion`` are NaN.
    A direct sound arriving ``d`` seconds after time zero puts the harmonics at ``d - L ln k``,
    so the windows are placed relative to the linear response's peak.
    """
    from scipy.signal import hilbert

    sr = _rate(sr)
    window_ms = check_number(window_ms, "The search window", lo=0, lo_open=True, hi=1000, unit="ms")
    d = _recording(distortion, "distortion part")
    h = _recording(ir, "impulse response")
    full = np.concatenate([d, h])
    peak_i = len(d) + int(np.argmax(np.abs(h)))
    w = max(1, int(round(window_ms * sr / 1000)))
    pad = 4 * w + int(0.005 * sr)

    def envelope_peak(centre: int) -> float:
        # the harmonic responses carry a phase 2 pi f1 L (1 - k): their sample peak can sit well below
        # the envelope's, so compare analytic-signal magnitudes
        seg = full[max(0, centre - pad) : centre + pad + 1]
        env = np.abs(hilbert(seg))
        mid = centre - max(0, centre - pad)
        return float(env[max(0, mid - w) : mid + w + 1].max())

    ref = envelope_peak(peak_i) or 1e-300
    out = {}
    for k, dt in zip(orders, harmonic_delays_s(f1_hz, f2_hz, duration_s, orders)):
        centre = peak_i - int(round(dt * sr))
        if centre - w < 0:
            out[int(k)] = float("nan")
            continue
        out[int(k)] = float(20 * np.log10(max(envelope_peak(centre), 1e-300) / ref))
    return out


# --------------------------------------------------------------------------------------
# a simulated measurement
# --------------------------------------------------------------------------------------

def loudspeaker(x, *, clip_level: float = np.inf, second_harmonic: float = 0.0) -> np.ndarray:
    """A memoryless loudspeaker nonlinearity: ``c tanh((x + a x^2) / c)``.

    ``second_harmonic`` (``a``) bends the curve asymmetrically (even harmonics, as a cone's
    suspension does); ``clip_level`` (``c``) saturates it smoothly (odd harmonics, an amplifier
    running out of voltage). ``clip_level = inf`` and ``a = 0`` is a perfect speaker.
    """
    x = check_signal(x, "The speaker's input", dtype=np.float64)
    c = float(clip_level) if clip_level == np.inf else check_number(clip_level, "The clipping level", lo=0,
                                                                    lo_open=True)
    a = check_number(second_harmonic, "The second-harmonic coefficient", lo=-10, hi=10)
    y = x + a * x * x
    return y if np.isinf(c) else c * np.tanh(y / c)


def simulate_recording(sweep, rir, sr: int, *, snr_db: float = 40.0, noise_dbfs: float | None = None,
                       clip_level: float = np.inf, second_harmonic: float = 0.0, lead_s: float = 0.0,
                       tail_s: float | None = None, seed: int = 0) -> np.ndarray:
    """What a microphone in a simulated room records while a (possibly distorting) speaker plays the sweep.

    ``lead_s`` seconds of noise come first, ``tail_s`` (default: the response's length) after
    the sweep. White noise is added ``snr_db`` below the recorded sweep's RMS, or, when
    ``noise_dbfs`` is given, at that absolute RMS level (so a louder sweep gains SNR). Seeded.
    """
    s = _recording(sweep, "sweep")
    h = _recording(rir, "impulse response")
    sr = _rate(sr)
    tail = len(h) / sr if tail_s is None else check_number(tail_s, "The tail", lo=0, hi=MAX_RECORDING_S, unit="s")
    lead = int(round(check_number(lead_s, "The lead-in", lo=0, hi=MAX_RECORDING_S, unit="s") * sr))
    played = np.concatenate([np.zeros(lead), loudspeaker(s, clip_level=clip_level, second_harmonic=second_harmonic),
                             np.zeros(int(round(tail * sr)))])
    rec = convolve(played, h, method="fft")[: len(played)]
    if noise_dbfs is None:
        noise_rms = float(np.sqrt(np.mean(rec[lead : lead + len(s)] ** 2))) * 10 ** (
            -check_number(snr_db, "The signal-to-noise ratio", lo=-60, hi=200, unit="dB") / 20)
    else:
        noise_rms = 10 ** (check_number(noise_dbfs, "The noise level", lo=-300, hi=20, unit="dBFS") / 20)
    rng = np.random.default_rng(seed)
    return rec + rng.standard_normal(len(rec)) * noise_rms
