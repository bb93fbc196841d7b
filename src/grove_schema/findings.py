"""Findings: the one record shape every check produces (rule, message, `path:line:col`, severity)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field

from grove_schema.records import FrozenRecord


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


@dataclass(frozen=True, eq=False, repr=False)
class RuleInfo(FrozenRecord):
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


# Every message says what fails, then this separator and the fix (an imperative): "users.email is
# NOT NULL without a default; fix: give it a constant DEFAULT". `Finding.problem` and `Finding.fix`
# are the two halves; the machine formats carry the fix on its own too.
FIX_SEPARATOR = "; fix: "


@dataclass(frozen=True, eq=False, repr=False)
class Finding(FrozenRecord):
    """One problem found: its rule, its message with the fix, where, and how severe."""

    rule: RuleInfo
    message: str  # what fails; fix: how to fix it (FIX_SEPARATOR)
    location: Location | None = None
    severity: Severity = field(default=Severity.ERROR)

    @property
    def problem(self) -> str:
        """What fails: the message before its (last) FIX_SEPARATOR, the whole message without one.
        The last, since what fails may quote SQL or names, which the fix grove-schema writes follows."""
        problem, separator, _fix = self.message.rpartition(FIX_SEPARATOR)
        return problem if separator else self.message

    @property
    def fix(self) -> str | None:
        """How to fix it: the message after its (last) FIX_SEPARATOR; None when it has none."""
        _problem, separator, fix = self.message.rpartition(FIX_SEPARATOR)
        return fix if separator else None

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


def plural(count: int, noun: str) -> str:
    """`1 table`, `3 tables`, `2 indexes`."""
    if count == 1:
        return f"1 {noun}"
    return f"{count} {noun}es" if noun.endswith(("x", "s")) else f"{count} {noun}s"


def with_fix(problem: str, fix: str) -> str:
    """A finding's message: what fails, then FIX_SEPARATOR and the fix (an imperative)."""
    return f"{problem}{FIX_SEPARATOR}{fix}"


def with_detail(message: str, detail: str) -> str:
    """`message` with ` (detail)` at the end of what fails, before the fix: SQLite's text, or
    what D1 does with the file, belongs to the problem."""
    problem, separator, fix = message.rpartition(FIX_SEPARATOR)
    if not separator:
        return f"{message} ({detail})"
    return f"{problem} ({detail}){separator}{fix}"


def make_finding(rule: RuleInfo, message: str, location: Location | None) -> Finding:
    return Finding(rule=rule, message=message, location=location, severity=rule.severity)


# Characters never printed raw: C0 and C1 controls (line breaks and ANSI escapes among them), DEL,
# lone surrogates (Python's stand-ins for bytes that are not UTF-8) and the bidirectional overrides.
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def printable(text: str) -> str:
    """`text` with every control character, bidirectional override and undecodable byte escaped
    (`\\n`, `\\x1b`, `\\u202e`; a byte that is not UTF-8 as `\\xff`), so a file name or a line of
    SQL can never move the cursor, colour the terminal, forge a line of output or break an encoder."""
    if text.isascii() and text.isprintable():
        return text
    out = []
    for char in text:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's surrogateescape: the raw byte code - 0xDC00
            out.append(f"\\x{code - 0xDC00:02x}")
        elif code < 0x20 or 0x7F <= code < 0xA0 or 0xD800 <= code <= 0xDFFF or char in _BIDI_CONTROLS:
            out.append(
                char.encode("unicode_escape").decode("ascii") if code > 0xFF or code < 0x7F else f"\\x{code:02x}"
            )
        else:
            out.append(char)
    return "".join(out)


# A message names at most this many items of a list, then how many more there are.
LISTED_ITEMS = 3


def short_list(items: Sequence[str], limit: int = LISTED_ITEMS) -> str:
    """`a, b, c and 13 more`; every item when there are at most `limit` + 1 (`a, b, c and d`)."""
    if len(items) <= limit + 1:
        return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}" if items else ""
    return f"{', '.join(items[:limit])} and {len(items) - limit} more"
