"""Wrangler configs: TOML and JSON(C), environments, positions, which config governs a file."""

from __future__ import annotations

from pathlib import Path

from grove_schema.code.scan import scan_code
from grove_schema.code.wrangler import governing_files, parse_config
from grove_schema.config import CodeConfig

from .code_trees import at, write_tree

TOML = """name = "engine"
main = "src/index.ts"

[[d1_databases]]
binding = "DB"
database_name = "grove-engine"
database_id = "0000-1111"
migrations_dir = "migrations"
migrations_table = "d1_migrations"

[[d1_databases]]
binding = "CURIOS"
database_name = "grove-curios"

[env.staging]
name = "engine-staging"

[[env.staging.d1_databases]]
binding = "DB"
database_name = "grove-engine-staging"

[env.production]
d1_databases = [ { binding = "DB", database_name = "grove-engine-prod" } ]
"""

JSONC = """{
  // The engine worker.
  "name": "engine",
  /* block comment */
  "d1_databases": [
    {
      "binding": "DB",
      "database_name": "grove-engine",
      "migrations_dir": "migrations", // trailing comma next
    },
  ],
  "env": {
    "staging": {
      "d1_databases": [
        { "binding": "DB", "database_name": "grove-engine-staging", },
      ],
    },
  },
}
"""


def test_toml_top_level_and_environments() -> None:
    config, problems = parse_config(Path("/w/wrangler.toml"), TOML)
    assert problems == []
    entries = [(b.environment, b.binding, b.database_name, b.position.line) for b in config.bindings]
    assert entries == [
        (None, "DB", "grove-engine", at(TOML, 'binding = "DB"')[0]),
        (None, "CURIOS", "grove-curios", at(TOML, 'binding = "CURIOS"')[0]),
        ("staging", "DB", "grove-engine-staging", at(TOML, 'binding = "DB"', 1)[0]),
        ("production", "DB", "grove-engine-prod", at(TOML, 'binding = "DB"', 2)[0]),
    ]
    first = config.bindings[0]
    assert (first.database_id, first.migrations_dir, first.migrations_table) == (
        "0000-1111",
        "migrations",
        "d1_migrations",
    )
    assert config.database_of("DB") == "grove-engine"
    assert config.declares("CURIOS") and not config.declares("KV")


def test_jsonc_with_comments_trailing_commas_and_environments() -> None:
    config, problems = parse_config(Path("/w/wrangler.jsonc"), JSONC)
    assert problems == []
    entries = [(b.environment, b.binding, b.database_name, b.position.line) for b in config.bindings]
    assert entries == [
        (None, "DB", "grove-engine", at(JSONC, '"binding": "DB"')[0]),
        ("staging", "DB", "grove-engine-staging", at(JSONC, '"binding": "DB"', 1)[0]),
    ]
    assert config.bindings[0].migrations_dir == "migrations"
    assert config.bindings[0].database_id is None


def test_plain_json() -> None:
    text = '{"d1_databases": [{"binding": "OBS", "database_name": "grove-observability"}]}'
    config, problems = parse_config(Path("/w/wrangler.json"), text)
    assert problems == []
    assert [(b.binding, b.database_name, b.position.line) for b in config.bindings] == [
        ("OBS", "grove-observability", 1)
    ]


def test_malformed_toml_is_a_problem_with_its_line() -> None:
    config, problems = parse_config(Path("/w/wrangler.toml"), 'name = "x"\n[[d1_databases]\nbinding = "DB"\n')
    assert config.bindings == ()
    assert len(problems) == 1
    assert problems[0].position.line == 2
    assert "malformed wrangler config" in problems[0].message


def test_malformed_json_is_a_problem_with_its_line() -> None:
    config, problems = parse_config(Path("/w/wrangler.jsonc"), '{\n  "d1_databases": [\n    { "binding": }\n  ]\n}\n')
    assert config.bindings == ()
    assert [problem.position.line for problem in problems] == [3]


def test_entries_without_a_binding_and_wrong_shapes_are_problems() -> None:
    _, problems = parse_config(Path("/w/wrangler.toml"), '[[d1_databases]]\ndatabase_name = "x"\n')
    assert [problem.message for problem in problems] == ["an entry of d1_databases has no `binding`"]
    _, problems = parse_config(Path("/w/wrangler.json"), '{"d1_databases": {"binding": "DB"}}')
    assert [problem.message for problem in problems] == ["d1_databases is not a list"]
    _, problems = parse_config(Path("/w/wrangler.json"), "[1, 2]")
    assert len(problems) == 1


def test_json_wins_over_toml_in_one_folder() -> None:
    folder = Path("/w/app")
    chosen = governing_files([folder / "wrangler.toml", folder / "wrangler.jsonc", Path("/w/wrangler.toml")])
    assert chosen == [Path("/w/app/wrangler.jsonc"), Path("/w/wrangler.toml")]
    assert governing_files([folder / "wrangler.jsonc", folder / "wrangler.json"]) == [folder / "wrangler.json"]


def test_scan_reads_the_preferred_config_and_a_workers_own_config_governs_it(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "wrangler.toml": '[[d1_databases]]\nbinding = "DB"\ndatabase_name = "grove-engine"\n',
            "workers/obs/wrangler.toml": '[[d1_databases]]\nbinding = "DB"\ndatabase_name = "ignored"\n',
            "workers/obs/wrangler.jsonc": '{ "d1_databases": [ { "binding": "DB", "database_name": "grove-obs" }, ] }',
            "workers/obs/src/index.ts": "export default {\n  fetch: (r, env) => env.DB.prepare('SELECT 1'),\n};\n",
            "src/routes/+page.server.ts": "export const load = ({ platform }) =>\n"
            "  platform.env.DB.prepare('SELECT 2');\n",
        },
    )
    scan = scan_code(CodeConfig((tmp_path,)), tmp_path)
    assert [config.path for config in scan.configs] == [
        tmp_path / "workers/obs/wrangler.jsonc",
        tmp_path / "wrangler.toml",
    ]
    assert scan.problems == []
    worker = scan.config_for(tmp_path / "workers/obs/src/index.ts")
    route = scan.config_for(tmp_path / "src/routes/+page.server.ts")
    assert worker is not None and worker.database_of("DB") == "grove-obs"
    assert route is not None and route.database_of("DB") == "grove-engine"


def test_a_malformed_config_in_a_scan_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    write_tree(tmp_path, {"wrangler.jsonc": '{ "d1_databases": [ { "binding": "DB" ', "a.ts": "export {};\n"})
    scan = scan_code(CodeConfig((tmp_path,)), tmp_path)
    assert [config.bindings for config in scan.configs] == [()]
    assert [problem.position.path for problem in scan.problems] == [str(tmp_path / "wrangler.jsonc")]
