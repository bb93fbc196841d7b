import { error } from '@sveltejs/kit';
import { loadCurioStatus } from '$lib/curios/status';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async ({ platform, locals }) => {
	if (!platform) error(503, 'The grove is resting. Try again in a moment.');

	const [curios, settings] = await Promise.all([
		loadCurioStatus(platform.env.DB, locals.tenantId),
		platform.env.DB.prepare('SELECT setting_key, setting_value FROM site_settings WHERE tenant_id = ?')
			.bind(locals.tenantId)
			.all<{ setting_key: string; setting_value: string | null }>()
	]);

	const nav = await platform.env.DB.prepare(
		'SELECT slug, title FROM pages WHERE tenant_id = ? AND show_in_nav = 1 ORDER BY nav_order'
	)
		.bind(locals.tenantId)
		.all<{ slug: string; title: string }>();

	return {
		tenant: locals.tenant,
		user: locals.user,
		curios,
		settings: Object.fromEntries(settings.results.map((row) => [row.setting_key, row.setting_value])),
		nav: nav.results
	};
};
