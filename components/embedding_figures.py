"""Figures for the embeddings page: maps of pooled vectors, scores over depth, CKA, self-similarity.

Arrays in, a plotly Figure out; no streamlit import (tests call these directly).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from components.figures import COLORS, layout, new_figure, rgb_colorscale

#: One colour per word (cycled), one marker per voice (cycled).
PALETTE = ("#4C78A8", "#F58518", "#E45756", "#72B7B2", "#54A24B", "#EECA3B", "#B279A2", "#FF9DA6", "#9D755D",
           "#BAB0AC", "#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD", "#8C564B", "#E377C2", "#7F7F7F",
           "#BCBD22", "#17BECF")
SYMBOLS = ("circle", "square", "diamond", "cross", "x", "triangle-up", "triangle-down", "star", "hexagon", "pentagon")
SYMBOLS_3D = ("circle", "square", "diamond", "cross", "x", "circle-open", "square-open", "diamond-open")
#: The untrained control is always drawn dashed and grey-toned, and named so in the legend.
CONTROL_DASH = "dash"


def embedding_map(coords: np.ndarray, words: Sequence[str], voices: Sequence[str], *, title: str,
                  explained: np.ndarray | None = None, method: str = "PCA", names: Sequence[str] | None = None,
                  height: int = 520) -> go.Figure:
    """Scatter of a 2-D or 3-D map: colour = word, marker = voice; hover names the clip."""
    coords = np.asarray(coords)
    words, voices = np.asarray(words), np.asarray(voices)
    names = np.asarray(names) if names is not None else np.array([f"{w} · {v}" for w, v in zip(words, voices)])
    voice_list = list(dict.fromkeys(voices.tolist()))
    dims = coords.shape[1]
    axis = [f"{method} {i + 1}" + (f" ({100 * explained[i]:.1f} % of variance)" if explained is not None else "")
            for i in range(dims)]
    traces = []
    for wi, word in enumerate(dict.fromkeys(words.tolist())):
        idx = np.flatnonzero(words == word)
        sym = [voice_list.index(v) for v in voices[idx]]
        common = dict(name=word, legendgroup=word, text=names[idx], customdata=idx,
                      hovertemplate="%{text}<extra>click to hear</extra>")
        color = PALETTE[wi % len(PALETTE)]
        if dims == 3:
            traces.append(go.Scatter3d(x=coords[idx, 0], y=coords[idx, 1], z=coords[idx, 2], mode="markers",
                                       marker=dict(size=4, color=color,
                                                   symbol=[SYMBOLS_3D[s % len(SYMBOLS_3D)] for s in sym]), **common))
        else:
            traces.append(go.Scattergl(x=coords[idx, 0], y=coords[idx, 1], mode="markers",
                                       marker=dict(size=9, color=color, line=dict(width=0.5, color="white"),
                                                   symbol=[SYMBOLS[s % len(SYMBOLS)] for s in sym]), **common))
    for vi, voice in enumerate(voice_list[:12]):  # legend entries for the markers (voices), grey
        marker = dict(color=COLORS["muted"], symbol=(SYMBOLS_3D if dims == 3 else SYMBOLS)[
            vi % len(SYMBOLS_3D if dims == 3 else SYMBOLS)], size=4 if dims == 3 else 8)
        kw = dict(mode="markers", marker=marker, name=voice, legendgroup="voices", legendgrouptitle_text="voices",
                  hoverinfo="skip", showlegend=True)
        traces.append(go.Scatter3d(x=[None], y=[None], z=[None], **kw) if dims == 3 else
                      go.Scatter(x=[None], y=[None], **kw))
    extra = {}
    if dims == 3:
        extra["scene"] = dict(xaxis_title=axis[0], yaxis_title=axis[1], zaxis_title=axis[2])
    return new_figure(traces, title=title, x_title=axis[0], y_title=axis[1], height=height,
                      legend=dict(orientation="v", x=1.02, xanchor="left", y=1.0, yanchor="top"), **extra)


def depth_figure(series: dict[str, dict], *, title: str, y_title: str, chance: float | None = None,
                 y_range: tuple[float, float] | None = None, height: int = 380,
                 legend_below: bool = False) -> go.Figure:
    """Scores over depth. ``series``: legend name -> ``{"layers": names, "values": [...], "control": bool,
    "error": [...] optional}``; controls are dashed."""
    traces = []
    for i, (name, s) in enumerate(series.items()):
        vals = np.asarray(s["values"], dtype=float)
        x = list(range(len(vals)))
        err = s.get("error")
        color = s.get("color", PALETTE[i % len(PALETTE)])
        traces.append(go.Scatter(
            x=x, y=vals, mode="lines+markers", name=name, text=list(s["layers"]),
            line=dict(color=color, dash=CONTROL_DASH if s.get("control") else "solid", width=2),
            marker=dict(symbol="circle-open" if s.get("control") else "circle", size=8),
            error_y=dict(type="data", array=np.asarray(err, dtype=float), visible=True, thickness=1)
            if err is not None else None,
            hovertemplate="%{text}: %{y:.3f}<extra>" + name + "</extra>"))
    shapes = []
    if chance is not None and np.isfinite(chance):
        shapes.append(dict(type="line", xref="paper", x0=0, x1=1, y0=chance, y1=chance,
                           line=dict(color=COLORS["muted"], dash="dot", width=1)))
    longest = max(series.values(), key=lambda s: len(s["layers"]))["layers"] if series else []
    xaxis = dict(tickvals=list(range(len(longest))), ticktext=[short_name(n) for n in longest])
    yaxis = dict(range=list(y_range)) if y_range else {}
    legend = dict(orientation="h", y=-0.25, yanchor="top", x=0, xanchor="left") if legend_below else True
    fig = new_figure(traces, title=title, x_title="Layer (front end first)", y_title=y_title,
                     height=height + (60 if legend_below else 0), shapes=shapes, xaxis=xaxis, yaxis=yaxis,
                     legend=legend)
    if legend_below:
        fig.update_layout(margin=dict(b=120))
    if shapes:
        fig.add_annotation(x=1, xref="paper", y=chance, text="chance", showarrow=False, yshift=8,
                           font=dict(color=COLORS["muted"], size=11), xanchor="right")
    return fig


def short_name(name: str) -> str:
    """A layer name short enough for an axis tick (L3, conv, CNN, input)."""
    if name.startswith("layer "):
        return "L" + name.split()[1]
    return {"transformer input (projection + conv positions)": "input"}.get(name, name.split(" (")[0].split(" ")[0])


def cka_heatmap(M: np.ndarray, rows: Sequence[str], cols: Sequence[str], *, title: str, y_title: str, x_title: str,
                height: int = 460) -> go.Figure:
    """Linear CKA between layers, 0 (unrelated) to 1 (the same up to rotation and scale)."""
    M = np.asarray(M)
    trace = go.Heatmap(z=M, x=[short_name(c) for c in cols], y=[short_name(r) for r in rows], zmin=0, zmax=1,
                       colorscale="Viridis", colorbar=dict(title=dict(text="CKA")),
                       text=np.round(M, 2), texttemplate="%{text}", customdata=np.array(
                           [[f"{r} vs {c}" for c in cols] for r in rows]),
                       hovertemplate="%{customdata}<br>CKA %{z:.3f}<extra></extra>")
    return new_figure([trace], title=title, x_title=x_title, y_title=y_title, height=height, legend=False,
                      yaxis=dict(autorange="reversed"))


def spectrogram_and_similarity(times_s: np.ndarray, freqs_hz: np.ndarray, S_db: np.ndarray, sim: np.ndarray,
                               frame_s: float, *, title: str, layer: str, height: int = 760) -> go.Figure:
    """A mel spectrogram above the frame-by-frame cosine self-similarity of one layer, sharing the time axis."""
    n = sim.shape[0]
    t_frames = (np.arange(n) + 0.5) * frame_s
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.3, 0.7], vertical_spacing=0.06,
                        subplot_titles=("Mel spectrogram (dB)", f"Cosine self-similarity: {layer}"))
    S_db = np.clip(S_db, -80.0, 0.0)  # dB re the loudest bin; digital silence drawn at the floor colour
    fig.add_trace(go.Heatmap(x=times_s, y=np.arange(len(freqs_hz)), z=S_db, colorscale=rgb_colorscale("Magma"),
                             zmin=-80, zmax=0, showscale=False, customdata=np.repeat(
                                 np.asarray(freqs_hz)[:, None], len(times_s), axis=1),
                             hovertemplate="t=%{x:.2f} s<br>%{customdata:.0f} Hz<br>%{z:.1f} dB<extra></extra>"),
                  1, 1)
    fig.add_trace(go.Heatmap(x=t_frames, y=t_frames, z=sim, colorscale="RdBu", zmid=0, zmin=-1, zmax=1,
                             colorbar=dict(title=dict(text="cos"), y=0.35, len=0.7),
                             hovertemplate="frames at %{x:.2f} s and %{y:.2f} s<br>cos %{z:.2f}<extra></extra>"), 2, 1)
    fig.update_layout(layout(title=title, x_title="", y_title="Frequency (Hz)", height=height, legend=False))
    fig.update_xaxes(title_text="Time (s)", row=2, col=1)
    fig.update_yaxes(title_text="Time (s)", autorange="reversed", row=2, col=1)
    # Mel bands are evenly spaced on the mel scale: label a few of them in Hz.
    ticks = [f for f in (100, 300, 1000, 3000, 7000) if f <= freqs_hz[-1]]
    fig.update_yaxes(tickvals=[float(np.interp(f, freqs_hz, np.arange(len(freqs_hz)))) for f in ticks],
                     ticktext=[f"{f:g}" for f in ticks], title_text="Frequency (Hz, mel scale)", row=1, col=1)
    return fig


def frame_r2_figure(curves: dict[str, dict], layers: Sequence[str], *, title: str, height: int = 380) -> go.Figure:
    """R² of per-frame acoustic facts over depth: ``curves[legend] = {"values": [...], "control": bool}``."""
    series = {k: {"layers": layers, **v} for k, v in curves.items()}
    return depth_figure(series, title=title, y_title="held-out R² (1 = read perfectly)", y_range=(-0.1, 1.0),
                        height=height, legend_below=True)
