"""The code audit: each call site's SQL judged against the database its binding reaches.

Pure: the scan (`code.sites.CodeScan`), the replayed streams and the ownership map in; findings,
the resolved uses that `callers` lists and the binding switches that `plan` lists out. For each
call site and each binding that can reach it:

- the binding must be declared by the wrangler config that governs the file where `env.B` is
  written (`undeclared-binding`); it reaches the database whose `name` is the binding's
  `database_name`, or, where no wrangler config governs the file, the database of ownership.toml
  whose `binding` it is; a database ownership.toml does not know is another team's: listed, not judged;
- every table the SQL names must live in some stream (`unknown-table`), in the database reached
  (`wrong-binding`: info while a planned move is pending, an error once it is not there at all);
- every column must exist in that database's table (`unknown-column`);
- the tables of one statement must share a database (`cross-database-query`: info while only the
  map puts them apart).
What cannot be followed statically is `unresolved-call-site`, never dropped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grove_schema.code.sites import (
    BindingUse,
    CallSite,
    CodeScan,
    SourcePosition,
    WranglerConfig,
    compact_places,
    relative_path,
)
from grove_schema.codes import (
    CROSS_DATABASE_QUERY,
    UNDECLARED_BINDING,
    UNKNOWN_COLUMN,
    UNKNOWN_TABLE,
    UNREADABLE_SOURCE,
    UNRESOLVED_CALL_SITE,
    WRONG_BINDING,
)
from grove_schema.config import ProjectConfig
from grove_schema.findings import LISTED_ITEMS, Finding, Location, RuleInfo, Severity, short_list, with_fix
from grove_schema.model import Schema, key
from grove_schema.ownership import OwnershipMap
from grove_schema.replay import StreamReplay
from grove_schema.suppressions import FileLayout

if TYPE_CHECKING:
    from grove_schema.code.cache import SqlVerdicts


@dataclass(frozen=True)
class Reach:
    """Where one binding, written in one file, leads."""

    binding: str
    database: str | None  # the ownership.toml key; None: unknown or another team's
    database_name: str | None  # the D1 database's name, when known
    declared: bool  # False: the governing wrangler config declares no such D1 binding
    config: WranglerConfig | None  # the governing wrangler config; None: ownership.toml's bindings


@dataclass(frozen=True)
class StatementTables:
    """What one call site's SQL touches (table keys), or why it could not be read."""

    read: tuple[str, ...]
    written: tuple[str, ...]
    problem: str | None = None  # the SQL does not parse
    trees: tuple[Any, ...] = field(default=(), compare=False, repr=False)  # sqlglot's, one per statement

    @property
    def all(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.read) | set(self.written)))


@dataclass(frozen=True)
class ResolvedUse:
    """One call site reached through one binding: a line of `grove-schema callers`."""

    site: CallSite
    use: BindingUse
    reach: Reach
    tables: StatementTables

    @property
    def access(self) -> str:
        return "write" if self.tables.written else "read"


@dataclass(frozen=True)
class BindingSwitch:
    """A call site that must switch binding when a pending move happens (for `plan`)."""

    use: BindingUse
    site: CallSite
    table: str
    from_database: str
    to_database: str
    from_binding: str
    to_binding: str | None  # None: the governing config declares no binding for the target yet
    config: WranglerConfig | None


@dataclass(frozen=True)
class SwitchGroup:
    """One binding expression a pending move must switch: the moving tables it reaches and the
    queries that reach them (`wrong-binding` info and `plan` both read these)."""

    position: SourcePosition  # where `env.B` is written
    from_binding: str
    from_database: str
    to_database: str
    to_binding: str | None  # None: the governing wrangler config has no binding to the target yet
    config: WranglerConfig | None
    tables: tuple[str, ...]
    queries: tuple[tuple[str, int], ...]  # (path, line) of every query reached, sorted


@dataclass(frozen=True)
class Misplaced:
    """A table a binding reaches that its database does not hold (the table lives in `home`)."""

    use: BindingUse
    reach: Reach
    site: CallSite
    table: str
    home: str


@dataclass
class CodeAudit:
    scan: CodeScan
    uses: list[ResolvedUse] = field(default_factory=list)
    unresolved: list[CallSite] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    switches: list[BindingSwitch] = field(default_factory=list)
    switch_groups: list[SwitchGroup] = field(default_factory=list)  # the switches by binding expression
    misplaced: list[Misplaced] = field(default_factory=list)

    def sites_touching(self, table: str) -> list[ResolvedUse]:
        wanted = key(table)
        return [use for use in self.uses if wanted in use.tables.all]


def holders_of(streams: Mapping[str, StreamReplay]) -> dict[str, set[str]]:
    """Key of every table, virtual table and view -> the databases whose replayed stream holds it."""
    holders: dict[str, set[str]] = {}
    for db, stream in streams.items():
        schema = stream.schema
        for name in (*schema.tables, *schema.virtual_tables, *schema.views):
            holders.setdefault(name, set()).add(db)
    return holders


class _Judge:
    """The lookups one audit needs: who holds each table now, who owns it after the map."""

    def __init__(
        self,
        config: ProjectConfig,
        streams: Mapping[str, StreamReplay],
        ownership: OwnershipMap,
        verdicts: SqlVerdicts | None = None,
    ) -> None:
        self.config = config
        self.verdicts = verdicts
        self._digests: dict[str, str] = {}
        self._reaches: dict[tuple[str, str], Reach] = {}
        self.ownership = ownership
        self.schemas: dict[str, Schema] = {db: stream.schema for db, stream in streams.items()}
        self.streams_with_files = {db: bool(stream.files) for db, stream in streams.items()}
        self.holders = holders_of(streams)
        self.by_name = {database.name: db for db, database in config.databases.items()}
        self.by_binding = {database.binding: db for db, database in config.databases.items() if database.binding}
        self._tables: dict[str, StatementTables] = {}
        self._columns: dict[tuple[str, str], list[tuple[str, str]]] = {}

    def owner(self, table: str) -> str | None:
        return self.ownership.owner_of(table)

    def tables_of(self, sql: str) -> StatementTables:
        """`statement_tables`, once per distinct SQL text (call sites repeat their queries), from
        the verdicts of earlier runs when they know it."""
        found = self._tables.get(sql)
        if found is None:
            known = self.verdicts.tables(sql) if self.verdicts is not None else None
            if known is not None:
                found = StatementTables(*known)
            else:
                found = statement_tables(sql)
                if self.verdicts is not None:
                    self.verdicts.put_tables(sql, found.read, found.written, found.problem)
            self._tables[sql] = found
        return found

    def unknown_columns(self, sql: str, database: str) -> list[tuple[str, str]]:
        """The (table, column) pairs of `sql` that `database` lacks, once per SQL text and database."""
        found = self._columns.get((sql, database))
        if found is not None:
            return found
        digest = self.schema_digest(database)
        known = self.verdicts.columns(sql, digest) if self.verdicts is not None else None
        if known is not None:
            found = known
        else:
            tables = self.tables_of(sql)
            found = self.unknown_columns_in(tables if tables.trees else statement_tables(sql), database)
            if self.verdicts is not None:
                self.verdicts.put_columns(sql, digest, found)
        self._columns[(sql, database)] = found
        return found

    def unknown_columns_in(self, tables: StatementTables, database: str) -> list[tuple[str, str]]:
        """The unknown columns of a parsed SQL text (its trees) in `database`."""
        from grove_schema.sql.references import unknown_columns

        found: list[tuple[str, str]] = []
        for tree in tables.trees:
            found.extend(pair for pair in unknown_columns(tree, self.schemas[database]) if pair not in found)
        return found

    def remember(self, sql: str, tables: StatementTables, columns: dict[str, list[tuple[str, str]]]) -> None:
        """What a worker found, as if this judge had computed it."""
        self._tables[sql] = tables
        if self.verdicts is not None:
            self.verdicts.put_tables(sql, tables.read, tables.written, tables.problem)
        for database, found in columns.items():
            self._columns[(sql, database)] = found
            if self.verdicts is not None:
                self.verdicts.put_columns(sql, self.schema_digest(database), found)

    def schema_digest(self, database: str) -> str:
        """What a column check depends on in a database's schema: its tables' and views' columns."""
        found = self._digests.get(database)
        if found is None:
            schema = self.schemas[database]
            shape = (
                sorted((name, [c.name for c in table.columns]) for name, table in schema.tables.items()),
                sorted((name, view.column_names, view.select) for name, view in schema.views.items()),
                sorted((name, list(vtable.column_names)) for name, vtable in schema.virtual_tables.items()),
            )
            found = self._digests[database] = hashlib.sha256(repr(shape).encode()).hexdigest()
        return found

    def label(self, database: str) -> str:
        entry = self.config.databases[database]
        binding = f", binding {entry.binding}" if entry.binding else ""
        return f"{entry.name} ({database}{binding})"

    def reach(self, scan: CodeScan, use: BindingUse) -> Reach:
        """Where `use` leads, once per file and binding (a route uses one binding many times)."""
        memo = (use.position.path, use.binding)
        found = self._reaches.get(memo)
        if found is None:
            found = self._reaches[memo] = self._reach(scan, use)
        return found

    def _reach(self, scan: CodeScan, use: BindingUse) -> Reach:
        governing = scan.config_for(Path(use.position.path))
        if governing is not None:
            if not governing.declares(use.binding):
                return Reach(use.binding, None, None, False, governing)
            name = governing.database_of(use.binding)
            return Reach(use.binding, self.by_name.get(name or ""), name, True, governing)
        database = self.by_binding.get(use.binding)
        name = self.config.databases[database].name if database is not None else None
        return Reach(use.binding, database, name, True, None)

    def binding_to(self, database: str, reach: Reach) -> str | None:
        """The binding that reaches `database` from where `reach` was written."""
        name = self.config.databases[database].name
        if reach.config is not None:
            for entry in sorted(reach.config.bindings, key=lambda e: (e.environment is not None, e.binding)):
                if entry.database_name == name:
                    return entry.binding
            return None
        return self.config.databases[database].binding


def audit_code(
    config: ProjectConfig,
    scan: CodeScan,
    streams: Mapping[str, StreamReplay],
    ownership: OwnershipMap,
    verdicts: SqlVerdicts | None = None,
) -> CodeAudit:
    """Judge every call site of `scan` against the replayed `streams` and the map. `verdicts`
    remembers what each SQL text references, across runs."""
    judge = _Judge(config, streams, ownership, verdicts)
    audit = CodeAudit(scan)
    for problem in scan.problems:
        message = with_fix(f"{problem.message}, so the code rules do not judge what it runs", problem.fix)
        audit.findings.append(_finding(UNREADABLE_SOURCE, message, problem.position))
    _analyse_in_parallel(judge, scan)
    undeclared_seen: set[tuple[SourcePosition, str]] = set()
    for site in scan.call_sites:
        tables = judge.tables_of(site.sql) if site.sql is not None else None
        if site.sql is None or not site.bindings or site.unresolved is not None:
            audit.unresolved.append(site)
            audit.findings.append(_finding(UNRESOLVED_CALL_SITE, _unresolved_message(site), site.position))
        if tables is not None and tables.problem is not None:
            audit.findings.append(
                _finding(
                    UNRESOLVED_CALL_SITE,
                    with_fix(
                        f"the SQL of this {site.method.value} does not parse ({tables.problem}), so the code rules "
                        "cannot judge it, and D1 refuses it too if it is not valid SQLite",
                        "correct the SQL, or suppress this finding with its reason if sqlglot alone misreads it",
                    ),
                    site.sql_position or site.position,
                )
            )
            tables = None
        if tables is None:
            continue
        reached: set[str] = set()
        for use in site.bindings:
            reach = judge.reach(scan, use)
            audit.uses.append(ResolvedUse(site, use, reach, tables))
            if not reach.declared:
                if (use.position, use.binding) not in undeclared_seen:
                    undeclared_seen.add((use.position, use.binding))
                    audit.findings.append(_undeclared(judge, use, reach, site))
                continue
            if reach.database is None:
                if reach.config is None:
                    audit.findings.append(
                        _finding(
                            UNRESOLVED_CALL_SITE,
                            with_fix(
                                f"{use.binding} reaches no database of {config.path.name} (no wrangler config "
                                f"governs {relative_path(use.position.path, config.root)} and no database has "
                                f'binding = "{use.binding}"), so the query is not judged',
                                f'set binding = "{use.binding}" on its database in {config.path.name}, or add the '
                                "wrangler config of this worker to a [code] root",
                            ),
                            use.position,
                        )
                    )
                continue  # another team's database: listed by `callers`, not judged
            audit.findings.extend(_binding_findings(judge, audit, site, use, reach, tables))
            reached.add(reach.database)
        if reached:  # a query of another team's database only is listed, not judged
            audit.findings.extend(_unknown_tables(judge, site, tables))
        for database in sorted(reached):
            if judge.streams_with_files.get(database):  # no migrations: no schema to judge columns by
                audit.findings.extend(_unknown_columns(judge, site, database))
        finding = _cross_database(judge, site, tables)
        if finding is not None:
            audit.findings.append(finding)
    audit.uses.sort(key=lambda u: (u.use.position, u.site.position))
    audit.switches.sort(key=lambda s: (s.use.position, s.site.position, s.table))
    audit.switch_groups = _switch_groups(audit.switches)
    audit.findings.extend(_pending_moves(judge, audit.switch_groups))
    audit.findings.extend(_misplaced_findings(judge, audit.misplaced))
    return audit


def _misplaced_findings(judge: _Judge, misplaced: list[Misplaced]) -> Iterable[Finding]:
    """One error per binding expression and database: the tables it cannot reach there."""
    grouped: dict[tuple[SourcePosition, str, str], list[Misplaced]] = {}
    for entry in misplaced:
        assert entry.reach.database is not None
        grouped.setdefault((entry.use.position, entry.reach.database, entry.home), []).append(entry)
    for (position, database, home), group in sorted(grouped.items()):
        first = group[0]
        tables = sorted({entry.table for entry in group})
        places = sorted({(e.site.position.path, e.site.position.line) for e in group})
        queries = _places(judge, [p for p in places if p != (position.path, position.line)])
        target = judge.binding_to(home, first.reach)
        if first.reach.config is not None:
            governing = relative_path(str(first.reach.config.path), judge.config.root)
            hint = (
                f"use {target}, which reaches it from {governing}"
                if target
                else f"declare a D1 binding to {judge.config.databases[home].name} in {governing} and use it"
            )
        else:
            hint = f"use {target}" if target else f"use a binding to {judge.config.databases[home].name}"
        plural = len(tables) > 1
        yield _finding(
            WRONG_BINDING,
            with_fix(
                f"{_tables(tables)} {'are' if plural else 'is'} not in {judge.label(database)}, the database "
                f"{first.use.binding} reaches: {'they live' if plural else 'it lives'} in {judge.label(home)}, "
                f"so the {'queries' if len(places) > 1 else 'query'}{' at ' + queries if queries else ''} fail"
                f'{"" if len(places) > 1 else "s"} with "no such table"',
                hint,
            ),
            position,
        )


def _tables(names: list[str]) -> str:
    """The tables a message names: every one of a few, else the first few and how many in all."""
    return short_list(names) if len(names) <= LISTED_ITEMS + 1 else f"{len(names)} tables ({short_list(names)})"


def _places(judge: _Judge, places: list[tuple[str, int]]) -> str:
    """`a.ts:3,9, b.ts:1`, paths relative to the project root."""
    return compact_places((relative_path(path, judge.config.root), line) for path, line in places)


def _switch_groups(switches: list[BindingSwitch]) -> list[SwitchGroup]:
    grouped: dict[tuple[SourcePosition, str, str, str], list[BindingSwitch]] = {}
    for switch in switches:
        at = (switch.use.position, switch.from_binding, switch.from_database, switch.to_database)
        grouped.setdefault(at, []).append(switch)
    return [
        SwitchGroup(
            position=position,
            from_binding=binding,
            from_database=database,
            to_database=owner,
            to_binding=next((switch.to_binding for switch in group if switch.to_binding), None),
            config=group[0].config,
            tables=tuple(sorted({switch.table for switch in group})),
            queries=tuple(sorted({(s.site.position.path, s.site.position.line) for s in group})),
        )
        for (position, binding, database, owner), group in sorted(grouped.items())
    ]


def _pending_moves(judge: _Judge, groups: list[SwitchGroup]) -> Iterable[Finding]:
    """One info per binding expression that a pending move will have to switch: its tables and queries."""
    for group in groups:
        position, binding, owner, tables = group.position, group.from_binding, group.to_database, group.tables
        queries = [place for place in group.queries if place != (position.path, position.line)]
        if group.to_binding:
            switch_to = f"switch this {binding} to {group.to_binding}"
        else:
            suggested = judge.config.databases[owner].binding or f"a binding to {judge.config.databases[owner].name}"
            governing = relative_path(str(group.config.path), judge.config.root) if group.config else None
            where = f" (declare it in {governing} first)" if governing else ""
            switch_to = f"switch this {binding} to {suggested}{where}"
        run = f" for the queries at {_places(judge, queries)}" if queries else ""
        verb = "lives" if len(tables) == 1 else "live"
        yield _finding(
            WRONG_BINDING,
            with_fix(
                f"{_tables(list(tables))} still {verb} in {judge.label(group.from_database)} through {binding}, "
                f"but the map moves {'it' if len(tables) == 1 else 'them'} to {judge.label(owner)}",
                f"when the move happens, {switch_to}{run} (grove-schema plan lists every call site to switch)",
            ),
            position,
            Severity.INFO,
        )


# Tables every D1 database has, and table-valued functions: never an unknown table.
_TABLE_VALUED_FUNCTIONS = frozenset({"json_each", "json_tree", "d1_migrations"})


def _is_built_in(table: str) -> bool:
    return table.startswith(("sqlite_", "pragma_", "_cf_")) or table in _TABLE_VALUED_FUNCTIONS


# Below this many new SQL texts, worker processes cost more than they save.
_PARALLEL_MIN = 300
_parallel_judge: _Judge | None = None  # the judge a forked worker inherits


def _analyse_in_parallel(judge: _Judge, scan: CodeScan) -> None:
    """Parse the SQL texts no earlier run analysed in worker processes, one per CPU, when there
    are many (a cold audit of a large monorepo); fills the judge's memos, so the judgement that
    follows is the same as a sequential one. Only where `fork` exists: the workers inherit the
    replayed schemas instead of receiving them."""
    import multiprocessing
    import os

    databases: dict[str, set[str]] = {}
    for site in scan.call_sites:
        if site.sql is None or site.sql in judge._tables:
            continue
        if judge.verdicts is not None and judge.verdicts.tables(site.sql) is not None:
            continue
        reached = databases.setdefault(site.sql, set())
        for use in site.bindings:
            reach = judge.reach(scan, use)
            if reach.database is not None and judge.streams_with_files.get(reach.database):
                reached.add(reach.database)
    workers = min(os.cpu_count() or 1, 8)
    if len(databases) < _PARALLEL_MIN or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return
    global _parallel_judge
    _parallel_judge = judge
    tasks = sorted((sql, tuple(sorted(dbs))) for sql, dbs in databases.items())
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = pool.map(_analyse_one, tasks, chunksize=max(1, len(tasks) // (workers * 8)))
    except OSError:
        return  # no processes to be had: the judgement parses as it goes
    finally:
        _parallel_judge = None
    for sql, tables, columns in results:
        judge.remember(sql, tables, columns)


def _analyse_one(task: tuple[str, tuple[str, ...]]) -> tuple[str, StatementTables, dict[str, list[tuple[str, str]]]]:
    """In a worker: a SQL text's tables, and its unknown columns in each database it reaches."""
    sql, databases = task
    judge = _parallel_judge
    assert judge is not None
    tables = statement_tables(sql)
    columns = {database: judge.unknown_columns_in(tables, database) for database in databases}
    return sql, StatementTables(tables.read, tables.written, tables.problem), columns


def statement_tables(sql: str) -> StatementTables:
    """The tables a call site's SQL reads and writes (one statement or, for `exec`, several)."""
    from grove_schema.sql.lexer import split_statements
    from grove_schema.sql.references import statement_tree, table_written, tables_referenced

    read: set[str] = set()
    written: set[str] = set()
    trees = []
    for raw in split_statements(sql).statements:
        tree = statement_tree(raw.text)
        if tree is None:
            first = raw.text.strip().splitlines()[0] if raw.text.strip() else ""
            return StatementTables((), (), f"sqlglot cannot read {first[:60]!r}")
        target = table_written(tree)
        tables = {table for table in tables_referenced(tree) if not _is_built_in(table)}
        if target is not None:
            written.add(target)
            tables.discard(target)
        read |= tables
        trees.append(tree)
    return StatementTables(tuple(sorted(read)), tuple(sorted(written)), trees=tuple(trees))


def _unresolved_message(site: CallSite) -> str:
    reason = site.unresolved or ("the SQL is not static" if site.sql is None else "no binding reaches the receiver")
    return with_fix(
        f"this {site.method.value} cannot be judged statically ({reason}), so the code rules do not see which "
        "tables it touches through which database",
        "pass the SQL as a constant string and the binding from env where grove-schema can follow them, or "
        "check it by hand (grove-schema callers lists it)",
    )


def _unknown_tables(judge: _Judge, site: CallSite, tables: StatementTables) -> Iterable[Finding]:
    for table in tables.all:
        if table in judge.holders:
            continue
        retired = judge.ownership.retired_tables.get(table)
        why = f" (it is retired: {retired})" if retired else ""
        yield _finding(
            UNKNOWN_TABLE,
            with_fix(
                f'{table} is a table no migration stream creates{why}, so D1 answers "no such table: {table}"',
                "correct the name, or remove the code left behind by the DROP",
            ),
            site.sql_position or site.position,
        )


def _binding_findings(
    judge: _Judge, audit: CodeAudit, site: CallSite, use: BindingUse, reach: Reach, tables: StatementTables
) -> Iterable[Finding]:
    database = reach.database
    assert database is not None
    for table in tables.all:
        holders = judge.holders.get(table)
        if holders is None:
            continue  # unknown-table says so
        owner = judge.owner(table)
        lives_here = database in holders
        owned_here = owner == database
        if lives_here and (owned_here or owner is None or owner not in judge.config.databases):
            continue
        where = _query_place(site, use, judge.config.root)
        if lives_here:
            assert owner is not None
            target = judge.binding_to(owner, reach)
            audit.switches.append(BindingSwitch(use, site, table, database, owner, use.binding, target, reach.config))
            continue  # reported once per binding expression, by _pending_moves
        if owned_here and not judge.streams_with_files.get(database):
            continue  # the database has no migrations here yet: its schema is unknown, so not judged
        if owned_here:
            yield _finding(
                WRONG_BINDING,
                with_fix(
                    f"{use.binding} reaches {judge.label(database)}, which owns {table} but does not hold it yet "
                    f"(no migration of its stream creates it; today it lives in {', '.join(sorted(holders))}), so "
                    f'the query{where} fails with "no such table: {table}"',
                    "apply the migration that creates it there before this code ships (or keep the old binding "
                    "until then)",
                ),
                use.position,
                Severity.WARNING,
            )
            continue
        home = owner if owner in holders else sorted(holders)[0]
        audit.misplaced.append(Misplaced(use, reach, site, table, home))


def _unknown_columns(judge: _Judge, site: CallSite, database: str) -> Iterable[Finding]:
    assert site.sql is not None
    for table, column in judge.unknown_columns(site.sql, database):
        yield _finding(
            UNKNOWN_COLUMN,
            with_fix(
                f"{table}.{column} does not exist in {judge.label(database)} as its migrations leave it, so D1 "
                f'fails with "no such column: {column}"',
                "use the column's current name, or stop reading a dropped one",
            ),
            site.sql_position or site.position,
        )


def _cross_database(judge: _Judge, site: CallSite, tables: StatementTables) -> Finding | None:
    known = [t for t in tables.all if t in judge.holders]
    homes: dict[str, list[str]] = {}
    for table in known:
        owner = judge.owner(table)
        if owner is not None:
            homes.setdefault(owner, []).append(table)
    if len(homes) < 2:
        return None
    together = set.intersection(*(judge.holders[t] for t in known))
    parts = "; ".join(f"{', '.join(names)} in {judge.label(db)}" for db, names in sorted(homes.items()))
    if together:
        return _finding(
            CROSS_DATABASE_QUERY,
            with_fix(
                f"this statement will cross databases after the split ({parts}); today they share "
                f"{', '.join(sorted(together))}",
                "rewrite it as one query per database before the move",
            ),
            site.sql_position or site.position,
            Severity.INFO,
        )
    return _finding(
        CROSS_DATABASE_QUERY,
        with_fix(
            f"this statement reads tables of two databases ({parts}): D1 runs a statement in one database, so it "
            'fails with "no such table"',
            "query each database through its own binding and join in the application",
        ),
        site.sql_position or site.position,
    )


def _undeclared(judge: _Judge, use: BindingUse, reach: Reach, site: CallSite) -> Finding:
    assert reach.config is not None
    declared = sorted({entry.binding for entry in reach.config.bindings})
    listed = ", ".join(declared) if declared else "none"
    governing = relative_path(str(reach.config.path), judge.config.root)
    where = _query_place(site, use, judge.config.root)
    return _finding(
        UNDECLARED_BINDING,
        with_fix(
            f"{use.binding} is not a D1 binding of {governing} (it declares {listed}), so env.{use.binding} is "
            f"undefined at run time and the {site.method.value}{where} throws",
            f'add a [[d1_databases]] entry with binding = "{use.binding}" to {governing}',
        ),
        use.position,
    )


def _query_place(site: CallSite, use: BindingUse, root: Path) -> str:
    """` at FILE:LINE (function)` when the query is not where the binding is written."""
    if site.position.path == use.position.path and site.position.line == use.position.line:
        return ""
    function = f" in {site.function}" if site.function else ""
    return f" at {relative_path(site.position.path, root)}:{site.position.line}{function}"


def _finding(rule: RuleInfo, message: str, position: SourcePosition, severity: Severity | None = None) -> Finding:
    return Finding(
        rule=rule,
        message=message,
        location=Location(position.path, position.line, position.column),
        severity=severity or rule.severity,
    )


def suppression_layouts(scan: CodeScan) -> list[FileLayout]:
    """What suppressions need of each source file: its `// grove-schema:` comments, and as
    "statements" the lines the code findings stand on (a comment right above one covers it)."""
    lines: dict[str, set[int]] = {}
    for site in scan.call_sites:
        positions = [site.position, *(use.position for use in site.bindings)]
        if site.sql_position is not None:
            positions.append(site.sql_position)
        for position in positions:
            lines.setdefault(position.path, set()).add(position.line)
    layouts = []
    for path in sorted(set(lines) | set(scan.directive_comments)):
        spans = tuple((line, line) for line in sorted(lines.get(path, ())))
        layouts.append(FileLayout(path, scan.directive_comments.get(path, ()), spans, comment_marker="//"))
    return layouts
