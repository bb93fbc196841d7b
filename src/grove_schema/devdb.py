"""The D1-profile dev database: a sandboxed in-memory SQLite that behaves like D1.

It checks the schema model; it is never its source. It runs on apsw's bundled SQLite (current,
like D1's) with what D1's runtime (workerd) sets up: defensive mode, D1's limits, foreign keys
always on, and an authorizer that denies what D1 denies. Nothing it runs can touch a file:
ATTACH (and VACUUM INTO, which arrives as ATTACH) is denied and the attach limit is 0, extension
loading is off, and every statement has a time budget.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import apsw

from grove_schema.d1 import (
    ALLOWED_FUNCTIONS,
    ALLOWED_VIRTUAL_TABLE_MODULES,
    SQLITE_LIMITS,
    TRANSACTION_REFUSAL,
    pragma_verdict,
)

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


def sqlite_version() -> str:
    return str(apsw.sqlite_lib_version())


class DevDatabase:
    """One D1 database, in memory. Each migration file runs inside one transaction, as in D1."""

    def __init__(self, statement_seconds: float = 5.0) -> None:
        self.statement_seconds = statement_seconds
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
        self._in_file = False
        self._file_statements: list[str] = []  # what the current file ran successfully, to rebuild it

    # --- the D1 profile ---------------------------------------------------------------------

    def _authorize(
        self, action: int, first: str | None, second: str | None, database: str | None, trigger: str | None
    ) -> int:
        if self._internal:
            return apsw.SQLITE_OK
        verdict = self._d1_verdict(action, first, second)
        if verdict is None and database == "temp" and action not in (apsw.SQLITE_READ, apsw.SQLITE_UPDATE):
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
        self._file_statements = []

    def end_file(self) -> str | None:
        """Commit the file's transaction; a deferred foreign key failure rolls it all back."""
        self._in_file = False
        try:
            self._run_internal("COMMIT")
        except apsw.Error as error:
            self._run_internal("ROLLBACK")
            return _message(error)
        return None

    def execute(self, sql: str) -> str | None:
        """Run one statement. On failure it has no effect, and SQLite's message is returned."""
        savepoint = self._in_file
        if savepoint:
            self._run_internal("SAVEPOINT grove_schema_statement")
        self._denial = None
        self._deadline = time.monotonic() + self.statement_seconds
        self._internal = False
        failure: str | None = None
        try:
            for _row in self._con.execute(sql):
                pass
        except apsw.InterruptError:
            failure = f"interrupted: the statement ran longer than {self.statement_seconds:g} s"
        except apsw.AuthError as error:
            failure = f"{_message(error)}: {self._denial}" if self._denial else _message(error)
        except apsw.Error as error:
            failure = _message(error)
        except (ValueError, TypeError, OverflowError) as error:
            failure = str(error)
        finally:
            self._internal = True
        if savepoint:
            if failure is None:
                self._run_internal("RELEASE grove_schema_statement")
                self._file_statements.append(sql)
            elif self._con.in_transaction:
                self._run_internal("ROLLBACK TO grove_schema_statement")
                self._run_internal("RELEASE grove_schema_statement")
            else:
                self._rebuild_file()
        return failure

    def _rebuild_file(self) -> None:
        """SQLite rolled the whole transaction back (an interrupted write, INSERT OR ROLLBACK,
        RAISE(ROLLBACK)), taking the file's earlier statements with it: run them again, so the
        failed statement alone has no effect, as everywhere else."""
        self._run_internal("BEGIN")
        for statement in self._file_statements:
            self._run_internal(statement)

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

    def rows(self, sql: str) -> Iterator[tuple[Any, ...]]:
        yield from self.query(sql)

    def serialize(self) -> bytes:
        """The database's pages (sqlite3_serialize), to restore with `deserialize`."""
        return bytes(self._con.serialize("main"))

    def deserialize(self, pages: bytes) -> None:
        """Replace the database's content with `pages` from `serialize`."""
        self._con.deserialize("main", pages)

    def close(self) -> None:
        self._con.close()


def _message(error: BaseException) -> str:
    text = str(error)
    # apsw prefixes the exception class: "SQLError: no such table: x".
    head, sep, tail = text.partition(": ")
    if sep and head.endswith("Error"):
        return tail
    return text
