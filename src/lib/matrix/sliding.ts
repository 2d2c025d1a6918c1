/**
 * The case list without a full sync: simplified sliding sync (MSC4186), as
 * matrix-js-sdk's SlidingSync drives it. Three lists:
 *
 * - `invites`: case rooms I am invited to, all of them at once (few, and they
 *   lead the list);
 * - `cases`: case rooms I am in, with only what the list needs (the create
 *   event, the name, the four plaintext case state events, the agenda state,
 *   encryption settings and my own membership) and one timeline event; the
 *   first screen comes in the first response, the rest in growing pages that
 *   follow without blocking anything;
 * - `rooms`: every other room (the directory, the region's MDT board), few,
 *   with their whole state.
 *
 * Opening a case subscribes to its room with its whole state (members, power
 * levels) before the case back-paginates its history (case-room.ts), so the
 * timeline is loaded on demand. The crypto gets its to-device messages and
 * device-list changes through the `to_device` and `e2ee` extensions that
 * SlidingSyncSdk registers.
 */
import type { MatrixClient, MatrixEvent, Room, RoomState } from 'matrix-js-sdk';
import type { IStateEvent } from 'matrix-js-sdk/lib/sync-accumulator.js';
import {
	SlidingSync,
	SlidingSyncEvent,
	SlidingSyncState,
	type MSC3575List,
	type MSC3575RoomData,
	type MSC3575SlidingSyncResponse
} from 'matrix-js-sdk/lib/sliding-sync.js';
import { STATE } from '../case/event-types.ts';
import { AGENDA_STATE } from '../case/board.ts';
import { CASE_ROOM_TYPE } from '../case/room-state.ts';

export const LISTS = { invites: 'invites', cases: 'cases', rooms: 'rooms' } as const;

/**
 * The first response carries this many case rooms: a screen's worth of rows (20) after the
 * list's default filter. The list hides closed cases by default and the server cannot filter on
 * our state, so 20 rooms gave 16-17 rows, and the first screen waited for the next page (250
 * rooms, and the browser's work on them: 2.3 s more at 500 rooms in the bench's trace). Twice a
 * screen costs the first response about 20 rooms more.
 */
export const FIRST_PAGE = 40;
/**
 * Then the window grows by at least this many rooms per request, and at least doubles, until it
 * covers every case. Synapse's cost of a request grows with the account's rooms, not only with
 * the page (it lists and sorts all of them each time): at 2,000 case rooms a page of 250 new rooms
 * took 4.5-7 s in the bench's trace against 2.5-4 s at 500, so a fixed step makes the full list
 * grow faster than the rooms. Doubling keeps the number of requests logarithmic (40, 290, 580,
 * 1,160, 2,320); a step never exceeds MAX_PAGE, which bounds the browser's work on one response.
 */
export const PAGE = 250;
const MAX_PAGE = 1000;
/** Room to spare at the end of a window that covers a whole list. */
const SPARE = 50;
/** Long-poll timeout of a sliding sync request (ms). */
const TIMEOUT_MS = 30_000;

/** The plaintext state a case-list row is computed from (case-index.ts reads exactly these). */
export const CASE_LIST_STATE: string[][] = [
	['m.room.create', ''],
	['m.room.name', ''],
	['m.room.encryption', ''],
	['m.room.history_visibility', ''],
	[STATE.case, ''],
	[STATE.regie, ''],
	[STATE.triageStatus, ''],
	[STATE.access, ''],
	[AGENDA_STATE, ''],
	['m.room.member', '$ME']
];

const ALL_STATE = [['*', '*']];
/** An open case: its whole state; the timeline comes from back-pagination (case-room.ts). */
const OPEN_ROOM = 'open-room';

export function caseLists(firstPage = FIRST_PAGE): Map<string, MSC3575List> {
	return new Map<string, MSC3575List>([
		[
			LISTS.invites,
			{
				ranges: [[0, 99]],
				filters: { is_invite: true, room_types: [CASE_ROOM_TYPE] },
				required_state: CASE_LIST_STATE,
				timeline_limit: 1
			}
		],
		[
			LISTS.cases,
			{
				ranges: [[0, firstPage - 1]],
				filters: { is_invite: false, room_types: [CASE_ROOM_TYPE] },
				required_state: CASE_LIST_STATE,
				timeline_limit: 1
			}
		],
		[
			LISTS.rooms,
			{
				ranges: [[0, 49]],
				filters: { not_room_types: [CASE_ROOM_TYPE] },
				required_state: ALL_STATE,
				timeline_limit: 20
			}
		]
	]);
}

export interface ListProgress {
	/** Case rooms the server has sent so far (joined and invited). */
	loaded: number;
	/** Case rooms the server counts (joined and invited); null until the first response. */
	total: number | null;
	complete: boolean;
}

/** The crypto's hook for a room's `m.room.encryption` (the SDK's sync loops call it). */
interface CryptoEventHook {
	onCryptoEvent(room: Room, event: MatrixEvent): Promise<void>;
}

/** What the network did: a response (online) or a failed request that was not ours to abort (offline). */
export type SyncReachability = 'online' | 'unreachable';

/**
 * Drives one SlidingSync for the app: grows the case window page by page after
 * each response, subscribes open rooms, and reports progress and reachability.
 */
export class CaseSync {
	readonly sync: SlidingSync;
	private caseEnd: number;
	/** The end of the case window the last answered request asked for. */
	private answeredEnd = -1;
	private readonly sent = new Set<string>();
	private counts: Record<string, number> = {};
	private responded = false;
	private progressListeners = new Set<(p: ListProgress) => void>();
	private roomWaiters = new Map<string, (() => void)[]>();
	private focused = new Map<string, Promise<void>>();
	private reachabilityListeners = new Set<(r: SyncReachability) => void>();
	private readonly page: number;
	/** Case rooms that are only list rows: their `m.room.encryption`, not yet given to the crypto. */
	private readonly deferredCrypto = new Map<string, { room: Room; event: MatrixEvent }>();
	/** Rooms whose encryption settings the crypto has (or gets as they arrive): opened and written to. */
	private readonly cryptoRooms = new Set<string>();
	private restoreCrypto: (() => void) | null = null;
	/** Focused rooms whose state may have missed something: a request failed since it was last read. */
	private readonly stale = new Set<string>();
	private rereading: Promise<void> | null = null;
	private rereadListeners = new Set<(roomIds: string[]) => void>();
	private applyCrypto: ((room: Room, event: MatrixEvent) => Promise<void>) | null = null;

	constructor(
		private readonly client: MatrixClient,
		opts: { firstPage?: number; page?: number; timeoutMs?: number } = {}
	) {
		const firstPage = opts.firstPage ?? FIRST_PAGE;
		this.page = opts.page ?? PAGE;
		this.caseEnd = firstPage - 1;
		this.sync = new SlidingSync(
			client.baseUrl,
			caseLists(firstPage),
			{ required_state: CASE_LIST_STATE, timeline_limit: 1 },
			client,
			opts.timeoutMs ?? TIMEOUT_MS
		);
		// The same timeline limit as the list: a larger one would make the server repeat events this
		// device holds, which the SDK appends out of order; the case back-paginates its history itself.
		this.sync.addCustomSubscription(OPEN_ROOM, { required_state: ALL_STATE, timeline_limit: 1 });
		this.sync.on(SlidingSyncEvent.RoomData, this.onRoomData);
		this.sync.on(SlidingSyncEvent.Lifecycle, this.onLifecycle);
		this.watchRequests();
		this.deferCrypto();
	}

	/**
	 * The crypto's per-room bookkeeping (room settings written to its IndexedDB store, device
	 * tracking of the members) is for rooms this device encrypts in; a case that is only a row of
	 * the list does not need it. The `m.room.encryption` of such a room stays in the room's state
	 * (the SDK knows the room is encrypted, so it never sends there in plaintext: without the
	 * settings the crypto refuses to encrypt, and nothing is sent), and reaches the crypto when the
	 * room is focused: opened, or written to through the outbox (`focusRoom`). Measured: about
	 * 40 ms per room on a loaded 2-core machine, one room after the other, before the next page.
	 */
	private deferCrypto(): void {
		const crypto = this.client.getCrypto?.() as unknown as Partial<CryptoEventHook> | undefined;
		if (!crypto || typeof crypto.onCryptoEvent !== 'function') return;
		const own = Object.prototype.hasOwnProperty.call(crypto, 'onCryptoEvent');
		const original = crypto.onCryptoEvent;
		const apply = (room: Room, event: MatrixEvent) => original.call(crypto, room, event);
		this.applyCrypto = apply;
		crypto.onCryptoEvent = (room: Room, event: MatrixEvent) => {
			if (this.cryptoRooms.has(room.roomId) || room.getType() !== CASE_ROOM_TYPE) return apply(room, event);
			this.deferredCrypto.set(room.roomId, { room, event });
			return Promise.resolve();
		};
		this.restoreCrypto = () => {
			if (own) crypto.onCryptoEvent = original;
			else delete crypto.onCryptoEvent;
		};
	}

	/** Whether the crypto holds this room's encryption settings from this device's sync (false while deferred). */
	cryptoDeferred(roomId: string): boolean {
		return this.deferredCrypto.has(roomId);
	}

	/** Hands a room's deferred encryption settings to the crypto (from now on, all of them go straight there). */
	private async configureCrypto(roomId: string): Promise<void> {
		this.cryptoRooms.add(roomId);
		const deferred = this.deferredCrypto.get(roomId);
		if (!deferred || !this.applyCrypto) return;
		this.deferredCrypto.delete(roomId);
		await this.applyCrypto(deferred.room, deferred.event);
	}

	get progress(): ListProgress {
		const total = this.responded ? (this.counts[LISTS.cases] ?? 0) + (this.counts[LISTS.invites] ?? 0) : null;
		const casesDone = this.responded && this.answeredEnd + 1 >= (this.counts[LISTS.cases] ?? 0);
		return { loaded: this.sent.size, total, complete: casesDone };
	}

	onProgress(listener: (p: ListProgress) => void): () => void {
		this.progressListeners.add(listener);
		return () => this.progressListeners.delete(listener);
	}

	onReachability(listener: (r: SyncReachability) => void): () => void {
		this.reachabilityListeners.add(listener);
		return () => this.reachabilityListeners.delete(listener);
	}

	/**
	 * Subscribes to a room with its whole state (an opened case) and resolves
	 * when the server has sent it (or after `waitMs`, so a slow connection never
	 * blocks opening what this device already holds). A room stays subscribed
	 * for the session: opening it again costs nothing.
	 */
	focus(roomId: string, waitMs = 8_000): Promise<void> {
		let arrived = this.focused.get(roomId);
		if (arrived) return arrived;
		const configured = this.configureCrypto(roomId);
		arrived = Promise.all([
			new Promise<void>((resolve) => {
				const list = this.roomWaiters.get(roomId) ?? [];
				list.push(resolve);
				this.roomWaiters.set(roomId, list);
				setTimeout(resolve, waitMs);
			}),
			configured
		]).then(() => undefined);
		this.focused.set(roomId, arrived);
		const subs = this.sync.getRoomSubscriptions();
		this.sync.useCustomSubscription(roomId, OPEN_ROOM);
		subs.add(roomId);
		this.sync.modifyRoomSubscriptions(subs);
		return arrived;
	}

	/** Called with the focused rooms whose whole state was read again after a failed request. */
	onReread(listener: (roomIds: string[]) => void): () => void {
		this.rereadListeners.add(listener);
		return () => this.rereadListeners.delete(listener);
	}

	/**
	 * A request failed (a server error, the network, or a connection the server no
	 * longer knows): what happened in the rooms meanwhile reaches this device only
	 * if the server gets the next response right. Synapse did not, once: before its
	 * background updates had finished it answered 500 while a user joined and left
	 * within one sync window, and the retry lacked the joins of that window, so an
	 * opened case showed a member list without a member (README, issue 15). So every
	 * focused room (an opened case, a room written to) reads its whole state again
	 * once sync answers again (`rereadStale`).
	 */
	private markGap(): void {
		for (const roomId of this.focused.keys()) this.stale.add(roomId);
	}

	/** Reads the whole state of the rooms marked stale, one after the other; a room that fails stays marked. */
	private rereadStale(): Promise<void> {
		this.rereading ??= (async () => {
			const done: string[] = [];
			try {
				while (this.stale.size > 0) {
					const roomIds = [...this.stale];
					this.stale.clear();
					for (const roomId of roomIds) {
						try {
							await this.rereadRoom(roomId);
							done.push(roomId);
						} catch (err) {
							const http = (err as { httpStatus?: number })?.httpStatus;
							// Not mine to read any more (removed meanwhile): the sync says so itself.
							if (http === 403 || http === 404) continue;
							// Still unreachable: again after the next response.
							for (const id of roomIds.slice(roomIds.indexOf(roomId))) this.stale.add(id);
							return;
						}
					}
				}
			} finally {
				this.rereading = null;
				if (done.length > 0) for (const l of this.rereadListeners) l(done);
			}
		})();
		return this.rereading;
	}

	private async rereadRoom(roomId: string): Promise<void> {
		const room = this.client.getRoom(roomId);
		if (!room || room.getMyMembership() !== 'join') return;
		const events = (await this.client.roomState(roomId)).map(this.client.getEventMapper());
		const fresh = newerState(room.currentState, events);
		// As the SDK applies a sync's state to a room that has a timeline: RoomState emits the
		// membership and state events the case and the list listen to.
		if (fresh.length > 0) room.currentState.setStateEvents(fresh);
	}

	stop(): void {
		this.sync.off(SlidingSyncEvent.RoomData, this.onRoomData);
		this.sync.off(SlidingSyncEvent.Lifecycle, this.onLifecycle);
		this.sync.stop();
		this.stale.clear();
		this.restoreCrypto?.();
		this.restoreCrypto = null;
	}

	private readonly onRoomData = (roomId: string, data: MSC3575RoomData) => {
		this.mendRoomData(roomId, data);
		// A case room the lists sent: counted once (the window only grows).
		const create = data.required_state?.find((e) => e.type === 'm.room.create');
		const stripped = data.invite_state?.find((e) => e.type === 'm.room.create');
		const type = (create ?? stripped)?.content?.type;
		if (type === CASE_ROOM_TYPE) this.sent.add(roomId);
		const waiters = this.roomWaiters.get(roomId);
		if (waiters) {
			this.roomWaiters.delete(roomId);
			// After the SDK has processed this room (its listener runs before ours resolves the wait).
			setTimeout(() => waiters.forEach((w) => w()), 0);
		}
	};

	/**
	 * Runs before the SDK's own RoomData listener (registered later). Two things
	 * the SDK does not do for us:
	 * - State changes that arrive in the timeline: the server does not repeat them
	 *   in `required_state`, and the SDK adds timeline events without applying
	 *   their state (`addToState: false`), so a membership change (a removal!) or
	 *   a new phase would never reach the room's current state. They are added to
	 *   `required_state`, the last one per key winning.
	 * - A gap (more happened in the room than the timeline limit lets through):
	 *   the SDK would append the last events behind a hole; like classic sync, a
	 *   new live timeline starts instead (an open case fetches its history again
	 *   on the reset).
	 */
	private mendRoomData(roomId: string, data: MSC3575RoomData): void {
		if (data.invite_state) return;
		if (data.timeline?.length) {
			const given = new Set((data.required_state ?? []).map((e) => `${e.type}\u0000${e.state_key}`));
			const fromTimeline = new Map<string, IStateEvent>();
			for (const e of data.timeline)
				if ('state_key' in e && typeof e.state_key === 'string') {
					const key = `${e.type}\u0000${e.state_key}`;
					if (!given.has(key)) fromTimeline.set(key, e as IStateEvent);
				}
			if (fromTimeline.size > 0)
				data.required_state = [...(data.required_state ?? []), ...[...fromTimeline.values()].map((e) => ({ ...e }))];
		}
		const room = this.client.getRoom(roomId);
		if (!room || data.initial || !data.limited || !data.timeline?.length) return;
		if (room.getLiveTimeline().getEvents().length === 0) return;
		room.resetLiveTimeline(data.prev_batch ?? null, null);
		this.client.resetNotifTimelineSet();
	}

	private readonly onLifecycle = (state: SlidingSyncState, resp: MSC3575SlidingSyncResponse | null) => {
		if (state !== SlidingSyncState.Complete || !resp) return;
		this.responded = true;
		for (const [key, list] of Object.entries(resp.lists ?? {})) this.counts[key] = list.count;
		const cases = this.counts[LISTS.cases] ?? 0;
		if (this.caseEnd + 1 < cases) {
			// The next page: the window grows, so the server sends only the rooms it has not sent yet.
			const step = Math.max(this.page, Math.min(this.caseEnd + 1, MAX_PAGE));
			this.caseEnd = Math.min(cases, this.caseEnd + 1 + step) - 1;
			// Once it covers every case, some room to spare: a new case must not push the last one out.
			if (this.caseEnd + 1 >= cases) this.caseEnd = cases + SPARE;
			this.sync.setListRanges(LISTS.cases, [[0, this.caseEnd]]);
		}
		const invites = this.counts[LISTS.invites] ?? 0;
		const inviteEnd = this.sync.getListParams(LISTS.invites)?.ranges?.[0]?.[1] ?? 0;
		if (invites > inviteEnd) this.sync.setListRanges(LISTS.invites, [[0, invites + SPARE]]);
		const progress = this.progress;
		for (const l of this.progressListeners) l(progress);
		if (this.stale.size > 0) void this.rereadStale();
	};

	/** Reachability from the requests themselves: SlidingSync retries network errors silently. */
	private watchRequests(): void {
		const client = this.client;
		const original = client.slidingSync.bind(client);
		client.slidingSync = (req, proxyBaseUrl, signal) => {
			const end = req.lists?.[LISTS.cases]?.ranges?.[0]?.[1] ?? -1;
			return original(req, proxyBaseUrl, signal).then(
				(resp) => {
					this.answeredEnd = end;
					for (const l of this.reachabilityListeners) l('online');
					return resp;
				},
				(err: unknown) => {
					const aborted = (err as { name?: string })?.name === 'AbortError' || signal?.aborted;
					const http = (err as { httpStatus?: number })?.httpStatus;
					if (!aborted) this.markGap();
					if (!aborted && http === undefined) for (const l of this.reachabilityListeners) l('unreachable');
					throw err;
				}
			);
		};
	}
}

/**
 * The state events of a fresh read that the room does not hold yet: a different event
 * for the same key that is not older than the one held (a sync that raced the read may
 * have brought a newer one already).
 */
export function newerState(state: RoomState, events: MatrixEvent[]): MatrixEvent[] {
	return events.filter((e) => {
		const key = e.getStateKey();
		if (key === undefined) return false;
		const held = state.getStateEvents(e.getType(), key);
		return !held || (held.getId() !== e.getId() && held.getTs() <= e.getTs());
	});
}

/** The CaseSync of each client that syncs this way (the case room and the board ask it for rooms). */
const registry = new WeakMap<MatrixClient, CaseSync>();

export function registerCaseSync(client: MatrixClient, sync: CaseSync): void {
	registry.set(client, sync);
}

export function caseSyncOf(client: MatrixClient): CaseSync | undefined {
	return registry.get(client);
}

/**
 * Makes sure the client holds the room's whole state: with sliding sync, a
 * subscription; with classic sync there is nothing to do.
 */
export async function focusRoom(client: MatrixClient, roomId: string): Promise<void> {
	await caseSyncOf(client)?.focus(roomId);
}

/**
 * Whether the homeserver serves simplified sliding sync (MSC4186): a probe that asks for nothing.
 * It needs only the address and the token, so the app asks while the crypto starts.
 */
export async function offersSlidingSync(server: { baseUrl: string; accessToken: string | null }): Promise<boolean> {
	try {
		const res = await fetch(
			new URL('/_matrix/client/unstable/org.matrix.simplified_msc3575/sync?timeout=0', server.baseUrl),
			{
				method: 'POST',
				headers: { authorization: `Bearer ${server.accessToken}`, 'content-type': 'application/json' },
				body: JSON.stringify({ conn_id: 'casusruimte-probe', lists: {} })
			}
		);
		if (res.ok) return true;
		// Not found / unrecognised: the server (or the proxy in front) does not offer it.
		if (res.status === 404 || res.status === 405) return false;
		const body = (await res.json().catch(() => ({}))) as { errcode?: string };
		return body.errcode !== 'M_UNRECOGNIZED';
	} catch {
		// Offline: assume the server that answered before still offers it.
		return true;
	}
}
