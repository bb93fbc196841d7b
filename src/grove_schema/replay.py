"""Replay: apply a database's migration stream, statement by statement, to the schema model.

Every statement is parsed, planned against the model, and run in the D1-profile dev database.
A statement the dev database rejects has no effect on the model and becomes a finding; replay
goes on with the next one, as a compiler does, so one bad statement hides nothing after it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from grove_schema.codes import (
    EMPTY_MIGRATION,
    MISSING_SEMICOLON,
    PARSE_ERROR,
    SQLITE_ERROR,
    UNSUPPORTED_STATEMENT,
    UNTERMINATED_COMMENT,
)
from grove_schema.d1 import MAX_STATEMENT_BYTES
from grove_schema.findings import Finding, Location, Severity, make_finding
from grove_schema.layouts import MigrationFile
from grove_schema.model import Schema, SourceRef
from grove_schema.schema_changes import Change, Refusal, plan_change
from grove_schema.sql.lexer import LineIndex, RawStatement, SplitFile, Token, TokenKind, split_statements
from grove_schema.sql.parsing import Kind, Statement, StatementError, parse_statement
from grove_schema.suppressions import FileLayout

if TYPE_CHECKING:
    from grove_schema.rules.base import Rule, Violation

_SYNTAX_MARKERS = ("syntax error", "incomplete input", "unrecognized token", "unterminated")
_DDL_KEYWORDS = ("CREATE", "ALTER", "DROP")


@dataclass(frozen=True)
class ReplayedStatement:
    """One statement of the stream and what became of it."""

    statement: Statement | None  # None: it did not parse
    file: MigrationFile
    location: Location
    text: str
    applied: bool  # it changed (or could have changed) the database
    error: str | None = None  # the dev database's (or the model's) refusal


@dataclass
class StreamReplay:
    """The outcome of replaying one database's stream."""

    database: str
    schema: Schema = field(default_factory=Schema)
    files: list[MigrationFile] = field(default_factory=list)
    statements: list[ReplayedStatement] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    divergences: list[str] = field(default_factory=list)  # model vs dev database disagreements
    texts: dict[str, str] = field(default_factory=dict)  # path -> file text, for reporters
    layouts: list[FileLayout] = field(default_factory=list)  # comments and statement lines, for suppressions


TextReader = Callable[[Path], "str | Finding"]


@dataclass(frozen=True)
class LintSettings:
    """Which lint rules run during the replay, and what they need from the map."""

    rules: tuple[Rule, ...] = ()
    retired_tables: Mapping[str, str] = field(default_factory=dict)  # key(table) -> reason
    retired_columns: Mapping[tuple[str, str], str] = field(default_factory=dict)
    owner_of: Callable[[str], str | None] | None = None  # the ownership map

    @classmethod
    def default(cls) -> LintSettings:
        from grove_schema.rules import ALL_RULES

        return cls(rules=ALL_RULES)


@dataclass(frozen=True)
class ReplayOptions:
    """How a stream is replayed: with the dev database or on the model alone, each statement's time
    budget in the dev database, and the lint rules that judge each statement."""

    dev_database: bool = True
    statement_seconds: float = 5.0
    lint: LintSettings = field(default_factory=LintSettings)


# Text that can leave connection state outside the database pages a snapshot keeps.
_CONNECTION_STATE_MARKERS = ("pragma", "total_changes")


@dataclass(frozen=True)
class ReplaySnapshot:
    """A replayer's state between two files: the result so far and the dev database's pages.

    `result` is the replayer's own object, not a copy: serialise the snapshot (the cache pickles
    it) before the replayer goes on."""

    result: StreamReplay
    pages: bytes | None  # None: replayed without a dev database


class Replayer:
    """Replays files one at a time; `schema` and `dev_database` can be inspected between files."""

    def __init__(self, database: str, options: ReplayOptions | None = None) -> None:
        self.options = options if options is not None else ReplayOptions()
        self.lint = self.options.lint
        self.result = StreamReplay(database=database)
        self._file_rule_findings: list[tuple[int, Rule]] = []  # this file's rule errors: (index, rule)
        # False once a file may have set connection state (a PRAGMA) that the pages do not hold.
        self._snapshot_complete = True
        self.dev_database = None
        if self.options.dev_database:
            from grove_schema.devdb import DevDatabase

            self.dev_database = DevDatabase(statement_seconds=self.options.statement_seconds)

    def snapshot(self) -> ReplaySnapshot | None:
        """The state to resume from after the files applied so far; None when a snapshot could not
        hold all of it (a file ran a PRAGMA or read total_changes(): connection state)."""
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

    def apply_file(self, migration: MigrationFile, text: str) -> None:
        result = self.result
        path = str(migration.path)
        result.files.append(migration)
        result.texts[path] = text
        if any(marker in text.lower() for marker in _CONNECTION_STATE_MARKERS):
            self._snapshot_complete = False
        split = split_statements(text)
        lines = LineIndex.of(text)

        def location(offset: int) -> Location:
            line, column = lines.position(offset)
            return Location(path, line, column)

        def ref_at(offset: int) -> SourceRef:
            return SourceRef(path=path, line=lines.position(offset)[0])

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
        file_start = result.schema.snapshot()
        db = self.dev_database
        if db is not None:
            db.begin_file()
        last_location = Location(path, 1, 1)
        self._file_rule_findings = []
        for raw in split.statements:
            last_location = location(raw.start)
            self._apply_statement(migration, raw, text, location, ref_at)
        if db is not None:
            failure = db.end_file()
            if failure is not None:
                result.schema = file_start
                # A deferred failure (at COMMIT) that a rule in this file explains is that rule's.
                explained = [
                    (index, rule) for index, rule in self._file_rule_findings if rule.explains_failure(failure)
                ]
                for index, _rule in explained:
                    finding = result.findings[index]
                    result.findings[index] = replace(
                        finding,
                        message=f'{finding.message} (SQLite, when D1 commits the file: "{failure}"; '
                        f"D1 rolls back the whole file {migration.name})",
                    )
                if explained:
                    return
                result.findings.append(
                    make_finding(
                        SQLITE_ERROR,
                        f"{failure} (at the end of the file, when D1 commits it: D1 rolls back the whole "
                        f"file {migration.name})",
                        last_location,
                    )
                )

    def _lexical_findings(self, split: SplitFile, location: Callable[[int], Location], path: str) -> None:
        findings = self.result.findings
        if not split.statements:
            findings.append(
                make_finding(
                    EMPTY_MIGRATION,
                    "the file holds no SQL statement (wrangler records it as applied)",
                    Location(path, 1, 1),
                )
            )
        token = split.unterminated
        if token is not None and token.kind is TokenKind.COMMENT:
            findings.append(
                make_finding(
                    UNTERMINATED_COMMENT,
                    "this /* comment is never closed: it swallows the INSERT that wrangler appends to "
                    "record the migration, so D1 runs the file again on every apply; close it with */",
                    location(token.start),
                )
            )
        if (
            split.statements
            and not split.statements[-1].terminated
            and (token is None or token.kind is TokenKind.COMMENT)
        ):
            last = split.statements[-1]
            findings.append(
                make_finding(
                    MISSING_SEMICOLON,
                    "the last statement has no ';': wrangler appends its INSERT to the file text and "
                    'D1 fails with near "INSERT": syntax error; end the statement with ;',
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
            result.statements.append(ReplayedStatement(None, migration, where, raw.text, False, "unterminated"))
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

        db = self.dev_database
        if db is None:
            refusal = plan.message if isinstance(plan, Refusal) else None
            explained = self._report_violations(violations, migration, refusal)
            self._apply_without_database(migration, raw, statement, parse_problem, plan, where, location, explained)
            return
        failure = db.execute(raw.text)
        explained = self._report_violations(violations, migration, failure)
        if failure is None:
            if statement is None or (statement.kind is Kind.UNKNOWN):
                assert parse_problem is not None or statement is not None
                detail = parse_problem.message if parse_problem else "an unknown kind of statement"
                result.findings.append(
                    make_finding(
                        UNSUPPORTED_STATEMENT,
                        f"grove-schema does not model this statement ({detail}); SQLite accepts it, "
                        "so the schema model may miss what it changes",
                        where,
                    )
                )
                if raw.first_word() in _DDL_KEYWORDS:
                    result.divergences.append(f"{where}: not modelled but accepted by SQLite")
                result.statements.append(ReplayedStatement(statement, migration, where, raw.text, True))
                return
            if isinstance(plan, Refusal):
                result.divergences.append(f"{where}: the model refused ({plan.message}) but SQLite accepted")
                if statement.kind is Kind.CREATE_TABLE_AS:
                    result.findings.append(make_finding(UNSUPPORTED_STATEMENT, f"not modelled: {plan.message}", where))
            elif isinstance(plan, Change):
                plan.apply(result.schema)
            result.statements.append(ReplayedStatement(statement, migration, where, raw.text, True))
            return
        # The dev database refused: the statement has no effect.
        if explained:
            pass  # a rule's finding already says why, quoting SQLite
        elif parse_problem is not None or any(marker in failure for marker in _SYNTAX_MARKERS):
            message = failure
            if parse_problem is not None and parse_problem.message not in failure:
                message = f"{failure} ({parse_problem.message})" if "syntax error" not in failure else failure
            at = location(parse_problem.token.start) if parse_problem and parse_problem.token else where
            result.findings.append(make_finding(PARSE_ERROR, f"{message}{_rollback_note(migration)}", at))
        else:
            token = offending_token(raw, failure)
            at = location(token.start) if token is not None else where
            result.findings.append(make_finding(SQLITE_ERROR, f"{failure}{_rollback_note(migration)}", at))
        result.statements.append(ReplayedStatement(statement, migration, where, raw.text, False, failure))

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
        )
        found = []
        for rule in self.lint.rules:
            if rule.kinds is not None and statement.kind not in rule.kinds:
                continue
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
                # SQLite's text once: a rule that explains the failure may quote it already.
                quoted = "" if f'"{failure}"' in message else f'SQLite: "{failure}"; '
                what, fix, how = message.partition(FIX_SEPARATOR)  # what fails, then the fix
                message = f"{what} ({quoted}{_rollback(migration)}){fix}{how}"
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
            result.findings.append(make_finding(PARSE_ERROR, parse_problem.message, at))
            result.statements.append(ReplayedStatement(None, migration, where, raw.text, False, parse_problem.message))
            return
        if statement.kind in (Kind.DML, Kind.UNKNOWN) and statement.ast is None:
            result.findings.append(make_finding(PARSE_ERROR, "sqlglot cannot parse this statement", where))
            result.statements.append(ReplayedStatement(statement, migration, where, raw.text, False, "parse"))
            return
        if isinstance(plan, Refusal):
            if not explained:
                result.findings.append(make_finding(SQLITE_ERROR, f"{plan.message}{_rollback_note(migration)}", where))
            result.statements.append(ReplayedStatement(statement, migration, where, raw.text, False, plan.message))
            return
        if isinstance(plan, Change):
            plan.apply(result.schema)
        result.statements.append(ReplayedStatement(statement, migration, where, raw.text, True))

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
            text = f"{rule.message(size, failure)}{_rollback_note(migration)}"
            self.result.findings.append(Finding(rule.info, text, where, rule.severity))
        else:
            self.result.findings.append(make_finding(SQLITE_ERROR, f"{message}{_rollback_note(migration)}", where))
        self.result.statements.append(ReplayedStatement(None, migration, where, raw.text[:200], False, message))

    def add_unreadable(self, migration: MigrationFile, finding: Finding) -> None:
        self.result.files.append(migration)
        self.result.findings.append(finding)

    def close(self) -> None:
        if self.dev_database is not None:
            self.dev_database.close()


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


# A rule's message says what fails, then "; fix: " and how to fix it.
FIX_SEPARATOR = "; fix: "


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
        for migration in files:
            text = read(migration.path)
            if isinstance(text, Finding):
                replayer.add_unreadable(migration, text)
                continue
            replayer.apply_file(migration, text)
    finally:
        replayer.close()
    return replayer.result
