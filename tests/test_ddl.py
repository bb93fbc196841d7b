"""`sql/ddl.py`: DDL generated from the model, proven by running it in a fresh SQLite."""

from __future__ import annotations

from grove_schema.catalog import catalog_differences, database_catalog, model_catalog
from grove_schema.devdb import DevDatabase
from grove_schema.model import Schema, key
from grove_schema.sql.ddl import (
    create_index_sql,
    create_table_sql,
    create_trigger_sql,
    create_view_sql,
    create_virtual_table_sql,
    default_sql,
    parent_first_order,
    views_in_order,
)
from grove_schema.sql.lexer import split_statements

from .replaying import replay_files

MIGRATION = """
CREATE TABLE "order" (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  "group" TEXT NOT NULL DEFAULT 'a' COLLATE NOCASE,
  total REAL CHECK (total >= 0),
  created_at INTEGER DEFAULT (unixepoch()),
  code TEXT UNIQUE,
  doubled REAL GENERATED ALWAYS AS (total * 2) VIRTUAL
);
CREATE TABLE line (
  order_id INTEGER NOT NULL REFERENCES "order"(id) ON DELETE CASCADE,
  n INTEGER NOT NULL,
  "my note" TEXT,
  PRIMARY KEY (order_id, n DESC),
  CONSTRAINT positive CHECK (n > 0)
) WITHOUT ROWID;
CREATE TABLE tagged (a TEXT, b TEXT, UNIQUE (a, b), FOREIGN KEY (a) REFERENCES "order"(code)) STRICT;
CREATE INDEX idx_order_expr ON "order" (lower("group"), total DESC) WHERE total > 0;
CREATE UNIQUE INDEX idx_line_note ON line ("my note" COLLATE NOCASE);
CREATE VIRTUAL TABLE notes_fts USING fts5(body, content='');
CREATE VIEW big_orders (id, total) AS SELECT id, total FROM "order" WHERE total > 100;
CREATE VIEW biggest AS SELECT max(total) AS top FROM big_orders;
CREATE TRIGGER line_guard BEFORE INSERT ON line FOR EACH ROW WHEN new.n > 1000
BEGIN
  SELECT RAISE(ABORT, 'too many');
END;
ALTER TABLE line ADD COLUMN added TEXT DEFAULT 'x';
"""


def generated_ddl(schema: Schema) -> str:
    parts = []
    for table in parent_first_order(schema.tables.values()):
        parts.append(create_table_sql(table))
        parts.extend(create_index_sql(index) for index in schema.indexes_of(table.name))
    parts.extend(create_virtual_table_sql(v) for v in schema.virtual_tables.values())
    reads = {"biggest": {"big_orders"}}
    parts.extend(create_view_sql(v) for v in views_in_order(list(schema.views.values()), reads))
    parts.extend(create_trigger_sql(t) for t in schema.triggers.values())
    return "\n".join(parts)


def apply(sql: str) -> DevDatabase:
    db = DevDatabase()
    db.begin_file()
    for raw in split_statements(sql).statements:
        failure = db.execute(raw.text)
        assert failure is None, f"{failure}\n{raw.text}"
    assert db.end_file() is None
    return db


def test_generated_ddl_recreates_the_model() -> None:
    schema = replay_files(MIGRATION).schema
    assert set(schema.tables) == {"order", "line", "tagged"}
    db = apply(generated_ddl(schema))
    assert catalog_differences(model_catalog(schema), database_catalog(db)) == []


def test_generated_ddl_is_stable_through_a_second_round_trip() -> None:
    first = generated_ddl(replay_files(MIGRATION).schema)
    again = generated_ddl(replay_files(first).schema)
    assert again == first


def test_create_table_text() -> None:
    schema = replay_files(MIGRATION).schema
    assert create_table_sql(schema.tables["line"]) == (
        "CREATE TABLE line (\n"
        '  order_id  INTEGER NOT NULL REFERENCES "order" (id) ON DELETE CASCADE,\n'
        "  n         INTEGER NOT NULL,\n"
        '  "my note" TEXT,\n'
        "  added     TEXT    DEFAULT 'x',\n"
        "  PRIMARY KEY (order_id, n DESC),\n"
        "  CONSTRAINT positive CHECK (n > 0)\n"
        ") WITHOUT ROWID;"
    )
    assert create_index_sql(schema.indexes["idx_line_note"]) == (
        'CREATE UNIQUE INDEX idx_line_note ON line ("my note" COLLATE NOCASE);'
    )


def test_creation_order() -> None:
    schema = replay_files(MIGRATION).schema
    order = [key(t.name) for t in parent_first_order(schema.tables.values())]
    assert order.index("order") < order.index("line") and order.index("order") < order.index("tagged")
    views = views_in_order(list(schema.views.values()), {"biggest": {"big_orders"}})
    assert [v.name for v in views] == ["big_orders", "biggest"]


def test_default_sql() -> None:
    assert default_sql("'a'") == "'a'"
    assert default_sql("-1") == "-1"
    assert default_sql("CURRENT_TIMESTAMP") == "CURRENT_TIMESTAMP"
    assert default_sql("unixepoch()") == "(unixepoch())"
