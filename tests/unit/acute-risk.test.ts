/**
 * Issue 14 in the domain: the risk assessment (intake and triage, versioned),
 * the people around the victim, police and care steps as facts, the acute
 * clock, the case-list order, follow-up, and nl/en texts for every new label.
 * Old records without the new fields read as before.
 */
import { describe, expect, it } from 'vitest';
import { reduceCase } from '../../src/lib/case/reducer.ts';
import { recordIntake, recordStep, recordTriage, type Membership } from '../../src/lib/case/commands.ts';
import {
	AGE_BANDS,
	CHILD_RELATIONS,
	IntakeRecord,
	OFFENDER_RELATIONS,
	OTHER_ROLES,
	RISK_ITEMS,
	RISK_ITEM_KEYS,
	RiskAssessment,
	STEP_KINDS,
	STEP_OUTCOMES,
	StepRecord,
	TriageRecord,
	riskChanges,
	riskConcerns,
	unknownRisk,
	type PeopleAround
} from '../../src/lib/case/records.ts';
import {
	CLOCK_ITEMS,
	acuteClock,
	acuteClockOf,
	byUrgency,
	clockFactsFromEvents,
	nextDeadline,
	type ClockInput,
	type ListOrderItem
} from '../../src/lib/case/acute.ts';
import { defaultFollowUps, followUpOf } from '../../src/lib/case/follow-up.ts';
import nl from '../../src/lib/i18n/nl.json';
import en from '../../src/lib/i18n/en.json';
import {
	CHAIR,
	CSG,
	POLITIE,
	SERVICE,
	SHN,
	STATE,
	RECORD,
	T0,
	VT,
	caseState,
	closureRecord,
	regieState,
	ctx,
	intakeRecord,
	opening,
	recordEvent,
	stateEvent,
	triageRecord,
	updateRecord
} from '../support/domain-fixtures.ts';

const joined = (now: number, ...users: string[]) => ({
	...ctx(now),
	members: new Map<string, Membership>(users.map((u) => [u, 'join']))
});

const risk = (over: Partial<RiskAssessment> = {}): RiskAssessment => ({ ...unknownRisk(), ...over });
const people: PeopleAround = {
	offenders: [{ identity: 'known', relation: 'ex_partner', minor: 'no', name: 'P. Leger' }],
	children: [{ relation: 'child_in_household', age_band: '4_11' }],
	others: [{ role: 'parent_or_guardian' }]
};
const step = (kind: string, outcome: string, date: string, at = '2026-11-20T12:00:00Z') => ({
	v: 1,
	step: kind,
	outcome,
	date,
	at
});

describe('schemas', () => {
	it('a risk assessment has a closed answer set per item, unknown always allowed', () => {
		for (const k of RISK_ITEM_KEYS) {
			expect(RISK_ITEMS[k]).toContain('unknown');
			expect(RiskAssessment.safeParse(risk({ [k]: 'unknown' })).success).toBe(true);
			expect(RiskAssessment.safeParse({ ...risk(), [k]: 'misschien' }).success, k).toBe(false);
		}
		expect(RiskAssessment.safeParse({ ...risk(), notes: 'vrije tekst' }).success).toBe(false);
		const { threats: _t, ...missing } = risk();
		expect(RiskAssessment.safeParse(missing).success).toBe(false);
	});

	it('an intake or triage from before issue 14 (no risk, no people, no sex) still parses', () => {
		expect(IntakeRecord.safeParse(intakeRecord()).success).toBe(true);
		expect(TriageRecord.safeParse(triageRecord(1, null)).success).toBe(true);
		expect(IntakeRecord.safeParse({ ...intakeRecord(), risk: risk(), people }).success).toBe(true);
		const p = { ...intakeRecord().person, sex: 'female' };
		expect(IntakeRecord.safeParse({ ...intakeRecord(), person: p }).success).toBe(true);
		expect(IntakeRecord.safeParse({ ...intakeRecord(), person: { ...p, sex: 'v' } }).success).toBe(false);
	});

	it('each step takes only its own outcomes and a date', () => {
		for (const kind of STEP_KINDS)
			for (const outcome of STEP_OUTCOMES[kind])
				expect(StepRecord.safeParse(step(kind, outcome, '2026-11-20')).success, `${kind} ${outcome}`).toBe(true);
		expect(StepRecord.safeParse(step('fmo', 'yes', '2026-11-20')).success).toBe(false);
		expect(StepRecord.safeParse(step('aangifte', 'done', '2026-11-20')).success).toBe(false);
		expect(StepRecord.safeParse(step('aangifte', 'yes', '20-11-2026')).success).toBe(false);
		expect(StepRecord.safeParse(step('sporen', 'done', '2026-11-20')).success).toBe(false);
	});

	it('concerns and changes between assessments', () => {
		const r = risk({ immediate_danger: 'yes', safe_place: 'no', injuries: 'minor', overall: 'concerns' });
		expect(riskConcerns(r)).toEqual(['immediate_danger', 'safe_place', 'overall']);
		expect(riskChanges(null, risk({ threats: 'no' }))).toEqual(['threats']);
		expect(riskChanges(r, { ...r, safe_place: 'yes' })).toEqual(['safe_place']);
	});
});

describe('the reducer folds risk, people and steps', () => {
	const withIntake = (extra: object = {}) => [
		...opening(),
		recordEvent(RECORD.intake, { ...intakeRecord(), ...extra }, CSG, T0 + 1000)
	];

	it('reads an old intake: no risk, no people, no steps', () => {
		const view = reduceCase(withIntake(), ctx());
		expect(view.flagged).toEqual([]);
		expect(view.risk).toEqual({ current: null, versions: [] });
		expect(view.people).toBeNull();
		expect(view.steps).toEqual({ latest: {}, all: [] });
	});

	it('the intake is the risk assessment; the triage weighs it again and a change is a new version', () => {
		const intake = recordEvent(
			RECORD.intake,
			{ ...intakeRecord(), risk: risk({ immediate_danger: 'yes' }), people },
			CSG,
			T0 + 1000
		);
		const t1 = recordEvent(
			RECORD.triage,
			{ ...triageRecord(1, null), risk: risk({ immediate_danger: 'no', safe_place: 'yes' }) },
			CHAIR,
			T0 + 2000
		);
		let view = reduceCase([...opening(), intake, t1], ctx());
		expect(view.flagged).toEqual([]);
		expect(view.people?.offenders[0]?.relation).toBe('ex_partner');
		expect(view.risk.versions.map((v) => v.source)).toEqual(['intake', 'triage']);
		expect(view.risk.current?.source).toBe('triage');
		expect(view.risk.current?.changed).toEqual(['immediate_danger', 'safe_place']);

		// a re-triage with the same risk is no new risk version
		const t2 = recordEvent(
			RECORD.triage,
			{ ...triageRecord(2, t1.id), risk: risk({ immediate_danger: 'no', safe_place: 'yes' }) },
			CHAIR,
			T0 + 3000
		);
		// an intake correction that restates its own risk does not undo the triage's weighing
		const revision = recordEvent(
			RECORD.intake,
			{ ...intakeRecord(), summary: 'Aangevuld.', risk: risk({ immediate_danger: 'yes' }), supersedes: intake.id },
			CHAIR,
			T0 + 4000
		);
		view = reduceCase([...opening(), intake, t1, t2, revision], ctx());
		expect(view.flagged).toEqual([]);
		expect(view.intakeVersions).toHaveLength(2);
		expect(view.risk.versions).toHaveLength(2);
		expect(view.risk.current?.eventId).toBe(t1.id);
	});

	it('steps: any member records one, the latest by date is the fact, nothing after closure', () => {
		const s1 = recordEvent(RECORD.step, step('aangifte', 'considering', '2026-11-20'), POLITIE, T0 + 2000);
		const s2 = recordEvent(RECORD.step, step('aangifte', 'yes', '2026-11-22'), POLITIE, T0 + 3000);
		const late = recordEvent(RECORD.step, step('aangifte', 'no', '2026-11-21'), VT, T0 + 4000);
		const fmo = recordEvent(RECORD.step, step('fmo', 'done', '2026-11-20'), CSG, T0 + 5000);
		const view = reduceCase([...withIntake(), s1, s2, late, fmo], ctx());
		expect(view.flagged).toEqual([]);
		expect(view.steps.all).toHaveLength(4);
		expect(view.steps.latest.aangifte?.record.outcome).toBe('yes');
		expect(view.steps.latest.fmo?.sender).toBe(CSG);
	});

	it('flags a step in plaintext, a malformed one, one by the service, and one after closure', () => {
		const closed = [
			...withIntake(),
			stateEvent(STATE.case, caseState({ phase: 'regie' })),
			recordEvent(RECORD.closure, closureRecord(), CSG, T0 + 3000)
		];
		const view = reduceCase(
			[
				...withIntake(),
				recordEvent(RECORD.step, step('fmo', 'done', '2026-11-20'), CSG, T0 + 2000, false),
				recordEvent(RECORD.step, step('fmo', 'yes', '2026-11-20'), CSG, T0 + 2000),
				recordEvent(RECORD.step, step('fmo', 'done', '2026-11-20'), SERVICE, T0 + 2000)
			],
			ctx()
		);
		expect(view.flagged.map((f) => f.kind)).toEqual(['invalid', 'invalid', 'unauthorised']);
		expect(view.steps.all).toEqual([]);
		const after = reduceCase([...closed, recordEvent(RECORD.step, step('fmo', 'done', '2026-11-20'), CSG)], ctx());
		expect(after.flagged.at(-1)?.problem).toMatch(/closed/);
	});
});

describe('commands', () => {
	const view = () => reduceCase([...opening(), recordEvent(RECORD.intake, intakeRecord(), CSG, T0 + 1000)], ctx());
	const now = Date.parse('2026-11-21T10:00:00Z');

	it('a member records a step; someone outside the case cannot; a done step cannot lie in the future', () => {
		const ok = recordStep(view(), POLITIE, joined(now, POLITIE), {
			step: 'informatief_gesprek',
			outcome: 'done',
			date: '2026-11-21'
		});
		expect(ok.ok && ok.effects[0]).toMatchObject({
			kind: 'record',
			type: RECORD.step,
			content: { v: 1, step: 'informatief_gesprek', outcome: 'done', at: '2026-11-21T10:00:00Z' }
		});
		const outside = recordStep(view(), POLITIE, joined(now, CSG), { step: 'fmo', outcome: 'done', date: '2026-11-21' });
		expect(!outside.ok && outside.error.code).toBe('not-member');
		const future = recordStep(view(), POLITIE, joined(now, POLITIE), {
			step: 'fmo',
			outcome: 'done',
			date: '2026-11-25'
		});
		expect(!future.ok && future.error.in('nl')).toMatch(/toekomst/);
		const planned = recordStep(view(), POLITIE, joined(now, POLITIE), {
			step: 'informatief_gesprek',
			outcome: 'planned',
			date: '2026-11-25'
		});
		expect(planned.ok).toBe(true);
	});

	it('the intake and the triage carry the risk and the people into their records', () => {
		const fresh = reduceCase(opening(), ctx());
		const { reference: _r, region: _g, first_report_at: _f, ...facts } = intakeRecord().facts;
		const r = recordIntake(fresh, CSG, joined(now, CSG), {
			facts,
			person: { name: 'A' },
			summary: 'Verhaal',
			risk: risk({ threats: 'yes' }),
			people
		} as never);
		expect(r.ok && (r.effects[0] as { content: { risk: unknown; people: unknown } }).content).toMatchObject({
			risk: { threats: 'yes' },
			people: { children: [{ age_band: '4_11' }] }
		});
		const { v: _v, seq: _s, supersedes: _p, decided_at: _d, ...triage } = triageRecord(1, null);
		const withMembers = {
			...joined(now, CSG, CHAIR, SHN),
			members: new Map<string, Membership>([CSG, CHAIR, SHN].map((u) => [u, 'join']))
		};
		const tr = recordTriage(view(), CHAIR, withMembers, { ...triage, risk: risk({ overall: 'unsafe' }) } as never);
		expect(tr.ok && tr.effects.find((e) => e.kind === 'record')).toMatchObject({
			content: { risk: { overall: 'unsafe' } }
		});
	});
});

describe('the acute clock', () => {
	const base: ClockInput = {
		acute: true,
		phase: 'triage',
		firstReportAt: '2026-11-20T09:00:00Z',
		incidentDate: '2026-11-19',
		vtSince: null,
		steps: {}
	};
	const at = (iso: string) => Date.parse(iso);

	it('only for an acute, open case', () => {
		expect(acuteClock({ ...base, acute: false }, T0)).toBeNull();
		expect(acuteClock({ ...base, acute: null }, T0)).toBeNull();
		expect(acuteClock({ ...base, phase: 'closed' }, T0)).toBeNull();
		expect(acuteClock({ ...base, firstReportAt: null }, T0)).toBeNull();
	});

	it('counts from the incident: emergency care 72 hours, FMO and the window 7 days', () => {
		const clock = acuteClock(base, at('2026-11-20T10:00:00Z'))!;
		expect(clock.anchorKind).toBe('incident');
		expect(clock.windowEnds).toBe('2026-11-26T00:00:00.000Z');
		expect(clock.items.map((i) => [i.kind, i.due, i.status])).toEqual([
			['emergency_care', '2026-11-22T00:00:00.000Z', 'open'],
			['fmo_evidence', '2026-11-26T00:00:00.000Z', 'open'],
			['acute_window', '2026-11-26T00:00:00.000Z', 'open']
		]);
		expect(clock.next?.kind).toBe('emergency_care');
		expect(clock.running).toBe(true);
	});

	it('without an incident date it counts from the report; reported after 72 hours, emergency care is due at once', () => {
		const fromReport = acuteClock({ ...base, incidentDate: null }, T0)!;
		expect(fromReport.anchorKind).toBe('report');
		expect(fromReport.items[0]).toMatchObject({ kind: 'emergency_care', due: '2026-11-23T09:00:00.000Z' });
		const late = acuteClock({ ...base, incidentDate: '2026-11-15' }, T0)!;
		expect(late.items.find((i) => i.kind === 'emergency_care')?.due).toBe('2026-11-20T09:00:00.000Z');
		// an incident date after the report is not an anchor
		expect(acuteClock({ ...base, incidentDate: '2026-11-25' }, T0)!.anchorKind).toBe('report');
	});

	it("VT's 5-day safety assessment only where VT takes part, from when VT received the case", () => {
		const clock = acuteClock({ ...base, vtSince: '2026-11-20T11:00:00Z' }, T0)!;
		expect(clock.items.find((i) => i.kind === 'vt_safety_assessment')?.due).toBe('2026-11-25T11:00:00.000Z');
		expect(acuteClock(base, T0)!.items.some((i) => i.kind === 'vt_safety_assessment')).toBe(false);
	});

	it('ticks items off as the record says; overdue when the time passed; the window ends', () => {
		const steps = {
			acute_medical_care: { outcome: 'done', date: '2026-11-20' },
			fmo: { outcome: 'declined', date: '2026-11-20' }
		};
		const ticked = acuteClock({ ...base, steps }, at('2026-11-21T09:00:00Z'))!;
		expect(ticked.items.map((i) => i.status)).toEqual(['done', 'settled', 'open']);
		expect(ticked.next).toBeNull();
		expect(ticked.running).toBe(true);
		const overdue = acuteClock({ ...base, vtSince: base.firstReportAt }, at('2026-11-23T00:00:00Z'))!;
		expect(overdue.next).toMatchObject({ kind: 'emergency_care', status: 'overdue' });
		const over = acuteClock({ ...base, steps: { ...steps } }, at('2026-11-27T00:00:00Z'))!;
		expect(over.items.find((i) => i.kind === 'acute_window')?.status).toBe('passed');
		expect(over.running).toBe(false);
	});

	it('the case view gives the clock its facts: incident date, VT access, steps', () => {
		const view = reduceCase(
			[
				...opening(),
				recordEvent(
					RECORD.intake,
					{ ...intakeRecord(), facts: { ...intakeRecord().facts, incident_date: '2026-11-19' } },
					CSG,
					T0
				),
				recordEvent(RECORD.step, step('acute_medical_care', 'done', '2026-11-20'), CSG, T0 + 1000),
				recordEvent(RECORD.step, step('vt_safety_assessment', 'done', '2026-11-21'), VT, T0 + 2000)
			],
			ctx()
		);
		const clock = acuteClockOf(view, at('2026-11-21T12:00:00Z'))!;
		expect(clock.items.map((i) => [i.kind, i.status])).toEqual([
			['emergency_care', 'done'],
			['vt_safety_assessment', 'done'],
			['fmo_evidence', 'open'],
			['acute_window', 'open']
		]);
		expect(clock.next?.kind).toBe('fmo_evidence');
		// the case list reads the same facts from the decrypted records it has
		const facts = clockFactsFromEvents(
			[
				recordEvent(
					RECORD.intake,
					{ ...intakeRecord(), facts: { ...intakeRecord().facts, incident_date: '2026-11-19' } },
					CSG
				),
				recordEvent(RECORD.step, step('fmo', 'done', '2026-11-20'), CSG),
				recordEvent(RECORD.step, step('fmo', 'done', '2026-11-20'), CSG, T0, false),
				recordEvent(RECORD.step, step('fmo', 'nonsense', '2026-11-21'), CSG)
			],
			SERVICE
		);
		expect(facts).toEqual({ incidentDate: '2026-11-19', steps: { fmo: { outcome: 'done', date: '2026-11-20' } } });
	});
});

describe('the case list order', () => {
	const row = (over: Partial<ListOrderItem>): ListOrderItem => ({
		membership: 'join',
		phase: 'triage',
		acute: false,
		triaged: false,
		triageOverdue: false,
		reviewOverdue: false,
		triageDeadline: '2026-11-21T09:00:00.000Z',
		acuteNext: null,
		lastActivity: 0,
		...over
	});

	it('an acute case ranks above a non-acute one with the same deadline', () => {
		const plain = row({ lastActivity: 10 });
		const acute = row({ acute: true, lastActivity: 1 });
		expect([plain, acute].sort(byUrgency)).toEqual([acute, plain]);
	});

	it("the acute clock's next item is a deadline too, and an overdue one comes first", () => {
		const soon = {
			kind: 'emergency_care' as const,
			due: '2026-11-20T20:00:00.000Z',
			status: 'open' as const,
			outcome: null,
			date: null
		};
		const triaged = row({ triaged: true, phase: 'regie', acute: true, acuteNext: soon });
		expect(nextDeadline(triaged)).toBe(soon.due);
		const untriaged = row({ triageDeadline: '2026-11-20T22:00:00.000Z' });
		const overdue = row({ triaged: true, phase: 'regie', acute: true, acuteNext: { ...soon, status: 'overdue' } });
		expect([untriaged, triaged, overdue].sort(byUrgency)).toEqual([overdue, untriaged, triaged]);
		expect(nextDeadline(row({ triaged: true, phase: 'regie' }))).toBe('2026-11-21T09:00:00.000Z');
	});
});

describe('follow-up', () => {
	const regie = () => [
		...opening(),
		recordEvent(RECORD.intake, intakeRecord(), CSG, T0),
		recordEvent(RECORD.triage, triageRecord(1, null, SHN, '2026-11-20T15:00:00Z'), CHAIR, T0 + 1000),
		stateEvent(STATE.regie, regieState(SHN), SERVICE, T0 + 1500)
	];

	it('watchful waiting: at least four weeks from the triage, a reminder after a week without contact', () => {
		const contact = recordEvent(
			RECORD.update,
			{ ...updateRecord(), contact: { date: '2026-11-24', mode: 'phone', summary: 'gebeld' } },
			SHN,
			T0 + 2000
		);
		const before = followUpOf(reduceCase(regie(), ctx()), Date.parse('2026-11-28T09:00:00Z')).watchful!;
		expect(before).toMatchObject({ until: '2026-12-18', lastContact: null, nextContactDue: '2026-11-27' });
		expect(before.contactOverdue).toBe(true);
		const view = reduceCase([...regie(), contact], ctx());
		const after = followUpOf(view, Date.parse('2026-11-28T09:00:00Z')).watchful!;
		expect(after).toMatchObject({ lastContact: '2026-11-24', nextContactDue: '2026-12-01', contactOverdue: false });
		expect(followUpOf(view, Date.parse('2026-12-20T00:00:00Z')).watchful?.completed).toBe(true);
	});

	it('after closure: the planned moments, due or planned, without reopening', () => {
		const closure = {
			...closureRecord(),
			follow_up: [
				{ date: '2027-06-20', org: 'CSG' },
				{ date: '2026-12-21', org: 'CSG' }
			]
		};
		const view = reduceCase([...regie(), recordEvent(RECORD.closure, closure, SHN, T0 + 5000)], ctx());
		const f = followUpOf(view, Date.parse('2027-01-05T00:00:00Z'));
		expect(f.watchful).toBeNull();
		expect(f.afterClosure).toEqual([
			{ date: '2026-12-21', org: 'CSG', status: 'due' },
			{ date: '2027-06-20', org: 'CSG', status: 'planned' }
		]);
		expect(view.phase).toBe('closed');
	});

	it('a closure plans follow-ups at 6 and 12 months by default', () => {
		expect(defaultFollowUps(Date.parse('2026-08-31T10:00:00Z'), 'CSG')).toEqual([
			{ date: '2027-02-28', org: 'CSG' },
			{ date: '2027-08-31', org: 'CSG' }
		]);
	});
});

describe('texts', () => {
	type Tree = { [k: string]: string | Tree };
	const get = (tree: Tree, path: string): unknown =>
		path.startsWith('recordType.')
			? (tree.recordType as Tree)[path.slice('recordType.'.length)]
			: path.split('.').reduce<unknown>((node, k) => (node as Tree | undefined)?.[k], tree);
	const keys = [
		...RISK_ITEM_KEYS.map((k) => `riskItem.${k}`),
		...[...new Set(Object.values(RISK_ITEMS).flat())].map((a) => `riskAnswer.${a}`),
		...OFFENDER_RELATIONS.map((r) => `offenderRelation.${r}`),
		...CHILD_RELATIONS.map((r) => `childRelation.${r}`),
		...AGE_BANDS.map((a) => `ageBand.${a}`),
		...OTHER_ROLES.map((r) => `otherRole.${r}`),
		...['known', 'unknown'].map((i) => `identity.${i}`),
		...['female', 'male', 'other', 'unknown'].map((s) => `sex.${s}`),
		...STEP_KINDS.map((s) => `step.kinds.${s}`),
		...[...new Set(Object.values(STEP_OUTCOMES).flat())].map((o) => `stepOutcome.${o}`),
		...CLOCK_ITEMS.map((i) => `clock.items.${i}`),
		...['done', 'settled', 'open', 'overdue', 'passed'].map((s) => `clock.status.${s}`),
		...['planned', 'due'].map((s) => `followUp.status.${s}`),
		'clock.next',
		'clock.overdueNext',
		`recordType.${RECORD.step}`
	];

	it('every new label has a Dutch and an English text', () => {
		for (const key of keys) {
			expect(typeof get(nl as Tree, key), `nl ${key}`).toBe('string');
			expect(typeof get(en as Tree, key), `en ${key}`).toBe('string');
		}
	});
});
