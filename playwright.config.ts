import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests: Debian's Chromium (browsers cannot be downloaded here)
 * against the built web app and a real Synapse, both started by the global
 * setup on free ports.
 */
export default defineConfig({
	testDir: 'tests/e2e',
	globalSetup: './tests/e2e/global-setup.ts',
	// Two cores: one browser at a time keeps the homeserver and the crypto wasm responsive.
	workers: 1,
	fullyParallel: false,
	retries: 0,
	timeout: 120_000,
	expect: { timeout: 20_000 },
	reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
	outputDir: 'test-results',
	use: {
		browserName: 'chromium',
		launchOptions: {
			executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
			args: [
				'--no-sandbox',
				'--disable-gpu',
				'--disable-quic',
				'--no-first-run',
				'--disable-background-networking',
				'--disable-component-update',
				'--disable-sync'
			]
		},
		locale: 'nl-NL',
		timezoneId: 'Europe/Amsterdam',
		screenshot: 'on',
		trace: 'retain-on-failure',
		viewport: { width: 1280, height: 800 }
	}
});
