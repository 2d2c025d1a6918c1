import { describe, expect, it } from 'vitest';
import { InviteForm, RemoveForm } from '../../src/lib/forms/members.svelte.ts';
import { RECORD } from '../../src/lib/case/event-types.ts';
import { reduceCase } from '../../src/lib/case/reducer.ts';
import { CHAIR, CSG, OUTSIDER, POLITIE, SHN, VT, ctx, opening, recordEvent } from '../support/domain-fixtures.ts';
import { fakeCase, member, t, NOW } from './forms-support.ts';

describe('the invite form', () => {
	it('offers only members of covered organisations who are not in the room, by organisation', () => {
		const oc = fakeCase({ members: [member(CSG), member(VT)] });
		const m = new InviteForm(oc);
		expect(m.candidates.map((u) => u.userId).sort()).toEqual([CHAIR, POLITIE, SHN].sort());
		expect(m.byOrg.map(([org]) => org)).toEqual(['POLITIE', 'SHN', 'VT']);
		expect(m.uncovered.map((o) => o.code)).toContain('OM');
	});

	it('invites with a reason code only; the words go into an encrypted note', async () => {
		const oc = fakeCase({ members: [member(CSG), member(VT)] });
		const m = new InviteForm(oc);
		m.userId = SHN;
		m.reason = 'expertise';
		m.note = 'Kent de familie al';
		expect(await m.submit(t)).toBe(true);
		expect(oc.queued[0]).toEqual({ kind: 'invite', userId: SHN, reason: 'expertise' });
		expect(oc.queued[1]).toMatchObject({
			kind: 'record',
			type: RECORD.membershipNote,
			content: { user: SHN, action: 'invite', code: 'expertise', note: 'Kent de familie al' }
		});
		expect(m.sent).toBe(SHN);
		expect(m.userId).toBe('');
	});

	it('without words, sends no note', async () => {
		const oc = fakeCase({ members: [member(CSG)] });
		const m = new InviteForm(oc);
		m.userId = VT;
		m.reason = 'mdt-triage';
		expect(await m.submit(t)).toBe(true);
		expect(oc.queued).toEqual([{ kind: 'invite', userId: VT, reason: 'mdt-triage' }]);
	});

	it('asks for a reason code, and reports the domain refusal in both languages', async () => {
		const oc = fakeCase({ members: [member(CSG)] });
		const m = new InviteForm(oc);
		m.userId = VT;
		expect(await m.submit(t)).toBe(false);
		expect(m.form.errors['reason']).toBe('form.chooseOne');
		m.reason = 'mdt-triage';
		m.userId = OUTSIDER;
		expect(await m.submit(t)).toBe(false);
		expect(m.form.refusal?.code).toBe('not-covered');
		expect(m.form.refusal?.in('nl')).toMatch(/valt niet onder de grondslag/);
		expect(m.form.refusal?.in('en')).toMatch(/not covered by this case's basis/);
		expect(oc.queued).toEqual([]);
	});
});

describe('the remove form', () => {
	it('removes with a reason code and keeps the note encrypted, after the removal', async () => {
		const oc = fakeCase();
		const m = new RemoveForm(oc);
		expect(m.removable(CSG)).toBe(false); // the regiehouder (and me)
		expect(m.removable(POLITIE)).toBe(true);
		m.start(POLITIE);
		m.reason = 'no-longer-involved';
		m.note = 'Aangifte afgerond';
		expect(await m.submit(t)).toBe(true);
		expect(oc.queued.map((e) => e.kind)).toEqual(['remove', 'record']);
		expect(oc.queued[0]).toEqual({ kind: 'remove', userId: POLITIE, reason: 'no-longer-involved' });
		expect(m.removing).toBeNull();
	});

	it('refuses free text as a reason, and the regiehouder as the one removed', async () => {
		const oc = fakeCase({ me: CHAIR });
		const m = new RemoveForm(oc);
		m.start(POLITIE);
		(m as unknown as { reason: string }).reason = 'weg';
		expect(await m.submit(t)).toBe(false);
		expect(m.form.errors['remove.reason']).toBe('form.chooseOne');
		m.start(CSG);
		m.reason = 'replaced';
		expect(await m.submit(t)).toBe(false);
		expect(m.form.refusal?.code).toBe('would-remove-regie');
	});
});

describe('membership notes in the case view', () => {
	it('are folded into the member’s history, and only from a coordinator', () => {
		const note = (sender: string, text: string) =>
			recordEvent(
				RECORD.membershipNote,
				{ v: 1, user: POLITIE, action: 'remove', code: 'no-longer-involved', note: text, at: '2026-11-20T10:00:00Z' },
				sender
			);
		const view = reduceCase([...opening(), note(CSG, 'Klaar'), note(POLITIE, 'Niet van mij')], ctx(NOW));
		expect(view.memberNotes[POLITIE]?.map((n) => n.record.note)).toEqual(['Klaar']);
		expect(view.flagged.map((f) => f.kind)).toEqual(['unauthorised']);
	});
});
