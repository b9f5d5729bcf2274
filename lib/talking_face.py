"""A drawn talking face with a known audio offset: ground truth for the lip-sync estimators.

:func:`draw_face` draws a frontal cartoon face with OpenCV that the Haar
face detector finds; :func:`talking_face` makes it "say" a recording with
the audio moved by a known number of frames. This lives apart from
:mod:`lib.video` (decoding and encoding) so that reading a video never needs
speech features, and :mod:`lib.video` imports no topic module.
"""

from __future__ import annotations

import numpy as np

from lib.sync import speech_band_energy
from lib.video import FPS, SR


def draw_face(openness: float, *, width: int = 160, height: int = 120, head_dx: float = 0.0,
              blink: bool = False) -> np.ndarray:
    """Draw a frontal cartoon face (OpenCV drawing) whose mouth is open by ``openness`` in [0, 1].

    The face is shaded like a photograph as far as the Haar cascade cares
    (dark brows and eyes over bright cheeks, a bright nose bridge, a dark
    mouth), so OpenCV's frontal-face detector finds it.

    Returns
    -------
    np.ndarray
        uint8 RGB ``[height, width, 3]``.
    """
    import cv2

    s = height / 120.0
    img = np.empty((height, width, 3), np.uint8)
    img[:] = (70, 110, 150)  # blue-grey backdrop
    cx, cy = width / 2 + head_dx * s, height / 2 + 2 * s

    # Coordinates in 1/16 pixel (OpenCV's ``shift=4``) so a mouth opening by a
    # fraction of a pixel still changes the picture smoothly.
    def P(x, y):
        return int(round((cx + x * s) * 16)), int(round((cy + y * s) * 16))

    def S(a, b):
        return max(16, int(round(a * s * 16))), max(16, int(round(b * s * 16)))

    skin, shadow = (225, 180, 150), (190, 140, 115)
    cv2.ellipse(img, P(0, 0), S(34, 44), 0, 0, 360, (60, 40, 30), -1, cv2.LINE_AA, 4)      # hair/back of head
    cv2.ellipse(img, P(0, 6), S(30, 40), 0, 0, 360, shadow, -1, cv2.LINE_AA, 4)            # jaw shadow
    cv2.ellipse(img, P(0, 4), S(28, 38), 0, 0, 360, skin, -1, cv2.LINE_AA, 4)              # face
    cv2.ellipse(img, P(0, -30), S(30, 14), 0, 180, 360, (60, 40, 30), -1, cv2.LINE_AA, 4)  # fringe
    for side in (-1, 1):
        cv2.line(img, P(side * 6, -15), P(side * 20, -16), (50, 35, 25), max(1, int(round(3 * s))), cv2.LINE_AA, 4)
        cv2.ellipse(img, P(side * 12, -8), S(7, 4), 0, 0, 360, (150, 110, 95), -1, cv2.LINE_AA, 4)  # eye socket
        if blink:
            cv2.line(img, P(side * 7, -8), P(side * 17, -8), (40, 30, 25), max(1, int(round(1.5 * s))), cv2.LINE_AA, 4)
        else:
            cv2.ellipse(img, P(side * 12, -8), S(5, 2.6), 0, 0, 360, (235, 235, 230), -1, cv2.LINE_AA, 4)
            cv2.circle(img, P(side * 12, -8), int(round(2.2 * s * 16)), (30, 25, 20), -1, cv2.LINE_AA, 4)
    cv2.line(img, P(0, -6), P(-2, 8), (205, 160, 130), max(1, int(round(2 * s))), cv2.LINE_AA, 4)  # nose ridge
    cv2.ellipse(img, P(0, 9), S(5, 2.5), 0, 0, 360, (185, 135, 110), -1, cv2.LINE_AA, 4)           # nostrils
    o = float(np.clip(openness, 0.0, 1.0))
    mouth_h = 1.2 + 7.0 * o
    cv2.ellipse(img, P(0, 21), S(11 + 1.5 * o, mouth_h + 2), 0, 0, 360, (170, 70, 75), -1, cv2.LINE_AA, 4)  # lips
    cv2.ellipse(img, P(0, 21), S(9, mouth_h), 0, 0, 360, (45, 15, 20), -1, cv2.LINE_AA, 4)                   # opening
    if o > 0.25:
        cv2.rectangle(img, P(-6, 21 - mouth_h + 0.2), P(6, 21 - mouth_h + 2.2), (240, 240, 235), -1, cv2.LINE_AA, 4)      # teeth
    return img


def mouth_openness(audio: np.ndarray, n_frames: int, *, sr: int = SR, fps: int = FPS) -> np.ndarray:
    """How open a drawn mouth should be on each video frame: the speech-band energy, scaled to [0, 1]."""
    e = speech_band_energy(audio, n_frames, sr=sr, fps=fps, dynamic_range_db=30.0)
    lo, hi = np.min(e), np.percentile(e, 98)
    return np.clip((e - lo) / (hi - lo + 1e-12), 0.0, 1.0)


def talking_face(audio_16k: np.ndarray, offset_frames: int, *, width: int = 160, height: int = 120,
                 head_motion: bool = True, sway_px: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    """A drawn talking head whose mouth follows ``audio_16k``, with the audio shifted by a known offset.

    The mouth of frame ``t`` opens with the speech energy of audio frame
    ``t`` (the head sways sideways by ``sway_px`` pixels at 120 rows, at 0.3 Hz,
    and blinks twice); then the audio is moved ``offset_frames`` frames *earlier*
    (``audio_out[n] = audio[n + 640 * offset_frames]``, silence filling the
    gap), so the audio leads the picture by ``offset_frames`` frames -- the
    value SyncNet's convention reports.

    Returns
    -------
    frames : np.ndarray
        uint8 RGB ``[T, height, width, 3]`` at 25 fps.
    audio : np.ndarray
        float32 16 kHz mono of ``T * 640`` samples.
    """
    spf = SR // FPS
    audio_16k = np.asarray(audio_16k, np.float32)
    T = len(audio_16k) // spf
    audio_16k = audio_16k[:T * spf]
    openness = mouth_openness(audio_16k, T)
    t = np.arange(T) / FPS
    dx = sway_px * np.sin(2 * np.pi * 0.3 * t) if head_motion else np.zeros(T)
    blinks = set(range(int(1.3 * FPS), int(1.3 * FPS) + 3)) | set(range(int(3.7 * FPS), int(3.7 * FPS) + 3))
    frames = np.stack([draw_face(openness[i], width=width, height=height, head_dx=dx[i], blink=i in blinks)
                       for i in range(T)])
    n = int(offset_frames) * spf
    if n > 0:
        audio = np.concatenate([audio_16k[n:], np.zeros(n, np.float32)])
    elif n < 0:
        audio = np.concatenate([np.zeros(-n, np.float32), audio_16k[:n]])
    else:
        audio = audio_16k.copy()
    return frames, audio
