/** Reads of published posts, imported as `@grove/db/posts` (see tsconfig.json and vite.config.ts). */

export interface PostSummary {
	id: string;
	slug: string;
	title: string;
	description: string | null;
	tags: string;
	featured_image: string | null;
	reading_time_minutes: number;
	published_at: number;
}

export async function listPublishedPosts(db: D1Database, tenantId: string, limit = 10): Promise<PostSummary[]> {
	const { results } = await db
		.prepare(
			`SELECT id, slug, title, description, tags, featured_image, reading_time_minutes, published_at
			 FROM published_posts
			 WHERE tenant_id = ?
			 ORDER BY published_at DESC
			 LIMIT ?`
		)
		.bind(tenantId, limit)
		.all<PostSummary>();
	return results;
}

export async function countPublishedPosts(db: D1Database, tenantId: string): Promise<number> {
	const row = await db
		.prepare("SELECT COUNT(*) AS n FROM posts WHERE tenant_id = ? AND status = 'published'")
		.bind(tenantId)
		.first<{ n: number }>();
	return row?.n ?? 0;
}
