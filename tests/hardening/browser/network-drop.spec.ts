/**
 * The browser loses its network (Playwright's offline emulation: every request
 * fails) while the case list is open; cases opened for the user meanwhile show
 * up once the network is back, without a reload: the client's sync resumes by
 * itself. (Queued structured updates across a network drop are covered at
 * protocol level in tests/hardening/network-drop.test.ts until the web client
 * has its case view.)
 */
import { test, expect } from '@playwright/test';
import { e2eEnvironment, E2E_PASSWORD } from '../../e2e/environment.ts';
import { configFromDataDir } from '../../../src/lib/server/config.ts';
import { connectService } from '../../../src/lib/server/service-account.ts';
import { Accounts } from '../../../src/lib/server/accounts.ts';
import { CaseService } from '../../../src/lib/server/cases.ts';
import { passwordLogin } from '../../../src/lib/server/synapse-admin.ts';
import { MatrixHttp } from '../../../src/lib/server/http.ts';
import { probeCaseList } from '../../../bench/lib/case-list.ts';
import { newCaseInput, uniqueLocalpart } from '../../../bench/lib/world.ts';

test('the case list catches up by itself after the network was gone', async ({ page, context }) => {
	const env = e2eEnvironment();
	const config = configFromDataDir(env.dataDir);
	const service = await connectService(config);
	const localpart = uniqueLocalpart('offline.csg');
	await new Accounts(config, service).addUser({ localpart, org: 'CSG', roles: ['professional'], password: E2E_PASSWORD });
	const login = await passwordLogin(env.homeserverUrl, localpart, E2E_PASSWORD, 'test-setup');
	const http = new MatrixHttp(env.homeserverUrl, login.access_token);
	const cases = new CaseService(config, service);
	const openCase = async () => {
		const { roomId } = await cases.createCase(login.access_token, newCaseInput());
		await http.post(`/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/join`, {});
	};
	await openCase();

	await page.goto(`${env.appUrl}/login`);
	await page.getByLabel(/Gebruikersnaam/i).fill(localpart);
	await page.getByLabel(/Wachtwoord/i).fill(E2E_PASSWORD);
	await page.getByRole('button', { name: /Aanmelden/i }).click();
	await expect.poll(async () => (await probeCaseList(page)).rows, { timeout: 60_000 }).toBe(1);

	await context.setOffline(true);
	await openCase();
	await openCase();
	await page.waitForTimeout(3000);
	expect((await probeCaseList(page)).rows).toBe(1); // really offline

	await context.setOffline(false);
	await expect.poll(async () => (await probeCaseList(page)).rows, { timeout: 90_000, intervals: [500] }).toBe(3);
	await expect(page.getByRole('alert')).toHaveCount(0);
});
