/**
 * The one place that knows how the web app's case list looks, for the browser
 * benchmarks and the browser hardening tests. The UI is being rewritten, so it
 * accepts, in order of preference:
 *   1. rows: [data-testid="case-list"] [data-testid="case-row"]
 *   2. fallback rows: links to a case, a[href^="/cases/%21"] (an encoded room ID)
 * and, for a virtualised list that keeps only visible rows in the DOM, a
 * declared total: data-count on [data-testid="case-list"] (or on
 * [data-testid="case-count"]). The list is complete when rows or the declared
 * total reach the expected number of cases.
 */
import type { Page } from 'playwright-core';

/** Runs in the page: how many case rows are rendered, and how many the list says it holds. */
// Page-side code is kept as plain JavaScript strings: functions compiled by tsx
// carry helper calls (__name) that do not exist in the page.
const PROBE = `() => {
	const rows = document.querySelectorAll('[data-testid="case-list"] [data-testid="case-row"]').length || document.querySelectorAll('a[href^="/cases/%21"], a[href^="/cases/!"]').length;
	const holder = document.querySelector('[data-testid="case-list"][data-count]') || document.querySelector('[data-testid="case-count"][data-count]');
	const declared = Number(holder ? holder.getAttribute('data-count') : 0) || 0;
	return { rows, declared };
}`;

/** Rendered case rows, and the total the list declares, right now. */
export async function probeCaseList(page: Page): Promise<{ rows: number; declared: number }> {
	return page.evaluate(`(${PROBE})()`);
}

/** The first screen of the case list: this many rows (issue 15). */
export const SCREEN_ROWS = 20;

/**
 * Installed before any page script: on every animation frame (i.e. as rendered),
 * records the wall-clock time at which the first case row, the first screen
 * (SCREEN_ROWS rows) and the complete list appeared, in window.__caseList.
 */
export async function installCaseListRecorder(page: Page, expected: number): Promise<void> {
	await page.addInitScript(`(() => {
		const probe = ${PROBE};
		const expected = ${expected};
		const screen = Math.min(${SCREEN_ROWS}, expected);
		const state = { first: 0, screen: 0, full: 0, rows: 0, declared: 0 };
		window.__caseList = state;
		const tick = () => {
			try {
				const { rows, declared } = probe();
				state.rows = rows;
				state.declared = declared;
				if (rows > 0 && !state.first) state.first = Date.now();
				if (Math.max(rows, declared) >= screen && rows > 0 && !state.screen) state.screen = Date.now();
				if (Math.max(rows, declared) >= expected && !state.full) state.full = Date.now();
			} catch (e) {
				// the document is still being set up
			}
			if (!state.full) requestAnimationFrame(tick);
		};
		requestAnimationFrame(tick);
	})();`);
}

export async function caseListTimes(
	page: Page
): Promise<{ first: number; screen: number; full: number; rows: number; declared: number }> {
	return page.evaluate('window.__caseList');
}

/**
 * Signs in on /login. If the app then asks for the recovery key (a new device of
 * an account with cross-signing), enters it. Returns when the case list is
 * complete, or throws after `timeoutMs`.
 */
export async function signInAndWaitForList(
	page: Page,
	opts: {
		appUrl: string;
		username: string;
		password: string;
		recoveryKey?: string | null;
		expected: number;
		timeoutMs?: number;
		onSubmit?: () => void;
		/** Called when the recovery key has been entered and submitted. */
		onRecoveryKey?: () => void;
	}
): Promise<{ recoveryStep: boolean }> {
	await page.goto(`${opts.appUrl}/login`);
	await page.getByLabel(/Gebruikersnaam|User ?name/i).fill(opts.username);
	await page.getByLabel(/Wachtwoord|Password/i).fill(opts.password);
	opts.onSubmit?.();
	await page.getByRole('button', { name: /Aanmelden|Sign in/i }).click();
	return waitForFullList(page, opts);
}

const onVerifyPage = (page: Page) => new URL(page.url()).pathname.endsWith('/verify');

export async function waitForFullList(
	page: Page,
	opts: { recoveryKey?: string | null; expected: number; timeoutMs?: number; onRecoveryKey?: () => void }
): Promise<{ recoveryStep: boolean }> {
	const deadline = Date.now() + (opts.timeoutMs ?? 180_000);
	let recoveryStep = false;
	for (;;) {
		// The key first: a new device shows its list while it waits for the key (README, "The case
		// list at scale"), and the warm starts afterwards are of a verified device.
		if (opts.recoveryKey && !recoveryStep) {
			const field = page.getByLabel(/herstelsleutel|recovery key/i).first();
			if (await field.isVisible().catch(() => false)) {
				recoveryStep = true;
				await field.fill(opts.recoveryKey);
				await page
					.getByRole('button', { name: /verifi|bevestig|doorgaan|ontgrendel|verify|continue|unlock/i })
					.first()
					.click();
				opts.onRecoveryKey?.();
			}
		}
		const times = await caseListTimes(page).catch(() => null);
		if (times?.full && (recoveryStep || !opts.recoveryKey || !onVerifyPage(page))) return { recoveryStep };
		if (Date.now() > deadline)
			throw new Error(
				`the case list did not reach ${opts.expected} cases in time (rows ${times?.rows ?? '?'}, declared ${times?.declared ?? '?'}, at ${page.url()})`
			);
		await page.waitForTimeout(100);
	}
}
