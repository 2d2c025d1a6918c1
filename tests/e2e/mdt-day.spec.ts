/**
 * A day of the Den Haag MDT (issue 12), each professional in a browser of their
 * own against the real homeserver: a police officer (not in the MDT) and a CSG
 * case manager (in the MDT) each open a case about the same victim; the board
 * shows both to the MDT within a minute, flagged as a possible duplicate; the
 * chair records the triage from the board, regie goes to the CSG case manager
 * and the police officer, no longer needed, is gone from the room; the CSG
 * case manager raises a signal and the case is back on the board.
 *
 * The MDT is set up with the admin command, as the beheerder does it.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { test, expect, openAs, snap, expectAccessible, expectCaseOpen, type UserSession } from './fixtures.ts';
import { E2E_PASSWORD, type E2EEnvironment } from './environment.ts';

test.describe.configure({ mode: 'serial' });
test.setTimeout(420_000);

const tag = randomBytes(3).toString('hex');
const USERS = {
	politie: { localpart: `e2e.mdt.politie.${tag}`, org: 'POLITIE', name: `Kees Politie ${tag}` },
	csg: { localpart: `e2e.mdt.csg.${tag}`, org: 'CSG', name: `Iris CSG ${tag}` },
	chair: { localpart: `e2e.mdt.chair.${tag}`, org: 'VT', name: `Mila Voorzitter ${tag}` }
};

/** The members page's row of one user (another row may name them as the one who invited). */
const memberRow = (s: UserSession, u: { localpart: string }) =>
	s.page.locator(`tr[data-testid="member-row"][data-user^="@${u.localpart}:"]`);

function admin(env: E2EEnvironment, ...args: string[]): string {
	return execFileSync('npx', ['tsx', 'scripts/admin.ts', ...args], {
		env: { ...process.env, CASUS_DATA_DIR: env.dataDir },
		encoding: 'utf8',
		timeout: 120_000
	});
}

/** Fills the new-case form for the victim, with the aanmelding for the MDT. */
async function openCase(s: UserSession, victim: { name: string; birth: string }, access: string[], summary: string) {
	const p = s.page;
	await p.getByRole('navigation', { name: 'Hoofdmenu' }).getByRole('link', { name: 'Nieuwe casus' }).click();
	await expect(p.getByRole('heading', { level: 1, name: 'Nieuwe casus' })).toBeVisible();
	await p.getByLabel('Naam').first().fill(victim.name);
	await p.getByLabel('Geboortedatum').fill(victim.birth);
	await p.getByLabel('Wanneer ongeveer').selectOption('within_7_days');
	await p.getByLabel('Het verhaal bij het eerste contact').fill(`Het verhaal van ${victim.name}.`);
	await p.getByLabel('Korte samenvatting voor het MDT').fill(summary);
	await p.getByTestId('mdt-section').getByLabel('Forensisch onderzoek nog mogelijk').check();
	for (const org of access) await p.getByTestId(`access-${org}`).check();
	await p.getByRole('button', { name: 'Casus openen' }).click();
	await expect(p).toHaveURL(/\/cases\/!/, { timeout: 90_000 });
	const reference = (await p.getByTestId('case-reference').textContent())!.trim();
	expect(reference).toMatch(/^DH-\d{4}-\d{4}$/);
	return { reference, url: p.url() };
}

test('the daily MDT of Den Haag: two reports of one victim, triage from the board, a signal', async ({
	browser,
	env
}, testInfo) => {
	let politie: UserSession, csg: UserSession, chair: UserSession;
	const victim = { name: `Sanne de Vries ${tag}`, birth: '1991-04-01' };
	let policeCase = { reference: '', url: '' };
	let csgCase = { reference: '', url: '' };

	await test.step('the beheerder sets up the Den Haag MDT with the admin command', async () => {
		for (const [role, u] of Object.entries(USERS)) {
			admin(
				env,
				'user',
				'add',
				u.localpart,
				'--org',
				u.org,
				'--role',
				role === 'chair' ? 'professional,chair' : 'professional',
				'--password',
				E2E_PASSWORD,
				'--name',
				u.name
			);
		}
		admin(env, 'mdt', 'add', 'DH', USERS.chair.localpart, '--chair');
		admin(env, 'mdt', 'add', 'DH', USERS.csg.localpart);
		expect(admin(env, 'mdt', 'list', 'DH')).toContain(USERS.csg.localpart);
		[politie, csg, chair] = await Promise.all([
			openAs(browser, env, USERS.politie.localpart),
			openAs(browser, env, USERS.csg.localpart),
			openAs(browser, env, USERS.chair.localpart)
		]);
	});

	await test.step('a police officer opens a case: no regie for the police, the aanmelding goes to the board', async () => {
		// Not in the MDT: no board in the navigation, and no invitations (the MDT invites at triage).
		await expect(politie.page.getByTestId('nav-mdt')).toHaveCount(0);
		await politie.page
			.getByRole('navigation', { name: 'Hoofdmenu' })
			.getByRole('link', { name: 'Nieuwe casus' })
			.click();
		await expect(politie.page.getByTestId('invite-by-mdt')).toBeVisible();
		await expectAccessible(politie.page, 'new case (police)');
		policeCase = await openCase(
			politie,
			victim,
			['CSG'],
			'Volwassen vrouw, aangifte bij de politie, acuut, sporenonderzoek mogelijk.'
		);
		await expect(politie.page.getByTestId('intake-name')).toHaveText(victim.name, { timeout: 60_000 });
		await expect(politie.page.getByTestId('summary-regiehouder')).not.toContainText('Kees Politie');
	});

	await test.step('a CSG case manager opens a case about the same victim and holds regie', async () => {
		csgCase = await openCase(csg, victim, [], 'Volwassen vrouw meldt zich bij het CSG, acuut.');
		await expect(csg.page.getByTestId('summary-regiehouder')).toContainText(USERS.csg.name, { timeout: 60_000 });
	});

	await test.step('the board shows both cases to the MDT within a minute, flagged as one victim', async () => {
		const p = chair.page;
		await p.getByTestId('nav-mdt').click();
		await expect(p.getByRole('heading', { level: 1, name: /MDT-bord/ })).toBeVisible();
		const awaiting = p.getByTestId('board-awaiting');
		for (const c of [policeCase, csgCase]) {
			const item = awaiting.locator(`[data-reference="${c.reference}"]`);
			await expect(item).toBeVisible({ timeout: 60_000 });
			await expect(item.getByTestId('board-summary')).toBeVisible({ timeout: 60_000 });
			await expect(item.getByTestId('triage-deadline')).toContainText('Triage binnen');
		}
		await expect(
			awaiting.locator(`[data-reference="${policeCase.reference}"]`).getByTestId('board-duplicate')
		).toContainText(csgCase.reference, { timeout: 60_000 });
		await expect(
			awaiting.locator(`[data-reference="${csgCase.reference}"]`).getByTestId('board-duplicate')
		).toContainText(policeCase.reference);
		// Nothing that identifies the victim on the board.
		await expect(p.getByTestId('mdt-board')).not.toContainText(victim.name);
		await expectAccessible(p, 'MDT board');
		await p.getByTestId('board-projector').click();
		await expect(p).toHaveURL(/view=projector/);
		await expectAccessible(p, 'MDT board, projector');
		await snap(p, testInfo, 'board in projector mode');
		await p.getByTestId('board-projector').click();
	});

	await test.step('the chair records the triage from the board: access as chair, the CSG case manager invited', async () => {
		const p = chair.page;
		await p
			.getByTestId('board-awaiting')
			.locator(`[data-reference="${policeCase.reference}"]`)
			.getByTestId('board-triage')
			.click();
		await expect(p).toHaveURL(/\/triage$/, { timeout: 60_000 });
		await expectCaseOpen(p, policeCase.reference);
		// The members shared the history with the chair: the intake reads decrypted.
		await p.getByRole('link', { name: 'Tijdlijn' }).click();
		await expect(p.getByTestId('intake-name')).toHaveText(victim.name, { timeout: 90_000 });
		// Regie goes to a CSG case manager: the chair invites her first.
		await p.getByRole('link', { name: 'Leden' }).click();
		await p.getByLabel('Wie').selectOption({ label: USERS.csg.name });
		await p.getByLabel('Reden van uitnodiging').selectOption('mdt-triage');
		await p.getByRole('button', { name: 'Uitnodigen' }).click();
		await expect(memberRow(chair, USERS.csg)).toBeVisible({ timeout: 60_000 });
		await expect(memberRow(chair, USERS.chair)).toContainText('MDT-voorzitter, legt het MDT-besluit vast');
		await csg.page.goto(policeCase.url);
		await csg.page.getByRole('button', { name: 'Uitnodiging aannemen' }).click();
		await expectCaseOpen(csg.page, policeCase.reference);
	});

	await test.step('regie to the CSG case manager; the police officer, no longer needed, is removed', async () => {
		const p = chair.page;
		await p.getByRole('link', { name: 'Triage' }).click();
		await expect(p.getByTestId('triage-form')).toBeVisible();
		for (const d of ['veiligheid', 'strafrecht', 'hulp', 'herstel']) {
			await p.locator(`fieldset[data-domain=${d}]`).getByLabel('Onderbouwing').fill(`Besproken in het MDT (${d}).`);
		}
		await p.locator('fieldset[data-domain=hulp]').getByLabel('CSG', { exact: true }).check();
		// The police may not hold regie: not offered.
		await expect(
			p.getByLabel('Regiehouder', { exact: true }).locator('option', { hasText: 'Kees Politie' })
		).toHaveCount(0);
		await p.getByLabel('Regiehouder', { exact: true }).selectOption({ label: `${USERS.csg.name} (CSG)` });
		const notNeeded = p.getByTestId('triage-not-needed');
		await expect(notNeeded).toContainText('Kees Politie');
		await expect(notNeeded.getByRole('checkbox')).toBeChecked();
		await expectAccessible(p, 'triage form with removals');
		await p.getByRole('button', { name: 'Triagebesluit vastleggen' }).click();
		await expect(p).toHaveURL(/\/cases\/![^/]+$/, { timeout: 60_000 });
		await expect(p.getByTestId('summary-regiehouder')).toContainText(USERS.csg.name, { timeout: 60_000 });
		await p.getByRole('link', { name: 'Leden' }).click();
		await expect(memberRow(chair, USERS.politie)).toHaveCount(0, { timeout: 60_000 });
		await expect(p.locator('.former-list')).toContainText('Niet meer betrokken');
		await snap(p, testInfo, 'members after triage');
		// The police officer's case list no longer has the case.
		await politie.page
			.getByRole('navigation', { name: 'Hoofdmenu' })
			.getByRole('link', { name: 'Mijn casussen' })
			.click();
		await expect(politie.page.getByTestId('case-row').filter({ hasText: policeCase.reference })).toHaveCount(0, {
			timeout: 60_000
		});
		// Triaged: no longer awaiting on the board.
		await p.getByTestId('nav-mdt').click();
		await expect(p.getByTestId('board-awaiting').locator(`[data-reference="${policeCase.reference}"]`)).toHaveCount(0, {
			timeout: 60_000
		});
	});

	await test.step('a member raises a signal: the case is back on the board and marked in the case list', async () => {
		const p = csg.page;
		await p.goto(policeCase.url);
		await expectCaseOpen(p, policeCase.reference);
		await p.getByRole('link', { name: 'Signaal' }).click();
		await expect(p.getByTestId('signal-form')).toBeVisible();
		await expectAccessible(p, 'signal form');
		await p.getByLabel('Soort signaal').selectOption('retriage-request');
		await p.getByLabel('Wat is er aan de hand?').fill('De verdachte heeft opnieuw contact gezocht.');
		await p.getByRole('button', { name: 'Signaal geven' }).click();
		await expect(p).toHaveURL(/\/cases\/![^/]+$/);
		await expect(p.getByTestId('signal-record')).toContainText('Verzoek om hertriage', { timeout: 60_000 });
		await p.getByRole('navigation', { name: 'Hoofdmenu' }).getByRole('link', { name: 'Mijn casussen' }).click();
		await expect(
			p.getByTestId('case-row').filter({ hasText: policeCase.reference }).getByTestId('on-agenda')
		).toBeVisible({
			timeout: 60_000
		});
		const board = chair.page;
		await board.getByRole('button', { name: 'Vernieuwen' }).click();
		const item = board.getByTestId('board-rediscuss').locator(`[data-reference="${policeCase.reference}"]`);
		await expect(item).toBeVisible({ timeout: 60_000 });
		await expect(item.getByTestId('board-why')).toContainText('Lid vraagt om hertriage');
		await snap(board, testInfo, 'board with the signal');
	});

	await test.step('one victim, one case: the chair links the two, and the CSG case closes into the police case', async () => {
		const b = chair.page;
		await b.getByTestId('nav-mdt').click();
		const row = b.getByTestId('board-awaiting').locator(`[data-reference="${csgCase.reference}"]`);
		await expect(row.getByTestId('board-duplicate')).toContainText(policeCase.reference, { timeout: 60_000 });
		b.once('dialog', (d) => void d.accept());
		await row.getByTestId('board-link').click();
		await expect(b).toHaveURL(/\/close\?merged=1$/, { timeout: 60_000 });
		await expectCaseOpen(b, csgCase.reference);
		await expect(b.getByLabel(/^Reden/)).toHaveValue('merged');
		await b.getByLabel('Toelichting').fill(`Eén slachtoffer: gaat verder in ${policeCase.reference}.`);
		await b.getByLabel('Het MDT heeft besloten deze casus af te sluiten').check();
		await b.getByRole('button', { name: 'Casus afsluiten' }).click();
		await expect(b).toHaveURL(/\/cases\/![^/]+$/, { timeout: 60_000 });
		await expect(b.getByTestId('summary-phase')).toHaveText('Afgesloten', { timeout: 60_000 });
		// Nothing deleted: the CSG case manager still reads her intake in the closed case.
		await csg.page.goto(csgCase.url);
		await expect(csg.page.getByTestId('intake-name')).toHaveText(victim.name, { timeout: 60_000 });
		await b.getByTestId('nav-mdt').click();
		const closed = b.getByTestId('board-closed').locator(`[data-reference="${csgCase.reference}"]`);
		await expect(closed).toContainText(`Gaat verder in ${policeCase.reference}`, { timeout: 60_000 });
		await expect(b.getByTestId('board-duplicate')).toHaveCount(0);
		await snap(b, testInfo, 'board after linking');
	});
});
