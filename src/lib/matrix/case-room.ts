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
import { refusal } from '../refusal.ts';
import { MembershipReason } from '../case/reasons.ts';
import { focusRoom } from './sliding.ts';

/** A membership reason as a code; older free-text reasons are not shown any more. */
export function reasonCode(reason: unknown): MembershipReason | null {
	const parsed = MembershipReason.safeParse(reason);
	return parsed.success ? parsed.data : null;
}
import type { Outbox, OutboxItem } from './outbox.ts';

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
		if (room?.roomId === this.roomId) this.schedule();
	};
	private readonly onDecrypted = (event: MatrixEvent) => {
		if (event.getRoomId() === this.roomId) this.schedule();
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
		if (event.getRoomId() === this.roomId) this.schedule();
	};

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
			// Back-paginate until the start of the room. Paginating into events the client
			// already holds (from before a sync gap) links the two timelines instead, so
			// carry on from the linked one.
			let timeline: EventTimeline | null = room.getLiveTimeline();
			while (timeline) {
				if (timeline.getPaginationToken(EventTimeline.BACKWARDS) !== null) {
					const more = await this.client.paginateEventTimeline(timeline, { backwards: true, limit: 200 });
					if (more) continue;
				}
				timeline = timeline.getNeighbouringTimeline(EventTimeline.BACKWARDS);
			}
			this.loaded = true;
			this.recompute();
		})();
		return this.loading;
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
	async execute(result: CommandResult, opts: { wait?: boolean } = {}): Promise<string> {
		if (!result.ok) throw result.error;
		const group = this.deps.outbox.enqueue(this.roomId, result.effects);
		if (opts.wait !== false) await this.deps.outbox.settled(group);
		return group;
	}

	/** Free-text discussion, end-to-end encrypted like everything else. */
	async sendMessage(text: string, opts: { wait?: boolean } = {}): Promise<string> {
		const trimmed = text.trim();
		if (!trimmed) throw refusal('invalid', 'Een leeg bericht wordt niet verstuurd.', 'An empty message is not sent.');
		const group = this.deps.outbox.enqueue(this.roomId, [{ kind: 'message', text: trimmed }]);
		if (opts.wait !== false) await this.deps.outbox.settled(group);
		return group;
	}

	pendingItems(): readonly OutboxItem[] {
		return this.deps.outbox.pending(this.roomId);
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

	/** The domain inputs: the room's events in order, then our own unsent records as local echoes. */
	inputs(): CaseEventInput[] {
		const room = this.room;
		if (!room) return [];
		const live = historyOf(room);
		const events = live.map(decodeEvent);
		const me = this.client.getSafeUserId();
		// An item whose event is already in the room is shown once, as the real event.
		const arrived = new Set(live.map((e) => e.getUnsigned().transaction_id).filter(Boolean));
		for (const item of this.deps.outbox.pending(this.roomId)) {
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
