"""Hostile and broken repositories: every case ends in findings or a clear configuration error
(exit 2), never an internal error, a hang or unbounded memory."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from grove_schema.config import load_config
from grove_schema.project import check_project

from .conftest import MINIMAL_CONFIG

GOOD = "CREATE TABLE t (id INTEGER PRIMARY KEY);\n"
MIGRATIONS = Path("libs") / "engine" / "migrations"
RESERVED = MINIMAL_CONFIG + 'reservation = "libs/engine/NEXT_MIGRATION_NUMBER.txt"\n'


def no_internal_error(result) -> None:  # type: ignore[no-untyped-def]
    assert "internal error" not in result.err, result.err
    assert "Traceback" not in result.err


# --- digits are ASCII digits; huge numbers are refused clearly -------------------------------


@pytest.mark.parametrize("item", ["\u0663", "9" * 5000, "\uff11"])
def test_grandfathered_numbers_must_be_ascii(run_cli, make_project, item: str) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD}, MINIMAL_CONFIG + f'grandfathered_collisions = ["{item}"]\n')
    result = run_cli("check", cwd=root)
    no_internal_error(result)
    assert result.code == 2 and "grandfathered_collisions" in result.err and "ASCII" in result.err


def test_a_5000_digit_integer_in_the_config_is_a_config_error(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD}, MINIMAL_CONFIG + f"estimate = {'9' * 5000}\n")
    result = run_cli("check", cwd=root)
    no_internal_error(result)
    assert result.code == 2 and "malformed TOML" in result.err


@pytest.mark.parametrize("head", ["\u0661", "9" * 5000])
def test_lock_numbers_must_be_ascii(run_cli, make_project, head: str) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD})
    (root / MIGRATIONS / "migrations.lock").write_text(f"{head} 001_a.sql sha256:{'0' * 64}\n")
    result = run_cli("check", cwd=root)
    no_internal_error(result)
    assert result.code == 2 and "malformed lock line" in result.err and "ASCII" in result.err


@pytest.mark.parametrize("text", ["\u0660\u0660\u0662", "9" * 5000])
def test_reservation_numbers_must_be_ascii(run_cli, make_project, text: str) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD}, RESERVED)
    (root / "libs" / "engine" / "NEXT_MIGRATION_NUMBER.txt").write_text(text + "\n")
    result = run_cli("check", cwd=root)
    no_internal_error(result)
    assert result.code == 1 and "not a number (ASCII digits" in result.out
    assert len(result.out) < 2000  # a 5000-digit value is not echoed whole


# --- names that are not UTF-8, or hold control characters -------------------------------------

FORMATS = ("text", "json", "sarif", "github", "gcc")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_name_that_is_not_utf8_never_crashes(run_cli, make_project, fmt: str) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD})
    bad = os.fsdecode(b"002_caf\xe9.sql")
    (root / MIGRATIONS / bad).write_text("DROP TABLE t;\n")
    result = run_cli("check", "--format", fmt, cwd=root)
    no_internal_error(result)
    assert result.code in (0, 1)
    result.out.encode("utf-8")  # nothing unencodable reaches the stream
    if fmt == "sarif":
        uris = {
            loc["physicalLocation"]["artifactLocation"]["uri"]
            for run in json.loads(result.out)["runs"]
            for res in run["results"]
            for loc in res["locations"]
        }
        assert "libs/engine/migrations/002_caf%E9.sql" in uris


def test_lock_refuses_a_name_that_is_not_utf8(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD})
    (root / MIGRATIONS / os.fsdecode(b"002_caf\xe9.sql")).write_text(GOOD)
    result = run_cli("lock", cwd=root)
    no_internal_error(result)
    assert result.code == 2 and "not UTF-8" in result.err and "\\xe9" in result.err


@pytest.mark.parametrize("fmt", FORMATS)
def test_control_characters_in_names_are_escaped_in_every_format(run_cli, make_project, fmt: str) -> None:  # type: ignore[no-untyped-def]
    hostile = "002_\x1b[31mred\nfake.sql"
    root = make_project({"001_a.sql": GOOD, hostile: "DROP TABLE t;\n"})
    result = run_cli("check", "--format", fmt, cwd=root)
    no_internal_error(result)
    assert "\x1b" not in result.out
    raw = json.loads(result.out) if fmt in ("json", "sarif") else None
    text = json.dumps(raw) if raw is not None else result.out
    if fmt == "sarif":  # the URI percent-encodes the name's bytes; the message escapes them
        assert "002_%1B%5B31mred%0Afake.sql" in text
    else:
        assert "002_\\\\x1b[31mred\\\\nfake.sql" in text or "002_\\x1b[31mred\\nfake.sql" in text
    assert "\nfake.sql" not in result.out


# --- bounded reads ------------------------------------------------------------------------------


def _fifo(path: Path) -> None:
    os.mkfifo(path)


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "directory", "huge"])
def test_the_lock_is_a_small_regular_file(run_cli, make_project, kind: str) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD})
    lock = root / MIGRATIONS / "migrations.lock"
    if kind == "fifo":
        _fifo(lock)
    elif kind == "dev-zero":
        os.symlink("/dev/zero", lock)
    elif kind == "directory":
        lock.mkdir()
    else:
        lock.write_bytes(b"# " + b"x" * (2 << 20) + b"\n")
    started = time.monotonic()
    result = run_cli("check", cwd=root)
    assert time.monotonic() - started < 30
    no_internal_error(result)
    assert result.code == 1 and "unreadable-bookkeeping" in result.out


def test_the_reservation_is_a_small_regular_file(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD}, RESERVED)
    _fifo(root / "libs" / "engine" / "NEXT_MIGRATION_NUMBER.txt")
    result = run_cli("check", cwd=root)
    no_internal_error(result)
    assert result.code == 1 and "unreadable-bookkeeping" in result.out and "FIFO" in result.out


@pytest.mark.parametrize("kind", ["fifo", "huge"])
def test_the_config_is_a_small_regular_file(run_cli, tmp_path: Path, kind: str) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "ownership.toml"
    if kind == "fifo":
        _fifo(config)
    else:
        config.write_text("# " + "x" * (2 << 20) + "\n")
    result = run_cli("--config", str(config), "check", cwd=tmp_path)
    no_internal_error(result)
    assert result.code == 2 and "configuration" in result.err


def test_a_migration_above_the_cap_is_a_finding(run_cli, make_project, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import grove_schema.sources

    monkeypatch.setattr(grove_schema.sources, "MAX_MIGRATION_BYTES", 1000)
    root = make_project({"001_a.sql": GOOD + "-- " + "x" * 2000 + "\n"})
    result = run_cli("check", cwd=root)
    assert result.code == 1 and "unreadable-file" in result.out and "cap" in result.out


# --- file_pattern -------------------------------------------------------------------------------


@pytest.mark.parametrize("pattern", [r"(?P<number>\d+)_(a)\1", r"(?P<number>\d+)(?=_)", r"([0-9]+"])
def test_a_pattern_re2_refuses_is_a_config_error(run_cli, make_project, pattern: str) -> None:  # type: ignore[no-untyped-def]
    config = MINIMAL_CONFIG + f"file_pattern = '{pattern}'\n"
    root = make_project({"001_a.sql": GOOD}, config)
    result = run_cli("check", cwd=root)
    no_internal_error(result)
    assert result.code == 2 and "file_pattern" in result.err and "re2" in result.err


# --- paths leave the root -----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["../../../etc", "/etc"])
def test_config_paths_must_stay_in_the_project(run_cli, make_project, value: str) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD}, MINIMAL_CONFIG.replace('"libs/engine/migrations"', f'"{value}"'))
    result = run_cli("check", cwd=root)
    no_internal_error(result)
    assert result.code == 2 and "databases.engine.migrations" in result.err and "leaves the project root" in result.err


def test_a_symlinked_migrations_folder_out_of_the_project_is_refused(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "001_secret.sql").write_text("CREATE TABLE secret (x);  -- SECRET-CONTENT\n")
    root = tmp_path / "project"
    (root / "libs" / "engine").mkdir(parents=True)
    os.symlink(outside, root / MIGRATIONS)
    (root / "ownership.toml").write_text(MINIMAL_CONFIG)
    result = run_cli("check", cwd=root)
    assert result.code == 2 and "databases.engine.migrations" in result.err
    assert "SECRET-CONTENT" not in result.out + result.err


def test_a_migration_linked_out_of_the_project_is_never_echoed(run_cli, tmp_path: Path, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD})
    (tmp_path / "secret.sql").write_text("SELEC broken; -- SECRET-CONTENT\n")
    os.symlink(tmp_path / "secret.sql", root / MIGRATIONS / "002_link.sql")
    for fmt in FORMATS:
        result = run_cli("check", "--format", fmt, cwd=root)
        assert result.code == 1 and "GS309" in result.out
        assert "SECRET-CONTENT" not in result.out


# --- deeply nested TOML -------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [100_000, 500])
def test_deeply_nested_toml_is_a_config_error(run_cli, make_project, depth: int) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD}, MINIMAL_CONFIG + "x = " + "[" * depth + "]" * depth + "\n")
    result = run_cli("check", cwd=root)
    no_internal_error(result)
    assert result.code == 2 and ("nested" in result.err or "malformed TOML" in result.err)


# --- many databases: each folder is resolved once ------------------------------------------------


def test_folder_resolutions_grow_linearly_with_databases(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    calls = {"n": 0}
    real = os.path.realpath

    def counting(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        return real(path, *args, **kwargs)

    def resolutions(count: int) -> int:
        root = tmp_path / f"p{count}"
        lines = ['[project]\nroot = "."\ndefault_database = "db0"\n']
        for index in range(count):
            (root / f"db{index}").mkdir(parents=True)
            (root / f"db{index}" / "0001_a.sql").write_text(f"CREATE TABLE t{index} (id INTEGER PRIMARY KEY);\n")
            lines.append(
                f'[databases.db{index}]\nname = "db{index}"\nmigrations = "db{index}"\ntables = ["t{index}"]\n'
            )
        (root / "ownership.toml").write_text("".join(lines))
        config = load_config(root / "ownership.toml")
        calls["n"] = 0
        monkeypatch.setattr(os.path, "realpath", counting)
        try:
            check_project(config, dev_database=False)
        finally:
            monkeypatch.setattr(os.path, "realpath", real)
        return calls["n"]

    small, large = resolutions(10), resolutions(40)
    assert large <= 4 * small + 40, (small, large)  # linear: 4x the databases, about 4x the calls
