"""Every page (and Home's navigation) runs with defaults and raises nothing."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from components.nav import PAGES
from tests.app.helpers import errors, run_page, shown_text
from tests.conftest import ROOT


def test_home_navigation_lists_every_page():
    at = AppTest.from_file(str(ROOT / "Home.py"), default_timeout=60).run()
    assert not at.exception
    text = shown_text(at)
    for info in PAGES[1:]:
        assert info.teaches[:30] in text


@pytest.mark.parametrize("info", PAGES, ids=[p.path for p in PAGES])
def test_page_runs_with_defaults(info):
    at = run_page(info.path)
    assert not errors(at)
