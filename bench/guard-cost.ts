/**
 * What the guard module costs: the server-load run (bench/load.ts) against two
 * homeservers started the same way (test profile, each on a fresh PostgreSQL
 * database) in the same bench run, one with the guard and one without it
 * (bench/no-guard.yaml overlays `modules: []`), each with the same members,
 * rooms and seconds. The figure is the ratio of the send requests' p95.
 */
import path from 'node:path';
import { ROOT } from '../scripts/lib/paths.ts';
import { startThrowawaySynapse } from '../tests/support/throwaway-synapse.ts';
import { databaseUrl, dropDatabase, uniqueDatabaseName } from '../tests/support/postgres.ts';
import { openWorld } from '../tests/support/world.ts';
import { runLoad, setUpLoad, type LoadResult } from './load.ts';
import { ratio } from './lib/stats.ts';

export interface GuardCostResult {
	withGuard: LoadResult;
	withoutGuard: LoadResult;
	p95Ratio: number;
	p50Ratio: number;
	throughputRatio: number;
}

async function loadOn(
	guard: boolean,
	opts: { members: number; rooms: number; perRoom: number; seconds: number }
): Promise<LoadResult> {
	const dbName = uniqueDatabaseName(guard ? 'casus_bench_guard' : 'casus_bench_noguard');
	const synapse = await startThrowawaySynapse({
		databaseUrl: databaseUrl(dbName),
		label: guard ? 'bench-guard' : 'bench-noguard',
		extraConfig: guard ? [] : [path.join(ROOT, 'bench', 'no-guard.yaml')]
	});
	try {
		const world = await openWorld(synapse.dataDir);
		const setup = await setUpLoad(world, opts.members, opts.rooms, opts.perRoom);
		return await runLoad(world.homeserverUrl, setup, opts.seconds);
	} finally {
		await synapse.cleanup();
		dropDatabase(dbName);
	}
}

export async function measureGuardCost(opts: {
	members: number;
	rooms: number;
	perRoom: number;
	seconds: number;
	log: (s: string) => void;
}): Promise<GuardCostResult> {
	opts.log(`guard cost: ${opts.members} members × ${opts.rooms} rooms, ${opts.seconds} s, with the guard…`);
	const withGuard = await loadOn(true, opts);
	opts.log(`  with the guard: p95 ${withGuard.send.p95} ms, ${withGuard.eventsPerSecond} events/s`);
	opts.log('guard cost: the same without the guard…');
	const withoutGuard = await loadOn(false, opts);
	opts.log(`  without the guard: p95 ${withoutGuard.send.p95} ms, ${withoutGuard.eventsPerSecond} events/s`);
	return {
		withGuard,
		withoutGuard,
		p95Ratio: ratio(withGuard.send.p95, withoutGuard.send.p95),
		p50Ratio: ratio(withGuard.send.p50, withoutGuard.send.p50),
		throughputRatio: ratio(withGuard.eventsPerSecond, withoutGuard.eventsPerSecond)
	};
}
