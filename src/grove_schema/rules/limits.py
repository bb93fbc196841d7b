"""Lint rules (filled in by the rules work)."""

from __future__ import annotations

from grove_schema.rules.base import Rule

RULES: tuple[Rule, ...] = ()
