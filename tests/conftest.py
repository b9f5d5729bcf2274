"""Shared fixtures: the repository root and the real recordings in ../shared/data."""

from __future__ import annotations

import functools
import inspect
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# numba writes a @guvectorize function's two cache files with two separate renames, so two processes
# compiling the same function at once can leave a mismatched pair that segfaults every later load
# (numba/numba#10128; librosa.pyin's localmin). The suite runs in two xdist workers plus the servers
# and Dask workers they start: each xdist worker gets its own cache folder (inherited by what it
# starts, which it waits on), so no two processes ever write one cache at the same time.
if os.environ.get("PYTEST_XDIST_WORKER") and "NUMBA_CACHE_DIR" not in os.environ:
    import tempfile

    os.environ["NUMBA_CACHE_DIR"] = str(
        Path(tempfile.gettempdir()) / f"ave-numba-{os.getuid()}-{ROOT.name}-{os.environ['PYTEST_XDIST_WORKER']}")


def _find_data_dir() -> Path:
    """$AVE_DATA_DIR, else the nearest ``shared/data`` above the repository (a clone or a worktree)."""
    if os.environ.get("AVE_DATA_DIR"):
        return Path(os.environ["AVE_DATA_DIR"])
    candidates = [parent / "shared" / "data" for parent in ROOT.parents[:3]]
    return next((c for c in candidates if c.is_dir()), candidates[0])


DATA_DIR = _find_data_dir()


@functools.lru_cache(maxsize=None)
def uses_recordings(func) -> bool:
    """Whether a test reads the real recordings (calls ``data_file`` or takes the ``data_dir`` fixture)."""
    try:
        source = inspect.getsource(func)
    except (OSError, TypeError):
        return False
    return "data_file(" in source or "data_dir" in inspect.signature(func).parameters


def pytest_collection_modifyitems(config, items):
    """Mark every test that needs ../shared/data with ``data``, so ``-m data`` selects them and the
    summary below can say how many were skipped."""
    for item in items:
        func = getattr(item, "function", None)
        if func is not None and (uses_recordings(func) or "data_dir" in getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.data)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if "data" in getattr(r, "keywords", {})]
    if skipped:
        terminalreporter.write_line(
            f"{len(skipped)} test(s) marked 'data' were skipped: the real recordings were not found at {DATA_DIR} "
            "(set AVE_DATA_DIR to run them).", yellow=True)


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real recordings (../shared/data), or skip the test when they are absent."""
    if not DATA_DIR.is_dir():
        pytest.skip(f"real recordings not found at {DATA_DIR}")
    return DATA_DIR


def data_file(name: str) -> Path:
    """Path of one real recording, skipping the test if it is absent."""
    path = DATA_DIR / name
    if not path.exists():
        pytest.skip(f"{name} not found in {DATA_DIR}")
    return path
