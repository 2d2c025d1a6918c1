/**
 * Issue 14 through the web client: a CSG case manager opens an acute case (the
 * incident was yesterday) and, reported at the same minute, a non-acute one.
 * The case list puts the acute case above the other with the same deadline and
 * shows what is due; the case view shows the acute clock. Steps recorded as
 * facts tick the clock off; with the browser's clock moved on (page.clock) VT's
 * 5-day safety assessment becomes overdue and, after the 7-day window, the
 * clock rests.
 */
import { randomBytes } from 'node:crypto';
import type { Page } from '@playwright/test';
import { test, expect, openAs, snap, expectAccessible, type UserSession } from './fixtures.ts';
import { DAY } from '../../src/lib/case/time.ts';

test.describe.configure({ mode: 'serial' });
test.setTimeout(420_000);

const marker = `E2EACUTE${randomBytes(3).toString('hex').toUpperCase()}`;

/** A datetime-local value in the browser's time zone (Europe/Amsterdam in these tests). */
const localInput = (p: Page, ms: number) =>
	p.evaluate((t) => {
		const d = new Date(t);
		const pad = (n: number) => String(n).padStart(2, '0');
		return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
	}, ms);

async function openCase(p: Page, o: { name: string; reportedAt: string; incidentDate?: string; band: string }) {
	await p.getByRole('navigation', { name: 'Hoofdmenu' }).getByRole('link', { name: 'Nieuwe casus' }).click();
	await expect(p.getByRole('heading', { level: 1, name: 'Nieuwe casus' })).toBeVisible();
	await p.getByLabel('Datum en tijd van de eerste melding').fill(o.reportedAt);
	await p.getByLabel('Naam').first().fill(o.name);
	if (o.incidentDate) await p.getByLabel('Datum van het incident').fill(o.incidentDate);
	await p.getByLabel('Wanneer ongeveer').selectOption(o.band);
	await p.getByLabel('Het verhaal bij het eerste contact').fill(`Het verhaal van ${o.name}.`);
	await p.getByLabel('Korte samenvatting voor het MDT').fill('Volwassen slachtoffer, melding bij het CSG.');
	await p.getByTestId('risk-immediate_danger').selectOption('yes');
	await p.getByTestId('risk-medical_need').selectOption('yes');
	await p.getByTestId('access-VT').check();
	await p.getByRole('button', { name: 'Casus openen' }).click();
	await expect(p).toHaveURL(/\/cases\/!/, { timeout: 90_000 });
	const reference = (await p.getByTestId('case-reference').textContent())!.trim();
	expect(reference).toMatch(/^DH-\d{4}-\d{4}$/);
	return { reference, url: p.url() };
}

async function recordStep(p: Page, kind: string, outcome: string) {
	await p.getByRole('link', { name: 'Stappen', exact: true }).click();
	await expect(p.getByTestId('step-form')).toBeVisible();
	await p.getByTestId('step-kind').selectOption(kind);
	await p.getByTestId('step-outcome').selectOption(outcome);
	await p.getByLabel('Toelichting (optioneel)').fill(`Stap ${marker}`);
	await p.getByRole('button', { name: 'Stap vastleggen' }).click();
	await expect(p).toHaveURL(/\/cases\/![^/]+$/);
}

test('an acute case through its first week: the clock, the list order, the steps', async ({
	browser,
	env
}, testInfo) => {
	let csg: UserSession;
	let acute = { reference: '', url: '' };
	let plain = { reference: '', url: '' };
	const start = Date.now();

	await test.step('the CSG case manager opens an acute and a non-acute case reported at the same minute', async () => {
		csg = await openAs(browser, env, 'e2e.csg');
		const p = csg.page;
		await p.clock.install({ time: start });
		await p.reload();
		const reportedAt = await localInput(p, start - 10 * 60_000);
		const yesterday = (await localInput(p, start - DAY)).slice(0, 10);
		acute = await openCase(p, { name: `Acuut ${marker}`, reportedAt, incidentDate: yesterday, band: 'within_7_days' });
		await expect(p.getByTestId('acute-clock')).toBeVisible({ timeout: 60_000 });
		await expect(p.getByTestId('acute-clock-next')).toContainText('Acute medische zorg');
		await expect(p.getByTestId('acute-item-vt_safety_assessment')).toHaveAttribute('data-status', 'open');
		await expect(p.getByTestId('risk-panel-concerns')).toContainText('Nu acuut onveilig');
		await expectAccessible(p, 'acute case view');
		await snap(p, testInfo, 'acute clock on day 0');
		plain = await openCase(p, { name: `Niet acuut ${marker}`, reportedAt, band: '1_to_12_months' });
		await expect(p.getByTestId('acute-clock')).toHaveCount(0);
	});

	await test.step('the case list: the acute case above the non-acute one with the same deadline, with what is due', async () => {
		const p = csg.page;
		await p.getByRole('navigation', { name: 'Hoofdmenu' }).getByRole('link', { name: 'Mijn casussen' }).click();
		const acuteRow = p.getByTestId('case-row').filter({ hasText: acute.reference });
		await expect(acuteRow.getByTestId('acute-next')).toHaveAttribute('data-kind', 'emergency_care', {
			timeout: 60_000
		});
		await expect(p.getByTestId('case-row').filter({ hasText: plain.reference }).getByTestId('acute-next')).toHaveCount(
			0
		);
		const refs = await p.getByTestId('case-row').locator('th[scope=row]').allTextContents();
		const at = (ref: string) => refs.findIndex((r) => r.includes(ref));
		expect(at(acute.reference)).toBeGreaterThanOrEqual(0);
		expect(at(acute.reference)).toBeLessThan(at(plain.reference));
		await expectAccessible(p, 'case list with an acute case');
	});

	await test.step('acute medical care recorded as a step ticks the first item off', async () => {
		const p = csg.page;
		await p.goto(acute.url);
		await expectAccessible(p, 'case view');
		await recordStep(p, 'acute_medical_care', 'done');
		await expect(p.getByTestId('acute-item-emergency_care')).toHaveAttribute('data-status', 'done', {
			timeout: 60_000
		});
		await expect(p.getByTestId('acute-clock-next')).toContainText('Veiligheidsbeoordeling Veilig Thuis');
		await expect(p.getByTestId('step-acute_medical_care')).toContainText('Gedaan');
	});

	await test.step("day 6: VT's 5-day safety assessment is overdue, in the case and in the list", async () => {
		const p = csg.page;
		await p.clock.fastForward(6 * DAY);
		await p.reload();
		await expect(p.getByTestId('acute-item-vt_safety_assessment')).toHaveAttribute('data-status', 'overdue', {
			timeout: 60_000
		});
		await p.getByRole('navigation', { name: 'Hoofdmenu' }).getByRole('link', { name: 'Mijn casussen' }).click();
		const acuteRow = p.getByTestId('case-row').filter({ hasText: acute.reference });
		await expect(acuteRow.getByTestId('acute-next')).toHaveAttribute('data-kind', 'vt_safety_assessment', {
			timeout: 60_000
		});
		await expect(acuteRow.getByTestId('acute-next')).toHaveClass(/tag-danger/);
		await expect(acuteRow.getByTestId('acute-next')).toContainText('Te laat');
		await snap(p, testInfo, 'case list on day 6');
	});

	await test.step('the FMO and the safety assessment recorded: everything is ticked off', async () => {
		const p = csg.page;
		await p.goto(acute.url);
		await recordStep(p, 'fmo', 'done');
		await recordStep(p, 'vt_safety_assessment', 'done');
		await expect(p.getByTestId('acute-clock-next')).toContainText('Alles uit de acute fase is afgevinkt', {
			timeout: 60_000
		});
		await expect(p.getByTestId('acute-item-fmo_evidence')).toHaveAttribute('data-status', 'done');
	});

	await test.step('after the 7-day window the acute phase has ended', async () => {
		const p = csg.page;
		await p.clock.fastForward(2 * DAY);
		await p.reload();
		await expect(p.getByTestId('acute-item-acute_window')).toHaveAttribute('data-status', 'passed', {
			timeout: 60_000
		});
		await p.getByRole('navigation', { name: 'Hoofdmenu' }).getByRole('link', { name: 'Mijn casussen' }).click();
		await expect(p.getByTestId('case-row').filter({ hasText: acute.reference })).toBeVisible({ timeout: 60_000 });
		await expect(p.getByTestId('case-row').filter({ hasText: acute.reference }).getByTestId('acute-next')).toHaveCount(
			0
		);
	});
});
