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
 * when the inviter's grant for that person (COMPARTMENT_GRANT) says `all`; with
 * `none` nobody shares and the invitee accepts nothing (historyGranted), so a late
 * invitee never receives keys for history they were not granted.
 *
 * The MDT chair is the exception: the service account invites them (reason
 * `mdt-chair`, POST /api/cases/<room>/chair-access) and has no crypto, so no
 * inviter can share. Every member's client that sees a chair join on such an
 * invitation shares the history with them, and the chair's client accepts a
 * bundle from any joined member of the case (acceptHistoryFromMembers).
 */
import { RoomStateEvent, type MatrixClient, type MatrixEvent } from 'matrix-js-sdk';
import { CASE_ROOM_TYPE } from './room-template.ts';
import { BOARD_ROOM_TYPE } from '../case/board.ts';
import { COMPARTMENT_GRANT, COMPARTMENT_ROOM_TYPE, CompartmentGrant, grantKey } from '../case/compartments.ts';
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

	constructor(
		private readonly client: MatrixClient,
		private readonly log: ShareLog = new MemoryShareLog()
	) {}

	start(): void {
		this.client.on(RoomStateEvent.Events, this.onMember);
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
		if (room.getType() === COMPARTMENT_ROOM_TYPE) {
			// Only what the inviter granted: the grant decides, whoever invited.
			if (previous.reason !== 'compartment' || !historyGranted(room, userId)) return;
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
			await crypto?.shareRoomHistoryWithUser?.(roomId, userId);
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

/** Whether the grant in a compartment lets this member read what was recorded before they joined. */
export function historyGranted(
	room: { currentState: { getStateEvents(type: string, key: string): { getContent(): unknown } | null } },
	userId: string
): boolean {
	const content = room.currentState.getStateEvents(COMPARTMENT_GRANT, grantKey(userId))?.getContent();
	return CompartmentGrant.safeParse(content).data?.history === 'all';
}
