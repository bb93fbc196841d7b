"""`grove-schema status` (each migration against the lock) and `grove-schema init` (a map from the
wrangler configs)."""

from __future__ import annotations

import shutil
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from grove_schema.commands.init import database_keys
from grove_schema.discovery import discover_stream
from grove_schema.locking import Lock, LockEntry, MigrationState, migration_statuses, sha256_of

from .conftest import REPO, CliResult

RunCli = Callable[..., CliResult]
MakeProject = Callable[..., Path]
A = "CREATE TABLE a (id INTEGER PRIMARY KEY);\n"
B = "CREATE TABLE b (id INTEGER PRIMARY KEY);\n"
C = "CREATE TABLE c (id INTEGER PRIMARY KEY);\n"


# -- status -------------------------------------------------------------------------------------------


def test_status_without_a_lock_lists_every_file_as_pending(run_cli: RunCli, make_project: MakeProject) -> None:
    root = make_project({"10_c.sql": C, "9_b.sql": B, "0001_a.sql": A})
    result = run_cli("status", cwd=root)
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "grove-engine-db (engine): libs/engine/migrations: 3 pending",
        "  no migrations.lock: nothing is recorded as applied; run `grove-schema lock` once a release is applied "
        "in production",
        "  pending  0001_a.sql",
        "  pending  9_b.sql",
        "  pending  10_c.sql",
    ]


def test_status_tells_applied_pending_edited_and_missing_in_wrangler_order(
    run_cli: RunCli, make_project: MakeProject
) -> None:
    root = make_project({"0001_a.sql": A, "0002_b.sql": B, "0003_c.sql": C})
    assert run_cli("lock", cwd=root).code == 0
    migrations = root / "libs/engine/migrations"
    (migrations / "0002_b.sql").unlink()
    (migrations / "0003_c.sql").write_text(C + "CREATE INDEX c_id ON c (id);\n")
    (migrations / "0004_d.sql").write_text("SELECT 1;\n")
    result = run_cli("status", cwd=root)
    assert result.code == 1
    assert result.out.splitlines() == [
        "grove-engine-db (engine): libs/engine/migrations: 1 applied, 1 pending, 1 edited, 1 missing",
        "  applied  0001_a.sql",
        "  missing  0002_b.sql",
        "  edited   0003_c.sql",
        "  pending  0004_d.sql",
    ]
    assert "a locked migration was edited or is missing" in result.err


def test_status_after_lock_is_all_applied_and_exits_0(run_cli: RunCli, make_project: MakeProject) -> None:
    root = make_project({"0001_a.sql": A, "0002_b.sql": B})
    run_cli("lock", cwd=root)
    result = run_cli("status", "--database", "engine", cwd=root)
    assert result.code == 0 and result.out.splitlines()[0].endswith(": 2 applied")


def test_status_folds_runs_of_applied_migrations_and_all_lists_each(run_cli: RunCli, make_project: MakeProject) -> None:
    files = {f"{n:04d}_t{n}.sql": f"CREATE TABLE t{n} (id INTEGER PRIMARY KEY);\n" for n in range(1, 88)}
    root = make_project(files)
    assert run_cli("lock", cwd=root).code == 0
    migrations = root / "libs/engine/migrations"
    (migrations / "0040_t40.sql").write_text("CREATE TABLE t40 (id INTEGER PRIMARY KEY, x TEXT);\n")
    (migrations / "0088_t88.sql").write_text("SELECT 1;\n")
    heading = "grove-engine-db (engine): libs/engine/migrations: 86 applied, 1 pending, 1 edited"

    compact = run_cli("status", cwd=root)
    assert compact.code == 1
    # The applied history is two lines, in wrangler's order around the edited one; the rest in full.
    assert compact.out.splitlines() == [
        heading,
        "  applied  0001_t1.sql .. 0039_t39.sql (39 migrations)",
        "  edited   0040_t40.sql",
        "  applied  0041_t41.sql .. 0087_t87.sql (47 migrations)",
        "  pending  0088_t88.sql",
    ]

    every = run_cli("status", "--all", cwd=root)
    assert every.code == 1
    lines = every.out.splitlines()
    assert lines[0] == heading and len(lines) == 1 + 88
    assert lines[1] == "  applied  0001_t1.sql" and lines[40] == "  edited   0040_t40.sql"
    assert lines[-1] == "  pending  0088_t88.sql"
    assert run_cli("status", "-a", cwd=root).out == every.out


def test_status_lists_a_short_run_of_applied_migrations_as_they_are(run_cli: RunCli, make_project: MakeProject) -> None:
    root = make_project({"0001_a.sql": A, "0002_b.sql": B})
    run_cli("lock", cwd=root)
    (root / "libs/engine/migrations/0003_c.sql").write_text(C)
    assert run_cli("status", cwd=root).out.splitlines()[1:] == [
        "  applied  0001_a.sql",
        "  applied  0002_b.sql",
        "  pending  0003_c.sql",
    ]


def test_status_names_a_database_not_created_yet_and_refuses_an_unknown_one(run_cli: RunCli) -> None:
    result = run_cli("status", cwd=REPO)
    assert result.code == 0
    assert "grove-curios-db (curios): examples/grove/libs/engine/migrations/curios: no migrations directory yet" in (
        result.out
    )
    assert "did you mean 'engine'?" in run_cli("status", "--database", "engin", cwd=REPO).err


def test_a_missing_first_file_comes_first(tmp_path: Path) -> None:
    (tmp_path / "0002_b.sql").write_text(B)
    files = discover_stream(tmp_path)
    lock = Lock(
        str(tmp_path / "migrations.lock"),
        (LockEntry(1, "0001_a.sql", sha256_of(A.encode()), 2), LockEntry(2, "0002_b.sql", sha256_of(B.encode()), 3)),
    )
    statuses = migration_statuses(files, {"0002_b.sql": sha256_of(B.encode())}, lock)
    assert [(s.name, s.state) for s in statuses] == [
        ("0001_a.sql", MigrationState.MISSING),
        ("0002_b.sql", MigrationState.APPLIED),
    ]
    assert statuses[0].path is None


# -- init ---------------------------------------------------------------------------------------------


def _example_without_map(tmp_path: Path) -> Path:
    root = tmp_path / "grove"
    shutil.copytree(REPO / "examples" / "grove", root)
    return root


def test_init_writes_a_map_from_the_wrangler_configs(run_cli: RunCli, tmp_path: Path) -> None:
    root = _example_without_map(tmp_path)
    result = run_cli("init", cwd=root)
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "found 3 wrangler configs, 1 D1 database with migrations:",
        "  engine: grove-engine-db, binding DB, libs/engine/migrations (66 tables), from libs/engine/wrangler.toml "
        "(default: the most tables)",
        "  not written: grove-observability-db (binding OBS_DB) has no migrations_dir; add it by hand with the "
        "stream it will have",
        "code roots: libs, workers",
        "wrote ownership.toml: review the map (docs/configuration.md), then run grove-schema check",
    ]
    data = tomllib.loads((root / "ownership.toml").read_text())
    assert data["project"] == {"root": ".", "default_database": "engine"}
    assert data["databases"] == {
        "engine": {
            "name": "grove-engine-db",
            "binding": "DB",
            "migrations": "libs/engine/migrations",
            "reservation": "libs/engine/migrations/NEXT_MIGRATION_NUMBER.txt",
        }
    }
    assert data["code"] == {"roots": ["libs", "workers"]}
    check = run_cli("check", cwd=root)
    assert check.code in (0, 1) and "35 files" in check.out  # the map loads and the stream replays


def test_init_refuses_to_overwrite(run_cli: RunCli, tmp_path: Path) -> None:
    root = _example_without_map(tmp_path)
    (root / "ownership.toml").write_text("# mine\n")
    result = run_cli("init", str(root), cwd=tmp_path)
    assert result.code == 2 and "already exists: init never overwrites" in result.err
    assert (root / "ownership.toml").read_text() == "# mine\n"


def test_init_without_a_database_with_migrations_is_a_usage_error(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "wrangler.toml").write_text('[[d1_databases]]\nbinding = "DB"\ndatabase_name = "x"\n')
    result = run_cli("init", cwd=tmp_path)
    assert result.code == 2 and "declares a [[d1_databases]] entry with a migrations_dir" in result.err
    assert not (tmp_path / "ownership.toml").exists()


def test_init_takes_every_database_and_the_biggest_as_default(run_cli: RunCli, tmp_path: Path) -> None:
    app = tmp_path / "apps" / "web"
    worker = tmp_path / "workers" / "stats"
    for folder in (app / "migrations", worker / "db", tmp_path / "node_modules" / "x" / "migrations"):
        folder.mkdir(parents=True)
    (app / "migrations" / "0001_a.sql").write_text(A)
    (worker / "db" / "0001_b.sql").write_text(B + C)
    (app / "wrangler.toml").write_text(
        '[[d1_databases]]\nbinding = "DB"\ndatabase_name = "acme-web-db"\nmigrations_dir = "migrations"\n'
        '[[env.staging.d1_databases]]\nbinding = "DB"\ndatabase_name = "acme-web-staging"\n'
        'migrations_dir = "migrations"\n'
    )
    (worker / "wrangler.jsonc").write_text(
        '{ // the stats worker\n "d1_databases": [{"binding": "STATS", "database_name": "acme-stats-db",'
        ' "migrations_dir": "db"},],\n}\n'
    )
    (tmp_path / "node_modules" / "x" / "wrangler.toml").write_text(
        '[[d1_databases]]\nbinding = "NO"\ndatabase_name = "vendored"\nmigrations_dir = "migrations"\n'
    )
    result = run_cli("init", cwd=tmp_path)
    assert result.code == 0, result.err
    data = tomllib.loads((tmp_path / "ownership.toml").read_text())
    assert data["project"]["default_database"] == "stats"
    assert data["databases"] == {
        "web": {"name": "acme-web-db", "binding": "DB", "migrations": "apps/web/migrations"},
        "stats": {"name": "acme-stats-db", "binding": "STATS", "migrations": "workers/stats/db"},
    }
    assert data["code"] == {"roots": ["apps", "workers"]}
    assert "stats: acme-stats-db, binding STATS, workers/stats/db (2 tables)" in result.out


def test_init_reports_a_malformed_wrangler_config_and_goes_on(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "migrations").mkdir()
    (tmp_path / "wrangler.toml").write_text(
        '[[d1_databases]]\nbinding = "DB"\ndatabase_name = "one"\nmigrations_dir = "migrations"\n'
    )
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "wrangler.toml").write_text("[[d1_databases]\n")
    result = run_cli("init", cwd=tmp_path)
    assert result.code == 0, result.err
    assert "broken/wrangler.toml:1: malformed wrangler config" in result.err and "(skipped)" in result.err
    assert tomllib.loads((tmp_path / "ownership.toml").read_text())["databases"]["one"]["migrations"] == "migrations"


@pytest.mark.parametrize(
    ("names", "keys"),
    [
        (["grove-engine-db", "grove-curios-db"], ["engine", "curios"]),
        (["grove-engine-db"], ["grove_engine"]),
        (["Main_DB", "Main_Archive_DB"], ["main", "main_archive"]),
        (["db"], ["db"]),
    ],
)
def test_database_keys_are_short_and_snake_case(names: list[str], keys: list[str]) -> None:
    assert list(database_keys(names).values()) == keys


def test_the_readme_shows_what_init_prints(run_cli: RunCli, tmp_path: Path) -> None:
    root = _example_without_map(tmp_path)
    result = run_cli("init", cwd=root)
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"$ grove-schema init\n{result.out}```" in readme


def test_init_takes_a_migrations_dir_not_created_yet(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "wrangler.toml").write_text(
        '[[d1_databases]]\nbinding = "DB"\ndatabase_name = "new-db"\nmigrations_dir = "migrations"\n'
    )
    result = run_cli("init", cwd=tmp_path)
    assert result.code == 0, result.err
    assert "  new: new-db, binding DB, migrations (no such directory yet), from wrangler.toml" in result.out
    assert tomllib.loads((tmp_path / "ownership.toml").read_text())["project"]["default_database"] == "new"


def test_init_in_a_folder_it_cannot_write_is_a_clear_error(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "migrations").mkdir()
    (tmp_path / "wrangler.toml").write_text(
        '[[d1_databases]]\nbinding = "DB"\ndatabase_name = "x"\nmigrations_dir = "migrations"\n'
    )

    def refuse(path: Path, data: str | bytes) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("grove_schema.files.write_atomically", refuse)
    result = run_cli("init", cwd=tmp_path)
    assert result.code == 2 and "cannot write" in result.err and "Permission denied" in result.err
    assert "internal error" not in result.err
