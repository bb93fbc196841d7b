"""The ownership map against the streams: moves, wrong-database changes, cross-database
references, retired objects, and the map's own mistakes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


# --- a table the map does not list ---------------------------------------------------------------

UNLISTED = "CREATE TABLE widgets (id TEXT PRIMARY KEY);\nCREATE TABLE gadgets (id TEXT PRIMARY KEY);\n"


def test_a_table_only_another_stream_holds_and_the_map_does_not_list_is_an_omission(
    make_project: Callable[..., Path],
) -> None:
    root = make_project(
        {"001_base.sql": "CREATE TABLE tenants (id TEXT PRIMARY KEY);\n", "curios/0001_init.sql": UNLISTED}
    )
    report = ownership_of(root)
    errors = sorted(by_name(report.findings, "foreign-table-change"), key=Finding.sort_key)
    assert [(Path(f.location.path).name, f.location.line) for f in errors if f.location] == [
        ("0001_init.sql", 1),
        ("0001_init.sql", 2),
    ]
    line = 'tables = ["gallery_*", "timeline_curio_config", "gadgets", "widgets"]'
    assert errors[0].message == (
        "widgets lives only in curios's stream, but ownership.toml lists it in no database's `tables`, so the map "
        f"gives it to the default database, engine; fix: list it in ownership.toml, replacing line 14: {line}"
    )
    assert all("write it in" not in f.message for f in errors)
    assert not [f for f in by_name(report.findings, "pending-move") if "widgets" in f.message or "gadgets" in f.message]
    assert report.moves == {} and report.unlisted == {"gadgets": "curios", "widgets": "curios"}
    # The line offered is the fix: with it in place, nothing is left to say.
    fixed = CONFIG.replace('tables = ["gallery_*", "timeline_curio_config"]', line)
    assert by_name(ownership_of(root, fixed).findings, "foreign-table-change") == []


def test_the_line_for_a_database_without_tables_goes_under_its_section(make_project: Callable[..., Path]) -> None:
    config = OBS_CONFIG.replace('tables = ["observability_*"]\n', "")
    root = make_project({"001_base.sql": "CREATE TABLE tenants (id TEXT PRIMARY KEY);\n"}, config)
    (root / "workers/vista-collector/migrations").mkdir(parents=True)
    (root / "workers/vista-collector/migrations/0001_initial.sql").write_text(OBS_TABLES)
    (error,) = by_name(ownership_of(root, config).findings, "foreign-table-change")
    assert error.message.endswith(
        'fix: list it in ownership.toml, under [databases.obs]: tables = ["observability_metrics"]'
    )


def test_the_default_streams_own_tables_and_tables_two_streams_hold_are_not_omissions(
    make_project: Callable[..., Path],
) -> None:
    root = make_project(
        {"001_base.sql": UNLISTED, "curios/0001_init.sql": "CREATE TABLE widgets (id TEXT PRIMARY KEY);\n"}
    )
    report = ownership_of(root)
    assert report.unlisted == {}  # gadgets is engine's own; widgets lives in both streams
    assert by_name(report.findings, "foreign-table-change") == []
    (copied,) = [f for f in by_name(report.findings, "pending-move") if f.location is not None]
    assert copied.message.startswith("widgets lives in curios") and "copied, not yet dropped" in copied.message


# --- a change written in the stream a table moved away from -------------------------------------

MOVED_AWAY = (
    "ALTER TABLE gallery_images ADD COLUMN caption TEXT;\n"
    "ALTER TABLE gallery_images RENAME COLUMN url TO href;\n"
    "ALTER TABLE gallery_images DROP COLUMN url;\n"
    "CREATE INDEX idx_gallery_url ON gallery_images (url);\n"
    "INSERT INTO gallery_images (id, url) VALUES ('1', 'x');\n"
    "UPDATE gallery_images SET url = 'y';\n"
    "DELETE FROM gallery_images;\n"
    "CREATE TRIGGER gallery_touch AFTER INSERT ON gallery_images BEGIN SELECT 1; END;\n"
    "DROP TABLE gallery_images;\n"
)


def test_a_change_to_a_table_that_moved_away_names_the_stream_it_belongs_in(make_project: Callable[..., Path]) -> None:
    root = make_project(
        {
            "001_base.sql": "CREATE TABLE gallery_images (id TEXT PRIMARY KEY, url TEXT);\n",
            "002_moved.sql": "DROP TABLE gallery_images;\n",
            "003_late.sql": MOVED_AWAY,
            "curios/0001_init.sql": "CREATE TABLE gallery_images (id TEXT PRIMARY KEY, url TEXT);\n",
        },
        CONFIG,
    )
    findings = check_project(load_config(root / "ownership.toml")).findings
    late = [f for f in findings if f.location is not None and Path(f.location.path).name == "003_late.sql"]
    assert [(f.name, f.location.line) for f in late if f.location] == [
        ("foreign-table-change", line) for line in range(1, 10)
    ]
    assert late[0].message == (
        "this migration of engine (grove-engine-db) changes gallery_images, which lives in curios's stream, not this "
        'one: it fails with "no such table: gallery_images" (D1 would roll back all of 003_late.sql and stop '
        "applying migrations there); fix: write it in curios's own stream (libs/engine/migrations/curios/) instead"
    )


def test_a_missing_table_no_other_stream_holds_stays_a_sqlite_error(make_project: Callable[..., Path]) -> None:
    root = make_project(
        {"001_base.sql": "CREATE TABLE tenants (id TEXT PRIMARY KEY);\n", "002_late.sql": MOVED_AWAY}, CONFIG
    )
    (root / "libs/engine/migrations/curios").mkdir()
    findings = check_project(load_config(root / "ownership.toml")).findings
    assert {f.name for f in findings if f.severity is Severity.ERROR} == {"sqlite-error"}


# --- views and triggers the split cannot place ---------------------------------------------------

SPANNING = """\
CREATE TABLE tenants (id TEXT PRIMARY KEY, name TEXT);
CREATE TABLE gallery_images (id TEXT PRIMARY KEY, tenant_id TEXT, url TEXT);
CREATE VIEW tenant_images AS
  SELECT t.name, g.url FROM tenants t JOIN gallery_images g ON g.tenant_id = t.id;
CREATE VIEW image_urls AS SELECT url FROM gallery_images;
CREATE TRIGGER tenants_gone AFTER DELETE ON tenants BEGIN
  DELETE FROM gallery_images WHERE tenant_id = old.id;
END;
CREATE TRIGGER images_only AFTER DELETE ON gallery_images BEGIN
  UPDATE gallery_images SET url = NULL WHERE id = old.id;
END;
"""


def test_a_view_or_trigger_spanning_two_databases_of_the_map_is_an_error_and_a_blocker(
    make_project: Callable[..., Path], run_cli: Callable[..., Any]
) -> None:
    root = make_project({"001_base.sql": SPANNING}, CONFIG)
    report = ownership_of(root)
    errors = [f for f in by_name(report.findings, "cross-database-reference") if f.severity is Severity.ERROR]
    assert [f.location.line for f in errors if f.location] == [3, 6]  # image_urls and images_only go with curios
    assert errors[0].message == (
        "the view tenant_images reads gallery_images (curios) and tenants (engine), which the map puts in different "
        "databases: after the split no database can hold the view, as D1 has no cross-database reads; fix: drop or "
        "rewrite it in a migration before the split (its work moves into application code)"
    )
    assert errors[1].message.startswith(
        "the trigger tenants_gone on tenants (engine) writes gallery_images, which the map puts in curios: after the "
        'split it fails with "no such table: main.gallery_images" each time it fires; fix: drop it'
    )
    assert report.blockers == errors
    document = json.loads(run_cli("plan", "--format", "json", cwd=root).out)
    assert document["blockers"] == [f.message for f in errors]


def test_each_schemas_tables_are_listed_a_fixed_number_of_times(
    make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The checks ask for a schema's tables per table and per reference: listing them anew each
    time made the ownership checks quadratic in the size of the schema (137 listings for 66
    tables). However many tables, the listings are as many."""
    from grove_schema import ownership

    listed = ownership._living
    calls: list[int] = []

    def counted(schema: Any) -> Any:
        calls.append(1)
        return listed(schema)

    monkeypatch.setattr(ownership, "_living", counted)

    def listings(tables: int) -> int:
        chain = "".join(
            f"CREATE TABLE gallery_t{i} (id TEXT PRIMARY KEY, parent TEXT REFERENCES gallery_t{i - 1}(id));\n"
            for i in range(1, tables)
        )
        root = make_project({"001_base.sql": BASE + "CREATE TABLE gallery_t0 (id TEXT PRIMARY KEY);\n" + chain})
        (root / "ownership.toml").write_text(CONFIG)
        project_config = load_config(root / "ownership.toml")
        streams = check_project(project_config).streams
        calls.clear()
        report = check_ownership(project_config, streams)
        assert len(by_name(report.findings, "pending-move")) > tables  # every gallery table waits to move
        return len(calls)

    assert listings(10) == listings(60)
