"""`grove-schema diagram`: a Graphviz picture of the databases and their tables."""

from __future__ import annotations

import argparse
from typing import IO, TYPE_CHECKING

from grove_schema.commands import EXIT_CLEAN, EXIT_USAGE
from grove_schema.errors import UsageError

if TYPE_CHECKING:
    from grove_schema.config import ProjectConfig


def run(args: argparse.Namespace, config: ProjectConfig, out: IO[str], err: IO[str]) -> int:
    import graphviz

    from grove_schema.diagram import build_diagram, dot_source, render_bytes
    from grove_schema.files import write_atomically
    from grove_schema.project import check_project

    for database in args.database:
        config.database(database)
    output_format = args.format or (args.output.suffix.lstrip(".").lower() if args.output else "dot")
    if output_format not in ("dot", "gv", "svg", "png"):
        raise UsageError(f"cannot tell the format from {args.output}: pass --format dot|svg|png")
    outcome = check_project(config)
    diagram = build_diagram(
        config, outcome, databases=args.database, after_split=args.after_split, columns=args.columns
    )
    source = dot_source(diagram)
    if output_format in ("dot", "gv"):
        if args.output is None:
            out.write(source)
        else:
            write_atomically(args.output, source.encode())
        return EXIT_CLEAN
    if args.output is None:
        raise UsageError(f"{output_format} is binary or large: write it with -o FILE")
    try:
        data = render_bytes(diagram, output_format)
    except graphviz.ExecutableNotFound:
        fallback = args.output.with_suffix(".dot")
        write_atomically(fallback, source.encode())
        err.write(
            f"grove-schema: error: Graphviz's `dot` is not installed, so no {output_format} was made; "
            f"wrote the DOT source to {fallback} instead. Install Graphviz (apt-get install graphviz, "
            "brew install graphviz, or https://graphviz.org/download/) and run again.\n"
        )
        return EXIT_USAGE
    write_atomically(args.output, data)
    return EXIT_CLEAN
