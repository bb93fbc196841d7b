"""The codebase's own contracts: ruff and mypy clean, a pure core, lazy imports."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

from .conftest import REPO

PACKAGE = REPO / "src" / "grove_schema"
CORE_CONTRACT = "The core never imports the command line, the terminal or the renderers"


def contracts() -> dict[str, dict[str, Any]]:
    with (REPO / "pyproject.toml").open("rb") as handle:
        listed = tomllib.load(handle)["tool"]["importlinter"]["contracts"]
    return {contract["name"]: contract for contract in listed}


def top_level_modules() -> set[str]:
    """grove_schema's modules and subpackages, one level down (`grove_schema.sql`, not its modules)."""
    names = {f"grove_schema.{path.stem}" for path in PACKAGE.glob("*.py") if path.stem != "__init__"}
    names |= {f"grove_schema.{path.parent.name}" for path in PACKAGE.glob("*/__init__.py")}
    return names


def test_the_import_contracts_hold() -> None:
    linter = Path(sys.executable).with_name("lint-imports")
    completed = subprocess.run([str(linter)], cwd=REPO, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_every_module_is_placed_in_the_core_or_at_the_edges() -> None:
    """A new module must join the core contract's list or its forbidden edges: none escapes the layers."""
    core = contracts()[CORE_CONTRACT]
    placed = set(core["source_modules"]) | {m for m in core["forbidden_modules"] if m.startswith("grove_schema.")}
    assert top_level_modules() - placed == set()
    assert {m for m in placed if m.startswith("grove_schema.")} - top_level_modules() == set()


def test_importing_the_cli_stays_light() -> None:
    code = (
        "import sys, grove_schema.cli; "
        "print(sorted(m for m in ('sqlglot', 'networkx', 'rich', 'graphviz', 'pydantic', 'apsw') if m in sys.modules))"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "[]"


def test_ruff_is_clean() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "src", "tests"], cwd=REPO, capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_mypy_is_clean() -> None:
    completed = subprocess.run([sys.executable, "-m", "mypy"], cwd=REPO, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout + completed.stderr
