"""AppTest of the Sound & hearing page: every view, the numbers it shows, and bad input."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf

from lib import hearing as H
from tests.app.helpers import errors, page_app, shown_text

PAGE = "app_pages/hearing.py"
VIEWS = ["wave", "pitch", "timbre", "levels", "bands", "beats", "tuner", "tone"]


def metric(at, label_start: str) -> str:
    for m in at.metric:
        if m.label.startswith(label_start):
            return m.value
    raise AssertionError(f"no metric {label_start!r} in {[m.label for m in at.metric]}")


def wav(y, sr=22050) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, np.asarray(y, np.float32), sr, format="WAV", subtype="PCM_16")
    return buf.getvalue()


@pytest.fixture(scope="module")
def at():
    app = page_app(PAGE).run()
    assert not errors(app)
    return app


def test_every_view_runs(at):
    for v in VIEWS:
        if v in ("timbre", "tuner"):  # run by their own tests below (they start pYIN, the slow part)
            continue
        at.radio(key="hear_view").set_value(v).run()
        assert not errors(at), v
        assert at.radio(key="hear_view").value == v


def test_wave_numbers(at):
    at.radio(key="hear_view").set_value("wave").run()
    at.select_slider(key="hear_wave_f").set_value(220).run()
    assert metric(at, "Period") == "4.55 ms"
    assert metric(at, "Wavelength") == "1.56 m"
    assert metric(at, "Note") == "A3 +0 ¢"


def test_note_picker_and_any_frequency(at):
    at.radio(key="hear_view").set_value("pitch").run()
    at.select_slider(key="hear_note").set_value("C4").run()
    assert metric(at, "Frequency") == "261.63" and metric(at, "MIDI") == "60.00" and metric(at, "Nearest") == "C4"
    at.number_input(key="hear_a4").set_value(415.0).run()
    assert metric(at, "Frequency") == f"{H.midi_to_hz(60, a4_hz=415):.2f}"
    at.number_input(key="hear_a4").set_value(440.0).run()
    at.number_input(key="hear_anyf").set_value(445.0).run()
    assert "**A4** (440.00 Hz) **+19.6 cents**" in shown_text(at)
    assert not errors(at)


def test_missing_fundamental_keeps_the_measured_pitch(at):
    at.radio(key="hear_view").set_value("timbre").run()
    at.toggle(key="hear_f0_on").set_value(False).run()
    assert metric(at, "Pitch measured") == "220.00 Hz"
    assert metric(at, "Lowest component") == "440.0 Hz"
    assert "no energy at 220.0 Hz" in shown_text(at)
    at.toggle(key="hear_f0_on").set_value(True).run()


def test_levels_and_loudness_numbers(at):
    at.radio(key="hear_view").set_value("levels").run()
    at.select_slider(key="hear_r").set_value(2).run()
    assert metric(at, "Level at 2 m") == "84.0 dB SPL"
    assert metric(at, "Total") == "63.0 dB"
    at.slider(key="hear_phon").set_value(60).run()
    assert metric(at, "60 phon at 100 Hz") == "78.5 dB SPL"  # ISO 226:2023 Table B.1
    at.number_input(key="hear_tone_l").set_value(10.0).run()
    assert metric(at, "Your tone's loudness level") == "inaudible"
    assert not errors(at)


def test_masking_prediction_flips_with_the_tone_level(at):
    at.radio(key="hear_view").set_value("bands").run()
    at.slider(key="hear_mask_l").set_value(-40).run()
    assert metric(at, "Prediction") == "masked (inaudible)"
    at.slider(key="hear_mask_l").set_value(-24).run()
    assert metric(at, "Prediction") == "audible"
    at.slider(key="hear_mask_shift").set_value(2.0).run()
    assert metric(at, "Predicted masked threshold") == "no masking"


def test_tone_generator_asks_before_loud_output(at):
    at.radio(key="hear_view").set_value("tone").run()
    at.slider(key="hear_gen_l").set_value(-30).run()
    n_quiet = len(at.get("audio"))
    assert n_quiet == 1 and not at.warning
    at.slider(key="hear_gen_l").set_value(-10).run()
    assert at.warning and len(at.get("audio")) == 0
    at.checkbox(key="hear_gen_ok").check().run()
    assert len(at.get("audio")) == 1
    assert not errors(at)


def test_tuner_on_the_built_in_string_and_uploads():
    at = page_app(PAGE).run()
    at.radio(key="hear_view").set_value("tuner").run()
    assert not errors(at)
    # Karplus-Strong with a 100-sample loop at 22050 Hz sounds at 22050 / 100.5 Hz (the averager adds half a sample).
    assert float(metric(at, "Median f0").split()[0]) == pytest.approx(22050 / 100.5, abs=0.05)
    assert metric(at, "Nearest note") == "A3"
    # An oboe-like tone whose 2nd harmonic is louder: f0 and the strongest peak disagree, and the page says why.
    at.radio(key="hear_source").set_value("Upload a file").run()
    oboe = H.harmonic_tone(220, 22050, 1.0, H.TIMBRES["Oboe-like (2nd louder than f0)"])
    at.file_uploader(key="hear_upload").set_value(("oboe.wav", wav(oboe), "audio/wav")).run()
    assert metric(at, "Nearest note") == "A3" and metric(at, "Strongest peak") == "440.0 Hz"
    assert any("2nd harmonic" in i.value for i in at.info)
    # Noise has no pitch: a warning, not a made-up note.
    at.file_uploader(key="hear_upload").set_value(("noise.wav", wav(H.band_noise(100, 4000, 22050, 1.0)), "audio/wav")).run()
    assert not at.exception and any("No pitched" in w.value for w in at.warning)
    # A 300-sample clip is too short for a pitch down to C2: a clear error, no traceback.
    at.file_uploader(key="hear_upload").set_value(("short.wav", wav(oboe[:300]), "audio/wav")).run()
    assert not at.exception and any("too short" in e.value for e in at.error)


def test_demo_scenario_sets_the_whole_view():
    at = page_app(PAGE).run()
    at.button(key="hear_demo_1").click().run()  # "Missing fundamental"
    assert at.radio(key="hear_view").value == "timbre" and at.toggle(key="hear_f0_on").value is False
    assert metric(at, "Lowest component") == "440.0 Hz" and metric(at, "Pitch measured") == "220.00 Hz"
    assert not errors(at)


def test_tuner_says_when_a_stretch_holds_several_notes():
    at = page_app(PAGE).run()
    at.radio(key="hear_view").set_value("tuner").run()
    at.radio(key="hear_source").set_value("Upload a file").run()
    two = np.concatenate([H.harmonic_tone(220, 22050, 0.6, (1, 0.5)), H.harmonic_tone(330, 22050, 0.6, (1, 0.5))])
    at.file_uploader(key="hear_upload").set_value(("two_notes.wav", wav(two), "audio/wav")).run()
    assert any("several pitches" in w.value for w in at.warning)
    at.slider(key="hear_tuner_len").set_value(0.5).run()  # the first note only
    assert not any("several pitches" in w.value for w in at.warning)
    assert metric(at, "Nearest note") == "A3"
