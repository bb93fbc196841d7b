"""`grove-schema plan`: the split's numbers."""

from __future__ import annotations

import argparse
from typing import IO, TYPE_CHECKING

from grove_schema.commands import EXIT_CLEAN

if TYPE_CHECKING:
    from grove_schema.config import ProjectConfig


def run(args: argparse.Namespace, config: ProjectConfig, out: IO[str], err: IO[str]) -> int:
    from grove_schema.planning import build_plan, plan_json, plan_text
    from grove_schema.project import check_project, read_reservations
    from grove_schema.reporting import write_json

    outcome = check_project(config)
    assert outcome.ownership is not None  # every database was replayed
    plan = build_plan(config, outcome.streams, outcome.ownership, read_reservations(config), outcome.code)
    if args.format == "json":
        write_json(plan_json(plan), out)
    else:
        out.write(plan_text(plan))
    return EXIT_CLEAN
