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


def offer_download(download, *, key: str, label: str = "Try to download the weights now",
                   what: str = "the weights", on_done=None, where=None) -> None:
    """A button that downloads missing weights only when the user asks, with a progress bar.

    ``download(progress)`` does the work and calls ``progress(fraction, message)``; it raises
    :class:`WeightsUnavailable` when it cannot (offline, hub unreachable). On success ``on_done()``
    clears whatever cached "weights missing" answer the page holds, and the page reruns; on failure the
    bar goes and one line says why (the manual command is already on the page above the button).
    Nothing is ever downloaded because a visitor opened a page.
    """
    w = where or st
    if not w.button(label, key=key, icon=":material/download:"):
        return
    bar = st.progress(0.0, text=f"Downloading {what}…")
    try:
        download(lambda fraction, message: bar.progress(min(1.0, max(0.0, float(fraction))), text=message))
    except WeightsUnavailable as exc:
        bar.empty()
        st.error(f"Could not download {what}: {str(exc).splitlines()[0].split('. ')[0]}. Use the command above "
                 "on a connected machine.", icon=":material/cloud_off:")
        return
    if on_done is not None:
        on_done()
    st.rerun()
