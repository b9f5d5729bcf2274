"""Figures of the speech data generator page (arrays in, plotly Figure out; no streamlit)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from components.figures import COLORS, layout, new_figure


def histogram_grid(columns: dict[str, np.ndarray], *, n_cols: int = 3, title: str, height_per_row: int = 210) -> go.Figure:
    """One small histogram per parameter (bars of counts for text values), in a grid.

    ``columns`` maps a label with its unit ("RT60 drawn (s)") to the drawn values.
    """
    from plotly.subplots import make_subplots

    names = list(columns)
    rows = -(-len(names) // n_cols)
    fig = make_subplots(rows=rows, cols=n_cols, subplot_titles=names, horizontal_spacing=0.07,
                        vertical_spacing=0.16 if rows > 1 else 0.1)
    for i, name in enumerate(names):
        r, c = divmod(i, n_cols)
        v = np.asarray(columns[name])
        if v.dtype.kind in "fiu":
            v = v[np.isfinite(v.astype(float))]
            trace = go.Histogram(x=v, nbinsx=30, marker_color=COLORS["signal"], showlegend=False, name=name)
        else:
            labels, counts = np.unique(v.astype(str), return_counts=True)
            trace = go.Bar(x=labels, y=counts, marker_color=COLORS["alt"], showlegend=False, name=name)
        fig.add_trace(trace, row=r + 1, col=c + 1)
    fig.update_layout(layout(title=title, x_title="", y_title="", height=max(260, rows * height_per_row + 60),
                             legend=False, margin=dict(l=40, r=20, t=80, b=40)))
    fig.update_annotations(font_size=12)
    return fig


def alignment(dry: np.ndarray, target: np.ndarray, x: np.ndarray, sr: int, delay_samples: float, *,
              window_ms: float = 40.0, height: int = 340) -> go.Figure:
    """The first speech onset in the dry file, the target and the input, each scaled to its own peak.

    The target and the input start together, ``delay_samples`` after the dry file: a model trained on
    the dry file as target would have to predict the future.
    """
    dry, target, x = (np.asarray(a, dtype=np.float64) for a in (dry, target, x))
    env = np.abs(dry)
    onset = int(np.argmax(env > 0.2 * env.max())) if env.max() > 0 else 0
    a = max(0, onset - int(0.005 * sr))
    b = min(len(dry), onset + int(delay_samples) + int(window_ms * sr / 1000))
    t_ms = (np.arange(a, b) - onset) * 1000.0 / sr

    def scaled(y):
        seg = y[a:b]
        peak = np.abs(seg).max()
        return seg / peak if peak > 0 else seg

    traces = [
        go.Scatter(x=t_ms, y=scaled(dry) + 2.2, name="dry file (leads)", line=dict(color=COLORS["muted"], width=1.3)),
        go.Scatter(x=t_ms, y=scaled(target), name="target", line=dict(color=COLORS["rms"], width=1.6)),
        go.Scatter(x=t_ms, y=scaled(x) - 2.2, name="input", line=dict(color=COLORS["signal"], width=1.3)),
    ]
    d_ms = delay_samples * 1000.0 / sr
    fig = new_figure(traces, title=f"Alignment: target and input start {d_ms:.2f} ms after the dry speech "
                                   f"({delay_samples:.1f} samples, the direct path)",
                     x_title="Time from the dry speech's onset (ms)", y_title="each scaled to its peak (offset)",
                     height=height, yaxis=dict(showticklabels=False))
    for t, label in ((0.0, "dry onset"), (d_ms, "direct sound arrives")):
        fig.add_vline(x=t, line=dict(color=COLORS["accent"], dash="dot", width=1),
                      annotation_text=label, annotation_position="top")
    return fig


def check_scatter(expected: np.ndarray, measured: np.ndarray, *, title: str, x_title: str, y_title: str,
                  rel_band: float | None = None, abs_band: float | None = None, height: int = 320) -> go.Figure:
    """Measured against expected, with the line y = x and a tolerance band (relative or absolute)."""
    e, m = np.asarray(expected, dtype=float), np.asarray(measured, dtype=float)
    ok = np.isfinite(e) & np.isfinite(m)
    lo, hi = (float(min(e[ok].min(), m[ok].min())), float(max(e[ok].max(), m[ok].max()))) if ok.any() else (0.0, 1.0)
    pad = 0.05 * (hi - lo or 1.0)
    line = np.array([lo - pad, hi + pad])
    traces = []
    if rel_band or abs_band:
        up = line * (1 + rel_band) if rel_band else line + abs_band
        dn = line * (1 - rel_band) if rel_band else line - abs_band
        band = f"±{100 * rel_band:.0f} %" if rel_band else f"±{abs_band:g}"
        traces += [go.Scatter(x=line, y=up, line=dict(width=0), showlegend=False, hoverinfo="skip"),
                   go.Scatter(x=line, y=dn, fill="tonexty", fillcolor="rgba(84,162,75,0.15)", line=dict(width=0),
                              name=band, hoverinfo="skip")]
    traces += [go.Scatter(x=line, y=line, mode="lines", name="measured = expected",
                          line=dict(color=COLORS["muted"], dash="dot")),
               go.Scatter(x=e, y=m, mode="markers", name="examples", marker=dict(color=COLORS["signal"], size=7))]
    return new_figure(traces, title=title, x_title=x_title, y_title=y_title, height=height)
