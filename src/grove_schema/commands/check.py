"""`grove-schema check [PATHS...]`: replay every stream and report the findings."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast

from grove_schema.commands import EXIT_CLEAN, EXIT_FINDINGS
from grove_schema.errors import GroveSchemaError, UsageError

if TYPE_CHECKING:
    from grove_schema.cache import CachedReport, CheckCache
    from grove_schema.config import ProjectConfig, ValidatedSections
    from grove_schema.project import ProjectReplay
    from grove_schema.replay import StreamReplay


def run(args: argparse.Namespace, config: ProjectConfig, out: IO[str], err: IO[str]) -> int:
    from grove_schema.findings import Severity
    from grove_schema.hook_scope import check_paths, filter_to_paths, project_level_info
    from grove_schema.progress import gathering
    from grove_schema.reporting import REPORTERS, Report

    if args.statistics and args.format not in ("text", "json"):
        raise UsageError(f"--statistics prints text or JSON, not {args.format}")
    paths = check_paths(args.paths, config)
    for path in args.paths:
        if path not in paths:
            print(f"grove-schema: not checked: {path} is neither a migration nor a file [code] covers", file=err)
    with gathering() as replayers:
        try:
            outcome = _replayed(args, config, err)
        except GroveSchemaError:  # bad input: the message alone, exit code 2
            raise
        except Exception:  # a bug: report what was found before it, then let cli log it
            _report_gathered(args, config, [r.result for r in replayers], out)
            raise
    findings = outcome.findings
    threshold = Severity.parse(args.fail_on)
    # A hook passes files: the report is about them, not the project-wide advice (notes, pending
    # moves, cut references) on every commit, unless asked for it.
    hook = any(not path.is_dir() for path in args.paths)
    if args.paths:
        findings = filter_to_paths(findings, paths, config)
    shown_level = Severity.parse(args.show) if args.show else Severity.WARNING if args.quiet else Severity.INFO
    if hook and threshold > Severity.INFO and args.show != "info":
        findings = [f for f in findings if not project_level_info(f)]
    report = Report(
        findings=[f for f in findings if f.severity >= shown_level],
        file_count=outcome.file_count,
        statement_count=outcome.statement_count,
        tables=outcome.tables_per_database(),
        not_applied=outcome.not_applied_per_database(),
        notes=[] if hook or args.quiet else list(outcome.notes),
        texts=outcome.texts,
        config_path=str(config.path),
        counted=findings,
    )
    if args.statistics:
        from grove_schema.reporting import report_statistics

        report_statistics(report, out, args.format)
    else:
        REPORTERS[args.format](report, out)
    return EXIT_FINDINGS if any(f.severity >= threshold for f in findings) else EXIT_CLEAN


def _report_gathered(
    args: argparse.Namespace, config: ProjectConfig, streams: list[StreamReplay], out: IO[str]
) -> None:
    """The findings of the files replayed before the run stopped on a bug, as the report, with a
    note that it is incomplete (the numbering, lock and ownership checks did not run)."""
    from grove_schema.findings import Finding
    from grove_schema.hook_scope import filter_to_paths
    from grove_schema.reporting import REPORTERS, Report
    from grove_schema.suppressions import apply_suppressions

    try:
        findings = apply_suppressions(
            [f for s in streams for f in s.findings], [layout for s in streams for layout in s.layouts]
        )
        findings = sorted(findings, key=Finding.sort_key)
        if args.paths:
            findings = filter_to_paths(findings, args.paths, config)
        texts: dict[str, str] = {}
        for stream in streams:
            texts.update(stream.texts)
        report = Report(
            findings=findings,
            file_count=sum(len(s.files) for s in streams),
            statement_count=sum(len(s.statements) for s in streams),
            tables={s.database: s.d1_tables() for s in streams},
            not_applied={s.database: s.not_applied_by_d1() for s in streams if s.not_applied_by_d1()},
            notes=[
                "note: grove-schema stopped on an internal error: these are the findings of the files "
                "replayed before it (numbering, lock and ownership checks did not run)"
            ],
            texts=lambda: texts,
            config_path=str(config.path),
        )
        REPORTERS[args.format](report, out)
    except Exception:
        pass


def open_cache(args: argparse.Namespace, config_path: Path, err: IO[str]) -> CheckCache | None:
    """The content-hash cache this run uses (docs/hooks.md), or None; opened once per run, before the
    configuration is loaded (an unchanged ownership.toml is not validated again)."""
    if "cache_store" in vars(args):
        return cast("CheckCache | None", args.cache_store)
    from grove_schema.cache import CheckCache, cache_directory, unsafe_cache_reason

    use_cache = bool(args.paths) if args.cache is None else args.cache
    directory = cache_directory(config_path) if use_cache else None
    if use_cache and directory is None and args.cache:
        from grove_schema.cache import user_cache_directory

        directory = user_cache_directory()
    if directory is not None:
        reason = unsafe_cache_reason(directory)
        if reason is not None:
            print(f"grove-schema: not using the cache in {directory}: {reason}", file=err)
            directory = None
    args.cache_store = CheckCache(directory) if directory is not None else None
    return cast("CheckCache | None", args.cache_store)


def validated_sections(args: argparse.Namespace, config_path: Path, err: IO[str]) -> ValidatedSections | None:
    """For the command line: where this run finds ownership.toml already validated."""
    cache = open_cache(args, config_path, err)
    if cache is None:
        return None
    from grove_schema.cache import ValidatedConfigs

    return ValidatedConfigs(cache)


def _replayed(args: argparse.Namespace, config: ProjectConfig, err: IO[str]) -> ProjectReplay | CachedReport:
    """check_project, through the content-hash cache when it is on; what went wrong with the cache
    is said on standard error, never in the report."""
    from grove_schema.cache import cached_check

    cache = open_cache(args, config.path, err)
    outcome = cached_check(config, cache, databases=args.database, history=args.history, ignore=args.ignore)
    for note in cache.notes if cache is not None else []:
        print(f"grove-schema: {note}", file=err)
    return outcome
