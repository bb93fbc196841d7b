"""A failing statement against real local D1: wrangler rolls its whole file back and applies no
later file, so what D1 holds is what the files before it created. `check`'s summary counts those
tables and names the files D1 would not apply."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from grove_schema.cli import main
from tests.conformance.wrangler_driver import OWNERSHIP_TOML, D1Project, Engine

pytestmark = pytest.mark.conformance

FILES = {
    "0001_a.sql": "CREATE TABLE a (x);\n",
    # the third statement fails: b1 and b2 were created before it, b3 after it
    "0002_b.sql": "CREATE TABLE b1 (x);\nCREATE TABLE b2 (x);\nALTER TABLE missing ADD COLUMN y TEXT;\n"
    "CREATE TABLE b3 (x);\n",
    "0003_c.sql": "CREATE TABLE c (x);\n",
}


def test_a_failing_statement_rolls_back_its_file_and_stops_the_apply(
    d1_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = D1Project(d1_engine, tmp_path)
    for name, sql in FILES.items():
        project.write(name, sql)
    result = project.apply()
    assert result.failed_file == "0002_b.sql", result.output[-2000:]
    assert "no such table: missing" in result.error
    (rows,) = project.query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' "
        "AND name NOT IN ('d1_migrations', 'sqlite_sequence') ORDER BY name"
    )
    held = [str(row["name"]) for row in rows]
    assert held == ["a"]  # b1 and b2 rolled back with their file; 0003_c.sql never ran
    assert project.recorded() == {"0001_a.sql"}
    assert project.unapplied() == ["0002_b.sql", "0003_c.sql"]

    (tmp_path / "ownership.toml").write_text(OWNERSHIP_TOML, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    assert main(["check", "--format", "json"], out=out, err=io.StringIO()) == 1
    summary = json.loads(out.getvalue())["summary"]
    assert summary["tables"] == {"db": len(held)}
    assert summary["not_applied"] == {"db": ["0002_b.sql", "0003_c.sql"]}
