/**
 * Everything the signed-in app needs from matrix-js-sdk, in one module that the
 * state layer loads with a dynamic import once a session exists. The sign-in
 * page never imports this, so it stays free of the SDK and its crypto wasm.
 */
import {
	ClientEvent,
	EventTimeline,
	RoomEvent,
	SyncState,
	type MatrixClient,
	type MatrixEvent,
	type Room
} from 'matrix-js-sdk';
import { CryptoEvent } from 'matrix-js-sdk/lib/crypto-api/index.js';
import type { VerificationRequest } from 'matrix-js-sdk/lib/crypto-api/verification.js';
import type { Session } from '../matrix/session.ts';
import { DirectoryWatcher } from '../matrix/directory-watch.ts';
import { Outbox, LocalStorageOutboxStore } from '../matrix/outbox.ts';
import { CaseIndex, isCaseRoom } from '../matrix/case-index.ts';
import { CaseRoomSession, historyOf } from '../matrix/case-room.ts';
import type { CaseView } from '../case/view.ts';
import { HttpCaseServerApi } from '../matrix/server-api.ts';
import { HistoryResharer, LocalStorageShareLog } from '../matrix/history-sharing.ts';
import { serviceUserIdFor } from './identity.ts';
import { postPendingAanmeldingen } from '../matrix/board.ts';
import { caseSyncOf } from '../matrix/sliding.ts';

export type Connectivity = 'online' | 'reconnecting' | 'offline';

const AANMELDING_RETRY_MS = 5 * 60_000;

export interface MemberServices {
	directory: DirectoryWatcher;
	outbox: Outbox;
	index: CaseIndex;
	api: HttpCaseServerApi;
	serviceUserId: string;
	/** Whether the writing services run (a verified device). */
	readonly writing: boolean;
	/** Starts the outbox and what else writes; once, on a verified device. */
	startWriting(): void;
	stop(): void;
}

export function outboxStorageKey(userId: string): string {
	return `casusruimte.outbox:${userId}`;
}

export interface ServiceHooks {
	onForgotten(roomId: string, reference: string, reason: string | null): void;
}

/** How often the case list recomputes for the clock alone (deadlines that pass, the acute clock). */
const LIST_REFRESH_MS = 60_000;

/**
 * Directory, outbox and case index. The case list starts at once; what writes (the outbox, the
 * re-sharing of history keys, the board's aanmeldingen) starts with `startWriting`, which a
 * verified device calls straight away and a new device once it is verified: its list shows
 * while the user verifies it (README, "The case list at scale").
 */
export async function startMemberServices(
	client: MatrixClient,
	session: Session,
	hooks: ServiceHooks
): Promise<MemberServices> {
	const directory = new DirectoryWatcher(client, serviceUserIdFor(session.userId));
	await directory.start();
	const api = new HttpCaseServerApi(() => session.accessToken);
	// Held until startWriting: a device that is not verified yet sends nothing.
	const outbox = new Outbox(client, new LocalStorageOutboxStore(outboxStorageKey(session.userId)), api, { held: true });
	const index = new CaseIndex(client, { directory: () => directory.directory, outbox, onForgotten: hooks.onForgotten });
	// The index recomputes on its own events; a new directory or a read receipt changes summaries too.
	const unsubscribeDirectory = directory.subscribe(() => index.refresh());
	// Read receipts come in bursts (one per room as rooms arrive): the index's pause, not a recompute each.
	const onReceipt = () => index.refreshSoon();
	client.on(RoomEvent.Receipt, onReceipt);
	// Deadlines pass without an event (an acute item becomes overdue): the list's order follows the clock.
	const listTimer = setInterval(() => index.refresh(), LIST_REFRESH_MS);
	let stopWriting: (() => void) | null = null;
	return {
		directory,
		outbox,
		index,
		api,
		serviceUserId: serviceUserIdFor(session.userId),
		get writing() {
			return stopWriting !== null;
		},
		startWriting() {
			stopWriting ??= startWritingServices(client, session, outbox);
		},
		stop() {
			stopWriting?.();
			client.off(RoomEvent.Receipt, onReceipt);
			clearInterval(listTimer);
			unsubscribeDirectory();
			index.stop();
			directory.stop();
			outbox.stop();
		}
	};
}

/** What sends on a verified device: the outbox, history-key re-sharing, pending aanmeldingen. */
function startWritingServices(client: MatrixClient, session: Session, outbox: Outbox): () => void {
	// The remote echo of something still in the outbox: it went out (perhaps by the SDK's own retry).
	const onTimeline = (event: MatrixEvent) => {
		const txn = event.getUnsigned().transaction_id;
		if (txn && event.getSender() === session.userId && outbox.pending().some((i) => i.id === txn)) outbox.wake();
	};
	client.on(RoomEvent.Timeline, onTimeline);
	client.on(RoomEvent.LocalEchoUpdated, onTimeline);
	// Someone I invited joined on a device that missed the invitation's keys: share them again.
	const resharer = new HistoryResharer(client, new LocalStorageShareLog(`casusruimte.reshared:${session.userId}`));
	resharer.start();
	outbox.release();
	// Aanmeldingen that could not reach the MDT board yet: again now and every few minutes.
	const retryAanmeldingen = () => void postPendingAanmeldingen(client).catch(() => undefined);
	retryAanmeldingen();
	const aanmeldingTimer = setInterval(retryAanmeldingen, AANMELDING_RETRY_MS);
	return () => {
		client.off(RoomEvent.Timeline, onTimeline);
		client.off(RoomEvent.LocalEchoUpdated, onTimeline);
		resharer.stop();
		clearInterval(aanmeldingTimer);
	};
}

/**
 * Reports the connection as the sync loop sees it; wakes the outbox when the
 * homeserver is back. Sliding sync retries failed requests without a sync state
 * of its own, so its requests report too (sliding.ts).
 */
export function watchConnectivity(
	client: MatrixClient,
	outbox: () => Outbox | null,
	report: (c: Connectivity) => void
): () => void {
	let last: Connectivity = 'online';
	const set = (next: Connectivity) => {
		if (next === 'online' && last !== 'online') outbox()?.wake();
		last = next;
		report(next);
	};
	const onSync = (state: SyncState) =>
		set(
			state === SyncState.Error
				? 'offline'
				: state === SyncState.Reconnecting
					? 'reconnecting'
					: state === SyncState.Syncing || state === SyncState.Prepared || state === SyncState.Catchup
						? 'online'
						: last
		);
	client.on(ClientEvent.Sync, onSync);
	const offReachability = caseSyncOf(client)?.onReachability((r) => set(r === 'online' ? 'online' : 'offline'));
	return () => {
		client.off(ClientEvent.Sync, onSync);
		offReachability?.();
	};
}

/**
 * Resolves true once this device has processed at least one sync response from
 * the homeserver since it started (not only its cache: a classic start from the
 * IndexedDB cache is "prepared" before the newest events have arrived), false
 * after `ms` without one. With sliding sync there is no cache, so prepared is enough.
 */
export function caughtUp(client: MatrixClient, ms: number): Promise<boolean> {
	const live = (state: SyncState | null) =>
		state === SyncState.Syncing || (state === SyncState.Prepared && caseSyncOf(client) !== undefined);
	if (live(client.getSyncState())) return Promise.resolve(true);
	return new Promise((resolve) => {
		const done = (ok: boolean) => {
			clearTimeout(timer);
			client.off(ClientEvent.Sync, onSync);
			resolve(ok);
		};
		const onSync = (state: SyncState) => {
			if (live(state)) done(true);
		};
		const timer = setTimeout(() => done(live(client.getSyncState())), ms);
		client.on(ClientEvent.Sync, onSync);
	});
}

/** Verification requests from my own other devices (a new device asking to be trusted). */
export function watchVerificationRequests(
	client: MatrixClient,
	onRequest: (r: VerificationRequest) => void
): () => void {
	const handler = (request: VerificationRequest) => {
		if (request.isSelfVerification && !request.initiatedByMe) onRequest(request);
	};
	client.on(CryptoEvent.VerificationRequestReceived, handler);
	return () => client.off(CryptoEvent.VerificationRequestReceived, handler);
}

/** @public Reached through the lazily loaded module (app.runtime), which knip cannot follow. */
export function openCaseSession(client: MatrixClient, roomId: string, services: MemberServices): CaseRoomSession {
	return new CaseRoomSession(client, roomId, {
		directory: () => services.directory.directory,
		serviceUserId: services.serviceUserId,
		outbox: services.outbox
	});
}

/**
 * @public The decrypted view of one case, read once for the pilot figures (issue 14):
 * its whole history (and that of the compartments I am in) loaded, every record
 * decrypted as far as this device can, folded by the reducer. Null when the room
 * cannot be opened.
 */
export async function readCaseView(
	client: MatrixClient,
	roomId: string,
	services: MemberServices
): Promise<CaseView | null> {
	const session = openCaseSession(client, roomId, services);
	try {
		await session.load();
		const rooms = [
			roomId,
			...session
				.compartments()
				.filter((c) => c.membership === 'join')
				.map((c) => c.pointer.room_id)
		];
		await Promise.all(
			rooms.flatMap((r) => {
				const room = client.getRoom(r);
				return room ? historyOf(room).map((e) => client.decryptEventIfNeeded(e).catch(() => undefined)) : [];
			})
		);
		session.refresh();
		return session.view;
	} catch {
		return null;
	} finally {
		session.destroy();
	}
}

/**
 * New records and messages since my read marker, counted from what this device
 * holds of the room (encrypted events from others; plaintext state does not count).
 * "at least" when the marker lies before the loaded part of the timeline.
 */
/** @public */
export function unreadCount(room: Room, me: string, serviceUserId: string): { count: number; atLeast: boolean } {
	const timeline = room.getLiveTimeline();
	const events = timeline.getEvents();
	const readUpTo = room.getEventReadUpTo(me);
	// Read up to my marker, and anything before my own latest contribution.
	let start = -1;
	for (let i = events.length - 1; i >= 0; i--) {
		const e = events[i]!;
		if ((readUpTo && e.getId() === readUpTo) || (e.getSender() === me && !e.isState())) {
			start = i;
			break;
		}
	}
	let count = 0;
	for (let i = start + 1; i < events.length; i++) {
		const e = events[i]!;
		if (e.getSender() === me || e.isState()) continue;
		if (e.getWireType() === 'm.room.encrypted' || (e.getSender() === serviceUserId && e.getType() === 'm.room.message'))
			count++;
	}
	const atLeast = start < 0 && count > 0 && timeline.getPaginationToken(EventTimeline.BACKWARDS) !== null;
	return { count, atLeast };
}

/** @public Marks everything in the room as read (the case list's unread count follows). */
export async function markRead(client: MatrixClient, roomId: string): Promise<void> {
	const room = client.getRoom(roomId);
	if (!room) return;
	const me = client.getSafeUserId();
	const events = room.getLiveTimeline().getEvents();
	let last: MatrixEvent | undefined;
	for (let i = events.length - 1; i >= 0; i--) {
		const e = events[i]!;
		if (e.getId()?.startsWith('$')) {
			last = e;
			break;
		}
	}
	if (!last || room.getEventReadUpTo(me) === last.getId()) return;
	try {
		await client.sendReadReceipt(last);
	} catch {
		// offline: the next visit marks it again
	}
}

/** @public With sliding sync: ask for a room this device may not hold yet (a case opened by its address). */
export function focusRoom(client: MatrixClient, roomId: string): void {
	void caseSyncOf(client)?.focus(roomId);
}

/** @public How far the case list has loaded, now and as it grows (complete at once with classic sync). */
export function watchListLoading(
	client: MatrixClient,
	report: (l: { loaded: number; total: number | null; complete: boolean }) => void
): () => void {
	const sync = caseSyncOf(client);
	if (!sync) {
		report({ loaded: 0, total: null, complete: true });
		return () => undefined;
	}
	report(sync.progress);
	return sync.onProgress(report);
}

/** @public */
export function isCase(room: Room): boolean {
	return isCaseRoom(room);
}

/** @public */
export function getRoom(client: MatrixClient, roomId: string): Room | null {
	return client.getRoom(roomId);
}

/** @public The MDT board (src/lib/matrix/board.ts), reached through the lazily loaded module. */
export { BoardWatch, joinBoard, keepAanmelding, postAanmelding, postLink } from '../matrix/board.ts';
/** @public */
export { acceptHistoryFromMembers } from '../matrix/history-sharing.ts';

export type { VerificationRequest };
