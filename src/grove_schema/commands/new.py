"""`grove-schema new NAME`: the next reserved migration file, and the reservation bumped."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import IO, TYPE_CHECKING

from grove_schema.commands import EXIT_CLEAN
from grove_schema.errors import UsageError

if TYPE_CHECKING:
    from grove_schema.config import ProjectConfig


def run(args: argparse.Namespace, config: ProjectConfig, out: IO[str], err: IO[str]) -> int:
    from grove_schema.project import create_migration
    from grove_schema.reporting import display_path

    key = args.database or config.default_database
    if key is None:
        if len(config.databases) != 1:
            known = ", ".join(sorted(config.databases))
            raise UsageError(f"which database? pass --database KEY (configured: {known})")
        (key,) = config.databases
    path = create_migration(config, key, args.name)
    out.write(display_path(str(path)) + "\n")
    return EXIT_CLEAN


def create_migration_with(config: ProjectConfig, key: str, name: str, text: str) -> Path:
    """`new`, then the content: all or nothing (on failure the file goes and the reservation is restored)."""
    from grove_schema import project

    reservation = config.databases[key].reservation
    before = None
    if reservation is not None and reservation.is_file():
        before = reservation.read_text(encoding="utf-8")
    path = project.create_migration(config, key, name)
    try:
        first_line = path.read_text(encoding="utf-8").splitlines()[0]  # "-- Migration 085: name"
        project.write_atomically(path, f"{first_line}\n{text}")
    except BaseException:
        path.unlink(missing_ok=True)
        if reservation is not None and before is not None:
            project.write_atomically(reservation, before)
        raise
    return path
