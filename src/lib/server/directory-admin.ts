/**
 * Writing the directory, as the service account. Reading goes through
 * src/lib/directory (pure) after fetching the room state here.
 */
import { MatrixHttpError } from './http.ts';
import type { ServiceClient } from './synapse-admin.ts';
import { buildDirectory, type Directory } from '../directory/directory.ts';
import {
	DEFAULT_ORGANISATIONS,
	DIRECTORY_ALIAS_LOCALPART,
	DirectoryUserContent,
	ORGANISATIONS_EVENT,
	OrganisationsContent,
	USER_EVENT,
	userStateKey,
	type Organisation
} from '../directory/schema.ts';

export function directoryAlias(serverName: string): string {
	return `#${DIRECTORY_ALIAS_LOCALPART}:${serverName}`;
}

/** Finds the directory room, creating it on a fresh homeserver. Idempotent. */
export async function ensureDirectoryRoom(service: ServiceClient, serverName: string): Promise<string> {
	const existing = await service.resolveAlias(directoryAlias(serverName));
	if (existing) return existing;
	const organisations: OrganisationsContent = { v: 1, organisations: [...DEFAULT_ORGANISATIONS] };
	try {
		const { room_id } = await service.createRoom({
			preset: 'private_chat',
			visibility: 'private',
			room_alias_name: DIRECTORY_ALIAS_LOCALPART,
			name: 'Casusruimte: organisaties en rollen',
			initial_state: [
				// Any local account may join to read it; federation is off, so "public" means this server only.
				{ type: 'm.room.join_rules', state_key: '', content: { join_rule: 'public' } },
				{ type: 'm.room.history_visibility', state_key: '', content: { history_visibility: 'shared' } },
				{ type: 'm.room.guest_access', state_key: '', content: { guest_access: 'forbidden' } },
				{ type: ORGANISATIONS_EVENT, state_key: '', content: organisations }
			],
			power_level_content_override: {
				// The service account is the room's creator (unlimited power in room v12);
				// nobody else writes anything here, not even a message.
				users_default: 0,
				events_default: 100,
				state_default: 100,
				invite: 100,
				kick: 100,
				ban: 100,
				redact: 100,
				notifications: { room: 100 }
			}
		});
		return room_id;
	} catch (err) {
		// Two callers racing to create it: the other one won.
		if (err instanceof MatrixHttpError && err.status === 400) {
			const winner = await service.resolveAlias(directoryAlias(serverName));
			if (winner) return winner;
		}
		throw err;
	}
}

export async function readDirectory(service: ServiceClient, roomId: string): Promise<Directory> {
	return buildDirectory(await service.getRoomState(roomId));
}

export async function writeUserEntry(
	service: ServiceClient,
	roomId: string,
	userId: string,
	content: DirectoryUserContent
): Promise<void> {
	await service.sendState(roomId, USER_EVENT, userStateKey(userId), DirectoryUserContent.parse(content));
}

export async function writeOrganisations(
	service: ServiceClient,
	roomId: string,
	organisations: Organisation[]
): Promise<void> {
	await service.sendState(roomId, ORGANISATIONS_EVENT, '', OrganisationsContent.parse({ v: 1, organisations }));
}
