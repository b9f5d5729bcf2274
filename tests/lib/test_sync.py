"""lib.sync / lib.video: offsets recovered on constructed videos, the sign convention, the fix, bad input.

Ground truth comes from construction: a drawn face whose mouth moves with the
phoneme timing espeak-ng reported for the built-in sentence (not with the sound's
energy, which the estimator measures), with the audio moved by a known
number of frames (lib.talking_face.talking_face). The real GRID clips (skipped when
../shared/data is absent) are checked under induced shifts.
"""

from __future__ import annotations

import av
import numpy as np
import pytest

from lib import sync
from lib.audio import load_audio
from lib.errors import InputError
from lib.talking_face import UTTERANCES, read_phonemes, talking_face
from lib.video import FPS, SR, load_av, probe, write_av
from tests.conftest import ROOT, data_file

#: When espeak-ng spoke each phoneme of the built-in sentence: what moves the drawn mouth.
PHONEMES = read_phonemes(UTTERANCES["speech_fricatives"][1])

SPF = SR // FPS


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    """The espeak sentence at 16 kHz (5.5 s)."""
    return load_audio(ROOT / "samples" / "speech_fricatives.flac", sr=SR).samples


@pytest.fixture(scope="module")
def face_video(tmp_path_factory, speech):
    """A 160×120 H.264/AAC file whose audio leads by 2 frames, and its path."""
    frames, audio = talking_face(speech, 2, phonemes=PHONEMES)
    path = tmp_path_factory.mktemp("sync") / "face_plus2.mp4"
    write_av(path, frames, audio)
    return path


# ----------------------------------------------------------------------------- constructed truth
def test_lagged_correlation_sign_convention():
    """A signal whose audio copy is `lag` frames *earlier* peaks at +lag (audio leads)."""
    rng = np.random.default_rng(1)
    base = rng.normal(size=200)
    for lag in (-7, -1, 0, 3, 12):
        video = base[20:180]
        audio = base[20 + lag:180 + lag]  # audio[t - lag] == video[t]
        lags, r = sync.lagged_correlation(video, audio, 15)
        assert lags[np.argmax(r)] == lag
        assert r.max() == pytest.approx(1.0, abs=1e-12)


def test_speech_band_energy_of_a_sine_matches_parseval():
    """A 1 kHz sine (exactly on an FFT bin, inside the band): sum |X|^2 over the half spectrum."""
    amp = 0.3
    n = 50 * SPF
    t = np.arange(n) / SR
    y = amp * np.sin(2 * np.pi * 1000 * t)
    e = sync.speech_band_energy(y, 50)
    win = np.hanning(2 * SPF)
    # Parseval for a windowed sinusoid: the positive-frequency half carries N * sum((w x)^2) / 2.
    expected = np.log(2 * SPF * amp ** 2 / 2 * np.sum(win ** 2) / 2)
    np.testing.assert_allclose(e[2:-2], expected, rtol=0, atol=0.01)
    # Out-of-band tone: far less energy.
    y5 = amp * np.sin(2 * np.pi * 5000 * t)
    assert sync.speech_band_energy(y5, 50)[10] < expected - 8


# The drawn face opens its mouth to espeak's viseme targets, which the sound's loudness follows within
# about a frame: the first estimator (method="energy") reads it exactly, so the tests of the I/O paths
# below use it for exact checks; the default reads it within ±1 (and its own ground truth exactly:
# tests/lib/test_sync_verdict.py).
EXACT = {"method": "energy"}


def test_known_offsets_recovered_exactly_from_arrays(speech):
    short = speech[: int(4.0 * SR)]
    for k in range(-10, 11):
        frames, audio = talking_face(short, k, phonemes=PHONEMES)
        res = sync.estimate_offset(frames, audio, **EXACT)
        assert res.offset_frames == k, f"induced {k}, estimated {res.offset_frames}"
        default = sync.estimate_offset(frames, audio, boxes=res.boxes)
        assert abs(default.offset_frames - k) <= 1 and default.verdict != "cannot_tell"
        assert res.offset_ms == pytest.approx(40.0 * k)
        j = int(np.argmin(res.curve))
        assert res.lags[j] == k and res.min_dist == pytest.approx(res.curve[j])
        assert res.confidence == pytest.approx(np.median(res.curve) - res.curve.min())
        assert res.confidence > 0.2
        assert res.framewise_conf.shape == (len(frames),)


@pytest.mark.parametrize("k", [-9, 0, 6])
def test_known_offsets_recovered_exactly_through_h264_aac(tmp_path, speech, k):
    frames, audio = talking_face(speech[: int(4.0 * SR)], k, phonemes=PHONEMES)
    path = write_av(tmp_path / f"k{k}.mp4", frames, audio)
    info = probe(path)
    assert info["video"][0]["codec"] == "h264" and info["audio"][0]["codec"] == "aac"
    clip = load_av(path)
    assert clip.frames.shape == frames.shape and len(clip.audio) == len(audio)
    assert sync.estimate_offset(clip.frames, clip.audio, **EXACT).offset_frames == k


def test_read_av_returns_25fps_frames_and_16k_audio(face_video):
    frames, audio = sync.read_av(face_video)
    assert frames.dtype == np.uint8 and frames.shape[1:] == (120, 160, 3)
    assert audio.dtype == np.float32 and len(audio) == len(frames) * SPF


# ----------------------------------------------------------------------------- the fix
def test_shift_audio_moves_the_estimate_by_the_shift(tmp_path, face_video):
    base = sync.estimate_offset(*sync.read_av(face_video)).offset_frames
    assert base == 2
    for shift in (3, -2, -5):
        out = sync.shift_audio(face_video, tmp_path / f"s{shift}.mp4", shift)
        info = probe(out)
        assert info["video"][0]["codec"] == "h264" and info["audio"][0]["codec"] == "aac"
        frames, audio = sync.read_av(out)
        assert sync.estimate_offset(frames, audio).offset_frames == base + shift


def test_shift_audio_moves_the_samples_exactly(tmp_path, face_video):
    """The decoded audio of the shifted file is the original moved by shift * 640 samples."""
    _, a0 = sync.read_av(face_video)
    _, a1 = sync.read_av(sync.shift_audio(face_video, tmp_path / "m3.mp4", -3))
    seg = a0[8000:24000]
    c = np.correlate(a1[:40000], seg, "valid")
    assert int(np.argmax(c)) - 8000 == 3 * SPF


def test_shift_audio_reencodes_other_codecs(tmp_path, speech):
    """An MPEG-4 Part 2 file (not H.264) comes out as H.264 + AAC with the shift applied."""
    frames, audio = talking_face(speech[: int(3.5 * SR)], 0, phonemes=PHONEMES)
    src = tmp_path / "mpeg4.mkv"
    with av.open(str(src), "w") as out:
        vs = out.add_stream("mpeg4", rate=FPS)
        vs.width, vs.height, vs.pix_fmt = 160, 120, "yuv420p"
        from lib.video import _encode_audio

        ast = out.add_stream("aac", rate=SR)  # every stream before the first packet
        ast.layout = "mono"
        for f in frames:
            for p in vs.encode(av.VideoFrame.from_ndarray(f, format="rgb24")):
                out.mux(p)
        for p in vs.encode(None):
            out.mux(p)
        _encode_audio(out, ast, audio, SR)
    res = sync.shift_audio(src, tmp_path / "fixed.mp4", 4)
    assert probe(res)["video"][0]["codec"] == "h264"
    assert sync.estimate_offset(*sync.read_av(res), **EXACT).offset_frames == 4


# ----------------------------------------------------------------------------- real clips
# The GRID clips: tests/lib/test_sync_verdict.py (every clip, every other shift, the verdict too).


# ----------------------------------------------------------------------------- bad input
def test_no_audio_track(tmp_path, speech):
    frames, _ = talking_face(speech[: 2 * SR], 0, phonemes=PHONEMES)
    path = write_av(tmp_path / "mute.mp4", frames, None)
    with pytest.raises(InputError, match="no audio track"):
        load_av(path)


def test_no_video_track(tmp_path, speech):
    path = tmp_path / "voice.m4a"
    with av.open(str(path), "w", format="mp4") as out:
        from lib.video import _encode_audio

        ast = out.add_stream("aac", rate=SR)
        ast.layout = "mono"
        _encode_audio(out, ast, speech[: 2 * SR], SR)
    with pytest.raises(InputError, match="no video track"):
        load_av(path)


def test_no_face_found(tmp_path, speech):
    rng = np.random.default_rng(0)
    frames = np.repeat(rng.integers(0, 255, (1, 120, 160, 3), dtype=np.uint8), 50, axis=0)
    frames[:, 40:80, 60:100] = rng.integers(0, 255, (50, 40, 40, 3), dtype=np.uint8)  # moving noise, no face
    path = write_av(tmp_path / "noface.mp4", frames, speech[: 2 * SR])
    clip = load_av(path)
    with pytest.raises(InputError, match="No face found"):
        sync.estimate_offset(clip.frames, clip.audio)


def test_under_one_second(tmp_path, speech):
    frames, audio = talking_face(speech[: int(0.6 * SR)], 0, phonemes=PHONEMES)
    path = write_av(tmp_path / "short.mp4", frames, audio)
    with pytest.raises(InputError, match="at least 1 s"):
        load_av(path)
    with pytest.raises(InputError, match="frames"):
        sync.estimate_offset(frames, audio)


@pytest.mark.parametrize("payload", [b"", b"not a video at all " * 100])
def test_unreadable_file(tmp_path, payload):
    path = tmp_path / "broken.mp4"
    path.write_bytes(payload)
    with pytest.raises(InputError):
        load_av(path)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="No video file"):
        load_av(tmp_path / "nope.mp4")


def test_4k_video_is_downscaled_then_analysed(tmp_path, speech):
    small, audio = talking_face(speech[: int(1.2 * SR)], 0, width=960, height=720, phonemes=PHONEMES)

    def frames_4k():
        buf = np.empty((2160, 3840, 3), np.uint8)
        buf[:] = (70, 110, 150)
        for f in small:
            buf[720:1440, 1440:2400] = f
            yield buf

    path = write_av(tmp_path / "uhd.mp4", frames_4k(), audio, crf=40, preset="ultrafast")
    assert probe(path)["video"][0]["height"] == 2160
    clip = load_av(path)
    assert clip.frames.shape[1:] == (360, 640, 3)
    assert any("Downscaled from 3840×2160" in n for n in clip.notices)
    res = sync.estimate_offset(clip.frames, clip.audio, max_offset=5)
    # The face (drawn in the centre 960×720 block) is found where it was put, scaled by 1/6.
    cx = (res.boxes[:, 0] + res.boxes[:, 2]).mean() / 2
    assert 280 < cx < 360


def test_variable_frame_rate_is_resampled_by_timestamps(tmp_path, speech):
    frames, audio = talking_face(speech[: int(4.0 * SR)], 3, phonemes=PHONEMES)
    keep = [i for i in range(len(frames)) if i % 3 != 1]  # gaps of 40 and 80 ms
    path = write_av(tmp_path / "vfr.mp4", frames[keep], audio, frame_times_s=np.array(keep) / FPS)
    clip = load_av(path)
    assert clip.variable_frame_rate
    assert any("Variable frame rate" in n for n in clip.notices)
    assert len(clip.frames) == len(frames)
    # Each kept frame lands on its own tick; a dropped tick repeats the frame before it.
    np.testing.assert_array_equal(clip.frames[4].astype(int).mean(), clip.frames[3].astype(int).mean())
    assert abs(sync.estimate_offset(clip.frames, clip.audio).offset_frames - 3) <= 1


def test_other_frame_rates_are_resampled_to_25(tmp_path, speech):
    frames, audio = talking_face(speech[: int(2.0 * SR)], 0, phonemes=PHONEMES)
    path = write_av(tmp_path / "f50.mp4", np.repeat(frames, 2, axis=0), audio, fps=50)
    clip = load_av(path)
    assert len(clip.frames) == len(frames)
    assert any("50 fps to 25 fps" in n for n in clip.notices)


@pytest.mark.parametrize("src_fps", [30000 / 1001, 30.0, 24.0])
def test_each_25_fps_frame_is_the_source_frame_on_screen_mid_tick(tmp_path, speech, src_fps):
    """Output frame k is the source frame shown at (k + 1/2)/25 s: no half-frame timing bias at other rates."""
    n = int(2.0 * src_fps)
    grey = (20 + 3 * np.arange(n)).astype(np.uint8)  # each source frame's index, written as its grey level
    frames = np.repeat(grey[:, None, None, None], 48 * 64 * 3).reshape(n, 48, 64, 3)
    path = write_av(tmp_path / "idx.mp4", frames, speech[: int(n / src_fps * SR)], fps=src_fps, crf=0)
    clip = load_av(path)
    got = np.rint((clip.frames[..., 0].astype(float).mean(axis=(1, 2)) - 20) / 3).astype(int)
    mid = (np.arange(len(got)) + 0.5) / FPS
    # (1e-4 s: the loader's tolerance for timestamps rounded by the container's time base)
    np.testing.assert_array_equal(got, np.minimum(np.floor((mid + 1e-4) * src_fps), n - 1).astype(int))


def test_a_29_97_fps_talking_face_is_read_without_bias(tmp_path):
    """The audio is made from the mouth (tests/lib/sync_synth), the picture rendered at 29.97 fps: every shift exact.

    Sampling the frame on screen at each tick's start instead read these clips +0.75 frames off on average.
    """
    from tests.lib import sync_synth as synth

    src = 30000 / 1001
    frames, audio = synth.talking_clip_at_rate(src, seed=201)
    clip = load_av(write_av(tmp_path / "ntsc.mp4", frames, audio, fps=src))
    for k in (-7, 0, 4):
        assert sync.estimate_offset(clip.frames, sync.advance_audio(clip.audio, k)).offset_frames == k


def test_an_off_screen_voice_taking_turns_does_not_move_the_estimate():
    """Half the speech comes from an interviewer who is not on screen: the face's half still sets the offset."""
    from tests.lib import sync_synth as synth

    for seed, k in ((500, -6), (501, 3)):
        frames, audio = synth.interview_clip(k, seed=seed)
        r = sync.estimate_offset(frames, audio)
        assert r.offset_frames == k and r.verdict == "offset"


def test_face_detection_from_several_threads_at_once():
    """Streamlit runs each session on its own thread: a shared OpenCV cascade failed inside OpenCV
    (scaleIdx assertion, vector range check) when two detections overlapped."""
    import threading

    from tests.lib import sync_synth as synth

    frames, _ = synth.talking_clip(0, seed=1, duration_s=4.0, width=480, height=360, sway_px=6.0)
    expected, _ = sync.detect_faces(frames, every=1)
    errors, results = [], []

    def work():
        try:
            for _ in range(3):
                results.append(sync.detect_faces(frames, every=1)[0])
        except Exception as exc:  # noqa: BLE001 - the test reports whatever escaped
            errors.append(repr(exc)[:200])

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 9
    for boxes in results:
        np.testing.assert_array_equal(boxes, expected)


def test_estimate_offset_rejects_bad_arguments(speech):
    frames, audio = talking_face(speech[: 2 * SR], 0, phonemes=PHONEMES)
    with pytest.raises(InputError, match="Unknown method"):
        sync.estimate_offset(frames, audio, method="magic")
    with pytest.raises(InputError, match="uint8"):
        sync.estimate_offset(frames.astype(float), audio)


def test_hostile_values_from_the_fuzz_review_are_input_errors(tmp_path, face_video):
    """Each call below crashed inside numpy/OpenCV/PyAV (or asked for gigabytes) before the boundary checks."""
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 255, (30, 48, 64, 3), dtype=np.uint8)
    boxes = np.tile([16.0, 8.0, 48.0, 40.0], (30, 1))
    calls = [
        lambda: sync.detect_faces(frames, det_height=0),                       # ZeroDivisionError
        lambda: sync.grey_patches(frames.astype(float) * np.inf, boxes),      # OpenCV error
        lambda: sync.mouth_motion(frames, np.full((30, 4), np.nan)),            # NaN to int
        lambda: sync.speech_seconds(np.zeros(640), 10**15),                    # multi-GiB allocation
        lambda: sync.correlation_at(5, 1),                                     # AttributeError
        lambda: sync.estimate_clip(5),                                         # AttributeError
        lambda: sync.uncertainty_range(np.full(5, np.inf), 0),                 # OverflowError
        lambda: sync.shift_audio(face_video, tmp_path, 1),                     # IsADirectoryError
        lambda: sync.shift_audio(face_video, tmp_path / "no such folder" / "x.mp4", 1),  # FileNotFoundError
        lambda: sync.shift_audio(face_video, tmp_path / "x.mp4", 1, audio_bitrate=-1),  # FFmpeg error
    ]
    for i, call in enumerate(calls):
        with pytest.raises(InputError):
            call()
        assert not (tmp_path / "x.mp4").exists(), i


def test_itu_band_in_frames():
    assert sync.itu_band_frames(25) == pytest.approx((-3.125, 1.125))


# ----------------------------------------------------------------------------- SyncNet path
def test_syncnet_method_with_random_weights_uses_reference_arithmetic(speech):
    syncnet = pytest.importorskip("lib.syncnet")
    pytest.importorskip("torch")
    model = syncnet.build_syncnet(seed=0).eval()
    frames, audio = talking_face(speech[: int(1.6 * SR)], 0, phonemes=PHONEMES)
    res = sync.estimate_offset(frames, audio, method="syncnet", model=model, max_offset=3)
    assert res.method == "syncnet" and list(res.lags) == [-3, -2, -1, 0, 1, 2, 3]
    # The curve is in ascending-offset order: its minimum sits at the reported offset.
    assert res.lags[int(np.argmin(res.curve))] == res.offset_frames
    assert res.min_dist == pytest.approx(res.curve.min())
    assert res.confidence == pytest.approx(np.median(res.curve) - res.curve.min())


def test_moving_head_is_tracked_and_offsets_still_recovered(speech):
    """A head swaying by ±15 px (a moving box, not the still-head median box) keeps exact recovery."""
    short = speech[: int(4.0 * SR)]
    for k in (-8, 0, 5):
        frames, audio = talking_face(short, k, sway_px=15.0, phonemes=PHONEMES)
        boxes, found = sync.detect_faces(frames)
        assert found > 0.9
        assert np.ptp(boxes[:, 0]) > 15  # the track follows the sway
        assert sync.estimate_offset(frames, audio, boxes=boxes, **EXACT).offset_frames == k


def test_video_decoding_needs_no_speech_features():
    """lib.video (decoding, a lower-level module) imports no topic module, not even inside a function."""
    import ast

    tree = ast.parse((ROOT / "lib" / "video.py").read_text())
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert {n for n in names if n.startswith("lib")} <= {"lib.errors"}
