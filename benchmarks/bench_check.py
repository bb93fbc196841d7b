#!/usr/bin/env python3
"""Benchmark `grove-schema check` end to end, as a user runs it.

Each measurement runs the installed console script in a child process (so interpreter start-up
and imports count), with `--config` set to the repository's ownership.toml and `--root` set to
the input. Inputs: the bundled example, the real corpus in ../shared/corpora (copied into a
temporary root; skipped when absent), and generated streams of 1,000 and 10,000 migrations
(written to a temporary directory by benchmarks/generate_stream.py).

Wall time is time.perf_counter() around spawn + wait. Peak memory is the child's own ru_maxrss,
read with os.wait4() on that child's pid: unlike getrusage(RUSAGE_CHILDREN), which is a maximum
over every child reaped so far, wait4 reports the rusage of exactly the process waited for.

    .venv/bin/python benchmarks/bench_check.py                # print the tables
    .venv/bin/python benchmarks/bench_check.py --write-docs   # and rewrite docs/performance.md
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CONFIG = REPO / "ownership.toml"
EXAMPLE_ROOT = REPO / "examples" / "grove"
CORPUS = REPO.parent / "shared" / "corpora" / "lattice-engine-before"
DOCS = REPO / "docs" / "performance.md"
MIGRATIONS_SUBDIR = Path("libs/engine/migrations")

sys.path.insert(0, str(HERE))
import generate_stream  # noqa: E402  (the sibling generator)

IMPORT_COMMANDS = (
    "pass",
    "import grove_schema.cli",
    "import pydantic",
    "from pydantic import BaseModel",
    "import sqlglot",
    "import apsw",
)
WATCHED_PACKAGES = ("grove_schema", "pydantic", "pydantic_core", "sqlglot", "apsw", "rich", "networkx", "graphviz")
TARGET_CORPUS_S = 1.5
TARGET_10K_S = 60.0
TARGET_RATIO = 12.0


@dataclass
class Run:
    wall_s: float
    maxrss_kib: int
    cpu_s: float  # the child's user + system time
    load: float  # the machine's 1-minute load average when the run ended
    returncode: int
    stdout: str
    stderr: str


@dataclass
class Result:
    name: str
    description: str
    runs: list[Run] = field(default_factory=list)
    files: int | None = None
    statements: int | None = None
    findings: dict[str, int] = field(default_factory=dict)
    rules: dict[str, int] = field(default_factory=dict)  # rule code -> findings
    composition: dict[str, int] = field(default_factory=dict)  # generated streams: statements by kind
    returncode: int | None = None
    skipped: str | None = None  # why it was not measured

    @property
    def walls(self) -> list[float]:
        return [r.wall_s for r in self.runs]

    @property
    def median(self) -> float:
        return statistics.median(self.walls)

    @property
    def cpu_median(self) -> float:
        return statistics.median(r.cpu_s for r in self.runs)

    @property
    def peak_rss_mib(self) -> float:
        return max(r.maxrss_kib for r in self.runs) / 1024

    @property
    def statements_per_s(self) -> float | None:
        return self.statements / self.median if self.statements else None


# --- running a child and measuring it ---------------------------------------------------------


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("GROVE_SCHEMA_CACHE_DIR", None)  # never let a cache answer for the replay
    return env


def measure(cmd: list[str], cwd: Path = REPO) -> Run:
    """Run cmd once; wall time and that child's own peak RSS and CPU time (os.wait4)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=cwd, env=child_env()
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: keep Popen from waiting
        out.seek(0)
        err.seek(0)
        return Run(
            wall,
            int(usage.ru_maxrss),  # KiB on Linux
            usage.ru_utime + usage.ru_stime,
            os.getloadavg()[0],
            proc.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
        )


def grove_schema_executable() -> str:
    beside = Path(sys.executable).with_name("grove-schema")
    if beside.exists():
        return str(beside)
    found = shutil.which("grove-schema")
    if found is None:
        sys.exit("bench_check: cannot find the grove-schema console script (install the project first)")
    return found


NO_CACHE: list[str] = []  # ["--no-cache"] when the CLI has a check cache (set in main)


def check_cmd(exe: str, root: Path, *extra: str) -> list[str]:
    return [exe, "--config", str(CONFIG), "--root", str(root), "check", *NO_CACHE, *extra]


def check_has_cache_option(exe: str) -> bool:
    helptext = subprocess.run([exe, "check", "--help"], capture_output=True, text=True, env=child_env()).stdout
    return "--no-cache" in helptext


def bench_input(exe: str, result: Result, root: Path, runs: int, log) -> Result:  # type: ignore[no-untyped-def]
    # One untimed warm-up with --format json: fills the page cache and gives the counts.
    warm = measure(check_cmd(exe, root, "--format", "json"))
    if warm.returncode not in (0, 1):
        result.skipped = f"check failed (exit {warm.returncode}): {warm.stderr.strip()[:300]}"
        log(f"  {result.name}: {result.skipped}")
        return result
    report = json.loads(warm.stdout)
    summary = report["summary"]
    for finding in report.get("findings", []):
        code = " ".join(str(finding[k]) for k in ("code", "name") if finding.get(k)) or "?"
        result.rules[code] = result.rules.get(code, 0) + 1
    result.files = summary["files"]
    result.statements = summary["statements"]
    result.findings = summary["findings"]
    log(f"  {result.name}: {result.files} files, {result.statements} statements, findings {result.findings}"
        f" (warm-up {warm.wall_s:.2f} s)")
    for index in range(runs):
        run = measure(check_cmd(exe, root))
        if run.returncode not in (0, 1):
            result.skipped = f"check failed (exit {run.returncode}): {run.stderr.strip()[:300]}"
            return result
        result.returncode = run.returncode
        result.runs.append(run)
        log(f"    run {index + 1}/{runs}: {run.wall_s:.3f} s wall, {run.cpu_s:.3f} s CPU, "
            f"max RSS {run.maxrss_kib / 1024:.1f} MiB, load {run.load:.1f}")
    return result


def wait_for_quiet(threshold: float, timeout: float, log) -> bool:  # type: ignore[no-untyped-def]
    """Wait until the 1-minute load average is at most `threshold` (True), or `timeout` s (False)."""
    deadline = time.monotonic() + timeout
    load = os.getloadavg()[0]
    if load <= threshold:
        return True
    log(f"  waiting for the machine to quieten: load {load:.1f} > {threshold:g} (up to {timeout:.0f} s) ...")
    while time.monotonic() < deadline:
        time.sleep(5)
        load = os.getloadavg()[0]
        if load <= threshold:
            log(f"  load {load:.1f}: going on")
            return True
    log(f"  load still {load:.1f} after {timeout:.0f} s: measuring anyway")
    return False


def import_times(python: str, repeat: int) -> list[tuple[str, float]]:
    """Median wall time of `python -c CODE` over `repeat` runs, for a few imports."""
    rows = []
    for code in IMPORT_COMMANDS:
        measure([python, "-c", code])  # warm-up, not counted
        walls = [measure([python, "-c", code]).wall_s for _ in range(repeat)]
        rows.append((code, statistics.median(walls)))
    return rows


def imports_during_check(python: str, root: Path) -> dict[str, float | None]:
    """In-process import time (ms) of one `check` of `root`, per top-level package (None: not
    imported), from `-X importtime` self times, so each module counts for its own package
    whoever imported it. The key "(all)" is the total."""
    code = (
        "import sys; from grove_schema.cli import main; "
        f"sys.exit(main(['--config', {str(CONFIG)!r}, '--root', {str(root)!r}, 'check']))"
    )
    run = measure([python, "-X", "importtime", "-c", code])
    found: dict[str, float | None] = {name: None for name in WATCHED_PACKAGES}
    total = 0.0
    for line in run.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+)\s+\|\s+\d+\s+\|\s+(\S.*)$", line)
        if not match:
            continue
        self_ms = int(match.group(1)) / 1000
        total += self_ms
        package = match.group(2).strip().split(".")[0]
        if package in found:
            found[package] = (found[package] or 0.0) + self_ms
    found["(all)"] = total
    return found


# --- machine ----------------------------------------------------------------------------------


def machine_info(exe: str) -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip() if shutil.which("nproc") else ""
    version = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.strip()
    sqlite = re.search(r"SQLite ([\d.]+)", version)
    python = subprocess.run(
        [sys.executable, "-c", "import platform; print(platform.python_version())"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "nproc": nproc or str(os.cpu_count()),
        "cpu": cpu,
        "python": python,
        "sqlite": sqlite.group(1) if sqlite else "unknown",
        "version": version,
        "platform": platform.platform(),
    }


# --- inputs -----------------------------------------------------------------------------------


def corpus_root(tmp: Path) -> Path | None:
    """A temporary root holding copies of the corpus' .sql files (discovery skips symlinks)."""
    if not CORPUS.is_dir():
        return None
    root = tmp / "corpus"
    directory = root / MIGRATIONS_SUBDIR
    directory.mkdir(parents=True)
    for path in sorted(CORPUS.iterdir()):
        if path.is_file() and path.suffix == ".sql":
            shutil.copyfile(path, directory / path.name)
    return root


def generated_root(tmp: Path, migrations: int, seed: int, shape: str) -> tuple[Path, dict[str, int]]:
    root = tmp / f"generated-{migrations}"
    _, kinds = generate_stream.generate(root, migrations, seed, shape)
    return root, dict(kinds.most_common())


# --- reporting --------------------------------------------------------------------------------


def _fmt_s(value: float) -> str:
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def results_table(results: list[Result]) -> str:
    lines = [
        "| input | files | statements | runs | median s | min s | max s | median CPU s | peak RSS MiB "
        "| statements/s | findings (e/w/i) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        if r.skipped or not r.runs:
            lines.append(f"| {r.name} | – | – | 0 | – | – | – | – | – | – | skipped: {r.skipped} |")
            continue
        f = r.findings
        lines.append(
            f"| {r.name} | {r.files} | {r.statements} | {len(r.runs)} | {_fmt_s(r.median)} | "
            f"{_fmt_s(min(r.walls))} | {_fmt_s(max(r.walls))} | {_fmt_s(r.cpu_median)} | {r.peak_rss_mib:.1f} | "
            f"{r.statements_per_s:,.0f} | {f.get('error', 0)}/{f.get('warning', 0)}/{f.get('info', 0)} |"
        )
    return "\n".join(lines)


def ratio(results: dict[str, Result], cpu: bool = False) -> float | None:
    small, large = results.get("generated 1k"), results.get("generated 10k")
    if not small or not large or not small.runs or not large.runs:
        return None
    if cpu:
        return large.cpu_median / small.cpu_median
    return large.median / small.median


def _status(ok: bool) -> str:
    return "met" if ok else "**not met**"


def targets(results: dict[str, Result]) -> list[tuple[str, ...]]:
    """(target, wall measured, status, CPU measured, status as if wall were CPU time)."""
    rows: list[tuple[str, ...]] = []
    for name, label, limit in (
        ("corpus", f"real corpus under {TARGET_CORPUS_S:g} s", TARGET_CORPUS_S),
        ("generated 10k", f"10,000 migrations under {TARGET_10K_S:g} s", TARGET_10K_S),
    ):
        r = results.get(name)
        if r and r.runs:
            rows.append((label, f"{_fmt_s(r.median)} s", _status(r.median < limit),
                         f"{_fmt_s(r.cpu_median)} s", _status(r.cpu_median < limit)))
        else:
            rows.append((label, "not measured", "unknown", "–", "–"))
    label = f"10k/1k time ratio at most {TARGET_RATIO:g}"
    wall, cpu = ratio(results), ratio(results, cpu=True)
    if wall is not None and cpu is not None:
        rows.append((label, f"{wall:.1f}", _status(wall <= TARGET_RATIO), f"{cpu:.1f}", _status(cpu <= TARGET_RATIO)))
    else:
        rows.append((label, "not measured", "unknown", "–", "–"))
    return rows


def targets_table(rows: list[tuple[str, ...]]) -> str:
    lines = [
        "| target | median wall | status | median CPU (user+sys) | status on CPU time |",
        "|---|---:|---|---:|---|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def imports_table(rows: list[tuple[str, float]], repeat: int, during: dict[str, float | None]) -> str:
    base = dict(rows).get("pass", 0.0)
    lines = [
        f"| command | median ms ({repeat} runs) | minus bare interpreter ms |",
        "|---|---:|---:|",
    ]
    for code, wall in rows:
        extra = "–" if code == "pass" else f"{(wall - base) * 1000:.0f}"
        lines.append(f'| `python -c "{code}"` | {wall * 1000:.0f} | {extra} |')
    lines.append("")
    lines.append("What one `check` of the bundled example imports (`python -X importtime`, one run; "
                 "in-process time, each module's own time counted for its top-level package):")
    lines.append("")
    lines.append("| package | imported by `check` | import ms |")
    lines.append("|---|---|---:|")
    for name, value in during.items():
        imported = "–" if name == "(all)" else ("yes" if value is not None else "no")
        lines.append(f"| {name} | {imported} | {f'{value:.0f}' if value is not None else '–'} |")
    return "\n".join(lines)


SUPERLINEAR_NOTE = """

Why: the generated streams grow their schema with the stream (50 tables in the 1k stream, 500 in
the 10k one), and SQLite reloads the whole schema after every `ALTER TABLE ... ADD COLUMN`, so
each one costs time proportional to the number of tables and indexes that exist by then. Every
statement runs in the dev database (that is what checks the model), so this cost is SQLite's own,
and it is quadratic in a stream whose schema keeps growing. A profile of the 10k run
(`python -m cProfile -s tottime -m grove_schema.cli --root DIR check --no-cache`) puts most of
the time in `apsw.Connection.execute`; grove-schema's own Python work (splitting, parsing, rules,
model) grows with the number of statements. The check cache (`check PATHS`, the hook mode)
avoids replaying unchanged files altogether: see Hook latency below."""


def write_docs(path: Path, machine: dict[str, str], when: str, results: list[Result], runs_note: str,
               import_md: str, target_rows: list[tuple[str, ...]], by_name: dict[str, Result],
               seed: int, elapsed: float, shape: str = generate_stream.DEFAULT_SHAPE) -> None:
    value = ratio(by_name)
    ratio_line = ""
    if value is not None:
        small, large = by_name["generated 1k"], by_name["generated 10k"]
        stmt_ratio = (large.statements or 0) / (small.statements or 1)
        ratio_line = (
            f"\n10k/1k: wall-time ratio **{value:.1f}** (CPU-time ratio {ratio(by_name, cpu=True):.1f}) "
            f"for a statement ratio of {stmt_ratio:.1f} "
            f"({small.statements_per_s:,.0f} vs {large.statements_per_s:,.0f} statements/s): "
            + ("replay time grows about linearly with the stream."
               if value <= TARGET_RATIO else
               "replay time grows faster than the stream (super-linear)." + SUPERLINEAR_NOTE)
            + "\n"
        )
    loads = [run.load for r in results for run in r.runs]
    load_note = (
        f"{min(loads):.1f} to {max(loads):.1f} (1-minute load average at the end of each timed run, "
        f"on {machine['nproc']} CPUs)" if loads else "not recorded"
    )
    cache_note = (
        "`--no-cache` is passed, so every run replays the whole stream (the check cache is not measured)"
        if NO_CACHE else "this version of the CLI has no check cache option"
    )
    detail_lines = []
    for r in results:
        if r.skipped or not r.runs:
            continue
        rules = ", ".join(f"{code} ×{count}" for code, count in sorted(r.rules.items())) or "none"
        line = f"- **{r.name}**: findings by rule: {rules}"
        if r.composition:
            mix = ", ".join(f"{count} {kind}" for kind, count in r.composition.items())
            line += f"; statements generated: {mix}"
        detail_lines.append(line + ".")
    details = "\n".join(detail_lines)
    text = f"""# Performance of `grove-schema check`

<!-- Generated by benchmarks/bench_check.py --write-docs. Every number below was measured by
     that script; do not edit them by hand, re-run it instead. -->

Measured {when} (benchmark took {elapsed / 60:.1f} min).

## Machine

| | |
|---|---|
| CPUs (`nproc`) | {machine['nproc']} |
| CPU model | {machine['cpu']} |
| Python | {machine['python']} |
| SQLite (from `grove-schema --version`) | {machine['sqlite']} |
| `grove-schema --version` | `{machine['version']}` |
| platform | {machine['platform']} |
| machine load during the runs | {load_note} |

## Method

Each run starts the installed console script in a fresh child process, so interpreter start-up
and imports count: `grove-schema --config ownership.toml --root INPUT check`, text output to a
file. Before the timed runs, one untimed warm-up run with `--format json` gives the file and
statement counts and the findings.
Cache: {cache_note}.
Wall time is `time.perf_counter()` around spawn and wait; CPU time (user + system) and peak
RSS are the child's own, from `os.wait4()` on its pid (not the `RUSAGE_CHILDREN` aggregate,
which is a maximum over every child reaped so far); the table shows the median CPU time and the
largest peak RSS over the timed runs.
Runs: {runs_note}.
The targets are on wall time; CPU time is shown beside it because wall time on a shared machine
grows with the load (see the machine table), CPU time much less.

Inputs:

- **example**: the bundled `examples/grove` stream.
- **corpus**: `../shared/corpora/lattice-engine-before`, its `.sql` files copied into a temporary
  `libs/engine/migrations` (copies, not symlinks: discovery skips symlinked files, as wrangler
  does). Whatever it reports (see the findings column) are real findings of that corpus.
- **generated 1k / 10k**: `benchmarks/generate_stream.py --migrations N --seed {seed} --shape {shape}`,
  written to a temporary directory: at most 500 CREATE TABLE (5-15 columns, most with a
  `tenant_id` foreign key; 50 of them in the 1k stream), the rest ADD COLUMN, CREATE INDEX
  (composite, partial, a few UNIQUE), INSERT and UPDATE, 1-6 statements per file; the shape
  sets the mix (`corpus`: the real corpus's index density, about 2.5 named indexes per table,
  and one ADD COLUMN in seven statements; `alter-heavy`: 7.6 indexes per table, 28 % ADD
  COLUMN); valid SQLite, so check should report no error (any
  warning on them comes from the configuration, e.g. `grandfathered_collisions`, see the rules
  below the table).

## Results

{results_table(results)}
{ratio_line}
{details}

## Targets

{targets_table(target_rows)}

## Import time

{import_md}

## Reproduce

```sh
.venv/bin/python benchmarks/bench_check.py --write-docs
```
"""
    # benchmarks/bench_hook.py owns the "Hook latency" section: keep it.
    if path.exists():
        previous = path.read_text(encoding="utf-8")
        start = previous.find("<!-- hook-latency:start")
        end = previous.find("<!-- hook-latency:end -->")
        if start != -1 and end != -1:
            heading = previous.rfind("\n## ", 0, start)
            keep_from = heading + 1 if heading != -1 else start
            text = text.rstrip("\n") + "\n\n" + previous[keep_from : end + len("<!-- hook-latency:end -->")] + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# --- main -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark grove-schema check.")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per input (default 5)")
    parser.add_argument("--runs-10k", type=int, default=3, help="timed runs of the 10k stream (default 3)")
    parser.add_argument("--import-runs", type=int, default=10, help="runs per import measurement (default 10)")
    parser.add_argument("--skip-10k", action="store_true", help="leave out the 10,000-migration stream")
    parser.add_argument("--seed", type=int, default=generate_stream.DEFAULT_SEED)
    parser.add_argument(
        "--shape", choices=sorted(generate_stream.SHAPES), default=generate_stream.DEFAULT_SHAPE,
        help="statement mix of the generated streams (see generate_stream.SHAPES)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary inputs (path is printed)")
    parser.add_argument("--write-docs", action="store_true", help="rewrite docs/performance.md (or --docs)")
    parser.add_argument("--docs", type=Path, default=DOCS, help="the file --write-docs writes")
    parser.add_argument("--quiet-load", type=float, default=float(os.cpu_count() or 1),
                        help="before each input, wait until the 1-minute load average is at most this "
                             "(default: the number of CPUs; 0 or less: do not wait)")
    parser.add_argument("--quiet-timeout", type=float, default=600,
                        help="wait at most this many seconds for --quiet-load (default 600)")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the temporary inputs get removed
    started = time.perf_counter()
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    exe = grove_schema_executable()
    python = str(Path(exe).with_name("python")) if Path(exe).with_name("python").exists() else sys.executable
    machine = machine_info(exe)
    log(f"grove-schema: {exe}\n{machine['version']}")
    if check_has_cache_option(exe):
        NO_CACHE[:] = ["--no-cache"]

    tmp = Path(tempfile.mkdtemp(prefix="grove-schema-bench-"))
    results: list[Result] = []
    busy: list[str] = []  # measured although the machine never got quiet enough
    try:
        inputs: list[tuple[Result, Path | None, int]] = []
        inputs.append((Result("example", "bundled examples/grove"), EXAMPLE_ROOT, args.runs))
        root = corpus_root(tmp)
        corpus = Result("corpus", "lattice-engine-before")
        if root is None:
            corpus.skipped = f"{CORPUS} is absent"
            log(f"skipping the corpus: {corpus.skipped}")
        inputs.append((corpus, root, args.runs))
        sizes = [(1000, "generated 1k", args.runs)]
        if not args.skip_10k:
            sizes.append((10000, "generated 10k", args.runs_10k))
        for migrations, name, runs in sizes:
            log(f"generating the {name} stream ...")
            result = Result(name, f"{migrations:,} migrations")
            root, result.composition = generated_root(tmp, migrations, args.seed, args.shape)
            inputs.append((result, root, runs))
        for result, input_root, runs in inputs:
            if input_root is not None and result.skipped is None:
                log(f"measuring {result.name} ({runs} runs) ...")
                if args.quiet_load > 0 and not wait_for_quiet(args.quiet_load, args.quiet_timeout, log):
                    busy.append(result.name)
                bench_input(exe, result, input_root, runs, log)
            results.append(result)
        log("measuring import times ...")
        if args.quiet_load > 0 and not wait_for_quiet(args.quiet_load, args.quiet_timeout, log):
            busy.append("import times")
        imports = import_times(python, args.import_runs)
        during = imports_during_check(python, EXAMPLE_ROOT)
    finally:
        if args.keep:
            log(f"inputs kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    by_name = {r.name: r for r in results}
    target_rows = targets(by_name)
    runs_note = f"{args.runs} per input, {args.runs_10k} for the 10k stream"
    if args.quiet_load > 0:
        runs_note += (
            f"; before each input the script waits (up to {args.quiet_timeout:g} s) for the 1-minute load "
            f"average to fall to {args.quiet_load:g}"
            + (f", which it did not for: {', '.join(busy)}" if busy else ", which it did every time")
        )
    import_md = imports_table(imports, args.import_runs, during)
    print(f"## grove-schema check ({machine['cpu']}, {machine['nproc']} CPUs, Python {machine['python']}, "
          f"SQLite {machine['sqlite']}; {when})\n")
    print(results_table(results))
    value = ratio(by_name)
    if value is not None:
        print(f"\n10k/1k time ratio: {value:.1f} wall, {ratio(by_name, cpu=True):.1f} CPU")
    print("\n" + targets_table(target_rows))
    print("\n" + import_md)
    elapsed = time.perf_counter() - started
    if args.write_docs:
        write_docs(
            args.docs, machine, when, results, runs_note, import_md, target_rows, by_name, args.seed, elapsed,
            args.shape,
        )
        log(f"wrote {args.docs}")
    log(f"benchmark took {elapsed:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
