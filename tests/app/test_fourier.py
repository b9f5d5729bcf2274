"""The Fourier series page through Home.py's navigation: every control, bad inputs, table edits."""

from __future__ import annotations

import re

import pytest

from tests.app.helpers import errors, page_app, shown_text

PAGE = "app_pages/fourier.py"


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def number(text: str) -> float:
    return float(re.search(r"-?\d+(\.\d+)?", text.replace("−", "-")).group())


@pytest.fixture
def at():
    return page_app(PAGE).run()


def test_defaults(at):
    assert not errors(at)
    m = metrics(at)
    assert number(m["Gibbs overshoot"]) == pytest.approx(9.12, abs=0.05)  # square, N = 9
    assert number(m["RMS error vs target"]) == pytest.approx(0.1998, abs=5e-4)
    assert len(at.data_editor) == 1 and len(at.data_editor[0].value) == 9
    text = shown_text(at)
    assert "1/n, odd harmonics only" in text
    assert "nothing aliases" in text


def test_overshoot_tends_to_gibbs_and_smoothing_kills_it(at):
    at.slider(key="fourier_n").set_value(100).run()
    assert not errors(at)
    assert number(metrics(at)["Gibbs overshoot"]) == pytest.approx(8.95, abs=0.02)
    at.radio(key="fourier_smooth").set_value("lanczos").run()
    m = metrics(at)
    assert not errors(at)
    assert number(m["Overshoot, Lanczos σ"]) < 1.5
    assert number(m["RMS error, Lanczos σ"]) > number(m["RMS error vs target"])  # smoothing costs RMS error
    at.radio(key="fourier_smooth").set_value("fejer").run()
    assert number(metrics(at)["Overshoot, Fejér"]) == 0.0


@pytest.mark.parametrize("shape,law", [("sine", "a single harmonic"), ("sawtooth", "1/n, all harmonics"),
                                       ("triangle", "1/n², odd harmonics only"), ("pulse", "|sin(π n d)|")])
def test_every_preset(at, shape, law):
    at.selectbox(key="fourier_shape").set_value(shape).run()
    assert not errors(at)
    assert law in shown_text(at)
    gibbs = metrics(at)["Gibbs overshoot"]
    assert (gibbs == "no jump") == (shape in ("sine", "triangle"))


def test_pulse_duty_slider_and_its_bad_values(at):
    at.selectbox(key="fourier_shape").set_value("pulse").run()
    rms_a = metrics(at)["RMS error vs target"]
    at.slider(key="fourier_duty").set_value(0.1).run()
    assert not errors(at)
    assert metrics(at)["RMS error vs target"] != rms_a
    for bad in (0.0, 1.0):
        at.slider(key="fourier_duty").set_value(bad).run()
        assert not at.exception
        assert any("duty cycle must be strictly between 0 and 1" in e.value for e in at.error)


def test_harmonic_count_starts_at_one_even_from_a_link():
    """N = 0 used to be offered and showed a red error that hid the page (issue 14, item 4)."""
    at = page_app("app_pages/fourier.py")
    at.query_params["fourier_n"] = "0"
    at.run()
    assert at.slider(key="fourier_n").min == 1
    assert at.slider(key="fourier_n").value >= 1
    assert not errors(at)


def test_highlight_db_epicycle_and_seed_controls(at):
    at.selectbox(key="fourier_highlight").set_value(3).run()
    assert not errors(at)
    at.toggle(key="fourier_db").set_value(True).run()
    assert not errors(at)
    at.slider(key="fourier_epi_t").set_value(0.37).run()
    assert not errors(at)
    before = metrics(at)["Peak factor, random phases"]
    at.number_input(key="fourier_seed").set_value(7).run()
    assert not errors(at)
    after = metrics(at)
    assert after["Peak factor, random phases"] != before
    assert after["Peak factor, original phases"] == "1.21"  # the original is untouched
    at.radio(key="fourier_scramble_kind").set_value("schroeder").run()
    assert not errors(at)
    assert "Peak factor, schroeder phases" in metrics(at)


def test_playback_controls_and_nyquist_warning(at):
    at.number_input(key="fourier_f0").set_value(1000.0).run()
    at.selectbox(key="fourier_sr").set_value(8000).run()
    assert not errors(at)
    warn = " ".join(w.value for w in at.warning)
    assert "Nyquist frequency 4000 Hz" in warn and "5 (5000 Hz → 3000 Hz)" in warn and "dropped" in warn
    assert len(at.get("page_link")) >= 1
    at.toggle(key="fourier_bandlimit").set_value(False).run()
    assert not errors(at)
    assert "not dropped" in " ".join(w.value for w in at.warning)


@pytest.mark.parametrize("f0,message", [(0.0, "must be positive"), (12000.0, "Nyquist")])
def test_bad_fundamental_is_a_clear_error(at, f0, message):
    at.number_input(key="fourier_f0").set_value(f0).run()
    assert not at.exception
    assert any(message in e.value for e in at.error)
    # the rest of the page still works
    assert "Gibbs overshoot" in metrics(at)


def test_table_edits_change_the_wave_and_reset_restores_it(at):
    key = at.data_editor[0].key
    base = metrics(at)
    at.session_state[key] = {"edited_rows": {0: {"amplitude": 0.5}, 2: {"phase_deg": 90.0}},
                             "added_rows": [], "deleted_rows": []}
    at.run()
    assert not errors(at)
    edited = metrics(at)
    assert number(edited["RMS error vs target"]) > number(base["RMS error vs target"]) + 0.2
    assert edited["Peak factor, original phases"] != base["Peak factor, original phases"]
    assert "2 harmonic(s) edited" in shown_text(at)
    # edits survive a change of N ...
    at.slider(key="fourier_n").set_value(15).run()
    assert at.data_editor[0].value["amplitude"].iloc[0] == pytest.approx(0.5)
    # ... and the reset button and a preset change both go back to the closed form
    at.button(key="fourier_reset").click().run()
    assert at.data_editor[0].value["amplitude"].iloc[0] == pytest.approx(1.27324, abs=1e-4)
    at.slider(key="fourier_n").set_value(9).run()
    assert metrics(at)["RMS error vs target"] == base["RMS error vs target"]


def test_preset_change_reseeds_the_table(at):
    key = at.data_editor[0].key
    at.session_state[key] = {"edited_rows": {0: {"amplitude": 0.1}}, "added_rows": [], "deleted_rows": []}
    at.run()
    at.selectbox(key="fourier_shape").set_value("triangle").run()
    assert at.data_editor[0].value["amplitude"].iloc[0] == pytest.approx(0.81057, abs=1e-4)
    assert "edited" not in shown_text(at)


# --- analysis direction ---------------------------------------------------------------------------


def analyse_app():
    at = page_app(PAGE).run()
    at.radio(key="fourier_mode").set_value("Analyse a recording").run()
    return at


def test_analyse_the_vowel():
    at = analyse_app()
    assert not errors(at)
    m = metrics(at)
    assert number(m["Estimated f0"]) == pytest.approx(120.0, rel=0.01)
    assert number(m["Rebuild error"]) < -20
    assert len(at.get("audio")) >= 2
    at.slider(key="fourier_an_n").set_value(3).run()
    assert not errors(at)
    assert number(metrics(at)["Rebuild error"]) > number(m["Rebuild error"])  # fewer harmonics, worse fit
    at.slider(key="fourier_an_start").set_value(1.0).run()
    at.slider(key="fourier_an_periods").set_value(8).run()
    at.slider(key="fourier_an_range").set_value((80, 500)).run()
    assert not errors(at)
    assert number(metrics(at)["Estimated f0"]) == pytest.approx(120.0, rel=0.01)


def test_analyse_the_plucked_string():
    at = analyse_app()
    at.selectbox(key="sample").set_value("Plucked string 220 Hz").run()
    assert not errors(at)
    assert number(metrics(at)["Estimated f0"]) == pytest.approx(220.0, rel=0.01)


@pytest.mark.parametrize("sample", ["White noise", "Drum loop (percussive)"])
def test_aperiodic_recordings_give_a_clear_error(sample):
    at = analyse_app()
    at.selectbox(key="sample").set_value(sample).run()
    assert not at.exception
    assert any("No clear pitch" in e.value or "silent" in e.value for e in at.error)


def test_a_sweep_is_flagged_as_not_periodic():
    at = analyse_app()
    at.selectbox(key="sample").set_value("Chirp 50 Hz to 10 kHz").run()
    at.slider(key="fourier_an_start").set_value(1.9).run()
    assert not errors(at)  # YIN finds a (spurious) dip in the sweep ...
    assert number(metrics(at)["Rebuild error"]) > -6  # ... but the rebuild explains almost nothing
    assert any("not periodic" in w.value for w in at.warning)
