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

`reference_index` answers the ownership checks' questions (the references, what a view reads, who
reads a column) from the same extraction without networkx, whose import costs a hook more than
SQLite's whole replay (docs/performance.md); `build_graph` is for the graph's own queries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from grove_schema.model import Schema, key
from grove_schema.records import FrozenRecord, Record, frozen_record
from grove_schema.sql.ddl import creation_order
from grove_schema.sql.references import (
    index_columns,
    statement_references,
    table_written,
    when_as_select,
)

if TYPE_CHECKING:
    import networkx as nx

Node = tuple[str, ...]
OwnerOf = Callable[[str], "str | None"]


def table_node(stream: str, name: str) -> Node:
    return ("table", stream, key(name))


@frozen_record()
class Reference(FrozenRecord):
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


@frozen_record()
class ObjectReads(FrozenRecord):
    """The tables and columns one view or trigger reads or writes, in the order its SQL names them."""

    kind: str  # "view" | "trigger"
    stream: str
    name: str
    table: str | None  # a trigger's table
    tables: tuple[tuple[str, str], ...]  # (table key, "reads" | "writes")
    columns: tuple[tuple[str, str, str], ...]  # (table key, column key, "reads" | "writes")

    @property
    def node(self) -> Node:
        return (self.kind, self.stream, key(self.name))


def object_reads(stream: str, schema: Schema) -> list[ObjectReads]:
    """What every view and trigger of `schema` reads and writes: the parsing both the graph and the
    reference index are built from."""
    found: list[ObjectReads] = []
    for view in schema.views.values():
        reads, columns = statement_references(view.select, schema)
        found.append(
            ObjectReads(
                "view",
                stream,
                view.name,
                None,
                tuple((t, "reads") for t in sorted(reads)),
                tuple((t, c, "reads") for t, c in sorted(columns)),
            )
        )
    for trigger in schema.triggers.values():
        tables: list[tuple[str, str]] = []
        cols: list[tuple[str, str, str]] = []
        for statement in trigger.body:
            reads, columns = statement_references(statement, schema, trigger_table=trigger.table)
            written = table_written(statement)
            tables.extend((t, "reads") for t in sorted(reads - ({written} if written else set())))
            cols.extend((t, c, "reads") for t, c in sorted(columns))
            if written:
                tables.append((written, "writes"))
        if trigger.when:
            reads, columns = statement_references(when_as_select(trigger.when), schema, trigger_table=trigger.table)
            tables.extend((t, "reads") for t in sorted(reads))
            cols.extend((t, c, "reads") for t, c in sorted(columns))
        found.append(ObjectReads("trigger", stream, trigger.name, trigger.table, tuple(tables), tuple(cols)))
    return found


def build_graph(schemas: Mapping[str, Schema], owner_of: OwnerOf) -> nx.MultiDiGraph:
    """One graph of every stream's replayed schema."""
    import networkx as nx

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
    for reads in object_reads(stream, schema):
        node = reads.node
        if reads.kind == "view":
            graph.add_node(node, kind="view", name=reads.name, stream=stream)
        else:
            assert reads.table is not None
            graph.add_node(node, kind="trigger", name=reads.name, table=reads.table, stream=stream)
            graph.add_edge(node, table_node(stream, reads.table), kind="on")
        for table_key, kind in reads.tables:
            target = ("table", stream, table_key)
            if target not in graph:
                graph.add_node(target, kind="table", name=table_key, stream=stream, owner=None, missing=True)
            graph.add_edge(node, target, kind=kind)
        for table_key, column_key, kind in reads.columns:
            column_node = ("column", stream, table_key, column_key)
            if column_node in graph:
                graph.add_edge(node, column_node, kind=kind)


@frozen_record()
class ColumnUser(FrozenRecord):
    """A view or trigger that reads or writes a column."""

    kind: str  # "view" | "trigger"
    name: str
    table: str | None  # a trigger's table

    @property
    def node_key(self) -> str:
        return key(self.name)


@dataclass(eq=False, repr=False)
class ReferenceIndex(Record):
    """The ownership checks' view of the graph, built without networkx: the same references as
    `references(build_graph(...))`, what each view reads, and who reads each column."""

    references: list[Reference] = field(default_factory=list)
    column_users: dict[tuple[str, str, str], list[ColumnUser]] = field(default_factory=dict)
    # A view's or trigger's node -> (table key, "reads" | "writes"), in the order of the graph's out_edges
    object_tables: dict[Node, list[tuple[str, str]]] = field(default_factory=dict)

    def tables_of_view(self, stream: str, view: str) -> set[str]:
        """The keys of the tables a view reads."""
        return {table for table, _kind in self.object_tables.get(("view", stream, key(view)), ())}

    def users_of_column(self, stream: str, table: str, column: str) -> list[ColumnUser]:
        return self.column_users.get((stream, key(table), key(column)), [])


def reference_index(schemas: Mapping[str, Schema]) -> ReferenceIndex:
    index = ReferenceIndex()
    found: list[Reference] = []
    for stream in sorted(schemas):
        schema = schemas[stream]
        # A table's display name, first come first named, as the graph's nodes are.
        names: dict[str, str] = {key(t.name): t.name for t in schema.tables.values()}
        names.update({key(v.name): v.name for v in schema.virtual_tables.values()})
        columns: set[tuple[str, str]] = {(key(t.name), key(c.name)) for t in schema.tables.values() for c in t.columns}
        columns.update((key(v.name), key(c)) for v in schema.virtual_tables.values() for c in v.column_names)
        for table in schema.tables.values():
            for fk in table.foreign_keys:
                names.setdefault(key(fk.ref_table), fk.ref_table)
                found.append(
                    Reference(
                        "foreign_key",
                        table.name,
                        table.name,
                        names[key(fk.ref_table)],
                        stream,
                        fk.on_delete,
                        fk.on_update,
                        tuple(fk.columns),
                        tuple(fk.ref_columns),
                    )
                )
        for reads in object_reads(stream, schema):
            home = reads.table if reads.table is not None else reads.name
            # The graph keeps a node's edges by target, targets in the order first met (a trigger's
            # own table first, by its "on" edge).
            by_target: dict[str, list[str]] = {key(reads.table): []} if reads.table is not None else {}
            for table_key, kind in reads.tables:
                by_target.setdefault(table_key, []).append(kind)
            index.object_tables[reads.node] = [(t, kind) for t, kinds in by_target.items() for kind in kinds]
            for table_key, _kind in reads.tables:
                names.setdefault(table_key, table_key)
                if reads.kind == "trigger" and key(home) == table_key:
                    continue  # a trigger's own table is where it lives
                found.append(Reference(reads.kind, reads.name, home, names[table_key], stream))
            seen: set[tuple[str, str, str]] = set()
            for table_key, column_key, _kind in reads.columns:
                if (table_key, column_key) not in columns or (table_key, column_key, reads.name) in seen:
                    continue
                seen.add((table_key, column_key, reads.name))
                user = ColumnUser(reads.kind, reads.name, reads.table)
                index.column_users.setdefault((stream, table_key, column_key), []).append(user)
    for users in index.column_users.values():
        users.sort(key=lambda u: (u.kind, u.node_key))
    index.references = sorted(found, key=lambda r: (r.stream, r.kind, key(r.source), key(r.target), r.columns))
    return index


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
    edges = []  # the child must go first
    for source, target, data in graph.edges(data=True):
        if data["kind"] != "foreign_key" or source[1] != stream or target[1] != stream:
            continue
        child, parent = source[2], target[2]
        if child in wanted and parent in wanted and child != parent:
            edges.append((child, parent))
    order = creation_order(sorted(wanted), edges)
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
