"""Which scanned file an import names: relative paths, SvelteKit's `$lib` and `kit.alias`
(from `svelte.config.js`, read with tree-sitter), and `compilerOptions.paths` of
`tsconfig.json`/`jsconfig.json` (JSONC)."""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_EXTENSIONS = (".ts", ".tsx", ".js", ".mjs", ".cjs", ".svelte.ts", ".svelte.js")
_INDEXES = ("index.ts", "index.tsx", "index.js", "index.mjs")


@dataclass(frozen=True)
class AliasTable:
    """Import aliases of one project folder: (pattern, targets), targets relative to `directory`."""

    directory: Path
    entries: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def expand(self, specifier: str) -> list[str]:
        """The paths (below `directory`) `specifier` can mean, most specific alias first."""
        found: list[tuple[int, list[str]]] = []
        for pattern, targets in self.entries:
            if pattern.endswith("*"):
                prefix = pattern[:-1]
                if specifier.startswith(prefix):
                    rest = specifier[len(prefix) :]
                    found.append((len(prefix), [target.replace("*", rest) for target in targets]))
            elif specifier == pattern:
                found.append((len(pattern) + 1, [target.rstrip("/*") for target in targets]))
            elif specifier.startswith(pattern + "/") and "*" not in pattern:
                rest = specifier[len(pattern) :]
                found.append((len(pattern), [target.rstrip("/*") + rest for target in targets]))
        found.sort(key=lambda item: -item[0])
        return [target for _, targets in found for target in targets]


def read_svelte_config(directory: Path, text: str) -> AliasTable:
    """`$lib` (`kit.files.lib`, by default `src/lib`) and the `kit.alias` entries written as
    string literals in `svelte.config.js`."""
    from grove_schema.code.javascript import parse_tree

    tree, source = parse_tree(text, "javascript")
    lib = "src/lib"
    aliases: list[tuple[str, tuple[str, ...]]] = []

    def string_of(node: Any) -> str | None:
        if node.type != "string":
            return None
        return "".join(
            source[c.start_byte : c.end_byte].decode("utf-8", "replace")
            for c in node.children
            if c.type == "string_fragment"
        )

    def key_of(pair: Any) -> str:
        key = pair.child_by_field_name("key")
        if key is None:
            return ""
        return string_of(key) or source[key.start_byte : key.end_byte].decode("utf-8", "replace")

    def pairs(obj: Any) -> list[Any]:
        return [child for child in obj.named_children if child.type == "pair"]

    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "pair" and key_of(node) == "kit":
            value = node.child_by_field_name("value")
            if value is not None and value.type == "object":
                for item in pairs(value):
                    inner = item.child_by_field_name("value")
                    if inner is None or inner.type != "object":
                        continue
                    if key_of(item) == "alias":
                        for entry in pairs(inner):
                            target = entry.child_by_field_name("value")
                            text_value = string_of(target) if target is not None else None
                            if text_value is not None:
                                aliases.append((key_of(entry), (text_value,)))
                    elif key_of(item) == "files":
                        for entry in pairs(inner):
                            target = entry.child_by_field_name("value")
                            if key_of(entry) == "lib" and target is not None and string_of(target):
                                lib = string_of(target) or lib
            continue
        stack.extend(node.named_children)
    return AliasTable(directory, (("$lib", (lib,)), *aliases))


def read_tsconfig(directory: Path, text: str) -> AliasTable:
    """`compilerOptions.paths`, relative to `compilerOptions.baseUrl` (or the config's folder).
    Raises ValueError when the JSONC is malformed."""
    import json5

    data = json5.loads(text)
    options = data.get("compilerOptions") if isinstance(data, dict) else None
    if not isinstance(options, dict):
        return AliasTable(directory)
    base = options.get("baseUrl")
    base_dir = Path(os.path.normpath(directory / base)) if isinstance(base, str) else directory
    paths = options.get("paths")
    entries: list[tuple[str, tuple[str, ...]]] = []
    if isinstance(paths, dict):
        for pattern, targets in paths.items():
            if isinstance(targets, list):
                entries.append((str(pattern), tuple(str(t) for t in targets if isinstance(t, str))))
    return AliasTable(base_dir, tuple(entries))


@dataclass
class ModuleResolver:
    """Resolves an import of a scanned file to another scanned file (no disk access)."""

    files: Collection[Path]
    svelte_configs: Mapping[Path, AliasTable] = field(default_factory=dict)  # folder -> aliases
    tsconfigs: Mapping[Path, AliasTable] = field(default_factory=dict)
    _nearest: dict[tuple[int, Path], AliasTable | None] = field(default_factory=dict)

    def resolve(self, importer: Path, specifier: str) -> Path | None:
        if specifier.startswith(("./", "../")) or specifier in (".", ".."):
            return self._file(Path(os.path.normpath(importer.parent / specifier)))
        for kind, tables in ((0, self.svelte_configs), (1, self.tsconfigs)):
            table = self._nearest_table(kind, tables, importer.parent)
            if table is None:
                continue
            for target in table.expand(specifier):
                found = self._file(Path(os.path.normpath(table.directory / target)))
                if found is not None:
                    return found
        return None

    def _nearest_table(self, kind: int, tables: Mapping[Path, AliasTable], folder: Path) -> AliasTable | None:
        key = (kind, folder)
        if key not in self._nearest:
            table = tables.get(folder)
            if table is None and folder.parent != folder:
                table = self._nearest_table(kind, tables, folder.parent)
            self._nearest[key] = table
        return self._nearest[key]

    def _file(self, base: Path) -> Path | None:
        if base in self.files:
            return base
        text = str(base)
        for extension in _EXTENSIONS:
            candidate = Path(text + extension)
            if candidate in self.files:
                return candidate
        for script in (".js", ".mjs", ".cjs", ".jsx"):
            if text.endswith(script):  # TypeScript's ESM imports name the compiled file
                stem = text[: -len(script)]
                for extension in (".ts", ".tsx", ".mts", ".cts"):
                    if Path(stem + extension) in self.files:
                        return Path(stem + extension)
        for index in _INDEXES:
            if base / index in self.files:
                return base / index
        return None
