"""Inline suppressions: `-- grove-schema: ignore <rule> -- <reason>` and `ignore-file`.

A line suppression sits on the statement's first line or in the comment lines right above it and
silences that statement's findings of the named rules; `ignore-file` silences them in the whole
file. The reason is required. A malformed suppression (no reason, an unknown rule) is reported,
and so is one that silenced nothing: a stale suppression hides the next real problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from grove_schema.codes import SUPPRESSION_MALFORMED, SUPPRESSION_UNUSED
from grove_schema.findings import Finding, Location, RuleInfo, make_finding, with_fix
from grove_schema.records import FrozenRecord, Record, frozen_record
from grove_schema.registry import find_rule

# `-- grove-schema: ...` in SQL; `// grove-schema: ...` or `/* grove-schema: ... */` in JS and TS.
_DIRECTIVE = re.compile(
    r"^(?:--|//|/\*+)\s*grove-schema:\s*(?P<kind>ignore-file|ignore)\b(?P<rest>.*?)(?:\*+/)?$", re.IGNORECASE
)
_NOT_SUPPRESSIBLE = {SUPPRESSION_MALFORMED.code, SUPPRESSION_UNUSED.code}


@dataclass(eq=False, repr=False)
class Suppression(Record):
    """A `grove-schema: ignore` comment: the rules it silences, where and why."""

    location: Location
    rules: tuple[RuleInfo, ...]
    reason: str
    file_level: bool
    used_codes: set[str] = field(default_factory=set)  # the rules it silenced a finding of

    @property
    def used(self) -> bool:
        return bool(self.used_codes)

    def unused_rules(self) -> list[RuleInfo]:
        return [rule for rule in self.rules if rule.code not in self.used_codes]


@frozen_record()
class FileLayout(FrozenRecord):
    """What suppressions need to know of a file: its comments and where statements stand."""

    path: str
    comments: tuple[tuple[int, int, str], ...]  # (line, column, text) of each comment, markers included
    statements: tuple[tuple[int, int], ...]  # (first line, last line) of each statement
    comment_marker: str = "--"  # how a line comment starts in this file's language, for messages


@dataclass(eq=False, repr=False)
class ParsedSuppressions(Record):
    """A file's suppression comments, and the malformed ones."""

    suppressions: list[Suppression] = field(default_factory=list)
    malformed: list[Finding] = field(default_factory=list)


def parse_suppressions(layout: FileLayout) -> ParsedSuppressions:
    parsed = ParsedSuppressions()
    for line, column, text in layout.comments:
        match = _DIRECTIVE.match(text.strip())
        if match is None:
            continue
        location = Location(layout.path, line, column)
        kind = match.group("kind").lower()
        # Rule names hold single hyphens only, so the first `--` starts the reason.
        names_part, _separator, reason = match.group("rest").partition("--")
        names = [n for n in re.split(r"[,\s]+", names_part.strip()) if n]
        reason = reason.strip()
        problems = []
        fixes = []
        if not names:
            problems.append("names no rule")
            fixes.append("name the rule")
        unknown = [n for n in names if find_rule(n) is None]
        if unknown:
            problems.append(f"names an unknown rule: {', '.join(unknown)}")
            fixes.append(f"correct {'the names' if len(unknown) > 1 else 'the name'} (grove-schema rules lists them)")
        if not reason:
            problems.append("gives no reason")
            fixes.append("give the reason after `--`")
        if problems:
            form = f"`{layout.comment_marker} grove-schema: {kind} <code-or-name> -- <reason>`"
            parsed.malformed.append(
                make_finding(
                    SUPPRESSION_MALFORMED,
                    with_fix(
                        f"this grove-schema {kind} comment {' and '.join(problems)}, so it silences nothing",
                        f"{' and '.join(fixes)}, in the form {form}",
                    ),
                    location,
                )
            )
            continue
        rules = tuple(rule for rule in (find_rule(n) for n in names) if rule is not None)
        parsed.suppressions.append(Suppression(location, rules, reason, kind == "ignore-file"))
    return parsed


def _target_span(suppression: Suppression, statements: Sequence[tuple[int, int]]) -> tuple[int, int] | None:
    """The statement a line suppression covers: the first one that starts on or below its line,
    provided no other statement ends between the two (the comment sits right above it)."""
    line = suppression.location.line
    previous_end = 0
    for first, last in statements:
        if first >= line:
            return (first, last) if previous_end < line or first == line else None
        if first <= line <= last:
            return (first, last)  # a comment inside the statement: that statement
        previous_end = last
    return None


def apply_suppressions(findings: Iterable[Finding], layouts: Iterable[FileLayout]) -> list[Finding]:
    """Drop the findings that a suppression covers; add malformed and unused suppressions."""
    by_path: dict[str, tuple[FileLayout, ParsedSuppressions]] = {}
    for layout in layouts:
        by_path[layout.path] = (layout, parse_suppressions(layout))
    kept: list[Finding] = []
    for finding in findings:
        location = finding.location
        entry = by_path.get(location.path) if location is not None else None
        if entry is None or location is None or finding.code in _NOT_SUPPRESSIBLE:
            kept.append(finding)
            continue
        layout, parsed = entry
        covering = None
        for suppression in parsed.suppressions:
            if finding.rule not in suppression.rules:
                continue
            if suppression.file_level:
                covering = suppression
                break
            span = _target_span(suppression, layout.statements)
            if span is not None and span[0] <= location.line <= span[1]:
                covering = suppression
                break
        if covering is None:
            kept.append(finding)
        else:
            covering.used_codes.add(finding.code)
    for _layout, parsed in by_path.values():
        kept.extend(parsed.malformed)
        for suppression in parsed.suppressions:
            unused = suppression.unused_rules()
            if not unused:
                continue
            names = ", ".join(rule.name for rule in unused)
            if suppression.used:  # a comment naming several rules, some of which found nothing here
                message = with_fix(f"{names} in this suppression silenced nothing", f"remove {names} from the comment")
            else:
                message = with_fix(f"this suppression of {names} silenced nothing", "remove the comment")
            kept.append(make_finding(SUPPRESSION_UNUSED, message, suppression.location))
    return kept
