/**
 * The privacy officer's overview at scale: the overview endpoint of the built
 * app (GET /api/privacy/cases, what /privacy loads), over HTTP, with 100 case
 * rooms on the homeserver and again with N (BENCH_PRIVACY_ROOMS, 10,000 by
 * default), on a homeserver of its own. The app answers from its room index
 * (src/lib/server/privacy/room-index.ts); the first request after start builds
 * it (initial sync) and the first after the big seeding catches up (one
 * incremental sync), both reported apart; the figure is the warm request's
 * median. Beside it, the full scan the overview did before the index (list
 * every room, read each room's state, 8 at a time) at both sizes.
 *
 * Seeding: the service account creates case rooms from the case-room template
 * with CaseService's createRoom body, as in real use (the guard checks every
 * event; the service account is exempt from rate limits, as in production; the
 * member's joins keep the test profile's limits), at BENCH_PRIVACY_CONCURRENCY.
 */
import { startThrowawaySynapse } from '../tests/support/throwaway-synapse.ts';
import { databaseUrl, dropDatabase, uniqueDatabaseName } from '../tests/support/postgres.ts';
import { openWorld, createUser, type World } from '../tests/support/world.ts';
import { startAppServer } from '../scripts/lib/app-server.ts';
import { freePort } from '../scripts/lib/ports.ts';
import { listRooms, roomState } from '../src/lib/server/privacy/homeserver.ts';
import { seedCaseRooms, type SeedResult } from './seed.ts';
import { mapLimit, now, ratio, round, summarise, type Summary } from './lib/stats.ts';

export interface OverviewAt {
	rooms: number;
	cases: number;
	/** The first request after the rooms were added: index build (at the small size) or catch-up. */
	firstMs: number;
	warm: Summary;
	fullScanMs: number;
	responseKB: number;
}

export interface PrivacyResult {
	small: OverviewAt;
	large: OverviewAt;
	ratio: number;
	fullScanRatio: number;
	seeding: SeedResult[];
}

async function timeOverview(url: string, token: string): Promise<{ ms: number; cases: number; bytes: number }> {
	const t0 = now();
	const res = await fetch(`${url}/api/privacy/cases`, { headers: { authorization: `Bearer ${token}` } });
	const text = await res.text();
	const ms = now() - t0;
	if (!res.ok) throw new Error(`overview: HTTP ${res.status}: ${text.slice(0, 200)}`);
	return { ms, cases: (JSON.parse(text) as { cases: unknown[] }).cases.length, bytes: text.length };
}

/** What the overview did before the index: every room listed, every room's state read. */
async function fullScan(world: World): Promise<number> {
	const t0 = now();
	const rooms = await listRooms(world.service);
	await mapLimit(rooms, 8, (r) => roomState(world.service, r.room_id));
	return now() - t0;
}

export async function measurePrivacyOverview(opts: {
	small: number;
	large: number;
	warmRuns: number;
	concurrency: number;
	log: (s: string) => void;
}): Promise<PrivacyResult> {
	const dbName = uniqueDatabaseName('casus_bench_privacy');
	const synapse = await startThrowawaySynapse({ databaseUrl: databaseUrl(dbName), label: 'bench-privacy' });
	let app: Awaited<ReturnType<typeof startAppServer>> | null = null;
	try {
		const world = await openWorld(synapse.dataDir);
		const officer = await createUser(world, 'CSG', ['privacy-officer'], 'po');
		const member = await createUser(world, 'CSG', ['professional'], 'rh');
		const seeding: SeedResult[] = [];
		const seed = async (count: number, offset: number) => {
			const t = await seedCaseRooms(world, member, count, {
				concurrency: opts.concurrency,
				referenceOffset: offset,
				log: opts.log
			});
			seeding.push(t.result);
			opts.log(`  ${count} case rooms in ${t.result.seconds} s (${t.result.roomsPerSecond}/s)`);
		};
		const measure = async (rooms: number): Promise<OverviewAt> => {
			const first = await timeOverview(app!.url, officer.accessToken);
			const warm: number[] = [];
			let last = first;
			for (let i = 0; i < opts.warmRuns; i++) warm.push((last = await timeOverview(app!.url, officer.accessToken)).ms);
			const scan = await fullScan(world);
			return {
				rooms,
				cases: last.cases,
				firstMs: round(first.ms),
				warm: summarise(warm),
				fullScanMs: round(scan),
				responseKB: round(last.bytes / 1024)
			};
		};

		opts.log(`privacy overview: seeding ${opts.small} case rooms…`);
		await seed(opts.small, 20_000);
		app = await startAppServer({
			port: await freePort(),
			homeserverPublicUrl: synapse.info.publicBaseurl,
			dataDir: synapse.dataDir,
			quiet: true,
			// Nothing else scans the rooms while the bench measures.
			env: { CASUS_AUTHORITY_MINUTES: '0', CASUS_RETENTION_JOB_HOURS: '0' }
		});
		const small = await measure(opts.small);
		opts.log(`  with ${opts.small}: first ${small.firstMs} ms, warm p50 ${small.warm.p50} ms`);
		opts.log(`privacy overview: seeding ${opts.large - opts.small} more case rooms…`);
		await seed(opts.large - opts.small, 20_000 + opts.small);
		const large = await measure(opts.large);
		opts.log(`  with ${opts.large}: first ${large.firstMs} ms, warm p50 ${large.warm.p50} ms`);
		return {
			small,
			large,
			ratio: ratio(large.warm.p50, small.warm.p50),
			fullScanRatio: ratio(large.fullScanMs, small.fullScanMs),
			seeding
		};
	} finally {
		await app?.stop();
		await synapse.cleanup();
		dropDatabase(dbName);
	}
}
