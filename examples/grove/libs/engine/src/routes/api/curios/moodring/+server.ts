import { error, json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';

/** The mood log under the ring covers the last two weeks at most. */
const LOG_WINDOW_SECONDS = 14 * 24 * 60 * 60;

interface MoodRingConfig {
	enabled: number;
	mode: string;
	manual_mood: string | null;
	manual_color: string | null;
	color_scheme: string;
	display_style: string;
	show_mood_log: number;
	mood_log_limit: number;
}

export const GET: RequestHandler = async ({ platform, locals }) => {
	const db = platform?.env?.DB;
	if (!db) error(503, 'Database unavailable');

	const config = await db
		.prepare(
			`SELECT enabled, mode, manual_mood, manual_color, color_scheme, display_style, show_mood_log, mood_log_limit
			 FROM mood_ring_config
			 WHERE tenant_id = ?`
		)
		.bind(locals.tenantId)
		.first<MoodRingConfig>();
	if (!config?.enabled) error(404, 'No mood ring here.');

	const log = config.show_mood_log
		? (
				await db
					.prepare(
						`SELECT mood, color, note, logged_at
						 FROM mood_ring_log
						 WHERE tenant_id = ? AND logged_at > unixepoch() - ${LOG_WINDOW_SECONDS}
						 ORDER BY logged_at DESC
						 LIMIT ?`
					)
					.bind(locals.tenantId, config.mood_log_limit)
					.all<{ mood: string; color: string; note: string | null; logged_at: number }>()
			).results
		: [];

	return json({ config, log });
};

/** The owner logs today's mood; in manual mode it also becomes the ring's colour. */
export const POST: RequestHandler = async ({ platform, locals, request }) => {
	if (!locals.user?.is_admin) error(403, 'Only the gardener sets the mood.');
	const db = platform?.env?.DB;
	if (!db) error(503, 'Database unavailable');

	const { mood, color, note } = (await request.json()) as { mood: string; color: string; note?: string };
	await db.batch([
		db
			.prepare('INSERT INTO mood_ring_log (id, tenant_id, mood, color, note) VALUES (?, ?, ?, ?, ?)')
			.bind(crypto.randomUUID(), locals.tenantId, mood, color, note ?? null),
		db
			.prepare(
				`UPDATE mood_ring_config
				 SET manual_mood = ?, manual_color = ?, updated_at = unixepoch()
				 WHERE tenant_id = ? AND mode = 'manual'`
			)
			.bind(mood, color, locals.tenantId)
	]);
	return json({ ok: true }, { status: 201 });
};
