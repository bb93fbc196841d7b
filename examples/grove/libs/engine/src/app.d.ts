// See https://svelte.dev/docs/kit/types#app.d.ts
declare global {
	namespace App {
		interface Locals {
			tenantId: string;
			tenant: {
				id: string;
				subdomain: string;
				display_name: string;
				plan: string;
				theme: string;
			};
			user: { id: string; email: string; name: string | null; is_admin: number } | null;
			/** The engine database, set by hooks.server.ts once the tenant is resolved. */
			db?: D1Database;
		}
		interface Platform {
			env: {
				DB: D1Database;
				OBS_DB: D1Database;
				MEDIA: R2Bucket;
				CACHE: KVNamespace;
				ROOT_DOMAIN: string;
			};
			context: ExecutionContext;
		}
	}
}

export {};
