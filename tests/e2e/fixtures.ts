/**
 * Shared fixtures: the environment from the global setup, signing in (with the
 * first-run encryption set-up or the new-device verification), separate
 * browser contexts per user, screenshots for the report, and an accessibility
 * check with axe that fails on serious or critical violations.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test as base, expect, type Browser, type BrowserContext, type Page, type TestInfo } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { e2eEnvironment, E2E_PASSWORD, type E2EEnvironment } from './environment.ts';

export const test = base.extend<{ env: E2EEnvironment }>({
	// eslint-disable-next-line no-empty-pattern
	env: async ({}, use) => {
		await use(e2eEnvironment());
	}
});

export { expect };

/** Recovery keys shown at first sign-in, kept for the run so later devices can be verified. */
function keyFile(env: E2EEnvironment): string {
	return path.join(env.dataDir, 'e2e-recovery-keys.json');
}
export function recoveryKeyOf(env: E2EEnvironment, localpart: string): string | undefined {
	const file = keyFile(env);
	return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>)[localpart] : undefined;
}
export function keepRecoveryKey(env: E2EEnvironment, localpart: string, key: string): void {
	const file = keyFile(env);
	const keys = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
	writeFileSync(file, JSON.stringify({ ...keys, [localpart]: key }));
}

const LANDING =
	/^(Beveiliging instellen|Dit apparaat verifiëren|Mijn casussen|Privacyconsole: toegang en bewaartermijnen)$/;

/** Submits the sign-in form; stops on the first page after it (set-up, verification or the case list). */
export async function submitSignIn(
	page: Page,
	env: E2EEnvironment,
	localpart: string,
	password = E2E_PASSWORD
): Promise<void> {
	await page.goto(`${env.appUrl}/login`);
	await page.getByLabel('Gebruikersnaam').fill(localpart);
	await page.getByLabel('Wachtwoord').fill(password);
	await page.getByRole('button', { name: 'Aanmelden' }).click();
	await expect(page.getByRole('heading', { level: 1, name: LANDING })).toBeVisible({ timeout: 60_000 });
}

/**
 * Signs in and gets the device ready: on the account's first device through the
 * encryption set-up (the recovery key is kept for later devices), on a new one
 * through verification with that key. Ends on the case list.
 */
export async function signIn(
	page: Page,
	env: E2EEnvironment,
	localpart: string,
	password = E2E_PASSWORD,
	landing: RegExp = /\/cases$/,
	sync: 'sliding' | 'classic' = env.sync
): Promise<void> {
	const syncs = watchSync(page);
	await submitSignIn(page, env, localpart, password);
	// Privacy officers read no case content: they go straight to their console, without device set-up.
	if (!landing.test('/cases')) {
		await expect(page).toHaveURL(landing, { timeout: 60_000 });
		return;
	}
	const heading = await page.getByRole('heading', { level: 1 }).first().textContent();
	if (heading === 'Beveiliging instellen') {
		await page.getByRole('button', { name: 'Beveiliging instellen' }).click();
		const key = page.getByTestId('recovery-key');
		await expect(key).toBeVisible({ timeout: 60_000 });
		keepRecoveryKey(env, localpart, (await key.textContent())!.trim());
		await page.getByLabel('Ik heb de herstelsleutel op een veilige plek bewaard.').check();
		await page.getByRole('button', { name: 'Doorgaan naar mijn casussen' }).click();
	} else if (heading === 'Dit apparaat verifiëren') {
		const key = recoveryKeyOf(env, localpart);
		if (!key) throw new Error(`no recovery key kept for ${localpart}`);
		await page.getByLabel('Herstelsleutel', { exact: true }).fill(key);
		await page.getByRole('button', { name: 'Verifiëren met herstelsleutel' }).click();
	}
	await expect(page).toHaveURL(/\/cases$/, { timeout: 60_000 });
	await expect(page.getByRole('heading', { level: 1, name: 'Mijn casussen' })).toBeVisible({ timeout: 60_000 });
	// The run really syncs the way it says (global setup): the list came through that way only.
	await expectSyncedAs(syncs, sync);
}

const SLIDING_SYNC = '/_matrix/client/unstable/org.matrix.simplified_msc3575/sync';
const CLASSIC_SYNC = '/_matrix/client/v3/sync';

/** Counts the page's sync requests from now on, by kind. */
export function watchSync(page: Page): { sliding: number; classic: number } {
	const seen = { sliding: 0, classic: 0 };
	page.on('request', (req) => {
		const path = new URL(req.url()).pathname;
		// The probe for MSC4186 (sliding.ts `offersSlidingSync`) asks for nothing: not a sync.
		if (path === SLIDING_SYNC && !req.postData()?.includes('casusruimte-probe')) seen.sliding++;
		else if (path === CLASSIC_SYNC) seen.classic++;
	});
	return seen;
}

export async function expectSyncedAs(seen: { sliding: number; classic: number }, sync: 'sliding' | 'classic') {
	await expect.poll(() => (sync === 'sliding' ? seen.sliding : seen.classic)).toBeGreaterThan(0);
	expect(sync === 'sliding' ? seen.classic : seen.sliding).toBe(0);
}

export interface UserSession {
	localpart: string;
	context: BrowserContext;
	page: Page;
}

/** A user in a browser context of their own (their own device, their own keys). */
export async function openAs(
	browser: Browser,
	env: E2EEnvironment,
	localpart: string,
	opts: { signIn?: boolean } = {}
): Promise<UserSession> {
	const context = await browser.newContext({
		locale: 'nl-NL',
		timezoneId: 'Europe/Amsterdam',
		viewport: { width: 1280, height: 800 }
	});
	const page = await context.newPage();
	if (opts.signIn !== false) await signIn(page, env, localpart);
	return { localpart, context, page };
}

/** A full-page screenshot attached to the test report. */
export async function snap(page: Page, testInfo: TestInfo, name: string): Promise<void> {
	await testInfo.attach(name, { body: await page.screenshot({ fullPage: true }), contentType: 'image/png' });
}

export async function expectAccessible(page: Page, label: string): Promise<void> {
	const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
	const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
	expect(
		serious.map((v) => `${label}: ${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
	).toEqual([]);
}

/** Waits until the case room has loaded and decrypted (its reference heading shows). */
export async function expectCaseOpen(page: Page, reference: string): Promise<void> {
	await expect(page.getByTestId('case-reference')).toHaveText(reference, { timeout: 60_000 });
}
