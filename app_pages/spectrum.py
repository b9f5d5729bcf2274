"""Magnitude spectrum of a segment: windows, leakage, zero-padding, bin resolution."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from components import figures
from components.audio_io import SAMPLE_KEY, pick_audio, player
from components.errors import stop_on_input_error
from components.presenter import chart, demo_scenarios, figure_slot, inputs
from components.teach import in_depth, intro, show_code
from lib import spectral
from lib.audio import segment

intro(
    "Magnitude spectrum",
    "The discrete Fourier transform (DFT) measures how much of each frequency a stretch of audio holds. "
    "Which stretch you cut, how you taper its ends (the **window**) and how finely you sample the "
    "frequency axis decide what you see.",
    "open the **Leakage lab** tab and slide the tone between two bins with the rectangular window, "
    "then switch to Hann: the energy that leaked into every bin collapses back around the tone.",
)

WINDOW_LABELS = {"rect": "Rectangular", "hann": "Hann", "hamming": "Hamming", "blackman": "Blackman", "kaiser": "Kaiser"}


def window_controls(key: str, default: str = "hann", cols=None):
    cols = cols or st.columns([0.6, 0.4])
    window = cols[0].selectbox("Window", list(WINDOW_LABELS), index=list(WINDOW_LABELS).index(default),
                               format_func=WINDOW_LABELS.get, key=f"{key}_window", bind="query-params")
    beta = 8.6
    if window == "kaiser":
        beta = cols[1].slider("Kaiser β", 0.0, 20.0, 8.6, 0.1, key=f"{key}_beta", bind="query-params",
                              help="0 = rectangular; larger = lower side lobes, wider main lobe")
    return window, beta


#: Shortest clip the "Your audio" tab analyses (a 64-point DFT, as in the leakage lab).
MIN_SAMPLES = 64
TABS = ["Your audio", "Leakage lab"]
_AUDIO = {"sp_tab": TABS[0], "sp_source": "Built-in sample"}
_LEAK = {"sp_tab": TABS[1], "lk_k": 8.5}
demo_scenarios({
    "Leakage: rectangular": {**_LEAK, "lk_window": "rect"},
    "Leakage: Hann": {**_LEAK, "lk_window": "hann"},
    "Two tones, 20 ms": {**_AUDIO, SAMPLE_KEY: "Two close tones 440 + 460 Hz", "sp_len": 20, "sp_start": 0.3,
                         "sp_logx": False},
    "Two tones, 200 ms": {**_AUDIO, SAMPLE_KEY: "Two close tones 440 + 460 Hz", "sp_len": 200, "sp_start": 0.3,
                          "sp_logx": False},
}, key="sp")

src = inputs()
with src.side:
    if not src.presenting:
        st.subheader("Audio")
    clip = pick_audio("sp", default="Plucked string 220 Hz", uploads=src.main, min_samples=MIN_SAMPLES,
                      min_purpose="a spectrum worth reading")

# Only the open tab runs; which one is open is part of the URL.
tab_audio, tab_leak = st.tabs(TABS, key="sp_tab", bind="query-params", on_change="rerun")


# A 2 s segment zero-padded x16 at 48 kHz is 768 k bins: float32 and 8 entries keep this under 50 MB.
@st.cache_data(max_entries=8, show_spinner=False)
def spectrum_of(seg: np.ndarray, sr: int, window: str, beta: float, n_fft: int):
    freqs, mag = spectral.magnitude_spectrum(seg, sr, window=window, n_fft=n_fft, beta=beta, scaling="amplitude")
    return freqs.astype(np.float32), mag.astype(np.float32)


def keep_start_inside() -> None:
    """A longer segment moves the start back so the segment still fits (instead of resetting it)."""
    ss = st.session_state
    if "sp_start" in ss and "sp_len" in ss:
        ss["sp_start"] = float(round(min(ss["sp_start"], max(0.0, clip_duration - ss["sp_len"] / 1000)), 3))


clip_duration = len(clip.samples) / clip.sr
with tab_audio:
    if tab_audio.open:
        y, sr = clip.samples, clip.sr
        dur = len(y) / sr
        c1, c2, c3, c4 = st.columns([1, 1, 0.8, 1.2])
        lengths_ms = [L for L in (5, 10, 20, 50, 100, 200, 500, 1000, 2000) if L / 1000 <= dur]
        if len(lengths_ms) > 1:
            length_ms = c1.select_slider("Segment length (ms)", lengths_ms, value=100 if 100 in lengths_ms else lengths_ms[-1],
                                         key="sp_len", bind="query-params", on_change=keep_start_inside)
        else:  # a very short clip: the segment is the whole clip (or its one 5 ms choice)
            length_ms = lengths_ms[0] if lengths_ms else 1000 * dur
            c1.metric("Segment length (ms)", f"{length_ms:g}" if lengths_ms else f"{length_ms:.2f}",
                      help="The clip is too short to choose a length: the whole clip is analysed.")
        max_start = float(round(max(0.0, dur - length_ms / 1000), 3))
        if max_start > 0:
            if st.session_state.get("sp_start", 0.0) > max_start:  # a shorter clip than the last one
                st.session_state["sp_start"] = max_start
            start_s = c2.slider("Segment start (s)", 0.0, max_start, float(round(min(0.3, max_start), 3)),
                                0.001, key="sp_start", format="%.3f", bind="query-params")
        else:
            start_s = 0.0
            c2.metric("Segment start (s)", "0.000", help="The segment spans the whole clip.")
        pad = c3.select_slider("Zero-padding factor", [1, 2, 4, 8, 16], value=4, key="sp_pad", bind="query-params")
        d1, d2, d3, d4 = st.columns([1, 1, 0.8, 1.2], vertical_alignment="bottom")
        window, beta = window_controls("sp", cols=[c4, d4])
        log_x = d1.toggle("Log frequency axis", value=True, key="sp_logx", bind="query-params")
        in_db = d2.toggle("Magnitude in dB", value=True, key="sp_db", bind="query-params")
        ref = d3.radio("dB reference", ["Full scale (1.0)", "Segment maximum"], key="sp_ref", bind="query-params",
                       disabled=not in_db)
        slot = figure_slot()

        with stop_on_input_error():
            seg = segment(y, sr, start_s, start_s + length_ms / 1000)
            n = len(seg)
            freqs, mag = spectrum_of(seg, sr, window, beta, n * pad)
            seg_peak = float(np.max(np.abs(seg))) if n else 0.0
            #: below one 24-bit step nothing is there to measure: a "peak" would be rounding noise
            silent = seg_peak < 2.0**-23
            f_peak, a_peak = spectral.interpolate_peak(freqs, mag, fmin=20.0) if not silent else (float("nan"), 0.0)

        if in_db:
            ref_value = 1.0 if ref.startswith("Full") else float(mag.max())
            values = spectral.amplitude_to_db(mag, ref=ref_value, top_db=120.0)
            peak_y = 20 * np.log10(max(a_peak, 1e-12) / ref_value)
            y_title = "Level (dBFS)" if ref.startswith("Full") else "Level (dB re max)"
        else:
            values, peak_y, y_title = mag, a_peak, "Amplitude (sine peak = its amplitude)"

        m = st.columns(5)
        m[0].metric("Samples N", f"{n}")
        m[1].metric("sr/N (Hz)", f"{sr / n:.2f}", help="Bin spacing without padding: what the window can resolve")
        m[2].metric("Grid step (Hz)", f"{sr / (n * pad):.2f}", help="Bin spacing after zero-padding: a finer grid, not more resolution")
        if silent:
            m[3].metric("Peak (Hz)", "n/a", help="The segment is silent: there is no peak to find.")
            m[4].metric("Peak amplitude", "0 (silent)")
            st.info(f"This {length_ms:g} ms segment from {start_s:.3f} s is silent (every sample is below one 24-bit "
                    "step, −138 dBFS): its spectrum is empty, so there is no peak frequency. Move the segment onto "
                    "the sound.", icon=":material/volume_off:")
        else:
            m[3].metric("Peak (Hz)", f"{f_peak:.1f}", help="Parabolic interpolation through the top bin and its neighbours")
            m[4].metric("Peak amplitude", f"{a_peak:.3f}")

        wave = figures.waveform(y, sr, title="Where the segment sits in the clip", height=220, shapes=[dict(
            type="rect", xref="x", yref="paper", x0=start_s, x1=start_s + length_ms / 1000, y0=0, y1=1,
            fillcolor="rgba(228,87,86,0.25)", line=dict(width=0))])
        chart(wave, key="sp_wave")
        fig = figures.spectrum(freqs, values, title=f"Spectrum of {length_ms:g} ms from {start_s:.3f} s "
                               f"({WINDOW_LABELS[window]} window, ×{pad} zero-padding)",
                               y_title=y_title, log_x=log_x, peak=None if silent else (f_peak, peak_y))
        if log_x:
            fig.layout.xaxis.range = [np.log10(20), np.log10(sr / 2)]
        chart(fig, key="sp_spec", slot=slot)
        player(seg, sr, label="Hear the segment", key="sp_seg")

with tab_leak:
    if tab_leak.open:
        st.markdown(
            "A pure tone analysed with **N = 64** samples. The DFT only samples the spectrum at the bins "
            "(dots); the line is the same spectrum zero-padded ×32, i.e. what lies *between* the bins. When "
            "the tone sits on a bin centre every other bin reads zero; move it off-centre and it leaks.")
        l1, l2 = st.columns(2)
        k_tone = l1.slider("Tone frequency (in bins)", 4.0, 12.0, 8.5, 0.05, key="lk_k", bind="query-params")
        with l2:
            lwindow, lbeta = window_controls("lk", default="rect")
        N, sr_l = 64, 64.0
        x = np.cos(2 * np.pi * k_tone * np.arange(N) / N)
        fb, mb = spectral.magnitude_spectrum(x, sr_l, window=lwindow, beta=lbeta, scaling="amplitude")
        ff, mf = spectral.magnitude_spectrum(x, sr_l, window=lwindow, beta=lbeta, n_fft=N * 32, scaling="amplitude")
        db_b = spectral.amplitude_to_db(mb, top_db=100.0)
        db_f = spectral.amplitude_to_db(mf, top_db=100.0)
        lf = figures.new_figure(
            [go.Scatter(x=ff, y=db_f, mode="lines", name="zero-padded ×32 (between the bins)",
                        line=dict(color=figures.COLORS["muted"], width=1.5)),
             go.Scatter(x=fb, y=db_b, mode="markers", name="the 33 DFT bins",
                        marker=dict(color=figures.COLORS["signal"], size=8))],
            title="Leakage: one tone, 64 samples", x_title="Frequency (bins = cycles per window)",
            y_title="Level (dB re amplitude 1)", height=380, yaxis=dict(range=[-100, 5]),
            shapes=[dict(type="line", xref="x", yref="paper", x0=k_tone, x1=k_tone, y0=0, y1=1,
                         line=dict(color=figures.COLORS["accent"], dash="dash"))],
            annotations=[dict(x=k_tone, y=1, xref="x", yref="paper", text="true tone", showarrow=False,
                              yanchor="bottom")])
        chart(lf, key="lk_fig")
        near = np.abs(fb - k_tone) <= 2.0  # the main lobe of Hann/Hamming is ±2 bins wide
        leaked = 1.0 - np.sum(mb[near] ** 2) / np.sum(mb**2)
        n1, n2, n3 = st.columns(3)
        n1.metric("Energy beyond ±2 bins", f"{100 * leaked:.1f} %")
        n2.metric("Scalloping loss (dB)", f"{20 * np.log10(max(mb.max(), 1e-12)):.2f}",
                  help="How much lower the largest bin reads than the true amplitude")
        f_hat, _ = spectral.interpolate_peak(fb, mb)
        n3.metric("Interpolated peak (bins)", f"{f_hat:.2f}", delta=f"{f_hat - k_tone:+.2f} error", delta_color="off")

in_depth(r"""
**The DFT of a segment.** For $N$ samples $x[n]$ and a window $w[n]$,
$X[k] = \sum_{n=0}^{N-1} w[n]\,x[n]\,e^{-2\pi i k n / N}$, $k = 0 \dots N/2$, at frequencies
$f_k = k\,s_r/N$. The bin spacing $\Delta f = s_r/N$ is the **resolution**: two tones closer than a
couple of bins merge (try *Two close tones 440 + 460 Hz* with 20 ms and then 200 ms).

**Windows and leakage.** Cutting a segment multiplies the signal by a window, which convolves its spectrum
with the window's transform. The rectangular window has the narrowest main lobe but side lobes only
13 dB down, so energy from a tone between bins leaks everywhere. Hann (−31 dB side lobes), Hamming
(−43 dB), Blackman (−58 dB) and Kaiser (β sets the trade-off) buy lower leakage with a wider main lobe.

**Amplitude scaling.** We divide $|X[k]|$ by the window's coherent gain $\sum w / 2$, so a sine of
amplitude $A$ on a bin centre reads $A$ — for every window. Between bins it reads less
(scalloping loss: up to 3.9 dB rectangular, 1.4 dB Hann).

**Zero-padding** appends zeros before the DFT: it samples the *same* underlying spectrum on a finer grid
(interpolation), it does not add resolution. Parabolic interpolation of the log magnitude around the top
bin finds the peak to a small fraction of a bin without padding.

**Parseval.** With the rectangular window, $\sum_n x[n]^2 = \tfrac{1}{N}\sum_{k=0}^{N-1}|X[k]|^2$:
the energy is the same in both domains (tested in `tests/lib/test_spectral.py`).

**References.** J. Schaedler, *Seeing Circles, Sines and Signals* (leakage, zero-padding);
F. J. Harris (1978), "On the use of windows for harmonic analysis with the DFT";
J. O. Smith, *Spectral Audio Signal Processing* (quadratic peak interpolation);
`numpy.fft.rfft`, `scipy.signal.get_window`.
""")
show_code(spectral.magnitude_spectrum, spectral.interpolate_peak, spectral.get_window)
