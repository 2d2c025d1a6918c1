/**
 * The directory watcher finds the directory room: the one the sync already brought (no round
 * trip for the alias), but only if the service account created it; otherwise by its alias.
 */
import { describe, expect, it, vi } from 'vitest';
import { DirectoryWatcher } from '../../src/lib/matrix/directory-watch.ts';

const SERVICE = '@casus-service:example.org';
const ALIAS = '#casusruimte-directory:example.org';

function fakeClient(rooms: { roomId: string; alias: string | null; creator: string }[]) {
	const getRoomIdForAlias = vi.fn(async () => ({ room_id: '!official:example.org', servers: [] }));
	const joinRoom = vi.fn(async () => ({}));
	const known = rooms.map((r) => ({
		roomId: r.roomId,
		getCanonicalAlias: () => r.alias,
		getCreator: () => r.creator,
		getMyMembership: () => 'join',
		currentState: { getStateEvents: () => [] }
	}));
	const client = {
		getSafeUserId: () => '@eva:example.org',
		getRooms: () => known,
		getRoom: (id: string) => known.find((r) => r.roomId === id) ?? null,
		getRoomIdForAlias,
		joinRoom,
		on: () => undefined,
		off: () => undefined
	};
	return { client: client as never, getRoomIdForAlias, joinRoom };
}

describe('directory watcher', () => {
	it('takes the directory room the sync brought, created by the service account, without asking for the alias', async () => {
		const { client, getRoomIdForAlias } = fakeClient([
			{ roomId: '!synced:example.org', alias: ALIAS, creator: SERVICE }
		]);
		const watcher = new DirectoryWatcher(client, SERVICE);
		await watcher.start();
		expect(watcher.roomId).toBe('!synced:example.org');
		expect(getRoomIdForAlias).not.toHaveBeenCalled();
	});

	it('does not take a room that only claims the alias: it asks the homeserver', async () => {
		const { client, getRoomIdForAlias, joinRoom } = fakeClient([
			{ roomId: '!claim:example.org', alias: ALIAS, creator: '@mallory:example.org' }
		]);
		const watcher = new DirectoryWatcher(client, SERVICE);
		await watcher.start();
		expect(getRoomIdForAlias).toHaveBeenCalledWith(ALIAS);
		expect(watcher.roomId).toBe('!official:example.org');
		expect(joinRoom).toHaveBeenCalledWith('!official:example.org');
	});
});
