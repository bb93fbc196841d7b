"""Which files make up a database's migration stream, in wrangler's order."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_LEADING_NUMBER = re.compile(r"^(\d+)")


@dataclass(frozen=True)
class MigrationFile:
    path: Path
    name: str
    number: int | None  # None: unnumbered (sorted last)

    @property
    def number_text(self) -> str | None:
        match = _LEADING_NUMBER.match(self.name)
        return match.group(1) if match else None


def migration_number(name: str, pattern: re.Pattern[str] | None = None) -> int | None:
    """The number wrangler orders a file by: the leading digits (or the pattern's `number`)."""
    if pattern is not None:
        match = pattern.fullmatch(name)
        return int(match.group("number")) if match else None
    match = _LEADING_NUMBER.match(name)
    return int(match.group(1)) if match else None


def ordering_key(migration: MigrationFile) -> tuple[int, int, str]:
    if migration.number is None:
        return (1, 0, migration.name)
    return (0, migration.number, migration.name)


def discover_stream(directory: Path, file_pattern: str | None = None) -> list[MigrationFile]:
    """The `*.sql` files directly in `directory` (wrangler ignores sub-folders, `.SQL`, dot-files
    and symlinks), ordered by number as an integer, then by full name, unnumbered last."""
    pattern = re.compile(file_pattern) if file_pattern else None
    found = []
    for path in directory.iterdir():
        name = path.name
        if name.startswith(".") or path.is_symlink() or not path.is_file():
            continue
        if pattern is not None:
            if not pattern.fullmatch(name):
                continue
        elif not name.endswith(".sql"):
            continue
        found.append(MigrationFile(path=path, name=name, number=migration_number(name, pattern)))
    return sorted(found, key=ordering_key)
