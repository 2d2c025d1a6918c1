/**
 * What the guard module costs: the server-load run (bench/load.ts) against two
 * homeservers started the same way (test profile, each on a fresh PostgreSQL
 * database) in the same bench run, one with the guard and one without it
 * (bench/no-guard.yaml overlays `modules: []`), each with the same members and
 * rooms. The figure is the ratio of the send requests' p95.
 *
 * Both homeservers are set up first and stay up; the load then runs in four
 * phases of half the seconds each, with, without, without, with (ABBA), one
 * homeserver busy at a time, and each side's samples are pooled. On a shared
 * machine the load from elsewhere drifts over minutes; run one after the other,
 * the second homeserver would get a different machine than the first.
 */
import path from 'node:path';
import { ROOT } from '../scripts/lib/paths.ts';
import { startThrowawaySynapse } from '../tests/support/throwaway-synapse.ts';
import { databaseUrl, dropDatabase, uniqueDatabaseName } from '../tests/support/postgres.ts';
import { openWorld } from '../tests/support/world.ts';
import { runLoad, setUpLoad, type LoadResult } from './load.ts';
import { ratio, round, summarise } from './lib/stats.ts';

export interface GuardCostResult {
	withGuard: LoadResult;
	withoutGuard: LoadResult;
	/** The order the phases ran in (each half of the seconds). */
	phases: ('with' | 'without')[];
	p95Ratio: number;
	p50Ratio: number;
	throughputRatio: number;
}

type Opts = { members: number; rooms: number; perRoom: number; seconds: number; log: (s: string) => void };

async function homeserver(guard: boolean, opts: Opts) {
	const dbName = uniqueDatabaseName(guard ? 'casus_bench_guard' : 'casus_bench_noguard');
	const synapse = await startThrowawaySynapse({
		databaseUrl: databaseUrl(dbName),
		label: guard ? 'bench-guard' : 'bench-noguard',
		extraConfig: guard ? [] : [path.join(ROOT, 'bench', 'no-guard.yaml')]
	});
	const cleanup = async () => {
		await synapse.cleanup();
		dropDatabase(dbName);
	};
	try {
		const world = await openWorld(synapse.dataDir);
		const setup = await setUpLoad(world, opts.members, opts.rooms, opts.perRoom);
		return { url: world.homeserverUrl, setup, cleanup };
	} catch (err) {
		await cleanup();
		throw err;
	}
}

/** One side's phases as one result: samples pooled, counts summed. */
function pooled(runs: LoadResult[], samples: number[]): LoadResult {
	const seconds = runs.reduce((a, r) => a + r.seconds, 0);
	const sent = runs.reduce((a, r) => a + r.sent, 0);
	const errorKinds: Record<string, number> = {};
	for (const r of runs) for (const [k, n] of Object.entries(r.errorKinds)) errorKinds[k] = (errorKinds[k] ?? 0) + n;
	return {
		members: runs[0]!.members,
		rooms: runs[0]!.rooms,
		membersPerRoom: runs[0]!.membersPerRoom,
		seconds: round(seconds),
		sent,
		eventsPerSecond: round(sent / seconds),
		send: summarise(samples),
		errors: runs.reduce((a, r) => a + r.errors, 0),
		errorKinds,
		syncResponses: runs.reduce((a, r) => a + r.syncResponses, 0)
	};
}

export async function measureGuardCost(opts: Opts): Promise<GuardCostResult> {
	opts.log(`guard cost: ${opts.members} members × ${opts.rooms} rooms on two homeservers, setting up with the guard…`);
	const withHs = await homeserver(true, opts);
	try {
		opts.log('guard cost: setting up the same without the guard…');
		const withoutHs = await homeserver(false, opts);
		try {
			const phases = ['with', 'without', 'without', 'with'] as const;
			const half = Math.max(1, opts.seconds / 2);
			const runs = { with: [] as LoadResult[], without: [] as LoadResult[] };
			const samples = { with: [] as number[], without: [] as number[] };
			for (const side of phases) {
				const hs = side === 'with' ? withHs : withoutHs;
				const r = await runLoad(hs.url, hs.setup, half, { samples: samples[side] });
				runs[side].push(r);
				opts.log(`  ${side} the guard: p95 ${r.send.p95} ms, ${r.eventsPerSecond} events/s (${half} s)`);
			}
			const withGuard = pooled(runs.with, samples.with);
			const withoutGuard = pooled(runs.without, samples.without);
			return {
				withGuard,
				withoutGuard,
				phases: [...phases],
				p95Ratio: ratio(withGuard.send.p95, withoutGuard.send.p95),
				p50Ratio: ratio(withGuard.send.p50, withoutGuard.send.p50),
				throughputRatio: ratio(withGuard.eventsPerSecond, withoutGuard.eventsPerSecond)
			};
		} finally {
			await withoutHs.cleanup();
		}
	} finally {
		await withHs.cleanup();
	}
}
