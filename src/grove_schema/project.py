"""Replay every configured database of a project: the engine behind `grove-schema check`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from grove_schema.config import DatabaseConfig, ProjectConfig
from grove_schema.discovery import MigrationFile, discover_stream
from grove_schema.errors import ConfigError
from grove_schema.findings import Finding, Severity
from grove_schema.replay import StreamReplay, TextReader, replay_stream
from grove_schema.sources import read_migration


@dataclass
class ProjectReplay:
    config: ProjectConfig
    streams: dict[str, StreamReplay] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    @property
    def file_count(self) -> int:
        return sum(len(s.files) for s in self.streams.values())

    @property
    def statement_count(self) -> int:
        return sum(len(s.statements) for s in self.streams.values())

    def tables_per_database(self) -> dict[str, int]:
        return {key: stream.schema.table_count for key, stream in self.streams.items()}

    def texts(self) -> dict[str, str]:
        merged: dict[str, str] = {}
        for stream in self.streams.values():
            merged.update(stream.texts)
        return merged


def stream_files(database: DatabaseConfig, is_default: bool) -> list[MigrationFile]:
    """The database's stream; a missing directory is an error only for the default database."""
    directory = database.migrations_dir
    if not directory.is_dir():
        if is_default:
            raise ConfigError(
                f"the migrations directory of database {database.key!r} does not exist: {directory}"
            )
        return []
    try:
        return discover_stream(directory, database.file_pattern)
    except OSError as error:
        raise ConfigError(f"cannot list {directory}: {error.strerror or error}") from None


def check_project(
    config: ProjectConfig,
    *,
    databases: list[str] | None = None,
    read: TextReader = read_migration,
    dev_database: bool = True,
    statement_seconds: float = 5.0,
) -> ProjectReplay:
    """Replay the streams of `databases` (all configured ones by default)."""
    keys = databases if databases else sorted(config.databases)
    for key in keys:
        config.database(key)  # unknown keys are a usage error
    outcome = ProjectReplay(config)
    for key in keys:
        database = config.databases[key]
        files = stream_files(database, is_default=(key == config.default_database))
        stream = replay_stream(key, files, read, dev_database=dev_database, statement_seconds=statement_seconds)
        outcome.streams[key] = stream
        outcome.findings.extend(stream.findings)
    outcome.findings.sort(key=Finding.sort_key)
    return outcome


def filter_to_paths(findings: list[Finding], paths: list[Path]) -> list[Finding]:
    """Findings located in `paths`, plus those that belong to no single file."""
    wanted = {str(p.resolve()) for p in paths}
    return [f for f in findings if f.location is None or str(Path(f.location.path).resolve()) in wanted]


def count_by_severity(findings: list[Finding]) -> dict[Severity, int]:
    counts = {severity: 0 for severity in Severity}
    for finding in findings:
        counts[finding.severity] += 1
    return counts
