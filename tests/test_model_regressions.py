"""Model bugs found by the generated replay test, each pinned by the SQL that showed it."""

from __future__ import annotations

from pathlib import Path

import pytest

from grove_schema.catalog import catalog_differences, database_catalog, model_catalog
from grove_schema.discovery import MigrationFile
from grove_schema.model import Schema
from grove_schema.replay import Replayer


def replay(*files: str) -> Replayer:
    """Replay the files in order, checking the invariant after each; the caller closes it."""
    replayer = Replayer("engine")
    for number, text in enumerate(files, 1):
        name = f"{number:03d}_regression.sql"
        replayer.apply_file(MigrationFile(path=Path(f"/virtual/{name}"), name=name, number=number), text)
        assert replayer.dev_database is not None
        assert catalog_differences(model_catalog(replayer.schema), database_catalog(replayer.dev_database)) == []
        assert replayer.result.divergences == []
    return replayer


def test_table_primary_key_takes_autoincrement_inside_its_parentheses() -> None:
    replayer = replay("CREATE TABLE t1 (a INTEGER, b, PRIMARY KEY (a AUTOINCREMENT));")
    try:
        table = replayer.schema.table("t1")
        assert table is not None and table.primary_key is not None
        assert table.primary_key.autoincrement
        assert table.rowid_alias == "a"
        assert [f.name for f in replayer.result.findings] == []
    finally:
        replayer.close()


def test_not_null_after_a_column_references_clause() -> None:
    replayer = replay("CREATE TABLE t1 (a INTEGER PRIMARY KEY, b REFERENCES t1 NOT NULL);")
    try:
        table = replayer.schema.table("t1")
        assert table is not None
        column = table.column("b")
        assert column is not None and column.not_null
        assert [fk.ref_table for fk in table.foreign_keys] == ["t1"]
    finally:
        replayer.close()


def test_not_deferrable_still_parses_in_a_references_clause() -> None:
    replayer = replay("CREATE TABLE t1 (a INTEGER PRIMARY KEY, b REFERENCES t1 NOT DEFERRABLE INITIALLY IMMEDIATE);")
    try:
        table = replayer.schema.table("t1")
        assert table is not None
        assert table.foreign_keys[0].deferrable == "NOT DEFERRABLE INITIALLY IMMEDIATE"
    finally:
        replayer.close()


def test_a_column_with_two_references_clauses_has_two_foreign_keys() -> None:
    replayer = replay(
        "CREATE TABLE t1 (a INTEGER PRIMARY KEY, d REFERENCES t1 REFERENCES t1(a));\n"
        "ALTER TABLE t1 ADD COLUMN e REFERENCES t1 REFERENCES t1;\n"
    )
    try:
        table = replayer.schema.table("t1")
        assert table is not None
        assert len(table.foreign_keys) == 4
    finally:
        replayer.close()


def test_a_column_repeated_in_the_primary_key() -> None:
    replayer = replay(
        "CREATE TABLE t1 (a INTEGER, b, c, PRIMARY KEY (b, b, a), UNIQUE (c, c));\n"
        "CREATE TABLE t2 (a INTEGER, b, PRIMARY KEY (a, a));\n"
        "CREATE TABLE t3 (a INTEGER, b, PRIMARY KEY (b, b, a), UNIQUE (b)) WITHOUT ROWID;\n"
        "CREATE TABLE t4 (a, b, UNIQUE (a), PRIMARY KEY (a, a)) WITHOUT ROWID;\n"
    )
    try:
        t1 = replayer.schema.table("t1")
        assert t1 is not None
        assert [(c.name, c.primary_key) for c in t1.columns] == [("a", 3), ("b", 1), ("c", 0)]
        t2 = replayer.schema.table("t2")
        assert t2 is not None and t2.rowid_alias is None
        t3 = replayer.schema.table("t3")
        assert t3 is not None
        assert [(c.name, c.primary_key) for c in t3.columns] == [("a", 2), ("b", 1)]
    finally:
        replayer.close()


def test_create_table_as_names_columns_as_their_table_declares_them() -> None:
    replayer = replay("CREATE TABLE t1 (a INTEGER, b);\nCREATE TABLE t3 AS SELECT T1.a, A, B AS x FROM T1;\n")
    try:
        table = replayer.schema.table("t3")
        assert table is not None
        assert [c.name for c in table.columns] == ["a", "a:1", "x"]
    finally:
        replayer.close()


def test_create_table_as_reads_column_types_and_names_through_views() -> None:
    replayer = replay(
        "CREATE TABLE t1 (a INTEGER, b TEXT);\n"
        "CREATE VIEW v1 AS SELECT a, b FROM t1;\n"
        "CREATE TABLE t2 AS SELECT A, b AS c FROM v1;\n"
        "CREATE VIEW v2(x, y) AS SELECT * FROM v1;\n"
        "CREATE TABLE t3 AS SELECT * FROM v2;\n"
        "CREATE VIRTUAL TABLE f1 USING fts5(a, b);\n"
        "CREATE TABLE t4 AS SELECT A, * FROM f1;\n"
    )
    try:

        def columns(name: str) -> list[tuple[str, str]]:
            table = replayer.schema.table(name)
            assert table is not None
            return [(c.name, c.type) for c in table.columns]

        assert columns("t2") == [("a", "INT"), ("c", "TEXT")]
        assert columns("t3") == [("x", "INT"), ("y", "TEXT")]
        assert columns("t4") == [("a", ""), ("a:1", ""), ("b", "")]
    finally:
        replayer.close()


def test_rename_column_leaves_aliases_in_a_view_alone() -> None:
    replayer = replay(
        "CREATE TABLE t1 (a INTEGER, b TEXT);\n"
        "CREATE VIEW v1 AS SELECT b AS a, a AS x FROM t1;\n"
        "ALTER TABLE t1 RENAME a TO c;\n"
        "CREATE TABLE t2 AS SELECT * FROM v1;\n"
    )
    try:
        assert replayer.schema.views["v1"].select == "SELECT b AS a, c AS x FROM t1"
        table = replayer.schema.table("t2")
        assert table is not None
        assert [(c.name, c.type) for c in table.columns] == [("a", "TEXT"), ("x", "INT")]
    finally:
        replayer.close()


def test_create_table_as_with_a_star_of_a_missing_table_is_an_error_not_a_crash() -> None:
    replayer = replay("CREATE TABLE t2 AS SELECT t1.* FROM t1;\n")
    try:
        assert replayer.schema.table("t2") is None
        assert [f.name for f in replayer.result.findings] == ["sqlite-error"]
        assert "no such table: t1" in replayer.result.findings[0].message
    finally:
        replayer.close()


def test_quoted_names_in_an_index_follow_sqlite() -> None:
    replayer = replay(
        "CREATE TABLE t1 (a, b);\n"
        "CREATE INDEX i1 ON t1 ('a');\n"  # a string naming a column: the column (legacy)
        'CREATE INDEX i2 ON t1 ("zz");\n'  # a double-quoted name naming nothing: a string constant
        'CREATE INDEX i3 ON t1 ("b", [a]);\n'
    )
    try:
        indexes = replayer.schema.indexes
        assert [c.name for c in indexes["i1"].columns] == ["a"]
        assert [(c.name, c.expression) for c in indexes["i2"].columns] == [(None, '"zz"')]
        assert [c.name for c in indexes["i3"].columns] == ["b", "a"]
    finally:
        replayer.close()


def test_a_string_or_bracketed_name_naming_no_column_is_refused_in_an_index() -> None:
    replayer = replay("CREATE TABLE t1 (a, b);\nCREATE INDEX i1 ON t1 ('zz');\nCREATE INDEX i2 ON t1 ([zz]);\n")
    try:
        assert replayer.schema.indexes == {}
        assert [f.problem.split(" (")[0] for f in replayer.result.findings] == [
            "SQLite refuses this statement: no such column: zz"
        ] * 2
    finally:
        replayer.close()


def test_create_table_as_names_a_double_quoted_string_by_its_text() -> None:
    replayer = replay(
        "CREATE TABLE t1 (a, b);\n"
        'CREATE TABLE t3 AS SELECT "zz", "a", "zz" AS q FROM t1;\n'
        'CREATE VIEW v1 AS SELECT "yy" FROM t1;\n'
        "CREATE TABLE t4 AS SELECT * FROM v1;\n"
    )
    try:
        t3, t4 = replayer.schema.table("t3"), replayer.schema.table("t4")
        assert t3 is not None and t4 is not None
        assert [c.name for c in t3.columns] == ['"zz"', "a", "q"]
        assert [c.name for c in t4.columns] == ['"yy"']
    finally:
        replayer.close()


def test_the_catalog_spells_standard_type_names_in_capitals() -> None:
    replayer = replay(
        'CREATE TABLE t1 (a integer primary key, b text, c varchar(20), d Int, e "my type");\n'
        "ALTER TABLE t1 ADD COLUMN f real;\n"
    )
    try:
        table = replayer.schema.table("t1")
        assert table is not None
        assert table.rowid_alias == "a"
        row = model_catalog(replayer.schema)["tables"]["t1"]["columns"]
        assert [c[1] for c in row] == ["INTEGER", "TEXT", "varchar(20)", "INT", "my type", "REAL"]
    finally:
        replayer.close()


def test_a_quoted_integer_type_still_makes_a_rowid_alias() -> None:
    replayer = replay(
        "CREATE TABLE t1 (a \"integer\" PRIMARY KEY AUTOINCREMENT, b 'text', c [varchar(20)]);\n"
        "CREATE TABLE t2 AS SELECT * FROM t1;\n"
    )
    try:
        t1, t2 = replayer.schema.table("t1"), replayer.schema.table("t2")
        assert t1 is not None and t2 is not None
        assert t1.rowid_alias == "a"
        assert [c.type for c in t1.columns] == ["integer", "text", "varchar(20)"]
        assert [c.type for c in t2.columns] == ["INT", "TEXT", "TEXT"]
    finally:
        replayer.close()


def test_drop_index_if_exists_of_an_automatic_index_name_that_names_nothing() -> None:
    replayer = replay(
        "DROP INDEX IF EXISTS sqlite_autoindex_t1_1;\n"
        "CREATE TABLE t1 (a UNIQUE, b, UNIQUE (a), UNIQUE (b));\n"
        "DROP INDEX IF EXISTS sqlite_autoindex_t1_3;\n"
        "DROP INDEX IF EXISTS sqlite_autoindex_T1_2;\n"  # exists: refused, by SQLite and the model
    )
    try:
        messages = [f.problem.split(" (")[0] for f in replayer.result.findings]
        assert messages == [
            "SQLite refuses this statement: index associated with UNIQUE or PRIMARY KEY constraint cannot be dropped"
        ]
    finally:
        replayer.close()


def test_adding_the_column_a_double_quoted_index_term_names_makes_it_a_column() -> None:
    replayer = replay(
        'CREATE TABLE t1 (a, b);\nCREATE INDEX i1 ON t1 (a, "d");\nALTER TABLE t1 ADD COLUMN q;\n',
        "ALTER TABLE t1 ADD COLUMN d;\n",
    )
    try:
        assert [c.name for c in replayer.schema.indexes["i1"].columns] == ["a", "d"]
    finally:
        replayer.close()


# --- the model/catalog invariant compares the SQL the catalog keeps ------------------------------

_KEEPS_SQL = (
    "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE CHECK (length(name) > 0), n INTEGER,"
    " CHECK (n >= 0));\n"
    "CREATE INDEX t_named ON t (name DESC, n COLLATE RTRIM) WHERE n > 1;\n"
    "CREATE VIEW v AS SELECT name FROM t WHERE n > 2;\n"
    "CREATE TABLE log (id INTEGER PRIMARY KEY, what TEXT);\n"
    "CREATE TRIGGER t_logged AFTER INSERT ON t WHEN new.n > 3 BEGIN INSERT INTO log (what) VALUES (new.name); END;\n"
    "ALTER TABLE t RENAME COLUMN n TO amount;\n"
    "ALTER TABLE t RENAME TO things;\n"
)


def _tampered(part: str, schema: Schema) -> Schema:
    """The schema with one piece of its SQL changed, as a model bug would leave it."""
    changed = schema.snapshot()
    if part == "view":
        view = changed.views["v"]
        changed.views["v"] = view.model_copy(update={"select": view.select.replace("> 2", "> 20")})
    elif part == "trigger body":
        trigger = changed.triggers["t_logged"]
        changed.triggers["t_logged"] = trigger.model_copy(update={"body": ("DELETE FROM log",)})
    elif part == "trigger when":
        trigger = changed.triggers["t_logged"]
        changed.triggers["t_logged"] = trigger.model_copy(update={"when": "new.amount > 30"})
    elif part == "check":
        table = changed.tables["things"]
        checks = tuple(
            c.model_copy(update={"expression": "amount >= 10"}) if c.column is None else c for c in table.checks
        )
        changed.tables["things"] = table.model_copy(update={"checks": checks})
    elif part == "collation":
        table = changed.tables["things"]
        columns = tuple(c.model_copy(update={"collation": None}) if c.name == "name" else c for c in table.columns)
        changed.tables["things"] = table.model_copy(update={"columns": columns})
    elif part == "index where":
        index = changed.indexes["t_named"]
        changed.indexes["t_named"] = index.model_copy(update={"where": "amount > 100"})
    elif part == "index collation":
        index = changed.indexes["t_named"]
        index_columns = tuple(c.model_copy(update={"collation": None}) for c in index.columns)
        changed.indexes["t_named"] = index.model_copy(update={"columns": index_columns})
    return changed


@pytest.mark.parametrize(
    ("part", "section"),
    [
        ("view", "views"),
        ("trigger body", "triggers"),
        ("trigger when", "triggers"),
        ("check", "checks"),
        ("collation", "collations"),
        ("index where", "index_details"),
        ("index collation", "index_details"),
    ],
)
def test_the_invariant_sees_a_model_whose_sql_differs_from_the_catalog(part: str, section: str) -> None:
    replayer = Replayer("engine")
    try:
        replayer.apply_file(MigrationFile(Path("/virtual/001_m.sql"), "001_m.sql", 1), _KEEPS_SQL)
        db = replayer.dev_database
        assert db is not None and replayer.result.findings == []
        catalog = database_catalog(db)
        assert catalog_differences(model_catalog(replayer.schema), catalog) == []  # renames folded in, as SQLite
        differences = catalog_differences(model_catalog(_tampered(part, replayer.schema)), catalog)
    finally:
        replayer.close()
    assert any(section in difference for difference in differences), differences


def test_renaming_a_table_rewrites_another_tables_trigger_that_inserts_into_it_with_columns() -> None:
    # Found once the invariant compared trigger bodies: `INSERT INTO t1 (a)` read `t1 (` as a
    # function call, so the model kept `t1` where SQLite wrote "t3".
    replayer = replay(
        "CREATE TABLE t1 (a);\nCREATE TABLE t2 (a);\n"
        "CREATE TRIGGER g1 AFTER INSERT ON t2 BEGIN INSERT INTO t1 (a) VALUES (NEW.a); END;\n",
        "ALTER TABLE t1 RENAME TO t3;\n",
    )
    try:
        assert replayer.schema.triggers["g1"].body == ("INSERT INTO t3 (a) VALUES (NEW.a)",)
        assert replayer.dev_database is not None
        assert catalog_differences(model_catalog(replayer.schema), database_catalog(replayer.dev_database)) == []
    finally:
        replayer.close()


def test_renaming_a_column_renames_it_where_it_resolves_to_the_table_only() -> None:
    # Found once the invariant compared trigger bodies: the table's own trigger inserting into
    # another table's same-named column had that column renamed too; and a trigger on another
    # table writing the renamed column kept the old name.
    replayer = replay(
        "CREATE TABLE t1 (a, c);\nCREATE TABLE t3 (c);\n"
        "CREATE TRIGGER g1 AFTER INSERT ON t1 BEGIN UPDATE t1 SET a = 1 WHERE a = NEW.a; "
        "INSERT INTO t3 (c) VALUES (NEW.c); END;\n"
        "CREATE TRIGGER g2 AFTER INSERT ON t3 BEGIN INSERT INTO t1 (c) VALUES (NEW.c); END;\n",
        "ALTER TABLE t1 RENAME COLUMN c TO e;\n",
    )
    try:
        triggers = replayer.schema.triggers
        assert triggers["g1"].body[1] == "INSERT INTO t3 (c) VALUES (NEW.e)"
        assert triggers["g2"].body == ("INSERT INTO t1 (e) VALUES (NEW.c)",)
    finally:
        replayer.close()


def test_renaming_a_column_leaves_another_tables_qualified_column_in_a_view() -> None:
    replayer = replay(
        "CREATE TABLE t1 (a, c);\nCREATE TABLE t3 (c);\n"
        "CREATE VIEW v AS SELECT t1.c, t3.c AS x FROM t1, t3;\nCREATE VIEW w AS SELECT c FROM t3;\n",
        "ALTER TABLE t1 RENAME COLUMN c TO e;\n",
    )
    try:
        assert replayer.schema.views["v"].select == "SELECT t1.e, t3.c AS x FROM t1, t3"
        assert replayer.schema.views["w"].select == "SELECT c FROM t3"
    finally:
        replayer.close()


def test_a_check_with_a_double_quoted_string_compares_equal_after_sqlite_rewrites_it() -> None:
    # Found once the invariant compared CHECKs: "b" names no column of t3, so SQLite reads it as
    # the string 'b', and writes it so when an ALTER TABLE rewrites the schema's text.
    replayer = replay(
        'CREATE TABLE t2 (a);\nCREATE TABLE t3 (a, CHECK (a > 0), CHECK ("b" > 0));\n',
        "ALTER TABLE t2 RENAME COLUMN a TO b;\n",
    )
    replayer.close()


def test_a_rename_turns_a_checks_double_quoted_string_into_a_string_before_a_column_can_take_it() -> None:
    # "b" names no column when the table is created: SQLite reads it as 'b' and, at the rename,
    # writes it so; the column renamed to b must not capture it.
    replayer = replay(
        'CREATE TABLE t2 (a, c, CHECK (a > 0), CHECK ("b" > 0));\n',
        "ALTER TABLE t2 RENAME COLUMN a TO b;\n",
    )
    try:
        table = replayer.schema.tables["t2"]
        assert sorted(c.expression for c in table.checks) == ["'b' > 0", "b > 0"]
    finally:
        replayer.close()
