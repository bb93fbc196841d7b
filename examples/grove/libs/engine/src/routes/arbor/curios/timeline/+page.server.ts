import { error, fail } from '@sveltejs/kit';
import { loadCurioStatus } from '$lib/curios/status';
import type { Actions, PageServerLoad } from './$types';

const VOICES = ['professional', 'quest', 'casual', 'poetic', 'minimal', 'custom'] as const;

export const load: PageServerLoad = async ({ platform, locals }) => {
	const db = platform?.env?.DB;
	if (!db) error(503, 'Database unavailable');

	const [status, config, summaries] = await Promise.all([
		loadCurioStatus(db, locals.tenantId),
		db
			.prepare(
				`SELECT enabled, github_username, voice_preset, custom_system_prompt, repos_include, repos_exclude, timezone,
				        github_token_encrypted IS NOT NULL AS has_github_token,
				        openrouter_key_encrypted IS NOT NULL AS has_openrouter_key
				 FROM timeline_curio_config
				 WHERE tenant_id = ?`
			)
			.bind(locals.tenantId)
			.first(),
		db
			.prepare(
				`SELECT summary_date, brief_summary, commit_count, total_additions, total_deletions, ai_model
				 FROM timeline_summaries
				 WHERE tenant_id = ?
				 ORDER BY summary_date DESC
				 LIMIT 14`
			)
			.bind(locals.tenantId)
			.all()
	]);

	return { status, config, summaries: summaries.results };
};

export const actions: Actions = {
	save: async ({ platform, locals, request }) => {
		const db = platform?.env?.DB;
		if (!db) error(503, 'Database unavailable');
		const form = await request.formData();
		const voice = String(form.get('voice_preset') ?? 'professional');
		if (!VOICES.includes(voice as (typeof VOICES)[number])) return fail(400, { voice, invalid: true });

		await db
			.prepare(
				`INSERT INTO timeline_curio_config (tenant_id, enabled, github_username, voice_preset, custom_system_prompt, timezone)
				 VALUES (?, ?, ?, ?, ?, ?)
				 ON CONFLICT (tenant_id) DO UPDATE SET
				   enabled = excluded.enabled,
				   github_username = excluded.github_username,
				   voice_preset = excluded.voice_preset,
				   custom_system_prompt = excluded.custom_system_prompt,
				   timezone = excluded.timezone,
				   updated_at = unixepoch()`
			)
			.bind(
				locals.tenantId,
				form.get('enabled') === 'on' ? 1 : 0,
				String(form.get('github_username') ?? '') || null,
				voice,
				String(form.get('custom_system_prompt') ?? '') || null,
				String(form.get('timezone') ?? 'America/New_York')
			)
			.run();
		return { saved: true };
	}
};
