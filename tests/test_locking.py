"""The lock (`grove-schema lock`, GS307 edited-migration, GS308 missing-migration) and applied history."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from grove_schema.discovery import MigrationFile
from grove_schema.errors import ConfigError
from grove_schema.locking import LOCK_HEADER, parse_lock, render_lock

GOOD = "CREATE TABLE t (id INTEGER PRIMARY KEY);\n"
BAD = "ALTER TABLE missing ADD COLUMN c TEXT;\n"
MIGRATIONS = Path("libs/engine/migrations")


def lock_file(root: Path) -> Path:
    return root / MIGRATIONS / "migrations.lock"


def test_lock_lists_every_file_in_wrangler_order_with_its_hash(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"10_c.sql": GOOD, "9_b.sql": "SELECT 1;\n", "001_a.sql": "SELECT 2;\n", "notes.sql": ""})
    result = run_cli("lock", cwd=root)
    assert result.code == 0, result.err
    assert result.out == "wrote libs/engine/migrations/migrations.lock (engine, 4 migrations)\n"
    lines = lock_file(root).read_text().splitlines()
    assert lines[0] == LOCK_HEADER and lines[0].startswith("# ")
    digest = hashlib.sha256(GOOD.encode()).hexdigest()
    assert lines[1:] == [
        f"001 001_a.sql sha256:{hashlib.sha256(b'SELECT 2;' + bytes([10])).hexdigest()}",
        f"9 9_b.sql sha256:{hashlib.sha256(b'SELECT 1;' + bytes([10])).hexdigest()}",
        f"10 10_c.sql sha256:{digest}",
        f"- notes.sql sha256:{hashlib.sha256(b'').hexdigest()}",
    ]
    again = run_cli("lock", cwd=root)
    assert again.out.startswith("unchanged: libs/engine/migrations/migrations.lock")
    assert not [p for p in (root / MIGRATIONS).iterdir() if p.name.endswith(".tmp")]


def test_lock_round_trips_names_with_spaces(tmp_path: Path) -> None:
    files = [MigrationFile(tmp_path / n, n, 1) for n in ["001_a b.sql"]]
    text = render_lock(files, {"001_a b.sql": "sha256:" + "a" * 64})
    (entry,) = parse_lock(text, "lock").entries
    assert (entry.number, entry.name, entry.line) == (1, "001_a b.sql", 2)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("001 001_a.sql md5:abc\n", "malformed lock line"),
        ("<<<<<<< HEAD\n", "unresolved merge conflict"),
        (f"1 a.sql sha256:{'0' * 64}\n1 a.sql sha256:{'1' * 64}\n", "a.sql is listed twice (first at line 1)"),
    ],
)
def test_malformed_lock_is_a_configuration_error(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_lock(text, "/x/migrations.lock")
    assert message in str(caught.value) and caught.value.line is not None


def test_conflicted_lock_stops_check_with_exit_2(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD})
    lock_file(root).write_text("# lock\n<<<<<<< HEAD\n=======\n>>>>>>> b\n")
    result = run_cli("check", cwd=root)
    assert result.code == 2
    assert "migrations.lock:2: unresolved merge conflict" in result.err


# edited-migration (GS307) and missing-migration (GS308)


def test_unchanged_locked_files_are_clean(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD, "002_b.sql": "SELECT 1;\n"})
    run_cli("lock", cwd=root)
    result = run_cli("check", cwd=root)
    assert result.code == 0 and "GS30" not in result.out and "note:" not in result.out


def test_edited_locked_file_is_an_error(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD, "002_b.sql": "SELECT 1;\n"})
    run_cli("lock", cwd=root)
    (root / MIGRATIONS / "002_b.sql").write_text("SELECT 2;\n")
    result = run_cli("check", cwd=root)
    assert result.code == 1
    (line,) = [line for line in result.out.splitlines() if "GS307" in line]
    assert line.startswith(
        "libs/engine/migrations/002_b.sql:1:1: error GS307 edited-migration: 002_b.sql changed after it was locked"
    )
    assert "wrangler never re-runs an applied migration" in line


def test_deleted_locked_file_is_an_error_at_its_lock_line(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD, "002_b.sql": "SELECT 1;\n"})
    run_cli("lock", cwd=root)
    (root / MIGRATIONS / "002_b.sql").unlink()
    result = run_cli("check", cwd=root)
    assert result.code == 1
    assert (
        "libs/engine/migrations/migrations.lock:3:1: error GS308 missing-migration: 002_b.sql is locked as applied "
        "but is no longer in the stream"
    ) in result.out


def test_renamed_locked_file_names_its_new_name(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD, "002_b.sql": "SELECT 1;\n"})
    run_cli("lock", cwd=root)
    (root / MIGRATIONS / "002_b.sql").rename(root / MIGRATIONS / "002_better_name.sql")
    result = run_cli("check", "--format", "json", cwd=root)
    (missing,) = [f for f in json.loads(result.out)["findings"] if f["name"] == "missing-migration"]
    assert "renamed to 002_better_name.sql" in missing["message"] and "would run again" in missing["message"]


def test_lock_refuses_to_accept_edits_without_force(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD, "002_b.sql": "SELECT 1;\n"})
    run_cli("lock", cwd=root)
    before = lock_file(root).read_text()
    (root / MIGRATIONS / "002_b.sql").write_text("SELECT 2;\n")
    refused = run_cli("lock", cwd=root)
    assert refused.code == 2 and "edited or removed since they were locked (engine: 002_b.sql)" in refused.err
    assert lock_file(root).read_text() == before
    assert run_cli("lock", "--force", cwd=root).code == 0
    assert run_cli("check", cwd=root).code == 0


def test_lock_keeps_the_file_mode(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD})
    run_cli("lock", cwd=root)
    lock_file(root).chmod(0o640)
    (root / MIGRATIONS / "002_b.sql").write_text(GOOD.replace(" t ", " u "))
    run_cli("lock", cwd=root)
    assert lock_file(root).stat().st_mode & 0o777 == 0o640
    assert "002_b.sql" in lock_file(root).read_text()


def test_lock_of_an_unknown_database_is_a_usage_error(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD})
    result = run_cli("lock", "--database", "nope", cwd=root)
    assert result.code == 2 and "unknown database 'nope'" in result.err


# applied history


def test_findings_in_locked_files_are_info_unless_history(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": BAD})
    run_cli("lock", cwd=root)
    (root / MIGRATIONS / "002_b.sql").write_text(BAD)
    result = run_cli("check", cwd=root)
    lines = result.out.splitlines()
    assert result.code == 1  # 002_b.sql is new: its error counts
    assert lines[0].startswith(
        "libs/engine/migrations/001_a.sql:1:13: info GS103 sqlite-error: SQLite refuses this statement: "
        "no such table: missing"
    )
    assert "(applied history); fix: " in lines[0]
    assert lines[1].startswith("libs/engine/migrations/002_b.sql:1:13: error GS103 sqlite-error:")
    assert "(applied history)" not in lines[1]
    history = run_cli("check", "--history", cwd=root)
    assert history.out.count("error GS103") == 2 and "(applied history)" not in history.out


def test_only_history_findings_pass_the_check(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": BAD})
    assert run_cli("check", cwd=root).code == 1
    run_cli("lock", cwd=root)
    assert run_cli("check", cwd=root).code == 0
    assert run_cli("check", "--history", cwd=root).code == 1


def test_an_edited_locked_file_is_not_history(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD})
    run_cli("lock", cwd=root)
    (root / MIGRATIONS / "001_a.sql").write_text(GOOD + BAD)
    result = run_cli("check", cwd=root)
    assert "error GS103" in result.out and "error GS307" in result.out and "applied history" not in result.out


def test_numbering_findings_in_locked_files_keep_their_severity(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD, "001_b.sql": "SELECT 1;\n"})
    run_cli("lock", cwd=root)
    result = run_cli("check", cwd=root)
    assert result.code == 1
    assert result.out.count("error GS301 duplicate-number") == 2
    assert 'fix: list "001" in grandfathered_collisions (all of them are applied)' in result.out


# the note while a stream has no lock


def test_note_before_the_summary_while_there_is_no_lock(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD})
    lines = run_cli("check", cwd=root).out.splitlines()
    assert lines[-2].startswith("note: engine has no migrations.lock:") and "`grove-schema lock`" in lines[-2]
    assert lines[-1].startswith("1 files, 1 statements;")
    document = json.loads(run_cli("check", "--format", "json", cwd=root).out)
    assert set(document) == {"version", "findings", "summary"}
    assert document["summary"]["notes"] == [lines[-2]]
    # Findings for given files (a pre-commit hook) carry no project-wide advice.
    assert "note:" not in run_cli("check", str(MIGRATIONS / "001_a.sql"), cwd=root).out
    run_cli("lock", cwd=root)
    assert json.loads(run_cli("check", "--format", "json", cwd=root).out)["summary"]["notes"] == []


def test_note_names_the_database_when_there_are_several(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    from .conftest import MINIMAL_CONFIG

    config = MINIMAL_CONFIG + '\n[databases.pantry]\nname = "p"\nmigrations = "libs/pantry/migrations"\n'
    root = make_project({"001_a.sql": GOOD}, config=config)
    notes = [line for line in run_cli("check", cwd=root).out.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and "`grove-schema lock --database engine`" in notes[0]  # pantry has no stream yet
