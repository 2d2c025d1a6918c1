/**
 * The homeserver's share of a classic cold start: one initial /sync for the
 * account over raw HTTP from a new device, with the filter the web client used
 * before sliding sync (20 timeline events per room, lazy-loaded members), with
 * the reference filter of issue 15 (8 events per room, lazy-loaded members: the
 * baseline the app's cold start is compared with) and with a minimal one
 * (1 event per room), to see how much the first sync's size costs.
 */
import { passwordLogin } from '../src/lib/server/synapse-admin.ts';
import type { World, WorldUser } from '../tests/support/world.ts';
import { now, percentile, round } from './lib/stats.ts';

export interface InitialSyncResult {
	rooms: number;
	appFilterMs: number;
	appFilterMB: number;
	minimalMs: number;
	minimalMB: number;
	/** Timeline limit 8, lazy-loaded members: the classic baseline of issue 15. */
	classic8Ms: number;
	classic8MB: number;
	classic8Runs: number[];
}

async function timedSync(
	world: World,
	user: WorldUser,
	limit: number
): Promise<{ ms: number; mb: number; rooms: number }> {
	const login = await passwordLogin(world.homeserverUrl, user.localpart, user.password, `bench-sync-${limit}`);
	const filter = encodeURIComponent(
		JSON.stringify({ room: { timeline: { limit }, state: { lazy_load_members: true } }, presence: { types: [] } })
	);
	const t0 = now();
	const res = await fetch(`${world.homeserverUrl}/_matrix/client/v3/sync?timeout=0&filter=${filter}`, {
		headers: { authorization: `Bearer ${login.access_token}` },
		signal: AbortSignal.timeout(900_000)
	});
	const text = await res.text();
	const ms = now() - t0;
	if (!res.ok) throw new Error(`initial sync: HTTP ${res.status}`);
	const rooms = Object.keys((JSON.parse(text) as { rooms?: { join?: object } }).rooms?.join ?? {}).length;
	await fetch(`${world.homeserverUrl}/_matrix/client/v3/logout`, {
		method: 'POST',
		headers: { authorization: `Bearer ${login.access_token}` }
	});
	return { ms, mb: text.length / 2 ** 20, rooms };
}

export async function measureInitialSync(world: World, user: WorldUser): Promise<InitialSyncResult> {
	const app = await timedSync(world, user, 20);
	const minimal = await timedSync(world, user, 1);
	// The baseline of issue 15 is timed several times (the median): a single sync of a busy
	// 2-core machine varies by tens of per cent.
	const runs = Math.max(1, Number(process.env.BENCH_SYNC_RUNS ?? 3));
	const classic8Runs: { ms: number; mb: number }[] = [];
	for (let i = 0; i < runs; i++) classic8Runs.push(await timedSync(world, user, 8));
	const classic8 = {
		ms: percentile(
			classic8Runs.map((r) => r.ms),
			50
		),
		mb: classic8Runs[0]!.mb
	};
	return {
		rooms: app.rooms,
		appFilterMs: round(app.ms),
		appFilterMB: round(app.mb, 2),
		minimalMs: round(minimal.ms),
		minimalMB: round(minimal.mb, 2),
		classic8Ms: round(classic8.ms),
		classic8MB: round(classic8.mb, 2),
		classic8Runs: classic8Runs.map((r) => round(r.ms))
	};
}
