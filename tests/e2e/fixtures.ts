/**
 * Shared fixtures: the environment from the global setup, signing in, and an
 * accessibility check with axe that fails on serious or critical violations.
 */
import { test as base, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { e2eEnvironment, E2E_PASSWORD, type E2EEnvironment } from './environment.ts';

export const test = base.extend<{ env: E2EEnvironment }>({
	// eslint-disable-next-line no-empty-pattern
	env: async ({}, use) => {
		await use(e2eEnvironment());
	}
});

export { expect };

/** Signs in through the sign-in page; MDT members land on /cases, privacy officers on /privacy. */
export async function signIn(page: Page, env: E2EEnvironment, localpart: string, password = E2E_PASSWORD, landing: RegExp = /\/cases/): Promise<void> {
	await page.goto(`${env.appUrl}/login`);
	await page.getByLabel('Gebruikersnaam').fill(localpart);
	await page.getByLabel('Wachtwoord').fill(password);
	await page.getByRole('button', { name: 'Aanmelden' }).click();
	await expect(page).toHaveURL(landing);
}

export async function expectAccessible(page: Page, label: string): Promise<void> {
	const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
	const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
	expect(serious.map((v) => `${label}: ${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}
