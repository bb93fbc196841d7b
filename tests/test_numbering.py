"""Numbering rules (GS301-GS306): each with a failing and a passing case, the bundled example and the corpus."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from grove_schema.discovery import MigrationFile
from grove_schema.numbering import (
    StreamFacts,
    check_numbering,
    parse_reservation,
    render_reservation,
    usual_width,
)

from .conftest import EXAMPLE_MIGRATIONS, MINIMAL_CONFIG, REPO

GOOD = "CREATE TABLE t{n} (id INTEGER PRIMARY KEY);\n"
RESERVED_CONFIG = MINIMAL_CONFIG + 'reservation = "libs/engine/migrations/NEXT_MIGRATION_NUMBER.txt"\n'
RESERVATION = "NEXT_MIGRATION_NUMBER.txt"


def sql(n: int) -> str:
    return GOOD.format(n=n)


def findings(run_cli, root: Path, *extra: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    result = run_cli("check", "--format", "json", *extra, cwd=root)
    assert result.code in (0, 1), result.err
    return list(json.loads(result.out)["findings"])


def named(items: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [item for item in items if item["name"] == name]


def numbering_only(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [item for item in items if item["code"].startswith("GS3")]


# duplicate-number (GS301) and config-grandfather-unused (GS302)


def test_two_files_with_one_number_are_an_error(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": sql(1), "002_b.sql": sql(2), "002_c.sql": sql(3)})
    result = run_cli("check", cwd=root)
    assert result.code == 1
    lines = [line for line in result.out.splitlines() if "GS301" in line]
    assert [line.split(":")[0] for line in lines] == [
        "libs/engine/migrations/002_b.sql",
        "libs/engine/migrations/002_c.sql",
    ]
    assert "error GS301 duplicate-number: number 002 is shared by 002_b.sql and 002_c.sql" in lines[0]


def test_distinct_numbers_are_clean(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": sql(1), "2_b.sql": sql(2), "0003-c.sql": sql(3)})
    assert numbering_only(findings(run_cli, root)) == []


def test_grandfathered_collisions_compare_as_integers(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    config = MINIMAL_CONFIG + 'grandfathered_collisions = ["2"]\n'
    root = make_project({"001_a.sql": sql(1), "002_b.sql": sql(2), "002_c.sql": sql(3)}, config=config)
    assert numbering_only(findings(run_cli, root)) == []


def test_grandfathering_a_number_with_no_collision_is_a_warning(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    config = MINIMAL_CONFIG + 'grandfathered_collisions = ["002", "007"]\n'
    root = make_project({"001_a.sql": sql(1), "002_b.sql": sql(2), "002_c.sql": sql(3)}, config=config)
    result = run_cli("check", cwd=root)
    assert result.code == 0
    warnings = [line for line in result.out.splitlines() if "GS302" in line]
    assert warnings == [
        "ownership.toml:9:1: warning GS302 config-grandfather-unused: grandfathered_collisions lists 007 but "
        "no file carries that number; fix: remove it from the list"
    ]


def test_collision_with_an_applied_file_points_at_the_new_one(make_project) -> None:  # type: ignore[no-untyped-def]
    from grove_schema.locking import Lock, LockEntry

    root = make_project({})
    directory = root / "libs" / "engine" / "migrations"
    files = [MigrationFile(directory / n, n, 5) for n in ("005_a.sql", "005_b.sql")]
    lock = Lock(str(directory / "migrations.lock"), (LockEntry(5, "005_a.sql", "sha256:" + "0" * 64, 2),))
    result = check_numbering(StreamFacts(directory, files, lock=lock))
    assert [(f.name, Path(f.location.path).name) for f in result if f.location] == [("duplicate-number", "005_b.sql")]
    assert "renumber the unapplied one" in result[0].message


# reservation-mismatch (GS303) and reservation-missing (GS304)


def test_reservation_holding_the_next_number_is_clean(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": sql(1), "002_b.sql": sql(2), RESERVATION: "003\n"}, config=RESERVED_CONFIG)
    assert numbering_only(findings(run_cli, root)) == []


def test_migration_added_without_the_bump(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project(
        {"001_a.sql": sql(1), "002_b.sql": sql(2), "003_x.sql": sql(3), RESERVATION: "003\n"}, config=RESERVED_CONFIG
    )
    result = run_cli("check", cwd=root)
    assert result.code == 1
    assert (
        "libs/engine/migrations/003_x.sql:1:1: error GS303 reservation-mismatch: NEXT_MIGRATION_NUMBER.txt holds "
        "003 but 003_x.sql already took that number; fix: bump it to 004 (`grove-schema new NAME` keeps the two in "
        "step)"
    ) in result.out.splitlines()


def test_migration_numbered_past_the_reservation(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": sql(1), "009_x.sql": sql(9), RESERVATION: "002\n"}, config=RESERVED_CONFIG)
    (finding,) = named(findings(run_cli, root), "reservation-mismatch")
    assert finding["path"] == "libs/engine/migrations/009_x.sql"
    assert finding["message"].startswith("009_x.sql is numbered above the reserved 002 (NEXT_MIGRATION_NUMBER.txt)")


def test_reservation_bumped_too_far(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": sql(1), RESERVATION: "0005\n"}, config=RESERVED_CONFIG)
    (finding,) = named(findings(run_cli, root), "reservation-mismatch")
    assert finding["path"] == f"libs/engine/migrations/{RESERVATION}"
    assert finding["message"] == (
        "NEXT_MIGRATION_NUMBER.txt holds 0005 but the highest migration number is 0001; fix: set it to 0002 (the "
        "highest number + 1)"
    )


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "is empty"),
        ("next\n", "holds 'next', not a number"),
        ("<<<<<<< HEAD\n004\n=======\n004\n>>>>>>> b\n", "has unresolved merge conflict markers"),
    ],
)
def test_reservation_that_is_not_a_number(run_cli, make_project, text: str, why: str) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": sql(1), RESERVATION: text}, config=RESERVED_CONFIG)
    (finding,) = named(findings(run_cli, root), "reservation-mismatch")
    assert finding["message"].startswith(f"NEXT_MIGRATION_NUMBER.txt {why}")
    assert finding["message"].endswith("; fix: set it to 002 (the highest number + 1)")


def test_configured_reservation_file_that_does_not_exist(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": sql(1)}, config=RESERVED_CONFIG)
    result = run_cli("check", cwd=root)
    assert result.code == 1
    assert (
        "ownership.toml:9:1: error GS304 reservation-missing: the reservation file NEXT_MIGRATION_NUMBER.txt "
        "does not exist, so nothing makes two branches that take the same number conflict; fix: create it holding "
        "002 (the highest number + 1), then create migrations with `grove-schema new NAME`"
    ) in result.out.splitlines()


def test_no_reservation_key_means_no_reservation_findings(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": sql(1), "007_b.sql": sql(2), RESERVATION: "042\n"})
    assert numbering_only(findings(run_cli, root)) == []


def test_reservation_notes_after_the_number_are_ignored() -> None:
    assert parse_reservation("086\n# last: 085_a.sql\n") is not None
    reserved = parse_reservation("\n  0086  \n")
    assert reserved is not None and (reserved.number, reserved.width) == (86, 4)
    assert parse_reservation(render_reservation(100, 3, "099_x.sql")) == parse_reservation("100")
    assert render_reservation(7, 3) == "007\n"


# out-of-order (GS305)


def lock_text(*lines: str) -> str:
    return "# lock\n" + "".join(f"{line} sha256:{'0' * 64}\n" for line in lines)


def test_new_file_below_the_highest_locked_number(make_project) -> None:  # type: ignore[no-untyped-def]
    from grove_schema.locking import parse_lock

    root = make_project({})
    directory = root / "libs" / "engine" / "migrations"
    names = ["001_a.sql", "002_late.sql", "003_c.sql", "004_new.sql"]
    files = [MigrationFile(directory / n, n, int(n[:3])) for n in names]
    lock = parse_lock(lock_text("001 001_a.sql", "003 003_c.sql"), str(directory / "migrations.lock"))
    result = check_numbering(StreamFacts(directory, files, lock=lock))
    assert [(f.name, Path(f.location.path).name) for f in result if f.location] == [("out-of-order", "002_late.sql")]
    assert "wrangler would apply it after the others, out of order" in result[0].message


def test_out_of_order_through_the_cli(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": sql(1), "003_c.sql": sql(3)})
    assert run_cli("lock", cwd=root).code == 0
    (root / "libs/engine/migrations/002_late.sql").write_text(sql(2))
    (root / "libs/engine/migrations/004_next.sql").write_text(sql(4))
    result = run_cli("check", cwd=root)
    assert result.code == 1
    flagged = [line.split(":")[0] for line in result.out.splitlines() if "GS305" in line]
    assert flagged == ["libs/engine/migrations/002_late.sql"]


def test_no_lock_no_out_of_order(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": sql(1), "003_c.sql": sql(3), "002_late.sql": sql(2)})
    assert named(findings(run_cli, root), "out-of-order") == []


# filename (GS306)


def test_file_names_wrangler_mishandles(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project(
        {
            "001_a.sql": sql(1),
            "002_tenant's_flags.sql": sql(2),
            "003_upper.SQL": sql(3),
            "seed.sql": sql(4),
            "old/004_moved.sql": sql(5),
        }
    )
    result = run_cli("check", cwd=root)
    assert result.code == 0  # warnings
    lines = [line for line in result.out.splitlines() if "GS306" in line]
    assert [line.split(":")[0] for line in lines] == [
        "libs/engine/migrations/002_tenant's_flags.sql",
        "libs/engine/migrations/003_upper.SQL",
        "libs/engine/migrations/old/004_moved.sql",
        "libs/engine/migrations/seed.sql",
    ]
    assert "broke wrangler's bookkeeping INSERT before 4.105" in lines[0]
    assert "rename it to 003_upper.sql" in lines[1]
    # The folders are named from the project root, not by their last part alone.
    assert "directly in libs/engine/migrations/, not in the sub-folder libs/engine/migrations/old/" in lines[2]
    assert "fix: move it up into libs/engine/migrations/" in lines[2]
    assert "seed.sql has no number" in lines[3]


def test_sub_folder_claimed_by_another_database_is_silent(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    config = MINIMAL_CONFIG + (
        '\n[databases.curios]\nname = "grove-curios-db"\nmigrations = "libs/engine/migrations/curios"\n'
    )
    root = make_project({"001_a.sql": sql(1), "curios/001_gallery.sql": sql(2)}, config=config)
    items = findings(run_cli, root)
    assert named(items, "filename") == []
    assert numbering_only(items) == []


def test_plain_names_are_clean(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"001_a.sql": sql(1), "0002-b.sql": sql(2), "README.md": "notes", "NEXT.txt": "3"})
    assert named(findings(run_cli, root), "filename") == []


def test_usual_width_follows_the_stream() -> None:
    def stream(*names: str) -> list[MigrationFile]:
        return [MigrationFile(Path(n), n, int(n.split("_")[0])) for n in names]

    assert usual_width(stream("001_a.sql", "002_b.sql", "1000_c.sql")) == 3
    assert usual_width([]) == 4


# the bundled example and the real corpus


def test_bundled_example_grandfathered_collisions_are_silent(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("check", "--format", "json", "--database", "engine", cwd=REPO)
    document = json.loads(result.out)
    assert result.code == 0
    assert numbering_only(document["findings"]) == []
    counts = document["summary"]["findings"]
    assert (counts["error"], counts["warning"]) == (0, 0)  # info: the 056 rebuild's planned DROP


def test_a_new_collision_in_the_example_fails(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "grove"
    shutil.copytree(EXAMPLE_MIGRATIONS, root / "libs" / "engine" / "migrations")
    (root / "libs/engine/migrations/084_tenant_flags.sql").write_text("ALTER TABLE tenants ADD COLUMN flags TEXT;\n")
    result = run_cli("--root", str(root), "check", "--format", "json", "--database", "engine", cwd=REPO)
    assert result.code == 1
    numbering = numbering_only(json.loads(result.out)["findings"])
    assert [(f["name"], Path(f["path"]).name) for f in numbering] == [
        ("duplicate-number", "084_moodring_show_log.sql"),
        ("duplicate-number", "084_tenant_flags.sql"),
    ]


CORPUS_CONFIG = MINIMAL_CONFIG + (
    'reservation = "libs/engine/migrations/NEXT_MIGRATION_NUMBER.txt"\n'
    'grandfathered_collisions = ["031", "032", "056"]\n'
)


@pytest.mark.corpus
def test_real_corpus_numbering(run_cli, corpus_root: Path) -> None:  # type: ignore[no-untyped-def]
    (corpus_root / "ownership.toml").write_text(CORPUS_CONFIG)
    numbering = numbering_only(findings(run_cli, corpus_root))
    assert [(f["name"], f["path"], f["line"]) for f in numbering] == [("reservation-missing", "ownership.toml", 9)]
    assert "create it holding 085" in numbering[0]["message"]
    # Once the reservation exists, the 87 files have no numbering finding at all.
    (corpus_root / "libs/engine/migrations/NEXT_MIGRATION_NUMBER.txt").write_text("085\n")
    assert numbering_only(findings(run_cli, corpus_root)) == []
