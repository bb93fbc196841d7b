"""Safety rules: statements that D1 runs without complaint but that lose or strand data.

They judge DROP TABLE, DROP COLUMN, RENAME and the `IF NOT EXISTS` forms against the schema as it
stood before the statement, and, for the classic table rebuild (create `t_new`, copy the rows,
`DROP TABLE t`, rename `t_new` to `t`), against the other statements of the same file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from grove_schema.findings import Severity, short_list, with_fix
from grove_schema.losses import RowLoss, StatementVerdict
from grove_schema.model import Column, ForeignKey, Schema, SourceRef, Table, VirtualTable, key
from grove_schema.records import FrozenRecord, frozen_record
from grove_schema.rules.base import Rule, RuleContext, Violation
from grove_schema.schema_changes import build_table
from grove_schema.sql.lexer import RawStatement, Token, TokenKind, after_top_level, significant_tokens, split_statements
from grove_schema.sql.parsing import (
    AlterTable,
    CreateIndex,
    CreateTable,
    DropObject,
    Kind,
    StatementError,
    parse_statement,
)
from grove_schema.sql.references import column_references, statement_tree

if TYPE_CHECKING:
    from sqlglot import exp

_CASCADING = ("CASCADE", "SET NULL", "SET DEFAULT")


def _children(schema: Schema, table: str) -> list[tuple[Table, ForeignKey]]:
    """Foreign keys of other tables that point at `table` (a self-reference is not a child)."""
    return [(child, fk) for child, fk in schema.referencing_foreign_keys(table) if key(child.name) != key(table)]


def _tables(names: list[str]) -> str:
    """`posts` alone; `the 16 tables a, b, c and 13 more` (a message names the first few)."""
    if len(names) == 1:
        return names[0]
    return f"the {len(names)} tables {short_list(names)}"


def _fk_label(child: Table, fk: ForeignKey) -> str:
    return f"{child.name}.{', '.join(fk.columns)}"


# --- the rebuild pattern, read from the rest of the file --------------------------------------------


@frozen_record()
class RowCopy(FrozenRecord):
    """`INSERT INTO target ... SELECT ... FROM source` earlier in the file."""

    target: str
    line: int
    columns: frozenset[str] | None  # keys of the source's columns read; None: all (`*`)


def _file_statements(context: RuleContext) -> tuple[RawStatement, ...]:
    return _split(context.statement.raw.source)


@lru_cache(maxsize=4)
def _split(source: str) -> tuple[RawStatement, ...]:
    """The statements of one file: several rules look at the same file around one DROP."""
    return tuple(split_statements(source).statements)


def row_copies(context: RuleContext, table: str) -> list[RowCopy]:
    """Copies of `table`'s rows into another table by the statements before this one in its file."""
    wanted = key(table)
    here = context.statement.start
    copies = []
    for raw in _file_statements(context):
        if raw.start >= here:
            break
        if raw.first_word() not in ("INSERT", "REPLACE", "WITH") or not _mentions(raw, wanted):
            continue
        copy = simple_row_copy(raw, wanted, context.schema)
        if isinstance(copy, _Unread):
            copy = _row_copy_from_tree(raw, wanted, context.schema)
        if copy is not None:
            target, columns = copy
            copies.append(RowCopy(target, context.locate(raw.start).line, columns))
    return copies


class _Unread:
    """`simple_row_copy` cannot tell: the statement is not of the one shape it reads."""


UNREAD = _Unread()
ReadCopy = tuple[str, frozenset[str] | None] | None  # (target, columns of the source read; None: all)

# Words of an expression that are never a column (a column so named is left to sqlglot).
_EXPRESSION_WORDS = frozenset(
    {
        "AND", "AS", "BETWEEN", "CASE", "CAST", "COLLATE", "CURRENT_DATE", "CURRENT_TIME",
        "CURRENT_TIMESTAMP", "ELSE", "END", "ESCAPE", "FALSE", "GLOB", "IN", "IS", "ISNULL", "LIKE",
        "NOT", "NOTNULL", "NULL", "OR", "THEN", "TRUE", "WHEN",
    }
)  # fmt: skip


def simple_row_copy(raw: RawStatement, wanted: str, schema: Schema) -> ReadCopy | _Unread:
    """The common rebuild copy read from its tokens, without sqlglot: `INSERT [OR x] INTO target
    [(columns)] SELECT items FROM source [[AS] alias]` and nothing after. (target, the source's
    columns read, None for `*`) when `source` is `wanted`; None when the statement copies another
    table's rows; UNREAD for any other shape, left to sqlglot."""
    tokens = raw.tokens
    words = [t.upper if t.kind is TokenKind.WORD else None for t in tokens]
    i = 1 if words[:1] in (["INSERT"], ["REPLACE"]) else 0
    if i == 0:
        return UNREAD
    if words[i : i + 1] == ["OR"]:
        i += 2
    if words[i : i + 1] != ["INTO"] or i + 2 >= len(tokens):
        return UNREAD
    target = tokens[i + 1]
    i += 2
    if target.kind not in (TokenKind.WORD, TokenKind.QUOTED) or tokens[i].is_punct("."):
        return UNREAD
    if tokens[i].is_punct("("):
        close = next((j for j in range(i, len(tokens)) if tokens[j].is_punct(")")), None)
        if close is None or any(
            t.kind not in (TokenKind.WORD, TokenKind.QUOTED, TokenKind.PUNCT) for t in tokens[i:close]
        ):
            return UNREAD
        i = close + 1
    if words[i : i + 1] != ["SELECT"]:
        return UNREAD
    start = i + 1
    source_at = after_top_level(tokens, "FROM", start)
    if source_at is None or source_at >= len(tokens):
        return UNREAD
    if any(word in ("SELECT", "DISTINCT", "ALL", "OVER", "FILTER") for word in words[start : source_at - 1]):
        return UNREAD  # a subquery, a window: sqlglot resolves their scopes
    source, rest = tokens[source_at], tokens[source_at + 1 :]
    if source.kind not in (TokenKind.WORD, TokenKind.QUOTED):
        return UNREAD
    if rest and rest[0].is_word("AS"):
        rest = rest[1:]
    if len(rest) > 1 or (rest and rest[0].kind is not TokenKind.WORD):
        return UNREAD
    alias = key(rest[0].identifier) if rest else None
    if key(source.identifier) != wanted or key(target.identifier) == wanted:
        return None
    table = schema.table(wanted)
    if table is None:
        return UNREAD
    names = {key(column.name) for column in table.columns}
    return _items_read(tokens[start : source_at - 1], words[start : source_at - 1], wanted, alias, names, target)


def _items_read(
    items: list[Token], words: list[str | None], wanted: str, alias: str | None, names: set[str], target: Token
) -> ReadCopy | _Unread:
    owners = {wanted} | ({alias} if alias else set())
    if [t.text for t in items] == ["*"] or (
        len(items) == 3 and items[1].is_punct(".") and items[2].is_punct("*") and key(items[0].identifier) in owners
    ):
        return target.identifier, None
    columns: set[str] = set()
    previous: Token | None = None
    for position, token in enumerate(items):
        following = items[position + 1] if position + 1 < len(items) else None
        name = token.kind is TokenKind.QUOTED or (
            token.kind is TokenKind.WORD and words[position] not in _EXPRESSION_WORDS
        )
        if token.is_punct("*") or token.kind in (TokenKind.VARIABLE, TokenKind.BLOB):
            return UNREAD
        if token.kind is TokenKind.WORD and words[position] in _EXPRESSION_WORDS and key(token.text) in names:
            return UNREAD  # a column named like a keyword
        if name and previous is not None and _ends_operand(previous, words[position - 1]):
            return UNREAD  # `expr alias` without AS
        if name and following is not None and following.is_punct("."):
            if key(token.identifier) not in owners:
                return UNREAD
        elif name and previous is not None and previous.is_punct("."):
            columns.add(key(token.identifier))
        elif name and not (following is not None and following.is_punct("(")):
            if previous is not None and previous.is_word("AS"):
                pass  # an alias
            elif key(token.identifier) in names:
                columns.add(key(token.identifier))
        previous = token
    return target.identifier, frozenset(columns & names)


def _ends_operand(token: Token, word: str | None) -> bool:
    """Does `token` end an operand, so that a name right after it is an alias?"""
    if token.kind in (TokenKind.STRING, TokenKind.NUMBER, TokenKind.QUOTED) or token.is_punct(")"):
        return True
    return token.kind is TokenKind.WORD and word not in _EXPRESSION_WORDS


def _row_copy_from_tree(raw: RawStatement, wanted: str, schema: Schema) -> ReadCopy:
    """`simple_row_copy` for any shape, through sqlglot's tree."""
    from sqlglot import exp

    tree = statement_tree(raw.text)
    if not isinstance(tree, exp.Insert) or tree.expression is None:
        return None
    target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
    if not isinstance(target, exp.Table) or key(target.name) == wanted:
        return None
    select = tree.expression
    if not any(key(t.name) == wanted for t in select.find_all(exp.Table)):
        return None
    if _reads_star(select, wanted):
        return target.name, None
    refs = column_references(select.sql(dialect="sqlite"), schema) or set()
    return target.name, frozenset(column for owner, column in refs if owner == wanted)


def _mentions(raw: RawStatement, name: str) -> bool:
    """A cheap test before sqlglot parses a statement: does `name` occur as a name in it?"""
    return any(
        t.kind in (TokenKind.WORD, TokenKind.QUOTED, TokenKind.STRING) and key(t.identifier) == name for t in raw.tokens
    )


def _reads_star(select: exp.Expression, table: str) -> bool:
    from sqlglot import exp

    for star in select.find_all(exp.Star):
        parent = star.parent
        if isinstance(parent, exp.Column):
            if parent.table and key(parent.table) != table:
                owner = next((t for t in select.find_all(exp.Table) if key(t.alias_or_name) == key(parent.table)), None)
                if owner is None or key(owner.name) != table:
                    continue
            return True
        if isinstance(parent, exp.Select):
            return True
    return False


def renamed_into_place(context: RuleContext, new_name: str, old_name: str) -> int | None:
    """Line of a later `ALTER TABLE new_name RENAME TO old_name` in the same file (through other
    renames on the way), if any."""
    final, line = final_name(context, new_name)
    return line if key(final) == key(old_name) else None


def final_name(context: RuleContext, name: str) -> tuple[str, int | None]:
    """The name `name` ends with after the later renames of this file, and the line of the last."""
    current, line = name, None
    for raw in _later_statements(context):
        if raw.first_word() != "ALTER":
            continue
        statement = _parse(raw)
        if (
            isinstance(statement, AlterTable)
            and statement.kind is Kind.RENAME_TABLE
            and key(statement.table) == key(current)
        ):
            current, line = statement.new_name, context.locate(raw.start).line
    return current, line


def rebuild_copy(context: RuleContext, table: str, copies: list[RowCopy]) -> tuple[RowCopy, str, int | None] | None:
    """The copy of `table`'s rows that the rebuild keeps, with the name its target ends with and the
    line of that rename: the copy renamed into `table`'s place, else the last copy (a copy into an
    archive earlier in the file is not the rebuild's)."""
    if not copies:
        return None
    named = [(copy, *final_name(context, copy.target)) for copy in copies]
    into_place = [item for item in named if key(item[1]) == key(table)]
    return (into_place or named)[-1]


def _rebuild_text(context: RuleContext, table: str, copies: list[RowCopy]) -> str:
    """` (the rebuild of t: rows copied into t_new at line 9, renamed to t at line 12)`, or nothing."""
    chosen = rebuild_copy(context, table, copies)
    if chosen is None:
        return ""
    copy, final, line = chosen
    text = f" (the rebuild of {table}: rows copied into {copy.target} at line {copy.line}"
    return text + (f", renamed to {final} at line {line})" if line is not None else ")")


def _later_statements(context: RuleContext) -> list[RawStatement]:
    here = context.statement.start
    return [raw for raw in _file_statements(context) if raw.start > here]


def _parse(raw: RawStatement) -> object:
    try:
        return parse_statement(raw, raw.source)
    except StatementError:
        return None


def _planned(deletes: str, reason: str) -> list[Violation]:
    """A loss the map plans: the table or column is retired in ownership.toml (info)."""
    return [Violation(f"{deletes}: planned, retired in ownership.toml ({reason})", severity=Severity.INFO)]


def _copyable(table: Table) -> list[Column]:
    return [c for c in table.columns if c.generated is None]


def _created_in_this_file(context: RuleContext, table: Table) -> bool:
    return table.provenance.created.path == str(context.file.path)


# --- GS405 drop-referenced-table ----------------------------------------------------------------


class DropReferencedTable(Rule):
    """DROP TABLE (alone or in the create-copy-drop-rename rebuild) of a table other tables reference.

    **Problem**: D1 always enforces foreign keys, and `DROP TABLE p` first deletes every row of
    `p`. With `ON DELETE CASCADE` (or SET NULL) children, the migration succeeds and silently
    deletes (or clears) every child row: this is what the classic table rebuild does to a parent
    table in D1. `PRAGMA defer_foreign_keys = ON` does not stop the cascade. With NO ACTION or
    RESTRICT children it fails with "FOREIGN KEY constraint failed" as soon as they have rows,
    and D1 rolls back the migration. A dropped parent that is not rebuilt leaves children whose
    inserts fail.

    The verdict comes from running the file on sample rows (every table the file can reach filled
    before the file, each value marked): the finding gives the rows the cascade deleted, the
    references it cleared, or the FOREIGN KEY failure, at the DROP; a cascade into a child that is
    dropped anyway, or whose rows were copied aside and restored, loses nothing and is not reported.
    Without such a run (no dev database, a budget spent) the foreign keys' actions alone decide.

    **Anti-pattern**:
    ```sql
    -- posts: tenant_id REFERENCES tenants(id) ON DELETE CASCADE
    CREATE TABLE tenants_new (...);
    INSERT INTO tenants_new SELECT * FROM tenants;
    DROP TABLE tenants;  -- deletes every post
    ALTER TABLE tenants_new RENAME TO tenants;
    ```

    **Fix**: avoid rebuilding a referenced table (ALTER TABLE ADD COLUMN; enforce a new rule with
    a trigger instead of a new CHECK). When it must be rebuilt, copy the children's rows aside
    and drop them first, rebuild the parent, then recreate the children and restore their rows:
    ```sql
    CREATE TABLE posts_backup AS SELECT * FROM posts;
    DROP TABLE posts;
    -- rebuild tenants (create tenants_new, copy, DROP TABLE tenants, rename)
    -- recreate posts with its REFERENCES tenants(id), then
    INSERT INTO posts SELECT * FROM posts_backup;
    DROP TABLE posts_backup;
    ```
    """

    code = "GS405"
    name = "drop-referenced-table"
    severity = Severity.ERROR
    kinds = frozenset({Kind.DROP_TABLE})
    explains = ("FOREIGN KEY constraint failed",)

    def check(self, context: RuleContext) -> Iterable[Violation]:
        statement = context.statement
        assert isinstance(statement, DropObject)
        table = context.schema.table(statement.name)
        if table is None:
            return []
        children = _children(context.schema, table.name)
        if not children:
            return []
        verdicts = context.verdicts
        verdict = verdicts.at(statement.start) if verdicts is not None else None
        if verdicts is not None and (verdict is not None or verdicts.commit_failure is not None):
            return self._from_rows(context, table, children, verdict)
        return self._from_shape(context, table, children)

    @staticmethod
    def _fix(name: str, children: list[str]) -> str:
        return (
            f"fix: copy the rows of {children[0] if len(children) == 1 else f'those {len(children)} tables'} aside "
            f"and drop {'it' if len(children) == 1 else 'them'} "
            f"first, then restore them once {name} is back, or avoid dropping {name} (ALTER TABLE ADD COLUMN, "
            "a trigger instead of a new CHECK)"
        )

    def _from_rows(
        self,
        context: RuleContext,
        table: Table,
        children: list[tuple[Table, ForeignKey]],
        verdict: StatementVerdict | None,
    ) -> list[Violation]:
        """The verdict of the file's run on sample rows: what the DROP deleted, cleared or failed."""
        assert context.verdicts is not None
        name = table.name
        blocking = sorted({c.name for c, fk in children if fk.on_delete not in _CASCADING}, key=key)
        rebuild = _rebuild_text(context, name, row_copies(context, name))
        commit = context.verdicts.commit_failure
        if verdict is None or verdict.failure is not None:
            failure = verdict.failure if verdict is not None else commit
            if failure is None or "FOREIGN KEY" not in failure or (verdict is None and not blocking):
                return []
            when = "" if verdict is not None else " when D1 commits the file"
            if blocking:
                why = (
                    f"once {_tables(blocking)} hold{'s' if len(blocking) == 1 else ''} rows (ON DELETE NO ACTION "
                    "or RESTRICT, as the sample rows show)"
                )
            else:
                blocking = sorted({c.name for c, _ in children}, key=key)
                why = (
                    "once the tables hold rows (as the sample rows show: a row its ON DELETE CASCADE deletes is "
                    "referenced by a table without one)"
                )
            return [
                Violation(
                    f'DROP TABLE {name}{rebuild} fails{when} with "{failure}" {why}, and D1 rolls the whole file '
                    f"back; {self._fix(name, blocking)}"
                )
            ]
        effects = []
        cascaded = verdict.cascaded
        if cascaded:
            effects.append(f"deletes {_counted_rows(cascaded)} through ON DELETE CASCADE")
        for cleared in verdict.cleared:
            effects.append(
                f"clears {cleared.table}.{', '.join(cleared.columns)} in {_rows(cleared.rows)} through {cleared.action}"
            )
        dangling = [] if key(name) in context.verdicts.tables else context.verdicts.referencing(name)
        if not effects and not dangling:
            return []
        what = f"DROP TABLE {name}{rebuild}"
        if effects:
            what += f" {' and '.join(effects)} (sample rows found nowhere after the file)"
            if dangling:
                what += ","
        if dangling:
            named = {key(loss.table) for loss in cascaded} | {key(c.table) for c in verdict.cleared}
            them = ("it" if len(dangling) == 1 else "them") if {key(d) for d in dangling} <= named else None
            what += (
                f" leaves {them or _tables(dangling)} referencing {name}, which no longer exists after the file: every "
                f'insert into {"it" if len(dangling) == 1 else "them"} fails with "no such table: main.{name}"'
            )
        touched = sorted(
            {loss.table for loss in cascaded} | {c.table for c in verdict.cleared} | set(dangling), key=key
        )
        return [Violation(f"{what}; {self._fix(name, touched)}")]

    def _from_shape(
        self, context: RuleContext, table: Table, children: list[tuple[Table, ForeignKey]]
    ) -> list[Violation]:
        """Without a run on sample rows: what the foreign keys say the DROP does."""
        name = table.name
        rebuild = _rebuild_text(context, name, row_copies(context, name))
        cascading = [(c, fk) for c, fk in children if fk.on_delete in _CASCADING]
        blocking = [(c, fk) for c, fk in children if fk.on_delete not in _CASCADING]
        count = len(children)
        what = (
            f"DROP TABLE {name}{rebuild} deletes every row of {name} first, and {count} foreign "
            f"key{'s' if count != 1 else ''} of other tables point{'s' if count == 1 else ''} at it"
        )
        if cascading:
            deleted = sorted({c.name for c, fk in cascading if fk.on_delete == "CASCADE"}, key=key)
            cleared = sorted({c.name for c, fk in cascading if fk.on_delete != "CASCADE"}, key=key)
            effect = []
            if deleted:
                effect.append(f"deletes every row of {_tables(deleted)} (ON DELETE CASCADE)")
            if cleared:
                effect.append(f"clears the reference in every row of {_tables(cleared)} (ON DELETE SET NULL/DEFAULT)")
            what += f": D1 succeeds and {' and '.join(effect)}, even with PRAGMA defer_foreign_keys = ON"
        if blocking:
            tables = sorted({c.name for c, _ in blocking}, key=key)
            what += (
                f'{"; and it" if cascading else ": D1"} fails with "FOREIGN KEY constraint failed" as soon as '
                f"{_tables(tables)} hold rows (ON DELETE NO ACTION or RESTRICT), rolling the migration back"
            )
        children_names = sorted({c.name for c, _ in children}, key=key)
        return [Violation(f"{what}; {self._fix(name, children_names)}")]


def _rows(count: int) -> str:
    return f"{count} row{'s' if count != 1 else ''}"


def _counted_rows(losses: Iterable[RowLoss]) -> str:
    """`3 rows of posts`; `48 rows of 16 tables (a 3, b 3, c 3 and 13 more)`."""
    ordered = sorted(losses, key=lambda loss: key(loss.table))
    total = sum(loss.rows for loss in ordered)
    if len(ordered) == 1:
        return f"{_rows(total)} of {ordered[0].table}"
    return f"{_rows(total)} of {len(ordered)} tables ({short_list([f'{loss.table} {loss.rows}' for loss in ordered])})"


# --- GS406 rename-referenced-table ----------------------------------------------------------------

_BACKUP_WORDS = {"old", "bak", "backup", "tmp", "temp", "legacy", "deprecated", "orig", "original", "prev"}


class RenameReferencedTable(Rule):
    """ALTER TABLE p RENAME TO p_old when other tables reference p: the children follow it to p_old.

    **Problem**: SQLite (with foreign keys on, as D1 always has them) rewrites every child's
    `REFERENCES p` to `REFERENCES p_old` when `p` is renamed. In the rename-old-out-of-the-way
    rebuild (rename `p` to `p_old`, create a new `p`, copy, drop `p_old`) the children end up
    pointing at `p_old`: once it is dropped, every insert into them fails with "no such table:
    main.p_old" (and dropping it cascades into them). `PRAGMA legacy_alter_table` does not help
    while foreign keys are on.

    The rule fires when the renamed table is on its way out: the new name reads as a backup
    (`_old`, `_backup`, `_tmp` ...), or the same file drops it or creates a new table under the
    old name. A genuine rename, where the children should follow, is left alone. When the file ran
    on sample rows, it fires only if a table still references the backup once the file is over (a
    child renamed away, dropped and recreated names the new table, and is fine).

    **Anti-pattern**:
    ```sql
    ALTER TABLE tenants RENAME TO tenants_old;
    CREATE TABLE tenants (...);
    INSERT INTO tenants SELECT * FROM tenants_old;
    DROP TABLE tenants_old;
    ```

    **Fix**: build the new table under a new name and rename it into place, so the children keep
    naming `tenants` (and mind drop-referenced-table: the DROP of a parent cascades):
    ```sql
    CREATE TABLE tenants_new (...);
    INSERT INTO tenants_new SELECT * FROM tenants;
    DROP TABLE tenants;
    ALTER TABLE tenants_new RENAME TO tenants;
    ```
    """

    code = "GS406"
    name = "rename-referenced-table"
    severity = Severity.ERROR
    kinds = frozenset({Kind.RENAME_TABLE})

    def check(self, context: RuleContext) -> Iterable[Violation]:
        statement = context.statement
        assert isinstance(statement, AlterTable)
        table = context.schema.table(statement.table)
        if table is None or key(statement.new_name) == key(table.name):
            return []
        children = _children(context.schema, table.name)
        if not children:
            return []
        new = statement.new_name
        why = self._on_its_way_out(context, table.name, new)
        if why is None:
            return []
        listed = short_list([_fk_label(c, fk) for c, fk in children])
        fix = (
            f"fix: create the new table as {table.name}_new, copy the rows, drop {table.name} and rename "
            f"{table.name}_new to {table.name}, so the children keep naming {table.name}"
        )
        verdicts = context.verdicts
        if verdicts is not None and verdicts.complete and verdicts.at(statement.start) is not None:
            # The file ran on sample rows: what matters is what the children name once it is over.
            still = verdicts.referencing(new)
            if not still:
                return []  # the children were renamed away, recreated or dropped: they name no backup
            verb = "references" if len(still) == 1 else "reference"
            if key(new) in verdicts.tables:
                end = f"after the file {_tables(still)} still {verb} {new}, not {table.name}"
            else:
                end = (
                    f"after the file {_tables(still)} still {verb} {new}, which "
                    f"is dropped: every insert into {'it' if len(still) == 1 else 'them'} fails with "
                    f'"no such table: main.{new}"'
                )
            return [
                Violation(
                    f"ALTER TABLE {table.name} RENAME TO {new} ({why}) rewrites the foreign keys of {listed} to "
                    f"REFERENCES {new}, and {end}; {fix}"
                )
            ]
        return [
            Violation(
                f"ALTER TABLE {table.name} RENAME TO {new} ({why}) rewrites the foreign keys of {listed} to "
                f"REFERENCES {new}: once {new} is dropped every insert into them fails with "
                f'"no such table: main.{new}" (and the DROP cascades into them); {fix}'
            )
        ]

    @staticmethod
    def _on_its_way_out(context: RuleContext, old: str, new: str) -> str | None:
        for raw in _later_statements(context):
            if raw.first_word() not in ("DROP", "CREATE"):
                continue
            statement = _parse(raw)
            line = context.locate(raw.start).line
            if (
                isinstance(statement, DropObject)
                and statement.kind is Kind.DROP_TABLE
                and key(statement.name) == key(new)
            ):
                return f"dropped at line {line}"
            if isinstance(statement, CreateTable) and key(statement.name) == key(old):
                return f"a new {old} is created at line {line}"
        words = {w for w in re.split(r"[_\W\d]+", key(new)) if w}
        if words & _BACKUP_WORDS:
            return "a backup name"
        return None


# --- GS419 destructive-change --------------------------------------------------------------------


class DestructiveChange(Rule):
    """DROP TABLE or DROP COLUMN: the data goes with it.

    **Problem**: a dropped table or column takes its data with it, and D1 has no undo short of
    Time Travel. The change may be intended; the rule makes it visible in review. Once the object
    is retired in ownership.toml (`[retired]`), the drop is planned and reported as info, with the
    reason.

    The verdict comes from running the file on sample rows: every table the file can reach (the
    tables it names, their foreign-key children, what their triggers and views name, and the parents
    of those) is filled before the file with rows whose values are unique in the database, and after
    the file a row is lost when none of its values (or its key) is found anywhere, a dropped
    column's values when no column holds them. The finding gives the numbers at the DROP; a table
    rebuilt with every row and column, values copied into another table or column first, or a table
    created by the same migration lose nothing and are not reported. A column whose values a CHECK
    restricts cannot be followed, and the shape decides: a DROP COLUMN of it is reported. Dropping
    an FTS5 table whose content lives in another table (`content=`) or nowhere (`content=''`) drops
    only its index: info. Without a run on rows (no dev database, a budget spent) the statements
    before the DROP decide: a rebuild whose copy reads every column is info, one that forgets a
    column a warning naming it.

    **Anti-pattern**:
    ```sql
    ALTER TABLE user_onboarding DROP COLUMN lemonsqueezy_customer_id;
    ```

    **Fix**: retire the object first, with the reason, so the drop is planned and reviewed:
    ```toml
    [retired]
    columns = { "user_onboarding.lemonsqueezy_customer_id" = "payments moved to Stripe" }
    ```
    """

    code = "GS419"
    name = "destructive-change"
    severity = Severity.WARNING
    kinds = frozenset({Kind.DROP_TABLE, Kind.DROP_COLUMN})

    def check(self, context: RuleContext) -> Iterable[Violation]:
        statement = context.statement
        verdict = context.verdicts.at(statement.start) if context.verdicts is not None else None
        if verdict is not None and verdict.failure is not None:
            verdict = None  # it failed on the rows: nothing measured, its shape says what it would lose
        if isinstance(statement, DropObject):
            return self._drop_table(context, statement, verdict)
        assert isinstance(statement, AlterTable)
        table = context.schema.table(statement.table)
        column = table.column(statement.column_name) if table is not None else None
        if table is None or column is None:
            return []
        qualified = f"{table.name}.{column.name}"
        retire = f'retire it in ownership.toml ([retired] columns = {{ "{qualified}" = "<reason>" }})'
        reason = context.retired_columns.get((key(table.name), key(column.name)))
        lost = None
        if verdict is not None and not verdict.untraced:
            lost = next((v for v in verdict.values if key(v.column) == key(column.name)), None)
            if lost is None:
                return []  # its values are found in another column or table after the file
        count = f" in {_rows(lost.rows)}" if lost is not None else ""
        if reason is not None:
            return _planned(f"DROP COLUMN {qualified} deletes its data{count}", reason)
        if lost is not None:
            return [
                Violation(
                    f"ALTER TABLE {table.name} DROP COLUMN {column.name} deletes {qualified} in {_rows(lost.rows)} "
                    f"of {lost.held} (sample rows): its values are found in no other column after the file; fix: "
                    f"copy them into another column or table first, or, if that is intended, {retire}"
                )
            ]
        untraced = " (a CHECK leaves its values no sentinel to follow)" if verdict is not None else ""
        return [
            Violation(
                f"ALTER TABLE {table.name} DROP COLUMN {column.name} deletes the column's data in every row of "
                f"{table.name}{untraced}; fix: copy it elsewhere first, or, if that is intended, {retire}"
            )
        ]

    def _drop_table(
        self, context: RuleContext, statement: DropObject, verdict: StatementVerdict | None
    ) -> list[Violation]:
        schema = context.schema
        table = schema.table(statement.name)
        vtable = schema.virtual_tables.get(key(statement.name))
        if table is None and vtable is None:
            return []  # IF EXISTS of a missing table: a no-op (or SQLite's own error)
        name = table.name if table is not None else statement.name
        reason = context.retired_tables.get(key(name))
        destination = context.moving_to(name)
        if destination is not None:
            return [
                Violation(
                    f"DROP TABLE {name} deletes the table and its rows here: planned, the ownership map moves it to "
                    f"{destination}; deploy it only once {destination}'s database holds the rows",
                    severity=Severity.INFO,
                )
            ]
        retire = f'retire it in ownership.toml ([retired] tables = {{ {name} = "<reason>" }})'
        if vtable is not None:
            return self._drop_virtual_table(vtable, reason, retire)
        assert table is not None
        if verdict is not None:
            return self._drop_from_rows(context, table, verdict, reason, retire)
        if reason is not None:
            return _planned(f"DROP TABLE {name} deletes the table and its rows", reason)
        if _created_in_this_file(context, table):
            return []
        copies = row_copies(context, name)
        if copies:
            copied: set[str] = set()
            for copy in copies:
                copied |= {key(c.name) for c in table.columns} if copy.columns is None else set(copy.columns)
            lost = [c.name for c in _copyable(table) if key(c.name) not in copied]
            chosen = rebuild_copy(context, name, copies)
            assert chosen is not None
            kept, final, line = chosen
            rebuilt = f", renamed to {final} at line {line}" if line is not None else ""
            if not lost:
                return [
                    Violation(
                        with_fix(
                            f"DROP TABLE {name} is part of a rebuild: every column's rows were copied into "
                            f"{kept.target} (line {kept.line}){rebuilt}",
                            "keep it; the sample rows could not run this file, so this is read from its "
                            "statements alone",
                        ),
                        severity=Severity.INFO,
                    )
                ]
            return [
                Violation(
                    f"DROP TABLE {name} ends a rebuild whose copy into {kept.target} (line {kept.line}{rebuilt}) does "
                    f"not read {short_list([f'{name}.{c}' for c in lost])}: that data is lost; fix: copy the columns, "
                    "or, if dropping them is intended, retire them in ownership.toml"
                )
            ]
        return [
            Violation(f"DROP TABLE {name} deletes the table and every row it holds; fix: if that is intended, {retire}")
        ]

    def _drop_from_rows(
        self, context: RuleContext, table: Table, verdict: StatementVerdict, reason: str | None, retire: str
    ) -> list[Violation]:
        """The verdict of the file's run on sample rows: the rows and the values found nowhere after it."""
        name = table.name
        own = verdict.own_rows
        values = [v for v in verdict.values if key(v.table) == key(name)]
        if own is None and not values:
            return []  # every row and value is somewhere after the file (a rebuild, a copy, a backup)
        parts = []
        if own is not None:
            parts.append(f"its {_rows(own.held)}" if own.rows == own.held else f"{own.rows} of its {_rows(own.held)}")
        if values:
            columns = short_list([f"{name}.{v.column}" for v in values])
            parts.append(f"the values of {columns} in {_rows(max(v.rows for v in values))}")
        lost = " and ".join(parts)
        copies = row_copies(context, name)
        chosen = rebuild_copy(context, name, copies)
        if reason is not None:
            return _planned(f"DROP TABLE {name} deletes {lost}", reason)
        if chosen is not None:
            kept, final, line = chosen
            into = f"{kept.target} at line {kept.line}" + (f", renamed to {final} at line {line}" if line else "")
            return [
                Violation(
                    f"DROP TABLE {name} loses {lost} (sample rows found nowhere after the file): the copy into "
                    f"{into} does not carry them; fix: copy every row and column, or, if that is intended, {retire}"
                )
            ]
        return [
            Violation(
                f"DROP TABLE {name} deletes {lost} (sample rows found nowhere after the file); fix: copy them "
                f"elsewhere first, or, if that is intended, {retire}"
            )
        ]

    @staticmethod
    def _drop_virtual_table(vtable: VirtualTable, reason: str | None, retire: str) -> list[Violation]:
        """What a drop of an FTS5 table loses, from its options: an external-content (`content=posts`)
        or contentless (`content=''`) table holds only its index, rebuilt from the content."""
        name = vtable.name
        content = _fts5_content(vtable)
        if content is not None:
            source = f"its content lives in {content}" if content else "it is contentless"
            return [
                Violation(
                    f"DROP TABLE {name} drops a full-text index and nothing else: {source}, so only the index goes",
                    severity=Severity.INFO,
                )
            ]
        if reason is not None:
            return _planned(f"DROP TABLE {name} deletes the table and its rows", reason)
        return [
            Violation(f"DROP TABLE {name} deletes the table and every row it holds; fix: if that is intended, {retire}")
        ]


def _fts5_content(vtable: VirtualTable) -> str | None:
    """The `content=` option of an FTS5 table (`''` for a contentless one), or None."""
    if vtable.module.lower() != "fts5":
        return None
    for argument in vtable.arguments:
        option, equals, value = argument.partition("=")
        if equals and key(option.strip()) == "content":
            return value.strip().strip("'\"`[]")
    return None


# --- GS420 if-not-exists-noop --------------------------------------------------------------------


def _normalized(text: str | None) -> str | None:
    """An expression or type, compared as SQLite would: tokens, words case-folded, outer parens off."""
    if text is None:
        return None
    tokens = significant_tokens(text)
    while len(tokens) >= 2 and tokens[0].is_punct("(") and tokens[-1].is_punct(")"):
        depth = 0
        wraps = True
        for index, token in enumerate(tokens):
            if token.is_punct("("):
                depth += 1
            elif token.is_punct(")"):
                depth -= 1
                if depth == 0 and index != len(tokens) - 1:
                    wraps = False
                    break
        if not wraps:
            break
        tokens = tokens[1:-1]
    return " ".join(
        t.text
        if t.kind in (TokenKind.STRING, TokenKind.BLOB)
        else key(t.identifier)
        if t.kind is TokenKind.QUOTED
        else t.text.lower()
        for t in tokens
    )


def _shape(column: Column) -> tuple[str | None, bool, str | None, int]:
    default = _normalized(column.default)
    if default == "null":
        default = None
    return (_normalized(column.type), column.not_null, default, column.primary_key)


def shape_differences(existing: Table, wanted: Table) -> list[str]:
    """How `wanted`'s columns differ from `existing`'s: names, declared types, NOT NULL, defaults, key."""
    differences = []
    old = {key(c.name): c for c in existing.columns}
    new = {key(c.name): c for c in wanted.columns}
    missing = [c.name for k, c in old.items() if k not in new]
    extra = [c.name for k, c in new.items() if k not in old]
    if extra:
        differences.append(f"columns it lacks: {', '.join(extra)}")
    if missing:
        differences.append(f"columns this statement does not declare: {', '.join(missing)}")
    for k, column in new.items():
        before = old.get(k)
        if before is None:
            continue
        was, now = _shape(before), _shape(column)
        changed = []
        if was[0] != now[0]:
            changed.append(f"type {before.type or '(none)'} vs {column.type or '(none)'}")
        if was[1] != now[1]:
            changed.append("NOT NULL" if now[1] else "nullable")
        if was[2] != now[2]:
            changed.append(f"default {before.default or 'NULL'} vs {column.default or 'NULL'}")
        if was[3] != now[3]:
            changed.append("PRIMARY KEY" if now[3] else "not the PRIMARY KEY")
        if changed:
            differences.append(f"{column.name}: {', '.join(changed)}")
    return differences


class IfNotExistsNoop(Rule):
    """CREATE ... IF NOT EXISTS that silently does nothing: the name exists with another shape.

    **Problem**: `CREATE INDEX IF NOT EXISTS ix ON t(...)` is a no-op when an index `ix` already
    exists on another table, so `t` never gets its index. `CREATE TABLE IF NOT EXISTS t (...)` is
    a no-op when `t` already exists, whatever its columns: the new columns, types, NOT NULLs,
    defaults or key never arrive, and later statements that rely on them fail or misbehave. A
    re-run with the same shape is harmless and not reported.

    **Anti-pattern**:
    ```sql
    CREATE INDEX IF NOT EXISTS idx_created ON posts(created_at);
    CREATE INDEX IF NOT EXISTS idx_created ON comments(created_at);  -- no-op
    ```

    **Fix**: give the index a name of its own; change an existing table with ALTER TABLE (or a
    rebuild) rather than a second CREATE TABLE:
    ```sql
    CREATE INDEX IF NOT EXISTS idx_comments_created ON comments(created_at);
    ```
    """

    code = "GS420"
    name = "if-not-exists-noop"
    severity = Severity.WARNING
    kinds = frozenset({Kind.CREATE_INDEX, Kind.CREATE_TABLE})

    def check(self, context: RuleContext) -> Iterable[Violation]:
        statement = context.statement
        if isinstance(statement, CreateIndex):
            return self._index(context, statement)
        assert isinstance(statement, CreateTable)
        return self._table(context, statement)

    @staticmethod
    def _index(context: RuleContext, statement: CreateIndex) -> list[Violation]:
        if not statement.if_not_exists:
            return []
        existing = context.schema.indexes.get(key(statement.name))
        if existing is None or key(existing.table) == key(statement.table):
            return []
        return [
            Violation(
                with_fix(
                    f"CREATE INDEX IF NOT EXISTS {statement.name} ON {statement.table} does nothing: an index "
                    f"{existing.name} already exists on {existing.table} (created at "
                    f"{existing.provenance.created}), so {statement.table} gets no index",
                    "give it a name of its own (e.g. "
                    f"idx_{statement.table}_{'_'.join(c.name or 'expr' for c in statement.columns)})",
                )
            )
        ]

    @staticmethod
    def _table(context: RuleContext, statement: CreateTable) -> list[Violation]:
        if not statement.if_not_exists:
            return []
        schema = context.schema
        name = statement.name
        kind = schema.object_kind(name)
        if kind is None or kind == "index":
            return []
        if kind != "table":
            return [
                Violation(
                    with_fix(
                        f"CREATE TABLE IF NOT EXISTS {name} does nothing: a {kind} named {name} already exists",
                        "choose another name or drop the other object first",
                    )
                )
            ]
        existing = schema.table(name)
        assert existing is not None
        ref = SourceRef(path=str(context.file.path), line=context.location.line)
        wanted = build_table(statement, lambda _offset: ref)
        if not isinstance(wanted, Table):
            return []
        differences = shape_differences(existing, wanted)
        if not differences:
            return []
        return [
            Violation(
                with_fix(
                    f"CREATE TABLE IF NOT EXISTS {name} does nothing: {existing.name} already exists (created at "
                    f"{existing.provenance.created}) with another shape ({', '.join(differences)})",
                    "change it with ALTER TABLE ADD COLUMN (or a rebuild) instead",
                )
            )
        ]


RULES: tuple[Rule, ...] = (
    DropReferencedTable(),
    RenameReferencedTable(),
    DestructiveChange(),
    IfNotExistsNoop(),
)
