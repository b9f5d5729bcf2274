"""Figures for the lip-sync page: arrays in, titled and labelled plotly Figures (or images) out.

No streamlit here, so tests can call every builder directly.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from components.figures import COLORS, style


METHOD_NAMES = {"multicue": "Mouth opening × loudness", "energy": "Mouth motion × speech energy",
                "cca": "FaceSync CCA", "syncnet": "SyncNet"}


def offset_curve(lags: np.ndarray, curve: np.ndarray, *, offset: int, curve_label: str, fps: int = 25,
                 itu_band_frames: tuple[float, float] | None = None, method: str = "energy",
                 true_offset: int | None = None, uncertainty: float | None = None) -> go.Figure:
    """Score against candidate offset: the minimum, the median line and the ITU-R BT.1359 band.

    Parameters
    ----------
    lags : np.ndarray
        Candidate offsets in frames (positive = audio leads).
    curve : np.ndarray
        Score at each lag; lower = better aligned.
    offset : int
        The chosen lag (the minimum).
    itu_band_frames : (float, float), optional
        (audio-late limit, audio-early limit) in frames, drawn as a shaded band.
    true_offset : int, optional
        A known offset (the built-in sample's), drawn as a dotted line.
    uncertainty : float, optional
        Half-width (frames) of the plausible range around ``offset``, drawn as a band.
    """
    lags = np.asarray(lags)
    curve = np.asarray(curve, float)
    ms = 1000.0 * lags / fps
    fig = go.Figure()
    if itu_band_frames is not None:
        lo, hi = itu_band_frames
        fig.add_vrect(x0=lo, x1=hi, fillcolor=COLORS["rms"], opacity=0.13, line_width=0,
                      annotation_text="ITU-R BT.1359 (approx.)", annotation_position="top left",
                      annotation_font_size=11)
    if uncertainty is not None and np.isfinite(uncertainty):
        fig.add_vrect(x0=offset - uncertainty - 0.5, x1=offset + uncertainty + 0.5, fillcolor=COLORS["accent"],
                      opacity=0.12, line_width=0, annotation_text=f"plausible: {offset:+d} ± {uncertainty:.0f}",
                      annotation_position="bottom left", annotation_font_size=11)
    fig.add_trace(go.Scatter(
        x=lags, y=curve, mode="lines+markers", name=curve_label, line=dict(color=COLORS["signal"], width=2),
        marker=dict(size=5), customdata=ms,
        hovertemplate="offset %{x:+d} frames (%{customdata:+.0f} ms)<br>" + curve_label + " %{y:.3f}<extra></extra>",
    ))
    med = float(np.median(curve))
    fig.add_hline(y=med, line=dict(color=COLORS["muted"], dash="dash", width=1.5),
                  annotation_text=f"median {med:.3f}", annotation_position="bottom right")
    j = int(np.flatnonzero(lags == offset)[0]) if np.any(lags == offset) else int(np.argmin(curve))
    fig.add_trace(go.Scatter(
        x=[lags[j]], y=[curve[j]], mode="markers+text", name="minimum = estimate",
        marker=dict(color=COLORS["accent"], size=13, symbol="x"),
        text=[f"  {int(lags[j]):+d} frames ({1000 * lags[j] / fps:+.0f} ms)"], textposition="top right",
    ))
    # Confidence = median - minimum, drawn as a bracket at the minimum.
    fig.add_trace(go.Scatter(
        x=[lags[j], lags[j]], y=[curve[j], med], mode="lines", name=f"confidence = median − min = {med - curve[j]:.3f}",
        line=dict(color=COLORS["accent"], width=3, dash="dot"),
    ))
    fig.add_vline(x=0, line=dict(color="#444", width=1))
    if true_offset is not None:
        fig.add_vline(x=true_offset, line=dict(color=COLORS["envelope"], width=2, dash="dot"),
                      annotation_text=f"built in: {true_offset:+d}", annotation_position="top right")
    name = METHOD_NAMES.get(method, method)
    style(fig, title=f"{name}: {curve_label} for every offset (lower = better aligned)",
          x_title="Offset (frames; + = audio leads the picture; 1 frame = 40 ms)", y_title=curve_label, height=400)
    fig.update_xaxes(dtick=5, zeroline=False)
    span = float(np.ptp(curve)) or 1.0
    fig.update_yaxes(range=[float(curve.min()) - 0.18 * span, float(curve.max()) + 0.12 * span])
    return fig


def framewise_confidence(conf: np.ndarray, *, fps: int = 25, method: str = "energy") -> go.Figure:
    """Frame-wise confidence over time (median-filtered, kernel 9)."""
    conf = np.asarray(conf, float)
    t = np.arange(len(conf)) / fps
    fig = go.Figure(go.Scatter(x=t, y=conf, mode="lines", name="frame-wise confidence",
                               line=dict(color=COLORS["envelope"], width=2), fill="tozeroy",
                               fillcolor="rgba(245,133,24,0.15)"))
    fig.add_hline(y=0, line=dict(color=COLORS["muted"], width=1))
    unit = "distance units" if method == "syncnet" else "correlation units"
    style(fig, title="Frame-wise confidence (median of 9 frames)",
          x_title="Time (s)", y_title=f"confidence ({unit})", height=320, legend=False)
    return fig


def aligned_signals(mouth: np.ndarray, audio: np.ndarray, lag: int, *, fps: int = 25, r: float | None = None,
                    mouth_label: str = "mouth motion", audio_label: str = "speech energy") -> go.Figure:
    """The mouth signal and the voice signal (both z-scored) with the audio moved by ``lag`` frames.

    Hypothesis "audio leads by ``lag``": audio frame ``t - lag`` belongs with
    video frame ``t``, so the audio curve is drawn ``lag`` frames later.
    """
    mouth = np.asarray(mouth, float)
    audio = np.asarray(audio, float)
    t = np.arange(len(mouth)) / fps
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=t, y=mouth, mode="lines", name=f"{mouth_label} (video)",
                             line=dict(color=COLORS["signal"], width=2)))
    fig.add_trace(go.Scatter(x=t + lag / fps, y=audio, mode="lines",
                             name=f"{audio_label} (audio, moved {lag:+d} frames)",
                             line=dict(color=COLORS["envelope"], width=2)))
    title = f"Lips and voice with the audio moved by {lag:+d} frames ({1000 * lag / fps:+.0f} ms)"
    if r is not None:
        title += f": correlation {r:+.3f}"
    style(fig, title=title, x_title="Video time (s)", y_title="z-score (mean 0, std 1)", height=340)
    fig.update_xaxes(range=[0, len(mouth) / fps])
    return fig


def boxes_on_frames(frames: np.ndarray, face_boxes: np.ndarray, mouth_boxes: np.ndarray,
                    indices) -> list[np.ndarray]:
    """Copies of the chosen frames with the face box (green) and mouth box (orange) drawn on them."""
    import cv2

    out = []
    for i in indices:
        img = np.ascontiguousarray(frames[i]).copy()
        th = max(2, img.shape[0] // 120)
        x0, y0, x1, y1 = (int(round(v)) for v in face_boxes[i])
        cv2.rectangle(img, (x0, y0), (x1, y1), (40, 200, 60), th)
        x0, y0, x1, y1 = (int(round(v)) for v in mouth_boxes[i])
        cv2.rectangle(img, (x0, y0), (x1, y1), (255, 140, 0), th)
        out.append(img)
    return out
