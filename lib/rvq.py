"""A weight-free residual vector quantiser (RVQ) you can train on one clip.

DAC's bitstream is residual vector quantisation: stage 1 picks the nearest
codebook entry, stage 2 quantises what stage 1 left over, and so on; keeping
the first k stages gives a coarser version of the same signal. Here the same
idea runs on MDCT coefficients of the clip itself, with codebooks learned by
k-means (Lloyd's algorithm, k-means++ seeding, fixed seed). Because the MDCT
is perfectly invertible, every stage can be decoded back to audio and heard.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lib.errors import MAX_AMPLITUDE, MAX_SAMPLES, MAX_WORK, InputError, check_int, check_signal, check_sr

#: Largest MDCT size (frame hop) and vector size accepted.
MAX_BINS = 8192


# --------------------------------------------------------------------------- MDCT
def mdct_basis(n_bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Sine window (length 2M) and the orthonormal MDCT basis ``(2M, M)``.

    ``X[k] = sqrt(2/M) * sum_n w[n] x[n] cos(pi/M (n + 1/2 + M/2)(k + 1/2))``.
    With the sine window (Princen-Bradley condition ``w[n]^2 + w[n+M]^2 = 1``),
    windowed overlap-add of the inverse cancels the time-domain aliasing
    (TDAC), so analysis followed by synthesis is the identity.
    """
    m = check_int(n_bins, "The MDCT size", lo=2, hi=MAX_BINS)
    n = np.arange(2 * m)
    k = np.arange(m)
    window = np.sin(np.pi * (n + 0.5) / (2 * m))
    basis = np.sqrt(2.0 / m) * np.cos(np.pi / m * (n[:, None] + 0.5 + m / 2) * (k[None, :] + 0.5))
    return window, basis


def mdct(y: np.ndarray, n_bins: int = 256) -> np.ndarray:
    """MDCT frames of ``y``: ``(n_frames, n_bins)``, hop ``n_bins``, 50 % overlap.

    The signal is padded with ``n_bins`` zeros in front and enough at the end
    that :func:`imdct` returns exactly the input.
    """
    y = check_signal(y, "The signal", dtype=np.float64, max_abs=MAX_AMPLITUDE)
    m = check_int(n_bins, "The MDCT size", lo=2, hi=MAX_BINS)
    if len(y) * 2 * m > MAX_WORK:
        raise InputError(f"An MDCT of {m} bins over {len(y):,} samples is too much work here; use fewer bins.")
    window, basis = mdct_basis(m)
    n_frames = int(np.ceil(len(y) / m)) + 1
    padded = np.zeros((n_frames + 1) * m)
    padded[m : m + len(y)] = y
    frames = np.lib.stride_tricks.sliding_window_view(padded, 2 * m)[::m][:n_frames]
    return (frames * window) @ basis


def imdct(coefs: np.ndarray, length: int) -> np.ndarray:
    """Inverse of :func:`mdct` (windowed overlap-add), trimmed to ``length`` samples."""
    coefs = check_signal(coefs, "The MDCT coefficients", ndim=2, dtype=np.float64, max_abs=1e12)
    length = check_int(length, "The length", lo=0, hi=MAX_SAMPLES)
    n_frames, m = coefs.shape
    if m < 2 or m > MAX_BINS or coefs.size * 2 * m > MAX_WORK:
        raise InputError(f"MDCT frames of {m} bins: need 2 to {MAX_BINS} bins and a manageable size.")
    window, basis = mdct_basis(m)
    frames = (coefs @ basis.T) * window
    out = np.zeros((n_frames + 1) * m)
    for t in range(n_frames):
        out[t * m : t * m + 2 * m] += frames[t]
    return out[m : m + int(length)]


# ------------------------------------------------------------------------ k-means
def _sq_dist(x: np.ndarray, c: np.ndarray) -> np.ndarray:
    return (np.sum(x * x, axis=1)[:, None] - 2.0 * x @ c.T + np.sum(c * c, axis=1)[None, :])


def assign(x: np.ndarray, codebook: np.ndarray, *, block: int = 16384) -> np.ndarray:
    """Index of the nearest codebook row (squared Euclidean) for every row of ``x``."""
    x = check_signal(x, "The vectors", ndim=2, min_len=1, dtype=np.float64, max_abs=1e12)
    codebook = check_signal(codebook, "The codebook", ndim=2, min_len=1, dtype=np.float64, max_abs=1e12)
    if codebook.shape[1] != x.shape[1] or len(codebook) == 0:
        raise InputError(f"The codebook's vectors ({codebook.shape[1]}-D) must match the data's ({x.shape[1]}-D).")
    block = check_int(block, "The block size", lo=1, hi=1 << 20)
    if len(x) * len(codebook) * x.shape[1] > 8 * MAX_WORK:
        raise InputError("Too many vectors times codebook entries to compare here.")
    out = np.empty(len(x), dtype=np.int64)
    for a in range(0, len(x), block):
        out[a : a + block] = np.argmin(_sq_dist(x[a : a + block], codebook), axis=1)
    return out


def kmeans(x: np.ndarray, n_clusters: int, *, n_iter: int = 12, seed: int = 0) -> np.ndarray:
    """Lloyd's k-means with k-means++ seeding; returns the ``(n_clusters, dim)`` codebook.

    Deterministic for a given ``seed``. Empty clusters are re-seeded with the
    point farthest from its centroid, so every entry of the codebook is used.
    """
    if np.ndim(x) == 2 and np.shape(x)[0] == 0:
        raise InputError("k-means needs at least one vector.")
    x = check_signal(x, "The vectors", ndim=2, dtype=np.float64, max_abs=1e12)
    n = len(x)
    k = check_int(n_clusters, "The number of clusters", lo=1, hi=1 << 14)
    n_iter = check_int(n_iter, "The number of iterations", lo=0, hi=1000)
    if n == 0:
        raise InputError("k-means needs at least one vector.")
    if n * k * x.shape[1] * max(n_iter, 1) > 8 * MAX_WORK:
        raise InputError(f"k-means with {k} clusters on {n:,} vectors is too much work here; use fewer.")
    rng = np.random.default_rng(check_int(seed, "The seed", lo=0))
    if n <= k:  # fewer points than entries: every point is its own entry
        reps = np.resize(np.arange(n), k)
        return x[reps].copy()
    centers = np.empty((k, x.shape[1]))
    centers[0] = x[rng.integers(n)]
    d2 = np.sum((x - centers[0]) ** 2, axis=1)
    for i in range(1, k):
        total = d2.sum()
        idx = rng.integers(n) if total <= 0 else rng.choice(n, p=d2 / total)
        centers[i] = x[idx]
        d2 = np.minimum(d2, np.sum((x - centers[i]) ** 2, axis=1))
    for _ in range(int(n_iter)):
        d = _sq_dist(x, centers)
        labels = np.argmin(d, axis=1)
        counts = np.bincount(labels, minlength=k)
        sums = np.stack([np.bincount(labels, weights=x[:, j], minlength=k) for j in range(x.shape[1])], axis=1)
        nonempty = counts > 0
        new = centers.copy()
        new[nonempty] = sums[nonempty] / counts[nonempty, None]
        empty = np.flatnonzero(~nonempty)
        if len(empty):
            far = np.argsort(-d[np.arange(n), labels])[: len(empty)]
            new[empty] = x[far]
        if np.allclose(new, centers):
            centers = new
            break
        centers = new
    return centers


# ---------------------------------------------------------------------------- RVQ
@dataclass(frozen=True)
class RVQ:
    """A trained residual vector quantiser.

    Attributes
    ----------
    codebooks : list of np.ndarray
        One ``(2**bits, dim)`` codebook per stage.
    """

    codebooks: tuple

    @property
    def n_stages(self) -> int:
        return len(self.codebooks)

    @property
    def bits_per_vector(self) -> float:
        return float(sum(np.log2(len(c)) for c in self.codebooks))


def train_rvq(x: np.ndarray, n_stages: int, bits: int, *, n_iter: int = 12, seed: int = 0,
              max_train: int = 6000) -> tuple[RVQ, np.ndarray, np.ndarray]:
    """Train an RVQ stage by stage on ``x`` (rows are vectors) and encode ``x`` with it.

    Stage ``s`` runs k-means (``2**bits`` entries) on the residual left by
    stages ``< s``. Training uses at most ``max_train`` rows (a fixed random
    subset) so long clips stay fast; every row is then assigned.

    Returns
    -------
    rvq : RVQ
    codes : np.ndarray
        ``(n_stages, n_vectors)`` integer codes.
    residual_energy : np.ndarray
        ``(n_stages + 1,)``: sum of squared residuals before any stage and
        after each stage (non-increasing).
    """
    if np.ndim(x) != 2 or len(x) == 0:
        raise InputError("RVQ needs a non-empty 2-D array of vectors.")
    x = check_signal(x, "The vectors", ndim=2, dtype=np.float64, max_abs=1e12)
    bits = check_int(bits, "Bits per stage")
    if not 1 <= bits <= 12:
        raise InputError(f"Bits per stage must be between 1 and 12; got {bits}.")
    n_stages = check_int(n_stages, "The number of RVQ stages", lo=1, hi=64)
    max_train = check_int(max_train, "The training-set size", lo=1, hi=1_000_000)
    seed = check_int(seed, "The seed", lo=0, hi=2**32 - 100)
    rng = np.random.default_rng(seed)
    train_idx = np.sort(rng.choice(len(x), size=min(len(x), int(max_train)), replace=False))
    residual = x.copy()
    books, codes, energy = [], [], [float(np.sum(residual**2))]
    for s in range(int(n_stages)):
        book = kmeans(residual[train_idx], 2 ** int(bits), n_iter=n_iter, seed=seed + s)
        idx = assign(residual, book)
        residual = residual - book[idx]
        books.append(book)
        codes.append(idx)
        energy.append(float(np.sum(residual**2)))
    return RVQ(tuple(books)), np.stack(codes), np.array(energy)


def rvq_decode(rvq: RVQ, codes: np.ndarray, n_stages: int | None = None) -> np.ndarray:
    """Sum of the chosen codebook entries of the first ``n_stages`` stages."""
    if not isinstance(rvq, RVQ):
        raise InputError(f"Decode with a trained RVQ (from train_rvq); got a {type(rvq).__name__}.")
    codes = check_signal(codes, "The codes", ndim=2, min_len=0)
    if codes.shape[0] < rvq.n_stages or np.any(codes != np.round(codes)) or (codes.size and (
            codes.min() < 0 or codes.max() >= min(len(c) for c in rvq.codebooks))):
        raise InputError(f"Codes must be ({rvq.n_stages}, n) whole numbers indexing the codebooks.")
    codes = codes.astype(np.int64)
    k = rvq.n_stages if n_stages is None else check_int(n_stages, "The number of stages")
    if not 0 <= k <= rvq.n_stages:
        raise InputError(f"Can decode 0 to {rvq.n_stages} stages; got {k}.")
    out = np.zeros((codes.shape[1], rvq.codebooks[0].shape[1]))
    for s in range(k):
        out += rvq.codebooks[s][codes[s]]
    return out


def rvq_encode(rvq: RVQ, x: np.ndarray) -> np.ndarray:
    """Codes ``(n_stages, n_vectors)`` of the rows of ``x`` with a trained RVQ (nearest entry per stage)."""
    if not isinstance(rvq, RVQ):
        raise InputError(f"Encode with a trained RVQ (from train_rvq); got a {type(rvq).__name__}.")
    residual = check_signal(x, "The vectors", ndim=(1, 2), dtype=np.float64, max_abs=1e12)
    if residual.ndim != 2 or residual.shape[1] != rvq.codebooks[0].shape[1]:
        raise InputError(f"Vectors must be rows of {rvq.codebooks[0].shape[1]} values; got shape {residual.shape}.")
    codes = []
    for book in rvq.codebooks:
        idx = assign(residual, book)
        residual = residual - book[idx]
        codes.append(idx)
    return np.stack(codes)


@dataclass(frozen=True)
class MdctRVQResult:
    """Everything the page shows for the k-means RVQ codec."""

    rvq: RVQ
    codes: np.ndarray           # (n_stages, n_vectors)
    residual_energy: np.ndarray  # (n_stages + 1,), relative to the signal (first entry 1.0)
    n_bins: int
    dim: int
    bits: int
    sr: int
    length: int
    n_frames: int

    @property
    def vectors_per_frame(self) -> int:
        return self.n_bins // self.dim

    def bits_per_frame(self, n_stages: int) -> int:
        """Bits per MDCT frame (hop ``n_bins`` samples) with ``n_stages`` stages."""
        return int(n_stages) * self.vectors_per_frame * self.bits

    def bitrate_kbps(self, n_stages: int) -> float:
        """``bits_per_frame * frame_rate / 1000`` (codebooks themselves not counted)."""
        return self.bits_per_frame(n_stages) * self.sr / self.n_bins / 1000.0

    def decode(self, n_stages: int) -> np.ndarray:
        """Audio from the first ``n_stages`` stages (float32, original length)."""
        return self.decode_codes(self.codes, n_stages)

    def decode_codes(self, codes: np.ndarray, n_stages: int | None = None) -> np.ndarray:
        """Audio from any code grid of this clip's shape (e.g. codes swapped with another take's)."""
        codes = np.asarray(codes)
        if codes.shape != self.codes.shape:
            raise InputError(f"Codes must have this clip's shape {self.codes.shape}; got {codes.shape}.")
        vec = rvq_decode(self.rvq, codes, n_stages)
        coefs = vec.reshape(self.n_frames, self.n_bins)
        return imdct(coefs, self.length).astype(np.float32)


def mdct_rvq(y: np.ndarray, sr: int, *, n_stages: int = 8, bits: int = 8, n_bins: int = 256, dim: int = 16,
             seed: int = 0, n_iter: int = 12, max_train: int = 6000) -> MdctRVQResult:
    """Train a k-means RVQ on the clip's own MDCT coefficients.

    Each MDCT frame (``n_bins`` coefficients, hop ``n_bins`` samples) is cut
    into ``n_bins / dim`` sub-vectors of ``dim`` neighbouring coefficients;
    every stage spends ``bits`` bits on each sub-vector. The bitrate per stage
    is therefore ``bits / dim`` bits per sample times ``sr``: with 8 bits per
    16-dimensional vector at 16 kHz, 8 kbps per stage.

    High-rate theory predicts about ``6.02 * bits / dim`` dB less residual
    energy per stage; k-means trained on the clip itself does better in the
    first stages (it learns the clip's spectral shape). The codebooks are
    *not* counted in the bitrate (a real codec ships them once, like DAC's).
    """
    y = check_signal(y, "The clip", dtype=np.float64, max_abs=MAX_AMPLITUDE)
    sr = check_sr(sr, integer=True)
    n_bins = check_int(n_bins, "The MDCT size", lo=2, hi=MAX_BINS)
    dim = check_int(dim, "The vector size", lo=1, hi=n_bins)
    if len(y) < 2 * n_bins:
        raise InputError(f"The clip is too short for the MDCT ({len(y)} samples < {2 * n_bins}).")
    if n_bins % dim:
        raise InputError(f"The vector size ({dim}) must divide the MDCT size ({n_bins}).")
    coefs = mdct(y, n_bins)
    vectors = coefs.reshape(-1, dim)
    rvq, codes, energy = train_rvq(vectors, n_stages, bits, n_iter=n_iter, seed=seed, max_train=max_train)
    rel = energy / max(energy[0], 1e-30)
    return MdctRVQResult(rvq=rvq, codes=codes, residual_energy=rel, n_bins=int(n_bins), dim=int(dim),
                         bits=int(bits), sr=int(sr), length=len(y), n_frames=coefs.shape[0])


def codebook_entropy_bits(codes: np.ndarray, codebook_size: int) -> np.ndarray:
    """Empirical entropy (bits) of each codebook's code distribution (one per row).

    ``H = -sum p log2 p`` over the codebook's entries; a uniform use of 1024
    entries gives 10 bits, so ``10 - H`` is what entropy coding could save.
    """
    codebook_size = check_int(codebook_size, "The codebook size", lo=1, hi=1 << 24)
    codes = np.atleast_2d(check_signal(codes, "The codes", ndim=(1, 2), min_len=1))
    if np.any(codes != np.round(codes)) or codes.min() < 0 or codes.max() >= codebook_size:
        raise InputError(f"Codes must be whole numbers from 0 to {codebook_size - 1}.")
    out = np.empty(codes.shape[0])
    for i, row in enumerate(codes):
        p = np.bincount(row.astype(np.int64), minlength=codebook_size).astype(np.float64)
        p = p[p > 0] / p.sum()
        out[i] = float(-(p * np.log2(p)).sum())
    return out


def mdct_rvq_shared(clips, sr: int, *, n_stages: int = 8, bits: int = 8, n_bins: int = 256, dim: int = 16,
                    seed: int = 0, n_iter: int = 12, max_train: int = 6000) -> list[MdctRVQResult]:
    """One k-means RVQ trained on the MDCT vectors of several equally long clips, and each clip coded with it.

    Codes of different clips index the same codebooks, so they can be mixed
    (the clean/noisy codebook-swap experiment); see :func:`mdct_rvq` for the
    coding itself.
    """
    if isinstance(clips, np.ndarray) and clips.ndim == 2:
        clips = list(clips)
    if not isinstance(clips, (list, tuple)) or not 1 <= len(clips) <= 64:
        raise InputError("Give a list of 1 to 64 clips of the same length.")
    ys = [check_signal(c, f"Clip {i + 1}", dtype=np.float64, max_abs=MAX_AMPLITUDE) for i, c in enumerate(clips)]
    sr = check_sr(sr, integer=True)
    n_bins = check_int(n_bins, "The MDCT size", lo=2, hi=MAX_BINS)
    dim = check_int(dim, "The vector size", lo=1, hi=n_bins)
    if not ys or len({len(c) for c in ys}) != 1:
        raise InputError("The clips must be given and all have the same length.")
    if len(ys[0]) < 2 * n_bins:
        raise InputError(f"The clips are too short for the MDCT ({len(ys[0])} samples < {2 * n_bins}).")
    if n_bins % dim:
        raise InputError(f"The vector size ({dim}) must divide the MDCT size ({n_bins}).")
    coefs = [mdct(c, n_bins) for c in ys]
    vectors = [c.reshape(-1, dim) for c in coefs]
    rvq, _, _ = train_rvq(np.concatenate(vectors), n_stages, bits, n_iter=n_iter, seed=seed, max_train=max_train)
    out = []
    for c, v in zip(coefs, vectors):
        codes = rvq_encode(rvq, v)
        resid = v.copy()
        energy = [float(np.sum(resid**2))]
        for s in range(rvq.n_stages):
            resid = resid - rvq.codebooks[s][codes[s]]
            energy.append(float(np.sum(resid**2)))
        rel = np.array(energy) / max(energy[0], 1e-30)
        out.append(MdctRVQResult(rvq=rvq, codes=codes, residual_energy=rel, n_bins=int(n_bins), dim=int(dim),
                                 bits=int(bits), sr=int(sr), length=len(ys[0]), n_frames=c.shape[0]))
    return out
