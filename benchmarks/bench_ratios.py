#!/usr/bin/env python3
"""grove-schema against its anchors, side by side in one run: the ratios that matter for a hook.

Every command is a fresh child process (interpreter start-up and imports count); CPU time is the
child's own user + system time from os.wait4() (its children included: git, for instance), wall
time is perf_counter() around spawn and wait. The tool and its anchor run alternately, so both
see the same machine load; the ratios are of the medians.

Cases, on the real corpus (../shared/corpora/lattice-engine-before, copied into a temporary
`libs/engine/migrations` with the reservation `grove-schema new` would leave):

- warm hook: `grove-schema check LAST_FILE`, nothing changed since the last run (the stored
  report answers), against squawk on the same files (squawk-cli from PyPI: found beside this
  Python, on PATH, or installed with pip into this environment);
- edited hook: the last file's text changes before every run, against plain SQLite replaying
  the stream (apsw in a fresh Python process: each file in a savepoint, as D1 applies it);
- full check, cold: `grove-schema check --no-cache` against the same plain SQLite replay;
- 1k and 10k generated migrations (benchmarks/generate_stream.py): the tool's own time per
  migration (check --no-cache minus the plain replay, over the number of files), 10k against 1k.
  Here the replay runs SQLite single-threaded, as the tool's console script does: SQLite is most
  of a 10k run, and subtracting a replay that takes SQLite's mutexes would hide the tool's own
  time (the corpus cases keep plain apsw, serialized, as the anchor).

PYTHONDONTWRITEBYTECODE is removed from the children's environment: a user's Python keeps its
bytecode cache. `--write-docs` writes the section between the markers in docs/performance.md,
with `python -X importtime` of the warm hook.

    .venv/bin/python benchmarks/bench_ratios.py --runs 15 --write-docs
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CONFIG = REPO / "ownership.toml"
CORPUS = REPO.parent / "shared" / "corpora" / "lattice-engine-before"
DOCS = REPO / "docs" / "performance.md"
MIGRATIONS = Path("libs/engine/migrations")
SECTION_START = "<!-- ratios:start (written by benchmarks/bench_ratios.py --write-docs) -->"
SECTION_END = "<!-- ratios:end -->"
TARGETS = {"warm": 1.0, "edited": 2.5, "cold": 4.0, "scaling": 1.2}
HEAVY = ("pydantic", "networkx", "sqlglot", "rich", "apsw")

# The anchor: SQLite itself replaying the stream, file by file, in a fresh process.
PLAIN_REPLAY = """
import os, sys, apsw
folder = sys.argv[1]
if sys.argv[2:] == ["single-thread"]:  # SQLite as the console script runs it (grove_schema.sqlite_threading)
    apsw.shutdown(); apsw.config(apsw.SQLITE_CONFIG_SINGLETHREAD); apsw.initialize()
db = apsw.Connection(":memory:")
db.execute("PRAGMA foreign_keys = ON")
for name in sorted((n for n in os.listdir(folder) if n.endswith(".sql")), key=lambda n: (int(n.split("_")[0]), n)):
    with open(os.path.join(folder, name), encoding="utf-8") as handle:
        text = handle.read()
    db.execute("SAVEPOINT migration")
    try:
        db.execute(text)
    except apsw.Error:
        db.execute("ROLLBACK TO migration")
    db.execute("RELEASE migration")
"""


@dataclass
class Sample:
    cpu: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)

    def add(self, cpu: float, wall: float) -> None:
        self.cpu.append(cpu)
        self.wall.append(wall)

    def median_cpu(self) -> float:
        return statistics.median(self.cpu)

    def median_wall(self) -> float:
        return statistics.median(self.wall)

    def cell(self) -> str:
        return (
            f"{self.median_cpu():.3f} ({min(self.cpu):.3f}-{max(self.cpu):.3f})"
            f" | {self.median_wall():.3f} ({min(self.wall):.3f}-{max(self.wall):.3f})"
        )


def child_environment() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def timed(cmd: list[str], env: dict[str, str], ok: tuple[int, ...] = (0, 1)) -> tuple[float, float]:
    start = time.perf_counter()
    child = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert child.stdout is not None
    output = child.stdout.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode not in ok:
        sys.exit(f"bench_ratios: {' '.join(cmd)[:200]} exited {child.returncode}:\n{output.decode()[-2000:]}")
    return usage.ru_utime + usage.ru_stime, wall


def executable(name: str) -> str | None:
    beside = Path(sys.executable).with_name(name)
    if beside.exists():
        return str(beside)
    return shutil.which(name)


def find_or_install_squawk(log: Callable[[str], None]) -> str:
    found = executable("squawk")
    if found is None:
        log("squawk not found: pip install squawk-cli into this environment")
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "squawk-cli"], check=True)
        found = executable("squawk")
    if found is None:
        sys.exit("bench_ratios: cannot find or install squawk")
    return found


def corpus_copy(root: Path) -> Path:
    directory = root / MIGRATIONS
    directory.mkdir(parents=True)
    files = sorted(p for p in CORPUS.iterdir() if p.is_file() and p.suffix == ".sql")
    for path in files:
        shutil.copyfile(path, directory / path.name)
    numbers = [int(m.group(1)) for p in files if (m := re.match(r"(\d+)", p.name))]
    (directory / "NEXT_MIGRATION_NUMBER.txt").write_text(f"{max(numbers) + 1:03d}\n", encoding="utf-8")
    return directory


def alternate(
    runs: int, first: Callable[[int], tuple[float, float]], second: Callable[[int], tuple[float, float]]
) -> tuple[Sample, Sample]:
    a, b = Sample(), Sample()
    for index in range(runs):
        order = (first, a), (second, b)
        for run, sample in order if index % 2 == 0 else reversed(order):
            sample.add(*run(index))
    return a, b


@dataclass
class Row:
    case: str
    tool: Sample
    anchor: Sample
    anchor_name: str
    runs: int

    @property
    def ratio(self) -> float:
        return self.tool.median_cpu() / self.anchor.median_cpu()


def bench(args: argparse.Namespace, log: Callable[[str], None]) -> tuple[list[Row], dict[str, float], str]:
    env = child_environment()
    grove = executable("grove-schema")
    if grove is None:
        sys.exit("bench_ratios: cannot find the grove-schema console script (install the project first)")
    squawk = find_or_install_squawk(log)
    tmp = Path(tempfile.mkdtemp(prefix="grove-schema-ratios-"))
    rows: list[Row] = []
    scaling: dict[str, float] = {}
    try:
        project = tmp / "corpus"
        folder = corpus_copy(project)
        files = sorted(str(p) for p in folder.glob("*.sql"))
        last = files[-1]
        cache = tmp / "cache"
        cache.mkdir(mode=0o700)
        hook_env = {**env, "GROVE_SCHEMA_CACHE_DIR": str(cache)}
        check = [grove, "--config", str(CONFIG), "--root", str(project), "check"]
        plain = [sys.executable, "-c", PLAIN_REPLAY, str(folder)]

        timed([*check, last], hook_env)  # fills the cache (and the OS page cache)
        timed([*check, last], hook_env)
        log(f"warm hook vs squawk ({args.runs} runs each)")
        warm, squawk_sample = alternate(
            args.runs, lambda _i: timed([*check, last], hook_env), lambda _i: timed([squawk, *files], env)
        )
        rows.append(
            Row("warm hook: `check LAST_FILE`, nothing changed", warm, squawk_sample, "squawk, same files", args.runs)
        )

        original = Path(last).read_text(encoding="utf-8")

        def edited(index: int) -> tuple[float, float]:
            Path(last).write_text(f"{original}\n-- edit {index} {time.time_ns()}\n", encoding="utf-8")
            return timed([*check, last], hook_env)

        log(f"edited hook vs plain SQLite ({args.runs} runs each)")
        edited_sample, plain_sample = alternate(args.runs, edited, lambda _i: timed(plain, env))
        Path(last).write_text(original, encoding="utf-8")
        rows.append(
            Row(
                "edited hook: last file changed before each run",
                edited_sample,
                plain_sample,
                "plain SQLite replay",
                args.runs,
            )
        )

        log(f"full check, cold vs plain SQLite ({args.runs} runs each)")
        cold, plain_again = alternate(
            args.runs, lambda _i: timed([*check, "--no-cache"], env), lambda _i: timed(plain, env)
        )
        rows.append(Row("full check, cold: `check --no-cache`", cold, plain_again, "plain SQLite replay", args.runs))

        for count in args.scale:
            out = tmp / f"generated-{count}"
            subprocess.run(
                [sys.executable, str(HERE / "generate_stream.py"), "--migrations", str(count), "--out", str(out)],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            runs = args.scale_runs
            log(f"{count} generated migrations ({runs} runs each)")
            tool_cmd = [grove, "--config", str(CONFIG), "--root", str(out), "check", "--no-cache"]
            tool, anchor = alternate(
                runs,
                lambda _i: timed(tool_cmd, env),
                lambda _i: timed([sys.executable, "-c", PLAIN_REPLAY, str(out / MIGRATIONS), "single-thread"], env),
            )
            anchor_name = "plain SQLite replay, single-threaded"
            rows.append(Row(f"generated {count:,}: `check --no-cache`", tool, anchor, anchor_name, runs))
            scaling[str(count)] = (tool.median_cpu() - anchor.median_cpu()) / count
        importtime = import_profile([*check, last], hook_env)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return rows, scaling, importtime


def import_profile(cmd: list[str], env: dict[str, str]) -> str:
    """`python -X importtime` of one warm hook: the top-level imports, slowest first."""
    python_cmd = [sys.executable, "-X", "importtime", "-m", "grove_schema.cli", *cmd[1:]]
    done = subprocess.run(python_cmd, env=env, capture_output=True, text=True, check=False)
    rows = []
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)", line)
        if match and not match.group(3):  # imported at top level, not by another module
            rows.append((int(match.group(2)), match.group(4)))
    heavy = sorted({name.split(".")[0] for _us, name in rows} & set(HEAVY))
    lines = [
        "| module (imported at top level) | cumulative ms |",
        "|---|---:|",
        *(f"| `{name}` | {us / 1000:.1f} |" for us, name in sorted(rows, reverse=True)[:15]),
        "",
        f"Heavy dependencies on this path: {', '.join(heavy) if heavy else 'none'} (of {', '.join(HEAVY)}).",
    ]
    return "\n".join(lines)


def section(rows: list[Row], scaling: dict[str, float], importtime: str, started: str, seconds: float) -> str:
    lines = [
        SECTION_START,
        "## Ratios against squawk and plain SQLite",
        "",
        f"Measured {started} by `benchmarks/bench_ratios.py` ({seconds / 60:.1f} min) on {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}; load average "
        f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())} at the end. Each command a fresh process, run "
        "alternately with its anchor; CPU is user + system time of the child (and its children), "
        "wall is spawn to exit; medians with min-max. The ratio is of the median CPU times.",
        "",
        "| case | runs | grove-schema CPU s (min-max) | wall s (min-max) | anchor | anchor CPU s (min-max) | wall s (min-max) | ratio (CPU) |",
        "|---|---:|---|---|---|---|---|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row.case} | {row.runs} | {row.tool.cell()} | {row.anchor_name} | {row.anchor.cell()} | {row.ratio:.2f}x |"
        )
    lines += ["", "| target | measured | status |", "|---|---:|---|"]
    by_case = {row.case.split(":")[0]: row for row in rows}
    checks = [
        ("warm hook at most 1.0x squawk", by_case["warm hook"].ratio, TARGETS["warm"]),
        ("edited hook at most 2.5x plain SQLite", by_case["edited hook"].ratio, TARGETS["edited"]),
        ("full check, cold, at most 4x plain SQLite", by_case["full check, cold"].ratio, TARGETS["cold"]),
    ]
    if len(scaling) == 2:
        small, large = sorted(scaling, key=int)
        checks.append(
            (
                f"own time per migration at {int(large):,} at most 1.2x its value at {int(small):,}"
                f" ({scaling[large] * 1000:.2f} ms vs {scaling[small] * 1000:.2f} ms)",
                scaling[large] / scaling[small],
                TARGETS["scaling"],
            )
        )
    for name, measured, target in checks:
        lines.append(f"| {name} | {measured:.2f}x | {'met' if measured <= target else '**not met**'} |")
    lines += [
        "",
        "What one warm hook imports (`python -X importtime`, one run, in-process ms):",
        "",
        importtime,
        SECTION_END,
    ]
    return "\n".join(lines) + "\n"


def write_section(text: str) -> None:
    current = DOCS.read_text(encoding="utf-8")
    if SECTION_START in current:
        before, rest = current.split(SECTION_START, 1)
        after = rest.split(SECTION_END, 1)[1].lstrip("\n")
        updated = before + text + ("\n" + after if after else "")
    else:
        updated = current.rstrip("\n") + "\n\n" + text
    DOCS.write_text(updated, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each corpus case and its anchor (default 15)")
    parser.add_argument("--scale", type=int, nargs="*", default=[1000, 10000], help="generated stream sizes")
    parser.add_argument("--scale-runs", type=int, default=3, help="runs of each generated stream (default 3)")
    parser.add_argument("--write-docs", action="store_true", help="write the section into docs/performance.md")
    args = parser.parse_args(argv)
    if not CORPUS.is_dir():
        sys.exit(f"bench_ratios: the corpus is not at {CORPUS}")

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    start = time.monotonic()
    rows, scaling, importtime = bench(args, log)
    text = section(rows, scaling, importtime, started, time.monotonic() - start)
    print(text)
    if args.write_docs:
        write_section(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
