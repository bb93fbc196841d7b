"""Inline suppressions end to end, through `grove-schema check`: `ignore` on the statement's first
line or above it, `ignore-file`, and the findings about suppressions themselves.

The findings silenced here (`sqlite-error` from an ALTER of a missing table, `empty-migration`)
exist without any lint rule, so these tests hold whatever rules are registered."""

from __future__ import annotations

import json
from typing import Any

GOOD = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);\n"


def _check(run_cli, make_project, files: dict[str, str], *extra: str) -> tuple[int, list[dict[str, Any]]]:  # type: ignore[no-untyped-def]
    root = make_project({"001_base.sql": GOOD, **files})
    result = run_cli("check", "--format", "json", *extra, cwd=root)
    assert result.err == "", result.err
    return result.code, json.loads(result.out)["findings"]


def _brief(findings: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    """(name, file, line) of each finding."""
    return [(f["name"], f["path"].rsplit("/", 1)[-1], f["line"]) for f in findings]


def test_ignore_on_the_line_above_silences_that_statement_only(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    sql = (
        "-- grove-schema: ignore sqlite-error -- missing comes from a hotfix applied by hand\n"
        "ALTER TABLE missing ADD COLUMN c TEXT;\n"
        "ALTER TABLE missing ADD COLUMN d TEXT;\n"
    )
    code, findings = _check(run_cli, make_project, {"002_m.sql": sql})
    assert code == 1
    assert _brief(findings) == [("sqlite-error", "002_m.sql", 3)]


def test_ignore_on_the_statements_first_line(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    sql = (
        "ALTER TABLE missing ADD COLUMN c TEXT; -- grove-schema: ignore GS103 -- hotfix table\n"
        "ALTER TABLE missing ADD COLUMN d TEXT;\n"
    )
    code, findings = _check(run_cli, make_project, {"002_m.sql": sql})
    assert _brief(findings) == [("sqlite-error", "002_m.sql", 2)]
    assert code == 1


def test_ignore_above_a_multi_line_statement_and_through_blank_lines(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    sql = (
        "-- grove-schema: ignore sqlite-error -- hotfix table\n"
        "-- (the second comment line is part of the same block)\n"
        "\n"
        "ALTER TABLE missing\n"
        "  ADD COLUMN c TEXT;\n"
    )
    code, findings = _check(run_cli, make_project, {"002_m.sql": sql})
    assert (code, findings) == (0, [])


def test_code_and_name_in_any_case_and_several_rules(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    sql = (
        "-- grove-schema: ignore gs103 -- lower-case code\n"
        "ALTER TABLE missing ADD COLUMN c TEXT;\n"
        "-- GROVE-SCHEMA: IGNORE SQLITE-ERROR -- upper-case name\n"
        "ALTER TABLE missing ADD COLUMN d TEXT;\n"
        "-- grove-schema: ignore sqlite-error, parse-error -- only one of them is used\n"
        "ALTER TABLE missing ADD COLUMN e TEXT;\n"
        "ALTER TABLE t ADD COLUMN IF NOT EXISTS b TEXT;\n"
    )
    _code, findings = _check(run_cli, make_project, {"002_m.sql": sql})
    # The multi-rule comment covers the statement below it, not the parse error one line further.
    assert _brief(findings) == [("suppression-unused", "002_m.sql", 5), ("parse-error", "002_m.sql", 7)]
    assert findings[0]["message"] == (
        "parse-error in this suppression silenced nothing; fix: remove parse-error from the comment"
    )


def test_a_suppression_of_another_rule_silences_nothing(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    sql = "-- grove-schema: ignore empty-migration -- wrong rule\nALTER TABLE missing ADD COLUMN c TEXT;\n"
    code, findings = _check(run_cli, make_project, {"002_m.sql": sql})
    assert code == 1
    assert _brief(findings) == [("suppression-unused", "002_m.sql", 1), ("sqlite-error", "002_m.sql", 2)]


def test_a_statement_in_between_breaks_the_link(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    sql = (
        "-- grove-schema: ignore sqlite-error -- meant for the ALTER\n"
        "CREATE INDEX ix_t_a ON t (a);\n"
        "ALTER TABLE missing ADD COLUMN c TEXT;\n"
    )
    _code, findings = _check(run_cli, make_project, {"002_m.sql": sql})
    assert _brief(findings) == [("suppression-unused", "002_m.sql", 1), ("sqlite-error", "002_m.sql", 3)]


def test_ignore_file_silences_the_whole_file_but_no_other(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    sql = (
        "-- grove-schema: ignore-file sqlite-error -- this file replays a hand-applied hotfix\n"
        "ALTER TABLE missing ADD COLUMN c TEXT;\n"
        "CREATE INDEX ix_t_a ON t (a);\n"
        "ALTER TABLE missing ADD COLUMN d TEXT;\n"
    )
    other = "ALTER TABLE missing ADD COLUMN e TEXT;\n"
    code, findings = _check(run_cli, make_project, {"002_m.sql": sql, "003_n.sql": other})
    assert code == 1
    assert _brief(findings) == [("sqlite-error", "003_n.sql", 1)]


def test_ignore_file_can_silence_an_empty_migration(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    sql = "-- grove-schema: ignore-file empty-migration -- kept as a placeholder for the split\n"
    code, findings = _check(run_cli, make_project, {"002_m.sql": sql}, "--fail-on", "warning")
    assert (code, findings) == (0, [])


def test_no_reason_is_malformed_and_silences_nothing(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    for comment in (
        "-- grove-schema: ignore sqlite-error",
        "-- grove-schema: ignore sqlite-error --",
        "-- grove-schema: ignore sqlite-error --   ",
    ):
        sql = f"{comment}\nALTER TABLE missing ADD COLUMN c TEXT;\n"
        code, findings = _check(run_cli, make_project, {"002_m.sql": sql})
        assert code == 1
        expected = [("suppression-malformed", "002_m.sql", 1), ("sqlite-error", "002_m.sql", 2)]
        assert _brief(findings) == expected, comment
        malformed = findings[0]
        assert malformed["severity"] == "error" and malformed["code"] == "GS501"
        assert "gives no reason" in malformed["message"]
        assert "-- grove-schema: ignore <code-or-name> -- <reason>" in malformed["message"]


def test_unknown_rule_is_malformed(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    sql = "-- grove-schema: ignore no-such-rule -- typo\nALTER TABLE missing ADD COLUMN c TEXT;\n"
    code, findings = _check(run_cli, make_project, {"002_m.sql": sql})
    assert code == 1
    assert _brief(findings) == [("suppression-malformed", "002_m.sql", 1), ("sqlite-error", "002_m.sql", 2)]
    assert "names an unknown rule: no-such-rule" in findings[0]["message"]
    assert "gives no reason" not in findings[0]["message"]


def test_no_rule_is_malformed(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    sql = "-- grove-schema: ignore-file -- everything\nALTER TABLE missing ADD COLUMN c TEXT;\n"
    _code, findings = _check(run_cli, make_project, {"002_m.sql": sql})
    assert _brief(findings) == [("suppression-malformed", "002_m.sql", 1), ("sqlite-error", "002_m.sql", 2)]
    assert "names no rule" in findings[0]["message"]
    assert "grove-schema: ignore-file <code-or-name>" in findings[0]["message"]


def test_reason_separator_without_spaces(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    sql = "-- grove-schema: ignore sqlite-error --hotfix table\nALTER TABLE missing ADD COLUMN c TEXT;\n"
    code, findings = _check(run_cli, make_project, {"002_m.sql": sql})
    assert (code, findings) == (0, [])


def test_unused_suppression_is_a_warning(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    sql = "-- grove-schema: ignore sqlite-error -- no longer needed\nCREATE INDEX ix_t_a ON t (a);\n"
    code, findings = _check(run_cli, make_project, {"002_m.sql": sql})
    assert code == 0
    assert _brief(findings) == [("suppression-unused", "002_m.sql", 1)]
    (unused,) = findings
    assert (unused["code"], unused["severity"], unused["column"]) == ("GS502", "warning", 1)
    assert "sqlite-error" in unused["message"] and unused["message"].endswith("; fix: remove the comment")
    assert _check(run_cli, make_project, {"002_m.sql": sql}, "--fail-on", "warning")[0] == 1


def test_unused_ignore_file(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    sql = "CREATE INDEX ix_t_a ON t (a);\n-- grove-schema: ignore-file sqlite-error -- no longer needed\n"
    _code, findings = _check(run_cli, make_project, {"002_m.sql": sql})
    assert _brief(findings) == [("suppression-unused", "002_m.sql", 2)]


def test_suppressions_about_suppressions_cannot_be_silenced(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    sql = (
        "-- grove-schema: ignore-file suppression-malformed, suppression-unused -- hide them all\n"
        "-- grove-schema: ignore sqlite-error\n"
        "ALTER TABLE missing ADD COLUMN c TEXT;\n"
    )
    _code, findings = _check(run_cli, make_project, {"002_m.sql": sql})
    assert _brief(findings) == [
        ("suppression-unused", "002_m.sql", 1),
        ("suppression-malformed", "002_m.sql", 2),
        ("sqlite-error", "002_m.sql", 3),
    ]


def test_directives_in_block_comments_and_strings_are_not_suppressions(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    sql = (
        "/* -- grove-schema: ignore sqlite-error -- inside a block comment */\n"
        "ALTER TABLE missing ADD COLUMN c TEXT;\n"
        "INSERT INTO t (a) VALUES ('-- grove-schema: ignore sqlite-error -- in a string'); "
        "ALTER TABLE missing ADD COLUMN d TEXT;\n"
    )
    _code, findings = _check(run_cli, make_project, {"002_m.sql": sql})
    assert _brief(findings) == [("sqlite-error", "002_m.sql", 2), ("sqlite-error", "002_m.sql", 3)]


def test_a_suppression_only_covers_its_own_file(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    files = {
        "002_m.sql": "-- grove-schema: ignore-file sqlite-error -- hotfix\nCREATE INDEX ix_t_a ON t (a);\n",
        "003_n.sql": "ALTER TABLE missing ADD COLUMN c TEXT;\n",
    }
    _code, findings = _check(run_cli, make_project, files)
    assert _brief(findings) == [("suppression-unused", "002_m.sql", 1), ("sqlite-error", "003_n.sql", 1)]


def test_text_format_shows_suppression_findings(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_base.sql": GOOD, "002_m.sql": "-- grove-schema: ignore sqlite-error\nSELECT 1;\n"})
    result = run_cli("check", cwd=root)
    assert result.code == 1
    assert result.out.splitlines()[0].startswith(
        "libs/engine/migrations/002_m.sql:1:1: error GS501 suppression-malformed: this grove-schema ignore comment "
        "gives no reason"
    )
