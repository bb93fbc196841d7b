"""How each DDL statement changes the schema model, with SQLite's own refusals.

`plan_change` never mutates: it either refuses (a `Refusal` with the message SQLite would give)
or returns a `Change` that the replay commits once the dev database agrees. The model refuses
only where the catalog alone decides; failures that depend on rows (ADD COLUMN NOT NULL on a
table with rows, a UNIQUE index over duplicates) are the dev database's to report.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from grove_schema.catalog import automatic_indexes
from grove_schema.d1 import ALLOWED_VIRTUAL_TABLE_MODULES, MAX_COLUMNS
from grove_schema.model import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    IndexColumn,
    PrimaryKey,
    Provenance,
    Schema,
    SourceRef,
    Table,
    Trigger,
    UniqueConstraint,
    View,
    VirtualTable,
    affinity,
    key,
)
from grove_schema.records import FrozenRecord, Record, frozen_record
from grove_schema.sql.lexer import Token, TokenKind, significant_tokens
from grove_schema.sql.parsing import (
    AlterTable,
    ColumnDef,
    CreateIndex,
    CreateTable,
    CreateTrigger,
    CreateView,
    CreateVirtualTable,
    DropObject,
    Kind,
    Statement,
)
from grove_schema.sql.quoting import quote_name
from grove_schema.sql.references import column_references, expression_columns, identifiers_in

STRICT_TYPES = {"INT", "INTEGER", "REAL", "TEXT", "BLOB", "ANY"}


@frozen_record()
class Refusal(FrozenRecord):
    """Why the model cannot apply a statement."""

    message: str


@frozen_record()
class Change(FrozenRecord):
    """A planned change; `apply` mutates the schema it is given."""

    apply: Callable[[Schema], None]
    summary: str


NO_CHANGE = Change(lambda schema: None, "no change")

Plan = Change | Refusal
RefAt = Callable[[int], SourceRef]  # file offset -> path:line


def plan_change(schema: Schema, statement: Statement, ref_at: RefAt) -> Plan:
    handler = _HANDLERS.get(statement.kind)
    if handler is None:
        return NO_CHANGE
    return handler(schema, statement, ref_at)


def is_reserved_name(name: str) -> bool:
    return key(name).startswith("sqlite_")


def is_d1_reserved_name(name: str) -> bool:
    return name.startswith("_cf_")  # case-sensitive, as real local D1 checks it


def _name_refusal(schema: Schema, name: str) -> Refusal | None:
    if is_reserved_name(name):
        return Refusal(f"object name reserved for internal use: {name}")
    if is_d1_reserved_name(name):
        return Refusal("not authorized")
    return None


# --- CREATE TABLE ----------------------------------------------------------------------------


def _create_table(schema: Schema, stmt: Statement, ref_at: RefAt) -> Plan:
    assert isinstance(stmt, CreateTable)
    if stmt.temporary:
        return Refusal("not authorized")
    existing = schema.object_kind(stmt.name)
    if existing is not None:
        if stmt.if_not_exists and existing != "index":
            return NO_CHANGE
        if existing == "index":
            return Refusal(f"there is already an index named {stmt.name}")
        return Refusal(f"{'view' if existing == 'view' else 'table'} {stmt.name} already exists")
    refusal = _name_refusal(schema, stmt.name)
    if refusal:
        return refusal
    if stmt.kind is Kind.CREATE_TABLE_AS:
        table_or_refusal = _table_from_select(schema, stmt, ref_at)
    else:
        table_or_refusal = build_table(stmt, ref_at)
    if isinstance(table_or_refusal, Refusal):
        return table_or_refusal
    table = table_or_refusal

    def apply(target: Schema) -> None:
        target.tables[key(table.name)] = table

    return Change(apply, f"create table {table.name}")


@dataclass(eq=False, repr=False)
class _TableConstraints(Record):
    """The keys and CHECKs of a CREATE TABLE, column-level ones first, as the model keeps them."""

    primary_key: PrimaryKey | None = None
    uniques: list[UniqueConstraint] = field(default_factory=list)
    checks: list[CheckConstraint] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)


def build_table(stmt: CreateTable, ref_at: RefAt) -> Table | Refusal:
    """The model of a CREATE TABLE statement, or SQLite's refusal of it."""
    created = Provenance(created=ref_at(stmt.start))
    refusal = _column_list_refusal(stmt)
    if refusal:
        return refusal
    constraints = _TableConstraints()
    refusal = _add_column_constraints(stmt, constraints) or _add_table_constraints(stmt, constraints)
    if refusal:
        return refusal
    primary_key = constraints.primary_key
    if stmt.without_rowid and primary_key is None:
        return Refusal(f"PRIMARY KEY missing on table {stmt.name}")
    columns = _table_columns(stmt, primary_key, ref_at)
    if isinstance(columns, Refusal):
        return columns
    table = Table(
        name=stmt.name,
        columns=tuple(columns),
        primary_key=primary_key,
        uniques=tuple(constraints.uniques),
        checks=tuple(constraints.checks),
        foreign_keys=tuple(constraints.foreign_keys),
        without_rowid=stmt.without_rowid,
        strict=stmt.strict,
        provenance=created,
    )
    if primary_key is not None and primary_key.autoincrement:
        if stmt.without_rowid:
            return Refusal("AUTOINCREMENT not allowed on WITHOUT ROWID tables")
        if table.rowid_alias is None:
            return Refusal("AUTOINCREMENT is only allowed on an INTEGER PRIMARY KEY")
    return table


def _column_list_refusal(stmt: CreateTable) -> Refusal | None:
    """A column named twice, or more columns than D1 allows."""
    seen: set[str] = set()
    for column_def in stmt.columns:
        if key(column_def.name) in seen:
            return Refusal(f"duplicate column name: {column_def.name}")
        seen.add(key(column_def.name))
    if len(stmt.columns) > MAX_COLUMNS:
        return Refusal(f"too many columns on {stmt.name}")
    return None


def _add_column_constraints(stmt: CreateTable, found: _TableConstraints) -> Refusal | None:
    """The PRIMARY KEY, UNIQUE, CHECK and REFERENCES written on the columns."""
    for column_def in stmt.columns:
        if column_def.primary_key:
            if found.primary_key is not None:
                return Refusal(f'table "{stmt.name}" has more than one primary key')
            found.primary_key = PrimaryKey(
                columns=(column_def.name,),
                descending=(column_def.primary_key_desc,),
                autoincrement=column_def.autoincrement,
                column_level=True,
            )
        if column_def.unique:
            found.uniques.append(UniqueConstraint(columns=(column_def.name,), column_level=True))
        for expression in column_def.check:
            found.checks.append(CheckConstraint(expression=expression, column=column_def.name))
        for clause in column_def.references:
            if len(clause.ref_columns) > 1:
                return Refusal(
                    f"foreign key on {column_def.name} should reference only one column of table {clause.ref_table}"
                )
            found.foreign_keys.append(_foreign_key((column_def.name,), clause, None, column_level=True))
    return None


def _add_table_constraints(stmt: CreateTable, found: _TableConstraints) -> Refusal | None:
    """The table-level PRIMARY KEY, UNIQUE, CHECK and FOREIGN KEY constraints."""
    seen = {key(column_def.name) for column_def in stmt.columns}
    for constraint in stmt.constraints:
        for name in constraint.columns:
            if key(name) not in seen:
                if constraint.kind == "foreign key":
                    return Refusal(f'unknown column "{name}" in foreign key definition')
                return Refusal(f"no such column: {name}")
        if constraint.kind == "primary key":
            if found.primary_key is not None:
                return Refusal(f'table "{stmt.name}" has more than one primary key')
            found.primary_key = PrimaryKey(
                columns=constraint.columns,
                descending=constraint.desc,
                name=constraint.name,
                autoincrement=constraint.autoincrement,
            )
        elif constraint.kind == "unique":
            found.uniques.append(UniqueConstraint(columns=constraint.columns, name=constraint.name))
        elif constraint.kind == "check":
            assert constraint.expression is not None
            found.checks.append(CheckConstraint(expression=constraint.expression, name=constraint.name))
        else:
            assert constraint.references is not None
            clause = constraint.references
            if clause.ref_columns and len(clause.ref_columns) != len(constraint.columns):
                return Refusal(
                    "number of columns in foreign key does not match the number of columns in the referenced table"
                )
            found.foreign_keys.append(_foreign_key(constraint.columns, clause, constraint.name))
    return None


def _table_columns(stmt: CreateTable, primary_key: PrimaryKey | None, ref_at: RefAt) -> list[Column] | Refusal:
    """The columns, each with its place in the PRIMARY KEY; a STRICT table refuses unknown types."""
    # A column named twice in the PRIMARY KEY keeps its first place; a WITHOUT ROWID table's key
    # drops the repeats (SQLite's convertToWithoutRowidTable), a rowid table's index keeps them.
    pk_positions: dict[str, int] = {}
    for index, name in enumerate(primary_key.columns if primary_key else ()):
        if key(name) not in pk_positions:
            pk_positions[key(name)] = (len(pk_positions) if stmt.without_rowid else index) + 1
    columns = []
    for column_def in stmt.columns:
        position = pk_positions.get(key(column_def.name), 0)
        if stmt.strict and column_def.generated is None:
            declared = sqlite_type(column_def.type).upper()
            if declared not in STRICT_TYPES:
                shown = column_def.type
                return Refusal(f'unknown datatype for {stmt.name}.{column_def.name}: "{shown}"')
        columns.append(_column(column_def, position, ref_at, not_null_pk=stmt.without_rowid and position > 0))
    return columns


def _foreign_key(columns: tuple[str, ...], clause: object, name: str | None, column_level: bool = False) -> ForeignKey:
    from grove_schema.sql.parsing import ForeignKeyClause

    assert isinstance(clause, ForeignKeyClause)
    return ForeignKey(
        columns=columns,
        ref_table=clause.ref_table,
        ref_columns=clause.ref_columns,
        on_delete=clause.on_delete,
        on_update=clause.on_update,
        match=clause.match,
        deferrable=clause.deferrable,
        name=name,
        column_level=column_level,
    )


def _column(column_def: ColumnDef, pk_position: int, ref_at: RefAt, not_null_pk: bool = False) -> Column:
    hidden = {"virtual": 2, "stored": 3}.get(column_def.generated or "", 0)
    return Column(
        name=column_def.name,
        type=sqlite_type(column_def.type),
        not_null=column_def.not_null or not_null_pk,
        default=column_def.default,
        primary_key=pk_position,
        collation=column_def.collation,
        generated=column_def.generated,
        generated_expr=column_def.generated_expr,
        hidden=hidden,
        unique=column_def.unique,
        checks=column_def.check,
        definition=column_def.after_name,
        provenance=Provenance(created=ref_at(column_def.start)),
    )


def sqlite_type(declared: str) -> str:
    """A declared type as SQLite keeps it: a quoted type is dequoted ("integer" -> integer), so it
    is a standard type, or an INTEGER PRIMARY KEY, as if written bare."""
    if declared[:1] not in ('"', "'", "`", "["):
        return declared
    quote = "]" if declared[0] == "[" else declared[0]
    body, _, _ = declared[1:].replace(quote * 2, "\0").partition(quote)
    return body.replace("\0", quote)


# The declared type CREATE TABLE ... AS SELECT gives a column, by the source column's affinity.
_DECLARED_TYPE_OF_AFFINITY = {"INTEGER": "INT", "TEXT": "TEXT", "BLOB": "", "REAL": "REAL", "NUMERIC": "NUM"}


def _affinity_type(declared: str) -> str:
    return _DECLARED_TYPE_OF_AFFINITY[affinity(declared)]


def _table_from_select(schema: Schema, stmt: CreateTable, ref_at: RefAt) -> Table | Refusal:
    assert stmt.as_select is not None
    names = _select_columns(schema, stmt.as_select)
    if isinstance(names, Refusal):
        return names
    created = Provenance(created=ref_at(stmt.start))
    columns = [Column(name=name, type=declared, definition=declared, provenance=created) for name, declared in names]
    return Table(name=stmt.name, columns=tuple(columns), provenance=created)


_MAX_VIEW_DEPTH = 20


def _select_columns(schema: Schema, select: str, depth: int = 0) -> list[tuple[str, str]] | Refusal:
    """The (name, CREATE TABLE ... AS type) columns of a plain SELECT, named as SQLite names them."""
    from sqlglot import exp

    from grove_schema.sql.parsing import parse_with_sqlglot

    tree = parse_with_sqlglot(select)
    if not isinstance(tree, exp.Select):
        return Refusal("CREATE TABLE ... AS with anything but a plain SELECT is not modelled")
    sources: dict[str, Table] = {}
    for table_node in tree.find_all(exp.Table):
        source = _select_source(schema, table_node.name, depth)
        if isinstance(source, Refusal):
            return source
        if source is not None:
            sources[key(table_node.alias_or_name)] = source
            sources[key(table_node.name)] = source
    names: list[tuple[str, str]] = []
    for projection in tree.expressions:
        if isinstance(projection, exp.Star) or (
            isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star)
        ):
            qualifier = projection.table if isinstance(projection, exp.Column) else ""
            if qualifier and key(qualifier) not in sources:
                return Refusal(f"no such table: {qualifier}")
            pool = [sources[key(qualifier)]] if qualifier else list({id(t): t for t in sources.values()}.values())
            for source in pool:
                names.extend((c.name, _affinity_type(c.type)) for c in source.columns if c.hidden == 0)
            continue
        inner = projection.this if isinstance(projection, exp.Alias) else projection
        declared = ""
        resolved: str | None = None  # the column's name as its table declares it
        if isinstance(inner, exp.Column):
            owner = sources.get(key(inner.table)) if inner.table else None
            candidates = [owner] if owner else list(sources.values())
            for source in candidates:
                column = source.column(inner.name) if source else None
                if column is not None:
                    declared = _affinity_type(column.type)
                    resolved = column.name
                    break
        if isinstance(projection, exp.Alias):
            name = projection.alias
        elif isinstance(inner, exp.Column):
            # SQLite names an unaliased column reference after the column, not the spelling: A -> a.
            name = resolved if resolved is not None else inner.name
            if resolved is None and not inner.table and inner.this.args.get("quoted"):
                # "x" naming no column is the string 'x' (SQLite's double-quoted string
                # misfeature), and an expression column is named by its text: "x", quotes and all.
                name = quote_name(inner.name, always=True)
        else:
            return Refusal("CREATE TABLE ... AS with an unnamed expression column is not modelled")
        names.append((name, declared))
    columns: list[tuple[str, str]] = []
    used: set[str] = set()
    for name, declared in names:
        unique_name = name
        counter = 1
        while key(unique_name) in used:  # SQLite appends ":1", ":2" ... to repeated names
            unique_name = f"{name}:{counter}"
            counter += 1
        used.add(key(unique_name))
        columns.append((unique_name, declared))
    return columns


def _select_source(schema: Schema, name: str, depth: int) -> Table | Refusal | None:
    """What a SELECT's FROM names, as a table: a view's or a virtual table's columns."""
    table = schema.table(name)
    if table is not None:
        return table
    view = schema.views.get(key(name))
    if view is not None:
        if depth >= _MAX_VIEW_DEPTH:
            return Refusal(f"view {view.name} nests too deep to model")
        view_columns = _select_columns(schema, view.select, depth + 1)
        if isinstance(view_columns, Refusal):
            return view_columns
        if view.column_names:  # CREATE VIEW v(x, y): the list renames the columns by position
            view_columns = [(n, t) for n, (_, t) in zip(view.column_names, view_columns, strict=False)]
        return Table(
            name=view.name,
            columns=tuple(Column(name=n, type=t, provenance=view.provenance) for n, t in view_columns),
            provenance=view.provenance,
        )
    vtable = schema.virtual_tables.get(key(name))
    if vtable is not None:
        return Table(
            name=vtable.name,
            columns=tuple(Column(name=n, provenance=vtable.provenance) for n in vtable.column_names),
            provenance=vtable.provenance,
        )
    return None


# --- CREATE VIRTUAL TABLE ----------------------------------------------------------------------


def _create_virtual_table(schema: Schema, stmt: Statement, ref_at: RefAt) -> Plan:
    assert isinstance(stmt, CreateVirtualTable)
    existing = schema.object_kind(stmt.name)
    if existing is not None:
        if stmt.if_not_exists:
            return NO_CHANGE
        return Refusal(f"table {stmt.name} already exists")
    refusal = _name_refusal(schema, stmt.name)
    if refusal:
        return refusal
    if stmt.module.lower() not in ALLOWED_VIRTUAL_TABLE_MODULES:
        return Refusal("not authorized")
    vtable = VirtualTable(
        name=stmt.name,
        module=stmt.module,
        arguments=stmt.arguments,
        provenance=Provenance(created=ref_at(stmt.start)),
    )

    def apply(target: Schema) -> None:
        target.virtual_tables[key(vtable.name)] = vtable

    return Change(apply, f"create virtual table {vtable.name}")


# --- ALTER TABLE -------------------------------------------------------------------------------


def _altered_table(schema: Schema, name: str, action: str) -> Table | Refusal:
    k = key(name)
    if is_reserved_name(name):
        return Refusal(f"table {name} may not be altered")
    if k in schema.views:
        if action == "add":
            return Refusal("Cannot add a column to a view")
        if action == "drop":
            return Refusal(f'cannot drop column from view "{name}"')
        if action == "rename column":
            return Refusal(f'cannot rename columns of view "{name}"')
        return Refusal(f"view {name} may not be altered")
    if k in schema.virtual_tables:
        return Refusal("virtual tables may not be altered")
    table = schema.tables.get(k)
    if table is None:
        return Refusal(f"no such table: {name}")
    return table


def _add_column(schema: Schema, stmt: Statement, ref_at: RefAt) -> Plan:
    assert isinstance(stmt, AlterTable) and stmt.column is not None
    table = _altered_table(schema, stmt.table, "add")
    if isinstance(table, Refusal):
        return table
    column_def = stmt.column
    if table.column(column_def.name) is not None:
        return Refusal(f"duplicate column name: {column_def.name}")
    if column_def.primary_key:
        return Refusal("Cannot add a PRIMARY KEY column")
    if column_def.unique:
        return Refusal("Cannot add a UNIQUE column")
    if len(table.columns) >= MAX_COLUMNS:
        return Refusal(f"too many columns on {table.name}")
    for clause in column_def.references:
        if len(clause.ref_columns) > 1:
            return Refusal(
                f"foreign key on {column_def.name} should reference only one column of table {clause.ref_table}"
            )
    if table.strict and column_def.generated is None and sqlite_type(column_def.type).upper() not in STRICT_TYPES:
        return Refusal(f'unknown datatype for {table.name}.{column_def.name}: "{column_def.type}"')
    ref = ref_at(stmt.start)
    column = _column(column_def, 0, lambda _offset: ref)
    checks = tuple(CheckConstraint(expression=e, column=column.name) for e in column_def.check)
    fks = tuple(_foreign_key((column.name,), clause, None, column_level=True) for clause in column_def.references)

    def apply(target: Schema) -> None:
        current = target.tables[key(table.name)]
        target.tables[key(table.name)] = current.model_copy(
            update={
                "columns": (*current.columns, column),
                "checks": (*current.checks, *checks),
                "foreign_keys": (*current.foreign_keys, *fks),
                "provenance": current.provenance.with_change(ref),
            }
        )
        # An index term "x" was the string 'x' while the table had no column x (SQLite's
        # double-quoted string misfeature). ALTER TABLE reloads the schema, and the reparsed
        # term now names the new column.
        for index in target.indexes_of(table.name):
            index_key = key(index.name)
            terms = []
            for term in index.columns:
                named = _quoted_name(term.expression) if term.expression is not None else None
                if named is not None and key(named) == key(column.name):
                    term = term.model_copy(update={"name": named, "expression": None})
                terms.append(term)
            if tuple(terms) != index.columns:
                target.indexes[index_key] = index.model_copy(update={"columns": tuple(terms)})

    return Change(apply, f"add column {table.name}.{column.name}")


def _quoted_name(expression: str) -> str | None:
    """The name in an expression that is a lone double-quoted identifier ("x"), else None."""
    tokens = significant_tokens(expression)
    if len(tokens) == 1 and tokens[0].kind is TokenKind.QUOTED and tokens[0].text.startswith('"'):
        return tokens[0].identifier
    return None


def rename_identifier(sql: str, old: str, new: str, skip: Sequence[tuple[int, int]] = ()) -> str:
    """Replace every name token spelling `old` with `new`, as SQLite's rename rewrites the text,
    except inside the `skip` ranges of offsets.

    A name right after AS is an alias (`SELECT b AS a`, `FROM t AS a`), which SQLite leaves alone."""
    wanted = key(old)
    if wanted.isascii() and not any(quote in wanted for quote in '"`]') and wanted not in sql.lower():
        # Every token spelling such a name holds it as written, in some case: none here.
        return sql
    pieces = []
    last = 0
    previous: Token | None = None
    for token in significant_tokens(sql):
        after_as = previous is not None and previous.is_word("AS")
        previous = token
        skipped = any(start <= token.start < end for start, end in skip)
        if (
            token.kind in (TokenKind.WORD, TokenKind.QUOTED)
            and key(token.identifier) == wanted
            and not after_as
            and not skipped
        ):
            pieces.append(sql[last : token.start])
            pieces.append(quote_name(new, always=token.kind is TokenKind.QUOTED))
            last = token.end
    if not pieces:
        return sql
    pieces.append(sql[last:])
    return "".join(pieces)


def fix_double_quoted_strings(target: Schema) -> None:
    """What SQLite does to the schema before any rename (sqlite_rename_quotefix): a double-quoted
    word in a CHECK that names no column of its table is the string it reads, and is rewritten
    as one ('b'), so that a later column of that name does not capture it."""
    for table_key, table in list(target.tables.items()):
        if not any('"' in c.expression for c in table.checks):
            continue  # nothing double-quoted to fix
        columns = {key(c.name) for c in table.columns}
        checks = tuple(c.model_copy(update={"expression": _quote_fixed(c.expression, columns)}) for c in table.checks)
        if checks != table.checks:
            target.tables[table_key] = table.model_copy(update={"checks": checks})


def _quote_fixed(sql: str, columns: set[str]) -> str:
    if '"' not in sql:
        return sql  # no double-quoted word
    pieces, last = [], 0
    for token in significant_tokens(sql):
        if token.kind is TokenKind.QUOTED and token.text.startswith('"') and key(token.identifier) not in columns:
            pieces += [sql[last : token.start], "'" + token.identifier.replace("'", "''") + "'"]
            last = token.end
    return "".join(pieces) + sql[last:] if pieces else sql


def _drop_column(schema: Schema, stmt: Statement, ref_at: RefAt) -> Plan:
    assert isinstance(stmt, AlterTable)
    table = _altered_table(schema, stmt.table, "drop")
    if isinstance(table, Refusal):
        return table
    column = table.column(stmt.column_name)
    if column is None:
        return Refusal(f'no such column: "{stmt.column_name}"')
    k = key(column.name)
    if column.primary_key:
        return Refusal(f'cannot drop PRIMARY KEY column: "{column.name}"')
    if column.unique:
        return Refusal(f'cannot drop UNIQUE column: "{column.name}"')
    if len(table.columns) == 1:
        return Refusal(f'cannot drop column "{column.name}": no other columns exist')
    for index in schema.indexes_of(table.name):
        if any(
            (c.name is not None and key(c.name) == k) or (c.expression and k in expression_columns(c.expression))
            for c in index.columns
        ) or (index.where and k in expression_columns(index.where)):
            return Refusal(f"error in index {index.name} after drop column: no such column: {column.name}")
    table_error = f"error in table {table.name} after drop column: no such column: {column.name}"
    for unique in table.uniques:
        if not unique.column_level and k in {key(c) for c in unique.columns}:
            return Refusal(table_error)
    for fk in table.foreign_keys:
        if not fk.column_level and k in {key(c) for c in fk.columns}:
            return Refusal(
                f"error in table {table.name} after drop column: "
                f'unknown column "{column.name}" in foreign key definition'
            )
    for check in table.checks:
        if (check.column is None or key(check.column) != k) and k in expression_columns(check.expression):
            return Refusal(table_error)
    for other in table.columns:
        if other is not column and other.generated_expr and k in expression_columns(other.generated_expr):
            return Refusal(table_error)
    ref = ref_at(stmt.start)

    def apply(target: Schema) -> None:
        current = target.tables[key(table.name)]
        target.tables[key(table.name)] = current.model_copy(
            update={
                "columns": tuple(c for c in current.columns if key(c.name) != k),
                "checks": tuple(c for c in current.checks if c.column is None or key(c.column) != k),
                "foreign_keys": tuple(
                    f for f in current.foreign_keys if not (f.column_level and key(f.columns[0]) == k)
                ),
                "provenance": current.provenance.with_change(ref),
            }
        )

    return Change(apply, f"drop column {table.name}.{column.name}")


def _rename_names(names: tuple[str, ...], old: str, new: str) -> tuple[str, ...]:
    k = key(old)
    return tuple(new if key(n) == k else n for n in names)


def _rename_column(schema: Schema, stmt: Statement, ref_at: RefAt) -> Plan:
    assert isinstance(stmt, AlterTable)
    table = _altered_table(schema, stmt.table, "rename column")
    if isinstance(table, Refusal):
        return table
    column = table.column(stmt.column_name)
    if column is None:
        return Refusal(f'no such column: "{stmt.column_name}"')
    if table.column(stmt.new_name) is not None and key(stmt.new_name) != key(column.name):
        return Refusal(f"duplicate column name: {stmt.new_name}")
    old, new = column.name, stmt.new_name
    ref = ref_at(stmt.start)
    table_key = key(table.name)

    def apply(target: Schema) -> None:
        # SQLite rewrites every place the schema names the column: the table itself, the children's
        # foreign keys, and the table's indexes, triggers and the views that mention it.
        fix_double_quoted_strings(target)
        before = target.snapshot()  # names in trigger bodies resolve against the schema before
        target.tables[table_key] = _table_with_column_renamed(target.tables[table_key], old, new, ref)
        _rename_referenced_column(target, table_key, old, new)
        _rename_column_in_indexes(target, table_key, old, new, ref)
        _rename_column_in_triggers(target, before, table_key, old, new, ref)
        _rename_column_in_views(target, before, table_key, old, new, ref)

    return Change(apply, f"rename column {table.name}.{old} to {new}")


def _table_with_column_renamed(current: Table, old: str, new: str, ref: SourceRef) -> Table:
    """The table with column `old` named `new` in its columns' text, its keys and its CHECKs."""
    table_key = key(current.name)
    columns = []
    for c in current.columns:
        update: dict[str, object] = {
            "definition": rename_identifier(c.definition, old, new),
            "checks": tuple(rename_identifier(e, old, new) for e in c.checks),
        }
        if c.generated_expr:
            update["generated_expr"] = rename_identifier(c.generated_expr, old, new)
        if key(c.name) == key(old):
            update["name"] = new
            update["provenance"] = c.provenance.with_change(ref)
        columns.append(c.model_copy(update=update))
    pk = current.primary_key
    if pk is not None:
        pk = pk.model_copy(update={"columns": _rename_names(pk.columns, old, new)})
    self_fks = []
    for fk in current.foreign_keys:
        update = {"columns": _rename_names(fk.columns, old, new)}
        if key(fk.ref_table) == table_key:
            update["ref_columns"] = _rename_names(fk.ref_columns, old, new)
        self_fks.append(fk.model_copy(update=update))
    return current.model_copy(
        update={
            "columns": tuple(columns),
            "primary_key": pk,
            "uniques": tuple(
                u.model_copy(update={"columns": _rename_names(u.columns, old, new)}) for u in current.uniques
            ),
            "checks": tuple(
                c.model_copy(
                    update={
                        "expression": rename_identifier(c.expression, old, new),
                        "column": new if c.column and key(c.column) == key(old) else c.column,
                    }
                )
                for c in current.checks
            ),
            "foreign_keys": tuple(self_fks),
            "provenance": current.provenance.with_change(ref),
        }
    )


def _rename_referenced_column(target: Schema, table_key: str, old: str, new: str) -> None:
    """Children's foreign keys name the parent's columns: SQLite rewrites them."""
    for child_key, child in list(target.tables.items()):
        if child_key == table_key:
            continue
        if any(key(fk.ref_table) == table_key for fk in child.foreign_keys):
            target.tables[child_key] = child.model_copy(
                update={
                    "foreign_keys": tuple(
                        fk.model_copy(update={"ref_columns": _rename_names(fk.ref_columns, old, new)})
                        if key(fk.ref_table) == table_key
                        else fk
                        for fk in child.foreign_keys
                    )
                }
            )


def _rename_column_in_indexes(target: Schema, table_key: str, old: str, new: str, ref: SourceRef) -> None:
    for index_key, index in list(target.indexes.items()):
        if key(index.table) != table_key:
            continue
        target.indexes[index_key] = index.model_copy(
            update={
                "columns": tuple(
                    c.model_copy(
                        update={
                            "name": new if c.name and key(c.name) == key(old) else c.name,
                            "expression": rename_identifier(c.expression, old, new) if c.expression else None,
                        }
                    )
                    for c in index.columns
                ),
                "where": rename_identifier(index.where, old, new) if index.where else None,
                "provenance": index.provenance.with_change(ref),
            }
        )


def _rename_column_in_triggers(
    target: Schema, before: Schema, table_key: str, old: str, new: str, ref: SourceRef
) -> None:
    """SQLite renames the column where it resolves to the table: in the table's own triggers
    (NEW.c, OLD.c, UPDATE OF c, the body) and in any trigger whose body uses the table's column
    (`INSERT INTO t (c)` in a trigger on another table); never another table's column of the
    same name (`INSERT INTO other (c)` in the table's own trigger)."""
    for trigger_key, trigger in list(target.triggers.items()):
        on_table = key(trigger.table) == table_key
        body = tuple(
            _rename_column_in_statement(s, before, trigger.table, table_key, old, new, on_table) for s in trigger.body
        )
        if not on_table and body == trigger.body:
            continue
        update = {"body": body, "provenance": trigger.provenance.with_change(ref)}
        if on_table:
            update["update_columns"] = _rename_names(trigger.update_columns, old, new)
            update["when"] = rename_identifier(trigger.when, old, new) if trigger.when else None
        target.triggers[trigger_key] = trigger.model_copy(update=update)


def _rename_column_in_statement(
    sql: str, before: Schema, trigger_table: str, table_key: str, old: str, new: str, on_table: bool
) -> str:
    """One trigger body statement with the column renamed where it resolves to the table."""
    uses = column_references(sql, before, trigger_table)
    if uses is None:  # sqlglot cannot read it: the table's own triggers are renamed by name
        return rename_identifier(sql, old, new) if on_table else sql
    if (table_key, key(old)) not in uses:
        return sql
    return rename_identifier(sql, old, new, skip=_names_of_other_tables(sql, before, table_key, on_table))


def _names_of_other_tables(sql: str, before: Schema, table_key: str, on_table: bool) -> list[tuple[int, int]]:
    """The offsets of names that cannot be the table's column: `(a, b)` in `INSERT INTO other
    (a, b)`, `other.a` for another table, and `NEW.a` / `OLD.a` in a trigger on another table."""
    tokens = significant_tokens(sql)
    others = {k for k in (*before.tables, *before.views) if k != table_key}
    if not on_table:
        others |= {"new", "old"}
    ranges = []
    for index in range(len(tokens) - 2):
        first, second, third = tokens[index : index + 3]
        if first.is_word("INTO") and third.is_punct("(") and key(second.identifier) != table_key:
            closing = next((t for t in tokens[index + 3 :] if t.is_punct(")")), None)
            ranges.append((third.start, closing.end if closing is not None else len(sql)))
        elif (
            first.kind in (TokenKind.WORD, TokenKind.QUOTED)
            and second.is_punct(".")
            and key(first.identifier) in others
        ):
            ranges.append((third.start, third.end))
    return ranges


def _rename_column_in_views(target: Schema, before: Schema, table_key: str, old: str, new: str, ref: SourceRef) -> None:
    """Views whose text mentions the table have the column renamed in their SELECT, where it can
    be the table's (not `other.c` of another table)."""
    for view_key, view in list(target.views.items()):
        if table_key not in identifiers_in(view.select):
            continue
        uses = column_references(view.select, before)
        if uses is not None and (table_key, key(old)) not in uses:
            continue
        skip = _names_of_other_tables(view.select, before, table_key, on_table=True)
        select = rename_identifier(view.select, old, new, skip=skip)
        if select != view.select:
            target.views[view_key] = view.model_copy(
                update={"select": select, "provenance": view.provenance.with_change(ref)}
            )


def _rename_table(schema: Schema, stmt: Statement, ref_at: RefAt) -> Plan:
    assert isinstance(stmt, AlterTable)
    old_key = key(stmt.table)
    is_virtual = old_key in schema.virtual_tables
    if not is_virtual:
        table = _altered_table(schema, stmt.table, "rename")
        if isinstance(table, Refusal):
            return table
    new = stmt.new_name
    # Even its own name in another case: SQLite refuses `RENAME TO T` for table t.
    if schema.object_kind(new) is not None:
        return Refusal(f"there is already another table or index with this name: {new}")
    if is_reserved_name(new):
        return Refusal(f"object name reserved for internal use: {new}")
    # D1's authorizer checks the table renamed, not the new name: `RENAME TO _cf_x` passes.
    ref = ref_at(stmt.start)
    old_name = stmt.table

    def apply(target: Schema) -> None:
        fix_double_quoted_strings(target)
        new_key = key(new)
        if is_virtual:
            vtable = target.virtual_tables.pop(old_key)
            target.virtual_tables[new_key] = vtable.model_copy(
                update={"name": new, "provenance": vtable.provenance.with_change(ref)}
            )
        else:
            current = target.tables.pop(old_key)
            target.tables[new_key] = current.model_copy(
                update={
                    "name": new,
                    "foreign_keys": tuple(
                        fk.model_copy(update={"ref_table": new}) if key(fk.ref_table) == old_key else fk
                        for fk in current.foreign_keys
                    ),
                    "provenance": current.provenance.with_change(ref),
                }
            )
        for child_key, child in list(target.tables.items()):
            if child_key == new_key:
                continue
            if any(key(fk.ref_table) == old_key for fk in child.foreign_keys):
                target.tables[child_key] = child.model_copy(
                    update={
                        "foreign_keys": tuple(
                            fk.model_copy(update={"ref_table": new}) if key(fk.ref_table) == old_key else fk
                            for fk in child.foreign_keys
                        ),
                    }
                )
        for index_key, index in list(target.indexes.items()):
            if key(index.table) == old_key:
                target.indexes[index_key] = index.model_copy(update={"table": new})
        for trigger_key, trigger in list(target.triggers.items()):
            touches = key(trigger.table) == old_key
            mentions = any(old_key in identifiers_in(s) for s in trigger.body)
            if touches or mentions:
                target.triggers[trigger_key] = trigger.model_copy(
                    update={
                        "table": new if touches else trigger.table,
                        "body": tuple(rename_identifier(s, old_name, new) for s in trigger.body),
                        "when": rename_identifier(trigger.when, old_name, new) if trigger.when else None,
                    }
                )
        for view_key, view in list(target.views.items()):
            if old_key in identifiers_in(view.select):
                target.views[view_key] = view.model_copy(
                    update={"select": rename_identifier(view.select, old_name, new)}
                )

    return Change(apply, f"rename table {old_name} to {new}")


# --- DROP --------------------------------------------------------------------------------------


def _drop_table(schema: Schema, stmt: Statement, ref_at: RefAt) -> Plan:
    assert isinstance(stmt, DropObject)
    k = key(stmt.name)
    if k in schema.views:
        return Refusal(f"use DROP VIEW to delete view {stmt.name}")
    if is_reserved_name(stmt.name):
        return Refusal(f"table {stmt.name} may not be dropped")
    if k not in schema.tables and k not in schema.virtual_tables:
        return NO_CHANGE if stmt.if_exists else Refusal(f"no such table: {stmt.name}")

    def apply(target: Schema) -> None:
        target.tables.pop(k, None)
        target.virtual_tables.pop(k, None)
        for index_key in [i for i, index in target.indexes.items() if key(index.table) == k]:
            del target.indexes[index_key]
        for trigger_key in [t for t, trigger in target.triggers.items() if key(trigger.table) == k]:
            del target.triggers[trigger_key]

    return Change(apply, f"drop table {stmt.name}")


def _drop_index(schema: Schema, stmt: Statement, ref_at: RefAt) -> Plan:
    assert isinstance(stmt, DropObject)
    k = key(stmt.name)
    if k not in schema.indexes:
        if _is_automatic_index(schema, stmt.name):
            return Refusal("index associated with UNIQUE or PRIMARY KEY constraint cannot be dropped")
        return NO_CHANGE if stmt.if_exists else Refusal(f"no such index: {stmt.name}")

    def apply(target: Schema) -> None:
        target.indexes.pop(k, None)

    return Change(apply, f"drop index {stmt.name}")


def _is_automatic_index(schema: Schema, name: str) -> bool:
    """Whether `name` is one of the sqlite_autoindex_<table>_<n> indexes (n = 1, 2, ...) SQLite
    built for a table's PRIMARY KEY and UNIQUEs; any other such name names no index."""
    prefix = "sqlite_autoindex_"
    k = key(name)
    if not k.startswith(prefix):
        return False
    table_name, _, number = k[len(prefix) :].rpartition("_")
    table = schema.tables.get(table_name)
    return table is not None and number in {str(n) for n in range(1, len(automatic_indexes(table)) + 1)}


def _drop_view(schema: Schema, stmt: Statement, ref_at: RefAt) -> Plan:
    assert isinstance(stmt, DropObject)
    k = key(stmt.name)
    if k in schema.tables or k in schema.virtual_tables:
        return Refusal(f"use DROP TABLE to delete table {stmt.name}")
    if k not in schema.views:
        return NO_CHANGE if stmt.if_exists else Refusal(f"no such view: {stmt.name}")

    def apply(target: Schema) -> None:
        target.views.pop(k, None)

    return Change(apply, f"drop view {stmt.name}")


def _drop_trigger(schema: Schema, stmt: Statement, ref_at: RefAt) -> Plan:
    assert isinstance(stmt, DropObject)
    k = key(stmt.name)
    if k not in schema.triggers:
        return NO_CHANGE if stmt.if_exists else Refusal(f"no such trigger: {stmt.name}")

    def apply(target: Schema) -> None:
        target.triggers.pop(k, None)

    return Change(apply, f"drop trigger {stmt.name}")


# --- CREATE INDEX / VIEW / TRIGGER ------------------------------------------------------------


def _create_index(schema: Schema, stmt: Statement, ref_at: RefAt) -> Plan:
    assert isinstance(stmt, CreateIndex)
    k = key(stmt.name)
    if k in schema.indexes:
        return NO_CHANGE if stmt.if_not_exists else Refusal(f"index {stmt.name} already exists")
    if schema.object_kind(stmt.name) is not None:
        return Refusal(f"there is already a table named {stmt.name}")
    refusal = _name_refusal(schema, stmt.name)
    if refusal:
        return refusal
    table_key = key(stmt.table)
    if table_key in schema.views:
        return Refusal("views may not be indexed")
    if table_key in schema.virtual_tables:
        return Refusal("virtual tables may not be indexed")
    table = schema.tables.get(table_key)
    if table is None:
        return Refusal(f"no such table: main.{stmt.table}")
    if is_reserved_name(table.name):
        return Refusal(f"table {table.name} may not be indexed")
    columns = []
    for c in stmt.columns:
        name, expression = c.name, c.expression
        if name is not None and table.column(name) is None:  # rowid too: SQLite cannot index it
            if c.quote != '"':
                return Refusal(f"no such column: {name}")
            # SQLite's double-quoted string misfeature: "x" naming no column is the string 'x'.
            expression = quote_name(name, always=True)
            name = None
        columns.append(IndexColumn(name=name, expression=expression, descending=c.desc, collation=c.collation))
    index = Index(
        name=stmt.name,
        table=table.name,
        unique=stmt.unique,
        columns=tuple(columns),
        where=stmt.where,
        provenance=Provenance(created=ref_at(stmt.start)),
    )

    def apply(target: Schema) -> None:
        target.indexes[k] = index

    return Change(apply, f"create index {stmt.name}")


def _create_view(schema: Schema, stmt: Statement, ref_at: RefAt) -> Plan:
    assert isinstance(stmt, CreateView)
    if stmt.temporary:
        return Refusal("not authorized")
    existing = schema.object_kind(stmt.name)
    if existing is not None:
        if stmt.if_not_exists:
            return NO_CHANGE
        if existing == "index":
            return Refusal(f"there is already an index named {stmt.name}")
        return Refusal(f"{'view' if existing == 'view' else 'table'} {stmt.name} already exists")
    refusal = _name_refusal(schema, stmt.name)
    if refusal:
        return refusal
    view = View(
        name=stmt.name,
        select=stmt.select,
        column_names=stmt.column_names,
        provenance=Provenance(created=ref_at(stmt.start)),
    )

    def apply(target: Schema) -> None:
        target.views[key(view.name)] = view

    return Change(apply, f"create view {view.name}")


def _create_trigger(schema: Schema, stmt: Statement, ref_at: RefAt) -> Plan:
    assert isinstance(stmt, CreateTrigger)
    if stmt.temporary:
        return Refusal("not authorized")
    k = key(stmt.name)
    if k in schema.triggers:
        return NO_CHANGE if stmt.if_not_exists else Refusal(f"trigger {stmt.name} already exists")
    if is_d1_reserved_name(stmt.name):
        return Refusal("not authorized")
    table_key = key(stmt.table)
    if is_reserved_name(stmt.table):
        return Refusal("cannot create trigger on system table")
    if table_key in schema.virtual_tables:
        return Refusal("cannot create triggers on virtual tables")
    if table_key in schema.views:
        if stmt.timing != "INSTEAD OF":
            return Refusal(f"cannot create {stmt.timing} trigger on view: main.{stmt.table}")
        target_name = schema.views[table_key].name
    elif table_key in schema.tables:
        if stmt.timing == "INSTEAD OF":
            return Refusal(f"cannot create INSTEAD OF trigger on table: {stmt.table}")
        target_name = schema.tables[table_key].name
    else:
        return Refusal(f"no such table: main.{stmt.table}")
    trigger = Trigger(
        name=stmt.name,
        table=target_name,
        timing=stmt.timing,
        event=stmt.event,
        update_columns=stmt.update_columns,
        for_each_row=stmt.for_each_row,
        when=stmt.when,
        body=stmt.body,
        provenance=Provenance(created=ref_at(stmt.start)),
    )

    def apply(target: Schema) -> None:
        target.triggers[k] = trigger

    return Change(apply, f"create trigger {trigger.name}")


_HANDLERS: dict[Kind, Callable[[Schema, Statement, RefAt], Plan]] = {
    Kind.CREATE_TABLE: _create_table,
    Kind.CREATE_TABLE_AS: _create_table,
    Kind.CREATE_VIRTUAL_TABLE: _create_virtual_table,
    Kind.ADD_COLUMN: _add_column,
    Kind.DROP_COLUMN: _drop_column,
    Kind.RENAME_COLUMN: _rename_column,
    Kind.RENAME_TABLE: _rename_table,
    Kind.DROP_TABLE: _drop_table,
    Kind.CREATE_INDEX: _create_index,
    Kind.DROP_INDEX: _drop_index,
    Kind.CREATE_VIEW: _create_view,
    Kind.DROP_VIEW: _drop_view,
    Kind.CREATE_TRIGGER: _create_trigger,
    Kind.DROP_TRIGGER: _drop_trigger,
}
