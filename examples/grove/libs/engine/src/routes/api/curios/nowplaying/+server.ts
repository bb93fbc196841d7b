import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';

interface NowPlayingConfig {
	enabled: number;
	provider: string;
	display_style: string;
	show_album_art: number;
}

/** "Now playing" widget: what the owner is listening to, from their music provider. */
export const GET: RequestHandler = async ({ platform, locals }) => {
	const db = platform?.env?.DB;
	const config = await db
		?.prepare('SELECT enabled, provider, display_style, show_album_art FROM nowplaying_config WHERE tenant_id = ?')
		.bind(locals.tenantId)
		.first<NowPlayingConfig>()
		.catch(() => null);

	if (!config?.enabled) return json({ enabled: false });
	return json({ enabled: true, provider: config.provider, style: config.display_style, art: config.show_album_art === 1 });
};
