/**
 * The MDT board as a view model: the agenda API's items (plaintext case state,
 * GET /api/mdt/<region>/agenda) merged with the aanmeldingen and links that the
 * board's members decrypt. Pure, so the ordering rules are unit-tested and the
 * page only shows what this returns.
 *
 * Sections:
 * - awaiting triage: open cases without a first MDT triage, most urgent first
 *   (earliest deadline, so overdue ones on top; acute above non-acute with the
 *   same deadline);
 * - re-discussion: triaged open cases whose review date is reached, for which a
 *   member asked for re-triage, or that stall (no activity for STALLED_DAYS
 *   under regie);
 * - closed since the last meeting: closed in the last CLOSED_RECENT_DAYS days.
 *
 * One victim, one case: two open cases whose aanmeldingen carry the same
 * `match` (hashed name + birth date, encrypted on the board) are flagged as
 * possible duplicates until the MDT links them.
 */
import type { AgendaItem, Aanmelding, BoardLink } from './board.ts';
import { DAY } from './time.ts';

export const STALLED_DAYS = 14;
export const CLOSED_RECENT_DAYS = 3;

export type RediscussReason = 'review' | 'retriage' | 'stalled';

export interface AgendaRow {
	roomId: string;
	reference: string;
	item: AgendaItem;
	/** The decrypted aanmelding, when this device holds it. */
	aanmelding: Aanmelding | null;
	/** Milliseconds until the triage deadline (negative when overdue). */
	msLeft: number;
	overdue: boolean;
	/** Why it is up for re-discussion (empty outside that section). */
	why: RediscussReason[];
	/** References of other open cases of the region that look like the same victim. */
	duplicates: string[];
	/** The link that closed this case into another, or continued another into this one. */
	link: BoardLink | null;
}

export interface Agenda {
	awaiting: AgendaRow[];
	rediscuss: AgendaRow[];
	closed: AgendaRow[];
}

export interface AgendaOptions {
	stalledDays?: number;
	closedDays?: number;
}

/** The review date (a Dutch calendar day) has been reached: on that day or later. */
function reviewReached(nextReview: string | null, now: number): boolean {
	if (!nextReview) return false;
	return nextReview <= amsterdamDay(now);
}

/** Today's date in the Netherlands (YYYY-MM-DD). */
export function amsterdamDay(now: number): string {
	// One formatter for every call: constructing one with a time zone is the expensive part.
	amsterdamDays ??= new Intl.DateTimeFormat('en-CA', {
		timeZone: 'Europe/Amsterdam',
		year: 'numeric',
		month: '2-digit',
		day: '2-digit'
	});
	return amsterdamDays.format(new Date(now));
}
let amsterdamDays: Intl.DateTimeFormat | undefined;

/** Why a triaged open case is up for re-discussion (empty: not on the agenda). */
export function rediscussReasons(item: AgendaItem, now: number, stalledDays = STALLED_DAYS): RediscussReason[] {
	if (item.phase === 'closed' || !item.triaged) return [];
	const why: RediscussReason[] = [];
	if (item.retriage_requested_at) why.push('retriage');
	if (reviewReached(item.next_review, now)) why.push('review');
	if (item.regiehouder !== null && item.last_activity !== null && now - item.last_activity >= stalledDays * DAY)
		why.push('stalled');
	return why;
}

/** Awaiting triage: earliest deadline first (overdue on top), acute first on the same deadline, then reference. */
export function compareAwaiting(a: AgendaItem, b: AgendaItem): number {
	const d = Date.parse(a.triage_deadline) - Date.parse(b.triage_deadline);
	if (d !== 0) return d;
	if (a.acute !== b.acute) return a.acute ? -1 : 1;
	return a.reference.localeCompare(b.reference);
}

const REASON_RANK: Record<RediscussReason, number> = { retriage: 0, review: 1, stalled: 2 };

function compareRediscuss(a: AgendaRow, b: AgendaRow): number {
	const ra = Math.min(...a.why.map((w) => REASON_RANK[w]));
	const rb = Math.min(...b.why.map((w) => REASON_RANK[w]));
	if (ra !== rb) return ra - rb;
	if (a.item.acute !== b.item.acute) return a.item.acute ? -1 : 1;
	const ta = a.item.retriage_requested_at ?? a.item.next_review ?? '';
	const tb = b.item.retriage_requested_at ?? b.item.next_review ?? '';
	if (ta !== tb) return ta < tb ? -1 : 1;
	return a.reference.localeCompare(b.reference);
}

/** The latest aanmelding per case room (a re-post after a failed attempt replaces an earlier one). */
export function aanmeldingenByRoom(aanmeldingen: readonly Aanmelding[]): Map<string, Aanmelding> {
	const out = new Map<string, Aanmelding>();
	for (const a of aanmeldingen) out.set(a.room_id, a);
	return out;
}

/**
 * Possible duplicates: per room, the references of the other open, unlinked
 * cases whose aanmelding has the same match key.
 */
export function duplicatesOf(
	items: readonly AgendaItem[],
	byRoom: ReadonlyMap<string, Aanmelding>,
	links: readonly BoardLink[]
): Map<string, string[]> {
	const linked = new Set(links.flatMap((l) => [`${l.continue}|${l.close}`, `${l.close}|${l.continue}`]));
	const open = items.filter((i) => i.phase !== 'closed' && i.continued_in === null);
	const byMatch = new Map<string, AgendaItem[]>();
	for (const item of open) {
		const match = byRoom.get(item.room_id)?.match;
		if (!match) continue;
		const list = byMatch.get(match) ?? [];
		list.push(item);
		byMatch.set(match, list);
	}
	const out = new Map<string, string[]>();
	for (const group of byMatch.values()) {
		if (group.length < 2) continue;
		for (const item of group) {
			const others = group
				.filter((o) => o !== item && !linked.has(`${item.reference}|${o.reference}`))
				.map((o) => o.reference)
				.sort();
			if (others.length) out.set(item.room_id, others);
		}
	}
	return out;
}

export function buildAgenda(
	items: readonly AgendaItem[],
	aanmeldingen: readonly Aanmelding[],
	links: readonly BoardLink[],
	now: number,
	opts: AgendaOptions = {}
): Agenda {
	const byRoom = aanmeldingenByRoom(aanmeldingen);
	const duplicates = duplicatesOf(items, byRoom, links);
	const closedSince = now - (opts.closedDays ?? CLOSED_RECENT_DAYS) * DAY;
	const agenda: Agenda = { awaiting: [], rediscuss: [], closed: [] };
	for (const item of items) {
		const msLeft = Date.parse(item.triage_deadline) - now;
		const row: AgendaRow = {
			roomId: item.room_id,
			reference: item.reference,
			item,
			aanmelding: byRoom.get(item.room_id) ?? null,
			msLeft,
			overdue: !item.triaged && item.phase !== 'closed' && msLeft < 0,
			why: [],
			duplicates: duplicates.get(item.room_id) ?? [],
			link: links.findLast((l) => l.close === item.reference || l.continue === item.reference) ?? null
		};
		if (item.phase === 'closed') {
			if (item.closed_at && Date.parse(item.closed_at) >= closedSince) agenda.closed.push(row);
			continue;
		}
		if (!item.triaged) {
			agenda.awaiting.push(row);
			continue;
		}
		row.why = rediscussReasons(item, now, opts.stalledDays);
		if (row.why.length) agenda.rediscuss.push(row);
	}
	agenda.awaiting.sort((a, b) => compareAwaiting(a.item, b.item));
	agenda.rediscuss.sort(compareRediscuss);
	agenda.closed.sort((a, b) => Date.parse(b.item.closed_at!) - Date.parse(a.item.closed_at!));
	return agenda;
}
