"""The teaching frame every page shares: the idea, the idea in depth, the code."""

from __future__ import annotations

import inspect
from functools import lru_cache

import streamlit as st


@lru_cache(maxsize=256)
def _source(fn) -> str:
    return inspect.getsource(fn)


def intro(title: str, idea: str, try_first: str) -> None:
    """Title, the idea in two sentences, and the one control to try first.

    In presenter mode (components.presenter) this is one line: the title, the idea and the control
    to try in a popover, "Next →" and an exit button, so the main figure fits on the first screen.
    """
    from components import presenter

    if presenter.presenting():
        presenter.header(title, idea, try_first)
        return
    st.title(title)
    st.markdown(idea)
    st.info(f"**Try first:** {try_first}", icon=":material/touch_app:")


def in_depth(markdown: str, *, label: str = "The idea in depth") -> None:
    """Collapsible panel with the math, the pitfalls and the references."""
    with st.expander(label, icon=":material/school:"):
        st.markdown(markdown)


def show_code(*functions, label: str = "Show the code") -> None:
    """Reveal the source of the lib functions behind the main figure."""
    with st.expander(label, icon=":material/code:"):
        for fn in functions:
            st.caption(f"`{fn.__module__}.{fn.__qualname__}`")
            st.code(_source(fn), language="python")
