"""The ALTER TABLE rules (GS401-GS404), run through the replay against the D1-profile dev database."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from grove_schema.findings import Severity
from grove_schema.model import Schema
from grove_schema.replay import StreamReplay
from grove_schema.rules import rule_named
from grove_schema.rules.alter_table import RULES, is_constant_default
from grove_schema.sql.references import column_references

from .conftest import REPO, CliResult
from .replaying import found, lint


def no_sqlite_error(result: StreamReplay) -> None:
    assert found(result, "sqlite-error") == [], [f.message for f in result.findings]


TABLE = "CREATE TABLE t (\n  id INTEGER PRIMARY KEY,\n  a TEXT,\n  b TEXT,\n  c TEXT\n);\n"


# --- GS401 drop-column-dependency -----------------------------------------------------------


@pytest.mark.parametrize(
    ("setup", "column", "expected", "sqlite_says"),
    [
        ("CREATE INDEX idx_t_b ON t(b);", "b", "index idx_t_b uses t.b (as a column)", "error in index idx_t_b"),
        (
            "CREATE INDEX idx_t_a ON t(a) WHERE b IS NOT NULL;",
            "b",
            "index idx_t_a uses t.b (in its WHERE)",
            "after drop column",
        ),
        (
            "CREATE INDEX idx_t_lower ON t(lower(b));",
            "b",
            "index idx_t_lower uses t.b (in an expression)",
            "after drop column",
        ),
    ],
)
def test_drop_column_used_by_an_index_names_the_index_and_the_drop_index_fix(
    setup: str, column: str, expected: str, sqlite_says: str
) -> None:
    result = lint(TABLE + setup, f"-- drop it\nALTER TABLE t DROP COLUMN {column};\n")
    [finding] = found(result, "drop-column-dependency")
    assert finding.severity is Severity.ERROR
    assert finding.location is not None and finding.location.line == 2
    assert finding.location.path.endswith("002_m.sql")
    assert expected in finding.message
    index = expected.split()[1]
    assert f"DROP INDEX {index};" in finding.message
    assert sqlite_says in finding.message  # the dev database's refusal, quoted
    no_sqlite_error(result)


@pytest.mark.parametrize(
    ("create", "column", "expected", "sqlite_says"),
    [
        (
            "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);",
            "id",
            "part of the PRIMARY KEY",
            "cannot drop PRIMARY KEY column",
        ),
        (
            "CREATE TABLE t (id INTEGER, a TEXT, b TEXT, PRIMARY KEY (id, a));",
            "a",
            "part of the PRIMARY KEY",
            "cannot drop PRIMARY KEY column",
        ),
        (
            "CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT UNIQUE, a TEXT);",
            "email",
            "has a UNIQUE constraint",
            "cannot drop UNIQUE column",
        ),
        (
            "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT, UNIQUE (a, b));",
            "b",
            "is in UNIQUE(a, b)",
            "after drop column",
        ),
        (
            "CREATE TABLE p (id INTEGER PRIMARY KEY);\n"
            "CREATE TABLE t (id INTEGER PRIMARY KEY, pid INTEGER, a TEXT, FOREIGN KEY (pid) REFERENCES p(id));",
            "pid",
            "table-level FOREIGN KEY (pid) REFERENCES p",
            "after drop column",
        ),
        (
            "CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b INTEGER CHECK (b > a));",
            "a",
            "the CHECK on column b of t uses t.a",
            "after drop column",
        ),
        (
            "CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b INTEGER, CHECK (a < b));",
            "b",
            "a table CHECK of t uses t.b",
            "after drop column",
        ),
        (
            "CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, g INTEGER AS (a * 2));",
            "a",
            "generated column t.g is computed from t.a",
            "after drop column",
        ),
    ],
)
def test_drop_column_named_by_a_constraint(create: str, column: str, expected: str, sqlite_says: str) -> None:
    result = lint(create, f"ALTER TABLE t DROP COLUMN {column};")
    [finding] = found(result, "drop-column-dependency")
    assert expected in finding.message
    assert "rebuild" in finding.message or "drop the generated column first" in finding.message
    assert sqlite_says in finding.message
    assert finding.location is not None and finding.location.line == 1
    no_sqlite_error(result)


def test_drop_column_read_by_a_view_or_a_trigger() -> None:
    result = lint(
        TABLE
        + "CREATE TABLE log (id INTEGER PRIMARY KEY, x TEXT);\n"
        + "CREATE VIEW v_t AS SELECT id, a FROM t;\n"
        + "CREATE TRIGGER tr_log AFTER INSERT ON log BEGIN UPDATE t SET c = new.x WHERE id = new.id; END;\n"
        + "CREATE TRIGGER tr_when AFTER UPDATE ON t WHEN new.b IS NULL BEGIN DELETE FROM log; END;\n",
        "ALTER TABLE t DROP COLUMN a;",
        "ALTER TABLE t DROP COLUMN c;",
        "ALTER TABLE t DROP COLUMN b;",
    )
    messages = [(Path(f.location.path).name, f.message) for f in found(result, "drop-column-dependency") if f.location]
    assert [name for name, _ in messages] == ["002_m.sql", "003_m.sql", "004_m.sql"]
    assert "view v_t reads t.a" in messages[0][1] and "DROP VIEW v_t;" in messages[0][1]
    assert "trigger tr_log (on log) uses t.c" in messages[1][1] and "DROP TRIGGER tr_log;" in messages[1][1]
    assert "trigger tr_when (on t) uses t.b" in messages[2][1]
    no_sqlite_error(result)


def test_drop_column_of_a_referenced_parent_column_breaks_the_child() -> None:
    result = lint(
        "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT, note TEXT);\n"
        "CREATE TABLE c (id INTEGER PRIMARY KEY, p_code TEXT REFERENCES p(code));",
        "ALTER TABLE p DROP COLUMN code;",
    )
    [finding] = found(result, "drop-column-dependency")
    assert "c(p_code) REFERENCES p(code)" in finding.message and "foreign key mismatch" in finding.message


def test_drop_column_that_nothing_else_uses_passes() -> None:
    result = lint(
        TABLE
        + "CREATE TABLE u (id INTEGER PRIMARY KEY, b TEXT);\n"
        # same-named column of another table, a subquery's own column, SELECT *: not uses of t.b
        + "CREATE VIEW v_u AS SELECT u.b FROM t JOIN u ON u.id = t.id;\n"
        + "CREATE VIEW v_sub AS SELECT id, (SELECT b FROM u WHERE u.id = t.id) AS ub FROM t;\n"
        + "CREATE VIEW v_all AS SELECT * FROM t;\n"
        + "CREATE VIEW v_alias AS SELECT id AS b FROM t ORDER BY b;\n"
        + "CREATE INDEX idx_t_a ON t(a) WHERE a IS NOT NULL;\n"
        + "CREATE TRIGGER tr_u AFTER INSERT ON u BEGIN UPDATE u SET b = upper(new.b) WHERE id = new.id; END;\n",
        "ALTER TABLE t DROP COLUMN b;",
    )
    assert found(result, "drop-column-dependency") == []
    no_sqlite_error(result)


def test_drop_column_with_its_own_references_and_check_passes() -> None:
    """SQLite drops a column-level REFERENCES and the column's own CHECK with the column."""
    result = lint(
        "CREATE TABLE p (id INTEGER PRIMARY KEY);\n"
        "CREATE TABLE t (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p(id), n INTEGER CHECK (n > 0));",
        "ALTER TABLE t DROP COLUMN pid;\nALTER TABLE t DROP COLUMN n;",
    )
    assert found(result, "drop-column-dependency") == []
    no_sqlite_error(result)


def test_column_references_resolve_scopes_like_sqlite() -> None:
    schema = lint(TABLE + "CREATE TABLE u (id INTEGER PRIMARY KEY, b TEXT, t_id INTEGER);").schema
    refs = column_references(
        "SELECT t.a, x.b FROM t JOIN u AS x ON x.t_id = t.id WHERE EXISTS (SELECT 1 FROM u WHERE u.b = c)", schema
    )
    assert refs == {("t", "a"), ("t", "id"), ("u", "b"), ("u", "t_id"), ("t", "c")}
    assert column_references("INSERT INTO t(a, b) VALUES (new.x, 1)", schema, trigger_table="u") == {
        ("t", "a"),
        ("t", "b"),
        ("u", "x"),
    }
    assert column_references("UPDATE OR IGNORE t SET a = 1 WHERE b = old.b", schema, trigger_table="u") == {
        ("t", "a"),
        ("t", "b"),
        ("u", "b"),
    }
    assert column_references("WITH w AS (SELECT b FROM u) SELECT b FROM w", schema) == {("u", "b")}
    assert column_references("SELECT RAISE(ABORT, 'no')", Schema()) == set()
    assert column_references("this is not SQL (", schema) is None


# --- GS402 add-column-not-null --------------------------------------------------------------


@pytest.mark.parametrize("column", ["region TEXT NOT NULL", "region TEXT NOT NULL DEFAULT NULL"])
def test_add_not_null_column_without_default_fails_statically(column: str) -> None:
    result = lint(TABLE, f"\nALTER TABLE t ADD COLUMN {column};")
    [finding] = found(result, "add-column-not-null")
    assert finding.severity is Severity.ERROR
    assert finding.location is not None and finding.location.line == 2
    assert "once t has rows" in finding.message and "DEFAULT" in finding.message
    no_sqlite_error(result)  # the table is empty: SQLite accepts it here, production will not


def test_add_not_null_column_on_a_table_with_rows_quotes_sqlite_once() -> None:
    result = lint(TABLE + "INSERT INTO t (a) VALUES ('x');", "ALTER TABLE t ADD COLUMN region TEXT NOT NULL;")
    [finding] = found(result, "add-column-not-null")
    assert finding.message.count('"Cannot add a NOT NULL column with default value NULL"') == 1
    assert "(D1 would roll back all of 002_m.sql and stop applying migrations there); fix: " in finding.message
    no_sqlite_error(result)


@pytest.mark.parametrize(
    "column",
    [
        "region TEXT NOT NULL DEFAULT 'eu'",
        "region TEXT",
        "n INTEGER NOT NULL DEFAULT (0)",
        "g INTEGER AS (id * 2) NOT NULL",
    ],
)
def test_add_column_not_null_passes(column: str) -> None:
    result = lint(TABLE + "INSERT INTO t (a) VALUES ('x');", f"ALTER TABLE t ADD COLUMN {column};")
    assert found(result, "add-column-not-null") == []
    no_sqlite_error(result)


# --- GS403 add-column-nonconstant-default ---------------------------------------------------


@pytest.mark.parametrize(
    "default",
    [
        "CURRENT_TIMESTAMP",
        "CURRENT_DATE",
        "CURRENT_TIME",
        "(unixepoch())",
        "(datetime('now'))",
        "(1 + 1)",
        "('a' || 'b')",
        "(abs(-1))",
    ],
)
def test_add_column_with_nonconstant_default_fails_statically(default: str) -> None:
    result = lint(TABLE, f"ALTER TABLE t ADD COLUMN updated_at INTEGER DEFAULT {default};")
    [finding] = found(result, "add-column-nonconstant-default")
    assert finding.severity is Severity.ERROR
    assert finding.location is not None and finding.location.line == 1
    assert "non-constant default" in finding.message and "once t has rows" in finding.message
    assert "UPDATE t SET updated_at" in finding.message
    no_sqlite_error(result)


def test_add_column_with_nonconstant_default_on_rows_quotes_sqlite_once() -> None:
    result = lint(
        TABLE + "INSERT INTO t (a) VALUES ('x');",
        "ALTER TABLE t ADD COLUMN updated_at INTEGER NOT NULL DEFAULT (unixepoch());",
    )
    assert [f.name for f in result.findings] == ["add-column-nonconstant-default"]
    message = result.findings[0].message
    assert message.count("Cannot add a column with non-constant default") == 1 and "SQLite: " not in message
    assert message.index("D1 would roll back") < message.index("; fix: ")


@pytest.mark.parametrize(
    "default",
    ["0", "(0)", "(-1)", "-1", "'x'", "('x')", "NULL", "TRUE", "x'00'", "(CAST(1 AS TEXT))", "abc", "+1", "(-(1))"],
)
def test_add_column_with_constant_default_passes(default: str) -> None:
    result = lint(TABLE + "INSERT INTO t (a) VALUES ('x');", f"ALTER TABLE t ADD COLUMN n TEXT DEFAULT {default};")
    assert found(result, "add-column-nonconstant-default") == []
    no_sqlite_error(result)


@pytest.mark.parametrize(
    "default",
    [
        "0",
        "(0)",
        "(-1)",
        "- 1",
        "'x'",
        "('x')",
        "NULL",
        "(NULL)",
        "TRUE",
        "FALSE",
        "x'00'",
        "abc",
        '"abc"',
        "(CAST(1 AS TEXT))",
        "(1) COLLATE nocase",
        "CURRENT_TIMESTAMP",
        "(unixepoch())",
        "(datetime('now'))",
        "(1 + 1)",
        "('a' || 'b')",
        "(abs(-1))",
        "(-(1))",
        "(random())",
        "(CAST(unixepoch() AS TEXT))",
    ],
)
def test_constant_default_agrees_with_sqlite(default: str) -> None:
    """The classifier against SQLite itself, on a table with a row."""
    connection = sqlite3.connect(":memory:")
    connection.executescript("CREATE TABLE e (id INTEGER); INSERT INTO e VALUES (1);")
    try:
        connection.execute(f"ALTER TABLE e ADD COLUMN c TEXT DEFAULT {default}")
        sqlite_accepts = True
    except sqlite3.OperationalError as error:
        assert "non-constant default" in str(error)
        sqlite_accepts = False
    finally:
        connection.close()
    from grove_schema.sql.lexer import split_statements
    from grove_schema.sql.parsing import AlterTable, parse_statement

    text = f"ALTER TABLE e ADD COLUMN c TEXT DEFAULT {default}"
    statement = parse_statement(split_statements(text).statements[0], text)
    assert isinstance(statement, AlterTable) and statement.column is not None
    assert statement.column.default is not None
    assert is_constant_default(statement.column.default) is sqlite_accepts


# --- GS404 add-column-constraint ------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "expected", "with_rows"),
    [
        ("k INTEGER PRIMARY KEY", "Cannot add a PRIMARY KEY column", False),
        ("handle TEXT UNIQUE", "Cannot add a UNIQUE column", False),
        ("g INTEGER AS (id * 2) STORED", "cannot add a STORED column", True),
        ("pid INTEGER REFERENCES p(id) DEFAULT 1", "Cannot add a REFERENCES column with non-NULL default value", True),
    ],
)
def test_add_column_with_a_constraint(column: str, expected: str, with_rows: bool) -> None:
    setup = "CREATE TABLE p (id INTEGER PRIMARY KEY);\n" + TABLE
    result = lint(setup, f"ALTER TABLE t ADD COLUMN {column};")
    [finding] = found(result, "add-column-constraint")
    assert finding.severity is Severity.ERROR and expected in finding.message
    assert finding.location is not None and finding.location.line == 1
    if with_rows:
        assert "once t has rows" in finding.message
        rows = lint(setup + "INSERT INTO t (a) VALUES ('x');", f"ALTER TABLE t ADD COLUMN {column};")
        [finding] = found(rows, "add-column-constraint")
        no_sqlite_error(rows)
    # SQLite's text, quoted once; the rollback said before the fix (SQLite refuses it even on an empty table)
    assert finding.message.count(expected) == 1, finding.message
    assert "(D1 would roll back all of 002_m.sql and stop applying migrations there); fix: " in finding.message
    no_sqlite_error(result)


@pytest.mark.parametrize(
    "column",
    [
        "g INTEGER AS (id * 2) VIRTUAL",
        "pid INTEGER REFERENCES p(id)",
        "pid INTEGER REFERENCES p(id) DEFAULT NULL",
        "handle TEXT",
    ],
)
def test_add_column_without_a_forbidden_constraint_passes(column: str) -> None:
    result = lint(
        "CREATE TABLE p (id INTEGER PRIMARY KEY);\n" + TABLE + "INSERT INTO t (a) VALUES ('x');",
        f"ALTER TABLE t ADD COLUMN {column};",
    )
    assert found(result, "add-column-constraint") == []
    no_sqlite_error(result)


# --- docs, explain, the bundled example and the corpus --------------------------------------


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_is_documented_and_explained(rule: object, run_cli: Callable[..., CliResult]) -> None:
    from grove_schema.rules.base import Rule

    assert isinstance(rule, Rule)
    assert rule_named(rule.name) is rule and rule_named(rule.code) is rule
    for section in ("**Problem**", "**Anti-pattern**", "**Fix**", "```sql"):
        assert section in rule.info.doc, f"{rule.code} lacks {section}"
    shown = run_cli("explain", rule.name, cwd=REPO)
    assert shown.code == 0 and "**Problem**" in shown.out and rule.code in shown.out + shown.err


def test_bundled_example_gets_no_alter_table_finding(run_cli: Callable[..., CliResult]) -> None:
    result = run_cli("check", cwd=REPO)
    assert result.out.strip(), result.err
    assert not any(f" GS40{n} " in result.out for n in range(1, 5)), result.out


@pytest.mark.corpus
def test_corpus_findings_of_the_alter_table_rules(corpus_root: Path, run_cli: Callable[..., CliResult]) -> None:
    result = run_cli("--root", str(corpus_root), "check", cwd=REPO)
    ours = [line for line in result.out.splitlines() if any(f" GS40{n} " in line for n in range(1, 5))]
    assert len(ours) == 1, ours
    assert "053_wanderer_tier.sql:10:57: error GS403 add-column-nonconstant-default" in ours[0]
    assert "sqlite-error: Cannot add a column with non-constant default" not in result.out
