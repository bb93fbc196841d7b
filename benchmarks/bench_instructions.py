#!/usr/bin/env python3
"""The cold check against plain SQLite in instructions, not seconds: valgrind's callgrind counts
the instructions a process runs, the same count run after run whatever else the machine does, so
a change of 1 % shows where the CPU-time ratio (benchmarks/bench_ratios.py) moves by 2x from one
run to the next on a shared machine.

Cases, each one fresh process under `valgrind --tool=callgrind`, on the real corpus
(../shared/corpora/lattice-engine-before, copied as bench_ratios.py copies it):

- the anchor: plain SQLite replaying the stream (bench_ratios.PLAIN_REPLAY);
- `python -c pass`: the interpreter's own start;
- `check --no-cache`: the cold check, through the console script's entry point;
- the same with the four data-verdict rules off, and the cold check's imports alone (the modules
  a cold check loads, imported and nothing run), to say where the instructions go.

Each case runs once after a warm-up run (which writes the bytecode cache): the count is the same
to within 0.1 % from run to run. Instructions are not time (a cache miss costs more than an add),
so the CPU-time ratio stays the target's measure; this one tells whether a change helped.

    .venv/bin/python benchmarks/bench_instructions.py            # needs valgrind
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_ratios import CONFIG, PLAIN_REPLAY, child_environment, corpus_copy  # noqa: E402

VERDICT_RULES = ("drop-referenced-table", "rename-referenced-table", "destructive-change", "pragma-foreign-keys")
CHECK = "import sys; from grove_schema.cli import console_main; sys.argv[0] = 'grove-schema'; sys.exit(console_main())"
IMPORTS = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"


def instructions(cmd: list[str], env: dict[str, str]) -> int:
    """The instructions `cmd` runs (callgrind's Ir), after one run that warms the bytecode cache."""
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    completed = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    found = re.search(r"Collected : (\d+)", completed.stderr)
    if found is None:
        sys.exit(f"bench_instructions: no count from valgrind for {' '.join(cmd)[:120]}:\n{completed.stderr[-2000:]}")
    return int(found.group(1))


def modules_of_a_cold_check(check: list[str], env: dict[str, str]) -> list[str]:
    """The modules a cold check has loaded when it ends, in the order they were first imported."""
    probe = (
        "import sys, io, contextlib\nfrom grove_schema.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n    main(sys.argv[1:])\n"
        "print('\\n'.join(m for m in sys.modules if m != '__main__'))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe, *check], env=env, capture_output=True, text=True, check=False
    )
    return [m for m in completed.stdout.split() if not m.startswith(("encodings.", "_frozen"))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        sys.exit("bench_instructions: valgrind is not installed (apt-get install -y valgrind)")
    env = child_environment()
    tmp = Path(tempfile.mkdtemp(prefix="grove-schema-instructions-"))
    try:
        project = tmp / "corpus"
        folder = corpus_copy(project)
        arguments = ["--config", str(CONFIG), "--root", str(project), "check", "--no-cache"]
        ignoring = [part for rule in VERDICT_RULES for part in ("--ignore", rule)]
        modules = modules_of_a_cold_check(arguments, env)
        cases = [
            ("plain SQLite replay of the corpus (the anchor)", [sys.executable, "-c", PLAIN_REPLAY, str(folder)]),
            (
                "the same replay, SQLite single-threaded (as the console script runs it)",
                [sys.executable, "-c", PLAIN_REPLAY, str(folder), "single-thread"],
            ),
            ('`python -c "pass"`', [sys.executable, "-c", "pass"]),
            (f"the cold check's imports ({len(modules)} modules)", [sys.executable, "-c", IMPORTS, *modules]),
            ("`check --no-cache`", [sys.executable, "-c", CHECK, *arguments]),
            ("`check --no-cache`, the data-verdict rules off", [sys.executable, "-c", CHECK, *arguments, *ignoring]),
        ]
        counts = []
        for name, cmd in cases:
            print(f"bench_instructions: {name}", file=sys.stderr)
            counts.append((name, instructions(cmd, env)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    anchor = counts[0][1]
    print(f"instructions (callgrind Ir), one run each after a warm-up; {os.cpu_count()} CPUs\n")
    print("| process | instructions (millions) | against the anchor |")
    print("|---|---:|---:|")
    for name, count in counts:
        print(f"| {name} | {count / 1e6:,.0f} | {count / anchor:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
