"""Figure builders for the aliasing page (arrays in, plotly Figures out; no streamlit)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from components.figures import COLORS, spectrogram
from components.figures import layout as base_layout


GHOST_COLORS = ("#B279A2", "#72B7B2", "#EECA3B", "#9D755D", "#FF9DA6", "#BAB0AC")
NYQUIST_COLOR = COLORS["accent"]
ALIAS_COLOR = "#54A24B"


def layout(*, title: str, x_title: str, y_title: str, height: int = 360, legend: bool = True, **extra) -> dict:
    """The shared layout (``components.figures.layout``) with the legend under the plot.

    Above the plot, legends collide with the title in this page's half-width columns.
    """
    extra.setdefault("margin", dict(t=50))
    lay = base_layout(title=title, x_title=x_title, y_title=y_title, height=height, legend=legend, **extra)
    lay["legend"] = dict(orientation="h", yanchor="top", y=-0.2, xanchor="left", x=0.0)
    return lay


def vline(x: float, color: str, *, width: float = 1.5, dash: str = "dash", xref: str = "x", yref: str = "paper") -> dict:
    """A vertical line as a layout shape (much cheaper than ``fig.add_vline``)."""
    return dict(type="line", xref=xref, yref=yref, x0=x, x1=x, y0=0, y1=1, line=dict(color=color, width=width, dash=dash))


def hline(y: float, color: str, *, width: float = 1.5, dash: str = "dash", xref: str = "paper", yref: str = "y") -> dict:
    """A horizontal line as a layout shape."""
    return dict(type="line", xref=xref, yref=yref, x0=0, x1=1, y0=y, y1=y, line=dict(color=color, width=width, dash=dash))


def label(x, y, text: str, *, xref: str = "x", yref: str = "paper", xanchor: str = "left", yanchor: str = "bottom",
          color: str = "#444444") -> dict:
    """A text annotation without an arrow."""
    return dict(x=x, y=y, xref=xref, yref=yref, text=text, showarrow=False, xanchor=xanchor, yanchor=yanchor,
                font=dict(size=11, color=color))


def time_scale(span_s: float) -> tuple[float, str]:
    """Multiplier and unit label that keep time ticks readable (s, ms or µs)."""
    if span_s >= 0.5:
        return 1.0, "s"
    if span_s >= 5e-4:
        return 1e3, "ms"
    return 1e6, "µs"


def _stems(x: np.ndarray, y: np.ndarray, base: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """One polyline drawing vertical stems (None-separated), cheap for plotly."""
    n = len(x)
    xs = np.empty(3 * n)
    ys = np.empty(3 * n)
    xs[0::3], xs[1::3], xs[2::3] = x, x, np.nan  # NaN -> null in plotly's JSON: a gap
    ys[0::3], ys[1::3], ys[2::3] = base, y, np.nan
    return xs, ys


def sampling_figure(t_dense: np.ndarray, x_true: np.ndarray | None, t_samples: np.ndarray, x_samples: np.ndarray,
                    *, recon: np.ndarray | None = None, recon_label: str = "reconstruction",
                    ghosts: list[tuple[str, np.ndarray]] | None = None, amplitude: float = 1.0,
                    true_label: str = "true signal", title: str = "Don't connect the dots",
                    height: int = 470) -> go.Figure:
    """Continuous signal, samples as stems (never joined), a reconstruction and ghost aliases.

    ``x_true=None`` means the true signal oscillates too fast to draw on this
    grid; it is then shown as a shaded band between ``-amplitude`` and
    ``amplitude`` so the page does not draw a misleading moiré.
    """
    scale, unit = time_scale(float(t_dense[-1] - t_dense[0]))
    td = t_dense * scale
    traces = []
    for i, (name, y) in enumerate(ghosts or []):
        traces.append(go.Scatter(x=td, y=y, mode="lines", name=name, opacity=0.8,
                                 line=dict(color=GHOST_COLORS[i % len(GHOST_COLORS)], width=1.5, dash="dot")))
    if x_true is not None:
        traces.append(go.Scatter(x=td, y=x_true, mode="lines", name=true_label,
                                 line=dict(color=COLORS["signal"], width=2)))
    else:
        traces.append(go.Scatter(x=[td[0], td[-1], td[-1], td[0], td[0]],
                                 y=[-amplitude, -amplitude, amplitude, amplitude, -amplitude],
                                 fill="toself", mode="lines", name=f"{true_label} (too fast to draw)",
                                 line=dict(color=COLORS["signal"], width=0), fillcolor="rgba(76,120,168,0.18)"))
    if recon is not None:
        traces.append(go.Scatter(x=td, y=recon, mode="lines", name=recon_label,
                                 line=dict(color=COLORS["envelope"], width=2.5)))
    sx, sy = _stems(t_samples * scale, x_samples)
    traces.append(go.Scatter(x=sx, y=sy, mode="lines", name="sample stems", showlegend=False, hoverinfo="skip",
                             line=dict(color="#222222", width=1)))
    traces.append(go.Scatter(x=t_samples * scale, y=x_samples, mode="markers", name="samples",
                             marker=dict(color="#222222", size=8, line=dict(color="white", width=1)),
                             hovertemplate="t=%{x:.4g} " + unit + "<br>x=%{y:.3f}<extra>sample</extra>"))
    lim = 1.25 * max(amplitude, float(np.max(np.abs(x_samples))) if len(x_samples) else amplitude, 1e-9)
    return go.Figure(traces, layout(title=title, x_title=f"Time ({unit})", y_title="Amplitude", height=height,
                                    xaxis=dict(range=[td[0], td[-1]]),
                                    yaxis=dict(range=[-lim, lim], zeroline=True, zerolinecolor="#bbbbbb")))


def folding_figure(freq_hz: float, sr: float, corners_x: np.ndarray, corners_y: np.ndarray,
                   apparent_hz: float, *, height: int = 430) -> go.Figure:
    """Folding diagram: true frequency (x) to apparent frequency (y), a zig-zag, with the current point."""
    x_min, x_max = float(corners_x[0]), float(corners_x[-1])
    z0, z1 = int(np.floor(x_min / (sr / 2))), int(np.ceil(x_max / (sr / 2)))
    shapes = []
    for z in range(z0, z1 if z1 - z0 <= 80 else z0):  # shading thousands of zones only adds noise
        if z % 2 == 1:  # odd Nyquist zones arrive mirrored
            shapes.append(dict(type="rect", xref="x", yref="paper", x0=max(z * sr / 2, x_min),
                               x1=min((z + 1) * sr / 2, x_max), y0=0, y1=1, fillcolor="rgba(157,157,157,0.12)",
                               line=dict(width=0), layer="below"))
    shapes.append(hline(sr / 2, NYQUIST_COLOR, width=1.5))
    diag = min(x_max, 0.66 * sr) if x_min == 0 else 0.0
    right = freq_hz > x_min + 0.6 * (x_max - x_min)
    traces = [
        go.Scatter(x=corners_x, y=corners_y, mode="lines", name="apparent = fold(true)",
                   line=dict(color=COLORS["signal"], width=2)),
        go.Scatter(x=[0, diag], y=[0, diag], mode="lines", name="no aliasing (y = x)", visible=diag > 0,
                   line=dict(color=COLORS["muted"], width=1, dash="dot")),
        go.Scatter(x=[freq_hz, freq_hz, x_min], y=[0, apparent_hz, apparent_hz], mode="lines", showlegend=False,
                   hoverinfo="skip", line=dict(color=COLORS["accent"], width=1, dash="dash")),
        go.Scatter(x=[freq_hz], y=[apparent_hz], mode="markers+text", name="your tone",
                   marker=dict(color=COLORS["accent"], size=12), text=[f"{freq_hz:g} → {apparent_hz:.4g} Hz"],
                   textposition="top left" if right else "top right"),
    ]
    annotations = [label(0, sr / 2, f"Nyquist fs/2 = {sr / 2:g} Hz", xref="paper", yref="y", color=NYQUIST_COLOR)]
    return go.Figure(traces, layout(title="Folding: true → apparent frequency",
                                    x_title="True frequency (Hz)", y_title="Apparent frequency (Hz)", height=height,
                                    shapes=shapes, annotations=annotations, xaxis=dict(range=[x_min, x_max]),
                                    yaxis=dict(range=[-0.04 * sr, 0.68 * sr])))


def alias_spectrum_figure(freq_hz: float, sr: float, image_freqs: np.ndarray, apparent_hz: float, x_range,
                          *, base_max_hz: float | None = None, height: int = 430) -> go.Figure:
    """Line spectrum of the sampled tone: the tone, its images around k·fs, the Nyquist line.

    ``image_freqs`` are all lines of the sampled spectrum (see
    ``lib.aliasing.image_frequencies``); the true tone is drawn on top of its own.
    ``x_range`` is ``(lo, hi)`` in Hz (a bare number means ``(0, hi)``). With
    ``base_max_hz`` the axis is split: a left panel ``[0, base_max_hz]`` for the
    baseband and a right panel ``x_range`` around a tone far above ``fs``.
    """
    lo, hi = (0.0, float(x_range)) if np.ndim(x_range) == 0 else map(float, x_range)
    split = base_max_hz is not None
    img = np.asarray(image_freqs, dtype=float)
    img = img[np.abs(img - freq_hz) > 1e-9]
    panels = [("x", "y", 0.0, float(base_max_hz)), ("x2", "y", lo, hi)] if split else [("x", "y", lo, hi)]
    traces, shapes, annotations = [], [], []
    for i, (xr, yr, a, b) in enumerate(panels):
        first = i == 0
        sel = img[(img >= a) & (img <= b)]
        if sel.size:
            sx, sy = _stems(sel, np.full(sel.size, 1.0))
            traces.append(go.Scatter(x=sx, y=sy, mode="lines", name="images f ± k·fs", hoverinfo="skip",
                                     showlegend=first, legendgroup="img", xaxis=xr, yaxis=yr,
                                     line=dict(color=COLORS["muted"], width=2)))
            traces.append(go.Scatter(x=sel, y=np.ones(sel.size), mode="markers", showlegend=False, xaxis=xr, yaxis=yr,
                                     marker=dict(color=COLORS["muted"], size=6),
                                     hovertemplate="image at %{x:.4g} Hz<extra></extra>"))
        ks = np.arange(int(np.ceil(max(a, 1e-9) / sr)), int(np.floor(b / sr)) + 1) * sr
        if len(ks) <= 40:
            shapes += [vline(k, "#bbbbbb", width=1, dash="dot", xref=xr, yref="paper") for k in ks if k > 0]
            annotations += [label(k, 0.0, f" {k / sr:.0f}·fs", xref=xr, color="#888888") for k in ks[:12] if k > 0]
        if a <= sr / 2 <= b:
            shapes.append(dict(type="rect", xref=xr, yref="paper", x0=max(a, 0), x1=sr / 2, y0=0, y1=1, layer="below",
                               fillcolor="rgba(84,162,75,0.10)", line=dict(width=0)))
            shapes.append(vline(sr / 2, NYQUIST_COLOR, width=2, xref=xr))
            annotations += [label(0, 1.0, " baseband 0…fs/2", xref=xr, yanchor="top", color=ALIAS_COLOR),
                            label(sr / 2, 0.0, " Nyquist", xref=xr, color=NYQUIST_COLOR)]
        if a <= freq_hz <= b:
            traces.append(go.Scatter(x=[freq_hz, freq_hz], y=[0, 1.0], mode="lines", name=f"true tone {freq_hz:g} Hz",
                                     xaxis=xr, yaxis=yr, line=dict(color=COLORS["signal"], width=4)))
        if a <= apparent_hz <= b:
            traces.append(go.Scatter(x=[apparent_hz], y=[1.0], mode="markers+text", xaxis=xr, yaxis=yr,
                                     name=f"heard at {apparent_hz:.4g} Hz",
                                     marker=dict(color=ALIAS_COLOR, size=14, symbol="diamond"),
                                     text=[f"{apparent_hz:.4g} Hz"], textposition="top center"))
    extra = dict(xaxis=dict(range=[panels[0][2], panels[0][3]]), yaxis=dict(range=[0, 1.3]))
    if split:
        extra["xaxis"].update(domain=[0.0, 0.36])
        extra["xaxis2"] = dict(range=[lo, hi], domain=[0.44, 1.0], anchor="y", title=dict(text="… near the true tone"))
        annotations.append(label(0.40, 0.5, "⋯", xref="paper", xanchor="center", color="#444444"))
    return go.Figure(traces, layout(title="Spectrum after sampling", x_title="Frequency (Hz)",
                                    y_title="Amplitude (relative)", height=height, shapes=shapes,
                                    annotations=annotations, **extra))


def harmonics_figure(freqs_hz: np.ndarray, amplitudes: np.ndarray, apparent_hz: np.ndarray, sr: float, *,
                     height: int = 540) -> go.Figure:
    """Harmonics of a wave before sampling (top) and where they land after sampling at ``sr`` (bottom)."""
    ok = freqs_hz < sr / 2
    traces = []
    for mask, name, color in ((ok, "below Nyquist", COLORS["signal"]),
                              (~ok, "above Nyquist (folds)", COLORS["accent"])):
        if not mask.any():
            continue
        for xs, axes, hover, show in (
            (freqs_hz[mask], ("x", "y"), "%{x:.0f} Hz, amplitude %{y:.3f}<extra></extra>", True),
            (apparent_hz[mask], ("x2", "y2"), "heard at %{x:.0f} Hz (true %{customdata:.0f} Hz)<extra></extra>", False),
        ):
            sx, sy = _stems(xs, amplitudes[mask])
            traces.append(go.Scatter(x=sx, y=sy, mode="lines", name=name, line=dict(color=color, width=2),
                                     legendgroup=name, showlegend=show, hoverinfo="skip", xaxis=axes[0], yaxis=axes[1]))
            traces.append(go.Scatter(x=xs, y=amplitudes[mask], mode="markers", showlegend=False, legendgroup=name,
                                     marker=dict(color=color, size=6), customdata=freqs_hz[mask],
                                     hovertemplate=hover, xaxis=axes[0], yaxis=axes[1]))
    shapes = [vline(sr / 2, NYQUIST_COLOR, width=2, xref=xr, yref=yr) for xr, yr in (("x", "y domain"), ("x2", "y2 domain"))]
    annotations = [
        label(0, 1.0, "Before sampling: the wave's harmonics", xref="paper", yref="paper", color="#222222"),
        label(0, 0.40, f"After sampling at {sr:g} Hz: where each harmonic is heard", xref="paper", yref="paper",
              color="#222222"),
    ]
    top = max(float(freqs_hz.max()) * 1.03, sr * 0.55)
    amp_max = float(amplitudes.max()) * 1.15
    return go.Figure(traces, layout(
        title="Harmonics fold too", x_title="True frequency (Hz)", y_title="Amplitude", height=height,
        shapes=shapes, annotations=annotations,
        xaxis=dict(range=[0, top], anchor="y"), yaxis=dict(domain=[0.6, 0.94], range=[0, amp_max]),
        xaxis2=dict(title=dict(text="Apparent frequency (Hz)"), range=[0, sr / 2 * 1.1], anchor="y2"),
        yaxis2=dict(title=dict(text="Amplitude"), domain=[0.0, 0.34], range=[0, amp_max], anchor="x2"),
        margin=dict(l=60, r=20, t=70, b=50),
    ))


def sweep_figure(t: np.ndarray, f_true: np.ndarray, f_apparent: np.ndarray, sr: float, *,
                 max_points: int = 1500, height: int = 420) -> go.Figure:
    """Instantaneous frequency of the sweep (rising line) against what you hear (zig-zag)."""
    step = max(1, len(t) // max_points)
    traces = [
        go.Scatter(x=t[::step], y=f_true[::step], mode="lines", name="true frequency",
                   line=dict(color=COLORS["signal"], width=2, dash="dot")),
        go.Scatter(x=t[::step], y=f_apparent[::step], mode="lines", name="apparent (what you hear)",
                   line=dict(color=ALIAS_COLOR, width=3)),
    ]
    return go.Figure(traces, layout(
        title="The sweep: true vs apparent frequency", x_title="Time (s)", y_title="Frequency (Hz)",
        height=height, shapes=[hline(sr / 2, NYQUIST_COLOR, width=2)],
        annotations=[label(0, sr / 2, f"Nyquist {sr / 2:g} Hz", xref="paper", yref="y", color=NYQUIST_COLOR)]))


def filter_figure(freqs_hz: np.ndarray, mag_db: np.ndarray, new_nyquist_hz: float, cutoff_hz: float, *,
                  title: str = "Anti-alias filter (effective response)", height: int = 330) -> go.Figure:
    """Magnitude response of the anti-alias low-pass with the new Nyquist marked."""
    trace = go.Scatter(x=freqs_hz, y=mag_db, mode="lines", name="|H(f)|", line=dict(color=COLORS["signal"], width=2))
    shapes = [dict(type="rect", xref="x", yref="paper", x0=new_nyquist_hz, x1=float(freqs_hz[-1]), y0=0, y1=1,
                   fillcolor="rgba(228,87,86,0.08)", line=dict(width=0), layer="below"),
              vline(new_nyquist_hz, NYQUIST_COLOR, width=2), vline(cutoff_hz, COLORS["envelope"], dash="dot")]
    annotations = [label(new_nyquist_hz, 0.02, " new Nyquist: everything to the right folds", color=NYQUIST_COLOR),
                   label(cutoff_hz, 0.9, "cutoff ", xanchor="right", color=COLORS["envelope"])]
    return go.Figure([trace], layout(title=title, x_title="Frequency (Hz)", y_title="Gain (dB)", height=height,
                                     legend=False, shapes=shapes, annotations=annotations,
                                     yaxis=dict(range=[-140, 10])))


def wheel_strip(angles: np.ndarray, n_spokes: int, fps: float, *, marked: bool = True, height: int = 330) -> go.Figure:
    """A strip of snapshots of a spoked wheel, one per camera frame (angle 0 = pointing right).

    With ``marked`` one spoke is painted red; the marked spoke reveals the true
    rotation, the identical spokes show what the camera (and your eye) sees.
    """
    gap = 2.5
    th = np.linspace(0, 2 * np.pi, 73)
    n = len(angles)
    cx = np.arange(n) * gap
    rim_x = np.concatenate([np.append(c + np.cos(th), np.nan) for c in cx])
    rim_y = np.tile(np.append(np.sin(th), np.nan), n)
    spoke_a = np.asarray(angles)[:, None] + 2 * np.pi * np.arange(n_spokes)[None, :] / n_spokes
    sx = np.stack([np.repeat(cx, n_spokes), (cx[:, None] + np.cos(spoke_a)).ravel(), np.full(n * n_spokes, np.nan)], 1)
    sy = np.stack([np.zeros(n * n_spokes), np.sin(spoke_a).ravel(), np.full(n * n_spokes, np.nan)], 1)
    traces = [
        go.Scatter(x=rim_x, y=rim_y, mode="lines", line=dict(color="#444444", width=2), name="rim", hoverinfo="skip"),
        go.Scatter(x=sx.ravel(), y=sy.ravel(), mode="lines", line=dict(color=COLORS["signal"], width=3),
                   name="identical spokes", hoverinfo="skip"),
    ]
    if marked:
        a = np.asarray(angles)
        mx = np.stack([cx, cx + np.cos(a), np.full(n, np.nan)], 1).ravel()
        my = np.stack([np.zeros(n), np.sin(a), np.full(n, np.nan)], 1).ravel()
        traces.append(go.Scatter(x=mx, y=my, mode="lines", line=dict(color=COLORS["accent"], width=4),
                                 name="painted spoke (true motion)", hoverinfo="skip"))
    annotations = [dict(x=c, y=-1.15, text=f"frame {i}<br>t = {1000 * i / fps:.0f} ms", showarrow=False,
                        yanchor="top", font=dict(size=11)) for i, c in enumerate(cx)]
    hidden = dict(showticklabels=False, showgrid=False, zeroline=False)
    return go.Figure(traces, layout(
        title=f"Snapshots at {fps:g} frames per second", x_title="Successive frames (left to right)", y_title="",
        height=height, annotations=annotations, xaxis=dict(range=[-1.3, (n - 1) * gap + 1.3], **hidden),
        yaxis=dict(range=[-1.9, 1.2], scaleanchor="x", scaleratio=1, **hidden)))



def wheel_film_html(angles: np.ndarray, n_spokes: int, fps: float, *, marked: bool = False, size_px: int = 220,
                    uid: str = "w") -> str:
    """An SVG wheel that jumps to each camera frame's angle at the camera's frame rate (a looping film).

    Plain SVG + CSS keyframes with ``step-end`` timing, so the browser shows only
    the sampled positions, like film: the motion you perceive is the aliased one.
    No JavaScript and no plotly frames (which would cost ~100 ms to serialise per rerun).

    Parameters
    ----------
    angles : np.ndarray
        Wheel angle in radians (counter-clockwise) in each camera frame.
    n_spokes : int
        Identical spokes.
    fps : float
        Camera frame rate; the film plays at this rate.
    marked : bool
        Paint one spoke red (reveals the true motion).
    uid : str
        Unique id for the CSS animation name (changes restart the film).
    """
    n = len(angles)
    deg = -np.rad2deg(np.asarray(angles, dtype=float))  # SVG's y axis points down: negate for counter-clockwise
    steps = "".join(f"{100 * k / n:.4f}%{{transform:rotate({d:.3f}deg)}}" for k, d in enumerate(deg))
    steps += f"100%{{transform:rotate({deg[-1]:.3f}deg)}}"
    name = f"wheel_{uid}"
    spokes = "".join(
        f'<line x1="0" y1="0" x2="{np.cos(2 * np.pi * k / n_spokes):.4f}" y2="{-np.sin(2 * np.pi * k / n_spokes):.4f}" '
        f'stroke="{COLORS["signal"]}" stroke-width="0.07" stroke-linecap="round"/>' for k in range(n_spokes))
    paint = (f'<line x1="0" y1="0" x2="1" y2="0" stroke="{COLORS["accent"]}" stroke-width="0.09" '
             'stroke-linecap="round"/>') if marked else ""
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="-1.15 -1.15 2.3 2.3" width="{size_px}" height="{size_px}">'
        f"<style>@keyframes {name} {{{steps}}} "
        f".{name} {{animation: {name} {n / fps:.4f}s step-end infinite; transform-origin: 0 0;}}</style>"
        f'<circle cx="0" cy="0" r="1" fill="none" stroke="#444" stroke-width="0.06"/>'
        f'<g class="{name}">{spokes}{paint}</g><circle cx="0" cy="0" r="0.08" fill="#444"/></svg>'
    )
    import base64

    # Inline <svg> is stripped by st.html's sanitiser; an <img> with an SVG data URI keeps its CSS animation.
    src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    return (
        '<div style="display:flex;flex-direction:column;align-items:center">'
        f'<img src="{src}" width="{size_px}" height="{size_px}" '
        f'alt="Wheel with {n_spokes} spokes filmed at {fps:g} frames per second"/>'
        f'<div style="font-size:0.8rem;color:#666">the film at {fps:g} frames/s, looping every {n / fps:.1f} s</div>'
        "</div>"
    )


def spectrogram_figure(times_s: np.ndarray, freqs_hz: np.ndarray, S_db: np.ndarray, *, title: str,
                       nyquist_hz: float | None = None, y_max: float | None = None, zmin: float = -80,
                       zmax: float = 0, colorbar: bool = True, overlay: tuple | None = None, height: int = 340,
                       max_rows: int = 256, max_cols: int = 500) -> go.Figure:
    """The shared spectrogram (``components.figures.spectrogram``) with this page's Nyquist line.

    ``overlay`` is an optional ``(t, f, name)`` dotted line drawn over the image.
    """
    shapes = [hline(nyquist_hz, NYQUIST_COLOR, width=2)] if nyquist_hz is not None else []
    return spectrogram(times_s, freqs_hz, np.asarray(S_db, dtype=np.float32), title=title, zmin=zmin, zmax=zmax,
                       colorbar=colorbar, overlay=overlay, height=height, max_rows=max_rows, max_cols=max_cols,
                       y_max=y_max, shapes=shapes)
