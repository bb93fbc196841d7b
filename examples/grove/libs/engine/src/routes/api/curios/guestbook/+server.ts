import { error, json } from '@sveltejs/kit';
import { listApprovedEntries, loadGuestbookConfig } from '$curios/guestbook';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async ({ platform, locals, url }) => {
	if (!platform) error(503, 'Database unavailable');
	const db = locals.db ?? platform.env.DB;

	const config = await loadGuestbookConfig(db, locals.tenantId);
	if (!config?.enabled) error(404, 'This grove has no guestbook.');

	const page = Math.max(1, Number(url.searchParams.get('page') ?? '1'));
	const entries = await listApprovedEntries(db, locals.tenantId, page, config.entries_per_page);
	return json({ style: config.style, prompt: config.custom_prompt, entries });
};

async function hashIp(ip: string): Promise<string> {
	const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`guestbook:${ip}`));
	return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

export const POST: RequestHandler = async ({ platform, locals, request, getClientAddress }) => {
	if (!platform) error(503, 'Database unavailable');
	const db = locals.db ?? platform.env.DB;

	const config = await loadGuestbookConfig(db, locals.tenantId);
	if (!config?.enabled) error(404, 'This grove has no guestbook.');

	const { name, message, emoji } = (await request.json()) as { name?: string; message: string; emoji?: string };
	if (!message || message.length > config.max_message_length) error(400, 'Messages must be short and sweet.');

	const ipHash = await hashIp(getClientAddress());
	const recent = await db
		.prepare('SELECT COUNT(*) AS n FROM guestbook_entries WHERE tenant_id = ? AND ip_hash = ? AND created_at > unixepoch() - 3600')
		.bind(locals.tenantId, ipHash)
		.first<{ n: number }>();
	if ((recent?.n ?? 0) >= 3) error(429, 'You have signed this guestbook plenty for one hour.');

	const id = crypto.randomUUID();
	await db
		.prepare(
			`INSERT INTO guestbook_entries (id, tenant_id, name, message, emoji, approved, ip_hash)
			 VALUES (?, ?, ?, ?, ?, ?, ?)`
		)
		.bind(
			id,
			locals.tenantId,
			name?.trim() || 'Anonymous Wanderer',
			message,
			config.allow_emoji ? (emoji ?? null) : null,
			config.require_approval ? 0 : 1,
			ipHash
		)
		.run();

	return json({ id, pending: config.require_approval === 1 }, { status: 201 });
};
