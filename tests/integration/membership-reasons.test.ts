/**
 * Membership reasons as codes (issue 10, client side), against a real Synapse:
 * the homeserver's membership event carries only the reason code; the words go
 * into an encrypted membership note that the other members read, folded into
 * the member's history; a removal by the domain (consent withdrawn) carries its
 * own code.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { member, stopAllDevices, eventually } from '../support/matrix-clients.ts';
import { openCase } from '../support/cases.ts';
import { consentInput, intakeInput } from '../support/sample-records.ts';
import { inviteMember, recordConsent, recordIntake, removeMember } from '../../src/lib/case/commands.ts';
import { RECORD } from '../../src/lib/case/event-types.ts';
import { historyOf } from '../../src/lib/matrix/case-room.ts';

afterAll(stopAllDevices);

describe('membership reasons', () => {
	it('the membership event carries the code, the note travels encrypted, and members read both', async () => {
		const regie = await member('CSG');
		const colleague = await member('VT');
		const police = await member('POLITIE');
		const { roomId } = await openCase(regie.user);
		const s = await regie.openSession(roomId);
		await s.execute(recordIntake(s.view, regie.user.userId, s.context(), intakeInput('REASONS')));
		const note = 'Kent de familie uit een eerder traject';
		await s.execute(
			inviteMember(s.view, regie.user.userId, s.context(), {
				userId: colleague.user.userId,
				reason: 'expertise',
				note
			})
		);
		await s.execute(
			inviteMember(s.view, regie.user.userId, s.context(), { userId: police.user.userId, reason: 'mdt-triage' })
		);
		for (const d of [colleague, police]) {
			await eventually(() => d.client.getRoom(roomId)?.getMyMembership() === 'invite', { message: 'invite arrives' });
			await d.client.joinRoom(roomId);
		}

		// What the homeserver stores: the code, nothing else; the note only as ciphertext.
		const room = regie.client.getRoom(roomId)!;
		const invite = historyOf(room).find(
			(e) =>
				e.getType() === 'm.room.member' &&
				e.getStateKey() === colleague.user.userId &&
				e.getContent().membership === 'invite'
		);
		expect(invite?.getContent().reason).toBe('expertise');
		const noteEvent = await eventually(() => historyOf(room).find((e) => e.getType() === RECORD.membershipNote));
		expect(noteEvent.isEncrypted()).toBe(true);
		expect(JSON.stringify(noteEvent.event)).not.toContain(note);

		// Another member reads the note in the member's history and the code in the membership.
		const c = await colleague.openSession(roomId);
		await eventually(() => c.view.memberNotes[colleague.user.userId]?.[0]?.record.note === note, {
			message: 'the note is folded into the member history'
		});
		expect(c.members.find((m) => m.userId === colleague.user.userId)?.inviteReason).toBe('expertise');

		// A removal by a person: the code in the membership event.
		await s.execute(
			removeMember(s.view, regie.user.userId, s.context(), {
				userId: colleague.user.userId,
				reason: 'no-longer-involved'
			})
		);
		await eventually(() => s.members.find((m) => m.userId === colleague.user.userId)?.membership === 'leave');
		expect(s.members.find((m) => m.userId === colleague.user.userId)?.history.at(-1)?.reason).toBe(
			'no-longer-involved'
		);

		// A removal the domain makes: consent withdrawn for the police.
		await s.execute(
			recordConsent(s.view, regie.user.userId, s.context(), consentInput('withdrawn', ['POLITIE'], 'REASONS'))
		);
		await eventually(() => police.client.getRoom(roomId)?.getMyMembership() !== 'join', { message: 'police removed' });
		await eventually(() => s.members.find((m) => m.userId === police.user.userId)?.membership === 'leave');
		expect(s.members.find((m) => m.userId === police.user.userId)?.history.at(-1)?.reason).toBe('consent-withdrawn');
	});
});
