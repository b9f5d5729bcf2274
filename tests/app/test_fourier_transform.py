"""AppTest of the Fourier transform page: the winding machine equals the FFT, phase follows time."""

from __future__ import annotations

import numpy as np
import pytest

from tests.app.helpers import errors, page_app
from tests.app.helpers import metric_starting as metric

PAGE = "app_pages/fourier_transform.py"


@pytest.fixture(scope="module")
def at():
    app = page_app(PAGE).run()
    assert not errors(app)
    return app


def test_winding_at_the_signal_frequency_matches_the_fft(at):
    at.radio(key="ft_view").set_value("Winding machine").run()
    at.selectbox(key="ft_signal").set_value("3 Hz cosine, lifted by 1 (3Blue1Brown)").run()
    at.slider(key="ft_wind_8").set_value(3.0).run()
    # (1 + cos 3 Hz) over 3 s at 200 Hz: half the cosine lines up, |centre| = 1/2, N |centre| = 600/2.
    assert metric(at, "|centre|") == "0.5000"
    assert metric(at, "N × |centre|") == "300.000" == metric(at, "|np.fft.fft(y)[9]|")
    assert metric(at, "Same number?") == "yes, exactly"
    at.slider(key="ft_wind_8").set_value(0.0).run()
    assert metric(at, "|centre|") == "1.0000"  # no winding: the mean, i.e. the DC offset
    at.slider(key="ft_wind_8").set_value(3.1).run()
    assert metric(at, "Same number?").startswith("no")
    at.selectbox(key="ft_signal").set_value("Sung vowel /a/ at 120 Hz (40 ms of audio)").run()
    assert not errors(at)


def test_complex_spectrum_numbers(at):
    at.radio(key="ft_view").set_value("Complex spectrum").run()
    at.select_slider(key="ft_n").set_value(64).run()
    at.slider(key="ft_k1").set_value(5).run()
    at.slider(key="ft_p1").set_value(90).run()  # sin(θ + 90°) = cos θ: the DFT phase is 0
    assert metric(at, "|X[k₁]|") == "32.00" == metric(at, "A·N/2")
    assert metric(at, "∠X[k₁]") == "+0.0°"
    at.slider(key="ft_a1").set_value(0.0).run()
    assert metric(at, "∠X[k₁]") == "undefined (|X| = 0)"
    at.toggle(key="ft_centered").set_value(True).run()
    assert not errors(at)


def test_phase_follows_the_window_start(at):
    at.radio(key="ft_view").set_value("Phase and time").run()
    at.slider(key="ft_ph_t0").set_value(0.5).run()
    # 440 Hz, window 0.5 ms later: 360 * 440 * 0.0005 = 79.2 degrees.
    assert metric(at, "Phase at the tone") == "+79.2°" == metric(at, "Predicted")
    assert metric(at, "|X| at the tone") == "1.000"
    at.slider(key="ft_delay").set_value(8).run()
    assert metric(at, "Slope") == f"{-360 * 8 / 8000 * 1000:+.1f}° per kHz"
    assert not errors(at)
