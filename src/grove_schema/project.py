"""Replay every configured database of a project: the engine behind `grove-schema check`.

Also the edge where the numbering and lock checks meet the disk: it reads the reservation file, the
lock and the files' bytes for the pure checks in `numbering` and `locking`, and writes (atomically)
what `grove-schema lock` and `grove-schema new` produce.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from grove_schema.codes import UNREADABLE_BOOKKEEPING
from grove_schema.config import DatabaseConfig, ProjectConfig
from grove_schema.discovery import MigrationFile, StreamSurvey, stray_files, survey_stream
from grove_schema.errors import ConfigError, UsageError
from grove_schema.files import RefusedRead, read_bounded
from grove_schema.findings import Finding, Location, Severity, make_finding, printable, with_fix
from grove_schema.hook_scope import filter_to_paths  # noqa: F401 - re-exported: project.filter_to_paths
from grove_schema.layouts import LOCK_FILE_NAME
from grove_schema.locking import (
    Lock,
    applied_paths,
    as_applied_history,
    changed_since_lock,
    check_lock,
    parse_lock,
    render_lock,
    sha256_of,
)
from grove_schema.numbering import Reservation, StreamFacts, check_numbering
from grove_schema.records import FrozenRecord, Record, frozen_record
from grove_schema.replay import LintSettings, ReplayOptions, RunBudget, StreamReplay, TextReader, replay_stream
from grove_schema.scaffold import plan_new_migration
from grove_schema.sources import MAX_MIGRATION_BYTES, read_migration, substitute_placeholders
from grove_schema.suppressions import apply_suppressions

if TYPE_CHECKING:
    from grove_schema.code.audit import CodeAudit
    from grove_schema.code.scan import ScanCache
    from grove_schema.ownership import OwnershipReport


@dataclass(eq=False, repr=False)
class ProjectReplay(Record):
    """Every stream of a project replayed, with the findings of all the checks."""

    config: ProjectConfig
    streams: dict[str, StreamReplay] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # advice that is not a finding (a stream with no lock)
    ownership: OwnershipReport | None = None  # when every database was replayed
    applied: set[str] = field(default_factory=set)  # paths of the migrations the locks record as applied
    # [code] roots that hold no source file and no config: `code` is an empty audit, made on first
    # use (a hook run then loads none of the audit's modules).
    code_roots_empty: bool = False
    audit: CodeAudit | None = field(default=None, repr=False)

    @property
    def code(self) -> CodeAudit | None:
        """The code audit: with a [code] section, when every database was replayed."""
        if self.audit is None and self.code_roots_empty:
            from grove_schema.code.audit import CodeAudit
            from grove_schema.code.sites import CodeScan

            self.audit = CodeAudit(CodeScan())
        return self.audit

    @property
    def file_count(self) -> int:
        return sum(len(s.files) for s in self.streams.values())

    @property
    def statement_count(self) -> int:
        return sum(len(s.statements) for s in self.streams.values())

    def tables_per_database(self) -> dict[str, int]:
        """The tables each database would hold once D1 applied its stream (D1 stops at the first
        failing file)."""
        return {key: stream.d1_tables(self.applied) for key, stream in self.streams.items()}

    def not_applied_per_database(self) -> dict[str, list[str]]:
        """The files D1 would not apply, per database that has any: the first failing one and later."""
        streams = self.streams.items()
        return {key: names for key, stream in streams if (names := stream.not_applied_by_d1(self.applied))}

    def texts(self) -> dict[str, str]:
        merged: dict[str, str] = {}
        for stream in self.streams.values():
            merged.update(stream.texts)
        if self.code is not None:
            merged.update(self.code.scan.texts)
        return merged


def stream_files(database: DatabaseConfig, is_default: bool, root: Path | None = None) -> list[MigrationFile]:
    """The database's stream; a missing directory is an error only for the default database."""
    return survey_database(database, is_default, root).files


def survey_database(database: DatabaseConfig, is_default: bool, root: Path | None = None) -> StreamSurvey:
    """The database's stream as wrangler lists it, with the findings about its entries (links
    leaving `root`, dot-files, directories named `.sql`...)."""
    directory = database.migrations_dir
    if not directory.is_dir():
        if is_default:
            raise ConfigError(
                f"the migrations directory of database {database.key!r} does not exist: {printable(str(directory))}"
            )
        return StreamSurvey([])
    try:
        return survey_stream(directory, database.layout, root)
    except OSError as error:
        raise ConfigError(f"cannot list {printable(str(directory))}: {error.strerror or error}") from None


def check_project(
    config: ProjectConfig,
    *,
    databases: list[str] | None = None,
    read: TextReader = read_migration,
    dev_database: bool = True,
    statement_seconds: float | None = None,
    history: bool = False,
    ignore: Sequence[str] = (),
    replay: Callable[..., StreamReplay] = replay_stream,
    code_cache: Callable[[], ScanCache] | None = None,
) -> ProjectReplay:
    """Replay the streams of `databases` (all configured ones by default), lint every statement,
    and check numbering, locks and ownership.

    Findings in locked (applied) files are info unless `history`: production already ran them.
    `ignore` names rules to switch off, beside the configuration's `[rules] ignore`.
    The dev database's time budgets come from `[dev_database]` (`statement_seconds` overrides one).
    `replay` replays one stream (replay.replay_stream's signature; cache.replay_cached resumes from
    a cached prefix). With a `[code]` section the application code is audited too (`code_cache`
    opens the store that keeps each source file's parse by content hash, when a file is scanned)."""
    keys = databases if databases else database_order(config)
    for key in keys:
        config.database(key)  # unknown keys are a usage error
    lint, ignored, severities = lint_settings(config, ignore)
    budgets = config.budgets
    options = ReplayOptions(
        dev_database=dev_database,
        statement_seconds=budgets.statement_seconds if statement_seconds is None else statement_seconds,
        lint=lint,
        file_seconds=budgets.file_seconds,
        run_budget=RunBudget(budgets.run_seconds),
    )
    outcome = ProjectReplay(config)
    applied: set[str] = set()
    claimed = _claimed_directories(config)  # once: every stream's stray check asks it
    for key in keys:
        database = config.databases[key]
        survey = survey_database(database, is_default=(key == config.default_database), root=config.root)
        files = survey.files
        placeholder_findings: list[Finding] = []
        stream = replay(key, files, placeholder_reader(database, read, placeholder_findings), options)
        outcome.streams[key] = stream
        outcome.findings.extend(stream.findings)
        outcome.findings.extend(placeholder_findings)
        outcome.findings.extend(survey.findings)
        if not database.migrations_dir.is_dir():
            continue  # a planned database: no stream yet, nothing to number
        state = read_stream_state(config, database, files, claimed)
        outcome.findings.extend(state.findings)
        outcome.findings.extend(check_numbering(state.facts))
        if state.lock is None:
            outcome.notes.append(_no_lock_note(config, key))
        else:
            outcome.findings.extend(check_lock(files, state.hashes, state.lock))
            applied |= applied_paths(files, state.hashes, state.lock)
    outcome.applied = applied
    if set(keys) == set(config.databases):
        # Where a table lives is known only once every stream is replayed.
        from grove_schema.ownership import check_ownership

        outcome.ownership = check_ownership(config, outcome.streams)
        outcome.findings = [f for f in outcome.findings if not outcome.ownership.explains(f)]
        outcome.findings.extend(outcome.ownership.findings)
        if config.code is not None:
            outcome.audit = audit_project_code(config, outcome.streams, code_cache)
            outcome.code_roots_empty = outcome.audit is None
            if outcome.audit is not None:
                outcome.findings.extend(outcome.audit.findings)
    findings = [f for f in outcome.findings if f.rule.code not in ignored]
    findings = [replace(f, severity=severities[f.rule.code]) if f.rule.code in severities else f for f in findings]
    layouts = [layout for s in outcome.streams.values() for layout in s.layouts]
    if outcome.audit is not None:
        from grove_schema.code.audit import suppression_layouts

        layouts += suppression_layouts(outcome.audit.scan)
    findings = apply_suppressions(findings, layouts)
    if not history:
        findings = as_applied_history(findings, applied)
    outcome.findings = sorted(findings, key=Finding.sort_key)
    return outcome


def placeholder_reader(database: DatabaseConfig, read: TextReader, findings: list[Finding]) -> TextReader:
    """`read`, with the database's Flyway placeholders replaced in each text (when it sets
    `placeholders`); a placeholder without a value is a finding, added to `findings`."""
    if database.placeholders is None:
        return read
    values = dict(database.placeholders)

    def read_with_placeholders(path: Path) -> str | Finding:
        text = read(path)
        if isinstance(text, Finding):
            return text
        substituted, found = substitute_placeholders(text, values, str(path))
        findings.extend(found)
        return substituted

    return read_with_placeholders


def audit_project_code(
    config: ProjectConfig,
    streams: dict[str, StreamReplay],
    open_cache: Callable[[], ScanCache] | None = None,
) -> CodeAudit | None:
    """Scan the `[code]` roots and judge every call site against the replayed streams; None, with
    none of the scan's or the audit's modules loaded, when the roots hold no source file and no
    config (nothing to audit)."""
    from grove_schema.code.coverage import walk_code_roots

    assert config.code is not None
    tree = walk_code_roots(config.code, config.root)
    if tree.empty:
        return None
    from grove_schema.code.audit import audit_code
    from grove_schema.code.cache import SqlVerdicts
    from grove_schema.code.scan import scan_code
    from grove_schema.ownership import OwnershipMap

    cache = open_cache() if open_cache is not None else None
    scan = scan_code(config.code, config.root, cache=cache, tree=tree)
    verdicts = SqlVerdicts(cache.directory, cache.notes) if cache is not None else SqlVerdicts()
    audit = audit_code(config, scan, streams, OwnershipMap(config), verdicts)
    verdicts.save()
    return audit


def lint_settings(
    config: ProjectConfig, ignore: Sequence[str] = ()
) -> tuple[LintSettings, set[str], dict[str, Severity]]:
    """The rules that run, the codes switched off, and severity overrides; unknown rules are a
    usage error, whether named in ownership.toml or on the command line."""
    from grove_schema.ownership import OwnershipMap
    from grove_schema.registry import find_rule
    from grove_schema.rules import ALL_RULES

    def resolve(name: str, where: str | None) -> str:
        """The rule's code; an unknown rule is a usage error (--ignore) or a configuration error at
        its line of ownership.toml ([rules] `where`), with the nearest rule's name."""
        rule = find_rule(name)
        if rule is not None:
            return rule.code
        from grove_schema.registry import all_rules
        from grove_schema.suggestions import did_you_mean

        hint = did_you_mean(name, [n for info in all_rules() for n in (info.code, info.name)])
        if where is None:
            raise UsageError(f"unknown rule {name!r} in --ignore{hint} (grove-schema rules lists them)")
        raise ConfigError(
            f"rules.{where}: unknown rule {name!r}{hint} (grove-schema rules lists them)",
            str(config.path),
            _rules_line(config, where, name),
        )

    ignored = {resolve(n, "ignore") for n in config.rules_ignore}
    ignored |= {resolve(n, None) for n in ignore}
    severities = {resolve(name, "severity"): Severity.parse(level) for name, level in config.rules_severity.items()}
    ownership = OwnershipMap(config)
    lint = LintSettings(
        rules=tuple(rule for rule in ALL_RULES if rule.code not in ignored),
        retired_tables=ownership.retired_tables,
        retired_columns=ownership.retired_columns,
        owner_of=ownership.owner_of,
    )
    return lint, ignored, severities


def _rules_line(config: ProjectConfig, where: str, name: str) -> int | None:
    """The line of a rule's entry under [rules]: its own key in a `[rules.severity]` table, else
    the `ignore =` or `severity =` line that lists it."""
    if where == "severity":
        own = config.line_of("rules", "severity", name)
        if own is not None and own != config.line_of("rules"):
            return own
    return config.line_of("rules", where)


def database_order(config: ProjectConfig) -> list[str]:
    """The default database first, then the others by key."""
    return sorted(config.databases, key=lambda key: (key != config.default_database, key))


def _no_lock_note(config: ProjectConfig, key: str) -> str:
    command = "grove-schema lock" if len(config.databases) == 1 else f"grove-schema lock --database {key}"
    return (
        f"note: {key} has no {LOCK_FILE_NAME}: once its migrations are applied in production, run `{command}` "
        "to accept them as applied history (edits and late low numbers are then caught)"
    )


@frozen_record()
class StreamState(FrozenRecord):
    """A stream as the numbering and lock checks see it, read from disk."""

    facts: StreamFacts
    hashes: dict[str, str]  # file name -> sha256; a file that cannot be read is absent
    lock: Lock | None
    findings: list[Finding] = field(default_factory=list)  # a lock or reservation grove-schema will not read


def lock_path(database: DatabaseConfig) -> Path:
    return database.migrations_dir / LOCK_FILE_NAME


def read_stream_state(
    config: ProjectConfig, database: DatabaseConfig, files: list[MigrationFile], claimed: set[str] | None = None
) -> StreamState:
    findings: list[Finding] = []
    try:
        lock = read_lock(database)
    except _Unreadable as problem:
        lock = None
        findings.append(problem.finding())
    config_path = os.path.realpath(config.path)

    def config_location(field_name: str) -> Location | None:
        line = config.line_of("databases", database.key, field_name)
        return Location(config_path, line, 1) if line is not None else None

    reservation = None
    if database.reservation is not None:
        try:
            reservation = Reservation(
                database.reservation, _read_optional_text(database.reservation), config_location("reservation")
            )
        except _Unreadable as problem:
            findings.append(problem.finding())
    facts = StreamFacts(
        directory=database.migrations_dir,
        root=config.root,
        files=files,
        grandfathered=database.grandfathered_collisions,
        # Locating a key scans ownership.toml: only when there is something to point at.
        grandfathered_at=config_location("grandfathered_collisions") if database.grandfathered_collisions else None,
        reservation=reservation,
        lock=lock,
        ignored=stray_files(
            database.migrations_dir,
            files,
            claimed if claimed is not None else _claimed_directories(config),
            database.layout,
        ),
    )
    # Hashing every file is needed only to compare with a lock.
    hashes = file_hashes(files) if lock is not None else {}
    return StreamState(facts, hashes, lock, findings)


def read_lock(database: DatabaseConfig) -> Lock | None:
    path = lock_path(database)
    text = _read_optional_text(path)
    return None if text is None else parse_lock(text, str(path))


def file_hashes(files: list[MigrationFile]) -> dict[str, str]:
    hashes = {}
    for migration in files:
        try:
            hashes[migration.name] = sha256_of(read_bounded(migration.path, MAX_MIGRATION_BYTES))
        except OSError:
            continue  # the replay reports the unreadable file
    return hashes


class _Unreadable(ConfigError):
    """A lock or reservation that is not a small regular UTF-8 file: a finding in `check`, a
    configuration error (exit 2) for the commands that would write it."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"cannot read {printable(str(path))}: {reason}")
        self.file = path
        self.reason = reason

    def finding(self) -> Finding:
        return make_finding(
            UNREADABLE_BOOKKEEPING,
            with_fix(
                f"{printable(self.file.name)} is not read ({self.reason}), so the checks that need it are skipped",
                f"make {printable(self.file.name)} a small regular UTF-8 file (`grove-schema lock` rewrites a lock)",
            ),
            Location(str(self.file), 1, 1),
        )


def _read_optional_text(path: Path) -> str | None:
    """The file's text, or None when it does not exist. A FIFO, a device, a directory, a file above
    `files.MAX_SMALL_FILE_BYTES` or one that is not UTF-8 raises `_Unreadable` (never a hang)."""
    try:
        return read_bounded(path).decode("utf-8")
    except FileNotFoundError:
        return None
    except RefusedRead as error:
        raise _Unreadable(path, error.strerror or str(error)) from None
    except UnicodeDecodeError as error:
        raise _Unreadable(path, f"not UTF-8 (byte offset {error.start})") from None
    except OSError as error:
        raise _Unreadable(path, error.strerror or str(error)) from None


def _claimed_directories(config: ProjectConfig) -> set[str]:
    return {os.path.realpath(database.migrations_dir) for database in config.databases.values()}


@frozen_record()
class LockWrite(FrozenRecord):
    """What `grove-schema lock` writes for one database."""

    database: str
    path: Path
    migrations: int
    changed: bool  # False: the lock already said exactly this


def write_locks(config: ProjectConfig, databases: list[str] | None = None, *, force: bool = False) -> list[LockWrite]:
    """Write `migrations.lock` for each stream (all by default): the current files, accepted as applied.

    Refuses to re-lock a locked file that was edited or removed unless `force`: production still runs
    the locked version, and re-locking would hide that."""
    keys = databases if databases else database_order(config)
    for key in keys:
        config.database(key)
    planned: list[tuple[str, Path, str, int]] = []
    refusals: list[str] = []
    for key in keys:
        database = config.databases[key]
        if not database.migrations_dir.is_dir():
            continue
        files = stream_files(database, is_default=(key == config.default_database), root=config.root)
        hashes = file_hashes(files)
        unreadable = [m.name for m in files if m.name not in hashes]
        if unreadable:
            raise ConfigError(f"cannot read {', '.join(unreadable)} in {database.migrations_dir}: nothing was locked")
        existing = read_lock(database)
        if existing is not None and not force:
            changed = changed_since_lock(files, hashes, existing)
            if changed:
                refusals.append(f"{key}: {', '.join(changed)}")
        planned.append((key, lock_path(database), render_lock(files, hashes), len(files)))
    if refusals:
        raise UsageError(
            "locked migrations were edited or removed since they were locked ("
            + "; ".join(refusals)
            + "): production still has the locked version; restore them, or pass --force if production "
            "really matches the files now"
        )
    results = []
    for key, path, text, count in planned:
        differs = _read_optional_text(path) != text
        if differs:
            write_atomically(path, text)
        results.append(LockWrite(key, path, count, differs))
    return results


# `new` notes what it is about to do here, so that a run killed between creating the migration and
# bumping the reservation can be finished by the next one (not `.sql`: wrangler never reads it).
NEW_JOURNAL_NAME = ".grove-schema-new.journal"
NEW_LOCK_SECONDS = 30.0


def create_migration(
    config: ProjectConfig,
    key: str,
    name: str,
    body: str | None = None,
    *,
    notify: Callable[[str], None] | None = None,
) -> Path:
    """`grove-schema new`: create the reserved number's file and bump the reservation.

    One `new` at a time per migrations folder (an exclusive `flock` on the folder); the file is
    created whole and only if its name is free (a hard link of a complete temporary file, which
    fails when the name exists); the bump is journalled first, so that a run killed between the
    two steps is finished by the next one (`notify` is told). `body` replaces the template's
    second line on (`drop --new` writes its migration in the same step)."""
    database = config.database(key)
    directory = database.migrations_dir
    if not directory.is_dir():
        raise UsageError(f"the migrations directory of database {key!r} does not exist: {directory}")
    with _folder_lock(directory):
        repaired = _finish_interrupted_new(directory, database.reservation)
        if repaired is not None and notify is not None:
            notify(repaired)
        survey = survey_database(database, is_default=True, root=config.root)
        if survey.journal is not None:
            raise UsageError(
                f"the migrations of database {key!r} are listed in drizzle-kit's {survey.journal.name}: create "
                "the next one with `drizzle-kit generate`, which writes its journal entry too"
            )
        files = survey.files
        reservation_text = _read_optional_text(database.reservation) if database.reservation is not None else None
        plan = plan_new_migration(
            directory,
            files,
            name,
            reservation_path=database.reservation,
            reservation_text=reservation_text,
            layout=database.layout,
        )
        content = plan.content if body is None else f"{plan.content.splitlines()[0]}\n{body}"
        plan.path.parent.mkdir(parents=True, exist_ok=True)  # a nested layout's new folder
        journal = directory / NEW_JOURNAL_NAME
        bump = plan.reservation_path is not None and plan.reservation_content is not None
        if bump:
            import json

            entry = {
                "migration": plan.path.relative_to(directory).as_posix(),
                "reservation": str(plan.reservation_path),
            }
            write_atomically(journal, json.dumps({**entry, "content": plan.reservation_content}) + "\n")
        try:
            _create_exclusively(plan.path, content)
        except FileExistsError:
            journal.unlink(missing_ok=True)
            raise UsageError(f"{plan.path} already exists") from None
        except BaseException:
            journal.unlink(missing_ok=True)
            raise
        if bump:
            assert plan.reservation_path is not None and plan.reservation_content is not None
            try:
                write_atomically(plan.reservation_path, plan.reservation_content)
            except OSError:
                plan.path.unlink(missing_ok=True)  # all or nothing: a file without its bump is out of sync
                journal.unlink(missing_ok=True)
                raise
            journal.unlink(missing_ok=True)
    return plan.path


@contextlib.contextmanager
def _folder_lock(directory: Path) -> Iterator[None]:
    """An exclusive flock on the migrations folder itself (no lock file to clean up or to commit);
    released when the descriptor closes, so also when the process dies."""
    import fcntl

    descriptor = os.open(directory, os.O_RDONLY)
    try:
        waited_until = time.monotonic() + NEW_LOCK_SECONDS
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > waited_until:
                    raise UsageError(
                        f"another grove-schema new has held {directory} for {NEW_LOCK_SECONDS:g} s; try again"
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(descriptor)


def _create_exclusively(path: Path, text: str) -> None:
    """Create `path` holding `text`, whole (never half a file) and only if no entry has that name."""
    from grove_schema.files import write_atomically as write

    temporary = path.with_name(f".{path.name}.{os.getpid()}.new")
    write(temporary, text)
    try:
        os.link(temporary, path)  # fails with FileExistsError if the name is taken, even by a folder
    finally:
        temporary.unlink(missing_ok=True)


def _finish_interrupted_new(directory: Path, reservation_path: Path | None) -> str | None:
    """Finish (or forget) a `new` that was killed between its two steps; what was done, or None.

    The journal lies in the migrations folder, which a repository carries: it is trusted only to
    name a migration inside that folder and the database's own configured reservation file, never
    another path to write."""
    import json

    journal = directory / NEW_JOURNAL_NAME
    try:
        entry = json.loads(journal.read_text(encoding="utf-8"))
        migration, reservation, content = (str(entry[k]) for k in ("migration", "reservation", "content"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        journal.unlink(missing_ok=True)
        return f"grove-schema: removed the unreadable journal of an interrupted new: {journal}"
    if reservation_path is None or reservation != str(reservation_path):
        journal.unlink(missing_ok=True)
        return f"grove-schema: removed the journal of an interrupted new that names another reservation file: {journal}"
    target = directory / migration
    if ".." in Path(migration).parts or Path(migration).is_absolute() or not target.is_file():
        journal.unlink(missing_ok=True)  # killed before the file existed: nothing happened
        return None
    write_atomically(Path(reservation), content)
    journal.unlink(missing_ok=True)
    number = content.splitlines()[0] if content else "?"
    return (
        f"grove-schema: an earlier new was interrupted after creating {migration}: "
        f"{Path(reservation).name} now holds {number}"
    )


def write_atomically(path: Path, text: str) -> None:
    """Write `text` atomically (see `files.write_atomically`)."""
    from grove_schema.files import write_atomically as write

    write(path, text)


def read_reservations(config: ProjectConfig) -> dict[str, str | None]:
    """Each database's reservation file text (None when it has none, or it is missing)."""
    return {
        key: _read_optional_text(database.reservation) if database.reservation is not None else None
        for key, database in config.databases.items()
    }
