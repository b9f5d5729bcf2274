"""Time domain: amplitude envelope, RMS energy and zero-crossing rate, frame by frame."""

import numpy as np
import streamlit as st

from components import figures
from components.audio_io import SAMPLE_KEY, pick_audio, player
from components.controls import clamp, ensure, follower, remember
from components.errors import stop_on_input_error
from components.presenter import chart, demo_scenarios, figure_slot, inputs
from components.teach import in_depth, intro, show_code
from lib import features

intro(
    "Envelope, RMS & zero-crossing rate",
    "A sound file is just a list of numbers. Cut it into short overlapping **frames** and three "
    "one-number summaries per frame already tell a lot: how loud (peak envelope and RMS) and how noisy "
    "(how often the wave crosses zero).",
    "switch the sample between *Speech with fricatives*, *Drum loop* and *White noise*, then move "
    "**Frame length**: long frames smooth the curves, short frames follow every attack.",
)

FRAME_MIN = 64
_BUILT_IN = {"td_source": "Built-in sample"}
demo_scenarios({
    "Speech: vowels vs s/sh": {**_BUILT_IN, SAMPLE_KEY: "Speech with fricatives", "td_frame": 1024, "td_hop": 512},
    "Drums, short frames": {**_BUILT_IN, SAMPLE_KEY: "Drum loop (percussive)", "td_frame": 256, "td_hop": 128},
    "Drums, long frames": {**_BUILT_IN, SAMPLE_KEY: "Drum loop (percussive)", "td_frame": 8192, "td_hop": 4096},
    "Noise: ZCR near 0.5": {**_BUILT_IN, SAMPLE_KEY: "White noise", "td_frame": 1024, "td_hop": 512},
}, key="td")

src = inputs()
with src.side:
    if not src.presenting:
        st.subheader("Audio")
    clip = pick_audio("td", default="Speech with fricatives", uploads=src.main, min_samples=FRAME_MIN,
                      min_purpose="framing (the shortest frame is 64 samples)")
n_samples = len(clip.samples)

FRAME_CHOICES = [64, 128, 256, 512, 1024, 2048, 4096, 8192]


def hop_options(frame):
    return [h for h in FRAME_CHOICES if h <= frame] or [frame]


def frame_indices(hop):
    return range(1 + n_samples // int(hop))


# The hop follows the frame (keeping the overlap) and "inspect frame k" follows the hop (keeping the
# time it points at), in both directions: components.controls.
c1, c2, c3 = st.columns(3)
frame_length = c1.select_slider("Frame length (samples)", FRAME_CHOICES, value=1024, key="td_frame",
                                bind="query-params",
                                on_change=follower(("td_frame", "td_hop", hop_options, "ratio"),
                                                   ("td_hop", "td_k", frame_indices, "inverse")),
                                help="Samples per frame. The hop follows it, keeping the overlap.")
hop_choices = hop_options(frame_length)
hop_default = hop_choices[-2] if len(hop_choices) > 1 else hop_choices[0]
ensure("td_hop", hop_choices, hop_default)
hop_length = c2.select_slider("Hop length (samples)", hop_choices, value=hop_default, key="td_hop",
                              bind="query-params", on_change=follower(("td_hop", "td_k", frame_indices, "inverse")))
show_grid = c3.toggle("Show the frame grid", value=False, key="td_grid", bind="query-params",
                      help="Draws a line at each frame centre (only when there are at most 300 frames).")
slot = figure_slot()


@st.cache_data(max_entries=32, show_spinner=False)
def compute(y: np.ndarray, sr: int, frame_length: int, hop_length: int):
    env = features.amplitude_envelope(y, frame_length=frame_length, hop_length=hop_length)
    r = features.rms(y, frame_length=frame_length, hop_length=hop_length)
    z = features.zero_crossing_rate(y, frame_length=frame_length, hop_length=hop_length)
    t = features.frames_to_time(np.arange(len(r)), sr=sr, hop_length=hop_length)
    return env, r, z, t


y, sr = clip.samples, clip.sr
with stop_on_input_error():
    env, r, z, t_frames = compute(y, sr, frame_length, hop_length)
rms_db = features.to_dbfs(r)
n_frames = len(r)

m = st.columns(6)
m[0].metric("Frames", f"{n_frames}", help="1 + n // hop with librosa's center=True padding")
m[1].metric("Frame (ms)", f"{1000 * frame_length / sr:.1f}")
m[2].metric("Hop (ms)", f"{1000 * hop_length / sr:.1f}")
m[3].metric("RMS (dBFS)", f"{features.to_dbfs(np.sqrt(np.mean(y.astype(np.float64) ** 2))):.1f}")
m[4].metric("Peak (dBFS)", f"{features.to_dbfs(np.max(np.abs(y))):.1f}")
m[5].metric("Median ZCR", f"{np.median(z):.3f}", help="A sine at f Hz gives about 2f/sr")

st.subheader("Voiced or not? A two-threshold split")
v1, v2 = st.columns(2)
zcr_threshold = v1.slider("ZCR threshold (voiced below)", 0.0, 0.5, 0.12, 0.01, key="td_zcr_thr",
                          bind="query-params")
rms_threshold = v2.slider("Level threshold (dBFS, voiced above)", -80, 0, -40, 1, key="td_rms_thr",
                          bind="query-params")
voiced = features.voiced_mask(z, r, zcr_threshold=zcr_threshold, rms_threshold_db=rms_threshold)

if n_frames > 1:
    clamp("td_k", 0, n_frames - 1)  # a shorter clip has fewer frames
    k = st.slider("Inspect frame k", 0, n_frames - 1, min(n_frames // 3, n_frames - 1), key="td_k",
                  bind="query-params")
else:  # a clip shorter than one hop has a single frame: nothing to slide over
    k = 0
    st.caption(f"The clip ({len(y)} samples) is shorter than one hop ({hop_length}), so it is a single frame, k = 0.")
remember(td_frame=frame_length, td_hop=hop_length, td_k=k)
half = frame_length // 2
frame_start_s = (k * hop_length - half) / sr
frame_span = (frame_start_s, frame_start_s + frame_length / sr)
grid = t_frames if show_grid and n_frames <= 300 else None

fig = figures.time_features(np.arange(len(y)) / sr, y, t_frames, env, r, rms_db, z, voiced=voiced,
                            grid=grid, highlight=frame_span)
chart(fig, key="td_main", slot=slot)
if show_grid and grid is None:
    st.caption(f"The grid is hidden at {n_frames} frames: raise the hop or frame length to see it.")

share = float(voiced.mean())
st.caption(
    f"Green bands in the ZCR panel: frames labelled **voiced** ({100 * share:.0f} % of frames): "
    "periodic sound crosses zero rarely, noise-like fricatives (s, sh, f) cross often, silence is quiet."
)

# The chosen frame, zoomed: exactly what each number summarises.
padded_const = np.pad(y, (half, half))
frame = padded_const[k * hop_length : k * hop_length + frame_length]
padded_edge = np.pad(y, (half, half), mode="edge")
frame_edge = padded_edge[k * hop_length : k * hop_length + frame_length]
crossings = features.zero_crossings(frame_edge)
t_local = frame_start_s + np.arange(frame_length) / sr
c_left, c_right = st.columns([0.65, 0.35])
chart(figures.frame_zoom(t_local, frame, crossings=crossings, peak=float(env[k]), rms_value=float(r[k]),
                         title=f"Frame {k}: {t_local[0]:.3f}–{t_local[-1]:.3f} s"),
      key="td_frame_fig", where=c_left)
with c_right:
    q1, q2 = st.columns(2)
    q1.metric("Envelope max |x|", f"{env[k]:.3f}")
    q2.metric("RMS", f"{r[k]:.3f}")
    q1.metric("RMS (dBFS)", f"{rms_db[k]:.1f}")
    q2.metric("ZCR", f"{z[k]:.3f}")
    st.caption(f"{int(crossings.sum())} sign changes in {frame_length} samples. As a frequency: "
               f"ZCR × sr / 2 ≈ {z[k] * sr / 2:.0f} Hz (a sine at f Hz crosses zero 2f times a second).")

st.subheader("Listen")
a, b, c = st.columns(3)
with a:
    player(y, sr, label="Whole clip", key="td_all")
sample_mask = np.repeat(voiced, hop_length)[: len(y)]
sample_mask = np.pad(sample_mask, (0, max(0, len(y) - len(sample_mask))), constant_values=False)
with b:
    player(np.where(sample_mask, y, 0.0).astype(np.float32), sr, label="Voiced frames only", key="td_v")
with c:
    player(np.where(~sample_mask, y, 0.0).astype(np.float32), sr, label="The rest (unvoiced + silence)", key="td_u")

with st.expander("Our scratch code against librosa", icon=":material/compare_arrows:"):
    st.markdown(
        "The functions above are a few lines of numpy each. Press the button to run "
        "`librosa.feature.rms` and `librosa.feature.zero_crossing_rate` on the same frames and compare. "
        "(The first press imports librosa and compiles some of its numba code: about 3 s of CPU time, "
        "measured on a 2-core machine; longer while the machine is busy.)")
    if st.button("Compare with librosa", key="td_cmp"):
        import librosa

        with st.spinner("Running librosa..."):
            ref_r = librosa.feature.rms(y=y, frame_length=frame_length, hop_length=hop_length)[0]
            ref_z = librosa.feature.zero_crossing_rate(y, frame_length=frame_length, hop_length=hop_length)[0]
        st.metric("Largest RMS difference", f"{np.max(np.abs(ref_r - r)):.2e}")
        st.metric("Largest ZCR difference", f"{np.max(np.abs(ref_z - z)):.2e}")

in_depth(r"""
**Framing.** Frame $k$ covers samples $kH - N/2 \dots kH + N/2 - 1$ for frame length $N$ and hop $H$.
With librosa's default `center=True` the signal is first padded by $N/2$ samples at each end, so frame $k$
is *centred* on time $t_k = kH / s_r$ and there are $1 + \lfloor n / H \rfloor$ frames.
librosa pads **RMS with zeros** but **ZCR with copies of the edge sample** — so edge frames read low
energy but no spurious crossings. Our functions do exactly the same, which is why they match librosa.

**Amplitude envelope** $\;AE_k = \max_{n \in k} |x[n]|$. Velardo's notebook uses $\max x[n]$ without the
absolute value: that misses negative peaks. The peak is sensitive to single outliers (clicks).

**RMS energy** $\;RMS_k = \sqrt{\tfrac{1}{N}\sum_{n \in k} x[n]^2}$, in dBFS $20\log_{10} RMS_k$
(0 dBFS = full-scale square wave). A sine of amplitude $A$ gives $A/\sqrt{2}$ (−3 dB below its peak).
Since $\max|x| \ge RMS$ always, the envelope sits on or above the RMS curve.

**Zero-crossing rate** $\;ZCR_k = \tfrac{1}{N}\sum_n \mathbb{1}[\operatorname{sign} x[n] \ne \operatorname{sign} x[n-1]]$
(librosa counts $N-1$ neighbour pairs over $N$ positions, so alternating $\pm1$ gives $(N-1)/N$).
A sine at $f$ crosses twice per period: $ZCR \approx 2f/s_r$. Noise has high ZCR; voiced speech low.

**Pitfalls.** Long frames average away attacks (drums); short frames make RMS jittery for low pitches
(a frame shorter than a period cannot hold a full cycle). A DC offset kills zero crossings — remove it
first. Quiet noise crosses zero constantly, so a ZCR threshold alone calls silence "unvoiced": pair it
with a level threshold, as here.

**References.** V. Velardo, *AudioSignalProcessingForML*, notebooks 08–09;
musicinformationretrieval.com, "Energy and RMSE" and "Zero Crossing Rate";
`librosa.feature.rms`, `librosa.feature.zero_crossing_rate`, `librosa.frames_to_time`.
""")
show_code(features.frame_signal, features.amplitude_envelope, features.rms, features.zero_crossing_rate)
