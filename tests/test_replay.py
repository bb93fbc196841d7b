"""The replay against the D1-profile dev database: the model/catalog invariant and D1's rules."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from grove_schema.catalog import catalog_differences, database_catalog, model_catalog
from grove_schema.discovery import MigrationFile, discover_stream
from grove_schema.replay import LintSettings, Replayer, ReplayOptions, RunBudget, StreamReplay
from grove_schema.sources import read_migration

from .conftest import EXAMPLE_MIGRATIONS


def replay_checked(directory: Path) -> StreamReplay:
    """Replay a stream and check the invariant after every file."""
    replayer = Replayer("engine")
    try:
        for migration in discover_stream(directory):
            text = read_migration(migration.path)
            assert isinstance(text, str)
            replayer.apply_file(migration, text)
            assert replayer.dev_database is not None
            differences = catalog_differences(model_catalog(replayer.schema), database_catalog(replayer.dev_database))
            assert differences == [], f"after {migration.name}: {differences}"
        assert replayer.result.divergences == []
        return replayer.result
    finally:
        replayer.close()


def replay_text(*files: str, dev_database: bool = True) -> StreamReplay:
    replayer = Replayer("engine", ReplayOptions(dev_database=dev_database))
    for number, text in enumerate(files, start=1):
        name = f"{number:03d}_m.sql"
        replayer.apply_file(MigrationFile(Path(f"/virtual/{name}"), name, number), text)
    if dev_database:
        assert replayer.dev_database is not None
        assert catalog_differences(model_catalog(replayer.schema), database_catalog(replayer.dev_database)) == []
    replayer.close()
    return replayer.result


def names(result: StreamReplay) -> list[str]:
    return [f.name for f in result.findings]


def test_bundled_example_model_equals_catalog_after_every_file() -> None:
    result = replay_checked(EXAMPLE_MIGRATIONS)
    assert result.findings == []
    schema = result.schema
    assert len(discover_stream(EXAMPLE_MIGRATIONS)) in range(25, 41)
    assert "posts_fts" in schema.virtual_tables and schema.virtual_tables["posts_fts"].module == "fts5"
    assert {t.table for t in schema.triggers.values()} == {"posts"}
    assert schema.views
    assert "storage_exports" in schema.tables  # rebuilt by create-copy-drop-rename


@pytest.mark.corpus
def test_corpus_model_equals_catalog_and_reports_the_053_defect(corpus_root: Path) -> None:
    result = replay_checked(corpus_root / "libs" / "engine" / "migrations")
    assert result.schema.table_count == 125
    errors = [(Path(f.location.path).name, f.location.line, f.message) for f in result.findings if f.location]
    assert len(errors) == 2
    assert errors[0][:2] == ("053_wanderer_tier.sql", 10)
    assert "Cannot add a column with non-constant default" in errors[0][2]
    assert errors[1][:2] == ("053_wanderer_tier.sql", 53)  # at the missing column, on the line after CREATE INDEX
    assert "no such column: last_activity_at" in errors[1][2]
    assert all(f.name == "sqlite-error" for f in result.findings)


def test_failing_statement_has_no_effect_and_replay_goes_on() -> None:
    result = replay_text(
        "CREATE TABLE t (id INTEGER PRIMARY KEY);\nINSERT INTO t VALUES (1);\n"
        "ALTER TABLE t ADD COLUMN c TEXT NOT NULL;\nCREATE TABLE u (id INTEGER PRIMARY KEY);\n"
    )
    assert names(result) == ["sqlite-error"]
    assert "Cannot add a NOT NULL column with default value NULL" in result.findings[0].message
    assert "roll back all of 001_m.sql" in result.findings[0].message
    assert result.schema.table("t").column("c") is None  # type: ignore[union-attr]
    assert result.schema.table("u") is not None


def test_not_null_add_column_passes_on_an_empty_table() -> None:
    result = replay_text("CREATE TABLE t (id INTEGER PRIMARY KEY);\nALTER TABLE t ADD COLUMN c TEXT NOT NULL;\n")
    assert result.findings == []


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("ATTACH DATABASE 'x.db' AS x;", "attached databases"),
        # Inside the file's transaction SQLite refuses VACUUM before it would attach the target.
        ("VACUUM INTO 'x.db';", "VACUUM"),
        ("CREATE TEMP TABLE t (a);", "TEMP"),
        ("CREATE TABLE _cf_kv (a);", "_cf_"),
        ("CREATE TABLE temp.t (a);", "TEMP"),
        ("PRAGMA journal_mode = WAL;", "PRAGMA journal_mode"),
        ("PRAGMA user_version = 3;", "PRAGMA user_version"),
        ("SELECT sqlite_version();", "sqlite_version"),
        ("SELECT load_extension('x');", "not authorized"),
        ("CREATE VIRTUAL TABLE v USING fts4(a);", "fts4"),
        ("BEGIN TRANSACTION;", "explicit transactions"),
        ("SAVEPOINT a;", "explicit transactions"),
    ],
)
def test_d1_denials(sql: str, expected: str) -> None:
    result = replay_text(sql)
    refusals = [f for f in result.findings if f.name == "sqlite-error" or f.severity.label == "error"]
    assert len(refusals) == 1, result.findings
    assert expected in refusals[0].message


def test_no_file_is_ever_created(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    replay_text(f"ATTACH DATABASE '{tmp_path / 'a.db'}' AS a;", f"VACUUM INTO '{tmp_path / 'b.db'}';")
    assert list(tmp_path.iterdir()) == []


def test_foreign_keys_cannot_be_switched_off() -> None:
    result = replay_text(
        "CREATE TABLE p (id INTEGER PRIMARY KEY);\n"
        "CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p(id));\n"
        "PRAGMA foreign_keys = OFF;\nINSERT INTO c VALUES (1, 42);\n"
    )
    assert names(result) == ["sqlite-error"]
    assert "FOREIGN KEY constraint failed" in result.findings[0].message


# The file's changes to the model are recorded and undone: a table dropped and made again goes
# back to its place (the model's order is the order tables were made), a file that changes nothing
# goes back to the model as it was.
@pytest.mark.parametrize(
    "after",
    ["CREATE TABLE z (a);\n", "", "DROP TABLE p;\nCREATE TABLE p (id INTEGER PRIMARY KEY, z TEXT);\n"],
    ids=["with-a-change", "changing-nothing", "remaking-the-first-table"],
)
def test_defer_foreign_keys_checks_at_commit_and_rolls_the_file_back(after: str) -> None:
    result = replay_text(
        "CREATE TABLE p (id INTEGER PRIMARY KEY);\n"
        "CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p(id));\n",
        f"PRAGMA defer_foreign_keys = ON;\nINSERT INTO c VALUES (1, 42);\n{after}",
    )
    assert names(result) == ["sqlite-error"]
    assert "commits" in result.findings[0].message
    assert result.schema.table("z") is None
    assert list(result.schema.tables) == ["p", "c"]
    parent = result.schema.table("p")
    assert parent is not None and [c.name for c in parent.columns] == ["id"]


def test_syntax_newer_than_d1_is_refused() -> None:
    result = replay_text(
        "CREATE TABLE t (a TEXT);\nALTER TABLE t ALTER COLUMN a SET NOT NULL;\n"
        "ALTER TABLE t ADD CONSTRAINT c CHECK (a <> '');\n"
    )
    assert names(result) == ["parse-error", "parse-error"]


def test_d1_limits() -> None:
    columns = ", ".join(f"c{i} TEXT" for i in range(101))
    long_insert = "INSERT INTO t (a) VALUES ('" + "x" * 100_001 + "');"
    compound = " UNION ALL ".join(f"SELECT {i}" for i in range(6))
    result = replay_text(
        f"CREATE TABLE wide ({columns});\nCREATE TABLE t (a TEXT);\n{long_insert}\n{compound};\n"
        "SELECT 1 WHERE 'a' LIKE '" + "%" * 51 + "';\n"
    )
    messages = [f.message for f in result.findings]
    assert names(result) == ["sqlite-error"] * 4, messages
    assert "too many columns" in messages[0]
    assert "too" in messages[1]
    assert "too many terms in compound SELECT" in messages[2]
    assert "LIKE or GLOB pattern too complex" in messages[3]


def test_runaway_statement_is_interrupted() -> None:
    replayer = Replayer("engine", ReplayOptions(statement_seconds=0.2))
    sql = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c;"
    replayer.apply_file(MigrationFile(Path("/virtual/001_loop.sql"), "001_loop.sql", 1), sql)
    replayer.close()
    assert [f.name for f in replayer.result.findings] == ["sqlite-error"]
    assert "interrupted" in replayer.result.findings[0].message


def test_provenance_records_creation_and_every_change() -> None:
    result = replay_text(
        "CREATE TABLE t (\n  id INTEGER PRIMARY KEY,\n  a TEXT\n);\nCREATE INDEX i ON t (a);\n",
        "ALTER TABLE t ADD COLUMN b TEXT;\nALTER TABLE t RENAME COLUMN a TO a2;\n",
    )
    table = result.schema.table("t")
    assert table is not None
    assert str(table.provenance.created) == "/virtual/001_m.sql:1"
    assert [str(r) for r in table.provenance.changed] == ["/virtual/002_m.sql:1", "/virtual/002_m.sql:2"]
    assert str(table.column("a2").provenance.created) == "/virtual/001_m.sql:3"  # type: ignore[union-attr]
    assert str(table.column("b").provenance.created) == "/virtual/002_m.sql:1"  # type: ignore[union-attr]
    index = result.schema.indexes["i"]
    assert index.columns[0].name == "a2" and [str(r) for r in index.provenance.changed] == ["/virtual/002_m.sql:2"]


def test_rename_rewrites_child_foreign_keys_like_sqlite() -> None:
    result = replay_text(
        "CREATE TABLE p (id INTEGER PRIMARY KEY);\nCREATE TABLE c (p_id INTEGER REFERENCES p(id) ON DELETE CASCADE);\n"
        "ALTER TABLE p RENAME TO p_old;\n"
    )
    child = result.schema.table("c")
    assert child is not None and child.foreign_keys[0].ref_table == "p_old"


def test_fts5_table_and_triggers_are_modelled_not_flagged() -> None:
    result = replay_text(
        "CREATE TABLE posts (id TEXT PRIMARY KEY, title TEXT, body TEXT);\n"
        "CREATE VIRTUAL TABLE posts_fts USING fts5(title, body, content='posts', tokenize='porter');\n"
        "CREATE TRIGGER posts_ai AFTER INSERT ON posts BEGIN\n"
        "  INSERT INTO posts_fts(rowid, title, body) VALUES (new.rowid, new.title, new.body);\nEND;\n"
    )
    assert result.findings == []
    assert result.schema.table_count == 2  # shadow tables are not counted
    assert result.schema.triggers["posts_ai"].body[0].startswith("INSERT INTO posts_fts")


def test_parse_error_and_unsupported_statement_without_dev_database() -> None:
    result = replay_text("CREATE TABLE t (a,;\nSELEC 1;\nCREATE TABLE u (a);\n", dev_database=False)
    assert names(result) == ["parse-error", "parse-error"]
    assert result.schema.table("u") is not None


def test_every_statement_keeps_its_location() -> None:
    result = replay_text("-- header\n\n  CREATE TABLE t (a);\nCREATE TABLE t (a);\n")
    assert [(s.location.line, s.location.column) for s in result.statements] == [(3, 3), (4, 1)]
    assert result.findings[0].location is not None and result.findings[0].location.line == 4
    assert "table t already exists" in result.findings[0].message


SNAPSHOT_FILES = [
    ("001_a.sql", "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);\nINSERT INTO t VALUES (1, 'a');\n"),
    ("002_b.sql", "CREATE INDEX t_name ON t (name);\nALTER TABLE t ADD COLUMN seen INTEGER DEFAULT 0;\n"),
    ("003_c.sql", "ALTER TABLE t ADD COLUMN late INTEGER DEFAULT (unixepoch());\nINSERT INTO t (id) VALUES (1);\n"),
]


def _apply(replayer: Replayer, files: list[tuple[str, str]]) -> None:
    for name, text in files:
        replayer.apply_file(MigrationFile(Path(f"/virtual/{name}"), name, int(name[:3])), text)


def test_a_restored_snapshot_replays_the_rest_as_a_fresh_replay_does() -> None:
    import pickle

    from grove_schema.catalog import database_catalog, model_catalog
    from grove_schema.replay import LintSettings

    options = ReplayOptions(lint=LintSettings.default())
    fresh = Replayer("engine", options)
    first = Replayer("engine", options)
    resumed = Replayer("engine", options)
    try:
        _apply(fresh, SNAPSHOT_FILES)
        _apply(first, SNAPSHOT_FILES[:2])
        snapshot = first.snapshot()
        assert snapshot is not None and snapshot.pages is not None
        resumed.restore(pickle.loads(pickle.dumps(snapshot)))  # as the cache stores it
        _apply(resumed, SNAPSHOT_FILES[2:])
        assert resumed.result.findings == fresh.result.findings
        assert [f.code for f in resumed.result.findings] == ["GS403", "GS103"]  # the late default; the INSERT
        assert model_catalog(resumed.schema) == model_catalog(fresh.schema)
        assert resumed.dev_database is not None and fresh.dev_database is not None
        assert database_catalog(resumed.dev_database) == database_catalog(fresh.dev_database)
    finally:
        for replayer in (fresh, first, resumed):
            replayer.close()


def test_no_snapshot_after_a_file_that_may_set_connection_state() -> None:
    replayer = Replayer("engine")
    try:
        _apply(replayer, SNAPSHOT_FILES[:1])
        assert replayer.snapshot() is not None
        _apply(replayer, [("002_p.sql", "PRAGMA defer_foreign_keys = on;\n")])
        assert replayer.snapshot() is None
    finally:
        replayer.close()


def test_a_snapshot_restores_only_into_a_replayer_with_the_same_dev_database_option() -> None:
    with_database = Replayer("engine")
    without = Replayer("engine", ReplayOptions(dev_database=False))
    try:
        snapshot = with_database.snapshot()
        assert snapshot is not None
        with pytest.raises(ValueError, match="dev_database"):
            without.restore(snapshot)
    finally:
        with_database.close()
        without.close()


# --- what SQLite rolls back whole, and the budgets -------------------------------------------------


def replay_with(options: ReplayOptions, *files: str) -> tuple[StreamReplay, list[tuple[str, object]]]:
    """Replay `files`; also the catalog differences after each file (the invariant holds)."""
    replayer = Replayer("engine", options)
    differences: list[tuple[str, object]] = []
    try:
        for number, text in enumerate(files, start=1):
            name = f"{number:03d}_m.sql"
            replayer.apply_file(MigrationFile(Path(f"/virtual/{name}"), name, number), text)
            assert replayer.dev_database is not None
            found = catalog_differences(model_catalog(replayer.schema), database_catalog(replayer.dev_database))
            differences += [(name, difference) for difference in found]
    finally:
        replayer.close()
    return replayer.result, differences


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT OR ROLLBACK INTO t VALUES (1, 'b');",
        "INSERT INTO t VALUES (2, 'a');",  # v is UNIQUE ON CONFLICT ROLLBACK
        "INSERT INTO guarded VALUES (1);",  # its trigger raises ROLLBACK
    ],
    ids=["insert-or-rollback", "on-conflict-rollback", "raise-rollback"],
)
def test_an_automatic_rollback_is_a_finding_and_the_replay_goes_on_from_before_the_file(statement: str) -> None:
    setup = (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE ON CONFLICT ROLLBACK);\nINSERT INTO t VALUES (1, 'a');\n"
        "CREATE TABLE guarded (id INTEGER PRIMARY KEY);\n"
        "CREATE TRIGGER guarded_no BEFORE INSERT ON guarded BEGIN SELECT RAISE(ROLLBACK, 'no rows'); END;\n"
    )
    change = f"CREATE TABLE made (id INTEGER PRIMARY KEY);\n{statement}\nCREATE TABLE after (id);\nDROP TABLE t;\n"
    options = ReplayOptions(lint=LintSettings.default())
    result, differences = replay_with(options, setup, change, "CREATE TABLE third (id INTEGER);\n")
    assert differences == []
    rolled = [f for f in result.findings if f.name == "transaction-rolled-back"]
    assert len(rolled) == 1 and rolled[0].location is not None
    assert (Path(rolled[0].location.path).name, rolled[0].location.line) == ("002_m.sql", 2)
    assert "rolled back the whole transaction" in rolled[0].message
    assert "the state before 002_m.sql" in rolled[0].message
    assert "2 statements of this file (lines 3 and 4)" in rolled[0].message
    # The file left nothing, as in D1; the next file runs.
    assert set(result.schema.tables) == {"t", "guarded", "third"}
    # The lint rules still judged the statements that were not run.
    dropped = [f for f in result.findings if f.name == "destructive-change"]
    assert [(Path(f.location.path).name, f.location.line) for f in dropped if f.location] == [("002_m.sql", 4)]


def test_a_rollback_before_the_files_first_change_leaves_the_model_as_before_the_file() -> None:
    # A file that fails before changing anything must still leave nothing of what follows.
    setup = (
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE ON CONFLICT ROLLBACK);\nINSERT INTO t VALUES (1, 'a');\n"
    )
    change = "INSERT INTO t VALUES (2, 'a');\nCREATE TABLE after (id);\nALTER TABLE t ADD COLUMN w TEXT;\n"
    options = ReplayOptions(lint=LintSettings.default())
    result, differences = replay_with(options, setup, change, "CREATE TABLE third (id INTEGER);\n")
    assert differences == []
    assert [f.name for f in result.findings if f.name == "transaction-rolled-back"] == ["transaction-rolled-back"]
    assert set(result.schema.tables) == {"t", "third"}
    table = result.schema.table("t")
    assert table is not None and [c.name for c in table.columns] == ["id", "v"]


def test_connection_state_that_differs_after_a_rollback_is_no_internal_error() -> None:
    # The dev database once ran the file's earlier statements again after a rollback: with
    # ignore_check_constraints switched off in between, the re-run INSERT failed outside any
    # statement and the whole check stopped with "internal error".
    result, differences = replay_with(
        ReplayOptions(),
        "PRAGMA ignore_check_constraints = ON;\n"
        "CREATE TABLE c (x INTEGER CHECK (x > 0), y UNIQUE ON CONFLICT ROLLBACK);\n",
        "INSERT INTO c VALUES (-1, 1);\nPRAGMA ignore_check_constraints = OFF;\nINSERT INTO c VALUES (2, 1);\n",
    )
    assert differences == []
    assert [f.name for f in result.findings] == ["transaction-rolled-back"]


def test_a_file_runs_in_one_call_unless_a_statement_fails_or_it_touches_connection_state(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The dev database runs a file as SQLite replays one: one call. A file where a statement fails
    (or that sets connection state a failed call would leave behind) runs statement by statement,
    and the findings say which one fails, as before."""
    from grove_schema.devdb import DevDatabase

    calls: list[str] = []
    run = DevDatabase.run

    def counted(self: DevDatabase, sql: str, seconds: float | None = None) -> object:
        calls.append(sql)
        return run(self, sql, seconds)

    monkeypatch.setattr(DevDatabase, "run", counted)
    clean = "CREATE TABLE a (id INTEGER PRIMARY KEY);\nCREATE INDEX a_id ON a(id);\nINSERT INTO a VALUES (1);\n"
    failing = "CREATE TABLE b (id INTEGER);\nINSERT INTO missing VALUES (1);\nCREATE TABLE c (id INTEGER);\n"
    pragma = "PRAGMA defer_foreign_keys = ON;\nCREATE TABLE d (id INTEGER);\n"
    prose = "-- a PRAGMA, or what changes() says\nCREATE TABLE e (id INTEGER, s TEXT DEFAULT 'changes');\n"
    result, differences = replay_with(ReplayOptions(), clean, failing, pragma, prose)
    assert differences == []
    # The clean file once; the failing one once, then each statement; the PRAGMA's file statement by
    # statement; the file that only mentions them in a comment and a string once.
    assert len(calls) == 1 + (1 + 3) + 2 + 1
    assert set(result.schema.tables) == {"a", "b", "c", "d", "e"}
    [error] = [f for f in result.findings if f.name == "sqlite-error"]
    assert error.location is not None and (Path(error.location.path).name, error.location.line) == ("002_m.sql", 2)
    assert "no such table: missing" in error.message


ENDLESS_SELECT = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c;\n"


def test_a_file_has_a_time_budget_and_its_finding_lists_what_was_not_run() -> None:
    options = ReplayOptions(statement_seconds=0.3, file_seconds=0.8, lint=LintSettings.default())
    file = "CREATE TABLE a (id INTEGER);\n" + ENDLESS_SELECT * 6 + "CREATE TABLE b (id INTEGER);\nDROP TABLE old;\n"
    started = time.monotonic()
    result, differences = replay_with(options, "CREATE TABLE old (id INTEGER);\n", file, "CREATE TABLE c (id);\n")
    assert time.monotonic() - started < 3  # not six statement budgets
    assert differences == []
    spent = [f for f in result.findings if f.name == "time-budget"]
    assert len(spent) == 1 and spent[0].location is not None
    assert "the time budget of 002_m.sql in the dev database (0.8 s) is spent" in spent[0].message
    not_run = spent[0].message.rsplit("not run in the dev database: ", 1)[1]
    assert not_run.startswith(f"{9 - spent[0].location.line} statements of this file")
    assert set(result.schema.tables) == {"old", "a", "c"}  # what ran before the budget was spent stays
    assert [f.location.line for f in result.findings if f.name == "destructive-change" and f.location] == [9]


def test_a_run_has_a_time_budget_shared_by_its_streams() -> None:
    budget = RunBudget(0.5)
    options = ReplayOptions(statement_seconds=0.3, file_seconds=10, run_budget=budget)
    first, _ = replay_with(options, ENDLESS_SELECT * 3, "CREATE TABLE t (id INTEGER);\n", "CREATE TABLE u (id);\n")
    assert budget.spent
    spent = [f for f in first.findings if f.name == "time-budget"]
    assert len(spent) == 1
    assert "the run's time budget in the dev database (0.5 s) is spent" in spent[0].message
    assert "2 later files (002_m.sql and 003_m.sql)" in spent[0].message
    assert set(first.schema.tables) == {"t", "u"}  # replayed on the model alone
    replayer = Replayer("curios", options)
    try:
        replayer.apply_file(MigrationFile(Path("/virtual/001_c.sql"), "001_c.sql", 1), "CREATE TABLE v (id);\n")
    finally:
        replayer.close()
    second = replayer.result
    assert [f.name for f in second.findings] == ["time-budget"]
    assert "1 statement of this file (line 1)" in second.findings[0].message
    assert set(second.schema.tables) == {"v"}
    assert replayer.snapshot() is None  # never cached as complete


def test_a_stream_that_outgrows_the_heap_is_a_finding_not_gigabytes() -> None:
    file = "CREATE TABLE z (b BLOB);\n" + "INSERT INTO z VALUES (zeroblob(2000000));\n" * 500
    result, differences = replay_with(ReplayOptions(), "CREATE TABLE kept (id INTEGER);\n", file)
    assert differences == []
    assert [f.name for f in result.findings] == ["memory-limit"]
    finding = result.findings[0]
    assert finding.location is not None and 2 < finding.location.line < 501
    assert "heap limit is 256 MiB" in finding.message and "2,200,000 bytes" in finding.message
    assert set(result.schema.tables) == {"kept"}


@pytest.mark.parametrize(
    ("sql", "failure", "at"),
    [
        ("ALTER TABLE missing ADD COLUMN c TEXT;", "no such table: missing", (2, 13)),
        ("CREATE INDEX i ON t (a,\n  nope);", "no such column: nope", (3, 3)),
        ("SELECT [Nope] FROM t;", "no such column: Nope", (2, 8)),
        ("INSERT INTO main.gone VALUES (1);", "no such table: main.gone", (2, 18)),
        ("UPDATE t SET a = 1 WHERE t.zz = 1;", "no such column: t.zz", (2, 28)),
        ("SELECT a, shout(a) FROM t;", "no such function: shout", (2, 11)),
    ],
)
def test_sqlite_errors_point_at_the_name_they_are_about(sql: str, failure: str, at: tuple[int, int]) -> None:
    result = replay_text("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);\n" + sql + "\n")
    (finding,) = result.findings
    assert finding.message.startswith(f"SQLite refuses this statement: {failure}")
    assert finding.location is not None and (finding.location.line, finding.location.column) == at


def test_a_failure_that_names_nothing_stays_at_the_statement() -> None:
    result = replay_text(
        "CREATE TABLE t (id INTEGER PRIMARY KEY);\nINSERT INTO t VALUES (1);\nINSERT INTO t VALUES (1);\n"
    )
    (finding,) = result.findings
    assert "UNIQUE constraint failed" in finding.message
    assert finding.location is not None and (finding.location.line, finding.location.column) == (3, 1)


# --- what D1 would hold: it rolls back a failing file and applies no later one ------------------

FAILING_SECOND_FILE = (
    "CREATE TABLE a (x);\n",
    "CREATE TABLE b1 (x);\nCREATE TABLE b2 (x);\nALTER TABLE missing ADD COLUMN y TEXT;\nCREATE TABLE b3 (x);\n",
    "CREATE TABLE c (x);\n",
)


@pytest.mark.parametrize("dev_database", [True, False])
def test_d1_holds_the_tables_of_the_files_before_the_first_failing_one(dev_database: bool) -> None:
    """Real local D1 (tests/conformance/test_failing_file_conformance.py): only `a` is left."""
    result = replay_text(*FAILING_SECOND_FILE, dev_database=dev_database)
    assert result.schema.table_count == 5  # the replay goes on, for the rules' sake
    assert result.d1_tables() == 1
    assert result.not_applied_by_d1() == ["002_m.sql", "003_m.sql"]


def test_a_stream_d1_applies_whole_counts_every_table() -> None:
    result = replay_text("CREATE TABLE a (x);\n", "CREATE TABLE b (x);\n")
    assert result.d1_tables() == 2 and result.not_applied_by_d1() == []


@pytest.mark.parametrize(
    ("second", "why"),
    [
        (
            "PRAGMA defer_foreign_keys = ON;\nCREATE TABLE kid (p INTEGER REFERENCES parent(id));\n"
            "INSERT INTO kid (p) VALUES (7);\n",
            "the commit fails",
        ),
        ("CREATE TABLE kid (x);\nCREATE TABLE kid2 (x)", "no ';': wrangler's INSERT fails"),
        ("CREATE TABLE kid (x);\nINSERT INTO kid VALUES ('unterminated);\n", "an unterminated string"),
    ],
)
def test_failures_only_the_whole_file_or_wrangler_shows_stop_d1_too(second: str, why: str) -> None:
    result = replay_text("CREATE TABLE parent (id INTEGER PRIMARY KEY);\n", second, "CREATE TABLE later (x);\n")
    assert result.d1_tables() == 1, why
    assert result.not_applied_by_d1() == ["002_m.sql", "003_m.sql"], why


def test_a_replayed_file_lets_its_tokens_go_and_makes_them_again_on_use() -> None:
    # The stream's statements are kept; their tokens (a sixth of a 10,000-file check's memory) are not.
    from grove_schema.sql.lexer import RawStatement, significant_tokens
    from grove_schema.sql.parsing import Statement

    result = replay_text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);\n", "ALTER TABLE t ADD COLUMN v TEXT;\n")
    raws = []
    for replayed in result.statements:
        parsed = replayed.parsed
        raw = parsed.raw if isinstance(parsed, Statement) else parsed
        assert isinstance(raw, RawStatement)
        raws.append(raw)
    assert len(raws) == 2
    assert all(raw._tokens is None for raw in raws)
    for raw in raws:
        assert raw.tokens == significant_tokens(raw.source, raw.start, raw.end) and raw.tokens


# --- the dev database running ahead of the model (Replayer.apply_files) --------------------------

_AHEAD_FILES = [
    "CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\nINSERT INTO p VALUES (1, 'a');\n",
    "CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p(id) ON DELETE CASCADE);\n"
    "INSERT INTO c VALUES (1, 1);\n",
    *(f"ALTER TABLE p ADD COLUMN v{n} TEXT;\nCREATE INDEX p_v{n} ON p (v{n});\n" for n in range(40)),
    "INSERT INTO nowhere VALUES (1);\nCREATE TABLE after_failure (id);\n",  # its one call fails
    "PRAGMA defer_foreign_keys = ON;\nINSERT INTO c VALUES (2, 42);\nCREATE TABLE z (a);\n",  # fails at commit
    "ALTER TABLE c ADD COLUMN w TEXT;\n",
    "CREATE TABLE d (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED);\n",
    "INSERT INTO d VALUES (1, 999);\nCREATE TABLE y (a);\n",  # runs ahead, then fails at commit
    "UNREADABLE",
    "DROP TABLE c;\n",  # run on sample rows (data verdicts)
    "CREATE TABLE t (a TEXT)",  # no semicolon
    "",
    "INSERT INTO p (id, name) VALUES (2, 'it''s');\nUPDATE p SET name = 'b' WHERE id = 2;\n",
    "CREATE TABLE s (a TEXT);\nINSERT INTO s VALUES ('runs to the end);\n",  # never run
    *(f"CREATE TABLE late{n} (id INTEGER PRIMARY KEY);\n" for n in range(35)),
]


def _replay_ahead(files: list[str], together: bool) -> tuple[StreamReplay, object]:
    from grove_schema.codes import UNREADABLE_FILE
    from grove_schema.findings import Finding, Location, make_finding

    replayer = Replayer("engine", ReplayOptions(lint=LintSettings.default()))
    items: list[tuple[MigrationFile, str | Finding]] = []
    for number, text in enumerate(files, start=1):
        name = f"{number:03d}_m.sql"
        migration = MigrationFile(Path(f"/virtual/{name}"), name, number)
        unreadable = make_finding(UNREADABLE_FILE, "the file cannot be read", Location(str(migration.path), 1, 1))
        items.append((migration, unreadable if text == "UNREADABLE" else text))
    try:
        if together:
            replayer.apply_files(items)
        else:
            for migration, item in items:
                if isinstance(item, Finding):
                    replayer.add_unreadable(migration, item)
                else:
                    replayer.apply_file(migration, item)
        assert replayer.dev_database is not None
        catalog = database_catalog(replayer.dev_database)
    finally:
        replayer.close()
    return replayer.result, catalog


def test_files_run_ahead_in_the_dev_database_replay_as_they_do_one_by_one() -> None:
    one_by_one, catalog = _replay_ahead(_AHEAD_FILES, together=False)
    ahead, catalog_ahead = _replay_ahead(_AHEAD_FILES, together=True)
    assert ahead.findings == one_by_one.findings
    assert ahead.schema == one_by_one.schema and list(ahead.schema.tables) == list(one_by_one.schema.tables)
    assert ahead.statements == one_by_one.statements
    assert ahead.d1_failures == one_by_one.d1_failures
    assert ahead.layouts == one_by_one.layouts and ahead.divergences == one_by_one.divergences
    assert ahead.files == one_by_one.files and ahead.texts == one_by_one.texts
    assert catalog_ahead == catalog
    # The stream shows what it is meant to: a failing file, a commit failure, data verdicts.
    names = {f.name for f in ahead.findings}
    assert {"sqlite-error", "destructive-change", "unreadable-file", "missing-semicolon"} <= names
    assert ahead.schema.table("z") is None and ahead.schema.table("y") is None  # failed at commit: rolled back
    assert ahead.schema.table("late34") is not None and ahead.schema.table("c") is None
    assert len(ahead.d1_failures) >= 2


def test_a_file_whose_one_call_fails_ahead_is_not_run_in_one_call_again(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = Replayer._run_in_one_call

    def counting(self: Replayer, *args: object, **kwargs: object) -> bool:
        calls.append(1)
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Replayer, "_run_in_one_call", counting)
    result, _catalog = _replay_ahead(["CREATE TABLE a (id);\n", "INSERT INTO nowhere VALUES (1);\n"], together=True)
    assert len(calls) == 2  # once per file: the failing one then runs statement by statement
    assert [f.name for f in result.findings] == ["sqlite-error"]
