import { defineConfig } from '@playwright/test';
import base from '../../playwright.config.ts';

/**
 * The browser half of the hardening suite: the same set-up as the end-to-end
 * tests (throwaway Synapse, built app, Chromium), its own specs.
 */
export default defineConfig({
	...base,
	testDir: './browser',
	globalSetup: '../e2e/global-setup.ts',
	reporter: [['list']],
	outputDir: '../../test-results/hardening'
});
