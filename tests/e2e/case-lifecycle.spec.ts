/**
 * A whole case through the web client, as the professionals do it, each in a
 * browser of their own against the real homeserver: intake → invitations →
 * MDT triage before the deadline → regie handover → regiehouder update →
 * consent withdrawn for the police → closure. Every member reads the records
 * decrypted; someone who was not invited cannot open the case; every page
 * passes axe.
 */
import { randomBytes } from 'node:crypto';
import { test, expect, openAs, snap, expectAccessible, expectCaseOpen, type UserSession } from './fixtures.ts';

test.describe.configure({ mode: 'serial' });
test.setTimeout(300_000);

const marker = `E2E${randomBytes(4).toString('hex').toUpperCase()}`;

test('a case from intake to closure, seen by every member', async ({ browser, env }, testInfo) => {
	let csg: UserSession, chair: UserSession, vt: UserSession;
	let reference = '';
	let caseUrl = '';

	await test.step('three professionals sign in, each on their own device', async () => {
		[csg, chair, vt] = await Promise.all([
			openAs(browser, env, 'e2e.csg'),
			openAs(browser, env, 'e2e.chair'),
			openAs(browser, env, 'e2e.vt')
		]);
		await expectAccessible(csg.page, 'case list');
	});

	await test.step('the CSG casemanager records the intake and invites MDT members of covered organisations', async () => {
		const p = csg.page;
		await p.getByRole('navigation', { name: 'Hoofdmenu' }).getByRole('link', { name: 'Nieuwe casus' }).click();
		await expect(p.getByRole('heading', { level: 1, name: 'Nieuwe casus' })).toBeVisible();
		await expectAccessible(p, 'new case');
		// Nothing filled in: the form says what is missing, and keeps what was typed.
		await p.getByRole('button', { name: 'Casus openen' }).click();
		await expect(p.getByTestId('form-errors')).toContainText('Naam: Vul dit veld in.');
		await expect(p.getByTestId('form-errors')).toBeFocused();
		await expectAccessible(p, 'new case with errors');

		await p.getByLabel('Naam').first().fill(`Naam ${marker}`);
		await p.getByLabel('Wanneer ongeveer').selectOption('within_7_days');
		await p.getByLabel('Telefoon').fill('06-12345678');
		await p.getByLabel('Het verhaal bij het eerste contact').fill(`Het verhaal ${marker}, één keer verteld.`);
		// The aanmelding for the region's MDT board: no name, address or contact details.
		await p.getByLabel('Korte samenvatting voor het MDT').fill('Volwassen slachtoffer, acuut, melding bij het CSG.');
		await expect(p.getByLabel('Acuut: het incident was hooguit 7 dagen voor de melding')).toBeChecked();
		await p.getByTestId('access-VT').check();
		await p.getByTestId('access-POLITIE').check();
		// Only members of covered organisations are offered: OM is not covered, so nobody of OM appears.
		await expect(p.getByLabel('Pieter OM')).toHaveCount(0);
		await p.getByLabel('Sanne Voorzitter').check();
		await p.getByLabel('Lotte VT').check();
		await p.getByLabel('Rachid Politie').check();
		await p.getByLabel('Reden van uitnodiging').selectOption('mdt-triage');
		await p.getByRole('button', { name: 'Casus openen' }).click();
		await expect(p).toHaveURL(/\/cases\/!/, { timeout: 60_000 });
		reference = (await p.getByTestId('case-reference').textContent())!.trim();
		expect(reference).toMatch(/^DH-\d{4}-\d{4}$/);
		caseUrl = p.url();
		await expect(p.getByTestId('intake-name')).toHaveText(`Naam ${marker}`);
		await expect(p.getByTestId('summary-regiehouder')).toContainText('Eva CSG');
		await expect(p.getByRole('link', { name: 'Leden' })).toBeVisible();
		await expectAccessible(p, 'case room');
		await snap(p, testInfo, 'intake recorded');
	});

	await test.step('an invited member sees the invitation with its countdown, accepts and reads the intake', async () => {
		const p = vt.page;
		const row = p.getByTestId('case-row').filter({ hasText: reference });
		await expect(row).toContainText('Uitnodiging van Eva CSG', { timeout: 60_000 });
		await row.getByRole('link', { name: reference }).click();
		await expect(p.getByTestId('invitation')).toContainText('Genoemd in de MDT-triage');
		await expectAccessible(p, 'invitation');
		await p.getByRole('button', { name: 'Uitnodiging aannemen' }).click();
		await expectCaseOpen(p, reference);
		await expect(p.getByTestId('intake-name')).toHaveText(`Naam ${marker}`, { timeout: 60_000 });
		await expect(p.getByTestId('intake-summary')).toContainText(marker);
		await expect(p.getByTestId('triage-deadline').first()).toContainText(/Triage binnen 2\d u/);
		// A member, not a coordinator: no forms for triage, consent or closure.
		await expect(p.getByRole('link', { name: 'Triage' })).toHaveCount(0);
		await p.getByRole('navigation', { name: 'Hoofdmenu' }).getByRole('link', { name: 'Mijn casussen' }).click();
		await expect(p.getByTestId('case-row').filter({ hasText: reference }).getByTestId('triage-deadline')).toContainText(
			'Triage binnen'
		);
	});

	await test.step('the MDT chair records the triage decision before the deadline, keeping regie with CSG and VT as deputy', async () => {
		const p = chair.page;
		await p.getByTestId('case-row').filter({ hasText: reference }).getByRole('link', { name: reference }).click();
		await p.getByRole('button', { name: 'Uitnodiging aannemen' }).click();
		await expect(p.getByTestId('intake-name')).toHaveText(`Naam ${marker}`, { timeout: 60_000 });
		await p.getByRole('link', { name: 'Triage' }).click();
		await expect(p.getByTestId('triage-form')).toBeVisible();
		await expectAccessible(p, 'triage form');
		for (const d of ['veiligheid', 'strafrecht', 'hulp', 'herstel']) {
			await p.locator(`fieldset[data-domain=${d}]`).getByLabel('Onderbouwing').fill(`Onderbouwing ${d} ${marker}`);
		}
		await p.locator('fieldset[data-domain=veiligheid]').getByLabel('VT', { exact: true }).check();
		await p.locator('fieldset[data-domain=veiligheid]').getByLabel('Urgentie').selectOption('within_24h');
		await p.locator('fieldset[data-domain=hulp]').getByLabel('CSG', { exact: true }).check();
		// The police takes part in (straf)recht, so its member stays after the triage (members of
		// organisations without a part are offered for removal).
		await p.locator('fieldset[data-domain=strafrecht]').getByLabel('POLITIE', { exact: true }).check();
		await p
			.locator('fieldset[data-domain=hulp]')
			.getByLabel('Wat gebeurt er')
			.fill(`Forensisch-medisch onderzoek ${marker}`);
		await p.getByLabel('Regiehouder', { exact: true }).selectOption({ label: 'Eva CSG (CSG)' });
		await p.getByLabel('Vervanger').selectOption({ label: 'Lotte VT (VT)' });
		await p.getByRole('button', { name: 'Triagebesluit vastleggen' }).click();
		await expect(p).toHaveURL(/\/cases\/![^/]+$/);
		await expect(p.getByTestId('summary')).toContainText('binnen 24 uur', { timeout: 60_000 });
		await expect(p.getByTestId('summary-phase')).toHaveText('Regie');
		await snap(p, testInfo, 'triage recorded');
		// Everyone reads the decision decrypted.
		await vt.page.getByTestId('case-row').filter({ hasText: reference }).getByRole('link', { name: reference }).click();
		await expect(vt.page.getByTestId('summary-domain-veiligheid')).toContainText('VT', { timeout: 60_000 });
		await expect(vt.page.getByTestId('summary-domain-hulp')).toContainText(`Forensisch-medisch onderzoek ${marker}`, {
			timeout: 60_000
		});
		await expect(vt.page.getByTestId('summary-deputy')).toContainText('Lotte VT');
	});

	await test.step('the regiehouder hands regie over to VT with a reason', async () => {
		const p = csg.page;
		await p.getByRole('link', { name: 'Regie overdragen' }).click();
		await expect(p.getByTestId('handover-form')).toBeVisible();
		await expectAccessible(p, 'handover form');
		await p.getByLabel('Nieuwe regiehouder').selectOption({ label: 'Lotte VT (VT)' });
		await p.getByLabel('Vervanger').selectOption({ label: 'Eva CSG (CSG)' });
		await p.getByLabel('Reden van overdracht').fill(`Veilig Thuis neemt over ${marker}`);
		await p.getByRole('button', { name: 'Regie overdragen' }).click();
		await expect(p).toHaveURL(/\/cases\/![^/]+$/);
		await expect(vt.page.getByTestId('summary-regiehouder')).toContainText('Lotte VT', { timeout: 60_000 });
		// The handover's history says what changed, from whom to whom.
		const handover = vt.page.getByTestId('timeline-entry').filter({ hasText: `Veilig Thuis neemt over ${marker}` });
		await handover.getByText('Geschiedenis').click();
		await expect(handover.locator('table.changes')).toContainText('Regiehouder');
		await expect(handover.locator('table.changes')).toContainText('Eva CSG');
		await expect(handover.locator('table.changes')).toContainText('Lotte VT');
		await csg.page.getByRole('navigation', { name: 'Hoofdmenu' }).getByRole('link', { name: 'Mijn casussen' }).click();
	});

	await test.step('the new regiehouder posts an update; the others read it, and the case list shows it as new', async () => {
		const p = vt.page;
		await p.getByRole('link', { name: 'Regie-update' }).click();
		await expect(p.getByTestId('update-form')).toBeVisible();
		await expectAccessible(p, 'update form');
		await p.getByLabel('Wat is besproken').fill(`Gebeld met het slachtoffer ${marker}`);
		await p.getByLabel('Actie 1', { exact: true }).fill('Afspraak bij de huisarts');
		await p.getByLabel('Volgende stappen').fill(`Over een week opnieuw bellen ${marker}`);
		await p.getByRole('button', { name: 'Update plaatsen' }).click();
		await expect(p).toHaveURL(/\/cases\/![^/]+$/);
		await expect(chair.page.getByTestId('update-next-steps')).toContainText(marker, { timeout: 60_000 });
		const row = csg.page.getByTestId('case-row').filter({ hasText: reference });
		await expect(row.getByTestId('unread')).toBeVisible({ timeout: 60_000 });
		await snap(csg.page, testInfo, 'case list with unread');
		await row.getByRole('link', { name: reference }).click();
		await expect(csg.page.getByTestId('update-next-steps')).toContainText(marker);
		await csg.page.getByRole('navigation', { name: 'Hoofdmenu' }).getByRole('link', { name: 'Mijn casussen' }).click();
		await expect(csg.page.getByTestId('case-row').filter({ hasText: reference }).getByTestId('unread')).toHaveCount(0, {
			timeout: 30_000
		});
	});

	await test.step('consent is withdrawn for the police: its member loses access, with the reason recorded', async () => {
		const p = vt.page;
		await p.getByRole('link', { name: 'Toestemming' }).click();
		await expect(p.getByTestId('consent-form')).toBeVisible();
		await p.getByLabel('Toestemming ingetrokken').check();
		await p.getByTestId('consent-form').getByLabel('Politie').check();
		await expect(p.getByTestId('consent-preview')).toContainText('Rachid Politie');
		await expectAccessible(p, 'consent form');
		await p.getByRole('button', { name: 'Vastleggen' }).click();
		await expect(p).toHaveURL(/\/cases\/![^/]+$/);
		await expect(p.getByTestId('summary-basis')).toContainText('Toestemming ingetrokken', { timeout: 60_000 });
		await p.getByRole('link', { name: 'Leden' }).click();
		await expect(p.getByText('Eerdere leden')).toBeVisible({ timeout: 60_000 });
		await expect(p.locator('.former-list')).toContainText('Toestemming ingetrokken');
		await expect(p.getByTestId('member-row').filter({ hasText: 'Sanne Voorzitter' })).toContainText(
			'Genoemd in de MDT-triage'
		);
		await expectAccessible(p, 'members');
		await snap(p, testInfo, 'members after withdrawal');
	});

	await test.step('an event nobody can decrypt is shown and flagged, and changes nothing', async () => {
		const p = chair.page;
		const session = JSON.parse((await p.evaluate(() => localStorage.getItem('casusruimte.session')))!) as {
			accessToken: string;
			homeserverUrl: string;
		};
		const roomId = decodeURIComponent(caseUrl.split('/cases/')[1]!);
		const res = await fetch(
			`${env.homeserverUrl}/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.encrypted/bogus${Date.now()}`,
			{
				method: 'PUT',
				headers: { authorization: `Bearer ${session.accessToken}`, 'content-type': 'application/json' },
				body: JSON.stringify({
					algorithm: 'm.megolm.v1.aes-sha2',
					// Well-formed (the guard allows only a real envelope's shape), but no device has this session.
					ciphertext: 'AwgAEnAA',
					sender_key: 'A'.repeat(43),
					session_id: 'B'.repeat(43),
					device_id: 'NOPE'
				})
			}
		);
		expect(res.ok).toBe(true);
		const flaggedLink = p.getByRole('link', { name: /gemarkeerde gebeurtenis/ });
		await expect(flaggedLink).toBeVisible({ timeout: 60_000 });
		await flaggedLink.click();
		await expect(p.getByTestId('timeline-entry').first()).toContainText('Kan niet worden ontsleuteld');
		await expect(p.getByTestId('summary-phase')).toHaveText('Regie');
	});

	await test.step('the case is closed; retention starts; every member sees it', async () => {
		const p = vt.page;
		await p.getByRole('link', { name: 'Tijdlijn' }).click();
		await p.getByRole('link', { name: 'Afsluiten' }).click();
		await expect(p.getByTestId('closure-form')).toBeVisible();
		await expectAccessible(p, 'closure form');
		await p.getByLabel('Toelichting').fill(`Hulp afgerond ${marker}`);
		await p.getByLabel('Het MDT heeft besloten deze casus af te sluiten').check();
		await p.getByRole('button', { name: 'Casus afsluiten' }).click();
		await expect(p).toHaveURL(/\/cases\/![^/]+$/);
		await expect(p.getByTestId('summary-phase')).toHaveText('Afgesloten', { timeout: 60_000 });
		// The chair still has the case open; the casemanager comes back to it after a reload.
		await csg.page.goto(caseUrl);
		await chair.page.getByRole('link', { name: 'Tijdlijn' }).click();
		for (const u of [chair, csg]) {
			await expect(u.page.getByTestId('closure-explanation')).toContainText(marker, { timeout: 60_000 });
			await expect(u.page.getByTestId('summary')).toContainText('Bewaren tot');
		}
		await snap(chair.page, testInfo, 'closed case as the chair sees it');
		await csg.page
			.getByRole('navigation', { name: 'Hoofdmenu' })
			.getByRole('link', { name: 'Account en apparaat' })
			.click();
		await expect(csg.page.getByTestId('encryption-status')).toContainText('Ja');
		await expectAccessible(csg.page, 'account');
	});

	await test.step('at tablet width the case room still fits, summary first', async () => {
		const p = chair.page;
		await p.setViewportSize({ width: 768, height: 1024 });
		for (const tab of ['Tijdlijn', 'Leden']) {
			await p.getByRole('navigation', { name: 'Onderdelen van de casus' }).getByRole('link', { name: tab }).click();
			await expect(p.getByTestId('summary')).toBeVisible();
			const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
			expect(overflow, `${tab} fits the width`).toBeLessThanOrEqual(0);
		}
		await expectAccessible(p, 'tablet members');
		await snap(p, testInfo, 'members at tablet width');
		await p.getByRole('navigation', { name: 'Hoofdmenu' }).getByRole('link', { name: 'Mijn casussen' }).click();
		await expect(p.getByRole('heading', { level: 1, name: 'Mijn casussen' })).toBeVisible();
		expect(await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
	});

	await test.step('a professional who was not invited cannot open the case', async () => {
		const outsider = await openAs(browser, env, 'e2e.om');
		await expect(outsider.page.getByTestId('cases-empty')).toBeVisible({ timeout: 60_000 });
		await outsider.page.goto(caseUrl);
		await expect(outsider.page.getByTestId('no-access')).toBeVisible({ timeout: 30_000 });
		await expect(outsider.page.getByText(marker)).toHaveCount(0);
		await expectAccessible(outsider.page, 'no access');
		// The homeserver itself refuses to let them in.
		const session = JSON.parse((await outsider.page.evaluate(() => localStorage.getItem('casusruimte.session')))!) as {
			accessToken: string;
		};
		const roomId = decodeURIComponent(caseUrl.split('/cases/')[1]!);
		const join = await fetch(`${env.homeserverUrl}/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, {
			method: 'POST',
			headers: { authorization: `Bearer ${session.accessToken}`, 'content-type': 'application/json' },
			body: '{}'
		});
		expect(join.status).toBe(403);
		await snap(outsider.page, testInfo, 'no access');
		await outsider.context.close();
	});

	for (const u of [csg!, chair!, vt!]) await u?.context.close();
});
