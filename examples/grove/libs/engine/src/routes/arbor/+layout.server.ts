import { redirect } from '@sveltejs/kit';
import type { LayoutServerLoad } from './$types';

/** Arbor is the admin area: gardeners only. Loads the feature flags that shape its menus. */
export const load: LayoutServerLoad = async ({ platform, locals, url }) => {
	if (!locals.user?.is_admin) redirect(303, `/login?next=${encodeURIComponent(url.pathname)}`);

	const flags = await platform?.env?.DB.prepare(
		'SELECT id, flag_type, default_value, rollout_percent FROM feature_flags WHERE enabled = 1'
	)
		.all<{ id: string; flag_type: string; default_value: string; rollout_percent: number }>()
		.catch(() => null);

	const billing = await platform?.env?.DB.prepare(
		'SELECT plan, status, current_period_end, cancel_at_period_end FROM platform_billing WHERE tenant_id = ?'
	)
		.bind(locals.tenantId)
		.first<{ plan: string; status: string; current_period_end: number | null; cancel_at_period_end: number }>();

	return { flags: flags?.results ?? [], billing };
};
