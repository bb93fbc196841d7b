"""Bad input: each gets a clear message at its location and the right exit code, in bounded time."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

GOOD = "CREATE TABLE t (id INTEGER PRIMARY KEY);\n"


def lines_of(out: str) -> list[str]:
    return out.strip().splitlines()


def test_empty_file_is_a_warning(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD, "002_empty.sql": ""})
    result = run_cli("check", cwd=root)
    assert result.code == 0
    assert lines_of(result.out)[0] == (
        "libs/engine/migrations/002_empty.sql:1:1: warning GS107 empty-migration: "
        "the file holds no SQL statement, yet wrangler records it as applied; fix: write the migration's SQL in it, "
        "or delete the file before it is applied"
    )


def test_comments_only_file_is_a_warning(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_c.sql": "-- planned\n/* later */\n"})
    result = run_cli("check", cwd=root)
    assert result.code == 0 and "empty-migration" in result.out


def test_non_utf8_bytes_are_located(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD, "002_latin1.sql": "-- caf\xe9\nSELECT 1;\n".encode("latin-1")})
    result = run_cli("check", cwd=root)
    assert result.code == 1
    assert lines_of(result.out)[0].startswith(
        "libs/engine/migrations/002_latin1.sql:1:7: error GS104 unreadable-file: the file is not valid UTF-8 (byte 0xe9"
    )
    assert "1 errors" in result.out  # the other file still replayed


def test_binary_file_named_sql(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_blob.sql": bytes(range(256)) * 4})
    result = run_cli("check", cwd=root)
    assert result.code == 1
    assert "001_blob.sql:1:1: error GS104 unreadable-file: the file is binary (a NUL byte at offset 0)" in result.out


def test_unterminated_string(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": "CREATE TABLE t (a TEXT DEFAULT 'oops);\nCREATE TABLE u (b);\n"})
    result = run_cli("check", cwd=root)
    assert result.code == 1
    assert "001_a.sql:1:32: error GS101 parse-error: unterminated string literal" in result.out


def test_unterminated_comment(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD + "/* TODO: add the index\n"})
    result = run_cli("check", cwd=root)
    assert result.code == 1
    assert "001_a.sql:2:1: error GS106 unterminated-comment:" in result.out


def test_missing_semicolon_at_the_end(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": "CREATE TABLE t (a)\n"})
    result = run_cli("check", cwd=root)
    assert result.code == 1
    assert "001_a.sql:1:19: error GS105 missing-semicolon:" in result.out


def test_ten_megabyte_migration_in_bounded_time(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    statements = [GOOD]
    size = 0
    i = 0
    while size < 10_000_000:
        line = f"INSERT INTO t (id) VALUES ({i}); -- {'padding ' * 12}\n"
        statements.append(line)
        size += len(line)
        i += 1
    root = make_project({"001_big.sql": "".join(statements)})
    started = time.monotonic()
    result = run_cli("check", cwd=root)
    elapsed = time.monotonic() - started
    assert result.code == 0, result.out[-500:]
    assert f"1 files, {i + 1} statements" in result.out
    assert elapsed < 60


def test_ten_megabyte_statement_hits_d1_limit(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_big.sql": GOOD + "INSERT INTO t (id) VALUES (" + "1+" * 5_000_000 + "1);\n"})
    started = time.monotonic()
    result = run_cli("check", cwd=root)
    assert time.monotonic() - started < 60
    assert result.code == 1 and "001_big.sql:2:1: error GS416 statement-too-long:" in result.out


def test_five_thousand_deep_expression(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    deep = "(" * 5000 + "1" + ")" * 5000
    root = make_project(
        {"001_deep.sql": GOOD + f"CREATE VIEW v AS SELECT {deep};\nCREATE TABLE t2 AS SELECT {deep} AS x;\n"}
    )
    result = run_cli("check", cwd=root)
    assert result.code == 1
    assert "Traceback" not in result.out + result.err
    assert "001_deep.sql:2:1:" in result.out and "001_deep.sql:3:1:" in result.out


def test_missing_migrations_directory(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "ownership.toml").write_text(
        '[project]\ndefault_database = "engine"\n[databases.engine]\nname = "e"\nmigrations = "nope"\n'
    )
    result = run_cli("check", cwd=tmp_path)
    assert result.code == 2
    assert "migrations directory of database 'engine' does not exist" in result.err
    # A configuration error is not a bug: no partial report, no "internal error" note.
    assert result.out == ""
    assert "internal error" not in result.err


def test_missing_directory_of_a_planned_database_is_an_empty_stream(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    config = (
        '[project]\ndefault_database = "engine"\n'
        '[databases.engine]\nname = "e"\nmigrations = "libs/engine/migrations"\n'
        '[databases.pantry]\nname = "p"\nmigrations = "libs/pantry/migrations"\n'
    )
    root = make_project({"001_a.sql": GOOD}, config=config)
    result = run_cli("check", cwd=root)
    assert result.code == 0 and "tables: engine 1, pantry 0;" in result.out


def test_unreadable_file(run_cli, make_project, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD, "002_locked.sql": GOOD})
    locked = root / "libs" / "engine" / "migrations" / "002_locked.sql"
    if os.geteuid() == 0:
        # root reads through any mode bits: make the read fail the way it does for users.
        import grove_schema.sources

        original = grove_schema.sources.read_bounded

        def read_bounded(path: Path, limit: int) -> bytes:
            if path.name == "002_locked.sql":
                raise PermissionError(13, "Permission denied", str(path))
            return original(path, limit)

        monkeypatch.setattr(grove_schema.sources, "read_bounded", read_bounded)
    else:
        locked.chmod(0)
    result = run_cli("check", cwd=root)
    assert result.code == 1
    assert "002_locked.sql:1:1: error GS104 unreadable-file: the file cannot be read (Permission denied)" in result.out


def test_malformed_toml(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "ownership.toml").write_text('[project]\nroot = "x\n')
    result = run_cli("check", cwd=tmp_path)
    assert result.code == 2
    assert "ownership.toml:2: malformed TOML" in result.err


def test_config_naming_an_unknown_database(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "ownership.toml").write_text(
        '[project]\ndefault_database = "engine"\n[databases.curios]\nname = "c"\nmigrations = "m"\n'
    )
    result = run_cli("check", cwd=tmp_path)
    assert result.code == 2
    assert "ownership.toml:2: project.default_database names an unknown database 'engine'" in result.err


@pytest.mark.parametrize("sql", ["SELECT 'a", 'SELECT "a', "SELECT [a", "SELECT `a"])
def test_every_unterminated_quote_is_a_parse_error(run_cli, make_project, sql: str) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": sql})
    result = run_cli("check", cwd=root)
    assert result.code == 1 and "parse-error: unterminated" in result.out
