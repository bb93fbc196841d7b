"""Commit hooks, driven for real: git and pre-commit in temporary repositories.

- pre-commit: `pre-commit install`, then `git commit` of a bad migration is refused with the finding
  shown, and a good one goes through. The hook is this repository's `.pre-commit-hooks.yaml`
  definition, run as a `repo: local` hook (`language: system`, entry pointing at this venv's
  grove-schema): nothing is cloned or installed.
- hooks/pre-commit with `core.hooksPath`: the same, and it checks the staged content, not the
  working tree.
- hook mode (`check PATHS`) keeps the repository-level findings, and the cache it uses gives the
  same findings as an uncached run.

git runs with a private environment: HOME is a temporary folder, no system or global
configuration is read, and nothing outside tmp_path is written (PRE_COMMIT_HOME, XDG_CACHE_HOME).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from grove_schema.codes import (
    DUPLICATE_NUMBER,
    MISSING_MIGRATION,
    PARSE_ERROR,
    PENDING_MOVE,
    RESERVATION_MISMATCH,
    SQLITE_ERROR,
)
from grove_schema.findings import Finding, Location, make_finding
from grove_schema.hook_scope import filter_to_paths

from .conftest import MINIMAL_CONFIG, REPO, CliResult

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

BIN = Path(sys.executable).parent
GROVE_SCHEMA = BIN / "grove-schema"
PRE_COMMIT = BIN / "pre-commit"
HOOK_SCRIPT = REPO / "hooks" / "pre-commit"
MANIFEST = REPO / ".pre-commit-hooks.yaml"
MIGRATIONS = Path("libs/engine/migrations")
CONFIG = MINIMAL_CONFIG + 'reservation = "libs/engine/migrations/NEXT_MIGRATION_NUMBER.txt"\n'

TENANTS = (
    "CREATE TABLE tenants (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n"
    "INSERT INTO tenants (name) VALUES ('grove'), ('lattice');\n"
)
# ALTER TABLE of a table no migration creates: D1 fails and rolls the file back.
BAD = "ALTER TABLE missing ADD COLUMN flag INTEGER;\n"
BAD_SHOWN = "no such table: missing"
GOOD = "ALTER TABLE tenants ADD COLUMN flag INTEGER NOT NULL DEFAULT 0;\n"
Git = Callable[..., subprocess.CompletedProcess[str]]


def isolated_env(home: Path, path: str | None = None) -> dict[str, str]:
    """git and pre-commit with nothing of the user's: no ~/.gitconfig, no system config, caches in tmp."""
    return {
        "PATH": path if path is not None else f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "PRE_COMMIT_HOME": str(home / "pre-commit-home"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "Grove Test",
        "GIT_AUTHOR_EMAIL": "test@grove.invalid",
        "GIT_COMMITTER_NAME": "Grove Test",
        "GIT_COMMITTER_EMAIL": "test@grove.invalid",
        "GIT_TERMINAL_PROMPT": "0",
        "LC_ALL": "C",
        "NO_COLOR": "1",
        "TMPDIR": os.environ.get("TMPDIR", "/tmp"),
    }


class Repo:
    """A committed project: tenants (with rows) applied, the reservation at 002."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root = root
        self.env = env

    def git(
        self, *args: str, check: bool = True, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            ["git", *args], cwd=self.root, env=env or self.env, capture_output=True, text=True, timeout=180
        )
        if check and done.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done

    def write(self, relative: str | Path, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def commit(self, message: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return self.git("commit", "-m", message, check=False, env=env)

    def commits(self) -> int:
        return int(self.git("rev-list", "--count", "HEAD").stdout.strip())

    def stage_migration(self, name: str, sql: str, reservation: str) -> None:
        self.write(MIGRATIONS / name, sql)
        self.write(MIGRATIONS / "NEXT_MIGRATION_NUMBER.txt", reservation + "\n")
        self.git("add", "-A")


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    home = tmp_path / "home"
    home.mkdir()
    root = tmp_path / "repo"
    root.mkdir()
    made = Repo(root, isolated_env(home))
    made.git("-c", "init.defaultBranch=main", "init", "-q")
    made.write("ownership.toml", CONFIG)
    made.write(MIGRATIONS / "001_tenants.sql", TENANTS)
    made.write(MIGRATIONS / "NEXT_MIGRATION_NUMBER.txt", "002\n")
    made.write("README.md", "# a project with D1 migrations\n")
    made.git("add", "-A")
    made.git("commit", "-q", "-m", "tenants")
    return made


def output(done: subprocess.CompletedProcess[str]) -> str:
    return done.stdout + done.stderr


# --- the hook definitions ----------------------------------------------------------------------


def manifest_hook() -> dict[str, object]:
    (hook,) = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(hook, dict)
    return hook


def test_manifest_exposes_the_grove_schema_hook() -> None:
    done = subprocess.run([str(PRE_COMMIT), "validate-manifest", str(MANIFEST)], capture_output=True, text=True)
    assert done.returncode == 0, output(done)
    hook = manifest_hook()
    assert hook["id"] == "grove-schema"
    assert hook["entry"] == "grove-schema check"
    assert hook["language"] == "python"
    assert hook["require_serial"] is True and hook["pass_filenames"] is True
    files = re.compile(str(hook["files"]))
    for path in (
        "libs/engine/migrations/085_flags.sql",
        "migrations/0001_init.sql",
        "libs/engine/migrations/LEGACY.SQL",
        "ownership.toml",
        "db/ownership.toml",
        "libs/engine/migrations/NEXT_MIGRATION_NUMBER.txt",
        "libs/engine/migrations/migrations.lock",
        # the code audit's inputs (used when ownership.toml has a [code] section)
        "src/app.ts",
        "libs/engine/src/routes/+page.server.ts",
        "workers/pulse/src/index.mjs",
        "src/routes/+page.svelte",
        "workers/pulse/wrangler.toml",
        "workers/vista/wrangler.jsonc",
        "libs/engine/tsconfig.json",
        "libs/engine/svelte.config.js",
    ):
        assert files.search(path), path
    unrelated = ("README.md", "my-ownership.toml", "notes.txt", "db.sqlite", "sql/README", "package.json", "x.d.log")
    for path in unrelated:
        assert not files.search(path), path


def test_this_repositorys_pre_commit_config_is_local_only() -> None:
    config_path = REPO / ".pre-commit-config.yaml"
    done = subprocess.run([str(PRE_COMMIT), "validate-config", str(config_path)], capture_output=True, text=True)
    assert done.returncode == 0, output(done)
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    assert all(repo["repo"] == "local" for repo in config["repos"])  # nothing to clone
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert {"grove-schema", "ruff", "mypy"} <= set(hooks)
    assert hooks["grove-schema"]["entry"] == "grove-schema check"
    assert re.search(str(hooks["grove-schema"]["files"]), "examples/grove/libs/engine/migrations/001_core_tenants.sql")
    assert hooks["ruff"]["entry"].startswith("ruff check")
    assert hooks["mypy"]["entry"] == "mypy"


def test_this_repositorys_pre_commit_config_passes_on_the_bundled_example(tmp_path: Path) -> None:
    """`pre-commit run grove-schema --all-files` on a copy of the repository's example and map."""
    home = tmp_path / "home"
    home.mkdir()
    copy = Repo(tmp_path / "copy", isolated_env(home))
    copy.root.mkdir()
    shutil.copytree(REPO / "examples", copy.root / "examples")
    for name in ("ownership.toml", ".pre-commit-config.yaml"):
        shutil.copy2(REPO / name, copy.root / name)
    copy.git("-c", "init.defaultBranch=main", "init", "-q")
    copy.git("add", "-A")
    done = subprocess.run(
        [str(PRE_COMMIT), "run", "grove-schema", "--all-files"],
        cwd=copy.root,
        env=copy.env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, output(done)
    assert re.search(r"grove-schema.*Passed", done.stdout), done.stdout


# --- pre-commit ---------------------------------------------------------------------------------


def pre_commit_config() -> str:
    """The manifest's hook as a `repo: local` hook: same files, same options, run from this venv."""
    hook = manifest_hook()
    local = {
        "id": hook["id"],
        "name": hook["name"],
        "entry": f"{GROVE_SCHEMA} check",
        "language": "system",
        "files": hook["files"],
        "pass_filenames": hook["pass_filenames"],
        "require_serial": hook["require_serial"],
    }
    return str(yaml.safe_dump({"repos": [{"repo": "local", "hooks": [local]}]}, sort_keys=False))


@pytest.fixture
def pre_commit_repo(repo: Repo) -> Repo:
    repo.write(".pre-commit-config.yaml", pre_commit_config())
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "pre-commit")
    done = subprocess.run(
        [str(PRE_COMMIT), "install"], cwd=repo.root, env=repo.env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, output(done)
    assert (repo.root / ".git" / "hooks" / "pre-commit").is_file()
    return repo


def test_pre_commit_refuses_a_bad_migration_and_accepts_a_good_one(pre_commit_repo: Repo) -> None:
    repo = pre_commit_repo
    before = repo.commits()
    repo.stage_migration("002_flags.sql", BAD, "003")
    refused = repo.commit("flags")
    assert refused.returncode != 0
    shown = output(refused)
    assert "grove-schema (D1 migrations)" in shown and "Failed" in shown
    assert (
        f"libs/engine/migrations/002_flags.sql:1:13: error {SQLITE_ERROR.code} sqlite-error: "
        f"SQLite refuses this statement: {BAD_SHOWN}" in shown
    )
    assert repo.commits() == before

    repo.write(MIGRATIONS / "002_flags.sql", GOOD)
    repo.git("add", "-A")
    accepted = repo.commit("flags")
    assert accepted.returncode == 0, output(accepted)
    assert re.search(r"grove-schema \(D1 migrations\)\.+Passed", output(accepted)), output(accepted)
    assert repo.commits() == before + 1


def test_pre_commit_refuses_add_column_not_null_without_default(pre_commit_repo: Repo) -> None:
    repo = pre_commit_repo
    repo.stage_migration("002_flags.sql", "ALTER TABLE tenants ADD COLUMN flag INTEGER NOT NULL;\n", "003")
    refused = repo.commit("flags")
    assert refused.returncode != 0
    assert re.search(r"002_flags\.sql:1:\d+: error GS\d+ [a-z-]+: .*NOT NULL", output(refused)), output(refused)


def test_pre_commit_skips_the_hook_when_no_migration_is_staged(pre_commit_repo: Repo) -> None:
    repo = pre_commit_repo
    repo.write(MIGRATIONS / "002_flags.sql", BAD)  # in the working tree, not staged
    repo.write("README.md", "# changed\n")
    repo.git("add", "README.md")
    done = repo.commit("docs")
    assert done.returncode == 0, output(done)
    assert re.search(r"grove-schema \(D1 migrations\)\.+\(no files to check\)Skipped", output(done)), output(done)


# --- hooks/pre-commit with core.hooksPath -------------------------------------------------------


@pytest.fixture
def hooks_path_repo(repo: Repo) -> Repo:
    """Grove's layout: the hook lives in .githooks/, committed, and core.hooksPath points there."""
    target = repo.root / ".githooks" / "pre-commit"
    target.parent.mkdir()
    shutil.copy2(HOOK_SCRIPT, target)
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "hooks")
    repo.git("config", "core.hooksPath", ".githooks")
    return repo


def test_hook_script_is_an_executable_posix_script() -> None:
    assert os.access(HOOK_SCRIPT, os.X_OK)
    assert HOOK_SCRIPT.read_text(encoding="utf-8").startswith("#!/bin/sh\n")
    assert subprocess.run(["sh", "-n", str(HOOK_SCRIPT)], capture_output=True).returncode == 0
    # The same files as the pre-commit hook.
    assert f"pattern='{manifest_hook()['files']}'" in HOOK_SCRIPT.read_text(encoding="utf-8")


def test_git_hook_refuses_a_bad_migration_and_accepts_a_good_one(hooks_path_repo: Repo) -> None:
    repo = hooks_path_repo
    before = repo.commits()
    repo.stage_migration("002_flags.sql", BAD, "003")
    refused = repo.commit("flags")
    assert refused.returncode != 0
    shown = output(refused)
    # Paths read as repository paths, not the private export's.
    assert (
        f"libs/engine/migrations/002_flags.sql:1:13: error {SQLITE_ERROR.code} sqlite-error: "
        f"SQLite refuses this statement: {BAD_SHOWN}" in shown
    )
    assert "grove-schema/staged" not in shown
    assert "fix them and `git add` the files" in shown
    assert repo.commits() == before

    repo.write(MIGRATIONS / "002_flags.sql", GOOD)
    repo.git("add", "-A")
    accepted = repo.commit("flags")
    assert accepted.returncode == 0, output(accepted)
    assert repo.commits() == before + 1
    assert not (repo.root / ".git" / "grove-schema" / "staged").exists()  # the export is removed
    assert (repo.root / ".git" / "grove-schema" / "cache" / "report").is_dir()  # the cache stays, in .git


def test_git_hook_checks_the_staged_content_not_the_working_tree(hooks_path_repo: Repo) -> None:
    repo = hooks_path_repo
    before = repo.commits()
    # Staged bad, fixed in the working tree only: the commit would record the bad file.
    repo.stage_migration("002_flags.sql", BAD, "003")
    repo.write(MIGRATIONS / "002_flags.sql", GOOD)
    refused = repo.commit("flags")
    assert refused.returncode != 0
    assert BAD_SHOWN in output(refused)
    assert (repo.root / MIGRATIONS / "002_flags.sql").read_text() == GOOD  # the working tree is untouched

    # The reverse: staged good, broken in the working tree only (and an untracked bad file too).
    repo.git("add", "-A")
    repo.write(MIGRATIONS / "002_flags.sql", BAD)
    repo.write(MIGRATIONS / "003_untracked.sql", BAD)
    accepted = repo.commit("flags")
    assert accepted.returncode == 0, output(accepted)
    assert repo.commits() == before + 1
    assert repo.git("show", "HEAD:libs/engine/migrations/002_flags.sql").stdout == GOOD


def test_git_hook_checks_what_commit_dash_a_records(hooks_path_repo: Repo) -> None:
    """`git commit -a` stages through a temporary index (GIT_INDEX_FILE): the hook reads that one."""
    repo = hooks_path_repo
    repo.stage_migration("002_flags.sql", GOOD, "003")
    assert repo.commit("flags").returncode == 0
    repo.write(MIGRATIONS / "002_flags.sql", BAD)  # a tracked file edited, not staged
    refused = repo.git("commit", "-a", "-m", "break it", check=False)
    assert refused.returncode != 0 and BAD_SHOWN in output(refused)


def test_git_hook_does_nothing_when_no_migration_file_is_staged(hooks_path_repo: Repo, tmp_path: Path) -> None:
    repo = hooks_path_repo
    repo.write(MIGRATIONS / "002_flags.sql", BAD)  # untracked, bad
    repo.write("README.md", "# changed\n")
    repo.git("add", "README.md")
    # grove-schema must not even start: a command that fails if it does.
    env = {**repo.env, "GROVE_SCHEMA": "false"}
    started = time.perf_counter()
    done = repo.commit("docs", env=env)
    assert done.returncode == 0, output(done)
    assert time.perf_counter() - started < 5


def test_git_hook_reports_a_deleted_locked_migration(hooks_path_repo: Repo) -> None:
    repo = hooks_path_repo
    locked = subprocess.run(
        [str(GROVE_SCHEMA), "lock"], cwd=repo.root, env=repo.env, capture_output=True, text=True, timeout=120
    )
    assert locked.returncode == 0, output(locked)
    repo.git("add", "-A")
    assert repo.commit("lock").returncode == 0
    repo.git("rm", "-q", str(MIGRATIONS / "001_tenants.sql"))
    refused = repo.commit("drop the first migration")
    assert refused.returncode != 0
    assert f"error {MISSING_MIGRATION.code} missing-migration: 001_tenants.sql is locked" in output(refused)


def test_git_hook_says_clearly_when_grove_schema_cannot_be_found(hooks_path_repo: Repo, tmp_path: Path) -> None:
    repo = hooks_path_repo
    repo.stage_migration("002_flags.sql", GOOD, "003")
    # Only the system's tools: no grove-schema, and no python with grove_schema in it.
    bare = tmp_path / "bare-bin"
    bare.mkdir()
    for tool in ("git", "sh", "grep", "rm", "mkdir", "dirname", "cat", "env"):
        found = shutil.which(tool)
        if found:
            (bare / tool).symlink_to(found)
    env = {**repo.env, "PATH": str(bare)}
    env.pop("GROVE_SCHEMA", None)
    refused = repo.commit("flags", env=env)
    assert refused.returncode != 0
    assert "cannot find grove-schema" in refused.stderr and "--no-verify" in refused.stderr


def test_git_hook_falls_back_to_python_dash_m(hooks_path_repo: Repo, tmp_path: Path) -> None:
    repo = hooks_path_repo
    repo.stage_migration("002_flags.sql", BAD, "003")
    bin_dir = tmp_path / "python-only"
    bin_dir.mkdir()
    python = bin_dir / "python3"  # the venv's python (a wrapper: a symlink would lose the venv)
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    env = {**repo.env, "PATH": f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin"}
    refused = repo.commit("flags", env=env)
    assert refused.returncode != 0
    assert BAD_SHOWN in output(refused)


# --- hook mode: what `check PATHS` reports --------------------------------------------------------


def _finding(rule: object, path: str | None) -> Finding:
    from grove_schema.findings import RuleInfo

    assert isinstance(rule, RuleInfo)
    return make_finding(rule, "m", Location(path, 1, 1) if path is not None else None)


def test_filter_to_paths_keeps_repository_level_findings(tmp_path: Path) -> None:
    from grove_schema.config import load_config

    (tmp_path / "ownership.toml").write_text(CONFIG)
    (tmp_path / MIGRATIONS).mkdir(parents=True)
    config = load_config(tmp_path / "ownership.toml")
    directory = tmp_path / MIGRATIONS
    passed = directory / "002_new.sql"
    findings = [
        _finding(SQLITE_ERROR, str(passed)),  # in the file passed
        _finding(SQLITE_ERROR, str(directory / "001_old.sql")),  # in another file: left out
        _finding(PARSE_ERROR, str(directory / "001_old.sql")),  # left out
        _finding(DUPLICATE_NUMBER, str(directory / "001_old.sql")),  # numbering: kept wherever it is
        _finding(MISSING_MIGRATION, str(directory / "migrations.lock")),  # in the lock
        _finding(RESERVATION_MISMATCH, str(directory / "NEXT_MIGRATION_NUMBER.txt")),  # in the reservation
        _finding(PENDING_MOVE, str(tmp_path / "ownership.toml")),  # in the map
        _finding(PENDING_MOVE, None),  # no location
    ]
    kept = filter_to_paths(findings, [passed], config)
    assert kept == [findings[0], *findings[3:]]
    # Without the configuration, files are not known to be repository-level; the codes still are.
    assert filter_to_paths(findings, [passed]) == [findings[0], findings[3], findings[4], findings[5], findings[7]]


def test_check_paths_reports_a_collision_located_in_another_file(  # type: ignore[no-untyped-def]
    run_cli, make_project, monkeypatch
) -> None:
    monkeypatch.setenv("GROVE_SCHEMA_CACHE_DIR", str(make_project({}).parent / "cache"))
    root = make_project(
        {"001_a.sql": "CREATE TABLE a (id INTEGER PRIMARY KEY);\n", "001_b.sql": "CREATE TABLE b (id INTEGER);\n"}
    )
    result = run_cli("check", str(MIGRATIONS / "001_b.sql"), cwd=root)
    assert result.code == 1
    collisions = [line for line in result.out.splitlines() if "duplicate-number" in line]
    assert [line.split(":")[0] for line in collisions] == [str(MIGRATIONS / "001_a.sql"), str(MIGRATIONS / "001_b.sql")]


# --- the cache ----------------------------------------------------------------------------------


def _json_check(run_cli: Callable[..., CliResult], root: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = run_cli("--config", str(REPO / "ownership.toml"), "--root", str(root), "check", "--format", "json", *args)
    assert result.code in (0, 1), result.err
    return result.code, json.loads(result.out)


def test_cached_and_uncached_runs_give_identical_findings_on_the_corpus(  # type: ignore[no-untyped-def]
    run_cli, corpus_root, tmp_path, monkeypatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("GROVE_SCHEMA_CACHE_DIR", str(cache))
    migrations = corpus_root / MIGRATIONS
    new = migrations / f"{len(list(migrations.glob('*.sql'))) + 1:03d}_hook_probe.sql"
    new.write_text("CREATE TABLE hook_probe (id INTEGER PRIMARY KEY, tenant_id TEXT NOT NULL);\n")

    def both(*paths: str) -> dict[str, Any]:
        uncached = _json_check(run_cli, corpus_root, "--no-cache", *paths)
        first = _json_check(run_cli, corpus_root, "--cache", *paths)  # stores (or resumes a prefix)
        second = _json_check(run_cli, corpus_root, "--cache", *paths)  # a report hit
        assert first == uncached and second == uncached
        return uncached[1]

    whole = both()
    assert both(str(new)) != whole  # hook mode reports less
    assert sorted(p.name for p in (cache / "report").iterdir()) and len(list((cache / "replay").iterdir())) == 2
    # The new migration edited: the report misses, the replay resumes before the last file.
    new.write_text(new.read_text() + "ALTER TABLE hook_probe ADD COLUMN flag INTEGER NOT NULL;\n")
    edited = both(str(new))
    assert any(f["path"] == str(new) and f["severity"] == "error" for f in edited["findings"])
    # An earlier migration edited: no prefix matches past it, and the result follows the edit.
    first = sorted(migrations.glob("*.sql"))[0]
    first.write_text(first.read_text() + "\nALTER TABLE nowhere ADD COLUMN x TEXT;\n")
    changed = both()
    assert "no such table: nowhere" in json.dumps(changed)


def test_cache_follows_every_input_of_the_check(  # type: ignore[no-untyped-def]
    run_cli, make_project, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("GROVE_SCHEMA_CACHE_DIR", str(tmp_path / "cache"))
    root = make_project({"001_a.sql": TENANTS, "NEXT_MIGRATION_NUMBER.txt": "002\n"}, config=CONFIG)
    migrations = root / MIGRATIONS

    def check(*args: str) -> CliResult:
        cached: CliResult = run_cli("check", "--cache", *args, cwd=root)
        uncached = run_cli("check", "--no-cache", *args, cwd=root)
        assert (cached.code, cached.out) == (uncached.code, uncached.out)
        return cached

    assert check().code == 0
    (migrations / "NEXT_MIGRATION_NUMBER.txt").write_text("007\n")  # the reservation
    assert "reservation-mismatch" in check().out
    (migrations / "NEXT_MIGRATION_NUMBER.txt").write_text("002\n")
    assert check().code == 0
    (migrations / "sub").mkdir()  # a stray .sql file in a sub-folder (a filename warning)
    (migrations / "sub" / "002_x.sql").write_text("SELECT 1;\n")
    assert "filename" in check().out
    shutil.rmtree(migrations / "sub")
    assert run_cli("lock", cwd=root).code == 0  # the lock
    assert check().code == 0
    (migrations / "001_a.sql").write_text(TENANTS + "-- edited\n")
    assert "edited-migration" in check().out
    (migrations / "001_a.sql").write_text(TENANTS)
    (root / "ownership.toml").write_text(CONFIG + '\n[rules]\nignore = ["GS306"]\n')  # the map
    assert check().code == 0
    assert check("--history").code == 0  # options are part of the key
    assert check(str(MIGRATIONS / "001_a.sql")).code == 0


def test_a_damaged_cache_entry_is_a_miss(run_cli, make_project, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    cache = tmp_path / "cache"
    monkeypatch.setenv("GROVE_SCHEMA_CACHE_DIR", str(cache))
    root = make_project({"001_a.sql": TENANTS, "002_b.sql": BAD})
    expected = run_cli("check", "--no-cache", cwd=root)
    assert expected.code == 1
    run_cli("check", "--cache", cwd=root)
    for entry in (*(cache / "report").iterdir(), *(cache / "replay").iterdir()):
        entry.write_bytes(b"\x80garbage")
    again = run_cli("check", "--cache", cwd=root)
    assert (again.code, again.out) == (expected.code, expected.out)


def test_the_cache_lives_in_the_git_directory_by_default(  # type: ignore[no-untyped-def]
    run_cli, make_project, monkeypatch
) -> None:
    monkeypatch.delenv("GROVE_SCHEMA_CACHE_DIR", raising=False)
    root = make_project({"001_a.sql": TENANTS})
    path = str(MIGRATIONS / "001_a.sql")
    # Outside a git repository a hook-mode check caches nothing (and writes nothing).
    assert run_cli("check", path, cwd=root).code == 0
    assert sorted(p.name for p in root.iterdir()) == ["libs", "ownership.toml"]
    (root / ".git").mkdir()  # a bare folder named .git is no repository to git: still no cache
    assert run_cli("check", path, cwd=root).code == 0
    assert sorted(p.name for p in (root / ".git").iterdir()) == []
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    assert run_cli("check", path, cwd=root).code == 0
    cache = root / ".git" / "grove-schema" / "cache"
    assert (cache / "CACHEDIR.TAG").is_file() and len(list((cache / "report").iterdir())) == 1
    # Without PATHS (a full check, as in CI) the cache is off unless asked for.
    assert run_cli("check", cwd=root).code == 0
    assert len(list((cache / "report").iterdir())) == 1


def test_no_snapshot_covers_a_file_that_may_set_connection_state(  # type: ignore[no-untyped-def]
    run_cli, make_project, tmp_path, monkeypatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("GROVE_SCHEMA_CACHE_DIR", str(cache))
    root = make_project({"001_a.sql": TENANTS, "002_b.sql": "PRAGMA defer_foreign_keys = on;\n", "003_c.sql": GOOD})
    expected = run_cli("check", "--no-cache", cwd=root)
    assert run_cli("check", "--cache", cwd=root).out == expected.out
    assert not (cache / "replay").exists()  # 002 comes before the last file: nothing may be kept
    assert run_cli("check", "--cache", cwd=root).out == expected.out  # the report still is


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github", "gcc"])
def test_every_output_format_is_the_same_from_the_cache(  # type: ignore[no-untyped-def]
    run_cli, make_project, tmp_path, monkeypatch, output_format
) -> None:
    monkeypatch.setenv("GROVE_SCHEMA_CACHE_DIR", str(tmp_path / "cache"))
    root = make_project({"001_a.sql": TENANTS, "002_b.sql": BAD + GOOD})
    args = ("check", "--format", output_format, str(MIGRATIONS / "002_b.sql"))
    expected = run_cli(*args, "--no-cache", cwd=root)
    assert expected.code == 1
    for _ in range(2):  # stored, then answered from the cache
        cached = run_cli(*args, cwd=root)
        assert (cached.code, cached.out) == (expected.code, expected.out)
    assert len(list((tmp_path / "cache" / "report").iterdir())) == 1


def test_sarif_from_the_cache_in_a_fresh_process(make_project, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A hit decodes findings before any lint rule module is imported: the SARIF must not change."""
    root = make_project({"001_a.sql": TENANTS, "002_b.sql": "ALTER TABLE tenants ADD COLUMN flag INTEGER NOT NULL;\n"})
    env = {**os.environ, "GROVE_SCHEMA_CACHE_DIR": str(tmp_path / "cache"), "NO_COLOR": "1"}
    command = [str(GROVE_SCHEMA), "check", "--format", "sarif", str(MIGRATIONS / "002_b.sql")]

    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*command, *extra], cwd=root, env=env, capture_output=True, text=True, timeout=120)

    expected = run("--no-cache")
    assert expected.returncode == 1, expected.stderr
    assert [run().stdout for _ in range(2)] == [expected.stdout, expected.stdout]
