import { describe, expect, it } from 'vitest';
import { TriageForm } from '../../src/lib/forms/triage.svelte.ts';
import { RegieForm } from '../../src/lib/forms/regie.svelte.ts';
import { ConsentForm } from '../../src/lib/forms/consent.svelte.ts';
import { UpdateForm } from '../../src/lib/forms/update.svelte.ts';
import { CloseForm } from '../../src/lib/forms/close.svelte.ts';
import { RECORD, STATE } from '../../src/lib/case/event-types.ts';
import { DOMAINS } from '../../src/lib/case/records.ts';
import { reduceCase } from '../../src/lib/case/reducer.ts';
import { CHAIR, CSG, POLITIE, SHN, VT, ctx, opening, recordEvent, triageRecord } from '../support/domain-fixtures.ts';
import { fakeCase, member, t, NOW } from './forms-support.ts';

describe('the triage form', () => {
	it('starts from the case: regie as it is, all joined members taking part, review in a week', () => {
		const m = new TriageForm(fakeCase({ me: CHAIR }), NOW);
		expect(m.reason).toBe('initial');
		expect(m.regiehouder).toBe(CSG);
		expect(m.selected.sort()).toEqual([CHAIR, CSG, POLITIE, SHN, VT].sort());
		expect(m.nextReview).toBe('2026-11-27');
		// Regie belongs to case managers of the regie organisations (CSG, VT, SHN): not the police.
		expect(m.candidates.sort()).toEqual([CHAIR, CSG, SHN, VT].sort());
		expect(m.covered('OM')).toBe(false);
	});

	it('a re-triage starts from the latest decision', () => {
		const view = reduceCase([...opening(), recordEvent(RECORD.triage, triageRecord(1, null), CHAIR)], ctx(NOW));
		const m = new TriageForm(fakeCase({ me: CHAIR, view }), NOW);
		expect(m.reason).toBe('changed_situation');
		expect(m.domains.veiligheid.rationale).toBe(view.triage.latest!.record.domains.veiligheid.rationale);
	});

	it('records the decision, or shows what is missing per field', async () => {
		const oc = fakeCase({ me: CHAIR });
		const m = new TriageForm(oc, NOW);
		expect(await m.submit(t)).toBe(false);
		expect(m.form.errors['domains.veiligheid.rationale']).toBe('form.required');
		for (const d of DOMAINS) m.domains[d].rationale = `Waarom ${d}`;
		m.deputy = VT;
		expect(await m.submit(t)).toBe(true);
		expect(oc.queued.map((e) => ('type' in e ? e.type : e.kind))).toContain(RECORD.triage);
	});

	it('refuses the same person as regiehouder and deputy (a domain refusal)', async () => {
		const m = new TriageForm(fakeCase({ me: CHAIR }), NOW);
		for (const d of DOMAINS) m.domains[d].rationale = 'x';
		m.deputy = CSG;
		expect(await m.submit(t)).toBe(false);
		expect(m.form.refusal?.in('en')).toBe('The deputy must be someone other than the regiehouder.');
	});
});

describe('the regie form', () => {
	it('hands over to a candidate with a reason; the same candidate list as triage', async () => {
		const oc = fakeCase();
		const m = new RegieForm(oc);
		expect(m.candidates).toEqual(new TriageForm(oc, NOW).candidates);
		// the current regiehouder is not offered as the new one; the one it goes to is not offered as deputy
		const current = oc.view.regie.regiehouder;
		expect(current && m.candidates.includes(current)).toBe(true);
		expect(m.toOptions).not.toContain(current);
		expect(m.toOptions).toContain(VT);
		m.to = VT;
		expect(m.deputyOptions).not.toContain(VT);
		expect(m.deputyOptions).toContain(current);
		m.reason = 'Verlof';
		expect(await m.submit(t)).toBe(true);
		expect(oc.queued.at(-1)).toEqual({ kind: 'handover', to: VT, deputy: null });
	});

	it('refuses someone who is not a member', async () => {
		const m = new RegieForm(fakeCase({ members: [member(CSG), member(VT)] }));
		m.to = SHN;
		m.reason = 'Verlof';
		expect(await m.submit(t)).toBe(false);
		expect(m.form.refusal?.code).toBe('not-member');
	});
});

describe('the consent form', () => {
	it('gives consent for the default purposes', async () => {
		const oc = fakeCase();
		const m = new ConsentForm(oc);
		expect(m.purposes).toEqual(['coordination', 'care']);
		m.organisations = ['OM'];
		expect(await m.submit(t)).toBe(true);
		expect(oc.queued.find((e) => e.kind === 'state')).toMatchObject({ type: STATE.access });
	});

	it('previews who loses access when consent is withdrawn, removed with the code consent-withdrawn', async () => {
		const oc = fakeCase();
		const m = new ConsentForm(oc);
		m.status = 'withdrawn';
		m.organisations = ['POLITIE'];
		expect(m.removals).toEqual([POLITIE]);
		expect(m.consentBased).toContain('POLITIE');
		expect(await m.submit(t)).toBe(true);
		expect(oc.queued).toContainEqual({ kind: 'remove', userId: POLITIE, reason: 'consent-withdrawn' });
	});

	it('asks for the statutory ground when the basis is statutory', async () => {
		const m = new ConsentForm(fakeCase());
		m.organisations = ['OM'];
		m.basisKind = 'statutory';
		expect(await m.submit(t)).toBe(false);
		expect(m.form.errors['basis.ground']).toBeDefined();
		m.ground = 'wjsg';
		expect(await m.submit(t)).toBe(true);
	});
});

describe('the update form', () => {
	it('leaves out empty rows and posts as the regiehouder', async () => {
		const oc = fakeCase();
		const m = new UpdateForm(oc, NOW);
		expect(m.contact.date).toBe('2026-11-20');
		m.contact.summary = 'Gebeld';
		m.signals = ['', 'Slaapt slecht'];
		m.nextSteps = 'Bellen';
		expect(await m.submit(t)).toBe(true);
		expect(oc.queued[0]).toMatchObject({
			type: RECORD.update,
			content: { actions_agreed: [], signals: ['Slaapt slecht'], contact: { mode: 'phone' } }
		});
	});

	it('refuses a member who does not hold regie', async () => {
		const m = new UpdateForm(fakeCase({ me: POLITIE }), NOW);
		m.hadContact = false;
		expect(await m.submit(t)).toBe(false);
		expect(m.form.refusal?.code).toBe('not-allowed');
	});
});

describe('the close form', () => {
	it('defaults: CSG follows up 6 and 12 months after closure, retention from the policy, everyone joined takes part', () => {
		const m = new CloseForm(fakeCase(), NOW);
		expect(m.followUp).toEqual([
			{ date: '2027-05-20', org: 'CSG' },
			{ date: '2027-11-20', org: 'CSG' }
		]);
		expect(m.retention).toBe(12);
		expect(m.selected).toHaveLength(5);
		m.addFollowUp(NOW);
		expect(m.followUp[2]).toEqual({ date: '2028-05-20', org: 'CSG' });
		m.removeFollowUp(2);
		m.removeFollowUp(1);
		expect(m.followUp).toHaveLength(1);
	});

	it("follows up from the closer's own organisation when CSG is not in the case", () => {
		const view = reduceCase(opening(), ctx(NOW));
		view.access = view.access.filter((a) => a.org !== 'CSG');
		const m = new CloseForm(fakeCase({ me: VT, view }), NOW);
		expect(m.followUp[0]?.org).toBe('VT');
	});

	it('takes the deployment policy: its default, and refuses months outside its window', async () => {
		const policy = { default_months: 24, min_months: 6, max_months: 36 };
		const oc = fakeCase({ context: { retention: policy } });
		const m = new CloseForm(oc, NOW);
		expect(m.retention).toBe(24);
		m.explanation = 'Hulp afgerond';
		m.confirmed = true;
		m.retention = 60;
		expect(await m.submit(t)).toBe(false);
		expect(m.form.errors['retention_months']).toBe('form.between:{"min":6,"max":36}');
		m.retention = 36;
		expect(await m.submit(t)).toBe(true);
		expect(oc.queued[0]).toMatchObject({ type: RECORD.closure, content: { retention_months: 36 } });
	});

	it('asks for the confirmation before closing', async () => {
		const oc = fakeCase();
		const m = new CloseForm(oc, NOW);
		m.explanation = 'Hulp afgerond';
		expect(await m.submit(t)).toBe(false);
		expect(m.form.errors['confirm']).toBe('closure.confirmNeeded');
		expect(oc.queued).toEqual([]);
	});

	it('the domain refuses a closure outside the policy even when the form is bypassed', async () => {
		const oc = fakeCase({ context: { retention: { default_months: 12, min_months: 6, max_months: 24 } } });
		const m = new CloseForm(oc, NOW);
		m.usePolicy({ default_months: 12, min_months: 1, max_months: 120 }); // a stale window in the form
		m.explanation = 'x';
		m.confirmed = true;
		m.retention = 100;
		expect(await m.submit(t)).toBe(false);
		expect(m.form.refusal?.in('nl')).toBe('De bewaartermijn moet tussen 6 en 24 maanden liggen.');
	});
});
