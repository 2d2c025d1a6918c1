/**
 * One open case room: its whole history, decrypted, decoded and folded into the
 * case view; its members with their organisation and how they came in; and the
 * way to act on it (domain commands → outbox → Matrix).
 *
 * The path of a record, end to end: form → zod (command input) → command
 * (src/lib/case/commands.ts) → effects → outbox → encrypted event →
 * (other client) sync → decrypt → decodeEvent → reducer → case view.
 */
import {
	ClientEvent,
	EventTimeline,
	MatrixEventEvent,
	RoomEvent,
	RoomMemberEvent,
	RoomStateEvent,
	type MatrixClient,
	type MatrixEvent,
	type Room
} from 'matrix-js-sdk';
import type { Directory } from '../directory/directory.ts';
import type { Role } from '../directory/schema.ts';
import { reduceCase, emptyView } from '../case/reducer.ts';
import type { CaseEventInput, CaseView } from '../case/view.ts';
import type { CommandContext, CommandResult, Membership } from '../case/commands.ts';
import { decodeEvent } from './codec.ts';
import { acceptHistoryFromMembers, historyGranted } from './history-sharing.ts';
import { refusal } from '../refusal.ts';
import { MembershipReason } from '../case/reasons.ts';
import {
	COMPARTMENT_POINTER,
	compartmentsOf,
	mayPlace,
	type CompartmentPointer,
	type Location
} from '../case/compartments.ts';
import { focusRoom } from './sliding.ts';

/** A membership reason as a code; older free-text reasons are not shown any more. */
export function reasonCode(reason: unknown): MembershipReason | null {
	const parsed = MembershipReason.safeParse(reason);
	return parsed.success ? parsed.data : null;
}
import type { Outbox, OutboxEffect, OutboxItem } from './outbox.ts';

export interface MembershipChange {
	membership: Membership;
	by: string;
	/** The reason code (reasons.ts); null when there was none, or only free text from before codes. */
	reason: MembershipReason | null;
	ts: number;
}

export interface MemberInfo {
	userId: string;
	displayName: string;
	membership: Membership;
	org: string | null;
	roles: Role[];
	/** False when the directory marks the account disabled (or it is missing). */
	active: boolean;
	powerLevel: number;
	/** When the current membership began. */
	since: number | null;
	invitedBy: string | null;
	inviteReason: MembershipReason | null;
	history: MembershipChange[];
}

/** A compartment of the case as this member sees it (issue 13). */
export interface CompartmentInfo {
	id: string;
	pointer: CompartmentPointer;
	/** This member's membership of the compartment's room ('' when none). */
	membership: string;
}

export interface CaseRoomDeps {
	directory: () => Directory;
	serviceUserId: string;
	outbox: Outbox;
	now?: () => number;
}

type Listener = () => void;

export class CaseRoomSession {
	view: CaseView = emptyView();
	members: MemberInfo[] = [];
	loaded = false;
	private listeners = new Set<Listener>();
	private scheduled = false;
	private loading: Promise<void> | null = null;
	private unsubscribeOutbox: () => void;

	private readonly onTimeline = (event: MatrixEvent, room: Room | undefined) => {
		if (room && this.ours(room.roomId)) this.schedule();
	};
	private readonly onDecrypted = (event: MatrixEvent) => {
		if (this.ours(event.getRoomId())) this.schedule();
	};
	private readonly onReset = (room: Room | undefined) => {
		// A gap in sync replaced the live timeline: fetch the history again, and keep
		// showing the last complete view until then (not one folded from a fragment).
		if (room?.roomId === this.roomId) {
			this.loading = null;
			this.loaded = false;
			this.load().catch(() => {
				// The room went away (removed, or deleted): show what there is rather than freeze.
				this.loaded = true;
				this.recompute();
			});
		}
	};
	private readonly onMembers = (event: MatrixEvent) => {
		if (this.ours(event.getRoomId())) this.schedule();
		if (event.getRoomId() === this.roomId && event.getType() === COMPARTMENT_POINTER) void this.loadCompartments();
	};
	/**
	 * Invited into one of the case's compartments while the case is open: join it now, as on
	 * opening. A brand-new room is stored (ClientEvent.Room) only after its membership is set, so
	 * both are heard, and the join waits for the room to be there.
	 */
	private readonly onMyMembership = (room: Room | undefined) => {
		if (!room || room.roomId === this.roomId || !this.ours(room.roomId)) return;
		setTimeout(() => {
			if (this.client.getRoom(room.roomId)?.getMyMembership() === 'invite') void this.loadCompartments();
		}, 0);
	};
	/** The case room and its compartments' rooms. */
	private ours(roomId: string | undefined): boolean {
		return roomId === this.roomId || (roomId !== undefined && this.compartmentRooms().has(roomId));
	}

	constructor(
		private readonly client: MatrixClient,
		readonly roomId: string,
		private readonly deps: CaseRoomDeps
	) {
		client.on(RoomEvent.Timeline, this.onTimeline);
		client.on(RoomEvent.TimelineReset, this.onReset);
		client.on(MatrixEventEvent.Decrypted, this.onDecrypted);
		client.on(RoomStateEvent.Events, this.onMembers);
		client.on(RoomMemberEvent.Membership, this.onMembers as never);
		client.on(ClientEvent.Room, this.onTimeline as never);
		client.on(RoomEvent.MyMembership, this.onMyMembership);
		client.on(ClientEvent.Room, this.onMyMembership);
		this.unsubscribeOutbox = deps.outbox.subscribe(() => this.schedule());
	}

	get room(): Room | null {
		return this.client.getRoom(this.roomId);
	}

	/** Fetches the room's whole history (a case has hundreds of events, not millions). */
	load(): Promise<void> {
		this.loading ??= (async () => {
			// With sliding sync the room holds only the case list's state until it is opened.
			await focusRoom(this.client, this.roomId);
			const room = await this.waitForRoom();
			await room.loadMembersIfNeeded();
			await this.paginateToStart(room);
			await this.loadCompartments();
			this.loaded = true;
			this.recompute();
		})();
		return this.loading;
	}

	/**
	 * Back-paginates a room until its start. Paginating into events the client already
	 * holds (from before a sync gap) links the two timelines instead, so carry on from
	 * the linked one.
	 */
	private async paginateToStart(room: Room): Promise<void> {
		let timeline: EventTimeline | null = room.getLiveTimeline();
		while (timeline) {
			if (timeline.getPaginationToken(EventTimeline.BACKWARDS) !== null) {
				const more = await this.client.paginateEventTimeline(timeline, { backwards: true, limit: 200 });
				if (more) continue;
			}
			timeline = timeline.getNeighbouringTimeline(EventTimeline.BACKWARDS);
		}
	}

	/** The case's compartments (pointers in the case room's state), with my membership of each. */
	compartments(): CompartmentInfo[] {
		const room = this.room;
		if (!room) return [];
		const state = room.currentState
			.getStateEvents(COMPARTMENT_POINTER)
			.map((e) => ({ type: e.getType(), state_key: e.getStateKey(), content: e.getContent() }));
		return [...compartmentsOf(state)].map(([id, pointer]) => ({
			id,
			pointer,
			membership: this.client.getRoom(pointer.room_id)?.getMyMembership() ?? ''
		}));
	}

	/** The ids of the compartments I am in. */
	mine(): string[] {
		return this.compartments()
			.filter((c) => c.membership === 'join')
			.map((c) => c.id);
	}

	private compartmentRooms(): Set<string> {
		return new Set(this.compartments().map((c) => c.pointer.room_id));
	}

	/**
	 * Joins the compartments I was invited into (a coordinator's decision; I am in the
	 * case already) and fetches the history of every compartment I am in. A compartment
	 * that cannot be joined (the guard refuses: my basis no longer covers it) is left out.
	 */
	private loadCompartments(): Promise<void> {
		// One pass at a time: an invitation can be heard twice, and a join or pagination must not race itself.
		const run = this.compartmentsLoading.then(() => this.loadCompartmentsNow());
		this.compartmentsLoading = run.catch(() => undefined);
		return run;
	}
	private compartmentsLoading: Promise<unknown> = Promise.resolve();

	private async loadCompartmentsNow(): Promise<void> {
		for (const c of this.compartments()) {
			try {
				if (c.membership === 'invite') {
					await this.client.joinRoom(c.pointer.room_id);
					await this.waitForJoin(c.pointer.room_id);
					const joined = this.client.getRoom(c.pointer.room_id);
					// The earlier records only when the inviter granted them (the members share on the grant too).
					if (joined && historyGranted(joined, this.client.getSafeUserId()))
						void acceptHistoryFromMembers(this.client, c.pointer.room_id, this.deps.serviceUserId, 60_000);
				}
				// With sliding sync a compartment, like the case room, holds only list state until opened.
				await focusRoom(this.client, c.pointer.room_id);
				const room = this.client.getRoom(c.pointer.room_id);
				if (!room || room.getMyMembership() !== 'join') continue;
				await this.paginateToStart(room);
			} catch {
				// not (yet) reachable; the shared part and the other compartments still show
			}
		}
	}

	private async waitForJoin(roomId: string, timeoutMs = 10_000): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		while (this.client.getRoom(roomId)?.getMyMembership() !== 'join' && Date.now() < deadline)
			await new Promise((r) => setTimeout(r, 100));
	}

	private async waitForRoom(timeoutMs = 30_000): Promise<Room> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const room = this.room;
			if (room && room.getMyMembership() === 'join') return room;
			if (Date.now() > deadline) throw new Error(`room ${this.roomId} is not available`);
			await new Promise((r) => setTimeout(r, 100));
		}
	}

	subscribe(listener: Listener): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	/** What the domain commands need to know about this room. */
	context(): CommandContext {
		const members = new Map<string, Membership>();
		for (const m of this.room?.getMembers() ?? []) members.set(m.userId, m.membership as Membership);
		return { directory: this.deps.directory(), serviceUserId: this.deps.serviceUserId, now: this.now(), members };
	}

	/**
	 * Carries out a command's effects (queued and persisted first, so nothing is lost).
	 * Resolves when everything has been sent; rejects with the refusal otherwise.
	 */
	async execute(
		result: CommandResult,
		opts: { wait?: boolean; at?: Location; defaultAt?: Location } = {}
	): Promise<string> {
		if (!result.ok) throw result.error;
		const group = this.deps.outbox.enqueue(this.targetRoom(result.effects, opts.at, opts.defaultAt), result.effects);
		if (opts.wait !== false) await this.deps.outbox.settled(group);
		return group;
	}

	/**
	 * The room a command's effects go to: the case room, or the compartment the author
	 * chose. Only records and messages go into a compartment (state, membership and
	 * regie are the case's), only one the author is in, and only narrowing the default.
	 */
	private targetRoom(effects: readonly OutboxEffect[], at?: Location, defaultAt: Location = 'shared'): string {
		if (!at || at === 'shared') return this.roomId;
		if (effects.some((e) => e.kind !== 'record' && e.kind !== 'message'))
			throw refusal(
				'invalid',
				'Dit besluit verandert de casus zelf en hoort in het gedeelde deel.',
				'This decision changes the case itself and belongs in the shared part.'
			);
		const c = this.compartments().find((x) => x.id === at);
		if (!c || !mayPlace(defaultAt, at, this.mine()))
			throw refusal(
				'not-member',
				'U zit niet in dit compartiment, of het kan hier niet heen.',
				'You are not in this compartment, or this cannot go there.'
			);
		return c.pointer.room_id;
	}

	/** Free-text discussion, end-to-end encrypted like everything else. */
	async sendMessage(text: string, opts: { wait?: boolean; at?: Location } = {}): Promise<string> {
		const trimmed = text.trim();
		if (!trimmed) throw refusal('invalid', 'Een leeg bericht wordt niet verstuurd.', 'An empty message is not sent.');
		const effects: OutboxEffect[] = [{ kind: 'message', text: trimmed }];
		const group = this.deps.outbox.enqueue(this.targetRoom(effects, opts.at), effects);
		if (opts.wait !== false) await this.deps.outbox.settled(group);
		return group;
	}

	pendingItems(): readonly OutboxItem[] {
		const compartments = this.compartments();
		if (compartments.length === 0) return this.deps.outbox.pending(this.roomId);
		return [this.roomId, ...compartments.map((c) => c.pointer.room_id)].flatMap((r) => this.deps.outbox.pending(r));
	}

	/** Recompute now (e.g. when the directory changed). */
	refresh(): void {
		this.recompute();
	}

	destroy(): void {
		this.client.off(RoomEvent.Timeline, this.onTimeline);
		this.client.off(RoomEvent.TimelineReset, this.onReset);
		this.client.off(MatrixEventEvent.Decrypted, this.onDecrypted);
		this.client.off(RoomStateEvent.Events, this.onMembers);
		this.client.off(RoomMemberEvent.Membership, this.onMembers as never);
		this.client.off(ClientEvent.Room, this.onTimeline as never);
		this.client.off(RoomEvent.MyMembership, this.onMyMembership);
		this.client.off(ClientEvent.Room, this.onMyMembership);
		this.unsubscribeOutbox();
		this.listeners.clear();
	}

	private now(): number {
		return this.deps.now?.() ?? Date.now();
	}

	private schedule(): void {
		if (this.scheduled || !this.loaded) return;
		this.scheduled = true;
		setTimeout(() => {
			this.scheduled = false;
			this.recompute();
		}, 0);
	}

	/**
	 * The domain inputs: the room's events in order, then our own unsent records as
	 * local echoes. With compartments (issue 13), the timeline events of every
	 * compartment I am in are merged in, in time order, each marked with its place.
	 */
	inputs(): CaseEventInput[] {
		const room = this.room;
		if (!room) return [];
		const shared = this.roomInputs(room, undefined);
		const mine = this.compartments().filter((c) => c.membership === 'join');
		if (mine.length === 0) return shared;
		const parts = [shared];
		for (const c of mine) {
			const r = this.client.getRoom(c.pointer.room_id);
			// Only the records and discussion of a compartment; its own state is the service's.
			if (r) parts.push(this.roomInputs(r, c.id).filter((e) => e.stateKey === undefined));
		}
		return mergeByTime(parts);
	}

	private roomInputs(room: Room, location: string | undefined): CaseEventInput[] {
		const live = historyOf(room);
		const events = live.map(decodeEvent);
		const me = this.client.getSafeUserId();
		// An item whose event is already in the room is shown once, as the real event.
		const arrived = new Set(live.map((e) => e.getUnsigned().transaction_id).filter(Boolean));
		for (const item of this.deps.outbox.pending(room.roomId)) {
			if (item.effect.kind !== 'record' && item.effect.kind !== 'message') continue;
			if (arrived.has(item.id)) continue;
			events.push({
				id: item.id,
				type: item.effect.kind === 'record' ? item.effect.type : 'm.room.message',
				sender: me,
				ts: item.createdAt,
				content: item.effect.kind === 'record' ? item.effect.content : { msgtype: 'm.text', body: item.effect.text },
				encrypted: true,
				local: item.status === 'failed' || item.status === 'blocked' ? 'failed' : 'pending'
			});
		}
		if (location !== undefined) for (const e of events) e.location = location;
		return events;
	}

	private recompute(): void {
		const room = this.room;
		if (!room) return;
		const directory = this.deps.directory();
		this.view = reduceCase(this.inputs(), { directory, serviceUserId: this.deps.serviceUserId, now: this.now() });
		this.members = memberInfo(room, directory);
		for (const l of this.listeners) l();
	}
}

/**
 * Merges the inputs of several rooms into one list in time order; each room's own
 * order is kept (a room's events are already in order), ties go to the earlier list.
 */
export function mergeByTime(parts: readonly CaseEventInput[][]): CaseEventInput[] {
	const at = parts.map(() => 0);
	const out: CaseEventInput[] = [];
	for (;;) {
		let best = -1;
		for (let i = 0; i < parts.length; i++) {
			const e = parts[i]![at[i]!];
			if (e && (best < 0 || e.ts < parts[best]![at[best]!]!.ts)) best = i;
		}
		if (best < 0) return out;
		out.push(parts[best]![at[best]!++]!);
	}
}

/** The room's events in order: the live timeline and the earlier timelines a sync gap left linked behind it. */
export function historyOf(room: Room): MatrixEvent[] {
	const chunks: MatrixEvent[][] = [];
	const seen = new Set<EventTimeline>();
	for (
		let t: EventTimeline | null = room.getLiveTimeline();
		t && !seen.has(t);
		t = t.getNeighbouringTimeline(EventTimeline.BACKWARDS)
	) {
		seen.add(t);
		chunks.unshift(t.getEvents());
	}
	return chunks.flat();
}

function memberInfo(room: Room, directory: Directory): MemberInfo[] {
	const history = new Map<string, MembershipChange[]>();
	for (const event of historyOf(room)) {
		if (event.getType() !== 'm.room.member') continue;
		const userId = event.getStateKey()!;
		const content = event.getContent();
		const list = history.get(userId) ?? [];
		list.push({
			membership: content.membership as Membership,
			by: event.getSender() ?? '',
			reason: reasonCode(content.reason),
			ts: event.getTs()
		});
		history.set(userId, list);
	}
	const power = room.currentState.getStateEvents('m.room.power_levels', '')?.getContent() as
		{ users?: Record<string, number>; users_default?: number } | undefined;
	return room
		.getMembers()
		.map((m) => {
			const entry = directory.users.get(m.userId);
			const changes = history.get(m.userId) ?? [];
			const lastInvite = [...changes].reverse().find((c) => c.membership === 'invite');
			const current = [...changes].reverse().find((c) => c.membership === m.membership);
			return {
				userId: m.userId,
				displayName: entry?.display_name ?? m.name,
				membership: m.membership as Membership,
				org: entry?.org ?? null,
				roles: entry?.roles ?? [],
				active: entry?.active ?? false,
				powerLevel: power?.users?.[m.userId] ?? power?.users_default ?? 0,
				since: current?.ts ?? m.events.member?.getTs() ?? null,
				invitedBy: lastInvite?.by ?? null,
				inviteReason: lastInvite?.reason ?? null,
				history: changes
			};
		})
		.sort((a, b) => (a.org ?? '').localeCompare(b.org ?? '') || a.displayName.localeCompare(b.displayName));
}
