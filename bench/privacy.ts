/**
 * The privacy officer's overview at scale: the overview endpoint of the built
 * app (GET /api/privacy/cases, the first page that /privacy loads), over HTTP,
 * on a homeserver with 100 case rooms and on one with N (BENCH_PRIVACY_ROOMS,
 * 10,000 by default), both of their own, on PostgreSQL, in the same run. The
 * app answers from its room index and its precomputed summaries
 * (src/lib/server/privacy/room-index.ts, overview-store.ts); the app starts with
 * no saved index, so the first request builds it from nothing (reported apart,
 * with the app's memory before and after); the figure is the warm request's
 * median. Beside it: a filtered page, a search, and the full scan the overview
 * did before the index (list every room, read each room's state, 8 at a time).
 *
 * Seeding: the service account creates case rooms from the case-room template
 * with CaseService's createRoom body, as in real use (the guard checks every
 * event; the service account is exempt from rate limits, as in production; the
 * member's joins keep the test profile's limits), at BENCH_PRIVACY_CONCURRENCY.
 * The homeserver with N rooms is seeded once and kept as a snapshot
 * (bench/lib/snapshot.ts: pg_dump of the database and the homeserver's
 * identity) that later runs with the same fingerprint restore instead.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSynapse } from '../scripts/lib/synapse.ts';
import { databaseUrl, dropDatabase, uniqueDatabaseName } from '../tests/support/postgres.ts';
import { openWorld, createUser, WORLD_PASSWORD, type World, type WorldUser } from '../tests/support/world.ts';
import { passwordLogin } from '../src/lib/server/synapse-admin.ts';
import { MatrixHttp } from '../src/lib/server/http.ts';
import {
	findSnapshot,
	restoreSnapshot,
	saveSnapshot,
	snapshotComponents,
	snapshotDifferences,
	snapshotFingerprint,
	type SnapshotMeta
} from './lib/snapshot.ts';
import { startAppServer } from '../scripts/lib/app-server.ts';
import { freePort } from '../scripts/lib/ports.ts';
import { listRooms, roomState } from '../src/lib/server/privacy/homeserver.ts';
import { seedCaseRooms, type SeedResult } from './seed.ts';
import { mapLimit, now, ratio, round, summarise, type Summary } from './lib/stats.ts';

export interface OverviewAt {
	rooms: number;
	cases: number;
	/** The first request after the app started: the index built from nothing (Admin API reads) and every summary computed. */
	firstMs: number;
	/** The app server's resident memory before the first request and after the index was built (MB). */
	memoryMB: { before: number; after: number };
	/** The overview's first page (what /privacy loads), index and summaries warm: the figure. */
	warm: Summary;
	/** A filtered page (only cases with signals) and a search for one reference, index warm. */
	flagged: Summary;
	search: Summary;
	fullScanMs: number;
	responseKB: number;
}

export interface PrivacyResult {
	small: OverviewAt;
	large: OverviewAt;
	ratio: number;
	fullScanRatio: number;
	seeding: SeedResult[];
	/** How the large homeserver got its rooms: seeded now (and saved), or restored from a snapshot of an earlier run. */
	large_source: {
		kind: 'seeded' | 'restored';
		snapshot: string | null;
		restoreSeconds: number | null;
		roomsPerSecond: number;
	};
}

async function timeOverview(
	url: string,
	token: string,
	search = ''
): Promise<{ ms: number; cases: number; matched: number; bytes: number }> {
	const t0 = now();
	const res = await fetch(`${url}/api/privacy/cases${search}`, { headers: { authorization: `Bearer ${token}` } });
	const text = await res.text();
	const ms = now() - t0;
	if (!res.ok) throw new Error(`overview: HTTP ${res.status}: ${text.slice(0, 200)}`);
	const body = JSON.parse(text) as { cases: unknown[]; matched: number; counts: { all: number } };
	return { ms, cases: body.counts.all, matched: body.matched, bytes: text.length };
}

/** What the overview did before the index: every room listed, every room's state read. */
async function fullScan(world: World): Promise<number> {
	const t0 = now();
	const rooms = await listRooms(world.service);
	await mapLimit(rooms, 8, (r) => roomState(world.service, r.room_id));
	return now() - t0;
}

/** Resident memory of a process now (MB), from /proc. */
function rssMB(pid: number | undefined): number {
	if (!pid) return 0;
	try {
		const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
		return kb ? round(Number(kb) / 1024) : 0;
	} catch {
		return 0;
	}
}

interface Homeserver {
	world: World;
	officer: WorldUser;
	member: WorldUser;
	dataDir: string;
	publicBaseurl: string;
	stop(): Promise<void>;
}

/** A homeserver of its own on a fresh PostgreSQL database, optionally from a snapshot's database and identity. */
async function homeserver(label: string, snapshot: { dir: string; meta: SnapshotMeta } | null) {
	const dbName = uniqueDatabaseName(`casus_bench_${label}`);
	const dataDir = mkdtempSync(path.join(os.tmpdir(), `casus-bench-${label}-`));
	let restoreSeconds: number | null = null;
	if (snapshot) restoreSeconds = restoreSnapshot(snapshot, { dataDir, database: dbName });
	const synapse = await startSynapse({
		dataDir,
		profile: 'test',
		port: await freePort(),
		databaseUrl: databaseUrl(dbName)
	});
	const stop = async () => {
		await synapse.stop();
		rmSync(dataDir, { recursive: true, force: true });
		dropDatabase(dbName);
	};
	try {
		const world = await openWorld(dataDir);
		let officer: WorldUser;
		let member: WorldUser;
		if (snapshot) {
			const signIn = async (localpart: string): Promise<WorldUser> => {
				const l = await passwordLogin(world.homeserverUrl, localpart, WORLD_PASSWORD, 'bench');
				return {
					userId: l.user_id,
					localpart,
					password: WORLD_PASSWORD,
					accessToken: l.access_token,
					deviceId: l.device_id,
					http: new MatrixHttp(world.homeserverUrl, l.access_token)
				};
			};
			officer = await signIn(snapshot.meta.users.officer);
			member = await signIn(snapshot.meta.users.member);
		} else {
			officer = await createUser(world, 'CSG', ['privacy-officer'], 'po');
			member = await createUser(world, 'CSG', ['professional'], 'rh');
		}
		const hs: Homeserver = { world, officer, member, dataDir, publicBaseurl: synapse.info.publicBaseurl, stop };
		return { hs, dbName, restoreSeconds };
	} catch (err) {
		await stop();
		throw err;
	}
}

export async function measurePrivacyOverview(opts: {
	small: number;
	large: number;
	warmRuns: number;
	concurrency: number;
	/** Keep (and reuse) a snapshot of the large homeserver in bench/.seed (default true). */
	snapshot?: boolean;
	log: (s: string) => void;
}): Promise<PrivacyResult> {
	const seeding: SeedResult[] = [];
	const seed = async (hs: Homeserver, count: number, offset: number) => {
		const t = await seedCaseRooms(hs.world, hs.member, count, {
			concurrency: opts.concurrency,
			referenceOffset: offset,
			log: opts.log
		});
		seeding.push(t.result);
		opts.log(`  ${count} case rooms in ${t.result.seconds} s (${t.result.roomsPerSecond}/s)`);
		return t.result;
	};
	/** The built app on a homeserver (a fresh data folder, so the index is built from nothing), measured. */
	const measure = async (hs: Homeserver, rooms: number): Promise<OverviewAt> => {
		const appData = mkdtempSync(path.join(os.tmpdir(), 'casus-bench-app-'));
		const app = await startAppServer({
			port: await freePort(),
			homeserverPublicUrl: hs.publicBaseurl,
			dataDir: hs.dataDir,
			quiet: true,
			// Nothing else scans the rooms while the bench measures; the index in a file of this run's own.
			env: {
				CASUS_AUTHORITY_MINUTES: '0',
				CASUS_RETENTION_JOB_HOURS: '0',
				CASUS_PRIVACY_INDEX: path.join(appData, 'privacy-index.json'),
				CASUS_AUDIT_LOG: path.join(appData, 'audit.jsonl')
			}
		});
		try {
			const token = hs.officer.accessToken;
			const before = rssMB(app.process.pid);
			const first = await timeOverview(app.url, token);
			const after = rssMB(app.process.pid);
			const warm: number[] = [];
			const flagged: number[] = [];
			const search: number[] = [];
			let last = first;
			for (let i = 0; i < opts.warmRuns; i++) {
				warm.push((last = await timeOverview(app.url, token)).ms);
				flagged.push((await timeOverview(app.url, token, '?filter=flagged')).ms);
				search.push(
					(await timeOverview(app.url, token, `?q=DH-${new Date().getUTCFullYear()}-2${String(i).padStart(4, '0')}`)).ms
				);
			}
			const scan = await fullScan(hs.world);
			return {
				rooms,
				cases: last.cases,
				firstMs: round(first.ms),
				memoryMB: { before, after },
				warm: summarise(warm),
				flagged: summarise(flagged),
				search: summarise(search),
				fullScanMs: round(scan),
				responseKB: round(last.bytes / 1024)
			};
		} finally {
			await app.stop();
			rmSync(appData, { recursive: true, force: true });
		}
	};

	// With 100: seeded now, every run (a minute or two).
	opts.log(`privacy overview: seeding ${opts.small} case rooms…`);
	const a = await homeserver('privacy_small', null);
	let small: OverviewAt;
	try {
		await seed(a.hs, opts.small, 20_000);
		small = await measure(a.hs, opts.small);
	} finally {
		await a.hs.stop();
	}
	opts.log(`  with ${opts.small}: first ${small.firstMs} ms, warm p50 ${small.warm.p50} ms`);

	// With N: restored from the snapshot of an earlier run with the same fingerprint, or seeded now and saved.
	const components = snapshotComponents(opts.large);
	const fingerprint = snapshotFingerprint(opts.large, components);
	const found = opts.snapshot === false ? null : findSnapshot(fingerprint);
	const differs = found ? [] : snapshotDifferences(opts.large, components);
	opts.log(
		found
			? `privacy overview: restoring ${opts.large} case rooms from ${found.dir}…`
			: `privacy overview: seeding ${opts.large} case rooms (no snapshot ${fingerprint} yet${differs.length ? `; the last one differs in ${differs.join(', ')}` : ''})…`
	);
	const b = await homeserver('privacy_large', found);
	let large: OverviewAt;
	let source: PrivacyResult['large_source'];
	try {
		if (found) {
			source = {
				kind: 'restored',
				snapshot: found.dir,
				restoreSeconds: round(b.restoreSeconds ?? 0),
				roomsPerSecond: round(opts.large / (b.restoreSeconds || 1))
			};
			opts.log(
				`  restored in ${source.restoreSeconds} s (${source.roomsPerSecond} rooms/s; seeded at ${found.meta.seeding.roomsPerSecond}/s)`
			);
		} else {
			const seeded = await seed(b.hs, opts.large, 20_000);
			let dir: string | null = null;
			if (opts.snapshot !== false) {
				dir = saveSnapshot({
					dataDir: b.hs.dataDir,
					database: b.dbName,
					meta: {
						fingerprint,
						rooms: opts.large,
						users: { officer: b.hs.officer.localpart, member: b.hs.member.localpart },
						seeding: seeded,
						createdAt: new Date().toISOString(),
						components
					}
				});
				opts.log(`  saved the seeded homeserver to ${dir}`);
			}
			source = { kind: 'seeded', snapshot: dir, restoreSeconds: null, roomsPerSecond: seeded.roomsPerSecond };
		}
		large = await measure(b.hs, opts.large);
	} finally {
		await b.hs.stop();
	}
	opts.log(`  with ${opts.large}: first ${large.firstMs} ms, warm p50 ${large.warm.p50} ms`);
	return {
		small,
		large,
		ratio: ratio(large.warm.p50, small.warm.p50),
		fullScanRatio: ratio(large.fullScanMs, small.fullScanMs),
		seeding,
		large_source: source
	};
}
