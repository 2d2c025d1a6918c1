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
 */
import { RoomStateEvent, type MatrixClient, type MatrixEvent } from 'matrix-js-sdk';
import { CASE_ROOM_TYPE } from './room-template.ts';

/** The invitee only accepts a bundle within 24 hours of joining. */
const WINDOW_MS = 24 * 3600 * 1000;

interface HistorySharingCrypto {
	shareRoomHistoryWithUser?(roomId: string, userId: string): Promise<void>;
}

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
			if (room.getMyMembership() !== 'join' || room.getType() !== CASE_ROOM_TYPE) continue;
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
		const previous = event.getPrevContent() as { membership?: string };
		if (previous.membership !== 'invite') return;
		const room = this.client.getRoom(roomId);
		if (!room || room.getType() !== CASE_ROOM_TYPE) return;
		// Who invited them: the sender of the invite this join replaced.
		const inviter = event.getUnsigned()?.prev_sender ?? findInviter(room.getLiveTimeline().getEvents(), userId);
		if (inviter !== me) return;
		const key = `${roomId}|${userId}|${event.getId()}`;
		if (this.log.has(key)) return;
		this.log.add(key);
		const crypto = this.client.getCrypto() as unknown as HistorySharingCrypto | undefined;
		try {
			await crypto?.shareRoomHistoryWithUser?.(roomId, userId);
		} catch {
			// Best effort: the invitee still has the key backup of their other devices, if any.
		}
	}
}

function findInviter(events: MatrixEvent[], userId: string): string | undefined {
	for (let i = events.length - 1; i >= 0; i--) {
		const e = events[i]!;
		if (e.getType() === 'm.room.member' && e.getStateKey() === userId && e.getContent().membership === 'invite')
			return e.getSender();
	}
	return undefined;
}
