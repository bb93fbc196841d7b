"""What a lint rule is: a stable code, a kebab-case name, a default severity, a docstring (the
problem, an anti-pattern, the fix), and a `check` that sees one statement and the schema as it
stood before it. Rules are pure: they read the model, never the dev database."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import field
from typing import ClassVar

from grove_schema.findings import Location, RuleInfo, Severity
from grove_schema.layouts import MigrationFile
from grove_schema.losses import FileVerdicts
from grove_schema.model import Schema
from grove_schema.records import FrozenRecord, frozen_record
from grove_schema.sql.parsing import Kind, Statement


@frozen_record()
class RuleContext(FrozenRecord):
    """Everything a rule may look at for one statement."""

    statement: Statement
    schema: Schema  # as it stood before the statement
    file: MigrationFile
    location: Location  # the statement's first token
    locate: Callable[[int], Location]  # file offset -> location
    retired_tables: Mapping[str, str] = field(default_factory=dict)  # key(table) -> reason
    retired_columns: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (table, column) keys
    database: str = ""  # the database whose stream this is
    owner_of: Callable[[str], str | None] | None = None  # the ownership map, when there is one
    # What the file did to sample rows (data_verdicts), for a file that drops, renames or rebuilds;
    # None when it was not run so: the rule judges the statement's shape.
    verdicts: FileVerdicts | None = None
    # The dev database already ran the statement, under D1's authorizer (its file ran in one call).
    ran_in_dev_database: bool = False

    def moving_to(self, table: str) -> str | None:
        """The database the map moves `table` to, when it is not this stream's own."""
        if self.owner_of is None:
            return None
        owner = self.owner_of(table)
        return owner if owner is not None and owner != self.database else None


@frozen_record()
class Violation(FrozenRecord):
    """What a rule found in one statement: its message, and where when not the statement's start."""

    message: str
    location: Location | None = None  # default: the statement's location
    severity: Severity | None = None  # default: the rule's severity


class Rule:
    """Subclasses set `code`, `name`, `severity`, a docstring, and implement `check`.

    `explains` lists fragments of SQLite error messages this rule accounts for: when the dev
    database fails the statement with one of them, the rule's finding replaces `sqlite-error`
    and quotes SQLite's message (one statement, one finding per cause)."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    kinds: ClassVar[frozenset[Kind] | None] = None  # statement kinds it looks at; None: all
    explains: ClassVar[tuple[str, ...]] = ()
    info: ClassVar[RuleInfo]

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "code" in cls.__dict__:
            doc = inspect.cleandoc(cls.__doc__ or "")
            summary = doc.splitlines()[0] if doc else cls.name
            cls.info = RuleInfo(cls.code, cls.name, cls.severity, summary, doc)

    def check(self, context: RuleContext) -> Iterable[Violation]:
        raise NotImplementedError

    def explains_failure(self, sqlite_message: str) -> bool:
        lowered = sqlite_message.lower()
        return any(fragment.lower() in lowered for fragment in self.explains)
