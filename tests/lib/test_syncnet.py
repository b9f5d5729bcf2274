"""lib.syncnet: the released SyncNet layout, its weights loader and the reference's arithmetic.

Nothing here touches the network: downloads are exercised against a server on
127.0.0.1 and "offline" is simulated by making the name lookup fail or hang.
"""

from __future__ import annotations

import hashlib
import http.server
import math
import re
import socket
import subprocess
import sys
import threading
import time
import warnings

import cv2
import numpy as np
import pytest
import scipy.signal
import torch

from lib import syncnet
from lib.errors import InputError, WeightsUnavailable
from tests.conftest import ROOT

# The released network, typed in from joonson/syncnet_python SyncNetModel.py (class S):
# every parameter tensor's shape. Batch-norm layers also hold running_mean/var of the same size.
_CONV = {
    "netcnnaud.0": (64, 1, 3, 3), "netcnnaud.4": (192, 64, 3, 3), "netcnnaud.8": (384, 192, 3, 3),
    "netcnnaud.11": (256, 384, 3, 3), "netcnnaud.14": (256, 256, 3, 3), "netcnnaud.18": (512, 256, 5, 4),
    "netcnnlip.0": (96, 3, 5, 7, 7), "netcnnlip.4": (256, 96, 1, 5, 5), "netcnnlip.8": (256, 256, 1, 3, 3),
    "netcnnlip.11": (256, 256, 1, 3, 3), "netcnnlip.14": (256, 256, 1, 3, 3),
    "netcnnlip.18": (512, 256, 1, 6, 6),
    "netfcaud.0": (512, 512), "netfcaud.3": (1024, 512), "netfclip.0": (512, 512), "netfclip.3": (1024, 512),
}
_BN = {"netcnnaud.1": 64, "netcnnaud.5": 192, "netcnnaud.9": 384, "netcnnaud.12": 256, "netcnnaud.15": 256,
       "netcnnaud.19": 512, "netcnnlip.1": 96, "netcnnlip.5": 256, "netcnnlip.9": 256, "netcnnlip.12": 256,
       "netcnnlip.15": 256, "netcnnlip.19": 512, "netfcaud.1": 512, "netfclip.1": 512}


def released_shapes() -> dict[str, tuple[int, ...]]:
    shapes = {}
    for name, shape in _CONV.items():
        shapes[f"{name}.weight"] = shape
        shapes[f"{name}.bias"] = (shape[0],)
    for name, size in _BN.items():
        for leaf in ("weight", "bias", "running_mean", "running_var"):
            shapes[f"{name}.{leaf}"] = (size,)
    return shapes


@pytest.fixture(scope="module")
def full_model():
    return syncnet.build_syncnet(seed=0)


@pytest.fixture(scope="module")
def small_model():
    return syncnet.build_syncnet(width=0.125, embedding_dim=32, seed=0)


# ---------------------------------------------------------------- import hygiene


def test_import_and_scoring_do_not_import_torch():
    code = ("import sys, numpy as np, lib.syncnet as s; "
            "r = s.score_distances(np.ones((4, 31)), 15); "
            "d = s.shift_distances(np.eye(3), np.eye(3), 1); "
            "m = s.mfcc_features(np.zeros(1600, np.float32)); "
            "assert 'torch' not in sys.modules, 'torch imported'; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


# ---------------------------------------------------------------- network layout and shapes


def test_state_dict_is_the_released_layout(full_model):
    ours = {k: tuple(v.shape) for k, v in full_model.state_dict().items()
            if not k.endswith("num_batches_tracked")}
    assert ours == released_shapes()
    assert syncnet.expected_keys(full_model) == released_shapes()
    n_params = sum(p.numel() for p in full_model.parameters())
    assert n_params == 13_631_616  # about 52 MiB of float32, the size of syncnet_v2.model


def test_lazy_class_is_the_model_class(full_model):
    assert isinstance(full_model, syncnet.SyncNet)
    assert isinstance(full_model, torch.nn.Module)
    assert not full_model.training


def test_full_network_output_shapes(full_model):
    with torch.inference_mode():
        audio = full_model.forward_aud(torch.randn(3, 1, 13, 20))
        video = full_model.forward_lip(torch.rand(2, 3, 5, 224, 224) * 255)
        conv_audio = full_model.netcnnaud(torch.randn(3, 1, 13, 20))
        conv_video = full_model.netcnnlip(torch.rand(2, 3, 5, 224, 224) * 255)
    assert audio.shape == (3, 1024) and video.shape == (2, 1024)
    # Each conv stack collapses its whole window to one 512-d position.
    assert conv_audio.shape == (3, 512, 1, 1)
    assert conv_video.shape == (2, 512, 1, 1, 1)
    assert torch.isfinite(audio).all() and torch.isfinite(video).all()


def test_narrow_network_keeps_input_and_output_shapes(small_model):
    with torch.inference_mode():
        assert small_model.forward_aud(torch.randn(2, 1, 13, 20)).shape == (2, 32)
        assert small_model.forward_lip(torch.rand(2, 3, 5, 224, 224)).shape == (2, 32)
    with pytest.raises(RuntimeError):  # a 6x6 spatial window is built into the last lip layer
        small_model.forward_lip(torch.rand(1, 3, 5, 112, 112))


def test_random_weights_are_seeded():
    a = syncnet.build_syncnet(width=0.125, seed=3).state_dict()
    b = syncnet.build_syncnet(width=0.125, seed=3).state_dict()
    c = syncnet.build_syncnet(width=0.125, seed=4).state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a["netcnnlip.0.weight"], c["netcnnlip.0.weight"])


# ---------------------------------------------------------------- offset arithmetic (numpy)


def reference_calc_pdist(video_emb, audio_emb, vshift):
    """SyncNetInstance.calc_pdist, with the same torch calls."""
    v, a = torch.from_numpy(video_emb), torch.from_numpy(audio_emb)
    padded = torch.nn.functional.pad(a, (0, 0, vshift, vshift))
    win = 2 * vshift + 1
    rows = [torch.nn.functional.pairwise_distance(v[[i], :].repeat(win, 1), padded[i:i + win, :])
            for i in range(len(v))]
    return torch.stack(rows).numpy()


def test_shift_distances_equal_reference_calc_pdist():
    rng = np.random.default_rng(0)
    v = rng.standard_normal((23, 16))
    a = rng.standard_normal((23, 16))
    for vshift in (0, 3, 15):
        np.testing.assert_allclose(syncnet.shift_distances(v, a, vshift), reference_calc_pdist(v, a, vshift),
                                   rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("lead", [-10, -3, -1, 0, 1, 4, 10])
def test_offset_sign_on_constructed_embeddings(lead):
    """Audio leading the video by k frames: the audio shows at m what the mouth shows at m + k."""
    rng = np.random.default_rng(abs(lead))
    n, dim = 60, 24
    video = rng.standard_normal((n + 20, dim))
    audio = video[10 + lead:10 + lead + n] + 0.01 * rng.standard_normal((n, dim))
    video = video[10:10 + n]
    result = syncnet.score_distances(syncnet.shift_distances(video, audio, 15), 15)
    assert result["offset_frames"] == lead
    curve = result["curve"]
    assert curve.shape == (31,)
    assert np.argmin(curve) == 15 - lead
    # The best shift stands out clearly: its distance is the small noise, the median is random pairs.
    assert result["confidence"] > 3 and result["min_dist"] < curve[15 - lead + 1]


def test_score_arithmetic_on_a_hand_made_table():
    dists = np.full((6, 31), 5.0)
    dists[:, 12] = [2, 2, 2, 2, 2, 8]  # mean 3 at column 12 -> offset 15 - 12 = +3
    dists[:, 20] = 4.0
    result = syncnet.score_distances(dists, 15)
    assert result["offset_frames"] == 3
    assert result["min_dist"] == pytest.approx(3.0)
    assert result["confidence"] == pytest.approx(5.0 - 3.0)  # median of the curve is 5
    np.testing.assert_allclose(result["curve"], dists.mean(axis=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fewer windows than the kernel: zero padding, as intended
        expected = scipy.signal.medfilt(5.0 - dists[:, 12], kernel_size=9)
    np.testing.assert_allclose(result["framewise_conf"], expected)


def test_ties_take_the_first_minimum_like_torch_min():
    dists = np.full((3, 7), 2.0)
    dists[:, 1] = dists[:, 5] = 1.0
    assert syncnet.score_distances(dists, 3)["offset_frames"] == 3 - 1


def test_framewise_conf_is_median_filtered_over_9_windows():
    n = 40
    dists = np.full((n, 31), 10.0)
    dists[:, 15] = 4.0
    dists[20, 15] = 9.0   # one bad window: a 1-window dip in confidence ...
    dists[5:9, 15] = 9.5  # ... and a 4-window dip (less than half the kernel): both filtered out
    framewise = syncnet.score_distances(dists, 15)["framewise_conf"]
    assert framewise.shape == (n,)
    np.testing.assert_allclose(framewise[4:n - 4], 6.0)  # median 10 - distance 4
    # medfilt pads with zeros: the first/last 4 windows see up to 4 zeros in their 9.
    assert framewise[0] == pytest.approx(6.0) and framewise[-1] == pytest.approx(6.0)
    dists[5:14, 15] = 9.5  # 9 bad windows in a row: now the dip survives in the middle
    assert syncnet.score_distances(dists, 15)["framewise_conf"][9] == pytest.approx(0.5)


def test_score_rejects_wrong_table_shapes():
    with pytest.raises(InputError, match="31"):
        syncnet.score_distances(np.ones((5, 21)), 15)
    with pytest.raises(InputError):
        syncnet.score_distances(np.ones((0, 31)), 15)
    with pytest.raises(InputError, match="NaN"):
        syncnet.score_distances(np.full((2, 3), np.nan), 1)


# ---------------------------------------------------------------- full offset search through the network


def _talking_input(n_frames, seconds, seed=0):
    rng = np.random.default_rng(seed)
    crops = rng.integers(0, 256, size=(n_frames, 224, 224, 3), dtype=np.uint8)
    n = int(seconds * syncnet.SR)
    t = np.arange(n) / syncnet.SR
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 3 * t)
    audio = (0.3 * envelope * rng.standard_normal(n)).astype(np.float32)
    return crops, audio


def test_windows_are_the_reference_windows(small_model):
    crops, audio = _talking_input(12, 0.6)
    n = syncnet.n_windows(len(crops), len(audio))
    assert n == 12 - 5
    mfcc = syncnet.mfcc_features(audio)
    video_emb = syncnet.embed_video(small_model, crops, n, batch_size=3)
    audio_emb = syncnet.embed_audio(small_model, mfcc, n, batch_size=3)
    i = 4
    clip = torch.from_numpy(crops[i:i + 5, :, :, ::-1].copy()).permute(3, 0, 1, 2)[None].float()  # BGR
    window = torch.from_numpy(mfcc[:, 4 * i:4 * i + 20].copy())[None, None]
    with torch.inference_mode():
        direct_video = small_model.forward_lip(clip)[0].numpy()
        direct_audio = small_model.forward_aud(window)[0].numpy()
    np.testing.assert_allclose(video_emb[i], direct_video, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(audio_emb[i], direct_audio, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("lead", [3, -2])
def test_leading_audio_moves_the_distance_table_by_the_lead(small_model, lead):
    """Advance the audio by k frames: every distance moves k columns left, so the offset grows by k."""
    crops, audio = _talking_input(30, 2.0, seed=1)
    samples = abs(lead) * syncnet.SAMPLES_PER_FRAME
    moved = audio[samples:] if lead > 0 else np.concatenate([np.zeros(samples, np.float32), audio])
    before = syncnet.syncnet_distances(small_model, crops, audio, max_offset=15, batch_size=7)
    after = syncnet.syncnet_distances(small_model, crops, moved, max_offset=15, batch_size=7)
    assert before.shape == after.shape == (25, 31)
    n, checked = len(before), 0
    for i in range(n):
        for j in range(31):
            a_after, a_before = i + j - 15, i + j - 15 + lead  # audio window each entry compares with
            # (a_after = 0 is excluded: trimming the audio changes its first pre-emphasis sample)
            if 1 <= a_after < n and 0 <= a_before < n and 0 <= j + lead < 31:
                assert after[i, j] == pytest.approx(before[i, j + lead], rel=1e-4)
                checked += 1
    assert checked > 300


def test_syncnet_distances_full_size_shapes(full_model):
    crops, audio = _talking_input(8, 0.4)
    dists = syncnet.syncnet_distances(full_model, crops, audio, max_offset=4, batch_size=2)
    assert dists.shape == (3, 9) and np.all(np.isfinite(dists)) and np.all(dists > 0)


def test_syncnet_distances_rejects_bad_input(small_model):
    crops, audio = _talking_input(8, 0.4)
    with pytest.raises(InputError, match="at least 6 frames"):
        syncnet.syncnet_distances(small_model, crops[:5], audio)
    with pytest.raises(InputError, match="crop_faces"):
        syncnet.syncnet_distances(small_model, crops[:, :100], audio)
    with pytest.raises(InputError, match="mono"):
        syncnet.syncnet_distances(small_model, crops, np.stack([audio, audio]))


# ---------------------------------------------------------------- MFCC


def test_mfcc_shape_and_100_hz_rate():
    for n in (1, 399, 400, 401, 560, 16000, 16000 * 3 + 7):
        feats = syncnet.mfcc_features(np.zeros(n, np.float32) + 0.1)
        assert feats.shape == (13, 1 if n <= 400 else 1 + math.ceil((n - 400) / 160))
        assert feats.dtype == np.float32
    # 100 steps per second: each extra 10 ms (160 samples) adds exactly one step, so a 40 ms
    # video frame is 4 steps and a 5-frame window 20.
    base = syncnet.mfcc_features(np.zeros(16000, np.float32)).shape[1]
    for extra_s in (0.01, 0.04, 0.2, 10.0):
        n = 16000 + round(extra_s * 16000)
        assert syncnet.mfcc_features(np.zeros(n, np.float32)).shape[1] - base == round(extra_s * 100)


def test_mfcc_int16_scaling_only_moves_the_energy_coefficient():
    rng = np.random.default_rng(0)
    x = (0.1 * rng.standard_normal(8000)).astype(np.float32)
    scaled, raw = syncnet.mfcc_features(x), syncnet.mfcc_features(x, int16_scale=False)
    np.testing.assert_allclose(scaled[0] - raw[0], 2 * np.log(32768.0), rtol=1e-5)
    np.testing.assert_allclose(scaled[1:], raw[1:], atol=2e-4)


def test_mfcc_energy_coefficient_is_log_frame_power():
    x = np.zeros(1600, np.float32)
    x[::2], x[1::2] = 0.25, -0.25  # alternating: after pre-emphasis still alternating, amplitude 1.97 a
    feats = syncnet.mfcc_features(x, int16_scale=False)
    amp = 0.25 * 1.97
    # Coefficient 0 is log(sum of the one-sided power |X_k|^2 / 512, k = 0..256). Parseval over all
    # 512 bins gives 512 * 400 amp^2; the one-sided half counts bins 0 and 256 once instead of twice:
    # X_0 = 0 (400 samples, alternating sum) and X_256 = 400 amp.
    one_sided = (512 * 400 * amp**2 + (400 * amp) ** 2) / 2
    assert feats[0, 3] == pytest.approx(np.log(one_sided / 512), rel=1e-6)


def test_mfcc_filterbank_is_python_speech_features_triangles():
    fb = syncnet.mel_filterbank_psf(26, 512, 16000)
    assert fb.shape == (26, 257)
    assert np.all(fb >= 0) and np.all(fb <= 1)
    np.testing.assert_allclose(fb.max(axis=1), 1.0)  # peak height one, not area one
    assert np.all(np.argmax(fb, axis=1)[1:] > np.argmax(fb, axis=1)[:-1])  # centres rise


@pytest.mark.parametrize("n", [1, 399, 400, 401, 1234, 16000])
def test_mfcc_agrees_with_python_speech_features(n):
    psf = pytest.importorskip("python_speech_features")
    rng = np.random.default_rng(n)
    x = (0.2 * rng.standard_normal(n)).astype(np.float32)
    x[: n // 3] *= 0.01  # quiet start: a wide range of band energies
    int16 = np.round(x * 32767).astype(np.int16)  # what the reference reads from its wav file
    reference = np.stack(list(zip(*psf.mfcc(int16, 16000))))  # SyncNetInstance's own reshaping
    ours = syncnet.mfcc_features(int16.astype(np.float32) / 32768.0)
    assert ours.shape == reference.shape
    # float32 output: agreement to its rounding (values reach about 40)
    np.testing.assert_allclose(ours, reference, rtol=1e-6, atol=5e-5)


def test_mfcc_filterbank_equals_python_speech_features():
    psf = pytest.importorskip("python_speech_features")
    np.testing.assert_allclose(syncnet.mel_filterbank_psf(26, 512, 16000),
                               psf.get_filterbanks(26, 512, 16000), atol=1e-15)


def test_mfcc_rejects_bad_audio():
    with pytest.raises(InputError, match="empty"):
        syncnet.mfcc_features(np.zeros(0))
    with pytest.raises(InputError, match="mono"):
        syncnet.mfcc_features(np.zeros((2, 100)))
    with pytest.raises(InputError, match="NaN"):
        syncnet.mfcc_features(np.array([0.0, np.nan]))


# ---------------------------------------------------------------- face crops


def _pattern(height, width, n=1, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, height, width, 3), dtype=np.uint8)


def test_crop_matches_the_run_pipeline_box_arithmetic():
    frames = _pattern(400, 480, n=3)
    boxes = np.tile([190.0, 150.0, 290.0, 250.0], (3, 1))  # 100x100 face centred at (240, 200)
    crops = syncnet.crop_faces(frames, boxes)
    assert crops.shape == (3, 224, 224, 3) and crops.dtype == np.uint8
    # half-size s = 50: rows cy - s .. cy + 1.8 s = 150..290, cols cx -+ 1.4 s = 170..310
    expected = cv2.resize(np.ascontiguousarray(frames[1][150:290, 170:310]), (224, 224))
    np.testing.assert_array_equal(crops[1], expected)


def test_crop_near_the_border_is_padded_with_grey():
    frames = np.full((1, 200, 200, 3), 250, np.uint8)
    crops = syncnet.crop_faces(frames, np.array([[0.0, 0.0, 60.0, 60.0]]))
    assert crops.shape == (1, 224, 224, 3)
    assert np.all(crops[0, 2, 2] == 110)  # top-left lies outside the frame
    assert np.all(crops[0, -3, -3] == 250)  # bottom-right is inside


def test_crop_smoothing_ignores_a_one_frame_glitch():
    frames = np.repeat(_pattern(300, 300), 15, axis=0)
    boxes = np.tile([100.0, 100.0, 200.0, 200.0], (15, 1))
    boxes[7] = [10.0, 10.0, 60.0, 60.0]
    crops = syncnet.crop_faces(frames, boxes)
    np.testing.assert_array_equal(crops[7], crops[6])
    unsmoothed = syncnet.crop_faces(frames, boxes, smooth_frames=1)
    assert not np.array_equal(unsmoothed[7], unsmoothed[6])


def test_crop_without_boxes_takes_the_centre_square():
    frames = _pattern(120, 200, n=2)
    crops = syncnet.crop_faces(frames, None)
    centre = np.ascontiguousarray(frames[0][:, 40:160])  # 120x120 from the middle of 200 columns
    np.testing.assert_array_equal(crops[0], cv2.resize(centre, (224, 224)))


def test_crop_rejects_bad_input():
    frames = _pattern(100, 100, n=2)
    with pytest.raises(InputError, match="one face box"):
        syncnet.crop_faces(frames, np.zeros((3, 4)))
    with pytest.raises(InputError, match="x1 > x0"):
        syncnet.crop_faces(frames, np.array([[10, 10, 5, 20], [10, 10, 20, 20]], float))
    with pytest.raises(InputError, match="NaN"):
        syncnet.crop_faces(frames, np.array([[10, 10, 20, 20], [np.nan] * 4]))
    with pytest.raises(InputError, match="uint8"):
        syncnet.crop_faces(frames.astype(np.float32), None)
    with pytest.raises(InputError, match=r"\[T, H, W, 3\]"):
        syncnet.crop_faces(frames[..., 0], None)


# ---------------------------------------------------------------- weights: load, download, offline


def _released_style_state(seed=1):
    """A state dict shaped like syncnet_v2.model: the released keys, no num_batches_tracked."""
    model = syncnet.build_syncnet(seed=seed)
    with torch.no_grad():  # non-default BN statistics, so copying them is observable
        for name, buf in model.named_buffers():
            if "running" in name:
                buf.uniform_(0.5, 1.5)
    state = {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    return model, state


def _same_outputs(a, b, *, lip=True):
    """Both streams (or only the cheap audio one) give the same embeddings; same state dict."""
    x_aud, x_lip = torch.randn(2, 1, 13, 20), torch.rand(1, 3, 5, 224, 224) * 255
    state_a, state_b = a.state_dict(), b.state_dict()
    if any(not torch.equal(state_a[k], state_b[k]) for k in state_a if "num_batches" not in k):
        return False
    with torch.inference_mode():
        return (torch.allclose(a.forward_aud(x_aud), b.forward_aud(x_aud))
                and (not lip or torch.allclose(a.forward_lip(x_lip), b.forward_lip(x_lip))))


@pytest.mark.parametrize("zip_format", [True, False], ids=["zip", "legacy"])
def test_state_dict_round_trip_through_load_syncnet(tmp_path, zip_format):
    """Both torch.save formats: the released file (2018) predates the zip format."""
    source, state = _released_style_state()
    path = tmp_path / "syncnet_v2.model"
    torch.save(state, path, _use_new_zipfile_serialization=zip_format)
    loaded = syncnet.load_syncnet(path)
    assert not loaded.training
    for key, value in state.items():
        assert torch.equal(loaded.state_dict()[key], value), key
    assert _same_outputs(source, loaded)


def test_wrapper_prefixes_are_dropped(tmp_path):
    source, state = _released_style_state(seed=2)
    path = tmp_path / "wrapped.model"
    torch.save({f"__S__.{k}": v for k, v in state.items()}, path)
    assert _same_outputs(source, syncnet.load_syncnet(path), lip=False)


def test_wrong_or_unsafe_files_are_refused(tmp_path):
    _, state = _released_style_state()
    short = dict(state)
    short.pop("netfclip.3.weight")
    torch.save(short, tmp_path / "short.model")
    with pytest.raises(WeightsUnavailable, match="missing keys.*netfclip.3.weight"):
        syncnet.load_syncnet(tmp_path / "short.model")
    narrow = syncnet.build_syncnet(width=0.5).state_dict()
    torch.save(narrow, tmp_path / "narrow.model")
    with pytest.raises(WeightsUnavailable, match="network needs"):
        syncnet.load_syncnet(tmp_path / "narrow.model")
    torch.save(syncnet.build_syncnet(width=0.125), tmp_path / "pickled_module.model")  # a whole module
    with pytest.raises(WeightsUnavailable, match="weights_only=True"):
        syncnet.load_syncnet(tmp_path / "pickled_module.model")
    (tmp_path / "junk.model").write_bytes(b"not a checkpoint")
    with pytest.raises(WeightsUnavailable, match=re.escape(syncnet.WEIGHTS_URL)):
        syncnet.load_syncnet(tmp_path / "junk.model")
    with pytest.raises(WeightsUnavailable, match="No SyncNet weights file"):
        syncnet.load_syncnet(tmp_path / "absent.model")


def _assert_manual_steps(message, folder):
    assert syncnet.WEIGHTS_URL in message
    assert str(folder / "syncnet_v2.model") in message
    assert "AVE_WEIGHTS_DIR" in message and "load_syncnet(path)" in message


def test_offline_without_file_fails_fast_with_manual_steps(tmp_path, monkeypatch):
    monkeypatch.setenv("AVE_WEIGHTS_DIR", str(tmp_path))

    def no_dns(*args, **kwargs):
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    start = time.perf_counter()
    with pytest.raises(WeightsUnavailable) as info:
        syncnet.load_syncnet(download=True)
    assert time.perf_counter() - start < 10.0  # no network wait at all (0.2 s here); a retry loop would take far longer
    _assert_manual_steps(str(info.value), tmp_path)
    assert list(tmp_path.iterdir()) == []  # no partial file left behind

    with pytest.raises(WeightsUnavailable) as info:
        syncnet.load_syncnet(download=False)
    _assert_manual_steps(str(info.value), tmp_path)


def test_a_hanging_name_lookup_times_out(tmp_path, monkeypatch):
    monkeypatch.setenv("AVE_WEIGHTS_DIR", str(tmp_path))
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: time.sleep(30.0))
    start = time.perf_counter()
    with pytest.raises(WeightsUnavailable, match="longer than"):
        syncnet.load_syncnet(download=True, timeout_s=0.3)
    assert time.perf_counter() - start < 10.0  # the lookup hangs for 30 s; only the timeout ends it sooner


class _OneFileServer:
    """Serves fixed bytes on 127.0.0.1 (a stand-in for the weights server)."""

    def __init__(self, payload: bytes):
        payload_ = payload

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                self.send_response(200)
                self.send_header("Content-Length", str(len(payload_)))
                self.end_headers()
                self.wfile.write(payload_)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/syncnet_v2.model"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_download_with_progress_then_cached(tmp_path, monkeypatch):
    source, state = _released_style_state(seed=5)
    blob_path = tmp_path / "blob"
    torch.save(state, blob_path)
    payload = blob_path.read_bytes()
    cache = tmp_path / "cache"
    monkeypatch.setenv("AVE_WEIGHTS_DIR", str(cache))
    server = _OneFileServer(payload)
    calls = []
    try:
        model = syncnet.load_syncnet(download=True, url=server.url,
                                     progress=lambda done, total: calls.append((done, total)))
    finally:
        server.close()
    assert _same_outputs(source, model, lip=False)
    assert calls[-1] == (len(payload), len(payload))
    assert all(a[0] < b[0] for a, b in zip(calls, calls[1:]))
    digest = (cache / "syncnet_v2.model.sha256").read_text().split()[0]
    assert digest == hashlib.sha256(payload).hexdigest()
    # Second time: from the cache, no server needed.
    assert _same_outputs(source, syncnet.load_syncnet(download=False), lip=False)


def test_a_bad_download_is_not_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("AVE_WEIGHTS_DIR", str(tmp_path))
    server = _OneFileServer(b"<html>moved</html>")
    try:
        with pytest.raises(WeightsUnavailable, match="weights_only"):
            syncnet.load_syncnet(download=True, url=server.url)
    finally:
        server.close()
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- issue 15: weights you can trust
class _CountingServer(_OneFileServer):
    def __init__(self, payload: bytes):
        super().__init__(payload)
        self.requests = 0
        handler = self.server.RequestHandlerClass
        outer = self
        original = handler.do_GET

        def counted(handler_self):
            outer.requests += 1
            original(handler_self)

        handler.do_GET = counted


def test_weights_come_over_https():
    assert syncnet.WEIGHTS_URL.startswith("https://www.robots.ox.ac.uk/")


def test_nothing_is_downloaded_unless_asked(tmp_path, monkeypatch):
    monkeypatch.setenv("AVE_WEIGHTS_DIR", str(tmp_path))
    _, state = _released_style_state(seed=6)
    torch.save(state, tmp_path / "blob")
    server = _CountingServer((tmp_path / "blob").read_bytes())
    try:
        with pytest.raises(WeightsUnavailable, match="not found"):
            syncnet.load_syncnet(url=server.url)  # default: no download
        assert server.requests == 0
        from lib import sync

        frames = np.zeros((40, 64, 64, 3), np.uint8)
        with pytest.raises(WeightsUnavailable):  # the estimator never fetches weights by itself either
            sync.estimate_offset(frames, np.zeros(40 * 640, np.float32), method="syncnet", max_offset=3,
                                 boxes=np.tile([8.0, 8.0, 56.0, 56.0], (40, 1)))
        assert server.requests == 0
    finally:
        server.close()


def test_a_download_with_the_wrong_digest_is_refused_and_not_kept(tmp_path, monkeypatch):
    _, state = _released_style_state(seed=7)
    torch.save(state, tmp_path / "blob")
    payload = (tmp_path / "blob").read_bytes()
    cache = tmp_path / "cache"
    monkeypatch.setenv("AVE_WEIGHTS_DIR", str(cache))
    monkeypatch.setenv(syncnet.WEIGHTS_SHA256_ENV, "0" * 64)
    server = _OneFileServer(payload)
    try:
        with pytest.raises(WeightsUnavailable, match="not the pinned"):
            syncnet.load_syncnet(download=True, url=server.url)
        assert not cache.exists() or list(cache.iterdir()) == []
        # The right digest pinned: accepted, and checked again on every load.
        monkeypatch.setenv(syncnet.WEIGHTS_SHA256_ENV, hashlib.sha256(payload).hexdigest().upper())
        syncnet.load_syncnet(download=True, url=server.url)
    finally:
        server.close()
    assert syncnet.load_syncnet() is not None
    (cache / "syncnet_v2.model").write_bytes(payload[:-1] + bytes([payload[-1] ^ 1]))  # one bit flipped
    with pytest.raises(WeightsUnavailable, match="is not the official"):
        syncnet.load_syncnet()
    monkeypatch.setenv(syncnet.WEIGHTS_SHA256_ENV, "not-a-digest")
    with pytest.raises(WeightsUnavailable, match="64 hexadecimal"):
        syncnet.load_syncnet()


def test_without_a_pin_the_first_download_is_remembered(tmp_path, monkeypatch):
    """Trust on first use: a file that changes after its download is refused."""
    monkeypatch.delenv(syncnet.WEIGHTS_SHA256_ENV, raising=False)
    monkeypatch.setattr(syncnet, "WEIGHTS_SHA256", None)
    _, state = _released_style_state(seed=8)
    torch.save(state, tmp_path / "blob")
    payload = (tmp_path / "blob").read_bytes()
    cache = tmp_path / "cache"
    monkeypatch.setenv("AVE_WEIGHTS_DIR", str(cache))
    server = _OneFileServer(payload)
    try:
        syncnet.load_syncnet(download=True, url=server.url)
    finally:
        server.close()
    assert (cache / "syncnet_v2.model.sha256").read_text().split()[0] == hashlib.sha256(payload).hexdigest()
    _, other = _released_style_state(seed=9)
    torch.save(other, cache / "syncnet_v2.model")  # a valid-looking but different file put in its place
    with pytest.raises(WeightsUnavailable, match="changed since it was downloaded"):
        syncnet.load_syncnet()
    assert "sha256sum" in syncnet.manual_steps()
