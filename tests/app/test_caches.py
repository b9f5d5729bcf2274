"""Every Streamlit cache that can hold more than one entry is bounded (issue 15: memory without bound).

An unbounded ``st.cache_data`` keyed by user input (an upload, a slider) grows with every visitor;
one of them held three float64 spectrograms per clip, 32 entries deep, and a server went from 0.2 to
7.4 GB. A cache of a function without arguments has one entry and needs no bound.
"""

from __future__ import annotations

import ast

from tests.conftest import ROOT


def test_every_cache_with_arguments_has_max_entries_or_ttl():
    unbounded = []
    for path in sorted([*ROOT.glob("app_pages/*.py"), *ROOT.glob("components/*.py"), ROOT / "Home.py"]):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for dec in node.decorator_list:
                call = dec if isinstance(dec, ast.Call) else None
                if ast.unparse(call.func if call else dec) not in ("st.cache_data", "st.cache_resource"):
                    continue
                bounded = call is not None and {k.arg for k in call.keywords} & {"max_entries", "ttl"}
                has_args = bool(node.args.args or node.args.kwonlyargs or node.args.vararg or node.args.kwarg)
                if has_args and not bounded:
                    unbounded.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert not unbounded, "caches without max_entries/ttl: " + ", ".join(unbounded)
