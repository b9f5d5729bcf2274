"""Server-side render times of every page, against an empty Streamlit page, in one run.

For each page, a fresh Python process (cold: imports, first data load) runs it once with
AppTest through Home.py's navigation, then moves its first enabled slider to a new value
(never one seen before, so caches cannot hide the work) and times each rerun. Prints cold first render, median rerun, the ratio to the empty page, and whether
torch was imported (only the model pages may import it).

    .venv/bin/python bench/bench_pages.py            # all pages
    .venv/bin/python bench/bench_pages.py spectrum   # pages whose path contains "spectrum"
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from components.nav import PAGES  # noqa: E402

RERUNS = 7
BUDGET_MS = 150.0
MODEL_PAGES = ("codec", "sync")

CHILD = textwrap.dedent(r"""
    import json, statistics, sys, time
    sys.path.insert(0, {root!r})
    from streamlit.testing.v1 import AppTest
    target, reruns = {target!r}, {reruns}
    t0 = time.perf_counter()
    if target.endswith("Home.py") or target.startswith("/"):
        at = AppTest.from_file(target, default_timeout=600)
    else:
        at = AppTest.from_file({home!r}, default_timeout=600)
        at.switch_page(target)
    at.run()
    cold = time.perf_counter() - t0
    widget, values = None, None
    for kind in ("slider", "select_slider"):
        for w in getattr(at, kind):
            if getattr(w, "disabled", False) or getattr(w.proto, "disabled", False):
                continue
            opts = getattr(w, "options", None)
            # Distinct values on every rerun, so caches cannot hide the work a new value costs.
            if kind == "select_slider" and opts and len(opts) > 1:
                values = [o for o in opts if o != w.value][:reruns]
            elif kind == "slider" and not isinstance(w.value, (tuple, list)):
                lo, hi = w.min, w.max
                if hi == lo:
                    continue
                grid = [lo + (hi - lo) * (i + 1) / (reruns + 2) for i in range(reruns)]
                if isinstance(w.value, int):
                    step = int(w.step or 1)
                    grid = [int(lo + round((g - lo) / step) * step) for g in grid]
                values = [g for g in dict.fromkeys(grid) if g != w.value]
            if values:
                widget = (kind, w.key, w.label)
                break
        if widget:
            break
    times = []
    if widget:
        for i in range(reruns):
            w = [x for x in getattr(at, widget[0]) if x.key == widget[1] or x.label == widget[2]][0]
            w.set_value(values[i % len(values)])
            t = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - t)
    else:
        for i in range(reruns):
            t = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - t)
    print(json.dumps(dict(cold=cold, median=statistics.median(times), widget=widget and widget[2],
                          torch="torch" in sys.modules, errors=[str(e.value)[:200] for e in at.exception])))
""")


def measure(target: str) -> dict:
    code = CHILD.format(root=str(ROOT), target=target, reruns=RERUNS, home=str(ROOT / "Home.py"))
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200)
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        return dict(cold=float("nan"), median=float("nan"), widget=None, torch=False, errors=[out.stderr[-300:]])
    return json.loads(lines[-1])


def main() -> None:
    filt = sys.argv[1] if len(sys.argv) > 1 else ""
    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "empty_page.py"
        empty.write_text("import streamlit as st\nst.slider('x', 0, 10, 5)\n")
        base = measure(str(empty))
    print(f"{'page':<28}{'cold first render':>18}{'median rerun':>14}{'x empty':>9}  torch  widget moved")
    print(f"{'(empty Streamlit page)':<28}{base['cold'] * 1000:>15.0f} ms{base['median'] * 1000:>11.1f} ms{1.0:>9.1f}")
    over = []
    for info in PAGES:
        if filt not in info.path:
            continue
        r = measure(info.path)
        ratio = r["median"] / base["median"] if base["median"] else float("nan")
        flag = "" if r["median"] * 1000 < BUDGET_MS else "  <-- over budget"
        torch_flag = "yes" if r["torch"] else "no"
        if r["torch"] and not any(m in info.path for m in MODEL_PAGES):
            torch_flag += " (NOT ALLOWED)"
        print(f"{Path(info.path).stem:<28}{r['cold'] * 1000:>15.0f} ms{r['median'] * 1000:>11.1f} ms{ratio:>9.1f}  "
              f"{torch_flag:<5}  {r['widget']}{flag}")
        if r["errors"]:
            print(f"    errors: {r['errors']}")
        if flag:
            over.append(info.path)
    print(f"\nBudget: median rerun < {BUDGET_MS:.0f} ms server time. Over budget: {over or 'none'}")


if __name__ == "__main__":
    main()
