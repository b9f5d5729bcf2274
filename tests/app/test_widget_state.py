"""Widgets show what the page computes with (issue 14, item 1), presenter mode and demo scenarios (item 3).

Each flow ends by comparing the value a control shows with the value the metrics were computed from.
"""

from __future__ import annotations

import logging

import pytest

from components.nav import PAGES, learning_path, next_page
from tests.app.helpers import errors, page_app

SR = 22050  # every built-in sample's rate


def metric(at, label: str) -> str:
    for m in at.metric:
        if m.label == label:
            return m.value
    raise AssertionError(f"no metric {label!r} in {[m.label for m in at.metric]}")


def spectrogram_consistent(at) -> None:
    """win_length and hop_length shown equal the window and hop the metrics used."""
    win = at.select_slider(key="sg_win").value
    hop = at.select_slider(key="sg_hop").value
    nfft = at.select_slider(key="sg_nfft").value
    assert win <= nfft and hop <= win
    assert float(metric(at, "Window (ms)")) == pytest.approx(1000 * win / SR, abs=0.06)
    assert float(metric(at, "Δt (ms)")) == pytest.approx(1000 * hop / SR, abs=0.06)
    assert float(metric(at, "Δf (Hz)")) == pytest.approx(SR / nfft, abs=0.06)


def test_spectrogram_window_follows_n_fft_down_and_back_up():
    at = page_app("app_pages/spectrogram.py").run()
    spectrogram_consistent(at)
    at.select_slider(key="sg_nfft").set_value(256).run()
    assert at.select_slider(key="sg_win").value == 256
    at.select_slider(key="sg_nfft").set_value(4096).run()
    # The window comes back up with n_fft (it used to stay at 256: Δf 5.4 Hz with a 12 ms window).
    assert at.select_slider(key="sg_win").value == 4096
    assert at.select_slider(key="sg_hop").value == 1024  # the 75 % overlap is kept
    assert metric(at, "Overlap") == "75 %"
    spectrogram_consistent(at)
    assert not errors(at)


def test_spectrogram_zero_padding_ratio_is_kept():
    at = page_app("app_pages/spectrogram.py").run()
    at.select_slider(key="sg_win").set_value(1024).run()  # n_fft 2048: zero-padding x2
    at.select_slider(key="sg_nfft").set_value(8192).run()
    assert at.select_slider(key="sg_win").value == 4096
    at.select_slider(key="sg_nfft").set_value(512).run()
    assert at.select_slider(key="sg_win").value == 256
    spectrogram_consistent(at)


@pytest.mark.parametrize("source", ["Upload a file", "Record with the microphone"])
def test_choosing_upload_keeps_the_page_and_its_controls(source):
    """Choosing Upload used to stop the page before its controls, which then forgot their values."""
    at = page_app("app_pages/spectrogram.py").run()
    at.select_slider(key="sg_nfft").set_value(4096).run()
    at.select_slider(key="sg_hop").set_value(256).run()
    at.radio(key="sg_source").set_value(source).run()
    assert not errors(at)
    # The page keeps running on the built-in sample and says so.
    assert any("until" in i.value and "Speech with fricatives" in i.value for i in at.info)
    assert at.select_slider(key="sg_win").value == 4096 and at.select_slider(key="sg_hop").value == 256
    spectrogram_consistent(at)
    at.radio(key="sg_source").set_value("Built-in sample").run()
    assert at.select_slider(key="sg_win").value == 4096 and at.select_slider(key="sg_hop").value == 256
    spectrogram_consistent(at)


def test_time_domain_hop_follows_the_frame_both_ways():
    at = page_app("app_pages/time_domain.py").run()
    assert at.select_slider(key="td_hop").value == 512
    at.select_slider(key="td_frame").set_value(256).run()
    assert at.select_slider(key="td_hop").value == 128
    at.select_slider(key="td_frame").set_value(4096).run()
    assert at.select_slider(key="td_hop").value == 2048
    hop = at.select_slider(key="td_hop").value
    assert float(metric(at, "Hop (ms)")) == pytest.approx(1000 * hop / SR, abs=0.06)


def test_the_sample_choice_follows_the_user_to_the_next_page():
    at = page_app("app_pages/spectrogram.py").run()
    at.selectbox(key="sample").set_value("Drum loop (percussive)").run()
    at.switch_page("app_pages/spectrum.py").run()
    assert at.selectbox(key="sample").value == "Drum loop (percussive)"
    assert not errors(at)


def test_demo_scenario_sets_a_whole_view():
    at = page_app("app_pages/spectrogram.py").run()
    at.button(key="sg_demo_0").click().run()  # "Two tones, long window"
    assert at.selectbox(key="sample").value == "Two close tones 440 + 460 Hz"
    assert at.select_slider(key="sg_nfft").value == 4096
    assert at.slider(key="sg_fview").value == (300.0, 600.0)
    spectrogram_consistent(at)
    at.button(key="sg_demo_1").click().run()  # "Two tones, short window"
    assert at.select_slider(key="sg_win").value == 256
    spectrogram_consistent(at)


def test_presenter_mode_puts_inputs_in_the_main_area():
    at = page_app("app_pages/spectrogram.py")
    at.session_state["present"] = True
    at.run()
    assert not errors(at)
    # no "Try first" box and no sample picker in the sidebar: they are in the header and at the top
    assert not any("Try first" in i.value for i in at.info)
    assert not any(s.key == "sample" for s in at.sidebar.selectbox)
    assert any(s.key == "sample" for s in at.main.selectbox)
    at.button(key="present_exit").click().run()
    assert any("Try first" in i.value for i in at.info)


def test_next_page_follows_the_learning_path():
    steps = learning_path()
    assert next_page(PAGES[0].path) == steps[0]  # the landing page points at the first step
    for a, b in zip(steps, steps[1:]):
        assert next_page(a.path) == b
    assert next_page(steps[-1].path) is None
    assert next_page("app_pages/nowhere.py") is None


def test_next_link_is_under_each_page():
    at = page_app("app_pages/time_domain.py").run()
    links = [p for p in at.main.get("page_link")]
    assert any("Next" in str(p.proto.label) and p.proto.page.endswith("aliasing.py") or
               "Aliasing" in str(p.proto.label) for p in links)


def test_exact_value_box_does_not_warn(caplog):
    """The aliasing page's exact-value boxes logged 'default value but also set via Session State API'."""
    from streamlit.elements.lib import policies

    policies._shown_default_value_warning = False  # Streamlit logs it once per process
    at = page_app("app_pages/aliasing.py").run()
    with caplog.at_level(logging.WARNING):
        at.number_input(key="alias_f_num").set_value(1500.0).run()
        at.number_input(key="alias_fs_num").set_value(400.0).run()
    assert at.slider(key="alias_f").value == 1500.0 and at.slider(key="alias_fs").value == 400.0
    assert not [r for r in caplog.records if "Session State API" in r.getMessage()]
