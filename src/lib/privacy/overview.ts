/**
 * The privacy overview at scale (issue 15): the console asks the server for one
 * page of cases (most urgent signals first) and the counts per filter, signal
 * and region, instead of every case. This module is the pure part: the query,
 * the order, the filters, the counts and the page. The server keeps each case's
 * summary precomputed (src/lib/server/privacy/overview-store.ts) and answers a
 * request from these functions; the unit tests drive them without a server.
 */
import { z } from 'zod';
import { RegionCode } from '../case/primitives.ts';
import { FLAG_CODES, type CaseSummary, type FlagCode } from './schemas.ts';

export const OVERVIEW_FILTERS = ['all', 'flagged', 'overdue', 'open', 'closed'] as const;
export type OverviewFilter = (typeof OVERVIEW_FILTERS)[number];

/** Rows per page when the console does not ask for another number, and the most it may ask for. */
export const OVERVIEW_PAGE_SIZE = 50;
export const OVERVIEW_MAX_PAGE_SIZE = 200;

const intParam = (min: number, max: number, fallback: number) =>
	z
		.string()
		.regex(/^\d{1,6}$/, 'a whole number')
		.transform(Number)
		.pipe(z.number().int().min(min).max(max))
		.optional()
		.transform((v) => v ?? fallback);

/** The query parameters of `GET /api/privacy/cases`; each optional. */
export const OverviewQuery = z.strictObject({
	filter: z.enum(OVERVIEW_FILTERS).optional().default('all'),
	region: RegionCode.optional().nullable().default(null),
	/** A part of a reference (case-insensitive), or a whole room ID. */
	q: z
		.string()
		.max(255)
		.optional()
		.transform((v) => v?.trim() ?? ''),
	offset: intParam(0, 1_000_000, 0),
	limit: intParam(1, OVERVIEW_MAX_PAGE_SIZE, OVERVIEW_PAGE_SIZE)
});
export type OverviewQuery = z.output<typeof OverviewQuery>;

/** The query from a URL's search parameters (unknown parameters are refused, as the schema is strict). */
export function overviewQueryFrom(params: URLSearchParams) {
	const raw: Record<string, string> = {};
	for (const [k, v] of params) raw[k] = v;
	if (raw.region === '') delete raw.region;
	return OverviewQuery.safeParse(raw);
}

/** The URL search string for a query, leaving out what is the default. */
export function overviewSearch(q: Partial<OverviewQuery>): string {
	const p = new URLSearchParams();
	if (q.filter && q.filter !== 'all') p.set('filter', q.filter);
	if (q.region) p.set('region', q.region);
	if (q.q) p.set('q', q.q);
	if (q.offset) p.set('offset', String(q.offset));
	if (q.limit && q.limit !== OVERVIEW_PAGE_SIZE) p.set('limit', String(q.limit));
	const s = p.toString();
	return s ? `?${s}` : '';
}

/**
 * The signals from most to least urgent: someone with access who should not have it (no basis, no
 * directory entry, left the organisation, account closed) first, then what the retention job and the
 * authority reconcile should have done, then the state of the room itself, then inactivity.
 */
export const FLAG_URGENCY: readonly FlagCode[] = [
	'member_not_covered',
	'member_directory_missing',
	'member_directory_inactive',
	'member_account_deactivated',
	'retention_overdue',
	'creation_cleanup_failed',
	'power_mismatch',
	'no_regiehouder',
	'invalid_state',
	'not_created_by_service',
	'retention_dates_invalid',
	'closed_without_retention',
	'member_inactive'
];
const RANK = new Map(FLAG_URGENCY.map((code, i) => [code, i]));
/** Every flag code has a place in the order (a new code without one is a test failure, not a silent last place). */
export const UNRANKED_FLAGS = FLAG_CODES.filter((c) => !RANK.has(c));

/** A case with what its order needs, computed once when its summary is. */
export interface OverviewRow {
	summary: CaseSummary;
	/** The place of its most urgent flag in FLAG_URGENCY; FLAG_URGENCY.length when it has none. */
	rank: number;
	/** Its reference in upper case ('' when it has none), for the order and the search. */
	ref: string;
}

export function overviewRow(summary: CaseSummary): OverviewRow {
	let rank = FLAG_URGENCY.length;
	for (const f of summary.flags) rank = Math.min(rank, RANK.get(f.code) ?? FLAG_URGENCY.length - 1);
	return { summary, rank, ref: (summary.reference ?? '').toUpperCase() };
}

/**
 * The overview's order: cases with signals first, the most urgent signal first, then more signals
 * before fewer; within that by reference (cases without one last), then room ID. Plain code-unit
 * comparison: references are ASCII, and it is many times faster than localeCompare over 10,000 rows.
 */
export function compareRows(a: OverviewRow, b: OverviewRow): number {
	if (a.rank !== b.rank) return a.rank - b.rank;
	const flags = b.summary.flags.length - a.summary.flags.length;
	if (flags) return flags;
	if (a.ref !== b.ref) return !a.ref ? 1 : !b.ref ? -1 : a.ref < b.ref ? -1 : 1;
	return a.summary.room_id < b.summary.room_id ? -1 : a.summary.room_id > b.summary.room_id ? 1 : 0;
}

export function matchesFilter(s: CaseSummary, filter: OverviewFilter): boolean {
	switch (filter) {
		case 'flagged':
			return s.flags.length > 0;
		case 'overdue':
			return s.retention_overdue;
		case 'open':
			return s.phase !== 'closed';
		case 'closed':
			return s.phase === 'closed';
		default:
			return true;
	}
}

export function matchesQuery(row: OverviewRow, query: Pick<OverviewQuery, 'filter' | 'region' | 'q'>): boolean {
	if (!matchesFilter(row.summary, query.filter)) return false;
	if (query.region && row.summary.region !== query.region) return false;
	if (query.q) {
		if (query.q.startsWith('!')) return row.summary.room_id === query.q;
		if (!row.ref.includes(query.q.toUpperCase())) return false;
	}
	return true;
}

export interface OverviewCounts {
	/** Every case, by the filters of the console. */
	all: number;
	flagged: number;
	overdue: number;
	open: number;
	closed: number;
	/** Cases with at least one flag of the code, for each code that occurs. */
	by_flag: { code: FlagCode; cases: number }[];
	/** Per region (cases without a valid state have none and are not listed): cases and those with signals. */
	regions: { region: string; cases: number; flagged: number }[];
}

/** Counts kept up to date case by case: add a case's row, or take it away again (sign -1). */
export class OverviewTally {
	private readonly counts = { all: 0, flagged: 0, overdue: 0, open: 0, closed: 0 };
	private readonly byFlag = new Map<FlagCode, number>();
	private readonly regions = new Map<string, { cases: number; flagged: number }>();

	add({ summary: s }: OverviewRow, sign: 1 | -1 = 1): void {
		const flagged = s.flags.length > 0;
		this.counts.all += sign;
		if (flagged) this.counts.flagged += sign;
		if (s.retention_overdue) this.counts.overdue += sign;
		if (s.phase === 'closed') this.counts.closed += sign;
		else this.counts.open += sign;
		if (flagged)
			for (const code of new Set(s.flags.map((f) => f.code)))
				this.byFlag.set(code, (this.byFlag.get(code) ?? 0) + sign);
		if (s.region) {
			const r = this.regions.get(s.region) ?? { cases: 0, flagged: 0 };
			r.cases += sign;
			if (flagged) r.flagged += sign;
			this.regions.set(s.region, r);
		}
	}

	result(): OverviewCounts {
		return {
			...this.counts,
			by_flag: FLAG_URGENCY.filter((c) => (this.byFlag.get(c) ?? 0) > 0).map((code) => ({
				code,
				cases: this.byFlag.get(code)!
			})),
			regions: [...this.regions]
				.filter(([, r]) => r.cases > 0)
				.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
				.map(([region, r]) => ({ region, ...r }))
		};
	}
}

/** The counts over every case (not only the filtered ones): what the console's summary and filters show. */
export function overviewCounts(rows: readonly OverviewRow[]): OverviewCounts {
	const tally = new OverviewTally();
	for (const row of rows) tally.add(row);
	return tally.result();
}

/** Where `row` is, or belongs, in `sorted` (in the overview's order): the first place not before it. */
export function placeOf(sorted: readonly OverviewRow[], row: OverviewRow): number {
	let lo = 0;
	let hi = sorted.length;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if (compareRows(sorted[mid]!, row) < 0) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}

/**
 * One page of `sorted` (already in the overview's order) for the query, and how many cases match it.
 * Without a filter, region or search the page is a slice; otherwise one pass over the rows.
 */
export function overviewPage(
	sorted: readonly OverviewRow[],
	query: OverviewQuery
): { matched: number; cases: CaseSummary[] } {
	const end = query.offset + query.limit;
	if (query.filter === 'all' && !query.region && !query.q)
		return { matched: sorted.length, cases: sorted.slice(query.offset, end).map((r) => r.summary) };
	const cases: CaseSummary[] = [];
	let matched = 0;
	for (const row of sorted) {
		if (!matchesQuery(row, query)) continue;
		if (matched >= query.offset && matched < end) cases.push(row.summary);
		matched++;
	}
	return { matched, cases };
}
