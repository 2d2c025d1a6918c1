/**
 * The browser loses its network (Playwright's offline emulation: every request
 * fails) while the case list is open; cases opened for the user meanwhile show
 * up once the network is back, without a reload: the client's sync resumes by
 * itself. (Queued structured updates across a network drop and a reload are covered
 * in tests/e2e/offline.spec.ts and, at protocol level with injected faults, in
 * tests/hardening/network-drop.test.ts.)
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
import { signIn } from '../../e2e/fixtures.ts';
import { newCaseInput, uniqueLocalpart } from '../../support/world.ts';

test('the case list catches up by itself after the network was gone', async ({ page, context }) => {
	const env = e2eEnvironment();
	const config = configFromDataDir(env.dataDir);
	const service = await connectService(config);
	const localpart = uniqueLocalpart('offline.csg');
	await new Accounts(config, service).addUser({
		localpart,
		org: 'CSG',
		roles: ['professional'],
		password: E2E_PASSWORD
	});
	const login = await passwordLogin(env.homeserverUrl, localpart, E2E_PASSWORD, 'test-setup');
	const http = new MatrixHttp(env.homeserverUrl, login.access_token);
	const cases = new CaseService(config, service);
	const openCase = async () => {
		const { roomId } = await cases.createCase(login.access_token, newCaseInput());
		await http.post(`/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/join`, {});
	};
	await openCase();

	// Through the real first sign-in: encryption set-up, then the case list.
	await signIn(page, env, localpart);
	await expect.poll(async () => (await probeCaseList(page)).rows, { timeout: 60_000 }).toBe(1);

	await context.setOffline(true);
	// The user is told, and the cases opened meanwhile wait on the server.
	await expect(page.getByText('Geen verbinding.')).toBeVisible({ timeout: 60_000 });
	await openCase();
	await openCase();

	await context.setOffline(false);
	await expect.poll(async () => (await probeCaseList(page)).rows, { timeout: 90_000, intervals: [500] }).toBe(3);
	await expect(page.getByRole('alert')).toHaveCount(0);
});
