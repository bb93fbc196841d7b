"""Stream layouts beyond wrangler's flat folder: `migrations_pattern` (wrangler 4.98's nested
layouts), `order = "semver"` version folders, drizzle-kit's `meta/_journal.json` and Flyway's
placeholders; and the fixtures under tests/fixtures/layouts, shaped like each kind of project,
on which `check` must raise no false alarm."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from grove_schema.cache import SourceHashes, report_inputs
from grove_schema.config import load_config
from grove_schema.discovery import survey_stream
from grove_schema.layouts import (
    FilePatternError,
    GlobLayout,
    SemverLayout,
    dir_relative_pattern,
    expand_braces,
    glob_matches,
    layout_for,
    parse_version,
)
from grove_schema.sources import substitute_placeholders

from .conftest import CliResult

FIXTURES = Path(__file__).parent / "fixtures" / "layouts"
KINDS = sorted(path.name for path in FIXTURES.iterdir() if path.is_dir())
Run = Callable[..., CliResult]


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root


def project(tmp_path: Path, database: str, files: dict[str, str], migrations: str = "migrations") -> Path:
    config = (
        '[project]\nroot = "."\ndefault_database = "app"\n\n'
        f'[databases.app]\nname = "app-db"\nmigrations = "{migrations}"\n{database}'
    )
    return write(tmp_path / "project", {"ownership.toml": config, **files})


def findings(result: CliResult) -> list[tuple[str, str, str]]:
    """(path relative to the project, code name, severity) of each finding in a JSON report."""
    data = json.loads(result.out)
    found = []
    for item in data["findings"]:
        found.append((str(item.get("path", "")), item["name"], item["severity"]))
    return found


def check_json(run_cli: Run, root: Path, *args: str) -> CliResult:
    return run_cli("check", "--no-cache", "--format", "json", *args, cwd=root)


# --- the fixtures: no false alarms -----------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_check_raises_no_false_alarm_on_the_fixture_of_each_layout(kind: str, tmp_path: Path, run_cli: Run) -> None:
    root = tmp_path / kind
    shutil.copytree(FIXTURES / kind, root)
    result = run_cli("check", "--no-cache", cwd=root)
    assert result.code == 0, result.out + result.err
    assert "0 errors, 0 warnings, 0 info" in result.out


def test_every_kind_of_layout_has_a_fixture() -> None:
    assert KINDS == [
        "diesel-style",
        "drizzle-kit",
        "drizzle-nested",
        "flyway",
        "golang-migrate",
        "semver-folders",
        "wrangler-d1",
    ]


def test_the_nested_fixtures_replay_every_file_in_order(tmp_path: Path) -> None:
    expected = {
        "drizzle-nested": ["20260105093000_init/migration.sql", "20260212170500_members/migration.sql"],
        "diesel-style": [
            "2025-11-03-081500_create_notes/up.sql",
            "2025-11-03-120000_note_tags/up.sql",
            "2026-01-20-140000_note_pinned/up.sql",
        ],
        "semver-folders": [
            "0.2/01__settings.sql",
            "0.2/02__audit.sql",
            "0.19/01__settings_scope.sql",
            "1.0/01__audit_actor.sql",
        ],
        "drizzle-kit": ["0000_pale_harbor.sql", "0001_quiet_meadow.sql", "0002_brisk_lantern.sql"],
    }
    for kind, names in expected.items():
        config = load_config(FIXTURES / kind / "ownership.toml")
        (database,) = config.databases.values()
        survey = survey_stream(database.migrations_dir, database.layout, config.root)
        assert [m.name for m in survey.files] == names, kind
        assert survey.findings == [], kind


# --- migrations_pattern: wrangler 4.98's semantics ------------------------------------------------


def test_the_pattern_is_relative_to_the_root_and_must_start_with_the_migrations_folder() -> None:
    assert dir_relative_pattern("migrations/*/migration.sql", "migrations") == "*/migration.sql"
    assert dir_relative_pattern("./db/migrations//*/up.sql", "db/migrations/") == "*/up.sql"
    assert dir_relative_pattern("*/up.sql", ".") == "*/up.sql"
    with pytest.raises(FilePatternError, match="must start with 'migrations/'"):
        dir_relative_pattern("drizzle/*/migration.sql", "migrations")
    with pytest.raises(FilePatternError, match="inside"):
        dir_relative_pattern("../elsewhere/*.sql", ".")
    with pytest.raises(FilePatternError, match="extended glob"):
        dir_relative_pattern("migrations/+(a|b).sql", "migrations")
    with pytest.raises(FilePatternError, match="alternatives"):
        dir_relative_pattern("migrations/" + "{a,b}" * 9 + ".sql", "migrations")


def test_glob_matching_follows_minimatch_without_dot_files() -> None:
    pattern = ("*", "migration.sql")
    assert glob_matches(pattern, ["0001_a", "migration.sql"])
    assert not glob_matches(pattern, [".0001_a", "migration.sql"])  # dot: false
    assert not glob_matches(pattern, ["0001_a", "snapshot.json"])
    assert glob_matches(pattern, ["0001_a"], partial=True)
    assert not glob_matches(pattern, ["0001_a", "deeper"], partial=True)
    deep = ("**", "*.sql")
    assert glob_matches(deep, ["a.sql"]) and glob_matches(deep, ["x", "y", "a.sql"])
    assert not glob_matches(deep, ["x", ".hidden", "a.sql"])
    assert glob_matches(("[!_]*.sql",), ["a.sql"]) and not glob_matches(("[^_]*.sql",), ["_a.sql"])
    assert expand_braces("*/{up,change}.sql") == ["*/up.sql", "*/change.sql"]
    assert expand_braces("{x}.sql") == ["{x}.sql"]


def test_nested_files_are_named_relative_to_the_folder_in_wranglers_path_order(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "10_c/migration.sql": "",
            "9_b/migration.sql": "",
            "1_a/migration.sql": "",
            "init/migration.sql": "",
            "1_a/snapshot.json": "",
            ".0_hidden/migration.sql": "",
            "2_two/deeper/migration.sql": "",
        },
    )
    survey = survey_stream(tmp_path, GlobLayout("migrations/*/migration.sql", "migrations"))
    assert [m.name for m in survey.files] == [
        "1_a/migration.sql",
        "9_b/migration.sql",
        "10_c/migration.sql",
        "init/migration.sql",
    ]
    assert [m.number for m in survey.files] == [1, 9, 10, None]


def test_a_symbolic_link_is_never_applied_under_a_pattern(tmp_path: Path) -> None:
    write(tmp_path, {"0001_a/migration.sql": "SELECT 1;", "elsewhere.txt": "SELECT 2;"})
    (tmp_path / "0002_b").mkdir()
    os.symlink(tmp_path / "elsewhere.txt", tmp_path / "0002_b" / "migration.sql")
    os.symlink(tmp_path / "0001_a", tmp_path / "0003_linked_folder")
    survey = survey_stream(tmp_path, GlobLayout("migrations/*/migration.sql", "migrations"))
    assert [m.name for m in survey.files] == ["0001_a/migration.sql"]
    (finding,) = survey.findings
    assert finding.name == "symlinked-migration" and "never applies it" in finding.message


def test_diesel_timestamps_number_the_stream_without_duplicate_alarms(tmp_path: Path, run_cli: Run) -> None:
    sql = "CREATE TABLE t{n} (id INTEGER PRIMARY KEY);\n"
    root = project(
        tmp_path,
        'migrations_pattern = "migrations/*/up.sql"\n',
        {
            "migrations/2025-01-02-000000_b/up.sql": sql.format(n=2),
            "migrations/2025-01-02-000000_b/down.sql": "DROP TABLE t2;\n",
            "migrations/2025-01-01-000000_a/up.sql": sql.format(n=1),
            "migrations/2025-01-01-000000_a/down.sql": "DROP TABLE t1;\n",
        },
    )
    config = load_config(root / "ownership.toml")
    survey = survey_stream(config.databases["app"].migrations_dir, config.databases["app"].layout, root)
    assert [(m.name, m.number) for m in survey.files] == [
        ("2025-01-01-000000_a/up.sql", 20250101000000),
        ("2025-01-02-000000_b/up.sql", 20250102000000),
    ]
    result = check_json(run_cli, root)
    assert result.code == 0 and findings(result) == []
    refused = run_cli("new", "c", cwd=root)
    assert refused.code == 2 and "diesel migration generate" in refused.err


def test_sql_the_pattern_does_not_take_is_a_filename_warning(tmp_path: Path, run_cli: Run) -> None:
    root = project(
        tmp_path,
        'migrations_pattern = "migrations/*/migration.sql"\n',
        {
            "migrations/0001_a/migration.sql": "CREATE TABLE a (id INTEGER PRIMARY KEY);\n",
            "migrations/0001_a/extra.sql": "-- a part drizzle keeps beside it\n",
            "migrations/0002_flat.sql": "CREATE TABLE b (id INTEGER PRIMARY KEY);\n",
            "migrations/0003_c/MIGRATION.SQL": "CREATE TABLE c (id INTEGER PRIMARY KEY);\n",
        },
    )
    result = check_json(run_cli, root)
    data = json.loads(result.out)
    messages = {Path(f["path"]).name: f["message"] for f in data["findings"] if f["name"] == "filename"}
    assert sorted(messages) == ["0002_flat.sql", "MIGRATION.SQL"]
    assert "migrations_pattern 'migrations/*/migration.sql' does not take it" in messages["0002_flat.sql"]
    assert "lower-case" in messages["MIGRATION.SQL"] and "rename it to migration.sql" in messages["MIGRATION.SQL"]


def test_the_subfolder_message_names_migrations_pattern(tmp_path: Path, run_cli: Run) -> None:
    root = project(
        tmp_path, "", {"migrations/0001_a.sql": "SELECT 1;\n", "migrations/0002_b/migration.sql": "SELECT 2;\n"}
    )
    data = json.loads(check_json(run_cli, root).out)
    (message,) = [f["message"] for f in data["findings"] if f["name"] == "filename"]
    assert "migrations_pattern" in message and "wrangler 4.98" in message


def test_new_names_the_next_nested_folder(tmp_path: Path, run_cli: Run) -> None:
    root = project(
        tmp_path,
        'migrations_pattern = "migrations/*/migration.sql"\n',
        {"migrations/0001_init/migration.sql": "CREATE TABLE a (id INTEGER PRIMARY KEY);\n"},
    )
    result = run_cli("new", "Add B", cwd=root)
    assert result.code == 0, result.err
    assert result.out == "migrations/0002_add_b/migration.sql\n"
    assert (root / "migrations" / "0002_add_b" / "migration.sql").is_file()


def test_new_refuses_a_pattern_it_cannot_name(tmp_path: Path, run_cli: Run) -> None:
    root = project(tmp_path, 'migrations_pattern = "migrations/**/*.sql"\n', {"migrations/a/0001_x.sql": "SELECT 1;\n"})
    result = run_cli("new", "b", cwd=root)
    assert result.code == 2 and "create it by hand" in result.err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('migrations_pattern = "drizzle/*/migration.sql"\n', "must start with 'migrations/'"),
        ('migrations_pattern = "migrations/*.sql"\nfile_pattern = "(?P<number>[0-9]+).*"\n', "not both"),
        ('order = "semver"\nfile_pattern = "(?P<number>[0-9]+).*"\n', "semver"),
        ('order = "newest"\n', "order"),
        ('placeholders = { "bad name" = "x" }\n', "not a placeholder name"),
    ],
)
def test_a_layout_the_configuration_cannot_use_is_a_clear_error(
    tmp_path: Path, run_cli: Run, extra: str, message: str
) -> None:
    root = project(tmp_path, extra, {"migrations/0001_a.sql": "SELECT 1;\n"})
    result = run_cli("check", "--no-cache", cwd=root)
    assert result.code == 2, result.out
    assert message in result.err and "Traceback" not in result.err


# --- order = "semver" -------------------------------------------------------------------------------


def test_versions_order_semantically() -> None:
    versions = ["1.0", "0.19", "0.2", "v0.3.1", "1.0.0-rc.1", "1.0.0"]
    ordered = sorted(versions, key=lambda text: parse_version(text) or ((), 0, ""))
    assert ordered == ["0.2", "v0.3.1", "0.19", "1.0", "1.0.0-rc.1", "1.0.0"]
    assert parse_version("latest") is None and parse_version("1..2") is None and parse_version("1.0-") is None


def test_semver_numbers_count_within_each_version(tmp_path: Path, run_cli: Run) -> None:
    sql = "CREATE TABLE t{n} (id INTEGER PRIMARY KEY);\n"
    root = project(
        tmp_path,
        'order = "semver"\n',
        {
            "migrations/0.2/01__a.sql": sql.format(n=1),
            "migrations/0.19/01__b.sql": sql.format(n=2),
            "migrations/0.19/01__c.sql": sql.format(n=3),
            "migrations/notes/01__d.sql": sql.format(n=4),
            "migrations/01__top.sql": sql.format(n=5),
        },
    )
    data = json.loads(check_json(run_cli, root).out)
    by_name = sorted((Path(f["path"]).name, f["name"]) for f in data["findings"])
    # 01 twice in 0.19 is a collision; 01 in 0.2 and in 0.19 is not
    assert by_name == [
        ("01__b.sql", "duplicate-number"),
        ("01__c.sql", "duplicate-number"),
        ("01__d.sql", "filename"),
        ("01__top.sql", "filename"),
    ]
    folder = next(f["message"] for f in data["findings"] if f["path"].endswith("01__d.sql"))
    assert "notes/ is not a version" in folder


def test_new_continues_the_newest_version_folder(tmp_path: Path, run_cli: Run) -> None:
    root = project(
        tmp_path,
        'order = "semver"\n',
        {
            "migrations/0.2/01__a.sql": "SELECT 1;\n",
            "migrations/0.19/01__b.sql": "SELECT 2;\n",
            "migrations/0.19/02__c.sql": "SELECT 3;\n",
        },
    )
    result = run_cli("new", "d", cwd=root)
    assert result.code == 0, result.err
    assert result.out == "migrations/0.19/03__d.sql\n"


def test_semver_lock_catches_a_file_added_to_an_old_version(tmp_path: Path, run_cli: Run) -> None:
    sql = "CREATE TABLE t{n} (id INTEGER PRIMARY KEY);\n"
    root = project(
        tmp_path,
        'order = "semver"\n',
        {"migrations/0.2/01__a.sql": sql.format(n=1), "migrations/0.3/01__b.sql": sql.format(n=2)},
    )
    assert run_cli("lock", cwd=root).code == 0
    write(root, {"migrations/0.2/02__late.sql": sql.format(n=3)})
    data = json.loads(check_json(run_cli, root).out)
    late = [f for f in data["findings"] if f["name"] == "out-of-order"]
    assert [Path(f["path"]).name for f in late] == ["02__late.sql"]


def test_semver_layout_takes_only_version_folders() -> None:
    layout = SemverLayout(None, "sql")
    assert layout.is_migration("0.19/01__x.sql") and not layout.is_migration("next/01__x.sql")
    assert not layout.is_migration("01__x.sql") and layout.scope_of("0.19/01__x.sql") == "0.19"
    assert layout.enters("v1.2") and not layout.enters("drafts")


# --- drizzle-kit's journal ------------------------------------------------------------------------


def journal(*tags: str) -> str:
    entries = [
        {"idx": i, "version": "6", "when": 1760000000000 + i, "tag": tag, "breakpoints": True}
        for i, tag in enumerate(tags)
    ]
    return json.dumps({"version": "7", "dialect": "sqlite", "entries": entries}, indent=2) + "\n"


def test_the_journal_order_is_the_stream_order(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "0000_a.sql": "",
            "0001_b.sql": "",
            "0002_c.sql": "",
            "meta/_journal.json": journal("0000_a", "0002_c", "0001_b"),
        },
    )
    survey = survey_stream(tmp_path, layout_for(None))
    assert [m.name for m in survey.files] == ["0000_a.sql", "0002_c.sql", "0001_b.sql"]
    assert survey.findings == [] and survey.journal == tmp_path / "meta" / "_journal.json"


def test_a_file_missing_from_the_journal_and_an_entry_without_a_file_are_findings(tmp_path: Path, run_cli: Run) -> None:
    sql = "CREATE TABLE t{n} (id INTEGER PRIMARY KEY);\n"
    root = project(
        tmp_path,
        "",
        {
            "drizzle/0000_a.sql": sql.format(n=0),
            "drizzle/0001_b.sql": sql.format(n=1),
            "drizzle/0003_hand_written.sql": sql.format(n=3),
            "drizzle/meta/_journal.json": journal("0000_a", "0001_b", "0002_lost"),
        },
        migrations="drizzle",
    )
    result = check_json(run_cli, root)
    data = json.loads(result.out)
    found = [(Path(f["path"]).name, f["line"], f["name"], f["severity"]) for f in data["findings"]]
    lost_line = journal("0000_a", "0001_b", "0002_lost").splitlines().index('      "tag": "0002_lost",') + 1
    assert sorted(found) == [
        ("0003_hand_written.sql", 1, "journal-mismatch", "warning"),
        ("_journal.json", lost_line, "journal-mismatch", "error"),
    ]
    assert result.code == 1
    assert data["summary"]["files"] == 2  # the unlisted file is not replayed: drizzle never applies it
    refused = run_cli("new", "c", cwd=root)
    assert refused.code == 2 and "drizzle-kit generate" in refused.err


def test_a_nested_drizzle_stream_with_a_journal_matches_tags_by_folder(tmp_path: Path) -> None:
    write(
        tmp_path,
        {"0000_a/migration.sql": "", "0001_b/migration.sql": "", "meta/_journal.json": journal("0001_b", "0000_a")},
    )
    survey = survey_stream(tmp_path, GlobLayout("m/*/migration.sql", "m"))
    assert [m.name for m in survey.files] == ["0001_b/migration.sql", "0000_a/migration.sql"]


@pytest.mark.parametrize("text", ["{not json", '{"entries": 3}', '{"entries": [{"idx": 0}]}'])
def test_a_journal_that_cannot_be_used_is_a_warning_and_the_layout_orders(tmp_path: Path, text: str) -> None:
    write(tmp_path, {"0001_b.sql": "", "0000_a.sql": "", "meta/_journal.json": text})
    survey = survey_stream(tmp_path, layout_for(None))
    assert [m.name for m in survey.files] == ["0000_a.sql", "0001_b.sql"]
    (finding,) = survey.findings
    assert (finding.name, finding.severity.label) == ("journal-mismatch", "warning")
    assert "is not used" in finding.message


# --- Flyway placeholders ----------------------------------------------------------------------------


def test_placeholders_are_replaced_everywhere_and_a_missing_value_is_located() -> None:
    text = (
        "-- in ${schema}\nCREATE TABLE ${schema}.t (c TEXT DEFAULT '${who}');\n"
        "SELECT '${ not one }', '${flyway:filename}';\n"
    )
    replaced, found = substitute_placeholders(text, {"schema": "main"}, "/p/V1__x.sql")
    assert replaced == (
        "-- in main\nCREATE TABLE main.t (c TEXT DEFAULT '${who}');\nSELECT '${ not one }', 'V1__x.sql';\n"
    )
    (finding,) = found
    assert finding.name == "unresolved-placeholder" and finding.severity.label == "error"
    assert finding.location is not None and (finding.location.line, finding.location.column) == (
        2,
        43,
    )  # in the file as written
    assert "${who}" in finding.message and "configured: schema" in finding.message


def test_flyways_own_placeholders_without_a_value_are_warnings() -> None:
    _, (finding,) = substitute_placeholders("SELECT '${flyway:user}';", {}, "V1__x.sql")
    assert finding.severity.label == "warning" and "Flyway's own placeholder" in finding.message


def test_placeholders_are_replaced_only_for_a_database_that_sets_them(tmp_path: Path, run_cli: Run) -> None:
    sql = "CREATE TABLE ${schema}.t (id INTEGER PRIMARY KEY);\nCREATE TABLE u (v TEXT DEFAULT '${kept}');\n"
    with_values = project(
        tmp_path / "a", 'placeholders = { schema = "main", kept = "x" }\n', {"migrations/0001_a.sql": sql}
    )
    assert check_json(run_cli, with_values).code == 0
    missing = project(tmp_path / "b", 'placeholders = { schema = "main" }\n', {"migrations/0001_a.sql": sql})
    result = check_json(run_cli, missing)
    assert [(name, severity) for _, name, severity in findings(result)] == [("unresolved-placeholder", "error")]
    # without `placeholders`, the SQL is what wrangler applies: `${schema}` is not replaced
    unset = project(tmp_path / "c", "", {"migrations/0001_a.sql": sql})
    assert "unresolved-placeholder" not in check_json(run_cli, unset).out
    assert check_json(run_cli, unset).code == 1  # SQLite cannot parse `${schema}.t`


# --- the hook's cache key covers nested files and the journal -----------------------------------------


def test_the_report_key_changes_with_a_nested_file_and_with_the_journal(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        'migrations_pattern = "migrations/*/migration.sql"\n',
        {"migrations/0000_a/migration.sql": "SELECT 1;\n", "migrations/meta/_journal.json": journal("0000_a")},
    )

    def key() -> str:
        inputs = report_inputs(load_config(root / "ownership.toml"), None, False, (), SourceHashes())
        assert inputs is not None
        return inputs.key

    first = key()
    (root / "migrations" / "0000_a" / "migration.sql").write_text("SELECT 2;\n")
    second = key()
    (root / "migrations" / "meta" / "_journal.json").write_text(journal("0000_a", "0001_b"))
    assert len({first, second, key()}) == 3


def test_a_warm_hook_on_a_nested_layout_sees_an_edit_below_the_folder(
    tmp_path: Path, run_cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GROVE_SCHEMA_CACHE_DIR", str(tmp_path / "cache"))
    root = project(
        tmp_path,
        'migrations_pattern = "migrations/*/migration.sql"\n',
        {"migrations/0001_a/migration.sql": "CREATE TABLE a (id INTEGER PRIMARY KEY);\n"},
    )
    edited = root / "migrations" / "0001_a" / "migration.sql"
    first = run_cli("check", str(edited), cwd=root)
    again = run_cli("check", str(edited), cwd=root)
    assert first.code == again.code == 0 and first.out == again.out
    edited.write_text("CREATE TABLE a (id INTEGER PRIMARY KEY)\n")  # no `;`: wrangler's INSERT breaks
    after = run_cli("check", str(edited), cwd=root)
    assert after.code == 1 and "missing-semicolon" in after.out
