"""The lint rules, as one explicit registry: each module lists its rules in a `RULES` tuple."""

from __future__ import annotations

from grove_schema.rules import alter_table, d1_platform, limits, safety
from grove_schema.rules.base import Rule, RuleContext, Violation

ALL_RULES: tuple[Rule, ...] = (*alter_table.RULES, *safety.RULES, *d1_platform.RULES, *limits.RULES)


def rule_named(name: str) -> Rule | None:
    for rule in ALL_RULES:
        if name in (rule.name, rule.code):
            return rule
    return None


__all__ = ["ALL_RULES", "Rule", "RuleContext", "Violation", "rule_named"]
