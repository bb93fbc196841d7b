"""Stream layouts: which directory entries make up a migration stream, the number and order of each
file, and the name of the next one.

A layout decides from names alone; `discovery` lists the directory and asks it. Today's layouts:
wrangler's (`*.sql` directly in the folder, numbered by their leading ASCII digits, in the order
wrangler itself computes: `wrangler_order`) and a `file_pattern` (a regular expression with a
`number` group, for other tools' conventions; run by google-re2, in linear time).

Digits are ASCII digits everywhere: `parse_number` is the one reading of a migration number (file
names, the reservation, the lock and the configuration).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grove_schema.errors import UsageError
from grove_schema.wrangler_order import wrangler_number, wrangler_order

LOCK_FILE_NAME = "migrations.lock"  # beside the stream: what `grove-schema lock` records
_LEADING_DIGITS = re.compile(r"^([0-9]+)")

# A migration number has at most this many digits: wrangler reads numbers as JavaScript doubles,
# which are exact to 15 digits, and int() refuses strings of over 4,300 digits.
MAX_NUMBER_DIGITS = 15


def parse_number(text: str) -> int | None:
    """The migration number `text` spells: ASCII digits only, at most MAX_NUMBER_DIGITS; else None."""
    if not text or len(text) > MAX_NUMBER_DIGITS or not all("0" <= char <= "9" for char in text):
        return None
    return int(text)


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
    """Wrangler's layout: every name ending in `.sql` (case-sensitive), numbered by its leading ASCII
    digits, in wrangler's own order (`wrangler_order`: JavaScript's `parseInt` of the text before the
    first `_`, ties by UTF-16 code units; where an unnumbered name lands depends on its neighbours)."""

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
        number = parse_number(text) if text is not None else None
        return MigrationFile(path=path, name=path.name, number=number, number_text=text)

    def order_key(self, migration: MigrationFile) -> tuple[int, int, str]:
        """Number order (ties by name, unnumbered last): what a reader expects, not always wrangler's."""
        if migration.number is None:
            return (1, 0, migration.name)
        return (0, migration.number, migration.name)

    def ordered(self, files: list[MigrationFile]) -> list[MigrationFile]:
        """`files` in the order wrangler applies them to an empty database."""
        by_name = {migration.name: migration for migration in files}
        return [by_name[name] for name in wrangler_order(list(by_name))]

    def order_surprise(self, migration: MigrationFile) -> str | None:
        """Why the file's place in wrangler's order is not what its name suggests, or None."""
        read = wrangler_number(migration.name)
        first = migration.name[:1]
        if migration.number is None:
            if math.isnan(read):
                if first.isdigit():  # digits, but not ASCII ones (Arabic-Indic, full-width...)
                    return (
                        f"it starts with {first!a}, a digit that is not ASCII: wrangler reads no number, "
                        "so its place depends on its neighbours"
                    )
                return None  # plainly unnumbered: `filename` says so
            if migration.number_text is not None:
                return (
                    f"its number has over {MAX_NUMBER_DIGITS} digits: wrangler reads it as the rounded "
                    f"{_js_number(read)}, and numbers this long are not migration numbers"
                )
            return f"wrangler reads the number {_js_number(read)} from it (JavaScript's parseInt), not a plain number"
        if read != migration.number:
            return (
                f"wrangler reads the number {_js_number(read)} from it (JavaScript's parseInt), not {migration.number}"
            )
        return None

    def next_file_name(self, number: int, width: int, slug: str) -> str:
        """The name `grove-schema new` gives the migration numbered `number`."""
        return f"{number:0{width}d}_{slug}.sql"


WRANGLER_LAYOUT = StreamLayout()


def _js_number(value: float) -> str:
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return str(int(value)) if value.is_integer() else repr(value)


class PatternLayout(StreamLayout):
    """A `file_pattern`: the names it matches in full are the stream, numbered by its `number` group,
    in number order (ties by name, unnumbered last). The pattern runs in google-re2: linear time,
    whatever the user wrote."""

    def __init__(self, pattern: str) -> None:
        self.pattern = compile_file_pattern(pattern)

    def ordered(self, files: list[MigrationFile]) -> list[MigrationFile]:
        return sorted(files, key=self.order_key)

    def order_surprise(self, migration: MigrationFile) -> str | None:
        return None

    def _match(self, name: str) -> Any:
        try:
            return self.pattern.fullmatch(name)
        except UnicodeEncodeError:  # a name that is not UTF-8 (surrogate-escaped) matches no pattern
            return None

    def number_text(self, name: str) -> str | None:
        match = self._match(name)
        return match.group("number") if match else None

    def is_migration(self, name: str) -> bool:
        return self._match(name) is not None

    def next_file_name(self, number: int, width: int, slug: str) -> str:
        name = super().next_file_name(number, width, slug)
        if not self.is_migration(name):
            raise UsageError(f"{name} would not match the database's file_pattern {self.pattern.pattern!r}")
        return name


class FilePatternError(ValueError):
    """A `file_pattern` that re2 cannot compile, or that has no `number` group."""


def compile_file_pattern(pattern: str) -> Any:
    """The `file_pattern`, compiled by google-re2 (linear time: no catastrophic backtracking)."""
    import re2  # only where a file_pattern is configured

    options = re2.Options()
    options.max_mem = 8 << 20  # bounded memory for the compiled automaton
    options.log_errors = False
    try:
        compiled = re2.compile(pattern, options)
    except re2.error as error:
        reason = error.args[0] if error.args else error
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", errors="replace")
        raise FilePatternError(f"not a regular expression re2 accepts: {reason}") from None
    if "number" not in compiled.groupindex:
        raise FilePatternError("needs a named group `(?P<number>...)`")
    return compiled


def layout_for(file_pattern: str | None) -> StreamLayout:
    """The layout of a database configured with this `file_pattern` (None: wrangler's)."""
    return PatternLayout(file_pattern) if file_pattern else WRANGLER_LAYOUT
