"""D1's limits (GS415-GS418), run through the replay against the D1-profile dev database.

Each rule: failing examples (the finding, its severity and line, and no `sqlite-error` repeating
what the rule explains) and passing ones at the limit (no finding, and the dev database agrees)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grove_schema.discovery import discover_stream
from grove_schema.findings import Finding, Severity
from grove_schema.replay import LintSettings, Replayer, ReplayOptions, StreamReplay
from grove_schema.rules import ALL_RULES
from grove_schema.rules.limits import RULES, StatementTooLong
from grove_schema.sources import read_migration

from .conftest import EXAMPLE_MIGRATIONS
from .replaying import found, lint

MY_RULES = {rule.name for rule in RULES}


def at(finding: Finding) -> tuple[int, int]:
    assert finding.location is not None
    return finding.location.line, finding.location.column


def only(result: StreamReplay, rule: str) -> Finding:
    """The one finding of `rule`; nothing else, so no sqlite-error repeats it."""
    findings = found(result, rule)
    assert len(findings) == 1, [f"{f.name}: {f.message}" for f in result.findings]
    assert [f"{f.name}: {f.message}" for f in result.findings if f.name != rule] == []
    assert findings[0].severity is Severity.ERROR
    return findings[0]


def clean(result: StreamReplay) -> None:
    assert [f"{f.name}: {f.message}" for f in result.findings] == []


def columns(count: int) -> str:
    return ", ".join(f"c{i} TEXT" for i in range(count))


# --- GS415 too-many-columns ---------------------------------------------------------------------


def test_create_table_with_101_columns() -> None:
    finding = only(lint(f"CREATE TABLE t (id INTEGER);\nCREATE TABLE wide ({columns(101)});\n"), "too-many-columns")
    assert at(finding) == (2, 1)
    assert "declares 101 columns" in finding.message and "side table" in finding.message
    assert finding.message.count('"too many columns on wide"') == 1  # SQLite's text, quoted once
    assert "stop applying migrations there); fix: move related columns" in finding.message


def test_add_column_that_makes_the_101st() -> None:
    result = lint(f"CREATE TABLE wide ({columns(100)});\n", "ALTER TABLE wide ADD COLUMN extra INTEGER;\n")
    finding = only(result, "too-many-columns")
    assert finding.location is not None and Path(finding.location.path).name == "002_m.sql"
    assert "would give wide 101 columns" in finding.message and "too many columns" in finding.message


def test_one_hundred_columns_pass() -> None:
    clean(
        lint(
            f"CREATE TABLE wide ({columns(100)});\n",
            f"CREATE TABLE w2 ({columns(99)});\nALTER TABLE w2 ADD COLUMN c99 TEXT;\n",
        )
    )


# --- GS416 statement-too-long -------------------------------------------------------------------


def test_statement_over_100000_bytes_is_this_rule_not_sqlite_error() -> None:
    result = lint("CREATE TABLE t (v TEXT);\nINSERT INTO t (v) VALUES ('" + "x" * 100_001 + "');\n")
    finding = only(result, "statement-too-long")
    assert at(finding) == (2, 1)
    assert "statement too long: 100,030 bytes" in finding.message
    assert "over 100,000 bytes" in finding.message and "split it" in finding.message
    assert '(SQLite: "string or blob too big")' in finding.message


def test_bytes_not_characters_count() -> None:
    # 60,000 two-byte characters: 120,000 bytes, though fewer than 100,000 characters.
    finding = only(
        lint("CREATE TABLE t (v TEXT);\nINSERT INTO t (v) VALUES ('" + "é" * 60_000 + "');\n"), "statement-too-long"
    )
    assert "120,029 bytes" in finding.message


def test_a_long_file_of_short_statements_passes() -> None:
    inserts = "".join(f"INSERT INTO t (v) VALUES ('{'y' * 49_970}');\n" for _ in range(3))
    clean(lint("CREATE TABLE t (v TEXT);\n" + inserts))


def test_without_the_rule_the_replay_reports_sqlite_error() -> None:
    rules = tuple(rule for rule in ALL_RULES if not isinstance(rule, StatementTooLong))
    result = lint("CREATE TABLE t (v TEXT);\nINSERT INTO t (v) VALUES ('" + "x" * 100_001 + "');\n", rules=rules)
    assert [f.name for f in result.findings] == ["sqlite-error"]
    assert "100,030 bytes, D1's limit is 100,000" in result.findings[0].message


# --- GS417 compound-select-limit ----------------------------------------------------------------


def compound(terms: int, operator: str = "UNION ALL") -> str:
    return f"\n{operator} ".join(f"SELECT {i}" for i in range(terms))


def test_insert_select_of_six_terms() -> None:
    result = lint(f"CREATE TABLE t (v INTEGER);\nINSERT INTO t (v)\n{compound(6)};\n")
    finding = only(result, "compound-select-limit")
    assert at(finding) == (8, 1)  # the operator that starts the sixth term
    assert "compound SELECT of 6 terms" in finding.message and "VALUES" in finding.message
    assert finding.message.count('"too many terms in compound SELECT"') == 1


@pytest.mark.parametrize("operator", ["UNION", "INTERSECT", "EXCEPT", "union all"])
def test_a_view_of_six_terms_fails_when_read(operator: str) -> None:
    finding = only(lint(f"CREATE VIEW v AS {compound(6, operator)};\n"), "compound-select-limit")
    assert "the view is created, and fails each time it is read" in finding.message


def test_a_trigger_body_of_six_terms() -> None:
    result = lint(
        "CREATE TABLE t (v INTEGER);\nCREATE TABLE log (v INTEGER);\n"
        f"CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  INSERT INTO log (v) SELECT 1;\n"
        f"  INSERT INTO log (v) {compound(6)};\nEND;\n"
    )
    findings = found(result, "compound-select-limit")
    assert len(findings) == 1 and "the trigger is created" in findings[0].message


def test_five_terms_values_lists_and_nested_compounds_pass() -> None:
    clean(
        lint(
            "CREATE TABLE t (v INTEGER, note TEXT);\n"
            f"INSERT INTO t (v) {compound(5)};\n"
            "INSERT INTO t (v) VALUES " + ", ".join(f"({i})" for i in range(12)) + ";\n"
            f"INSERT INTO t (v) SELECT * FROM ({compound(3)}) UNION SELECT * FROM ({compound(3)}) "
            f"UNION SELECT 7 UNION SELECT 8 UNION SELECT 9;\n"
            "INSERT INTO t (note) VALUES ('union union union union union union');\n"
            "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n"
            f"  SELECT 1 UNION SELECT 2 UNION SELECT 3;\n  SELECT 1 UNION SELECT 2 UNION SELECT 3;\nEND;\n"
        )
    )


# --- GS418 like-pattern-too-long ----------------------------------------------------------------

PATTERN_51 = "%" + "x" * 49 + "%"
PATTERN_50 = "%" + "x" * 48 + "%"


def test_a_like_pattern_of_51_bytes() -> None:
    result = lint(
        f"CREATE TABLE t (v TEXT);\nINSERT INTO t (v) VALUES ('b');\nDELETE FROM t\nWHERE v LIKE '{PATTERN_51}';\n"
    )
    finding = only(result, "like-pattern-too-long")
    assert at(finding) == (4, 14)  # the literal
    assert "LIKE pattern of 51 bytes" in finding.message and "50 bytes" in finding.message
    assert finding.message.count('"LIKE or GLOB pattern too complex"') == 1


@pytest.mark.parametrize(
    ("expression", "says"),
    [
        ("v GLOB '" + "é" * 26 + "'", "GLOB pattern of 52 bytes"),
        (f"v NOT LIKE '{PATTERN_51}' ESCAPE '!'", "LIKE pattern of 51 bytes"),
        (f"like('{PATTERN_51}', v)", "LIKE pattern of 51 bytes"),
        (f"v LIKE ('{PATTERN_51}')", "LIKE pattern of 51 bytes"),
        (f"v LIKE '{PATTERN_51}' || v", "LIKE pattern of 51 bytes"),  # at least that long
    ],
)
def test_long_pattern_forms(expression: str, says: str) -> None:
    result = lint(f"CREATE TABLE t (v TEXT);\nINSERT INTO t (v) VALUES ('b');\nSELECT 1 FROM t WHERE {expression};\n")
    assert says in only(result, "like-pattern-too-long").message


def test_a_check_with_a_long_glob_fails_on_every_insert() -> None:
    result = lint(f"CREATE TABLE t (\n  v TEXT CHECK (v IS NULL OR v LIKE '{PATTERN_51}')\n);\n")
    findings = found(result, "like-pattern-too-long")
    assert [at(f)[0] for f in findings] == [2]
    assert found(result, "sqlite-error") == []  # an empty table: SQLite has not evaluated it yet


def test_patterns_up_to_50_bytes_and_non_patterns_pass() -> None:
    clean(
        lint(
            "CREATE TABLE t (v TEXT, note TEXT);\nINSERT INTO t (v, note) VALUES ('b', 'looks like a GLOB');\n"
            f"DELETE FROM t WHERE v LIKE '{PATTERN_50}';\n"
            f"DELETE FROM t WHERE v LIKE '%' || note || '%';\n"
            f"UPDATE t SET note = '{PATTERN_51}' WHERE v LIKE 'b%';\n"
            "SELECT 1 FROM t WHERE v GLOB '" + "é" * 25 + "';\n"
        )
    )


# --- the bundled example and the corpus ---------------------------------------------------------


def replay_directory(directory: Path) -> StreamReplay:
    replayer = Replayer("engine", ReplayOptions(lint=LintSettings(rules=ALL_RULES)))
    try:
        for migration in discover_stream(directory):
            text = read_migration(migration.path)
            assert isinstance(text, str)
            replayer.apply_file(migration, text)
    finally:
        replayer.close()
    return replayer.result


def test_no_limit_finding_on_the_bundled_example() -> None:
    # Its gallery_tags.color CHECK once used a 67-byte GLOB pattern, which fails in D1 on every insert
    # of a colour; it now tests the characters with a 14-byte pattern.
    result = replay_directory(EXAMPLE_MIGRATIONS)
    assert [f.message for f in result.findings if f.name in MY_RULES] == []


@pytest.mark.corpus
def test_no_limit_finding_on_the_corpus(corpus_root: Path) -> None:
    result = replay_directory(corpus_root / "libs" / "engine" / "migrations")
    assert [f.message for f in result.findings if f.name in MY_RULES] == []
