"""Run one page the way a user reaches it: through Home.py's navigation."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


def page_app(path: str, *, timeout: float = 120) -> AppTest:
    """An AppTest of Home.py switched to ``path`` (e.g. "app_pages/spectrum.py"), not yet run."""
    at = AppTest.from_file(str(ROOT / "Home.py"), default_timeout=timeout)
    at.switch_page(path)
    return at


def run_page(path: str, *, timeout: float = 120) -> AppTest:
    """Run ``path`` with its defaults and return the AppTest."""
    return page_app(path, timeout=timeout).run()


def shown_text(at: AppTest) -> str:
    """Everything the page wrote as text (markdown, captions, metrics, alerts)."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    for kind in (at.error, at.warning, at.info, at.success):
        parts += [e.value for e in kind]
    return "\n".join(str(p) for p in parts)


def errors(at: AppTest) -> list[str]:
    """Messages of st.error elements and exceptions (both should be empty on a good run)."""
    return [e.value for e in at.error] + [e.value for e in at.exception]


def metric(at: AppTest, label: str) -> str:
    """The value of the metric with this label (fails listing the labels shown when there is none)."""
    for m in at.metric:
        if m.label == label:
            return m.value
    raise AssertionError(f"no metric {label!r}; have {[m.label for m in at.metric]}")


def metric_starting(at: AppTest, label_start: str) -> str:
    """The value of the first metric whose label starts with ``label_start`` (labels that carry numbers)."""
    for m in at.metric:
        if m.label.startswith(label_start):
            return m.value
    raise AssertionError(f"no metric {label_start!r} in {[m.label for m in at.metric]}")
