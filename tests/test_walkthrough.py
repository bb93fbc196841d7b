"""docs/splitting.md: its commands, run as written in a scratch copy, print what it shows."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO

PAGE = REPO / "docs" / "splitting.md"


def console_steps() -> list[tuple[str, str]]:
    """(command, expected output) for every `$ ` line of every console block, in order."""
    steps: list[tuple[str, str]] = []
    for block in re.findall(r"```console\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.DOTALL):
        command: str | None = None
        output: list[str] = []
        for line in block.splitlines():
            if line.startswith("$ "):
                if command is not None:
                    steps.append((command, "\n".join(output)))
                command, output = line[2:], []
            else:
                output.append(line)
        if command is not None:
            steps.append((command, "\n".join(output)))
    return steps


def test_walkthrough_commands_print_what_the_page_shows(tmp_path: Path) -> None:
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed (apt-get install graphviz): the page draws an SVG")
    scratch = tmp_path / "split"
    scratch.mkdir()
    shutil.copy(REPO / "ownership.toml", scratch / "ownership.toml")
    shutil.copytree(REPO / "examples" / "grove", scratch / "examples" / "grove")
    env = dict(os.environ, NO_COLOR="1", PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    env.pop("FORCE_COLOR", None)
    steps = console_steps()
    assert len(steps) >= 12
    for command, expected in steps:
        completed = subprocess.run(
            command, shell=True, cwd=scratch, env=env, capture_output=True, text=True, timeout=300
        )
        printed = completed.stdout + completed.stderr
        assert printed.rstrip("\n") == expected.rstrip("\n"), f"$ {command}"
    assert (scratch / "after-split.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
