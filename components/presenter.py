"""The classroom layer every page shares: presenter mode, one-click demo scenarios, "Next →" links.

Presenter mode is for a projector at 1280×720. It is a toggle in the sidebar and a URL parameter
(``?present=true``), so a teacher can bookmark or share a presenter link. When it is on:

- the sidebar collapses and the page navigation moves to the top bar (Home.py asks
  :func:`app_setup` before building the navigation);
- :func:`intro <components.teach.intro>` draws a one-line header (title, the idea in a popover,
  "Next →" and an exit button) instead of the title, two sentences and the "Try first" box;
- :func:`inputs` is a container at the top of the main area instead of the sidebar, so the sample
  picker, the room preset and the uploader are on screen;
- :func:`figure_slot` reserves the place right under the inputs for the page's main figure;
- :func:`chart` draws every plotly figure with larger, darker fonts.

A page uses it like this (the full recipe is in docs/ARCHITECTURE.md)::

    intro("Spectrogram & mel", idea, try_first)
    demo_scenarios({"Resolve two close tones": {"sample": "Two close tones 440 + 460 Hz", "sg_nfft": 4096}},
                   key="sg")
    src = inputs()                      # sidebar, or the top of the main area when presenting
    clip = pick_audio("sg", default="Speech with fricatives", container=src.side, uploads=src.main)
    ... the page's own controls ...
    slot = figure_slot()                # right under the controls when presenting, else in place
    chart(fig, key="sg_main", slot=slot)

The "Next →" link along the learning path (``components.nav.PAGES`` order) is drawn by Home.py at
the end of every page and by the presenter header, so a page does nothing for it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import streamlit as st

from components.nav import PageInfo, next_page

#: The URL parameter and widget key of the presenter toggle.
KEY = "present"
_PAGE_KEY = "_ave_current_page"  #: set by Home.py each run: path of the page being shown
_WAS_ON_KEY = "_ave_present_was_on"
_SIDEBAR_KEY = "_ave_sidebar_used"  #: reset by set_current_page each run, set by sidebar()/inputs()

#: Fonts for figures. Streamlit's chart theme draws axis text small and light grey; every figure gets
#: a darker colour, and presenter mode larger sizes.
INK = "#1f2430"
NORMAL_FONT = dict(size=13, color=INK)
PRESENTER_FONT = dict(size=17, color="#0b0d12")
PRESENTER_TITLE_SIZE = 22

_PRESENTER_CSS = """
<style>
/* presenter mode: less chrome above the content, larger and darker text */
[data-testid="stMainBlockContainer"] { padding-top: 3.6rem !important; padding-bottom: 2rem !important; }
[data-testid="stMain"] p, [data-testid="stMain"] li, [data-testid="stWidgetLabel"] p { color: #0b0d12; }
[data-testid="stWidgetLabel"] p { font-size: 1.02rem; font-weight: 600; }
[data-testid="stMain"] h2 { padding-top: 0.2rem; padding-bottom: 0.2rem; }
[data-testid="stMetricValue"] { font-size: 1.9rem; }
</style>
"""


def presenting() -> bool:
    """Whether presenter mode is on in this run (the toggle; on a fresh link, ``?present=true``)."""
    if KEY in st.session_state:
        return bool(st.session_state[KEY])
    # Before the toggle registers (first run of a session), the bound URL parameter decides.
    return str(st.query_params.get(KEY, "")).lower() in ("true", "1")


def app_setup() -> bool:
    """Home.py, before ``st.navigation``: collapse the sidebar and style the page when presenting.

    Returns whether presenter mode is on (give ``st.navigation`` ``position="top"`` then). The toggle
    itself is drawn by :func:`toggle` after the page, at the bottom of the sidebar.
    """
    on = presenting()
    was_on = st.session_state.get(_WAS_ON_KEY, False)
    st.session_state[_WAS_ON_KEY] = on
    if on:
        st.set_page_config(initial_sidebar_state="collapsed")
        st.html(_PRESENTER_CSS)
    elif was_on:  # leaving presenter mode: bring the sidebar back
        st.set_page_config(initial_sidebar_state="expanded")
    return on


def toggle() -> None:
    """Home.py, after the page: the presenter toggle at the bottom of the sidebar (bound to ``?present=``)."""
    st.sidebar.toggle(
        "Presenter mode", key=KEY, bind="query-params",
        help="For a projector: the sidebar folds away, the inputs and the main figure come to the top, fonts grow. "
             "As a link: add ?present=true to any page's address.")


def set_current_page(info: PageInfo | None) -> None:
    """Home.py: remember which page runs now (for the "Next →" link)."""
    st.session_state[_PAGE_KEY] = info.path if info else None
    st.session_state[_SIDEBAR_KEY] = False


def sidebar():
    """``st.sidebar``, noting that this run's page put something there (Home.py then draws a divider
    between the page's inputs and the presenter toggle; a page with none gets no second line)."""
    st.session_state[_SIDEBAR_KEY] = True
    return st.sidebar


def sidebar_used() -> bool:
    return bool(st.session_state.get(_SIDEBAR_KEY))


def current_page_path() -> str | None:
    return st.session_state.get(_PAGE_KEY)


def _exit() -> None:
    st.session_state[KEY] = False


def has_next() -> bool:
    path = current_page_path()
    return bool(path and next_page(path))


def next_link(*, where=None, compact: bool = False) -> None:
    """A "Next →" link to the following page of the learning path (nothing on the last page)."""
    path = current_page_path()
    nxt = next_page(path) if path else None
    if nxt is None:
        return
    w = where or st
    label = f"Next → {nxt.title}" if compact else f"**Next →** {nxt.title}: {nxt.teaches}"
    w.page_link(nxt.path, label=label, icon=nxt.icon)


def header(title: str, idea: str, try_first: str) -> None:
    """The presenter's one-line page header: title, the idea on demand, next page, exit."""
    cols = st.columns([0.58, 0.12, 0.2, 0.1], vertical_alignment="center")
    cols[0].header(title, anchor=False)
    with cols[1].popover("The idea", icon=":material/lightbulb:"):
        st.markdown(idea)
        st.markdown(f"**Try first:** {try_first}")
    next_link(where=cols[2], compact=True)
    cols[3].button("Exit", key="present_exit", on_click=_exit, icon=":material/close_fullscreen:",
                   help="Leave presenter mode")


@dataclass
class Inputs:
    """Where a page draws its source inputs.

    ``side``: the sidebar, or a container at the top of the main area when presenting.
    ``main``: a container in the main area right under the intro, for what must be seen to be used
    (an uploader, a recorder) in both modes.
    """

    side: Any
    main: Any
    presenting: bool


def inputs() -> Inputs:
    """Containers for the page's source inputs; call it right after the intro/demo row."""
    if presenting():
        side = st.container(horizontal=True, vertical_alignment="bottom", gap="medium")
        return Inputs(side=side, main=st.container(), presenting=True)
    main = st.container()
    return Inputs(side=sidebar(), main=main, presenting=False)


def figure_slot():
    """A place for the page's main figure: right here when presenting, else ``None`` (draw in place).

    Call it after the controls the figure depends on and before the metrics and captions, then pass
    it to :func:`chart` (or write into it with ``with slot:`` when it is not ``None``).
    """
    return st.container() if presenting() else None


def _scaled_axis(axis: dict, font: dict) -> dict:
    axis = dict(axis or {})
    tick = dict(axis.get("tickfont") or {})
    tick.setdefault("size", font["size"])
    tick.setdefault("color", font["color"])
    axis["tickfont"] = tick
    title = axis.get("title")
    if isinstance(title, str):
        title = {"text": title}
    title = dict(title or {})
    tfont = dict(title.get("font") or {})
    tfont.setdefault("size", font["size"] + 1)
    tfont.setdefault("color", font["color"])
    title["font"] = tfont
    axis["title"] = title
    return axis


def styled(fig, *, presenter: bool | None = None) -> dict | Any:
    """The figure with the app's fonts (darker; larger when presenting), as the same type it came in.

    Works on a ``plotly.graph_objects.Figure`` and on its ``to_dict()`` form (pages that cache the
    finished dict). Sizes a builder set explicitly are kept in normal mode and scaled when presenting.
    """
    on = presenting() if presenter is None else presenter
    font = PRESENTER_FONT if on else NORMAL_FONT
    is_dict = isinstance(fig, dict)
    d = copy.copy(fig) if is_dict else None
    lay = dict((d.get("layout") if is_dict else fig.layout.to_plotly_json()) or {})
    new = {"font": {**font, **({} if on else dict(lay.get("font") or {}))}}
    for name in list(lay):
        if name.startswith(("xaxis", "yaxis")):
            new[name] = _scaled_axis(lay[name], font)
    for name in ("xaxis", "yaxis"):
        if name not in new:
            new[name] = _scaled_axis({}, font)
    if lay.get("scene"):  # 3-D axes are short: large labels collide, so fewer and smaller ones
        scene = dict(lay["scene"])
        for ax in ("xaxis", "yaxis", "zaxis"):
            a = dict(scene.get(ax) or {})
            a["tickfont"] = {**dict(a.get("tickfont") or {}), "size": font["size"] - 4, "color": font["color"]}
            a.setdefault("nticks", 4)
            scene[ax] = a
        new["scene"] = scene
    title = lay.get("title")
    if on and title:
        title = dict(title) if isinstance(title, dict) else {"text": title}
        title["font"] = {**dict(title.get("font") or {}), "size": PRESENTER_TITLE_SIZE, "color": font["color"]}
        new["title"] = title
    if on:
        ann = []
        for a in lay.get("annotations") or ():
            a = dict(a)
            a["font"] = {**dict(a.get("font") or {}), "size": max(font["size"] - 1, int((a.get("font") or {}).get("size") or 0))}
            ann.append(a)
        if ann:
            new["annotations"] = ann
        legend = dict(lay.get("legend") or {})
        legend["font"] = {**dict(legend.get("font") or {}), "size": font["size"] - 1}
        new["legend"] = legend
    if is_dict:
        d["layout"] = {**lay, **new}
        return d
    fig.update_layout(new)
    return fig


def chart(fig, *, key: str, slot=None, where=None, **kwargs) -> None:
    """Draw a plotly figure with the app's fonts: into ``slot`` (from :func:`figure_slot`), ``where``
    (a column or container), or in place."""
    target = slot if slot is not None else (where or st)
    target.plotly_chart(styled(fig), width=kwargs.pop("width", "stretch"), key=key, **kwargs)


def _apply(values: dict) -> None:
    for k, v in values.items():
        st.session_state[k] = v


def demo_scenarios(scenarios: dict[str, dict[str, Any]], *, key: str, where=None,
                   label: str = "Demo") -> None:
    """One-click buttons that each set a whole view (any widget keys on the page, the sample, a tab).

    ``scenarios`` maps a button label ("Fold a 7 kHz tone") to ``{widget_key: value}``. The values are
    written in the button's callback, before the page runs, so every widget shows exactly what the
    page computes with, and bound widgets update the URL (the scenario becomes a shareable link).
    A value must be valid for its widget (an option of a select box, inside a slider's range).
    """
    w = where or st
    names = list(scenarios)
    cols = w.columns([0.09] + [0.91 / len(names)] * len(names), vertical_alignment="center")
    cols[0].markdown(f"**{label}:**")
    for i, (name, col) in enumerate(zip(names, cols[1:])):
        col.button(name, key=f"{key}_demo_{i}", on_click=_apply, args=(scenarios[name],), width="stretch")
