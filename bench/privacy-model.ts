/**
 * The app server's own share of the privacy overview at 10,000 case rooms, in
 * process, without a homeserver (`npx tsx bench/privacy-model.ts [rooms…]`):
 * index entries shaped as the room index keeps them (a case room's reduced
 * state: create, case, access, regie, power levels, six members), then what a
 * request does after the catch-up: the store's rows (every summary computed on
 * the first request, none after), one page and the response schema. Reports the
 * first request, the warm median, one room changed, and the heap. The figure
 * over HTTP with a real homeserver is bench/privacy.ts; this isolates the part
 * that grew with the cases before issue 15's paging.
 */
import { buildDirectory } from '../src/lib/directory/directory.ts';
import { USER_EVENT, userStateKey } from '../src/lib/directory/schema.ts';
import { DEFAULT_RETENTION } from '../src/lib/case/policy.ts';
import { parseCaseRoom, type RawEvent, type ReviewContext } from '../src/lib/privacy/review.ts';
import { overviewPage, overviewQueryFrom } from '../src/lib/privacy/overview.ts';
import { OverviewResponse } from '../src/lib/privacy/schemas.ts';
import { OverviewStore } from '../src/lib/server/privacy/overview-store.ts';
import type { IndexedRoom } from '../src/lib/server/privacy/room-index.ts';
import { now, round, summarise } from './lib/stats.ts';
import { instant, DAY } from '../src/lib/case/time.ts';

const SERVICE = '@casusruimte-service:hs';
const NOW = Date.now();
const ORGS = ['CSG', 'VT', 'POLITIE', 'SHN', 'OM', 'GGD'];
const USERS = Array.from({ length: 600 }, (_, i) => `@user${i}:hs`);

const ev = (type: string, content: Record<string, unknown>, stateKey = ''): RawEvent => ({
	type,
	state_key: stateKey,
	sender: SERVICE,
	origin_server_ts: NOW - 30 * DAY,
	content
});

function room(i: number): IndexedRoom {
	const closed = i % 6 === 5;
	const reported = instant(NOW - (i % 400) * 6 * 3600_000);
	const closedAt = instant(NOW - 10 * DAY);
	const members = Array.from({ length: 6 }, (_, k) => USERS[(i * 7 + k * 101) % USERS.length]!);
	return {
		followed: true,
		state: [
			ev('m.room.create', { type: 'nl.casusruimte.case' }),
			ev('nl.casusruimte.case', {
				v: 1,
				reference: `DH-2026-${String(i).padStart(5, '0')}`,
				region: i % 3 ? 'DH' : 'GR',
				phase: closed ? 'closed' : 'regie',
				first_report_at: reported < closedAt ? reported : closedAt,
				acute: false,
				closed_at: closed ? closedAt : null,
				retention_until: closed ? instant(NOW + 300 * DAY) : null
			}),
			ev('nl.casusruimte.access', {
				v: 1,
				organisations: ORGS.slice(0, 4).map((org) => ({ org, basis: 'consent', since: reported }))
			}),
			ev('nl.casusruimte.regie', { v: 1, regiehouder: members[0], deputy: null, since: reported, handovers: 0 }),
			ev('m.room.power_levels', { users: { [SERVICE]: 100, [members[0]!]: 50 } }),
			ev('m.room.member', { membership: 'join' }, SERVICE),
			...members.map((u) => ev('m.room.member', { membership: 'join' }, u))
		]
	};
}

function context(): ReviewContext {
	return {
		retention: DEFAULT_RETENTION,
		directory: buildDirectory(
			USERS.map((u, i) => ({
				type: USER_EVENT,
				state_key: userStateKey(u),
				content: {
					v: 1,
					org: ORGS[i % ORGS.length],
					roles: ['professional'],
					display_name: 'X',
					active: true,
					updated_at: 1
				}
			}))
		),
		accounts: new Map(USERS.map((u, i) => [u, { deactivated: false, last_seen_ts: NOW - (i % 120) * DAY }])),
		serviceUserId: SERVICE,
		now: Date.now(),
		inactiveDays: 90
	};
}

function request(store: OverviewStore, entries: { room: IndexedRoom; parsed: ReturnType<typeof parseCaseRoom> }[]) {
	const ctx = context();
	const query = overviewQueryFrom(new URLSearchParams()).data!;
	const t0 = now();
	const { sorted, counts } = store.rows(entries, ctx);
	const page = overviewPage(sorted, query);
	const body = JSON.stringify(
		OverviewResponse.parse({
			generated_at: new Date(ctx.now).toISOString(),
			inactive_days: 90,
			retention: DEFAULT_RETENTION,
			query,
			matched: page.matched,
			counts,
			cases: page.cases,
			stray_rooms: []
		})
	);
	return { ms: now() - t0, bytes: body.length };
}

function measure(rooms: number) {
	globalThis.gc?.();
	const heapBefore = process.memoryUsage().heapUsed;
	const entries = Array.from({ length: rooms }, (_, i) => {
		const r = room(i);
		return { room: r, parsed: parseCaseRoom(`!room${i}:hs`, r.state) };
	});
	const store = new OverviewStore();
	const first = request(store, entries);
	const warm = Array.from({ length: 9 }, () => request(store, entries).ms);
	const changed = room(7);
	entries[7] = { room: changed, parsed: parseCaseRoom('!room7:hs', changed.state) };
	const oneChanged = request(store, entries).ms;
	globalThis.gc?.();
	const heapMB = round((process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024);
	return {
		rooms,
		firstMs: round(first.ms),
		warm: summarise(warm),
		oneChangedMs: round(oneChanged),
		kb: round(first.bytes / 1024),
		heapMB
	};
}

const sizes = process.argv
	.slice(2)
	.map(Number)
	.filter((n) => n > 0);
for (const rooms of sizes.length ? sizes : [100, 10_000]) {
	const r = measure(rooms);
	console.log(
		`${String(rooms).padStart(6)} rooms: first ${r.firstMs} ms, warm p50 ${r.warm.p50} ms (p95 ${r.warm.p95}), one room changed ${r.oneChangedMs} ms, response ${r.kb} KB, entries + summaries ${r.heapMB} MB heap`
	);
}
