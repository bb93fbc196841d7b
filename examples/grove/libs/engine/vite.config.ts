import { sveltekit } from '@sveltejs/kit/vite';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
	plugins: [sveltekit()],
	resolve: {
		// Mirrors "@grove/db/*" in tsconfig.json for the bundler.
		alias: { '@grove/db': fileURLToPath(new URL('./src/lib/server/db', import.meta.url)) }
	}
});
