"""Figures for the convolution page: flip-slide-multiply-sum, wrap-around, blocks, timings.

Arrays in, plotly Figures out; no streamlit here (tests call these directly).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from components.figures import COLORS, layout, minmax_decimate, new_figure

KERNEL_COLOR = COLORS["envelope"]
PRODUCT_COLOR = COLORS["rms"]
OUTPUT_COLOR = COLORS["zcr"]


def stems(pos, values) -> tuple[list, list]:
    """x/y lists drawing vertical stems from 0 (one trace, ``None`` between stems)."""
    xs, ys = [], []
    for p, v in zip(np.asarray(pos, dtype=float), np.asarray(values, dtype=float)):
        xs += [p, p, None]
        ys += [0.0, v, None]
    return xs, ys


def _stem_traces(pos, values, *, name: str, color: str, axis: str = "", symbol: str = "circle",
                 opacity: float = 1.0, showlegend: bool = True, size: int = 9) -> list[go.Scatter]:
    xs, ys = stems(pos, values)
    ax = dict(xaxis=f"x{axis}", yaxis=f"y{axis}")
    return [go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=color, width=2), opacity=opacity,
                       hoverinfo="skip", showlegend=False, **ax),
            go.Scatter(x=np.asarray(pos, dtype=float), y=np.asarray(values, dtype=float), mode="markers", name=name,
                       marker=dict(color=color, size=size, symbol=symbol, line=dict(width=1.5, color=color)),
                       opacity=opacity, showlegend=showlegend, **ax)]


def _step_data(x: np.ndarray, h: np.ndarray, y: np.ndarray, n: int) -> tuple[list, str]:
    """Trace data that changes with the shift ``n`` (order matches flip_slide's dynamic traces)."""
    M = len(h)
    pos_h = n - np.arange(M)  # tap j of the kernel sits under x[n - j]
    k = np.arange(max(0, n - M + 1), min(len(x), n + 1))
    prod = x[k] * h[n - k]
    hx, hy = stems(pos_h, h)
    px, py = stems(k, prod)
    done = np.arange(n + 1)
    yx, yy = stems(done, y[: n + 1])
    terms = " + ".join(f"({x[i]:g})({h[n - i]:g})" for i in k) or "0"
    if len(k) > 6:
        terms = " + ".join(f"({x[i]:g})({h[n - i]:g})" for i in k[:3]) + " + … + " + \
                f"({x[k[-1]]:g})({h[n - k[-1]]:g})"
    text = f"y[{n}] = {terms} = <b>{y[n]:.4g}</b>"
    data = [dict(x=hx, y=hy), dict(x=pos_h, y=h), dict(x=px, y=py), dict(x=k, y=prod),
            dict(x=yx, y=yy), dict(x=done, y=y[: n + 1]), dict(x=[n], y=[y[n]])]
    return data, text


def flip_slide(x, h, n: int, *, height: int = 640, frame_ms: int = 600) -> go.Figure:
    """Flip, slide, multiply, sum: x[k] with the flipped kernel h[n-k] on top, their products in the
    middle, the output filling in below; an animation (play button and slider) over every shift."""
    x = np.asarray(x, dtype=float)
    h = np.asarray(h, dtype=float)
    y = np.convolve(x, h)
    N, M = len(x), len(h)
    n_out = N + M - 1
    n = int(np.clip(n, 0, n_out - 1))
    lo, hi = -(M - 1) - 0.5, n_out - 0.5
    static = _stem_traces(np.arange(N), x, name="x[k] (signal)", color=COLORS["signal"])
    static += _stem_traces(np.arange(n_out), y, name="y (to come)", color=COLORS["muted"], axis="3",
                           opacity=0.25, showlegend=False)
    data, text = _step_data(x, h, y, n)
    dyn = _stem_traces(data[1]["x"], data[1]["y"], name="h[n−k] (flipped, slid to n)", color=KERNEL_COLOR,
                       symbol="diamond-open", size=11)
    dyn += _stem_traces(data[3]["x"], data[3]["y"], name="x[k]·h[n−k]", color=PRODUCT_COLOR, axis="2")
    dyn += _stem_traces(data[5]["x"], data[5]["y"], name="y[n] so far", color=OUTPUT_COLOR, axis="3")
    dyn.append(go.Scatter(x=[n], y=[y[n]], mode="markers", name="this step", xaxis="x3", yaxis="y3",
                          marker=dict(color=COLORS["accent"], size=15, symbol="star")))
    traces = static + dyn
    dyn_idx = list(range(len(static), len(traces)))

    def annotation(text: str) -> dict:
        return dict(text=text, x=0, xref="paper", y=0.625, yref="paper", xanchor="left", yanchor="bottom",
                    showarrow=False, font=dict(size=15, color="#111"))

    titles = [dict(text=t, x=0.5, xref="paper", y=yv, yref="paper", yanchor="bottom", showarrow=False,
                   font=dict(size=13, color="#444"))
              for t, yv in (("signal x[k] and the flipped kernel h[n − k]", 1.0),
                            ("products x[k]·h[n − k] (their sum is y[n])", 0.56),
                            ("output y[n] = Σ_k x[k] h[n − k], filling in", 0.26))]
    frames = []
    for i in range(n_out):
        d, t = _step_data(x, h, y, i)
        frames.append(go.Frame(name=str(i), data=[go.Scatter(**di) for di in d], traces=dyn_idx,
                               layout=dict(annotations=titles + [annotation(t)])))
    yr = float(max(np.abs(x).max(), np.abs(h).max(), 1e-9)) * 1.2
    pr = float(max(np.abs(np.outer(x, h)).max(), 1e-9)) * 1.2
    orr = float(max(np.abs(y).max(), 1e-9)) * 1.2
    steps = [dict(method="animate", label=str(i), args=[[str(i)], dict(mode="immediate", frame=dict(duration=0, redraw=True),
                                                                      transition=dict(duration=0))])
             for i in range(n_out)]
    lay = layout(title=f"Flip, slide, multiply, sum: N = {N}, M = {M}, output length N + M − 1 = {n_out}",
                 x_title="", y_title="", height=height, annotations=titles + [annotation(text)],
                 margin=dict(t=120, b=110), legend=dict(y=1.05, x=0, xanchor="left"))
    lay.update(
        xaxis=dict(domain=[0, 1], anchor="y", range=[lo, hi], showticklabels=False, dtick=1),
        yaxis=dict(domain=[0.70, 0.98], range=[-yr, yr], title=dict(text="x, h")),
        xaxis2=dict(domain=[0, 1], anchor="y2", range=[lo, hi], matches="x", showticklabels=False, dtick=1),
        yaxis2=dict(domain=[0.36, 0.56], range=[-pr, pr], title=dict(text="product")),
        xaxis3=dict(domain=[0, 1], anchor="y3", range=[lo, hi], matches="x", dtick=1, title=dict(text="k (sample index) / n")),
        yaxis3=dict(domain=[0.0, 0.26], range=[-orr, orr], title=dict(text="y")),
        updatemenus=[dict(type="buttons", direction="left", x=0, y=-0.14, xanchor="left", yanchor="top", showactive=False,
                          buttons=[dict(label="▶ Play", method="animate",
                                        args=[None, dict(frame=dict(duration=frame_ms, redraw=True), fromcurrent=True,
                                                         transition=dict(duration=0), mode="immediate")]),
                                   dict(label="❚❚ Pause", method="animate",
                                        args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate")])])],
        sliders=[dict(active=n, steps=steps, x=0.16, y=-0.1, len=0.84, xanchor="left", yanchor="top",
                      currentvalue=dict(prefix="n = ", visible=True), pad=dict(t=0))],
    )
    return go.Figure(data=traces, layout=lay, frames=frames)


def stem_figure(series: dict[str, tuple[np.ndarray, np.ndarray]], *, title: str, x_title: str = "n (sample)",
                y_title: str = "value", height: int = 300) -> go.Figure:
    """Several stem plots on one axis: ``{name: (positions, values)}``."""
    palette = [COLORS["signal"], KERNEL_COLOR, PRODUCT_COLOR, OUTPUT_COLOR]
    traces = []
    for i, (name, (pos, vals)) in enumerate(series.items()):
        off = 0.12 * (i - (len(series) - 1) / 2)
        traces += _stem_traces(np.asarray(pos, dtype=float) + off, vals, name=name, color=palette[i % 4])
    return new_figure(traces, title=title, x_title=x_title, y_title=y_title, height=height)


def flip_slide_at(fig: dict, n: int) -> dict:
    """A :func:`flip_slide` figure (as a dict) switched to step ``n`` without rebuilding it.

    The animation's frames already hold every step; this copies frame ``n``'s traces and
    equation into the initial view and moves the slider there (microseconds, not a rebuild).
    """
    frames = fig["frames"]
    n = int(np.clip(n, 0, len(frames) - 1))
    frame = frames[n]
    data = list(fig["data"])
    for idx, tr in zip(frame["traces"], frame["data"]):
        data[idx] = {**data[idx], "x": tr["x"], "y": tr["y"]}
    lay = dict(fig["layout"])
    lay["annotations"] = frame["layout"]["annotations"]
    lay["sliders"] = [{**lay["sliders"][0], "active": n}]
    return {**fig, "data": data, "layout": lay}


def linear_vs_circular(x, h, n_fft: int, circular: np.ndarray, *, height: int = 420) -> go.Figure:
    """The linear convolution, the part beyond ``n_fft`` that wraps to the start, and the circular result."""
    x, h = np.asarray(x, dtype=float), np.asarray(h, dtype=float)
    lin = np.convolve(x, h)
    n_out = len(lin)
    traces = _stem_traces(np.arange(n_out), lin, name="linear convolution (N + M − 1 samples)",
                          color=COLORS["muted"], size=10)
    if n_fft < n_out:
        tail = np.arange(n_fft, n_out)
        traces += _stem_traces(tail, lin[tail], name=f"samples ≥ {n_fft}: they wrap to the start",
                               color=COLORS["accent"], symbol="x", size=10)
    traces += _stem_traces(np.arange(n_fft) + 0.15, circular, name=f"circular ({n_fft}-point DFT product)",
                           color=COLORS["signal"], symbol="diamond", size=8)
    shapes = [dict(type="rect", xref="x", yref="paper", x0=-0.5, x1=n_fft - 0.5, y0=0, y1=1,
                   fillcolor="rgba(76,120,168,0.07)", line=dict(width=0), layer="below")]
    annotations = []
    if n_fft < n_out:
        for i in range(n_fft, n_out):
            annotations.append(dict(x=i % n_fft + 0.15, y=float(circular[i % n_fft]), ax=i, ay=float(lin[i]),
                                    xref="x", yref="y", axref="x", ayref="y", showarrow=True, arrowhead=2,
                                    arrowcolor=COLORS["accent"], opacity=0.5, text=""))
    return new_figure(traces, title=f"{n_fft}-point DFTs multiplied: "
                      + ("no wrap-around" if n_fft >= n_out else f"{n_out - n_fft} samples wrap around"),
                      x_title="n (sample)", y_title="y[n]", height=height, shapes=shapes, annotations=annotations,
                      xaxis=dict(range=[-0.8, max(n_out, n_fft) - 0.2], dtick=max(1, (max(n_out, n_fft)) // 20)))


def correlation_view(lags_s: np.ndarray, r: np.ndarray, *, true_s: float | None, found_s: float,
                     title: str, height: int = 300) -> go.Figure:
    """A cross-correlation against lag with the true and the found position."""
    t, v = minmax_decimate(lags_s, r, 6000)
    shapes, annotations = [], []
    for xv, label, color, side in ((true_s, "true start ", COLORS["rms"], "right"),
                                   (found_s, " peak", COLORS["accent"], "left")):
        if xv is None:
            continue
        shapes.append(dict(type="line", xref="x", yref="paper", x0=xv, x1=xv, y0=0, y1=1,
                           line=dict(color=color, dash="dash", width=1.5)))
        # the two labels sit on either side of their line, so they stay readable when the lines meet
        annotations.append(dict(x=xv, y=1, xref="x", yref="paper", text=label, showarrow=False, yanchor="bottom",
                                xanchor=side, font=dict(color=color)))
    return new_figure([go.Scattergl(x=t, y=v, mode="lines", name="correlation", line=dict(color=COLORS["signal"], width=1))],
                      title=title, x_title="Lag (s)", y_title="Correlation", height=height, shapes=shapes,
                      annotations=annotations, legend=False)


def block_view(x: np.ndarray, h: np.ndarray, parts: np.ndarray, block: int, sr: float, *, max_blocks: int = 8,
               height: int = 560) -> go.Figure:
    """Overlap-add drawn: the input cut into blocks, each block's output (offset downwards), their sum."""
    n_blocks = min(len(parts), max_blocks)
    t_ms = 1000.0 / sr
    palette = [COLORS["signal"], COLORS["envelope"], COLORS["rms"], COLORS["zcr"], COLORS["alt"], COLORS["accent"]]
    scale = float(np.abs(parts[:n_blocks]).max()) or 1.0
    xs = float(np.abs(x[: n_blocks * block]).max()) or 1.0
    traces, annotations = [], []
    shown = x[: n_blocks * block]
    traces.append(go.Scatter(x=np.arange(len(shown)) * t_ms, y=shown / xs * 0.45 + 0, mode="lines",
                             name="input x", line=dict(color="#333", width=1.2)))
    annotations.append(dict(x=0, y=0.55, xref="x", yref="y", text="input, cut into blocks", showarrow=False,
                            xanchor="left", font=dict(size=12)))
    shapes = [dict(type="line", xref="x", yref="paper", x0=b * block * t_ms, x1=b * block * t_ms, y0=0, y1=1,
                   line=dict(color=COLORS["muted"], dash="dot", width=1)) for b in range(n_blocks + 1)]
    for b in range(n_blocks):
        off = -1.0 - b * 0.8
        seg = parts[b]
        tt = (b * block + np.arange(len(seg))) * t_ms
        c = palette[b % len(palette)]
        traces.append(go.Scatter(x=tt, y=seg / scale * 0.38 + off, mode="lines", name=f"block {b} * h",
                                 line=dict(color=c, width=1.2), showlegend=False))
        shapes.append(dict(type="rect", xref="x", yref="y", x0=(b + 1) * block * t_ms, x1=tt[-1], y0=off - 0.4,
                           y1=off + 0.4, fillcolor="rgba(228,87,86,0.08)", line=dict(width=0), layer="below"))
        annotations.append(dict(x=b * block * t_ms, y=off + 0.4, xref="x", yref="y", text=f"block {b} ∗ h",
                                showarrow=False, xanchor="left", font=dict(size=11, color=c)))
    total = np.zeros(n_blocks * block + parts.shape[1])
    for b in range(n_blocks):
        total[b * block : b * block + parts.shape[1]] += parts[b]
    off = -1.0 - n_blocks * 0.8 - 0.4
    traces.append(go.Scatter(x=np.arange(len(total)) * t_ms, y=total / (np.abs(total).max() or 1) * 0.45 + off,
                             mode="lines", name="sum = x ∗ h", line=dict(color="#111", width=1.5)))
    annotations.append(dict(x=0, y=off + 0.55, xref="x", yref="y", text="their sum: the convolution", showarrow=False,
                            xanchor="left", font=dict(size=12)))
    return new_figure(traces, title=f"Overlap-add: {block}-sample blocks ({block * t_ms:.1f} ms); each output is "
                      f"{parts.shape[1]} samples and spills into the next blocks (shaded)",
                      x_title="Time (ms)", y_title="", height=height, shapes=shapes, annotations=annotations,
                      yaxis=dict(showticklabels=False, zeroline=False), legend=False)


def timing_chart(lengths: np.ndarray, times_ms: dict[str, np.ndarray], *, crossover: int | None,
                 title: str, height: int = 380) -> go.Figure:
    """Time against kernel length (log-log), one line per method, the crossover marked."""
    palette = {"direct": COLORS["accent"], "fft": COLORS["signal"], "ola": COLORS["rms"], "ols": COLORS["alt"],
               "partitioned": COLORS["zcr"], "scipy oaconvolve": COLORS["muted"]}
    traces = [go.Scatter(x=lengths, y=t, mode="lines+markers", name=name,
                         line=dict(color=palette.get(name, COLORS["envelope"]), width=2,
                                   dash="dot" if name.startswith("scipy") else None))
              for name, t in times_ms.items()]
    shapes, annotations = [], []
    if crossover:
        shapes.append(dict(type="line", xref="x", yref="paper", x0=crossover, x1=crossover, y0=0, y1=1,
                           line=dict(color="#333", dash="dash", width=1)))
        annotations.append(dict(x=np.log10(crossover), y=1, xref="x", yref="paper", showarrow=False, yanchor="bottom",
                                text=f"crossover ≈ {crossover} taps"))
    return new_figure(traces, title=title, x_title="Kernel length M (samples)", y_title="Time (ms)", height=height,
                      xaxis=dict(type="log"), yaxis=dict(type="log"), shapes=shapes, annotations=annotations)


def responses(ir: np.ndarray, sr: float, *, reversed_too: bool = True, height: int = 300) -> go.Figure:
    """An impulse response and (optionally) the same response reversed in time."""
    t = np.arange(len(ir)) / sr
    traces = []
    td, yd = minmax_decimate(t, ir, 3000)
    traces.append(go.Scattergl(x=td, y=yd, mode="lines", name="room response h(t)",
                               line=dict(color=COLORS["signal"], width=1)))
    if reversed_too:
        td, yd = minmax_decimate(t, ir[::-1], 3000)
        traces.append(go.Scattergl(x=td, y=yd - 1.2 * float(np.abs(ir).max()), mode="lines",
                                   name="reversed h(T − t) (drawn lower)", line=dict(color=COLORS["accent"], width=1)))
    return new_figure(traces, title="The response and its reverse: same spectrum magnitude, opposite time order",
                      x_title="Time (s)", y_title="Amplitude", height=height, yaxis=dict(showticklabels=False))
