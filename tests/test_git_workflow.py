"""The numbering workflow in a real git repository: two branches take the same number and git says so.

Each branch runs `grove-schema new` and `grove-schema lock` and commits; merging one into the other
conflicts on the reservation and on the lock. A resolution that keeps both files is caught by `check`,
and so is a file numbered below the locked maximum. git runs with a private environment: no global or
system configuration is read or written.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import MINIMAL_CONFIG, CliResult

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

CONFIG = MINIMAL_CONFIG + 'reservation = "libs/engine/migrations/NEXT_MIGRATION_NUMBER.txt"\n'
MIGRATIONS = Path("libs/engine/migrations")
RESERVATION = MIGRATIONS / "NEXT_MIGRATION_NUMBER.txt"
LOCK = MIGRATIONS / "migrations.lock"
Git = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def repo(tmp_path: Path, run_cli: Callable[..., CliResult]) -> tuple[Path, Git]:
    """A committed project on `main`: 001 and 003 applied and locked, the reservation at 004."""
    root = tmp_path / "repo"
    (root / MIGRATIONS).mkdir(parents=True)
    (root / "ownership.toml").write_text(CONFIG)
    (root / MIGRATIONS / "001_tenants.sql").write_text("CREATE TABLE tenants (id INTEGER PRIMARY KEY);\n")
    (root / MIGRATIONS / "003_posts.sql").write_text(
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, tenant_id INTEGER REFERENCES tenants(id));\n"
    )
    (root / RESERVATION).write_text("004\n")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),  # no ~/.gitconfig is read
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Grove Test",
        "GIT_AUTHOR_EMAIL": "test@grove.invalid",
        "GIT_COMMITTER_NAME": "Grove Test",
        "GIT_COMMITTER_EMAIL": "test@grove.invalid",
        "LC_ALL": "C",
    }

    def git(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", *args], cwd=root, env=env, capture_output=True, text=True, check=check, timeout=60
        )

    git("-c", "init.defaultBranch=main", "init", "-q")
    assert run_cli("lock", cwd=root).code == 0
    git("add", "-A")
    git("commit", "-q", "-m", "applied: 001, 003")
    return root, git


def add_migration(run_cli: Callable[..., CliResult], root: Path, name: str, sql: str) -> Path:
    """What a developer does on a branch: `new`, write the SQL, `lock` (here, as if it were released)."""
    created = run_cli("new", name, cwd=root)
    assert created.code == 0, created.err
    path = root / created.out.strip()
    path.write_text(path.read_text() + sql)
    assert run_cli("lock", cwd=root).code == 0
    return path


def two_branches(run_cli: Callable[..., CliResult], root: Path, git: Git) -> None:
    git("checkout", "-q", "-b", "feature-a")
    add_migration(run_cli, root, "add flags", "ALTER TABLE tenants ADD COLUMN flags TEXT;\n")
    git("add", "-A")
    git("commit", "-q", "-m", "a: flags")
    git("checkout", "-q", "main")
    git("checkout", "-q", "-b", "feature-b")
    add_migration(run_cli, root, "add tags", "CREATE TABLE tags (id INTEGER PRIMARY KEY);\n")
    git("add", "-A")
    git("commit", "-q", "-m", "b: tags")
    git("checkout", "-q", "feature-a")


def conflicted(git: Git) -> list[str]:
    return sorted(git("diff", "--name-only", "--diff-filter=U").stdout.split())


def test_branches_that_take_one_number_conflict_in_git(run_cli, repo) -> None:  # type: ignore[no-untyped-def]
    root, git = repo
    two_branches(run_cli, root, git)
    assert (root / MIGRATIONS / "004_add_flags.sql").exists()
    merge = git("merge", "--no-edit", "feature-b", check=False)
    assert merge.returncode != 0
    assert conflicted(git) == sorted([str(LOCK), str(RESERVATION)])
    # Until the conflict is resolved, `check` refuses the lock rather than guess.
    during = run_cli("check", cwd=root)
    assert during.code == 2 and "migrations.lock:" in during.err and "unresolved merge conflict" in during.err


def keep_both_sides(path: Path) -> None:
    markers = ("<<<<<<<", "=======", ">>>>>>>", "|||||||")
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(line for line in lines if not line.startswith(markers)))


@pytest.mark.parametrize("resolution", ["keep-both", "ours"])
def test_a_naive_resolution_is_caught_by_check(run_cli, repo, resolution: str) -> None:  # type: ignore[no-untyped-def]
    root, git = repo
    two_branches(run_cli, root, git)
    git("merge", "--no-edit", "feature-b", check=False)
    if resolution == "keep-both":
        keep_both_sides(root / LOCK)
        keep_both_sides(root / RESERVATION)
    else:
        git("checkout", "--ours", "--", str(LOCK), str(RESERVATION))
    git("add", "-A")
    git("commit", "-q", "--no-edit")
    assert sorted(p.name for p in (root / MIGRATIONS).glob("004_*.sql")) == ["004_add_flags.sql", "004_add_tags.sql"]
    # The console script, as CI runs it.
    result = subprocess.run(
        [sys.executable, "-m", "grove_schema.cli", "check"], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1, result.stdout + result.stderr
    flagged = [line.split(":")[0] for line in result.stdout.splitlines() if "GS301 duplicate-number" in line]
    if resolution == "keep-both":  # both are locked (applied): both are named
        assert flagged == [str(MIGRATIONS / "004_add_flags.sql"), str(MIGRATIONS / "004_add_tags.sql")]
    else:  # only A's lock survived: B's file is the one to renumber
        assert flagged == [str(MIGRATIONS / "004_add_tags.sql")]
    assert "number 004 is shared by 004_add_flags.sql and 004_add_tags.sql" in result.stdout


def test_the_right_resolution_renumbers_the_second_file(run_cli, repo) -> None:  # type: ignore[no-untyped-def]
    root, git = repo
    two_branches(run_cli, root, git)
    git("merge", "--no-edit", "feature-b", check=False)
    git("checkout", "--ours", "--", str(LOCK), str(RESERVATION))
    tags = root / MIGRATIONS / "004_add_tags.sql"
    sql = tags.read_text().split("\n\n", 1)[1]
    git("rm", "-q", "-f", "--", str(MIGRATIONS / "004_add_tags.sql"))  # staged by the merge
    created = run_cli("new", "add tags", cwd=root)
    assert created.out.strip() == str(MIGRATIONS / "005_add_tags.sql")
    (root / created.out.strip()).write_text((root / created.out.strip()).read_text() + sql)
    git("add", "-A")
    git("commit", "-q", "--no-edit")
    result = run_cli("check", cwd=root)
    assert result.code == 0, result.out
    assert "0 errors, 0 warnings" in result.out
    assert (root / RESERVATION).read_text().startswith("006\n")


def test_a_file_below_the_locked_maximum_is_out_of_order(run_cli, repo) -> None:  # type: ignore[no-untyped-def]
    root, git = repo
    two_branches(run_cli, root, git)
    # A branch that forked long ago brings 002 after 004 was released (locked).
    (root / MIGRATIONS / "002_late_index.sql").write_text("CREATE INDEX idx_posts_tenant ON posts (tenant_id);\n")
    git("add", "-A")
    git("commit", "-q", "-m", "late: 002")
    result = run_cli("check", cwd=root)
    assert result.code == 1
    numbering = [line for line in result.out.splitlines() if " GS3" in line]
    assert len(numbering) == 1
    assert numbering[0].startswith(
        f"{MIGRATIONS / '002_late_index.sql'}:1:1: error GS305 out-of-order: 002_late_index.sql is new but numbered "
        "below 004_add_flags.sql"
    )
