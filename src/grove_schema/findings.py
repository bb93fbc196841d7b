"""Findings: the one record shape every check produces, and the registry of rule names and codes."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (expected error, warning or info)") from None


@dataclass(frozen=True)
class RuleInfo:
    """A rule's stable identity: `code` never changes, `name` is the kebab-case contract name."""

    code: str
    name: str
    severity: Severity
    summary: str
    doc: str = ""  # problem, anti-pattern and fix: what `grove-schema explain` prints


@dataclass(frozen=True, order=True)
class Location:
    """`path:line:col`, 1-based. `path` is the file as discovered (absolute)."""

    path: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Finding:
    rule: RuleInfo
    message: str
    location: Location | None = None
    severity: Severity = field(default=Severity.ERROR)

    @property
    def code(self) -> str:
        return self.rule.code

    @property
    def name(self) -> str:
        return self.rule.name

    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        if loc is None:
            return ("", 0, 0, self.rule.code, self.message)
        return (loc.path, loc.line, loc.column, self.rule.code, self.message)


_REGISTRY: dict[str, RuleInfo] = {}


def register(code: str, name: str, severity: Severity, summary: str, doc: str = "") -> RuleInfo:
    if code in _REGISTRY or any(r.name == name for r in _REGISTRY.values()):
        raise ValueError(f"rule {code} {name} registered twice")
    info = RuleInfo(code, name, severity, summary, doc)
    _REGISTRY[code] = info
    return info


def all_rules() -> list[RuleInfo]:
    return sorted(_REGISTRY.values(), key=lambda r: r.code)


def find_rule(code_or_name: str) -> RuleInfo | None:
    key = code_or_name.strip()
    if key.upper() in _REGISTRY:
        return _REGISTRY[key.upper()]
    for info in _REGISTRY.values():
        if info.name == key.lower():
            return info
    return None


def make_finding(rule: RuleInfo, message: str, location: Location | None) -> Finding:
    return Finding(rule=rule, message=message, location=location, severity=rule.severity)


# Replay: what the replay itself reports (GS1xx).
PARSE_ERROR = register("GS101", "parse-error", Severity.ERROR, "SQL that does not parse")
UNSUPPORTED_STATEMENT = register(
    "GS102", "unsupported-statement", Severity.WARNING, "a statement grove-schema does not model"
)
SQLITE_ERROR = register(
    "GS103", "sqlite-error", Severity.ERROR, "a statement the D1-profile dev database rejects"
)
UNREADABLE_FILE = register(
    "GS104", "unreadable-file", Severity.ERROR, "a migration file that cannot be read as UTF-8 text"
)
MISSING_SEMICOLON = register(
    "GS105",
    "missing-semicolon",
    Severity.ERROR,
    "the last statement of a file has no `;` (wrangler appends its bookkeeping INSERT)",
)
UNTERMINATED_COMMENT = register(
    "GS106",
    "unterminated-comment",
    Severity.ERROR,
    "a `/*` comment runs to the end of the file and swallows wrangler's bookkeeping INSERT",
)
EMPTY_MIGRATION = register(
    "GS107", "empty-migration", Severity.WARNING, "a migration file with no SQL statement"
)

# Ownership: the map in ownership.toml against the streams (GS2xx).
PENDING_MOVE = register(
    "GS201", "pending-move", Severity.INFO, "a table that lives in one database's stream but belongs to another"
)
FOREIGN_TABLE_CHANGE = register(
    "GS202", "foreign-table-change", Severity.ERROR, "a migration creates or alters another database's table"
)
UNOWNED_TABLE = register("GS203", "unowned-table", Severity.ERROR, "a table no database claims, with no default owner")
CROSS_DATABASE_REFERENCE = register(
    "GS204", "cross-database-reference", Severity.ERROR, "a foreign key, view or trigger that reads another database"
)
LOST_CASCADE = register(
    "GS205", "lost-cascade", Severity.INFO, "an ON DELETE CASCADE or SET NULL that a planned move cuts"
)
RETIRED_STILL_REFERENCED = register(
    "GS206", "retired-still-referenced", Severity.ERROR, "a retired table or column that something staying still needs"
)
CONFIG_PATTERN_UNMATCHED = register(
    "GS207", "config-pattern-unmatched", Severity.WARNING, "a table pattern in ownership.toml that matches no table"
)

# Numbering: wrangler's ordering, the reservation file and the lock (GS3xx).
DUPLICATE_NUMBER = register("GS301", "duplicate-number", Severity.ERROR, "two files of one stream share a number")
CONFIG_GRANDFATHER_UNUSED = register(
    "GS302", "config-grandfather-unused", Severity.WARNING, "a grandfathered number with no collision"
)
RESERVATION_MISMATCH = register(
    "GS303", "reservation-mismatch", Severity.ERROR, "the reservation file does not hold the next number"
)
RESERVATION_MISSING = register(
    "GS304", "reservation-missing", Severity.ERROR, "the configured reservation file does not exist"
)
OUT_OF_ORDER = register(
    "GS305", "out-of-order", Severity.ERROR, "a new file numbered below the highest locked migration"
)
FILENAME = register("GS306", "filename", Severity.WARNING, "a migration file name wrangler mishandles or ignores")
EDITED_MIGRATION = register(
    "GS307", "edited-migration", Severity.ERROR, "a locked (applied) migration whose content changed"
)
MISSING_MIGRATION = register("GS308", "missing-migration", Severity.ERROR, "a locked migration renamed or deleted")

# Suppressions (GS5xx).
SUPPRESSION_MALFORMED = register(
    "GS501", "suppression-malformed", Severity.ERROR, "a grove-schema suppression comment without a reason or rule"
)
SUPPRESSION_UNUSED = register(
    "GS502", "suppression-unused", Severity.WARNING, "a suppression comment that silenced nothing"
)
