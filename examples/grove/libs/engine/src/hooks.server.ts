import { error, type Handle } from '@sveltejs/kit';

interface TenantRow {
	id: string;
	subdomain: string;
	display_name: string;
	plan: string;
	theme: string;
}

interface SessionUser {
	id: string;
	email: string;
	name: string | null;
	is_admin: number;
}

function subdomainOf(hostname: string, rootDomain: string): string | null {
	if (!hostname.endsWith(`.${rootDomain}`)) return null;
	return hostname.slice(0, -(rootDomain.length + 1)).toLowerCase();
}

/** Resolves the tenant (subdomain or custom domain) and the signed-in user for every request. */
export const handle: Handle = async ({ event, resolve }) => {
	const db = event.platform?.env?.DB;
	if (!db) error(503, 'The grove is resting. Try again in a moment.');
	event.locals.db = db;

	const rootDomain = event.platform?.env?.ROOT_DOMAIN ?? 'grove.place';
	const hostname = event.url.hostname;
	const subdomain = subdomainOf(hostname, rootDomain) ?? (hostname === 'localhost' ? 'example' : null);

	const tenant = subdomain
		? await db
				.prepare('SELECT id, subdomain, display_name, plan, theme FROM tenants WHERE subdomain = ? AND active = 1')
				.bind(subdomain)
				.first<TenantRow>()
		: await db
				.prepare(
					`SELECT t.id, t.subdomain, t.display_name, t.plan, t.theme
					 FROM custom_domains AS d
					 JOIN tenants AS t ON t.id = d.tenant_id
					 WHERE d.domain = ? AND d.status = 'active' AND t.active = 1`
				)
				.bind(hostname.toLowerCase())
				.first<TenantRow>();
	if (!tenant) error(404, 'No grove has been planted here yet.');
	event.locals.tenantId = tenant.id;
	event.locals.tenant = tenant;

	const sessionId = event.cookies.get('grove_session');
	event.locals.user = sessionId
		? await db
				.prepare(
					`SELECT u.id, u.email, u.name, u.is_admin
					 FROM sessions AS s
					 JOIN users AS u ON u.id = s.user_id
					 WHERE s.id = ? AND s.expires_at > unixepoch()`
				)
				.bind(sessionId)
				.first<SessionUser>()
		: null;

	return resolve(event);
};
