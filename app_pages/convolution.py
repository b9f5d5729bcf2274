"""Convolution: flip, slide, multiply, sum; linear vs circular; correlation; causality; speed; auralisation."""

from __future__ import annotations

import numpy as np
import streamlit as st
from scipy import fft as sfft

from components import convolution_figures as cf
from components import figures
from components.audio_io import pick_audio, player
from components.controls import clamp
from components.errors import stop_on_input_error
from components.presenter import chart, demo_scenarios, figure_slot, inputs
from components.responses import DEFAULT_ROOM, ROOMS, pick_response, simulated_room
from components.teach import in_depth, intro, show_code
from lib import convolution as cv
from lib.audio import match_level, to_wav_bytes

intro(
    "Convolution",
    "A room, an equaliser or a CNN layer is described by its **impulse response** h: what comes out for a "
    "single click. Any input is a train of scaled clicks, so the output is the sum of scaled, delayed copies of "
    "h — the **convolution** y = x ∗ h: flip h, slide it along x, multiply, sum.",
    "press **▶ Play** under the animation, then pick the *Moving average* kernel in the sidebar and play again.",
)

X_PRESETS = {
    "Two clicks": "1, 0, 0, 0, 0.6",
    "A short burst": "0.2, 1, 0.6, -0.5, 0.3, -0.1",
    "A step": "1, 1, 1, 1, 1, 1, 1, 1",
    "A ramp": "1, 2, 3, 4",
    "A click": "1",
}
H_PRESETS = {
    "Decaying echo": "1, 0, 0.5, 0, 0.25",
    "Moving average (3)": "0.3333, 0.3333, 0.3333",
    "Difference (edge detector)": "1, -1",
    "Asymmetric (1, 0.5, −0.25)": "1, 0.5, -0.25",
    "Delay by 2": "0, 0, 1",
    "Identity (a click)": "1",
}


CUSTOM = "Typed by you"


def _apply_preset(which: str) -> None:
    presets = X_PRESETS if which == "x" else H_PRESETS
    name = st.session_state.get(f"cv_{which}_preset")
    if name in presets:
        st.session_state[f"cv_{which}"] = presets[name]


def _name_typed(which: str) -> None:
    """After typing, the preset box names the preset the numbers match, or says they are the user's own."""
    presets = X_PRESETS if which == "x" else H_PRESETS
    typed = " ".join(str(st.session_state.get(f"cv_{which}", "")).replace(",", " ").split())
    match = [k for k, v in presets.items() if " ".join(v.replace(",", " ").split()) == typed]
    st.session_state[f"cv_{which}_preset"] = match[0] if match else CUSTOM


for _which, _default in (("x", X_PRESETS["Two clicks"]), ("h", H_PRESETS["Decaying echo"])):
    if f"cv_{_which}_preset" not in st.session_state:  # a fresh session (maybe from a shared link)
        st.session_state[f"cv_{_which}"] = st.session_state.get(f"cv_{_which}") or \
            st.query_params.get(f"cv_{_which}", _default)
        _name_typed(_which)


TABS = ["Flip, slide, multiply, sum", "Linear vs circular", "Correlation & matched filter", "Causality",
        "Speed & blocks", "Auralise"]
demo_scenarios({
    "Moving average": {"cv_tab": TABS[0], "cv_x_preset": "A step", "cv_x": X_PRESETS["A step"],
                       "cv_h_preset": "Moving average (3)", "cv_h": H_PRESETS["Moving average (3)"], "cv_n": 4},
    "Wrap-around": {"cv_tab": TABS[1], "cv_x_preset": "A short burst", "cv_x": X_PRESETS["A short burst"],
                    "cv_h_preset": "Decaying echo", "cv_h": H_PRESETS["Decaying echo"], "cv_nfft": 6,
                    "cv_circ_pad": False},
    "Chirp in noise": {"cv_tab": TABS[2], "cv_snr": -20, "cv_chirp_ms": 100},
    "Reverse reverb": {"cv_tab": TABS[3], "cv_caus_room": DEFAULT_ROOM},
}, key="cv")

src = inputs()
with src.side:
    if not src.presenting:
        st.subheader("Short sequences")
    st.selectbox("Signal x preset", [*X_PRESETS, CUSTOM], key="cv_x_preset", on_change=_apply_preset, args=("x",))
    x_text = st.text_input("Signal x (numbers, comma-separated)", value=X_PRESETS["Two clicks"], key="cv_x",
                           bind="query-params", on_change=_name_typed, args=("x",))
    st.selectbox("Kernel h preset", [*H_PRESETS, CUSTOM], key="cv_h_preset", on_change=_apply_preset, args=("h",))
    h_text = st.text_input("Kernel h (impulse response)", value=H_PRESETS["Decaying echo"], key="cv_h",
                           bind="query-params", on_change=_name_typed, args=("h",))
    if not src.presenting:
        st.subheader("Audio")
    clip = pick_audio("cv", default="Speech with fricatives", max_duration_s=10.0, uploads=src.main,
                      label="Clip for the listening tabs", min_samples=2048,
                      min_purpose="the listening tabs (at least 2048 samples)")

t_mech, t_circ, t_corr, t_caus, t_speed, t_aur = st.tabs(TABS, key="cv_tab", bind="query-params", on_change="rerun")

with stop_on_input_error():
    x_seq = cv.parse_sequence(x_text, name="signal x")
    h_seq = cv.parse_sequence(h_text, name="kernel h")
N, M = len(x_seq), len(h_seq)
y_seq = cv.convolve(x_seq, h_seq, method="direct")


def ranged_slider(label: str, top: int, default: int, key: str, lo: int = 0, **kwargs) -> int:
    """A slider whose range follows the sequences. A new range makes Streamlit treat it as a new widget
    that starts from ``value=``; so the remembered value is kept inside the range (``clamp``) and given
    as that value, and the slider never shows one step while the figure draws another."""
    clamp(key, lo, top)
    return st.slider(label, lo, top, int(st.session_state.get(key, min(default, top))), key=key,
                     bind="query-params", **kwargs)


@st.cache_data(max_entries=16, show_spinner=False)
def flip_slide_fig(x: tuple, h: tuple) -> dict:
    # every step is a frame of the animation: built once per pair of sequences, then only switched
    return cf.flip_slide(np.array(x), np.array(h), 0).to_dict()


@st.cache_data(max_entries=8, show_spinner="Convolving...")
def convolve_cached(x: np.ndarray, h: np.ndarray, method: str = "auto") -> np.ndarray:
    return cv.convolve(x, h, method=method).astype(np.float32)


def need_clip() -> tuple[np.ndarray, int]:
    """The chosen clip as float64 (the built-in sample until an upload or a recording arrives)."""
    return clip.samples.astype(np.float64), clip.sr


def poly_latex(c: np.ndarray, var: str = "z") -> str:
    terms = []
    for i, v in enumerate(c):
        if v == 0:
            continue
        coef = f"{v:g}"
        mono = "" if i == 0 else (var if i == 1 else f"{var}^{{{i}}}")
        if mono and coef in ("1", "-1"):
            coef = coef[:-1]
        terms.append(f"{coef}{mono}")
    return " + ".join(terms).replace("+ -", "- ") or "0"


# ---------------------------------------------------------------------------- mechanism
with t_mech:
    if t_mech.open:
        n = ranged_slider("Step through the output: n", N + M - 2, 2, "cv_n") if N + M > 2 else 0
        chart(cf.flip_slide_at(flip_slide_fig(tuple(x_seq), tuple(h_seq)), n), key="cv_anim", slot=figure_slot())
        step = cv.convolution_step(x_seq, h_seq, n)
        m = st.columns(4)
        m[0].metric("N = len(x)", N)
        m[1].metric("M = len(h)", M)
        m[2].metric("Output length N + M − 1", N + M - 1)
        m[3].metric(f"y[{n}]", f"{float(np.real(step['y_n'])):.4g}")
        terms = " + ".join(rf"x[{k}]\,h[{n - k}]" for k in step["k"])
        st.latex(rf"y[{n}] = \sum_k x[k]\,h[{n}-k] = {terms} = {float(np.real(step['y_n'])):.4g}")
        st.markdown("**The same numbers as a polynomial product.** Read each sequence as the coefficients of a "
                    "polynomial; multiplying polynomials collects exactly the products whose powers add up to n:")
        st.latex(rf"\big({poly_latex(x_seq)}\big)\big({poly_latex(h_seq)}\big) = {poly_latex(np.round(y_seq, 4))}")
        agree = np.allclose((np.polynomial.Polynomial(x_seq) * np.polynomial.Polynomial(h_seq)).coef[: N + M - 1], y_seq)
        st.caption(f"`numpy.polynomial` gives the same coefficients: **{agree}**. Each input sample launches a scaled, "
                   "delayed copy of h (shift-and-add, how `lib.convolution` computes the direct method); "
                   "flip-slide-sum reads the same sum one output sample at a time.")

# ---------------------------------------------------------------------------- circular
with t_circ:
    if t_circ.open:
        st.markdown("The DFT treats a block of samples as one period of an endless loop, so **multiplying two "
                    "n-point DFTs gives a circular convolution**: whatever falls beyond sample n − 1 wraps around to "
                    "the start. Pad both sequences with zeros to at least N + M − 1 samples and nothing wraps.")
        n_lin = N + M - 1
        n_fft = ranged_slider("DFT length n", n_lin + 4, max(N, M), "cv_nfft", lo=1)
        circ = cv.circular_convolve(x_seq, h_seq, n_fft)
        chart(cf.linear_vs_circular(x_seq, h_seq, n_fft, circ), key="cv_circ_fig")
        c = st.columns(3)
        c[0].metric("Samples that wrap", max(0, n_lin - n_fft))
        err = float(np.max(np.abs(circ[: min(n_fft, n_lin)] - y_seq[: min(n_fft, n_lin)])))
        c[1].metric("Largest error vs linear", f"{err:.3g}")
        c[2].metric("Padding needed", f"n ≥ {n_lin}")

        st.subheader("Hear the wrap-around")
        y, sr = need_clip()
        h_room = simulated_room(DEFAULT_ROOM, sr).astype(np.float64)
        pad = st.toggle("Pad to N + M − 1 (linear convolution)", value=False, key="cv_circ_pad", bind="query-params")
        n_audio = len(y) + len(h_room) - 1 if pad else len(y)
        wet = cv.circular_convolve(y, h_room, n_audio) if not pad else convolve_cached(y, h_room, "fft")
        wet = match_level(np.asarray(wet, dtype=np.float32), y)
        st.caption(f"Speech ({len(y) / sr:.2f} s) × the {DEFAULT_ROOM.lower()} ({len(h_room) / sr:.2f} s) with a "
                   f"{n_audio:,}-point FFT: " + ("the reverb tail is kept after the clip." if pad else
                                                 "the last word's reverb tail wraps onto the start of the clip — "
                                                 "listen to the beginning."))
        player(wet, sr, label="Circular (no padding)" if not pad else "Linear (padded)", key="cv_circ_play")
        chart(figures.waveform(wet, sr, title="Result", height=220), key="cv_circ_wave")

# ---------------------------------------------------------------------------- correlation
with t_corr:
    if t_corr.open:
        st.markdown("**Cross-correlation** slides one sequence along the other *without flipping it*: "
                    r"$r[\ell] = \sum_n x[n+\ell]\,h[n]$. It equals convolution with h reversed. What deep-learning "
                    "libraries call a convolution layer (`torch.nn.Conv1d`, Keras `Conv1D`) computes this; as the "
                    "kernel is learned, nobody notices the missing flip.")
        r = cv.correlate(x_seq, h_seq)
        lags = cv.correlation_lags(N, M)
        chart(cf.stem_figure({"convolution x ∗ h (index n)": (np.arange(N + M - 1), y_seq),
                              "correlation of x with h (lag ℓ)": (lags, r)},
                             title="Convolution vs correlation of the sidebar sequences (equal only for a "
                                   "symmetric kernel)", x_title="n or lag ℓ"), key="cv_corr_cmp")
        st.subheader("Matched filter: find a known chirp buried in noise")
        cc = st.columns(3)
        snr_db = cc[0].slider("Chirp level re noise (dB)", -35, 10, -15, key="cv_snr", bind="query-params",
                              help="Power of the chirp against the noise's, over the chirp's duration.")
        chirp_ms = cc[1].select_slider("Chirp length (ms)", [25, 50, 100, 200, 400], value=100, key="cv_chirp_ms",
                                       bind="query-params")
        seed = cc[2].number_input("Noise seed", 0, 999, 3, key="cv_seed", bind="query-params")
        sr_c = 16000
        t = np.arange(int(chirp_ms / 1000 * sr_c)) / sr_c
        # a linear chirp 500 Hz -> 4 kHz (phase = 2 pi (f0 t + (f1 - f0) t^2 / 2T)), Hann-tapered
        template = np.cos(2 * np.pi * (500 * t + 3500 * t**2 / (2 * t[-1]))) * np.hanning(len(t))
        rng = np.random.default_rng(int(seed))
        noise = rng.standard_normal(2 * sr_c)
        start = int(rng.integers(0, len(noise) - len(template)))
        buried = noise.copy()
        buried[start : start + len(template)] += template / np.sqrt(np.mean(template**2)) * 10 ** (snr_db / 20)
        r_c = cv.correlate(buried, template)
        lags_c = cv.correlation_lags(len(buried), len(template))
        found = int(lags_c[np.argmax(np.abs(r_c))])
        rest = np.abs(r_c[np.abs(lags_c - found) > len(template)])
        margin_db = 20 * np.log10(np.abs(r_c).max() / np.max(rest)) if rest.size else np.inf
        ok = abs(found - start) <= sr_c // 1000
        slot = figure_slot()
        chart(figures.waveform(buried / np.abs(buried).max(), sr_c, height=220,
                               title="What the microphone hears (the chirp is in there somewhere)"), key="cv_buried")
        chart(cf.correlation_view(lags_c / sr_c, r_c, true_s=start / sr_c, found_s=found / sr_c,
                                  title="Correlation with the known chirp"), key="cv_corr_fig", slot=slot)
        m = st.columns(4)
        m[0].metric("True start", f"{start / sr_c:.3f} s")
        m[1].metric("Correlation peak", f"{found / sr_c:.3f} s", delta="found" if ok else "missed",
                    delta_color="normal" if ok else "inverse")
        m[2].metric("Peak over the next best", f"{margin_db:.1f} dB")
        m[3].metric("Processing gain 10·log₁₀(N)", f"{10 * np.log10(len(template)):.1f} dB",
                    help="Correlation adds the chirp's N samples coherently and the noise incoherently.")
        player((buried / np.abs(buried).max() * 0.5).astype(np.float32), sr_c, label="Listen: can you hear the chirp?",
               key="cv_buried_play")

# ---------------------------------------------------------------------------- causality
with t_caus:
    if t_caus.open:
        y, sr = need_clip()
        room_name = st.selectbox("Room", list(ROOMS), index=list(ROOMS).index(DEFAULT_ROOM), key="cv_caus_room",
                                 bind="query-params")
        h_room = simulated_room(room_name, sr).astype(np.float64)
        st.markdown("A real room is **causal**: its response starts at the direct sound and decays afterwards, "
                    "so every syllable is followed by its reverb. Reverse the response in time and the energy "
                    "*grows* towards the direct sound: every syllable is preceded by a swell — the "
                    "\"reverse reverb\" of 1960s tape tricks. Same magnitude spectrum, opposite time order.")
        chart(cf.responses(h_room, sr), key="cv_caus_ir")
        fwd = match_level(convolve_cached(y, h_room), y)
        bwd = match_level(convolve_cached(y, np.ascontiguousarray(h_room[::-1])), y)
        p = st.columns(3)
        with p[0]:
            player(y.astype(np.float32), sr, label="Dry", key="cv_caus_dry")
        with p[1]:
            player(fwd, sr, label="Causal room (normal reverb)", key="cv_caus_fwd")
        with p[2]:
            player(bwd, sr, label="Reversed response (reverse reverb)", key="cv_caus_bwd")
        st.caption("All three play at the same RMS. The reversed response is anti-causal shifted by its length "
                   f"({len(h_room) / sr:.2f} s): a real-time system could only run it with that much delay.")

# ---------------------------------------------------------------------------- speed
SPEED_METHODS = ("direct", "fft", "ola", "ols", "partitioned")
CROSS_LENGTHS = (4, 8, 16, 32, 64, 128, 256, 1024, 4096)

with t_speed:
    if t_speed.open:
        y, sr = need_clip()
        h_room = simulated_room(DEFAULT_ROOM, sr).astype(np.float64)
        st.markdown(f"The direct sum costs N·M multiply-adds; the FFT costs about (N+M)·log₂(N+M). Here: your clip "
                    f"({len(y):,} samples) × the {DEFAULT_ROOM.lower()} ({len(h_room):,} samples) = "
                    f"**{len(y) * len(h_room):.2e}** multiply-adds directly, against about "
                    f"**{(len(y) + len(h_room)) * np.log2(len(y) + len(h_room)) * 3:.2e}** operations by FFT.")
        key = (clip.fingerprint, sr)
        if st.button("Time the methods on this machine", key="cv_time", icon=":material/timer:"):
            with st.spinner("Timing..."):
                piece = y[: max(1, int(0.25 * sr))]
                times = {"direct": cv.time_method(piece, h_room, "direct", repeats=1) * len(y) / len(piece)}
                for meth in SPEED_METHODS[1:]:
                    times[meth] = cv.time_method(y, h_room, meth, repeats=2, block=256 if meth == "partitioned" else None)
                from scipy.signal import oaconvolve

                import time as _time

                t0 = _time.perf_counter()
                oaconvolve(y, h_room)
                times["scipy oaconvolve"] = _time.perf_counter() - t0
                one_s = y[: min(len(y), sr)]
                rng = np.random.default_rng(0)
                cross = {m_: [] for m_ in ("direct", "fft", "ola")}
                for L in CROSS_LENGTHS:
                    k = rng.standard_normal(L)
                    for m_ in cross:
                        cross[m_].append(cv.time_method(one_s, k, m_, repeats=3) * 1000)
            st.session_state["cv_timings"] = (key, times, cross)
        saved = st.session_state.get("cv_timings")
        if saved and saved[0] == key:
            _, times, cross = saved
            cols = st.columns(len(times))
            fastest = min(times.values())
            labels = {"direct": "direct (extrapolated)", "fft": "one FFT", "ola": "overlap-add", "ols": "overlap-save",
                      "partitioned": "partitioned (256)", "scipy oaconvolve": "scipy oaconvolve"}
            for col, (name, t_s) in zip(cols, times.items()):
                col.metric(labels[name], f"{1000 * t_s:.0f} ms", delta=f"{t_s / fastest:.1f}× fastest", delta_color="off")
            st.caption("Direct was timed on the first 0.25 s and scaled to the whole clip (its cost grows linearly "
                       "with the clip). Times are single runs on a shared machine: expect a few ms of jitter.")
            d, f = np.array(cross["direct"]), np.minimum(np.array(cross["fft"]), np.array(cross["ola"]))
            above = np.flatnonzero(d > f)
            crossover = CROSS_LENGTHS[above[0]] if above.size else None
            chart(cf.timing_chart(np.array(CROSS_LENGTHS), {k_: np.array(v) for k_, v in cross.items()},
                                  crossover=crossover,
                                  title=f"1 s of audio ({min(len(y), sr):,} samples) × kernels of M taps"),
                  key="cv_cross")
            st.caption(f"On this machine the FFT methods win from about **{crossover} taps** on; "
                       f"`convolve(method=\"auto\")` switches above {cv.DIRECT_CROSSOVER}. "
                       "`bench/bench_convolution.py` repeats this on 10 s at 48 kHz against scipy.")
        else:
            st.info("Press the button to time direct, FFT, overlap-add, overlap-save and partitioned convolution on "
                    "your clip, and to find where the direct method stops being faster.")

        st.subheader("Blocks: how a real-time reverb plugin convolves")
        st.markdown("A plugin cannot wait for the whole song. **Overlap-add** cuts the input into blocks, "
                    "convolves each (by FFT) and adds the tails that spill into the next blocks. With a long "
                    "reverb each block still needs an FFT longer than the response, so plugins also cut the "
                    "*response* into blocks (**uniformly partitioned convolution**): the latency is one block, "
                    "whatever the reverb's length.")
        block = st.select_slider("Block length (samples)", [32, 64, 128, 256, 512, 1024, 2048], value=256,
                                 key="cv_block", bind="query-params")
        short_h = h_room[: int(0.03 * sr)] * np.exp(-np.arange(int(0.03 * sr)) / (0.008 * sr))
        seg = y[int(0.2 * sr) : int(0.2 * sr) + 8 * block]
        parts, nfft = cv.ola_block_outputs(seg, short_h, block)
        chart(cf.block_view(seg, short_h, parts, block, sr), key="cv_blocks")
        P = -(-len(h_room) // block)
        mm = st.columns(4)
        mm[0].metric("Latency", f"{1000 * block / sr:.1f} ms", help="One block must be collected before it is processed.")
        mm[1].metric("Plain overlap-add FFT", f"{sfft.next_fast_len(block + len(h_room) - 1):,} points",
                     help="Per block, with the whole response: huge for a tiny block.")
        mm[2].metric("Partitions of the response", f"{P:,}", help=f"{len(h_room):,} samples in blocks of {block}")
        mm[3].metric("Partitioned FFT", f"{2 * block} points", help="One forward and one inverse FFT per block, plus "
                                                                      "P spectrum multiply-adds (the delay line).")

# ---------------------------------------------------------------------------- auralise
with t_aur:
    if t_aur.open:
        y, sr = need_clip()
        resp = pick_response("cv_aur", sr)
        if resp is None:
            st.caption("Meanwhile, the *Simulated room* choice works right away.")
        else:
            reverse = st.toggle("Reverse the response", value=False, key="cv_aur_rev", bind="query-params")
            h_use = np.ascontiguousarray(resp.ir[::-1] if reverse else resp.ir, dtype=np.float64)
            with stop_on_input_error():
                wet = convolve_cached(y, h_use)
            wet = match_level(wet, y)
            dry_pad = np.concatenate([y, np.zeros(len(wet) - len(y))]).astype(np.float32)
            p = st.columns(2)
            with p[0]:
                player(dry_pad, sr, label="Dry", key="cv_aur_dry")
            with p[1]:
                player(wet, sr, label=f"× {resp.name}{' (reversed)' if reverse else ''}, same RMS", key="cv_aur_wet")
            m = st.columns(3)
            m[0].metric("Clip", f"{len(y) / sr:.2f} s")
            m[1].metric("Response", f"{len(h_use) / sr:.2f} s")
            m[2].metric("Method (auto)", cv.choose_method(len(y), len(h_use)))
            st.download_button("Download the result (WAV)", to_wav_bytes(wet, sr), file_name="convolved.wav",
                               mime="audio/wav", key="cv_aur_download", icon=":material/download:")

in_depth(r"""
**Definition.** For a linear time-invariant system with impulse response $h$,
$y[n] = (x*h)[n] = \sum_k x[k]\,h[n-k]$. With $N$ input and $M$ kernel samples the output has
$N+M-1$ samples. It is commutative, associative (two rooms in a row = one room with $h_1*h_2$) and,
read as polynomials $X(z)H(z)$, exactly polynomial multiplication.

**The convolution theorem.** The DFT turns convolution into multiplication, but the DFT's convolution is
*circular*: $\mathrm{IDFT}_n(X_n H_n)[i] = \sum_j y[i + jn]$, the linear result folded onto $n$ samples.
Zero-padding to $n \ge N+M-1$ removes the fold. Cost: $O(N M)$ directly against
$O((N+M)\log(N+M))$ by FFT; the FFT wins beyond a few dozen taps.

**Block convolution.** *Overlap-add* convolves blocks of $L$ input samples with an $(L+M-1)$-point FFT
and adds the overlapping $M-1$-sample tails. *Overlap-save* takes overlapping input frames and keeps
only the $L$ outputs that did not wrap. The best $L$ minimises $\frac{n\log n}{n-M+1}$ with
$n = L+M-1$ (`lib.convolution.best_block`, as `scipy.signal.oaconvolve` does). A real-time plugin with a
$B$-sample buffer and a long reverb uses **uniformly partitioned** overlap-save: $h$ is cut into
$P = \lceil M/B\rceil$ partitions with precomputed $2B$-point spectra; each new block costs one FFT, $P$
complex multiply-adds per bin against a frequency-domain delay line of past input spectra, and one
inverse FFT, for a latency of $B$ samples (Wefers 2015). Non-uniform partitions (small first, larger
later) cut the cost further.

**Correlation and matched filtering.** $r_{xy}[\ell] = \sum_n x[n+\ell]\,\overline{y[n]} = (x * \bar y_{\text{rev}})[\ell]$.
Correlating a noisy signal with a known template is the *matched filter*: the filter that maximises the
output SNR in white noise. The template's $N$ samples add coherently and the noise incoherently, a gain of
$10\log_{10}N$ dB. The sine-sweep measurement on the next page is a matched filter too.

**Pitfalls.** Forgetting to pad (wrap-around echoes at the start); `np.convolve` vs `np.correlate`
argument order; `mode="same"` centring; float32 FFT error growing with length; a reversed response
is not causal.

**References.** Oppenheim & Schafer, *Discrete-Time Signal Processing* (2010), §8.7; J. O. Smith,
*Mathematics of the DFT*; F. Wefers, *Partitioned Convolution Algorithms for Real-Time Auralization* (2015);
G. Turin, "An introduction to matched filters", IRE Trans. IT (1960); `scipy.signal.oaconvolve`,
`numpy.convolve`; 3Blue1Brown, "But what is a convolution?".
""")
show_code(cv.convolve, cv._direct, cv._ola, cv._overlap_add, cv._partitioned, cv.circular_convolve)
