import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';
import { CSP_DIRECTIVES } from './src/lib/server/security-headers.js';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	compilerOptions: {
		// Svelte 5 runes everywhere; no legacy reactive statements.
		runes: true
	},
	kit: {
		adapter: adapter({ precompress: true }),
		// A strict Content Security Policy. SvelteKit adds hashes or nonces for its own
		// inline bootstrap; the homeserver's origin is added to connect-src at runtime in
		// src/hooks.server.ts because it is deployment configuration, not build input.
		csp: {
			mode: 'auto',
			// One list for pages and static files (src/lib/server/security-headers.js); SvelteKit
			// writes the keywords without quotes. The Rust crypto is WebAssembly, so script-src has
			// 'wasm-unsafe-eval' (not 'unsafe-eval').
			directives: Object.fromEntries(
				Object.entries(CSP_DIRECTIVES).map(([name, values]) => [name, values.map((v) => v.replace(/^'(.*)'$/, '$1'))])
			)
		}
	}
};

export default config;
