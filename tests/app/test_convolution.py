"""AppTest of the convolution page: the mechanism, wrap-around, matched filter, listening tabs, timings."""

from __future__ import annotations

import numpy as np

from tests.app.helpers import errors, metric, page_app, shown_text

PAGE = "app_pages/convolution.py"


def shown_step(at) -> str:
    """The y[n] metric's label must name the step the slider shows (a widget that lies fails this)."""
    label = [m.label for m in at.metric if m.label.startswith("y[")][0]
    assert label == f"y[{at.slider(key='cv_n').value}]", (label, at.slider(key="cv_n").value)
    return label


def open_tab(tab: str | None = None, **state):
    at = page_app(PAGE, timeout=240)
    if tab:
        at.session_state["cv_tab"] = tab
    for k, v in state.items():
        at.session_state[k] = v
    return at.run()


def test_mechanism_presets_and_bad_sequences():
    at = open_tab()
    assert not errors(at), errors(at)
    x, h = np.array([1, 0, 0, 0, 0.6]), np.array([1, 0, 0.5, 0, 0.25])
    y = np.convolve(x, h)
    assert metric(at, "Output length N + M − 1") == "9"
    assert metric(at, "y[2]") == f"{y[2]:.4g}"
    at.slider(key="cv_n").set_value(6).run()
    assert metric(at, "y[6]") == f"{y[6]:.4g}"
    assert "same coefficients: **True**" in shown_text(at)
    # shorter sequences: the step slider (at 6) is pulled back inside the new range, not an exception
    at.text_input(key="cv_x").set_value("1, 2, 3").run()
    assert shown_step(at) == "y[6]"  # the range changed (8 -> 6) and the step stayed
    at.text_input(key="cv_h").set_value("1 1").run()
    assert not errors(at), errors(at)
    assert shown_step(at) == "y[3]"
    assert at.selectbox(key="cv_x_preset").value == "Typed by you"  # the preset box does not claim "Two clicks"
    assert metric(at, "Output length N + M − 1") == "4"
    assert at.slider(key="cv_n").value == 3 and metric(at, "y[3]") == "3"
    assert any(r"\big(1 + 2z + 3z^{2}\big)\big(1 + z\big) = 1 + 3z + 5z^{2} + 3z^{3}" in lx.value for lx in at.latex)
    at.selectbox(key="cv_h_preset").set_value("Moving average (3)").run()
    assert at.text_input(key="cv_h").value == "0.3333, 0.3333, 0.3333"
    assert metric(at, "M = len(h)") == "3"
    at.text_input(key="cv_x").set_value("1, two, 3").run()
    assert not at.exception
    assert any("'two'" in e.value for e in at.error)
    at.text_input(key="cv_x").set_value("1, 2").run()
    assert not errors(at)
    at.button(key="cv_demo_0").click().run()  # demo "Moving average": a step through a 3-tap average
    assert not errors(at), errors(at)
    assert at.text_input(key="cv_x").value == "1, 1, 1, 1, 1, 1, 1, 1"
    assert shown_step(at) == "y[4]" and metric(at, "y[4]") == "0.9999"  # three taps of 0.3333 on the step
    at.session_state["present"] = True
    at.run()
    assert not errors(at), errors(at)
    assert metric(at, "y[4]") == "0.9999"


def test_circular_wraps_until_padded_and_the_matched_filter_finds_the_chirp():
    at = open_tab("Linear vs circular")
    assert not errors(at), errors(at)
    assert metric(at, "Samples that wrap") == "4"  # default n = max(N, M) = 5, N + M - 1 = 9
    assert float(metric(at, "Largest error vs linear")) > 0
    at.slider(key="cv_nfft").set_value(9).run()
    assert metric(at, "Samples that wrap") == "0"
    assert float(metric(at, "Largest error vs linear")) < 1e-12
    assert len(at.get("audio")) == 1
    at.toggle(key="cv_circ_pad").set_value(True).run()
    assert not errors(at) and "Linear (padded)" in shown_text(at)

    at = open_tab("Correlation & matched filter")  # (a running AppTest cannot switch tabs)
    assert not errors(at), errors(at)
    assert metric(at, "True start") == metric(at, "Correlation peak")
    at.slider(key="cv_snr").set_value(-30).run()
    assert metric(at, "True start") != metric(at, "Correlation peak")  # too deep for a 100-ms chirp
    at.select_slider(key="cv_chirp_ms").set_value(400).run()  # four times longer: 6 dB more gain
    at.slider(key="cv_snr").set_value(-25).run()
    assert metric(at, "True start") == metric(at, "Correlation peak")


def test_listening_tabs_causality_and_auralise_any_response():
    at = open_tab("Causality")
    assert not errors(at), errors(at)
    assert len(at.get("audio")) == 3
    at = open_tab("Auralise")
    assert not errors(at), errors(at)
    assert len(at.get("audio")) == 2
    assert metric(at, "Response") == "1.44 s"
    assert at.get("download_button")
    at.toggle(key="cv_aur_rev").set_value(True).run()
    assert "(reversed)" in shown_text(at)
    at.radio(key="cv_aur_irsrc").set_value("Measured in this session").run()
    assert not errors(at) and "Nothing measured yet" in shown_text(at)
    at.session_state["ir_library"] = {"Recorded in the browser": (np.r_[1.0, np.zeros(99), 0.5].astype(np.float32),
                                                                  16000)}
    at.run()
    assert not errors(at), errors(at)
    assert metric(at, "Response") == "0.01 s"  # 101 samples at 16 kHz, resampled to the clip's rate


def test_speed_tab_times_every_method():
    at = open_tab("Speed & blocks")
    assert not errors(at), errors(at)
    assert "Press the button" in shown_text(at)
    at.button(key="cv_time").click().run()
    assert not errors(at), errors(at)
    labels = [m.label for m in at.metric]
    for name in ("direct (extrapolated)", "one FFT", "overlap-add", "overlap-save", "partitioned (256)",
                 "scipy oaconvolve"):
        assert name in labels
    assert "taps" in shown_text(at)
    at.select_slider(key="cv_block").set_value(1024).run()
    assert metric(at, "Partitioned FFT") == "2048 points"
    assert metric(at, "Latency") == f"{1000 * 1024 / 22050:.1f} ms"


def test_a_shared_link_with_typed_numbers_opens_them_and_says_so():
    at = page_app(PAGE, timeout=240)
    at.query_params["cv_x"] = "1, 2, 3"
    at.query_params["cv_n"] = "4"
    at.run()
    assert not errors(at), errors(at)
    assert at.text_input(key="cv_x").value == "1, 2, 3"
    assert at.selectbox(key="cv_x_preset").value == "Typed by you"
    assert at.selectbox(key="cv_h_preset").value == "Decaying echo"
    assert shown_step(at) == "y[4]" and metric(at, "y[4]") == f"{np.convolve([1, 2, 3], [1, 0, 0.5, 0, 0.25])[4]:.4g}"
