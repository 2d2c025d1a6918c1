/**
 * At least 1,000 malformed events generated from the schemas
 * (malformed-events.ts): folded by the reducer, every one is flagged and
 * changes nothing; sent to a real homeserver (raw HTTP in plaintext, through a
 * real client encrypted, and as room state), every one is refused by the
 * homeserver or flagged by the receiving member's client, nothing crashes, and
 * the case view stays what it was.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reduceCase } from '../../src/lib/case/reducer.ts';
import { buildDirectory } from '../../src/lib/directory/directory.ts';
import { USER_EVENT, userStateKey } from '../../src/lib/directory/schema.ts';
import type { CaseEventInput, CaseView } from '../../src/lib/case/view.ts';
import { recordIntake } from '../../src/lib/case/commands.ts';
import { MatrixHttpError } from '../../src/lib/server/http.ts';
import { hardeningWorld } from './support.ts';
import {
	createUser,
	startDevice,
	openCase,
	eventually,
	type Device,
	type World,
	inviteAndJoin
} from '../support/world.ts';
import { mapLimit } from '../../bench/lib/stats.ts';
import { intakeInput } from '../support/sample-records.ts';
import { REGIEHOUDER, SERVICE, VALID, isMalformed, malformedEvent, sampleMalformed } from './malformed-events.ts';
import { STATE } from '../../src/lib/case/event-types.ts';

const COUNT = Number(process.env.HARDENING_MALFORMED ?? 1000);
const derived = (v: CaseView) => JSON.stringify({ ...v, timeline: undefined, flagged: undefined });

describe('malformed events in the reducer', () => {
	const directory = buildDirectory([
		{
			type: USER_EVENT,
			state_key: userStateKey(REGIEHOUDER),
			content: { v: 1, org: 'CSG', roles: ['professional'], display_name: 'R', active: true, updated_at: 1 }
		}
	]);
	const ctx = { directory, serviceUserId: SERVICE, now: Date.parse('2026-11-23T10:00:00Z') };
	const base: CaseEventInput[] = [STATE.case, STATE.access, STATE.regie].map((type, i) => ({
		id: `$base${i}`,
		type,
		sender: SERVICE,
		ts: i,
		stateKey: '',
		content: VALID[type]!.content,
		encrypted: false
	}));

	it('starts from valid examples of every type', () => {
		for (const [type, entry] of Object.entries(VALID))
			expect(entry.schema.safeParse(entry.content).success, type).toBe(true);
		expect(reduceCase(base, ctx).flagged).toEqual([]);
	});

	it(`flags every one of ${COUNT}+ generated malformed events and changes nothing`, () => {
		const before = derived(reduceCase(base, ctx));
		let checked = 0;
		fc.assert(
			fc.property(malformedEvent, (e) => {
				fc.pre(isMalformed(e));
				checked++;
				const bad: CaseEventInput = {
					id: '$bad',
					type: e.type,
					sender: REGIEHOUDER,
					ts: 99,
					stateKey: e.state ? '' : undefined,
					content: JSON.parse(JSON.stringify(e.content ?? null)),
					encrypted: !e.state
				};
				const view = reduceCase([...base, bad], ctx);
				expect(view.flagged.map((f) => f.id)).toContain('$bad');
				expect(derived(view)).toBe(before);
			}),
			{ numRuns: Math.ceil(COUNT * 1.2), seed: 20261123 }
		);
		expect(checked).toBeGreaterThanOrEqual(COUNT);
	});
});

describe('malformed events sent to a real homeserver', () => {
	let world: World;
	let regie: Device, member: Device;
	let roomId: string;

	beforeAll(async () => {
		world = await hardeningWorld();
		const [ru, mu] = await Promise.all([
			createUser(world, 'CSG', ['professional'], 'fuzz-csg'),
			createUser(world, 'VT', ['professional'], 'fuzz-vt')
		]);
		[regie, member] = await Promise.all([startDevice(world, ru), startDevice(world, mu)]);
		({ roomId } = await openCase(world, regie.user));
		const s = await regie.openSession(roomId);
		await s.execute(recordIntake(s.view, regie.user.userId, s.context(), intakeInput('FUZZ')));
		await inviteAndJoin(s, regie, member);
	});

	afterAll(async () => {
		await regie?.stop();
		await member?.stop();
	});

	it(`every one of ${COUNT} is refused by the homeserver or flagged by the client, and the case view holds`, async () => {
		const sm = await member.openSession(roomId);
		await eventually(() => sm.view.intake !== null, { message: 'member reads the intake' });
		const before = derived(sm.view);
		const flaggedBefore = sm.view.flagged.length;

		const events = sampleMalformed(COUNT, 424242);
		const accepted: string[] = [];
		let refused = 0;
		const enc = encodeURIComponent;
		await mapLimit(events, 4, async (e, i) => {
			try {
				if (e.state) {
					// As the regiehouder, who may change case state (power 50) but never regie (100).
					const res = await regie.user.http.put<{ event_id: string }>(
						`/_matrix/client/v3/rooms/${enc(roomId)}/state/${enc(e.type)}/`,
						e.content ?? null
					);
					accepted.push(res.event_id);
				} else if (i % 10 === 0) {
					// Through the real client: encrypted, as a rogue client would send it.
					const res = await regie.client.sendEvent(
						roomId,
						e.type as never,
						(e.content && typeof e.content === 'object' && !Array.isArray(e.content)
							? e.content
							: { value: e.content }) as never
					);
					accepted.push(res.event_id);
				} else {
					// Raw HTTP in plaintext: the homeserver's guard (when loaded) refuses records in plaintext.
					const res = await regie.user.http.put<{ event_id: string }>(
						`/_matrix/client/v3/rooms/${enc(roomId)}/send/${enc(e.type)}/fuzz-${i}`,
						e.content ?? null
					);
					accepted.push(res.event_id);
				}
			} catch (err) {
				// Refused with a clear 4xx (power levels, a non-object body, the guard) counts; anything else is a failure.
				if (err instanceof MatrixHttpError && err.status >= 400 && err.status < 500) refused++;
				else if ((err as { httpStatus?: number }).httpStatus && (err as { httpStatus: number }).httpStatus < 500)
					refused++;
				else throw err;
			}
		});
		expect(accepted.length + refused).toBe(COUNT);

		// The member's client sees every accepted one flagged.
		const flaggedIds = () => new Set(sm.view.flagged.map((f) => f.id));
		await eventually(() => accepted.every((id) => flaggedIds().has(id)), {
			timeout: 180_000,
			interval: 1000,
			message: `flagged ${sm.view.flagged.length - flaggedBefore} of ${accepted.length} accepted malformed events`
		});
		expect(derived(sm.view)).toBe(before);
		// The homeserver is still healthy and the room still works.
		expect((await fetch(`${world.homeserverUrl}/health`)).ok).toBe(true);
		await sm.sendMessage('nog-steeds-in-orde');
		console.log(
			`malformed events: ${COUNT} sent, ${refused} refused by the homeserver, ${accepted.length} accepted and flagged by the client`
		);
	});
});
