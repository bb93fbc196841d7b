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
- The replay of a stream's prefix (`replay/`): `Replayer.snapshot()` (schema model, statements,
  findings as replay_codec's JSON, which can hold only the classes it names; the dev database's
  pages as SQLite serializes them) after the first k files, keyed by the chain of
  those files' paths and content hashes and the replay options. After a miss the state is kept
  before and after the last file, so a new or edited last migration replays only itself. After a
  file that may set connection state the pages do not hold (any PRAGMA, total_changes()) the
  replayer gives no snapshot: nothing after it is stored.
- With `[code]`, the code scan's per-file facts (`scan/code-scan.json`) and what each SQL text
  references (`scan/code-sql.json`), so a hook after an edit parses only the edited file's code
  and its new SQL.

Where: `$GROVE_SCHEMA_CACHE_DIR`, else `grove-schema/cache` inside the git directory of the
repository that holds ownership.toml, as `git rev-parse` finds it (never in the working tree). What
is stored is only data, and every entry is sealed with the cache format and its sha256: a damaged,
truncated or foreign entry is rebuilt, with a note. A directory that another user can write is
not used at all (`unsafe_cache_reason`): a planted report could otherwise turn a failing check
green. Any failure to read or write the cache only makes it a miss.
"""

from __future__ import annotations

import contextlib
import functools
import os
import stat
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grove_schema import __version__
from grove_schema.files import regular_file_digest, sha256
from grove_schema.findings import Finding, Location, RuleInfo, Severity
from grove_schema.records import FrozenRecord, Record, frozen_record

if TYPE_CHECKING:
    from grove_schema.code.cache import ScanCache
    from grove_schema.config import ProjectConfig
    from grove_schema.layouts import MigrationFile
    from grove_schema.project import ProjectReplay
    from grove_schema.replay import Replayer, ReplayOptions, ReplaySnapshot, StreamReplay, TextReader

CACHE_DIR_ENV = "GROVE_SCHEMA_CACHE_DIR"
CACHE_FORMAT = 6  # bump when what is stored changes shape
KEEP = {"report": 64, "replay": 12, "config": 16}  # entries kept per kind, most recently used first
_DEPENDENCIES = ("sqlglot", "apsw", "pydantic", "pydantic_core", "networkx")


# --- where, and the tool's fingerprint ----------------------------------------------------------


def cache_directory(config: ProjectConfig | Path) -> Path | None:
    """`$GROVE_SCHEMA_CACHE_DIR`, else `<git dir>/grove-schema/cache` for the repository holding the
    configuration (a ProjectConfig or the path of its file); None (no cache) outside a git repository."""
    configured = os.environ.get(CACHE_DIR_ENV)
    if configured:
        return Path(configured)
    path = config if isinstance(config, Path) else config.path
    git_dir = find_git_dir(path.resolve().parent)
    return git_dir / "grove-schema" / "cache" if git_dir is not None else None


def user_cache_directory() -> Path:
    """`$XDG_CACHE_HOME/grove-schema` (default ~/.cache/grove-schema): for `check --cache` outside git."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "grove-schema"


def find_git_dir(start: Path) -> Path | None:
    """The git directory of the repository containing `start`, as git itself finds it
    (`git rev-parse --absolute-git-dir`: it honours GIT_DIR, worktrees, ceilings and
    safe.directory); None outside a repository git trusts, or without git."""
    import subprocess

    try:
        completed = subprocess.run(
            ["git", "rev-parse", "--absolute-git-dir"],
            cwd=start,
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if completed.returncode != 0:
        return None
    line = completed.stdout.decode("utf-8", "surrogateescape").strip()
    return Path(line) if line else None


def _private_group(gid: int) -> bool:
    """A user's own group (Debian's and Fedora's "user private groups", umask 002): this user's
    primary group with no other member, so group-writable means writable by this user alone."""
    if gid != os.getgid():
        return False
    try:
        import grp
        import pwd

        members = set(grp.getgrgid(gid).gr_mem) - {pwd.getpwuid(os.getuid()).pw_name}
        others = [user.pw_name for user in pwd.getpwall() if user.pw_gid == gid and user.pw_uid != os.getuid()]
    except (ImportError, KeyError, OSError):
        return False
    return not members and not others


def unsafe_cache_reason(directory: Path) -> str | None:
    """Why another user could plant entries in `directory`, or None when only this user (and root)
    can write there: the folder and every existing folder above it must belong to this user or to
    root and be writable by no one else; above it, a world-writable folder with the sticky bit
    (/tmp) is fine, as no one else can replace what is inside. (ssh checks its keys the same way.)"""
    getuid = getattr(os, "getuid", None)
    if getuid is None:  # no POSIX owners to check
        return None
    me = getuid()
    try:
        path = Path(os.path.abspath(directory))
        chain = [path, *path.parents]
    except (OSError, ValueError):
        return f"{directory} cannot be resolved"
    for folder in chain:
        try:
            info = folder.lstat()
        except FileNotFoundError:
            continue
        except OSError as error:
            return f"{folder} cannot be examined ({error.strerror or error})"
        if stat.S_ISLNK(info.st_mode):
            try:
                target = folder.resolve(strict=True)
            except (OSError, RuntimeError):
                return f"{folder} is a symbolic link that cannot be followed"
            reason = unsafe_cache_reason(target) if target != folder else None
            if reason is not None:
                return reason
            continue
        if info.st_uid not in (me, 0):
            return f"{folder} belongs to another user (uid {info.st_uid})"
        writable_by_others = info.st_mode & stat.S_IWOTH or (
            info.st_mode & stat.S_IWGRP and not _private_group(info.st_gid)
        )
        # The folder itself must be private; above it (or above where it will be created, privately)
        # the sticky bit keeps others from replacing what is ours.
        if writable_by_others and (folder == path or not info.st_mode & stat.S_ISVTX):
            return f"{folder} can be written by other users (mode {stat.S_IMODE(info.st_mode):o})"
    return None


@functools.lru_cache(maxsize=1)
def tool_fingerprint() -> str:
    """grove-schema's version and source, the dependencies' installed versions, Python's version.

    The source files count by name, size and modification time (as Python's own bytecode cache
    judges them), not by content: reading them all would cost a warm hook more than its work."""
    digest = sha256(f"grove-schema {__version__} cache {CACHE_FORMAT} {sys.version}".encode())
    digest.update(source_stamp(os.path.dirname(os.path.abspath(__file__))))
    for name in _DEPENDENCIES:
        digest.update(f"\0{name}={_installed(name)}".encode())
    return digest.hexdigest()


def source_stamp(package: str) -> bytes:
    """The name, size and modification time of every `.py` file below `package`, in a stable order."""
    stamp = []
    pending = [""]
    while pending:
        relative = pending.pop()
        try:
            entries = sorted(os.scandir(os.path.join(package, relative)), key=lambda entry: entry.name)
        except OSError:
            continue
        for entry in entries:
            name = f"{relative}/{entry.name}" if relative else entry.name
            if entry.name.endswith(".py") and entry.is_file():
                info = entry.stat()
                stamp.append(f"{name}\0{info.st_size}\0{info.st_mtime_ns}\0")
            elif entry.is_dir(follow_symlinks=False) and entry.name != "__pycache__":
                pending.append(name)
    return "".join(stamp).encode("utf-8", "surrogateescape")


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
    infos = sorted(
        entry
        for entry in _dist_infos(str(site))
        if _normalized(entry[: -len(".dist-info")].rsplit("-", 1)[0]) == wanted
    )
    if infos:
        return ",".join(infos)
    stat = origin.stat()
    return f"{origin}:{stat.st_size}:{stat.st_mtime_ns}"


@functools.lru_cache(maxsize=8)
def _dist_infos(site: str) -> tuple[str, ...]:
    try:
        return tuple(entry for entry in os.listdir(site) if entry.endswith(".dist-info"))
    except OSError:
        return ()


def _normalized(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")


# --- the store ----------------------------------------------------------------------------------


_SEAL = b"grove-schema cache "


def seal(data: bytes) -> bytes:
    """`data` behind a header with the cache format and its sha256, so a damaged, truncated or
    foreign entry is recognised (`unseal`) instead of being used."""
    return _SEAL + f"{CACHE_FORMAT} {len(data)} {sha256(data).hexdigest()}\n".encode() + data


def unseal(sealed: bytes) -> bytes:
    """The data `seal` wrote; CacheEntryError when the header, length or hash does not hold."""
    if not sealed.startswith(_SEAL):
        raise CacheEntryError("it has no grove-schema cache header")
    newline = sealed.find(b"\n", 0, 200)
    try:
        version, length, digest = sealed[len(_SEAL) : newline].decode("ascii").split(" ")
    except (UnicodeDecodeError, ValueError):
        raise CacheEntryError("its header is damaged") from None
    if version != str(CACHE_FORMAT):
        raise CacheEntryError(f"it was written by another cache format ({version}, not {CACHE_FORMAT})")
    data = sealed[newline + 1 :]
    if str(len(data)) != length:
        raise CacheEntryError(f"it holds {len(data)} bytes where its header says {length} (truncated?)")
    if sha256(data).hexdigest() != digest:
        raise CacheEntryError("its content does not match its hash")
    return data


class CacheEntryError(ValueError):
    """A cache entry that cannot be used: it is replaced by a fresh one."""


STORE_CAP = 256 * 1024 * 1024  # bytes: a JSON store larger than this is not read


def read_sealed(path: Path, cap: int) -> bytes | None:
    """A cache file's data: None when it is absent or cannot be opened; CacheEntryError when it is
    not a regular file of this user within `cap` bytes, or its seal does not hold. Read as
    `files.read_bounded` reads (non-blocking: a FIFO planted there never hangs a hook)."""
    from grove_schema.files import RefusedRead, read_bounded

    try:
        info = path.stat()
        if not CheckCache.owned(info):
            raise CacheEntryError("it is not a regular file of this user")
        sealed = read_bounded(path, cap)
    except RefusedRead as error:
        raise CacheEntryError(f"it is not a regular file of this user within the cap ({error})") from None
    except OSError:
        return None
    return unseal(sealed)


def read_store(path: Path, notes: list[str]) -> Any:
    """A sealed JSON store of the cache directory (the source hashes, the code scan): its
    document, or None when absent, and when damaged or not this user's (then with a note)."""
    import json

    try:
        data = read_sealed(path, STORE_CAP)
        return json.loads(data) if data is not None else None
    except (CacheEntryError, ValueError) as error:
        notes.append(f"cache: {path.name} could not be used ({error}); it was rebuilt")
        return None


SNAPSHOT_CAP = 64 * 1024 * 1024  # bytes: a larger replay state is replayed again, never stored
_STALE_TEMPORARY_SECONDS = 600  # a temporary file this old was left by a killed write


class CheckCache:
    """Entries are files named by their key, sealed (`seal`), written atomically, pruned to the most
    recently used. `notes` says what went wrong with the cache in this run (a damaged entry that was
    rebuilt, a directory that could not be trusted): the check command prints them."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.notes: list[str] = []

    def _path(self, kind: str, key: str) -> Path:
        return self.directory / kind / key

    def read(self, kind: str, key: str) -> bytes | None:
        """The entry's data; None when absent, and when damaged (then it is removed, with a note)."""
        path = self._path(kind, key)
        try:
            data = read_sealed(path, SNAPSHOT_CAP + 4096)
        except CacheEntryError as error:
            self.damaged(kind, key, str(error))
            return None
        if data is not None:
            with contextlib.suppress(OSError):
                os.utime(path)  # most recently used
        return data

    @staticmethod
    def owned(info: os.stat_result) -> bool:
        getuid = getattr(os, "getuid", None)
        return getuid is None or (info.st_uid == getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH))

    def damaged(self, kind: str, key: str, reason: str) -> None:
        """Forget an unusable entry; the run goes on without it and a good one replaces it."""
        with contextlib.suppress(OSError):
            os.unlink(self._path(kind, key))
        what = {"report": "stored report", "replay": "stored replay", "config": "validated ownership.toml"}.get(
            kind, f"{kind} entry"
        )
        self.notes.append(f"cache: a {what} could not be used ({reason}); it was rebuilt")

    def has(self, kind: str, key: str) -> bool:
        return self._path(kind, key).is_file()

    def write(self, kind: str, key: str, data: bytes) -> None:
        folder = self.directory / kind
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            folder.mkdir(mode=0o700, exist_ok=True)
            tag = self.directory / "CACHEDIR.TAG"
            if not tag.exists():
                tag.write_text(
                    "Signature: 8a477f597d28d172789f06886806bc55\n# grove-schema's cache: safe to delete.\n",
                    encoding="utf-8",
                )
            temporary = folder / f".{key}.{os.urandom(4).hex()}.tmp"  # (secrets costs a hook 4 ms to import)
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with open(descriptor, "wb") as handle:
                handle.write(seal(data))
            os.replace(temporary, folder / key)
            self._prune(folder, KEEP[kind])
        except OSError:
            return  # a cache that cannot be written is only a slower run

    @staticmethod
    def _prune(folder: Path, keep: int) -> None:
        entries = []
        stale = time.time() - _STALE_TEMPORARY_SECONDS
        for entry in os.scandir(folder):
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if entry.name.startswith("."):
                if entry.name.endswith(".tmp") and info.st_mtime < stale:  # left by a killed write
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)
                continue
            entries.append((info.st_mtime_ns, entry.path))
        for _mtime, old in sorted(entries, reverse=True)[keep:]:
            with contextlib.suppress(OSError):
                os.unlink(old)


# --- the validated configuration ---------------------------------------------------------------


class ValidatedConfigs:
    """ownership.toml's validated sections by the sha256 of its text and the tool's fingerprint
    (`config.ValidatedSections`): a hook run on an unchanged map never imports pydantic."""

    def __init__(self, cache: CheckCache) -> None:
        self.cache = cache

    @staticmethod
    def _key(text: str) -> str:
        return sha256(f"config\0{tool_fingerprint()}\0{text}".encode("utf-8", "surrogatepass")).hexdigest()

    def get(self, text: str) -> dict[str, Any] | None:
        import json

        key = self._key(text)
        data = self.cache.read("config", key)
        if data is None:
            return None
        try:
            sections = json.loads(data)
        except ValueError as error:
            self.cache.damaged("config", key, str(error))
            return None
        return sections if isinstance(sections, dict) else None

    def put(self, text: str, sections: dict[str, Any]) -> None:
        import json

        self.cache.write("config", self._key(text), json.dumps(sections, separators=(",", ":")).encode())


# --- the report ---------------------------------------------------------------------------------


@dataclass(eq=False, repr=False)
class CachedReport(Record):
    """A `check` answered from the cache: what the reporters read of a ProjectReplay."""

    findings: list[Finding]
    notes: list[str]
    file_count: int
    statement_count: int
    tables: dict[str, int]
    file_texts: dict[str, str]
    not_applied: dict[str, list[str]] = field(default_factory=dict)

    def tables_per_database(self) -> dict[str, int]:
        return dict(self.tables)

    def not_applied_per_database(self) -> dict[str, list[str]]:
        return {k: list(v) for k, v in self.not_applied.items()}

    def texts(self) -> dict[str, str]:
        """The migrations' texts, and those of the other files findings stand in (source files: read
        only now, as only the terminal reporter quotes them)."""
        from grove_schema.sources import decode_migration

        texts = dict(self.file_texts)
        for finding in self.findings:
            path = finding.location.path if finding.location is not None else None
            if path is not None and path not in texts:
                with contextlib.suppress(OSError):
                    text = decode_migration(Path(path).read_bytes(), path)
                    if isinstance(text, str):
                        texts[path] = text
        return texts


@frozen_record()
class ReportInputs(FrozenRecord):
    """What a stored report was made from: the hash of every input it depends on."""

    key: str


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
    modules: a hit imports little more than the configuration and the reporters. `hashes` spares
    reading a file whose size and modification time have not changed since it was last hashed."""
    digest = sha256()

    def add(*parts: object) -> None:
        for part in parts:
            data = part if isinstance(part, bytes) else repr(part).encode()
            digest.update(len(data).to_bytes(8, "big") + data)

    memo = hashes if hashes is not None else SourceHashes()
    add("report", tool_fingerprint(), os.getcwd(), list(databases or []), history, list(ignore))
    add(str(config.path), str(config.path.resolve()), str(config.root), config.text)
    keys = list(databases) if databases else sorted(config.databases)
    if any(key not in config.databases for key in keys):
        return None
    for key in keys:
        database = config.databases[key]
        add("database", key, str(database.migrations_dir))
        _add_tree(str(database.migrations_dir), add, memo)
        add(_optional_bytes(database.reservation) if database.reservation is not None else "no reservation")
    if config.code is not None and not databases:  # the code is audited only when every database is
        add("code", [str(root) for root in config.code.roots], list(config.code.exclude))
        for root in config.code.roots:
            _add_code_tree(root, add, memo)
    return ReportInputs(digest.hexdigest())


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


# Above this size a file is keyed by its stat, not read: discovery refuses a migration above
# sources.MAX_MIGRATION_BYTES without reading it, and a hook must not hash a stray 10 GB file.
_HASHED_BYTES = 32 * 1024 * 1024

# A file modified this recently is hashed again next time: an edit within the file system's
# timestamp granularity could leave its size and mtime as they were (git's "racy" case).
_RACY_SECONDS = 2.0
HASHES_NAME = "source-hashes.json"


class SourceHashes:
    """Content hashes of source files by (path, size, mtime, inode), kept between hook runs in one
    JSON file of the cache directory; a file whose stat changed, or changed just before it was
    hashed, is read again. Any failure to read or write it only means reading the files."""

    def __init__(self, directory: Path | None = None, notes: list[str] | None = None) -> None:
        self.directory = directory
        self.notes = notes if notes is not None else []
        self._known: dict[str, list[Any]] = self._read() if directory is not None else {}
        self._seen: dict[str, list[Any]] = {}
        self._recent = time.time() - _RACY_SECONDS

    def digest(self, entry: os.DirEntry[str]) -> str | None:
        try:
            info = entry.stat()
        except OSError:
            return None
        stamp = [info.st_size, info.st_mtime_ns, info.st_ino, info.st_dev]
        known = self._known.get(entry.path)
        if known is not None and known[:4] == stamp:
            self._seen[entry.path] = known
            return str(known[4])
        if info.st_size > _HASHED_BYTES:  # never read in full by the check either: its stat stands for it
            return f"large:{info.st_size}:{info.st_mtime_ns}:{info.st_ino}"
        try:
            digest = regular_file_digest(entry.path)
        except OSError:
            return None
        if digest is None:
            return None
        if info.st_mtime < self._recent:  # settled: its stat will show the next edit
            self._seen[entry.path] = [*stamp, digest]
        return digest

    def save(self) -> None:
        import json

        if self.directory is None or self._seen == self._known:
            return
        payload = json.dumps({"fingerprint": CACHE_FORMAT, "files": self._seen}, separators=(",", ":"))
        with contextlib.suppress(OSError):
            from grove_schema.files import write_atomically

            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            write_atomically(self.directory / HASHES_NAME, seal(payload.encode()))

    def _read(self) -> dict[str, list[Any]]:
        assert self.directory is not None
        data = read_store(self.directory / HASHES_NAME, self.notes)
        try:
            if data is None or data.get("fingerprint") != CACHE_FORMAT:
                return {}
            return {str(path): list(value) for path, value in data["files"].items() if len(value) == 5}
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            self.notes.append(f"cache: {HASHES_NAME} could not be used ({type(error).__name__}); it was rebuilt")
            return {}


def _add_tree(folder: str, add: Callable[..., None], hashes: SourceHashes) -> None:
    """Every entry below a migrations folder: names, kinds, where links point, and the content hash
    of every file (a link's target too: wrangler follows links)."""
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as error:
        add("unlistable", folder, type(error).__name__)
        return
    for entry in entries:
        if entry.is_symlink():
            try:
                add("link", entry.name, os.readlink(entry.path))
            except OSError as error:
                add("link", entry.name, type(error).__name__)
            if entry.is_file():  # followed; a link to a folder is listed, not walked (no loops)
                add("target", hashes.digest(entry) or "unreadable")
        elif entry.is_dir():
            add("dir", entry.name)
            _add_tree(entry.path, add, hashes)
            add("end", entry.name)
        elif entry.is_file():
            digest = hashes.digest(entry)
            add("file", entry.name, digest if digest is not None else "unreadable")
        else:
            add("other", entry.name)


def _optional_bytes(path: Path) -> bytes | str:
    """The reservation's content hash for the key."""
    try:
        digest = regular_file_digest(str(path))
    except FileNotFoundError:
        return "missing"
    except OSError as error:
        return f"unreadable: {error}"
    return b"file" + digest.encode() if digest is not None else "not a regular file"


def _rule_info(code: str, name: str, severity: int, summary: str, doc: str) -> RuleInfo:
    """The registered RuleInfo of a non-rule code when it is the same (so identity holds), else an
    equal copy: resolving a lint rule's would import every rule, which a cache hit must not."""
    from grove_schema.registry import find_code

    copy = RuleInfo(code, name, Severity(severity), summary, doc)
    registered = find_code(code)
    return registered if registered == copy and registered is not None else copy


def encode_report(outcome: ProjectReplay) -> bytes:
    """The report as JSON: each rule once (its doc is long), each finding by its rule's index."""
    import json

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
        "not_applied": outcome.not_applied_per_database(),
    }
    return json.dumps(document, separators=(",", ":")).encode()


def decode_report(data: bytes, texts: dict[str, str]) -> CachedReport:
    import json

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
        not_applied={str(k): [str(n) for n in v] for k, v in document.get("not_applied", {}).items()},
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
    hashes = SourceHashes(cache.directory, cache.notes) if cache is not None else None
    before = report_inputs(config, databases, history, ignore, hashes) if cache is not None else None
    if hashes is not None:
        hashes.save()
    if cache is not None and before is not None:
        stored = cache.read("report", before.key)
        if stored is not None:
            try:
                return decode_report(stored, {})
            except (ValueError, KeyError, TypeError, IndexError) as error:
                cache.damaged("report", before.key, f"{type(error).__name__}: {error}")
    from grove_schema.codes import TIME_BUDGET
    from grove_schema.project import check_project

    if cache is None:
        return check_project(config, databases=databases, history=history, ignore=ignore)

    def code_cache() -> ScanCache:
        from grove_schema.code.cache import ScanCache

        return ScanCache(cache.directory / "scan", cache.notes)

    outcome = check_project(
        config,
        databases=databases,
        history=history,
        ignore=ignore,
        replay=functools.partial(replay_cached, cache),
        code_cache=code_cache if config.code is not None else None,
    )
    after = report_inputs(config, databases, history, ignore, hashes)
    if hashes is not None:
        hashes.save()
    # Stored only if nothing changed meanwhile, and if no time budget ran out: that depends on the
    # machine's speed and load, not on the inputs the key holds.
    spent = _ran_out_of_time(outcome, TIME_BUDGET.code)
    if before is not None and after is not None and after.key == before.key and not spent:
        cache.write("report", before.key, encode_report(outcome))
    return outcome


def _ran_out_of_time(outcome: ProjectReplay, time_budget_code: str) -> bool:
    """A file's or the run's time budget was spent, or a statement was interrupted by its own."""
    if any(finding.code == time_budget_code for finding in outcome.findings):
        return True
    return any(
        (replayed.error or "").startswith("interrupted")
        for stream in outcome.streams.values()
        for replayed in stream.statements
    )


# --- the replay of a stream's prefix ------------------------------------------------------------


def _options_key(database: str, options: ReplayOptions) -> bytes:
    lint = options.lint
    rules = [(r.code, type(r).__module__, type(r).__qualname__) for r in lint.rules]
    retired = (sorted(lint.retired_tables.items()), sorted(lint.retired_columns.items()))
    settings = (
        "replay",
        tool_fingerprint(),
        database,
        options.dev_database,
        options.statement_seconds,
        options.file_seconds,
        rules,
        retired,
    )
    return sha256(repr(settings).encode()).digest()


def prefix_keys(seed: bytes, files: Sequence[MigrationFile], texts: Sequence[str | Finding]) -> list[str]:
    """keys[k]: the replay after the first k files (keys[0]: nothing replayed)."""
    keys = [sha256(seed).hexdigest()]
    chain = seed
    for migration, text in zip(files, texts, strict=True):
        content = (
            b"text" + sha256(text.encode("utf-8", "surrogatepass")).digest()
            if isinstance(text, str)
            else b"finding" + repr((text.code, text.message, text.location)).encode()
        )
        head = repr((str(migration.path), migration.name, migration.number)).encode()
        chain = sha256(chain + head + content).digest()
        keys.append(chain.hex())
    return keys


_SNAPSHOT_MAGIC = b"grove-schema replay snapshot\n"


def dump_snapshot(snapshot: ReplaySnapshot) -> bytes | None:
    """The snapshot as data: replay_codec's JSON of the result, then SQLite's own serialization of
    the dev database; None above SNAPSHOT_CAP (such a stream is replayed, not stored)."""
    import json

    from grove_schema import replay_codec

    body = replay_codec.encode(snapshot.result)
    pages = snapshot.pages
    if len(body) + len(pages or b"") > SNAPSHOT_CAP:
        return None
    header = json.dumps({"body": len(body), "pages": pages is not None}, separators=(",", ":")).encode()
    return _SNAPSHOT_MAGIC + header + b"\n" + body + (pages or b"")


def load_snapshot(data: bytes) -> ReplaySnapshot:
    """What `dump_snapshot` wrote; CacheEntryError for anything else."""
    import json

    from grove_schema import replay_codec
    from grove_schema.replay import ReplaySnapshot, StreamReplay

    if not data.startswith(_SNAPSHOT_MAGIC):
        raise CacheEntryError("it is not a replay snapshot")
    newline = data.find(b"\n", len(_SNAPSHOT_MAGIC))
    try:
        header = json.loads(data[len(_SNAPSHOT_MAGIC) : newline])
        length, has_pages = int(header["body"]), bool(header["pages"])
    except (ValueError, KeyError, TypeError) as error:
        raise CacheEntryError(f"its header is damaged ({type(error).__name__})") from None
    start = newline + 1
    body, pages = data[start : start + length], data[start + length :]
    if len(body) != length or (not has_pages and pages):
        raise CacheEntryError("its parts do not have the lengths its header says")
    try:
        result = replay_codec.decode(body)
    except replay_codec.SnapshotFormatError as error:
        raise CacheEntryError(str(error)) from None
    if not isinstance(result, StreamReplay):
        raise CacheEntryError("it does not hold a stream's replay")
    return ReplaySnapshot(result, pages if has_pages else None)


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
        # Up to the first snapshot point, the dev database may run ahead of the model (apply_files).
        ahead_until = max(start, n - 1)
        replayer.apply_files(zip(ordered[start:ahead_until], texts[start:ahead_until], strict=True))
        if ahead_until in wanted and not cache.has("replay", keys[ahead_until]):
            _store(cache, keys[ahead_until], replayer)
        for index in range(ahead_until, n):
            replayer.apply_files([(ordered[index], texts[index])])
            if index + 1 in wanted and not cache.has("replay", keys[index + 1]):
                _store(cache, keys[index + 1], replayer)
    finally:
        replayer.close()
    return replayer.result


def _store(cache: CheckCache, key: str, replayer: Replayer) -> None:
    snapshot = replayer.snapshot()
    if snapshot is None:  # it could not hold all the state: never resume from it
        return
    try:
        data = dump_snapshot(snapshot)
    except TypeError:  # it holds something the codec cannot write: replayed next time instead
        return
    if data is not None:
        cache.write("replay", key, data)


def _restore(cache: CheckCache, key: str, replayer: Replayer) -> bool:
    data = cache.read("replay", key)
    if data is None:
        return False
    try:
        snapshot = load_snapshot(data)
    except CacheEntryError as error:
        cache.damaged("replay", key, str(error))
        return False
    try:
        replayer.restore(snapshot)
    except ValueError as error:  # another option set: the fresh dev database is untouched
        cache.damaged("replay", key, str(error))
        return False
    return True
