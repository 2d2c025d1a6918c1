/**
 * The case view with compartments (issue 13): opening a case whose records are
 * spread over the shared part and three compartments (strafrecht, zorg, apart-1)
 * against a case with the same number of records in its shared part only; same
 * reader, same device, same server, same run.
 *
 * What is timed: a new CaseRoomSession on the reader's device, from construction
 * until load() resolves and the view is folded (for the case with compartments:
 * reading the pointers, paginating every compartment the reader is in, merging the
 * timelines in time order, reducing). The first open of each case paginates from
 * the homeserver; the later opens read the timelines the client already holds. The
 * two cases alternate (ABBA) so drift hits both alike; the ratio is the cost of
 * the compartments. The bar: within 1.5× of the case without.
 */
import { postUpdate } from '../src/lib/case/commands.ts';
import type { UpdateInput } from '../src/lib/case/commands.ts';
import { CaseRoomSession } from '../src/lib/matrix/case-room.ts';
import { CompartmentService } from '../src/lib/server/compartments.ts';
import { createUser, openCase, startDevice, type World } from '../tests/support/world.ts';
import { now, ratio, summarise, type Summary } from './lib/stats.ts';

export interface CompartmentViewResult {
	records: number;
	runs: number;
	firstOpen: { shared: number; compartments: number; ratio: number };
	shared: Summary;
	compartments: Summary;
	ratioP50: number;
}

const SINCE = '2026-11-20T10:00:00Z';

async function poll(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 100));
	}
}
const day = () => new Date().toISOString().slice(0, 10);
const update = (i: number): UpdateInput => ({
	contact: { date: day(), mode: 'phone', summary: `Telefonisch contact ${i}; afspraken bevestigd.` },
	actions_agreed: [{ what: 'Afspraak huisarts maken', org: 'CSG', due: day() }],
	actions_done: [],
	signals: [],
	next_steps: 'Volgende week bellen',
	retriage_requested: false
});

export async function measureCompartmentView(
	world: World,
	opts: { records: number; runs: number },
	log: (s: string) => void
): Promise<CompartmentViewResult> {
	const user = await createUser(world, 'CSG', ['professional'], 'cmp-bench');
	const device = await startDevice(world, user);
	const compartments = new CompartmentService(world.cases);
	const enc = encodeURIComponent;
	try {
		// The reader's organisation is covered for every purpose the three compartments serve.
		const access = {
			v: 1,
			organisations: [
				{ org: 'CSG', since: SINCE, basis: 'consent', purposes: ['coordination', 'care', 'investigation', 'safety'] }
			]
		};
		const open = async () => {
			const { roomId } = await openCase(world, user, { access: [{ org: 'CSG', basis: 'consent' }] });
			await user.http.put(`/_matrix/client/v3/rooms/${enc(roomId)}/state/nl.casusruimte.access/`, access);
			await poll(() => device.client.getRoom(roomId)?.getMyMembership() === 'join', 30_000, 'the join');
			return roomId;
		};
		const post = async (roomId: string, at: string | undefined, i: number, s: CaseRoomSession) => {
			const result = postUpdate(s.view, user.userId, s.context(), update(i));
			await s.execute(result, at ? { at } : {});
		};

		log(`  compartments: two cases with ${opts.records} updates each (one spread over three compartments)…`);
		const plainRoom = await open();
		const plain = await device.openSession(plainRoom);
		for (let i = 0; i < opts.records; i++) await post(plainRoom, undefined, i, plain);

		const splitRoom = await open();
		for (const body of [{ kind: 'strafrecht' }, { kind: 'zorg' }, { kind: 'apart', purpose: 'safety' }]) {
			const c = await compartments.open(user.accessToken, splitRoom, body);
			await compartments.invite(user.accessToken, splitRoom, c.id, { user_id: user.userId });
		}
		const split = await device.openSession(splitRoom);
		await poll(() => split.mine().length === 3, 30_000, 'the three compartments');
		const places = ['shared', 'strafrecht', 'zorg', 'apart-1'];
		for (let i = 0; i < opts.records; i++) await post(splitRoom, places[i % 4], i, split);
		plain.destroy();
		split.destroy();
		// Let the sync bring every event back before timing.
		await new Promise((r) => setTimeout(r, 2000));

		const timeOpen = async (roomId: string, expected: number) => {
			const t0 = now();
			const s = new CaseRoomSession(device.client, roomId, {
				directory: () => device.directory.directory,
				serviceUserId: world.config.serviceUserId,
				outbox: device.outbox
			});
			await s.load();
			const ms = now() - t0;
			const seen = s.view.timeline.filter((e) => e.type === 'nl.casusruimte.update').length;
			s.destroy();
			if (seen !== expected) throw new Error(`the case view shows ${seen} of ${expected} updates`);
			return ms;
		};
		const a: number[] = [];
		const b: number[] = [];
		for (let i = 0; i < opts.runs; i++) {
			if (i % 2 === 0) {
				a.push(await timeOpen(plainRoom, opts.records));
				b.push(await timeOpen(splitRoom, opts.records));
			} else {
				b.push(await timeOpen(splitRoom, opts.records));
				a.push(await timeOpen(plainRoom, opts.records));
			}
		}
		const shared = summarise(a);
		const withCompartments = summarise(b);
		return {
			records: opts.records,
			runs: opts.runs,
			firstOpen: { shared: a[0]!, compartments: b[0]!, ratio: ratio(b[0]!, a[0]!) },
			shared,
			compartments: withCompartments,
			ratioP50: ratio(withCompartments.p50, shared.p50)
		};
	} finally {
		await device.stop();
	}
}
