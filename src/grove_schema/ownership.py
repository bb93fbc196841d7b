"""The ownership map: which database owns each table, checked against where tables live.

A table *lives* in the streams whose replay holds it, and is *owned* by the database whose
`tables` patterns claim it (exact names or globs), else by `default_database`. Retired tables
and columns (`[retired]`) are planned drops. Indexes and triggers go with their table; a view
goes with the tables it reads.
"""

from __future__ import annotations

import fnmatch
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grove_schema.codes import (
    CONFIG_PATTERN_UNMATCHED,
    CROSS_DATABASE_REFERENCE,
    FOREIGN_TABLE_CHANGE,
    LOST_CASCADE,
    PENDING_MOVE,
    RETIRED_STILL_REFERENCED,
    SQLITE_ERROR,
    UNOWNED_TABLE,
)
from grove_schema.config import ProjectConfig
from grove_schema.errors import ConfigError
from grove_schema.findings import Finding, Location, Severity, make_finding, plural, short_list, with_fix
from grove_schema.graph import OwnerOf, Reference, ReferenceIndex, build_graph, reference_index
from grove_schema.model import Provenance, Schema, key
from grove_schema.records import FrozenRecord, Record, frozen_record
from grove_schema.replay import ReplayedStatement, StreamReplay
from grove_schema.sql.parsing import Kind
from grove_schema.suggestions import closest

if TYPE_CHECKING:
    import networkx as nx


@frozen_record()
class Claim(FrozenRecord):
    """A table name or pattern a database claims in ownership.toml."""

    database: str
    pattern: str


def is_literal(pattern: str) -> bool:
    """Whether a `tables` pattern has no fnmatch wildcard (`*`, `?`, `[`)."""
    return not any(char in pattern for char in "*?[")


class OwnershipMap:
    """Resolves a table's owner from ownership.toml. A table claimed by two databases is a
    configuration error naming both patterns."""

    def __init__(self, config: ProjectConfig) -> None:
        self.config = config
        self.claims: list[Claim] = [
            Claim(db, pattern) for db in sorted(config.databases) for pattern in config.databases[db].tables
        ]
        # A pattern without a wildcard is a name: looked up, not matched against every table
        # (a thousand databases would otherwise cost a million fnmatch calls).
        self._literal: dict[str, list[int]] = {}
        self._wildcards: list[int] = []
        for index, claim in enumerate(self.claims):
            if is_literal(claim.pattern):
                self._literal.setdefault(key(claim.pattern), []).append(index)
            else:
                self._wildcards.append(index)
        self._owners: dict[str, str | None] = {}
        self.retired_tables = {key(name): reason for name, reason in config.retired_tables.items()}
        self.retired_columns: dict[tuple[str, str], str] = {}
        for dotted, reason in config.retired_columns.items():
            table, _, column = dotted.partition(".")
            if not column:
                raise ConfigError(
                    f"retired.columns: {dotted!r} must be written table.column",
                    str(config.path),
                    config.line_of("retired", "columns"),
                )
            self.retired_columns[(key(table), key(column))] = reason

    def claims_of(self, table: str) -> list[Claim]:
        name = key(table)
        hits = self._literal.get(name, []) + [
            i for i in self._wildcards if fnmatch.fnmatchcase(name, key(self.claims[i].pattern))
        ]
        return [self.claims[i] for i in sorted(hits)]

    def owner_of(self, table: str) -> str | None:
        # Asked once per statement by the lint rules: remember each name's answer.
        name = key(table)
        if name not in self._owners:
            self._owners[name] = self._resolve_owner(table)
        return self._owners[name]

    def _resolve_owner(self, table: str) -> str | None:
        claims = self.claims_of(table)
        databases = sorted({c.database for c in claims})
        if len(databases) > 1:
            named = " and ".join(
                f"{c.database} ({c.pattern})" for c in sorted(claims, key=lambda c: (c.database, c.pattern))
            )
            raise ConfigError(
                f"table {table} is claimed by two databases: {named}; a table has one owner",
                str(self.config.path),
            )
        if databases:
            return databases[0]
        return self.config.default_database

    def is_retired(self, table: str) -> bool:
        return key(table) in self.retired_tables

    def label(self, database: str) -> str:
        db = self.config.databases.get(database)
        return f"{database} ({db.name})" if db else database


def _location(provenance: Provenance) -> Location:
    return Location(provenance.created.path, provenance.created.line, 1)


def _living(schema: Schema) -> dict[str, tuple[str, Provenance]]:
    """Tables (and virtual tables) of a schema: key -> (name, provenance)."""
    found = {k: (t.name, t.provenance) for k, t in schema.tables.items()}
    found.update({k: (v.name, v.provenance) for k, v in schema.virtual_tables.items()})
    return found


@dataclass(eq=False, repr=False)
class OwnershipReport(Record):
    """The ownership check's result: findings, cut references, moves and each database's schema."""

    findings: list[Finding]
    cut: list[Reference]  # references a planned move cuts (both ends live in one stream today)
    moves: dict[tuple[str, str], list[str]]  # (stream, owner) -> tables pending the move
    copied: dict[tuple[str, str], list[str]]  # (stream, owner) -> tables already in the owner's stream
    blockers: list[Finding]  # what stays but needs what leaves: retired-still-referenced, cross-database-reference
    # table key -> the one stream that holds a table no pattern claims (the map's omission, not a move)
    unlisted: dict[str, str] = field(default_factory=dict)
    # SQLite's plain refusals an ownership finding explains (path, first and last (line, column) of the statement)
    explained: list[tuple[str, tuple[int, int], tuple[int, int]]] = field(default_factory=list)

    def explains(self, finding: Finding) -> bool:
        """Whether `finding` is a `sqlite-error` that one of this report's findings says more about."""
        location = finding.location
        if finding.rule is not SQLITE_ERROR or location is None:
            return False
        at = (location.line, location.column)
        return any(path == location.path and start <= at <= end for path, start, end in self.explained)

    schemas: Mapping[str, Schema] = field(default_factory=dict, repr=False)
    owner_of: OwnerOf | None = field(default=None, repr=False)

    @cached_property
    def graph(self) -> nx.MultiDiGraph:
        """The networkx graph of the same schemas, built (and networkx imported) on first use."""
        return build_graph(self.schemas, self.owner_of or (lambda _table: None))


def check_ownership(config: ProjectConfig, streams: Mapping[str, StreamReplay]) -> OwnershipReport:
    ownership = OwnershipMap(config)
    schemas = {db: stream.schema for db, stream in streams.items()}
    # Each schema's tables, made once: the loops below ask for them per table and per reference.
    living_in = {db: _living(schema) for db, schema in schemas.items()}
    unlisted = _unlisted_homes(config, ownership, schemas)
    owners: dict[str, str | None] = {}
    for db in schemas:
        for table_key, (name, _prov) in living_in[db].items():
            if table_key not in owners:
                owners[table_key] = unlisted.get(table_key) or ownership.owner_of(name)

    def owner_of(table: str) -> str | None:
        k = key(table)
        return owners[k] if k in owners else ownership.owner_of(table)

    index = reference_index(schemas)
    findings: list[Finding] = []
    moves: dict[tuple[str, str], list[str]] = defaultdict(list)
    copied: dict[tuple[str, str], list[str]] = defaultdict(list)

    for stream_key in sorted(schemas):
        stream_label = ownership.label(stream_key)
        for table_key, (name, provenance) in sorted(living_in[stream_key].items()):
            owner = owners[table_key]
            if owner is None:
                findings.append(
                    make_finding(
                        UNOWNED_TABLE,
                        with_fix(
                            f"no database claims {name} and ownership.toml sets no default_database, so no check "
                            "knows where it belongs",
                            "add it to a database's `tables`, or set [project] default_database",
                        ),
                        _location(provenance),
                    )
                )
                continue
            if owner == stream_key or ownership.is_retired(name):
                continue
            in_owner = owner in schemas and table_key in living_in[owner]
            (copied if in_owner else moves)[(stream_key, owner)].append(name)
            if in_owner:
                message = with_fix(
                    f"{name} lives in {stream_label} and in {ownership.label(owner)}, which the map gives it to: "
                    "copied, not yet dropped",
                    f"drop it from {stream_key} once the code reads it from {owner} (grove-schema drop writes "
                    "the migration)",
                )
            else:
                message = with_fix(
                    f"{name} lives in {stream_label} but the map gives it to {ownership.label(owner)}: pending move",
                    "move it when its phase comes (grove-schema plan lists the steps)",
                )
            findings.append(make_finding(PENDING_MOVE, message, _location(provenance)))
    for stream_key, owner in sorted({**moves, **copied}):
        count = len(moves.get((stream_key, owner), [])) + len(copied.get((stream_key, owner), []))
        done = len(copied.get((stream_key, owner), []))
        extra = f" ({done} copied, not yet dropped)" if done else ""
        tables = "1 table" if count == 1 else f"{count} tables"
        findings.append(
            make_finding(
                PENDING_MOVE,
                with_fix(
                    f"{tables} in {config.databases[stream_key].name} {'belongs' if count == 1 else 'belong'} "
                    f"to {owner}{extra}",
                    "run grove-schema plan for the order of the move",
                ),
                None,
            )
        )

    findings.extend(_unlisted_tables(config, living_in, unlisted))
    findings.extend(_foreign_table_changes(config, ownership, streams, living_in, owner_of))
    moved_changes, explained = _changes_to_moved_tables(config, ownership, streams, owner_of)
    findings.extend(moved_changes)

    cut: list[Reference] = []
    all_refs = index.references
    reported: set[tuple[str, str, str]] = set()  # (stream, kind, source key) with an error already
    for reference in all_refs:
        stream_key = reference.stream
        schema = schemas[stream_key]
        living = living_in[stream_key]
        target_key = key(reference.target)
        source_key = key(reference.source_table)
        if target_key not in living:
            elsewhere = sorted(db for db, other in living_in.items() if db != stream_key and target_key in other)
            if elsewhere:
                reported.add((stream_key, reference.kind, key(reference.source)))
                findings.append(
                    make_finding(
                        CROSS_DATABASE_REFERENCE,
                        f"{_describe(reference)} reads {reference.target}, which lives in "
                        f"{ownership.label(elsewhere[0])}, not here in {ownership.label(stream_key)}: D1 has no "
                        f'cross-database references (writes fail with "no such table: main.{reference.target}")',
                        _reference_location(schema, reference),
                    )
                )
            continue
        if ownership.is_retired(reference.source_table) or ownership.is_retired(reference.target):
            continue
        source_owner = owners.get(source_key) if reference.kind != "view" else _view_owner(index, reference, owners)
        target_owner = owners.get(target_key)
        if source_owner and target_owner and source_owner != target_owner:
            cut.append(reference)
    findings.extend(_cut_summaries(cut, ownership))
    blockers = _retired_blockers(ownership, schemas, all_refs, index)
    blockers.extend(_split_blockers(ownership, schemas, index, owners, reported))
    findings.extend(blockers)
    findings.extend(_unmatched_patterns(config, ownership, schemas, _ever_created(streams)))
    return OwnershipReport(
        findings, cut, dict(moves), dict(copied), blockers, unlisted, explained, schemas=schemas, owner_of=owner_of
    )


def _describe(reference: Reference) -> str:
    if reference.kind == "foreign_key":
        return f"the foreign key {reference.source}({', '.join(reference.columns)})"
    return f"the {reference.kind} {reference.source}"


def _reference_location(schema: Schema, reference: Reference) -> Location | None:
    k = key(reference.source)
    if reference.kind == "view" and k in schema.views:
        return _location(schema.views[k].provenance)
    if reference.kind == "trigger" and k in schema.triggers:
        return _location(schema.triggers[k].provenance)
    table = schema.table(reference.source)
    return _location(table.provenance) if table else None


def _view_owner(index: ReferenceIndex, reference: Reference, owners: Mapping[str, str | None]) -> str | None:
    """A view belongs to the database of the tables it reads (when they agree)."""
    tables = index.tables_of_view(reference.stream, reference.source)
    read = {owner for table in tables if (owner := owners.get(table)) is not None}
    return next(iter(read)) if len(read) == 1 else None


def _cut_summaries(cut: list[Reference], ownership: OwnershipMap) -> list[Finding]:
    """One info finding per database pair for the references a move cuts, and one for the lost
    cascades among them: a per-reference list belongs to `grove-schema plan`."""
    findings: list[Finding] = []
    pairs: dict[tuple[str, str], list[Reference]] = defaultdict(list)
    for reference in cut:
        source_owner = ownership.owner_of(reference.source_table) or "?"
        target_owner = ownership.owner_of(reference.target) or "?"
        first, second = sorted((source_owner, target_owner))
        pairs[(first, second)].append(reference)
    for (first, second), refs in sorted(pairs.items()):
        kinds = {kind: sum(1 for r in refs if r.kind == kind) for kind in ("foreign_key", "view", "trigger")}
        # The same rule as the error, at info: these references still work today, in one database.
        findings.append(
            Finding(
                rule=CROSS_DATABASE_REFERENCE,
                message=with_fix(
                    f"the planned split cuts {plural(len(refs), 'reference')} between {first} and {second} "
                    f"({plural(kinds['foreign_key'], 'foreign key')}, {plural(kinds['view'], 'view')}, "
                    f"{plural(kinds['trigger'], 'trigger')})",
                    "run grove-schema plan, which lists them and what each needs before the split",
                ),
                location=None,
                severity=Severity.INFO,
            )
        )
        cascades = [r for r in refs if r.kind == "foreign_key" and r.cascades]
        if cascades:
            parents = sorted({r.target for r in cascades}, key=key)
            findings.append(
                make_finding(
                    LOST_CASCADE,
                    with_fix(
                        f"{len(cascades)} foreign {'key' if len(cascades) == 1 else 'keys'} with ON DELETE CASCADE "
                        f"or SET NULL {'is' if len(cascades) == 1 else 'are'} cut between {first} and {second}: "
                        f"after the split, deleting a row of {short_list(parents)} no longer deletes or clears the "
                        "rows that pointed at it",
                        f"delete or clear those rows in the application code that deletes from "
                        f"{short_list(parents)} (grove-schema plan lists the keys)",
                    ),
                    None,
                )
            )
    return findings


def _foreign_table_changes(
    config: ProjectConfig,
    ownership: OwnershipMap,
    streams: Mapping[str, StreamReplay],
    living_in: Mapping[str, dict[str, tuple[str, Provenance]]],
    owner_of: Callable[[str], str | None],
) -> list[Finding]:
    """A change, in one database's stream, to a table the map gives to another whose stream exists.

    Not a change: the statements of a table the owner's stream already holds as they left it (the
    copy was rendered from them: they are the move's history), and the first CREATE TABLE of a
    table the owner's stream holds in any shape. An ALTER or CREATE INDEX that makes the two copies
    differ is reported, as is a table created again after this stream dropped it, and every
    change to a table the owner's stream does not hold."""
    findings: list[Finding] = []
    catalogs = _Catalogs(streams)
    for stream_key, stream in sorted(streams.items()):
        applied = [s for s in stream.statements if s.applied and s.kind is not None]
        drops: dict[str, list[int]] = defaultdict(list)
        for position, replayed in enumerate(applied):
            if replayed.kind is Kind.DROP_TABLE:
                drops[key(replayed.tables[0])].append(position)
        copies: dict[tuple[str, str], bool] = {}  # (owner, table key) -> the owner holds the table as this stream does
        for position, replayed in enumerate(applied):
            for table in _tables_changed(replayed):
                owner = owner_of(table)
                if owner is None or owner == stream_key or ownership.is_retired(table):
                    continue
                owner_db = config.databases.get(owner)
                owner_stream = streams.get(owner)
                if owner_db is None or not owner_db.migrations_dir.is_dir() or _empty(owner_stream):
                    continue  # the owner has no stream yet (or no migration in it): a pending move, not a mistake
                if any(drop > position for drop in drops.get(key(table), [])):
                    continue  # history: this stream later drops the table (the move completed)
                if owner_stream is not None and key(table) in living_in[owner]:
                    first_creation = not any(drop < position for drop in drops.get(key(table), []))
                    if first_creation and replayed.kind in _CREATIONS:
                        continue  # the table's creation: where the owner's copy came from
                    pair = (owner, key(table))
                    if pair not in copies:
                        copies[pair] = _same_table(catalogs, stream_key, owner, key(table))
                    if copies[pair]:
                        continue  # folded into the owner's copy: the move's history
                findings.append(
                    make_finding(
                        FOREIGN_TABLE_CHANGE,
                        f"this migration of {ownership.label(stream_key)} changes {table}, which the map gives to "
                        f"{ownership.label(owner)}; fix: write it in {owner}'s own stream "
                        f"({_configured_path(config, owner_db.migrations_dir)}/) instead",
                        replayed.location,
                    )
                )
    return findings


def _unlisted_homes(config: ProjectConfig, ownership: OwnershipMap, schemas: Mapping[str, Schema]) -> dict[str, str]:
    """Tables no `tables` pattern claims that live in one stream only, not the default database's:
    the map gives them to the default database for want of a line, not as a planned move. Key ->
    the stream that holds it."""
    default = config.default_database
    if default is None:
        return {}  # an unclaimed table is unowned-table
    holders: dict[str, list[str]] = defaultdict(list)
    names: dict[str, str] = {}
    for stream_key, schema in sorted(schemas.items()):
        for table_key, (name, _provenance) in _living(schema).items():
            holders[table_key].append(stream_key)
            names.setdefault(table_key, name)
    homes = {}
    for table_key, streams in holders.items():
        if len(streams) != 1 or streams[0] == default or streams[0] not in config.databases:
            continue
        name = names[table_key]
        if not ownership.claims_of(name) and not ownership.is_retired(name):
            homes[table_key] = streams[0]
    return homes


def _unlisted_tables(
    config: ProjectConfig, living_in: Mapping[str, dict[str, tuple[str, Provenance]]], unlisted: Mapping[str, str]
) -> list[Finding]:
    """One finding per table the map does not list, at its creation, with the `tables` line that
    lists it (and the stream's other unlisted tables)."""
    findings: list[Finding] = []
    by_stream: dict[str, list[str]] = defaultdict(list)
    for table_key, stream_key in sorted(unlisted.items()):
        by_stream[stream_key].append(living_in[stream_key][table_key][0])
    for stream_key, names in sorted(by_stream.items()):
        database = config.databases[stream_key]
        patterns = [*database.tables, *sorted(names, key=key)]
        line = f"tables = [{', '.join(_toml_string(p) for p in patterns)}]"
        existing = config.line_of("databases", stream_key, "tables") if database.tables else None
        where = f"replacing line {existing}" if existing else f"under [databases.{stream_key}]"
        for name in names:
            _name, provenance = living_in[stream_key][key(name)]
            findings.append(
                make_finding(
                    FOREIGN_TABLE_CHANGE,
                    f"{name} lives only in {stream_key}'s stream, but ownership.toml lists it in no database's "
                    f"`tables`, so the map gives it to the default database, {config.default_database}; fix: list "
                    f"it in ownership.toml, {where}: {line}",
                    _location(provenance),
                )
            )
    return findings


def _toml_string(text: str) -> str:
    """`text` as a TOML basic string (JSON's escapes are TOML's)."""
    import json

    return json.dumps(text, ensure_ascii=False)


def _changes_to_moved_tables(
    config: ProjectConfig,
    ownership: OwnershipMap,
    streams: Mapping[str, StreamReplay],
    owner_of: Callable[[str], str | None],
) -> tuple[list[Finding], list[tuple[str, tuple[int, int], tuple[int, int]]]]:
    """A statement that SQLite refuses with "no such table" because the table lives in the stream of
    the database the map gives it to (it moved there): that stream is where the change belongs.
    The findings, and the statements' spans (their plain `sqlite-error` is replaced)."""
    findings: list[Finding] = []
    spans: list[tuple[str, tuple[int, int], tuple[int, int]]] = []
    for stream_key, stream in sorted(streams.items()):
        for replayed in stream.statements:
            missing = _missing_table(replayed.error) if not replayed.applied else None
            if missing is None or replayed.kind not in _TABLE_CHANGES or ownership.is_retired(missing):
                continue
            owner = owner_of(missing)
            owner_stream = streams.get(owner) if owner is not None else None
            if owner is None or owner == stream_key or owner_stream is None:
                continue
            if key(missing) not in _living(owner_stream.schema):
                continue
            table = _living(owner_stream.schema)[key(missing)][0]
            folder = _configured_path(config, config.databases[owner].migrations_dir)
            findings.append(
                make_finding(
                    FOREIGN_TABLE_CHANGE,
                    f"this migration of {ownership.label(stream_key)} changes {table}, which lives in {owner}'s "
                    f'stream, not this one: it fails with "{replayed.error}" (D1 would roll back all of '
                    f"{replayed.file.name} and stop applying migrations there); fix: write it in {owner}'s own "
                    f"stream ({folder}/) instead",
                    replayed.location,
                )
            )
            spans.append((replayed.location.path, *_span(replayed.location, replayed.text)))
    return findings, spans


def _missing_table(error: str | None) -> str | None:
    """The table SQLite's "no such table: [main.]t" names, or None for any other refusal."""
    prefix = "no such table: "
    if error is None or not error.startswith(prefix):
        return None
    name = error[len(prefix) :].split(" ", 1)[0]
    schema, dot, table = name.partition(".")
    return table if dot and schema.lower() == "main" else name


# ALTER TABLE, CREATE INDEX, DROP TABLE, CREATE TRIGGER, or DML (INSERT, UPDATE, DELETE...).
_TABLE_CHANGES = frozenset(
    {
        Kind.ADD_COLUMN,
        Kind.DROP_COLUMN,
        Kind.RENAME_COLUMN,
        Kind.RENAME_TABLE,
        Kind.CREATE_INDEX,
        Kind.CREATE_TRIGGER,
        Kind.DROP_TABLE,
        Kind.DML,
    }
)
_CREATIONS = frozenset({Kind.CREATE_TABLE, Kind.CREATE_TABLE_AS, Kind.CREATE_VIRTUAL_TABLE})


def _span(location: Location, text: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """The first and last (line, column) of a statement that starts at `location`."""
    lines = text.split("\n")
    if len(lines) == 1:
        return (location.line, location.column), (location.line, location.column + len(text))
    return (location.line, location.column), (location.line + len(lines) - 1, len(lines[-1]) + 1)


def _split_blockers(
    ownership: OwnershipMap,
    schemas: Mapping[str, Schema],
    index: ReferenceIndex,
    owners: Mapping[str, str | None],
    reported: set[tuple[str, str, str]],
) -> list[Finding]:
    """Views and triggers that read or write tables the map puts in different databases: after the
    split no database holds all they need, and D1 has no cross-database reads."""
    findings: list[Finding] = []

    def needed(node: tuple[str, ...], kinds: tuple[str, ...], living: Mapping[str, Any]) -> dict[str, str]:
        """Table key -> owner, of the living, staying tables `node` reads or writes."""
        found = {}
        for table_key, kind in index.object_tables.get(node, ()):
            if kind not in kinds or table_key not in living:
                continue
            owner = owners.get(table_key)
            if owner is not None and not ownership.is_retired(living[table_key][0]):
                found[table_key] = owner
        return found

    for stream_key, schema in sorted(schemas.items()):
        living = _living(schema)

        for view_key, view in sorted(schema.views.items()):
            if (stream_key, "view", view_key) in reported:
                continue
            reads = needed(("view", stream_key, view_key), ("reads",), living)
            if len(set(reads.values())) < 2:
                continue
            by_owner: dict[str, list[str]] = defaultdict(list)
            for table_key, owner in reads.items():
                by_owner[owner].append(living[table_key][0])
            listed = " and ".join(
                f"{', '.join(sorted(names, key=key))} ({owner})" for owner, names in sorted(by_owner.items())
            )
            findings.append(
                make_finding(
                    CROSS_DATABASE_REFERENCE,
                    f"the view {view.name} reads {listed}, which the map puts in different databases: after the "
                    "split no database can hold the view, as D1 has no cross-database reads; fix: drop or rewrite "
                    "it in a migration before the split (its work moves into application code)",
                    _location(view.provenance),
                )
            )
        for trigger_key, trigger in sorted(schema.triggers.items()):
            if (stream_key, "trigger", trigger_key) in reported or ownership.is_retired(trigger.table):
                continue
            home = owners.get(key(trigger.table))
            if home is None or key(trigger.table) not in living:
                continue
            node = ("trigger", stream_key, trigger_key)
            written = needed(node, ("writes",), living)
            read = needed(node, ("reads",), living)
            others = {
                table_key: owner
                for table_key, owner in {**read, **written}.items()
                if owner != home and table_key != key(trigger.table)
            }
            if not others:
                continue
            first = sorted(others)[0]
            verb = "writes" if first in written else "reads"
            findings.append(
                make_finding(
                    CROSS_DATABASE_REFERENCE,
                    f"the trigger {trigger.name} on {trigger.table} ({home}) {verb} "
                    f"{living[first][0]}, which the map puts in {others[first]}: after the split "
                    f'it fails with "no such table: main.{living[first][0]}" each time it fires; fix: drop it in a '
                    "migration before the split and move its work into application code",
                    _location(trigger.provenance),
                )
            )
    return findings


def _empty(stream: StreamReplay | None) -> bool:
    return stream is not None and not stream.files


class _Catalogs:
    """Each stream's catalog (`catalog.model_catalog`), computed when first asked."""

    def __init__(self, streams: Mapping[str, StreamReplay]) -> None:
        self.streams = streams
        self.known: dict[str, dict[str, Any]] = {}

    def tables(self, stream_key: str) -> dict[str, Any]:
        if stream_key not in self.known:
            from grove_schema.catalog import model_catalog

            self.known[stream_key] = model_catalog(self.streams[stream_key].schema)["tables"]
        return self.known[stream_key]


def _same_table(catalogs: _Catalogs, stream_key: str, owner: str, table_key: str) -> bool:
    """Whether two streams hold the table with the same columns and indexes (its foreign keys are
    not compared: a copy in another database leaves out the keys that cross databases)."""
    mine = catalogs.tables(stream_key).get(table_key)
    theirs = catalogs.tables(owner).get(table_key)
    if mine is None or theirs is None:  # a virtual table: its module and name are all there is
        return mine is theirs
    return bool(mine["columns"] == theirs["columns"] and mine["indexes"] == theirs["indexes"])


def _configured_path(config: ProjectConfig, directory: Path) -> str:
    """A directory as ownership.toml names it: relative to the project root."""
    try:
        return directory.relative_to(config.root).as_posix()
    except ValueError:
        return str(directory)


def _tables_changed(replayed: ReplayedStatement) -> tuple[str, ...]:
    """The tables a statement creates, alters, renames or indexes (not the one it drops)."""
    return () if replayed.kind is Kind.DROP_TABLE else replayed.tables


def _retired_blockers(
    ownership: OwnershipMap,
    schemas: Mapping[str, Schema],
    refs: list[Reference],
    index: ReferenceIndex,
) -> list[Finding]:
    """Retired tables and columns that something staying still needs."""
    findings: list[Finding] = []
    for reference in refs:
        if not ownership.is_retired(reference.target) or ownership.is_retired(reference.source_table):
            continue
        reason = ownership.retired_tables[key(reference.target)]
        findings.append(
            make_finding(
                RETIRED_STILL_REFERENCED,
                with_fix(
                    f"{reference.target} is retired ({reason}) but {_describe(reference)}, which stays, still needs it",
                    "retire that too, or remove the reference in a migration before the drop",
                ),
                _reference_location(schemas[reference.stream], reference),
            )
        )
    for (table_key, column_key), reason in sorted(ownership.retired_columns.items()):
        for stream_key, schema in sorted(schemas.items()):
            table = schema.tables.get(table_key)
            if table is None or table.column(column_key) is None:
                continue
            column_name = table.column(column_key).name  # type: ignore[union-attr]
            dotted = f"{table.name}.{column_name}"
            for child, fk in schema.referencing_foreign_keys(table.name):
                if ownership.is_retired(child.name):
                    continue
                if column_key in {key(c) for c in fk.ref_columns}:
                    findings.append(
                        make_finding(
                            RETIRED_STILL_REFERENCED,
                            with_fix(
                                f"{dotted} is retired ({reason}) but the foreign key "
                                f"{child.name}({', '.join(fk.columns)}) still references it",
                                f"remove the foreign key (rebuild {child.name} without it) before the column is "
                                "dropped",
                            ),
                            _location(child.provenance),
                        )
                    )
            for user in index.users_of_column(stream_key, table_key, column_key):
                if user.kind == "trigger" and user.table is not None and ownership.is_retired(user.table):
                    continue
                collection = schema.views if user.kind == "view" else schema.triggers
                findings.append(
                    make_finding(
                        RETIRED_STILL_REFERENCED,
                        with_fix(
                            f"{dotted} is retired ({reason}) but the {user.kind} {user.name} still reads it",
                            f"drop or rewrite the {user.kind} first",
                        ),
                        _location(collection[user.node_key].provenance),
                    )
                )
    return findings


def _ever_created(streams: Mapping[str, StreamReplay]) -> set[str]:
    """The tables any stream's applied statements ever created (or renamed a table to)."""
    created: set[str] = set()
    for stream in streams.values():
        for replayed in stream.statements:
            if replayed.applied:
                created.update(key(name) for name in _tables_changed(replayed))
    return created


def _unmatched_patterns(
    config: ProjectConfig, ownership: OwnershipMap, schemas: Mapping[str, Schema], created: set[str]
) -> list[Finding]:
    names = {k for schema in schemas.values() for k in _living(schema)}
    findings = []
    for claim in ownership.claims:
        database = config.databases[claim.database]
        if not database.migrations_dir.is_dir():
            continue  # a database planned, not yet created: its tables still live elsewhere or nowhere
        if is_literal(claim.pattern):
            if key(claim.pattern) in names:
                continue
        elif any(fnmatch.fnmatchcase(name, key(claim.pattern)) for name in names):
            continue
        findings.append(
            make_finding(
                CONFIG_PATTERN_UNMATCHED,
                with_fix(
                    f"databases.{claim.database}.tables: {claim.pattern!r} matches no table in any stream",
                    "correct the name or pattern, or remove it once the table is gone",
                ),
                Location(str(config.path), config.line_of("databases", claim.database, "tables") or 1, 1),
            )
        )
    existing = {k for k, database in config.databases.items() if database.migrations_dir.is_dir()}
    if not existing or not existing <= set(schemas):
        return findings  # some stream not replayed (--database): a retired table may live there
    for name in sorted(config.retired_tables, key=key):
        if key(name) in names or key(name) in created:
            continue  # it lives, or a migration created it and a later one dropped it: the drop is done
        nearest = closest(key(name), names)
        hint = f" (did you mean {nearest!r}?)" if nearest is not None else ""
        findings.append(
            make_finding(
                CONFIG_PATTERN_UNMATCHED,
                with_fix(
                    f"retired.tables: {name!r} matches no table any stream creates{hint}",
                    "correct the name, or remove the entry",
                ),
                Location(str(config.path), _retired_line(config, name) or 1, 1),
            )
        )
    return findings


def _retired_line(config: ProjectConfig, name: str) -> int | None:
    """The line of a retired table's entry: its own key in a `[retired.tables]` table, else the
    `tables =` line of `[retired]` that lists it."""
    own = config.line_of("retired", "tables", name)
    if own is not None and own != config.line_of("retired"):
        return own
    return config.line_of("retired", "tables")
