"""`grove-schema render DATABASE`: the consolidated schema SQL of one database, as the map splits it."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import IO, TYPE_CHECKING

from grove_schema.commands import EXIT_CLEAN, EXIT_FINDINGS, to_stdout
from grove_schema.errors import UsageError

if TYPE_CHECKING:
    from grove_schema.config import ProjectConfig
    from grove_schema.consolidation import Consolidation
    from grove_schema.project import ProjectReplay


def run(args: argparse.Namespace, config: ProjectConfig, out: IO[str], err: IO[str]) -> int:
    """Exit 0, or 1 when --check finds FILE out of date (the diff is on stdout)."""
    from grove_schema.consolidation import consolidate, render_sql
    from grove_schema.files import write_atomically
    from grove_schema.project import check_project
    from grove_schema.reporting import display_path

    if args.check and to_stdout(args.output):
        raise UsageError("--check needs the file to compare: grove-schema render DATABASE -o FILE --check")
    config.database(args.database)
    outcome = check_project(config)
    consolidation = consolidate(config, outcome.streams, args.database)
    text = render_sql(consolidation, migration=args.output is not None and _in_a_stream(config, args.output))
    if args.check:
        return _compare(args, text, out, err)
    report = _summary(args.database, consolidation, outcome)
    if to_stdout(args.output):
        out.write(text)
        err.write(f"grove-schema: rendered {report}")
        return EXIT_CLEAN
    if not args.output.parent.is_dir():
        raise UsageError(f"no such directory: {args.output.parent}")
    write_atomically(args.output, text)
    out.write(f"wrote {display_path(str(args.output))}: {report}")
    return EXIT_CLEAN


def _summary(database: str, c: Consolidation, outcome: ProjectReplay) -> str:
    """One line: what was rendered, what was left out, and whether the replay had errors."""
    from grove_schema.findings import Severity

    summary = f"{database} ({c.name}): {c.counts()}"
    notes = []
    if c.left_out_foreign_keys:
        lost = sum(1 for fk in c.left_out_foreign_keys if fk.on_delete != "NO ACTION")
        notes.append(
            f"left out {len(c.left_out_foreign_keys)} foreign keys into other databases ({lost} lose their ON DELETE "
            "action: application code must do it)"
        )
    if c.left_out_code:
        notes.append(f"left out {len(c.left_out_code)} views and triggers that read other databases")
    if c.left_out_retired:
        columns = c.retired_column_count
        notes.append(f"left out {columns} retired columns and {len(c.left_out_retired) - columns} things that use them")
    report = summary + "".join(f"; {n}" for n in notes) + (" (listed in the header)" if notes else "")
    errors = sum(1 for f in outcome.findings if f.severity >= Severity.ERROR)
    if errors:
        report += f"; the replay reported {errors} errors (grove-schema check lists them): this is the replayed schema"
    return report + "\n"


def _in_a_stream(config: ProjectConfig, path: Path) -> bool:
    """Whether `path` is a migration of a configured stream (directly in its directory)."""
    folder = os.path.realpath(path.parent)
    return any(os.path.realpath(database.migrations_dir) == folder for database in config.databases.values())


def schema_statements(text: str) -> list[tuple[str, ...]]:
    """The statements of a SQL text as their tokens: what `--check` compares. Comments (the
    header's provenance: which migrations were folded in, where each table was created) and
    layout are not the schema."""
    from grove_schema.sql.lexer import split_statements

    return [tuple(token.text for token in statement.tokens) for statement in split_statements(text).statements]


def _compare(args: argparse.Namespace, text: str, out: IO[str], err: IO[str]) -> int:
    """`--check`: exit 0 when FILE creates the schema `text` creates, else 1 with a unified diff on stdout."""
    import difflib

    from grove_schema.reporting import display_path

    path = args.output
    shown = display_path(str(path))
    try:
        current = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        current = ""
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read {shown}: {getattr(error, 'strerror', None) or error}") from None
    if schema_statements(current) == schema_statements(text):
        out.write(f"{shown} is up to date\n")
        return EXIT_CLEAN
    out.writelines(
        difflib.unified_diff(
            current.splitlines(keepends=True),
            text.splitlines(keepends=True),
            fromfile=shown,
            tofile=f"grove-schema render {args.database}",
        )
    )
    err.write(f"grove-schema: {shown} is out of date: run grove-schema render {args.database} -o {shown}\n")
    return EXIT_FINDINGS
