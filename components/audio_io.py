"""Audio in and out: the source picker and the level-faithful player."""

from __future__ import annotations

import re

import numpy as np
import streamlit as st

from components.errors import stop_on_input_error
from lib.errors import InputError
from lib.audio import (DEFAULT_MAX_DURATION_S, DEFAULT_MAX_SAMPLES, Clip, clipped_fraction, level_dbfs, load_audio,
                       require_length, to_wav_bytes)
from lib.samples import available_samples, fetch_librosa_examples, librosa_examples_cached

def escape_markdown(text: str) -> str:
    """``text`` as a Markdown code span: shown exactly as typed, never as a link, image, math or icon.

    Backslash escapes are not enough: GitHub-flavoured Markdown still turns a bare
    ``https://…`` into a live link. Inside a code span nothing is interpreted (links, images,
    ``$…$`` LaTeX, ``:material/…:`` icons, emphasis); the fence is one backtick longer than any
    run of backticks in the name, and line breaks become spaces.
    """
    text = " ".join(str(text).split()) or " "
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def escape_plot_text(text: str) -> str:
    """``text`` for a plotly title or label: its pseudo-HTML (``<a href>``, ``<br>``) shown, not obeyed."""
    import html

    return html.escape(" ".join(str(text).split()), quote=False)


UPLOAD_TYPES = ["wav", "flac", "ogg", "oga", "opus", "mp3", "m4a", "aac", "mp4", "webm"]
SOURCES = ("Built-in sample", "Upload a file", "Record with the microphone")


@st.cache_data(max_entries=16, show_spinner=False)
def _load_path(path: str, sr: int | None, max_duration_s: float | None, name: str | None) -> Clip:
    return load_audio(path, sr=sr, max_duration_s=max_duration_s, name=name, max_samples=DEFAULT_MAX_SAMPLES)


def _load_upload(key: str, upload, name: str, sr: int | None, max_duration_s: float | None) -> Clip:
    """Decode an upload (or a recording) once per session; the clip lives in that session's state.

    An upload is one visitor's data: kept in the process-wide cache it would outlive the session
    and count against everyone's memory (50 uploads took a server from 0.2 to 7.4 GB). In
    ``st.session_state`` it is replaced by the next upload and freed when the session ends.
    """
    slot = f"_{key}_decoded"
    want = (getattr(upload, "file_id", None), getattr(upload, "size", None), name, sr, max_duration_s)
    held = st.session_state.get(slot)
    if held is not None and held[0] == want and want[0] is not None:
        return held[1]
    st.session_state.pop(slot, None)  # let the previous clip go before decoding the next one
    try:
        clip = load_audio(upload.getvalue(), sr=sr, max_duration_s=max_duration_s, name=name,
                          max_samples=DEFAULT_MAX_SAMPLES)
    except InputError as exc:  # say which file: the user's name for it, escaped (never a temp path)
        raise InputError(f"**{escape_markdown(name)}**: {exc}") from exc
    st.session_state[slot] = (want, clip)
    return clip


@st.cache_data(ttl=600, show_spinner=False)
def _librosa_examples() -> dict[str, str]:
    return {k: str(v) for k, v in librosa_examples_cached().items()}


#: Widget key (and URL parameter) of the built-in sample picker, shared by every page, so a sample
#: chosen on one page stays chosen on the next and a link says which sample it shows.
SAMPLE_KEY = "sample"


def _sample_choices() -> dict[str, str]:
    choices = {k: str(v) for k, v in available_samples().items()}
    choices.update(_librosa_examples())
    return choices


def pick_audio(
    key: str,
    *,
    default: str | None = None,
    sr: int | None = None,
    max_duration_s: float | None = DEFAULT_MAX_DURATION_S,
    label: str = "Audio source",
    require: bool = True,
    container=None,
    uploads=None,
    min_samples: int = 1,
    min_purpose: str = "this page",
) -> Clip | None:
    """Let the user choose a built-in sample, an upload or a microphone recording.

    The sample choice is bound to the URL by name (``?sample=Drum+loop+(percussive)``) under one key
    shared by all pages, so it persists across pages and travels with a link; ``default`` is only
    this page's choice when the user has not picked one. An upload or a recording cannot go into a
    link, and the picker says so.

    While "Upload" or "Microphone" is chosen and nothing has arrived yet, the page keeps running on
    the built-in sample (with a note) instead of stopping: a page that stops before its controls
    makes Streamlit forget their values, and the browser then shows defaults the page is not using.

    Parameters
    ----------
    key : str
        Prefix for the page's own widget keys (source radio, uploader, recorder).
    default : str, optional
        Label of the built-in sample this page starts with.
    sr : int, optional
        Resample to this rate; ``None`` keeps the source's rate.
    max_duration_s : float, optional
        Longer clips are trimmed to this, with a notice.
    require : bool
        True: always return a clip (the built-in sample until an upload/recording arrives).
        False: return ``None`` while nothing is uploaded or recorded.
    container :
        Where the source radio and the sample picker go (default: in place). Pages pass
        ``components.presenter.inputs().side``.
    uploads :
        Where the uploader or the recorder goes (default: ``container``). Pages pass
        ``components.presenter.inputs().main`` so the file box is on screen, not under the fold.
    min_samples : int
        Shorter clips get a clear message (``min_purpose`` says what needs the length)
        instead of controls that cannot work (a slider over a single frame).

    Returns
    -------
    Clip or None
    """
    from components.presenter import presenting

    c = container or st
    up = uploads or c
    left = right = c
    source = left.radio(label, SOURCES, key=f"{key}_source", horizontal=True)
    clip = None
    with stop_on_input_error():
        if source == SOURCES[1]:
            upload = up.file_uploader(
                "Audio file (WAV, FLAC, OGG, MP3, M4A/AAC)", type=UPLOAD_TYPES, key=f"{key}_upload"
            )
            if upload is not None:
                clip = _load_upload(key, upload, upload.name, sr, max_duration_s)
        elif source == SOURCES[2]:
            recording = up.audio_input("Record", sample_rate=None, key=f"{key}_mic")
            if recording is not None:
                clip = _load_upload(key, recording, "microphone recording", sr, max_duration_s)
        if clip is None and (source == SOURCES[0] or require):
            choices = _sample_choices()
            if not choices:
                c.error("No built-in samples found: run `python samples/make_samples.py`.")
                st.stop()
            names = list(choices)
            index = names.index(default) if default in names else 0
            if source == SOURCES[0]:
                name = right.selectbox("Sample", names, index=index, key=SAMPLE_KEY, bind="query-params",
                                       help="Built-in clips; your choice follows you to the other pages and "
                                            "into a shared link.")
            else:  # the page keeps running on the sample until a file arrives
                name = st.session_state.get(SAMPLE_KEY)
                name = name if name in choices else names[index]
                what = "a file" if source == SOURCES[1] else "a recording"
                up.info(f"Choose a file or make a recording to start: until {what} arrives, the page shows "
                        f"the built-in sample **{name}**. An upload or a recording stays on this computer; "
                        "a shared link opens with the built-in sample.", icon=":material/upload_file:")
            clip = _load_path(choices[name], sr, max_duration_s, name)
            if source == SOURCES[0] and not presenting() and not any(k.startswith("librosa:") for k in choices):
                if right.button("Fetch librosa's example recordings", key=f"{key}_fetch",
                                help="Downloads librosa's CC-licensed examples if this machine is online."):
                    with st.spinner("Contacting librosa's example server..."):
                        got = fetch_librosa_examples()
                    _librosa_examples.clear()
                    if got:
                        st.rerun()
                    right.caption("librosa's examples are not reachable from here; the built-in samples remain.")
        if clip is not None:
            require_length(clip.samples, clip.sr, min_samples, purpose=min_purpose)
    if clip is None:
        return None
    if presenting():  # one short line under the inputs; the figures' titles name the clip
        if clip.notices:
            up.caption(" · ".join(f":material/info: {n}" for n in clip.notices))
        return clip
    c.caption(
        f"{escape_markdown(clip.name)}: {clip.duration_s:.2f} s at {clip.sr} Hz, "
        f"peak {level_dbfs(float(abs(clip.samples).max())):.1f} dBFS"
    )
    for notice in clip.notices:
        c.caption(f":material/info: {notice}")
    return clip


@st.cache_resource(show_spinner=False)
def local_playback_status() -> tuple[bool, str]:
    """Whether ``sounddevice`` can play on this computer, and if not, why (one line)."""
    try:
        import sounddevice as sd
    except OSError:
        return False, "PortAudio is not installed (Debian package libportaudio2)."
    except ImportError:
        return False, "the sounddevice package is not installed."
    try:
        sd.query_devices(kind="output")
    except Exception:
        return False, "no audio output device on the machine running the app."
    return True, "ready"


def player(y, sr: int, *, label: str | None = None, key: str | None = None) -> None:
    """Play samples at their true level (WAV bytes we encode; no normalisation).

    ``st.audio(numpy_array)`` rescales each clip to full scale, which hides
    level differences; here a clip 20 dB quieter really sounds quieter.
    """
    if label:
        st.markdown(f"**{label}**")
    st.audio(to_wav_bytes(y, sr), format="audio/wav")
    peak = float(abs(y).max()) if len(y) else 0.0
    note = f"peak {level_dbfs(peak):.1f} dBFS"
    if clipped_fraction(y) > 0 or peak > 1.0:
        note += " · clipped at full scale on playback"
    st.caption(note)
    ok, _ = local_playback_status()
    if ok and key is not None:
        if st.button("Play on this computer", key=f"{key}_local", icon=":material/speaker:"):
            import sounddevice as sd

            try:
                sd.play(y, sr)
            except Exception as exc:  # a device can vanish between the check and the call
                st.warning(f"Local playback failed: {exc}")


def playback_note() -> None:
    """One line in the sidebar saying whether local playback is available."""
    ok, reason = local_playback_status()
    if ok:
        st.sidebar.caption(":material/speaker: Local playback available (buttons under the players).")
    else:
        st.sidebar.caption(f":material/volume_off: Play-on-this-computer is hidden: {reason}")


@st.cache_resource(show_spinner=False)
def local_duplex_status() -> tuple[bool, str]:
    """Whether ``sounddevice`` can play and record at once on this computer, and if not, why."""
    ok, reason = local_playback_status()
    if not ok:
        return False, reason
    import sounddevice as sd

    try:
        sd.query_devices(kind="input")
    except Exception:
        return False, "no audio input (microphone) device on the machine running the app."
    return True, "ready"


def play_and_record(y, sr: int) -> np.ndarray:
    """Play ``y`` on the default output and record the default input at the same time (mono, blocking).

    Raises :class:`lib.errors.InputError` when the device refuses (busy, unplugged, wrong rate).
    """
    import sounddevice as sd

    from lib.errors import InputError

    try:
        rec = sd.playrec(np.asarray(y, dtype=np.float32), samplerate=int(sr), channels=1, blocking=True)
    except Exception as exc:  # PortAudio errors come in several types
        raise InputError(f"The sound device could not play and record at {int(sr)} Hz: {exc}") from None
    return np.asarray(rec, dtype=np.float64).reshape(len(rec), -1)[:, 0]
