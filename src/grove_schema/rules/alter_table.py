"""ALTER TABLE rules: what SQLite's DROP COLUMN and ADD COLUMN refuse, judged on the schema model.

Most ADD COLUMN refusals depend on rows: SQLite checks them only when the table is not empty, so a
replay on empty tables passes while production, where the tables have rows, fails. These rules
judge the statement itself and never wait for the dev database to fail.
"""

from __future__ import annotations

from collections.abc import Iterable

from grove_schema.findings import Location, Severity, with_fix
from grove_schema.model import Schema, Table, key
from grove_schema.rules.base import Rule, RuleContext, Violation
from grove_schema.sql.lexer import Token, TokenKind, significant_tokens
from grove_schema.sql.parsing import AlterTable, ColumnDef, Kind
from grove_schema.sql.quoting import quote_name
from grove_schema.sql.references import column_references, expression_columns, when_as_select

# --- GS401 drop-column-dependency ------------------------------------------------------------------


def _rebuild_hint(table: str, column: str) -> str:
    return (
        f"rebuild the table without it (CREATE TABLE {table}_new without {column}, "
        f"INSERT INTO {table}_new SELECT the other columns FROM {table}, DROP TABLE {table}, "
        f"ALTER TABLE {table}_new RENAME TO {table}, then recreate its indexes, triggers and views)"
    )


def column_dependencies(schema: Schema, table: Table, column_name: str) -> list[str]:
    """What stops (or breaks after) `ALTER TABLE table DROP COLUMN column_name`: one message each,
    naming the dependent object, then (`with_fix`) the fix. Empty when the column may go."""
    column = table.column(column_name)
    if column is None:
        return []
    t, c = table.name, column.name
    k = key(c)
    qualified = f"{t}.{c}"
    found: list[str] = []
    if column.primary_key:
        found.append(
            with_fix(
                f"{qualified} is part of the PRIMARY KEY of {t}: SQLite cannot drop a PRIMARY KEY column",
                _rebuild_hint(t, c),
            )
        )
    for unique in table.uniques:
        if k in {key(n) for n in unique.columns}:
            what = "has a UNIQUE constraint" if unique.column_level else f"is in UNIQUE({', '.join(unique.columns)})"
            found.append(
                with_fix(
                    f"{qualified} {what}: SQLite cannot drop a column that a UNIQUE constraint uses",
                    _rebuild_hint(t, c),
                )
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
                with_fix(
                    f"index {index.name} uses {qualified} ({', '.join(where)})",
                    f"drop it first with `DROP INDEX {quote_name(index.name)};` (and recreate it without {c} if "
                    "it is still needed)",
                )
            )
    for fk in table.foreign_keys:
        if not fk.column_level and k in {key(n) for n in fk.columns}:
            found.append(
                with_fix(
                    f"{qualified} is in the table-level FOREIGN KEY ({', '.join(fk.columns)}) REFERENCES "
                    f"{fk.ref_table}: SQLite cannot drop it while the constraint names it",
                    _rebuild_hint(t, c),
                )
            )
    for check in table.checks:
        if check.column is not None and key(check.column) == k:
            continue  # a column's own CHECK goes with it
        if k in expression_columns(check.expression):
            owner = f"the CHECK on column {check.column}" if check.column else "a table CHECK"
            found.append(
                with_fix(
                    f"{owner} of {t} uses {qualified} (CHECK ({check.expression.strip()})): SQLite cannot drop "
                    "a column a CHECK constraint names",
                    _rebuild_hint(t, c),
                )
            )
    for other in table.columns:
        if other is not column and other.generated_expr and k in expression_columns(other.generated_expr):
            fix = f"drop the generated column first (`ALTER TABLE {t} DROP COLUMN {other.name};`)"
            found.append(with_fix(f"generated column {t}.{other.name} is computed from {qualified}", fix))
    for child, fk in schema.referencing_foreign_keys(t):
        if key(child.name) == key(t):
            continue
        if k in {key(n) for n in fk.ref_columns}:
            found.append(
                with_fix(
                    f"the foreign key {child.name}({', '.join(fk.columns)}) REFERENCES {fk.ref_table}"
                    f"({', '.join(fk.ref_columns)}) points at {qualified}: SQLite drops the column, then every "
                    f'write to {child.name} and every delete from {t} fails with "foreign key mismatch"',
                    f"rebuild {child.name} to reference another column first",
                )
            )
    for view in sorted(schema.views.values(), key=lambda v: key(v.name)):
        refs = column_references(view.select, schema)
        if refs and (key(t), k) in refs:
            found.append(
                with_fix(
                    f"view {view.name} reads {qualified}",
                    f"drop it first with `DROP VIEW {view.name};` and recreate it without {c} after the DROP COLUMN",
                )
            )
    for trigger in sorted(schema.triggers.values(), key=lambda tr: key(tr.name)):
        texts = list(trigger.body)
        if trigger.when:
            texts.append(when_as_select(trigger.when))
        if any((key(t), k) in (column_references(s, schema, trigger_table=trigger.table) or set()) for s in texts):
            found.append(
                with_fix(
                    f"trigger {trigger.name} (on {trigger.table}) uses {qualified}",
                    f"drop it first with `DROP TRIGGER {trigger.name};` and recreate it without {c} after the "
                    "DROP COLUMN",
                )
            )
    return found


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
        return [
            Violation(f"cannot drop {table.name}.{statement.column_name}: {m}")
            for m in column_dependencies(context.schema, table, statement.column_name)
        ]


# --- ADD COLUMN ------------------------------------------------------------------------------------


def _significant(text: str) -> list[Token]:
    return significant_tokens(text)


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


def _at_column(context: RuleContext, column: ColumnDef) -> Location:
    """Where the added column's name is written: the caret goes there, not under ALTER."""
    return context.locate(column.start) if column.start else context.location


def _at_default(context: RuleContext, column: ColumnDef) -> Location:
    """Where the added column's DEFAULT is written (its name when the tokens do not show it)."""
    for token in context.statement.raw.tokens:
        if token.start > column.start and token.upper == "DEFAULT":
            return context.locate(token.start)
    return _at_column(context, column)


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
                f'ALTER TABLE {table} ADD COLUMN {column.name}, NOT NULL without a default, fails with "Cannot add '
                f'a NOT NULL column with default value NULL" once {table} has rows (SQLite would fill them with '
                f"NULL), as in production, even where a replay on empty tables passes; fix: give it a constant "
                "default (NOT NULL DEFAULT '' or DEFAULT 0), or add it nullable and backfill with UPDATE",
                _at_column(context, column),
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
                f"ALTER TABLE {table} ADD COLUMN {column.name} with the non-constant default {default} fails "
                f'with "Cannot add a column with non-constant default" once {table} has rows, as in production, '
                "even where a replay on empty tables passes; fix: add it with a constant default (DEFAULT 0), "
                f"backfill with `UPDATE {table} SET {column.name} = {default};` and set it on new rows in the "
                "application, or rebuild the table",
                _at_default(context, column),
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
                f"fix: rebuild {table} with the new key (CREATE TABLE {table}_new, copy, drop, rename)"
            )
        if column.unique:
            found.append(
                f'{what} is UNIQUE: SQLite always refuses it ("Cannot add a UNIQUE column"); fix: add the column '
                f"without UNIQUE, then `CREATE UNIQUE INDEX idx_{table}_{column.name} ON {table}({column.name});`"
            )
        if column.generated == "stored":
            found.append(
                f'{what} is a STORED generated column: it fails with "cannot add a STORED column" once {table} has '
                f"rows, as in production, even where a replay on empty tables passes; fix: add it VIRTUAL "
                f"(`AS (...) VIRTUAL`), or rebuild {table} with it"
            )
        if column.references and column.generated is None and not _is_null_default(column.default):
            assert column.default is not None
            parent = column.references[0].ref_table
            found.append(
                f"{what} REFERENCES {parent} with the non-NULL default {column.default.strip()}: with foreign "
                'keys on, as D1 always has them, it fails with "Cannot add a REFERENCES column with non-NULL '
                f'default value" once {table} has rows, even where a replay on empty tables passes; fix: add it '
                "with DEFAULT NULL and backfill with UPDATE"
            )
        return [Violation(message, _at_column(context, column)) for message in found]


RULES: tuple[Rule, ...] = (
    DropColumnDependency(),
    AddColumnNotNull(),
    AddColumnNonconstantDefault(),
    AddColumnConstraint(),
)
