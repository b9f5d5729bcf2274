"""Shoebox room acoustics: image-source impulse responses, reverberation formulas, decay analysis.

Conventions
-----------
* A room is a box ``room_dim = (L, W, H)`` in metres with one corner at the origin;
  positions are ``(x, y, z)`` in metres inside it.
* Per-surface arrays use the order :data:`SURFACES`:
  ``[x0, x1, y0, y1, z0, z1]`` = wall at x=0, wall at x=L, wall at y=0, wall at y=W,
  floor (z=0), ceiling (z=H). (pyroomacoustics calls them west, east, south, north,
  floor, ceiling.)
* ``absorption`` is the random-incidence *energy* absorption coefficient alpha in (0, 1];
  a reflection scales the pressure by ``sqrt(1 - alpha)``, as pyroomacoustics does.
* Impulse responses are sound pressure for a point source of unit volume velocity
  normalisation: each image contributes ``1 / (4 pi r)`` times its reflection
  coefficients, arriving at ``r / c`` seconds *with no added global delay*.

The fast builder
----------------
The image-source method produces millions of (delay, amplitude) pairs. Placing a
windowed sinc for each is what dominates the time of classic implementations.
Here every image's delay is split into an integer sample ``n`` and a fraction
``f``; ``f`` falls between two entries of a table of ``FRAC_STEPS + 1`` kernels
(fractions 0, 1/16, ..., 1) and its amplitude is shared linearly between the two.
Each table entry then gets a sparse impulse train (a ``np.bincount``), and
``FRAC_STEPS + 1`` FFT convolutions turn the trains into the response: the cost
follows the number of kernels, not the number of images.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from lib.errors import MAX_SAMPLES, InputError, check_int, check_number, check_signal, check_sr, check_values
from lib.materials import OCTAVE_BANDS_HZ, SURFACES

#: Speed of sound used by default, m/s (about 20 degrees C).
SPEED_OF_SOUND = 343.0
#: Length of the windowed-sinc fractional-delay kernel, in samples (pyroomacoustics uses 81 too).
FRAC_DELAY_LENGTH = 81
#: Fractional-delay resolution of the kernel table (kernels at k / FRAC_STEPS samples).
FRAC_STEPS = 16
#: Largest image-source order accepted (about 21 million image sources at 250).
MAX_ORDER_LIMIT = 250
#: Images handled per vectorised batch (bounds the working memory).
_BATCH_IMAGES = 1_000_000
#: Below one image per this many train samples, images are scatter-added (np.add.at), not bincounted.
_SPARSE_RATIO = 64
#: Work budget of one image-source build: image sources ...
MAX_IMAGES = 5_000_000
#: ... and working memory in bytes (impulse trains and spectra, see :func:`ism_budget`).
MAX_BUILD_BYTES = 256e6
#: Longest hybrid response in seconds: a longer decay (alpha = 0.001 gives RT60 = 142 s) is cut here.
MAX_RIR_S = 10.0
#: Highest order :func:`image_sources` lists one by one (about 87 000 images).
MAX_LISTED_ORDER = 40
#: Most room modes listed (f = c n / 2L below fmax).
MAX_MODES = 10_000
#: Speed of sound accepted, m/s (air 343, water 1480, steel about 5900).
MAX_SPEED = 10_000.0


# --------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------

def _floats(values, what: str) -> np.ndarray:
    try:
        return np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        raise InputError(f"{what} must be numbers; got {values!r:.60}.") from None


def _room(room_dim) -> np.ndarray:
    dim = _floats(room_dim, "Room dimensions")
    if dim.shape != (3,):
        raise InputError(f"A shoebox room needs three dimensions (length, width, height); got {dim.size}.")
    if not np.all(np.isfinite(dim)) or np.any(dim <= 0):
        raise InputError(f"Every room dimension must be a positive number of metres; got {tuple(dim.round(3).tolist())}.")
    if np.any(dim > 10_000) or np.any(dim < 0.01):
        raise InputError(f"Room dimensions must lie between 1 cm and 10 km; got {tuple(dim.round(3).tolist())} m.")
    return dim


def _point(p, dim: np.ndarray, name: str) -> np.ndarray:
    p = _floats(p, f"The {name} position")
    if p.shape != (3,) or not np.all(np.isfinite(p)):
        raise InputError(f"The {name} position needs three finite coordinates (x, y, z) in metres.")
    if np.any(p <= 0) or np.any(p >= dim):
        raise InputError(
            f"The {name} at ({p[0]:.2f}, {p[1]:.2f}, {p[2]:.2f}) m is not inside the room "
            f"(0 < x < {dim[0]:g}, 0 < y < {dim[1]:g}, 0 < z < {dim[2]:g})."
        )
    return p


def _absorption(absorption, *, bands: bool = False) -> np.ndarray:
    """Absorption as ``(6,)`` (or ``(6, n_bands)`` when ``bands``), validated to (0, 1]."""
    try:
        a = np.asarray(absorption, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"Absorption must be numbers; got {absorption!r:.60}.") from None
    if a.ndim == 0:
        a = np.full(6, float(a))
    if bands and a.ndim == 1 and a.shape[0] == 6:
        a = a[:, None]
    expected = "a (6, n_bands) table" if bands else "one value or six (one per surface)"
    if a.ndim != (2 if bands else 1) or a.shape[0] != 6 or (bands and not 1 <= a.shape[1] <= 64):
        raise InputError(f"Absorption must be {expected}, ordered {', '.join(SURFACES)}; got shape {a.shape}.")
    if not np.all(np.isfinite(a)):
        raise InputError("Absorption coefficients must be finite numbers.")
    if np.any(a <= 0):
        raise InputError(
            "Absorption 0 means perfectly reflecting walls: sound would never die away "
            "(RT60 would be infinite). Use a small positive value such as 0.01."
        )
    if np.any(a > 1):
        raise InputError(
            f"Absorption coefficients are fractions of energy absorbed and cannot exceed 1; got {a.max():.3g}."
        )
    return a


def _positive(value, name: str, unit: str, hi: float | None = None) -> float:
    return check_number(value, name, lo=0.0, lo_open=True, hi=hi, unit=unit)


def _speed(c) -> float:
    return _positive(c, "Speed of sound", "m/s", MAX_SPEED)


def _rate(sr) -> int:
    return int(check_sr(sr, integer=True))


def _order(max_order) -> int:
    n = check_int(max_order, "The image-source order", lo=0)
    if n > MAX_ORDER_LIMIT:
        raise InputError(
            f"Order {n} means {image_count(n):,} image sources; the limit here is order {MAX_ORDER_LIMIT}. "
            "Use the hybrid model for long reverberation instead."
        )
    return n


# --------------------------------------------------------------------------------------
# image sources
# --------------------------------------------------------------------------------------

def image_count(max_order: int) -> int:
    """Number of image sources (direct sound included) up to ``max_order`` in a shoebox.

    It is the number of integer points with ``|i| + |j| + |k| <= N``:
    ``(2N + 1)(2N^2 + 2N + 3) / 3``.
    """
    n = check_int(max_order, "The image-source order", lo=0, hi=10**6)
    return (2 * n + 1) * (2 * n * n + 2 * n + 3) // 3


def _axis_images(length: float, src: float, mic: float, n: int, beta_lo: np.ndarray, beta_hi: np.ndarray):
    """Per-axis image offsets (image coordinate minus mic coordinate) and reflection gains.

    Image index ``i`` in ``-n..n`` lies at ``i*L + s`` (i even) or ``i*L + L - s`` (i odd)
    and has met the wall at 0 ``floor(i/2)`` (i > 0) or ``ceil(|i|/2)`` (i < 0) times and
    the wall at L the rest of its ``|i|`` reflections.
    """
    i = np.arange(-n, n + 1)
    pos = i * length + np.where(i % 2 == 0, src, length - src)
    a = np.abs(i)
    n_lo = np.where(i > 0, a // 2, (a + 1) // 2)
    n_hi = a - n_lo
    gain = beta_lo[None, :] ** n_lo[:, None] * beta_hi[None, :] ** n_hi[:, None]
    return i, pos - mic, gain, n_lo, n_hi


def _train_samples(dim: np.ndarray, src: np.ndarray, mic: np.ndarray, n: int, scale: float) -> int:
    """Length of the impulse trains: one past the latest arrival of an image of order <= n.

    The farthest image maximises ``dx_i^2 + dy_j^2 + dz_k^2`` over ``|i| + |j| + |k| <= n``;
    per axis only the farther of ``+a`` and ``-a`` matters, so it is a max-plus convolution
    of three length-``n + 1`` vectors (O(n^2), no image list).
    """
    ones = np.ones((1, 1))
    far = []
    for a in range(3):
        i, off, *_ = _axis_images(dim[a], src[a], mic[a], n, ones[0], ones[0])
        d2 = (off * scale) ** 2
        far.append(np.maximum(d2[n:], d2[n::-1]))  # index m: max over i = +m, -m
    X, Y, Z = far
    m = np.arange(n + 1)
    YZ = np.array([np.max(Y[: k + 1] + Z[k::-1]) for k in m])  # best split of k between y and z
    best = np.max(X[m] + YZ[n - m])
    return int(math.floor(math.sqrt(best))) + 2


@dataclass(frozen=True)
class IsmBudget:
    """What one image-source build would cost, and whether it fits the budget."""

    order: int
    n_images: int
    n_samples: int          #: length of the response before the kernel tail
    bytes: float            #: estimated working memory
    fits: bool
    max_order: int          #: highest order that fits (<= ``order``)
    message: str            #: empty when it fits; else what is too big and what fits


def _build_bytes(n_samples: int, n_bands: int) -> float:
    # per band: FRAC_STEPS + 1 float64 trains, plus the complex spectrum and output (~4 more rows);
    # once: a full-size bincount temporary
    return 8.0 * n_samples * (n_bands * (FRAC_STEPS + 1 + 4) + FRAC_STEPS + 1)


def ism_budget(room_dim, source, mic, sr: int, max_order: int, *, n_bands: int = 1,
               c: float = SPEED_OF_SOUND) -> IsmBudget:
    """Cost of :func:`shoebox_rir` (``n_bands=1``) or :func:`shoebox_rir_bands` before running it.

    The image count grows as ``4 N^3 / 3`` and the response length as ``N`` times the room
    size, so one large number (order 120 in a 200 m hall at 44.1 kHz: 70 s, 2.9 GB) must be
    caught here. Budget: :data:`MAX_IMAGES` image sources and :data:`MAX_BUILD_BYTES` bytes.
    """
    dim = _room(room_dim)
    src, mic_p = _point(source, dim, "source"), _point(mic, dim, "microphone")
    sr, c, n = _rate(sr), _speed(c), _order(max_order)
    n_bands = check_int(n_bands, "The number of bands", lo=1, hi=64)
    scale = sr / c

    def cost(k: int) -> tuple[int, int, float]:
        samples = _train_samples(dim, src, mic_p, k, scale)
        return image_count(k), samples, _build_bytes(samples, n_bands)

    def ok(k: int) -> bool:
        images, _, mem = cost(k)
        return images <= MAX_IMAGES and mem <= MAX_BUILD_BYTES

    images, samples, mem = cost(n)
    if ok(n):
        return IsmBudget(n, images, samples, mem, True, n, "")
    lo, hi = -1, n  # ok(lo) (or lo = -1: nothing fits), not ok(hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            lo = mid
        else:
            hi = mid
    what = (f"{images:,} image sources (limit {MAX_IMAGES:,})" if images > MAX_IMAGES else
            f"a {samples / sr:.1f} s response in {n_bands} band{'s' if n_bands > 1 else ''} at {sr} Hz, "
            f"about {mem / 2**30:.1f} GiB of working memory (limit {MAX_BUILD_BYTES / 2**20:.0f} MiB)")
    fix = (f"at most order {lo} fits" if lo >= 0 else "not even the direct sound fits at this sampling rate")
    msg = (f"Image order {n} in a {dim[0]:g} x {dim[1]:g} x {dim[2]:g} m room means {what}; {fix}. "
           "Lower the order or the sampling rate, or use the hybrid model for a long decay.")
    return IsmBudget(n, images, samples, mem, False, max(lo, 0), msg)


@dataclass(frozen=True)
class ImageSources:
    """Image sources of a shoebox room.

    Attributes
    ----------
    positions : np.ndarray
        ``(n, 3)`` image positions in metres.
    orders : np.ndarray
        ``(n,)`` number of reflections of each image (0 = the source itself).
    indices : np.ndarray
        ``(n, 3)`` integer lattice indices (which mirrored room the image sits in).
    reflections : np.ndarray
        ``(n, 6)`` how many times each image's path meets each surface (order of :data:`SURFACES`).
    """

    positions: np.ndarray
    orders: np.ndarray
    indices: np.ndarray
    reflections: np.ndarray


def image_sources(room_dim, source, max_order: int) -> ImageSources:
    """All image sources up to ``max_order`` (sorted by order), for plots and checks.

    Meant for small orders (the plan view; at most :data:`MAX_LISTED_ORDER`): :func:`shoebox_rir`
    never builds this list.
    """
    dim = _room(room_dim)
    src = _point(source, dim, "source")
    n = _order(max_order)
    if n > MAX_LISTED_ORDER:
        raise InputError(f"Listing image sources stops at order {MAX_LISTED_ORDER} ({image_count(MAX_LISTED_ORDER):,} "
                         f"images); order {n} would list {image_count(n):,}.")
    rng = np.arange(-n, n + 1)
    I, J, K = np.meshgrid(rng, rng, rng, indexing="ij")
    keep = np.abs(I) + np.abs(J) + np.abs(K) <= n
    idx = np.stack([I[keep], J[keep], K[keep]], axis=1)
    pos = np.empty(idx.shape)
    refl = np.empty((len(idx), 6), dtype=int)
    for ax in range(3):
        i = idx[:, ax]
        pos[:, ax] = i * dim[ax] + np.where(i % 2 == 0, src[ax], dim[ax] - src[ax])
        a = np.abs(i)
        lo = np.where(i > 0, a // 2, (a + 1) // 2)
        refl[:, 2 * ax], refl[:, 2 * ax + 1] = lo, a - lo
    orders = np.abs(idx).sum(axis=1)
    order = np.argsort(orders, kind="stable")
    return ImageSources(pos[order], orders[order], idx[order], refl[order])


def _frac_kernels(length: int = FRAC_DELAY_LENGTH, steps: int = FRAC_STEPS) -> np.ndarray:
    """Table ``(steps + 1, length)`` of Hann-windowed sinc kernels for fractions k / steps.

    Kernel tap ``m`` of fraction ``f`` holds the response at ``x = m - (length-1)/2 - f``
    samples from the arrival; the Hann window (width ``length``) is centred on the arrival
    (as in Habets' rir-generator), so every kernel has exactly linear phase up to aliasing.
    """
    half = (length - 1) // 2
    frac = np.arange(steps + 1)[:, None] / steps
    x = np.arange(length)[None, :] - half - frac
    window = np.where(np.abs(x) < length / 2, 0.5 * (1 + np.cos(2 * np.pi * x / length)), 0.0)
    return window * np.sinc(x)


def _build(dim, src, mic, sr, beta, n, c, *, length: int | None = None) -> np.ndarray:
    """Core of the fast builder: returns ``(n_bands, n_samples)`` responses.

    ``beta`` is ``(6, n_bands)`` pressure reflection coefficients.
    """
    scale = sr / c  # metres -> samples
    axes = [_axis_images(dim[a], src[a], mic[a], n, beta[2 * a], beta[2 * a + 1]) for a in range(3)]
    nb = beta.shape[1]
    (ix, dx, gx, *_), (iy, dy, gy, *_), (iz, dz, gz, *_) = axes
    # (j, k) plane sorted by |j| + |k|, so the part with order <= M is a prefix.
    J, K = np.meshgrid(np.arange(2 * n + 1), np.arange(2 * n + 1), indexing="ij")
    ojk = (np.abs(iy[J]) + np.abs(iz[K])).ravel()
    sel = np.flatnonzero(ojk <= n)
    sel = sel[np.argsort(ojk[sel], kind="stable")]
    Js, Ks = J.ravel()[sel], K.ravel()[sel]
    yz2 = (dy[Js] * scale) ** 2 + (dz[Ks] * scale) ** 2
    gyz = gy[Js] * gz[Ks]  # (m, nb)
    dx2 = (dx * scale) ** 2
    # amplitude 1/(4 pi r) with r = t / scale
    gx = gx * (scale / (4 * np.pi))

    n_train = _train_samples(dim, src, mic, n, scale) if length is None else int(length)
    steps = FRAC_STEPS
    shift = steps.bit_length() - 1
    assert steps == 1 << shift, "FRAC_STEPS must be a power of two"
    trains = np.zeros((nb, steps + 1, n_train))
    flat = trains.reshape(nb, -1)
    size = flat.shape[1]

    pend_t, pend_a = [], []
    pending = 0

    def flush():
        nonlocal pend_t, pend_a, pending
        if not pend_t:
            return
        t = np.concatenate(pend_t) if len(pend_t) > 1 else pend_t[0]
        amp = np.concatenate(pend_a, axis=0) if len(pend_a) > 1 else pend_a[0]
        pend_t, pend_a = [], []
        t *= steps
        q = t.astype(np.int64)  # t >= 0, so truncation is floor
        np.subtract(t, q, out=t)  # t now holds the weight of the upper kernel
        idx = (q & (steps - 1)) * n_train
        q >>= shift
        idx += q  # kernel row * n_train + integer sample
        del q
        # few images in a long response (a big hall at low order): scatter-add them instead of
        # a bincount that allocates and adds a full-length array per band
        sparse = len(idx) * _SPARSE_RATIO < size
        for b in range(nb):
            hi = amp[:, b] * t
            lo = amp[:, b] - hi
            if sparse:
                np.add.at(flat[b], idx, lo)
                np.add.at(flat[b], idx + n_train, hi)
                continue
            flat[b] += np.bincount(idx, lo, minlength=size)
            idx += n_train
            flat[b] += np.bincount(idx, hi, minlength=size)
            idx -= n_train
        pend_t, pend_a, pending = [], [], 0

    for ii in range(2 * n + 1):
        m = n - abs(int(ix[ii]))
        cnt = 2 * m * m + 2 * m + 1
        t = np.sqrt(dx2[ii] + yz2[:cnt])
        amp = (gx[ii][None, :] * gyz[:cnt]) / t[:, None]
        pend_t.append(t)
        pend_a.append(amp)
        pending += cnt
        if pending >= _BATCH_IMAGES:
            flush()
    flush()

    from scipy import fft as sfft

    kernels = _frac_kernels()
    half = (FRAC_DELAY_LENGTH - 1) // 2
    full = n_train + FRAC_DELAY_LENGTH - 1
    nfft = sfft.next_fast_len(full, real=True)
    H = sfft.rfft(kernels, nfft, axis=1)
    out = np.empty((nb, n_train + half))
    for b in range(nb):
        spec = np.zeros(nfft // 2 + 1, dtype=complex)
        for s in range(steps + 1):
            row = trains[b, s]
            if row.any():
                spec += sfft.rfft(row, nfft) * H[s]
        y = sfft.irfft(spec, nfft)
        # kernel tap `half` sits on the arrival: drop the pre-ringing before t = 0
        out[b] = y[half : half + n_train + half]
    return out


def validate_setup(room_dim, source, mic, absorption=None) -> None:
    """Raise :class:`InputError` (with the reason) if the room, positions or absorption are impossible.

    ``absorption``: scalar, six values or a ``(6, n_bands)`` table (optional).
    """
    dim = _room(room_dim)
    src = _point(source, dim, "source")
    mic_p = _point(mic, dim, "microphone")
    if np.linalg.norm(src - mic_p) < 1e-3:
        raise InputError("The microphone is on top of the source (less than 1 mm apart); move one of them.")
    if absorption is not None:
        _absorption_any(absorption)


def _require_budget(dim, src, mic, sr, max_order, n_bands, c) -> None:
    budget = ism_budget(dim, src, mic, sr, max_order, n_bands=n_bands, c=c)
    if not budget.fits:
        raise InputError(budget.message)


def shoebox_rir(room_dim, source, mic, sr: int, *, absorption, max_order: int, c: float = SPEED_OF_SOUND) -> np.ndarray:
    """Room impulse response of a shoebox room by the image-source method (Allen & Berkley 1979).

    Parameters
    ----------
    room_dim : sequence of 3 floats
        Length, width, height in metres.
    source, mic : sequence of 3 floats
        Positions in metres, strictly inside the room.
    sr : int
        Sampling rate in Hz.
    absorption : float or sequence of 6 floats
        Energy absorption coefficient(s) in (0, 1], one value for all surfaces or one per
        surface ordered ``[x0, x1, y0, y1, z0, z1]`` (see :data:`SURFACES`).
    max_order : int
        Highest number of reflections included.
    c : float
        Speed of sound in m/s.

    Returns
    -------
    np.ndarray
        float64 ``(n,)`` impulse response. Image ``k`` at distance ``r_k`` adds
        ``prod(sqrt(1 - alpha)) / (4 pi r_k)`` times a Hann-windowed sinc centred on
        ``r_k / c * sr`` samples: no global delay is added, so the direct sound sits at
        ``distance / c``. (pyroomacoustics delays everything by 40 samples and scales by
        ``1 / r`` instead.)
    """
    dim = _room(room_dim)
    src = _point(source, dim, "source")
    mic_p = _point(mic, dim, "microphone")
    sr = _rate(sr)
    c = _speed(c)
    if np.linalg.norm(src - mic_p) < 1e-3:
        raise InputError("The microphone is on top of the source (less than 1 mm apart); move one of them.")
    alpha = _absorption(absorption)
    beta = np.sqrt(1.0 - alpha)[:, None]
    _require_budget(dim, src, mic_p, sr, max_order, 1, c)
    return _build(dim, src, mic_p, sr, beta, _order(max_order), c)[0]


def shoebox_rir_bands(room_dim, source, mic, sr: int, *, absorption_bands, max_order: int,
                      c: float = SPEED_OF_SOUND, bands_hz=OCTAVE_BANDS_HZ, return_bands: bool = False) -> np.ndarray:
    """Image-source RIR with frequency-dependent absorption (one column per octave band).

    One image-source pass yields one response per band (same delays, band amplitudes);
    each is restricted to its octave with the zero-phase band split of
    :func:`band_split` (whose bands add up to exactly the input) and the bands are summed.

    Returns the broadband RIR ``(n,)``, or ``(n_bands, n)`` band parts when ``return_bands``.
    """
    dim = _room(room_dim)
    src = _point(source, dim, "source")
    mic_p = _point(mic, dim, "microphone")
    sr = _rate(sr)
    bands_hz = _bands(bands_hz)
    if np.linalg.norm(src - mic_p) < 1e-3:
        raise InputError("The microphone is on top of the source (less than 1 mm apart); move one of them.")
    alpha = _absorption(absorption_bands, bands=True)
    if alpha.shape[1] == 1:
        alpha = np.repeat(alpha, len(bands_hz), axis=1)
    if alpha.shape[1] != len(bands_hz):
        raise InputError(f"Absorption table has {alpha.shape[1]} bands but {len(bands_hz)} band centres were given.")
    c = _speed(c)
    _require_budget(dim, src, mic_p, sr, max_order, alpha.shape[1], c)
    per_band = _build(dim, src, mic_p, sr, np.sqrt(1.0 - alpha), _order(max_order), c)
    parts = np.stack([band_split(per_band[b], sr, bands_hz)[b] for b in range(len(bands_hz))])
    return parts if return_bands else parts.sum(axis=0)


# --------------------------------------------------------------------------------------
# frequency bands
# --------------------------------------------------------------------------------------

def _bands(bands_hz) -> np.ndarray:
    """Band centres: 1 to 32 increasing positive frequencies (Hz)."""
    b = check_values(bands_hz, "The band centres", ndim=1, min_len=1, max_len=32, lo=1e-3, hi=1e7)
    if np.any(np.diff(b) <= 0):
        raise InputError("The band centres must increase.")
    return b


def band_weights(freqs_hz: np.ndarray, bands_hz=OCTAVE_BANDS_HZ, *, transition_oct: float = 1 / 3) -> np.ndarray:
    """Octave-band weights ``(n_bands, n_freqs)`` that add up to exactly 1 at every frequency.

    Neighbouring bands cross over at their common edge (the geometric mean of the two
    centres) with a sine/cosine-squared transition ``transition_oct`` octaves wide; the
    lowest band extends down to 0 Hz and the highest up to Nyquist.
    """
    lf = np.log2(np.maximum(check_values(freqs_hz, "The frequencies", ndim=1, lo=0.0, hi=1e9), 1e-9))
    centres = np.log2(_bands(bands_hz))
    transition_oct = check_number(transition_oct, "The transition width", lo=0.0, lo_open=True, hi=4.0, unit="octaves")
    edges = 0.5 * (centres[:-1] + centres[1:])
    # share of "above edge e" at each frequency, 0 -> 1 across the transition
    above = np.clip((lf[None, :] - edges[:, None]) / transition_oct + 0.5, 0, 1)
    above = np.sin(0.5 * np.pi * above) ** 2
    nb = len(centres)
    w = np.empty((nb, lf.size))
    for b in range(nb):
        lower = above[b - 1] if b > 0 else 1.0
        upper = 1.0 - above[b] if b < nb - 1 else 1.0
        w[b] = lower * upper
    return w


def band_split(y: np.ndarray, sr: int, bands_hz=OCTAVE_BANDS_HZ) -> np.ndarray:
    """Split ``y`` into octave bands ``(n_bands, n)`` (zero phase; the bands sum to ``y``).

    The filtering is done with one FFT of ``y`` zero-padded to twice its length, so the
    filters' ringing does not wrap around from the loud start into a quiet end.
    """
    from scipy import fft as sfft

    y = check_signal(y, "The signal", dtype=np.float64, max_abs=1e12)
    sr = _rate(sr)
    bands_hz = _bands(bands_hz)
    n = len(y)
    nfft = sfft.next_fast_len(2 * n, real=True)
    Y = sfft.rfft(y, nfft)
    w = band_weights(sfft.rfftfreq(nfft, 1.0 / sr), bands_hz)
    return sfft.irfft(Y[None, :] * w, nfft, axis=1)[:, :n]


# --------------------------------------------------------------------------------------
# reverberation formulas
# --------------------------------------------------------------------------------------

def _surfaces(dim: np.ndarray) -> np.ndarray:
    L, W, H = dim
    return np.array([W * H, W * H, L * H, L * H, L * W, L * W])


def _absorption_any(absorption) -> np.ndarray:
    """(6, n_bands) from a scalar, six values, or a (6, n_bands) table."""
    a = np.asarray(absorption, dtype=float)
    if a.ndim == 0 or (a.ndim == 1 and a.shape[0] == 6):
        return _absorption(a)[:, None]
    return _absorption(a, bands=True)


def _squeeze(values: np.ndarray, absorption):
    a = np.asarray(absorption)
    return float(values[0]) if a.ndim <= 1 else values


def rt60_sabine(room_dim, absorption, *, c: float = SPEED_OF_SOUND):
    """Sabine's reverberation time ``T = 24 ln(10) V / (c A)``, ``A = sum_i S_i alpha_i``.

    ``absorption``: scalar, six per-surface values (-> float) or a ``(6, n_bands)``
    table (-> one RT60 per band). About ``0.161 V / A`` s at c = 343 m/s.
    """
    dim = _room(room_dim)
    a = _absorption_any(absorption)
    A = (_surfaces(dim)[:, None] * a).sum(axis=0)
    return _squeeze(24 * np.log(10) * dim.prod() / (_speed(c) * A), absorption)


def rt60_eyring(room_dim, absorption, *, c: float = SPEED_OF_SOUND):
    """Eyring's reverberation time ``T = 24 ln(10) V / (-c S ln(1 - mean alpha))``.

    Better than Sabine for absorbent rooms (it gives 0 s for alpha = 1, Sabine does not).
    Same input shapes as :func:`rt60_sabine`.
    """
    dim = _room(room_dim)
    a = _absorption_any(absorption)
    S = _surfaces(dim)
    mean_a = (S[:, None] * a).sum(axis=0) / S.sum()
    with np.errstate(divide="ignore"):
        denom = -np.log1p(-np.minimum(mean_a, 1.0))
    t = np.where(mean_a >= 1.0, 0.0, 24 * np.log(10) * dim.prod() / (_speed(c) * S.sum() * np.where(denom > 0, denom, 1.0)))
    return _squeeze(t, absorption)


def order_for_rt60(rt60_s: float, room_dim, *, c: float = SPEED_OF_SOUND) -> int:
    """Image order whose diamond of mirrored rooms holds a sphere of radius ``c * rt60``.

    Same rule as ``pyroomacoustics.inverse_sabine``: ``ceil(c T / R_min - 1)`` with
    ``R_min`` the smallest ``l1 l2 / sqrt(l1^2 + l2^2)`` over pairs of room sides.
    """
    dim = _room(room_dim)
    rt60_s = _positive(rt60_s, "RT60", "s", 1e5)
    r = min(l1 * l2 / math.hypot(l1, l2) for l1, l2 in itertools.combinations(dim, 2))
    return max(0, int(math.ceil(_speed(c) * rt60_s / r - 1)))


def inverse_sabine(rt60_s: float, room_dim, *, c: float = SPEED_OF_SOUND) -> tuple[float, int]:
    """Uniform absorption and image order that give a target RT60 (Sabine), as pyroomacoustics does.

    Returns
    -------
    absorption : float
        ``24 ln(10) V / (c S T)``.
    max_order : int
        See :func:`order_for_rt60`.

    Raises
    ------
    InputError
        If the target is shorter than even fully absorbing surfaces (alpha = 1) give.
    """
    dim = _room(room_dim)
    t = _positive(rt60_s, "The target RT60", "s", 1e5)
    c = _speed(c)
    S = _surfaces(dim).sum()
    alpha = 24 * np.log(10) * dim.prod() / (c * S * t)
    if alpha > 1.0:
        t_min = 24 * np.log(10) * dim.prod() / (c * S)
        raise InputError(
            f"An RT60 of {t:.2f} s is out of reach for a {dim[0]:g} x {dim[1]:g} x {dim[2]:g} m room: "
            f"even perfectly absorbing surfaces give {t_min:.2f} s by Sabine's formula "
            "(it would need absorption above 1). Choose a longer target or a smaller room."
        )
    return float(alpha), order_for_rt60(t, dim, c=c)


# --------------------------------------------------------------------------------------
# room modes
# --------------------------------------------------------------------------------------

def axial_modes(room_dim, *, fmax_hz: float = 300.0, c: float = SPEED_OF_SOUND) -> list[tuple[float, str, int]]:
    """Axial room modes ``f = c n / (2 L)`` below ``fmax_hz``: ``(freq_hz, axis, n)`` sorted by frequency."""
    dim = _room(room_dim)
    c = _speed(c)
    fmax_hz = check_number(fmax_hz, "The highest mode frequency", lo=0.0, unit="Hz")
    count = sum(int(fmax_hz * 2 * length / c) for length in dim)
    if count > MAX_MODES:
        raise InputError(f"Below {fmax_hz:g} Hz this room has {count:,} axial modes; at most {MAX_MODES:,} are "
                         "listed. Lower the frequency limit.")
    out = []
    for name, length in zip(("length", "width", "height"), dim):
        n = 1
        while c * n / (2 * length) <= fmax_hz:
            out.append((c * n / (2 * length), name, n))
            n += 1
    return sorted(out)


def schroeder_frequency(rt60_s: float, room_dim) -> float:
    """Schroeder frequency ``2000 sqrt(T / V)`` Hz: above it modes overlap and the field is diffuse."""
    dim = _room(room_dim)
    return float(2000.0 * math.sqrt(_positive(rt60_s, "RT60", "s", 1e5) / dim.prod()))


# --------------------------------------------------------------------------------------
# decay analysis
# --------------------------------------------------------------------------------------

_NO_SR = object()


def _as_rir(rir, sr=_NO_SR) -> np.ndarray:
    try:
        h = np.asarray(rir, dtype=float).ravel()
    except (TypeError, ValueError):
        raise InputError("The impulse response must be an array of numbers.") from None
    if h.size < 2 or not np.all(np.isfinite(h)):
        raise InputError("The impulse response must be at least two finite samples.")
    if float(np.max(np.abs(h))) > 1e12:
        raise InputError("The impulse response holds values beyond 1e12: its energy would overflow.")
    if h.size > MAX_SAMPLES:
        raise InputError(f"The impulse response is too long ({h.size:,} samples; at most {MAX_SAMPLES:,}).")
    if not np.any(h):
        raise InputError("The impulse response is all zeros.")
    if sr is not _NO_SR:
        _rate(sr)
    return h


def onset_index(rir) -> int:
    """First sample within 20 dB of the peak (ISO 3382-1's start of the response)."""
    h = _as_rir(rir)
    e = h * h
    return int(np.argmax(e >= e.max() * 0.01))


def schroeder_decay(rir, *, noise_power: float = 0.0, stop: int | None = None) -> np.ndarray:
    """Schroeder backward integration ``E(t) = sum_{tau >= t} h(tau)^2`` in dB re its start.

    ``noise_power`` (mean squared noise per sample) is subtracted before integrating and the
    sum stops at ``stop`` (both for noise handling; defaults: none). Values where the
    remaining energy is not positive are ``-inf``.
    """
    h = _as_rir(rir)
    noise_power = check_number(noise_power, "The noise power", lo=0.0)
    e = h * h - noise_power
    if stop is not None:
        e = e[: max(1, check_int(stop, "The stop sample", lo=-(2**62), hi=2**62))]
    edc = np.cumsum(e[::-1])[::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        db = 10 * np.log10(np.where(edc > 0, edc, 0) / edc[0]) if edc[0] > 0 else np.full(edc.shape, -np.inf)
    return db


@dataclass(frozen=True)
class NoiseFloor:
    """What the noise-floor analysis found (sample indices are relative to the onset)."""

    power: float          #: mean squared noise per sample
    level_db: float       #: noise power in dB re the peak power
    crosspoint: int       #: where the smoothed decay meets the noise floor
    usable_until: int     #: where the decay is still 10 dB above the noise (end of the trusted EDC)


def noise_floor(rir, sr: int, *, tail_fraction: float = 0.1, block_ms: float = 10.0) -> NoiseFloor:
    """Estimate the noise floor and where the decay meets it (a simplified Lundeby method).

    1. The noise power is the mean square of the last ``tail_fraction`` of the response.
    2. The energy is smoothed in ``block_ms`` blocks; a line is fitted to its dB decay from
       the peak down to 10 dB above the noise.
    3. The crosspoint is where that line reaches the noise level; steps 2-3 repeat twice
       with the noise re-estimated from the part after the crosspoint.

    When the response never rises 20 dB above the noise, ``usable_until`` is one block:
    no decay time can be read from it.
    """
    h = _as_rir(rir, sr)
    tail_fraction = check_number(tail_fraction, "The tail fraction", lo=0.0, lo_open=True, hi=1.0)
    block_ms = check_number(block_ms, "The block length", lo=0.0, lo_open=True, hi=10_000.0, unit="ms")
    h = h[onset_index(h):]
    e = h * h
    peak = e.max()
    tail = max(1, int(len(e) * tail_fraction))
    noise = float(e[-tail:].mean())
    block = max(1, int(sr * block_ms / 1000))
    nblk = len(e) // block
    if nblk < 4:
        return NoiseFloor(noise, 10 * np.log10(max(noise, 1e-300) / peak), len(e), len(e))
    env = e[: nblk * block].reshape(nblk, block).mean(axis=1)
    env_db = 10 * np.log10(np.maximum(env, 1e-300) / peak)
    tb = (np.arange(nblk) + 0.5) * block
    cross = len(e)
    usable = len(e)
    found = False
    for _ in range(3):
        noise_db = 10 * np.log10(max(noise, 1e-300) / peak)
        i0 = int(np.argmax(env_db))
        above = np.flatnonzero(env_db[i0:] > noise_db + 10) + i0
        if len(above) < 2:
            break
        i1 = above[-1] if len(above) else i0 + 1
        seg = slice(i0, i1 + 1)
        slope, icpt = np.polyfit(tb[seg], env_db[seg], 1)
        if slope >= 0:
            break
        cross = int(np.clip((noise_db - icpt) / slope, block, len(e)))
        usable = int(np.clip((noise_db + 10 - icpt) / slope, block, cross))
        found = True
        rest = e[cross:]
        if len(rest) >= max(block, tail // 2):
            noise = float(rest.mean())
    if not found or 10 * np.log10(max(noise, 1e-300) / peak) > -20.0:
        # no decay stands 20 dB clear of the noise: nothing in this response can be trusted
        usable = min(block, len(e))
    return NoiseFloor(noise, 10 * np.log10(max(noise, 1e-300) / peak), cross, usable)


def energy_decay_curve(rir, sr: int, *, noise_handling: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Schroeder decay from the onset: ``(times_s, edc_db)``.

    With ``noise_handling`` the estimated noise floor (:func:`noise_floor`) is subtracted
    and the integration stops at the crosspoint, so a noisy tail does not bend the curve
    up; the curve is returned only up to where the decay is still 10 dB above the noise
    (ISO 3382-1's margin), beyond which it cannot be trusted.
    """
    h = _as_rir(rir, sr)
    h = h[onset_index(h):]
    if noise_handling:
        nf = noise_floor(h, sr)
        edc = schroeder_decay(h, noise_power=nf.power, stop=nf.crosspoint)[: max(2, nf.usable_until)]
    else:
        edc = schroeder_decay(h)
    return np.arange(len(edc)) / sr, edc


def _fit_decay(times_s, edc_db, top_db: float, bottom_db: float) -> tuple[float, float, float]:
    """Least-squares line through the EDC between two levels: ``(T60_s, slope_db_per_s, intercept_db)``."""
    ok = np.isfinite(edc_db)
    t, d = times_s[ok], edc_db[ok]
    if d.size == 0 or d.min() > bottom_db:
        reach = d.min() if d.size else 0.0
        raise InputError(
            f"The decay only reaches {reach:.1f} dB before the noise floor; {-bottom_db:.0f} dB is needed "
            "for this estimate (try a shorter decay range, e.g. T20 instead of T30)."
        )
    i0 = int(np.argmax(d <= top_db))
    i1 = int(np.argmax(d <= bottom_db))
    if i1 - i0 < 2:
        raise InputError("Too few samples in the decay range to fit a line.")
    slope, icpt = np.polyfit(t[i0 : i1 + 1], d[i0 : i1 + 1], 1)
    if slope >= 0:
        raise InputError("The energy does not decay in the fitted range.")
    return float(-60.0 / slope), float(slope), float(icpt)


def measure_rt60(rir, sr: int, *, decay_db: float = 30, noise_handling: bool = True) -> float:
    """Reverberation time from an impulse response: fit the EDC from -5 dB to ``-5 - decay_db`` dB.

    ``decay_db = 20`` gives T20, ``30`` gives T30 (ISO 3382-1); the fitted slope is
    extrapolated to 60 dB. ``noise_handling`` (default) removes the measured noise floor
    first (see :func:`energy_decay_curve`); without it a noisy tail makes T30 too long.

    Raises
    ------
    InputError
        If the decay does not reach ``-5 - decay_db`` dB above the noise.
    """
    d = _positive(decay_db, "The decay range", "dB")
    t, edc = energy_decay_curve(rir, sr, noise_handling=noise_handling)
    return _fit_decay(t, edc, -5.0, -5.0 - d)[0]


#: Fit ranges (top dB, bottom dB) of the standard decay-time estimates.
DECAY_FITS = {"EDT": (0.0, -10.0), "T20": (-5.0, -25.0), "T30": (-5.0, -35.0)}


def decay_times(rir, sr: int, *, noise_handling: bool = True) -> dict[str, dict]:
    """EDT, T20 and T30 with their fitted lines.

    Returns ``{name: {"rt60_s", "slope_db_per_s", "intercept_db", "range_db"}}``;
    ``rt60_s`` is NaN (and ``"error"`` says why) when the decay is too short for that range.
    """
    t, edc = energy_decay_curve(rir, sr, noise_handling=noise_handling)
    out = {}
    for name, (top, bottom) in DECAY_FITS.items():
        try:
            rt, slope, icpt = _fit_decay(t, edc, top, bottom)
            out[name] = {"rt60_s": rt, "slope_db_per_s": slope, "intercept_db": icpt, "range_db": (top, bottom)}
        except InputError as exc:
            out[name] = {"rt60_s": float("nan"), "slope_db_per_s": float("nan"), "intercept_db": float("nan"),
                         "range_db": (top, bottom), "error": str(exc)}
    return out


def band_decay_times(rir, sr: int, *, bands_hz=OCTAVE_BANDS_HZ, noise_handling: bool = True) -> dict[str, np.ndarray]:
    """EDT, T20 and T30 in each octave band (split with :func:`band_split`); NaN where not measurable.

    Returns ``{"EDT": (n_bands,), "T20": ..., "T30": ...}`` in seconds. Bands above 0.45 x
    the sampling rate are NaN.
    """
    h = _as_rir(rir, sr)
    bands_hz = _bands(bands_hz)
    out = {k: np.full(len(bands_hz), np.nan) for k in DECAY_FITS}
    for b, (f, y) in enumerate(zip(bands_hz, band_split(h, sr, bands_hz))):
        if f > 0.45 * sr / np.sqrt(2) or not np.any(y):
            continue
        for k, v in decay_times(y, sr, noise_handling=noise_handling).items():
            out[k][b] = v["rt60_s"]
    return out


def _energies(rir, sr: int, split_ms: float) -> tuple[float, float]:
    h = _as_rir(rir, sr)
    h = h[onset_index(h):]
    k = int(round(min(split_ms * sr / 1000, len(h))))
    e = h * h
    return float(e[:k].sum()), float(e[k:].sum())


def clarity(rir, sr: int, *, early_ms: float = 50) -> float:
    """Clarity ``C_te = 10 log10(E(0..te) / E(te..inf))`` in dB, times from the direct sound.

    ``early_ms = 50`` gives C50 (speech), ``80`` gives C80 (music).
    """
    early, late = _energies(rir, sr, _positive(early_ms, "The early time limit", "ms"))
    if late <= 0:
        return float("inf")
    return float(10 * np.log10(early / late))


def definition(rir, sr: int, *, early_ms: float = 50) -> float:
    """Definition D50: the fraction (0-1) of the energy arriving in the first 50 ms."""
    early, late = _energies(rir, sr, _positive(early_ms, "The early time limit", "ms"))
    if early + late <= 0:
        raise InputError("The impulse response holds no energy after its onset.")
    return float(early / (early + late))


def drr(rir, sr: int, *, window_ms: float = 2.5) -> float:
    """Direct-to-reverberant ratio in dB: energy within ``window_ms`` of the direct peak vs the rest."""
    h = _as_rir(rir, sr)
    window_ms = _positive(window_ms, "The direct-sound window", "ms", 1000.0)
    peak = int(np.argmax(np.abs(h[: onset_index(h) + int(0.005 * sr) + 1])))
    w = int(round(window_ms * sr / 1000))
    e = h * h
    direct = e[max(0, peak - w) : peak + w + 1].sum()
    rev = e.sum() - direct
    if rev <= 0:
        return float("inf")
    return float(10 * np.log10(direct / rev))


# --------------------------------------------------------------------------------------
# hybrid model
# --------------------------------------------------------------------------------------

def mixing_time_s(room_dim) -> float:
    """Mixing time ``sqrt(V)`` ms (V in m^3), after which the field is treated as diffuse."""
    return float(np.sqrt(_room(room_dim).prod()) / 1000.0)


@dataclass(frozen=True)
class HybridRIR:
    """Result of :func:`hybrid_rir`."""

    rir: np.ndarray         #: broadband response
    early: np.ndarray       #: image-source part (before the crossfade)
    late: np.ndarray        #: diffuse tail (before the crossfade)
    mixing_time_s: float    #: start of the crossfade (pure image sources before it)
    join_end_s: float       #: end of the crossfade (pure diffuse tail after it)
    rt60_bands_s: np.ndarray  #: Eyring RT60 per band the tail follows
    max_order: int          #: image order used for the early part
    notice: str = ""        #: what was capped to stay within the work budget (empty: nothing)


def hybrid_rir(room_dim, source, mic, sr: int, *, absorption_bands, duration_s: float | None = None,
               mixing_ms: float | None = None, seed: int = 0, c: float = SPEED_OF_SOUND,
               bands_hz=OCTAVE_BANDS_HZ) -> HybridRIR:
    """Image sources for the early part plus a diffuse, per-band exponential tail.

    * Early part: :func:`shoebox_rir_bands` with every image arriving before the end of
      the join window.
    * Late part: Gaussian noise (seeded) split into octave bands with :func:`band_split`,
      each band's Hilbert envelope divided out (steady energy); band ``b`` decays as
      ``exp(-3 ln(10) t / T_b)`` with ``T_b`` Eyring's RT60 of that band, and is band-limited
      again after shaping.
    * Join: over the window from the mixing time ``t_mix`` (default ``sqrt(V)`` ms, at least
      5 ms after the direct sound) to ``t_mix + max(t_mix, 20 ms)``, each band of the tail is
      scaled so its energy equals the image-source energy of that band there, and a
      power-preserving sine/cosine crossfade switches from one to the other.

    ``duration_s`` defaults to 1.2 x the longest band RT60 (at least 0.2 s). Work is capped:
    at most :data:`MAX_RIR_S` seconds (and :data:`MAX_BUILD_BYTES` of working memory), and the
    early part within :func:`ism_budget`; ``notice`` says what was cut.
    """
    dim = _room(room_dim)
    sr = _rate(sr)
    c = _speed(c)
    seed = check_int(seed, "The seed", lo=0)
    bands_hz = _bands(bands_hz)
    alpha = _absorption(absorption_bands, bands=True)
    if alpha.shape[1] == 1:  # one value per surface (or one for all): the same in every band
        alpha = np.repeat(alpha, len(bands_hz), axis=1)
    if alpha.shape[1] != len(bands_hz):
        raise InputError(f"Absorption table has {alpha.shape[1]} bands but {len(bands_hz)} band centres were given.")
    t_eyring = np.atleast_1d(rt60_eyring(dim, alpha, c=c))
    if mixing_ms is not None:
        mixing_ms = _positive(mixing_ms, "The mixing time", "ms", 1000 * MAX_RIR_S / 4)
    t_mix = (mixing_ms / 1000.0) if mixing_ms is not None else mixing_time_s(dim)
    src, mic_p = _point(source, dim, "source"), _point(mic, dim, "microphone")
    direct_s = float(np.linalg.norm(src - mic_p)) / c
    t_mix = max(t_mix, direct_s + 0.005)
    fade = max(t_mix, 0.02)
    t_end = t_mix + fade
    notices = []
    order = min(order_for_rt60(t_end, dim, c=c), MAX_ORDER_LIMIT)
    budget = ism_budget(dim, src, mic_p, sr, order, n_bands=len(bands_hz), c=c)
    if not budget.fits:
        order = budget.max_order
        notices.append(f"The image sources stop at order {order} (the join needs {budget.order}) to stay within "
                       "the work budget.")
    if duration_s is None:
        duration_s = max(0.2, 1.2 * float(t_eyring.max()))
    duration_s = _positive(duration_s, "Duration", "s")
    # the tail's working memory: about a dozen float64 rows per band
    longest = min(MAX_RIR_S, MAX_BUILD_BYTES / (len(bands_hz) * 8 * 12) / sr)
    if duration_s > longest:
        notices.append(f"The response is cut at {longest:.3g} s to bound the work: the slowest band decays by 60 dB "
                       f"in {t_eyring.max():.1f} s (Eyring), so it would need {duration_s:.1f} s.")
        duration_s = longest
    n = max(int(round(duration_s * sr)), int(math.ceil(t_end * sr)) + 2)
    bands_early = shoebox_rir_bands(dim, src, mic_p, sr, absorption_bands=alpha, max_order=order, c=c,
                                    bands_hz=bands_hz, return_bands=True)
    early_b = np.zeros((len(bands_hz), n))
    m = min(n, bands_early.shape[1])
    early_b[:, :m] = bands_early[:, :m]

    from scipy.signal import hilbert

    rng = np.random.default_rng(seed)
    noise_b = band_split(rng.standard_normal(n), sr, bands_hz)
    # divide out each band's Hilbert envelope: the band keeps its spectrum but its energy no
    # longer fluctuates, so one realisation decays like the average of many
    noise_b /= np.maximum(np.abs(hilbert(noise_b, axis=1)), 1e-12)
    t = np.arange(n) / sr
    decay = np.exp(-3 * np.log(10) * t[None, :] / np.maximum(t_eyring[:, None], 1e-4))
    # band-limit again after shaping: the normalisation and the decay widened each band's spectrum,
    # and leakage from a slower neighbouring band would lengthen this band's measured decay
    from scipy import fft as sfft

    nfft = sfft.next_fast_len(2 * n, real=True)
    wts = band_weights(sfft.rfftfreq(nfft, 1.0 / sr), bands_hz)
    late_b = sfft.irfft(sfft.rfft(noise_b * decay, nfft, axis=1) * wts, nfft, axis=1)[:, :n]
    a = min(int(round(t_mix * sr)), n - 2)
    b = min(max(int(round(t_end * sr)), a + 2), n)
    e_early = (early_b[:, a:b] ** 2).sum(axis=1)
    e_late = (late_b[:, a:b] ** 2).sum(axis=1)
    gain = np.sqrt(np.where(e_late > 0, e_early / np.maximum(e_late, 1e-300), 0.0))
    late_b *= gain[:, None]
    x = np.clip((t - t_mix) / fade, 0, 1)
    # sine/cosine weights keep the power constant across the join (the parts are uncorrelated)
    w_late, w_early = np.sin(0.5 * np.pi * x), np.cos(0.5 * np.pi * x)
    early, late = early_b.sum(axis=0), late_b.sum(axis=0)
    rir = early * w_early + late * w_late
    return HybridRIR(rir, early, late, float(t_mix), float(t_end), t_eyring, order, " ".join(notices))


@dataclass(frozen=True)
class IRCheck:
    """Whether a recording looks like a room impulse response, and why not (:func:`check_impulse_response`)."""

    looks_like_ir: bool
    problems: tuple[str, ...]  #: learner-readable reasons, empty when it looks like one
    onset_s: float             #: where the response starts (first sample within 20 dB of the peak)
    decay_range_db: float      #: how far the smoothed energy falls from its peak to the noise floor
    decay_fit_r2: float        #: how straight that fall is on a dB scale (1 = a clean exponential decay)


def check_impulse_response(rir, sr: int, *, block_ms: float = 10.0) -> IRCheck:
    """Does this look like a room impulse response: one onset, a decay, a noise floor?

    Room measures (EDT, T20, T30, C50, DRR) assume the recording is the room's answer to one
    impulse: silence (or noise) before a sharp onset, then an energy that falls roughly
    exponentially (a straight line in dB) into the noise floor. Music, speech or a clip cut
    in the middle of a sound have none of this, and the same formulas still print numbers.
    Checks, each of which adds a reason when it fails:

    - the onset lies in the first quarter of the recording (and before 1 s);
    - the smoothed energy falls at least 20 dB below its peak before the end (the decay range);
    - that fall is close to a straight line in dB (coefficient of determination >= 0.7);
    - there are at least 20 ms after the onset.

    Parameters
    ----------
    rir : array_like
        The recording (mono).
    sr : int
        Sampling rate in Hz.
    block_ms : float
        Length of the energy-smoothing blocks.

    Returns
    -------
    IRCheck
    """
    h = _as_rir(rir, sr)
    block_ms = check_number(block_ms, "The block length", lo=0.0, lo_open=True, hi=10_000.0, unit="ms")
    dur = len(h) / sr
    on = onset_index(h)
    onset_s = on / sr
    problems = []
    if onset_s > min(1.0, 0.25 * dur):
        problems.append(f"its strongest onset comes {onset_s:.2f} s into a {dur:.2f} s recording; an impulse "
                        "response starts with it")
    after = h[on:]
    e = after * after
    block = max(1, int(sr * block_ms / 1000))
    nblk = len(e) // block
    if len(after) < 0.02 * sr or nblk < 4:
        problems.append(f"only {1000 * len(after) / sr:.0f} ms follow the onset; a decay needs more")
        return IRCheck(False, tuple(problems), onset_s, 0.0, 0.0)
    env = e[: nblk * block].reshape(nblk, block).mean(axis=1)
    env_db = 10 * np.log10(np.maximum(env / env.max(), 1e-20))  # digital silence counts as -200 dB
    i0 = int(np.argmax(env_db))
    floor_db = float(np.median(env_db[-max(1, nblk // 10):]))  # the last tenth: the noise floor (or no decay)
    decay_range = -floor_db
    if decay_range < 20.0:
        problems.append(f"its energy falls only {decay_range:.0f} dB from the peak to the end (an impulse "
                        "response decays at least 20 dB into its noise floor)")
    # straightness of the fall, from the peak to 5 dB above the floor
    above = np.flatnonzero(env_db[i0:] > floor_db + 5) + i0
    r2 = 0.0
    if len(above) >= 3:
        seg = slice(i0, int(above[-1]) + 1)
        x = np.arange(nblk)[seg].astype(float)
        yv = env_db[seg]
        slope, icpt = np.polyfit(x, yv, 1)
        resid = yv - (slope * x + icpt)
        ss_tot = float(np.sum((yv - yv.mean()) ** 2))
        r2 = 1.0 - float(np.sum(resid**2)) / ss_tot if ss_tot > 0 else 0.0
        if slope >= 0:
            r2 = 0.0
    if decay_range >= 20.0 and r2 < 0.7:
        problems.append(f"its energy does not fall steadily after the onset (a straight-line fit in dB explains "
                        f"only {100 * max(r2, 0):.0f} % of it): more than one sound, or a sound still going on")
    return IRCheck(not problems, tuple(problems), onset_s, decay_range, r2)
