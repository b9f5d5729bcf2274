"""lib.codec: tokens, one quantiser step opened, the codebook-swap experiment and the arithmetic of bits.

The DAC parts run the real transformers code on a tiny random-weight config: the walk through one
quantiser stage must reproduce the model's own quantiser exactly (codes) and to float precision (sums)."""

from __future__ import annotations

import io
import os

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from lib import codec, rvq  # noqa: E402
from lib.errors import InputError  # noqa: E402

TINY = dict(encoder_hidden_size=4, downsampling_ratios=[2, 5], decoder_hidden_size=16, n_codebooks=4,
            codebook_size=32, codebook_dim=4, hidden_size=24, sampling_rate=8000)


@pytest.fixture(scope="module")
def tiny():
    pytest.importorskip("torch")
    return codec.build_dac(None, seed=2, **TINY)


@pytest.fixture(scope="module")
def clip():
    rng = np.random.default_rng(0)
    t = np.arange(2000) / 8000
    return (0.3 * np.sin(2 * np.pi * 330 * t) + 0.05 * rng.standard_normal(len(t))).astype(np.float32)


# ------------------------------------------------------------------- tokens
@pytest.mark.parametrize("model, expected", [("16khz", 600.0), ("24khz", 2400.0), ("44khz", 44100 / 512 * 9)])
def test_tokens_per_second(model, expected):
    assert codec.tokens_per_second(model) == pytest.approx(expected)
    facts = codec.token_facts(model)
    assert facts["tokens_per_s"] * facts["bits_per_token"] / 1000 == pytest.approx(facts["bitrate_kbps"])


def test_flat_vocabulary_against_factorised_heads():
    f = codec.token_facts("16khz")
    assert f["bits_per_token"] == 10 and f["flat_vocab_bits"] == 120
    assert 10 ** f["flat_vocab_log10"] == pytest.approx(float(1024**12), rel=1e-9)  # 1024^12 = 2^120
    assert f["factorised_outputs"] == 12 * 1024
    with pytest.raises(InputError):
        codec.tokens_per_second("8khz")


@pytest.mark.parametrize("pattern, n_steps", [("parallel", 7), ("flatten", 21), ("delay", 9), ("vall-e", 9)])
def test_token_schedules(pattern, n_steps):
    k, t = 3, 7
    s = codec.token_schedule(k, t, pattern)
    assert s.shape == (k, t) and s.min() == 0 and s.max() + 1 == n_steps
    # Time never runs backwards: a codebook's frame t + 1 never comes before its frame t (VALL-E's
    # non-autoregressive codebooks produce all frames in one step; its first codebook is autoregressive).
    assert np.all(np.diff(s, axis=1) >= 0)
    assert np.all(np.diff(s[0]) > 0)
    if pattern != "parallel":
        # Coarse before fine inside a frame: codebook k + 1 of a frame sees codebook k of the same frame.
        assert np.all(np.diff(s, axis=0) > 0)
    else:
        assert np.all(s == np.arange(t))
    if pattern == "flatten":
        assert sorted(s.ravel()) == list(range(k * t))  # one token per step
    if pattern == "vall-e":
        assert np.all(s[1:] == (t - 1 + np.arange(1, k))[:, None])  # whole codebook per NAR step
    with pytest.raises(InputError):
        codec.token_schedule(3, 7, "random")


# -------------------------------------------------------- quantiser step
def test_quantizer_walk_equals_the_models_quantiser(tiny, clip):
    import torch

    z = codec.encoder_latent(tiny, clip, 8000)
    assert z.shape == (24, codec.n_frames(len(clip), 10))
    with torch.inference_mode():
        q_model, codes_model = tiny.quantizer(torch.from_numpy(z)[None])[:2]
    steps = codec.quantizer_walk(tiny, z)
    assert len(steps) == 4
    codes = np.stack([s["index"] for s in steps])
    np.testing.assert_array_equal(codes, codes_model[0].numpy())
    np.testing.assert_array_equal(codes, codec.encode(tiny, clip, 8000))
    total = sum(s["reconstruction"] for s in steps)
    np.testing.assert_allclose(total, q_model[0].numpy(), atol=1e-5)
    np.testing.assert_allclose(steps[-1]["residual"], z - total, atol=1e-5)


def test_one_frame_and_the_numbers_inside(tiny, clip):
    z = codec.encoder_latent(tiny, clip, 8000)
    frame = 17
    whole = codec.quantizer_step(tiny, z, 1)
    one = codec.quantizer_step(tiny, z[:, frame], 1)
    assert one["index"] == whole["index"][frame]
    np.testing.assert_allclose(one["reconstruction"], whole["reconstruction"][:, frame], atol=1e-6)
    # Independent numpy check from the raw weights: projection, normalisation, cosine argmax.
    qz = tiny.quantizer.quantizers[1]
    w_in = qz.in_proj.weight[:, :, 0].double().numpy()
    b_in = qz.in_proj.bias.double().numpy()
    p = w_in @ z[:, frame].astype(np.float64) + b_in
    np.testing.assert_allclose(one["projected"], p, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(one["normalised"]), 1.0, atol=1e-6)
    book = qz.codebook.weight.double().numpy()
    cos = (book @ p) / np.linalg.norm(book, axis=1) / np.linalg.norm(p)
    assert one["index"] == int(np.argmax(cos))
    np.testing.assert_allclose(one["distances"], 2 - 2 * cos, atol=1e-5)
    assert one["distances"].shape == (32,) and one["distances"][one["index"]] == one["distances"].min()
    np.testing.assert_allclose(one["codeword"], book[one["index"]], atol=1e-6)
    w_out = qz.out_proj.weight[:, :, 0].double().numpy()
    np.testing.assert_allclose(one["reconstruction"], w_out @ book[one["index"]] + qz.out_proj.bias.double().numpy(),
                               atol=1e-5)
    np.testing.assert_allclose(one["residual"], z[:, frame] - one["reconstruction"], atol=1e-6)


def test_quantizer_step_bad_inputs(tiny):
    with pytest.raises(InputError):
        codec.quantizer_step(tiny, np.zeros(24), 4)  # 4 stages: 0..3
    with pytest.raises(InputError):
        codec.quantizer_step(tiny, np.zeros(23), 0)
    with pytest.raises(InputError):
        codec.quantizer_step(tiny, np.full(24, np.nan), 0)


def test_quantizer_walk_on_the_kmeans_rvq():
    x = np.random.default_rng(1).standard_normal((300, 4))
    book, codes, _ = rvq.train_rvq(x, 3, 4, seed=0)
    steps = codec.quantizer_walk(book, x.T)
    np.testing.assert_array_equal(np.stack([s["index"] for s in steps]), codes)
    np.testing.assert_array_equal(rvq.rvq_encode(book, x), codes)
    np.testing.assert_allclose(sum(s["reconstruction"] for s in steps).T, rvq.rvq_decode(book, codes), atol=1e-12)
    one = codec.quantizer_step(book, x[5], 0)
    assert one["normalised"] is None and one["index"] == codes[0, 5]
    np.testing.assert_allclose(one["distances"], np.sum((book.codebooks[0] - x[5]) ** 2, axis=1), atol=1e-9)


# ----------------------------------------------------------------- swapping
def test_swap_codebooks_ends_and_middle():
    a = np.arange(12).reshape(4, 3)
    b = 100 + a
    np.testing.assert_array_equal(codec.swap_codebooks(a, b, 0), a)
    np.testing.assert_array_equal(codec.swap_codebooks(a, b, 4), b)
    mid = codec.swap_codebooks(a, b, 1)
    np.testing.assert_array_equal(mid[:1], b[:1])
    np.testing.assert_array_equal(mid[1:], a[1:])
    with pytest.raises(InputError):
        codec.swap_codebooks(a, b, 5)
    with pytest.raises(InputError):
        codec.swap_codebooks(a, b[:3], 1)


def test_swap_experiment_on_the_kmeans_rvq_is_level_matched():
    from lib.signals import vowel

    sr = 16000
    clean = np.asarray(vowel(140, sr, 1.0, vowel_name="a", amplitude=0.5), np.float32)
    noisy = codec.noisy_copy(clean, 5.0, seed=1)
    assert np.sqrt(np.mean(noisy**2)) == pytest.approx(np.sqrt(np.mean(clean**2)), rel=1e-5)
    rc, rn = rvq.mdct_rvq_shared([clean, noisy], sr, n_stages=4, bits=6, dim=16, n_iter=6)
    assert rc.rvq is rn.rvq
    rows = codec.swap_experiment(rc.decode_codes, rc.codes, rn.codes, clean, noisy, sr)
    assert [r["k"] for r in rows] == [0, 1, 2, 3, 4]
    # All clean codes decode closer to the clean take, all noisy codes closer to the noisy one.
    assert rows[0]["si_sdr_clean"] > rows[0]["si_sdr_noisy"] and rows[0]["mel_clean"] < rows[0]["mel_noisy"]
    assert rows[-1]["si_sdr_noisy"] > rows[-1]["si_sdr_clean"] and rows[-1]["mel_noisy"] < rows[-1]["mel_clean"]
    # Level matching: a decoder that plays 4x louder changes no score.
    loud = codec.swap_experiment(lambda c: 4 * rc.decode_codes(c), rc.codes, rn.codes, clean, noisy, sr, ks=[0, 4])
    for a, b in zip(loud, [rows[0], rows[-1]]):
        for key in ("si_sdr_clean", "si_sdr_noisy", "mel_clean", "mel_noisy"):
            assert a[key] == pytest.approx(b[key], rel=1e-4, abs=1e-6)
    with pytest.raises(InputError):
        codec.noisy_copy(np.zeros(100), 10)


def test_swap_experiment_on_the_tiny_dac(tiny, clip):
    noisy = codec.noisy_copy(clip, 0.0, seed=3)
    a, b = codec.encode(tiny, clip, 8000), codec.encode(tiny, noisy, 8000)
    rows = codec.swap_experiment(lambda c: codec.decode(tiny, c, n_samples=len(clip)), a, b, clip, noisy, 8000,
                                 ks=[0, 4])
    np.testing.assert_allclose(
        rows[0]["si_sdr_clean"],
        codec.si_sdr(clip, codec.decode(tiny, a, n_samples=len(clip))), rtol=1e-6)


# -------------------------------------------------------------------- bits
def test_pcm_arithmetic_closed_forms():
    assert codec.pcm_bitrate_kbps(44100, 16, 2) == pytest.approx(1411.2)  # CD
    assert codec.pcm_bitrate_kbps(48000, 24, 1) == pytest.approx(1152.0)
    assert codec.pcm_bytes_per_minute(44100, 16, 2) == pytest.approx(10_584_000)
    assert codec.bits_per_sample(6.0, 16000) == pytest.approx(0.375)
    with pytest.raises(InputError):
        codec.pcm_bitrate_kbps(44100, 0, 1)
    with pytest.raises(InputError):
        codec.pcm_bitrate_kbps(-1, 16, 1)


@pytest.mark.parametrize("bits", [4, 8, 12, 16])
def test_six_db_per_bit_measured(bits):
    assert codec.quantization_snr_db(bits) == pytest.approx(6.0206 * bits + 1.761, abs=0.01)
    n = 48000
    step = 2.0 / 2**bits
    x = (1 - step) * np.sin(2 * np.pi * 997.0 * np.arange(n) / n)  # (nearly) full-scale, not locked to the grid
    measured = codec.snr_db(x, codec.quantize_bits(x, bits))
    # The uniform-error model behind 6.02 b + 1.76 holds well from ~8 bits; at 4 bits it is ~0.8 dB optimistic.
    assert measured == pytest.approx(codec.quantization_snr_db(bits), abs=0.3 if bits >= 8 else 1.0)


def test_flac_is_lossless_and_its_ratio_depends_on_the_signal():
    import soundfile as sf

    sr = 16000
    rng = np.random.default_rng(0)
    tone = 0.5 * np.sin(2 * np.pi * 200 * np.arange(sr) / sr)
    noise = np.clip(rng.uniform(-1, 1, sr), -1, 1)
    pcm = sr * 2  # 16-bit mono bytes
    assert codec.flac_bytes(tone, sr) < 0.5 * pcm  # predictable: big saving
    assert codec.flac_bytes(noise, sr) > 0.9 * pcm  # white noise at full scale: no saving
    ints = codec.pcm_integers(tone, 16)
    flac = io.BytesIO()
    sf.write(flac, ints, sr, format="FLAC", subtype="PCM_16")
    assert len(flac.getvalue()) == codec.flac_bytes(tone, sr)
    np.testing.assert_array_equal(sf.read(io.BytesIO(flac.getvalue()), dtype="int16")[0], ints)  # bit-exact
    assert codec.flac_bytes(tone, sr, bits=24) > codec.flac_bytes(tone, sr)
    with pytest.raises(InputError):
        codec.flac_bytes(tone, sr, bits=8)


def test_mp3_frame_budget_matches_lame():
    """128 kbps at 44.1 kHz: 1152-sample frames of 417.96 bytes on average (LAME writes 417 or 418)."""
    import av

    f = codec.mp3_frame(128, 44100)
    assert f["samples"] == 1152 and f["bytes"] == pytest.approx(144 * 128000 / 44100)
    assert f["duration_ms"] == pytest.approx(26.122, abs=1e-3)
    assert codec.mp3_frame(32, 16000)["bytes"] == pytest.approx(144.0)  # MPEG-2: 576 samples
    sizes = []
    y = (np.random.default_rng(0).standard_normal(44100) * 0.1).astype(np.float32)
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp3") as out:
        stream = out.add_stream("libmp3lame", rate=44100, layout="mono")
        stream.bit_rate = 128000
        for i in range(0, len(y), 4096):
            frame = av.AudioFrame.from_ndarray(y[None, i : i + 4096], format="flt", layout="mono")
            frame.sample_rate, frame.pts = 44100, i
            for p in stream.encode(frame):
                sizes.append(p.size)
        sizes += [p.size for p in stream.encode(None)]
        assert stream.codec_context.frame_size == f["samples"]
    assert set(sizes) <= {417, 418} and np.mean(sizes) == pytest.approx(f["bytes"], abs=0.1)
    with pytest.raises(InputError):
        codec.mp3_frame(128, 12345)
