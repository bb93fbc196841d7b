"""grove-schema's apply-time rules against real local D1 (wrangler 4.86 + workerd).

For each case: real local D1 does what D1-FACTS.md says (the case's expectation), the case's rule
reports exactly when D1 fails (or loses rows, or does nothing, or does not record the file), and
the dev database agrees with D1. Run alone with `pytest -m conformance`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conformance import wrangler_driver
from tests.conformance.cases import CASES, Case, Outcome
from tests.conformance.runner import CaseResult, RunReport, case_files
from tests.conformance.wrangler_driver import (
    EngineInstallError,
    EngineUnavailable,
    install_engine,
    node_problem,
    registry_unreachable,
)

pytestmark = pytest.mark.conformance


def _result(report: RunReport, case: Case) -> CaseResult:
    for result in report.results:
        if result.case is case:
            return result
    pytest.skip("not selected by GROVE_CONFORMANCE_CASES")


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_real_d1_does_what_the_facts_say(conformance_report: RunReport, case: Case) -> None:
    engine = _result(conformance_report, case).engine
    assert engine.outcome is not None, f"{case.id}: the harness could not tell: {engine.problem}"
    assert engine.outcome is case.local, (
        f"{case.id}: real local D1 {engine.describe()}, but the case (from D1-FACTS.md) expects {case.local.value}"
    )
    if case.error:
        assert case.error.lower() in engine.error.lower(), (
            f"{case.id}: real local D1 failed with {engine.error!r}, not with {case.error!r} "
            "(it failed for another reason)"
        )


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_rule_verdict_matches_real_d1(conformance_report: RunReport, case: Case) -> None:
    result = _result(conformance_report, case)
    verdict = result.verdict
    assert verdict.outcome is not None, f"{case.id}: {verdict.problem}"
    target = result.verdict_target
    assert target is not None, f"{case.id}: real local D1 gave no outcome: {result.engine.problem}"
    said = "\n  ".join(verdict.messages) or "(no finding)"
    assert verdict.outcome is target, (
        f"{case.id}: real local D1 {result.engine.describe()}"
        + (f" (remote D1: {case.remote.value})" if case.remote else "")
        + f"; {case.rule} says {verdict.outcome.value}:\n  {said}"
    )
    for word in case.mentions if verdict.messages else ():
        assert any(word.lower() in message.lower() for message in verdict.messages), (
            f"{case.id}: {case.rule}'s message should name {word!r}:\n  {said}"
        )


DEVDB_CASES = [case for case in CASES if case.devdb]


@pytest.mark.parametrize("case", DEVDB_CASES, ids=[case.id for case in DEVDB_CASES])
def test_dev_database_matches_real_d1(conformance_report: RunReport, case: Case) -> None:
    result = _result(conformance_report, case)
    assert result.devdb is not None and result.devdb.outcome is not None, (
        f"{case.id}: dev database: {result.devdb.problem if result.devdb else '?'}"
    )
    assert result.devdb.outcome is result.verdict_target, (
        f"{case.id}: D1 {result.engine.describe()}; the dev database {result.devdb.describe()}"
    )


def test_cases_that_succeed_share_one_apply(conformance_report: RunReport) -> None:
    """Each apply costs seconds: the cases that succeed plainly run as the files of one stream."""
    batched = [case for case in CASES if case.batchable]
    assert len(batched) >= 15
    ran = [result.case for result in conformance_report.results]
    assert conformance_report.applies < len(ran) - sum(case.batchable for case in ran) + 8


# --- the harness itself (no engine needed) ----------------------------------------------------


@pytest.mark.parametrize(
    ("output", "unreachable"),
    [
        ("npm error code ENOTFOUND\nnpm error network request to https://registry.npmjs.org/wrangler failed", True),
        ("npm error code EAI_AGAIN\nnpm error request to https://registry.npmjs.org/wrangler failed", True),
        ("npm error code ECONNREFUSED", True),
        ("npm error code ETIMEDOUT", True),
        ("npm error code ETARGET\nnpm error notarget No matching version found for wrangler@4.86.0.", False),
        ("npm error code EACCES\nnpm error syscall mkdir", False),
        ("npm error code ENOSPC", False),
    ],
)
def test_install_failures_are_told_apart(output: str, unreachable: bool) -> None:
    assert registry_unreachable(output) is unreachable


def test_missing_node_skips_with_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    reason = node_problem()
    assert reason is not None and "node is not installed" in reason
    with pytest.raises(EngineUnavailable, match="Node 20"):
        install_engine()


def test_unreachable_registry_skips(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    if node_problem() is not None:
        pytest.skip(str(node_problem()))
    monkeypatch.setenv("GROVE_CONFORMANCE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("npm_config_registry", "http://127.0.0.1:9/")  # nothing listens on the discard port
    monkeypatch.setenv("npm_config_fetch_retries", "0")
    with pytest.raises(EngineUnavailable, match="cannot be reached"):
        install_engine()
    assert list((tmp_path / "cache").iterdir()) == [], "a failed install leaves nothing in the cache"


def test_other_install_failures_fail(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    if node_problem() is not None:
        pytest.skip(str(node_problem()))
    monkeypatch.setenv("GROVE_CONFORMANCE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(wrangler_driver, "WRANGLER_VERSION", "0.0.0-no-such-version")
    try:
        install_engine()
    except EngineUnavailable as reason:
        pytest.skip(f"the npm registry is unreachable here: {reason}")
    except EngineInstallError as error:
        assert "ETARGET" in str(error) or "No matching version" in str(error)
    else:
        pytest.fail("installing a wrangler version that does not exist succeeded")


def test_case_files_are_ordered_and_named_for_wrangler() -> None:
    for case in CASES:
        names = [name for name, _, _ in case_files(case)]
        assert names == sorted(names)
        assert all("'" not in name and name.endswith(".sql") for name in names)
        assert case.local is not Outcome.FAILS or case.error, f"{case.id}: a failing case names D1's error"
