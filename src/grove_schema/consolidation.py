"""`grove-schema render`: the consolidated schema of one database, as SQL a person can read.

Pure: the replayed streams and the ownership map in, a `Consolidation` (what the database holds
after the split, and what had to be left out) and its SQL text out. The SQL is rendered from the
structured model, never from the migrations' text, so a column-level REFERENCES into another
database can go, and every later ALTER is folded in. The same inputs give the same bytes.

Where a table is taken from: the owner's own stream when it holds the table (after the split, or
in the transition window when both do), else the stream where it lives now (before the split).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from grove_schema.config import ProjectConfig
from grove_schema.findings import plural
from grove_schema.model import (
    CheckConstraint,
    ForeignKey,
    Index,
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
from grove_schema.sql.ddl import (
    create_index_sql,
    create_table_sql,
    create_trigger_sql,
    create_view_sql,
    create_virtual_table_sql,
    parent_first_order,
    views_in_order,
)
from grove_schema.sql.quoting import comment_lines, one_line
from grove_schema.sql.references import expression_columns, index_columns, statement_references, trigger_references


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


class LeftOutKind(enum.Enum):
    """What kind of object the render leaves out; the value is the word the header writes."""

    VIEW = "view"
    TRIGGER = "trigger"
    INDEX = "index"
    CONSTRAINT = "constraint"
    COLUMN = "column"


@dataclass(frozen=True)
class LeftOut:
    """A view, trigger, index, constraint or column the render leaves out, and why."""

    kind: LeftOutKind
    name: str
    reason: str

    def describe(self) -> str:
        return f"{self.kind.value} {self.name}: {self.reason}"


class ProblemCause(enum.Enum):
    """Why a view or trigger cannot work in the database: which header list it goes to."""

    OTHER_DATABASE = "reads a table this database does not hold"  # work for application code
    LEFT_OUT_VIEW = "reads a view that is left out"  # work for application code
    RETIRED_COLUMN = "reads a retired column"  # goes with the retired columns


@dataclass(frozen=True)
class _Problem:
    cause: ProblemCause
    reason: str  # the header's text


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

    @property
    def retired_column_count(self) -> int:
        """How many retired columns are left out (the rest of `left_out_retired` uses them)."""
        return sum(1 for item in self.left_out_retired if item.kind is LeftOutKind.COLUMN)

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

    def leave_out(self, item: LeftOut, cause: ProblemCause) -> None:
        """Record a view or trigger that cannot work here, in the header list its cause picks."""
        if cause is ProblemCause.RETIRED_COLUMN:
            self.left_out_retired.append(item)
        else:
            self.left_out_code.append(item)


@dataclass
class _Split:
    """What every step of `consolidate` reads: the streams, the map, and where tables are."""

    config: ProjectConfig
    streams: Mapping[str, StreamReplay]
    database: str
    ownership: OwnershipMap
    order: list[str]  # the streams, in the project's database order
    homes: dict[str, str] = field(default_factory=dict)  # key(table) -> the stream it is taken from
    elsewhere: dict[str, str] = field(default_factory=dict)  # key(table) -> the first stream holding it
    retired_columns: dict[tuple[str, str], str] = field(default_factory=dict)  # of the tables taken

    def own_stream_first(self) -> list[str]:
        return sorted(self.order, key=lambda s: s != self.database)

    def schema_of(self, table: str) -> Schema:
        """The schema of the stream `table` (a key) is taken from."""
        return self.streams[self.homes[table]].schema

    def home_of(self, table: str) -> str:
        """Where a table this database does not hold lives, as the header says it."""
        k = key(table)
        if self.ownership.is_retired(table):
            return f"no database (retired: {self.ownership.retired_tables[k]})"
        if k not in self.elsewhere:
            return "no stream (no such table)"
        return self.ownership.owner_of(table) or "no database"


def consolidate(config: ProjectConfig, streams: Mapping[str, StreamReplay], database: str) -> Consolidation:
    """The objects the ownership map gives `database`, as they stand after the replay."""
    db = config.database(database)
    ownership = OwnershipMap(config)
    split = _Split(config, streams, database, ownership, [k for k in database_order(config) if k in streams])
    result = Consolidation(database=database, name=db.name, binding=db.binding)
    result.stream_labels = {k: ownership.label(k) for k in config.databases}
    _locate_tables(split, result)
    tables, vtables = _tables_taken(split)
    _trim_tables(split, result, tables)
    result.tables = parent_first_order(tables.values())
    result.table_stream = {key(t.name): split.homes[key(t.name)] for t in result.tables}
    result.virtual_tables = sorted(vtables, key=lambda v: key(v.name))
    _add_indexes(split, result)
    available = set(tables) | {key(v.name) for v in vtables}
    kept_views = _add_views(split, result, available)
    _add_triggers(split, result, available | kept_views, kept_views)
    _add_provenance(split, result)
    return result


def _locate_tables(split: _Split, result: Consolidation) -> None:
    """Where each of the database's tables is taken from (its own stream first, then where it
    lives), where every other table lives (to say where a cut reference points), and the retired
    tables that are dropped rather than created."""
    ownership = split.ownership
    for stream in split.own_stream_first():
        schema = split.streams[stream].schema
        for name in [*schema.tables, *schema.virtual_tables]:
            if name in split.homes or ownership.is_retired(name) or ownership.owner_of(name) != split.database:
                continue
            split.homes[name] = stream
    for stream in split.order:
        schema = split.streams[stream].schema
        for name in [*schema.tables, *schema.virtual_tables]:
            retired_here = ownership.is_retired(name) and ownership.owner_of(name) == split.database
            if name not in split.elsewhere and retired_here:
                shown = (schema.tables.get(name) or schema.virtual_tables[name]).name
                result.retired_tables.setdefault(ownership.retired_tables[name], []).append(shown)
            split.elsewhere.setdefault(name, stream)
    result.retired_tables = {r: sorted(n, key=key) for r, n in sorted(result.retired_tables.items())}
    split.retired_columns = {
        (t, c): reason for (t, c), reason in ownership.retired_columns.items() if split.homes.get(t) is not None
    }


def _tables_taken(split: _Split) -> tuple[dict[str, Table], list[VirtualTable]]:
    """The tables (by key) and virtual tables as their home streams hold them."""
    tables: dict[str, Table] = {}
    vtables: list[VirtualTable] = []
    for name, stream in sorted(split.homes.items()):
        schema = split.streams[stream].schema
        if name in schema.tables:
            tables[name] = schema.tables[name]
        else:
            vtables.append(schema.virtual_tables[name])
    return tables, vtables


def _trim_tables(split: _Split, result: Consolidation, tables: dict[str, Table]) -> None:
    """Each table without its retired columns, and without its foreign keys out of the database."""
    for name in sorted(tables):
        table = tables[name]
        trimmed, retired_out = _without_retired_columns(table, split.retired_columns)
        result.left_out_retired.extend(retired_out)
        for (_t, column), reason in split.retired_columns.items():
            if _t == name and table.column(column) is not None:
                result.retired_reasons[f"{table.name}.{table.column(column).name}"] = reason  # type: ignore[union-attr]
        kept = [fk for fk in trimmed.foreign_keys if _keeps_foreign_key(split, result, table, fk, tables)]
        tables[name] = trimmed.model_copy(update={"foreign_keys": tuple(kept)})


def _keeps_foreign_key(
    split: _Split, result: Consolidation, table: Table, fk: ForeignKey, tables: Mapping[str, Table]
) -> bool:
    """Whether the render keeps `fk`; when not, it is recorded as left out."""
    parent = key(fk.ref_table)
    if parent not in tables:
        result.left_out_foreign_keys.append(
            LeftOutForeignKey(
                table.name, fk.columns, fk.ref_table, split.home_of(fk.ref_table), fk.on_delete, fk.on_update
            )
        )
        return False
    gone = [c for c in fk.ref_columns if (parent, key(c)) in split.retired_columns]
    if gone:
        result.left_out_retired.append(
            LeftOut(
                LeftOutKind.CONSTRAINT,
                f"FOREIGN KEY {table.name}({', '.join(fk.columns)})",
                f"references the retired column {fk.ref_table}.{gone[0]}",
            )
        )
        return False
    return True


def _add_indexes(split: _Split, result: Consolidation) -> None:
    """Each table's indexes, unless they use a retired column."""
    for table in result.tables:
        indexes = []
        for index in split.schema_of(key(table.name)).indexes_of(table.name):
            gone = sorted(c for c in index_columns(index) if (key(table.name), c) in split.retired_columns)
            if gone:
                result.left_out_retired.append(
                    LeftOut(
                        LeftOutKind.INDEX,
                        f"{index.name} on {table.name}",
                        f"uses the retired column {table.name}.{gone[0]}",
                    )
                )
                continue
            indexes.append(index)
        result.indexes[key(table.name)] = indexes


def _add_views(split: _Split, result: Consolidation, available: set[str]) -> set[str]:
    """The views whose tables belong here; those that read another database's tables are work for
    application code. Returns the keys of the views kept."""
    candidates: dict[str, tuple[View, str]] = {}
    for stream in split.own_stream_first():
        for view_key, view in sorted(split.streams[stream].schema.views.items()):
            if view_key not in candidates:
                candidates[view_key] = (view, stream)
    view_reads: dict[str, tuple[set[str], set[tuple[str, str]]]] = {
        k: statement_references(view.select, split.streams[stream].schema) for k, (view, stream) in candidates.items()
    }
    mine = _views_of_database(split.database, candidates, view_reads, available)
    problems: dict[str, _Problem] = {}
    for k in sorted(mine):
        tables_read, columns_read = view_reads[k]
        problem = _reference_problem(split, tables_read, columns_read, available, mine)
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
                reason = f"reads the view {candidates[broken[0]][0].name}, which is left out"
                problems[k] = _Problem(ProblemCause.LEFT_OUT_VIEW, reason)
                changed = True
    kept_views: set[str] = set()
    for k in sorted(mine):
        view = candidates[k][0]
        if k in problems:
            result.leave_out(LeftOut(LeftOutKind.VIEW, view.name, problems[k].reason), problems[k].cause)
        else:
            kept_views.add(k)
    result.views = views_in_order([candidates[k][0] for k in kept_views], {k: view_reads[k][0] for k in kept_views})
    return kept_views


def _views_of_database(
    database: str,
    candidates: Mapping[str, tuple[View, str]],
    view_reads: Mapping[str, tuple[set[str], set[tuple[str, str]]]],
    available: set[str],
) -> set[str]:
    """Keys of the views that belong to `database`: those reading any of its tables (or nothing, in
    its own stream), and the views on those views."""
    mine = {
        k
        for k, (tables_read, _cols) in view_reads.items()
        if (tables_read & available) or (not tables_read and candidates[k][1] == database)
    }
    changed = True
    while changed:
        changed = False
        for k, (tables_read, _cols) in view_reads.items():
            if k not in mine and tables_read & mine:
                mine.add(k)
                changed = True
    return mine


def _add_triggers(split: _Split, result: Consolidation, available: set[str], kept_views: set[str]) -> None:
    """Each table's triggers, unless their body reads or writes what this database does not hold."""
    position = {key(t.name): i for i, t in enumerate(result.tables)}
    triggers: list[Trigger] = []
    for table in result.tables:
        schema = split.schema_of(key(table.name))
        for trigger in schema.triggers_of(table.name):
            tables_read, columns_read = trigger_references(trigger, schema)
            problem = _reference_problem(split, tables_read, columns_read, available, kept_views)
            if problem:
                item = LeftOut(LeftOutKind.TRIGGER, f"{trigger.name} on {table.name}", problem.reason)
                result.leave_out(item, problem.cause)
                continue
            triggers.append(trigger)
    result.triggers = sorted(triggers, key=lambda t: (position[key(t.table)], key(t.name)))


def _add_provenance(split: _Split, result: Consolidation) -> None:
    """The streams and migrations the rendered objects come from."""
    used_streams = sorted(set(split.homes.values()), key=split.order.index)
    for stream in used_streams:
        directory = split.config.databases[stream].migrations_dir
        try:
            result.sources[stream] = directory.relative_to(split.config.root).as_posix()
        except ValueError:
            result.sources[stream] = directory.as_posix()
    result.migrations = _migrations_folded(result, split.streams, split.order)


def _without_retired_columns(table: Table, retired: Mapping[tuple[str, str], str]) -> tuple[Table, list[LeftOut]]:
    """The table without its retired columns and the constraints that name them."""
    t = key(table.name)
    gone = {key(c.name) for c in table.columns if (t, key(c.name)) in retired}
    if not gone:
        return table, []
    left: list[LeftOut] = []
    because = "names a retired column"
    for column in table.columns:
        if key(column.name) in gone:
            left.append(LeftOut(LeftOutKind.COLUMN, f"{table.name}.{column.name}", retired[(t, key(column.name))]))

    def names_gone(names: Iterable[str]) -> list[str]:
        return [n for n in names if key(n) in gone]

    columns = []
    for column in table.columns:
        if key(column.name) in gone:
            continue
        if column.generated_expr and expression_columns(column.generated_expr) & gone:
            left.append(LeftOut(LeftOutKind.COLUMN, f"{table.name}.{column.name}", "generated from a retired column"))
            gone = gone | {key(column.name)}
            continue
        columns.append(column)
    primary_key = table.primary_key
    if primary_key is not None and names_gone(primary_key.columns):
        left.append(LeftOut(LeftOutKind.CONSTRAINT, f"PRIMARY KEY of {table.name}", because))
        primary_key = None
    uniques: list[UniqueConstraint] = []
    for unique in table.uniques:
        if names_gone(unique.columns):
            if not unique.column_level:
                left.append(
                    LeftOut(LeftOutKind.CONSTRAINT, f"UNIQUE ({', '.join(unique.columns)}) of {table.name}", because)
                )
            continue
        uniques.append(unique)
    checks: list[CheckConstraint] = []
    for check in table.checks:
        if check.column is not None and key(check.column) in gone:
            continue
        if expression_columns(check.expression) & gone:
            shown = f"CHECK ({one_line(check.expression)}) of {table.name}"
            left.append(LeftOut(LeftOutKind.CONSTRAINT, shown, because))
            continue
        checks.append(check)
    foreign_keys: list[ForeignKey] = []
    for fk in table.foreign_keys:
        if names_gone(fk.columns):
            if not fk.column_level:
                left.append(
                    LeftOut(LeftOutKind.CONSTRAINT, f"FOREIGN KEY {table.name}({', '.join(fk.columns)})", because)
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


def _reference_problem(
    split: _Split,
    tables_read: set[str],
    columns_read: set[tuple[str, str]],
    available: set[str],
    views: set[str],
) -> _Problem | None:
    """Why a view or trigger cannot work in this database, or None when it can."""
    missing = sorted(t for t in tables_read if t not in available and t not in views)
    if missing:
        reason = f"reads {missing[0]}, which lives in {split.home_of(missing[0])}: move this work into application code"
        return _Problem(ProblemCause.OTHER_DATABASE, reason)
    retired = sorted(c for c in columns_read if c in split.retired_columns)
    if retired:
        table, column = retired[0]
        reason = f"reads the retired column {table}.{column} ({split.retired_columns[retired[0]]})"
        return _Problem(ProblemCause.RETIRED_COLUMN, reason)
    return None


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


def render_sql(consolidation: Consolidation, command: str | None = None, *, migration: bool = False) -> str:
    """The consolidated schema as one migration file: a header, then the objects in creation order.

    `migration`: the file is written into a stream (the first migration of a new database), so the
    header must not tell anyone to render it again once it is applied."""
    c = consolidation
    command = command or f"grove-schema render {c.database}"
    lines = _header(c, command, migration)
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


def _header(c: Consolidation, command: str, migration: bool) -> list[str]:
    binding = f", binding {c.binding}" if c.binding else ""
    lines = [f"-- {c.name}: the consolidated schema of database {c.database}{binding}."]
    if migration:
        lines += [
            f"-- Produced by `{command}` as a migration of its stream. Until it is applied,",
            f"-- `{command} -o FILE --check` says whether it still creates that schema. Once",
            "-- applied it is history like any migration: change the schema with a new migration",
            "-- (`grove-schema new`), never by editing or rendering this file again.",
        ]
    else:
        lines += [
            f"-- Produced by `{command}`. Do not edit by hand: render it again, and let CI run",
            f"-- `{command} -o FILE --check` to catch drift (it compares the schema, not these comments).",
        ]
    lines.append("--")
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
