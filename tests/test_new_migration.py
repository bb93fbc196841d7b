"""`grove-schema new NAME`: the reserved number's file, the bumped reservation, and what it refuses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grove_schema.scaffold import normalise_name

from .conftest import MINIMAL_CONFIG

GOOD = "CREATE TABLE t{n} (id INTEGER PRIMARY KEY);\n"
RESERVED_CONFIG = MINIMAL_CONFIG + 'reservation = "libs/engine/migrations/NEXT_MIGRATION_NUMBER.txt"\n'
RESERVATION = "NEXT_MIGRATION_NUMBER.txt"
MIGRATIONS = Path("libs/engine/migrations")


def listing(root: Path) -> list[str]:
    return sorted(p.name for p in (root / MIGRATIONS).iterdir())


def test_new_takes_the_reserved_number_and_bumps_it(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project(
        {"001_a.sql": GOOD.format(n=1), "002_b.sql": GOOD.format(n=2), RESERVATION: "003\n"}, config=RESERVED_CONFIG
    )
    result = run_cli("new", "Add Tenant-Flags", cwd=root)
    assert result.code == 0, result.err
    assert result.out == "libs/engine/migrations/003_add_tenant_flags.sql\n"
    created = root / MIGRATIONS / "003_add_tenant_flags.sql"
    assert created.read_text().splitlines()[0] == "-- Migration 003: add_tenant_flags"
    assert created.read_text().splitlines()[1].startswith("-- Write the SQL below")
    reservation = (root / MIGRATIONS / RESERVATION).read_text()
    assert reservation.splitlines()[0] == "004" and "003_add_tenant_flags.sql" in reservation
    assert not [name for name in listing(root) if name.startswith(".")]  # no temporary file left behind
    created.write_text(created.read_text() + GOOD.format(n=3))
    check = run_cli("check", cwd=root)
    assert check.code == 0 and "0 errors, 0 warnings" in check.out


def test_new_keeps_the_reservation_width(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"0001_a.sql": GOOD.format(n=1), RESERVATION: "0002\n"}, config=RESERVED_CONFIG)
    assert run_cli("new", "b", cwd=root).out == "libs/engine/migrations/0002_b.sql\n"
    assert (root / MIGRATIONS / RESERVATION).read_text().startswith("0003\n")
    assert run_cli("new", "c", cwd=root).out == "libs/engine/migrations/0003_c.sql\n"


def test_new_without_a_reservation_uses_max_plus_one_and_the_usual_width(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD.format(n=1), "007_b.sql": GOOD.format(n=2)})
    assert run_cli("new", "c", cwd=root).out == "libs/engine/migrations/008_c.sql\n"
    assert RESERVATION not in listing(root)


def test_new_in_an_empty_stream_uses_wranglers_four_digits(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({})
    assert run_cli("new", "init", cwd=root).out == "libs/engine/migrations/0001_init.sql\n"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Add Tenant-Flags", "add_tenant_flags"),
        ("addTenantFlags", "add_tenant_flags"),
        ("  drop  shop (phase 1A) ", "drop_shop_phase_1a"),
        ("café_menu", "cafe_menu"),
        ("tenant's flags", "tenant_s_flags"),
        ("---", ""),
    ],
)
def test_names_are_normalised_to_snake_case(given: str, expected: str) -> None:
    assert normalise_name(given) == expected


def test_empty_name_is_refused(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD.format(n=1)})
    result = run_cli("new", " -- ", cwd=root)
    assert result.code == 2 and "has no letters or digits" in result.err
    assert listing(root) == ["001_a.sql"]


def test_missing_reservation_is_refused(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD.format(n=1)}, config=RESERVED_CONFIG)
    result = run_cli("new", "b", cwd=root)
    assert result.code == 2
    assert "NEXT_MIGRATION_NUMBER.txt does not exist: create it holding 002" in result.err
    assert listing(root) == ["001_a.sql"]


@pytest.mark.parametrize("held", ["001\n", "005\n", "<<<<<<< HEAD\n"])
def test_reservation_out_of_sync_is_refused(run_cli, make_project, held: str) -> None:  # type: ignore[no-untyped-def]
    files = {"001_a.sql": GOOD.format(n=1), "002_b.sql": GOOD.format(n=2), RESERVATION: held}
    root = make_project(files, config=RESERVED_CONFIG)
    result = run_cli("new", "c", cwd=root)
    assert result.code == 2 and "it should hold 003" in result.err, result.err
    assert listing(root) == ["001_a.sql", "002_b.sql", RESERVATION]
    assert (root / MIGRATIONS / RESERVATION).read_text() == held


def test_existing_target_is_refused(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD.format(n=1), RESERVATION: "002\n"}, config=RESERVED_CONFIG)
    (root / MIGRATIONS / "002_b.sql").mkdir()  # not a migration (wrangler skips folders), but the name is taken
    result = run_cli("new", "b", cwd=root)
    assert result.code == 2 and "002_b.sql already exists" in result.err
    assert (root / MIGRATIONS / RESERVATION).read_text() == "002\n"


def test_failed_bump_removes_the_new_file(run_cli, make_project, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from grove_schema import project

    root = make_project({"001_a.sql": GOOD.format(n=1), RESERVATION: "002\n"}, config=RESERVED_CONFIG)
    original = project.write_atomically

    def failing(path: Path, text: str) -> None:
        if path.name == RESERVATION:
            raise PermissionError(13, "Permission denied", str(path))
        original(path, text)

    monkeypatch.setattr(project, "write_atomically", failing)
    result = run_cli("new", "b", cwd=root)
    assert result.code == 2
    assert listing(root) == ["001_a.sql", RESERVATION]


def test_new_picks_the_database(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    config = MINIMAL_CONFIG + '\n[databases.curios]\nname = "c"\nmigrations = "libs/engine/migrations/curios"\n'
    root = make_project({"001_a.sql": GOOD.format(n=1), "curios/001_gallery.sql": GOOD.format(n=2)}, config=config)
    assert run_cli("new", "x", cwd=root).out == "libs/engine/migrations/002_x.sql\n"
    assert run_cli("new", "y", "--database", "curios", cwd=root).out == "libs/engine/migrations/curios/002_y.sql\n"
    assert run_cli("new", "z", "--database", "nope", cwd=root).code == 2
    missing = MINIMAL_CONFIG + '\n[databases.pantry]\nname = "p"\nmigrations = "libs/pantry/migrations"\n'
    root = make_project({}, config=missing)
    result = run_cli("new", "z", "--database", "pantry", cwd=root)
    assert result.code == 2 and "does not exist" in result.err


def test_new_needs_a_database_when_there_is_no_default(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    config = (
        '[databases.a]\nname = "a"\nmigrations = "libs/engine/migrations"\n'
        '[databases.b]\nname = "b"\nmigrations = "libs/b"\n'
    )
    root = make_project({}, config=config)
    result = run_cli("new", "x", cwd=root)
    assert result.code == 2 and "pass --database KEY (configured: a, b)" in result.err


def test_new_respects_a_file_pattern(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    config = MINIMAL_CONFIG + "file_pattern = 'V(?P<number>\\d+)__.*\\.sql'\n"
    root = make_project({"V1__init.sql": GOOD.format(n=1)}, config=config)
    result = run_cli("new", "x", cwd=root)
    assert result.code == 2 and "would not match the database's file_pattern" in result.err


# --- one `new` at a time, and a `new` killed half-way ---------------------------------------------

_NEW_IN_A_PROCESS = """
import os, sys, time
from grove_schema.cli import main
start = float(sys.argv[2])
while time.time() < start:  # every process starts at the same instant
    pass
sys.exit(main(["--config", sys.argv[1], "new", "race"]))
"""


def test_new_in_several_processes_at_once_gives_each_its_own_number(make_project) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys
    import time

    root = make_project({"001_a.sql": GOOD.format(n=1), RESERVATION: "002\n"}, config=RESERVED_CONFIG)
    start = time.time() + 2.0
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _NEW_IN_A_PROCESS, str(root / "ownership.toml"), str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    outputs = [process.communicate(timeout=60) for process in processes]
    assert [process.returncode for process in processes] == [0] * 6, outputs
    created = sorted(out.strip().rsplit("/", 1)[-1] for out, _ in outputs)
    assert created == [f"{n:03d}_race.sql" for n in range(2, 8)]
    assert listing(root) == ["001_a.sql", *created, RESERVATION]
    assert (root / MIGRATIONS / RESERVATION).read_text().splitlines()[0] == "008"


def test_new_waits_for_the_lock_of_another_new(make_project, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import threading
    import time

    from grove_schema import project
    from grove_schema.config import load_config

    root = make_project({"001_a.sql": GOOD.format(n=1), RESERVATION: "002\n"}, config=RESERVED_CONFIG)
    config = load_config(root / "ownership.toml")
    original = project.plan_new_migration  # type: ignore[attr-defined]

    def slow_plan(*args, **kwargs):  # type: ignore[no-untyped-def]
        planned = original(*args, **kwargs)
        time.sleep(0.3)  # both would plan 002 without the lock
        return planned

    monkeypatch.setattr(project, "plan_new_migration", slow_plan)
    made: list[Path] = []
    threads = [
        threading.Thread(target=lambda n=n: made.append(project.create_migration(config, "engine", f"t{n}")))
        for n in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(path.name[:3] for path in made) == ["002", "003"]
    assert (root / MIGRATIONS / RESERVATION).read_text().splitlines()[0] == "004"


_KILLED_BEFORE_THE_BUMP = """
import os, sys
from grove_schema import project
from grove_schema.cli import main
real = project.write_atomically
def killed(path, text):
    if path.name == "NEXT_MIGRATION_NUMBER.txt":
        os._exit(137)  # killed between creating the migration and bumping the reservation
    real(path, text)
project.write_atomically = killed
sys.exit(main(["--config", sys.argv[1], "new", "first"]))
"""


def test_a_new_killed_between_its_two_steps_is_finished_by_the_next_one(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    root = make_project({"001_a.sql": GOOD.format(n=1), RESERVATION: "002\n"}, config=RESERVED_CONFIG)
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_BEFORE_THE_BUMP, str(root / "ownership.toml")], capture_output=True, text=True
    )
    assert killed.returncode == 137, killed.stderr
    assert (root / MIGRATIONS / "002_first.sql").is_file()
    assert (root / MIGRATIONS / RESERVATION).read_text() == "002\n"  # the state that `new` used to refuse
    result = run_cli("new", "second", cwd=root)
    assert result.code == 0, result.err
    assert result.err == (
        "grove-schema: an earlier new was interrupted after creating 002_first.sql: "
        "NEXT_MIGRATION_NUMBER.txt now holds 003\n"
    )
    assert result.out == "libs/engine/migrations/003_second.sql\n"
    assert listing(root) == ["001_a.sql", "002_first.sql", "003_second.sql", RESERVATION]
    assert (root / MIGRATIONS / RESERVATION).read_text().splitlines()[0] == "004"


def test_a_new_killed_before_creating_its_file_leaves_nothing_to_finish(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    from grove_schema.project import NEW_JOURNAL_NAME

    root = make_project({"001_a.sql": GOOD.format(n=1), RESERVATION: "002\n"}, config=RESERVED_CONFIG)
    journal = root / MIGRATIONS / NEW_JOURNAL_NAME
    reservation = (root / MIGRATIONS / RESERVATION).resolve()
    journal.write_text(json.dumps({"migration": "002_gone.sql", "reservation": str(reservation), "content": "003\n"}))
    result = run_cli("new", "b", cwd=root)
    assert result.code == 0 and result.err == ""
    assert result.out == "libs/engine/migrations/002_b.sql\n"
    assert not journal.exists()


def test_a_planted_journal_never_writes_outside_the_reservation(run_cli, make_project, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The journal lies in the migrations folder, which a pull request can bring: it may name only
    the database's own reservation file, never another path to write."""
    from grove_schema.project import NEW_JOURNAL_NAME

    root = make_project({"001_a.sql": GOOD.format(n=1), RESERVATION: "002\n"}, config=RESERVED_CONFIG)
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched\n")
    journal = root / MIGRATIONS / NEW_JOURNAL_NAME
    journal.write_text(json.dumps({"migration": "001_a.sql", "reservation": str(victim), "content": "pwned\n"}))
    result = run_cli("new", "b", cwd=root)
    assert result.code == 0
    assert victim.read_text() == "untouched\n"
    assert "names another reservation file" in result.err and not journal.exists()
    assert result.out == "libs/engine/migrations/002_b.sql\n"


def test_plan_reads_the_reservation_new_wrote_as_check_does(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    """`new` leaves a note under the number; `plan` reads the number alone, as `check` does."""
    root = make_project({"001_a.sql": GOOD.format(n=1), RESERVATION: "002\n"}, config=RESERVED_CONFIG)
    assert run_cli("new", "b", cwd=root).code == 0
    assert "# last: 002_b.sql" in (root / MIGRATIONS / RESERVATION).read_text()
    check = run_cli("check", "--format", "json", cwd=root)
    assert "GS303" not in check.out
    plan = run_cli("plan", "--format", "json", cwd=root)
    assert plan.code == 0, plan.err
    (engine,) = json.loads(plan.out)["reservations"]
    assert (engine["reserved"], engine["highest"], engine["state"]) == ("003", 2, "ok")
    text = run_cli("plan", cwd=root).out
    assert "engine: reserved 003, highest 002: ok" in text


def test_plan_says_when_the_reservation_is_not_a_number(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": GOOD.format(n=1), RESERVATION: "next\n"}, config=RESERVED_CONFIG)
    (engine,) = json.loads(run_cli("plan", "--format", "json", cwd=root).out)["reservations"]
    assert (engine["reserved"], engine["state"]) == ("next", "not a number")
