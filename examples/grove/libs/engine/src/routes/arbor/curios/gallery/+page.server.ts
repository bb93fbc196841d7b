import type { PageServerLoad } from './$types';

interface GalleryImage {
	id: string;
	r2_key: string;
	custom_title: string | null;
	alt_text: string | null;
	parsed_date: string | null;
	is_featured: number;
}

export const load: PageServerLoad = async ({ platform, locals, url }) => {
	const db = platform?.env?.DB;
	const page = Math.max(1, Number(url.searchParams.get('page') ?? '1'));

	// A gallery that fails to load shows as empty rather than breaking the admin.
	const config = await db
		?.prepare('SELECT enabled, gallery_title, items_per_page, sort_order, grid_style FROM gallery_curio_config WHERE tenant_id = ?')
		.bind(locals.tenantId)
		.first<{ enabled: number; gallery_title: string | null; items_per_page: number; sort_order: string; grid_style: string }>()
		.catch(() => null);
	const perPage = config?.items_per_page ?? 30;

	const images = await db
		?.prepare(
			`SELECT id, r2_key, custom_title, alt_text, parsed_date, is_featured
			 FROM gallery_images
			 WHERE tenant_id = ?
			 ORDER BY is_featured DESC, sort_index, parsed_date DESC
			 LIMIT ? OFFSET ?`
		)
		.bind(locals.tenantId, perPage, (page - 1) * perPage)
		.all<GalleryImage>()
		.catch(() => null);
	const rows = images?.results ?? [];

	// Tags of the images on this page, one query with a placeholder per image.
	const placeholders = rows.map(() => '?').join(', ');
	const tags = rows.length
		? await db
				?.prepare(
					`SELECT it.image_id, t.name, t.slug, t.color
					 FROM gallery_image_tags AS it
					 JOIN gallery_tags AS t ON t.id = it.tag_id
					 WHERE it.tenant_id = ? AND it.image_id IN (${placeholders})
					 ORDER BY t.sort_order`
				)
				.bind(locals.tenantId, ...rows.map((image) => image.id))
				.all<{ image_id: string; name: string; slug: string; color: string | null }>()
				.catch(() => null)
		: null;

	return { config, images: rows, tags: tags?.results ?? [], page };
};
