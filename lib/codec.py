"""Neural audio codec (DAC) and classic codecs: bitrate arithmetic, coding, quality.

The Descript Audio Codec (Kumar et al. 2023, "High-Fidelity Audio Compression
with Improved RVQGAN") turns audio into a grid of integers: a convolutional
encoder makes one latent vector per ``hop_length`` samples, and a residual
vector quantiser (RVQ) replaces it by ``n_codebooks`` indices into codebooks
of 1024 entries (10 bits each). The bitrate is therefore

    bitrate = (sr / hop_length) frames/s  x  n_codebooks  x  10 bits.

Because RVQ is residual, decoding only the first ``k`` codebooks of one
encoding gives exactly what encoding with ``n_quantizers=k`` would: encode
once, decode every bitrate from the same codes.

We use ``transformers.DacModel`` (the maintained implementation of the same
architecture, with the official checkpoints as safetensors); torch and
transformers are imported inside the functions that need them, so importing
this module stays cheap.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from math import ceil
from pathlib import Path
from typing import Callable

import numpy as np

from lib.errors import (MAX_AMPLITUDE, MAX_SAMPLES, InputError, WeightsUnavailable, check_choice, check_int, check_number,
                        check_signal, check_sr)
from lib.metrics import mel_distance, pesq_score, quality_report, si_sdr, snr_db, stft_distance, stoi_score  # noqa: F401  (public re-exports)
from lib.rvq import codebook_entropy_bits, mdct_rvq  # noqa: F401  (public re-exports)

CODEBOOK_BITS = 10
PCM_BITS = 16


@dataclass(frozen=True)
class DacSpec:
    """The facts of one official DAC checkpoint (its ``config.json``)."""

    key: str
    repo_id: str
    sr: int
    hop_length: int
    n_codebooks: int
    downsampling_ratios: tuple[int, ...]
    codebook_size: int = 1024
    codebook_dim: int = 8
    encoder_hidden_size: int = 64
    decoder_hidden_size: int = 1536
    label: str = ""
    #: Hub commit to download and load (a pin: a moved ``main`` branch cannot swap the weights).
    #: ``None`` means the ``main`` branch; see :data:`DAC_REVISIONS`.
    revision: str | None = None

    @property
    def frame_rate_hz(self) -> float:
        return self.sr / self.hop_length

    @property
    def codebook_bits(self) -> int:
        return int(np.log2(self.codebook_size))

    @property
    def full_bitrate_kbps(self) -> float:
        return bitrate_kbps(self.sr, self.hop_length, self.n_codebooks, self.codebook_bits)

    def config_kwargs(self) -> dict:
        """Arguments for ``transformers.DacConfig`` that rebuild this architecture."""
        return dict(encoder_hidden_size=self.encoder_hidden_size, downsampling_ratios=list(self.downsampling_ratios),
                    decoder_hidden_size=self.decoder_hidden_size, n_codebooks=self.n_codebooks,
                    codebook_size=self.codebook_size, codebook_dim=self.codebook_dim, sampling_rate=self.sr)


#: The three official checkpoints, 16 kHz first (smallest input, fastest on a laptop).
MODELS: dict[str, DacSpec] = {
    "16khz": DacSpec("16khz", "descript/dac_16khz", 16000, 320, 12, (2, 4, 5, 8), label="16 kHz · 12 codebooks · 6 kbps"),
    "24khz": DacSpec("24khz", "descript/dac_24khz", 24000, 320, 32, (2, 4, 5, 8), label="24 kHz · 32 codebooks · 24 kbps"),
    "44khz": DacSpec("44khz", "descript/dac_44khz", 44100, 512, 9, (2, 4, 8, 8), label="44.1 kHz · 9 codebooks · 7.75 kbps"),
}
#: Pinned hub commits per model, applied to :data:`MODELS`. Fill each with the 40-hex commit of the
#: first trusted download (the snapshot folder name under ``models--descript--dac_*/snapshots/``);
#: ``AVE_DAC_REVISION_16KHZ`` (etc.) overrides it without editing the code. Empty: follow ``main``.
DAC_REVISIONS: dict[str, str] = {}


def dac_revision(model: str) -> str | None:
    """The pinned hub commit for ``model`` (environment first, then :data:`DAC_REVISIONS`), or ``None``."""
    rev = os.environ.get(f"AVE_DAC_REVISION_{model.upper()}") or DAC_REVISIONS.get(model) or get_spec(model).revision
    if rev and not (len(rev) == 40 and all(c in "0123456789abcdef" for c in rev.lower())):
        raise InputError(f"The pinned DAC revision for {model} must be a 40-hex-digit commit; got {rev!r}.")
    return rev or None


#: Files ``DacModel.from_pretrained`` needs from each repository.
WEIGHT_FILES = ("config.json", "model.safetensors")

#: Published numbers (DAC paper, Table/Fig. comparing bitrates; Opus at 24 kbps) for the reference table.
PAPER_RESULTS = (
    {"codec": "DAC (paper)", "kbps": 1.78, "mel_distance": 1.39, "si_sdr_db": 2.16},
    {"codec": "DAC (paper)", "kbps": 2.67, "mel_distance": 1.28, "si_sdr_db": 4.41},
    {"codec": "DAC (paper)", "kbps": 5.33, "mel_distance": 1.07, "si_sdr_db": 8.13},
    {"codec": "DAC (paper)", "kbps": 8.0, "mel_distance": 0.93, "si_sdr_db": 10.75},
    {"codec": "Opus (paper)", "kbps": 24.0, "mel_distance": 0.88, "si_sdr_db": 11.65},
)


# ------------------------------------------------------------------ arithmetic
def bitrate_kbps(sr: float, hop_length: int, n_codebooks: int, codebook_bits: int = CODEBOOK_BITS) -> float:
    """Bitrate of an RVQ codec in kbit/s: ``sr / hop_length * n_codebooks * codebook_bits / 1000``.

    Examples: 44.1 kHz / 512 x 9 x 10 bits = 7.75 kbps; 24 kHz / 320 x 32 x 10
    = 24 kbps; 16 kHz / 320 x 12 x 10 = 6 kbps.
    """
    sr = check_sr(sr)
    hop_length = check_int(hop_length, "Hop length", lo=1, hi=1 << 20)
    n_codebooks = check_int(n_codebooks, "The number of codebooks", lo=0, hi=4096)
    codebook_bits = check_int(codebook_bits, "Bits per code", lo=0, hi=64)
    return float(sr) / hop_length * n_codebooks * codebook_bits / 1000.0


def pcm_bitrate_kbps(sr: float, bits: int = PCM_BITS, channels: int = 1) -> float:
    """Uncompressed PCM bitrate: ``sr * bits * channels / 1000`` (44.1 kHz mono 16-bit: 705.6; CD stereo: 1411.2)."""
    sr = check_sr(sr)
    bits = check_int(bits, "The bit depth", lo=1, hi=64)
    channels = check_int(channels, "The number of channels", lo=1, hi=1024)
    return sr * bits * channels / 1000.0


def compression_ratio(sr: float, kbps: float, bit_depth: int = PCM_BITS) -> float:
    """How many times smaller than mono PCM at the same rate (705.6 / 7.75 = 91x for DAC 44.1 kHz)."""
    kbps = check_number(kbps, "The bitrate", lo=0.0, lo_open=True, hi=1e7, unit="kbps")
    return pcm_bitrate_kbps(sr, bit_depth) / kbps


def n_frames(n_samples: int, hop_length: int) -> int:
    """Code frames for a clip: the input is zero-padded to a whole number of hops."""
    n_samples = check_int(n_samples, "The number of samples", lo=0, hi=MAX_SAMPLES)
    hop_length = check_int(hop_length, "Hop length", lo=1, hi=1 << 20)
    return int(ceil(n_samples / hop_length))


def get_spec(model: str) -> DacSpec:
    try:
        return MODELS[model]
    except (KeyError, TypeError):
        raise InputError(f"Unknown DAC model {model!r}; choose one of {', '.join(MODELS)}.") from None


# ------------------------------------------------------------------- tokens
def tokens_per_second(model_name: str) -> float:
    """Codec tokens per second of audio: frame rate x codebooks (16 kHz model: 50 x 12 = 600).

    Every frame carries one integer per codebook, so a language model over
    these tokens has ``tokens_per_second`` symbols to predict for each second
    of sound (a text model reading speech sees about 3 words per second).
    """
    spec = get_spec(model_name)
    return spec.frame_rate_hz * spec.n_codebooks


def token_facts(model_name: str) -> dict:
    """The numbers of the tokens view for one official model.

    ``bits_per_token`` = log2(codebook size); ``flat_vocab_log10``: a single
    token per frame would need ``codebook_size ** n_codebooks`` symbols
    (1024^12 = 2^120, about 1.3e36 for the 16 kHz model), i.e. a softmax
    with that many outputs; ``factorised_outputs``: one 1024-way head per
    codebook instead (12 x 1024 = 12 288 outputs).
    """
    spec = get_spec(model_name)
    bits = spec.codebook_bits
    return {
        "frame_rate_hz": spec.frame_rate_hz,
        "n_codebooks": spec.n_codebooks,
        "codebook_size": spec.codebook_size,
        "tokens_per_s": tokens_per_second(model_name),
        "bits_per_token": bits,
        "bitrate_kbps": spec.full_bitrate_kbps,
        "samples_per_frame": spec.hop_length,
        "flat_vocab_bits": spec.n_codebooks * bits,
        "flat_vocab_log10": spec.n_codebooks * np.log10(spec.codebook_size),
        "factorised_outputs": spec.n_codebooks * spec.codebook_size,
    }


#: Orders in which a language model over codec tokens can produce the (codebook, frame) grid.
TOKEN_PATTERNS = {
    "parallel": "Parallel: every codebook of a frame in one step (one 1024-way head per codebook); "
                "codebooks of the same frame cannot see each other.",
    "flatten": "Flattened: one token per step, frame by frame, codebook 1 to K inside each frame "
               "(AudioLM-style); exact, but K times as many steps.",
    "delay": "Delay (MusicGen): codebook k runs k - 1 steps behind codebook 1, so when it is predicted the "
             "coarser codebooks of its frame are already known; T + K - 1 steps.",
    "vall-e": "VALL-E: codebook 1 autoregressively, one frame per step; then each further codebook for all "
              "frames at once (non-autoregressive), one step per codebook; T + K - 1 steps.",
}


def token_schedule(n_codebooks: int, n_frames: int, pattern: str) -> np.ndarray:
    """Decoding step (0-based) at which each token of a ``(n_codebooks, n_frames)`` grid is produced.

    Tokens that share a step are predicted together (in parallel); a token can
    only condition on tokens with a smaller step. Numbers of steps:
    ``parallel`` T, ``flatten`` T x K, ``delay`` T + K - 1, ``vall-e`` T + K - 1.

    Example
    -------
    >>> token_schedule(3, 4, "delay")[:, :2].tolist()
    [[0, 1], [1, 2], [2, 3]]
    """
    k = check_int(n_codebooks, "The number of codebooks", hi=4096)
    t = check_int(n_frames, "The number of frames", hi=1_000_000)
    if k * t > 50_000_000:
        raise InputError(f"A {k} x {t} token grid is too large to lay out here.")
    if k < 1 or t < 1:
        raise InputError(f"The token grid needs at least one codebook and one frame; got {k} x {t}.")
    if not isinstance(pattern, str) or pattern not in TOKEN_PATTERNS:
        raise InputError(f"Unknown token pattern {pattern!r}; choose one of {', '.join(TOKEN_PATTERNS)}.")
    cb = np.arange(k)[:, None]
    fr = np.arange(t)[None, :]
    if pattern == "parallel":
        steps = np.broadcast_to(fr, (k, t))
    elif pattern == "flatten":
        steps = fr * k + cb
    elif pattern == "delay":
        steps = fr + cb
    else:  # vall-e: AR over codebook 1, then one NAR step per further codebook
        steps = np.where(cb == 0, fr, t - 1 + cb)
    return np.array(steps, dtype=np.int64)


# ---------------------------------------------------------- the arithmetic of bits
#: MPEG-1 Layer III frame: 1152 samples (MPEG-2/2.5 low-rate Layer III frames hold 576).
MP3_FRAME_SAMPLES = 1152


def pcm_bytes_per_minute(sr: float, bits: int = PCM_BITS, channels: int = 1) -> float:
    """Bytes of uncompressed PCM per minute: ``sr * bits * channels * 60 / 8`` (CD stereo: 10.58 MB)."""
    return pcm_bitrate_kbps(sr, bits, channels) * 1000 * 60 / 8


def quantization_snr_db(bits: int) -> float:
    """Theoretical SNR of a full-scale sine quantised to ``bits``: ``6.02 bits + 1.76`` dB.

    The quantisation error of a uniform quantiser with step ``2/2^b`` is
    uniform with power ``step^2/12``; a full-scale sine has power 1/2, so
    SNR = 10 log10(1.5 * 4^b) = 6.02 b + 1.76 dB (16 bits: 98.1 dB; the
    "96 dB" usually quoted is 20 log10(2^16), the ratio of full scale to one step).
    """
    b = check_int(bits, "The bit depth", lo=1, hi=1024)
    return float(10 * np.log10(1.5) + 20 * b * np.log10(2))


def flac_bytes(y: np.ndarray, sr: int, bits: int = PCM_BITS) -> int:
    """Size in bytes of ``y`` losslessly coded as FLAC (libFLAC through soundfile) at ``bits`` (16 or 24)."""
    import soundfile as sf

    if np.size(y) == 0:
        raise InputError("The clip is empty; there is nothing to compress.")
    y = check_signal(y, "The clip", dtype=np.float64, max_abs=MAX_AMPLITUDE, ndim=(1, 2)).ravel()
    sr = check_sr(sr, integer=True)
    bits = check_int(bits, "The bit depth")
    if int(bits) not in (16, 24):
        raise InputError(f"FLAC here stores 16 or 24 bits per sample; got {bits}.")
    buf = io.BytesIO()
    sf.write(buf, pcm_integers(y, bits), int(sr), format="FLAC", subtype=f"PCM_{int(bits)}")
    return len(buf.getvalue())


def pcm_integers(y: np.ndarray, bits: int = PCM_BITS) -> np.ndarray:
    """The integers a ``bits``-bit PCM file stores: ``round(y * (2^(bits-1) - 1))``, clipped.

    int16 for 16 bits; int32 with the sample in the top 24 bits for 24 (how
    libsndfile takes 24-bit data), so writers see exact integers, not floats
    they would each round their own way.
    """
    b = check_int(bits, "The bit depth")
    if b not in (16, 24):
        raise InputError(f"PCM integers here have 16 or 24 bits; got {bits}.")
    full = 2 ** (b - 1) - 1
    y = check_signal(y, "The samples", dtype=np.float64, ndim=(0, 1, 2), min_len=0, max_abs=MAX_AMPLITUDE)
    q = np.round(np.clip(y, -1.0, 1.0) * full)
    return q.astype(np.int16) if b == 16 else (q.astype(np.int32) << 8)


def mp3_frame(bitrate_kbps: float, sr: int) -> dict:
    """One MP3 frame at a constant bitrate: samples, duration and bit budget.

    MPEG-1 Layer III (32, 44.1, 48 kHz) frames hold 1152 samples; the
    MPEG-2/2.5 extensions (8-24 kHz) hold 576. The frame's byte length is
    ``samples / 8 * bitrate / sr`` (144 x bitrate / sr for MPEG-1), rounded down,
    with a padding byte now and then to keep the average exact: 128 kbps at
    44.1 kHz gives 417.96 bytes, i.e. frames of 417 or 418 bytes every 26.1 ms.
    """
    sr = check_sr(sr, integer=True)
    if sr not in (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000):
        raise InputError(f"MP3 is defined at 8-48 kHz standard rates; got {sr} Hz.")
    bitrate_kbps = check_number(bitrate_kbps, "The bitrate", lo=0.0, lo_open=True, hi=1e6, unit="kbps")
    samples = MP3_FRAME_SAMPLES if sr >= 32000 else MP3_FRAME_SAMPLES // 2
    bits = float(bitrate_kbps) * 1000 * samples / sr
    return {"samples": samples, "duration_ms": 1000 * samples / sr, "bits": bits, "bytes": bits / 8,
            "bits_per_sample": bits / samples, "frames_per_s": sr / samples}


def bits_per_sample(bitrate_kbps: float, sr: float) -> float:
    """Average bits spent on each sample of a mono signal at ``sr``: ``bitrate / sr``."""
    sr = check_sr(sr)
    bitrate_kbps = check_number(bitrate_kbps, "The bitrate", lo=0.0, hi=1e7, unit="kbps")
    return bitrate_kbps * 1000 / sr


# ----------------------------------------------------------------- the weights
def weights_help(model: str) -> str:
    """The exact manual steps to put a checkpoint where :func:`load_dac` looks."""
    from huggingface_hub import constants

    spec = get_spec(model)
    cache = constants.HF_HUB_CACHE
    folder = "models--" + spec.repo_id.replace("/", "--")
    return (
        f"The DAC {spec.sr / 1000:g} kHz weights (`{spec.repo_id}`, about "
        f"{approx_weight_mb(spec):.0f} MB) are not on this machine and cannot be downloaded from here. "
        f"On a connected machine run `pip install -U huggingface_hub` and then "
        f"`hf download {spec.repo_id} config.json model.safetensors` "
        f"(older huggingface_hub: `huggingface-cli download {spec.repo_id}`). "
        f"Copy the resulting folder `{folder}` into `{cache}` on this machine "
        f"(or point `HF_HOME` at a copied cache) and reload the page."
    )


def approx_weight_mb(spec: DacSpec) -> float:
    """float32 checkpoint size estimated from the parameter count (see :func:`count_parameters`)."""
    if not isinstance(spec, DacSpec):
        raise InputError(f"Give a DacSpec (codec.MODELS[...]); got a {type(spec).__name__}.")
    return count_parameters(spec) * 4 / 1e6


def count_parameters(spec: DacSpec) -> int:
    """Parameters of the architecture, counted from its shapes (no torch needed)."""
    if not isinstance(spec, DacSpec):
        raise InputError(f"Give a DacSpec (codec.MODELS[...]); got a {type(spec).__name__}.")
    e, d = spec.encoder_hidden_size, spec.decoder_hidden_size

    def conv(cin, cout, k):
        return cin * cout * k + cout

    def res(dim):  # snake(dim) x2 + conv7 + conv1
        return 2 * dim + conv(dim, dim, 7) + conv(dim, dim, 1)

    total = conv(1, e, 7)
    for i, s in enumerate(spec.downsampling_ratios, start=1):
        dim = e * 2**i
        total += 3 * res(dim // 2) + dim // 2 + conv(dim // 2, dim, 2 * s)
    hidden = e * 2 ** len(spec.downsampling_ratios)
    total += hidden + conv(hidden, hidden, 3)
    total += spec.n_codebooks * (conv(hidden, spec.codebook_dim, 1) + conv(spec.codebook_dim, hidden, 1)
                                 + spec.codebook_size * spec.codebook_dim)
    total += conv(hidden, d, 7)
    for i, s in enumerate(reversed(spec.downsampling_ratios)):
        cin, cout = d // 2**i, d // 2 ** (i + 1)
        total += cin + conv(cin, cout, 2 * s) + 3 * res(cout)
    out = d // 2 ** len(spec.downsampling_ratios)
    total += out + conv(out, 1, 7)
    return int(total)


def find_dac(model: str = "44khz") -> str | None:
    """Local snapshot folder of the checkpoint in the Hugging Face cache, or ``None`` (never networks)."""
    spec = get_spec(model)
    try:
        from huggingface_hub import try_to_load_from_cache

        rev = dac_revision(model)
        paths = [try_to_load_from_cache(spec.repo_id, f, revision=rev) for f in WEIGHT_FILES]
    except Exception:
        return None
    if all(isinstance(p, str) and os.path.exists(p) for p in paths):
        return str(Path(paths[0]).parent)
    return None


def _progress_tqdm(progress: Callable[[float, str], None]):
    from tqdm.auto import tqdm

    class _Tqdm(tqdm):
        def update(self, n=1):
            out = super().update(n)
            if self.total:
                progress(min(1.0, self.n / self.total), f"Downloading {self.desc or 'weights'}")
            return out

    return _Tqdm


def _online() -> bool:
    from huggingface_hub import constants

    return not (constants.HF_HUB_OFFLINE or os.environ.get("TRANSFORMERS_OFFLINE", "0") in ("1", "true", "True"))


def download_dac(model: str = "44khz", *, progress: Callable[[float, str], None] | None = None) -> str:
    """Download a checkpoint into the Hugging Face cache; return its folder.

    Only an explicit action should call this (a button, a CLI step): :func:`load_dac` never
    reaches the network unless asked to. The pinned revision (:func:`dac_revision`) is what
    is fetched, so a changed ``main`` branch on the hub cannot swap the weights.

    Raises
    ------
    WeightsUnavailable
        When the hub cannot be reached (the message carries the manual steps).
    """
    spec = get_spec(model)
    rev = dac_revision(model)
    try:
        from huggingface_hub import snapshot_download

        kwargs = {"tqdm_class": _progress_tqdm(progress)} if progress else {}
        return snapshot_download(spec.repo_id, revision=rev, allow_patterns=list(WEIGHT_FILES) + ["*.json"],
                                 etag_timeout=5, **kwargs)
    except Exception as exc:  # no network, DNS failure, proxy, HTTP error ...
        raise WeightsUnavailable(f"Download failed ({type(exc).__name__}). " + weights_help(model)) from exc


def available_memory_mb() -> float | None:
    """MemAvailable from /proc/meminfo in MB (Linux), else ``None``."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


#: What one model needs on top of the app: torch + weights + activations for a 5 s chunk (bench/bench_codec.py).
DAC_MEMORY_MB = 1600


def load_dac(model: str = "44khz", *, allow_download: bool = False,
             progress: Callable[[float, str], None] | None = None, num_threads: int | None = None):
    """Load an official DAC checkpoint as a ``transformers.DacModel`` ready for inference.

    Looks in the local Hugging Face cache first; if the files are missing and
    ``allow_download`` is true and the hub is not set offline, downloads them
    (``progress(fraction, message)`` is called as bytes arrive). The model is
    put in ``eval()`` mode and any weight-norm parametrisation is folded into
    plain weights (the weights are fixed at inference, so recomputing
    ``g * v / |v|`` on every call is wasted work).

    Parameters
    ----------
    model : {"16khz", "24khz", "44khz"}
    allow_download : bool
        Try the network when the cache misses. Off by default: a download is an explicit
        action (a button), never a side effect of a visitor opening a page.
    progress : callable, optional
        ``progress(fraction_0_to_1, message)`` during a download.
    num_threads : int, optional
        ``torch.set_num_threads`` (default: leave torch's choice).

    Raises
    ------
    WeightsUnavailable
        With the exact command to fetch the weights on a connected machine.
    """
    path = find_dac(model)
    if path is None:
        if not (allow_download and _online()):
            raise WeightsUnavailable(weights_help(model))
        path = download_dac(model, progress=progress)
    import torch

    if num_threads:
        torch.set_num_threads(int(num_threads))
    return load_checkpoint(path)


def load_checkpoint(path: str | os.PathLike):
    """Load and verify a DAC checkpoint folder (``config.json`` + ``model.safetensors``).

    Checkpoints saved with weight norm (``weight_g`` / ``weight_v`` tensors, as
    the original training code stores them) are loaded into a weight-normed
    model and then folded; plain checkpoints load directly. Every parameter
    must be present: a checkpoint that leaves any weight at its random
    initialisation raises :class:`WeightsUnavailable` instead of producing noise.
    """
    from safetensors import safe_open
    from transformers import DacConfig, DacModel

    path = Path(path)
    weights = path / "model.safetensors"
    if not weights.exists() or not (path / "config.json").exists():
        raise WeightsUnavailable(f"{path} does not hold config.json and model.safetensors.")
    with safe_open(str(weights), framework="pt") as f:
        keys = list(f.keys())
    if any(k.endswith(".weight_g") for k in keys):
        from safetensors.torch import load_file

        net = DacModel(DacConfig.from_pretrained(str(path)))
        net.apply_weight_norm()
        state = {k.replace(".weight_g", ".parametrizations.weight.original0")
                  .replace(".weight_v", ".parametrizations.weight.original1"): v
                 for k, v in load_file(str(weights)).items()}
        result = net.load_state_dict(state, strict=False)
        missing = list(result.missing_keys)
    else:
        net, info = DacModel.from_pretrained(str(path), output_loading_info=True)
        missing = list(info.get("missing_keys", []))
    if missing:
        raise WeightsUnavailable(
            f"The checkpoint in {path} does not match the DAC architecture ({len(missing)} missing tensors, "
            f"e.g. {missing[0]}); delete the folder and download it again."
        )
    return prepare_for_inference(net)


def _snake_inference(self, x):
    """Snake ``x + sin^2(alpha x) / alpha`` with two temporaries instead of five (same values).

    transformers' ``Snake1d`` allocates a new full-size tensor per elementwise
    op; at the decoder's output rate these are 96 channels x every sample, so
    the activation cost about a quarter of decoding. In-place steps on one
    buffer halve it (bench/bench_codec.py). Inference only (no autograd).
    """
    import torch

    a = self.alpha
    s = torch.sin(a * x)
    s.square_()
    s.mul_((a + 1e-9).reciprocal())
    return s.add_(x)


def prepare_for_inference(net, *, fast_snake: bool = True):
    """``eval()``, fold weight-norm parametrisations (if any) into plain weights, freeze.

    ``fast_snake`` swaps each Snake activation's ``forward`` for
    :func:`_snake_inference` (identical output, fewer allocations).
    """
    import types

    from torch.nn.utils import parametrize

    net.eval()
    for module in net.modules():
        if parametrize.is_parametrized(module):
            for name in list(module.parametrizations.keys()):
                parametrize.remove_parametrizations(module, name, leave_parametrized=True)
        if fast_snake and type(module).__name__ == "Snake1d":
            module.forward = types.MethodType(_snake_inference, module)
    for p in net.parameters():
        p.requires_grad_(False)
    return net


def build_dac(spec_or_config=None, *, seed: int = 0, weight_norm: bool = False, fast_snake: bool = True,
              **config_kwargs):
    """A ``DacModel`` with random weights (same architecture and cost as the real one).

    ``spec_or_config`` may be a key of :data:`MODELS`, a :class:`DacSpec`, a
    ``DacConfig`` or ``None`` (then ``config_kwargs`` build a small config, for
    tests). ``weight_norm=True`` keeps the weight-norm parametrisation the
    reference training code uses (to measure what folding it saves).
    """
    import torch
    from transformers import DacConfig, DacModel

    if isinstance(spec_or_config, str):
        spec_or_config = get_spec(spec_or_config)
    if isinstance(spec_or_config, DacSpec):
        config = DacConfig(**{**spec_or_config.config_kwargs(), **config_kwargs})
    elif spec_or_config is None:
        config = DacConfig(**config_kwargs)
    else:
        config = spec_or_config
    torch.manual_seed(seed)
    net = DacModel(config)
    if weight_norm:
        net.apply_weight_norm()
        net.eval()
        for p in net.parameters():
            p.requires_grad_(False)
        return net
    return prepare_for_inference(net, fast_snake=fast_snake)


def model_facts(net) -> dict:
    """``sr``, ``hop_length``, ``n_codebooks``, ``codebook_size`` of a loaded model."""
    c = net.config
    return {"sr": int(c.sampling_rate), "hop_length": int(c.hop_length), "n_codebooks": int(c.n_codebooks),
            "codebook_size": int(c.codebook_size)}


# --------------------------------------------------------------- encode/decode
def _prepare_input(net, y: np.ndarray, sr: int) -> np.ndarray:
    from lib.audio import resample

    y = np.asarray(y, dtype=np.float32).ravel()
    if y.size == 0:
        raise InputError("The clip is empty; there is nothing to encode.")
    if not np.all(np.isfinite(y)):
        raise InputError("The clip contains NaN or infinite samples.")
    model_sr = int(net.config.sampling_rate)
    if int(sr) != model_sr:
        y = resample(y, int(sr), model_sr)
    return y


def _chunk_windows(frames: int, step: int, ctx: int):
    """``(a, b, lo, hi)`` per chunk: keep frames ``a:b`` of a window ``lo:hi`` of fixed length ``step + 2 ctx``.

    Every window has the same length (one exported/compiled graph shape serves every chunk and clip),
    and each kept frame has at least ``ctx`` frames of context on both sides unless it is at the
    clip's edge, where the whole-clip computation has none either.

    The window that reaches the clip's end keeps everything up to it, so a clip no longer than one
    window is computed once (not once per ``step``, each time on the same window).
    """
    win = step + 2 * ctx
    a = 0
    while a < frames:
        lo = max(0, min(a - ctx, frames - win))
        hi = min(frames, lo + win)
        b = frames if hi == frames else min(a + step, hi - ctx)
        yield a, b, lo, hi
        a = b


def _encode_windows(net, x: np.ndarray, windows, n_q: int, runtime, hop: int, frames: int, progress):
    """Encode each ``(a, b, lo, hi)`` window of ``x`` and keep frames ``a:b``: (code parts, summed energies).

    Each window adds the residual energies of its kept frames only, so the sum is the whole clip's (no
    second encoder pass; with context beyond the receptive field, exactly). Call under inference mode.
    """
    import torch

    parts, energy = [], 0.0
    for a, b, lo, hi in windows:
        c, e = _encode_block(net, torch.from_numpy(x[lo * hop : hi * hop])[None, None], n_q, runtime,
                             keep=(a - lo, b - lo))
        parts.append(c[:, a - lo : b - lo])
        energy = energy + e
        if progress:
            progress(b / frames, f"Encoding {b}/{frames} frames")
    return parts, energy


def _decode_windows(net, codes: np.ndarray, windows, runtime, hop: int, progress) -> list[np.ndarray]:
    """Decode each ``(a, b, lo, hi)`` window of ``codes`` and keep the audio of frames ``a:b``."""
    frames = codes.shape[1]
    parts = []
    for a, b, lo, hi in windows:
        out = _decode_block(net, codes[:, lo:hi], runtime)
        parts.append(out[(a - lo) * hop : (b - lo) * hop])
        if progress:
            progress(b / frames, f"Decoding {b}/{frames} frames")
    return parts


# --------------------------------------------------------- receptive field
def _ceil_div(a: int, b: int) -> int:
    return -((-a) // b)


def _dac_ratios(model) -> tuple[int, ...]:
    if isinstance(model, str):
        model = get_spec(model)
    cfg = getattr(model, "config", model)  # a DacModel carries its DacConfig
    ratios = getattr(cfg, "downsampling_ratios", None)
    if ratios is None:
        raise InputError(f"Give a DAC model, its config, a DacSpec or a model key; got a {type(model).__name__}.")
    ratios = tuple(int(r) for r in ratios)
    if not ratios or any(r < 1 for r in ratios):
        raise InputError(f"The downsampling ratios must be positive integers; got {ratios}.")
    return ratios


def receptive_field(model) -> dict:
    """How far DAC's encoder and decoder look, from the architecture alone (no weights needed).

    Every layer of DAC is a convolution with a fixed reach: the encoder's first conv (kernel 7),
    per block three residual units (kernel 7, dilations 1, 3, 9: +-3d samples each) and a strided
    conv (kernel 2s, stride s, padding ceil(s/2)), then a kernel-3 conv; the decoder mirrors it
    with transposed convs (kernel 2s, stride s). Walking an interval back through the layers
    gives, exactly, which input samples a code frame depends on and which latent frames an
    output sample depends on (the quantiser acts on each frame alone).

    ``model``: a ``DacModel``, a ``DacConfig``, a :class:`DacSpec` or a key of :data:`MODELS`.

    Returns
    -------
    dict
        ``encoder_samples`` (left, right): samples before the first and after the last sample of
        a frame's own hop that its codes depend on; ``encoder_frames`` (left, right): the same in
        whole frames (rounded up); ``decoder_frames`` (left, right): latent frames before and
        after frame ``f`` that the ``hop`` output samples of frame ``f`` depend on;
        ``context_frames``: the larger of all four frame counts, enough context on each side
        of a chunk for chunked encoding and decoding to equal the whole-clip computation;
        ``hop_length``.

    Example: the 44.1 kHz model's codes depend on 3 733 samples either side of their hop (8 frames)
    and its audio on 10 latent frames either side, so 0.12 s of context on each side suffices.
    """
    ratios = _dac_ratios(model)
    hop = int(np.prod(ratios))
    dil = (1, 3, 9)  # DacResidualUnit dilations (kernel 7, padding 3 d)

    def conv(iv, k, s=1, d=1, p=None):
        a, b = iv
        p = (d * (k - 1)) // 2 if p is None else p
        return a * s - p, b * s - p + d * (k - 1)

    def res(iv):
        for d in reversed(dil):
            iv = conv(iv, 7, d=d)
        return iv

    # Encoder, walked backwards from one code frame f0 to input samples.
    f0 = 1000
    iv = (f0, f0)
    iv = conv(iv, 3)  # conv2, kernel 3
    for s in reversed(ratios):
        iv = conv(iv, 2 * s, s=s, p=_ceil_div(s, 2))
        iv = res(iv)
    iv = conv(iv, 7)  # conv1
    enc_left = f0 * hop - iv[0]
    enc_right = iv[1] - (f0 * hop + hop - 1)

    # Decoder, walked backwards from the hop samples of frame f0 to latent frames.
    iv = conv((f0 * hop, f0 * hop + hop - 1), 7)  # conv2
    for s in ratios:  # the decoder's upsampling ratios are the reversed downsampling ones; walk back = forward order
        iv = res(iv)
        k, p = 2 * s, _ceil_div(s, 2)
        a, b = iv
        iv = (_ceil_div(a + p - k + 1, s), (b + p) // s)  # ConvTranspose1d: out o = i s - p + j, 0 <= j < k
    iv = conv(iv, 7)  # conv1
    dec_left, dec_right = f0 - iv[0], iv[1] - f0
    enc_frames = (max(0, _ceil_div(enc_left, hop)), max(0, _ceil_div(enc_right, hop)))
    return {"hop_length": hop, "encoder_samples": (int(enc_left), int(enc_right)), "encoder_frames": enc_frames,
            "decoder_frames": (int(dec_left), int(dec_right)),
            "context_frames": int(max(*enc_frames, dec_left, dec_right))}


def _encode_block(net, x, n_q: int, runtime=None, keep: tuple[int, int] | None = None):
    """Encoder + RVQ on a ``(1, 1, T)`` tensor: codes ``(n_q, F)`` and residual energies ``(n_q + 1,)``.

    The same loop as ``DacResidualVectorQuantizer.forward`` in eval mode,
    written out so the latent's residual energy after every stage can be read
    on the way (the codes equal ``net.encode(x, n_quantizers=n_q)``). ``keep = (a, b)``:
    sum the energies over frames ``a:b`` only (a chunk's kept frames, not its context).
    """
    import torch

    if runtime is not None and runtime.encoder is not None:
        z = torch.from_numpy(runtime.encoder(x.numpy()))
    else:
        z = net.encoder(x)
    sl = slice(None) if keep is None else slice(int(keep[0]), int(keep[1]))
    residual = z
    codes, energy = [], [float(torch.sum(z[..., sl].double() ** 2))]
    for quantizer in net.quantizer.quantizers[:n_q]:
        projected = quantizer.in_proj(residual)
        q_latent, idx = quantizer.decode_latents(projected)
        q = quantizer.out_proj(q_latent)
        residual = residual - q
        codes.append(idx[0])
        energy.append(float(torch.sum(residual[..., sl].double() ** 2)))
    return torch.stack(codes).cpu().numpy(), np.array(energy)


@dataclass(frozen=True)
class Encoding:
    """Codes of one clip plus what the page shows about them."""

    codes: np.ndarray           # (n_codebooks, frames) int16
    residual_energy: np.ndarray  # (n_codebooks + 1,) latent energy left after each stage, relative
    sr: int
    hop_length: int
    n_samples: int               # samples at the model's rate (decode trims to this)


def encode_details(net, y: np.ndarray, sr: int, *, n_quantizers: int | None = None, chunk_s: float | None = None,
                   context_s: float | None = None, progress: Callable[[float, str], None] | None = None,
                   runtime=None, head: StreamHead | None = None) -> Encoding:
    """Encode a clip; see :func:`encode`. Also returns the per-stage residual energy.

    ``runtime``: a :class:`lib.dac_onnx.OnnxDac` to run the encoder's convolutions in ONNX Runtime.
    ``head``: the :func:`encode_head` of this clip (streaming): its codes are reused and only the
    frames after them are encoded, with the receptive field as context (same codes as the whole clip).
    """
    import torch

    facts = model_facts(net)
    hop, n_cb = facts["hop_length"], facts["n_codebooks"]
    n_q = n_cb if n_quantizers is None else int(n_quantizers)
    if not 1 <= n_q <= n_cb:
        raise InputError(f"n_quantizers must be between 1 and {n_cb}; got {n_quantizers}.")
    y = _prepare_input(net, y, sr)
    n = len(y)
    frames = n_frames(n, hop)
    x = np.zeros(frames * hop, dtype=np.float32)
    x[:n] = y
    if head is not None:
        _check_head(net, head, n)
        return _encode_rest(net, x, head, n_q, chunk_s, progress, runtime)
    with torch.inference_mode():
        if chunk_s is None or chunk_s * facts["sr"] >= len(x):
            codes, energy = _encode_block(net, torch.from_numpy(x)[None, None], n_q, runtime)
        else:
            step = max(1, int(round(chunk_s * facts["sr"] / hop)))
            ctx = _context_frames(net, context_s)
            parts, energy = _encode_windows(net, x, _chunk_windows(frames, step, ctx), n_q, runtime, hop, frames,
                                            progress)
            codes = np.concatenate(parts, axis=1)
    rel = energy / max(energy[0], 1e-30)
    return Encoding(codes=codes.astype(np.int16), residual_energy=rel, sr=facts["sr"], hop_length=hop, n_samples=n)


def encode(net, y: np.ndarray, sr: int, *, n_quantizers: int | None = None, chunk_s: float | None = None,
           context_s: float | None = None, runtime=None) -> np.ndarray:
    """Encode mono audio to DAC codes ``(n_codebooks, frames)`` (int16).

    The clip is resampled to the model's rate if needed and zero-padded to a
    whole number of hops, so ``frames = ceil(n_samples / hop_length)``.

    Parameters
    ----------
    net : transformers.DacModel
    y, sr : the clip and its rate in Hz
    n_quantizers : int, optional
        Keep only the first this-many codebooks (default all). By the RVQ
        construction this equals ``encode(...)[:n_quantizers]``.
    chunk_s, context_s : float, optional
        Encode in hop-aligned chunks of ``chunk_s`` seconds, each with
        ``context_s`` seconds of neighbouring audio on both sides that is
        encoded and thrown away (bounded memory for long clips; with context
        longer than the encoder's receptive field the codes are the same).
        ``context_s=None`` (default): exactly the receptive field (:func:`receptive_field`),
        the least work that gives the whole-clip codes.
    runtime : lib.dac_onnx.OnnxDac, optional
        Run the encoder's convolutions in ONNX Runtime.
    """
    return encode_details(net, y, sr, n_quantizers=n_quantizers, chunk_s=chunk_s, context_s=context_s,
                          runtime=runtime).codes


def bf16_supported() -> bool:
    """Whether this CPU has native bfloat16 matrix instructions (AVX512-BF16 or AMX), Linux only."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = f.read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def autocast_bf16(enabled: bool = True):
    """Context manager: run convolutions in bfloat16 on the CPU (about 1.5x faster where supported).

    Costs a little fidelity (the decoded audio differs by ~1e-3 of full scale
    and a few borderline codes can flip), so the page offers it as an option.
    """
    import contextlib

    import torch

    return torch.autocast("cpu", dtype=torch.bfloat16) if enabled else contextlib.nullcontext()


def _decode_block(net, codes: np.ndarray, runtime=None) -> np.ndarray:
    import torch

    c = torch.from_numpy(np.asarray(codes, dtype=np.int64))[None]
    if runtime is not None and runtime.decoder is not None:
        latent = net.quantizer.from_codes(c)[0]
        return runtime.decoder(latent.float().numpy())[0, 0]
    return net.decode(audio_codes=c, return_dict=False)[0][0].float().cpu().numpy()


def decode(net, codes: np.ndarray, n_codebooks: int | None = None, *, n_samples: int | None = None,
           chunk_s: float | None = None, context_s: float | None = None,
           progress: Callable[[float, str], None] | None = None, runtime=None,
           head: StreamHead | None = None, head_audio: np.ndarray | None = None) -> np.ndarray:
    """Decode audio from the first ``n_codebooks`` rows of ``codes`` (float32 at the model's rate).

    Parameters
    ----------
    codes : np.ndarray
        ``(n_codebooks_total, frames)`` from :func:`encode`.
    n_codebooks : int, optional
        How many codebooks to use (default: all rows). Fewer = lower bitrate.
    n_samples : int, optional
        Trim/pad the output to this length (default ``frames * hop_length``).
    chunk_s, context_s : float, optional
        Decode in chunks of frames with context on both sides (bounded memory). Every chunk is
        the same length (``chunk_s + 2 context_s``), so one graph shape serves every clip.
        ``context_s=None`` (default): the decoder's receptive field, which makes the chunked
        decode equal the whole-clip one with the least extra work (it used to be 0.5 s:
        3-4x the field, 10 % more decoding for a 10-s clip in 5-s chunks).
    progress : callable, optional
        ``progress(fraction, message)`` after each chunk.
    runtime : lib.dac_onnx.OnnxDac, optional
        Run the decoder's convolutions in ONNX Runtime (checked equal to PyTorch within 1e-4).
    head, head_audio : optional
        Streaming: the clip's :func:`encode_head` and (if already decoded, with the same
        ``n_codebooks``) :func:`decode_head`'s audio. Only the frames after the head are decoded
        (with the receptive field as context) and appended to the head's audio.
    """
    import torch

    codes = np.asarray(codes)
    if codes.ndim != 2 or codes.shape[1] == 0:
        raise InputError(f"Codes must be a (codebooks, frames) array; got shape {codes.shape}.")
    k = codes.shape[0] if n_codebooks is None else int(n_codebooks)
    if not 1 <= k <= codes.shape[0]:
        raise InputError(f"Can decode from 1 to {codes.shape[0]} codebooks; got {n_codebooks}.")
    facts = model_facts(net)
    hop = facts["hop_length"]
    if np.any(codes < 0) or np.any(codes >= facts["codebook_size"]):
        raise InputError(f"Codes must lie in 0..{facts['codebook_size'] - 1}.")
    frames = codes.shape[1]
    codes = codes[:k]
    with torch.inference_mode():
        if head is not None:
            y = _decode_rest(net, codes, head, head_audio, chunk_s, progress, runtime)
        elif chunk_s is None or chunk_s * facts["sr"] >= frames * hop:
            y = _decode_block(net, codes, runtime)
        else:
            step = max(1, int(round(chunk_s * facts["sr"] / hop)))
            ctx = _context_frames(net, context_s)
            y = np.concatenate(_decode_windows(net, codes, _chunk_windows(frames, step, ctx), runtime, hop, progress))
    total = frames * hop if n_samples is None else int(n_samples)
    if len(y) < total:  # stride-5 transposed convs give a few samples less than frames * hop
        y = np.pad(y, (0, total - len(y)))
    return y[:total].astype(np.float32)


# ---------------------------------------------------------------- streaming
#: Seconds of audio the streamed first chunk keeps (its window adds the receptive field on the right).
FIRST_CHUNK_S = 1.0


@dataclass(frozen=True)
class StreamHead:
    """The opening of a clip, encoded first so that its audio can be heard before the rest is coded.

    ``codes`` are the whole clip's codes of its first ``codes.shape[1]`` frames (exactly: the
    window they came from reaches past them by the encoder's receptive field); they cover
    ``frames_kept`` frames plus the decoder's receptive field, so decoding them gives the whole
    clip's audio of the first ``frames_kept`` frames. ``energy``: absolute residual energies of
    the latent after each RVQ stage, summed over those frames.
    """

    codes: np.ndarray       # (n_codebooks, frames covered) int16
    energy: np.ndarray      # (n_codebooks + 1,)
    frames_kept: int
    frames: int             # of the whole clip
    n_samples: int          # of the whole clip at the model's rate
    sr: int
    hop_length: int

    @property
    def whole(self) -> bool:
        """The head's window held the whole clip (a short clip is coded in one go)."""
        return self.codes.shape[1] >= self.frames

    @property
    def n_kept_samples(self) -> int:
        return self.n_samples if self.whole else self.frames_kept * self.hop_length

    @property
    def duration_s(self) -> float:
        return self.n_kept_samples / self.sr


def _context_frames(net, context_s: float | None) -> int:
    """Context in frames for chunked coding: ``context_s`` rounded up, or the receptive field when ``None``."""
    if context_s is None:
        return receptive_field(net)["context_frames"]
    facts = model_facts(net)
    context_s = check_number(context_s, "The context", lo=0.0, hi=3600.0, unit="s")
    return int(ceil(context_s * facts["sr"] / facts["hop_length"]))


def _rest_windows(start: int, frames: int, step: int, ctx: int):
    """``(a, b, lo, hi)``: frames ``start:frames`` in chunks of ``step`` with ``ctx`` frames of context each side."""
    a = start
    while a < frames:
        b = frames if frames - a <= step else a + step
        yield a, b, max(0, a - ctx), min(frames, b + ctx)
        a = b


def _check_head(net, head, n_samples: int) -> None:
    if not isinstance(head, StreamHead):
        raise InputError(f"head must come from codec.encode_head; got a {type(head).__name__}.")
    facts = model_facts(net)
    if (head.hop_length, head.sr, head.codes.shape[0]) != (facts["hop_length"], facts["sr"], facts["n_codebooks"]):
        raise InputError("This streamed head was made by another model.")
    if head.n_samples != int(n_samples):
        raise InputError(f"This streamed head belongs to a clip of {head.n_samples} samples; got {n_samples}.")


def encode_head(net, y: np.ndarray, sr: int, *, first_s: float = FIRST_CHUNK_S, runtime=None) -> StreamHead:
    """Encode only the opening of a clip: one fixed-length window, the first step of streaming.

    The window holds ``first_s`` seconds (rounded to whole frames) plus the decoder's and the
    encoder's receptive fields (:func:`receptive_field`), so the codes it returns are the whole
    clip's codes and they decode to the whole clip's first ``first_s`` seconds. A clip no longer
    than the window is encoded whole. Continue with ``encode_details(..., head=head)``.
    """
    import torch

    facts = model_facts(net)
    hop, model_sr = facts["hop_length"], facts["sr"]
    first_s = check_number(first_s, "The first chunk's length", lo=0.0, lo_open=True, hi=3600.0, unit="s")
    y = _prepare_input(net, y, sr)
    n = len(y)
    frames = n_frames(n, hop)
    rf = receptive_field(net)
    f1 = max(1, int(round(first_s * model_sr / hop)))
    covered = f1 + max(rf["decoder_frames"])
    window = covered + max(rf["encoder_frames"])
    with torch.inference_mode():
        if window >= frames:
            x = np.zeros(frames * hop, dtype=np.float32)
            x[:n] = y
            codes, energy = _encode_block(net, torch.from_numpy(x)[None, None], facts["n_codebooks"], runtime)
            f1 = covered = frames
        else:
            x = np.zeros(window * hop, dtype=np.float32)
            x[: min(n, len(x))] = y[: len(x)]
            codes, energy = _encode_block(net, torch.from_numpy(x)[None, None], facts["n_codebooks"], runtime,
                                          keep=(0, covered))
    return StreamHead(codes=codes[:, :covered].astype(np.int16), energy=np.asarray(energy, dtype=np.float64),
                      frames_kept=f1, frames=frames, n_samples=n, sr=model_sr, hop_length=hop)


def decode_head(net, head: StreamHead, n_codebooks: int | None = None, *, runtime=None) -> np.ndarray:
    """The whole clip's decoded audio of the head's first ``head.duration_s`` seconds (float32).

    Decodes the head's codes (kept frames plus the decoder's receptive field) and keeps the kept
    frames: equal to the first ``head.n_kept_samples`` samples of :func:`decode` on the whole clip.
    """
    import torch

    if not isinstance(head, StreamHead):
        raise InputError(f"head must come from codec.encode_head; got a {type(head).__name__}.")
    k = head.codes.shape[0] if n_codebooks is None else int(n_codebooks)
    if not 1 <= k <= head.codes.shape[0]:
        raise InputError(f"Can decode from 1 to {head.codes.shape[0]} codebooks; got {n_codebooks}.")
    with torch.inference_mode():
        y = _decode_block(net, head.codes[:k], runtime)
    total = head.n_kept_samples
    if len(y) < total:
        y = np.pad(y, (0, total - len(y)))
    return y[:total].astype(np.float32)


def _encode_rest(net, x: np.ndarray, head: StreamHead, n_q: int, chunk_s, progress, runtime) -> Encoding:
    import torch

    hop, frames = head.hop_length, head.frames
    covered = head.codes.shape[1]
    energy = np.array(head.energy[: n_q + 1], dtype=np.float64)
    parts = [head.codes[:n_q]]
    if not head.whole:
        ctx = max(receptive_field(net)["encoder_frames"])
        step = frames if chunk_s is None else max(1, int(round(chunk_s * head.sr / hop)))
        with torch.inference_mode():
            rest, e = _encode_windows(net, x, _rest_windows(covered, frames, step, ctx), n_q, runtime, hop, frames,
                                      progress)
        parts += rest
        energy = energy + e
    codes = np.concatenate(parts, axis=1)[:, :frames]
    rel = energy / max(energy[0], 1e-30)
    return Encoding(codes=codes.astype(np.int16), residual_energy=rel, sr=head.sr, hop_length=hop,
                    n_samples=head.n_samples)


def _decode_rest(net, codes: np.ndarray, head: StreamHead, head_audio, chunk_s, progress, runtime) -> np.ndarray:
    if not isinstance(head, StreamHead):
        raise InputError(f"head must come from codec.encode_head; got a {type(head).__name__}.")
    k, frames = codes.shape
    covered = head.codes.shape[1]
    if frames != head.frames or not np.array_equal(codes[:, :covered], head.codes[:k]):
        raise InputError("These codes are not the ones this streamed head started; decode without head=.")
    first = decode_head(net, head, k, runtime=runtime) if head_audio is None else np.asarray(head_audio, np.float32)
    if first.ndim != 1 or len(first) != head.n_kept_samples:
        raise InputError(f"The head's audio must hold its first {head.n_kept_samples} samples; got shape {first.shape}.")
    if head.whole:
        return first
    hop, start = head.hop_length, head.frames_kept
    ctx = max(receptive_field(net)["decoder_frames"])
    step = frames if chunk_s is None else max(1, int(round(chunk_s * head.sr / hop)))
    return np.concatenate([first, *_decode_windows(net, codes, _rest_windows(start, frames, step, ctx), runtime, hop,
                                                   progress)])


def stream(net, y: np.ndarray, sr: int, n_codebooks: int | None = None, *, first_s: float = FIRST_CHUNK_S,
           chunk_s: float | None = None, runtime=None,
           on_first: Callable[[np.ndarray, StreamHead], None] | None = None) -> tuple[Encoding, np.ndarray]:
    """Encode and decode a clip streaming: the first ``first_s`` seconds first, then the rest.

    ``on_first(audio, head)`` is called as soon as the opening is decoded (what a streaming codec
    is judged by: the time to its first audio). The rest reuses the head's codes and audio, so
    the whole clip costs one pass plus the receptive field twice. Returns the whole clip's
    :class:`Encoding` and decoded audio, equal to :func:`encode_details` + :func:`decode`.
    """
    head = encode_head(net, y, sr, first_s=first_s, runtime=runtime)
    first = decode_head(net, head, n_codebooks, runtime=runtime)
    if on_first is not None:
        on_first(first, head)
    enc = encode_details(net, y, sr, chunk_s=chunk_s, runtime=runtime, head=head)
    z = decode(net, enc.codes, n_codebooks, n_samples=enc.n_samples, chunk_s=chunk_s, runtime=runtime, head=head,
               head_audio=first)
    return enc, z


def codebook_usage(codes: np.ndarray, codebook_size: int = 1024) -> np.ndarray:
    """Counts of each entry per codebook: ``(n_codebooks, codebook_size)``."""
    codebook_size = check_int(codebook_size, "The codebook size", lo=1, hi=1 << 20)
    codes = np.atleast_2d(check_signal(codes, "The codes", ndim=(1, 2)))
    if np.any(codes != np.round(codes)) or codes.min() < 0 or codes.max() >= codebook_size:
        raise InputError(f"Codes must be whole numbers from 0 to {codebook_size - 1}.")
    return np.stack([np.bincount(row, minlength=codebook_size) for row in codes.astype(np.int64)])


# ------------------------------------------------------- one quantiser step
def encoder_latent(net, y: np.ndarray, sr: int) -> np.ndarray:
    """The encoder's output for a clip: ``(hidden_size, frames)`` float32 (1024-d per frame for DAC).

    This is the vector the first quantiser stage sees, before any projection.
    """
    import torch

    facts = model_facts(net)
    y = _prepare_input(net, y, sr)
    x = np.zeros(n_frames(len(y), facts["hop_length"]) * facts["hop_length"], dtype=np.float32)
    x[: len(y)] = y
    with torch.inference_mode():
        return net.encoder(torch.from_numpy(x)[None, None])[0].float().numpy()


def _stage_count(model) -> int:
    from lib.rvq import RVQ

    return model.n_stages if isinstance(model, RVQ) else int(model.config.n_codebooks)


def quantizer_step(model, latent: np.ndarray, stage: int) -> dict:
    """Open one residual-quantiser stage: what it does to the vector(s) it is handed.

    For a DAC model (``transformers.DacModel``), stage ``stage`` (0-based) takes
    the residual ``r`` (``latent``: ``(hidden,)`` for one frame or
    ``(hidden, frames)``; for stage 0 the encoder's output) and

    1. projects it to the codebook space: ``p = W_in r + b_in`` (1024 -> 8 dims),
    2. L2-normalises it: ``p / |p|``, and every codebook entry likewise,
    3. picks the entry at the smallest distance between the normalised vectors,
       ``|p̂ - ĉ|^2 = 2 - 2 cos(p, c)``: the cosine-nearest of the 1024,
    4. projects that entry (un-normalised, as stored) back: ``q = W_out c + b_out``,
    5. hands ``r - q`` to the next stage.

    For the weight-free :class:`lib.rvq.RVQ` the same walk has no projection
    and no normalisation: the nearest entry by squared Euclidean distance.

    Returns
    -------
    dict
        ``projected`` (8,) / ``normalised`` (8,) (``None`` for the RVQ), ``index``,
        ``distances`` (codebook_size,): the distance each entry was ranked by,
        ``cosine`` (DAC only), ``codeword``: the chosen entry as stored,
        ``reconstruction``: what the stage adds back (hidden,), ``residual``:
        ``latent - reconstruction``. With ``(hidden, frames)`` input every array
        gains a trailing frames axis and ``index`` is an array.
    """
    from lib.rvq import RVQ

    x = np.asarray(latent)
    single = x.ndim == 1
    if x.ndim not in (1, 2) or x.size == 0:
        raise InputError(f"The latent must be a vector or a (dims, frames) array; got shape {x.shape}.")
    if not np.all(np.isfinite(x)):
        raise InputError("The latent contains NaN or infinite values.")
    n_stages = _stage_count(model)
    if not 0 <= int(stage) < n_stages:
        raise InputError(f"Stage must be between 1 and {n_stages}; got {int(stage) + 1}.")
    stage = int(stage)
    cols = x[:, None] if single else x
    if isinstance(model, RVQ):
        book = np.asarray(model.codebooks[stage], dtype=np.float64)
        if cols.shape[0] != book.shape[1]:
            raise InputError(f"This RVQ quantises {book.shape[1]}-dimensional vectors; got {cols.shape[0]}.")
        v = cols.T.astype(np.float64)
        d = np.maximum(np.sum(v * v, axis=1)[:, None] - 2 * v @ book.T + np.sum(book * book, axis=1)[None, :], 0.0)
        idx = np.argmin(d, axis=1)
        recon = book[idx]
        out = {"projected": v.T, "normalised": None, "index": idx, "distances": d.T, "cosine": None,
               "codeword": book[idx].T, "reconstruction": recon.T, "residual": (v - recon).T}
    else:
        import torch
        import torch.nn.functional as F

        quantizer = model.quantizer.quantizers[stage]
        hidden = quantizer.in_proj.in_channels
        if cols.shape[0] != hidden:
            raise InputError(f"This model's quantiser takes {hidden}-dimensional latents; got {cols.shape[0]}.")
        with torch.inference_mode():
            r = torch.from_numpy(np.ascontiguousarray(cols, dtype=np.float32))[None]
            p = quantizer.in_proj(r)[0].T  # (frames, 8)
            book = quantizer.codebook.weight
            pn, bn = F.normalize(p), F.normalize(book)
            cos = pn @ bn.T
            d = (2 - 2 * cos).clamp_min(0)
            # The model ranks by the same quantity (its argmax of 2 p̂·ĉ - |p̂|^2 + |ĉ|^2 is this argmin).
            idx = torch.argmax(cos, dim=1)
            code = book[idx]
            q = quantizer.out_proj(code.T[None])[0]
            out = {"projected": p.T.numpy(), "normalised": pn.T.numpy(), "index": idx.numpy(),
                   "distances": d.T.numpy(), "cosine": cos.T.numpy(), "codeword": code.T.numpy(),
                   "reconstruction": q.numpy(), "residual": (r[0] - q).numpy()}
    if single:
        out = {k: (None if v is None else (int(v[0]) if k == "index" else v[..., 0])) for k, v in out.items()}
    return out


def quantizer_walk(model, latent: np.ndarray, n_stages: int | None = None) -> list[dict]:
    """:func:`quantizer_step` chained: stage s gets the residual stage s - 1 left (``latent`` for stage 0)."""
    steps, r = [], np.asarray(latent)
    for s in range(_stage_count(model) if n_stages is None else int(n_stages)):
        steps.append(quantizer_step(model, r, s))
        r = steps[-1]["residual"]
    return steps


def swap_codebooks(codes_a: np.ndarray, codes_b: np.ndarray, k: int) -> np.ndarray:
    """Codes with the first ``k`` codebooks (rows) taken from ``codes_b`` and the rest from ``codes_a``.

    ``k = 0`` returns ``a``; ``k = n_codebooks`` returns ``b``. Decoding the
    hybrids for every ``k`` shows which codebooks carry what: if swapping in
    the first codebooks of a noisy take already brings the noise, the coarse
    codebooks code it; if the noise only comes with the last ones, it lives in
    the fine detail.
    """
    a = check_signal(codes_a, "The first code grid", ndim=2, min_len=0)
    b = check_signal(codes_b, "The second code grid", ndim=2, min_len=0)
    if a.ndim != 2 or a.shape != b.shape:
        raise InputError(f"Both code grids must have the same (codebooks, frames) shape; got {a.shape} and {b.shape}.")
    k = check_int(k, "The number of swapped codebooks")
    if not 0 <= k <= a.shape[0]:
        raise InputError(f"Can swap 0 to {a.shape[0]} codebooks; got {k}.")
    return np.concatenate([b[:k], a[k:]], axis=0)


def noisy_copy(y: np.ndarray, snr_db: float, *, seed: int = 0) -> np.ndarray:
    """``y`` plus white noise at ``snr_db`` (power ratio), rescaled to ``y``'s RMS (a level-matched pair)."""
    from lib.audio import match_level

    y = check_signal(y, "The clip", dtype=np.float64, max_abs=MAX_AMPLITUDE)
    snr_db = check_number(snr_db, "The SNR", lo=-100.0, hi=300.0, unit="dB")
    seed = check_int(seed, "The seed", lo=0)
    p = float(np.mean(y**2))
    if p <= 0:
        raise InputError("The clip is silent; there is no signal to add noise to.")
    noise = np.random.default_rng(seed).standard_normal(len(y)) * np.sqrt(p / 10 ** (snr_db / 10))
    return match_level((y + noise).astype(np.float32), y)


def swap_experiment(decode_fn: Callable[[np.ndarray], np.ndarray], codes_clean: np.ndarray, codes_noisy: np.ndarray,
                    clean: np.ndarray, noisy: np.ndarray, sr: int, ks=None) -> list[dict]:
    """Decode clean/noisy code hybrids and score each against *both* references, level-matched.

    For every ``k`` the first ``k`` codebooks come from the noisy take and the
    rest from the clean one (:func:`swap_codebooks`; ``k = 0`` is the clean
    encoding, ``k = K`` the noisy one). Each decoded hybrid is scaled to the
    RMS of the reference it is compared with before the mel distance (SI-SDR
    is scale-invariant anyway): a noisy take is louder than its clean source
    unless matched, and unmatched levels add a constant offset to every
    log-mel distance that hides what the swap does.

    ``decode_fn(codes) -> audio`` of the references' length and rate.
    Returns one row per ``k``: ``si_sdr_clean``, ``si_sdr_noisy``, ``mel_clean``, ``mel_noisy``.
    """
    from lib.audio import match_level

    n = np.asarray(codes_clean).shape[0]
    ks = list(range(n + 1)) if ks is None else [int(k) for k in ks]
    clean = np.asarray(clean, dtype=np.float32)
    noisy = np.asarray(noisy, dtype=np.float32)
    rows = []
    for k in ks:
        z = np.asarray(decode_fn(swap_codebooks(codes_clean, codes_noisy, k)), dtype=np.float32)[: len(clean)]
        if len(z) < len(clean):
            z = np.pad(z, (0, len(clean) - len(z)))
        rows.append({"k": k,
                     "si_sdr_clean": si_sdr(clean, z), "si_sdr_noisy": si_sdr(noisy, z),
                     "mel_clean": mel_distance(clean, match_level(z, clean), sr),
                     "mel_noisy": mel_distance(noisy, match_level(z, noisy), sr)})
    return rows


# --------------------------------------------------------------------- caching
def cache_key(clip_hash: str, model: str, n_codebooks: int | None, kind: str = "decode") -> str:
    """Key for a cached result: the clip's content hash, the model and the codebook count."""
    k = "all" if n_codebooks is None else str(int(n_codebooks))
    return f"{kind}-{model}-{clip_hash}-k{k}"


class DiskCache:
    """Arrays stored as ``.npz`` files (never pickle) under one folder, keyed by :func:`cache_key`.

    Survives Streamlit restarts, which matters on a small instance where the
    model is loaded once and the decodes are kept on disk rather than in RAM.
    """

    def __init__(self, root: str | os.PathLike | None = None):
        self.root = Path(root) if root is not None else Path(tempfile.gettempdir()) / "ave_codec_cache"
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        safe = hashlib.sha1(key.encode()).hexdigest()[:20]
        return self.root / f"{safe}.npz"

    def get(self, key: str) -> dict | None:
        p = self.path(key)
        if not p.exists():
            return None
        try:
            with np.load(p, allow_pickle=False) as data:
                return {name: data[name] for name in data.files}
        except Exception:  # a half-written file from a killed process: recompute
            return None

    def put(self, key: str, **arrays) -> None:
        p = self.path(key)
        import threading

        tmp = p.with_suffix(f".{os.getpid()}-{threading.get_ident()}.tmp.npz")  # concurrent writers never collide
        np.savez(tmp, **arrays)
        os.replace(tmp, p)


def decode_levels(net, codes: np.ndarray, *, n_samples: int, clip_hash: str, model: str,
                  cache: DiskCache | None = None, levels=None, chunk_s: float | None = None,
                  progress: Callable[[float, str], None] | None = None, runtime=None,
                  stop=None) -> dict[int, np.ndarray]:
    """Decode every codebook count ``k`` in ``levels`` (default 1..all), cached by (clip, model, k).

    ``runtime``: see :func:`decode`. ``stop``: a ``threading.Event``; when set, the loop ends after
    the level in progress (a background job that a newer request replaces).
    """
    levels = list(range(1, codes.shape[0] + 1)) if levels is None else [int(k) for k in levels]
    out = {}
    for i, k in enumerate(levels):
        if stop is not None and stop.is_set():
            break
        key = cache_key(clip_hash, model, k)
        hit = cache.get(key) if cache else None
        if hit is not None:
            out[k] = hit["audio"]
        else:
            out[k] = decode(net, codes, k, n_samples=n_samples, chunk_s=chunk_s, runtime=runtime)
            if cache:
                cache.put(key, audio=out[k])
        if progress:
            progress((i + 1) / len(levels), f"Decoded {k} of {codes.shape[0]} codebooks")
    return out


def npz_bytes(**arrays) -> bytes:
    """``np.savez`` into bytes (for a download button; loads with ``allow_pickle=False``)."""
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


# --------------------------------------------------------------- classic codecs
#: Codecs :func:`classic_codec` knows, with what ``bitrate_kbps`` controls.
CLASSIC_CODECS = {
    "opus": "Opus (libopus, 48 kHz): the bitrate target",
    "mp3": "MP3 (LAME): the bitrate target (sample rate chosen like LAME does at low rates)",
    "aac": "AAC-LC (FFmpeg's encoder): the bitrate target",
    "mulaw8": "mu-law 8 bit: 8 bits per sample, sample rate = bitrate / 8",
    "bitdepth": "PCM bit-depth reduction at the clip's rate: bits = bitrate / sr",
    "downsample": "16-bit PCM at a lower sample rate: rate = bitrate / 16",
}


def _av_encode_decode(y: np.ndarray, rate: int, codec: str, container: str, kbps: float) -> np.ndarray:
    import av

    from lib.audio import decode_audio

    buf = io.BytesIO()
    with av.open(buf, "w", format=container) as out:
        stream = out.add_stream(codec, rate=rate, layout="mono")
        stream.bit_rate = int(round(kbps * 1000))
        block = 4096
        for i in range(0, len(y), block):
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(y[None, i : i + block], dtype=np.float32),
                                               format="flt", layout="mono")
            frame.sample_rate = rate
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    decoded, dec_sr = decode_audio(buf.getvalue())
    z = decoded.mean(axis=1).astype(np.float32)
    if dec_sr != rate:
        from lib.audio import resample

        z = resample(z, dec_sr, rate)
    return z


def align_to(reference: np.ndarray, estimate: np.ndarray, max_delay: int = 8192) -> tuple[np.ndarray, int]:
    """Remove a codec's delay: shift ``estimate`` by the lag (0...max_delay) of peak cross-correlation.

    Returns the aligned estimate (same length as ``reference``, zero-padded at
    the end if needed) and the delay in samples.
    """
    from scipy.signal import correlate

    r = check_signal(reference, "The reference", dtype=np.float64, max_abs=MAX_AMPLITUDE)
    e = check_signal(estimate, "The estimate", dtype=np.float64, max_abs=MAX_AMPLITUDE)
    max_delay = check_int(max_delay, "The largest delay", lo=0, hi=MAX_SAMPLES)
    n = min(len(r), len(e))
    xc = correlate(e[: n + max_delay], r[:n], mode="full", method="fft")
    zero = n - 1
    lags = xc[zero : zero + max_delay + 1]
    delay = int(np.argmax(lags)) if len(lags) else 0
    out = np.zeros(len(r), dtype=np.float32)
    seg = e[delay : delay + len(r)]
    out[: len(seg)] = seg
    return out, delay


def _mp3_rate(sr: int, kbps: float) -> int:
    # LAME resamples low bitrates to the MPEG-2/2.5 rates; MPEG-1 needs >= 32 kbps.
    if kbps >= 96:
        return 44100 if sr > 32000 else 32000 if sr > 24000 else 24000 if sr > 16000 else 16000
    if kbps >= 48:
        return 32000 if sr > 24000 else 24000 if sr > 16000 else 16000
    if kbps >= 24:
        return 22050 if sr > 16000 else 16000
    if kbps >= 12:
        return 16000 if sr >= 16000 else 11025
    return 8000


def mu_law(y: np.ndarray, mu: int = 255) -> np.ndarray:
    """mu-law compress to [-1, 1]: ``sign(x) ln(1 + mu|x|) / ln(1 + mu)``."""
    mu = check_number(mu, "mu", lo=0.0, lo_open=True, hi=1e6)
    y = np.clip(check_signal(y, "The samples", dtype=np.float64, ndim=(0, 1, 2), min_len=0), -1.0, 1.0)
    return np.sign(y) * np.log1p(mu * np.abs(y)) / np.log1p(mu)


def mu_law_inverse(z: np.ndarray, mu: int = 255) -> np.ndarray:
    """Inverse of :func:`mu_law`."""
    mu = check_number(mu, "mu", lo=0.0, lo_open=True, hi=1e6)
    z = np.clip(check_signal(z, "The codes", dtype=np.float64, ndim=(0, 1, 2), min_len=0), -1.0, 1.0)
    return np.sign(z) * ((1.0 + mu) ** np.abs(z) - 1.0) / mu


def quantize_bits(y: np.ndarray, bits: int) -> np.ndarray:
    """Uniform mid-tread quantiser with ``2**bits`` levels over [-1, 1) (like PCM)."""
    step = 2.0 / 2 ** check_int(bits, "The number of bits", lo=1, hi=32)
    y = check_signal(y, "The samples", dtype=np.float64, ndim=(0, 1, 2), min_len=0, max_abs=MAX_AMPLITUDE)
    return np.clip(np.round(y / step) * step, -1.0, 1.0 - step)


#: libopus's ceiling for one channel (510 kbps is its stereo maximum; above 256 mono it refuses).
OPUS_MONO_MAX_KBPS = 256.0


def classic_codec(y: np.ndarray, sr: int, codec: str, bitrate_kbps: float) -> np.ndarray:
    """Encode and decode ``y`` with a classic codec at about ``bitrate_kbps``; same length and rate back.

    ``codec``: ``"opus"``, ``"mp3"``, ``"aac"`` (PyAV/FFmpeg, in memory; the
    codec's delay is removed by cross-correlation), ``"mulaw8"`` (8-bit mu-law
    at rate ``bitrate/8``), ``"bitdepth"`` (``round(bitrate/sr)`` bits at the
    clip's rate) or ``"downsample"`` (16-bit at rate ``bitrate/16``).
    """
    from lib.audio import resample

    if np.ndim(y) != 1:
        raise InputError(f"Classic codecs here take mono audio (an (n,) array); got shape {np.shape(y)}. "
                         "Mix to mono first.")
    y = check_signal(y, "The clip", dtype=np.float32, max_abs=MAX_AMPLITUDE)
    codec = check_choice(codec, "The codec", CLASSIC_CODECS)
    sr = check_sr(sr, integer=True)
    bitrate_kbps = check_number(bitrate_kbps, "The bitrate", lo=0.0, lo_open=True, hi=10_000.0, unit="kbps")
    if len(y) < 256:
        raise InputError("The clip is too short to encode (fewer than 256 samples).")
    sr = int(sr)
    if codec in ("opus", "mp3", "aac"):
        if codec == "opus":
            rate, name, fmt = 48000, "libopus", "ogg"
            kbps = float(np.clip(bitrate_kbps, 6, OPUS_MONO_MAX_KBPS))
        elif codec == "mp3":
            rate, name, fmt = _mp3_rate(sr, bitrate_kbps), "libmp3lame", "mp3"
            kbps = float(np.clip(bitrate_kbps, 8, 320))
        else:
            rate, name, fmt = sr if sr in (8000, 16000, 22050, 24000, 32000, 44100, 48000) else 48000, "aac", "adts"
            kbps = float(np.clip(bitrate_kbps, 6, 320))
        x = resample(y, sr, rate)
        z = _av_encode_decode(x, rate, name, fmt, kbps)
        z = resample(z, rate, sr)
        out, _ = align_to(y, z, max_delay=int(0.2 * sr))
        return out
    if codec == "mulaw8":
        rate = int(round(bitrate_kbps * 1000 / 8))
        rate = int(np.clip(rate, 1000, sr))
        x = resample(y, sr, rate)
        levels = np.clip(np.round(mu_law(x) * 127.0), -128, 127)  # 256 codes = 8 bits, silence -> 0
        z = mu_law_inverse(levels / 127.0).astype(np.float32)
        return _fit(resample(z, rate, sr), len(y))
    if codec == "bitdepth":
        bits = int(np.clip(round(bitrate_kbps * 1000 / sr), 1, 16))
        return quantize_bits(y, bits).astype(np.float32)
    rate = int(np.clip(round(bitrate_kbps * 1000 / PCM_BITS), 1000, sr))
    z = quantize_bits(resample(y, sr, rate), PCM_BITS).astype(np.float32)
    return _fit(resample(z, rate, sr), len(y))


def _fit(z: np.ndarray, n: int) -> np.ndarray:
    z = np.asarray(z, dtype=np.float32)
    if len(z) >= n:
        return z[:n]
    return np.pad(z, (0, n - len(z)))


def classic_effective_kbps(codec: str, sr: int, bitrate_kbps: float) -> float:
    """The bitrate :func:`classic_codec` actually uses for these settings (kbps)."""
    codec = check_choice(codec, "The codec", CLASSIC_CODECS)
    sr = check_sr(sr, integer=True)
    bitrate_kbps = check_number(bitrate_kbps, "The bitrate", lo=0.0, lo_open=True, hi=10_000.0, unit="kbps")
    if codec == "mulaw8":
        return 8 * int(np.clip(round(bitrate_kbps * 1000 / 8), 1000, sr)) / 1000
    if codec == "bitdepth":
        return int(np.clip(round(bitrate_kbps * 1000 / sr), 1, 16)) * sr / 1000
    if codec == "downsample":
        return PCM_BITS * int(np.clip(round(bitrate_kbps * 1000 / PCM_BITS), 1000, sr)) / 1000
    if codec == "opus":
        return float(np.clip(bitrate_kbps, 6, OPUS_MONO_MAX_KBPS))
    if codec in ("mp3", "aac"):
        return float(np.clip(bitrate_kbps, 8 if codec == "mp3" else 6, 320))
    raise InputError(f"Unknown codec {codec!r}.")


#: Bitrates of the quality-vs-bitrate curve: perceptual codecs, then the waveform tricks.
CURVE_CLASSIC_KBPS = (6, 8, 12, 16, 24, 32, 48, 64)
CURVE_WAVEFORM_KBPS = (16, 32, 64, 128, 256)


def curve_jobs(sr: int) -> list[tuple[str, float]]:
    """The (codec, requested kbps) points of the quality curve at ``sr``, one per distinct effective bitrate."""
    jobs = [(c, r) for c in ("opus", "mp3", "aac") for r in CURVE_CLASSIC_KBPS]
    jobs += [(c, r) for c in ("mulaw8", "bitdepth", "downsample") for r in CURVE_WAVEFORM_KBPS]
    out, seen = [], set()
    for name, rate in jobs:
        eff = classic_effective_kbps(name, sr, rate)
        if (name, eff) not in seen:
            seen.add((name, eff))
            out.append((name, float(rate)))
    return out
