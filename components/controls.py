"""Widget state that cannot lie: dependent controls that follow their master both ways.

Why widgets showed one value and computed another (issue 14), and the rules that prevent it:

1. A widget that is not drawn in a run loses its value (a page that stopped early for a missing
   upload, a closed tab). If the page then writes the value through ``st.session_state`` before
   the widget is drawn again, the server uses it but the browser shows the widget's element
   default (Streamlit #4247; e.g. 64 for a select slider of 64..8192), and the next interaction sends
   that default back. Rules: pages never stop before their controls (``pick_audio`` keeps the page
   running on the built-in sample until an upload arrives), and the main controls are bound to
   the URL (``bind="query-params"``), which also keeps their value while they are hidden.
2. A dependent control whose options depend on another (``win_length <= n_fft``) was only
   corrected when its value fell out of the options: it followed its master down, never back up.
   Rule: the master's ``on_change`` callback moves the dependents (:func:`follower`); callbacks
   run before the page, so every widget is drawn with the value the page computes with.
3. Values written in code must be valid for the widget (:func:`ensure` before the widget is drawn).
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import streamlit as st

_PREV = "_prev_"


def remember(**values) -> None:
    """Record the values this run computed with (the next callback needs the master's old value)."""
    for k, v in values.items():
        st.session_state[_PREV + k] = v


def previous(key: str, default=None):
    return st.session_state.get(_PREV + key, default)


def nearest(options: Sequence, target: float):
    """The option closest to ``target`` on a log scale (options are sizes: 64, 128, ...; or indices)."""
    opts = list(options)
    if not opts:
        raise ValueError("no options")
    vals = np.asarray(opts, dtype=float)
    t = float(target)
    if np.all(vals > 0) and t > 0:
        i = int(np.argmin(np.abs(np.log(vals) - np.log(t))))
    else:
        i = int(np.argmin(np.abs(vals - t)))
    return opts[i]


#: One dependency: (master key, dependent key, options of the dependent for a master value, rule).
#: rule "ratio": dependent / master stays constant (window follows n_fft); "inverse": dependent × master
#: stays constant (a frame index follows the hop so it keeps pointing at the same time).
Link = tuple[str, str, Callable[[object], Sequence], str]


def follow(links: Sequence[Link]) -> None:
    """Move each dependent to keep its rule after its master changed; links apply in order (chains)."""
    ss = st.session_state
    for master, dep, options_for, rule in links:
        new_m = ss.get(master)
        old_m = previous(master, new_m)
        cur = ss.get(dep, previous(dep))
        if new_m is None or cur is None:
            continue
        if old_m in (None, 0) or new_m == 0:
            target = cur
        elif rule == "ratio":
            target = float(cur) * float(new_m) / float(old_m)
        elif rule == "inverse":
            target = float(cur) * float(old_m) / float(new_m)
        else:
            raise ValueError(f"unknown rule {rule!r}")
        opts = list(options_for(new_m))
        if rule == "inverse":  # indices: nearest on a linear scale
            value = opts[int(np.argmin(np.abs(np.asarray(opts, dtype=float) - target)))]
        else:
            value = nearest(opts, target)
        ss[dep] = value
        ss[_PREV + master] = new_m
        ss[_PREV + dep] = cur  # so a chained link sees the dependent's old value


def follower(*links: Link) -> Callable[[], None]:
    """An ``on_change`` callback for a master widget: ``st.select_slider(..., on_change=follower(...))``."""
    return lambda: follow(links)


def ensure(key: str, options: Sequence, fallback) -> None:
    """Before drawing a widget: if its stored value is not one of ``options`` any more, use ``fallback``.

    Only needed where options can change without the master's callback (a new clip with another
    length or sample rate); a missing value is left alone (the widget's default or the URL decides).
    """
    ss = st.session_state
    if key in ss and ss[key] not in list(options):
        ss[key] = fallback


def clamp(key: str, lo: float, hi: float) -> None:
    """Before drawing a number input or slider: keep a stored value inside ``[lo, hi]``."""
    ss = st.session_state
    if key in ss and ss[key] is not None:
        v = ss[key]
        if isinstance(v, tuple):
            ss[key] = tuple(type(x)(min(max(x, lo), hi)) for x in v)
        elif v < lo or v > hi:
            ss[key] = type(v)(min(max(v, lo), hi))
