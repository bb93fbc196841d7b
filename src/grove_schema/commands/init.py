"""`grove-schema init [DIR]`: an `ownership.toml` for an existing repository, from its wrangler
configs: one database for each `[[d1_databases]]` entry with a `migrations_dir`, named and bound as
wrangler says; the default database is the one whose stream builds the most tables. It never
overwrites a map, and it prints what it found."""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from grove_schema.commands import EXIT_CLEAN
from grove_schema.errors import UsageError
from grove_schema.findings import plural

if TYPE_CHECKING:
    from grove_schema.code.sites import D1Binding

RESERVATION_NAME = "NEXT_MIGRATION_NUMBER.txt"


@dataclass(frozen=True)
class FoundDatabase:
    """One database init writes: from the wrangler config that first declares its migrations."""

    key: str
    name: str
    binding: str
    migrations: str  # relative to the repository, POSIX separators
    declared_in: str  # the wrangler config, relative to the repository
    reservation: str | None  # the reservation file, when one exists beside the migrations


def run(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    from grove_schema.config import CONFIG_FILE_NAME, validate_sections
    from grove_schema.files import write_atomically

    root = Path(args.directory)
    if not root.is_dir():
        raise UsageError(f"not a directory: {root}")
    root = Path(os.path.realpath(root))
    target = root / CONFIG_FILE_NAME
    if target.exists() or target.is_symlink():
        raise UsageError(f"{target} already exists: init never overwrites a map (edit it, or move it away first)")
    configs = wrangler_configs(root)
    found, unmanaged, notes = databases_from(root, configs)
    for note in notes:
        err.write(f"grove-schema: {note}\n")
    if not found:
        raise UsageError(
            f"no wrangler config below {root} declares a [[d1_databases]] entry with a migrations_dir "
            f"(looked at {len(configs)} configs): write {CONFIG_FILE_NAME} by hand (docs/configuration.md)"
        )
    tables = _table_counts(root, found)
    default = max(found, key=lambda db: (tables.get(db.key, 0), -found.index(db))).key
    code_roots = sorted({_top_folder(root, path) for path in configs})
    text = render_ownership(found, default, code_roots)
    validate_sections(text, target)  # what init writes, load_config reads
    try:
        write_atomically(target, text)
    except OSError as error:
        raise UsageError(f"cannot write {target}: {error.strerror or error}") from None
    out.write(
        f"found {plural(len(configs), 'wrangler config')}, {plural(len(found), 'D1 database')} with migrations:\n"
    )
    for db in found:
        mark = " (default: the most tables)" if db.key == default else ""
        out.write(
            f"  {db.key}: {db.name}, binding {db.binding}, {db.migrations} ({_stream(root, db, tables)}), "
            f"from {db.declared_in}{mark}\n"
        )
    for binding in unmanaged:
        out.write(
            f"  not written: {binding.database_name or '(no database_name)'} (binding {binding.binding}) has no "
            "migrations_dir; add it by hand with the stream it will have\n"
        )
    out.write(f"code roots: {', '.join(code_roots)}\n")
    out.write(f"wrote {target.name}: review the map (docs/configuration.md), then run grove-schema check\n")
    return EXIT_CLEAN


def _stream(root: Path, db: FoundDatabase, tables: dict[str, int]) -> str:
    if not (root / db.migrations).is_dir():
        return "no such directory yet"
    return plural(tables.get(db.key, 0), "table")


def wrangler_configs(root: Path) -> list[Path]:
    """The wrangler config wrangler reads in each folder below `root`, skipping the folders the code
    scan never enters (node_modules, .git, ...)."""
    from grove_schema.code.wrangler import CONFIG_NAMES, governing_files
    from grove_schema.config import ALWAYS_SKIPPED_FOLDERS

    candidates: list[Path] = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(name for name in subfolders if name not in ALWAYS_SKIPPED_FOLDERS)
        candidates.extend(Path(folder) / name for name in names if name in CONFIG_NAMES)
    return governing_files(candidates)


def databases_from(root: Path, configs: list[Path]) -> tuple[list[FoundDatabase], list[D1Binding], list[str]]:
    """The databases with a migrations_dir (one per directory, first config by path wins), the
    bound databases without one, and notes on what was skipped."""
    from grove_schema.code.wrangler import read_config
    from grove_schema.discovery import is_within

    with_migrations: list[tuple[D1Binding, Path, Path]] = []  # binding, its config, its migrations directory
    without: dict[str, D1Binding] = {}
    notes: list[str] = []
    for path in configs:
        config, problems = read_config(path)
        notes.extend(f"{p.position.path}:{p.position.line}: {p.message} (skipped)" for p in problems)
        for binding in config.bindings:
            if binding.environment is not None:
                continue  # [env.NAME] entries are other copies of a database, with the same stream
            if binding.migrations_dir is None:
                without.setdefault(binding.database_name or binding.binding, binding)
                continue
            directory = Path(os.path.realpath(path.parent / binding.migrations_dir))
            if not is_within(directory, root):
                notes.append(f"{path}: {binding.binding}'s migrations_dir leaves {root} (skipped)")
                continue
            with_migrations.append((binding, path, directory))
    chosen: dict[Path, tuple[D1Binding, Path]] = {}
    for binding, path, directory in with_migrations:
        chosen.setdefault(directory, (binding, path))
    managed = {binding.database_name for binding, _path in chosen.values()}
    names = [b.database_name or b.binding for b, _p in chosen.values()] + list(without)
    keys = database_keys(names)
    found: list[FoundDatabase] = []
    taken: set[str] = set()
    for directory, (binding, path) in sorted(chosen.items(), key=lambda item: str(item[1][1])):
        name = binding.database_name or binding.binding
        key = _unique(keys[name], taken)
        reservation = directory / RESERVATION_NAME
        found.append(
            FoundDatabase(
                key=key,
                name=name,
                binding=binding.binding,
                migrations=directory.relative_to(root).as_posix() or ".",
                declared_in=path.relative_to(root).as_posix(),
                reservation=reservation.relative_to(root).as_posix() if reservation.is_file() else None,
            )
        )
    unmanaged = [b for name, b in sorted(without.items()) if b.database_name not in managed]
    return found, unmanaged, notes


def database_keys(names: list[str]) -> dict[str, str]:
    """A short key for each database name: without a `-db` ending and the leading word every name
    shares (grove-engine-db, grove-curios-db: engine, curios), in snake_case."""
    stems = {name: _strip_suffix(name) for name in names}
    words = [stem.replace("_", "-").split("-") for stem in stems.values()]
    shared = 0
    if len(set(stems.values())) > 1:
        while all(len(w) > shared + 1 for w in words) and len({w[shared] for w in words}) == 1:
            shared += 1
    keys = {}
    for name, stem in stems.items():
        parts = stem.replace("_", "-").split("-")[shared:]
        keys[name] = _snake("_".join(parts)) or "database"
    return keys


def _strip_suffix(name: str) -> str:
    lowered = name.lower()
    for suffix in ("-db", "_db", "-database", "_database"):
        if lowered.endswith(suffix) and len(lowered) > len(suffix):
            return lowered[: -len(suffix)]
    return lowered


def _snake(text: str) -> str:
    cleaned = "".join(c if (c.isascii() and c.isalnum()) else "_" for c in text.lower())
    return "_".join(part for part in cleaned.split("_") if part)


def _unique(key: str, taken: set[str]) -> str:
    candidate, n = key, 2
    while candidate in taken:
        candidate, n = f"{key}_{n}", n + 1
    taken.add(candidate)
    return candidate


def _top_folder(root: Path, config: Path) -> str:
    parts = config.parent.relative_to(root).parts
    return parts[0] if parts else "."


def _table_counts(root: Path, found: list[FoundDatabase]) -> dict[str, int]:
    """How many tables each database's stream builds (a replay of each, as check does); a
    migrations directory not created yet builds none."""
    from grove_schema.config import DatabaseConfig, ProjectConfig
    from grove_schema.project import check_project

    found = [db for db in found if (root / db.migrations).is_dir()]
    if not found:
        return {}
    databases = {
        db.key: DatabaseConfig(
            key=db.key,
            name=db.name,
            binding=db.binding,
            migrations_dir=root / db.migrations,
            reservation=None,
            grandfathered_collisions=(),
            file_pattern=None,
            tables=(),
            estimate=None,
        )
        for db in found
    }
    config = ProjectConfig(
        path=root / "ownership.toml",
        root=root,
        default_database=found[0].key,
        databases=databases,
        retired_tables={},
        retired_columns={},
    )
    return check_project(config).tables_per_database()


def _string(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value, ensure_ascii=False)


def render_ownership(found: list[FoundDatabase], default: str, code_roots: list[str]) -> str:
    lines = [
        "# Written by `grove-schema init` from the wrangler configs' [[d1_databases]] entries.",
        "# Paths are relative to [project].root, itself relative to this file. See docs/configuration.md:",
        "# add each database's `tables` (the ones it will own), `[retired]`, `[rules]`.",
        "",
        "[project]",
        'root = "."',
        f"default_database = {_string(default)}    # its stream builds the most tables",
    ]
    for db in found:
        lines += [
            "",
            f"[databases.{db.key}]    # from {db.declared_in}",
            f"name = {_string(db.name)}",
            f"binding = {_string(db.binding)}",
            f"migrations = {_string(db.migrations)}",
        ]
        if db.reservation is not None:
            lines.append(f"reservation = {_string(db.reservation)}")
    lines += [
        "",
        "# The application code: which code reaches which table through which binding (docs/code.md).",
        "[code]",
        f"roots = [{', '.join(_string(r) for r in code_roots)}]",
    ]
    return "\n".join(lines) + "\n"
