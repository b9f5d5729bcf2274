"""MFCCs: from the log-mel spectrogram to the 13 numbers per frame that SyncNet and many models eat."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from components import figures
from components.audio_io import pick_audio, player
from components.errors import stop_on_input_error
from components.figures import COLORS, new_figure
from components.presenter import chart, demo_scenarios, inputs
from components.teach import in_depth, intro, show_code
from lib import spectral as S
from lib import syncnet
from lib.audio import match_level, resample

N_FFT, HOP = 2048, 512
MAX_LISTEN_S = 4.0  #: Griffin-Lim resynthesis is limited to the first seconds (it is slow)
VIEWS = ("Log-mel → DCT → MFCC", "Reconstruct from k", "Deltas", "librosa vs SyncNet")

intro(
    "MFCCs",
    "Mel-frequency cepstral coefficients describe the *shape* of each frame's log-mel spectrum with a few numbers: "
    "a DCT rewrites the spectrum as a sum of cosine ripples across the mel bands, and keeping the first 13 keeps the "
    "smooth envelope (formants, tilt, level) and drops the fine detail (harmonics, pitch).",
    "open **Reconstruct from k** and drag **k** from 2 to 40: the blurry spectrogram sharpens, and listening to it "
    "shows how much of the voice 13 numbers per frame keep.",
)

demo_scenarios({
    "13 of 40 coefficients": {"mf_view": "Reconstruct from k", "mf_nmels": 40, "mf_k_40": 13},
    "Only 3 coefficients": {"mf_view": "Reconstruct from k", "mf_nmels": 40, "mf_k_40": 3},
    "SyncNet's input": {"mf_view": "librosa vs SyncNet"},
}, key="mf")
src = inputs()
with src.side:
    # two frames at least (center=True pads the ends), so every slider has a range
    clip = pick_audio("mf", default="Speech with fricatives", uploads=src.main, min_samples=HOP,
                      min_purpose=f"MFCCs (two frames, one hop of {HOP} samples)")

view = st.radio("View", VIEWS, key="mf_view", horizontal=True, bind="query-params", label_visibility="collapsed")
c1, c2, c3 = st.columns(3)
n_mels = c1.select_slider("n_mels (mel bands)", [20, 26, 40, 64, 128], value=40, key="mf_nmels", bind="query-params")
n_mfcc = c2.slider("n_mfcc (coefficients kept)", 2, min(40, n_mels), min(13, n_mels), key=f"mf_nmfcc_{n_mels}",
                   bind="query-params")
lifter = c3.select_slider("Lifter L", [0, 22], value=0, key="mf_lifter",
                          help="0 = none; 22 (HTK, python_speech_features) lifts the small high coefficients")

y, sr = clip.samples, clip.sr


@st.cache_data(max_entries=8, show_spinner=False)
def log_mel(y: np.ndarray, sr: int, n_mels: int) -> np.ndarray:
    return S.power_to_db(S.mel_spectrogram(y, sr, n_fft=N_FFT, hop_length=HOP, n_mels=n_mels), top_db=80.0)


@st.cache_data(max_entries=16, show_spinner=False)
def coeffs(y: np.ndarray, sr: int, n_mels: int, n_mfcc: int, lifter: int) -> np.ndarray:
    return S.mfcc(y, sr, n_mfcc=n_mfcc, n_fft=N_FFT, hop_length=HOP, n_mels=n_mels, lifter=lifter)


@st.cache_data(max_entries=8, show_spinner=False)
def resynth(L: np.ndarray, sr: int) -> np.ndarray:
    return S.log_mel_to_audio(L, sr, n_fft=N_FFT, hop_length=HOP, n_iter=24)


with stop_on_input_error():
    L = log_mel(y, sr, n_mels)
    C = coeffs(y, sr, n_mels, n_mfcc, lifter)
times = np.arange(L.shape[1]) * HOP / sr
mel_pts = np.linspace(S.hz_to_mel(0.0), S.hz_to_mel(sr / 2), n_mels + 2)[1:-1]
mel_ticks = figures.mel_ticks(sr / 2)


def coeff_image(M: np.ndarray, title: str, *, t=None, y_title="coefficient", colorbar="value", height=300,
                zmid: float | None = 0.0) -> go.Figure:
    t = times if t is None else t
    return new_figure([go.Heatmap(x=t, y=np.arange(M.shape[0]), z=M, colorscale="RdBu_r", zmid=zmid,
                                  colorbar=dict(title=dict(text=colorbar)))],
                      title=title, x_title="Time (s)", y_title=y_title, height=height, legend=False)


def view_pipeline() -> None:
    left, right = st.columns(2)
    chart(figures.spectrogram(times, mel_pts, L, title=f"1. Log-mel spectrogram ({n_mels} bands, dB)",
                                          y_title="Frequency (Hz, mel-spaced)", y_ticks=mel_ticks, height=320),
                      key="mf_logmel", where=left)
    chart(coeff_image(C[1:], f"3. MFCC 1…{n_mfcc - 1} (c0 left out: it dwarfs the rest)",
                                   t=times) if n_mfcc > 1 else coeff_image(C, "3. MFCC"),
                       key="mf_coeffs", where=right)
    B = S.dct_basis(min(6, n_mfcc), n_mels)
    fig = figures.line(np.arange(n_mels), {f"c{k}": B[k] for k in range(B.shape[0])},
                       title="2. The DCT-II basis: what each coefficient measures across the mel bands",
                       x_title="mel band (low → high frequency)", y_title="weight")
    chart(fig, key="mf_basis")
    frame = st.slider("Inspect frame", 0, L.shape[1] - 1, L.shape[1] // 3, key="mf_frame")
    k = min(n_mfcc, n_mels)
    smooth = S.mfcc_to_log_mel(C[:, frame : frame + 1], n_mels, k=k, lifter=lifter)[:, 0]
    a, b = st.columns([0.6, 0.4])
    chart(figures.line(np.arange(n_mels), {"log-mel spectrum of the frame": L[:, frame],
                                                    f"described by c0…c{k - 1}": smooth},
                                title=f"Frame {frame} ({times[frame]:.2f} s): the first {k} coefficients keep the envelope",
                                x_title="mel band", y_title="dB"), key="mf_frame_fig", where=a)
    chart(new_figure([go.Bar(x=np.arange(n_mfcc), y=C[:, frame], marker=dict(color=COLORS["signal"]))],
                              title="Its MFCCs", x_title="coefficient", y_title="value", legend=False),
                   key="mf_frame_bars", where=b)
    # What c0 and c1 track, measured on this clip.
    mean_db = L.mean(axis=0)
    slope = np.polyfit(np.arange(n_mels), L, 1)[0]
    lw = S.lifter_weights(n_mfcc, lifter)
    r0 = np.corrcoef(C[0] / lw[0], mean_db)[0, 1] if L.shape[1] > 2 else float("nan")
    r1 = np.corrcoef(C[1] / lw[1], slope)[0, 1] if L.shape[1] > 2 and n_mfcc > 1 else float("nan")
    m = st.columns(4)
    m[0].metric("Frames × coefficients", f"{C.shape[1]} × {C.shape[0]}")
    m[1].metric("Numbers per second", f"{C.shape[0] * sr / HOP:.0f}", help=f"vs {n_mels * sr / HOP:.0f} for the log-mel")
    m[2].metric("corr(c0, mean level)", f"{r0:.3f}", help="c0 = √n_mels × the frame's mean log-mel level")
    m[3].metric("corr(c1, spectral tilt)", f"{r1:.3f}", help="tilt = slope of the log-mel across bands")
    st.caption("c0 is the overall level; c1 weighs low bands against high ones (spectral tilt: negative when the "
               "high end is strong, as in the fricatives s, sh, f); c2 the middle against both ends; higher ones ever "
               "finer ripples. Keeping 13 of 40 throws away the ripples of the harmonics, i.e. the pitch — which is "
               "what a speech recogniser wants to ignore.")


def view_reconstruct() -> None:
    k = st.slider("k: coefficients used", 1, n_mels, min(13, n_mels), key=f"mf_k_{n_mels}", bind="query-params")
    C_all = S.mfcc(y, sr, n_mfcc=n_mels, n_fft=N_FFT, hop_length=HOP, n_mels=n_mels, lifter=lifter)
    L_k = S.mfcc_to_log_mel(C_all, n_mels, k=k, lifter=lifter)
    err = float(np.sqrt(np.mean((L_k - L) ** 2)))
    left, right = st.columns(2)
    vmin, vmax = float(L.min()), float(L.max())
    chart(figures.spectrogram(times, mel_pts, L, title="Log-mel (all coefficients)", y_ticks=mel_ticks,
                                          y_title="Frequency (Hz, mel-spaced)", height=320, zmin=vmin, zmax=vmax),
                      key="mf_full", where=left)
    chart(figures.spectrogram(times, mel_pts, L_k, title=f"From the first {k} coefficients",
                                           y_ticks=mel_ticks, y_title="Frequency (Hz, mel-spaced)", height=320,
                                           zmin=vmin, zmax=vmax), key="mf_k_img", where=right)
    m = st.columns(3)
    m[0].metric("RMS error of the log-mel", f"{err:.2f} dB")
    m[1].metric("Kept", f"{k} of {n_mels} numbers per frame")
    m[2].metric("Energy of the log-mel kept", f"{100 * np.sum(C_all[:k] ** 2) / np.sum(C_all ** 2):.2f} %",
                help="Parseval for the orthonormal DCT (lifter undone)" if lifter == 0 else "with the lifter applied")
    st.markdown(f"**Listen** (first {MAX_LISTEN_S:g} s; the phase is rebuilt by Griffin–Lim, so even the full log-mel "
                "sounds a little phasey: compare the two resyntheses, not the original).")
    n_show = min(L.shape[1], int(MAX_LISTEN_S * sr / HOP))
    if st.button(f"Synthesize audio from k = {k}", key="mf_listen", icon=":material/graphic_eq:") or \
            st.session_state.get("mf_listened"):
        st.session_state["mf_listened"] = True
        with st.spinner("Griffin–Lim (24 iterations)..."):
            with stop_on_input_error():
                full = resynth(L[:, :n_show], sr)
                part = match_level(resynth(L_k[:, :n_show], sr), full)
        p = st.columns(3)
        with p[0]:
            player(y[: int(MAX_LISTEN_S * sr)], sr, label="Original")
        with p[1]:
            player(full, sr, label=f"All {n_mels} mel bands (resynthesised)")
        with p[2]:
            player(part, sr, label=f"First {k} MFCCs (resynthesised, level-matched)")


def view_deltas() -> None:
    if C.shape[1] < 9:
        st.warning("Deltas need at least 9 frames; this clip is too short.")
        return
    with stop_on_input_error():
        D1, D2 = S.delta(C), S.delta(C, order=2)
    k = st.slider("Coefficient to follow", 0, n_mfcc - 1, min(1, n_mfcc - 1), key="mf_dk")
    fig = figures.line(times, {f"c{k}": C[k], f"Δc{k}": D1[k], f"ΔΔc{k}": D2[k]},
                       title=f"c{k}, its delta (slope over 9 frames) and delta-delta", x_title="Time (s)",
                       y_title="value")
    chart(fig, key="mf_delta_line")
    chart(coeff_image(np.vstack([C[1:], D1[1:], D2[1:]]), f"Stacked: c1…c{n_mfcc - 1}, then their deltas, "
                                f"then delta-deltas ({3 * (n_mfcc - 1)} rows)", height=360),
                    key="mf_delta_img")
    st.caption("A delta is the local slope of each coefficient over time (a regression over ±4 frames, "
               "`librosa.feature.delta`); delta-deltas the slope of that. Static MFCCs + Δ + ΔΔ (39 numbers with 13 "
               "coefficients) was the classic input of HMM speech recognisers: it adds how the envelope moves.")


def view_syncnet() -> None:
    with stop_on_input_error():
        y16 = resample(y, sr, syncnet.SR)
        if len(y16) < 400:
            st.warning("SyncNet's features need at least 25 ms of audio.")
            return
        lib_side = S.mfcc(y16, syncnet.SR, n_mfcc=13)  # librosa's defaults at 16 kHz
        psf_side = syncnet.mfcc_features(y16)  # python_speech_features' defaults, as SyncNet was trained
    t_lib = np.arange(lib_side.shape[1]) * HOP / syncnet.SR
    t_psf = np.arange(psf_side.shape[1]) * 0.01
    left, right = st.columns(2)
    chart(coeff_image(lib_side[1:], "librosa.feature.mfcc defaults (16 kHz), c1…c12", t=t_lib),
                      key="mf_lib", where=left)
    chart(coeff_image(psf_side[1:], "python_speech_features.mfcc (SyncNet's input), c1…c12", t=t_psf),
                       key="mf_psf", where=right)
    m = st.columns(4)
    m[0].metric("librosa frames", f"{lib_side.shape[1]}")
    m[1].metric("python_speech_features frames", f"{psf_side.shape[1]}")
    m[2].metric("librosa median c0", f"{np.median(lib_side[0]):.1f}", help="√128 × mean dB of the mel bands")
    m[3].metric("SyncNet median c0", f"{np.median(psf_side[0]):.1f}", help="ln of the frame energy (int16 scale)")
    st.markdown(
        "| | librosa `feature.mfcc` | python_speech_features `mfcc` (SyncNet) |\n|---|---|---|\n"
        "| pre-emphasis | none | y[n] − 0.97 y[n−1] |\n"
        "| frame / hop | 2048 / 512 samples (128 / 32 ms at 16 kHz), Hann, centred | 25 ms / 10 ms (400 / 160), rectangular, not centred |\n"
        "| spectrum | power (squared magnitude), n_fft 2048 | power / 512, n_fft 512 |\n"
        "| mel filters | 128, Slaney scale, area-normalised | 26, HTK scale, peak 1, edges rounded to bins |\n"
        "| log | 10 log₁₀ (dB), floored 80 dB below the max | natural log |\n"
        "| DCT | type II, orthonormal | type II, orthonormal |\n"
        "| lifter | none (L = 0) | 1 + 11 sin(π n / 22) |\n"
        "| c0 | DCT of the log-mel (level) | replaced by ln(frame energy) |\n"
        f"| frames per second | {syncnet.SR / HOP:.2f} | 100 (4 per 25 fps video frame) |"
    )
    st.subheader("SyncNet's 13 × 20 audio window")
    n_frames_video = max(1, int(len(y16) / syncnet.SAMPLES_PER_FRAME))
    last = max(0, n_frames_video - syncnet.WINDOW_FRAMES)
    if last == 0:
        v = 0
        st.caption("The clip is shorter than one 5-frame (0.2 s) window.")
    else:
        v = st.slider("First video frame of the window (25 fps)", 0, last, min(10, last), key="mf_vframe")
    a = v * syncnet.MFCC_PER_FRAME
    block = psf_side[:, a : a + syncnet.WINDOW_MFCC]
    c_left, c_right = st.columns([0.55, 0.45])
    chart(coeff_image(block, f"Video frames {v}–{v + syncnet.WINDOW_FRAMES - 1} ↔ MFCC steps "
                                    f"{a}–{a + block.shape[1] - 1}", t=np.arange(a, a + block.shape[1]) * 0.01,
                                    zmid=None, height=320), key="mf_window", where=c_left)
    with c_right:
        st.metric("Window shape", f"{block.shape[0]} × {block.shape[1]}")
        st.metric("Time span", f"{block.shape[1] * 10} ms = {syncnet.WINDOW_FRAMES} frames × 40 ms")
        st.caption("SyncNet's audio stream is a small CNN over this 13 × 20 'image' of MFCCs; its video stream sees "
                   "the 5 mouth crops of the same 0.2 s. To measure an offset, the audio window slides ±15 video frames "
                   "(±60 MFCC steps) against the video (see the lip-sync page).")


with stop_on_input_error():
    {VIEWS[0]: view_pipeline, VIEWS[1]: view_reconstruct, VIEWS[2]: view_deltas, VIEWS[3]: view_syncnet}[view]()

in_depth(r"""
**The recipe.** For each frame: power spectrum $|X[k]|^2$ → mel filterbank $M$ ($n_\text{mels}$ triangles) →
log, $L_m = 10\log_{10}(\sum_k M_{mk}|X[k]|^2)$ → DCT-II,
$c_n = \sqrt{2/M}\,\alpha_n\sum_{m=0}^{M-1} L_m\cos\!\big(\tfrac{\pi n (m + 1/2)}{M}\big)$ ($\alpha_0 = 1/\sqrt2$) →
keep $c_0 \dots c_{12}$. The DCT decorrelates neighbouring bands (a cheap PCA for smooth spectra), and truncating
it smooths the log spectrum: the **cepstrum** idea of separating a slowly varying envelope (the vocal tract) from
fast ripples (the harmonics of the source).

**Liftering** multiplies $c_n$ by $1 + \frac{L}{2}\sin(\pi n/L)$ (HTK, python_speech_features, $L = 22$) or by the
same curve shifted one index (librosa's `lifter`): it lifts high coefficients that are naturally small, so a distance
between MFCC vectors weighs them more evenly. **Deltas**: $\Delta c_t = \sum_{n=1}^{N} n(c_{t+n} - c_{t-n}) /
(2\sum n^2)$.

**Pitfalls.** Two "MFCC" pipelines rarely agree: pre-emphasis, window, n_fft, number and shape of mel filters,
log base and floor, lifter, and what $c_0$ holds all differ (see *librosa vs SyncNet*). A model trained on one must
be fed the same one. `librosa.feature.mfcc` defaults to 20 coefficients; 13 is the speech tradition.

**References.** Davis & Mermelstein (1980), "Comparison of parametric representations for monosyllabic word
recognition"; the HTK Book, ch. 5; `librosa.feature.mfcc`, `librosa.feature.delta`,
`librosa.feature.inverse.mfcc_to_audio`; python_speech_features; Chung & Zisserman (2016) SyncNet; Velardo,
*AudioSignalProcessingForML* 19–20.
""")
show_code(S.mfcc, S.mfcc_to_log_mel, S.dct_basis, S.delta, syncnet.mfcc_features)
