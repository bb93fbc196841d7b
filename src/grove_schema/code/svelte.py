"""The `<script>` blocks of a `.svelte` file, found with an HTML tokenizer (`html.parser`).

The blocks are returned as one text the length of the file, everything outside them blanked
(newlines kept), so a line and column in it are the line and column in the .svelte file."""

from __future__ import annotations

from html.parser import HTMLParser


class _Scripts(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=False)
        self.line_starts = [0]
        for index, char in enumerate(text):
            if char == "\n":
                self.line_starts.append(index + 1)
        self.blocks: list[tuple[int, int]] = []
        self.typescript = False
        self._open: int | None = None

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "script" or self._open is not None:
            return
        raw = self.get_starttag_text() or ""
        self._open = self._offset() + len(raw)
        lang = next((value for name, value in attrs if name in ("lang", "type") and value), "")
        if lang.lower() in ("ts", "typescript", "text/typescript", "application/typescript"):
            self.typescript = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._open is not None:
            self.blocks.append((self._open, self._offset()))
            self._open = None


def script_text(text: str) -> tuple[str, str] | None:
    """(the scripts as a file-shaped text, "typescript" or "javascript"), or None without scripts."""
    parser = _Scripts(text)
    parser.feed(text)
    parser.close()
    if not parser.blocks:
        return None
    parts: list[str] = []
    at = 0
    for start, end in parser.blocks:
        parts.append(_blank(text[at:start]))
        parts.append(text[start:end])
        at = end
    parts.append(_blank(text[at:]))
    return "".join(parts), "typescript" if parser.typescript else "javascript"


def _blank(segment: str) -> str:
    return "\n".join(" " * len(line) for line in segment.split("\n"))
