"""`grove-schema plan`: the design document's numbers, computed from the replay and the map."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import REPO


def numbers(document: dict) -> dict[str, tuple[int, int, int | None]]:  # type: ignore[type-arg]
    return {row["metric"]: (row["before"], row["after"], row["estimate"]) for row in document["numbers"]}


def test_plan_on_the_bundled_example(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("plan", "--format", "json", cwd=REPO)
    assert result.code == 0, result.err
    document = json.loads(result.out)
    table = numbers(document)
    assert table["grove-engine-db tables"] == (66, 29, 62)
    assert table["grove-curios-db tables"] == (0, 18, 39)
    assert table["grove-observability-db tables"] == (0, 10, 10)
    assert table["grove-pantry-db tables"] == (0, 0, None)
    assert table["retired tables"][:2] == (9, 0)
    assert table["retired columns"][:2] == (3, 0)
    assert table["indexes on retired columns"][:2] == (3, 0)
    assert table["curios tables in grove-engine-db"][:2] == (18, 0)
    assert table["obs tables in grove-engine-db"][:2] == (10, 0)
    assert table["references the split cuts"][:2] == (18, 0)
    assert table["ON DELETE actions the split loses"][:2] == (18, 0)
    assert sorted(i["name"] for i in document["retired"]["indexes"]) == [
        "idx_onboarding_ls_checkout",
        "idx_onboarding_ls_customer",
        "idx_onboarding_ls_subscription",
    ]
    assert document["reservations"][1] == {
        "database": "curios",
        "path": None,
        "reserved": None,
        "highest": None,
        "state": "not configured",
    }
    engine = next(r for r in document["reservations"] if r["database"] == "engine")
    assert (engine["reserved"], engine["highest"], engine["state"]) == ("085", 84, "ok")
    assert document["blockers"] == []


def test_plan_text_shows_estimates_beside_exact_counts(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("plan", cwd=REPO)
    lines = result.out.splitlines()
    assert lines[0] == "The numbers"
    engine_row = next(line for line in lines if line.startswith("grove-engine-db tables"))
    assert engine_row.split() == ["grove-engine-db", "tables", "66", "29", "-37", "(-56%)", "~62", "(differs)"]
    assert "engine -> curios (18):" in result.out
    assert "foreign key gallery_images(tenant_id) -> tenants, loses ON DELETE CASCADE" in result.out


@pytest.mark.corpus
def test_plan_on_the_corpus_gives_the_exact_numbers(run_cli, corpus_root: Path) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("--root", str(corpus_root), "plan", "--format", "json", cwd=REPO)
    assert result.code == 0, result.err
    document = json.loads(result.out)
    table = numbers(document)
    assert table["grove-engine-db tables"] == (125, 61, 62)
    assert table["grove-curios-db tables"] == (0, 45, 39)
    assert table["grove-observability-db tables"] == (0, 10, 10)
    assert table["retired tables"][:2] == (9, 0)
    assert table["retired columns"][:2] == (3, 0)
    assert table["indexes on retired columns"][:2] == (3, 0)
    assert table["curios tables in grove-engine-db"][:2] == (45, 0)
    assert table["obs tables in grove-engine-db"][:2] == (10, 0)
    assert table["databases holding tables"][:2] == (1, 3)
    assert table["references the split cuts"][:2] == (42, 0)
    assert table["ON DELETE actions the split loses"][:2] == (42, 0)
    (curios_move,) = [m for m in document["moves"] if m["to"] == "curios"]
    assert len(curios_move["tables"]) == 45
    assert {r["target"] for r in document["cut_references"]} == {"tenants"}
    engine = next(r for r in document["reservations"] if r["database"] == "engine")
    assert (engine["state"], engine["highest"]) == ("missing", 84)
