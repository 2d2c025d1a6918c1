/**
 * Playwright global setup: a throwaway Synapse, the demo-like accounts the tests
 * use, and the built web app, on free ports. Passed to the tests through the
 * CASUS_E2E environment variable (see fixtures.ts).
 */
import { startThrowawaySynapse } from '../support/throwaway-synapse.ts';
import { startAppServer } from '../../scripts/lib/app-server.ts';
import { ensureBuilt } from '../../scripts/lib/build.ts';
import { syncChoice } from '../../src/lib/matrix/sync-choice.ts';
import { freePort } from '../../scripts/lib/ports.ts';
import { configFromDataDir } from '../../src/lib/server/config.ts';
import { connectService } from '../../src/lib/server/service-account.ts';
import { Accounts } from '../../src/lib/server/accounts.ts';
import { E2E_PASSWORD, E2E_USERS, type E2EEnvironment } from './environment.ts';

export default async function globalSetup() {
	await ensureBuilt();
	const synapse = await startThrowawaySynapse({ label: 'e2e' });
	const config = configFromDataDir(synapse.dataDir);
	const accounts = new Accounts(config, await connectService(config));
	for (const user of E2E_USERS) await accounts.addUser({ ...user, password: E2E_PASSWORD });
	// How the web app syncs: PUBLIC_CASUS_SYNC when given, else CASUS_TEST_SYNC (as the integration
	// tests' devices), else the app's default (sliding). The app server reads it at run time.
	const sync = syncChoice(process.env.PUBLIC_CASUS_SYNC || process.env.CASUS_TEST_SYNC);
	console.log(`e2e: the web app syncs through ${sync === 'sliding' ? 'sliding sync (MSC4186)' : 'classic /sync'}`);
	// The daily retention job stays off: tests run it themselves (npm run retention).
	const web = await startAppServer({
		port: await freePort(),
		homeserverPublicUrl: synapse.info.publicBaseurl,
		dataDir: synapse.dataDir,
		quiet: true,
		env: { CASUS_RETENTION_JOB_HOURS: '0', PUBLIC_CASUS_SYNC: sync }
	});
	const environment: E2EEnvironment = {
		appUrl: web.url,
		homeserverUrl: synapse.info.homeserverUrl,
		dataDir: synapse.dataDir,
		serverName: synapse.info.serverName,
		sync
	};
	process.env.CASUS_E2E = JSON.stringify(environment);
	return async () => {
		await web.stop();
		await synapse.cleanup();
	};
}
