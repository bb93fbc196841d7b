"""`grove-schema lock`: record every migration of each stream, with its sha256, as applied."""

from __future__ import annotations

import argparse
from typing import IO, TYPE_CHECKING

from grove_schema.commands import EXIT_CLEAN
from grove_schema.errors import UsageError

if TYPE_CHECKING:
    from grove_schema.config import ProjectConfig


def run(args: argparse.Namespace, config: ProjectConfig, out: IO[str], err: IO[str]) -> int:
    from grove_schema.project import write_locks
    from grove_schema.reporting import display_path

    written = write_locks(config, args.database, force=args.force)
    if not written:
        raise UsageError("no migrations directory to lock (the databases' directories do not exist yet)")
    for result in written:
        state = "wrote" if result.changed else "unchanged:"
        out.write(f"{state} {display_path(str(result.path))} ({result.database}, {result.migrations} migrations)\n")
    return EXIT_CLEAN
