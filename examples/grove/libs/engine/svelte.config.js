import adapter from '@sveltejs/adapter-cloudflare';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		adapter: adapter({
			platformProxy: { configPath: 'wrangler.toml', persist: true }
		}),
		alias: {
			// Curio helpers, shared by the public widgets and the arbor admin pages.
			$curios: 'src/lib/curios'
		}
	}
};

export default config;
