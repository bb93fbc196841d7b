import { error, json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';

interface HitCounterRow {
	id: string;
	count: number;
	count_mode: string;
	style: string;
	label: string;
	show_since_date: number;
	since_date_style: string;
	digit_count: number;
	started_at: number;
}

function normalisePath(path: string | null): string {
	if (!path || !path.startsWith('/')) return '/';
	return path.split('?')[0].replace(/\/+$/, '') || '/';
}

async function visitorHash(ip: string, userAgent: string, day: string): Promise<string> {
	const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${day}|${ip}|${userAgent}`));
	return btoa(String.fromCharCode(...new Uint8Array(digest)));
}

/** Counts one visit to a page and returns what the counter should display. */
export const POST: RequestHandler = async ({ platform, locals, url, request, getClientAddress }) => {
	const pagePath = normalisePath(url.searchParams.get('path'));

	const counter = await platform?.env?.DB.prepare(
		`SELECT id, count, count_mode, style, label, show_since_date, since_date_style, digit_count, started_at
		 FROM hit_counters
		 WHERE tenant_id = ? AND page_path = ?`
	)
		.bind(locals.tenantId, pagePath)
		.first<HitCounterRow>();
	if (!counter) error(404, 'No counter on this page.');

	let counted = true;
	if (counter.count_mode === 'unique') {
		const today = new Date().toISOString().slice(0, 10);
		const hash = await visitorHash(getClientAddress(), request.headers.get('user-agent') ?? '', today);
		const inserted = await platform?.env?.DB.prepare(
			`INSERT OR IGNORE INTO hit_counter_visitors (id, tenant_id, page_path, visitor_hash, visit_date)
			 VALUES (?, ?, ?, ?, ?)`
		)
			.bind(crypto.randomUUID(), locals.tenantId, pagePath, hash, today)
			.run();
		counted = (inserted?.meta.changes ?? 0) > 0;
	}

	if (counted) {
		await platform?.env?.DB.prepare('UPDATE hit_counters SET count = count + 1, updated_at = unixepoch() WHERE id = ?')
			.bind(counter.id)
			.run();
	}

	return json({
		count: counter.count + (counted ? 1 : 0),
		digits: counter.digit_count,
		style: counter.style,
		label: counter.label,
		since: counter.show_since_date ? { at: counter.started_at, style: counter.since_date_style } : null
	});
};
