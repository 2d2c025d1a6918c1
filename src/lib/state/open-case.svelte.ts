/**
 * The case that is open on screen: its view (the reducer's CaseView), members,
 * unsent items, and the way to act on it. Writes go form → zod → domain command
 * → outbox; this module runs the command and hands the effects to the outbox,
 * and reports a refusal as a message for the form.
 */
import { getContext, setContext } from 'svelte';
import type { CaseRoomSession, CompartmentInfo, MemberInfo } from '../matrix/case-room.ts';
import type { Location } from '../case/compartments.ts';
import type { RetentionPolicy } from '../case/policy.ts';
import { classify, type OutboxItem } from '../matrix/outbox.ts';
import type { CommandContext, CommandResult } from '../case/commands.ts';
import { emptyView } from '../case/reducer.ts';
import type { CaseView } from '../case/view.ts';
import { RECORD } from '../case/event-types.ts';
import { abilities, type Abilities } from '../case/abilities.ts';
import { recordHistory, type EntryHistory } from '../case/history.ts';
import { app } from './app.svelte.ts';
import { refusal, type Refusal } from '../refusal.ts';
import type { MembershipReason } from '../case/reasons.ts';
import { reasonCode } from '../matrix/case-room.ts';
import { directory } from './directory.svelte.ts';

export type OpenCaseStatus = 'loading' | 'ready' | 'invited' | 'no-access' | 'gone' | 'error';

export type Command<I> = (view: CaseView, actor: string, ctx: CommandContext, input: I) => CommandResult;

export type RunOutcome = { ok: true; group: string } | { ok: false; refusal: Refusal };

/** How long to wait for a room this device has not seen yet (just created or joined elsewhere). */
const ROOM_WAIT_MS = 6_000;

export class OpenCase {
	status = $state<OpenCaseStatus>('loading');
	view = $state.raw<CaseView>(emptyView());
	members = $state.raw<MemberInfo[]>([]);
	/** The case's compartments with my membership of each (issue 13); empty for a case without. */
	compartments = $state.raw<CompartmentInfo[]>([]);
	pending = $state.raw<readonly OutboxItem[]>([]);
	/** Why the case could not be loaded, in both languages. */
	error = $state.raw<Refusal | null>(null);
	invite = $state<{ by: string | null; reason: MembershipReason | null; reference: string } | null>(null);
	/** The deployment's retention policy, once known (the close form asks for it). */
	retention: RetentionPolicy | undefined = undefined;
	private session: CaseRoomSession | null = null;
	private off: (() => void) | null = null;
	private readTimer: ReturnType<typeof setTimeout> | null = null;
	private readOnce = false;
	private destroyed = false;

	constructor(readonly roomId: string) {}

	get me(): string {
		return app.userId ?? '';
	}

	get abilities(): Abilities {
		return abilities(this.view, this.me, directory.current, app.services?.serviceUserId ?? '');
	}

	get history(): Map<string, EntryHistory> {
		return recordHistory(this.view.timeline);
	}

	async open(): Promise<void> {
		const client = app.client;
		const services = app.services;
		const rt = app.runtime;
		if (!client || !services || !rt) return;
		this.status = 'loading';
		// Sliding sync: a case further down the list than the pages loaded so far is asked for now.
		rt.focusRoom(client, this.roomId);
		let room = rt.getRoom(client, this.roomId);
		const deadline = Date.now() + ROOM_WAIT_MS;
		while (
			(!room || !['join', 'invite'].includes(room.getMyMembership())) &&
			Date.now() < deadline &&
			!this.destroyed
		) {
			await new Promise((r) => setTimeout(r, 200));
			room = rt.getRoom(client, this.roomId);
		}
		if (this.destroyed) return;
		const membership = room?.getMyMembership();
		if (!room || (membership !== 'join' && membership !== 'invite') || !rt.isCase(room)) {
			this.status = 'no-access';
			return;
		}
		if (membership === 'invite') {
			const event = room.getMember(this.me)?.events.member;
			this.invite = {
				by: event?.getSender() ?? null,
				reason: reasonCode(event?.getContent().reason),
				reference: room.name
			};
			this.status = 'invited';
			return;
		}
		const session = rt.openCaseSession(client, this.roomId, services);
		this.session = session;
		const refresh = () => {
			this.view = session.view;
			// The service account created the room; it is not a member of the team.
			const service = app.services?.serviceUserId;
			this.members = session.members.filter((m) => m.userId !== service);
			this.compartments = session.compartments();
			this.pending = [...session.pendingItems()];
			const now = session.room?.getMyMembership();
			if (this.status === 'ready' && now !== 'join') this.status = 'gone';
			this.scheduleRead();
		};
		this.off = session.subscribe(refresh);
		try {
			await session.load();
			if (this.destroyed) return;
			refresh();
			this.status = 'ready';
			this.scheduleRead();
		} catch (err) {
			this.status = 'error';
			this.error = classify(err).refusal;
		}
	}

	/** Accept the invitation: join, then load the case. */
	async accept(): Promise<void> {
		const client = app.client;
		if (!client) return;
		this.status = 'loading';
		try {
			await client.joinRoom(this.roomId);
		} catch (err) {
			this.status = 'invited';
			throw err;
		}
		// The join is ours once sync has brought it back; until then the room still says "invite".
		const deadline = Date.now() + 30_000;
		while (client.getRoom(this.roomId)?.getMyMembership() !== 'join' && Date.now() < deadline && !this.destroyed) {
			await new Promise((r) => setTimeout(r, 100));
		}
		this.invite = null;
		// Keep the join in this device's sync cache now, so a reload does not show the invitation again.
		void client.store.save?.(true);
		await this.open();
	}

	async decline(): Promise<void> {
		await app.client?.leave(this.roomId);
	}

	context(): CommandContext | null {
		const ctx = this.session?.context();
		return ctx ? { ...ctx, retention: this.retention } : null;
	}

	/** The ids of the compartments I am in (where I may narrow a record to). */
	get mine(): string[] {
		return this.compartments.filter((c) => c.membership === 'join').map((c) => c.id);
	}

	/**
	 * Validated input in, command run against the current view, effects queued. `at`
	 * is where the record goes (the shared part unless the author narrowed it to one of
	 * their compartments, from the default `defaultAt`).
	 */
	async run<I>(
		command: Command<I>,
		input: I,
		place: { at?: Location; defaultAt?: Location } = {}
	): Promise<RunOutcome> {
		const session = this.session;
		const ctx = this.context();
		if (!session || !ctx)
			return {
				ok: false,
				refusal: refusal('unavailable', 'De casus is nog niet geladen.', 'The case has not loaded yet.')
			};
		const result = command(this.view, this.me, ctx, input);
		if (!result.ok) return { ok: false, refusal: result.error };
		// Not waiting for the homeserver: the outbox persists first and sends when it can;
		// the timeline and the send queue show it until it has gone out.
		try {
			const group = await session.execute(result, { wait: false, ...place });
			return { ok: true, group };
		} catch (err) {
			return { ok: false, refusal: classify(err).refusal };
		}
	}

	/** Preview a command's effects without carrying them out (e.g. who loses access). */
	preview<I>(command: Command<I>, input: I): CommandResult | null {
		const ctx = this.context();
		return ctx ? command(this.view, this.me, ctx, input) : null;
	}

	/** A message to the team; `at` narrows it to a compartment I am in (issue 13). */
	async sendMessage(text: string, at?: Location): Promise<void> {
		await this.session?.sendMessage(text, { wait: false, at });
	}

	/** Coordinating records build on the current state: wait until earlier ones have gone out. */
	get busy(): boolean {
		return this.pending.some(
			(i) => !(i.effect.kind === 'message' || (i.effect.kind === 'record' && i.effect.type === RECORD.update))
		);
	}

	retry(group: string): void {
		app.services?.outbox.retry(group);
	}

	discard(group: string): void {
		app.services?.outbox.discard(group);
	}

	/** Read receipts: at once when the case opens, then at most every 800 ms while it is on screen. */
	private scheduleRead(): void {
		if (
			this.readTimer ||
			this.status !== 'ready' ||
			typeof document === 'undefined' ||
			document.visibilityState !== 'visible'
		)
			return;
		if (!this.readOnce) {
			this.readOnce = true;
			this.markRead();
			return;
		}
		this.readTimer = setTimeout(() => {
			this.readTimer = null;
			this.markRead();
		}, 800);
	}

	private markRead(): void {
		const client = app.client;
		if (client && app.runtime) void app.runtime.markRead(client, this.roomId);
	}

	destroy(): void {
		this.destroyed = true;
		if (this.readTimer) {
			clearTimeout(this.readTimer);
			this.markRead();
		}
		this.off?.();
		this.session?.destroy();
		this.session = null;
	}
}

const KEY = Symbol('open-case');

/** The layout of /cases/[roomId] provides the open case to its pages. */
export function provideCase(c: () => OpenCase): void {
	setContext(KEY, c);
}

export function useCase(): () => OpenCase {
	return getContext<() => OpenCase>(KEY);
}
