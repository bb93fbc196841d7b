"""The lock: `migrations.lock`, the record of a stream's applied migrations and their content hashes.

wrangler records only names in `d1_migrations`, so an applied file that is edited never runs again
and a renamed one runs twice. The lock remembers each applied file's bytes (sha256) so `check` can
say so. One line per file in wrangler's order, so two branches that add migrations conflict in git.

    # grove-schema migrations.lock: ...
    001 001_core_tenants.sql sha256:5f1c...
    084 084_moodring_show_log.sql sha256:9b2e...

Pure: the caller reads the lock's text and the files' bytes, and writes what `render_lock` returns.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from functools import cached_property

from grove_schema.codes import CODES, EDITED_MIGRATION, MISSING_MIGRATION
from grove_schema.errors import ConfigError
from grove_schema.files import sha256
from grove_schema.findings import Finding, Location, RuleInfo, Severity, make_finding, printable, with_detail, with_fix
from grove_schema.layouts import LOCK_FILE_NAME, MigrationFile, parse_number
from grove_schema.records import FrozenRecord, frozen_record

LOCK_HEADER = (
    "# grove-schema migrations.lock: applied migrations in wrangler order (number, name, sha256 of the bytes);"
    " written by `grove-schema lock`"
)
APPLIED_HISTORY = "applied history"  # what a demoted finding says of itself, before its fix
_HASH = re.compile(r"sha256:[0-9a-f]{64}")
_CONFLICT_MARKERS = ("<<<<<<<", "=======", ">>>>>>>", "|||||||")


def sha256_of(data: bytes) -> str:
    return "sha256:" + sha256(data).hexdigest()


@frozen_record()
class LockEntry(FrozenRecord):
    """One applied migration in migrations.lock: number, name and content hash."""

    number: int | None
    name: str
    sha256: str
    line: int  # in the lock file, for locating `missing-migration`


@frozen_record()
class Lock(FrozenRecord):
    """migrations.lock: the migrations accepted as applied in production."""

    path: str  # absolute
    entries: tuple[LockEntry, ...]

    @cached_property
    def _by_name(self) -> dict[str, LockEntry]:
        return {entry.name: entry for entry in self.entries}

    def entry(self, name: str) -> LockEntry | None:
        return self._by_name.get(name)

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self._by_name)

    def highest(self) -> LockEntry | None:
        numbered = [e for e in self.entries if e.number is not None]
        return max(numbered, key=lambda e: (e.number, e.name)) if numbered else None


def parse_lock(text: str, path: str) -> Lock:
    """The lock's entries; a malformed line is a configuration error at its line (exit code 2)."""
    entries: list[LockEntry] = []
    seen: dict[str, int] = {}
    for line_number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(_CONFLICT_MARKERS):
            raise ConfigError(
                "unresolved merge conflict: two branches added migrations; keep the lines of the migrations "
                "that are really applied, or restore one side and run `grove-schema lock` after the release",
                path,
                line_number,
            )
        head, _, rest = line.partition(" ")
        name, _, digest = rest.rstrip().rpartition(" ")
        number = parse_number(head)
        if not (head == "-" or number is not None) or not name or not _HASH.fullmatch(digest):
            raise ConfigError(
                "malformed lock line (expected `NUMBER NAME sha256:HEX`, the number in ASCII digits); "
                "regenerate it with `grove-schema lock`",
                path,
                line_number,
            )
        if name in seen:
            raise ConfigError(f"{name} is listed twice (first at line {seen[name]})", path, line_number)
        seen[name] = line_number
        entries.append(LockEntry(number, name, digest, line_number))
    return Lock(path, tuple(entries))


def render_lock(files: Sequence[MigrationFile], hashes: Mapping[str, str]) -> str:
    """The lock's text for `files` (every one must have a hash), in the stream's order as given."""
    lines = [LOCK_HEADER]
    for migration in files:
        if "\n" in migration.name or "\r" in migration.name:
            raise ConfigError(f"cannot lock a file whose name holds a line break: {migration.name!r}")
        try:
            migration.name.encode("utf-8")
        except UnicodeEncodeError:
            raise ConfigError(f"cannot lock a file whose name is not UTF-8: {printable(migration.name)}") from None
        number = (migration.number_text or str(migration.number)) if migration.number is not None else "-"
        lines.append(f"{number} {migration.name} {hashes[migration.name]}")
    return "\n".join(lines) + "\n"


def check_lock(files: Sequence[MigrationFile], hashes: Mapping[str, str], lock: Lock) -> list[Finding]:
    """`edited-migration` for locked files whose bytes changed, `missing-migration` for locked files gone.

    `hashes` maps a file name to its sha256; a file missing from it could not be read (replay says so)."""
    findings: list[Finding] = []
    present = {migration.name: migration for migration in files}
    unlocked_by_hash: dict[str, list[str]] = {}
    for migration in files:
        digest = hashes.get(migration.name)
        if digest is not None and lock.entry(migration.name) is None:
            unlocked_by_hash.setdefault(digest, []).append(migration.name)
    for entry in lock.entries:
        current = present.get(entry.name)
        if current is None:
            renamed = unlocked_by_hash.get(entry.sha256)
            if renamed:
                why = with_fix(
                    f"it was renamed to {renamed[0]}, and wrangler records only names, "
                    f"so it would run again as {renamed[0]}",
                    "restore the old name",
                )
            else:
                why = with_fix(
                    "wrangler already applied it, so the files no longer rebuild production",
                    "restore the file (git restore or git checkout of its last version)",
                )
            findings.append(
                make_finding(
                    MISSING_MIGRATION,
                    f"{entry.name} is locked as applied but is no longer in the stream; {why}",
                    Location(lock.path, entry.line, 1),
                )
            )
            continue
        digest = hashes.get(entry.name)
        if digest is not None and digest != entry.sha256:
            findings.append(
                make_finding(
                    EDITED_MIGRATION,
                    with_fix(
                        f"{entry.name} changed after it was locked as applied ({entry.sha256[:19]}... in "
                        f"{LOCK_FILE_NAME}, now {digest[:19]}...): wrangler never re-runs an applied migration, "
                        "so production keeps the old version",
                        "restore the file and put the change in a new migration (`grove-schema new NAME`)",
                    ),
                    Location(str(current.path), 1, 1),
                )
            )
    return findings


def changed_since_lock(files: Sequence[MigrationFile], hashes: Mapping[str, str], lock: Lock) -> list[str]:
    """Names of locked files that were edited or removed: what re-locking would silently accept."""
    present = {migration.name for migration in files}
    return [
        entry.name
        for entry in lock.entries
        if entry.name not in present or hashes.get(entry.name, entry.sha256) != entry.sha256
    ]


def applied_paths(files: Iterable[MigrationFile], hashes: Mapping[str, str], lock: Lock) -> set[str]:
    """Paths of the files the lock records with their current bytes: applied history.

    An edited locked file is not history any more (its new text never ran), so it is left out."""
    paths: set[str] = set()
    for migration in files:
        entry = lock.entry(migration.name)
        if entry is not None and hashes.get(migration.name) == entry.sha256:
            paths.add(str(migration.path))
    return paths


def _numbering_rules() -> frozenset[RuleInfo]:
    return frozenset(rule for rule in CODES if rule.code.startswith("GS3"))


def as_applied_history(findings: Iterable[Finding], applied: set[str]) -> list[Finding]:
    """Findings located in applied files become info: they describe what production already ran.

    Numbering and lock findings (GS3xx) keep their severity: they are about the stream, not history."""
    keep_severity = _numbering_rules()
    result = []
    for finding in findings:
        if finding.location is not None and finding.location.path in applied and finding.rule not in keep_severity:
            finding = replace(finding, severity=Severity.INFO, message=with_detail(finding.message, APPLIED_HISTORY))
        result.append(finding)
    return result


class MigrationState(enum.Enum):
    APPLIED = "applied"  # locked, with the bytes it was locked with
    PENDING = "pending"  # not in the lock: wrangler would apply it next
    EDITED = "edited"  # locked, but its bytes changed: production keeps the old text
    MISSING = "missing"  # locked, but the file is gone


@frozen_record()
class MigrationStatus(FrozenRecord):
    """A migration's state against the lock: applied, pending, edited or missing."""

    name: str
    state: MigrationState
    path: str | None  # the file; None for a missing one


def migration_statuses(
    files: Sequence[MigrationFile], hashes: Mapping[str, str], lock: Lock | None
) -> list[MigrationStatus]:
    """Each migration against the lock, in wrangler's order (the stream's, as given); a locked file
    that is gone comes right after the locked file before it. Without a lock every file is pending.

    `hashes` maps a file name to its sha256; a file missing from it could not be read, and a
    locked one is then shown as edited (its bytes are not the ones locked)."""
    if lock is None:
        return [MigrationStatus(m.name, MigrationState.PENDING, str(m.path)) for m in files]
    present = {migration.name for migration in files}
    missing_after: dict[str | None, list[str]] = {}  # the locked file before it (None: first) -> missing ones
    previous: str | None = None
    for entry in lock.entries:
        if entry.name in present:
            previous = entry.name
        else:
            missing_after.setdefault(previous, []).append(entry.name)
    statuses = [MigrationStatus(name, MigrationState.MISSING, None) for name in missing_after.get(None, [])]
    for migration in files:
        locked = lock.entry(migration.name)
        if locked is None:
            state = MigrationState.PENDING
        elif hashes.get(migration.name) == locked.sha256:
            state = MigrationState.APPLIED
        else:
            state = MigrationState.EDITED
        statuses.append(MigrationStatus(migration.name, state, str(migration.path)))
        gone = missing_after.get(migration.name, [])
        statuses.extend(MigrationStatus(name, MigrationState.MISSING, None) for name in gone)
    return statuses
