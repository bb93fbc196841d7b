"""What a migration file did to rows when it ran on sample rows: plain values, statement by statement,
and which files are run so (`needs_verdicts`, on the statements alone).

`data_verdicts` runs the file on a copy of the dev database filled with marked rows and measures;
the safety rules read these values (never the database) to say what is lost, with the numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import field

from grove_schema.d1 import MAX_STATEMENT_BYTES
from grove_schema.model import key
from grove_schema.records import FrozenRecord, frozen_record
from grove_schema.sql.lexer import RawStatement
from grove_schema.sql.parsing import Kind, Pragma, Statement, StatementError, parse_statement

CASCADE = "ON DELETE CASCADE"


@frozen_record()
class RowLoss(FrozenRecord):
    """Rows of `table` found nowhere in the database after the file."""

    table: str  # its name when it lost them
    rows: int
    held: int  # the rows it held before the file (sample rows and the stream's own)
    through: str | None = None  # CASCADE when a foreign key of `table` deleted them; None: the statement's own table


@frozen_record()
class ValueLoss(FrozenRecord):
    """Values of `table.column` found in no column after the file, in rows that are still there."""

    table: str
    column: str
    rows: int
    held: int


@frozen_record()
class ClearedReferences(FrozenRecord):
    """Foreign key values of `table` that an ON DELETE SET NULL or SET DEFAULT action cleared."""

    table: str
    columns: tuple[str, ...]
    rows: int
    action: str  # "ON DELETE SET NULL", "ON DELETE SET DEFAULT"


@frozen_record()
class StatementVerdict(FrozenRecord):
    """What one statement lost, at its line; empty when it lost nothing."""

    line: int
    rows: tuple[RowLoss, ...] = ()
    values: tuple[ValueLoss, ...] = ()
    cleared: tuple[ClearedReferences, ...] = ()
    failure: str | None = None  # SQLite refused it once the tables hold rows (the empty database accepted it)
    ends_in: tuple[str, ...] = ()  # DROP TABLE: the tables that hold the dropped table's rows after the file
    untraced: tuple[str, ...] = ()  # columns dropped here whose values carry no sentinel (a CHECK allows none)

    @property
    def own_rows(self) -> RowLoss | None:
        return next((loss for loss in self.rows if loss.through is None), None)

    @property
    def cascaded(self) -> tuple[RowLoss, ...]:
        return tuple(loss for loss in self.rows if loss.through is not None)


@frozen_record()
class FileVerdicts(FrozenRecord):
    """The run of one file on sample rows. A statement has no verdict when the run stopped before
    it (a statement that fails only on rows, a time budget): the rules then judge its shape."""

    statements: Mapping[int, StatementVerdict] = field(default_factory=dict)  # by the statement's offset
    commit_failure: str | None = None  # the file fails when D1 commits it, once the tables hold rows
    references: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # key(table) -> parents, after the file
    tables: frozenset[str] = frozenset()  # keys of the tables after the file
    sample_rows: int = 0  # rows generated before the file
    complete: bool = False  # the file ran to its end and committed: `references` and `tables` hold

    def at(self, offset: int) -> StatementVerdict | None:
        return self.statements.get(offset)

    def referencing(self, parent: str) -> list[str]:
        """The tables whose foreign keys name `parent` after the file, sorted."""
        wanted = key(parent)
        return sorted((child for child, parents in self.references.items() if wanted in map(key, parents)), key=key)

    def foreign_key_trouble(self) -> str | None:
        """What in the file needs foreign keys off, as the rows show: a cascade that deletes or clears
        rows, or a statement (or the commit) that fails with FOREIGN KEY constraint failed."""
        for verdict in sorted(self.statements.values(), key=lambda v: v.line):
            if verdict.failure is not None and "FOREIGN KEY constraint failed" in verdict.failure:
                return f"line {verdict.line} fails with FOREIGN KEY constraint failed once the tables hold rows"
            cascaded = sum(loss.rows for loss in verdict.cascaded)
            cleared = sum(c.rows for c in verdict.cleared)
            if cascaded or cleared:
                what = f"deletes {cascaded} rows through ON DELETE CASCADE" if cascaded else ""
                if cleared:
                    what += f"{' and ' if what else ''}clears the references of {cleared} rows"
                return f"the DROP at line {verdict.line} {what}"
        if self.commit_failure is not None and "FOREIGN KEY constraint failed" in self.commit_failure:
            return f"the file fails when D1 commits it, once the tables hold rows: {self.commit_failure}"
        return None


def never_run(raw: RawStatement) -> bool:
    """A statement the dev database does not run: a string or name runs to the end of the file, or
    it is longer than D1 takes (the replay reports both)."""
    return raw.unterminated is not None or len(raw.text) > MAX_STATEMENT_BYTES


def needs_verdicts(statements: Iterable[RawStatement], source: str) -> bool:
    """Whether a file drops a table or a column, renames a table, or turns foreign keys off: the
    files the data verdicts run (the others do not pay for them)."""
    for raw in statements:
        if raw.first_word() not in ("DROP", "ALTER", "PRAGMA") or never_run(raw):
            continue
        statement = parsed_statement(raw, source)
        if statement is None:
            continue
        if statement.kind in (Kind.DROP_TABLE, Kind.DROP_COLUMN, Kind.RENAME_TABLE):
            return True
        if isinstance(statement, Pragma) and statement.name == "foreign_keys" and _turns_off(statement.value):
            return True
    return False


def _turns_off(value: str | None) -> bool:
    return value is not None and value.strip().strip("'\"").lower() in ("off", "false", "no", "0")


def parsed_statement(raw: RawStatement, source: str) -> Statement | None:
    try:
        return parse_statement(raw, source)
    except StatementError:
        return None
