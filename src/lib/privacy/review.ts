/**
 * The access review, from metadata only: a case room's current state, its
 * membership and case-state history, the directory and the accounts' status
 * become the summaries, members, flags and histories the console shows. Every
 * value is picked field by field; event content is never passed on whole. Pure.
 */
import { isMdtChair } from '../directory/mdt.ts';
import { isReopening } from '../case/reopen.ts';
import { AccessState, CaseState, RegieState, TriageStatusState } from '../case/state.ts';
import { STATE, STATE_TYPES } from '../case/event-types.ts';
import { CaseReference } from '../case/primitives.ts';
import { retentionAllowed, retentionWindow, type RetentionPolicy } from '../case/policy.ts';
import { MembershipReason } from '../case/reasons.ts';
import type { Directory } from '../directory/directory.ts';
import type {
	AccessChange,
	CaseChange,
	CaseSummary,
	Flag,
	FlagCode,
	Member,
	MembershipChange,
	OrgCount,
	StrayRoom
} from './schemas.ts';
import { LEGACY_REASON } from './schemas.ts';
import type { FigureCase } from './figures.ts';
import { readCaseRoomState, type RoomMembership } from '../case/room-state.ts';
import { samePower, wantedPower } from './authority.ts';

/** A state or timeline event as the Admin API returns it; only these fields are ever read. */
export interface RawEvent {
	type: string;
	state_key?: string;
	sender: string;
	origin_server_ts: number;
	content: Record<string, unknown>;
	unsigned?: { prev_content?: Record<string, unknown> };
}

export interface AccountStatus {
	deactivated: boolean;
	last_seen_ts: number | null;
}

export interface ReviewContext {
	directory: Directory;
	/** The deployment's retention policy (settings.ts). */
	retention: RetentionPolicy;
	/** Rooms whose failed creation the service could not clean up (from the audit log). */
	cleanupFailed?: ReadonlySet<string>;
	accounts: ReadonlyMap<string, AccountStatus>;
	serviceUserId: string;
	now: number;
	inactiveDays: number;
}

import {
	COMPARTMENT_GRANT,
	CompartmentGrant,
	grantKey,
	purposesCovered,
	type CompartmentPointer
} from '../case/compartments.ts';
import type { CompartmentMemberOut, CompartmentOut } from './schemas.ts';
import { DAY } from '../case/time.ts';

export interface ParsedCase {
	roomId: string;
	isCaseRoom: boolean;
	createdBy: string | null;
	openedAt: string;
	caseState: CaseState | null;
	access: AccessState | null;
	regie: RegieState | null;
	triage: TriageStatusState | null;
	roomName: string | null;
	/** user ID → membership, since (ms) and sender, for every member event in the state. */
	memberships: Map<string, RoomMembership>;
	/** The power levels' users map (null when the state has none). */
	powerUsers: Record<string, unknown> | null;
	validState: boolean;
	/** The case's compartments (issue 13): id → pointer. */
	compartments: Map<string, CompartmentPointer>;
}

const iso = (ms: number) => new Date(ms).toISOString();

function parse<T>(
	schema: { safeParse(x: unknown): { success: true; data: T } | { success: false } },
	content: unknown
): T | null {
	const r = schema.safeParse(content);
	return r.success ? r.data : null;
}

/** The case room as the console reads it: the one reader (room-state.ts) plus the room ID. */
export function parseCaseRoom(roomId: string, state: readonly RawEvent[]): ParsedCase {
	const s = readCaseRoomState(state);
	return {
		roomId,
		isCaseRoom: s.isCaseRoom,
		createdBy: s.createdBy,
		openedAt: iso(s.createdAt),
		caseState: s.case,
		access: s.access,
		regie: s.regie,
		triage: s.triage,
		roomName: s.roomName,
		memberships: s.memberships,
		powerUsers: s.powerUsers,
		validState: s.validState,
		compartments: s.compartments
	};
}

/**
 * A room that is not a case room but holds case state (made before the guard, or
 * around it): listed by ID, state types and member count. Never its name or topic.
 */
export function strayRoom(roomId: string, state: readonly RawEvent[], serviceUserId: string): StrayRoom | null {
	const types = [...new Set(state.filter((e) => STATE_TYPES.includes(e.type)).map((e) => e.type))].sort();
	if (!types.length) return null;
	const joined = state.filter(
		(e) => e.type === 'm.room.member' && e.state_key !== serviceUserId && e.content.membership === 'join'
	).length;
	return { room_id: roomId, state_types: types, member_count: joined };
}

/** A minute of slack for clocks and rounding. */
const SLACK = 60_000;

export type RetentionDatesProblem =
	| 'not-closed'
	| 'closed-at-missing'
	| 'closed-in-future'
	| 'closed-before-first-report'
	| 'retention-missing'
	| 'retention-outside-window';

/**
 * Why a case's dates do not allow its deletion, or null when they do: it must be
 * closed, closed_at neither in the future nor before the first report, and
 * retention_until inside the policy's window from closed_at. A case that breaks
 * these is never purged (by the job or the officer), only flagged.
 */
export function retentionDatesProblem(
	c: Pick<ParsedCase, 'caseState'>,
	policy: RetentionPolicy,
	now: number
): RetentionDatesProblem | null {
	const s = c.caseState;
	if (!s || s.phase !== 'closed') return 'not-closed';
	if (!s.closed_at) return 'closed-at-missing';
	const closed = Date.parse(s.closed_at);
	if (closed > now + SLACK) return 'closed-in-future';
	if (closed < Date.parse(s.first_report_at) - SLACK) return 'closed-before-first-report';
	if (!s.retention_until) return 'retention-missing';
	if (!retentionAllowed(s.closed_at, s.retention_until, policy)) return 'retention-outside-window';
	return null;
}

/** Closed, its retention period over, and its dates within the rules. */
export function isDeletable(c: Pick<ParsedCase, 'caseState'>, now: number, policy: RetentionPolicy): boolean {
	const s = c.caseState;
	return Boolean(
		s?.retention_until && Date.parse(s.retention_until) < now && retentionDatesProblem(c, policy, now) === null
	);
}

/** A closed case whose dates break the rules (flagged; the retention job leaves it alone). */
function retentionDatesInvalid(c: Pick<ParsedCase, 'caseState'>, policy: RetentionPolicy, now: number): boolean {
	const problem = retentionDatesProblem(c, policy, now);
	return c.caseState?.phase === 'closed' && problem !== null && problem !== 'retention-missing';
}

/** The reference to show: from the case state, or the room name when that is a well-formed reference. */
export function referenceOf(c: ParsedCase): string | null {
	if (c.caseState) return c.caseState.reference;
	return c.roomName && CaseReference.safeParse(c.roomName).success ? c.roomName : null;
}

export function members(c: ParsedCase, ctx: ReviewContext): Member[] {
	const covered = new Set((c.access?.organisations ?? []).map((a) => a.org));
	const out: Member[] = [];
	for (const [userId, m] of c.memberships) {
		if (userId === ctx.serviceUserId || (m.membership !== 'join' && m.membership !== 'invite')) continue;
		const entry = ctx.directory.users.get(userId);
		const account = ctx.accounts.get(userId);
		const lastSeen = account?.last_seen_ts ?? null;
		const flags: FlagCode[] = [];
		if (!entry) flags.push('member_directory_missing');
		else {
			if (!entry.active) flags.push('member_directory_inactive');
			// The region's MDT chair sits in on the chair role (invited with reason mdt-chair), not on the access basis.
			const chairOfRegion = c.caseState
				? isMdtChair(ctx.directory.mdts, ctx.directory, c.caseState.region, userId)
				: false;
			if (!covered.has(entry.org) && !chairOfRegion) flags.push('member_not_covered');
		}
		if (account?.deactivated) flags.push('member_account_deactivated');
		if (lastSeen === null || ctx.now - lastSeen > ctx.inactiveDays * DAY) flags.push('member_inactive');
		out.push({
			user_id: userId,
			org: entry?.org ?? null,
			membership: m.membership as Member['membership'],
			since: iso(m.since),
			directory: !entry ? 'missing' : entry.active ? 'active' : 'inactive',
			account: !account ? 'unknown' : account.deactivated ? 'deactivated' : 'active',
			last_seen_at: lastSeen === null ? null : iso(lastSeen),
			is_regiehouder: c.regie?.regiehouder === userId,
			is_deputy: c.regie?.deputy === userId,
			flags
		});
	}
	return out.sort((a, b) => (a.org ?? '~').localeCompare(b.org ?? '~') || a.user_id.localeCompare(b.user_id));
}

export function caseFlags(c: ParsedCase, memberList: Member[], ctx: ReviewContext): Flag[] {
	const flags: Flag[] = [];
	for (const m of memberList) {
		for (const code of m.flags)
			flags.push(
				code === 'member_not_covered' && m.org ? { code, user_id: m.user_id, org: m.org } : { code, user_id: m.user_id }
			);
	}
	const s = c.caseState;
	const regiehouder = c.regie?.regiehouder ?? null;
	if (!regiehouder || c.memberships.get(regiehouder)?.membership !== 'join') flags.push({ code: 'no_regiehouder' });
	if (s?.phase === 'closed' && !s.retention_until) flags.push({ code: 'closed_without_retention' });
	if (isDeletable(c, ctx.now, ctx.retention)) flags.push({ code: 'retention_overdue' });
	if (retentionDatesInvalid(c, ctx.retention, ctx.now)) flags.push({ code: 'retention_dates_invalid' });
	if (ctx.cleanupFailed?.has(c.roomId)) flags.push({ code: 'creation_cleanup_failed' });
	if (
		c.createdBy === ctx.serviceUserId &&
		c.powerUsers &&
		!samePower(c.powerUsers, wantedPower(c.regie, ctx.directory, ctx.serviceUserId))
	)
		flags.push({ code: 'power_mismatch' });
	if (!c.validState) flags.push({ code: 'invalid_state' });
	if (c.createdBy !== ctx.serviceUserId) flags.push({ code: 'not_created_by_service' });
	return flags;
}

export function membersByOrg(memberList: Member[]): OrgCount[] {
	const counts = new Map<string, OrgCount>();
	for (const m of memberList) {
		const org = m.org ?? '?';
		const c = counts.get(org) ?? { org, joined: 0, invited: 0 };
		if (m.membership === 'join') c.joined++;
		else c.invited++;
		counts.set(org, c);
	}
	return [...counts.values()].sort((a, b) => a.org.localeCompare(b.org));
}

export function summarise(c: ParsedCase, ctx: ReviewContext): { summary: CaseSummary; members: Member[] } {
	const list = members(c, ctx);
	const s = c.caseState;
	return {
		members: list,
		summary: {
			room_id: c.roomId,
			reference: referenceOf(c),
			region: s?.region ?? null,
			phase: s?.phase ?? null,
			opened_at: c.openedAt,
			first_report_at: s?.first_report_at ?? null,
			closed_at: s?.closed_at ?? null,
			retention_until: s?.retention_until ?? null,
			retention_overdue: isDeletable(c, ctx.now, ctx.retention),
			deletable: isDeletable(c, ctx.now, ctx.retention),
			members_by_org: membersByOrg(list),
			member_count: list.length,
			flags: caseFlags(c, list, ctx)
		}
	};
}

/** The allowed window for retention_until of a closed case, from the policy (case/policy.ts). */
export function retentionWindowOf(
	c: ParsedCase,
	policy: RetentionPolicy
): { earliest: string | null; latest: string | null } {
	const closedAt = c.caseState?.closed_at;
	if (!closedAt) return { earliest: null, latest: null };
	const w = retentionWindow(closedAt, policy);
	return { earliest: w.earliest.toISOString(), latest: w.latest.toISOString() };
}

/** A membership reason as a code: a code from reasons.ts, 'other' for older free text (never its words), or null. */
export function membershipReasonCode(reason: unknown): MembershipChange['reason'] {
	if (reason === undefined || reason === null || reason === '') return null;
	const code = MembershipReason.safeParse(reason);
	return code.success ? code.data : LEGACY_REASON;
}

const text = (v: unknown, max = 500) => (typeof v === 'string' ? v.slice(0, max) : null);

export function membershipHistory(events: readonly RawEvent[]): MembershipChange[] {
	return events
		.filter((e) => e.type === 'm.room.member' && e.state_key)
		.map((e) => ({
			ts: iso(e.origin_server_ts),
			user_id: e.state_key!,
			membership: text(e.content.membership, 16) ?? '?',
			previous: text(e.unsigned?.prev_content?.membership, 16),
			sender: e.sender,
			reason: membershipReasonCode(e.content.reason)
		}));
}

export function accessHistory(events: readonly RawEvent[]): AccessChange[] {
	return events
		.filter((e) => e.type === STATE.access && (e.state_key ?? '') === '')
		.map((e) => {
			const a = parse(AccessState, e.content);
			return {
				ts: iso(e.origin_server_ts),
				sender: e.sender,
				organisations: a
					? a.organisations.map((o) => ({
							org: o.org,
							basis: o.basis,
							ground: o.basis === 'statutory' ? o.ground : null,
							since: o.since
						}))
					: null
			};
		});
}

export function caseHistory(events: readonly RawEvent[]): CaseChange[] {
	let before: CaseState | null = null;
	return events
		.filter((e) => e.type === STATE.case && (e.state_key ?? '') === '')
		.map((e) => {
			const s = parse(CaseState, e.content);
			const reopened = isReopening(before, s);
			if (s) before = s;
			return {
				ts: iso(e.origin_server_ts),
				sender: e.sender,
				phase: s?.phase ?? null,
				closed_at: s?.closed_at ?? null,
				retention_until: s?.retention_until ?? null,
				valid: Boolean(s),
				reopened
			};
		});
}

/** When the first MDT triage was decided: the triage.status with seq 1 (the state holds only the latest). */
export function firstTriageAt(current: TriageStatusState | null, events: readonly RawEvent[]): string | null {
	if (current?.seq === 1) return current.decided_at;
	for (const e of events) {
		if (e.type !== STATE.triageStatus) continue;
		const t = parse(TriageStatusState, e.content);
		if (t?.seq === 1) return t.decided_at;
	}
	return null;
}

export function figureCase(c: ParsedCase, history: readonly RawEvent[]): FigureCase | null {
	const s = c.caseState;
	if (!s) return null;
	return {
		region: s.region,
		first_report_at: s.first_report_at,
		acute: s.acute,
		first_triage_at: firstTriageAt(c.triage, history),
		closed_at: s.closed_at,
		handovers: c.regie?.handovers ?? 0,
		organisations: c.access?.organisations.length ?? 0
	};
}

/** Membership events that count in the access review of a period. */
export function classifyMembership(change: MembershipChange): 'invite' | 'join' | 'leave' | 'removal' | null {
	if (change.membership === 'invite') return 'invite';
	if (change.membership === 'join') return change.previous === 'join' ? null : 'join';
	if (change.membership === 'leave' || change.membership === 'ban') {
		if (change.previous !== 'join' && change.previous !== 'invite') return null;
		return change.sender === change.user_id ? 'leave' : 'removal';
	}
	return null;
}

/**
 * A compartment as the privacy officer sees it (issue 13): its members, each with
 * the organisation's basis in the case now, whether it covers the compartment's
 * purpose, since when they are in, and the inviter's history grant. Read from the
 * compartment room's plaintext state only; never content.
 */
export function compartmentReview(
	id: string,
	pointer: CompartmentPointer,
	state: readonly RawEvent[] | null,
	access: AccessState | null,
	orgOf: (userId: string) => string | null,
	serviceUserId: string
): CompartmentOut {
	const entries = access?.organisations ?? [];
	const members: CompartmentMemberOut[] = [];
	const create = state?.find((e) => e.type === 'm.room.create');
	for (const e of state ?? []) {
		if (e.type !== 'm.room.member' || !e.state_key || e.state_key === serviceUserId) continue;
		const membership = e.content.membership;
		if (membership !== 'join' && membership !== 'invite') continue;
		const grant = CompartmentGrant.safeParse(
			state!.find((g) => g.type === COMPARTMENT_GRANT && g.state_key === grantKey(e.state_key!))?.content
		).data;
		const org = orgOf(e.state_key) ?? grant?.org ?? null;
		const entry = org ? entries.find((a) => a.org === org) : undefined;
		members.push({
			user_id: e.state_key,
			org,
			membership,
			since: e.origin_server_ts ? iso(e.origin_server_ts) : null,
			basis: entry?.basis ?? null,
			ground: entry?.basis === 'statutory' ? entry.ground : null,
			covered: entry ? purposesCovered(entry).includes(pointer.purpose) : false,
			history: grant?.history ?? null,
			history_from: grant?.history === 'from' ? grant.from : null,
			granted_by: grant?.by ?? null
		});
	}
	members.sort((a, b) => (a.org ?? '').localeCompare(b.org ?? '') || a.user_id.localeCompare(b.user_id));
	return {
		id,
		kind: pointer.kind,
		purpose: pointer.purpose,
		opened_at: create?.origin_server_ts ? iso(create.origin_server_ts) : null,
		members
	};
}
