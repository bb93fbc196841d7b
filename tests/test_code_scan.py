"""The scan of the code roots: which files, the SQL of each call site, positions (Svelte scripts
included), problems, the per-file cache, determinism and speed."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import grove_schema.code.javascript as javascript
from grove_schema.code.cache import ScanCache
from grove_schema.code.facts import FileFacts
from grove_schema.code.scan import scan_code
from grove_schema.code.sites import CodeScan, SourcePosition
from grove_schema.config import CodeConfig

from .code_trees import at, generate_code_tree, write_tree


def scan(
    root: Path, files: dict[str, str], *, exclude: tuple[str, ...] = (), cache: ScanCache | None = None
) -> CodeScan:
    write_tree(root, files)
    return scan_code(CodeConfig((root,), exclude), root, cache=cache)


def sqls(result: CodeScan) -> list[str | None]:
    return [site.sql for site in result.call_sites]


WORKER = "export default {{\n  async fetch(request, env) {{\n    {body}\n  }},\n}};\n"


def worker(body: str) -> str:
    return WORKER.format(body=body)


def test_template_literal_substitutions_become_placeholders(tmp_path: Path) -> None:
    text = worker("return env.DB.prepare(`SELECT *\n      FROM posts WHERE id = ${id} AND t = ${tenant.id}`).all();")
    (site,) = scan(tmp_path, {"a.ts": text}).call_sites
    assert site.sql == "SELECT *\n      FROM posts WHERE id = ? AND t = ?"
    assert site.sql_position == SourcePosition(str(tmp_path / "a.ts"), *at(text, "`SELECT"))
    assert site.unresolved is None


def test_string_forms_that_are_static(tmp_path: Path) -> None:
    body = (
        "const sql = `SELECT a FROM t`;\n"
        "    const where = ' WHERE b = ?';\n"
        "    env.DB.prepare(sql);\n"
        "    env.DB.prepare('SELECT ' + 'c' + \" FROM u\");\n"
        '    env.DB.prepare("it\\\'s \\u0041\\n");\n'
        "    env.DB.exec('CREATE TABLE x (a)' + where);"
    )
    text = worker(body)
    result = scan(tmp_path, {"a.ts": text})
    assert sqls(result) == ["SELECT a FROM t", "SELECT c FROM u", "it's A\n", "CREATE TABLE x (a) WHERE b = ?"]
    assert result.call_sites[0].sql_position == SourcePosition(str(tmp_path / "a.ts"), *at(text, "`SELECT a"))
    assert all(site.unresolved is None for site in result.call_sites)


def test_sql_that_is_not_static_is_unresolved_with_a_reason(tmp_path: Path) -> None:
    body = (
        "let sql = 'SELECT 1';\n"
        "    env.DB.prepare(sql);\n"
        "    env.DB.prepare(buildQuery(table));\n"
        "    env.DB.prepare('SELECT * FROM ' + table);\n"
        "    env.DB.prepare();"
    )
    result = scan(tmp_path, {"a.ts": worker(body)})
    assert sqls(result) == [None, None, None, None]
    assert [site.sql_position for site in result.call_sites] == [None] * 4
    reasons = [site.unresolved or "" for site in result.call_sites]
    assert "`sql`, not a constant string" in reasons[0]
    assert "buildQuery(table)" in reasons[1]
    assert "`table`" in reasons[2]
    assert "no SQL argument" in reasons[3]
    assert all(len(site.bindings) == 1 for site in result.call_sites)  # the binding is still known


def test_svelte_script_positions_map_to_the_svelte_file(tmp_path: Path) -> None:
    text = (
        "<svelte:head><title>Café</title></svelte:head>\n"
        '<script context="module" lang="ts">\n'
        "  export const prerender = false;\n"
        "</script>\n"
        '<script lang="ts">\n'
        "  import { page } from '$app/stores';\n"
        "  const é = 1; const db = $page.data.platform.env.DB; db.prepare(`SELECT ${é}`);\n"
        "</script>\n"
        "<p>{db.prepare('not code')}</p>\n"
    )
    result = scan(tmp_path, {"src/routes/+page.svelte": text})
    (site,) = result.call_sites
    path = str(tmp_path / "src/routes/+page.svelte")
    assert site.position == SourcePosition(path, *at(text, "prepare"))
    assert site.sql == "SELECT ?"
    assert site.sql_position == SourcePosition(path, *at(text, "`SELECT"))
    assert [use.position for use in site.bindings] == [SourcePosition(path, *at(text, "$page.data"))]
    assert result.texts[path] == text


def test_javascript_flavours_and_columns_count_characters(tmp_path: Path) -> None:
    files = {
        "a.js": "const s = 'ü'; export default { fetch(r, env) { return env.DB.prepare('SELECT 1'); } };\n",
        "b.mjs": "export const f = (env) => env.DB.prepare('SELECT 2');\n",
        "c.cjs": "module.exports = (env) => env.DB.prepare('SELECT 3');\n",
        "d.tsx": "export const C = ({ env }) => <div>{env.DB.prepare('SELECT 4') && 'x'}</div>;\n",
        "e.d.ts": "declare const x: number;\n",
        "f.jsx": "env.DB.prepare('SELECT 5');\n",
    }
    result = scan(tmp_path, files)
    assert sqls(result) == ["SELECT 1", "SELECT 2", "SELECT 3", "SELECT 4"]
    assert result.call_sites[0].position.column == at(files["a.js"], "prepare")[1]
    assert sorted(path.name for path in result.files) == ["a.js", "b.mjs", "c.cjs", "d.tsx"]
    assert result.problems == []


def test_skipped_folders_and_excludes(tmp_path: Path) -> None:
    line = "env.DB.prepare('SELECT 1');\n"
    files = {name + "/x.ts": line for name in ("node_modules/p", ".git", "dist", "build", ".svelte-kit", ".wrangler")}
    files |= {
        "src/kept.ts": line,
        "src/legacy/old.ts": line,
        "src/a.test.ts": line,
        "tools/deep/gen.ts": line,
    }
    result = scan(tmp_path, files, exclude=("src/legacy", "**/*.test.ts", "tools/**"))
    assert result.files == [tmp_path / "src/kept.ts"]
    assert len(result.call_sites) == 1


def test_overlapping_roots_scan_a_file_once(tmp_path: Path) -> None:
    write_tree(tmp_path, {"apps/a.ts": "env.DB.prepare('SELECT 1');\n"})
    result = scan_code(CodeConfig((tmp_path, tmp_path / "apps")), tmp_path)
    assert result.files == [tmp_path / "apps/a.ts"]
    assert len(result.call_sites) == 1


def test_unparsable_and_unreadable_files_are_problems(tmp_path: Path) -> None:
    bad = "export const f = (env) => env.DB.prepare('SELECT 1');\nconst = ;\n"
    write_tree(tmp_path, {"bad.ts": bad, "ok.ts": "export {};\n"})
    (tmp_path / "latin1.ts").write_bytes(b"const s = '\xe9';\n")
    result = scan_code(CodeConfig((tmp_path,)), tmp_path)
    problems = {Path(problem.position.path).name: problem for problem in result.problems}
    assert set(problems) == {"bad.ts", "latin1.ts"}
    assert problems["bad.ts"].message.startswith("cannot parse")
    assert problems["bad.ts"].position.line == 2
    assert "UTF-8" in problems["latin1.ts"].message
    assert str(tmp_path / "latin1.ts") not in result.texts
    assert tmp_path / "latin1.ts" in result.files
    # the broken file still gives what tree-sitter could recover
    assert [site.sql for site in result.call_sites] == ["SELECT 1"]


def test_a_second_scan_of_unchanged_files_parses_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[str] = []
    real = javascript.parse_facts

    def counting(text: str, language: str) -> FileFacts:
        parsed.append(language)
        return real(text, language)

    monkeypatch.setattr(javascript, "parse_facts", counting)
    generate_code_tree(tmp_path / "tree", 40)
    store = tmp_path / "cache"
    first = scan_code(CodeConfig((tmp_path / "tree",)), tmp_path / "tree", cache=ScanCache(store))
    assert len(parsed) == 40  # every component has a script
    cache = ScanCache(store)  # a new process: from the disk
    second = scan_code(CodeConfig((tmp_path / "tree",)), tmp_path / "tree", cache=cache)
    assert len(parsed) == 40
    assert (cache.hits, cache.misses) == (40, 0)
    assert second.call_sites == first.call_sites
    assert second.texts == first.texts

    edited = tmp_path / "tree/apps/site/src/lib/server/helper0.ts"
    edited.write_text(edited.read_text().replace("ORDER BY created_at DESC", ""))
    third = scan_code(CodeConfig((tmp_path / "tree",)), tmp_path / "tree", cache=cache)
    assert len(parsed) == 41
    assert third.call_sites != first.call_sites


def test_a_broken_cache_store_is_a_miss(tmp_path: Path) -> None:
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache/code-scan.json").write_text("{not json")
    write_tree(tmp_path / "src", {"a.ts": "env.DB.prepare('SELECT 1');\n"})
    cache = ScanCache(tmp_path / "cache")
    result = scan_code(CodeConfig((tmp_path / "src",)), tmp_path, cache=cache)
    assert len(result.call_sites) == 1 and cache.misses == 1
    assert len(ScanCache(tmp_path / "cache")) == 1


def test_the_scan_is_deterministic(tmp_path: Path) -> None:
    generate_code_tree(tmp_path, 120)
    first = scan_code(CodeConfig((tmp_path,)), tmp_path)
    second = scan_code(CodeConfig((tmp_path,)), tmp_path)
    assert first == second
    assert first.call_sites == sorted(first.call_sites, key=lambda site: site.position)
    assert [config.path for config in first.configs] == sorted(config.path for config in first.configs)
    assert first.files == sorted(first.files)
    assert all(site.bindings and site.unresolved is None for site in first.call_sites)


@pytest.mark.slow
def test_two_thousand_files_scan_quickly(tmp_path: Path) -> None:
    generate_code_tree(tmp_path / "tree", 2000)
    cache = ScanCache()
    started = time.perf_counter()
    cold = scan_code(CodeConfig((tmp_path / "tree",)), tmp_path / "tree", cache=cache)
    cold_seconds = time.perf_counter() - started
    started = time.perf_counter()
    warm = scan_code(CodeConfig((tmp_path / "tree",)), tmp_path / "tree", cache=cache)
    warm_seconds = time.perf_counter() - started
    assert len(cold.files) == 2000 and warm.call_sites == cold.call_sites
    assert cold_seconds < 5, cold_seconds
    assert warm_seconds < 1.5, warm_seconds
