"""`grove-schema render`: the consolidated schema of a database, proven by applying it.

The proof: the rendered SQL, run in a fresh D1-profile dev database, gives a catalog equal to the
replayed model of the tables the map gives that database, minus the references left out. The
expected model is computed here from the replay and the map, independently of the renderer.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from grove_schema.catalog import catalog_differences, database_catalog, model_catalog
from grove_schema.config import ProjectConfig, load_config
from grove_schema.consolidation import consolidate, render_sql
from grove_schema.devdb import DevDatabase
from grove_schema.findings import Finding, Severity
from grove_schema.model import Schema, key
from grove_schema.ownership import OwnershipMap
from grove_schema.project import ProjectReplay, check_project, database_order
from grove_schema.sql.ddl import create_index_sql, create_table_sql, default_sql, parent_first_order
from grove_schema.sql.lexer import split_statements
from grove_schema.sql.quoting import quote_name
from grove_schema.sql.references import expression_columns, statement_references, trigger_references

from .conftest import CORPUS, REPO, corpus_absent

DATABASES = ("engine", "curios", "obs", "pantry")


@dataclass
class Project:
    """A copy of a Grove checkout (the example or the corpus) and its replay."""

    root: Path
    config: ProjectConfig
    outcome: ProjectReplay

    @property
    def errors(self) -> set[tuple[str, str]]:
        return error_set(self.outcome.findings)


def error_set(findings: list[Finding]) -> set[tuple[str, str]]:
    return {(f.rule.code, f.message) for f in findings if f.severity >= Severity.ERROR}


def copy_project(source: str, target: Path) -> Path:
    """A root holding `libs/engine/migrations`: the bundled example's, or the corpus's files."""
    migrations = target / "libs" / "engine" / "migrations"
    if source == "example":
        shutil.copytree(REPO / "examples" / "grove" / "libs", target / "libs")
    else:
        if not CORPUS.is_dir():
            corpus_absent()
        migrations.mkdir(parents=True)
        for path in sorted(CORPUS.glob("*.sql")):
            shutil.copy2(path, migrations / path.name)
    return target


def load_project(root: Path) -> Project:
    config = load_config(REPO / "ownership.toml", root_override=root)
    return Project(root, config, check_project(config))


@pytest.fixture(scope="module", params=["example", "corpus"])
def project(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = copy_project(request.param, tmp_path_factory.mktemp(request.param))
    return load_project(root)


def apply_sql(sql: str, db: DevDatabase | None = None) -> DevDatabase:
    """Run a migration's text as D1 does: statement by statement, in one transaction."""
    db = db or DevDatabase()
    db.begin_file()
    for raw in split_statements(sql).statements:
        failure = db.execute(raw.text)
        assert failure is None, f"{failure}\n{raw.text}"
    assert db.end_file() is None
    return db


def expected_schema(project: Project, database: str) -> Schema:
    """What render must create, from the map and the replay alone."""
    ownership = OwnershipMap(project.config)
    streams = {k: s.schema for k, s in project.outcome.streams.items()}
    order = sorted(database_order(project.config), key=lambda k: k != database)  # its own stream first
    expected = Schema()
    home: dict[str, Schema] = {}
    for stream in order:
        for name, table in streams[stream].tables.items():
            if name not in home and ownership.owner_of(name) == database and not ownership.is_retired(name):
                home[name] = streams[stream]
                expected.tables[name] = table
        for name, vtable in streams[stream].virtual_tables.items():
            if name not in home and ownership.owner_of(name) == database and not ownership.is_retired(name):
                home[name] = streams[stream]
                expected.virtual_tables[name] = vtable
    retired = ownership.retired_columns
    for name, table in list(expected.tables.items()):
        columns = tuple(c for c in table.columns if (name, key(c.name)) not in retired)
        keys = tuple(fk for fk in table.foreign_keys if key(fk.ref_table) in expected.tables)
        expected.tables[name] = table.model_copy(update={"columns": columns, "foreign_keys": keys})
        for index in home[name].indexes_of(table.name):
            used = {key(c.name) for c in index.columns if c.name}
            for text in [c.expression for c in index.columns if c.expression] + [index.where or ""]:
                used |= expression_columns(text)
            if not any((name, column) in retired for column in used):
                expected.indexes[key(index.name)] = index
    here = set(expected.tables) | set(expected.virtual_tables)
    for stream in order:
        for name, view in streams[stream].views.items():
            read, read_columns = statement_references(view.select, streams[stream])
            if name not in expected.views and read and read <= here and not read_columns & set(retired):
                expected.views[name] = view
        for name, trigger in streams[stream].triggers.items():
            if key(trigger.table) not in expected.tables or home[key(trigger.table)] is not streams[stream]:
                continue
            read, read_columns = trigger_references(trigger, streams[stream])
            if read <= here | set(expected.views) and not read_columns & set(retired):
                expected.triggers[name] = trigger
    return expected


# --- the proof -------------------------------------------------------------------------------------


@pytest.mark.corpus
@pytest.mark.parametrize("database", DATABASES)
def test_rendered_sql_recreates_the_model_minus_what_is_left_out(project: Project, database: str) -> None:
    consolidation = consolidate(project.config, project.outcome.streams, database)
    sql = render_sql(consolidation)
    db = apply_sql(sql)
    expected = expected_schema(project, database)
    assert catalog_differences(model_catalog(expected), database_catalog(db)) == []
    assert model_catalog(consolidation.schema) == model_catalog(expected)
    if database != "pantry":
        assert expected.tables, f"{database} renders no table: the map or the replay is wrong"


def test_the_example_renders_what_the_map_says() -> None:
    project = load_project(REPO / "examples" / "grove")
    curios = consolidate(project.config, project.outcome.streams, "curios")
    assert len(curios.tables) == 18
    assert {fk.parent for fk in curios.left_out_foreign_keys} == {"tenants"}
    assert len(curios.left_out_foreign_keys) == 18
    assert curios.sources == {"engine": "libs/engine/migrations"}
    engine = consolidate(project.config, project.outcome.streams, "engine")
    names = {key(t.name) for t in engine.tables}
    assert "products" not in names and "gallery_images" not in names and "tenants" in names
    onboarding = next(t for t in engine.tables if t.name == "user_onboarding")
    assert not [c for c in onboarding.columns if c.name.startswith("lemonsqueezy")]
    assert [v.name for v in engine.views] == ["published_posts"]
    assert [v.name for v in engine.virtual_tables] == ["posts_fts"]
    assert len(engine.triggers) == 3
    order = [key(t.name) for t in engine.tables]
    assert order.index("tenants") < order.index("posts") < order.index("comments")


def test_render_header_names_database_streams_migrations_and_cut_keys(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("render", "curios", cwd=REPO)
    assert result.code == 0, result.err
    head = result.out.split("\n\n")[0]
    assert "-- grove-curios-db: the consolidated schema of database curios, binding CURIO_DB." in head
    assert "`grove-schema render curios`" in head
    assert "--   engine (grove-engine-db): libs/engine/migrations" in head
    assert "024_timeline_curio.sql" in head and "075_hitcounter_v2.sql" in head
    assert "001_core_tenants.sql" not in head  # tenants is not rendered here
    assert "gallery_images(tenant_id) -> tenants in engine: ON DELETE CASCADE is lost" in head
    assert "REFERENCES tenants" not in result.out
    assert "18 foreign keys into other databases (18 lose their ON DELETE action" in result.err
    engine = run_cli("render", "engine", cwd=REPO)
    assert "column user_onboarding.lemonsqueezy_customer_id: payments moved to Stripe" in engine.out
    assert "lemonsqueezy_customer_id TEXT" not in engine.out
    assert "CREATE VIRTUAL TABLE posts_fts USING fts5(\n  title,\n" in engine.out


def test_render_is_byte_for_byte_deterministic(run_cli) -> None:  # type: ignore[no-untyped-def]
    first = run_cli("render", "engine", cwd=REPO)
    second = run_cli("render", "engine", cwd=REPO)
    assert first.code == second.code == 0
    assert first.out == second.out
    assert first.out.endswith(";\n")


def test_output_file_and_check(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "curios.sql"
    written = run_cli("render", "curios", "-o", str(target), cwd=REPO)
    assert written.code == 0, written.err
    assert written.out.startswith("wrote ") and "left out 18 foreign keys" in written.out
    assert target.read_text() == run_cli("render", "curios", cwd=REPO).out
    assert [p.name for p in tmp_path.iterdir()] == ["curios.sql"]  # no temporary file left behind
    fresh = run_cli("render", "curios", "-o", str(target), "--check", cwd=REPO)
    assert (fresh.code, fresh.out.strip()) == (0, f"{target} is up to date")
    target.write_text(target.read_text().replace("NOT NULL DEFAULT 'cozy'", "NOT NULL DEFAULT 'comfy'"))
    drift = run_cli("render", "curios", "-o", str(target), "--check", cwd=REPO)
    assert drift.code == 1
    assert drift.out.startswith(f"--- {target}\n+++ grove-schema render curios\n")
    assert "-  style              TEXT    NOT NULL DEFAULT 'comfy'" in drift.out
    assert "+  style              TEXT    NOT NULL DEFAULT 'cozy'" in drift.out
    assert "out of date" in drift.err
    missing = run_cli("render", "curios", "-o", str(tmp_path / "absent.sql"), "--check", cwd=REPO)
    assert missing.code == 1 and "+CREATE TABLE" in missing.out


def test_check_needs_a_file_and_database_must_exist(run_cli) -> None:  # type: ignore[no-untyped-def]
    no_file = run_cli("render", "curios", "--check", cwd=REPO)
    assert no_file.code == 2 and "--check needs the file" in no_file.err
    unknown = run_cli("render", "nowhere", cwd=REPO)
    assert unknown.code == 2 and "unknown database 'nowhere'" in unknown.err


NEW_STREAM_CONFIG = """\
[project]
root = "."
default_database = "{key}"

[databases.{key}]
name = "grove-{key}-db"
binding = "DB"
migrations = "migrations"
"""


@pytest.mark.corpus
@pytest.mark.parametrize("database", DATABASES)
def test_rendered_output_passes_check_as_the_first_migration_of_a_new_stream(
    run_cli: Callable[..., object], project: Project, database: str, tmp_path: Path
) -> None:
    sql = render_sql(consolidate(project.config, project.outcome.streams, database))
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "0001_initial.sql").write_text(sql)
    (tmp_path / "ownership.toml").write_text(NEW_STREAM_CONFIG.format(key=database))
    outcome = check_project(load_config(tmp_path / "ownership.toml"))
    assert outcome.streams[database].divergences == []
    # The render adds no error; one the source stream already has (a CHECK D1 cannot run, say) stays.
    assert error_set(outcome.findings) <= project.errors, error_set(outcome.findings) - project.errors


@pytest.mark.corpus
def test_render_through_the_cli_on_the_corpus(run_cli, corpus_root: Path) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("--root", str(corpus_root), "render", "curios", cwd=REPO)
    assert result.code == 0, result.err
    assert "Creates 45 tables" in result.out
    assert "left out 42 foreign keys into other databases (42 lose their ON DELETE action" in result.err
    assert str(corpus_root) not in result.out  # the same bytes wherever the checkout is
    db = apply_sql(result.out)
    assert len(database_catalog(db)["tables"]) == 45


# --- where a table is taken from ---------------------------------------------------------------------

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
"""

ENGINE_0001 = """\
CREATE TABLE tenants (id TEXT PRIMARY KEY);
CREATE TABLE polls (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  question TEXT NOT NULL);
CREATE TABLE poll_votes (id TEXT PRIMARY KEY, poll_id TEXT NOT NULL REFERENCES polls(id) ON DELETE CASCADE);
"""


def test_before_the_split_the_table_comes_from_the_source_stream(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"0001_init.sql": ENGINE_0001}, config=SPLIT_CONFIG)
    result = run_cli("render", "curios", cwd=root)
    assert result.code == 0, result.err
    assert "--   engine (grove-engine-db): libs/engine/migrations" in result.out
    assert "question  TEXT NOT NULL" in result.out
    assert "REFERENCES polls ON DELETE CASCADE" not in result.out  # ref_columns kept as written
    assert "poll_id TEXT NOT NULL REFERENCES polls (id) ON DELETE CASCADE" in result.out
    assert "polls(tenant_id) -> tenants in engine: ON DELETE CASCADE is lost" in result.out


def test_in_the_transition_window_the_owners_own_stream_wins(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project(
        {
            "0001_init.sql": ENGINE_0001,
            "curios/0001_initial.sql": (
                "CREATE TABLE polls (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, question TEXT NOT NULL,\n"
                "  closes_at INTEGER);\n"
            ),
            "curios/0002_votes.sql": (
                "CREATE TABLE poll_votes (id TEXT PRIMARY KEY, poll_id TEXT NOT NULL REFERENCES polls(id));\n"
                "ALTER TABLE polls ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;\n"
            ),
        },
        config=SPLIT_CONFIG,
    )
    result = run_cli("render", "curios", cwd=root)
    assert result.code == 0, result.err
    assert "--   curios (grove-curios-db): libs/engine/migrations/curios" in result.out
    assert "engine (grove-engine-db): libs" not in result.out
    assert "curios: 0001_initial.sql, 0002_votes.sql" in result.out
    assert "closes_at INTEGER" in result.out and "pinned    INTEGER NOT NULL DEFAULT 0" in result.out
    assert "-- polls: created in 0001_initial.sql, changed in 0002_votes.sql" in result.out
    assert "Foreign keys left out" not in result.out


CROSS_CONFIG = SPLIT_CONFIG.replace('tables = ["polls", "poll_votes"]', 'tables = ["polls", "poll_stats"]')


def test_views_and_triggers_that_read_another_database_are_left_out(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project(
        {
            "0001_init.sql": ENGINE_0001
            + "CREATE TABLE poll_stats (poll_id TEXT PRIMARY KEY REFERENCES polls(id), votes INTEGER NOT NULL);\n"
            + "CREATE VIEW poll_questions AS SELECT question FROM polls;\n"
            + "CREATE VIEW tenant_polls AS SELECT t.id, p.question FROM tenants t JOIN polls p ON p.tenant_id = t.id;\n"
            + "CREATE VIEW pinned_questions AS SELECT question FROM poll_questions;\n"
            + "CREATE TRIGGER count_vote AFTER INSERT ON poll_votes BEGIN\n"
            + "  UPDATE poll_stats SET votes = votes + 1 WHERE poll_id = new.poll_id;\nEND;\n"
            + "CREATE TRIGGER stats_seen AFTER UPDATE OF votes ON poll_stats BEGIN\n"
            + "  UPDATE polls SET question = question WHERE id = new.poll_id;\nEND;\n"
        },
        config=CROSS_CONFIG,
    )
    curios = run_cli("render", "curios", cwd=root)
    assert curios.code == 0, curios.err
    assert "CREATE VIEW poll_questions AS" in curios.out
    assert "CREATE VIEW pinned_questions AS" in curios.out
    assert curios.out.index("CREATE VIEW poll_questions") < curios.out.index("CREATE VIEW pinned_questions")
    assert "CREATE TRIGGER stats_seen AFTER UPDATE OF votes ON poll_stats" in curios.out
    assert "view tenant_polls: reads tenants, which lives in engine: move this work into application code" in curios.out
    assert "CREATE VIEW tenant_polls" not in curios.out
    assert "1 views and triggers that read other databases" in curios.err
    engine = run_cli("render", "engine", cwd=root)
    assert "trigger count_vote on poll_votes: reads poll_stats, which lives in curios" in engine.out
    assert "CREATE TRIGGER" not in engine.out and "CREATE VIEW" not in engine.out


# --- SQL pieces --------------------------------------------------------------------------------------


def test_parents_come_first_and_a_cycle_is_broken_alphabetically() -> None:
    from .test_replay import replay_text

    replayed = replay_text(
        "CREATE TABLE zoo (id TEXT PRIMARY KEY);\n"
        "CREATE TABLE b (id TEXT PRIMARY KEY, a_id TEXT REFERENCES a(id), zoo_id TEXT REFERENCES zoo(id));\n"
        "CREATE TABLE a (id TEXT PRIMARY KEY, b_id TEXT REFERENCES b(id));\n"
        "CREATE TABLE child (id TEXT PRIMARY KEY, a_id TEXT REFERENCES a(id), parent TEXT REFERENCES child(id));\n"
    )
    order = [t.name for t in parent_first_order(replayed.schema.tables.values())]
    assert order == ["zoo", "a", "b", "child"]


def test_names_are_quoted_only_when_sqlite_needs_it() -> None:
    assert [quote_name(n) for n in ("action", "key", "order", "group", "my col", "2fa", 'a"b')] == [
        "action",
        "key",
        '"order"',
        '"group"',
        '"my col"',
        '"2fa"',
        '"a""b"',
    ]


@pytest.mark.parametrize(
    ("catalog", "written"),
    [
        ("'x'", "'x'"),
        ("-1", "-1"),
        ("CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP"),
        ("NULL", "NULL"),
        ("unixepoch()", "(unixepoch())"),
        ("1+2", "(1+2)"),
        ("X'00'", "X'00'"),
    ],
)
def test_defaults_are_written_back_in_the_form_the_catalog_reports(catalog: str, written: str) -> None:
    assert default_sql(catalog) == written


def test_every_column_feature_survives_a_round_trip() -> None:
    from .test_replay import replay_text

    source = """
CREATE TABLE parent (a INTEGER, b TEXT COLLATE NOCASE, PRIMARY KEY (a, b)) WITHOUT ROWID;
CREATE TABLE "order" (
  id INTEGER PRIMARY KEY DESC,
  "group" TEXT NOT NULL DEFAULT ('g' || 'h') COLLATE NOCASE CHECK ("group" <> '')
    UNIQUE,
  pa INTEGER, pb TEXT,
  total REAL GENERATED ALWAYS AS (id * 2) STORED,
  half REAL AS (total / 2),
  note TEXT -- a comment
    CHECK (note IS NULL
           OR length(note) < 10),
  CONSTRAINT parent_fk FOREIGN KEY (pa, pb) REFERENCES parent (a, b) ON DELETE SET NULL ON UPDATE CASCADE
    DEFERRABLE INITIALLY DEFERRED,
  CONSTRAINT one CHECK (pa IS NULL OR pa > 0)
);
CREATE TABLE s (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT) STRICT;
CREATE INDEX idx_order_expr ON "order" (lower("group") DESC, pa COLLATE BINARY) WHERE note IS NOT NULL;
"""
    replayed = replay_text(source)
    assert not [f for f in replayed.findings if f.severity >= Severity.ERROR]
    sql = "\n".join(create_table_sql(t) for t in replayed.schema.tables.values())
    sql += "\n" + create_index_sql(replayed.schema.indexes["idx_order_expr"])
    db = apply_sql(sql)
    assert catalog_differences(model_catalog(replayed.schema), database_catalog(db)) == []
    order = create_table_sql(replayed.schema.tables["order"])
    assert "  id      INTEGER PRIMARY KEY DESC,\n" in order
    assert "CHECK (note IS NULL OR length(note) < 10)" in order
    assert "GENERATED ALWAYS AS (id * 2) STORED" in order
    assert order.endswith(
        "  CONSTRAINT one CHECK (pa IS NULL OR pa > 0),\n  CONSTRAINT parent_fk FOREIGN KEY (pa, pb) REFERENCES "
        "parent (a, b) ON DELETE SET NULL ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED\n);"
    )


@pytest.fixture
def example_copy(tmp_path: Path) -> Path:
    """A scratch copy of the repository's ownership.toml and examples/grove (the walkthrough's)."""
    shutil.copy(REPO / "ownership.toml", tmp_path / "ownership.toml")
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    return tmp_path


def test_a_new_streams_first_migration_passes_the_check_its_header_names(run_cli, example_copy: Path) -> None:  # type: ignore[no-untyped-def]
    """Rendered into the new stream before any lock: `--check` compares the schema, not the header's
    provenance (which now names the file itself), and the old stream's creates are no errors."""
    target = "examples/grove/workers/vista-collector/migrations/0001_initial.sql"
    (example_copy / target).parent.mkdir(parents=True)
    written = run_cli("render", "obs", "-o", target, cwd=example_copy)
    assert written.code == 0, written.err
    assert "the replay reported" not in written.out
    header = (example_copy / target).read_text().split("\n\n")[0]
    assert "render it again" not in header
    assert "never by editing or rendering this file again" in header
    assert "Until it is applied" in header
    checked = run_cli("render", "obs", "-o", target, "--check", cwd=example_copy)
    assert (checked.code, checked.out) == (0, f"{target} is up to date\n"), checked.out
    check = run_cli("check", "--format", "json", cwd=example_copy)
    assert check.code == 0, check.out
    assert "GS202" not in check.out


def test_check_ignores_comments_and_layout_but_not_the_schema(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "curios.sql"
    assert run_cli("render", "curios", "-o", str(target), cwd=REPO).code == 0
    text = target.read_text()
    target.write_text(text.replace("-- Migrations folded in", "-- Folded in").replace("(\n  ", "(\n    ", 1))
    assert run_cli("render", "curios", "-o", str(target), "--check", cwd=REPO).code == 0
    target.write_text(text.replace("CREATE INDEX", "CREATE UNIQUE INDEX", 1))
    assert run_cli("render", "curios", "-o", str(target), "--check", cwd=REPO).code == 1
