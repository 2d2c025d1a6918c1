/**
 * A privacy officer signs in, lands on the console, reviews a case (members,
 * history, no content), removes a member with a reason, and exports the
 * access-review report as CSV; every page passes the accessibility check.
 */
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { test, expect, signIn, expectAccessible } from './fixtures.ts';
import { E2E_PASSWORD, type E2EEnvironment } from './environment.ts';
import { configFromDataDir } from '../../src/lib/server/config.ts';
import { connectService } from '../../src/lib/server/service-account.ts';
import { CaseService } from '../../src/lib/server/cases.ts';
import { passwordLogin } from '../../src/lib/server/synapse-admin.ts';
import { MatrixHttp } from '../../src/lib/server/http.ts';
import { Accounts } from '../../src/lib/server/accounts.ts';
import { instant } from '../../src/lib/case/time.ts';

const enc = encodeURIComponent;

/**
 * A case opened by a CSG professional (service-account creation, as the app does), with VT and
 * police members. The people are this test's own, so other tests' users keep their empty case lists.
 */
async function caseWithMembers(env: E2EEnvironment) {
	const config = configFromDataDir(env.dataDir);
	const service = await connectService(config);
	const cases = new CaseService(config, service);
	const accounts = new Accounts(config, service);
	const suffix = randomBytes(3).toString('hex');
	const login = async (org: string) => {
		const localpart = `e2e.po-${org.toLowerCase()}.${suffix}`;
		await accounts.addUser({ localpart, org, roles: ['professional'], password: E2E_PASSWORD });
		const l = await passwordLogin(env.homeserverUrl, localpart, E2E_PASSWORD, 'e2e-setup');
		return {
			userId: l.user_id,
			localpart,
			token: l.access_token,
			http: new MatrixHttp(env.homeserverUrl, l.access_token)
		};
	};
	const csg = await login('CSG');
	const others = [await login('VT'), await login('POLITIE')];
	const created = await cases.createCase(csg.token, {
		region: 'DH',
		first_report_at: instant(Date.now() - 3 * 3_600_000),
		acute: false,
		access: [
			{ org: 'CSG', basis: 'consent' },
			{ org: 'VT', basis: 'statutory', ground: 'wmo2015-vt' },
			{ org: 'POLITIE', basis: 'consent' }
		]
	});
	await csg.http.post(`/_matrix/client/v3/rooms/${enc(created.roomId)}/join`, {});
	for (const u of others) {
		await csg.http.post(`/_matrix/client/v3/rooms/${enc(created.roomId)}/invite`, {
			user_id: u.userId,
			reason: 'mdt-triage'
		});
		await u.http.post(`/_matrix/client/v3/rooms/${enc(created.roomId)}/join`, {});
	}
	return { ...created, politie: others[1]!.userId, vt: others[0]!, csg };
}

// The console reads every case of the shared e2e homeserver (200+ after many-cases): a whole
// review with four pages and axe checks takes more than the default two minutes on a loaded machine.
test.setTimeout(240_000);

test('a privacy officer reviews a case, removes a member with a reason and exports the report', async ({
	page,
	env
}) => {
	const c = await caseWithMembers(env);

	await signIn(page, env, 'e2e.privacy', E2E_PASSWORD, /\/privacy$/);
	await expect(page.getByRole('heading', { level: 1, name: /Privacyconsole/ })).toBeVisible();
	// The overview is one page from the server (issue 15), most urgent signals first; the shared
	// homeserver holds hundreds of cases, so the officer searches for this one by its reference.
	await expect(page.getByTestId('privacy-range')).toContainText(/Casussen 1–\d+ van \d+/);
	const rows = page.getByTestId('privacy-cases').getByRole('row');
	expect(await rows.count()).toBeLessThanOrEqual(51); // a header row and at most one page
	await page.getByLabel('Zoek op kenmerk of ruimte-ID').fill(c.reference.toLowerCase());
	await page.getByRole('button', { name: 'Zoeken' }).click();
	await expect(page.getByTestId('privacy-range')).toHaveText('Casussen 1–1 van 1');
	const row = rows.filter({ has: page.getByRole('link', { name: c.reference }) });
	await expect(row).toContainText('POLITIE: 1');
	// The region and phase filters narrow on the server too (the search stays).
	await page.getByLabel('Regio', { exact: true }).selectOption('DH');
	await expect(row).toBeVisible();
	await page.getByLabel('Toon', { exact: true }).selectOption('closed');
	await expect(page.getByTestId('privacy-range')).toHaveText('Geen casussen die hieraan voldoen.');
	await page.getByLabel('Toon', { exact: true }).selectOption('open');
	await expect(row).toContainText('POLITIE: 1');
	await expect(page.getByRole('link', { name: 'Privacyconsole' })).toBeVisible();
	await expectAccessible(page, 'privacy overview');

	// Review the case: members, history, the access basis; never content.
	await page.getByRole('link', { name: c.reference }).click();
	await expect(page.getByRole('heading', { level: 1, name: `Casus ${c.reference}` })).toBeVisible();
	const members = page.getByTestId('privacy-members');
	await expect(members).toContainText(c.politie);
	// reasons are codes, shown through i18n; never free text
	await expect(page.getByTestId('membership-history')).not.toContainText('mdt-triage');
	await expect(page.getByText('Geschiedenis van de grondslag')).toBeVisible();
	await expectAccessible(page, 'privacy case');

	// Remove the police officer, with a reason.
	await page.getByRole('button', { name: `Verwijderen ${c.politie}` }).click();
	await expect(page.getByRole('heading', { name: `${c.politie} verwijderen` })).toBeFocused();
	const form = page.getByRole('form', { name: 'Lid verwijderen' });
	await form.getByRole('button', { name: 'Verwijderen', exact: true }).click();
	await expect(form.getByText('Kies een reden uit de lijst')).toHaveClass(/error/); // no reason: refused in the form
	await form.getByLabel('Reden (verplicht)').selectOption('member-not-covered');
	await expectAccessible(page, 'privacy remove form');
	await form.getByRole('button', { name: 'Verwijderen', exact: true }).click();
	await expect(page.getByRole('status').filter({ hasText: 'is verwijderd' })).toBeVisible();
	await expect(members).not.toContainText(c.politie);
	await expect(page.getByTestId('membership-history')).not.toContainText('not-covered');
	// The homeserver agrees, and holds only the code.
	const member = await c.csg.http.get<{ membership: string; reason: string }>(
		`/_matrix/client/v3/rooms/${enc(c.roomId)}/state/m.room.member/${enc(c.politie)}`
	);
	expect(member).toMatchObject({ membership: 'leave', reason: 'not-covered' });

	// The audit log shows the removal with its reason (a code, shown by its label).
	await page.getByRole('link', { name: 'Auditlog' }).click();
	await expect(page.getByTestId('audit-chain')).toContainText('De keten is intact');
	await expect(
		page.getByTestId('audit-log').getByRole('row').filter({ hasText: 'Lid verwijderd' }).first()
	).not.toContainText('member-not-covered');
	await expectAccessible(page, 'privacy audit');

	// The access-review report for this period: on screen, printable, and as CSV.
	await page.getByRole('link', { name: 'Toegangsrapportage' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Toegangsrapportage' })).toBeVisible();
	await page.getByRole('button', { name: 'Rapport tonen' }).click();
	const reportRow = page.getByTestId('report-table').getByRole('row').filter({ hasText: c.reference });
	await expect(reportRow).toBeVisible();
	await expect(page.getByTestId('report-table')).not.toContainText('@');
	await expectAccessible(page, 'privacy report');
	const [download] = await Promise.all([
		page.waitForEvent('download'),
		page.getByRole('button', { name: 'Download CSV' }).click()
	]);
	expect(download.suggestedFilename()).toMatch(/^toegangsreview-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
	const csv = readFileSync((await download.path())!, 'utf8');
	const header = csv.split('\r\n')[0]!.split(',');
	const line = csv.split('\r\n').find((l) => l.startsWith(`${c.reference},`))!;
	expect(line.split(',')[header.indexOf('verwijderd')]).toBe('1');
	expect(csv).not.toMatch(/@e2e\./);

	// The pilot figures page is reachable and accessible too.
	await page.getByRole('link', { name: 'Pilotcijfers' }).click();
	await page.getByRole('button', { name: 'Cijfers tonen' }).click();
	await expect(page.getByTestId('figures-regions')).toContainText('<5');
	await expectAccessible(page, 'privacy figures');
});

test('an MDT member who opens the console is refused and keeps the ordinary start page', async ({ page, env }) => {
	const { vt } = await caseWithMembers(env);
	await signIn(page, env, vt.localpart);
	await expect(page.getByRole('link', { name: 'Privacyconsole' })).toHaveCount(0);
	await page.goto(`${env.appUrl}/privacy`);
	await expect(page.getByRole('alert')).toContainText('Alleen privacy officers');
	await expectAccessible(page, 'privacy refused');
});
