"""The code audit's caches: a file's facts keyed by sha256 over its text, its language and the
parser's fingerprint (an unchanged file is never parsed again), and what each SQL text references
(a query that did not change is never parsed again). Each is in memory, and, given a directory,
one JSON file there (read on first use, written by `save`). Any failure to read or write a store
only makes it a miss."""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, Generic, TypeVar

from grove_schema.code.facts import FACTS_VERSION, FileFacts

STORE_NAME = "code-scan.json"


@cache
def fingerprint() -> str:
    """What else can change a file's facts: the facts' shape, grove-schema and the grammars."""
    from importlib import metadata

    from grove_schema import __version__

    versions = [f"facts={FACTS_VERSION}", f"grove-schema={__version__}"]
    for package in ("tree-sitter", "tree-sitter-typescript", "tree-sitter-javascript"):
        try:
            versions.append(f"{package}={metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package}=none")
    return ";".join(versions)


VERDICTS_NAME = "code-sql.json"


@cache
def verdicts_fingerprint() -> str:
    """What can change what a SQL text references: grove-schema's own source and sqlglot."""
    from grove_schema.cache import tool_fingerprint

    return tool_fingerprint()


Entry = TypeVar("Entry")


class _JsonStore(Generic[Entry]):
    """Entries by key in one JSON file of `directory`, valid while its fingerprint holds; `save`
    keeps the entries this object used (the others are stale)."""

    def __init__(
        self,
        directory: Path | None,
        name: str,
        fingerprint: Callable[[], str],
        encode: Callable[[Entry], Any],
        decode: Callable[[Any], Entry],
        notes: list[str] | None = None,
    ) -> None:
        self.directory = directory
        self.notes = notes if notes is not None else []  # a damaged store that was rebuilt
        self._name = name
        self._fingerprint = fingerprint
        self._encode = encode
        self._decode = decode
        self._entries: dict[str, Entry] | None = None
        self._used: set[str] = set()
        self._dirty = False

    def __len__(self) -> int:
        return len(self._load())

    def _get(self, key: str) -> Entry | None:
        entry = self._load().get(key)
        if entry is not None:
            self._used.add(key)
        return entry

    def _put(self, key: str, entry: Entry) -> None:
        self._load()[key] = entry
        self._used.add(key)
        self._dirty = True

    def save(self) -> None:
        """Write the entries this object used to the directory, if any."""
        if self.directory is None:
            return
        entries = self._load()
        if not self._dirty and set(entries) == self._used:
            return
        kept = {key: self._encode(entries[key]) for key in sorted(self._used) if key in entries}
        payload = json.dumps({"fingerprint": self._fingerprint(), "entries": kept}, separators=(",", ":"))
        with contextlib.suppress(OSError):
            from grove_schema.cache import seal
            from grove_schema.files import write_atomically

            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            write_atomically(self.directory / self._name, seal(payload.encode()))
            self._dirty = False

    def _load(self) -> dict[str, Entry]:
        if self._entries is None:
            self._entries = self._read() if self.directory is not None else {}
        return self._entries

    def _read(self) -> dict[str, Entry]:
        assert self.directory is not None
        from grove_schema.cache import read_store

        data = read_store(self.directory / self._name, self.notes)
        try:
            if data is None or data.get("fingerprint") != self._fingerprint():
                return {}  # absent, damaged (noted), or of another version: rebuilt
            return {str(key): self._decode(value) for key, value in data["entries"].items()}
        except (ValueError, KeyError, TypeError, AttributeError, IndexError) as error:
            self.notes.append(f"cache: {self._name} could not be used ({type(error).__name__}); it was rebuilt")
            return {}


class ScanCache(_JsonStore[FileFacts]):
    """Facts by content hash. `hits` and `misses` count the lookups of this object's life."""

    def __init__(self, directory: Path | None = None, notes: list[str] | None = None) -> None:
        super().__init__(directory, STORE_NAME, fingerprint, FileFacts.to_json, FileFacts.from_json, notes)
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(text: str, language: str) -> str:
        digest = hashlib.sha256()
        digest.update(fingerprint().encode())
        digest.update(b"\0" + language.encode() + b"\0")
        digest.update(text.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def get(self, key: str) -> FileFacts | None:
        facts = self._get(key)
        if facts is None:
            self.misses += 1
        else:
            self.hits += 1
        return facts

    def put(self, key: str, facts: FileFacts) -> None:
        self._put(key, facts)


def _verdict_entry(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError("a verdict is an object")
    return dict(value)


class SqlVerdicts(_JsonStore[dict[str, Any]]):
    """What the audit learnt of each SQL text: the tables it reads and writes, and the columns it
    names that a database lacks (keyed by a digest of that database's schema). Call sites repeat
    their queries and a commit changes few of them, so a hook run parses only new SQL."""

    def __init__(self, directory: Path | None = None, notes: list[str] | None = None) -> None:
        super().__init__(directory, VERDICTS_NAME, verdicts_fingerprint, dict, _verdict_entry, notes)

    @staticmethod
    def key(sql: str) -> str:
        return hashlib.sha256(sql.encode("utf-8", "surrogatepass")).hexdigest()

    def tables(self, sql: str) -> tuple[tuple[str, ...], tuple[str, ...], str | None] | None:
        entry = self._get(self.key(sql))
        if entry is None:
            return None
        return tuple(entry["read"]), tuple(entry["written"]), entry["problem"]

    def put_tables(self, sql: str, read: tuple[str, ...], written: tuple[str, ...], problem: str | None) -> None:
        self._put(self.key(sql), {"read": list(read), "written": list(written), "problem": problem, "columns": {}})

    def columns(self, sql: str, schema_digest: str) -> list[tuple[str, str]] | None:
        entry = self._load().get(self.key(sql))
        found = entry["columns"].get(schema_digest) if entry is not None else None
        return [(str(table), str(column)) for table, column in found] if found is not None else None

    def put_columns(self, sql: str, schema_digest: str, unknown: list[tuple[str, str]]) -> None:
        entry = self._load().get(self.key(sql))
        if entry is not None:
            entry["columns"] = {schema_digest: [list(pair) for pair in unknown]}  # the latest schema only
            self._dirty = True
