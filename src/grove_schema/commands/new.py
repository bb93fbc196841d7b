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

    def notify(message: str) -> None:
        err.write(message + "\n")

    path = create_migration(config, key, args.name, notify=notify)
    out.write(display_path(str(path)) + "\n")
    return EXIT_CLEAN


def create_migration_with(config: ProjectConfig, key: str, name: str, text: str) -> Path:
    """`new` with `text` as the file's content below its first line (`-- Migration 085: name`), in
    the same step: the file is never there without its content."""
    from grove_schema import project

    return project.create_migration(config, key, name, text)
