"""Audio-visual synchronisation: how many frames the sound is ahead of the lips.

Two estimators share one interface and one sign convention (SyncNet's):
``offset_frames > 0`` means **the audio leads the video** (you hear a syllable
before the lips make it); at 25 fps one frame is 40 ms.

* ``method="energy"`` (weight-free, always available): a Haar-cascade face
  detector (shipped with opencv-python-headless 4.x) finds the face on a few
  sampled frames, a smoothed track gives a mouth box (the lower third of the
  face) on every frame, and the mouth's motion energy (mean absolute frame
  difference of a normalised mouth patch) is correlated
  with the log energy of the audio's speech band (300-3000 Hz) at every lag
  of -15...+15 frames. The score curve is ``1 - correlation`` so that, as for
  SyncNet, lower is better: offset = lag of the minimum, confidence = median
  minus minimum.
* ``method="syncnet"``: face crops and audio go through SyncNet
  (:mod:`lib.syncnet`), whose mean embedding distance per shift is scored with
  the reference arithmetic (offset = vshift - argmin, confidence = median - min).

:func:`shift_audio` re-muxes a file with its audio moved by whole frames, so an
offset can be fixed and heard.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from lib.errors import InputError
from lib.video import FPS, SR, AVClip, load_av

#: Audio samples per video frame at SyncNet's rates (16000 / 25).
SAMPLES_PER_FRAME = SR // FPS
#: SyncNet's default search range (frames each way).
MAX_OFFSET = 15
#: The speech band whose energy follows the mouth (Hz).
SPEECH_BAND_HZ = (300.0, 3000.0)
#: ITU-R BT.1359 detectability thresholds (approximate): audio early by 45 ms, late by 125 ms.
ITU_AUDIO_EARLY_MS = 45.0
ITU_AUDIO_LATE_MS = 125.0
METHODS = ("energy", "syncnet")


@dataclass
class SyncResult:
    """An offset estimate and everything needed to show where it came from.

    Attributes
    ----------
    offset_frames : int
        Estimated offset; positive = audio leads the video.
    confidence : float
        ``median(curve) - min(curve)``: how far the best lag stands out. Not a
        probability; its scale depends on the method.
    min_dist : float
        ``min(curve)`` (SyncNet: LSE-D; energy: ``1 - best correlation``).
    curve : np.ndarray
        Score at each lag in :attr:`lags` (lower = better aligned).
    framewise_conf : np.ndarray
        Confidence over time (median-filtered with a 9-frame kernel).
    lags : np.ndarray
        Candidate offsets in frames, ascending (``-max_offset ... +max_offset``).
    method : str
        ``"energy"`` or ``"syncnet"``.
    curve_label : str
        What the curve measures, for axis titles.
    boxes : np.ndarray or None
        Face boxes ``[T, 4]`` as ``(x0, y0, x1, y1)`` pixels.
    mouth_boxes : np.ndarray or None
        Mouth boxes ``[T, 4]``.
    mouth_signal, audio_signal : np.ndarray or None
        The per-frame signals the energy method correlates (z-scored).
    face_found_fraction : float
        Fraction of the sampled frames in which the detector found a face.
    notices : list of str
        Things worth telling the user (few detections, weak peak).
    """

    offset_frames: int
    confidence: float
    min_dist: float
    curve: np.ndarray
    framewise_conf: np.ndarray
    lags: np.ndarray
    method: str = "energy"
    curve_label: str = "1 − correlation"
    fps: int = FPS
    boxes: np.ndarray | None = None
    mouth_boxes: np.ndarray | None = None
    mouth_signal: np.ndarray | None = None
    audio_signal: np.ndarray | None = None
    face_found_fraction: float = 1.0
    notices: list[str] = field(default_factory=list)

    @property
    def offset_ms(self) -> float:
        """The offset in milliseconds (positive = audio leads)."""
        return 1000.0 * self.offset_frames / self.fps

    @property
    def max_offset(self) -> int:
        return int(self.lags[-1])


# --------------------------------------------------------------------------- reading
def read_av(path) -> tuple[np.ndarray, np.ndarray]:
    """Decode a video into ``(frames [T,H,W,3] uint8 RGB at 25 fps, audio float32 mono at 16 kHz)``.

    Frames are picked by timestamp (so variable frame rates work), large
    videos are downscaled to at most 360 rows while decoding, and the audio is
    aligned to the first frame. See :func:`lib.video.load_av` for the details
    and for the notices (what was resampled, downscaled or trimmed).

    Raises
    ------
    InputError
        Unreadable file, no video or audio track, silent audio, under 1 s.
    """
    clip = load_av(path)
    return clip.frames, clip.audio


# --------------------------------------------------------------------------- the face
@functools.lru_cache(maxsize=4)
def _cascade(name: str = "haarcascade_frontalface_default.xml"):
    import cv2

    path = Path(cv2.data.haarcascades) / name
    cascade = cv2.CascadeClassifier(str(path))
    if cascade.empty():
        raise InputError(f"OpenCV's face detector file {path.name} is missing (opencv-python-headless 4.x ships it).")
    return cascade


def detect_faces(frames: np.ndarray, *, every: int = 5, det_height: int = 200,
                 min_face_frac: float = 0.12, smooth_frames: int = 13,
                 still_tolerance: float = 0.04) -> tuple[np.ndarray, float]:
    """Find one face per frame: detect on every ``every``-th frame, then track and smooth.

    OpenCV's Viola-Jones (Haar cascade) frontal-face detector runs on a few
    sampled frames scaled to ``det_height`` rows (after the first hit, only
    near the previous face); the box nearest the previous one (the largest at
    first) is kept, the sequence is median-filtered and interpolated to every
    frame. If the head hardly moves (box centre and size vary by less than
    ``still_tolerance`` of the face size), the median box is used on every
    frame; otherwise the track is averaged over ``smooth_frames`` frames.
    (Measured on GRID: box jitter alone can move the estimate by several
    frames; one still box is the most stable choice.)

    Returns
    -------
    boxes : np.ndarray
        float ``[T, 4]`` ``(x0, y0, x1, y1)`` in pixels of ``frames``.
    found_fraction : float
        Fraction of the sampled frames with a detection.

    Raises
    ------
    InputError
        If no sampled frame contains a face.
    """
    import cv2

    from scipy.signal import medfilt

    frames = np.asarray(frames)
    T, H, W = frames.shape[:3]
    scale = min(1.0, det_height / H)
    cascade = _cascade()
    idx = np.unique(np.r_[np.arange(0, T, max(1, every)), T - 1])
    found_t, found_b = [], []
    prev = None
    min_size = max(20, int(min_face_frac * H * scale))
    for i in idx:
        g = cv2.cvtColor(frames[i], cv2.COLOR_RGB2GRAY)
        if scale < 1.0:
            g = cv2.resize(g, (int(round(W * scale)), int(round(H * scale))), interpolation=cv2.INTER_AREA)
        det = None
        if prev is not None:
            # Search near the previous face first: a small region at a narrow range of sizes is
            # several times faster than the whole frame.
            pb = prev * scale
            pw = pb[2] - pb[0]
            x0, y0 = int(max(0, pb[0] - 0.5 * pw)), int(max(0, pb[1] - 0.5 * pw))
            x1, y1 = int(min(g.shape[1], pb[2] + 0.5 * pw)), int(min(g.shape[0], pb[3] + 0.5 * pw))
            lo, hi = int(0.7 * pw), int(1.4 * pw) + 1
            d = cascade.detectMultiScale(g[y0:y1, x0:x1], scaleFactor=1.1, minNeighbors=4,
                                         minSize=(lo, lo), maxSize=(hi, hi))
            if len(d):
                det = np.asarray(d, float) + [x0, y0, 0, 0]
        if det is None:
            d = cascade.detectMultiScale(g, scaleFactor=1.15, minNeighbors=5, minSize=(min_size, min_size))
            if len(d) == 0:
                continue
            det = np.asarray(d, float)
        det = det / scale
        boxes = np.c_[det[:, 0], det[:, 1], det[:, 0] + det[:, 2], det[:, 1] + det[:, 3]]
        if prev is None:
            pick = boxes[np.argmax(det[:, 2] * det[:, 3])]
        else:
            centres = (boxes[:, :2] + boxes[:, 2:]) / 2
            pick = boxes[np.argmin(np.linalg.norm(centres - (prev[:2] + prev[2:]) / 2, axis=1))]
        prev = pick
        found_t.append(i)
        found_b.append(pick)
    if not found_t:
        raise InputError(
            "No face found: OpenCV's frontal-face detector saw no face in any of the "
            f"{len(idx)} frames it checked. Use a video with one clearly visible, roughly frontal face "
            "(profile faces, tiny or very dark faces are not detected)."
        )
    found_b = np.asarray(found_b)
    if len(found_b) >= 3:
        k = min(5, len(found_b) - (1 - len(found_b) % 2))
        found_b = np.stack([medfilt(found_b[:, j], k) for j in range(4)], axis=1)
    t = np.arange(T)
    boxes = np.stack([np.interp(t, found_t, found_b[:, j]) for j in range(4)], axis=1)
    size = float(np.median(boxes[:, 2] - boxes[:, 0]))
    centres = (boxes[:, :2] + boxes[:, 2:]) / 2
    if still_tolerance > 0 and np.all(centres.std(axis=0) < still_tolerance * size) \
            and np.std(boxes[:, 2] - boxes[:, 0]) < still_tolerance * size:
        # A still head: every wobble of the box is detector noise, so one (median) box is best.
        return np.repeat(np.median(boxes, axis=0)[None], T, axis=0), len(found_t) / len(idx)
    if smooth_frames > 1 and T > 1:
        # A box that wanders by a pixel makes the crop "move" although the lips do not;
        # averaging the track over about half a second removes that jitter.
        k = int(min(smooth_frames, T - (1 - T % 2)))
        pad = np.pad(boxes, ((k // 2, k // 2), (0, 0)), mode="edge")
        boxes = np.stack([np.convolve(pad[:, j], np.ones(k) / k, mode="valid") for j in range(4)], axis=1)
    return boxes, len(found_t) / len(idx)


def mouth_boxes(face_boxes: np.ndarray) -> np.ndarray:
    """The mouth box: the lower third of the face box, trimmed at the sides.

    Haar face boxes run from the eyebrows to the chin, so the mouth sits in
    rows 62-100 % and columns 22-78 % of the box.
    """
    b = np.asarray(face_boxes, float)
    w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    return np.c_[b[:, 0] + 0.22 * w, b[:, 1] + 0.62 * h, b[:, 0] + 0.78 * w, b[:, 1] + 1.0 * h]


def _region_motion(frames: np.ndarray, boxes: np.ndarray, size=(48, 32)) -> np.ndarray:
    """Mean absolute frame difference inside a moving box, on a fixed-size grey patch, centred on each frame."""
    import cv2

    T, H, W = frames.shape[:3]
    patches = np.empty((T, size[1], size[0]), np.float32)
    for i in range(T):
        x0, y0, x1, y1 = boxes[i]
        x0, y0 = int(np.clip(np.floor(x0), 0, W - 2)), int(np.clip(np.floor(y0), 0, H - 2))
        x1, y1 = int(np.clip(np.ceil(x1), x0 + 2, W)), int(np.clip(np.ceil(y1), y0 + 2, H))
        crop = frames[i, y0:y1, x0:x1]
        grey = cv2.cvtColor(np.ascontiguousarray(crop), cv2.COLOR_RGB2GRAY)
        patches[i] = cv2.GaussianBlur(cv2.resize(grey, size, interpolation=cv2.INTER_AREA), (3, 3), 0)
    # d[k] is the change between frames k and k+1, i.e. centred half a frame after frame k.
    # Averaging the changes into and out of frame t centres the motion *on* frame t; the plain
    # backward difference would lag by half a frame and tip close calls towards +1.
    d = np.abs(np.diff(patches, axis=0)).mean(axis=(1, 2)).astype(np.float64)
    if len(d) == 0:
        return np.zeros(T)
    return 0.5 * (np.concatenate([d[:1], d]) + np.concatenate([d, d[-1:]]))


def mouth_motion(frames: np.ndarray, face_boxes: np.ndarray, *, remove_head_motion: bool = False) -> np.ndarray:
    """Per-frame mouth motion energy: mean absolute frame difference in the mouth box.

    The mouth patch is resampled to 48×32 grey pixels and blurred a little
    (compression noise), so the number does not depend on the video's size.
    The difference rises whenever the lips move, but also when the whole head
    moves. With ``remove_head_motion`` the same measure on the upper face
    (eyes and forehead) estimates the head-motion part and its least-squares
    share is subtracted. Measured on the GRID clips (still heads) this
    *hurts* (blinks leak in), so it is off by default.
    """
    frames = np.asarray(frames)
    fb = np.asarray(face_boxes, float)
    m = _region_motion(frames, mouth_boxes(fb))
    if remove_head_motion:
        w, h = fb[:, 2] - fb[:, 0], fb[:, 3] - fb[:, 1]
        upper = np.c_[fb[:, 0] + 0.15 * w, fb[:, 1] + 0.12 * h, fb[:, 0] + 0.85 * w, fb[:, 1] + 0.45 * h]
        u = _region_motion(frames, upper)
        uc = u - u.mean()
        beta = float(np.dot(m - m.mean(), uc) / (np.dot(uc, uc) + 1e-12))
        m = m - max(beta, 0.0) * u
    return m


# --------------------------------------------------------------------------- the voice
def speech_band_energy(audio: np.ndarray, n_frames: int, *, sr: int = SR, fps: int = FPS,
                       band_hz: tuple[float, float] = SPEECH_BAND_HZ, floor_percentile: float = 10.0,
                       dynamic_range_db: float | None = None) -> np.ndarray:
    """Log energy of the speech band for each video frame.

    Frame ``k`` shows the instant ``k / fps``; its audio window is two frames
    long (80 ms at 25 fps), Hann-weighted and centred on the middle of the frame.
    The power in ``band_hz`` is summed in the FFT, converted to natural log,
    and floored at the ``floor_percentile``-th percentile so that silence does
    not dominate with meaningless very negative values. (Measured on the GRID
    clips: keeping the whole range down to that floor matters -- the contrast
    between speech and pauses, when the mouth rests, is the most reliable cue;
    limiting it to the top 20-30 dB biased one clip by 3-4 frames.)

    Returns
    -------
    np.ndarray
        float64 ``[n_frames]`` log energy.
    """
    spf = sr // fps
    win = 2 * spf
    audio = np.asarray(audio, np.float64)
    need = n_frames * spf
    audio = np.pad(audio[:need], (0, max(0, need - len(audio))))
    padded = np.pad(audio, (win // 2 - spf // 2, win))
    starts = np.arange(n_frames) * spf
    frames = np.lib.stride_tricks.sliding_window_view(padded, win)[starts]
    spec = np.abs(np.fft.rfft(frames * np.hanning(win), axis=1)) ** 2
    f = np.fft.rfftfreq(win, 1 / sr)
    band = (f >= band_hz[0]) & (f <= band_hz[1])
    e = np.log(spec[:, band].sum(axis=1) + 1e-10)
    floor = np.percentile(e, floor_percentile)
    if dynamic_range_db is not None:
        # Optionally keep only the top ``dynamic_range_db`` (in nepers: dB / 10 * ln 10).
        floor = max(floor, np.percentile(e, 99) - dynamic_range_db / 10 * np.log(10))
    return np.maximum(e, floor)


def _smooth3(x: np.ndarray) -> np.ndarray:
    """Symmetric [1/4, 1/2, 1/4] smoothing with edge padding (zero phase: moves no peak)."""
    p = np.pad(np.asarray(x, float), 1, mode="edge")
    return 0.25 * p[:-2] + 0.5 * p[1:-1] + 0.25 * p[2:]


def _z(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, float)
    s = x.std()
    return (x - x.mean()) / s if s > 0 else np.zeros_like(x)


def lagged_correlation(video_signal: np.ndarray, audio_signal: np.ndarray, max_offset: int = MAX_OFFSET,
                       weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Pearson correlation of ``video[t]`` with ``audio[t - lag]`` for every lag.

    A positive lag pairs each video frame with *earlier* audio, i.e. tests the
    hypothesis "the audio leads by ``lag`` frames" (SyncNet's sign). Each lag
    uses only the frames where both signals exist, re-centred and re-scaled
    on that overlap, so shorter overlaps are not penalised.

    Parameters
    ----------
    weights : np.ndarray, optional
        Per-frame weights on the audio frames (e.g. voice activity).

    Returns
    -------
    lags : np.ndarray
        ``-max_offset ... max_offset``.
    r : np.ndarray
        Correlation at each lag, in [-1, 1].
    """
    v = np.asarray(video_signal, float)
    a = np.asarray(audio_signal, float)
    T = len(v)
    if len(a) != T:
        raise InputError(f"The video and audio signals differ in length ({T} vs {len(a)} frames).")
    if T < 2 * max_offset + 3:
        raise InputError(f"{T} frames are too few to search ±{max_offset} frames of offset.")
    w_all = np.ones(T) if weights is None else np.asarray(weights, float)
    lags = np.arange(-max_offset, max_offset + 1)
    r = np.empty(len(lags))
    for j, lag in enumerate(lags):
        i0, i1 = max(0, lag), min(T, T + lag)
        x, y, w = v[i0:i1], a[i0 - lag:i1 - lag], w_all[i0 - lag:i1 - lag]
        w = w / w.sum()
        x = x - np.dot(w, x)
        y = y - np.dot(w, y)
        den = np.sqrt(np.dot(w, x * x) * np.dot(w, y * y))
        r[j] = np.dot(w, x * y) / den if den > 0 else 0.0
    return lags, r


def _framewise_conf(v: np.ndarray, a: np.ndarray, lag: int, curve_median: float) -> np.ndarray:
    """SyncNet's frame-wise confidence: ``median(curve) - distance at the best lag``, medfilt 9."""
    from scipy.signal import medfilt

    T = len(v)
    zv, za = _z(v), _z(a)
    d = np.full(T, np.nan)
    t = np.arange(T)
    ok = (t - lag >= 0) & (t - lag < T)
    d[ok] = 1.0 - zv[ok] * za[t[ok] - lag]
    d = np.where(np.isnan(d), 1.0, d)  # no partner: no evidence either way
    return medfilt(curve_median - d, 9)


# --------------------------------------------------------------------------- the estimate
def estimate_offset(frames: np.ndarray, audio: np.ndarray, *, method: str = "energy", max_offset: int = MAX_OFFSET,
                    model=None, boxes: np.ndarray | None = None, vad_weight: float = 0.0,
                    detect_every: int = 5, remove_head_motion: bool = False) -> SyncResult:
    """Estimate by how many frames the audio leads the video.

    Parameters
    ----------
    frames : np.ndarray
        uint8 RGB ``[T, H, W, 3]`` at 25 fps.
    audio : np.ndarray
        float32 mono at 16 kHz, sample 0 at frame 0 (``T * 640`` samples; shorter is zero-padded).
    method : {"energy", "syncnet"}
        Weight-free mouth-motion / speech-energy correlation, or the SyncNet network.
    max_offset : int
        Search ``-max_offset ... +max_offset`` frames (SyncNet's default 15 = ±600 ms).
    model : torch.nn.Module, optional
        A loaded SyncNet (``lib.syncnet.load_syncnet``); required for ``"syncnet"``.
    boxes : np.ndarray, optional
        Face boxes ``[T, 4]``; detected when omitted.
    vad_weight : float
        0 (default) weights all frames equally; 1 uses only frames with speech
        energy above the midpoint of its range (voice activity). Measured on
        the GRID clips, weighting *hurts*: silent frames with a still mouth are
        evidence too.
    detect_every : int
        Run the face detector on every n-th frame.
    remove_head_motion : bool
        Subtract upper-face motion from mouth motion (see :func:`mouth_motion`).

    Returns
    -------
    SyncResult
        Positive ``offset_frames`` = audio leads the video.

    Raises
    ------
    InputError
        Bad shapes, too short, no face found, unknown method.
    """
    if method not in METHODS:
        raise InputError(f"Unknown method '{method}'; choose one of {', '.join(METHODS)}.")
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise InputError(f"frames must be uint8 [T, H, W, 3] RGB; got {frames.dtype} {frames.shape}.")
    T = len(frames)
    max_offset = int(max_offset)
    if max_offset < 1:
        raise InputError(f"max_offset must be at least 1 frame; got {max_offset}.")
    if T < max(FPS, 2 * max_offset + 5):
        raise InputError(
            f"The clip has {T} frames ({T / FPS:.2f} s); at least {max(FPS, 2 * max_offset + 5)} are needed "
            f"to search ±{max_offset} frames."
        )
    audio = np.asarray(audio, np.float32).reshape(-1)
    need = T * SAMPLES_PER_FRAME
    audio = np.pad(audio[:need], (0, max(0, need - len(audio))))
    notices: list[str] = []
    found = 1.0
    if boxes is None:
        boxes, found = detect_faces(frames, every=detect_every)
        if found < 0.5:
            notices.append(f"The face was found in only {100 * found:.0f} % of the frames checked; "
                           "the box in between is interpolated, so the estimate is less reliable.")
    boxes = np.asarray(boxes, float)
    if method == "syncnet":
        result = _estimate_syncnet(frames, audio, boxes, max_offset, model)
    else:
        # A 3-frame smoothing of both signals (same kernel, so no lag is introduced) calms
        # frame-to-frame noise from compression and box jitter.
        mouth = _smooth3(mouth_motion(frames, boxes, remove_head_motion=remove_head_motion))
        energy = _smooth3(speech_band_energy(audio, T))
        weights = None
        if vad_weight > 0:
            rng = np.ptp(energy)
            voiced = (energy - energy.min()) > 0.5 * rng if rng > 0 else np.ones(T, bool)
            weights = (1 - vad_weight) + vad_weight * voiced + 1e-6
        lags, r = lagged_correlation(mouth, energy, max_offset, weights)
        curve = 1.0 - r
        j = int(np.argmin(curve))
        med = float(np.median(curve))
        result = SyncResult(
            offset_frames=int(lags[j]), confidence=med - float(curve[j]), min_dist=float(curve[j]), curve=curve,
            framewise_conf=_framewise_conf(mouth, energy, int(lags[j]), med), lags=lags, method="energy",
            curve_label="1 − correlation", mouth_signal=_z(mouth), audio_signal=_z(energy),
        )
    result.boxes = boxes
    result.mouth_boxes = mouth_boxes(boxes)
    result.face_found_fraction = found
    if abs(result.offset_frames) == max_offset:
        notices.append(f"The best lag is at the edge of the search range (±{max_offset} frames): "
                       "the true offset may be larger, or there is no clear match.")
    result.notices = notices + result.notices
    return result


def _estimate_syncnet(frames, audio, boxes, max_offset, model) -> SyncResult:
    from lib import syncnet

    if model is None:
        model = syncnet.load_syncnet()
    crops = syncnet.crop_faces(frames, boxes)
    dists = np.asarray(syncnet.syncnet_distances(model, crops, audio, max_offset=max_offset))
    s = syncnet.score_distances(dists, max_offset)
    # Column j of the distance matrix pairs video frame t with audio frame t + j - max_offset,
    # so it tests offset = max_offset - j; reverse it to put the lags in ascending order.
    lags = np.arange(-max_offset, max_offset + 1)
    curve = np.asarray(s["curve"], float)[::-1]
    return SyncResult(
        offset_frames=int(s["offset_frames"]), confidence=float(s["confidence"]), min_dist=float(s["min_dist"]),
        curve=curve, framewise_conf=np.asarray(s["framewise_conf"], float), lags=lags, method="syncnet",
        curve_label="mean embedding distance",
    )


def estimate_clip(clip: AVClip, **kwargs) -> SyncResult:
    """:func:`estimate_offset` on a decoded :class:`~lib.video.AVClip`."""
    return estimate_offset(clip.frames, clip.audio, **kwargs)


def correlation_at(result: SyncResult, lag: int) -> float:
    """Correlation of the two signals when the audio is assumed to lead by ``lag`` frames."""
    if result.mouth_signal is None or result.audio_signal is None:
        raise InputError("This result has no mouth/audio signals (only the energy method keeps them).")
    _, r = lagged_correlation(result.mouth_signal, result.audio_signal, max(abs(int(lag)), 1))
    return float(r[int(lag) + max(abs(int(lag)), 1)])


def advance_audio(audio: np.ndarray, offset_frames: int, *, fps: int = FPS, sr: int = SR) -> np.ndarray:
    """Move the audio ``offset_frames`` video frames earlier (it then leads by that much more).

    Keeps the length: samples pushed off one end are dropped, silence fills the other. Negative
    values delay the audio. This is how tests and the bench induce a known offset in memory.
    """
    n = int(offset_frames) * (sr // fps)
    audio = np.asarray(audio, dtype=np.float32)
    if n > 0:
        return np.concatenate([audio[n:], np.zeros(min(n, len(audio)), np.float32)])[: len(audio)]
    if n < 0:
        return np.concatenate([np.zeros(min(-n, len(audio)), np.float32), audio[:n]])[: len(audio)]
    return audio


def audio_shift_frames(before: np.ndarray, after: np.ndarray, *, max_frames: int = MAX_OFFSET, fps: int = FPS,
                       sr: int = SR) -> float:
    """By how many video frames ``after`` plays the same sound *earlier* than ``before`` (cross-correlation).

    ``after[n] ≈ before[n + L]`` gives ``L / (sr / fps)`` frames; :func:`advance_audio` by ``k``
    and :func:`shift_audio` by ``k`` both give ``k``. A check on a fix that needs no
    lip reading: it compares the two soundtracks directly (to the sample, up to the codec's
    changes). Lags beyond ``max_frames`` are not considered.
    """
    from scipy.signal import correlate

    a = np.asarray(before, np.float64).reshape(-1)
    b = np.asarray(after, np.float64).reshape(-1)
    if a.size == 0 or b.size == 0 or not (np.any(a) and np.any(b)):
        raise InputError("Both soundtracks must hold some sound to compare them.")
    c = correlate(a, b, mode="full", method="fft")
    lags = np.arange(-(len(b) - 1), len(a))
    limit = int(max_frames) * (sr // fps)
    ok = np.abs(lags) <= limit
    return float(lags[ok][np.argmax(c[ok])] / (sr / fps))


def itu_band_frames(fps: int = FPS) -> tuple[float, float]:
    """ITU-R BT.1359 detectability band in frames on the offset axis (audio-late, audio-early)."""
    return -ITU_AUDIO_LATE_MS * fps / 1000.0, ITU_AUDIO_EARLY_MS * fps / 1000.0


# --------------------------------------------------------------------------- the fix
def shift_audio(path_in, path_out, offset_frames: int, *, fps: int = FPS, audio_bitrate: int = 128000) -> Path:
    """Write a copy of a video whose audio is moved by whole video frames.

    Sign: ``offset_frames = +k`` moves the audio **earlier** by ``k`` frames
    (``k * 40`` ms at 25 fps), so it leads the picture by ``k`` more frames and
    :func:`estimate_offset` on the result reports ``k`` more. To *fix* a
    measured offset ``d``, call ``shift_audio(path, out, -d)``.

    Every picture frame is kept (the copy lasts as long as the original). The
    picture is copied packet for packet when it is already H.264, else
    re-encoded with libx264 (same timestamps, so variable frame rate
    survives; frames taller than 1080 rows are downscaled). The audio is
    decoded, moved, and keeps its length: what is pushed off one end is
    dropped and silence fills the other. It is encoded as AAC in MP4, which
    browsers play; ``offset_frames=0`` therefore makes a browser-playable copy
    of any file (MPEG-1, AVI, ...) with picture and sound exactly as they were.

    The file is written to a temporary name beside ``path_out`` and renamed at
    the end, so ``path_out`` may be ``path_in`` itself (it is replaced only once
    the new copy is complete) and a failure never leaves half a file.

    Parameters
    ----------
    path_in, path_out : str or os.PathLike
        Source and destination (``.mp4``).
    offset_frames : int
        Frames to advance the audio by (negative delays it).
    fps : int
        Frame rate defining one frame of shift (SyncNet's 25).

    Raises
    ------
    InputError
        Unreadable input, or no video or no audio track.
    """
    import os
    import tempfile

    path_out = Path(path_out)
    fd, tmp = tempfile.mkstemp(prefix=".shift_", suffix=".mp4", dir=path_out.parent)
    os.close(fd)
    try:
        _write_shifted(path_in, tmp, int(offset_frames), fps=fps, audio_bitrate=audio_bitrate)
        os.replace(tmp, path_out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path_out


def _decode_audio_planar(path_in, layout: str, a_sr: int) -> tuple[np.ndarray, float]:
    """All of a file's first audio track as float32 ``[channels, n]`` at ``a_sr``, and its start time (s)."""
    import av

    from lib.video import _open

    resampler = av.AudioResampler(format="fltp", layout=layout, rate=a_sr)
    chunks, a_t0 = [], None
    with _open(path_in) as src:
        for frame in src.decode(src.streams.audio[0]):
            if a_t0 is None and frame.time is not None:
                a_t0 = frame.time
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray())
    for out in resampler.resample(None):
        chunks.append(out.to_ndarray())
    if not chunks:
        raise InputError("The audio track holds no decodable samples.")
    return np.concatenate(chunks, axis=1), float(a_t0 or 0.0)


def _write_shifted(path_in, path_out, offset_frames: int, *, fps: int, audio_bitrate: int) -> None:
    import av

    from lib.video import _open, _target_size

    with _open(path_in) as probe_src:
        if not probe_src.streams.video or not probe_src.streams.audio:
            raise InputError("Shifting audio needs a file with both a video and an audio track.")
        ain = probe_src.streams.audio[0]
        a_sr = int(ain.codec_context.sample_rate or 48000)
        channels = min(2, max(1, int(ain.codec_context.channels or 1)))
    if a_sr not in (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000):
        a_sr = 48000
    layout = "stereo" if channels == 2 else "mono"
    # The audio is decoded in its own pass: seeking back to the start is unreliable in some
    # containers (MPEG-PS lost its first 12 frames that way), so the picture gets a fresh open.
    audio, a_t0 = _decode_audio_planar(path_in, layout, a_sr)
    n = int(round(offset_frames * a_sr / fps))
    if n > 0:
        audio = np.concatenate([audio[:, n:], np.zeros((channels, min(n, audio.shape[1])), np.float32)], axis=1)
    elif n < 0:
        audio = np.concatenate([np.zeros((channels, min(-n, audio.shape[1])), np.float32), audio[:, :n]], axis=1)
    with _open(path_in) as src:
        vin = src.streams.video[0]
        copy_video = vin.codec_context.name == "h264"
        v_t0 = vin.start_time * vin.time_base if vin.start_time is not None else 0
        with av.open(str(path_out), mode="w", format="mp4") as dst:
            if copy_video:
                vout = dst.add_stream_from_template(vin)
            else:
                rate = vin.average_rate or Fraction(fps)
                vout = dst.add_stream("libx264", rate=rate)
                w, h = _target_size(vin.codec_context.width, vin.codec_context.height, 1080)
                vout.width, vout.height, vout.pix_fmt = w, h, "yuv420p"
                vout.options = {"crf": "20", "preset": "veryfast"}
                vout.codec_context.time_base = vin.time_base
            aout = dst.add_stream("aac", rate=a_sr)
            aout.layout = layout
            aout.bit_rate = audio_bitrate
            first_pts = last_pts = None
            for packet in src.demux(vin):
                if copy_video:
                    if packet.dts is None:
                        continue
                    packet.stream = vout
                    dst.mux(packet)
                else:
                    for frame in packet.decode():
                        if first_pts is None:
                            first_pts = frame.pts or 0
                        pts = (frame.pts - first_pts) if frame.pts is not None else None
                        if pts is None or (last_pts is not None and pts <= last_pts):
                            # Repeated or missing timestamps (seen in MPEG-1 program streams) would
                            # make the MP4 muxer fail: keep the frame one tick after the previous.
                            pts = 0 if last_pts is None else last_pts + 1
                        last_pts = pts
                        img = frame.reformat(width=vout.width, height=vout.height, format="yuv420p")
                        img.pts = pts
                        img.time_base = vin.time_base
                        for p in vout.encode(img):
                            dst.mux(p)
            if not copy_video:
                for p in vout.encode(None):
                    dst.mux(p)
            # Keep the audio's start where it was relative to the picture: copied packets keep
            # their timestamps, re-encoded frames start at 0.
            v_start = float(v_t0) if copy_video else float((first_pts or 0) * vin.time_base)
            a_start = a_t0 - (0.0 if copy_video else v_start)
            pad = int(round(a_start * a_sr))
            if pad > 0:
                audio = np.concatenate([np.zeros((channels, pad), np.float32), audio], axis=1)
            elif pad < 0:
                audio = audio[:, -pad:]
            pts = 0
            block = 1024
            for start in range(0, audio.shape[1], block):
                chunk = np.ascontiguousarray(np.clip(audio[:, start:start + block], -1, 1), dtype=np.float32)
                af = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=layout)
                af.sample_rate = a_sr
                af.pts = pts
                af.time_base = Fraction(1, a_sr)
                pts += chunk.shape[1]
                for p in aout.encode(af):
                    dst.mux(p)
            for p in aout.encode(None):
                dst.mux(p)
