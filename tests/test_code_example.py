"""The code audit end to end on the bundled example's application: clean as committed, and each
failure a split causes found where a copy of the tree has it planted."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import REPO, CliResult

RunCli = Callable[..., CliResult]
EXAMPLE = REPO / "examples" / "grove"
GUESTBOOK_ROUTE = "libs/engine/src/routes/api/curios/guestbook/+server.ts"
RIGHT_COLUMN, WRONG_COLUMN = "(id, tenant_id, name, message,", "(id, tenant_id, author_name, message,"
PULSE = "workers/pulse/src/index.ts"
PULSE_CONFIG = "workers/pulse/wrangler.toml"


@pytest.fixture
def example_copy(tmp_path: Path) -> Path:
    """The repository's map and a copy of the example tree, to plant failures in."""
    root = tmp_path / "repo"
    shutil.copytree(EXAMPLE, root / "examples" / "grove")
    shutil.copy2(REPO / "ownership.toml", root / "ownership.toml")
    return root


def plant(root: Path, relative: str, old: str, new: str) -> int:
    """Replace `old` (which must occur once) and return the line it is on."""
    path = root / "examples" / "grove" / relative
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} in {relative}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def findings(result: CliResult) -> list[dict[str, object]]:
    document = json.loads(result.out)
    return [f for f in document["findings"] if str(f["code"]).startswith("GS6")]


def test_the_example_app_has_no_error_or_warning_and_shows_the_plan_as_info(run_cli: RunCli) -> None:
    result = run_cli("check", "--format", "json", cwd=REPO)
    assert result.code == 0, result.out
    code = findings(result)
    assert {f["severity"] for f in code} == {"info"}
    names = {str(f["name"]) for f in code}
    assert names == {"wrong-binding", "cross-database-query", "unresolved-call-site"}
    unresolved = [f for f in code if f["name"] == "unresolved-call-site"]
    posts_route = "examples/grove/libs/engine/src/routes/api/posts/+server.ts"
    assert [(f["path"], f["line"]) for f in unresolved] == [(posts_route, 33)]


def test_an_unknown_column_is_found_where_it_was_planted(run_cli: RunCli, example_copy: Path) -> None:
    line = plant(example_copy, GUESTBOOK_ROUTE, RIGHT_COLUMN, WRONG_COLUMN)
    result = run_cli("check", "--format", "json", cwd=example_copy)
    assert result.code == 1
    errors = [f for f in findings(result) if f["severity"] == "error"]
    assert [(f["name"], f["line"]) for f in errors] == [("unknown-column", line)]
    assert "guestbook_entries.author_name" in str(errors[0]["message"])


def test_an_unknown_table_is_found(run_cli: RunCli, example_copy: Path) -> None:
    line = plant(example_copy, PULSE, "DELETE FROM pulse_events WHERE", "DELETE FROM pulse_event WHERE")
    result = run_cli("check", "--format", "json", cwd=example_copy)
    warnings = [f for f in findings(result) if f["severity"] == "warning"]
    assert [(f["name"], f["path"], f["line"]) for f in warnings] == [("unknown-table", f"examples/grove/{PULSE}", line)]


def test_a_binding_the_workers_config_does_not_declare(run_cli: RunCli, example_copy: Path) -> None:
    prune = "await env.DB.prepare('DELETE FROM pulse_events"
    line = plant(example_copy, PULSE, prune, prune.replace("env.DB", "env.CURIO_DB"))
    result = run_cli("check", "--format", "json", cwd=example_copy)
    assert result.code == 1
    errors = [f for f in findings(result) if f["severity"] == "error"]
    assert [(f["name"], f["path"], f["line"]) for f in errors] == [
        ("undeclared-binding", f"examples/grove/{PULSE}", line)
    ]
    # Declared, it is no longer an error: the binding reaches grove-curios-db (no stream there yet).
    config = example_copy / "examples" / "grove" / PULSE_CONFIG
    config.write_text(
        config.read_text(encoding="utf-8")
        + '\n[[d1_databases]]\nbinding = "CURIO_DB"\ndatabase_name = "grove-curios-db"\ndatabase_id = "x"\n',
        encoding="utf-8",
    )
    after = run_cli("check", "--format", "json", cwd=example_copy)
    assert [f for f in findings(after) if f["severity"] != "info"] == []


def test_after_the_split_a_worker_still_writing_the_moved_table_through_db_is_an_error(
    run_cli: RunCli, example_copy: Path
) -> None:
    grove = example_copy / "examples" / "grove"
    curios = grove / "libs" / "engine" / "migrations" / "curios"
    curios.mkdir()
    (curios / "0001_pulse.sql").write_text(
        "CREATE TABLE pulse_events (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, occurred_at INTEGER NOT NULL);\n",
        encoding="utf-8",
    )
    reserved = grove / "libs" / "engine" / "migrations" / "NEXT_MIGRATION_NUMBER.txt"
    number = reserved.read_text(encoding="utf-8").split()[0]
    (grove / "libs" / "engine" / "migrations" / f"{number}_move_pulse_events.sql").write_text(
        "DROP TABLE pulse_events;\n", encoding="utf-8"
    )
    reserved.write_text(f"{int(number) + 1:03d}\n", encoding="utf-8")
    result = run_cli("check", "--format", "json", cwd=example_copy)
    errors = [f for f in findings(result) if f["severity"] == "error" and f["path"] == f"examples/grove/{PULSE}"]
    assert errors and {f["name"] for f in errors} == {"wrong-binding"}
    assert all("pulse_events is not in grove-engine-db" in str(f["message"]) for f in errors)


def test_check_paths_with_a_source_file_reports_that_file(run_cli: RunCli) -> None:
    path = EXAMPLE / "libs/engine/src/routes/arbor/analytics/+page.server.ts"
    result = run_cli("check", "--no-cache", "--format", "json", str(path), cwd=REPO)
    assert result.code == 0
    paths = {f["path"] for f in json.loads(result.out)["findings"] if f["path"] is not None}
    assert paths == {"examples/grove/libs/engine/src/routes/arbor/analytics/+page.server.ts"}


def test_a_typescript_suppression_comment_silences_the_finding(run_cli: RunCli, example_copy: Path) -> None:
    plant(example_copy, GUESTBOOK_ROUTE, RIGHT_COLUMN, WRONG_COLUMN)
    plant(
        example_copy,
        GUESTBOOK_ROUTE,
        "\t\t.prepare(\n\t\t\t`INSERT INTO guestbook_entries",
        "\t\t.prepare(\n\t\t\t// grove-schema: ignore unknown-column -- the column is added by the next release\n"
        "\t\t\t`INSERT INTO guestbook_entries",
    )
    result = run_cli("check", "--format", "json", cwd=example_copy)
    assert [f["name"] for f in findings(result) if f["severity"] != "info"] == []


def test_the_cache_sees_an_edited_source_file(
    run_cli: RunCli, example_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GROVE_SCHEMA_CACHE_DIR", str(tmp_path / "cache"))
    route = example_copy / "examples" / "grove" / GUESTBOOK_ROUTE
    first = run_cli("check", "--cache", "--format", "json", str(route), cwd=example_copy)
    again = run_cli("check", "--cache", "--format", "json", str(route), cwd=example_copy)
    assert (first.code, first.out) == (again.code, again.out) and first.code == 0
    assert (tmp_path / "cache" / "scan").is_dir()
    plant(example_copy, GUESTBOOK_ROUTE, RIGHT_COLUMN, WRONG_COLUMN)
    edited = run_cli("check", "--cache", "--format", "json", str(route), cwd=example_copy)
    assert edited.code == 1
    assert "unknown-column" in {f["name"] for f in findings(edited)}


def test_callers_lists_call_sites_and_tables_with_none(run_cli: RunCli) -> None:
    result = run_cli("callers", "guestbook_entries", "products", "--format", "json", cwd=REPO)
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert document["version"] == 1
    sites = document["call_sites"]
    assert sites and {tuple(s["tables"]) for s in sites} >= {("guestbook_entries",)}
    assert {s["binding"] for s in sites} == {"DB"} and {s["database"] for s in sites} == {"engine"}
    assert {s["access"] for s in sites} == {"read", "write"}
    assert all({"path", "line", "column", "binding", "database", "tables", "access", "sql"} <= set(s) for s in sites)
    assert document["no_callers"] == ["products"]  # the retired shop table: no code calls it
    text = run_cli("callers", "guestbook_entries", "products", cwd=REPO)
    assert "No call site (1): products" in text.out


def test_callers_of_a_database_and_without_code_configured(run_cli: RunCli, make_project: Callable[..., Path]) -> None:
    result = run_cli("callers", "--database", "curios", "--format", "json", cwd=REPO)
    document = json.loads(result.out)
    tables = {t for s in document["call_sites"] for t in s["tables"]}
    assert "guestbook_entries" in tables and "posts" in tables  # the analytics join touches both
    root = make_project({"001_a.sql": "CREATE TABLE t (a);\n"})
    refused = run_cli("callers", cwd=root)
    assert refused.code == 2 and "[code]" in refused.err


def test_plan_shows_the_call_sites_to_switch(run_cli: RunCli) -> None:
    result = run_cli("plan", "--format", "json", cwd=REPO)
    document = json.loads(result.out)
    numbers = {row["metric"]: row["before"] for row in document["numbers"]}
    moves = {(m["from"], m["to"]): m for m in document["code"]["moves"]}
    curios = moves[("engine", "curios")]
    assert numbers["call sites to switch"] == len(curios["switches"]) + len(moves[("engine", "obs")]["switches"])
    assert numbers["files to change"] >= len({s["path"] for s in curios["switches"]})
    assert {s["from_binding"] for s in curios["switches"]} == {"DB"}
    assert {s["suggested_binding"] for s in curios["switches"]} == {"CURIO_DB"}
    assert "libs/engine/wrangler.toml" in curios["configs_to_update"]
    assert "workers/pulse/wrangler.toml" in curios["configs_to_update"]
    assert document["code"]["statements_to_rewrite"] == ["libs/engine/src/routes/arbor/analytics/+page.server.ts:9"]
    text = run_cli("plan", cwd=REPO).out
    assert "Code to switch for engine -> curios" in text and "call sites to switch" in text


def test_an_edit_that_keeps_size_and_mtime_is_seen_when_the_file_was_fresh(
    run_cli: RunCli, example_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Source files are hashed once per stat; one hashed within two seconds of its last change is
    hashed again next time, as an edit in the same timestamp tick keeps size and mtime (git's racy
    case)."""
    import os

    monkeypatch.setenv("GROVE_SCHEMA_CACHE_DIR", str(tmp_path / "cache"))
    route = example_copy / "examples" / "grove" / GUESTBOOK_ROUTE
    assert run_cli("check", "--cache", str(route), cwd=example_copy).code == 0
    assert (tmp_path / "cache" / "source-hashes.json").is_file()
    typo = RIGHT_COLUMN.replace("name", "nama")  # the same length
    plant(example_copy, GUESTBOOK_ROUTE, RIGHT_COLUMN, typo)
    stat = route.stat()
    assert run_cli("check", "--cache", str(route), cwd=example_copy).code == 1  # unknown column nama
    plant(example_copy, GUESTBOOK_ROUTE, typo, RIGHT_COLUMN)  # fixed in the same tick: same size and mtime
    os.utime(route, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert route.stat().st_size == stat.st_size
    assert run_cli("check", "--cache", str(route), cwd=example_copy).code == 0
