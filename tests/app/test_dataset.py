"""AppTest of the speech data generator page: preview, distributions, the planner and a small job."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from lib import dataset as ds
from tests.app.helpers import errors, page_app, shown_text

PAGE = "app_pages/dataset.py"


def metric(at, label: str) -> str:
    for m in at.metric:
        if m.label == label:
            return m.value
    raise AssertionError(f"no metric {label!r}; have {[m.label for m in at.metric]}")


def seconds(text: str) -> float:
    return float(text.split()[0])


def test_preview_matches_the_draws_and_the_rt60_slider_moves_them():
    at = page_app(PAGE, timeout=240)
    at.session_state["ds_nprev"] = 2
    at.run()
    assert not errors(at), errors(at)
    p = ds.draw_params(None, 0, 0)
    assert metric(at, "RT60 predicted") == f"{p['rt60_eyring_s']:.2f} s"
    t20 = seconds(metric(at, "T20 measured"))
    assert abs(t20 / p["rt60_eyring_s"] - 1) < 0.1
    assert abs(float(metric(at, "SNR achieved").split()[0]) - p["snr_db"]) < 0.1
    assert len(at.get("audio")) == 3
    at.slider(key="ds_rt60").set_value((1.6, 2.0)).run()
    assert not errors(at), errors(at)
    assert 1.6 <= seconds(metric(at, "RT60 predicted")) <= 2.0
    # the next examples of the same dataset
    at.button(key="ds_next").click().run()
    assert at.session_state["ds_start"] == 2
    assert "Example #2" in shown_text(at)


def test_demo_scenario_and_an_impossible_design():
    at = page_app(PAGE, timeout=240)
    at.session_state["ds_nprev"] = 1
    at.run()
    at.button(key="ds_demo_2").click().run()  # "Phone call": every example coded and band-limited
    assert not errors(at), errors(at)
    table = at.dataframe[0].value
    assert all("kbps" in d and "low-pass" in d for d in table["degradations"])
    at.slider(key="ds_min_dist").set_value(5.0).run()
    at.slider(key="ds_len").set_value((2.0, 3.0)).run()
    at.slider(key="ds_wid").set_value((2.0, 3.0)).run()
    assert any("Could not place" in e for e in errors(at))


def test_distributions_tab_and_its_check():
    at = page_app(PAGE, timeout=240)
    at.session_state["ds_tab"] = "Distributions"
    at.session_state["ds_ndraw"] = 200
    at.session_state["ds_ncheck"] = 8
    at.run()
    assert not errors(at), errors(at)
    assert metric(at, "With a codec").endswith("%")
    at.toggle(key="ds_check").set_value(True).run()
    assert not errors(at), errors(at)
    assert "T20 within" in shown_text(at)


def test_generate_tab_plans_and_runs_a_small_job(tmp_path):
    at = page_app(PAGE, timeout=240)
    at.session_state["ds_run_dir"] = str(tmp_path)
    at.session_state["ds_tab"] = "Generate"
    at.session_state["ds_dur"] = 1.0
    at.session_state["ds_sr"] = 8000
    at.run()
    assert not errors(at), errors(at)
    assert metric(at, "Examples") == "360,000"  # 100 h of 1-s examples
    code = "\n".join(c.value for c in at.code)
    assert "python -m pipeline.generate --speech demo --out artifacts/dataset --n 360000 --seed 0" in code
    assert 'duration_s = 1.0' in code
    at.number_input(key="ds_run_n").set_value(3).run()
    at.button(key="ds_run").click().run()
    assert not errors(at), errors(at)
    last = at.session_state["ds_last_run"]
    assert last["examples"] == 3 and last["out"].startswith(str(tmp_path))
    df = pq.read_table(last["manifest"]).to_pandas()
    assert df["index"].tolist() == [0, 1, 2] and (df["sr"] == 8000).all()
    assert "3 examples" in shown_text(at)
