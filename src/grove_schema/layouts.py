"""Stream layouts: which directory entries make up a migration stream, the number and order of each
file, and the name of the next one.

A layout decides from names alone; `discovery` lists the directory and asks it (which folders to
enter, which names belong), then hands it the files to number and order. A name is the path below
the migrations folder with `/` between folders (`0001_init/migration.sql`), as wrangler records it.
The layouts, each one entry of `layout_for`:

- wrangler's (`WRANGLER_LAYOUT`): `*.sql` directly in the folder, numbered by their leading ASCII
  digits, in the order wrangler 4.86 itself computes (`wrangler_order`);
- a `file_pattern` (`PatternLayout`): a regular expression with a `number` group, for other tools'
  flat conventions (golang-migrate, Flyway); run by google-re2, in linear time;
- a `migrations_pattern` (`GlobLayout`): wrangler 4.98's glob for nested layouts
  (`migrations/*/migration.sql` as drizzle-kit writes, `migrations/*/up.sql` as diesel does),
  with wrangler's matching (minimatch, no dot-files, no links) and its order (`compareMigrationPaths`);
- `order = "semver"` (`SemverLayout`): a folder per version (`0.19/01__x.sql`), versions in semantic
  order, numbers counted within each folder.

Over any of them, drizzle-kit's `meta/_journal.json` (`parse_journal`, `journal_order`): when
discovery finds the file, its entries are the stream and their order is the stream's order.

Digits are ASCII digits everywhere: `parse_number` is the one reading of a migration number (file
names, the reservation, the lock and the configuration).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grove_schema.errors import UsageError
from grove_schema.records import FrozenRecord
from grove_schema.wrangler_order import code_units, js_name, js_parse_int, wrangler_number, wrangler_order

LOCK_FILE_NAME = "migrations.lock"  # beside the stream: what `grove-schema lock` records
_LEADING_DIGITS = re.compile(r"^([0-9]+)")

# A migration number has at most this many digits: wrangler reads numbers as JavaScript doubles,
# which are exact to 15 digits, and int() refuses strings of over 4,300 digits.
MAX_NUMBER_DIGITS = 15


def parse_number(text: str) -> int | None:
    """The migration number `text` spells: ASCII digits only, at most MAX_NUMBER_DIGITS; else None."""
    if not text or len(text) > MAX_NUMBER_DIGITS or not all("0" <= char <= "9" for char in text):
        return None
    return int(text)


@dataclass(frozen=True, eq=False, repr=False)
class MigrationFile(FrozenRecord):
    """A migration file of a stream: its path, name and number."""

    path: Path
    name: str  # relative to the migrations folder, `/` between folders
    number: int | None  # None: unnumbered (sorted last)
    # The digits as written ("031"), which keep the zero-padding; by default the leading digits.
    number_text: str | None = field(default=None, compare=False)
    # The sequence the number counts in: "" for one sequence per stream, the version folder for `semver`.
    scope: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if self.number_text is None and self.number is not None:
            match = _LEADING_DIGITS.match(self.name)
            object.__setattr__(self, "number_text", match.group(1) if match else None)


class StreamLayout:
    """Wrangler's layout: every name ending in `.sql` (case-sensitive), numbered by its leading ASCII
    digits, in wrangler's own order (`wrangler_order`: JavaScript's `parseInt` of the text before the
    first `_`, ties by UTF-16 code units; where an unnumbered name lands depends on its neighbours)."""

    # What the wrangler of this layout does with symbolic links: 4.86 follows them (a link to a file
    # is applied); 4.98's glob walk takes regular files only (a link is skipped).
    follows_links = True
    # The configuration that chose the layout, for messages ("" for wrangler's default).
    described = ""

    def enters(self, folder: str) -> bool:
        """Whether discovery lists the sub-folder `folder` (relative, `/` between folders)."""
        return False

    def number_text(self, name: str) -> str | None:
        """The digits that number the file named `name`, as written; None when it has none."""
        match = _LEADING_DIGITS.match(name)
        return match.group(1) if match else None

    def is_migration(self, name: str) -> bool:
        """Whether a file called `name` (relative to the folder) is part of the stream."""
        return name.endswith(".sql")

    def looks_like_migration(self, name: str) -> bool:
        """Whether `name` looks like SQL meant for the stream (for the stray-file check)."""
        return name.lower().endswith(".sql")

    def scope_of(self, name: str) -> str:
        """The sequence the file's number counts in (one per stream but for `semver`)."""
        return ""

    def migration(self, path: Path, name: str | None = None) -> MigrationFile:
        """The file at `path`, called `name` in the stream (by default its file name)."""
        name = path.name if name is None else name
        text = self.number_text(name)
        number = parse_number(text) if text is not None else None
        return MigrationFile(path=path, name=name, number=number, number_text=text, scope=self.scope_of(name))

    def order_key(self, migration: MigrationFile) -> tuple[int, int, str]:
        """Number order (ties by name, unnumbered last): what a reader expects, not always wrangler's."""
        if migration.number is None:
            return (1, 0, migration.name)
        return (0, migration.number, migration.name)

    def ordered(self, files: list[MigrationFile]) -> list[MigrationFile]:
        """`files` in the order wrangler applies them to an empty database."""
        by_name = {migration.name: migration for migration in files}
        return [by_name[name] for name in wrangler_order(list(by_name))]

    def order_surprise(self, migration: MigrationFile) -> str | None:
        """Why the file's place in wrangler's order is not what its name suggests, or None."""
        read = wrangler_number(migration.name)
        first = migration.name[:1]
        if migration.number is None:
            if math.isnan(read):
                if first.isdigit():  # digits, but not ASCII ones (Arabic-Indic, full-width...)
                    return (
                        f"it starts with {first!a}, a digit that is not ASCII: wrangler reads no number, "
                        "so its place depends on its neighbours"
                    )
                return None  # plainly unnumbered: `filename` says so
            if migration.number_text is not None:
                return (
                    f"its number has over {MAX_NUMBER_DIGITS} digits: wrangler reads it as the rounded "
                    f"{_js_number(read)}, and numbers this long are not migration numbers"
                )
            return f"wrangler reads the number {_js_number(read)} from it (JavaScript's parseInt), not a plain number"
        if read != migration.number:
            return (
                f"wrangler reads the number {_js_number(read)} from it (JavaScript's parseInt), not {migration.number}"
            )
        return None

    def next_file_name(self, number: int, width: int, slug: str, files: Sequence[MigrationFile] = ()) -> str:
        """The name `grove-schema new` gives the migration numbered `number` (relative to the folder);
        `files` is the stream in order. A UsageError when the layout cannot name it."""
        return f"{number:0{width}d}_{slug}.sql"

    def ignored_reason(self, name: str) -> str | None:
        """Why a `.sql` file called `name`, in a folder where the layout takes nothing, is never
        applied; None for wrangler's layout (which reads no sub-folder: `numbering` says so)."""
        return None


WRANGLER_LAYOUT = StreamLayout()


def _js_number(value: float) -> str:
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return str(int(value)) if value.is_integer() else repr(value)


class PatternLayout(StreamLayout):
    """A `file_pattern`: the names it matches in full are the stream, numbered by its `number` group,
    in number order (ties by name, unnumbered last). The pattern runs in google-re2: linear time,
    whatever the user wrote."""

    def __init__(self, pattern: str) -> None:
        self.pattern = compile_file_pattern(pattern)

    def ordered(self, files: list[MigrationFile]) -> list[MigrationFile]:
        return sorted(files, key=self.order_key)

    def order_surprise(self, migration: MigrationFile) -> str | None:
        return None

    def _match(self, name: str) -> Any:
        try:
            return self.pattern.fullmatch(name)
        except UnicodeEncodeError:  # a name that is not UTF-8 (surrogate-escaped) matches no pattern
            return None

    def number_text(self, name: str) -> str | None:
        match = self._match(name)
        return match.group("number") if match else None

    def is_migration(self, name: str) -> bool:
        return self._match(name) is not None

    def next_file_name(self, number: int, width: int, slug: str, files: Sequence[MigrationFile] = ()) -> str:
        name = super().next_file_name(number, width, slug)
        if not self.is_migration(name):
            raise UsageError(f"{name} would not match the database's file_pattern {self.pattern.pattern!r}")
        return name


class FilePatternError(ValueError):
    """A `file_pattern` that re2 cannot compile, or that has no `number` group."""


def compile_file_pattern(pattern: str) -> Any:
    """The `file_pattern`, compiled by google-re2 (linear time: no catastrophic backtracking)."""
    import re2  # only where a file_pattern is configured

    options = re2.Options()
    options.max_mem = 8 << 20  # bounded memory for the compiled automaton
    options.log_errors = False
    try:
        compiled = re2.compile(pattern, options)
    except re2.error as error:
        reason = error.args[0] if error.args else error
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", errors="replace")
        raise FilePatternError(f"not a regular expression re2 accepts: {reason}") from None
    if "number" not in compiled.groupindex:
        raise FilePatternError("needs a named group `(?P<number>...)`")
    return compiled


# --- wrangler 4.98's `migrations_pattern` --------------------------------------------------------
# What wrangler does (workers-utils `d1-migrations.ts`, `getMigrationNames`): the pattern, relative
# to the project, must start with `${migrations_dir}/` (unless the folder is `.`); that prefix is
# stripped and the rest is matched by minimatch (`dot: false`) against every path below the folder,
# walked with readdir's file types: folders are entered when the pattern could match below them,
# regular files are taken, and symbolic links are neither (never followed, never applied). The
# recorded name is the path relative to the folder, `/` between folders. The order is
# `compareMigrationPaths`: folder by folder, `parseInt(segment.split("_")[0])` (numbered before
# unnumbered), ties by UTF-16 code units.

MAX_GLOB_ALTERNATIVES = 256  # `{a,b}` expansions of one pattern
_EXTGLOBS = ("@(", "!(", "+(", "*(", "?(")


def normalize_relative(path: str) -> str:
    """wrangler's `normalizeRelativePath`: `\\` to `/`, `.` and `//` collapsed, no trailing `/`."""
    import posixpath

    normalized = posixpath.normpath(path.replace("\\", "/")) if path else "."
    return normalized[:-1] if len(normalized) > 1 and normalized.endswith("/") else normalized


def dir_relative_pattern(pattern: str, migrations: str) -> str:
    """The `migrations_pattern` below the migrations folder (wrangler strips `${migrations_dir}/`);
    FilePatternError when wrangler would refuse it, or grove-schema cannot read it."""
    directory = normalize_relative(migrations)
    normalized = normalize_relative(pattern)
    if normalized.startswith("/"):
        raise FilePatternError("must be relative to the project root, as wrangler's is to its config file")
    if directory == ".":
        rest = normalized
    else:
        prefix = f"{directory}/"
        if not normalized.startswith(prefix):
            raise FilePatternError(
                f"must start with {prefix!r} (the database's `migrations` folder), as wrangler requires; "
                f"for example {prefix + '*/migration.sql'!r}"
            )
        rest = normalized[len(prefix) :]
    if rest in ("", ".") or ".." in rest.split("/"):
        raise FilePatternError("must name files inside the `migrations` folder")
    for marker in _EXTGLOBS:
        if marker in rest:
            raise FilePatternError(
                f"uses an extended glob ({marker}...): grove-schema reads `*`, `?`, `**`, `[...]` and `{{a,b}}`"
            )
    expand_braces(rest)  # refuses an explosion of alternatives
    return rest


def expand_braces(pattern: str) -> list[str]:
    """minimatch's brace expansion (`{a,b}`, nested); FilePatternError beyond MAX_GLOB_ALTERNATIVES."""
    start = pattern.find("{")
    while start != -1:
        depth, last, parts = 0, start + 1, []
        for index in range(start, len(pattern)):
            char = pattern[index]
            if char == "{":
                depth += 1
            elif char == "," and depth == 1:
                parts.append(pattern[last:index])
                last = index + 1
            elif char == "}":
                depth -= 1
                if depth == 0:
                    if not parts:
                        break  # `{x}` is literal
                    parts.append(pattern[last:index])
                    expanded: list[str] = []
                    for part in parts:
                        expanded.extend(expand_braces(pattern[:start] + part + pattern[index + 1 :]))
                        if len(expanded) > MAX_GLOB_ALTERNATIVES:
                            raise FilePatternError(f"expands to over {MAX_GLOB_ALTERNATIVES} alternatives")
                    return expanded
        start = pattern.find("{", start + 1)
    return [pattern]


def _segment_matches(pattern: str, name: str) -> bool:
    """One path segment against one glob segment, as minimatch with `dot: false` matches it."""
    import fnmatch

    if name.startswith(".") and not pattern.startswith("."):
        return False  # a leading dot is matched only by a leading dot in the pattern
    return fnmatch.fnmatchcase(name, pattern.replace("[^", "[!"))


def glob_matches(pattern: Sequence[str], path: Sequence[str], *, partial: bool = False) -> bool:
    """Whether the segments `path` match the glob's segments (`**` for any number of folders, none
    of them dot-folders); `partial`: whether something below the folder `path` could match."""
    seen: dict[tuple[int, int], bool] = {}

    def match(i: int, j: int) -> bool:
        key = (i, j)
        if key in seen:
            return seen[key]
        if j == len(path):
            result = i < len(pattern) if partial else all(p == "**" for p in pattern[i:])
        elif i == len(pattern):
            result = False
        elif pattern[i] == "**":
            result = match(i + 1, j) or (not path[j].startswith(".") and match(i, j + 1))
        else:
            result = _segment_matches(pattern[i], path[j]) and match(i + 1, j + 1)
        seen[key] = result
        return result

    return match(0, 0)


def _timestamp_digits(segment: str) -> str | None:
    """The digits of a timestamp name's date (diesel's `2024-01-31-093000_x`), or None: digit groups
    joined by `-`, at least two of them."""
    end, groups = 0, 0
    while True:
        start = end
        while end < len(segment) and "0" <= segment[end] <= "9":
            end += 1
        if end == start:
            return None
        groups += 1
        if end < len(segment) and segment[end] == "-" and end + 1 < len(segment) and "0" <= segment[end + 1] <= "9":
            end += 1
            continue
        break
    return segment[:end].replace("-", "") if groups >= 2 else None


def _path_key(name: str) -> tuple[tuple[int, float, bytes], ...]:
    """wrangler 4.98's `compareMigrationPaths` as a key: segment by segment, the leading integer
    (`parseInt(segment.split("_")[0])`, numbered first), ties by UTF-16 code units."""
    key = []
    for segment in name.split("/"):
        read = js_parse_int(js_name(segment).split("_")[0])
        units = code_units(segment)
        key.append((0, read, units) if math.isfinite(read) else (1, 0.0, units))
    return tuple(key)


class GlobLayout(StreamLayout):
    """A `migrations_pattern` (wrangler 4.98+): the files below the folder whose relative path the
    glob matches, numbered by the leading digits of their first segment (the folder for
    `*/migration.sql`), in wrangler's path order. A timestamp name (diesel's `2024-01-31-093000_x`)
    is numbered by its whole timestamp."""

    follows_links = False

    def __init__(self, pattern: str, migrations: str) -> None:
        self.pattern = pattern
        self.relative = dir_relative_pattern(pattern, migrations)
        self.alternatives = [tuple(alternative.split("/")) for alternative in expand_braces(self.relative)]
        self.described = f"migrations_pattern {pattern!r}"

    def enters(self, folder: str) -> bool:
        segments = folder.split("/")
        return any(glob_matches(alternative, segments, partial=True) for alternative in self.alternatives)

    def is_migration(self, name: str) -> bool:
        segments = name.split("/")
        return any(glob_matches(alternative, segments) for alternative in self.alternatives)

    def looks_like_migration(self, name: str) -> bool:
        return name.lower().endswith(".sql")

    def number_text(self, name: str) -> str | None:
        first = name.split("/", 1)[0]
        stamp = _timestamp_digits(first)
        if stamp is not None and len(stamp) <= MAX_NUMBER_DIGITS:
            return stamp
        return super().number_text(first)

    def ordered(self, files: list[MigrationFile]) -> list[MigrationFile]:
        return sorted(files, key=lambda migration: _path_key(migration.name))

    def order_surprise(self, migration: MigrationFile) -> str | None:
        first = migration.name.split("/", 1)[0]
        if _timestamp_digits(first) is not None:
            # wrangler reads only the year, then orders by name: the timestamps' own order.
            return None
        return super().order_surprise(MigrationFile(migration.path, first, migration.number, migration.number_text))

    def next_file_name(self, number: int, width: int, slug: str, files: Sequence[MigrationFile] = ()) -> str:
        if files and _timestamp_digits(files[-1].name.split("/", 1)[0]) is not None:
            raise UsageError(
                f"the migrations of this stream are named by timestamp ({files[-1].name}): create the next one "
                "with the tool that names them (diesel: `diesel migration generate NAME`)"
            )
        stem = f"{number:0{width}d}_{slug}"
        name: str | None = None
        if len(self.alternatives) == 1:
            segments = self.alternatives[0]
            if segments == ("*.sql",):
                name = f"{stem}.sql"
            elif len(segments) == 2 and segments[0] == "*" and not any(c in segments[1] for c in "*?[{"):
                name = f"{stem}/{segments[1]}"
        if name is None or not self.is_migration(name):
            raise UsageError(f"grove-schema cannot name a new file for {self.described}: create it by hand")
        return name

    def ignored_reason(self, name: str) -> str | None:
        return f"{self.described} does not take it"


def parse_version(text: str) -> tuple[tuple[int, ...], int, str] | None:
    """A folder name read as a version (`0.19`, `v1.2.3`, `2.0.0-rc.1`) as an ordering key, or None."""
    body = text[1:] if text[:1] in ("v", "V") else text
    core, dash, pre = body.partition("-")
    parts = core.split(".")
    if not all(part and len(part) <= MAX_NUMBER_DIGITS and all("0" <= c <= "9" for c in part) for part in parts):
        return None
    if dash and not pre:
        return None
    return (tuple(int(part) for part in parts), 0 if dash else 1, pre)  # a pre-release sorts before its release


class SemverLayout(GlobLayout):
    """`order = "semver"`: a folder per version (`0.19/01__x.sql`), the versions in semantic order
    (0.2 before 0.19), then the files of each by their own number; numbers count within a folder.
    The files are `<version>/*.sql`, or what `migrations_pattern` takes in version folders."""

    def __init__(self, pattern: str | None, migrations: str) -> None:
        directory = normalize_relative(migrations)
        default = "*/*.sql" if directory == "." else f"{directory}/*/*.sql"
        super().__init__(pattern or default, migrations)
        self.described = 'order = "semver"' + (f" with migrations_pattern {pattern!r}" if pattern else "")

    def enters(self, folder: str) -> bool:
        return parse_version(folder.split("/", 1)[0]) is not None and super().enters(folder)

    def is_migration(self, name: str) -> bool:
        return "/" in name and parse_version(name.split("/", 1)[0]) is not None and super().is_migration(name)

    def scope_of(self, name: str) -> str:
        return name.split("/", 1)[0] if "/" in name else ""

    def number_text(self, name: str) -> str | None:
        match = _LEADING_DIGITS.match(name.rsplit("/", 1)[-1])
        return match.group(1) if match else None

    def ordered(self, files: list[MigrationFile]) -> list[MigrationFile]:
        def key(migration: MigrationFile) -> tuple[Any, ...]:
            version = parse_version(migration.scope) or ((), 0, "")
            number = (1, 0) if migration.number is None else (0, migration.number)
            return (version, number, code_units(migration.name))

        return sorted(files, key=key)

    def order_surprise(self, migration: MigrationFile) -> str | None:
        return None

    def next_file_name(self, number: int, width: int, slug: str, files: Sequence[MigrationFile] = ()) -> str:
        if not files:
            raise UsageError("the stream has no version folder yet: create the first one (for example 0.1/) by hand")
        last = files[-1]
        tail = last.name.rsplit("/", 1)[-1]
        after = tail[len(last.number_text) :] if last.number_text else ""
        separator = "__" if after.startswith("__") else "_"
        name = f"{last.scope}/{number:0{width}d}{separator}{slug}.sql"
        if not self.is_migration(name):
            raise UsageError(f"{name} would not match {self.described}")
        return name

    def ignored_reason(self, name: str) -> str | None:
        folder = name.rsplit("/", 1)[0] if "/" in name else None
        if folder is None:
            return f"{self.described} takes only files in version folders (for example 1.2/{name})"
        if parse_version(folder.split("/", 1)[0]) is None:
            return f"its folder {folder}/ is not a version ({self.described} reads folders named like 1.2 or v1.2.3)"
        return f"{self.described} does not take it"


# --- drizzle-kit's meta/_journal.json --------------------------------------------------------------

JOURNAL_PATH = ("meta", "_journal.json")  # below the migrations folder, where drizzle-kit writes it


def parse_journal(text: str) -> list[str] | str:
    """The tags of drizzle-kit's journal in its order (drizzle's migrator reads `entries` in array
    order, each `<tag>.sql`), or why it cannot be read."""
    import json

    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:
        return f"it is not JSON ({error})"
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return "it has no `entries` list"
    tags = []
    for index, entry in enumerate(entries):
        tag = entry.get("tag") if isinstance(entry, dict) else None
        if not isinstance(tag, str) or not tag:
            return f"its entry {index} has no `tag`"
        tags.append(tag)
    return tags


def journal_tag(name: str) -> str:
    """The journal tag of a migration: `0001_x.sql` and `0001_x/migration.sql` are both `0001_x`."""
    return name.split("/", 1)[0].removesuffix(".sql")


def journal_order(
    files: Sequence[MigrationFile], tags: Sequence[str]
) -> tuple[list[MigrationFile], list[MigrationFile], list[str]]:
    """The journal's files in its order, the files it does not list, and its tags without a file."""
    by_tag: dict[str, list[MigrationFile]] = {}
    for migration in files:
        by_tag.setdefault(journal_tag(migration.name), []).append(migration)
    listed: list[MigrationFile] = []
    missing: list[str] = []
    seen: set[str] = set()
    for tag in tags:
        if tag in seen:
            continue
        seen.add(tag)
        if tag in by_tag:
            listed.extend(by_tag[tag])
        else:
            missing.append(tag)
    unlisted = [migration for migration in files if journal_tag(migration.name) not in seen]
    return listed, unlisted, missing


def layout_for(
    file_pattern: str | None,
    *,
    migrations_pattern: str | None = None,
    order: str = "wrangler",
    migrations: str = "migrations",
) -> StreamLayout:
    """The layout of a database: its `file_pattern`, its `migrations_pattern` (relative to the
    root, under `migrations`), its `order`; wrangler's when none is set."""
    if order == "semver":
        return SemverLayout(migrations_pattern, migrations)
    if migrations_pattern:
        return GlobLayout(migrations_pattern, migrations)
    return PatternLayout(file_pattern) if file_pattern else WRANGLER_LAYOUT
