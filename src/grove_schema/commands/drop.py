"""`grove-schema drop DATABASE`: the migration that drops what leaves a database, in a safe order."""

from __future__ import annotations

import argparse
from typing import IO, TYPE_CHECKING

from grove_schema.commands import EXIT_CLEAN, EXIT_FINDINGS, to_stdout
from grove_schema.errors import UsageError

if TYPE_CHECKING:
    from grove_schema.config import ProjectConfig


def run(args: argparse.Namespace, config: ProjectConfig, out: IO[str], err: IO[str]) -> int:
    """Exit 0, or 1 when something that stays still needs what leaves (the blockers go to stderr)."""
    from grove_schema.commands.new import create_migration_with
    from grove_schema.drop_plan import plan_drop, render_drop_sql
    from grove_schema.files import write_atomically
    from grove_schema.project import check_project
    from grove_schema.reporting import display_path

    config.database(args.database)
    outcome = check_project(config)
    plan = plan_drop(config, outcome, args.database, args.only)
    if plan.blockers:
        err.write(
            f"grove-schema: `{plan.command}` refused: {len(plan.blockers)} things that stay still need what leaves; "
            "no safe order exists until a migration removes these references:\n"
        )
        err.writelines(f"  - {blocker}\n" for blocker in plan.blockers)
        return EXIT_FINDINGS
    if plan.empty:
        err.write(f"grove-schema: nothing leaves {args.database} ({plan.name}) for {plan.command}: no migration\n")
        return EXIT_CLEAN
    text = render_drop_sql(plan)
    summary = f"{plan.command}: {plan.counts()}"
    if args.new is not None:
        path = create_migration_with(config, args.database, args.new, text)
        out.write(f"wrote {display_path(str(path))}: {summary}\n")
    elif not to_stdout(args.output):
        if not args.output.parent.is_dir():
            raise UsageError(f"no such directory: {args.output.parent}")
        write_atomically(args.output, text)
        out.write(f"wrote {display_path(str(args.output))}: {summary}\n")
    else:
        out.write(text)
        err.write(f"{summary}\n")
    return EXIT_CLEAN
