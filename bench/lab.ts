/**
 * Lab for the case list at scale: one seeded homeserver kept between runs, so a client change
 * can be measured without seeding again. Not part of `npm run bench`.
 *
 *   npx tsx bench/lab.ts seed 500      # (first time: creates the server) adds 500 case rooms
 *   npx tsx bench/lab.ts measure [runs] # cold starts in Chromium (BENCH_TRACE=1 for a trace)
 *   npx tsx bench/lab.ts sync           # the raw classic /sync baseline
 *   npx tsx bench/lab.ts drop           # removes the server and its database
 */
import './lib/quiet.ts';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { startSynapse } from '../scripts/lib/synapse.ts';
import { freePort } from '../scripts/lib/ports.ts';
import { ensureBuilt } from '../scripts/lib/build.ts';
import { startAppServer } from '../scripts/lib/app-server.ts';
import { generateSchemas } from '../scripts/generate-schemas.ts';
import { passwordLogin } from '../src/lib/server/synapse-admin.ts';
import { MatrixHttp } from '../src/lib/server/http.ts';
import { databaseUrl, dropDatabase } from '../tests/support/postgres.ts';
import { openWorld, createUser, startDevice, type WorldUser } from '../tests/support/world.ts';
import { seedCaseRooms, openCaseCount } from './seed.ts';
import { launchChromium, measureBrowser, newContext } from './browser.ts';
import { caseListTimes, installCaseListRecorder, signInAndWaitForList } from './lib/case-list.ts';
import { measureInitialSync } from './initial-sync.ts';

const DIR = process.env.LAB_DIR ?? '/tmp/casus-lab';
const STATE = `${DIR}/lab.json`;
const DB = process.env.LAB_DB ?? 'casus_lab';
interface Lab {
	rooms: number;
	localpart: string;
	password: string;
	recoveryKey: string | null;
}
const log = (s: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${s}`);

async function main() {
	const [cmd, arg] = process.argv.slice(2);
	if (cmd === 'drop') {
		rmSync(DIR, { recursive: true, force: true });
		dropDatabase(DB);
		return;
	}
	generateSchemas();
	const fresh = !existsSync(STATE);
	if (fresh) mkdirSync(DIR, { recursive: true });
	const synapse = await startSynapse({
		dataDir: DIR,
		profile: 'test',
		port: await freePort(),
		databaseUrl: databaseUrl(DB),
		extraConfig: process.env.LAB_EXTRA ? [process.env.LAB_EXTRA] : undefined
	});
	try {
		const world = await openWorld(DIR);
		let lab: Lab;
		if (fresh) {
			const user = await createUser(world, 'CSG', ['professional'], 'bench');
			const first = await startDevice(world, user);
			lab = { rooms: 0, localpart: user.localpart, password: user.password, recoveryKey: first.recoveryKey };
			await first.stop();
			writeFileSync(STATE, JSON.stringify(lab));
		} else lab = JSON.parse(readFileSync(STATE, 'utf8')) as Lab;
		const login = await passwordLogin(world.homeserverUrl, lab.localpart, lab.password, 'lab');
		const user: WorldUser = {
			userId: login.user_id,
			localpart: lab.localpart,
			password: lab.password,
			accessToken: login.access_token,
			deviceId: login.device_id,
			http: new MatrixHttp(world.homeserverUrl, login.access_token)
		};
		if (cmd === 'seed') {
			const n = Number(arg ?? 500);
			const r = await seedCaseRooms(world, user, n, { log, referenceOffset: 10_000 + lab.rooms, concurrency: 12 });
			log(`${r.result.rooms} rooms in ${r.result.seconds} s`);
			lab.rooms += n;
			writeFileSync(STATE, JSON.stringify(lab));
		} else if (cmd === 'measure') {
			await ensureBuilt(log);
			const app = await startAppServer({
				port: await freePort(),
				homeserverPublicUrl: synapse.info.publicBaseurl,
				dataDir: DIR,
				quiet: true,
				env: { PUBLIC_CASUS_SYNC: process.env.BENCH_SYNC ?? 'sliding' }
			});
			try {
				const listed = openCaseCount(lab.rooms);
				const r = await measureBrowser(
					app.url,
					{ username: lab.localpart, password: lab.password, recoveryKey: lab.recoveryKey },
					listed,
					{ coldRuns: Number(arg ?? 3), warmRuns: Number(process.env.LAB_WARM ?? 0), log, timeoutMs: 600_000 }
				);
				log(
					`${lab.rooms} rooms: first row p50 ${r.coldFirstRow.p50}, first screen p50 ${r.coldFirstScreen.p50}, full list p50 ${r.coldFullList.p50}`
				);
			} finally {
				await app.stop();
			}
		} else if (cmd === 'profile') {
			await ensureBuilt(log);
			const app = await startAppServer({
				port: await freePort(),
				homeserverPublicUrl: synapse.info.publicBaseurl,
				dataDir: DIR,
				quiet: true,
				env: { PUBLIC_CASUS_SYNC: 'sliding' }
			});
			const browser = await launchChromium();
			try {
				for (let run = 0, runs = Number(arg ?? 2); run < runs; run++) {
					const context = await newContext(browser);
					const page = await context.newPage();
					const listed = openCaseCount(lab.rooms);
					await installCaseListRecorder(page, listed);
					const cdp = await context.newCDPSession(page);
					await cdp.send('Profiler.enable');
					await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
					let t0 = 0;
					await page.goto(`${app.url}/login`);
					await cdp.send('Profiler.start');
					await signInAndWaitForList(page, {
						appUrl: app.url,
						username: lab.localpart,
						password: lab.password,
						recoveryKey: lab.recoveryKey,
						expected: listed,
						timeoutMs: 600_000,
						onSubmit: () => (t0 = Date.now())
					});
					const { profile } = await cdp.send('Profiler.stop');
					const times = await caseListTimes(page);
					log(`first row ${times.first - t0} ms, first screen ${times.screen - t0}, full ${times.full - t0}`);
					if (run === runs - 1) writeFileSync(`${DIR}/profile.cpuprofile`, JSON.stringify(profile));
					await context.close();
				}
				log(`profile in ${DIR}/profile.cpuprofile`);
			} finally {
				await browser.close();
				await app.stop();
			}
		} else if (cmd === 'serve') {
			writeFileSync(
				`${DIR}/serve.json`,
				JSON.stringify({ url: world.homeserverUrl, token: user.accessToken, pid: synapse.process.pid })
			);
			log(`serving ${world.homeserverUrl} (pid ${synapse.process.pid}); token in ${DIR}/serve.json`);
			await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
		} else if (cmd === 'sync') {
			const r = await measureInitialSync(world, user);
			log(`${lab.rooms} rooms: raw classic /sync (8 events) ${r.classic8Ms} ms (${r.classic8Runs.join(', ')})`);
		}
	} finally {
		await synapse.stop();
	}
}

main().then(
	() => process.exit(0),
	(err) => {
		console.error(err);
		process.exit(1);
	}
);
