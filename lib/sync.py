"""Audio-visual synchronisation: how many frames the sound is ahead of the lips.

Every estimator shares one interface and one sign convention (SyncNet's):
``offset_frames > 0`` means **the audio leads the video** (you hear a syllable
before the lips make it); at 25 fps one frame is 40 ms.

* ``method="multicue"`` (the default; weight-free): a Haar-cascade face
  detector (shipped with opencv-python-headless 4.x) finds the face, a mouth
  box follows it, and three measurements of *how open the mouth is* (the
  darkness of the mouth opening, the first principal component of the grey
  mouth crop, the vertical optical flow of the lips summed over time) are
  averaged into one opening signal; two measurements of *how loud the voice
  is* (speech-band log energy, mean log-mel energy) into one loudness signal.
  Both are high-pass filtered (slow posture and level changes removed) and
  correlated at every lag over the whole clip (``combine="chunks"`` instead
  averages 1-s windows weighted by their confidence, as SyncNet does; on the
  benchmark it is not better). Opening and loudness are both *states*, so
  their correlation peaks without a phase bias.
* ``method="energy"`` (the original weight-free estimator, kept for
  comparison): mouth *motion* energy (mean absolute frame difference)
  against speech-band energy. Motion is a rate of change and energy a state,
  so for some speakers the peak lands several frames off.
* ``method="cca"`` (FaceSync, Slaney & Covell 2001): for every lag a
  regularised canonical correlation between five principal components of the
  mouth crop and five of the log-mel bands is fitted on some windows of the
  clip and scored on the held-out ones. Kept for comparison: on clips of a
  few seconds the per-lag refit finds spurious matches (see bench/bench_sync.py).
* ``method="syncnet"``: face crops and audio go through SyncNet
  (:mod:`lib.syncnet`), whose mean embedding distance per shift is scored with
  the reference arithmetic (offset = vshift - argmin, confidence = median - min).

Every result carries a **verdict** (``"in_sync"``, ``"offset"`` or
``"cannot_tell"``) and an **uncertainty** in frames, from a block bootstrap over
the clip's frames: the estimate is repeated on resampled clips, and the
uncertainty is the half-width of the range of lags that holds
:data:`CONFIDENCE_LEVEL` of the repeated estimates. Too little speech, a mouth
that does not move, or a range wider than :data:`MAX_UNCERTAINTY_FRAMES`
(a flat or two-peaked curve) give "cannot tell".

:func:`shift_audio` re-muxes a file with its audio moved by whole frames, so an
offset can be fixed and heard.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from lib.errors import (MAX_AMPLITUDE, InputError, check_int, check_number, check_signal,
                        check_values)
from lib.video import FPS, SR, AVClip, _path, load_av

#: Audio samples per video frame at SyncNet's rates (16000 / 25).
SAMPLES_PER_FRAME = SR // FPS
#: SyncNet's default search range (frames each way).
MAX_OFFSET = 15
#: The speech band whose energy follows the mouth (Hz).
SPEECH_BAND_HZ = (300.0, 3000.0)
#: ITU-R BT.1359 detectability thresholds (approximate): audio early by 45 ms, late by 125 ms.
ITU_AUDIO_EARLY_MS = 45.0
ITU_AUDIO_LATE_MS = 125.0
#: Estimators, best first; the first is the default.
METHODS = ("multicue", "energy", "cca", "syncnet")
DEFAULT_METHOD = METHODS[0]
#: What :attr:`SyncResult.verdict` can say.
VERDICTS = ("in_sync", "offset", "cannot_tell")
#: High-pass window (frames, ~0.5 s at 25 fps): changes slower than about two syllables are removed.
HIGHPASS_FRAMES = 13
#: Block bootstrap: replicates and block length (frames; 0.2 s, about one lip gesture).
BOOTSTRAP_N = 200
BOOTSTRAP_BLOCK = 5
#: Share of bootstrap estimates the uncertainty range must hold.
CONFIDENCE_LEVEL = 0.7
#: A wider uncertainty range (half-width, frames) means "cannot tell".
MAX_UNCERTAINTY_FRAMES = 2
#: Speech needed for a verdict (seconds of frames at least SPEECH_ABOVE_FLOOR_DB above the noise floor).
MIN_SPEECH_S = 0.5
SPEECH_ABOVE_FLOOR_DB = 6.0
#: RMS change of the mouth crop (grey levels, after the high-pass) below which the mouth counts as still.
STILL_MOUTH_GREY = 0.5
#: Widest search accepted (frames each way; 10 s at 25 fps).
MAX_SEARCH = 250
#: Most video frames a per-frame signal may hold (over an hour at 25 fps).
MAX_FRAMES = 100_000
#: Most audio samples analysed around the video frames (``n_frames`` × the 2-frame window):
#: 2^24 float64 values, 128 MiB per array; about 8.7 min at 25 fps and 16 kHz.
MAX_WINDOW_SAMPLES = 1 << 24
#: Largest magnitude accepted in a per-frame signal or feature (its squares and sums must stay finite).
MAX_SIGNAL = 1e30
#: Bootstrap work cap: replicates × frames × lags.
MAX_BOOT_WORK = 1 << 28


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
    verdict : str
        ``"in_sync"`` (0 lies in the uncertainty range), ``"offset"`` (it does
        not), or ``"cannot_tell"`` (see :attr:`verdict_reason`).
    uncertainty_frames : float
        Half-width (frames) of the range of lags around :attr:`offset_frames`
        that holds :data:`CONFIDENCE_LEVEL` of the bootstrap estimates; NaN if
        it could not be computed.
    verdict_reason : str
        One sentence saying why the verdict is what it is.
    support : np.ndarray or None
        Share of bootstrap estimates that chose each lag in :attr:`lags`.
    cue_curves : dict
        For ``"multicue"``: each mouth cue's correlation with the loudness signal at every lag.
    speech_s : float
        Seconds of frames whose speech-band energy is clearly above the noise floor.
    chunk_curves, chunk_weights : np.ndarray or None
        For ``"multicue"`` with ``combine="chunks"``: the correlation curve of
        each 1-s window ``[n_windows, n_lags]`` and its weight (confidence).
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
    verdict: str = "offset"
    uncertainty_frames: float = float("nan")
    verdict_reason: str = ""
    support: np.ndarray | None = None
    cue_curves: dict = field(default_factory=dict)
    speech_s: float = float("nan")
    chunk_curves: np.ndarray | None = None
    chunk_weights: np.ndarray | None = None

    @property
    def offset_ms(self) -> float:
        """The offset in milliseconds (positive = audio leads)."""
        return 1000.0 * self.offset_frames / self.fps

    @property
    def max_offset(self) -> int:
        return int(self.lags[-1])

    @property
    def uncertainty_ms(self) -> float:
        """:attr:`uncertainty_frames` in milliseconds."""
        return 1000.0 * self.uncertainty_frames / self.fps

    @property
    def can_tell(self) -> bool:
        """True unless the verdict is ``"cannot_tell"`` (only then is a fix worth offering)."""
        return self.verdict != "cannot_tell"


# --------------------------------------------------------------------------- boundary checks
def _check_frames(frames) -> np.ndarray:
    """``frames`` as uint8 RGB ``[T, H, W, 3]`` with at least one frame of 2x2 pixels, else :class:`InputError`."""
    if isinstance(frames, np.ndarray):
        a = frames
    else:
        try:
            a = np.asarray(frames)
        except Exception:
            a = np.asarray(None)
    if a.dtype != np.uint8 or a.ndim != 4 or a.shape[-1] != 3 or min(a.shape[:3]) < 1 or min(a.shape[1:3]) < 2:
        raise InputError(f"frames must be uint8 RGB video frames [T, H, W, 3] (at least one frame of 2x2 pixels); "
                         f"got {a.dtype} {a.shape}.")
    return a


def _check_boxes(boxes, name: str = "The face boxes", n: int | None = None) -> np.ndarray:
    """Boxes ``[n, 4]`` ``(x0, y0, x1, y1)`` in pixels: finite float64, one per frame when ``n`` is given."""
    b = check_values(boxes, name, lo=-1e6, hi=1e6, ndim=2, max_len=4 * MAX_FRAMES)
    if b.shape[1] != 4 or (n is not None and len(b) != n):
        want = f"[{n}, 4] (one box per frame)" if n is not None else "[T, 4]"
        raise InputError(f"{name} must be {want} as (x0, y0, x1, y1) pixels; got shape {b.shape}.")
    return b


def _check_rates(sr, fps) -> tuple[int, int]:
    """An audio rate and a frame rate giving at least two samples per video frame."""
    sr = check_int(sr, "The audio sampling rate", lo=1000, hi=384000)
    fps = check_int(fps, "The frame rate (fps)", lo=1, hi=1000)
    if sr // fps < 2:
        raise InputError(f"{sr} Hz at {fps} fps leaves fewer than 2 audio samples per video frame.")
    return sr, fps


def _check_audio_frames(audio, n_frames, sr, fps) -> tuple[np.ndarray, int, int, int]:
    """Validated ``(audio float32, n_frames, sr, fps)`` for the per-frame audio measurements."""
    audio = check_signal(audio, "The audio", min_len=0, dtype=np.float32, max_abs=MAX_AMPLITUDE)
    sr, fps = _check_rates(sr, fps)
    most = MAX_WINDOW_SAMPLES // (2 * (sr // fps))
    n_frames = check_int(n_frames, "The number of video frames", lo=1, hi=most)
    return audio, n_frames, sr, fps


def _check_pair(video_signal, audio_signal, max_offset) -> tuple[np.ndarray, np.ndarray, int]:
    """Two per-frame signals of one length, long enough to search ``±max_offset`` frames."""
    v = check_signal(video_signal, "The video signal", max_len=MAX_FRAMES, dtype=np.float64, max_abs=MAX_SIGNAL)
    a = check_signal(audio_signal, "The audio signal", max_len=MAX_FRAMES, dtype=np.float64, max_abs=MAX_SIGNAL)
    max_offset = check_int(max_offset, "max_offset (frames)", lo=0, hi=MAX_SEARCH)
    T = len(v)
    if len(a) != T:
        raise InputError(f"The video and audio signals differ in length ({T} vs {len(a)} frames).")
    if T < 2 * max_offset + 3:
        raise InputError(f"{T} frames are too few to search ±{max_offset} frames of offset.")
    return v, a, max_offset


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
_CASCADES = threading.local()


def _cascade(name: str = "haarcascade_frontalface_default.xml"):
    """OpenCV's face detector, one per thread.

    A ``CascadeClassifier`` is not thread-safe: two Streamlit sessions (or a page
    run still finishing while the next starts) detecting at once with a shared
    one fail inside OpenCV (``scaleIdx`` assertion, ``vector::_M_range_check``).
    Loading one takes a few tens of milliseconds, once per thread.
    """
    import cv2

    cache = getattr(_CASCADES, "by_name", None)
    if cache is None:
        cache = _CASCADES.by_name = {}
    if name not in cache:
        path = Path(cv2.data.haarcascades) / name
        cascade = cv2.CascadeClassifier(str(path))
        if cascade.empty():
            raise InputError(f"OpenCV's face detector file {path.name} is missing "
                             "(opencv-python-headless 4.x ships it).")
        cache[name] = cascade
    return cache[name]


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
    frames = _check_frames(frames)
    every = check_int(every, "every (frames)", lo=1, hi=MAX_FRAMES)
    det_height = check_int(det_height, "det_height (rows)", lo=16, hi=4320)
    min_face_frac = check_number(min_face_frac, "min_face_frac", lo=0.0, hi=1.0)
    smooth_frames = check_int(smooth_frames, "smooth_frames", lo=0, hi=MAX_FRAMES)
    still_tolerance = check_number(still_tolerance, "still_tolerance", lo=0.0, hi=10.0)
    import cv2

    from scipy.signal import medfilt

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
    b = _check_boxes(face_boxes)
    w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    return np.c_[b[:, 0] + 0.22 * w, b[:, 1] + 0.62 * h, b[:, 0] + 0.78 * w, b[:, 1] + 1.0 * h]


def grey_patches(frames: np.ndarray, boxes: np.ndarray, size: tuple[int, int] = (48, 32),
                 blur: bool = True) -> np.ndarray:
    """Grey crops of a moving box, resampled to ``size`` = (width, height) pixels: float32 ``[T, h, w]``.

    A fixed patch size makes every measurement independent of the video's
    resolution; the light 3×3 Gaussian blur calms compression noise.
    """
    frames = _check_frames(frames)
    T, H, W = frames.shape[:3]
    boxes = _check_boxes(boxes, "The boxes", T)
    if not isinstance(size, (tuple, list)) or len(size) != 2:
        raise InputError(f"size must be (width, height) in pixels; got {size!r:.40}.")
    size = (check_int(size[0], "The patch width", lo=1, hi=1024), check_int(size[1], "The patch height", lo=1, hi=1024))
    import cv2

    patches = np.empty((T, size[1], size[0]), np.float32)
    for i in range(T):
        x0, y0, x1, y1 = boxes[i]
        x0, y0 = int(np.clip(np.floor(x0), 0, W - 2)), int(np.clip(np.floor(y0), 0, H - 2))
        x1, y1 = int(np.clip(np.ceil(x1), x0 + 2, W)), int(np.clip(np.ceil(y1), y0 + 2, H))
        grey = cv2.cvtColor(np.ascontiguousarray(frames[i, y0:y1, x0:x1]), cv2.COLOR_RGB2GRAY)
        patch = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
        patches[i] = cv2.GaussianBlur(patch, (3, 3), 0) if blur else patch
    return patches


def _region_motion(frames: np.ndarray, boxes: np.ndarray, size=(48, 32)) -> np.ndarray:
    """Mean absolute frame difference inside a moving box, on a fixed-size grey patch, centred on each frame."""
    T = len(frames)
    patches = grey_patches(frames, boxes, size)
    # d[k] is the change between frames k and k+1, i.e. centred half a frame after frame k.
    # Averaging the changes into and out of frame t centres the motion *on* frame t; the plain
    # backward difference would lag by half a frame and tip close calls towards +1.
    d = np.abs(np.diff(patches, axis=0)).mean(axis=(1, 2)).astype(np.float64)
    if len(d) == 0:
        return np.zeros(T)
    return 0.5 * (np.concatenate([d[:1], d]) + np.concatenate([d, d[-1:]]))


def highpass(x: np.ndarray, n: int = HIGHPASS_FRAMES) -> np.ndarray:
    """Remove changes slower than about ``n`` frames: ``x`` minus its centred ``n``-frame moving average.

    Works along axis 0 (frames) of a 1-D or 2-D array; the ends are padded by
    repeating the edge values. A zero-phase filter, so it moves no peak.
    """
    x = check_signal(x, "The signal", ndim=(1, 2), dtype=np.float64, max_abs=MAX_SIGNAL)
    if len(x) == 0:
        raise InputError("The signal needs at least 1 frame.")
    n = check_int(n, "The high-pass window (frames)", lo=0, hi=MAX_FRAMES)
    if n <= 1 or len(x) < 2:
        return x - x.mean(axis=0)
    n = min(n, len(x) - (1 - len(x) % 2))
    pad = np.pad(x, [(n // 2, n // 2)] + [(0, 0)] * (x.ndim - 1), mode="edge")
    c = np.cumsum(np.concatenate([np.zeros((1,) + x.shape[1:]), pad]), axis=0)
    return x - (c[n:] - c[:-n]) / n


def _pca_scores(X: np.ndarray, k: int) -> np.ndarray:
    """Scores ``[T, k]`` of the ``k`` leading principal components of the rows of ``X``.

    Through the eigenvectors of the smaller Gram matrix (``T × T`` or ``d × d``):
    the same result as an SVD, and far cheaper when ``d`` is large.
    """
    X = np.asarray(X, float) - np.mean(X, axis=0)
    T, d = X.shape
    if T <= d:
        lam, U = np.linalg.eigh(X @ X.T)
        order = np.argsort(lam)[::-1][:k]
        return U[:, order] * np.sqrt(np.maximum(lam[order], 0.0))
    lam, Vec = np.linalg.eigh(X.T @ X)
    return X @ Vec[:, np.argsort(lam)[::-1][:k]]


def mouth_cues(frames: np.ndarray, face_boxes: np.ndarray) -> dict[str, np.ndarray]:
    """Three measurements of how open the mouth is on each frame (larger = more open).

    * ``"darkness"``: median grey level of the mouth crop minus the mean of
      its darkest fifth in the central half -- an open mouth shows the dark
      inside of the mouth. Using the difference makes it blind to overall
      lighting changes.
    * ``"shape"``: the first principal component of the (high-passed) grey
      mouth crop, 32×24 pixels: the pattern that changes most over the clip,
      which for a talking face is opening and closing. Its sign is chosen so
      that it rises with ``"darkness"``.
    * ``"lip flow"``: dense optical flow (Farnebäck) between consecutive
      64×48 crops; the lower half moving down relative to the upper half is
      the mouth opening, and its running sum is the opening itself.

    Returns
    -------
    dict of str to np.ndarray
        float64 ``[T]`` per cue, not yet filtered or normalised.
    """
    import cv2

    mb = mouth_boxes(face_boxes)
    big = grey_patches(frames, mb, (64, 48), blur=False)
    T = len(big)
    small = np.stack([cv2.resize(p, (32, 24), interpolation=cv2.INTER_AREA) for p in big])
    h, w = small.shape[1:]
    centre = small[:, h // 4:3 * h // 4, w // 4:3 * w // 4].reshape(T, -1)
    k = max(1, centre.shape[1] // 5)
    darkness = np.median(small.reshape(T, -1), axis=1) - np.sort(centre, axis=1)[:, :k].mean(axis=1)
    shape = _pca_scores(highpass(small.reshape(T, -1).astype(np.float64)), 1)[:, 0]
    if np.dot(shape - shape.mean(), darkness - darkness.mean()) < 0:
        shape = -shape
    opening_speed = np.zeros(T)
    u8 = np.clip(big, 0, 255).astype(np.uint8)
    half = u8.shape[1] // 2
    for i in range(1, T):
        fy = cv2.calcOpticalFlowFarneback(u8[i - 1], u8[i], None, 0.5, 2, 9, 2, 5, 1.1, 0)[..., 1]
        opening_speed[i] = float(fy[half:].mean() - fy[:half].mean())
    # The flow between frames i-1 and i belongs half a frame before frame i; averaging the
    # steps into and out of frame i centres the running sum on the frame, as for motion.
    lip = np.cumsum(opening_speed)
    lip = 0.5 * (lip + np.concatenate([lip[1:], lip[-1:]]))
    return {"darkness": darkness.astype(np.float64), "shape": shape, "lip flow": lip}


def mouth_activity(frames: np.ndarray, face_boxes: np.ndarray) -> float:
    """RMS change of the high-passed 32×24 grey mouth crop, in grey levels (0 for a still mouth)."""
    p = grey_patches(frames, mouth_boxes(face_boxes), (32, 24))
    return float(np.sqrt(np.mean(highpass(p.reshape(len(p), -1).astype(np.float64)) ** 2)))


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
    frames = _check_frames(frames)
    fb = _check_boxes(face_boxes, n=len(frames))
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
def _frame_power(audio: np.ndarray, n_frames: int, *, sr: int = SR, fps: int = FPS) -> tuple[np.ndarray, np.ndarray]:
    """Power spectrum of the audio around each video frame: ``(power [n_frames, bins], bin frequencies in Hz)``.

    Frame ``k`` shows the instant ``k / fps``; its audio window is two frames
    long (80 ms at 25 fps), Hann-weighted and centred on the middle of the frame.
    """
    spf = sr // fps
    win = 2 * spf
    audio = np.asarray(audio, np.float64)
    need = n_frames * spf
    audio = np.pad(audio[:need], (0, max(0, need - len(audio))))
    padded = np.pad(audio, (win // 2 - spf // 2, win))
    starts = np.arange(n_frames) * spf
    frames = np.lib.stride_tricks.sliding_window_view(padded, win)[starts]
    return np.abs(np.fft.rfft(frames * np.hanning(win), axis=1)) ** 2, np.fft.rfftfreq(win, 1 / sr)


def log_mel_frames(audio: np.ndarray, n_frames: int, *, sr: int = SR, fps: int = FPS, n_mels: int = 20,
                   fmin: float = 80.0, fmax: float = 7600.0, dynamic_range_db: float = 50.0) -> np.ndarray:
    """Log-mel band energies (dB) for each video frame, on the same windows as :func:`speech_band_energy`.

    Slaney-normalised triangular filters (:func:`lib.spectral.mel_filterbank`),
    floored ``dynamic_range_db`` below the loudest value so silence does not
    dominate. Returns float64 ``[n_frames, n_mels]``.
    """
    audio, n_frames, sr, fps = _check_audio_frames(audio, n_frames, sr, fps)
    dynamic_range_db = check_number(dynamic_range_db, "dynamic_range_db", lo=0.0, hi=1000.0, unit="dB")
    fmin = check_number(fmin, "fmin", lo=0.0, unit="Hz")
    fmax = check_number(fmax, "fmax", lo=0.0, lo_open=True, unit="Hz")
    spec, _ = _frame_power(audio, n_frames, sr=sr, fps=fps)
    return _log_mel(spec, sr, n_mels, fmin, fmax, dynamic_range_db)


def _log_mel(spec: np.ndarray, sr: int, n_mels: int = 20, fmin: float = 80.0, fmax: float = 7600.0,
             dynamic_range_db: float = 50.0) -> np.ndarray:
    from lib.spectral import mel_filterbank

    fb = mel_filterbank(sr, 2 * (spec.shape[1] - 1), n_mels=n_mels, fmin=fmin, fmax=min(fmax, sr / 2))
    db = 10.0 * np.log10(spec @ fb.T + 1e-12)
    return np.maximum(db, db.max() - dynamic_range_db)


def voice_cues(audio: np.ndarray, n_frames: int, *, sr: int = SR, fps: int = FPS) -> dict[str, np.ndarray]:
    """Two measurements of how loud the voice is on each video frame.

    ``"speech band"``: :func:`speech_band_energy` (300-3000 Hz, natural log);
    ``"log-mel"``: the mean of :func:`log_mel_frames` (80-7600 Hz, dB).
    """
    audio, n_frames, sr, fps = _check_audio_frames(audio, n_frames, sr, fps)
    spec, f = _frame_power(audio, n_frames, sr=sr, fps=fps)
    return {"speech band": _band_log_energy(spec, f), "log-mel": _log_mel(spec, sr).mean(axis=1)}


def speech_seconds(audio: np.ndarray, n_frames: int, *, sr: int = SR, fps: int = FPS,
                   above_floor_db: float = SPEECH_ABOVE_FLOOR_DB) -> float:
    """Seconds of frames whose speech-band energy is at least ``above_floor_db`` over the noise floor.

    The floor is the 10th percentile of the per-frame energy. Steady noise
    varies by well under 1 dB from frame to frame in this 80 ms, 2.7 kHz
    window, so 6 dB above it is sound that comes and goes, as speech does.
    """
    above_floor_db = check_number(above_floor_db, "above_floor_db", lo=0.0, hi=1000.0, unit="dB")
    e = speech_band_energy(audio, n_frames, sr=sr, fps=fps, floor_percentile=0.0)
    if np.max(e) < np.log(1e-9):  # digital silence
        return 0.0
    floor = np.percentile(e, 10)
    return float(np.sum(e > floor + above_floor_db / 10.0 * np.log(10.0)) / fps)


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
    audio, n_frames, sr, fps = _check_audio_frames(audio, n_frames, sr, fps)
    band = check_values(band_hz, "band_hz", lo=0.0, hi=sr / 2, ndim=1, min_len=2, max_len=2)
    if band[0] >= band[1]:
        raise InputError(f"band_hz must run from a lower to a higher frequency; got {band[0]:g} to {band[1]:g} Hz.")
    floor_percentile = check_number(floor_percentile, "floor_percentile", lo=0.0, hi=100.0)
    if dynamic_range_db is not None:
        dynamic_range_db = check_number(dynamic_range_db, "dynamic_range_db", lo=0.0, hi=1000.0, unit="dB")
    spec, f = _frame_power(audio, n_frames, sr=sr, fps=fps)
    return _band_log_energy(spec, f, band_hz, floor_percentile, dynamic_range_db)


def _band_log_energy(spec: np.ndarray, f: np.ndarray, band_hz=SPEECH_BAND_HZ, floor_percentile: float = 10.0,
                     dynamic_range_db: float | None = None) -> np.ndarray:
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
    v, a, max_offset = _check_pair(video_signal, audio_signal, max_offset)
    T = len(v)
    if weights is None:
        w_all = np.ones(T)
    else:
        w_all = check_values(weights, "The weights", lo=0.0, hi=MAX_SIGNAL, ndim=1)
        if len(w_all) != T:
            raise InputError(f"The weights need one value per frame ({T}); got {len(w_all)}.")
    lags = np.arange(-max_offset, max_offset + 1)
    r = np.empty(len(lags))
    for j, lag in enumerate(lags):
        i0, i1 = max(0, lag), min(T, T + lag)
        x, y, w = v[i0:i1], a[i0 - lag:i1 - lag], w_all[i0 - lag:i1 - lag]
        if not w.sum() > 0:  # no weight on this overlap: no evidence either way
            r[j] = 0.0
            continue
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


# --------------------------------------------------------------------------- how sure
def _block_counts(T: int, n: int, block: int, seed: int) -> np.ndarray:
    """Moving-block bootstrap: how often each of ``T`` frames is drawn in each of ``n`` replicates ``[n, T]``.

    Each replicate strings together ``ceil(T / block)`` blocks of ``block``
    consecutive frames starting at random places, so the frame-to-frame
    dependence inside a lip gesture survives the resampling.
    """
    rng = np.random.default_rng(seed)
    block = int(max(1, min(block, T)))
    n_blocks = int(np.ceil(T / block))
    starts = rng.integers(0, T - block + 1, size=(n, n_blocks))
    counts = np.zeros((n, T + 1))
    rows = np.repeat(np.arange(n), n_blocks)
    np.add.at(counts, (rows, starts.ravel()), 1.0)
    np.add.at(counts, (rows, starts.ravel() + block), -1.0)
    return np.cumsum(counts, axis=1)[:, :T]


def _weighted_pearson(w: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson correlation of ``x`` and ``y`` under each row of weights ``w`` ``[n, len(x)]``."""
    sw = np.maximum(w.sum(axis=1), 1e-12)
    mx, my = w @ x / sw, w @ y / sw
    sxx = w @ (x * x) / sw - mx * mx
    syy = w @ (y * y) / sw - my * my
    sxy = w @ (x * y) / sw - mx * my
    den = np.sqrt(np.maximum(sxx * syy, 0.0))
    return np.where(den > 1e-12, sxy / np.maximum(den, 1e-300), 0.0)


def bootstrap_lags(video_signal: np.ndarray, audio_signal: np.ndarray, max_offset: int = MAX_OFFSET, *,
                   n: int = BOOTSTRAP_N, block: int = BOOTSTRAP_BLOCK, seed: int = 0) -> np.ndarray:
    """Best lag of :func:`lagged_correlation` on ``n`` block-bootstrap resamplings of the clip's frames.

    Each replicate weights every video frame by how often the moving-block
    bootstrap drew it and recomputes the correlation at every lag, exactly as
    :func:`lagged_correlation` does on the real clip. How much the best lag
    moves between replicates is how much it depends on which moments of the
    clip happen to be there.

    Returns
    -------
    np.ndarray
        int ``[n]`` best lag per replicate.
    """
    v, a, max_offset = _check_pair(video_signal, audio_signal, max_offset)
    T = len(v)
    n = check_int(n, "The number of bootstrap replicates", lo=1, hi=100_000)
    block = check_int(block, "The bootstrap block (frames)", lo=1, hi=MAX_FRAMES)
    seed = check_int(seed, "seed", lo=0, hi=2**63 - 1)
    if n * T * (2 * max_offset + 1) > MAX_BOOT_WORK:
        raise InputError(f"{n} replicates of {T} frames at {2 * max_offset + 1} lags is too much work; "
                         "use fewer replicates or a shorter clip.")
    W = _block_counts(T, n, block, seed)
    lags = np.arange(-max_offset, max_offset + 1)
    R = np.empty((n, len(lags)))
    for j, lag in enumerate(lags):
        i0, i1 = max(0, lag), min(T, T + lag)
        R[:, j] = _weighted_pearson(W[:, i0:i1], v[i0:i1], a[i0 - lag:i1 - lag])
    return lags[np.argmax(R, axis=1)]


def uncertainty_range(boot_lags: np.ndarray, best: int, level: float = CONFIDENCE_LEVEL) -> int:
    """Half-width of the smallest range ``best ± u`` (frames) holding ``level`` of the bootstrap estimates."""
    boot_lags = check_values(boot_lags, "The bootstrap lags", lo=-1e9, hi=1e9, ndim=1, max_len=10_000_000)
    best = check_int(best, "The best lag", lo=-10**9, hi=10**9)
    level = check_number(level, "level", lo=0.0, lo_open=True, hi=1.0)
    dev = np.sort(np.abs(boot_lags - best))
    if dev.size == 0:
        return 0
    k = int(np.ceil(level * dev.size)) - 1
    return int(dev[min(max(k, 0), dev.size - 1)])


def decide(offset_frames: int, boot_lags: np.ndarray, lags: np.ndarray, *, speech_s: float,
           mouth_grey: float | None = None, fps: int = FPS, level: float = CONFIDENCE_LEVEL,
           max_uncertainty: float = MAX_UNCERTAINTY_FRAMES, min_speech_s: float = MIN_SPEECH_S,
           still_grey: float = STILL_MOUTH_GREY) -> tuple[str, float, str, np.ndarray]:
    """The verdict a user can act on, from the estimate and its bootstrap replicates.

    In order: too little speech, a mouth that does not move, or an uncertainty
    range wider than ``max_uncertainty`` (a flat or two-peaked curve) give
    ``"cannot_tell"``; otherwise ``"in_sync"`` when 0 lies in
    ``offset ± uncertainty`` and ``"offset"`` when it does not.

    Returns
    -------
    verdict : str
    uncertainty_frames : float
    reason : str
    support : np.ndarray
        Share of the replicates choosing each lag of ``lags``.
    """
    offset_frames = check_int(offset_frames, "offset_frames", lo=-10**9, hi=10**9)
    boot_lags = check_values(boot_lags, "The bootstrap lags", lo=-1e9, hi=1e9, ndim=1, max_len=100_000)
    lags = check_values(lags, "The lags", lo=-1e9, hi=1e9, ndim=1, max_len=2 * MAX_SEARCH + 1)
    speech_s = check_number(speech_s, "speech_s", lo=0.0, unit="s")
    if mouth_grey is not None:
        mouth_grey = check_number(mouth_grey, "mouth_grey", lo=0.0)
    fps = check_number(fps, "The frame rate (fps)", lo=0.0, lo_open=True, hi=1000.0)
    level = check_number(level, "level", lo=0.0, lo_open=True, hi=1.0)
    max_uncertainty = check_number(max_uncertainty, "max_uncertainty (frames)", lo=0.0)
    min_speech_s = check_number(min_speech_s, "min_speech_s", lo=0.0, unit="s")
    still_grey = check_number(still_grey, "still_grey", lo=0.0)
    support = np.array([np.mean(boot_lags == lag) for lag in lags]) if boot_lags.size else np.zeros(len(lags))
    u = float(uncertainty_range(boot_lags, offset_frames, level)) if boot_lags.size else float("nan")
    ms = 1000.0 / fps
    if speech_s < min_speech_s:
        return ("cannot_tell", u, f"Too little speech: only {speech_s:.2f} s of the audio rises "
                f"{SPEECH_ABOVE_FLOOR_DB:g} dB above its noise floor (at least {min_speech_s:g} s is needed).", support)
    if mouth_grey is not None and mouth_grey < still_grey:
        return ("cannot_tell", u, f"The mouth hardly moves (it changes by {mouth_grey:.2f} grey levels RMS, "
                f"below {still_grey:g}): there is no lip motion to line the sound up with.", support)
    if not np.isfinite(u) or u > max_uncertainty:
        far = float(np.mean(np.abs(boot_lags - offset_frames) > max_uncertainty)) if boot_lags.size else 1.0
        return ("cannot_tell", u, f"No shift stands out: on resampled versions of the clip the best shift moves "
                f"by more than ±{max_uncertainty:g} frames {100 * far:.0f} % of the time (a flat or two-peaked "
                "curve).", support)
    span = f"±{u:.0f} frame{'s' if u != 1 else ''} (±{u * ms:.0f} ms)"
    if abs(offset_frames) <= u:
        return ("in_sync", u, f"In sync: the best shift is {offset_frames:+d} frames {span}, a range that "
                "includes 0.", support)
    lead = "leads" if offset_frames > 0 else "lags"
    return ("offset", u, f"The audio {lead} the picture by {abs(offset_frames)} frames "
            f"({abs(offset_frames) * ms:.0f} ms) {span}.", support)


# --------------------------------------------------------------------------- FaceSync-style CCA
def _ridge_cca(X: np.ndarray, Y: np.ndarray, reg: float) -> tuple[np.ndarray, np.ndarray]:
    """First pair of canonical directions of centred ``X`` and ``Y``, with ridge ``reg`` (relative to the mean variance)."""
    n = len(X)
    Cxx, Cyy, Cxy = X.T @ X / n, Y.T @ Y / n, X.T @ Y / n
    Cxx = Cxx + reg * np.trace(Cxx) / len(Cxx) * np.eye(len(Cxx)) + 1e-12 * np.eye(len(Cxx))
    Cyy = Cyy + reg * np.trace(Cyy) / len(Cyy) * np.eye(len(Cyy)) + 1e-12 * np.eye(len(Cyy))
    Lx, Ly = np.linalg.cholesky(Cxx), np.linalg.cholesky(Cyy)
    K = np.linalg.solve(Lx, np.linalg.solve(Ly, Cxy.T).T)
    U, _, Vt = np.linalg.svd(K)
    return np.linalg.solve(Lx.T, U[:, 0]), np.linalg.solve(Ly.T, Vt[0])


def cca_curve(video_features: np.ndarray, audio_features: np.ndarray, max_offset: int = MAX_OFFSET, *,
              n_folds: int = 5, reg: float = 0.1) -> tuple[np.ndarray, np.ndarray, list]:
    """Held-out canonical correlation at every lag (FaceSync, Slaney & Covell 2001).

    For each lag the frames both signals cover are cut into ``n_folds``
    consecutive blocks; a ridge CCA is fitted on all blocks but one and the
    first canonical pair is projected on the held-out block. The score is the
    Pearson correlation of all held-out projections, so a lag cannot win by
    overfitting.

    Returns
    -------
    lags, r : np.ndarray
    pairs : list of (t, u, w)
        Video-frame indices and held-out projections per lag (for the bootstrap).
    """
    V = check_signal(video_features, "The video features", ndim=(1, 2), dtype=np.float64, max_abs=MAX_SIGNAL)
    A = check_signal(audio_features, "The audio features", ndim=(1, 2), dtype=np.float64, max_abs=MAX_SIGNAL)
    V, A = (V[:, None] if V.ndim == 1 else V), (A[:, None] if A.ndim == 1 else A)
    if V.shape[1] > 256 or A.shape[1] > 256:
        raise InputError(f"At most 256 features per frame; got {V.shape[1]} (video) and {A.shape[1]} (audio).")
    max_offset = check_int(max_offset, "max_offset (frames)", lo=0, hi=MAX_SEARCH)
    n_folds = check_int(n_folds, "n_folds", lo=2, hi=50)
    reg = check_number(reg, "reg", lo=0.0, hi=1e6)
    T = len(V)
    if len(A) != T or T > MAX_FRAMES:
        raise InputError(f"The video and audio features need one row per frame each (at most {MAX_FRAMES:,}); "
                         f"got {len(V)} and {len(A)}.")
    if T - max_offset < 2 * n_folds:
        raise InputError(f"{T} frames are too few for {n_folds} folds at ±{max_offset} frames of offset.")
    lags = np.arange(-max_offset, max_offset + 1)
    r = np.empty(len(lags))
    pairs = []
    for j, lag in enumerate(lags):
        i0, i1 = max(0, lag), min(T, T + lag)
        X, Y = V[i0:i1], A[i0 - lag:i1 - lag]
        m = len(X)
        edges = np.linspace(0, m, n_folds + 1).round().astype(int)
        u, w = np.empty(m), np.empty(m)
        for b in range(n_folds):
            test = np.zeros(m, bool)
            test[edges[b]:edges[b + 1]] = True
            mx, my = X[~test].mean(axis=0), Y[~test].mean(axis=0)
            wx, wy = _ridge_cca(X[~test] - mx, Y[~test] - my, reg)
            u[test], w[test] = (X[test] - mx) @ wx, (Y[test] - my) @ wy
        r[j] = float(_weighted_pearson(np.ones((1, m)), u, w)[0])
        pairs.append((np.arange(i0, i1), u, w))
    return lags, r, pairs




# --------------------------------------------------------------------------- the estimate
def estimate_offset(frames: np.ndarray, audio: np.ndarray, *, method: str = DEFAULT_METHOD,
                    max_offset: int = MAX_OFFSET, model=None, boxes: np.ndarray | None = None,
                    vad_weight: float = 0.0, detect_every: int = 5, remove_head_motion: bool = False,
                    combine: str = "clip", chunk_frames: int = FPS, seed: int = 0,
                    highpass_frames: int = HIGHPASS_FRAMES) -> SyncResult:
    """Estimate by how many frames the audio leads the video, and say whether that can be told.

    Parameters
    ----------
    frames : np.ndarray
        uint8 RGB ``[T, H, W, 3]`` at 25 fps.
    audio : np.ndarray
        float32 mono at 16 kHz, sample 0 at frame 0 (``T * 640`` samples; shorter is zero-padded).
    method : {"multicue", "energy", "cca", "syncnet"}
        Mouth opening × loudness from several cues (default), the original
        mouth-motion × speech-energy correlation, FaceSync-style held-out CCA,
        or the SyncNet network. See the module docstring.
    max_offset : int
        Search ``-max_offset ... +max_offset`` frames (SyncNet's default 15 = ±600 ms).
    model : torch.nn.Module, optional
        A loaded SyncNet (``lib.syncnet.load_syncnet``); required for ``"syncnet"``.
    boxes : np.ndarray, optional
        Face boxes ``[T, 4]``; detected when omitted.
    vad_weight : float
        ``"energy"`` only: 0 (default) weights all frames equally; 1 uses only
        frames with speech energy above the midpoint of its range. Measured on
        the GRID clips, weighting *hurts*: silent frames with a still mouth are
        evidence too.
    detect_every : int
        Run the face detector on every n-th frame.
    remove_head_motion : bool
        ``"energy"`` only: subtract upper-face motion from mouth motion (see :func:`mouth_motion`).
    combine : {"clip", "chunks"}
        ``"multicue"`` only: one correlation over the whole clip (default), or
        one correlation curve per ``chunk_frames`` window (1 s, half-overlapping)
        averaged with weights equal to each window's confidence
        (max - median), as SyncNet averages windows. Either way the bootstrap
        resamples blocks of frames and repeats the whole computation.
    seed : int
        Seed of the bootstrap behind the verdict and the uncertainty.
    highpass_frames : int
        ``"multicue"``/``"cca"``: the high-pass window (see :func:`highpass`).

    Returns
    -------
    SyncResult
        Positive ``offset_frames`` = audio leads the video; ``verdict`` and
        ``uncertainty_frames`` say how far to trust it.

    Raises
    ------
    InputError
        Bad shapes, too short, no face found, unknown method.
    """
    if not isinstance(method, str) or method not in METHODS:
        raise InputError(f"Unknown method {method!r:.40}; choose one of {', '.join(METHODS)}.")
    if not isinstance(combine, str) or combine not in ("chunks", "clip"):
        raise InputError(f"combine must be 'chunks' or 'clip'; got {combine!r:.40}.")
    frames = _check_frames(frames)
    T = len(frames)
    max_offset = check_int(max_offset, "max_offset (frames)", lo=1, hi=MAX_SEARCH)
    vad_weight = check_number(vad_weight, "vad_weight", lo=0.0, hi=1.0)
    detect_every = check_int(detect_every, "detect_every (frames)", lo=1, hi=MAX_FRAMES)
    chunk_frames = check_int(chunk_frames, "chunk_frames", lo=1, hi=MAX_FRAMES)
    seed = check_int(seed, "seed", lo=0, hi=2**63 - 1)
    highpass_frames = check_int(highpass_frames, "highpass_frames", lo=0, hi=MAX_FRAMES)
    if T > MAX_WINDOW_SAMPLES // (2 * SAMPLES_PER_FRAME):
        raise InputError(f"The clip has {T} frames ({T / FPS:.0f} s); at most "
                         f"{MAX_WINDOW_SAMPLES // (2 * SAMPLES_PER_FRAME)} are analysed at once. Cut it first.")
    if T < max(FPS, 2 * max_offset + 5):
        raise InputError(
            f"The clip has {T} frames ({T / FPS:.2f} s); at least {max(FPS, 2 * max_offset + 5)} are needed "
            f"to search ±{max_offset} frames."
        )
    audio = check_signal(audio, "The audio", ndim=(1, 2), min_len=0, dtype=np.float32, max_abs=MAX_AMPLITUDE)
    audio = audio.reshape(-1)
    need = T * SAMPLES_PER_FRAME
    audio = np.pad(audio[:need], (0, max(0, need - len(audio))))
    notices: list[str] = []
    found = 1.0
    if boxes is None:
        boxes, found = detect_faces(frames, every=detect_every)
        if found < 0.5:
            notices.append(f"The face was found in only {100 * found:.0f} % of the frames checked; "
                           "the box in between is interpolated, so the estimate is less reliable.")
    boxes = _check_boxes(boxes, "boxes", T)
    # The matrices here are small (at most a few hundred rows); BLAS threads only contend for the
    # cores (measured: a 75×75 eigh 250× slower with two threads on a busy 2-core machine).
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        result, boot, speech_s, mouth_grey = _estimate(frames, audio, boxes, method, max_offset, model, vad_weight,
                                                       remove_head_motion, combine, chunk_frames, seed,
                                                       highpass_frames)
    result.verdict, result.uncertainty_frames, result.verdict_reason, result.support = decide(
        result.offset_frames, boot, result.lags, speech_s=speech_s, mouth_grey=mouth_grey)
    result.speech_s = speech_s
    result.boxes = boxes
    result.mouth_boxes = mouth_boxes(boxes)
    result.face_found_fraction = found
    if abs(result.offset_frames) == max_offset:
        notices.append(f"The best lag is at the edge of the search range (±{max_offset} frames): "
                       "the true offset may be larger, or there is no clear match.")
    result.notices = notices + result.notices
    return result


def _estimate(frames, audio, boxes, method, max_offset, model, vad_weight, remove_head_motion, combine,
              chunk_frames, seed, highpass_frames):
    T = len(frames)
    speech_s = speech_seconds(audio, T)
    if method == "syncnet":
        result, boot = _estimate_syncnet(frames, audio, boxes, max_offset, model, seed)
        mouth_grey = None
    else:
        mouth_grey = mouth_activity(frames, boxes)
        if method == "multicue":
            result, boot = _estimate_multicue(frames, audio, boxes, max_offset, combine, chunk_frames, seed,
                                              highpass_frames)
        elif method == "cca":
            result, boot = _estimate_cca(frames, audio, boxes, max_offset, seed, highpass_frames)
        else:
            result, boot = _estimate_energy(frames, audio, boxes, max_offset, vad_weight, remove_head_motion, seed)
    return result, boot, speech_s, mouth_grey


def _correlation_result(v: np.ndarray, a: np.ndarray, lags: np.ndarray, r: np.ndarray, method: str,
                        **extra) -> SyncResult:
    """A :class:`SyncResult` from a correlation curve (score ``1 - r``, lower is better)."""
    curve = 1.0 - np.asarray(r, float)
    j = int(np.argmin(curve))
    med = float(np.median(curve))
    return SyncResult(
        offset_frames=int(lags[j]), confidence=med - float(curve[j]), min_dist=float(curve[j]), curve=curve,
        framewise_conf=_framewise_conf(v, a, int(lags[j]), med), lags=lags, method=method,
        curve_label="1 − correlation", mouth_signal=_z(v), audio_signal=_z(a), **extra,
    )


def _estimate_energy(frames, audio, boxes, max_offset, vad_weight, remove_head_motion, seed):
    T = len(frames)
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
    boot = bootstrap_lags(mouth, energy, max_offset, seed=seed)
    return _correlation_result(mouth, energy, lags, r, "energy"), boot


def _cue_signal(cues: dict[str, np.ndarray], highpass_frames: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Each cue high-passed, smoothed by [1/4, 1/2, 1/4] and z-scored; their mean (the consensus)."""
    clean = {k: _z(_smooth3(highpass(c, highpass_frames))) for k, c in cues.items()}
    return _z(np.mean(list(clean.values()), axis=0)), clean


def _chunk_curves(v: np.ndarray, a: np.ndarray, max_offset: int, chunk: int,
                  frame_weights: np.ndarray | None = None) -> np.ndarray:
    """Correlation curve of each half-overlapping ``chunk``-frame window of the video.

    With ``frame_weights`` ``[n, T]`` (bootstrap replicates) every curve is
    recomputed under each row of weights. Returns ``[n_chunks, n_lags]``, or
    ``[n, n_chunks, n_lags]`` with weights.
    """
    T = len(v)
    chunk = int(min(max(chunk, 6), T))
    starts = range(0, T - chunk + 1, max(1, chunk // 2))
    lags = np.arange(-max_offset, max_offset + 1)
    W = np.ones((1, T)) if frame_weights is None else np.asarray(frame_weights, float)
    out = np.zeros((len(W), len(starts), len(lags)))
    for c, s0 in enumerate(starts):
        for j, lag in enumerate(lags):
            t = np.arange(max(s0, lag), min(s0 + chunk, T + lag))
            if len(t) > 3:
                out[:, c, j] = _weighted_pearson(W[:, t], v[t], a[t - lag])
    return out[0] if frame_weights is None else out


def _combine_chunks(C: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Confidence-weighted mean of window curves (``[..., n_chunks, n_lags]``): ``(curve, weights)``."""
    w = np.maximum(C.max(axis=-1) - np.median(C, axis=-1), 0.0) + 1e-9
    return np.einsum("...c,...cl->...l", w, C) / w.sum(axis=-1)[..., None], w


def _estimate_multicue(frames, audio, boxes, max_offset, combine, chunk_frames, seed, highpass_frames):
    T = len(frames)
    v, mouth = _cue_signal(mouth_cues(frames, boxes), highpass_frames)
    a, _ = _cue_signal(voice_cues(audio, T), highpass_frames)
    lags = np.arange(-max_offset, max_offset + 1)
    cue_curves = {k: lagged_correlation(c, a, max_offset)[1] for k, c in mouth.items()}
    C = w = None
    if combine == "chunks":
        C = _chunk_curves(v, a, max_offset, chunk_frames)
        r, w = _combine_chunks(C)
        # The same windows and weights, recomputed on block-bootstrap resamplings of the frames.
        Rb, _ = _combine_chunks(_chunk_curves(v, a, max_offset, chunk_frames,
                                              _block_counts(T, BOOTSTRAP_N, BOOTSTRAP_BLOCK, seed)))
        boot = lags[np.argmax(Rb, axis=1)]
    else:
        _, r = lagged_correlation(v, a, max_offset)
        boot = bootstrap_lags(v, a, max_offset, seed=seed)
    return _correlation_result(v, a, lags, r, "multicue", cue_curves=cue_curves, chunk_curves=C,
                               chunk_weights=w), boot


def _estimate_cca(frames, audio, boxes, max_offset, seed, highpass_frames, k: int = 5):
    T = len(frames)
    crops = grey_patches(frames, mouth_boxes(boxes), (32, 24)).reshape(T, -1)
    V = _pca_scores(highpass(crops.astype(np.float64), highpass_frames), k)
    A = _pca_scores(highpass(log_mel_frames(audio, T), highpass_frames), k)
    lags, r, pairs = cca_curve(V, A, max_offset)
    W = _block_counts(T, BOOTSTRAP_N, BOOTSTRAP_BLOCK, seed)
    R = np.stack([_weighted_pearson(W[:, t], u, w) for t, u, w in pairs], axis=1)
    boot = lags[np.argmax(R, axis=1)]
    res = _correlation_result(V[:, 0], A[:, 0], lags, r, "cca")
    res.curve_label = "1 − held-out canonical correlation"
    return res, boot


def _estimate_syncnet(frames, audio, boxes, max_offset, model, seed: int = 0):
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
    # Bootstrap over the 5-frame windows: mean distance per lag under resampled windows.
    d = dists.reshape(len(dists), -1)[:, ::-1]
    W = _block_counts(len(d), BOOTSTRAP_N, BOOTSTRAP_BLOCK, seed)
    boot = lags[np.argmin(W @ d / W.sum(axis=1, keepdims=True), axis=1)]
    return SyncResult(
        offset_frames=int(s["offset_frames"]), confidence=float(s["confidence"]), min_dist=float(s["min_dist"]),
        curve=curve, framewise_conf=np.asarray(s["framewise_conf"], float), lags=lags, method="syncnet",
        curve_label="mean embedding distance",
    ), boot


def estimate_clip(clip: AVClip, **kwargs) -> SyncResult:
    """:func:`estimate_offset` on a decoded :class:`~lib.video.AVClip`."""
    if not isinstance(clip, AVClip):
        raise InputError(f"estimate_clip needs a decoded clip (lib.video.AVClip); got {type(clip).__name__}.")
    return estimate_offset(clip.frames, clip.audio, **kwargs)


def correlation_at(result: SyncResult, lag: int) -> float:
    """Correlation of the two signals when the audio is assumed to lead by ``lag`` frames."""
    if not isinstance(result, SyncResult):
        raise InputError(f"correlation_at needs a SyncResult from estimate_offset; got {type(result).__name__}.")
    lag = check_int(lag, "The lag (frames)", lo=-MAX_SEARCH, hi=MAX_SEARCH)
    if result.mouth_signal is None or result.audio_signal is None:
        raise InputError("This result has no mouth/audio signals (only the energy method keeps them).")
    _, r = lagged_correlation(result.mouth_signal, result.audio_signal, max(abs(int(lag)), 1))
    return float(r[int(lag) + max(abs(int(lag)), 1)])


def advance_audio(audio: np.ndarray, offset_frames: int, *, fps: int = FPS, sr: int = SR) -> np.ndarray:
    """Move the audio ``offset_frames`` video frames earlier (it then leads by that much more).

    Keeps the length: samples pushed off one end are dropped, silence fills the other. Negative
    values delay the audio. This is how tests and the bench induce a known offset in memory.
    """
    audio = check_signal(audio, "The audio", min_len=0, dtype=np.float32)
    sr, fps = _check_rates(sr, fps)
    n = check_int(offset_frames, "offset_frames", lo=-10**9, hi=10**9) * (sr // fps)
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

    a = check_signal(before, "The first soundtrack", ndim=(1, 2), min_len=0, dtype=np.float64,
                     max_abs=MAX_AMPLITUDE).reshape(-1)
    b = check_signal(after, "The second soundtrack", ndim=(1, 2), min_len=0, dtype=np.float64,
                     max_abs=MAX_AMPLITUDE).reshape(-1)
    max_frames = check_int(max_frames, "max_frames", lo=0, hi=10**6)
    sr, fps = _check_rates(sr, fps)
    if a.size + b.size > MAX_WINDOW_SAMPLES:
        raise InputError(f"The soundtracks are too long to compare ({a.size + b.size:,} samples together; at most "
                         f"{MAX_WINDOW_SAMPLES:,}). Cut them first.")
    if a.size == 0 or b.size == 0 or not (np.any(a) and np.any(b)):
        raise InputError("Both soundtracks must hold some sound to compare them.")
    c = correlate(a, b, mode="full", method="fft")
    lags = np.arange(-(len(b) - 1), len(a))
    limit = max_frames * (sr // fps)
    ok = np.abs(lags) <= limit
    return float(lags[ok][np.argmax(c[ok])] / (sr / fps))


def itu_band_frames(fps: int = FPS) -> tuple[float, float]:
    """ITU-R BT.1359 detectability band in frames on the offset axis (audio-late, audio-early)."""
    fps = check_number(fps, "The frame rate (fps)", lo=0.0, lo_open=True, hi=1000.0)
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

    path_in = _path(path_in)
    path_out = _path(path_out)
    if path_out.is_dir() or not path_out.parent.is_dir():
        raise InputError(f"Cannot write {path_out}: it is a folder or its folder does not exist.")
    offset_frames = check_int(offset_frames, "offset_frames", lo=-10**6, hi=10**6)
    fps = check_number(fps, "The frame rate (fps)", lo=0.0, lo_open=True, hi=1000.0)
    audio_bitrate = check_int(audio_bitrate, "The audio bitrate", lo=8000, hi=512000)
    fd, tmp = tempfile.mkstemp(prefix=".shift_", suffix=".mp4", dir=path_out.parent)
    os.close(fd)
    try:
        _write_shifted(path_in, tmp, offset_frames, fps=fps, audio_bitrate=audio_bitrate)
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
