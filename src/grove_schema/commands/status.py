"""`grove-schema status [--database KEY]`: each migration against `migrations.lock`: applied,
pending, edited or missing, in wrangler's order (what `wrangler d1 migrations list` tells of the
unapplied ones, without a network: the lock stands for production).

The applied migrations are history: a run of more than `APPLIED_RUN` of them is one line (the
first, the last and how many); pending, edited and missing ones are always listed. `--all` lists
every migration."""

from __future__ import annotations

import argparse
from typing import IO, TYPE_CHECKING

from grove_schema.commands import EXIT_CLEAN, EXIT_FINDINGS

if TYPE_CHECKING:
    from grove_schema.config import ProjectConfig
    from grove_schema.locking import MigrationStatus

# A run of consecutive applied migrations longer than this is shown as one line.
APPLIED_RUN = 2


def run(args: argparse.Namespace, config: ProjectConfig, out: IO[str], err: IO[str]) -> int:
    """Exit 0, or 1 when a locked migration was edited or is missing (the files no longer rebuild
    what production ran)."""
    from grove_schema.layouts import LOCK_FILE_NAME
    from grove_schema.locking import MigrationState, migration_statuses
    from grove_schema.project import database_order, file_hashes, read_lock, survey_database
    from grove_schema.reporting import display_path

    keys = args.database or database_order(config)
    for key in keys:
        config.database(key)
    damaged = False
    for index, key in enumerate(keys):
        database = config.databases[key]
        if index:
            out.write("\n")
        heading = f"{database.name} ({key}): {display_path(str(database.migrations_dir))}"
        if not database.migrations_dir.is_dir():
            out.write(f"{heading}: no migrations directory yet\n")
            continue
        files = survey_database(database, is_default=key == config.default_database, root=config.root).files
        lock = read_lock(database)
        statuses = migration_statuses(files, file_hashes(files) if lock is not None else {}, lock)
        counts = {state: sum(1 for s in statuses if s.state is state) for state in MigrationState}
        summary = ", ".join(f"{n} {state.value}" for state, n in counts.items() if n) or "no migrations"
        out.write(f"{heading}: {summary}\n")
        if lock is None:
            out.write(
                f"  no {LOCK_FILE_NAME}: nothing is recorded as applied; run `grove-schema lock` once a release "
                "is applied in production\n"
            )
        width = max((len(state.value) for state in MigrationState), default=0)
        for state, names in _rows(statuses, everything=args.all):
            out.write(f"  {state:<{width}}  {names}\n")
        damaged |= bool(counts[MigrationState.EDITED] or counts[MigrationState.MISSING])
    if damaged:
        err.write(
            "grove-schema: a locked migration was edited or is missing: wrangler never re-runs an applied "
            "migration, so restore it and put the change in a new one (grove-schema check explains each)\n"
        )
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _rows(statuses: list[MigrationStatus], *, everything: bool) -> list[tuple[str, str]]:
    """(state, what) lines in wrangler's order: one per migration, except that a run of more than
    APPLIED_RUN applied ones becomes `first .. last (N migrations)` unless `everything`."""
    from grove_schema.locking import MigrationState

    rows: list[tuple[str, str]] = []
    run: list[str] = []

    def flush() -> None:
        if len(run) > APPLIED_RUN:
            rows.append((MigrationState.APPLIED.value, f"{run[0]} .. {run[-1]} ({len(run)} migrations)"))
        else:
            rows.extend((MigrationState.APPLIED.value, name) for name in run)
        run.clear()

    for status in statuses:
        if status.state is MigrationState.APPLIED and not everything:
            run.append(status.name)
            continue
        flush()
        rows.append((status.state.value, status.name))
    flush()
    return rows
