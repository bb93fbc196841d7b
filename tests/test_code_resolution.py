"""Following a call site's receiver to the D1 binding: env objects, destructuring, aliases, and
bindings handed to helpers in the same file or across imports ($lib, kit.alias, tsconfig paths)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grove_schema.code.scan import scan_code
from grove_schema.code.sites import CallMethod, CallSite, CodeScan, SourcePosition
from grove_schema.config import CodeConfig

from .code_trees import at, write_tree


def scan(root: Path, files: dict[str, str]) -> CodeScan:
    write_tree(root, files)
    return scan_code(CodeConfig((root,)), root)


def only_site(result: CodeScan) -> CallSite:
    assert len(result.call_sites) == 1, result.call_sites
    return result.call_sites[0]


def position(root: Path, relative: str, text: str, needle: str, nth: int = 0) -> SourcePosition:
    line, column = at(text, needle, nth)
    return SourcePosition(str(root / relative), line, column)


def assert_binding(root: Path, relative: str, text: str, needle: str, binding: str = "DB") -> CallSite:
    """The file's one call site reaches `binding`, written where `needle` starts, with static SQL."""
    site = only_site(scan(root, {relative: text}))
    assert [(use.binding, use.position) for use in site.bindings] == [(binding, position(root, relative, text, needle))]
    assert site.unresolved is None
    assert site.position == position(root, relative, text, "prepare")
    return site


@pytest.mark.parametrize(
    ("name", "text", "needle"),
    [
        (
            "env of fetch",
            "export default {\n  async fetch(request: Request, env: Env) {\n"
            "    return env.DB.prepare('SELECT 1').first();\n  },\n};\n",
            "env.DB",
        ),
        (
            "platform.env",
            "export const load = async ({ platform }) => platform.env.DB.prepare('SELECT 1');\n",
            "platform.env.DB",
        ),
        (
            "platform?.env?",
            "export const load = async ({ platform }) => {\n"
            "  return platform?.env?.DB.prepare('SELECT 1').all();\n};\n",
            "platform?.env?.DB",
        ),
        ("hono c.env", "app.get('/', async (c) => c.env.DB.prepare('SELECT 1').all());\n", "c.env.DB"),
        (
            "durable object this.env",
            "export class Counter extends DurableObject {\n  async count() {\n"
            "    return this.env.DB.prepare('SELECT 1').first();\n  }\n}\n",
            "this.env.DB",
        ),
        (
            "locals.runtime.env",
            "export const GET = async ({ locals }) => locals.runtime.env.DB.prepare('SELECT 1').all();\n",
            "locals.runtime.env.DB",
        ),
        (
            "pages function ({ env })",
            "export const onRequest = async ({ env }) => env.DB.prepare('SELECT 1').all();\n",
            "env.DB",
        ),
        (
            "event.platform.env",
            "export async function load(event) {\n  return event.platform.env.DB.prepare('SELECT 1').all();\n}\n",
            "event.platform",
        ),
    ],
)
def test_env_objects(tmp_path: Path, name: str, text: str, needle: str) -> None:
    assert_binding(tmp_path, "src/index.ts", text, needle)


def test_destructuring_the_binding(tmp_path: Path) -> None:
    text = (
        "export const load = async ({ platform }) => {\n"
        "  const { DB } = platform.env;\n  return DB.prepare('SELECT 1');\n};\n"
    )
    assert_binding(tmp_path, "src/a.ts", text, "DB }")


def test_destructuring_with_a_rename(tmp_path: Path) -> None:
    text = (
        "export default {\n  fetch(req, env) {\n    const { DB: db } = env;\n"
        "    return db.prepare('SELECT 1');\n  },\n};\n"
    )
    assert_binding(tmp_path, "src/a.ts", text, "DB: db")


def test_nested_destructuring(tmp_path: Path) -> None:
    text = (
        "export const load = ({ platform }) => {\n  const { env: { CURIOS } } = platform;\n"
        "  return CURIOS.prepare('SELECT 1');\n};\n"
    )
    assert_binding(tmp_path, "src/a.ts", text, "CURIOS }", binding="CURIOS")


def test_a_destructured_env_parameter_of_a_worker_handler(tmp_path: Path) -> None:
    text = "export default {\n  fetch(req, { DB }) {\n    return DB.prepare('SELECT 1');\n  },\n};\n"
    assert_binding(tmp_path, "a.ts", text, "DB }")


def test_a_destructured_parameter_nobody_passes_stays_unresolved(tmp_path: Path) -> None:
    text = "export function handle(req, { DB }) {\n  return DB.prepare('SELECT 1');\n}\n"
    site = only_site(scan(tmp_path, {"a.ts": text}))
    assert site.bindings == ()
    assert site.unresolved is not None and "parameter `{ DB }` of handle (a.ts:1)" in site.unresolved


@pytest.mark.parametrize(
    "declaration",
    [
        "const db = platform?.env?.DB;",
        "const db = platform?.env?.DB as D1Database;",
        "const db = (platform!.env.DB satisfies D1Database);",
        "const db = locals.db ?? platform.env.DB;",
        "const db = dev ? platform.env.DB : platform.env.DB;",
        "let db;\n  db = platform.env.DB;",
        "var db = undefined;\n  if (ok) db = platform.env.DB;",
    ],
)
def test_local_aliases(tmp_path: Path, declaration: str) -> None:
    text = (
        f"export const load = async ({{ platform, locals }}) => {{\n"
        f"  {declaration}\n  return db.prepare('SELECT 1');\n}};\n"
    )
    site = only_site(scan(tmp_path, {"a.ts": text}))
    assert {use.binding for use in site.bindings} == {"DB"}
    assert site.bindings[0].position == position(tmp_path, "a.ts", text, "platform", 1)
    assert site.unresolved is None


def test_a_helper_in_the_same_file(tmp_path: Path) -> None:
    text = (
        "async function countRows(db: D1Database, table: string) {\n"
        "  return db.prepare('SELECT COUNT(*) FROM posts').first();\n"
        "}\n"
        "export const load = async ({ platform }) => ({ n: await countRows(platform.env.DB, 'posts') });\n"
    )
    site = only_site(scan(tmp_path, {"src/a.ts": text}))
    (use,) = site.bindings
    assert use.binding == "DB"
    assert use.position == position(tmp_path, "src/a.ts", text, "platform.env.DB")
    assert use.via == (f"argument 1 of countRows at src/a.ts:{at(text, 'countRows(platform')[0]}",)
    assert site.function == "countRows"


HELPER = """import type { D1Database } from '@cloudflare/workers-types';

export async function loadCurioStatus(db: D1Database, tenantId: string) {
  return db.prepare('SELECT status FROM curios WHERE tenant_id = ?').bind(tenantId).first();
}

export const getEnabledTenants = async (db: D1Database) => {
  return db.prepare('SELECT id FROM tenants WHERE enabled = 1').all();
};

export default async function (db: D1Database) {
  await db.exec('DELETE FROM sessions');
}
"""


def test_a_helper_imported_relatively_from_two_routes(tmp_path: Path) -> None:
    route_a = (
        "import { loadCurioStatus } from '../../lib/curios';\n"
        "export const load = async ({ platform, params }) => loadCurioStatus(platform.env.DB, params.t);\n"
    )
    route_b = (
        "import { loadCurioStatus as status } from '../../lib/curios.js';\n"
        "export default { fetch: (r, env) => status(env.CURIOS, 'x') };\n"
    )
    result = scan(
        tmp_path,
        {"src/lib/curios.ts": HELPER, "src/routes/a/+page.server.ts": route_a, "src/routes/b/+server.ts": route_b},
    )
    site = next(s for s in result.call_sites if s.function == "loadCurioStatus")
    assert [(use.binding, use.position, use.via) for use in site.bindings] == [
        (
            "DB",
            position(tmp_path, "src/routes/a/+page.server.ts", route_a, "platform.env.DB"),
            ("argument 1 of loadCurioStatus at src/routes/a/+page.server.ts:2",),
        ),
        (
            "CURIOS",
            position(tmp_path, "src/routes/b/+server.ts", route_b, "env.CURIOS"),
            ("argument 1 of loadCurioStatus at src/routes/b/+server.ts:2",),
        ),
    ]
    assert site.position == position(tmp_path, "src/lib/curios.ts", HELPER, "prepare")


def test_exported_arrow_default_export_and_a_namespace_import(tmp_path: Path) -> None:
    route = (
        "import cleanup from '../lib/curios';\n"
        "import * as curios from '../lib/curios';\n"
        "export async function scheduled(event, env) {\n"
        "  await curios.getEnabledTenants(env.DB);\n"
        "  await cleanup(env.DB);\n"
        "}\n"
    )
    result = scan(tmp_path, {"src/lib/curios.ts": HELPER, "src/jobs/cron.ts": route})
    by_function = {site.function: site for site in result.call_sites}
    tenants = by_function["getEnabledTenants"]
    assert [use.position for use in tenants.bindings] == [position(tmp_path, "src/jobs/cron.ts", route, "env.DB")]
    cleanup = next(site for site in result.call_sites if site.method is CallMethod.EXEC)
    assert [use.position for use in cleanup.bindings] == [position(tmp_path, "src/jobs/cron.ts", route, "env.DB", 1)]
    assert cleanup.sql == "DELETE FROM sessions"
    unused = by_function["loadCurioStatus"]
    assert unused.bindings == ()
    assert unused.unresolved is not None
    assert "parameter `db: D1Database` of loadCurioStatus" in unused.unresolved
    assert "src/lib/curios.ts:3" in unused.unresolved


def test_re_exports_through_an_index(tmp_path: Path) -> None:
    result = scan(
        tmp_path,
        {
            "src/lib/curios.ts": HELPER,
            "src/lib/index.ts": "export { loadCurioStatus as status } from './curios';\nexport * from './curios';\n",
            "src/a.ts": "import { status, getEnabledTenants } from './lib';\n"
            "export const load = ({ platform }) => [\n"
            "  status(platform.env.DB, 't'), getEnabledTenants(platform.env.DB)];\n",
        },
    )
    reached = {site.function: [use.binding for use in site.bindings] for site in result.call_sites}
    assert reached["loadCurioStatus"] == ["DB"]
    assert reached["getEnabledTenants"] == ["DB"]


def test_a_chain_of_helpers_and_the_whole_env_passed(tmp_path: Path) -> None:
    lib = (
        "export function inner(db) {\n  return db.prepare('SELECT 1');\n}\n"
        "export function outer(db) {\n  return inner(db);\n}\n"
        "export function fromEnv(e: Env) {\n  return e.OBS.prepare('SELECT 2');\n}\n"
    )
    route = (
        "import { outer, fromEnv } from './lib';\nexport default { fetch(r, env) { outer(env.DB); fromEnv(env); } };\n"
    )
    result = scan(tmp_path, {"lib.ts": lib, "index.ts": route})
    first, second = result.call_sites
    (use,) = first.bindings
    assert use.binding == "DB" and use.position == position(tmp_path, "index.ts", route, "env.DB")
    assert use.via == ("argument 1 of outer at index.ts:2", "argument 1 of inner at lib.ts:5")
    (use,) = second.bindings
    assert use.binding == "OBS" and use.position == position(tmp_path, "lib.ts", lib, "e.OBS")


def test_recursion_terminates(tmp_path: Path) -> None:
    text = (
        "function ping(db, n) {\n  if (n > 0) return pong(db, n - 1);\n  return db.prepare('SELECT 1');\n}\n"
        "function pong(db, n) {\n  return ping(db, n);\n}\n"
        "function self(db) {\n  self(db);\n  return db.prepare('SELECT 2');\n}\n"
    )
    result = scan(tmp_path, {"a.ts": text})
    assert [site.bindings for site in result.call_sites] == [(), ()]
    assert all(site.unresolved for site in result.call_sites)


SVELTE_CONFIG = """import adapter from '@sveltejs/adapter-cloudflare';
const config = {
  kit: {
    adapter: adapter(),
    alias: { $server: 'src/server', '@db/*': 'src/db/*' },
  },
};
export default config;
"""


def test_lib_and_kit_alias(tmp_path: Path) -> None:
    route = (
        "import { loadCurioStatus } from '$lib/curios';\n"
        "import { posts } from '$server/posts';\n"
        "import { users } from '@db/users';\n"
        "export const load = ({ platform }) => [\n"
        "  loadCurioStatus(platform.env.DB, 't'),\n  posts(platform.env.DB),\n  users(platform.env.DB),\n];\n"
    )
    result = scan(
        tmp_path,
        {
            "site/svelte.config.js": SVELTE_CONFIG,
            "site/src/lib/curios.ts": HELPER,
            "site/src/server/posts.ts": "export const posts = (db) => db.prepare('SELECT * FROM posts');\n",
            "site/src/db/users.ts": "export function users(db) { return db.prepare('SELECT * FROM users'); }\n",
            "site/src/routes/+page.server.ts": route,
        },
    )
    reached = {site.function: site.bindings for site in result.call_sites}
    relative = "site/src/routes/+page.server.ts"
    assert [use.position for use in reached["loadCurioStatus"]] == [
        position(tmp_path, relative, route, "platform.env.DB")
    ]
    assert [use.position for use in reached["posts"]] == [position(tmp_path, relative, route, "platform.env.DB", 1)]
    assert [use.position for use in reached["users"]] == [position(tmp_path, relative, route, "platform.env.DB", 2)]


def test_tsconfig_paths_with_base_url(tmp_path: Path) -> None:
    tsconfig = """{
  // JSONC, as TypeScript reads it
  "compilerOptions": {
    "baseUrl": "./src",
    "paths": { "@shared/*": ["shared/*"], "~db": ["shared/db/index.ts"], },
  },
}
"""
    route = (
        "import { loadCurioStatus } from '@shared/curios';\nimport { q } from '~db';\n"
        "export default { fetch(r, env) { loadCurioStatus(env.DB, 't'); q(env.DB); } };\n"
    )
    result = scan(
        tmp_path,
        {
            "worker/tsconfig.json": tsconfig,
            "worker/src/shared/curios.ts": HELPER,
            "worker/src/shared/db/index.ts": "export const q = (db) => db.prepare('SELECT 1');\n",
            "worker/src/index.ts": route,
        },
    )
    reached = {site.function: [use.binding for use in site.bindings] for site in result.call_sites}
    assert reached["loadCurioStatus"] == ["DB"]
    assert reached["q"] == ["DB"]


def test_an_unresolvable_import_leaves_the_parameter_unresolved(tmp_path: Path) -> None:
    result = scan(
        tmp_path,
        {
            "lib.ts": HELPER,
            "a.ts": "import { loadCurioStatus } from 'some-package';\nloadCurioStatus(env.DB, 't');\n",
        },
    )
    assert all(site.bindings == () for site in result.call_sites)


def test_batch_statements_are_reported_once_each(tmp_path: Path) -> None:
    text = (
        "export default {\n  async fetch(r, env) {\n    await env.DB.batch([\n"
        "      env.DB.prepare('INSERT INTO a (x) VALUES (?)').bind(1),\n"
        "      env.DB.prepare('UPDATE b SET y = 1'),\n    ]);\n"
        "    return env.DB.prepare('SELECT * FROM a').bind(1).first();\n  },\n};\n"
    )
    result = scan(tmp_path, {"a.ts": text})
    assert [(site.method, site.sql) for site in result.call_sites] == [
        (CallMethod.BATCH, "INSERT INTO a (x) VALUES (?)"),
        (CallMethod.BATCH, "UPDATE b SET y = 1"),
        (CallMethod.PREPARE, "SELECT * FROM a"),
    ]
    assert result.call_sites[0].position == position(tmp_path, "a.ts", text, "prepare")


def test_which_unresolved_receivers_are_reported(tmp_path: Path) -> None:
    text = (
        "export function run(cache, userDb, database, thing, re, line) {\n"
        "  cache.prepare(key);\n"  # not a database by name nor SQL: another library
        "  userDb.prepare(query);\n"  # a database by name
        "  database.exec(query);\n"
        "  thing.prepare('select 1');\n"  # SQL
        "  re.exec(line);\n"  # a regular expression
        "  getDb().prepare('x');\n"  # a database by the callee's name
        "}\n"
    )
    result = scan(tmp_path, {"a.ts": text})
    assert [(site.position.line, site.bindings) for site in result.call_sites] == [
        (3, ()),
        (4, ()),
        (5, ()),
        (7, ()),
    ]
    assert all(site.unresolved for site in result.call_sites)
    assert "the receiver `getDb()`" in (result.call_sites[3].unresolved or "")


def test_kit_files_lib_svelte_ts_modules_and_a_malformed_tsconfig(tmp_path: Path) -> None:
    route = "import { q } from '$lib/store.svelte';\nexport const load = ({ platform }) => q(platform.env.DB);\n"
    result = scan(
        tmp_path,
        {
            "svelte.config.js": "export default { kit: { files: { lib: 'app/lib' } } };\n",
            "tsconfig.json": '{ "compilerOptions": { "paths": { ',
            "app/lib/store.svelte.ts": "export function q(db) { return db.prepare('SELECT 1'); }\n",
            "src/routes/+page.server.ts": route,
        },
    )
    (site,) = result.call_sites
    assert [use.binding for use in site.bindings] == ["DB"]
    assert [Path(problem.position.path).name for problem in result.problems] == ["tsconfig.json"]
