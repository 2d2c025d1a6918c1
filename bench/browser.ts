/**
 * Cold start, warm start and memory in Chromium, against the built app and the
 * bench homeserver, for an account joined to N case rooms.
 *
 * Cold start: a fresh browser profile (no IndexedDB, no session): from clicking
 * "Aanmelden" on /login to the first case row rendered, and to all N cases
 * listed. Each run signs in as a new device of an account that already has
 * cross-signing (set up from Node beforehand); if the app asks for the recovery
 * key on the way, the bench enters it and that step counts in the time.
 * Warm start: the same profile afterwards (session, crypto store and sync cache
 * in IndexedDB), a new tab opening /cases: from navigation to first row and to
 * the full list. Times are wall-clock, read in the page on the animation frame
 * that first shows the rows (bench/lib/case-list.ts).
 * Memory: JS heap (CDP Performance.getMetrics JSHeapUsedSize) after a forced
 * garbage collection, with the full list shown, beside the same figure for the
 * bare sign-in page.
 */
import { chromium, type Browser, type BrowserContext, type Page, type Request } from 'playwright-core';
import playwrightConfig from '../playwright.config.ts';
import { caseListTimes, installCaseListRecorder, signInAndWaitForList, waitForFullList } from './lib/case-list.ts';
import { round, summarise, type Summary } from './lib/stats.ts';

export interface BrowserResult {
	cases: number;
	coldRuns: number;
	warmRuns: number;
	recoveryStep: boolean;
	coldFirstRow: Summary;
	/** The first screen: SCREEN_ROWS rows (bench/lib/case-list.ts). */
	coldFirstScreen: Summary;
	coldFullList: Summary;
	warmFirstRow: Summary;
	warmFullList: Summary;
	heapListMB: number;
	heapLoginMB: number;
	heapRatio: number;
}

export interface BrowserAccount {
	username: string;
	password: string;
	recoveryKey: string | null;
}

export async function launchChromium(): Promise<Browser> {
	const launch = playwrightConfig.use?.launchOptions ?? {};
	return chromium.launch({
		executablePath: process.env.CHROMIUM_PATH ?? launch.executablePath ?? '/usr/bin/chromium',
		args: [...(launch.args ?? []), '--enable-precise-memory-info'],
		headless: true
	});
}

export async function newContext(browser: Browser): Promise<BrowserContext> {
	const use = playwrightConfig.use ?? {};
	return browser.newContext({
		locale: use.locale,
		timezoneId: use.timezoneId,
		viewport: use.viewport ?? { width: 1280, height: 800 }
	});
}

async function heapMB(page: Page): Promise<number> {
	const cdp = await page.context().newCDPSession(page);
	await cdp.send('HeapProfiler.enable');
	await cdp.send('HeapProfiler.collectGarbage');
	await cdp.send('HeapProfiler.collectGarbage');
	await cdp.send('Performance.enable');
	const { metrics } = await cdp.send('Performance.getMetrics');
	await cdp.detach();
	const used = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? Number.NaN;
	return round(used / 1024 / 1024);
}

/**
 * BENCH_TRACE=1: a timing trace of the first cold start, printed in order of start: every
 * request to the homeserver and the app server's API (and the crypto wasm) with its start
 * after the click on "Aanmelden" and its duration, and the milestones (recovery key entered,
 * first row, first screen, full list). Where the cold start's time goes, without a profiler.
 */
function traceRequests(page: Page, since: () => number) {
	const lines: { at: number; text: string }[] = [];
	const started = new Map<Request, number>();
	const interesting = (url: string) => url.includes('/_matrix/') || url.includes('/api/') || url.endsWith('.wasm');
	page.on('request', (r) => {
		if (since() > 0 && interesting(r.url())) started.set(r, Date.now());
	});
	const done = (r: Request, how: string) => {
		const at = started.get(r);
		if (at === undefined) return;
		started.delete(r);
		const url = new URL(r.url());
		const path = url.pathname
			.replace('/_matrix/client/', '')
			.replace('unstable/org.matrix.simplified_msc3575/', 'msc4186/');
		const pos = url.searchParams.get('pos');
		lines.push({
			at: at - since(),
			text: `${r.method()} ${path}${pos ? ` pos=${pos}` : ''}: ${Date.now() - at} ms${how}`
		});
	};
	page.on('requestfinished', (r) => done(r, ''));
	page.on('requestfailed', (r) => done(r, ' (failed)'));
	return {
		mark(text: string, at = Date.now()) {
			lines.push({ at: at - since(), text: `— ${text}` });
		},
		print(log: (s: string) => void) {
			log('  trace of the first cold start (ms after the click on Aanmelden):');
			for (const l of lines.sort((a, b) => a.at - b.at)) log(`    ${String(l.at).padStart(6)}  ${l.text}`);
		}
	};
}

export async function measureBrowser(
	appUrl: string,
	account: BrowserAccount,
	cases: number,
	opts: { coldRuns: number; warmRuns: number; log: (s: string) => void; timeoutMs?: number }
): Promise<BrowserResult> {
	const browser = await launchChromium();
	const coldFirst: number[] = [];
	const coldScreen: number[] = [];
	const coldFull: number[] = [];
	const warmFirst: number[] = [];
	const warmFull: number[] = [];
	let recoveryStep = false;
	let heapList = Number.NaN;
	let heapLogin: number;
	try {
		// The bare sign-in page, as a memory baseline.
		{
			const context = await newContext(browser);
			const page = await context.newPage();
			await page.goto(`${appUrl}/login`);
			await page.getByLabel(/Gebruikersnaam|User ?name/i).waitFor();
			heapLogin = await heapMB(page);
			await context.close();
		}
		let lastContext: BrowserContext | null = null;
		for (let run = 0; run < opts.coldRuns; run++) {
			await lastContext?.close();
			const context = await newContext(browser);
			lastContext = context;
			const page = await context.newPage();
			await installCaseListRecorder(page, cases);
			let t0 = 0;
			const trace = run === 0 && process.env.BENCH_TRACE ? traceRequests(page, () => t0) : null;
			const r = await signInAndWaitForList(page, {
				appUrl,
				username: account.username,
				password: account.password,
				recoveryKey: account.recoveryKey,
				expected: cases,
				timeoutMs: opts.timeoutMs,
				onSubmit: () => (t0 = Date.now()),
				onRecoveryKey: () => trace?.mark('recovery key entered')
			});
			recoveryStep ||= r.recoveryStep;
			const times = await caseListTimes(page);
			coldFirst.push(times.first - t0);
			coldScreen.push(times.screen - t0);
			coldFull.push(times.full - t0);
			if (trace) {
				trace.mark('first row', times.first);
				trace.mark('first screen', times.screen);
				trace.mark('full list', times.full);
				trace.print(opts.log);
			}
			opts.log(
				`  cold start ${run + 1}/${opts.coldRuns}: first row ${times.first - t0} ms, first screen ${times.screen - t0} ms, ${cases} cases ${times.full - t0} ms`
			);
			// Let the sync cache reach IndexedDB before the tab goes away.
			await page.waitForTimeout(3000);
			await page.close();
		}
		const context = lastContext!;
		for (let run = 0; run < opts.warmRuns; run++) {
			const page = await context.newPage();
			await installCaseListRecorder(page, cases);
			const t0 = Date.now();
			await page.goto(`${appUrl}/cases`);
			await waitForFullList(page, { expected: cases, recoveryKey: account.recoveryKey, timeoutMs: opts.timeoutMs });
			const times = await caseListTimes(page);
			warmFirst.push(times.first - t0);
			warmFull.push(times.full - t0);
			opts.log(
				`  warm start ${run + 1}/${opts.warmRuns}: first row ${times.first - t0} ms, ${cases} cases ${times.full - t0} ms`
			);
			if (run === opts.warmRuns - 1) {
				await page.waitForTimeout(2000);
				heapList = await heapMB(page);
			}
			await page.close();
		}
		await context.close();
	} finally {
		await browser.close();
	}
	return {
		cases,
		coldRuns: opts.coldRuns,
		warmRuns: opts.warmRuns,
		recoveryStep,
		coldFirstRow: summarise(coldFirst),
		coldFirstScreen: summarise(coldScreen),
		coldFullList: summarise(coldFull),
		warmFirstRow: summarise(warmFirst),
		warmFullList: summarise(warmFull),
		heapListMB: heapList,
		heapLoginMB: heapLogin,
		heapRatio: round(heapList / heapLogin, 2)
	};
}
