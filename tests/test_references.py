"""`sql/references.py`: the tables, columns and names a piece of SQL references."""

from __future__ import annotations

from pathlib import Path

import pytest

from grove_schema.model import Column, Index, IndexColumn, Provenance, Schema, SourceRef, Table, Trigger, key
from grove_schema.sql import references
from grove_schema.sql.parsing import parse_with_sqlglot
from grove_schema.sql.references import (
    column_references,
    expression_columns,
    identifiers_in,
    index_columns,
    statement_references,
    table_written,
    tables_referenced,
    trigger_references,
)

HERE = Provenance(created=SourceRef(path="m.sql", line=1))


def table(name: str, *columns: str) -> Table:
    return Table(name=name, columns=tuple(Column(name=c, provenance=HERE) for c in columns), provenance=HERE)


def schema_of(*tables: Table) -> Schema:
    schema = Schema()
    for t in tables:
        schema.tables[key(t.name)] = t
    return schema


def test_tables_of_each_kind_of_statement() -> None:
    assert tables_referenced("SELECT a FROM t") == {"t"}
    assert tables_referenced("INSERT INTO log(x) SELECT y FROM src") == {"log", "src"}
    assert tables_referenced("UPDATE Posts SET n = (SELECT count(*) FROM likes)") == {"posts", "likes"}
    assert tables_referenced("DELETE FROM t WHERE id IN (SELECT id FROM gone)") == {"t", "gone"}
    assert tables_referenced("SELECT * FROM a JOIN b ON a.id = b.a_id LEFT JOIN c USING (id)") == {"a", "b", "c"}
    assert tables_referenced("SELECT * FROM (SELECT x FROM inner_t) AS s") == {"inner_t"}


def test_cte_names_are_not_tables() -> None:
    assert tables_referenced("WITH recent AS (SELECT * FROM posts) SELECT * FROM recent") == {"posts"}


def test_conflict_clauses_and_unparsable_text() -> None:
    assert tables_referenced("UPDATE OR IGNORE t SET a = 1") == {"t"}
    assert tables_referenced("REPLACE INTO t(a) VALUES (1)") == {"t"}
    assert tables_referenced("INSERT OR REPLACE INTO t(a) SELECT a FROM u") == {"t", "u"}
    assert tables_referenced("this is not SQL (") == set()


def test_table_written() -> None:
    assert table_written("INSERT INTO audit(x) SELECT y FROM t") == "audit"
    assert table_written("UPDATE OR ABORT Counts SET n = n + 1") == "counts"
    assert table_written("DELETE FROM t") == "t"
    assert table_written("SELECT 1 FROM t") is None


def test_view_and_trigger_bodies() -> None:
    schema = schema_of(table("posts", "id", "title", "tenant_id"), table("tenants", "id", "name"))
    view = "SELECT p.title, name FROM posts p JOIN tenants t ON t.id = p.tenant_id"
    tables, columns = statement_references(view, schema)
    assert tables == {"posts", "tenants"}
    assert columns == {("posts", "title"), ("tenants", "name"), ("tenants", "id"), ("posts", "tenant_id")}
    body = "INSERT INTO tenants(name) VALUES (new.title)"
    tables, columns = statement_references(body, schema, trigger_table="posts")
    assert tables == {"tenants", "posts"}
    assert columns == {("tenants", "name"), ("posts", "title")}


def test_trigger_references_include_when_and_update_of() -> None:
    schema = schema_of(table("posts", "id", "title", "views"), table("log", "post_id"))
    trigger = Trigger(
        name="t_log",
        table="posts",
        timing="AFTER",
        event="UPDATE",
        update_columns=("views",),
        when="new.title IS NOT NULL",
        body=("INSERT INTO log(post_id) VALUES (new.id)",),
        provenance=HERE,
    )
    tables, columns = trigger_references(trigger, schema)
    assert tables == {"posts", "log"}
    assert columns == {("posts", "views"), ("posts", "title"), ("posts", "id"), ("log", "post_id")}


def test_columns_resolve_in_the_innermost_scope() -> None:
    schema = schema_of(table("t", "a", "b"), table("u", "b", "c"))
    assert column_references("SELECT a FROM t WHERE EXISTS (SELECT 1 FROM u WHERE c = a)", schema) == {
        ("t", "a"),
        ("u", "c"),
    }
    assert column_references("SELECT b FROM u", schema) == {("u", "b")}
    assert column_references("SELECT * FROM t", schema) == set()
    assert column_references("nonsense (", schema) is None


def test_columns_of_an_expression() -> None:
    assert expression_columns("status IN ('a', 'b') AND length(code) = 6") == {"status", "code"}
    assert expression_columns("CASE WHEN x IS NULL THEN 0 ELSE y END") == {"x", "y"}
    assert expression_columns('"Quoted Name" > 0') == {"quoted name"}


SIMPLE_EXPRESSIONS = [
    "lower(email)",
    "deleted_at IS NULL",
    "status = 'active' AND tenant_id IS NOT NULL",
    "json_extract(data, '$.kind')",
    "name COLLATE NOCASE",
    "coalesce(updated_at, created_at) > CURRENT_TIMESTAMP",
    '"Quoted Name" > 0 OR [bracketed] < 2',
    "score BETWEEN 1 AND 10",
    "title LIKE '%x%' ESCAPE '\\'",
    "a + b * -c / 2 || d",
    "length(trim(code)) = 6 AND NOT archived",
    "x ISNULL OR y NOTNULL",
    "action = 'view'",  # a keyword SQLite also takes as a name
    "key",
    "abs(delta) >= 0.5e3 AND flags & 4",
]
NOT_SIMPLE = [
    "CASE WHEN x IS NULL THEN 0 ELSE y END",
    "CAST(amount AS INTEGER)",
    "status IN ('a', 'b')",
    "t.name = 'x'",
    "id = ?",
    "EXISTS (SELECT 1 FROM u)",
    "RAISE(ABORT, 'no')",
    "'unterminated",
]


@pytest.mark.parametrize("expression", SIMPLE_EXPRESSIONS)
def test_a_simple_expression_is_read_without_sqlglot_and_agrees_with_it(expression: str) -> None:
    fast = references._simple_expression_columns(expression)
    assert fast is not None
    assert fast == sqlglot_expression_columns(expression)


@pytest.mark.parametrize("expression", NOT_SIMPLE)
def test_anything_else_goes_to_sqlglot(expression: str) -> None:
    assert references._simple_expression_columns(expression) is None


def sqlglot_expression_columns(expression: str) -> set[str]:
    from sqlglot import exp

    tree = parse_with_sqlglot(f"SELECT {expression}")
    assert tree is not None
    return {c.name.lower() for c in tree.find_all(exp.Column) if c.name}


def test_the_corpus_index_expressions_read_without_sqlglot_agree_with_it(corpus_root: Path) -> None:
    from grove_schema.discovery import discover_stream
    from grove_schema.replay import replay_stream
    from grove_schema.sources import read_migration

    files = discover_stream(corpus_root / "libs" / "engine" / "migrations")
    schema = replay_stream("engine", files, read_migration).schema
    expressions = [
        text
        for index in schema.indexes.values()
        for text in [c.expression for c in index.columns if c.expression] + ([index.where] if index.where else [])
    ]
    assert len(expressions) >= 20
    read_fast = [e for e in expressions if references._simple_expression_columns(e) is not None]
    assert len(read_fast) >= len(expressions) // 2
    for expression in read_fast:
        assert references._simple_expression_columns(expression) == sqlglot_expression_columns(expression), expression


def test_identifiers_in_text() -> None:
    assert identifiers_in("lower(email) = 'x' AND t.Name") == {"email", "and", "t", "name"}
    assert identifiers_in('"a b" + [c] + `d`') == {"a b", "c", "d"}
    assert identifiers_in("-- only a comment") == set()


def test_index_columns() -> None:
    index = Index(
        name="i",
        table="t",
        columns=(IndexColumn(name="A"), IndexColumn(expression="lower(b)")),
        where="deleted_at IS NULL",
        provenance=HERE,
    )
    assert index_columns(index) == {"a", "b", "deleted_at"}
