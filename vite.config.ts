import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
	plugins: [sveltekit()],
	server: { port: 5173, strictPort: false },
	build: { target: 'es2022' },
	test: {
		projects: [
			{
				extends: true,
				test: {
					name: 'unit',
					environment: 'node',
					include: ['src/**/*.test.ts', 'tests/unit/**/*.test.ts']
				}
			},
			{
				extends: true,
				test: {
					name: 'integration',
					environment: 'node',
					include: ['tests/integration/**/*.test.ts'],
					// One throwaway Synapse for the whole run (tests/support/global-setup.ts).
					globalSetup: ['tests/support/global-setup.ts'],
					setupFiles: ['tests/support/vitest-setup.ts'],
					testTimeout: 120_000,
					hookTimeout: 180_000,
					// Two cores: files run one after another so Synapse keeps up and timing stays honest.
					fileParallelism: false
				}
			},
			{
				extends: true,
				test: {
					name: 'hardening',
					environment: 'node',
					include: ['tests/hardening/**/*.test.ts'],
					// Its own throwaway Synapse, which the tests restart (tests/hardening/global-setup.ts).
					globalSetup: ['tests/hardening/global-setup.ts'],
					setupFiles: ['tests/support/vitest-setup.ts'],
					testTimeout: 240_000,
					hookTimeout: 180_000,
					fileParallelism: false
				}
			}
		]
	}
});
