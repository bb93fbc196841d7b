"""`grove-schema inspect TABLE`: one table's columns, indexes, keys and history."""

from __future__ import annotations

import argparse
from typing import IO, TYPE_CHECKING

from grove_schema.commands import EXIT_CLEAN
from grove_schema.errors import UsageError

if TYPE_CHECKING:
    from grove_schema.config import ProjectConfig


def run(args: argparse.Namespace, config: ProjectConfig, out: IO[str], err: IO[str]) -> int:
    from grove_schema.inspection import describe_table
    from grove_schema.project import check_project

    databases = [args.database] if args.database else None
    outcome = check_project(config, databases=databases)
    text = describe_table(outcome, args.table)
    if text is None:
        from grove_schema.suggestions import did_you_mean

        names = [
            name
            for stream in outcome.streams.values()
            for name in (
                *(table.name for table in stream.schema.tables.values()),
                *(vtable.name for vtable in stream.schema.virtual_tables.values()),
                *(view.name for view in stream.schema.views.values()),
                *(trigger.name for trigger in stream.schema.triggers.values()),
            )
        ]
        suggestion = did_you_mean(args.table, names)
        raise UsageError(
            f"no table, virtual table, view or trigger named {args.table!r} in any replayed stream{suggestion}"
        )
    out.write(text)
    return EXIT_CLEAN
