"""`grove-schema` as users run it: exit codes, formats, PATHS, inspect, --version."""

from __future__ import annotations

import argparse
import gc
import io
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from grove_schema import cli

from .conftest import REPO

GOOD = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);\n"
BAD = "ALTER TABLE missing ADD COLUMN c TEXT;\n"


def test_check_on_the_bundled_example_is_clean(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("check", cwd=REPO)
    assert result.code == 0, result.out + result.err
    assert result.out.strip().splitlines()[-1].startswith("35 files, ")
    assert "tables: engine 66, curios 0, obs 0, pantry 0;" in result.out
    assert "0 errors, 0 warnings, " in result.out


def test_findings_lines_and_exit_code(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD, "002_b.sql": BAD})
    result = run_cli("check", cwd=root)
    assert result.code == 1
    first = result.out.splitlines()[0]
    assert first.startswith(
        "libs/engine/migrations/002_b.sql:1:13: error GS103 sqlite-error: SQLite refuses this statement: "
        "no such table: missing"
    )
    assert result.out.splitlines()[-1] == (
        "2 files, 2 statements; tables: engine 1 (D1 rolls back 002_b.sql, the last file); 1 errors, 0 warnings, 0 info"
    )


def test_the_summary_counts_what_d1_holds_when_a_file_fails(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    """D1 rolls back the failing file and applies no later one (real local D1: conformance)."""
    failing = "CREATE TABLE b1 (x);\nCREATE TABLE b2 (x);\n" + BAD + "CREATE TABLE b3 (x);\n"
    later = {"003_c.sql": "CREATE TABLE c (x);\n", "004_d.sql": "CREATE TABLE d (x);\n"}
    root = make_project({"001_a.sql": GOOD, "002_b.sql": failing, **later})
    result = run_cli("check", cwd=root)
    assert result.out.splitlines()[-1] == (
        "4 files, 7 statements; tables: engine 1 (D1 rolls back 002_b.sql and does not apply the 2 files after it); "
        "1 errors, 0 warnings, 0 info"
    )
    summary = json.loads(run_cli("check", "--format", "json", cwd=root).out)["summary"]
    assert summary["tables"] == {"engine": 1}
    assert summary["not_applied"] == {"engine": ["002_b.sql", "003_c.sql", "004_d.sql"]}
    run_cli("check", "--format", "json", "--cache", cwd=root)
    cached = run_cli("check", "--format", "json", "--cache", cwd=root)  # answered from the cache
    assert json.loads(cached.out)["summary"] == summary  # a report answered from the cache says the same


def test_a_locked_file_production_applied_does_not_stop_the_count(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    failing = "CREATE TABLE b1 (x);\n" + BAD
    root = make_project({"001_a.sql": GOOD, "002_b.sql": failing})
    assert run_cli("lock", cwd=root).code == 0  # production applied both (the failing file was fixed by hand)
    migrations = root / "libs" / "engine" / "migrations"
    (migrations / "003_c.sql").write_text("CREATE TABLE c (x);\n")
    summary = json.loads(run_cli("check", "--format", "json", cwd=root).out)["summary"]
    assert summary["tables"] == {"engine": 3} and summary["not_applied"] == {}
    (migrations / "004_d.sql").write_text("CREATE TABLE d (x);\n" + BAD)
    (migrations / "005_e.sql").write_text("CREATE TABLE e (x);\n")
    summary = json.loads(run_cli("check", "--format", "json", cwd=root).out)["summary"]
    assert summary["tables"] == {"engine": 3} and summary["not_applied"] == {"engine": ["004_d.sql", "005_e.sql"]}


def test_fail_on_threshold(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD, "002_empty.sql": "-- nothing yet\n"})
    assert run_cli("check", cwd=root).code == 0
    assert run_cli("check", "--fail-on", "warning", cwd=root).code == 1
    assert run_cli("check", "--fail-on", "bogus", cwd=root).code == 2


def test_json_format_contract(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD, "002_b.sql": BAD})
    result = run_cli("check", "--format", "json", cwd=root)
    document = json.loads(result.out)
    assert document["version"] == 1
    assert document["summary"]["files"] == 2 and document["summary"]["statements"] == 2
    assert document["summary"]["tables"] == {"engine": 1}
    assert document["summary"]["not_applied"] == {"engine": ["002_b.sql"]}
    (finding,) = document["findings"]
    assert finding == {
        "code": "GS103",
        "name": "sqlite-error",
        "severity": "error",
        "path": "libs/engine/migrations/002_b.sql",
        "line": 1,
        "column": 13,
        "message": finding["message"],
        "fix": "create the table in an earlier migration, or correct its name (grove-schema inspect lists the tables)",
    }
    assert finding["message"].startswith("SQLite refuses this statement: no such table: missing")
    assert finding["message"].endswith(f"; fix: {finding['fix']}")


def test_json_paths_are_absolute_outside_the_current_directory(run_cli, make_project, tmp_path) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": BAD})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_cli("--config", str(root / "ownership.toml"), "check", "--format", "json", cwd=elsewhere)
    path = json.loads(result.out)["findings"][0]["path"]
    assert Path(path).is_absolute() and path.endswith("001_a.sql")


def test_paths_limit_the_report_but_not_the_replay(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": BAD, "002_b.sql": GOOD + "ALTER TABLE t ADD COLUMN a TEXT;\n"})
    only_b = run_cli("check", "libs/engine/migrations/002_b.sql", cwd=root)
    assert only_b.code == 1
    assert all("002_b.sql" in line for line in only_b.out.splitlines()[:-1])
    assert "duplicate column name: a" in only_b.out
    assert run_cli("check", "libs/engine/migrations/001_a.sql", cwd=root).out.count("error GS") == 1
    assert run_cli("check", "no/such/file.sql", cwd=root).code == 2


def test_root_flag_goes_before_the_command(run_cli, make_project, tmp_path) -> None:  # type: ignore[no-untyped-def]
    other = make_project({"001_a.sql": GOOD, "NEXT_MIGRATION_NUMBER.txt": "002\n"})
    result = run_cli("--root", str(other), "check", cwd=REPO)
    # The repository's map applied to another checkout: its streams, its reservation file.
    assert result.code == 0, result.out
    assert "1 files, 1 statements; tables: engine 1, curios 0, obs 0, pantry 0;" in result.out
    assert "config-grandfather-unused" in result.out  # that checkout has no 031/032/056 collisions


def test_unknown_database_is_a_usage_error(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("check", "--database", "nope", cwd=REPO)
    assert result.code == 2
    assert "unknown database 'nope'" in result.err and "Traceback" not in result.err


def test_missing_config_is_a_usage_error(run_cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("check", cwd=tmp_path)
    assert result.code == 2 and "no ownership.toml" in result.err


def test_version_names_the_sqlite_in_use(run_cli) -> None:  # type: ignore[no-untyped-def]
    import apsw

    result = run_cli("--version")
    assert result.code == 0 and f"SQLite {apsw.sqlite_lib_version()}" in result.out


def test_inspect_shows_columns_indexes_keys_and_history(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("inspect", "user_onboarding", cwd=REPO)
    assert result.code == 0
    assert "lemonsqueezy_customer_id: TEXT" in result.out
    assert "idx_onboarding_ls_customer (lemonsqueezy_customer_id)" in result.out
    assert "022_lemonsqueezy_migration.sql:" in result.out
    parent = run_cli("inspect", "tenants", cwd=REPO)
    assert "foreign keys in:" in parent.out and "ON DELETE CASCADE" in parent.out
    assert run_cli("inspect", "no_such_table", cwd=REPO).code == 2


def test_coloured_output_shows_the_source_line(make_project, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import io

    from grove_schema.cli import main

    root = make_project({"001_a.sql": BAD})
    monkeypatch.chdir(root)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    out = io.StringIO()
    assert main(["check"], out=out, err=io.StringIO()) == 1
    text = out.getvalue()
    assert "\x1b[" in text
    assert "ALTER TABLE missing ADD COLUMN c TEXT;" in text
    monkeypatch.setenv("NO_COLOR", "1")
    out = io.StringIO()
    main(["check"], out=out, err=io.StringIO())
    assert "\x1b[" not in out.getvalue()


def test_terminal_output_wraps_to_the_width_with_the_location_on_each_finding(make_project, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import io
    import re

    from grove_schema.cli import main

    root = make_project({"001_a.sql": GOOD, "002_b.sql": "ALTER TABLE t ADD COLUMN c TEXT;\n" + BAD})
    monkeypatch.chdir(root)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "60")
    out = io.StringIO()
    assert main(["check"], out=out, err=io.StringIO()) == 1
    lines = re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue()).splitlines()
    assert all(len(line) <= 60 for line in lines[:-1]), lines  # the summary stays one line
    assert lines[0].startswith("libs/engine/migrations/002_b.sql:2:13: error GS103")
    assert all(line.startswith(("libs/", "    ", "note:")) for line in lines[:-1])
    source = next(i for i, line in enumerate(lines) if line.endswith("| ALTER TABLE missing ADD COLUMN c TEXT;"))
    assert lines[source + 1].index("^") == lines[source].index("missing")  # the caret under the missing table
    # The fix follows the excerpt on a line of its own, as rustc's and ruff's `help:`.
    assert lines[source + 2].startswith("    fix: create the table in an earlier migration")
    assert not any("; fix:" in line for line in lines)


def test_console_script_runs_as_a_process() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "grove_schema.cli", "check"], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, completed.stderr
    assert "35 files" in completed.stdout


def test_the_console_script_runs_the_collector_less_often() -> None:
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts["grove-schema"] == "grove_schema.cli:console_main"
    code = (
        "import gc, sys; from grove_schema import cli; sys.argv = ['grove-schema', 'rules']; run = cli.main; "
        "cli.main = lambda: print(gc.get_threshold()) or run(); cli.console_main()"
    )
    completed = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines()[0] == "(200000, 20, 20)", completed.stderr
    before = gc.get_threshold()
    assert cli.main(["rules"], out=io.StringIO()) == 0
    assert gc.get_threshold() == before  # main() itself, as a library call, leaves the process alone


def test_the_console_script_ends_the_process_with_its_output_out_and_its_exit_code() -> None:
    expected = io.StringIO()
    assert cli.main(["rules"], out=expected) == 0
    # a pipe is block-buffered: the whole listing arrives although the process skips its teardown
    listed = subprocess.run(
        [sys.executable, "-m", "grove_schema.cli", "rules"], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert (listed.returncode, listed.stdout, listed.stderr) == (0, expected.getvalue(), "")
    wrong = subprocess.run(
        [sys.executable, "-m", "grove_schema.cli", "frobnicate"], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert wrong.returncode == 2 and "frobnicate" in wrong.stderr
    # the reader leaves after one line (`| head -1`) of a report longer than a pipe holds: no
    # traceback, no "Exception ignored"
    with subprocess.Popen(
        [sys.executable, "-m", "grove_schema.cli", "check", "--no-cache", "--format", "sarif"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.readline()
        process.stdout.close()
        assert process.stderr.read() == ""
        assert process.wait(timeout=120) == 0


@pytest.mark.parametrize("argv", [["frobnicate"], ["check", "--format", "xml"], []])
def test_bad_command_lines_exit_2(run_cli, argv) -> None:  # type: ignore[no-untyped-def]
    result = run_cli(*argv, cwd=REPO)
    assert result.code == 2


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("command", sorted(cli._COMMAND_OPTIONS))
def test_a_parser_built_for_one_command_parses_and_helps_as_the_full_one(command: str) -> None:
    full, one = cli.build_parser(), cli.build_parser(only=command)
    assert list(_subparsers(one)) == [command]
    assert _subparsers(one)[command].format_help() == _subparsers(full)[command].format_help()
    assert _subparsers(one)[command].format_usage() == _subparsers(full)[command].format_usage()


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["check", "a.sql"], "check"),
        (["--config", "check", "plan"], "plan"),  # a global option's value is not the command
        (["--root", "x", "--config", "y.toml", "render", "curios"], "render"),
        (["--version"], None),
        (["nonsense"], None),
        (["--", "check"], None),
        (["--help", "check"], None),  # the global help lists every command
        (["check", "--help"], "check"),
    ],
)
def test_the_command_is_found_before_parsing(argv: list[str], command: str | None) -> None:
    assert cli._command_named(argv) == command


# --- the last-resort handler ----------------------------------------------------------------------


def _crash_on(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    from grove_schema.replay import Replayer

    original = Replayer.apply_file

    def apply_file(self: Replayer, migration, text: str, ahead=None) -> None:  # type: ignore[no-untyped-def]
        if migration.name == name:
            raise RuntimeError("boom\n\x1b[31mred")
        original(self, migration, text, ahead)

    monkeypatch.setattr(Replayer, "apply_file", apply_file)


def test_an_internal_error_logs_its_traceback_and_still_reports_the_findings_before_it(  # type: ignore[no-untyped-def]
    run_cli, make_project, monkeypatch, tmp_path
) -> None:
    root = make_project({"001_a.sql": GOOD, "002_b.sql": BAD, "003_c.sql": GOOD.replace("t", "u")})
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    _crash_on(monkeypatch, "003_c.sql")
    result = run_cli("check", "--no-cache", cwd=root)
    assert result.code == 2
    (line,) = result.err.splitlines()
    log = tmp_path / "xdg" / "grove-schema" / "grove-schema.log"
    assert line == (
        "grove-schema: internal error: RuntimeError: boom\\n\\x1b[31mred; please report it to the grove-schema "
        f"maintainers (the traceback is in {log})"
    )
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "RuntimeError: boom" in text
    assert "command: grove-schema check --no-cache" in text
    # The findings of the files replayed before the crash are still printed.
    assert (
        "libs/engine/migrations/002_b.sql:1:13: error GS103 sqlite-error: SQLite refuses this statement: "
        "no such table: missing" in result.out
    )
    assert "stopped on an internal error" in result.out


def test_an_internal_error_keeps_the_report_format(run_cli, make_project, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD, "002_b.sql": BAD, "003_c.sql": GOOD})
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    _crash_on(monkeypatch, "003_c.sql")
    result = run_cli("check", "--no-cache", "--format", "json", cwd=root)
    assert result.code == 2
    document = json.loads(result.out)
    assert [f["name"] for f in document["findings"]] == ["sqlite-error"]


def test_the_crash_log_falls_back_to_a_temporary_file(run_cli, make_project, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD})
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    _crash_on(monkeypatch, "001_a.sql")
    result = run_cli("check", "--no-cache", cwd=root)
    assert result.code == 2
    logs = list((tmp_path / "tmp").glob("grove-schema-*.log"))
    assert len(logs) == 1 and "RuntimeError: boom" in logs[0].read_text(encoding="utf-8")
    assert f"(the traceback is in {logs[0]})" in result.err


# --- the dev database's budgets from ownership.toml -------------------------------------------------

_ENDLESS = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c;\n"


def test_the_time_budgets_come_from_the_configuration(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    from .conftest import MINIMAL_CONFIG

    config = MINIMAL_CONFIG + "\n[dev_database]\nstatement_seconds = 0.2\nfile_seconds = 0.5\nrun_seconds = 30\n"
    root = make_project({"001_a.sql": GOOD + _ENDLESS * 6 + "CREATE TABLE u (id INTEGER);\n"}, config=config)
    result = run_cli("check", "--no-cache", cwd=root)
    assert result.code == 1
    (line,) = [line for line in result.out.splitlines() if "GS112 time-budget" in line]
    assert "the time budget of 001_a.sql in the dev database (0.5 s) is spent" in line
    # Every statement after the one that spent the budget is not run, the CREATE TABLE u on line 8 too.
    spent_at = int(line.split(":")[1])
    assert f"not run in the dev database: {8 - spent_at} statements of this file (lines {spent_at + 1}, " in line


@pytest.mark.parametrize("value", ["0", "-1", "'soon'", "100000"])
def test_a_bad_time_budget_is_a_configuration_error(run_cli, make_project, value: str) -> None:  # type: ignore[no-untyped-def]
    from .conftest import MINIMAL_CONFIG

    root = make_project({"001_a.sql": GOOD}, config=MINIMAL_CONFIG + f"\n[dev_database]\nfile_seconds = {value}\n")
    result = run_cli("check", "--no-cache", cwd=root)
    assert result.code == 2 and "file_seconds" in result.err and "Traceback" not in result.err
