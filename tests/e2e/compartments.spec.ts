/**
 * Compartments in the browser (issue 13): the regiehouder opens a `zorg`
 * compartment, invites the Veilig Thuis member (and herself) with the history
 * grant, and posts a regie update narrowed to it. The VT member reads it, marked
 * with its place; the police member of the same case does not see it, is offered
 * no way in, and the regiehouder's form says in Dutch why the police member
 * cannot be chosen. The homeserver serves the police member nothing of the
 * compartment (raw client API). Every state of the panel passes axe.
 */
import { randomBytes } from 'node:crypto';
import { test, expect, openAs, snap, expectAccessible, expectCaseOpen, type UserSession } from './fixtures.ts';
import { E2E_PASSWORD, type E2EEnvironment } from './environment.ts';
import { configFromDataDir } from '../../src/lib/server/config.ts';
import { connectService } from '../../src/lib/server/service-account.ts';
import { CaseService } from '../../src/lib/server/cases.ts';
import { passwordLogin } from '../../src/lib/server/synapse-admin.ts';
import { MatrixHttp } from '../../src/lib/server/http.ts';
import { Accounts } from '../../src/lib/server/accounts.ts';
import { STATE } from '../../src/lib/case/event-types.ts';
import { instant } from '../../src/lib/case/time.ts';

test.describe.configure({ mode: 'serial' });
test.setTimeout(300_000);

const enc = encodeURIComponent;
const marker = `CMP${randomBytes(4).toString('hex').toUpperCase()}`;
const shared = `GED${randomBytes(4).toString('hex').toUpperCase()}`;

/**
 * A case opened by a CSG casemanager (the service creates it, as the app does), with a VT and a
 * police member joined, and purposes on the access basis as a consent record sets them: CSG for
 * coordination and care, VT by its statutory task (safety and care), the police for coordination
 * and investigation only. The people are this test's own, so other tests' case lists stay as they are.
 */
async function caseWithPurposes(env: E2EEnvironment) {
	const config = configFromDataDir(env.dataDir);
	const service = await connectService(config);
	const cases = new CaseService(config, service);
	const accounts = new Accounts(config, service);
	const suffix = randomBytes(3).toString('hex');
	const login = async (org: string, name: string) => {
		const localpart = `e2e.cmp-${org.toLowerCase()}.${suffix}`;
		await accounts.addUser({ localpart, org, roles: ['professional'], password: E2E_PASSWORD, displayName: name });
		const l = await passwordLogin(env.homeserverUrl, localpart, E2E_PASSWORD, 'e2e-setup');
		return { userId: l.user_id, localpart, http: new MatrixHttp(env.homeserverUrl, l.access_token) };
	};
	const csg = await login('CSG', `Ilse CSG ${suffix}`);
	const vt = await login('VT', `Bram VT ${suffix}`);
	const politie = await login('POLITIE', `Kees Politie ${suffix}`);
	const created = await cases.createCase(
		(await passwordLogin(env.homeserverUrl, csg.localpart, E2E_PASSWORD)).access_token,
		{
			region: 'DH',
			first_report_at: instant(Date.now() - 3 * 3_600_000),
			acute: false,
			access: [
				{ org: 'CSG', basis: 'consent' },
				{ org: 'VT', basis: 'statutory', ground: 'wmo2015-vt' },
				{ org: 'POLITIE', basis: 'consent' }
			]
		}
	);
	const room = enc(created.roomId);
	await csg.http.post(`/_matrix/client/v3/rooms/${room}/join`, {});
	const since = instant();
	await csg.http.put(`/_matrix/client/v3/rooms/${room}/state/${STATE.access}/`, {
		v: 1,
		organisations: [
			{ org: 'CSG', since, basis: 'consent', purposes: ['coordination', 'care'] },
			{ org: 'VT', since, basis: 'statutory', ground: 'wmo2015-vt' },
			{ org: 'POLITIE', since, basis: 'consent', purposes: ['coordination', 'investigation'] }
		]
	});
	for (const u of [vt, politie]) {
		await csg.http.post(`/_matrix/client/v3/rooms/${room}/invite`, { user_id: u.userId, reason: 'mdt-triage' });
		await u.http.post(`/_matrix/client/v3/rooms/${room}/join`, {});
	}
	return { ...created, csg, vt, politie, service };
}

test('a regiehouder opens a care compartment, invites into it, and only its members read what goes there', async ({
	browser,
	env
}, testInfo) => {
	const setup = await caseWithPurposes(env);
	const caseUrl = `${env.appUrl}/cases/${enc(setup.roomId)}`;
	let csg: UserSession, vt: UserSession, politie: UserSession;

	await test.step('the three members sign in, each on their own device, and open the case', async () => {
		[csg, vt, politie] = await Promise.all([
			openAs(browser, env, setup.csg.localpart),
			openAs(browser, env, setup.vt.localpart),
			openAs(browser, env, setup.politie.localpart)
		]);
		for (const s of [csg, vt, politie]) {
			await s.page.goto(caseUrl);
			await expectCaseOpen(s.page, setup.reference);
		}
	});

	await test.step('the regiehouder opens the zorg compartment', async () => {
		const p = csg.page;
		await p.getByRole('link', { name: 'Compartimenten' }).click();
		await expect(p.getByRole('heading', { level: 2, name: 'Compartimenten van de casus' })).toBeVisible();
		await expect(p.getByTestId('compartments-none')).toBeVisible();
		await expectAccessible(p, 'compartments panel, none yet');
		// Nothing chosen: the form says what is missing.
		await p.getByRole('button', { name: 'Compartiment openen' }).click();
		await expect(p.getByTestId('form-errors')).toContainText('Soort compartiment');
		await p.getByLabel('Soort compartiment').selectOption({ label: 'Zorg (CSG, Veilig Thuis, Slachtofferhulp)' });
		await p.getByRole('button', { name: 'Compartiment openen' }).click();
		await expect(p.getByRole('status').filter({ hasText: 'Compartiment zorg is geopend' })).toBeVisible({
			timeout: 60_000
		});
		const zorg = p.getByTestId('compartment').filter({ hasText: 'Compartiment zorg' });
		await expect(zorg).toContainText('Doel: Hulp en zorg');
		await expect(zorg).toContainText('U zit niet in dit compartiment');
		// The kind the case has now is no longer offered.
		await expect(p.getByLabel('Soort compartiment').locator('option[value=zorg]')).toBeDisabled();
	});

	await test.step('the regiehouder invites the VT member and herself; the police member cannot be chosen, and the form says why', async () => {
		const p = csg.page;
		const form = p.getByTestId('compartment-invite-form');
		await form.getByLabel('Compartiment', { exact: true }).selectOption('zorg');
		const who = form.getByLabel('Wie');
		await expect(who.locator(`option[value="${setup.vt.userId}"]`)).toHaveCount(1);
		await expect(who.locator(`option[value="${setup.csg.userId}"]`)).toHaveCount(1);
		await expect(who.locator(`option[value="${setup.politie.userId}"]`)).toHaveCount(0);
		const why = form.getByTestId('compartment-not-choosable').locator(`li[data-user="${setup.politie.userId}"]`);
		await expect(why).toContainText(
			'De grondslag van POLITIE in deze casus dekt het doel van dit compartiment niet. Leg eerst toestemming voor dat doel of een wettelijke grondslag vast.'
		);
		// The history grant follows the purpose: care reads what was recorded before.
		await expect(form.getByLabel('Mag eerdere verslagen lezen')).toBeChecked();
		await expectAccessible(p, 'compartments panel, invite form');
		await snap(p, testInfo, 'invite into zorg');

		await who.selectOption(setup.vt.userId);
		await form.getByRole('button', { name: 'Uitnodigen' }).click();
		await expect(form.getByRole('status')).toContainText('wordt uitgenodigd in compartiment zorg', { timeout: 60_000 });
		await form.getByLabel('Compartiment', { exact: true }).selectOption('zorg');
		await form.getByLabel('Wie').selectOption(setup.csg.userId);
		await form.getByRole('button', { name: 'Uitnodigen' }).click();
		await expect(form.getByRole('status')).toContainText('wordt uitgenodigd in compartiment zorg', { timeout: 60_000 });

		const zorg = p.getByTestId('compartment').filter({ hasText: 'Compartiment zorg' });
		await expect(zorg.getByTestId('compartment-member')).toHaveCount(2, { timeout: 60_000 });
		await expect(zorg.locator(`[data-user="${setup.vt.userId}"]`)).toContainText('Mag eerdere verslagen lezen');
		// Her own client joins the compartment she was invited into.
		await expect(zorg.getByTestId('compartment-mine')).toHaveText('U zit in dit compartiment.', { timeout: 60_000 });
		await expectAccessible(p, 'compartments panel, members');
		await snap(p, testInfo, 'zorg with its members');
	});

	await test.step('the VT member is in the compartment now', async () => {
		const p = vt.page;
		await p.getByRole('link', { name: 'Compartimenten' }).click();
		const zorg = p.getByTestId('compartment').filter({ hasText: 'Compartiment zorg' });
		await expect(zorg.getByTestId('compartment-mine')).toHaveText('U zit in dit compartiment.', { timeout: 60_000 });
		// A member, not a coordinator: no forms, and no list of who is in it from the server.
		await expect(p.getByTestId('compartment-open-form')).toHaveCount(0);
		await expect(p.getByTestId('compartment-invite-form')).toHaveCount(0);
	});

	await test.step('the regiehouder posts a regie update narrowed to zorg', async () => {
		const p = csg.page;
		await p.getByRole('link', { name: 'Regie-update' }).click();
		await expect(p.getByTestId('update-form')).toBeVisible();
		await p.getByLabel('Wat is besproken').fill(`Zorggesprek ${marker}`);
		await p.getByLabel('Actie 1', { exact: true }).fill('Afspraak bij de psycholoog');
		await p.getByLabel('Volgende stappen').fill(`Over een week opnieuw bellen ${marker}`);
		await p.getByTestId('record-location').selectOption('zorg');
		await p.getByRole('button', { name: 'Update plaatsen' }).click();
		await expect(p).toHaveURL(/\/cases\/![^/]+$/);
		const entry = p.getByTestId('timeline-entry').filter({ hasText: `Zorggesprek ${marker}` });
		await expect(entry.getByTestId('entry-location')).toHaveText('In compartiment zorg', { timeout: 60_000 });
		// A message to the team narrowed to zorg too: the composer offers the same choice.
		await p.getByLabel('Bericht aan het team').fill(`Bericht ${marker}`);
		await p.getByTestId('composer').getByTestId('record-location').selectOption('zorg');
		await p.getByRole('button', { name: 'Versturen' }).click();
		const message = p.getByTestId('timeline-entry').filter({ hasText: `Bericht ${marker}` });
		await expect(message.getByTestId('entry-location')).toHaveText('In compartiment zorg', { timeout: 60_000 });
		// Then one for everyone (the default place), so the others' views are known to be past the first.
		await p.getByRole('link', { name: 'Regie-update' }).click();
		await p.getByLabel('Wat is besproken').fill(`Voor iedereen ${shared}`);
		await p.getByLabel('Actie 1', { exact: true }).fill('Overleg in het MDT');
		await p.getByLabel('Volgende stappen').fill('Volgende week bespreken');
		await expect(p.getByTestId('record-location')).toHaveValue('shared');
		await p.getByRole('button', { name: 'Update plaatsen' }).click();
		await expect(p).toHaveURL(/\/cases\/![^/]+$/);
	});

	await test.step('the VT member reads it, marked with its place', async () => {
		const p = vt.page;
		await p.getByRole('link', { name: 'Tijdlijn' }).click();
		const entry = p.getByTestId('timeline-entry').filter({ hasText: `Zorggesprek ${marker}` });
		await expect(entry).toBeVisible({ timeout: 60_000 });
		await expect(entry.getByTestId('entry-location')).toHaveText('In compartiment zorg');
		const message = p.getByTestId('timeline-entry').filter({ hasText: `Bericht ${marker}` });
		await expect(message.getByTestId('entry-location')).toHaveText('In compartiment zorg', { timeout: 60_000 });
		// …and the one for everyone, without a mark.
		const forAll = p.getByTestId('timeline-entry').filter({ hasText: shared });
		await expect(forAll).toBeVisible({ timeout: 60_000 });
		await expect(forAll.getByTestId('entry-location')).toHaveCount(0);
		await snap(p, testInfo, 'VT reads the care update');
	});

	await test.step('the police member does not see it and is offered no way in', async () => {
		const p = politie.page;
		await p.reload();
		await expectCaseOpen(p, setup.reference);
		// The update for everyone, sent after the one narrowed to zorg, is there; the one in zorg is not.
		await expect(p.getByTestId('timeline-entry').filter({ hasText: shared })).toBeVisible({ timeout: 60_000 });
		await expect(p.getByText(marker)).toHaveCount(0);
		await expect(p.getByTestId('entry-location')).toHaveCount(0);
		await p.getByRole('link', { name: 'Compartimenten' }).click();
		const zorg = p.getByTestId('compartment').filter({ hasText: 'Compartiment zorg' });
		await expect(zorg.getByTestId('compartment-mine')).toHaveText('U zit niet in dit compartiment en leest het niet.');
		await expect(zorg.getByTestId('compartment-members')).toHaveCount(0);
		await expect(p.getByTestId('compartment-open-form')).toHaveCount(0);
		await expect(p.getByTestId('compartment-invite-form')).toHaveCount(0);
		await expectAccessible(p, 'compartments panel, not a member');
		await snap(p, testInfo, 'police: no way in');
		// Nor through the homeserver: not a member, so it serves nothing of the compartment, and a join is refused.
		const state = await setup.service.getStateEvent<{ room_id: string }>(
			setup.roomId,
			'nl.casusruimte.compartment',
			'zorg'
		);
		const zorgRoom = enc(state!.room_id);
		await expect(
			setup.politie.http.get(`/_matrix/client/v3/rooms/${zorgRoom}/messages`, { dir: 'b' })
		).rejects.toMatchObject({
			status: 403
		});
		await expect(setup.politie.http.post(`/_matrix/client/v3/rooms/${zorgRoom}/join`, {})).rejects.toMatchObject({
			status: 403
		});
		// And its own case view, after all this, still holds nothing of it.
		await expect(p.getByText(marker)).toHaveCount(0);
	});

	for (const s of [csg!, vt!, politie!]) await s.context.close();
});
