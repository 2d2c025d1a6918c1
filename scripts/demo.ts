/**
 * `npm start`: the whole thing on this machine. Starts Synapse (data in
 * .data/demo, reused between runs), provisions the demo world, builds and starts
 * the web app, and prints where to go and how to sign in. Ctrl-C stops it all.
 *
 * Overrides: CASUS_HS_PORT (8008), CASUS_APP_PORT (5173), CASUS_DATA_DIR,
 * DATABASE_URL (postgres://… to use PostgreSQL instead of SQLite).
 */
import { startSynapse, type RunningSynapse } from './lib/synapse.ts';
import { startAppServer, type RunningApp } from './lib/app-server.ts';
import { ensureBuilt } from './lib/build.ts';
import { DEMO_DATA_DIR } from './lib/paths.ts';
import { DEMO_PASSWORD, DEMO_USERS, provisionDemoMdts, provisionDemoWorld, seedDemoCases } from './lib/demo-world.ts';
import { CaseService } from '../src/lib/server/cases.ts';
import { configFromDataDir } from '../src/lib/server/config.ts';
import { connectService } from '../src/lib/server/service-account.ts';
import { Accounts } from '../src/lib/server/accounts.ts';
import { generateSchemas } from './generate-schemas.ts';

const hsPort = Number(process.env.CASUS_HS_PORT ?? 8008);
const appPort = Number(process.env.CASUS_APP_PORT ?? 5173);
const started = Date.now();
let synapse: RunningSynapse | undefined;
let web: RunningApp | undefined;
let stopping = false;

async function shutdown(code: number): Promise<never> {
	if (!stopping) {
		stopping = true;
		console.log('\ncasusruimte: stopping…');
		await web?.stop().catch(() => undefined);
		await synapse?.stop().catch(() => undefined);
		console.log('casusruimte: stopped. Your data stays in ' + DEMO_DATA_DIR + '.');
	}
	process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
	generateSchemas();
	console.log(`casusruimte: starting Synapse on port ${hsPort} (data: ${DEMO_DATA_DIR})…`);
	synapse = await startSynapse({
		dataDir: DEMO_DATA_DIR,
		profile: 'demo',
		port: hsPort,
		databaseUrl: process.env.DATABASE_URL || undefined
	});
	const config = configFromDataDir(DEMO_DATA_DIR);
	const service = await connectService(config);
	const accounts = new Accounts(config, service);
	const { created } = await provisionDemoWorld(accounts);
	if (created) console.log(`casusruimte: provisioned ${created} demo accounts.`);
	const caseService = new CaseService(config, service);
	const { seated } = await provisionDemoMdts(accounts, caseService);
	if (seated) console.log(`casusruimte: seated ${seated} members in the Den Haag and Oost-Brabant MDTs.`);
	const seeded = await seedDemoCases(caseService, config.homeserverUrl);
	if (seeded)
		console.log(
			`casusruimte: opened ${seeded} demo cases (invitations waiting for csg.mulder, vt.devries and ob.politie.vandenberg).`
		);
	await ensureBuilt();
	web = await startAppServer({
		port: appPort,
		homeserverPublicUrl: synapse.info.publicBaseurl,
		dataDir: DEMO_DATA_DIR
	});

	const width = Math.max(...DEMO_USERS.map((u) => u.localpart.length));
	console.log(`
  Casusruimte is running (ready in ${((Date.now() - started) / 1000).toFixed(1)} s).

    Web app:     ${web.url}
    Homeserver:  ${synapse.info.publicBaseurl}  (server name "${synapse.info.serverName}", ${synapse.info.database})

  Sign in with any of these accounts; the password is ${DEMO_PASSWORD}
${DEMO_USERS.map((u) => `    ${u.localpart.padEnd(width)}  ${u.org.padEnd(7)}  ${u.what}`).join('\n')}

  Administration: npm run admin -- user list   (the MDTs: npm run admin -- mdt list)
  Press Ctrl-C to stop.
`);
	synapse.process.on('exit', (code) => {
		if (!stopping) {
			console.error(`casusruimte: Synapse stopped unexpectedly (code ${code}); see ${DEMO_DATA_DIR}/homeserver.log`);
			void shutdown(1);
		}
	});
} catch (err) {
	console.error(`casusruimte: ${err instanceof Error ? err.message : String(err)}`);
	await shutdown(1);
}
