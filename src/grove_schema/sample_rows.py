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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from grove_schema.model import Column, ForeignKey, Schema, Table, affinity, key
from grove_schema.records import Record
from grove_schema.sql.ddl import parent_first_order
from grove_schema.sql.lexer import Token, TokenKind, significant_tokens
from grove_schema.sql.quoting import quote_name

if TYPE_CHECKING:
    from sqlglot import exp

Value = int | float | str | None

ROWS_PER_TABLE = 3
ATTEMPTS_PER_ROW = 24
OMIT_OPTIONAL_AFTER = 12  # after this many refused attempts, leave nullable and defaulted columns out


# Where marked serial numbers start: eight digits, so that no mark is a prefix of another.
MARK_BASE = 10_000_000


@dataclass(eq=False, repr=False)
class Marks(Record):
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


@dataclass(eq=False, repr=False)
class ColumnHints(Record):
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


_NO_HINTS = ColumnHints()  # a column without any: only read


def column_hints(table: Table) -> dict[str, ColumnHints]:
    """key(column) -> hints, from every CHECK of the table: the common shapes (`x IN (...)`,
    comparisons, BETWEEN, length(), LIKE, GLOB, joined by AND and OR) read with the lexer, the
    others with sqlglot (imported only then: it costs a check more than the whole replay)."""
    hints: dict[str, ColumnHints] = {}
    for check in table.checks:
        simple = read_simple_check(check.expression)
        if simple is not None:
            _collect_simple(simple, hints)
            continue
        tree = _parse(check.expression)
        if tree is not None:
            _collect(tree, hints)
    return hints


# --- the common CHECK shapes, read with the lexer -------------------------------------------------
# A node is a tuple: ("and" | "or", left, right), ("paren", inner), ("in", column, literals),
# ("between", target, low, high), ("cmp", op, target, literal) with op one of = > >= < <= <>,
# ("like" | "glob", column, pattern), ("null" | "not null", column). A target is ("column", key)
# or ("length", key); a literal is ("number", text, negative), ("string", text) or ("null",).
# Anything else makes the reader give up, and sqlglot reads the CHECK: the hints are the same.

Node = tuple[Any, ...]
_NOT_COLUMNS = frozenset(
    {"NULL", "NOT", "AND", "OR", "IN", "IS", "BETWEEN", "LIKE", "GLOB", "ESCAPE", "COLLATE", "CASE", "CAST"}
    | {"EXISTS", "SELECT", "TRUE", "FALSE", "CURRENT_TIME", "CURRENT_DATE", "CURRENT_TIMESTAMP", "REGEXP", "MATCH"}
)
_COMPARISONS = frozenset({"=", ">", ">=", "<", "<=", "<>", "!="})


class _GiveUp(Exception):
    """A CHECK outside the shapes the lexer reads."""


def read_simple_check(sql: str) -> Node | None:
    """The CHECK as a node, or None when it is not one of the common shapes."""
    tokens = significant_tokens(sql)
    reader = _CheckReader(tokens)
    try:
        node = reader.disjunction()
    except _GiveUp:
        return None
    return node if reader.at_end() else None


class _CheckReader:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.position = 0

    def at_end(self) -> bool:
        return self.position == len(self.tokens)

    def _peek(self) -> Token:
        if self.position >= len(self.tokens):
            raise _GiveUp
        return self.tokens[self.position]

    def _next(self) -> Token:
        token = self._peek()
        self.position += 1
        return token

    def _accept_word(self, word: str) -> bool:
        if self.position < len(self.tokens) and self.tokens[self.position].is_word(word):
            self.position += 1
            return True
        return False

    def _accept_punct(self, text: str) -> bool:
        if self.position < len(self.tokens) and self.tokens[self.position].is_punct(text):
            self.position += 1
            return True
        return False

    def _expect_punct(self, text: str) -> None:
        if not self._accept_punct(text):
            raise _GiveUp

    def disjunction(self) -> Node:
        node = self.conjunction()
        while self._accept_word("OR"):
            node = ("or", node, self.conjunction())
        return node

    def conjunction(self) -> Node:
        node = self.predicate()
        while self._accept_word("AND"):
            node = ("and", node, self.predicate())
        return node

    def predicate(self) -> Node:
        if self._accept_punct("("):
            inner = self.disjunction()
            self._expect_punct(")")
            return ("paren", inner)
        target = self._target()
        token = self._next()
        if token.is_word("IN") and target[0] == "column":
            self._expect_punct("(")
            values = [self._literal()]
            while self._accept_punct(","):
                values.append(self._literal())
            self._expect_punct(")")
            return ("in", target[1], tuple(values))
        if token.is_word("BETWEEN"):
            low = self._literal()
            if not self._accept_word("AND"):
                raise _GiveUp
            return ("between", target, low, self._literal())
        if token.is_word("LIKE", "GLOB") and target[0] == "column":
            pattern = self._next()
            if pattern.kind is not TokenKind.STRING or self._peek_word("ESCAPE"):
                raise _GiveUp
            return (token.upper.lower(), target[1], pattern.identifier)
        if token.is_word("IS") and target[0] == "column":
            negated = self._accept_word("NOT")
            if not self._accept_word("NULL"):
                raise _GiveUp
            return ("not null" if negated else "null", target[1])
        if token.kind is TokenKind.PUNCT and token.text in _COMPARISONS:
            op = "<>" if token.text == "!=" else token.text
            return ("cmp", op, target, self._literal())
        raise _GiveUp

    def _peek_word(self, word: str) -> bool:
        return self.position < len(self.tokens) and self.tokens[self.position].is_word(word)

    def _target(self) -> Node:
        token = self._next()
        if token.kind is TokenKind.WORD and token.upper == "LENGTH" and self._accept_punct("("):
            column = self._column(self._next())
            self._expect_punct(")")
            return ("length", column)
        return ("column", self._column(token))

    def _column(self, token: Token) -> str:
        if token.kind is TokenKind.QUOTED or (token.kind is TokenKind.WORD and token.upper not in _NOT_COLUMNS):
            if self._peek_is_punct(".") or self._peek_is_punct("("):
                raise _GiveUp  # a qualified name or a function call
            return key(token.identifier)
        raise _GiveUp

    def _peek_is_punct(self, text: str) -> bool:
        return self.position < len(self.tokens) and self.tokens[self.position].is_punct(text)

    def _literal(self) -> Node:
        token = self._next()
        negative = token.is_punct("-")
        if negative:
            token = self._next()
        if token.kind is TokenKind.NUMBER:
            try:
                float(token.text)
            except ValueError:
                raise _GiveUp from None  # 0x10: sqlglot reads it as another kind of literal
            return ("number", token.text, negative)
        if negative:
            raise _GiveUp
        if token.kind is TokenKind.STRING:
            return ("string", token.identifier)
        if token.is_word("NULL"):
            return ("null",)
        raise _GiveUp


def _simple_number(literal: Node) -> float | None:
    if literal[0] != "number":
        return None
    value = float(literal[1])
    return -value if literal[2] else value


def _simple_literal(literal: Node) -> Value:
    if literal[0] == "string":
        return str(literal[1])
    number = _simple_number(literal)
    if number is None:
        return None
    if literal[2]:  # a negated number: an integer whenever its value is one
        return int(number) if number.is_integer() else number
    return int(number) if number.is_integer() and "." not in literal[1] else number


def _simple_columns(node: Node) -> set[str]:
    kind = node[0]
    if kind in ("and", "or"):
        return _simple_columns(node[1]) | _simple_columns(node[2])
    if kind == "paren":
        return _simple_columns(node[1])
    if kind in ("between", "cmp"):
        target = node[1] if kind == "between" else node[2]
        return {target[1]}
    return {node[1]}


def _collect_simple(node: Node, hints: dict[str, ColumnHints]) -> None:
    """What `_collect` finds in sqlglot's tree of the same CHECK."""
    kind = node[0]
    if kind == "paren":
        _collect_simple(node[1], hints)
    elif kind == "and":
        _collect_simple(node[1], hints)
        _collect_simple(node[2], hints)
    elif kind == "or":
        for branch in (node[1], node[2]):
            if branch[0] == "null":
                continue
            if len(_simple_columns(branch)) == 1:
                _collect_simple(branch, hints)
    elif kind == "in":
        hint = hints.setdefault(node[1], ColumnHints())
        hint.choices = [v for v in map(_simple_literal, node[2]) if v is not None]
    elif kind == "between":
        target, low, high = node[1], _simple_number(node[2]), _simple_number(node[3])
        hint = hints.setdefault(target[1], ColumnHints())
        if target[0] == "column":
            hint.low, hint.high = low, high
        else:
            hint.min_length = int(low) if low is not None else None
            hint.max_length = int(high) if high is not None else None
    elif kind == "cmp" and node[1] != "<>":
        _simple_comparison(node[1], node[2], node[3], hints)
    elif kind in ("like", "glob"):
        hint = hints.setdefault(node[1], ColumnHints())
        if kind == "like":
            hint.like = node[2]
        else:
            hint.glob = node[2]


def _simple_comparison(op: str, target: Node, literal: Node, hints: dict[str, ColumnHints]) -> None:
    number = _simple_number(literal)
    if target[0] == "column":
        hint = hints.setdefault(target[1], ColumnHints())
        if op == "=":
            value = _simple_literal(literal)
            if value is not None:
                hint.choices = [value]
            return
        if number is None:
            return
        if op in (">", ">="):
            hint.low, hint.low_open = number, op == ">"
        else:
            hint.high, hint.high_open = number, op == "<"
    elif number is not None:
        hint = hints.setdefault(target[1], ColumnHints())
        size = int(number)
        if op == "=":
            hint.min_length = hint.max_length = size
        elif op == ">":
            hint.min_length = size + 1
        elif op == ">=":
            hint.min_length = size
        elif op == "<":
            hint.max_length = size - 1
        else:
            hint.max_length = size


def check_columns(sql: str) -> set[str]:
    """The keys of the columns a CHECK names (none when it cannot be read)."""
    simple = read_simple_check(sql)
    if simple is not None:
        return _simple_columns(simple)
    tree = _parse(sql)
    return _columns_in(tree) if tree is not None else set()


# --- any other CHECK, read with sqlglot ----------------------------------------------------------


def _parse(sql: str) -> exp.Expression | None:
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(sql, read="sqlite")
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError, ValueError):
        return None
    return tree if isinstance(tree, exp.Expression) else None


def _column_of(node: exp.Expression) -> str | None:
    from sqlglot import exp

    return key(node.name) if isinstance(node, exp.Column) else None


def _length_of(node: exp.Expression) -> str | None:
    from sqlglot import exp

    return _column_of(node.this) if isinstance(node, exp.Length) else None


def _number(node: exp.Expression) -> float | None:
    from sqlglot import exp

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
    from sqlglot import exp

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
    from sqlglot import exp

    return {key(c.name) for c in node.find_all(exp.Column)}


def _collect(node: exp.Expression, hints: dict[str, ColumnHints]) -> None:
    from sqlglot import exp

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
    from sqlglot import exp

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


def candidates(column: Column, hint: ColumnHints | None, serial: int) -> Iterator[Value]:
    """Values to try for `column` in the row numbered `serial`, best first, each once. Made as they
    are asked for: the first one usually passes."""
    hint = hint or _NO_HINTS
    kind = affinity(column.type)
    text = _text(column.name.lower(), hint, serial)
    number = _number_value(hint, serial, real=(kind == "REAL"))
    given: list[Value] = []
    for value in _all_candidates(hint, kind, text, number, serial):
        if value not in given:
            given.append(value)
            yield value


def _all_candidates(hint: ColumnHints, kind: str, text: str, number: Value, serial: int) -> Iterator[Value]:
    if hint.choices:
        yield hint.choices[serial % len(hint.choices)]
    if hint.like is not None:
        yield _from_like(hint.like, text)
    if hint.glob is not None:
        yield _from_glob(hint.glob, serial)
    numeric = kind in ("INTEGER", "REAL", "NUMERIC") or hint.low is not None or hint.high is not None
    yield from (number, text) if numeric else (text, number)
    yield from (f"/{text}", f"{text}.example", f"http://{text}.example", f"{text}@example.com")
    yield from (serial + 1, 0, 1, "{}", "[]")


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


@dataclass(eq=False, repr=False)
class _CheckCache(Record):
    """The CHECK verdicts on candidate values already asked of the dev database."""

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
        names = check_columns(check.expression)
        if len(names) == 1:
            single_checks.setdefault(next(iter(names)), []).append(check.expression)
    keyed = _key_columns(schema, table)
    # Parents nearest the root first: each next parent's row is then one that agrees with the values
    # taken so far (`_row_values`).
    foreign_keys = sorted(table.foreign_keys, key=lambda fk: _depth(schema, fk.ref_table))
    stride = rows * ATTEMPTS_PER_ROW  # the serials one column may use
    base = marks.block(stride * (len(table.columns) + 1)) if marks is not None else None
    # Quoted once, not for each row tried.
    into = quote_name(table.name)
    quoted = {column.name: quote_name(column.name) for column in table.columns}
    count = 0
    for row in range(rows):
        for attempt in range(ATTEMPTS_PER_ROW):
            serial = row + attempt * rows
            values = _row_values(
                db, schema, table, foreign_keys, hints, single_checks, keyed, serial, attempt, cache, (base, stride)
            )
            columns = ", ".join(quoted[name] for name in values)
            literals = ", ".join(sql_literal(v) for v in values.values())
            if not values:
                sql = f"INSERT INTO {into} DEFAULT VALUES"
            else:
                sql = f"INSERT INTO {into} ({columns}) VALUES ({literals})"
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
    foreign_keys: Sequence[ForeignKey],
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
    # `foreign_keys` come parents nearest the root first, and each next parent's row is one that
    # agrees with the values taken so far (a subscription's customer and product of the
    # subscription's own tenant), as production rows do: a cascade then reaches the rows it would
    # reach there.
    for fk in foreign_keys:
        if key(fk.ref_table) == key(table.name):
            continue  # a self-reference: left NULL (or to the column's default)
        own = {key(c) for c in fk.columns}
        parent = schema.table(fk.ref_table)
        shared = (
            [c.name for c in parent.columns if key(c.name) in from_parents and key(c.name) not in own] if parent else []
        )
        parent_rows = _parent_keys(db, schema, fk.ref_table, fk.ref_columns, len(fk.columns), shared)
        if not parent_rows:
            continue
        width = len(fk.columns)
        wanted = tuple(from_parents[key(c)] for c in shared)
        agreeing = [row for row in parent_rows if row[width:] == wanted]
        pool = agreeing or parent_rows
        chosen = pool[serial % len(pool)][:width]
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
            chosen_value = next(candidates(column, hints.get(k), column_serial))
        values[column.name] = chosen_value
    return values


def _parent_keys(
    db: Database,
    schema: Schema,
    parent_name: str,
    ref_columns: Sequence[str],
    width: int,
    also: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """The parent's keys (non-NULL), each followed by its values of the columns `also` names."""
    parent = schema.table(parent_name)
    if parent is None:
        return []
    columns = list(ref_columns)
    if not columns:
        columns = list(parent.primary_key.columns) if parent.primary_key is not None else ["rowid"]
    if len(columns) != width:
        return []
    selected = ", ".join(quote_name(c) if c != "rowid" else "rowid" for c in [*columns, *also])
    try:
        found = db.query(f"SELECT {selected} FROM {quote_name(parent.name)}")
    except Exception:  # a parent SQLite cannot read (apsw's error types): no key to offer
        return []
    return sorted((row for row in found if all(v is not None for v in row[:width])), key=lambda r: repr(r[:width]))


def _depth(schema: Schema, table_name: str, path: frozenset[str] = frozenset()) -> int:
    """The longest chain of foreign keys from a table up to one that has none (a cycle stops it)."""
    table = schema.table(table_name)
    name = key(table_name)
    if table is None or name in path:
        return 0
    parents = [fk.ref_table for fk in table.foreign_keys if key(fk.ref_table) != name]
    return 1 + max((_depth(schema, parent, path | {name}) for parent in parents), default=-1)


def row_counts(db: Database, tables: Iterable[str]) -> dict[str, int]:
    """key(table) -> its number of rows."""
    return {key(t): int(db.query(f"SELECT count(*) FROM {quote_name(t)}")[0][0]) for t in tables}
