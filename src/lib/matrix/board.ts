/**
 * The region's MDT board in the browser: posting the aanmelding of a new case
 * (joining as a guest when the service invited the opener with reason
 * `aanmelding`, and leaving afterwards), and reading the board's encrypted
 * aanmeldingen and links for the agenda. The service account creates the board
 * and keeps its membership; members send only encrypted records here.
 */
import { MatrixEventEvent, RoomEvent, type MatrixClient, type MatrixEvent, type Room } from 'matrix-js-sdk';
import { Aanmelding, BOARD_RECORD, BoardLink } from '../case/board.ts';
import { encodeRecord } from './codec.ts';

const strip = (content: Record<string, unknown>) => {
	const { body: _body, ...rest } = content;
	return rest;
};

async function waitForRoom(client: MatrixClient, roomId: string, ms = 15_000): Promise<Room | null> {
	const deadline = Date.now() + ms;
	for (;;) {
		const room = client.getRoom(roomId);
		if (room && room.getMyMembership() === 'join' && (await client.getCrypto()?.isEncryptionEnabledInRoom(roomId)))
			return room;
		if (Date.now() > deadline) return room;
		await new Promise((r) => setTimeout(r, 250));
	}
}

/** My membership of the board, and whether the service invited me only to post an aanmelding. */
function invitation(client: MatrixClient, roomId: string): { membership: string | null; guest: boolean } {
	const room = client.getRoom(roomId);
	const me = client.getSafeUserId();
	const member = room?.getMember(me);
	const reason = member?.events.member?.getContent().reason;
	return { membership: room?.getMyMembership() ?? null, guest: reason === 'aanmelding' };
}

/** Joins the board (the service invited me); whether that invitation was only for posting an aanmelding. */
export async function joinBoard(client: MatrixClient, roomId: string): Promise<{ guest: boolean }> {
	const inv = invitation(client, roomId);
	if (inv.membership !== 'join') await client.joinRoom(roomId);
	await waitForRoom(client, roomId);
	return { guest: inv.guest };
}

/** Sends one encrypted record on the board, retrying transient failures a few times. */
async function sendBoardRecord(
	client: MatrixClient,
	roomId: string,
	type: (typeof BOARD_RECORD)[keyof typeof BOARD_RECORD],
	record: Aanmelding | BoardLink
): Promise<void> {
	const txn = `cb${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
	let lastError: unknown = null;
	for (let attempt = 0; attempt < 4; attempt++) {
		try {
			if (attempt > 0) {
				const room = client.getRoom(roomId);
				const echo = room?.getEventForTxnId(txn);
				if (echo && echo.status === 'not_sent') {
					await client.resendEvent(echo, room!);
					return;
				}
				if (echo && echo.status === null) return;
			}
			await client.sendEvent(roomId, type as never, encodeRecord(type, record) as never, txn);
			return;
		} catch (err) {
			lastError = err;
			const status = (err as { httpStatus?: number }).httpStatus;
			if (status !== undefined && status >= 400 && status < 500 && status !== 429) break;
			await new Promise((r) => setTimeout(r, 1_000 * (attempt + 1)));
		}
	}
	throw lastError;
}

/**
 * Posts the aanmelding of a new case on the region's board: joins (as a guest
 * when the service invited me for this), sends it encrypted, and a guest leaves
 * again. MDT members stay: the board is theirs.
 * @public Reached through the lazily loaded runtime module (state/runtime.ts).
 */
export async function postAanmelding(
	client: MatrixClient,
	boardRoomId: string,
	aanmelding: Aanmelding,
	asGuest = false
): Promise<void> {
	const record = Aanmelding.parse(aanmelding);
	const joined = await joinBoard(client, boardRoomId);
	const guest = asGuest || joined.guest;
	await sendBoardRecord(client, boardRoomId, BOARD_RECORD.aanmelding, record);
	if (guest) {
		try {
			await client.leave(boardRoomId);
		} catch {
			// the service removes a guest that is still there at its next reconcile
		}
	}
}

/** @public The chair links two aanmeldingen of one victim: one case continues, the other closes into it. */
export async function postLink(
	client: MatrixClient,
	boardRoomId: string,
	link: { continue: string; close: string; by: string }
): Promise<void> {
	const record = BoardLink.parse({ v: 1, ...link, at: new Date().toISOString() });
	await sendBoardRecord(client, boardRoomId, BOARD_RECORD.link, record);
}

/** An aanmelding that could not be posted yet: kept on this device and tried again, so none is lost. */
interface PendingAanmelding {
	board: string;
	aanmelding: Aanmelding;
	guest: boolean;
}

const pendingKey = (userId: string) => `casusruimte.aanmeldingen:${userId}`;

function loadPending(storage: Storage, userId: string): PendingAanmelding[] {
	try {
		return JSON.parse(storage.getItem(pendingKey(userId)) ?? '[]') as PendingAanmelding[];
	} catch {
		return [];
	}
}

function savePending(storage: Storage, userId: string, items: PendingAanmelding[]): void {
	if (items.length === 0) storage.removeItem(pendingKey(userId));
	else storage.setItem(pendingKey(userId), JSON.stringify(items));
}

/** @public Keeps an aanmelding that failed, for postPendingAanmeldingen. */
export function keepAanmelding(userId: string, item: PendingAanmelding, storage: Storage = localStorage): void {
	const rest = loadPending(storage, userId).filter((p) => p.aanmelding.room_id !== item.aanmelding.room_id);
	savePending(storage, userId, [...rest, item]);
}

/**
 * @public Posts the aanmeldingen this device kept (at start and now and then);
 * one that is refused for good (the board is gone) is dropped: the case is on
 * the agenda from its plaintext state all the same.
 */
export async function postPendingAanmeldingen(client: MatrixClient, storage: Storage = localStorage): Promise<number> {
	const userId = client.getSafeUserId();
	let posted = 0;
	for (const item of loadPending(storage, userId)) {
		let done: boolean;
		try {
			await postAanmelding(client, item.board, item.aanmelding, item.guest);
			posted++;
			done = true;
		} catch (err) {
			const status = (err as { httpStatus?: number }).httpStatus;
			done = status !== undefined && status >= 400 && status < 500 && status !== 429;
		}
		if (done)
			savePending(
				storage,
				userId,
				loadPending(storage, userId).filter((p) => p.aanmelding.room_id !== item.aanmelding.room_id)
			);
	}
	return posted;
}

export interface BoardContents {
	aanmeldingen: Aanmelding[];
	links: BoardLink[];
	/** Encrypted events this device cannot read (yet). */
	undecryptable: number;
}

/** Reads the board's records from the events this device holds. */
export function readBoard(room: Room): BoardContents {
	const out: BoardContents = { aanmeldingen: [], links: [], undecryptable: 0 };
	for (const event of room.getLiveTimeline().getEvents()) {
		if (event.isDecryptionFailure()) {
			out.undecryptable++;
			continue;
		}
		if (!event.isEncrypted()) continue; // plaintext on the board is never a record
		const content = strip(event.getContent());
		if (event.getType() === BOARD_RECORD.aanmelding) {
			const parsed = Aanmelding.safeParse(content);
			if (parsed.success && parsed.data.opened_by === event.getSender()) out.aanmeldingen.push(parsed.data);
		} else if (event.getType() === BOARD_RECORD.link) {
			const parsed = BoardLink.safeParse(content);
			if (parsed.success && parsed.data.by === event.getSender()) out.links.push(parsed.data);
		}
	}
	return out;
}

/**
 * A live view of the board room: loads its history (back to the start, up to
 * `maxPages`) and reports the records whenever something arrives or decrypts.
 */
export class BoardWatch {
	private listeners = new Set<(c: BoardContents) => void>();
	private readonly onEvent = (event: MatrixEvent) => {
		if (event.getRoomId() === this.roomId) this.emit();
	};

	constructor(
		private readonly client: MatrixClient,
		readonly roomId: string
	) {}

	async start(maxPages = 20): Promise<void> {
		this.client.on(RoomEvent.Timeline, this.onEvent);
		this.client.on(MatrixEventEvent.Decrypted, this.onEvent);
		const room = this.client.getRoom(this.roomId);
		if (room) {
			for (let i = 0; i < maxPages; i++) {
				const more = await this.client.scrollback(room, 100).then(
					(r) => r.oldState.paginationToken !== null,
					() => false
				);
				if (!more) break;
			}
		}
		this.emit();
	}

	subscribe(listener: (c: BoardContents) => void): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	stop(): void {
		this.client.off(RoomEvent.Timeline, this.onEvent);
		this.client.off(MatrixEventEvent.Decrypted, this.onEvent);
		this.listeners.clear();
	}

	private emit(): void {
		const room = this.client.getRoom(this.roomId);
		if (!room) return;
		const contents = readBoard(room);
		for (const l of this.listeners) l(contents);
	}
}
