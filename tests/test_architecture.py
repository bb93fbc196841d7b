"""ARCHITECTURE.md stays true: every module it names exists, and every module is on the map."""

from __future__ import annotations

import re

from .conftest import REPO

PACKAGE = REPO / "src" / "grove_schema"
ARCHITECTURE = REPO / "ARCHITECTURE.md"
# A module or folder in backticks: `replay.py`, `sql/lexer.py`, `commands/`.
_NAMED_PATH = re.compile(r"`([a-z_0-9]+(?:/[a-z_0-9]+)*(?:\.py|/))`")


def named_paths() -> set[str]:
    """Paths below src/grove_schema/ (the map's own convention); repository paths are left out."""
    found = _NAMED_PATH.findall(ARCHITECTURE.read_text(encoding="utf-8"))
    return {path for path in found if not path.startswith(("src/", "tests/"))}


def package_modules() -> set[str]:
    return {
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if path.name != "__init__.py" and "__pycache__" not in path.parts
    }


def test_every_module_the_map_names_exists() -> None:
    missing = sorted(path for path in named_paths() if not (PACKAGE / path).exists())
    assert missing == []


def test_every_module_is_on_the_map() -> None:
    named = named_paths()
    assert sorted(package_modules() - named) == []


def test_the_map_names_the_pipeline_and_the_invariants() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    for heading in ("## Bird's-eye view", "## Invariants", "## Code map"):
        assert heading in text
    assert "model_catalog(schema)" in text and "does no I/O" in text
