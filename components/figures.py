"""Plotly figure builders: arrays in, a titled, labelled Figure out.

No streamlit import here, so tests can call every builder directly. Every
figure gets a title and axis titles with units through :func:`style`.
Large arrays are reduced for display (min/max per pixel column for
waveforms, max-pooling for spectrogram images) so the browser stays fast
without hiding peaks.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

#: Qualitative colours used consistently across pages.
COLORS = {
    "signal": "#4C78A8",
    "envelope": "#F58518",
    "rms": "#54A24B",
    "zcr": "#B279A2",
    "accent": "#E45756",
    "muted": "#9D9D9D",
    "alt": "#72B7B2",
}


def style(fig: go.Figure, *, title: str, x_title: str, y_title: str, height: int = 360, legend: bool = True) -> go.Figure:
    """Apply the app's common layout (:func:`layout`) to an existing figure.

    One ``update_layout`` call, no named template (assigning ``template="plotly_white"``
    deep-copies it, ~40 ms a figure, and Streamlit applies its own chart theme anyway).
    New builders should prefer :func:`new_figure`, which is cheaper still.
    For subplots, set the other axes' titles after this call.
    """
    return fig.update_layout(layout(title=title, x_title=x_title, y_title=y_title, height=height, legend=legend))


def layout(*, title: str, x_title: str, y_title: str, height: int = 360, legend: bool | dict = True, **extra) -> dict:
    """The app's common layout as a plain dict (title, axis titles with units, margins).

    ``legend`` is ``True``/``False`` (show it or not) or a dict of legend settings merged
    into the default horizontal legend above the plot.
    """
    base = dict(
        title=dict(text=title, x=0.0, xanchor="left", font=dict(size=16)),
        height=height,
        margin=dict(l=60, r=20, t=60, b=50),
        showlegend=bool(legend),
        legend={**dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0),
                **(legend if isinstance(legend, dict) else {})},
        hovermode="closest",
        xaxis=dict(title=dict(text=x_title)),
        yaxis=dict(title=dict(text=y_title)),
    )
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return base


def new_figure(traces, **layout_kwargs) -> go.Figure:
    """Build a Figure in one go: ~2 ms, against ~15 ms for ``style()``'s step-by-step updates.

    ``layout_kwargs`` go to :func:`layout` (title, x_title, y_title, height, legend, and any
    extra layout keys such as ``shapes`` or ``xaxis=dict(type="log")``).
    """
    return go.Figure(data=list(traces), layout=layout(**layout_kwargs))


#: Points kept per trace for display: about two per pixel column of a full-width figure.
DISPLAY_POINTS = 4000
#: Above this many points (after decimation) a trace is drawn with WebGL. Below it SVG is as fast,
#: and every WebGL trace costs the page a canvas context (browsers allow about 16).
WEBGL_MIN_POINTS = 20_000


def minmax_decimate(t: np.ndarray, y: np.ndarray, max_points: int = DISPLAY_POINTS, *,
                    log_x: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Reduce a long trace to about ``max_points`` points keeping each block's min and max.

    Plotting 1 M samples sends megabytes to the browser for no visible gain; alternating
    each pixel column's min and max draws the same ink (peaks and clicks stay). With
    ``log_x`` the columns are equal on a log axis (a spectrum on a log frequency axis keeps
    every bin at the low end, where each bin is many pixels wide).
    """
    t = np.asarray(t)
    y = np.asarray(y)
    n = len(y)
    if n <= max_points:
        return t, y
    if log_x:
        pos = np.flatnonzero(t > 0)
        if pos.size < 2:
            return t, y
        t, y = t[pos], y[pos]
        edges = np.geomspace(t[0], t[-1] * (1 + 1e-12), max_points // 2 + 1)
        starts = np.unique(np.searchsorted(t, edges[:-1]))
        starts = starts[starts < len(t)]
        lo = np.minimum.reduceat(y, starts)
        hi = np.maximum.reduceat(y, starts)
        ends = np.append(starts[1:], len(t))
        single = ends - starts == 1  # a column holding one bin keeps it once, at its own place
        out_t = np.repeat(t[(starts + ends - 1) // 2], 2)
        out_t[0::2][single] = t[starts[single]]
        out_t[1::2][single] = t[starts[single]]
        out_y = np.empty(2 * len(starts), dtype=y.dtype)
        out_y[0::2], out_y[1::2] = lo, hi
        return out_t, out_y
    block = int(np.ceil(n / (max_points / 2)))
    m = n // block
    yb = y[: m * block].reshape(m, block)
    tb = t[: m * block].reshape(m, block)
    lo, hi = yb.min(axis=1), yb.max(axis=1)
    out_y = np.empty(2 * m, dtype=y.dtype)
    out_y[0::2], out_y[1::2] = lo, hi
    out_t = np.repeat(tb[:, block // 2], 2)
    if m * block < n:  # the last partial block keeps its extremes too
        rest = y[m * block:]
        out_t = np.append(out_t, [t[m * block + len(rest) // 2]] * 2)
        out_y = np.append(out_y, [rest.min(), rest.max()])
    return out_t, out_y


def trace(x, y, *, max_points: int = DISPLAY_POINTS, log_x: bool = False, **kwargs):
    """A line trace for display: min/max-decimated past ``max_points``, WebGL only when still large.

    ``kwargs`` go to ``go.Scatter``/``go.Scattergl`` (``mode``, ``name``, ``line``, ``xaxis`` ...).
    """
    x, y = minmax_decimate(np.asarray(x), np.asarray(y), max_points, log_x=log_x)
    cls = go.Scattergl if len(y) > WEBGL_MIN_POINTS else go.Scatter
    return cls(x=x, y=y, **kwargs)


def pool_image(image: np.ndarray, max_rows: int = 512, max_cols: int = 1000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Max-pool a 2-D image to at most ``max_rows x max_cols``.

    Returns the pooled image and the kept row and column indices (the first
    index of each block), for choosing axis coordinates.
    """
    image = np.asarray(image)
    r, c = image.shape
    fr = max(1, int(np.ceil(r / max_rows)))
    fc = max(1, int(np.ceil(c / max_cols)))
    if fr == 1 and fc == 1:
        return image, np.arange(r), np.arange(c)
    r2, c2 = int(np.ceil(r / fr)) * fr, int(np.ceil(c / fc)) * fc
    padded = np.full((r2, c2), np.min(image), dtype=image.dtype)
    padded[:r, :c] = image
    pooled = padded.reshape(r2 // fr, fr, c2 // fc, fc).max(axis=(1, 3))
    return pooled, np.arange(0, r, fr), np.arange(0, c, fc)


def waveform(y: np.ndarray, sr: float, *, title: str = "Waveform", t0: float = 0.0, name: str = "signal",
             color: str = COLORS["signal"], height: int = 320, max_points: int = 4000, shapes=None) -> go.Figure:
    """Amplitude against time, min/max-decimated for display (``shapes``: extra layout shapes)."""
    t = t0 + np.arange(len(y)) / float(sr)
    return new_figure([trace(t, y, max_points=max_points, mode="lines", name=name, line=dict(color=color, width=1))],
                      title=title, x_title="Time (s)", y_title="Amplitude (full scale = 1)", height=height,
                      shapes=list(shapes or ()))


def line(x, ys: dict, *, title: str, x_title: str, y_title: str, height: int = 320, log_x: bool = False,
         log_y: bool = False, colors: dict | None = None, dash: dict | None = None) -> go.Figure:
    """Several named lines over one x axis."""
    traces = []
    for i, (name, y) in enumerate(ys.items()):
        color = (colors or {}).get(name, list(COLORS.values())[i % len(COLORS)])
        traces.append(go.Scatter(x=x, y=y, mode="lines", name=name,
                                 line=dict(color=color, width=2, dash=(dash or {}).get(name))))
    return new_figure(traces, title=title, x_title=x_title, y_title=y_title, height=height,
                      xaxis=dict(type="log") if log_x else {}, yaxis=dict(type="log") if log_y else {})


def spectrum(freqs_hz: np.ndarray, values: np.ndarray, *, title: str = "Magnitude spectrum", y_title: str = "Magnitude (dB)",
             log_x: bool = False, peak: tuple[float, float] | None = None, height: int = 360, name: str = "spectrum",
             markers: bool = False) -> go.Figure:
    """A one-sided spectrum, optionally on a log frequency axis, with the peak marked."""
    f = np.asarray(freqs_hz)
    v = np.asarray(values)
    if log_x:
        keep = f > 0
        f, v = f[keep], v[keep]
    many = len(v) > DISPLAY_POINTS
    traces = [trace(f, v, log_x=log_x, mode="lines+markers" if markers and not many else "lines", name=name,
                    line=dict(color=COLORS["signal"], width=1.5), marker=dict(size=4))]
    if peak is not None:
        traces.append(go.Scatter(x=[peak[0]], y=[peak[1]], mode="markers+text", name="interpolated peak",
                                 marker=dict(color=COLORS["accent"], size=10, symbol="x"),
                                 text=[f"{peak[0]:.1f} Hz"], textposition="top center"))
    xaxis = {}
    if log_x:
        vals, text = log_freq_ticks(float(f.max()) if f.size else 20000.0)
        xaxis = dict(type="log", tickvals=vals, ticktext=text)
    return new_figure(traces, title=title, x_title="Frequency (Hz)", y_title=y_title, height=height, xaxis=xaxis)


def log_ticks(lo: float, hi: float) -> list[float]:
    """1-2-5 tick values covering ``[lo, hi]`` for a log axis.

    Plotly's own log ticks label the minor steps with bare mantissas ("…8 9 1 2 3"), which reads as
    nonsense on a projector; these are whole values (1, 2, 5, 10, 20, 50, …).
    """
    lo, hi = max(float(lo), 1e-12), max(float(hi), 1e-12)
    for mantissas in ((1, 2, 5), (1, 2, 3, 4, 6, 8), (1, 1.5, 2, 3, 4, 5, 6, 7, 8, 9)):
        out = []
        for e in range(int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi))) + 1):
            out += [float(f"{m * 10.0**e:.6g}") for m in mantissas if lo / 1.01 <= m * 10.0**e <= hi * 1.01]
        if len(out) >= 4:  # a narrow range (under a decade) gets finer steps, never bare mantissas
            break
    return out or [float(f"{lo:.3g}"), float(f"{hi:.3g}")]


def log_axis(lo: float, hi: float, **extra) -> dict:
    """A log axis with :func:`log_ticks` labels (``f"{v:g}"``); ``extra`` keys are merged in."""
    ticks = log_ticks(lo, hi)
    return dict(type="log", tickvals=ticks, ticktext=[f"{v:g}" for v in ticks], **extra)


def log_freq_ticks(fmax_hz: float, fmin_hz: float = 10.0) -> tuple[list[float], list[str]]:
    """Readable ticks for a log frequency axis: 20, 50, 100, 200, 500, 1k, 2k, 5k, 10k, 20k Hz."""
    vals = [f for f in (20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000) if fmin_hz <= f <= fmax_hz]
    return vals, [f"{f // 1000}k" if f >= 1000 else str(f) for f in vals]


def mel_ticks(fmax_hz: float, htk: bool = False) -> tuple[list[float], list[str]]:
    """Tick positions (in mels) and Hz labels for a mel-scaled axis."""
    from lib.spectral import hz_to_mel

    hz = [f for f in (0, 100, 250, 500, 1000, 2000, 4000, 8000, 16000) if f <= fmax_hz]
    return [float(hz_to_mel(f, htk=htk)) for f in hz], [f"{f / 1000:g}k" if f >= 1000 else f"{f}" for f in hz]


def rgb_colorscale(name: str) -> list:
    """A named plotly colorscale as explicit ``rgb()`` stops.

    Streamlit's chart frontend re-maps some hex stops (Magma's near-black ``#000004`` came out
    lavender in Chromium), so spectrogram images pass explicit rgb() strings instead.
    """
    from plotly.colors import get_colorscale, hex_to_rgb

    out = []
    for pos, color in get_colorscale(name):
        if color.startswith("#"):
            color = "rgb({},{},{})".format(*hex_to_rgb(color))
        out.append([pos, color])
    return out


def spectrogram(times_s: np.ndarray, freqs: np.ndarray, S_db: np.ndarray, *, title: str = "Spectrogram",
                y_title: str = "Frequency (Hz)", log_y: bool = False, colorscale: str = "Magma",
                zmin: float | None = None, zmax: float | None = None, colorbar_title: str = "dB",
                height: int = 420, y_ticks: tuple[list, list] | None = None, max_rows: int = 400,
                max_cols: int = 900, colorbar: bool = True, y_max: float | None = None,
                overlay: tuple | None = None, shapes: list | None = None,
                y_range: tuple[float, float] | None = None) -> go.Figure:
    """A time-frequency image (rows = frequency, columns = time), pooled for display.

    ``overlay`` is an optional ``(t, f, name)`` dotted line drawn over the image; ``shapes`` are
    extra layout shapes (e.g. a Nyquist line); ``y_max`` caps the frequency axis; ``y_range``
    ``(lo, hi)`` zooms on a band. Rows outside the shown band are dropped *before* pooling, so a
    zoom keeps every bin (pooling 2049 bins into 400 rows first would merge tones 20 Hz apart).
    """
    S_db = np.asarray(S_db)
    freqs = np.asarray(freqs)
    if log_y:
        keep = freqs > 0
        freqs, S_db = freqs[keep], S_db[keep]
    if y_range is not None and freqs.size > 1:
        lo, hi = float(y_range[0]), float(y_range[1])
        i0 = max(0, int(np.searchsorted(freqs, lo)) - 1)
        i1 = min(len(freqs), int(np.searchsorted(freqs, hi, side="right")) + 1)
        if i1 - i0 >= 2:
            freqs, S_db = freqs[i0:i1], S_db[i0:i1]
    img, rows, cols = pool_image(S_db, max_rows, max_cols)
    if zmin is not None or zmax is not None:
        # Values far outside the colour range (digital silence at ~-135 dB) were drawn in a
        # mid-scale colour by the browser instead of the floor colour: clip them to the range.
        img = np.clip(img, zmin, zmax)
    traces = [go.Heatmap(
        x=np.asarray(times_s)[cols], y=freqs[rows], z=img, colorscale=rgb_colorscale(colorscale), zmin=zmin, zmax=zmax,
        showscale=colorbar, colorbar=dict(title=dict(text=colorbar_title)),
        hovertemplate="t=%{x:.3f} s<br>f=%{y:.0f} Hz<br>%{z:.1f} dB<extra></extra>",
    )]
    if overlay is not None:
        t, f, name = overlay
        traces.append(go.Scatter(x=t, y=f, mode="lines", name=name, line=dict(color="white", width=1.5, dash="dot")))
    yaxis = {}
    if log_y:
        vals, text = log_freq_ticks(float(freqs.max()) if freqs.size else 20000.0)
        yaxis = dict(type="log", tickvals=vals, ticktext=text)
    if y_ticks is not None:
        yaxis = dict(yaxis, tickvals=y_ticks[0], ticktext=y_ticks[1])
    if y_max is not None:
        yaxis = dict(yaxis, range=[0, y_max])
    if y_range is not None:
        lo, hi = float(y_range[0]), float(y_range[1])
        yaxis = dict(yaxis, range=[np.log10(max(lo, freqs.min() if freqs.size else 1.0)), np.log10(hi)] if log_y
                     else [lo, hi])
    return new_figure(traces, title=title, x_title="Time (s)", y_title=y_title, height=height,
                      legend=overlay is not None, yaxis=yaxis, shapes=list(shapes or ()))


def add_vlines(fig: go.Figure, xs, *, color: str = COLORS["muted"], width: float = 0.5, dash: str = "dot") -> go.Figure:
    """Thin vertical lines (e.g. a frame grid) as one shape list, cheap to draw."""
    shapes = [dict(type="line", xref="x", yref="paper", x0=x, x1=x, y0=0, y1=1,
                   line=dict(color=color, width=width, dash=dash)) for x in xs]
    fig.update_layout(shapes=list(fig.layout.shapes or ()) + shapes)
    return fig


def time_features(t_wave: np.ndarray, y: np.ndarray, t_frames: np.ndarray, envelope: np.ndarray, rms_lin: np.ndarray,
                  rms_db: np.ndarray, zcr: np.ndarray, *, voiced: np.ndarray | None = None,
                  grid: np.ndarray | None = None, highlight: tuple[float, float] | None = None,
                  height: int = 720, title: str = "Waveform, envelope, RMS and zero-crossing rate") -> go.Figure:
    """Three stacked panels on one time axis: waveform + envelope + RMS, RMS in dBFS, ZCR."""
    # Three stacked panels sharing one time axis, laid out by hand (make_subplots costs ~25 ms).
    domains = {"": (0.50, 1.0), "2": (0.26, 0.44), "3": (0.0, 0.20)}
    titles = {"": "Waveform with amplitude envelope (max |x|) and RMS", "2": "RMS level (dBFS)",
              "3": "Zero-crossing rate (crossings per sample)"}
    traces = [
        trace(t_wave, y, mode="lines", name="waveform", line=dict(color=COLORS["signal"], width=1), opacity=0.6),
        trace(t_frames, envelope, mode="lines", name="envelope max|x|", line=dict(color=COLORS["envelope"], width=2)),
        trace(t_frames, rms_lin, mode="lines", name="RMS", line=dict(color=COLORS["rms"], width=2)),
        trace(t_frames, rms_db, mode="lines", name="RMS (dBFS)", showlegend=False,
              line=dict(color=COLORS["rms"], width=2), xaxis="x2", yaxis="y2"),
        trace(t_frames, zcr, mode="lines", name="ZCR", line=dict(color=COLORS["zcr"], width=2), xaxis="x3", yaxis="y3"),
    ]
    shapes = []
    if voiced is not None and len(t_frames) > 1:
        # Shade voiced runs (one rectangle per run, not per frame).
        dt = t_frames[1] - t_frames[0]
        v = np.asarray(voiced, dtype=int)
        edges = np.flatnonzero(np.diff(np.concatenate([[0], v, [0]])))
        for a, b in zip(edges[0::2], edges[1::2]):
            shapes.append(dict(type="rect", xref="x3", yref="y3 domain", x0=t_frames[a] - dt / 2,
                               x1=t_frames[b - 1] + dt / 2, y0=0, y1=1, fillcolor="rgba(84,162,75,0.15)",
                               line=dict(width=0), layer="below"))
    if grid is not None:
        shapes += [dict(type="line", xref="x", yref="y domain", x0=x, x1=x, y0=0, y1=1,
                        line=dict(color=COLORS["muted"], width=0.6, dash="dot")) for x in grid]
    if highlight is not None:
        for ax in ("", "2", "3"):
            shapes.append(dict(type="rect", xref=f"x{ax}", yref=f"y{ax} domain", x0=highlight[0], x1=highlight[1],
                               y0=0, y1=1, fillcolor="rgba(228,87,86,0.15)", line=dict(color=COLORS["accent"], width=1)))
    y_titles = {"": "Amplitude", "2": "dBFS", "3": "ZCR"}
    axes = {}
    for ax, (lo, hi) in domains.items():
        axes[f"yaxis{ax}"] = dict(domain=[lo, hi], anchor=f"x{ax}", title=dict(text=y_titles[ax]))
        axes[f"xaxis{ax}"] = dict(anchor=f"y{ax}", matches="x" if ax else None, showticklabels=ax == "3",
                                  title=dict(text="Time (s)" if ax == "3" else ""))
    annotations = [dict(text=titles[ax], x=0.5, xref="paper", y=hi, yref="paper", yanchor="bottom",
                        showarrow=False, font=dict(size=13)) for ax, (lo, hi) in domains.items()]
    lay = layout(title=title, x_title="", y_title="", height=height, shapes=shapes, annotations=annotations,
                 margin=dict(t=110), legend=dict(y=1.07))
    lay.update(axes)
    return go.Figure(data=traces, layout=lay)


def frame_zoom(t: np.ndarray, x: np.ndarray, *, crossings: np.ndarray, peak: float, rms_value: float,
               title: str) -> go.Figure:
    """One frame's samples as stems, with its zero crossings, peak and RMS levels marked."""
    # Sample dots only where they can be told apart; a long frame is a decimated line.
    traces = [trace(t * 1000, x, mode="lines+markers" if len(x) <= 1024 else "lines", name="samples",
                    line=dict(color=COLORS["signal"], width=1), marker=dict(size=3))]
    if crossings.any():
        traces.append(go.Scatter(x=t[crossings] * 1000, y=np.zeros(crossings.sum()), mode="markers",
                                 name="zero crossing", marker=dict(color=COLORS["zcr"], size=7, symbol="x")))
    for level, name, color in ((peak, "max |x|", COLORS["envelope"]), (rms_value, "RMS", COLORS["rms"])):
        traces.append(go.Scatter(x=[t[0] * 1000, t[-1] * 1000], y=[level, level], mode="lines", name=name,
                                 line=dict(color=color, width=2, dash="dash")))
    return new_figure(traces, title=title, x_title="Time (ms)", y_title="Amplitude", height=320)
