/**
 * `npm run bench`: every figure of issue 7 in one run against real homeservers,
 * printed as a table and written to bench/results.json.
 *
 * Order: build the app → Synapse (test profile) on a fresh PostgreSQL database
 * → structured-update latency with its baseline → case creation on the empty
 * server → seeding N case rooms for one account → case creation again with N
 * rooms on the server → cold/warm start and heap in Chromium → the initial
 * /sync alone over raw HTTP → bundle sizes →
 * server load → (stop; drop the database) → the same load against the worker
 * deployment (PostgreSQL + Redis) → the privacy overview at 100 and at
 * BENCH_PRIVACY_ROOMS case rooms on a homeserver of its own → results, with the
 * issue-15 targets (bench/lib/targets.ts) each run measured.
 *
 * Knobs (environment): BENCH_ROOMS (500; 2000 for the large run), BENCH_SENDS
 * (200), BENCH_CREATE (20), BENCH_COLD_RUNS (3), BENCH_WARM_RUNS (3),
 * BENCH_LOAD_MEMBERS (20), BENCH_LOAD_ROOMS (20), BENCH_LOAD_PER_ROOM (5),
 * BENCH_LOAD_SECONDS (30), BENCH_COMPARTMENT_RECORDS (80), BENCH_COMPARTMENT_RUNS
 * (10), BENCH_PRIVACY_ROOMS (10000; fewer for a quick run),
 * BENCH_PRIVACY_CONCURRENCY (8), BENCH_GUARD_MEMBERS (200), BENCH_GUARD_SECONDS
 * (30), BENCH_SYNC (sliding | classic: how the web app syncs), BENCH_SYNC_RUNS (3:
 * the raw classic /sync baseline, median), BENCH_GROWTH_FROM (500: with more rooms,
 * the cold start is first measured at this many rooms, then the rest is seeded),
 * BENCH_SKIP (comma list of: latency, compartments, creation, browser,
 * bundle, load, workers, privacy, guard).
 */
import './lib/quiet.ts'; // first: matrix-js-sdk logs every request otherwise
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { ROOT } from '../scripts/lib/paths.ts';
import { ensureBuilt } from '../scripts/lib/build.ts';
import { startAppServer } from '../scripts/lib/app-server.ts';
import { freePort } from '../scripts/lib/ports.ts';
import { startSynapseWorkers } from '../scripts/lib/synapse-workers.ts';
import { generateSchemas } from '../scripts/generate-schemas.ts';
import { startThrowawaySynapse } from '../tests/support/throwaway-synapse.ts';
import { databaseUrl, dropDatabase, postgresAvailable, uniqueDatabaseName } from '../tests/support/postgres.ts';
import { openWorld, createUser, startDevice } from '../tests/support/world.ts';
import { flushRedisDb, redisAvailable } from './lib/redis.ts';
import { measureLatency } from './latency.ts';
import { creationCast, measureCreation } from './creation.ts';
import { seedCaseRooms, openCaseCount } from './seed.ts';
import { measureBrowser } from './browser.ts';
import { measureBundle } from './bundle.ts';
import { measureInitialSync } from './initial-sync.ts';
import { runLoad, setUpLoad } from './load.ts';
import { measureCompartmentView } from './compartments.ts';
import { ratio } from './lib/stats.ts';
import { measurePrivacyOverview } from './privacy.ts';
import { measureGuardCost } from './guard-cost.ts';
import { atMost, targetLines, Targets, type Target } from './lib/targets.ts';
import { caseListTargets } from './lib/case-list-targets.ts';

const int = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const knobs = {
	rooms: int('BENCH_ROOMS', 500),
	sends: int('BENCH_SENDS', 200),
	create: int('BENCH_CREATE', 20),
	coldRuns: int('BENCH_COLD_RUNS', 3),
	warmRuns: int('BENCH_WARM_RUNS', 3),
	loadMembers: int('BENCH_LOAD_MEMBERS', 20),
	loadRooms: int('BENCH_LOAD_ROOMS', 20),
	loadPerRoom: int('BENCH_LOAD_PER_ROOM', 5),
	loadSeconds: int('BENCH_LOAD_SECONDS', 30),
	compartmentRecords: int('BENCH_COMPARTMENT_RECORDS', 80),
	compartmentRuns: int('BENCH_COMPARTMENT_RUNS', 10),
	privacyRooms: int('BENCH_PRIVACY_ROOMS', 10_000),
	privacyConcurrency: int('BENCH_PRIVACY_CONCURRENCY', 8),
	guardMembers: int('BENCH_GUARD_MEMBERS', 200),
	guardSeconds: int('BENCH_GUARD_SECONDS', 30),
	/** With more rooms than this, the cold start is also measured at this many, in the same run (growth). */
	growthFrom: int('BENCH_GROWTH_FROM', 500)
};
/** The smaller homeserver of the privacy figure ("with 100"). */
const PRIVACY_BASE = 100;
const targets = new Targets();
const skip = new Set(
	(process.env.BENCH_SKIP ?? '')
		.split(',')
		.map((s) => s.trim())
		.filter(Boolean)
);
const REDIS = {
	host: process.env.CASUS_REDIS_HOST ?? '127.0.0.1',
	port: int('CASUS_REDIS_PORT', 6379),
	dbid: int('BENCH_REDIS_DB', 13)
};

const started = Date.now();
const log = (s: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${s}`);
const results: Record<string, unknown> = {
	when: new Date().toISOString(),
	machine: {
		cpus: os.cpus().length,
		cpuModel: os.cpus()[0]?.model,
		memoryGB: Math.round(os.totalmem() / 2 ** 30),
		node: process.version
	},
	knobs
};
const cleanups: (() => Promise<void> | void)[] = [];
const cleanup = async () => {
	for (const c of cleanups.splice(0).reverse())
		await Promise.resolve(c()).catch((err) => console.error('cleanup:', err));
};
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));

async function main() {
	generateSchemas();
	if (!postgresAvailable())
		throw new Error(
			'The benchmarks need PostgreSQL at 127.0.0.1:5432 (user postgres, trust auth); see tests/support/postgres.ts.'
		);
	if (!skip.has('browser') || !skip.has('bundle') || !skip.has('privacy')) {
		log('building the web app (when sources changed)…');
		await ensureBuilt(log);
	}

	// --- one homeserver on PostgreSQL for everything but the worker run -------------
	const dbName = uniqueDatabaseName('casus_bench');
	log(`starting Synapse (test profile) on PostgreSQL database ${dbName}…`);
	const synapse = await startThrowawaySynapse({ databaseUrl: databaseUrl(dbName), label: 'bench' });
	cleanups.push(() => dropDatabase(dbName));
	cleanups.push(() => synapse.cleanup());
	const world = await openWorld(synapse.dataDir);
	results.homeserver = { database: 'postgresql', profile: 'test', synapse: '1.163.2' };

	if (!skip.has('latency')) {
		log(`structured-update latency: ${knobs.sends} updates and ${knobs.sends} bare messages, alternating…`);
		results.latency = await measureLatency(world, knobs.sends, log);
	}

	if (!skip.has('compartments')) {
		log('case view with three compartments against one without…');
		results.compartments = await measureCompartmentView(
			world,
			{ records: knobs.compartmentRecords, runs: knobs.compartmentRuns },
			log
		);
	}

	const cast = skip.has('creation') ? null : await creationCast(world);
	if (cast) {
		log(`case creation on a near-empty server: ${knobs.create} cases…`);
		results.creationEmpty = await measureCreation(world, cast, knobs.create);
	}

	// --- the account in N case rooms ---------------------------------------------------
	log(`seeding ${knobs.rooms} case rooms for one account…`);
	const benchUser = await createUser(world, 'CSG', ['professional'], 'bench');
	// Cross-signing, secret storage and backup from Node, so the browser signs in as a further device.
	const first = await startDevice(world, benchUser);
	const recoveryKey = first.recoveryKey;
	await first.stop();
	const coldStarts: Parameters<typeof caseListTargets>[0] = [];
	// Growth: the cold start at BENCH_GROWTH_FROM rooms first, then the rest is seeded.
	const small = !skip.has('browser') && knobs.rooms > knobs.growthFrom ? knobs.growthFrom : 0;
	if (small) {
		await seedCaseRooms(world, benchUser, small, { log });
		log(`browser at ${small} case rooms first (growth): cold start ×${knobs.coldRuns}…`);
		const smallBrowser = await browserRun(synapse.info.publicBaseurl, synapse.dataDir, benchUser, recoveryKey, {
			listed: openCaseCount(small),
			warmRuns: 0,
			timeoutMs: Math.max(180_000, small * 200)
		});
		const smallSync = await measureInitialSync(world, benchUser);
		results.growthFrom = { rooms: small, browser: smallBrowser, initialSync: smallSync };
		coldStarts.push({
			rooms: small,
			fullListMs: smallBrowser.coldFullList.p50,
			firstScreenMs: smallBrowser.coldFirstScreen.p50,
			classicSyncMs: smallSync.classic8Ms
		});
	}
	const seeded = await seedCaseRooms(world, benchUser, knobs.rooms - small, { log, referenceOffset: 10_000 + small });
	results.seeding = { ...seeded.result, rooms: knobs.rooms, before: small };
	log(
		`  ${seeded.result.rooms} rooms in ${seeded.result.seconds} s (${seeded.result.roomsPerSecond} rooms/s at concurrency ${seeded.result.concurrency})`
	);

	if (cast) {
		log(`case creation with ${knobs.rooms} case rooms on the server: ${knobs.create} cases…`);
		results.creationSeeded = await measureCreation(world, cast, knobs.create);
	}

	if (!skip.has('browser')) {
		const listed = openCaseCount(small) + openCaseCount(knobs.rooms - small);
		log(
			`browser: cold start ×${knobs.coldRuns}, warm start ×${knobs.warmRuns}, heap, for ${knobs.rooms} cases (${listed} open ones listed by default)…`
		);
		results.browser = await browserRun(synapse.info.publicBaseurl, synapse.dataDir, benchUser, recoveryKey, {
			listed,
			warmRuns: knobs.warmRuns,
			timeoutMs: Math.max(180_000, knobs.rooms * 200)
		});
		log(`initial /sync of the account over raw HTTP (${knobs.rooms} case rooms)…`);
		const sync = await measureInitialSync(world, benchUser);
		results.initialSync = sync;
		const b = results.browser as Awaited<ReturnType<typeof measureBrowser>>;
		coldStarts.push({
			rooms: knobs.rooms,
			fullListMs: b.coldFullList.p50,
			firstScreenMs: b.coldFirstScreen.p50,
			classicSyncMs: sync.classic8Ms
		});
		targets.add(...caseListTargets(coldStarts));
	}

	if (!skip.has('bundle')) {
		const bundle = measureBundle();
		results.bundle = bundle;
		const login = bundle.routes.find((r) => r.route === '/login');
		if (login) targets.add(atMost('sign-in page JavaScript, gzip (KB)', login.initialGzipKB, 60, ' KB'));
	}

	if (!skip.has('load')) {
		log(
			`server load (PostgreSQL, one process): ${knobs.loadMembers} members × ${knobs.loadRooms} rooms, ${knobs.loadSeconds} s…`
		);
		const setup = await setUpLoad(world, knobs.loadMembers, knobs.loadRooms, knobs.loadPerRoom);
		results.load = await runLoad(world.homeserverUrl, setup, knobs.loadSeconds);
	}
	await cleanup();

	// --- the worker deployment -----------------------------------------------------------
	if (!skip.has('workers') && !skip.has('load')) {
		if (!(await redisAvailable(REDIS.host, REDIS.port)))
			throw new Error(`The worker benchmark needs Redis at ${REDIS.host}:${REDIS.port}.`);
		const wDb = uniqueDatabaseName('casus_bench_workers');
		const dataDir = mkdtempSync(path.join(os.tmpdir(), 'casus-bench-workers-'));
		log(
			`starting the worker deployment (main, event persister, client and sync workers; PostgreSQL ${wDb}, Redis db ${REDIS.dbid})…`
		);
		cleanups.push(() => flushRedisDb(REDIS.host, REDIS.port, REDIS.dbid));
		cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
		cleanups.push(() => dropDatabase(wDb));
		const workers = await startSynapseWorkers({
			dataDir,
			profile: 'test',
			port: await freePort(),
			// Redis pub/sub channels are named after the server: a unique name keeps runs apart.
			serverName: `bench-${randomBytes(3).toString('hex')}.localhost`,
			databaseUrl: databaseUrl(wDb),
			redis: REDIS
		});
		cleanups.push(() => workers.stop());
		const wWorld = await openWorld(dataDir);
		log(`server load (workers): ${knobs.loadMembers} members × ${knobs.loadRooms} rooms, ${knobs.loadSeconds} s…`);
		const setup = await setUpLoad(wWorld, knobs.loadMembers, knobs.loadRooms, knobs.loadPerRoom);
		results.loadWorkers = await runLoad(wWorld.homeserverUrl, setup, knobs.loadSeconds);
		await cleanup();
	}

	// --- the privacy officer's overview at scale, on a homeserver of its own -------------
	if (!skip.has('privacy')) {
		const large = Math.max(knobs.privacyRooms, PRIVACY_BASE + 1);
		log(`privacy overview: ${PRIVACY_BASE} vs ${large} case rooms (own homeserver, PostgreSQL)…`);
		const privacy = await measurePrivacyOverview({
			small: PRIVACY_BASE,
			large,
			warmRuns: 9,
			concurrency: knobs.privacyConcurrency,
			snapshot: process.env.BENCH_PRIVACY_SNAPSHOT !== '0',
			log
		});
		results.privacy = privacy;
		targets.add(
			atMost(`privacy overview with ${large.toLocaleString('en')} case rooms vs with ${PRIVACY_BASE}`, privacy.ratio, 2)
		);
	}

	// --- what the guard costs: the same load with and without it, fresh homeservers -------
	if (!skip.has('guard')) {
		const members = knobs.guardMembers;
		// Five members a room, as in a case: a room per five members.
		const guard = await measureGuardCost({
			members,
			rooms: Math.max(1, Math.ceil(members / 5)),
			perRoom: 5,
			seconds: knobs.guardSeconds,
			log
		});
		results.guardCost = guard;
		targets.add(atMost(`send p95 with the guard vs without it, ${members} members`, guard.p95Ratio, 1.2));
	}
	results.targets = targets.rows satisfies Target[];
	results.seconds = Math.round((Date.now() - started) / 1000);
	const file = path.join(ROOT, 'bench', 'results.json');
	writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
	printTable(results);
	console.log(`\nwritten to ${path.relative(process.cwd(), file)} (${results.seconds} s in all)`);
}

/** Cold (and warm) starts in Chromium against a fresh app server on the bench homeserver. */
async function browserRun(
	homeserverPublicUrl: string,
	dataDir: string,
	user: { localpart: string; password: string },
	recoveryKey: string | null,
	o: { listed: number; warmRuns: number; timeoutMs: number }
) {
	// The web app syncs as BENCH_SYNC says: sliding (MSC4186, the subject of issue 15's figures) or classic.
	const app = await startAppServer({
		port: await freePort(),
		homeserverPublicUrl,
		dataDir,
		quiet: true,
		env: { PUBLIC_CASUS_SYNC: process.env.BENCH_SYNC ?? 'sliding' }
	});
	try {
		return await measureBrowser(app.url, { username: user.localpart, password: user.password, recoveryKey }, o.listed, {
			coldRuns: knobs.coldRuns,
			warmRuns: o.warmRuns,
			log,
			timeoutMs: o.timeoutMs
		});
	} finally {
		await app.stop();
	}
}

// The results file is read back loosely: each section is optional and its shape is the bench's own.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;
function printTable(r: Record<string, Loose>): void {
	const rows: [string, string, string][] = [];
	const ms = (x: number) => `${Math.round(x)} ms`;
	if (r.latency) {
		const l = r.latency;
		rows.push([
			"structured update → other member's case view",
			`p50 ${ms(l.structured.p50)}, p95 ${ms(l.structured.p95)}`,
			`n=${l.sends}`
		]);
		rows.push([
			'bare encrypted m.room.message round trip (baseline)',
			`p50 ${ms(l.baseline.p50)}, p95 ${ms(l.baseline.p95)}`,
			`n=${l.sends}`
		]);
		rows.push(['ratio structured / baseline', `p50 ×${l.ratioP50}, p95 ×${l.ratioP95}`, '']);
	}
	if (r.compartments) {
		const c = r.compartments;
		rows.push([
			'case view opened, shared part only (baseline)',
			`p50 ${ms(c.shared.p50)}, p95 ${ms(c.shared.p95)}; first ${ms(c.firstOpen.shared)}`,
			`${c.records} updates, n=${c.runs}`
		]);
		rows.push([
			'case view opened, shared part + three compartments',
			`p50 ${ms(c.compartments.p50)}, p95 ${ms(c.compartments.p95)}; first ${ms(c.firstOpen.compartments)}`,
			`${c.records} updates, n=${c.runs}`
		]);
		rows.push(['ratio compartments / shared only (bar: ×1.5)', `p50 ×${c.ratioP50}, first ×${c.firstOpen.ratio}`, '']);
	}
	for (const [key, label] of [
		['creationEmpty', 'near-empty server'],
		['creationSeeded', `${r.knobs.rooms} case rooms on server`]
	] as const) {
		const c = r[key];
		if (!c) continue;
		rows.push([
			`case creation, room + state (${label})`,
			`p50 ${ms(c.create.p50)}, p95 ${ms(c.create.p95)}`,
			`n=${c.cases}`
		]);
		rows.push([
			`case creation + join + 5 invites (${label})`,
			`p50 ${ms(c.total.p50)}, p95 ${ms(c.total.p95)}`,
			`n=${c.cases}`
		]);
	}
	if (r.seeding)
		rows.push([
			`seeding ${r.seeding.rooms} case rooms (create + join)`,
			`${r.seeding.roomsPerSecond} rooms/s`,
			`${r.seeding.seconds} s, concurrency ${r.seeding.concurrency}`
		]);
	if (r.browser) {
		const b = r.browser;
		rows.push([
			`cold start → first case row (${b.cases} cases)`,
			`p50 ${ms(b.coldFirstRow.p50)}`,
			`n=${b.coldRuns}, max ${ms(b.coldFirstRow.max)}${b.recoveryStep ? ', incl. recovery key' : ''}`
		]);
		rows.push([
			`cold start → first screen, 20 rows (${b.cases} cases)`,
			`p50 ${ms(b.coldFirstScreen.p50)}`,
			`n=${b.coldRuns}, max ${ms(b.coldFirstScreen.max)}`
		]);
		rows.push([
			`cold start → full list (${b.cases} cases)`,
			`p50 ${ms(b.coldFullList.p50)}`,
			`n=${b.coldRuns}, max ${ms(b.coldFullList.max)}`
		]);
		rows.push([
			`warm start → first case row`,
			`p50 ${ms(b.warmFirstRow.p50)}`,
			`n=${b.warmRuns}, max ${ms(b.warmFirstRow.max)}`
		]);
		rows.push([
			`warm start → full list`,
			`p50 ${ms(b.warmFullList.p50)}`,
			`n=${b.warmRuns}; ×${ratio(b.warmFullList.p50, b.coldFullList.p50)} of cold`
		]);
		rows.push([
			`JS heap with ${b.cases} cases listed (after GC)`,
			`${b.heapListMB} MB`,
			`sign-in page ${b.heapLoginMB} MB (×${b.heapRatio})`
		]);
	}
	if (r.initialSync) {
		const s = r.initialSync;
		rows.push([
			`initial /sync on the server, app filter (${s.rooms} rooms)`,
			ms(s.appFilterMs),
			`${s.appFilterMB} MB; 1 event per room: ${ms(s.minimalMs)}, ${s.minimalMB} MB`
		]);
		rows.push([
			`raw classic initial /sync, 8 events per room, lazy members (${s.rooms} rooms)`,
			ms(s.classic8Ms),
			`${s.classic8MB} MB (the baseline of issue 15)`
		]);
	}
	if (r.growthFrom) {
		const g = r.growthFrom;
		rows.push([
			`cold start → full list at ${g.rooms} rooms (same run, before the rest was seeded)`,
			`p50 ${ms(g.browser.coldFullList.p50)}`,
			`raw classic initial /sync ${ms(g.initialSync.classic8Ms)}`
		]);
	}
	if (r.bundle) {
		const b = r.bundle;
		const route = (id: string) => b.routes.find((x: Loose) => x.route === id);
		const login = route('/login');
		const caseView = b.routes.find((x: Loose) => /^\/cases\/\[/.test(x.route)) ?? route('/cases');
		if (login) rows.push(['JS for the sign-in page (gzip)', `${login.initialGzipKB} KB`, 'static imports']);
		if (caseView)
			rows.push([
				`JS for ${caseView.route} (gzip)`,
				`${caseView.withLazyGzipKB} KB`,
				`initial ${caseView.initialGzipKB} KB + lazy SDK/crypto`
			]);
		rows.push(['all JavaScript (gzip)', `${b.totalJsGzipKB} KB`, `${b.totalJsFiles} files`]);
		rows.push(['crypto wasm (gzip)', `${b.wasmGzipKB} KB`, `raw ${b.wasmRawKB} KB`]);
	}
	for (const [key, label] of [
		['load', 'one process'],
		['loadWorkers', 'workers']
	] as const) {
		const l = r[key];
		if (!l) continue;
		rows.push([
			`server load, ${label}: ${l.members} members × ${l.rooms} rooms`,
			`${l.eventsPerSecond} events/s, p95 ${ms(l.send.p95)}`,
			`p50 ${ms(l.send.p50)}, errors ${l.errors}, ${l.seconds} s`
		]);
	}
	if (r.load && r.loadWorkers)
		rows.push([
			'workers / one process',
			`throughput ×${ratio(r.loadWorkers.eventsPerSecond, r.load.eventsPerSecond)}, p95 ×${ratio(r.loadWorkers.send.p95, r.load.send.p95)}`,
			''
		]);
	if (r.privacy) {
		const p = r.privacy;
		for (const at of [p.small, p.large])
			rows.push([
				`privacy overview, ${at.rooms} case rooms (GET /api/privacy/cases, first page)`,
				`p50 ${ms(at.warm.p50)}`,
				`n=${at.warm.n}, ${at.responseKB} KB; flagged p50 ${ms(at.flagged.p50)}, search p50 ${ms(at.search.p50)}; index built (first request) ${ms(at.firstMs)}, app RSS ${at.memoryMB.before} → ${at.memoryMB.after} MB; full scan (before the index) ${ms(at.fullScanMs)}`
			]);
		rows.push(['privacy overview, large / small', `×${p.ratio}`, `full scan ×${p.fullScanRatio}`]);
		const src = p.large_source;
		rows.push([
			`privacy rooms, ${p.large.rooms}: ${src.kind === 'restored' ? 'restored from snapshot' : 'seeded'}`,
			`${src.roomsPerSecond} rooms/s`,
			src.kind === 'restored' ? `pg_restore ${src.restoreSeconds} s, ${src.snapshot}` : `saved: ${src.snapshot ?? 'no'}`
		]);
	}
	if (r.guardCost) {
		const g = r.guardCost;
		for (const [label, l] of [
			['with the guard', g.withGuard],
			['without the guard', g.withoutGuard]
		] as const)
			rows.push([
				`guard cost, ${label}: ${l.members} members × ${l.rooms} rooms`,
				`${l.eventsPerSecond} events/s, p95 ${ms(l.send.p95)}`,
				`p50 ${ms(l.send.p50)}, errors ${l.errors}, ${l.seconds} s`
			]);
		rows.push([
			'guard / no guard',
			`p95 ×${g.p95Ratio}`,
			`p50 ×${g.p50Ratio}, throughput ×${g.throughputRatio}${g.phases ? `, phases ${g.phases.join(' ')}` : ''}`
		]);
	}
	const w = [Math.max(...rows.map((x) => x[0].length)), Math.max(...rows.map((x) => x[1].length))];
	console.log('\n' + rows.map(([a, b, c]) => `${a.padEnd(w[0]!)}  ${b.padEnd(w[1]!)}  ${c}`).join('\n'));
	const lines = targetLines(r.targets ?? []);
	if (lines.length) console.log('\nTargets (issue 15):\n' + lines.join('\n'));
}

main()
	.catch(async (err) => {
		console.error(err);
		await cleanup();
		process.exit(1);
	})
	.then(() => process.exit(0));
