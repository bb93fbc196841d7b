"""The schema of ownership.toml's sections, validated by pydantic-core.

pydantic-core is pydantic's validation engine: the same validation, errors and messages as
pydantic models with `extra="forbid"`, without pydantic's Python layer, whose import and model
building cost a cold check about a quarter of a second. Imported only to validate a file's text
that has not been validated before (`config.load_config`): a hook run on an unchanged
ownership.toml takes the validated sections from the cache."""

from __future__ import annotations

from typing import Any

from pydantic_core import CoreSchema, SchemaValidator, ValidationError
from pydantic_core import core_schema as cs

from grove_schema.layouts import (
    MAX_NUMBER_DIGITS,
    FilePatternError,
    compile_file_pattern,
    dir_relative_pattern,
    parse_number,
)
from grove_schema.sources import is_placeholder_name


def _field(schema: CoreSchema, **default: Any) -> cs.TypedDictField:
    """A key with its value's schema; with `default=` or `default_factory=`, an optional one."""
    if not default:
        return cs.typed_dict_field(schema)
    return cs.typed_dict_field(cs.with_default_schema(schema, **default), required=False)


def _section(fields: dict[str, cs.TypedDictField]) -> CoreSchema:
    return cs.typed_dict_schema(fields, extra_behavior="forbid")


def _strings() -> CoreSchema:
    return cs.list_schema(cs.str_schema())


def _names_to_strings() -> CoreSchema:
    return cs.dict_schema(cs.str_schema(), cs.str_schema())


def _placeholder_names(value: dict[str, str] | None) -> dict[str, str] | None:
    for name in value or {}:
        if not is_placeholder_name(name):
            raise ValueError(f"{name!r} is not a placeholder name (letters, digits, `_`, `.`, `:` and `-`)")
    return value


def _pattern_has_number(value: str | None) -> str | None:
    if value is None:
        return value
    try:
        compile_file_pattern(value)
    except FilePatternError as error:
        raise ValueError(str(error)) from None
    return value


def _numbers(value: list[str]) -> list[str]:
    for item in value:
        if parse_number(str(item)) is None:
            shown = repr(item) if len(str(item)) <= 40 else f"{str(item)[:20]!r}... ({len(str(item))} characters)"
            raise ValueError(f"{shown} is not a migration number (ASCII digits 0-9, at most {MAX_NUMBER_DIGITS})")
    return value


def _one_layout(database: dict[str, Any]) -> dict[str, Any]:
    pattern = database["migrations_pattern"]
    if pattern is not None:
        if database["file_pattern"] is not None:
            raise ValueError("set file_pattern or migrations_pattern, not both")
        try:
            dir_relative_pattern(pattern, database["migrations"])
        except FilePatternError as error:
            raise ValueError(f"migrations_pattern {pattern!r} {error}") from None
    if database["order"] == "semver" and database["file_pattern"] is not None:
        raise ValueError('order = "semver" reads version folders: use migrations_pattern, not file_pattern')
    return database


def _severities(value: dict[str, str]) -> dict[str, str]:
    for rule, severity in value.items():
        if severity not in ("error", "warning", "info"):
            raise ValueError(f"{rule}: {severity!r} is not error, warning or info")
    return value


def _optional(schema: CoreSchema) -> CoreSchema:
    return cs.nullable_schema(schema)


def _seconds() -> CoreSchema:
    return cs.float_schema(gt=0, le=86_400)


PROJECT = {
    "root": _field(cs.str_schema(), default="."),
    "default_database": _field(_optional(cs.str_schema()), default=None),
}
DATABASE = {
    "name": _field(cs.str_schema()),
    "binding": _field(_optional(cs.str_schema()), default=None),
    "migrations": _field(cs.str_schema()),
    "reservation": _field(_optional(cs.str_schema()), default=None),
    "grandfathered_collisions": _field(cs.no_info_after_validator_function(_numbers, _strings()), default_factory=list),
    "file_pattern": _field(
        cs.no_info_after_validator_function(_pattern_has_number, _optional(cs.str_schema())), default=None
    ),
    # wrangler 4.98's glob, relative to the root, under `migrations`
    "migrations_pattern": _field(_optional(cs.str_schema()), default=None),
    "order": _field(cs.literal_schema(["wrangler", "semver"]), default="wrangler"),
    # Flyway's `${name}`: None reads the SQL as written
    "placeholders": _field(
        cs.no_info_after_validator_function(_placeholder_names, _optional(_names_to_strings())), default=None
    ),
    "tables": _field(_strings(), default_factory=list),
    "estimate": _field(_optional(cs.int_schema()), default=None),
}
RETIRED = {
    "tables": _field(_names_to_strings(), default_factory=dict),
    "columns": _field(_names_to_strings(), default_factory=dict),
}
RULES = {
    "ignore": _field(_strings(), default_factory=list),  # rule codes or names
    # rule -> "error" | "warning" | "info"
    "severity": _field(cs.no_info_after_validator_function(_severities, _names_to_strings()), default_factory=dict),
}
CODE = {
    "roots": _field(_strings(), default_factory=lambda: ["."]),  # relative to [project].root
    "exclude": _field(_strings(), default_factory=list),  # globs of source files to skip
}
# `[dev_database]`: the time budgets of the dev database, in seconds (docs/dev-database.md).
DEV_DATABASE = {
    "statement_seconds": _field(_seconds(), default=2.0),
    "file_seconds": _field(_seconds(), default=30.0),
    "run_seconds": _field(_seconds(), default=120.0),
}


# A section left out is an empty table, validated: its keys' defaults.
_LEFT_OUT = {"default_factory": dict, "validate_default": True}
OWNERSHIP_FILE = {
    "project": _field(_section(PROJECT), **_LEFT_OUT),
    "databases": _field(
        cs.dict_schema(cs.str_schema(), cs.no_info_after_validator_function(_one_layout, _section(DATABASE)))
    ),
    "retired": _field(_section(RETIRED), **_LEFT_OUT),
    "rules": _field(_section(RULES), **_LEFT_OUT),
    "code": _field(_optional(_section(CODE)), default=None),
    "dev_database": _field(_section(DEV_DATABASE), **_LEFT_OUT),
}
_VALIDATOR = SchemaValidator(_section(OWNERSHIP_FILE))


def validate(data: dict[str, Any]) -> dict[str, Any] | tuple[tuple[str, ...], str]:
    """The sections with every default filled in, as plain data; else the first problem's key
    path and message."""
    try:
        sections: dict[str, Any] = _VALIDATOR.validate_python(data)
        return sections
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
_SECTIONS: dict[str, dict[str, cs.TypedDictField]] = {
    "project": PROJECT,
    "retired": RETIRED,
    "rules": RULES,
    "code": CODE,
}


def _keys_at(loc: tuple[str, ...]) -> list[str]:
    """The keys allowed at `loc` (a section's path): top level, a section, or one database."""
    if not loc:
        return list(OWNERSHIP_FILE)
    if len(loc) == 1 and loc[0] in _SECTIONS:
        return list(_SECTIONS[loc[0]])
    if len(loc) == 2 and loc[0] == "databases":
        return list(DATABASE)
    return []


def _nearest_key(loc: tuple[str, ...]) -> str:
    from grove_schema.suggestions import did_you_mean

    return did_you_mean(loc[-1], _keys_at(loc[:-1])) if loc else ""
