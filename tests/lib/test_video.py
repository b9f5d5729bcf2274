"""lib.video.load_av and lib.sync.shift_audio on files whose tracks do not start together.

Ground truth by construction: a lossless file (FFV1 picture, 16-bit PCM sound in
Matroska, which keeps stream start times as written) whose audio carries one
click at a known instant of its own track, and whose audio or video track starts
later than the other. Every other test file starts both tracks at 0, so a wrong
sign in the start-time alignment would pass them all.
"""

from __future__ import annotations

import os
from fractions import Fraction

import av
import numpy as np
import pytest

from lib import sync
from lib.errors import InputError
from lib.video import FPS, SR, load_av, probe
from tests.conftest import data_file

CLICK_S = 1.0  # the click's time within the audio track


def write_offset_tracks(path, *, video_start_s: float, audio_start_s: float, n_frames: int = 50,
                        audio_s: float = 3.0, size=(64, 48), noise: bool = False):
    """A lossless MKV whose video track starts at ``video_start_s`` and audio track at ``audio_start_s``."""
    w, h = size
    rng = np.random.default_rng(0)
    with av.open(str(path), "w") as out:
        vs = out.add_stream("ffv1", rate=FPS)
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        vs.codec_context.time_base = Fraction(1, FPS)
        ast = out.add_stream("pcm_s16le", rate=SR)
        ast.layout = "mono"
        for i in range(n_frames):
            img = rng.integers(0, 255, (h, w, 3), np.uint8) if noise else np.full((h, w, 3), (5 * i) % 250, np.uint8)
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts, frame.time_base = i + round(video_start_s * FPS), Fraction(1, FPS)
            for p in vs.encode(frame):
                out.mux(p)
        for p in vs.encode(None):
            out.mux(p)
        audio = np.zeros(int(audio_s * SR), np.int16)
        k = int(CLICK_S * SR)
        audio[k], audio[k + 1] = 30000, -30000
        pts = round(audio_start_s * SR)
        for start in range(0, len(audio), 1024):
            chunk = audio[start:start + 1024]
            af = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="s16", layout="mono")
            af.sample_rate, af.pts, af.time_base = SR, pts, Fraction(1, SR)
            pts += len(chunk)
            for p in ast.encode(af):
                out.mux(p)
        for p in ast.encode(None):
            out.mux(p)
    return path


def click_time_s(audio: np.ndarray) -> float:
    return int(np.argmax(np.abs(audio))) / SR


@pytest.mark.parametrize("video_start_s, audio_start_s, expected_s", [
    (0.0, 0.0, CLICK_S),          # both at 0
    (0.0, 0.4, CLICK_S + 0.4),    # the sound starts 0.4 s after the picture: silence is padded in front
    (0.4, 0.0, CLICK_S - 0.4),    # the picture starts 0.4 s after the sound: the sound's first 0.4 s is cut
])
def test_load_av_aligns_audio_start_to_the_first_frame(tmp_path, video_start_s, audio_start_s, expected_s):
    path = write_offset_tracks(tmp_path / "tracks.mkv", video_start_s=video_start_s, audio_start_s=audio_start_s)
    clip = load_av(path)
    assert len(clip.frames) == 50 and len(clip.audio) == 50 * (SR // FPS)
    # The click is heard at the instant it plays in the file, measured from the first frame.
    assert click_time_s(clip.audio) == pytest.approx(expected_s, abs=1 / SR)
    if audio_start_s > video_start_s:
        assert np.max(np.abs(clip.audio[: int(0.39 * SR)])) == 0.0


def test_shift_audio_keeps_a_late_audio_start(tmp_path):
    """Re-encoding (FFV1 -> H.264) keeps the sound 0.4 s behind the picture, then moves it by the shift."""
    src = write_offset_tracks(tmp_path / "late.mkv", video_start_s=0.0, audio_start_s=0.4)
    for shift in (0, 3, -2):
        out = sync.shift_audio(src, tmp_path / f"late_{shift:+d}.mp4", shift)
        clip = load_av(out)
        assert len(clip.frames) == 50
        # AAC round trip: the click moves by the shift (3 frames = 120 ms earlier) within a millisecond.
        assert click_time_s(clip.audio) == pytest.approx(CLICK_S + 0.4 - shift / FPS, abs=1e-3)


def test_shift_audio_in_place_replaces_the_file_only_when_done(tmp_path):
    """shift_audio(p, p, k) used to read the file while overwriting it (a 50-frame clip came out as 1 frame)."""
    # Noise frames make an H.264 file of a few MB, far more than FFmpeg reads ahead.
    src = write_offset_tracks(tmp_path / "src.mkv", video_start_s=0.0, audio_start_s=0.0, audio_s=2.0,
                              size=(320, 240), noise=True)
    path = sync.shift_audio(src, tmp_path / "clip.mp4", 0)
    before = load_av(path)
    assert sync.shift_audio(path, path, 3) == path
    after = load_av(path)
    assert len(after.frames) == len(before.frames) == 50
    assert probe(path)["duration_s"] == pytest.approx(2.0, abs=0.05)
    assert click_time_s(after.audio) == pytest.approx(click_time_s(before.audio) - 3 / FPS, abs=1e-3)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".shift_")] == []  # no temporary left


def test_shift_audio_failure_leaves_no_partial_file(tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video " * 50)
    out = tmp_path / "out.mp4"
    with pytest.raises(InputError):
        sync.shift_audio(bad, out, 2)
    assert not out.exists()
    assert os.listdir(tmp_path) == ["bad.mp4"]


def write_mpeg1(path, *, n_frames: int = 75, size=(176, 144)):
    """An MPEG-1 program stream like the GRID corpus's: I and P frames, MP2 stereo at 44.1 kHz, interleaved."""
    w, h = size
    rng = np.random.default_rng(0)
    tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(n_frames * 44100 // FPS) / 44100)).astype(np.float32)
    with av.open(str(path), "w", format="mpeg", options={"preload": "0", "max_delay": "0"}) as out:
        vs = out.add_stream("mpeg1video", rate=FPS)
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        vs.codec_context.max_b_frames, vs.codec_context.gop_size = 0, 12
        vs.bit_rate = 1_500_000
        ast = out.add_stream("mp2", rate=44100)
        ast.layout = "stereo"
        done = 0
        for i in range(n_frames):
            img = np.full((h, w, 3), 40 + 2 * i, np.uint8)
            img[h // 3:h // 2, w // 3:w // 2] = rng.integers(0, 255, (h // 2 - h // 3, w // 2 - w // 3, 3), np.uint8)
            vf = av.VideoFrame.from_ndarray(img, format="rgb24")
            vf.pts, vf.time_base = i, Fraction(1, FPS)
            for p in vs.encode(vf):
                out.mux(p)
            while done < min(len(tone), (i + 1) * 44100 // FPS):
                chunk = np.tile(tone[done:done + 1152], (2, 1))
                af = av.AudioFrame.from_ndarray((chunk * 32767).astype(np.int16).T.reshape(1, -1).copy(),
                                                format="s16", layout="stereo")
                af.sample_rate, af.pts, af.time_base = 44100, done, Fraction(1, 44100)
                done += chunk.shape[1]
                for p in ast.encode(af):
                    out.mux(p)
        for stream in (vs, ast):
            for p in stream.encode(None):
                out.mux(p)
    return path


def test_shift_audio_keeps_every_frame_of_an_mpeg1_program_stream(tmp_path):
    """MPEG-1 (I and P frames only): FFmpeg repeats a frame timestamp, which made the MP4 muxer fail."""
    path = write_mpeg1(tmp_path / "grid_like.mpg")
    assert len(load_av(path).frames) == 75
    out = sync.shift_audio(path, tmp_path / "shifted.mp4", 4)
    info = probe(out)
    assert info["video"][0]["codec"] == "h264" and info["audio"][0]["codec"] == "aac"
    assert len(load_av(out).frames) == 75
    assert info["duration_s"] == pytest.approx(3.0, abs=0.06)


@pytest.mark.data
def test_shift_audio_keeps_every_frame_of_a_grid_clip(tmp_path):
    """A real GRID clip: seeking back to the start after decoding the audio skipped the first GOP
    (75 frames came out as 63, 3.00 s as 2.52 s); the picture now gets its own pass over the file."""
    src = data_file("grid_bbaf2n.mpg")
    out = sync.shift_audio(src, tmp_path / "grid_shifted.mp4", -3)
    assert len(load_av(out).frames) == len(load_av(src).frames) == 75
    assert probe(out)["duration_s"] == pytest.approx(3.0, abs=0.06)
    # The audio moved by exactly 3 frames (120 ms later): cross-correlate the decoded tracks.
    a0, a1 = load_av(src).audio, load_av(out).audio
    c = np.correlate(a1[8000:40000], a0[8000:32000], "valid")
    assert int(np.argmax(c)) == 3 * (SR // FPS)


def test_browser_playable_and_the_mp4_copy(tmp_path):
    """MPEG-1 in a program stream does not play in browsers; shift_audio(..., 0) makes an H.264/AAC copy that does."""
    from lib.video import browser_playable

    mpg = write_mpeg1(tmp_path / "a.mpg")
    assert not browser_playable(mpg)
    mp4 = sync.shift_audio(mpg, tmp_path / "a.mp4", 0)
    assert browser_playable(mp4)
    assert not browser_playable(write_offset_tracks(tmp_path / "b.mkv", video_start_s=0, audio_start_s=0))  # FFV1


def test_audio_shift_frames_reads_the_applied_shift(tmp_path):
    """Cross-correlating two soundtracks gives the shift in frames (positive = the new sound comes earlier)."""
    rng = np.random.default_rng(3)
    a = rng.normal(0, 0.1, 3 * SR).astype(np.float32)
    for k in (-7, 0, 4):
        assert sync.audio_shift_frames(a, sync.advance_audio(a, k)) == k
    src = write_offset_tracks(tmp_path / "c.mkv", video_start_s=0.0, audio_start_s=0.0)
    before = load_av(src).audio
    after = load_av(sync.shift_audio(src, tmp_path / "c.mp4", -3)).audio  # through AAC
    assert sync.audio_shift_frames(before, after) == pytest.approx(-3, abs=0.01)
    with pytest.raises(InputError):
        sync.audio_shift_frames(np.zeros(100), a)
