"""A generated SvelteKit-and-workers tree for the code scan's timing and determinism tests."""

from __future__ import annotations

from pathlib import Path

_HELPER = """import type {{ D1Database }} from '@cloudflare/workers-types';

export interface Row{n} {{ id: string; tenant_id: string; name: string; created_at: number }}

export async function load{n}(db: D1Database, tenantId: string): Promise<Row{n}[]> {{
  const sql = `SELECT id, tenant_id, name, created_at FROM table_{t} WHERE tenant_id = ? ORDER BY created_at DESC`;
  const {{ results }} = await db.prepare(sql).bind(tenantId).all<Row{n}>();
  return results.map((row) => ({{ ...row, name: row.name.trim() }}));
}}

export const count{n} = async (db: D1Database, tenantId: string) => {{
  const row = await db
    .prepare('SELECT COUNT(*) AS n FROM table_{t} WHERE tenant_id = ?')
    .bind(tenantId)
    .first<{{ n: number }}>();
  return row?.n ?? 0;
}};

export function label{n}(value: string): string {{
  const parts = value.split('-').map((part) => part.charAt(0).toUpperCase() + part.slice(1));
  return parts.join(' ');
}}
"""

_ROUTE = """import {{ error, json }} from '@sveltejs/kit';
import type {{ RequestHandler }} from './$types';
import {{ load{n}, count{n}, label{n} }} from '$lib/server/helper{n}';

export const GET: RequestHandler = async ({{ platform, url }}) => {{
  const tenant = url.searchParams.get('tenant');
  if (!tenant) throw error(400, 'tenant required');
  const db = platform?.env?.DB as D1Database;
  const rows = await load{n}(platform.env.DB, tenant);
  const total = await count{n}(db, tenant);
  const recent = await db.prepare(`SELECT id FROM table_{t} WHERE tenant_id = ${{tenant}} LIMIT 5`).all();
  await db.batch([
    db.prepare('UPDATE table_{t} SET seen = 1 WHERE tenant_id = ?').bind(tenant),
    db.prepare('INSERT INTO audit_{t} (tenant_id) VALUES (?)').bind(tenant),
  ]);
  return json({{ rows, total, recent: recent.results, label: label{n}(tenant) }});
}};
"""

_COMPONENT = """<script lang="ts">
  import {{ onMount }} from 'svelte';
  export let items: string[] = [];
  let filter = '';
  $: shown = items.filter((item) => item.includes(filter));
  onMount(() => {{ console.log('mounted {n}'); }});
</script>

<input bind:value={{filter}} />
<ul>{{#each shown as item}}<li>{{item}}</li>{{/each}}</ul>
"""

_WORKER = """export default {{
  async fetch(request: Request, env: Env): Promise<Response> {{
    const {{ DB }} = env;
    const url = new URL(request.url);
    const row = await DB.prepare('SELECT value FROM settings_{t} WHERE key = ?').bind(url.pathname).first();
    return new Response(JSON.stringify(row));
  }},
}};
"""

_UTIL = """export function format{n}(value: number, digits = 2): string {{
  return value.toFixed(digits).replace(/\\.0+$/, '');
}}

export const pattern{n} = /^[a-z]+-{n}$/;

export function matches{n}(value: string): boolean {{
  return pattern{n}.exec(value) !== null;
}}
"""


def generate_code_tree(root: Path, files: int) -> Path:
    """`files` source files below `root` (a SvelteKit app and workers); returns `root`."""
    app = root / "apps" / "site"
    (app / "src" / "lib" / "server").mkdir(parents=True, exist_ok=True)
    (app / "svelte.config.js").write_text("export default { kit: { alias: { $server: 'src/lib/server' } } };\n")
    (app / "wrangler.toml").write_text('name = "site"\n\n[[d1_databases]]\nbinding = "DB"\ndatabase_name = "engine"\n')
    written = 1  # svelte.config.js
    n = 0
    while written < files:
        t = n % 40
        kinds = [
            (app / "src" / "lib" / "server" / f"helper{n}.ts", _HELPER),
            (app / "src" / "routes" / f"r{n}" / "+server.ts", _ROUTE),
            (app / "src" / "lib" / "components" / f"C{n}.svelte", _COMPONENT),
            (app / "src" / "lib" / "util" / f"util{n}.ts", _UTIL),
            (root / "workers" / f"w{n // 50}" / "src" / f"worker{n}.ts", _WORKER),
        ]
        for path, template in kinds:
            if written >= files:
                break
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(template.format(n=n, t=t))
            written += 1
        if n % 50 == 0:
            worker = root / "workers" / f"w{n // 50}"
            worker.mkdir(parents=True, exist_ok=True)
            (worker / "wrangler.jsonc").write_text(
                '{\n  // worker\n  "d1_databases": [{ "binding": "DB", "database_name": "curios", },],\n}\n'
            )
        n += 1
    return root


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Write `files` (relative path -> text) below `root`."""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def at(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """The 1-based (line, column) of the `nth` occurrence of `needle` in `text`."""
    offset = -1
    for _ in range(nth + 1):
        offset = text.index(needle, offset + 1)
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1
