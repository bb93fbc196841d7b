/** Guestbook reads shared by the public widget API and the arbor moderation page. */

export interface GuestbookConfig {
	enabled: number;
	style: string;
	entries_per_page: number;
	require_approval: number;
	allow_emoji: number;
	max_message_length: number;
	custom_prompt: string | null;
}

export interface GuestbookEntry {
	id: string;
	name: string;
	message: string;
	emoji: string | null;
	created_at: number;
}

export async function loadGuestbookConfig(db: D1Database, tenantId: string): Promise<GuestbookConfig | null> {
	return db
		.prepare(
			`SELECT enabled, style, entries_per_page, require_approval, allow_emoji, max_message_length, custom_prompt
			 FROM guestbook_config
			 WHERE tenant_id = ?`
		)
		.bind(tenantId)
		.first<GuestbookConfig>();
}

export async function listApprovedEntries(
	db: D1Database,
	tenantId: string,
	page: number,
	perPage: number
): Promise<GuestbookEntry[]> {
	const { results } = await db
		.prepare(
			`SELECT id, name, message, emoji, created_at
			 FROM guestbook_entries
			 WHERE tenant_id = ? AND approved = 1
			 ORDER BY created_at DESC
			 LIMIT ? OFFSET ?`
		)
		.bind(tenantId, perPage, (page - 1) * perPage)
		.all<GuestbookEntry>();
	return results;
}
