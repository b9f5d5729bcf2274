"""Lip-sync offset viewer: measure, see, hear and fix how far the sound is from the picture."""

from __future__ import annotations

import hashlib
import importlib.util
import tempfile
from pathlib import Path

import numpy as np
import streamlit as st

from components import sync_figures as SF
from components.audio_io import escape_markdown
from components.errors import offer_download, show_weights_unavailable, stop_on_input_error
from components.presenter import chart, demo_scenarios, figure_slot, inputs
from components.session_files import SessionFolder, session_folder
from components.teach import in_depth, intro, show_code
from lib import sync
from lib.errors import InputError, WeightsUnavailable
from lib.video import FPS, browser_playable, load_av, probe

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "talking_face_offset.mp4"
SAMPLE_OFFSET = 4  # frames the built-in sample's audio leads by (samples/make_sync_sample.py)
UPLOAD_TYPES = ["mp4", "mov", "mkv", "avi", "mpg", "mpeg", "webm", "m4v"]
MAX_S = 10.0  # seconds analysed on this page
SOURCES = ("Built-in sample (a drawn face; audio leads by 4 frames)", "Upload a video")
METHODS = {"multicue": "Mouth opening × loudness (no weights)", "energy": "Mouth motion × speech energy (the first "
           "estimator)", "cca": "FaceSync CCA (for comparison)", "syncnet": "SyncNet (needs its weights)"}
VERDICT_TITLE = {"in_sync": "In sync", "offset": "Out of sync", "cannot_tell": "Cannot tell from this clip"}


# ----------------------------------------------------------------------------- cached work
def _digest(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()[:16]


# The cached functions are keyed by the file's content digest; the path (``_path``, not hashed)
# is each session's own private copy, so two sessions with the same upload share the work.
@st.cache_resource(max_entries=2, show_spinner=False)
def _clip(_path: str, digest: str, name: str):
    # cache_resource: the frames (up to 10 s at ≤ 360 rows, ~170 MB) are not copied on every
    # rerun; they are only read. Two clips at most stay in memory.
    return load_av(_path, max_duration_s=MAX_S, name=name)


@st.cache_resource(max_entries=8, show_spinner=False)
def _estimate(_path: str, digest: str, name: str, method: str):
    clip = _clip(_path, digest, name)
    model = _syncnet_model() if method == "syncnet" else None
    return sync.estimate_offset(clip.frames, clip.audio, method=method, model=model)


@st.cache_resource(show_spinner=False)
def _syncnet_model():
    from lib.syncnet import load_syncnet

    return load_syncnet(download=False)


@st.cache_data(max_entries=8, show_spinner=False)
def _shifted(_path: str, digest: str, shift: int) -> bytes:
    """The file with its audio moved by ``shift`` frames, as MP4 bytes (written in a private temporary folder)."""
    with tempfile.TemporaryDirectory(prefix="ave_shift_") as tmp:
        return sync.shift_audio(_path, Path(tmp) / "shifted.mp4", shift).read_bytes()


@st.cache_data(max_entries=4, show_spinner=False)
def _playable(_path: str, digest: str) -> tuple[bytes | None, str]:
    """``(bytes to play, note)``: the file itself if a browser plays it, else an H.264/AAC MP4 copy."""
    if browser_playable(_path):
        return None, ""
    info = probe(_path)
    codecs = f"{info['video'][0]['codec']}" + (f" + {info['audio'][0]['codec']}" if info["audio"] else "")
    return _shifted(_path, digest, 0), (f"Browsers do not play this file's {codecs} in a {info['format'].split(',')[0]} "
                                        "container, so the player shows an H.264/AAC MP4 copy (picture and sound "
                                        "unchanged); every measurement uses the original file.")


@st.cache_data(max_entries=8, show_spinner=False)
def _check_shifted(data: bytes, digest: str, method: str) -> dict:
    """Re-measure a shifted copy: its offset (same method), its soundtrack, its duration."""
    with tempfile.TemporaryDirectory(prefix="ave_check_") as tmp:
        path = Path(tmp) / "shifted.mp4"
        path.write_bytes(data)
        clip = load_av(path, max_duration_s=MAX_S)
        model = _syncnet_model() if method == "syncnet" else None
        res = sync.estimate_offset(clip.frames, clip.audio, method=method, model=model)
        return {"offset": res.offset_frames, "audio": clip.audio, "duration_s": probe(path)["duration_s"],
                "frames": len(clip.frames)}


@st.cache_data(max_entries=8, show_spinner=False)
def _box_images(_path: str, digest: str, name: str) -> list[bytes]:
    """Four frames with the boxes drawn, as PNG bytes (encoded once, not on every rerun)."""
    import cv2

    clip = _clip(_path, digest, name)
    res = _estimate(_path, digest, name, sync.DEFAULT_METHOD)
    idx = np.linspace(0, len(clip.frames) - 1, 4).round().astype(int)
    images = SF.boxes_on_frames(clip.frames, res.boxes, res.mouth_boxes, idx)
    return [cv2.imencode(".png", cv2.cvtColor(img, cv2.COLOR_RGB2BGR))[1].tobytes() for img in images]


@st.cache_resource(show_spinner=False)
def _regenerated_folder() -> SessionFolder:
    """A private folder for this server process (removed when it exits)."""
    return SessionFolder()


def _builtin_sample() -> Path:
    """The built-in video; regenerated into a private temporary folder if the repository copy is missing."""
    if SAMPLE.exists():
        return SAMPLE
    out = _regenerated_folder().path / SAMPLE.name
    if not out.exists():
        spec = importlib.util.spec_from_file_location("make_sync_sample", ROOT / "samples" / "make_sync_sample.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        mod.make_sample(out, SAMPLE_OFFSET)
    return out


# ----------------------------------------------------------------------------- the page
intro(
    "Lip-sync offset (SyncNet)",
    "When sound and picture drift apart, the lips move before or after you hear them. SyncNet measures the "
    "drift by sliding the audio against the video frame by frame and keeping the shift at which lips and "
    "voice agree best; this page does that (with or without SyncNet's weights), shows the evidence, and "
    "lets you fix the file.",
    "look at the curve below: its minimum sits at +4 frames, the offset built into the sample. Then move "
    "the **lag** slider further down and watch the two signals line up at that lag.",
)

demo_scenarios({
    "Measure the sample": {"sync_source": SOURCES[0], "sync_method": "multicue", "sync_lag": SAMPLE_OFFSET},
    "Look at lag 0": {"sync_source": SOURCES[0], "sync_lag": 0},
    "Compare FaceSync CCA": {"sync_source": SOURCES[0], "sync_method": "cca"},
    "Fix it": {"sync_source": SOURCES[0], "sync_shift": -SAMPLE_OFFSET},
}, key="sync")
src = inputs()
source = src.side.radio("Video source", SOURCES, key="sync_source", horizontal=True)
name = SAMPLE.name
if source == SOURCES[0]:
    with stop_on_input_error():
        try:
            path = _builtin_sample()
        except Exception as exc:  # drawing/encoding failed: say so, do not crash
            raise InputError(f"The built-in sample is missing and could not be regenerated ({exc}). "
                             "Run `.venv/bin/python samples/make_sync_sample.py`.") from None
    data = path.read_bytes()
    true_offset = SAMPLE_OFFSET
else:
    upload = src.main.file_uploader("Talking-face video (MP4, MOV, MKV, AVI, MPG, WebM)", type=UPLOAD_TYPES,
                              key="sync_upload")
    if upload is None:
        src.main.info("Upload a short video of one person talking, face to the camera (a few seconds is enough); "
                "or switch back to the built-in sample.", icon=":material/upload:")
        st.stop()
    data = upload.getvalue()
    name = upload.name
    if not data:
        st.error("The uploaded file is empty (0 bytes).", icon=":material/error:")
        st.stop()
    # A private, per-session folder (0700, removed when the session ends; see components/session_files.py).
    path = session_folder().save(data, Path(name).suffix or ".mp4")
    true_offset = None
digest = _digest(data)

with stop_on_input_error():
    with st.spinner("Decoding: frames to 25 fps, audio to 16 kHz..."):
        clip = _clip(str(path), digest, name)
    with st.spinner("Finding the face and measuring the mouth..."):
        free_result = _estimate(str(path), digest, name, sync.DEFAULT_METHOD)


def _start_new_clip(clip_id: str, values: dict) -> None:
    """When the clip changes, widgets whose meaning depends on it start again from the new clip's values.

    Without this, a slider kept the previous clip's value in session state while the page
    drew a new default (the new estimate): the slider showed one lag and the figures used
    another. The first clip of a session keeps what the URL says (shared links).
    """
    previous = st.session_state.get("sync_clip_id")
    st.session_state["sync_clip_id"] = clip_id
    if previous is not None and previous != clip_id:
        for key, value in values.items():
            st.session_state.pop(key, None)  # the widget starts again from its default: value


_start_new_clip(digest, {"sync_lag": int(free_result.offset_frames), "sync_shift": 0})

st.caption(
    f"**{escape_markdown(name)}**: {clip.duration_s:.2f} s, {clip.source_size[0]}×{clip.source_size[1]} px at "
    f"{clip.source_fps:.3g} fps → analysed as {len(clip.frames)} frames of {clip.frames.shape[2]}×"
    f"{clip.frames.shape[1]} at {FPS} fps and {len(clip.audio)} audio samples at 16 kHz."
)
for notice in clip.notices + free_result.notices:
    st.caption(f":material/info: {notice}")

method = st.radio("Method", list(METHODS), format_func=METHODS.get, key="sync_method", horizontal=True,
                  bind="query-params")
result = free_result
if method in ("energy", "cca"):
    with stop_on_input_error():
        result = _estimate(str(path), digest, name, method)
elif method == "syncnet":
    try:
        _syncnet_model()
    except WeightsUnavailable as exc:
        show_weights_unavailable(exc)

        def _download(progress):
            from lib.syncnet import load_syncnet

            load_syncnet(download=True, progress=lambda done, total: progress(
                done / total if total else 0.0, f"Downloading syncnet_v2.model: {done / 1e6:.1f} MB"))

        offer_download(_download, key="sync_download", label="Try to download SyncNet's weights now",
                       what="SyncNet's weights", on_done=_syncnet_model.clear)
        st.info("Showing the weight-free estimate (mouth opening × loudness) meanwhile.",
                icon=":material/info:")
    else:
        with stop_on_input_error(), st.spinner("Running SyncNet on every 5-frame window (CPU)..."):
            result = _estimate(str(path), digest, name, "syncnet")

slot = figure_slot()  # presenter mode: the offset curve right under the controls

# --- the numbers ---------------------------------------------------------------------------
lo_f, hi_f = sync.itu_band_frames(FPS)
cols = st.columns(5)
cols[0].metric("Offset", f"{result.offset_frames:+d} frames",
               help="Positive: the audio leads (you hear a sound before the lips make it).")
cols[1].metric("Offset in time", f"{result.offset_ms:+.0f} ms")
u_text = "—" if not np.isfinite(result.uncertainty_frames) else f"±{result.uncertainty_frames:.0f} frames"
cols[2].metric("Uncertainty", u_text,
               help=f"Half-width of the range of shifts that holds {100 * sync.CONFIDENCE_LEVEL:.0f} % of the estimates "
                    "made on resampled versions of this clip (a block bootstrap over its frames)."
                    + ("" if not np.isfinite(result.uncertainty_frames) else f" = ±{result.uncertainty_ms:.0f} ms."))
cols[3].metric("Confidence", f"{result.confidence:.3f}", help="median − minimum of the curve; not a probability.")
cols[4].metric("Min distance" + (" (LSE-D)" if result.method == "syncnet" else " (1 − r)"), f"{result.min_dist:.3f}")
if result.verdict == "cannot_tell":
    verdict = f"**{VERDICT_TITLE[result.verdict]}.** {result.verdict_reason} The best shift on the curve below is " \
              f"{result.offset_frames:+d} frames, but it is not reliable, so no fix is offered."
else:
    u_ms = f" ± {result.uncertainty_ms:.0f} ms" if np.isfinite(result.uncertainty_ms) else ""
    if result.verdict == "in_sync":
        verdict = f"**{VERDICT_TITLE[result.verdict]}** ({result.offset_ms:+.0f}{u_ms}): {result.verdict_reason}"
    elif result.offset_frames > 0:
        verdict = f"The audio comes **{result.offset_ms:.0f} ms early**{u_ms} (it leads the lips)."
    else:
        verdict = f"The audio comes **{-result.offset_ms:.0f} ms late**{u_ms} (it lags the lips)."
    if result.verdict == "offset":
        inside = lo_f <= result.offset_frames <= hi_f
        verdict += (" That is inside the ITU-R BT.1359 detectability band (about −125 ms … +45 ms): most viewers "
                    "would not notice." if inside else
                    " That is outside the ITU-R BT.1359 detectability band (about −125 ms … +45 ms): viewers notice it.")
if true_offset is not None:
    verdict += f" (The sample was made with the audio leading by {true_offset:+d} frames.)"
{"in_sync": st.success, "offset": st.warning, "cannot_tell": st.info}[result.verdict](
    verdict, icon={"in_sync": ":material/check_circle:", "offset": ":material/sync_problem:",
                   "cannot_tell": ":material/help:"}[result.verdict])

chart(SF.offset_curve(result.lags, result.curve, offset=result.offset_frames,
                      curve_label=result.curve_label, fps=FPS, itu_band_frames=(lo_f, hi_f),
                      method=result.method, true_offset=true_offset,
                      uncertainty=result.uncertainty_frames), key="sync_curve", slot=slot)
st.caption("Audio is early on the right (positive offsets) and late on the left. The shaded band is where "
           "ITU-R BT.1359 finds an offset hard to detect (≈ +45 ms early to −125 ms late; approximate, and "
           "a coarse 1-frame grid here). Confidence is the gap between the median and the minimum; the orange "
           "band is the plausible range (the uncertainty).")

chart(SF.framewise_confidence(result.framewise_conf, fps=FPS, method=result.method), key="sync_framewise")
st.caption("Frame-wise confidence: the median of the curve minus this frame's own distance at the chosen offset "
           "(SyncNet's `fconfm`). High where the frame agrees with the chosen offset; pauses with a still mouth "
           "and a silent track count as strong agreement.")

T = len(clip.frames)
idx = np.linspace(0, T - 1, 4).round().astype(int)
images = _box_images(str(path), digest, name)
st.markdown("**Detected face (green) and mouth box (orange)** on four frames")
img_cols = st.columns(4)
for col, i, img in zip(img_cols, idx, images):
    col.image(img, caption=f"frame {i} ({i / FPS:.2f} s)", width="stretch")
st.caption(f"OpenCV's Haar-cascade face detector, run on every 5th frame: a face in "
           f"{100 * free_result.face_found_fraction:.0f} % of them. A still head gets one median box (detector "
           "jitter would look like lip motion); a moving head a track averaged over half a second. The mouth box "
           "is the lower third of the face box.")

# --- lips vs voice -------------------------------------------------------------------------
st.subheader("Lips and voice, side by side")
lag = st.slider("Lag to test (frames, + = audio leads)", -sync.MAX_OFFSET, sync.MAX_OFFSET,
                int(free_result.offset_frames), key="sync_lag", bind="query-params",
                help="Moves the audio signal in time; the correlation is what the curve above shows at this lag.")
r_lag = 1.0 - float(free_result.curve[lag + sync.MAX_OFFSET])
r_zero = 1.0 - float(free_result.curve[sync.MAX_OFFSET])
r_best = 1.0 - float(free_result.min_dist)
chart(SF.aligned_signals(free_result.mouth_signal, free_result.audio_signal, lag, fps=FPS, r=r_lag,
                         mouth_label="mouth opening", audio_label="loudness"), key="sync_aligned")
c1, c2, c3 = st.columns(3)
c1.metric("Correlation at this lag", f"{r_lag:+.3f}", delta=f"{r_lag - r_zero:+.3f} vs. lag 0" if lag else None)
c2.metric("Correlation as the file is (lag 0)", f"{r_zero:+.3f}")
c3.metric("Best correlation", f"{r_best:+.3f}", help=f"at lag {free_result.offset_frames:+d}")
st.caption("Blue: how open the mouth is — the darkness of the mouth opening, the main change of the grey mouth "
           "crop and the lips' vertical optical flow, each high-passed and averaged. Orange: how loud the voice is — "
           "speech-band (300–3000 Hz) and log-mel energy, high-passed and averaged. When the lag matches the true "
           "offset, open mouths line up with loud voice and closed mouths with pauses.")

# --- fix it --------------------------------------------------------------------------------
st.subheader("Fix it: shift the audio and listen")


def _apply_estimate():
    st.session_state["sync_shift"] = -int(result.offset_frames)


shift = st.slider("Audio shift to apply (frames; + moves the audio earlier)", -sync.MAX_OFFSET, sync.MAX_OFFSET,
                  0, key="sync_shift", bind="query-params")
if result.verdict == "offset":
    st.button(f"Apply the estimated offset (shift by {-result.offset_frames:+d} frames)", key="sync_apply",
              on_click=_apply_estimate, icon=":material/auto_fix_high:")
elif result.verdict == "in_sync":
    st.caption(":material/check_circle: Nothing to fix: the estimate is in sync within its uncertainty. The slider "
               "still lets you hear what a shift does.")
else:
    st.caption(":material/help: No fix offered: the estimator cannot tell the offset from this clip. The slider "
               "still lets you try shifts and judge by eye and ear.")
v1, v2 = st.columns(2)
with v1:
    st.markdown("**As uploaded**" if true_offset is None else "**As built**")
    with stop_on_input_error():
        playable, note = _playable(str(path), digest)
    st.video(playable if playable is not None else data)
    if note:
        st.caption(f":material/info: {note}")
with v2:
    st.markdown(f"**Audio shifted by {shift:+d} frames ({1000 * shift / FPS:+.0f} ms)**")
    if shift == 0:
        st.caption("Move the slider or press the button to make a shifted copy.")
    else:
        with stop_on_input_error(), st.spinner("Re-muxing with the shifted audio (PyAV)..."):
            fixed = _shifted(str(path), digest, int(shift))
        st.video(fixed)
        st.download_button("Download the shifted MP4", fixed, file_name=f"{Path(name).stem}_audio{shift:+d}f.mp4",
                           mime="video/mp4", key="sync_download_fixed", icon=":material/download:")
if shift != 0:
    expected = result.offset_frames + shift
    with stop_on_input_error(), st.spinner("Checking the shifted copy..."):
        check = _check_shifted(fixed, _digest(fixed), result.method)
        moved = sync.audio_shift_frames(clip.audio, check["audio"], max_frames=sync.MAX_OFFSET + 1)
        original_s = probe(str(path))["duration_s"]
    k1, k2, k3 = st.columns(3)
    k1.metric("Promised offset after the shift", f"{expected:+d} frames",
              help=f"the estimate {result.offset_frames:+d} plus the shift {shift:+d}")
    k2.metric("Re-measured on the new file", f"{check['offset']:+d} frames",
              delta=f"{check['offset'] - expected:+d} vs. promise" if check["offset"] != expected else None,
              delta_color="off")
    k3.metric("Sound moved by (tracks compared)", f"{moved:+.2f} frames",
              help="Cross-correlation of the original and the new soundtrack: positive = the sound now comes earlier.")
    st.caption(
        f"The copy lasts {check['duration_s']:.2f} s like the original ({original_s:.2f} s) and keeps all "
        f"{check['frames']} frames: the sound pushed past one end is dropped and silence fills the other. "
        f"Comparing the two soundtracks directly shows the sound moved by {moved:+.2f} frames "
        f"(asked: {shift:+d}), so the file does what the button promised."
        + ("" if check["offset"] == expected else
           f" The estimator reads the new file {abs(check['offset'] - expected)} frame(s) away from the promise: it "
           "is not exactly shift-invariant — sound that left the clip no longer counts, silence came in at the "
           "other end, and the copy's audio was encoded once more — so on a clip whose curve has two near-equal "
           "minima the choice can flip. Trust the verdict's uncertainty, not the last frame.")
    )

# --- what the numbers mean -----------------------------------------------------------------
with st.expander("What the numbers mean", icon=":material/help:", expanded=False):
    st.markdown(
        f"""
- **Sign convention** (SyncNet's): a **positive offset means the audio leads** the picture — you hear a
  sound before the lips make it. One frame at 25 fps is 40 ms. To fix an offset *d*, move the audio by
  *−d* frames (the button does this).
- **The curve** holds one score per candidate shift of the audio, −15…+15 frames (±600 ms). SyncNet's score is
  the mean Euclidean distance between its lip and voice embeddings; the weight-free score is 1 − the Pearson
  correlation of mouth opening and loudness. Lower is better in both; the offset is the minimum.
- **The verdict** says *in sync*, *out of sync* or *cannot tell*. The estimate is repeated on 200 resampled
  versions of the clip (a block bootstrap: 0.2-s pieces of it drawn at random); the **uncertainty** is the
  half-width of the range of shifts holding {100 * sync.CONFIDENCE_LEVEL:.0f} % of those estimates. Wider than
  ±{sync.MAX_UNCERTAINTY_FRAMES} frames (a flat or two-peaked curve), less than {sync.MIN_SPEECH_S:g} s of speech,
  or a mouth that does not move: *cannot tell*, and no fix is offered. *In sync* means 0 lies inside the range.
  On clips of a few seconds this is a real limit: the benchmark (`bench/bench_sync.py`) reports how often it
  says *cannot tell* on in-sync speech and how often it is fooled by unrelated audio.
- **LSE-D** (Wav2Lip's "lip-sync error, distance") is SyncNet's minimum distance; **LSE-C** ("confidence") is
  median − minimum. Lip-sync papers report them on SyncNet's official weights; the weight-free method's numbers
  are on a different scale (correlation units) and cannot be compared with them.
- **Confidence is not a probability.** It says how far the best shift stands out from a typical one. SyncNet's
  authors treat values below about 3 as unreliable; for the weight-free method compare clips with each other
  (the built-in sample gives {free_result.confidence:.2f} on its scale).
- **Limits:** one roughly frontal face (profile faces are not detected), one speaker (a second voice or face
  confuses both methods), speech rather than music or singing, and enough of it: a few seconds with pauses
  helps, since the silences (mouth still, no voice) are strong evidence. Offsets beyond ±15 frames are not
  searched; a minimum at the edge means "larger, or no match".
"""
    )

in_depth(
    r"""
**The search.** With video at 25 fps and audio at 16 kHz (640 samples per frame), let $v_t$ be a per-frame
visual feature and $a_t$ an audio feature. For each candidate offset $\delta\in\{-15,\dots,15\}$ compare
$v_t$ with $a_{t-\delta}$ (audio from $\delta$ frames *earlier*), and average over $t$:

$$D(\delta) = \frac{1}{|\mathcal T_\delta|}\sum_{t\in\mathcal T_\delta} d\big(v_t, a_{t-\delta}\big),\qquad
\hat\delta = \arg\min_\delta D(\delta),\qquad \text{conf} = \operatorname{median}_\delta D - \min_\delta D.$$

**SyncNet** (Chung & Zisserman 2016) makes $v_t$ a 1024-d embedding of five 224×224 face crops and $a_t$ an
embedding of 0.2 s of MFCCs (13×20), trained so that true pairs are close; $d$ is the Euclidean distance.
The reference (`SyncNetInstance.py`, joonson/syncnet_python) reports `offset = 15 − argmin`; its demo clip
gives offset 3, min dist 5.353, confidence 10.021.

**Weight-free (default): mouth opening × loudness.** $v_t$ averages three measurements of how open the mouth
is in the mouth box (the lower third of a Haar-cascade face box): the darkness of the opening (median grey
level minus the darkest fifth of the centre), the first principal component of the 32×24 grey crop, and the
running sum of the lips' vertical optical flow (Farnebäck; lower half down, upper half up = opening). $a_t$
averages two measurements of how loud the voice is around frame $t$ (80 ms Hann window): the 300–3000 Hz
log energy and the mean of 20 log-mel bands. Each is high-passed (minus its 0.5-s moving average: slow
posture and level changes carry no timing), smoothed by $[\tfrac14,\tfrac12,\tfrac14]$ (zero phase) and
z-scored; $D(\delta) = 1 - r(\delta)$ with $r$ the Pearson correlation over the frames both signals cover.
Opening and loudness are both *states*. The first estimator (method "energy") correlated mouth *motion*
$\frac{1}{|M|}\sum_p|I_t(p)-I_{t-1}(p)|$ — a rate of change, largest while the mouth opens or closes — with
loudness, a state; the mismatch shifted its peak by up to 4 frames on some speakers.

**FaceSync** (Slaney & Covell 2001, method "cca") fits, for each lag, the linear combinations of mouth-crop
and log-mel principal components that correlate best (canonical correlation), on some windows of the clip,
and scores them on the others. Refitted per lag on a few seconds it also finds spurious matches — the
benchmark shows it — so it is here for comparison.

**How sure.** A moving-block bootstrap redraws the clip's frames in 0.2-s blocks and repeats the whole
correlation 200 times; the share of replicates choosing each shift gives the uncertainty range. Speech
shorter than 0.5 s or a still mouth (under 0.5 grey levels of RMS change) gives *cannot tell* at once.

**Pitfalls.** Lip movement and sound are not simultaneous for every phoneme (lips close *before* a /b/ or /p/
burst), so a correlation method can carry a bias of a frame or two on real speech; on the GRID clips in the
project's benchmark it is within ±1 frame. Moving the head moves the mouth box too, and a box that wobbles
with detector noise turns into fake "lip motion" (on GRID it moved the estimate by up to 6 frames): a still
head gets one median box, a moving one a track averaged over half a second. Variable-frame-rate phone
videos must be resampled by timestamps (done here), not by counting frames.

**ITU-R BT.1359** (1998) puts the detectability of A/V offsets at roughly 45 ms audio-early and 125 ms
audio-late (acceptability at about 90 ms early and 185 ms late); people tolerate late audio more because
sound travels slower than light.

References: J. S. Chung, A. Zisserman, "Out of time: automated lip sync in the wild", ACCV workshops 2016;
K. R. Prajwal et al., "A Lip Sync Expert Is All You Need…" (Wav2Lip, LSE-D/LSE-C), ACM MM 2020; P. Viola,
M. Jones, "Rapid object detection using a boosted cascade of simple features", CVPR 2001.
"""
)
show_code(sync.estimate_offset, sync.mouth_cues, sync.voice_cues, sync.lagged_correlation, sync.bootstrap_lags,
          sync.decide, sync.shift_audio)
