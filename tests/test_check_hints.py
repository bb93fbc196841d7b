"""The CHECK shapes the sample rows read with the lexer give the hints sqlglot's reading gives."""

from __future__ import annotations

import pytest

from grove_schema.sample_rows import (
    ColumnHints,
    _collect,
    _collect_simple,
    _columns_in,
    _parse,
    _simple_columns,
    read_simple_check,
)

SIMPLE = [
    "status IN ('draft', 'published', 'archived')",
    "billing_interval IS NULL OR billing_interval IN ('day', 'week', 'month', 'year')",
    "\"Kind\" IN ('a', 'it''s', NULL, 3, -2, 1.5)",
    "x BETWEEN 1 AND 5",
    "x BETWEEN -1.5 AND 2e2",
    "length(code) = 6",
    "LENGTH(code) BETWEEN 3 AND 8",
    "length(code) > 2 AND length(code) <= 10",
    "length(code) < 4",
    "length(code) >= 1",
    "url LIKE 'http%'",
    "d GLOB '[0-9]*'",
    "score >= 0 AND score < 100",
    "score > -3",
    "score <= 7.0",
    "plan = 'free'",
    "n = -4",
    "a <> 'p' OR b <= 100",
    "a != 'p' OR (b > 1 AND b < 9)",
    "(x IN ('a', 'b'))",
    "x IS NOT NULL AND x IN ('a')",
    "a IS NULL OR (a >= 1 AND a <= 2)",
    "a IS NULL OR (a >= 1 AND b = 2)",
]

NOT_SIMPLE = [
    "json_valid(meta)",
    "x NOT IN ('a')",
    "x IN (SELECT id FROM t)",
    "t.x IN ('a')",
    "x LIKE 'a%' ESCAPE '\\'",
    "x = y",
    "x > 0x10",
    "CASE WHEN a THEN 1 END = 1",
    "x IN ('a'",
    "x + 1 > 2",
    "typeof(x) = 'text'",
]


def _via_sqlglot(sql: str) -> dict[str, ColumnHints]:
    hints: dict[str, ColumnHints] = {}
    tree = _parse(sql)
    assert tree is not None
    _collect(tree, hints)
    return hints


@pytest.mark.parametrize("sql", SIMPLE)
def test_the_lexer_reads_a_common_check_as_sqlglot_does(sql: str) -> None:
    node = read_simple_check(sql)
    assert node is not None
    hints: dict[str, ColumnHints] = {}
    _collect_simple(node, hints)
    assert hints == _via_sqlglot(sql)
    tree = _parse(sql)
    assert tree is not None and _simple_columns(node) == _columns_in(tree)
    assert hints or sql.endswith("b = 2)")  # each says something but the one mixing two columns in a branch


@pytest.mark.parametrize("sql", NOT_SIMPLE)
def test_any_other_check_is_left_to_sqlglot(sql: str) -> None:
    assert read_simple_check(sql) is None
