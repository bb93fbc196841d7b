"""Replay: apply a database's migration stream, statement by statement, to the schema model.

Every statement is parsed, planned against the model, and run in the D1-profile dev database.
A statement the dev database rejects has no effect on the model and becomes a finding; replay
goes on with the next one, as a compiler does, so one bad statement hides nothing after it.

The dev database has budgets: time per statement, per file and per run, and SQLite's heap. When a
file cannot go on in the dev database (SQLite rolled its whole transaction back, the heap or the
file's time ran out), the rest of the file is not run there: the lint rules still judge each of
its statements on the model, and after the file the model is put back to the state the dev
database is in (before the file, when SQLite lost its transaction). When the run's time is spent,
the rest is replayed on the model alone. Each case is one finding that lists what was not run.
"""

from __future__ import annotations

import math
import re
import time
from collections import deque
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from grove_schema.codes import (
    EMPTY_MIGRATION,
    MEMORY_LIMIT,
    MISSING_SEMICOLON,
    PARSE_ERROR,
    SQLITE_ERROR,
    TIME_BUDGET,
    TRANSACTION_ROLLED_BACK,
    UNSUPPORTED_STATEMENT,
    UNTERMINATED_COMMENT,
)
from grove_schema.d1 import MAX_STATEMENT_BYTES
from grove_schema.findings import (
    Finding,
    Location,
    RuleInfo,
    Severity,
    make_finding,
    short_list,
    with_detail,
    with_fix,
)
from grove_schema.layouts import MigrationFile
from grove_schema.losses import FileVerdicts, needs_verdicts, never_run
from grove_schema.model import Schema, SourceRef
from grove_schema.progress import gathered
from grove_schema.records import FrozenRecord, Record, frozen_record
from grove_schema.schema_changes import NO_CHANGE, Change, Refusal, plan_change
from grove_schema.sql.lexer import LineIndex, RawStatement, SplitFile, Token, TokenKind, split_statements
from grove_schema.sql.parsing import (
    AlterTable,
    CreateIndex,
    CreateTable,
    CreateVirtualTable,
    DropObject,
    Kind,
    Statement,
    StatementError,
    parse_statement,
)
from grove_schema.suppressions import FileLayout

if TYPE_CHECKING:
    from grove_schema.data_verdicts import SampleRun
    from grove_schema.devdb import DevDatabase, Outcome
    from grove_schema.rules.base import Rule, Violation

# The rules that read the data verdicts: a file is run on sample rows only when one of them is on.
_VERDICT_RULES = frozenset(
    {"drop-referenced-table", "rename-referenced-table", "destructive-change", "pragma-foreign-keys"}
)
# A file that runs longer than this in one call is run again statement by statement (with their
# budgets): in the dev database, without rows, a migration file takes milliseconds.
_ONE_CALL_SECONDS = 0.5
_RUN_AHEAD_FILES = 32  # how many files the dev database may run before the model replays them
_SYNTAX_MARKERS = ("syntax error", "incomplete input", "unrecognized token", "unterminated")
_DDL_KEYWORDS = ("CREATE", "ALTER", "DROP")


@dataclass(frozen=True, eq=False, repr=False)
class ReplayedStatement(FrozenRecord):
    """One statement of the stream and what became of it.

    A replay resumed from the cache holds the statements of the files before it unparsed
    (`parsed` is the RawStatement): `statement` parses one on first use. `kind` and `tables` are
    kept apart, so that what reads every statement of a stream (the ownership checks) parses none.
    """

    # None: it did not parse. Left out of == and hash(): parsing a restored one on first use
    # changes it from the raw statement to the parsed one.
    parsed: Statement | RawStatement | None = field(compare=False)
    file: MigrationFile
    location: Location
    text: str
    applied: bool  # it changed (or could have changed) the database
    error: str | None = None  # the dev database's (or the model's) refusal
    kind: Kind | None = None  # None: it did not parse
    tables: tuple[str, ...] = ()  # the tables it creates, alters, renames (old, new), indexes or drops

    @classmethod
    def of(
        cls,
        statement: Statement | None,
        file: MigrationFile,
        location: Location,
        text: str,
        applied: bool,
        error: str | None = None,
    ) -> ReplayedStatement:
        if statement is None:
            return cls(None, file, location, text, applied, error)
        return cls(statement, file, location, text, applied, error, statement.kind, named_tables(statement))

    @property
    def statement(self) -> Statement | None:
        parsed = self.parsed
        if isinstance(parsed, RawStatement):
            parsed = parse_statement(parsed, parsed.source)
            object.__setattr__(self, "parsed", parsed)
        return parsed

    def unparsed(self) -> ReplayedStatement:
        """This statement holding its raw text instead of its parsed form (for a snapshot)."""
        parsed = self.parsed
        return replace(self, parsed=parsed.raw) if isinstance(parsed, Statement) else self


def named_tables(statement: Statement) -> tuple[str, ...]:
    """The tables a statement creates, alters, renames (old and new name), indexes or drops."""
    if isinstance(statement, CreateTable | CreateVirtualTable):
        return (statement.name,)
    if isinstance(statement, AlterTable):
        return (statement.table, statement.new_name) if statement.kind is Kind.RENAME_TABLE else (statement.table,)
    if isinstance(statement, CreateIndex):
        return (statement.table,)
    if isinstance(statement, DropObject) and statement.kind is Kind.DROP_TABLE:
        return (statement.name,)
    return ()


@dataclass(eq=False, repr=False)
class StreamReplay(Record):
    """The outcome of replaying one database's stream."""

    database: str
    schema: Schema = field(default_factory=Schema)
    files: list[MigrationFile] = field(default_factory=list)
    statements: list[ReplayedStatement] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    divergences: list[str] = field(default_factory=list)  # model vs dev database disagreements
    texts: dict[str, str] = field(default_factory=dict)  # path -> file text, for reporters
    layouts: list[FileLayout] = field(default_factory=list)  # comments and statement lines, for suppressions
    # The files D1 would fail (a statement refused, or the commit), as [index in `files`, tables
    # before it]: D1 rolls the first back and applies no later file, so what D1 holds is what the
    # files before it made. The replay goes on past it for the rules' sake.
    d1_failures: list[list[int]] = field(default_factory=list)

    def d1_stop(self, applied: Collection[str] = ()) -> tuple[int, int] | None:
        """(index in `files`, tables before it) of the first file D1 would fail, leaving out the
        files production already applied (`applied`: their paths, from the lock)."""
        for index, tables in self.d1_failures:
            if str(self.files[index].path) not in applied:
                return index, tables
        return None

    def d1_tables(self, applied: Collection[str] = ()) -> int:
        """The tables D1 would hold after applying the stream: it stops at the first failing file."""
        stop = self.d1_stop(applied)
        return stop[1] if stop is not None else self.schema.table_count

    def not_applied_by_d1(self, applied: Collection[str] = ()) -> list[str]:
        """The names of the files D1 would not apply: the first failing one and every later one."""
        stop = self.d1_stop(applied)
        return [] if stop is None else [m.name for m in self.files[stop[0] :]]


TextReader = Callable[[Path], "str | Finding"]


@frozen_record()
class LintSettings(FrozenRecord):
    """Which lint rules run during the replay, and what they need from the map."""

    rules: tuple[Rule, ...] = ()
    retired_tables: Mapping[str, str] = field(default_factory=dict)  # key(table) -> reason
    retired_columns: Mapping[tuple[str, str], str] = field(default_factory=dict)
    owner_of: Callable[[str], str | None] | None = None  # the ownership map

    @classmethod
    def default(cls) -> LintSettings:
        from grove_schema.rules import ALL_RULES

        return cls(rules=ALL_RULES)


# The default time budgets in the dev database (docs/dev-database.md): Grove's real stream of 87
# files replays in about 1.2 s.
# A legitimate 10 MB file of 74,000 INSERTs takes about 15 s on a loaded machine: the file budget
# leaves it twice that.
STATEMENT_SECONDS = 2.0
FILE_SECONDS = 30.0
RUN_SECONDS = 120.0


class RunBudget:
    """The time budget of a whole run, shared by the replays of every stream; its clock starts at
    the first statement."""

    def __init__(self, seconds: float = RUN_SECONDS) -> None:
        self.seconds = seconds
        self._deadline: float | None = None

    def left(self) -> float:
        if self._deadline is None:
            self._deadline = time.monotonic() + self.seconds
        return self._deadline - time.monotonic()

    @property
    def spent(self) -> bool:
        return self._deadline is not None and self.left() <= 0


@dataclass(frozen=True, eq=False, repr=False)
class ReplayOptions(FrozenRecord):
    """How a stream is replayed: with the dev database or on the model alone, the time budgets in
    the dev database (per statement, per file, and the run's, shared by every stream), and the
    lint rules that judge each statement."""

    dev_database: bool = True
    statement_seconds: float = STATEMENT_SECONDS
    lint: LintSettings = field(default_factory=LintSettings)
    file_seconds: float = FILE_SECONDS
    run_budget: RunBudget | None = field(default=None, compare=False)


@dataclass(eq=False, repr=False)
class _Stop(Record):
    """Why the rest of a file (or of the run) is not run in the dev database, and its finding."""

    finding: int  # the index of its finding in the result
    message: str  # what fails (the fix is `fix`)
    fix: str
    path: str  # the file where it stopped
    lines: list[int] = field(default_factory=list)  # the statements not run
    files: list[str] = field(default_factory=list)  # later files not run (the run's budget)


class _Prepared:
    """A file waiting for its replay in Replayer.apply_files: its statements, split once, and what
    the dev database did with it ahead of the model."""

    __slots__ = ("commit_failure", "may_run_ahead", "one_call_failed", "ran_ahead", "split", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.split = split_statements(text)
        self.may_run_ahead: bool | None = None  # None: not decided yet
        self.ran_ahead = False  # every statement ran, in one call, and the file was committed
        self.commit_failure: str | None = None  # SQLite's refusal of that commit (the file left nothing)
        self.one_call_failed = False  # its one call failed ahead: the statements run one by one


# What can set or read connection state, which the database pages do not hold: a snapshot cannot
# resume it, and a failed one-call run of the file would leave it behind for the statements' own run.
_STATE_WORDS = ("pragma",)  # PRAGMA statements and pragma_*() functions
_STATE_CALLS = ("changes", "last_insert_rowid")  # changes() and total_changes(), last_insert_rowid()
_CALL_SPACE = frozenset(" \t\n\r\x0b\x0c")


def touches_connection_state(text: str, comments: Iterable[Token]) -> bool:
    """Whether the SQL of `text` (its `comments` aside: SQLite reads them as spaces) may set or
    read connection state. Errs towards True: a word in a string counts."""
    pieces, position = [], 0
    for comment in comments:
        pieces.append(text[position : comment.start])
        position = comment.end
    pieces.append(text[position:])
    code = " ".join(pieces).lower()
    if any(word in code for word in _STATE_WORDS):
        return True
    for name in _STATE_CALLS:
        at = code.find(name)
        while at >= 0:
            after = at + len(name)
            while after < len(code) and code[after] in _CALL_SPACE:
                after += 1
            if code.startswith("(", after):
                return True
            at = code.find(name, after)
    return False


@frozen_record()
class ReplaySnapshot(FrozenRecord):
    """A replayer's state between two files: the result so far and the dev database's pages.

    `result` is the replayer's own object, not a copy: serialise the snapshot (the cache writes
    it with replay_codec) before the replayer goes on."""

    result: StreamReplay
    pages: bytes | None  # None: replayed without a dev database


class Replayer:
    """Replays files one at a time; `schema` and `dev_database` can be inspected between files."""

    def __init__(self, database: str, options: ReplayOptions | None = None) -> None:
        gathered(self)  # kept for a report if the run stops on a bug (progress.gathering)
        self.options = options if options is not None else ReplayOptions()
        self.lint = self.options.lint
        self.result = StreamReplay(database=database)
        self._file_rule_findings: list[tuple[int, Rule]] = []  # this file's rule errors: (index, rule)
        self._file_stop: _Stop | None = None  # the rest of this file is not run in the dev database
        self._resume: Schema | None = None  # the model to go on from after this file
        self._run_stop: _Stop | None = None  # the run's budget is spent: the rest is model-only
        self._file_deadline = math.inf
        # The model this file's changes are recorded on (Schema.record_changes), to roll them back:
        # a copy of a 500-table schema before every file grew with the stream.
        self._recorded: Schema | None = None
        self._file_statements: list[RawStatement] = []
        self._verdicts: FileVerdicts | None = None  # this file's run on sample rows
        self._sample_run: SampleRun | None = None  # the stream's sample rows, made at the first such file
        self._file_fails = False  # D1 would fail this file (and apply no later one)
        self._file_ran = False  # every statement of this file ran in the dev database, in one call
        self._rules_for: dict[Kind, tuple[Rule, ...]] = {}  # the rules that look at a kind of statement
        # False once a file may have set connection state (a PRAGMA) that the pages do not hold.
        self._snapshot_complete = True
        self.dev_database = None
        if self.options.dev_database:
            from grove_schema.devdb import DevDatabase

            self.dev_database = DevDatabase(statement_seconds=self.options.statement_seconds)

    def snapshot(self) -> ReplaySnapshot | None:
        """The state to resume from after the files applied so far; None when a snapshot could not
        hold all of it (a file ran a PRAGMA or read changes(), total_changes() or
        last_insert_rowid(): connection state)."""
        if not self._snapshot_complete:
            return None
        pages = self.dev_database.serialize() if self.dev_database is not None else None
        return ReplaySnapshot(self.result, pages)

    def restore(self, snapshot: ReplaySnapshot) -> None:
        """Resume from `snapshot`, taken by a replayer with the same options."""
        if (snapshot.pages is None) != (self.dev_database is None):
            raise ValueError("the snapshot was taken with a different dev_database option")
        if self.dev_database is not None and snapshot.pages is not None:
            self.dev_database.deserialize(snapshot.pages)
        self.result = snapshot.result

    @property
    def schema(self) -> Schema:
        return self.result.schema

    def apply_files(self, files: Iterable[tuple[MigrationFile, str | Finding]]) -> None:
        """`apply_file` (or `add_unreadable`, for a Finding) for each file, in order. The dev database
        runs up to _RUN_AHEAD_FILES files ahead of the model, each in one call, and the model then
        catches up: SQLite's work on a large schema between two files' Python work evicted the
        latter's data from the CPU caches (half again its time on a 10,000-file stream). A file
        that needs its own state of the dev database (one that fails, sets connection state or is
        run on sample rows) is replayed the usual way, when the model reaches it."""
        waiting: deque[tuple[MigrationFile, str | Finding, _Prepared | None]] = deque()
        pending = iter(files)
        while True:
            while len(waiting) < _RUN_AHEAD_FILES and (item := next(pending, None)) is not None:
                migration, text = item
                waiting.append((migration, text, None if isinstance(text, Finding) else _Prepared(text)))
            if not waiting:
                return
            for _ in range(max(1, self._run_ahead(waiting))):
                migration, text, prepared = waiting.popleft()
                if isinstance(text, Finding):
                    self.add_unreadable(migration, text)
                else:
                    self.apply_file(migration, text, prepared)

    def _run_ahead(self, waiting: Iterable[tuple[MigrationFile, str | Finding, _Prepared | None]]) -> int:
        """Run the leading files of `waiting` in the dev database, each in one call and committed,
        up to the first file that cannot run ahead (the database is left as it was before that
        one, which is marked when its one call failed); how many leading files are done with."""
        db = self.dev_database
        if db is None or self._run_stop is not None:
            return 0
        # The files' Python work first, then SQLite's, each in one run.
        candidates: list[_Prepared | None] = []
        for _migration, _text, prepared in waiting:
            if prepared is not None and not self._may_run_ahead(prepared):
                break
            candidates.append(prepared)
        done = 0
        for prepared in candidates:
            if prepared is not None and not prepared.ran_ahead:
                db.begin_file()
                if not self._run_in_one_call(db, prepared.split, connection_state=False):
                    db.abandon_file()
                    db.end_file()
                    prepared.one_call_failed = True
                    break
                prepared.ran_ahead, prepared.commit_failure = True, db.end_file()
            done += 1
        return done

    def _may_run_ahead(self, prepared: _Prepared) -> bool:
        """Whether the file can run before the model reaches it: it has statements that all run,
        touches no connection state, runs on no sample rows, and its one call has not failed."""
        if prepared.may_run_ahead is None:
            statements = prepared.split.statements
            prepared.may_run_ahead = not (
                not statements
                or any(never_run(raw) for raw in statements)
                or touches_connection_state(prepared.text, prepared.split.comments)
                or self._wants_verdicts(prepared.split)
            )
        return prepared.may_run_ahead and not prepared.one_call_failed

    def apply_file(self, migration: MigrationFile, text: str, prepared: _Prepared | None = None) -> None:
        """Replay one file. `prepared`: its split, and whether it already ran (apply_files)."""
        file_index, tables_before = len(self.result.files), self.result.schema.table_count
        recorded = self._recorded = self.result.schema
        recorded.record_changes()
        try:
            self._replay_file(migration, text, prepared)
        finally:
            recorded.stop_recording()
            self._recorded = None
            for raw in self._file_statements:
                raw.release_tokens()
        result = self.result
        if self._file_fails:
            result.d1_failures.append([file_index, tables_before])

    def _replay_file(self, migration: MigrationFile, text: str, prepared: _Prepared | None) -> None:
        result = self.result
        path = str(migration.path)
        result.files.append(migration)
        result.texts[path] = text
        split = prepared.split if prepared is not None else split_statements(text)
        ahead = prepared is not None and prepared.ran_ahead
        self._file_statements = split.statements
        connection_state = not ahead and touches_connection_state(text, split.comments)
        if connection_state:
            self._snapshot_complete = False
        lines = LineIndex.of(text)

        def location(offset: int) -> Location:
            line, column = lines.position(offset)
            return Location(path, line, column)

        def ref_at(offset: int) -> SourceRef:
            return SourceRef(path=path, line=lines.position(offset)[0])

        self._file_fails = False
        first_finding = len(result.findings)  # this file's findings are the ones added from here
        self._lexical_findings(split, location, path)
        result.layouts.append(
            FileLayout(
                path=path,
                comments=tuple((*lines.position(c.start), c.text) for c in split.comments if c.text.startswith("--")),
                statements=tuple(
                    (lines.position(r.start)[0], lines.position(max(r.end - 1, r.start))[0]) for r in split.statements
                ),
            )
        )
        db = self.dev_database
        self._verdicts = None
        if not ahead and db is not None and self._run_stop is None and self._wants_verdicts(split):
            self._verdicts = self._run_on_sample_rows(db, split, text, lines)
        self._file_ran = ahead
        if not ahead and db is not None and self._run_stop is None:
            db.begin_file()
            one_call_failed = prepared is not None and prepared.one_call_failed
            self._file_ran = not one_call_failed and self._run_in_one_call(db, split, connection_state)
        elif self._run_stop is not None:
            self._note_not_run(self._run_stop, migration.name)
        last_location = Location(path, 1, 1)
        self._file_rule_findings = []
        self._file_stop, self._resume = None, None
        self._file_deadline = time.monotonic() + self.options.file_seconds
        for raw in split.statements:
            last_location = location(raw.start)
            self._apply_statement(migration, raw, text, location, ref_at)
        broken = next(
            (
                f
                for f in result.findings[first_finding:]
                if f.location is not None and f.location.path == path and "FOREIGN KEY constraint failed" in f.message
            ),
            None,
        )
        if broken is not None and broken.location is not None:
            line = broken.location.line
            self._relied_on_foreign_keys_off(path, f"line {line} fails with FOREIGN KEY constraint failed")
        elif self._verdicts is not None and (trouble := self._verdicts.foreign_key_trouble()) is not None:
            self._relied_on_foreign_keys_off(path, trouble)
        if self._file_stop is not None:
            self._note_not_run(self._file_stop)
            assert self._resume is not None
            result.schema = self._resume  # what the dev database holds: the statements not run left no trace
            self._file_stop = None
        if self._run_stop is not None and self._run_stop.path == path:
            self._note_not_run(self._run_stop)
        if db is not None and self._run_stop is None:
            failure = prepared.commit_failure if prepared is not None and ahead else db.end_file()
            if failure is not None and "FOREIGN KEY constraint failed" in failure:
                self._relied_on_foreign_keys_off(path, f"the file fails when D1 commits it: {failure}")
            if failure is not None:
                self._file_fails = True
                result.schema = self._schema_at_file_start()
                # A deferred failure (at COMMIT) that a rule in this file explains is that rule's.
                explained = [
                    (index, rule) for index, rule in self._file_rule_findings if rule.explains_failure(failure)
                ]
                for index, _rule in explained:
                    finding = result.findings[index]
                    result.findings[index] = replace(
                        finding,
                        message=with_detail(
                            finding.message,
                            f'SQLite, when D1 commits the file: "{failure}"; '
                            f"D1 rolls back the whole file {migration.name}",
                        ),
                    )
                if explained:
                    return
                result.findings.append(
                    make_finding(
                        SQLITE_ERROR,
                        with_fix(
                            f"SQLite refuses the file when D1 commits it: {failure} (D1 rolls back the whole file "
                            f"{migration.name})",
                            sqlite_fix(failure),
                        ),
                        last_location,
                    )
                )

    def _run_in_one_call(self, db: DevDatabase, split: SplitFile, connection_state: bool) -> bool:
        """Run the file's statements in one call, as SQLite replays a file; True when all of them ran.
        Otherwise (one fails, or the file takes longer than a short budget) the call leaves no trace,
        and the statements run one by one, each with its budget, to say which fails and why.
        `connection_state`: the file may set or read connection state (touches_connection_state)."""
        statements = split.statements
        if not statements or any(never_run(raw) for raw in statements):
            return False
        if connection_state:
            return False  # connection state a failed call would leave behind for the statements' own run
        budget = self.options.run_budget
        seconds = min(_ONE_CALL_SECONDS, self.options.file_seconds, budget.left() if budget is not None else math.inf)
        if seconds <= 0:
            return False
        return db.run(";\n".join(raw.text for raw in statements), seconds).failure is None

    def _wants_verdicts(self, split: SplitFile) -> bool:
        return any(rule.name in _VERDICT_RULES for rule in self.lint.rules) and needs_verdicts(
            split.statements, split.statements[0].source if split.statements else ""
        )

    def _run_on_sample_rows(
        self, db: DevDatabase, split: SplitFile, text: str, lines: LineIndex
    ) -> FileVerdicts | None:
        """The file run on sample rows, from the dev database's state before it (data_verdicts)."""
        from grove_schema.data_verdicts import SampleRun

        if self._sample_run is None:
            self._sample_run = SampleRun(statement_seconds=self.options.statement_seconds)
        budget = self.options.run_budget
        seconds = min(self.options.file_seconds, budget.left() if budget is not None else math.inf)
        return self._sample_run.run_file(
            db.serialize(),
            self.result.schema,
            split.statements,
            text,
            lambda offset: lines.position(offset)[0],
            seconds,
        )

    def _relied_on_foreign_keys_off(self, path: str, why: str) -> None:
        """`PRAGMA foreign_keys = OFF` is a warning on its own (pragma-foreign-keys), and an error in a
        file that relies on it: one whose foreign keys fail or cascade, in the dev database or on the
        sample rows (data_verdicts), as in D1."""
        findings = self.result.findings
        for index, finding in enumerate(findings):
            location = finding.location
            if (
                finding.name == "pragma-foreign-keys"
                and finding.severity is Severity.WARNING
                and location is not None
                and location.path == path
            ):
                findings[index] = replace(
                    finding,
                    severity=Severity.ERROR,
                    message=with_detail(finding.message, f"this file relies on it: {why}"),
                )

    def _lexical_findings(self, split: SplitFile, location: Callable[[int], Location], path: str) -> None:
        findings = self.result.findings
        if not split.statements:
            findings.append(
                make_finding(
                    EMPTY_MIGRATION,
                    with_fix(
                        "the file holds no SQL statement, yet wrangler records it as applied",
                        "write the migration's SQL in it, or delete the file before it is applied",
                    ),
                    Location(path, 1, 1),
                )
            )
        token = split.unterminated
        if token is not None and token.kind is TokenKind.COMMENT:
            findings.append(
                make_finding(
                    UNTERMINATED_COMMENT,
                    with_fix(
                        "this /* comment is never closed: it swallows the INSERT that wrangler appends to "
                        "record the migration, so D1 runs the file again on every apply",
                        "close it with */",
                    ),
                    location(token.start),
                )
            )
        if (
            split.statements
            and not split.statements[-1].terminated
            and (token is None or token.kind is TokenKind.COMMENT)
        ):
            last = split.statements[-1]
            self._file_fails = True  # wrangler's INSERT, appended to the text, fails
            findings.append(
                make_finding(
                    MISSING_SEMICOLON,
                    with_fix(
                        "the last statement has no ';': wrangler appends its INSERT to the file text and "
                        'D1 fails with near "INSERT": syntax error',
                        "end the statement with a semicolon",
                    ),
                    location(last.end),
                )
            )

    def _apply_statement(
        self,
        migration: MigrationFile,
        raw: RawStatement,
        text: str,
        location: Callable[[int], Location],
        ref_at: Callable[[int], SourceRef],
    ) -> None:
        result = self.result
        where = location(raw.start)
        unterminated = raw.unterminated
        if unterminated is not None:
            what = "string literal" if unterminated.kind is TokenKind.STRING else "quoted identifier"
            result.findings.append(
                make_finding(
                    PARSE_ERROR,
                    f"unterminated {what}: it runs to the end of the file; close it with "
                    f"{unterminated.text[0] if unterminated.text[0] != '[' else ']'}",
                    location(unterminated.start),
                )
            )
            self._file_fails = True
            result.statements.append(ReplayedStatement.of(None, migration, where, raw.text, False, "unterminated"))
            return
        if len(raw.text) > MAX_STATEMENT_BYTES and len(raw.text.encode()) > MAX_STATEMENT_BYTES:
            self._reject_too_long(migration, raw, where)
            return
        statement: Statement | None
        parse_problem: StatementError | None = None
        try:
            statement = parse_statement(raw, text)
        except StatementError as error:
            statement, parse_problem = None, error
        plan = plan_change(result.schema, statement, ref_at) if statement is not None else None
        violations = self._run_rules(migration, statement, where, location) if statement is not None else []

        db = self.dev_database if self._run_stop is None and self._file_stop is None else None
        seconds = self.options.statement_seconds
        if db is not None and not self._file_ran:
            seconds = self._seconds_left(migration, where)
            if self._run_stop is not None or self._file_stop is not None:
                db = None
        if db is None:
            refusal = plan.message if isinstance(plan, Refusal) else None
            explained = self._report_violations(violations, migration, refusal)
            self._apply_without_database(migration, raw, statement, parse_problem, plan, where, location, explained)
            stop = self._file_stop or self._run_stop
            if stop is not None and stop.path == where.path:
                stop.lines.append(where.line)
            if self._file_stop is not None:  # its change is undone after the file: record it as not applied
                last = result.statements.pop()
                result.statements.append(replace(last, applied=False, error="not run in the dev database"))
            return
        outcome = db.RAN if self._file_ran else db.run(raw.text, seconds)
        failure = outcome.failure
        if outcome.interrupted and seconds < self.options.statement_seconds:
            failure = self._budget_message(migration)
        explained = self._report_violations(violations, migration, failure)
        if failure is not None and self._stopped_by(outcome, migration, where, failure, seconds, explained):
            if outcome.file_lost and not (outcome.interrupted and seconds < self.options.statement_seconds):
                self._file_fails = True  # SQLite lost the transaction for its own reason, as D1 would
            result.statements.append(ReplayedStatement.of(statement, migration, where, raw.text, False, failure))
            return
        if failure is None:
            if statement is None or (statement.kind is Kind.UNKNOWN):
                assert parse_problem is not None or statement is not None
                detail = parse_problem.message if parse_problem else "an unknown kind of statement"
                result.findings.append(
                    make_finding(
                        UNSUPPORTED_STATEMENT,
                        with_fix(
                            f"grove-schema does not model this statement ({detail}); SQLite accepts it, "
                            "so the schema model may miss what it changes",
                            "write the change as plain DDL (CREATE TABLE with its columns, ALTER TABLE) if the "
                            "later checks must see it, or suppress this warning with its reason",
                        ),
                        where,
                    )
                )
                if raw.first_word() in _DDL_KEYWORDS:
                    result.divergences.append(f"{where}: not modelled but accepted by SQLite")
                result.statements.append(ReplayedStatement.of(statement, migration, where, raw.text, True))
                return
            if isinstance(plan, Refusal):
                result.divergences.append(f"{where}: the model refused ({plan.message}) but SQLite accepted")
                if statement.kind is Kind.CREATE_TABLE_AS:
                    message = with_fix(
                        f"grove-schema does not model this statement: {plan.message}",
                        "name every expression column with AS, or declare the table with its columns and fill it "
                        "with INSERT ... SELECT",
                    )
                    result.findings.append(make_finding(UNSUPPORTED_STATEMENT, message, where))
            elif isinstance(plan, Change):
                self._change_model(plan)
            result.statements.append(ReplayedStatement.of(statement, migration, where, raw.text, True))
            return
        # The dev database refused: the statement has no effect.
        self._file_fails = True
        if explained:
            pass  # a rule's finding already says why, quoting SQLite
        elif parse_problem is not None or any(marker in failure for marker in _SYNTAX_MARKERS):
            message = f"SQLite cannot parse this statement: {failure}"
            if parse_problem is not None and parse_problem.message not in failure and "syntax error" not in failure:
                message = f"{message}; grove-schema's parser: {parse_problem.message}"
            at = location(parse_problem.token.start) if parse_problem and parse_problem.token else where
            fix = PLACEHOLDER_FIX if 'unrecognized token: "$' in failure else PARSE_FIX
            message = with_fix(f"{message}{_rollback_note(migration)}", fix)
            result.findings.append(make_finding(PARSE_ERROR, message, at))
        else:
            token = offending_token(raw, failure)
            at = location(token.start) if token is not None else where
            result.findings.append(make_finding(SQLITE_ERROR, sqlite_error_message(failure, migration), at))
        result.statements.append(ReplayedStatement.of(statement, migration, where, raw.text, False, failure))

    def _seconds_left(self, migration: MigrationFile, where: Location) -> float:
        """The time this statement may take; when the file's or the run's budget is already spent,
        the stop is recorded (and the statement is not run)."""
        budget = self.options.run_budget
        run_left = budget.left() if budget is not None else math.inf
        file_left = self._file_deadline - time.monotonic()
        if run_left <= 0:
            self._stop_run(migration, where, f"{self._budget_message(migration, run=True)} before this statement")
        elif file_left <= 0:
            self._stop_file(migration, where, f"{self._budget_message(migration)} before this statement", lost=False)
        return min(self.options.statement_seconds, run_left, file_left)

    def _budget_message(self, migration: MigrationFile, *, run: bool = False) -> str:
        budget = self.options.run_budget
        if run or (budget is not None and budget.left() <= 0.05):
            total = budget.seconds if budget is not None else 0
            return f"the run's time budget in the dev database ({total:g} s) is spent"
        return f"the time budget of {migration.name} in the dev database ({self.options.file_seconds:g} s) is spent"

    def _stopped_by(
        self,
        outcome: Outcome,
        migration: MigrationFile,
        where: Location,
        failure: str,
        seconds: float,
        explained: bool,
    ) -> bool:
        """When the statement's failure ends the file (or the run) in the dev database: its finding,
        and True."""
        run_budget = self.options.run_budget
        if outcome.interrupted and seconds < self.options.statement_seconds:
            if run_budget is not None and run_budget.left() <= 0.05:
                self._stop_run(migration, where, f"{failure} during this statement")
            else:
                self._stop_file(
                    migration, where, f"{failure} during this statement", lost=outcome.file_lost, code=TIME_BUDGET
                )
            return True
        if not outcome.file_lost:
            return False
        if outcome.out_of_memory:
            code, what = MEMORY_LIMIT, f"{failure} (a string, BLOB or row in D1 is at most 2,200,000 bytes)"
        else:
            code = TRANSACTION_ROLLED_BACK
            if outcome.interrupted:
                what = f"{failure}, and SQLite rolled back the whole transaction with the interrupted write"
            else:
                what = (
                    f"{failure}, and SQLite rolled back the whole transaction (ROLLBACK conflict resolution: "
                    "OR ROLLBACK, ON CONFLICT ROLLBACK, or RAISE(ROLLBACK)); real local D1 fails the file with "
                    '"internal error"'
                )
        self._stop_file(migration, where, what, lost=True, code=code, explained=explained)
        return True

    def _change_model(self, plan: Change) -> None:
        if plan is NO_CHANGE:
            return
        plan.apply(self.result.schema)

    def _schema_at_file_start(self) -> Schema:
        """The model before this file: its changes undone."""
        assert self._recorded is not None
        self._recorded.undo_changes()
        return self._recorded

    def _stop_file(
        self,
        migration: MigrationFile,
        where: Location,
        what: str,
        *,
        lost: bool,
        code: RuleInfo = TIME_BUDGET,
        explained: bool = False,
    ) -> None:
        db = self.dev_database
        if lost:
            state = f"the dev database goes on from the state before {migration.name} (D1 rolls back the whole file)"
            assert self._recorded is not None
            self._resume = self._recorded.before_changes()
        else:
            state = f"the dev database keeps what {migration.name} ran before it"
            self._resume = self.result.schema.snapshot()
        if db is not None and lost:
            db.abandon_file()
        if code is TIME_BUDGET:
            self._snapshot_complete = False  # it depends on the machine's speed: never resume from here
        message = f"{what}; {state}"
        if explained:
            message = f"{message} (a rule above says why the statement fails)"
        fix = _STOP_FIXES[code.code]
        self.result.findings.append(make_finding(code, with_fix(message, fix), where))
        self._file_stop = _Stop(len(self.result.findings) - 1, message, fix, where.path)

    def _stop_run(self, migration: MigrationFile, where: Location, what: str) -> None:
        """The run's budget is spent: the file's transaction is rolled back (its statements so far
        stay in the model: from here on the model alone is replayed) and the dev database is done."""
        db = self.dev_database
        if db is not None:
            db.abandon_file()
            db.end_file()
        self._snapshot_complete = False
        message = (
            f"{what}; the rest of {self.result.database}'s stream (and of any database after it) is replayed "
            "on the schema model alone and checked by the lint rules, not run in SQLite"
        )
        fix = RUN_BUDGET_FIX
        self.result.findings.append(make_finding(TIME_BUDGET, with_fix(message, fix), where))
        self._run_stop = _Stop(len(self.result.findings) - 1, message, fix, where.path)

    def _note_not_run(self, stop: _Stop, file_name: str | None = None) -> None:
        """Rewrite the stop's finding with what was not run so far."""
        if file_name is not None:
            stop.files.append(file_name)
        parts = []
        if stop.lines:
            count = len(stop.lines)
            plural = "s" if count != 1 else ""
            shown = short_list([str(line) for line in stop.lines])
            parts.append(f"{count} statement{plural} of this file (line{plural} {shown})")
        if stop.files:
            count = len(stop.files)
            parts.append(f"{count} later file{'s' if count != 1 else ''} ({short_list(stop.files)})")
        if parts:
            finding = self.result.findings[stop.finding]
            self.result.findings[stop.finding] = replace(
                finding,
                message=with_fix(f"{stop.message}; not run in the dev database: {' and '.join(parts)}", stop.fix),
            )

    def _run_rules(
        self, migration: MigrationFile, statement: Statement, where: Location, locate: Callable[[int], Location]
    ) -> list[tuple[Rule, Violation]]:
        """Every enabled rule's violations, judged against the schema as it stood before."""
        from grove_schema.rules.base import RuleContext

        context = RuleContext(
            statement=statement,
            schema=self.result.schema,
            file=migration,
            location=where,
            locate=locate,
            retired_tables=self.lint.retired_tables,
            retired_columns=self.lint.retired_columns,
            database=self.result.database,
            owner_of=self.lint.owner_of,
            verdicts=self._verdicts,
            ran_in_dev_database=self._file_ran,
        )
        rules = self._rules_for.get(statement.kind)
        if rules is None:
            kind = statement.kind
            rules = tuple(rule for rule in self.lint.rules if rule.kinds is None or kind in rule.kinds)
            self._rules_for[kind] = rules
        found = []
        for rule in rules:
            for violation in rule.check(context):
                if violation.location is None:
                    violation = replace(violation, location=where)
                found.append((rule, violation))
        return found

    def _report_violations(
        self, violations: list[tuple[Rule, Violation]], migration: MigrationFile, failure: str | None
    ) -> bool:
        """Add the rules' findings; True when one of them explains the statement's failure."""
        explained = False
        for rule, violation in violations:
            message = violation.message
            if failure is not None and rule.explains_failure(failure):
                explained = True
                # SQLite's text once: a rule that explains the failure may quote it already. Text
                # that has quotes of its own (`cannot drop UNIQUE column: "a"`) is not quoted again.
                shown = failure if '"' in failure else f'"{failure}"'
                quoted = "" if f'"{failure}"' in message else f"SQLite: {shown}; "
                message = with_detail(message, f"{quoted}{_rollback(migration)}")
            severity = violation.severity or rule.severity
            if severity is Severity.ERROR:
                self._file_rule_findings.append((len(self.result.findings), rule))
            self.result.findings.append(Finding(rule.info, message, violation.location, severity))
        return explained

    def _apply_without_database(
        self,
        migration: MigrationFile,
        raw: RawStatement,
        statement: Statement | None,
        parse_problem: StatementError | None,
        plan: Change | Refusal | None,
        where: Location,
        location: Callable[[int], Location],
        explained: bool = False,
    ) -> None:
        result = self.result
        if statement is None:
            assert parse_problem is not None
            at = location(parse_problem.token.start) if parse_problem.token else where
            message = with_fix(f"the statement does not parse: {parse_problem.message}", PARSE_FIX)
            result.findings.append(make_finding(PARSE_ERROR, message, at))
            problem = parse_problem.message
            result.statements.append(ReplayedStatement.of(None, migration, where, raw.text, False, problem))
            self._file_fails = True
            return
        if statement.kind in (Kind.DML, Kind.UNKNOWN) and statement.ast is None:
            message = with_fix("sqlglot cannot parse this statement, so no rule judges it", PARSE_FIX)
            result.findings.append(make_finding(PARSE_ERROR, message, where))
            result.statements.append(ReplayedStatement.of(statement, migration, where, raw.text, False, "parse"))
            return
        if isinstance(plan, Refusal):
            self._file_fails = True
            if not explained:
                result.findings.append(make_finding(SQLITE_ERROR, sqlite_error_message(plan.message, migration), where))
            result.statements.append(ReplayedStatement.of(statement, migration, where, raw.text, False, plan.message))
            return
        if isinstance(plan, Change):
            self._change_model(plan)
        result.statements.append(ReplayedStatement.of(statement, migration, where, raw.text, True))

    def _reject_too_long(self, migration: MigrationFile, raw: RawStatement, where: Location) -> None:
        """D1 refuses a statement over 100,000 bytes before parsing it; so do we (and we never
        tokenize megabytes of SQL that cannot run)."""
        from grove_schema.rules.limits import StatementTooLong

        size = len(raw.text.encode())
        message = f"statement too long: {size:,} bytes, D1's limit is {MAX_STATEMENT_BYTES:,} (SQLITE_TOOBIG)"
        failure = self.dev_database.execute(raw.text) if self.dev_database is not None else None
        if failure is not None:
            message = f"{failure}: {size:,} bytes, D1's limit is {MAX_STATEMENT_BYTES:,}"
        rule = next((r for r in self.lint.rules if isinstance(r, StatementTooLong)), None)
        if rule is not None:  # statement-too-long is enabled: its finding, quoting SQLite's message
            text = with_detail(rule.message(size, failure), _rollback(migration))
            self.result.findings.append(Finding(rule.info, text, where, rule.severity))
        else:
            text = with_fix(f"{message}{_rollback_note(migration)}", TOO_LONG_FIX)
            self.result.findings.append(make_finding(SQLITE_ERROR, text, where))
        self._file_fails = True
        self.result.statements.append(ReplayedStatement.of(None, migration, where, raw.text[:200], False, message))

    def add_unreadable(self, migration: MigrationFile, finding: Finding) -> None:
        self.result.files.append(migration)
        self.result.findings.append(finding)

    def close(self) -> None:
        if self.dev_database is not None:
            self.dev_database.close()
        if self._sample_run is not None:
            self._sample_run.close()
            self._sample_run = None


# The name SQLite's refusal is about: "no such column: c", "no such table: main.t", "no such
# function: f", "table t has no column named c" (SQLite's message, not the statement's text).
_NAMED_IN_FAILURE = re.compile(
    r"^(?:no such (?:column|table|function|index|view|trigger|module): |table \S+ has no column named )(\S+)"
)


def offending_token(raw: RawStatement, failure: str) -> Token | None:
    """The first token of the statement that is the name SQLite's refusal names (its last part:
    `c` of `new.c`), so that the finding points at it rather than at the statement's first word."""
    named = _NAMED_IN_FAILURE.match(failure)
    if named is None:
        return None
    wanted = named.group(1).rsplit(".", 1)[-1].lower()
    for token in raw.tokens:
        if token.kind in (TokenKind.WORD, TokenKind.QUOTED) and token.identifier.lower() == wanted:
            return token
    return None


PARSE_FIX = "rewrite it in SQLite's syntax (grove-schema explain parse-error shows the usual causes and their rewrites)"
PLACEHOLDER_FIX = (
    "give the database its placeholders in ownership.toml if this is a Flyway ${name}, or rewrite it in SQLite's syntax"
)
TOO_LONG_FIX = "split it into several statements (an INSERT into a few hundred rows each)"
RUN_BUDGET_FIX = (
    "make the slow statements cheaper (a recursive CTE needs a stop condition), or raise [dev_database] "
    "run_seconds in ownership.toml"
)
_STOP_FIXES = {
    TIME_BUDGET.code: "make the slow statements cheaper (a recursive CTE needs a stop condition), split the file, "
    "or raise [dev_database] file_seconds in ownership.toml",
    MEMORY_LIMIT.code: "keep every value under 2,200,000 bytes and load bulk data from a Worker or in several "
    "migrations",
    TRANSACTION_ROLLED_BACK.code: "make the rows satisfy the constraint before this statement, or drop the "
    "ROLLBACK conflict resolution (OR ROLLBACK, ON CONFLICT ROLLBACK, RAISE(ROLLBACK)) so the statement fails alone",
}

# How to fix what SQLite refuses, by the start of its message (SQLite's words, not the statement's).
_SQLITE_FIXES = (
    (
        "no such table",
        "create the table in an earlier migration, or correct its name (grove-schema inspect lists the tables)",
    ),
    (
        "no such column",
        "add the column in an earlier migration, or correct its name (grove-schema inspect TABLE shows its columns)",
    ),
    (
        "table ",
        "add the column in an earlier migration, or correct its name (grove-schema inspect TABLE shows its columns)",
    ),
    ("no such function", "use a function D1's SQLite has, or compute the value in the application"),
    (
        "interrupted",
        "make the statement cheaper (a recursive CTE needs a stop condition), or raise [dev_database] "
        "statement_seconds in ownership.toml",
    ),
    (
        "foreign key constraint failed",
        "insert the parent rows first and delete child rows before their parent, "
        "or use PRAGMA defer_foreign_keys = ON to check the keys when the file commits",
    ),
    (
        "unique constraint failed",
        "make the rows unique before this statement (or use INSERT OR IGNORE where a duplicate is expected)",
    ),
    ("not null constraint failed", "give the column a value in every row this statement writes"),
    ("check constraint failed", "make the rows satisfy the CHECK before this statement"),
    ("not authorized", "remove it: D1 refuses it in the same way"),
)


def sqlite_fix(failure: str) -> str:
    """The fix for a failure no rule explains: by SQLite's words, else the general one."""
    lowered = failure.lower()
    for start, fix in _SQLITE_FIXES:
        if lowered.startswith(start) and (start != "table " or " has no column named " in lowered):
            return fix
    if "already exists" in lowered:
        return "drop the existing one in an earlier statement, or choose another name"
    return (
        "make the statement valid against the schema the earlier migrations leave (grove-schema inspect TABLE shows it)"
    )


def sqlite_error_message(failure: str, migration: MigrationFile) -> str:
    """A plain `sqlite-error`: SQLite's text once, what D1 does with the file, and the fix."""
    return with_fix(f"SQLite refuses this statement: {failure}{_rollback_note(migration)}", sqlite_fix(failure))


def _rollback_note(migration: MigrationFile) -> str:
    return f" ({_rollback(migration)})"


def _rollback(migration: MigrationFile) -> str:
    return f"D1 would roll back all of {migration.name} and stop applying migrations there"


def replay_stream(
    database: str,
    files: Iterable[MigrationFile],
    read: TextReader,
    options: ReplayOptions | None = None,
) -> StreamReplay:
    """Replay every file of one stream, in order, and return the model and the findings."""
    replayer = Replayer(database, options)
    try:
        replayer.apply_files((migration, read(migration.path)) for migration in files)
    finally:
        replayer.close()
    return replayer.result
