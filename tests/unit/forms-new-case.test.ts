import { describe, expect, it } from 'vitest';
import { NewCaseForm, type NewCaseDeps } from '../../src/lib/forms/new-case.svelte.ts';
import type { NewCasePlan } from '../../src/lib/state/new-case.ts';
import { refusal } from '../../src/lib/refusal.ts';
import { CHAIR, CSG, OUTSIDER, POLITIE, VT, directory } from '../support/domain-fixtures.ts';
import { t, NOW } from './forms-support.ts';

function deps(me = CSG, open?: NewCaseDeps['open']) {
	const plans: NewCasePlan[] = [];
	return {
		plans,
		deps: {
			directory,
			me,
			open:
				open ??
				(async (plan: NewCasePlan) => {
					plans.push(plan);
					return { roomId: '!new:hs', reference: 'DH-2026-0001', warnings: [] };
				})
		} satisfies NewCaseDeps
	};
}

function fill(m: NewCaseForm) {
	m.person.name = 'Naam';
	m.summary = 'Het verhaal';
	m.mdtSummary = 'Melding van seksueel geweld, slachtoffer volwassen.';
}

describe('the new case form', () => {
	it('starts with my own organisation covered, VT on its statutory ground, everyone else on consent', () => {
		const m = new NewCaseForm(deps().deps, NOW);
		expect(m.myOrg).toBe('CSG');
		expect(m.receivingOrg).toBe('CSG');
		const row = (org: string) => m.access.find((a) => a.org === org);
		expect(row('CSG')).toMatchObject({ on: true, basis: 'consent' });
		expect(row('VT')).toMatchObject({ on: false, basis: 'statutory', ground: 'wmo2015-vt' });
		expect(row('POLITIE')).toMatchObject({ on: false, basis: 'consent', ground: '' });
		expect(m.consentPurposes).toEqual(['coordination', 'care']);
		expect(m.inviteReason).toBe('mdt-triage');
	});

	it('offers only members of covered organisations, never myself; drops invitees whose organisation is dropped', () => {
		const m = new NewCaseForm(deps().deps, NOW);
		expect(m.candidates.map((u) => u.userId)).toEqual([]);
		m.access.find((a) => a.org === 'VT')!.on = true;
		expect(m.candidates.map((u) => u.userId).sort()).toEqual([CHAIR, VT].sort());
		m.invitees = [VT];
		m.access.find((a) => a.org === 'VT')!.on = false;
		expect(m.allowedInvitees).toEqual([]);
		expect(m.candidates.some((u) => u.userId === OUTSIDER)).toBe(false);
	});

	it('refuses to open a case my own organisation would not be covered by', async () => {
		const { deps: d, plans } = deps();
		const m = new NewCaseForm(d, NOW);
		fill(m);
		m.access.find((a) => a.org === 'CSG')!.on = false;
		m.access.find((a) => a.org === 'POLITIE')!.on = true;
		expect(await m.submit(t)).toBeNull();
		expect(m.form.errors['access']).toBe('newCase.ownOrgRequired:{"org":"CSG"}');
		expect(plans).toEqual([]);
	});

	it('asks for a statutory ground', async () => {
		const m = new NewCaseForm(deps().deps, NOW);
		fill(m);
		const vt = m.access.find((a) => a.org === 'VT')!;
		vt.on = true;
		vt.ground = '';
		expect(await m.submit(t)).toBeNull();
		expect(m.form.errors['ground.VT']).toBe('newCase.groundRequired');
	});

	it('hands a validated plan over: access, intake, consent for consent-based organisations, invites with a code', async () => {
		const { deps: d, plans } = deps();
		const m = new NewCaseForm(d, NOW);
		fill(m);
		m.access.find((a) => a.org === 'VT')!.on = true;
		m.access.find((a) => a.org === 'POLITIE')!.on = true;
		m.invitees = [VT, POLITIE];
		m.inviteNote = 'Besproken in MDT-overleg';
		const outcome = await m.submit(t);
		expect(outcome?.roomId).toBe('!new:hs');
		const plan = plans[0]!;
		const byOrg = (a: { org: string }, b: { org: string }) => a.org.localeCompare(b.org);
		expect([...plan.newCase.access].sort(byOrg)).toEqual([
			{ org: 'CSG', basis: 'consent' },
			{ org: 'POLITIE', basis: 'consent' },
			{ org: 'VT', basis: 'statutory', ground: 'wmo2015-vt' }
		]);
		expect([...(plan.consent?.organisations ?? [])].sort()).toEqual(['CSG', 'POLITIE']);
		expect(plan.invites).toHaveLength(2);
		expect(plan.invites).toContainEqual({ userId: VT, reason: 'mdt-triage', note: 'Besproken in MDT-overleg' });
		expect(plan.invites).toContainEqual({ userId: POLITIE, reason: 'mdt-triage', note: 'Besproken in MDT-overleg' });
		expect(plan.intake.person).toEqual({ name: 'Naam' });
	});

	it("shows the server's refusal in both languages, or that it could not be reached", async () => {
		const refused = new NewCaseForm(
			deps(CSG, async () => {
				throw refusal('rate-limited', 'Te veel', 'Too many');
			}).deps,
			NOW
		);
		fill(refused);
		expect(await refused.submit(t)).toBeNull();
		expect(refused.form.refusal?.in('en')).toBe('Too many');
		const down = new NewCaseForm(
			deps(CSG, async () => {
				throw new TypeError('fetch failed');
			}).deps,
			NOW
		);
		fill(down);
		expect(await down.submit(t)).toBeNull();
		expect(down.form.refusal?.code).toBe('unavailable');
		expect(down.form.busy).toBe(false);
	});
});
