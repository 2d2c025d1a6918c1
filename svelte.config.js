import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

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
			directives: {
				'default-src': ['self'],
				// The Rust crypto is WebAssembly; compiling it needs 'wasm-unsafe-eval' (not 'unsafe-eval').
				'script-src': ['self', 'wasm-unsafe-eval'],
				'style-src': ['self', 'unsafe-inline'],
				'img-src': ['self', 'data:', 'blob:'],
				'font-src': ['self'],
				'connect-src': ['self'],
				'worker-src': ['self', 'blob:'],
				'object-src': ['none'],
				'base-uri': ['self'],
				'form-action': ['self'],
				'frame-ancestors': ['none']
			}
		}
	}
};

export default config;
