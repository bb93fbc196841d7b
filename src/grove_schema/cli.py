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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn

from grove_schema import __version__
from grove_schema.commands import EXIT_CLEAN, EXIT_USAGE
from grove_schema.errors import ConfigError, GroveSchemaError, UsageError
from grove_schema.reporting import REPORT_FORMATS

if TYPE_CHECKING:
    from grove_schema.config import ProjectConfig

# The module that runs each command (imported only when that command runs).
COMMANDS = {
    name: f"grove_schema.commands.{name}"
    for name in (
        *("check", "lock", "new", "plan", "diagram", "inspect", "render", "drop", "callers"),
        *("status", "init", "completion"),
    )
}
# The commands that run without an ownership.toml (they are given no configuration).
WITHOUT_CONFIG = frozenset({"explain", "rules", "init", "completion"})


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """argparse's formatter, told the terminal's width: argparse would import shutil (and its
    compression modules) for it on every option it adds, a hook run's whole start-up over again.
    Descriptions and epilogs (a command's example and exit codes) keep their lines as written."""

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
    _global_options(parser, None)
    commands = parser.add_subparsers(
        dest="command", parser_class=_Parser, metavar="COMMAND", help="(grove-schema COMMAND --help: its options)"
    )
    for name, (summary, add_options) in _COMMAND_OPTIONS.items():
        if only is None or only == name:
            command = commands.add_parser(name, help=summary, description=summary, epilog=_epilog(name))
            add_options(command)
            # Global options are accepted after the command too; given there, they win.
            _global_options(command, argparse.SUPPRESS)
    return parser


def _global_options(parser: argparse.ArgumentParser, default: Any) -> None:
    parser.add_argument(
        "--config", type=Path, default=default, help="ownership.toml to use (default: the nearest one upward)"
    )
    parser.add_argument(
        "--root", type=Path, default=default, help="directory the migration paths are relative to ([project].root)"
    )


# Each command's example and what its exit code 1 means (None: it never exits 1), for its --help.
_EXAMPLES: dict[str, tuple[str, str | None]] = {
    "check": ("grove-schema check libs/engine/migrations/053_wanderer_tier.sql", "findings at or above --fail-on"),
    "lock": ("grove-schema lock --database engine", None),
    "new": ("grove-schema new add_tenant_flags --database engine", None),
    "explain": ("grove-schema explain GS403", None),
    "rules": ("grove-schema rules", None),
    "plan": ("grove-schema plan --format json", None),
    "diagram": ("grove-schema diagram --after-split -o docs/after.svg", None),
    "inspect": ("grove-schema inspect posts", None),
    "render": ("grove-schema render curios -o schema/curios.sql --check", "--check found FILE out of date"),
    "callers": ("grove-schema callers posts comments", None),
    "drop": (
        "grove-schema drop engine --only curios --new drop_curio_tables",
        "something that stays still needs what leaves (the blockers are listed)",
    ),
    "status": ("grove-schema status --database engine", "a locked migration was edited or is missing"),
    "init": ("grove-schema init", None),
    "completion": ("grove-schema completion bash > ~/.local/share/bash-completion/completions/grove-schema", None),
}


def _epilog(name: str) -> str:
    example, findings = _EXAMPLES[name]
    codes = ["  0  success"]
    if findings is not None:
        codes.append(f"  1  {findings}")
    codes.append("  2  usage or configuration error")
    return "example:\n  " + example + "\n\nexit codes:\n" + "\n".join(codes)


def _check_options(check: argparse.ArgumentParser) -> None:
    check.add_argument(
        "paths",
        nargs="*",
        type=Path,
        help="report only the findings in these files, or below these directories (the whole project is replayed)",
    )
    check.add_argument("--database", action="append", help="replay only this database (repeatable)")
    check.add_argument("--format", choices=REPORT_FORMATS, default="text", help="the report's format (default: text)")
    check.add_argument(
        "--fail-on",
        choices=("error", "warning", "info"),
        default="error",
        help="exit 1 when a finding has this severity or a higher one (default: error)",
    )
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
    plan.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or JSON")


def _diagram_options(diagram: argparse.ArgumentParser) -> None:
    diagram.add_argument("--database", action="append", default=[], help="draw only this database (repeatable)")
    diagram.add_argument("--after-split", action="store_true", help="place tables where the map puts them")
    diagram.add_argument("--format", choices=("dot", "svg", "png"), help="default: from -o's suffix, else dot")
    diagram.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE",
        help="write to FILE (atomically); - or no -o: standard output (PNG only when it is not a terminal)",
    )
    diagram.add_argument("--columns", action="store_true", help="list each table's columns")


def _inspect_options(inspect: argparse.ArgumentParser) -> None:
    inspect.add_argument("table", help="the table's name (posts)")
    inspect.add_argument("--database", help="the database whose stream to read (default: all)")


def _render_options(render: argparse.ArgumentParser) -> None:
    render.add_argument("database", help="the database key (engine, curios, ...)")
    render.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write the SQL to FILE (atomically); -: standard output"
    )
    render.add_argument(
        "--check", action="store_true", help="exit 1 with a diff when FILE differs from what would be rendered"
    )


def _callers_options(callers: argparse.ArgumentParser) -> None:
    callers.add_argument("table", nargs="*", help="tables to list (default: every table, or --database's)")
    callers.add_argument("--database", help="the tables living in or owned by this database")
    callers.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or JSON")


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
    drop_target.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write the migration to FILE; - (default): standard output"
    )
    drop_target.add_argument("--new", metavar="NAME", help="write it as the next reserved migration NNN_NAME.sql")


def _status_options(status: argparse.ArgumentParser) -> None:
    status.add_argument("--database", action="append", help="only this database's stream (repeatable)")
    status.add_argument(
        "-a",
        "--all",
        action="store_true",
        help="list every applied migration (default: a run of applied ones is one line, first .. last)",
    )


def _init_options(init: argparse.ArgumentParser) -> None:
    init.add_argument(
        "directory",
        nargs="?",
        type=Path,
        default=Path("."),
        help="the repository to read the wrangler configs of and write ownership.toml into (default: .)",
    )


def _completion_options(completion: argparse.ArgumentParser) -> None:
    completion.add_argument("shell", choices=("bash", "zsh", "fish"), help="the shell to complete in")


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
    "status": ("each migration as applied, pending, edited or missing against migrations.lock", _status_options),
    "init": ("write an ownership.toml from the wrangler configs' D1 databases", _init_options),
    "completion": ("print the shell completion script for bash, zsh or fish", _completion_options),
}
_OPTIONS_WITH_A_VALUE = frozenset({"--config", "--root"})


def _command_named(argv: Sequence[str]) -> str | None:
    """The command the arguments name, when it is plain to see (the first word that is not an
    option or a global option's value); None otherwise, and for the global --help, which lists
    every command (then every command's parser is built)."""
    word = _first_word(argv)
    return word if word in _COMMAND_OPTIONS else None


def _first_word(argv: Sequence[str]) -> str | None:
    """The first argument that is neither an option nor a global option's value; None after `--`,
    `-h` or `--help` (the global help)."""
    skip = False
    for argument in argv:
        if skip:
            skip = False
        elif argument in _OPTIONS_WITH_A_VALUE:
            skip = True
        elif argument in ("--", "-h", "--help"):
            return None
        elif not argument.startswith("-"):
            return argument
    return None


def _refuse_unknown_command(argv: Sequence[str]) -> None:
    """A first word that is no command is a usage error with the nearest command's name."""
    word = _first_word(argv)
    if word is not None and word not in _COMMAND_OPTIONS:
        from grove_schema.suggestions import did_you_mean

        raise UsageError(f"unknown command {word!r}{did_you_mean(word, _COMMAND_OPTIONS)} (see grove-schema --help)")


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


def console_main() -> NoReturn:
    """The `grove-schema` console script: main() in a process of its own, which it ends."""
    # A run makes many objects that live until it ends (the model, tokens, findings) and few reference
    # cycles: at the default thresholds the collector ran ~110 times over them to free ~500 objects
    # on the 87-file corpus, 2.4 % of a cold check's instructions (0.3 % at these). mypy's thresholds.
    import gc

    gc.set_threshold(200_000, 20, 20)
    from grove_schema.sqlite_threading import declare_one_thread

    declare_one_thread()  # the dev database runs SQLite without its mutexes
    code = main()
    # The interpreter's teardown frees every object of the run one by one (1.6 % of a cold check's
    # instructions): the process ends without it once the output is out, as mypy's does.
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # the reader left (`| head`): nothing more to say, as main() decides
        pass
    os._exit(code)


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
    named = _command_named(argv)
    if named is None:
        _refuse_unknown_command(argv)
    parser = build_parser(only=named)
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
    if args.command in WITHOUT_CONFIG:
        return int(command.run(args, out, err))
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
    console_main()
