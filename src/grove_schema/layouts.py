"""Stream layouts: which directory entries make up a migration stream, the number and order of each
file, and the name of the next one.

A layout decides from names alone; `discovery` lists the directory and asks it. Today's layouts:
wrangler's (`*.sql` directly in the folder, numbered by their leading digits) and a `file_pattern`
(a regular expression with a `number` group, for other tools' conventions).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from grove_schema.errors import UsageError

LOCK_FILE_NAME = "migrations.lock"  # beside the stream: what `grove-schema lock` records
_LEADING_DIGITS = re.compile(r"^(\d+)")


@dataclass(frozen=True)
class MigrationFile:
    path: Path
    name: str
    number: int | None  # None: unnumbered (sorted last)
    # The digits as written ("031"), which keep the zero-padding; by default the leading digits.
    number_text: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.number_text is None and self.number is not None:
            match = _LEADING_DIGITS.match(self.name)
            object.__setattr__(self, "number_text", match.group(1) if match else None)


class StreamLayout:
    """Wrangler's layout: every name ending in `.sql` (case-sensitive), ordered by the integer its
    leading digits spell, ties by full name, unnumbered files last."""

    def number_text(self, name: str) -> str | None:
        """The digits that number the file named `name`, as written; None when it has none."""
        match = _LEADING_DIGITS.match(name)
        return match.group(1) if match else None

    def is_migration(self, name: str) -> bool:
        """Whether a file called `name`, directly in the folder, is part of the stream."""
        return name.endswith(".sql")

    def looks_like_migration(self, name: str) -> bool:
        """Whether `name` looks like SQL meant for the stream (for the stray-file check)."""
        return name.lower().endswith(".sql")

    def migration(self, path: Path) -> MigrationFile:
        text = self.number_text(path.name)
        number = int(text) if text is not None else None
        return MigrationFile(path=path, name=path.name, number=number, number_text=text)

    def order_key(self, migration: MigrationFile) -> tuple[int, int, str]:
        if migration.number is None:
            return (1, 0, migration.name)
        return (0, migration.number, migration.name)

    def ordered(self, files: list[MigrationFile]) -> list[MigrationFile]:
        return sorted(files, key=self.order_key)

    def next_file_name(self, number: int, width: int, slug: str) -> str:
        """The name `grove-schema new` gives the migration numbered `number`."""
        return f"{number:0{width}d}_{slug}.sql"


WRANGLER_LAYOUT = StreamLayout()


class PatternLayout(StreamLayout):
    """A `file_pattern`: the names it matches in full are the stream, numbered by its `number` group."""

    def __init__(self, pattern: str) -> None:
        self.pattern = re.compile(pattern)

    def number_text(self, name: str) -> str | None:
        match = self.pattern.fullmatch(name)
        return match.group("number") if match else None

    def is_migration(self, name: str) -> bool:
        return self.pattern.fullmatch(name) is not None

    def next_file_name(self, number: int, width: int, slug: str) -> str:
        name = super().next_file_name(number, width, slug)
        if not self.is_migration(name):
            raise UsageError(f"{name} would not match the database's file_pattern {self.pattern.pattern!r}")
        return name


def layout_for(file_pattern: str | None) -> StreamLayout:
    """The layout of a database configured with this `file_pattern` (None: wrangler's)."""
    return PatternLayout(file_pattern) if file_pattern else WRANGLER_LAYOUT
