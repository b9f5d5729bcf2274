"""Synthetic talking faces with a known offset whose *audio is made from the mouth*, not the other way round.

Ground truth for the lip-sync estimators that cannot be circular: a random
syllable sequence sets how open the mouth is over time; the picture draws
that opening (:func:`lib.talking_face.draw_face`), and the sound is
synthesised from it -- a voiced source (a few dozen harmonics of a drifting
pitch) whose loudness and first formant follow the opening, short noise
bursts where a consonant releases, and background noise. None of the
estimators' own features (speech-band energy, log-mel, mouth motion) is used
to build the clip. Shared by tests/lib/test_sync.py and bench/bench_sync.py.
"""

from __future__ import annotations

import numpy as np

from lib.sync import advance_audio
from lib.talking_face import draw_face
from lib.video import FPS, SR

SPF = SR // FPS


def syllable_opening(duration_s: float, rng: np.random.Generator, *, rate_hz: float = 4.0,
                     pause_prob: float = 0.15, rate: int = SR) -> tuple[np.ndarray, np.ndarray]:
    """Mouth opening in [0, 1] sampled at ``rate`` Hz, and the syllable onset times (s).

    Syllables start at random intervals (mean ``1 / rate_hz``, at least 0.14 s),
    with an occasional pause of 0.3-0.7 s; each is a raised-cosine opening of
    0.12-0.3 s and amplitude 0.45-1. Nothing happens in the first and last 0.3 s.
    """
    n = int(round(duration_s * rate))
    t = np.arange(n) / rate
    opening = np.zeros(n)
    onsets = []
    start = 0.3 + rng.uniform(0.0, 0.2)
    while True:
        dur = rng.uniform(0.12, 0.3)
        if start + dur > duration_s - 0.3:
            break
        onsets.append(start)
        seg = (t >= start) & (t < start + dur)
        bump = rng.uniform(0.45, 1.0) * 0.5 * (1 - np.cos(2 * np.pi * (t[seg] - start) / dur))
        opening[seg] = np.maximum(opening[seg], bump)
        start += max(0.14, rng.exponential(1 / rate_hz)) + dur * 0.5
        if rng.uniform() < pause_prob:
            start += rng.uniform(0.3, 0.7)
    return opening, np.asarray(onsets)


def voice_from_opening(opening: np.ndarray, onsets: np.ndarray, rng: np.random.Generator, *,
                       snr_db: float = 30.0) -> np.ndarray:
    """Audio at 16 kHz synthesised from a mouth-opening track at 16 kHz (see the module docstring)."""
    n = len(opening)
    t = np.arange(n) / SR
    f0 = rng.uniform(100, 200) * (1 + 0.08 * np.sin(2 * np.pi * rng.uniform(0.2, 0.6) * t + rng.uniform(0, 6)))
    phase = 2 * np.pi * np.cumsum(f0) / SR
    f1 = 300 + 550 * opening  # an open jaw raises the first formant
    voiced = np.zeros(n)
    for h in range(1, 40):
        fh = h * f0
        gain = (1.0 / h) * (1 + 4.0 * np.exp(-0.5 * ((fh - f1) / 150) ** 2)
                            + 2.0 * np.exp(-0.5 * ((fh - 1500) / 300) ** 2)) * (fh < 7000)
        voiced += gain * np.sin(h * phase)
    voiced *= opening ** 1.5
    bursts = np.zeros(n)
    for t0 in onsets:
        i0 = int(t0 * SR)
        m = min(int(0.03 * SR), n - i0)
        if m > 0 and rng.uniform() < 0.6:
            bursts[i0:i0 + m] = rng.normal(0, 0.4, m) * np.hanning(m)
    bursts = np.diff(bursts, prepend=0.0)  # a crude high-pass: bursts are hissy
    y = voiced / (np.max(np.abs(voiced)) + 1e-12) * 0.3 + bursts * 0.3
    rms = np.sqrt(np.mean(y[opening > 0.1] ** 2)) if np.any(opening > 0.1) else 0.05
    y = y + rng.normal(0, rms * 10 ** (-snr_db / 20), n)
    return y.astype(np.float32)


def face_frames(opening_video: np.ndarray, rng: np.random.Generator, *, width: int = 160, height: int = 120,
                sway_px: float = 2.0, noise_grey: float = 0.0) -> np.ndarray:
    """Draw the face for a per-frame opening track, with sideways head sway, two blinks and pixel noise."""
    T = len(opening_video)
    tt = np.arange(T) / FPS
    dx = sway_px * np.sin(2 * np.pi * rng.uniform(0.15, 0.4) * tt + rng.uniform(0, 6))
    blinks = {int(x) + d for x in rng.uniform(0, T - 3, 2) for d in range(3)}
    frames = np.stack([draw_face(float(opening_video[i]), width=width, height=height, head_dx=float(dx[i]),
                                 blink=i in blinks) for i in range(T)])
    if noise_grey > 0:
        frames = np.clip(frames + rng.normal(0, noise_grey, frames.shape), 0, 255).astype(np.uint8)
    return frames


def per_frame(track: np.ndarray) -> np.ndarray:
    """A 16 kHz track sampled in the middle of the 40 ms each 25 fps frame is on screen.

    The estimators pair frame ``k`` with the audio around the middle of its
    display interval, ``(k + 1/2) / 25`` s; drawing the mouth as it is at that
    instant makes 0 the true offset.
    """
    return track[SPF // 2::SPF][: len(track) // SPF]


def talking_clip(offset_frames: int, *, duration_s: float = 5.0, seed: int = 0, snr_db: float = 30.0,
                 sway_px: float = 2.0, noise_grey: float = 0.0, width: int = 160,
                 height: int = 120) -> tuple[np.ndarray, np.ndarray]:
    """A synthetic talking face whose audio leads the picture by ``offset_frames`` (SyncNet's sign).

    Returns ``(frames uint8 [T, H, W, 3], audio float32 [T * 640])``.
    """
    rng = np.random.default_rng(seed)
    opening, onsets = syllable_opening(duration_s, rng)
    audio = voice_from_opening(opening, onsets, rng, snr_db=snr_db)
    frames = face_frames(per_frame(opening), rng, width=width, height=height, sway_px=sway_px,
                         noise_grey=noise_grey)
    return frames, advance_audio(audio[: len(frames) * SPF], offset_frames)


def talking_clip_at_rate(src_fps: float, *, duration_s: float = 5.0, seed: int = 0, snr_db: float = 30.0,
                         sway_px: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """A synthetic talking face rendered at ``src_fps`` (e.g. 29.97), in sync, for writing to a file.

    Source frame ``j`` draws the mouth as it is in the middle of its display
    interval, ``(j + 1/2) / src_fps`` s, so a loader that resamples to 25 fps
    without a timing bias reads offset 0. Returns ``(frames at src_fps, audio at 16 kHz)``.
    """
    rng = np.random.default_rng(seed)
    opening, onsets = syllable_opening(duration_s, rng)
    audio = voice_from_opening(opening, onsets, rng, snr_db=snr_db)
    n = int(duration_s * src_fps)
    frames = face_frames(opening[((np.arange(n) + 0.5) / src_fps * SR).astype(int)], rng, sway_px=sway_px)
    return frames, audio[: int(n / src_fps * SR)]


def interview_clip(offset_frames: int, *, duration_s: float = 12.0, turn_s: float = 3.0, seed: int = 0,
                   other_gain: float = 0.8, width: int = 320, height: int = 240) -> tuple[np.ndarray, np.ndarray]:
    """An interview: the face on screen and an off-screen voice take turns of ``turn_s`` seconds.

    Half of the speech has no mouth on screen to match, as in an interview
    filmed on the guest. The audio leads the picture by ``offset_frames``.
    """
    rng = np.random.default_rng(seed)
    face, face_on = syllable_opening(duration_s, rng)
    other, other_on = syllable_opening(duration_s, rng)
    t = np.arange(len(face)) / SR
    mine = (t // turn_s) % 2 == 0
    face, other = face * mine, other * ~mine
    y = voice_from_opening(face, face_on[(face_on // turn_s) % 2 == 0], rng) \
        + other_gain * voice_from_opening(other, other_on[(other_on // turn_s) % 2 == 1], rng)
    frames = face_frames(per_frame(face), rng, width=width, height=height, sway_px=4.0)
    return frames, advance_audio(y[: len(frames) * SPF].astype(np.float32), offset_frames)


def unrelated_clip(*, duration_s: float = 5.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A face saying one random syllable sequence while the audio says an independent one."""
    rng = np.random.default_rng(seed)
    opening, _ = syllable_opening(duration_s, rng)
    other, onsets = syllable_opening(duration_s, np.random.default_rng(seed + 10_000))
    frames = face_frames(per_frame(opening), rng)
    return frames, voice_from_opening(other, onsets, rng)[: len(frames) * SPF]


def silent_clip(*, duration_s: float = 4.0, seed: int = 0, noise_level: float = 0.003) -> tuple[np.ndarray, np.ndarray]:
    """No speech: a face with the mouth closed (head sway, blinks) over steady room noise."""
    rng = np.random.default_rng(seed)
    T = int(duration_s * FPS)
    frames = face_frames(np.zeros(T), rng)
    return frames, rng.normal(0, noise_level, T * SPF).astype(np.float32)


def music(duration_s: float, rng: np.random.Generator) -> np.ndarray:
    """A synthetic tune: plucked harmonic notes at about 3 per second over a kick drum on every beat."""
    n = int(duration_s * SR)
    t = np.arange(n) / SR
    y = np.zeros(n)
    start = 0.0
    while start < duration_s:
        f = 220 * 2 ** (rng.integers(0, 12) / 12)
        i0 = int(start * SR)
        m = n - i0
        tt = t[:m]
        note = sum(np.sin(2 * np.pi * h * f * tt) / h for h in range(1, 6)) * np.exp(-tt / 0.25)
        y[i0:] += 0.2 * note
        start += rng.choice([0.25, 0.5])
    for beat in np.arange(0, duration_s, 0.5):
        i0 = int(beat * SR)
        tt = t[: min(int(0.15 * SR), n - i0)]
        y[i0:i0 + len(tt)] += 0.5 * np.sin(2 * np.pi * 60 * tt * (1 + 2 * np.exp(-tt / 0.02))) * np.exp(-tt / 0.05)
    return (y / np.max(np.abs(y)) * 0.5).astype(np.float32)


def music_clip(*, duration_s: float = 4.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Music with a still face (mouth closed; the head sways and blinks)."""
    rng = np.random.default_rng(seed)
    T = int(duration_s * FPS)
    return face_frames(np.zeros(T), rng), music(T / FPS, rng)
