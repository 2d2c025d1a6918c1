/**
 * Issue 14's pilot figures through the web client: the MDT chair of two regions
 * (Noord-Holland and Flevoland) opens five acute cases in one and two in the
 * other; the chair's browser computes each region's aggregate from the cases it
 * decrypts, shows exactly what will leave it, and sends only that. The privacy
 * officer's console shows the received figures beside its own, each with its
 * definition: five acute cases as 5, two as "<5" (over and under the
 * suppression threshold), and no name anywhere.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Page } from '@playwright/test';
import { test, expect, openAs, signIn, snap, expectAccessible, type UserSession } from './fixtures.ts';
import { E2E_PASSWORD, type E2EEnvironment } from './environment.ts';
import { dutchDay } from '../../src/lib/privacy/figures.ts';
import { DAY } from '../../src/lib/case/time.ts';

test.describe.configure({ mode: 'serial' });
test.setTimeout(600_000);
test.use({ actionTimeout: 60_000 });

const tag = randomBytes(3).toString('hex');
const marker = `E2EPILOT${tag.toUpperCase()}`;
const CHAIR = { localpart: `e2e.pilot.chair.${tag}`, org: 'CSG', name: `Roos Voorzitter ${tag}` };
const OVER = { region: 'NH', cases: 5 };
const UNDER = { region: 'FL', cases: 2 };

function admin(env: E2EEnvironment, ...args: string[]): string {
	return execFileSync('npx', ['tsx', 'scripts/admin.ts', ...args], {
		env: { ...process.env, CASUS_DATA_DIR: env.dataDir },
		encoding: 'utf8',
		timeout: 120_000
	});
}

/** An acute case (incident yesterday) in the region, through the new-case form. */
async function openAcuteCase(p: Page, region: string, n: number) {
	await p.getByRole('navigation', { name: 'Hoofdmenu' }).getByRole('link', { name: 'Nieuwe casus' }).click();
	await expect(p.getByRole('heading', { level: 1, name: 'Nieuwe casus' })).toBeVisible();
	await p.getByRole('combobox', { name: /^Regio/ }).selectOption(region);
	await p.getByLabel('Naam').first().fill(`Slachtoffer ${n} ${marker}`);
	const yesterday = await p.evaluate((t) => {
		const d = new Date(t);
		const pad = (x: number) => String(x).padStart(2, '0');
		return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
	}, Date.now() - DAY);
	await p.getByLabel('Datum van het incident').fill(yesterday);
	await p.getByLabel('Wanneer ongeveer').selectOption('within_7_days');
	await p.getByLabel('Het verhaal bij het eerste contact').fill(`Het verhaal ${marker}.`);
	await p.getByLabel('Korte samenvatting voor het MDT').fill('Volwassen slachtoffer, acuut.');
	await p.getByRole('button', { name: 'Casus openen' }).click();
	await expect(p).toHaveURL(/\/cases\/!/, { timeout: 90_000 });
	await expect(p.getByTestId('case-reference')).toHaveText(new RegExp(`^${region}-\\d{4}-\\d{4}$`), {
		timeout: 60_000
	});
	// The intake is on the homeserver before the next case is opened (the figures count only what was sent).
	await expect(p.getByTestId('timeline-entry').first()).toBeVisible({ timeout: 60_000 });
	await expect(p.getByTestId('pending')).toHaveCount(0, { timeout: 90_000 });
}

/** The figures page for a region: compute, check the preview, send. */
async function computeAndSend(p: Page, region: string) {
	await p.goto(`${new URL(p.url()).origin}/mdt/figures?region=${region}`);
	await expect(p.getByRole('heading', { level: 1, name: /Pilotcijfers uit de dossiers/ })).toBeVisible();
	await p.getByRole('button', { name: 'Cijfers berekenen' }).click();
	await expect(p.getByTestId('pilot-preview')).toBeVisible({ timeout: 120_000 });
	await expect(p.getByTestId('pilot-preview-json')).not.toContainText(marker);
	await expect(p.getByTestId('pilot-preview-json')).not.toContainText('@');
	await p.getByTestId('pilot-send').click();
	await expect(p.getByTestId('pilot-sent')).toBeVisible({ timeout: 60_000 });
}

const cell = (p: Page, scope: string, region: string, figure: string, month: string) =>
	p.locator(`[data-testid="${scope}"][data-region="${region}"] tr[data-figure="${figure}"] td[data-month="${month}"]`);

test('the pilot figures leave the chair as counts only and reach the privacy console', async ({
	browser,
	env
}, testInfo) => {
	let chair: UserSession;
	const month = dutchDay(new Date().toISOString()).slice(0, 7);

	await test.step('the beheerder makes the chair of the NH and FL MDTs', async () => {
		admin(
			env,
			'user',
			'add',
			CHAIR.localpart,
			'--org',
			CHAIR.org,
			'--role',
			'professional,chair',
			'--password',
			E2E_PASSWORD,
			'--name',
			CHAIR.name
		);
		for (const r of [OVER.region, UNDER.region]) admin(env, 'mdt', 'add', r, CHAIR.localpart, '--chair');
		chair = await openAs(browser, env, CHAIR.localpart);
	});

	await test.step('the chair opens five acute cases in NH and two in FL', async () => {
		for (const { region, cases } of [OVER, UNDER])
			for (let i = 1; i <= cases; i++) await openAcuteCase(chair.page, region, i);
	});

	await test.step('NH: computed in the browser, five acute cases shown as 5, sent', async () => {
		const p = chair.page;
		await p.getByTestId('nav-mdt').click();
		await p.getByTestId('board-pilot-figures').click();
		await expect(p).toHaveURL(/\/mdt\/figures/);
		await computeAndSend(p, OVER.region);
		await expect(cell(p, 'pilot-preview', OVER.region, 'acute', month)).toHaveText('5');
		await expect(cell(p, 'pilot-preview', OVER.region, 'cases', month)).toHaveText('5');
		await expect(p.getByTestId('pilot-preview-cases-read')).toHaveText('5');
		await expectAccessible(p, 'chair pilot figures');
		await snap(p, testInfo, 'chair pilot figures NH');
	});

	await test.step('FL: two acute cases are under the threshold and shown as "<5"', async () => {
		const p = chair.page;
		await computeAndSend(p, UNDER.region);
		await expect(cell(p, 'pilot-preview', UNDER.region, 'acute', month)).toHaveText('<5');
		await expect(p.getByTestId('pilot-preview-cases-read')).toHaveText('<5');
	});

	await test.step('the privacy officer sees both beside the server figures, with definitions, and exports them', async () => {
		const officer = await openAs(browser, env, 'e2e.privacy', { signIn: false });
		await signIn(officer.page, env, 'e2e.privacy', E2E_PASSWORD, /\/privacy$/);
		const p = officer.page;
		await p.getByRole('link', { name: 'Pilotcijfers' }).click();
		await p.getByRole('button', { name: 'Cijfers tonen' }).click();
		await expect(p.getByTestId('figures-received')).toBeVisible();
		await expect(cell(p, 'received-table', OVER.region, 'acute', month)).toHaveText('5');
		await expect(cell(p, 'received-table', UNDER.region, 'acute', month)).toHaveText('<5');
		await expect(p.locator(`[data-testid="received-table"][data-region="NH"] tr[data-figure="acute"]`)).toContainText(
			'Acute casussen (incident hooguit 7 dagen voor de melding)'
		);
		await expect(p.getByTestId('figures-received')).not.toContainText(marker);
		await expectAccessible(p, 'privacy figures with received aggregates');
		await snap(p, testInfo, 'privacy figures with the chairs aggregates');
		const [download] = await Promise.all([
			p.waitForEvent('download'),
			p.getByRole('button', { name: 'Download CSV' }).click()
		]);
		const csv = readFileSync((await download.path())!, 'utf8');
		expect(csv).toContain(`uit_de_dossiers,NH,${month},acute,5,`);
		expect(csv).toContain(`uit_de_dossiers,FL,${month},acute,<5,`);
		expect(csv).not.toContain(marker);
	});
});
