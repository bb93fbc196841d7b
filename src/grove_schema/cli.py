"""The `grove-schema` command line. Exit codes: 0 clean, 1 findings at or above --fail-on,
2 usage or configuration errors. Errors are one clear line on stderr, never a traceback."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING

from grove_schema import __version__
from grove_schema.errors import ConfigError, GroveSchemaError, UsageError

if TYPE_CHECKING:
    from grove_schema.config import ProjectConfig

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see grove-schema --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="grove-schema",
        description="Replay, lint and split Cloudflare D1 migration streams.",
    )
    parser.add_argument("--version", action="store_true", help="print the versions in use and exit")
    parser.add_argument("--config", type=Path, help="ownership.toml to use (default: nearest one upward)")
    parser.add_argument("--root", type=Path, help="directory the migration paths are relative to")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)

    check = commands.add_parser("check", help="replay every stream and report findings")
    check.add_argument("paths", nargs="*", type=Path, help="report only findings in these files")
    check.add_argument("--database", action="append", help="replay only this database (repeatable)")
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument("--fail-on", choices=("error", "warning", "info"), default="error")
    check.add_argument("--ignore", action="append", default=[], metavar="RULE", help="switch a rule off (repeatable)")
    check.add_argument(
        "--history",
        action="store_true",
        help="report findings in locked (applied) migrations at their full severity, not as info",
    )

    lock = commands.add_parser("lock", help="record the current migrations as applied (migrations.lock)")
    lock.add_argument("--database", action="append", help="lock only this database's stream (repeatable)")
    lock.add_argument(
        "--force",
        action="store_true",
        help="re-lock locked migrations that were edited or removed (only if production matches the files)",
    )

    new = commands.add_parser("new", help="create the next migration file and bump the reservation")
    new.add_argument("name", help="what the migration does; normalised to snake_case (add_tenant_flags)")
    new.add_argument("--database", help="the database to add it to (default: the default database)")

    explain = commands.add_parser("explain", help="print a rule's documentation: the problem, an anti-pattern, the fix")
    explain.add_argument("rule", help="a rule code (GS401) or name (drop-column-dependency)")
    commands.add_parser("rules", help="list every rule: code, name, default severity, summary")

    plan = commands.add_parser("plan", help="the split's numbers: tables per database now and after, moves, cuts")
    plan.add_argument("--format", choices=("text", "json"), default="text")

    inspect = commands.add_parser("inspect", help="show one table: columns, indexes, keys, history")
    inspect.add_argument("table")
    inspect.add_argument("--database", help="the database whose stream to read (default: all)")
    return parser


def main(argv: Sequence[str] | None = None, out: IO[str] | None = None, err: IO[str] | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        return _run(list(sys.argv[1:] if argv is None else argv), out, err)
    except (ConfigError, UsageError, GroveSchemaError) as error:
        err.write(f"grove-schema: error: {error}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        err.write("grove-schema: interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_CLEAN
    except Exception as error:  # the user never sees a traceback
        err.write(f"grove-schema: internal error: {type(error).__name__}: {error}\n")
        return EXIT_USAGE


def _run(argv: list[str], out: IO[str], err: IO[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from importlib.metadata import version

        from grove_schema.devdb import sqlite_version

        out.write(
            f"grove-schema {__version__} (SQLite {sqlite_version()} via apsw {version('apsw')}, "
            f"sqlglot {version('sqlglot')})\n"
        )
        return EXIT_CLEAN
    if args.command is None:
        parser.print_help(out)
        return EXIT_USAGE
    if args.command in ("explain", "rules"):
        return _explain(args, out)
    config = _load(args)
    if args.command == "check":
        return _check(args, config, out)
    if args.command == "plan":
        return _plan(args, config, out)
    if args.command == "inspect":
        return _inspect(args, config, out)
    if args.command == "lock":
        return _lock(args, config, out)
    if args.command == "new":
        return _new(args, config, out)
    raise UsageError(f"unknown command {args.command}")  # pragma: no cover - argparse refuses first


def _load(args: argparse.Namespace) -> ProjectConfig:
    from grove_schema.config import find_config, load_config

    path = args.config
    if path is None:
        path = find_config(Path.cwd())
        if path is None:
            raise ConfigError("no ownership.toml in this directory or any parent (use --config PATH)")
    elif not path.is_file():
        raise ConfigError(f"configuration file not found: {path}")
    root = args.root
    if root is not None and not root.is_dir():
        raise ConfigError(f"--root is not a directory: {root}")
    return load_config(path, root.resolve() if root is not None else None)


def _check(args: argparse.Namespace, config: ProjectConfig, out: IO[str]) -> int:
    from grove_schema.findings import Severity
    from grove_schema.project import check_project, filter_to_paths
    from grove_schema.reporting import (
        findings_json,
        summary_line,
        use_colour,
        write_json,
        write_plain,
        write_rich,
    )

    for path in args.paths:
        if not path.exists():
            raise UsageError(f"no such file: {path}")
    outcome = check_project(config, databases=args.database, history=args.history, ignore=args.ignore)
    findings = outcome.findings
    if args.paths:
        findings = filter_to_paths(findings, args.paths)
    tables = outcome.tables_per_database()
    # With PATHS (a pre-commit hook) the report is about those files: no project-wide advice on every commit.
    notes = [] if args.paths else list(outcome.notes)
    if args.format == "json":
        document = findings_json(findings, outcome.file_count, outcome.statement_count, tables)
        document["summary"]["notes"] = notes
        write_json(document, out)
    else:
        summary = summary_line(outcome.file_count, outcome.statement_count, tables, findings)
        if use_colour(out):
            write_rich(findings, summary, out, outcome.texts(), notes)
        else:
            write_plain(findings, summary, out, notes)
    threshold = Severity.parse(args.fail_on)
    return EXIT_FINDINGS if any(f.severity >= threshold for f in findings) else EXIT_CLEAN


def _explain(args: argparse.Namespace, out: IO[str]) -> int:
    import grove_schema.rules  # noqa: F401 - registers the lint rules
    from grove_schema.findings import all_rules, find_rule

    if args.command == "rules":
        for listed in all_rules():
            out.write(f"{listed.code}  {listed.name:<28} {listed.severity.label:<8} {listed.summary}\n")
        return EXIT_CLEAN
    info = find_rule(args.rule)
    if info is None:
        raise UsageError(f"unknown rule {args.rule!r} (grove-schema rules lists them)")
    out.write(f"{info.code} {info.name} ({info.severity.label})\n\n{info.doc or info.summary}\n")
    return EXIT_CLEAN


def _plan(args: argparse.Namespace, config: ProjectConfig, out: IO[str]) -> int:
    from grove_schema.planning import build_plan, plan_json, plan_text
    from grove_schema.project import check_project, read_reservations
    from grove_schema.reporting import write_json

    outcome = check_project(config)
    assert outcome.ownership is not None  # every database was replayed
    plan = build_plan(config, outcome.streams, outcome.ownership, read_reservations(config))
    if args.format == "json":
        write_json(plan_json(plan), out)
    else:
        out.write(plan_text(plan))
    return EXIT_CLEAN


def _inspect(args: argparse.Namespace, config: ProjectConfig, out: IO[str]) -> int:
    from grove_schema.inspection import describe_table
    from grove_schema.project import check_project

    databases = [args.database] if args.database else None
    outcome = check_project(config, databases=databases)
    text = describe_table(outcome, args.table)
    if text is None:
        raise UsageError(f"no table named {args.table!r} in any replayed stream")
    out.write(text)
    return EXIT_CLEAN


def _lock(args: argparse.Namespace, config: ProjectConfig, out: IO[str]) -> int:
    from grove_schema.project import write_locks
    from grove_schema.reporting import display_path

    written = write_locks(config, args.database, force=args.force)
    if not written:
        raise UsageError("no migrations directory to lock (the databases' directories do not exist yet)")
    for result in written:
        state = "wrote" if result.changed else "unchanged:"
        out.write(f"{state} {display_path(str(result.path))} ({result.database}, {result.migrations} migrations)\n")
    return EXIT_CLEAN


def _new(args: argparse.Namespace, config: ProjectConfig, out: IO[str]) -> int:
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
