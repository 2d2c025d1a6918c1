/**
 * The privacy overview at scale (issue 15): the query, order, filters, counts
 * and pages (src/lib/privacy/overview.ts), the store that keeps summaries
 * precomputed and recomputes only what changed (overview-store.ts), and the
 * page's model (privacy-overview.svelte.ts), all without a server or browser.
 */
import { describe, expect, it } from 'vitest';
import { flushSync } from 'svelte';
import { buildDirectory } from '../../src/lib/directory/directory.ts';
import { USER_EVENT, userStateKey } from '../../src/lib/directory/schema.ts';
import { DEFAULT_RETENTION } from '../../src/lib/case/policy.ts';
import { parseCaseRoom, type RawEvent, type ReviewContext } from '../../src/lib/privacy/review.ts';
import {
	FLAG_URGENCY,
	UNRANKED_FLAGS,
	compareRows,
	overviewCounts,
	overviewPage,
	overviewQueryFrom,
	overviewRow,
	overviewSearch,
	type OverviewQuery,
	type OverviewRow
} from '../../src/lib/privacy/overview.ts';
import { FLAG_CODES, OverviewResponse, type CaseSummary, type FlagCode } from '../../src/lib/privacy/schemas.ts';
import { OverviewStore } from '../../src/lib/server/privacy/overview-store.ts';
import type { IndexedRoom } from '../../src/lib/server/privacy/room-index.ts';
import { PrivacyOverviewModel } from '../../src/lib/state/privacy-overview.svelte.ts';
import { DAY } from '../../src/lib/case/time.ts';

const SERVICE = '@casusruimte-service:hs';
const NOW = Date.parse('2026-06-01T12:00:00Z');

function summary(i: number, over: Partial<CaseSummary> = {}, flags: FlagCode[] = []): CaseSummary {
	return {
		room_id: `!room${String(i).padStart(5, '0')}:hs`,
		reference: `DH-2026-${String(i).padStart(5, '0')}`,
		region: 'DH',
		phase: 'regie',
		opened_at: '2026-05-01T08:00:00.000Z',
		first_report_at: '2026-05-01T08:00:00Z',
		closed_at: null,
		retention_until: null,
		retention_overdue: false,
		deletable: false,
		members_by_org: [],
		member_count: 0,
		flags: flags.map((code) => ({ code })),
		...over
	};
}
const query = (q: Partial<OverviewQuery> = {}): OverviewQuery => {
	const parsed = overviewQueryFrom(new URLSearchParams(overviewSearch(q)));
	if (!parsed.success) throw parsed.error;
	return parsed.data;
};
const sorted = (rows: CaseSummary[]) => rows.map(overviewRow).sort(compareRows);

describe('overview query', () => {
	it('has defaults, reads every parameter, and refuses what is not allowed', () => {
		expect(query()).toEqual({ filter: 'all', region: null, q: '', offset: 0, limit: 50 });
		const p = overviewQueryFrom(new URLSearchParams('filter=flagged&region=GR&q=%20dh-2026%20&offset=100&limit=20'));
		expect(p.success && p.data).toEqual({ filter: 'flagged', region: 'GR', q: 'dh-2026', offset: 100, limit: 20 });
		for (const bad of ['filter=everything', 'region=XX', 'limit=0', 'limit=201', 'offset=-1', 'limit=ten', 'sort=x'])
			expect(overviewQueryFrom(new URLSearchParams(bad)).success, bad).toBe(false);
		// the legitimate largest page is allowed
		expect(overviewQueryFrom(new URLSearchParams('limit=200')).success).toBe(true);
	});
});

describe('overview order, filters, counts and pages', () => {
	it('ranks every flag code', () => {
		expect(UNRANKED_FLAGS).toEqual([]);
		expect(new Set(FLAG_URGENCY).size).toBe(FLAG_CODES.length);
	});

	it('puts cases with the most urgent signals first, then more signals, then by reference', () => {
		const rows = sorted([
			summary(1),
			summary(2, {}, ['member_inactive']),
			summary(3, {}, ['member_not_covered']),
			summary(4, {}, ['member_inactive', 'no_regiehouder']),
			summary(5, {}, ['no_regiehouder']),
			summary(6, { reference: null }),
			summary(7, {}, ['retention_overdue', 'member_inactive'])
		]);
		expect(rows.map((r) => r.summary.room_id)).toEqual([
			'!room00003:hs',
			'!room00007:hs',
			'!room00004:hs',
			'!room00005:hs',
			'!room00002:hs',
			'!room00001:hs',
			'!room00006:hs'
		]);
	});

	it('filters on the server as the console did in the browser, by region and by search', () => {
		const rows = sorted([
			summary(1),
			summary(2, { phase: 'closed', retention_overdue: true }, ['retention_overdue']),
			summary(3, { region: 'GR', reference: 'GR-2026-00003' }, ['member_inactive']),
			summary(4, { phase: 'closed' })
		]);
		const ids = (q: Partial<OverviewQuery>) => overviewPage(rows, query(q)).cases.map((c) => c.room_id.slice(5, 10));
		expect(ids({})).toEqual(['00002', '00003', '00001', '00004']);
		expect(ids({ filter: 'flagged' })).toEqual(['00002', '00003']);
		expect(ids({ filter: 'overdue' })).toEqual(['00002']);
		expect(ids({ filter: 'open' })).toEqual(['00003', '00001']);
		expect(ids({ filter: 'closed' })).toEqual(['00002', '00004']);
		expect(ids({ region: 'GR' })).toEqual(['00003']);
		expect(ids({ region: 'DH', filter: 'closed' })).toEqual(['00002', '00004']);
		expect(ids({ q: 'gr-2026' })).toEqual(['00003']);
		expect(ids({ q: '00004' })).toEqual(['00004']);
		expect(ids({ q: '!room00001:hs' })).toEqual(['00001']);
		expect(ids({ q: '!room0000' })).toEqual([]); // a room ID is matched whole, never in part
		expect(ids({ q: 'ZZ' })).toEqual([]);
	});

	it('pages through every case exactly once and counts what matches', () => {
		const rows = sorted(Array.from({ length: 123 }, (_, i) => summary(i, {}, i % 10 === 0 ? ['no_regiehouder'] : [])));
		const seen: string[] = [];
		for (let offset = 0; offset < 123; offset += 50) {
			const page = overviewPage(rows, query({ offset }));
			expect(page.matched).toBe(123);
			seen.push(...page.cases.map((c) => c.room_id));
		}
		expect(seen).toHaveLength(123);
		expect(new Set(seen).size).toBe(123);
		expect(overviewPage(rows, query({ offset: 200 })).cases).toEqual([]);
		const flagged = overviewPage(rows, query({ filter: 'flagged', offset: 10, limit: 5 }));
		expect(flagged.matched).toBe(13);
		expect(flagged.cases.map((c) => c.room_id)).toEqual(['!room00100:hs', '!room00110:hs', '!room00120:hs']);
	});

	it('counts per filter, per flag and per region over every case', () => {
		const counts = overviewCounts(
			sorted([
				summary(1),
				summary(2, { phase: 'closed', retention_overdue: true }, ['retention_overdue', 'member_inactive']),
				summary(3, { region: 'GR' }, ['member_inactive', 'member_inactive']),
				summary(4, { phase: 'closed', region: null })
			])
		);
		expect(counts).toEqual({
			all: 4,
			flagged: 2,
			overdue: 1,
			open: 2,
			closed: 2,
			by_flag: [
				{ code: 'retention_overdue', cases: 1 },
				{ code: 'member_inactive', cases: 2 }
			],
			regions: [
				{ region: 'DH', cases: 2, flagged: 1 },
				{ region: 'GR', cases: 1, flagged: 1 }
			]
		});
	});
});

// --- the store: summaries computed once, recomputed for what changed -------------------------

const ev = (type: string, content: Record<string, unknown>, extra: Partial<RawEvent> = {}): RawEvent => ({
	type,
	state_key: '',
	sender: SERVICE,
	origin_server_ts: NOW - 30 * DAY,
	content,
	...extra
});
const member = (userId: string, membership = 'join') =>
	ev('m.room.member', { membership }, { state_key: userId, sender: userId });

function caseRoom(i: number, caseOver: Record<string, unknown> = {}, members = ['@csg:hs']): IndexedRoom {
	return {
		followed: true,
		state: [
			ev('m.room.create', { type: 'nl.casusruimte.case' }),
			ev('nl.casusruimte.case', {
				v: 1,
				reference: `DH-2026-${String(i).padStart(4, '0')}`,
				region: 'DH',
				phase: 'regie',
				first_report_at: '2026-05-01T08:00:00Z',
				acute: false,
				closed_at: null,
				retention_until: null,
				...caseOver
			}),
			ev('nl.casusruimte.access', {
				v: 1,
				organisations: [{ org: 'CSG', basis: 'consent', since: '2026-05-01T08:00:00Z' }]
			}),
			ev('nl.casusruimte.regie', {
				v: 1,
				regiehouder: '@csg:hs',
				deputy: null,
				since: '2026-05-01T08:00:00Z',
				handovers: 0
			}),
			ev('m.room.power_levels', { users: { [SERVICE]: 100, '@csg:hs': 50 } }),
			member(SERVICE),
			...members.map((m) => member(m))
		]
	};
}
const entries = (rooms: IndexedRoom[]) =>
	rooms.map((room, i) => ({ room, parsed: parseCaseRoom(`!r${i}:hs`, room.state) }));
const directoryEntry = (org: string, active = true) => ({
	v: 1,
	org,
	roles: ['professional'],
	display_name: 'X',
	active,
	updated_at: 1
});
function context(over: Partial<ReviewContext> = {}, users: Record<string, [string, boolean]> = {}): ReviewContext {
	const all = { '@csg:hs': ['CSG', true] as [string, boolean], '@vt:hs': ['VT', true] as [string, boolean], ...users };
	return {
		retention: DEFAULT_RETENTION,
		directory: buildDirectory(
			Object.entries(all).map(([u, [org, active]]) => ({
				type: USER_EVENT,
				state_key: userStateKey(u),
				content: directoryEntry(org, active)
			}))
		),
		accounts: new Map([
			['@csg:hs', { deactivated: false, last_seen_ts: NOW - DAY }],
			['@vt:hs', { deactivated: false, last_seen_ts: NOW - DAY }]
		]),
		serviceUserId: SERVICE,
		now: NOW,
		inactiveDays: 90,
		...over
	};
}
const flagsOf = (sortedRows: readonly OverviewRow[], reference: string) =>
	sortedRows.find((r) => r.summary.reference === reference)!.summary.flags.map((f) => f.code);

describe('overview store', () => {
	it('computes each summary once and again only for the rooms a change touches', () => {
		const store = new OverviewStore();
		const rooms = Array.from({ length: 20 }, (_, i) => caseRoom(i, {}, i < 3 ? ['@csg:hs', '@vt:hs'] : ['@csg:hs']));
		const list = entries(rooms);
		const first = store.rows(list, context());
		expect(store.stats.summarised).toBe(20);
		expect(first.counts.all).toBe(20);
		// The same context again (a new directory object with the same content): nothing is recomputed.
		store.rows(list, context());
		expect(store.stats.summarised).toBe(20);
		expect(store.stats.sorts).toBe(1);

		// One room changes (a new entry object): only that room.
		const changed = caseRoom(5, { phase: 'triage' });
		list[5] = { room: changed, parsed: parseCaseRoom('!r5:hs', changed.state) };
		const second = store.rows(list, context());
		expect(store.stats.summarised).toBe(21);
		expect(second.sorted.find((r) => r.summary.reference === 'DH-2026-0005')!.summary.phase).toBe('triage');

		// A member's account is deactivated: only the three rooms that member is in.
		const accounts = new Map(context().accounts);
		accounts.set('@vt:hs', { deactivated: true, last_seen_ts: NOW - DAY });
		const third = store.rows(list, context({ accounts }));
		expect(store.stats.summarised).toBe(24);
		expect(flagsOf(third.sorted, 'DH-2026-0001')).toContain('member_account_deactivated');
		expect(third.counts.by_flag).toContainEqual({ code: 'member_account_deactivated', cases: 3 });
		// the most urgent signal first: the three rooms with the deactivated account lead the order
		expect(third.sorted.slice(0, 3).map((r) => r.summary.reference)).toEqual([
			'DH-2026-0000',
			'DH-2026-0001',
			'DH-2026-0002'
		]);

		// A member becomes inactive by the passing of time: the same three rooms.
		const later = NOW + 100 * DAY;
		accounts.set('@csg:hs', { deactivated: false, last_seen_ts: later - DAY }); // still active
		const fourth = store.rows(list, context({ accounts, now: later }));
		expect(store.stats.summarised).toBe(27);
		expect(flagsOf(fourth.sorted, 'DH-2026-0001')).toContain('member_inactive');

		// The directory changes: every room (power and chairs depend on the whole directory).
		const fifth = store.rows(list, context({ accounts, now: later }, { '@csg:hs': ['CSG', false] }));
		expect(store.stats.summarised).toBe(47);
		expect(flagsOf(fifth.sorted, 'DH-2026-0010')).toContain('member_directory_inactive');
	});

	it('recomputes a case when its retention passes, and a failed clean-up when the audit log says so', () => {
		const store = new OverviewStore();
		const closed = caseRoom(1, {
			phase: 'closed',
			closed_at: '2026-05-10T08:00:00Z',
			retention_until: '2026-06-10T08:00:00Z'
		});
		const list = entries([closed, caseRoom(2)]);
		const before = store.rows(list, context());
		expect(before.counts.overdue).toBe(0);
		// a moment later, before the date: nothing recomputed
		store.rows(list, context({ now: NOW + DAY }));
		expect(store.stats.summarised).toBe(2);
		const after = store.rows(list, context({ now: Date.parse('2026-06-11T08:00:00Z') }));
		expect(after.counts.overdue).toBe(1);
		expect(store.stats.summarised).toBe(3);
		const failed = store.rows(
			list,
			context({ now: Date.parse('2026-06-11T08:00:00Z'), cleanupFailed: new Set(['!r1:hs']) })
		);
		expect(flagsOf(failed.sorted, 'DH-2026-0002')).toContain('creation_cleanup_failed');
		expect(store.stats.summarised).toBe(4);
	});

	it('mends the order and the counts case by case, exactly as a rebuild would', () => {
		const store = new OverviewStore();
		const rooms = Array.from({ length: 40 }, (_, i) => caseRoom(i, {}, i % 4 ? ['@csg:hs'] : ['@csg:hs', '@vt:hs']));
		const list = entries(rooms);
		store.rows(list, context());
		const sorts = store.stats.sorts;
		// A few rooms change in turn: phases, a closure past retention, a member from outside the basis.
		const changes: [number, Record<string, unknown>, string[]][] = [
			[3, { phase: 'triage' }, ['@csg:hs']],
			[
				17,
				{ phase: 'closed', closed_at: '2026-03-01T08:00:00Z', retention_until: '2026-05-01T08:00:00Z' },
				['@csg:hs']
			],
			[29, {}, ['@csg:hs', '@outsider:hs']],
			[3, { phase: 'regie' }, ['@csg:hs', '@vt:hs']]
		];
		for (const [i, over, members] of changes) {
			const next = caseRoom(i, over, members);
			list[i] = { room: next, parsed: parseCaseRoom(`!r${i}:hs`, next.state) };
			const mended = store.rows(list, context());
			const rebuilt = new OverviewStore().rows(list, context());
			expect(mended.sorted.map((r) => r.summary.room_id)).toEqual(rebuilt.sorted.map((r) => r.summary.room_id));
			expect(mended.counts).toEqual(rebuilt.counts);
		}
		expect(store.stats.sorts).toBe(sorts); // never rebuilt
		expect(store.stats.mended).toBe(4);
		const accounts = new Map(context().accounts);
		accounts.set('@vt:hs', { deactivated: true, last_seen_ts: NOW - DAY }); // ten rooms at once
		const mended = store.rows(list, context({ accounts }));
		const rebuilt = new OverviewStore().rows(list, context({ accounts }));
		expect(mended.sorted.map((r) => r.summary.room_id)).toEqual(rebuilt.sorted.map((r) => r.summary.room_id));
		expect(mended.counts).toEqual(rebuilt.counts);
		expect(mended.counts.by_flag).toContainEqual({ code: 'member_account_deactivated', cases: 11 });
	});

	it('drops a room that left the index from the rows and the counts', () => {
		const store = new OverviewStore();
		const list = entries([caseRoom(1), caseRoom(2), caseRoom(3)]);
		expect(store.rows(list, context()).counts.all).toBe(3);
		const fewer = store.rows(list.slice(1), context());
		expect(fewer.counts.all).toBe(2);
		expect(fewer.sorted.map((r) => r.summary.reference)).toEqual(['DH-2026-0002', 'DH-2026-0003']);
	});
});

// --- the page's model -----------------------------------------------------------------------

function response(q: OverviewQuery, all: CaseSummary[]): OverviewResponse {
	const rows = sorted(all);
	const page = overviewPage(rows, q);
	return OverviewResponse.parse({
		generated_at: new Date(NOW).toISOString(),
		indexed_at: new Date(NOW - 5_000).toISOString(),
		inactive_days: 90,
		retention: DEFAULT_RETENTION,
		query: q,
		matched: page.matched,
		counts: overviewCounts(rows),
		cases: page.cases,
		stray_rooms: []
	});
}

describe('privacy overview page model', () => {
	const all = Array.from({ length: 120 }, (_, i) =>
		summary(i, { region: i % 2 ? 'GR' : 'DH', reference: `${i % 2 ? 'GR' : 'DH'}-2026-${String(i).padStart(5, '0')}` })
	);
	const server = () => {
		const asked: string[] = [];
		const fetch = async (path: string) => {
			asked.push(path);
			const q = overviewQueryFrom(new URL(path, 'http://x').searchParams);
			if (!q.success) throw new Error('bad query');
			return response(q.data, all);
		};
		return { asked, fetch };
	};

	it('asks for one page, pages forward and back, and starts again at the first page on a new filter', async () => {
		const s = server();
		const m = new PrivacyOverviewModel(s.fetch);
		await m.load();
		flushSync();
		expect(s.asked).toEqual(['/api/privacy/cases']);
		expect([m.from, m.to, m.data!.matched, m.hasPrevious, m.hasNext]).toEqual([1, 50, 120, false, true]);
		await m.next();
		await m.next();
		expect(s.asked.at(-1)).toBe('/api/privacy/cases?offset=100');
		expect([m.from, m.to, m.hasNext, m.hasPrevious]).toEqual([101, 120, false, true]);
		await m.next(); // nothing after the last page
		expect(s.asked).toHaveLength(3);
		await m.previous();
		expect(m.from).toBe(51);
		await m.setRegion('GR');
		expect(s.asked.at(-1)).toBe('/api/privacy/cases?region=GR');
		expect([m.from, m.to, m.data!.matched]).toEqual([1, 50, 60]);
		m.q = ' GR-2026-0000 ';
		await m.search();
		expect(s.asked.at(-1)).toBe('/api/privacy/cases?region=GR&q=GR-2026-0000');
		expect(m.data!.cases.map((c) => c.reference)).toEqual([
			'GR-2026-00001',
			'GR-2026-00003',
			'GR-2026-00005',
			'GR-2026-00007',
			'GR-2026-00009'
		]);
		await m.setFilter('closed');
		expect(m.data!.matched).toBe(0);
		expect([m.from, m.to, m.hasNext]).toEqual([0, 0, false]);
	});

	it('keeps the answer to the last request when an earlier one arrives later, and shows a failure', async () => {
		let release: (() => void) | null = null;
		const slow = new Promise<void>((r) => (release = r));
		const s = server();
		const m = new PrivacyOverviewModel(async (path) => {
			if (path.includes('filter=closed')) await slow;
			return s.fetch(path);
		});
		const first = m.setFilter('closed');
		await m.setFilter('open');
		release!();
		await first;
		expect(m.data!.query.filter).toBe('open');
		const failing = new PrivacyOverviewModel(async () => {
			throw new Error('down');
		});
		await failing.load();
		expect(failing.error).toBeInstanceOf(Error);
		expect(failing.loading).toBe(false);
	});
});
