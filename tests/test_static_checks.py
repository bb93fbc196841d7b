"""The codebase's own contracts: ruff and mypy clean, a pure core, lazy imports."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO

PACKAGE = REPO / "src" / "grove_schema"
# The pure core never reaches for the command line, the terminal or the renderers.
CORE_MODULES = [
    "errors", "findings", "sql/lexer", "sql/parsing", "model", "schema_changes", "catalog", "discovery",
    "sources", "config", "replay", "project", "devdb", "numbering", "locking", "scaffold", "graph",
    "ownership", "planning", "sql/quoting", "sql/references", "sql/ddl", "consolidation", "drop_plan",
    "rules/base", "rules/alter_table", "rules/safety", "rules/limits", "rules/d1_platform",
]
EDGE_IMPORTS = ("grove_schema.cli", "grove_schema.reporting", "grove_schema.inspection", "rich", "graphviz")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_does_not_import_the_edges(module: str) -> None:
    path = PACKAGE / f"{module}.py"
    if not path.exists():
        pytest.fail(f"core module {module} is missing")
    bad = {name for name in imported_modules(path) if name.startswith(EDGE_IMPORTS)}
    assert bad == set(), f"{module} imports {bad}"


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
