import { error, fail } from '@sveltejs/kit';
import { tallyVotes } from './tally';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ platform, locals }) => {
	if (!platform) error(503, 'Database unavailable');
	const db = locals.db ?? platform.env.DB;

	const { results: polls } = await db
		.prepare(
			`SELECT id, question, poll_type, options, results_visibility, status, is_pinned, close_date
			 FROM polls
			 WHERE tenant_id = ?
			 ORDER BY is_pinned DESC, created_at DESC`
		)
		.bind(locals.tenantId)
		.all<{ id: string; question: string; options: string; status: string }>();

	const tallies = await Promise.all(polls.map((poll) => tallyVotes(db, poll.id)));
	return { polls: polls.map((poll, index) => ({ ...poll, tally: tallies[index] })) };
};

export const actions: Actions = {
	close: async ({ platform, locals, request }) => {
		if (!platform) error(503, 'Database unavailable');
		const db = locals.db ?? platform.env.DB;
		const id = String((await request.formData()).get('id') ?? '');
		if (!id) return fail(400, { missing: 'id' });

		await db
			.prepare("UPDATE polls SET status = 'closed', is_pinned = 0, updated_at = unixepoch() WHERE id = ? AND tenant_id = ?")
			.bind(id, locals.tenantId)
			.run();
		return { closed: id };
	}
};
