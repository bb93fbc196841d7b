"""The one registry of codes: the lint rules (`rules.ALL_RULES`) and the other codes (`codes.CODES`).

`find_rule` looks among the other codes first, so a caller that meets only those (a cached hook run
printing stored findings) never imports the rules and what they need."""

from __future__ import annotations

import functools

from grove_schema.codes import CODES
from grove_schema.findings import RuleInfo


@functools.cache
def _non_rule_codes() -> dict[str, RuleInfo]:
    return {info.code: info for info in CODES}


def find_code(code: str) -> RuleInfo | None:
    """A code that is not a lint rule, found without importing the rules."""
    return _non_rule_codes().get(code.strip().upper())


@functools.cache
def _registry() -> dict[str, RuleInfo]:
    from grove_schema.rules import ALL_RULES

    registry: dict[str, RuleInfo] = {}
    names: set[str] = set()
    for info in (*CODES, *(rule.info for rule in ALL_RULES)):
        if info.code in registry or info.name in names:
            raise ValueError(f"rule {info.code} {info.name} registered twice")
        registry[info.code] = info
        names.add(info.name)
    return registry


def all_rules() -> list[RuleInfo]:
    """Every code, lint rules included, sorted by code."""
    return sorted(_registry().values(), key=lambda r: r.code)


def find_rule(code_or_name: str) -> RuleInfo | None:
    """The code (GS401, any case) or name (drop-column-dependency) given, or None."""
    wanted = code_or_name.strip()
    for table in (_non_rule_codes, _registry):
        infos = table()
        if wanted.upper() in infos:
            return infos[wanted.upper()]
        named = next((info for info in infos.values() if info.name == wanted.lower()), None)
        if named is not None:
            return named
    return None
