"""`grove-schema diagram`: a Graphviz picture of the databases and their tables."""

from __future__ import annotations

import argparse
from typing import IO, TYPE_CHECKING

from grove_schema.commands import EXIT_CLEAN, EXIT_USAGE, to_stdout
from grove_schema.errors import UsageError

if TYPE_CHECKING:
    from grove_schema.config import ProjectConfig

INSTALL_GRAPHVIZ = (
    "Install Graphviz (apt-get install graphviz, brew install graphviz, or https://graphviz.org/download/)"
)


def run(args: argparse.Namespace, config: ProjectConfig, out: IO[str], err: IO[str]) -> int:
    """DOT and SVG are text: they go to standard output without -o (or with `-o -`); PNG too,
    unless standard output is a terminal."""
    import graphviz

    from grove_schema.diagram import build_diagram, dot_source, render_bytes
    from grove_schema.files import write_atomically
    from grove_schema.project import check_project

    for database in args.database:
        config.database(database)
    stdout = to_stdout(args.output)
    output_format = args.format or ("dot" if stdout else args.output.suffix.lstrip(".").lower())
    if output_format not in ("dot", "gv", "svg", "png"):
        raise UsageError(f"cannot tell the format from {args.output}: pass --format dot|svg|png")
    if stdout and output_format == "png" and _is_terminal(out):
        raise UsageError("a PNG is binary: write it with -o FILE, or redirect standard output (> diagram.png)")
    outcome = check_project(config)
    diagram = build_diagram(
        config, outcome, databases=args.database, after_split=args.after_split, columns=args.columns
    )
    source = dot_source(diagram)
    if output_format in ("dot", "gv"):
        if stdout:
            out.write(source)
        else:
            write_atomically(args.output, source.encode())
        return EXIT_CLEAN
    try:
        data = render_bytes(diagram, output_format)
    except graphviz.ExecutableNotFound:
        if stdout:
            err.write(f"grove-schema: error: Graphviz's `dot` is not installed, so no {output_format} was made. ")
            err.write(f"{INSTALL_GRAPHVIZ} and run again, or ask for --format dot.\n")
            return EXIT_USAGE
        fallback = args.output.with_suffix(".dot")
        write_atomically(fallback, source.encode())
        err.write(
            f"grove-schema: error: Graphviz's `dot` is not installed, so no {output_format} was made; "
            f"wrote the DOT source to {fallback} instead. {INSTALL_GRAPHVIZ} and run again.\n"
        )
        return EXIT_USAGE
    if not stdout:
        write_atomically(args.output, data)
    elif output_format == "svg":
        out.write(data.decode("utf-8"))
    else:
        _write_binary(out, data)
    return EXIT_CLEAN


def _is_terminal(out: IO[str]) -> bool:
    try:
        return out.isatty()
    except (AttributeError, ValueError):
        return False


def _write_binary(out: IO[str], data: bytes) -> None:
    """Bytes to a text stream's underlying binary stream (sys.stdout.buffer)."""
    binary = getattr(out, "buffer", None)
    if binary is None:
        raise UsageError("standard output takes no binary data here: write the PNG with -o FILE")
    out.flush()
    binary.write(data)
    binary.flush()
