import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ platform, locals, url }) => {
	const query = url.searchParams.get('q')?.trim() ?? '';
	if (query.length < 2) return { query, results: [] };

	// FTS5 external-content table: posts_fts shares the rowid of posts.
	const { results } = await platform!.env.DB.prepare(
		`SELECT p.slug, p.title, snippet(posts_fts, 2, '<mark>', '</mark>', '…', 24) AS excerpt
		 FROM posts_fts
		 JOIN posts AS p ON p.rowid = posts_fts.rowid
		 WHERE posts_fts MATCH ? AND p.tenant_id = ? AND p.status = 'published'
		 ORDER BY rank
		 LIMIT 20`
	)
		.bind(query, locals.tenantId)
		.all<{ slug: string; title: string; excerpt: string }>();

	return { query, results };
};
