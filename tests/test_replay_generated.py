"""Generated migration streams: the schema model must stay in step with real SQLite.

Hypothesis writes streams of several migration files, each several statements long, mixing every
kind of statement grove-schema replays: DDL of all kinds (valid and not), DML that puts rows in
place (so data-dependent failures happen), the PRAGMAs migrations use, and plain syntax errors.
After every file the model's catalog must equal the dev database's, and the model must never
refuse a statement SQLite accepted.

Names come from small pools, so statements collide, re-create, rename and drop each other's
objects. To reach deep states, each statement is drawn knowing what a shadow dev database holds
just before it: most names are picked among the objects that exist, the rest from the pools, so
invalid statements stay common too. The generator steers by SQLite alone; the model is never
consulted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import apsw
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grove_schema.catalog import catalog_differences, database_catalog, model_catalog
from grove_schema.devdb import DevDatabase
from grove_schema.discovery import MigrationFile
from grove_schema.replay import Replayer

TABLE_POOL = ("t1", "t2", "t3", "t4")
COLUMN_POOL = ("a", "b", "c", "d", "e")
INDEX_POOL = ("i1", "i2", "i3")
VIEW_POOL = ("v1", "v2")
TRIGGER_POOL = ("g1", "g2", "g3")
FTS_POOL = ("f1", "f2")
OBJECT_POOL = TABLE_POOL + INDEX_POOL + VIEW_POOL + FTS_POOL

VALUES = ("1", "2", "0", "-1", "'x'", "'y'", "NULL", "3.5", "'a;b'", "'--'")  # ; and -- inside strings
TYPES = (
    *("", "", "INTEGER", "INTEGER", "TEXT", "VARCHAR(20)", "INT", "REAL", "BLOB"),
    *("integer", "text", "varchar(20)", '"INTEGER"', '"VARCHAR(20)"'),  # SQLite capitalizes and dequotes
)
DEFAULTS = (
    "DEFAULT 0",
    "DEFAULT 'x'",
    "DEFAULT NULL",
    "DEFAULT -1",
    "DEFAULT (unixepoch())",
    "DEFAULT CURRENT_TIMESTAMP",
)
ON_DELETE = ("", "", " ON DELETE CASCADE", " ON DELETE SET NULL")


# --- what the database holds -------------------------------------------------------------------


@dataclass
class State:
    """What the shadow dev database holds, by name."""

    tables: dict[str, list[str]] = field(default_factory=dict)  # table -> column names
    fts: set[str] = field(default_factory=set)
    views: dict[str, list[str]] = field(default_factory=dict)  # view -> column names
    indexes: set[str] = field(default_factory=set)
    triggers: set[str] = field(default_factory=set)
    indexed: dict[str, list[str]] = field(default_factory=dict)  # table -> columns some index covers

    @classmethod
    def of(cls, db: Any) -> State:
        state = cls()
        for _schema, name, kind, *_rest in db.query("PRAGMA main.table_list"):
            if name.lower().startswith(("sqlite_", "_cf_")) or kind == "shadow":
                continue
            if kind == "virtual":
                state.fts.add(name)
                continue
            quoted = _quote(name)
            try:
                columns = [row[1] for row in db.query(f"PRAGMA main.table_info({quoted})")]
            except apsw.Error:  # a view whose table is gone
                columns = []
            (state.views if kind == "view" else state.tables)[name] = columns
            if kind == "table":
                state.indexed[name.lower()] = [
                    row[2]
                    for index in db.query(f"PRAGMA main.index_list({quoted})")
                    for row in db.query(f"PRAGMA main.index_info({_quote(index[1])})")
                    if row[2] is not None
                ]
        for kind, name in db.query("SELECT type, name FROM sqlite_schema WHERE type IN ('index', 'trigger')"):
            if kind == "trigger":
                state.triggers.add(name)
            elif not name.startswith("sqlite_autoindex_"):
                state.indexes.add(name)
        return state

    def objects(self) -> set[str]:
        """Every table, view, index and FTS table: SQLite's one namespace."""
        return set(self.tables) | self.fts | set(self.views) | self.indexes

    def used_names(self) -> set[str]:
        return {n.lower() for n in self.objects()}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def pick(draw: st.DrawFn, existing: Any, pool: tuple[str, ...], bias: int = 6) -> str:
    """Mostly (bias in 8) an existing name, else one from the pool; now and then in upper case
    or quoted. A double-quoted name that names nothing is a string to SQLite (where an expression
    may stand), so "zz" is a column in one place and a constant in another."""
    existing = sorted(existing)
    if existing and draw(st.integers(0, 7)) < bias:
        name: str = draw(st.sampled_from(existing))
    else:
        name = draw(st.sampled_from(pool))
    if draw(st.integers(0, 15)) == 15:
        name = name.upper()  # SQLite folds names: T1 is t1
    if draw(st.integers(0, 15)) == 15:
        name = str(draw(st.sampled_from(('"{}"', "[{}]", "`{}`")))).format(name)
    return name


def fresh(draw: st.DrawFn, used: set[str], pool: tuple[str, ...]) -> str:
    """A name for something new: mostly a pool name not in use; one time in eight any pool name,
    one in eight a name in use (of any kind: a collision)."""
    roll = draw(st.integers(0, 7))
    free = [n for n in pool if n.lower() not in used]
    if roll == 7 and used:
        return str(draw(st.sampled_from(sorted(used))))
    if free and roll < 6:
        return str(draw(st.sampled_from(free)))
    return str(draw(st.sampled_from(pool)))


def columns_of(state: State, table: str) -> list[str]:
    for name, columns in (state.tables | state.views).items():
        if name.lower() == table.lower():
            return columns
    if table.lower() in {f.lower() for f in state.fts}:
        return ["a", "b"]
    return []


def pick_table(draw: st.DrawFn, state: State, wrong_kind: int = 1) -> str:
    """Mostly a table; `wrong_kind` times in eight any object (a view, an index, an FTS table...)."""
    if draw(st.integers(0, 7)) >= 8 - wrong_kind:
        return pick(draw, state.objects(), OBJECT_POOL)
    return pick(draw, state.tables, TABLE_POOL)


def pick_source(draw: st.DrawFn, state: State) -> str:
    """What a SELECT reads: a table, a view or an FTS table."""
    return pick(draw, set(state.tables) | set(state.views) | state.fts, TABLE_POOL)


def pick_column(draw: st.DrawFn, state: State, table: str, bias: int = 6) -> str:
    return pick(draw, columns_of(state, table), COLUMN_POOL, bias)


def pick_columns(draw: st.DrawFn, state: State, table: str, max_size: int = 2, bias: int = 6) -> list[str]:
    count = draw(st.integers(1, max_size))
    return [pick_column(draw, state, table, bias) for _ in range(count)]


# --- pieces ---------------------------------------------------------------------------------------


def references(draw: st.DrawFn, state: State) -> str:
    parent = pick(draw, state.tables, TABLE_POOL)
    target = draw(st.sampled_from(("", "col")))
    if target:
        target = f"({pick_column(draw, state, parent)})"
    return f"REFERENCES {parent}{target}{draw(st.sampled_from(ON_DELETE))}"


def condition(draw: st.DrawFn, column: str) -> str:
    value = draw(st.sampled_from(VALUES))
    shapes = (f"{column} > 0", f"{column} IS NOT NULL", f"length({column}) < 50", f"{column} <> {value}")
    return str(draw(st.sampled_from(shapes)))


def column_constraints(draw: st.DrawFn, state: State, column: str, allow_key: bool) -> list[str]:
    kinds = ["not null", "default", "default", "unique", "check", "references", "collate"]
    if allow_key:
        kinds.append("primary key")
    constraints = []
    for kind in draw(st.lists(st.sampled_from(kinds), max_size=3)):
        if kind == "not null":
            constraints.append("NOT NULL")
        elif kind == "default":
            constraints.append(draw(st.sampled_from(DEFAULTS)))
        elif kind == "unique":
            constraints.append("UNIQUE")
        elif kind == "check":
            constraints.append(f"CHECK ({condition(draw, column)})")
        elif kind == "references":
            constraints.append(references(draw, state))
        elif kind == "collate":
            constraints.append("COLLATE NOCASE")
        else:
            constraints.append("PRIMARY KEY")
    return constraints


def column_def(draw: st.DrawFn, state: State, name: str, allow_key: bool = True) -> str:
    declared = draw(st.sampled_from(TYPES))
    return " ".join(part for part in (name, declared, *column_constraints(draw, state, name, allow_key)) if part)


def select_list(draw: st.DrawFn, state: State, source: str) -> list[str]:
    """Column references, plain or qualified, aliased or not, stars, and aliased expressions.
    Never an unaliased expression: SQLite names such a column after the expression's source text,
    which the model does not keep, so CREATE TABLE ... AS over one is refused as not modelled."""
    items = []
    if draw(st.integers(0, 7)) == 7:
        items.append(draw(st.sampled_from(("*", f"{source}.*"))))
    for column in pick_columns(draw, state, source, max_size=3):
        shape = draw(st.sampled_from(("plain", "alias", "qualified", "qualified alias", "expression")))
        alias = draw(st.sampled_from(COLUMN_POOL))
        items.append(
            {
                "plain": column,
                "alias": f"{column} AS {alias}",
                "qualified": f"{source}.{column}",
                "qualified alias": f"{source}.{column} AS {alias}",
                "expression": f"lower({column}) AS {alias}",
            }[shape]
        )
    return items


# --- statements -----------------------------------------------------------------------------------


@st.composite
def create_table(draw: st.DrawFn, state: State) -> str:
    name = fresh(draw, state.used_names(), TABLE_POOL)
    columns = draw(st.lists(st.sampled_from(COLUMN_POOL), min_size=1, max_size=4, unique=True))
    if draw(st.integers(0, 19)) == 19:
        columns.append(columns[0].upper())  # a duplicate column name
    new_state = State(tables={name: columns})
    # "both" declares two primary keys, which SQLite refuses; with "none" the first column may
    # still draw a PRIMARY KEY among its constraints (and AUTOINCREMENT-less INTEGER or not).
    key_style = draw(st.sampled_from(("none", "none", "integer", "integer", "column", "table", "composite", "both")))
    definitions = [
        column_def(draw, state, column, allow_key=key_style == "none" and index == 0)
        for index, column in enumerate(columns)
    ]
    if key_style in ("integer", "both"):
        autoincrement = draw(st.sampled_from(("", "", " AUTOINCREMENT", " DESC")))
        definitions[0] = f"{columns[0]} INTEGER PRIMARY KEY{autoincrement}"
    elif key_style == "column":
        definitions[0] += " PRIMARY KEY"
    constraints = []
    if key_style in ("table", "both"):
        autoincrement = draw(st.sampled_from(("", "", " AUTOINCREMENT")))
        constraints.append(f"PRIMARY KEY ({columns[-1]}{autoincrement})")
    elif key_style == "composite":
        constraints.append(f"PRIMARY KEY ({', '.join(draw(st.permutations(columns))[:2])})")
    for kind in draw(st.lists(st.sampled_from(("unique", "check", "foreign key")), max_size=2)):
        named = draw(st.sampled_from(("", "", "CONSTRAINT k ")))
        if kind == "unique":
            constraints.append(f"{named}UNIQUE ({', '.join(pick_columns(draw, new_state, name, bias=7))})")
        elif kind == "check":
            constraints.append(f"{named}CHECK ({condition(draw, pick_column(draw, new_state, name, bias=7))})")
        else:
            child = pick_columns(draw, new_state, name, bias=7)
            parent = pick(draw, state.tables | new_state.tables, TABLE_POOL)
            parent_state = State(tables=state.tables | new_state.tables)
            parent_columns = ""
            if draw(st.booleans()):
                count = len(child) + (draw(st.integers(0, 7)) == 7)  # now and then one too many
                parent_columns = f" ({', '.join(pick_column(draw, parent_state, parent, 7) for _ in range(count))})"
            on_delete = draw(st.sampled_from(ON_DELETE))
            references = f"REFERENCES {parent}{parent_columns}{on_delete}"
            constraints.append(f"{named}FOREIGN KEY ({', '.join(child)}) {references}")
    if_not_exists = draw(st.sampled_from(("", "", "", "IF NOT EXISTS ")))
    without_rowid = draw(st.sampled_from(("", "", "", " WITHOUT ROWID")))
    return f"CREATE TABLE {if_not_exists}{name} ({', '.join(definitions + constraints)}){without_rowid}"


@st.composite
def create_table_as(draw: st.DrawFn, state: State) -> str:
    name = fresh(draw, state.used_names(), TABLE_POOL)
    source = pick_source(draw, state)
    items = select_list(draw, state, source)
    where = draw(st.sampled_from(("", "where")))
    if where:
        where = f" WHERE {condition(draw, pick_column(draw, state, source))}"
    if_not_exists = draw(st.sampled_from(("", "", "", "IF NOT EXISTS ")))
    return f"CREATE TABLE {if_not_exists}{name} AS SELECT {', '.join(items)} FROM {source}{where}"


@st.composite
def add_column(draw: st.DrawFn, state: State) -> str:
    table = pick_table(draw, state)
    existing = [c.lower() for c in columns_of(state, table)]
    column = fresh(draw, set(existing), COLUMN_POOL)
    style = draw(st.sampled_from(("any", "any", "not null", "not null default", "references", "key")))
    if style == "not null":
        definition = f"{column} {draw(st.sampled_from(TYPES))} NOT NULL"  # fails on a table with rows
    elif style == "not null default":
        definition = f"{column} {draw(st.sampled_from(TYPES))} NOT NULL {draw(st.sampled_from(DEFAULTS))}"
    elif style == "references":
        definition = f"{column} {references(draw, state)}"
    elif style == "key":
        definition = f"{column} {draw(st.sampled_from(('PRIMARY KEY', 'UNIQUE', 'INTEGER PRIMARY KEY')))}"
    else:
        definition = column_def(draw, state, column, allow_key=False)
    keyword = draw(st.sampled_from(("ADD COLUMN", "ADD")))
    return f"ALTER TABLE {table} {keyword} {definition}"


@st.composite
def drop_column(draw: st.DrawFn, state: State) -> str:
    table = pick_table(draw, state)
    indexed = state.indexed.get(table.lower(), [])
    if indexed and draw(st.integers(0, 2)) == 2:  # a column an index, UNIQUE or PRIMARY KEY covers
        column = str(draw(st.sampled_from(indexed)))
    else:
        column = pick_column(draw, state, table)
    keyword = draw(st.sampled_from(("DROP COLUMN", "DROP")))
    return f"ALTER TABLE {table} {keyword} {column}"


@st.composite
def rename_column(draw: st.DrawFn, state: State) -> str:
    table = pick_table(draw, state)
    old = pick_column(draw, state, table)
    new = fresh(draw, {c.lower() for c in columns_of(state, table)}, COLUMN_POOL)
    if draw(st.integers(0, 9)) == 9:
        new = old.upper()  # a rename that changes only the spelling
    keyword = draw(st.sampled_from(("RENAME COLUMN", "RENAME")))
    return f"ALTER TABLE {table} {keyword} {old} TO {new}"


@st.composite
def rename_table(draw: st.DrawFn, state: State) -> str:
    table = pick_table(draw, state)
    new = fresh(draw, state.used_names(), TABLE_POOL)
    return f"ALTER TABLE {table} RENAME TO {new}"


@st.composite
def drop_table(draw: st.DrawFn, state: State) -> str:
    table = pick_table(draw, state, wrong_kind=2)
    return f"DROP TABLE {draw(st.sampled_from(('', 'IF EXISTS ')))}{table}"


@st.composite
def create_index(draw: st.DrawFn, state: State) -> str:
    name = fresh(draw, state.used_names(), INDEX_POOL)
    table = pick_table(draw, state)
    items = []
    for column in pick_columns(draw, state, table):
        # 'a' is SQLite's legacy spelling of the column a in an index, where it names one.
        shapes = (column, column, f"{column} DESC", f"lower({column})", f"{column} COLLATE NOCASE", f"'{column}'")
        items.append(draw(st.sampled_from(shapes)))
    where = draw(st.sampled_from(("", "", "where")))
    if where:
        where = f" WHERE {condition(draw, pick_column(draw, state, table))}"
    unique = draw(st.sampled_from(("", "", "UNIQUE ")))
    if_not_exists = draw(st.sampled_from(("", "", "IF NOT EXISTS ")))
    return f"CREATE {unique}INDEX {if_not_exists}{name} ON {table} ({', '.join(items)}){where}"


@st.composite
def drop_index(draw: st.DrawFn, state: State) -> str:
    if draw(st.integers(0, 7)) == 7:  # a table's, a view's name; an automatic index
        name = pick(draw, state.objects(), ("sqlite_autoindex_t1_1", *OBJECT_POOL))
    else:
        name = pick(draw, state.indexes, INDEX_POOL)
    return f"DROP INDEX {draw(st.sampled_from(('', 'IF EXISTS ')))}{name}"


@st.composite
def create_view(draw: st.DrawFn, state: State) -> str:
    name = fresh(draw, state.used_names(), VIEW_POOL)
    source = pick_source(draw, state)
    items = select_list(draw, state, source)
    names = ""
    # CREATE VIEW v(x, y): the list names the columns by position.
    if not any("*" in item for item in items) and draw(st.integers(0, 4)) == 4:
        names = f"({', '.join(draw(st.permutations(COLUMN_POOL))[: len(items)])})"
    where = draw(st.sampled_from(("", "where")))
    if where:
        where = f" WHERE {condition(draw, pick_column(draw, state, source))}"
    if_not_exists = draw(st.sampled_from(("", "", "IF NOT EXISTS ")))
    return f"CREATE VIEW {if_not_exists}{name}{names} AS SELECT {', '.join(items)} FROM {source}{where}"


@st.composite
def drop_view(draw: st.DrawFn, state: State) -> str:
    if draw(st.integers(0, 7)) >= 6:  # a table's name, an index's
        name = pick(draw, state.objects(), OBJECT_POOL)
    else:
        name = pick(draw, state.views, VIEW_POOL)
    return f"DROP VIEW {draw(st.sampled_from(('', 'IF EXISTS ')))}{name}"


def trigger_step(draw: st.DrawFn, state: State, table: str, row: str) -> str:
    target = pick_table(draw, state)
    column = pick_column(draw, state, target)
    source = f"{row}.{pick_column(draw, state, table)}"
    if draw(st.booleans()):
        return f"INSERT INTO {target} ({column}) VALUES ({source})"
    where_column = pick_column(draw, state, target)
    value = draw(st.sampled_from(VALUES))
    if draw(st.integers(0, 3)) == 3:  # CASE ... END inside the body: not the trigger's END
        value = f"CASE WHEN {source} > 0 THEN {value} ELSE 0 END"
    return f"UPDATE {target} SET {column} = {value} WHERE {where_column} = {source}"


@st.composite
def create_trigger(draw: st.DrawFn, state: State) -> str:
    name = fresh(draw, {t.lower() for t in state.triggers}, TRIGGER_POOL)
    table = pick_table(draw, state)
    event = draw(st.sampled_from(("INSERT", "UPDATE", "DELETE", "UPDATE OF")))
    row = "OLD" if event == "DELETE" else "NEW"
    if event == "UPDATE OF":
        event = f"UPDATE OF {pick_column(draw, state, table)}"
    for_each_row = draw(st.sampled_from(("", " FOR EACH ROW")))
    when = draw(st.sampled_from(("", "", "when")))
    if when:
        when = f" WHEN {condition(draw, f'{row}.{pick_column(draw, state, table)}')}"
    steps = " ".join(f"{trigger_step(draw, state, table, row)};" for _ in range(draw(st.integers(1, 2))))
    if_not_exists = draw(st.sampled_from(("", "", "IF NOT EXISTS ")))
    return f"CREATE TRIGGER {if_not_exists}{name} AFTER {event} ON {table}{for_each_row}{when} BEGIN {steps} END"


@st.composite
def drop_trigger(draw: st.DrawFn, state: State) -> str:
    name = pick(draw, state.triggers, TRIGGER_POOL)
    return f"DROP TRIGGER {draw(st.sampled_from(('', 'IF EXISTS ')))}{name}"


@st.composite
def create_virtual_table(draw: st.DrawFn, state: State) -> str:
    name = fresh(draw, state.used_names(), FTS_POOL)
    if_not_exists = draw(st.sampled_from(("", "", "IF NOT EXISTS ")))
    return f"CREATE VIRTUAL TABLE {if_not_exists}{name} USING fts5(a, b)"


@st.composite
def insert(draw: st.DrawFn, state: State) -> str:
    table = pick(draw, set(state.tables) | state.fts, TABLE_POOL)  # rows in FTS tables too
    if draw(st.integers(0, 4)) == 4:
        return f"INSERT INTO {table} DEFAULT VALUES"
    columns = list(dict.fromkeys(pick_columns(draw, state, table, max_size=3)))
    rows = [[draw(st.sampled_from(VALUES)) for _ in columns] for _ in range(draw(st.integers(1, 3)))]
    tuples = ", ".join(f"({', '.join(row)})" for row in rows)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES {tuples}"


@st.composite
def update(draw: st.DrawFn, state: State) -> str:
    table = pick_table(draw, state)
    column = pick_column(draw, state, table)
    where = draw(st.sampled_from(("", "where")))
    if where:
        where = f" WHERE {condition(draw, pick_column(draw, state, table))}"
    return f"UPDATE {table} SET {column} = {draw(st.sampled_from(VALUES))}{where}"


@st.composite
def delete(draw: st.DrawFn, state: State) -> str:
    table = pick_table(draw, state)
    where = draw(st.sampled_from(("", "where")))
    if where:
        where = f" WHERE {condition(draw, pick_column(draw, state, table))}"
    return f"DELETE FROM {table}{where}"


@st.composite
def pragma(draw: st.DrawFn, state: State) -> str:
    # Each file runs in one transaction: foreign_keys = OFF is a no-op there, as in D1.
    return str(draw(st.sampled_from(("PRAGMA defer_foreign_keys = ON", "PRAGMA foreign_keys = OFF"))))


# Statements SQLite cannot parse (the lexer still ends each at its `;`).
SYNTAX_ERRORS = (
    "CREATE TABLE t1 (a,",
    "CREATE TABLE t2 ()",
    "CREAT TABLE t1 (a)",
    "ALTER TABLE t1 ADD",
    "ALTER TABLE t1 RENAME a TO",
    "DROP TABL t1",
    "CREATE INDEX i1 ON t1",
    "CREATE VIEW v1 AS",
    "INSERT INTO t1 VALUES (",
    "SELEC 1",
    "CREATE TABLE t3 (a INTEGER, PRIMARY KEY (a) AUTOINCREMENT)",
    "CREATE TRIGGER g1 AFTER INSERT ON t1 BEGIN SELECT 1 END",
)


@st.composite
def syntax_error(draw: st.DrawFn, state: State) -> str:
    return str(draw(st.sampled_from(SYNTAX_ERRORS)))


Mix = dict[Any, int]  # statement strategy -> weight

# Every kind of statement.
EVERYTHING: Mix = {
    create_table: 6,
    create_table_as: 2,
    add_column: 5,
    drop_column: 3,
    rename_column: 3,
    rename_table: 2,
    drop_table: 2,
    create_index: 4,
    drop_index: 1,
    create_view: 2,
    drop_view: 1,
    create_trigger: 2,
    drop_trigger: 1,
    create_virtual_table: 1,
    insert: 6,
    update: 1,
    delete: 1,
    pragma: 1,
    syntax_error: 1,
}
# What reads and rewrites other objects' SQL: views over tables and views, CREATE TABLE ... AS
# through them, and the renames and drops SQLite propagates into views, triggers and indexes.
REWRITES: Mix = {
    create_table: 3,
    create_view: 4,
    create_table_as: 4,
    rename_column: 4,
    rename_table: 3,
    drop_column: 3,
    add_column: 2,
    create_index: 2,
    create_trigger: 2,
    drop_view: 1,
    drop_table: 1,
    insert: 2,
}
# Rows, foreign keys and the failures that depend on them, some only at COMMIT.
ROWS: Mix = {
    create_table: 4,
    insert: 8,
    update: 2,
    delete: 2,
    add_column: 3,
    drop_table: 2,
    rename_table: 1,
    create_index: 3,
    create_trigger: 2,
    create_table_as: 1,
    pragma: 2,
}


def weighted(mix: Mix, full: bool) -> tuple[Any, ...]:
    """The mix as a tuple to sample from. Once the table pool is used up CREATE TABLE can only
    collide, so then tables are dropped more and created less."""
    if full:
        mix = mix | {create_table: 1, create_table_as: min(mix.get(create_table_as, 0), 1), drop_table: 4}
    return tuple(strategy for strategy, weight in mix.items() for _ in range(weight))


def draw_file(data: st.DataObject, shadow: DevDatabase, number: int, mix: Mix) -> list[str]:
    """One file's statements, each drawn knowing what the shadow database holds just before it.

    The shadow is a second dev database that runs every statement as it is drawn, inside one
    transaction per file like the replay's own: it holds exactly what the replay's will.
    """
    first = number == 1
    count = data.draw(st.integers(2, 5 if first else 7), label=f"file {number}: statements")
    statements = []
    shadow.begin_file()
    for index in range(count):
        state = State.of(shadow)
        if first:  # tables first, then rows in them
            kinds: tuple[Any, ...] = (create_table,) if index < count // 2 + 1 else (create_table, insert, insert)
        else:
            kinds = weighted(mix, full=len(state.tables) >= len(TABLE_POOL) - 1)
        sql = data.draw(data.draw(st.sampled_from(kinds), label="kind")(state), label=f"file {number}")
        sql = data.draw(st.sampled_from(("", "", "", "-- a note; with a semicolon\n", "/* x; y */ "))) + sql
        shadow.execute(sql)
        statements.append(sql)
    shadow.end_file()
    return statements


def check_stream(data: st.DataObject, files: int, mix: Mix) -> None:
    """Replay `files` generated files, checking the invariant after each."""
    replayer = Replayer("engine")
    shadow = DevDatabase()
    try:
        for number in range(1, files + 1):
            statements = draw_file(data, shadow, number, mix)
            name = f"{number:03d}_generated.sql"
            text = "".join(f"{sql};\n" for sql in statements)
            replayer.apply_file(MigrationFile(path=Path(f"/virtual/{name}"), name=name, number=number), text)
            assert replayer.dev_database is not None
            differences = catalog_differences(model_catalog(replayer.schema), database_catalog(replayer.dev_database))
            assert differences == [], f"after {name}:\n{text}\n" + "\n".join(differences)
            assert replayer.result.divergences == [], f"after {name}:\n{text}"
    finally:
        shadow.close()
        replayer.close()


def generated(max_examples: int) -> settings:
    """`max_examples` under the default and ci profiles (100 examples a test); a profile with fewer
    (dev) scales it down in proportion."""
    scaled = max(1, max_examples * settings().max_examples // 100)
    return settings(max_examples=scaled, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.slow
@generated(300)
@given(st.data(), st.integers(2, 6))
def test_every_kind_of_statement(data: st.DataObject, files: int) -> None:
    check_stream(data, files, EVERYTHING)


@pytest.mark.slow
@generated(150)
@given(st.data(), st.integers(3, 6))
def test_views_renames_and_create_table_as(data: st.DataObject, files: int) -> None:
    check_stream(data, files, REWRITES)


@pytest.mark.slow
@generated(150)
@given(st.data(), st.integers(2, 6))
def test_rows_and_foreign_keys(data: st.DataObject, files: int) -> None:
    check_stream(data, files, ROWS)


@pytest.mark.parametrize(("ci", "expected"), [("1", "True 100 None"), ("", "False")])
def test_ci_runs_a_fixed_bounded_sequence_of_examples(ci: str, expected: str) -> None:
    import os
    import subprocess
    import sys

    from .conftest import REPO

    environment = {k: v for k, v in os.environ.items() if k not in ("HYPOTHESIS_PROFILE", "CI", "GITHUB_ACTIONS")}
    if ci:
        environment["CI"] = ci
    probe = (
        "import tests.conftest; from hypothesis import settings; s = settings(); "
        "print(s.derandomize, s.max_examples, s.database) if s.derandomize else print(s.derandomize)"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, env=environment, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == expected
