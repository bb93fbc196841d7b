"""ownership.toml: the databases of a D1 monorepo, their streams, and who owns which table."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from grove_schema.errors import ConfigError
from grove_schema.layouts import StreamLayout, layout_for

CONFIG_FILE_NAME = "ownership.toml"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProjectSection(_Section):
    root: str = "."
    default_database: str | None = None


class DatabaseSection(_Section):
    name: str
    binding: str | None = None
    migrations: str
    reservation: str | None = None
    grandfathered_collisions: list[str] = Field(default_factory=list)
    file_pattern: str | None = None
    tables: list[str] = Field(default_factory=list)
    estimate: int | None = None

    @field_validator("file_pattern")
    @classmethod
    def _pattern_has_number(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            compiled = re.compile(value)
        except re.error as error:
            raise ValueError(f"not a valid regular expression: {error}") from None
        if "number" not in compiled.groupindex:
            raise ValueError("needs a named group `(?P<number>...)`")
        return value

    @field_validator("grandfathered_collisions")
    @classmethod
    def _numbers(cls, value: list[str]) -> list[str]:
        for item in value:
            if not str(item).isdigit():
                raise ValueError(f"{item!r} is not a migration number")
        return value


class RetiredSection(_Section):
    tables: dict[str, str] = Field(default_factory=dict)
    columns: dict[str, str] = Field(default_factory=dict)


class RulesSection(_Section):
    ignore: list[str] = Field(default_factory=list)  # rule codes or names
    severity: dict[str, str] = Field(default_factory=dict)  # rule -> "error" | "warning" | "info"

    @field_validator("severity")
    @classmethod
    def _severities(cls, value: dict[str, str]) -> dict[str, str]:
        for rule, severity in value.items():
            if severity not in ("error", "warning", "info"):
                raise ValueError(f"{rule}: {severity!r} is not error, warning or info")
        return value


class CodeSection(_Section):
    roots: list[str] = Field(default_factory=lambda: ["."])  # relative to [project].root
    exclude: list[str] = Field(default_factory=list)  # globs of source files to skip


class DevDatabaseSection(_Section):
    """`[dev_database]`: the time budgets of the dev database, in seconds (docs/dev-database.md)."""

    statement_seconds: float = Field(default=2.0, gt=0, le=86_400)
    file_seconds: float = Field(default=30.0, gt=0, le=86_400)
    run_seconds: float = Field(default=120.0, gt=0, le=86_400)


class OwnershipFile(_Section):
    project: ProjectSection = Field(default_factory=ProjectSection)
    dev_database: DevDatabaseSection = Field(default_factory=DevDatabaseSection)
    databases: dict[str, DatabaseSection]
    retired: RetiredSection = Field(default_factory=RetiredSection)
    rules: RulesSection = Field(default_factory=RulesSection)
    code: CodeSection | None = None


@dataclass(frozen=True)
class DatabaseConfig:
    key: str
    name: str
    binding: str | None
    migrations_dir: Path
    reservation: Path | None
    grandfathered_collisions: tuple[int, ...]
    file_pattern: str | None
    tables: tuple[str, ...]
    estimate: int | None

    @property
    def layout(self) -> StreamLayout:
        """How this database's stream is laid out: wrangler's, or its `file_pattern`."""
        return layout_for(self.file_pattern)


# Folders the code scan never enters, whatever [code] says.
ALWAYS_SKIPPED_FOLDERS = frozenset({"node_modules", ".git", "dist", "build", ".svelte-kit", ".wrangler"})


@dataclass(frozen=True)
class CodeConfig:
    """`[code]`: where the application code lives. Code analysis is on when the section exists."""

    roots: tuple[Path, ...]  # absolute
    exclude: tuple[str, ...] = ()  # globs, matched against paths relative to [project].root


@dataclass(frozen=True)
class ProjectConfig:
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
    budgets: DevDatabaseSection = field(default_factory=DevDatabaseSection)  # [dev_database]

    def line_of(self, *dotted_key: str) -> int | None:
        """The line of a key in ownership.toml (`line_of("databases", "curios", "tables")`)."""
        return line_of_key(self.text, dotted_key)

    def database(self, key: str) -> DatabaseConfig:
        try:
            return self.databases[key]
        except KeyError:
            known = ", ".join(sorted(self.databases)) or "none"
            raise ConfigError(f"unknown database {key!r} (configured: {known})", str(self.path)) from None


def find_config(start: Path) -> Path | None:
    """`ownership.toml` in `start` or the nearest parent."""
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_FILE_NAME
        if candidate.is_file():
            return candidate
    return None


def load_config(path: Path, root_override: Path | None = None) -> ProjectConfig:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read the configuration: {error}", str(path)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        # Python 3.11's error carries the position only in its text: "... (at line 2, column 8)".
        message = str(error)
        where = re.search(r"\(at line (\d+), column (\d+)\)$", message)
        line = int(where.group(1)) if where else None
        if where:
            message = f"{message[: where.start()].rstrip()} (column {where.group(2)})"
        raise ConfigError(f"malformed TOML: {message}", str(path), line) from None
    try:
        parsed = OwnershipFile.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        loc = tuple(str(part) for part in first["loc"])
        dotted = ".".join(loc)
        line = line_of_key(text, loc)
        raise ConfigError(f"{dotted}: {first['msg']}", str(path), line) from None
    return _resolve(parsed, path, text, root_override)


def _resolve(parsed: OwnershipFile, path: Path, text: str, root_override: Path | None) -> ProjectConfig:
    base = path.parent
    root = root_override if root_override is not None else (base / parsed.project.root)
    root = root.resolve()
    default = parsed.project.default_database
    if default is not None and default not in parsed.databases:
        known = ", ".join(sorted(parsed.databases)) or "none"
        raise ConfigError(
            f"project.default_database names an unknown database {default!r} (configured: {known})",
            str(path),
            line_of_key(text, ("project", "default_database")),
        )
    databases = {}
    for db_key, section in parsed.databases.items():
        databases[db_key] = DatabaseConfig(
            key=db_key,
            name=section.name,
            binding=section.binding,
            migrations_dir=root / section.migrations,
            reservation=(root / section.reservation) if section.reservation else None,
            grandfathered_collisions=tuple(int(n) for n in section.grandfathered_collisions),
            file_pattern=section.file_pattern,
            tables=tuple(section.tables),
            estimate=section.estimate,
        )
    return ProjectConfig(
        path=path,
        root=root,
        default_database=default,
        databases=databases,
        retired_tables=dict(parsed.retired.tables),
        retired_columns=dict(parsed.retired.columns),
        text=text,
        rules_ignore=tuple(parsed.rules.ignore),
        rules_severity=dict(parsed.rules.severity),
        budgets=parsed.dev_database,
        code=(
            CodeConfig(roots=tuple(root / r for r in parsed.code.roots), exclude=tuple(parsed.code.exclude))
            if parsed.code is not None
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
