"""The dependency graph of a project's schema (networkx), and the queries the split needs.

Nodes are tuples, so they sort and never collide across databases:
  ("database", db)            a configured D1 database
  ("table", stream, name)     a table (or virtual table) as it lives in one database's stream
  ("column", stream, table, column)
  ("index", stream, name)
  ("view", stream, name)
  ("trigger", stream, name)
`stream` is the database whose migrations create the object; a table's `owner` attribute is the
database the ownership map gives it (they differ for a table pending a move). Names in node keys
are lower-cased (`model.key`); the `name` attribute keeps the spelling.

Edge kinds (attribute `kind`): "column_of" (column -> table), "indexes" (index -> column, and
index -> table), "foreign_key" (child table -> parent table, with columns and ON DELETE / ON
UPDATE), "reads" / "writes" (view or trigger -> table or column), "on" (trigger -> its table),
"owned_by" (table -> owner database), "lives_in" (table -> stream database).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx

from grove_schema.model import Schema, key
from grove_schema.sql.references import (
    index_columns,
    statement_references,
    table_written,
    when_as_select,
)

Node = tuple[str, ...]
OwnerOf = Callable[[str], "str | None"]


def table_node(stream: str, name: str) -> Node:
    return ("table", stream, key(name))


@dataclass(frozen=True)
class Reference:
    """A dependency of one table on another: a foreign key, or a view or trigger reading it."""

    kind: str  # "foreign_key" | "view" | "trigger"
    source: str  # the child table, or the view or trigger
    source_table: str  # the table the source belongs to (a view: itself)
    target: str  # the table it needs
    stream: str
    on_delete: str | None = None
    on_update: str | None = None
    columns: tuple[str, ...] = ()
    ref_columns: tuple[str, ...] = ()

    @property
    def cascades(self) -> bool:
        return self.on_delete in ("CASCADE", "SET NULL", "SET DEFAULT")


def build_graph(schemas: Mapping[str, Schema], owner_of: OwnerOf) -> nx.MultiDiGraph:
    """One graph of every stream's replayed schema."""
    graph = nx.MultiDiGraph()
    for stream in sorted(schemas):
        graph.add_node(("database", stream), kind="database", name=stream)
    for stream in sorted(schemas):
        _add_schema(graph, stream, schemas[stream], owner_of)
    return graph


def _add_schema(graph: nx.MultiDiGraph, stream: str, schema: Schema, owner_of: OwnerOf) -> None:
    def add_table(name: str, virtual: bool) -> Node:
        node = table_node(stream, name)
        owner = owner_of(name)
        graph.add_node(node, kind="table", name=name, stream=stream, owner=owner, virtual=virtual)
        graph.add_edge(node, ("database", stream), kind="lives_in")
        if owner is not None:
            graph.add_node(("database", owner), kind="database", name=owner)
            graph.add_edge(node, ("database", owner), kind="owned_by")
        return node

    for table in schema.tables.values():
        node = add_table(table.name, virtual=False)
        for column in table.columns:
            column_node = ("column", stream, key(table.name), key(column.name))
            graph.add_node(column_node, kind="column", name=column.name, table=table.name, stream=stream)
            graph.add_edge(column_node, node, kind="column_of")
    for vtable in schema.virtual_tables.values():
        node = add_table(vtable.name, virtual=True)
        for column_name in vtable.column_names:
            column_node = ("column", stream, key(vtable.name), key(column_name))
            graph.add_node(column_node, kind="column", name=column_name, table=vtable.name, stream=stream)
            graph.add_edge(column_node, node, kind="column_of")
    for table in schema.tables.values():
        for fk in table.foreign_keys:
            parent = table_node(stream, fk.ref_table)
            if parent not in graph:
                graph.add_node(parent, kind="table", name=fk.ref_table, stream=stream, owner=None, missing=True)
            graph.add_edge(
                table_node(stream, table.name),
                parent,
                kind="foreign_key",
                columns=fk.columns,
                ref_columns=fk.ref_columns,
                on_delete=fk.on_delete,
                on_update=fk.on_update,
            )
    for index in schema.indexes.values():
        node = ("index", stream, key(index.name))
        graph.add_node(node, kind="index", name=index.name, table=index.table, stream=stream, unique=index.unique)
        graph.add_edge(node, table_node(stream, index.table), kind="indexes")
        for name in sorted(index_columns(index)):
            column_node = ("column", stream, key(index.table), name)
            if column_node in graph:
                graph.add_edge(node, column_node, kind="indexes")
    for view in schema.views.values():
        node = ("view", stream, key(view.name))
        graph.add_node(node, kind="view", name=view.name, stream=stream)
        reads, columns = statement_references(view.select, schema)
        _add_reads(graph, node, stream, reads, columns, "reads")
    for trigger in schema.triggers.values():
        node = ("trigger", stream, key(trigger.name))
        graph.add_node(node, kind="trigger", name=trigger.name, table=trigger.table, stream=stream)
        graph.add_edge(node, table_node(stream, trigger.table), kind="on")
        for statement in trigger.body:
            reads, columns = statement_references(statement, schema, trigger_table=trigger.table)
            written = table_written(statement)
            _add_reads(graph, node, stream, reads - ({written} if written else set()), columns, "reads")
            if written:
                _add_reads(graph, node, stream, {written}, set(), "writes")
        if trigger.when:
            when = when_as_select(trigger.when)
            reads, columns = statement_references(when, schema, trigger_table=trigger.table)
            _add_reads(graph, node, stream, reads, columns, "reads")


def _add_reads(
    graph: nx.MultiDiGraph,
    node: Node,
    stream: str,
    tables: Iterable[str],
    columns: Iterable[tuple[str, str]],
    kind: str,
) -> None:
    for table in sorted(tables):
        target = table_node(stream, table)
        if target not in graph:
            graph.add_node(target, kind="table", name=table, stream=stream, owner=None, missing=True)
        graph.add_edge(node, target, kind=kind)
    for table, column in sorted(columns):
        column_node = ("column", stream, table, column)
        if column_node in graph:
            graph.add_edge(node, column_node, kind=kind)


# --- queries -------------------------------------------------------------------------------------


def dependents(graph: nx.MultiDiGraph, stream: str, table: str) -> list[Node]:
    """Everything that needs `table` in its stream: child tables (by foreign key), its indexes and
    triggers, and the views and triggers that read or write it. Sorted."""
    target = table_node(stream, table)
    if target not in graph:
        return []
    found: set[Node] = set()
    for source, _target, data in graph.in_edges(target, data=True):
        if data["kind"] in ("foreign_key", "indexes", "on", "reads", "writes") and source != target:
            found.add(source)
    for column in [n for n, _t, d in graph.in_edges(target, data=True) if d["kind"] == "column_of"]:
        for source, _target, data in graph.in_edges(column, data=True):
            if data["kind"] in ("indexes", "reads", "writes"):
                found.add(source)
    return sorted(found)


def drop_order(graph: nx.MultiDiGraph, stream: str, tables: Iterable[str]) -> list[str]:
    """A foreign-key-safe order to drop `tables` from `stream`: children before parents, and among
    tables free to go, alphabetical, so the order is deterministic. Cycles (mutual references)
    are broken alphabetically."""
    wanted = {key(t) for t in tables}
    fk = nx.DiGraph()
    fk.add_nodes_from(sorted(wanted))
    for source, target, data in graph.edges(data=True):
        if data["kind"] != "foreign_key" or source[1] != stream or target[1] != stream:
            continue
        child, parent = source[2], target[2]
        if child in wanted and parent in wanted and child != parent:
            fk.add_edge(child, parent)  # the child must go first
    order: list[str] = []
    condensed = nx.condensation(fk)
    members = condensed.graph["mapping"]
    groups: dict[int, list[str]] = {}
    for name, group in members.items():
        groups.setdefault(group, []).append(name)
    for group in nx.lexicographical_topological_sort(condensed, key=lambda g: min(groups[g])):
        order.extend(sorted(groups[group]))
    return [_display_name(graph, stream, name) for name in order]


def _display_name(graph: nx.MultiDiGraph, stream: str, name: str) -> str:
    node = table_node(stream, name)
    return str(graph.nodes[node].get("name", name)) if node in graph else name


def references(graph: nx.MultiDiGraph) -> list[Reference]:
    """Every table-to-table dependency: foreign keys, and views and triggers reading tables."""
    found: list[Reference] = []
    for source, target, data in graph.edges(data=True):
        kind = data["kind"]
        if target[0] != "table":
            continue
        stream = source[1]
        if kind == "foreign_key":
            found.append(
                Reference(
                    "foreign_key",
                    graph.nodes[source]["name"],
                    graph.nodes[source]["name"],
                    graph.nodes[target]["name"],
                    stream,
                    data["on_delete"],
                    data["on_update"],
                    tuple(data["columns"]),
                    tuple(data["ref_columns"]),
                )
            )
        elif kind in ("reads", "writes") and source[0] in ("view", "trigger"):
            attrs = graph.nodes[source]
            home = attrs.get("table", attrs["name"])
            if source[0] == "trigger" and key(home) == target[2]:
                continue  # a trigger's own table is where it lives
            found.append(Reference(source[0], attrs["name"], home, graph.nodes[target]["name"], stream))
    return sorted(found, key=lambda r: (r.stream, r.kind, key(r.source), key(r.target), r.columns))


def owner_attribute(graph: nx.MultiDiGraph, stream: str, table: str) -> str | None:
    node = table_node(stream, table)
    return graph.nodes[node].get("owner") if node in graph else None


def crossing_references(graph: nx.MultiDiGraph, first: str, second: str) -> list[Reference]:
    """References between tables the map gives to `first` and to `second` (either direction):
    the ones a split between the two databases cuts."""
    crossing = []
    for reference in references(graph):
        source_owner = _owner_of_source(graph, reference)
        target_owner = owner_attribute(graph, reference.stream, reference.target)
        if {source_owner, target_owner} == {first, second}:
            crossing.append(reference)
    return crossing


def _owner_of_source(graph: nx.MultiDiGraph, reference: Reference) -> str | None:
    if reference.kind == "view":
        # A view belongs to the database of the tables it reads: here, its own stream's owner map.
        node = ("view", reference.stream, key(reference.source))
        owners = {
            graph.nodes[t].get("owner")
            for _s, t, d in graph.out_edges(node, data=True)
            if d["kind"] == "reads" and t[0] == "table"
        }
        owners.discard(None)
        return sorted(owners)[0] if len(owners) == 1 else None
    return owner_attribute(graph, reference.stream, reference.source_table)


def database_subgraph(graph: nx.MultiDiGraph, database: str) -> nx.MultiDiGraph:
    """The objects the map gives to `database`: its tables, their columns, indexes and triggers,
    and the views whose tables all belong to it."""
    tables = {n for n, d in graph.nodes(data=True) if d.get("kind") == "table" and d.get("owner") == database}
    keep: set[Any] = set(tables) | {("database", database)}
    for node, data in graph.nodes(data=True):
        kind = data.get("kind")
        if kind in ("column", "index", "trigger"):
            table = table_node(node[1], data["table"])
            if table in tables:
                keep.add(node)
        elif kind == "view":
            read = {t for _s, t, d in graph.out_edges(node, data=True) if d["kind"] == "reads" and t[0] == "table"}
            if read and read <= tables:
                keep.add(node)
    return graph.subgraph(keep).copy()
