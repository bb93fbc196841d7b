"""SQLite's lexical rules: tokens with offsets, and a file split into statements.

sqlglot parses statements, but it cannot split a file the way SQLite does (a trigger body holds
`;`s; an unterminated string or comment must be located, not swallowed), so splitting is ours.
"""

from __future__ import annotations

import bisect
import enum
import re
from dataclasses import dataclass, field


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


@dataclass(frozen=True, slots=True)
class Token:
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


_IDENT_START = r"A-Za-z_\u0080-\U0010FFFF"
_IDENT_CONT = r"A-Za-z0-9_$\u0080-\U0010FFFF"

_TOKEN_RE = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<line_comment>--[^\n]*)
  | (?P<block_comment>/\*(?:.*?\*/|.*\Z))
  | (?P<blob>[xX]'[0-9A-Fa-f]*')
  | (?P<string>'(?:[^']|'')*(?:'|\Z))
  | (?P<dquoted>"(?:[^"]|"")*(?:"|\Z))
  | (?P<bquoted>`(?:[^`]|``)*(?:`|\Z))
  | (?P<bracketed>\[[^\]]*(?:\]|\Z))
  | (?P<number>0[xX][0-9A-Fa-f]+|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<word>[%s][%s]*)
  | (?P<variable>\?\d*|[:@$][%s]+)
  | (?P<punct>->>|->|\|\||<<|>>|<=|>=|==|!=|<>|[-+*/%%&|~<>=(),;.!])
  | (?P<other>.)
    """
    % (_IDENT_START, _IDENT_CONT, _IDENT_CONT),
    re.VERBOSE | re.DOTALL,
)

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
    tokens: list[Token] = []
    append = tokens.append
    stop = len(text) if end is None else end
    for match in _TOKEN_RE.finditer(text, start, stop):
        group = match.lastgroup
        assert group is not None
        kind = _KIND_BY_GROUP[group]
        value = match.group()
        unterminated = False
        if group == "block_comment":
            unterminated = not value.endswith("*/") or len(value) < 4
        elif kind in (TokenKind.STRING, TokenKind.QUOTED):
            closer = _CLOSER[value[0]]
            unterminated = len(value) < 2 or not value.endswith(closer) or _ends_with_escape(value)
        append(Token(kind, value, match.start(), match.end(), unterminated))
    return tokens


def _ends_with_escape(value: str) -> bool:
    """`'abc''` ends with an escaped quote, not a closing one."""
    quote = value[0]
    if quote == "[":
        return False
    body = value[1:]
    run = len(body) - len(body.rstrip(quote))
    return run % 2 == 0


@dataclass(frozen=True)
class LineIndex:
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


@dataclass
class RawStatement:
    """One statement's tokens (no spaces or comments), as SQLite would split the file."""

    tokens: list[Token]
    start: int
    end: int  # offset just past the statement's last token (before any `;`)
    terminated: bool  # ended with `;`
    text: str  # source text from the first token to the last, without the `;`


@dataclass
class SplitFile:
    statements: list[RawStatement]
    comments: list[Token]
    unterminated: Token | None = None  # a string, identifier or comment that runs to the end
    problems: list[tuple[int, str]] = field(default_factory=list)  # (offset, message)


def split_statements(text: str) -> SplitFile:
    """Split a whole file into statements, following SQLite's rules for trigger bodies."""
    all_tokens = tokenize(text)
    statements: list[RawStatement] = []
    comments: list[Token] = []
    current: list[Token] = []
    in_trigger = False
    in_body = False
    case_depth = 0
    closing_end: Token | None = None  # an END at CASE depth 0: the trigger's own END
    unterminated: Token | None = None

    def flush(terminated: bool) -> None:
        nonlocal current, in_trigger, in_body, case_depth, closing_end
        if current:
            first, last = current[0], current[-1]
            statements.append(
                RawStatement(current, first.start, last.end, terminated, text[first.start : last.end])
            )
        current = []
        in_trigger = in_body = False
        case_depth = 0
        closing_end = None

    for token in all_tokens:
        kind = token.kind
        if token.unterminated and unterminated is None:
            unterminated = token
        if kind is TokenKind.SPACE:
            continue
        if kind is TokenKind.COMMENT:
            comments.append(token)
            continue
        if kind is TokenKind.PUNCT and token.text == ";":
            if in_body:
                # Inside BEGIN ... END a `;` ends a body statement; END; ends the trigger.
                if current and current[-1] is closing_end:
                    flush(True)
                else:
                    current.append(token)
                continue
            flush(True)
            continue
        if kind is TokenKind.WORD:
            upper = token.text.upper()
            if not current and upper == "CREATE":
                pass
            elif len(current) in (1, 2) and upper == "TRIGGER" and current[0].is_word("CREATE"):
                if len(current) == 1 or current[1].is_word("TEMP", "TEMPORARY"):
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
                        closing_end = token
        current.append(token)
    if current:
        flush(False)
    return SplitFile(statements, comments, unterminated)
