"""Read CTranslate2 model folders and turn their Whisper weights into a transformers model.

CTranslate2 (the engine behind faster-whisper) stores a model as one binary
file, ``model.bin``, beside ``config.json`` and the tokenizer. The format is
small enough to read with ``struct`` (little-endian throughout)::

    u32  binary version (this reader: 4, 5 and 6)
    str  spec name, e.g. "WhisperSpec"            (str = u16 length incl. NUL, bytes)
    u32  spec revision
    u32  number of variables, then for each variable:
         str name ("encoder/layer_0/self_attention/linear_0/weight")
         u8  rank, then rank x u32 dimensions
         u8  dtype (0 float32, 1 int8, 2 int16, 3 int32, 4 float16, 5 bfloat16)
         u32 byte count, then the raw data
    u32  number of aliases, then pairs of str (alias, target), e.g. the output
         projection that shares the token embedding.

Scalars (rank 0) are the spec's settings (``encoder/num_heads`` = 6, the
activation code, ...). Weights quantised to int8 come with a float32
``<name>_scale`` per output row; :func:`read_model` returns them dequantised.

:func:`whisper_state_dict` maps the Whisper variables to the parameter names of
``transformers.WhisperForConditionalGeneration``. CTranslate2 fuses the
attention projections (q, k and v stacked in one ``linear_0`` for
self-attention; k and v stacked in cross-attention's ``linear_1``) and stores a
zero bias for k (Whisper's key projection has none); the converter splits
them back. Nothing here needs the ``ctranslate2`` package.
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

import numpy as np

from lib.errors import InputError, WeightsUnavailable

SUPPORTED_VERSIONS = (4, 5, 6)
#: CTranslate2's DataType enum, in order.
DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16, 5: "bfloat16"}
#: Whisper's special tokens in the English-only (``.en``) vocabulary.
EN_TOKENS = {"eot": 50256, "sot": 50257, "no_timestamps": 50362}


def _bf16_to_f32(raw: np.ndarray) -> np.ndarray:
    # bfloat16 is the top half of a float32: shift the 16 bits up.
    return (raw.astype(np.uint32) << 16).view(np.float32)


class _Reader:
    def __init__(self, data: memoryview, path: str):
        self.data, self.pos, self.path = data, 0, path

    def take(self, n: int) -> memoryview:
        if self.pos + n > len(self.data):
            raise InputError(f"{self.path} ends early (wanted {n} bytes at offset {self.pos}); "
                             "the file is truncated or not a CTranslate2 model.")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str):
        size = struct.calcsize("<" + fmt)
        return struct.unpack("<" + fmt, self.take(size))

    def string(self) -> str:
        (n,) = self.unpack("H")
        raw = bytes(self.take(n))
        try:
            return raw.rstrip(b"\0").decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(f"{self.path}: a variable name is not text; not a CTranslate2 model.") from None


def read_header(path: str | os.PathLike) -> dict:
    """Version, spec name and revision of a ``model.bin`` (reads only the first bytes)."""
    path = str(path)
    with open(path, "rb") as f:
        head = f.read(1024)
    r = _Reader(memoryview(head), path)
    (version,) = r.unpack("I")
    if version not in SUPPORTED_VERSIONS:
        raise InputError(f"{path} is CTranslate2 binary version {version}; this reader knows versions "
                         f"{', '.join(map(str, SUPPORTED_VERSIONS))}.")
    spec = r.string()
    (revision,) = r.unpack("I")
    (n_vars,) = r.unpack("I")
    return {"version": version, "spec": spec, "revision": revision, "n_variables": n_vars}


def read_model(path: str | os.PathLike, *, dequantize: bool = True) -> dict[str, np.ndarray]:
    """Read every variable of a CTranslate2 ``model.bin`` into numpy arrays.

    Parameters
    ----------
    path : str or Path
        The ``model.bin`` file or the model folder that holds it.
    dequantize : bool
        Return int8-quantised weights as float32 (``weight / weight_scale``)
        and drop the ``_scale`` entries.

    Returns
    -------
    dict
        Name -> array in the file's dtype (float16 stays float16, bfloat16
        becomes float32). Aliases (``decoder/projection/weight``) point to the
        same array as their target. The spec name, version and revision are
        under the keys ``"__spec__"``, ``"__version__"``, ``"__revision__"``
        as 0-d arrays.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "model.bin"
    if not path.exists():
        raise InputError(f"No CTranslate2 model file at {path}.")
    with open(path, "rb") as f:
        data = memoryview(f.read())
    r = _Reader(data, str(path))
    (version,) = r.unpack("I")
    if version not in SUPPORTED_VERSIONS:
        raise InputError(f"{path} is CTranslate2 binary version {version}; this reader knows versions "
                         f"{', '.join(map(str, SUPPORTED_VERSIONS))}.")
    spec = r.string()
    (revision,) = r.unpack("I")
    (n_vars,) = r.unpack("I")
    out: dict[str, np.ndarray] = {}
    for _ in range(n_vars):
        name = r.string()
        (rank,) = r.unpack("B")
        dims = r.unpack("I" * rank) if rank else ()
        dtype_id, n_bytes = r.unpack("BI")
        if dtype_id not in DTYPES:
            raise InputError(f"{path}: variable {name!r} has unknown dtype code {dtype_id}.")
        dt = DTYPES[dtype_id]
        raw = r.take(n_bytes)
        if dt == "bfloat16":
            arr = _bf16_to_f32(np.frombuffer(raw, dtype=np.uint16))
        else:
            arr = np.frombuffer(raw, dtype=dt)
        expected = int(np.prod(dims)) if rank else 1
        if arr.size != expected:
            raise InputError(f"{path}: variable {name!r} holds {arr.size} values for shape {tuple(dims)}.")
        out[name] = arr.reshape(dims).copy() if rank else arr.reshape(()).copy()
    (n_alias,) = r.unpack("I") if r.pos < len(data) else (0,)
    for _ in range(n_alias):
        alias, target = r.string(), r.string()
        if target not in out:
            raise InputError(f"{path}: alias {alias!r} points to a missing variable {target!r}.")
        out[alias] = out[target]
    if dequantize:
        for name in [n for n in out if n.endswith("_scale")]:
            base = name[: -len("_scale")]
            if base in out and out[base].dtype == np.int8:
                scale = out[name].astype(np.float32)
                w = out[base].astype(np.float32)
                out[base] = w / (scale.reshape(-1, *([1] * (w.ndim - 1))) if scale.ndim else scale)
                del out[name]
    out["__spec__"] = np.array(spec)
    out["__version__"] = np.array(version)
    out["__revision__"] = np.array(revision)
    return out


def write_model(path: str | os.PathLike, variables: dict[str, np.ndarray], *, spec: str = "WhisperSpec",
                revision: int = 3, version: int = 6, aliases: dict[str, str] | None = None) -> None:
    """Write variables in CTranslate2's binary format (the inverse of :func:`read_model`; for tests and tools)."""
    codes = {np.dtype(v): k for k, v in DTYPES.items() if v != "bfloat16"}

    def s(text: str) -> bytes:
        b = text.encode("utf-8") + b"\0"
        return struct.pack("<H", len(b)) + b

    parts = [struct.pack("<I", version), s(spec), struct.pack("<I", revision), struct.pack("<I", len(variables))]
    for name, value in variables.items():
        a = np.asarray(value, order="C")
        if a.dtype not in codes:
            raise InputError(f"Cannot store dtype {a.dtype} in a CTranslate2 file.")
        parts += [s(name), struct.pack("<B", a.ndim), struct.pack("<" + "I" * a.ndim, *a.shape),
                  struct.pack("<BI", codes[a.dtype], a.nbytes), a.tobytes()]
    aliases = aliases or {}
    parts.append(struct.pack("<I", len(aliases)))
    for alias, target in aliases.items():
        parts += [s(alias), s(target)]
    Path(path).write_bytes(b"".join(parts))


# ---------------------------------------------------------------- Whisper
def _n_layers(variables: dict, prefix: str) -> int:
    n = 0
    while f"{prefix}/layer_{n}/ffn/linear_0/weight" in variables:
        n += 1
    return n


def whisper_config_kwargs(variables: dict[str, np.ndarray]) -> dict:
    """Arguments for ``transformers.WhisperConfig`` read from the shapes of the variables."""
    if str(variables.get("__spec__", "WhisperSpec")) != "WhisperSpec":
        raise InputError(f"This CTranslate2 model is a {variables['__spec__']}, not a Whisper model.")
    try:
        vocab, d_model = variables["decoder/embeddings/weight"].shape
        n_mels = variables["encoder/conv1/weight"].shape[1]
        ffn = variables["encoder/layer_0/ffn/linear_0/weight"].shape[0]
        enc_pos = variables["encoder/position_encodings/encodings"].shape[0]
        dec_pos = variables["decoder/position_encodings/encodings"].shape[0]
    except KeyError as exc:
        raise InputError(f"Not a Whisper CTranslate2 model: variable {exc.args[0]!r} is missing.") from None
    heads_e = int(variables.get("encoder/num_heads", np.array(d_model // 64)))
    heads_d = int(variables.get("decoder/num_heads", np.array(d_model // 64)))
    return dict(vocab_size=int(vocab), num_mel_bins=int(n_mels), d_model=int(d_model),
                encoder_layers=_n_layers(variables, "encoder"), decoder_layers=_n_layers(variables, "decoder"),
                encoder_attention_heads=heads_e, decoder_attention_heads=heads_d,
                encoder_ffn_dim=int(ffn), decoder_ffn_dim=int(variables["decoder/layer_0/ffn/linear_0/weight"].shape[0]),
                max_source_positions=int(enc_pos), max_target_positions=int(dec_pos),
                activation_function="gelu")


def whisper_state_dict(variables: dict[str, np.ndarray], *, dtype=np.float32) -> dict[str, np.ndarray]:
    """Map CTranslate2 Whisper variables to ``WhisperForConditionalGeneration`` parameter names.

    Parameters
    ----------
    variables : dict
        From :func:`read_model`.
    dtype : numpy dtype
        Output dtype (float32: what the CPU runs fastest).

    Returns
    -------
    dict
        ``"model.encoder.layers.0.self_attn.q_proj.weight"`` -> array, and so
        on for every parameter (``proj_out.weight`` shares the embedding).

    Raises
    ------
    InputError
        If a variable is missing or a fused projection has the wrong shape.
    """
    cfg = whisper_config_kwargs(variables)
    d = cfg["d_model"]
    out: dict[str, np.ndarray] = {}

    def get(name: str) -> np.ndarray:
        try:
            return np.asarray(variables[name], dtype=dtype)
        except KeyError:
            raise InputError(f"Whisper variable {name!r} is missing from the CTranslate2 model.") from None

    def linear(dst: str, src: str, *, bias: bool = True) -> None:
        out[f"{dst}.weight"] = get(f"{src}/weight")
        if bias:
            out[f"{dst}.bias"] = get(f"{src}/bias")

    def norm(dst: str, src: str) -> None:
        out[f"{dst}.weight"] = get(f"{src}/gamma")
        out[f"{dst}.bias"] = get(f"{src}/beta")

    def split(dst: str, src: str, names: tuple[str, ...]) -> None:
        w, b = get(f"{src}/weight"), get(f"{src}/bias")
        if w.shape[0] != len(names) * d or b.shape[0] != len(names) * d:
            raise InputError(f"{src} should stack {len(names)} projections of {d}; got {w.shape}.")
        for i, n in enumerate(names):
            out[f"{dst}.{n}_proj.weight"] = w[i * d : (i + 1) * d]
            if n != "k":  # Whisper's key projections have no bias (CTranslate2 stores zeros)
                out[f"{dst}.{n}_proj.bias"] = b[i * d : (i + 1) * d]

    e, dec = "model.encoder", "model.decoder"
    for conv in ("conv1", "conv2"):
        linear(f"{e}.{conv}", f"encoder/{conv}")
    out[f"{e}.embed_positions.weight"] = get("encoder/position_encodings/encodings")
    for i in range(cfg["encoder_layers"]):
        src, dst = f"encoder/layer_{i}", f"{e}.layers.{i}"
        split(f"{dst}.self_attn", f"{src}/self_attention/linear_0", ("q", "k", "v"))
        linear(f"{dst}.self_attn.out_proj", f"{src}/self_attention/linear_1")
        norm(f"{dst}.self_attn_layer_norm", f"{src}/self_attention/layer_norm")
        linear(f"{dst}.fc1", f"{src}/ffn/linear_0")
        linear(f"{dst}.fc2", f"{src}/ffn/linear_1")
        norm(f"{dst}.final_layer_norm", f"{src}/ffn/layer_norm")
    norm(f"{e}.layer_norm", "encoder/layer_norm")

    out[f"{dec}.embed_tokens.weight"] = get("decoder/embeddings/weight")
    out[f"{dec}.embed_positions.weight"] = get("decoder/position_encodings/encodings")
    for i in range(cfg["decoder_layers"]):
        src, dst = f"decoder/layer_{i}", f"{dec}.layers.{i}"
        split(f"{dst}.self_attn", f"{src}/self_attention/linear_0", ("q", "k", "v"))
        linear(f"{dst}.self_attn.out_proj", f"{src}/self_attention/linear_1")
        norm(f"{dst}.self_attn_layer_norm", f"{src}/self_attention/layer_norm")
        linear(f"{dst}.encoder_attn.q_proj", f"{src}/attention/linear_0")
        split(f"{dst}.encoder_attn", f"{src}/attention/linear_1", ("k", "v"))
        linear(f"{dst}.encoder_attn.out_proj", f"{src}/attention/linear_2")
        norm(f"{dst}.encoder_attn_layer_norm", f"{src}/attention/layer_norm")
        linear(f"{dst}.fc1", f"{src}/ffn/linear_0")
        linear(f"{dst}.fc2", f"{src}/ffn/linear_1")
        norm(f"{dst}.final_layer_norm", f"{src}/ffn/layer_norm")
    norm(f"{dec}.layer_norm", "decoder/layer_norm")
    proj = variables.get("decoder/projection/weight", variables["decoder/embeddings/weight"])
    out["proj_out.weight"] = np.asarray(proj, dtype=dtype)
    return out


def read_config(folder: str | os.PathLike) -> dict:
    """The folder's ``config.json`` (suppressed tokens, language ids, alignment heads), or ``{}``."""
    p = Path(folder) / "config.json"
    if not p.exists():
        return {}
    try:
        return json.loads(p.read_text())
    except ValueError:
        raise InputError(f"{p} is not valid JSON.") from None


def load_whisper(folder: str | os.PathLike):
    """A ``WhisperForConditionalGeneration`` (float32, eval mode) from a CTranslate2 Whisper folder.

    Every parameter of the transformers model must be filled from the file
    (a missing one would silently stay random); otherwise
    :class:`~lib.errors.WeightsUnavailable` is raised.
    """
    import torch
    from transformers import WhisperConfig, WhisperForConditionalGeneration

    variables = read_model(folder)
    cfg_kwargs = whisper_config_kwargs(variables)
    extra = read_config(folder)
    config = WhisperConfig(**cfg_kwargs, suppress_tokens=extra.get("suppress_ids"),
                           begin_suppress_tokens=extra.get("suppress_ids_begin"),
                           decoder_start_token_id=EN_TOKENS["sot"], eos_token_id=EN_TOKENS["eot"],
                           pad_token_id=EN_TOKENS["eot"], bos_token_id=EN_TOKENS["eot"])
    state = {k: torch.from_numpy(v) for k, v in whisper_state_dict(variables).items()}
    with torch.device("meta"):
        net = WhisperForConditionalGeneration(config)
    result = net.load_state_dict(state, strict=False, assign=True)
    missing = [k for k in result.missing_keys if k != "proj_out.weight"]
    if missing or result.unexpected_keys:
        raise WeightsUnavailable(f"The CTranslate2 model in {folder} does not fill the Whisper architecture "
                                 f"(missing {missing[:3]}, unexpected {result.unexpected_keys[:3]}).")
    net.proj_out.weight = net.model.decoder.embed_tokens.weight
    net.eval()
    for p in net.parameters():
        p.requires_grad_(False)
    return net


def load_tokenizer(folder: str | os.PathLike):
    """The folder's ``tokenizer.json`` as a ``tokenizers.Tokenizer`` (decodes token ids to text)."""
    from tokenizers import Tokenizer

    p = Path(folder) / "tokenizer.json"
    if not p.exists():
        raise InputError(f"No tokenizer.json in {folder}.")
    return Tokenizer.from_file(str(p))
