"""`grove-schema inspect NAME`: tables, virtual tables, views and triggers, and what the map says of each."""

from __future__ import annotations

from .conftest import REPO


def test_a_view_shows_what_it_reads_and_their_owners(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("inspect", "published_posts", cwd=REPO)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "view published_posts in engine"
    assert lines[1] == "  created at examples/grove/libs/engine/migrations/020_published_posts_view.sql:3"
    assert "  reads: posts (table, owner engine), tenants (table, owner engine)" in lines
    assert any(line.startswith("  AS SELECT p.id, p.tenant_id") for line in lines)


def test_a_trigger_shows_its_event_table_and_body(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("inspect", "posts_fts_after_insert", cwd=REPO)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "trigger posts_fts_after_insert in engine: AFTER INSERT ON posts"
    assert lines[1] == "  created at examples/grove/libs/engine/migrations/010_posts_fts.sql:13"
    assert "  goes with its table: owner engine (grove-engine-db)" in lines
    assert any(line.startswith("  INSERT INTO posts_fts") for line in lines)


def test_a_virtual_table_shows_its_module_and_owner(run_cli) -> None:  # type: ignore[no-untyped-def]
    lines = run_cli("inspect", "posts_fts", cwd=REPO).out.splitlines()
    assert lines[0].startswith("virtual table posts_fts in engine USING fts5(title, description")
    assert "  owner: engine (grove-engine-db), by the default database (no `tables` pattern claims it)" in lines


def test_a_table_shows_its_owner_and_its_pending_move(run_cli) -> None:  # type: ignore[no-untyped-def]
    lines = run_cli("inspect", "polls", cwd=REPO).out.splitlines()
    assert "  owner: curios (grove-curios-db), by `tables` pattern 'polls'" in lines
    assert (
        "  pending move: engine -> curios (curios's stream does not hold it yet; grove-schema plan lists the steps)"
        in lines
    )
    obs = run_cli("inspect", "observability_metrics", cwd=REPO).out.splitlines()
    assert "  owner: obs (grove-observability-db), by `tables` pattern 'observability_*'" in obs


def test_a_table_shows_its_retirement_and_its_retired_columns(run_cli) -> None:  # type: ignore[no-untyped-def]
    products = run_cli("inspect", "products", cwd=REPO).out.splitlines()
    assert (
        "  retired: shop deferred indefinitely (grove-schema drop engine --only retired writes the migration "
        "that drops it)" in products
    )
    assert not any(line.startswith("  pending move") for line in products)
    onboarding = run_cli("inspect", "user_onboarding", cwd=REPO).out.splitlines()
    (columns,) = [line for line in onboarding if line.startswith("  retired columns: ")]
    assert "lemonsqueezy_customer_id (payments moved to Stripe)" in columns


def test_a_copied_table_says_the_copy_waits_for_its_drop(run_cli, make_project) -> None:  # type: ignore[no-untyped-def]
    root = make_project(
        {"001_a.sql": "CREATE TABLE polls (id TEXT PRIMARY KEY);\n"},
        config=(
            '[project]\nroot = "."\ndefault_database = "engine"\n\n'
            '[databases.engine]\nname = "grove-engine-db"\nmigrations = "libs/engine/migrations"\n\n'
            '[databases.curios]\nname = "grove-curios-db"\nmigrations = "libs/curios/migrations"\ntables = ["polls"]\n'
        ),
    )
    (root / "libs/curios/migrations").mkdir(parents=True)
    (root / "libs/curios/migrations/0001_initial.sql").write_text("CREATE TABLE polls (id TEXT PRIMARY KEY);\n")
    result = run_cli("inspect", "polls", cwd=root)
    assert result.out.startswith("table polls in engine\n")
    assert "  pending move: engine -> curios (copied to curios's stream, not yet dropped here;" in result.out
    assert "table polls in curios\n" in result.out


def test_an_unknown_name_is_a_usage_error_naming_every_kind(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("inspect", "no_such_thing", cwd=REPO)
    assert result.code == 2
    assert "no table, virtual table, view or trigger named 'no_such_thing'" in result.err
