"""How generated SQL text writes names, expressions and comments.

One quoting function, `quote_name`, for every name the tool writes into SQL (rendered DDL, drop
statements, rewritten view and trigger bodies, messages that suggest a statement): bare when
SQLite reads it back as the same name, else in double quotes.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

from grove_schema.sql.lexer import TokenKind, tokenize

# SQLite keywords that cannot stand as a bare name in a column definition, a table or index name
# or a REFERENCES clause (found by trying each of SQLite 3.54's keywords in those places). Every
# other keyword falls back to an identifier there, as the migrations themselves rely on (`action`).
RESERVED_WORDS = frozenset(
    """
    ADD ALL ALTER AND AS AUTOINCREMENT BETWEEN CASE CAST CHECK COLLATE COMMIT CONSTRAINT CREATE
    CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP DEFAULT DEFERRABLE DELETE DISTINCT DROP ELSE ESCAPE
    EXCEPT EXISTS FOREIGN FROM GROUP HAVING IF IN INDEX INSERT INTERSECT INTO IS ISNULL JOIN LIMIT
    NOT NOTHING NOTNULL NULL ON OR ORDER PRIMARY RAISE REFERENCES RETURNING SELECT SET TABLE THEN TO
    TRANSACTION UNION UNIQUE UPDATE USING VALUES WHEN WHERE
    """.split()
)


def is_bare_name(name: str) -> bool:
    """Whether SQLite reads `name` written without quotes back as the same name: ASCII letters,
    digits and `_`, not starting with a digit, and not a reserved word."""
    plain = name.isascii() and name.replace("_", "a").isalnum() and not name[:1].isdigit()
    return plain and name.upper() not in RESERVED_WORDS


def quote_name(name: str, *, always: bool = False) -> str:
    """`name` as SQL: bare when SQLite reads it back unchanged, else in double quotes (an inner
    `"` doubled). `always` quotes it anyway: where the original text was quoted, or where the
    quoted spelling itself is what SQLite keeps (an expression column named `"x"`)."""
    if not always and is_bare_name(name):
        return name
    return '"' + name.replace('"', '""') + '"'


def name_list(names: Iterable[str]) -> str:
    """Names as a comma-separated SQL list: `a, "b c", d`."""
    return ", ".join(quote_name(n) for n in names)


def one_line(sql: str) -> str:
    """An expression on one line: runs of white space become one space (string literals keep
    theirs), and a `--` comment becomes a `/* */` one so the rest of the line still counts."""
    if "\n" not in sql and "\r" not in sql:
        return sql.strip()
    pieces: list[str] = []
    for token in tokenize(sql):
        if token.kind is TokenKind.SPACE:
            pieces.append(" ")
        elif token.kind is TokenKind.COMMENT and token.text.startswith("--"):
            body = token.text[2:].strip()
            if body and "*/" not in body:
                pieces.append(f"/* {body} */")
        else:
            pieces.append(token.text)
    return "".join(pieces).strip()


def comment_lines(text: str, width: int = 100, indent: str = "") -> list[str]:
    """`text` as `--` comment lines wrapped at `width`; continuation lines indented by two more."""
    if not text:
        return ["--"]
    wrapped = textwrap.wrap(
        text,
        width=width - 3,
        initial_indent=indent,
        subsequent_indent=indent + "  ",
        break_long_words=False,
        break_on_hyphens=False,
    )
    return [f"-- {line}".rstrip() for line in wrapped]
