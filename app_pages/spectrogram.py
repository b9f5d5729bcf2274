"""Spectrogram, STFT and the mel scale: the time-frequency trade-off made visible."""

import numpy as np
import streamlit as st

from components import figures
from components.audio_io import SAMPLE_KEY, escape_plot_text, pick_audio, player
from components.controls import clamp, ensure, follower, remember
from components.errors import stop_on_input_error
from components.presenter import chart, demo_scenarios, figure_slot, inputs
from components.teach import in_depth, intro, show_code
from lib import signals, spectral
from lib.audio import segment

intro(
    "Spectrogram & mel",
    "A spectrogram is a magnitude spectrum for every short frame, stacked over time (the STFT). "
    "A long window resolves close frequencies but smears fast events; a short one does the opposite — "
    "and the mel scale then squeezes high frequencies the way hearing (and most audio ML models) do.",
    "pick *Two close tones 440 + 460 Hz* and move **n_fft** from 256 to 4096 (the window follows it): the "
    "two lines separate once the window spans several periods of their 20 Hz beat (Δf = sr/n_fft well "
    "below 20 Hz). The demo buttons set up exactly this, zoomed on 300-600 Hz.",
)

SYNTH = {
    "Chirp 100 Hz → 8 kHz (linear)": lambda sr: signals.chirp(100, 8000, sr, 3.0, method="linear"),
    "Two close tones 440 + 460 Hz": lambda sr: signals.tones([440, 460], sr, 3.0),
    "Impulse train 10 Hz": lambda sr: signals.impulse_train(10, sr, 2.0),
    "White noise": lambda sr: signals.white_noise(sr, 2.0, rms_level=0.1),
}
POW2 = [64, 128, 256, 512, 1024, 2048, 4096, 8192]
#: What the cached spectrogram images are pooled to (figures.spectrogram's display size).
IMG_ROWS, IMG_COLS = 400, 900
_TONES = {"sg_kind": "Recording", "sg_source": "Built-in sample", SAMPLE_KEY: "Two close tones 440 + 460 Hz",
          "sg_scale": "linear", "sg_fview": (300.0, 600.0)}
demo_scenarios({
    "Two tones, long window": {**_TONES, "sg_nfft": 4096, "sg_win": 4096, "sg_hop": 1024},
    "Two tones, short window": {**_TONES, "sg_nfft": 256, "sg_win": 256, "sg_hop": 64},
    "Clicks: short window": {"sg_kind": "Recording", "sg_source": "Built-in sample", SAMPLE_KEY: "Click train 4 Hz",
                             "sg_scale": "linear", "sg_nfft": 256, "sg_win": 256, "sg_hop": 64, "sg_fview": (0.0, 11025.0)},
    "Speech on the mel scale": {"sg_kind": "Recording", "sg_source": "Built-in sample",
                                SAMPLE_KEY: "Speech with fricatives", "sg_scale": "mel", "sg_nfft": 2048,
                                "sg_win": 2048, "sg_hop": 512, "sg_nmels": 128},
}, key="sg")

src = inputs()
with src.side:
    if not src.presenting:
        st.subheader("Audio")
    kind = st.radio("Signal", ["Recording", "Synthetic test signal"], key="sg_kind", horizontal=True,
                    bind="query-params")
    if kind == "Recording":
        clip = pick_audio("sg", default="Speech with fricatives", uploads=src.main, min_samples=64,
                          min_purpose="a spectrogram (the shortest window is 64 samples)")
        y, sr, name = clip.samples, clip.sr, clip.name
    else:
        synth = st.selectbox("Test signal", list(SYNTH), key="sg_synth", bind="query-params")
        sr = 22050
        y, name = SYNTH[synth](sr), synth


def win_options(n_fft):
    return [w for w in POW2 if w <= n_fft]


def hop_options(win):
    return [h for h in POW2 if h <= win] or [win]


# win_length follows n_fft and hop follows win_length, both ways, keeping their ratios (the
# zero-padding factor and the overlap): see components.controls.
c1, c2, c3, c4 = st.columns(4)
n_fft = c1.select_slider("n_fft", POW2, value=2048, key="sg_nfft", bind="query-params",
                         on_change=follower(("sg_nfft", "sg_win", win_options, "ratio"),
                                            ("sg_win", "sg_hop", hop_options, "ratio")),
                         help="FFT size: the frequency grid is sr / n_fft. win_length follows it.")
win_choices = win_options(n_fft)
ensure("sg_win", win_choices, n_fft)
win_length = c2.select_slider("win_length", win_choices, value=n_fft, key="sg_win", bind="query-params",
                              on_change=follower(("sg_win", "sg_hop", hop_options, "ratio")),
                              help="The window's length; it is zero-padded to n_fft (finer grid, same resolution). "
                                   "The hop follows it, keeping the overlap.")
hop_choices = hop_options(win_length)
hop_default = hop_choices[-3] if len(hop_choices) >= 3 else hop_choices[0]
ensure("sg_hop", hop_choices, hop_default)
hop_length = c3.select_slider("hop_length", hop_choices, value=hop_default, key="sg_hop", bind="query-params")
window = c4.selectbox("Window", ["hann", "hamming", "blackman", "rect"], key="sg_window", bind="query-params")
remember(sg_nfft=n_fft, sg_win=win_length, sg_hop=hop_length)

nyquist = float(sr / 2)
d1, d2, d3, d4 = st.columns([1, 1, 1.5, 0.5], vertical_alignment="bottom")
scale = d1.radio("Frequency scale", ["linear", "log", "mel"], key="sg_scale", horizontal=True, bind="query-params")
top_db = d2.slider("Dynamic range top_db (dB)", 20, 120, 80, 5, key="sg_topdb", bind="query-params")
with d4.popover("Display", icon=":material/palette:", help="Amplitude (power or magnitude dB) and colour map"):
    amplitude = st.radio("Amplitude", ["power (dB)", "magnitude (dB)"], key="sg_amp", horizontal=True,
                         bind="query-params",
                         help="In dB both look the same shape; power = 10 log10 |X|², magnitude = 20 log10 |X|")
    colorscale = st.selectbox("Colour map", ["Magma", "Viridis", "Inferno", "Greys"], key="sg_cmap",
                              bind="query-params")
if scale != "mel":
    clamp("sg_fview", 0.0, nyquist)  # a clip with a lower sample rate than the last one
    f_view = d3.slider("Frequency axis shown (Hz)", 0.0, nyquist, (0.0, nyquist), 10.0, key="sg_fview",
                       bind="query-params", help="Zoom on a band: every FFT bin in it is drawn (no pooling).")
    if f_view[1] - f_view[0] < 20:
        f_view = (max(0.0, f_view[0] - 10), min(nyquist, f_view[1] + 10))

if scale == "mel":
    e1, e2, e3, e4 = st.columns(4)
    n_mels = e1.slider("n_mels", 8, 256, 128, 8, key="sg_nmels", bind="query-params")
    clamp("sg_fmin", 0.0, nyquist - 1)  # a new clip can have a lower Nyquist
    clamp("sg_fmax", 1.0, nyquist)
    fmin = e2.number_input("fmin (Hz)", 0.0, nyquist - 1, 0.0, 10.0, key="sg_fmin", bind="query-params")
    fmax = e3.number_input("fmax (Hz)", 1.0, nyquist, nyquist, 100.0, key="sg_fmax", bind="query-params")
    htk = e4.radio("Mel formula", ["Slaney (librosa)", "HTK (torchaudio)"], key="sg_htk",
                   bind="query-params") != "Slaney (librosa)"
    f_view = (0.0, nyquist)
slot = figure_slot()


def _image(y, sr, n_fft, hop, win, window, power, top_db, freqs, log_y, max_rows, filterbank=None):
    """What is drawn, as float32: power max-pooled over time to the figure's width block by block (the
    full STFT never exists), then dB; rows pooled only if ``max_rows`` (the main STFT keeps every bin,
    so figures.spectrogram can zoom on a band without losing any)."""
    P, first = spectral.pooled_power(y, n_fft=n_fft, hop_length=hop, win_length=win, window=window,
                                     power=power, max_frames=IMG_COLS, filterbank=filterbank)
    ref = float(P.max())
    img = spectral.power_to_db(P, ref=ref, top_db=top_db) if power == 2 else \
        spectral.amplitude_to_db(P, ref=ref, top_db=top_db)
    if log_y:
        keep = freqs > 0
        freqs, img = freqs[keep], img[keep]
    img, rows, _ = figures.pool_image(np.asarray(img, dtype=np.float32), max_rows or img.shape[0], img.shape[1])
    return first * hop / sr, freqs[rows], img


# The caches hold the time-pooled float32 image (<= 900 columns: 3.7 MB at n_fft 2048), not the full
# dB array (three float64 arrays of ~21 MB per 30 s clip at 44.1 kHz, 32 entries: 2 GB for one visitor).
@st.cache_data(max_entries=8, show_spinner=False)
def stft_image(y: np.ndarray, sr: int, n_fft: int, hop: int, win: int, window: str, power: float, top_db: float,
               log_y: bool, max_rows: int | None = None):
    return _image(y, sr, n_fft, hop, win, window, power, top_db, spectral.fft_frequencies(sr, n_fft), log_y, max_rows)


@st.cache_data(max_entries=8, show_spinner=False)
def mel_image(y, sr, n_fft, hop, win, window, n_mels, fmin, fmax, htk, top_db):
    fb = spectral.mel_filterbank(sr, n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax, htk=htk)
    mel_pts = np.linspace(spectral.hz_to_mel(fmin, htk=htk), spectral.hz_to_mel(fmax, htk=htk), n_mels + 2)[1:-1]
    return _image(y, sr, n_fft, hop, win, window, 2.0, top_db, mel_pts, False, None, filterbank=fb)


with stop_on_input_error():
    res = spectral.stft_resolution(len(y), sr, n_fft=n_fft, hop_length=hop_length, win_length=win_length)
    power = 2.0 if amplitude.startswith("power") else 1.0

m = st.columns(6)
m[0].metric("Δf (Hz)", f"{res.df_hz:.1f}", help="sr / n_fft: the bin spacing")
m[1].metric("Δt (ms)", f"{1000 * res.dt_s:.1f}", help="hop / sr: the frame step")
m[2].metric("Window (ms)", f"{1000 * res.window_s:.1f}")
m[3].metric("Overlap", f"{100 * res.overlap:.0f} %")
m[4].metric("Frames", f"{res.n_frames}", help="1 + n // hop (center=True)")
m[5].metric("Bins", f"{res.n_bins}", help="1 + n_fft // 2")

colorbar = "dB re max"
if scale == "mel":
    with stop_on_input_error():
        times, mel_pts, M_db = mel_image(y, sr, n_fft, hop_length, win_length, window, n_mels, fmin, fmax, htk,
                                         float(top_db))
        fb = spectral.mel_filterbank(sr, n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax, htk=htk)
    empty = int(np.sum(fb.max(axis=1) <= 0))
    if empty:
        st.warning(f"{empty} of the {n_mels} mel bands are empty: with n_fft = {n_fft} the bins are "
                   f"{sr / n_fft:.0f} Hz apart, wider than the lowest mel triangles, so no bin falls inside them and "
                   "those rows stay at the floor. Raise n_fft or lower n_mels.", icon=":material/warning:")
    left, right = (slot or st).columns([0.68, 0.32])
    chart(figures.spectrogram(times, mel_pts, M_db, title=f"Mel spectrogram ({n_mels} bands) of {escape_plot_text(name)}",
                              y_title="Frequency (Hz, mel-spaced)", colorscale=colorscale,
                              colorbar_title=colorbar, y_ticks=figures.mel_ticks(fmax, htk)),
          key="sg_mel", where=left)
    freqs_fb = spectral.fft_frequencies(sr, n_fft)
    shown = fb[:: max(1, n_mels // 24)]
    fbfig = figures.line(freqs_fb, {f"band {i}": row for i, row in enumerate(shown)},
                         title="Mel filterbank", x_title="Frequency (Hz)",
                         y_title="Weight (Slaney area-normalised)", height=420)
    fbfig.update_layout(showlegend=False)
    chart(fbfig, key="sg_fb", where=right)
    st.caption(f"Each mel band is a triangle over the linear bins; {n_mels} triangles evenly spaced in mels "
               f"from {fmin:.0f} to {fmax:.0f} Hz replace {res.n_bins} bins.")
else:
    with stop_on_input_error():
        times, freqs, S_db = stft_image(y, sr, n_fft, hop_length, win_length, window, power, float(top_db),
                                        scale == "log")
    zoomed = f_view != (0.0, nyquist)
    chart(figures.spectrogram(times, freqs, S_db, title=f"STFT spectrogram of {escape_plot_text(name)}", log_y=scale == "log",
                              colorscale=colorscale, colorbar_title=colorbar, y_range=f_view if zoomed else None),
          key="sg_main", slot=slot)

st.subheader("Short window against long window, same clip")
s1, s2 = st.columns(2)
for col, nfft_cmp, label in ((s1, 256, "Short window (256)"), (s2, 4096, "Long window (4096)")):
    t_cmp, f_cmp, D = stft_image(y, sr, nfft_cmp, nfft_cmp // 4, nfft_cmp, "hann", 2.0, 80.0, True, IMG_ROWS)
    r_cmp = spectral.stft_resolution(len(y), sr, n_fft=nfft_cmp, hop_length=nfft_cmp // 4)
    chart(figures.spectrogram(t_cmp, f_cmp, D,
                              title=f"{label}<br><sup>Δf {r_cmp.df_hz:.0f} Hz, window {1000 * r_cmp.window_s:.0f} ms</sup>",
                              log_y=True, colorscale=colorscale, height=340),
          key=f"sg_cmp_{nfft_cmp}", where=col)

st.subheader("Hear a time segment")
dur = len(y) / sr
h1, h2 = st.columns([0.7, 0.3])
if round(dur, 2) >= 0.02:
    clamp("sg_seg", 0.0, float(round(dur, 2)))  # a shorter clip than the last one
    t0, t1 = h1.slider("Segment (s)", 0.0, float(round(dur, 2)), (0.0, float(round(min(dur, 1.0), 2))), 0.01,
                       key="sg_seg", bind="query-params")
else:  # shorter than two slider steps: play it all
    t0, t1 = 0.0, dur
    h1.caption(f"The clip lasts {1000 * dur:.1f} ms: too short to choose a segment, so you hear all of it.")
with h2:
    with stop_on_input_error():
        player(segment(y, sr, t0, t1), sr, label=f"{t0:.2f}–{t1:.2f} s", key="sg_play")

in_depth(r"""
**STFT.** Frame $t$ of the signal, windowed and transformed:
$X[k, t] = \sum_{n=0}^{N-1} w[n]\, x[n + tH]\, e^{-2\pi i k n/N}$, with $N$ = `n_fft`, $H$ = `hop_length`.
With `center=True` (librosa's default) the signal is padded by $N/2$ zeros each side, so there are
$1 + \lfloor n/H \rfloor$ frames, frame $t$ centred at $tH/s_r$.

**The trade-off.** Frequency resolution $\Delta f = s_r/N$ and time resolution (window length $L/s_r$)
are tied: $\Delta t\,\Delta f \gtrsim 1$. `win_length` $< N$ zero-pads each frame: a finer frequency *grid*
but the resolution of the shorter window. The hop only sets how often you look (overlap = $1 - H/L$);
75 % overlap is common for Hann.

**dB.** `power_to_db` $= 10\log_{10}(S/\text{ref})$ for power $|X|^2$, `amplitude_to_db` $= 20\log_{10}$ for
magnitude — the same picture. `top_db` floors everything more than that many dB below the maximum.

**Mel scale.** Hearing resolves low frequencies finely and high ones coarsely. The mel filterbank is
`n_mels` triangles evenly spaced on the mel axis: **Slaney** (librosa's default) is linear below 1 kHz and
logarithmic above, with area-normalised triangles; **HTK** (torchaudio's default) uses
$m = 2595\log_{10}(1 + f/700)$. The two give different features from the same audio — a classic source of
train/serve mismatch between librosa and torchaudio pipelines.

**References.** librosa `stft`, `feature.melspectrogram`, `filters.mel`, `power_to_db`;
Velardo, *AudioSignalProcessingForML* 15–18; Chrome Music Lab *Spectrogram* (log-frequency axis);
Stevens, Volkmann & Newman (1937) on the mel scale; Slaney (1998) *Auditory Toolbox*.
""")
show_code(spectral.stft, spectral.mel_filterbank, spectral.hz_to_mel)
