import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from grove_schema.sql.lexer import (
    LineIndex,
    SplitFile,
    TokenKind,
    first_token,
    significant_tokens,
    split_statements,
    tokenize,
)


def texts(sql: str) -> list[str]:
    return [s.text for s in split_statements(sql).statements]


def test_splits_on_semicolons_outside_strings_and_comments() -> None:
    sql = "CREATE TABLE a(x TEXT DEFAULT ';'); -- a ; comment\n/* ; */ INSERT INTO a VALUES ('a;b');"
    assert texts(sql) == ["CREATE TABLE a(x TEXT DEFAULT ';')", "INSERT INTO a VALUES ('a;b')"]


def test_trigger_body_semicolons_and_case_end_stay_inside_the_trigger() -> None:
    sql = (
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n"
        "  SELECT CASE WHEN 1 THEN 2 END;\n"
        "  INSERT INTO a VALUES (CASE 1 WHEN 1 THEN 'x' END);\n"
        "END;\nSELECT 1;"
    )
    parts = texts(sql)
    assert len(parts) == 2
    assert parts[0].startswith("CREATE TRIGGER") and parts[0].endswith("END")
    assert parts[1] == "SELECT 1"


def test_temp_trigger_is_a_trigger_too() -> None:
    assert len(texts("CREATE TEMP TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END; SELECT 2;")) == 2


def test_unterminated_string_and_comment_are_reported() -> None:
    split = split_statements("SELECT 'abc\n")
    assert split.unterminated is not None and split.unterminated.kind is TokenKind.STRING
    split = split_statements("SELECT 1; /* never closed\n")
    assert split.unterminated is not None and split.unterminated.kind is TokenKind.COMMENT
    assert texts("SELECT 1; /* never closed\n") == ["SELECT 1"]


def test_escaped_quote_at_end_is_not_a_terminator() -> None:
    tokens = tokenize("'it''")
    assert tokens[0].unterminated


def test_last_statement_without_semicolon_is_flagged_unterminated() -> None:
    split = split_statements("SELECT 1;\nSELECT 2")
    assert [s.terminated for s in split.statements] == [True, False]


def test_quoted_identifiers_unquote() -> None:
    words = [t.identifier for t in tokenize('"a""b" [c d] `e`') if t.kind is TokenKind.QUOTED]
    assert words == ['a"b', "c d", "e"]


def test_line_index_positions_are_one_based() -> None:
    index = LineIndex.of("ab\ncd\n")
    assert index.position(0) == (1, 1)
    assert index.position(4) == (2, 2)


def test_drizzle_statement_breakpoints_are_comments() -> None:
    sql = "CREATE TABLE a (x);\n--> statement-breakpoint\nCREATE INDEX i ON a (x);"
    assert texts(sql) == ["CREATE TABLE a (x)", "CREATE INDEX i ON a (x)"]


def test_first_token_skips_spaces_and_comments_and_lexes_no_further() -> None:
    assert first_token("") is None
    assert first_token("  -- only a comment\n /* and this */ ") is None
    token = first_token(' /* c */ "quoted name" TEXT NOT NULL')
    assert token is not None and token.kind is TokenKind.QUOTED and token.text == '"quoted name"'
    assert token.start == 9 and token.end == 22
    unterminated = first_token("'open")
    assert unterminated is not None and unterminated.unterminated


def test_the_name_classes_are_the_letters_underscore_and_non_ascii() -> None:
    """The classes are written as the ASCII characters they leave out (fast to compile); this is
    what they must mean, for every code point."""
    import re

    from grove_schema.sql import lexer

    start, cont, plain = (re.compile(c) for c in (lexer._IDENT_START, lexer._IDENT_CONT, lexer._PLAIN))
    for code in range(0x110000):
        char = chr(code)
        is_start = (char.isascii() and (char.isalpha() or char == "_")) or not char.isascii()
        assert bool(start.fullmatch(char)) == is_start, hex(code)
        assert bool(cont.fullmatch(char)) == (is_start or (char.isdigit() and char.isascii()) or char == "$"), hex(code)
        assert bool(plain.fullmatch(char)) == (not is_start and char not in "'\"`[;/-"), hex(code)


_PIECES = st.sampled_from(
    ["CREATE", " ", "\n", "t", "é", "'a''b'", "'open", '"q"', '"open', "`b`", "[x]", "[open", "-- c\n", "/* c */",
     "/* open", "12.5e3", "0x1F", "x'AB'", "?1", ":name", "->>", "||", "(", ")", ";", ",", ".", "*", "$", "\x00",
     "-", "/", "5", "x", "e", "\t", "\u00a0", "\u2003"]
)  # fmt: skip


@given(st.lists(_PIECES, max_size=30).map("".join), st.integers(0, 5))
def test_significant_tokens_are_the_tokens_without_spaces_and_comments(text: str, start: int) -> None:
    start = min(start, len(text))
    skipped = (TokenKind.SPACE, TokenKind.COMMENT)
    for end in (None, max(start, len(text) - 1)):
        expected = [t for t in tokenize(text, start, end) if t.kind not in skipped]
        assert significant_tokens(text, start, end) == expected


def test_spaces_that_end_a_text_are_lexed_in_linear_time() -> None:
    # The significant-token pattern skips spaces inside each match: it must not try every one of a
    # long run of trailing spaces again from the next position (that is quadratic: hours here).
    import time

    text = "a" + " " * 1_000_000
    started = time.monotonic()
    assert [t.text for t in significant_tokens(text)] == ["a"]
    assert first_token(" " * 1_000_000) is None
    assert time.monotonic() - started < 5


_STATEMENT_PIECES = st.sampled_from(
    ["CREATE ", "TEMP ", "TRIGGER ", "t ", "BEGIN ", "CASE ", "WHEN ", "END", "END ", "SELECT ", "x", "x ", " ", "\n",
     "\u00a0", "\u2003", "\x0b", ";", "'a;b'", "'open", '"q;"', "`b`", "[x;]", "-- c;\n", "/* ; */", "/* open", "-",
     "/", "(", ")", "é", " " * 20, "\t\n" * 9, "'it''s'", "'a''", "''", '"d""q"', "`e``", "]"]
)  # fmt: skip


@pytest.mark.parametrize("spaces", [" ", " " * 16, " " * 17, "\t \n" * 40])
def test_a_statement_spans_its_first_to_its_last_character_whatever_the_spaces_around(spaces: str) -> None:
    text = f"{spaces}CREATE TABLE t (a){spaces}'x'{spaces};{spaces}SELECT{spaces}1{spaces}"
    first, second = split_statements(text).statements
    assert text[first.start : first.end] == f"CREATE TABLE t (a){spaces}'x'"
    assert text[second.start : second.end] == f"SELECT{spaces}1" and not second.terminated


@settings(max_examples=400)
@example("SELECT a b c\u00a0;")  # U+00A0 ends a name for SQLite, and a run must keep it
@given(st.lists(_STATEMENT_PIECES, max_size=40).map("".join))
def test_splitting_past_the_third_word_in_runs_splits_as_word_by_word(text: str) -> None:
    def shape(split: SplitFile) -> object:
        return (
            [(r.start, r.end, r.terminated, r.unterminated) for r in split.statements],
            [(c.start, c.end, c.unterminated) for c in split.comments],
            split.unterminated,
            split.problems,
        )

    assert shape(split_statements(text)) == shape(split_statements(text, word_by_word=True))


# The patterns as first written, one alternative per character: what the possessive runs must match.
_READABLE_PATTERNS = {
    "block_comment": r"/\*(?:.*?\*/|.*\Z)",
    "string": r"'(?:[^']|'')*(?:'|\Z)",
    "dquoted": r'"(?:[^"]|"")*(?:"|\Z)',
    "bquoted": r"`(?:[^`]|``)*(?:`|\Z)",
}
# A closed quote in a run: its closing quote is not the first of a doubled one.
_READABLE_CLOSED = r"""'(?:[^']|'')*'(?!')|"(?:[^"]|"")*"(?!")|`(?:[^`]|``)*`(?!`)|\[[^\]]*\]"""
_READABLE_RUN = r"""(?:[^'"`\[;/\-]|/(?!\*)|-(?!-)|%s)+""" % _READABLE_CLOSED


@settings(max_examples=300)
@given(st.text(alphabet="'\"`*/-;[] a\n", max_size=24))
def test_the_possessive_patterns_match_what_the_readable_ones_match(text: str) -> None:
    import re

    from grove_schema.sql import lexer

    pairs = [
        (re.compile(lexer._TOKEN_PATTERNS[group], re.DOTALL), re.compile(readable, re.DOTALL))
        for group, readable in _READABLE_PATTERNS.items()
    ]
    pairs.append((re.compile(lexer._RUN), re.compile(_READABLE_RUN)))
    for fast, readable in pairs:
        for start in range(len(text) + 1):
            found, expected = fast.match(text, start), readable.match(text, start)
            assert (found and found.group()) == (expected and expected.group()), (fast.pattern, text, start)
