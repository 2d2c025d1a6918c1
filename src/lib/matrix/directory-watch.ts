/**
 * The directory as the browser (or a Node client) sees it: the directory room's
 * state, kept live through sync.
 */
import { RoomStateEvent, type MatrixClient, type MatrixEvent } from 'matrix-js-sdk';
import { buildDirectory, emptyDirectory, type Directory } from '../directory/directory.ts';
import { DIRECTORY_ALIAS_LOCALPART, ORGANISATIONS_EVENT, USER_EVENT } from '../directory/schema.ts';

export function serverNameOf(userId: string): string {
	return userId.slice(userId.indexOf(':') + 1);
}

export class DirectoryWatcher {
	directory: Directory = emptyDirectory;
	roomId: string | null = null;
	private listeners = new Set<(d: Directory) => void>();
	private readonly onState = (event: MatrixEvent) => {
		if (
			event.getRoomId() === this.roomId &&
			(event.getType() === USER_EVENT || event.getType() === ORGANISATIONS_EVENT)
		)
			this.rebuild();
	};

	constructor(private readonly client: MatrixClient) {}

	async start(): Promise<Directory> {
		const alias = `#${DIRECTORY_ALIAS_LOCALPART}:${serverNameOf(this.client.getSafeUserId())}`;
		const { room_id } = await this.client.getRoomIdForAlias(alias);
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
		for (const l of this.listeners) l(this.directory);
	}
}
