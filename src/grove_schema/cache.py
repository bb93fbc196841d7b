"""A content-hash cache for `check` in a commit hook: an unchanged replay is never redone.

A hook runs `check` on every commit that touches a migration, and each run replays the whole
stream. Two caches make that cheap; both are keyed by sha256 over everything that can change the
result, plus the tool's fingerprint (grove-schema's version and the hash of its own source files,
the installed versions of sqlglot, apsw (and so SQLite), pydantic and networkx, and Python's), so a
hit gives exactly what the run would have given, and an upgrade or an edit of the code is a miss.

- The report (`report/`, JSON): the findings, counts and notes of a whole `check`, keyed by the
  options, the configuration, every entry below each migrations directory (names, kinds, file
  contents: the stream, its lock, stray `.sql` files) and the reservation file, and with `[code]`
  the content of every source file and config below the code roots (hashed once per stat:
  `source-hashes.json`). A hit skips the replay, the ownership check, the code audit and the
  imports they need. The key is computed again after a miss and the report is stored only if
  nothing changed while the check ran.
- The replay of a stream's prefix (`replay/`, pickle): `Replayer.snapshot()` (schema model,
  statements, findings, the dev database's pages) after the first k files, keyed by the chain of
  those files' paths and content hashes and the replay options. After a miss the state is kept
  before and after the last file, so a new or edited last migration replays only itself. After a
  file that may set connection state the pages do not hold (any PRAGMA, total_changes()) the
  replayer gives no snapshot: nothing after it is stored.
- With `[code]`, the code scan's per-file facts (`scan/code-scan.json`) and what each SQL text
  references (`scan/code-sql.json`), so a hook after an edit parses only the edited file's code
  and its new SQL.

Where: `$GROVE_SCHEMA_CACHE_DIR`, else `grove-schema/cache` inside the git directory of the
repository that holds ownership.toml (never in the working tree: a pickle from a cloned repository
must never be loaded). Any failure to read or write the cache only makes it a miss.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import pickle
import secrets
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grove_schema import __version__
from grove_schema.findings import Finding, Location, RuleInfo, Severity

if TYPE_CHECKING:
    from grove_schema.config import ProjectConfig
    from grove_schema.layouts import MigrationFile, StreamLayout
    from grove_schema.project import ProjectReplay
    from grove_schema.replay import Replayer, ReplayOptions, ReplaySnapshot, StreamReplay, TextReader

CACHE_DIR_ENV = "GROVE_SCHEMA_CACHE_DIR"
CACHE_FORMAT = 3  # bump when what is stored changes shape
KEEP = {"report": 64, "replay": 12}  # entries kept per kind, most recently used first
_DEPENDENCIES = ("sqlglot", "apsw", "pydantic", "pydantic_core", "networkx")


# --- where, and the tool's fingerprint ----------------------------------------------------------


def cache_directory(config: ProjectConfig) -> Path | None:
    """`$GROVE_SCHEMA_CACHE_DIR`, else `<git dir>/grove-schema/cache` for the repository holding the
    configuration; None (no cache) outside a git repository."""
    configured = os.environ.get(CACHE_DIR_ENV)
    if configured:
        return Path(configured)
    git_dir = find_git_dir(config.path.resolve().parent)
    return git_dir / "grove-schema" / "cache" if git_dir is not None else None


def user_cache_directory() -> Path:
    """`$XDG_CACHE_HOME/grove-schema` (default ~/.cache/grove-schema): for `check --cache` outside git."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "grove-schema"


def find_git_dir(start: Path) -> Path | None:
    """The `.git` directory of the repository containing `start` (a worktree's `.git` file is
    followed), found without running git."""
    for folder in (start, *start.parents):
        candidate = folder / ".git"
        if candidate.is_dir():
            return candidate
        if candidate.is_file():
            try:
                line = candidate.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError):
                return None
            if line.startswith("gitdir:"):
                target = Path(line[len("gitdir:") :].strip())
                return target if target.is_absolute() else (folder / target).resolve()
            return None
    return None


@functools.lru_cache(maxsize=1)
def tool_fingerprint() -> str:
    """grove-schema's version and source, the dependencies' installed versions, Python's version."""
    digest = hashlib.sha256(f"grove-schema {__version__} cache {CACHE_FORMAT} {sys.version}".encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for name in _DEPENDENCIES:
        digest.update(f"\0{name}={_installed(name)}".encode())
    return digest.hexdigest()


def _installed(name: str) -> str:
    """The distribution's `.dist-info` folder name (it holds the version), found without importing
    the package (importing sqlglot alone costs more than a cached check)."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return "absent"
    if spec is None or spec.origin is None:
        return "absent"
    origin = Path(spec.origin)
    site = origin.parent.parent if spec.submodule_search_locations else origin.parent
    wanted = _normalized(name)
    try:
        infos = sorted(
            entry
            for entry in os.listdir(site)
            if entry.endswith(".dist-info") and _normalized(entry[: -len(".dist-info")].rsplit("-", 1)[0]) == wanted
        )
    except OSError:
        infos = []
    if infos:
        return ",".join(infos)
    stat = origin.stat()
    return f"{origin}:{stat.st_size}:{stat.st_mtime_ns}"


def _normalized(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")


# --- the store ----------------------------------------------------------------------------------


class CheckCache:
    """Entries are files named by their key; written atomically, pruned to the most recently used."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, kind: str, key: str) -> Path:
        return self.directory / kind / key

    def read(self, kind: str, key: str) -> bytes | None:
        path = self._path(kind, key)
        try:
            data = path.read_bytes()
            os.utime(path)  # most recently used
        except OSError:
            return None
        return data

    def has(self, kind: str, key: str) -> bool:
        return self._path(kind, key).is_file()

    def write(self, kind: str, key: str, data: bytes) -> None:
        folder = self.directory / kind
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tag = self.directory / "CACHEDIR.TAG"
            if not tag.exists():
                tag.write_text(
                    "Signature: 8a477f597d28d172789f06886806bc55\n# grove-schema's cache: safe to delete.\n",
                    encoding="utf-8",
                )
            temporary = folder / f".{key}.{secrets.token_hex(4)}.tmp"
            temporary.write_bytes(data)
            os.replace(temporary, folder / key)
            self._prune(folder, KEEP[kind])
        except OSError:
            return  # a cache that cannot be written is only a slower run

    @staticmethod
    def _prune(folder: Path, keep: int) -> None:
        entries = []
        for entry in os.scandir(folder):
            if entry.name.startswith("."):
                continue
            try:
                entries.append((entry.stat().st_mtime_ns, entry.path))
            except OSError:
                continue
        for _mtime, stale in sorted(entries, reverse=True)[keep:]:
            with contextlib.suppress(OSError):
                os.unlink(stale)


# --- the report ---------------------------------------------------------------------------------


@dataclass
class CachedReport:
    """A `check` answered from the cache: what the reporters read of a ProjectReplay."""

    findings: list[Finding]
    notes: list[str]
    file_count: int
    statement_count: int
    tables: dict[str, int]
    file_texts: dict[str, str]

    def tables_per_database(self) -> dict[str, int]:
        return dict(self.tables)

    def texts(self) -> dict[str, str]:
        """The migrations' texts, and those of the other files findings stand in (source files: read
        only now, as only the terminal reporter quotes them)."""
        texts = dict(self.file_texts)
        for finding in self.findings:
            path = finding.location.path if finding.location is not None else None
            if path is not None and path not in texts:
                with contextlib.suppress(OSError, UnicodeDecodeError):
                    texts[path] = Path(path).read_text(encoding="utf-8")
        return texts


@dataclass(frozen=True)
class ReportInputs:
    key: str
    texts: dict[str, str]  # path -> decoded text, for the terminal reporter


def report_inputs(
    config: ProjectConfig,
    databases: Sequence[str] | None,
    history: bool,
    ignore: Sequence[str],
    hashes: SourceHashes | None = None,
) -> ReportInputs | None:
    """The key of a whole `check`, or None when the check is bound to fail (then it runs, and says why).

    It hashes a superset of what `project.check_project` reads, without depending on how it reads:
    the options, the configuration (path, root, text), and for each database checked, every entry
    below its migrations directory (names, kinds, symlink targets, the content of every file: the
    stream, its lock, stray `.sql` files) and the reservation file. So it needs none of the replay's
    modules: a hit imports little more than the configuration and the reporters."""
    from grove_schema.sources import decode_migration

    digest = hashlib.sha256()

    def add(*parts: object) -> None:
        for part in parts:
            data = part if isinstance(part, bytes) else repr(part).encode()
            digest.update(len(data).to_bytes(8, "big") + data)

    add("report", tool_fingerprint(), os.getcwd(), list(databases or []), history, list(ignore))
    add(str(config.path), str(config.path.resolve()), str(config.root), config.text)
    keys = list(databases) if databases else sorted(config.databases)
    if any(key not in config.databases for key in keys):
        return None
    texts: dict[str, str] = {}
    for key in keys:
        database = config.databases[key]
        add("database", key, str(database.migrations_dir))
        _add_tree(database.migrations_dir, add, texts, decode_migration, database.layout)
        add(_optional_bytes(database.reservation) if database.reservation is not None else "no reservation")
    if config.code is not None and not databases:  # the code is audited only when every database is
        add("code", [str(root) for root in config.code.roots], list(config.code.exclude))
        memo = hashes if hashes is not None else SourceHashes()
        for root in config.code.roots:
            _add_code_tree(root, add, memo)
    return ReportInputs(digest.hexdigest(), texts)


# What the code audit may read: sources, wrangler configs, tsconfig/jsconfig, svelte.config.js.
_CODE_SUFFIXES = (".ts", ".tsx", ".js", ".mjs", ".cjs", ".svelte", ".json", ".jsonc", ".toml")


def _add_code_tree(folder: Path, add: Callable[..., None], hashes: SourceHashes) -> None:
    """Key every file the code scan could read below `folder` (a superset: excludes are not
    applied) by name and content hash; `hashes` spares reading a file whose size and mtime have
    not changed since it was last hashed (a monorepo has thousands)."""
    from grove_schema.config import ALWAYS_SKIPPED_FOLDERS

    listing: list[tuple[object, ...]] = []
    pending = [str(folder)]
    while pending:  # depth first, names sorted: the same tree gives the same listing
        current = pending.pop()
        try:
            entries = sorted(os.scandir(current), key=lambda entry: entry.name)
        except OSError as error:
            listing.append(("unlistable", current, type(error).__name__))
            continue
        listing.append(("dir", current))
        folders = []
        for entry in entries:
            if entry.is_symlink():
                continue  # the scan does not follow links either
            if entry.is_dir():
                if entry.name not in ALWAYS_SKIPPED_FOLDERS:
                    folders.append(entry.path)
            elif entry.name.endswith(_CODE_SUFFIXES) and entry.is_file():
                digest = hashes.digest(entry)
                listing.append((entry.name, digest) if digest is not None else ("unreadable", entry.name))
        pending.extend(reversed(folders))
    add("code tree", str(folder), listing)


# A file modified this recently is hashed again next time: an edit within the file system's
# timestamp granularity could leave its size and mtime as they were (git's "racy" case).
_RACY_SECONDS = 2.0
HASHES_NAME = "source-hashes.json"


class SourceHashes:
    """Content hashes of source files by (path, size, mtime, inode), kept between hook runs in one
    JSON file of the cache directory; a file whose stat changed, or changed just before it was
    hashed, is read again. Any failure to read or write it only means reading the files."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self._known: dict[str, list[Any]] = self._read() if directory is not None else {}
        self._seen: dict[str, list[Any]] = {}
        self._recent = time.time() - _RACY_SECONDS

    def digest(self, entry: os.DirEntry[str]) -> str | None:
        try:
            info = entry.stat()
        except OSError:
            return None
        stat = [info.st_size, info.st_mtime_ns, info.st_ino]
        known = self._known.get(entry.path)
        if known is not None and known[:3] == stat:
            self._seen[entry.path] = known
            return str(known[3])
        try:
            digest = hashlib.sha256(Path(entry.path).read_bytes()).hexdigest()
        except OSError:
            return None
        if info.st_mtime < self._recent:  # settled: its stat will show the next edit
            self._seen[entry.path] = [*stat, digest]
        return digest

    def save(self) -> None:
        if self.directory is None or self._seen == self._known:
            return
        payload = json.dumps({"fingerprint": CACHE_FORMAT, "files": self._seen}, separators=(",", ":"))
        with contextlib.suppress(OSError):
            from grove_schema.files import write_atomically

            self.directory.mkdir(parents=True, exist_ok=True)
            write_atomically(self.directory / HASHES_NAME, payload)

    def _read(self) -> dict[str, list[Any]]:
        assert self.directory is not None
        try:
            data = json.loads((self.directory / HASHES_NAME).read_text(encoding="utf-8"))
            if data.get("fingerprint") != CACHE_FORMAT:
                return {}
            return {str(path): list(value) for path, value in data["files"].items() if len(value) == 4}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}


def _add_tree(
    folder: Path,
    add: Callable[..., None],
    texts: dict[str, str],
    decode: Callable[[bytes, str], str | Finding],
    layout: StreamLayout,
) -> None:
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as error:
        add("unlistable", str(folder), type(error).__name__)
        return
    for entry in entries:
        if entry.is_symlink():
            try:
                add("link", entry.name, os.readlink(entry.path))
            except OSError as error:
                add("link", entry.name, type(error).__name__)
        elif entry.is_dir():
            add("dir", entry.name)
            _add_tree(Path(entry.path), add, texts, decode, layout)
            add("end", entry.name)
        elif entry.is_file():
            try:
                data = Path(entry.path).read_bytes()
            except OSError as error:
                add("unreadable", entry.name, str(error))
                continue
            add("file", entry.name, hashlib.sha256(data).digest())
            if layout.looks_like_migration(entry.name):
                text = decode(data, entry.path)
                if isinstance(text, str):
                    texts[entry.path] = text
        else:
            add("other", entry.name)


def _optional_bytes(path: Path) -> bytes | str:
    try:
        return b"file" + path.read_bytes()
    except FileNotFoundError:
        return "missing"
    except OSError as error:
        return f"unreadable: {error}"


def _rule_info(code: str, name: str, severity: int, summary: str, doc: str) -> RuleInfo:
    """The registered RuleInfo of a non-rule code when it is the same (so identity holds), else an
    equal copy: resolving a lint rule's would import every rule, which a cache hit must not."""
    from grove_schema.registry import find_code

    copy = RuleInfo(code, name, Severity(severity), summary, doc)
    registered = find_code(code)
    return registered if registered == copy and registered is not None else copy


def encode_report(outcome: ProjectReplay) -> bytes:
    """The report as JSON: each rule once (its doc is long), each finding by its rule's index."""
    rules: dict[RuleInfo, int] = {}
    findings = []
    for finding in outcome.findings:
        rule, location = finding.rule, finding.location
        findings.append(
            [
                rules.setdefault(rule, len(rules)),
                finding.message,
                [location.path, location.line, location.column] if location is not None else None,
                int(finding.severity),
            ]
        )
    document = {
        "rules": [[r.code, r.name, int(r.severity), r.summary, r.doc] for r in rules],
        "findings": findings,
        "notes": list(outcome.notes),
        "files": outcome.file_count,
        "statements": outcome.statement_count,
        "tables": outcome.tables_per_database(),
    }
    return json.dumps(document, separators=(",", ":")).encode()


def decode_report(data: bytes, texts: dict[str, str]) -> CachedReport:
    document = json.loads(data)
    rules = [_rule_info(*rule) for rule in document["rules"]]
    findings = []
    for rule, message, location, severity in document["findings"]:
        findings.append(
            Finding(
                rule=rules[rule],
                message=message,
                location=Location(*location) if location is not None else None,
                severity=Severity(severity),
            )
        )
    return CachedReport(
        findings=findings,
        notes=list(document["notes"]),
        file_count=int(document["files"]),
        statement_count=int(document["statements"]),
        tables={str(k): int(v) for k, v in document["tables"].items()},
        file_texts=texts,
    )


def cached_check(
    config: ProjectConfig,
    cache: CheckCache | None,
    *,
    databases: list[str] | None = None,
    history: bool = False,
    ignore: Sequence[str] = (),
) -> ProjectReplay | CachedReport:
    """`check_project` through the cache (or straight, when `cache` is None)."""
    hashes = SourceHashes(cache.directory) if cache is not None and config.code is not None else None
    before = report_inputs(config, databases, history, ignore, hashes) if cache is not None else None
    if hashes is not None:
        hashes.save()
    if cache is not None and before is not None:
        stored = cache.read("report", before.key)
        if stored is not None:
            try:
                return decode_report(stored, before.texts)
            except (ValueError, KeyError, TypeError, IndexError):
                pass  # a damaged entry is a miss
    from grove_schema.project import check_project

    if cache is None:
        return check_project(config, databases=databases, history=history, ignore=ignore)
    from grove_schema.code.scan import ScanCache

    outcome = check_project(
        config,
        databases=databases,
        history=history,
        ignore=ignore,
        replay=functools.partial(replay_cached, cache),
        code_cache=ScanCache(cache.directory / "scan") if config.code is not None else None,
    )
    after = report_inputs(config, databases, history, ignore, hashes)
    if hashes is not None:
        hashes.save()
    if before is not None and after is not None and after.key == before.key:  # nothing changed meanwhile
        cache.write("report", before.key, encode_report(outcome))
    return outcome


# --- the replay of a stream's prefix ------------------------------------------------------------


def _options_key(database: str, options: ReplayOptions) -> bytes:
    lint = options.lint
    rules = [(r.code, type(r).__module__, type(r).__qualname__) for r in lint.rules]
    retired = (sorted(lint.retired_tables.items()), sorted(lint.retired_columns.items()))
    settings = ("replay", tool_fingerprint(), database, options.dev_database, options.statement_seconds, rules, retired)
    return hashlib.sha256(repr(settings).encode()).digest()


def prefix_keys(seed: bytes, files: Sequence[MigrationFile], texts: Sequence[str | Finding]) -> list[str]:
    """keys[k]: the replay after the first k files (keys[0]: nothing replayed)."""
    keys = [hashlib.sha256(seed).hexdigest()]
    chain = seed
    for migration, text in zip(files, texts, strict=True):
        content = (
            b"text" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
            if isinstance(text, str)
            else b"finding" + repr((text.code, text.message, text.location)).encode()
        )
        head = repr((str(migration.path), migration.name, migration.number)).encode()
        chain = hashlib.sha256(chain + head + content).digest()
        keys.append(chain.hex())
    return keys


class _SnapshotPickler(pickle.Pickler):
    """Leaves out what is recomputed on demand from the source (tokens, sqlglot trees) and keeps
    each finding's rule the registered object."""

    def reducer_override(self, obj: Any) -> Any:
        from grove_schema.sql.lexer import RawStatement
        from grove_schema.sql.parsing import Statement

        if isinstance(obj, RuleInfo):
            return _rule_info, (obj.code, obj.name, int(obj.severity), obj.summary, obj.doc)
        if isinstance(obj, RawStatement):
            return RawStatement, (obj.source, obj.start, obj.end, obj.terminated, obj.unterminated)
        if isinstance(obj, Statement) and "ast" in vars(obj):
            reduced = obj.__reduce_ex__(5)
            assert isinstance(reduced, tuple)
            state = {k: v for k, v in reduced[2].items() if k != "ast"}
            return (reduced[0], reduced[1], state, *reduced[3:])
        return NotImplemented


def _dump_snapshot(snapshot: ReplaySnapshot) -> bytes:
    import io

    buffer = io.BytesIO()
    _SnapshotPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump((CACHE_FORMAT, snapshot))
    return buffer.getvalue()


def replay_cached(
    cache: CheckCache,
    database: str,
    files: Iterable[MigrationFile],
    read: TextReader,
    options: ReplayOptions | None = None,
) -> StreamReplay:
    """`replay.replay_stream`, resumed from the longest cached prefix of the stream."""
    from grove_schema.replay import Replayer, ReplayOptions

    options = options if options is not None else ReplayOptions()
    ordered = list(files)
    texts = [read(migration.path) for migration in ordered]
    keys = prefix_keys(_options_key(database, options), ordered, texts)
    replayer = Replayer(database, options)
    try:
        start = 0
        for k in range(len(ordered), 0, -1):
            if _restore(cache, keys[k], replayer):
                start = k
                break
        n = len(ordered)
        # Before the last file: a new or edited last migration resumes there. After it: for a run
        # whose stream is unchanged but whose report is not (the map, the lock, the reservation).
        # Not when this run resumed right before the last file (an edit being retried): that
        # snapshot would be stale at the next edit.
        wanted = {k for k in (n - 1, n) if start < k} if start < n - 1 else set()
        for index in range(start, n):
            text = texts[index]
            if isinstance(text, Finding):
                replayer.add_unreadable(ordered[index], text)
            else:
                replayer.apply_file(ordered[index], text)
            if index + 1 in wanted and not cache.has("replay", keys[index + 1]):
                _store(cache, keys[index + 1], replayer)
    finally:
        replayer.close()
    return replayer.result


def _store(cache: CheckCache, key: str, replayer: Replayer) -> None:
    try:
        snapshot = replayer.snapshot()
        if snapshot is None:  # it could not hold all the state: never resume from it
            return
        data = _dump_snapshot(snapshot)
    except Exception:  # whatever cannot be pickled is simply not cached
        return
    cache.write("replay", key, data)


def _restore(cache: CheckCache, key: str, replayer: Replayer) -> bool:
    data = cache.read("replay", key)
    if data is None:
        return False
    try:
        version, snapshot = pickle.loads(data)
        if version != CACHE_FORMAT:
            return False
        replayer.restore(snapshot)
    except Exception:  # a damaged entry is a miss (the fresh dev database is untouched)
        return False
    return True
