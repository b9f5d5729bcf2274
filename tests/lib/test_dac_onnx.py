"""lib.dac_onnx and the fixed-length chunks: the exported (ONNX Runtime) and chunked decoders equal the eager
PyTorch decoder to 1e-4 on a tiny random-weight DacConfig; exported graphs are cached per weights and checked."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from lib import codec  # noqa: E402

pytest.importorskip("torch")
pytest.importorskip("onnxruntime")
from lib import dac_onnx  # noqa: E402

TINY = dict(encoder_hidden_size=4, downsampling_ratios=[2, 5], decoder_hidden_size=16, n_codebooks=4,
            codebook_size=32, codebook_dim=4, hidden_size=24, sampling_rate=8000)


@pytest.fixture(scope="module")
def tiny():
    return codec.build_dac(None, seed=4, **TINY)


@pytest.fixture(scope="module")
def runtime(tiny, tmp_path_factory):
    return dac_onnx.OnnxDac(tiny, cache_dir=tmp_path_factory.mktemp("onnx"), threads=1)


@pytest.fixture(scope="module")
def clip():
    rng = np.random.default_rng(1)
    t = np.arange(4321) / 8000
    return (0.4 * np.sin(2 * np.pi * 250 * t) + 0.05 * rng.standard_normal(len(t))).astype(np.float32)


def test_chunk_windows_have_one_length_and_cover_every_frame_once():
    for frames, step, ctx in [(401, 80, 40), (160, 80, 40), (1000, 70, 13), (95, 30, 5), (401, 360, 80), (431, 431, 44)]:
        win = step + 2 * ctx
        kept = []
        for a, b, lo, hi in codec._chunk_windows(frames, step, ctx):
            assert hi - lo == min(win, frames)  # one shape for every chunk
            assert lo <= a and b <= hi
            assert a - lo >= ctx or lo == 0  # left context, or the clip's own edge
            assert hi - b >= ctx or hi == frames
            kept += list(range(a, b))
        assert kept == list(range(frames))
        if frames <= win:  # one window holds the clip: computed once, not once per step
            assert len(list(codec._chunk_windows(frames, step, ctx))) == 1


def test_onnx_decoder_and_encoder_equal_eager(tiny, runtime, clip):
    assert runtime.max_error <= 1e-4
    codes = codec.encode(tiny, clip, 8000)
    np.testing.assert_array_equal(codec.encode(tiny, clip, 8000, runtime=runtime), codes)
    eager = codec.decode(tiny, codes, n_samples=len(clip))
    for k in (1, 4):
        np.testing.assert_allclose(codec.decode(tiny, codes, k, n_samples=len(clip), runtime=runtime),
                                   codec.decode(tiny, codes, k, n_samples=len(clip)), atol=1e-4)
    # Fixed-length chunks (with context) through ONNX Runtime: still the eager whole-clip decode.
    chunked = codec.decode(tiny, codes, n_samples=len(clip), chunk_s=0.1, context_s=0.05, runtime=runtime)
    np.testing.assert_allclose(chunked, eager, atol=1e-4)
    np.testing.assert_allclose(codec.decode(tiny, codes, n_samples=len(clip), chunk_s=0.1, context_s=0.05), eager,
                               atol=1e-4)
    enc = codec.encode_details(tiny, clip, 8000, chunk_s=0.1, context_s=0.05, runtime=runtime)
    np.testing.assert_array_equal(enc.codes, codes)



def test_streamed_first_chunk_through_onnx_equals_the_eager_whole_clip(tiny, runtime, clip):
    codes = codec.encode(tiny, clip, 8000)
    eager = codec.decode(tiny, codes, 3, n_samples=len(clip))
    seen = {}
    enc, z = codec.stream(tiny, clip, 8000, 3, first_s=0.1, chunk_s=0.2, runtime=runtime,
                          on_first=lambda a, h: seen.update(audio=a))
    np.testing.assert_array_equal(enc.codes, codes)
    np.testing.assert_allclose(seen["audio"], eager[: len(seen["audio"])], atol=1e-4)
    np.testing.assert_allclose(z, eager, atol=1e-4)

def test_graphs_are_cached_per_weights_and_checked(tiny, runtime, tmp_path):
    again = dac_onnx.OnnxDac(tiny, cache_dir=runtime.decoder.path.parent, threads=1)
    assert not again.exported_now and again.decoder.path == runtime.decoder.path
    other = codec.build_dac(None, seed=5, **TINY)
    assert dac_onnx.weights_fingerprint(other) != runtime.fingerprint
    # A graph of other weights under this model's name is caught by the check, never used.
    fake = tmp_path / runtime.decoder.path.name
    dac_onnx.export(other, "decoder", fake)
    with pytest.raises(RuntimeError, match="differs from PyTorch"):
        dac_onnx.OnnxPart(tiny, "decoder", cache_dir=tmp_path, threads=1, fingerprint=runtime.fingerprint)


def test_decode_levels_in_the_background_can_stop(tiny, runtime, clip, tmp_path):
    import threading

    codes = codec.encode(tiny, clip, 8000)
    stop = threading.Event()
    seen = []

    def progress(f, msg):
        seen.append(f)
        stop.set()  # a newer request arrived: finish this level and stop

    cache = codec.DiskCache(tmp_path)
    out = codec.decode_levels(tiny, codes, n_samples=len(clip), clip_hash="h", model="tiny", cache=cache,
                              runtime=runtime, progress=progress, stop=stop)
    assert list(out) == [1] and len(seen) == 1
    np.testing.assert_allclose(out[1], codec.decode(tiny, codes, 1, n_samples=len(clip)), atol=1e-4)


def test_background_runtime_exports_without_blocking_and_respects_memory(tiny, tmp_path):
    bg = dac_onnx.BackgroundRuntime(tiny, cache_dir=tmp_path, threads=1)
    assert bg.runtime is None or not bg.exporting  # not cached yet: the export runs in a thread
    rt = bg.wait(600)
    assert rt is not None and rt.max_error <= 1e-4 and "ONNX Runtime" in bg.status()
    warm = dac_onnx.BackgroundRuntime(tiny, cache_dir=tmp_path, threads=1)
    assert warm.runtime is not None and not warm.exporting  # cached: loaded at once
    low = dac_onnx.BackgroundRuntime(tiny, cache_dir=tmp_path, threads=1, min_free_mb=1e12)
    assert low.runtime is None and "memory" in low.status()


def test_deferred_export_starts_with_the_background_levels(tiny, clip, tmp_path):
    """defer_export: nothing competes with the first decode; decode_levels exports, waits, then uses ONNX."""
    bg = dac_onnx.BackgroundRuntime(tiny, cache_dir=tmp_path / "onnx", threads=1, defer_export=True)
    assert bg.pending and bg.runtime is None and not bg.exporting and not (tmp_path / "onnx").exists()
    assert "PyTorch" in bg.status()
    codes = codec.encode(tiny, clip, 8000)
    cache = codec.DiskCache(tmp_path / "levels")
    job = bg.decode_levels(codes, n_samples=len(clip), clip_hash="h", model="tiny", cache=cache, levels=[2, 3])
    assert not bg.pending
    job.join(600)
    assert bg.runtime is not None and bg.runtime.max_error <= 1e-4
    for k in (2, 3):
        np.testing.assert_allclose(cache.get(codec.cache_key("h", "tiny", k))["audio"],
                                   codec.decode(tiny, codes, k, n_samples=len(clip)), atol=1e-4)


def test_export_needs_more_free_memory_than_loading(tiny, tmp_path, monkeypatch):
    """The export holds more than a cached graph does: with too little memory free, PyTorch keeps the job."""
    monkeypatch.setattr(codec, "available_memory_mb", lambda: 1400.0)
    bg = dac_onnx.BackgroundRuntime(tiny, cache_dir=tmp_path, threads=1, defer_export=True)
    assert bg.pending  # enough to load a cached graph (1200 MB), not to export one (1600 MB)
    bg.start_export()
    assert bg.runtime is None and not bg.exporting and "exporting" in bg.status()


def test_deferred_runtime_does_not_load_cached_graphs_before_the_first_decode(tiny, tmp_path):
    dac_onnx.OnnxDac(tiny, cache_dir=tmp_path, threads=1)  # graphs on disk
    bg = dac_onnx.BackgroundRuntime(tiny, cache_dir=tmp_path, threads=1, defer_export=True)
    assert bg.pending and bg.runtime is None  # the first audio comes from PyTorch
    bg.start_export()
    assert bg.wait(600) is not None and not bg.runtime.exported_now  # loaded, not exported again
