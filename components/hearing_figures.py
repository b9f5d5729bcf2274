"""Figure builders for the Sound & hearing page (arrays in, plotly Figures out; no streamlit)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from components.figures import COLORS, log_freq_ticks, minmax_decimate, new_figure
from lib.hearing import NOTE_NAMES, midi_to_hz, midi_to_note

#: Semitone positions of the black keys within an octave (C = 0).
BLACK = {1, 3, 6, 8, 10}


def keyboard_layout(lo_midi: int, hi_midi: int) -> tuple[list[int], list[float], list[int], list[float]]:
    """White and black keys between two MIDI numbers: (white midis, white x, black midis, black x).

    White keys sit at integer x; a black key sits on the boundary between its two white neighbours.
    """
    whites, wx, blacks, bx = [], [], [], []
    x = 0
    for m in range(lo_midi, hi_midi + 1):
        if m % 12 in BLACK:
            if whites:  # a black key needs a white key on its left
                blacks.append(m)
                bx.append(x - 0.5)
        else:
            whites.append(m)
            wx.append(float(x))
            x += 1
    return whites, wx, blacks, bx


def keyboard(lo_midi: int, hi_midi: int, *, selected: int | None = None, height: int = 210) -> go.Figure:
    """A clickable piano keyboard: white keys as tall bars, black keys as short narrow bars on top.

    Each bar carries its MIDI number in ``customdata`` (click one to select it). The selected
    key is drawn in the accent colour, and each C is labelled with its octave.
    """
    whites, wx, blacks, bx = keyboard_layout(lo_midi, hi_midi)
    wcol = [COLORS["accent"] if m == selected else "white" for m in whites]
    bcol = [COLORS["accent"] if m == selected else "#222" for m in blacks]
    hover = "%{customdata[1]}<br>%{customdata[2]:.2f} Hz · MIDI %{customdata[0]}<extra></extra>"
    wdata = [[m, midi_to_note(m), float(midi_to_hz(m))] for m in whites]
    bdata = [[m, midi_to_note(m), float(midi_to_hz(m))] for m in blacks]
    traces = [
        go.Bar(x=wx, y=[1.0] * len(wx), base=0, width=0.96, marker=dict(color=wcol, line=dict(color="#555", width=1)),
               customdata=wdata, hovertemplate=hover, name="white keys", showlegend=False,
               text=[midi_to_note(m) if m % 12 == 0 or m == selected else "" for m in whites],
               textposition="inside", insidetextanchor="start", textfont=dict(size=11, color="#333")),
        go.Bar(x=bx, y=[0.62] * len(bx), base=0.38, width=0.6, marker=dict(color=bcol, line=dict(color="#000", width=1)),
               customdata=bdata, hovertemplate=hover, name="black keys", showlegend=False),
    ]
    fig = new_figure(traces, title="Click a key", x_title="", y_title="", height=height, legend=False,
                     barmode="overlay", bargap=0, dragmode=False, clickmode="event+select",
                     xaxis=dict(visible=False, range=[-0.6, len(wx) - 0.4], fixedrange=True),
                     yaxis=dict(visible=False, range=[0, 1.02], fixedrange=True),
                     margin=dict(l=10, r=10, t=40, b=10))
    return fig


def wave(t_s: np.ndarray, y: np.ndarray, *, freq_hz: float, amplitude: float, title: str) -> go.Figure:
    """A sine over a few periods with one period and the amplitude marked."""
    period = 1.0 / freq_hz
    t0 = float(t_s[0])
    shapes = [
        dict(type="rect", xref="x", yref="paper", x0=t0 * 1000, x1=(t0 + period) * 1000, y0=0, y1=1,
             fillcolor="rgba(245,133,24,0.12)", line=dict(width=0)),
        dict(type="line", xref="paper", yref="y", x0=0, x1=1, y0=amplitude, y1=amplitude,
             line=dict(color=COLORS["accent"], width=1, dash="dash")),
    ]
    ann = [dict(x=(t0 + period / 2) * 1000, y=1.0, yref="paper", text=f"one period T = {1000 * period:.3g} ms",
                showarrow=False, yanchor="bottom", font=dict(color=COLORS["envelope"])),
           dict(xref="paper", x=1.0, y=amplitude, text=f"A = {amplitude:g}", showarrow=False, xanchor="right",
                yanchor="bottom", font=dict(color=COLORS["accent"]))]
    return new_figure([go.Scatter(x=t_s * 1000, y=y, mode="lines", name="A sin(2πft + φ)",
                                  line=dict(color=COLORS["signal"], width=2))],
                      title=title, x_title="Time (ms)", y_title="Amplitude (full scale = 1)", height=300,
                      shapes=shapes, annotations=ann, legend=False, yaxis=dict(range=[-1.05, 1.15]))


def pitch_chart(a4_hz: float = 440.0) -> go.Figure:
    """The A notes A0...A7 against frequency, on a linear and a log axis: pitch follows log-frequency."""
    octaves = np.arange(0, 8)
    f = a4_hz * 2.0 ** (octaves - 4)
    names = [f"A{o}" for o in octaves]
    traces = [
        go.Scatter(x=names, y=f, mode="lines+markers+text", name="linear frequency axis", text=[f"{v:g}" for v in f],
                   textposition="top left", line=dict(color=COLORS["signal"], width=2)),
        go.Scatter(x=names, y=f, mode="lines+markers", name="log frequency axis (right)", yaxis="y2",
                   line=dict(color=COLORS["accent"], width=2, dash="dot")),
    ]
    return new_figure(traces, title="Equal steps in pitch are equal ratios in frequency (each octave doubles f)",
                      x_title="Note", y_title="Frequency (Hz), linear", height=340,
                      yaxis2=dict(title=dict(text="Frequency (Hz), log"), type="log", overlaying="y", side="right",
                                  tickvals=list(f), ticktext=[f"{v:g}" for v in f], showgrid=False))


def harmonic_bars(f0_hz: float, weights, *, include_fundamental: bool, title: str) -> go.Figure:
    """Amplitudes of the harmonics n f0 (the missing fundamental drawn as an empty slot)."""
    w = np.asarray(weights, dtype=float).copy()
    if not include_fundamental and w.size:
        w[0] = 0.0
    w = w / (w.max() if w.max() > 0 else 1.0)
    n = np.arange(1, len(w) + 1)
    traces = [go.Bar(x=n * f0_hz, y=w, width=f0_hz * 0.35, name="harmonics", marker=dict(color=COLORS["signal"]),
                     hovertemplate="harmonic %{customdata}: %{x:.1f} Hz, %{y:.2f}<extra></extra>", customdata=n)]
    shapes = [dict(type="line", x0=f0_hz, x1=f0_hz, y0=0, y1=1.05, line=dict(color=COLORS["accent"], dash="dot"))]
    ann = [dict(x=f0_hz, y=1.05, text=f"f0 = {f0_hz:g} Hz" + ("" if include_fundamental else " (absent)"),
                showarrow=False, yanchor="bottom", font=dict(color=COLORS["accent"]))]
    return new_figure(traces, title=title, x_title="Frequency (Hz)", y_title="Relative amplitude", height=300,
                      shapes=shapes, annotations=ann, legend=False, yaxis=dict(range=[0, 1.2]))


def short_wave(y: np.ndarray, sr: float, *, periods: float, f0_hz: float, title: str, height: int = 260) -> go.Figure:
    """The first few periods of a steady tone (after its fade-in)."""
    start = int(0.1 * sr)
    n = int(round(periods * sr / f0_hz))
    seg = y[start : start + n]
    t = np.arange(seg.size) / sr * 1000
    return new_figure([go.Scatter(x=t, y=seg, mode="lines", name="waveform", line=dict(color=COLORS["signal"], width=2))],
                      title=title, x_title="Time (ms)", y_title="Amplitude", height=height, legend=False)


def contours(curves: dict[float, tuple[np.ndarray, np.ndarray]], *, threshold: tuple[np.ndarray, np.ndarray],
             a_weighting: tuple[np.ndarray, np.ndarray] | None = None, highlight: float | None = None,
             point: tuple[float, float] | None = None) -> go.Figure:
    """ISO 226:2023 equal-loudness contours on a log frequency axis, the threshold, optionally -A(f) + 40."""
    traces = []
    for phon, (f, spl) in curves.items():
        hot = highlight is not None and abs(phon - highlight) < 1e-9
        traces.append(go.Scatter(x=f, y=spl, mode="lines", name=f"{phon:g} phon",
                                 line=dict(color=COLORS["accent"] if hot else COLORS["signal"], width=3 if hot else 1.2)))
    traces.append(go.Scatter(x=threshold[0], y=threshold[1], mode="lines", name="threshold of hearing",
                             line=dict(color=COLORS["muted"], width=2, dash="dash")))
    if a_weighting is not None:
        traces.append(go.Scatter(x=a_weighting[0], y=40.0 - a_weighting[1], mode="lines",
                                 name="40 − A-weighting (IEC 61672)", line=dict(color=COLORS["rms"], width=2, dash="dot")))
    if point is not None:
        traces.append(go.Scatter(x=[point[0]], y=[point[1]], mode="markers", name="your tone",
                                 marker=dict(color=COLORS["envelope"], size=12, symbol="x")))
    vals, text = log_freq_ticks(12500.0, 20.0)
    return new_figure(traces, title="Equal-loudness contours (ISO 226:2023): every point on a line sounds equally loud",
                      x_title="Frequency (Hz)", y_title="Sound pressure level (dB SPL)", height=460,
                      xaxis=dict(type="log", tickvals=vals + [12500], ticktext=text + ["12.5k"]),
                      legend=dict(orientation="v", x=1.02, xanchor="left", y=1.0, yanchor="top"))


def band_scales(f: np.ndarray, bark: np.ndarray, erb_rate: np.ndarray, erb: np.ndarray) -> go.Figure:
    """Bark and ERB-number against frequency, and the ERB bandwidth (right axis)."""
    traces = [go.Scatter(x=f, y=bark, mode="lines", name="Bark (Zwicker & Terhardt)", line=dict(color=COLORS["signal"], width=2)),
              go.Scatter(x=f, y=erb_rate, mode="lines", name="ERB-number (Glasberg & Moore)", line=dict(color=COLORS["accent"], width=2)),
              go.Scatter(x=f, y=erb, mode="lines", name="ERB bandwidth, Hz (right)", yaxis="y2",
                         line=dict(color=COLORS["muted"], width=2, dash="dot"))]
    vals, text = log_freq_ticks(20000.0, 20.0)
    return new_figure(traces, title="Critical-band scales: the ear's filters widen with frequency",
                      x_title="Frequency (Hz)", y_title="Band number", height=360,
                      xaxis=dict(type="log", tickvals=vals, ticktext=text),
                      yaxis2=dict(title=dict(text="ERB (Hz)"), type="log", overlaying="y", side="right", showgrid=False,
                                  tickvals=[30, 100, 300, 1000, 3000], ticktext=["30", "100", "300", "1k", "3k"]),
                      margin=dict(r=70))


def masking(tone_hz: float, tone_db: float, noise_lo: float, noise_hi: float, noise_db: float, erb: float,
            threshold_db: float) -> go.Figure:
    """The noise band's density, the auditory filter around the tone, the tone and its predicted threshold."""
    density = noise_db - 10 * np.log10(noise_hi - noise_lo)  # dB per Hz
    traces = [
        go.Scatter(x=[noise_lo, noise_lo, noise_hi, noise_hi], y=[-100, density, density, -100], fill="toself",
                   mode="lines", name="noise (level per Hz)", line=dict(color=COLORS["muted"]), fillcolor="rgba(157,157,157,0.35)"),
        go.Scatter(x=[tone_hz - erb / 2, tone_hz - erb / 2, tone_hz + erb / 2, tone_hz + erb / 2],
                   y=[-100, 0, 0, -100], mode="lines", name=f"auditory filter (ERB {erb:.0f} Hz)",
                   line=dict(color=COLORS["alt"], width=2, dash="dot")),
        go.Scatter(x=[tone_hz, tone_hz], y=[-100, tone_db], mode="lines+markers", name="tone (RMS)",
                   line=dict(color=COLORS["accent"], width=3), marker=dict(size=[0, 10])),
    ]
    if np.isfinite(threshold_db):
        traces.append(go.Scatter(x=[tone_hz - erb, tone_hz + erb], y=[threshold_db] * 2, mode="lines",
                                 name="predicted masked threshold", line=dict(color=COLORS["envelope"], width=2, dash="dash")))
    lo = max(20.0, min(noise_lo, tone_hz - erb) / 1.5)
    hi = max(noise_hi, tone_hz + erb) * 1.5
    return new_figure(traces, title="A tone inside the noise's critical band is masked",
                      x_title="Frequency (Hz)", y_title="Level (dBFS; noise as dB per Hz)", height=360,
                      xaxis=dict(type="log", range=[np.log10(lo), np.log10(hi)]), yaxis=dict(range=[-90, 0]))


def beats(t_s: np.ndarray, y: np.ndarray, envelope: np.ndarray, *, title: str) -> go.Figure:
    """Two close tones summed, with the beating envelope."""
    td, yd = minmax_decimate(t_s, y, 6000)
    traces = [go.Scattergl(x=td, y=yd, mode="lines", name="sum of the two tones", line=dict(color=COLORS["signal"], width=1)),
              go.Scatter(x=t_s[::20], y=envelope[::20], mode="lines", name="envelope |2 cos(π Δf t)|",
                         line=dict(color=COLORS["accent"], width=2))]
    return new_figure(traces, title=title, x_title="Time (s)", y_title="Amplitude", height=300)


def _note_axis(fmin: float, fmax: float) -> dict:
    """A log frequency axis ticked at the C and A of every octave in range."""
    m_lo = int(np.floor(69 + 12 * np.log2(fmin / 440.0)))
    m_hi = int(np.ceil(69 + 12 * np.log2(fmax / 440.0)))
    ticks = [m for m in range(m_lo, m_hi + 1) if m % 12 in ((0, 4, 7, 9) if m_hi - m_lo < 30 else (0, 9))]
    return dict(type="log", range=[np.log10(fmin), np.log10(fmax)], tickvals=[float(midi_to_hz(m)) for m in ticks],
                ticktext=[f"{midi_to_note(m)} {float(midi_to_hz(m)):.4g}" for m in ticks])


def f0_track(times: np.ndarray, f0: np.ndarray, prob: np.ndarray, *, median_hz: float | None, peak_hz: float | None,
             fmin: float, fmax: float) -> go.Figure:
    """Pitch over time on a note-labelled log axis, with the median f0 and the strongest spectral peak."""
    traces = [go.Scatter(x=times, y=f0, mode="lines+markers", name="f0 per frame (pYIN)", connectgaps=False,
                         marker=dict(size=4, color=prob, colorscale="Blues", cmin=0, cmax=1),
                         line=dict(color=COLORS["signal"], width=2))]
    shapes, ann = [], []
    marks = ((median_hz, "median f0", COLORS["accent"], 0.0, "left", "bottom"),
             (peak_hz, "strongest peak", COLORS["envelope"], 1.0, "right", "top"))
    for value, name, color, x, xanchor, yanchor in marks:
        if value is not None and fmin <= value <= fmax:
            shapes.append(dict(type="line", xref="paper", x0=0, x1=1, y0=value, y1=value, line=dict(color=color, dash="dash")))
            ann.append(dict(xref="paper", x=x, y=np.log10(value), text=f"{name} {value:.1f} Hz", showarrow=False,
                            xanchor=xanchor, yanchor=yanchor, font=dict(color=color)))
    return new_figure(traces, title="Pitch over time", x_title="Time (s)", y_title="Fundamental frequency",
                      height=340, shapes=shapes, annotations=ann, legend=False, yaxis=_note_axis(fmin, fmax))


def tuner_spectrum(freqs: np.ndarray, level_db: np.ndarray, *, f0_hz: float | None, peak_hz: float,
                   n_harmonics: int = 8) -> go.Figure:
    """The clip's spectrum with the harmonics of the median f0 and the strongest peak marked."""
    keep = freqs > 20
    traces = [go.Scattergl(x=freqs[keep], y=level_db[keep], mode="lines", name="spectrum",
                           line=dict(color=COLORS["signal"], width=1))]
    shapes = []
    if f0_hz:
        for k in range(1, n_harmonics + 1):
            if k * f0_hz < freqs[-1]:
                shapes.append(dict(type="line", x0=k * f0_hz, x1=k * f0_hz, yref="paper", y0=0, y1=1,
                                   line=dict(color=COLORS["accent"], width=1, dash="dot")))
    shapes.append(dict(type="line", x0=peak_hz, x1=peak_hz, yref="paper", y0=0, y1=1,
                       line=dict(color=COLORS["envelope"], width=2)))
    vals, text = log_freq_ticks(float(freqs[-1]), 20.0)
    top = float(np.max(level_db[keep])) if keep.any() else 0.0
    return new_figure(traces, title="Spectrum: dotted at k × f0, solid at the strongest peak",
                      x_title="Frequency (Hz)", y_title="Level (dBFS)", height=320, shapes=shapes, legend=False,
                      xaxis=dict(type="log", tickvals=vals, ticktext=text), yaxis=dict(range=[top - 80, top + 5]))


def note_names() -> tuple[str, ...]:
    """The 12 pitch-class names (for pickers)."""
    return NOTE_NAMES
