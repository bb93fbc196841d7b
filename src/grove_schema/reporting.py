"""Reporters: a `Report` (findings, counts, notes) to text (plain or coloured), JSON, SARIF, GitHub
workflow commands or gcc-style lines. `REPORTERS` maps each format name to its writer; the CLI's
`--format` choices are its keys."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import field, replace
from pathlib import Path, PurePath
from typing import IO, Any
from urllib.parse import quote

from grove_schema.findings import Finding, Location, RuleInfo, Severity, printable
from grove_schema.records import FrozenRecord, frozen_record


def _relative_path(path: str, cwd: Path | None = None) -> str:
    """Relative to the current directory when below it, absolute otherwise. Links are not
    followed (a symlinked migration is shown where it is listed, and a link loop cannot raise);
    only the directories are compared by their real paths."""
    absolute = os.path.abspath(path)
    for base in dict.fromkeys((os.path.abspath(cwd or os.getcwd()), os.path.realpath(cwd or os.getcwd()))):
        for candidate in dict.fromkeys(
            (absolute, os.path.join(os.path.realpath(os.path.dirname(absolute)), os.path.basename(absolute)))
        ):
            if candidate == base or candidate.startswith(base.rstrip(os.sep) + os.sep):
                return os.path.relpath(candidate, base)
    return absolute


def display_path(path: str, cwd: Path | None = None) -> str:
    """Relative to the current directory when below it, absolute otherwise; printable (control
    characters and bytes that are not UTF-8 escaped)."""
    return printable(_relative_path(path, cwd))


def printable_finding(finding: Finding) -> Finding:
    """The finding with its message escaped (`findings.printable`); the path is escaped when shown."""
    message = printable(finding.message)
    return finding if message == finding.message else replace(finding, message=message)


def finding_line(finding: Finding, cwd: Path | None = None) -> str:
    """`path:line:col: severity CODE name: message`."""
    head = f"{finding.severity.label} {finding.code} {finding.name}: {finding.message}"
    if finding.location is None:
        return head
    loc = finding.location
    return f"{display_path(loc.path, cwd)}:{loc.line}:{loc.column}: {head}"


def summary_line(
    files: int,
    statements: int,
    tables: Mapping[str, int],
    findings: list[Finding],
    not_applied: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """The counts of a `check`; a database's tables are those D1 would hold, and where D1 stops at a
    failing file the line says so."""
    counts = {severity: 0 for severity in Severity}
    for finding in findings:
        counts[finding.severity] += 1
    stops = not_applied or {}
    per_db = ", ".join(f"{key} {count}{_stop_note(stops.get(key, ()))}" for key, count in tables.items()) or "none"
    return (
        f"{files} files, {statements} statements; tables: {per_db}; "
        f"{counts[Severity.ERROR]} errors, {counts[Severity.WARNING]} warnings, {counts[Severity.INFO]} info"
    )


def _stop_note(names: Sequence[str]) -> str:
    if not names:
        return ""
    later = len(names) - 1
    if later == 0:
        return f" (D1 rolls back {names[0]}, the last file)"
    if later == 1:
        return f" (D1 rolls back {names[0]} and does not apply {names[1]})"
    return f" (D1 rolls back {names[0]} and does not apply the {later} files after it)"


def write_plain(findings: list[Finding], summary: str, out: IO[str], notes: list[str] = ()) -> None:  # type: ignore[assignment]
    for finding in findings:
        out.write(finding_line(finding) + "\n")
    for note in notes:
        out.write(note + "\n")
    out.write(summary + "\n")


def write_rich(
    findings: list[Finding],
    summary: str,
    out: IO[str],
    texts: Mapping[str, str],
    notes: list[str] = (),  # type: ignore[assignment]
    width: int | None = None,
) -> None:
    """Coloured, wrapped to the terminal's width: each finding starts with its own `path:line:col`
    (terminals make it a link) and what fails, continues indented, and is followed by the offending
    source line with a caret under the token the finding is about, then by its fix on a line of
    its own (`fix: ...`, as rustc and ruff print `help:`)."""
    from rich.console import Console
    from rich.markup import escape

    console = Console(file=out, highlight=False, soft_wrap=True, width=width)
    columns = max(console.width, 40)
    style = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
    for finding in findings:
        sev = finding.severity
        where = ""
        if finding.location is not None:
            loc = finding.location
            where = f"{display_path(loc.path)}:{loc.line}:{loc.column}: "
        head = f"{sev.label} {finding.code} {finding.name}"
        prefix = f"{where}{head}:"
        first, *rest = wrapped(f"{prefix} {finding.problem}", columns)
        if first.startswith(prefix):  # the width leaves room for the whole prefix: coloured
            console.print(
                f"[bold]{escape(where)}[/][{style[sev]}]{sev.label}[/] [dim]{finding.code}[/] "
                f"[bold]{finding.name}[/]:{escape(first[len(prefix) :])}"
            )
        else:
            console.print(escape(first))
        for line in rest:
            console.print(escape(line))
        source = texts.get(finding.location.path) if finding.location is not None else None
        if finding.location is not None and source is not None:
            loc = finding.location
            lines = source.splitlines()
            if 0 < loc.line <= len(lines):
                raw = lines[loc.line - 1]
                text = printable(raw.expandtabs(4))
                indent = len(printable(raw[: loc.column - 1].expandtabs(4)))
                console.print(f"    [dim]{loc.line:>4} |[/] {escape(text)}", crop=False, overflow="ignore")
                console.print(f"    [dim]     |[/] {' ' * indent}[{style[sev]}]^[/]")
        if finding.fix is not None:
            fix_first, *fix_rest = wrapped(f"{CONTINUATION}fix: {finding.fix}", columns)
            console.print(f"{CONTINUATION}[green]fix:[/]{escape(fix_first[len(CONTINUATION) + 4 :])}")
            for line in fix_rest:
                console.print(escape(line))
    for note in notes:
        for line in wrapped(note, columns):
            console.print(f"[dim]{escape(line)}[/]")
    console.print(f"[bold]{escape(summary)}[/]")


CONTINUATION = "    "


def wrapped(text: str, width: int) -> list[str]:
    """`text` cut into lines of at most `width` characters at spaces, the lines after the first
    indented; a word longer than a line (a path, a URL) is kept whole, so it stays one link. The
    first line always holds the text up to its first space (a finding's `path:line:col:`)."""
    import textwrap

    return textwrap.wrap(
        text,
        width=width,
        subsequent_indent=CONTINUATION,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [""]


def use_colour(out: IO[str]) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(out, "isatty", None)
    return bool(isatty and isatty())


def findings_json(
    findings: list[Finding],
    files: int,
    statements: int,
    tables: Mapping[str, int],
    cwd: Path | None = None,
    not_applied: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Any]:
    counts = {severity.label: 0 for severity in Severity}
    records = []
    for finding in findings:
        loc = finding.location
        records.append(
            {
                "code": finding.code,
                "name": finding.name,
                "severity": finding.severity.label,
                "path": display_path(loc.path, cwd) if loc else None,
                "line": loc.line if loc else None,
                "column": loc.column if loc else None,
                "message": finding.message,
                "fix": finding.fix,  # the message's fix on its own (None when it has none)
            }
        )
        counts[finding.severity.label] += 1
    return {
        "version": 1,
        "findings": records,
        "summary": {
            "files": files,
            "statements": statements,
            "tables": dict(tables),
            "not_applied": {k: list(v) for k, v in (not_applied or {}).items()},
            "findings": counts,
        },
    }


def write_json(document: Mapping[str, Any], out: IO[str]) -> None:
    import json

    out.write(json.dumps(document, indent=2, sort_keys=False) + "\n")


# SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_VERSION = "2.1.0"
SRCROOT = "%SRCROOT%"
_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_PROBLEM = re.compile(r"\*\*Problem\*\*:?\s*(?P<text>.*?)(?=\n\s*\*\*[A-Z][\w -]*\*\*|\Z)", re.DOTALL)


def sarif_level(severity: Severity) -> str:
    """SARIF's `level`: error, warning, or note for info."""
    return _SARIF_LEVEL[severity]


def rule_problem(info: RuleInfo) -> str:
    """The **Problem** section of a rule's doc as one paragraph; the summary when there is none."""
    match = _PROBLEM.search(info.doc)
    if match is None:
        return info.summary
    return " ".join(match.group("text").split()) or info.summary


def _sarif_rule(info: RuleInfo) -> dict[str, Any]:
    doc = info.doc or info.summary
    return {
        "id": info.code,
        "name": info.name,
        "shortDescription": {"text": info.summary},
        "fullDescription": {"text": rule_problem(info)},
        "help": {"text": doc, "markdown": doc},
        "defaultConfiguration": {"level": sarif_level(info.severity)},
    }


def _artifact_location(path: str, cwd: Path | None) -> dict[str, str]:
    """A relative URI (forward slashes, percent-encoded) against %SRCROOT% below the current
    directory; a `file://` URI otherwise."""
    shown = PurePath(_relative_path(path, cwd))
    if shown.is_absolute():
        return {"uri": Path(shown).as_uri()}
    # The name's bytes, percent-encoded: exact even for a name that is not UTF-8.
    return {"uri": quote(os.fsencode(shown.as_posix()), safe="/"), "uriBaseId": SRCROOT}


def _directory_uri(directory: Path) -> str:
    uri = Path(os.path.realpath(directory)).as_uri()
    return uri if uri.endswith("/") else uri + "/"


def sarif_log(
    findings: Sequence[Finding],
    rules: Sequence[RuleInfo],
    *,
    tool_version: str,
    fallback_path: str,
    notes: Sequence[str] = (),
    cwd: Path | None = None,
) -> dict[str, Any]:
    """One run: `tool.driver.rules` lists every registered rule (so `ruleIndex` is stable for a
    given version), one result per finding.

    GitHub code scanning rejects a whole upload when one result has no location
    ("locationFromSarifResult: expected at least one location"), so a finding that belongs to no
    single file is reported at line 1 of `fallback_path` (the ownership.toml in use)."""
    index = {info.code: position for position, info in enumerate(rules)}
    results = []
    for finding in findings:
        location = finding.location or Location(fallback_path, 1, 1)
        result: dict[str, Any] = {"ruleId": finding.code}
        if finding.code in index:
            result["ruleIndex"] = index[finding.code]
        result["level"] = sarif_level(finding.severity)
        result["message"] = {"text": finding.message}
        result["locations"] = [
            {
                "physicalLocation": {
                    "artifactLocation": _artifact_location(location.path, cwd),
                    "region": {"startLine": location.line, "startColumn": location.column},
                }
            }
        ]
        if finding.fix is not None:
            result["properties"] = {"fix": finding.fix}  # the message's fix on its own
        results.append(result)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "grove-schema",
                "version": tool_version,
                "semanticVersion": tool_version,
                "rules": [_sarif_rule(info) for info in rules],
            }
        },
        "originalUriBaseIds": {SRCROOT: {"uri": _directory_uri(cwd or Path.cwd())}},
        "columnKind": "unicodeCodePoints",  # columns count characters, as in the text format
        "invocations": [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [{"level": "note", "message": {"text": note}} for note in notes],
            }
        ],
        "results": results,
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


# GitHub Actions workflow commands: annotations on the pull request.

_GITHUB_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def github_escape_data(text: str) -> str:
    """The message part of a workflow command: `%`, CR and LF percent-encoded."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_escape_property(text: str) -> str:
    """A property value: as the message, and `:` and `,` too (they delimit properties)."""
    return github_escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_command(finding: Finding, cwd: Path | None = None) -> str:
    """`::error file=PATH,line=L,col=C,title=CODE name::message` (warning, notice for info)."""
    properties: list[tuple[str, str]] = []
    if finding.location is not None:
        loc = finding.location
        path = PurePath(display_path(loc.path, cwd)).as_posix()
        properties += [("file", path), ("line", str(loc.line)), ("col", str(loc.column))]
    properties.append(("title", f"{finding.code} {finding.name}"))
    rendered = ",".join(f"{key}={github_escape_property(value)}" for key, value in properties)
    return f"::{_GITHUB_COMMAND[finding.severity]} {rendered}::{github_escape_data(finding.message)}"


def write_github(findings: Sequence[Finding], summary: str, out: IO[str], notes: Sequence[str] = ()) -> None:
    """One workflow command per finding; the notes and the summary as plain log lines."""
    for finding in findings:
        out.write(github_command(finding) + "\n")
    for note in notes:
        out.write(_one_line(note) + "\n")
    out.write(summary + "\n")


# gcc-style diagnostics, for editors' quickfix lists and compilation buffers.

_GCC_SEVERITY = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _one_line(text: str) -> str:
    return " ".join(text.splitlines())


def gcc_line(finding: Finding, cwd: Path | None = None) -> str:
    """`path:line:col: severity: CODE message`; without a location, `grove-schema: severity: ...`
    (as gcc itself prints diagnostics that belong to no file). The message is kept on one line."""
    body = f"{_GCC_SEVERITY[finding.severity]}: {finding.code} {_one_line(finding.message)}"
    if finding.location is None:
        return f"grove-schema: {body}"
    loc = finding.location
    return f"{display_path(loc.path, cwd)}:{loc.line}:{loc.column}: {body}"


def write_gcc(findings: Sequence[Finding], out: IO[str]) -> None:
    """Diagnostics only: no notes and no summary, so every line is one an editor can jump to."""
    for finding in findings:
        out.write(gcc_line(finding) + "\n")


# The table of formats.


@frozen_record()
class Report(FrozenRecord):
    """What every reporter reads: one `check`'s findings (sorted), counts and notes."""

    findings: list[Finding]
    file_count: int
    statement_count: int
    tables: Mapping[str, int]  # database key -> the tables D1 would hold after its stream
    notes: list[str] = field(default_factory=list)  # advice that is not a finding
    # path -> file text, for source excerpts: asked only by the terminal reporter (a cached report
    # reads source files to answer it)
    texts: Callable[[], Mapping[str, str]] = dict
    config_path: str = "ownership.toml"  # where SARIF places findings that belong to no file
    # What the summary counts when it is not what is shown (`--quiet` and `--show` hide the rest)
    counted: list[Finding] | None = None
    # database key -> the files D1 would not apply (the first failing one, then every later one)
    not_applied: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def summary(self) -> str:
        return summary_line(
            self.file_count, self.statement_count, self.tables, self.counted_findings(), self.not_applied
        )

    def counted_findings(self) -> list[Finding]:
        return self.findings if self.counted is None else self.counted

    def printable(self) -> Report:
        """The report with every message and note escaped: what each reporter writes."""
        return replace(
            self, findings=[printable_finding(f) for f in self.findings], notes=[printable(n) for n in self.notes]
        )


def report_text(report: Report, out: IO[str]) -> None:
    report = report.printable()
    """Coloured and grouped on a terminal (unless NO_COLOR), plain lines otherwise."""
    if use_colour(out):
        write_rich(report.findings, report.summary(), out, report.texts(), report.notes)
    else:
        write_plain(report.findings, report.summary(), out, report.notes)


def report_json(report: Report, out: IO[str]) -> None:
    report = report.printable()
    document = findings_json(
        report.findings, report.file_count, report.statement_count, report.tables, not_applied=report.not_applied
    )
    document["summary"]["findings"] = _severity_counts(report.counted_findings())
    document["summary"]["notes"] = list(report.notes)
    write_json(document, out)


def report_sarif(report: Report, out: IO[str]) -> None:
    report = report.printable()
    from grove_schema import __version__
    from grove_schema.registry import all_rules  # SARIF lists every rule, so ruleIndex is stable

    log = sarif_log(
        report.findings, all_rules(), tool_version=__version__, fallback_path=report.config_path, notes=report.notes
    )
    write_json(log, out)


def report_github(report: Report, out: IO[str]) -> None:
    report = report.printable()
    write_github(report.findings, report.summary(), out, report.notes)


def report_gcc(report: Report, out: IO[str]) -> None:
    report = report.printable()
    write_gcc(report.findings, out)


def _severity_counts(findings: Sequence[Finding]) -> dict[str, int]:
    counts = {severity.label: 0 for severity in Severity}
    for finding in findings:
        counts[finding.severity.label] += 1
    return counts


def rule_statistics(findings: Sequence[Finding]) -> list[tuple[int, Finding]]:
    """How many findings each code has, with one of them (its code, name and severity): the
    most frequent first, then by code."""
    counts: dict[tuple[str, Severity], list[Finding]] = {}
    for finding in findings:
        counts.setdefault((finding.code, finding.severity), []).append(finding)
    rows = [(len(group), group[0]) for group in counts.values()]
    return sorted(rows, key=lambda row: (-row[0], row[1].code, -row[1].severity))


def report_statistics(report: Report, out: IO[str], format_name: str = "text") -> None:
    """`check --statistics`: one line per code (count, code, severity, name), as `ruff --statistics`,
    then the summary line; or the same rows as JSON."""
    rows = rule_statistics(report.findings)
    if format_name == "json":
        document = {
            "version": 1,
            "statistics": [
                {"code": f.code, "name": f.name, "severity": f.severity.label, "count": count} for count, f in rows
            ],
            "summary": {
                "files": report.file_count,
                "statements": report.statement_count,
                "tables": dict(report.tables),
                "not_applied": {k: list(v) for k, v in report.not_applied.items()},
                "findings": _severity_counts(report.counted_findings()),
            },
        }
        write_json(document, out)
        return
    width = max((len(str(count)) for count, _ in rows), default=1)
    severity_width = max((len(f.severity.label) for _, f in rows), default=0)
    for count, finding in rows:
        out.write(f"{count:>{width}}  {finding.code}  {finding.severity.label:<{severity_width}}  {finding.name}\n")
    out.write(report.summary() + "\n")


REPORTERS: dict[str, Callable[[Report, IO[str]], None]] = {
    "text": report_text,
    "json": report_json,
    "sarif": report_sarif,
    "github": report_github,
    "gcc": report_gcc,
}
REPORT_FORMATS = tuple(REPORTERS)
