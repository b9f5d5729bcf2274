"""Figure builders for the Fourier series page (arrays in, plotly Figures out; no streamlit).

Every figure is built in one go from plain dicts (``go.Figure({"data": ..., "layout": ...})``)
with the shared layout of :func:`components.figures.layout`: this page redraws ten figures per
slider move, and one constructor call is several times cheaper than step-by-step updates.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from components.figures import COLORS, layout, log_axis

GIBBS_PCT = 8.949


def _layout(title: str, x_title: str, y_title: str, height: int, *, show_legend: bool = True, **extra) -> dict:
    legend = extra.pop("legend", None)
    if not show_legend:
        legend = False
    return layout(title=title, x_title=x_title, y_title=y_title, height=height,
                  legend=legend if legend is not None else True, **extra)


def _span(curves: dict) -> tuple[float, float]:
    vals = np.concatenate([np.asarray(v, dtype=np.float64).ravel() for v in curves.values()])
    vals = vals[np.isfinite(vals) & (vals > 0)]
    return (float(vals.min()), float(vals.max())) if vals.size else (1.0, 1.0)


def _fig(data: list, layout: dict) -> go.Figure:
    return go.Figure({"data": data, "layout": layout})


def _line(x, y, name: str, color: str, *, width: float = 2, dash: str | None = None, **kw) -> dict:
    return dict(type="scatter", x=x, y=y, mode="lines", name=name, line=dict(color=color, width=width, dash=dash), **kw)


def _hline(y: float, color: str, text: str | None = None, *, dash: str = "dash", xref: str = "paper") -> tuple[dict, dict | None]:
    shape = dict(type="line", xref=xref, yref="y", x0=0, x1=1, y0=y, y1=y, line=dict(color=color, width=1, dash=dash))
    ann = None if text is None else dict(xref="paper", yref="y", x=0.01, y=y, text=text, showarrow=False,
                                         xanchor="left", yanchor="bottom", font=dict(color=color, size=12))
    return shape, ann


def magnitude_bars(amplitudes, *, highlight: int | None = None, envelope: np.ndarray | None = None,
                   envelope_label: str = "", db: bool = False, title: str = "Harmonic amplitudes |A_n|",
                   f0_hz: float | None = None, height: int = 300) -> go.Figure:
    """Bar per harmonic (n on x), optional decay-law envelope line and one highlighted bar.

    In dB mode (20 log10 A) bars start from a floor at most 85 dB below the largest.
    """
    a = np.asarray(amplitudes, dtype=np.float64)
    n = np.arange(1, len(a) + 1)
    colors = [COLORS["accent"] if highlight == k else COLORS["signal"] for k in n]
    freqs = n * (f0_hz or 0.0)
    extra = {}
    if db:
        y = 20 * np.log10(np.maximum(a, 1e-9))
        top = float(np.max(y)) if y.size else 0.0
        lo = max(float(np.min(y)) if y.size else -80.0, top - 80.0) - 5.0
        bar = dict(type="bar", x=n, y=np.maximum(y - lo, 0.0), base=lo, marker=dict(color=colors), name="|A_n|",
                   showlegend=False,
                   customdata=np.stack([y, freqs], axis=1),
                   hovertemplate="n=%{x}<br>%{customdata[0]:.1f} dB<br>%{customdata[1]:.1f} Hz<extra></extra>")
        extra["yaxis"] = dict(range=[lo, top + 5])
    else:
        extra["yaxis"] = dict(range=[0, 1.12 * float(np.max(a)) if a.size and np.max(a) > 0 else 1.0])
        bar = dict(type="bar", x=n, y=a, marker=dict(color=colors), name="|A_n|", customdata=freqs, showlegend=False,
                   hovertemplate="n=%{x}<br>A=%{y:.4f}<br>%{customdata:.1f} Hz<extra></extra>")
    data = [bar]
    if envelope is not None:
        env = np.asarray(envelope, dtype=np.float64)
        ye = 20 * np.log10(np.maximum(env, 1e-9)) if db else env
        data.append(_line(n, ye, envelope_label or "decay law", COLORS["envelope"], dash="dash"))
    x_title = "Harmonic number n" + (f" (× {f0_hz:.1f} Hz)" if f0_hz else "")
    y_title = "Amplitude (dB re full scale)" if db else "Amplitude (full scale = 1)"
    # legend inside the plot: these charts sit in narrow columns where a legend above collides with the title
    legend = dict(orientation="v", yanchor="top", y=0.98, xanchor="right", x=0.99, bgcolor="rgba(255,255,255,0.7)")
    return _fig(data, _layout(title, x_title, y_title, height, bargap=0.15, legend=legend, **extra))


def phase_bars(amplitudes, phases, *, highlight: int | None = None, title: str = "Harmonic phases φ_n",
               height: int = 300) -> go.Figure:
    """Phase per harmonic in degrees; harmonics with zero amplitude are greyed out."""
    a = np.asarray(amplitudes, dtype=np.float64)
    deg = np.degrees(np.asarray(phases, dtype=np.float64))
    n = np.arange(1, len(a) + 1)
    colors = [COLORS["accent"] if highlight == k else (COLORS["alt"] if a[k - 1] > 0 else "#DDDDDD") for k in n]
    bar = dict(type="bar", x=n, y=deg, marker=dict(color=colors), name="φ_n", width=0.3, hoverinfo="skip")
    # markers on the stems: a phase of 0 is a real value, and must not look like a missing bar
    dots = dict(type="scatter", x=n, y=deg, mode="markers", marker=dict(color=colors, size=7), name="φ_n",
                hovertemplate="n=%{x}<br>φ=%{y:.1f}°<extra></extra>")
    return _fig([bar, dots], _layout(title, "Harmonic number n", "Phase (degrees)", height, show_legend=False, bargap=0.15,
                               yaxis=dict(range=[-190, 190], tickvals=[-180, -90, 0, 90, 180])))


def _synthesis_traces(u, target, partial, smoothed, smoothed_label, term, term_label) -> list:
    data = []
    if target is not None:
        data.append(_line(u, target, "target", COLORS["muted"], width=3))
    data.append(_line(u, partial, "partial sum", COLORS["signal"]))
    if smoothed is not None:
        data.append(_line(u, smoothed, smoothed_label, COLORS["rms"]))
    if term is not None:
        data.append(_line(u, term, term_label, COLORS["accent"], dash="dot"))
    return data


def synthesis_figure(u, target, partial, *, smoothed=None, smoothed_label: str = "smoothed",
                     term=None, term_label: str = "", title: str = "Partial sum against the target",
                     height: int = 380) -> go.Figure:
    """Target (grey), partial sum, optional smoothed sum and one highlighted harmonic, over periods."""
    data = _synthesis_traces(u, target, partial, smoothed, smoothed_label, term, term_label)
    return _fig(data, _layout(title, "Time (periods of f0)", "Amplitude", height))


def gibbs_zoom_figure(x, target, partial, *, smoothed=None, smoothed_label: str = "smoothed",
                      top: float = 1.0, jump: float = 2.0, title: str = "Zoom on the jump",
                      height: int = 380) -> go.Figure:
    """Close-up of the first ripple next to a jump, with the 8.95 % Gibbs level marked."""
    data = _synthesis_traces(x, target, partial, smoothed, smoothed_label, None, "")
    g_shape, g_ann = _hline(top + GIBBS_PCT / 100 * jump, COLORS["envelope"], f"+{GIBBS_PCT:.2f} % of the jump")
    t_shape, _ = _hline(top, COLORS["muted"], dash="dot")
    legend = dict(orientation="v", yanchor="bottom", y=0.02, xanchor="right", x=0.99, bgcolor="rgba(255,255,255,0.7)")
    return _fig(data, _layout(title, "Time from the jump (periods)", "Amplitude", height, legend=legend,
                              yaxis=dict(range=[top - 0.35 * jump / 2, top + 0.16 * jump]),
                              shapes=[g_shape, t_shape], annotations=[g_ann]))


def rms_error_figure(ns, curves: dict, *, current_n: int | None = None, title: str = "RMS error against N",
                     y_title: str = "RMS error (full scale = 1)", log: bool = True, log_x: bool | None = None,
                     height: int = 320, ref: tuple[float, str] | None = None) -> go.Figure:
    """Error curves against the number of harmonics, current N marked (optional horizontal reference)."""
    palette = [COLORS["signal"], COLORS["rms"], COLORS["zcr"], COLORS["envelope"]]
    data = [_line(ns, y, name, palette[i % 4]) for i, (name, y) in enumerate(curves.items())]
    shapes, anns = [], []
    lx = log if log_x is None else log_x
    if current_n is not None and current_n > 0:
        # on a log axis a shape takes the data value but an annotation takes its log10
        xv = float(np.log10(current_n)) if lx else current_n
        shapes.append(dict(type="line", xref="x", yref="paper", x0=current_n, x1=current_n, y0=0, y1=1,
                           line=dict(color=COLORS["accent"], width=1, dash="dot")))
        anns.append(dict(xref="x", yref="paper", x=xv, y=1, text=f" N = {current_n}", showarrow=False,
                         xanchor="left", yanchor="top", font=dict(color=COLORS["accent"])))
    if ref is not None:
        s, a = _hline(ref[0], COLORS["envelope"], ref[1])
        a.update(x=0.01, xanchor="left", yanchor="top")
        shapes.append(s)
        anns.append(a)
    return _fig(data, _layout(title, "Number of harmonics N", y_title, height, shapes=shapes, annotations=anns,
                              xaxis=log_axis(min(ns), max(ns)) if lx else dict(type="linear"),
                              yaxis=log_axis(*_span(curves)) if log else dict(type="linear")))


def overshoot_figure(ns, curves: dict, *, current_n: int | None = None, height: int = 320) -> go.Figure:
    """Gibbs overshoot (percent of the jump) against N, with the 8.95 % limit."""
    return rms_error_figure(ns, {k: 100 * np.maximum(np.asarray(v), 0.0) for k, v in curves.items()},
                            current_n=current_n, title="Overshoot against N (preset)",
                            y_title="Overshoot (% of the jump)", log=False, log_x=True, height=height,
                            ref=(GIBBS_PCT, "8.95 % (Gibbs limit)"))


def scramble_figure(u, original, scrambled, *, label: str = "scrambled phases", height: int = 320) -> go.Figure:
    """The same magnitudes with the original and with new phases."""
    data = [_line(u, original, "original phases", COLORS["signal"]),
            _line(u, scrambled, label, COLORS["envelope"])]
    return _fig(data, _layout("Same magnitude spectrum, different phases", "Time (periods of f0)", "Amplitude", height))


def epicycle_figure(chain, u_now: float, u_grid, y_grid, *, max_circles: int = 40, height: int = 420) -> go.Figure:
    """Phasor chain (circles of radius A_n) at time ``u_now`` beside the waveform it draws.

    Left panel: the complex plane; the tip's height is the signal value. Right
    panel: the partial sum over one period with the current time marked; a
    dashed line carries the tip's height across.
    """
    chain = np.asarray(chain)
    radii = np.abs(np.diff(chain))
    # frame what is drawn now (every circle at this instant) and the wave's full swing, not the sum of
    # all radii, which for 1/n amplitudes grows like log N and would shrink the picture to a dot
    extent = np.abs(chain[:-1]) + radii
    reach = 1.1 * max(float(np.max(extent)) if extent.size else 0.0, float(np.max(np.abs(y_grid))), abs(chain[-1])) + 0.05
    shapes = []
    for c, r in list(zip(chain[:-1], radii))[:max_circles]:
        if r < 1e-3 * reach:
            continue
        shapes.append(dict(type="circle", xref="x", yref="y", x0=c.real - r, x1=c.real + r, y0=c.imag - r,
                           y1=c.imag + r, line=dict(color=COLORS["muted"], width=1)))
    tip = chain[-1]
    data = [
        dict(type="scatter", x=chain.real, y=chain.imag, mode="lines+markers", name="phasors (n = 1, 2, …)",
             line=dict(color=COLORS["signal"], width=2), marker=dict(size=4), xaxis="x", yaxis="y"),
        _line(u_grid, y_grid, "partial sum", COLORS["signal"], xaxis="x2", yaxis="y"),
        dict(type="scatter", x=[u_now], y=[tip.imag], mode="markers", name="now", xaxis="x2", yaxis="y",
             marker=dict(color=COLORS["accent"], size=10)),
        dict(type="scatter", x=[tip.real], y=[tip.imag], mode="markers", name="tip", xaxis="x", yaxis="y",
             marker=dict(color=COLORS["accent"], size=10), showlegend=False),
    ]
    shapes.append(dict(type="line", xref="x", yref="y", x0=tip.real, x1=reach, y0=tip.imag, y1=tip.imag,
                       line=dict(color=COLORS["accent"], width=1, dash="dash")))
    shapes.append(dict(type="line", xref="x2", yref="y", x0=0, x1=u_now, y0=tip.imag, y1=tip.imag,
                       line=dict(color=COLORS["accent"], width=1, dash="dash")))
    lay = _layout(f"Phasor chain at t = {u_now:.3f} period: the tip's height is the signal", "Real part",
                  "Imaginary part = signal value", height, shapes=shapes,
                  xaxis=dict(domain=[0, 0.42], range=[-reach, reach], zeroline=True),
                  yaxis=dict(range=[-reach, reach], scaleanchor="x", scaleratio=1))
    lay["xaxis2"] = dict(domain=[0.5, 1], range=[0, 1], title=dict(text="Time (periods)"), anchor="y")
    return _fig(data, lay)


def analysis_figure(t_s, segment, reconstruction, *, title: str, height: int = 360) -> go.Figure:
    """A stretch of a recording and its harmonic rebuild, over time in ms."""
    t_ms = 1000 * np.asarray(t_s)
    seg = np.asarray(segment)
    rec = np.asarray(reconstruction)
    data = [_line(t_ms, seg, "recording", COLORS["muted"], width=3),
            _line(t_ms, rec, "rebuilt from N harmonics", COLORS["signal"], width=1.5),
            _line(t_ms, seg - rec, "error", COLORS["accent"], width=1)]
    return _fig(data, _layout(title, "Time (ms)", "Amplitude (full scale = 1)", height))
