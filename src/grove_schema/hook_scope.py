"""What `check PATHS` (a commit hook) reports: the findings in the files and below the directories
it was given, plus the repository-level ones. Kept apart from `project` so that a cached hook run
imports no replay code."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from grove_schema.errors import UsageError
from grove_schema.findings import Finding, Severity
from grove_schema.layouts import LOCK_FILE_NAME

if TYPE_CHECKING:
    from grove_schema.config import ProjectConfig

WRANGLER_CONFIG_NAMES = frozenset({"wrangler.toml", "wrangler.json", "wrangler.jsonc"})
REPOSITORY_CODE_PREFIX = "GS3"  # numbering, reservation and lock (GS301-GS308): about the stream, not one file
OWNERSHIP_CODE_PREFIX = "GS2"  # the map against the streams: pending moves, cut references, lost cascades

# The names the pre-commit hook passes (.pre-commit-hooks.yaml's `files`): a file of one of these
# kinds that nothing checks (a script outside [code], a seed .sql outside every stream) is passed on
# commits that touch it, and must not fail them.
HOOK_SUFFIXES = (".sql", ".ts", ".tsx", ".js", ".mjs", ".cjs", ".svelte")
HOOK_NAMES = WRANGLER_CONFIG_NAMES | {
    "ownership.toml",
    "NEXT_MIGRATION_NUMBER.txt",
    LOCK_FILE_NAME,
    "tsconfig.json",
    "jsconfig.json",
    "svelte.config.js",
}


def check_paths(paths: list[Path], config: ProjectConfig) -> list[Path]:
    """The paths `check PATHS` reports on, in order; refuses (UsageError, naming the path) one that
    does not exist, a directory that holds no migration and no source file the `[code]` section
    covers, and any other file that is neither. A file of a kind the pre-commit hook passes
    (`HOOK_SUFFIXES`, `HOOK_NAMES`) that nothing checks is left out instead: the caller says so."""
    kept = []
    for path in paths:
        if not path.exists():
            raise UsageError(f"no such file or directory: {path}")
        if path.is_dir():
            if not _holds_checked_files(path, config):
                raise UsageError(
                    f"{path} is a directory with no migration and no source file the [code] section covers "
                    f"(streams: {_streams(config)})"
                )
            kept.append(path)
        elif _checked_file(path, config):
            kept.append(path)
        elif not (path.name.lower().endswith(HOOK_SUFFIXES) or path.name in HOOK_NAMES):
            raise UsageError(
                f"{path} is neither a migration, a source file the [code] section covers, nor a directory "
                f"holding them (streams: {_streams(config)})"
            )
    return kept


def _streams(config: ProjectConfig) -> str:
    return ", ".join(_shown(database.migrations_dir, config) for database in config.databases.values()) or "none"


def _shown(path: Path, config: ProjectConfig) -> str:
    try:
        return path.relative_to(config.root).as_posix()
    except ValueError:
        return str(path)


def _is_within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _project_files(config: ProjectConfig) -> set[str]:
    found = {str(config.path.resolve())}
    for database in config.databases.values():
        found.add(os.path.realpath(database.migrations_dir / LOCK_FILE_NAME))
        if database.reservation is not None:
            found.add(os.path.realpath(database.reservation))
    return found


def _checked_file(path: Path, config: ProjectConfig) -> bool:
    """A migration (any file in a stream's directory or below it: discovery reports what wrangler
    ignores there), the map, a reservation or lock, or a file the code scan reads."""
    real = os.path.realpath(path)
    if real in _project_files(config):
        return True
    if any(_is_within(real, os.path.realpath(d.migrations_dir)) for d in config.databases.values()):
        return True
    if config.code is None:
        return False
    from grove_schema.code.coverage import scanned_source

    return scanned_source(config.code, config.root, path)


def _holds_checked_files(folder: Path, config: ProjectConfig) -> bool:
    real = os.path.realpath(folder)
    for database in config.databases.values():
        stream = os.path.realpath(database.migrations_dir)
        if _is_within(real, stream) or (_is_within(stream, real) and os.path.isdir(stream)):
            return True
    if config.code is None:
        return False
    from grove_schema.code.coverage import holds_scanned_source

    return holds_scanned_source(config.code, config.root, folder)


def project_level_info(finding: Finding) -> bool:
    """Advice about the whole split rather than about a file: a pending move, the references and
    cascades the split cuts, any info finding without a location. Hook runs leave it out unless asked."""
    if finding.severity is not Severity.INFO:
        return False
    return finding.location is None or finding.rule.code.startswith(OWNERSHIP_CODE_PREFIX)


def filter_to_paths(findings: list[Finding], paths: list[Path], config: ProjectConfig | None = None) -> list[Finding]:
    """The findings located in `paths` (a directory: anywhere below it), plus the repository-level
    ones wherever they are located.

    Repository-level: findings with no location; numbering, reservation and lock findings (GS3xx:
    a new file that takes an old number is reported on the old file, a deleted locked migration on
    the lock); and, with `config`, any finding located in ownership.toml, a reservation file or a
    lock file; and the findings in the code a given wrangler config governs. The whole stream is
    replayed either way: only the report is narrowed."""
    # Paths compare as absolute strings: finding paths are built below the resolved root, and the
    # given paths count both as written and resolved (a hook may pass them through a symlink).
    wanted = {os.path.abspath(p) for p in paths if not p.is_dir()} | {str(p.resolve()) for p in paths if not p.is_dir()}
    folders = tuple(
        folder.rstrip(os.sep) + os.sep for p in paths if p.is_dir() for folder in {os.path.abspath(p), str(p.resolve())}
    )
    if config is not None:
        wanted.add(str(config.path.resolve()))
        for database in config.databases.values():
            wanted.add(str((database.migrations_dir / LOCK_FILE_NAME).resolve()))
            if database.reservation is not None:
                wanted.add(str(database.reservation.resolve()))
    # A wrangler config governs the code below it: editing it (dropping a binding) changes their findings.
    governed = tuple(
        folder + os.sep
        for p in paths
        if p.name in WRANGLER_CONFIG_NAMES
        for folder in {os.path.dirname(os.path.abspath(p)), str(p.resolve().parent)}
    )

    def keep(finding: Finding) -> bool:
        if finding.location is None or finding.rule.code.startswith(REPOSITORY_CODE_PREFIX):
            return True
        located = os.path.abspath(finding.location.path)
        return located in wanted or located.startswith(governed) or located.startswith(folders)

    return [f for f in findings if keep(f)]
