"""Replaying SQL text in tests: one helper for every test module that needs it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from grove_schema.discovery import MigrationFile
from grove_schema.findings import Finding
from grove_schema.replay import LintSettings, Replayer, ReplayOptions, StreamReplay
from grove_schema.rules import ALL_RULES, Rule


def replay_files(*files: str, settings: LintSettings | None = None, dev_database: bool = True) -> StreamReplay:
    """Replay `files` as /virtual/001_m.sql, 002_m.sql ..."""
    options = ReplayOptions(lint=settings if settings is not None else LintSettings(), dev_database=dev_database)
    replayer = Replayer("engine", options)
    try:
        for number, text in enumerate(files, start=1):
            name = f"{number:03d}_m.sql"
            replayer.apply_file(MigrationFile(Path(f"/virtual/{name}"), name, number), text)
    finally:
        replayer.close()
    return replayer.result


def lint(
    *files: str,
    rules: tuple[Rule, ...] = ALL_RULES,
    retired_tables: Mapping[str, str] | None = None,
    retired_columns: Mapping[tuple[str, str], str] | None = None,
) -> StreamReplay:
    """Replay `files` with the lint rules on (all of them by default)."""
    settings = LintSettings(rules=rules, retired_tables=retired_tables or {}, retired_columns=retired_columns or {})
    return replay_files(*files, settings=settings)


def found(result: StreamReplay, rule: str) -> list[Finding]:
    """The findings of one rule (by name)."""
    return [f for f in result.findings if f.name == rule]
