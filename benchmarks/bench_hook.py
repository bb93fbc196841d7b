#!/usr/bin/env python3
"""Benchmark `grove-schema check` in hook mode: what a commit waits for.

Input: the real corpus (../shared/corpora/lattice-engine-before) copied into
`<tmp>/libs/engine/migrations`, plus one new migration, checked as a hook checks it:

    grove-schema --config ownership.toml --root <tmp> check <tmp>/libs/engine/migrations/<new>.sql

Each run is the installed console script in a fresh child process (interpreter start-up and imports
count), timed with time.perf_counter() around spawn and wait, output to a pipe. The cache lives in
a temporary GROVE_SCHEMA_CACHE_DIR:

- cold: the first run with an empty cache (repeated, each time with a new empty cache);
- warm: the same input again (the report cache answers);
- edited: the new migration's text changes before every run, as when a refused commit is fixed
  and retried (the report cache misses; the replay resumes before the new file);
- no cache: `--no-cache`, the replay from scratch every time;
- git hook: hooks/pre-commit end to end (export of the index, then the check) in a temporary git
  repository holding the same files, with the new migration staged; cold, then warm.

    .venv/bin/python benchmarks/bench_hook.py                # print the table
    .venv/bin/python benchmarks/bench_hook.py --write-docs   # and write the "Hook latency" section
                                                             # at the end of docs/performance.md
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
HOOK_SCRIPT = REPO / "hooks" / "pre-commit"
MIGRATIONS = Path("libs/engine/migrations")
TARGET_WARM_S = 0.5
SECTION_START = "<!-- hook-latency:start (written by benchmarks/bench_hook.py --write-docs) -->"
SECTION_END = "<!-- hook-latency:end -->"
NEW_MIGRATION = """\
-- A new migration, as a developer stages it.
CREATE TABLE hook_probe (
    id INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    label TEXT NOT NULL DEFAULT ''
);
CREATE INDEX idx_hook_probe_tenant ON hook_probe(tenant_id);
"""


@dataclass
class Row:
    name: str
    what: str
    walls: list[float] = field(default_factory=list)
    codes: set[int] = field(default_factory=set)

    @property
    def median(self) -> float:
        return statistics.median(self.walls)


def run_timed(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, int, str]:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    return wall, done.returncode, done.stdout + done.stderr


def grove_schema_executable() -> str:
    beside = Path(sys.executable).with_name("grove-schema")
    if beside.exists():
        return str(beside)
    found = shutil.which("grove-schema")
    if found is None:
        sys.exit("bench_hook: cannot find the grove-schema console script (install the project first)")
    return found


def corpus_copy(root: Path) -> tuple[Path, int]:
    directory = root / MIGRATIONS
    directory.mkdir(parents=True)
    files = sorted(p for p in CORPUS.iterdir() if p.is_file() and p.suffix == ".sql")
    for path in files:
        shutil.copyfile(path, directory / path.name)
    numbers = [int(m.group(1)) for p in files if (m := re.match(r"(\d+)", p.name))]
    new = directory / f"{max(numbers) + 1:03d}_hook_probe.sql"
    new.write_text(NEW_MIGRATION, encoding="utf-8")
    # What `grove-schema new` leaves: the reservation (the map configures one) holds the next number.
    (directory / "NEXT_MIGRATION_NUMBER.txt").write_text(f"{max(numbers) + 2:03d}\n", encoding="utf-8")
    return new, len(files)


def measure(row: Row, runs: int, once: Callable[[int], tuple[float, int, str]], log: Callable[[str], None]) -> Row:
    for index in range(runs):
        wall, code, text = once(index)
        if code not in (0, 1):
            sys.exit(f"bench_hook: {row.name}: exit {code}:\n{text[-2000:]}")
        row.walls.append(wall)
        row.codes.add(code)
    log(f"  {row.name}: median {row.median:.3f} s, min {min(row.walls):.3f}, max {max(row.walls):.3f} ({runs} runs)")
    return row


def bench(args: argparse.Namespace, log: Callable[[str], None]) -> tuple[list[Row], dict[str, str]]:
    exe = grove_schema_executable()
    tmp = Path(tempfile.mkdtemp(prefix="grove-schema-bench-hook-"))
    try:
        root = tmp / "corpus"
        new, files = corpus_copy(root)
        base_env = {**os.environ, "NO_COLOR": "1"}
        base_env.pop("GROVE_SCHEMA_CACHE_DIR", None)
        check = [exe, "--config", str(CONFIG), "--root", str(root), "check"]
        rows: list[Row] = []

        def check_once(cache: Path, *extra: str) -> tuple[float, int, str]:
            return run_timed([*check, *extra, str(new)], {**base_env, "GROVE_SCHEMA_CACHE_DIR": str(cache)}, REPO)

        # One untimed run fills the OS page cache (the interpreter, the packages, the corpus).
        check_once(tmp / "cache-warm-up", "--no-cache")
        rows.append(measure(
            Row("cold", "first run, empty cache"), args.cold_runs,
            lambda i: check_once(tmp / f"cache-cold-{i}"), log,
        ))
        cache = tmp / "cache"
        check_once(cache)  # fills it
        rows.append(measure(Row("warm", "same input again"), args.runs, lambda i: check_once(cache), log))

        def edited(i: int) -> tuple[float, int, str]:
            extra = f"-- edit {i}\nCREATE INDEX idx_hook_probe_label_{i} ON hook_probe(label);\n"
            new.write_text(NEW_MIGRATION + extra, encoding="utf-8")
            return check_once(cache)

        rows.append(measure(Row("edited", "new migration changed before each run"), args.runs, edited, log))
        new.write_text(NEW_MIGRATION, encoding="utf-8")
        rows.append(measure(
            Row("no cache", "`--no-cache`: full replay"), args.no_cache_runs,
            lambda i: check_once(cache, "--no-cache"), log,
        ))
        if shutil.which("git") is not None:
            rows.extend(git_hook_rows(args, tmp, root, exe, base_env, log))
        else:
            log("  git is not installed: the git hook is not measured")
        facts = {
            "files": str(files),
            "new": new.name,
            "exit": ",".join(str(c) for c in sorted(rows[0].codes)),
        }
        return rows, facts
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def git_hook_rows(
    args: argparse.Namespace, tmp: Path, corpus: Path, exe: str, base_env: dict[str, str], log: Callable[[str], None]
) -> list[Row]:
    """hooks/pre-commit, run as git runs it, in a repository holding the corpus and a map."""
    repo = tmp / "repo"
    shutil.copytree(corpus, repo)
    config = CONFIG.read_text(encoding="utf-8")
    config = re.sub(r'(?m)^root = "[^"]*"', 'root = "."', config)
    (repo / "ownership.toml").write_text(config, encoding="utf-8")
    hook = repo / ".githooks" / "pre-commit"
    hook.parent.mkdir()
    shutil.copy2(HOOK_SCRIPT, hook)
    env = {
        **base_env,
        "HOME": str(tmp),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@grove.invalid",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@grove.invalid",
        "PATH": f"{Path(exe).parent}{os.pathsep}{base_env.get('PATH', '')}",
    }

    def git(*argv: str) -> None:
        subprocess.run(["git", *argv], cwd=repo, env=env, check=True, capture_output=True)

    new = next(p for p in (repo / MIGRATIONS).glob("*_hook_probe.sql"))
    staged_new = new.read_bytes()
    new.unlink()
    git("-c", "init.defaultBranch=main", "init", "-q")
    git("add", "-A")
    git("commit", "-q", "--no-verify", "-m", "corpus")
    new.write_bytes(staged_new)
    git("add", "-A")

    def hook_once(_index: int) -> tuple[float, int, str]:
        return run_timed(["sh", str(hook)], env, repo)

    git_dir = repo / ".git"
    rows = []

    def cold_once(index: int) -> tuple[float, int, str]:
        shutil.rmtree(git_dir / "grove-schema", ignore_errors=True)
        return hook_once(index)

    rows.append(measure(Row("git hook, cold", "hooks/pre-commit, empty cache"), args.cold_runs, cold_once, log))
    rows.append(measure(Row("git hook, warm", "hooks/pre-commit, same index again"), args.runs, hook_once, log))
    return rows


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        load = "unknown"
    version = subprocess.run([grove_schema_executable(), "--version"], capture_output=True, text=True).stdout.strip()
    return {"cpu": cpu, "nproc": str(os.cpu_count()), "python": platform.python_version(), "version": version,
            "load": load}


def table(rows: list[Row]) -> str:
    lines = ["| run | what | runs | median s | min s | max s |", "|---|---|---:|---:|---:|---:|"]
    for row in rows:
        lines.append(
            f"| {row.name} | {row.what} | {len(row.walls)} | {row.median:.3f} | {min(row.walls):.3f} | "
            f"{max(row.walls):.3f} |"
        )
    return "\n".join(lines)


def section(rows: list[Row], facts: dict[str, str], info: dict[str, str], when: str, load_after: str) -> str:
    by_name = {row.name: row for row in rows}
    warm = by_name["warm"].median
    verdict = "met" if warm < TARGET_WARM_S else "**not met**"
    return f"""{SECTION_START}
## Hook latency

What a commit waits for: `grove-schema check` in hook mode on the real corpus with one new staged
migration, timed on its own (pre-commit itself adds about 0.3 s). Measured {when} on
{info['cpu']} ({info['nproc']} CPUs), Python {info['python']}, `{info['version']}`; load average
(1/5/15 min) {info['load']} before and {load_after} after.

Input: the {facts['files']} files of `../shared/corpora/lattice-engine-before` plus the new
`{facts['new']}`, copied into a temporary `libs/engine/migrations` with `NEXT_MIGRATION_NUMBER.txt`
holding the next number (as `grove-schema new` leaves it), checked as a hook does:
`grove-schema --config ownership.toml --root <tmp> check <tmp>/libs/engine/migrations/{facts['new']}`
(exit {facts['exit']}; the corpus' own findings in other files are replayed but not reported).
Each run is the console script in a new process, so start-up and imports
count. The content-hash cache (docs/hooks.md) lives in a temporary `GROVE_SCHEMA_CACHE_DIR`:

- **cold**: the first run with an empty cache (each run with a new empty cache; the OS page cache
  is warm, after one untimed run); it replays the whole stream and stores the report and two
  replay snapshots, which is what it costs over **no cache**.
- **warm**: the same input again: the stored report answers.
- **edited**: the new migration is changed before every run, as when a refused commit is fixed
  and retried: the report misses and the replay resumes from the snapshot taken before the new
  file, so only that file is replayed.
- **no cache**: `--no-cache`, for comparison.
- **git hook**: `hooks/pre-commit` end to end in a temporary git repository holding the same files
  with the new migration staged: it exports the index, then runs the check (cache in `.git`).

{table(rows)}

| target | measured | status |
|---|---:|---|
| warm under {TARGET_WARM_S:g} s (median) | {warm:.3f} s | {verdict} |

Reproduce: `.venv/bin/python benchmarks/bench_hook.py --write-docs` (rewrites only this section).
{SECTION_END}
"""


def write_section(path: Path, text: str) -> None:
    """Replace the section between its markers, or append it at the end; the rest is untouched."""
    current = path.read_text(encoding="utf-8") if path.exists() else "# Performance\n"
    start, end = current.find(SECTION_START), current.find(SECTION_END)
    if start != -1 and end != -1 and end > start:
        updated = current[:start] + text.rstrip("\n") + current[end + len(SECTION_END) :]
    else:
        updated = current.rstrip("\n") + "\n\n" + text
    if not updated.endswith("\n"):
        updated += "\n"
    path.write_text(updated, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark grove-schema check in hook mode.")
    parser.add_argument("--runs", type=int, default=10, help="warm and edited runs (default 10)")
    parser.add_argument("--cold-runs", type=int, default=3, help="cold runs, each with an empty cache (default 3)")
    parser.add_argument("--no-cache-runs", type=int, default=5, help="--no-cache runs (default 5)")
    parser.add_argument("--write-docs", action="store_true", help=f"write the section in {DOCS.relative_to(REPO)}")
    args = parser.parse_args(argv)
    if not CORPUS.is_dir():
        print(f"bench_hook: the corpus is absent ({CORPUS}); nothing to measure", file=sys.stderr)
        return 2

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    info = machine()
    log(f"{info['version']}; load {info['load']}")
    rows, facts = bench(args, log)
    try:
        load_after = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        load_after = "unknown"
    print(table(rows))
    if args.write_docs:
        write_section(DOCS, section(rows, facts, info, when, load_after))
        log(f"wrote the Hook latency section of {DOCS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
