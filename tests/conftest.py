"""Shared fixtures: the repository root and the real recordings in ../shared/data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("AVE_DATA_DIR", ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """../shared/data, or skip the test when it is absent."""
    if not DATA_DIR.is_dir():
        pytest.skip(f"real recordings not found at {DATA_DIR}")
    return DATA_DIR


def data_file(name: str) -> Path:
    """Path of one real recording, skipping the test if it is absent."""
    path = DATA_DIR / name
    if not path.exists():
        pytest.skip(f"{name} not found in {DATA_DIR}")
    return path
