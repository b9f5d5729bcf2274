"""How SyncNet learns: free labels from video, a contrastive loss, and a tiny two-tower network.

SyncNet (Chung & Zisserman 2016, "Out of time") was trained without a single
human label. Any talking-face video that is in sync gives **positive pairs** for
free: 0.2 s of mouth (5 video frames) and the 0.2 s of sound recorded with it
(13 MFCCs x 20 steps of 10 ms). Moving the same audio by a few frames gives
**negative pairs**, equally free. Two networks (towers) embed the mouth window
and the audio window; a **contrastive loss** pulls the embeddings of a positive
pair together and pushes a negative pair at least a margin apart. Once trained,
the distance between the two embeddings is small at the true alignment and
large elsewhere, so sliding the audio and keeping the smallest mean distance
measures an offset (:mod:`lib.syncnet` does that with the released network).

This module does the whole thing at toy scale, on a CPU, in seconds:

* :func:`prepare_clip` - grey mouth crops (the mouth box of :mod:`lib.sync`) and
  MFCCs (the reference's, :func:`lib.syncnet.mfcc_features`), normalised per clip;
* :func:`make_pairs` - the self-supervised pairs and their labels;
* :func:`contrastive_loss` - the loss, written once for numpy and torch;
* :func:`build_tiny_syncnet` - the two towers (0.13 M parameters; the released
  SyncNet has 13.6 M: 8.0 M in the lip tower, 5.7 M in the audio tower);
* :func:`train` - seeded, deterministic training with per-epoch loss, distance
  gap and distance histograms; the :class:`TrainResult` measures offsets on
  clips it did not train on (:meth:`TrainResult.estimate_offset`).

torch is imported only inside the functions that need it.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from lib import sync, syncnet
from lib.errors import InputError, check_int, check_number, check_values

#: Mouth crop fed to the video tower: (width, height) in pixels, grey.
MOUTH_SIZE = (48, 32)
#: Embedding size of both towers.
EMBED_DIM = 32
#: Contrastive-loss margin: a negative pair farther apart than this costs nothing.
MARGIN = 1.0
#: Default training length and the range of audio shifts used as negatives (frames).
EPOCHS = 15
MAX_SHIFT = 10
MIN_SHIFT = 1
#: Matched and shifted pairs kept for the per-epoch distance histograms.
EVAL_PAIRS = 300
WINDOW = syncnet.WINDOW_FRAMES
#: Most windows one clip may give (over an hour of video at 25 fps).
MAX_WINDOWS = 100_000
MFCC_PER_FRAME = syncnet.MFCC_PER_FRAME
WINDOW_MFCC = syncnet.WINDOW_MFCC


# --------------------------------------------------------------------------- data
@dataclass
class ClipFeatures:
    """One clip ready for the towers.

    Attributes
    ----------
    mouth : np.ndarray
        float32 ``[T, h, w]`` grey mouth crops, zero mean and unit variance over the clip.
    mfcc : np.ndarray
        float32 ``[13, steps]`` MFCCs at 100 Hz, each coefficient zero mean and unit
        variance over the clip (cepstral mean and variance normalisation).
    n_windows : int
        Windows with both 5 frames of video and 20 MFCC steps of audio
        (:func:`lib.syncnet.n_windows`).
    boxes : np.ndarray
        Face boxes ``[T, 4]`` the crops came from.
    """

    mouth: np.ndarray
    mfcc: np.ndarray
    n_windows: int
    boxes: np.ndarray

    def video_windows(self, idx: np.ndarray) -> np.ndarray:
        """Mouth windows ``[len(idx), 5, h, w]``: frames ``i .. i+4`` for each ``i``."""
        idx = np.asarray(idx, int)
        return self.mouth[idx[:, None] + np.arange(WINDOW)]

    def audio_windows(self, idx: np.ndarray) -> np.ndarray:
        """MFCC windows ``[len(idx), 1, 13, 20]``: steps ``4 i .. 4 i + 19`` for each ``i``."""
        idx = np.asarray(idx, int)
        cols = MFCC_PER_FRAME * idx[:, None] + np.arange(WINDOW_MFCC)
        return np.transpose(self.mfcc[:, cols], (1, 0, 2))[:, None]


def _zscore(x: np.ndarray, axis=None) -> np.ndarray:
    x = np.asarray(x, np.float32)
    mean = x.mean(axis=axis, keepdims=axis is not None)
    std = x.std(axis=axis, keepdims=axis is not None)
    return ((x - mean) / np.maximum(std, 1e-6)).astype(np.float32)


def prepare_clip(frames: np.ndarray, audio: np.ndarray, *, boxes: np.ndarray | None = None) -> ClipFeatures:
    """Mouth crops and MFCCs of one clip (``frames`` uint8 ``[T, H, W, 3]`` at 25 fps, ``audio`` 16 kHz).

    The face is found with :func:`lib.sync.detect_faces` (unless ``boxes`` are given),
    the mouth box is :func:`lib.sync.mouth_boxes`, and the crops are
    :func:`lib.sync.grey_patches` of it at :data:`MOUTH_SIZE`. Per-clip normalisation
    removes what differs between recordings and says nothing about sync (lighting,
    loudness, microphone colour).

    Raises
    ------
    InputError
        Bad shapes, too short (fewer than two windows), no face.
    """
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise InputError(f"frames must be uint8 [T, H, W, 3] RGB; got {frames.dtype} {frames.shape}.")
    audio = np.asarray(audio, np.float32).reshape(-1)
    n = syncnet.n_windows(len(frames), len(audio))
    if n < 2:
        raise InputError(f"The clip is too short to make training pairs: {len(frames)} frames and "
                         f"{len(audio) / syncnet.SR:.2f} s of audio give {max(n, 0)} windows of 5 frames.")
    if boxes is None:
        boxes, _ = sync.detect_faces(frames)
    boxes = np.asarray(boxes, float)
    mouth = sync.grey_patches(frames, sync.mouth_boxes(boxes), MOUTH_SIZE)
    # Remove the clip's mean mouth picture: what stays is how the mouth *changes*, which is what
    # sync is about; the face's look (skin, lighting, beard) goes.
    mouth = _zscore(mouth - mouth.mean(axis=0))
    mfcc = _zscore(syncnet.mfcc_features(audio), axis=1)
    return ClipFeatures(mouth=mouth, mfcc=mfcc, n_windows=n, boxes=boxes)


def make_pairs(n_windows: int, rng: np.random.Generator, *, max_shift: int = MAX_SHIFT,
               min_shift: int = MIN_SHIFT) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Self-supervised pairs of one clip: every window once in sync, once with the audio shifted.

    Window ``i`` of the video is paired with audio window ``i`` (label 1: these were
    recorded together) and with audio window ``i + s`` (label 0), where the shift ``s`` is
    drawn uniformly from ``±min_shift ... ±max_shift`` frames among the shifts that stay
    inside the clip.

    Returns
    -------
    video_idx, audio_idx, label : np.ndarray
        int arrays of ``2 n_windows`` pairs (positives first) and float32 labels.
    """
    n_windows = check_int(n_windows, "The number of windows", lo=0, hi=MAX_WINDOWS)
    if not isinstance(rng, np.random.Generator):
        raise InputError(f"rng must be a numpy Generator (np.random.default_rng(seed)); got {type(rng).__name__}.")
    max_shift = check_int(max_shift, "max_shift", hi=MAX_WINDOWS)
    min_shift = check_int(min_shift, "min_shift", hi=MAX_WINDOWS)
    if min_shift < 1 or max_shift < min_shift:
        raise InputError(f"Shifts for negatives must satisfy 1 ≤ min_shift ≤ max_shift; got {min_shift}, {max_shift}.")
    i = np.arange(int(n_windows))
    shifts = np.r_[-np.arange(max_shift, min_shift - 1, -1), np.arange(min_shift, max_shift + 1)]
    audio_neg = np.empty_like(i)
    for k in i:
        ok = shifts[(k + shifts >= 0) & (k + shifts < n_windows)]
        if len(ok) == 0:
            raise InputError(f"The clip ({n_windows} windows) is too short for shifts of {min_shift}-{max_shift} frames.")
        audio_neg[k] = k + rng.choice(ok)
    video_idx = np.r_[i, i]
    audio_idx = np.r_[i, audio_neg]
    label = np.r_[np.ones(len(i)), np.zeros(len(i))].astype(np.float32)
    return video_idx, audio_idx, label


def contrastive_loss(d, y, margin: float = MARGIN, *, reduce: bool = True):
    """Chung & Zisserman's contrastive loss (after Hadsell, Chopra & LeCun 2006).

    .. math:: E = \\frac{1}{2N}\\sum_n y_n d_n^2 + (1 - y_n)\\,\\max(m - d_n, 0)^2

    ``d``: distances between the two embeddings of each pair; ``y``: 1 for a pair in
    sync, 0 for a shifted one; ``m``: the margin. In-sync pairs pay for any distance,
    shifted pairs only for being closer than the margin. Works on numpy arrays and on
    torch tensors alike (``reduce=False`` gives the per-pair terms).
    """
    if not type(d).__module__.startswith("torch"):  # numpy input: check it (tensors come from train())
        d = check_values(d, "The distances d", lo=0.0, hi=1e150, min_len=1)
        y = check_values(y, "The labels y", lo=0.0, hi=1.0, min_len=1)
        if y.shape != d.shape and y.size != 1:
            raise InputError(f"The labels y must match the distances d; got shapes {y.shape} and {d.shape}.")
        margin = check_number(margin, "The margin", lo=0.0, hi=1e150)
    hinge = (margin - d).clip(min=0)
    terms = 0.5 * (y * d ** 2 + (1 - y) * hinge ** 2)
    return terms.mean() if reduce else terms


# --------------------------------------------------------------------------- the network
_TINY_CLASS = None


def _tiny_class():
    """Define the two-tower ``nn.Module`` on first use (keeps torch out of import time)."""
    global _TINY_CLASS
    if _TINY_CLASS is not None:
        return _TINY_CLASS
    from torch import nn

    class TinySyncNet(nn.Module):
        """Two small towers in SyncNet's shape, for 48×32 grey mouths and 13×20 MFCC windows.

        Video tower: the 5 frames enter as 5 channels of the first convolution, so
        its filters span all 0.2 s at once (as the released network's first 5×7×7
        3-D convolution does); three conv-ReLU-pool stages, then two linear layers.
        Audio tower: the MFCC window as a one-channel 13×20 image; two conv-ReLU-pool
        stages (the first pools only along time), then two linear layers. No batch
        normalisation, so training and use compute exactly the same function.
        """

        def __init__(self, embed_dim: int = EMBED_DIM, width: int = 16):
            super().__init__()
            w = int(width)
            h, wd = MOUTH_SIZE[1], MOUTH_SIZE[0]
            def block(c_in, c_out, pool):
                return [nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU(), nn.MaxPool2d(pool)]

            self.lip = nn.Sequential(
                *block(WINDOW, w, 2), *block(w, 2 * w, 2), *block(2 * w, 2 * w, 2),
                nn.Flatten(), nn.Linear(2 * w * (h // 8) * (wd // 8), 64), nn.BatchNorm1d(64), nn.ReLU(),
                nn.Linear(64, embed_dim),
            )
            self.aud = nn.Sequential(
                *block(1, w, (1, 2)), *block(w, 2 * w, 2),
                nn.Flatten(), nn.Linear(2 * w * 6 * 5, 64), nn.BatchNorm1d(64), nn.ReLU(),
                nn.Linear(64, embed_dim),
            )

        def forward_lip(self, x):
            """[N, 5, 32, 48] normalised grey mouth windows -> [N, embed_dim]."""
            return self.lip(x)

        def forward_aud(self, x):
            """[N, 1, 13, 20] normalised MFCC windows -> [N, embed_dim]."""
            return self.aud(x)

    TinySyncNet.__module__ = __name__
    _TINY_CLASS = TinySyncNet
    return TinySyncNet


def build_tiny_syncnet(*, seed: int = 0, embed_dim: int = EMBED_DIM, width: int = 16):
    """The two-tower network with seeded random weights (torch's global RNG is left alone)."""
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        return _tiny_class()(embed_dim=embed_dim, width=width)


def n_parameters(model) -> int:
    """Trainable parameters of a torch module."""
    return int(sum(p.numel() for p in model.parameters() if p.requires_grad))


# --------------------------------------------------------------------------- training
@dataclass
class TrainResult:
    """A trained tiny SyncNet and the record of its training.

    Attributes
    ----------
    loss : np.ndarray
        Mean contrastive loss per epoch, ``[epochs + 1]``: entry 0 is the untrained
        network on the first epoch's pairs, entry ``e`` the mean over epoch ``e``'s batches.
    gap : np.ndarray
        Mean distance of shifted pairs minus mean distance of in-sync pairs, on a fixed
        set of evaluation pairs, before training (entry 0) and after each epoch.
    matched, shifted : list of np.ndarray
        The distances of those evaluation pairs after each epoch (entry 0: before), for
        histograms.
    batch_loss : np.ndarray
        Loss of every training batch, in order.
    model : torch.nn.Module
        The trained network (eval mode, CPU).
    """

    loss: np.ndarray
    gap: np.ndarray
    matched: list[np.ndarray]
    shifted: list[np.ndarray]
    batch_loss: np.ndarray
    model: object
    seed: int = 0
    epochs: int = EPOCHS
    max_shift: int = MAX_SHIFT
    min_shift: int = MIN_SHIFT
    margin: float = MARGIN
    n_pairs: int = 0
    n_params: int = 0
    seconds: float = 0.0
    held_out_curves: list[np.ndarray] = field(default_factory=list)
    held_out_lags: np.ndarray | None = None

    @property
    def epochs_done(self) -> int:
        return len(self.loss) - 1

    def embed(self, clip: ClipFeatures) -> tuple[np.ndarray, np.ndarray]:
        """Video and audio embeddings of every window of a prepared clip, float32 ``[n, D]`` each."""
        return _embed(self.model, clip)

    def distance_table(self, clip: ClipFeatures, max_offset: int = sync.MAX_OFFSET) -> tuple[np.ndarray, np.ndarray]:
        """``(lags, dists)``: distance of video window ``i`` to audio window ``i - lag`` for every lag.

        ``dists[i, j]`` is NaN where audio window ``i - lags[j]`` falls outside the clip.
        A positive lag tests "the audio leads by ``lag`` frames" (SyncNet's sign).
        """
        v, a = self.embed(clip)
        return _distance_table(v, a, max_offset)

    def estimate_offset(self, frames: np.ndarray, audio: np.ndarray, *, max_offset: int = sync.MAX_OFFSET,
                        boxes: np.ndarray | None = None) -> sync.SyncResult:
        """Measure a clip's offset with the trained towers (the reference's search, on valid pairs only).

        For every lag the mean distance over the windows whose shifted partner exists
        is the curve; the offset is its minimum, the confidence median minus minimum, as
        in SyncNet's evaluation. (The reference averages over zero-padded windows too;
        on clips of a few seconds that biases long lags, so they are left out here.)

        Returns
        -------
        lib.sync.SyncResult
            ``method="tiny"``; positive ``offset_frames`` = audio leads.
        """
        max_offset = int(max_offset)
        if max_offset < 1:
            raise InputError(f"max_offset must be at least 1 frame; got {max_offset}.")
        clip = prepare_clip(frames, audio, boxes=boxes)
        if clip.n_windows < max_offset + 2:
            raise InputError(f"The clip has {clip.n_windows} windows; searching ±{max_offset} frames needs at least "
                             f"{max_offset + 2}. Use a longer clip or a smaller max_offset.")
        lags, dists = self.distance_table(clip, max_offset)
        curve = np.nanmean(dists, axis=0)
        j = int(np.nanargmin(curve))
        med = float(np.median(curve))
        from scipy.signal import medfilt

        best = dists[:, j]
        framewise = medfilt(np.where(np.isnan(best), med, med - np.nan_to_num(best)), 9)
        result = sync.SyncResult(
            offset_frames=int(lags[j]), confidence=med - float(curve[j]), min_dist=float(curve[j]), curve=curve,
            framewise_conf=framewise, lags=lags, method="tiny", curve_label="mean embedding distance",
            boxes=clip.boxes, mouth_boxes=sync.mouth_boxes(clip.boxes),
        )
        # The same verdict rules as lib.sync.estimate_offset: block-bootstrap the windows (each replicate
        # averages the valid pairs of the windows it drew), then too little speech, a still mouth or a
        # wide uncertainty range say "cannot tell" instead of guessing.
        valid = np.isfinite(dists)
        W = sync._block_counts(len(dists), sync.BOOTSTRAP_N, sync.BOOTSTRAP_BLOCK, 0)
        boot_curves = (W @ np.where(valid, dists, 0.0)) / np.maximum(W @ valid, 1e-12)
        boot_curves[W @ valid == 0] = np.inf
        boot = lags[np.argmin(boot_curves, axis=1)]
        n_frames = len(frames)
        result.speech_s = sync.speech_seconds(np.asarray(audio, np.float32).reshape(-1), n_frames)
        mouth_grey = sync.mouth_activity(frames, clip.boxes)
        result.verdict, result.uncertainty_frames, result.verdict_reason, result.support = sync.decide(
            result.offset_frames, boot, lags, speech_s=result.speech_s, mouth_grey=mouth_grey)
        return result


def _embed(model, clip: ClipFeatures, batch_size: int = 256) -> tuple[np.ndarray, np.ndarray]:
    import torch

    idx = np.arange(clip.n_windows)
    vs, as_ = [], []
    with torch.inference_mode():
        for s in range(0, len(idx), batch_size):
            b = idx[s:s + batch_size]
            vs.append(model.forward_lip(torch.from_numpy(clip.video_windows(b))).numpy())
            as_.append(model.forward_aud(torch.from_numpy(clip.audio_windows(b))).numpy())
    return np.concatenate(vs), np.concatenate(as_)


def _distance_table(v: np.ndarray, a: np.ndarray, max_offset: int) -> tuple[np.ndarray, np.ndarray]:
    n = len(v)
    lags = np.arange(-max_offset, max_offset + 1)
    dists = np.full((n, len(lags)), np.nan)
    for j, lag in enumerate(lags):
        i0, i1 = max(0, lag), min(n, n + lag)
        if i1 > i0:
            dists[i0:i1, j] = np.linalg.norm(v[i0:i1] - a[i0 - lag:i1 - lag], axis=1)
    return lags, dists


def _calibrate_batchnorm(model, run) -> None:
    """Set every BatchNorm layer's running mean and variance to their averages over ``run()``'s forward passes."""
    import torch
    from torch import nn

    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative average over the calibration batches
    model.train()
    with torch.no_grad():
        run()
    for m, momentum in zip(norms, momenta):
        m.momentum = momentum


def train(clips, *, seed: int = 0, epochs: int = EPOCHS, max_shift: int = MAX_SHIFT, min_shift: int = MIN_SHIFT,
          margin: float = MARGIN, lr: float = 1e-3, batch_size: int = 64, embed_dim: int = EMBED_DIM,
          width: int = 16, eval_pairs: int = EVAL_PAIRS, boxes: list | None = None, held_out=None,
          held_out_boxes: np.ndarray | None = None, on_epoch: Callable[[int, TrainResult], None] | None = None, num_threads: int | None = None) -> TrainResult:
    """Train a tiny SyncNet from in-sync clips alone (no labels): the self-supervised recipe.

    Every epoch, each 5-frame mouth window of each clip is paired with its own 0.2 s of
    MFCCs (in sync) and with the MFCCs of a window ``±min_shift ... ±max_shift`` frames
    away (shifted; drawn afresh every epoch); Adam minimises :func:`contrastive_loss`
    over mini-batches. Everything random (initial weights, shifts, batch order) comes
    from ``seed``, and torch runs with a fixed thread count, so the same call gives the
    same numbers.

    Parameters
    ----------
    clips : list of (frames, audio)
        In-sync talking-face clips as :func:`lib.sync.read_av` returns them
        (uint8 ``[T, H, W, 3]`` at 25 fps, float32 16 kHz mono).
    seed : int
        Seed for weights, pairs and batch order.
    epochs : int
        Passes over the pairs (1-200).
    max_shift, min_shift : int
        Range of audio shifts (frames) that make the negatives.
    margin : float
        Contrastive-loss margin.
    boxes : list of np.ndarray, optional
        Face boxes per clip (detected when omitted).
    held_out : (frames, audio), optional
        A clip not trained on: its mean-distance-per-lag curve is recorded after every
        epoch (:attr:`TrainResult.held_out_curves`).
    held_out_boxes : np.ndarray, optional
        Its face boxes (detected when omitted).
    on_epoch : callable, optional
        ``on_epoch(epoch, result_so_far)`` after each epoch (0 = before training), for
        live plots.
    num_threads : int, optional
        torch CPU threads while training (default: up to 2; restored afterwards).

    Returns
    -------
    TrainResult

    Raises
    ------
    InputError
        No clips, bad settings, clips too short or without a face.
    """
    import torch

    if not isinstance(clips, (list, tuple)) or len(clips) == 0:
        raise InputError("Training needs at least one (frames, audio) clip.")
    epochs = int(epochs)
    if not 1 <= epochs <= 200:
        raise InputError(f"epochs must be between 1 and 200; got {epochs}.")
    if not (np.isfinite(margin) and margin > 0):
        raise InputError(f"The margin must be a positive number; got {margin}.")
    if int(batch_size) < 2:
        raise InputError(f"batch_size must be at least 2; got {batch_size}.")
    t_start = time.perf_counter()
    feats = []
    for c, clip in enumerate(clips):
        if not isinstance(clip, (list, tuple)) or len(clip) != 2:
            raise InputError(f"Clip {c} must be a (frames, audio) pair as read_av returns.")
        feats.append(prepare_clip(clip[0], clip[1], boxes=None if boxes is None else boxes[c]))
    held = None
    if held_out is not None:
        held = prepare_clip(*held_out, boxes=held_out_boxes)
    rng = np.random.default_rng(int(seed))

    def epoch_windows():
        """Every window of every clip with a negative audio window drawn afresh: (clip, window, negative)."""
        cs, vs, ns = [], [], []
        for c, f in enumerate(feats):
            v, a, _ = make_pairs(f.n_windows, rng, max_shift=max_shift, min_shift=min_shift)
            cs.append(np.full(f.n_windows, c))
            vs.append(v[:f.n_windows])
            ns.append(a[f.n_windows:])
        return np.concatenate(cs), np.concatenate(vs), np.concatenate(ns)

    def distances(model, c_idx, v_idx, n_idx):
        """In-sync and shifted distances of the given windows; each mouth window is embedded once."""
        groups = [np.flatnonzero(c_idx == c) for c in np.unique(c_idx)]
        v = torch.from_numpy(np.concatenate([feats[c_idx[g[0]]].video_windows(v_idx[g]) for g in groups]))
        a = torch.from_numpy(np.concatenate([feats[c_idx[g[0]]].audio_windows(v_idx[g]) for g in groups]
                                            + [feats[c_idx[g[0]]].audio_windows(n_idx[g]) for g in groups]))
        ev = model.forward_lip(v)
        ea = model.forward_aud(a)
        n = len(ev)
        return torch.linalg.vector_norm(ev - ea[:n], dim=1), torch.linalg.vector_norm(ev - ea[n:], dim=1)

    def pair_loss(d_pos, d_neg):
        d = torch.cat([d_pos, d_neg])
        y = torch.cat([torch.ones_like(d_pos), torch.zeros_like(d_neg)])
        return contrastive_loss(d, y, margin)

    epochs_windows = [epoch_windows() for _ in range(epochs)]
    # A fixed evaluation set for the histograms and the gap: up to eval_pairs windows, each with
    # its in-sync and one shifted partner (drawn once).
    ec, ev_, en = epoch_windows()
    keep = np.sort(rng.permutation(len(ec))[:eval_pairs])
    eval_set = (ec[keep], ev_[keep], en[keep])

    previous_threads = torch.get_num_threads()
    torch.set_num_threads(int(num_threads or 1))
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(seed))
            model = _tiny_class()(embed_dim=embed_dim, width=width)
            opt = torch.optim.Adam(model.parameters(), lr=lr)
            result = TrainResult(loss=np.zeros(0), gap=np.zeros(0), matched=[], shifted=[], batch_loss=np.zeros(0),
                                 model=model, seed=int(seed), epochs=epochs, max_shift=int(max_shift),
                                 min_shift=int(min_shift), margin=float(margin), n_params=n_parameters(model),
                                 n_pairs=2 * len(epochs_windows[0][0]))
            losses, gaps, batch_losses = [], [], []

            def record(epoch_loss):
                model.eval()
                with torch.inference_mode():
                    d_pos, d_neg = (d.numpy() for d in distances(model, *eval_set))
                result.matched.append(d_pos)
                result.shifted.append(d_neg)
                losses.append(float(epoch_loss))
                gaps.append(float(d_neg.mean() - d_pos.mean()))
                result.loss, result.gap = np.array(losses), np.array(gaps)
                result.batch_loss = np.array(batch_losses)
                if held is not None:
                    result.held_out_lags, table = result.distance_table(held, min(sync.MAX_OFFSET, held.n_windows - 2))
                    result.held_out_curves.append(np.nanmean(table, axis=0))
                result.seconds = time.perf_counter() - t_start
                if on_epoch is not None:
                    on_epoch(len(losses) - 1, result)

            # Epoch 0: the untrained network on the first epoch's pairs. Its batch-normalisation
            # statistics are first measured on those windows (one pass, no learning), so "before
            # training" is the same function of the data as every later evaluation, not one whose
            # layers still assume mean 0 and variance 1.
            first = epochs_windows[0]
            _calibrate_batchnorm(model, lambda: [distances(model, *(x[s:s + 256] for x in first))
                                                 for s in range(0, len(first[0]), 256)])
            model.eval()
            with torch.inference_mode():
                total0 = sum(float(pair_loss(*distances(model, *(x[s:s + 256] for x in first)))) * len(first[0][s:s + 256])
                             for s in range(0, len(first[0]), 256))
            record(total0 / len(first[0]))
            for e in range(epochs):
                model.train()
                c_idx, v_idx, n_idx = epochs_windows[e]
                order = rng.permutation(len(c_idx))
                half = max(1, int(batch_size) // 2)  # windows per batch: each gives two pairs
                total, count = 0.0, 0
                # Near-equal batches (a last batch of one window would break batch normalisation).
                for b in np.array_split(order, max(1, int(round(len(order) / half)))):
                    loss = pair_loss(*distances(model, c_idx[b], v_idx[b], n_idx[b]))
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                    value = float(loss.detach())
                    batch_losses.append(value)
                    total += value * len(b)
                    count += len(b)
                record(total / count)
    finally:
        torch.set_num_threads(previous_threads)
    model.eval()
    return result
