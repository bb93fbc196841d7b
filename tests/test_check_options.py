"""`grove-schema check`'s PATHS (files and directories), what a hook run leaves out, --show,
--quiet and --statistics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import REPO, SPLIT_CONFIG

GOOD = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);\n"
BAD = "ALTER TABLE missing ADD COLUMN c TEXT;\n"
CODE_CONFIG = (
    SPLIT_CONFIG
    + """
[code]
roots = ["libs/engine"]
exclude = ["**/generated/**"]
"""
)
SPLIT_SQL = (
    "CREATE TABLE tenants (id TEXT PRIMARY KEY);\n"
    "CREATE TABLE polls (id TEXT PRIMARY KEY, tenant_id TEXT REFERENCES tenants (id) ON DELETE CASCADE);\n"
)
SOURCE = """\
export const GET = async ({ platform }) => {
  return platform.env.DB.prepare("SELECT nope FROM tenants").all();
};
"""
WRANGLER = '[[d1_databases]]\nbinding = "DB"\ndatabase_name = "grove-engine-db"\ndatabase_id = "x"\n'


@pytest.fixture
def split_project(make_project) -> Path:  # type: ignore[no-untyped-def]
    """A stream with an error (003), a pending move (polls) and a source file below [code]."""
    root: Path = make_project({"001_a.sql": SPLIT_SQL, "002_b.sql": GOOD, "003_c.sql": BAD}, config=CODE_CONFIG)
    (root / "libs/engine/src/generated").mkdir(parents=True)
    (root / "libs/engine/src/routes.ts").write_text(SOURCE)
    (root / "libs/engine/wrangler.toml").write_text(WRANGLER)
    (root / "libs/engine/src/generated/types.ts").write_text(SOURCE)
    (root / "libs/engine/static").mkdir()
    (root / "libs/engine/static/logo.txt").write_text("logo\n")
    (root / "README.md").write_text("# project\n")
    (root / "scripts").mkdir()
    (root / "scripts/seed.sql").write_text(GOOD)
    return root


def codes(output: str) -> list[str]:
    return sorted(record["code"] for record in json.loads(output)["findings"])


def test_a_directory_means_every_migration_and_source_file_below_it(run_cli, split_project: Path) -> None:  # type: ignore[no-untyped-def]
    everything = run_cli("check", "--format", "json", cwd=split_project)
    errors = [r for r in json.loads(everything.out)["findings"] if r["severity"] == "error"]
    assert len(errors) == 2  # 003's missing table, and the code's unknown column
    for directory in (".", "libs", "libs/engine"):
        result = run_cli("check", "--format", "json", directory, cwd=split_project)
        assert result.code == 1, (directory, result.out)
        assert [r for r in json.loads(result.out)["findings"] if r["severity"] == "error"] == errors
    migrations = run_cli("check", "--format", "json", "libs/engine/migrations", cwd=split_project)
    assert migrations.code == 1
    assert codes(migrations.out).count("GS103") == 1 and "GS604" not in codes(migrations.out)
    source = run_cli("check", "--format", "json", "libs/engine/src", cwd=split_project)
    assert source.code == 1 and "GS604" in codes(source.out) and "GS103" not in codes(source.out)


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("README.md", "README.md is neither a migration, a source file the [code] section covers, nor a directory"),
        ("libs/engine/static", "libs/engine/static is a directory with no migration and no source file"),
        ("libs/engine/static/logo.txt", "logo.txt is neither a migration"),
        ("no/such/file.sql", "no such file or directory: no/such/file.sql"),
    ],
)
def test_a_path_that_holds_nothing_checked_is_a_usage_error(run_cli, split_project: Path, path: str, says: str) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("check", path, cwd=split_project)
    assert result.code == 2 and result.out == ""
    assert says in result.err and "Traceback" not in result.err


def test_a_file_the_hook_passes_but_nothing_checks_is_named_and_left_out(run_cli, split_project: Path) -> None:  # type: ignore[no-untyped-def]
    """pre-commit passes every staged .sql and .ts: one outside every stream and every [code] root
    (or excluded) must not fail the commit, and is not silently taken for checked either."""
    for path in ("scripts/seed.sql", "libs/engine/src/generated/types.ts"):
        result = run_cli("check", path, cwd=split_project)
        assert result.code == 0, result.out
        assert f"not checked: {path} is neither a migration nor a file [code] covers" in result.err
    both = run_cli("check", "scripts/seed.sql", "libs/engine/migrations/003_c.sql", cwd=split_project)
    assert both.code == 1 and "GS103" in both.out


def test_a_hook_run_leaves_the_project_wide_info_out_unless_asked(run_cli, split_project: Path) -> None:  # type: ignore[no-untyped-def]
    full = codes(run_cli("check", "--format", "json", cwd=split_project).out)
    assert {"GS201", "GS204", "GS205"} <= set(full)
    hook = run_cli("check", "--format", "json", "libs/engine/migrations/001_a.sql", cwd=split_project)
    assert hook.code == 0
    assert not {"GS201", "GS204", "GS205"} & set(codes(hook.out))
    for asked in (("--show", "info"), ("--fail-on", "info")):
        shown = codes(
            run_cli("check", "--format", "json", *asked, "libs/engine/migrations/001_a.sql", cwd=split_project).out
        )
        assert {"GS201", "GS204", "GS205"} <= set(shown), asked
    text = run_cli("check", "libs/engine/migrations/001_a.sql", cwd=split_project).out
    assert "note:" not in text and "pending-move" not in text


def test_quiet_shows_errors_and_warnings_and_one_summary_line(run_cli, split_project: Path) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("check", "--quiet", cwd=split_project)
    assert result.code == 1
    lines = result.out.splitlines()
    assert [line.split()[1] for line in lines[:-1]] == ["error", "error"]
    assert lines[-1] == (
        "3 files, 4 statements; tables: engine 3 (D1 rolls back 003_c.sql, the last file), curios 0; "
        "2 errors, 0 warnings, 4 info"
    )
    shown = run_cli("check", "--show", "error", cwd=split_project).out.splitlines()
    assert [line for line in shown if not line.startswith("note:")] == lines  # --show keeps the notes


def test_statistics_counts_the_findings_per_rule(run_cli, split_project: Path) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("check", "--statistics", cwd=split_project)
    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[0].split() == ["2", "GS201", "info", "pending-move"]
    assert ["1", "GS103", "error", "sqlite-error"] in [line.split() for line in lines]
    assert lines[-1].endswith("2 errors, 0 warnings, 4 info")
    document = json.loads(run_cli("check", "--statistics", "--format", "json", cwd=split_project).out)
    assert document["statistics"][0] == {"code": "GS201", "name": "pending-move", "severity": "info", "count": 2}
    assert document["summary"]["findings"] == {"info": 4, "warning": 0, "error": 2}
    refused = run_cli("check", "--statistics", "--format", "sarif", cwd=split_project)
    assert refused.code == 2 and "--statistics prints text or JSON" in refused.err


def test_the_example_checked_by_directory_matches_the_full_check(run_cli) -> None:  # type: ignore[no-untyped-def]
    full = run_cli("check", "--quiet", cwd=REPO)
    assert run_cli("check", "--quiet", ".", cwd=REPO).out == full.out
    stream = run_cli("check", "--quiet", "examples/grove/libs/engine/migrations", cwd=REPO)
    # 32 info: the rebuild of storage_exports (056) loses nothing on sample rows, so GS419 says nothing
    assert stream.code == 0 and stream.out.startswith("35 files, ") and "0 errors, 0 warnings, 32 info" in stream.out


@pytest.mark.corpus
def test_the_corpus_checked_by_directory_finds_the_four_errors(run_cli, corpus_root: Path) -> None:  # type: ignore[no-untyped-def]
    full = run_cli("--root", str(corpus_root), "check", "--quiet", cwd=REPO)
    errors = [line for line in full.out.splitlines() if " error " in line]
    assert full.code == 1 and len([line for line in errors if " GS3" not in line]) == 4  # and the missing reservation
    for directory in (corpus_root, corpus_root / "libs" / "engine" / "migrations"):
        result = run_cli("--root", str(corpus_root), "check", "--quiet", str(directory), cwd=REPO)
        assert result.code == 1, result.err
        assert [line for line in result.out.splitlines() if " error " in line] == errors
