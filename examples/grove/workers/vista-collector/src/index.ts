/**
 * vista-collector writes the observability_* tables (grove-observability-db, binding OBS_DB).
 * Only this worker writes them; the Vista pages of the engine's arbor read them.
 */

interface Env {
	OBS_DB: D1Database;
	CF_ACCOUNT_ID: string;
	CF_API_TOKEN: string;
	HEALTH_TARGETS: string;
}

interface HealthResult {
	service: string;
	endpoint: string;
	status: number | null;
	ms: number | null;
	healthy: boolean;
	error: string | null;
}

interface D1Usage {
	databaseName: string;
	databaseId: string;
	sizeBytes: number;
	rowsRead: number;
	rowsWritten: number;
	queries: number;
}

const RETENTION_SECONDS = 90 * 86400;
const D1_READ_COST_PER_MILLION = 0.001;
const D1_WRITE_COST_PER_MILLION = 1.0;
const PRICING_VERSION = '2025-01';

function parseTargets(raw: string): { service: string; endpoint: string }[] {
	return raw
		.split(',')
		.map((pair) => pair.split('='))
		.filter((parts) => parts.length === 2)
		.map(([service, endpoint]) => ({ service, endpoint }));
}

async function probe(service: string, endpoint: string): Promise<HealthResult> {
	const started = Date.now();
	try {
		const response = await fetch(endpoint, { method: 'GET', signal: AbortSignal.timeout(5000) });
		return { service, endpoint, status: response.status, ms: Date.now() - started, healthy: response.ok, error: null };
	} catch (err) {
		return { service, endpoint, status: null, ms: null, healthy: false, error: String(err) };
	}
}

async function recordHealthChecks(db: D1Database, results: HealthResult[]): Promise<void> {
	const insert = db.prepare(
		`INSERT INTO observability_health_checks (service_name, endpoint, status_code, response_time_ms, is_healthy, error_message)
		 VALUES (?, ?, ?, ?, ?, ?)`
	);
	await db.batch(
		results.map((r) => insert.bind(r.service, r.endpoint, r.status, r.ms, r.healthy ? 1 : 0, r.error))
	);
	const healthy = results.filter((r) => r.healthy).length;
	await db
		.prepare("INSERT INTO observability_metrics (service_name, metric_type, value, unit) VALUES ('platform', 'healthy_endpoints', ?, 'count')")
		.bind(healthy)
		.run();
}

async function fetchD1Usage(env: Env): Promise<D1Usage[]> {
	const response = await fetch(`https://api.cloudflare.com/client/v4/accounts/${env.CF_ACCOUNT_ID}/d1/database`, {
		headers: { Authorization: `Bearer ${env.CF_API_TOKEN}` }
	});
	const body = (await response.json()) as { result: { name: string; uuid: string; file_size: number }[] };
	return body.result.map((db) => ({
		databaseName: db.name,
		databaseId: db.uuid,
		sizeBytes: db.file_size,
		rowsRead: 0,
		rowsWritten: 0,
		queries: 0
	}));
}

async function recordD1Stats(db: D1Database, usage: D1Usage[]): Promise<void> {
	const insert = db.prepare(
		`INSERT INTO observability_d1_stats (database_name, database_id, size_bytes, rows_read, rows_written, query_count)
		 VALUES (?, ?, ?, ?, ?, ?)`
	);
	await db.batch(usage.map((u) => insert.bind(u.databaseName, u.databaseId, u.sizeBytes, u.rowsRead, u.rowsWritten, u.queries)));
}

/** Fires an alert for every enabled threshold whose latest metric crosses it (once per open alert). */
async function evaluateAlerts(db: D1Database): Promise<number> {
	const { results } = await db
		.prepare(
			`SELECT t.id, t.service_name, t.metric_type, t.warning_value, t.critical_value, t.direction, m.value
			 FROM observability_alert_thresholds AS t
			 JOIN observability_metrics AS m
			   ON m.service_name = t.service_name AND m.metric_type = t.metric_type
			 WHERE t.enabled = 1
			   AND m.recorded_at = (
			     SELECT MAX(recorded_at) FROM observability_metrics
			     WHERE service_name = t.service_name AND metric_type = t.metric_type)
			   AND NOT EXISTS (
			     SELECT 1 FROM observability_alerts AS a WHERE a.threshold_id = t.id AND a.resolved_at IS NULL)`
		)
		.all<{
			id: string;
			service_name: string;
			metric_type: string;
			warning_value: number | null;
			critical_value: number | null;
			direction: 'above' | 'below';
			value: number;
		}>();

	const crossed = (limit: number | null, value: number, direction: 'above' | 'below') =>
		limit !== null && (direction === 'above' ? value > limit : value < limit);

	const alerts = results.flatMap((row) => {
		const severity = crossed(row.critical_value, row.value, row.direction)
			? 'critical'
			: crossed(row.warning_value, row.value, row.direction)
				? 'warning'
				: null;
		if (!severity) return [];
		const limit = severity === 'critical' ? row.critical_value : row.warning_value;
		return [
			db
				.prepare(
					`INSERT INTO observability_alerts (id, threshold_id, service_name, alert_type, severity, title, message, metric_value, threshold_value)
					 VALUES (?, ?, ?, 'threshold', ?, ?, ?, ?, ?)`
				)
				.bind(
					crypto.randomUUID(),
					row.id,
					row.service_name,
					severity,
					`${row.service_name}: ${row.metric_type} ${row.direction} ${limit}`,
					`Latest value ${row.value}`,
					row.value,
					limit
				)
		];
	});
	if (alerts.length) await db.batch(alerts);
	return alerts.length;
}

async function estimateDailyCosts(db: D1Database, day: string): Promise<void> {
	const usage = await db
		.prepare(
			`SELECT database_name, MAX(rows_read) - MIN(rows_read) AS rows_read, MAX(rows_written) - MIN(rows_written) AS rows_written
			 FROM observability_d1_stats
			 WHERE date(recorded_at, 'unixepoch') = ?
			 GROUP BY database_name`
		)
		.bind(day)
		.all<{ database_name: string; rows_read: number; rows_written: number }>();

	const upsert = db.prepare(
		`INSERT INTO observability_daily_costs (id, date, service_name, resource_type, usage_amount, estimated_cost_usd, pricing_version)
		 VALUES (?, ?, ?, 'd1', ?, ?, ?)
		 ON CONFLICT (date, service_name, resource_type) DO UPDATE SET
		   usage_amount = excluded.usage_amount,
		   estimated_cost_usd = excluded.estimated_cost_usd,
		   pricing_version = excluded.pricing_version`
	);
	await db.batch(
		usage.results.map((row) =>
			upsert.bind(
				`${day}:${row.database_name}:d1`,
				day,
				row.database_name,
				row.rows_read + row.rows_written,
				(row.rows_read / 1e6) * D1_READ_COST_PER_MILLION + (row.rows_written / 1e6) * D1_WRITE_COST_PER_MILLION,
				PRICING_VERSION
			)
		)
	);
}

async function applyRetention(db: D1Database, now: number): Promise<void> {
	const cutoff = now - RETENTION_SECONDS;
	await db.batch([
		db.prepare('DELETE FROM observability_metrics WHERE recorded_at < ?').bind(cutoff),
		db.prepare('DELETE FROM observability_health_checks WHERE checked_at < ?').bind(cutoff),
		db.prepare('DELETE FROM observability_d1_stats WHERE recorded_at < ?').bind(cutoff),
		db.prepare('DELETE FROM observability_collection_log WHERE started_at < ?').bind(cutoff),
		db.prepare('DELETE FROM observability_alerts WHERE resolved_at IS NOT NULL AND resolved_at < ?').bind(cutoff)
	]);
}

export default {
	async scheduled(event: ScheduledEvent, env: Env, ctx: ExecutionContext): Promise<void> {
		const db = env.OBS_DB;
		const runId = crypto.randomUUID();
		const started = Date.now();
		const collectors: string[] = [];
		const errors: string[] = [];

		await db.prepare("INSERT INTO observability_collection_log (id, status) VALUES (?, 'running')").bind(runId).run();

		const steps: [string, () => Promise<unknown>][] =
			event.cron === '15 0 * * *'
				? [
						['costs', () => estimateDailyCosts(db, new Date(event.scheduledTime - 86400_000).toISOString().slice(0, 10))],
						['retention', () => applyRetention(db, Math.floor(event.scheduledTime / 1000))]
					]
				: [
						['health', async () => recordHealthChecks(db, await Promise.all(parseTargets(env.HEALTH_TARGETS).map((t) => probe(t.service, t.endpoint))))],
						['d1', async () => recordD1Stats(db, await fetchD1Usage(env))],
						['alerts', () => evaluateAlerts(db)]
					];

		for (const [name, step] of steps) {
			try {
				await step();
				collectors.push(name);
			} catch (err) {
				errors.push(`${name}: ${String(err)}`);
			}
		}

		const status = errors.length === 0 ? 'success' : collectors.length === 0 ? 'failed' : 'partial';
		ctx.waitUntil(
			db
				.prepare(
					`UPDATE observability_collection_log
					 SET completed_at = unixepoch(), status = ?, collectors_run = ?, errors = ?, duration_ms = ?
					 WHERE id = ?`
				)
				.bind(status, JSON.stringify(collectors), errors.length ? JSON.stringify(errors) : null, Date.now() - started, runId)
				.run()
		);
	},

	async fetch(_request: Request, env: Env): Promise<Response> {
		const last = await env.OBS_DB.prepare(
			'SELECT started_at, completed_at, status, duration_ms FROM observability_collection_log ORDER BY started_at DESC LIMIT 1'
		).first();
		return Response.json({ ok: true, lastRun: last });
	}
} satisfies ExportedHandler<Env>;
