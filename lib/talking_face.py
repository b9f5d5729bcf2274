"""A drawn talking face with a known audio offset: ground truth for the lip-sync estimators.

:func:`draw_face` draws a frontal cartoon face with OpenCV that the Haar
face detector finds; :func:`talking_face` makes it "say" a sentence with the
audio moved by a known number of frames.

The mouth is driven by **articulation**, not by the sound: espeak-ng reports
when it speaks each phoneme (``samples/*.phonemes.tsv``, made by
``samples/make_talker_speech.py``), each phoneme has a mouth-opening target
(lips shut for /p b m/, wide for /a/, narrow for /i u/, resting in pauses),
and the targets are smoothed the way jaw and lips move, with inertia
(:func:`articulation`). A face driven by the speech-band energy instead would
be built from the very feature the weight-free estimator measures, and every
synthetic sync test on it would be partly circular. Here the two are related
only the way real speech relates them: open vowels are loud, closures are
quiet -- and the lips close for /m/ while the voice goes on.

This lives apart from :mod:`lib.video` (decoding and encoding) so that reading
a video never needs speech features, and :mod:`lib.video` imports no topic module.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lib.errors import InputError
from lib.video import FPS, SR

ROOT = Path(__file__).resolve().parents[1]
#: The built-in sentences with phoneme timing: name -> (audio file, timing file).
UTTERANCES = {
    "speech_fricatives": (ROOT / "samples" / "speech_fricatives.flac",
                          ROOT / "samples" / "speech_fricatives.phonemes.tsv"),
    **{p.name.removesuffix(".phonemes.tsv"): (p.with_name(p.name.removesuffix(".phonemes.tsv") + ".flac"), p)
       for p in sorted((ROOT / "samples" / "talkers").glob("*.phonemes.tsv"))},
}

# Mouth opening targets (0 = lips shut, 1 = wide open) for espeak-ng's English phoneme names.
# Jaw/lip aperture by phoneme class, after the usual viseme groupings (e.g. Fisher 1968; the
# MPEG-4 facial animation visemes): bilabials closed, labiodentals nearly closed, open
# vowels widest, close and rounded vowels narrow. Diphthongs glide from one target to another.
_CLOSED = {"p": 0.0, "b": 0.0, "m": 0.0}
_CONSONANTS = {
    "f": 0.12, "v": 0.12, "w": 0.15, "s": 0.2, "z": 0.2, "S": 0.2, "Z": 0.2, "tS": 0.2, "dZ": 0.2,
    "t": 0.22, "d": 0.22, "n": 0.22, "l": 0.3, "T": 0.3, "D": 0.3, "r": 0.3, "j": 0.3,
    "k": 0.35, "g": 0.35, "N": 0.35, "h": 0.4, "?": 0.2,
}
_VOWEL_START = {"a": 1.0, "A": 0.95, "V": 0.8, "0": 0.8, "O": 0.75, "o": 0.7, "E": 0.65, "e": 0.6, "3": 0.55,
                "@": 0.45, "I": 0.4, "i": 0.35, "U": 0.3, "u": 0.25}
_REDUCED = {"a#": 0.45, "@L": 0.45, "@2": 0.45, "@5": 0.4, "I2": 0.4, "I#": 0.4}
_GLIDE_TO = {"I": 0.38, "U": 0.28, "@": 0.45}


@dataclass(frozen=True)
class Phoneme:
    """One phoneme as espeak-ng spoke it: ``start_s``, ``end_s`` (seconds) and its name."""

    start_s: float
    end_s: float
    name: str


def read_phonemes(path) -> list[Phoneme]:
    """Read a ``.phonemes.tsv`` file (start_s, end_s, name per line; ``#`` lines are comments)."""
    out = []
    for line in Path(path).read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        t0, t1, name = line.split("\t")
        out.append(Phoneme(float(t0), float(t1), name))
    return out


def write_phonemes(path, phonemes, *, header: str = "") -> Path:
    """Write phonemes (``Phoneme`` or ``(start_s, end_s, name)``) as a ``.phonemes.tsv`` file."""
    lines = [f"# {header}"] if header else []
    lines.append("# start_s\tend_s\tphoneme")
    lines += [f"{float(p[0]):.5f}\t{float(p[1]):.5f}\t{p[2]}" for p in (tuple(q) if not isinstance(q, Phoneme)
              else (q.start_s, q.end_s, q.name) for q in phonemes)]
    path = Path(path)
    path.write_text("\n".join(lines) + "\n")
    return path


def load_utterance(name: str = "speech_fricatives") -> tuple[np.ndarray, list[Phoneme]]:
    """A built-in sentence at 16 kHz and its phoneme timing (see :data:`UTTERANCES`)."""
    from lib.audio import load_audio

    if name not in UTTERANCES:
        raise InputError(f"No built-in sentence '{name}'; choose one of {', '.join(UTTERANCES)}.")
    audio_path, timing_path = UTTERANCES[name]
    return load_audio(audio_path, sr=SR, name=name).samples, read_phonemes(timing_path)


def viseme_targets(name: str) -> tuple[float, float]:
    """Mouth opening at the start and at the end of phoneme ``name`` (espeak-ng's English names).

    Pauses (``_``, ``_:``, ...) rest the mouth at 0; /p b m/ shut it; vowels open it by
    height (open /a/ 1.0 ... close /u/ 0.25); a diphthong such as ``aI`` glides from its
    first vowel's target to its second's.
    """
    if not name or name.startswith("_") or name.startswith("|"):
        return 0.0, 0.0
    if name in _CLOSED:
        return 0.0, 0.0
    if name in _CONSONANTS:
        v = _CONSONANTS[name]
        return v, v
    if name in _REDUCED:
        v = _REDUCED[name]
        return v, v
    start = _VOWEL_START.get(name[0])
    if start is None:
        return 0.3, 0.3  # an unlisted consonant: a neutral, slightly open mouth
    end = start
    for ch in name[1:]:
        if ch in _GLIDE_TO:
            end = _GLIDE_TO[ch]
    return start, end


def articulation(phonemes, n_frames: int, *, fps: int = FPS, smooth_ms: float = 30.0,
                 rate_hz: int = 1000) -> np.ndarray:
    """Mouth opening per video frame, in [0, 1], from phoneme timing alone (never from the sound).

    Each phoneme holds its :func:`viseme_targets` (gliding linearly for diphthongs) on a
    1 ms grid; a Gaussian of ``smooth_ms`` standard deviation stands in for the inertia of
    jaw and lips (and blends neighbouring phonemes, i.e. coarticulation). The kernel is
    symmetric, so it moves no event in time: offset 0 *is* the timing espeak-ng reported.
    Frame ``k`` shows the mean opening over its exposure ``[k, k + 1) / fps``, the same
    instants the audio of frame ``k`` covers.

    Parameters
    ----------
    phonemes : sequence of Phoneme or (start_s, end_s, name)
        As :func:`read_phonemes` returns them; anything after the last frame is ignored.
    n_frames : int
        Frames to describe.

    Returns
    -------
    np.ndarray
        float64 ``[n_frames]``.
    """
    n_frames = int(n_frames)
    if n_frames < 1:
        raise InputError(f"n_frames must be at least 1; got {n_frames}.")
    step = rate_hz // fps
    track = np.zeros(n_frames * step)
    for p in phonemes:
        t0, t1, name = (p.start_s, p.end_s, p.name) if isinstance(p, Phoneme) else p
        i0, i1 = int(round(t0 * rate_hz)), int(round(t1 * rate_hz))
        i0, i1 = max(i0, 0), min(i1, len(track))
        if i1 <= i0:
            continue
        a, b = viseme_targets(name)
        track[i0:i1] = np.linspace(a, b, i1 - i0) if a != b else a
    if smooth_ms > 0:
        from scipy.ndimage import gaussian_filter1d

        track = gaussian_filter1d(track, smooth_ms * rate_hz / 1000.0, mode="nearest")
    return np.clip(track.reshape(n_frames, step).mean(axis=1), 0.0, 1.0)


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


def talking_face(audio_16k: np.ndarray, offset_frames: int, *, phonemes=None, openness: np.ndarray | None = None,
                 width: int = 160, height: int = 120, head_motion: bool = True,
                 sway_px: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    """A drawn talking head saying ``audio_16k``, with the audio shifted by a known offset.

    The mouth of frame ``t`` opens as the phoneme timing says it should at that
    instant (:func:`articulation`; or ``openness[t]`` if given); the head sways
    sideways by ``sway_px`` pixels at 120 rows, at 0.3 Hz, and blinks twice. Then
    the audio is moved ``offset_frames`` frames *earlier*
    (``audio_out[n] = audio[n + 640 * offset_frames]``, silence filling the
    gap), so the audio leads the picture by ``offset_frames`` frames -- the
    value SyncNet's convention reports.

    Parameters
    ----------
    audio_16k : np.ndarray
        The sentence at 16 kHz (e.g. from :func:`load_utterance`, or the start of it).
    offset_frames : int
        How many frames the audio is to lead by.
    phonemes : sequence of Phoneme, optional
        The sentence's timing (from :func:`load_utterance` / :func:`read_phonemes`).
    openness : np.ndarray, optional
        Mouth opening per frame in [0, 1], instead of ``phonemes``.

    Returns
    -------
    frames : np.ndarray
        uint8 RGB ``[T, height, width, 3]`` at 25 fps.
    audio : np.ndarray
        float32 16 kHz mono of ``T * 640`` samples.

    Raises
    ------
    InputError
        Neither ``phonemes`` nor ``openness`` given (the mouth is never derived from the sound).
    """
    spf = SR // FPS
    audio_16k = np.asarray(audio_16k, np.float32)
    T = len(audio_16k) // spf
    audio_16k = audio_16k[:T * spf]
    if openness is not None:
        openness = np.asarray(openness, float)
        if openness.shape != (T,):
            raise InputError(f"openness needs one value per frame ({T}); got shape {openness.shape}.")
    elif phonemes is not None:
        openness = articulation(phonemes, T)
    else:
        raise InputError("Say how the mouth moves: pass phonemes= (from load_utterance) or openness= "
                         "(one value per frame). It is never derived from the sound itself.")
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
