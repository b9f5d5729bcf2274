"""Figures for the reverb room designer: plan and 3-D views, RIR with reflections, decays, bands.

Arrays in, plotly Figures out; no streamlit here (tests call these directly).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from components.figures import COLORS, style, trace, waveform

#: One colour per reflection order (0 = direct sound).
ORDER_COLORS = ["#E45756", "#4C78A8", "#54A24B", "#B279A2", "#F58518", "#72B7B2", "#9D9D9D"]
SOURCE_COLOR = "#E45756"
MIC_COLOR = "#4C78A8"


def _order_color(k: int) -> str:
    return ORDER_COLORS[min(int(k), len(ORDER_COLORS) - 1)]


def floor_plan(room_dim, source, mic, *, height: int = 360) -> go.Figure:
    """Top view of the room (x to the right, y up) with the source and the microphone."""
    L, W, _ = room_dim
    fig = go.Figure()
    fig.add_shape(type="rect", x0=0, y0=0, x1=L, y1=W, line=dict(color="#444", width=2),
                  fillcolor="rgba(157,157,157,0.08)")
    fig.add_trace(go.Scatter(x=[source[0]], y=[source[1]], mode="markers+text", name=f"source (z = {source[2]:.2f} m)",
                             marker=dict(color=SOURCE_COLOR, size=14, symbol="star"), text=["S"],
                             textposition="top center"))
    fig.add_trace(go.Scatter(x=[mic[0]], y=[mic[1]], mode="markers+text", name=f"microphone (z = {mic[2]:.2f} m)",
                             marker=dict(color=MIC_COLOR, size=12, symbol="circle"), text=["M"],
                             textposition="top center"))
    fig.add_trace(go.Scatter(x=[source[0], mic[0]], y=[source[1], mic[1]], mode="lines", showlegend=False,
                             line=dict(color=COLORS["muted"], dash="dot", width=1), hoverinfo="skip"))
    style(fig, title=f"Floor plan: {L:g} m × {W:g} m", x_title="x (m)", y_title="y (m)", height=height)
    pad = 0.05 * max(L, W)
    fig.update_xaxes(range=[-pad, L + pad], constrain="domain")
    fig.update_yaxes(range=[-pad, W + pad], scaleanchor="x", scaleratio=1)
    return fig


def room_3d(room_dim, source, mic, *, height: int = 360) -> go.Figure:
    """Wire-frame box with the source and the microphone."""
    L, W, H = room_dim
    corners = np.array([[x, y, z] for x in (0, L) for y in (0, W) for z in (0, H)])
    edges = [(0, 1), (2, 3), (4, 5), (6, 7), (0, 2), (1, 3), (4, 6), (5, 7), (0, 4), (1, 5), (2, 6), (3, 7)]
    xs, ys, zs = [], [], []
    for a, b in edges:
        for arr, i in ((xs, 0), (ys, 1), (zs, 2)):
            arr += [corners[a, i], corners[b, i], None]
    fig = go.Figure()
    fig.add_trace(go.Scatter3d(x=xs, y=ys, z=zs, mode="lines", line=dict(color="#666", width=3), name="room",
                               hoverinfo="skip"))
    fig.add_trace(go.Scatter3d(x=[source[0]], y=[source[1]], z=[source[2]], mode="markers", name="source",
                               marker=dict(color=SOURCE_COLOR, size=7, symbol="diamond")))
    fig.add_trace(go.Scatter3d(x=[mic[0]], y=[mic[1]], z=[mic[2]], mode="markers", name="microphone",
                               marker=dict(color=MIC_COLOR, size=6)))
    fig.add_trace(go.Scatter3d(x=[source[0], mic[0]], y=[source[1], mic[1]], z=[source[2], mic[2]], mode="lines",
                               line=dict(color=COLORS["muted"], width=2, dash="dot"), showlegend=False,
                               hoverinfo="skip"))
    style(fig, title=f"3-D view: {L:g} × {W:g} × {H:g} m", x_title="", y_title="", height=height)
    fig.update_layout(scene=dict(xaxis_title="x (m)", yaxis_title="y (m)", zaxis_title="z (m)", aspectmode="data",
                                 camera=dict(eye=dict(x=1.4, y=-1.6, z=0.9))),
                      margin=dict(l=0, r=0, t=60, b=0))
    return fig


def rt60_bands(bands_hz, series: dict[str, np.ndarray], *, title: str = "Reverberation time per octave band",
               height: int = 340, colors: dict | None = None) -> go.Figure:
    """Grouped bars: one group per octave band, one bar per named estimate."""
    labels = [f"{f / 1000:g}k" if f >= 1000 else f"{f:g}" for f in bands_hz]
    fig = go.Figure()
    palette = [COLORS["signal"], COLORS["envelope"], COLORS["rms"], COLORS["zcr"], COLORS["alt"]]
    for i, (name, values) in enumerate(series.items()):
        vals = np.asarray(values, dtype=float)
        text = [f"{v:.2f}" if np.isfinite(v) else "n/a" for v in vals] if len(series) <= 2 else None
        fig.add_trace(go.Bar(x=labels, y=vals, name=name, marker_color=(colors or {}).get(name, palette[i % 5]),
                             text=text, textposition="outside", cliponaxis=False,
                             hovertemplate=f"{name}<br>%{{x}} Hz: %{{y:.2f}} s<extra></extra>"))
    style(fig, title=title, x_title="Octave band centre (Hz)", y_title="RT60 (s)", height=height)
    fig.update_layout(barmode="group", margin=dict(t=80))
    fig.update_xaxes(type="category")
    return fig


def rir_with_reflections(h: np.ndarray, sr: int, arrivals_s: np.ndarray, amplitudes: np.ndarray,
                         orders: np.ndarray, *, t_max_s: float | None = None, title: str = "Room impulse response",
                         height: int = 380, mixing_time_s: tuple[float, float] | None = None) -> go.Figure:
    """The RIR with each early image's arrival marked (colour = reflection order).

    ``mixing_time_s``: optional ``(start, end)`` of a hybrid model's join, shaded.
    """
    t = np.arange(len(h)) / sr
    if t_max_s is not None:
        keep = t <= t_max_s
        t, h = t[keep], h[keep]
    fig = go.Figure(trace(t, h, mode="lines", name="RIR", line=dict(color="#555", width=1)))
    for k in np.unique(orders):
        sel = orders == k
        label = "direct sound" if k == 0 else f"order {k}"
        fig.add_trace(go.Scatter(
            x=arrivals_s[sel], y=amplitudes[sel], mode="markers", name=label,
            marker=dict(color=_order_color(k), size=9 if k == 0 else 7, symbol="triangle-down"),
            hovertemplate=f"{label}<br>t=%{{x:.4f}} s<br>amplitude %{{y:.4f}}<extra></extra>"))
    if mixing_time_s is not None:
        fig.add_vrect(x0=mixing_time_s[0], x1=mixing_time_s[1], fillcolor="rgba(157,157,157,0.15)", line_width=0,
                      annotation_text="join: image sources → diffuse tail", annotation_position="top left")
    style(fig, title=title, x_title="Time after the source emits (s)", y_title="Pressure (1/(4πr) units)", height=height)
    return fig


def rir_overview(h: np.ndarray, sr: int, *, title: str, height: int = 240) -> go.Figure:
    """The whole impulse response (min/max-decimated)."""
    fig = waveform(h, sr, title=title, name="RIR", height=height)
    fig.update_yaxes(title_text="Pressure (1/(4πr) units)")
    return fig


def image_plan(room_dim, positions: np.ndarray, orders: np.ndarray, indices: np.ndarray, mic, *,
               height: int = 520, title: str | None = None) -> go.Figure:
    """Plan view of the image sources in the mirrored rooms (images in the source's floor layer)."""
    L, W, _ = room_dim
    plane = indices[:, 2] == 0
    pos, orde, idx = positions[plane], orders[plane], indices[plane]
    n = int(np.abs(idx[:, :2]).max()) if len(idx) else 0
    fig = go.Figure()
    shapes = []
    for i in range(-n, n + 1):
        for j in range(-n, n + 1):
            if abs(i) + abs(j) > n:
                continue
            real = i == 0 and j == 0
            shapes.append(dict(type="rect", x0=i * L, x1=(i + 1) * L, y0=j * W, y1=(j + 1) * W,
                               line=dict(color="#333" if real else "#BBB", width=2 if real else 1),
                               fillcolor="rgba(76,120,168,0.08)" if real else None, layer="below"))
    fig.update_layout(shapes=shapes)
    for k in np.unique(orde):
        sel = orde == k
        label = "source" if k == 0 else f"order {k} images"
        fig.add_trace(go.Scatter(x=pos[sel, 0], y=pos[sel, 1], mode="markers", name=label,
                                 marker=dict(color=_order_color(k), size=11 if k == 0 else 8,
                                             symbol="star" if k == 0 else "circle")))
    fig.add_trace(go.Scatter(x=[mic[0]], y=[mic[1]], mode="markers", name="microphone",
                             marker=dict(color="black", size=9, symbol="x")))
    style(fig, title=title or f"Image sources up to order {n} (mirrored rooms, plan view at the source's height)",
          x_title="x (m)", y_title="y (m)", height=height)
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return fig


def edc_with_fits(times_s: np.ndarray, edc_db: np.ndarray, fits: dict[str, dict], *, title: str = "Energy decay curve",
                  height: int = 380, max_points: int = 3000) -> go.Figure:
    """Schroeder EDC with the EDT/T20/T30 regression lines over their ranges."""
    step = max(1, len(times_s) // max_points)
    fig = go.Figure(go.Scatter(x=times_s[::step], y=edc_db[::step], mode="lines", name="EDC (Schroeder)",
                               line=dict(color=COLORS["signal"], width=2.5)))
    colors = {"EDT": COLORS["envelope"], "T20": COLORS["rms"], "T30": COLORS["accent"]}
    for name, fit in fits.items():
        if not np.isfinite(fit["rt60_s"]):
            continue
        top, bottom = fit["range_db"]
        slope, icpt = fit["slope_db_per_s"], fit["intercept_db"]
        t0, t1 = (top - icpt) / slope, (min(bottom, -60.0) - icpt) / slope
        fig.add_trace(go.Scatter(x=[t0, t1], y=[top, icpt + slope * t1], mode="lines",
                                 name=f"{name} = {fit['rt60_s']:.2f} s (fit {top:g} to {bottom:g} dB)",
                                 line=dict(color=colors.get(name, COLORS["muted"]), dash="dash", width=1.5)))
    fig.add_hline(y=-60, line=dict(color=COLORS["muted"], dash="dot", width=1))
    style(fig, title=title, x_title="Time after the direct sound (s)", y_title="Energy (dB re total)", height=height)
    fig.update_yaxes(range=[-70, 3])
    fig.update_layout(legend=dict(orientation="v", y=1.0, x=1.0, xanchor="right", yanchor="top",
                                  bgcolor="rgba(255,255,255,0.7)"))
    return fig


def decay_comparison(curves: dict[str, tuple[np.ndarray, np.ndarray]], predictions: dict[str, float], *,
                     title: str, height: int = 360) -> go.Figure:
    """Several EDCs against straight-line predictions ``-60 t / T`` dB."""
    fig = go.Figure()
    palette = [COLORS["signal"], COLORS["accent"], COLORS["rms"]]
    t_end = 0.0
    for i, (name, (t, e)) in enumerate(curves.items()):
        step = max(1, len(t) // 2000)
        fig.add_trace(go.Scatter(x=t[::step], y=e[::step], mode="lines", name=name,
                                 line=dict(color=palette[i % 3], width=2.5)))
        t_end = max(t_end, float(t[-1]) if len(t) else 0.0)
    dashes = ["dash", "dot"]
    for i, (name, rt) in enumerate(predictions.items()):
        if rt > 0 and np.isfinite(rt):
            fig.add_trace(go.Scatter(x=[0, rt * 70 / 60], y=[0, -70], mode="lines", name=f"{name}: {rt:.2f} s",
                                     line=dict(color="#333", dash=dashes[i % 2], width=1.2)))
    style(fig, title=title, x_title="Time after the direct sound (s)", y_title="Energy (dB re total)", height=height)
    fig.update_yaxes(range=[-70, 3])
    if t_end:
        fig.update_xaxes(range=[0, t_end])
    return fig


def modes_chart(modes: list[tuple[float, str, int]], schroeder_hz: float, *, height: int = 300) -> go.Figure:
    """Axial modes as stems along frequency, with the Schroeder frequency marked."""
    fig = go.Figure()
    axis_colors = {"length": COLORS["signal"], "width": COLORS["envelope"], "height": COLORS["rms"]}
    for axis, color in axis_colors.items():
        f = [m[0] for m in modes if m[1] == axis]
        n = [m[2] for m in modes if m[1] == axis]
        xs, ys = [], []
        for fi in f:
            xs += [fi, fi, None]
            ys += [0, 1, None]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=f"along the {axis}", line=dict(color=color, width=2),
                                 hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=f, y=[1] * len(f), mode="markers", showlegend=False, marker=dict(color=color, size=7),
                                 text=[f"{axis} n={k}: {fi:.1f} Hz" for k, fi in zip(n, f)], hoverinfo="text"))
    fig.add_vline(x=schroeder_hz, line=dict(color=COLORS["accent"], dash="dash"),
                  annotation_text=f"f<sub>S</sub> = {schroeder_hz:.0f} Hz", annotation_position="top right")
    style(fig, title="Axial room modes f = c·n / (2L)", x_title="Frequency (Hz)", y_title="", height=height)
    fig.update_yaxes(showticklabels=False, range=[0, 1.45])
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.45, x=0, xanchor="left"),
                      margin=dict(b=120))
    return fig
