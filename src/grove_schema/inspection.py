"""`grove-schema inspect NAME`: one table, virtual table, view or trigger as the replay left it,
with its history and what the map says of it (its owner, a pending move, a retirement)."""

from __future__ import annotations

from grove_schema.model import Provenance, Schema, Table, Trigger, View, VirtualTable, key
from grove_schema.ownership import OwnershipMap
from grove_schema.project import ProjectReplay
from grove_schema.reporting import display_path
from grove_schema.sql.references import tables_referenced


def _where(provenance: Provenance) -> str:
    created = f"{display_path(provenance.created.path)}:{provenance.created.line}"
    if not provenance.changed:
        return created
    changed = ", ".join(f"{display_path(r.path)}:{r.line}" for r in provenance.changed)
    return f"{created}; changed at {changed}"


def describe_table(outcome: ProjectReplay, name: str) -> str | None:
    """Every replayed object named `name` (a table, virtual table, view or trigger), in each
    stream that holds one; None when no stream does."""
    ownership = OwnershipMap(outcome.config)
    sections = []
    for database, stream in outcome.streams.items():
        schema = stream.schema
        table = schema.table(name)
        if table is not None:
            lines = _describe(database, schema, table)
            sections.append(_with_map(lines, outcome, ownership, database, table.name))
        vtable = schema.virtual_tables.get(key(name))
        if vtable is not None:
            sections.append(_with_map(_describe_virtual(database, vtable), outcome, ownership, database, vtable.name))
        view = schema.views.get(key(name))
        if view is not None:
            sections.append(_describe_view(database, schema, view, ownership))
        trigger = schema.triggers.get(key(name))
        if trigger is not None:
            sections.append(_describe_trigger(database, trigger, ownership))
    return "\n".join(sections) if sections else None


def _describe_virtual(database: str, vtable: VirtualTable) -> list[str]:
    return [
        f"virtual table {vtable.name} in {database} USING {vtable.module}({', '.join(vtable.arguments)})",
        f"  created at {_where(vtable.provenance)}",
    ]


def _with_map(lines: list[str], outcome: ProjectReplay, ownership: OwnershipMap, database: str, name: str) -> str:
    """The table's lines, then its owner as the map assigns it, and a pending move or a retirement."""
    reason = ownership.retired_tables.get(key(name))
    owner = ownership.owner_of(name)
    claims = ownership.claims_of(name)
    if owner is None:
        lines.append("  owner: none (no database's `tables` claims it and there is no default_database)")
    else:
        why = (
            f"`tables` pattern {', '.join(repr(c.pattern) for c in claims)}"
            if claims
            else "the default database (no `tables` pattern claims it)"
        )
        lines.append(f"  owner: {ownership.label(owner)}, by {why}")
    if reason is not None:
        lines.append(
            f"  retired: {reason} (grove-schema drop {database} --only retired writes the migration that drops it)"
        )
    elif owner is not None and owner != database:
        copied = owner in outcome.streams and _holds(outcome.streams[owner].schema, name)
        state = (
            f"copied to {owner}'s stream, not yet dropped here" if copied else f"{owner}'s stream does not hold it yet"
        )
        lines.append(f"  pending move: {database} -> {owner} ({state}; grove-schema plan lists the steps)")
    retired_columns = [
        f"{column} ({why})"
        for (table_key, column), why in sorted(ownership.retired_columns.items())
        if table_key == key(name)
    ]
    if retired_columns:
        lines.append(f"  retired columns: {', '.join(retired_columns)}")
    return "\n".join(lines) + "\n"


def _holds(schema: Schema, name: str) -> bool:
    return schema.table(name) is not None or key(name) in schema.virtual_tables


def _describe_view(database: str, schema: Schema, view: View, ownership: OwnershipMap) -> str:
    reads = sorted(tables_referenced(view.select))
    lines = [f"view {view.name} in {database}", f"  created at {_where(view.provenance)}"]
    if view.column_names:
        lines.append(f"  columns: {', '.join(view.column_names)}")
    owners = []
    for read in reads:
        owner = ownership.owner_of(read)
        kind = "view" if read in schema.views else "table"
        owners.append(f"{read} ({kind}, owner {owner})" if owner is not None else f"{read} ({kind})")
    lines.append(f"  reads: {', '.join(owners) if owners else 'no table'}")
    elsewhere = sorted({o for r in reads if (o := ownership.owner_of(r)) is not None and o != database})
    if elsewhere:
        lines.append(f"  after the split it reads tables of {', '.join(elsewhere)}: D1 cannot, so render leaves it out")
    lines.append(f"  AS {' '.join(view.select.split())}")
    return "\n".join(lines) + "\n"


def _describe_trigger(database: str, trigger: Trigger, ownership: OwnershipMap) -> str:
    columns = f" OF {', '.join(trigger.update_columns)}" if trigger.update_columns else ""
    lines = [
        f"trigger {trigger.name} in {database}: {trigger.timing} {trigger.event}{columns} ON {trigger.table}"
        + (" FOR EACH ROW" if trigger.for_each_row else ""),
        f"  created at {_where(trigger.provenance)}",
    ]
    owner = ownership.owner_of(trigger.table)
    if owner is not None:
        lines.append(f"  goes with its table: owner {ownership.label(owner)}")
    if trigger.when:
        lines.append(f"  WHEN {' '.join(trigger.when.split())}")
    for statement in trigger.body:
        lines.append(f"  {' '.join(statement.split())};")
    return "\n".join(lines) + "\n"


def _describe(database: str, schema: Schema, table: Table) -> list[str]:
    lines = [f"table {table.name} in {database}" + (" (WITHOUT ROWID)" if table.without_rowid else "")]
    lines.append(f"  created at {_where(table.provenance)}")
    lines.append("  columns:")
    for column in table.columns:
        bits = [column.type or "(no type)"]
        if column.primary_key:
            bits.append(f"PRIMARY KEY #{column.primary_key}")
        if column.not_null:
            bits.append("NOT NULL")
        if column.default is not None:
            bits.append(f"DEFAULT {column.default}")
        if column.generated:
            bits.append(f"GENERATED {column.generated.upper()} AS ({column.generated_expr})")
        lines.append(f"    {column.name}: {' '.join(bits)}  [{_where(column.provenance)}]")
    indexes = schema.indexes_of(table.name)
    lines.append("  indexes:" if indexes else "  indexes: none")
    for index in indexes:
        cols = ", ".join(c.name or f"({c.expression})" for c in index.columns)
        where = f" WHERE {index.where}" if index.where else ""
        unique = "UNIQUE " if index.unique else ""
        lines.append(f"    {unique}{index.name} ({cols}){where}  [{_where(index.provenance)}]")
    lines.append("  foreign keys out:" if table.foreign_keys else "  foreign keys out: none")
    for fk in table.foreign_keys:
        target = f"{fk.ref_table}({', '.join(fk.ref_columns)})" if fk.ref_columns else fk.ref_table
        lines.append(f"    ({', '.join(fk.columns)}) -> {target} ON DELETE {fk.on_delete} ON UPDATE {fk.on_update}")
    incoming = schema.referencing_foreign_keys(table.name)
    lines.append("  foreign keys in:" if incoming else "  foreign keys in: none")
    for child, fk in incoming:
        lines.append(f"    {child.name}({', '.join(fk.columns)}) ON DELETE {fk.on_delete}")
    triggers = schema.triggers_of(table.name)
    if triggers:
        lines.append("  triggers:")
        for trigger in triggers:
            lines.append(f"    {trigger.name}: {trigger.timing} {trigger.event}  [{_where(trigger.provenance)}]")
    views = sorted(v.name for v in schema.views.values() if key(table.name) in tables_referenced(v.select))
    if views:
        lines.append(f"  read by views: {', '.join(views)}")
    return lines
