"""`grove-schema status` against real local D1: after the applied migrations are locked, the
pending ones are exactly what `wrangler d1 migrations list --local` lists, in the order
`wrangler d1 migrations apply` then applies them. (`list` itself shows them sorted by name as
text, 10_ten.sql before 9_nine.sql, though `apply` runs 9 before 10: status shows apply's order.)"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from grove_schema.cli import main
from tests.conformance.wrangler_driver import OWNERSHIP_TOML, D1Project, Engine

pytestmark = pytest.mark.conformance


def _status(root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, list[tuple[str, str]]]:
    monkeypatch.chdir(root)
    out, err = io.StringIO(), io.StringIO()
    code = main(["status"], out=out, err=err)
    rows = [tuple(line.split()) for line in out.getvalue().splitlines() if line.startswith("  ") and "  " in line[2:]]
    return code, [(state, name) for state, name in rows]


def test_pending_is_what_wrangler_lists(d1_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = D1Project(d1_engine, tmp_path)
    (tmp_path / "ownership.toml").write_text(OWNERSHIP_TOML, encoding="utf-8")
    project.write("0001_a.sql", "CREATE TABLE a (x);\n")
    project.write("0002_b.sql", "CREATE TABLE b (x);\n")
    assert project.apply().ok
    monkeypatch.chdir(tmp_path)
    assert main(["lock"], out=io.StringIO(), err=io.StringIO()) == 0  # the ritual: lock what production applied
    for name in ("10_ten.sql", "9_nine.sql", "0003_c.sql", "notes.sql"):
        project.write(name, f"CREATE TABLE t_{name.split('.')[0].split('_')[0]} (x);\n")
    code, rows = _status(tmp_path, monkeypatch)
    assert code == 0
    pending = [name for state, name in rows if state == "pending"]
    listed = project.unapplied()
    assert sorted(pending) == sorted(listed) and len(pending) == 4
    assert listed == sorted(listed)  # wrangler's list: by name, as text
    assert [name for state, name in rows if state == "applied"] == ["0001_a.sql", "0002_b.sql"]
    assert project.apply().ok
    (applied,) = project.query("SELECT name FROM d1_migrations ORDER BY id")
    assert [str(row["name"]) for row in applied] == ["0001_a.sql", "0002_b.sql", *pending]  # apply's order
    assert project.unapplied() == []
    code, rows = _status(tmp_path, monkeypatch)
    assert code == 0 and [state for state, _name in rows] == ["applied", "applied", *["pending"] * 4]
