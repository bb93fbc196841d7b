"""Which files make up a database's migration stream, in the order its layout applies them, and
which `.sql`-looking files near it are never applied. The I/O half of `layouts`: it lists the
directories, the layout judges the names."""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass
from pathlib import Path

from grove_schema.layouts import WRANGLER_LAYOUT, MigrationFile, StreamLayout

__all__ = ["Ignored", "IgnoredFile", "MigrationFile", "discover_stream", "stray_files"]


def discover_stream(directory: Path, layout: StreamLayout = WRANGLER_LAYOUT) -> list[MigrationFile]:
    """The layout's files directly in `directory` (sub-folders, dot-files and symlinks are not
    part of a stream), in the layout's order."""
    found = []
    for path in directory.iterdir():
        name = path.name
        if name.startswith(".") or path.is_symlink() or not path.is_file():
            continue
        if layout.is_migration(name):
            found.append(layout.migration(path))
    return layout.ordered(found)


class Ignored(enum.Enum):
    """Why a `.sql`-looking file near a stream is never applied."""

    UPPERCASE = "uppercase"  # `.SQL`: wrangler matches `.sql` only
    SUBFOLDER = "subfolder"  # wrangler reads only the files directly in the directory


@dataclass(frozen=True)
class IgnoredFile:
    path: Path
    reason: Ignored


def stray_files(
    directory: Path, files: list[MigrationFile], claimed: set[Path], layout: StreamLayout = WRANGLER_LAYOUT
) -> list[IgnoredFile]:
    """`.sql`-looking files near the stream that are never applied: names the layout does not take
    (`.SQL`), and such files in sub-folders that no database claims as its own migrations directory."""
    in_stream = {migration.name for migration in files}
    found = []
    for entry in sorted(directory.iterdir()):
        if entry.name.startswith(".") or entry.is_symlink():
            continue
        if entry.is_file():
            name = entry.name
            if layout.looks_like_migration(name) and not name.endswith(".sql") and name not in in_stream:
                found.append(IgnoredFile(entry, Ignored.UPPERCASE))
        elif entry.is_dir() and entry.resolve() not in claimed:
            found.extend(IgnoredFile(path, Ignored.SUBFOLDER) for path in _sql_files_below(entry, claimed, layout))
    return found


def _sql_files_below(folder: Path, claimed: set[Path], layout: StreamLayout) -> list[Path]:
    found: list[Path] = []
    for current, subfolders, names in os.walk(folder):
        base = Path(current)
        # A claimed folder is another database's stream, checked on its own; dot-folders are tooling.
        subfolders[:] = sorted(
            name for name in subfolders if not name.startswith(".") and (base / name).resolve() not in claimed
        )
        found.extend(base / name for name in sorted(names) if layout.looks_like_migration(name) and name[0] != ".")
    return found
