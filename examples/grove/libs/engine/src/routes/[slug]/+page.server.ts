import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';

interface PostRow {
	id: string;
	title: string;
	description: string | null;
	html_content: string | null;
	tags: string;
	featured_image: string | null;
	reading_time_minutes: number;
	published_at: number | null;
}

export const load: PageServerLoad = async ({ platform, locals, params }) => {
	if (!platform) error(503, 'The grove is resting. Try again in a moment.');
	const { DB } = platform.env;

	const post = await DB.prepare(
		`SELECT id, title, description, html_content, tags, featured_image, reading_time_minutes, published_at
		 FROM posts
		 WHERE tenant_id = ? AND slug = ? AND status = 'published'`
	)
		.bind(locals.tenantId, params.slug)
		.first<PostRow>();
	if (!post) error(404, 'This path leads nowhere (yet).');

	const [comments, reactions] = await DB.batch<Record<string, unknown>>([
		DB.prepare(
			`SELECT id, parent_id, author_name, content, created_at
			 FROM comments
			 WHERE post_id = ? AND status = 'approved' AND is_private = 0
			 ORDER BY created_at`
		).bind(post.id),
		DB.prepare('SELECT reaction, COUNT(*) AS n FROM post_reactions WHERE post_id = ? GROUP BY reaction').bind(post.id)
	]);

	return { post, comments: comments.results, reactions: reactions.results };
};
