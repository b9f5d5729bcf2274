"""Errors a learner can read, and the boundary checks that raise them.

Pages catch these and show them with ``st.error``; nobody should see a traceback
for bad input or a missing model.
"""

from __future__ import annotations

import numbers

import numpy as np


class InputError(ValueError):
    """Input the function cannot work with, explained in plain words.

    Example: ``InputError("Sampling rate must be positive; got 0 Hz")``.
    """


class WeightsUnavailable(RuntimeError):
    """Pretrained weights are not on this machine and cannot be fetched now.

    The message says exactly which files are missing and how to get them on a
    connected machine (the command to run and where the files must end up).
    """


# --------------------------------------------------------------------------- boundary checks
# Small validators every public lib function can call first, so that a hostile or mistyped
# value (a string, NaN, inf, 1e308, a negative size) becomes one readable InputError instead
# of a TypeError deep in numpy, an endless loop or a multi-GiB allocation.

#: Highest sampling rate accepted anywhere (Hz): well above any audio interface (768 kHz).
MAX_SR = 1_000_000.0
#: Most samples one array may hold at a lib boundary (2^27 float32 = 512 MiB): about 50 min at
#: 44.1 kHz. Longer input must be cut first; a page caps clips at 30 s anyway.
MAX_SAMPLES = 1 << 27


def check_number(value, name: str, *, lo: float | None = None, hi: float | None = None,
                 lo_open: bool = False, unit: str = "") -> float:
    """``value`` as a finite float within ``[lo, hi]`` (``(lo, hi]`` if ``lo_open``), else :class:`InputError`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        # numpy 0-d arrays are fine; strings, lists and None are not
        if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
            value = value.item()
        else:
            raise InputError(f"{name} must be a number; got {type(value).__name__} {value!r:.40}.")
    v = float(value)
    u = f" {unit}" if unit else ""
    if v != v or v in (float("inf"), float("-inf")):
        raise InputError(f"{name} must be a finite number; got {v}{u}.")
    if lo is not None and (v <= lo if lo_open else v < lo):
        raise InputError(f"{name} must be {'above' if lo_open else 'at least'} {lo:g}{u}; got {v:g}{u}.")
    if hi is not None and v > hi:
        raise InputError(f"{name} must be at most {hi:g}{u}; got {v:g}{u}.")
    return v


def check_int(value, name: str, *, lo: int | None = None, hi: int | None = None) -> int:
    """``value`` as an int within ``[lo, hi]``; whole floats (``512.0``) are accepted, ``512.5`` is not."""
    v = check_number(value, name)
    if v != int(v):
        raise InputError(f"{name} must be a whole number; got {v:g}.")
    v = int(v)
    if lo is not None and v < lo:
        raise InputError(f"{name} must be at least {lo}; got {v}.")
    if hi is not None and v > hi:
        raise InputError(f"{name} must be at most {hi:,}; got {v:,}.")
    return v


def check_sr(sr, name: str = "Sampling rate", *, integer: bool = False) -> float | int:
    """A positive, finite sampling rate up to :data:`MAX_SR` Hz (an int when ``integer``)."""
    if integer:
        return check_int(sr, name, lo=1, hi=int(MAX_SR))
    return check_number(sr, name, lo=0.0, lo_open=True, hi=MAX_SR, unit="Hz")


#: Largest magnitude accepted for audio samples (+120 dBFS): beyond it squares and sums overflow.
MAX_AMPLITUDE = 1e6


def check_signal(y, name: str = "The signal", *, min_len: int = 1, max_len: int = MAX_SAMPLES,
                 ndim: int | tuple[int, ...] = 1, dtype=None, max_abs: float | None = None):
    """``y`` as a finite float array of the given ``ndim`` and length (the last axis), else :class:`InputError`.

    ``dtype`` (e.g. ``np.float64``) converts; by default float32 stays float32 and anything else
    becomes float64. Complex, object and string arrays are refused. ``max_abs`` bounds the values
    (audio: :data:`MAX_AMPLITUDE`).
    """
    try:
        a = np.asarray(y)
    except Exception:
        raise InputError(f"{name} must be an array of numbers.") from None
    if a.dtype.kind not in "biuf":
        what = "nothing" if a.dtype == object and a.ndim == 0 and y is None else f"an array of {a.dtype}"
        raise InputError(f"{name} must hold real numbers; got {what}.")
    dims = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if a.ndim not in dims:
        want = " or ".join(f"{d}-D" for d in dims)
        raise InputError(f"{name} must be a {want} array; got shape {a.shape}.")
    n = a.shape[-1] if a.ndim else 1
    if n < min_len:
        raise InputError(f"{name} needs at least {min_len} sample{'s' if min_len != 1 else ''}; got {n}.")
    if a.size > max_len:
        raise InputError(f"{name} is too long ({a.size:,} samples; at most {max_len:,}). Cut it first.")
    if dtype is not None:
        a = a.astype(dtype, copy=False)
    elif a.dtype != np.float32:
        a = a.astype(np.float64, copy=False)
    if not np.all(np.isfinite(a)):
        raise InputError(f"{name} contains NaN or infinite values.")
    if max_abs is not None and a.size and float(np.max(np.abs(a))) > max_abs:
        raise InputError(f"{name} holds values up to {float(np.max(np.abs(a))):.3g}; at most {max_abs:g} is accepted "
                         "(1.0 is full scale).")
    return a


#: Most multiply-adds one call may spend on framing or direct sums (~1 s of numpy on one core).
MAX_WORK = 1 << 30
#: Longest frame, window or FFT accepted (2^20 samples: 22 s at 48 kHz).
MAX_FRAME = 1 << 20


def check_choice(value, name: str, options) -> str:
    """``value`` if it is one of ``options`` (strings compared as given), else :class:`InputError`."""
    opts = list(options)
    if not isinstance(value, str) or value not in opts:
        raise InputError(f"{name} must be one of {', '.join(repr(o) for o in opts)}; got {value!r:.40}.")
    return value


def check_values(x, name: str, *, lo: float | None = None, hi: float | None = None,
                 ndim: int | tuple[int, ...] = (0, 1), min_len: int = 0, max_len: int = MAX_SAMPLES):
    """A finite float64 number or array (``ndim``) with every value in ``[lo, hi]``."""
    a = check_signal(x, name, min_len=min_len, max_len=max_len, ndim=ndim, dtype=np.float64)
    if a.size:
        if lo is not None and float(a.min()) < lo:
            raise InputError(f"{name} must be at least {lo:g}; got {float(a.min()):g}.")
        if hi is not None and float(a.max()) > hi:
            raise InputError(f"{name} must be at most {hi:g}; got {float(a.max()):g}.")
    return a
