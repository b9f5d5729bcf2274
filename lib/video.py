"""Decoding and encoding talking-face videos with PyAV (FFmpeg's libraries, no shell).

SyncNet works on video at 25 frames per second and audio at 16 kHz (640
audio samples per video frame). :func:`load_av` turns any file FFmpeg reads
(MP4, MOV, MKV, AVI, MPG, WebM, constant or variable frame rate, any size)
into exactly that: RGB frames sampled at 25 fps by their timestamps and mono
float32 audio at 16 kHz that starts at the same instant as the first frame.
:func:`write_av` writes frames + audio as H.264 + AAC in MP4, which every
browser plays.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from lib.errors import InputError, check_int, check_number, check_signal, check_values

#: SyncNet's video rate (frames per second) and audio rate (Hz).
FPS = 25
SR = 16000
#: Frames taller than this are downscaled while decoding (a 4K frame is 25 MB).
MAX_HEIGHT = 360
#: Longest stretch analysed, in seconds (longer files are trimmed, with a notice).
MAX_DURATION_S = 20.0
#: Shortest clip worth analysing: SyncNet needs 5-frame windows and ±15-frame shifts.
MIN_DURATION_S = 1.0


@dataclass
class AVClip:
    """A decoded talking-face clip on SyncNet's clock.

    Attributes
    ----------
    frames : np.ndarray
        uint8 RGB frames ``[T, H, W, 3]`` at :data:`FPS` frames per second.
    audio : np.ndarray
        float32 mono samples at :data:`SR` Hz; sample 0 is the instant of frame 0.
    name : str
        File name, for display.
    source_fps : float
        The file's average frame rate.
    source_size : tuple of int
        The file's (width, height) in pixels.
    variable_frame_rate : bool
        True when the frame timestamps are not evenly spaced.
    notices : list of str
        What decoding changed (resampled frame rate, downscaled, trimmed), in plain words.
    """

    frames: np.ndarray
    audio: np.ndarray
    name: str = "video"
    source_fps: float = float(FPS)
    source_size: tuple[int, int] = (0, 0)
    variable_frame_rate: bool = False
    notices: list[str] = field(default_factory=list)
    fps: int = FPS
    sr: int = SR

    @property
    def duration_s(self) -> float:
        return len(self.frames) / self.fps


def _path(path) -> Path:
    """``path`` as a :class:`~pathlib.Path` (a string or path-like), else :class:`InputError`."""
    if isinstance(path, (bytes, bool)) or not isinstance(path, (str, os.PathLike)) or str(path) == "":
        raise InputError(f"A file path is needed (text or a Path); got {type(path).__name__} {path!r:.40}.")
    return Path(path)


def _open(path):
    import av

    path = _path(path)
    if not path.exists():
        raise InputError(f"No video file at {path}.")
    if path.is_dir():
        raise InputError(f"{path} is a folder, not a video file.")
    if path.stat().st_size == 0:
        raise InputError(f"'{path.name}' is empty (0 bytes).")
    try:
        return av.open(str(path), mode="r")
    except Exception as exc:  # FFmpeg raises several error types for garbage
        raise InputError(
            f"Could not read '{path.name}' as a video (FFmpeg says: {str(exc)[:160]}). "
            "Supported: MP4, MOV, MKV, AVI, MPG and WebM files with a video and an audio track."
        ) from None


def _target_size(width: int, height: int, max_height: int) -> tuple[int, int]:
    """Size after downscaling to at most ``max_height`` rows, even numbers, aspect kept."""
    if height <= max_height:
        return width - width % 2, height - height % 2
    scale = max_height / height
    w = int(round(width * scale / 2)) * 2
    return max(w, 2), max_height - max_height % 2


def probe(path) -> dict:
    """Streams and basic facts of a media file (for messages and tests)."""
    with _open(path) as c:
        out = {"video": [], "audio": [], "duration_s": (c.duration or 0) / 1e6, "format": c.format.name}
        for s in c.streams.video:
            out["video"].append(dict(codec=s.codec_context.name, width=s.codec_context.width,
                                     height=s.codec_context.height,
                                     fps=float(s.average_rate) if s.average_rate else None))
        for s in c.streams.audio:
            out["audio"].append(dict(codec=s.codec_context.name, sr=s.codec_context.sample_rate,
                                     channels=s.codec_context.channels))
    return out


#: (container, video codecs, audio codecs) that browsers play in a <video> element.
BROWSER_PLAYABLE = (
    ("mp4", {"h264"}, {"aac", "mp3"}),
    ("mov", {"h264"}, {"aac", "mp3"}),
    ("webm", {"vp8", "vp9", "av1"}, {"opus", "vorbis"}),
)


def browser_playable(path) -> bool:
    """True when a browser can play the file as it is (H.264 + AAC in MP4, VP8/VP9/AV1 in WebM).

    MPEG-1 program streams (``.mpg``), AVI, MKV and other codecs are not reliably
    played by browsers; :func:`lib.sync.shift_audio` with a shift of 0 makes an MP4
    copy that is.
    """
    info = probe(path)
    if not info["video"]:
        return False
    names = set(info["format"].split(","))
    for container, vcodecs, acodecs in BROWSER_PLAYABLE:
        if container in names and info["video"][0]["codec"] in vcodecs \
                and all(a["codec"] in acodecs for a in info["audio"]):
            return True
    return False


def load_av(path, *, max_height: int = MAX_HEIGHT, max_duration_s: float = MAX_DURATION_S,
            min_duration_s: float = MIN_DURATION_S, name: str | None = None) -> AVClip:
    """Decode a video file into 25 fps RGB frames and 16 kHz mono audio.

    Frames are chosen by timestamp: output frame ``k`` stands for the 40 ms
    from ``t0 + k/25`` s and is the source frame on screen at the *middle* of
    that tick, ``t0 + (k + 1/2)/25`` s, so 30 fps, 29.97 fps and
    variable-frame-rate files all come out on a uniform 25 fps clock without a
    timing bias. (Taking the frame on screen at the tick's start shows, on
    average, a picture half a source frame older than the sound paired with
    it: +0.75 frames measured on synthetic 29.97 fps talking faces; a 25 fps
    file gives the same frames either way.) Frames
    taller than ``max_height`` are downscaled by FFmpeg's scaler as they are
    decoded, so a 4K file never sits in memory at full size. Audio is mixed to
    mono, resampled to 16 kHz and aligned to the first video frame (a stream
    that starts later is padded with silence, an earlier one trimmed).

    Parameters
    ----------
    path : str or os.PathLike
        The file to read.
    max_height : int
        Largest frame height kept, in pixels.
    max_duration_s : float
        Keep at most this many seconds (with a notice).
    min_duration_s : float
        Shorter clips raise :class:`InputError`.
    name : str, optional
        Display name (defaults to the file name).

    Returns
    -------
    AVClip

    Raises
    ------
    InputError
        Unreadable file, no video track, no audio track, silent audio, or a
        clip shorter than ``min_duration_s``.
    """
    import av

    max_height = check_int(max_height, "max_height (rows)", lo=16, hi=4320)
    max_duration_s = check_number(max_duration_s, "The longest clip", lo=0.0, lo_open=True, hi=3600.0, unit="s")
    min_duration_s = check_number(min_duration_s, "The shortest clip", lo=0.0, hi=max_duration_s, unit="s")
    name = name if isinstance(name, str) and name else _path(path).name
    notices: list[str] = []
    with _open(path) as c:
        if not c.streams.video:
            raise InputError(
                f"'{name}' has no video track (is it an audio file?). Lip sync needs a face to watch: "
                "use a video with both picture and sound."
            )
        if not c.streams.audio:
            raise InputError(
                f"'{name}' has no audio track, so there is nothing to synchronise the lips with. "
                "Use a video with both picture and sound."
            )
        vs = c.streams.video[0]
        aus = c.streams.audio[0]
        vs.thread_type = "AUTO"
        src_w, src_h = vs.codec_context.width, vs.codec_context.height
        if not src_w or not src_h:
            raise InputError(f"'{name}': the video track reports no frame size; the file looks damaged.")
        out_w, out_h = _target_size(src_w, src_h, max_height)
        if out_h < src_h - 1:
            notices.append(f"Downscaled from {src_w}×{src_h} to {out_w}×{out_h} pixels while decoding "
                           "(face detection and lip motion do not need more).")
        src_fps = float(vs.average_rate) if vs.average_rate else float("nan")

        # One pass over the packets decodes both tracks (seeking back is unreliable in some containers).
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SR)
        limit = int(np.floor(max_duration_s * FPS + 1e-9))
        times: list[float] = []
        frames: list[np.ndarray] = []
        chunks: list[np.ndarray] = []
        t0 = a_t0 = None
        next_k = 0
        last = None  # (relative time, rgb) of the newest decoded frame
        video_done = False
        damaged = None
        try:
            for packet in c.demux(vs, aus):
                if packet.stream.type == "video":
                    if video_done:
                        continue
                    for frame in packet.decode():
                        t = frame.time
                        if t is None:
                            t = times[-1] + 1 / FPS if times else 0.0
                        if t0 is None:
                            t0 = t
                        times.append(t)
                        rel = t - t0
                        # Ticks whose middle comes before this frame's start show the previous frame.
                        while last is not None and next_k < limit and (next_k + 0.5) / FPS < rel - 1e-4:
                            frames.append(last[1])
                            next_k += 1
                        if next_k >= limit:
                            video_done = True
                            break
                        rgb = frame.reformat(width=out_w, height=out_h, format="rgb24").to_ndarray()
                        last = (rel, rgb)
                        if abs(rel - (next_k + 0.5) / FPS) <= 1e-4:
                            frames.append(rgb)
                            next_k += 1
                else:
                    for frame in packet.decode():
                        if a_t0 is None:
                            a_t0 = frame.time if frame.time is not None else 0.0
                        for out in resampler.resample(frame):
                            chunks.append(out.to_ndarray().reshape(-1))
                    if a_t0 is not None and t0 is not None and sum(map(len, chunks)) > (limit / FPS + 1) * SR \
                            and video_done:
                        break
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
        except av.error.FFmpegError as exc:
            damaged = str(exc)[:160]
        if not frames and last is None:
            if damaged:
                raise InputError(f"Could not decode '{name}': {damaged}") from None
            raise InputError(f"'{name}': the video track holds no decodable frames.")
        if damaged:
            notices.append(f"The file is damaged after {max(len(frames), 1) / FPS:.1f} s; the rest is ignored.")
        # The last frame stays on screen for one source frame period.
        if last is not None and not video_done:
            # (the typical gap: the last frame's own length is unknown, and muxers nudge repeated
            # timestamps apart by a few microseconds, so the shortest gap can be next to nothing)
            gaps = np.diff(times)
            gaps = gaps[gaps > 0]
            period = float(np.median(gaps)) if gaps.size else 1 / FPS
            end = last[0] + max(period, 1e-3)
            while next_k < limit and (next_k + 0.5) / FPS < end - 1e-4:
                frames.append(last[1])
                next_k += 1
        vfr = False
        if len(times) >= 3:
            d = np.diff(np.sort(np.asarray(times)))
            d = d[d > 0]
            if d.size and (d.max() - d.min()) > 0.25 * np.median(d):
                vfr = True
        if vfr:
            notices.append("Variable frame rate: frames were resampled to 25 fps by their timestamps.")
        elif src_fps == src_fps and abs(src_fps - FPS) > 0.01:
            notices.append(f"Resampled the picture from {src_fps:.3g} fps to {FPS} fps by timestamps "
                           "(SyncNet's clock).")
        video = np.stack(frames)
        if video_done and c.duration and c.duration / 1e6 > max_duration_s + 0.1:
            notices.append(f"Analysing the first {max_duration_s:g} s of {c.duration / 1e6:.1f} s.")
    audio = np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)
    lead = int(round(((a_t0 or 0.0) - (t0 or 0.0)) * SR))
    if lead > 0:
        audio = np.concatenate([np.zeros(lead, np.float32), audio])
    elif lead < 0:
        audio = audio[-lead:]
    n_needed = len(video) * (SR // FPS)
    if len(audio) < n_needed:
        audio = np.concatenate([audio, np.zeros(n_needed - len(audio), np.float32)])
    audio = audio[:n_needed]
    duration_s = len(video) / FPS
    if duration_s < min_duration_s:
        raise InputError(
            f"'{name}' is only {duration_s:.2f} s long; at least {min_duration_s:g} s is needed "
            f"(the offset search compares ±15 frames = ±0.6 s of shifts)."
        )
    if not np.all(np.isfinite(audio)):
        raise InputError(f"The audio of '{name}' contains NaN or infinite samples.")
    if np.max(np.abs(audio)) < 1e-5:
        raise InputError(f"The audio track of '{name}' is silent, so there is no speech to line up with the lips.")
    return AVClip(frames=video, audio=audio, name=name, source_fps=src_fps, source_size=(src_w, src_h),
                  variable_frame_rate=vfr, notices=notices)


def write_av(path, frames: np.ndarray, audio: np.ndarray | None, *, fps: float = FPS, sr: int = SR,
             crf: int = 23, audio_bitrate: int = 64000, frame_times_s: np.ndarray | None = None,
             preset: str = "veryfast") -> Path:
    """Write RGB frames and mono audio as H.264 (yuv420p) + AAC in an MP4 file.

    Parameters
    ----------
    path : str or os.PathLike
        Output file (``.mp4``; ``.mkv``/``.mov`` also work).
    frames : np.ndarray or iterable of np.ndarray
        uint8 ``[T, H, W, 3]`` RGB (or frames one at a time, to write large videos without
        holding them all); odd sizes are cropped to even (yuv420p needs it).
    audio : np.ndarray or None
        float32 mono samples at ``sr`` Hz; ``None`` writes a video without sound.
    fps : float
        Frame rate of a constant-rate file.
    frame_times_s : np.ndarray, optional
        Presentation time of each frame in seconds, to write a variable-frame-rate file.
    preset : str
        libx264 speed preset ("ultrafast" ... "veryslow").
    """
    import av

    it = iter(frames)
    try:
        first = np.asarray(next(it))
    except StopIteration:
        raise InputError("No frames to write.") from None
    if first.ndim != 3 or first.shape[-1] != 3:
        raise InputError(f"Each frame must be [H, W, 3] RGB; got shape {first.shape}.")
    h, w = first.shape[0] - first.shape[0] % 2, first.shape[1] - first.shape[1] % 2
    if h < 2 or w < 2 or first.dtype != np.uint8:
        raise InputError(f"Frames must be uint8 RGB of at least 2x2 pixels; got {first.dtype} {first.shape}.")
    path = _path(path)
    if path.is_dir() or not path.parent.is_dir():
        raise InputError(f"Cannot write {path}: it is a folder or its folder does not exist.")
    if path.suffix.lower() not in (".mp4", ".mkv", ".mov"):
        raise InputError(f"Write videos as .mp4, .mkv or .mov; got '{path.name}'.")
    fps = check_number(fps, "The frame rate", lo=0.0, lo_open=True, hi=1000.0, unit="fps")
    sr = check_int(sr, "The sampling rate", lo=8000, hi=96000)
    crf = check_int(crf, "crf", lo=0, hi=51)
    audio_bitrate = check_int(audio_bitrate, "The audio bitrate", lo=8000, hi=512000)
    if preset not in X264_PRESETS:
        raise InputError(f"preset must be one of {', '.join(X264_PRESETS)}; got {preset!r:.40}.")
    if audio is not None:
        audio = check_signal(audio, "The audio", dtype=np.float32)
    if frame_times_s is not None:
        frame_times_s = check_values(frame_times_s, "The frame times", lo=0.0, hi=1e6, ndim=1, min_len=1)
    rate = Fraction(fps).limit_denominator(1001)
    with av.open(str(path), mode="w") as out:
        vs = out.add_stream("libx264", rate=rate)
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        vs.options = {"crf": str(crf), "preset": preset}
        if frame_times_s is not None:
            vs.codec_context.time_base = Fraction(1, 1000)
        ast = None
        if audio is not None:
            ast = out.add_stream("aac", rate=int(sr))
            ast.layout = "mono"
            ast.bit_rate = int(audio_bitrate)
        for i, img in enumerate(itertools.chain([first], it)):
            vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(np.asarray(img)[:h, :w]), format="rgb24")
            if frame_times_s is not None:
                if i >= len(frame_times_s):
                    raise InputError(f"frame_times_s has {len(frame_times_s)} times for more frames than that.")
                vf.pts = int(round(frame_times_s[i] * 1000))
                vf.time_base = Fraction(1, 1000)
            for pkt in vs.encode(vf):
                out.mux(pkt)
        for pkt in vs.encode(None):
            out.mux(pkt)
        if ast is not None:
            _encode_audio(out, ast, np.asarray(audio, np.float32), int(sr))
    return path


#: libx264 speed presets accepted by :func:`write_av`.
X264_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow")


def _encode_audio(out, stream, audio: np.ndarray, sr: int, block: int = 1024) -> None:
    """Encode mono float32 samples into ``stream`` (AAC wants 1024-sample frames)."""
    import av

    audio = np.clip(audio, -1.0, 1.0).astype(np.float32)
    pts = 0
    for start in range(0, len(audio), block):
        chunk = audio[start:start + block]
        af = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="fltp", layout="mono")
        af.sample_rate = sr
        af.pts = pts
        af.time_base = Fraction(1, sr)
        pts += len(chunk)
        for pkt in stream.encode(af):
            out.mux(pkt)
    for pkt in stream.encode(None):
        out.mux(pkt)


def file_size_mb(path) -> float:
    path = _path(path)
    if not path.is_file():
        raise InputError(f"No file at {path}.")
    return path.stat().st_size / 1e6
