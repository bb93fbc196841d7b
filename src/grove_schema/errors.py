"""Errors raised by grove-schema. At the bottom of the import graph: imports nothing of the package."""

from __future__ import annotations


class GroveSchemaError(Exception):
    """Base class of every error grove-schema raises on purpose."""


class ConfigError(GroveSchemaError):
    """The configuration (ownership.toml, paths it names) is unusable: exit code 2."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(f"{where}{message}")
        self.message = message


class UsageError(GroveSchemaError):
    """The command line asks for something that does not exist: exit code 2."""
