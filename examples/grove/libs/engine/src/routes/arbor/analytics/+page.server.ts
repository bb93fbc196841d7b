import type { PageServerLoad } from './$types';

/** Arbor analytics: which posts are read most, by the hit counter on each post's page. */
export const load: PageServerLoad = async ({ platform, locals }) => {
	const db = platform?.env?.DB;

	const topPosts = await db
		?.prepare(
			`SELECT p.slug, p.title, p.published_at, h.count AS hits, h.started_at AS counting_since
			 FROM posts AS p
			 JOIN hit_counters AS h ON h.tenant_id = p.tenant_id AND h.page_path = '/' || p.slug
			 WHERE p.tenant_id = ? AND p.status = 'published'
			 ORDER BY h.count DESC
			 LIMIT 10`
		)
		.bind(locals.tenantId)
		.all<{ slug: string; title: string; published_at: number | null; hits: number; counting_since: number }>();

	const reactions = await db
		?.prepare(
			`SELECT reaction, COUNT(*) AS n
			 FROM post_reactions
			 WHERE tenant_id = ? AND created_at > unixepoch() - 30 * 86400
			 GROUP BY reaction
			 ORDER BY n DESC`
		)
		.bind(locals.tenantId)
		.all<{ reaction: string; n: number }>();

	return { topPosts: topPosts?.results ?? [], reactions: reactions?.results ?? [] };
};
