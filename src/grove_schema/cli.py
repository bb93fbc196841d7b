"""The `grove-schema` command line. Exit codes: 0 clean, 1 findings at or above --fail-on,
2 usage or configuration errors. Errors are one clear line on stderr, never a traceback.

What still escapes (a bug) is caught last: its traceback goes to a log file
(`$XDG_CACHE_HOME/grove-schema/grove-schema.log`, else a temporary file), the one line on stderr
names it and asks for a report, and the exit code is 2. `check` prints the findings it gathered
before (commands/check.py)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from grove_schema import __version__
from grove_schema.commands import EXIT_CLEAN, EXIT_USAGE
from grove_schema.errors import ConfigError, GroveSchemaError, UsageError
from grove_schema.reporting import REPORT_FORMATS

if TYPE_CHECKING:
    from grove_schema.config import ProjectConfig

# The module that runs each command (imported only when that command runs).
COMMANDS = {
    name: f"grove_schema.commands.{name}"
    for name in ("check", "lock", "new", "plan", "diagram", "inspect", "render", "drop", "callers")
}


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
    check.add_argument("--format", choices=REPORT_FORMATS, default="text")
    check.add_argument("--fail-on", choices=("error", "warning", "info"), default="error")
    check.add_argument("--ignore", action="append", default=[], metavar="RULE", help="switch a rule off (repeatable)")
    check.add_argument(
        "--history",
        action="store_true",
        help="report findings in locked (applied) migrations at their full severity, not as info",
    )
    check.add_argument(
        "--cache",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="reuse the results of an identical earlier replay, keyed by content hashes (default: on when "
        "PATHS are given, as in a commit hook, inside a git repository or with GROVE_SCHEMA_CACHE_DIR set)",
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

    diagram = commands.add_parser("diagram", help="a Graphviz picture of the databases and their tables")
    diagram.add_argument("--database", action="append", default=[], help="draw only this database (repeatable)")
    diagram.add_argument("--after-split", action="store_true", help="place tables where the map puts them")
    diagram.add_argument("--format", choices=("dot", "svg", "png"), help="default: from -o's suffix, else dot")
    diagram.add_argument("-o", "--output", type=Path, help="write here (atomically) instead of stdout")
    diagram.add_argument("--columns", action="store_true", help="list each table's columns")

    inspect = commands.add_parser("inspect", help="show one table: columns, indexes, keys, history")
    inspect.add_argument("table")
    inspect.add_argument("--database", help="the database whose stream to read (default: all)")

    render = commands.add_parser("render", help="the consolidated schema SQL of one database, as the map splits it")
    render.add_argument("database", help="the database key (engine, curios, ...)")
    render.add_argument("-o", "--output", type=Path, metavar="FILE", help="write the SQL to FILE (atomically)")
    render.add_argument(
        "--check", action="store_true", help="exit 1 with a diff when FILE differs from what would be rendered"
    )

    callers = commands.add_parser(
        "callers", help="the code that reaches each table: call sites, bindings, databases; tables with none"
    )
    callers.add_argument("table", nargs="*", help="tables to list (default: every table, or --database's)")
    callers.add_argument("--database", help="the tables living in or owned by this database")
    callers.add_argument("--format", choices=("text", "json"), default="text")

    drop = commands.add_parser("drop", help="the migration that drops what leaves a database, in a safe order")
    drop.add_argument("database", help="the database key to drop from (engine)")
    drop.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="KEY|retired",
        help="only the tables moving to database KEY, or the retired tables and columns (repeatable)",
    )
    drop_target = drop.add_mutually_exclusive_group()
    drop_target.add_argument("-o", "--output", type=Path, metavar="FILE", help="write the migration to FILE")
    drop_target.add_argument("--new", metavar="NAME", help="write it as the next reserved migration NNN_NAME.sql")
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
        log = write_crash_log(error, sys.argv[1:] if argv is None else list(argv))
        where = f"the traceback is in {log}" if log is not None else "no log file could be written"
        err.write(
            f"grove-schema: internal error: {type(error).__name__}: {_one_line(str(error))}; "
            f"please report it to the grove-schema maintainers ({where})\n"
        )
        return EXIT_USAGE


CRASH_LOG_NAME = "grove-schema.log"


def crash_log_directory() -> Path:
    """`$XDG_CACHE_HOME/grove-schema` (default ~/.cache/grove-schema), as pre-commit keeps its log."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "grove-schema"


def write_crash_log(error: BaseException, argv: Sequence[str]) -> Path | None:
    """Write the traceback of `error` (with the versions and the command) to the crash log, replacing
    the last one; a temporary file when that folder cannot be written. None when nothing can be."""
    import platform
    import tempfile
    import traceback

    text = (
        f"### grove-schema {__version__} crashed\n\n"
        f"command: grove-schema {' '.join(argv)}\n"
        f"python: {platform.python_version()} ({sys.executable}) on {platform.platform()}\n\n"
        + "".join(traceback.format_exception(error))
    )
    try:
        directory = crash_log_directory()
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / CRASH_LOG_NAME
        path.write_text(text, encoding="utf-8", errors="backslashreplace")
        return path
    except OSError:
        pass
    try:
        handle, name = tempfile.mkstemp(prefix="grove-schema-", suffix=".log")
        with os.fdopen(handle, "w", encoding="utf-8", errors="backslashreplace") as stream:
            stream.write(text)
        return Path(name)
    except OSError:
        return None


def _one_line(text: str) -> str:
    """An exception's text on one line, its control characters escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


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
        from grove_schema.commands import explain

        return explain.run(args, out)
    module = COMMANDS.get(args.command)
    if module is None:  # pragma: no cover - argparse refuses first
        raise UsageError(f"unknown command {args.command}")
    config = _load(args)
    import importlib

    command: Any = importlib.import_module(module)
    return int(command.run(args, config, out, err))


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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
