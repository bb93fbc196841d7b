import os
from pathlib import Path

from grove_schema.discovery import discover_stream
from grove_schema.layouts import layout_for


def names(directory: Path, pattern: str | None = None) -> list[str]:
    return [m.name for m in discover_stream(directory, layout_for(pattern))]


def test_orders_by_integer_then_full_name_unnumbered_last(tmp_path: Path) -> None:
    for name in ["10_b.sql", "9_a.sql", "0003-x.sql", "031_z.sql", "031_a.sql", "notes.sql", "002_c.sql"]:
        (tmp_path / name).write_text("SELECT 1;")
    assert names(tmp_path) == ["002_c.sql", "0003-x.sql", "9_a.sql", "10_b.sql", "031_a.sql", "031_z.sql", "notes.sql"]


def test_ignores_what_wrangler_ignores(tmp_path: Path) -> None:
    (tmp_path / "001_a.sql").write_text("SELECT 1;")
    (tmp_path / "002_upper.SQL").write_text("SELECT 1;")
    (tmp_path / ".003_hidden.sql").write_text("SELECT 1;")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "004_nested.sql").write_text("SELECT 1;")
    (tmp_path / "NEXT_MIGRATION_NUMBER.txt").write_text("005\n")
    os.symlink(tmp_path / "001_a.sql", tmp_path / "006_link.sql")
    assert names(tmp_path) == ["001_a.sql"]


def test_file_pattern_with_number_group(tmp_path: Path) -> None:
    for name in ["V2__add.sql", "V10__more.sql", "V1__init.sql", "README.sql"]:
        (tmp_path / name).write_text("SELECT 1;")
    assert names(tmp_path, r"V(?P<number>\d+)__.*\.sql") == ["V1__init.sql", "V2__add.sql", "V10__more.sql"]
    for name in ["1_a.up.sql", "1_a.down.sql", "2_b.up.sql"]:
        (tmp_path / name).write_text("SELECT 1;")
    assert names(tmp_path, r"(?P<number>\d+)_.*\.up\.sql") == ["1_a.up.sql", "2_b.up.sql"]
