/**
 * Issue 12, "the record can grow", on the protocol level: real Synapse, real
 * crypto. The regiehouder corrects the intake as a new version; another member
 * reads the revised intake with every version kept; a plain member's command is
 * refused, and a version sent anyway is flagged by the readers, not trusted.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { member, stopAllDevices, eventually, type TestDevice } from '../support/matrix-clients.ts';
import { openCase } from '../support/cases.ts';
import { intakeInput } from '../support/sample-records.ts';
import { inviteMember, recordIntake, reviseIntake } from '../../src/lib/case/commands.ts';
import { RECORD } from '../../src/lib/case/event-types.ts';
import type { CaseRoomSession } from '../../src/lib/matrix/case-room.ts';

const marker = `CANARY${randomBytes(6).toString('hex').toUpperCase()}`;
let csg: TestDevice, vt: TestDevice, politie: TestDevice;
let roomId: string;
const sessions = new Map<TestDevice, CaseRoomSession>();
const session = async (d: TestDevice) => {
	if (!sessions.has(d)) sessions.set(d, await d.openSession(roomId));
	return sessions.get(d)!;
};
const id = (d: TestDevice) => d.user.userId;

beforeAll(async () => {
	[csg, vt, politie] = await Promise.all([member('CSG'), member('VT'), member('POLITIE')]);
	({ roomId } = await openCase(csg.user));
	const s = await session(csg);
	await s.execute(recordIntake(s.view, id(csg), s.context(), intakeInput(marker)));
	for (const m of [vt, politie]) {
		await s.execute(inviteMember(s.view, id(csg), s.context(), { userId: id(m), reason: 'mdt-triage' }));
		await eventually(() => m.client.getRoom(roomId)?.getMyMembership() === 'invite', {
			message: `${id(m)} sees the invite`
		});
		await m.client.joinRoom(roomId);
	}
});

afterAll(stopAllDevices);

describe('the intake can grow', () => {
	it('the regiehouder records a corrected intake as version 2; a member reads it, with version 1 kept', async () => {
		const s = await session(csg);
		const first = s.view.intake!.eventId;
		const input = intakeInput(marker);
		const revised = {
			...input,
			person: { ...input.person, phone: `06-NIEUW-${marker}` },
			summary: `${input.summary} Aangevuld: afspraak bij de huisarts ${marker}.`
		};
		await s.execute(reviseIntake(s.view, id(csg), s.context(), revised));
		await eventually(() => s.view.intakeVersions.length === 2, { message: 'the regiehouder sees version 2' });

		const member = await session(vt);
		await eventually(() => member.view.intakeVersions.length === 2, { message: 'VT reads the revised intake' });
		expect(member.view.intake?.record.supersedes).toBe(first);
		expect(member.view.person?.phone).toBe(`06-NIEUW-${marker}`);
		expect(member.view.summary).toContain('Aangevuld');
		expect(member.view.intakeVersions[0]!.record.person.phone).toBe(`06-${marker}`);
		expect(member.view.flagged).toEqual([]);
		// It travelled encrypted, like every record.
		const raw = vt.client
			.getRoom(roomId)!
			.getLiveTimeline()
			.getEvents()
			.find((e) => e.getId() === member.view.intake!.eventId);
		expect(raw?.isEncrypted()).toBe(true);
	});

	it('a plain member is refused, and a version sent around the command is flagged by the readers', async () => {
		const s = await session(politie);
		await eventually(() => s.view.intakeVersions.length === 2, { message: 'police reads the intake' });
		const refused = reviseIntake(s.view, id(politie), s.context(), intakeInput(`${marker}-POLITIE`));
		expect(refused.ok || refused.error.code).toBe('not-allowed');

		// A client that does not follow the rules sends one anyway.
		const latest = s.view.intake!;
		await s.execute({
			ok: true,
			effects: [
				{
					kind: 'record',
					type: RECORD.intake,
					content: { ...latest.record, summary: `Vervalst ${marker}`, supersedes: latest.eventId }
				}
			]
		});
		const reader = await session(vt);
		await eventually(() => reader.view.flagged.length > 0, {
			message: 'VT flags the forged version'
		});
		expect(reader.view.flagged.map((f) => f.kind)).toEqual(['unauthorised']);
		expect(reader.view.intakeVersions).toHaveLength(2);
		expect(reader.view.summary).not.toContain('Vervalst');
	});
});
