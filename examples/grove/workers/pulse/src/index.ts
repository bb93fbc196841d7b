import { api } from './api';
import type { Env, PulseEventInput } from './env';

export { PulseBuffer } from './buffer';

const RETENTION_DAYS = 90;
const EVENT_TYPES = new Set(['push', 'pull_request', 'issues', 'release', 'workflow_run', 'star', 'fork']);

async function verifySignature(secret: string, body: string, signature: string | null): Promise<boolean> {
	if (!signature?.startsWith('sha256=')) return false;
	const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
		'sign'
	]);
	const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(body));
	const hex = [...new Uint8Array(mac)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
	return hex === signature.slice('sha256='.length);
}

function toEvent(tenantId: string, deliveryId: string, eventType: string, payload: any): PulseEventInput {
	return {
		id: crypto.randomUUID(),
		tenantId,
		deliveryId,
		eventType,
		action: payload.action ?? null,
		repoName: payload.repository?.name ?? 'unknown',
		repoFullName: payload.repository?.full_name ?? 'unknown',
		actor: payload.sender?.login ?? null,
		title: payload.pull_request?.title ?? payload.issue?.title ?? payload.release?.name ?? payload.head_commit?.message ?? null,
		ref: payload.ref ?? null,
		data: {
			commits: payload.commits?.length ?? 0,
			additions: payload.pull_request?.additions ?? 0,
			deletions: payload.pull_request?.deletions ?? 0,
			merged: payload.pull_request?.merged ? 1 : 0,
			conclusion: payload.workflow_run?.conclusion ?? null
		},
		occurredAt: Math.floor(Date.now() / 1000)
	};
}

/** Rolls the events of one UTC day into pulse_daily_stats, one row per tenant and repository. */
async function rollupDay(env: Env, day: string): Promise<number> {
	const start = Math.floor(Date.parse(`${day}T00:00:00Z`) / 1000);
	const { results } = await env.DB.prepare(
		`SELECT tenant_id, repo_name,
		        SUM(CASE WHEN event_type = 'push' THEN json_extract(data, '$.commits') ELSE 0 END) AS commits,
		        SUM(json_extract(data, '$.additions')) AS lines_added,
		        SUM(json_extract(data, '$.deletions')) AS lines_removed,
		        SUM(event_type = 'pull_request' AND action = 'opened') AS prs_opened,
		        SUM(event_type = 'pull_request' AND action = 'closed' AND json_extract(data, '$.merged') = 1) AS prs_merged,
		        SUM(event_type = 'issues' AND action = 'opened') AS issues_opened,
		        SUM(event_type = 'issues' AND action = 'closed') AS issues_closed,
		        SUM(event_type = 'release' AND action = 'published') AS releases,
		        SUM(event_type = 'workflow_run' AND action = 'completed') AS ci_runs,
		        SUM(event_type = 'workflow_run' AND json_extract(data, '$.conclusion') = 'failure') AS ci_failures
		 FROM pulse_events
		 WHERE occurred_at >= ? AND occurred_at < ? + 86400
		 GROUP BY tenant_id, repo_name`
	)
		.bind(start, start)
		.all<Record<string, number | string>>();
	if (results.length === 0) return 0;

	const upsert = env.DB.prepare(
		`INSERT INTO pulse_daily_stats
		   (id, tenant_id, date, repo_name, commits, lines_added, lines_removed, prs_opened, prs_merged,
		    issues_opened, issues_closed, releases, ci_runs, ci_failures)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		 ON CONFLICT (tenant_id, date, repo_name) DO UPDATE SET
		   commits = excluded.commits, lines_added = excluded.lines_added, lines_removed = excluded.lines_removed,
		   prs_opened = excluded.prs_opened, prs_merged = excluded.prs_merged,
		   issues_opened = excluded.issues_opened, issues_closed = excluded.issues_closed,
		   releases = excluded.releases, ci_runs = excluded.ci_runs, ci_failures = excluded.ci_failures,
		   updated_at = unixepoch()`
	);
	await env.DB.batch(
		results.map((row) =>
			upsert.bind(
				crypto.randomUUID(),
				row.tenant_id,
				day,
				row.repo_name,
				row.commits,
				row.lines_added,
				row.lines_removed,
				row.prs_opened,
				row.prs_merged,
				row.issues_opened,
				row.issues_closed,
				row.releases,
				row.ci_runs,
				row.ci_failures
			)
		)
	);
	return results.length;
}

/** Daily retention: pulse_events lives in grove-engine-db until the split moves it to the curios database. */
async function pruneOldEvents(env: Env): Promise<void> {
	const cutoff = Math.floor(Date.now() / 1000) - RETENTION_DAYS * 86400;
	await env.DB.prepare('DELETE FROM pulse_events WHERE occurred_at < ?').bind(cutoff).run();
}

export default {
	async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
		const url = new URL(request.url);
		if (url.pathname.startsWith('/api/')) return api.fetch(request, env, ctx);

		const match = url.pathname.match(/^\/webhook\/([\w-]+)$/);
		if (request.method !== 'POST' || !match) return new Response('Not found', { status: 404 });

		const body = await request.text();
		if (!(await verifySignature(env.GITHUB_WEBHOOK_SECRET, body, request.headers.get('x-hub-signature-256')))) {
			return new Response('Bad signature', { status: 401 });
		}
		const eventType = request.headers.get('x-github-event') ?? '';
		const deliveryId = request.headers.get('x-github-delivery') ?? crypto.randomUUID();
		if (!EVENT_TYPES.has(eventType)) return new Response(null, { status: 204 });

		const tenantId = match[1];
		const buffer = env.PULSE_BUFFER.get(env.PULSE_BUFFER.idFromName(tenantId));
		return buffer.fetch('https://pulse/buffer', {
			method: 'POST',
			body: JSON.stringify(toEvent(tenantId, deliveryId, eventType, JSON.parse(body)))
		});
	},

	async scheduled(event: ScheduledEvent, env: Env, ctx: ExecutionContext): Promise<void> {
		if (event.cron === '30 3 * * *') {
			ctx.waitUntil(pruneOldEvents(env));
			// Yesterday's late deliveries.
			await rollupDay(env, new Date(event.scheduledTime - 86400_000).toISOString().slice(0, 10));
			return;
		}
		await rollupDay(env, new Date(event.scheduledTime).toISOString().slice(0, 10));
	}
} satisfies ExportedHandler<Env>;
