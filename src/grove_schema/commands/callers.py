"""`grove-schema callers [TABLE ...]`: every call site that touches the tables, through which
binding and database; then the tables with no call site at all (the "no active callers" audit)."""

from __future__ import annotations

import argparse
from typing import IO, TYPE_CHECKING, Any

from grove_schema.commands import EXIT_CLEAN
from grove_schema.errors import UsageError

if TYPE_CHECKING:
    from grove_schema.code.audit import CodeAudit, ResolvedUse
    from grove_schema.code.sites import CallSite
    from grove_schema.config import ProjectConfig
    from grove_schema.project import ProjectReplay


def run(args: argparse.Namespace, config: ProjectConfig, out: IO[str], err: IO[str]) -> int:
    from grove_schema.project import check_project
    from grove_schema.reporting import write_json

    if config.code is None:
        raise UsageError(
            f"callers reads the application code: add a [code] section to {config.path.name} "
            '(roots = ["apps", "workers"]; see docs/code.md)'
        )
    if args.database is not None:
        config.database(args.database)
    outcome = check_project(config)
    assert outcome.code is not None
    selection = _selection(outcome, args.table, args.database)
    report = callers_report(outcome.code, selection)
    if args.format == "json":
        write_json(report, out)
    else:
        out.write(callers_text(report))
    return EXIT_CLEAN


def _selection(outcome: ProjectReplay, tables: list[str], database: str | None) -> list[str]:
    """Table keys: those named, else those living in or owned by `database`, else every table."""
    from grove_schema.code.audit import holders_of
    from grove_schema.model import key
    from grove_schema.ownership import OwnershipMap

    living = holders_of(outcome.streams)
    if tables:
        unknown = [t for t in tables if key(t) not in living]
        if unknown:
            raise UsageError(f"no stream creates {', '.join(unknown)} (grove-schema inspect lists a table's history)")
        return sorted({key(t) for t in tables})
    if database is None:
        return sorted(living)
    ownership = OwnershipMap(outcome.config)
    return sorted(t for t, dbs in living.items() if database in dbs or ownership.owner_of(t) == database)


def _relative(path: str) -> str:
    from grove_schema.reporting import display_path

    return display_path(path)


def _sql_head(site: CallSite) -> str | None:
    if site.sql is None:
        return None
    lines = [line.strip() for line in site.sql.strip().splitlines() if line.strip()]
    return lines[0] if lines else ""


def _use_record(use: ResolvedUse) -> dict[str, Any]:
    site = use.site
    return {
        "path": _relative(site.position.path),
        "line": site.position.line,
        "column": site.position.column,
        "binding": use.use.binding,
        "binding_path": _relative(use.use.position.path),
        "binding_line": use.use.position.line,
        "database": use.reach.database,
        "database_name": use.reach.database_name,
        "tables": list(use.tables.all),
        "access": use.access,
        "sql": _sql_head(site),
    }


def callers_report(audit: CodeAudit, selection: list[str]) -> dict[str, Any]:
    """The JSON document of `callers --format json` (the text form is written from it)."""
    from grove_schema.code.audit import statement_tables

    wanted = set(selection)
    uses = [use for use in audit.uses if wanted & set(use.tables.all)]
    unresolved: list[dict[str, Any]] = []
    for site in audit.unresolved:
        tables = list(statement_tables(site.sql).all) if site.sql is not None else None
        if tables is not None and not wanted & set(tables):
            continue
        unresolved.append(
            {
                "path": _relative(site.position.path),
                "line": site.position.line,
                "column": site.position.column,
                "reason": site.unresolved or "no binding reaches the receiver",
                "tables": tables,  # None: the SQL is not static, so it may touch any table
                "sql": _sql_head(site),
            }
        )
    called = {table for use in audit.uses for table in use.tables.all}
    called |= {t for record in unresolved for t in (record["tables"] or ())}
    return {
        "version": 1,
        "call_sites": [_use_record(use) for use in uses],
        "unresolved": unresolved,
        "no_callers": sorted(wanted - called),
    }


def callers_text(report: dict[str, Any]) -> str:
    lines = []
    sites = report["call_sites"]
    lines.append(f"Call sites ({len(sites)})")
    for record in sites:
        database = record["database_name"] or "an unknown database"
        via = (
            ""
            if (record["binding_path"], record["binding_line"]) == (record["path"], record["line"])
            else f" (binding at {record['binding_path']}:{record['binding_line']})"
        )
        lines.append(
            f"  {record['path']}:{record['line']}:{record['column']}: {record['binding']} -> {database}{via}: "
            f"{record['access']} {', '.join(record['tables'])}: {record['sql']}"
        )
    unresolved = report["unresolved"]
    if unresolved:
        lines.append("")
        lines.append(f"Unresolved ({len(unresolved)}): the binding or the SQL is not known statically")
        for record in unresolved:
            tables = ", ".join(record["tables"]) if record["tables"] is not None else "any table (the SQL is dynamic)"
            where = f"{record['path']}:{record['line']}:{record['column']}"
            lines.append(f"  {where}: {record['reason']}; touches {tables}")
    lines.append("")
    no_callers = report["no_callers"]
    lines.append(f"No call site ({len(no_callers)})" + (": " + ", ".join(no_callers) if no_callers else ""))
    if no_callers and any(record["tables"] is None for record in unresolved):
        lines.append("  (dynamic SQL above may still reach them: check those call sites before dropping a table)")
    return "\n".join(lines) + "\n"
