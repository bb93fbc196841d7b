"""What the scan of the code finds, as plain values: wrangler configs and their D1 bindings, and
D1 call sites with the binding that reaches each and the SQL it runs. The scan (`code.scan`) fills
these; the audit (`code.audit`) judges them against the schema; neither needs the other's code."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, order=True)
class SourcePosition:
    """`path:line:col`, 1-based; columns count characters."""

    path: str
    line: int
    column: int


@dataclass(frozen=True)
class D1Binding:
    """One `[[d1_databases]]` entry of a wrangler config."""

    binding: str
    database_name: str | None
    database_id: str | None
    migrations_dir: str | None
    migrations_table: str | None
    environment: str | None  # None: top level; else the NAME of `[env.NAME]`
    position: SourcePosition  # where the entry is written (line 1 when the reader cannot tell)


@dataclass(frozen=True)
class WranglerConfig:
    """A `wrangler.toml`, `wrangler.json` or `wrangler.jsonc`: it governs the source files in its
    folder and below, down to the next config."""

    path: Path
    bindings: tuple[D1Binding, ...]

    @property
    def directory(self) -> Path:
        return self.path.parent

    def declares(self, binding: str) -> bool:
        """True when some environment (or the top level) declares D1 binding `binding`."""
        return any(entry.binding == binding for entry in self.bindings)

    def database_of(self, binding: str) -> str | None:
        """The `database_name` that `binding` reaches (the top level's first, then any environment's)."""
        entries = sorted(
            (entry for entry in self.bindings if entry.binding == binding),
            key=lambda entry: (entry.environment is not None, entry.environment or ""),
        )
        return next((entry.database_name for entry in entries if entry.database_name), None)


class CallMethod(enum.Enum):
    PREPARE = "prepare"
    EXEC = "exec"
    BATCH = "batch"


@dataclass(frozen=True)
class BindingUse:
    """How a call site's receiver reaches a binding: the `env.B` expression, written at `position`
    (the place to edit when the table moves), and the path it took to the query (for the message)."""

    binding: str
    position: SourcePosition  # the `env.B` (or `{ B } = env`) expression
    via: tuple[str, ...] = ()  # e.g. ("argument 1 of loadCurioStatus (src/lib/curios.ts:12)",)


@dataclass(frozen=True)
class CallSite:
    """One `X.prepare(sql)`, `X.exec(sql)` or one statement of `X.batch([...])`.

    `sql` is the static SQL text, each `${...}` of a template literal replaced by `?`; None when it
    is not static. `bindings` lists every binding that can reach `X` (a helper called from several
    routes can see several); empty when none could be resolved. `unresolved` says what could not be
    followed (the receiver or the SQL); a site is never dropped for being unresolved."""

    position: SourcePosition  # the call (`.prepare`), where the query is written
    method: CallMethod
    sql: str | None
    sql_position: SourcePosition | None  # where the SQL literal starts
    bindings: tuple[BindingUse, ...] = ()
    unresolved: str | None = None  # why the binding or the SQL is unknown; None when both are known
    function: str | None = None  # the enclosing function's name, for messages


@dataclass(frozen=True)
class SourceProblem:
    """A source file the scan could not read or parse (reported, never fatal)."""

    position: SourcePosition
    message: str  # what fails
    fix: str = "correct the file, or list it in [code] exclude if grove-schema should not read it"


@dataclass
class CodeScan:
    """Everything the scan found under the `[code]` roots."""

    configs: list[WranglerConfig] = field(default_factory=list)
    call_sites: list[CallSite] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)  # every source file scanned
    problems: list[SourceProblem] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)  # path -> source text, for reporters and suppressions
    # path -> (line, column, text) of each comment that holds "grove-schema:" (a suppression), markers kept
    directive_comments: dict[str, tuple[tuple[int, int, str], ...]] = field(default_factory=dict)
    _directory_index: tuple[tuple[int, ...], dict[Path, WranglerConfig]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def config_for(self, path: Path) -> WranglerConfig | None:
        """The wrangler config that governs `path`: the nearest one in its folder or above."""
        by_directory = self._configs_by_directory()
        for folder in (path, *path.parents):
            config = by_directory.get(folder)
            if config is not None:
                return config
        return None

    def _configs_by_directory(self) -> dict[Path, WranglerConfig]:
        # Rebuilt when the list changes; the first config of a folder wins (the scan keeps one per folder).
        key = tuple(id(config) for config in self.configs)
        if self._directory_index is None or self._directory_index[0] != key:
            index: dict[Path, WranglerConfig] = {}
            for config in self.configs:
                index.setdefault(config.directory, config)
            self._directory_index = (key, index)
        return self._directory_index[1]


def relative_path(path: str, root: Path) -> str:
    """`path` relative to the project root, as messages and plans name files (the same wherever
    the command runs); unchanged when it is not below the root."""
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return path


def compact_places(places: Iterable[tuple[str, int | str]]) -> str:
    """`a.ts:3,9, b.ts:1` for (a.ts, 3), (a.ts, 9), (b.ts, 1): lines grouped by file, in order."""
    lines: dict[str, list[str]] = {}
    for path, line in places:
        lines.setdefault(path, []).append(str(line))
    return ", ".join(f"{path}:{','.join(numbers)}" for path, numbers in lines.items())
