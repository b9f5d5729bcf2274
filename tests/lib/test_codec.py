"""lib.codec: DAC arithmetic, the real transformers DacModel code path on small
random-weight configs, caching, chunking, metrics and the classic codecs."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from lib import codec  # noqa: E402
from lib.errors import InputError, WeightsUnavailable  # noqa: E402

torch = pytest.importorskip("torch")

SMALL = dict(encoder_hidden_size=4, downsampling_ratios=[2, 5], decoder_hidden_size=16, n_codebooks=4,
             codebook_size=32, codebook_dim=4, sampling_rate=8000)


@pytest.fixture(scope="module")
def small():
    return codec.build_dac(None, seed=1, **SMALL)


@pytest.fixture(scope="module")
def clip():
    rng = np.random.default_rng(0)
    t = np.arange(4003) / 8000
    return (0.3 * np.sin(2 * np.pi * 440 * t) + 0.05 * rng.standard_normal(len(t))).astype(np.float32)


# --------------------------------------------------------------- arithmetic
@pytest.mark.parametrize("key, kbps, frame_rate", [("44khz", 7.751953125, 86.1328125), ("24khz", 24.0, 75.0),
                                                   ("16khz", 6.0, 50.0)])
def test_bitrate_of_official_configs(key, kbps, frame_rate):
    spec = codec.MODELS[key]
    assert spec.codebook_bits == 10
    assert codec.bitrate_kbps(spec.sr, spec.hop_length, spec.n_codebooks) == pytest.approx(kbps)
    assert spec.frame_rate_hz == pytest.approx(frame_rate)
    assert spec.hop_length == int(np.prod(spec.downsampling_ratios))


def test_official_configs_match_transformers_dacconfig():
    from transformers import DacConfig

    for spec in codec.MODELS.values():
        cfg = DacConfig(**spec.config_kwargs())
        assert cfg.hop_length == spec.hop_length
        assert cfg.frame_rate == int(np.ceil(spec.sr / spec.hop_length))


def test_parameter_count_from_shapes_equals_torch():
    net = codec.build_dac(None, **SMALL)
    spec = codec.DacSpec("t", "x/y", 8000, 10, 4, (2, 5), codebook_size=32, codebook_dim=4, encoder_hidden_size=4,
                         decoder_hidden_size=16)
    assert codec.count_parameters(spec) == sum(p.numel() for p in net.parameters())
    # The 44.1 kHz architecture is the ~76.6 M-parameter model of the paper.
    assert codec.count_parameters(codec.MODELS["44khz"]) == pytest.approx(76.6e6, rel=0.01)


def test_compression_ratio_and_pcm():
    assert codec.pcm_bitrate_kbps(44100) == pytest.approx(705.6)
    assert codec.compression_ratio(44100, codec.MODELS["44khz"].full_bitrate_kbps) == pytest.approx(91.02, abs=0.01)
    assert codec.compression_ratio(16000, 6.0) == pytest.approx(256 / 6)
    with pytest.raises(InputError):
        codec.compression_ratio(16000, 0)
    with pytest.raises(InputError):
        codec.bitrate_kbps(0, 320, 12)
    assert codec.bitrate_kbps(16000, 320, 3) == pytest.approx(1.5)


def test_module_imports_without_torch():
    import subprocess

    code = "import sys, lib.codec, lib.rvq, lib.metrics; print('torch' in sys.modules, 'transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(codec.Path(__file__).parents[2]))
    assert out.stdout.strip() == "False False", out.stderr


# ----------------------------------------------------------------- weights
def test_load_dac_offline_raises_with_the_command(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    assert codec.find_dac("16khz") is None
    with pytest.raises(WeightsUnavailable) as info:
        codec.load_dac("16khz")
    msg = str(info.value)
    assert "hf download descript/dac_16khz" in msg
    assert "models--descript--dac_16khz" in msg and str(tmp_path) in msg
    with pytest.raises(InputError):
        codec.load_dac("8khz")


def test_load_dac_from_a_local_cache(monkeypatch, tmp_path):
    """A checkpoint saved in the HF cache layout is found and loaded without network."""
    from huggingface_hub import constants

    net = codec.build_dac(None, seed=3, **SMALL)
    snap = tmp_path / "models--descript--dac_16khz" / "snapshots" / ("0" * 40)
    net.save_pretrained(snap)
    (tmp_path / "models--descript--dac_16khz" / "refs").mkdir()
    (tmp_path / "models--descript--dac_16khz" / "refs" / "main").write_text("0" * 40)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    import huggingface_hub.file_download as fd

    monkeypatch.setattr(fd.constants, "HF_HUB_CACHE", str(tmp_path), raising=False)
    path = codec.find_dac("16khz")
    if path is None:
        pytest.skip("huggingface_hub resolves its cache directory at import time")
    loaded = codec.load_dac("16khz", allow_download=False)
    assert not loaded.training
    for a, b in zip(net.state_dict().values(), loaded.state_dict().values()):
        assert torch.equal(a, b)


# --------------------------------------------------------- encode / decode
def test_shapes_and_frame_arithmetic(small, clip):
    codes = codec.encode(small, clip, 8000)
    hop = small.config.hop_length
    assert hop == 10
    assert codes.shape == (4, codec.n_frames(len(clip), hop)) == (4, 401)
    assert codes.dtype == np.int16 and codes.min() >= 0 and codes.max() < 32
    y = codec.decode(small, codes, n_samples=len(clip))
    assert y.shape == clip.shape and y.dtype == np.float32
    assert codec.decode(small, codes).shape == (401 * hop,)


def test_codes_equal_transformers_encode(small, clip):
    codes = codec.encode(small, clip, 8000)
    x = np.zeros(401 * 10, np.float32)
    x[: len(clip)] = clip
    with torch.inference_mode():
        ref = small.encode(torch.from_numpy(x)[None, None]).audio_codes[0].numpy()
    np.testing.assert_array_equal(codes, ref)


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_decode_first_k_equals_encode_with_n_quantizers(small, clip, k):
    """RVQ: the first k codes of a full encoding are the codes of an encoding with k quantizers."""
    full = codec.encode(small, clip, 8000)
    part = codec.encode(small, clip, 8000, n_quantizers=k)
    np.testing.assert_array_equal(full[:k], part)
    x = np.zeros(401 * 10, np.float32)
    x[: len(clip)] = clip
    with torch.inference_mode():
        q = small.encode(torch.from_numpy(x)[None, None], n_quantizers=k).quantized_representation
        ref = small.decode(q)[0][0].numpy()
    ours = codec.decode(small, full, n_codebooks=k)
    np.testing.assert_allclose(ours[: len(ref)], ref, atol=1e-5)


def test_resamples_to_the_model_rate(small, clip):
    from lib.audio import resample

    y16 = resample(clip, 8000, 16000)
    codes = codec.encode(small, y16, 16000)
    assert codes.shape[1] == codec.n_frames(len(resample(y16, 16000, 8000)), 10)


def test_residual_energy_is_relative_and_per_stage(small, clip):
    enc = codec.encode_details(small, clip, 8000)
    assert enc.residual_energy.shape == (5,)
    assert enc.residual_energy[0] == pytest.approx(1.0)
    assert np.all(np.isfinite(enc.residual_energy))


def test_one_window_clip_runs_the_encoder_once_with_its_own_energies(small, clip):
    """A clip a little longer than ``chunk_s`` fits one fixed-length window: one encoder pass, the
    same codes and residual energies as the whole-clip path (a second pass doubled the page's encode time)."""
    calls = []
    hook = small.encoder.register_forward_hook(lambda *a: calls.append(1))
    try:
        whole = codec.encode_details(small, clip, 8000)
        calls.clear()
        chunked = codec.encode_details(small, clip, 8000, chunk_s=0.9 * len(clip) / 8000, context_s=0.1)
    finally:
        hook.remove()
    assert len(calls) == 1
    np.testing.assert_array_equal(chunked.codes, whole.codes)
    np.testing.assert_allclose(chunked.residual_energy, whole.residual_energy, rtol=1e-6)


def test_bad_inputs(small, clip):
    codes = codec.encode(small, clip, 8000)
    with pytest.raises(InputError):
        codec.decode(small, codes, n_codebooks=5)
    with pytest.raises(InputError):
        codec.decode(small, codes, n_codebooks=0)
    with pytest.raises(InputError):
        codec.decode(small, codes + 100)
    with pytest.raises(InputError):
        codec.encode(small, np.zeros(0, np.float32), 8000)
    with pytest.raises(InputError):
        codec.encode(small, clip, 8000, n_quantizers=9)
    with pytest.raises(InputError):
        codec.encode(small, np.full(100, np.nan, np.float32), 8000)


def test_chunked_equals_unchunked(small, clip):
    """Context longer than the receptive field makes chunk boundaries invisible."""
    full = codec.encode(small, clip, 8000)
    chunked = codec.encode(small, clip, 8000, chunk_s=0.1, context_s=0.05)
    np.testing.assert_array_equal(full, chunked)
    a = codec.decode(small, full, n_samples=len(clip))
    b = codec.decode(small, full, n_samples=len(clip), chunk_s=0.1, context_s=0.05)
    np.testing.assert_allclose(a, b, atol=1e-5)
    # Without context the edges differ: the test above can fail.
    c = codec.decode(small, full, n_samples=len(clip), chunk_s=0.1, context_s=0.0)
    assert np.max(np.abs(a - c)) > 1e-4


# ------------------------------------------------------------------ caching
def test_cache_keys_and_disk_cache(tmp_path, small, clip):
    from lib.audio import clip_hash

    h = clip_hash(clip, 8000)
    keys = {codec.cache_key(h, m, k) for m in ("16khz", "44khz") for k in (1, 2)}
    assert len(keys) == 4
    assert codec.cache_key(h, "16khz", 3) == codec.cache_key(h, "16khz", 3)
    assert codec.cache_key(clip_hash(clip * 0.5, 8000), "16khz", 3) != codec.cache_key(h, "16khz", 3)
    assert codec.cache_key(h, "16khz", 3, "codes") != codec.cache_key(h, "16khz", 3)
    cache = codec.DiskCache(tmp_path)
    assert cache.get("nope") is None
    codes = codec.encode(small, clip, 8000)
    calls = []
    levels = codec.decode_levels(small, codes, n_samples=len(clip), clip_hash=h, model="small", cache=cache,
                                 progress=lambda f, m: calls.append(f))
    assert sorted(levels) == [1, 2, 3, 4] and calls[-1] == pytest.approx(1.0)
    assert len(list(tmp_path.glob("*.npz"))) == 4
    # Second call is served from disk: a poisoned file proves it.
    cache.put(codec.cache_key(h, "small", 2), audio=np.ones(len(clip), np.float32))
    again = codec.decode_levels(small, codes, n_samples=len(clip), clip_hash=h, model="small", cache=cache)
    assert np.all(again[2] == 1.0)
    np.testing.assert_array_equal(again[3], levels[3])


def test_npz_download_round_trip():
    import io

    data = codec.npz_bytes(codes=np.arange(6, dtype=np.int16).reshape(2, 3), audio=np.zeros(4, np.float32))
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        assert z["codes"].shape == (2, 3) and z["audio"].dtype == np.float32


def test_codebook_usage_and_entropy():
    codes = np.array([[0, 1, 2, 3], [5, 5, 5, 5]])
    use = codec.codebook_usage(codes, 8)
    assert use.shape == (2, 8) and use.sum() == 8 and use[1, 5] == 4
    np.testing.assert_allclose(codec.codebook_entropy_bits(codes, 8), [2.0, 0.0])


# ------------------------------------------------------------------ metrics
def test_si_sdr_scaled_copy_is_huge_and_invariant():
    rng = np.random.default_rng(1)
    s = rng.standard_normal(8000)
    assert codec.si_sdr(s, 0.3 * s) > 100
    e = rng.standard_normal(8000)
    assert codec.si_sdr(s, s + 0.1 * e) == pytest.approx(codec.si_sdr(s, 5 * (s + 0.1 * e)))


def test_si_sdr_closed_form_orthogonal_mixture():
    rng = np.random.default_rng(2)
    s = rng.standard_normal(4096)
    s -= s.mean()
    e = rng.standard_normal(4096)
    e -= e.mean()
    e -= np.dot(e, s) / np.dot(s, s) * s  # now exactly orthogonal to s
    for gain in (0.1, 0.5, 2.0):
        expected = 10 * np.log10(np.dot(s, s) / np.dot(gain * e, gain * e))
        assert codec.si_sdr(s, s + gain * e) == pytest.approx(expected, abs=1e-6)


def test_metrics_zero_for_identical_and_grow_with_noise():
    rng = np.random.default_rng(3)
    sr = 16000
    s = np.sin(2 * np.pi * 300 * np.arange(sr) / sr) * 0.5
    assert codec.mel_distance(s, s, sr) == 0.0
    assert codec.stft_distance(s, s) == 0.0
    d = [codec.mel_distance(s, s + a * rng.standard_normal(sr), sr) for a in (0.001, 0.01, 0.1)]
    assert d[0] < d[1] < d[2]
    with pytest.raises(InputError):
        codec.si_sdr(s, s[:-1])


def test_mel_distance_matches_librosa_melspectrogram():
    """Our mel stage equals librosa's (Slaney filters on |STFT|, hann, hop = win/4)."""
    librosa = pytest.importorskip("librosa")
    rng = np.random.default_rng(4)
    sr = 16000
    a, b = rng.standard_normal(sr), rng.standard_normal(sr)
    total = 0.0
    for w, m in zip(codec.MEL_WINDOW_LENGTHS if hasattr(codec, "MEL_WINDOW_LENGTHS") else (32, 64, 128, 256, 512, 1024, 2048),
                    (5, 10, 20, 40, 80, 160, 320)):
        ma = librosa.feature.melspectrogram(y=a, sr=sr, n_fft=w, hop_length=w // 4, n_mels=m, power=1.0,
                                            center=True, pad_mode="constant")
        mb = librosa.feature.melspectrogram(y=b, sr=sr, n_fft=w, hop_length=w // 4, n_mels=m, power=1.0,
                                            center=True, pad_mode="constant")
        total += np.mean(np.abs(np.log10(np.maximum(ma, 1e-5)) - np.log10(np.maximum(mb, 1e-5))))
    assert codec.mel_distance(a, b, sr) == pytest.approx(total, rel=1e-4)


# ----------------------------------------------------------- classic codecs
@pytest.fixture(scope="module")
def speechlike():
    sr = 16000
    from lib.signals import vowel

    y = vowel(140, sr, 1.5, vowel_name="a", amplitude=0.5)
    return np.asarray(y, np.float32), sr


@pytest.mark.parametrize("name", ["opus", "mp3", "aac"])
def test_perceptual_codecs_round_trip_and_quality_rises(name, speechlike):
    y, sr = speechlike
    dists = []
    for kbps in (12, 32, 64):
        z = codec.classic_codec(y, sr, name, kbps)
        assert z.shape == y.shape and z.dtype == np.float32 and np.all(np.isfinite(z))
        dists.append(codec.mel_distance(y, z, sr))
    assert dists[0] > dists[2], (name, dists)
    assert dists[1] >= dists[2] - 0.05, (name, dists)


@pytest.mark.parametrize("name", ["mulaw8", "bitdepth", "downsample"])
def test_waveform_codecs_round_trip_and_si_sdr_rises(name, speechlike):
    """Waveform coders trade bits for SNR. (Their log-mel distance need not fall: mu-law
    noise at full bandwidth fills bands the vowel leaves nearly empty, a known trait of log-mel.)"""
    y, sr = speechlike
    scores = []
    for kbps in (12, 32, 64, 128):
        z = codec.classic_codec(y, sr, name, kbps)
        assert z.shape == y.shape and z.dtype == np.float32
        scores.append(codec.si_sdr(y, z))
    assert scores[0] < scores[-1], (name, scores)
    assert all(b >= a - 0.5 for a, b in zip(scores, scores[1:])), (name, scores)


def test_classic_codec_removes_encoder_delay(speechlike):
    y, sr = speechlike
    z = codec.classic_codec(y, sr, "aac", 64)
    _, delay = codec.align_to(y, z, max_delay=2000)
    assert delay == 0  # already aligned
    assert codec.si_sdr(y, z) > 10


def test_align_to_finds_a_known_delay():
    rng = np.random.default_rng(5)
    y = rng.standard_normal(5000)
    delayed = np.concatenate([np.zeros(321), y])[:5000]
    out, delay = codec.align_to(y, delayed, max_delay=1000)
    assert delay == 321
    np.testing.assert_allclose(out[: 5000 - 321], y[: 5000 - 321])


def test_mulaw_and_bitdepth_closed_forms():
    x = np.linspace(-1, 1, 101)
    np.testing.assert_allclose(codec.mu_law_inverse(codec.mu_law(x)), x, atol=1e-12)
    q = codec.quantize_bits(np.random.default_rng(0).uniform(-0.9, 0.9, 10000), 8)
    assert len(np.unique(q)) <= 256
    # 6.02 dB per bit: the SNR of a full-scale uniform signal quantised to 8 bits is ~48 dB.
    u = np.random.default_rng(1).uniform(-1, 1 - 2 / 256, 200000)
    assert codec.snr_db(u, codec.quantize_bits(u, 8)) == pytest.approx(6.02 * 8, abs=0.3)
    assert codec.classic_effective_kbps("bitdepth", 16000, 64) == 64
    assert codec.classic_effective_kbps("mulaw8", 16000, 64) == 64
    assert codec.classic_effective_kbps("downsample", 16000, 64) == 64


def test_classic_codec_bad_input():
    with pytest.raises(InputError):
        codec.classic_codec(np.zeros(1000), 16000, "flac", 10)
    with pytest.raises(InputError):
        codec.classic_codec(np.zeros(1000), 16000, "opus", 0)
    with pytest.raises(InputError):
        codec.classic_codec(np.zeros(10), 16000, "opus", 10)


def _save_checkpoint(net, folder, *, legacy_weight_norm: bool):
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    net.config.save_pretrained(folder)
    state = {k: v.contiguous() for k, v in net.state_dict().items()}
    if legacy_weight_norm:
        state = {k.replace(".parametrizations.weight.original0", ".weight_g")
                  .replace(".parametrizations.weight.original1", ".weight_v"): v for k, v in state.items()}
    save_file(state, str(folder / "model.safetensors"))


@pytest.mark.parametrize("legacy", [False, True])
def test_load_checkpoint_plain_and_weight_norm(tmp_path, clip, legacy):
    """Both layouts load to the same function; weight norm is folded away at load."""
    from torch.nn.utils import parametrize

    ref = codec.build_dac(None, seed=5, weight_norm=True, **SMALL)
    _save_checkpoint(ref if legacy else codec.prepare_for_inference(codec.build_dac(None, seed=5, weight_norm=True,
                                                                                     **SMALL)),
                     tmp_path / "ckpt", legacy_weight_norm=legacy)
    loaded = codec.load_checkpoint(tmp_path / "ckpt")
    assert not any(parametrize.is_parametrized(m) for m in loaded.modules())
    codes = codec.encode(loaded, clip, 8000)
    np.testing.assert_array_equal(codes, codec.encode(ref, clip, 8000))
    np.testing.assert_allclose(codec.decode(loaded, codes), codec.decode(ref, codes), atol=1e-5)


def test_load_checkpoint_rejects_a_mismatched_architecture(tmp_path):
    other = codec.build_dac(None, **{**SMALL, "n_codebooks": 2})
    _save_checkpoint(other, tmp_path / "ckpt", legacy_weight_norm=False)
    import json

    cfg = json.loads((tmp_path / "ckpt" / "config.json").read_text())
    cfg["n_codebooks"] = 4  # config promises more codebooks than the tensors hold
    (tmp_path / "ckpt" / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(WeightsUnavailable):
        codec.load_checkpoint(tmp_path / "ckpt")
    with pytest.raises(WeightsUnavailable):
        codec.load_checkpoint(tmp_path / "nothing")


def test_failed_download_raises_weights_unavailable(monkeypatch, tmp_path):
    """Online but unreachable: the network error becomes the learner-readable message."""
    import huggingface_hub
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "0")
    monkeypatch.setattr(codec, "find_dac", lambda model: None)
    calls = {}

    def fake_download(repo_id, **kwargs):
        calls["repo"] = repo_id
        calls["tqdm"] = kwargs.get("tqdm_class")
        raise OSError("no route to host")

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_download)
    seen = []
    with pytest.raises(WeightsUnavailable) as info:
        codec.load_dac("44khz", allow_download=True, progress=lambda f, m: seen.append(f))
    assert calls["repo"] == "descript/dac_44khz"
    assert "Download failed (OSError)" in str(info.value) and "hf download descript/dac_44khz" in str(info.value)
    # The progress class reports fractions of the bytes as they arrive.
    bar = calls["tqdm"](total=200, disable=False)
    bar.update(50)
    bar.update(150)
    bar.close()
    assert seen == [0.25, 1.0]
    with pytest.raises(WeightsUnavailable):
        codec.load_dac("44khz", allow_download=False)


def _online_without_weights(monkeypatch, tmp_path):
    import huggingface_hub
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "0")
    monkeypatch.setattr(codec, "find_dac", lambda model: None)
    calls = []

    def fake_download(repo_id, **kwargs):
        calls.append((repo_id, kwargs.get("revision")))
        raise OSError("no route to host")

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_download)
    return calls


def test_load_dac_never_downloads_unless_asked(monkeypatch, tmp_path):
    """A visitor opening a page must not start a download: only an explicit action does."""
    calls = _online_without_weights(monkeypatch, tmp_path)
    with pytest.raises(WeightsUnavailable):
        codec.load_dac("16khz")
    assert calls == []
    with pytest.raises(WeightsUnavailable):
        codec.download_dac("16khz")
    assert calls == [("descript/dac_16khz", None)]


def test_download_fetches_the_pinned_revision(monkeypatch, tmp_path):
    calls = _online_without_weights(monkeypatch, tmp_path)
    pin = "0123456789abcdef0123456789abcdef01234567"
    monkeypatch.setitem(codec.DAC_REVISIONS, "24khz", pin)
    with pytest.raises(WeightsUnavailable):
        codec.download_dac("24khz")
    assert calls[-1] == ("descript/dac_24khz", pin)
    monkeypatch.setenv("AVE_DAC_REVISION_24KHZ", "f" * 40)
    assert codec.dac_revision("24khz") == "f" * 40
    monkeypatch.setenv("AVE_DAC_REVISION_24KHZ", "main; rm -rf /")
    with pytest.raises(InputError):
        codec.dac_revision("24khz")


def test_fast_snake_equals_transformers_snake(clip):
    plain = codec.build_dac(None, seed=7, fast_snake=False, **SMALL)
    fast = codec.build_dac(None, seed=7, **SMALL)
    assert fast.decoder.snake1.forward.__func__ is codec._snake_inference
    with torch.no_grad():  # random alphas so the test can fail
        for a, b in zip(plain.modules(), fast.modules()):
            if type(a).__name__ == "Snake1d":
                a.alpha.copy_(torch.rand_like(a.alpha) + 0.5)
                b.alpha.copy_(a.alpha)
    codes = codec.encode(plain, clip, 8000)
    np.testing.assert_array_equal(codes, codec.encode(fast, clip, 8000))
    np.testing.assert_allclose(codec.decode(fast, codes), codec.decode(plain, codes), atol=1e-5)


def test_bf16_autocast_path_runs_and_stays_close(small, clip):
    codes = codec.encode(small, clip, 8000)
    with codec.autocast_bf16(True):
        fast_codes = codec.encode(small, clip, 8000)
        y = codec.decode(small, codes, n_samples=len(clip))
    assert fast_codes.shape == codes.shape and y.dtype == np.float32
    ref = codec.decode(small, codes, n_samples=len(clip))
    assert np.max(np.abs(y - ref)) < 0.05 * max(np.max(np.abs(ref)), 1e-3)
    with codec.autocast_bf16(False):
        np.testing.assert_array_equal(codec.encode(small, clip, 8000), codes)
