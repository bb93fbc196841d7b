"""What `check PATHS` (a commit hook) reports: the findings in the files it was given, plus the
repository-level ones. Kept apart from `project` so that a cached hook run imports no replay code."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from grove_schema.findings import Finding
from grove_schema.locking import LOCK_FILE_NAME

if TYPE_CHECKING:
    from grove_schema.config import ProjectConfig

WRANGLER_CONFIG_NAMES = frozenset({"wrangler.toml", "wrangler.json", "wrangler.jsonc"})
REPOSITORY_CODE_PREFIX = "GS3"  # numbering, reservation and lock (GS301-GS308): about the stream, not one file


def filter_to_paths(
    findings: list[Finding], paths: list[Path], config: ProjectConfig | None = None
) -> list[Finding]:
    """The findings located in `paths`, plus the repository-level ones wherever they are located.

    Repository-level: findings with no location; numbering, reservation and lock findings (GS3xx:
    a new file that takes an old number is reported on the old file, a deleted locked migration on
    the lock); and, with `config`, any finding located in ownership.toml, a reservation file or a
    lock file; and the findings in the code a given wrangler config governs. The whole stream is
    replayed either way: only the report is narrowed."""
    wanted = {str(p.resolve()) for p in paths}
    if config is not None:
        wanted.add(str(config.path.resolve()))
        for database in config.databases.values():
            wanted.add(str((database.migrations_dir / LOCK_FILE_NAME).resolve()))
            if database.reservation is not None:
                wanted.add(str(database.reservation.resolve()))

    # A wrangler config governs the code below it: editing it (dropping a binding) changes their findings.
    governed = [p.resolve().parent for p in paths if p.name in WRANGLER_CONFIG_NAMES]

    verdicts: dict[str, bool] = {}  # by path: findings share a few files, and resolve() costs a syscall

    def wanted_path(located: str) -> bool:
        if located not in verdicts:
            path = Path(located).resolve()
            verdicts[located] = str(path) in wanted or any(folder in path.parents for folder in governed)
        return verdicts[located]

    def keep(finding: Finding) -> bool:
        if finding.location is None or finding.rule.code.startswith(REPOSITORY_CODE_PREFIX):
            return True
        return wanted_path(finding.location.path)

    return [f for f in findings if keep(f)]
