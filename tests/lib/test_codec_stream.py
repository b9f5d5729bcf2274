"""Streaming the DAC codec: the receptive field from the config (checked against perturbation and
gradient experiments on tiny random DacModels) and the streamed first chunk (its codes are the whole
clip's codes, its audio the whole clip's first samples, and the rest reuses it)."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from lib import codec  # noqa: E402
from lib.errors import InputError  # noqa: E402

torch = pytest.importorskip("torch")

# The tiny random DAC and the clip of tests/lib/test_codec.py (only these names: its tests stay there).
from tests.lib.test_codec import SMALL, clip, small  # noqa: E402, F401


def _tiny64(ratios):
    """float64, so that a perturbation's effect at the far edge of the field (~1e-20) is not rounded away."""
    return codec.build_dac(None, seed=2, **{**SMALL, "downsampling_ratios": ratios, "n_codebooks": 2}).double()


# ---------------------------------------------------------- receptive field
def test_receptive_field_of_the_official_models():
    for key in codec.MODELS:
        rf = codec.receptive_field(key)
        assert rf["hop_length"] == codec.MODELS[key].hop_length
        assert rf["encoder_frames"] == (8, 8) and rf["decoder_frames"] == (10, 10) and rf["context_frames"] == 10
    assert codec.receptive_field("44khz")["encoder_samples"] == (3733, 3733)
    # The context the chunked paths use (0.5 s) covers it with room to spare.
    for spec in codec.MODELS.values():
        assert codec.receptive_field(spec)["context_frames"] * spec.hop_length / spec.sr < 0.5
    with pytest.raises(InputError):
        codec.receptive_field("8khz")
    with pytest.raises(InputError):
        codec.receptive_field(3.0)


@pytest.mark.parametrize("ratios", [[2, 5], [3, 4], [2, 4, 8]])
def test_receptive_field_equals_the_perturbation_and_gradient_experiments(ratios):
    net = _tiny64(ratios)
    rf = codec.receptive_field(net)
    assert rf == codec.receptive_field(net.config)
    hop = rf["hop_length"]
    frames, f0 = 60, 30
    rng = np.random.default_rng(0)

    # Encoder: which input samples move the latent of frame f0.
    x = rng.standard_normal(frames * hop) * 0.3
    left, right = rf["encoder_samples"]
    first, last = f0 * hop - left, f0 * hop + hop - 1 + right

    def latent(v):
        with torch.inference_mode():
            return net.encoder(torch.from_numpy(v)[None, None])[0, :, f0].numpy()

    z0 = latent(x)
    for pos in (first - 1, first - 7, last + 1, last + 9):  # beyond the field: nothing changes, not even 1e-300
        v = x.copy()
        v[pos] += 1.0
        assert np.array_equal(latent(v), z0), pos
    v = x.copy()
    v[f0 * hop] += 1.0
    assert np.max(np.abs(latent(v) - z0)) > 1e-8  # the experiment can see a change
    # Tight: the gradient of the frame's latent is non-zero on exactly the field (no sample outside, none missing).
    xt = torch.from_numpy(x)[None, None].requires_grad_(True)
    with torch.enable_grad():
        net.encoder(xt)[0, :, f0].sum().backward()
    nz = np.flatnonzero(xt.grad[0, 0].numpy())
    assert (nz[0], nz[-1]) == (first, last)

    # Decoder: which latent frames move the hop output samples of frame f0.
    z = rng.standard_normal((net.config.hidden_size, frames))
    dl, dr = rf["decoder_frames"]

    def audio(v):
        with torch.inference_mode():
            return net.decoder(torch.from_numpy(v)[None])[0, 0, f0 * hop : (f0 + 1) * hop].numpy()

    y0 = audio(z)
    for fr in (f0 - dl - 1, f0 - dl - 4, f0 + dr + 1, f0 + dr + 3):
        v = z.copy()
        v[:, fr] += 1.0
        assert np.array_equal(audio(v), y0), fr
    zt = torch.from_numpy(z)[None].requires_grad_(True)
    with torch.enable_grad():
        net.decoder(zt)[0, 0, f0 * hop : (f0 + 1) * hop].sum().backward()
    nz = np.flatnonzero(np.abs(zt.grad[0].numpy()).sum(axis=0))
    assert (nz[0], nz[-1]) == (f0 - dl, f0 + dr)


# ------------------------------------------------------------- streaming
@pytest.mark.parametrize("k", [1, 4])
@pytest.mark.parametrize("first_s, chunk_s", [(0.1, None), (0.05, 0.1), (0.2, 0.15)])
def test_streamed_first_chunk_equals_the_whole_clip(small, clip, k, first_s, chunk_s):
    whole = codec.encode_details(small, clip, 8000)
    ref = codec.decode(small, whole.codes, k, n_samples=len(clip))
    seen = {}
    enc, z = codec.stream(small, clip, 8000, k, first_s=first_s, chunk_s=chunk_s,
                          on_first=lambda a, h: seen.update(audio=a, head=h))
    head, first = seen["head"], seen["audio"]
    assert not head.whole and head.frames_kept == round(first_s * 8000 / 10)
    assert len(first) == head.n_kept_samples == head.frames_kept * 10
    assert head.duration_s == pytest.approx(first_s)
    np.testing.assert_array_equal(head.codes, whole.codes[:, : head.codes.shape[1]])
    np.testing.assert_allclose(first, ref[: len(first)], atol=1e-4)
    np.testing.assert_array_equal(enc.codes, whole.codes)
    np.testing.assert_allclose(z, ref, atol=1e-4)
    assert z.shape == ref.shape and z.dtype == np.float32
    np.testing.assert_allclose(enc.residual_energy, whole.residual_energy, rtol=1e-9)


def test_the_head_window_has_one_length_and_the_rest_reuses_it(small, clip):
    """The head is one fixed-length window whatever the clip; the rest does not encode or decode it again."""
    rf = codec.receptive_field(small)
    win = 20 + rf["decoder_frames"][1] + rf["encoder_frames"][1]
    lengths = {"encoder": [], "decoder": []}
    hooks = [small.encoder.register_forward_hook(lambda m, i, o: lengths["encoder"].append(i[0].shape[-1])),
             small.decoder.register_forward_hook(lambda m, i, o: lengths["decoder"].append(i[0].shape[-1]))]
    try:
        for n in (len(clip), 3000):
            head = codec.encode_head(small, clip[:n], 8000, first_s=0.025)
            assert head.codes.shape[1] == 20 + rf["decoder_frames"][1]
        assert lengths["encoder"] == [win * 10, win * 10]
        lengths["encoder"].clear()
        codec.stream(small, clip, 8000, 3, first_s=0.025)
    finally:
        for hk in hooks:
            hk.remove()
    frames = codec.n_frames(len(clip), 10)
    ce, cd = rf["encoder_frames"][0], rf["decoder_frames"][0]
    # Head window + the rest from its codes' end (minus the encoder context): the clip plus 2 encoder fields.
    assert lengths["encoder"] == [win * 10, (frames - (win - 2 * ce)) * 10]
    assert sum(lengths["decoder"]) == frames + 2 * cd


def test_a_clip_shorter_than_the_window_is_coded_once(small, clip):
    head = codec.encode_head(small, clip[:400], 8000, first_s=0.5)
    assert head.whole and head.n_kept_samples == 400
    enc, z = codec.stream(small, clip[:400], 8000, 2, first_s=0.5)
    np.testing.assert_array_equal(enc.codes, codec.encode(small, clip[:400], 8000))
    np.testing.assert_allclose(z, codec.decode(small, enc.codes, 2, n_samples=400), atol=1e-5)


def test_without_the_receptive_field_the_first_chunk_would_differ(small, clip):
    """The test above can fail: decoding only the kept frames (no right context) changes the chunk's end."""
    whole = codec.encode(small, clip, 8000)
    ref = codec.decode(small, whole, n_samples=len(clip))
    head = codec.encode_head(small, clip, 8000, first_s=0.1)
    with torch.inference_mode():
        cut = codec._decode_block(small, head.codes[:, : head.frames_kept])
    n = min(len(cut), head.n_kept_samples)
    assert np.max(np.abs(cut[:n] - ref[:n])) > 1e-4


def test_streaming_bad_inputs(small, clip):
    head = codec.encode_head(small, clip, 8000, first_s=0.1)
    codes = codec.encode(small, clip, 8000)
    with pytest.raises(InputError):
        codec.encode_head(small, clip, 8000, first_s=0)
    with pytest.raises(InputError):
        codec.encode_head(small, np.zeros(0, np.float32), 8000)
    with pytest.raises(InputError):
        codec.decode_head(small, head, 5)
    with pytest.raises(InputError):
        codec.decode_head(small, "head")
    with pytest.raises(InputError):  # another clip's head
        codec.encode_details(small, clip[:3000], 8000, head=head)
    with pytest.raises(InputError):  # codes the head did not start
        codec.decode(small, (codes + 1) % 32, head=head)
    with pytest.raises(InputError):  # head audio of the wrong length
        codec.decode(small, codes, 2, head=head, head_audio=np.zeros(5, np.float32))


def test_chunked_paths_default_to_the_receptive_field_as_context(small, clip):
    """context_s=None: exactly the receptive field around each chunk, and still the whole-clip result."""
    rf = codec.receptive_field(small)["context_frames"]
    full = codec.encode(small, clip, 8000)
    np.testing.assert_array_equal(codec.encode(small, clip, 8000, chunk_s=0.1), full)
    ref = codec.decode(small, full, n_samples=len(clip))
    lengths = []
    hook = small.decoder.register_forward_hook(lambda m, i, o: lengths.append(i[0].shape[-1]))
    try:
        z = codec.decode(small, full, n_samples=len(clip), chunk_s=0.1)
    finally:
        hook.remove()
    assert set(lengths) == {80 + 2 * rf}
    np.testing.assert_allclose(z, ref, atol=1e-5)
    with pytest.raises(InputError):
        codec.decode(small, full, chunk_s=0.1, context_s=-1.0)
