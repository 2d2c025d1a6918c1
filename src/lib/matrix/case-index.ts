/**
 * The live list of my cases, computed from plaintext state alone: no decryption
 * is needed to show hundreds of cases with their phase, regiehouder and
 * deadlines, which keeps the list fast from a cold start.
 *
 * When I lose a case (removed, or the room was deleted after its retention
 * period), the index forgets the room and purges what this device kept of it.
 * A room deleted while this device was offline leaves no trace in sync (no
 * leave event), so the index also reconciles its rooms with the homeserver's
 * list of joined rooms after start and periodically.
 */
import {
	ClientEvent,
	MatrixEventEvent,
	NotificationCountType,
	RoomEvent,
	RoomStateEvent,
	type MatrixClient,
	type MatrixEvent,
	type Room
} from 'matrix-js-sdk';
import type { Directory } from '../directory/directory.ts';
import { partOf, type Part } from '../case/permissions.ts';
import { STATE } from '../case/event-types.ts';
import type { Phase } from '../case/state.ts';
import { reviewDue, triageDeadline, triageOverdue } from '../case/deadlines.ts';
import { isCaseRoomCreate, readCaseRoomState, type StateEventLike } from '../case/room-state.ts';
import type { Outbox } from './outbox.ts';
import { AGENDA_STATE, AgendaState } from '../case/board.ts';
import { acuteClock, byUrgency as listOrder, clockFactsFromEvents, vtSince, type AcuteClock } from '../case/acute.ts';
import { decodeEvent } from './codec.ts';

export type MyPart = Part;

export interface CaseSummary {
	roomId: string;
	reference: string;
	region: string | null;
	phase: Phase | null;
	membership: 'join' | 'invite';
	firstReportAt: string | null;
	acute: boolean | null;
	triageDeadline: string | null;
	triaged: boolean;
	triageOverdue: boolean;
	nextReview: string | null;
	reviewOverdue: boolean;
	closedAt: string | null;
	regiehouder: string | null;
	deputy: string | null;
	myPart: MyPart;
	unread: number;
	lastActivity: number;
	invitedBy: string | null;
	/** A member asked the MDT to discuss the case again, and no triage answered it yet. */
	retriageRequested: boolean;
	/** The case continues in another one (one victim, one case): that case's reference. */
	continuedIn: string | null;
	/** For an acute open case: what is due and when (case/acute.ts), from plaintext state and the records already decrypted. */
	acuteClock: AcuteClock | null;
}

/** The plaintext state types a summary is read from (with AGENDA_STATE). */
const SUMMARY_TYPES = ['m.room.create', 'm.room.name', STATE.case, STATE.regie, STATE.triageStatus, STATE.access];

interface ParsedRoomState {
	/** The state events the parse was made from: the same objects mean the same state. */
	events: (MatrixEvent | null)[];
	state: ReturnType<typeof readCaseRoomState>;
	agenda: AgendaState | null;
}

/**
 * The last parse of each room's plaintext state. The index recomputes every summary whenever
 * anything changes (and hundreds of rooms arrive one by one with sliding sync); validating
 * unchanged state with zod again each time was most of the cost of a recompute.
 */
const parsedState = new WeakMap<Room, ParsedRoomState>();

function parseRoomState(room: Room): ParsedRoomState {
	const events = [...SUMMARY_TYPES, AGENDA_STATE].map((type) => room.currentState.getStateEvents(type, '') ?? null);
	const cached = parsedState.get(room);
	if (cached && cached.events.every((e, i) => e === events[i])) return cached;
	const plain: StateEventLike[] = [];
	SUMMARY_TYPES.forEach((type, i) => {
		const e = events[i];
		if (e) plain.push({ type, state_key: '', sender: e.getSender(), content: e.getContent() });
	});
	const agenda = AgendaState.safeParse(events[SUMMARY_TYPES.length]?.getContent());
	const parsed = { events, state: readCaseRoomState(plain), agenda: agenda.success ? agenda.data : null };
	parsedState.set(room, parsed);
	return parsed;
}

export function isCaseRoom(room: Room): boolean {
	return isCaseRoomCreate(room.currentState.getStateEvents('m.room.create', '')?.getContent());
}

export function summarise(room: Room, me: string, directory: Directory, now: number): CaseSummary {
	const { state: s, agenda } = parseRoomState(room);
	const c = s.case;
	const regie = s.regie;
	const triage = s.triage;
	const deadline = c ? triageDeadline(c.first_report_at) : null;
	const phase = c?.phase ?? null;
	const myPart: MyPart = partOf(
		{ regiehouder: regie?.regiehouder ?? null, deputy: regie?.deputy ?? null },
		me,
		directory
	);
	const membership = room.getMyMembership() === 'invite' ? 'invite' : 'join';
	const nextReview = triage?.next_review ?? null;
	const requested = agenda?.retriage_requested_at ?? null;
	// A triage decided after the request answers it (the server also clears it).
	const retriageRequested =
		requested !== null && phase !== 'closed' && !(triage && Date.parse(triage.decided_at) >= Date.parse(requested));
	return {
		roomId: room.roomId,
		reference: c?.reference ?? room.name,
		region: c?.region ?? null,
		phase,
		membership,
		firstReportAt: c?.first_report_at ?? null,
		acute: c?.acute ?? null,
		triageDeadline: deadline,
		triaged: triage !== null,
		triageOverdue: triageOverdue({ triageDeadline: deadline, triaged: triage !== null, phase }, now),
		nextReview,
		reviewOverdue: reviewDue({ nextReview, phase }, now),
		closedAt: c?.closed_at ?? null,
		regiehouder: regie?.regiehouder ?? null,
		deputy: regie?.deputy ?? null,
		myPart,
		unread: room.getUnreadNotificationCount(NotificationCountType.Total) ?? 0,
		lastActivity: room.getLastActiveTimestamp(),
		invitedBy: membership === 'invite' ? (room.getMember(me)?.events.member?.getSender() ?? null) : null,
		retriageRequested,
		continuedIn: agenda?.continued_in ?? null,
		acuteClock: listClock(room, c, s.access?.organisations ?? [], now)
	};
}

/** How long after the report the case list shows the acute clock (the case view always does). */
const LIST_CLOCK_DAYS = 14;

/**
 * The acute clock of an acute open case for the list: the report time, acute and
 * VT's access from plaintext state; the incident date and the steps from the
 * records in the room's loaded timeline, which the SDK has already decrypted.
 * Nothing is fetched or stored for it.
 */
function listClock(
	room: Room,
	c: { acute: boolean; phase: Phase; first_report_at: string } | null,
	access: readonly { org: string; since: string }[],
	now: number
): AcuteClock | null {
	if (!c?.acute || c.phase === 'closed') return null;
	// Two weeks after the report every window has ended: the list stops reading the timeline for it.
	if (now - Date.parse(c.first_report_at) > LIST_CLOCK_DAYS * 86_400_000) return null;
	const facts = clockFactsFromEvents(room.getLiveTimeline().getEvents().map(decodeEvent));
	return acuteClock(
		{
			acute: c.acute,
			phase: c.phase,
			firstReportAt: c.first_report_at,
			incidentDate: facts.incidentDate,
			vtSince: vtSince(access),
			steps: facts.steps
		},
		now
	);
}

export interface CaseIndexDeps {
	directory: () => Directory;
	outbox?: Outbox;
	now?: () => number;
	/** Told when a case disappears from this user's reach. */
	onForgotten?: (roomId: string, reference: string, reason: string | null) => void;
	/** How often to reconcile with /joined_rooms (ms); 0 turns it off. Default 15 minutes. */
	reconcileEveryMs?: number;
}

/** A join younger than this may not be in /joined_rooms yet: never forget it on that evidence. */
const RECENT_JOIN_MS = 60_000;

export class CaseIndex {
	cases: CaseSummary[] = [];
	private listeners = new Set<() => void>();
	private scheduled = false;
	private readonly touch = () => this.schedule();
	private readonly onMembership = (room: Room, membership: string) => {
		if ((membership === 'leave' || membership === 'ban') && isCaseRoom(room)) void this.forget(room);
		this.schedule();
	};
	private readonly onState = (event: MatrixEvent) => {
		if (event.getType().startsWith('nl.casusruimte.') || event.getType() === 'm.room.member') this.schedule();
	};
	private reconcileTimer: ReturnType<typeof setInterval> | null = null;
	private readonly onFirstSync = (state: string) => {
		if (state !== 'PREPARED' && state !== 'SYNCING') return;
		this.client.off(ClientEvent.Sync, this.onFirstSync);
		void this.reconcile().catch(() => undefined);
	};

	constructor(
		private readonly client: MatrixClient,
		private readonly deps: CaseIndexDeps
	) {
		client.on(ClientEvent.Room, this.touch);
		client.on(RoomEvent.MyMembership, this.onMembership);
		client.on(RoomStateEvent.Events, this.onState);
		client.on(RoomEvent.Timeline, this.touch);
		// A record decrypted after it arrived may tick off an item of the acute clock.
		client.on(MatrixEventEvent.Decrypted, this.touch);
		this.recompute();
		if (client.isInitialSyncComplete()) void this.reconcile().catch(() => undefined);
		else client.on(ClientEvent.Sync, this.onFirstSync);
		const every = deps.reconcileEveryMs ?? 15 * 60_000;
		if (every > 0) this.reconcileTimer = setInterval(() => void this.reconcile().catch(() => undefined), every);
	}

	/**
	 * Forgets case rooms this device believes it is in but the homeserver says it
	 * is not (deleted or removed while offline). Returns the forgotten room IDs.
	 */
	async reconcile(): Promise<string[]> {
		const asked = Date.now();
		const { joined_rooms } = await this.client.getJoinedRooms();
		const joined = new Set(joined_rooms);
		const me = this.client.getSafeUserId();
		const gone = this.client.getRooms().filter((room) => {
			if (room.getMyMembership() !== 'join' || !isCaseRoom(room) || joined.has(room.roomId)) return false;
			const joinedAt = room.getMember(me)?.events.member?.getTs() ?? 0;
			return joinedAt < asked - RECENT_JOIN_MS;
		});
		for (const room of gone) await this.forget(room);
		return gone.map((r) => r.roomId);
	}

	subscribe(listener: () => void): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	stop(): void {
		if (this.reconcileTimer) clearInterval(this.reconcileTimer);
		this.client.off(ClientEvent.Sync, this.onFirstSync);
		this.client.off(ClientEvent.Room, this.touch);
		this.client.off(RoomEvent.MyMembership, this.onMembership);
		this.client.off(RoomStateEvent.Events, this.onState);
		this.client.off(RoomEvent.Timeline, this.touch);
		this.client.off(MatrixEventEvent.Decrypted, this.touch);
	}

	refresh(): void {
		this.recompute();
	}

	/**
	 * Recomputes after the index's short pause, as its own events do: for changes that come
	 * in bursts (read receipts: the SDK adds one for every room's newest event as rooms arrive).
	 */
	refreshSoon(): void {
		this.schedule();
	}

	/**
	 * Recomputes after a short pause. The pause grows with the list (every summary is
	 * recomputed, and the list re-renders): with sliding sync hundreds of rooms arrive
	 * one by one, and recomputing after each of them would cost quadratic time.
	 */
	private schedule(): void {
		if (this.scheduled) return;
		this.scheduled = true;
		setTimeout(
			() => {
				this.scheduled = false;
				this.recompute();
			},
			Math.min(1000, 50 + this.cases.length)
		);
	}

	private recompute(): void {
		const me = this.client.getSafeUserId();
		const directory = this.deps.directory();
		const now = this.deps.now?.() ?? Date.now();
		this.cases = this.client
			.getRooms()
			.filter((room) => (room.getMyMembership() === 'join' || room.getMyMembership() === 'invite') && isCaseRoom(room))
			.map((room) => summarise(room, me, directory, now))
			.sort(byUrgency);
		for (const l of this.listeners) l();
	}

	/** A lost case: drop it from the server-side list, the local store and the outbox. */
	private async forget(room: Room): Promise<void> {
		const me = this.client.getSafeUserId();
		const member = room.getMember(me);
		const reason = member?.membership === 'join' ? null : (member?.events.member?.getContent().reason ?? null);
		const reference = room.name;
		this.deps.outbox?.forgetRoom(room.roomId);
		try {
			await this.client.forget(room.roomId, true);
		} catch {
			// Already forgotten by the server (forget_rooms_on_leave) or the room was purged.
		}
		this.client.store.removeRoom(room.roomId);
		this.deps.onForgotten?.(room.roomId, reference, typeof reason === 'string' ? reason : null);
		this.schedule();
	}
}

/** The case list's order (case/acute.ts): overdue first, deadlines soonest, acute above non-acute, then recent activity. */
export function byUrgency(a: CaseSummary, b: CaseSummary): number {
	return listOrder({ ...a, acuteNext: a.acuteClock?.next ?? null }, { ...b, acuteNext: b.acuteClock?.next ?? null });
}
