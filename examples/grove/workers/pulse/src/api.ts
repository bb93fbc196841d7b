import { Hono } from 'hono';
import type { Env } from './env';

/** Read API for the Pulse widget on tenant blogs. */
export const api = new Hono<{ Bindings: Env }>();

api.get('/api/pulse/:tenantId/today', async (c) => {
	const today = new Date().toISOString().slice(0, 10);
	const stats = await c.env.DB.prepare(
		`SELECT commits, lines_added, lines_removed, prs_opened, prs_merged, issues_opened, issues_closed, releases, ci_runs, ci_failures
		 FROM pulse_daily_stats
		 WHERE tenant_id = ? AND date = ? AND repo_name = '_all'`
	)
		.bind(c.req.param('tenantId'), today)
		.first();
	return c.json(stats ?? { commits: 0 });
});

api.get('/api/pulse/:tenantId/recent', async (c) => {
	const limit = Math.min(50, Number(c.req.query('limit') ?? '20'));
	const { results } = await c.env.DB.prepare(
		`SELECT event_type, action, repo_name, actor, title, ref, occurred_at
		 FROM pulse_events
		 WHERE tenant_id = ?
		 ORDER BY occurred_at DESC
		 LIMIT ?`
	)
		.bind(c.req.param('tenantId'), limit)
		.all();
	return c.json(results);
});
