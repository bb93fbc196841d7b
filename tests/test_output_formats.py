"""`check --format sarif|github|gcc`: SARIF loaded back through a SARIF object model and held to
what GitHub code scanning requires; golden lines for the GitHub workflow commands and gcc."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sarif_pydantic import Sarif

from grove_schema import __version__
from grove_schema.codes import EMPTY_MIGRATION, PENDING_MOVE, SQLITE_ERROR
from grove_schema.findings import Finding, Location, Severity, make_finding
from grove_schema.registry import all_rules
from grove_schema.reporting import (
    gcc_line,
    github_command,
    github_escape_data,
    github_escape_property,
    sarif_log,
)

from .conftest import SPLIT_CONFIG

GOOD = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);\n"
BAD = "ALTER TABLE missing ADD COLUMN c TEXT;\n"
EMPTY = "-- nothing yet\n"

# SPLIT_CONFIG's two databases: `polls` lives in engine's stream but the map gives it to curios, which gives
# findings with a location (pending-move of polls, foreign-table-change) and without one (the
# per-database summaries of pending-move, cross-database-reference and lost-cascade).
SPLIT_SQL = (
    "CREATE TABLE tenants (id TEXT PRIMARY KEY);\n"
    "CREATE TABLE polls (id TEXT PRIMARY KEY, tenant_id TEXT REFERENCES tenants (id) ON DELETE CASCADE);\n"
)


def _split_project(make_project) -> Path:  # type: ignore[no-untyped-def]
    root: Path = make_project({"001_a.sql": SPLIT_SQL}, config=SPLIT_CONFIG)
    (root / "libs" / "curios" / "migrations").mkdir(parents=True)
    # A stream with a migration (an empty directory is a stream not started: its tables are pending moves)
    (root / "libs" / "curios" / "migrations" / "0001_start.sql").write_text("SELECT 1;\n")
    return root


# --- SARIF -------------------------------------------------------------------------------------


def _sarif(run_cli, root: Path, *extra: str) -> tuple[int, dict[str, Any]]:  # type: ignore[no-untyped-def]
    result = run_cli("check", "--format", "sarif", *extra, cwd=root)
    assert result.err == ""
    return result.code, json.loads(result.out)


def assert_github_code_scanning_accepts(document: dict[str, Any]) -> Sarif:
    """What GitHub code scanning needs from an upload, checked on the parsed object model: SARIF
    2.1.0, one run whose tool.driver has a name and rules, and results that each carry a ruleId
    known to the driver, a level, a message, and a location with an artifact URI and a startLine
    (GitHub rejects the whole file when a result has no location)."""
    log = Sarif.model_validate(document)
    assert log.version == "2.1.0"
    assert log.schema_uri is not None and log.schema_uri.endswith("sarif-schema-2.1.0.json")
    assert len(log.runs) == 1
    (run,) = log.runs
    driver = run.tool.driver
    assert driver.name == "grove-schema"
    assert driver.rules, "tool.driver.rules lists the rules"
    rule_ids = [rule.id for rule in driver.rules]
    assert len(set(rule_ids)) == len(rule_ids)
    for rule in driver.rules:
        assert rule.short_description is not None and rule.short_description.text
        assert rule.full_description is not None and rule.full_description.text
        assert rule.help is not None and rule.help.text
        assert rule.default_configuration is not None
        assert rule.default_configuration.level in ("error", "warning", "note")
    for result in run.results or []:
        assert result.rule_id in rule_ids
        assert result.rule_index is not None and rule_ids[result.rule_index] == result.rule_id
        assert result.level is not None and result.level.value in ("error", "warning", "note")
        assert result.message.text
        assert result.locations, "GitHub code scanning requires a location on every result"
        physical = result.locations[0].physical_location
        assert physical is not None and physical.artifact_location is not None
        uri = physical.artifact_location.uri
        assert uri and "\\" not in uri
        if not uri.startswith("file://"):
            assert physical.artifact_location.uri_base_id == "%SRCROOT%"
            assert not uri.startswith("/")
        assert physical.region is not None and physical.region.start_line is not None
        assert physical.region.start_line >= 1
        assert physical.region.start_column is not None and physical.region.start_column >= 1
    # The model serialises back to the same log.
    again = Sarif.model_validate_json(log.model_dump_json(by_alias=True, exclude_none=True))
    assert again == log
    return log


def test_sarif_results_rules_and_locations(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD, "002_b.sql": BAD, "003_c.sql": EMPTY})
    code, document = _sarif(run_cli, root)
    assert code == 1  # exit codes do not depend on the format
    log = assert_github_code_scanning_accepts(document)
    assert document["$schema"].startswith("https://")
    driver = log.runs[0].tool.driver
    assert driver.version == __version__
    # Every registered rule, in code order, whatever fired.
    assert [rule.id for rule in driver.rules or []] == [info.code for info in all_rules()]
    by_id = {rule.id: rule for rule in driver.rules or []}
    assert by_id["GS103"].name == "sqlite-error"
    assert by_id["GS103"].default_configuration.level == "error"  # type: ignore[union-attr]
    assert by_id["GS107"].default_configuration.level == "warning"  # type: ignore[union-attr]
    assert by_id["GS201"].default_configuration.level == "note"  # type: ignore[union-attr]

    results = document["runs"][0]["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [("GS103", "error"), ("GS107", "warning")]
    error = results[0]
    assert error["message"]["text"].startswith("SQLite refuses this statement: no such table: missing")
    # The whole message in message.text (viewers show only it), and its fix on its own in properties.
    assert error["properties"] == {"fix": error["message"]["text"].split("; fix: ", 1)[1]}
    location = error["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "libs/engine/migrations/002_b.sql", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 1, "startColumn": 13}
    run = document["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == root.resolve().as_uri() + "/"
    assert run["columnKind"] == "unicodeCodePoints"
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert [n["level"] for n in notes] == ["note"]
    assert notes[0]["message"]["text"].startswith("note: engine has no migrations.lock")


def test_sarif_rule_descriptions_come_from_the_rule_docs(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD})
    code, document = _sarif(run_cli, root)
    assert code == 0
    assert document["runs"][0]["results"] == []
    assert_github_code_scanning_accepts(document)
    rules = {rule["id"]: rule for rule in document["runs"][0]["tool"]["driver"]["rules"]}
    missing_semicolon = rules["GS105"]
    info = next(r for r in all_rules() if r.code == "GS105")
    assert missing_semicolon["shortDescription"]["text"] == info.summary
    assert missing_semicolon["help"] == {"text": info.doc, "markdown": info.doc}
    # fullDescription is the doc's **Problem** paragraph, on one line.
    assert missing_semicolon["fullDescription"]["text"].startswith("wrangler runs each migration as the file's text")
    assert "\n" not in missing_semicolon["fullDescription"]["text"]
    assert "**Anti-pattern**" not in missing_semicolon["fullDescription"]["text"]


def test_sarif_findings_without_a_file_are_attached_to_the_config(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = _split_project(make_project)
    code, document = _sarif(run_cli, root)
    assert code == 1  # foreign-table-change is an error
    assert_github_code_scanning_accepts(document)
    results = document["runs"][0]["results"]

    def uri(result: dict[str, Any]) -> str:
        return str(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])

    at_config = [r for r in results if uri(r) == "ownership.toml"]
    assert sorted(r["ruleId"] for r in at_config) == ["GS201", "GS204", "GS205"]
    for result in at_config:
        assert result["level"] == "note"
        assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 1, "startColumn": 1}
    in_migration = [r for r in results if r not in at_config]
    assert {r["ruleId"] for r in in_migration} == {"GS201", "GS202"}
    assert all(uri(r) == "libs/engine/migrations/001_a.sql" for r in in_migration)


def test_sarif_levels_follow_the_finding_not_the_rule_default() -> None:
    downgraded = Finding(SQLITE_ERROR, "applied history", Location("/repo/a.sql", 3, 2), Severity.INFO)
    document = sarif_log(
        [downgraded], all_rules(), tool_version="0", fallback_path="/repo/ownership.toml", cwd=Path("/repo")
    )
    (result,) = document["runs"][0]["results"]
    assert result["level"] == "note"
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    assert rules[result["ruleIndex"]]["defaultConfiguration"]["level"] == "error"


def test_sarif_uris_are_relative_posix_and_percent_encoded(tmp_path: Path) -> None:
    folder = tmp_path / "repo"
    inside = make_finding(SQLITE_ERROR, "x", Location(str(folder / "my migrations" / "001_a#1.sql"), 2, 5))
    outside = make_finding(EMPTY_MIGRATION, "y", Location(str(tmp_path / "elsewhere" / "002_b.sql"), 1, 1))
    document = sarif_log(
        [inside, outside], all_rules(), tool_version="0", fallback_path=str(folder / "ownership.toml"), cwd=folder
    )
    assert_github_code_scanning_accepts(document)
    first, second = (r["locations"][0]["physicalLocation"]["artifactLocation"] for r in document["runs"][0]["results"])
    assert first == {"uri": "my%20migrations/001_a%231.sql", "uriBaseId": "%SRCROOT%"}
    assert second == {"uri": (tmp_path / "elsewhere" / "002_b.sql").resolve().as_uri()}


def test_sarif_with_paths_keeps_only_those_files(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": BAD, "002_b.sql": GOOD + "ALTER TABLE t ADD COLUMN a TEXT;\n"})
    code, document = _sarif(run_cli, root, "libs/engine/migrations/002_b.sql")
    assert code == 1
    assert_github_code_scanning_accepts(document)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in document["runs"][0]["results"]}
    assert uris == {"libs/engine/migrations/002_b.sql"}
    assert document["runs"][0]["invocations"][0]["toolExecutionNotifications"] == []


def test_sarif_of_the_bundled_example_is_accepted(run_cli) -> None:  # type: ignore[no-untyped-def]
    from .conftest import REPO

    # Many findings of every kind, with and without a file (whether it is clean is test_cli's concern).
    _code, document = _sarif(run_cli, REPO)
    log = assert_github_code_scanning_accepts(document)
    assert log.runs[0].results


# --- GitHub workflow commands ------------------------------------------------------------------


def test_github_format_golden(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD, "002_b.sql": BAD, "003_c.sql": EMPTY})
    result = run_cli("check", "--format", "github", cwd=root)
    assert result.code == 1
    assert result.out.splitlines() == [
        "::error file=libs/engine/migrations/002_b.sql,line=1,col=13,title=GS103 sqlite-error::SQLite refuses this "
        "statement: no such table: missing (D1 would roll back all of 002_b.sql and stop applying migrations "
        "there); fix: create the table in an earlier migration, or correct its name (grove-schema inspect lists "
        "the tables)",
        "::warning file=libs/engine/migrations/003_c.sql,line=1,col=1,title=GS107 empty-migration::the file "
        "holds no SQL statement, yet wrangler records it as applied; fix: write the migration's SQL in it, or "
        "delete the file before it is applied",
        "note: engine has no migrations.lock: once its migrations are applied in production, run `grove-schema "
        "lock` to accept them as applied history (edits and late low numbers are then caught)",
        "3 files, 2 statements; tables: engine 1 (D1 rolls back 002_b.sql and does not apply 003_c.sql); "
        "1 errors, 1 warnings, 0 info",
    ]


def test_github_format_info_is_a_notice_and_a_finding_without_a_file_has_no_file(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = _split_project(make_project)
    result = run_cli("check", "--format", "github", cwd=root)
    lines = result.out.splitlines()
    assert (
        "::notice title=GS201 pending-move::1 table in grove-engine-db belongs to curios; fix: run grove-schema "
        "plan for the order of the move"
    ) in lines
    assert (
        "::notice file=libs/engine/migrations/001_a.sql,line=2,col=1,title=GS201 pending-move::polls lives in engine "
        "(grove-engine-db) but the map gives it to curios (grove-curios-db): pending move; fix: move it when its "
        "phase comes (grove-schema plan lists the steps)"
    ) in lines
    error = "::error file=libs/engine/migrations/001_a.sql,line=2,col=1,title=GS202 foreign-table-change::"
    assert any(line.startswith(error) for line in lines)


@pytest.mark.parametrize(
    ("text", "data", "prop"),
    [
        ("plain", "plain", "plain"),
        ("100% sure", "100%25 sure", "100%25 sure"),
        ("%0A stays literal", "%250A stays literal", "%250A stays literal"),
        ("one\ntwo\r\nthree", "one%0Atwo%0D%0Athree", "one%0Atwo%0D%0Athree"),
        ("a, b: c", "a, b: c", "a%2C b%3A c"),
        ("::error::x", "::error::x", "%3A%3Aerror%3A%3Ax"),
    ],
)
def test_github_escaping(text: str, data: str, prop: str) -> None:
    assert github_escape_data(text) == data
    assert github_escape_property(text) == prop


def test_github_command_escapes_message_and_properties(tmp_path: Path) -> None:
    finding = make_finding(
        SQLITE_ERROR,
        "50% of\nthe rows: gone, really",
        Location(str(tmp_path / "odd,name:1.sql"), 7, 3),
    )
    assert github_command(finding, cwd=tmp_path) == (
        "::error file=odd%2Cname%3A1.sql,line=7,col=3,title=GS103 sqlite-error::50%25 of%0Athe rows: gone, really"
    )
    note = Finding(PENDING_MOVE, "a: b, c", None, Severity.INFO)
    assert github_command(note) == "::notice title=GS201 pending-move::a: b, c"
    warning = make_finding(EMPTY_MIGRATION, "empty", Location(str(tmp_path / "sub" / "001.sql"), 1, 1))
    assert github_command(warning, cwd=tmp_path) == (
        "::warning file=sub/001.sql,line=1,col=1,title=GS107 empty-migration::empty"
    )


# --- gcc ---------------------------------------------------------------------------------------


def test_gcc_format_golden(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD, "002_b.sql": BAD, "003_c.sql": EMPTY})
    result = run_cli("check", "--format", "gcc", cwd=root)
    assert result.code == 1
    # Diagnostics only: no note and no summary line, so an editor can read every line.
    assert result.out.splitlines() == [
        "libs/engine/migrations/002_b.sql:1:13: error: GS103 SQLite refuses this statement: no such table: missing "
        "(D1 would roll back all of 002_b.sql and stop applying migrations there); fix: create the table in an "
        "earlier migration, or correct its name (grove-schema inspect lists the tables)",
        "libs/engine/migrations/003_c.sql:1:1: warning: GS107 the file holds no SQL statement, yet wrangler "
        "records it as applied; fix: write the migration's SQL in it, or delete the file before it is applied",
    ]
    assert run_cli("check", "--format", "gcc", "--fail-on", "warning", cwd=root).code == 1


def test_gcc_format_without_findings_prints_nothing(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD})
    result = run_cli("check", "--format", "gcc", cwd=root)
    assert (result.code, result.out) == (0, "")


def test_gcc_lines(tmp_path: Path) -> None:
    finding = make_finding(SQLITE_ERROR, "first line\nsecond line", Location(str(tmp_path / "m" / "001.sql"), 4, 9))
    assert gcc_line(finding, cwd=tmp_path) == "m/001.sql:4:9: error: GS103 first line second line"
    info = Finding(PENDING_MOVE, "3 tables move", None, Severity.INFO)
    assert gcc_line(info) == "grove-schema: note: GS201 3 tables move"
    outside = make_finding(EMPTY_MIGRATION, "empty", Location(str(tmp_path / "x.sql"), 1, 1))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert gcc_line(outside, cwd=elsewhere) == f"{(tmp_path / 'x.sql').resolve()}:1:1: warning: GS107 empty"


def test_unknown_format_is_a_usage_error(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD})
    result = run_cli("check", "--format", "xml", cwd=root)
    assert result.code == 2 and "invalid choice: 'xml'" in result.err
