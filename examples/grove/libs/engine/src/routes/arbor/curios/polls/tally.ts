/** Vote counting for the polls admin, kept beside the page that uses it. */

export interface PollTally {
	votes: number;
	perOption: Record<string, number>;
}

export async function tallyVotes(db: D1Database, pollId: string): Promise<PollTally> {
	const { results } = await db
		.prepare('SELECT selected_options FROM poll_votes WHERE poll_id = ?')
		.bind(pollId)
		.all<{ selected_options: string }>();

	const perOption: Record<string, number> = {};
	for (const row of results) {
		for (const option of JSON.parse(row.selected_options) as string[]) {
			perOption[option] = (perOption[option] ?? 0) + 1;
		}
	}
	return { votes: results.length, perOption };
}
