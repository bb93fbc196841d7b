"""`grove-schema new`: the next migration file and the bumped reservation, decided without touching disk.

Pure: the caller passes the stream and the reservation's text, and writes the returned `NewMigration`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from grove_schema.errors import UsageError
from grove_schema.layouts import WRANGLER_LAYOUT, MigrationFile, StreamLayout
from grove_schema.numbering import (
    current_sequence,
    highest_number,
    parse_reservation,
    render_reservation,
    usual_width,
)
from grove_schema.records import FrozenRecord, frozen_record

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def normalise_name(name: str) -> str:
    """Lower-case snake_case ASCII: `Add Tenant-Flags` and `addTenantFlags` give `add_tenant_flags`."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return _NOT_WORD.sub("_", _CAMEL.sub("_", ascii_text).lower()).strip("_")


@frozen_record()
class NewMigration(FrozenRecord):
    """The file `grove-schema new` creates and the reservation it leaves."""

    path: Path
    content: str
    reservation_path: Path | None
    reservation_content: str | None  # None: no reservation file to bump


def plan_new_migration(
    directory: Path,
    files: Sequence[MigrationFile],
    name: str,
    *,
    reservation_path: Path | None = None,
    reservation_text: str | None = None,
    layout: StreamLayout = WRANGLER_LAYOUT,
) -> NewMigration:
    """The file `new` creates and the reservation it writes back; refuses (UsageError) what it must not do.

    `reservation_text` is the reservation file's text, None when it does not exist."""
    slug = normalise_name(name)
    if not slug:
        raise UsageError(f"the migration name {name!r} has no letters or digits (example: grove-schema new add_flags)")
    sequence = current_sequence(files)
    highest = highest_number(sequence)
    expected = (highest or 0) + 1
    if reservation_path is not None:
        if reservation_text is None:
            raise UsageError(
                f"the reservation file {reservation_path} does not exist: create it holding "
                f"{expected:0{usual_width(sequence)}d} (the highest number + 1)"
            )
        reserved = parse_reservation(reservation_text)
        if reserved is None:
            raise UsageError(
                f"{reservation_path} does not hold a number (a merge conflict?): it should hold "
                f"{expected:0{usual_width(sequence)}d} (the highest number + 1)"
            )
        if reserved.number != expected:
            raise UsageError(
                f"{reservation_path} holds {reserved.number:0{reserved.width}d} but the highest migration is "
                f"{highest if highest is not None else 'none'}: it should hold {expected:0{reserved.width}d}; "
                "fix it (or renumber the stray file) and run `grove-schema check` first"
            )
        number, width = reserved.number, reserved.width
    else:
        number, width = expected, usual_width(sequence)
    file_name = layout.next_file_name(number, width, slug, files)
    path = directory / file_name
    if any(m.name == file_name for m in files):
        raise UsageError(f"{path} already exists")
    content = f"-- Migration {number:0{width}d}: {slug}\n-- Write the SQL below; end every statement with `;`.\n\n"
    bumped = render_reservation(number + 1, width, file_name) if reservation_path is not None else None
    return NewMigration(path, content, reservation_path, bumped)
