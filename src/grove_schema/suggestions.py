""" "Did you mean" for a mistyped name: a command, a database key, a rule, a table, a configuration
key. Pure; only asked when something is already wrong, so difflib is imported then."""

from __future__ import annotations

from collections.abc import Iterable


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate nearest to `word` (case-insensitive), when one is near enough to be a typo."""
    import difflib

    by_folded: dict[str, str] = {}
    for candidate in sorted(set(candidates)):
        by_folded.setdefault(candidate.casefold(), candidate)
    folded = word.casefold()
    if folded in by_folded and by_folded[folded] != word:
        return by_folded[folded]
    matches = difflib.get_close_matches(folded, list(by_folded), n=1, cutoff=0.6)
    return by_folded[matches[0]] if matches and by_folded[matches[0]] != word else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """ "; did you mean 'posts'?" to append to a message, or "" when nothing is close."""
    suggestion = closest(word, candidates)
    return f"; did you mean {suggestion!r}?" if suggestion is not None else ""
