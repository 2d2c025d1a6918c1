import { afterAll, describe, expect, it } from 'vitest';
import { member, stopAllDevices, eventually } from '../support/matrix-clients.ts';
import { openCase } from '../support/cases.ts';
import { createUser, testWorld } from '../support/harness.ts';
import { passwordLogin } from '../../src/lib/server/synapse-admin.ts';
import { createMatrixClient } from '../../src/lib/matrix/client.ts';

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

	it('a new device uploads its keys before its first sync (a cold start verifies sooner)', async () => {
		const world = await testWorld();
		const user = await createUser('CSG', ['professional']);
		const login = await passwordLogin(world.homeserverUrl, user.localpart, user.password, 'test');
		const deviceKeys = async () => {
			const res = (await user.http.post('/_matrix/client/v3/keys/query', {
				device_keys: { [user.userId]: [login.device_id] }
			})) as { device_keys?: Record<string, Record<string, unknown>> };
			return res.device_keys?.[user.userId]?.[login.device_id];
		};
		// Before the client: the server knows no keys of this device (the refusal's pair).
		expect(await deviceKeys()).toBeUndefined();
		const client = await createMatrixClient(
			{
				homeserverUrl: world.homeserverUrl,
				userId: user.userId,
				deviceId: login.device_id,
				accessToken: login.access_token
			},
			{ persistent: false }
		);
		try {
			// No startClient: without the early send the SDK uploads only after the first sync response.
			expect(await eventually(deviceKeys)).toMatchObject({ device_id: login.device_id });
		} finally {
			client.stopClient();
		}
	});
});
