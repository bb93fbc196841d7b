"""The rebuild's row copies read from tokens agree with sqlglot's reading wherever they answer."""

from __future__ import annotations

import pytest

from grove_schema.rules.safety import UNREAD, _row_copy_from_tree, simple_row_copy
from grove_schema.sql.lexer import split_statements

from .replaying import replay_files

SCHEMA = replay_files(
    'CREATE TABLE tenants (id TEXT PRIMARY KEY, plan TEXT, name TEXT, "from" TEXT, created_at INTEGER);\n'
    'CREATE TABLE tenants_new (id TEXT PRIMARY KEY, plan TEXT, name TEXT, "from" TEXT, created_at INTEGER);\n'
    "CREATE TABLE other (id TEXT PRIMARY KEY, plan TEXT);\n"
    'CREATE TABLE events (id TEXT PRIMARY KEY, "end" TEXT);\n'
).schema

# Shapes the tokens read (the rebuilds of real streams), and what they copy.
READ = [
    ("INSERT INTO tenants_new SELECT * FROM tenants", ("tenants_new", None)),
    ("INSERT INTO tenants_new SELECT t.* FROM tenants t", ("tenants_new", None)),
    ("INSERT INTO tenants_new (id, plan) SELECT id, plan FROM tenants", ("tenants_new", {"id", "plan"})),
    ("INSERT OR IGNORE INTO tenants_new (id) SELECT id FROM tenants AS t", ("tenants_new", {"id"})),
    ("INSERT INTO tenants_new (id, plan) SELECT t.id, t.plan FROM tenants t", ("tenants_new", {"id", "plan"})),
    (
        "INSERT INTO tenants_new (id, plan, name) SELECT id, CASE plan WHEN 'starter' THEN 'seedling' "
        "ELSE plan END, name FROM tenants",
        ("tenants_new", {"id", "plan", "name"}),
    ),
    ("INSERT INTO tenants_new (id, name) SELECT id, coalesce(name, 'x') FROM tenants", ("tenants_new", {"id", "name"})),
    ("INSERT INTO tenants_new (id, name) SELECT id, upper(name) AS name FROM tenants", ("tenants_new", {"id", "name"})),
    ('INSERT INTO tenants_new (id, "from") SELECT id, "from" FROM tenants', ("tenants_new", {"id", "from"})),
    (
        "INSERT INTO tenants_new (id, created_at) SELECT id, created_at + 1 FROM tenants",
        ("tenants_new", {"id", "created_at"}),
    ),
    ("INSERT INTO tenants_new (id) SELECT nosuch FROM tenants", ("tenants_new", set())),
    ("REPLACE INTO tenants_new SELECT * FROM tenants", ("tenants_new", None)),
    ("INSERT INTO tenants_new SELECT * FROM other", None),  # another table's rows
    ("INSERT INTO tenants SELECT * FROM tenants", None),  # into itself: not a copy elsewhere
]

# Shapes left to sqlglot: scopes, joins, filters, aliases without AS, odd names.
UNREAD_SHAPES = [
    "INSERT INTO tenants_new SELECT * FROM tenants WHERE plan = 'x'",
    "INSERT INTO tenants_new SELECT t.* FROM tenants t JOIN other o ON o.id = t.id",
    "INSERT INTO tenants_new SELECT id, (SELECT plan FROM other) FROM tenants",
    "INSERT INTO tenants_new (id, name) SELECT id, name n FROM tenants",
    "INSERT INTO tenants_new SELECT DISTINCT * FROM tenants",
    "INSERT INTO tenants_new (id) SELECT count(*) FROM tenants",
    "INSERT INTO tenants_new (id) SELECT o.id FROM tenants",
    "INSERT INTO main.tenants_new SELECT * FROM tenants",
    "INSERT INTO tenants_new VALUES ('a', 'b', 'c', 'd', 1)",
    "WITH x AS (SELECT * FROM tenants) INSERT INTO tenants_new SELECT * FROM x",
    "INSERT INTO tenants_new SELECT * FROM tenants, other",
    "INSERT INTO tenants_new SELECT * FROM tenants ORDER BY id",
]


def _raw(sql: str):  # type: ignore[no-untyped-def]
    (raw,) = split_statements(sql + ";").statements
    return raw


def _normal(copy: object) -> object:
    if copy is None:
        return None
    assert isinstance(copy, tuple)
    target, columns = copy
    return target, None if columns is None else set(columns)


@pytest.mark.parametrize(("sql", "expected"), READ, ids=[sql[:60] for sql, _ in READ])
def test_the_tokens_read_the_rebuild_copy_as_sqlglot_does(sql: str, expected: object) -> None:
    raw = _raw(sql)
    fast = simple_row_copy(raw, "tenants", SCHEMA)
    assert fast is not UNREAD, sql
    assert _normal(fast) == expected
    assert _normal(_row_copy_from_tree(raw, "tenants", SCHEMA)) == expected


@pytest.mark.parametrize("sql", UNREAD_SHAPES, ids=[sql[:60] for sql in UNREAD_SHAPES])
def test_other_shapes_are_left_to_sqlglot(sql: str) -> None:
    assert simple_row_copy(_raw(sql), "tenants", SCHEMA) is UNREAD


def test_a_column_named_like_a_keyword_is_left_to_sqlglot() -> None:
    sql = "INSERT INTO events_new (id, x) SELECT id, CASE WHEN id = 'a' THEN 1 ELSE 0 END FROM events"
    assert simple_row_copy(_raw(sql), "events", SCHEMA) is UNREAD
    assert _normal(_row_copy_from_tree(_raw(sql), "events", SCHEMA)) == ("events_new", {"id"})
