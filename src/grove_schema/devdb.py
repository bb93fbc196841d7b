"""The D1-profile dev database: a sandboxed in-memory SQLite that behaves like D1.

It checks the schema model; it is never its source. It runs on apsw's bundled SQLite (current,
like D1's) with what D1's runtime (workerd) sets up: defensive mode, D1's limits, foreign keys
always on, and an authorizer that denies what D1 denies. Nothing it runs can touch a file:
ATTACH (and VACUUM INTO, which arrives as ATTACH) is denied and the attach limit is 0, extension
loading is off, every statement has a time budget (which the caller may shorten to what is
left of its file's or its run's budget), and SQLite's heap is capped (`HEAP_LIMIT_BYTES`).

SQLite's progress handler, which enforces the time budget, is not called inside one call of a C
function, and a few of SQLite's string functions are quadratic (`instr`, `replace`, and the
two-argument `trim`, `ltrim`, `rtrim`: 97 s for one `trim` of 200,000 characters). The dev
database replaces them with linear implementations of the same results (`_linear_functions`).

When SQLite rolls the whole transaction back by itself (`INSERT OR ROLLBACK`, a table's
`ON CONFLICT ROLLBACK`, `RAISE(ROLLBACK, ...)` in a trigger, a write interrupted by the time
budget, running out of heap), the file's earlier statements are gone with it: the database is as
it was before the file, which is also what D1 leaves (it rolls back the whole file). `execute`
then says so (`Outcome.file_lost`), and the file goes on in a fresh transaction from that state.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import apsw

from grove_schema.d1 import (
    ALLOWED_FUNCTIONS,
    ALLOWED_VIRTUAL_TABLE_MODULES,
    SQLITE_LIMITS,
    TRANSACTION_REFUSAL,
    pragma_verdict,
)
from grove_schema.records import FrozenRecord, frozen_record
from grove_schema.sqlite_threading import one_thread_declared

# workerd's limits for D1 (grove_schema.d1), as apsw's limit codes.
_LIMITS: dict[int, int] = {getattr(apsw, name): value for name, value in SQLITE_LIMITS.items()}

_NAME_CHECKED_ACTIONS = {
    apsw.SQLITE_CREATE_TABLE,
    apsw.SQLITE_DROP_TABLE,
    apsw.SQLITE_CREATE_INDEX,
    apsw.SQLITE_DROP_INDEX,
    apsw.SQLITE_CREATE_TRIGGER,
    apsw.SQLITE_DROP_TRIGGER,
    apsw.SQLITE_CREATE_VIEW,
    apsw.SQLITE_DROP_VIEW,
    apsw.SQLITE_INSERT,
    apsw.SQLITE_DELETE,
    apsw.SQLITE_UPDATE,
    apsw.SQLITE_READ,
    apsw.SQLITE_REINDEX,
    apsw.SQLITE_ALTER_TABLE,
    apsw.SQLITE_CREATE_VTABLE,
    apsw.SQLITE_DROP_VTABLE,
}

# The name-checked actions _d1_verdict decides by the `_cf_` prefix alone (a virtual table's module
# is checked too).
_ROW_AND_NAME_ACTIONS = frozenset(_NAME_CHECKED_ACTIONS - {apsw.SQLITE_CREATE_VTABLE, apsw.SQLITE_DROP_VTABLE})
_TEMP_SCHEMA_ALLOWED = (apsw.SQLITE_READ, apsw.SQLITE_UPDATE)  # what may name the temp schema

_TEMP_ACTIONS = {
    apsw.SQLITE_CREATE_TEMP_TABLE,
    apsw.SQLITE_CREATE_TEMP_INDEX,
    apsw.SQLITE_CREATE_TEMP_TRIGGER,
    apsw.SQLITE_CREATE_TEMP_VIEW,
    apsw.SQLITE_DROP_TEMP_TABLE,
    apsw.SQLITE_DROP_TEMP_INDEX,
    apsw.SQLITE_DROP_TEMP_TRIGGER,
    apsw.SQLITE_DROP_TEMP_VIEW,
}


# The dev database's share of memory: SQLite's hard heap limit (sqlite3_hard_heap_limit64, for the
# whole process). D1 itself allows a database of up to 10 GB, but a migration stream's own rows
# are a few megabytes; a stream that needs more than this is a finding, not gigabytes of RAM.
HEAP_LIMIT_BYTES = 256 * 1024 * 1024


def sqlite_version() -> str:
    return str(apsw.sqlite_lib_version())


_threading_mode: str | None = None  # decided when the process's first dev database opens


def _configure_threading() -> None:
    """Before the process's first connection: SQLite single-threaded (no mutexes) when the process
    declared it uses SQLite from one thread (`sqlite_threading`), else serialized, as apsw sets it up."""
    global _threading_mode
    if _threading_mode is not None:
        return
    _threading_mode = "serialized"
    if one_thread_declared():
        apsw.shutdown()  # SQLite takes its threading mode only while it is not initialized
        try:
            apsw.config(apsw.SQLITE_CONFIG_SINGLETHREAD)
            _threading_mode = "single-thread"
        except apsw.Error:  # SQLite refused the mode: it stays serialized
            pass
        finally:
            apsw.initialize()


def threading_mode() -> str | None:
    """The threading mode the dev database put SQLite in: "serialized", "single-thread", or None
    before the process's first dev database."""
    return _threading_mode


@frozen_record()
class Outcome(FrozenRecord):
    """What one statement did in the dev database."""

    failure: str | None  # SQLite's message (None: it ran)
    file_lost: bool = False  # SQLite rolled the whole file's transaction back: the database is as before the file
    interrupted: bool = False  # the time budget stopped it
    out_of_memory: bool = False  # the heap limit stopped it


class DevDatabase:
    """One D1 database, in memory. Each migration file runs inside one transaction, as in D1."""

    RAN = Outcome(None)  # a statement that ran

    def __init__(self, statement_seconds: float = 2.0) -> None:
        _configure_threading()
        self.statement_seconds = statement_seconds
        if apsw.hard_heap_limit(-1) not in range(1, HEAP_LIMIT_BYTES + 1):  # -1 reads it
            apsw.hard_heap_limit(HEAP_LIMIT_BYTES)
        self._con = apsw.Connection(":memory:")
        self._con.config(apsw.SQLITE_DBCONFIG_DEFENSIVE, 1)
        self._con.config(apsw.SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0)
        for limit, value in _LIMITS.items():
            self._con.limit(limit, value)
        self._con.execute("PRAGMA foreign_keys = ON")
        self._internal = True
        self._denial: str | None = None
        self._deadline = 0.0
        self._con.authorizer = self._authorize
        self._con.set_progress_handler(self._progress, 10_000)
        for (name, arguments), function in _linear_functions().items():
            self._con.create_scalar_function(name, function, arguments, deterministic=True, flags=apsw.SQLITE_INNOCUOUS)
        self._in_file = False

    # --- the D1 profile ---------------------------------------------------------------------

    def _authorize(
        self, action: int, first: str | None, second: str | None, database: str | None, trigger: str | None
    ) -> int:
        if self._internal:
            return apsw.SQLITE_OK
        # The common actions first (a row read or written, a table or index made, a function D1
        # allows), as _d1_verdict decides them: SQLite asks ~10,000 times in a replay of the corpus.
        if action in _ROW_AND_NAME_ACTIONS:
            reserved = (first and first.startswith("_cf_")) or (second and second.startswith("_cf_"))
            if not reserved and (database != "temp" or action in _TEMP_SCHEMA_ALLOWED):
                return apsw.SQLITE_OK
        elif action == apsw.SQLITE_FUNCTION and database != "temp" and (second or "").lower() in ALLOWED_FUNCTIONS:
            return apsw.SQLITE_OK
        verdict = self._d1_verdict(action, first, second)
        if verdict is None and database == "temp" and action not in _TEMP_SCHEMA_ALLOWED:
            verdict = "D1 does not allow TEMP tables, indexes, views or triggers"  # `temp.x` names the temp schema
        if verdict is None:
            return apsw.SQLITE_OK
        self._denial = verdict
        return apsw.SQLITE_DENY

    def _d1_verdict(self, action: int, first: str | None, second: str | None) -> str | None:
        """Why D1 denies this action, or None when it allows it."""
        if action in (apsw.SQLITE_ATTACH, apsw.SQLITE_DETACH):
            return "D1 does not support attached databases (ATTACH, DETACH, VACUUM INTO)"
        if action in _TEMP_ACTIONS:
            return "D1 does not allow TEMP tables, indexes, views or triggers"
        if action in (apsw.SQLITE_TRANSACTION, apsw.SQLITE_SAVEPOINT):
            return TRANSACTION_REFUSAL
        if action == apsw.SQLITE_PRAGMA:
            return pragma_verdict(first or "", second)
        if action == apsw.SQLITE_FUNCTION:
            if (second or "").lower() not in ALLOWED_FUNCTIONS:
                return f"D1 does not allow the function {second}()"
            return None
        is_vtable = action in (apsw.SQLITE_CREATE_VTABLE, apsw.SQLITE_DROP_VTABLE)
        if is_vtable and (second or "").lower() not in ALLOWED_VIRTUAL_TABLE_MODULES:
            return f"D1 does not allow the virtual table module {second}"
        if action in _NAME_CHECKED_ACTIONS:
            for name in (first, second):
                if name and name.startswith("_cf_"):  # case-sensitive, as real local D1 checks it
                    return f"the name {name} is reserved by D1 (_cf_ prefix)"
        return None

    def _progress(self) -> bool:
        return time.monotonic() > self._deadline

    # --- running statements -----------------------------------------------------------------

    def begin_file(self) -> None:
        self._run_internal("BEGIN")
        self._in_file = True

    def end_file(self) -> str | None:
        """Commit the file's transaction; a deferred foreign key failure rolls it all back."""
        self._in_file = False
        try:
            self._run_internal("COMMIT")
        except apsw.Error as error:
            if self._con.in_transaction:
                self._run_internal("ROLLBACK")
            return _message(error)
        return None

    def abandon_file(self) -> None:
        """Roll the file's transaction back and start a fresh one: the state before the file."""
        if self._con.in_transaction:
            self._run_internal("ROLLBACK")
        if self._in_file:
            self._run_internal("BEGIN")

    def execute(self, sql: str) -> str | None:
        """Run one statement. On failure it has no effect, and SQLite's message is returned."""
        return self.run(sql).failure

    def run(self, sql: str, seconds: float | None = None) -> Outcome:
        """Run one statement within `seconds` (default: the statement budget). On failure the
        statement has no effect; when SQLite rolled the file's whole transaction back with it
        (`Outcome.file_lost`), the database is as it was before the file, in a fresh transaction."""
        budget = self.statement_seconds if seconds is None else min(seconds, self.statement_seconds)
        savepoint = self._in_file
        if savepoint:
            self._run_internal("SAVEPOINT grove_schema_statement")
        self._denial = None
        self._deadline = time.monotonic() + budget
        self._internal = False
        failure: str | None = None
        interrupted = out_of_memory = False
        try:
            # Never from apsw's statement cache: a statement prepared there for our own BEGIN or
            # COMMIT was authorized then, and a file's `COMMIT` of the same text ran without D1's
            # refusal (it committed the file's transaction under the statement's savepoint).
            for _row in self._con.execute(sql, can_cache=False):
                pass
        except apsw.InterruptError:
            interrupted = True
            failure = f"interrupted: the statement ran longer than {budget:g} s"
        except apsw.NoMemError:
            out_of_memory = True
            failure = f"out of memory: the dev database's heap limit is {HEAP_LIMIT_BYTES // 2**20} MiB"
        except apsw.AuthError as error:
            failure = f"{_message(error)}: {self._denial}" if self._denial else _message(error)
        except apsw.Error as error:
            failure = _message(error)
        except (ValueError, TypeError, OverflowError, MemoryError) as error:
            failure = str(error) or type(error).__name__
        finally:
            self._internal = True
        file_lost = False
        if savepoint:
            if failure is None:
                self._run_internal("RELEASE grove_schema_statement")
            elif self._con.in_transaction and not out_of_memory:
                self._run_internal("ROLLBACK TO grove_schema_statement")
                self._run_internal("RELEASE grove_schema_statement")
            else:
                # SQLite rolled the whole transaction back (or, out of heap, we do: nothing else
                # frees the file's pages): the state before the file.
                file_lost = True
                self.abandon_file()
        return Outcome(failure, file_lost, interrupted, out_of_memory)

    def _run_internal(self, sql: str) -> None:
        self._internal = True
        self._deadline = time.monotonic() + 3600
        for _row in self._con.execute(sql):
            pass

    def query(self, sql: str, bindings: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Read the catalog (our own queries, not subject to D1's authorizer)."""
        self._internal = True
        self._deadline = time.monotonic() + 3600
        return [tuple(row) for row in self._con.execute(sql, bindings)]

    def column_collation(self, table: str, column: str) -> str:
        """A column's collation as SQLite resolved it (sqlite3_table_column_metadata)."""
        self._internal = True
        return str(self._con.column_metadata("main", table, column)[1])

    def rows(self, sql: str) -> Iterator[tuple[Any, ...]]:
        yield from self.query(sql)

    def watch_row_changes(self, changed: Callable[[str], None] | None) -> None:
        """Call `changed(table)` for each row a statement inserts, updates or deletes, those of a
        cascade, a trigger or a DELETE without WHERE included (SQLite's preupdate hook); None stops.
        Schema changes (DROP TABLE, ALTER TABLE) are not rows: compare sqlite_schema for those."""
        if changed is None:
            self._con.preupdate_hook(None)
        else:
            self._con.preupdate_hook(lambda update: changed(update.table_name))

    def serialize(self) -> bytes:
        """The database's pages (sqlite3_serialize), to restore with `deserialize`."""
        return bytes(self._con.serialize("main"))

    def deserialize(self, pages: bytes) -> None:
        """Replace the database's content with `pages` from `serialize`."""
        self._con.deserialize("main", pages)

    def close(self) -> None:
        self._con.close()


# --- linear versions of SQLite's quadratic string functions ------------------------------------

_cast_connection: apsw.Connection | None = None


def _as_text(value: Any) -> str:
    """A value as SQLite's sqlite3_value_text sees it."""
    global _cast_connection
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    if isinstance(value, int):
        return str(value)
    if _cast_connection is None:  # a real: SQLite's own rendering (1.0, 1.0e+20), not Python's
        _cast_connection = apsw.Connection(":memory:")
    ((text,),) = _cast_connection.execute("SELECT CAST(? AS TEXT)", (value,)).fetchall()
    return str(text)


def _text_result(text: str) -> str | bytes:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # it came from a blob that is not UTF-8: give its bytes back
        return text.encode("utf-8", "surrogateescape")
    return text


def _instr(haystack: Any, needle: Any) -> int | None:
    if haystack is None or needle is None:
        return None
    if isinstance(haystack, bytes) and isinstance(needle, bytes):
        return haystack.find(needle) + 1
    return _as_text(haystack).find(_as_text(needle)) + 1


def _replace(text: Any, pattern: Any, replacement: Any) -> Any:
    if text is None or pattern is None:
        return None
    old = _as_text(pattern)
    if not old:
        return _text_result(_as_text(text))  # SQLite gives the first argument back, as text
    if replacement is None:
        return None
    return _text_result(_as_text(text).replace(old, _as_text(replacement)))


def _trimmer(left: bool, right: bool) -> Callable[[Any, Any], Any]:
    def trim(text: Any, characters: Any) -> Any:
        if text is None or characters is None:
            return None
        value, removed = _as_text(text), set(_as_text(characters))
        start, end = 0, len(value)
        while left and start < end and value[start] in removed:
            start += 1
        while right and end > start and value[end - 1] in removed:
            end -= 1
        return _text_result(value[start:end])

    return trim


def _linear_functions() -> dict[tuple[str, int], Callable[..., Any]]:
    return {
        ("instr", 2): _instr,
        ("replace", 3): _replace,
        ("trim", 2): _trimmer(True, True),
        ("ltrim", 2): _trimmer(True, False),
        ("rtrim", 2): _trimmer(False, True),
    }


def _message(error: BaseException) -> str:
    text = str(error)
    # apsw prefixes the exception class: "SQLError: no such table: x".
    head, sep, tail = text.partition(": ")
    if sep and head.endswith("Error"):
        return tail
    return text
