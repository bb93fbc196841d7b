"""The `grove-schema` command line. Exit codes: 0 clean, 1 findings at or above --fail-on,
2 usage or configuration errors. Errors are one clear line on stderr, never a traceback."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
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


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter, told the terminal's width: argparse would import shutil (and its
    compression modules) for it on every option it adds, a hook run's whole start-up over again."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=_terminal_columns() - 2)


def _terminal_columns() -> int:
    """As shutil.get_terminal_size: $COLUMNS, else the terminal's, else 80."""
    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns if sys.__stdout__ is not None else 80
    except (AttributeError, ValueError, OSError):
        return 80


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see grove-schema --help)")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser; with `only`, that command's alone (argparse spent more of a
    cached hook run building every command's parser than the run's own work)."""
    parser = _Parser(
        prog="grove-schema",
        description="Replay, lint and split Cloudflare D1 migration streams.",
    )
    parser.add_argument("--version", action="store_true", help="print the versions in use and exit")
    parser.add_argument("--config", type=Path, help="ownership.toml to use (default: nearest one upward)")
    parser.add_argument("--root", type=Path, help="directory the migration paths are relative to")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)
    for name, (summary, add_options) in _COMMAND_OPTIONS.items():
        if only is None or only == name:
            add_options(commands.add_parser(name, help=summary))
    return parser


def _check_options(check: argparse.ArgumentParser) -> None:
    check.add_argument(
        "paths",
        nargs="*",
        type=Path,
        help="report only the findings in these files, or below these directories (the whole project is replayed)",
    )
    check.add_argument("--database", action="append", help="replay only this database (repeatable)")
    check.add_argument("--format", choices=REPORT_FORMATS, default="text")
    check.add_argument("--fail-on", choices=("error", "warning", "info"), default="error")
    check.add_argument(
        "--show",
        choices=("error", "warning", "info"),
        help="report findings at this severity and above (default: info; with file PATHS, the project-wide "
        "info (pending moves, cut references, lost cascades) only with --show info or --fail-on info)",
    )
    check.add_argument("--quiet", "-q", action="store_true", help="errors and warnings only, then the one summary line")
    check.add_argument("--statistics", action="store_true", help="print how many findings each rule has, not them")
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


def _lock_options(lock: argparse.ArgumentParser) -> None:
    lock.add_argument("--database", action="append", help="lock only this database's stream (repeatable)")
    lock.add_argument(
        "--force",
        action="store_true",
        help="re-lock locked migrations that were edited or removed (only if production matches the files)",
    )


def _new_options(new: argparse.ArgumentParser) -> None:
    new.add_argument("name", help="what the migration does; normalised to snake_case (add_tenant_flags)")
    new.add_argument("--database", help="the database to add it to (default: the default database)")


def _explain_options(explain: argparse.ArgumentParser) -> None:
    explain.add_argument("rule", help="a rule code (GS401) or name (drop-column-dependency)")


def _no_options(_parser: argparse.ArgumentParser) -> None:
    return None


def _plan_options(plan: argparse.ArgumentParser) -> None:
    plan.add_argument("--format", choices=("text", "json"), default="text")


def _diagram_options(diagram: argparse.ArgumentParser) -> None:
    diagram.add_argument("--database", action="append", default=[], help="draw only this database (repeatable)")
    diagram.add_argument("--after-split", action="store_true", help="place tables where the map puts them")
    diagram.add_argument("--format", choices=("dot", "svg", "png"), help="default: from -o's suffix, else dot")
    diagram.add_argument("-o", "--output", type=Path, help="write here (atomically) instead of stdout")
    diagram.add_argument("--columns", action="store_true", help="list each table's columns")


def _inspect_options(inspect: argparse.ArgumentParser) -> None:
    inspect.add_argument("table")
    inspect.add_argument("--database", help="the database whose stream to read (default: all)")


def _render_options(render: argparse.ArgumentParser) -> None:
    render.add_argument("database", help="the database key (engine, curios, ...)")
    render.add_argument("-o", "--output", type=Path, metavar="FILE", help="write the SQL to FILE (atomically)")
    render.add_argument(
        "--check", action="store_true", help="exit 1 with a diff when FILE differs from what would be rendered"
    )


def _callers_options(callers: argparse.ArgumentParser) -> None:
    callers.add_argument("table", nargs="*", help="tables to list (default: every table, or --database's)")
    callers.add_argument("--database", help="the tables living in or owned by this database")
    callers.add_argument("--format", choices=("text", "json"), default="text")


def _drop_options(drop: argparse.ArgumentParser) -> None:
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


# Each command's one-line summary and the function that adds its options, in --help's order.
_COMMAND_OPTIONS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None]]] = {
    "check": ("replay every stream and report findings", _check_options),
    "lock": ("record the current migrations as applied (migrations.lock)", _lock_options),
    "new": ("create the next migration file and bump the reservation", _new_options),
    "explain": ("print a rule's documentation: the problem, an anti-pattern, the fix", _explain_options),
    "rules": ("list every rule: code, name, default severity, summary", _no_options),
    "plan": ("the split's numbers: tables per database now and after, moves, cuts", _plan_options),
    "diagram": ("a Graphviz picture of the databases and their tables", _diagram_options),
    "inspect": ("show one table, virtual table, view or trigger: its definition, owner and history", _inspect_options),
    "render": ("the consolidated schema SQL of one database, as the map splits it", _render_options),
    "callers": (
        "the code that reaches each table: call sites, bindings, databases; tables with none",
        _callers_options,
    ),
    "drop": ("the migration that drops what leaves a database, in a safe order", _drop_options),
}
_OPTIONS_WITH_A_VALUE = frozenset({"--config", "--root"})


def _command_named(argv: Sequence[str]) -> str | None:
    """The command the arguments name, when it is plain to see (the first word that is not an
    option or a global option's value); None otherwise, and for the global --help, which lists
    every command (then every command's parser is built)."""
    skip = False
    for argument in argv:
        if skip:
            skip = False
        elif argument in _OPTIONS_WITH_A_VALUE:
            skip = True
        elif argument in ("--", "-h", "--help"):
            return None
        elif not argument.startswith("-"):
            return argument if argument in _COMMAND_OPTIONS else None
    return None


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
    parser = build_parser(only=_command_named(argv))
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
    import importlib

    command: Any = importlib.import_module(module)
    config = _load(args, command, err)
    return int(command.run(args, config, out, err))


def _load(args: argparse.Namespace, command: Any, err: IO[str]) -> ProjectConfig:
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
    # A command with a cache (check in a hook) may know this ownership.toml already validated.
    validated = command.validated_sections(args, path, err) if hasattr(command, "validated_sections") else None
    return load_config(path, root.resolve() if root is not None else None, validated)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
