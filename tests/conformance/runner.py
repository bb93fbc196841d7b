"""Run the cases three ways: in real local D1 (wrangler + workerd), through `grove-schema check`
(the case's rule: does it report?), and in grove-schema's D1-profile dev database. Then render the
results as docs/d1-conformance.md."""

from __future__ import annotations

import datetime
import io
import json
import os
import re
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.conformance.cases import CASES, Case, Outcome
from tests.conformance.wrangler_driver import D1Project, Engine

GROVE_CONFIG = """\
[project]
root = "."
default_database = "engine"

[databases.engine]
name = "conformance"
binding = "DB"
migrations = "migrations"
"""


def _slug(case: Case) -> str:
    return re.sub(r"[^a-z0-9]+", "_", case.id.lower()).strip("_")


def case_files(case: Case, first: int = 1) -> list[tuple[str, str, bool]]:
    """(file name, SQL, is setup) in wrangler's order, numbered from `first`."""
    files = [(f"setup{i}", text, True) for i, text in enumerate(case.setup, 1)]
    files += [(f"change{i}", text, False) for i, text in enumerate(case.change, 1)]
    return [(f"{first + n:04d}_{_slug(case)}_{kind}.sql", text, setup) for n, (kind, text, setup) in enumerate(files)]


# --- what real local D1 does ----------------------------------------------------------------


@dataclass
class Observation:
    """One case's outcome (in the engine or in the dev database)."""

    outcome: Outcome | None  # None: the harness could not tell (see `problem`)
    error: str = ""  # the error text, when it failed
    failed_file: str | None = None
    detail: str = ""  # rows before -> after, probes
    problem: str | None = None  # a setup file failed, a probe failed...

    def describe(self) -> str:
        if self.outcome is None:
            return f"harness problem: {self.problem}"
        text = self.outcome.value
        if self.detail:
            text += f" ({self.detail})"
        if self.error:
            text += f': "{self.error}"'
        return text


def _first_int(rows: list[dict[str, Any]]) -> int:
    return int(rows[0]["n"]) if rows else 0


def run_single(engine: Engine, case: Case, root: Path) -> Observation:
    """One case in its own local D1: setup, (count), change, (count, probe, records)."""
    project = D1Project(engine, root)
    files = case_files(case)
    setup_names = {name for name, _, setup in files if setup}
    before = None
    if case.rows is not None:
        for name, text, setup in files:
            if setup:
                project.write(name, text)
        if setup_names:
            applied = project.apply()
            if not applied.ok:
                return Observation(None, applied.error, applied.failed_file, problem=f"setup failed: {applied.error}")
        (rows,) = project.query(case.rows)
        before = _first_int(rows)
    for name, text, setup in files:
        if not setup or case.rows is None:
            project.write(name, text)
    applied = project.apply()
    if not applied.ok:
        if applied.failed_file in setup_names:
            return Observation(None, applied.error, applied.failed_file, problem=f"setup failed: {applied.error}")
        changes = [name for name, _, setup in files if not setup]
        where = ""
        if len(changes) > 1 and applied.failed_file in changes:
            where = f"at change file {changes.index(applied.failed_file) + 1} of {len(changes)}"
        return Observation(Outcome.FAILS, applied.error, applied.failed_file, detail=where)
    probes = [sql for sql in (case.rows, case.effect) if sql is not None]
    if case.recorded:
        probes.append("SELECT name FROM d1_migrations")
    if not probes:
        return Observation(Outcome.SUCCEEDS)
    results = project.query(";\n".join(probes))
    details: list[str] = []
    outcome = Outcome.SUCCEEDS
    index = 0
    if case.rows is not None:
        after = _first_int(results[index])
        index += 1
        details.append(f"rows {before} -> {after}")
        if before is not None and after < before:
            outcome = Outcome.LOSES_ROWS
    if case.effect is not None:
        took = _first_int(results[index])
        index += 1
        if took == 0:
            details.append("the object was not created or changed")
            outcome = Outcome.NOOP if outcome is Outcome.SUCCEEDS else outcome
    if case.recorded:
        names = {str(row["name"]) for row in results[index]}
        missing = [name for name, _, setup in files if not setup and name not in names]
        if missing:
            details.append("d1_migrations lacks " + ", ".join(missing))
            outcome = Outcome.NOT_RECORDED if outcome is Outcome.SUCCEEDS else outcome
        else:
            details.append("recorded in d1_migrations")
    return Observation(outcome, detail="; ".join(details))


def run_batch(engine: Engine, cases: list[Case], root: Path) -> dict[str, Observation]:
    """Cases expected to succeed, as the files of one stream and one apply. A case that fails
    anyway stops the apply: it is recorded, its files removed, and the rest applied again."""
    project = D1Project(engine, root)
    owner: dict[str, Case] = {}
    setup_files: set[str] = set()
    number = 1
    for case in cases:
        for name, text, setup in case_files(case, number):
            project.write(name, text)
            owner[name] = case
            if setup:
                setup_files.add(name)
            number += 1
    results: dict[str, Observation] = {}
    for _attempt in range(len(cases) + 1):
        applied = project.apply()
        if applied.ok:
            break
        failed = owner.get(applied.failed_file or "")
        if failed is None:
            raise RuntimeError(f"the batched apply failed outside any case:\n{applied.output[-3000:]}")
        results[failed.id] = (
            Observation(None, applied.error, applied.failed_file, problem=f"setup failed: {applied.error}")
            if applied.failed_file in setup_files
            else Observation(Outcome.FAILS, applied.error, applied.failed_file)
        )
        for name, case in owner.items():
            if case is failed:
                (project.migrations / name).unlink(missing_ok=True)
    recorded = project.recorded()
    for case in cases:
        if case.id in results:
            continue
        names = [name for name, owned in owner.items() if owned is case]
        missing = [name for name in names if name not in recorded]
        results[case.id] = (
            Observation(Outcome.SUCCEEDS)
            if not missing
            else Observation(None, problem="not recorded after the batched apply: " + ", ".join(missing))
        )
    return results


# --- what grove-schema says -----------------------------------------------------------------


@dataclass
class Verdict:
    outcome: Outcome | None  # None: the rule does not exist (see `problem`)
    messages: list[str] = field(default_factory=list)  # the case rule's findings at the case's severity
    others: list[str] = field(default_factory=list)  # other errors and warnings: "name (severity)"
    problem: str | None = None

    def describe(self) -> str:
        if self.outcome is None:
            return f"({self.problem})"
        if not self.messages:
            return f"{self.outcome.value} (no finding)"
        codes = sorted({message.split(" ", 1)[0] for message in self.messages})
        return f"{self.outcome.value} ({', '.join(codes)} reported)"


def grove_verdict(case: Case, root: Path) -> Verdict:
    """`grove-schema check --format json` on the case's files; does the case's rule report?"""
    from grove_schema.cli import main
    from grove_schema.findings import Severity
    from grove_schema.registry import find_rule

    migrations = root / "migrations"
    migrations.mkdir(parents=True, exist_ok=True)
    (root / "ownership.toml").write_text(GROVE_CONFIG, encoding="utf-8")
    for name, text, _setup in case_files(case):
        (migrations / name).write_text(text, encoding="utf-8")
    info = find_rule(case.rule)
    out, err = io.StringIO(), io.StringIO()
    code = main(["--config", str(root / "ownership.toml"), "check", "--format", "json"], out=out, err=err)
    if code not in (0, 1):
        return Verdict(None, problem=f"grove-schema check exited {code}: {err.getvalue().strip()}")
    document = json.loads(out.getvalue())
    threshold = Severity.parse(case.severity)
    messages, others = [], []
    for finding in document["findings"]:
        severity = Severity.parse(finding["severity"])
        if finding["name"] == case.rule and severity >= threshold:
            where = f"{finding['path'].rsplit('/', 1)[-1]}:{finding['line']}"
            messages.append(f"{finding['code']} {where}: {finding['message']}")
        elif severity >= Severity.WARNING and finding["name"] != case.rule:
            others.append(f"{finding['name']} ({finding['severity']})")
    if info is None:
        return Verdict(
            None, others=others, problem=f"rule {case.rule} is not registered yet (no rule class with that name)"
        )
    return Verdict(case.flagged if messages else Outcome.SUCCEEDS, messages, sorted(set(others)))


# --- what the dev database does -------------------------------------------------------------


# Findings after which D1 rolls the file back, beside SQLite's errors.
_FILE_ENDING = ("transaction-rolled-back", "memory-limit", "time-budget")


def devdb_outcome(case: Case) -> Observation:
    """The case's files through grove-schema's D1-profile dev database (no lint rules), with the
    same probes; like D1, it stops at the first file that fails."""
    from grove_schema.discovery import MigrationFile
    from grove_schema.replay import LintSettings, Replayer, ReplayOptions

    replayer = Replayer("engine", ReplayOptions(lint=LintSettings()))
    database = replayer.dev_database
    assert database is not None

    def count(sql: str) -> int:
        rows = database.query(sql)
        return int(rows[0][0]) if rows else 0

    try:
        files = case_files(case)
        before = None
        for index, (name, text, setup) in enumerate(files):
            if case.rows is not None and not setup and before is None:
                before = count(case.rows)
            findings_before = len(replayer.result.findings)
            statements_before = len(replayer.result.statements)
            replayer.apply_file(MigrationFile(Path(f"/virtual/{name}"), name, index + 1), text)
            failures = [
                f.message
                for f in replayer.result.findings[findings_before:]
                if f.name in ("sqlite-error", "parse-error", *_FILE_ENDING)
            ]
            failures += [s.error for s in replayer.result.statements[statements_before:] if s.error and not failures]
            if failures:
                if setup:
                    return Observation(None, failures[0], name, problem=f"setup failed: {failures[0]}")
                return Observation(Outcome.FAILS, failures[0], name)
        outcome, details = Outcome.SUCCEEDS, []
        if case.rows is not None:
            after = count(case.rows)
            details.append(f"rows {before} -> {after}")
            if before is not None and after < before:
                outcome = Outcome.LOSES_ROWS
        if case.effect is not None and count(case.effect) == 0:
            details.append("the object was not created or changed")
            outcome = Outcome.NOOP if outcome is Outcome.SUCCEEDS else outcome
        return Observation(outcome, detail="; ".join(details))
    finally:
        replayer.close()


# --- the whole run ----------------------------------------------------------------------------


@dataclass
class CaseResult:
    case: Case
    engine: Observation
    verdict: Verdict
    devdb: Observation | None  # None: not a dev-database matter (wrangler's own text handling)

    @property
    def verdict_target(self) -> Outcome | None:
        """What grove-schema's verdict must be: remote D1's outcome where it is known to differ
        from local (and local still behaves as known), else what real local D1 did."""
        if self.case.remote is not None and self.engine.outcome is self.case.local:
            return self.case.remote
        return self.engine.outcome

    @property
    def matches(self) -> bool:
        return self.verdict.outcome is not None and self.verdict.outcome is self.verdict_target


@dataclass
class RunReport:
    engine: Engine
    results: list[CaseResult]
    seconds: float
    applies: int
    started: datetime.datetime
    load: float  # the machine's 1-minute load average when the run started


def run_all(
    engine: Engine, root: Path, cases: Iterable[Case] = CASES, jobs: int | None = None,
    log: Callable[[str], None] = lambda _line: None,
) -> RunReport:  # fmt: skip
    cases = list(cases)
    jobs = jobs or int(os.environ.get("GROVE_CONFORMANCE_JOBS", "3"))
    started = datetime.datetime.now(datetime.UTC)
    load = os.getloadavg()[0]
    clock = time.monotonic()
    batch = [case for case in cases if case.batchable]
    singles = [case for case in cases if not case.batchable]
    observations: dict[str, Observation] = {}
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        batch_future = pool.submit(run_batch, engine, batch, root / "engine-batch") if batch else None
        futures: dict[str, Future[Observation]] = {
            case.id: pool.submit(run_single, engine, case, root / "engine" / _slug(case)) for case in singles
        }
        # grove-schema and the dev database run here meanwhile (in-process, one at a time).
        verdicts = {case.id: grove_verdict(case, root / "grove" / _slug(case)) for case in cases}
        devdbs = {case.id: devdb_outcome(case) if case.devdb else None for case in cases}
        if batch_future is not None:
            try:
                observations.update(batch_future.result())
            except Exception as error:  # every batched case says why, instead of one opaque fixture error
                problem = f"the batched apply broke: {type(error).__name__}: {error}"
                observations.update({case.id: Observation(None, problem=problem) for case in batch})
        for case_id, future in futures.items():
            try:
                observations[case_id] = future.result()
            except Exception as error:  # a harness failure for one case must not hide the others
                observations[case_id] = Observation(None, problem=f"{type(error).__name__}: {error}")
    applies = (1 if batch else 0) + sum(1 + (case.rows is not None and bool(case.setup)) for case in singles)
    results = [CaseResult(case, observations[case.id], verdicts[case.id], devdbs[case.id]) for case in cases]
    seconds = time.monotonic() - clock
    log(f"{len(cases)} cases in real local D1: {seconds:.1f} s ({len(singles)} alone, {len(batch)} in one batch)")
    return RunReport(engine, results, seconds, applies, started, load)


# --- docs/d1-conformance.md -----------------------------------------------------------------


def _cell(text: str, limit: int = 220) -> str:
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("|", "\\|")


def _engine_cell(result: CaseResult) -> str:
    text = result.engine.describe()
    if result.case.remote is not None:
        text += f"; remote D1: {result.case.remote.value} (documented, not run)"
    return text


def _match_cell(result: CaseResult) -> str:
    if result.verdict.outcome is None:
        return "rule missing"
    if not result.matches:
        return "**NO**"
    if result.case.remote is not None:
        return "yes (follows remote D1)"
    return "yes"


def _devdb_cell(result: CaseResult) -> str:
    if result.devdb is None:
        return "n/a (wrangler's text handling)"
    target = result.verdict_target
    agrees = result.devdb.outcome is target
    mark = "" if agrees else " **(differs)**"
    return result.devdb.describe() + mark


def render_markdown(report: RunReport, sqlite_version: str, command: str) -> str:
    engine = report.engine
    results = report.results
    matched = sum(r.matches for r in results)
    missing = sum(r.verdict.outcome is None for r in results)
    unexpected = [r for r in results if r.engine.outcome is not r.case.local]
    facts = [r for r in results if r.case.facts]
    devdb_diffs = [r for r in results if r.devdb is not None and r.devdb.outcome is not r.verdict_target]
    lines = [
        "# grove-schema against real local D1",
        "",
        "<!-- Generated by tests/conformance (GROVE_CONFORMANCE_WRITE_DOCS=1): do not edit by hand. -->",
        "",
        "Each case below is a small migration stream applied with `wrangler d1 migrations apply DB --local` "
        "(real local D1: wrangler runs the migrations in workerd, Cloudflare's runtime, on its SQLite) and "
        "checked with `grove-schema check --format json`: the case's rule must report exactly when D1 fails "
        "(or succeeds but loses rows, or does nothing, or does not record the migration). The dev database "
        "column is grove-schema's D1-profile SQLite (src/grove_schema/devdb.py) on the same files.",
        "",
        f"- wrangler {engine.wrangler_version}, workerd {engine.workerd_version}, Node {engine.node_version}; "
        f"grove-schema's dev database: SQLite {sqlite_version}",
        f"- run {report.started:%Y-%m-%d %H:%M} UTC: {len(results)} cases, {report.seconds:.0f} s for "
        f"about {report.applies} applies (load average {report.load:.1f} at the start, "
        f"{os.cpu_count()} CPUs)",
        f"- verdicts matching D1: {matched} of {len(results)}"
        + (f"; rules not written yet: {missing}" if missing else ""),
        f"- real local D1 against D1-FACTS.md: {len(facts)} case(s) contradict it (listed below)"
        + (f"; {len(unexpected)} case(s) did not do what the case expects" if unexpected else ""),
        f"- dev database against D1: {len(devdb_diffs)} difference(s)",
        "",
        "## How to run",
        "",
        "```sh",
        ".venv/bin/python -m pytest -m conformance             # the suite alone",
        f"GROVE_CONFORMANCE_WRITE_DOCS=1 {command}   # and rewrite this page",
        f"GROVE_CONFORMANCE_CASES=drop-referenced {command}   # only the cases whose id has the text",
        '.venv/bin/python -m pytest -m "not conformance"       # everything else',
        "```",
        "",
        "The suite installs wrangler once with `npm install --prefix <cache>/wrangler-"
        f"{engine.wrangler_version} wrangler@{engine.wrangler_version} --no-audit --no-fund` (cache: "
        "`$GROVE_CONFORMANCE_CACHE`, else `$XDG_CACHE_HOME/grove-schema-conformance`, else "
        "`~/.cache/grove-schema-conformance`) and is skipped, saying why, when Node 20+ is missing or the npm "
        "registry cannot be reached; any other install failure fails it. Cases that succeed share one "
        "database and one apply; the others run one by one, `GROVE_CONFORMANCE_JOBS` (3) at a time.",
        "",
        "## Cases",
        "",
        "| case | SQL | real local D1 | grove-schema | match | dev database |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for result in results:
        case = result.case
        lines.append(
            f"| `{case.id}` | {_cell(case.summary, 160)} | {_cell(_engine_cell(result), 260)} | "
            f"{_cell(result.verdict.describe(), 120)} | {_match_cell(result)} | {_cell(_devdb_cell(result), 200)} |"
        )
    notes = [r for r in results if r.case.note]
    if notes:
        lines += ["", "## Notes", ""]
        lines += [f"- `{r.case.id}`: {r.case.note}." for r in notes]
    if facts:
        lines += ["", "## Where real local D1 contradicts D1-FACTS.md", ""]
        lines += [
            f"- `{r.case.id}`: D1-FACTS.md says {r.case.facts}; real local D1 {r.engine.describe()}" for r in facts
        ]
    if unexpected:
        lines += ["", "## Cases where real local D1 did not do what the case expects", ""]
        lines += [
            f"- `{r.case.id}`: expected {r.case.local.value}"
            + (f' ("{r.case.error}")' if r.case.error else "")
            + f"; real local D1 {r.engine.describe()}"
            for r in unexpected
        ]
    if devdb_diffs:
        lines += ["", "## Where the dev database differs from D1", ""]
        lines += [
            f"- `{r.case.id}`: D1: {(r.verdict_target or Outcome.FAILS).value}; dev database: "
            f"{r.devdb.describe() if r.devdb else ''}"
            for r in devdb_diffs
        ]
    others = [r for r in results if r.verdict.others]
    if others:
        lines += [
            "",
            "## Other findings on the cases",
            "",
            "Errors and warnings of other rules on the same files (`sqlite-error`: the dev database refused a "
            "statement and no rule explains it).",
            "",
        ]
        lines += [f"- `{r.case.id}`: " + ", ".join(r.verdict.others) for r in others]
    return "\n".join(lines) + "\n"
