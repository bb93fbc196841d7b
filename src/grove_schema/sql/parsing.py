"""Statements of a migration file, parsed.

Our own recursive-descent parser handles SQLite's DDL over the lexer's tokens, keeping the exact
source text of declared types, defaults and expressions (SQLite's catalog reports them verbatim,
and sqlglot rewrites them). sqlglot parses the SQL inside: SELECTs of views, trigger bodies, DML
and expressions, lazily, for references and for the checks that need an AST.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from grove_schema.records import FrozenRecord, Record, frozen_record
from grove_schema.sql.lexer import RawStatement, Token, TokenKind

if TYPE_CHECKING:
    from sqlglot import exp


class StatementError(Exception):
    """The statement does not parse; `token` is where."""

    def __init__(self, message: str, token: Token | None) -> None:
        super().__init__(message)
        self.message = message
        self.token = token


class Kind(enum.Enum):
    CREATE_TABLE = "create table"
    CREATE_TABLE_AS = "create table as"
    CREATE_VIRTUAL_TABLE = "create virtual table"
    ADD_COLUMN = "alter table add column"
    DROP_COLUMN = "alter table drop column"
    RENAME_COLUMN = "alter table rename column"
    RENAME_TABLE = "alter table rename to"
    DROP_TABLE = "drop table"
    CREATE_INDEX = "create index"
    DROP_INDEX = "drop index"
    CREATE_VIEW = "create view"
    DROP_VIEW = "drop view"
    CREATE_TRIGGER = "create trigger"
    DROP_TRIGGER = "drop trigger"
    PRAGMA = "pragma"
    TRANSACTION = "transaction"
    DML = "dml"
    ATTACH = "attach"
    DETACH = "detach"
    VACUUM = "vacuum"
    MAINTENANCE = "maintenance"  # ANALYZE, REINDEX, EXPLAIN
    UNKNOWN = "unknown"


# --- parsed DDL pieces -------------------------------------------------------------------


@frozen_record()
class ForeignKeyClause(FrozenRecord):
    """A REFERENCES clause: the parent table and columns, the actions."""

    ref_table: str
    ref_columns: tuple[str, ...]
    on_delete: str = "NO ACTION"
    on_update: str = "NO ACTION"
    match: str = "NONE"
    deferrable: str | None = None  # "DEFERRABLE INITIALLY DEFERRED", ...


@frozen_record()
class ColumnDef(FrozenRecord):
    """A column definition as written in CREATE TABLE or ADD COLUMN."""

    name: str
    type: str  # declared type, verbatim ("" when none)
    not_null: bool = False
    default: str | None = None  # as SQLite's catalog reports it
    primary_key: bool = False
    primary_key_desc: bool = False
    autoincrement: bool = False
    unique: bool = False
    collation: str | None = None
    check: tuple[str, ...] = ()
    generated: str | None = None  # "virtual" | "stored"
    generated_expr: str | None = None
    references: tuple[ForeignKeyClause, ...] = ()  # a column may carry several REFERENCES
    constraint_names: tuple[str, ...] = ()
    text: str = ""  # the whole column definition, verbatim
    start: int = 0  # file offset of the column's name
    after_name: str = ""  # the definition after its name, stripped: a rename swaps the name only


@frozen_record()
class TableConstraintDef(FrozenRecord):
    """A table constraint as written: PRIMARY KEY, UNIQUE, CHECK or FOREIGN KEY."""

    kind: str  # "primary key" | "unique" | "check" | "foreign key"
    name: str | None = None
    columns: tuple[str, ...] = ()
    desc: tuple[bool, ...] = ()
    expression: str | None = None  # CHECK
    references: ForeignKeyClause | None = None
    autoincrement: bool = False
    text: str = ""


@frozen_record()
class IndexedColumn(FrozenRecord):
    """One column or expression of CREATE INDEX as written."""

    name: str | None  # a plain column
    expression: str | None  # otherwise an expression, verbatim
    desc: bool = False
    collation: str | None = None
    quote: str = ""  # the name's opening quote: ", [, ` or ' ('a' names a column in an index)


# --- statements ----------------------------------------------------------------------------


@dataclass(eq=False, repr=False)
class Statement(Record):
    """A parsed statement: its raw text and its kind."""

    raw: RawStatement
    kind: Kind
    keyword: str  # the first word, upper case

    @property
    def text(self) -> str:
        return self.raw.text

    @property
    def start(self) -> int:
        return self.raw.start

    @cached_property
    def ast(self) -> exp.Expression | None:
        """sqlglot's tree of the whole statement, or None where sqlglot cannot parse it."""
        return parse_with_sqlglot(self.text)


@dataclass(eq=False, repr=False)
class CreateTable(Statement):
    """CREATE TABLE, with its columns and constraints or its AS SELECT."""

    name: str = ""
    if_not_exists: bool = False
    temporary: bool = False
    columns: tuple[ColumnDef, ...] = ()
    constraints: tuple[TableConstraintDef, ...] = ()
    without_rowid: bool = False
    strict: bool = False
    as_select: str | None = None  # CREATE TABLE ... AS SELECT


@dataclass(eq=False, repr=False)
class CreateVirtualTable(Statement):
    """CREATE VIRTUAL TABLE ... USING module(arguments)."""

    name: str = ""
    if_not_exists: bool = False
    module: str = ""
    arguments: tuple[str, ...] = ()


@dataclass(eq=False, repr=False)
class AlterTable(Statement):
    """ALTER TABLE: RENAME TO, RENAME COLUMN, ADD COLUMN or DROP COLUMN."""

    table: str = ""
    column: ColumnDef | None = None  # ADD COLUMN
    column_name: str = ""  # DROP / RENAME COLUMN
    new_name: str = ""  # RENAME COLUMN / RENAME TO


@dataclass(eq=False, repr=False)
class DropObject(Statement):
    """DROP TABLE, INDEX, VIEW or TRIGGER."""

    name: str = ""
    if_exists: bool = False


@dataclass(eq=False, repr=False)
class CreateIndex(Statement):
    """CREATE [UNIQUE] INDEX, with its columns and WHERE."""

    name: str = ""
    table: str = ""
    unique: bool = False
    if_not_exists: bool = False
    columns: tuple[IndexedColumn, ...] = ()
    where: str | None = None


@dataclass(eq=False, repr=False)
class CreateView(Statement):
    """CREATE VIEW, with its column names and SELECT."""

    name: str = ""
    if_not_exists: bool = False
    temporary: bool = False
    column_names: tuple[str, ...] = ()
    select: str = ""


@dataclass(eq=False, repr=False)
class CreateTrigger(Statement):
    """CREATE TRIGGER, with its timing, event, WHEN and body."""

    name: str = ""
    if_not_exists: bool = False
    temporary: bool = False
    timing: str = "BEFORE"  # BEFORE | AFTER | INSTEAD OF
    event: str = "INSERT"  # INSERT | DELETE | UPDATE
    update_columns: tuple[str, ...] = ()
    table: str = ""
    for_each_row: bool = False
    when: str | None = None
    body: tuple[str, ...] = ()  # the body's statements, verbatim, without `;`


@dataclass(eq=False, repr=False)
class Pragma(Statement):
    """PRAGMA name [= value]."""

    name: str = ""
    schema: str | None = None
    value: str | None = None


@dataclass(eq=False, repr=False)
class Transaction(Statement):
    """BEGIN, COMMIT, ROLLBACK, SAVEPOINT or RELEASE."""

    action: str = ""  # BEGIN, COMMIT, END, ROLLBACK, SAVEPOINT, RELEASE


@dataclass(eq=False, repr=False)
class OtherStatement(Statement):
    """A statement that changes no schema object: DML, ATTACH, VACUUM, ANALYZE, and what is not known."""

    temporary: bool = False


# --- the parser ------------------------------------------------------------------------------

_COLUMN_CONSTRAINT_START = {
    "CONSTRAINT",
    "PRIMARY",
    "NOT",
    "NULL",
    "UNIQUE",
    "CHECK",
    "DEFAULT",
    "COLLATE",
    "REFERENCES",
    "GENERATED",
    "AS",
}
_TABLE_CONSTRAINT_START = {"CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"}
_DEFAULT_KEYWORDS = {"NULL", "TRUE", "FALSE", "CURRENT_TIME", "CURRENT_DATE", "CURRENT_TIMESTAMP"}
_DML_KEYWORDS = {"INSERT", "REPLACE", "UPDATE", "DELETE", "SELECT", "WITH", "VALUES"}


_NAME_KINDS = (TokenKind.WORD, TokenKind.QUOTED, TokenKind.STRING)


class _Cursor:
    """A position in one statement's tokens."""

    def __init__(self, raw: RawStatement, source: str) -> None:
        self.tokens = raw.tokens
        self.pos = 0
        self.raw = raw
        self.source = source

    def peek(self, ahead: int = 0) -> Token | None:
        index = self.pos + ahead
        return self.tokens[index] if index < len(self.tokens) else None

    def at_end(self) -> bool:
        return self.pos >= len(self.tokens)

    def next(self) -> Token:
        token = self.peek()
        if token is None:
            last = self.tokens[-1] if self.tokens else None
            raise StatementError("incomplete input", last)
        self.pos += 1
        return token

    # accept_word(s), expect_word, accept_punct and name read the tokens in place (no peek(), no
    # is_word()): the parser calls them for nearly every token.

    def accept_word(self, *words: str) -> Token | None:
        index = self.pos
        if index < len(self.tokens):
            token = self.tokens[index]
            if token.kind is TokenKind.WORD and token.text.upper() in words:
                self.pos = index + 1
                return token
        return None

    def accept_words(self, *words: str) -> bool:
        """Accept a sequence of keywords, all or none."""
        index, tokens = self.pos, self.tokens
        if index + len(words) > len(tokens):
            return False
        for offset, word in enumerate(words):
            token = tokens[index + offset]
            if token.kind is not TokenKind.WORD or token.text.upper() != word:
                return False
        self.pos = index + len(words)
        return True

    def expect_word(self, *words: str) -> Token:
        index = self.pos
        token = self.tokens[index] if index < len(self.tokens) else None
        if token is None or token.kind is not TokenKind.WORD or token.text.upper() not in words:
            raise StatementError(_near(token, f"expected {' or '.join(words)}"), token or self._last())
        self.pos = index + 1
        return token

    def accept_punct(self, text: str) -> Token | None:
        index = self.pos
        if index < len(self.tokens):
            token = self.tokens[index]
            if token.kind is TokenKind.PUNCT and token.text == text:
                self.pos = index + 1
                return token
        return None

    def expect_punct(self, text: str) -> Token:
        token = self.peek()
        if token is None or not token.is_punct(text):
            raise StatementError(_near(token, f"expected '{text}'"), token or self._last())
        self.pos += 1
        return token

    def name(self) -> str:
        index = self.pos
        token = self.tokens[index] if index < len(self.tokens) else None
        if token is None or token.kind not in _NAME_KINDS:
            raise StatementError(_near(token, "expected a name"), token or self._last())
        self.pos = index + 1
        return token.text if token.kind is TokenKind.WORD else token.identifier

    def qualified_name(self) -> tuple[str | None, str]:
        first = self.name()
        if self.accept_punct("."):
            return first, self.name()
        return None, first

    def balanced(self) -> tuple[int, int]:
        """Skip `( ... )` starting at the current `(`; return the inner tokens' index range."""
        self.expect_punct("(")
        start = self.pos
        depth = 1
        while True:
            token = self.peek()
            if token is None:
                raise StatementError("incomplete input: unbalanced parentheses", self._last())
            self.pos += 1
            if token.kind is TokenKind.PUNCT:
                if token.text == "(":
                    depth += 1
                elif token.text == ")":
                    depth -= 1
                    if depth == 0:
                        return start, self.pos - 1

    def span(self, first: int, stop: int) -> str:
        """Source text of tokens[first:stop], verbatim."""
        if stop <= first:
            return ""
        return self.source[self.tokens[first].start : self.tokens[stop - 1].end]

    def _last(self) -> Token | None:
        return self.tokens[-1] if self.tokens else None


def _near(token: Token | None, what: str) -> str:
    if token is None:
        return f"incomplete input ({what})"
    return f'near "{token.text}": syntax error ({what})'


def parse_statement(raw: RawStatement, source: str) -> Statement:
    """Classify and parse one statement. Raises StatementError for DDL that does not parse.
    A statement of `raw.source` is parsed once: the result (or the error) is kept on `raw`."""
    keyword = raw.first_word()
    if keyword not in ("CREATE", "ALTER", "DROP", "PRAGMA"):
        return _classify(raw, keyword)
    if source is not raw.source:
        return _parse_ddl(raw, source, keyword)
    if raw.parsed is None:
        try:
            raw.parsed = _parse_ddl(raw, source, keyword)
        except StatementError as error:
            raw.parsed = error
    if isinstance(raw.parsed, StatementError):
        raise raw.parsed.with_traceback(None)
    assert isinstance(raw.parsed, Statement)
    return raw.parsed


def _parse_ddl(raw: RawStatement, source: str, keyword: str) -> Statement:
    cur = _Cursor(raw, source)
    if keyword == "CREATE":
        return _parse_create(cur, keyword)
    if keyword == "ALTER":
        return _parse_alter(cur, keyword)
    if keyword == "DROP":
        return _parse_drop(cur, keyword)
    return _parse_pragma(cur, keyword)


def _classify(raw: RawStatement, keyword: str) -> Statement:
    """Statements that change no schema: classified by their first word, never tokenized."""
    if keyword == "EXPLAIN":
        return OtherStatement(raw, Kind.MAINTENANCE, keyword)
    if keyword in ("BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"):
        return Transaction(raw, Kind.TRANSACTION, keyword, action=keyword)
    if keyword in _DML_KEYWORDS:
        return OtherStatement(raw, Kind.DML, keyword)
    if keyword == "ATTACH":
        return OtherStatement(raw, Kind.ATTACH, keyword)
    if keyword == "DETACH":
        return OtherStatement(raw, Kind.DETACH, keyword)
    if keyword == "VACUUM":
        return OtherStatement(raw, Kind.VACUUM, keyword)
    if keyword in ("ANALYZE", "REINDEX"):
        return OtherStatement(raw, Kind.MAINTENANCE, keyword)
    return OtherStatement(raw, Kind.UNKNOWN, keyword)


def _parse_create(cur: _Cursor, keyword: str) -> Statement:
    raw = cur.raw
    cur.expect_word("CREATE")
    temporary = cur.accept_word("TEMP", "TEMPORARY") is not None
    unique = cur.accept_word("UNIQUE") is not None
    if unique:
        cur.expect_word("INDEX")
        return _parse_create_index(cur, keyword, unique=True)
    if cur.accept_word("VIRTUAL"):
        cur.expect_word("TABLE")
        return _parse_create_virtual_table(cur, keyword)
    what = cur.expect_word("TABLE", "INDEX", "VIEW", "TRIGGER").upper
    if what == "TABLE":
        return _parse_create_table(cur, keyword, temporary)
    if what == "INDEX":
        return _parse_create_index(cur, keyword, unique=False)
    if what == "VIEW":
        return _parse_create_view(cur, keyword, temporary)
    return _parse_create_trigger(cur, keyword, temporary, raw)


def _if_not_exists(cur: _Cursor) -> bool:
    return cur.accept_words("IF", "NOT", "EXISTS")


def _object_name(cur: _Cursor) -> tuple[str, bool]:
    """A possibly schema-qualified name; the flag says it names the temp schema."""
    schema, name = cur.qualified_name()
    return name, schema is not None and schema.lower() == "temp"


def _parse_create_table(cur: _Cursor, keyword: str, temporary: bool) -> Statement:
    if_not_exists = _if_not_exists(cur)
    name, in_temp = _object_name(cur)
    temporary = temporary or in_temp
    if cur.accept_word("AS"):
        select = cur.span(cur.pos, len(cur.tokens))
        if not select:
            raise StatementError("incomplete input", cur.peek(-1))
        return CreateTable(
            cur.raw,
            Kind.CREATE_TABLE_AS,
            keyword,
            name=name,
            if_not_exists=if_not_exists,
            temporary=temporary,
            as_select=select,
        )
    cur.expect_punct("(")
    columns: list[ColumnDef] = []
    constraints: list[TableConstraintDef] = []
    while True:
        token = cur.peek()
        if token is None:
            raise StatementError("incomplete input", cur.tokens[-1])
        if token.is_word(*_TABLE_CONSTRAINT_START):
            while True:
                constraints.append(_parse_table_constraint(cur))
                if cur.accept_punct(")"):
                    break
                cur.accept_punct(",")  # SQLite lets table constraints go without commas
            break
        columns.append(_parse_column_def(cur))
        if cur.accept_punct(","):
            continue
        cur.expect_punct(")")
        break
    if not columns:
        raise StatementError(_near(cur.peek(-1), "a table needs at least one column"), cur.peek(-1))
    without_rowid = strict = False
    while not cur.at_end():
        if cur.accept_words("WITHOUT", "ROWID"):
            without_rowid = True
        elif cur.accept_word("STRICT"):
            strict = True
        else:
            token = cur.peek()
            raise StatementError(_near(token, "unexpected text after the table definition"), token)
        if not cur.accept_punct(","):
            break
    if not cur.at_end():
        token = cur.peek()
        raise StatementError(_near(token, "unexpected text after the table definition"), token)
    return CreateTable(
        cur.raw,
        Kind.CREATE_TABLE,
        keyword,
        name=name,
        if_not_exists=if_not_exists,
        temporary=temporary,
        columns=tuple(columns),
        constraints=tuple(constraints),
        without_rowid=without_rowid,
        strict=strict,
    )


def _parse_column_def(cur: _Cursor) -> ColumnDef:
    start = cur.pos
    name = cur.name()
    # The declared type: every word up to a constraint keyword, `,` or `)`, plus `(n[, m])`. The
    # tokens are read in place: a column definition is the parser's most frequent production.
    tokens, count = cur.tokens, len(cur.tokens)
    position = type_start = type_stop = cur.pos
    while position < count:
        token = tokens[position]
        kind = token.kind
        if (
            kind is TokenKind.QUOTED
            or kind is TokenKind.STRING
            or (kind is TokenKind.WORD and token.text.upper() not in _COLUMN_CONSTRAINT_START)
        ):
            position += 1
            type_stop = position
            continue
        if kind is TokenKind.PUNCT and token.text == "(" and type_stop > type_start:
            cur.pos = position
            cur.balanced()
            position = type_stop = cur.pos
        break
    cur.pos = position
    declared_type = cur.span(type_start, type_stop)
    fields: dict[str, Any] = {}
    checks: list[str] = []
    names: list[str] = []
    while cur.pos < count:
        token = tokens[cur.pos]
        if token.kind is TokenKind.PUNCT and token.text in (",", ")"):
            break
        # Each constraint starts with a keyword: read it once, then take it.
        word = token.text.upper() if token.kind is TokenKind.WORD else ""
        if word in _COLUMN_CONSTRAINT_START:
            cur.pos += 1
        if word == "CONSTRAINT":
            names.append(cur.name())
            continue
        if word == "PRIMARY":
            cur.expect_word("KEY")
            fields["primary_key"] = True
            if cur.accept_word("DESC"):
                fields["primary_key_desc"] = True
            else:
                cur.accept_word("ASC")
            _conflict_clause(cur)
            if cur.accept_word("AUTOINCREMENT"):
                fields["autoincrement"] = True
            continue
        if word == "NOT":
            cur.expect_word("NULL")
            fields["not_null"] = True
            _conflict_clause(cur)
            continue
        if word == "NULL":
            _conflict_clause(cur)
            continue
        if word == "UNIQUE":
            fields["unique"] = True
            _conflict_clause(cur)
            continue
        if word == "CHECK":
            first, stop = cur.balanced()
            checks.append(cur.span(first, stop))
            continue
        if word == "DEFAULT":
            fields["default"] = _default_value(cur)
            continue
        if word == "COLLATE":
            fields["collation"] = cur.name()
            continue
        if word == "REFERENCES":
            fields["references"] = (*fields.get("references", ()), _foreign_key_clause(cur))
            continue
        if word == "GENERATED":
            cur.expect_word("ALWAYS")
            cur.expect_word("AS")
            _generated(cur, fields)
            continue
        if word == "AS":
            _generated(cur, fields)
            continue
        raise StatementError(_near(token, "unexpected text in a column definition"), token)
    return ColumnDef(
        name=name,
        type=declared_type,
        check=tuple(checks),
        constraint_names=tuple(names),
        text=cur.span(start, cur.pos),
        start=cur.tokens[start].start,
        after_name=cur.source[cur.tokens[start].end : cur.tokens[cur.pos - 1].end].strip(),
        **fields,
    )


def _generated(cur: _Cursor, fields: dict[str, Any]) -> None:
    first, stop = cur.balanced()
    fields["generated_expr"] = cur.span(first, stop)
    kind = cur.accept_word("STORED", "VIRTUAL")
    fields["generated"] = kind.upper.lower() if kind else "virtual"


def _conflict_clause(cur: _Cursor) -> None:
    if cur.accept_words("ON", "CONFLICT"):
        cur.expect_word("ROLLBACK", "ABORT", "FAIL", "IGNORE", "REPLACE")


def _default_value(cur: _Cursor) -> str:
    token = cur.peek()
    if token is None:
        raise StatementError("incomplete input", cur.tokens[-1])
    if token.is_punct("("):
        first, stop = cur.balanced()
        return cur.span(first, stop)
    if token.is_punct("-") or token.is_punct("+"):
        start = cur.pos
        cur.pos += 1
        number = cur.next()
        if number.kind is not TokenKind.NUMBER and not number.is_word("INF", "NAN"):
            raise StatementError(_near(number, "expected a number"), number)
        return cur.span(start, cur.pos)
    if token.kind in (TokenKind.STRING, TokenKind.NUMBER, TokenKind.BLOB, TokenKind.QUOTED):
        cur.pos += 1
        return token.text
    if token.kind is TokenKind.WORD and not token.is_word(*(_COLUMN_CONSTRAINT_START - _DEFAULT_KEYWORDS)):
        cur.pos += 1
        return token.text
    raise StatementError(_near(token, "expected a default value"), token)


def _foreign_key_clause(cur: _Cursor) -> ForeignKeyClause:
    ref_table = cur.name()
    ref_columns: tuple[str, ...] = ()
    if cur.peek() is not None and cur.peek().is_punct("("):  # type: ignore[union-attr]
        ref_columns = tuple(name for name, _ in _name_list(cur))
    on_delete = on_update = "NO ACTION"
    match = "NONE"
    deferrable: str | None = None
    while True:
        if cur.accept_word("ON"):
            which = cur.expect_word("DELETE", "UPDATE").upper
            if cur.accept_word("SET"):
                action = "SET " + cur.expect_word("NULL", "DEFAULT").upper
            elif cur.accept_word("NO"):
                cur.expect_word("ACTION")
                action = "NO ACTION"
            else:
                action = cur.expect_word("CASCADE", "RESTRICT").upper
            if which == "DELETE":
                on_delete = action
            else:
                on_update = action
            continue
        if cur.accept_word("MATCH"):
            match = cur.name().upper()
            continue
        break
    start = cur.pos
    # NOT here starts NOT DEFERRABLE, or the column's next constraint (`REFERENCES p NOT NULL`).
    if cur.accept_words("NOT", "DEFERRABLE") or cur.accept_word("DEFERRABLE"):
        if cur.accept_word("INITIALLY"):
            cur.expect_word("DEFERRED", "IMMEDIATE")
        deferrable = " ".join(t.upper for t in cur.tokens[start : cur.pos])
    return ForeignKeyClause(ref_table, ref_columns, on_delete, on_update, match, deferrable)


def _name_list(cur: _Cursor) -> list[tuple[str, bool]]:
    """`( name [COLLATE x] [ASC|DESC], ... )` as (name, descending) pairs."""
    return _sort_list(cur, allow_autoincrement=False)[0]


def _sort_list(cur: _Cursor, allow_autoincrement: bool) -> tuple[list[tuple[str, bool]], bool]:
    """A name list; a table PRIMARY KEY's may end with AUTOINCREMENT before its `)`, as in SQLite's
    grammar (`PRIMARY KEY (id AUTOINCREMENT)`). Returns the pairs and whether AUTOINCREMENT was there."""
    cur.expect_punct("(")
    names: list[tuple[str, bool]] = []
    while True:
        name = cur.name()
        if cur.accept_word("COLLATE"):
            cur.name()
        desc = cur.accept_word("DESC") is not None
        if not desc:
            cur.accept_word("ASC")
        names.append((name, desc))
        if allow_autoincrement and cur.accept_word("AUTOINCREMENT"):
            cur.expect_punct(")")
            return names, True
        if cur.accept_punct(")"):
            return names, False
        cur.expect_punct(",")


def _parse_table_constraint(cur: _Cursor) -> TableConstraintDef:
    start = cur.pos
    name = cur.name() if cur.accept_word("CONSTRAINT") else None
    if cur.accept_word("PRIMARY"):
        cur.expect_word("KEY")
        pairs, autoincrement = _sort_list(cur, allow_autoincrement=True)
        _conflict_clause(cur)
        return TableConstraintDef(
            "primary key",
            name,
            tuple(n for n, _ in pairs),
            tuple(d for _, d in pairs),
            autoincrement=autoincrement,
            text=cur.span(start, cur.pos),
        )
    if cur.accept_word("UNIQUE"):
        pairs = _name_list(cur)
        _conflict_clause(cur)
        return TableConstraintDef(
            "unique",
            name,
            tuple(n for n, _ in pairs),
            tuple(d for _, d in pairs),
            text=cur.span(start, cur.pos),
        )
    if cur.accept_word("CHECK"):
        first, stop = cur.balanced()
        return TableConstraintDef("check", name, expression=cur.span(first, stop), text=cur.span(start, cur.pos))
    if cur.accept_word("FOREIGN"):
        cur.expect_word("KEY")
        columns = tuple(n for n, _ in _name_list(cur))
        cur.expect_word("REFERENCES")
        clause = _foreign_key_clause(cur)
        return TableConstraintDef("foreign key", name, columns, references=clause, text=cur.span(start, cur.pos))
    token = cur.peek()
    raise StatementError(_near(token, "expected a table constraint"), token or cur.tokens[-1])


def _parse_create_index(cur: _Cursor, keyword: str, unique: bool) -> Statement:
    if_not_exists = _if_not_exists(cur)
    name, _ = _object_name(cur)
    cur.expect_word("ON")
    table = cur.name()
    cur.expect_punct("(")
    columns: list[IndexedColumn] = []
    while True:
        start = cur.pos
        depth = 0
        while True:
            token = cur.peek()
            if token is None:
                raise StatementError("incomplete input", cur.tokens[-1])
            if depth == 0 and (token.is_punct(",") or token.is_punct(")") or token.is_word("COLLATE", "ASC", "DESC")):
                break
            if token.is_punct("("):
                depth += 1
            elif token.is_punct(")"):
                depth -= 1
            cur.pos += 1
        stop = cur.pos
        if stop == start:
            raise StatementError(_near(cur.peek(), "expected an indexed column"), cur.peek())
        collation = cur.name() if cur.accept_word("COLLATE") else None
        desc = cur.accept_word("DESC") is not None
        if not desc:
            cur.accept_word("ASC")
        single = cur.tokens[start]
        if stop - start == 1 and single.kind in (TokenKind.WORD, TokenKind.QUOTED, TokenKind.STRING):
            quote = "" if single.kind is TokenKind.WORD else single.text[0]
            columns.append(IndexedColumn(single.identifier, None, desc, collation, quote))
        else:
            columns.append(IndexedColumn(None, cur.span(start, stop), desc, collation))
        if cur.accept_punct(")"):
            break
        cur.expect_punct(",")
    where = None
    if cur.accept_word("WHERE"):
        where = cur.span(cur.pos, len(cur.tokens))
        if not where:
            raise StatementError("incomplete input", cur.tokens[-1])
        cur.pos = len(cur.tokens)
    if not cur.at_end():
        token = cur.peek()
        raise StatementError(_near(token, "unexpected text after the index definition"), token)
    return CreateIndex(
        cur.raw,
        Kind.CREATE_INDEX,
        keyword,
        name=name,
        table=table,
        unique=unique,
        if_not_exists=if_not_exists,
        columns=tuple(columns),
        where=where,
    )


def _parse_create_virtual_table(cur: _Cursor, keyword: str) -> Statement:
    if_not_exists = _if_not_exists(cur)
    name, _ = _object_name(cur)
    cur.expect_word("USING")
    module = cur.name()
    arguments: list[str] = []
    if cur.peek() is not None and cur.peek().is_punct("("):  # type: ignore[union-attr]
        first, stop = cur.balanced()
        depth = 0
        arg_start = first
        for index in range(first, stop):
            token = cur.tokens[index]
            if token.is_punct("("):
                depth += 1
            elif token.is_punct(")"):
                depth -= 1
            elif token.is_punct(",") and depth == 0:
                arguments.append(cur.span(arg_start, index))
                arg_start = index + 1
        if stop > arg_start:
            arguments.append(cur.span(arg_start, stop))
    if not cur.at_end():
        extra = cur.peek()
        raise StatementError(_near(extra, "unexpected text after the module arguments"), extra)
    return CreateVirtualTable(
        cur.raw,
        Kind.CREATE_VIRTUAL_TABLE,
        keyword,
        name=name,
        if_not_exists=if_not_exists,
        module=module,
        arguments=tuple(arguments),
    )


def _parse_create_view(cur: _Cursor, keyword: str, temporary: bool) -> Statement:
    if_not_exists = _if_not_exists(cur)
    name, in_temp = _object_name(cur)
    column_names: tuple[str, ...] = ()
    if cur.peek() is not None and cur.peek().is_punct("("):  # type: ignore[union-attr]
        column_names = tuple(n for n, _ in _name_list(cur))
    cur.expect_word("AS")
    select = cur.span(cur.pos, len(cur.tokens))
    if not select:
        raise StatementError("incomplete input", cur.tokens[-1])
    return CreateView(
        cur.raw,
        Kind.CREATE_VIEW,
        keyword,
        name=name,
        if_not_exists=if_not_exists,
        temporary=temporary or in_temp,
        column_names=column_names,
        select=select,
    )


def _parse_create_trigger(cur: _Cursor, keyword: str, temporary: bool, raw: RawStatement) -> Statement:
    if_not_exists = _if_not_exists(cur)
    name, in_temp = _object_name(cur)
    timing = "BEFORE"
    if cur.accept_word("BEFORE"):
        timing = "BEFORE"
    elif cur.accept_word("AFTER"):
        timing = "AFTER"
    elif cur.accept_words("INSTEAD", "OF"):
        timing = "INSTEAD OF"
    event = cur.expect_word("INSERT", "DELETE", "UPDATE").upper
    update_columns: tuple[str, ...] = ()
    if event == "UPDATE" and cur.accept_word("OF"):
        names = [cur.name()]
        while cur.accept_punct(","):
            names.append(cur.name())
        update_columns = tuple(names)
    cur.expect_word("ON")
    table = cur.name()
    if cur.accept_punct("."):
        table = cur.name()
    for_each_row = cur.accept_words("FOR", "EACH", "ROW")
    when = None
    if cur.accept_word("WHEN"):
        start = cur.pos
        depth = 0
        while True:
            token = cur.peek()
            if token is None:
                raise StatementError("incomplete input", cur.tokens[-1])
            if depth == 0 and token.is_word("BEGIN"):
                break
            if token.is_punct("("):
                depth += 1
            elif token.is_punct(")"):
                depth -= 1
            cur.pos += 1
        when = cur.span(start, cur.pos)
    cur.expect_word("BEGIN")
    last = cur.tokens[-1]
    if not last.is_word("END") or len(cur.tokens) - 1 <= cur.pos:
        raise StatementError(_near(last, "a trigger body ends with END"), last)
    body: list[str] = []
    start = cur.pos
    for index in range(cur.pos, len(cur.tokens) - 1):
        if cur.tokens[index].is_punct(";"):
            if index > start:
                body.append(cur.span(start, index))
            start = index + 1
    if start < len(cur.tokens) - 1:
        raise StatementError(_near(cur.tokens[-1], "a body statement lacks its ';'"), cur.tokens[-1])
    if not body:
        raise StatementError(_near(last, "a trigger body needs a statement"), last)
    return CreateTrigger(
        raw,
        Kind.CREATE_TRIGGER,
        keyword,
        name=name,
        if_not_exists=if_not_exists,
        temporary=temporary or in_temp,
        timing=timing,
        event=event,
        update_columns=update_columns,
        table=table,
        for_each_row=for_each_row,
        when=when,
        body=tuple(body),
    )


def _parse_alter(cur: _Cursor, keyword: str) -> Statement:
    cur.expect_word("ALTER")
    cur.expect_word("TABLE")
    table, _ = _object_name(cur)
    if cur.accept_word("RENAME"):
        if cur.accept_word("TO"):
            return AlterTable(cur.raw, Kind.RENAME_TABLE, keyword, table=table, new_name=_final_name(cur))
        cur.accept_word("COLUMN")
        old = cur.name()
        cur.expect_word("TO")
        return AlterTable(cur.raw, Kind.RENAME_COLUMN, keyword, table=table, column_name=old, new_name=_final_name(cur))
    if cur.accept_word("ADD"):
        cur.accept_word("COLUMN")
        token = cur.peek()
        if token is not None and token.is_word("CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"):
            # SQLite 3.53 added ADD CONSTRAINT; D1's SQLite rejects it.
            raise StatementError(_near(token, "D1 does not support ADD CONSTRAINT"), token)
        column = _parse_column_def(cur)
        if not cur.at_end():
            token = cur.peek()
            raise StatementError(_near(token, "ALTER TABLE adds one column at a time"), token)
        return AlterTable(cur.raw, Kind.ADD_COLUMN, keyword, table=table, column=column)
    if cur.accept_word("DROP"):
        token = cur.peek()
        if token is not None and token.is_word("CONSTRAINT"):
            raise StatementError(_near(token, "D1 does not support DROP CONSTRAINT"), token)
        cur.accept_word("COLUMN")
        return AlterTable(cur.raw, Kind.DROP_COLUMN, keyword, table=table, column_name=_final_name(cur))
    token = cur.peek()
    raise StatementError(
        _near(token, "D1 supports ALTER TABLE RENAME, ADD COLUMN and DROP COLUMN only"),
        token or cur.tokens[-1],
    )


def _final_name(cur: _Cursor) -> str:
    name = cur.name()
    if not cur.at_end():
        token = cur.peek()
        raise StatementError(_near(token, "unexpected text"), token)
    return name


def _parse_drop(cur: _Cursor, keyword: str) -> Statement:
    cur.expect_word("DROP")
    what = cur.expect_word("TABLE", "INDEX", "VIEW", "TRIGGER").upper
    if_exists = cur.accept_words("IF", "EXISTS")
    name, _ = _object_name(cur)
    if not cur.at_end():
        token = cur.peek()
        raise StatementError(_near(token, "unexpected text"), token)
    kind = {
        "TABLE": Kind.DROP_TABLE,
        "INDEX": Kind.DROP_INDEX,
        "VIEW": Kind.DROP_VIEW,
        "TRIGGER": Kind.DROP_TRIGGER,
    }[what]
    return DropObject(cur.raw, kind, keyword, name=name, if_exists=if_exists)


def _parse_pragma(cur: _Cursor, keyword: str) -> Statement:
    cur.expect_word("PRAGMA")
    schema, name = cur.qualified_name()
    value = None
    if cur.accept_punct("="):
        value = cur.span(cur.pos, len(cur.tokens))
    elif cur.peek() is not None and cur.peek().is_punct("("):  # type: ignore[union-attr]
        first, stop = cur.balanced()
        value = cur.span(first, stop)
    return Pragma(cur.raw, Kind.PRAGMA, keyword, name=name.lower(), schema=schema, value=value)


# --- sqlglot ---------------------------------------------------------------------------------


def parse_with_sqlglot(sql: str, *, lenient: bool = False) -> exp.Expression | None:
    """sqlglot's tree for one statement (sqlite dialect), or None when it cannot parse it.

    `lenient`: keep the tree sqlglot builds despite its own errors (a function it knows called
    with another number of arguments, `contains(a)`); only for questions the text confirms."""
    import sqlglot
    from sqlglot import exp as sqlglot_exp
    from sqlglot.errors import ErrorLevel, SqlglotError

    try:
        if lenient:
            tree = sqlglot.parse_one(sql, read="sqlite", error_level=ErrorLevel.IGNORE)
        else:
            tree = sqlglot.parse_one(sql, read="sqlite")
    except (SqlglotError, RecursionError, ValueError):
        return None
    except (TypeError, AttributeError, IndexError):  # sqlglot going on past its own errors
        if not lenient:
            raise
        return None
    if isinstance(tree, sqlglot_exp.Command) or not isinstance(tree, sqlglot_exp.Expression):
        return None
    return tree
