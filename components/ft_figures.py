"""Figure builders for the Fourier transform page: the winding machine and the complex spectrum (no streamlit)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from components.figures import COLORS, layout, new_figure


def _plane_axes(r: float) -> dict:
    lim = [-1.1 * r, 1.1 * r]
    return dict(xaxis=dict(range=lim, zeroline=True, title=dict(text="real part")),
                yaxis=dict(range=lim, zeroline=True, scaleanchor="x", scaleratio=1, title=dict(text="imaginary part")))


def wound(points: np.ndarray, center: complex, *, winding_hz: float, title: str | None = None,
          height: int = 440) -> go.Figure:
    """The signal wrapped around the origin, its centre of mass, and the arrow from 0 to the centre."""
    r = float(np.max(np.abs(points))) or 1.0
    traces = [
        go.Scatter(x=points.real, y=points.imag, mode="lines", name="wound signal",
                   line=dict(color=COLORS["signal"], width=1.2), opacity=0.8),
        go.Scatter(x=[0, center.real], y=[0, center.imag], mode="lines+markers", name="centre of mass",
                   line=dict(color=COLORS["accent"], width=3), marker=dict(size=[0, 14], color=COLORS["accent"])),
    ]
    lay = layout(title=title or f"Wound at {winding_hz:g} cycles per second", x_title="real part",
                 y_title="imaginary part", height=height, legend=True)
    lay.update(_plane_axes(r))
    return go.Figure(data=traces, layout=lay)


def center_curve(freqs: np.ndarray, centers: np.ndarray, *, winding_hz: float, current: complex,
                 n_samples: int, height: int = 360) -> go.Figure:
    """|centre of mass| and its real part against the winding frequency, the current one marked."""
    traces = [
        go.Scatter(x=freqs, y=np.abs(centers), mode="lines", name="|centre of mass|",
                   line=dict(color=COLORS["accent"], width=2)),
        go.Scatter(x=freqs, y=centers.real, mode="lines", name="real part (3Blue1Brown's x-coordinate)",
                   line=dict(color=COLORS["signal"], width=1.5, dash="dot")),
        go.Scatter(x=[winding_hz], y=[abs(current)], mode="markers", name="now",
                   marker=dict(color=COLORS["envelope"], size=12)),
    ]
    return new_figure(traces, title=f"Centre of mass against winding frequency (×N = {n_samples} gives |X(f)|)",
                      x_title="Winding frequency (Hz)", y_title="Distance of the centre from 0", height=height)


def sweep_animation(points_by_f: list[np.ndarray], freqs: np.ndarray, centers: np.ndarray,
                    *, height: int = 460, frame_ms: int = 80) -> go.Figure:
    """Play the sweep in the browser: the wound curve turns while the |centre| curve is drawn."""
    r = max(float(np.max(np.abs(p))) for p in points_by_f) or 1.0
    mags = np.abs(centers)
    top = float(mags.max()) * 1.1 or 1.0

    def data(i: int) -> list:
        p, c = points_by_f[i], centers[i]
        return [
            go.Scatter(x=p.real, y=p.imag, mode="lines", line=dict(color=COLORS["signal"], width=1.2),
                       name="wound signal", xaxis="x", yaxis="y"),
            go.Scatter(x=[0, c.real], y=[0, c.imag], mode="lines+markers", name="centre of mass",
                       line=dict(color=COLORS["accent"], width=3), marker=dict(size=[0, 12]), xaxis="x", yaxis="y"),
            go.Scatter(x=freqs[: i + 1], y=mags[: i + 1], mode="lines", name="|centre| so far",
                       line=dict(color=COLORS["accent"], width=2), xaxis="x2", yaxis="y2"),
        ]

    frames = [go.Frame(data=data(i), name=f"{freqs[i]:.2f}") for i in range(len(freqs))]
    lay = layout(title="The sweep: wind faster and faster and watch the spectrum being drawn", x_title="",
                 y_title="", height=height, legend=False)
    lim = [-1.1 * r, 1.1 * r]
    lay.update(
        xaxis=dict(domain=[0.0, 0.42], range=lim, title=dict(text="real part")),
        yaxis=dict(range=lim, scaleanchor="x", scaleratio=1, title=dict(text="imaginary part")),
        xaxis2=dict(domain=[0.52, 1.0], range=[float(freqs[0]), float(freqs[-1])], anchor="y2",
                    title=dict(text="winding frequency (Hz)")),
        yaxis2=dict(range=[0, top], anchor="x2", title=dict(text="|centre of mass|")),
        updatemenus=[dict(type="buttons", showactive=False, x=0.0, y=-0.12, xanchor="left", yanchor="top",
                          buttons=[dict(label="▶ Play sweep", method="animate",
                                        args=[None, dict(frame=dict(duration=frame_ms, redraw=True),
                                                         transition=dict(duration=0), fromcurrent=True)]),
                                   dict(label="❚❚ Pause", method="animate",
                                        args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate")])])],
        sliders=[dict(active=0, x=0.15, y=-0.08, len=0.85, currentvalue=dict(prefix="winding frequency: ", suffix=" Hz"),
                      steps=[dict(label=f.name, method="animate",
                                  args=[[f.name], dict(mode="immediate", frame=dict(duration=0, redraw=True))])
                             for f in frames])],
        margin=dict(b=110),
    )
    return go.Figure(data=data(0), layout=lay, frames=frames)


def complex_spectrum(freqs: np.ndarray, X: np.ndarray, *, sr: float, centered: bool, phase_floor: float = 1e-6,
                     height: int = 640) -> go.Figure:
    """Four stacked panels over the two-sided DFT: real part, imaginary part, magnitude, phase.

    Phase is drawn only where the magnitude is above ``phase_floor`` x the maximum: elsewhere it
    is the angle of rounding noise and means nothing. Bins above Nyquist (the mirror) are drawn
    in a second colour.
    """
    n = len(X)
    mirror = freqs < 0 if centered else freqs > sr / 2
    mag = np.abs(X)
    top = float(mag.max()) or 1.0
    phase = np.degrees(np.angle(X))
    phase = np.where(mag > phase_floor * max(mag.max(), 1e-300), phase, np.nan)
    panels = [(X.real, "Re X[k]"), (X.imag, "Im X[k]"), (mag, "|X[k]|"), (phase, "∠X[k] (deg)")]
    domains = [(0.79, 1.0), (0.53, 0.74), (0.27, 0.48), (0.0, 0.22)]
    traces, axes, anns = [], {}, []
    for i, ((values, name), (lo, hi)) in enumerate(zip(panels, domains)):
        ax = "" if i == 0 else str(i + 1)
        for sel, color, label in ((~mirror, COLORS["signal"], "0 … Nyquist" if not centered else "f ≥ 0"),
                                  (mirror, COLORS["alt"], "mirror (negative frequencies)")):
            traces.append(go.Scatter(x=freqs[sel], y=values[sel], mode="markers", marker=dict(color=color, size=6),
                                     name=label, showlegend=i == 0, legendgroup=label, xaxis=f"x{ax}", yaxis=f"y{ax}",
                                     error_y=dict(type="data", symmetric=False, array=np.zeros(sel.sum()),
                                                  arrayminus=values[sel], width=0, color=color, thickness=1.5)))
        # Re, Im and |X| share one scale, so rounding noise (1e-15) is not blown up to fill a panel.
        rng = [-190, 190] if i == 3 else [-1.15 * top, 1.15 * top] if i < 2 else [0, 1.15 * top]
        axes[f"yaxis{ax}"] = dict(domain=[lo, hi], anchor=f"x{ax}", title=dict(text=name), range=rng,
                                  tickvals=[-180, -90, 0, 90, 180] if i == 3 else None)
        axes[f"xaxis{ax}"] = dict(anchor=f"y{ax}", matches="x" if ax else None, showticklabels=i == 3,
                                  title=dict(text="Frequency (Hz)" if i == 3 else ""))
    ny = 0.0 if centered else sr / 2
    shapes = [dict(type="line", xref="x" if not i else f"x{i + 1}", yref=f"y{'' if not i else i + 1} domain",
                   x0=ny, x1=ny, y0=0, y1=1, line=dict(color=COLORS["muted"], dash="dash", width=1)) for i in range(4)]
    if not centered:
        anns.append(dict(x=sr / 2, y=1.0, xref="x", yref="paper", text="Nyquist sr/2", showarrow=False,
                         yanchor="bottom", font=dict(color=COLORS["muted"])))
    lay = layout(title=f"The complex DFT, all {n} bins", x_title="", y_title="", height=height, shapes=shapes,
                 annotations=anns, margin=dict(t=90), legend=dict(y=1.04))
    lay.update(axes)
    return go.Figure(data=traces, layout=lay)


def window_phase(t0s_ms: np.ndarray, phases_deg: np.ndarray, *, current_ms: float, current_deg: float,
                 height: int = 300) -> go.Figure:
    """Measured phase of a steady tone against where the analysis window starts."""
    traces = [go.Scatter(x=t0s_ms, y=phases_deg, mode="lines", name="phase at the tone's bin",
                         line=dict(color=COLORS["signal"], width=2)),
              go.Scatter(x=[current_ms], y=[current_deg], mode="markers", name="this window",
                         marker=dict(color=COLORS["accent"], size=12))]
    return new_figure(traces, title="Same tone, same spectrum magnitude — the phase depends on where you start",
                      x_title="Window start (ms)", y_title="Phase (degrees)", height=height,
                      yaxis=dict(range=[-190, 190], tickvals=[-180, -90, 0, 90, 180]))


def phase_vs_frequency(freqs: np.ndarray, phase_a: np.ndarray, phase_b: np.ndarray, expected: np.ndarray,
                       *, delay_ms: float, height: int = 340) -> go.Figure:
    """Phase difference between a signal and its delayed copy against frequency: a straight line."""
    traces = [go.Scatter(x=freqs, y=phase_b - phase_a, mode="markers", name="measured ∠X_delayed − ∠X",
                         marker=dict(color=COLORS["signal"], size=5)),
              go.Scatter(x=freqs, y=expected, mode="lines", name=f"−360° · f · {delay_ms:g} ms",
                         line=dict(color=COLORS["accent"], width=2, dash="dash"))]
    return new_figure(traces, title="A time shift rotates each frequency's phase in proportion to the frequency",
                      x_title="Frequency (Hz)", y_title="Phase change (degrees, unwrapped)", height=height)
