"""Reporters: findings to text (plain or coloured) and JSON. One function per format."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from grove_schema.findings import Finding, Severity


def display_path(path: str, cwd: Path | None = None) -> str:
    """Relative to the current directory when below it, absolute otherwise."""
    base = (cwd or Path.cwd()).resolve()
    try:
        return str(Path(path).resolve().relative_to(base))
    except ValueError:
        return str(Path(path).resolve())


def finding_line(finding: Finding, cwd: Path | None = None) -> str:
    """`path:line:col: severity CODE name: message`."""
    head = f"{finding.severity.label} {finding.code} {finding.name}: {finding.message}"
    if finding.location is None:
        return head
    loc = finding.location
    return f"{display_path(loc.path, cwd)}:{loc.line}:{loc.column}: {head}"


def summary_line(
    files: int, statements: int, tables: Mapping[str, int], findings: list[Finding]
) -> str:
    counts = {severity: 0 for severity in Severity}
    for finding in findings:
        counts[finding.severity] += 1
    per_db = ", ".join(f"{key} {count}" for key, count in tables.items()) or "none"
    return (
        f"{files} files, {statements} statements; tables: {per_db}; "
        f"{counts[Severity.ERROR]} errors, {counts[Severity.WARNING]} warnings, {counts[Severity.INFO]} info"
    )


def write_plain(findings: list[Finding], summary: str, out: IO[str], notes: list[str] = ()) -> None:  # type: ignore[assignment]
    for finding in findings:
        out.write(finding_line(finding) + "\n")
    for note in notes:
        out.write(note + "\n")
    out.write(summary + "\n")


def write_rich(
    findings: list[Finding], summary: str, out: IO[str], texts: Mapping[str, str], notes: list[str] = ()  # type: ignore[assignment]
) -> None:
    """Grouped by file, coloured, with the offending source line under each finding."""
    from rich.console import Console
    from rich.markup import escape

    console = Console(file=out, highlight=False, soft_wrap=True)
    style = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
    current: str | None = "\0"
    for finding in findings:
        path = finding.location.path if finding.location else None
        if path != current:
            current = path
            console.print(f"[bold underline]{escape(display_path(path) if path else '(project)')}[/]")
        sev = finding.severity
        if finding.location is None:
            console.print(
                f"  [{style[sev]}]{sev.label}[/] [dim]{finding.code}[/] {finding.name}: {escape(finding.message)}"
            )
            continue
        loc = finding.location
        console.print(
            f"  [dim]{loc.line}:{loc.column}[/] [{style[sev]}]{sev.label}[/] [dim]{finding.code}[/] "
            f"[bold]{finding.name}[/]: {escape(finding.message)}"
        )
        source = texts.get(loc.path)
        if source is not None:
            lines = source.splitlines()
            if 0 < loc.line <= len(lines):
                text = lines[loc.line - 1].expandtabs(4)
                console.print(f"    [dim]{loc.line:>4} |[/] {escape(text)}")
                console.print(f"    [dim]     |[/] {' ' * (loc.column - 1)}[{style[sev]}]^[/]")
    for note in notes:
        console.print(f"[dim]{escape(note)}[/]")
    console.print(f"[bold]{escape(summary)}[/]")


def use_colour(out: IO[str]) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(out, "isatty", None)
    return bool(isatty and isatty())


def findings_json(
    findings: list[Finding], files: int, statements: int, tables: Mapping[str, int], cwd: Path | None = None
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
            }
        )
        counts[finding.severity.label] += 1
    return {
        "version": 1,
        "findings": records,
        "summary": {"files": files, "statements": statements, "tables": dict(tables), "findings": counts},
    }


def write_json(document: Mapping[str, Any], out: IO[str]) -> None:
    out.write(json.dumps(document, indent=2, sort_keys=False) + "\n")
