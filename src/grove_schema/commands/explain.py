"""`grove-schema explain RULE` and `grove-schema rules`: a rule's documentation; every rule."""

from __future__ import annotations

import argparse
from typing import IO

from grove_schema.commands import EXIT_CLEAN
from grove_schema.errors import UsageError


def run(args: argparse.Namespace, out: IO[str]) -> int:
    from grove_schema.registry import all_rules, find_rule

    if args.command == "rules":
        for listed in all_rules():
            out.write(f"{listed.code}  {listed.name:<28} {listed.severity.label:<8} {listed.summary}\n")
        return EXIT_CLEAN
    info = find_rule(args.rule)
    if info is None:
        from grove_schema.suggestions import did_you_mean

        names = [n for rule in all_rules() for n in (rule.code, rule.name)]
        raise UsageError(f"unknown rule {args.rule!r}{did_you_mean(args.rule, names)} (grove-schema rules lists them)")
    out.write(f"{info.code} {info.name} ({info.severity.label})\n\n{info.doc or info.summary}\n")
    return EXIT_CLEAN
