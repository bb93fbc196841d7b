"""What a hook run loads: a cache hit must not import the heavy dependencies (not a timed test).

The warm hook path hashes the inputs and prints the stored report; pydantic, networkx, sqlglot,
rich and apsw belong to the work a hit skips (validating a changed ownership.toml, the graph, SQL
parsing, the terminal renderer, the dev database). Each run is a fresh interpreter, as a hook is.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import MINIMAL_CONFIG

HEAVY = ("pydantic", "pydantic_core", "networkx", "sqlglot", "rich", "apsw", "tree_sitter", "json5", "re2")

# Runs the command line in this interpreter, then reports the top-level packages it imported (read
# before the probe imports json to print them).
PROBE = """
import io, sys
from grove_schema.cli import main
out, err = io.StringIO(), io.StringIO()
code = main(sys.argv[1:], out, err)
modules = sorted({name.split(".")[0] for name in sys.modules})
own = sorted(name for name in sys.modules if name.startswith("grove_schema."))
import json
print(json.dumps({"code": code, "out": out.getvalue(), "err": err.getvalue(), "modules": modules, "own": own}))
"""

FILES = {
    "0001_users.sql": "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n",
    "0002_posts.sql": "CREATE TABLE posts (id INTEGER PRIMARY KEY, author INTEGER REFERENCES users(id));\n"
    "CREATE INDEX posts_author ON posts (lower(author));\n",
}
CODE_CONFIG = MINIMAL_CONFIG + '\n[code]\nroots = ["src"]\n'


@dataclass
class Probe:
    code: int
    out: str
    err: str
    modules: set[str]
    own: set[str]  # grove_schema's own modules


def probe(root: Path, cache: Path, *argv: str) -> Probe:
    env = {**os.environ, "GROVE_SCHEMA_CACHE_DIR": str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], cwd=root, env=env, capture_output=True, text=True, check=True
    )
    result = json.loads(done.stdout)
    return Probe(result["code"], result["out"], result["err"], set(result["modules"]), set(result["own"]))


@pytest.mark.parametrize("config", [MINIMAL_CONFIG, CODE_CONFIG], ids=["migrations", "with-code"])
def test_a_cache_hit_imports_none_of_the_heavy_dependencies(
    make_project: Callable[..., Path], tmp_path: Path, config: str
) -> None:
    root = make_project(dict(FILES), config)
    (root / "src").mkdir()
    (root / "src" / "route.ts").write_text(
        'export const get = (env: Env) => env.DB.prepare("SELECT id FROM users").all();\n', encoding="utf-8"
    )
    cache = tmp_path / "cache"
    target = str(root / "libs" / "engine" / "migrations" / "0002_posts.sql")
    cold = probe(root, cache, "check", target)
    assert cold.code == 0, cold
    assert {"pydantic_core", "apsw"} <= cold.modules  # the miss did the work: validated, replayed
    assert "pydantic" not in cold.modules  # pydantic-core validates the sections, pydantic is not needed
    warm = probe(root, cache, "check", target)
    assert warm.code == 0 and warm.out == cold.out, warm
    assert not set(HEAVY) & warm.modules, warm.modules


def test_an_edited_ownership_toml_is_validated_again(make_project: Callable[..., Path], tmp_path: Path) -> None:
    root = make_project(dict(FILES))
    cache = tmp_path / "cache"
    target = str(root / "libs" / "engine" / "migrations" / "0002_posts.sql")
    probe(root, cache, "check", target)
    (root / "ownership.toml").write_text(MINIMAL_CONFIG + "\n[rules]\nignore = ['no-such-rule']\n", encoding="utf-8")
    edited = probe(root, cache, "check", target)
    assert edited.code == 2 and "no-such-rule" in edited.err
    (root / "ownership.toml").write_text(MINIMAL_CONFIG + "\n[project.typo]\n", encoding="utf-8")
    invalid = probe(root, cache, "check", target)
    assert invalid.code == 2 and "pydantic_core" in invalid.modules


def test_an_edited_migration_replays_without_the_graph_or_the_code_parsers(
    make_project: Callable[..., Path], tmp_path: Path
) -> None:
    """The edited-hook path: one file changed, the rest resumed from the cache. The ownership
    checks need no networkx, and `[code]` roots holding no source need none of the scan's parsers."""
    root = make_project(dict(FILES), CODE_CONFIG)
    (root / "src").mkdir()
    cache = tmp_path / "cache"
    target = root / "libs" / "engine" / "migrations" / "0002_posts.sql"
    first = probe(root, cache, "check", str(target))
    assert first.code == 0, first
    target.write_text(FILES["0002_posts.sql"] + "-- reworded\n", encoding="utf-8")
    edited = probe(root, cache, "check", str(target))
    assert edited.code == 0 and edited.out == first.out, edited
    assert "apsw" in edited.modules  # the edited file was replayed
    assert not {"pydantic", "networkx", "tree_sitter", "json5"} & edited.modules, edited.modules
    assert not {"grove_schema.code.scan", "grove_schema.code.facts", "grove_schema.code.audit"} & edited.own


def test_code_roots_without_sources_audit_as_the_full_scan_does(make_project: Callable[..., Path]) -> None:
    from grove_schema.code.audit import audit_code
    from grove_schema.code.scan import scan_code
    from grove_schema.config import load_config
    from grove_schema.ownership import OwnershipMap
    from grove_schema.project import audit_project_code, check_project

    root = make_project(dict(FILES), CODE_CONFIG)
    (root / "src" / "empty").mkdir(parents=True)
    (root / "src" / "README.md").write_text("no code here\n", encoding="utf-8")
    config = load_config(root / "ownership.toml")
    outcome = check_project(config)
    streams = outcome.streams
    assert config.code is not None
    assert audit_project_code(config, streams) is None  # nothing to audit: no module of the audit loaded
    full = audit_code(config, scan_code(config.code, config.root), streams, OwnershipMap(config))
    assert outcome.code == full  # what plan and callers read: the audit of nothing


def test_a_table_rebuild_is_judged_without_sqlglot(make_project: Callable[..., Path], tmp_path: Path) -> None:
    """The usual rebuild (create the copy, copy the rows, drop, rename) of a referenced table: its
    row copy is read from the tokens, so a full check loads no sqlglot; the verdict still sees the
    cascade the DROP sets off."""
    rebuild = (
        "CREATE TABLE users_new (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT);\n"
        "INSERT INTO users_new (id, email) SELECT id, email FROM users;\n"
        "DROP TABLE users;\n"
        "ALTER TABLE users_new RENAME TO users;\n"
    )
    root = make_project(
        {
            **FILES,
            "0002_posts.sql": "CREATE TABLE posts (id INTEGER PRIMARY KEY, "
            "author INTEGER REFERENCES users(id) ON DELETE CASCADE);\n",
            "0003_rebuild.sql": rebuild,
        }
    )
    cold = probe(root, tmp_path / "cache", "check", "--no-cache", "--format", "json")
    assert "sqlglot" not in cold.modules, cold.modules
    codes = {finding["code"] for finding in json.loads(cold.out)["findings"]}
    assert "GS405" in codes, cold.out  # the DROP deletes the posts through ON DELETE CASCADE


def test_a_check_without_the_cache_loads_no_hashing_nor_json(make_project: Callable[..., Path], tmp_path: Path) -> None:
    """hashlib loads OpenSSL's libcrypto (4 ms of a cold check): only the cache hashes, and only the
    cache and the JSON formats read or write JSON."""
    root = make_project(dict(FILES))
    cache = tmp_path / "cache"
    hashing_and_json = {"hashlib", "_hashlib", "json"}
    cold = probe(root, cache, "check", "--no-cache")
    assert cold.code == 0 and not hashing_and_json & cold.modules, cold.modules
    as_json = probe(root, cache, "check", "--no-cache", "--format", "json")
    assert as_json.code == 0 and hashing_and_json & as_json.modules == {"json"}, as_json.modules
    target = str(root / "libs" / "engine" / "migrations" / "0002_posts.sql")
    cached = probe(root, cache, "check", target)  # the cache: keys and stored reports
    assert cached.code == 0 and hashing_and_json <= cached.modules, cached.modules
