"""Fixtures of the conformance suite: the installed engine (or a skip saying why) and one run of
every case, shared by all the tests. With GROVE_CONFORMANCE_WRITE_DOCS=1 the run also rewrites
docs/d1-conformance.md. GROVE_CONFORMANCE_CASES=text runs only the cases whose id contains it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.conformance.cases import CASES
from tests.conformance.runner import RunReport, render_markdown, run_all
from tests.conformance.wrangler_driver import Engine, EngineInstallError, EngineUnavailable, install_engine

REPO = Path(__file__).resolve().parents[2]
DOCS_PAGE = REPO / "docs" / "d1-conformance.md"
REQUIRED = "GROVE_CONFORMANCE_REQUIRED"  # .ci/run sets it: a missing Node or npm registry fails the suite


@pytest.fixture(scope="session")
def d1_engine() -> Engine:
    try:
        return install_engine()
    except EngineUnavailable as reason:
        if os.environ.get(REQUIRED) == "1":
            pytest.fail(f"real local D1 unavailable and {REQUIRED}=1: {reason}", pytrace=False)
        pytest.skip(f"real local D1 unavailable: {reason}")
    except EngineInstallError as error:
        pytest.fail(f"installing the real local D1 failed: {error}", pytrace=False)


@pytest.fixture(scope="session")
def conformance_report(d1_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> RunReport:
    root = tmp_path_factory.mktemp("d1-conformance")

    def log(line: str) -> None:
        sys.stderr.write(f"\n[conformance] {line}\n")

    only = os.environ.get("GROVE_CONFORMANCE_CASES", "")
    report = run_all(d1_engine, root, [case for case in CASES if only in case.id], log=log)
    if os.environ.get("GROVE_CONFORMANCE_WRITE_DOCS") == "1" and not only:
        from grove_schema.devdb import sqlite_version

        DOCS_PAGE.write_text(
            render_markdown(report, sqlite_version(), ".venv/bin/python -m pytest -m conformance"), encoding="utf-8"
        )
    return report
