import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';

const DAY = 86400;

/** Vista: platform health from the observability database (written by workers/vista-collector). */
export const load: PageServerLoad = async ({ platform, locals }) => {
	if (!locals.user?.is_admin) error(403, 'Vista is for the grove keepers.');
	const obs = platform?.env?.OBS_DB;
	if (!obs) error(503, 'Observability database unavailable');

	const [health, alerts, costs, lastRun] = await obs.batch<Record<string, unknown>>([
		obs.prepare(
			`SELECT service_name, endpoint, status_code, response_time_ms, is_healthy, MAX(checked_at) AS checked_at
			 FROM observability_health_checks
			 WHERE checked_at > unixepoch() - ${DAY}
			 GROUP BY service_name, endpoint`
		),
		obs.prepare(
			`SELECT id, service_name, severity, title, message, metric_value, threshold_value, triggered_at
			 FROM observability_alerts
			 WHERE resolved_at IS NULL
			 ORDER BY triggered_at DESC`
		),
		obs.prepare(
			`SELECT date, resource_type, SUM(estimated_cost_usd) AS cost_usd
			 FROM observability_daily_costs
			 WHERE date >= date('now', '-30 days')
			 GROUP BY date, resource_type
			 ORDER BY date`
		),
		obs.prepare(
			'SELECT started_at, completed_at, status, collectors_run, errors, duration_ms FROM observability_collection_log ORDER BY started_at DESC LIMIT 1'
		)
	]);

	return { health: health.results, alerts: alerts.results, costs: costs.results, lastRun: lastRun.results[0] ?? null };
};
