"""The safety rules (GS405, GS406, GS419, GS420), run through the replay against the D1-profile dev database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from grove_schema.discovery import MigrationFile
from grove_schema.findings import Finding, Severity
from grove_schema.replay import LintSettings, Replayer, ReplayOptions, StreamReplay
from grove_schema.rules import rule_named
from grove_schema.rules.safety import RULES

from .conftest import REPO, CliResult
from .replaying import found, lint


def line_of(finding: Finding) -> tuple[str, int]:
    assert finding.location is not None
    return Path(finding.location.path).name, finding.location.line


def no_sqlite_error(result: StreamReplay) -> None:
    assert found(result, "sqlite-error") == [], [f.message for f in result.findings]


PARENT = "CREATE TABLE tenants (id TEXT PRIMARY KEY, name TEXT NOT NULL, plan TEXT);\n"
CASCADE_CHILDREN = (
    "CREATE TABLE posts (id TEXT PRIMARY KEY, tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE);\n"
    "CREATE TABLE media (id TEXT PRIMARY KEY, tenant_id TEXT, "
    "FOREIGN KEY (tenant_id) REFERENCES tenants(id) ON DELETE SET NULL);\n"
)
REBUILD = (
    "CREATE TABLE tenants_new (id TEXT PRIMARY KEY, name TEXT NOT NULL, plan TEXT CHECK (plan IN ('a', 'b')));\n"
    "INSERT INTO tenants_new (id, name, plan) SELECT id, name, plan FROM tenants;\n"
    "DROP TABLE tenants;\n"
    "ALTER TABLE tenants_new RENAME TO tenants;\n"
)


# --- GS405 drop-referenced-table ------------------------------------------------------------


def test_rebuild_of_a_parent_with_cascading_children_says_d1_deletes_the_child_rows() -> None:
    # The sample rows' plans fail the new CHECK: the run on rows stops at the copy, and the rule
    # judges the DROP by its shape (tests/test_data_verdicts.py has the verdicts from rows).
    result = lint(PARENT + CASCADE_CHILDREN, REBUILD)
    [finding] = found(result, "drop-referenced-table")
    assert finding.severity is Severity.ERROR
    assert line_of(finding) == ("002_m.sql", 3)
    message = finding.message
    assert "the rebuild of tenants: rows copied into tenants_new at line 2, renamed to tenants at line 4" in message
    assert (
        "D1 succeeds and deletes every row of posts (ON DELETE CASCADE) and clears the reference in every row of "
        "media (ON DELETE SET NULL/DEFAULT), even with PRAGMA defer_foreign_keys = ON; fix: " in message
    )
    assert "copy the rows of those 2 tables aside" in message
    no_sqlite_error(result)


def test_drop_of_a_parent_with_no_action_children_quotes_the_foreign_key_failure() -> None:
    result = lint(
        PARENT
        + "CREATE TABLE sessions (id TEXT PRIMARY KEY, tenant_id TEXT REFERENCES tenants(id));\n"
        + "INSERT INTO tenants VALUES ('t1', 'one', 'a');\nINSERT INTO sessions VALUES ('s1', 't1');\n",
        "DROP TABLE tenants;",
    )
    [finding] = found(result, "drop-referenced-table")
    assert line_of(finding) == ("002_m.sql", 1)
    assert 'DROP TABLE tenants fails with "FOREIGN KEY constraint failed" once sessions holds rows' in finding.message
    assert finding.message.count("FOREIGN KEY constraint failed") == 1  # SQLite's text, quoted once
    assert "(D1 would roll back all of 002_m.sql and stop applying migrations there); fix: " in finding.message
    no_sqlite_error(result)


def test_a_long_list_of_children_is_cut_to_the_first_few_with_a_count() -> None:
    children = "".join(
        f"CREATE TABLE child_{n:02d} (id TEXT PRIMARY KEY, tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE);\n"
        for n in range(16)
    )
    [finding] = found(lint(PARENT + children, "DROP TABLE tenants;"), "drop-referenced-table")
    assert (
        "deletes 48 rows of 16 tables (child_00 3, child_01 3, child_02 3 and 13 more) through ON DELETE CASCADE"
        in (finding.message)
    )
    assert "child_03" not in finding.message and finding.message.count("child_00") == 1
    assert len(finding.message) < 600


def test_drop_of_an_unreferenced_or_self_referencing_table_passes() -> None:
    result = lint(
        PARENT + "CREATE TABLE tree (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES tree(id) ON DELETE CASCADE);",
        "DROP TABLE tree;\nDROP TABLE tenants;\nDROP TABLE IF EXISTS nowhere;",
    )
    assert found(result, "drop-referenced-table") == []
    no_sqlite_error(result)


# --- GS406 rename-referenced-table ----------------------------------------------------------


def test_rename_of_a_referenced_table_out_of_the_way_names_the_children() -> None:
    result = lint(
        PARENT + CASCADE_CHILDREN,
        "ALTER TABLE tenants RENAME TO tenants_old;\n"
        "CREATE TABLE tenants (id TEXT PRIMARY KEY, name TEXT NOT NULL, plan TEXT);\n"
        "INSERT INTO tenants SELECT * FROM tenants_old;\n",
    )
    [finding] = found(result, "rename-referenced-table")
    assert finding.severity is Severity.ERROR and line_of(finding) == ("002_m.sql", 1)
    assert "foreign keys of media.tenant_id and posts.tenant_id to REFERENCES tenants_old" in finding.message
    assert "after the file the 2 tables media and posts still reference tenants_old, not tenants" in finding.message
    assert "rename tenants_new to tenants" in finding.message
    # SQLite did rewrite the children: the model follows it
    assert result.schema.table("posts").foreign_keys[0].ref_table == "tenants_old"  # type: ignore[union-attr]


def test_rename_then_drop_in_the_same_file_is_caught_whatever_the_name() -> None:
    result = lint(PARENT + CASCADE_CHILDREN, "ALTER TABLE tenants RENAME TO t2;\n\nDROP TABLE t2;\n")
    [finding] = found(result, "rename-referenced-table")
    assert "dropped at line 3" in finding.message
    assert found(result, "drop-referenced-table")  # and the DROP itself cascades


def test_genuine_rename_of_a_referenced_table_and_rename_of_an_unreferenced_one_pass() -> None:
    result = lint(
        PARENT + CASCADE_CHILDREN + "CREATE TABLE notes (id INTEGER PRIMARY KEY);",
        "ALTER TABLE tenants RENAME TO accounts;\nALTER TABLE notes RENAME TO notes_old;",
    )
    assert found(result, "rename-referenced-table") == []
    no_sqlite_error(result)


# --- GS419 destructive-change ---------------------------------------------------------------


def test_drop_table_and_drop_column_are_warnings() -> None:
    result = lint(
        PARENT + "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, extra TEXT);",
        "ALTER TABLE notes DROP COLUMN extra;\nDROP TABLE notes;",
    )
    findings = found(result, "destructive-change")
    assert [(line_of(f), f.severity) for f in findings] == [
        (("002_m.sql", 1), Severity.WARNING),
        (("002_m.sql", 2), Severity.WARNING),
    ]
    assert "notes.extra" in findings[0].message and "[retired] columns" in findings[0].message
    assert "DROP TABLE notes" in findings[1].message and "[retired] tables" in findings[1].message


def test_drop_of_retired_objects_is_info_with_the_reason() -> None:
    result = lint(
        PARENT + "CREATE TABLE products (id INTEGER PRIMARY KEY);\n"
        "CREATE TABLE user_onboarding (id INTEGER PRIMARY KEY, ls_id TEXT);",
        "DROP TABLE products;\nALTER TABLE user_onboarding DROP COLUMN ls_id;",
        retired_tables={"products": "shop deferred indefinitely"},
        retired_columns={("user_onboarding", "ls_id"): "payments moved to Stripe"},
    )
    findings = found(result, "destructive-change")
    assert [f.severity for f in findings] == [Severity.INFO, Severity.INFO]
    assert "shop deferred indefinitely" in findings[0].message
    assert "payments moved to Stripe" in findings[1].message


def test_noop_drop_and_drop_of_a_table_made_by_the_same_migration_pass() -> None:
    result = lint("DROP TABLE IF EXISTS legacy;\nCREATE TABLE scratch (id INTEGER);\nDROP TABLE scratch;")
    assert found(result, "destructive-change") == []
    no_sqlite_error(result)


def test_rebuild_that_copies_every_column_is_info() -> None:
    result = lint(PARENT, REBUILD)
    [finding] = found(result, "destructive-change")
    assert finding.severity is Severity.INFO and line_of(finding) == ("002_m.sql", 3)
    assert "part of a rebuild" in finding.message and "tenants_new (line 2)" in finding.message
    star = lint(PARENT, REBUILD.replace("(id, name, plan) SELECT id, name, plan", "SELECT *"))
    assert [f.severity for f in found(star, "destructive-change")] == [Severity.INFO]


def test_rebuild_that_does_not_copy_a_column_is_a_warning_naming_it() -> None:
    result = lint(PARENT, REBUILD.replace("(id, name, plan) SELECT id, name, plan", "(id, name) SELECT id, name"))
    [finding] = found(result, "destructive-change")
    assert finding.severity is Severity.WARNING
    assert "DROP TABLE tenants loses the values of tenants.plan in 3 rows" in finding.message
    assert "the copy into tenants_new at line 2, renamed to tenants at line 4 does not carry them" in finding.message


# --- GS420 if-not-exists-noop ---------------------------------------------------------------


def test_create_index_if_not_exists_with_a_name_taken_on_another_table() -> None:
    result = lint(
        PARENT + CASCADE_CHILDREN + "CREATE INDEX idx_tenant ON posts(tenant_id);",
        "CREATE INDEX IF NOT EXISTS idx_tenant ON media(tenant_id);",
    )
    [finding] = found(result, "if-not-exists-noop")
    assert finding.severity is Severity.WARNING and line_of(finding) == ("002_m.sql", 1)
    assert "already exists on posts" in finding.message and "media gets no index" in finding.message
    assert "idx_media_tenant_id" in finding.message


def test_create_table_if_not_exists_with_another_shape() -> None:
    result = lint(
        PARENT,
        "CREATE TABLE IF NOT EXISTS tenants (\n  id INTEGER PRIMARY KEY,\n  name TEXT,\n  plan TEXT DEFAULT 'a',\n"
        "  region TEXT\n);",
    )
    [finding] = found(result, "if-not-exists-noop")
    message = finding.message
    assert "columns it lacks: region" in message
    assert "id: type TEXT vs INTEGER" in message and "name: nullable" in message
    assert "plan: default NULL vs 'a'" in message and "ALTER TABLE ADD COLUMN" in message
    view = lint(PARENT + "CREATE VIEW v AS SELECT id FROM tenants;", "CREATE TABLE IF NOT EXISTS v (id TEXT);")
    assert "a view named v already exists" in found(view, "if-not-exists-noop")[0].message


def test_rerun_with_the_same_shape_is_silent() -> None:
    result = lint(
        PARENT + CASCADE_CHILDREN + "CREATE INDEX idx_posts_tenant ON posts(tenant_id);",
        "create table if not exists TENANTS (ID text primary key, name text not null, plan text default null);\n"
        "CREATE INDEX IF NOT EXISTS idx_posts_tenant ON posts(tenant_id);\n"
        "CREATE TABLE IF NOT EXISTS fresh (id INTEGER);",
    )
    assert found(result, "if-not-exists-noop") == []
    no_sqlite_error(result)


# --- docs, explain, the bundled example and the corpus --------------------------------------


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_is_documented_and_explained(rule: object, run_cli: Callable[..., CliResult]) -> None:
    from grove_schema.rules.base import Rule

    assert isinstance(rule, Rule)
    assert rule_named(rule.name) is rule and rule_named(rule.code) is rule
    for section in ("**Problem**", "**Anti-pattern**", "**Fix**", "```"):
        assert section in rule.info.doc, f"{rule.code} lacks {section}"
    shown = run_cli("explain", rule.code, cwd=REPO)
    assert shown.code == 0 and "**Problem**" in shown.out


def test_bundled_example_rebuild_loses_nothing_and_our_rules_say_nothing(run_cli: Callable[..., CliResult]) -> None:
    result = run_cli("check", cwd=REPO)
    ours = [line for line in result.out.splitlines() if any(f" {r.code} " in line for r in RULES)]
    assert ours == []  # 056's rebuild of storage_exports copies every row and column


@pytest.mark.corpus
def test_corpus_findings_of_the_safety_rules(corpus_root: Path, run_cli: Callable[..., CliResult]) -> None:
    result = run_cli("--root", str(corpus_root), "check", cwd=REPO)
    ours = sorted(
        (Path(line.split(":")[0]).name, int(line.split(":")[1]), line.split()[1], line.split()[2])
        for line in result.out.splitlines()
        if any(f" {r.code} " in line for r in RULES) and " info " not in line
    )
    assert ours == [
        ("005_multi_tenant.sql", 124, "warning", "GS419"),  # DROP TABLE IF EXISTS pages: its rows go
        ("005_multi_tenant.sql", 170, "warning", "GS419"),  # DROP TABLE IF EXISTS site_settings
        ("011_update_tier_names.sql", 67, "error", "GS405"),  # rebuild of tenants cascades into 16 tables
        ("013_add_free_tier.sql", 54, "error", "GS405"),  # again
        ("013_add_free_tier.sql", 54, "warning", "GS419"),  # and the copy forgets tenants.active
    ]


def test_destructive_change_is_info_for_a_table_the_map_moves(make_project, run_cli) -> None:  # type: ignore[no-untyped-def]
    config = (
        '[project]\nroot = "."\ndefault_database = "engine"\n'
        '[databases.engine]\nname = "e"\nmigrations = "libs/engine/migrations"\n'
        '[databases.curios]\nname = "c"\nmigrations = "libs/curios/migrations"\ntables = ["gallery_*"]\n'
    )
    root = make_project(
        {
            "001_a.sql": "CREATE TABLE gallery_images (id TEXT PRIMARY KEY);\nCREATE TABLE notes (id TEXT);\n",
            "002_b.sql": "DROP TABLE gallery_images;\nDROP TABLE notes;\n",
        },
        config=config,
    )
    result = run_cli("check", "--format", "json", cwd=root)
    import json

    destructive = [f for f in json.loads(result.out)["findings"] if f["name"] == "destructive-change"]
    assert [(f["line"], f["severity"]) for f in destructive] == [(1, "info"), (2, "warning")]
    assert "moves it to curios" in destructive[0]["message"]


def test_a_deferred_failure_at_commit_is_the_rules_not_a_second_sqlite_error() -> None:
    from pathlib import Path

    replayer = Replayer("engine", ReplayOptions(lint=LintSettings.default()))
    replayer.apply_file(
        MigrationFile(Path("/virtual/001_a.sql"), "001_a.sql", 1),
        "CREATE TABLE p (id INTEGER PRIMARY KEY);\nCREATE TABLE c (p_id INTEGER REFERENCES p(id));\n"
        "INSERT INTO p VALUES (1);\nINSERT INTO c VALUES (1);\n",
    )
    replayer.apply_file(
        MigrationFile(Path("/virtual/002_b.sql"), "002_b.sql", 2),
        "PRAGMA defer_foreign_keys = ON;\nDROP TABLE p;\n",
    )
    replayer.close()
    names = [f.name for f in replayer.result.findings if f.severity.label == "error"]
    assert names == ["drop-referenced-table"]
    assert "when D1 commits the file" in replayer.result.findings[-1].message or any(
        "when D1 commits the file" in f.message for f in replayer.result.findings
    )
