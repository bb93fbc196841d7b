"""`grove-schema drop`: the migration that removes from a database what the map moves out or retires.

Pure: the replayed project in, a `DropPlan` and its SQL text out. The statements come in the only
order SQLite accepts with foreign keys on: first the triggers and views that need what leaves, then
the indexes on retired columns (DROP COLUMN fails while an index uses the column), then the retired
columns, then the tables, children before parents. When something that stays still needs what
leaves (a foreign key, a view, a trigger, an index SQLite cannot drop a column from), there is no
safe order: the plan lists those blockers instead, and the command refuses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from grove_schema.config import ProjectConfig
from grove_schema.errors import UsageError
from grove_schema.graph import drop_order
from grove_schema.model import Schema, Table, key
from grove_schema.ownership import OwnershipMap
from grove_schema.project import ProjectReplay
from grove_schema.sql.ddl import views_in_order
from grove_schema.sql.quoting import comment_lines, quote_name
from grove_schema.sql.references import (
    expression_columns,
    index_columns,
    statement_references,
    trigger_references,
)

RETIRED = "retired"


@dataclass(frozen=True)
class LeavingTable:
    name: str
    destination: str  # a database key, or "retired"
    reason: str  # the retirement reason; empty for a move


@dataclass(frozen=True)
class DroppedColumn:
    table: str
    column: str
    reason: str


@dataclass(frozen=True)
class DroppedIndex:
    name: str
    table: str
    retired_columns: tuple[str, ...]
    other_columns: tuple[str, ...]  # staying columns the index also covered


@dataclass(frozen=True)
class DroppedDependent:
    kind: str  # "trigger" | "view"
    name: str
    reason: str


@dataclass
class DropPlan:
    database: str
    name: str
    binding: str | None
    only: tuple[str, ...] = ()
    tables: list[LeavingTable] = field(default_factory=list)  # children before parents
    columns: list[DroppedColumn] = field(default_factory=list)
    indexes: list[DroppedIndex] = field(default_factory=list)
    triggers: list[DroppedDependent] = field(default_factory=list)
    views: list[DroppedDependent] = field(default_factory=list)  # dependents first
    later: dict[str, list[str]] = field(default_factory=dict)  # destination -> tables --only leaves for later
    blockers: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # database key -> "curios (grove-curios-db, binding CURIO_DB)"

    @property
    def empty(self) -> bool:
        return not (self.tables or self.columns or self.indexes or self.triggers or self.views)

    @property
    def command(self) -> str:
        return " ".join(["grove-schema drop", self.database, *(f"--only {o}" for o in self.only)])

    def counts(self) -> str:
        moving: dict[str, int] = {}
        for table in self.tables:
            moving[table.destination] = moving.get(table.destination, 0) + 1
        parts = [f"{n} to {d}" if d != RETIRED else f"{n} retired" for d, n in sorted(moving.items())]
        tables = f"{len(self.tables)} tables" + (f" ({', '.join(parts)})" if parts else "")
        return (
            f"{tables}, {len(self.columns)} retired columns, {len(self.indexes)} indexes on them, "
            f"{len(self.triggers)} triggers, {len(self.views)} views"
        )


def normalise_only(config: ProjectConfig, database: str, only: Iterable[str]) -> tuple[str, ...]:
    """The `--only` values, checked and in a stable order: database keys, then `retired`."""
    values = set(only)
    for value in sorted(values):
        if value == RETIRED:
            continue
        if value not in config.databases:
            known = ", ".join([*sorted(config.databases), RETIRED])
            raise UsageError(f"--only {value}: not a database of the map nor `retired` (one of: {known})")
        if value == database:
            raise UsageError(f"--only {value}: nothing moves from {database} to itself")
    return tuple(sorted(values - {RETIRED})) + ((RETIRED,) if RETIRED in values else ())


def plan_drop(config: ProjectConfig, outcome: ProjectReplay, database: str, only: Sequence[str] = ()) -> DropPlan:
    """What leaves `database`'s stream (limited to `only` destinations when given), in a safe order."""
    db = config.database(database)
    if outcome.ownership is None:
        raise UsageError("drop needs every database of the map replayed")
    graph = outcome.ownership.graph
    ownership = OwnershipMap(config)
    scope = normalise_only(config, database, only)
    plan = DropPlan(database=database, name=db.name, binding=db.binding, only=scope)
    plan.labels = {
        k: f"{k} ({d.name}" + (f", binding {d.binding})" if d.binding else ")") for k, d in config.databases.items()
    }
    stream = outcome.streams.get(database)
    if stream is None:
        return plan
    schema = stream.schema
    leaving = _leaving_tables(plan, schema, ownership, database, scope)
    view_reads = {k: statement_references(v.select, schema) for k, v in schema.views.items()}
    dropped_views = _drop_views(plan, schema, leaving, view_reads)
    _trigger_blockers(plan, schema, leaving, set(leaving) | dropped_views)
    _foreign_key_blockers(plan, schema, leaving)
    _virtual_table_blockers(plan, schema, leaving)
    if not scope or RETIRED in scope:
        _retired_columns(plan, schema, ownership, leaving, view_reads, dropped_views)
    names = [t.name for t in leaving.values()]
    plan.tables = [leaving[key(name)] for name in drop_order(graph, database, names)]
    plan.later = {d: sorted(n, key=key) for d, n in sorted(plan.later.items())}
    return plan


def _leaving_tables(
    plan: DropPlan, schema: Schema, ownership: OwnershipMap, database: str, scope: tuple[str, ...]
) -> dict[str, LeavingTable]:
    """The tables that leave now (by key); those that leave later (another --only) go to `plan.later`."""
    leaving: dict[str, LeavingTable] = {}
    for table_key in sorted([*schema.tables, *schema.virtual_tables]):
        name = (schema.tables.get(table_key) or schema.virtual_tables[table_key]).name
        if ownership.is_retired(name):
            destination, reason = RETIRED, ownership.retired_tables[table_key]
        else:
            owner = ownership.owner_of(name)
            if owner is None or owner == database:
                continue
            destination, reason = owner, ""
        if not scope or destination in scope:
            leaving[table_key] = LeavingTable(name, destination, reason)
        else:
            plan.later.setdefault(destination, []).append(name)
    return leaving


def _where_it_goes(plan: DropPlan, leaving: Mapping[str, LeavingTable], table_key: str) -> str:
    """What this drop does to a table, as a blocker says it."""
    if table_key in leaving:
        return "leaves"
    for destination, names in plan.later.items():
        if table_key in {key(n) for n in names}:
            return f"stays for now (it leaves with --only {destination})"
    return "stays"


def _drop_views(
    plan: DropPlan,
    schema: Schema,
    leaving: Mapping[str, LeavingTable],
    view_reads: Mapping[str, tuple[set[str], set[tuple[str, str]]]],
) -> set[str]:
    """Views that read only what leaves go with it (dependents first); a view that also reads what
    stays blocks. Returns the keys of the views dropped."""
    dropped_views: set[str] = set()
    changed = True
    while changed:
        changed = False
        for k, (tables_read, _cols) in sorted(view_reads.items()):
            if k not in dropped_views and tables_read and tables_read <= set(leaving) | dropped_views:
                dropped_views.add(k)
                changed = True
    gone = set(leaving) | dropped_views
    for k, (tables_read, _cols) in sorted(view_reads.items()):
        if k in dropped_views:
            continue
        needed = sorted(tables_read & gone)
        if needed:
            plan.blockers.append(
                f"the view {schema.views[k].name} reads {needed[0]}, which leaves, and also what stays: drop or "
                "rewrite it in a migration first (its work moves into application code)"
            )
    ordered_views = views_in_order(
        [schema.views[k] for k in dropped_views], {k: view_reads[k][0] for k in dropped_views}
    )
    for view in reversed(ordered_views):
        reads = sorted(view_reads[key(view.name)][0])
        plan.views.append(DroppedDependent("view", view.name, f"reads {', '.join(reads)}, which leave"))
    return dropped_views


def _trigger_blockers(plan: DropPlan, schema: Schema, leaving: Mapping[str, LeavingTable], gone: set[str]) -> None:
    """Triggers on a leaving table go with it; one on a staying table that needs what leaves blocks."""
    for _trigger_key, trigger in sorted(schema.triggers.items()):
        tables_read, _cols = trigger_references(trigger, schema)
        if key(trigger.table) in gone:
            plan.triggers.append(DroppedDependent("trigger", trigger.name, f"on {trigger.table}, which leaves"))
            continue
        needed = sorted((tables_read - {key(trigger.table)}) & gone)
        if needed:
            plan.blockers.append(
                f"the trigger {trigger.name} on {trigger.table} ({_where_it_goes(plan, leaving, key(trigger.table))}) "
                f"reads or writes {needed[0]}, which leaves: drop or rewrite it in a migration first"
            )


def _foreign_key_blockers(plan: DropPlan, schema: Schema, leaving: Mapping[str, LeavingTable]) -> None:
    """Foreign keys from what stays into what leaves: dropping the parent would fail, or cascade."""
    for child_key, child in sorted(schema.tables.items()):
        if child_key in leaving:
            continue
        for fk in child.foreign_keys:
            parent = key(fk.ref_table)
            if parent not in leaving or parent == child_key:
                continue
            effect = {
                "CASCADE": f"delete {child.name}'s rows that point at it",
                "SET NULL": f"clear {child.name}.{', '.join(fk.columns)} in the rows that point at it",
                "SET DEFAULT": f"reset {child.name}.{', '.join(fk.columns)} in the rows that point at it",
            }.get(fk.on_delete, "fail while rows point at it")
            plan.blockers.append(
                f"the foreign key {child.name}({', '.join(fk.columns)}) -> {fk.ref_table} (ON DELETE {fk.on_delete}): "
                f"{child.name} {_where_it_goes(plan, leaving, child_key)}, and dropping {fk.ref_table} would {effect}"
            )


def _virtual_table_blockers(plan: DropPlan, schema: Schema, leaving: Mapping[str, LeavingTable]) -> None:
    """A virtual table that stays while its external content table leaves."""
    for vtable_key, vtable in sorted(schema.virtual_tables.items()):
        if vtable_key in leaving:
            continue
        for argument in vtable.arguments:
            option, _, value = argument.partition("=")
            if key(option.strip()) == "content" and key(value.strip().strip("'\"")) in leaving:
                plan.blockers.append(
                    f"the virtual table {vtable.name} stays but its content table {value.strip()} leaves"
                )


def _retired_columns(
    plan: DropPlan,
    schema: Schema,
    ownership: OwnershipMap,
    leaving: dict[str, LeavingTable],
    view_reads: dict[str, tuple[set[str], set[tuple[str, str]]]],
    dropped_views: set[str],
) -> None:
    """Retired columns of the tables that stay, the indexes on them, and what SQLite would refuse."""
    indexes: dict[str, DroppedIndex] = {}
    for table_key in sorted({t for t, _c in ownership.retired_columns}):
        table = schema.tables.get(table_key)
        if table is None or table_key in leaving:
            continue
        retired = [c for c in table.columns if (table_key, key(c.name)) in ownership.retired_columns]
        retired_keys = {key(c.name) for c in retired}
        for column in retired:
            reason = ownership.retired_columns[(table_key, key(column.name))]
            plan.columns.append(DroppedColumn(table.name, column.name, reason))
            plan.blockers.extend(_column_blockers(table, column.name, schema, leaving))
            dotted = f"{table.name}.{column.name}"
            for k, (_tables, columns_read) in sorted(view_reads.items()):
                if k not in dropped_views and (table_key, key(column.name)) in columns_read:
                    plan.blockers.append(
                        f"the view {schema.views[k].name} reads the retired column {dotted}: drop or rewrite it first"
                    )
            for trigger in schema.triggers.values():
                if key(trigger.table) in leaving:
                    continue
                _tables, columns_read = trigger_references(trigger, schema)
                if (table_key, key(column.name)) in columns_read:
                    plan.blockers.append(
                        f"the trigger {trigger.name} on {trigger.table} reads the retired column {dotted}: drop or "
                        "rewrite it first"
                    )
        for index in schema.indexes_of(table.name):
            used = index_columns(index)
            hit = used & retired_keys
            if hit:
                names = tuple(c.name for c in retired if key(c.name) in hit)
                others = tuple(sorted(c.name for c in table.columns if key(c.name) in used and key(c.name) not in hit))
                indexes[key(index.name)] = DroppedIndex(index.name, table.name, names, others)
    plan.indexes = [indexes[k] for k in sorted(indexes)]


def _column_blockers(table: Table, column: str, schema: Schema, leaving: dict[str, LeavingTable]) -> list[str]:
    """Why SQLite would refuse `ALTER TABLE table DROP COLUMN column`, or a staying key would break."""
    k = key(column)
    dotted = f"{table.name}.{column}"
    found = []
    pk = table.primary_key
    if pk is not None and k in {key(c) for c in pk.columns}:
        found.append(f"the retired column {dotted} is part of the PRIMARY KEY: SQLite cannot drop it")
    for unique in table.uniques:
        if k in {key(c) for c in unique.columns}:
            found.append(f"the retired column {dotted} has a UNIQUE constraint: SQLite cannot drop it")
    for fk in table.foreign_keys:
        if not fk.column_level and k in {key(c) for c in fk.columns}:
            found.append(f"the retired column {dotted} is in the table-level FOREIGN KEY ({', '.join(fk.columns)})")
    for check in table.checks:
        own = check.column is not None and key(check.column) == k
        if not own and k in expression_columns(check.expression):
            found.append(f"the retired column {dotted} is named in the CHECK ({check.expression})")
    for other in table.columns:
        if key(other.name) != k and other.generated_expr and k in expression_columns(other.generated_expr):
            found.append(f"the generated column {table.name}.{other.name} is computed from the retired column {dotted}")
    for child_key, child in sorted(schema.tables.items()):
        if child_key in leaving:
            continue
        for fk in child.foreign_keys:
            if key(fk.ref_table) == key(table.name) and k in {key(c) for c in fk.ref_columns}:
                found.append(
                    f"the foreign key {child.name}({', '.join(fk.columns)}) references the retired column {dotted}"
                )
    return found


# --- SQL -----------------------------------------------------------------------------------------


def render_drop_sql(plan: DropPlan) -> str:
    """The migration: a header saying what goes and why, then the statements in a safe order."""
    lines = _header(plan)
    dependents = [*plan.triggers, *plan.views]
    if dependents:
        lines += ["", "-- Triggers and views that need what leaves"]
        for item in plan.triggers:
            lines.append(f"DROP TRIGGER IF EXISTS {quote_name(item.name)};")
        for item in plan.views:
            lines.append(f"DROP VIEW IF EXISTS {quote_name(item.name)};")
    if plan.indexes:
        lines += ["", "-- Indexes on retired columns: SQLite refuses DROP COLUMN while an index uses the column"]
        for index in plan.indexes:
            lines.append(f"DROP INDEX IF EXISTS {quote_name(index.name)};")
    if plan.columns:
        lines += ["", "-- Retired columns (DROP COLUMN has no IF EXISTS)"]
        for column in plan.columns:
            lines.append(f"ALTER TABLE {quote_name(column.table)} DROP COLUMN {quote_name(column.column)};")
    if plan.tables:
        lines += ["", "-- Tables, children before parents (foreign-key order)"]
        for table in plan.tables:
            where = "retired" if table.destination == RETIRED else f"moves to {table.destination}"
            lines.append(f"DROP TABLE IF EXISTS {quote_name(table.name)};  -- {where}")
    return "\n".join(lines) + "\n"


def _header(plan: DropPlan) -> list[str]:
    binding = f", binding {plan.binding}" if plan.binding else ""
    lines = [
        f"-- Drop from {plan.name} (database {plan.database}{binding}) what the ownership map moves out or retires.",
        f"-- Produced by `{plan.command}`.",
        "--",
    ]
    moves: dict[str, list[str]] = {}
    retired: dict[str, list[str]] = {}
    for table in plan.tables:
        if table.destination == RETIRED:
            retired.setdefault(table.reason, []).append(table.name)
        else:
            moves.setdefault(table.destination, []).append(table.name)
    if moves:
        targets = " and ".join(plan.labels.get(d, d) for d in sorted(moves))
        lines.extend(
            comment_lines(
                f"Deploy it only when {targets} already hold the data of the tables that move there, and every "
                "reader and writer uses the new binding: this drop deletes those rows here."
            )
        )
    if retired or plan.columns:
        lines.extend(comment_lines("Retired tables and columns are deleted for good, with their data."))
    if plan.empty:
        lines.append("-- Nothing leaves: no statement.")
        return lines
    lines += ["--", "-- What goes, and why:"]
    for destination in sorted(moves):
        names = sorted(moves[destination], key=key)
        label = plan.labels.get(destination, destination)
        lines.extend(comment_lines(f"{len(names)} tables move to {label}: {', '.join(names)}", indent="  "))
    for reason in sorted(retired):
        names = sorted(retired[reason], key=key)
        lines.extend(comment_lines(f"{len(names)} tables are retired ({reason}): {', '.join(names)}", indent="  "))
    if plan.columns:
        described = [f"{c.table}.{c.column} ({c.reason})" for c in plan.columns]
        lines.extend(comment_lines(f"{len(described)} retired columns: {', '.join(described)}", indent="  "))
    for index in plan.indexes:
        text = f"the index {index.name} uses the retired column {', '.join(index.retired_columns)}"
        if index.other_columns:
            text += (
                f"; it also covered {', '.join(index.other_columns)}, which stay: create an index on them again "
                "in a later migration if queries need it"
            )
        lines.extend(comment_lines(text, indent="  "))
    for item in [*plan.triggers, *plan.views]:
        lines.extend(comment_lines(f"the {item.kind} {item.name}: {item.reason}", indent="  "))
    if plan.later:
        later = "; ".join(f"{len(n)} tables to {d}" for d, n in plan.later.items())
        lines += ["--"]
        lines.extend(comment_lines(f"Not in this migration (see --only), they leave later: {later}."))
    return lines
