"""Data-loss verdicts decided on sample rows: no false alarm where nothing is lost, the numbers where rows go.

Each fixture is a small stream of our own: a first file that creates the tables (they get sample
rows before the second file runs), then the file under judgement.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from grove_schema.findings import Finding, Severity
from grove_schema.losses import needs_verdicts
from grove_schema.sql.lexer import split_statements

from .replaying import found, lint

SAFETY = ("drop-referenced-table", "rename-referenced-table", "destructive-change")

TENANTS = "CREATE TABLE tenants (id TEXT PRIMARY KEY, name TEXT NOT NULL, plan TEXT);\n"
POSTS = (
    "CREATE TABLE posts (id TEXT PRIMARY KEY, tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE, body TEXT);\n"
)
REBUILD_TENANTS = (
    "CREATE TABLE tenants_new (id TEXT PRIMARY KEY, name TEXT NOT NULL, plan TEXT, region TEXT);\n"
    "INSERT INTO tenants_new (id, name, plan) SELECT id, name, plan FROM tenants;\n"
    "DROP TABLE tenants;\n"
    "ALTER TABLE tenants_new RENAME TO tenants;\n"
)


def safety_findings(*files: str) -> list[Finding]:
    result = lint(*files)
    assert found(result, "sqlite-error") == [], [f.message for f in result.findings]
    return [f for f in result.findings if f.name in SAFETY and f.severity is not Severity.INFO]


def line(finding: Finding) -> int:
    assert finding.location is not None
    return finding.location.line


# --- no false alarm on the five patterns -------------------------------------------------------------


def test_a_child_dropped_by_the_next_statement_is_the_drop_of_the_child_not_a_cascade() -> None:
    findings = safety_findings(TENANTS + POSTS, "DROP TABLE tenants;\nDROP TABLE posts;\n")
    assert [f.name for f in findings if f.name == "drop-referenced-table"] == []
    # the rows of both tables are gone: each DROP says so for its own table
    assert [(line(f), f.name) for f in findings] == [(1, "destructive-change"), (2, "destructive-change")]
    assert "DROP TABLE posts deletes its 3 rows" in findings[1].message


def test_a_child_created_earlier_in_the_same_file_is_empty_at_the_drop() -> None:
    findings = safety_findings(
        TENANTS,
        "CREATE TABLE drafts (id TEXT PRIMARY KEY, tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE);\n"
        + REBUILD_TENANTS,
    )
    assert findings == []


def test_children_copied_to_a_backup_and_restored_around_the_parent_rebuild() -> None:
    findings = safety_findings(
        TENANTS + POSTS,
        "CREATE TABLE posts_backup AS SELECT * FROM posts;\n"
        "DROP TABLE posts;\n" + REBUILD_TENANTS + POSTS + "INSERT INTO posts SELECT * FROM posts_backup;\n"
        "DROP TABLE posts_backup;\n",
    )
    assert findings == []


def test_rename_to_old_when_the_only_child_is_renamed_away_dropped_and_recreated() -> None:
    findings = safety_findings(
        TENANTS + POSTS,
        "ALTER TABLE posts RENAME TO posts_old;\n"
        "ALTER TABLE tenants RENAME TO tenants_old;\n"
        "CREATE TABLE tenants (id TEXT PRIMARY KEY, name TEXT NOT NULL, plan TEXT, region TEXT);\n"
        "INSERT INTO tenants (id, name, plan) SELECT id, name, plan FROM tenants_old;\n"
        + POSTS
        + "INSERT INTO posts SELECT * FROM posts_old;\n"
        "DROP TABLE posts_old;\n"
        "DROP TABLE tenants_old;\n",
    )
    assert findings == []


def test_values_copied_elsewhere_before_drop_column_and_drop_table() -> None:
    bookmarks = "CREATE TABLE bookmarks (id INTEGER PRIMARY KEY, url TEXT NOT NULL, note TEXT);\n"
    assets = "CREATE TABLE assets (id INTEGER PRIMARY KEY, bookmark_id INTEGER, source_url TEXT, caption TEXT);\n"
    findings = safety_findings(
        bookmarks + assets,
        "INSERT INTO assets (source_url, caption) SELECT url, 'note: ' || note FROM bookmarks;\n"
        "ALTER TABLE bookmarks DROP COLUMN note;\n"
        "INSERT INTO assets (bookmark_id, source_url) SELECT id, url FROM bookmarks;\n"
        "DROP TABLE bookmarks;\n",
    )
    assert findings == []


def test_a_dropped_fts5_table_with_external_content_loses_only_its_index() -> None:
    result = lint(
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n"
        "CREATE VIRTUAL TABLE notes_fts USING fts5(body, content='notes', content_rowid='id');\n"
        "CREATE VIRTUAL TABLE scratch_fts USING fts5(body);\n",
        "DROP TABLE notes_fts;\nDROP TABLE scratch_fts;\n",
    )
    external, own = found(result, "destructive-change")
    assert external.severity is Severity.INFO and "its content lives in notes, so only the index goes" in (
        external.message
    )
    assert own.severity is Severity.WARNING  # an FTS5 table with its own content takes it along


# --- real losses, with the numbers ---------------------------------------------------------------


def test_a_cascade_is_reported_with_the_rows_it_deletes_at_the_drop() -> None:
    [finding] = [
        f
        for f in safety_findings(TENANTS + POSTS, "SELECT 1;\n" + REBUILD_TENANTS)
        if f.name == "drop-referenced-table"
    ]
    assert finding.severity is Severity.ERROR and line(finding) == 4
    assert "rows copied into tenants_new at line 3, renamed to tenants at line 5" in finding.message
    assert "deletes 3 rows of posts through ON DELETE CASCADE" in finding.message
    assert finding.message.count("; fix: ") == 1


def test_a_value_a_check_allows_found_inside_another_text_does_not_keep_its_row() -> None:
    """'digital' unique among the rows is a mark; found inside a longer text of another table it is
    not this row copied, so every product the cascade deletes is counted."""
    products = (
        "CREATE TABLE products (id TEXT PRIMARY KEY, tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE,\n"
        "  kind TEXT NOT NULL CHECK (kind IN ('digital', 'physical')));\n"
    )
    notes = (
        "CREATE TABLE notes (id TEXT PRIMARY KEY, a TEXT NOT NULL CHECK (a LIKE '%digital%'),\n"
        "  b TEXT NOT NULL CHECK (b LIKE '%physical%'));\n"
    )
    rebuild = "CREATE INDEX notes_a ON notes(a);\n" + REBUILD_TENANTS
    [finding] = [f for f in safety_findings(TENANTS + products + notes, rebuild) if f.name == "drop-referenced-table"]
    assert "deletes 3 rows of products through ON DELETE CASCADE" in finding.message


def test_set_null_children_are_reported_with_the_references_cleared() -> None:
    media = "CREATE TABLE media (id TEXT PRIMARY KEY, tenant_id TEXT REFERENCES tenants(id) ON DELETE SET NULL);\n"
    [finding] = [f for f in safety_findings(TENANTS + media, REBUILD_TENANTS) if f.name == "drop-referenced-table"]
    assert "clears media.tenant_id in 3 rows through ON DELETE SET NULL" in finding.message


def test_a_plain_drop_table_of_a_table_with_rows() -> None:
    [finding] = safety_findings(TENANTS, "DROP TABLE tenants;\n")
    assert finding.name == "destructive-change" and finding.severity is Severity.WARNING
    assert finding.message.startswith(
        "DROP TABLE tenants deletes its 3 rows (sample rows found nowhere after the file)"
    )


def test_a_drop_column_whose_values_go_nowhere() -> None:
    [finding] = safety_findings(TENANTS, "ALTER TABLE tenants DROP COLUMN plan;\n")
    assert finding.name == "destructive-change" and line(finding) == 1
    assert "deletes tenants.plan in 3 rows of 3 (sample rows)" in finding.message
    # a column a CHECK restricts carries no sentinel: the shape says what is lost
    [checked] = safety_findings(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, kind TEXT CHECK (kind IN ('a', 'b')));\n",
        "ALTER TABLE t DROP COLUMN kind;\n",
    )
    assert "a CHECK leaves its values no sentinel to follow" in checked.message


def test_a_rebuild_that_forgets_a_column() -> None:
    rebuild = REBUILD_TENANTS.replace("(id, name, plan) SELECT id, name, plan", "(id, name) SELECT id, name")
    [finding] = safety_findings(TENANTS, rebuild)
    assert finding.name == "destructive-change" and line(finding) == 3
    assert "DROP TABLE tenants loses the values of tenants.plan in 3 rows" in finding.message


def test_values_folded_into_a_json_text_are_kept_and_the_ones_left_out_are_lost() -> None:
    fold = (
        "CREATE TABLE tenants_new (id TEXT PRIMARY KEY, name TEXT NOT NULL, settings TEXT);\n"
        "INSERT INTO tenants_new (id, name, settings) SELECT id, name, json_object('plan', plan) FROM tenants;\n"
        "DROP TABLE tenants;\n"
        "ALTER TABLE tenants_new RENAME TO tenants;\n"
    )
    # each plan is found inside a longer text, the JSON that now holds it: nothing is lost
    assert safety_findings(TENANTS, fold) == []
    # the same file folding the id in place of the plan: the plans are found nowhere
    [finding] = safety_findings(TENANTS, fold.replace("json_object('plan', plan)", "json_object('id', id)"))
    assert finding.name == "destructive-change" and line(finding) == 3
    assert "DROP TABLE tenants loses the values of tenants.plan in 3 rows" in finding.message


def test_a_no_action_child_with_rows_makes_the_drop_fail() -> None:
    sessions = "CREATE TABLE sessions (id TEXT PRIMARY KEY, tenant_id TEXT REFERENCES tenants(id));\n"
    [finding] = [f for f in safety_findings(TENANTS + sessions, REBUILD_TENANTS) if f.name == "drop-referenced-table"]
    assert 'fails with "FOREIGN KEY constraint failed" once sessions holds rows' in finding.message


def test_the_empty_copy_runs_only_as_far_as_a_statement_the_filled_copy_refuses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from grove_schema.data_verdicts import _EmptyCopy

    asked: list[int] = []
    through = _EmptyCopy.through

    def counted(self: _EmptyCopy, stop: int) -> object:
        asked.append(stop)
        return through(self, stop)

    monkeypatch.setattr(_EmptyCopy, "through", counted)
    safety_findings(TENANTS + POSTS, REBUILD_TENANTS)  # a cascade: nothing fails
    assert asked == []
    sessions = "CREATE TABLE sessions (id TEXT PRIMARY KEY, tenant_id TEXT REFERENCES tenants(id));\n"
    [finding] = [f for f in safety_findings(TENANTS + sessions, REBUILD_TENANTS) if f.name == "drop-referenced-table"]
    assert asked == [3]  # through the DROP, the third statement, which only the rows make fail
    assert 'fails with "FOREIGN KEY constraint failed" once sessions holds rows' in finding.message


def test_a_deferred_rebuild_of_a_no_action_parent_still_fails_at_commit_once_children_hold_rows() -> None:
    # SQLite counts the children's broken keys at the DROP; the rename of tenants_new into place
    # does not count them back, so the COMMIT fails (as D1-FACTS says), with the keys all restored.
    sessions = "CREATE TABLE sessions (id TEXT PRIMARY KEY, tenant_id TEXT REFERENCES tenants(id));\n"
    findings = safety_findings(TENANTS + sessions, "PRAGMA defer_foreign_keys = ON;\n" + REBUILD_TENANTS)
    [finding] = [f for f in findings if f.name == "drop-referenced-table"]
    assert 'fails when D1 commits the file with "FOREIGN KEY constraint failed" once sessions holds rows' in (
        finding.message
    )


def test_a_rename_to_old_whose_child_keeps_pointing_at_the_dropped_backup() -> None:
    findings = safety_findings(
        TENANTS + POSTS,
        "ALTER TABLE tenants RENAME TO tenants_old;\n"
        "CREATE TABLE tenants (id TEXT PRIMARY KEY, name TEXT NOT NULL, plan TEXT);\n"
        "INSERT INTO tenants SELECT * FROM tenants_old;\n"
        "DROP TABLE tenants_old;\n",
    )
    rename = next(f for f in findings if f.name == "rename-referenced-table")
    assert "after the file posts still references tenants_old, which is dropped" in rename.message
    drop = next(f for f in findings if f.name == "drop-referenced-table")
    assert line(drop) == 4 and "deletes 3 rows of posts through ON DELETE CASCADE" in drop.message


def test_the_rebuild_names_the_copy_that_is_renamed_into_place() -> None:
    findings = safety_findings(
        TENANTS + POSTS + "CREATE TABLE archive (id TEXT, name TEXT);\n",
        "INSERT INTO archive (id, name) SELECT id, name FROM tenants;\n"
        "CREATE TABLE tenants_dg_tmp (id TEXT PRIMARY KEY, name TEXT NOT NULL, plan TEXT);\n"
        "INSERT INTO tenants_dg_tmp SELECT id, name, plan FROM tenants;\n"
        "DROP TABLE tenants;\n"
        "ALTER TABLE tenants_dg_tmp RENAME TO tenants;\n",
    )
    [drop] = [f for f in findings if f.name == "drop-referenced-table"]
    assert "rows copied into tenants_dg_tmp at line 3, renamed to tenants at line 5" in drop.message


SHOP = (
    "CREATE TABLE products (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE);\n"
    "CREATE TABLE customers (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE);\n"
    "CREATE TABLE subscriptions (id TEXT PRIMARY KEY,\n"
    "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,\n"
    "  customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,\n"
    "  product_id TEXT NOT NULL REFERENCES products(id) ON DELETE RESTRICT);\n"
)


def test_sample_rows_pick_parents_that_agree_on_the_values_they_share() -> None:
    """A subscription's customer and product belong to the subscription's own tenant, as in
    production. Rows mixed across tenants made a RESTRICT on products fail the rebuild of tenants
    in Grove's 013 on the sample rows, where real SQLite with one tenant's rows applies it."""
    from grove_schema.devdb import DevDatabase
    from grove_schema.sample_rows import fill_tables

    parents = (
        "INSERT INTO tenants (id, name) VALUES ('t1', 'one'), ('t2', 'two'), ('t3', 'three');\n"
        # in key order, the customers' and the products' tenants do not line up
        "INSERT INTO customers VALUES ('c-b', 't1'), ('c-a', 't2'), ('c-c', 't3');\n"
        "INSERT INTO products VALUES ('p-a', 't1'), ('p-b', 't2'), ('p-c', 't3');\n"
    )
    result = lint(TENANTS + SHOP + parents)
    db = DevDatabase()
    for statement in (TENANTS + SHOP + parents).split(";\n"):
        if statement.strip():
            assert db.execute(statement) is None, statement
    assert fill_tables(db, result.schema, ["subscriptions"]) == {"subscriptions": 3}
    rows = db.query(
        "SELECT s.tenant_id, c.tenant_id, p.tenant_id FROM subscriptions s "
        "JOIN customers c ON c.id = s.customer_id JOIN products p ON p.id = s.product_id"
    )
    assert len(rows) == 3 and all(len(set(row)) == 1 for row in rows), rows
    assert db.execute("DELETE FROM tenants") is None  # the cascades reach every subscription first
    db.close()


def test_foreign_keys_off_is_an_error_only_when_the_rows_show_the_file_relies_on_it() -> None:
    relied = lint(TENANTS + POSTS, "PRAGMA foreign_keys = OFF;\n" + REBUILD_TENANTS)
    [pragma] = found(relied, "pragma-foreign-keys")
    assert pragma.severity is Severity.ERROR
    assert "relies on it: the DROP at line 4 deletes 3 rows through ON DELETE CASCADE" in pragma.message
    backed_up = lint(
        TENANTS + POSTS,
        "PRAGMA foreign_keys = OFF;\nCREATE TABLE posts_backup AS SELECT * FROM posts;\nDROP TABLE posts;\n"
        + REBUILD_TENANTS
        + POSTS
        + "INSERT INTO posts SELECT * FROM posts_backup;\nDROP TABLE posts_backup;\n",
    )
    assert [f.severity for f in found(backed_up, "pragma-foreign-keys")] == [Severity.WARNING]


# --- who pays --------------------------------------------------------------------------------------


def test_only_files_that_drop_rename_or_turn_foreign_keys_off_are_run_on_rows() -> None:
    def needs(text: str) -> bool:
        return needs_verdicts(split_statements(text).statements, text)

    assert needs("DROP TABLE t;") and needs("ALTER TABLE t DROP COLUMN c;") and needs("ALTER TABLE t RENAME TO u;")
    assert needs("PRAGMA foreign_keys = OFF;")
    assert not needs("CREATE TABLE t (a);\nALTER TABLE t RENAME COLUMN a TO b;\nDROP INDEX i;\nDROP VIEW v;")
    assert not needs("ALTER TABLE t ADD COLUMN c TEXT;\nINSERT INTO t VALUES (1);\nPRAGMA foreign_keys = ON;")


PROBE = """
import sys
from pathlib import Path
from grove_schema.layouts import MigrationFile
from grove_schema.replay import LintSettings, Replayer, ReplayOptions
replayer = Replayer("engine", ReplayOptions(lint=LintSettings.default()))
texts = ["CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);",
         "ALTER TABLE t ADD COLUMN b TEXT;\\nCREATE INDEX i ON t(a);"]
for number, text in enumerate(texts, start=1):
    replayer.apply_file(MigrationFile(Path(f"/v/{number}.sql"), f"{number}.sql", number), text)
replayer.close()
print(sorted(m for m in ("sqlglot", "grove_schema.sample_rows", "grove_schema.data_verdicts") if m in sys.modules))
"""


def test_a_stream_without_such_files_imports_no_sqlglot_and_makes_no_rows(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stderr


def test_the_census_read_again_after_each_statement_is_a_fresh_census() -> None:
    """Only the tables SQLite wrote rows of, or whose definition changed, are read again: the result
    is the census a full reading gives, whatever removed the rows."""
    from grove_schema.data_verdicts import _Census
    from grove_schema.devdb import DevDatabase
    from grove_schema.model import key

    db = DevDatabase()
    setup = [
        "CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT)",
        "CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p(id) ON DELETE CASCADE, note TEXT)",
        "CREATE TABLE lone (x TEXT, y TEXT)",
        "CREATE TABLE wr (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID",
        "CREATE TABLE log (what TEXT)",
        "CREATE TRIGGER lone_gone AFTER DELETE ON lone BEGIN INSERT INTO log VALUES (old.x); END",
        "INSERT INTO p VALUES (1, 'parent-one'), (2, 'parent-two')",
        "INSERT INTO c VALUES (10, 1, 'child-ten'), (20, 2, 'child-twenty')",
        "INSERT INTO lone VALUES ('lone-a', 'lone-b'), ('lone-c', 'lone-d')",
        "INSERT INTO wr VALUES ('wr-key', 'wr-value')",
    ]
    for sql in setup:
        assert db.execute(sql) is None, sql
    census = _Census(db)
    # Tracking p and c only: wr, lone and log are left out until a statement writes them (log through
    # lone's trigger); from then on they count, as in a full census.
    tracked = _Census(db, {"p", "c"})
    assert sorted(tracked.tables) == ["c", "p"]
    written: set[str] = set()
    db.watch_row_changes(lambda table: written.add(key(table)))
    statements = [
        "DELETE FROM wr",
        "DELETE FROM lone",  # no WHERE: SQLite's truncation, and a trigger writing another table
        "UPDATE c SET note = 'changed' WHERE id = 10",
        "INSERT OR REPLACE INTO p VALUES (2, 'parent-two-again')",  # the REPLACE deletes, the cascade too
        "ALTER TABLE c DROP COLUMN note",
        "ALTER TABLE log RENAME TO history",
        "CREATE TABLE fresh (z TEXT)",
        "INSERT INTO fresh VALUES ('fresh-z')",
        "DROP TABLE p",  # its rows go, and its children's through the cascade
    ]
    for sql in statements:
        assert db.execute(sql) is None, sql
        census.refresh(db, written)
        tracked.refresh(db, written)
        written.clear()
        fresh = _Census(db)
        left_out = {"lone", "log"} if sql == "DELETE FROM wr" else set()
        assert tracked.tables == {t: rows for t, rows in fresh.tables.items() if t not in left_out}, sql
        assert (census.where, census.rows_with, census.texts, census.tables, census.columns) == (
            fresh.where,
            fresh.rows_with,
            fresh.texts,
            fresh.tables,
            fresh.columns,
        ), sql
    db.watch_row_changes(None)
    db.close()


def test_only_the_tables_a_file_can_reach_get_rows() -> None:
    """The tables named, their children again and again, what their triggers and views name, and
    the parents of all those; a table no statement can reach stays empty."""
    from grove_schema.data_verdicts import tables_at_stake
    from grove_schema.devdb import DevDatabase
    from grove_schema.model import Schema

    db = DevDatabase()
    for sql in [
        "CREATE TABLE root (id INTEGER PRIMARY KEY)",
        "CREATE TABLE p (id INTEGER PRIMARY KEY, root_id INTEGER REFERENCES root(id))",
        "CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p(id) ON DELETE CASCADE)",
        "CREATE TABLE g (id INTEGER PRIMARY KEY, c_id INTEGER REFERENCES c(id), other_id INTEGER REFERENCES other(id))",
        "CREATE TABLE other (id INTEGER PRIMARY KEY)",
        "CREATE TABLE log (what TEXT)",
        "CREATE TABLE audit (what TEXT)",
        "CREATE TRIGGER c_gone AFTER DELETE ON c BEGIN INSERT INTO log VALUES (old.id); END",
        'CREATE TRIGGER log_kept AFTER INSERT ON log BEGIN INSERT INTO "audit" VALUES (new.what); END',
        "CREATE TABLE lone (x TEXT)",
        "CREATE TABLE seen (x TEXT)",
        "CREATE VIEW seen_view AS SELECT x FROM seen",
    ]:
        assert db.execute(sql) is None, sql
    split = split_statements("DROP TABLE p;\nINSERT INTO 'lone_copy' SELECT * FROM seen_view;\n")
    reached = tables_at_stake(db, Schema(), split.statements)
    # p, its child c and grandchild g (and g's other parent), the trigger's log and the trigger on
    # log's audit, root (p's parent); the view and the table it reads
    assert reached == {"p", "c", "g", "other", "log", "audit", "root", "seen_view", "seen"}
