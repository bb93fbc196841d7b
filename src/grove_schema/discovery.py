"""Which files make up a database's migration stream, in the order wrangler applies them, and
which `.sql`-looking files near it are never applied. The I/O half of `layouts`: it lists the
directories, the layout judges the names.

wrangler 4.86 takes every directory entry whose name ends in `.sql`: symbolic links (followed),
dot-files, and entries it then cannot read (a directory crashes the apply with EISDIR). So does
`survey_stream`, with a finding for each case a reviewer would not expect. With a
`migrations_pattern` (wrangler 4.98+) it walks the sub-folders the pattern can reach, as wrangler
does: regular files only (a symbolic link is never applied, and is a finding here).

When the folder holds drizzle-kit's `meta/_journal.json`, the journal's entries are the stream, in
its order: a file it does not list, or an entry without a file, is a finding (`journal-mismatch`)."""

from __future__ import annotations

import enum
import os
import stat
from dataclasses import field, replace
from pathlib import Path

from grove_schema.codes import (
    HIDDEN_MIGRATION,
    JOURNAL_MISMATCH,
    SURPRISING_ORDER,
    SYMLINKED_MIGRATION,
    UNAPPLIABLE_ENTRY,
)
from grove_schema.findings import Finding, Location, Severity, make_finding, short_list, with_fix
from grove_schema.layouts import (
    JOURNAL_PATH,
    WRANGLER_LAYOUT,
    MigrationFile,
    StreamLayout,
    journal_order,
    journal_tag,
    parse_journal,
)
from grove_schema.records import FrozenRecord, frozen_record

__all__ = [
    "Ignored",
    "IgnoredFile",
    "MigrationFile",
    "StreamSurvey",
    "discover_stream",
    "is_within",
    "stray_files",
    "survey_stream",
]


@frozen_record()
class StreamSurvey(FrozenRecord):
    """A migrations directory as wrangler sees it."""

    files: list[MigrationFile]  # what grove-schema replays, in wrangler's order
    findings: list[Finding] = field(default_factory=list)  # links, dot-files, unreadable entries, odd names
    applied: list[str] = field(default_factory=list)  # every name wrangler lists, in its order
    journal: Path | None = None  # drizzle-kit's meta/_journal.json, when the stream has one


def is_within(path: str | Path, root: str | Path) -> bool:
    """Whether `path`, with every link resolved, lies in `root` (also resolved). Never raises on a loop."""
    real, base = os.path.realpath(path), os.path.realpath(root)
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


def discover_stream(directory: Path, layout: StreamLayout = WRANGLER_LAYOUT) -> list[MigrationFile]:
    """The files grove-schema replays for `directory`, in wrangler's order (see `survey_stream`)."""
    return survey_stream(directory, layout).files


def survey_stream(directory: Path, layout: StreamLayout = WRANGLER_LAYOUT, root: Path | None = None) -> StreamSurvey:
    """Every entry of `directory` the layout takes, as wrangler takes them: symbolic links followed,
    dot-files included, in wrangler's order. Entries that are not readable files (a directory, a
    FIFO, a broken or looping link) and links that leave `root` are not replayed: each is an error
    finding. Symbolic links, dot-files and names whose order surprises are warnings."""
    candidates, links = _candidates(directory, layout)
    ordered = layout.ordered(candidates)
    files: list[MigrationFile] = []
    findings: list[Finding] = [_skipped_link(link, name, layout) for link, name in links]
    journal = directory.joinpath(*JOURNAL_PATH)
    has_journal = os.path.isfile(journal)
    if has_journal:
        ordered, journal_findings = _journal_order(journal, ordered)
        findings.extend(journal_findings)
    for index, migration in enumerate(ordered):
        path = migration.path
        at = Location(str(path), 1, 1)
        linked = os.path.islink(path)
        problem = _unappliable(path)
        if problem is not None:
            later = [m.name for m in ordered[index + 1 :]]  # only here: for every file it is quadratic
            findings.append(
                make_finding(
                    UNAPPLIABLE_ENTRY, with_fix(f"{_shown(migration.name)} is {problem}" + _stops(later), _RENAME), at
                )
            )
            continue
        if linked:
            target = os.path.realpath(path)
            if root is not None and not is_within(target, root):
                message = with_fix(
                    f"{_shown(migration.name)} is a symbolic link that leaves the project ({_shown(str(root))}): "
                    "wrangler applies the SQL it points to, which grove-schema does not read or check",
                    "replace the link by a copy of the SQL",
                )
                findings.append(replace(make_finding(SYMLINKED_MIGRATION, message, at), severity=Severity.ERROR))
                continue
            shown_target = os.path.relpath(target, os.path.realpath(root)) if root is not None else target
            findings.append(
                make_finding(
                    SYMLINKED_MIGRATION,
                    with_fix(
                        f"{_shown(migration.name)} is a symbolic link to {_shown(shown_target)}: wrangler applies "
                        "the SQL it points to, and a review sees only the link",
                        "replace the link by a copy of the SQL",
                    ),
                    at,
                )
            )
        if migration.name.startswith("."):
            findings.append(
                make_finding(
                    HIDDEN_MIGRATION,
                    with_fix(
                        f"{_shown(migration.name)} starts with a dot: wrangler applies it (here "
                        f"{_ordinal(index + 1)} of {len(ordered)}), but ls and most review tools hide it",
                        "rename it without the leading dot, or delete it if it is not meant to be applied",
                    ),
                    at,
                )
            )
        surprise = layout.order_surprise(migration)
        if surprise is not None:
            findings.append(
                make_finding(
                    SURPRISING_ORDER,
                    with_fix(
                        f"{_shown(migration.name)}: {surprise}; wrangler applies it {_ordinal(index + 1)} of "
                        f"{len(ordered)}",
                        "rename it to a plain ASCII number (`grove-schema new NAME` gives the next one) before it "
                        "is applied",
                    ),
                    at,
                )
            )
        files.append(migration)
    return StreamSurvey(files, findings, [m.name for m in ordered], journal if has_journal else None)


def _candidates(directory: Path, layout: StreamLayout) -> tuple[list[MigrationFile], list[tuple[Path, str]]]:
    """The files the layout takes, and (for a layout whose wrangler skips them) the symbolic links it
    would have taken. A flat layout lists names as wrangler 4.86 does (a link counts as what it
    points to); a nested one walks as 4.98 does (folders the pattern can reach, regular files)."""
    if layout.follows_links:
        names = os.listdir(directory)
        return [layout.migration(directory / name) for name in names if layout.is_migration(name)], []
    found: list[MigrationFile] = []
    links: list[tuple[Path, str]] = []
    pending: list[tuple[Path, str]] = [(directory, "")]
    while pending:
        folder, relative = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            if not relative:
                raise
            continue  # wrangler skips a folder it cannot read
        for entry in entries:
            name = f"{relative}/{entry.name}" if relative else entry.name
            path = Path(entry.path)
            if entry.is_symlink():
                if layout.is_migration(name):
                    links.append((path, name))
            elif _is_dir(entry):
                if layout.enters(name):
                    pending.append((path, name))
            elif _is_file(entry) and layout.is_migration(name):
                found.append(layout.migration(path, name))
    return found, links


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file(follow_symlinks=False)
    except OSError:
        return False


def _skipped_link(path: Path, name: str, layout: StreamLayout) -> Finding:
    return make_finding(
        SYMLINKED_MIGRATION,
        with_fix(
            f"{_shown(name)} is a symbolic link: with {layout.described} wrangler (4.98+) takes regular files "
            "only, so it never applies it",
            "replace the link by a copy of the SQL",
        ),
        Location(str(path), 1, 1),
    )


def _journal_order(journal: Path, ordered: list[MigrationFile]) -> tuple[list[MigrationFile], list[Finding]]:
    """The stream in the journal's order, and a finding for each file it does not list and each of
    its entries without a file; the layout's order when the journal cannot be read."""
    from grove_schema.files import read_bounded

    shown = "/".join(JOURNAL_PATH)
    try:
        text = read_bounded(journal).decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        tags: list[str] | str = f"it cannot be read ({reason})"
        text = ""
    else:
        tags = parse_journal(text)
    if isinstance(tags, str):
        message = with_fix(
            f"drizzle-kit's {shown} is not used: {tags}; the stream is checked in the layout's own order",
            "regenerate the journal with `drizzle-kit generate`",
        )
        return ordered, [make_finding(JOURNAL_MISMATCH, message, Location(str(journal), 1, 1))]
    listed, unlisted, missing = journal_order(ordered, tags)
    findings = [
        make_finding(
            JOURNAL_MISMATCH,
            with_fix(
                f"{_shown(migration.name)} is not in {shown} (no entry with tag {journal_tag(migration.name)!r}): "
                "drizzle-kit's migrator never applies it, so grove-schema does not replay it",
                "regenerate the journal (`drizzle-kit generate`) or remove the file",
            ),
            Location(str(migration.path), 1, 1),
        )
        for migration in unlisted
    ]
    for tag in missing:
        line, column = _line_of(text, f'"{tag}"')
        message = with_fix(
            f"{shown} lists {tag!r} but no migration file has that tag ({tag}.sql): drizzle-kit's migrator stops there",
            "restore the file or remove the entry",
        )
        findings.append(
            replace(
                make_finding(JOURNAL_MISMATCH, message, Location(str(journal), line, column)),
                severity=Severity.ERROR,
            )
        )
    return listed, findings


def _line_of(text: str, needle: str) -> tuple[int, int]:
    """Line and column of the first `needle` in `text` (1, 1 when absent)."""
    at = text.find(needle)
    if at < 0:
        return 1, 1
    start = text.rfind("\n", 0, at) + 1
    return text.count("\n", 0, at) + 1, at - start + 1


def _unappliable(path: Path) -> str | None:
    """Why wrangler cannot read the entry as a migration (it stops there), or None."""
    try:
        info = os.stat(path)
    except OSError as error:
        if os.path.islink(path):
            return f"a symbolic link that leads nowhere ({error.strerror or error}): wrangler stops here"
        return f"unreadable ({error.strerror or error}): wrangler stops here"
    if stat.S_ISREG(info.st_mode):
        return None
    if stat.S_ISDIR(info.st_mode):
        return "a directory: wrangler stops here with EISDIR"
    if stat.S_ISFIFO(info.st_mode):
        return "a FIFO: wrangler's read blocks here until something writes to it"
    return "not a regular file: wrangler cannot apply it"


_RENAME = "rename it so that its name does not end in `.sql` (or make it a regular file of SQL)"


def _stops(later: list[str]) -> str:
    if not later:
        return "; grove-schema cannot replay it"
    files = "file" if len(later) == 1 else f"{len(later)} files"
    return (
        f", so the {files} after it ({short_list([_shown(name) for name in later])}) "
        f"{'is' if len(later) == 1 else 'are'} never applied; grove-schema replays "
        f"{'it' if len(later) == 1 else 'them'} but cannot replay this entry"
    )


def _shown(text: str) -> str:
    """A name fit for a message: control characters and undecodable bytes escaped."""
    from grove_schema.findings import printable

    return printable(text)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class Ignored(enum.Enum):
    """Why a `.sql`-looking file near a stream is never applied."""

    UPPERCASE = "uppercase"  # `.SQL`: wrangler matches `.sql` only
    SUBFOLDER = "subfolder"  # wrangler reads only the files directly in the directory
    LAYOUT = "layout"  # a nested layout does not take it (`why` says how)


@frozen_record()
class IgnoredFile(FrozenRecord):
    """A file in a migrations folder that wrangler does not apply, and why."""

    path: Path
    reason: Ignored
    why: str | None = None  # LAYOUT: the layout's reason; UPPERCASE: the name it would take


def stray_files(
    directory: Path, files: list[MigrationFile], claimed: set[str], layout: StreamLayout = WRANGLER_LAYOUT
) -> list[IgnoredFile]:
    """`.sql`-looking files near the stream that are never applied: names the layout does not take
    (`.SQL`), and such files in sub-folders that no database claims as its own migrations directory
    (`claimed` holds real paths). Links to folders are not followed (wrangler does not read sub-folders).
    For a nested layout: `.sql` files in folders where it takes nothing, and `.SQL` names it would
    take as `.sql` (a `down.sql` beside its `up.sql` is not a stray)."""
    if not layout.follows_links:
        return _layout_strays(directory, claimed, layout)
    in_stream = {migration.name for migration in files}
    found = []
    for entry in sorted(os.scandir(directory), key=lambda entry: entry.name):
        path = Path(entry.path)
        if _is_uppercase_stray(entry.name, in_stream, layout):
            if os.path.isfile(path):  # follows a link; False (never raises) for a loop
                found.append(IgnoredFile(path, Ignored.UPPERCASE))
            continue
        if entry.is_symlink():
            continue
        if _is_dir(entry) and not entry.name.startswith(".") and os.path.realpath(path) not in claimed:
            found.extend(IgnoredFile(below, Ignored.SUBFOLDER) for below in _sql_files_below(path, claimed, layout))
    return found


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _is_uppercase_stray(name: str, in_stream: set[str], layout: StreamLayout) -> bool:
    return layout.looks_like_migration(name) and not name.endswith(".sql") and name not in in_stream


def _sql_files_below(folder: Path, claimed: set[str], layout: StreamLayout) -> list[Path]:
    found: list[Path] = []
    for current, subfolders, names in os.walk(folder):
        base = Path(current)
        # A claimed folder is another database's stream, checked on its own; dot-folders are tooling.
        subfolders[:] = sorted(
            name for name in subfolders if not name.startswith(".") and os.path.realpath(base / name) not in claimed
        )
        found.extend(base / name for name in sorted(names) if layout.looks_like_migration(name) and name[0] != ".")
    return found


def _layout_strays(directory: Path, claimed: set[str], layout: StreamLayout) -> list[IgnoredFile]:
    found: list[IgnoredFile] = []
    for current, subfolders, names in os.walk(directory):
        base = Path(current)
        subfolders[:] = sorted(
            name for name in subfolders if not name.startswith(".") and os.path.realpath(base / name) not in claimed
        )
        relative = base.relative_to(directory).as_posix()
        prefix = "" if relative == "." else f"{relative}/"
        taken = [name for name in names if layout.is_migration(prefix + name)]
        for name in sorted(names):
            if name.startswith(".") or not layout.looks_like_migration(name) or name in taken:
                continue
            if name.endswith(".sql") and taken:
                continue  # beside a migration: its down file, or a part the tool keeps there
            path = base / name
            lowered = [c for c in (prefix + name[:-4] + ".sql", prefix + name.lower()) if layout.is_migration(c)]
            if not name.endswith(".sql") and lowered:
                found.append(IgnoredFile(path, Ignored.UPPERCASE, lowered[0].rsplit("/", 1)[-1]))
            elif name.endswith(".sql"):
                why = layout.ignored_reason(prefix + name)
                if why is not None:
                    found.append(IgnoredFile(path, Ignored.LAYOUT, why))
    return found
