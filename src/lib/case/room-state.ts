/**
 * The one reader of a case room's plaintext state. From a list of state events
 * (the Admin API's, the Client-Server API's, or matrix-js-sdk's current state
 * turned into plain objects) it answers: is this a case room, and what do its
 * case, triage status, regie, access and membership say. The app server, the
 * privacy review and the client's case index all read the state through here,
 * so "is this a case room" and "which content counts" are decided once. Pure.
 */
import { AccessState, CaseState, RegieState, TriageStatusState } from './state.ts';
import { STATE } from './event-types.ts';
import { emptyView } from './reducer.ts';
import type { CaseView } from './view.ts';
import type { Membership } from './commands.ts';
import { AGENDA_STATE, AgendaState } from './board.ts';
import { compartmentsOf, type CompartmentCase, type CompartmentPointer } from './compartments.ts';

/** The room type (m.room.create content.type) of every case room. */
export const CASE_ROOM_TYPE = 'nl.casusruimte.case';

/** A state event as any API returns it; only these fields are ever read. */
export interface StateEventLike {
	type: string;
	state_key?: string;
	sender?: string;
	origin_server_ts?: number;
	content: Record<string, unknown>;
}

export interface RoomMembership {
	membership: string;
	/** When the current membership event was sent (ms), 0 when unknown. */
	since: number;
	/** Who sent it (the member themselves, or who invited/removed them). */
	sender: string | null;
}

export interface CaseRoomState {
	isCaseRoom: boolean;
	createdBy: string | null;
	/** When the room was created (ms), 0 when unknown. */
	createdAt: number;
	case: CaseState | null;
	triage: TriageStatusState | null;
	regie: RegieState | null;
	access: AccessState | null;
	/** The MDT agenda's state (re-triage request, continued in), null when never set. */
	agenda: AgendaState | null;
	/** The case's compartments (issue 13): id → pointer; empty for a case without any. */
	compartments: Map<string, CompartmentPointer>;
	roomName: string | null;
	/** user ID → current membership, for every member event in the state. */
	memberships: Map<string, RoomMembership>;
	/** The users map of the power levels (who has power other than the default), null when absent. */
	powerUsers: Record<string, unknown> | null;
	/** The case state is valid, and access and regie are valid where present. */
	validState: boolean;
}

/** The one test: a room is a case room when its create event says so (the guard lets only the service make one). */
export function isCaseRoomCreate(createContent: Record<string, unknown> | null | undefined): boolean {
	return createContent?.type === CASE_ROOM_TYPE;
}

function parse<T>(
	schema: { safeParse(x: unknown): { success: true; data: T } | { success: false } },
	content: unknown
): T | null {
	if (content === undefined || content === null) return null;
	const r = schema.safeParse(content);
	return r.success ? r.data : null;
}

export function readCaseRoomState(state: readonly StateEventLike[]): CaseRoomState {
	const get = (type: string) => state.find((e) => e.type === type && (e.state_key ?? '') === '');
	const create = get('m.room.create');
	const memberships = new Map<string, RoomMembership>();
	for (const e of state) {
		if (e.type === 'm.room.member' && e.state_key)
			memberships.set(e.state_key, {
				membership: typeof e.content.membership === 'string' ? e.content.membership : '',
				since: e.origin_server_ts ?? 0,
				sender: e.sender ?? null
			});
	}
	const caseEvent = get(STATE.case);
	const accessEvent = get(STATE.access);
	const regieEvent = get(STATE.regie);
	const caseState = parse(CaseState, caseEvent?.content);
	const access = parse(AccessState, accessEvent?.content);
	const regie = parse(RegieState, regieEvent?.content);
	const name = get('m.room.name')?.content.name;
	const users = get('m.room.power_levels')?.content.users;
	return {
		isCaseRoom: isCaseRoomCreate(create?.content),
		createdBy: create?.sender ?? null,
		createdAt: create?.origin_server_ts ?? 0,
		case: caseState,
		triage: parse(TriageStatusState, get(STATE.triageStatus)?.content),
		regie,
		access,
		agenda: parse(AgendaState, get(AGENDA_STATE)?.content),
		compartments: compartmentsOf(state),
		roomName: typeof name === 'string' ? name : null,
		memberships,
		powerUsers: users && typeof users === 'object' ? (users as Record<string, unknown>) : null,
		validState: Boolean(caseState && (access || !accessEvent) && (regie || !regieEvent))
	};
}

/** The membership of one user ('' when the state has no member event for them). */
export function membershipOf(room: Pick<CaseRoomState, 'memberships'>, userId: string): string {
	return room.memberships.get(userId)?.membership ?? '';
}

/**
 * A member's request to discuss the case again (`AGENDA_STATE`) counts until a
 * triage decision is taken after it: the time of the open request, or null.
 */
export function openRetriageRequest(s: Pick<CaseRoomState, 'agenda' | 'triage'>): string | null {
	const at = s.agenda?.retriage_requested_at ?? null;
	if (!at) return null;
	const decided = s.triage?.decided_at;
	return decided && Date.parse(decided) >= Date.parse(at) ? null : at;
}

/** The organisations the access basis covers. */
export function coveredOrgs(room: Pick<CaseRoomState, 'access'>): Set<string> {
	return new Set((room.access?.organisations ?? []).map((a) => a.org));
}

/** Joined and invited members, without the service account. */
export function currentMembers(room: Pick<CaseRoomState, 'memberships'>, serviceUserId: string): string[] {
	return [...room.memberships]
		.filter(([u, m]) => u !== serviceUserId && (m.membership === 'join' || m.membership === 'invite'))
		.map(([u]) => u);
}

/** Each member's current membership, in the shape the domain's commands take. */
export function membershipMap(room: Pick<CaseRoomState, 'memberships'>): Map<string, Membership> {
	const out = new Map<string, Membership>();
	for (const [userId, m] of room.memberships)
		if (m.membership === 'join' || m.membership === 'invite' || m.membership === 'leave' || m.membership === 'ban')
			out.set(userId, m.membership);
	return out;
}

/**
 * The case view as far as the plaintext state tells it (no records): enough for
 * the domain's commands to decide what the server carries out (phase, regie,
 * access). The reducer builds the full view from the records in the browser.
 */
export function caseViewOf(room: CaseRoomState): CaseView {
	const view = emptyView();
	const s = room.case;
	if (s) {
		view.reference = s.reference;
		view.region = s.region;
		view.phase = s.phase;
		view.firstReportAt = s.first_report_at;
		view.acute = s.acute;
		view.closedAt = s.closed_at;
		view.retentionUntil = s.retention_until;
	}
	if (room.regie)
		view.regie = {
			regiehouder: room.regie.regiehouder,
			deputy: room.regie.deputy,
			since: room.regie.since,
			handovers: room.regie.handovers,
			history: []
		};
	view.access = room.access?.organisations ?? [];
	view.state = { case: s, regie: room.regie, access: room.access, triageStatus: room.triage };
	return view;
}

/** What the compartment rules (compartments.ts) need of a case, from its plaintext state. */
export function compartmentCaseOf(room: CaseRoomState): CompartmentCase {
	const members = new Map<string, string>();
	for (const [userId, m] of room.memberships) members.set(userId, m.membership);
	return {
		closed: room.case?.phase === 'closed',
		regiehouder: room.regie?.regiehouder ?? null,
		deputy: room.regie?.deputy ?? null,
		access: room.access?.organisations ?? [],
		members,
		compartments: room.compartments
	};
}
