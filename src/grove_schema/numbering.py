"""Numbering: the checks that keep a stream's numbers in the order wrangler will apply them.

wrangler orders files by their leading integer and records only names, so two files with one number
both run (silently), a low number merged late runs out of order (silently), and some names are never
applied at all. The reservation file (`NEXT_MIGRATION_NUMBER.txt`) serialises who takes the next number.

Pure: the caller discovers the files, reads the reservation's text and the lock, and lists the files
wrangler ignores; `check_numbering` turns that into findings.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import field
from pathlib import Path

from grove_schema.codes import (
    CONFIG_GRANDFATHER_UNUSED,
    DUPLICATE_NUMBER,
    FILENAME,
    OUT_OF_ORDER,
    RESERVATION_MISMATCH,
    RESERVATION_MISSING,
)
from grove_schema.discovery import Ignored, IgnoredFile
from grove_schema.findings import Finding, Location, make_finding, short_list, with_fix
from grove_schema.layouts import MAX_NUMBER_DIGITS, MigrationFile, parse_number
from grove_schema.locking import Lock
from grove_schema.records import FrozenRecord, frozen_record

WRANGLER_WIDTH = 4  # `wrangler d1 migrations create` writes 0001_name.sql
NEW_HINT = "`grove-schema new NAME` keeps the two in step"
_CONFLICT_MARKERS = ("<<<<<<<", "=======", ">>>>>>>", "|||||||")


@frozen_record()
class Reservation(FrozenRecord):
    """The configured reservation file: `text` is None when it does not exist."""

    path: Path
    text: str | None
    configured_at: Location | None = None  # the `reservation` key in ownership.toml


@frozen_record()
class ReservedNumber(FrozenRecord):
    """The number NEXT_MIGRATION_NUMBER.txt holds, with its width in digits."""

    number: int
    width: int  # the zero-padding to keep when writing it back


@frozen_record()
class StreamFacts(FrozenRecord):
    """What the numbering checks need to know about one stream."""

    directory: Path
    files: Sequence[MigrationFile]
    grandfathered: Sequence[int] = ()
    grandfathered_at: Location | None = None  # the `grandfathered_collisions` key in ownership.toml
    reservation: Reservation | None = None
    lock: Lock | None = None
    ignored: Sequence[IgnoredFile] = field(default_factory=tuple)
    root: Path | None = None  # the project's root: paths in messages are shown relative to it

    def shown(self, path: Path) -> str:
        """`path` relative to the project's root (POSIX slashes); as given when outside it."""
        if self.root is not None:
            try:
                return path.relative_to(self.root).as_posix()
            except ValueError:
                pass
        return path.as_posix()


def parse_reservation(text: str) -> ReservedNumber | None:
    """The number on the reservation's first non-blank line; None when it is not a number.

    Later lines are notes (`grove-schema new` records the file that took the previous number there,
    so that two branches taking the same number conflict in git)."""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped:
            number = parse_number(stripped)
            return ReservedNumber(number, len(stripped)) if number is not None else None
    return None


def render_reservation(number: int, width: int, taken_by: str | None = None) -> str:
    text = f"{number:0{width}d}\n"
    if taken_by is not None:
        text += f"# last: {taken_by} (a merge conflict here means two branches took one number)\n"
    return text


def current_sequence(files: Sequence[MigrationFile]) -> Sequence[MigrationFile]:
    """The files whose numbers the next migration continues: the last scope's (a `semver` stream
    numbers each version folder on its own); every file for one sequence per stream."""
    if not files or all(not m.scope for m in files):
        return files
    last = files[-1].scope
    return [m for m in files if m.scope == last]


def highest_number(files: Sequence[MigrationFile]) -> int | None:
    numbers = [m.number for m in files if m.number is not None]
    return max(numbers) if numbers else None


def usual_width(files: Sequence[MigrationFile]) -> int:
    """The digit width most files of the stream use (wrangler's 4 for an empty stream)."""
    widths = Counter(len(text) for m in files if (text := m.number_text) is not None)
    if not widths:
        return WRANGLER_WIDTH
    return max(widths.items(), key=lambda item: (item[1], item[0]))[0]


def check_numbering(stream: StreamFacts) -> list[Finding]:
    findings = _duplicates(stream)
    findings += _reservation(stream)
    findings += _out_of_order(stream)
    findings += _file_names(stream)
    return findings


def _fmt(number: int, width: int) -> str:
    return f"{number:0{width}d}"


def _duplicates(stream: StreamFacts) -> list[Finding]:
    groups: dict[tuple[str, int], list[MigrationFile]] = {}
    for migration in stream.files:
        if migration.number is not None:
            groups.setdefault((migration.scope, migration.number), []).append(migration)
    grandfathered = set(stream.grandfathered)
    locked = stream.lock.names if stream.lock is not None else frozenset()
    findings = []
    for (_scope, number), group in sorted(groups.items()):
        if len(group) < 2 or number in grandfathered:
            continue
        names = short_list([m.name for m in group])
        # Point at the files still free to change; if all are applied, only grandfathering is left.
        unlocked = [m for m in group if m.name not in locked]
        targets = unlocked or group
        if unlocked:
            fix = "renumber the unapplied one with `grove-schema new NAME` (move its SQL there)"
        else:
            fix = f'list "{group[0].number_text or number}" in grandfathered_collisions (all of them are applied)'
        for migration in targets:
            findings.append(
                make_finding(
                    DUPLICATE_NUMBER,
                    with_fix(
                        f"number {migration.number_text or number} is shared by {names}: wrangler applies "
                        "all of them, silently, in name order",
                        fix,
                    ),
                    Location(str(migration.path), 1, 1),
                )
            )
    for number in sorted(grandfathered):
        count = max((len(group) for (_scope, n), group in groups.items() if n == number), default=0)
        if count < 2:
            carried = "no file carries" if count == 0 else "only one file carries"
            findings.append(
                make_finding(
                    CONFIG_GRANDFATHER_UNUSED,
                    with_fix(
                        f"grandfathered_collisions lists {_fmt(number, usual_width(stream.files))} but {carried} "
                        "that number",
                        "remove it from the list",
                    ),
                    stream.grandfathered_at,
                )
            )
    return findings


def _reservation(stream: StreamFacts) -> list[Finding]:
    reservation = stream.reservation
    if reservation is None:
        return []
    name = reservation.path.name
    sequence = current_sequence(stream.files)
    highest = highest_number(sequence)
    expected = (highest or 0) + 1
    if reservation.text is None:
        where = "" if reservation.path.parent == stream.directory else f" (in {reservation.path.parent})"
        return [
            make_finding(
                RESERVATION_MISSING,
                with_fix(
                    f"the reservation file {name} does not exist{where}, so nothing makes two branches that take "
                    "the same number conflict",
                    f"create it holding {_fmt(expected, usual_width(sequence))} (the highest number + 1), then "
                    "create migrations with `grove-schema new NAME`",
                ),
                reservation.configured_at,
            )
        ]
    at_file = Location(str(reservation.path), 1, 1)
    reserved = parse_reservation(reservation.text)
    if reserved is None:
        first = next((line.strip() for line in reservation.text.splitlines() if line.strip()), "")
        if first.startswith(_CONFLICT_MARKERS):
            why = "has unresolved merge conflict markers: two branches took the same number"
        else:
            shown = repr(first) if len(first) <= 40 else f"{first[:20]!r}... ({len(first)} characters)"
            why = (
                f"holds {shown}, not a number (ASCII digits 0-9, at most {MAX_NUMBER_DIGITS})" if first else "is empty"
            )
        return [
            make_finding(
                RESERVATION_MISMATCH,
                with_fix(
                    f"{name} {why}", f"set it to {_fmt(expected, usual_width(sequence))} (the highest number + 1)"
                ),
                at_file,
            )
        ]
    if reserved.number == expected:
        return []
    held = _fmt(reserved.number, reserved.width)
    want = _fmt(expected, reserved.width)
    taken = [m for m in sequence if m.number is not None and m.number >= reserved.number]
    if not taken:  # bumped too far, or the file that took the number was deleted
        highest_text = _fmt(highest, reserved.width) if highest is not None else "none"
        return [
            make_finding(
                RESERVATION_MISMATCH,
                with_fix(
                    f"{name} holds {held} but the highest migration number is {highest_text}",
                    f"set it to {want} (the highest number + 1)",
                ),
                at_file,
            )
        ]
    findings = []
    for migration in taken:
        if migration.number == reserved.number:
            message = with_fix(
                f"{name} holds {held} but {migration.name} already took that number",
                f"bump it to {want} ({NEW_HINT})",
            )
        else:
            message = with_fix(
                f"{migration.name} is numbered above the reserved {held} ({name})",
                f"renumber it to {held} and bump {name}, or set {name} to {want} ({NEW_HINT})",
            )
        findings.append(make_finding(RESERVATION_MISMATCH, message, Location(str(migration.path), 1, 1)))
    return findings


def _out_of_order(stream: StreamFacts) -> list[Finding]:
    lock = stream.lock
    if lock is None:
        return []
    if any(m.scope for m in stream.files):
        return _out_of_order_by_place(stream.files, lock)
    top = lock.highest()
    if top is None or top.number is None:
        return []
    findings = []
    for migration in stream.files:
        if migration.number is None or migration.number >= top.number or lock.entry(migration.name) is not None:
            continue
        findings.append(
            make_finding(
                OUT_OF_ORDER,
                with_fix(
                    f"{migration.name} is new but numbered below {top.name}, the highest locked (applied) "
                    "migration: wrangler would apply it after the others, out of order, without a warning",
                    "renumber it with `grove-schema new NAME` (move its SQL there)",
                ),
                Location(str(migration.path), 1, 1),
            )
        )
    return findings


def _out_of_order_by_place(files: Sequence[MigrationFile], lock: Lock) -> list[Finding]:
    """A stream numbered per scope (`semver`): a new file placed before the last locked one."""
    places = [index for index, migration in enumerate(files) if lock.entry(migration.name) is not None]
    if not places:
        return []
    last = files[places[-1]]
    return [
        make_finding(
            OUT_OF_ORDER,
            with_fix(
                f"{migration.name} is new but comes before {last.name}, the last locked (applied) migration: "
                "it would be applied after the others, out of order",
                "move it to the newest version folder",
            ),
            Location(str(migration.path), 1, 1),
        )
        for migration in files[: places[-1]]
        if lock.entry(migration.name) is None
    ]


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _file_names(stream: StreamFacts) -> list[Finding]:
    findings = []
    for migration in stream.files:
        at = Location(str(migration.path), 1, 1)
        if migration.number is None:
            findings.append(
                make_finding(
                    FILENAME,
                    with_fix(
                        f"{migration.name} has no number: wrangler's order gives it no place of its own (here it "
                        f"runs {_ordinal(stream.files.index(migration) + 1)} of {len(stream.files)})",
                        "give it the next number (`grove-schema new NAME`)",
                    ),
                    at,
                )
            )
        if "'" in migration.name:
            findings.append(
                make_finding(
                    FILENAME,
                    with_fix(
                        f"the ' in {migration.name} broke wrangler's bookkeeping INSERT before 4.105 "
                        '(`near "s": syntax error`)',
                        "rename it without the ' before it is applied",
                    ),
                    at,
                )
            )
    for ignored in sorted(stream.ignored, key=lambda i: str(i.path)):
        if ignored.reason is Ignored.UPPERCASE:
            message = with_fix(
                f"wrangler ignores {ignored.path.name}: it applies only names ending in lower-case `.sql`",
                f"rename it to {ignored.why or ignored.path.stem + '.sql'}",
            )
        elif ignored.reason is Ignored.LAYOUT:
            shown = ignored.path.relative_to(stream.directory).as_posix()
            message = with_fix(f"wrangler ignores {shown}: {ignored.why}", "rename or move it, or widen the pattern")
        else:
            directory = stream.shown(stream.directory)
            message = with_fix(
                f"wrangler ignores {ignored.path.name}: it applies only the files directly in {directory}/, "
                f"not in the sub-folder {stream.shown(ignored.path.parent)}/ (it reads sub-folders only with "
                "`migrations_pattern`, wrangler 4.98+)",
                f"move it up into {directory}/, set migrations_pattern for a nested layout, or give the folder "
                "its own database in ownership.toml",
            )
        findings.append(make_finding(FILENAME, message, Location(str(ignored.path), 1, 1)))
    return findings
