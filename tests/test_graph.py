"""The dependency graph and its queries."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from grove_schema.discovery import MigrationFile
from grove_schema.graph import (
    build_graph,
    crossing_references,
    database_subgraph,
    dependents,
    drop_order,
    reference_index,
    references,
    table_node,
)
from grove_schema.model import Schema
from grove_schema.replay import Replayer, replay_stream
from tests.conftest import CORPUS, corpus_absent

SCHEMA = """
CREATE TABLE tenants (id TEXT PRIMARY KEY, name TEXT);
CREATE TABLE posts (id TEXT PRIMARY KEY, tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE, title TEXT);
CREATE TABLE comments (id TEXT PRIMARY KEY, post_id TEXT REFERENCES posts(id) ON DELETE CASCADE, body TEXT);
CREATE TABLE gallery_images (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL,
  FOREIGN KEY (tenant_id) REFERENCES tenants(id) ON DELETE SET NULL ON UPDATE CASCADE);
CREATE TABLE gallery_tags (image_id TEXT REFERENCES gallery_images(id), tag TEXT);
CREATE INDEX idx_posts_title ON posts (lower(title)) WHERE title IS NOT NULL;
CREATE VIEW tenant_posts AS SELECT t.name, p.title FROM tenants t JOIN posts p ON p.tenant_id = t.id;
CREATE TABLE audit (what TEXT);
CREATE TRIGGER posts_audit AFTER INSERT ON posts BEGIN INSERT INTO audit (what) VALUES (new.title); END;
"""

OWNERS = {"gallery_images": "curios", "gallery_tags": "curios"}


def owner_of(table: str) -> str:
    return OWNERS.get(table.lower(), "engine")


@pytest.fixture(scope="module")
def schema() -> Schema:
    replayer = Replayer("engine")
    replayer.apply_file(MigrationFile(Path("/virtual/001_s.sql"), "001_s.sql", 1), SCHEMA)
    replayer.close()
    assert replayer.result.findings == []
    return replayer.schema


@pytest.fixture(scope="module")
def graph(schema: Schema) -> nx.MultiDiGraph:
    return build_graph({"engine": schema}, owner_of)


def test_nodes_and_edges_of_every_kind(graph: nx.MultiDiGraph) -> None:
    kinds = {data["kind"] for _n, data in graph.nodes(data=True)}
    assert kinds == {"database", "table", "column", "index", "view", "trigger"}
    edge_kinds = {data["kind"] for _s, _t, data in graph.edges(data=True)}
    assert {"column_of", "indexes", "foreign_key", "reads", "writes", "on", "owned_by", "lives_in"} <= edge_kinds
    fk = [
        d
        for s, t, d in graph.edges(data=True)
        if d["kind"] == "foreign_key" and s == table_node("engine", "gallery_images")
    ]
    assert fk[0]["on_delete"] == "SET NULL" and fk[0]["on_update"] == "CASCADE"
    index_columns = {t for s, t, d in graph.edges(data=True) if s == ("index", "engine", "idx_posts_title")}
    assert ("column", "engine", "posts", "title") in index_columns
    view_reads = {t for s, t, d in graph.edges(data=True) if s == ("view", "engine", "tenant_posts")}
    assert {table_node("engine", "tenants"), table_node("engine", "posts")} <= view_reads
    assert ("column", "engine", "posts", "title") in view_reads
    trigger_writes = {
        t for s, t, d in graph.edges(data=True) if s == ("trigger", "engine", "posts_audit") and d["kind"] == "writes"
    }
    assert trigger_writes == {table_node("engine", "audit")}
    assert graph.nodes[table_node("engine", "gallery_images")]["owner"] == "curios"


def test_dependents_of_a_table(graph: nx.MultiDiGraph) -> None:
    found = dependents(graph, "engine", "posts")
    assert table_node("engine", "comments") in found
    assert ("index", "engine", "idx_posts_title") in found
    assert ("view", "engine", "tenant_posts") in found
    assert ("trigger", "engine", "posts_audit") in found
    assert table_node("engine", "tenants") not in found
    assert dependents(graph, "engine", "no_such_table") == []


def test_drop_order_is_children_first_and_deterministic(graph: nx.MultiDiGraph) -> None:
    order = drop_order(graph, "engine", ["tenants", "posts", "comments", "gallery_tags", "gallery_images", "audit"])
    assert order.index("comments") < order.index("posts") < order.index("tenants")
    assert order.index("gallery_tags") < order.index("gallery_images") < order.index("tenants")
    assert order == drop_order(graph, "engine", reversed(order))
    assert order == ["audit", "comments", "gallery_tags", "gallery_images", "posts", "tenants"]


def test_drop_order_breaks_cycles_alphabetically() -> None:
    replayer = Replayer("engine")
    replayer.apply_file(
        MigrationFile(Path("/virtual/001_c.sql"), "001_c.sql", 1),
        "CREATE TABLE a (id TEXT PRIMARY KEY, b_id TEXT REFERENCES b(id));\n"
        "CREATE TABLE b (id TEXT PRIMARY KEY, a_id TEXT REFERENCES a(id));\n"
        "CREATE TABLE c (a_id TEXT REFERENCES a(id));\n",
    )
    replayer.close()
    graph = build_graph({"engine": replayer.schema}, lambda _t: "engine")
    assert drop_order(graph, "engine", ["a", "b", "c"]) == ["c", "a", "b"]


def test_crossing_references_between_two_databases(graph: nx.MultiDiGraph) -> None:
    crossing = crossing_references(graph, "curios", "engine")
    assert [(r.kind, r.source, r.target, r.on_delete) for r in crossing] == [
        ("foreign_key", "gallery_images", "tenants", "SET NULL")
    ]
    assert crossing_references(graph, "engine", "obs") == []
    assert any(r.kind == "view" and r.source == "tenant_posts" for r in references(graph))


def test_subgraph_of_one_database(graph: nx.MultiDiGraph) -> None:
    curios = database_subgraph(graph, "curios")
    tables = sorted(d["name"] for _n, d in curios.nodes(data=True) if d.get("kind") == "table")
    assert tables == ["gallery_images", "gallery_tags"]
    assert ("column", "engine", "gallery_tags", "tag") in curios
    engine = database_subgraph(graph, "engine")
    assert ("view", "engine", "tenant_posts") in engine
    assert ("trigger", "engine", "posts_audit") in engine
    assert table_node("engine", "gallery_images") not in engine


def _graph_answers(
    graph: nx.MultiDiGraph,
) -> tuple[
    dict[tuple[str, str], set[str]], dict[tuple[str, ...], list[str]], dict[tuple[str, ...], list[tuple[str, str]]]
]:
    """What a view reads and who reads a column, asked of the networkx graph."""
    views = {
        (n[1], n[2]): {t[2] for _s, t, d in graph.out_edges(n, data=True) if d["kind"] == "reads" and t[0] == "table"}
        for n, data in graph.nodes(data=True)
        if data["kind"] == "view"
    }
    edges = {
        n: [(t[2], d["kind"]) for _s, t, d in graph.out_edges(n, data=True) if t[0] == "table" and d["kind"] != "on"]
        for n, data in graph.nodes(data=True)
        if data["kind"] in ("view", "trigger")
    }
    users: dict[tuple[str, ...], list[str]] = {}
    for n, data in graph.nodes(data=True):
        if data["kind"] != "column":
            continue
        found = sorted(
            {
                s
                for s, _t, d in graph.in_edges(n, data=True)
                if s[0] in ("view", "trigger") and d["kind"] in ("reads", "writes")
            }
        )
        if found:
            users[n[1:]] = [f"{s[0]}:{s[2]}" for s in found]
    return views, users, edges


def _assert_index_matches_graph(schemas: dict[str, Schema]) -> int:
    graph = build_graph(schemas, owner_of)
    index = reference_index(schemas)
    assert index.references == references(graph)
    views, users, edges = _graph_answers(graph)
    assert {(stream, view): index.tables_of_view(stream, view) for stream, view in views} == views
    assert index.object_tables == edges
    assert {k: [f"{u.kind}:{u.node_key}" for u in v] for k, v in index.column_users.items()} == users
    return len(index.references)


def test_reference_index_answers_as_the_graph_does(schema: Schema) -> None:
    assert _assert_index_matches_graph({"engine": schema}) > 0
    index = reference_index({"engine": schema})
    assert index.tables_of_view("engine", "Tenant_Posts") == {"posts", "tenants"}
    assert [u.name for u in index.users_of_column("engine", "posts", "TITLE")] == ["posts_audit", "tenant_posts"]


def test_a_trigger_reading_a_column_twice_is_one_user() -> None:
    replayer = Replayer("engine")
    replayer.apply_file(
        MigrationFile(Path("/virtual/001_t.sql"), "001_t.sql", 1),
        "CREATE TABLE posts (id TEXT PRIMARY KEY, title TEXT);\n"
        "CREATE TABLE audit (what TEXT);\n"
        "CREATE TRIGGER twice AFTER UPDATE ON posts BEGIN\n"
        "  INSERT INTO audit (what) SELECT title FROM posts WHERE id = new.id;\n"
        "  INSERT INTO audit (what) SELECT title FROM posts WHERE id = old.id;\n"
        "END;\n",
    )
    replayer.close()
    index = reference_index({"engine": replayer.schema})
    assert [u.name for u in index.users_of_column("engine", "posts", "title")] == ["twice"]


def test_reference_index_matches_the_graph_on_the_real_corpus() -> None:
    if not CORPUS.is_dir():
        corpus_absent()
    files = [MigrationFile(p, p.name, int(p.name.split("_")[0])) for p in sorted(CORPUS.glob("*.sql"))]
    stream = replay_stream("engine", files, lambda path: path.read_text(encoding="utf-8"))
    assert _assert_index_matches_graph({"engine": stream.schema}) > 100
