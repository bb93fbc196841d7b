"""ownership.toml: the databases of a D1 monorepo, their streams, and who owns which table.

The file's sections are validated by `config_schema` (pydantic-core); a hook run whose
ownership.toml has not changed since it was last validated takes the validated sections from the
cache instead (`load_config(..., validated=...)`), so that it never imports pydantic-core."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

from grove_schema.discovery import is_within
from grove_schema.errors import ConfigError
from grove_schema.files import read_bounded
from grove_schema.layouts import StreamLayout, layout_for
from grove_schema.records import FrozenRecord

CONFIG_FILE_NAME = "ownership.toml"


@dataclass(frozen=True, eq=False, repr=False)
class DatabaseConfig(FrozenRecord):
    """One `[databases.KEY]` section: a D1 database, its binding, its migrations and its tables."""

    key: str
    name: str
    binding: str | None
    migrations_dir: Path
    reservation: Path | None
    grandfathered_collisions: tuple[int, ...]
    file_pattern: str | None
    tables: tuple[str, ...]
    estimate: int | None
    migrations_pattern: str | None = None  # as configured: relative to the root, under `migrations`
    order: str = "wrangler"
    migrations: str = "migrations"  # as configured, relative to the root
    placeholders: tuple[tuple[str, str], ...] | None = None  # None: the SQL is read as written

    @cached_property
    def layout(self) -> StreamLayout:
        """How this database's stream is laid out: wrangler's, its `file_pattern`, its
        `migrations_pattern`, or its `order`."""
        return layout_for(
            self.file_pattern, migrations_pattern=self.migrations_pattern, order=self.order, migrations=self.migrations
        )


# Folders the code scan never enters, whatever [code] says.
ALWAYS_SKIPPED_FOLDERS = frozenset({"node_modules", ".git", "dist", "build", ".svelte-kit", ".wrangler"})


@dataclass(frozen=True, eq=False, repr=False)
class CodeConfig(FrozenRecord):
    """`[code]`: where the application code lives. Code analysis is on when the section exists."""

    roots: tuple[Path, ...]  # absolute
    exclude: tuple[str, ...] = ()  # globs, matched against paths relative to [project].root


@dataclass(frozen=True, eq=False, repr=False)
class DevDatabaseBudgets(FrozenRecord):
    """`[dev_database]`: the dev database's time budgets, in seconds (docs/dev-database.md)."""

    statement_seconds: float = 2.0
    file_seconds: float = 30.0
    run_seconds: float = 120.0


@dataclass(frozen=True, eq=False, repr=False)
class ProjectConfig(FrozenRecord):
    """ownership.toml, validated: the project's databases, retired names, rules and code roots."""

    path: Path  # the ownership.toml
    root: Path
    default_database: str | None
    databases: dict[str, DatabaseConfig]
    retired_tables: dict[str, str]
    retired_columns: dict[str, str]
    text: str = ""  # the file's text, to locate keys in findings
    rules_ignore: tuple[str, ...] = ()
    rules_severity: dict[str, str] = field(default_factory=dict)
    code: CodeConfig | None = None  # None: no [code] section, no code analysis
    budgets: DevDatabaseBudgets = field(default_factory=DevDatabaseBudgets)  # [dev_database]

    def line_of(self, *dotted_key: str) -> int | None:
        """The line of a key in ownership.toml (`line_of("databases", "curios", "tables")`)."""
        return line_of_key(self.text, dotted_key)

    def database(self, key: str) -> DatabaseConfig:
        try:
            return self.databases[key]
        except KeyError:
            from grove_schema.suggestions import did_you_mean

            known = ", ".join(sorted(self.databases)) or "none"
            hint = did_you_mean(key, self.databases)
            raise ConfigError(f"unknown database {key!r}{hint} (configured: {known})", str(self.path)) from None


def find_config(start: Path) -> Path | None:
    """`ownership.toml` in `start` or the nearest parent."""
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_FILE_NAME
        if candidate.is_file():
            return candidate
    return None


class ValidatedSections(Protocol):
    """Where validated sections are kept between runs, by the file's text (the cache implements
    it); `get` returns None for a text never validated."""

    def get(self, text: str) -> dict[str, Any] | None: ...

    def put(self, text: str, sections: dict[str, Any]) -> None: ...


def load_config(
    path: Path, root_override: Path | None = None, validated: ValidatedSections | None = None
) -> ProjectConfig:
    try:
        text = read_bounded(path).decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(f"cannot read the configuration: not UTF-8 (byte offset {error.start})", str(path)) from None
    except OSError as error:
        raise ConfigError(f"cannot read the configuration: {error.strerror or error}", str(path)) from None
    sections = validated.get(text) if validated is not None else None
    if sections is None:
        sections = validate_sections(text, path)
        config = _resolve(sections, path, text, root_override)  # may refuse: then nothing is kept
        if validated is not None:
            validated.put(text, sections)
        return config
    return _resolve(sections, path, text, root_override)


def validate_sections(text: str, path: Path) -> dict[str, Any]:
    """The file's sections, validated and with every default filled in (plain data)."""
    import tomllib  # only for a text not validated before

    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise ConfigError("malformed TOML: arrays or tables nested too deeply", str(path)) from None
    except tomllib.TOMLDecodeError as error:
        # Python 3.11's error carries the position only in its text: "... (at line 2, column 8)".
        message = str(error)
        where = re.search(r"\(at line (\d+), column (\d+)\)$", message)
        line = int(where.group(1)) if where else None
        if where:
            message = f"{message[: where.start()].rstrip()} (column {where.group(2)})"
        raise ConfigError(f"malformed TOML: {message}", str(path), line) from None
    except ValueError as error:  # e.g. an integer of over 4,300 digits
        raise ConfigError(f"malformed TOML: {error}", str(path)) from None
    depth = _nesting_depth(data)
    if depth > MAX_NESTING:
        raise ConfigError(f"malformed TOML: values nested {depth} deep (at most {MAX_NESTING})", str(path))
    from grove_schema.config_schema import validate

    problem = validate(data)
    if isinstance(problem, dict):
        return problem
    loc, message = problem
    raise ConfigError(f"{'.'.join(loc)}: {message}", str(path), line_of_key(text, loc))


# No ownership.toml nests values deeper than a few levels; the cap keeps validation cheap and bounded.
MAX_NESTING = 32


def _nesting_depth(value: object) -> int:
    """How deeply arrays and tables nest in `value` (iterative: no recursion limit to hit)."""
    deepest = 0
    pending: list[tuple[object, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth + 1)
        if deepest > MAX_NESTING:
            return deepest
        pending.extend((child, depth + 1) for child in children)
    return deepest


def _inside_root(root: Path, value: str, key: tuple[str, ...], path: Path, text: str) -> Path:
    """`root / value`, refused (a configuration error naming the key) when it leaves the project's
    root: `..`, an absolute path elsewhere, or a symbolic link that leads out."""
    target = root / value
    if not is_within(target, root):
        raise ConfigError(
            f"{'.'.join(key)}: {value!r} leaves the project root ({root}); paths in {path.name} must stay inside it",
            str(path),
            line_of_key(text, key),
        )
    return target


def _resolve(sections: dict[str, Any], path: Path, text: str, root_override: Path | None) -> ProjectConfig:
    base = path.parent
    project = sections["project"]
    root = root_override if root_override is not None else (base / project["root"])
    root = Path(os.path.realpath(root))
    default = project["default_database"]
    database_sections: dict[str, dict[str, Any]] = sections["databases"]
    if default is not None and default not in database_sections:
        from grove_schema.suggestions import did_you_mean

        known = ", ".join(sorted(database_sections)) or "none"
        raise ConfigError(
            f"project.default_database names an unknown database {default!r}{did_you_mean(default, database_sections)}"
            f" (configured: {known})",
            str(path),
            line_of_key(text, ("project", "default_database")),
        )
    databases = {}
    for db_key, section in database_sections.items():
        databases[db_key] = DatabaseConfig(
            key=db_key,
            name=section["name"],
            binding=section["binding"],
            migrations_dir=_inside_root(root, section["migrations"], ("databases", db_key, "migrations"), path, text),
            reservation=(
                _inside_root(root, section["reservation"], ("databases", db_key, "reservation"), path, text)
                if section["reservation"]
                else None
            ),
            grandfathered_collisions=tuple(int(n) for n in section["grandfathered_collisions"]),  # validated
            file_pattern=section["file_pattern"],
            tables=tuple(section["tables"]),
            estimate=section["estimate"],
            migrations_pattern=section.get("migrations_pattern"),
            order=section.get("order", "wrangler"),
            migrations=section["migrations"],
            placeholders=(
                tuple(sorted(section["placeholders"].items())) if section.get("placeholders") is not None else None
            ),
        )
    code = sections["code"]
    return ProjectConfig(
        path=path,
        root=root,
        default_database=default,
        databases=databases,
        retired_tables=dict(sections["retired"]["tables"]),
        retired_columns=dict(sections["retired"]["columns"]),
        text=text,
        rules_ignore=tuple(sections["rules"]["ignore"]),
        rules_severity=dict(sections["rules"]["severity"]),
        budgets=DevDatabaseBudgets(**sections["dev_database"]),
        code=(
            CodeConfig(
                roots=tuple(_inside_root(root, r, ("code", "roots"), path, text) for r in code["roots"]),
                exclude=tuple(code["exclude"]),
            )
            if code is not None
            else None
        ),
    )


def line_of_key(text: str, loc: tuple[str, ...]) -> int | None:
    """The line of a TOML key: its `[section]` header, then the key inside it (best effort)."""
    lines = text.splitlines()
    section_start = 0
    found: int | None = None
    if len(loc) >= 2:
        header = re.compile(r"^\s*\[\s*" + r"\s*\.\s*".join(re.escape(p) for p in loc[:2]) + r"\s*\]")
        for number, line in enumerate(lines):
            if header.match(line):
                section_start, found = number, number + 1
                break
    if found is None and loc:
        header = re.compile(r"^\s*\[\s*" + re.escape(loc[0]) + r"\s*\]")
        for number, line in enumerate(lines):
            if header.match(line):
                section_start, found = number, number + 1
                break
    if loc:
        key_re = re.compile(r"^\s*" + re.escape(loc[-1]) + r"\s*=")
        for number in range(section_start, len(lines)):
            if number > section_start and lines[number].lstrip().startswith("["):
                break
            if key_re.match(lines[number]):
                return number + 1
    return found
