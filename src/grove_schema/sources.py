"""Reading migration files: bytes to text, or a finding that says why not; and Flyway's
placeholders (`${name}`), replaced in a database's text when it sets `placeholders`."""

from __future__ import annotations

import os
import string
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from grove_schema.codes import UNREADABLE_FILE, UNRESOLVED_PLACEHOLDER
from grove_schema.d1 import MAX_STATEMENT_BYTES
from grove_schema.files import read_bounded as read_bounded
from grove_schema.findings import Finding, Location, Severity, make_finding, with_fix

# D1 refuses a statement over 100,000 bytes, so a file of 32 MiB holds at least 335 statements at
# D1's maximum: far beyond any migration anyone reviews (a 10 MB seed still replays), while the cap
# bounds what one file costs in memory (a growing file or /dev/zero behind a name stops here).
MAX_MIGRATION_BYTES = 32 * 1024 * 1024
assert MAX_MIGRATION_BYTES > 300 * MAX_STATEMENT_BYTES


def decode_migration(data: bytes, path: str) -> str | Finding:
    """UTF-8 text (a BOM is dropped, as wrangler's reader does), or an `unreadable-file` finding."""
    nul = data.find(b"\x00")
    if nul != -1:
        line, column = _position(data, nul)
        return make_finding(
            UNREADABLE_FILE,
            with_fix(
                f"the file is binary (a NUL byte at offset {nul}), so grove-schema cannot replay it and D1 would "
                "not run the SQL you meant",
                "save the migration as UTF-8 SQL text (an editor's UTF-16 has NUL bytes: convert it with iconv)",
            ),
            Location(path, line, column),
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = _position(data, error.start)
        bad = data[error.start : error.start + 1].hex()
        return make_finding(
            UNREADABLE_FILE,
            with_fix(
                f"the file is not valid UTF-8 (byte 0x{bad} at offset {error.start}), so grove-schema cannot replay it",
                "save the file as UTF-8 (iconv -f LATIN1 -t UTF-8 converts a Latin-1 file)",
            ),
            Location(path, line, column),
        )
    return text[1:] if text.startswith("\ufeff") else text


def read_migration(path: Path) -> str | Finding:
    try:
        data = read_bounded(path, MAX_MIGRATION_BYTES)
    except OSError as error:
        reason = error.strerror or str(error)
        message = with_fix(
            f"the file cannot be read ({reason}), so grove-schema cannot replay it",
            "make it a regular, readable file below the size D1 can apply",
        )
        return make_finding(UNREADABLE_FILE, message, Location(str(path), 1, 1))
    return decode_migration(data, str(path))


def _position(data: bytes, offset: int) -> tuple[int, int]:
    before = data[:offset]
    line = before.count(b"\n") + 1
    start = before.rfind(b"\n") + 1
    column = len(before[start:].decode("utf-8", errors="replace")) + 1
    return line, column


# Flyway's placeholder syntax, with its default prefix and suffix: `${name}`.
_PLACEHOLDER_CHARACTERS = frozenset(string.ascii_letters + string.digits + "_.:-")
_FLYWAY_PREFIX = "flyway:"  # Flyway's own placeholders: known only when Flyway runs


def is_placeholder_name(name: str) -> bool:
    """A name between `${` and `}` (Flyway's own are `flyway:...`)."""
    return bool(name) and all(char in _PLACEHOLDER_CHARACTERS for char in name)


def substitute_placeholders(text: str, values: Mapping[str, str], path: str) -> tuple[str, list[Finding]]:
    """`text` with every `${name}` replaced by its value, as Flyway replaces them (in comments and
    strings too), and a finding for each placeholder without a value (left as written).
    `${flyway:filename}` is the file's name; Flyway's other own placeholders need a value here."""
    pieces: list[str] = []
    findings: list[Finding] = []
    position, line, line_start, counted = 0, 1, 0, 0
    while True:
        at = text.find("${", position)
        if at < 0:
            break
        end = text.find("}", at + 2)
        name = text[at + 2 : end] if end >= 0 else ""
        if not is_placeholder_name(name):
            pieces.append(text[position : at + 2])
            position = at + 2
            continue
        line += text.count("\n", counted, at)
        newline = text.rfind("\n", counted, at)
        line_start = newline + 1 if newline >= 0 else line_start
        counted = at
        value = values.get(name)
        if value is None and name == f"{_FLYWAY_PREFIX}filename":
            value = os.path.basename(path)
        if value is None:
            findings.append(_unresolved(name, values, Location(path, line, at - line_start + 1)))
            pieces.append(text[position : end + 1])
        else:
            pieces.append(text[position:at])
            pieces.append(value)
        position = end + 1
    pieces.append(text[position:])
    return "".join(pieces), findings


def _unresolved(name: str, values: Mapping[str, str], at: Location) -> Finding:
    configured = ", ".join(sorted(values)) or "none"
    if name.startswith(_FLYWAY_PREFIX):
        message = with_fix(
            f"${{{name}}} is Flyway's own placeholder, known only when Flyway runs, so grove-schema replays it as "
            "written",
            "give it a value in the database's placeholders to replay the SQL Flyway would run",
        )
        return replace(make_finding(UNRESOLVED_PLACEHOLDER, message, at), severity=Severity.WARNING)
    message = with_fix(
        f"no value for the placeholder ${{{name}}} (configured: {configured}), so Flyway refuses the migration",
        "add it to the database's placeholders in ownership.toml",
    )
    return make_finding(UNRESOLVED_PLACEHOLDER, message, at)
