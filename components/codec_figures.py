"""Figures for the neural-codec page: codes, codebook use, residual energy, quality curves.

Arrays in, titled and labelled plotly Figures out; no streamlit here.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from components.figures import COLORS, log_axis, pool_image, rgb_colorscale, style

#: One colour per codec family on the bitrate-quality curve.
CODEC_COLORS = {
    "DAC": COLORS["accent"],
    "k-means RVQ": COLORS["zcr"],
    "opus": COLORS["signal"],
    "mp3": COLORS["envelope"],
    "aac": COLORS["rms"],
    "mulaw8": COLORS["alt"],
    "bitdepth": "#8C6D31",
    "downsample": COLORS["muted"],
    "paper": "#000000",
}

METRIC_LABELS = {
    "si_sdr_db": "SI-SDR (dB, higher is better)",
    "mel_distance": "Mel distance (lower is better)",
    "stft_distance": "Multi-scale STFT distance (lower is better)",
    "pesq": "PESQ wide-band (MOS 1-4.6, higher is better)",
    "stoi": "STOI (0-1, higher is better)",
}


def code_heatmap(codes: np.ndarray, frame_rate_hz: float, *, n_used: int | None = None,
                 title: str = "The codes: one integer per codebook per frame", max_cols: int = 900) -> go.Figure:
    """Codebook x frame image of code indices (0-1023); rows beyond ``n_used`` are dimmed."""
    codes = np.asarray(codes)
    n_cb, n_fr = codes.shape
    step = max(1, int(np.ceil(n_fr / max_cols)))
    shown = codes[:, ::step].astype(float)
    t = np.arange(0, n_fr, step) / frame_rate_hz
    fig = go.Figure(go.Heatmap(
        x=t, y=np.arange(1, n_cb + 1), z=shown, colorscale=rgb_colorscale("Viridis"), zmin=0, zmax=float(max(codes.max(), 1)),
        colorbar=dict(title=dict(text="code")),
        hovertemplate="t=%{x:.3f} s<br>codebook %{y}<br>code %{z:.0f}<extra></extra>",
    ))
    if n_used is not None and n_used < n_cb:
        fig.add_hrect(y0=n_used + 0.5, y1=n_cb + 0.5, fillcolor="white", opacity=0.65, line_width=0)
        fig.add_annotation(x=t[len(t) // 2] if len(t) else 0, y=(n_used + n_cb) / 2 + 0.5, showarrow=False,
                           text=f"codebooks {n_used + 1}-{n_cb}: not sent at this bitrate",
                           font=dict(color="#333"))
    style(fig, title=title, x_title="Time (s)", y_title="Codebook (1 = coarsest)", height=340, legend=False)
    fig.update_yaxes(autorange="reversed", dtick=1 if n_cb <= 16 else 4)
    return fig


def usage_histogram(counts: np.ndarray, *, codebook: int, entropy_bits: float, bits: int = 10) -> go.Figure:
    """How often each entry of one codebook was used, sorted from most to least used."""
    counts = np.sort(np.asarray(counts))[::-1]
    used = int(np.count_nonzero(counts))
    fig = go.Figure(go.Bar(x=np.arange(1, len(counts) + 1), y=counts, marker_color=COLORS["signal"],
                           hovertemplate="rank %{x}<br>%{y} frames<extra></extra>", name="uses"))
    style(fig, title=f"Codebook {codebook}: {used}/{len(counts)} entries used, H = {entropy_bits:.2f} bits",
          x_title="Entry rank (most used first)", y_title="Frames using the entry", height=300, legend=False)
    fig.update_xaxes(log_axis(1, max(len(counts), 1)))
    return fig


def entropy_bars(entropy_bits: np.ndarray, *, bits: int = 10, n_frames: int | None = None) -> go.Figure:
    """Empirical entropy of each codebook's codes against the fixed ``bits`` it costs."""
    h = np.asarray(entropy_bits)
    x = np.arange(1, len(h) + 1)
    fig = go.Figure(go.Bar(x=x, y=h, marker_color=COLORS["alt"], name="entropy of the codes",
                           hovertemplate="codebook %{x}<br>%{y:.2f} bits<extra></extra>"))
    fig.add_hline(y=bits, line=dict(color=COLORS["accent"], dash="dash"),
                  annotation_text=f"{bits} bits sent per code", annotation_position="top left")
    if n_frames:
        cap = np.log2(n_frames)
        if cap < bits:
            fig.add_hline(y=cap, line=dict(color=COLORS["muted"], dash="dot"),
                          annotation_text=f"log2(frames) = {cap:.1f}: most this clip can show",
                          annotation_position="bottom right")
    style(fig, title="Entropy per codebook vs bits sent", x_title="Codebook",
          y_title="Entropy (bits per code)", height=300, legend=False)
    fig.update_yaxes(range=[0, bits + 1])
    return fig


def residual_energy(curves: dict[str, np.ndarray], *, theory_db_per_stage: float | None = None,
                    title: str = "Energy left after each RVQ stage") -> go.Figure:
    """Residual energy in dB (relative to the input of stage 1) against the number of stages."""
    fig = go.Figure()
    for name, rel in curves.items():
        rel = np.asarray(rel, dtype=float)
        db = 10 * np.log10(np.maximum(rel, 1e-12))
        color = CODEC_COLORS.get(name.split(" (")[0], COLORS["signal"])
        fig.add_trace(go.Scatter(x=np.arange(len(db)), y=db, mode="lines+markers", name=name,
                                 line=dict(color=color, width=2)))
        if theory_db_per_stage is not None and name.startswith("k-means"):
            xs = np.arange(1, len(db))
            fig.add_trace(go.Scatter(x=xs, y=db[1] - theory_db_per_stage * (xs - 1),
                                     mode="lines", name=f"theory: -{theory_db_per_stage:.1f} dB per stage after stage 1",
                                     line=dict(color=COLORS["muted"], dash="dot")))
    style(fig, title=title, x_title="Stages (codebooks) used", y_title="Residual energy (dB re input)", height=340)
    fig.update_xaxes(dtick=1)
    return fig


def quality_curve(rows: list[dict], metric: str, *, paper: list[dict] | None = None,
                  marker_kbps: float | None = None) -> go.Figure:
    """Quality against bitrate, one line per codec (rows: ``codec``, ``kbps``, metric keys)."""
    fig = go.Figure()
    codecs = list(dict.fromkeys(r["codec"] for r in rows))
    for name in codecs:
        pts = sorted((r["kbps"], r.get(metric)) for r in rows if r["codec"] == name and r.get(metric) is not None)
        if not pts:
            continue
        x, y = zip(*pts)
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines+markers", name=name,
                                 line=dict(color=CODEC_COLORS.get(name, None), width=2,
                                           dash="solid" if name in ("DAC", "k-means RVQ") else "dot"),
                                 hovertemplate=f"{name}<br>%{{x:.2f}} kbps<br>%{{y:.3f}}<extra></extra>"))
    if paper:
        pts = [(p["kbps"], p.get(metric), p["codec"]) for p in paper if p.get(metric) is not None]
        if pts:
            fig.add_trace(go.Scatter(x=[p[0] for p in pts], y=[p[1] for p in pts], mode="markers", name="paper (DAC/Opus)",
                                     text=[p[2] for p in pts],
                                     marker=dict(symbol="star", size=12, color=CODEC_COLORS["paper"]),
                                     hovertemplate="%{text}<br>%{x:.2f} kbps<br>%{y:.2f}<extra></extra>"))
    if marker_kbps is not None:
        # (no annotation: plotly places vline annotations in log10 units on log axes)
        fig.add_vline(x=marker_kbps, line=dict(color=COLORS["accent"], width=1, dash="dash"))
    style(fig, title=f"Bitrate against quality: {METRIC_LABELS.get(metric, metric)}", x_title="Bitrate (kbps, log scale)",
          y_title=METRIC_LABELS.get(metric, metric), height=440)
    xs = [r["kbps"] for r in rows] + [p["kbps"] for p in paper or ()] + ([marker_kbps] if marker_kbps else [])
    fig.update_xaxes(log_axis(min(xs), max(xs)) if xs else dict(type="log"))
    fig.update_layout(legend=dict(orientation="v", yanchor="top", y=1.0, xanchor="left", x=1.02))
    return fig


def spectrogram_trio(signals: dict[str, np.ndarray], sr: int, *, n_fft: int = 1024, hop_length: int = 256,
                     top_db: float = 80.0, height: int = 360) -> go.Figure:
    """Spectrograms of several signals side by side on one shared dB scale (re the first signal's peak)."""
    from plotly.subplots import make_subplots

    from lib.spectral import fft_frequencies, power_to_db, stft

    names = list(signals)
    specs = [np.abs(stft(np.asarray(v, dtype=np.float32), n_fft=n_fft, hop_length=hop_length)) ** 2 for v in signals.values()]
    ref = float(max(specs[0].max(), 1e-20))
    fig = make_subplots(rows=1, cols=len(names), shared_yaxes=True, subplot_titles=names, horizontal_spacing=0.02)
    freqs = fft_frequencies(sr, n_fft)
    for i, S in enumerate(specs):
        db = power_to_db(S, ref=ref, top_db=None)
        db = np.maximum(db, -top_db)
        img, rows, cols = pool_image(db, 256, 400)
        t = cols * hop_length / sr
        fig.add_trace(go.Heatmap(x=t, y=freqs[rows], z=img, colorscale=rgb_colorscale("Magma"), zmin=-top_db, zmax=0,
                                 showscale=(i == len(specs) - 1), colorbar=dict(title=dict(text="dB")),
                                 hovertemplate="t=%{x:.2f} s<br>f=%{y:.0f} Hz<br>%{z:.1f} dB<extra></extra>"),
                      row=1, col=i + 1)
        fig.update_xaxes(title_text="Time (s)", row=1, col=i + 1)
    style(fig, title="Spectrograms on one dB scale (0 dB = the original's loudest bin)", x_title="Time (s)",
          y_title="Frequency (Hz)", height=height, legend=False)
    fig.update_yaxes(title_text=None)
    fig.update_yaxes(title_text="Frequency (Hz)", row=1, col=1)
    return fig


def bitrate_ladder(specs: dict, *, current: tuple[str, int] | None = None) -> go.Figure:
    """Bitrate against codebooks sent, one line per model (``specs``: key -> lib.codec.DacSpec)."""
    fig = go.Figure()
    palette = [COLORS["signal"], COLORS["envelope"], COLORS["rms"]]
    for i, (key, s) in enumerate(specs.items()):
        ks = np.arange(1, s.n_codebooks + 1)
        kbps = s.frame_rate_hz * ks * s.codebook_bits / 1000
        fig.add_trace(go.Scatter(x=ks, y=kbps, mode="lines+markers", name=s.label, marker=dict(size=5),
                                 line=dict(color=palette[i % len(palette)], width=2),
                                 hovertemplate="%{x} codebooks<br>%{y:.2f} kbps<extra></extra>"))
        if current and current[0] == key:
            fig.add_trace(go.Scatter(x=[current[1]], y=[s.frame_rate_hz * current[1] * s.codebook_bits / 1000],
                                     mode="markers", name="your choice",
                                     marker=dict(size=14, symbol="circle-open", color=COLORS["accent"], line=dict(width=3))))
    style(fig, title="Bitrate = frame rate × codebooks × 10 bits", x_title="Codebooks sent",
          y_title="Bitrate (kbps)", height=340)
    fig.update_layout(legend=dict(orientation="v", yanchor="top", y=0.98, xanchor="left", x=0.02,
                                  bgcolor="rgba(255,255,255,0.8)"))
    return fig


# ------------------------------------------------------------- tokens, one step, bits
def token_schedule_grid(steps: np.ndarray, *, title: str) -> go.Figure:
    """A (codebook x frame) grid coloured and labelled by the decoding step that produces each token."""
    steps = np.asarray(steps)
    k, t = steps.shape
    fig = go.Figure(go.Heatmap(
        x=np.arange(1, t + 1), y=np.arange(1, k + 1), z=steps + 1, colorscale=rgb_colorscale("Viridis"),  # 1-based, as labelled
        text=steps + 1, texttemplate="%{text}", textfont=dict(size=11, color="white"),
        colorbar=dict(title=dict(text="step")), xgap=2, ygap=2,
        hovertemplate="frame %{x}, codebook %{y}<br>predicted at step %{text}<extra></extra>"))
    style(fig, title=title, x_title="Frame (time →)", y_title="Codebook (1 = coarsest)", height=80 + 34 * k,
          legend=False)
    fig.update_yaxes(autorange="reversed", dtick=1)
    fig.update_xaxes(dtick=1)
    return fig


def quantizer_vectors(latent: np.ndarray, reconstruction: np.ndarray, residual: np.ndarray, *,
                      title: str, max_points: int = 1024) -> go.Figure:
    """The vector a stage receives, what it adds back, and the residual it hands on (one value per dimension)."""
    x = np.arange(1, len(latent) + 1)
    fig = go.Figure()
    for name, v, color, width in (("received (residual in)", latent, COLORS["signal"], 1.6),
                                  ("reconstruction (codeword projected back)", reconstruction, COLORS["envelope"], 1.2),
                                  ("residual handed on", residual, COLORS["accent"], 1.0)):
        fig.add_trace(go.Scattergl(x=x[:max_points], y=np.asarray(v)[:max_points], mode="lines", name=name,
                                   line=dict(color=color, width=width)))
    style(fig, title=title, x_title="Dimension", y_title="Value", height=320)
    return fig


def codebook_space(projected: np.ndarray, normalised: np.ndarray | None, codeword: np.ndarray,
                   codeword_normalised: np.ndarray | None, *, title: str) -> go.Figure:
    """Bars of the small codebook-space vectors: projection, its unit version, the chosen entry."""
    d = len(projected)
    x = [f"d{i + 1}" for i in range(d)]
    bars = [("projection" if normalised is not None else "the vector", projected, COLORS["signal"])]
    if normalised is not None:
        bars.append(("projection / |projection|", normalised, COLORS["alt"]))
    if codeword_normalised is not None:
        bars.append(("chosen entry / |entry|", codeword_normalised, COLORS["envelope"]))
    bars.append(("chosen entry (as stored)", codeword, COLORS["accent"]))
    fig = go.Figure([go.Bar(x=x, y=np.asarray(v), name=n, marker_color=c) for n, v, c in bars])
    style(fig, title=title, x_title="Codebook-space dimension", y_title="Value", height=320)
    fig.update_layout(barmode="group")
    return fig


def nearest_entries(distances: np.ndarray, index: int, *, title: str, top: int = 6,
                    x_title: str = "Entries, nearest first (log scale)") -> go.Figure:
    """All codebook distances sorted, the chosen entry and the runners-up marked."""
    d = np.asarray(distances, dtype=float)
    order = np.argsort(d, kind="stable")
    rank = np.arange(1, len(d) + 1)
    fig = go.Figure(go.Scattergl(x=rank, y=d[order], mode="lines", name="all entries",
                                 customdata=order, line=dict(color=COLORS["muted"]),
                                 hovertemplate="rank %{x}: entry %{customdata}<br>distance %{y:.4f}<extra></extra>"))
    n = min(top, len(d))
    fig.add_trace(go.Scatter(x=rank[:n], y=d[order[:n]], mode="markers+text", name="nearest",
                             text=[f"#{order[0]}"] + [""] * (n - 1), textposition="top right",
                             customdata=order[:n],
                             marker=dict(size=[14] + [8] * (n - 1), color=[COLORS["accent"]] + [COLORS["signal"]] * (n - 1)),
                             hovertemplate="entry #%{customdata}<br>distance %{y:.4f}<extra></extra>"))
    style(fig, title=title, x_title=x_title, y_title="Distance", height=320, legend=False)
    ticks = [v for v in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000) if v <= len(d)]
    fig.update_xaxes(type="log", tickvals=ticks, ticktext=[str(v) for v in ticks])
    return fig


def swap_curves(rows: list[dict], *, title: str) -> go.Figure:
    """SI-SDR and mel distance of the clean/noisy hybrids against both takes, over codebooks swapped."""
    from plotly.subplots import make_subplots

    k = [r["k"] for r in rows]
    fig = make_subplots(rows=1, cols=2, subplot_titles=("SI-SDR (dB, higher = closer)",
                                                        "Mel distance (lower = closer)"), horizontal_spacing=0.12)
    for col, (a, b) in enumerate((("si_sdr_clean", "si_sdr_noisy"), ("mel_clean", "mel_noisy")), start=1):
        fig.add_trace(go.Scatter(x=k, y=[r[a] for r in rows], mode="lines+markers", name="against the clean take",
                                 line=dict(color=COLORS["signal"]), showlegend=col == 1, legendgroup="c"), row=1, col=col)
        fig.add_trace(go.Scatter(x=k, y=[r[b] for r in rows], mode="lines+markers", name="against the noisy take",
                                 line=dict(color=COLORS["accent"]), showlegend=col == 1, legendgroup="n"), row=1, col=col)
        fig.update_xaxes(title_text="First k codebooks taken from the noisy take", row=1, col=col)
    style(fig, title=title, x_title="First k codebooks taken from the noisy take", y_title="SI-SDR (dB)", height=360)
    fig.update_yaxes(title_text="Mel distance", row=1, col=2)
    return fig


def snr_per_bit(bits: np.ndarray, measured_db: np.ndarray, theory_db: np.ndarray, *, clip_rms_dbfs: float,
                chosen: int | None = None) -> go.Figure:
    """Measured SNR of the quantised clip against bits, with the 6.02 dB-per-bit line for its level."""
    fig = go.Figure([
        go.Scatter(x=bits, y=theory_db, mode="lines", name=f"theory: 6.02·b + 4.77 + ({clip_rms_dbfs:.1f} dB RMS)",
                   line=dict(color=COLORS["muted"], dash="dot")),
        go.Scatter(x=bits, y=measured_db, mode="lines+markers", name="measured on this clip",
                   line=dict(color=COLORS["signal"], width=2)),
    ])
    if chosen is not None and chosen in list(bits):
        i = list(bits).index(chosen)
        fig.add_trace(go.Scatter(x=[chosen], y=[measured_db[i]], mode="markers", name=f"{chosen} bits",
                                 marker=dict(size=14, color=COLORS["accent"], symbol="circle-open", line=dict(width=3))))
    style(fig, title="6.02 dB per bit: signal-to-quantisation-noise ratio of this clip", x_title="Bits per sample",
          y_title="SNR (dB)", height=340)
    fig.update_xaxes(dtick=2)
    return fig


def bits_per_sample_ladder(points: list[dict], *, title: str = "What each coder spends per sample") -> go.Figure:
    """Horizontal log-scale ladder of bits per sample (``points``: ``label``, ``bits_per_sample``, ``family``)."""
    pts = sorted(points, key=lambda p: p["bits_per_sample"])
    colors = {"PCM": COLORS["muted"], "FLAC": "#8C6D31", "MP3": CODEC_COLORS["mp3"], "AAC": CODEC_COLORS["aac"],
              "Opus": CODEC_COLORS["opus"], "DAC": CODEC_COLORS["DAC"]}
    fig = go.Figure(go.Bar(
        y=[p["label"] for p in pts], x=[p["bits_per_sample"] for p in pts], orientation="h",
        marker_color=[colors.get(p["family"], COLORS["signal"]) for p in pts],
        text=[f"{p['bits_per_sample']:.3g}" for p in pts], textposition="outside",
        hovertemplate="%{y}<br>%{x:.3g} bits per sample<extra></extra>"))
    style(fig, title=title, x_title="Bits per sample (log scale)", y_title="", height=120 + 26 * len(pts), legend=False)
    ticks = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20]
    fig.update_xaxes(type="log", tickvals=ticks, ticktext=[f"{v:g}" for v in ticks])
    return fig
