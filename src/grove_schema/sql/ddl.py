"""CREATE TABLE, INDEX, VIRTUAL TABLE, VIEW and TRIGGER text from the schema model.

The text is generated from the structured model, never copied from the migrations, so a
column-level REFERENCES can be left out and every later ALTER is folded in. The same model gives
the same bytes. `parent_first_order` and `views_in_order` give the order SQLite accepts them in.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from typing import TypeVar

from grove_schema.model import (
    Column,
    ForeignKey,
    Index,
    IndexColumn,
    PrimaryKey,
    Table,
    Trigger,
    View,
    VirtualTable,
    key,
)
from grove_schema.sql.lexer import TokenKind, significant_tokens
from grove_schema.sql.quoting import name_list, one_line, quote_name


def default_sql(default: str) -> str:
    """`DEFAULT` as written for the catalog form the model keeps: literals bare, expressions in
    parentheses (`unixepoch()` was written `DEFAULT (unixepoch())`)."""
    tokens = significant_tokens(default)
    if len(tokens) == 2 and tokens[0].text in ("-", "+") and tokens[1].kind is TokenKind.NUMBER:
        return default.strip()
    if len(tokens) == 1:
        token = tokens[0]
        if token.kind in (TokenKind.STRING, TokenKind.NUMBER, TokenKind.BLOB, TokenKind.QUOTED):
            return token.text
        if token.kind is TokenKind.WORD:
            return token.text  # a literal word (NULL, TRUE, CURRENT_TIMESTAMP) or SQLite's bare-word string
    return f"({one_line(default)})"


_Object = TypeVar("_Object", Table, View)


def _creation_order(by_key: Mapping[str, _Object], edges: Iterable[tuple[str, str]]) -> list[_Object]:
    """Objects with each edge's first end before its second, alphabetical where the edges leave a
    choice; the members of a cycle come together, alphabetically. (networkx's condensation and
    lexicographical_topological_sort, keyed by each cycle's first name, give the same order:
    tests/test_ddl_order.py compares them. Written out here because importing networkx costs a
    check more than SQLite's whole replay, and the sample rows need this order.)"""
    return [by_key[name] for name in creation_order(sorted(by_key), edges)]


def creation_order(names: Sequence[str], edges: Iterable[tuple[str, str]]) -> list[str]:
    """`names` ordered so that each edge's first end comes before its second, the smallest name
    first where the edges leave a choice; a cycle's members together, sorted."""
    successors: dict[str, list[str]] = {name: [] for name in names}
    for first, second in edges:
        successors[first].append(second)
    groups = _strongly_connected(names, successors)
    group_of = {name: index for index, members in enumerate(groups) for name in members}
    first_name = [min(members) for members in groups]
    after: list[set[int]] = [set() for _ in groups]
    waiting = [0] * len(groups)
    for first, targets in successors.items():
        for second in targets:
            a, b = group_of[first], group_of[second]
            if a != b and b not in after[a]:
                after[a].add(b)
                waiting[b] += 1
    ready = [(first_name[g], g) for g in range(len(groups)) if waiting[g] == 0]
    heapq.heapify(ready)
    ordered: list[str] = []
    while ready:
        _name, group = heapq.heappop(ready)
        ordered.extend(sorted(groups[group]))
        for later in after[group]:
            waiting[later] -= 1
            if waiting[later] == 0:
                heapq.heappush(ready, (first_name[later], later))
    return ordered


def _strongly_connected(names: Sequence[str], successors: Mapping[str, list[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, without recursion (a long chain of foreign keys)."""
    index_of: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    groups: list[list[str]] = []
    for root in names:
        if root in index_of:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index_of[node] = low[node] = len(index_of)
                stack.append(node)
                on_stack.add(node)
            targets = successors[node]
            while position < len(targets):
                target = targets[position]
                position += 1
                if target not in index_of:
                    work.append((node, position))
                    work.append((target, 0))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index_of[target])
            else:
                if low[node] == index_of[node]:
                    members = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        members.append(member)
                        if member == node:
                            break
                    groups.append(members)
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
    return groups


def parent_first_order(tables: Iterable[Table]) -> list[Table]:
    """Tables in creation order: a parent before the children whose foreign keys point at it,
    alphabetical where the keys leave a choice; a cycle of keys is broken alphabetically."""
    by_key = {key(t.name): t for t in tables}
    edges = [
        (key(fk.ref_table), name)
        for name, table in sorted(by_key.items())
        for fk in table.foreign_keys
        if key(fk.ref_table) in by_key and key(fk.ref_table) != name
    ]
    return _creation_order(by_key, edges)


def views_in_order(views: Sequence[View], reads: Mapping[str, set[str]]) -> list[View]:
    """Views in creation order: a view after the views it reads (`reads`: key(view) -> keys read)."""
    by_key = {key(v.name): v for v in views}
    edges = [
        (read, name)
        for name in sorted(by_key)
        for read in sorted(reads.get(name, set()))
        if read in by_key and read != name
    ]
    return _creation_order(by_key, edges)


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
    primary_key: PrimaryKey | None,
    unique: bool,
    checks: Sequence[str],
    foreign_keys: Sequence[ForeignKey],
) -> str:
    parts: list[str] = []
    if primary_key is not None:
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
    """CREATE INDEX from the model, on one line."""
    unique = "UNIQUE " if index.unique else ""
    columns = ", ".join(_index_column_sql(c) for c in index.columns)
    where = f" WHERE {one_line(index.where)}" if index.where else ""
    return f"CREATE {unique}INDEX {quote_name(index.name)} ON {quote_name(index.table)} ({columns}){where};"


def create_virtual_table_sql(vtable: VirtualTable) -> str:
    """CREATE VIRTUAL TABLE from the model: one module argument per line."""
    head = f"CREATE VIRTUAL TABLE {quote_name(vtable.name)} USING {vtable.module}"
    if not vtable.arguments:
        return head + ";"
    arguments = ",\n".join(f"  {one_line(a)}" for a in vtable.arguments)
    return f"{head}(\n{arguments}\n);"


def create_view_sql(view: View) -> str:
    """CREATE VIEW from the model: its SELECT as written."""
    columns = f" ({name_list(view.column_names)})" if view.column_names else ""
    return f"CREATE VIEW {quote_name(view.name)}{columns} AS\n{view.select.strip()};"


def create_trigger_sql(trigger: Trigger) -> str:
    """CREATE TRIGGER from the model: one body statement per line."""
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
