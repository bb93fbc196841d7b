import { error } from '@sveltejs/kit';
import { countPublishedPosts, listPublishedPosts } from '@grove/db/posts';
import type { PageServerLoad } from './$types';

const POSTS_ON_HOME = 8;

export const load: PageServerLoad = async ({ platform, locals }) => {
	if (!platform) error(503, 'The grove is resting. Try again in a moment.');
	const db = locals.db ?? platform.env.DB;

	const [home, posts, total] = await Promise.all([
		db
			.prepare("SELECT title, description, html_content, hero FROM pages WHERE tenant_id = ? AND type = 'home'")
			.bind(locals.tenantId)
			.first<{ title: string; description: string | null; html_content: string | null; hero: string | null }>(),
		listPublishedPosts(db, locals.tenantId, POSTS_ON_HOME),
		countPublishedPosts(db, locals.tenantId)
	]);

	return { home, posts, hasMore: total > POSTS_ON_HOME };
};
