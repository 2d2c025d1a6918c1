/**
 * Sharing a case's history again when someone I invited joins.
 *
 * Inviting shares the room keys of the history with the invitee's devices
 * (MSC4268 key bundle, in client.invite). A professional who was invited before
 * they ever signed in, or who joins on a device that did not exist at the time
 * of the invitation, has no device that received that bundle, and would see the
 * intake as undecryptable. Their client keeps waiting (for 24 hours after
 * joining) for a bundle from the person who invited them, so the inviter's
 * client sends a fresh one when it sees the join. Only the inviter's bundle is
 * accepted, which is why this runs on the inviter's side.
 *
 * A compartment of a case (issue 13) is like that too: the service invites
 * (reason `compartment`), and every member's client shares the history only
 * as far as the inviter's grant for that person (COMPARTMENT_GRANT) says: `all`
 * as a key bundle; `from` a date only the megolm sessions first used at or after
 * it, as olm-encrypted to-device messages (HISTORY_KEYS_TYPE), which the
 * invitee's client checks against its grant and the room's history again before
 * importing (acceptHistoryKeys); with `none` nobody shares and the invitee
 * accepts nothing, so a late invitee never receives keys for history they were
 * not granted.
 *
 * The MDT chair is the exception: the service account invites them (reason
 * `mdt-chair`, POST /api/cases/<room>/chair-access) and has no crypto, so no
 * inviter can share. Every member's client that sees a chair join on such an
 * invitation shares the history with them, and the chair's client accepts a
 * bundle from any joined member of the case (acceptHistoryFromMembers).
 */
import {
	ClientEvent,
	Direction,
	RoomStateEvent,
	type IMegolmSessionData,
	type MatrixClient,
	type MatrixEvent,
	type ReceivedToDeviceMessage
} from 'matrix-js-sdk';
import { CASE_ROOM_TYPE } from './room-template.ts';
import { BOARD_ROOM_TYPE } from '../case/board.ts';
import {
	COMPARTMENT_GRANT,
	COMPARTMENT_ROOM_TYPE,
	CompartmentGrant,
	grantKey,
	sessionsGranted
} from '../case/compartments.ts';
import { focusRoom } from './sliding.ts';

const SHARED_ROOM_TYPES = new Set<string | undefined>([CASE_ROOM_TYPE, BOARD_ROOM_TYPE, COMPARTMENT_ROOM_TYPE]);

/** The invitee only accepts a bundle within 24 hours of joining. */
const WINDOW_MS = 24 * 3600 * 1000;

interface HistorySharingCrypto {
	shareRoomHistoryWithUser?(roomId: string, userId: string): Promise<void>;
	markRoomAsPendingKeyBundle?(roomId: string, inviter: string): Promise<void>;
	maybeAcceptKeyBundle?(roomId: string, inviter: string): Promise<boolean>;
}

/**
 * Invitations by the service (which has no crypto) after which every member shares the history:
 * the MDT chair into a case, an MDT member onto the region's board.
 */
const SERVICE_INVITE_REASONS = new Set(['mdt-chair', 'mdt-board']);

export interface ShareLog {
	has(key: string): boolean;
	add(key: string): void;
}

/** Remembers (per device, in localStorage) whom this device already re-shared with. */
export class LocalStorageShareLog implements ShareLog {
	constructor(
		private readonly key: string,
		private readonly storage: Storage = localStorage
	) {}
	private load(): Record<string, number> {
		try {
			return JSON.parse(this.storage.getItem(this.key) ?? '{}') as Record<string, number>;
		} catch {
			return {};
		}
	}
	has(key: string): boolean {
		return key in this.load();
	}
	add(key: string): void {
		const now = Date.now();
		const entries = Object.entries(this.load()).filter(([, at]) => now - at < WINDOW_MS);
		this.storage.setItem(this.key, JSON.stringify(Object.fromEntries([...entries, [key, now]])));
	}
}

export class MemoryShareLog implements ShareLog {
	private keys = new Set<string>();
	has(key: string) {
		return this.keys.has(key);
	}
	add(key: string) {
		this.keys.add(key);
	}
}

export class HistoryResharer {
	private readonly onMember = (event: MatrixEvent) => void this.consider(event);
	private readonly onToDevice = (message: ReceivedToDeviceMessage) =>
		void acceptHistoryKeys(this.client, message).catch(() => undefined);

	constructor(
		private readonly client: MatrixClient,
		private readonly log: ShareLog = new MemoryShareLog()
	) {}

	start(): void {
		this.client.on(RoomStateEvent.Events, this.onMember);
		this.client.on(ClientEvent.ReceivedToDeviceMessage, this.onToDevice);
		// Joins that happened while this device was away.
		for (const room of this.client.getRooms()) {
			if (room.getMyMembership() !== 'join' || !SHARED_ROOM_TYPES.has(room.getType())) continue;
			for (const member of room.getJoinedMembers()) {
				const event = member.events.member;
				if (event) void this.consider(event);
			}
		}
	}

	stop(): void {
		this.client.off(RoomStateEvent.Events, this.onMember);
		this.client.off(ClientEvent.ReceivedToDeviceMessage, this.onToDevice);
	}

	private async consider(event: MatrixEvent): Promise<void> {
		if (event.getType() !== 'm.room.member' || event.getContent().membership !== 'join') return;
		const userId = event.getStateKey();
		const roomId = event.getRoomId();
		const me = this.client.getUserId();
		if (!userId || !roomId || userId === me) return;
		if (Date.now() - event.getTs() > WINDOW_MS) return;
		const previous = event.getPrevContent() as { membership?: string; reason?: string };
		if (previous.membership !== 'invite') return;
		const room = this.client.getRoom(roomId);
		if (!room || !SHARED_ROOM_TYPES.has(room.getType())) return;
		// Who invited them: the sender of the invite this join replaced.
		const inviter = event.getUnsigned()?.prev_sender ?? findInviter(room.getLiveTimeline().getEvents(), userId);
		let grant: CompartmentGrant | null = null;
		if (room.getType() === COMPARTMENT_ROOM_TYPE) {
			// Only what the inviter granted: the grant decides, whoever invited.
			grant = grantOf(room, userId);
			if (previous.reason !== 'compartment' || !grant || grant.history === 'none') return;
		} else if (inviter !== me && !SERVICE_INVITE_REASONS.has(previous.reason ?? '')) return;
		// (The chair or a board member, invited by the service: any member shares.)
		const key = `${roomId}|${userId}|${event.getId()}`;
		if (this.log.has(key)) return;
		this.log.add(key);
		const crypto = this.client.getCrypto() as unknown as HistorySharingCrypto | undefined;
		try {
			// With sliding sync a room that is only a list row gets its whole state and its encryption
			// settings to the crypto first (sliding.ts), as before anything is encrypted there.
			await focusRoom(this.client, roomId);
			if (grant?.history === 'from') await shareHistoryKeys(this.client, roomId, userId, grant);
			else await crypto?.shareRoomHistoryWithUser?.(roomId, userId);
		} catch {
			// Best effort: the invitee still has the key backup of their other devices, if any.
		}
	}
}

/**
 * The chair's side (and a new board member's): after joining on a service invitation, accept a key
 * bundle from any joined member (each member's client sends one when it sees
 * the join). Tries for `waitMs`; resolves true once a bundle was imported.
 * @public Reached through the lazily loaded runtime module (state/runtime.ts).
 */
export async function acceptHistoryFromMembers(
	client: MatrixClient,
	roomId: string,
	serviceUserId: string,
	waitMs = 90_000
): Promise<boolean> {
	const crypto = client.getCrypto() as unknown as HistorySharingCrypto | undefined;
	if (!crypto?.maybeAcceptKeyBundle) return false;
	const me = client.getUserId();
	const deadline = Date.now() + waitMs;
	while (Date.now() < deadline) {
		const room = client.getRoom(roomId);
		const members = (room?.getJoinedMembers() ?? [])
			.map((m) => m.userId)
			.filter((u) => u !== me && u !== serviceUserId);
		for (const member of members) {
			try {
				await crypto.markRoomAsPendingKeyBundle?.(roomId, member);
				if (await crypto.maybeAcceptKeyBundle(roomId, member)) return true;
			} catch {
				// that member's bundle is not here (yet) or could not be read; try the next
			}
		}
		await new Promise((r) => setTimeout(r, 3_000));
	}
	return false;
}

function findInviter(events: MatrixEvent[], userId: string): string | undefined {
	for (let i = events.length - 1; i >= 0; i--) {
		const e = events[i]!;
		if (e.getType() === 'm.room.member' && e.getStateKey() === userId && e.getContent().membership === 'invite')
			return e.getSender();
	}
	return undefined;
}

/** The grant of a member of a compartment (null when there is none, or it does not read). */
export function grantOf(
	room: { currentState: { getStateEvents(type: string, key: string): { getContent(): unknown } | null } },
	userId: string
): CompartmentGrant | null {
	const content = room.currentState.getStateEvents(COMPARTMENT_GRANT, grantKey(userId))?.getContent();
	return CompartmentGrant.safeParse(content).data ?? null;
}

/** The to-device event type that carries the sessions of a `from` grant (olm-encrypted only). */
export const HISTORY_KEYS_TYPE = 'nl.casusruimte.history_keys';
/** Sessions per to-device message (an exported session is about 600 bytes; a message stays well under 64 KiB). */
const KEYS_PER_MESSAGE = 40;

/**
 * When each megolm session of a room was first used: the time of the earliest event
 * encrypted with it. Read from the room's ciphertext history on the homeserver (a
 * member may read it: compartments keep history visibility `shared`), so it does not
 * depend on how much of the timeline this client has loaded.
 */
export async function sessionFirstUse(client: MatrixClient, roomId: string): Promise<Map<string, number>> {
	const first = new Map<string, number>();
	let from: string | null = null;
	// A compartment holds hundreds of events, not millions: 100 pages is a bound, not a limit.
	for (let page = 0; page < 100; page++) {
		const res = await client.createMessagesRequest(roomId, from, 500, Direction.Backward);
		for (const e of res.chunk) {
			const sessionId = (e.content as { session_id?: unknown } | undefined)?.session_id;
			if (e.type !== 'm.room.encrypted' || typeof sessionId !== 'string') continue;
			const seen = first.get(sessionId);
			if (seen === undefined || e.origin_server_ts < seen) first.set(sessionId, e.origin_server_ts);
		}
		if (!res.end || res.chunk.length === 0) break;
		from = res.end;
	}
	return first;
}

/**
 * A member's side of a `from` grant: send the invitee's devices the sessions of the
 * compartment first used at or after the grant's date, olm-encrypted. Returns how many.
 */
export async function shareHistoryKeys(
	client: MatrixClient,
	roomId: string,
	userId: string,
	grant: CompartmentGrant
): Promise<number> {
	const crypto = client.getCrypto();
	if (!crypto || grant.history !== 'from') return 0;
	const [first, exported] = await Promise.all([sessionFirstUse(client, roomId), crypto.exportRoomKeys()]);
	const inRoom = exported.filter((k) => k.room_id === roomId);
	const granted = new Set(
		sessionsGranted(
			grant,
			first,
			inRoom.map((k) => k.session_id)
		)
	);
	const keys = inRoom.filter((k) => granted.has(k.session_id));
	if (keys.length === 0) return 0;
	const devices = [...((await crypto.getUserDeviceInfo([userId], true)).get(userId)?.keys() ?? [])].map((deviceId) => ({
		userId,
		deviceId
	}));
	if (devices.length === 0) return 0;
	for (let i = 0; i < keys.length; i += KEYS_PER_MESSAGE) {
		const batch = await crypto.encryptToDeviceMessages(HISTORY_KEYS_TYPE, devices, {
			room_id: roomId,
			sessions: keys.slice(i, i + KEYS_PER_MESSAGE)
		});
		await client.queueToDevice(batch);
	}
	return keys.length;
}

/**
 * The invitee's side of a `from` grant: sessions arrive only olm-encrypted, from a
 * joined member of a compartment I am in with a `from` grant, and are imported only
 * when their first use is at or after my grant's date, whatever the sender sent.
 * Resolves to how many sessions were imported.
 */
export async function acceptHistoryKeys(
	client: MatrixClient,
	received: ReceivedToDeviceMessage,
	waitMs = 30_000
): Promise<number> {
	const { message, encryptionInfo } = received;
	if (message.type !== HISTORY_KEYS_TYPE || !encryptionInfo) return 0;
	const content = message.content as { room_id?: unknown; sessions?: unknown };
	if (typeof content.room_id !== 'string' || !Array.isArray(content.sessions)) return 0;
	const roomId = content.room_id;
	const me = client.getSafeUserId();
	// The keys may arrive in the same sync as my own join: give the room's state a moment.
	const deadline = Date.now() + waitMs;
	let room = client.getRoom(roomId);
	while ((!room || room.getMyMembership() !== 'join') && Date.now() < deadline) {
		await new Promise((r) => setTimeout(r, 250));
		room = client.getRoom(roomId);
	}
	if (!room || room.getMyMembership() !== 'join' || room.getType() !== COMPARTMENT_ROOM_TYPE) return 0;
	if (room.getMember(encryptionInfo.sender)?.membership !== 'join') return 0;
	const grant = grantOf(room, me);
	if (grant?.history !== 'from') return 0;
	const sessions = (content.sessions as IMegolmSessionData[]).filter(
		(k) => k && typeof k === 'object' && k.room_id === roomId && typeof k.session_id === 'string'
	);
	const granted = new Set(
		sessionsGranted(
			grant,
			await sessionFirstUse(client, roomId),
			sessions.map((k) => k.session_id)
		)
	);
	const accepted = sessions.filter((k) => granted.has(k.session_id));
	if (accepted.length === 0) return 0;
	await client.getCrypto()?.importRoomKeys(accepted);
	return accepted.length;
}

/** Whether the grant in a compartment lets this member read everything recorded before they joined. */
export function historyGranted(
	room: { currentState: { getStateEvents(type: string, key: string): { getContent(): unknown } | null } },
	userId: string
): boolean {
	const content = room.currentState.getStateEvents(COMPARTMENT_GRANT, grantKey(userId))?.getContent();
	return CompartmentGrant.safeParse(content).data?.history === 'all';
}
