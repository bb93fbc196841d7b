"""D1's limits (GS415-GS418): columns per table, statement length, compound SELECT terms, LIKE patterns.

The numbers are `grove_schema.d1`'s (workerd's `setupSecurity`), which the dev database applies, so
a rule and the dev database never disagree. Rules are pure: they read the statement and the model.
"""

from __future__ import annotations

from collections.abc import Iterable

from grove_schema.d1 import MAX_COLUMNS, MAX_COMPOUND_TERMS, MAX_LIKE_PATTERN_BYTES, MAX_STATEMENT_BYTES
from grove_schema.findings import Severity
from grove_schema.rules.base import Rule, RuleContext, Violation
from grove_schema.sql.lexer import Token, TokenKind
from grove_schema.sql.parsing import AlterTable, CreateTable, Kind

# --- GS415 too-many-columns --------------------------------------------------------------------


class TooManyColumns(Rule):
    """A table with more than 100 columns (CREATE TABLE, or the ADD COLUMN that makes it 101).

    **Problem**: D1 limits a table to 100 columns (SQLITE_LIMIT_COLUMN). A CREATE TABLE with
    more fails with "too many columns on <table>", and so does the ADD COLUMN that would make the
    101st: the migration file is rolled back and the ones after it are not applied. Tables grow
    one ADD COLUMN at a time, so the limit is usually hit long after the table was designed.

    **Anti-pattern**:
    ```sql
    -- tenant_settings already has 100 columns
    ALTER TABLE tenant_settings ADD COLUMN theme_accent TEXT;
    ```

    **Fix**: move columns that belong together to a side table keyed by the same id (one row per
    row of the main table), or keep rarely queried settings in one JSON column.
    ```sql
    CREATE TABLE tenant_theme (
      tenant_id TEXT PRIMARY KEY REFERENCES tenant_settings (tenant_id) ON DELETE CASCADE,
      accent TEXT
    );
    ```
    """

    code = "GS415"
    name = "too-many-columns"
    severity = Severity.ERROR
    kinds = frozenset({Kind.CREATE_TABLE, Kind.ADD_COLUMN})
    explains = ("too many columns",)

    def check(self, context: RuleContext) -> Iterable[Violation]:
        statement = context.statement
        fix = (
            "fix: move related columns to a side table keyed by the same id (1:1), or keep rarely queried "
            "values in one JSON column"
        )
        if isinstance(statement, CreateTable):
            count = len(statement.columns)
            if count > MAX_COLUMNS:
                yield Violation(
                    f"CREATE TABLE {statement.name} declares {count} columns: D1 allows at most {MAX_COLUMNS} "
                    f'per table and fails with "too many columns on {statement.name}"; {fix}'
                )
        elif isinstance(statement, AlterTable) and statement.column is not None:
            table = context.schema.table(statement.table)
            if table is None or len(table.columns) < MAX_COLUMNS:
                return
            count = len(table.columns) + 1
            yield Violation(
                f"ADD COLUMN {statement.column.name} would give {table.name} {count} columns: D1 allows at "
                f'most {MAX_COLUMNS} per table and fails with "too many columns on {table.name}"; {fix}'
            )


# --- GS416 statement-too-long ------------------------------------------------------------------


class StatementTooLong(Rule):
    """A statement over 100,000 bytes: D1 refuses it before running it.

    **Problem**: D1 limits one SQL statement to 100,000 bytes (SQLITE_LIMIT_SQL_LENGTH; SQLite
    says "string or blob too big", SQLITE_TOOBIG). It is usually a seed INSERT of many rows or
    one with a large text literal. The replay rejects such a statement before parsing it, as D1
    does, so this is the finding for it; the file is rolled back in D1.

    **Anti-pattern**:
    ```sql
    -- one INSERT of 3,000 rows, 450 KB
    INSERT INTO reserved_usernames (username, reason) VALUES ('admin', 'system'), ('root', 'system'), ...;
    ```

    **Fix**: split it into several statements under 100,000 bytes each (a few hundred rows per
    INSERT), or load large content from the Worker with bound parameters.
    ```sql
    INSERT INTO reserved_usernames (username, reason) VALUES ('admin', 'system'), ...;  -- rows 1-500
    INSERT INTO reserved_usernames (username, reason) VALUES ('mod', 'system'), ...;    -- rows 501-1000
    ```
    """

    code = "GS416"
    name = "statement-too-long"
    severity = Severity.ERROR
    explains = ("string or blob too big", "statement too long", "too big")

    def check(self, context: RuleContext) -> Iterable[Violation]:
        raw = context.statement.raw
        if 4 * (raw.end - raw.start) <= MAX_STATEMENT_BYTES:
            return  # a character takes at most 4 bytes in UTF-8: no need to encode a short statement
        size = len(raw.text.encode())
        if size > MAX_STATEMENT_BYTES:
            yield Violation(self.message(size))

    def message(self, size: int, sqlite_message: str | None = None) -> str:
        """The finding for a statement of `size` bytes; the replay calls it for statements it never
        parses, with SQLite's message when the dev database gives one."""
        quoted = f' (SQLite: "{sqlite_message}")' if sqlite_message else ""
        return (
            f"statement too long: {size:,} bytes; D1 refuses SQL statements over {MAX_STATEMENT_BYTES:,} bytes "
            f"(SQLITE_TOOBIG){quoted}; fix: split it into several statements (for an INSERT, a few hundred rows "
            "each) or load large values from the Worker with bound parameters"
        )


# --- GS417 compound-select-limit ---------------------------------------------------------------

_SET_OPERATORS = ("UNION", "INTERSECT", "EXCEPT")


class CompoundSelectLimit(Rule):
    """A compound SELECT of more than 5 terms (UNION / UNION ALL / INTERSECT / EXCEPT), anywhere.

    **Problem**: D1 limits a compound SELECT to 5 terms (SQLITE_LIMIT_COMPOUND_SELECT). A sixth
    fails with "too many terms in compound SELECT": in an INSERT ... SELECT of seed rows the
    migration is rolled back; in a view or a trigger the CREATE succeeds and every read of the
    view, or every statement that fires the trigger, fails. Local SQLite's default limit is 500,
    so the same SQL passes everywhere but D1.

    **Anti-pattern**:
    ```sql
    INSERT INTO plans (id, name)
    SELECT 1, 'seed' UNION ALL SELECT 2, 'sapling' UNION ALL SELECT 3, 'oak'
    UNION ALL SELECT 4, 'evergreen' UNION ALL SELECT 5, 'grove' UNION ALL SELECT 6, 'forest';
    ```

    **Fix**: a multi-row VALUES (not subject to the limit), or smaller compounds in subqueries.
    ```sql
    INSERT INTO plans (id, name)
    VALUES (1, 'seed'), (2, 'sapling'), (3, 'oak'), (4, 'evergreen'), (5, 'grove'), (6, 'forest');
    ```
    """

    code = "GS417"
    name = "compound-select-limit"
    severity = Severity.ERROR
    explains = ("too many terms in compound SELECT",)

    def check(self, context: RuleContext) -> Iterable[Violation]:
        statement = context.statement
        if statement.kind in (Kind.PRAGMA, Kind.TRANSACTION):
            return
        raw = statement.raw
        lowered = raw.text.lower()
        if sum(lowered.count(word) for word in ("union", "intersect", "except")) < MAX_COMPOUND_TERMS:
            return  # fewer than 5 operators: no compound can have 6 terms (and nothing is tokenized)
        for terms, token in _long_compounds(raw.tokens):
            where = {
                Kind.CREATE_VIEW: " (the view is created, and fails each time it is read)",
                Kind.CREATE_TRIGGER: " (the trigger is created, and fails the statement that fires it)",
            }.get(statement.kind, "")
            yield Violation(
                f"compound SELECT of {terms} terms: D1 allows at most {MAX_COMPOUND_TERMS} and fails with "
                f'"too many terms in compound SELECT"{where}; fix: use a multi-row VALUES (...), (...) list, '
                f"or split it into compounds of at most {MAX_COMPOUND_TERMS} terms in subqueries",
                context.locate(token.start),
            )


def _long_compounds(tokens: list[Token]) -> list[tuple[int, Token]]:
    """(terms, the operator that starts the first term over the limit) for each compound SELECT of
    more than the limit. SQLite's compound terms cannot be parenthesized, so the operators of one
    compound are those at the same parenthesis level between two `;` (a trigger body) or parens."""
    counts: dict[tuple[int, int], list[Token]] = {}
    groups = [-1]  # the index of each open parenthesis, innermost last
    segment = 0
    for index, token in enumerate(tokens):
        if token.kind is TokenKind.PUNCT:
            if token.text == "(":
                groups.append(index)
            elif token.text == ")" and len(groups) > 1:
                groups.pop()
            elif token.text == ";" and len(groups) == 1:
                segment += 1
        elif token.is_word(*_SET_OPERATORS):
            counts.setdefault((groups[-1], segment if len(groups) == 1 else 0), []).append(token)
    found = []
    for operators in counts.values():
        terms = len(operators) + 1
        if terms > MAX_COMPOUND_TERMS:
            found.append((terms, operators[MAX_COMPOUND_TERMS - 1]))
    return sorted(found, key=lambda item: item[1].start)


# --- GS418 like-pattern-too-long ---------------------------------------------------------------

_OPERATORS = frozenset(
    {"+", "-", "*", "/", "%", "<", ">", "=", "==", "!=", "<>", "<=", ">=", "&", "|", "<<", ">>", "->", "->>", "."}
)


class LikePatternTooLong(Rule):
    """A LIKE or GLOB pattern literal longer than 50 bytes.

    **Problem**: D1 limits LIKE and GLOB patterns to 50 bytes (SQLITE_LIMIT_LIKE_PATTERN_LENGTH).
    A longer pattern fails with "LIKE or GLOB pattern too complex" when the comparison runs: in
    an UPDATE or DELETE of the migration, in a CHECK on every insert, in a view each time it is
    read. SQLite's default limit is 50,000, so it passes locally.

    **Anti-pattern**:
    ```sql
    DELETE FROM sessions
    WHERE user_agent LIKE 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)%';
    ```

    **Fix**: a shorter pattern, or compare a prefix with substr() or instr() (no limit).
    ```sql
    DELETE FROM sessions WHERE instr(user_agent, 'Googlebot/2.1') > 0;
    ```
    """

    code = "GS418"
    name = "like-pattern-too-long"
    severity = Severity.ERROR
    explains = ("LIKE or GLOB pattern too complex",)

    def check(self, context: RuleContext) -> Iterable[Violation]:
        statement = context.statement
        if statement.kind in (Kind.PRAGMA, Kind.TRANSACTION):
            return
        raw = statement.raw
        lowered = raw.text.lower()
        if "like" not in lowered and "glob" not in lowered:
            return  # nothing to tokenize
        for operator, literal, size in _long_patterns(raw.tokens):
            yield Violation(
                f"{operator} pattern of {size} bytes: D1 limits LIKE and GLOB patterns to "
                f'{MAX_LIKE_PATTERN_BYTES} bytes and fails with "LIKE or GLOB pattern too complex" when '
                "it runs; fix: shorten the pattern, or test a fixed part with instr() or substr()",
                context.locate(literal.start),
            )


def _long_patterns(tokens: list[Token]) -> list[tuple[str, Token, int]]:
    """(LIKE or GLOB, the pattern literal, its size in bytes) for each literal pattern over the limit.
    In `x LIKE 'p'` and in the function form `like('p', x)` alike, the pattern is the first literal
    after the keyword (past any `(`)."""
    found = []
    for index, token in enumerate(tokens):
        if not token.is_word("LIKE", "GLOB"):
            continue
        cursor = index + 1
        while cursor < len(tokens) and tokens[cursor].is_punct("("):
            cursor += 1
        if cursor >= len(tokens) or tokens[cursor].kind is not TokenKind.STRING:
            continue
        literal = tokens[cursor]
        after = tokens[cursor + 1] if cursor + 1 < len(tokens) else None
        if after is not None and after.kind is TokenKind.PUNCT and after.text in _OPERATORS:
            continue  # an operand of a larger expression (`LIKE 'a' + x`): not the pattern itself
        # `'literal' || x` makes a pattern at least as long as the literal: still too long.
        size = len(literal.text[1:-1].replace("''", "'").encode())
        if size > MAX_LIKE_PATTERN_BYTES:
            found.append((token.upper, literal, size))
    return found


RULES: tuple[Rule, ...] = (
    TooManyColumns(),
    StatementTooLong(),
    CompoundSelectLimit(),
    LikePatternTooLong(),
)
