/**
 * Homeserver restart while two clients are mid-work: the regiehouder keeps
 * posting structured updates and another member keeps writing in the
 * discussion while Synapse is stopped and started again. Afterwards every
 * update and message is there exactly once, in the order it was made, both
 * outboxes are empty and both clients sync again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hardeningWorld, restartHomeserver } from './support.ts';
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
let regie: Device, member: Device;
let roomId: string;
let sR: CaseRoomSession, sM: CaseRoomSession;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
	world = await hardeningWorld();
	[regie, member] = await Promise.all([
		createUser(world, 'CSG', ['professional'], 'restart-csg').then((u) => startDevice(world, u)),
		createUser(world, 'VT', ['professional'], 'restart-vt').then((u) => startDevice(world, u))
	]);
	({ roomId } = await openCase(world, regie.user));
	sR = await regie.openSession(roomId);
	await inviteAndJoin(sR, regie, member);
	sM = await member.openSession(roomId);
});

afterAll(async () => {
	await regie?.stop();
	await member?.stop();
});

describe('a homeserver restart in the middle of work', () => {
	it('loses and duplicates nothing, and both clients resume', async () => {
		const updates = Array.from({ length: 12 }, (_, i) => `herstart-update-${i}`);
		const messages = Array.from({ length: 6 }, (_, i) => `herstart-bericht-${i}`);
		let restart: Promise<void> | null = null;
		for (let i = 0; i < updates.length; i++) {
			await sR.execute(
				postUpdate(sR.view, regie.user.userId, sR.context(), { ...updateInput(updates[i]!), next_steps: updates[i]! }),
				{ wait: false }
			);
			if (i < messages.length) await sM.sendMessage(messages[i]!, { wait: false });
			if (i === 3) restart = restartHomeserver(); // the rest is queued while the homeserver is down
			await sleep(150);
		}
		await restart;

		const seenUpdates = () =>
			sM.view.updates.map((u) => u.record.next_steps).filter((s) => s.startsWith('herstart-update-'));
		const seenMessages = () =>
			sR.view.timeline
				.filter((t) => t.kind === 'message' && !t.local && t.text?.startsWith('herstart-bericht-'))
				.map((t) => t.text);
		const status = () =>
			JSON.stringify({
				updates: seenUpdates(),
				messages: seenMessages(),
				regieOutbox: regie.outbox.pending().map((i) => [i.effect.kind, i.status, i.attempts, i.error]),
				memberOutbox: member.outbox.pending().map((i) => [i.effect.kind, i.status, i.attempts, i.error]),
				sync: [regie.client.getSyncState(), member.client.getSyncState()],
				flagged: sM.view.flagged.map((f) => f.problem),
				memberTimeline: sM.room
					?.getLiveTimeline()
					.getEvents()
					.map((e) => e.getType()),
				memberToken: sM.room?.getLiveTimeline().getPaginationToken('b' as never),
				memberTimelines: sM.room?.getUnfilteredTimelineSet().getTimelines().length
			});
		await eventually(() => seenUpdates().length >= updates.length && seenMessages().length >= messages.length, {
			timeout: 150_000,
			interval: 500
		}).catch((err: Error) => {
			throw new Error(`not everything arrived after the restart: ${status()}`, { cause: err });
		});
		// Give a late duplicate the chance to show up before judging.
		await sleep(3000);
		expect(seenUpdates()).toEqual(updates);
		expect(seenMessages()).toEqual(messages);
		const ids = sM.view.updates.map((u) => u.eventId);
		expect(new Set(ids).size).toBe(ids.length);
		expect(regie.outbox.pending()).toEqual([]);
		expect(member.outbox.pending()).toEqual([]);
		expect(sM.view.flagged).toEqual([]);

		// Both clients keep working after the restart, in both directions.
		await sM.sendMessage('na-herstart');
		await eventually(() => sR.view.timeline.some((t) => t.text === 'na-herstart' && !t.local), {
			timeout: 60_000,
			message: 'regiehouder receives after restart'
		});
		await sR.execute(
			postUpdate(sR.view, regie.user.userId, sR.context(), { ...updateInput('x'), next_steps: 'na-herstart-update' })
		);
		await eventually(() => sM.view.updates.some((u) => u.record.next_steps === 'na-herstart-update'), {
			timeout: 60_000,
			message: 'member receives after restart'
		});
	});
});
