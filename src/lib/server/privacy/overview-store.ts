/**
 * The overview's summaries, kept precomputed (issue 15). A case's summary (its
 * members per organisation and its flags) depends on the room's state and on
 * the context: the directory, the members' accounts, the audit log's failed
 * clean-ups and the time. Each request hands the current context to `rows()`,
 * which recomputes only what that context or the room changed:
 *
 * - the room's index entry is a new object whenever the room changed
 *   (room-index.ts), so a summary cached by the entry object is never stale for
 *   the room itself;
 * - the directory (and the settings) as a whole: any change recomputes every
 *   summary (the beheerder's changes are rare; power and chairs depend on it);
 * - a member's account (deactivated, and inactive at this time): only the rooms
 *   of users whose state changed since the last request are recomputed;
 * - the time: a summary is valid until the first of its dates (retention,
 *   closure, each with the minute of slack the rules allow) passes;
 * - a failed clean-up in the audit log: that room's summary.
 *
 * The sorted rows and the counts are mended case by case when a few summaries
 * changed (each moved to its place by binary search) and rebuilt only when rooms
 * came or went or many changed, so a request with nothing new costs a pass over
 * the cached entries and a page.
 */
import type { Directory } from '../../directory/directory.ts';
import { summarise, type ParsedCase, type ReviewContext } from '../../privacy/review.ts';
import {
	compareRows,
	overviewRow,
	OverviewTally,
	placeOf,
	type OverviewCounts,
	type OverviewRow
} from '../../privacy/overview.ts';
import type { IndexedRoom } from './room-index.ts';
import { DAY } from '../../case/time.ts';

/** Up to this many changed cases, the order and the counts are mended case by case; beyond, rebuilt. */
const MEND_AT_MOST = 200;
/** The slack of the retention rules (review.ts), on both sides of a date. */
const SLACK = 60_000;

interface Cached {
	row: OverviewRow;
	cleanupFailed: boolean;
	/** The members whose account state the summary read. */
	users: string[];
	/** The summary holds until this time (ms); Infinity when no date of it lies ahead. */
	validUntil: number;
}

/** Everything of the directory and the settings a summary reads, as one string. */
function contextKey(ctx: ReviewContext): string {
	const d: Directory = ctx.directory;
	return JSON.stringify([
		ctx.serviceUserId,
		ctx.inactiveDays,
		ctx.retention,
		d.organisations,
		[...d.users.values()],
		[...d.mdts.entries()]
	]);
}

/** A user's account as the summary reads it at `now`: deactivated, and inactive for longer than the limit. */
function accountKey(ctx: ReviewContext, userId: string): string {
	const a = ctx.accounts.get(userId);
	if (!a) return 'u';
	const inactive = a.last_seen_ts === null || ctx.now - a.last_seen_ts > ctx.inactiveDays * DAY;
	return `${a.deactivated ? 'd' : 'a'}${inactive ? 'i' : 's'}`;
}

/** The first moment after `now` at which a time-dependent flag of the case could change. */
function validUntil(c: ParsedCase, now: number): number {
	let until = Infinity;
	for (const iso of [c.caseState?.retention_until, c.caseState?.closed_at]) {
		if (!iso) continue;
		const t = Date.parse(iso);
		for (const edge of [t - SLACK, t, t + SLACK]) if (edge > now && edge < until) until = edge;
	}
	return until;
}

function touches(users: readonly string[], changed: ReadonlySet<string>): boolean {
	for (const u of users) if (changed.has(u)) return true;
	return false;
}

export class OverviewStore {
	private cache = new WeakMap<IndexedRoom, Cached>();
	private accounts = new Map<string, string>();
	private key = '';
	private sorted: OverviewRow[] = [];
	private counts: OverviewCounts | null = null;
	private previous: readonly IndexedRoom[] = [];
	/** The row of each entry, in the index's order (beside `previous`). */
	private rowAt: OverviewRow[] = [];
	private tally = new OverviewTally();
	/** Counters for tests and the bench: how many summaries were computed, how often the order was rebuilt. */
	readonly stats = { summarised: 0, sorts: 0, mended: 0 };

	/** Replaces the row at index position `i` by `next` in the order and the counts; false when the old row is not where it should be. */
	private mend(i: number, next: OverviewRow): boolean {
		const old = this.rowAt[i]!;
		if (old === next) return true;
		const at = placeOf(this.sorted, old);
		if (this.sorted[at] !== old) return false;
		this.sorted.splice(at, 1);
		this.sorted.splice(placeOf(this.sorted, next), 0, next);
		this.tally.add(old, -1);
		this.tally.add(next);
		this.rowAt[i] = next;
		this.stats.mended++;
		return true;
	}

	/** Every case's row in the overview's order, and the counts, for the context of this request. */
	rows(
		entries: readonly { room: IndexedRoom; parsed: ParsedCase }[],
		ctx: ReviewContext
	): { sorted: readonly OverviewRow[]; counts: OverviewCounts } {
		const key = contextKey(ctx);
		// A new directory or settings: a new cache (compared once here, never per room: the key is long).
		if (key !== this.key) {
			this.cache = new WeakMap();
			this.key = key;
		}
		// Users whose account state differs from the last request.
		const changedUsers = new Set<string>();
		const accounts = new Map<string, string>();
		for (const userId of ctx.accounts.keys()) {
			const k = accountKey(ctx, userId);
			accounts.set(userId, k);
			if (this.accounts.get(userId) !== k) changedUsers.add(userId);
		}
		for (const userId of this.accounts.keys()) if (!accounts.has(userId)) changedUsers.add(userId);
		this.accounts = accounts;

		// The same rooms in the same places (a changed room keeps its place in the index): the order and the
		// counts can be mended row by row; otherwise (rooms came or went) they are rebuilt.
		let sameRooms = entries.length === this.previous.length && this.rowAt.length === entries.length;
		const mended: number[] = [];
		const anyUserChanged = changedUsers.size > 0;
		const failures = ctx.cleanupFailed && ctx.cleanupFailed.size > 0 ? ctx.cleanupFailed : null;
		for (let i = 0; i < entries.length; i++) {
			const { room, parsed } = entries[i]!;
			if (sameRooms && this.previous[i] !== room && this.rowAt[i]!.summary.room_id !== parsed.roomId) sameRooms = false;
			const cached = this.cache.get(room);
			const cleanupFailed = failures ? failures.has(parsed.roomId) : false;
			if (
				cached &&
				cached.cleanupFailed === cleanupFailed &&
				cached.validUntil > ctx.now &&
				!(anyUserChanged && touches(cached.users, changedUsers))
			) {
				if (sameRooms && this.rowAt[i] !== cached.row) mended.push(i);
				continue;
			}
			const { summary } = summarise(parsed, ctx);
			this.stats.summarised++;
			const users = [...parsed.memberships.keys()];
			this.cache.set(room, {
				row: overviewRow(summary),
				cleanupFailed,
				users,
				validUntil: validUntil(parsed, ctx.now)
			});
			mended.push(i);
		}
		if (this.counts && sameRooms && mended.length <= MEND_AT_MOST) {
			for (const i of mended) if (!this.mend(i, this.cache.get(entries[i]!.room)!.row)) sameRooms = false;
			if (sameRooms) {
				this.previous = entries.map((e) => e.room);
				if (mended.length) this.counts = this.tally.result();
				return { sorted: this.sorted, counts: this.counts };
			}
		}
		this.previous = entries.map((e) => e.room);
		this.rowAt = entries.map((e) => this.cache.get(e.room)!.row);
		this.sorted = [...this.rowAt].sort(compareRows);
		this.tally = new OverviewTally();
		for (const row of this.sorted) this.tally.add(row);
		this.counts = this.tally.result();
		this.stats.sorts++;
		return { sorted: this.sorted, counts: this.counts };
	}
}
