"""Findings: the one record shape every check produces (rule, message, `path:line:col`, severity)."""

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


def make_finding(rule: RuleInfo, message: str, location: Location | None) -> Finding:
    return Finding(rule=rule, message=message, location=location, severity=rule.severity)
