"""How SyncNet learns: free pairs from video, a contrastive loss, and a tiny two-tower network trained live."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np
import streamlit as st

from components import sync_training_figures as TF
from components.audio_io import escape_markdown
from components.errors import stop_on_input_error
from components.presenter import chart, demo_scenarios, figure_slot, inputs
from components.session_files import session_folder
from components.teach import in_depth, intro, show_code
from lib import sync, sync_training as ST
from lib.errors import InputError
from lib.talking_face import UTTERANCES, load_utterance, talking_face
from lib.video import FPS, SR, load_av

SOURCES = {"builtin": "Drawn faces saying 8 sentences (built in)", "upload": "Your own talking-face video"}
#: Sentences of the built-in set (speech_fricatives is the lip-sync page's sample; the eight others train).
SENTENCES = [n for n in UTTERANCES if n != "speech_fricatives"]
UPLOAD_TYPES = ["mp4", "mov", "mkv", "avi", "mpg", "mpeg", "webm", "m4v"]
MAX_UPLOAD_S = 20.0
TRAIN_SHARE = 0.7  #: of an upload, the first 70 % trains and the rest tests
#: Finished trainings kept for every session (same settings, same numbers: no need to train twice).
KEEP_RESULTS = 6


# ----------------------------------------------------------------------------- data
@st.cache_resource(max_entries=1, show_spinner=False)
def _builtin_faces() -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Each built-in sentence as a drawn face at 160×120, in sync, with its face boxes (about 40 MB in all)."""
    out = {}
    for i, name in enumerate(SENTENCES):
        audio, phonemes = load_utterance(name)
        # A little variety in the picture: the head sways by a different amount per sentence.
        frames, audio = talking_face(audio, 0, phonemes=phonemes, sway_px=1.5 + 0.5 * (i % 4))
        out[name] = (frames, audio, sync.detect_faces(frames)[0])
    return out


@st.cache_resource(max_entries=2, show_spinner=False)
def _upload_clip(_path: str, digest: str, name: str):
    clip = load_av(_path, max_duration_s=MAX_UPLOAD_S, name=name)
    return clip, sync.detect_faces(clip.frames)[0]


@st.cache_resource(max_entries=4, show_spinner=False)
def _features(key: str, _frames: np.ndarray, _audio: np.ndarray, _boxes: np.ndarray) -> ST.ClipFeatures:
    return ST.prepare_clip(_frames, _audio, boxes=_boxes)


@st.cache_resource(show_spinner=False)
def _store() -> dict:
    """Trained results shared by every session, keyed by everything that decides them."""
    return {"results": OrderedDict(), "locks": {}, "lock": threading.Lock()}


def _digest(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()[:16]


# ----------------------------------------------------------------------------- page
intro(
    "How SyncNet learns",
    "SyncNet was trained without one human label: in any video that is in sync, 0.2 s of mouth and the 0.2 s of "
    "sound recorded with it are a free **positive** pair, and the same mouth with the sound moved a few frames is a "
    "free **negative**. Two small networks embed mouth and sound, a **contrastive loss** pulls positives together "
    "and pushes negatives a margin apart, and afterwards the embedding distance finds the offset of clips it never saw.",
    "press **Train** and watch the two histograms separate epoch by epoch; then move **Audio shift to test** and "
    "see the trained network's curve put its minimum on the shift.",
)
demo_scenarios({"Quick run (5 epochs)": {"train_epochs": 5},
                "Only hard negatives (1–2 frames)": {"train_max_shift": 2},
                "Full run": {"train_epochs": 15, "train_max_shift": 10, "train_margin": 1.0}}, key="train")

src = inputs()
with src.side:
    source = st.radio("Train on", list(SOURCES), format_func=SOURCES.get, key="train_source", bind="query-params")
    if source == "builtin":
        held = st.selectbox("Sentence kept apart for testing", SENTENCES, index=len(SENTENCES) - 1,
                            key="train_held_out", bind="query-params",
                            help="The network trains on the other seven and is tested on this one.")
    epochs = st.slider("Epochs", 1, 40, ST.EPOCHS, key="train_epochs", bind="query-params",
                       help="Passes over all the pairs.")
    max_shift = st.slider("Negatives: max shift (frames)", 1, 15, ST.MAX_SHIFT, key="train_max_shift",
                          bind="query-params", help="Negatives move the audio by 1 … this many frames (40 ms each).")
    margin = st.slider("Margin m", 0.25, 3.0, ST.MARGIN, step=0.25, key="train_margin", bind="query-params",
                       help="Shifted pairs farther apart than this cost nothing.")
    seed = int(st.number_input("Seed", 0, 9999, 0, key="train_seed", bind="query-params", width=140,
                               help="Same seed, same settings: the same network, to the last digit."))

# --- the clips ------------------------------------------------------------------------------
if source == "builtin":
    with st.spinner("Drawing the talking faces..."):
        faces = _builtin_faces()
    train_names = [n for n in SENTENCES if n != held]
    train_clips = [faces[n][:2] for n in train_names]
    train_boxes = [faces[n][2] for n in train_names]
    test_frames, test_audio, test_boxes = faces[held]
    data_key = f"builtin:{held}"
    test_label = f"the sentence “{held.replace('_', ' ')}”, spoken by a voice the network never heard"
else:
    upload = src.main.file_uploader("Talking-face video (one frontal face, speech; 3-20 s)", type=UPLOAD_TYPES,
                                    key="train_upload")
    if upload is None:
        src.main.info("Upload a video of one person talking to the camera: its first 70 % trains the network, "
                      "the rest tests it. Or train on the built-in drawn faces.", icon=":material/upload:")
        st.stop()
    data = upload.getvalue()
    if not data:
        st.error("The uploaded file is empty (0 bytes).", icon=":material/error:")
        st.stop()
    path = session_folder().save(data, Path(upload.name).suffix or ".mp4")
    with stop_on_input_error(), st.spinner("Decoding: frames to 25 fps, audio to 16 kHz..."):
        clip, boxes = _upload_clip(str(path), _digest(data), upload.name)
        if len(clip.frames) < 3 * FPS:  # 70 % = 52 frames to train on, 23 (18 windows) to test a ±12 search
            raise InputError(f"'{escape_markdown(upload.name)}' is {clip.duration_s:.1f} s long; at least 3 s are needed "
                             "(the first 70 % to train on, the rest to test).")
        cut = int(round(TRAIN_SHARE * len(clip.frames)))
    spf = SR // FPS
    train_clips = [(clip.frames[:cut], clip.audio[:cut * spf])]
    train_boxes = [boxes[:cut]]
    test_frames, test_audio, test_boxes = clip.frames[cut:], clip.audio[cut * spf:], boxes[cut:]
    data_key = f"upload:{_digest(data)}"
    test_label = f"the last {100 - 100 * TRAIN_SHARE:.0f} % of {escape_markdown(upload.name)} " \
                 f"({len(test_frames) / FPS:.1f} s), which it did not train on"

key = f"{data_key}|seed={seed}|epochs={epochs}|shift={max_shift}|margin={margin:g}"
train_slot = figure_slot()

# --- 1. free labels -------------------------------------------------------------------------
st.subheader("1. Labels for free: pairs cut from an in-sync video")
with stop_on_input_error(), st.spinner("Finding the mouths..."):
    first = _features(f"{data_key}|first", *train_clips[0], train_boxes[0])
n_windows = [ST.syncnet.n_windows(len(f), len(a)) for f, a in train_clips]
energy = first.mouth.reshape(len(first.mouth), -1).std(axis=1)
start = int(np.argmax(np.convolve(energy[: first.n_windows + 4], np.ones(5), "valid")[: first.n_windows]))
# Show a shifted window that holds sound (a window of silence would make the point badly).
candidates = [k for k in range(-max_shift, max_shift + 1)
              if abs(k) >= max(1, max_shift // 2) and 0 <= start + k < first.n_windows]
shift_show = max(candidates, key=lambda k: float(first.audio_windows([start + k])[0, 0, 0].std())) \
    if candidates else max_shift
raw_mouth = sync.grey_patches(train_clips[0][0][start:start + 5], sync.mouth_boxes(train_boxes[0][start:start + 5]),
                              ST.MOUTH_SIZE)
chart(TF.pair_clock(raw_mouth, first.audio_windows([start])[0, 0],
                    first.audio_windows([start + shift_show])[0, 0], start_frame=start, shift=shift_show),
      key="train_pairs")
c1, c2, c3, c4 = st.columns(4)
c1.metric("Training clips", f"{len(train_clips)}", help=", ".join(n.replace("_", " ") for n in train_names)
          if source == "builtin" else "the first 70 % of your video")
c2.metric("5-frame windows", f"{sum(n_windows)}", help="min(T, audio samples / 640) − 5 per clip, as SyncNet counts")
c3.metric("Pairs per epoch", f"{2 * sum(n_windows)}", help="each window once in sync, once shifted")
c4.metric("Human labels needed", "0")
st.caption(
    "The clock: video runs at 25 frames/s (40 ms per frame) and the MFCCs at 100 steps/s (a 25 ms window every "
    "10 ms), so one video frame spans **4 MFCC steps** and a 5-frame window (0.2 s) pairs with **13 × 20** MFCCs "
    "starting at step 4 × (first frame). The mouth crops are the mouth box of the lip-sync page, 48 × 32 grey "
    "pixels (shown as they are; the network gets them with the clip's mean mouth removed, so what is left is how "
    "the mouth *changes*); the MFCCs are the ones SyncNet's reference computes, normalised per coefficient over "
    "the clip (shown so)."
)
l1, l2 = st.columns(2)
l1.page_link("app_pages/spectrogram.py", label="Spectrogram & mel: the 10 ms hop and the mel bands", icon=":material/gradient:")
l2.page_link("app_pages/mfcc.py", label="MFCCs: from log-mel to the 13 numbers per step", icon=":material/stacked_bar_chart:")

# --- 2. the loss ----------------------------------------------------------------------------
st.subheader("2. The contrastive loss")
left, right = st.columns([0.45, 0.55])
with left:
    st.markdown(
        r"""For a pair with embeddings $v$ (mouth) and $a$ (sound) at distance $d = \lVert v - a\rVert_2$ and label
$y$ (1 = in sync, 0 = shifted), Chung & Zisserman minimise

$$E = \frac{1}{2N}\sum_{n=1}^{N} \Big( y_n\, d_n^2 + (1 - y_n)\,\max(m - d_n,\, 0)^2 \Big).$$

An in-sync pair pays for **any** distance; a shifted pair pays only while it is **closer than the margin** $m$.
So the network is never asked to push negatives to infinity, only out of the way — and a collapse to one point
for everything costs every negative $m^2/2$."""
    )
with right:
    chart(TF.loss_terms(margin), key="train_loss_terms")

# --- 3. train ---------------------------------------------------------------------------------
# In presenter mode this block (the button and the live curves) sits right under the inputs.
area = train_slot if train_slot is not None else st.container()
area.subheader("3. Train a tiny SyncNet on this CPU")
store = _store()
with store["lock"]:
    result = store["results"].get(key)
    if result is not None:
        store["results"].move_to_end(key)
model_info = area.empty()
go = area.button("Train" if result is None else "Trained — showing the result", key="train_run",
               type="primary", icon=":material/model_training:", disabled=result is not None)
curves_slot, hist_slot = (col.empty() for col in area.columns(2))
status = area.empty()


def _live(epoch: int, res: ST.TrainResult) -> None:
    """Redraw the loss curve and this epoch's histograms while training runs."""
    curves_slot.plotly_chart(TF.training_curves(res.loss, res.gap, epochs=epochs), width="stretch")
    hist_slot.plotly_chart(TF.distance_histograms(res.matched[-1], res.shifted[-1], margin=margin, epoch=epoch),
                           width="stretch")
    status.caption(f"Epoch {epoch} of {epochs}: loss {res.loss[-1]:.3f}, gap {res.gap[-1]:+.3f}, "
                   f"{res.seconds:.1f} s so far.")


if go and result is None:
    with store["lock"]:
        lock = store["locks"].setdefault(key, threading.Lock())
    with lock:  # another session training the same thing: wait for it instead of training twice
        with store["lock"]:
            result = store["results"].get(key)
        if result is None:
            with stop_on_input_error():
                result = ST.train(train_clips, seed=seed, epochs=epochs, max_shift=max_shift, margin=margin,
                                  boxes=train_boxes, held_out=(test_frames, test_audio), held_out_boxes=test_boxes,
                                  on_epoch=_live)
            with store["lock"]:
                store["results"][key] = result
                while len(store["results"]) > KEEP_RESULTS:
                    store["results"].popitem(last=False)
    status.empty()
    st.rerun()

if result is None:
    model_info.caption(f"Nothing trained yet with these settings. The default run (7 sentences, 15 epochs) needs "
                       f"about 15 s of one CPU core (measured by bench/bench_sync_training.py; about 1 s per "
                       f"epoch), longer on a busy machine; the curves below fill in live, one point per epoch.")
    # The empty axes of the loss curve: they fill in, one point per epoch, when Train is pressed.
    curves_slot.plotly_chart(TF.training_curves([], [], epochs=epochs), width="stretch", key="train_curves_empty")
    hist_slot.info("The loss curve (left) and the distance histograms of in-sync and shifted pairs (here) "
                   "fill in while the network trains.", icon=":material/show_chart:")
    st.stop()

model_info.caption(f"Two towers, {result.n_params:,} parameters in all (the released SyncNet: 13.6 million, 8.0 M "
                   f"in the lip tower and 5.7 M in the audio tower). Trained {result.epochs_done} epochs on {result.n_pairs} pairs per epoch in "
                   f"{result.seconds:.1f} s, seed {result.seed}.")
show_epoch = area.slider("Show epoch", 0, result.epochs_done, result.epochs_done, key="train_show_epoch",
                       help="0 = the untrained network.")
chart(TF.training_curves(result.loss, result.gap, epochs=result.epochs_done), key="train_curves", where=curves_slot)
chart(TF.distance_histograms(result.matched[show_epoch], result.shifted[show_epoch], margin=result.margin,
                             epoch=show_epoch,
                             x_max=float(np.percentile(np.r_[result.matched[-1], result.shifted[-1],
                                                             result.matched[0], result.shifted[0]], 99.5)) * 1.05),
      key="train_hist", where=hist_slot)
m1, m2, m3, m4 = area.columns(4)
m1.metric(f"Loss (epoch {show_epoch})", f"{result.loss[show_epoch]:.3f}",
          delta=f"{result.loss[show_epoch] - result.loss[0]:+.3f} vs. untrained", delta_color="inverse",
          help="mean contrastive loss over the epoch's pairs; epoch 0 = the untrained network")
m2.metric(f"Gap (epoch {show_epoch})", f"{result.gap[show_epoch]:+.3f}",
          delta=f"{result.gap[show_epoch] - result.gap[0]:+.3f} vs. untrained",
          help="mean distance of shifted pairs minus mean distance of in-sync pairs (held-in evaluation pairs)")
overlap = float(np.mean(result.shifted[show_epoch] < np.median(result.matched[show_epoch])))
m3.metric("Shifted below in-sync median", f"{100 * overlap:.0f} %",
          help="share of shifted pairs closer than the median in-sync pair: 50 % = no separation, 0 % = complete")
m4.metric("Training time", f"{result.seconds:.1f} s")

# --- 4. a clip it never saw ---------------------------------------------------------------------
st.subheader("4. Measure an offset on a clip it never saw")
st.markdown(f"The test clip is {test_label}. Move its audio by a known number of frames and let the trained towers "
            "find it: for every candidate offset, the mean distance between each mouth window and the sound that "
            "offset away; the minimum is the estimate (SyncNet's own search).")
induced = st.slider("Audio shift to test (frames; + = audio leads)", -10, 10, 3, key="train_test_shift",
                    bind="query-params")
test_audio_shifted = sync.advance_audio(test_audio, induced)
try:
    est = result.estimate_offset(test_frames, test_audio_shifted, max_offset=min(sync.MAX_OFFSET, 12),
                                 boxes=test_boxes)
except InputError as exc:
    st.error(str(exc), icon=":material/error:")
    st.stop()
curves = {}
if result.held_out_curves and induced == 0:
    curves["untrained network"] = result.held_out_curves[0]
curves["trained network"] = est.curve
chart(TF.offset_curves(est.lags, curves, estimate=est.offset_frames, true_offset=induced,
                       title=f"Trained tiny SyncNet on the test clip: estimate {est.offset_frames:+d}, truth {induced:+d}"),
      key="train_test_curve")
e1, e2, e3, e4 = st.columns(4)
e1.metric("Estimated offset", f"{est.offset_frames:+d} frames", delta=f"{est.offset_frames - induced:+d} vs. truth",
          delta_color="off")
e2.metric("Verdict", {"in_sync": "In sync", "offset": "Out of sync", "cannot_tell": "Cannot tell"}[est.verdict],
          help=est.verdict_reason)
e3.metric("Confidence (median − min)", f"{est.confidence:.3f}")
e4.metric("Windows compared", f"{len(est.framewise_conf)}")
if est.verdict == "cannot_tell":
    st.warning(est.verdict_reason, icon=":material/help:")
if induced == 0 and result.held_out_curves:
    st.caption("Grey: the same clip through the untrained network (random weights) — flat, no preferred offset. "
               "Blue: after training. The test clip is not shifted here; move the slider to shift it.")

st.markdown(
    """
**Why the real SyncNet needed hundreds of hours of broadcast video, and what this tiny one cannot do.**
This network has seen one drawn face, seven synthetic voices and about 600 windows (or ten seconds of your
video). What it learns is simple — *the mouth opens when the sound gets loud and voiced, and closes for /p b m/
and pauses* — and because every clip's mean mouth is removed and its MFCCs are normalised, that rule even
carries over to some real faces: measured on four real GRID clips it never saw, the drawn-face model read 85 %
of the induced shifts exactly, but it broke down at large shifts on two of them; trained on three real 3-second
GRID clips instead, it read the fourth right only a quarter of the time — nine seconds of real video are far
too few (`bench/bench_sync_training.py`, every clip reported separately). It has never met a turning head, a
beard, a dark room, a second speaker, a laugh off screen, a camera cut, compression smear or a hand over the
mouth, and it sees a 48 × 32 grey crop. Sync is a *small* signal under *large* nuisances, and only many examples
of each nuisance teach the towers to ignore it: the released SyncNet was trained on several hundred hours of BBC
television — thousands of speakers, every lighting, angle and accent — through 224 × 224 colour crops and
13.6 million weights, for days on GPUs. What carries over from this page is the recipe (free pairs, shifted
negatives, a margin), not the model.
"""
)

in_depth(
    r"""
**Self-supervision.** The label "these belong together" comes from the recording itself: broadcast video is
in sync most of the time, so every 0.2 s window is a positive, and shifting the audio makes a negative at no
cost. Chung & Zisserman (2016) shifted by up to ±2 s; a few hard negatives (±1-2 frames) make the distance
sensitive to small offsets, far ones teach it what "unrelated" looks like. Here negatives are 1…*max* frames away,
uniformly, drawn afresh each epoch.

**The two towers.** Video: the 5 frames enter as 5 channels of the first convolution, so its filters span all
0.2 s at once (the released network's first layer is a 5 × 7 × 7 3-D convolution doing the same); three
conv-BatchNorm-ReLU-pool stages and two linear layers map a window to 32 numbers. Audio: the 13 × 20 MFCC
window is a one-channel image; two stages and two linear layers map it to 32 numbers. Nothing forces the two
spaces to agree except the loss.

**The loss** is the contrastive loss of Hadsell, Chopra & LeCun (2006) as SyncNet uses it:
$E=\frac1{2N}\sum y d^2+(1-y)\max(m-d,0)^2$. Later lip-sync experts (Wav2Lip's, Prajwal et al. 2020) use the
cosine similarity of normalised embeddings with a binary cross-entropy instead; the idea is the same.

**Measuring an offset.** For each candidate offset $\delta$ the mean distance
$D(\delta)=\operatorname{mean}_t \lVert v_t-a_{t-\delta}\rVert$ over the windows whose partner exists; the
estimate is $\arg\min_\delta D$ and the confidence $\operatorname{median}D-\min D$ — the reference's arithmetic
(which also averages over zero-padded windows at the ends; on clips of a few seconds that tilts long offsets, so
they are left out here).

**Pitfalls.** Per-clip normalisation matters (a loud clip would otherwise look "far" from a quiet one). With a
tiny training set the network can memorise the training sentences: watch the test clip, not the training loss.
Sync learned on one face does not transfer to others.

References: J. S. Chung, A. Zisserman, "Out of time: automated lip sync in the wild", ACCV workshops 2016;
R. Hadsell, S. Chopra, Y. LeCun, "Dimensionality reduction by learning an invariant mapping", CVPR 2006;
K. R. Prajwal et al., "A Lip Sync Expert Is All You Need for Speech to Lip Generation In the Wild", ACM MM 2020.
"""
)
show_code(ST.make_pairs, ST.contrastive_loss, ST.train, ST.TrainResult.estimate_offset)
