"""`sql/quoting.py`: names written so SQLite reads them back unchanged."""

from __future__ import annotations

import apsw
import pytest

from grove_schema.sql.quoting import RESERVED_WORDS, comment_lines, name_list, one_line, quote_name


def test_plain_names_stay_bare_and_others_are_quoted() -> None:
    assert quote_name("tenants") == "tenants"
    assert quote_name("Tenant_2") == "Tenant_2"
    assert quote_name("action") == "action"  # a keyword SQLite accepts as a name
    assert quote_name("my col") == '"my col"'
    assert quote_name("2fa") == '"2fa"'
    assert quote_name("café") == '"café"'
    assert quote_name("") == '""'


def test_reserved_words_are_quoted_in_any_case() -> None:
    assert quote_name("order") == '"order"'
    assert quote_name("Group") == '"Group"'
    assert quote_name("SELECT") == '"SELECT"'


def test_quotes_inside_a_name_are_doubled() -> None:
    assert quote_name('a"b') == '"a""b"'
    assert quote_name("it's") == '"it\'s"'


def test_always_quotes_even_a_plain_name() -> None:
    assert quote_name("x", always=True) == '"x"'
    assert quote_name('x"y', always=True) == '"x""y"'


@pytest.mark.parametrize("name", [*sorted(RESERVED_WORDS), "action", "key", "my col", 'a"b', "2fa", "x"])
def test_sqlite_reads_a_quoted_name_back(name: str) -> None:
    db = apsw.Connection(":memory:")
    db.execute(f"CREATE TABLE {quote_name(name)} ({quote_name(name)} TEXT)")
    assert [row[0] for row in db.execute("SELECT name FROM sqlite_schema")] == [name]
    assert [row[1] for row in db.execute(f"PRAGMA table_info({quote_name(name)})")] == [name]


def test_name_list_one_line_and_comments() -> None:
    assert name_list(["a", "order", "b c"]) == 'a, "order", "b c"'
    assert one_line("a  +\n  b -- why\n") == "a + b /* why */"
    assert one_line("  x  ") == "x"
    assert comment_lines("") == ["--"]
    assert comment_lines("one two three", width=12) == ["-- one two", "--   three"]
