import { afterAll, describe, expect, it } from 'vitest';
import { member, stopAllDevices, eventually } from '../support/matrix-clients.ts';
import { openCase } from '../support/cases.ts';

afterAll(stopAllDevices);

describe('rust crypto in node', () => {
	it('two members exchange an encrypted message in a case room', async () => {
		const a = await member('CSG');
		const b = await member('SHN');
		expect(a.recoveryKey).toMatch(/\w{4} \w{4}/);
		const { roomId } = await openCase(a.user);
		await eventually(() => a.client.getRoom(roomId)?.getMyMembership() === 'join');
		await a.client.invite(roomId, b.user.userId, { reason: 'mdt-triage' });
		await eventually(() => b.client.getRoom(roomId)?.getMyMembership() === 'invite');
		await b.client.joinRoom(roomId);
		const sa = await a.openSession(roomId);
		await sa.sendMessage('hallo vanuit CSG');
		const sb = await b.openSession(roomId);
		const msg = await eventually(() =>
			sb.view.timeline.find((e) => e.kind === 'message' && e.text === 'hallo vanuit CSG')
		);
		expect(msg.sender).toBe(a.user.userId);
	});
});
