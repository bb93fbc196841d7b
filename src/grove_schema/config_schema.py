"""The schema of ownership.toml's sections, validated by pydantic.

Imported only to validate a file's text that has not been validated before (`config.load_config`):
a hook run on an unchanged ownership.toml takes the validated sections from the cache."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from grove_schema.layouts import (
    MAX_NUMBER_DIGITS,
    FilePatternError,
    compile_file_pattern,
    dir_relative_pattern,
    parse_number,
)
from grove_schema.sources import is_placeholder_name


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
    migrations_pattern: str | None = None  # wrangler 4.98's glob, relative to the root, under `migrations`
    order: Literal["wrangler", "semver"] = "wrangler"
    placeholders: dict[str, str] | None = None  # Flyway's `${name}`: None reads the SQL as written
    tables: list[str] = Field(default_factory=list)
    estimate: int | None = None

    @field_validator("placeholders")
    @classmethod
    def _placeholder_names(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        for name in value or {}:
            if not is_placeholder_name(name):
                raise ValueError(f"{name!r} is not a placeholder name (letters, digits, `_`, `.`, `:` and `-`)")
        return value

    @model_validator(mode="after")
    def _one_layout(self) -> DatabaseSection:
        if self.migrations_pattern is not None:
            if self.file_pattern is not None:
                raise ValueError("set file_pattern or migrations_pattern, not both")
            try:
                dir_relative_pattern(self.migrations_pattern, self.migrations)
            except FilePatternError as error:
                raise ValueError(f"migrations_pattern {self.migrations_pattern!r} {error}") from None
        if self.order == "semver" and self.file_pattern is not None:
            raise ValueError('order = "semver" reads version folders: use migrations_pattern, not file_pattern')
        return self

    @field_validator("file_pattern")
    @classmethod
    def _pattern_has_number(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            compile_file_pattern(value)
        except FilePatternError as error:
            raise ValueError(str(error)) from None
        return value

    @field_validator("grandfathered_collisions")
    @classmethod
    def _numbers(cls, value: list[str]) -> list[str]:
        for item in value:
            if parse_number(str(item)) is None:
                shown = repr(item) if len(str(item)) <= 40 else f"{str(item)[:20]!r}... ({len(str(item))} characters)"
                raise ValueError(f"{shown} is not a migration number (ASCII digits 0-9, at most {MAX_NUMBER_DIGITS})")
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
    databases: dict[str, DatabaseSection]
    retired: RetiredSection = Field(default_factory=RetiredSection)
    rules: RulesSection = Field(default_factory=RulesSection)
    code: CodeSection | None = None
    dev_database: DevDatabaseSection = Field(default_factory=DevDatabaseSection)


def validate(data: dict[str, Any]) -> dict[str, Any] | tuple[tuple[str, ...], str]:
    """The sections with every default filled in, as plain data; else the first problem's key
    path and message."""
    try:
        return OwnershipFile.model_validate(data).model_dump(mode="json")
    except ValidationError as error:
        problems = error.errors()
        # A mistyped key (`reservaton`, `migration`) is the problem to name, with the key meant:
        # the "Field required" that a mistyped required key also causes says less.
        for problem in problems:
            if problem["type"] == "extra_forbidden":
                loc = tuple(str(part) for part in problem["loc"])
                hint = _nearest_key(loc)
                if hint:
                    return loc, f"unknown key{hint}"
        first = problems[0]
        loc = tuple(str(part) for part in first["loc"])
        message = str(first["msg"])
        if first["type"] == "extra_forbidden":
            known = ", ".join(sorted(_keys_at(loc[:-1])))
            message = f"unknown key (the keys here: {known})" if known else "unknown key"
        return loc, message


# The sections whose keys the user names (a database's table is one level down).
_SECTIONS: dict[str, type[BaseModel]] = {
    "project": ProjectSection,
    "retired": RetiredSection,
    "rules": RulesSection,
    "code": CodeSection,
}


def _keys_at(loc: tuple[str, ...]) -> list[str]:
    """The keys allowed at `loc` (a section's path): top level, a section, or one database."""
    if not loc:
        return list(OwnershipFile.model_fields)
    if len(loc) == 1 and loc[0] in _SECTIONS:
        return list(_SECTIONS[loc[0]].model_fields)
    if len(loc) == 2 and loc[0] == "databases":
        return list(DatabaseSection.model_fields)
    return []


def _nearest_key(loc: tuple[str, ...]) -> str:
    from grove_schema.suggestions import did_you_mean

    return did_you_mean(loc[-1], _keys_at(loc[:-1])) if loc else ""
