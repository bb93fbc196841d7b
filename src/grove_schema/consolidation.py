"""`grove-schema render`: the consolidated schema of one database, as SQL a person can read.

Pure: the replayed streams and the ownership map in, a `Consolidation` (what the database holds
after the split, and what had to be left out) and its SQL text out. The SQL is rendered from the
structured model, never from the migrations' text, so a column-level REFERENCES into another
database can go, and every later ALTER is folded in. The same inputs give the same bytes.

Where a table is taken from: the owner's own stream when it holds the table (after the split, or
in the transition window when both do), else the stream where it lives now (before the split).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import networkx as nx

from grove_schema.config import ProjectConfig
from grove_schema.graph import sql_references
from grove_schema.model import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    IndexColumn,
    Provenance,
    Schema,
    Table,
    Trigger,
    UniqueConstraint,
    View,
    VirtualTable,
    key,
)
from grove_schema.ownership import OwnershipMap
from grove_schema.project import database_order
from grove_schema.replay import StreamReplay
from grove_schema.sql.lexer import TokenKind, tokenize

# SQLite keywords that cannot stand as a bare name in a column definition, a table or index name
# or a REFERENCES clause (found by trying each of SQLite 3.54's keywords in those places). Every
# other keyword falls back to an identifier there, as the migrations themselves rely on (`action`).
RESERVED_WORDS = frozenset(
    """
    ADD ALL ALTER AND AS AUTOINCREMENT BETWEEN CASE CAST CHECK COLLATE COMMIT CONSTRAINT CREATE
    CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP DEFAULT DEFERRABLE DELETE DISTINCT DROP ELSE ESCAPE
    EXCEPT EXISTS FOREIGN FROM GROUP HAVING IF IN INDEX INSERT INTERSECT INTO IS ISNULL JOIN LIMIT
    NOT NOTHING NOTNULL NULL ON OR ORDER PRIMARY RAISE REFERENCES RETURNING SELECT SET TABLE THEN TO
    TRANSACTION UNION UNIQUE UPDATE USING VALUES WHEN WHERE
    """.split()
)

_LITERAL_WORDS = frozenset({"NULL", "TRUE", "FALSE", "CURRENT_TIME", "CURRENT_DATE", "CURRENT_TIMESTAMP"})


def quote_name(name: str) -> str:
    """A name as SQL: bare when SQLite reads it back unchanged, else in double quotes."""
    plain = name.isascii() and name.replace("_", "a").isalnum() and not name[:1].isdigit()
    if plain and name.upper() not in RESERVED_WORDS:
        return name
    return '"' + name.replace('"', '""') + '"'


def name_list(names: Iterable[str]) -> str:
    return ", ".join(quote_name(n) for n in names)


def one_line(sql: str) -> str:
    """An expression on one line: runs of white space become one space (string literals keep
    theirs), and a `--` comment becomes a `/* */` one so the rest of the line still counts."""
    if "\n" not in sql and "\r" not in sql:
        return sql.strip()
    pieces: list[str] = []
    for token in tokenize(sql):
        if token.kind is TokenKind.SPACE:
            pieces.append(" ")
        elif token.kind is TokenKind.COMMENT and token.text.startswith("--"):
            body = token.text[2:].strip()
            if body and "*/" not in body:
                pieces.append(f"/* {body} */")
        else:
            pieces.append(token.text)
    return "".join(pieces).strip()


def default_sql(default: str) -> str:
    """`DEFAULT` as written for the catalog form the model keeps: literals bare, expressions in
    parentheses (`unixepoch()` was written `DEFAULT (unixepoch())`)."""
    tokens = [t for t in tokenize(default) if t.kind not in (TokenKind.SPACE, TokenKind.COMMENT)]
    if len(tokens) == 2 and tokens[0].text in ("-", "+") and tokens[1].kind is TokenKind.NUMBER:
        return default.strip()
    if len(tokens) == 1:
        token = tokens[0]
        if token.kind in (TokenKind.STRING, TokenKind.NUMBER, TokenKind.BLOB, TokenKind.QUOTED):
            return token.text
        if token.kind is TokenKind.WORD:
            return token.text  # a literal word (NULL, TRUE, CURRENT_TIMESTAMP) or SQLite's bare-word string
    return f"({one_line(default)})"


class _Described(Protocol):
    def describe(self) -> str: ...


def _listed(lines: list[str], heading: str, items: Sequence[_Described]) -> None:
    """A header section: a heading, then one indented line per item (nothing when there are none)."""
    if not items:
        return
    lines.append("--")
    lines.extend(comment_lines(heading))
    for item in items:
        lines.extend(comment_lines(item.describe(), indent="  "))


def comment_lines(text: str, width: int = 100, indent: str = "") -> list[str]:
    """`text` as `--` comment lines wrapped at `width`; continuation lines indented by two more."""
    if not text:
        return ["--"]
    wrapped = textwrap.wrap(
        text,
        width=width - 3,
        initial_indent=indent,
        subsequent_indent=indent + "  ",
        break_long_words=False,
        break_on_hyphens=False,
    )
    return [f"-- {line}".rstrip() for line in wrapped]


# --- what a database holds after the split -------------------------------------------------------


@dataclass(frozen=True)
class LeftOutForeignKey:
    """A foreign key the render leaves out: its parent is not in this database."""

    table: str
    columns: tuple[str, ...]
    parent: str
    parent_home: str  # "engine (grove-engine-db)", "retired (...)", "no stream"
    on_delete: str
    on_update: str

    def describe(self) -> str:
        lost = f"ON DELETE {self.on_delete} is lost" if self.on_delete != "NO ACTION" else "no ON DELETE action"
        if self.on_update != "NO ACTION":
            lost += f", ON UPDATE {self.on_update} is lost"
        return f"{self.table}({', '.join(self.columns)}) -> {self.parent} in {self.parent_home}: {lost}"


@dataclass(frozen=True)
class LeftOut:
    """A view, trigger, index or constraint the render leaves out, and why."""

    kind: str  # "view" | "trigger" | "index" | "constraint" | "column"
    name: str
    reason: str

    def describe(self) -> str:
        return f"{self.kind} {self.name}: {self.reason}"


@dataclass
class Consolidation:
    """What `render` writes for one database: its objects in creation order, and what is left out."""

    database: str
    name: str
    binding: str | None
    tables: list[Table] = field(default_factory=list)  # parents before children, retired columns removed
    indexes: dict[str, list[Index]] = field(default_factory=dict)  # key(table) -> its indexes
    virtual_tables: list[VirtualTable] = field(default_factory=list)
    views: list[View] = field(default_factory=list)  # after what they read
    triggers: list[Trigger] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)  # stream key -> its migrations directory
    table_stream: dict[str, str] = field(default_factory=dict)  # key(table) -> the stream it comes from
    migrations: list[tuple[str, str]] = field(default_factory=list)  # (stream, file name) folded in
    left_out_foreign_keys: list[LeftOutForeignKey] = field(default_factory=list)
    left_out_code: list[LeftOut] = field(default_factory=list)  # views and triggers: application work
    left_out_retired: list[LeftOut] = field(default_factory=list)  # retired columns and what needs them
    retired_reasons: dict[str, str] = field(default_factory=dict)  # "table.column" -> reason
    retired_tables: dict[str, list[str]] = field(default_factory=dict)  # reason -> retired tables not created
    stream_labels: dict[str, str] = field(default_factory=dict)

    @property
    def schema(self) -> Schema:
        """The schema model the rendered SQL creates."""
        schema = Schema()
        for table in self.tables:
            schema.tables[key(table.name)] = table
            for index in self.indexes.get(key(table.name), []):
                schema.indexes[key(index.name)] = index
        for vtable in self.virtual_tables:
            schema.virtual_tables[key(vtable.name)] = vtable
        for view in self.views:
            schema.views[key(view.name)] = view
        for trigger in self.triggers:
            schema.triggers[key(trigger.name)] = trigger
        return schema

    @property
    def index_count(self) -> int:
        return sum(len(v) for v in self.indexes.values())

    def counts(self) -> str:
        """`18 tables, 20 indexes, 1 virtual table, 0 views, 0 triggers`."""
        return ", ".join(
            plural(n, what)
            for n, what in (
                (len(self.tables), "table"),
                (self.index_count, "index"),
                (len(self.virtual_tables), "virtual table"),
                (len(self.views), "view"),
                (len(self.triggers), "trigger"),
            )
        )


def plural(count: int, noun: str) -> str:
    if count == 1:
        return f"1 {noun}"
    return f"{count} {noun}es" if noun.endswith(("x", "s")) else f"{count} {noun}s"


def consolidate(config: ProjectConfig, streams: Mapping[str, StreamReplay], database: str) -> Consolidation:
    """The objects the ownership map gives `database`, as they stand after the replay."""
    db = config.database(database)
    ownership = OwnershipMap(config)
    order = [k for k in database_order(config) if k in streams]
    result = Consolidation(database=database, name=db.name, binding=db.binding)
    result.stream_labels = {k: ownership.label(k) for k in config.databases}

    # Where each of the database's tables is taken from: its own stream first, then where it lives.
    homes: dict[str, str] = {}  # key(name) -> stream
    for stream in sorted(order, key=lambda s: s != database):
        schema = streams[stream].schema
        for name in [*schema.tables, *schema.virtual_tables]:
            if name in homes or ownership.is_retired(name) or ownership.owner_of(name) != database:
                continue
            homes[name] = stream
    # Where every other table lives, to say where a cut reference points; retired tables are dropped.
    elsewhere: dict[str, str] = {}
    for stream in order:
        schema = streams[stream].schema
        for name in [*schema.tables, *schema.virtual_tables]:
            if name not in elsewhere and ownership.is_retired(name) and ownership.owner_of(name) == database:
                shown = (schema.tables.get(name) or schema.virtual_tables[name]).name
                result.retired_tables.setdefault(ownership.retired_tables[name], []).append(shown)
            elsewhere.setdefault(name, stream)
    result.retired_tables = {r: sorted(n, key=key) for r, n in sorted(result.retired_tables.items())}

    retired_columns = {
        (t, c): reason for (t, c), reason in ownership.retired_columns.items() if homes.get(t) is not None
    }
    tables: dict[str, Table] = {}
    vtables: list[VirtualTable] = []
    for name, stream in sorted(homes.items()):
        schema = streams[stream].schema
        if name in schema.tables:
            tables[name] = schema.tables[name]
        else:
            vtables.append(schema.virtual_tables[name])
    rendered_tables = set(tables)

    def home_of(table: str) -> str:
        k = key(table)
        if ownership.is_retired(table):
            return f"no database (retired: {ownership.retired_tables[k]})"
        if k not in elsewhere:
            return "no stream (no such table)"
        return ownership.owner_of(table) or "no database"

    # Tables: retired columns out, foreign keys out of the database out.
    for name in sorted(tables):
        table = tables[name]
        trimmed, retired_out = _without_retired_columns(table, retired_columns)
        result.left_out_retired.extend(retired_out)
        for (_t, column), reason in retired_columns.items():
            if _t == name and table.column(column) is not None:
                result.retired_reasons[f"{table.name}.{table.column(column).name}"] = reason  # type: ignore[union-attr]
        kept: list[ForeignKey] = []
        for fk in trimmed.foreign_keys:
            parent = key(fk.ref_table)
            parent_table = tables.get(parent)
            if parent in rendered_tables and parent_table is not None:
                gone = [c for c in fk.ref_columns if (parent, key(c)) in retired_columns]
                if gone:
                    result.left_out_retired.append(
                        LeftOut(
                            "constraint",
                            f"FOREIGN KEY {table.name}({', '.join(fk.columns)})",
                            f"references the retired column {fk.ref_table}.{gone[0]}",
                        )
                    )
                    continue
                kept.append(fk)
                continue
            result.left_out_foreign_keys.append(
                LeftOutForeignKey(
                    table.name, fk.columns, fk.ref_table, home_of(fk.ref_table), fk.on_delete, fk.on_update
                )
            )
        tables[name] = trimmed.model_copy(update={"foreign_keys": tuple(kept)})

    result.tables = parent_first_order(tables.values())
    result.table_stream = {key(t.name): homes[key(t.name)] for t in result.tables}
    result.virtual_tables = sorted(vtables, key=lambda v: key(v.name))
    vtable_names = {key(v.name) for v in vtables}

    # Indexes: with their table, unless they use a retired column.
    for table in result.tables:
        schema = streams[homes[key(table.name)]].schema
        indexes = []
        for index in schema.indexes_of(table.name):
            used = index_columns_used(index)
            gone = sorted(c for c in used if (key(table.name), c) in retired_columns)
            if gone:
                result.left_out_retired.append(
                    LeftOut("index", f"{index.name} on {table.name}", f"uses the retired column {table.name}.{gone[0]}")
                )
                continue
            indexes.append(index)
        result.indexes[key(table.name)] = indexes

    # Views: those whose tables all belong here; those that read another database's tables are work
    # for application code.
    available = rendered_tables | vtable_names
    candidates: dict[str, tuple[View, str]] = {}
    for stream in sorted(order, key=lambda s: s != database):
        for view_key, view in sorted(streams[stream].schema.views.items()):
            if view_key not in candidates:
                candidates[view_key] = (view, stream)
    view_reads: dict[str, tuple[set[str], set[tuple[str, str]]]] = {
        k: sql_references(view.select, streams[stream].schema) for k, (view, stream) in candidates.items()
    }
    mine = {
        k
        for k, (tables_read, _cols) in view_reads.items()
        if (tables_read & available) or (not tables_read and candidates[k][1] == database)
    }
    # A view on a view of this database is this database's too.
    changed = True
    while changed:
        changed = False
        for k, (tables_read, _cols) in view_reads.items():
            if k not in mine and tables_read & mine:
                mine.add(k)
                changed = True
    kept_views: set[str] = set()
    problems: dict[str, str] = {}
    for k in sorted(mine):
        view, _stream = candidates[k]
        tables_read, columns_read = view_reads[k]
        problem = _reference_problem(tables_read, columns_read, available, mine, retired_columns, home_of)
        if problem:
            problems[k] = problem
    # A view reading a left-out view is left out too.
    changed = True
    while changed:
        changed = False
        for k in sorted(mine):
            if k in problems:
                continue
            broken = sorted(t for t in view_reads[k][0] if t in problems)
            if broken:
                problems[k] = f"reads the view {candidates[broken[0]][0].name}, which is left out"
                changed = True
    for k in sorted(mine):
        view = candidates[k][0]
        if k in problems:
            kind_list = result.left_out_retired if "retired column" in problems[k] else result.left_out_code
            kind_list.append(LeftOut("view", view.name, problems[k]))
        else:
            kept_views.add(k)
    result.views = views_in_order([candidates[k][0] for k in kept_views], {k: view_reads[k][0] for k in kept_views})

    # Triggers: with their table, unless their body reads or writes another database's tables.
    available_all = available | kept_views
    position = {key(t.name): i for i, t in enumerate(result.tables)}
    triggers: list[Trigger] = []
    for table in result.tables:
        schema = streams[homes[key(table.name)]].schema
        for trigger in schema.triggers_of(table.name):
            tables_read, columns_read = trigger_references(trigger, schema)
            problem = _reference_problem(
                tables_read, columns_read, available_all, kept_views, retired_columns, home_of
            )
            if problem:
                kind_list = result.left_out_retired if "retired column" in problem else result.left_out_code
                kind_list.append(LeftOut("trigger", f"{trigger.name} on {table.name}", problem))
                continue
            triggers.append(trigger)
    result.triggers = sorted(triggers, key=lambda t: (position[key(t.table)], key(t.name)))

    # Provenance: the streams and migrations the rendered objects come from.
    used_streams = sorted(set(homes.values()), key=order.index)
    for stream in used_streams:
        directory = config.databases[stream].migrations_dir
        try:
            result.sources[stream] = directory.relative_to(config.root).as_posix()
        except ValueError:
            result.sources[stream] = directory.as_posix()
    result.migrations = _migrations_folded(result, streams, order)
    return result


def _without_retired_columns(
    table: Table, retired: Mapping[tuple[str, str], str]
) -> tuple[Table, list[LeftOut]]:
    """The table without its retired columns and the constraints that name them."""
    t = key(table.name)
    gone = {key(c.name) for c in table.columns if (t, key(c.name)) in retired}
    if not gone:
        return table, []
    left: list[LeftOut] = []
    because = "names a retired column"
    for column in table.columns:
        if key(column.name) in gone:
            left.append(LeftOut("column", f"{table.name}.{column.name}", retired[(t, key(column.name))]))

    def names_gone(names: Iterable[str]) -> list[str]:
        return [n for n in names if key(n) in gone]

    columns = []
    for column in table.columns:
        if key(column.name) in gone:
            continue
        if column.generated_expr and expression_names(column.generated_expr) & gone:
            left.append(LeftOut("column", f"{table.name}.{column.name}", "generated from a retired column"))
            gone = gone | {key(column.name)}
            continue
        columns.append(column)
    primary_key = table.primary_key
    if primary_key is not None and names_gone(primary_key.columns):
        left.append(LeftOut("constraint", f"PRIMARY KEY of {table.name}", because))
        primary_key = None
    uniques: list[UniqueConstraint] = []
    for unique in table.uniques:
        if names_gone(unique.columns):
            if not unique.column_level:
                left.append(
                    LeftOut("constraint", f"UNIQUE ({', '.join(unique.columns)}) of {table.name}", because)
                )
            continue
        uniques.append(unique)
    checks: list[CheckConstraint] = []
    for check in table.checks:
        if check.column is not None and key(check.column) in gone:
            continue
        if expression_names(check.expression) & gone:
            left.append(LeftOut("constraint", f"CHECK ({one_line(check.expression)}) of {table.name}", because))
            continue
        checks.append(check)
    foreign_keys: list[ForeignKey] = []
    for fk in table.foreign_keys:
        if names_gone(fk.columns):
            if not fk.column_level:
                left.append(
                    LeftOut("constraint", f"FOREIGN KEY {table.name}({', '.join(fk.columns)})", because)
                )
            continue
        foreign_keys.append(fk)
    trimmed = table.model_copy(
        update={
            "columns": tuple(columns),
            "primary_key": primary_key,
            "uniques": tuple(uniques),
            "checks": tuple(checks),
            "foreign_keys": tuple(foreign_keys),
        }
    )
    return trimmed, left


def expression_names(sql: str) -> set[str]:
    from grove_schema.schema_changes import identifiers_in

    return identifiers_in(sql)


def index_columns_used(index: Index) -> set[str]:
    used = {key(c.name) for c in index.columns if c.name}
    for text in [c.expression for c in index.columns if c.expression] + ([index.where] if index.where else []):
        used |= expression_names(text)
    return used


def trigger_references(trigger: Trigger, schema: Schema) -> tuple[set[str], set[tuple[str, str]]]:
    tables: set[str] = set()
    columns: set[tuple[str, str]] = set()
    texts = list(trigger.body) + ([f"SELECT 1 WHERE {trigger.when}"] if trigger.when else [])
    for text in texts:
        read, cols = sql_references(text, schema, trigger_table=trigger.table)
        tables |= read
        columns |= cols
    for column in trigger.update_columns:
        columns.add((key(trigger.table), key(column)))
    return tables, columns


def _reference_problem(
    tables_read: set[str],
    columns_read: set[tuple[str, str]],
    available: set[str],
    views: set[str],
    retired_columns: Mapping[tuple[str, str], str],
    home_of: object,
) -> str | None:
    """Why a view or trigger cannot work in this database, or None when it can."""
    assert callable(home_of)
    missing = sorted(t for t in tables_read if t not in available and t not in views)
    if missing:
        return f"reads {missing[0]}, which lives in {home_of(missing[0])}: move this work into application code"
    retired = sorted(c for c in columns_read if c in retired_columns)
    if retired:
        table, column = retired[0]
        return f"reads the retired column {table}.{column} ({retired_columns[retired[0]]})"
    return None


def parent_first_order(tables: Iterable[Table]) -> list[Table]:
    """Tables in creation order: a parent before the children whose foreign keys point at it,
    alphabetical where the keys leave a choice; a cycle of keys is broken alphabetically."""
    by_key = {key(t.name): t for t in tables}
    graph = nx.DiGraph()
    graph.add_nodes_from(sorted(by_key))
    for name, table in sorted(by_key.items()):
        for fk in table.foreign_keys:
            parent = key(fk.ref_table)
            if parent in by_key and parent != name:
                graph.add_edge(parent, name)
    condensed = nx.condensation(graph)
    groups: dict[int, list[str]] = {}
    for name, group in condensed.graph["mapping"].items():
        groups.setdefault(group, []).append(name)
    ordered: list[Table] = []
    for group in nx.lexicographical_topological_sort(condensed, key=lambda g: min(groups[g])):
        ordered.extend(by_key[name] for name in sorted(groups[group]))
    return ordered


def views_in_order(views: Sequence[View], reads: Mapping[str, set[str]]) -> list[View]:
    by_key = {key(v.name): v for v in views}
    graph = nx.DiGraph()
    graph.add_nodes_from(sorted(by_key))
    for name in sorted(by_key):
        for read in sorted(reads.get(name, set())):
            if read in by_key and read != name:
                graph.add_edge(read, name)
    condensed = nx.condensation(graph)
    groups: dict[int, list[str]] = {}
    for name, group in condensed.graph["mapping"].items():
        groups.setdefault(group, []).append(name)
    ordered: list[View] = []
    for group in nx.lexicographical_topological_sort(condensed, key=lambda g: min(groups[g])):
        ordered.extend(by_key[name] for name in sorted(groups[group]))
    return ordered


def _migrations_folded(
    result: Consolidation, streams: Mapping[str, StreamReplay], order: Sequence[str]
) -> list[tuple[str, str]]:
    provenances: list[Provenance] = []
    for table in result.tables:
        provenances.append(table.provenance)
        provenances.extend(c.provenance for c in table.columns)
        provenances.extend(i.provenance for i in result.indexes.get(key(table.name), []))
    provenances.extend(v.provenance for v in result.virtual_tables)
    provenances.extend(v.provenance for v in result.views)
    provenances.extend(t.provenance for t in result.triggers)
    paths = {ref.path for p in provenances for ref in (p.created, *p.changed)}
    folded: list[tuple[str, str]] = []
    for stream in order:
        for migration in streams[stream].files:
            if str(migration.path) in paths:
                folded.append((stream, migration.name))
    return folded


# --- SQL -----------------------------------------------------------------------------------------


def render_sql(consolidation: Consolidation, command: str | None = None) -> str:
    """The consolidated schema as one migration file: a header, then the objects in creation order."""
    c = consolidation
    command = command or f"grove-schema render {c.database}"
    lines = _header(c, command)
    for table in c.tables:
        lines.append("")
        lines.append(f"-- {table.name}: {_history(table.provenance, c)}")
        lines.append(create_table_sql(table))
        for index in c.indexes.get(key(table.name), []):
            lines.append(create_index_sql(index))
    if c.virtual_tables:
        lines += ["", "-- Virtual tables"]
        for vtable in c.virtual_tables:
            lines.append(create_virtual_table_sql(vtable))
    if c.views:
        lines += ["", "-- Views, after the tables and views they read"]
        for view in c.views:
            lines.append(create_view_sql(view))
    if c.triggers:
        lines += ["", "-- Triggers"]
        for trigger in c.triggers:
            lines.append(create_trigger_sql(trigger))
    return "\n".join(lines) + "\n"


def _history(provenance: Provenance, c: Consolidation) -> str:
    created = Path(provenance.created.path).name
    changed = sorted({Path(r.path).name for r in provenance.changed} - {created})
    text = f"created in {created}"
    if changed:
        text += f", changed in {', '.join(changed)}"
    return text


def _header(c: Consolidation, command: str) -> list[str]:
    binding = f", binding {c.binding}" if c.binding else ""
    lines = [
        f"-- {c.name}: the consolidated schema of database {c.database}{binding}.",
        f"-- Produced by `{command}`. Do not edit by hand: render it again, and let CI run",
        f"-- `{command} -o FILE --check` to catch drift.",
        "--",
    ]
    if not c.tables and not c.virtual_tables:
        lines.append("-- No table that lives in any stream belongs to this database yet: nothing to create.")
        return lines
    lines.append("-- Source streams (where the tables live now, every later ALTER folded in):")
    for stream, directory in c.sources.items():
        lines.append(f"--   {c.stream_labels.get(stream, stream)}: {directory}")
    by_stream: dict[str, list[str]] = {}
    for stream, name in c.migrations:
        by_stream.setdefault(stream, []).append(name)
    lines.append(f"-- Migrations folded in ({len(c.migrations)}):")
    for stream, names in by_stream.items():
        lines.extend(comment_lines(f"{stream}: {', '.join(names)}", indent="  "))
    lines.append(f"-- Creates {c.counts()}.")
    for reason, names in c.retired_tables.items():
        lines.append("--")
        lines.extend(
            comment_lines(f"Retired tables, dropped rather than moved ({reason}), not created: {', '.join(names)}.")
        )
    _listed(
        lines,
        f"Foreign keys left out ({len(c.left_out_foreign_keys)}): their parent is not in this database, and D1 "
        "has no cross-database keys. Application code must now do what each ON DELETE action did.",
        c.left_out_foreign_keys,
    )
    _listed(
        lines,
        f"Views and triggers left out ({len(c.left_out_code)}): they read another database's tables, "
        "which D1 cannot do; move their work into application code.",
        c.left_out_code,
    )
    _listed(lines, f"Retired columns left out, with what uses them ({len(c.left_out_retired)}):", c.left_out_retired)
    return lines


def create_table_sql(table: Table) -> str:
    """CREATE TABLE from the model: one column per line, names and types aligned."""
    pk = table.primary_key
    column_pk = key(pk.columns[0]) if pk is not None and pk.column_level else None
    column_uniques = {key(u.columns[0]) for u in table.uniques if u.column_level}
    column_checks: dict[str, list[str]] = {}
    for check in table.checks:
        if check.column is not None:
            column_checks.setdefault(key(check.column), []).append(check.expression)
    column_fks: dict[str, list[ForeignKey]] = {}
    for fk in table.foreign_keys:
        if fk.column_level:
            column_fks.setdefault(key(fk.columns[0]), []).append(fk)

    names = [quote_name(c.name) for c in table.columns]
    name_width = max((len(n) for n in names), default=0)
    type_width = max((len(c.type) for c in table.columns), default=0)
    entries: list[str] = []
    for name, column in zip(names, table.columns, strict=True):
        k = key(column.name)
        constraints = _column_constraints(
            column,
            primary_key=(pk if column_pk == k else None),
            unique=k in column_uniques,
            checks=column_checks.get(k, []),
            foreign_keys=column_fks.get(k, []),
        )
        parts = [name.ljust(name_width)]
        if type_width:
            parts.append(column.type.ljust(type_width))
        if constraints:
            parts.append(constraints)
        entries.append(" ".join(parts).rstrip())
    if pk is not None and not pk.column_level:
        columns = []
        for index, name in enumerate(pk.columns):
            desc = pk.descending[index] if index < len(pk.descending) else False
            columns.append(quote_name(name) + (" DESC" if desc else ""))
        auto = " AUTOINCREMENT" if pk.autoincrement else ""
        entries.append(f"{_constraint_name(pk.name)}PRIMARY KEY ({', '.join(columns)}{auto})")
    for unique in table.uniques:
        if not unique.column_level:
            entries.append(f"{_constraint_name(unique.name)}UNIQUE ({name_list(unique.columns)})")
    for check in table.checks:
        if check.column is None:
            entries.append(f"{_constraint_name(check.name)}CHECK ({one_line(check.expression)})")
    for fk in table.foreign_keys:
        if not fk.column_level:
            entries.append(f"{_constraint_name(fk.name)}FOREIGN KEY ({name_list(fk.columns)}) {_references(fk)}")
    options = []
    if table.without_rowid:
        options.append("WITHOUT ROWID")
    if table.strict:
        options.append("STRICT")
    body = ",\n".join(f"  {entry}" for entry in entries)
    tail = (" " + ", ".join(options)) if options else ""
    return f"CREATE TABLE {quote_name(table.name)} (\n{body}\n){tail};"


def _constraint_name(name: str | None) -> str:
    return f"CONSTRAINT {quote_name(name)} " if name else ""


def _column_constraints(
    column: Column,
    *,
    primary_key: object,
    unique: bool,
    checks: Sequence[str],
    foreign_keys: Sequence[ForeignKey],
) -> str:
    from grove_schema.model import PrimaryKey

    parts: list[str] = []
    if isinstance(primary_key, PrimaryKey):
        text = "PRIMARY KEY"
        if primary_key.descending and primary_key.descending[0]:
            text += " DESC"
        if primary_key.autoincrement:
            text += " AUTOINCREMENT"
        parts.append(text)
    if column.not_null:
        parts.append("NOT NULL")
    if unique:
        parts.append("UNIQUE")
    if column.default is not None:
        parts.append(f"DEFAULT {default_sql(column.default)}")
    if column.collation:
        parts.append(f"COLLATE {quote_name(column.collation)}")
    for check in checks:
        parts.append(f"CHECK ({one_line(check)})")
    for fk in foreign_keys:
        parts.append(_references(fk))
    if column.generated and column.generated_expr is not None:
        parts.append(f"GENERATED ALWAYS AS ({one_line(column.generated_expr)}) {column.generated.upper()}")
    return " ".join(parts)


def _references(fk: ForeignKey) -> str:
    text = f"REFERENCES {quote_name(fk.ref_table)}"
    if fk.ref_columns:
        text += f" ({name_list(fk.ref_columns)})"
    if fk.on_delete != "NO ACTION":
        text += f" ON DELETE {fk.on_delete}"
    if fk.on_update != "NO ACTION":
        text += f" ON UPDATE {fk.on_update}"
    if fk.match and fk.match != "NONE":
        text += f" MATCH {fk.match}"
    if fk.deferrable:
        text += f" {fk.deferrable}"
    return text


def _index_column_sql(column: IndexColumn) -> str:
    text = quote_name(column.name) if column.name is not None else one_line(column.expression or "")
    if column.collation:
        text += f" COLLATE {quote_name(column.collation)}"
    if column.descending:
        text += " DESC"
    return text


def create_index_sql(index: Index) -> str:
    unique = "UNIQUE " if index.unique else ""
    columns = ", ".join(_index_column_sql(c) for c in index.columns)
    where = f" WHERE {one_line(index.where)}" if index.where else ""
    return f"CREATE {unique}INDEX {quote_name(index.name)} ON {quote_name(index.table)} ({columns}){where};"


def create_virtual_table_sql(vtable: VirtualTable) -> str:
    head = f"CREATE VIRTUAL TABLE {quote_name(vtable.name)} USING {vtable.module}"
    if not vtable.arguments:
        return head + ";"
    arguments = ",\n".join(f"  {one_line(a)}" for a in vtable.arguments)
    return f"{head}(\n{arguments}\n);"


def create_view_sql(view: View) -> str:
    columns = f" ({name_list(view.column_names)})" if view.column_names else ""
    return f"CREATE VIEW {quote_name(view.name)}{columns} AS\n{view.select.strip()};"


def create_trigger_sql(trigger: Trigger) -> str:
    event = trigger.event
    if trigger.update_columns:
        event += f" OF {name_list(trigger.update_columns)}"
    head = f"CREATE TRIGGER {quote_name(trigger.name)} {trigger.timing} {event} ON {quote_name(trigger.table)}"
    if trigger.for_each_row:
        head += " FOR EACH ROW"
    if trigger.when:
        head += f" WHEN {one_line(trigger.when)}"
    body = "\n".join(f"  {statement.strip()};" for statement in trigger.body)
    return f"{head}\nBEGIN\n{body}\nEND;"
