/**
 * Sliding sync keeps the crypto out of the case list (src/lib/matrix/sliding.ts):
 * a case that is only a row of the list has its m.room.encryption in its room
 * state but not in the crypto's store until the room is focused (opened or
 * written to). Against the real homeserver and the real Rust crypto:
 * - a list row is known to be encrypted, its settings are deferred;
 * - the outbox writes to such a room without it being opened: the record goes
 *   out encrypted (the homeserver holds only m.room.encrypted) and the other
 *   member reads it (on classic /sync: the fallback keeps a test);
 * - paired with the refusal: the guard refuses the same content in plaintext.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createUser, testWorld } from '../support/harness.ts';
import { eventually } from '../support/matrix-clients.ts';
import { openCase, startDevice, type Device } from '../support/world.ts';
import { caseSyncOf } from '../../src/lib/matrix/sliding.ts';

const devices: Device[] = [];
afterAll(async () => {
	for (const d of devices.splice(0)) await d.stop().catch(() => undefined);
});

describe('sliding sync: the crypto learns a case room when it is focused, and nothing is ever sent in plaintext', () => {
	it('a list row is encrypted but deferred; the outbox focuses it and sends encrypted; plaintext is refused', async () => {
		const world = await testWorld();
		const writer = await createUser('CSG', ['professional']);
		const reader = await createUser('SHN', ['professional']);
		// The reader syncs classic /sync, the fallback, which keeps its test here.
		const r = await startDevice(world, reader, { sync: 'classic' });
		devices.push(r);
		// The case is opened (and the reader invited and joined) before the writer's device starts:
		// on that device it is a list row from the first page on.
		const { roomId } = await openCase(world, writer);
		await world.service.invite(roomId, reader.userId, 'mdt-triage');
		await reader.http.post(`/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/join`, {});
		const w = await startDevice(world, writer, { sync: 'sliding' });
		devices.push(w);
		const sync = caseSyncOf(w.client)!;
		expect(sync).toBeDefined();
		await eventually(() => w.index.cases.some((c) => c.roomId === roomId), { message: 'the case is a list row' });
		// Known to be encrypted (the SDK would never send there in plaintext), but not in the crypto yet.
		expect(w.client.getRoom(roomId)!.hasEncryptionStateEvent()).toBe(true);
		expect(sync.cryptoDeferred(roomId)).toBe(true);
		expect(await w.client.getCrypto()!.isEncryptionEnabledInRoom(roomId)).toBe(false);

		// Written to without opening it: the outbox focuses the room first.
		const text = `list-row-${Date.now()}`;
		await w.outbox.send(roomId, [{ kind: 'message', text }]);
		expect(sync.cryptoDeferred(roomId)).toBe(false);
		expect(await w.client.getCrypto()!.isEncryptionEnabledInRoom(roomId)).toBe(true);
		const messages = (await reader.http.get(
			`/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=20`
		)) as { chunk: { type: string; sender: string; content: Record<string, unknown> }[] };
		const mine = messages.chunk.filter((e) => e.sender === writer.userId && !('state_key' in e));
		expect(mine.map((e) => e.type)).toEqual(['m.room.encrypted']);
		expect(JSON.stringify(mine)).not.toContain(text);
		const session = await r.openSession(roomId);
		await eventually(() => session.view.timeline.some((e) => e.kind === 'message' && e.text === text), {
			message: 'the reader decrypts the message'
		});

		// The refusal paired with it: the same message in plaintext never reaches the room.
		const plain = await fetch(
			`${world.homeserverUrl}/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/plain-${Date.now()}`,
			{
				method: 'PUT',
				headers: { authorization: `Bearer ${w.user.accessToken}`, 'content-type': 'application/json' },
				body: JSON.stringify({ msgtype: 'm.text', body: text })
			}
		);
		expect([400, 403]).toContain(plain.status);
	});
});
