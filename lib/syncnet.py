"""SyncNet (Chung & Zisserman 2016, "Out of time"): the network and its offset search.

SyncNet embeds 0.2 s of lip video and 0.2 s of audio into the same 1024-d space,
trained so that the two embeddings are close when picture and sound belong together.
To measure an audio-visual offset it slides the audio against the video by
-15...+15 frames and picks the shift with the smallest mean Euclidean distance.

This module is our own PyTorch implementation of the released network
(joonson/syncnet_python, ``SyncNetModel.S``) and of its evaluation
(``SyncNetInstance.evaluate``), written to be read:

* :func:`build_syncnet` / :class:`SyncNet` - the two-stream network. Layer names
  and ``nn.Sequential`` indices are the released ones, so the official
  ``syncnet_v2.model`` state dict loads key for key (see :data:`KEY_PREFIXES_DROPPED`).
* :func:`load_syncnet` - finds, downloads or explains how to get the weights.
* :func:`mfcc_features` - the reference's audio features (python_speech_features
  ``mfcc`` defaults) in numpy.
* :func:`crop_faces` - the reference's face crop (run_pipeline.py, crop_scale 0.4).
* :func:`syncnet_distances` - embeddings of every 5-frame window and the distance
  for every shift (``calc_pdist``).
* :func:`shift_distances`, :func:`score_distances` - pure numpy: the distance
  table from embeddings, and offset / min distance / confidence from it.

torch is imported only inside the functions that need it, so importing this
module (for example for :func:`score_distances`) stays fast.

Sign convention: a **positive offset means the audio leads the video** (a sound
is heard ``offset`` frames before the mouth makes it), as in the reference.
"""

from __future__ import annotations

import hashlib
import os
import socket
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
import warnings
from pathlib import Path
from typing import Callable

import numpy as np

from lib.errors import InputError, WeightsUnavailable

#: Video frame rate and audio sample rate the released model was trained on.
FPS = 25
SR = 16000
#: Audio samples per video frame (16000 / 25).
SAMPLES_PER_FRAME = SR // FPS
#: MFCC steps per video frame (100 Hz / 25 Hz).
MFCC_PER_FRAME = 4
#: Frames in one video window, and MFCC steps in one audio window (both 0.2 s).
WINDOW_FRAMES = 5
WINDOW_MFCC = WINDOW_FRAMES * MFCC_PER_FRAME
#: Side of the square face crop the network expects, in pixels.
CROP_SIZE = 224
#: run_pipeline.py ``--crop_scale``: how far the crop extends beyond the face box.
CROP_SCALE = 0.4
#: Grey level run_pipeline.py pads frames with before cropping.
PAD_VALUE = 110
#: Embedding size of the released model (``num_layers_in_fc_layers``).
EMBEDDING_DIM = 1024

#: Where syncnet_python's download_model.sh fetches the weights from, over https (the VGG site serves
#: the same path over both; the script's plain http would let anyone on the way swap the file).
WEIGHTS_URL = "https://www.robots.ox.ac.uk/~vgg/software/lipsync/data/syncnet_v2.model"
WEIGHTS_FILENAME = "syncnet_v2.model"
#: SHA-256 of the official ``syncnet_v2.model``, pinned so that a swapped or damaged file is refused.
#: The authors publish no checksum and this project was built on a machine that could not fetch the
#: file, so the pin is empty until a maintainer records it from a trusted download (README, "Model
#: weights": ``sha256sum syncnet_v2.model``, paste the hex digest here). Until then the digest of the
#: first download is recorded beside the file and every later load is checked against it (trust on
#: first use); ``$AVE_SYNCNET_SHA256`` pins a digest without editing the code.
WEIGHTS_SHA256: str | None = None
#: Environment variable that pins the digest (overrides :data:`WEIGHTS_SHA256`).
WEIGHTS_SHA256_ENV = "AVE_SYNCNET_SHA256"
#: Environment variable naming a folder that holds ``syncnet_v2.model``.
WEIGHTS_ENV = "AVE_WEIGHTS_DIR"
#: Prefixes some saved copies carry in front of the released key names
#: (DataParallel's ``module.``, SyncNetInstance's ``__S__.``); they are dropped.
KEY_PREFIXES_DROPPED = ("module.", "__S__.")

# Channel plan of the released network, (out_channels, kernel, stride, padding, pool_after).
# A pool entry is (kernel, stride, padding) or None. Identity pools (1x1) are kept
# because they occupy an index in the released nn.Sequential and so in the key names.
_AUDIO_CONVS = [
    (64, (3, 3), (1, 1), (1, 1), ((1, 1), (1, 1), 0)),
    (192, (3, 3), (1, 1), (1, 1), ((3, 3), (1, 2), 0)),
    (384, (3, 3), (1, 1), (1, 1), None),
    (256, (3, 3), (1, 1), (1, 1), None),
    (256, (3, 3), (1, 1), (1, 1), ((3, 3), (2, 2), 0)),
    (512, (5, 4), (1, 1), (0, 0), None),
]
_LIP_CONVS = [
    (96, (5, 7, 7), (1, 2, 2), (0, 0, 0), ((1, 3, 3), (1, 2, 2), 0)),
    (256, (1, 5, 5), (1, 2, 2), (0, 1, 1), ((1, 3, 3), (1, 2, 2), (0, 1, 1))),
    (256, (1, 3, 3), (1, 1, 1), (0, 1, 1), None),
    (256, (1, 3, 3), (1, 1, 1), (0, 1, 1), None),
    (256, (1, 3, 3), (1, 1, 1), (0, 1, 1), ((1, 3, 3), (1, 2, 2), 0)),
    (512, (1, 6, 6), (1, 1, 1), (0, 0, 0), None),
]


# --------------------------------------------------------------------------- network


def build_syncnet(*, width: float = 1.0, embedding_dim: int = EMBEDDING_DIM, seed: int | None = 0):
    """Build the SyncNet two-stream network with random weights, in eval mode.

    Parameters
    ----------
    width : float
        Multiplies every channel count. 1.0 (default) is the released layout, the
        only one the official weights fit; smaller values give a cheap network with
        the same shapes in and out (used by tests).
    embedding_dim : int
        Size of both embeddings (1024 in the released model).
    seed : int or None
        Seed for the random initial weights (``None`` leaves torch's global RNG alone).

    Returns
    -------
    SyncNet
        A ``torch.nn.Module`` with ``forward_aud`` ([N, 1, 13, 20] MFCC windows ->
        [N, embedding_dim]) and ``forward_lip`` ([N, 3, 5, 224, 224] raw 0-255
        BGR clips -> [N, embedding_dim]).
    """
    import torch

    if not width > 0:
        raise InputError(f"width must be positive; got {width}.")
    cls = _syncnet_class()
    if seed is None:
        return cls(width=width, embedding_dim=embedding_dim).eval()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        return cls(width=width, embedding_dim=embedding_dim).eval()


_SYNCNET_CLASS = None


def _syncnet_class():
    """Define the SyncNet ``nn.Module`` class on first use (keeps torch out of import time)."""
    global _SYNCNET_CLASS
    if _SYNCNET_CLASS is not None:
        return _SYNCNET_CLASS

    import torch
    from torch import nn

    def conv_stack(convs, in_channels, width, conv, norm, pool):
        """conv -> batch norm -> ReLU (-> max pool) for each entry, in one nn.Sequential."""
        layers = []
        for out_channels, kernel, stride, padding, pool_spec in convs:
            out_channels = max(1, round(out_channels * width))
            layers += [conv(in_channels, out_channels, kernel, stride=stride, padding=padding),
                       norm(out_channels), nn.ReLU(inplace=True)]
            if pool_spec is not None:
                pool_kernel, pool_stride, pool_padding = pool_spec
                layers.append(pool(pool_kernel, stride=pool_stride, padding=pool_padding))
            in_channels = out_channels
        return nn.Sequential(*layers), in_channels

    def fc_head(in_features, hidden, out_features):
        """Linear -> batch norm -> ReLU -> Linear, mapping the conv output to the embedding."""
        return nn.Sequential(nn.Linear(in_features, hidden), nn.BatchNorm1d(hidden),
                             nn.ReLU(inplace=True), nn.Linear(hidden, out_features))

    class SyncNet(nn.Module):
        """The released SyncNet (syncnet_python ``SyncNetModel.S``), layer for layer.

        Audio stream ``netcnnaud`` + ``netfcaud``: a 2-D CNN over one MFCC window
        [1, 13 coefficients, 20 steps of 10 ms] that collapses it to 512 features,
        then two fully connected layers to the embedding.

        Lip stream ``netcnnlip`` + ``netfclip``: a 3-D CNN whose first layer spans
        all 5 frames (0.2 s) of a 224x224 face crop [3, 5, 224, 224], pixel values
        0-255 unnormalised, channels in OpenCV's BGR order as the reference feeds
        them; the rest are 2-D convolutions written as 1xkxk Conv3d. Then two fully
        connected layers to the embedding.

        Same attribute names and ``nn.Sequential`` indices as the released model,
        so its state dict keys (``netcnnaud.0.weight``, ``netfclip.3.bias``, ...)
        are ours.
        """

        def __init__(self, width: float = 1.0, embedding_dim: int = EMBEDDING_DIM):
            super().__init__()
            self.width = float(width)
            self.embedding_dim = int(embedding_dim)
            self.netcnnaud, aud_channels = conv_stack(
                _AUDIO_CONVS, 1, width, nn.Conv2d, nn.BatchNorm2d, nn.MaxPool2d)
            self.netcnnlip, lip_channels = conv_stack(
                _LIP_CONVS, 3, width, nn.Conv3d, nn.BatchNorm3d, nn.MaxPool3d)
            hidden = max(1, round(512 * width))
            self.netfcaud = fc_head(aud_channels, hidden, embedding_dim)
            self.netfclip = fc_head(lip_channels, hidden, embedding_dim)

        def forward_aud(self, mfcc: torch.Tensor) -> torch.Tensor:
            """[N, 1, 13, 20] MFCC windows -> [N, embedding_dim] audio embeddings."""
            features = self.netcnnaud(mfcc)  # [N, 512, 1, 1]
            return self.netfcaud(features.flatten(1))

        def forward_lip(self, clips: torch.Tensor) -> torch.Tensor:
            """[N, 3, 5, 224, 224] BGR clips (0-255) -> [N, embedding_dim] video embeddings."""
            features = self.netcnnlip(clips)  # [N, 512, 1, 1, 1]
            return self.netfclip(features.flatten(1))

        def forward(self, mfcc: torch.Tensor, clips: torch.Tensor):
            """Both embeddings: ``(forward_aud(mfcc), forward_lip(clips))``."""
            return self.forward_aud(mfcc), self.forward_lip(clips)

    SyncNet.__module__ = __name__
    SyncNet.__qualname__ = "SyncNet"
    _SYNCNET_CLASS = SyncNet
    return SyncNet


def __getattr__(name: str):
    # ``lib.syncnet.SyncNet`` is created lazily so that importing this module does not import torch.
    if name == "SyncNet":
        return _syncnet_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --------------------------------------------------------------------------- weights


def default_weights_path() -> Path:
    """Where :func:`load_syncnet` looks for (and downloads) ``syncnet_v2.model``.

    ``$AVE_WEIGHTS_DIR/syncnet_v2.model`` when that variable is set, otherwise
    ``~/.cache/audiovideoera/syncnet_v2.model`` (``$XDG_CACHE_HOME`` respected).
    """
    folder = os.environ.get(WEIGHTS_ENV)
    if folder:
        return Path(folder).expanduser() / WEIGHTS_FILENAME
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache).expanduser() / "audiovideoera" / WEIGHTS_FILENAME


def manual_steps(target: Path | None = None) -> str:
    """The exact steps to put the weights in place by hand (shown in WeightsUnavailable)."""
    target = Path(target) if target is not None else default_weights_path()
    return (
        "To use the SyncNet network, get the official weights (about 52 MB) on a connected machine:\n"
        f"    curl -L -o {WEIGHTS_FILENAME} {WEIGHTS_URL}\n"
        f"(or: wget {WEIGHTS_URL}), then copy the file to\n"
        f"    {target}\n"
        f"or put it in any folder and set the environment variable {WEIGHTS_ENV}=<that folder>, "
        "or pass its path to load_syncnet(path). "
        + (f"Its SHA-256 (sha256sum {WEIGHTS_FILENAME}) must be {pinned_sha256()}. " if pinned_sha256() else
           f"No digest is pinned yet: check `sha256sum {WEIGHTS_FILENAME}` against a copy you trust and set "
           f"{WEIGHTS_SHA256_ENV} to it (see the README). ")
        + "The weight-free estimator keeps working without it."
    )


def expected_keys(model=None) -> dict[str, tuple[int, ...]]:
    """Every state-dict key the released weights must provide, with its shape.

    BatchNorm's ``num_batches_tracked`` counters are not required: the released file
    predates them and they do not affect inference.
    """
    model = model if model is not None else build_syncnet()
    return {k: tuple(v.shape) for k, v in model.state_dict().items()
            if not k.endswith("num_batches_tracked")}


def _map_key(key: str) -> str:
    """Released key -> our key. Identity, after dropping a wrapper prefix if present."""
    for prefix in KEY_PREFIXES_DROPPED:
        if key.startswith(prefix):
            return key[len(prefix):]
    return key


def load_state_into(model, state: dict) -> None:
    """Copy a released-style state dict into ``model``, checking every key and shape.

    This is what ``SyncNetInstance.loadParameters`` does (``self_state[name].copy_(param)``
    for each saved tensor), plus the checks it leaves out: every key we need is present
    and every shape matches. Raises WeightsUnavailable with the mismatch otherwise.
    """
    import torch

    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict):
        raise WeightsUnavailable(
            f"The SyncNet weights file holds a {type(state).__name__}, not a state dict of tensors.")
    ours = model.state_dict()
    mapped = {_map_key(str(k)): v for k, v in state.items()}
    problems = []
    unknown = [k for k in mapped if k not in ours]
    if unknown:
        problems.append(f"unexpected keys {unknown[:5]}")
    missing = [k for k in ours if k not in mapped and not k.endswith("num_batches_tracked")]
    if missing:
        problems.append(f"missing keys {missing[:5]}")
    for key, value in mapped.items():
        if key in ours and (not torch.is_tensor(value) or tuple(value.shape) != tuple(ours[key].shape)):
            shape = tuple(value.shape) if torch.is_tensor(value) else type(value).__name__
            problems.append(f"{key}: file has {shape}, network needs {tuple(ours[key].shape)}")
    if problems:
        raise WeightsUnavailable(
            "The file is not the released SyncNet (syncnet_v2.model) state dict: "
            + "; ".join(problems[:6]) + ".")
    with torch.no_grad():
        for key, value in mapped.items():
            ours[key].copy_(value.to(ours[key].dtype))


def _read_weights(path: Path, model) -> None:
    """torch.load(weights_only=True) ``path`` into ``model``, or raise WeightsUnavailable."""
    import torch

    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file means "no usable weights"
        raise WeightsUnavailable(
            f"Could not read {path} with torch.load(weights_only=True) ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}). It should be the official "
            f"{WEIGHTS_FILENAME}, a plain state dict of tensors. If the file is corrupt, delete it.\n"
            + manual_steps(path)) from None
    try:
        load_state_into(model, state)
    except WeightsUnavailable as exc:
        raise WeightsUnavailable(f"{exc}\n{manual_steps(path)}") from None


def _resolve_host(url: str, timeout_s: float) -> None:
    """Resolve the URL's host within ``timeout_s`` (name lookups ignore socket timeouts).

    The lookup runs in a daemon thread, so a resolver that hangs can neither block
    the caller beyond ``timeout_s`` nor keep the interpreter from exiting.
    """
    host = urllib.parse.urlsplit(url).hostname or ""
    outcome: list = []

    def lookup():
        try:
            outcome.append(socket.getaddrinfo(host, 80))
        except OSError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=lookup, name="syncnet-dns", daemon=True)
    worker.start()
    worker.join(timeout_s)
    if not outcome:
        raise OSError(f"looking up {host} took longer than {timeout_s:g} s")
    if isinstance(outcome[0], OSError):
        raise outcome[0]


def pinned_sha256() -> str | None:
    """The digest the weights must have: ``$AVE_SYNCNET_SHA256``, else :data:`WEIGHTS_SHA256` (or None)."""
    value = os.environ.get(WEIGHTS_SHA256_ENV) or WEIGHTS_SHA256
    if not value:
        return None
    value = value.strip().lower()
    if len(value) != 64 or any(ch not in "0123456789abcdef" for ch in value):
        raise WeightsUnavailable(f"The pinned SyncNet digest ({WEIGHTS_SHA256_ENV} or WEIGHTS_SHA256) must be "
                                 f"64 hexadecimal digits (a SHA-256); got {value[:80]!r}.")
    return value


def file_sha256(path) -> str:
    """Hex SHA-256 of a file, read in 1 MB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def verify_weights_file(path) -> str:
    """Check a weights file's SHA-256 and return it; raise :class:`WeightsUnavailable` when it is wrong.

    Against the pinned digest (:func:`pinned_sha256`) when there is one; otherwise against the
    digest recorded beside the file when it was downloaded (``syncnet_v2.model.sha256``), so a file
    changed since then is noticed. A file with neither is accepted here (the complete key and
    shape check of :func:`load_state_into` still applies).
    """
    path = Path(path)
    digest = file_sha256(path)
    pin = pinned_sha256()
    if pin is not None and digest != pin:
        raise WeightsUnavailable(
            f"{path} is not the official {WEIGHTS_FILENAME}: its SHA-256 is {digest}, the pinned digest is {pin}. "
            "It may be damaged, a different release, or tampered with; delete it and download it again.\n"
            + manual_steps(path))
    side = _sidecar(path)
    if pin is None and side.is_file():
        recorded = side.read_text().split()[:1]
        if recorded and recorded[0].lower() != digest:
            raise WeightsUnavailable(
                f"{path} changed since it was downloaded: its SHA-256 is {digest}, the download recorded "
                f"{recorded[0]} in {side.name}. Delete both files and download again.\n" + manual_steps(path))
    return digest


def download_weights(target: Path, *, url: str = WEIGHTS_URL, timeout_s: float = 5.0,
                     progress: Callable[[int, int | None], None] | None = None,
                     expected_sha256: str | None = None) -> Path:
    """Download the weights to ``target`` (atomically), returning its path.

    The file is written to a temporary name beside ``target``, hashed while it arrives, and
    renamed only when complete and (if ``expected_sha256`` or a pinned digest is set) equal to
    that digest; its SHA-256 is recorded beside it (``syncnet_v2.model.sha256``).

    Parameters
    ----------
    target : Path
        Final file path; the download goes to a temporary file beside it first.
    url : str
        Source URL (the one syncnet_python's ``download_model.sh`` uses).
    timeout_s : float
        Limit for the name lookup, the connection and each read.
    progress : callable, optional
        Called as ``progress(bytes_done, bytes_total_or_None)`` while downloading.
    expected_sha256 : str, optional
        The digest the file must have (default: :func:`pinned_sha256`).

    Raises
    ------
    OSError
        When the network is unreachable, slow or the server fails.
    WeightsUnavailable
        When the downloaded file's digest differs from the expected one (nothing is kept).
    """
    expected = (expected_sha256 or pinned_sha256() or "").lower() or None
    _resolve_host(url, timeout_s)
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    request = urllib.request.Request(url, headers={"User-Agent": "audiovideoera-explorer"})
    fd, tmp_name = tempfile.mkstemp(prefix=".syncnet_", suffix=".part", dir=target.parent)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(request, timeout=timeout_s) as resp:
            total = resp.headers.get("Content-Length")
            total = int(total) if total and total.isdigit() else None
            done = 0
            while chunk := resp.read(1 << 20):
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
        if total is not None and done != total:
            raise OSError(f"download stopped after {done} of {total} bytes")
        if expected is not None and digest.hexdigest() != expected:
            raise WeightsUnavailable(
                f"The file downloaded from {url} has SHA-256 {digest.hexdigest()}, not the pinned {expected}; "
                "it was not kept (a changed file on the server, or something in between altered it).\n"
                + manual_steps(target))
        os.replace(tmp_name, target)
        target.with_name(target.name + ".sha256").write_text(f"{digest.hexdigest()}  {target.name}\n")
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return target


def load_syncnet(path: str | os.PathLike | None = None, *, download: bool = False,
                 progress: Callable[[int, int | None], None] | None = None,
                 timeout_s: float = 5.0, url: str = WEIGHTS_URL):
    """The released SyncNet with its official weights, on the CPU, in eval mode.

    Looks, in order: at ``path`` if given; at :func:`default_weights_path`
    (``$AVE_WEIGHTS_DIR`` or ``~/.cache/audiovideoera``); then, only if ``download`` is
    True (an explicit request: a page passes it when the user presses a button), fetches
    :data:`WEIGHTS_URL` over https into that cache. Every file's SHA-256 is checked
    (:func:`verify_weights_file`: the pinned digest, or the one recorded at download), it
    is read with ``torch.load(weights_only=True)`` (no code in the file can run), and it
    must provide every key of the network with the right shape.

    Parameters
    ----------
    path : path-like, optional
        An explicit weights file.
    download : bool
        Download when no file is found (default False: never without being asked).
    progress : callable, optional
        ``progress(bytes_done, bytes_total_or_None)`` during a download.
    timeout_s : float
        Network timeout; an offline machine fails within about this time.
    url : str
        Where to download from (default: the official URL of download_model.sh).

    Returns
    -------
    SyncNet
        The model in eval mode.

    Raises
    ------
    WeightsUnavailable
        No usable file and no download possible; the message gives the manual steps.
    """
    if path is not None:
        path = Path(path).expanduser()
        if not path.is_file():
            raise WeightsUnavailable(f"No SyncNet weights file at {path}.\n" + manual_steps())
        verify_weights_file(path)
        model = build_syncnet(seed=None)
        _read_weights(path, model)
        return model.eval()

    # Find or fetch the file before importing torch, so the offline case fails fast.
    target = default_weights_path()
    downloaded = False
    if not target.is_file():
        if not download:
            raise WeightsUnavailable(f"SyncNet weights not found at {target}.\n" + manual_steps(target))
        try:
            download_weights(target, url=url, timeout_s=timeout_s, progress=progress)
        except (OSError, urllib.error.URLError, ValueError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise WeightsUnavailable(
                f"SyncNet weights not found at {target} and the download from {url} "
                f"failed ({reason}).\n" + manual_steps(target)) from None
        downloaded = True
    model = build_syncnet(seed=None)
    try:
        verify_weights_file(target)
        _read_weights(target, model)
    except WeightsUnavailable:
        if downloaded:  # a bad download must not be found again next time
            target.unlink(missing_ok=True)
            target.with_name(target.name + ".sha256").unlink(missing_ok=True)
        raise
    return model.eval()


# --------------------------------------------------------------------------- audio features


def _hz_to_mel(freq_hz):
    return 2595.0 * np.log10(1.0 + np.asarray(freq_hz, dtype=np.float64) / 700.0)


def _mel_to_hz(mel):
    return 700.0 * (10.0 ** (np.asarray(mel, dtype=np.float64) / 2595.0) - 1.0)


def mel_filterbank_psf(n_filters: int = 26, n_fft: int = 512, sr: int = SR) -> np.ndarray:
    """Triangular mel filters as python_speech_features builds them, [n_filters, n_fft//2 + 1].

    The filter edges are mel-spaced from 0 Hz to sr/2 and rounded down to FFT bins
    (``floor((n_fft + 1) * f / sr)``); each filter rises from 0 to 1 between its first
    two edges and falls back to 0 at the third. Peak height 1 (not area-normalised,
    unlike librosa's default).
    """
    edges_mel = np.linspace(_hz_to_mel(0.0), _hz_to_mel(sr / 2), n_filters + 2)
    edges = np.floor((n_fft + 1) * _mel_to_hz(edges_mel) / sr)
    bins = np.arange(n_fft // 2 + 1)[None, :]
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        rising = np.where((bins >= lo) & (bins < mid), (bins - lo) / (mid - lo), 0.0)
        falling = np.where((bins >= mid) & (bins < hi), (hi - bins) / (hi - mid), 0.0)
    return rising + falling


def mfcc_features(audio_16k: np.ndarray, *, int16_scale: bool = True) -> np.ndarray:
    """13 MFCCs at 100 Hz, exactly as SyncNet's reference computes them, [13, n_steps].

    The reference reads 16-bit PCM and calls ``python_speech_features.mfcc(audio, 16000)``
    with its defaults; this is the same computation in numpy:

    1. pre-emphasis ``y[n] = x[n] - 0.97 x[n-1]`` (first sample kept);
    2. 25 ms frames (400 samples) every 10 ms (160), rectangular window, the end
       zero-padded so the last frame is full: ``n_steps = 1 + ceil((N - 400) / 160)``;
    3. power spectrum ``|rfft(frame, 512)|^2 / 512``;
    4. 26 triangular mel filters (:func:`mel_filterbank_psf`), natural log;
    5. orthonormal DCT-II, first 13 coefficients, lifter ``1 + 11 sin(pi n / 22)``;
    6. coefficient 0 replaced by the log of the frame's total power.

    Parameters
    ----------
    audio_16k : np.ndarray
        Mono audio at 16 kHz, float in [-1, 1].
    int16_scale : bool
        Multiply by 32768 first, so the values equal the int16 samples the reference
        feeds in. Scale only moves coefficient 0 (by ``2 ln 32768``) but the network
        was trained with it, so keep True for SyncNet.

    Returns
    -------
    np.ndarray
        float32 [13, n_steps]; step ``k`` starts at sample ``160 k`` (4 steps per
        25 fps video frame).
    """
    x = np.asarray(audio_16k, dtype=np.float64)
    if x.ndim != 1:
        raise InputError(f"Audio must be mono, a 1-D array; got shape {x.shape}.")
    if x.size == 0:
        raise InputError("Audio is empty.")
    if not np.all(np.isfinite(x)):
        raise InputError("Audio contains NaN or infinite samples.")
    if int16_scale:
        x = x * 32768.0
    frame_len, hop, n_fft = 400, 160, 512
    emphasised = np.concatenate([x[:1], x[1:] - 0.97 * x[:-1]])
    n_steps = 1 if x.size <= frame_len else 1 + int(np.ceil((x.size - frame_len) / hop))
    padded = np.zeros((n_steps - 1) * hop + frame_len)
    padded[: x.size] = emphasised
    frames = np.lib.stride_tricks.sliding_window_view(padded, frame_len)[::hop]
    power = np.abs(np.fft.rfft(frames, n_fft)) ** 2 / n_fft
    eps = np.finfo(np.float64).eps
    energy = power.sum(axis=1)
    energy = np.where(energy == 0, eps, energy)
    bands = power @ mel_filterbank_psf(26, n_fft, SR).T
    bands = np.where(bands == 0, eps, bands)
    import scipy.fft

    ceps = scipy.fft.dct(np.log(bands), type=2, axis=1, norm="ortho")[:, :13]
    ceps *= 1.0 + 11.0 * np.sin(np.pi * np.arange(13) / 22.0)
    ceps[:, 0] = np.log(energy)
    return ceps.T.astype(np.float32)


# --------------------------------------------------------------------------- face crops


def crop_faces(frames: np.ndarray, boxes: np.ndarray | None = None, *,
               crop_scale: float = CROP_SCALE, smooth_frames: int = 13) -> np.ndarray:
    """Square face crops the way syncnet_python's run_pipeline.py makes them, [T, 224, 224, 3].

    For a face box of half-size ``s = max(width, height) / 2`` centred at (cx, cy), the
    crop spans ``cx ± s (1 + crop_scale)`` horizontally and ``cy - s`` to
    ``cy + s (1 + 2 crop_scale)`` vertically: a square of side ``2 s (1 + crop_scale)``
    that keeps the whole lower face (mouth and chin) and a little above the eyes.
    Frames are padded with grey (110) first so crops near the border stay square;
    the crop is resized to 224x224 with ``cv2.resize`` (bilinear).

    Parameters
    ----------
    frames : np.ndarray
        uint8 [T, H, W, 3] video frames (channel order is kept).
    boxes : np.ndarray or None
        [T, 4] face boxes (x0, y0, x1, y1) in pixels, one per frame. ``None`` takes a
        centred square of side min(H, W) from every frame.
    crop_scale : float
        Margin around the box (the reference's ``--crop_scale``, 0.4).
    smooth_frames : int
        The reference median-filters box centre and size over 13 frames to steady the
        crop. We do the same with edge-replicating padding (the reference pads with
        zeros, which shrinks the boxes in the first and last 6 frames). 1 disables.

    Returns
    -------
    np.ndarray
        uint8 [T, 224, 224, 3].
    """
    import cv2

    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise InputError(f"Frames must be an array [T, H, W, 3]; got shape {frames.shape}.")
    if frames.shape[0] == 0:
        raise InputError("There are no video frames.")
    if frames.dtype != np.uint8:
        raise InputError(f"Frames must be uint8 (0-255); got {frames.dtype}.")
    n_frames, height, width = frames.shape[:3]
    out = np.empty((n_frames, CROP_SIZE, CROP_SIZE, 3), dtype=np.uint8)
    if boxes is None:
        side = min(height, width)
        top, left = (height - side) // 2, (width - side) // 2
        for i, frame in enumerate(frames):
            out[i] = cv2.resize(frame[top:top + side, left:left + side], (CROP_SIZE, CROP_SIZE))
        return out

    boxes = np.asarray(boxes, dtype=np.float64)
    if boxes.shape != (n_frames, 4):
        raise InputError(f"Need one face box (x0, y0, x1, y1) per frame, shape ({n_frames}, 4); "
                         f"got {boxes.shape}.")
    if not np.all(np.isfinite(boxes)):
        raise InputError("Some face boxes are missing (NaN); fill the gaps before cropping.")
    if np.any(boxes[:, 2] <= boxes[:, 0]) or np.any(boxes[:, 3] <= boxes[:, 1]):
        raise InputError("Every face box needs x1 > x0 and y1 > y0.")
    half = np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]) / 2
    cx = (boxes[:, 0] + boxes[:, 2]) / 2
    cy = (boxes[:, 1] + boxes[:, 3]) / 2
    if smooth_frames > 1 and n_frames > 1:
        import scipy.ndimage

        k = int(smooth_frames) | 1  # odd kernel
        half, cx, cy = (scipy.ndimage.median_filter(v, size=k, mode="nearest") for v in (half, cx, cy))

    for i, frame in enumerate(frames):
        s = half[i]
        pad = int(s * (1 + 2 * crop_scale))
        padded = np.pad(frame, ((pad, pad), (pad, pad), (0, 0)), constant_values=PAD_VALUE)
        my, mx = cy[i] + pad, cx[i] + pad
        face = padded[int(my - s):int(my + s * (1 + 2 * crop_scale)),
                      int(mx - s * (1 + crop_scale)):int(mx + s * (1 + crop_scale))]
        if face.size == 0:
            raise InputError(f"Face box {i} lies outside the frame.")
        out[i] = cv2.resize(face, (CROP_SIZE, CROP_SIZE))
    return out


# --------------------------------------------------------------------------- offset search


def n_windows(n_frames: int, n_audio_samples: int) -> int:
    """Number of 5-frame windows the reference scores: ``min(T, floor(N / 640)) - 5``.

    (The reference stops one window short of the last full one; we keep its count.)
    """
    return min(int(n_frames), int(n_audio_samples) // SAMPLES_PER_FRAME) - WINDOW_FRAMES


def _as_batches(n: int, batch_size: int):
    for start in range(0, n, batch_size):
        yield start, min(n, start + batch_size)


def embed_video(model, face_crops: np.ndarray, n: int, *, batch_size: int = 20) -> np.ndarray:
    """Video embeddings of the first ``n`` 5-frame windows, float32 [n, D].

    Window ``i`` is frames ``i .. i+4`` as a [3, 5, 224, 224] tensor of raw 0-255 values
    in BGR order (the reference reads its crops with ``cv2.imread``).
    """
    import torch

    device = next(model.parameters()).device
    bgr = torch.from_numpy(np.ascontiguousarray(face_crops[..., ::-1]))  # [T, H, W, 3] uint8
    out = []
    with torch.inference_mode():
        for start, stop in _as_batches(n, batch_size):
            clips = torch.stack([bgr[i:i + WINDOW_FRAMES] for i in range(start, stop)])  # [B,5,H,W,3]
            clips = clips.permute(0, 4, 1, 2, 3).float().to(device)  # [B, 3, 5, H, W]
            out.append(model.forward_lip(clips).cpu())
    return torch.cat(out).numpy()


def embed_audio(model, mfcc: np.ndarray, n: int, *, batch_size: int = 20) -> np.ndarray:
    """Audio embeddings of the first ``n`` MFCC windows, float32 [n, D].

    Window ``i`` is MFCC steps ``4 i .. 4 i + 19`` (0.2 s starting at video frame ``i``).
    """
    import torch

    device = next(model.parameters()).device
    feats = torch.from_numpy(np.ascontiguousarray(mfcc, dtype=np.float32))  # [13, steps]
    out = []
    with torch.inference_mode():
        for start, stop in _as_batches(n, batch_size):
            windows = torch.stack([feats[:, MFCC_PER_FRAME * i:MFCC_PER_FRAME * i + WINDOW_MFCC]
                                   for i in range(start, stop)])[:, None]  # [B, 1, 13, 20]
            out.append(model.forward_aud(windows.to(device)).cpu())
    return torch.cat(out).numpy()


def shift_distances(video_emb: np.ndarray, audio_emb: np.ndarray, max_offset: int = 15) -> np.ndarray:
    """Euclidean distance of every video window to the audio window at each shift.

    ``dists[i, j] = || v_i - a_(i + j - max_offset) + 1e-6 ||``, with zero vectors
    standing in for audio windows before the start or after the end (the reference's
    ``calc_pdist`` zero-pads the audio embeddings, and ``pairwise_distance`` adds 1e-6).

    Parameters
    ----------
    video_emb, audio_emb : np.ndarray
        [n, D] embeddings of the same n windows.
    max_offset : int
        Largest shift tried, in frames (``vshift``).

    Returns
    -------
    np.ndarray
        float64 [n, 2 max_offset + 1]; column ``j`` is the shift ``j - max_offset``.
    """
    v = np.asarray(video_emb, dtype=np.float64)
    a = np.asarray(audio_emb, dtype=np.float64)
    if v.ndim != 2 or v.shape != a.shape:
        raise InputError(f"Video and audio embeddings must both be [n, D]; got {v.shape} and {a.shape}.")
    max_offset = int(max_offset)
    if max_offset < 0:
        raise InputError(f"max_offset must be 0 or more frames; got {max_offset}.")
    n = v.shape[0]
    width = 2 * max_offset + 1
    padded = np.concatenate([np.zeros((max_offset, v.shape[1])), a, np.zeros((max_offset, v.shape[1]))])
    # windows[i, j] = padded[i + j]  ->  audio window i + j - max_offset
    windows = np.lib.stride_tricks.sliding_window_view(padded, width, axis=0)[:n]  # [n, D, width]
    diff = v[:, :, None] - windows + 1e-6
    return np.sqrt(np.einsum("idj,idj->ij", diff, diff))


def syncnet_distances(model, face_crops: np.ndarray, audio_16k: np.ndarray, *,
                      max_offset: int = 15, batch_size: int = 20,
                      num_threads: int | None = None) -> np.ndarray:
    """SyncNet's distance table for a face track and its audio, [n_windows, 2 max_offset + 1].

    Reproduces ``SyncNetInstance.evaluate``: 13 MFCCs at 100 Hz; for each of the
    ``min(T, floor(N/640)) - 5`` windows, frames ``i..i+4`` and MFCC steps
    ``4i..4i+19`` are embedded (batches of ``batch_size``, CPU, no gradients); then
    :func:`shift_distances`. Feed the table to :func:`score_distances`.

    Parameters
    ----------
    model : SyncNet
        From :func:`load_syncnet` (or :func:`build_syncnet` for random weights).
    face_crops : np.ndarray
        uint8 [T, 224, 224, 3] RGB face crops at 25 fps (see :func:`crop_faces`).
    audio_16k : np.ndarray
        Mono float audio at 16 kHz in [-1, 1], starting with frame 0.
    max_offset : int
        Largest shift tried, in frames (15 = 0.6 s).
    batch_size : int
        Windows per forward pass (memory vs speed).
    num_threads : int, optional
        torch CPU threads for this call (restored afterwards); default: all cores, at most 4.

    Returns
    -------
    np.ndarray
        float64 distances; column ``j`` pairs video window ``i`` with audio window
        ``i + j - max_offset``.
    """
    import torch

    crops = np.asarray(face_crops)
    if crops.ndim != 4 or crops.shape[1:] != (CROP_SIZE, CROP_SIZE, 3) or crops.dtype != np.uint8:
        raise InputError(f"Face crops must be uint8 [T, {CROP_SIZE}, {CROP_SIZE}, 3]; "
                         f"got {crops.dtype} {crops.shape}. Use crop_faces first.")
    audio = np.asarray(audio_16k, dtype=np.float32)
    if audio.ndim != 1:
        raise InputError(f"Audio must be mono, a 1-D array; got shape {audio.shape}.")
    if int(batch_size) < 1:
        raise InputError(f"batch_size must be at least 1; got {batch_size}.")
    n = n_windows(crops.shape[0], audio.size)
    if n < 1:
        need = (WINDOW_FRAMES + 1) / FPS
        raise InputError(f"Need at least {WINDOW_FRAMES + 1} frames ({need:.2f} s) of video and audio "
                         f"for SyncNet; got {crops.shape[0]} frames and {audio.size / SR:.2f} s of audio.")
    mfcc = mfcc_features(audio)
    previous = torch.get_num_threads()
    threads = num_threads or min(os.cpu_count() or 1, 4)
    torch.set_num_threads(int(threads))
    try:
        model.eval()
        video_emb = embed_video(model, crops, n, batch_size=int(batch_size))
        audio_emb = embed_audio(model, mfcc, n, batch_size=int(batch_size))
    finally:
        torch.set_num_threads(previous)
    return shift_distances(video_emb, audio_emb, max_offset)


def score_distances(dists: np.ndarray, max_offset: int = 15) -> dict:
    """Offset, minimum distance and confidence from a SyncNet distance table (numpy only).

    The reference arithmetic (``SyncNetInstance.evaluate``):

    * ``curve[j]`` = mean over windows of ``dists[:, j]`` (distance at shift ``j - max_offset``);
    * ``offset_frames = max_offset - argmin(curve)``: positive = audio leads video;
    * ``min_dist = min(curve)`` (Wav2Lip's LSE-D), ``confidence = median(curve) - min(curve)``
      (LSE-C): how far the best shift stands out, in distance units, not a probability;
    * ``framewise_conf[i] = median(curve) - dists[i, argmin]``, median-filtered over 9
      windows (``scipy.signal.medfilt``, which pads with zeros at the ends).

    Parameters
    ----------
    dists : np.ndarray
        [n_windows, 2 max_offset + 1] from :func:`syncnet_distances` or :func:`shift_distances`.
    max_offset : int
        The ``max_offset`` the table was made with.

    Returns
    -------
    dict
        ``offset_frames`` (int), ``min_dist`` (float), ``confidence`` (float),
        ``curve`` (float64 [2 max_offset + 1]), ``framewise_conf`` (float64 [n_windows]).
    """
    import scipy.signal

    d = np.asarray(dists, dtype=np.float64)
    max_offset = int(max_offset)
    if d.ndim != 2 or d.shape[0] < 1 or d.shape[1] != 2 * max_offset + 1:
        raise InputError(f"Distance table must be [n_windows >= 1, {2 * max_offset + 1}] for "
                         f"max_offset={max_offset}; got shape {d.shape}.")
    if not np.all(np.isfinite(d)):
        raise InputError("Distance table contains NaN or infinite values.")
    curve = d.mean(axis=0)
    best = int(np.argmin(curve))
    median = float(np.median(curve))
    framewise = median - d[:, best]
    with warnings.catch_warnings():
        # Fewer than 9 windows: medfilt zero-pads, as in the reference; its warning says only that.
        warnings.simplefilter("ignore", UserWarning)
        framewise = scipy.signal.medfilt(framewise, kernel_size=9)
    return {
        "offset_frames": max_offset - best,
        "min_dist": float(curve[best]),
        "confidence": median - float(curve[best]),
        "curve": curve,
        "framewise_conf": framewise,
    }
