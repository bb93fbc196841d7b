"""Reading migration files: bytes to text, or a finding that says why not."""

from __future__ import annotations

from pathlib import Path

from grove_schema.codes import UNREADABLE_FILE
from grove_schema.d1 import MAX_STATEMENT_BYTES
from grove_schema.files import read_bounded as read_bounded
from grove_schema.findings import Finding, Location, make_finding

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
            f"binary file: NUL byte at offset {nul}; a migration must be UTF-8 SQL text",
            Location(path, line, column),
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = _position(data, error.start)
        bad = data[error.start : error.start + 1].hex()
        return make_finding(
            UNREADABLE_FILE,
            f"not valid UTF-8: byte 0x{bad} at offset {error.start}; save the file as UTF-8",
            Location(path, line, column),
        )
    return text[1:] if text.startswith("\ufeff") else text


def read_migration(path: Path) -> str | Finding:
    try:
        data = read_bounded(path, MAX_MIGRATION_BYTES)
    except OSError as error:
        reason = error.strerror or str(error)
        return make_finding(UNREADABLE_FILE, f"cannot read the file: {reason}", Location(str(path), 1, 1))
    return decode_migration(data, str(path))


def _position(data: bytes, offset: int) -> tuple[int, int]:
    before = data[:offset]
    line = before.count(b"\n") + 1
    start = before.rfind(b"\n") + 1
    column = len(before[start:].decode("utf-8", errors="replace")) + 1
    return line, column
