"""config_schema's pydantic-core schema accepts, fills in and refuses what pydantic models of the
same sections do (the models below are the reference: the schema was first written as them)."""

from __future__ import annotations

from typing import Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from grove_schema import config_schema
from grove_schema.config_schema import validate


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

    # The checks a key's value passes are the schema's own functions: what is compared here is
    # which keys there are, their types and defaults, and the errors' kinds, places and words.
    _placeholder_names = field_validator("placeholders")(staticmethod(config_schema._placeholder_names))
    _pattern_has_number = field_validator("file_pattern")(staticmethod(config_schema._pattern_has_number))
    _numbers = field_validator("grandfathered_collisions")(staticmethod(config_schema._numbers))

    @model_validator(mode="after")
    def _one_layout(self) -> DatabaseSection:
        config_schema._one_layout(dict(vars(self)))
        return self


class RetiredSection(_Section):
    tables: dict[str, str] = Field(default_factory=dict)
    columns: dict[str, str] = Field(default_factory=dict)


class RulesSection(_Section):
    ignore: list[str] = Field(default_factory=list)  # rule codes or names
    severity: dict[str, str] = Field(default_factory=dict)  # rule -> "error" | "warning" | "info"

    _severities = field_validator("severity")(staticmethod(config_schema._severities))


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


def reference(data: dict[str, Any]) -> dict[str, Any] | list[tuple[str, tuple[str, ...], str]]:
    try:
        return OwnershipFile.model_validate(data).model_dump(mode="json")
    except ValidationError as error:
        return [(e["type"], tuple(str(p) for p in e["loc"]), e["msg"]) for e in error.errors()]


def core(data: dict[str, Any]) -> dict[str, Any] | list[tuple[str, tuple[str, ...], str]]:
    from pydantic_core import ValidationError as CoreError

    try:
        return dict(config_schema._VALIDATOR.validate_python(data))
    except CoreError as error:
        return [(e["type"], tuple(str(p) for p in e["loc"]), e["msg"]) for e in error.errors()]


DB = {"name": "grove-engine-db", "migrations": "libs/engine/migrations"}
CASES: list[dict[str, Any]] = [
    {"databases": {"engine": DB}},
    {
        "project": {"root": "examples/grove", "default_database": "engine"},
        "databases": {
            "engine": {
                **DB,
                "binding": "DB",
                "reservation": "libs/engine/migrations/NEXT_MIGRATION_NUMBER.txt",
                "grandfathered_collisions": ["031", "032"],
                "estimate": 62,
                "tables": ["a_*"],
            },
            "curios": {"name": "c", "migrations": "m/c", "file_pattern": "{number}_{name}.sql", "estimate": 3.0},
            "pantry": {"name": "p", "migrations": "m/p", "migrations_pattern": "*/migration.sql", "order": "semver"},
            "flyway": {"name": "f", "migrations": "m/f", "placeholders": {"schema": "main", "a.b-c:d": "x"}},
        },
        "retired": {"tables": {"old": "gone in 040"}, "columns": {"t.c": "unused"}},
        "rules": {"ignore": ["GS101"], "severity": {"GS102": "info"}},
        "code": {"roots": ["apps", "workers"], "exclude": ["**/*.test.ts"]},
        "dev_database": {"statement_seconds": 5, "file_seconds": 60.5, "run_seconds": 86_400},
    },
    {"databases": {"engine": DB}, "code": {}},
    {"databases": {}},
    {},  # no databases
    {"databases": {"engine": {"name": "e"}}},  # migrations missing
    {"databases": {"engine": {**DB, "migration": "x"}}},  # a mistyped key
    {"databases": {"engine": DB}, "projet": {}},
    {"databases": {"engine": DB}, "project": 3},
    {"databases": {"engine": DB}, "project": {"root": 3}},
    {"databases": {"engine": {**DB, "name": 7}}},
    {"databases": {"engine": {**DB, "estimate": "many"}}},
    {"databases": {"engine": {**DB, "estimate": 2.5}}},
    {"databases": {"engine": {**DB, "order": "alphabetical"}}},
    {"databases": {"engine": {**DB, "grandfathered_collisions": ["031", "x1"]}}},
    {"databases": {"engine": {**DB, "grandfathered_collisions": "031"}}},
    {"databases": {"engine": {**DB, "file_pattern": "no-number.sql"}}},
    {"databases": {"engine": {**DB, "file_pattern": "{number}.sql", "migrations_pattern": "*/m.sql"}}},
    {"databases": {"engine": {**DB, "migrations_pattern": "/abs/*.sql"}}},
    {"databases": {"engine": {**DB, "order": "semver", "file_pattern": "{number}.sql"}}},
    {"databases": {"engine": {**DB, "placeholders": {"bad name": "x"}}}},
    {"databases": {"engine": {**DB, "placeholders": {"a": 1}}}},
    {"databases": {"engine": DB}, "rules": {"severity": {"GS101": "fatal"}}},
    {"databases": {"engine": DB}, "rules": {"ignore": "GS101"}},
    {"databases": {"engine": DB}, "retired": {"tables": ["old"]}},
    {"databases": {"engine": DB}, "code": {"roots": "apps"}},
    {"databases": {"engine": DB}, "dev_database": {"statement_seconds": 0}},
    {"databases": {"engine": DB}, "dev_database": {"file_seconds": 86_401}},
    {"databases": {"engine": DB}, "dev_database": {"run_seconds": "long"}},
    {"databases": {"engine": DB}, "dev_database": {"budget": 1}},
    {"databases": {"engine": DB, "curios": "x"}},
    {"databases": ["engine"]},
]


@pytest.mark.parametrize("data", CASES, ids=[str(i) for i in range(len(CASES))])
def test_the_core_schema_validates_as_the_pydantic_models_do(data: dict[str, Any]) -> None:
    expected, got = reference(data), core(data)
    if isinstance(expected, list) and isinstance(got, list):
        # Only the wording for a section that is not a table differs: pydantic names its model class.
        expected = [
            ("dict_type", loc, "Input should be a valid dictionary") if kind == "model_type" else (kind, loc, msg)
            for kind, loc, msg in expected
        ]
    assert got == expected


def test_a_mistyped_key_is_named_with_the_key_meant() -> None:
    assert validate({"databases": {"engine": {**DB, "reservaton": "x"}}}) == (
        ("databases", "engine", "reservaton"),
        "unknown key; did you mean 'reservation'?",
    )
