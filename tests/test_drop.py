"""`grove-schema drop`: the migration that removes what leaves a database, proven on data.

The proof: replay the stream into a D1-profile dev database, fill every table with generated rows
that satisfy its constraints (foreign keys on), apply the drop migration: it succeeds, what leaves
is gone, and every table that stays keeps every row. The same migration, written by `--new` as the
next migration of the stream, passes `grove-schema check` with no error of its own.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grove_schema.catalog import catalog_differences, database_catalog, model_catalog
from grove_schema.config import load_config
from grove_schema.devdb import DevDatabase
from grove_schema.drop_plan import plan_drop, render_drop_sql
from grove_schema.model import key
from grove_schema.project import check_project
from grove_schema.sample_rows import ROWS_PER_TABLE, fill_tables, row_counts
from grove_schema.sql.lexer import split_statements

from .conftest import REPO
from .test_render import Project, apply_sql, copy_project, error_set, load_project

SCENARIOS = {"curios": ("curios",), "obs": ("obs",), "retired": ("retired",), "all": ()}
EXPECTED = {  # (tables that leave, retired columns) per scenario
    "example": {"curios": (18, 0), "obs": (10, 0), "retired": (9, 3), "all": (37, 3)},
    "corpus": {"curios": (45, 0), "obs": (10, 0), "retired": (9, 3), "all": (64, 3)},
}


@pytest.fixture(scope="module", params=["example", "corpus"])
def project(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = copy_project(request.param, tmp_path_factory.mktemp(request.param))
    reservation = root / "libs" / "engine" / "migrations" / "NEXT_MIGRATION_NUMBER.txt"
    if not reservation.exists():
        reservation.write_text("085\n")  # the corpus has none; `--new` needs one
    return load_project(root)


def replayed_database(project: Project) -> DevDatabase:
    """The engine stream run into a fresh dev database, as the replay runs it (the model's twin)."""
    db = DevDatabase()
    for migration in project.outcome.streams["engine"].files:
        db.begin_file()
        for raw in split_statements(migration.path.read_text(encoding="utf-8")).statements:
            db.execute(raw.text)  # a statement the replay rejected has no effect here either
        assert db.end_file() is None
    schema = project.outcome.streams["engine"].schema
    assert catalog_differences(model_catalog(schema), database_catalog(db)) == []
    return db


def only_arguments(only: tuple[str, ...]) -> list[str]:
    return [argument for value in only for argument in ("--only", value)]


@pytest.mark.corpus
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_drop_succeeds_on_data_and_every_staying_row_stays(  # type: ignore[no-untyped-def]
    run_cli, project: Project, scenario: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    only = SCENARIOS[scenario]
    source = request.node.callspec.params["project"]
    plan = plan_drop(project.config, project.outcome, "engine", only)
    assert plan.blockers == []
    assert (len(plan.tables), len(plan.columns)) == EXPECTED[source][scenario]
    assert len(plan.indexes) == len(plan.columns)  # one index on each LemonSqueezy column

    # The command writes it as the next reserved migration of a copy of the stream.
    root = tmp_path / "root"
    shutil.copytree(project.root, root)
    new = ("--new", f"drop_{scenario}")
    result = run_cli("--root", str(root), "drop", "engine", *only_arguments(only), *new, cwd=REPO)
    assert result.code == 0, result.err
    written = root / "libs" / "engine" / "migrations" / f"085_drop_{scenario}.sql"
    text = written.read_text(encoding="utf-8")
    assert text == f"-- Migration 085: drop_{scenario}\n" + render_drop_sql(plan)
    assert (root / "libs" / "engine" / "migrations" / "NEXT_MIGRATION_NUMBER.txt").read_text().startswith("086")

    # Applied to the replayed database filled with rows, it succeeds and keeps every staying row.
    schema = project.outcome.streams["engine"].schema
    db = replayed_database(project)
    db.begin_file()
    inserted = fill_tables(db, schema)
    assert db.end_file() is None
    before = row_counts(db, [t.name for t in schema.tables.values()])
    assert [name for name, count in before.items() if count == 0] == []
    assert [name for name, count in inserted.items() if count < ROWS_PER_TABLE] == []  # the constraints allow 3
    leaving = {key(t.name) for t in plan.tables}
    staying = [name for name in schema.tables if name not in leaving]
    apply_sql(text, db)
    catalog = database_catalog(db)
    assert leaving & set(catalog["tables"]) == set()
    assert leaving & {name for name, _module in catalog["virtual_tables"]} == set()
    for column in plan.columns:
        assert column.column not in [c[0] for c in catalog["tables"][key(column.table)]["columns"]]
    indexes = {r[0] for r in db.query("SELECT name FROM sqlite_schema WHERE type = 'index'")}
    assert {i.name for i in plan.indexes} & indexes == set()
    assert row_counts(db, staying) == {name: before[name] for name in staying}

    # `check` finds no error in it, and no error the stream did not have before.
    outcome = check_project(load_config(REPO / "ownership.toml", root_override=root))
    own = [f for f in outcome.findings if f.location is not None and Path(f.location.path).name == written.name]
    assert error_set(own) == set()
    assert error_set(outcome.findings) <= project.errors


def test_the_drop_header_says_what_goes_and_why(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("drop", "engine", cwd=REPO)
    assert result.code == 0, result.err
    text = result.out
    assert text.startswith("-- Drop from grove-engine-db (database engine, binding DB)")
    assert "18 tables move to curios (grove-curios-db, binding CURIO_DB): gallery_curio_config," in text
    assert "9 tables are retired (shop deferred indefinitely): connect_accounts, customers," in text
    assert "user_onboarding.lemonsqueezy_customer_id (payments moved to Stripe)" in text
    assert "DROP TABLE IF EXISTS products;  -- retired" in text
    assert "DROP TABLE IF EXISTS polls;  -- moves to curios" in text
    assert "ALTER TABLE user_onboarding DROP COLUMN lemonsqueezy_checkout_id;" in text
    assert "IF EXISTS" not in "".join(line for line in text.splitlines() if line.startswith("ALTER TABLE"))
    statements = [line for line in text.splitlines() if line and not line.startswith("--")]
    kinds = [s.split()[0:2] for s in statements]
    assert kinds == sorted(kinds, key=lambda k: ["DROP INDEX", "ALTER TABLE", "DROP TABLE"].index(" ".join(k)))
    order = [s.split()[4].rstrip(";") for s in statements if s.startswith("DROP TABLE")]
    assert order.index("poll_votes") < order.index("polls")
    assert order.index("order_line_items") < order.index("orders") < order.index("customers")
    assert order.index("observability_alerts") < order.index("observability_alert_thresholds")
    assert "grove-schema drop engine: 37 tables (18 to curios, 10 to obs, 9 retired)" in result.err


def test_only_limits_the_migration_and_names_what_leaves_later(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("drop", "engine", "--only", "retired", "--only", "obs", cwd=REPO)
    assert result.code == 0, result.err
    assert "Produced by `grove-schema drop engine --only obs --only retired`" in result.out
    assert "DROP TABLE IF EXISTS polls;" not in result.out
    assert "Not in this migration (see --only), they leave later: 18 tables to curios." in result.out
    unknown = run_cli("drop", "engine", "--only", "shop", cwd=REPO)
    assert unknown.code == 2 and "--only shop: not a database of the map" in unknown.err
    itself = run_cli("drop", "engine", "--only", "engine", cwd=REPO)
    assert itself.code == 2 and "nothing moves from engine to itself" in itself.err
    both = run_cli("drop", "engine", "-o", "x.sql", "--new", "x", cwd=REPO)
    assert both.code == 2


def test_output_file_is_written_atomically(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "drop.sql"
    result = run_cli("drop", "engine", "--only", "obs", "-o", str(target), cwd=REPO)
    assert result.code == 0, result.err
    assert result.out.startswith(f"wrote {target}: grove-schema drop engine --only obs: 10 tables (10 to obs)")
    assert target.read_text() == run_cli("drop", "engine", "--only", "obs", cwd=REPO).out
    assert [p.name for p in tmp_path.iterdir()] == ["drop.sql"]


def test_new_is_all_or_nothing(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import grove_schema.project as project_module

    root = copy_project("example", tmp_path / "root")
    migrations = root / "libs" / "engine" / "migrations"
    reservation_before = (migrations / "NEXT_MIGRATION_NUMBER.txt").read_text()
    real_write = project_module.write_atomically

    def failing_write(path: Path, text: str) -> None:
        if path.name == "NEXT_MIGRATION_NUMBER.txt":  # the bump, after the file (created with its content)
            raise OSError(28, "No space left on device")
        real_write(path, text)

    monkeypatch.setattr(project_module, "write_atomically", failing_write)
    result = run_cli("--root", str(root), "drop", "engine", "--new", "drop_split", cwd=REPO)
    assert result.code == 2 and "No space left on device" in result.err
    assert not list(migrations.glob("085_*"))
    assert not list(migrations.glob(".*"))  # neither a temporary file nor the journal
    assert (migrations / "NEXT_MIGRATION_NUMBER.txt").read_text() == reservation_before


# --- refusals -----------------------------------------------------------------------------------------

SPLIT_CONFIG = """\
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
tables = ["polls", "poll_votes"]

[retired]
tables = { legacy = "replaced by polls" }
columns = { "tenants.old_plan" = "plans moved to billing", "tenants.old_code" = "unused" }
"""

BLOCKED = """\
CREATE TABLE tenants (id TEXT PRIMARY KEY, old_plan TEXT, old_code TEXT UNIQUE);
CREATE TABLE polls (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE);
CREATE TABLE poll_votes (id TEXT PRIMARY KEY, poll_id TEXT NOT NULL REFERENCES polls(id) ON DELETE CASCADE);
CREATE TABLE featured_polls (poll_id TEXT PRIMARY KEY REFERENCES polls(id) ON DELETE CASCADE);
CREATE TABLE legacy (id TEXT PRIMARY KEY);
CREATE VIEW tenant_poll_count AS SELECT t.id, count(p.id) AS n FROM tenants t LEFT JOIN polls p ON p.tenant_id = t.id
  GROUP BY t.id;
CREATE VIEW plans AS SELECT id, old_plan FROM tenants;
CREATE INDEX idx_tenants_plan ON tenants (old_plan, id);
"""


def test_a_staying_foreign_key_to_a_moving_table_makes_drop_refuse(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"0001_init.sql": BLOCKED}, config=SPLIT_CONFIG)
    result = run_cli("drop", "engine", cwd=root)
    assert result.code == 1
    assert result.out == ""
    assert "grove-schema: `grove-schema drop engine` refused: 4 things that stay still need what leaves" in result.err
    assert (
        "  - the foreign key featured_polls(poll_id) -> polls (ON DELETE CASCADE): featured_polls stays, and "
        "dropping polls would delete featured_polls's rows that point at it\n"
    ) in result.err
    assert "the view tenant_poll_count reads polls, which leaves, and also what stays" in result.err
    assert "the view plans reads the retired column tenants.old_plan" in result.err
    assert "the retired column tenants.old_code has a UNIQUE constraint: SQLite cannot drop it" in result.err
    # Each phase on its own: the retired objects still block; the curios move too.
    retired = run_cli("drop", "engine", "--only", "retired", cwd=root)
    assert retired.code == 1 and "featured_polls" not in retired.err and "tenants.old_code" in retired.err
    curios = run_cli("drop", "engine", "--only", "curios", cwd=root)
    assert curios.code == 1 and "featured_polls" in curios.err and "old_code" not in curios.err


def test_a_child_that_leaves_later_blocks_its_parents_earlier_drop(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    config = SPLIT_CONFIG.replace('tables = ["polls", "poll_votes"]', 'tables = ["polls"]').replace(
        '"tenants.old_code" = "unused"', '"tenants.old_code" = "unused", "poll_votes.x" = "none"'
    )
    config = config.replace('legacy = "replaced by polls"', 'poll_votes = "votes are counted elsewhere"')
    root = make_project(
        {
            "0001_init.sql": (
                "CREATE TABLE tenants (id TEXT PRIMARY KEY, old_plan TEXT, old_code TEXT);\n"
                "CREATE TABLE polls (id TEXT PRIMARY KEY);\n"
                "CREATE TABLE poll_votes (id TEXT PRIMARY KEY, poll_id TEXT REFERENCES polls(id));\n"
            )
        },
        config=config,
    )
    result = run_cli("drop", "engine", "--only", "curios", cwd=root)
    assert result.code == 1
    assert "poll_votes stays for now (it leaves with --only retired), and dropping polls would fail" in result.err
    together = run_cli("drop", "engine", cwd=root)
    assert together.code == 0, together.err
    assert together.out.index("DROP TABLE IF EXISTS poll_votes;") < together.out.index("DROP TABLE IF EXISTS polls;")


def test_dependent_views_and_triggers_go_first(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project(
        {
            "0001_init.sql": (
                "CREATE TABLE tenants (id TEXT PRIMARY KEY, old_plan TEXT, old_code TEXT);\n"
                "CREATE TABLE polls (id TEXT PRIMARY KEY, votes INTEGER NOT NULL DEFAULT 0);\n"
                "CREATE TABLE poll_votes (id TEXT PRIMARY KEY, poll_id TEXT REFERENCES polls(id));\n"
                "CREATE VIEW open_polls AS SELECT id FROM polls;\n"
                "CREATE VIEW busy_polls AS SELECT id FROM open_polls WHERE id IN (SELECT poll_id FROM poll_votes);\n"
                "CREATE TRIGGER count_votes AFTER INSERT ON poll_votes BEGIN\n"
                "  UPDATE polls SET votes = votes + 1 WHERE id = new.poll_id;\nEND;\n"
                "CREATE INDEX idx_plan ON tenants (old_plan);\n"
                "INSERT INTO tenants VALUES ('t1', 'oak', 'x');\n"
            )
        },
        config=SPLIT_CONFIG,
    )
    result = run_cli("drop", "engine", cwd=root)
    assert result.code == 0, result.err
    statements = [line for line in result.out.splitlines() if line and not line.startswith("--")]
    assert statements == [
        "DROP TRIGGER IF EXISTS count_votes;",
        "DROP VIEW IF EXISTS busy_polls;",
        "DROP VIEW IF EXISTS open_polls;",
        "DROP INDEX IF EXISTS idx_plan;",
        "ALTER TABLE tenants DROP COLUMN old_plan;",
        "ALTER TABLE tenants DROP COLUMN old_code;",
        "DROP TABLE IF EXISTS poll_votes;  -- moves to curios",
        "DROP TABLE IF EXISTS polls;  -- moves to curios",
    ]
    (root / "libs/engine/migrations/0002_drop.sql").write_text(result.out)
    check = run_cli("check", cwd=root)
    assert " error " not in check.out, check.out


def test_nothing_to_drop_writes_nothing(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"0001_init.sql": "CREATE TABLE tenants (id TEXT PRIMARY KEY);\n"})
    result = run_cli("drop", "engine", cwd=root)
    assert (result.code, result.out) == (0, "")
    assert "nothing leaves engine" in result.err
