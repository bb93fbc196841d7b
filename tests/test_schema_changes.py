"""schema_changes.plan_change: a Change that updates the model as SQLite updates its catalog, or a
Refusal with SQLite's message, decided from the catalog alone and without mutating the model.

Most tests run each statement through `Oracle`: the model plans it, the D1-profile dev database
runs it, and the two must agree (a Change where SQLite accepts, a Refusal with SQLite's message
where it refuses), with equal catalogs afterwards."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from grove_schema.catalog import catalog_differences, database_catalog, model_catalog
from grove_schema.devdb import DevDatabase
from grove_schema.model import Schema, SourceRef, Table
from grove_schema.schema_changes import (
    NO_CHANGE,
    Change,
    Plan,
    Refusal,
    plan_change,
    rename_identifier,
    sqlite_type,
)
from grove_schema.sql.lexer import LineIndex, split_statements
from grove_schema.sql.parsing import Statement, parse_statement

PATH = "/virtual/0001_m.sql"


def parse(sql: str) -> Statement:
    split = split_statements(sql)
    assert len(split.statements) == 1, sql
    return parse_statement(split.statements[0], sql)


def plan(schema: Schema, sql: str) -> Plan:
    lines = LineIndex.of(sql)
    return plan_change(schema, parse(sql), lambda offset: SourceRef(path=PATH, line=lines.position(offset)[0]))


def same_message(model: str, sqlite: str) -> bool:
    """Whether the model's refusal says what SQLite's does, up to how SQLite versions spell it: the
    `error in table t after ...:` wrapper, `main.`, sqlite_master for sqlite_schema, the case of
    names, and the dev database's detail after `not authorized:`."""

    def normal(text: str) -> str:
        text = re.sub(r"^error in (table|index|view|trigger) \S+ after [a-z ]+: ", "", text)
        return text.replace("main.", "").replace("sqlite_master", "sqlite_schema").casefold()

    return normal(sqlite) == normal(model) or normal(sqlite).startswith(normal(model) + ":")


class Oracle:
    """The model and a real (D1-profile) SQLite, fed the same statements."""

    def __init__(self) -> None:
        self.schema = Schema()
        self.db = DevDatabase()

    def run(self, sql: str) -> Plan:
        """Plan `sql`, run it in SQLite, check they agree, and apply the change."""
        before = self.schema.snapshot()
        planned = plan(self.schema, sql)
        assert self.schema == before, "plan_change mutated the model"
        failure = self.db.execute(sql)
        if isinstance(planned, Refusal):
            assert failure is not None, f"the model refused ({planned.message}) but SQLite accepted: {sql}"
            assert same_message(planned.message, failure), f"SQLite says {failure!r}, the model {planned.message!r}"
        else:
            assert failure is None, f"SQLite refused ({failure}) but the model planned {planned.summary}: {sql}"
            planned.apply(self.schema)
        differences = catalog_differences(model_catalog(self.schema), database_catalog(self.db))
        assert differences == [], f"after {sql}:\n" + "\n".join(differences)
        return planned

    def setup(self, *statements: str) -> None:
        for sql in statements:
            assert isinstance(self.run(sql), Change), sql

    def refused(self, sql: str) -> str:
        planned = self.run(sql)
        assert isinstance(planned, Refusal), f"the model planned {sql}"
        return planned.message

    def table(self, name: str) -> Table:
        table = self.schema.table(name)
        assert table is not None, name
        return table

    def close(self) -> None:
        self.db.close()


@pytest.fixture
def oracle() -> Iterator[Oracle]:
    checked = Oracle()
    try:
        yield checked
    finally:
        checked.close()


# --- the contract ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO t VALUES (1)",
        "SELECT 1",
        "UPDATE t SET a = 1",
        "PRAGMA foreign_keys = OFF",
        "CREATE TABLE IF NOT EXISTS t (b)",
        "CREATE INDEX IF NOT EXISTS t_a ON t (a)",
        "DROP TABLE IF EXISTS missing",
        "DROP INDEX IF EXISTS missing",
        "DROP VIEW IF EXISTS missing",
        "DROP TRIGGER IF EXISTS missing",
    ],
)
def test_statements_that_change_nothing_plan_no_change(oracle: Oracle, sql: str) -> None:
    oracle.setup("CREATE TABLE t (a)", "CREATE INDEX t_a ON t (a)")
    before = oracle.schema.snapshot()
    assert plan(oracle.schema, sql) is NO_CHANGE
    NO_CHANGE.apply(oracle.schema)
    assert oracle.schema == before


def test_a_change_applies_to_the_schema_it_is_given() -> None:
    schema = Schema()
    change = plan(schema, "CREATE TABLE t (a)")
    assert isinstance(change, Change) and change.summary == "create table t"
    assert schema.tables == {}  # planning does not mutate
    copy = schema.snapshot()
    change.apply(copy)
    assert set(copy.tables) == {"t"} and schema.tables == {}


def test_summaries_say_what_changes(oracle: Oracle) -> None:
    summaries = [
        p.summary
        for p in (
            oracle.run("CREATE TABLE Users (id INTEGER PRIMARY KEY, name TEXT)"),
            oracle.run("ALTER TABLE users ADD COLUMN email TEXT"),
            oracle.run("ALTER TABLE users RENAME COLUMN email TO mail"),
            oracle.run("ALTER TABLE users DROP COLUMN mail"),
            oracle.run("CREATE INDEX users_name ON users (name)"),
            oracle.run("ALTER TABLE users RENAME TO people"),
        )
        if isinstance(p, Change)
    ]
    assert summaries == [
        "create table Users",
        "add column Users.email",
        "rename column Users.email to mail",
        "drop column Users.mail",
        "create index users_name",
        "rename table users to people",
    ]


# --- CREATE TABLE ------------------------------------------------------------------------------


def test_create_table_models_columns_and_constraints(oracle: Oracle) -> None:
    oracle.setup("CREATE TABLE parent (id INTEGER PRIMARY KEY, code TEXT UNIQUE)")
    oracle.setup(
        "CREATE TABLE child (\n"
        "  id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
        "  parent_id INTEGER NOT NULL REFERENCES parent(id) ON DELETE CASCADE,\n"
        "  code TEXT COLLATE NOCASE DEFAULT 'x' CHECK (length(code) < 9),\n"
        "  total REAL GENERATED ALWAYS AS (id * 2) VIRTUAL,\n"
        "  CONSTRAINT one_code UNIQUE (parent_id, code),\n"
        "  FOREIGN KEY (code) REFERENCES parent(code)\n"
        ")"
    )
    child = oracle.table("CHILD")
    assert [c.name for c in child.columns] == ["id", "parent_id", "code", "total"]
    assert child.rowid_alias == "id" and child.primary_key is not None and child.primary_key.autoincrement
    parent_id, code, total = child.columns[1:]
    assert parent_id.not_null and parent_id.provenance.created == SourceRef(path=PATH, line=3)
    assert code.collation == "NOCASE" and code.default == "'x'" and code.checks == ("length(code) < 9",)
    assert total.generated == "virtual" and total.hidden == 2
    assert [(u.columns, u.name) for u in child.uniques] == [(("parent_id", "code"), "one_code")]
    assert [(fk.columns, fk.ref_table, fk.ref_columns, fk.on_delete) for fk in child.foreign_keys] == [
        (("parent_id",), "parent", ("id",), "CASCADE"),
        (("code",), "parent", ("code",), "NO ACTION"),
    ]


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE TABLE t (a INTEGER, b TEXT, PRIMARY KEY (b, a)) WITHOUT ROWID",
        "CREATE TABLE t (a INT PRIMARY KEY, b)",  # not a rowid alias: an automatic index
        "CREATE TABLE t (a INTEGER PRIMARY KEY DESC, b)",
        "CREATE TABLE t (a, b, PRIMARY KEY (a, b, a))",
        "CREATE TABLE t (a INTEGER, b, PRIMARY KEY (a, b, a)) WITHOUT ROWID",
        'CREATE TABLE t (a "integer", b "VARCHAR(20)", c [text], d `real`)',
        "CREATE TABLE t (a INTEGER, b TEXT, c ANY) STRICT",
        "CREATE TABLE t (a UNIQUE, b UNIQUE, UNIQUE (a), UNIQUE (b, a))",
        "CREATE TABLE t (a INTEGER PRIMARY KEY, b REFERENCES t, c REFERENCES t(a) ON UPDATE SET NULL)",
        "CREATE TABLE t (a NOT NULL DEFAULT (unixepoch()), b DEFAULT CURRENT_TIMESTAMP, c DEFAULT -1)",
        "CREATE TABLE t (a, b AS (a + 1) STORED, c GENERATED ALWAYS AS (a * 2))",
    ],
)
def test_create_table_agrees_with_sqlites_catalog(oracle: Oracle, sql: str) -> None:
    assert isinstance(oracle.run(sql), Change)


def test_quoted_types_are_dequoted_as_sqlite_keeps_them() -> None:
    assert sqlite_type('"integer"') == "integer"
    assert sqlite_type("[VARCHAR(20)]") == "VARCHAR(20)"
    assert sqlite_type("'it''s'") == "it's"
    assert sqlite_type("DOUBLE PRECISION") == "DOUBLE PRECISION"
    assert sqlite_type("") == ""


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("CREATE TABLE u (a, A)", "duplicate column name: A"),
        ("CREATE TABLE t (x)", "table t already exists"),
        ("CREATE TABLE T (x)", "table T already exists"),
        ("CREATE TABLE v (x)", "view v already exists"),
        ("CREATE TABLE t_a (x)", "there is already an index named t_a"),
        ("CREATE TABLE IF NOT EXISTS t_a (x)", "there is already an index named t_a"),
        ("CREATE TABLE sqlite_stuff (x)", "object name reserved for internal use: sqlite_stuff"),
        ("CREATE TABLE _cf_stuff (x)", "not authorized"),
        ("CREATE TEMP TABLE scratch (x)", "not authorized"),
        ("CREATE TABLE u (a PRIMARY KEY, b PRIMARY KEY)", 'table "u" has more than one primary key'),
        ("CREATE TABLE u (a PRIMARY KEY, b, PRIMARY KEY (b))", 'table "u" has more than one primary key'),
        ("CREATE TABLE u (a, UNIQUE (b))", "no such column: b"),
        ("CREATE TABLE u (a, FOREIGN KEY (b) REFERENCES t (x))", 'unknown column "b" in foreign key definition'),
        ("CREATE TABLE u (a, b) WITHOUT ROWID", "PRIMARY KEY missing on table u"),
        ("CREATE TABLE u (a INT PRIMARY KEY AUTOINCREMENT)", "AUTOINCREMENT is only allowed on an INTEGER PRIMARY KEY"),
        (
            "CREATE TABLE u (a INTEGER PRIMARY KEY AUTOINCREMENT) WITHOUT ROWID",
            "AUTOINCREMENT not allowed on WITHOUT ROWID tables",
        ),
        ("CREATE TABLE u (a VARCHAR(10)) STRICT", 'unknown datatype for u.a: "VARCHAR(10)"'),
        ("CREATE TABLE u (a REFERENCES t (x, y))", "foreign key on a should reference only one column of table t"),
        (
            "CREATE TABLE u (a, b, FOREIGN KEY (a, b) REFERENCES t (x))",
            "number of columns in foreign key does not match the number of columns in the referenced table",
        ),
        ("CREATE TABLE u (" + ", ".join(f"c{i}" for i in range(101)) + ")", "too many columns on u"),
    ],
)
def test_create_table_refusals_are_sqlites(oracle: Oracle, sql: str, message: str) -> None:
    oracle.setup("CREATE TABLE t (x)", "CREATE INDEX t_a ON t (x)", "CREATE VIEW v AS SELECT x FROM t")
    assert oracle.refused(sql) == message


def test_create_table_as_names_and_types_columns_by_affinity(oracle: Oracle) -> None:
    oracle.setup(
        "CREATE TABLE src (id INTEGER PRIMARY KEY, name VARCHAR(20), price DECIMAL(10,2), raw, ratio DOUBLE)",
        "CREATE VIEW cheap (label, cost) AS SELECT name, price FROM src",
    )
    oracle.setup("CREATE TABLE copy AS SELECT * FROM src")
    assert [(c.name, c.type) for c in oracle.table("copy").columns] == [
        ("id", "INT"),
        ("name", "TEXT"),
        ("price", "NUM"),
        ("raw", ""),
        ("ratio", "REAL"),
    ]
    oracle.setup("CREATE TABLE picked AS SELECT s.NAME, s.id AS ident, name FROM src AS s")
    assert [(c.name, c.type) for c in oracle.table("picked").columns] == [
        ("name", "TEXT"),
        ("ident", "INT"),
        ("name:1", "TEXT"),  # SQLite numbers repeated names
    ]
    oracle.setup("CREATE TABLE from_view AS SELECT * FROM cheap")
    assert [(c.name, c.type) for c in oracle.table("from_view").columns] == [("label", "TEXT"), ("cost", "NUM")]
    assert oracle.table("copy").primary_key is None  # constraints are not copied


# --- CREATE VIRTUAL TABLE -----------------------------------------------------------------------


def test_create_virtual_table(oracle: Oracle) -> None:
    oracle.setup("CREATE VIRTUAL TABLE search USING fts5(title, body, tokenize = 'porter')")
    assert oracle.schema.virtual_tables["search"].column_names == ("title", "body")
    assert plan(oracle.schema, "CREATE VIRTUAL TABLE IF NOT EXISTS search USING fts5(x)") is NO_CHANGE
    assert oracle.refused("CREATE VIRTUAL TABLE search USING fts5(x)") == "table search already exists"
    assert oracle.refused("CREATE VIRTUAL TABLE geo USING rtree(id, x0, x1)") == "not authorized"
    assert oracle.refused("CREATE VIRTUAL TABLE _cf_search USING fts5(x)") == "not authorized"


# --- ALTER TABLE ADD COLUMN -----------------------------------------------------------------------


def test_add_column_appends_and_records_the_change(oracle: Oracle) -> None:
    oracle.setup("CREATE TABLE t (id INTEGER PRIMARY KEY)", "CREATE TABLE p (id INTEGER PRIMARY KEY)")
    oracle.setup("ALTER TABLE t ADD COLUMN pid INTEGER REFERENCES p(id) CHECK (pid > 0)")
    oracle.setup("ALTER TABLE t ADD COLUMN note TEXT NOT NULL DEFAULT ''")
    table = oracle.table("t")
    assert [c.name for c in table.columns] == ["id", "pid", "note"]
    assert [fk.columns for fk in table.foreign_keys] == [("pid",)] and table.foreign_keys[0].column_level
    assert [(c.expression, c.column) for c in table.checks] == [("pid > 0", "pid")]
    assert len(table.provenance.changed) == 2


def test_add_column_not_null_on_rows_is_the_dev_databases_to_refuse(oracle: Oracle) -> None:
    oracle.setup("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    assert oracle.db.execute("INSERT INTO t VALUES (1)") is None
    planned = plan(oracle.schema, "ALTER TABLE t ADD COLUMN a TEXT NOT NULL")
    assert isinstance(planned, Change)  # the catalog alone cannot decide: it depends on rows
    assert (
        oracle.db.execute("ALTER TABLE t ADD COLUMN a TEXT NOT NULL")
        == "Cannot add a NOT NULL column with default value NULL"
    )


def test_add_column_turns_a_double_quoted_index_string_into_the_column(oracle: Oracle) -> None:
    oracle.setup("CREATE TABLE t (a)", 'CREATE INDEX t_b ON t ("b")')
    assert [(c.name, c.expression) for c in oracle.schema.indexes["t_b"].columns] == [(None, '"b"')]
    oracle.setup("ALTER TABLE t ADD COLUMN b")
    assert [(c.name, c.expression) for c in oracle.schema.indexes["t_b"].columns] == [("b", None)]


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("ALTER TABLE t ADD COLUMN A", "duplicate column name: A"),
        ("ALTER TABLE t ADD COLUMN c PRIMARY KEY", "Cannot add a PRIMARY KEY column"),
        ("ALTER TABLE t ADD COLUMN c UNIQUE", "Cannot add a UNIQUE column"),
        ("ALTER TABLE missing ADD COLUMN c", "no such table: missing"),
        ("ALTER TABLE v ADD COLUMN c", "Cannot add a column to a view"),
        ("ALTER TABLE f ADD COLUMN c", "virtual tables may not be altered"),
        ("ALTER TABLE s ADD COLUMN c VARCHAR(3)", 'unknown datatype for s.c: "VARCHAR(3)"'),
        (
            "ALTER TABLE t ADD COLUMN c REFERENCES t (a, b)",
            "foreign key on c should reference only one column of table t",
        ),
    ],
)
def test_add_column_refusals_are_sqlites(oracle: Oracle, sql: str, message: str) -> None:
    oracle.setup(
        "CREATE TABLE t (a, b)",
        "CREATE VIEW v AS SELECT a FROM t",
        "CREATE VIRTUAL TABLE f USING fts5(body)",
        "CREATE TABLE s (a INTEGER) STRICT",
    )
    assert oracle.refused(sql) == message


def test_add_column_refuses_the_101st_column(oracle: Oracle) -> None:
    oracle.setup("CREATE TABLE wide (" + ", ".join(f"c{i}" for i in range(100)) + ")")
    assert plan(oracle.schema, "ALTER TABLE wide ADD COLUMN c100") == Refusal("too many columns on wide")
    failure = oracle.db.execute("ALTER TABLE wide ADD COLUMN c100")
    assert failure is not None and failure.startswith("too many columns on")


def test_sqlite_tables_may_not_be_altered() -> None:
    schema = Schema()
    assert plan(schema, "ALTER TABLE sqlite_sequence ADD COLUMN x") == Refusal(
        "table sqlite_sequence may not be altered"
    )


# --- ALTER TABLE RENAME COLUMN --------------------------------------------------------------------


def test_rename_column_rewrites_everything_that_names_it(oracle: Oracle) -> None:
    oracle.setup(
        "CREATE TABLE parent (id INTEGER, code TEXT, PRIMARY KEY (id), UNIQUE (code), CHECK (code <> ''))",
        "CREATE TABLE child (pid INTEGER REFERENCES parent(id), pcode TEXT REFERENCES parent(code))",
        "CREATE INDEX parent_code ON parent (code) WHERE code IS NOT NULL",
        "CREATE INDEX parent_lower ON parent (lower(code))",
        "CREATE TRIGGER parent_touch AFTER UPDATE OF code ON parent BEGIN SELECT new.code; END",
        "CREATE VIEW codes AS SELECT code FROM parent",
    )
    oracle.setup("ALTER TABLE parent RENAME COLUMN code TO label")
    parent = oracle.table("parent")
    assert [c.name for c in parent.columns] == ["id", "label"]
    assert parent.uniques[0].columns == ("label",)
    assert parent.checks[0].expression == "label <> ''"
    assert [fk.ref_columns for fk in oracle.table("child").foreign_keys] == [("id",), ("label",)]
    partial = oracle.schema.indexes["parent_code"]
    assert partial.columns[0].name == "label" and partial.where == "label IS NOT NULL"
    assert oracle.schema.indexes["parent_lower"].columns[0].expression == "lower(label)"
    trigger = oracle.schema.triggers["parent_touch"]
    assert trigger.update_columns == ("label",) and "new.label" in trigger.body[0]
    assert oracle.schema.views["codes"].select == "SELECT label FROM parent"

    oracle.setup("ALTER TABLE parent RENAME COLUMN id TO ident")
    assert oracle.table("parent").primary_key is not None
    assert oracle.table("parent").primary_key.columns == ("ident",)  # type: ignore[union-attr]
    assert oracle.table("child").foreign_keys[0].ref_columns == ("ident",)


def test_rename_column_to_another_case_of_itself(oracle: Oracle) -> None:
    oracle.setup("CREATE TABLE t (a, b)")
    oracle.setup("ALTER TABLE t RENAME COLUMN a TO A")
    assert [c.name for c in oracle.table("t").columns] == ["A", "b"]


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("ALTER TABLE t RENAME COLUMN missing TO c", 'no such column: "missing"'),
        ("ALTER TABLE t RENAME COLUMN a TO B", "duplicate column name: B"),
        ("ALTER TABLE missing RENAME COLUMN a TO c", "no such table: missing"),
        ("ALTER TABLE v RENAME COLUMN a TO c", 'cannot rename columns of view "v"'),
    ],
)
def test_rename_column_refusals_are_sqlites(oracle: Oracle, sql: str, message: str) -> None:
    oracle.setup("CREATE TABLE t (a, b)", "CREATE VIEW v AS SELECT a FROM t")
    assert oracle.refused(sql) == message


def test_rename_identifier_rewrites_names_not_aliases_or_strings() -> None:
    assert rename_identifier("SELECT a, t.a, \"a\", 'a' FROM t", "a", "b") == "SELECT b, t.b, \"b\", 'a' FROM t"
    assert rename_identifier("SELECT x AS a FROM t AS a", "a", "b") == "SELECT x AS a FROM t AS a"
    assert rename_identifier("SELECT A FROM t", "a", "new name") == 'SELECT "new name" FROM t'
    assert rename_identifier("SELECT c FROM t", "a", "b") == "SELECT c FROM t"


@pytest.mark.parametrize(
    ("sql", "old", "renamed"),
    [
        ("CHECK (Price > 0)", "price", "CHECK (cost > 0)"),  # the name in another case
        ('CHECK ("PRICE" > 0)', "Price", 'CHECK ("cost" > 0)'),
        ('SELECT "a""b" FROM t', 'a"b', 'SELECT "cost" FROM t'),  # a quote in the name: written doubled
        ("SELECT [a]]b] FROM t", "a]]b", "SELECT [a]]b] FROM t"),  # brackets do not double: another name
        ("SELECT `x``y` FROM t", "x`y", 'SELECT "cost" FROM t'),
        ("SELECT prix, PRİX FROM t", "prix", "SELECT cost, PRİX FROM t"),  # SQLite folds ASCII only
        ("SELECT n FROM t -- price\n", "price", "SELECT n FROM t -- price\n"),  # a comment is no name
    ],
)
def test_rename_identifier_finds_every_spelling_of_the_name(sql: str, old: str, renamed: str) -> None:
    assert rename_identifier(sql, old, "cost") == renamed


# --- ALTER TABLE DROP COLUMN ----------------------------------------------------------------------


def test_drop_column_removes_its_own_constraints(oracle: Oracle) -> None:
    oracle.setup("CREATE TABLE p (id INTEGER PRIMARY KEY)")
    oracle.setup("CREATE TABLE t (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p(id) CHECK (pid > 0), note TEXT)")
    oracle.setup("ALTER TABLE t DROP COLUMN pid")
    table = oracle.table("t")
    assert [c.name for c in table.columns] == ["id", "note"]
    assert table.foreign_keys == () and table.checks == ()
    assert len(table.provenance.changed) == 1


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("ALTER TABLE t DROP COLUMN id", 'cannot drop PRIMARY KEY column: "id"'),
        ("ALTER TABLE t DROP COLUMN code", 'cannot drop UNIQUE column: "code"'),
        ("ALTER TABLE t DROP COLUMN missing", 'no such column: "missing"'),
        ("ALTER TABLE t DROP COLUMN indexed", "error in index t_indexed after drop column: no such column: indexed"),
        ("ALTER TABLE t DROP COLUMN in_expr", "error in index t_expr after drop column: no such column: in_expr"),
        ("ALTER TABLE t DROP COLUMN in_where", "error in index t_where after drop column: no such column: in_where"),
        ("ALTER TABLE t DROP COLUMN pair_a", "error in table t after drop column: no such column: pair_a"),
        (
            "ALTER TABLE t DROP COLUMN fk_a",
            'error in table t after drop column: unknown column "fk_a" in foreign key definition',
        ),
        ("ALTER TABLE t DROP COLUMN checked", "error in table t after drop column: no such column: checked"),
        ("ALTER TABLE t DROP COLUMN base", "error in table t after drop column: no such column: base"),
        ("ALTER TABLE one DROP COLUMN only", 'cannot drop column "only": no other columns exist'),
        ("ALTER TABLE v DROP COLUMN id", 'cannot drop column from view "v"'),
        ("ALTER TABLE missing DROP COLUMN id", "no such table: missing"),
    ],
)
def test_drop_column_refusals_are_sqlites(oracle: Oracle, sql: str, message: str) -> None:
    oracle.setup(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, code TEXT UNIQUE, indexed, in_expr, in_where, pair_a, pair_b,"
        " fk_a, checked, base, derived AS (base + 1),"
        " UNIQUE (pair_a, pair_b), FOREIGN KEY (fk_a) REFERENCES t (id), CHECK (checked > 0))",
        "CREATE INDEX t_indexed ON t (indexed)",
        "CREATE INDEX t_expr ON t (lower(in_expr))",
        "CREATE INDEX t_where ON t (id) WHERE in_where IS NOT NULL",
        "CREATE TABLE one (only)",
        "CREATE VIEW v AS SELECT id FROM t",
    )
    assert oracle.refused(sql) == message


# --- ALTER TABLE RENAME TO ------------------------------------------------------------------------


def test_rename_table_carries_its_indexes_triggers_and_references(oracle: Oracle) -> None:
    oracle.setup(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)",
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, author INTEGER REFERENCES users(id))",
        "CREATE TABLE nodes (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES nodes(id))",
        "CREATE INDEX users_name ON users (name)",
        "CREATE TRIGGER users_gone AFTER DELETE ON users BEGIN DELETE FROM posts WHERE author = old.id; END",
        "CREATE TRIGGER posts_new AFTER INSERT ON posts BEGIN UPDATE users SET name = name WHERE id = new.author; END",
        "CREATE VIEW names AS SELECT name FROM users",
    )
    oracle.setup("ALTER TABLE users RENAME TO people")
    assert set(oracle.schema.tables) == {"people", "posts", "nodes"}
    people = oracle.table("people")
    assert people.name == "people" and len(people.provenance.changed) == 1
    assert oracle.schema.indexes["users_name"].table == "people"
    assert oracle.table("posts").foreign_keys[0].ref_table == "people"
    assert oracle.schema.triggers["users_gone"].table == "people"
    assert "UPDATE people" in oracle.schema.triggers["posts_new"].body[0]
    assert oracle.schema.views["names"].select == "SELECT name FROM people"

    oracle.setup("ALTER TABLE nodes RENAME TO tree")
    assert oracle.table("tree").foreign_keys[0].ref_table == "tree"  # a self-reference follows


def test_rename_table_to_another_case_of_itself_is_refused_as_sqlite_refuses(oracle: Oracle) -> None:
    # SQLite (3.40 as 3.54) refuses it: "there is already another table or index with this name: T".
    oracle.setup("CREATE TABLE t (a)")
    assert oracle.refused("ALTER TABLE t RENAME TO T") == "there is already another table or index with this name: T"


def test_rename_virtual_table(oracle: Oracle) -> None:
    oracle.setup("CREATE VIRTUAL TABLE search USING fts5(body)")
    oracle.setup("ALTER TABLE search RENAME TO finder")
    assert set(oracle.schema.virtual_tables) == {"finder"}


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("ALTER TABLE t RENAME TO u", "there is already another table or index with this name: u"),
        ("ALTER TABLE t RENAME TO t_a", "there is already another table or index with this name: t_a"),
        ("ALTER TABLE t RENAME TO v", "there is already another table or index with this name: v"),
        ("ALTER TABLE t RENAME TO sqlite_t", "object name reserved for internal use: sqlite_t"),
        ("ALTER TABLE missing RENAME TO w", "no such table: missing"),
        ("ALTER TABLE v RENAME TO w", "view v may not be altered"),
    ],
)
def test_rename_table_refusals_are_sqlites(oracle: Oracle, sql: str, message: str) -> None:
    oracle.setup(
        "CREATE TABLE t (a)", "CREATE TABLE u (a)", "CREATE INDEX t_a ON t (a)", "CREATE VIEW v AS SELECT a FROM t"
    )
    assert oracle.refused(sql) == message


def test_rename_table_to_a_cf_name_is_accepted_as_sqlite_accepts_it(oracle: Oracle) -> None:
    # The dev database (like real local D1, see the reserved-name rule) accepts the rename: only
    # the statements that later read or write `_cf_t` are refused. The model must agree.
    oracle.setup("CREATE TABLE t (a)")
    assert isinstance(oracle.run("ALTER TABLE t RENAME TO _cf_t"), Change)


# --- DROP ------------------------------------------------------------------------------------------


def test_drop_table_takes_its_indexes_and_triggers(oracle: Oracle) -> None:
    oracle.setup(
        "CREATE TABLE t (a)",
        "CREATE TABLE u (a)",
        "CREATE INDEX t_a ON t (a)",
        "CREATE INDEX u_a ON u (a)",
        "CREATE TRIGGER t_g AFTER INSERT ON t BEGIN SELECT 1; END",
    )
    oracle.setup("DROP TABLE T")
    assert set(oracle.schema.tables) == {"u"}
    assert set(oracle.schema.indexes) == {"u_a"} and oracle.schema.triggers == {}


def test_drop_table_takes_a_virtual_table(oracle: Oracle) -> None:
    oracle.setup("CREATE VIRTUAL TABLE search USING fts5(body)")
    oracle.setup("DROP TABLE search")
    assert oracle.schema.virtual_tables == {}


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("DROP TABLE missing", "no such table: missing"),
        ("DROP TABLE v", "use DROP VIEW to delete view v"),
        ("DROP TABLE sqlite_schema", "table sqlite_schema may not be dropped"),
        ("DROP VIEW t", "use DROP TABLE to delete table t"),
        ("DROP VIEW missing", "no such view: missing"),
        ("DROP INDEX missing", "no such index: missing"),
        ("DROP INDEX sqlite_autoindex_t_1", "index associated with UNIQUE or PRIMARY KEY constraint cannot be dropped"),
        ("DROP INDEX sqlite_autoindex_t_2", "index associated with UNIQUE or PRIMARY KEY constraint cannot be dropped"),
        ("DROP INDEX sqlite_autoindex_t_3", "no such index: sqlite_autoindex_t_3"),
        ("DROP TRIGGER missing", "no such trigger: missing"),
    ],
)
def test_drop_refusals_are_sqlites(oracle: Oracle, sql: str, message: str) -> None:
    oracle.setup("CREATE TABLE t (a TEXT PRIMARY KEY, b UNIQUE)", "CREATE VIEW v AS SELECT a FROM t")
    assert oracle.refused(sql) == message


def test_drop_index_view_and_trigger(oracle: Oracle) -> None:
    oracle.setup(
        "CREATE TABLE t (a)",
        "CREATE INDEX t_a ON t (a)",
        "CREATE VIEW v AS SELECT a FROM t",
        "CREATE TRIGGER g AFTER INSERT ON t BEGIN SELECT 1; END",
    )
    oracle.setup("DROP INDEX T_A", "DROP VIEW V", "DROP TRIGGER G")
    assert oracle.schema.indexes == {} and oracle.schema.views == {} and oracle.schema.triggers == {}
    assert set(oracle.schema.tables) == {"t"}


# --- CREATE INDEX / VIEW / TRIGGER ----------------------------------------------------------------


def test_create_index_models_its_terms(oracle: Oracle) -> None:
    oracle.setup("CREATE TABLE t (a, b)")
    oracle.setup("CREATE UNIQUE INDEX t_ab ON t (a DESC, b COLLATE NOCASE, lower(a)) WHERE b > 0")
    index = oracle.schema.indexes["t_ab"]
    assert index.unique and index.table == "t" and index.where == "b > 0"
    assert [(c.name, c.expression, c.descending, c.collation) for c in index.columns] == [
        ("a", None, True, None),
        ("b", None, False, "NOCASE"),
        (None, "lower(a)", False, None),
    ]
    oracle.setup('CREATE INDEX t_quoted ON t ("c")')  # no column c: the string 'c'
    assert oracle.schema.indexes["t_quoted"].columns[0].expression == '"c"'


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("CREATE INDEX t_a ON t (b)", "index t_a already exists"),
        ("CREATE INDEX T_A ON t (b)", "index T_A already exists"),
        ("CREATE INDEX t ON t (b)", "there is already a table named t"),
        ("CREATE INDEX v ON t (b)", "there is already a table named v"),
        ("CREATE INDEX i ON missing (a)", "no such table: main.missing"),
        ("CREATE INDEX i ON v (a)", "views may not be indexed"),
        ("CREATE INDEX i ON f (body)", "virtual tables may not be indexed"),
        ("CREATE INDEX i ON t (c)", "no such column: c"),
        ("CREATE INDEX i ON t ([c])", "no such column: c"),
        ("CREATE INDEX i ON t (rowid)", "no such column: rowid"),  # SQLite indexes no rowid (3.40 as 3.54)
        ("CREATE INDEX i ON t (_rowid_)", "no such column: _rowid_"),
        ("CREATE INDEX sqlite_i ON t (a)", "object name reserved for internal use: sqlite_i"),
        ("CREATE INDEX _cf_i ON t (a)", "not authorized"),
    ],
)
def test_create_index_refusals_are_sqlites(oracle: Oracle, sql: str, message: str) -> None:
    oracle.setup(
        "CREATE TABLE t (a, b)",
        "CREATE INDEX t_a ON t (a)",
        "CREATE VIEW v AS SELECT a FROM t",
        "CREATE VIRTUAL TABLE f USING fts5(body)",
    )
    assert oracle.refused(sql) == message


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("CREATE VIEW v AS SELECT 2", "view v already exists"),
        ("CREATE VIEW t AS SELECT 2", "table t already exists"),
        ("CREATE VIEW t_a AS SELECT 2", "there is already an index named t_a"),
        ("CREATE VIEW sqlite_v AS SELECT 2", "object name reserved for internal use: sqlite_v"),
        ("CREATE TEMP VIEW w AS SELECT 2", "not authorized"),
        ("CREATE TRIGGER g AFTER INSERT ON t BEGIN SELECT 2; END", "trigger g already exists"),
        ("CREATE TRIGGER h INSTEAD OF INSERT ON t BEGIN SELECT 1; END", "cannot create INSTEAD OF trigger on table: t"),
        ("CREATE TRIGGER h BEFORE INSERT ON v BEGIN SELECT 1; END", "cannot create BEFORE trigger on view: main.v"),
        ("CREATE TRIGGER h AFTER INSERT ON missing BEGIN SELECT 1; END", "no such table: main.missing"),
        ("CREATE TRIGGER h AFTER INSERT ON f BEGIN SELECT 1; END", "cannot create triggers on virtual tables"),
        ("CREATE TRIGGER h AFTER INSERT ON sqlite_schema BEGIN SELECT 1; END", "cannot create trigger on system table"),
        ("CREATE TRIGGER _cf_h AFTER INSERT ON t BEGIN SELECT 1; END", "not authorized"),
        ("CREATE TEMP TRIGGER h AFTER INSERT ON t BEGIN SELECT 1; END", "not authorized"),
    ],
)
def test_create_view_and_trigger_refusals_are_sqlites(oracle: Oracle, sql: str, message: str) -> None:
    oracle.setup(
        "CREATE TABLE t (a, b)",
        "CREATE INDEX t_a ON t (a)",
        "CREATE VIEW v AS SELECT a FROM t",
        "CREATE VIRTUAL TABLE f USING fts5(body)",
        "CREATE TRIGGER g AFTER INSERT ON t BEGIN SELECT 1; END",
    )
    assert oracle.refused(sql) == message


def test_create_view_and_trigger_model_what_they_say(oracle: Oracle) -> None:
    oracle.setup("CREATE TABLE Orders (id INTEGER PRIMARY KEY, total REAL)")
    oracle.setup("CREATE VIEW big (ident) AS SELECT id FROM orders WHERE total > 100")
    view = oracle.schema.views["big"]
    assert view.column_names == ("ident",) and view.select == "SELECT id FROM orders WHERE total > 100"
    oracle.setup(
        "CREATE TRIGGER big_insert INSTEAD OF INSERT ON big FOR EACH ROW"
        " BEGIN INSERT INTO orders (id) VALUES (new.ident); END"
    )
    oracle.setup(
        "CREATE TRIGGER total_check BEFORE UPDATE OF total ON orders WHEN new.total < 0"
        " BEGIN SELECT RAISE(ABORT, 'no'); END"
    )
    on_view = oracle.schema.triggers["big_insert"]
    assert (on_view.table, on_view.timing, on_view.event, on_view.for_each_row) == ("big", "INSTEAD OF", "INSERT", True)
    check = oracle.schema.triggers["total_check"]
    assert check.table == "Orders"  # the table's own spelling
    assert (check.timing, check.event, check.update_columns, check.when) == (
        "BEFORE",
        "UPDATE",
        ("total",),
        "new.total < 0",
    )
    assert (
        plan(oracle.schema, "CREATE TRIGGER IF NOT EXISTS total_check AFTER DELETE ON orders BEGIN SELECT 1; END")
        is NO_CHANGE
    )
