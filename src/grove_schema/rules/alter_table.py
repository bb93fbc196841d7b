"""ALTER TABLE rules: what SQLite's DROP COLUMN and ADD COLUMN refuse, judged on the schema model.

Most ADD COLUMN refusals depend on rows: SQLite checks them only when the table is not empty, so a
replay on empty tables passes while production, where the tables have rows, fails. These rules
judge the statement itself and never wait for the dev database to fail.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from grove_schema.findings import Severity
from grove_schema.model import Schema, Table, key
from grove_schema.rules.base import Rule, RuleContext, Violation
from grove_schema.schema_changes import identifiers_in, quote_identifier
from grove_schema.sql.lexer import Token, TokenKind, tokenize
from grove_schema.sql.parsing import AlterTable, ColumnDef, Kind, parse_with_sqlglot

if TYPE_CHECKING:
    from sqlglot import exp

# --- column references, resolved the way SQLite resolves them ------------------------------------

_UPDATE_OR = re.compile(r"^\s*UPDATE\s+OR\s+(?:ROLLBACK|ABORT|REPLACE|FAIL|IGNORE)\b", re.IGNORECASE)
_INSERT_OR = re.compile(r"^\s*(?:INSERT\s+OR\s+(?:ROLLBACK|ABORT|FAIL|IGNORE)|REPLACE)\b", re.IGNORECASE)


@dataclass(frozen=True)
class _Source:
    """What a name in a FROM clause stands for: a table of the model, or something whose columns
    are not a table's (a subquery, a CTE, a view, a virtual table); `names` None: unknown."""

    table: str | None  # key of a model table
    names: frozenset[str] | None = None


def column_references(sql: str, schema: Schema, trigger_table: str | None = None) -> set[tuple[str, str]] | None:
    """The (table key, column key) pairs a SELECT or DML statement reads or writes, or None when
    sqlglot cannot parse it.

    Names resolve scope by scope as SQLite resolves them: a qualified name through the aliases of
    its own SELECT and then the enclosing ones; an unqualified name to the tables of the innermost
    SELECT that have such a column, then outwards (correlated subqueries). So a view that reads a
    same-named column of another table, or a subquery's own column, is not a use. In a trigger,
    `new.x` and `old.x` are columns of `trigger_table`. `SELECT *` names no column: it survives
    a DROP COLUMN."""
    from sqlglot import exp

    text = _UPDATE_OR.sub("UPDATE", sql, count=1)
    text = _INSERT_OR.sub("INSERT", text, count=1)
    tree = parse_with_sqlglot(text)
    if tree is None:
        return None
    ctes: dict[str, frozenset[str] | None] = {}
    for cte in tree.find_all(exp.CTE):
        ctes[key(cte.alias_or_name)] = _output_names(cte.this)
    found: set[tuple[str, str]] = set()
    scope_sources: dict[int, dict[str, _Source]] = {}

    def sources_of(node: exp.Expression) -> dict[str, _Source]:
        cached = scope_sources.get(id(node))
        if cached is None:
            cached = _scope_sources(node, schema, ctes)
            scope_sources[id(node)] = cached
        return cached

    pseudo: dict[str, _Source] = {}
    if trigger_table is not None:
        pseudo = {"new": _Source(key(trigger_table)), "old": _Source(key(trigger_table))}

    for node in tree.find_all(exp.Insert):
        target = node.this
        if isinstance(target, exp.Schema) and isinstance(target.this, exp.Table):
            table = schema.table(target.this.name)
            if table is not None:
                for identifier in target.expressions:
                    name = key(identifier.name)
                    if table.column(name) is not None:
                        found.add((key(table.name), name))

    for column in tree.find_all(exp.Column):
        if isinstance(column.this, exp.Star) or not column.name:
            continue
        if _is_raise_action(column):
            continue
        name = key(column.name)
        scopes = [a for a in _ancestors(column) if isinstance(a, (exp.Select, exp.Update, exp.Delete, exp.Insert))]
        qualifier = key(column.table) if column.table else None
        if qualifier is not None:
            for scope in scopes:
                source = sources_of(scope).get(qualifier)
                if source is not None:
                    if source.table is not None:
                        found.add((source.table, name))
                    break
            else:
                source = pseudo.get(qualifier)
                if source is not None and source.table is not None:
                    found.add((source.table, name))
            continue
        if scopes and _is_order_by_alias(column, scopes[0], name):
            continue
        for scope in scopes:
            tables, derived = _candidates(sources_of(scope), schema, name)
            if tables:
                found.update((table, name) for table in tables)
                break
            if derived:
                break
    return found


def _ancestors(node: exp.Expr) -> Iterator[exp.Expr]:
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


def _is_raise_action(column: exp.Column) -> bool:
    """`RAISE(ABORT, 'message')`: sqlglot reads ABORT as a column."""
    from sqlglot import exp

    parent = column.parent
    return isinstance(parent, exp.Anonymous) and str(parent.name).upper() == "RAISE"


def _is_order_by_alias(column: exp.Column, scope: exp.Expression, name: str) -> bool:
    """In ORDER BY, a result column's alias wins over a table's column (SQLite's rule)."""
    from sqlglot import exp

    if not isinstance(scope, exp.Select) or not any(isinstance(a, exp.Order) for a in _ancestors(column)):
        return False
    return any(isinstance(p, exp.Alias) and key(p.alias) == name for p in scope.expressions)


def _output_names(node: exp.Expression | None) -> frozenset[str] | None:
    """The column names a subquery or CTE gives, or None when unknown (a `*`)."""
    from sqlglot import exp

    while isinstance(node, exp.Subquery):
        node = node.this
    if isinstance(node, exp.SetOperation):
        node = node.this
    if not isinstance(node, exp.Select):
        return None
    names = set()
    for projection in node.expressions:
        if isinstance(projection, exp.Star) or (
            isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star)
        ):
            return None
        names.add(key(projection.alias_or_name))
    return frozenset(names)


def _scope_sources(node: exp.Expression, schema: Schema, ctes: dict[str, frozenset[str] | None]) -> dict[str, _Source]:
    """Alias -> source for the FROM clause (and joins) of one SELECT, UPDATE, DELETE or INSERT."""
    from sqlglot import exp

    items: list[exp.Expression] = []
    if isinstance(node, (exp.Update, exp.Delete)):
        items.append(node.this)
    elif isinstance(node, exp.Insert):
        target = node.this
        items.append(target.this if isinstance(target, exp.Schema) else target)
    from_ = node.args.get("from_")
    if isinstance(from_, exp.From):
        items.append(from_.this)
    for join in node.args.get("joins") or ():
        items.append(join.this)
    sources: dict[str, _Source] = {}
    for item in items:
        if isinstance(item, exp.Table):
            name = key(item.name)
            source = _table_source(name, schema, ctes)
            sources[key(item.alias_or_name)] = source
            if not item.alias:
                sources[name] = source
        elif isinstance(item, exp.Expression) and item.alias_or_name:
            sources[key(item.alias_or_name)] = _Source(None, _output_names(item))
    return sources


def _table_source(name: str, schema: Schema, ctes: dict[str, frozenset[str] | None]) -> _Source:
    if name in ctes:
        return _Source(None, ctes[name])
    if schema.table(name) is not None:
        return _Source(name)
    view = schema.views.get(name)
    if view is not None:
        if view.column_names:
            return _Source(None, frozenset(key(c) for c in view.column_names))
        tree = parse_with_sqlglot(view.select)
        return _Source(None, _output_names(tree))
    vtable = schema.virtual_tables.get(name)
    if vtable is not None:
        return _Source(None, frozenset(key(c) for c in vtable.column_names))
    return _Source(None, None)


def _candidates(sources: dict[str, _Source], schema: Schema, name: str) -> tuple[set[str], bool]:
    """Model tables of one scope that have column `name`, and whether a non-table source may have it."""
    tables: set[str] = set()
    derived = False
    for source in sources.values():
        if source.table is not None:
            table = schema.table(source.table)
            if table is not None and table.column(name) is not None:
                tables.add(source.table)
        elif source.names is None or name in source.names:
            derived = True
    return tables, derived


def expression_columns(expression: str) -> set[str]:
    """Keys of the column names an expression of one table (CHECK, index, generated) mentions."""
    from sqlglot import exp

    tree = parse_with_sqlglot(f"SELECT {expression}")
    if tree is None:
        return identifiers_in(expression)
    return {key(c.name) for c in tree.find_all(exp.Column) if c.name and not _is_raise_action(c)}


# --- GS401 drop-column-dependency ------------------------------------------------------------------


def _rebuild_hint(table: str, column: str) -> str:
    return (
        f"rebuild the table without it (CREATE TABLE {table}_new without {column}, "
        f"INSERT INTO {table}_new SELECT the other columns FROM {table}, DROP TABLE {table}, "
        f"ALTER TABLE {table}_new RENAME TO {table}, then recreate its indexes, triggers and views)"
    )


def column_dependencies(schema: Schema, table: Table, column_name: str) -> list[str]:
    """What stops (or breaks after) `ALTER TABLE table DROP COLUMN column_name`: one message each,
    naming the dependent object and the fix. Empty when the column may go."""
    column = table.column(column_name)
    if column is None:
        return []
    t, c = table.name, column.name
    k = key(c)
    qualified = f"{t}.{c}"
    found: list[str] = []
    if column.primary_key:
        found.append(
            f"{qualified} is part of the PRIMARY KEY of {t}: SQLite cannot drop a PRIMARY KEY column; "
            + _rebuild_hint(t, c)
        )
    for unique in table.uniques:
        if k in {key(n) for n in unique.columns}:
            what = "has a UNIQUE constraint" if unique.column_level else f"is in UNIQUE({', '.join(unique.columns)})"
            found.append(
                f"{qualified} {what}: SQLite cannot drop a column that a UNIQUE constraint uses; "
                + _rebuild_hint(t, c)
            )
    for index in schema.indexes_of(t):
        where = []
        if any(ic.name is not None and key(ic.name) == k for ic in index.columns):
            where.append("as a column")
        if any(ic.expression and k in expression_columns(ic.expression) for ic in index.columns):
            where.append("in an expression")
        if index.where and k in expression_columns(index.where):
            where.append("in its WHERE")
        if where:
            found.append(
                f"index {index.name} uses {qualified} ({', '.join(where)}): drop it first with "
                f"`DROP INDEX {quote_identifier(index.name) if _quoted(index.name) else index.name};` "
                f"(and recreate it without {c} if it is still needed)"
            )
    for fk in table.foreign_keys:
        if not fk.column_level and k in {key(n) for n in fk.columns}:
            found.append(
                f"{qualified} is in the table-level FOREIGN KEY ({', '.join(fk.columns)}) REFERENCES "
                f"{fk.ref_table}: SQLite cannot drop it while the constraint names it; " + _rebuild_hint(t, c)
            )
    for check in table.checks:
        if check.column is not None and key(check.column) == k:
            continue  # a column's own CHECK goes with it
        if k in expression_columns(check.expression):
            owner = f"the CHECK on column {check.column}" if check.column else "a table CHECK"
            found.append(
                f"{owner} of {t} uses {qualified} (CHECK ({check.expression.strip()})): SQLite cannot drop "
                "a column a CHECK constraint names; " + _rebuild_hint(t, c)
            )
    for other in table.columns:
        if other is not column and other.generated_expr and k in expression_columns(other.generated_expr):
            fix = (
                f"drop the generated column first (`ALTER TABLE {t} DROP COLUMN {other.name};`)"
            )
            found.append(f"generated column {t}.{other.name} is computed from {qualified}: {fix}")
    for child, fk in schema.referencing_foreign_keys(t):
        if key(child.name) == key(t):
            continue
        if k in {key(n) for n in fk.ref_columns}:
            found.append(
                f"the foreign key {child.name}({', '.join(fk.columns)}) REFERENCES {fk.ref_table}"
                f"({', '.join(fk.ref_columns)}) points at {qualified}: SQLite drops the column, then every "
                f'write to {child.name} and every delete from {t} fails with "foreign key mismatch"; '
                f"rebuild {child.name} to reference another column first"
            )
    for view in sorted(schema.views.values(), key=lambda v: key(v.name)):
        refs = column_references(view.select, schema)
        if refs and (key(t), k) in refs:
            found.append(
                f"view {view.name} reads {qualified}: drop it first with `DROP VIEW {view.name};` and "
                f"recreate it without {c} after the DROP COLUMN"
            )
    for trigger in sorted(schema.triggers.values(), key=lambda tr: key(tr.name)):
        texts = list(trigger.body)
        if trigger.when:
            texts.append(f"SELECT 1 WHERE {trigger.when}")
        if any((key(t), k) in (column_references(s, schema, trigger_table=trigger.table) or set()) for s in texts):
            found.append(
                f"trigger {trigger.name} (on {trigger.table}) uses {qualified}: drop it first with "
                f"`DROP TRIGGER {trigger.name};` and recreate it without {c} after the DROP COLUMN"
            )
    return found


def _quoted(name: str) -> bool:
    return not (name.replace("_", "a").isalnum() and not name[:1].isdigit() and name.isascii())


class DropColumnDependency(Rule):
    """DROP COLUMN of a column that an index, a key, a CHECK, a generated column, a view or a trigger uses.

    **Problem**: SQLite refuses `ALTER TABLE ... DROP COLUMN` when anything else still names the
    column: an index (its columns, an expression, a partial index's WHERE), the PRIMARY KEY, a
    UNIQUE constraint, a table-level FOREIGN KEY, a CHECK of another column or of the table, a
    generated column, a view or a trigger ("error in index idx after drop column: no such column",
    "cannot drop PRIMARY KEY column", "cannot drop UNIQUE column"), and D1 rolls back the whole
    migration. A column that another table's foreign key references is dropped without complaint,
    after which every write to that child fails with "foreign key mismatch". A column-level
    REFERENCES or CHECK of the dropped column itself goes with it and is no problem.

    **Anti-pattern**:
    ```sql
    CREATE INDEX idx_posts_status ON posts(status);
    -- later
    ALTER TABLE posts DROP COLUMN status;
    ```

    **Fix**: drop the dependent object first (an index, a view, a trigger), or rebuild the table
    when a constraint names the column:
    ```sql
    DROP INDEX idx_posts_status;
    ALTER TABLE posts DROP COLUMN status;
    ```
    """

    code = "GS401"
    name = "drop-column-dependency"
    severity = Severity.ERROR
    kinds = frozenset({Kind.DROP_COLUMN})
    explains = ("after drop column", "cannot drop PRIMARY KEY column", "cannot drop UNIQUE column")

    def check(self, context: RuleContext) -> Iterable[Violation]:
        statement = context.statement
        assert isinstance(statement, AlterTable)
        table = context.schema.table(statement.table)
        if table is None:
            return []
        return [Violation(f"cannot drop {table.name}.{statement.column_name}: {m}") for m in
                column_dependencies(context.schema, table, statement.column_name)]


# --- ADD COLUMN ------------------------------------------------------------------------------------

_ROWS_NOTE = (
    "SQLite checks this only when the table has rows, so a replay on empty tables passes, but it fails "
    "once the table has rows, which production tables do"
)


def _significant(text: str) -> list[Token]:
    return [t for t in tokenize(text) if t.kind not in (TokenKind.SPACE, TokenKind.COMMENT)]


def is_constant_default(default: str) -> bool:
    """Whether SQLite can add a column with this DEFAULT to a table that has rows.

    SQLite's `sqlite3ValueFromExpr` accepts literals (numbers, strings, blobs, NULL, TRUE,
    FALSE, a bare word, which is a string), a sign before a constant, `CAST(constant AS type)`,
    `constant COLLATE name`, each possibly in parentheses. Anything else, a function call
    (`unixepoch()`, `datetime('now')`), `CURRENT_TIMESTAMP`, an operator (`1 + 1`, `'a' || 'b'`)
    or a column, is a non-constant default."""
    tokens = _significant(default)
    return _constant(tokens, 0, len(tokens), top=True)


def _constant(tokens: list[Token], start: int, stop: int, top: bool = False) -> bool:
    if stop <= start:
        return False
    # `x COLLATE name`
    if stop - start >= 3 and tokens[stop - 2].is_word("COLLATE"):
        return _constant(tokens, start, stop - 2)
    first = tokens[start]
    if first.is_punct("(") and _closing(tokens, start) == stop - 1:
        return _constant(tokens, start + 1, stop - 1)
    if first.is_punct("-") or first.is_punct("+"):
        return _constant(tokens, start + 1, stop)
    if first.is_word("CAST") and stop - start >= 6 and tokens[start + 1].is_punct("("):
        close = _closing(tokens, start + 1)
        if close != stop - 1:
            return False
        as_at = next((i for i in range(close - 1, start + 1, -1) if tokens[i].is_word("AS")), None)
        return as_at is not None and _constant(tokens, start + 2, as_at)
    if stop - start != 1:
        return False
    if first.kind in (TokenKind.NUMBER, TokenKind.STRING, TokenKind.BLOB):
        return True
    if first.is_word("CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME"):
        return False
    if first.is_word("NULL", "TRUE", "FALSE"):
        return True
    # A bare word (or "quoted" name) is a string as a DEFAULT; inside parentheses it is a column.
    return top and first.kind in (TokenKind.WORD, TokenKind.QUOTED)


def _closing(tokens: list[Token], open_at: int) -> int | None:
    depth = 0
    for index in range(open_at, len(tokens)):
        token = tokens[index]
        if token.is_punct("("):
            depth += 1
        elif token.is_punct(")"):
            depth -= 1
            if depth == 0:
                return index
    return None


def _is_null_default(default: str | None) -> bool:
    if default is None:
        return True
    tokens = [t for t in _significant(default) if not (t.is_punct("(") or t.is_punct(")"))]
    return len(tokens) == 1 and tokens[0].is_word("NULL")


def _added(context: RuleContext) -> tuple[str, ColumnDef] | None:
    """(table name, column) of an ADD COLUMN to a table of the model."""
    statement = context.statement
    assert isinstance(statement, AlterTable)
    table = context.schema.table(statement.table)
    if table is None or statement.column is None or table.column(statement.column.name) is not None:
        return None
    return table.name, statement.column


class AddColumnNotNull(Rule):
    """ADD COLUMN ... NOT NULL without a non-NULL default.

    **Problem**: SQLite fills the new column of every existing row with its default. With
    `NOT NULL` and no default (or `DEFAULT NULL`) it fails with "Cannot add a NOT NULL column with
    default value NULL", but only when the table has rows: the replay, on empty tables, passes;
    production, where the table has rows, fails and D1 rolls back the migration.

    **Anti-pattern**:
    ```sql
    ALTER TABLE tenants ADD COLUMN region TEXT NOT NULL;
    ```

    **Fix**: give it a constant, non-NULL default (or leave it nullable and backfill):
    ```sql
    ALTER TABLE tenants ADD COLUMN region TEXT NOT NULL DEFAULT 'eu';
    ```
    """

    code = "GS402"
    name = "add-column-not-null"
    severity = Severity.ERROR
    kinds = frozenset({Kind.ADD_COLUMN})
    explains = ("Cannot add a NOT NULL column with default value NULL",)

    def check(self, context: RuleContext) -> Iterable[Violation]:
        added = _added(context)
        if added is None:
            return []
        table, column = added
        if not column.not_null or column.generated is not None or not _is_null_default(column.default):
            return []
        return [
            Violation(
                f"ALTER TABLE {table} ADD COLUMN {column.name} is NOT NULL without a default: SQLite fills existing "
                f'rows with NULL and fails ("Cannot add a NOT NULL column with default value NULL"); {_ROWS_NOTE}. '
                f"Give it a constant default (e.g. NOT NULL DEFAULT '' or DEFAULT 0), or add it nullable and "
                "backfill with UPDATE"
            )
        ]


class AddColumnNonconstantDefault(Rule):
    """ADD COLUMN with a non-constant DEFAULT (CURRENT_TIMESTAMP, `(unixepoch())`, `(datetime('now'))`).

    **Problem**: ALTER TABLE ADD COLUMN accepts only a constant default: a literal, a signed
    number, a CAST of a constant, in parentheses or not. `CURRENT_TIMESTAMP`, `CURRENT_DATE`,
    `CURRENT_TIME`, a function call, an operator or a column fail with "Cannot add a column with
    non-constant default", but only when the table has rows: the replay passes on empty tables,
    production fails and D1 rolls back the migration. (CREATE TABLE accepts these defaults.)

    **Anti-pattern**:
    ```sql
    ALTER TABLE posts ADD COLUMN updated_at INTEGER NOT NULL DEFAULT (unixepoch());
    ```

    **Fix**: add it with a constant default and backfill; set the value on new rows in the
    application (or rebuild the table with the default in its CREATE TABLE):
    ```sql
    ALTER TABLE posts ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
    UPDATE posts SET updated_at = unixepoch();
    ```
    """

    code = "GS403"
    name = "add-column-nonconstant-default"
    severity = Severity.ERROR
    kinds = frozenset({Kind.ADD_COLUMN})
    explains = ("Cannot add a column with non-constant default",)

    def check(self, context: RuleContext) -> Iterable[Violation]:
        added = _added(context)
        if added is None:
            return []
        table, column = added
        if column.generated is not None or column.default is None or is_constant_default(column.default):
            return []
        default = column.default.strip()
        return [
            Violation(
                f"ALTER TABLE {table} ADD COLUMN {column.name} has the non-constant default {default}: SQLite "
                f'fails with "Cannot add a column with non-constant default"; {_ROWS_NOTE}. Add it with a '
                f"constant default (e.g. DEFAULT 0) and backfill with `UPDATE {table} SET {column.name} = "
                f"{default};`, setting it on new rows in the application, or rebuild the table"
            )
        ]


class AddColumnConstraint(Rule):
    """ADD COLUMN with PRIMARY KEY, UNIQUE, a STORED generated column, or REFERENCES with a non-NULL default.

    **Problem**: ALTER TABLE ADD COLUMN cannot add a column with a PRIMARY KEY or UNIQUE
    constraint ("Cannot add a PRIMARY KEY column", "Cannot add a UNIQUE column"), nor a STORED
    generated column ("cannot add a STORED column"), nor, foreign keys being always on in D1, a
    REFERENCES column with a non-NULL default ("Cannot add a REFERENCES column with non-NULL
    default value"). The last two fail only when the table has rows, so an empty replay passes
    while production fails and D1 rolls back the migration.

    **Anti-pattern**:
    ```sql
    ALTER TABLE users ADD COLUMN handle TEXT UNIQUE;
    ```

    **Fix**: add the plain column, then a unique index (or rebuild the table for a key, a STORED
    column or a defaulted REFERENCES):
    ```sql
    ALTER TABLE users ADD COLUMN handle TEXT;
    CREATE UNIQUE INDEX idx_users_handle ON users(handle);
    ```
    """

    code = "GS404"
    name = "add-column-constraint"
    severity = Severity.ERROR
    kinds = frozenset({Kind.ADD_COLUMN})
    explains = (
        "Cannot add a PRIMARY KEY column",
        "Cannot add a UNIQUE column",
        "cannot add a STORED column",
        "Cannot add a REFERENCES column with non-NULL default value",
    )

    def check(self, context: RuleContext) -> Iterable[Violation]:
        added = _added(context)
        if added is None:
            return []
        table, column = added
        what = f"ALTER TABLE {table} ADD COLUMN {column.name}"
        found = []
        if column.primary_key:
            found.append(
                f'{what} is a PRIMARY KEY: SQLite always refuses it ("Cannot add a PRIMARY KEY column"); '
                f"rebuild {table} with the new key (CREATE TABLE {table}_new, copy, drop, rename)"
            )
        if column.unique:
            found.append(
                f'{what} is UNIQUE: SQLite always refuses it ("Cannot add a UNIQUE column"); add the column '
                f"without UNIQUE, then `CREATE UNIQUE INDEX idx_{table}_{column.name} ON {table}({column.name});`"
            )
        if column.generated == "stored":
            found.append(
                f'{what} is a STORED generated column: SQLite fails with "cannot add a STORED column"; '
                f"{_ROWS_NOTE}. Add it VIRTUAL (`AS (...) VIRTUAL`), or rebuild {table} with it"
            )
        if column.references and column.generated is None and not _is_null_default(column.default):
            assert column.default is not None
            parent = column.references[0].ref_table
            found.append(
                f"{what} REFERENCES {parent} with the non-NULL default {column.default.strip()}: with foreign "
                'keys on, as D1 always has them, SQLite fails with "Cannot add a REFERENCES column with '
                f'non-NULL default value"; {_ROWS_NOTE}. Add it with DEFAULT NULL and backfill with UPDATE'
            )
        return [Violation(message) for message in found]


RULES: tuple[Rule, ...] = (
    DropColumnDependency(),
    AddColumnNotNull(),
    AddColumnNonconstantDefault(),
    AddColumnConstraint(),
)
