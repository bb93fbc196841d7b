"""Generated rows that satisfy a table's constraints: production-shaped data to run migrations on.

The data verdicts (`data_verdicts`) fill a copy of the dev database with them before a file that
drops, renames or rebuilds a table; the render and drop proofs of the tests fill theirs.

Values come from the schema model: a CHECK such as `status IN ('a', 'b')`, `x BETWEEN 1 AND 5`,
`length(code) = 6`, `url LIKE 'http%'` or `d GLOB '[0-9]*'` is read with sqlglot and gives the
value directly; every single-column CHECK is then evaluated in the database itself, and when the
derived value fails, simpler alternatives are tried. Foreign-key columns take keys of rows already
in the parent (tables are filled parents first), UNIQUE columns vary with the row, and a row that
SQLite still refuses (a multi-column CHECK, a unique index) is tried again with other values.
Everything runs in the caller's database, with its foreign keys and limits on.

With `Marks`, every generated value that a CHECK leaves free is unique in the whole database (a
sentinel: the text `title_10000302`, the number 10000303, an INTEGER PRIMARY KEY of its own), so
that it can be found again wherever a migration copies it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import sqlglot
from sqlglot import exp

from grove_schema.model import Column, Schema, Table, affinity, key
from grove_schema.sql.ddl import parent_first_order
from grove_schema.sql.quoting import quote_name

Value = int | float | str | None

ROWS_PER_TABLE = 3
ATTEMPTS_PER_ROW = 24
OMIT_OPTIONAL_AFTER = 12  # after this many refused attempts, leave nullable and defaulted columns out


# Where marked serial numbers start: eight digits, so that no mark is a prefix of another.
MARK_BASE = 10_000_000


@dataclass
class Marks:
    """Hands out the serial numbers of marked values: a block per filled table, a stride of
    `rows * ATTEMPTS_PER_ROW` per column, so that no two generated values are equal."""

    next_serial: int = MARK_BASE

    def block(self, size: int) -> int:
        start = self.next_serial
        self.next_serial += size
        return start


class Database(Protocol):
    def execute(self, sql: str) -> str | None: ...

    def query(self, sql: str, bindings: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]: ...


@dataclass
class ColumnHints:
    """What the CHECK constraints say about one column's values."""

    choices: list[Value] = field(default_factory=list)
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    min_length: int | None = None
    max_length: int | None = None
    like: str | None = None
    glob: str | None = None


def column_hints(table: Table) -> dict[str, ColumnHints]:
    """key(column) -> hints, from every CHECK of the table that sqlglot can read."""
    hints: dict[str, ColumnHints] = {}
    for check in table.checks:
        tree = _parse(check.expression)
        if tree is not None:
            _collect(tree, hints)
    return hints


def _parse(sql: str) -> exp.Expression | None:
    try:
        tree = sqlglot.parse_one(sql, read="sqlite")
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError, ValueError):
        return None
    return tree if isinstance(tree, exp.Expression) else None


def _column_of(node: exp.Expression) -> str | None:
    return key(node.name) if isinstance(node, exp.Column) else None


def _length_of(node: exp.Expression) -> str | None:
    return _column_of(node.this) if isinstance(node, exp.Length) else None


def _number(node: exp.Expression) -> float | None:
    if isinstance(node, exp.Neg):
        inner = _number(node.this)
        return -inner if inner is not None else None
    if isinstance(node, exp.Literal) and not node.is_string:
        try:
            return float(node.this)
        except ValueError:
            return None
    return None


def _literal(node: exp.Expression) -> Value:
    if isinstance(node, exp.Literal):
        if node.is_string:
            return str(node.this)
        number = _number(node)
        if number is not None:
            return int(number) if number.is_integer() and "." not in str(node.this) else number
    if isinstance(node, exp.Neg):
        number = _number(node)
        if number is not None:
            return int(number) if number.is_integer() else number
    return None


def _columns_in(node: exp.Expression) -> set[str]:
    return {key(c.name) for c in node.find_all(exp.Column)}


def _collect(node: exp.Expression, hints: dict[str, ColumnHints]) -> None:
    if isinstance(node, exp.Paren):
        _collect(node.this, hints)
        return
    if isinstance(node, exp.And):
        _collect(node.this, hints)
        _collect(node.expression, hints)
        return
    if isinstance(node, exp.Or):
        # One branch true is enough: `x IS NULL OR <x's rule>` says what a non-null x must be;
        # `a <> 'p' OR b <= 100` is met by following each branch about its own column.
        for branch in (node.this, node.expression):
            if isinstance(branch, exp.Is) and isinstance(branch.expression, exp.Null):
                continue
            if len(_columns_in(branch)) == 1:
                _collect(branch, hints)
        return
    if isinstance(node, exp.In):
        name = _column_of(node.this)
        if name is not None and not node.args.get("query"):
            values = [_literal(v) for v in node.expressions]
            hint = hints.setdefault(name, ColumnHints())
            hint.choices = [v for v in values if v is not None]
        return
    if isinstance(node, exp.Between):
        low, high = _number(node.args["low"]), _number(node.args["high"])
        if (name := _column_of(node.this)) is not None:
            hint = hints.setdefault(name, ColumnHints())
            hint.low, hint.high = low, high
        elif (name := _length_of(node.this)) is not None:
            hint = hints.setdefault(name, ColumnHints())
            hint.min_length = int(low) if low is not None else None
            hint.max_length = int(high) if high is not None else None
        return
    if isinstance(node, (exp.GT, exp.GTE, exp.LT, exp.LTE, exp.EQ)):
        _comparison(node, hints)
        return
    if isinstance(node, (exp.Like, exp.Glob)):
        name = _column_of(node.this)
        pattern = node.expression
        if name is not None and isinstance(pattern, exp.Literal) and pattern.is_string:
            hint = hints.setdefault(name, ColumnHints())
            if isinstance(node, exp.Like):
                hint.like = str(pattern.this)
            else:
                hint.glob = str(pattern.this)


def _comparison(node: exp.Expression, hints: dict[str, ColumnHints]) -> None:
    left, right = node.this, node.expression
    number = _number(right)
    if (name := _column_of(left)) is not None:
        hint = hints.setdefault(name, ColumnHints())
        if isinstance(node, exp.EQ):
            value = _literal(right)
            if value is not None:
                hint.choices = [value]
            return
        if number is None:
            return
        if isinstance(node, (exp.GT, exp.GTE)):
            hint.low, hint.low_open = number, isinstance(node, exp.GT)
        else:
            hint.high, hint.high_open = number, isinstance(node, exp.LT)
    elif (name := _length_of(left)) is not None and number is not None:
        hint = hints.setdefault(name, ColumnHints())
        size = int(number)
        if isinstance(node, exp.EQ):
            hint.min_length = hint.max_length = size
        elif isinstance(node, exp.GT):
            hint.min_length = size + 1
        elif isinstance(node, exp.GTE):
            hint.min_length = size
        elif isinstance(node, exp.LT):
            hint.max_length = size - 1
        else:
            hint.max_length = size


# --- values ---------------------------------------------------------------------------------------


def candidates(column: Column, hint: ColumnHints | None, serial: int) -> list[Value]:
    """Values to try for `column` in the row numbered `serial`, best first."""
    hint = hint or ColumnHints()
    kind = affinity(column.type)
    text = _text(column.name.lower(), hint, serial)
    number = _number_value(hint, serial, real=(kind == "REAL"))
    found: list[Value] = []
    if hint.choices:
        found.append(hint.choices[serial % len(hint.choices)])
    if hint.like is not None:
        found.append(_from_like(hint.like, text))
    if hint.glob is not None:
        found.append(_from_glob(hint.glob, serial))
    numeric = kind in ("INTEGER", "REAL", "NUMERIC") or hint.low is not None or hint.high is not None
    found.extend([number, text] if numeric else [text, number])
    found.extend([f"/{text}", f"{text}.example", f"http://{text}.example", f"{text}@example.com"])
    found.extend([serial + 1, 0, 1, "{}", "[]"])
    unique: list[Value] = []
    for value in found:
        if value not in unique:
            unique.append(value)
    return unique


def _text(name: str, hint: ColumnHints, serial: int) -> str:
    text = f"{name}_{serial}"
    if hint.max_length is not None and len(text) > hint.max_length:
        text = (f"{serial}{name}")[: max(hint.max_length, 0)]
    if hint.min_length is not None and len(text) < hint.min_length:
        text += "x" * (hint.min_length - len(text))
    return text


def _number_value(hint: ColumnHints, serial: int, real: bool) -> int | float:
    low, high = hint.low, hint.high
    if real and low is not None and high is not None and high > low:
        return low + (high - low) * ((serial % 9) + 1) / 10
    lo = None if low is None else (math.floor(low) + 1 if hint.low_open else math.ceil(low))
    hi = None if high is None else (math.ceil(high) - 1 if hint.high_open else math.floor(high))
    if lo is not None and hi is not None:
        value = lo + serial % (hi - lo + 1) if hi >= lo else lo
    elif lo is not None:
        value = lo + serial
    elif hi is not None:
        value = hi - serial
    else:
        value = serial + 1
    return float(value) + 0.5 if real and low is None and high is None else value


def _from_like(pattern: str, text: str) -> str:
    out: list[str] = []
    used = False
    for char in pattern:
        if char == "%":
            out.append("" if used else text)
            used = True
        elif char == "_":
            out.append("x")
        else:
            out.append(char)
    return "".join(out)


def _from_glob(pattern: str, serial: int) -> str:
    out: list[str] = []
    index = 0
    position = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "[":
            end = pattern.find("]", index + 2)
            if end == -1:
                out.append(char)
                index += 1
                continue
            members = _class_members(pattern[index + 1 : end])
            out.append(members[(serial + position) % len(members)] if members else "a")
            index = end + 1
        elif char == "?":
            out.append("a")
            index += 1
        elif char == "*":
            out.append(str(serial))
            index += 1
        else:
            out.append(char)
            index += 1
        position += 1
    return "".join(out)


def _class_members(body: str) -> list[str]:
    if body.startswith("^"):
        return ["~"]
    members: list[str] = []
    index = 0
    while index < len(body):
        if index + 2 < len(body) and body[index + 1] == "-":
            members.extend(chr(c) for c in range(ord(body[index]), ord(body[index + 2]) + 1))
            index += 3
        else:
            members.append(body[index])
            index += 1
    return members


def sql_literal(value: Value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + value.replace("'", "''") + "'"


# --- filling tables -------------------------------------------------------------------------------


@dataclass
class _CheckCache:
    db: Database
    results: dict[tuple[str, str, Value], bool] = field(default_factory=dict)

    def passes(self, expression: str, column: str, value: Value) -> bool:
        """Whether a single-column CHECK holds for `value`, evaluated by SQLite itself."""
        cache_key = (expression, column, value)
        if cache_key not in self.results:
            sql = (
                f"SELECT CASE WHEN ({expression}) THEN 1 WHEN ({expression}) IS NULL THEN 1 ELSE 0 END "
                f"FROM (SELECT ? AS {quote_name(column)})"
            )
            try:
                rows = self.db.query(sql, (value,))
                self.results[cache_key] = bool(rows and rows[0][0])
            except Exception:  # apsw raises its own errors; any failure means "not this value"
                self.results[cache_key] = False
        return self.results[cache_key]


def fill_tables(
    db: Database,
    schema: Schema,
    tables: Iterable[str] | None = None,
    rows: int = ROWS_PER_TABLE,
    *,
    marks: Marks | None = None,
    written: dict[str, list[str]] | None = None,
) -> dict[str, int]:
    """Insert up to `rows` generated rows into each table (all ordinary tables by default), parents
    first. Returns key(table) -> rows inserted. Call it inside the database's open transaction
    (`begin_file`) or outside one; each INSERT that SQLite refuses has no effect.

    With `marks`, the values are sentinels (unique in the database, INTEGER PRIMARY KEYs included);
    `written` receives, per key(table), the INSERT statements SQLite accepted."""
    wanted = {key(t) for t in tables} if tables is not None else set(schema.tables)
    ordered = parent_first_order(t for k, t in schema.tables.items() if k in wanted)
    cache = _CheckCache(db)
    inserted: dict[str, int] = {}
    for table in ordered:
        accepted: list[str] = []
        inserted[key(table.name)] = _fill_table(db, schema, table, rows, cache, marks, accepted)
        if written is not None:
            written[key(table.name)] = accepted
    return inserted


def _fill_table(
    db: Database,
    schema: Schema,
    table: Table,
    rows: int,
    cache: _CheckCache,
    marks: Marks | None = None,
    accepted: list[str] | None = None,
) -> int:
    hints = column_hints(table)
    single_checks: dict[str, list[str]] = {}
    for check in table.checks:
        tree = _parse(check.expression)
        names = _columns_in(tree) if tree is not None else set()
        if len(names) == 1:
            single_checks.setdefault(next(iter(names)), []).append(check.expression)
    keyed = _key_columns(schema, table)
    stride = rows * ATTEMPTS_PER_ROW  # the serials one column may use
    base = marks.block(stride * (len(table.columns) + 1)) if marks is not None else None
    count = 0
    for row in range(rows):
        for attempt in range(ATTEMPTS_PER_ROW):
            serial = row + attempt * rows
            values = _row_values(db, schema, table, hints, single_checks, keyed, serial, attempt, cache, (base, stride))
            columns = ", ".join(quote_name(name) for name in values)
            literals = ", ".join(sql_literal(v) for v in values.values())
            if not values:
                sql = f"INSERT INTO {quote_name(table.name)} DEFAULT VALUES"
            else:
                sql = f"INSERT INTO {quote_name(table.name)} ({columns}) VALUES ({literals})"
            if db.execute(sql) is None:
                count += 1
                if accepted is not None:
                    accepted.append(sql)
                break
    return count


def _key_columns(schema: Schema, table: Table) -> set[str]:
    """Columns whose values must differ between rows: primary key, UNIQUE, unique indexes."""
    keyed: set[str] = set()
    if table.primary_key is not None:
        keyed |= {key(c) for c in table.primary_key.columns}
    for unique in table.uniques:
        keyed |= {key(c) for c in unique.columns}
    for index in schema.indexes_of(table.name):
        if index.unique:
            keyed |= {key(c.name) for c in index.columns if c.name}
    return keyed


def _row_values(
    db: Database,
    schema: Schema,
    table: Table,
    hints: dict[str, ColumnHints],
    single_checks: dict[str, list[str]],
    keyed: set[str],
    serial: int,
    attempt: int,
    cache: _CheckCache,
    marked: tuple[int | None, int] = (None, 0),
) -> dict[str, Value]:
    """One row's values by column name (a column left out takes its default). `marked` is the
    table's first marked serial (None: unmarked values) and each column's stride."""
    base, stride = marked
    values: dict[str, Value] = {}
    from_parents: dict[str, Value] = {}
    for fk in table.foreign_keys:
        if key(fk.ref_table) == key(table.name):
            continue  # a self-reference: left NULL (or to the column's default)
        parent_rows = _parent_keys(db, schema, fk.ref_table, fk.ref_columns, len(fk.columns))
        if not parent_rows:
            continue
        chosen = parent_rows[serial % len(parent_rows)]
        for name, value in zip(fk.columns, chosen, strict=True):
            from_parents.setdefault(key(name), value)
    rowid_alias = key(table.rowid_alias) if table.rowid_alias else None
    for position, column in enumerate(table.columns):
        k = key(column.name)
        column_serial = serial if base is None else base + position * stride + serial
        if column.generated:
            continue
        if k == rowid_alias:
            if base is not None and k not in from_parents:
                values[column.name] = column_serial  # a key of its own: a sentinel, not 1, 2, 3
            continue
        if k in from_parents:
            values[column.name] = from_parents[k]
            continue
        optional = not column.not_null or column.default is not None
        if attempt >= OMIT_OPTIONAL_AFTER and optional and k not in keyed:
            continue
        chosen_value: Value = None
        found = False
        for value in candidates(column, hints.get(k), column_serial):
            if all(cache.passes(expression, column.name, value) for expression in single_checks.get(k, [])):
                chosen_value, found = value, True
                break
        if not found:
            if optional:
                continue
            chosen_value = candidates(column, hints.get(k), column_serial)[0]
        values[column.name] = chosen_value
    return values


def _parent_keys(
    db: Database, schema: Schema, parent_name: str, ref_columns: Sequence[str], width: int
) -> list[tuple[Any, ...]]:
    parent = schema.table(parent_name)
    if parent is None:
        return []
    columns = list(ref_columns)
    if not columns:
        columns = list(parent.primary_key.columns) if parent.primary_key is not None else ["rowid"]
    if len(columns) != width:
        return []
    selected = ", ".join(quote_name(c) if c != "rowid" else "rowid" for c in columns)
    try:
        found = db.query(f"SELECT {selected} FROM {quote_name(parent.name)}")
    except Exception:  # a parent SQLite cannot read (apsw's error types): no key to offer
        return []
    return sorted((row for row in found if all(v is not None for v in row)), key=repr)


def row_counts(db: Database, tables: Iterable[str]) -> dict[str, int]:
    """key(table) -> its number of rows."""
    return {key(t): int(db.query(f"SELECT count(*) FROM {quote_name(t)}")[0][0]) for t in tables}
