"""Data verdicts: run a migration file on sample rows and measure what it loses, statement by statement.

Before a file that drops a table, drops a column, renames a table (the rebuilds do) or turns
foreign keys off, the replay asks `SampleRun.run_file` with the dev database's pages as they stand
before the file. A copy of them is filled with generated rows (`sample_rows`, marked: every value a
CHECK leaves free is unique in the database) in every table the file can reach (`tables_at_stake`:
the ones it names, their children, what their triggers name, and the parents of those), and the
file runs there as D1 runs it. After each statement that can remove data, every value is looked for
in the whole database: a row is lost when none of its marks (or, for a row without any, its key) is
found anywhere; a value of a row that is still there is lost when it is found in no column. A loss
is put at the statement where it vanished, or at the later DROP TABLE of the table that held it (the
child dropped by the next statement: the cascade took nothing that the drop would not). When the
filled copy refuses a statement (or the commit), the file runs up to there on a second copy without
the rows: a statement that only the filled copy refuses fails in production, and ends the verdicts.

The rows are generated once per stream: a table whose definition has not changed since gets the
same rows again; new and changed tables get new ones.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from grove_schema.devdb import DevDatabase, Outcome
from grove_schema.losses import (
    CASCADE,
    ClearedReferences,
    FileVerdicts,
    RowLoss,
    StatementVerdict,
    ValueLoss,
    never_run,
    parsed_statement,
)
from grove_schema.model import Schema, key
from grove_schema.records import Record
from grove_schema.sample_rows import ROWS_PER_TABLE, Marks, fill_tables
from grove_schema.sql.lexer import RawStatement, Token, TokenKind, significant_tokens
from grove_schema.sql.parsing import AlterTable, DropObject, Kind
from grove_schema.sql.quoting import quote_name

# The statements after which the data is measured: those that can remove a row or a value.
_MEASURED = frozenset({"DROP", "ALTER", "DELETE", "UPDATE", "REPLACE", "WITH"})
_ACTIONS = {"CASCADE": CASCADE, "SET NULL": "ON DELETE SET NULL", "SET DEFAULT": "ON DELETE SET DEFAULT"}

ValueKey = tuple[str, Any]  # ("n", 1.0), ("t", "title_10000302"), ("b", b"...")


def _value_key(value: Any) -> ValueKey | None:
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, (int, float)):
        return ("n", float(value))
    if isinstance(value, str):
        return ("t", value)
    if isinstance(value, bytes):
        return ("b", value)
    return None


# A generated serial (eight digits or more, MARK_BASE up) inside a text: found inside a longer text,
# the value was copied there, where a word a CHECK allows ('digital') may be part of any text.
_SERIAL = re.compile("[0-9]{8}")
_SERIAL_RUN = re.compile("[0-9]{8,}")


def _serial_of(value_key: ValueKey) -> str | None:
    """A text's first 8 digits in a row, the part of a generated serial that a copy keeps."""
    if value_key[0] != "t":
        return None
    found = _SERIAL.search(value_key[1])
    return found.group() if found else None


def _is_mark(value_key: ValueKey) -> bool:
    """A value that can tell its row apart, when it is unique in the database: no NULL, no small number."""
    kind, value = value_key
    if kind == "n":
        return bool(abs(value) >= 1000)
    return len(value) >= 3


@dataclass(eq=False, repr=False)
class _Row(Record):
    """A sample row before the file: the values that tell it apart, and where it was last found."""

    table: str  # its table before the file
    marks: list[ValueKey]  # values unique in the database
    key_values: tuple[ValueKey, ...]  # its primary key (or all its values), for a row without marks
    columns: dict[str, ValueKey] = field(default_factory=dict)  # column -> its mark
    seen_in: frozenset[str] = frozenset()  # tables it was found in at the last measurement
    vanished_at: int | None = None  # the statement after which it was found nowhere


@dataclass(eq=False, repr=False)
class _Value(Record):
    """One marked value of a sample row, followed through the file."""

    row: _Row
    column: str
    mark: ValueKey
    serial: str | None  # a text mark's first 8 digits: a text holding the mark holds them
    seen: bool = True
    vanished_at: int | None = None


@dataclass(eq=False, repr=False)
class _Cleared(Record):
    """The references of `table` an ON DELETE SET NULL/DEFAULT into a dropped table may clear."""

    table: str
    columns: tuple[str, ...]
    action: str
    before: dict[int, tuple[Any, ...]]  # rowid -> the values before the DROP (non-NULL ones)
    changed: set[int] = field(default_factory=set)  # rowids whose values the DROP changed

    def _now(self, db: DevDatabase) -> dict[int, tuple[Any, ...]] | None:
        selected = ", ".join(quote_name(c) for c in self.columns)
        try:
            return {
                int(r[0]): tuple(r[1:]) for r in db.query(f"SELECT rowid, {selected} FROM {quote_name(self.table)}")
            }
        except Exception:  # the table is gone or changed (apsw's errors): nothing to compare
            return None

    def measure(self, db: DevDatabase) -> None:
        now = self._now(db) or {}
        self.changed = {rowid for rowid, values in self.before.items() if now.get(rowid, values) != values}

    def recheck(self, db: DevDatabase) -> None:
        """After the file: a reference put back (the same row holds its value again) is not lost."""
        now = self._now(db)
        if now is not None:
            self.changed = {rowid for rowid in self.changed if now.get(rowid) != self.before[rowid]}


@dataclass(eq=False, repr=False)
class _FileRun(Record):
    """What the run of one file noted, statement by statement (by index)."""

    lines: list[int]
    drops: dict[int, str] = field(default_factory=dict)  # -> key(table) dropped
    dropped_columns: dict[int, tuple[str, str]] = field(default_factory=dict)  # -> (key(table), column)
    cascading: dict[int, set[str]] = field(default_factory=dict)  # DROP -> key(children) with ON DELETE CASCADE
    cleared: dict[int, list[_Cleared]] = field(default_factory=dict)
    in_dropped: dict[int, list[_Row]] = field(default_factory=dict)  # DROP -> the rows its table held
    failures: dict[int, str] = field(default_factory=dict)  # statements SQLite refused, rows or not


class _Census:
    """Every value of every ordinary table, where it is. `refresh` reads again only the tables whose
    rows or definition changed since (the others cannot hold anything new).

    With `tracked` (keys: `tables_at_stake`), the tables there at the start and not tracked are left
    out while nothing writes or changes them: no statement of the file reaches them, so their rows
    can neither be lost nor hold a copy."""

    def __init__(self, db: DevDatabase, tracked: set[str] | None = None) -> None:
        self.where: dict[ValueKey, set[str]] = {}
        self.rows_with: dict[ValueKey, set[tuple[str, int]]] = {}
        self.texts: dict[str, str] = {}
        self.tables: dict[str, list[tuple[Any, ...]]] = {}
        self.columns: dict[str, list[str]] = {}
        self.definitions: dict[str, str] = {}  # table -> its CREATE, to see which ones changed
        self._all_texts: str | None = None  # every table's texts, made when a mark is looked for
        self._serials: set[str] | None = None  # every 8 digits in a run of them in those texts
        definitions = _definitions(db)
        self._untracked = {
            table: sql for table, sql in definitions.items() if tracked is not None and key(table) not in tracked
        }
        for table in sorted(definitions):
            if table not in self._untracked:
                self._read(db, table, definitions[table])

    def refresh(self, db: DevDatabase, written: set[str]) -> None:
        """Read again the tables SQLite wrote rows of (`written`, keys) and the ones created, altered
        or dropped since the last reading."""
        definitions = _definitions(db)
        for table in sorted(set(self.definitions) | set(definitions)):
            if table in self._untracked:
                if definitions.get(table) == self._untracked[table] and key(table) not in written:
                    continue
                del self._untracked[table]  # reached after all: read from now on
            if table not in definitions:
                self._forget(table)
            elif definitions[table] != self.definitions.get(table) or key(table) in written:
                self._forget(table)
                self._read(db, table, definitions[table])

    def _read(self, db: DevDatabase, table: str, definition: str) -> None:
        self.definitions[table] = definition
        self._all_texts = self._serials = None
        columns = [
            str(row[0]) for row in db.query("SELECT name FROM pragma_table_xinfo(?) WHERE hidden <> 1", (table,))
        ]
        try:
            rows = db.query(f"SELECT * FROM {quote_name(table)}")
        except Exception:  # a table SQLite cannot read (apsw's errors): nothing found in it
            return
        self.tables[table], self.columns[table] = rows, columns
        texts = []
        for number, row in enumerate(rows):
            for value in row:
                value_key = _value_key(value)
                if value_key is None:
                    continue
                self.where.setdefault(value_key, set()).add(table)
                self.rows_with.setdefault(value_key, set()).add((table, number))
                if value_key[0] == "t":
                    texts.append(value_key[1])
        self.texts[table] = "\x00".join(texts)

    def _forget(self, table: str) -> None:
        self.definitions.pop(table, None)
        self._all_texts = self._serials = None
        self.columns.pop(table, None)
        self.texts.pop(table, None)
        for number, row in enumerate(self.tables.pop(table, [])):
            for value in row:
                value_key = _value_key(value)
                if value_key is None:
                    continue
                tables = self.where.get(value_key)
                if tables is not None:
                    tables.discard(table)  # each value is a table's once, whatever its count there
                    if not tables:
                        del self.where[value_key]
                places = self.rows_with.get(value_key)
                if places is not None:
                    places.discard((table, number))
                    if not places:
                        del self.rows_with[value_key]

    def _joined_texts(self) -> str:
        if self._all_texts is None:
            self._all_texts = "\x00".join(self.texts.values())
        return self._all_texts

    def serials(self) -> set[str]:
        """Every 8 digits in a run of digits of a text in the census: a text holding a mark holds
        its `_serial_of`, so a mark whose serial is not here is inside no text."""
        if self._serials is None:
            self._serials = {
                run[start : start + 8]
                for run in _SERIAL_RUN.findall(self._joined_texts())
                for start in range(len(run) - 7)
            }
        return self._serials

    def holding_text(self, text: str) -> set[str]:
        """The tables with a text that holds `text` inside it (a JSON copy of a value)."""
        if text not in self._joined_texts():
            return set()
        return {table for table, held in self.texts.items() if text in held}

    def together(self, values: Sequence[ValueKey]) -> set[str]:
        """The tables with one row holding every one of `values`."""
        if not values:
            return set()
        rows = set(self.rows_with.get(values[0], set()))
        for value in values[1:]:
            rows &= self.rows_with.get(value, set())
        return {table for table, _ in rows}


def table_names(db: DevDatabase) -> list[str]:
    """The ordinary tables (not SQLite's own, not virtual ones), sorted."""
    return sorted(_definitions(db))


def _foreign_keys(db: DevDatabase) -> dict[str, list[tuple[int, str, str, str]]]:
    """Ordinary table -> its foreign key rows (id, parent, column, ON DELETE), in the order
    pragma_foreign_key_list gives them: one query for the whole database."""
    found: dict[str, list[tuple[int, str, str, str]]] = {}
    for table, number, parent, column, on_delete in db.query(
        'SELECT m.name, f.id, f."table", f."from", f.on_delete FROM sqlite_schema AS m, '
        "pragma_foreign_key_list(m.name) AS f WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
        "AND m.sql NOT LIKE 'CREATE VIRTUAL%'"
    ):
        found.setdefault(str(table), []).append((int(number), str(parent), str(column), str(on_delete)))
    return found


def _definitions(db: DevDatabase) -> dict[str, str]:
    """Name -> CREATE of every ordinary table (not SQLite's own, not virtual ones)."""
    return {
        str(name): str(sql)
        for name, sql in db.query(
            "SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
            "AND sql NOT LIKE 'CREATE VIRTUAL%'"
        )
    }


_NAMING_TOKENS = (TokenKind.WORD, TokenKind.QUOTED, TokenKind.STRING)  # SQLite takes 'name' as a name too


def _names_in(tokens: Iterable[Token]) -> set[str]:
    """Every word or quoted name of `tokens`, as keys: more than the tables they name, never fewer."""
    return {key(token.identifier) for token in tokens if token.kind in _NAMING_TOKENS}


def tables_at_stake(db: DevDatabase, schema: Schema, statements: Sequence[RawStatement]) -> set[str]:
    """key() of the tables whose rows a file can reach, and of the tables their rows need.

    Reached: the tables and views its statements name; the children of a reached table (a DELETE or
    DROP cascades into them, clears their references or is refused by them); the tables and views
    named by a trigger on a reached one, and by a reached view's SELECT; again until nothing is added.
    Then every parent of those, which their rows point at. No statement of the file can add, change
    or remove a row of any other table, so those are left empty."""
    catalog = db.query(
        "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE type IN ('table', 'view', 'trigger') "
        "AND sql IS NOT NULL"
    )
    objects = {key(str(name)) for kind, name, _on, _sql in catalog if kind != "trigger"}
    reaches: dict[str, set[str]] = {}  # key -> keys reached from it
    parents: dict[str, set[str]] = {}
    for kind, name, on, sql in catalog:
        if kind in ("trigger", "view"):  # a trigger reaches from its table, a view from itself
            reached_from = key(str(on if kind == "trigger" else name))
            reaches.setdefault(reached_from, set()).update(_names_in(significant_tokens(str(sql))) & objects)
    edges = [(key(child), key(parent)) for child, keys in _foreign_keys(db).items() for _, parent, _, _ in keys]
    edges += [(name, key(fk.ref_table)) for name, table in schema.tables.items() for fk in table.foreign_keys]
    for child, parent in edges:
        reaches.setdefault(parent, set()).add(child)
        parents.setdefault(child, set()).add(parent)
    named: set[str] = set()
    for raw in statements:
        named |= _names_in(raw.tokens)
    reached = _closure(named & objects, reaches)
    return _closure(reached, parents)


def _closure(start: set[str], edges: dict[str, set[str]]) -> set[str]:
    found = set(start)
    waiting = list(start)
    while waiting:
        for following in edges.get(waiting.pop(), ()):
            if following not in found:
                found.add(following)
                waiting.append(following)
    return found


class _EmptyCopy:
    """The file run on the dev database without the rows, to tell a statement that fails only
    because of them. Run when its answer is asked (the filled copy refused a statement, or its
    commit): most files are never run there."""

    def __init__(self, db: DevDatabase, pages: bytes, statements: Sequence[RawStatement], deadline: float) -> None:
        self._db, self._pages, self._statements, self._deadline = db, pages, statements, deadline
        self._next = 0  # the first statement not run yet
        self._open = False

    def through(self, stop: int) -> Outcome | None:
        """Run the statements before `stop` not run yet: the outcome of the last one, or None when
        the copy cannot go on (out of time, interrupted, or its transaction lost)."""
        if not self._open:
            self._db.deserialize(self._pages)
            self._db.begin_file()
            self._open = True
        last = DevDatabase.RAN
        while self._next < stop:
            raw = self._statements[self._next]
            self._next += 1
            if never_run(raw):
                continue
            left = self._deadline - time.monotonic()
            outcome = self._db.run(raw.text, left) if left > 0 else None
            if outcome is None or outcome.interrupted or outcome.file_lost:
                return None
            last = outcome
        return last

    def commit(self) -> str | None:
        """The failure of the copy's commit, or None."""
        self._open = False
        return self._db.end_file()

    def close(self) -> None:
        if self._open:
            self._db.abandon_file()
            self._db.end_file()
            self._open = False


class SampleRun:
    """One stream's sample rows and the two databases the files run in (filled, and empty when asked)."""

    def __init__(self, statement_seconds: float = 2.0, rows: int = ROWS_PER_TABLE) -> None:
        self.rows = rows
        self.marks = Marks()
        self._inserts: dict[str, tuple[str, list[str]]] = {}  # key(table) -> (its CREATE, its INSERTs)
        self.filled = DevDatabase(statement_seconds=statement_seconds)
        self.empty = DevDatabase(statement_seconds=statement_seconds)

    def close(self) -> None:
        self.filled.close()
        self.empty.close()

    # --- filling --------------------------------------------------------------------------------

    def _populate(self, schema: Schema, wanted: set[str]) -> int | None:
        """Sample rows in the tables of `schema` that `wanted` names (keys): the ones made before,
        when the table is unchanged. The number of rows added; None when SQLite refused to commit them."""
        db = self.filled
        definitions = {key(name): sql for name, sql in _definitions(db).items()}
        db.begin_file()
        from grove_schema.sql.ddl import parent_first_order

        fresh: list[str] = []
        count = 0
        for table in parent_first_order(t for name, t in schema.tables.items() if name in wanted):
            name = key(table.name)
            cached = self._inserts.get(name)
            if cached is not None and cached[0] == definitions.get(name):
                # One batch (one savepoint) for the table's rows; when SQLite refuses one of them the
                # batch leaves nothing, and each row is tried on its own, as it was made.
                if not cached[1] or db.execute(";\n".join(cached[1])) is None:
                    count += len(cached[1])
                    continue
                failed = [sql for sql in cached[1] if db.execute(sql) is not None]
                if not failed:
                    count += len(cached[1])
                    continue
            fresh.append(table.name)
        if fresh:
            written: dict[str, list[str]] = {}
            counts = fill_tables(db, schema, fresh, self.rows, marks=self.marks, written=written)
            count += sum(counts.values())
            for name, inserts in written.items():
                self._inserts[name] = (definitions.get(name, ""), inserts)
        failure = db.end_file()
        return count if failure is None else None

    # --- one file -------------------------------------------------------------------------------

    def run_file(
        self,
        pages: bytes,
        schema: Schema,
        statements: Sequence[RawStatement],
        source: str,
        line_of: Callable[[int], int],
        seconds: float,
    ) -> FileVerdicts | None:
        """The verdicts of one file, run on sample rows from `pages` (the dev database before it)
        and `schema` (the model before it); None when the rows cannot be made or the run did not
        finish (a time budget, SQLite rolling the whole file back)."""
        deadline = time.monotonic() + seconds
        self.filled.deserialize(pages)
        at_stake = tables_at_stake(self.filled, schema, statements)
        generated = self._populate(schema, at_stake)
        if generated is None:
            return None
        written: set[str] = set()  # keys of the tables whose rows SQLite wrote since the last census
        census = _Census(self.filled, at_stake)
        beside = _EmptyCopy(self.empty, pages, statements, deadline)
        self.filled.watch_row_changes(lambda table: written.add(key(table)))
        try:
            return self._run_statements(statements, source, line_of, census, written, generated, deadline, beside)
        finally:
            self.filled.watch_row_changes(None)
            beside.close()

    def _run_statements(
        self,
        statements: Sequence[RawStatement],
        source: str,
        line_of: Callable[[int], int],
        census: _Census,
        written: set[str],
        generated: int,
        deadline: float,
        beside: _EmptyCopy,
    ) -> FileVerdicts | None:
        held = Counter[str]()
        rows = self._rows_of(census, held)
        values = [_Value(row, column, mark, _serial_of(mark)) for row in rows for column, mark in row.columns.items()]
        run = _FileRun([line_of(raw.start) for raw in statements])
        self.filled.begin_file()
        for index, raw in enumerate(statements):
            if never_run(raw):
                continue
            left = deadline - time.monotonic()
            first = raw.first_word()
            parsed = parsed_statement(raw, source) if first in ("DROP", "ALTER") else None
            if isinstance(parsed, DropObject) and parsed.kind is Kind.DROP_TABLE:
                run.drops[index] = key(parsed.name)
                run.cascading[index], run.cleared[index] = self._actions_into(parsed.name)
                run.in_dropped[index] = [
                    r for r in rows if r.vanished_at is None and key(parsed.name) in map(key, r.seen_in)
                ]
            elif isinstance(parsed, AlterTable) and parsed.kind is Kind.DROP_COLUMN:
                run.dropped_columns[index] = (key(parsed.table), parsed.column_name)
            outcome = self.filled.run(raw.text, left) if left > 0 else None
            if outcome is None or outcome.interrupted or outcome.file_lost:
                return self._abandon(None)
            if outcome.failure is not None:
                plain = beside.through(index + 1)
                if plain is None:
                    return self._abandon(None)
                if plain.failure is None:
                    # Only the rows make it fail: production fails here, and D1 rolls the file back.
                    failing = StatementVerdict(run.lines[index], failure=outcome.failure)
                    return self._abandon(FileVerdicts({raw.start: failing}, sample_rows=generated))
                run.failures[index] = outcome.failure  # as on the empty database: the replay reports it
            for cleared in run.cleared.get(index, []):
                cleared.measure(self.filled)
            if first in _MEASURED or (first == "INSERT" and _replaces(raw)):
                census.refresh(self.filled, written)
                written.clear()
                self._measure(census, rows, values, index)
        filled_failure = self.filled.end_file()
        if filled_failure is not None:
            if beside.through(len(statements)) is not None and beside.commit() is None:
                return FileVerdicts(commit_failure=filled_failure, sample_rows=generated)
            return None  # the file fails as it is (the replay says so): nothing is lost
        census.refresh(self.filled, written)
        self._measure(census, rows, values, len(statements) - 1)
        for cleared_list in run.cleared.values():
            for cleared in cleared_list:
                cleared.recheck(self.filled)
        return self._verdicts(statements, run, rows, values, held, self._references(), generated)

    def _abandon(self, verdicts: FileVerdicts | None) -> FileVerdicts | None:
        self.filled.abandon_file()
        self.filled.end_file()
        return verdicts

    def _rows_of(self, census: _Census, held: Counter[str]) -> list[_Row]:
        counts = Counter[ValueKey]()
        for table_rows in census.tables.values():
            for row in table_rows:
                for value in row:
                    value_key = _value_key(value)
                    if value_key is not None:
                        counts[value_key] += 1
        found: list[_Row] = []
        for table, table_rows in census.tables.items():
            columns = census.columns[table]
            primary = [
                str(r[0])
                for r in self.filled.query("SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", (table,))
            ]
            for row in table_rows:
                held[table] += 1
                keyed = dict(zip(columns, row, strict=False))
                marks: list[ValueKey] = []
                marked: dict[str, ValueKey] = {}
                for column, value in keyed.items():
                    value_key = _value_key(value)
                    if value_key is not None and counts[value_key] == 1 and _is_mark(value_key):
                        marks.append(value_key)
                        marked[column] = value_key
                chosen = [keyed[c] for c in primary if c in keyed] or list(row)
                key_values = tuple(k for k in map(_value_key, chosen) if k is not None)
                found.append(_Row(table, marks, key_values, marked, frozenset({table})))
        return found

    def _actions_into(self, parent: str) -> tuple[set[str], list[_Cleared]]:
        """The tables whose foreign keys cascade from `parent`, and the references SET NULL/DEFAULT
        would clear, with their values now."""
        cascade: set[str] = set()
        cleared: list[_Cleared] = []
        for table, foreign_keys in sorted(_foreign_keys(self.filled).items()):
            if key(table) == key(parent):
                continue
            keys: dict[int, list[tuple[str, str]]] = {}
            for number, referenced, column, on_delete in foreign_keys:
                if key(referenced) == key(parent):
                    keys.setdefault(number, []).append((column, on_delete.upper()))
            for parts in keys.values():
                action = parts[0][1]
                if action == "CASCADE":
                    cascade.add(key(table))
                elif action in ("SET NULL", "SET DEFAULT"):
                    columns = tuple(column for column, _ in parts)
                    selected = ", ".join(quote_name(c) for c in columns)
                    try:
                        before = self.filled.query(f"SELECT rowid, {selected} FROM {quote_name(table)}")
                    except Exception:  # WITHOUT ROWID: its references are not followed
                        continue
                    kept = {int(r[0]): tuple(r[1:]) for r in before if any(v is not None for v in r[1:])}
                    cleared.append(_Cleared(table, columns, _ACTIONS[action], kept))
        return cascade, cleared

    def _references(self) -> dict[str, tuple[str, ...]]:
        references: dict[str, tuple[str, ...]] = {}
        foreign_keys = _foreign_keys(self.filled)
        for table in table_names(self.filled):
            references[key(table)] = tuple(sorted({parent for _, parent, _, _ in foreign_keys.get(table, [])}))
        return references

    @staticmethod
    def _measure(census: _Census, rows: list[_Row], values: list[_Value], index: int) -> None:
        where = census.where  # the tables holding each value as a value
        holding: dict[ValueKey, set[str]] = {}  # each mark looked for once: a row's marks are its values'
        serials = census.serials()
        for value in values:
            mark = value.mark
            tables = where.get(mark)
            if not tables:
                # Lost as a value: inside a longer text only if the texts hold its serial. A value
                # without one (a word a CHECK allows, 'digital') is not looked for in other texts.
                tables = census.holding_text(mark[1]) if value.serial in serials else set()
            holding[mark] = tables
            if tables:
                value.seen, value.vanished_at = True, None
            elif value.seen:
                value.seen, value.vanished_at = False, index
        for row in rows:
            if row.marks:
                tables = set()
                for mark in row.marks:
                    tables |= holding[mark]
            else:
                tables = census.together(row.key_values)
            if tables:
                row.seen_in, row.vanished_at = frozenset(tables), None
            elif row.vanished_at is None:
                row.vanished_at = index

    def _verdicts(
        self,
        statements: Sequence[RawStatement],
        run: _FileRun,
        rows: list[_Row],
        values: list[_Value],
        held: Counter[str],
        references: dict[str, tuple[str, ...]],
        generated: int,
    ) -> FileVerdicts:
        drops = run.drops
        row_losses: Counter[tuple[int, str, str | None]] = Counter()
        for row in rows:
            if row.vanished_at is None or (not row.key_values and not row.marks):
                continue
            table = min(row.seen_in, key=key)
            at = row.vanished_at
            later_drop = next((i for i in sorted(drops) if i >= at and drops[i] == key(table)), None)
            through: str | None = None
            if later_drop is not None and key(table) not in references:
                # Its table is dropped for good: the DROP's loss, whatever took the rows first (a
                # table rebuilt after a cascade emptied it lost them to the cascade).
                at = later_drop
            elif at in drops and drops[at] != key(table):
                through = CASCADE if key(table) in run.cascading.get(at, set()) else "a trigger"
            row_losses[(at, table, through)] += 1
        value_losses: Counter[tuple[int, str, str]] = Counter()
        for value in values:
            gone, row_gone = value.vanished_at, value.row.vanished_at
            if gone is not None and (row_gone is None or gone < row_gone):  # not with its whole row
                value_losses[(gone, value.row.table, value.column)] += 1
        verdicts: dict[int, StatementVerdict] = {}
        for index, raw in enumerate(statements):
            lost_rows = tuple(
                RowLoss(table, count, held[table], through)
                for (at, table, through), count in sorted(row_losses.items(), key=lambda item: key(item[0][1]))
                if at == index
            )
            lost_values = tuple(
                ValueLoss(table, column, count, held[table])
                for (at, table, column), count in sorted(value_losses.items())
                if at == index
            )
            cleared = tuple(
                ClearedReferences(c.table, c.columns, len(c.changed), c.action)
                for c in run.cleared.get(index, [])
                if c.changed and not any(i > index and t == key(c.table) for i, t in drops.items())
            )
            ends_in: tuple[str, ...] = ()
            if index in run.in_dropped:
                found: set[str] = set()
                for row in run.in_dropped[index]:
                    if row.vanished_at is None:
                        found |= row.seen_in
                ends_in = tuple(sorted(found, key=key))
            untraced: tuple[str, ...] = ()
            if index in run.dropped_columns:
                table, column = run.dropped_columns[index]
                has_rows = any(key(r.table) == table for r in rows)
                traced = any(key(v.row.table) == table and key(v.column) == key(column) for v in values)
                if has_rows and not traced:
                    untraced = (column,)
            verdicts[raw.start] = StatementVerdict(
                run.lines[index], lost_rows, lost_values, cleared, run.failures.get(index), ends_in, untraced
            )
        return FileVerdicts(verdicts, None, references, frozenset(references), generated, complete=True)


def _replaces(raw: RawStatement) -> bool:
    """INSERT OR REPLACE deletes the rows it conflicts with."""
    return any(t.kind is TokenKind.WORD and t.text.upper() == "REPLACE" for t in raw.tokens[:4])
