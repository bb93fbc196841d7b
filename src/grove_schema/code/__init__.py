"""The code side of a D1 estate: the wrangler configs' D1 bindings and the TypeScript/JavaScript
call sites (`env.DB.prepare(sql)`) that reach each database, and the audit of both against the
replayed schema and the ownership map."""
