"""Spectrogram, STFT and the mel scale: the time-frequency trade-off made visible."""

import numpy as np
import streamlit as st

from components import figures
from components.audio_io import escape_plot_text, pick_audio, player
from components.errors import stop_on_input_error
from components.teach import in_depth, intro, show_code
from lib import signals, spectral
from lib.audio import segment

intro(
    "Spectrogram & mel",
    "A spectrogram is a magnitude spectrum for every short frame, stacked over time (the STFT). "
    "A long window resolves close frequencies but smears fast events; a short one does the opposite — "
    "and the mel scale then squeezes high frequencies the way hearing (and most audio ML models) do.",
    "pick *Two close tones 440 + 460 Hz* and move **n_fft** from 256 to 4096: the two lines separate "
    "only when Δf = sr/n_fft drops below their 20 Hz gap.",
)

SYNTH = {
    "Chirp 100 Hz → 8 kHz (linear)": lambda sr: signals.chirp(100, 8000, sr, 3.0, method="linear"),
    "Two close tones 440 + 460 Hz": lambda sr: signals.tones([440, 460], sr, 3.0),
    "Impulse train 10 Hz": lambda sr: signals.impulse_train(10, sr, 2.0),
    "White noise": lambda sr: signals.white_noise(sr, 2.0, rms_level=0.1),
}

with st.sidebar:
    st.subheader("Audio")
    kind = st.radio("Signal", ["Recording", "Synthetic test signal"], key="sg_kind", horizontal=True)
    if kind == "Recording":
        clip = pick_audio("sg", default="Speech with fricatives", min_samples=64,
                          min_purpose="a spectrogram (the shortest window is 64 samples)")
        y, sr, name = clip.samples, clip.sr, clip.name
    else:
        synth = st.selectbox("Test signal", list(SYNTH), key="sg_synth", bind="query-params")
        sr = 22050
        y, name = SYNTH[synth](sr), synth

POW2 = [64, 128, 256, 512, 1024, 2048, 4096, 8192]
c1, c2, c3, c4 = st.columns(4)
n_fft = c1.select_slider("n_fft", POW2, value=2048, key="sg_nfft", bind="query-params")
win_choices = [w for w in POW2 if w <= n_fft]
if st.session_state.get("sg_win") not in win_choices:
    st.session_state["sg_win"] = n_fft
win_length = c2.select_slider("win_length", win_choices, key="sg_win",
                              help="The window's length; it is zero-padded to n_fft (finer grid, same resolution)")
hop_choices = [h for h in POW2 if h <= win_length] or [win_length]
if st.session_state.get("sg_hop") not in hop_choices:
    st.session_state["sg_hop"] = hop_choices[-3] if len(hop_choices) >= 3 else hop_choices[0]
hop_length = c3.select_slider("hop_length", hop_choices, key="sg_hop", bind="query-params")
window = c4.selectbox("Window", ["hann", "hamming", "blackman", "rect"], key="sg_window")

d1, d2, d3, d4 = st.columns(4)
scale = d1.radio("Frequency scale", ["linear", "log", "mel"], key="sg_scale", horizontal=True, bind="query-params")
top_db = d2.slider("Dynamic range top_db (dB)", 20, 120, 80, 5, key="sg_topdb")
amplitude = d3.radio("Amplitude", ["power (dB)", "magnitude (dB)"], key="sg_amp", horizontal=True,
                     help="In dB both look the same shape; power = 10 log10 |X|², magnitude = 20 log10 |X|")
colorscale = d4.selectbox("Colour map", ["Magma", "Viridis", "Inferno", "Greys"], key="sg_cmap")

if scale == "mel":
    e1, e2, e3, e4 = st.columns(4)
    n_mels = e1.slider("n_mels", 8, 256, 128, 8, key="sg_nmels", bind="query-params")
    fmin = e2.number_input("fmin (Hz)", 0.0, float(sr / 2 - 1), 0.0, 10.0, key="sg_fmin")
    fmax = e3.number_input("fmax (Hz)", 1.0, float(sr / 2), float(sr / 2), 100.0, key="sg_fmax")
    htk = e4.radio("Mel formula", ["Slaney (librosa)", "HTK (torchaudio)"], key="sg_htk") != "Slaney (librosa)"


@st.cache_data(max_entries=32, show_spinner=False)
def stft_db(y: np.ndarray, n_fft: int, hop: int, win: int, window: str, power: float, top_db: float):
    S = np.abs(spectral.stft(y, n_fft=n_fft, hop_length=hop, win_length=win, window=window)) ** power
    return spectral.power_to_db(S, ref=float(S.max()), top_db=top_db) if power == 2 else \
        spectral.amplitude_to_db(S, ref=float(S.max()), top_db=top_db)


@st.cache_data(max_entries=32, show_spinner=False)
def mel_db(y, sr, n_fft, hop, win, window, n_mels, fmin, fmax, htk, top_db):
    M = spectral.mel_spectrogram(y, sr, n_fft=n_fft, hop_length=hop, win_length=win, window=window,
                                 n_mels=n_mels, fmin=fmin, fmax=fmax, htk=htk)
    return spectral.power_to_db(M, ref=float(M.max()), top_db=top_db)


with stop_on_input_error():
    res = spectral.stft_resolution(len(y), sr, n_fft=n_fft, hop_length=hop_length, win_length=win_length)
    power = 2.0 if amplitude.startswith("power") else 1.0
    S_db = stft_db(y, n_fft, hop_length, win_length, window, power, float(top_db))
    times = np.arange(S_db.shape[1]) * hop_length / sr

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
        M_db = mel_db(y, sr, n_fft, hop_length, win_length, window, n_mels, fmin, fmax, htk, float(top_db))
        fb = spectral.mel_filterbank(sr, n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax, htk=htk)
    mel_pts = np.linspace(spectral.hz_to_mel(fmin, htk=htk), spectral.hz_to_mel(fmax, htk=htk), n_mels + 2)[1:-1]
    left, right = st.columns([0.68, 0.32])
    left.plotly_chart(figures.spectrogram(times, mel_pts, M_db, title=f"Mel spectrogram ({n_mels} bands) of {escape_plot_text(name)}",
                                          y_title="Frequency (Hz, mel-spaced)", colorscale=colorscale,
                                          colorbar_title=colorbar, y_ticks=figures.mel_ticks(fmax, htk)),
                      width="stretch", key="sg_mel")
    freqs_fb = spectral.fft_frequencies(sr, n_fft)
    shown = fb[:: max(1, n_mels // 24)]
    fbfig = figures.line(freqs_fb, {f"band {i}": row for i, row in enumerate(shown)},
                         title="Mel filterbank", x_title="Frequency (Hz)",
                         y_title="Weight (Slaney area-normalised)", height=420)
    fbfig.update_layout(showlegend=False)
    right.plotly_chart(fbfig, width="stretch", key="sg_fb")
    st.caption(f"Each mel band is a triangle over the linear bins; {n_mels} triangles evenly spaced in mels "
               f"from {fmin:.0f} to {fmax:.0f} Hz replace {res.n_bins} bins.")
else:
    freqs = spectral.fft_frequencies(sr, n_fft)
    st.plotly_chart(figures.spectrogram(times, freqs, S_db, title=f"STFT spectrogram of {escape_plot_text(name)}", log_y=scale == "log",
                                        colorscale=colorscale, colorbar_title=colorbar),
                    width="stretch", key="sg_main")

st.subheader("Short window against long window, same clip")
s1, s2 = st.columns(2)
for col, nfft_cmp, label in ((s1, 256, "Short window (256)"), (s2, 4096, "Long window (4096)")):
    D = stft_db(y, nfft_cmp, nfft_cmp // 4, nfft_cmp, "hann", 2.0, 80.0)
    r_cmp = spectral.stft_resolution(len(y), sr, n_fft=nfft_cmp, hop_length=nfft_cmp // 4)
    col.plotly_chart(figures.spectrogram(np.arange(D.shape[1]) * (nfft_cmp // 4) / sr,
                                         spectral.fft_frequencies(sr, nfft_cmp), D,
                                         title=f"{label}<br><sup>Δf {r_cmp.df_hz:.0f} Hz, window {1000 * r_cmp.window_s:.0f} ms</sup>",
                                         log_y=True, colorscale=colorscale, height=340),
                     width="stretch", key=f"sg_cmp_{nfft_cmp}")

st.subheader("Hear a time segment")
dur = len(y) / sr
h1, h2 = st.columns([0.7, 0.3])
if round(dur, 2) >= 0.02:
    t0, t1 = h1.slider("Segment (s)", 0.0, float(round(dur, 2)), (0.0, float(round(min(dur, 1.0), 2))), 0.01,
                       key="sg_seg")
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
