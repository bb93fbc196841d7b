"""`grove-schema explain RULE` and `grove-schema rules`: a rule's documentation; every rule."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING

from grove_schema.commands import EXIT_CLEAN
from grove_schema.errors import UsageError

if TYPE_CHECKING:
    from grove_schema.findings import RuleInfo


def run(args: argparse.Namespace, out: IO[str]) -> int:
    from grove_schema.registry import all_rules, find_rule

    if args.command == "rules":
        out.write(rules_table(all_rules()))
        return EXIT_CLEAN
    info = find_rule(args.rule)
    if info is None:
        from grove_schema.suggestions import did_you_mean

        names = [n for rule in all_rules() for n in (rule.code, rule.name)]
        raise UsageError(f"unknown rule {args.rule!r}{did_you_mean(args.rule, names)} (grove-schema rules lists them)")
    title = f"{info.code} {info.name} ({info.severity.label})"
    doc = info.doc or info.summary
    from grove_schema.reporting import use_colour

    if use_colour(out):  # a terminal: the Markdown rendered (headings, bold, code blocks)
        from rich.console import Console
        from rich.markdown import Markdown

        console = Console(file=out, force_terminal=True)
        console.print(f"[bold]{title}[/]\n", highlight=False)
        console.print(Markdown(doc, code_theme="ansi_dark"))
    else:  # piped: the Markdown text itself, as docs/rules.md has it
        out.write(f"{title}\n\n{doc}\n")
    return EXIT_CLEAN


def rules_table(rules: Sequence[RuleInfo]) -> str:
    """One line per rule: code, name, severity, summary, in columns as wide as their longest entry."""
    if not rules:
        return ""
    code_width = max(len(info.code) for info in rules)
    name_width = max(len(info.name) for info in rules)
    severity_width = max(len(info.severity.label) for info in rules)
    return "".join(
        f"{info.code:<{code_width}}  {info.name:<{name_width}}  {info.severity.label:<{severity_width}}  "
        f"{info.summary}\n"
        for info in rules
    )
