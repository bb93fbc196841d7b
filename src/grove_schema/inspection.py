"""`grove-schema inspect TABLE`: one table as the replay left it, with its history."""

from __future__ import annotations

from grove_schema.model import Provenance, Schema, Table, key
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
    sections = []
    for database, stream in outcome.streams.items():
        table = stream.schema.table(name)
        if table is not None:
            sections.append(_describe(database, stream.schema, table))
        vtable = stream.schema.virtual_tables.get(key(name))
        if vtable is not None:
            sections.append(
                f"virtual table {vtable.name} in {database} USING {vtable.module}({', '.join(vtable.arguments)})\n"
                f"  created at {_where(vtable.provenance)}\n"
            )
    return "\n".join(sections) if sections else None


def _describe(database: str, schema: Schema, table: Table) -> str:
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
    return "\n".join(lines) + "\n"
