"""`grove-schema plan`: the split's numbers, computed exactly from the replay and the map."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from grove_schema.config import ProjectConfig
from grove_schema.findings import Finding
from grove_schema.graph import Reference
from grove_schema.model import Schema, key
from grove_schema.numbering import parse_reservation
from grove_schema.ownership import OwnershipMap, OwnershipReport
from grove_schema.replay import StreamReplay

if TYPE_CHECKING:
    from grove_schema.code.audit import CodeAudit


@dataclass(frozen=True)
class DatabasePlan:
    key: str
    name: str
    binding: str | None
    stream_exists: bool
    tables_now: int  # tables living in its stream
    tables_after: int  # tables the map gives it, retired ones excluded
    estimate: int | None


@dataclass(frozen=True)
class NumberRow:
    metric: str
    before: int
    after: int
    estimate: int | None = None

    @property
    def change(self) -> int:
        return self.after - self.before


@dataclass(frozen=True)
class Reservation:
    database: str
    path: str | None
    reserved: str | None  # the file's content, None when missing
    highest: int | None
    state: str  # "ok", "missing", "mismatch", "not configured"


@dataclass(frozen=True)
class BindingSwitchLine:
    """One `env.B` to edit when a move happens."""

    path: str  # where the binding is written, relative to the project root
    line: int
    column: int
    from_binding: str
    to_binding: str | None  # None: the governing wrangler config has no binding to the target yet
    suggested: str | None  # ownership.toml's binding of the target, to declare when to_binding is None
    tables: tuple[str, ...]  # the moving tables it reaches
    queries: tuple[str, ...]  # "path:line" of the queries it runs


@dataclass(frozen=True)
class CodeMove:
    """The code side of one pending move: what to switch, which files need both bindings, and the
    wrangler configs that must declare the new binding."""

    source: str
    owner: str
    switches: list[BindingSwitchLine]
    dual_binding_files: list[str]  # files that touch tables of both databases
    configs_to_update: list[str]  # wrangler configs with no binding to the owner yet

    @property
    def files_to_change(self) -> list[str]:
        return sorted({s.path for s in self.switches} | set(self.configs_to_update))


@dataclass
class CodePlan:
    moves: list[CodeMove]
    statements_to_rewrite: list[str]  # "path:line" of statements the split makes cross-database
    unresolved: int  # call sites the audit could not follow


@dataclass
class SplitPlan:
    databases: list[DatabasePlan]
    numbers: list[NumberRow]
    retired_tables: list[tuple[str, str, bool]]  # name, reason, present
    retired_columns: list[tuple[str, str, bool]]
    retired_indexes: list[tuple[str, str]]  # index, table
    moves: list[tuple[str, str, list[str]]]  # from stream, to database, tables
    copied: list[tuple[str, str, list[str]]]
    cut: list[Reference]
    blockers: list[Finding]
    reservations: list[Reservation] = field(default_factory=list)
    code: CodePlan | None = None  # with a [code] section


def _tables(schema: Schema) -> set[str]:
    return set(schema.tables) | set(schema.virtual_tables)


def build_plan(
    config: ProjectConfig,
    streams: Mapping[str, StreamReplay],
    report: OwnershipReport,
    reservation_texts: Mapping[str, str | None],
    code: CodeAudit | None = None,
) -> SplitPlan:
    ownership = OwnershipMap(config)
    names: dict[str, str] = {}
    for stream in streams.values():
        names.update({k: t.name for k, t in stream.schema.tables.items()})
        names.update({k: v.name for k, v in stream.schema.virtual_tables.items()})
    owners = {k: report.unlisted.get(k) or ownership.owner_of(name) for k, name in names.items()}
    staying = {k for k in names if not ownership.is_retired(names[k])}

    databases = []
    for db_key in sorted(config.databases, key=lambda k: (k != config.default_database, k)):
        db = config.databases[db_key]
        living = _tables(streams[db_key].schema) if db_key in streams else set()
        databases.append(
            DatabasePlan(
                key=db_key,
                name=db.name,
                binding=db.binding,
                stream_exists=db.migrations_dir.is_dir(),
                tables_now=len(living),
                tables_after=sum(1 for k in staying if owners[k] == db_key),
                estimate=db.estimate,
            )
        )

    retired_tables = [
        (name, reason, any(key(name) in _tables(s.schema) for s in streams.values()))
        for name, reason in sorted(config.retired_tables.items(), key=lambda item: key(item[0]))
    ]
    retired_columns = []
    retired_indexes: list[tuple[str, str]] = []
    for dotted, reason in sorted(config.retired_columns.items()):
        table_name, _, column_name = dotted.partition(".")
        present = False
        for stream in streams.values():
            table = stream.schema.table(table_name)
            if table is None or table.column(column_name) is None:
                continue
            present = True
            for index in stream.schema.indexes_of(table.name):
                if any(c.name and key(c.name) == key(column_name) for c in index.columns):
                    retired_indexes.append((index.name, table.name))
        retired_columns.append((dotted, reason, present))
    retired_indexes = sorted(set(retired_indexes), key=lambda item: key(item[0]))

    numbers: list[NumberRow] = []
    for plan in databases:
        numbers.append(NumberRow(f"{plan.name} tables", plan.tables_now, plan.tables_after, plan.estimate))
    present_tables = sum(1 for _n, _r, present in retired_tables if present)
    numbers.append(NumberRow("retired tables", present_tables, 0))
    numbers.append(NumberRow("retired columns", sum(1 for _d, _r, p in retired_columns if p), 0))
    numbers.append(NumberRow("indexes on retired columns", len(retired_indexes), 0))
    moves = sorted((s, o, sorted(t, key=key)) for (s, o), t in report.moves.items())
    copied = sorted((s, o, sorted(t, key=key)) for (s, o), t in report.copied.items())
    for source, owner, tables in moves:
        numbers.append(NumberRow(f"{owner} tables in {config.databases[source].name}", len(tables), 0))
    holding_now = sum(1 for p in databases if p.tables_now)
    holding_after = sum(1 for p in databases if p.tables_after)
    numbers.append(NumberRow("databases holding tables", holding_now, holding_after))
    numbers.append(NumberRow("references the split cuts", len(report.cut), 0))
    lost = sum(1 for r in report.cut if r.kind == "foreign_key" and r.cascades)
    numbers.append(NumberRow("ON DELETE actions the split loses", lost, 0))
    code_plan = code_side(config, code, moves) if code is not None else None
    if code_plan is not None:
        switches = sum(len(m.switches) for m in code_plan.moves)
        files = len({f for m in code_plan.moves for f in m.files_to_change})
        numbers.append(NumberRow("call sites to switch", switches, 0))
        numbers.append(NumberRow("files to change", files, 0))
        numbers.append(NumberRow("statements the split makes cross-database", len(code_plan.statements_to_rewrite), 0))

    reservations = []
    for db_key in (plan.key for plan in databases):
        db = config.databases[db_key]
        replayed = streams.get(db_key)
        numbered = [f.number for f in replayed.files if f.number is not None] if replayed else []
        highest = max(numbered) if numbered else None
        if db.reservation is None:
            reservations.append(Reservation(db_key, None, None, highest, "not configured"))
            continue
        text = reservation_texts.get(db_key)
        if text is None:
            reservations.append(Reservation(db_key, str(db.reservation), None, highest, "missing"))
            continue
        # Read as `check`, `new` and `drop --new` read it: the number on the first non-blank line,
        # the lines after it notes (`new` records there the file that took the previous number).
        parsed = parse_reservation(text)
        expected = (highest or 0) + 1
        if parsed is None:
            first = next((line.strip() for line in text.splitlines() if line.strip()), "")
            reservations.append(Reservation(db_key, str(db.reservation), first, highest, "not a number"))
            continue
        reserved = f"{parsed.number:0{parsed.width}d}"
        state = "ok" if parsed.number == expected else "mismatch"
        reservations.append(Reservation(db_key, str(db.reservation), reserved, highest, state))

    return SplitPlan(
        databases=databases,
        numbers=numbers,
        retired_tables=retired_tables,
        retired_columns=retired_columns,
        retired_indexes=retired_indexes,
        moves=moves,
        copied=copied,
        cut=report.cut,
        blockers=report.blockers,
        reservations=reservations,
        code=code_plan,
    )


def code_side(config: ProjectConfig, audit: CodeAudit, moves: list[tuple[str, str, list[str]]]) -> CodePlan:
    """Per pending move: the binding expressions to switch, the files that will need both bindings,
    and the wrangler configs that must declare the new one."""
    from grove_schema.code.sites import relative_path
    from grove_schema.codes import CROSS_DATABASE_QUERY

    ownership = OwnershipMap(config)
    root = config.root
    code_moves = []
    for source, owner, _tables in moves:
        groups = [g for g in audit.switch_groups if (g.from_database, g.to_database) == (source, owner)]
        switches = [
            BindingSwitchLine(
                relative_path(group.position.path, root),
                group.position.line,
                group.position.column,
                group.from_binding,
                group.to_binding,
                config.databases[owner].binding,
                group.tables,
                tuple(sorted({f"{relative_path(path, root)}:{line}" for path, line in group.queries})),
            )
            for group in groups
        ]
        configs = {
            relative_path(str(group.config.path), root)
            for group in groups
            if group.to_binding is None and group.config is not None
        }
        owners_by_file: dict[str, set[str]] = {}
        for use in audit.uses:
            if use.reach.database != source:
                continue
            path = relative_path(use.use.position.path, root)
            for table in use.tables.all:
                table_owner = ownership.owner_of(table)
                if table_owner is not None:
                    owners_by_file.setdefault(path, set()).add(table_owner)
        dual = sorted(path for path, owners in owners_by_file.items() if {source, owner} <= owners)
        code_moves.append(CodeMove(source, owner, switches, dual, sorted(configs)))
    rewrite = sorted(
        {
            f"{relative_path(f.location.path, root)}:{f.location.line}"
            for f in audit.findings
            if f.rule == CROSS_DATABASE_QUERY and f.location is not None
        }
    )
    return CodePlan(code_moves, rewrite, len(audit.unresolved))


def _change(row: NumberRow) -> str:
    if row.change == 0:
        return "0"
    if row.before == 0:
        return f"{row.change:+d}"
    percent = round(100 * row.change / row.before)
    return f"{row.change:+d} ({percent:+d}%)"


def plan_text(plan: SplitPlan) -> str:
    """The plan for people: the numbers table first, then what moves, what is cut, what blocks."""
    lines = ["The numbers", ""]
    header = ("metric", "before", "after", "change", "estimate")
    rows = [
        (
            row.metric,
            str(row.before),
            str(row.after),
            _change(row),
            "" if row.estimate is None else (f"~{row.estimate}" + (" (differs)" if row.estimate != row.after else "")),
        )
        for row in plan.numbers
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]
    lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    lines.append("  ".join("-" * w for w in widths))
    for row_cells in rows:
        cells = [row_cells[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row_cells[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells).rstrip())
    lines.append("")
    lines.append("Databases")
    for db in plan.databases:
        stream = "stream present" if db.stream_exists else "no stream yet"
        lines.append(
            f"  {db.key}: {db.name} ({db.binding or 'no binding'}), {stream}; "
            f"{db.tables_now} tables now, {db.tables_after} after"
        )
    for title, groups in (("Moves pending", plan.moves), ("Copied, not yet dropped", plan.copied)):
        if groups:
            lines.append("")
            lines.append(title)
            for source, owner, tables in groups:
                lines.append(f"  {source} -> {owner} ({len(tables)}): {', '.join(tables)}")
    if plan.retired_tables or plan.retired_columns:
        lines.append("")
        lines.append("Retired")
        for name, reason, present in plan.retired_tables:
            lines.append(f"  table {name}: {reason}" + ("" if present else " (already gone)"))
        for dotted, reason, present in plan.retired_columns:
            lines.append(f"  column {dotted}: {reason}" + ("" if present else " (already gone)"))
        for index, table in plan.retired_indexes:
            lines.append(f"  index {index} on {table}: goes with its retired column")
    if plan.code is not None:
        lines.extend(_code_plan_text(plan.code))
    if plan.cut:
        lines.append("")
        lines.append("References the split cuts")
        for ref in plan.cut:
            if ref.kind == "foreign_key":
                lost = f", loses ON DELETE {ref.on_delete}" if ref.cascades else ""
                lines.append(f"  foreign key {ref.source}({', '.join(ref.columns)}) -> {ref.target}{lost}")
            else:
                lines.append(f"  {ref.kind} {ref.source} reads {ref.target}: move this logic into application code")
    if plan.blockers:
        lines.append("")
        lines.append("Blockers")
        for finding in plan.blockers:
            lines.append(f"  {finding.message}")
    if plan.reservations:
        lines.append("")
        lines.append("Migration numbering")
        for reservation in plan.reservations:
            highest = "none" if reservation.highest is None else f"{reservation.highest:03d}"
            if reservation.state == "not configured":
                lines.append(f"  {reservation.database}: no reservation file configured (highest {highest})")
            elif reservation.state == "missing":
                lines.append(
                    f"  {reservation.database}: reservation file missing: {reservation.path} (highest {highest})"
                )
            else:
                lines.append(
                    f"  {reservation.database}: reserved {reservation.reserved}, highest {highest}: {reservation.state}"
                )
    return "\n".join(lines) + "\n"


def _code_plan_text(code: CodePlan) -> list[str]:
    from grove_schema.code.sites import compact_places

    lines = []
    for move in code.moves:
        lines.append("")
        lines.append(
            f"Code to switch for {move.source} -> {move.owner} ({len(move.switches)} call sites, "
            f"{len(move.files_to_change)} files)"
        )
        for switch in move.switches:
            if switch.to_binding:
                target = switch.to_binding
            elif switch.suggested:
                target = f"{switch.suggested} (to declare in the wrangler config)"
            else:
                target = "a binding to declare in the wrangler config"
            queries = compact_places(query.rpartition(":")[::2] for query in switch.queries)
            lines.append(
                f"  {switch.path}:{switch.line}:{switch.column}: {switch.from_binding} -> {target}: "
                f"{', '.join(switch.tables)} (queries at {queries})"
            )
        if move.dual_binding_files:
            lines.append(f"  files that will need both bindings: {', '.join(move.dual_binding_files)}")
        if move.configs_to_update:
            lines.append(f"  wrangler configs that must declare the new binding: {', '.join(move.configs_to_update)}")
    if code.statements_to_rewrite:
        lines.append("")
        count = len(code.statements_to_rewrite)
        lines.append(f"Statements the split makes cross-database ({count}): rewrite them first")
        lines.extend(f"  {where}" for where in code.statements_to_rewrite)
    if code.unresolved:
        lines.append("")
        lines.append(f"Unresolved call sites: {code.unresolved} (grove-schema callers lists them: check them by hand)")
    return lines


def _code_plan_json(code: CodePlan) -> dict[str, Any]:
    return {
        "moves": [
            {
                "from": move.source,
                "to": move.owner,
                "switches": [
                    {
                        "path": s.path,
                        "line": s.line,
                        "column": s.column,
                        "from_binding": s.from_binding,
                        "to_binding": s.to_binding,
                        "suggested_binding": s.suggested,
                        "tables": list(s.tables),
                        "queries": list(s.queries),
                    }
                    for s in move.switches
                ],
                "files_to_change": move.files_to_change,
                "dual_binding_files": move.dual_binding_files,
                "configs_to_update": move.configs_to_update,
            }
            for move in code.moves
        ],
        "statements_to_rewrite": code.statements_to_rewrite,
        "unresolved": code.unresolved,
    }


def plan_json(plan: SplitPlan) -> dict[str, Any]:
    document = _plan_json(plan)
    if plan.code is not None:
        document["code"] = _code_plan_json(plan.code)
    return document


def _plan_json(plan: SplitPlan) -> dict[str, Any]:
    return {
        "version": 1,
        "numbers": [
            {"metric": r.metric, "before": r.before, "after": r.after, "change": r.change, "estimate": r.estimate}
            for r in plan.numbers
        ],
        "databases": [
            {
                "key": d.key,
                "name": d.name,
                "binding": d.binding,
                "stream_exists": d.stream_exists,
                "tables_now": d.tables_now,
                "tables_after": d.tables_after,
                "estimate": d.estimate,
            }
            for d in plan.databases
        ],
        "moves": [{"from": s, "to": o, "tables": t} for s, o, t in plan.moves],
        "copied": [{"from": s, "to": o, "tables": t} for s, o, t in plan.copied],
        "retired": {
            "tables": [{"name": n, "reason": r, "present": p} for n, r, p in plan.retired_tables],
            "columns": [{"name": n, "reason": r, "present": p} for n, r, p in plan.retired_columns],
            "indexes": [{"name": i, "table": t} for i, t in plan.retired_indexes],
        },
        "cut_references": [
            {
                "kind": r.kind,
                "source": r.source,
                "columns": list(r.columns),
                "target": r.target,
                "on_delete": r.on_delete,
                "lost_cascade": r.kind == "foreign_key" and r.cascades,
            }
            for r in plan.cut
        ],
        "blockers": [f.message for f in plan.blockers],
        "reservations": [
            {"database": r.database, "path": r.path, "reserved": r.reserved, "highest": r.highest, "state": r.state}
            for r in plan.reservations
        ],
    }
