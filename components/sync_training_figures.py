"""Figures for "How SyncNet learns": the pair clock, the loss, training curves, histograms, offset curves.

Arrays in, titled plotly Figures out; no streamlit here, so tests call every builder directly.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from components.figures import COLORS, layout, new_figure


def pair_clock(mouth_window: np.ndarray, mfcc_matched: np.ndarray, mfcc_shifted: np.ndarray, *,
               start_frame: int, shift: int, fps: int = 25, mfcc_per_frame: int = 4) -> go.Figure:
    """One training example: 5 grey mouth frames over their 20 MFCC steps, in sync and shifted.

    Top row: the 5 mouth crops of frames ``start_frame .. start_frame + 4``. Below: the
    13×20 MFCC window recorded with them (a positive pair) and the one ``shift`` frames
    away (a negative), on a common time axis in milliseconds, so the clock is visible:
    one video frame = 40 ms = 4 MFCC steps of 10 ms.
    """
    mouth_window = np.asarray(mouth_window, float)
    n_frames = mouth_window.shape[0]
    n_steps = mfcc_matched.shape[1]
    fig = make_subplots(rows=3, cols=n_frames, specs=[[{}] * n_frames, [{"colspan": n_frames}] + [None] * (n_frames - 1),
                                                      [{"colspan": n_frames}] + [None] * (n_frames - 1)],
                        row_heights=[0.34, 0.33, 0.33], vertical_spacing=0.13, horizontal_spacing=0.01,
                        subplot_titles=[f"frame {start_frame + i}<br>{1000 * (start_frame + i) / fps:.0f} ms"
                                        for i in range(n_frames)]
                        + [f"MFCCs recorded with these frames (in sync → label 1): steps {mfcc_per_frame * start_frame}"
                           f"–{mfcc_per_frame * start_frame + n_steps - 1}",
                           f"MFCCs {shift:+d} frames away (shifted → label 0)"])
    lo, hi = np.percentile(mouth_window, [1, 99])
    for i in range(n_frames):
        fig.add_trace(go.Heatmap(z=mouth_window[i][::-1], colorscale="gray", zmin=lo, zmax=hi, showscale=False,
                                 hovertemplate="x %{x}, y %{y}: %{z:.2f}<extra></extra>"), row=1, col=i + 1)
        fig.update_xaxes(showticklabels=False, ticks="", showgrid=False, row=1, col=i + 1)
        fig.update_yaxes(showticklabels=False, ticks="", showgrid=False, scaleanchor=f"x{i + 1}" if i else "x",
                         row=1, col=i + 1)
    t_ms = 1000 * (start_frame + np.arange(n_steps) / mfcc_per_frame) / fps
    both = np.concatenate([mfcc_matched, mfcc_shifted])
    zlo, zhi = np.percentile(both, [2, 98])
    for row, m in ((2, mfcc_matched), (3, mfcc_shifted)):
        fig.add_trace(go.Heatmap(z=m, x=t_ms, y=np.arange(m.shape[0]), colorscale="Viridis", zmin=zlo, zmax=zhi,
                                 colorbar=dict(title="z", len=0.6, y=0.33), showscale=row == 2,
                                 hovertemplate="%{x:.0f} ms, coefficient %{y}: %{z:.2f}<extra></extra>"),
                      row=row, col=1)
        for k in range(n_frames + 1):  # video frame boundaries every 40 ms
            fig.add_vline(x=t_ms[0] - 5 + 1000 * k / fps, line=dict(color="white", width=1, dash="dot"), row=row, col=1)
        fig.update_yaxes(title_text="MFCC", row=row, col=1)
    fig.update_xaxes(title_text="time in the clip (ms); dotted lines = video frames, 40 ms = 4 MFCC steps", row=3, col=1)
    fig.update_layout(layout(title="One self-supervised example: 5 frames of mouth and 0.2 s of sound",
                             x_title="", y_title="", height=600, legend=False, margin=dict(t=110)))
    return fig


def loss_terms(margin: float, *, d_max: float | None = None) -> go.Figure:
    """The contrastive loss of one pair against its distance: ``d²/2`` in sync, ``max(m − d, 0)²/2`` shifted."""
    d_max = d_max or 2.0 * margin
    d = np.linspace(0, d_max, 200)
    pos = 0.5 * d ** 2
    neg = 0.5 * np.clip(margin - d, 0, None) ** 2
    return new_figure(
        [go.Scatter(x=d, y=pos, name="in-sync pair (y = 1): ½ d²", line=dict(color=COLORS["rms"], width=3)),
         go.Scatter(x=d, y=neg, name="shifted pair (y = 0): ½ max(m − d, 0)²", line=dict(color=COLORS["accent"], width=3))],
        title=f"Contrastive loss of one pair (margin m = {margin:g})", x_title="distance d between the two embeddings",
        y_title="loss", height=330,
        shapes=[dict(type="line", x0=margin, x1=margin, y0=0, y1=1, yref="paper",
                     line=dict(color=COLORS["muted"], dash="dash"))],
        annotations=[dict(x=margin, y=1, yref="paper", text="margin", showarrow=False, xanchor="left", yanchor="top")],
    )


def training_curves(loss: np.ndarray, gap: np.ndarray, *, epochs: int | None = None) -> go.Figure:
    """Mean loss per epoch (left axis) and shifted-minus-matched distance gap (right axis); epoch 0 = untrained."""
    loss = np.asarray(loss, float)
    gap = np.asarray(gap, float)
    e = np.arange(len(loss))
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Scatter(x=e, y=loss, mode="lines+markers", name="contrastive loss (mean over the epoch)",
                             line=dict(color=COLORS["signal"], width=3)), secondary_y=False)
    fig.add_trace(go.Scatter(x=e, y=gap, mode="lines+markers", name="gap: shifted − in-sync distance",
                             line=dict(color=COLORS["envelope"], width=3, dash="dot")), secondary_y=True)
    fig.update_layout(layout(title="Training: the loss falls as the two kinds of pair move apart",
                             x_title="epoch (0 = before training)", y_title="loss", height=360,
                             legend=dict(yanchor="top", y=-0.25, xanchor="left", x=0.0), margin=dict(b=90)))
    fig.update_yaxes(title_text="distance gap", secondary_y=True, rangemode="tozero", tickformat=".2f")
    fig.update_yaxes(rangemode="tozero", secondary_y=False)
    fig.update_xaxes(range=[-0.3, max(epochs or len(loss) - 1, 1) + 0.3], dtick=max(1, (epochs or len(e)) // 10))
    return fig


def distance_histograms(matched: np.ndarray, shifted: np.ndarray, *, margin: float, epoch: int,
                        bins: int = 40, x_max: float | None = None) -> go.Figure:
    """Overlaid histograms of the embedding distance for in-sync and shifted pairs after one epoch."""
    matched = np.asarray(matched, float)
    shifted = np.asarray(shifted, float)
    x_max = x_max or float(np.percentile(np.r_[matched, shifted], 99.5)) * 1.05 or 1.0
    edges = np.linspace(0, x_max, bins + 1)
    size = edges[1] - edges[0]
    traces = [go.Histogram(x=matched, xbins=dict(start=0, end=x_max, size=size), name=f"in sync (mean {matched.mean():.2f})",
                           marker_color=COLORS["rms"], opacity=0.65),
              go.Histogram(x=shifted, xbins=dict(start=0, end=x_max, size=size), name=f"shifted (mean {shifted.mean():.2f})",
                           marker_color=COLORS["accent"], opacity=0.65)]
    when = "before training" if epoch == 0 else f"after epoch {epoch}"
    return new_figure(traces, title=f"Distances of held-in pairs {when}", x_title="embedding distance d",
                      y_title="pairs", height=330, barmode="overlay",
                      xaxis=dict(range=[0, x_max]),
                      shapes=[dict(type="line", x0=margin, x1=margin, y0=0, y1=1, yref="paper",
                                   line=dict(color=COLORS["muted"], dash="dash"))],
                      annotations=[dict(x=margin, y=1, yref="paper", text="margin", showarrow=False, xanchor="left",
                                        yanchor="top")])


def offset_curves(lags: np.ndarray, curves: dict[str, np.ndarray], *, estimate: int | None = None,
                  true_offset: int | None = None, fps: int = 25, title: str) -> go.Figure:
    """Mean embedding distance against candidate offset for one or more models (lower = better aligned)."""
    lags = np.asarray(lags)
    palette = [COLORS["muted"], COLORS["signal"], COLORS["envelope"], COLORS["zcr"]]
    traces = []
    for (name, curve), color in zip(curves.items(), palette[-len(curves):] if len(curves) == 1 else palette):
        traces.append(go.Scatter(x=lags, y=np.asarray(curve, float), mode="lines+markers", name=name,
                                 line=dict(color=color, width=2.5), customdata=1000 * lags / fps,
                                 hovertemplate="offset %{x:+d} frames (%{customdata:+.0f} ms): %{y:.3f}<extra></extra>"))
    shapes, notes = [], []
    if true_offset is not None:
        shapes.append(dict(type="line", x0=true_offset, x1=true_offset, y0=0, y1=1, yref="paper",
                           line=dict(color=COLORS["rms"], width=2, dash="dot")))
        notes.append(dict(x=true_offset, y=1, yref="paper", text=f"truth {true_offset:+d}", showarrow=False,
                          xanchor="left", yanchor="top"))
    if estimate is not None:
        last = np.asarray(list(curves.values())[-1], float)
        j = int(np.flatnonzero(lags == estimate)[0])
        traces.append(go.Scatter(x=[estimate], y=[last[j]], mode="markers+text", name="minimum = estimate",
                                 marker=dict(color=COLORS["accent"], size=13, symbol="x"),
                                 text=[f"  {estimate:+d} frames"], textposition="bottom right"))
    return new_figure(traces, title=title, x_title="offset (frames; + = audio leads the picture; 1 frame = 40 ms)",
                      y_title="mean embedding distance", height=360, shapes=shapes, annotations=notes,
                      xaxis=dict(dtick=5))
