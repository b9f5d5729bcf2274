"""Figures for the room-measurement page: the sweep, its inverse, the deconvolution with distortion.

Arrays in, plotly Figures out; no streamlit here (tests call these directly).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from components.figures import COLORS, minmax_decimate, new_figure


def envelope_db(y: np.ndarray, sr: float, *, t0_s: float = 0.0, max_points: int = 3000,
                floor_db: float = -120.0) -> tuple[np.ndarray, np.ndarray]:
    """Peak level per display column in dB re the largest sample: ``(times_s, level_db)``."""
    y = np.abs(np.asarray(y, dtype=float))
    ref = float(y.max()) or 1.0
    block = max(1, int(np.ceil(len(y) / max_points)))
    m = len(y) // block
    peaks = y[: m * block].reshape(m, block).max(axis=1) if m else y[:1]
    t = t0_s + (np.arange(len(peaks)) * block + block / 2) / sr
    return t, np.maximum(20 * np.log10(np.maximum(peaks, 1e-300) / ref), floor_db)


def deconvolution(distortion: np.ndarray, ir: np.ndarray, sr: float, harmonic_delays_s: dict[int, float], *,
                  height: int = 380, title: str = "Deconvolved recording: harmonics land before time zero") -> go.Figure:
    """Level of the whole deconvolution from ``-len(distortion)`` to ``len(ir)`` samples, harmonics marked.

    ``harmonic_delays_s``: ``{k: L ln k}`` for the harmonic orders to mark at ``-L ln k``.
    """
    full = np.concatenate([np.asarray(distortion, dtype=float), np.asarray(ir, dtype=float)])
    t0 = -len(distortion) / sr
    t, db = envelope_db(full, sr, t0_s=t0, max_points=4000)
    shapes = [dict(type="rect", xref="x", yref="paper", x0=t0, x1=0, y0=0, y1=1, fillcolor="rgba(228,87,86,0.07)",
                   line=dict(width=0), layer="below"),
              dict(type="line", xref="x", yref="paper", x0=0, x1=0, y0=0, y1=1, line=dict(color="#333", width=1))]
    annotations = [dict(x=t0, y=1, xref="x", yref="paper", xanchor="left", yanchor="bottom", showarrow=False,
                        text="cut away: distortion", font=dict(color=COLORS["accent"])),
                   dict(x=0, y=1, xref="x", yref="paper", xanchor="left", yanchor="bottom", showarrow=False,
                        text=" kept: the linear response")]
    for k, dt in harmonic_delays_s.items():
        if -dt < t0:
            continue
        shapes.append(dict(type="line", xref="x", yref="paper", x0=-dt, x1=-dt, y0=0, y1=0.9,
                           line=dict(color=COLORS["envelope"], dash="dot", width=1.2)))
        annotations.append(dict(x=-dt, y=0.9, xref="x", yref="paper", yanchor="bottom", showarrow=False,
                                text=f"k={k}", font=dict(color=COLORS["envelope"])))
    return new_figure([go.Scattergl(x=t, y=db, mode="lines", name="level", line=dict(color=COLORS["signal"], width=1))],
                      title=title, x_title="Time relative to the linear response's time zero (s)",
                      y_title="Peak level (dB re max)", height=height, shapes=shapes, annotations=annotations,
                      legend=False, yaxis=dict(range=[-100, 5]))


def compare_responses(measured: np.ndarray, reference: np.ndarray, sr: float, *, t_max_s: float = 0.08,
                      height: int = 340, ref_name: str = "true response (band-limited to the sweep)") -> go.Figure:
    """The start of the measured and the reference responses on one axis (both at their true scale)."""
    n = min(len(measured), len(reference), int(t_max_s * sr))
    t = np.arange(n) / sr * 1000
    traces = [go.Scatter(x=t, y=reference[:n], mode="lines", name=ref_name, line=dict(color=COLORS["envelope"], width=4)),
              go.Scatter(x=t, y=measured[:n], mode="lines", name="measured with the sweep",
                         line=dict(color=COLORS["signal"], width=1.2))]
    return new_figure(traces, title=f"The first {1000 * n / sr:.0f} ms: measured vs true", x_title="Time (ms)",
                      y_title="Pressure (re the direct sound's peak)", height=height)


def inverse_filter(sweep: np.ndarray, inverse: np.ndarray, sr: float, *, height: int = 280) -> go.Figure:
    """The sweep and its inverse filter (time-reversed, 6 dB/octave envelope), one above the other."""
    t = np.arange(len(sweep)) / sr
    ts, ys = minmax_decimate(t, sweep / np.abs(sweep).max(), 3000)
    ti, yi = minmax_decimate(t, inverse / np.abs(inverse).max(), 3000)
    traces = [go.Scattergl(x=ts, y=ys + 1.1, mode="lines", name="sweep (low to high)", line=dict(color=COLORS["signal"], width=1)),
              go.Scattergl(x=ti, y=yi - 1.1, mode="lines", name="inverse filter (high to low, fading 6 dB/octave)",
                           line=dict(color=COLORS["accent"], width=1))]
    return new_figure(traces, title="Sweep and inverse filter", x_title="Time (s)", y_title="", height=height,
                      yaxis=dict(showticklabels=False))
