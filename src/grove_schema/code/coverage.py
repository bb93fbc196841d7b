"""Which files the code scan reads: the source suffixes and config names, the `[code] exclude`
globs, and the folders it never enters. Apart from the scan itself, so that a hook run asks
whether a path is covered without importing the scan."""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from grove_schema.config import ALWAYS_SKIPPED_FOLDERS, CodeConfig
from grove_schema.records import Record

LANGUAGE_OF_SUFFIX = {
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".svelte": "svelte",
}
WRANGLER_CONFIG_NAMES = ("wrangler.json", "wrangler.jsonc", "wrangler.toml")
SVELTE_CONFIG_NAMES = ("svelte.config.js", "svelte.config.mjs", "svelte.config.ts")
TSCONFIG_NAMES = ("tsconfig.json", "jsconfig.json")


def suffix(path: Path) -> str:
    return path.suffix.lower()


class Excluder:
    """The `[code] exclude` globs, matched against paths relative to the project root (`**/x`
    also matches `x` at the top, `dir/**` also `dir` itself), compiled once."""

    def __init__(self, patterns: tuple[str, ...], project_root: Path) -> None:
        self.project_root = project_root
        variants: set[str] = set()
        for pattern in patterns:
            cleaned = pattern.strip().rstrip("/")
            if cleaned.startswith("./"):
                cleaned = cleaned[2:]
            variants.add(cleaned)
            if cleaned.startswith("**/"):
                variants.add(cleaned[3:])
            if cleaned.endswith("/**"):
                variants.add(cleaned[:-3])
        self.expressions = [re.compile(fnmatch.translate(variant)) for variant in sorted(variants)]

    def _relative(self, path: Path) -> PurePosixPath | None:
        try:
            return PurePosixPath(path.relative_to(self.project_root).as_posix())
        except ValueError:
            return None

    def matches(self, path: Path) -> bool:
        """`path` itself matches a glob."""
        if not self.expressions:
            return False
        relative = self._relative(path)
        text = relative.as_posix() if relative is not None else None
        return text is not None and any(expression.match(text) for expression in self.expressions)

    def covers(self, path: Path) -> bool:
        """`path` or a folder above it matches a glob."""
        relative = self._relative(path)
        if not self.expressions or relative is None:
            return False
        candidates = [relative.as_posix(), *(parent.as_posix() for parent in relative.parents if parent.parts)]
        return any(expression.match(candidate) for expression in self.expressions for candidate in candidates)


def scanned_source(config: CodeConfig, project_root: Path, path: Path) -> bool:
    """Whether the scan reads `path` as a source file or a config (wrangler, tsconfig/jsconfig,
    svelte.config.js): below a root, in no skipped or excluded folder, not itself excluded."""
    name = path.name
    source = suffix(path) in LANGUAGE_OF_SUFFIX and not name.endswith(".d.ts")
    if not (source or name in WRANGLER_CONFIG_NAMES or name in SVELTE_CONFIG_NAMES or name in TSCONFIG_NAMES):
        return False
    excluded = Excluder(config.exclude, project_root)
    real = Path(os.path.realpath(path))
    for root in config.roots:
        base = Path(os.path.realpath(root))
        if real != base and base not in real.parents:
            continue
        candidate = root / real.relative_to(base)
        if any(folder in ALWAYS_SKIPPED_FOLDERS for folder in real.parent.relative_to(base).parts):
            continue
        if not excluded.covers(candidate.parent) and not (source and excluded.matches(candidate)):
            return True
    return False


def holds_scanned_source(config: CodeConfig, project_root: Path, folder: Path) -> bool:
    """Whether the scan reads a file at or below `folder` (a folder above a root holds the root's)."""
    real = Path(os.path.realpath(folder))
    for root in config.roots:
        base = Path(os.path.realpath(root))
        start = base if real == base or real in base.parents else real if base in real.parents else None
        if start is None:
            continue
        for here, dirnames, filenames in os.walk(start):
            dirnames[:] = sorted(name for name in dirnames if name not in ALWAYS_SKIPPED_FOLDERS)
            if any(scanned_source(config, project_root, Path(here) / name) for name in filenames):
                return True
    return False


@dataclass(eq=False, repr=False)
class CodeTree(Record):
    """The files the scan reads under the `[code]` roots."""

    sources: list[Path] = field(default_factory=list)
    wrangler: list[Path] = field(default_factory=list)
    svelte_configs: list[Path] = field(default_factory=list)
    tsconfigs: list[Path] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.sources or self.wrangler or self.svelte_configs or self.tsconfigs)


def walk_code_roots(config: CodeConfig, project_root: Path) -> CodeTree:
    """Walk the roots once: sources sorted by path, configs in walk order."""
    tree = CodeTree()
    seen: set[Path] = set()
    excluded = Excluder(config.exclude, project_root)
    for root in config.roots:
        if excluded.covers(root):
            continue
        for folder, dirnames, filenames in os.walk(root):
            here = Path(folder)
            # A folder that matches is pruned here, so below it only the names themselves are matched.
            dirnames[:] = sorted(
                name for name in dirnames if name not in ALWAYS_SKIPPED_FOLDERS and not excluded.matches(here / name)
            )
            for name in sorted(filenames):
                path = here / name
                if path in seen:
                    continue
                seen.add(path)
                if name in WRANGLER_CONFIG_NAMES:
                    tree.wrangler.append(path)
                elif name in SVELTE_CONFIG_NAMES:
                    tree.svelte_configs.append(path)
                elif name in TSCONFIG_NAMES:
                    tree.tsconfigs.append(path)
                source = suffix(path) in LANGUAGE_OF_SUFFIX and not name.endswith(".d.ts")
                if source and not excluded.matches(path):
                    tree.sources.append(path)
    tree.sources.sort()
    return tree
