"""The ownership map against the streams: moves, wrong-database changes, cross-database
references, retired objects, and the map's own mistakes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from grove_schema.config import load_config
from grove_schema.errors import ConfigError
from grove_schema.findings import Finding, Severity
from grove_schema.ownership import OwnershipReport, check_ownership
from grove_schema.project import check_project

from .conftest import REPO

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
migrations = "libs/engine/migrations/curios"
tables = ["gallery_*", "timeline_curio_config"]

[retired]
tables = { products = "shop deferred" }
columns = { "users.ls_id" = "moved to Stripe" }
"""

BASE = """\
CREATE TABLE tenants (id TEXT PRIMARY KEY, name TEXT);
CREATE TABLE users (id TEXT PRIMARY KEY, tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE, ls_id TEXT);
CREATE INDEX idx_users_ls ON users (ls_id);
CREATE TABLE products (id TEXT PRIMARY KEY, tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE);
CREATE TABLE gallery_images (id TEXT PRIMARY KEY, tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE);
CREATE TABLE gallery_tags (image_id TEXT REFERENCES gallery_images(id) ON DELETE CASCADE, tag TEXT);
CREATE TABLE timeline_curio_config (tenant_id TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE SET NULL);
"""


def ownership_of(root: Path, config: str = CONFIG) -> OwnershipReport:
    (root / "ownership.toml").write_text(config)
    project_config = load_config(root / "ownership.toml")
    return check_ownership(project_config, check_project(project_config).streams)


def by_name(findings: list[Finding], name: str) -> list[Finding]:
    return [f for f in findings if f.name == name]


def test_pending_moves_per_table_and_per_database(make_project: Callable[..., Path]) -> None:
    report = ownership_of(make_project({"001_base.sql": BASE}))
    moves = by_name(report.findings, "pending-move")
    per_table = sorted(f.message.split()[0] for f in moves if f.location is not None)
    assert per_table == ["gallery_images", "gallery_tags", "timeline_curio_config"]
    assert all(f.severity is Severity.INFO for f in moves)
    summary = [f.message for f in moves if f.location is None]
    assert summary == [
        "3 tables in grove-engine-db belong to curios; fix: run grove-schema plan for the order of the move"
    ]
    assert moves[0].location is not None and moves[0].location.line in (5, 6, 7)
    assert not by_name(report.findings, "foreign-table-change")  # curios has no stream yet


def test_cut_references_and_lost_cascades_are_summarised_per_pair(make_project: Callable[..., Path]) -> None:
    report = ownership_of(make_project({"001_base.sql": BASE}))
    cut = sorted((r.source, r.target, r.on_delete) for r in report.cut)
    assert cut == [("gallery_images", "tenants", "CASCADE"), ("timeline_curio_config", "tenants", "SET NULL")]
    (summary,) = by_name(report.findings, "cross-database-reference")
    assert summary.severity is Severity.INFO and summary.location is None
    assert "cuts 2 references between curios and engine" in summary.message
    (lost,) = by_name(report.findings, "lost-cascade")
    assert "2 foreign keys with ON DELETE CASCADE or SET NULL" in lost.message and "tenants" in lost.message


def test_transition_window_copied_not_yet_dropped(make_project: Callable[..., Path]) -> None:
    root = make_project(
        {
            "001_base.sql": BASE,
            "curios/0001_init.sql": "CREATE TABLE gallery_images (id TEXT PRIMARY KEY, tenant_id TEXT);\n",
        }
    )
    report = ownership_of(root)
    messages = [f.message for f in by_name(report.findings, "pending-move")]
    assert any(
        m.startswith("gallery_images lives in engine (grove-engine-db)") and "copied, not yet dropped" in m
        for m in messages
    )
    assert any("3 tables in grove-engine-db belong to curios (1 copied, not yet dropped)" in m for m in messages)


def test_new_engine_migration_altering_a_curios_table_after_the_split(make_project: Callable[..., Path]) -> None:
    root = make_project(
        {
            "001_base.sql": BASE,
            "002_drop_moved.sql": (
                "DROP TABLE gallery_tags;\nDROP TABLE gallery_images;\nDROP TABLE timeline_curio_config;\n"
            ),
            "003_oops.sql": "CREATE TABLE gallery_images (id TEXT PRIMARY KEY);\n",
            "004_oops.sql": "ALTER TABLE gallery_images ADD COLUMN caption TEXT;\n",
            "curios/0001_init.sql": "CREATE TABLE gallery_images (id TEXT PRIMARY KEY, tenant_id TEXT);\n"
            "CREATE TABLE gallery_tags (image_id TEXT REFERENCES gallery_images(id), tag TEXT);\n"
            "CREATE TABLE timeline_curio_config (tenant_id TEXT PRIMARY KEY);\n",
        }
    )
    report = ownership_of(root)
    errors = by_name(report.findings, "foreign-table-change")
    assert [(Path(f.location.path).name, f.location.line) for f in errors if f.location] == [
        ("003_oops.sql", 1),
        ("004_oops.sql", 1),
    ]
    assert "write it in curios's own stream (libs/engine/migrations/curios/)" in errors[0].message
    assert all(f.severity is Severity.ERROR for f in errors)


OBS_CONFIG = (
    CONFIG
    + """
[databases.obs]
name = "grove-observability-db"
binding = "OBS_DB"
migrations = "workers/vista-collector/migrations"
tables = ["observability_*"]
"""
)
OBS_TABLES = (
    "CREATE TABLE observability_metrics (id TEXT PRIMARY KEY, value REAL);\n"
    "CREATE INDEX idx_obs_metrics_value ON observability_metrics (value);\n"
)


def test_the_old_streams_creates_of_a_copied_table_are_the_moves_history(make_project: Callable[..., Path]) -> None:
    """The new stream's first migration rendered before any lock: the old stream's creates are
    where the copy came from, not changes written into the wrong database."""
    root = make_project({"001_base.sql": BASE, "002_obs.sql": OBS_TABLES})
    (root / "workers/vista-collector/migrations").mkdir(parents=True)
    (root / "workers/vista-collector/migrations/0001_initial.sql").write_text(OBS_TABLES)
    report = ownership_of(root, OBS_CONFIG)
    assert not by_name(report.findings, "foreign-table-change")
    copied = [f.message for f in by_name(report.findings, "pending-move")]
    assert any(m.startswith("observability_metrics lives in engine") and "copied, not yet dropped" in m for m in copied)


def test_a_change_after_the_copy_is_reported_with_the_configured_path(make_project: Callable[..., Path]) -> None:
    root = make_project(
        {
            "001_base.sql": BASE,
            "002_obs.sql": OBS_TABLES,
            "003_late.sql": "ALTER TABLE observability_metrics ADD COLUMN unit TEXT;\n",
        }
    )
    (root / "workers/vista-collector/migrations").mkdir(parents=True)
    (root / "workers/vista-collector/migrations/0001_initial.sql").write_text(OBS_TABLES)
    errors = by_name(ownership_of(root, OBS_CONFIG).findings, "foreign-table-change")
    assert [(Path(f.location.path).name, f.location.line) for f in errors if f.location] == [
        ("002_obs.sql", 2),
        ("003_late.sql", 1),
    ]
    assert "write it in obs's own stream (workers/vista-collector/migrations/) instead" in errors[0].message


def test_cross_database_reference_is_an_error_once_split(make_project: Callable[..., Path]) -> None:
    root = make_project(
        {
            "001_base.sql": "CREATE TABLE tenants (id TEXT PRIMARY KEY);\n",
            "curios/0001_init.sql": "CREATE TABLE gallery_images (id TEXT PRIMARY KEY,\n"
            "  tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE);\n",
        }
    )
    report = ownership_of(root)
    (error,) = [f for f in by_name(report.findings, "cross-database-reference") if f.severity is Severity.ERROR]
    assert error.location is not None and Path(error.location.path).name == "0001_init.sql"
    assert "tenants, which lives in engine (grove-engine-db)" in error.message
    assert "no such table: main.tenants" in error.message


def test_retired_table_still_referenced_by_a_staying_table(make_project: Callable[..., Path]) -> None:
    root = make_project(
        {"001_base.sql": BASE, "002_orders.sql": "CREATE TABLE invoices (product_id TEXT REFERENCES products(id));\n"}
    )
    report = ownership_of(root)
    (blocker,) = by_name(report.findings, "retired-still-referenced")
    assert "products is retired (shop deferred)" in blocker.message and "invoices" in blocker.message
    assert blocker.location is not None and Path(blocker.location.path).name == "002_orders.sql"
    assert report.blockers == [blocker]


def test_retired_column_read_by_a_staying_view_but_its_index_is_no_blocker(make_project: Callable[..., Path]) -> None:
    clean = ownership_of(make_project({"001_base.sql": BASE}))
    assert by_name(clean.findings, "retired-still-referenced") == []  # idx_users_ls goes with the column
    root = make_project(
        {"001_base.sql": BASE, "002_view.sql": "CREATE VIEW ls_users AS SELECT id, ls_id FROM users;\n"}
    )
    (blocker,) = by_name(ownership_of(root).findings, "retired-still-referenced")
    assert "users.ls_id is retired (moved to Stripe) but the view ls_users still reads it" in blocker.message


def test_retired_tables_are_not_pending_moves_or_cut(make_project: Callable[..., Path]) -> None:
    report = ownership_of(make_project({"001_base.sql": BASE}))
    assert all("products" not in f.message for f in by_name(report.findings, "pending-move"))
    assert all(r.source != "products" for r in report.cut)


def test_unowned_table_without_a_default(make_project: Callable[..., Path]) -> None:
    config = CONFIG.replace('default_database = "engine"\n', "")
    report = ownership_of(make_project({"001_base.sql": BASE}), config)
    unowned = sorted(f.message.split()[3] for f in by_name(report.findings, "unowned-table"))
    assert unowned == ["products", "tenants", "users"]


def test_a_table_claimed_twice_is_a_config_error(make_project: Callable[..., Path]) -> None:
    config = CONFIG.replace(
        'migrations = "libs/engine/migrations"\n',
        'migrations = "libs/engine/migrations"\ntables = ["gallery_images"]\n',
        1,
    )
    with pytest.raises(
        ConfigError,
        match=r"gallery_images is claimed by two databases: curios \(gallery_\*\) and engine \(gallery_images\)",
    ):
        ownership_of(make_project({"001_base.sql": BASE}), config)


def test_unmatched_pattern_warns_only_where_the_stream_exists(make_project: Callable[..., Path]) -> None:
    config = CONFIG.replace('tables = ["gallery_*", "timeline_curio_config"]', 'tables = ["gallery_*", "nowplaying_*"]')
    root = make_project({"001_base.sql": BASE}, config)
    assert by_name(ownership_of(root, config).findings, "config-pattern-unmatched") == []
    (root / "libs" / "engine" / "migrations" / "curios").mkdir()
    (warning,) = by_name(ownership_of(root, config).findings, "config-pattern-unmatched")
    assert "'nowplaying_*' matches no table" in warning.message
    assert warning.location is not None and warning.location.line == 14


def test_every_example_curio_table_resolves_to_curios() -> None:
    config = load_config(REPO / "ownership.toml")
    report = check_ownership(config, check_project(config).streams)
    moved = {owner: tables for (_stream, owner), tables in report.moves.items()}
    assert len(moved["curios"]) == 18 and len(moved["obs"]) == 10
    assert by_name(report.findings, "retired-still-referenced") == []
    assert not [f for f in report.findings if f.severity is not Severity.INFO]


@pytest.mark.corpus
def test_every_corpus_curio_table_resolves_to_curios(corpus_root: Path) -> None:
    config = load_config(REPO / "ownership.toml", root_override=corpus_root)
    outcome = check_project(config)
    report = check_ownership(config, outcome.streams)
    schema = outcome.streams["engine"].schema
    curio_files = {
        t.name
        for t in schema.tables.values()
        if "curio" in Path(t.provenance.created.path).name or t.name == "hit_counter_visitors"
    }
    moved = {owner: set(tables) for (_stream, owner), tables in report.moves.items()}
    assert moved["curios"] == curio_files and len(curio_files) == 45
    assert moved["obs"] == {t for t in schema.tables if t.startswith("observability_")}
    assert {t for t in schema.tables if t.startswith("sentinel_")} <= {
        t for t in schema.tables if t not in moved["curios"] | moved["obs"]
    }


def test_an_empty_stream_directory_is_a_stream_not_started(make_project: Callable[..., Path]) -> None:
    """`mkdir` of the new stream, before its first migration: the moves are pending, not errors."""
    root = make_project({"001_base.sql": BASE, "002_obs.sql": OBS_TABLES})
    (root / "workers/vista-collector/migrations").mkdir(parents=True)
    report = ownership_of(root, OBS_CONFIG)
    assert not by_name(report.findings, "foreign-table-change")
    (root / "workers/vista-collector/migrations/0001_other.sql").write_text("SELECT 1;\n")
    assert by_name(ownership_of(root, OBS_CONFIG).findings, "foreign-table-change")
