import { error, json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';

/** Requests a zip of every post (and optionally every image); the export worker builds it. */
export const POST: RequestHandler = async ({ platform, locals, request }) => {
	if (!locals.user?.is_admin) error(403, 'Only the gardener may pack the grove.');
	if (!platform) error(503, 'Database unavailable');
	const { DB } = platform.env;

	const active = await DB.prepare(
		"SELECT id, status, created_at FROM storage_exports WHERE tenant_id = ? AND status IN ('pending', 'processing')"
	)
		.bind(locals.tenantId)
		.first<{ id: string; status: string; created_at: number }>();
	if (active) return json(active, { status: 409 });

	const { includeImages } = (await request.json()) as { includeImages?: boolean };
	const size = await DB.prepare('SELECT COALESCE(SUM(size_bytes), 0) AS bytes, COUNT(*) AS files FROM media WHERE tenant_id = ?')
		.bind(locals.tenantId)
		.first<{ bytes: number; files: number }>();

	const id = crypto.randomUUID();
	await DB.prepare(
		`INSERT INTO storage_exports (id, tenant_id, user_email, include_images, status, item_counts, updated_at)
		 VALUES (?, ?, ?, ?, 'pending', ?, unixepoch())`
	)
		.bind(id, locals.tenantId, locals.user.email, includeImages === false ? 0 : 1, JSON.stringify({ media: size?.files ?? 0 }))
		.run();

	return json({ id, estimatedBytes: size?.bytes ?? 0 }, { status: 202 });
};

/** Cancels a pending export (the 'cancelled' status arrived with migration 056). */
export const DELETE: RequestHandler = async ({ platform, locals, url }) => {
	if (!locals.user?.is_admin) error(403, 'Only the gardener may cancel an export.');
	const result = await platform?.env?.DB.prepare(
		"UPDATE storage_exports SET status = 'cancelled', updated_at = unixepoch() WHERE id = ? AND tenant_id = ? AND status = 'pending'"
	)
		.bind(url.searchParams.get('id'), locals.tenantId)
		.run();
	return json({ cancelled: (result?.meta.changes ?? 0) > 0 });
};
