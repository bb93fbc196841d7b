"""Wrangler configs (`wrangler.toml`, `wrangler.json`, `wrangler.jsonc`) to their D1 bindings.

TOML is read with tomllib and JSON/JSONC with json5 (comments and trailing commas). Neither parser
reports where a value was written, so after parsing, the line of each entry is found by locating
its `binding` key in the text (locating a key, not parsing); line 1 when it cannot be found."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from grove_schema.code.coverage import WRANGLER_CONFIG_NAMES
from grove_schema.code.sites import D1Binding, SourcePosition, SourceProblem, WranglerConfig

# In a folder with more than one, wrangler reads the first of these.
CONFIG_NAMES = WRANGLER_CONFIG_NAMES
_FIELDS = ("database_name", "database_id", "migrations_dir", "migrations_table")


def governing_files(paths: Iterable[Path]) -> list[Path]:
    """One config per folder, the one wrangler reads (JSON before TOML), sorted by path."""
    chosen: dict[Path, Path] = {}
    for path in paths:
        current = chosen.get(path.parent)
        if current is None or CONFIG_NAMES.index(path.name) < CONFIG_NAMES.index(current.name):
            chosen[path.parent] = path
    return sorted(chosen.values())


def read_config(path: Path) -> tuple[WranglerConfig, list[SourceProblem]]:
    """The config at `path`; a file that cannot be read or parsed gives no bindings and a problem."""
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return WranglerConfig(path, ()), [_problem(path, 1, 1, f"cannot read the wrangler config: {error}")]
    return parse_config(path, text)


def parse_config(path: Path, text: str) -> tuple[WranglerConfig, list[SourceProblem]]:
    if path.suffix == ".toml":
        return _parse_toml(path, text)
    return _parse_json(path, text)


def _problem(path: Path, line: int, column: int, message: str) -> SourceProblem:
    return SourceProblem(
        SourcePosition(str(path), line, column),
        message,
        "correct the wrangler config (wrangler cannot read it either), or list it in [code] exclude",
    )


# -- TOML ----------------------------------------------------------------------------------------


def _parse_toml(path: Path, text: str) -> tuple[WranglerConfig, list[SourceProblem]]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        where = re.search(r"\(at line (\d+), column (\d+)\)$", message)  # the error's own text
        line, column = (int(where.group(1)), int(where.group(2))) if where else (1, 1)
        if where:
            message = message[: where.start()].rstrip()
        return WranglerConfig(path, ()), [_problem(path, line, column, f"malformed wrangler config: {message}")]
    lines = _toml_binding_lines(text)
    return _bindings(path, data, lambda env, binding: lines.get((env, binding), []), per_environment=True)


def _toml_binding_lines(text: str) -> dict[tuple[str | None, str], list[int]]:
    """(environment, binding) -> the lines its `binding = "..."` keys are written on, in order."""
    found: dict[tuple[str | None, str], list[int]] = {}
    environment: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("["):
            inside = line.split("#")[0].strip().strip("[]").strip()
            header = [part.strip().strip("\"'") for part in inside.split(".")]
            environment = header[1] if len(header) >= 2 and header[0] == "env" else None
            continue
        for value in _binding_values(line):
            found.setdefault((environment, value), []).append(number)
    return found


def _binding_values(line: str) -> Iterator[str]:
    """The values of `binding = "X"` (or `"binding": "X"`) keys written on one line."""
    rest = line
    while True:
        at = rest.find("binding")
        if at < 0:
            return
        before = rest[at - 1] if at > 0 else " "
        after = rest[at + len("binding") :].lstrip("\"' \t")
        rest = rest[at + len("binding") :]
        if before.isalnum() or before == "_":
            continue
        if not after or after[0] not in "=:":
            continue
        value = after[1:].lstrip()
        if value[:1] in ("'", '"'):
            quote = value[0]
            end = value.find(quote, 1)
            if end > 0:
                yield value[1:end]


# -- JSON ----------------------------------------------------------------------------------------


def _parse_json(path: Path, text: str) -> tuple[WranglerConfig, list[SourceProblem]]:
    import json5

    try:
        data = json5.loads(text)
    except ValueError as error:
        message = str(error)
        line, column = 1, 1
        where = re.match(r"<string>:(\d+) (.*) at column (\d+)$", message)  # json5's own message
        if where:
            line, column, message = int(where.group(1)), int(where.group(3)), where.group(2)
        return WranglerConfig(path, ()), [_problem(path, line, column, f"malformed wrangler config: {message}")]
    occurrences: dict[str, list[int]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        for value in _binding_values(raw):
            occurrences.setdefault(value, []).append(number)
    return _bindings(path, data, lambda env, binding: occurrences.get(binding, []), per_environment=False)


# -- both ----------------------------------------------------------------------------------------


def _bindings(
    path: Path, data: Any, lines_of: Callable[[str | None, str], list[int]], *, per_environment: bool
) -> tuple[WranglerConfig, list[SourceProblem]]:
    """The entries in the order they are written (the parsers keep it), each on the next line
    its binding's key was found on."""
    problems: list[SourceProblem] = []
    if not isinstance(data, dict):
        return WranglerConfig(path, ()), [_problem(path, 1, 1, "the wrangler config is not a table/object")]
    bindings: list[D1Binding] = []
    used: dict[tuple[str | None, str], int] = {}

    def take(environment: str | None, entries: Any) -> None:
        if entries is None:
            return
        where = "d1_databases" if environment is None else f"env.{environment}.d1_databases"
        if not isinstance(entries, list):
            problems.append(_problem(path, 1, 1, f"{where} is not a list"))
            return
        for entry in entries:
            binding = entry.get("binding") if isinstance(entry, dict) else None
            if not isinstance(binding, str) or not binding:
                problems.append(_problem(path, 1, 1, f"an entry of {where} has no `binding`"))
                continue
            lines = lines_of(environment, binding)
            counter = (environment if per_environment else None, binding)
            seen = used.get(counter, 0)
            used[counter] = seen + 1
            line = lines[seen] if seen < len(lines) else (lines[0] if lines else 1)
            name, identifier, directory, table = (_text(entry.get(key)) for key in _FIELDS)
            position = SourcePosition(str(path), line, 1)
            bindings.append(D1Binding(binding, name, identifier, directory, table, environment, position))

    for key, value in data.items():
        if key == "d1_databases":
            take(None, value)
        elif key == "env" and isinstance(value, dict):
            for name, section in value.items():
                if isinstance(section, dict):
                    take(str(name), section.get("d1_databases"))
    return WranglerConfig(path, tuple(bindings)), problems


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
