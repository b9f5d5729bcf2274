"""The repository stands alone (issue 14, item 7): its own architecture notes, no pointer outside the clone."""

from __future__ import annotations

import re

from tests.conftest import ROOT


def test_readme_points_to_the_repositorys_own_architecture_notes():
    readme = (ROOT / "README.md").read_text()
    assert "docs/ARCHITECTURE.md" in readme
    assert "shared/DESIGN.md" not in readme  # a clone does not have ../shared


def test_architecture_notes_name_files_that_exist():
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    for section in ("## Layout", "## Data flow", "## Conventions", "## Adding a page", "## Presenter mode"):
        assert section in text, section
    named = set(re.findall(r"`((?:components|lib|tests|bench|app_pages)/[\w/]+\.py)`", text))
    assert named, "no file named"
    missing = sorted(p for p in named if "<" not in p and not (ROOT / p).exists())
    assert not missing, missing
