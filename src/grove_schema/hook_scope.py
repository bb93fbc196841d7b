"""What `check PATHS` (a commit hook) reports: the findings in the files it was given, plus the
repository-level ones. Kept apart from `project` so that a cached hook run imports no replay code."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from grove_schema.findings import Finding
from grove_schema.layouts import LOCK_FILE_NAME

if TYPE_CHECKING:
    from grove_schema.config import ProjectConfig

WRANGLER_CONFIG_NAMES = frozenset({"wrangler.toml", "wrangler.json", "wrangler.jsonc"})
REPOSITORY_CODE_PREFIX = "GS3"  # numbering, reservation and lock (GS301-GS308): about the stream, not one file


def filter_to_paths(findings: list[Finding], paths: list[Path], config: ProjectConfig | None = None) -> list[Finding]:
    """The findings located in `paths`, plus the repository-level ones wherever they are located.

    Repository-level: findings with no location; numbering, reservation and lock findings (GS3xx:
    a new file that takes an old number is reported on the old file, a deleted locked migration on
    the lock); and, with `config`, any finding located in ownership.toml, a reservation file or a
    lock file; and the findings in the code a given wrangler config governs. The whole stream is
    replayed either way: only the report is narrowed."""
    # Paths compare as absolute strings: finding paths are built below the resolved root, and the
    # given paths count both as written and resolved (a hook may pass them through a symlink).
    wanted = {os.path.abspath(p) for p in paths} | {str(p.resolve()) for p in paths}
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
        return located in wanted or located.startswith(governed)

    return [f for f in findings if keep(f)]
