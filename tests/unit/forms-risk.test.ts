/**
 * Issue 14 in the form models: the intake is the risk assessment (new case and
 * intake revision), the triage weighs it again beside the decision (a changed
 * risk is a new version), the people around the victim, and police and care
 * steps. Driven without a browser.
 */
import { describe, expect, it } from 'vitest';
import { NewCaseForm } from '../../src/lib/forms/new-case.svelte.ts';
import { IntakeForm } from '../../src/lib/forms/intake.svelte.ts';
import { TriageForm } from '../../src/lib/forms/triage.svelte.ts';
import { StepForm } from '../../src/lib/forms/step.svelte.ts';
import { newChild, newOffender, newOther, peopleRows, peopleValue } from '../../src/lib/forms/risk.ts';
import type { NewCasePlan } from '../../src/lib/state/new-case.ts';
import { RECORD } from '../../src/lib/case/event-types.ts';
import { DOMAINS, unknownRisk } from '../../src/lib/case/records.ts';
import { reduceCase } from '../../src/lib/case/reducer.ts';
import {
	CHAIR,
	CSG,
	POLITIE,
	ctx,
	directory,
	intakeRecord,
	opening,
	recordEvent,
	T0
} from '../support/domain-fixtures.ts';
import { fakeCase, member, t, NOW } from './forms-support.ts';

const recordOf = (queued: { kind: string; type?: string; content?: unknown }[], type: string) =>
	queued.find((e) => e.kind === 'record' && e.type === type)?.content as Record<string, unknown> | undefined;

describe('the new-case form is the risk assessment', () => {
	it('starts with every risk item unknown and nobody around the victim; carries what is filled in', async () => {
		const plans: NewCasePlan[] = [];
		const m = new NewCaseForm(
			{
				directory,
				me: CSG,
				open: async (plan) => {
					plans.push(plan);
					return { roomId: '!new:hs', reference: 'DH-2026-0001', warnings: [] };
				}
			},
			NOW
		);
		expect(m.risk).toEqual(unknownRisk());
		expect(m.people).toEqual({ offenders: [], children: [], others: [] });
		m.person.name = 'Naam';
		m.summary = 'Het verhaal';
		m.mdtSummary = 'Melding van seksueel geweld.';
		m.sex = 'female';
		m.risk.immediate_danger = 'yes';
		m.people.offenders.push({ ...newOffender(), identity: 'known', relation: 'ex_partner', name: ' P. Leger ' });
		m.people.children.push(newChild());
		m.people.others.push({ ...newOther(), role: 'witness', notes: '' });
		expect(await m.submit(t)).not.toBeNull();
		const intake = plans[0]!.intake;
		expect(intake.risk?.immediate_danger).toBe('yes');
		expect(intake.person.sex).toBe('female');
		expect(intake.people).toEqual({
			offenders: [{ identity: 'known', relation: 'ex_partner', minor: 'unknown', name: 'P. Leger' }],
			children: [{ relation: 'child_in_household', age_band: 'unknown' }],
			others: [{ role: 'witness' }]
		});
	});

	it('refuses a value outside the answer set, per field', async () => {
		const m = new NewCaseForm(
			{ directory, me: CSG, open: async () => ({ roomId: '!x', reference: 'DH-2026-0001', warnings: [] }) },
			NOW
		);
		m.person.name = 'Naam';
		m.summary = 'Het verhaal';
		m.mdtSummary = 'Melding.';
		(m.risk as Record<string, string>).threats = 'misschien';
		expect(await m.submit(t)).toBeNull();
		expect(Object.keys(m.form.errors)).toContain('risk.threats');
	});
});

describe('the intake revision', () => {
	const withIntake = (extra: object = {}) =>
		reduceCase([...opening(), recordEvent(RECORD.intake, { ...intakeRecord(), ...extra }, CSG, T0 + 1000)], ctx(NOW));

	it('an old intake without risk opens with every item unknown; a changed risk alone is a new version', async () => {
		const oc = fakeCase({ view: withIntake() });
		const m = new IntakeForm(oc);
		expect(m.risk).toEqual(unknownRisk());
		expect(await m.submit(t)).toBe(false);
		expect(m.form.errors.summary).toBe('intake.unchanged');
		m.risk.self_harm = 'yes';
		expect(await m.submit(t)).toBe(true);
		expect(recordOf(oc.queued, RECORD.intake)).toMatchObject({
			risk: { self_harm: 'yes' },
			supersedes: expect.any(String)
		});
	});

	it('prefills the recorded risk and people', () => {
		const people = {
			offenders: [{ identity: 'unknown', relation: 'stranger', minor: 'unknown' }],
			children: [],
			others: []
		};
		const m = new IntakeForm(fakeCase({ view: withIntake({ risk: { ...unknownRisk(), threats: 'yes' }, people }) }));
		expect(m.risk.threats).toBe('yes');
		expect(m.people.offenders[0]).toMatchObject({ relation: 'stranger', name: '', notes: '' });
		expect(peopleValue(peopleRows(people as never))).toEqual(people);
	});
});

describe('the triage form weighs the risk beside the decision', () => {
	it('starts from the current weighing and shows what changed; the decision carries the risk', async () => {
		const view = reduceCase(
			[
				...opening(),
				recordEvent(RECORD.intake, { ...intakeRecord(), risk: { ...unknownRisk(), threats: 'yes' } }, CSG, T0)
			],
			ctx(NOW)
		);
		const oc = fakeCase({ me: CHAIR, view });
		const m = new TriageForm(oc, NOW);
		expect(m.risk.threats).toBe('yes');
		expect(m.riskSummary).toEqual({ concerns: ['threats'], changed: [] });
		m.risk.threats = 'no';
		m.risk.overall = 'unsafe';
		expect(m.riskSummary).toEqual({ concerns: ['overall'], changed: ['threats', 'overall'] });
		for (const d of DOMAINS) m.domains[d].rationale = `Waarom ${d}`;
		expect(await m.submit(t)).toBe(true);
		expect(recordOf(oc.queued, RECORD.triage)).toMatchObject({ risk: { threats: 'no', overall: 'unsafe' } });
	});
});

describe('the step form', () => {
	it('offers the outcomes of the chosen step and records it as a fact', async () => {
		const oc = fakeCase({ me: POLITIE });
		const m = new StepForm(oc, NOW);
		expect(m.date).toBe('2026-11-20');
		m.choose('aangifte');
		expect(m.outcomes).toEqual(['yes', 'no', 'considering']);
		expect(m.outcome).toBe('yes');
		m.outcome = 'considering';
		m.choose('fmo');
		expect(m.outcome).toBe('done');
		m.note = 'Met zedenrechercheur';
		expect(await m.submit(t)).toBe(true);
		expect(recordOf(oc.queued, RECORD.step)).toMatchObject({ step: 'fmo', outcome: 'done', date: '2026-11-20' });
		expect(m.note).toBe('');
	});

	it('refuses someone who is not a member, and a missing date per field', async () => {
		const m = new StepForm(fakeCase({ me: POLITIE, members: [member(CSG)] }), NOW);
		expect(await m.submit(t)).toBe(false);
		expect(m.form.refusal?.code).toBe('not-member');
		const n = new StepForm(fakeCase({ me: POLITIE }), NOW);
		n.date = '';
		expect(await n.submit(t)).toBe(false);
		expect(Object.keys(n.form.errors)).toContain('date');
	});
});
