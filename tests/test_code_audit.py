"""The code audit (code/audit.py) on hand-made scans: each rule's failing and passing case."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from grove_schema.code.audit import CodeAudit, audit_code, statement_tables, suppression_layouts
from grove_schema.code.sites import (
    BindingUse,
    CallMethod,
    CallSite,
    CodeScan,
    D1Binding,
    SourcePosition,
    SourceProblem,
    WranglerConfig,
)
from grove_schema.config import load_config
from grove_schema.findings import Finding
from grove_schema.ownership import OwnershipMap
from grove_schema.project import ProjectReplay, check_project
from grove_schema.suppressions import apply_suppressions

CONFIG = """\
[project]
root = "."
default_database = "engine"

[databases.engine]
name = "grove-engine-db"
binding = "DB"
migrations = "libs/engine/migrations"

[databases.curios]
name = "grove-curios-db"
binding = "CURIO_DB"
migrations = "libs/curios/migrations"
tables = ["guestbook_entries"]

[databases.obs]
name = "grove-observability-db"
binding = "OBS_DB"
migrations = "workers/vista/migrations"
tables = ["observability_*"]
"""

CORE = """\
CREATE TABLE tenants (id TEXT PRIMARY KEY, subdomain TEXT NOT NULL);
CREATE TABLE posts (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants (id), title TEXT,
    content_markdown TEXT, published_at INTEGER);
"""
GUESTBOOK = "CREATE TABLE guestbook_entries (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, message TEXT);\n"

MakeProject = Callable[..., Path]


def replayed(root: Path, curios_files: dict[str, str] | None = None) -> ProjectReplay:
    if curios_files is not None:
        folder = root / "libs" / "curios" / "migrations"
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in curios_files.items():
            (folder / name).write_text(text, encoding="utf-8")
    return check_project(load_config(root / "ownership.toml"))


@pytest.fixture
def before_split(make_project: MakeProject) -> ProjectReplay:
    return replayed(make_project({"001_core.sql": CORE, "002_guestbook.sql": GUESTBOOK}, CONFIG))


@pytest.fixture
def after_split(make_project: MakeProject) -> ProjectReplay:
    root = make_project(
        {"001_core.sql": CORE, "002_guestbook.sql": GUESTBOOK, "003_moved.sql": "DROP TABLE guestbook_entries;\n"},
        CONFIG,
    )
    return replayed(root, {"0001_initial.sql": GUESTBOOK})


def wrangler(root: Path, folder: str, *bindings: tuple[str, str]) -> WranglerConfig:
    path = root / folder / "wrangler.toml"
    return WranglerConfig(
        path=path,
        bindings=tuple(
            D1Binding(binding, name, "id", None, None, None, SourcePosition(str(path), 1, 1))
            for binding, name in bindings
        ),
    )


def site(root: Path, sql: str | None, binding: str | None = "DB", file: str = "app/src/routes/+server.ts") -> CallSite:
    path = str(root / file)
    uses = (BindingUse(binding, SourcePosition(path, 3, 20)),) if binding is not None else ()
    return CallSite(
        position=SourcePosition(path, 4, 5),
        method=CallMethod.PREPARE,
        sql=sql,
        sql_position=SourcePosition(path, 4, 14) if sql is not None else None,
        bindings=uses,
        unresolved=None if (sql is not None and binding is not None) else "not static",
    )


def audit(outcome: ProjectReplay, *sites: CallSite, configs: list[WranglerConfig] | None = None) -> CodeAudit:
    root = outcome.config.root
    if configs is None:
        configs = [wrangler(root, "app", ("DB", "grove-engine-db"), ("OBS_DB", "grove-observability-db"))]
    scan = CodeScan(configs=configs, call_sites=list(sites))
    return audit_code(outcome.config, scan, outcome.streams, OwnershipMap(outcome.config))


def codes(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.name, f.severity.label) for f in findings]


# --- what a statement touches ---------------------------------------------------------------------


def test_statement_tables_reads_and_writes_without_ctes() -> None:
    tables = statement_tables(
        "WITH recent AS (SELECT * FROM posts WHERE published_at > ?) "
        "INSERT INTO post_stats (post_id) SELECT id FROM recent JOIN tenants ON tenants.id = recent.tenant_id"
    )
    assert tables.read == ("posts", "tenants")
    assert tables.written == ("post_stats",)
    assert statement_tables("SELEC 1").problem is not None


# --- a correct call site --------------------------------------------------------------------------


def test_a_correct_query_has_no_finding(before_split: ProjectReplay) -> None:
    root = before_split.config.root
    result = audit(before_split, site(root, "SELECT p.id, p.title FROM posts p JOIN tenants t ON t.id = p.tenant_id"))
    assert result.findings == []
    assert [u.reach.database for u in result.uses] == ["engine"]
    assert result.uses[0].access == "read"


# --- wrong-binding -----------------------------------------------------------------------------


def test_a_pending_move_is_info_and_a_switch_for_the_plan(before_split: ProjectReplay) -> None:
    root = before_split.config.root
    configs = [wrangler(root, "app", ("DB", "grove-engine-db"), ("CURIO_DB", "grove-curios-db"))]
    result = audit(before_split, site(root, "SELECT * FROM guestbook_entries WHERE tenant_id = ?"), configs=configs)
    assert codes(result.findings) == [("wrong-binding", "info")]
    assert "switch this DB to CURIO_DB" in result.findings[0].message
    switches = [(s.table, s.from_binding, s.to_binding) for s in result.switches]
    assert switches == [("guestbook_entries", "DB", "CURIO_DB")]


def test_a_moved_table_through_the_old_binding_is_an_error(after_split: ProjectReplay) -> None:
    root = after_split.config.root
    configs = [wrangler(root, "app", ("DB", "grove-engine-db"), ("CURIO_DB", "grove-curios-db"))]
    insert = site(root, "INSERT INTO guestbook_entries (id, tenant_id) VALUES (?, ?)")
    result = audit(after_split, insert, configs=configs)
    assert codes(result.findings) == [("wrong-binding", "error")]
    finding = result.findings[0]
    assert "guestbook_entries is not in grove-engine-db" in finding.message
    assert "use CURIO_DB" in finding.message
    assert finding.location is not None and finding.location.line == 3  # where env.DB is written
    assert result.uses[0].access == "write"


def test_the_new_binding_after_the_move_is_right(after_split: ProjectReplay) -> None:
    root = after_split.config.root
    configs = [wrangler(root, "app", ("DB", "grove-engine-db"), ("CURIO_DB", "grove-curios-db"))]
    result = audit(after_split, site(root, "SELECT message FROM guestbook_entries", "CURIO_DB"), configs=configs)
    assert result.findings == []


def test_switching_before_the_new_database_holds_the_table_is_a_warning(make_project: MakeProject) -> None:
    outcome = replayed(
        make_project({"001_core.sql": CORE, "002_guestbook.sql": GUESTBOOK}, CONFIG),
        {"0001_init.sql": "CREATE TABLE polls (id TEXT PRIMARY KEY);\n"},
    )
    root = outcome.config.root
    configs = [wrangler(root, "app", ("DB", "grove-engine-db"), ("CURIO_DB", "grove-curios-db"))]
    result = audit(outcome, site(root, "SELECT message FROM guestbook_entries", "CURIO_DB"), configs=configs)
    assert codes(result.findings) == [("wrong-binding", "warning")]
    assert "does not hold it yet" in result.findings[0].message


def test_a_database_with_no_migrations_yet_is_not_judged(before_split: ProjectReplay) -> None:
    """Its schema is unknown here (the stream is planned): its own tables are not judged, another's are."""
    root = before_split.config.root
    configs = [wrangler(root, "app", ("DB", "grove-engine-db"), ("CURIO_DB", "grove-curios-db"))]
    own = site(root, "SELECT nope FROM guestbook_entries", "CURIO_DB")
    other = site(root, "SELECT title FROM posts", "CURIO_DB")
    result = audit(before_split, own, other, configs=configs)
    assert codes(result.findings) == [("wrong-binding", "error")]
    assert "posts is not in grove-curios-db" in result.findings[0].message


def test_without_a_wrangler_config_the_ownership_bindings_decide(after_split: ProjectReplay) -> None:
    root = after_split.config.root
    result = audit(after_split, site(root, "SELECT message FROM guestbook_entries"), configs=[])
    assert codes(result.findings) == [("wrong-binding", "error")]
    assert "use CURIO_DB" in result.findings[0].message


# --- undeclared-binding --------------------------------------------------------------------------


def test_a_binding_the_config_does_not_declare(before_split: ProjectReplay) -> None:
    root = before_split.config.root
    result = audit(before_split, site(root, "SELECT * FROM tenants", "CURIO_DB"))
    assert codes(result.findings) == [("undeclared-binding", "error")]
    assert "it declares DB, OBS_DB" in result.findings[0].message


def test_a_binding_declared_in_an_environment_counts(before_split: ProjectReplay) -> None:
    root = before_split.config.root
    path = root / "app" / "wrangler.toml"
    staging = D1Binding("DB", "grove-engine-db", "x", None, None, "staging", SourcePosition(str(path), 9, 1))
    result = audit(before_split, site(root, "SELECT * FROM tenants"), configs=[WranglerConfig(path, (staging,))])
    assert result.findings == []


def test_the_nearest_config_governs(before_split: ProjectReplay) -> None:
    root = before_split.config.root
    configs = [
        wrangler(root, ".", ("DB", "grove-engine-db"), ("CURIO_DB", "grove-curios-db")),
        wrangler(root, "workers/pulse", ("DB", "grove-engine-db")),
    ]
    inside = site(root, "SELECT * FROM tenants", "CURIO_DB", file="workers/pulse/src/index.ts")
    outside = site(root, "SELECT * FROM tenants", "DB", file="app/src/index.ts")
    result = audit(before_split, inside, outside, configs=configs)
    assert codes(result.findings) == [("undeclared-binding", "error")]
    assert "workers/pulse/wrangler.toml" in result.findings[0].message


# --- another team's database -------------------------------------------------------------------


def test_a_database_the_map_does_not_know_is_listed_not_judged(before_split: ProjectReplay) -> None:
    root = before_split.config.root
    configs = [wrangler(root, "app", ("AUTH_DB", "heartwood-auth-db"))]
    result = audit(before_split, site(root, "SELECT nope FROM sessions", "AUTH_DB"), configs=configs)
    assert result.findings == []  # not even unknown-table: no stream of this map is that database
    assert [(u.reach.database, u.reach.database_name) for u in result.uses] == [(None, "heartwood-auth-db")]


# --- unknown-table -----------------------------------------------------------------------------


def test_a_table_no_stream_creates(before_split: ProjectReplay) -> None:
    root = before_split.config.root
    result = audit(before_split, site(root, "SELECT * FROM guestbook_entry WHERE tenant_id = ?"))
    assert codes(result.findings) == [("unknown-table", "warning")]
    assert audit(before_split, site(root, "SELECT * FROM guestbook_entries")).findings[0].name == "wrong-binding"


def test_table_valued_functions_and_sqlite_tables_are_not_unknown(before_split: ProjectReplay) -> None:
    root = before_split.config.root
    result = audit(
        before_split,
        site(root, "SELECT value FROM json_each(?)"),
        site(root, "SELECT name FROM sqlite_schema WHERE type = 'table'"),
        site(root, "SELECT name FROM pragma_table_info('posts')"),
    )
    assert result.findings == []


# --- unknown-column ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "unknown"),
    [
        ("SELECT id, body FROM posts WHERE tenant_id = ?", "posts.body"),
        ("SELECT p.title, t.nope FROM posts p JOIN tenants t ON t.id = p.tenant_id", "tenants.nope"),
        ("UPDATE posts SET body = ? WHERE id = ?", "posts.body"),
        ("INSERT INTO posts (id, tenant_id, body) VALUES (?, ?, ?)", "posts.body"),
        ("DELETE FROM tenants WHERE slug = ?", "tenants.slug"),
        ("SELECT id FROM posts WHERE tenant_id IN (SELECT id FROM tenants WHERE slug = ?)", "tenants.slug"),
    ],
)
def test_a_column_the_table_lacks(before_split: ProjectReplay, sql: str, unknown: str) -> None:
    root = before_split.config.root
    result = audit(before_split, site(root, sql))
    assert codes(result.findings) == [("unknown-column", "error")]
    assert result.findings[0].message.startswith(f"{unknown} does not exist in grove-engine-db")


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM posts",
        "SELECT p.* FROM posts p",
        "SELECT title AS heading FROM posts ORDER BY heading",
        "SELECT id FROM posts JOIN tenants ON tenants.id = posts.tenant_id",  # ambiguous: left alone
        "WITH t AS (SELECT id AS post_id FROM posts) SELECT post_id FROM t",
        "SELECT x.n FROM (SELECT count(*) AS n FROM posts) AS x",
        "SELECT rowid, id FROM posts",
        'SELECT "title" FROM posts',
        "INSERT INTO tenants (id, subdomain) VALUES (?, ?) "
        "ON CONFLICT (id) DO UPDATE SET subdomain = excluded.subdomain",
        "SELECT count(*) AS total FROM posts GROUP BY tenant_id HAVING total > 1",
        "UPDATE posts SET title = ? WHERE id = ? RETURNING id, title",
    ],
)
def test_columns_that_resolve_or_cannot_be_judged_are_left_alone(before_split: ProjectReplay, sql: str) -> None:
    root = before_split.config.root
    assert audit(before_split, site(root, sql)).findings == []


def test_the_column_is_judged_in_the_database_reached(after_split: ProjectReplay) -> None:
    root = after_split.config.root
    configs = [wrangler(root, "app", ("CURIO_DB", "grove-curios-db"))]
    result = audit(after_split, site(root, "SELECT body FROM guestbook_entries", "CURIO_DB"), configs=configs)
    assert codes(result.findings) == [("unknown-column", "error")]
    assert "grove-curios-db" in result.findings[0].message


# --- cross-database-query ----------------------------------------------------------------------


JOIN = "SELECT g.message FROM guestbook_entries g JOIN tenants t ON t.id = g.tenant_id WHERE t.subdomain = ?"


def test_a_join_the_split_will_cut_is_info_before_it(before_split: ProjectReplay) -> None:
    root = before_split.config.root
    findings = audit(before_split, site(root, JOIN)).findings
    assert ("cross-database-query", "info") in codes(findings)


def test_a_join_across_databases_is_an_error_after_the_split(after_split: ProjectReplay) -> None:
    root = after_split.config.root
    findings = audit(after_split, site(root, JOIN)).findings
    assert ("cross-database-query", "error") in codes(findings)


# --- unresolved-call-site and unreadable-source ----------------------------------------------------


def test_unresolved_call_sites_are_listed_never_dropped(before_split: ProjectReplay) -> None:
    root = before_split.config.root
    dynamic = site(root, None)
    unbound = site(root, "SELECT * FROM tenants", None)
    result = audit(before_split, dynamic, unbound)
    assert codes(result.findings) == [("unresolved-call-site", "info")] * 2
    assert result.unresolved == [dynamic, unbound]


def test_sql_that_does_not_parse_is_unresolved(before_split: ProjectReplay) -> None:
    root = before_split.config.root
    findings = audit(before_split, site(root, "SELEC * FROM tenants")).findings
    assert codes(findings) == [("unresolved-call-site", "info")]
    assert "does not parse" in findings[0].message


def test_a_source_problem_is_a_warning(before_split: ProjectReplay) -> None:
    root = before_split.config.root
    scan = CodeScan(problems=[SourceProblem(SourcePosition(str(root / "a.ts"), 2, 1), "syntax error")])
    result = audit_code(before_split.config, scan, before_split.streams, OwnershipMap(before_split.config))
    assert codes(result.findings) == [("unreadable-source", "warning")]


# --- suppressions in JS/TS comments -----------------------------------------------------------------


def test_a_line_comment_suppresses_the_finding_below_it(after_split: ProjectReplay) -> None:
    root = after_split.config.root
    path = str(root / "app/src/routes/+server.ts")
    comment = (2, 1, "// grove-schema: ignore wrong-binding -- migrating in the next release")
    scan = CodeScan(
        configs=[wrangler(root, "app", ("DB", "grove-engine-db"), ("CURIO_DB", "grove-curios-db"))],
        call_sites=[site(root, "SELECT message FROM guestbook_entries")],
        directive_comments={path: (comment,)},
    )
    result = audit_code(after_split.config, scan, after_split.streams, OwnershipMap(after_split.config))
    assert codes(result.findings) == [("wrong-binding", "error")]
    assert apply_suppressions(result.findings, suppression_layouts(scan)) == []


def test_a_suppression_comment_that_silences_nothing_is_reported(after_split: ProjectReplay) -> None:
    root = after_split.config.root
    path = str(root / "app/src/routes/+server.ts")
    scan = CodeScan(
        call_sites=[site(root, "SELECT * FROM tenants")],
        configs=[wrangler(root, "app", ("DB", "grove-engine-db"))],
        directive_comments={path: ((2, 1, "/* grove-schema: ignore unknown-column -- legacy */"),)},
    )
    result = audit_code(after_split.config, scan, after_split.streams, OwnershipMap(after_split.config))
    kept = apply_suppressions(result.findings, suppression_layouts(scan))
    assert [f.name for f in kept] == ["suppression-unused"]
    assert kept[0].location is not None and kept[0].location.line == 2


# --- remembered verdicts ---------------------------------------------------------------------------


def test_remembered_verdicts_spare_the_parse_and_follow_the_schema(
    before_split: ProjectReplay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from grove_schema.code import audit as audit_module
    from grove_schema.code.cache import SqlVerdicts

    parses: list[str] = []
    real = audit_module.statement_tables

    def counting(sql: str) -> object:
        parses.append(sql)
        return real(sql)

    monkeypatch.setattr(audit_module, "statement_tables", counting)
    root = before_split.config.root
    sites = [site(root, "SELECT id, body FROM posts"), site(root, "SELECT id, body FROM posts")]

    def run(outcome: ProjectReplay) -> list[tuple[str, str]]:
        verdicts = SqlVerdicts(tmp_path / "cache")
        scan = CodeScan(configs=[wrangler(outcome.config.root, "app", ("DB", "grove-engine-db"))], call_sites=sites)
        result = audit_code(outcome.config, scan, outcome.streams, OwnershipMap(outcome.config), verdicts)
        verdicts.save()
        return codes(result.findings)

    assert run(before_split) == [("unknown-column", "error")] * 2
    assert len(parses) == 1  # two call sites, one SQL text
    assert run(before_split) == [("unknown-column", "error")] * 2
    assert len(parses) == 1  # remembered: not parsed again
    # The column verdict is keyed by the schema: once posts has a body column, it is recomputed.
    schema = before_split.streams["engine"].schema
    posts = schema.tables["posts"]
    body = posts.columns[0].model_copy(update={"name": "body"})
    schema.tables["posts"] = posts.model_copy(update={"columns": (*posts.columns, body)})
    assert run(before_split) == []
    assert len(parses) == 2  # the column verdict was recomputed, from a fresh parse


def test_the_parallel_analysis_judges_as_the_sequential_one(
    before_split: ProjectReplay, monkeypatch: pytest.MonkeyPatch
) -> None:
    from grove_schema.code import audit as audit_module

    root = before_split.config.root
    sites = [
        site(root, "SELECT id, body FROM posts"),
        site(root, JOIN),
        site(root, "SELECT * FROM guestbook_entry"),
        site(root, "INSERT INTO tenants (id, slug) VALUES (?, ?)"),
        site(root, "SELEC 1"),
    ]
    sequential = [(f.name, f.message) for f in audit(before_split, *sites).findings]
    remembered: list[str] = []
    real_remember = audit_module._Judge.remember

    def remember(judge: audit_module._Judge, sql: str, *rest: object) -> None:
        remembered.append(sql)
        real_remember(judge, sql, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(audit_module, "_PARALLEL_MIN", 1)
    monkeypatch.setattr(audit_module._Judge, "remember", remember)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)  # two workers, whatever this machine has
    parallel = [(f.name, f.message) for f in audit(before_split, *sites).findings]
    assert len(remembered) == 5  # every text came back from a worker
    assert parallel == sequential
    assert {"unknown-column", "unknown-table", "cross-database-query"} <= {name for name, _ in sequential}
