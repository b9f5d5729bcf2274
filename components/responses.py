"""Impulse responses to convolve with: simulated rooms, responses measured in this session, uploads.

The measurement page :func:`remember` s what it measures; any page offers it back through
:func:`pick_response` (the store lives in the browser session and holds a few responses).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from components.errors import show_input_error, stop_on_input_error
from lib import room
from lib.audio import load_audio, resample
from lib.errors import InputError

#: name -> (room L x W x H in m, source, microphone, RT60 in s). Uniform absorption solved from
#: Eyring's formula, which the hybrid image-source + diffuse-tail model's tail follows.
ROOMS: dict[str, tuple[tuple[float, float, float], tuple, tuple, float]] = {
    "Small room (0.3 s)": ((4.0, 3.5, 2.6), (1.0, 1.2, 1.4), (3.0, 2.4, 1.3), 0.3),
    "Classroom (0.7 s)": ((9.0, 7.0, 3.2), (1.5, 3.5, 1.6), (6.5, 2.8, 1.2), 0.7),
    "Church-like hall (1.2 s)": ((30.0, 14.0, 16.0), (4.0, 7.0, 1.8), (20.0, 5.0, 1.3), 1.2),
    "Cathedral-like (2.5 s)": ((60.0, 25.0, 30.0), (8.0, 12.5, 1.8), (35.0, 9.0, 1.3), 2.5),
}
DEFAULT_ROOM = "Church-like hall (1.2 s)"
#: How many measured responses a session keeps (oldest dropped first).
MAX_REMEMBERED = 4
_STORE = "ir_library"


@dataclass(frozen=True)
class Response:
    """An impulse response with where it came from."""

    ir: np.ndarray
    sr: int
    name: str
    origin: str  #: "simulated", "measured" or "uploaded"


@st.cache_data(max_entries=8, show_spinner="Simulating the room...")
def simulated_room(name: str, sr: int) -> np.ndarray:
    """The hybrid-model response of one of :data:`ROOMS` (float32, peak 1)."""
    dim, src, mic, rt60 = ROOMS[name]
    alpha = eyring_absorption(rt60, dim)
    h = room.hybrid_rir(dim, src, mic, int(sr), absorption_bands=alpha, seed=0).rir
    return (h / np.max(np.abs(h))).astype(np.float32)


def eyring_absorption(rt60_s: float, room_dim) -> float:
    """Uniform absorption giving ``rt60_s`` by Eyring: ``1 - exp(-24 ln(10) V / (c S T))``."""
    L, W, H = room_dim
    V, S = L * W * H, 2 * (L * W + L * H + W * H)
    return float(1 - np.exp(-24 * np.log(10) * V / (room.SPEED_OF_SOUND * S * rt60_s)))


def remember(name: str, ir: np.ndarray, sr: int) -> None:
    """Keep a measured response for this session (at most :data:`MAX_REMEMBERED`)."""
    store: dict = st.session_state.setdefault(_STORE, {})
    store.pop(name, None)
    store[name] = (np.asarray(ir, dtype=np.float32), int(sr))
    while len(store) > MAX_REMEMBERED:
        store.pop(next(iter(store)))


def remembered() -> dict[str, tuple[np.ndarray, int]]:
    """Responses measured in this session, oldest first."""
    return dict(st.session_state.get(_STORE, {}))


def session_memo(slot: str, ident: tuple, compute):
    """``compute()`` once per ``ident`` for this browser session, kept in its state (one value per slot).

    For what derives from a visitor's own upload or recording: a process-wide cache would keep it
    after the session ends and count it against everyone's memory; here the next upload replaces it
    and the session's end frees it.
    """
    held = st.session_state.get(slot)
    if held is not None and held[0] == ident and ident[0] is not None:
        return held[1]
    st.session_state.pop(slot, None)  # let the previous value go before computing the next
    value = compute()
    st.session_state[slot] = (ident, value)
    return value


def _load_ir(key: str, up):
    return session_memo(f"_{key}_ir", (getattr(up, "file_id", None), getattr(up, "size", None)),
                        lambda: load_audio(up.getvalue(), name=up.name, max_duration_s=10.0))


def pick_response(key: str, sr: int, *, default: str = DEFAULT_ROOM) -> Response | None:
    """Choose a simulated room, a response measured in this session, or an uploaded file; resampled to ``sr``.

    Returns ``None`` (after saying what is missing) while nothing is measured or uploaded yet; the
    page keeps running (it never stops before its controls).
    """
    sources = ["Simulated room", "Measured in this session", "Upload an impulse response"]
    kinds = st.radio("Impulse response", sources, key=f"{key}_irsrc", horizontal=True, bind="query-params")
    if kinds == sources[0]:
        names = list(ROOMS)
        name = st.selectbox("Room", names, index=names.index(default), key=f"{key}_room", bind="query-params",
                            help="Hybrid image-source model (lib.room.hybrid_rir) with a uniform absorption chosen "
                                 "by Eyring's formula for the RT60 in the name.")
        with stop_on_input_error():
            return Response(simulated_room(name, int(sr)), int(sr), name, "simulated")
    if kinds == sources[1]:
        store = remembered()
        if not store:
            st.info("Nothing measured yet in this session: measure a room on the **Measure a room** page "
                    "(its simulated view takes a few seconds), then come back.")
            return None
        names = list(store)[::-1]
        # (not in a link: the names exist only in this browser session)
        name = st.selectbox("Measured response", names, key=f"{key}_measured")
        ir, ir_sr = store[name]
        return Response(resample(ir, ir_sr, sr), int(sr), name, "measured")
    up = st.file_uploader("Impulse response (WAV, FLAC, OGG; up to 10 s)", type=["wav", "flac", "ogg"],
                          key=f"{key}_irup")
    if up is None:
        st.info("Upload an impulse response (a clap, a balloon pop, a sweep measurement) to hear a clip in that space.")
        return None
    try:
        clip = _load_ir(key, up)
    except InputError as exc:
        show_input_error(exc)
        return None
    for notice in clip.notices:
        st.caption(f":material/info: {notice}")
    return Response(resample(clip.samples, clip.sr, sr), int(sr), clip.name, "uploaded")
