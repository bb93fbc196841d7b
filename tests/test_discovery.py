"""Discovery lists a migrations folder as wrangler 4.86 does: every entry whose name ends in
`.sql` (symlinks followed, dot-files included), in wrangler's order, with a finding for each
entry a reviewer would not expect."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from grove_schema.discovery import discover_stream, survey_stream
from grove_schema.layouts import layout_for
from grove_schema.wrangler_order import js_parse_int, wrangler_order

from .conftest import CliResult


def names(directory: Path, pattern: str | None = None) -> list[str]:
    return [m.name for m in discover_stream(directory, layout_for(pattern))]


def codes(directory: Path, root: Path | None = None) -> list[tuple[str, str, str]]:
    survey = survey_stream(directory, layout_for(None), root)
    return [(Path(f.location.path).name if f.location else "", f.name, f.severity.label) for f in survey.findings]


def touch(directory: Path, *files: str) -> None:
    for name in files:
        (directory / name).write_text("SELECT 1;")


def test_orders_numbered_names_by_integer_then_by_code_units(tmp_path: Path) -> None:
    touch(tmp_path, "10_b.sql", "9_a.sql", "0003-x.sql", "031_z.sql", "031_a.sql", "002_c.sql")
    assert names(tmp_path) == ["002_c.sql", "0003-x.sql", "9_a.sql", "10_b.sql", "031_a.sql", "031_z.sql"]


def test_follows_what_wrangler_applies(tmp_path: Path) -> None:
    touch(tmp_path, "001_a.sql", "002_upper.SQL", ".003_hidden.sql")
    (tmp_path / "sub").mkdir()
    touch(tmp_path / "sub", "004_nested.sql")
    (tmp_path / "NEXT_MIGRATION_NUMBER.txt").write_text("005\n")
    os.symlink(tmp_path / "001_a.sql", tmp_path / "006_link.sql")
    # wrangler: the dot-file has no number and lands first; the link is followed; .SQL and sub/ are not read
    assert names(tmp_path) == [".003_hidden.sql", "001_a.sql", "006_link.sql"]
    assert codes(tmp_path, tmp_path) == [
        (".003_hidden.sql", "hidden-migration", "warning"),
        ("006_link.sql", "symlinked-migration", "warning"),
    ]


def test_names_that_are_not_plain_digits_take_wranglers_places(tmp_path: Path) -> None:
    touch(tmp_path, "0001_a.sql", "0002_b.sql", "-1_x.sql", "+3_x.sql", "\u0660\u0660\u0663_x.sql", "0x10_hex.sql")
    assert names(tmp_path) == [
        "-1_x.sql",
        "0001_a.sql",
        "0002_b.sql",
        "+3_x.sql",
        "0x10_hex.sql",
        "\u0660\u0660\u0663_x.sql",
    ]
    surprising = sorted(name for name, code, _ in codes(tmp_path) if code == "surprising-order")
    assert surprising == sorted(["-1_x.sql", "+3_x.sql", "0x10_hex.sql", "\u0660\u0660\u0663_x.sql"])


def test_a_directory_named_sql_is_an_error_and_not_replayed(tmp_path: Path) -> None:
    touch(tmp_path, "0001_a.sql", "0003_c.sql")
    (tmp_path / "0002_dir.sql").mkdir()
    survey = survey_stream(tmp_path)
    assert [m.name for m in survey.files] == ["0001_a.sql", "0003_c.sql"]
    assert survey.applied == ["0001_a.sql", "0002_dir.sql", "0003_c.sql"]
    (finding,) = survey.findings
    assert finding.name == "unappliable-entry" and finding.severity.label == "error"
    assert "EISDIR" in finding.message and "0003_c.sql" in finding.message


def test_a_fifo_named_sql_does_not_hang(tmp_path: Path) -> None:
    touch(tmp_path, "0001_a.sql")
    os.mkfifo(tmp_path / "0002_pipe.sql")
    started = time.monotonic()
    survey = survey_stream(tmp_path)
    assert time.monotonic() - started < 5
    assert [m.name for m in survey.files] == ["0001_a.sql"]
    assert [f.name for f in survey.findings] == ["unappliable-entry"] and "FIFO" in survey.findings[0].message


def test_a_symlink_loop_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    touch(tmp_path, "0001_a.sql")
    os.symlink(tmp_path / "0002_loop.sql", tmp_path / "0002_loop.sql")
    os.symlink(tmp_path / "nowhere.txt", tmp_path / "0003_broken.sql")
    survey = survey_stream(tmp_path)
    assert [m.name for m in survey.files] == ["0001_a.sql"]
    assert sorted(f.name for f in survey.findings) == ["unappliable-entry", "unappliable-entry"]


def test_a_symlink_out_of_the_project_is_an_error_and_never_read(tmp_path: Path) -> None:
    project, outside = tmp_path / "project", tmp_path / "outside"
    (project / "migrations").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret.sql").write_text("DROP TABLE users; -- SECRET-CONTENT\n")
    touch(project / "migrations", "0001_a.sql")
    os.symlink(outside / "secret.sql", project / "migrations" / "0002_drop.sql")
    survey = survey_stream(project / "migrations", layout_for(None), project)
    assert [m.name for m in survey.files] == ["0001_a.sql"]
    (finding,) = survey.findings
    assert (finding.name, finding.severity.label) == ("symlinked-migration", "error")
    assert "SECRET-CONTENT" not in finding.message


def test_file_pattern_with_number_group(tmp_path: Path) -> None:
    touch(tmp_path, "V2__add.sql", "V10__more.sql", "V1__init.sql", "README.sql")
    assert names(tmp_path, r"V(?P<number>\d+)__.*\.sql") == ["V1__init.sql", "V2__add.sql", "V10__more.sql"]
    touch(tmp_path, "1_a.up.sql", "1_a.down.sql", "2_b.up.sql")
    assert names(tmp_path, r"(?P<number>\d+)_.*\.up\.sql") == ["1_a.up.sql", "2_b.up.sql"]


def test_a_backtracking_file_pattern_runs_in_linear_time(tmp_path: Path) -> None:
    touch(tmp_path, "1_" + "a" * 40 + "b.sql", "2_aaaa")
    started = time.monotonic()
    assert names(tmp_path, r"(?P<number>\d+)_(a+)+$") == ["2_aaaa"]
    assert time.monotonic() - started < 1


def test_numbers_are_ascii_digits(tmp_path: Path) -> None:
    touch(tmp_path, "\u0661\u0662_arabic.sql", "9" * 200 + "_long.sql", "0002_b.sql")
    files = {m.name: m.number for m in discover_stream(tmp_path)}
    assert files["0002_b.sql"] == 2
    assert files["\u0661\u0662_arabic.sql"] is None
    assert [number for name, number in files.items() if name.startswith("999")] == [None]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0003-x.sql", 3.0), ("-1", -1.0), ("+3", 3.0), ("0x1A", 26.0), (" \t12", 12.0), ("\u0663", None), ("", None)],
)
def test_parse_int_reads_as_javascript_does(text: str, expected: float | None) -> None:
    value = js_parse_int(text)
    assert (value != value) if expected is None else value == expected


NODE_SORT = r"""
const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
process.stdout.write(JSON.stringify(cases.map(ms => ms.toSorted().sort((a, b) => {
  const x = parseInt(a.split("_")[0]), y = parseInt(b.split("_")[0]);
  return x < y ? -1 : x > y ? 1 : 0;
}))));
"""


def _random_names(rng: random.Random, count: int) -> list[str]:
    made: set[str] = set()
    shapes = [
        lambda: f"{rng.randint(0, 40):04d}_{rng.randint(0, 999)}.sql",
        lambda: f"notes{rng.randint(0, 99)}_{rng.randint(0, 9)}.sql",
        lambda: f"-{rng.randint(0, 9)}_{rng.randint(0, 99)}.sql",
        lambda: f".{rng.randint(0, 40)}_{rng.randint(0, 99)}.sql",
        lambda: f"{rng.randint(0, 3)}_{rng.randint(0, 99999)}.sql",
        lambda: f"\u0660{rng.randint(0, 9)}_{rng.randint(0, 99)}.sql",
    ]
    while len(made) < count:
        made.add(rng.choice(shapes)())
    result = sorted(made)
    rng.shuffle(result)
    return result


def test_the_order_is_nodes_own_on_random_streams() -> None:
    """The comparator wrangler gives V8 is inconsistent (NaN equals everything): the same TimSort,
    comparison for comparison, gives the same order. Node is the referee."""
    node = shutil.which("node")
    if node is None:
        if os.environ.get("GROVE_CONFORMANCE_REQUIRED") == "1":
            pytest.fail("node is required (GROVE_CONFORMANCE_REQUIRED=1) to check wrangler's order")
        pytest.skip("node is not installed: wrangler's order is checked against V8 where it is")
    rng = random.Random(20261201)
    cases = [_random_names(rng, rng.choice([2, 5, 17, 63, 64, 65, 130, 400, 1000])) for _ in range(120)]
    done = subprocess.run([node, "-e", NODE_SORT], input=json.dumps(cases), capture_output=True, text=True, timeout=120)
    expected = json.loads(done.stdout)
    mismatches = [index for index, case in enumerate(cases) if wrangler_order(case) != expected[index]]
    assert mismatches == []


def test_a_symlinked_migration_is_replayed_from_its_target(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"0001_a.sql": "CREATE TABLE t (id INTEGER PRIMARY KEY);\n"})
    migrations = root / "libs" / "engine" / "migrations"
    (root / "shared.sql").write_text("DROP TABLE t;\n")
    os.symlink(root / "shared.sql", migrations / "0002_hidden_drop.sql")
    result: CliResult = run_cli("check", "--format", "json", cwd=root)
    found = {(r["path"], r["name"]) for r in json.loads(result.out)["findings"]}
    assert ("libs/engine/migrations/0002_hidden_drop.sql", "symlinked-migration") in found
    assert json.loads(result.out)["summary"]["files"] == 2  # the DROP behind the link is replayed


def test_a_symlink_loop_in_the_folder_never_crashes_any_format(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project({"0001_a.sql": "CREATE TABLE t (id INTEGER PRIMARY KEY);\n"})
    migrations = root / "libs" / "engine" / "migrations"
    os.symlink(migrations / "0002_loop.sql", migrations / "0002_loop.sql")
    os.symlink("loopdir", migrations / "loopdir")
    for fmt in ("text", "json", "sarif", "github", "gcc"):
        result = run_cli("check", "--format", fmt, cwd=root)
        assert result.code == 1, (fmt, result.err)
        assert "internal error" not in result.err
        assert "0002_loop.sql" in result.out
