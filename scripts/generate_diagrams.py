"""Write the example's diagrams in docs/diagrams/: before and after the split, as DOT, SVG and PNG.

    python scripts/generate_diagrams.py           # rewrite docs/diagrams/
    python scripts/generate_diagrams.py --check   # exit 1 when a DOT file is stale

The DOT text is grove-schema's own (deterministic: every node and edge in sorted order); the SVG
and PNG are Graphviz's rendering of it (`dot`, the version installed; the same DOT and the same
Graphviz give the same bytes). tests/test_diagram.py fails when a committed DOT file differs from
what `grove-schema diagram` writes now, so re-run this script after changing the diagram or the
example."""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET = REPO / "docs" / "diagrams"
DIAGRAMS = {"grove-before": [], "grove-after": ["--after-split"]}


def dot_text(flags: list[str]) -> str:
    from grove_schema.cli import main

    out, err = io.StringIO(), io.StringIO()
    previous = Path.cwd()
    os.chdir(REPO)
    try:
        code = main(["diagram", *flags], out=out, err=err)
    finally:
        os.chdir(previous)
    if code != 0:
        raise SystemExit(f"grove-schema diagram {' '.join(flags)} failed: {err.getvalue()}")
    return out.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a committed DOT file is stale")
    args = parser.parse_args(argv)
    stale = []
    for name, flags in DIAGRAMS.items():
        text = dot_text(flags)
        dot_path = TARGET / f"{name}.dot"
        if args.check:
            if not dot_path.is_file() or dot_path.read_text(encoding="utf-8") != text:
                stale.append(dot_path)
            continue
        dot_path.write_text(text, encoding="utf-8")
        if shutil.which("dot") is None:
            raise SystemExit("Graphviz's dot is not installed: the DOT files are written, not the SVG and PNG")
        for fmt in ("svg", "png"):
            subprocess.run(["dot", f"-T{fmt}", "-o", str(TARGET / f"{name}.{fmt}"), str(dot_path)], check=True)
        print(f"wrote {dot_path.relative_to(REPO)} and its .svg and .png")
    if stale:
        print("stale: " + ", ".join(str(p.relative_to(REPO)) for p in stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
