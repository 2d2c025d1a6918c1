/**
 * The outbox: every structured update goes through here, so none is ever dropped.
 *
 * - Effects of one command form a group and go out in order, per room.
 * - The queue is persisted (localStorage in the browser) before anything is sent,
 *   so a reload, a lost network or a homeserver restart loses nothing; on start
 *   the queue resumes.
 * - Each event keeps its transaction ID across retries and reloads: the homeserver
 *   deduplicates by (device, transaction ID), so an update goes out once even if
 *   the first attempt reached the server and only the answer was lost.
 * - Transient failures (no network, 5xx, rate limits) are retried with backoff;
 *   a refusal (4xx) marks the item failed and blocks the rest of its group, for
 *   the user to retry or discard.
 */
import { Refusal, type RefusalBody } from '../refusal.ts';
import type { MatrixClient } from 'matrix-js-sdk';
import type { Effect } from '../case/commands.ts';
import { encodeRecord } from './codec.ts';
import { STATE } from '../case/event-types.ts';
import { focusRoom } from './sliding.ts';

/** How long a removal waits for its echo in this device's room state before the next effect goes. */
const REMOVAL_ECHO_MS = 10_000;

export type OutboxEffect = Effect | { kind: 'message'; text: string };
export type OutboxStatus = 'queued' | 'sending' | 'retrying' | 'failed' | 'blocked';

export interface OutboxItem {
	/** Also the Matrix transaction ID. */
	id: string;
	roomId: string;
	group: string;
	effect: OutboxEffect;
	createdAt: number;
	attempts: number;
	status: OutboxStatus;
	error?: string;
	/** Why the homeserver (or the app server) said no, in both languages (read with Refusal.fromBody). */
	refusal?: RefusalBody;
	nextAttemptAt?: number;
}

export interface OutboxStore {
	load(): OutboxItem[];
	save(items: OutboxItem[]): void;
}

export class MemoryOutboxStore implements OutboxStore {
	private items: OutboxItem[] = [];
	load() {
		return structuredClone(this.items);
	}
	save(items: OutboxItem[]) {
		this.items = structuredClone(items);
	}
}

/** Browser persistence; cleared at sign-out with the rest of the local data. */
export class LocalStorageOutboxStore implements OutboxStore {
	constructor(
		private readonly key: string,
		private readonly storage: Storage = localStorage
	) {}
	load(): OutboxItem[] {
		try {
			const raw = this.storage.getItem(this.key);
			return raw ? (JSON.parse(raw) as OutboxItem[]) : [];
		} catch {
			return [];
		}
	}
	save(items: OutboxItem[]): void {
		if (items.length === 0) this.storage.removeItem(this.key);
		else this.storage.setItem(this.key, JSON.stringify(items));
	}
}

/** What the server side does for the outbox (regie handover as the service account). */
export interface CaseServerApi {
	createCase(input: unknown): Promise<{ roomId: string; reference: string }>;
	handover(roomId: string, input: { to: string; deputy: string | null }): Promise<unknown>;
	/** Puts the case on the MDT's agenda again (POST /api/cases/<room>/retriage). */
	retriage?(roomId: string): Promise<unknown>;
	/** Reopens a closed case (POST /api/cases/<room>/reopen). */
	reopen?(roomId: string): Promise<unknown>;
}

export class OutboxError extends Error {
	/** The refusal to show the person; every failure has one. */
	readonly refusal: Refusal;
	constructor(
		message: string,
		readonly transient: boolean,
		readonly errcode?: string,
		refusal?: Refusal
	) {
		super(message);
		this.name = 'OutboxError';
		this.refusal = refusal ?? Refusal.fromBody(transient ? 503 : 403, { errcode, error: message });
	}
}

/** The sentence for a failed or retrying item, in the person's language. */
export function itemProblem(item: OutboxItem, locale: string): string | null {
	if (item.refusal) return Refusal.fromBody(0, item.refusal).in(locale);
	return item.error ?? null;
}

type Listener = () => void;
const BACKOFF_MS = [1_000, 2_000, 5_000, 10_000, 30_000];

export class Outbox {
	private items: OutboxItem[];
	private listeners = new Set<Listener>();
	private settle = new Map<string, { resolve: () => void; reject: (e: Error) => void }[]>();
	private pumping = false;
	private timer: ReturnType<typeof setTimeout> | null = null;
	private stopped = false;
	/** Held: keeps and persists what is queued, sends nothing until `release` (a device not yet verified). */
	private held: boolean;

	constructor(
		private readonly client: MatrixClient,
		private readonly store: OutboxStore,
		private readonly api: CaseServerApi,
		opts: { held?: boolean } = {}
	) {
		this.held = opts.held ?? false;
		// An item that was being sent when the page went away is simply sent again (same transaction ID).
		this.items = store
			.load()
			.map((i) => (i.status === 'sending' || i.status === 'retrying' ? { ...i, status: 'queued' as const } : i));
		this.persist();
	}

	/** Queues the effects of one command; returns its group ID. Persisted before this returns. */
	enqueue(roomId: string, effects: OutboxEffect[]): string {
		const group = newId();
		const now = Date.now();
		for (const effect of effects) {
			this.items.push({ id: newId(), roomId, group, effect, createdAt: now, attempts: 0, status: 'queued' });
		}
		this.persist();
		queueMicrotask(() => void this.pump());
		return group;
	}

	/** Resolves when every item of the group has been sent; rejects when one is refused. */
	settled(group: string): Promise<void> {
		if (!this.items.some((i) => i.group === group)) return Promise.resolve();
		const failed = this.items.find((i) => i.group === group && i.status === 'failed');
		if (failed) return Promise.reject(new OutboxError(failed.error ?? 'failed', false));
		return new Promise((resolve, reject) => {
			const list = this.settle.get(group) ?? [];
			list.push({ resolve, reject });
			this.settle.set(group, list);
		});
	}

	/** Queue and wait: the common case for a form submit that wants to know the outcome. */
	async send(roomId: string, effects: OutboxEffect[]): Promise<void> {
		await this.settled(this.enqueue(roomId, effects));
	}

	pending(roomId?: string): readonly OutboxItem[] {
		return roomId ? this.items.filter((i) => i.roomId === roomId) : this.items;
	}

	subscribe(listener: Listener): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	/** Try a failed group again. */
	retry(group: string): void {
		for (const item of this.items) {
			if (item.group === group && (item.status === 'failed' || item.status === 'blocked')) {
				// Refused, so never stored: a fresh transaction ID is safe, and the SDK
				// will not take the cancelled attempt's ID again in this session.
				if (item.status === 'failed') item.id = newId();
				item.status = 'queued';
				item.error = undefined;
				item.attempts = 0;
			}
		}
		this.persist();
		void this.pump();
	}

	/** Give up on a group (the user decided not to send it). */
	discard(group: string): void {
		for (const item of this.items) if (item.group === group) this.dropLocalEcho(item);
		this.items = this.items.filter((i) => i.group !== group);
		this.rejectGroup(group, new OutboxError('discarded', false));
		this.persist();
	}

	/** Drop everything for a room the user no longer has (left, removed, deleted). */
	forgetRoom(roomId: string): void {
		const groups = new Set(this.items.filter((i) => i.roomId === roomId).map((i) => i.group));
		this.items = this.items.filter((i) => i.roomId !== roomId);
		for (const g of groups) this.rejectGroup(g, new OutboxError('the case is no longer available', false));
		this.persist();
	}

	/** Connectivity is back (sync resumed): retry now instead of waiting for the backoff. */
	wake(): void {
		for (const item of this.items) if (item.status === 'retrying') item.nextAttemptAt = 0;
		void this.pump();
	}

	stop(): void {
		this.stopped = true;
		if (this.timer) clearTimeout(this.timer);
	}

	get isHeld(): boolean {
		return this.held;
	}

	/** Starts sending (this device is verified now): what was queued meanwhile goes out in order. */
	release(): void {
		this.held = false;
		void this.pump();
	}

	/** Sends what can be sent: per room, the first unfinished item, in order. */
	async pump(): Promise<void> {
		if (this.pumping || this.stopped || this.held) return;
		this.pumping = true;
		try {
			for (;;) {
				const next = this.nextSendable();
				if (!next) break;
				await this.attempt(next);
			}
		} finally {
			this.pumping = false;
			this.schedule();
		}
	}

	private nextSendable(): OutboxItem | undefined {
		const now = Date.now();
		const blockedRooms = new Set<string>();
		for (const item of this.items) {
			if (item.status === 'failed' || item.status === 'blocked') continue;
			if (blockedRooms.has(item.roomId)) continue;
			if (item.status === 'retrying' && (item.nextAttemptAt ?? 0) > now) {
				blockedRooms.add(item.roomId); // keep the room's order
				continue;
			}
			return item;
		}
		return undefined;
	}

	private schedule(): void {
		if (this.stopped) return;
		if (this.timer) clearTimeout(this.timer);
		const waits = this.items.filter((i) => i.status === 'retrying').map((i) => (i.nextAttemptAt ?? 0) - Date.now());
		if (waits.length === 0) return;
		this.timer = setTimeout(() => void this.pump(), Math.max(50, Math.min(...waits)));
	}

	private async attempt(item: OutboxItem): Promise<void> {
		item.status = 'sending';
		item.attempts++;
		this.persist();
		try {
			await this.perform(item);
			this.items = this.items.filter((i) => i !== item);
			if (!this.items.some((i) => i.group === item.group)) this.resolveGroup(item.group);
			this.persist();
		} catch (err) {
			const failure = classify(err);
			if (failure.transient) {
				item.status = 'retrying';
				item.error = failure.message;
				item.refusal = failure.refusal.toBody();
				item.nextAttemptAt = Date.now() + BACKOFF_MS[Math.min(item.attempts - 1, BACKOFF_MS.length - 1)]!;
			} else {
				item.status = 'failed';
				item.error = failure.message;
				item.refusal = failure.refusal.toBody();
				for (const other of this.items) if (other.group === item.group && other !== item) other.status = 'blocked';
				this.rejectGroup(item.group, failure);
			}
			this.persist();
		}
	}

	private async perform(item: OutboxItem): Promise<void> {
		const { client } = this;
		const effect = item.effect;
		const room = client.getRoom(item.roomId);
		switch (effect.kind) {
			case 'record':
				await this.readyToEncrypt(item.roomId);
				if (await this.resendEcho(item)) return;
				await client.sendEvent(
					item.roomId,
					effect.type as never,
					encodeRecord(effect.type, effect.content) as never,
					item.id
				);
				return;
			case 'message':
				await this.readyToEncrypt(item.roomId);
				if (await this.resendEcho(item)) return;
				await client.sendEvent(
					item.roomId,
					'm.room.message' as never,
					{ msgtype: 'm.text', body: effect.text } as never,
					item.id
				);
				return;
			case 'state':
				await client.sendStateEvent(item.roomId, effect.type as never, effect.content as never, '');
				return;
			case 'invite': {
				const membership = room?.getMember(effect.userId)?.membership;
				if (membership === 'invite' || membership === 'join') return;
				await client.invite(item.roomId, effect.userId, { reason: effect.reason });
				return;
			}
			case 'remove': {
				const membership = room?.getMember(effect.userId)?.membership;
				if (membership === 'leave' || membership === 'ban') return;
				await client.kick(item.roomId, effect.userId, effect.reason);
				// Done once this device's own view of the room has it: what the next effects encrypt
				// must not go to the removed member's devices (the key rotates on the membership change).
				await this.untilGone(item.roomId, effect.userId);
				return;
			}
			case 'handover':
				await this.api.handover(item.roomId, { to: effect.to, deputy: effect.deputy });
				return;
			case 'retriage':
				await this.api.retriage?.(item.roomId);
				return;
			case 'reopen': {
				// Open again already (the answer to an earlier attempt was lost): done; the record of why follows.
				const phase = room?.currentState?.getStateEvents(STATE.case, '')?.getContent()?.phase;
				if (typeof phase === 'string' && phase !== 'closed') return;
				if (!this.api.reopen) throw new OutboxError('reopening needs the server', false);
				await this.api.reopen(item.roomId);
				return;
			}
		}
	}

	/**
	 * Records and messages are only ever sent encrypted. With sliding sync a case that is only a
	 * row of the list has its encryption settings in its state but not yet in the crypto
	 * (sliding.ts): focusing the room hands them over (and loads its whole state) first. A room
	 * this device does not know to be encrypted gets nothing: the SDK would send there in
	 * plaintext, so the item waits and is tried again (transient) until the room's state is here.
	 */
	private async readyToEncrypt(roomId: string): Promise<void> {
		await focusRoom(this.client, roomId);
		const room = this.client.getRoom(roomId);
		if (!room?.hasEncryptionStateEvent())
			throw new OutboxError('this device does not know the room to be encrypted yet', true, 'CASUS_NOT_ENCRYPTED');
	}

	/** Waits (bounded) until sync has brought a removal into this device's room state. */
	private async untilGone(roomId: string, userId: string, ms = REMOVAL_ECHO_MS): Promise<void> {
		const deadline = Date.now() + ms;
		for (;;) {
			const membership = this.client.getRoom(roomId)?.getMember(userId)?.membership;
			if (membership !== 'join' && membership !== 'invite') return;
			if (Date.now() > deadline) return;
			await new Promise((r) => setTimeout(r, 50));
		}
	}

	/**
	 * The SDK remembers every transaction ID it was given (also across a reload,
	 * in its store of pending events) and refuses a second sendEvent with it. A
	 * failed attempt stays as an unsent local echo (hidden from the case view:
	 * pending events are detached), so a retry resends that echo, which keeps
	 * the transaction ID and with it the homeserver's deduplication.
	 * Returns false when there is no echo and the event must be sent fresh.
	 */
	private async resendEcho(item: OutboxItem): Promise<boolean> {
		const room = this.client.getRoom(item.roomId);
		if (!room) return false;
		// Already in the room (the SDK's own retry got it there, or the answer to ours was lost).
		if (
			room
				.getLiveTimeline()
				.getEvents()
				.some((e) => e.getUnsigned().transaction_id === item.id)
		)
			return true;
		const echo = room.getEventForTxnId(item.id);
		if (!echo) return false;
		switch (echo.status) {
			case 'not_sent':
				await this.client.resendEvent(echo, room);
				return true;
			case 'sent':
			case null:
				return true; // it went out; the remote echo may still be on its way
			case 'cancelled':
				throw new OutboxError('this update was cancelled on this device', false);
			default:
				// queued, encrypting or sending: the SDK's own attempt is still under way
				throw new OutboxError('still sending', true);
		}
	}

	/** Removes the SDK's unsent echo of a discarded item. */
	private dropLocalEcho(item: OutboxItem): void {
		const room = this.client.getRoom(item.roomId);
		for (const event of room?.getPendingEvents() ?? []) {
			if (event.getTxnId() === item.id) {
				try {
					this.client.cancelPendingEvent(event);
				} catch {
					// already on its way; the transaction ID makes the retry harmless
				}
			}
		}
	}

	private resolveGroup(group: string) {
		for (const w of this.settle.get(group) ?? []) w.resolve();
		this.settle.delete(group);
	}

	private rejectGroup(group: string, err: Error) {
		for (const w of this.settle.get(group) ?? []) w.reject(err);
		this.settle.delete(group);
	}

	private persist(): void {
		this.store.save(this.items);
		for (const l of this.listeners) l();
	}
}

/** Transient: worth retrying by itself. Permanent: the homeserver (or the server) said no. */
export function classify(err: unknown): OutboxError {
	if (err instanceof OutboxError) return err;
	const e = err as {
		httpStatus?: number;
		status?: number;
		errcode?: string;
		name?: string;
		message?: string;
		data?: { error?: string };
		body?: unknown;
	};
	if (err instanceof Refusal)
		return new OutboxError(err.text.en, err.status >= 500 || err.status === 429, err.errcode, err);
	const status = e?.httpStatus ?? e?.status;
	const message = e?.data?.error ?? e?.message ?? String(err);
	const body = e?.data ?? e?.body ?? { errcode: e?.errcode, error: message };
	const refusal = Refusal.fromBody(status ?? 0, body);
	if (status === undefined) return new OutboxError(message, true, undefined, refusal); // network down, connection refused, aborted
	if (status === 429 || status >= 500 || status === 408) return new OutboxError(message, true, e.errcode, refusal);
	return new OutboxError(message, false, e.errcode, refusal);
}

function newId(): string {
	return `cr${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
}
