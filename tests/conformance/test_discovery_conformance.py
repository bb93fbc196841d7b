"""Discovery against real local D1: wrangler applies symlinks, dot-files and names that are not
plain numbers in exactly the order grove-schema replays, and stops with EISDIR at a directory
named `.sql` (grove-schema's `unappliable-entry`)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from grove_schema.discovery import survey_stream
from tests.conformance.wrangler_driver import D1Project, Engine

pytestmark = pytest.mark.conformance


def _applied(project: D1Project) -> list[str]:
    (rows,) = project.query("SELECT name FROM d1_migrations ORDER BY id")
    return [str(row["name"]) for row in rows]


def test_wrangler_applies_what_discovery_lists_in_its_order(d1_engine: Engine, tmp_path: Path) -> None:
    project = D1Project(d1_engine, tmp_path)
    names = {
        "0001_a.sql": "a", "0002_b.sql": "b", "-1_neg.sql": "neg", "+3_plus.sql": "plus",
        "\u0660\u0660\u0664_arabic.sql": "arabic", ".0005_hidden.sql": "hidden", "0x10_hex.sql": "hex",
    }  # fmt: skip
    for name, table in names.items():
        project.write(name, f"CREATE TABLE {table} (x);\n")
    (tmp_path / "target.sql").write_text("CREATE TABLE linked (x);\n")
    os.symlink(tmp_path / "target.sql", project.migrations / "0006_link.sql")
    survey = survey_stream(project.migrations)
    result = project.apply()
    assert result.ok, result.output[-2000:]
    assert _applied(project) == survey.applied == [m.name for m in survey.files]
    assert {f.name for f in survey.findings} == {"symlinked-migration", "hidden-migration", "surprising-order"}


def test_a_directory_named_sql_stops_wrangler(d1_engine: Engine, tmp_path: Path) -> None:
    project = D1Project(d1_engine, tmp_path)
    project.write("0001_a.sql", "CREATE TABLE a (x);\n")
    (project.migrations / "0002_dir.sql").mkdir()
    project.write("0003_c.sql", "CREATE TABLE c (x);\n")
    survey = survey_stream(project.migrations)
    result = project.apply()
    assert result.returncode != 0 and any("EISDIR" in error for error in result.errors), result.output[-2000:]
    assert _applied(project) == ["0001_a.sql"]  # the files after the directory never run
    assert [f.name for f in survey.findings] == ["unappliable-entry"]
    assert "0003_c.sql" in survey.findings[0].message
