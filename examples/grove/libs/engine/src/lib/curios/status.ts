/**
 * Which curios a tenant has switched on, for the site layout and the arbor sidebar.
 *
 * One small query per curio, fired in parallel. A missing row (or a failing query) reads as
 * "off": a broken curio must never take the whole blog down with it.
 */

export interface CurioStatus {
	timeline: boolean;
	gallery: boolean;
	guestbook: boolean;
	moodRing: boolean;
	hitCounters: number;
	linkGardens: number;
	pinnedPollId: string | null;
	pulseLastEventAt: number | null;
}

interface EnabledRow {
	enabled: number;
}

interface CountRow {
	n: number;
}

export async function loadCurioStatus(db: D1Database, tenantId: string): Promise<CurioStatus> {
	const [timeline, gallery, guestbook, moodRing, hitCounters, linkGardens, pinnedPoll, pulse] = await Promise.all([
		db
			.prepare('SELECT enabled FROM timeline_curio_config WHERE tenant_id = ?')
			.bind(tenantId)
			.first<EnabledRow>()
			.catch(() => null),
		db
			.prepare('SELECT enabled FROM gallery_curio_config WHERE tenant_id = ?')
			.bind(tenantId)
			.first<EnabledRow>()
			.catch(() => null),
		db
			.prepare('SELECT enabled FROM guestbook_config WHERE tenant_id = ?')
			.bind(tenantId)
			.first<EnabledRow>()
			.catch(() => null),
		db
			.prepare('SELECT enabled FROM mood_ring_config WHERE tenant_id = ?')
			.bind(tenantId)
			.first<EnabledRow>()
			.catch(() => null),
		db
			.prepare('SELECT COUNT(*) AS n FROM hit_counters WHERE tenant_id = ?')
			.bind(tenantId)
			.first<CountRow>()
			.catch(() => null),
		db
			.prepare('SELECT COUNT(*) AS n FROM link_gardens WHERE tenant_id = ?')
			.bind(tenantId)
			.first<CountRow>()
			.catch(() => null),
		db
			.prepare("SELECT id FROM polls WHERE tenant_id = ? AND is_pinned = 1 AND status = 'open'")
			.bind(tenantId)
			.first<{ id: string }>()
			.catch(() => null),
		db
			.prepare('SELECT MAX(occurred_at) AS last_event_at FROM pulse_events WHERE tenant_id = ?')
			.bind(tenantId)
			.first<{ last_event_at: number | null }>()
			.catch(() => null)
	]);

	return {
		timeline: timeline?.enabled === 1,
		gallery: gallery?.enabled === 1,
		guestbook: guestbook?.enabled === 1,
		moodRing: moodRing?.enabled === 1,
		hitCounters: hitCounters?.n ?? 0,
		linkGardens: linkGardens?.n ?? 0,
		pinnedPollId: pinnedPoll?.id ?? null,
		pulseLastEventAt: pulse?.last_event_at ?? null
	};
}
