"""Convolution and correlation, written to be read: direct, FFT and block (overlap-add/save) methods.

A linear time-invariant system (a room, an equaliser, a CNN layer without its bias) is fully
described by its impulse response ``h``; its output for any input ``x`` is the convolution

    y[n] = sum_k x[k] h[n - k],      n = 0 .. N + M - 2

(``N = len(x)``, ``M = len(h)``): flip ``h``, slide it to position ``n``, multiply where it
overlaps ``x``, sum. Every method here computes exactly that; they differ only in cost.

* ``direct``      shift-and-add, ``O(N M)``: best for short kernels.
* ``fft``         one FFT of the zero-padded whole, ``O((N+M) log(N+M))``: needs padding to
                  ``N + M - 1`` or the tail wraps around (see :func:`circular_convolve`).
* ``ola``         overlap-add: cut ``x`` into blocks, convolve each by FFT, add the
                  overlapping tails. Best when one sequence is much longer than the other.
* ``ols``         overlap-save: overlapping input frames, circular convolution, keep the
                  part that did not wrap.
* ``partitioned`` uniformly partitioned overlap-save, the real-time reverb plugin's method:
                  the kernel is cut into blocks too, so the latency is one block however
                  long the reverb is.

References: A. V. Oppenheim, R. W. Schafer, *Discrete-Time Signal Processing* (3rd ed., 2010),
ch. 8.7 (linear convolution with the DFT, overlap-add/save); F. Wefers, *Partitioned
convolution algorithms for real-time auralization* (2015); ``scipy.signal.oaconvolve``.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import fft as sfft

from lib.errors import MAX_SAMPLES, InputError, check_int

#: Methods accepted by :func:`convolve` (``auto`` picks one of the others by size).
METHODS = ("auto", "direct", "fft", "ola", "ols", "partitioned")
#: Longest output accepted (2**24 samples, about 5.8 min at 48 kHz; its FFT needs ~0.3 GB).
MAX_OUTPUT_SAMPLES = 1 << 24
#: Largest ``N x M`` the direct method takes (about seconds of numpy time); use the FFT beyond.
MAX_DIRECT_PRODUCT = 2_000_000_000
#: Most repeats :func:`time_method` runs (each is one full convolution).
MAX_TIMING_REPEATS = 20
#: Below this many multiply-adds the direct method wins (measured in bench/bench_convolution.py).
DIRECT_CROSSOVER = 32
#: ``auto`` uses overlap-add when the longer sequence is this many times the shorter one.
OLA_RATIO = 8


# --------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------

def _signal(x, name: str) -> np.ndarray:
    """A finite 1-D array, float64 or complex128."""
    a = np.asarray(x)
    if a.dtype == object or not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
        raise InputError(f"The {name} must be numbers; got {a.dtype}.")
    a = np.squeeze(a) if a.ndim > 1 and sum(s > 1 for s in a.shape) <= 1 else a
    if a.ndim == 0:
        a = a.reshape(1)
    if a.ndim != 1:
        raise InputError(f"The {name} must be one sequence (1-D); got shape {a.shape}.")
    if a.size == 0:
        raise InputError(f"The {name} is empty; it needs at least one sample.")
    if a.size > MAX_SAMPLES:
        raise InputError(f"The {name} is too long ({a.size:,} samples; at most {MAX_SAMPLES:,}). Cut it first.")
    a = a.astype(np.complex128 if np.iscomplexobj(a) else np.float64, copy=False)
    if not np.all(np.isfinite(a)):
        raise InputError(f"The {name} contains NaN or infinite values.")
    return a


def _pair(x, h) -> tuple[np.ndarray, np.ndarray]:
    x, h = _signal(x, "signal"), _signal(h, "kernel")
    n_out = len(x) + len(h) - 1
    if n_out > MAX_OUTPUT_SAMPLES:
        raise InputError(
            f"The result would hold {n_out:,} samples; the limit here is {MAX_OUTPUT_SAMPLES:,} "
            f"(about {MAX_OUTPUT_SAMPLES / 48000 / 60:.1f} min at 48 kHz). Use shorter clips."
        )
    return x, h


def _block(block, name: str = "block") -> int | None:
    if block is None:
        return None
    return check_int(block, f"The {name} length (samples)", lo=1, hi=MAX_OUTPUT_SAMPLES)


def _length(n, name: str, lo: int = 1) -> int:
    """A sequence length given as a number (``n_x``, ``n_h``): a whole number up to the output cap."""
    return check_int(n, f"The {name} length (samples)", lo=lo, hi=MAX_OUTPUT_SAMPLES)


# --------------------------------------------------------------------------------------
# the mechanism
# --------------------------------------------------------------------------------------

def output_length(n_x: int, n_h: int) -> int:
    """Length of the full linear convolution: ``N + M - 1``."""
    return _length(n_x, "signal") + _length(n_h, "kernel") - 1


def convolution_step(x, h, n: int) -> dict:
    """One step of "flip, slide, multiply, sum": everything that makes ``y[n]``.

    Returns ``{"k": indices k of x that overlap, "x": x[k], "h": h[n - k], "products":
    x[k] h[n - k], "y_n": their sum, "kernel_positions": where each tap of the flipped kernel
    sits on x's axis (tap j at n - j)}``.
    """
    x, h = _signal(x, "signal"), _signal(h, "kernel")
    n = check_int(n, "The output index n")
    if not 0 <= n < output_length(len(x), len(h)):
        raise InputError(f"Output index {n} is outside 0 .. {output_length(len(x), len(h)) - 1}.")
    k = np.arange(max(0, n - len(h) + 1), min(len(x), n + 1))
    products = x[k] * h[n - k]
    return {"k": k, "x": x[k], "h": h[n - k], "products": products, "y_n": products.sum(),
            "kernel_positions": n - np.arange(len(h))}


def _direct(x: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Shift and add: ``y = sum_k h[k] * (x delayed by k)`` (loops over the shorter sequence).

    This is the same sum as flip-slide-multiply-sum, organised by kernel tap instead of by
    output sample, so each step is one vectorised line instead of a Python loop per sample.
    """
    if len(h) > len(x):  # convolution is commutative: loop over the shorter one
        x, h = h, x
    y = np.zeros(len(x) + len(h) - 1, dtype=np.result_type(x, h))
    for k, hk in enumerate(h):
        if hk != 0:
            y[k : k + len(x)] += hk * x
    return y


def _spectra(complex_: bool):
    """(forward, inverse) FFT pair: real FFTs for real data (half the work)."""
    if complex_:
        return sfft.fft, lambda X, n, axis=-1: sfft.ifft(X, n, axis=axis)
    return sfft.rfft, lambda X, n, axis=-1: sfft.irfft(X, n, axis=axis)


def _fft(x: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Multiply the spectra of both, zero-padded to at least ``N + M - 1`` (no wrap-around)."""
    n_out = len(x) + len(h) - 1
    complex_ = np.iscomplexobj(x) or np.iscomplexobj(h)
    nfft = sfft.next_fast_len(n_out, real=not complex_)
    fwd, inv = _spectra(complex_)
    return inv(fwd(x, nfft) * fwd(h, nfft), nfft)[:n_out]


def best_block(n_x: int, n_h: int) -> int:
    """Block length for overlap-add/save that needs the fewest operations per output sample.

    Each block of ``L`` new samples costs one FFT of ``nfft = L + M - 1``, about
    ``nfft log2(nfft)``; we pick the fast FFT length minimising that cost per ``L``.
    """
    n_x, m = _length(n_x, "signal"), _length(n_h, "kernel")
    n_total = n_x + m - 1
    best, best_cost = None, math.inf
    nfft = sfft.next_fast_len(max(2 * m, 64), real=True)
    limit = sfft.next_fast_len(n_total, real=True)
    while True:
        L = nfft - m + 1
        cost = nfft * math.log2(nfft) / L
        if cost < best_cost:
            best, best_cost = L, cost
        if nfft >= limit:
            break
        nfft = sfft.next_fast_len(int(nfft * 1.25) + 1, real=True)
    return max(1, min(best, int(n_x)))


def ola_block_outputs(x, h, block: int) -> tuple[np.ndarray, int]:
    """Overlap-add's middle step: each input block convolved with ``h`` (``(n_blocks, L + M - 1)``).

    Block ``b`` holds ``x[b L : (b + 1) L]`` (the last one zero-padded); its output starts at
    sample ``b L`` of ``y``. Returns the block outputs and the FFT length used. (The page draws
    these; :func:`convolve` adds them up.)
    """
    x, h = _pair(x, h)
    L = _block(block)
    return _ola_parts(x, h, L)


def _ola_parts(x: np.ndarray, h: np.ndarray, L: int) -> tuple[np.ndarray, int]:
    m = len(h)
    n_blocks = -(-len(x) // L)
    complex_ = np.iscomplexobj(x) or np.iscomplexobj(h)
    nfft = sfft.next_fast_len(L + m - 1, real=not complex_)
    fwd, inv = _spectra(complex_)
    blocks = np.zeros((n_blocks, L), dtype=x.dtype)
    blocks.reshape(-1)[: len(x)] = x
    parts = inv(fwd(blocks, nfft, axis=1) * fwd(h, nfft)[None, :], nfft, axis=1)
    return parts[:, : L + m - 1], nfft


def _overlap_add(parts: np.ndarray, hop: int, n_out: int) -> np.ndarray:
    """Add block outputs that start every ``hop`` samples (vectorised by column stripes).

    Columns ``[j hop, (j + 1) hop)`` of every block land ``j`` blocks further on, so each
    stripe is one reshaped add over all blocks at once.
    """
    n_blocks, width = parts.shape
    stripes = -(-width // hop)
    y = np.zeros((n_blocks + stripes) * hop, dtype=parts.dtype)
    for j in range(stripes):
        seg = parts[:, j * hop : (j + 1) * hop]
        w = seg.shape[1]
        y[j * hop : (j + n_blocks) * hop].reshape(n_blocks, hop)[:, :w] += seg
    return y[:n_out]


def _ola(x: np.ndarray, h: np.ndarray, block: int | None) -> np.ndarray:
    """Overlap-add: blocks of ``x`` convolved by FFT, tails of ``M - 1`` samples added to the next."""
    if len(h) > len(x):
        x, h = h, x
    L = block or best_block(len(x), len(h))
    parts, _ = _ola_parts(x, h, L)
    return _overlap_add(parts, L, len(x) + len(h) - 1)


def _ols(x: np.ndarray, h: np.ndarray, block: int | None) -> np.ndarray:
    """Overlap-save: frames of ``L + M - 1`` input samples overlapping by ``M - 1``; the first
    ``M - 1`` outputs of each circular convolution are wrapped, the last ``L`` are kept."""
    if len(h) > len(x):
        x, h = h, x
    m = len(h)
    n_out = len(x) + m - 1
    L = block or best_block(len(x), m)
    complex_ = np.iscomplexobj(x) or np.iscomplexobj(h)
    nfft = sfft.next_fast_len(L + m - 1, real=not complex_)
    n_frames = -(-n_out // L)
    # m - 1 zeros in front (the "saved" history of the first frame), zeros after to fill the last
    padded = np.zeros((n_frames - 1) * L + nfft, dtype=x.dtype)
    padded[m - 1 : m - 1 + len(x)] = x
    frames = np.lib.stride_tricks.sliding_window_view(padded, nfft)[::L][:n_frames]
    fwd, inv = _spectra(complex_)
    circ = inv(fwd(frames, nfft, axis=1) * fwd(h, nfft)[None, :], nfft, axis=1)
    return circ[:, m - 1 : m - 1 + L].reshape(-1)[:n_out]


def _partitioned(x: np.ndarray, h: np.ndarray, block: int | None) -> np.ndarray:
    """Uniformly partitioned overlap-save (UPOLS), as real-time convolution reverbs run.

    ``h`` is cut into ``P`` partitions of ``B`` samples, each transformed once with a
    ``2B``-point FFT. Every new block of ``B`` input samples costs one FFT of the last ``2B``
    inputs; the spectra of the last ``P`` input frames (the frequency-domain delay line) are
    multiplied with the ``P`` partition spectra and summed; one inverse FFT gives ``B`` new
    output samples. Latency: one block, whatever the length of ``h``.
    """
    B = block or 256
    m = len(h)
    n_out = len(x) + m - 1
    P = -(-m // B)
    complex_ = np.iscomplexobj(x) or np.iscomplexobj(h)
    fwd, inv = _spectra(complex_)
    hp = np.zeros((P, B), dtype=h.dtype)
    hp.reshape(-1)[:m] = h
    H = fwd(hp, 2 * B, axis=1)  # (P, F)
    K = -(-n_out // B)
    padded = np.zeros((K + 1) * B, dtype=x.dtype)
    padded[B : B + len(x)] = x
    X = fwd(np.lib.stride_tricks.sliding_window_view(padded, 2 * B)[::B][:K], 2 * B, axis=1)  # (K, F)
    Y = np.zeros_like(X, dtype=np.result_type(X, H))
    for p in range(min(P, K)):  # frequency-domain delay line: frame k meets partition p at k - p
        Y[p:] += X[: K - p] * H[p]
    return inv(Y, 2 * B, axis=1)[:, B:].reshape(-1)[:n_out]


def choose_method(n_x: int, n_h: int) -> str:
    """What ``method="auto"`` picks: direct for tiny kernels, overlap-add for a long signal and
    a much shorter kernel, one big FFT otherwise."""
    short, long_ = sorted((_length(n_x, "signal"), _length(n_h, "kernel")))
    if short <= DIRECT_CROSSOVER or short * long_ <= 20_000:
        return "direct"
    if long_ >= OLA_RATIO * short:
        return "ola"
    return "fft"


def convolve(x, h, *, method: str = "auto", block: int | None = None) -> np.ndarray:
    """Full linear convolution ``y[n] = sum_k x[k] h[n - k]`` of length ``N + M - 1``.

    Parameters
    ----------
    x, h : array_like
        1-D sequences (real or complex). Convolution is commutative; the block methods cut the
        longer one into blocks.
    method : {"auto", "direct", "fft", "ola", "ols", "partitioned"}
        How to compute it (all give the same result to rounding): see the module docstring.
    block : int, optional
        Block length in samples for ``ola``/``ols`` (default: the cheapest, :func:`best_block`)
        and the partition length for ``partitioned`` (default 256 = its latency).

    Returns
    -------
    np.ndarray
        float64 (complex128 if either input is complex), length ``len(x) + len(h) - 1``;
        equal to ``np.convolve(x, h)``.

    Example
    -------
    >>> convolve([1, 2, 3], [1, 1])          # (1 + 2z + 3z^2)(1 + z)
    array([1., 3., 5., 3.])
    """
    if method not in METHODS:
        raise InputError(f"Unknown convolution method {method!r}; choose one of {', '.join(METHODS)}.")
    x, h = _pair(x, h)
    block = _block(block)
    if method == "auto":
        method = choose_method(len(x), len(h))
    if method == "direct":
        if len(x) * len(h) > MAX_DIRECT_PRODUCT:
            raise InputError(
                f"Direct convolution of {len(x):,} by {len(h):,} samples is {len(x) * len(h):.2g} "
                "multiply-adds (too slow here); use the FFT or overlap-add method."
            )
        return _direct(x, h)
    if method == "fft":
        return _fft(x, h)
    if method == "ola":
        return _ola(x, h, block)
    if method == "ols":
        return _ols(x, h, block)
    return _partitioned(x, h, block)


# --------------------------------------------------------------------------------------
# circular convolution and correlation
# --------------------------------------------------------------------------------------

def wrap(y, n: int) -> np.ndarray:
    """Fold a sequence onto ``n`` samples: ``out[i] = sum_j y[i + j n]`` (time-domain aliasing)."""
    y = _signal(y, "sequence")
    n = check_int(n, "The wrap length n (samples)", lo=1, hi=MAX_OUTPUT_SAMPLES)
    out = np.zeros(-(-len(y) // n) * n, dtype=y.dtype)
    out[: len(y)] = y
    return out.reshape(-1, n).sum(axis=0)


def circular_convolve(x, h, n_fft: int) -> np.ndarray:
    """What multiplying two ``n_fft``-point DFTs computes: convolution modulo ``n_fft``.

    ``y[n] = sum_k x[k] h[(n - k) mod n_fft]``. It equals the linear convolution only when
    ``n_fft >= len(x) + len(h) - 1``; with less padding the last samples wrap around onto the
    first ones (``wrap(convolve(x, h), n_fft)``). Inputs longer than ``n_fft`` are folded first,
    exactly as sampling their spectra at ``n_fft`` frequencies does.
    """
    n = _block(n_fft, "DFT")
    x, h = _signal(x, "signal"), _signal(h, "kernel")
    complex_ = np.iscomplexobj(x) or np.iscomplexobj(h)
    fwd, inv = _spectra(complex_)
    return inv(fwd(wrap(x, n), n) * fwd(wrap(h, n), n), n)


def correlate(x, y, *, method: str = "auto") -> np.ndarray:
    """Full cross-correlation ``r[l] = sum_n x[n + l] conj(y[n])`` (as ``scipy.signal.correlate``).

    It is convolution with ``y`` flipped (and conjugated): slide ``y`` along ``x`` *without*
    flipping it and sum the products. Index ``i`` holds lag ``l = i - (len(y) - 1)``
    (:func:`correlation_lags`); a copy of ``y`` starting at sample ``d`` of ``x`` peaks at lag ``d``.
    What deep-learning libraries call a convolution layer computes this.
    """
    x, y = _signal(x, "signal"), _signal(y, "template")
    return convolve(x, np.conj(y[::-1]), method=method)


def correlation_lags(n_x: int, n_y: int) -> np.ndarray:
    """Lags of :func:`correlate`'s output: ``-(n_y - 1) .. n_x - 1``."""
    return np.arange(-(_length(n_y, "template") - 1), _length(n_x, "signal"))


def parse_sequence(text: str, *, max_len: int = 24, name: str = "sequence") -> np.ndarray:
    """Numbers typed by a learner ("1, 0.5, 0.25" or "1 0 -1") as a float array."""
    max_len = check_int(max_len, "The most numbers accepted (max_len)", lo=1, hi=10_000)
    if len(str(text)) > 40 * max_len:
        raise InputError(f"The {name} is too long to read; keep it to {max_len} numbers.")
    parts = [p for p in str(text).replace(";", ",").replace(",", " ").split() if p]
    if not parts:
        raise InputError(f"The {name} is empty: type numbers separated by commas, e.g. 1, 0.5, 0.25.")
    try:
        values = np.array([float(p) for p in parts])
    except ValueError:
        bad = next(p for p in parts if not _is_number(p))
        raise InputError(f"'{bad}' in the {name} is not a number; type numbers separated by commas.") from None
    if not np.all(np.isfinite(values)):
        raise InputError(f"The {name} must hold finite numbers (no inf or nan).")
    if len(values) > max_len:
        raise InputError(f"The {name} has {len(values)} numbers; keep it to {max_len} so every step stays readable.")
    return values


def _is_number(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def time_method(x, h, method: str, *, block: int | None = None, repeats: int = 3) -> float:
    """Best-of-``repeats`` wall time in seconds of one :func:`convolve` call (for the page and the bench)."""
    import time

    repeats = check_int(repeats, "The number of timing repeats", lo=1, hi=MAX_TIMING_REPEATS)
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        convolve(x, h, method=method, block=block)
        best = min(best, time.perf_counter() - t0)
    return best
