"""AppTest of the measure-a-room page: the sweep, the simulated room, recordings good and bad, the sound card."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from components.responses import ROOMS, eyring_absorption
from lib import room
from tests.app.helpers import errors, metric, page_app, shown_text
from tests.recordings import DURATION_S, F1, F2, LEAD_S, silent_recording, sweep_recording

PAGE = "app_pages/measure_room.py"
#: quicker than the page's defaults (48 kHz, 3 s); the page's logic is the same
FAST = {"mr_sr": 16000, "mr_dur": DURATION_S}


def open_tab(tab: str, **state):
    at = page_app(PAGE, timeout=240)
    at.session_state["mr_tab"] = tab
    for k, v in {**FAST, "mr_f2": F2, **state}.items():
        at.session_state[k] = v
    return at.run()


def test_sweep_tab_numbers_follow_the_law():
    at = open_tab("The sweep")
    assert not errors(at), errors(at)
    L = DURATION_S / np.log(F2 / F1)
    assert metric(at, "L = T / ln(f₂/f₁)") == f"{L:.3f} s"
    assert metric(at, "Harmonic 2 lands") == f"{-L * np.log(2) * 1000:.0f} ms"
    assert "Protect your ears" in shown_text(at)
    assert len(at.get("download_button")) == 1
    # an end frequency above Nyquist is explained, not raised
    at.select_slider(key="mr_f2").set_value(16000).run()
    assert not at.exception
    assert any("Nyquist" in e.value for e in at.error)


def _t20(text: str) -> float:
    return float(text.split()[0])


def test_simulated_room_measures_its_t20_and_shows_distortion_at_negative_times():
    at = open_tab("Simulated room", mr_room="Classroom (0.7 s)")
    assert not errors(at), errors(at)
    dim, src, mic, rt = ROOMS["Classroom (0.7 s)"]
    h = room.hybrid_rir(dim, src, mic, 16000, absorption_bands=eyring_absorption(rt, dim), seed=0).rir
    t20_true = room.measure_rt60(h, 16000, decay_db=20, noise_handling=False)
    assert _t20(metric(at, "T20")) == pytest.approx(t20_true, rel=0.03)
    assert float(metric(at, "Correlation with the ideal measurement")) > 0.99
    quiet_h3 = float(metric(at, "Harmonic 3").split()[0])
    at.button(key="mr_demo_0").click().run()  # demo "Clip the speaker": the level goes to 0 dBFS
    assert not errors(at), errors(at)
    assert at.slider(key="mr_level").value == 0
    loud_h3 = float(metric(at, "Harmonic 3").split()[0])
    assert loud_h3 > quiet_h3 + 10  # much more 3rd harmonic...
    assert _t20(metric(at, "T20")) == pytest.approx(t20_true, rel=0.03)  # ...cut away: T20 unchanged
    assert "Simulated: Classroom (0.7 s), 0 dBFS" in at.session_state["ir_library"]


def test_browser_recordings_good_silent_short_and_clipped():
    at = open_tab("Record in the browser")
    assert not errors(at), errors(at)
    assert "No recording yet" in shown_text(at)
    at.audio_input(key="mr_mic").upload("rec.wav", sweep_recording()).run()
    assert not errors(at), errors(at)
    assert float(metric(at, "Sweep detection").split()[0]) > 30
    # time zero: 5 ms before the direct sound, which arrives 6 ms after the sweep starts at 0.6 s
    assert LEAD_S < float(metric(at, "Direct sound at")[:-2]) < LEAD_S + 0.01
    assert "T20" in [m.label for m in at.metric]
    assert "Recorded in the browser" in at.session_state["ir_library"]

    at.audio_input(key="mr_mic").upload("silent.wav", silent_recording()).run()
    assert not at.exception
    assert any("silent" in e.value for e in at.error)
    assert "T20" not in [m.label for m in at.metric]

    at.audio_input(key="mr_mic").upload("short.wav", sweep_recording(sweep_s=1.2)).run()
    assert not at.exception
    assert any("too short" in e.value for e in at.error)

    at.audio_input(key="mr_mic").upload("other.wav", sweep_recording(sweep_duration_s=3.0)).run()
    assert not at.exception
    assert any("does not follow this sweep" in e.value for e in at.error)

    at.audio_input(key="mr_mic").upload("clipped.wav", sweep_recording(gain=8.0)).run()
    assert not at.exception and not at.error
    assert any("clipped" in w.value for w in at.warning)
    assert "T20" in [m.label for m in at.metric]  # measured anyway: the distortion is cut away
    assert float(metric(at, "Clipped samples")[:-2]) > 1


def test_sound_card_tab_without_a_device_says_why_also_in_presenter_mode():
    at = open_tab("Sound card")
    assert not errors(at), errors(at)
    assert "Play-and-record is hidden here" in shown_text(at)
    assert not [b for b in at.button if b.key == "mr_card_go"]
    at.session_state["present"] = True
    at.run()
    assert not errors(at), errors(at)
    assert "Play-and-record is hidden here" in shown_text(at)


@pytest.fixture
def loopback_device(monkeypatch):
    """A stand-in for sounddevice: a speaker and a microphone in the small room (this machine has neither)."""
    from components import audio_io

    sr = 16000
    dim, src, mic, rt = ROOMS["Small room (0.3 s)"]
    h = room.hybrid_rir(dim, src, mic, sr, absorption_bands=eyring_absorption(rt, dim), seed=0).rir
    h = h / np.abs(h).max() * 0.3
    latency = 1234  # samples the device delays the recording by
    calls = []

    def playrec(y, samplerate, channels, blocking):
        calls.append((len(y), samplerate))
        out = np.convolve(np.asarray(y, dtype=float), h)[: len(y)]
        out = np.concatenate([np.zeros(latency), out])[: len(y)] + 1e-5 * np.random.default_rng(0).standard_normal(len(y))
        return out.reshape(-1, 1).astype(np.float32)

    fake = types.ModuleType("sounddevice")
    fake.query_devices = lambda kind=None: {"name": f"loopback {kind}"}
    fake.playrec = playrec
    fake.play = lambda *a, **k: None
    monkeypatch.setitem(sys.modules, "sounddevice", fake)
    audio_io.local_playback_status.clear()
    audio_io.local_duplex_status.clear()
    yield calls
    audio_io.local_playback_status.clear()
    audio_io.local_duplex_status.clear()


def test_sound_card_plays_records_and_measures(loopback_device):
    at = open_tab("Sound card")
    assert not errors(at), errors(at)
    at.button(key="mr_card_go").click().run()
    assert not errors(at), errors(at)
    assert loopback_device and loopback_device[0][1] == 16000
    # the sweep file starts with 0.5 s of silence and the device adds 1234 samples of latency
    arrival = float(metric(at, "Direct sound at")[:-2])
    assert arrival == pytest.approx(0.5 + 1234 / 16000, abs=0.012)
    assert "T20" in [m.label for m in at.metric]
