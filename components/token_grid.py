"""The token grid of a clip as text rows you can scroll, with hover to hear the frame under the pointer.

:func:`token_grid_html` builds a self-contained HTML snippet (no streamlit import, so tests read it):
one monospace row per codebook, one column per frame, the clip's audio embedded as a WAV. Browsers
only start sound after a click, so the first click on the grid switches sound on; after that,
moving over a column plays a short window of the clip starting at that frame.
"""

from __future__ import annotations

import base64
import json

import numpy as np

#: What one hover plays: the frame itself is 12-20 ms, too short to hear as more than a click.
HOVER_WINDOW_S = 0.15


def token_grid_html(codes: np.ndarray, frame_rate_hz: float, wav: bytes, *, n_used: int | None = None,
                    max_frames: int = 1200, window_s: float = HOVER_WINDOW_S, height_px: int | None = None) -> str:
    """HTML for the scrollable token rows (``codes``: ``(n_codebooks, frames)`` integers).

    Rows beyond ``n_used`` (codebooks not sent at the chosen bitrate) are greyed. Only the first
    ``max_frames`` columns are written (a note says so), which keeps the page light for long clips.
    """
    codes = np.asarray(codes)
    n_cb, n_fr = codes.shape
    shown = min(n_fr, int(max_frames))
    used = n_cb if n_used is None else int(n_used)
    width = max(4, len(str(int(codes.max()) if codes.size else 0)))
    header = "".join(f'<span class="c" data-f="{f}">{(f / frame_rate_hz):>{width}.2f}</span>' if f % 10 == 0
                     else f'<span class="c" data-f="{f}">{"":>{width}}</span>' for f in range(shown))
    rows = []
    for r in range(n_cb):
        cells = "".join(f'<span class="c" data-f="{f}">{int(v):0{width}d}</span>' for f, v in enumerate(codes[r, :shown]))
        cls = "row" if r < used else "row off"
        rows.append(f'<div class="{cls}"><span class="lab">cb {r + 1:>2}</span>{cells}</div>')
    note = "" if shown == n_fr else f'<div class="note">First {shown} of {n_fr} frames shown.</div>'
    audio = base64.b64encode(wav).decode("ascii")
    h = height_px or (60 + 19 * (n_cb + 1))
    params = json.dumps({"rate": float(frame_rate_hz), "window": float(window_s)})
    return f"""
<style>
.tg {{ font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; color: #1f2430; }}
.tg .scroll {{ overflow-x: auto; white-space: nowrap; border: 1px solid #ddd; border-radius: 6px; padding: 4px;
              max-height: {h}px; overflow-y: auto; cursor: pointer; }}
.tg .row {{ line-height: 18px; }}
.tg .row.off {{ color: #b3b3b3; }}
.tg .hdr {{ color: #777; line-height: 18px; }}
.tg .lab {{ position: sticky; left: 0; background: #fff; color: #555; padding-right: 6px; display: inline-block; width: 44px; }}
.tg .c {{ padding: 0 3px; }}
.tg .c.on {{ background: #ffe08a; }}
.tg .status {{ color: #555; margin: 2px 0 4px 0; }}
.tg .note {{ color: #777; }}
</style>
<div class="tg">
  <div class="status" id="tg-status">Click the grid once to switch sound on, then move over a column to hear
    {int(round(window_s * 1000))} ms of the clip from that frame.</div>
  <div class="scroll" id="tg-grid">
    <div class="hdr"><span class="lab">t (s)</span>{header}</div>
    {''.join(rows)}
  </div>
  {note}
</div>
<script>
(function() {{
  const P = {params};
  const grid = document.getElementById("tg-grid");
  const status = document.getElementById("tg-status");
  let ctx = null, buffer = null, last = -1, lit = [];
  const bytes = Uint8Array.from(atob("{audio}"), c => c.charCodeAt(0));
  function light(f) {{
    lit.forEach(e => e.classList.remove("on"));
    lit = Array.from(grid.querySelectorAll('.c[data-f="' + f + '"]'));
    lit.forEach(e => e.classList.add("on"));
  }}
  function play(f) {{
    if (!ctx || !buffer) return;
    const src = ctx.createBufferSource(); src.buffer = buffer;
    const g = ctx.createGain(); const now = ctx.currentTime;
    g.gain.setValueAtTime(0, now); g.gain.linearRampToValueAtTime(1, now + 0.005);
    g.gain.setValueAtTime(1, now + P.window - 0.01); g.gain.linearRampToValueAtTime(0, now + P.window);
    src.connect(g).connect(ctx.destination);
    src.start(now, f / P.rate, P.window);
  }}
  grid.addEventListener("click", async () => {{
    if (ctx) return;
    ctx = new (window.AudioContext || window.webkitAudioContext)();
    buffer = await ctx.decodeAudioData(bytes.buffer.slice(0));
    status.textContent = "Sound on: move over a column to hear the clip from that frame.";
  }});
  grid.addEventListener("mouseover", (e) => {{
    const f = e.target && e.target.dataset ? e.target.dataset.f : undefined;
    if (f === undefined || f === last) return;
    last = f; light(f); play(Number(f));
  }});
}})();
</script>
"""


def grid_height(n_codebooks: int) -> int:
    """Pixel height for ``st.components.v1.html`` so the rows show without an inner vertical scroll."""
    return int(min(700, 90 + 19 * (n_codebooks + 1)))

