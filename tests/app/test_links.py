"""Shared links restore the whole view (issue 14, item 2): every bound widget, every page.

The views are in ``tests/links.py``; the browser test reads the same values back from Chromium.
"""

from __future__ import annotations

import re

import pytest

from tests.app.helpers import errors, page_app
from tests.links import LINKS, NOT_IN_LINKS, url_params



def bound_and_unbound(at) -> tuple[set[str], set[str]]:
    """Keys of the widgets drawn in the last run that are / are not bound to the URL."""
    state = at.session_state._state._state
    id_to_key = state._key_id_mapper.id_key_mapping
    bound = {id_to_key[i] for i in state._query_param_bound_widget_ids if i in id_to_key}
    return bound, set(id_to_key.values()) - bound


def run_link(page: str, view: dict):
    at = page_app(page)
    for k, v in url_params(view).items():
        at.query_params[k] = v
    return at.run()


def same(got, want) -> bool:
    if isinstance(want, tuple):
        return got is not None and len(got) == len(want) and all(same(g, w) for g, w in zip(got, want))
    if isinstance(want, float):
        return got == pytest.approx(want, abs=1e-9)
    return got == want


@pytest.mark.parametrize("page", list(LINKS), ids=[p.split("/")[-1][:-3] for p in LINKS])
def test_links_restore_every_control_and_cover_every_bound_widget(page):
    """Each view's link restores each control; together the views cover every bound widget, and every
    keyed widget that is not bound is one that cannot or should not be in a link."""
    bound, unbound = set(), set()
    for view in [{}] + LINKS[page]:
        at = run_link(page, view)
        assert not errors(at), (view, errors(at))
        wrong = {k: (at.session_state[k] if k in at.session_state else "missing", want)
                 for k, (_, want) in view.items() if k not in at.session_state or not same(at.session_state[k], want)}
        assert not wrong, f"link values not restored (got, wanted): {wrong}"
        b, u = bound_and_unbound(at)
        bound |= b
        unbound |= u
    covered = set().union(*[v.keys() for v in LINKS[page]]) | {"present"}
    assert not bound - covered, f"bound widgets without a link value in tests/links.py: {sorted(bound - covered)}"
    loose = {k for k in unbound - bound if not any(re.search(p, k) for p in NOT_IN_LINKS)}
    assert not loose, f"widgets that define the view but are not bound to the URL: {sorted(loose)}"
