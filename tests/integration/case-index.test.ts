/**
 * The case list forgets a case that was deleted while the member was offline:
 * such a room simply vanishes from sync, with no leave event.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { member, stopAllDevices, eventually } from '../support/matrix-clients.ts';
import { openCase } from '../support/cases.ts';
import { serviceClient } from '../support/harness.ts';
import { purgeRoom } from '../../src/lib/server/privacy/homeserver.ts';

afterAll(stopAllDevices);

describe('case index', () => {
	it('lists my cases from plaintext state and forgets one deleted while I was offline', async () => {
		const csg = await member('CSG');
		const forgotten: string[] = [];
		const { roomId, reference } = await openCase(csg.user);
		const keep = await openCase(csg.user);
		const index = csg.index;
		await eventually(
			() => index.cases.some((c) => c.roomId === roomId) && index.cases.some((c) => c.roomId === keep.roomId),
			{ message: 'both cases listed' }
		);
		expect(index.cases.find((c) => c.roomId === roomId)).toMatchObject({
			reference,
			phase: 'first_contact',
			myPart: 'regiehouder',
			membership: 'join',
			triaged: false
		});

		// Offline: the device stops syncing; meanwhile the room is deleted on the homeserver.
		// (Coming back, sync says nothing about a purged room; reconciling needs only plain HTTP.)
		csg.client.stopClient();
		await purgeRoom(await serviceClient(), roomId);
		expect(csg.client.getRoom(roomId)?.getMyMembership()).toBe('join');

		const gone = await index.reconcile();
		expect(gone).toEqual([]); // a join younger than a minute is never forgotten on this evidence…
		const realNow = Date.now;
		Date.now = () => realNow() + 5 * 60_000; // …so look again five minutes later
		try {
			(index as unknown as { deps: { onForgotten: (id: string) => void } }).deps.onForgotten = (id) =>
				forgotten.push(id);
			expect(await index.reconcile()).toEqual([roomId]);
		} finally {
			Date.now = realNow;
		}
		expect(forgotten).toEqual([roomId]);
		expect(csg.client.getRoom(roomId)).toBeNull();
		index.refresh();
		expect(index.cases.map((c) => c.roomId)).toEqual([keep.roomId]);
	});
});
