import { error, json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';

const SORTABLE: Record<string, string> = {
	recent: 'updated_at',
	published: 'published_at',
	title: 'title',
	length: 'word_count'
};

/** Arbor post list: filter by status and tag, sort by a whitelisted column. */
export const GET: RequestHandler = async ({ platform, locals, url }) => {
	if (!locals.user?.is_admin) error(403, 'Only the gardener may look behind the hedge.');
	const db = platform?.env?.DB;
	if (!db) error(503, 'Database unavailable');

	const status = url.searchParams.get('status');
	const tag = url.searchParams.get('tag');
	const sortColumn = SORTABLE[url.searchParams.get('sort') ?? 'recent'] ?? 'updated_at';

	let sql = 'SELECT id, slug, title, status, word_count, published_at, updated_at FROM posts WHERE tenant_id = ?';
	const params: unknown[] = [locals.tenantId];
	if (status) {
		sql += ' AND status = ?';
		params.push(status);
	}
	if (tag) {
		sql += ' AND EXISTS (SELECT 1 FROM json_each(posts.tags) WHERE json_each.value = ?)';
		params.push(tag);
	}
	sql += ' ORDER BY ' + sortColumn + (sortColumn === 'title' ? ' ASC' : ' DESC') + ' LIMIT 50';

	const { results } = await db.prepare(sql).bind(...params).all();
	return json(results);
};

interface NewPost {
	slug: string;
	title: string;
	description?: string;
	markdown: string;
	tags?: string[];
}

/** Creates a draft: the post, its first revision, the tenant's counter and an audit entry, atomically. */
export const POST: RequestHandler = async ({ platform, locals, request }) => {
	if (!locals.user?.is_admin) error(403, 'Only the gardener may plant new posts.');
	const db = locals.db ?? platform?.env?.DB;
	if (!db) error(503, 'Database unavailable');

	const body = (await request.json()) as NewPost;
	const id = crypto.randomUUID();
	const words = body.markdown.split(/\s+/).filter(Boolean).length;

	await db.batch([
		db
			.prepare(
				`INSERT INTO posts (id, tenant_id, slug, title, description, markdown_content, tags, word_count, reading_time_minutes)
				 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
			)
			.bind(
				id,
				locals.tenantId,
				body.slug.toLowerCase(),
				body.title,
				body.description ?? null,
				body.markdown,
				JSON.stringify(body.tags ?? []),
				words,
				Math.max(1, Math.round(words / 220))
			),
		db
			.prepare(
				'INSERT INTO post_revisions (id, post_id, tenant_id, revision_number, title, markdown_content) VALUES (?, ?, ?, 1, ?, ?)'
			)
			.bind(crypto.randomUUID(), id, locals.tenantId, body.title, body.markdown),
		db
			.prepare('UPDATE tenants SET post_count = post_count + 1, updated_at = unixepoch() WHERE id = ?')
			.bind(locals.tenantId),
		db
			.prepare(
				`INSERT INTO audit_log (id, tenant_id, actor_id, actor_email, action, target_type, target_id)
				 VALUES (?, ?, ?, ?, 'post.create', 'post', ?)`
			)
			.bind(crypto.randomUUID(), locals.tenantId, locals.user.id, locals.user.email, id)
	]);

	return json({ id }, { status: 201 });
};
