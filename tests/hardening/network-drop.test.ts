/**
 * The network drops in the middle of a queue of structured updates (protocol
 * level: the regiehouder's client talks to the homeserver through a
 * fault-injecting TCP proxy). First the answers get lost while the requests
 * still arrive (the homeserver stores an update the client never hears about),
 * then the connection is cut and more updates are queued. After reconnecting,
 * every update arrives exactly once, in the order it was made.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxy, hardeningWorld } from './support.ts';
import {
	createUser,
	startDevice,
	openCase,
	eventually,
	type Device,
	type World,
	inviteAndJoin
} from '../support/world.ts';
import { postUpdate } from '../../src/lib/case/commands.ts';
import type { CaseRoomSession } from '../../src/lib/matrix/case-room.ts';
import { updateInput } from '../support/sample-records.ts';

let world: World;
let proxy: FaultProxy;
let regie: Device, member: Device;
let roomId: string;
let sR: CaseRoomSession, sM: CaseRoomSession;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
	world = await hardeningWorld();
	proxy = new FaultProxy(Number(new URL(world.homeserverUrl).port));
	const viaProxy = await proxy.start();
	const [ru, mu] = await Promise.all([
		createUser(world, 'CSG', ['professional'], 'drop-csg'),
		createUser(world, 'SHN', ['professional'], 'drop-shn')
	]);
	[regie, member] = await Promise.all([startDevice(world, ru, { homeserverUrl: viaProxy }), startDevice(world, mu)]);
	({ roomId } = await openCase(world, regie.user));
	sR = await regie.openSession(roomId);
	await inviteAndJoin(sR, regie, member);
	sM = await member.openSession(roomId);
});

afterAll(async () => {
	await regie?.stop();
	await member?.stop();
	await proxy?.stop();
});

describe('the network drops mid-queue', () => {
	it('sends every queued update exactly once, in order, after reconnecting', async () => {
		const markers = Array.from({ length: 8 }, (_, i) => `netwerk-update-${i}`);
		const post = (marker: string) =>
			sR.execute(postUpdate(sR.view, regie.user.userId, sR.context(), { ...updateInput(marker), next_steps: marker }), {
				wait: false
			});
		const seen = () => sM.view.updates.map((u) => u.record.next_steps).filter((s) => s.startsWith('netwerk-update-'));

		await post(markers[0]!);
		await post(markers[1]!);
		await eventually(() => seen().length === 2, { message: 'the first two arrive normally' });

		// Answers lost: the homeserver gets (and stores) the next update, the client hears nothing.
		proxy.set('lose-responses');
		await post(markers[2]!);
		await eventually(() => seen().length === 3, { message: 'the homeserver stored the update whose answer was lost' });
		// Then the cable is pulled; more updates are made offline.
		proxy.set('drop');
		for (const m of markers.slice(3)) {
			await post(m);
			await sleep(100);
		}
		await sleep(2000);
		expect(regie.outbox.pending().length).toBe(6); // the lost-answer update and five offline ones, all kept
		expect(seen()).toEqual(markers.slice(0, 3));

		proxy.set('pass');
		regie.outbox.wake(); // what the app does when sync comes back
		await eventually(() => regie.outbox.pending().length === 0 && seen().length >= markers.length, {
			timeout: 120_000,
			interval: 250,
			message: `all updates sent after reconnecting (outbox: ${JSON.stringify(regie.outbox.pending().map((i) => [i.status, i.error]))})`
		});
		await sleep(2000); // a late duplicate would show up here
		expect(seen()).toEqual(markers);
		expect(new Set(sM.view.updates.map((u) => u.eventId)).size).toBe(sM.view.updates.length);
		expect(sM.view.flagged).toEqual([]);
		// The regiehouder's own view agrees, and its sync is live again.
		await eventually(
			() => sR.view.updates.filter((u) => u.record.next_steps.startsWith('netwerk-update-')).length === markers.length
		);
		await sM.sendMessage('weer-verbonden');
		await eventually(() => sR.view.timeline.some((t) => t.text === 'weer-verbonden' && !t.local), {
			timeout: 60_000,
			message: 'the regiehouder syncs again'
		});
	});
});
