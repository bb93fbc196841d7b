"""SQLite's lexical rules: tokens with offsets, and a file split into statements.

sqlglot parses statements, but it cannot split a file the way SQLite does (a trigger body holds
`;`s; an unterminated string or comment must be located, not swallowed), so splitting is ours.
"""

from __future__ import annotations

import bisect
import enum
import functools
import re
from dataclasses import dataclass, field

from grove_schema.records import FrozenRecord, Record, frozen_record


class TokenKind(enum.Enum):
    WORD = "word"  # bare identifier or keyword
    QUOTED = "quoted"  # "ident", [ident], `ident`
    STRING = "string"
    NUMBER = "number"
    BLOB = "blob"
    VARIABLE = "variable"
    PUNCT = "punct"
    COMMENT = "comment"
    SPACE = "space"


# Not frozen: a frozen dataclass sets each field through object.__setattr__, which made building
# a token four times slower, and lexing is a fifth of a full check. Nothing changes a token.
@dataclass(slots=True, unsafe_hash=True)
class Token:
    """One token of SQL text, with its offsets in the file."""

    kind: TokenKind
    text: str
    start: int  # offset in the file text
    end: int
    unterminated: bool = False

    @property
    def upper(self) -> str:
        return self.text.upper()

    def is_word(self, *words: str) -> bool:
        return self.kind is TokenKind.WORD and self.text.upper() in words

    def is_punct(self, text: str) -> bool:
        return self.kind is TokenKind.PUNCT and self.text == text

    @property
    def identifier(self) -> str:
        """The name this token spells, with SQLite's quoting removed."""
        if self.kind is TokenKind.QUOTED:
            body = self.text[1:-1] if not self.unterminated else self.text[1:]
            quote = self.text[0]
            if quote == '"':
                return body.replace('""', '"')
            if quote == "`":
                return body.replace("``", "`")
            return body
        if self.kind is TokenKind.STRING:
            # SQLite accepts 'name' where an identifier is expected (a legacy quirk).
            return self.text[1:-1].replace("''", "'")
        return self.text


# A name starts with an ASCII letter, `_` or any non-ASCII character, and goes on with those, digits
# and `$`. Written as the ASCII characters left out: a class spanning \u0080-\U0010FFFF costs
# 35 ms to compile, each time the module is imported (tests/test_lexer.py checks they agree).
_IDENT_START = r"[^\x00-\x40\x5b-\x5e\x60\x7b-\x7f]"
_IDENT_CONT = r"[^\x00-\x23\x25-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]"
# What the splitter skips in runs: ASCII that starts no name, quote, comment or `;`.
_PLAIN = "[" + "".join(re.escape(chr(c)) for c in range(128) if not (chr(c).isalpha() or chr(c) in "_'\"`[;/-")) + "]"

# A comment or a quoted text is matched as runs of what it may hold, possessively (`[^']*+` and not
# `(?:[^']|'')*`): SQLite's rules, without a backtracking frame per character, which made the
# regex engine grow (and copy) its stack for every long string or comment. A block comment runs to
# the first `*/`, or to the end of the text.
_BLOCK_COMMENT = r"/\*(?:[^*]*+\*++(?:[^/*][^*]*+\*++)*+/|.*\Z)"


def _quoted(quote: str, *, closed: bool = False) -> str:
    """A text in `quote`s, a doubled one standing for itself; unless `closed`, it may run to the
    end (unterminated)."""
    q = re.escape(quote)
    end = q if closed else f"(?:{q}|\\Z)"
    return f"{q}[^{q}]*+(?:{q}{q}[^{q}]*+)*+{end}"


# Each kind of token, by the group that names it.
_TOKEN_PATTERNS = {
    "line_comment": r"--[^\n]*",
    "block_comment": _BLOCK_COMMENT,
    "blob": r"[xX]'[0-9A-Fa-f]*'",
    "string": _quoted("'"),
    "dquoted": _quoted('"'),
    "bquoted": _quoted("`"),
    "bracketed": r"\[[^\]]*(?:\]|\Z)",
    "number": r"0[xX][0-9A-Fa-f]+|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?",
    "word": _IDENT_START + _IDENT_CONT + "*",
    "variable": r"\?\d*|[:@$]" + _IDENT_CONT + "+",
    # `-` and `/` only where they start no comment, so the order of the alternatives is free.
    "punct": r"->>|->|\|\||<<|>>|<=|>=|==|!=|<>|[+*%&|~<>=(),;.!]|-(?!-)|/(?!\*)",
    "other": r".",
}


def _alternatives(*groups: str) -> str:
    return "|".join(f"(?P<{group}>{_TOKEN_PATTERNS[group]})" for group in groups)


@functools.cache
def _token_re() -> re.Pattern[str]:
    """Every token, spaces and comments included (`tokenize`): compiled on first use, as a check
    reads only significant tokens."""
    return re.compile(
        r"(?P<space>\s+)|"
        + _alternatives(
            "line_comment", "block_comment", "blob", "string", "dquoted", "bquoted", "bracketed", "number", "word",
            "variable", "punct", "other",
        ),
        re.DOTALL,
    )  # fmt: skip


# The same tokens with the spaces before each skipped inside its match (possessively: spaces are
# never given back), the frequent kinds tried first (a blob before a word: x'00'; a number before
# `.`: .5); `tail` matches the spaces that end the text. Half the matches of _token_re(), and a
# quarter less of lexing's instructions.
_SIGNIFICANT_RE = re.compile(
    r"\s*+(?:"
    + _alternatives(
        "blob", "word", "number", "punct", "string", "line_comment", "block_comment", "dquoted", "bquoted",
        "bracketed", "variable", "other",
    )
    + r"|(?P<tail>\Z))",
    re.DOTALL,
)  # fmt: skip

_KIND_BY_GROUP = {
    "space": TokenKind.SPACE,
    "line_comment": TokenKind.COMMENT,
    "block_comment": TokenKind.COMMENT,
    "blob": TokenKind.BLOB,
    "string": TokenKind.STRING,
    "dquoted": TokenKind.QUOTED,
    "bquoted": TokenKind.QUOTED,
    "bracketed": TokenKind.QUOTED,
    "number": TokenKind.NUMBER,
    "word": TokenKind.WORD,
    "variable": TokenKind.VARIABLE,
    "punct": TokenKind.PUNCT,
    "other": TokenKind.PUNCT,
}

_CLOSER = {"'": "'", '"': '"', "`": "`", "[": "]"}


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Every token of `text[start:end]`, spaces and comments included, with file offsets."""
    stop = len(text) if end is None else end
    return [_token(match) for match in _token_re().finditer(text, start, stop)]


# The groups whose token needs no check of its end (quotes and block comments may run to the end).
_PLAIN_GROUPS = {
    group: kind for group, kind in _KIND_BY_GROUP.items() if kind not in (TokenKind.STRING, TokenKind.QUOTED)
}
del _PLAIN_GROUPS["block_comment"]


def significant_tokens(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """The tokens of `text[start:end]` without spaces and comments, with file offsets: what the
    parser and the rules read. Spaces and comments are skipped before a Token is made for them."""
    stop = len(text) if end is None else end
    tokens = []
    plain, comment = _PLAIN_GROUPS, TokenKind.COMMENT
    for match in _SIGNIFICANT_RE.finditer(text, start, stop):
        group = match.lastgroup
        assert group is not None
        kind = plain.get(group)
        if kind is None:
            if group == "tail":
                break
            token = _token_of(group, match.group(group), match.start(group))
            if token.kind is not comment:
                tokens.append(token)
        elif kind is not comment:
            tokens.append(Token(kind, match.group(group), match.start(group), match.end(group)))
    return tokens


def after_top_level(tokens: list[Token], word: str, start: int = 0) -> int | None:
    """The index after the first `word` at parenthesis depth 0 from `start`."""
    depth = 0
    for index in range(start, len(tokens)):
        token = tokens[index]
        if token.is_punct("("):
            depth += 1
        elif token.is_punct(")"):
            depth -= 1
        elif depth == 0 and token.is_word(word):
            return index + 1
    return None


def first_token(text: str) -> Token | None:
    """The first token of `text` that is not a space or a comment, without lexing the rest."""
    for match in _SIGNIFICANT_RE.finditer(text):
        group = match.lastgroup
        if group is None or group == "tail":
            return None
        token = _token_of(group, match.group(group), match.start(group))
        if token.kind is not TokenKind.COMMENT:
            return token
    return None


def _token(match: re.Match[str]) -> Token:
    group = match.lastgroup
    assert group is not None
    return _token_of(group, match.group(), match.start())


def _token_of(group: str, value: str, start: int) -> Token:
    kind = _KIND_BY_GROUP[group]
    unterminated = False
    if group == "block_comment":
        unterminated = not value.endswith("*/") or len(value) < 4
    elif kind in (TokenKind.STRING, TokenKind.QUOTED):
        closer = _CLOSER[value[0]]
        unterminated = len(value) < 2 or not value.endswith(closer) or _ends_with_escape(value)
    return Token(kind, value, start, start + len(value), unterminated)


def _ends_with_escape(value: str) -> bool:
    """`'abc''` ends with an escaped quote, not a closing one."""
    quote = value[0]
    if quote == "[":
        return False
    body = value[1:]
    run = len(body) - len(body.rstrip(quote))
    return run % 2 == 0


@frozen_record()
class LineIndex(FrozenRecord):
    """Turns file offsets into 1-based line and column numbers."""

    starts: tuple[int, ...]

    @classmethod
    def of(cls, text: str) -> LineIndex:
        starts = [0]
        starts.extend(m.end() for m in re.finditer("\n", text))
        return cls(tuple(starts))

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1


class RawStatement:
    """One statement, as SQLite would split the file. Its tokens are made on first use: a DML
    statement is run, never parsed by us, so a 10 MB file of INSERTs costs no token objects."""

    __slots__ = ("_tokens", "end", "parsed", "source", "start", "terminated", "unterminated")

    def __init__(self, source: str, start: int, end: int, terminated: bool, unterminated: Token | None = None) -> None:
        self.source = source
        self.start = start  # offset of the first token
        self.end = end  # offset just past the last token (before any `;`)
        self.terminated = terminated  # ended with `;`
        self.unterminated = unterminated  # a string or identifier that runs to the end of the file
        self._tokens: list[Token] | None = None
        # What parsing.parse_statement made of it (a Statement, or the StatementError it raised):
        # a file's DDL is parsed to decide whether it needs data verdicts, then to replay it.
        self.parsed: object = None

    @property
    def text(self) -> str:
        return self.source[self.start : self.end]

    @property
    def tokens(self) -> list[Token]:
        """The statement's tokens without spaces and comments."""
        if self._tokens is None:
            self._tokens = significant_tokens(self.source, self.start, self.end)
        return self._tokens

    def release_tokens(self) -> None:
        """Let the tokens go; they are made again on next use."""
        self._tokens = None

    def first_word(self) -> str:
        match = _FIRST_WORD.match(self.source, self.start, self.end)
        return match.group().upper() if match else self.source[self.start : self.start + 1]


_FIRST_WORD = re.compile(_IDENT_START + _IDENT_CONT + "*")


@dataclass(eq=False, repr=False)
class SplitFile(Record):
    """A file split into statements, with its comments and what runs to its end."""

    statements: list[RawStatement]
    comments: list[Token]
    unterminated: Token | None = None  # a string, identifier or comment that runs to the end
    problems: list[tuple[int, str]] = field(default_factory=list)  # (offset, message)


# Splitting needs only comments, quotes, `;` and words (for trigger bodies); everything else is
# scanned in runs, so a huge statement costs a handful of matches, not a token per character.
_SPLIT_MARKS = r"""
    (?P<line_comment>--[^\n]*)
  | (?P<block_comment>%s)
  | (?P<quoted>%s|%s|%s|\[[^\]]*(?:\]|\Z))
  | (?P<semi>;)
""" % (_BLOCK_COMMENT, _quoted("'"), _quoted('"'), _quoted("`"))
_SPLIT_RE = re.compile(
    _SPLIT_MARKS + r"| (?P<word>%s%s*) | (?P<plain>%s+|[/\-])" % (_IDENT_START, _IDENT_CONT, _PLAIN),
    re.VERBOSE | re.DOTALL,
)
# Past a statement's third word, outside a trigger, words matter no more: they are scanned with the
# rest of the run, closed quotes included, up to the next comment, open quote or `;` (the marks
# match there: a run stops before `--` and `/*`).
_CLOSED_QUOTES = "|".join(_quoted(quote, closed=True) for quote in "'\"`") + r"|\[[^\]]*+\]"
_RUN = r"""(?:[^'"`\[;/\-]++|/(?!\*)|-(?!-)|%s)++""" % _CLOSED_QUOTES
_RUN_RE = re.compile(
    f"(?P<plain>{_RUN}) |" + _SPLIT_MARKS,
    re.VERBOSE | re.DOTALL,
)


# What str.strip() removes of ASCII: a run may hold other characters str.strip() would take
# (U+00A0), which SQLite reads as part of a name.
_ASCII_SPACE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"


def split_statements(text: str, *, word_by_word: bool = False) -> SplitFile:
    """Split a whole file into statements, following SQLite's rules for trigger bodies.
    `word_by_word` reads every word, as the splitter once did (the tests compare the two)."""
    statements: list[RawStatement] = []
    comments: list[Token] = []
    unterminated: Token | None = None
    start = -1  # offset of the current statement's first significant character
    end = -1
    statement_unterminated: Token | None = None
    words = 0  # words seen in the current statement (to spot CREATE [TEMP] TRIGGER)
    first_words: list[str] = []
    in_trigger = in_body = False
    case_depth = 0
    last_is_closing_end = False

    def flush(terminated: bool) -> None:
        nonlocal start, end, statement_unterminated, words, in_trigger, in_body, case_depth
        nonlocal last_is_closing_end
        if start >= 0:
            statements.append(RawStatement(text, start, end, terminated, statement_unterminated))
        start = end = -1
        statement_unterminated = None
        words = 0
        first_words.clear()
        in_trigger = in_body = last_is_closing_end = False
        case_depth = 0

    position = 0
    while True:
        pattern = _SPLIT_RE if word_by_word or in_trigger or words < 3 else _RUN_RE
        match = pattern.search(text, position)
        if match is None:
            break
        group = match.lastgroup
        begin, finish = match.span()
        position = finish
        if group == "plain":
            chunk = match.group()
            stripped = chunk.strip(_ASCII_SPACE)
            if not stripped:
                continue
            lead = len(chunk) - len(chunk.lstrip(_ASCII_SPACE))
            if start < 0:
                start = begin + lead
            end = begin + lead + len(stripped)
            last_is_closing_end = False
            continue
        if group in ("line_comment", "block_comment"):
            value = match.group()
            closed = group == "line_comment" or (value.endswith("*/") and len(value) >= 4)
            token = Token(TokenKind.COMMENT, value, begin, finish, not closed)
            comments.append(token)
            if not closed and unterminated is None:
                unterminated = token
            continue
        if group == "semi":
            if in_body and not last_is_closing_end:
                end = finish  # a `;` inside BEGIN ... END belongs to the trigger
                continue
            flush(True)
            continue
        if start < 0:
            start = begin
        end = finish
        if group == "quoted":
            value = match.group()
            closer = _CLOSER[value[0]]
            if len(value) < 2 or not value.endswith(closer) or _ends_with_escape(value):
                kind = TokenKind.STRING if value[0] == "'" else TokenKind.QUOTED
                token = Token(kind, value, begin, finish, True)
                statement_unterminated = statement_unterminated or token
                if unterminated is None:
                    unterminated = token
            last_is_closing_end = False
            continue
        # a word
        upper = match.group().upper()
        words += 1
        last_is_closing_end = False
        if words <= 3:
            first_words.append(upper)
            if (
                upper == "TRIGGER"
                and first_words[0] == "CREATE"
                and (words == 2 or first_words[1] in ("TEMP", "TEMPORARY"))
            ):
                in_trigger = True
        elif in_trigger and not in_body and upper == "BEGIN":
            in_body = True
        elif in_body:
            if upper == "CASE":
                case_depth += 1
            elif upper == "END":
                if case_depth > 0:
                    case_depth -= 1
                else:
                    last_is_closing_end = True  # the trigger's own END
    flush(False)
    return SplitFile(statements, comments, unterminated)
