/**
 * The directory as the browser (or a Node client) sees it: the directory room's
 * state, kept live through sync.
 */
import { RoomStateEvent, type MatrixClient, type MatrixEvent } from 'matrix-js-sdk';
import { buildDirectory, emptyDirectory, type Directory } from '../directory/directory.ts';
import { DIRECTORY_ALIAS_LOCALPART, ORGANISATIONS_EVENT, USER_EVENT } from '../directory/schema.ts';
import { buildMdts, MDT_EVENT, type Mdts } from '../directory/mdt.ts';
import { BOARD_POINTER_EVENT, BoardPointer } from '../case/board.ts';

const WATCHED = new Set([USER_EVENT, ORGANISATIONS_EVENT, MDT_EVENT, BOARD_POINTER_EVENT]);

export function serverNameOf(userId: string): string {
	return userId.slice(userId.indexOf(':') + 1);
}

export class DirectoryWatcher {
	directory: Directory = emptyDirectory;
	/** Each region's MDT (who sits in it and who chairs it). */
	mdts: Mdts = new Map();
	/** Each region's board room, from the directory's pointers. */
	boards: ReadonlyMap<string, string> = new Map();
	roomId: string | null = null;
	private listeners = new Set<(d: Directory) => void>();
	private readonly onState = (event: MatrixEvent) => {
		if (event.getRoomId() === this.roomId && WATCHED.has(event.getType())) this.rebuild();
	};

	/** `serviceUserId`: the service account, which creates the directory room. */
	constructor(
		private readonly client: MatrixClient,
		private readonly serviceUserId?: string
	) {}

	async start(): Promise<Directory> {
		const alias = `#${DIRECTORY_ALIAS_LOCALPART}:${serverNameOf(this.client.getSafeUserId())}`;
		// The sync already brought the directory room (the sliding sync's list of other rooms): no
		// round trip for the alias. Only a room the service account created counts.
		const known = this.client
			.getRooms()
			.find(
				(r) =>
					r.getCanonicalAlias() === alias &&
					this.serviceUserId !== undefined &&
					r.getCreator() === this.serviceUserId &&
					r.getMyMembership() === 'join'
			);
		const room_id = known?.roomId ?? (await this.client.getRoomIdForAlias(alias)).room_id;
		this.roomId = room_id;
		if (this.client.getRoom(room_id)?.getMyMembership() !== 'join') await this.client.joinRoom(room_id);
		this.client.on(RoomStateEvent.Events, this.onState);
		this.rebuild();
		return this.directory;
	}

	subscribe(listener: (d: Directory) => void): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	stop(): void {
		this.client.off(RoomStateEvent.Events, this.onState);
	}

	private rebuild(): void {
		const room = this.roomId ? this.client.getRoom(this.roomId) : null;
		if (!room) return;
		const events = [
			...room.currentState.getStateEvents(ORGANISATIONS_EVENT),
			...room.currentState.getStateEvents(USER_EVENT)
		];
		this.directory = buildDirectory(
			events.map((e) => ({ type: e.getType(), state_key: e.getStateKey(), content: e.getContent() }))
		);
		this.mdts = buildMdts(
			room.currentState
				.getStateEvents(MDT_EVENT)
				.map((e) => ({ type: e.getType(), state_key: e.getStateKey(), content: e.getContent() }))
		);
		const boards = new Map<string, string>();
		for (const e of room.currentState.getStateEvents(BOARD_POINTER_EVENT)) {
			const parsed = BoardPointer.safeParse(e.getContent());
			if (parsed.success && e.getStateKey()) boards.set(e.getStateKey()!, parsed.data.room_id);
		}
		this.boards = boards;
		for (const l of this.listeners) l(this.directory);
	}
}
