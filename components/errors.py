"""Turn library errors into messages in the page, never tracebacks."""

from __future__ import annotations

from contextlib import contextmanager

import streamlit as st

from lib.errors import InputError, WeightsUnavailable


@contextmanager
def stop_on_input_error():
    """Show an :class:`InputError` as ``st.error`` and stop the page there.

    Use around code that validates what the user chose::

        with stop_on_input_error():
            clip = load_audio(upload)
    """
    try:
        yield
    except InputError as exc:
        st.error(str(exc), icon=":material/error:")
        st.stop()


def show_input_error(exc: InputError) -> None:
    """Show an :class:`InputError` as ``st.error`` without stopping."""
    st.error(str(exc), icon=":material/error:")


def show_weights_unavailable(exc: WeightsUnavailable) -> None:
    """Explain missing weights and how to get them (the page keeps working)."""
    st.warning(str(exc), icon=":material/cloud_off:")
