"""The aliasing page through Home.py's navigation: every control moved, extreme values, shared links."""

from __future__ import annotations

import numpy as np
import pytest

from lib import aliasing as al
from tests.app.helpers import errors, page_app, run_page, shown_text

PAGE = "app_pages/aliasing.py"
TABS = ("Hear it fold (sweep)", "Real audio: decimation", "Harmonics fold too", "Wagon wheel")


def metric(at, label: str) -> str:
    for m in at.metric:
        if m.label == label:
            return m.value
    raise AssertionError(f"no metric {label!r}; have {[m.label for m in at.metric]}")


def fmt_hz(x: float) -> str:  # the page's format
    return f"{x:.5g} Hz" if abs(x) < 1000 else f"{x / 1000:.4g} kHz"


@pytest.fixture()
def at():
    return run_page(PAGE)


def open_tab(at, name):
    at.session_state["alias_tab"] = name
    return at.run()


def test_defaults_show_the_anchor_example(at):
    assert not errors(at)
    assert metric(at, "Apparent frequency") == "30 Hz"
    assert metric(at, "Fold count") == "1"
    assert metric(at, "Samples per cycle") == "1.43"
    assert metric(at, "Nyquist fs/2") == "50 Hz"
    assert at.number_input(key="alias_f_num").value == 70.0
    assert at.number_input(key="alias_fs_num").value == 100.0
    assert "above Nyquist" in shown_text(at)
    assert len(at.get("plotly_chart")) >= 4  # time plot, folding, spectrum, sweep (default tab)


def test_slider_and_number_input_stay_in_sync(at):
    at.number_input(key="alias_f_num").set_value(130.5).run()
    assert at.slider(key="alias_f").value == 130.5
    assert metric(at, "Apparent frequency") == "30.5 Hz"
    at.slider(key="alias_fs").set_value(40.0).run()
    assert at.number_input(key="alias_fs_num").value == 40.0
    assert metric(at, "Apparent frequency") == fmt_hz(al.alias_frequency(130.5, 40.0))
    assert not errors(at)


@pytest.mark.parametrize("f, fs", [(70, 100), (300, 100), (130, 100), (1234, 100), (2000, 1), (0.3, 1),
                                   (1999.5, 13.5), (49.5, 100)])
def test_readouts_match_the_library(at, f, fs):
    at.slider(key="alias_fs").set_value(float(fs))
    at.slider(key="alias_f").set_value(float(f)).run()
    assert not errors(at)
    assert metric(at, "Apparent frequency") == fmt_hz(al.alias_frequency(f, fs))
    assert metric(at, "Fold count") == str(al.fold_count(f, fs))
    assert metric(at, "Samples per cycle") == f"{fs / f:.3g}"


def test_extreme_f_zero_is_dc(at):
    at.slider(key="alias_f").set_value(0.0).run()
    assert not errors(at)
    assert metric(at, "Apparent frequency") == "0 Hz"
    assert metric(at, "Samples per cycle") == "∞ (DC)"
    assert "constant (DC)" in shown_text(at)


def test_extreme_f_far_above_fs_and_fs_one_hertz(at):
    at.slider(key="alias_fs").set_value(1.0)
    at.slider(key="alias_f").set_value(2000.0).run()  # f = 2000 fs
    assert not errors(at)
    assert metric(at, "Apparent frequency") == "0 Hz"
    assert metric(at, "Fold count") == "3999"
    text = shown_text(at)
    assert "too many to draw" in text and "2,000× fs" in text


def test_exactly_at_nyquist_warns_about_phase(at):
    at.slider(key="alias_f").set_value(50.0).run()
    assert "exactly on Nyquist" in shown_text(at)
    assert metric(at, "Apparent frequency") == "50 Hz"
    at.slider(key="alias_phase").set_value(90).run()
    assert not errors(at)


def test_every_reconstruction_phase_and_ghost_count(at):
    for method in ("sinc", "linear", "zoh", "none"):
        at.radio(key="alias_recon").set_value(method).run()
        assert not errors(at), method
    at.slider(key="alias_phase").set_value(200).run()
    at.slider(key="alias_ghosts").set_value(0).run()
    assert not errors(at)
    at.slider(key="alias_ghosts").set_value(5).run()
    assert not errors(at)


def test_a_shared_link_restores_the_view():
    at = page_app(PAGE)
    at.query_params["alias_f"] = "120"
    at.query_params["alias_tab"] = "Wagon wheel"
    at.run()
    assert not errors(at)
    assert at.slider(key="alias_f").value == 120.0
    assert metric(at, "Apparent frequency") == "20 Hz"
    assert metric(at, "True speed") == "3.8 turns/s"


# ----------------------------------------------------------------------------------------------
# Sweep
# ----------------------------------------------------------------------------------------------
def test_sweep_controls(at):
    for mode in ("zoh", "raw", "sinc"):
        at.radio(key="alias_sweep_play").set_value(mode).run()
        assert not errors(at), mode
    at.selectbox(key="alias_sweep_fs").set_value(4000)
    at.slider(key="alias_sweep_end").set_value(9000)
    at.slider(key="alias_sweep_dur").set_value(2.0).run()
    assert not errors(at)
    text = shown_text(at)
    folds = al.fold_count(9000, 4000)
    assert f"heard at {al.alias_frequency(9000, 4000):.0f} Hz after {folds} folds" in text
    assert len(at.get("audio")) == 2


# ----------------------------------------------------------------------------------------------
# Real audio
# ----------------------------------------------------------------------------------------------
def test_decimation_defaults_and_every_filter(at):
    open_tab(at, TABS[1])
    assert not errors(at)
    assert metric(at, "New sample rate") == "5.513 kHz"  # 22050 / 4
    assert metric(at, "New Nyquist") == "2.756 kHz"
    naive = float(metric(at, "Energy that folds (naive)").split()[0])
    filt = float(metric(at, "Energy that folds (filtered)").split()[0])
    assert filt < naive - 10  # the filter removes most of what would fold
    assert len(at.get("audio")) == 3
    for kind in ("cheby2", "fir", "butter"):
        at.radio(key="alias_filter").set_value(kind).run()
        assert not errors(at), kind
    at.radio(key="alias_filter").set_value("fir").run()
    at.slider(key="alias_taps").set_value(512).run()
    assert not errors(at)
    at.radio(key="alias_filter").set_value("butter").run()
    at.slider(key="alias_order").set_value(2)
    at.slider(key="alias_cutoff").set_value(0.5).run()
    assert not errors(at)
    at.slider(key="alias_factor").set_value(16).run()
    assert not errors(at)
    assert metric(at, "New sample rate") == fmt_hz(22050 / 16)


def test_decimation_factor_one_and_other_clips(at):
    open_tab(at, TABS[1])
    at.slider(key="alias_factor").set_value(1).run()
    assert not errors(at)
    assert "Factor 1 keeps every sample" in shown_text(at)
    at.selectbox(key="sample").set_value("Chirp 50 Hz to 10 kHz").run()
    at.slider(key="alias_factor").set_value(3).run()
    assert not errors(at)
    assert metric(at, "New sample rate") == fmt_hz(22050 / 3)


def test_a_clip_too_short_to_decimate_gives_a_clear_message(at):
    open_tab(at, TABS[1])
    at.slider(key="alias_factor").set_value(16)
    at.number_input(key="alias_seg_len").set_value(0.001).run()  # 22 samples < 2 x 16
    assert not at.exception
    assert any("too short to decimate" in e.value for e in at.error)
    at.number_input(key="alias_seg_len").set_value(2.0)
    at.number_input(key="alias_seg_start").set_value(500.0).run()  # past the end of the clip
    assert not at.exception
    assert any("empty" in e.value for e in at.error)


# ----------------------------------------------------------------------------------------------
# Harmonics and the wheel
# ----------------------------------------------------------------------------------------------
def test_harmonics_controls_and_counts(at):
    open_tab(at, TABS[2])
    assert not errors(at)
    assert any(p.proto.page == "app_pages/fourier.py" or "fourier" in str(p.proto) for p in at.get("page_link"))
    for shape in ("sawtooth", "triangle", "square"):
        at.radio(key="alias_wave").set_value(shape).run()
        assert not errors(at), shape
    at.slider(key="alias_f0").set_value(1500)
    at.slider(key="alias_nh").set_value(12)
    at.selectbox(key="alias_h_fs").set_value(16000).run()
    assert not errors(at)
    freqs, _, _ = al.harmonic_series("square", 1500, 12)
    assert metric(at, "Harmonics above Nyquist") == f"{int((freqs >= 8000).sum())} of 12"
    at.slider(key="alias_nh").set_value(1)
    at.selectbox(key="alias_h_fs").set_value(44100).run()
    assert metric(at, "Harmonics above Nyquist") == "0 of 1"
    assert metric(at, "Power that folds") == "0.00 %"


def test_wagon_wheel_freezes_and_reverses(at):
    open_tab(at, TABS[3])
    assert metric(at, "Apparent speed") == "-0.2 turns/s"
    at.slider(key="alias_rps").set_value(4.0).run()
    assert metric(at, "Apparent speed") == "+0 turns/s"
    assert "standing still" in str(at.metric[[m.label for m in at.metric].index("Apparent speed")].delta)
    at.toggle(key="alias_paint").set_value(True).run()  # one painted spoke: only a full turn repeats
    assert metric(at, "Apparent speed") == f"{al.wheel_apparent_rate(4.0, 24, n_spokes=1):+.3g} turns/s"
    at.slider(key="alias_fps").set_value(1)
    at.slider(key="alias_spokes").set_value(1)
    at.slider(key="alias_rps").set_value(0.0).run()
    assert not errors(at)
    assert len(at.get("html")) == 1  # the film


# ----------------------------------------------------------------------------------------------
# Figure builders (no streamlit): titles and axis titles with units
# ----------------------------------------------------------------------------------------------
def test_figures_have_titles_and_units():
    from components import aliasing_figures as af

    t = np.linspace(0, 0.1, 200)
    figs = [
        af.sampling_figure(t, np.sin(t), t[::10], np.sin(t[::10]), recon=np.sin(t), ghosts=[("g", t)]),
        af.folding_figure(70, 100, *al.folding_polyline(160, 100), 30),
        af.alias_spectrum_figure(70, 100, al.image_frequencies(70, 100, 160), 30, 160),
        af.harmonics_figure(*al.harmonic_series("square", 440, 10)[:2], al.alias_frequency(
            al.harmonic_series("square", 440, 10)[0], 8000), 8000),
        af.sweep_figure(t, t * 100, t * 50, 8000),
        af.filter_figure(np.linspace(0, 8000, 50), np.zeros(50), 2000, 1800),
    ]
    for fig in figs:
        lay = fig.layout
        assert lay.title.text
        assert "(" in lay.xaxis.title.text and lay.yaxis.title.text  # units in the x title
    html = af.wheel_film_html(al.wheel_angles(3.8, 24, 96), 6, 24, marked=True)
    assert "data:image/svg+xml;base64," in html and "looping every 4.0 s" in html
