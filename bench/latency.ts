/**
 * Structured-update latency against a bare encrypted round trip, same two
 * clients, same room, same server, same run.
 *
 * Structured: the regiehouder's CaseRoomSession executes postUpdate (domain
 * command → outbox → encrypted nl.casusruimte.update); measured until the other
 * member's CaseRoomSession view lists the update, i.e. it has been received by
 * sync, decrypted, validated against the zod schema, authorised and folded in.
 * Baseline: the same sender client sends a bare m.room.message with
 * client.sendEvent; measured until the receiving client has it decrypted in its
 * room timeline (RoomEvent.Timeline / MatrixEventEvent.Decrypted).
 * The two alternate (ABAB, then BABA) so drift in server load hits both alike.
 */
import { MatrixEventEvent, RoomEvent, type MatrixClient, type MatrixEvent } from 'matrix-js-sdk';
import { postUpdate } from '../src/lib/case/commands.ts';
import type { UpdateInput } from '../src/lib/case/commands.ts';
import { createUser, openCase, startDevice, waitUntil, type World, inviteAndJoin } from '../tests/support/world.ts';
import { now, ratio, sleep, summarise, type Summary } from './lib/stats.ts';

export interface LatencyResult {
	sends: number;
	structured: Summary;
	baseline: Summary;
	ratioP50: number;
	ratioP95: number;
}

const day = () => new Date().toISOString().slice(0, 10);
const update = (marker: string): UpdateInput => ({
	contact: { date: day(), mode: 'phone', summary: 'Telefonisch contact; afspraken bevestigd.' },
	actions_agreed: [{ what: 'Afspraak huisarts maken', org: 'CSG', due: day() }],
	actions_done: [{ what: 'Informatie over aangifte gestuurd' }],
	signals: ['Geen nieuwe signalen'],
	next_steps: marker,
	retriage_requested: false
});

function receivedMessage(client: MatrixClient, roomId: string, marker: string): Promise<void> {
	return new Promise((resolve) => {
		const check = (event: MatrixEvent) => {
			if (event.getRoomId() !== roomId || event.getType() !== 'm.room.message' || event.getContent().body !== marker)
				return;
			client.off(RoomEvent.Timeline, onTimeline);
			client.off(MatrixEventEvent.Decrypted, check);
			resolve();
		};
		const onTimeline = (event: MatrixEvent) => check(event);
		client.on(RoomEvent.Timeline, onTimeline);
		client.on(MatrixEventEvent.Decrypted, check);
	});
}

export async function measureLatency(world: World, sends: number, log: (s: string) => void): Promise<LatencyResult> {
	const [csgUser, vtUser] = await Promise.all([
		createUser(world, 'CSG', ['professional'], 'lat-csg'),
		createUser(world, 'VT', ['professional'], 'lat-vt')
	]);
	const [sender, receiver] = await Promise.all([startDevice(world, csgUser), startDevice(world, vtUser)]);
	try {
		const { roomId } = await openCase(world, sender.user);
		const s = await sender.openSession(roomId);
		await inviteAndJoin(s, sender, receiver, 'expertise');
		const r = await receiver.openSession(roomId);

		const structured: number[] = [];
		const baseline: number[] = [];
		const me = sender.user.userId;
		const runStructured = async (marker: string) => {
			const t0 = now();
			const seen = waitUntil(
				(cb) => r.subscribe(cb),
				() => r.view.updates.some((u) => u.record.next_steps === marker),
				60_000,
				`update ${marker}`
			);
			await s.execute(postUpdate(s.view, me, s.context(), update(marker)), { wait: false });
			await seen;
			return now() - t0;
		};
		const runBaseline = async (marker: string) => {
			const t0 = now();
			const seen = receivedMessage(receiver.client, roomId, marker);
			await sender.client.sendEvent(roomId, 'm.room.message' as never, { msgtype: 'm.text', body: marker } as never);
			await seen;
			return now() - t0;
		};
		// Warm-up: Olm sessions, the first Megolm session and its key share are one-off costs.
		for (let i = 0; i < 5; i++) {
			await runStructured(`warm-u-${i}`);
			await runBaseline(`warm-m-${i}`);
		}
		for (let i = 0; i < sends; i++) {
			const order = i % 4 < 2 ? ['s', 'b'] : ['b', 's'];
			for (const kind of order) {
				if (kind === 's') structured.push(await runStructured(`u-${i}`));
				else baseline.push(await runBaseline(`m-${i}`));
				await sleep(10);
			}
			if ((i + 1) % 50 === 0) log(`  latency: ${i + 1}/${sends}`);
		}
		// Every structured update arrived exactly once and none was flagged.
		const counted = r.view.updates.filter((u) => /^u-\d+$/.test(u.record.next_steps)).length;
		if (counted !== sends) throw new Error(`receiver holds ${counted} updates, expected ${sends}`);
		if (r.view.flagged.length)
			throw new Error(`receiver flagged ${r.view.flagged.length} entries: ${r.view.flagged[0]?.problem}`);
		const st = summarise(structured);
		const bl = summarise(baseline);
		return { sends, structured: st, baseline: bl, ratioP50: ratio(st.p50, bl.p50), ratioP95: ratio(st.p95, bl.p95) };
	} finally {
		await sender.stop();
		await receiver.stop();
	}
}
