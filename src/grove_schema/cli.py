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
    from grove_schema.cache import CachedReport
    from grove_schema.config import ProjectConfig
    from grove_schema.project import ProjectReplay

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
    check.add_argument("--format", choices=("text", "json", "sarif", "github", "gcc"), default="text")
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
    if args.command == "diagram":
        return _diagram(args, config, out, err)
    if args.command == "inspect":
        return _inspect(args, config, out)
    if args.command == "render":
        return _render(args, config, out, err)
    if args.command == "drop":
        return _drop(args, config, out, err)
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
    from grove_schema.hook_scope import filter_to_paths
    from grove_schema.reporting import (
        findings_json,
        sarif_log,
        summary_line,
        use_colour,
        write_gcc,
        write_github,
        write_json,
        write_plain,
        write_rich,
    )

    for path in args.paths:
        if not path.exists():
            raise UsageError(f"no such file: {path}")
    outcome = _replayed(args, config)
    findings = outcome.findings
    if args.paths:
        findings = filter_to_paths(findings, args.paths, config)
    tables = outcome.tables_per_database()
    # With PATHS (a pre-commit hook) the report is about those files: no project-wide advice on every commit.
    notes = [] if args.paths else list(outcome.notes)
    if args.format == "json":
        document = findings_json(findings, outcome.file_count, outcome.statement_count, tables)
        document["summary"]["notes"] = notes
        write_json(document, out)
    elif args.format == "sarif":
        import grove_schema.rules  # noqa: F401 - registers the lint rules: the SARIF lists every rule
        from grove_schema.findings import all_rules

        write_json(
            sarif_log(findings, all_rules(), tool_version=__version__, fallback_path=str(config.path), notes=notes),
            out,
        )
    elif args.format == "github":
        summary = summary_line(outcome.file_count, outcome.statement_count, tables, findings)
        write_github(findings, summary, out, notes)
    elif args.format == "gcc":
        write_gcc(findings, out)
    else:
        summary = summary_line(outcome.file_count, outcome.statement_count, tables, findings)
        if use_colour(out):
            write_rich(findings, summary, out, outcome.texts(), notes)
        else:
            write_plain(findings, summary, out, notes)
    threshold = Severity.parse(args.fail_on)
    return EXIT_FINDINGS if any(f.severity >= threshold for f in findings) else EXIT_CLEAN


def _replayed(args: argparse.Namespace, config: ProjectConfig) -> ProjectReplay | CachedReport:
    """check_project, through the content-hash cache when it is on (docs/hooks.md)."""
    from grove_schema.cache import CheckCache, cache_directory, cached_check

    use_cache = bool(args.paths) if args.cache is None else args.cache
    directory = cache_directory(config) if use_cache else None
    if use_cache and directory is None and args.cache:
        from grove_schema.cache import user_cache_directory

        directory = user_cache_directory()
    cache = CheckCache(directory) if directory is not None else None
    return cached_check(config, cache, databases=args.database, history=args.history, ignore=args.ignore)


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


def _diagram(args: argparse.Namespace, config: ProjectConfig, out: IO[str], err: IO[str]) -> int:
    import graphviz

    from grove_schema.diagram import build_diagram, dot_source, render_bytes
    from grove_schema.files import write_atomically
    from grove_schema.project import check_project

    for database in args.database:
        config.database(database)
    output_format = args.format or (args.output.suffix.lstrip(".").lower() if args.output else "dot")
    if output_format not in ("dot", "gv", "svg", "png"):
        raise UsageError(f"cannot tell the format from {args.output}: pass --format dot|svg|png")
    outcome = check_project(config)
    diagram = build_diagram(
        config, outcome, databases=args.database, after_split=args.after_split, columns=args.columns
    )
    source = dot_source(diagram)
    if output_format in ("dot", "gv"):
        if args.output is None:
            out.write(source)
        else:
            write_atomically(args.output, source.encode())
        return EXIT_CLEAN
    if args.output is None:
        raise UsageError(f"{output_format} is binary or large: write it with -o FILE")
    try:
        data = render_bytes(diagram, output_format)
    except graphviz.ExecutableNotFound:
        fallback = args.output.with_suffix(".dot")
        write_atomically(fallback, source.encode())
        err.write(
            f"grove-schema: error: Graphviz's `dot` is not installed, so no {output_format} was made; "
            f"wrote the DOT source to {fallback} instead. Install Graphviz (apt-get install graphviz, "
            "brew install graphviz, or https://graphviz.org/download/) and run again.\n"
        )
        return EXIT_USAGE
    write_atomically(args.output, data)
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


def _render(args: argparse.Namespace, config: ProjectConfig, out: IO[str], err: IO[str]) -> int:
    """Exit 0, or 1 when --check finds FILE out of date (the diff is on stdout)."""
    import difflib

    from grove_schema.consolidation import consolidate, render_sql
    from grove_schema.findings import Severity
    from grove_schema.project import check_project, write_atomically
    from grove_schema.reporting import display_path

    if args.check and args.output is None:
        raise UsageError("--check needs the file to compare: grove-schema render DATABASE -o FILE --check")
    config.database(args.database)
    outcome = check_project(config)
    consolidation = consolidate(config, outcome.streams, args.database)
    text = render_sql(consolidation)
    c = consolidation
    summary = f"{args.database} ({c.name}): {c.counts()}"
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
        columns = sum(1 for item in c.left_out_retired if item.kind == "column")
        notes.append(f"left out {columns} retired columns and {len(c.left_out_retired) - columns} things that use them")
    report = summary + "".join(f"; {n}" for n in notes) + (" (listed in the header)" if notes else "")
    errors = sum(1 for f in outcome.findings if f.severity >= Severity.ERROR)
    if errors:
        report += f"; the replay reported {errors} errors (grove-schema check lists them): this is the replayed schema"
    report += "\n"
    if args.check:
        path = args.output
        shown = display_path(str(path))
        try:
            current = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            current = ""
        except (OSError, UnicodeDecodeError) as error:
            raise UsageError(f"cannot read {shown}: {getattr(error, 'strerror', None) or error}") from None
        if current == text:
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
    if args.output is None:
        out.write(text)
        err.write(f"grove-schema: rendered {report}")
        return EXIT_CLEAN
    if not args.output.parent.is_dir():
        raise UsageError(f"no such directory: {args.output.parent}")
    write_atomically(args.output, text)
    out.write(f"wrote {display_path(str(args.output))}: {report}")
    return EXIT_CLEAN


def _drop(args: argparse.Namespace, config: ProjectConfig, out: IO[str], err: IO[str]) -> int:
    """Exit 0, or 1 when something that stays still needs what leaves (the blockers go to stderr)."""
    from grove_schema.drop_plan import plan_drop, render_drop_sql
    from grove_schema.project import check_project, write_atomically
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
        path = _create_migration_with(config, args.database, args.new, text)
        out.write(f"wrote {display_path(str(path))}: {summary}\n")
    elif args.output is not None:
        if not args.output.parent.is_dir():
            raise UsageError(f"no such directory: {args.output.parent}")
        write_atomically(args.output, text)
        out.write(f"wrote {display_path(str(args.output))}: {summary}\n")
    else:
        out.write(text)
        err.write(f"{summary}\n")
    return EXIT_CLEAN


def _create_migration_with(config: ProjectConfig, key: str, name: str, text: str) -> Path:
    """`new`, then the content: all or nothing (on failure the file goes and the reservation is restored)."""
    from grove_schema import project

    reservation = config.databases[key].reservation
    before = None
    if reservation is not None and reservation.is_file():
        before = reservation.read_text(encoding="utf-8")
    path = project.create_migration(config, key, name)
    try:
        first_line = path.read_text(encoding="utf-8").splitlines()[0]  # "-- Migration 085: name"
        project.write_atomically(path, f"{first_line}\n{text}")
    except BaseException:
        path.unlink(missing_ok=True)
        if reservation is not None and before is not None:
            project.write_atomically(reservation, before)
        raise
    return path


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
