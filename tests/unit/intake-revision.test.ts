/**
 * The intake can grow: a correction is a new version that names the one it
 * supersedes; the reducer takes the latest valid version, keeps every version,
 * and flags (rather than trusts) a version that does not build on the latest.
 */
import { describe, expect, it } from 'vitest';
import { reduceCase } from '../../src/lib/case/reducer.ts';
import { recordHistory } from '../../src/lib/case/history.ts';
import { reviseIntake, recordIntake, mayReviseIntake, type Membership } from '../../src/lib/case/commands.ts';
import { IntakeForm } from '../../src/lib/forms/intake.svelte.ts';
import type { CaseEventInput } from '../../src/lib/case/view.ts';
import {
	CHAIR,
	CSG,
	POLITIE,
	VT,
	RECORD,
	STATE,
	T0,
	accessState,
	caseState,
	closureRecord,
	ctx,
	intakeRecord,
	opening,
	recordEvent,
	regieState,
	stateEvent,
	triageRecord
} from '../support/domain-fixtures.ts';
import { fakeCase, member, t } from './forms-support.ts';

const joined = (...users: string[]) => ({
	...ctx(),
	members: new Map<string, Membership>(users.map((u) => [u, 'join']))
});

/** The intake input (what a form gives) from a full record. */
function inputOf(record: ReturnType<typeof intakeRecord>) {
	const { reference: _r, region: _g, first_report_at: _f, ...facts } = record.facts;
	return { facts, person: record.person, summary: record.summary } as never;
}

/** A case in triage with its first intake (the phase already moved, so a correction changes no state). */
const inTriage = () => [
	stateEvent(STATE.case, caseState({ phase: 'triage' })),
	stateEvent(STATE.access, accessState()),
	stateEvent(STATE.regie, regieState())
];

const first = recordEvent(RECORD.intake, intakeRecord(), CSG, T0 + 1000);
const second = (supersedes: string | undefined = first.id, sender = CSG) =>
	recordEvent(
		RECORD.intake,
		{ ...intakeRecord(), summary: 'Het verhaal, aangevuld.', ...(supersedes ? { supersedes } : {}) },
		sender,
		T0 + 2000
	);

describe('intake versions in the reducer', () => {
	it('takes the latest valid version and keeps every version', () => {
		const two = second();
		const third = recordEvent(
			RECORD.intake,
			{
				...intakeRecord(),
				summary: 'Derde versie.',
				person: { name: 'A. Slachtoffer', phone: '0612345678' },
				supersedes: two.id
			},
			CHAIR,
			T0 + 3000
		);
		const view = reduceCase([...opening(), first, two, third], ctx());
		expect(view.flagged).toEqual([]);
		expect(view.intake?.eventId).toBe(third.id);
		expect(view.summary).toBe('Derde versie.');
		expect(view.person?.phone).toBe('0612345678');
		expect(view.intakeVersions.map((v) => v.eventId)).toEqual([first.id, two.id, third.id]);
		expect(view.intakeVersions.map((v) => v.ts)).toEqual([T0 + 1000, T0 + 2000, T0 + 3000]);
		// The record history compares each version with the one it supersedes.
		const history = recordHistory(view.timeline);
		expect(history.get(two.id)).toEqual({
			previousId: first.id,
			changes: [{ path: 'summary', before: 'Het verhaal.', after: 'Het verhaal, aangevuld.' }]
		});
		expect(history.get(third.id)?.previousId).toBe(two.id);
		expect(
			history
				.get(third.id)
				?.changes.map((c) => c.path)
				.sort()
		).toEqual(['person.phone', 'summary']);
	});

	it('flags a second version that names no predecessor, or an older one (out of order)', () => {
		const two = second();
		const noBase = second(undefined);
		const stale = recordEvent(
			RECORD.intake,
			{ ...intakeRecord(), summary: 'Oud.', supersedes: first.id },
			CSG,
			T0 + 3000
		);
		const view = reduceCase([...opening(), first, two, noBase, stale], ctx());
		expect(view.intake?.eventId).toBe(two.id);
		expect(view.intakeVersions).toHaveLength(2);
		expect(view.flagged.map((f) => [f.id, f.kind])).toEqual([
			[noBase.id, 'invalid'],
			[stale.id, 'invalid']
		]);
		expect(view.flagged[0]!.problem).toMatch(/conflict/);
	});

	it('flags a forged supersedes: a first intake that claims a predecessor, or one that names a non-intake event', () => {
		const forgedFirst = second('$does-not-exist');
		const forgedChain = recordEvent(
			RECORD.intake,
			{ ...intakeRecord(), supersedes: '$e-not-an-intake' },
			CSG,
			T0 + 3000
		);
		const view = reduceCase([...opening(), forgedFirst, first, forgedChain], ctx());
		expect(view.intake?.eventId).toBe(first.id);
		expect(view.intakeVersions).toHaveLength(1);
		expect(view.flagged.map((f) => f.id)).toEqual([forgedFirst.id, forgedChain.id]);
	});

	it('flags a version that changes the region or the time of first report', () => {
		const moved = recordEvent(
			RECORD.intake,
			{
				...intakeRecord(),
				facts: { ...intakeRecord().facts, first_report_at: '2026-11-19T09:00:00Z' },
				supersedes: first.id
			},
			CSG
		);
		const view = reduceCase([...opening(), first, moved], ctx());
		expect(view.intake?.eventId).toBe(first.id);
		expect(view.flagged.map((f) => f.id)).toEqual([moved.id]);
	});

	it('flags a correction by a member who is not a coordinator, and one after closure', () => {
		const byPolice = second(first.id, POLITIE);
		const view = reduceCase([...opening(), first, byPolice], ctx());
		expect(view.flagged.map((f) => [f.id, f.kind])).toEqual([[byPolice.id, 'unauthorised']]);
		// The legitimate act: the regiehouder's correction is accepted.
		expect(reduceCase([...opening(), first, second()], ctx()).intakeVersions).toHaveLength(2);

		const closed = [
			...opening(),
			first,
			recordEvent(RECORD.closure, closureRecord(), CSG),
			stateEvent(
				STATE.case,
				caseState({ phase: 'closed', closed_at: '2026-11-20T10:00:00Z', retention_until: '2027-11-20T10:00:00Z' })
			)
		];
		const afterClose = reduceCase([...closed, second()], ctx());
		expect(afterClose.intakeVersions).toHaveLength(1);
		expect(afterClose.flagged.at(-1)?.problem).toMatch(/closed/);
	});

	it('before regie, accepts a correction by the opener but not by another member', () => {
		const policeOpening: CaseEventInput[] = [
			stateEvent(STATE.case, caseState()),
			stateEvent(STATE.access, accessState()),
			stateEvent(STATE.regie, regieState(null))
		];
		const byOpener = recordEvent(RECORD.intake, intakeRecord(), POLITIE, T0 + 1000);
		const fix = (sender: string) =>
			recordEvent(RECORD.intake, { ...intakeRecord(), summary: 'Gecorrigeerd.', supersedes: byOpener.id }, sender);
		const ok = reduceCase([...policeOpening, byOpener, fix(POLITIE)], ctx());
		expect(ok.flagged).toEqual([]);
		expect(ok.summary).toBe('Gecorrigeerd.');
		const other = fix(VT);
		const refused = reduceCase([...policeOpening, byOpener, other], ctx());
		expect(refused.flagged.map((f) => [f.id, f.kind])).toEqual([[other.id, 'unauthorised']]);
		expect(refused.summary).toBe('Het verhaal.');
	});
});

describe('reviseIntake', () => {
	const view = reduceCase([...inTriage(), first], ctx());

	it('records a new version that supersedes the current one, for the regiehouder and the chair', () => {
		for (const who of [CSG, CHAIR]) {
			const r = reviseIntake(view, who, joined(CSG, CHAIR), inputOf({ ...intakeRecord(), summary: 'Aangevuld.' }));
			expect(r.ok).toBe(true);
			if (!r.ok) continue;
			expect(r.effects[0]).toMatchObject({
				kind: 'record',
				type: RECORD.intake,
				content: { supersedes: first.id, summary: 'Aangevuld.', facts: { reference: 'DH-2026-0142' } }
			});
			// What the command produces, the reducer accepts as version 2.
			const next = recordEvent(
				RECORD.intake,
				JSON.parse(JSON.stringify((r.effects[0] as { content: unknown }).content)),
				who
			);
			const after = reduceCase([...opening(), first, next], ctx());
			expect(after.flagged).toEqual([]);
			expect(after.intakeVersions).toHaveLength(2);
		}
	});

	it('changes the plaintext acute flag only when the correction changes it', () => {
		const same = reviseIntake(view, CSG, joined(CSG), inputOf({ ...intakeRecord(), summary: 'X.' }));
		expect(same.ok && same.effects.map((e) => e.kind)).toEqual(['record']);
		const notAcute = { ...intakeRecord(), facts: { ...intakeRecord().facts, acute: false } };
		const changed = reviseIntake(view, CSG, joined(CSG), inputOf(notAcute));
		expect(changed.ok && changed.effects[1]).toMatchObject({
			kind: 'state',
			type: STATE.case,
			content: { acute: false }
		});
	});

	it('refuses a member who does not coordinate (and the opener once regie is assigned)', () => {
		const r = reviseIntake(view, POLITIE, joined(CSG, POLITIE), inputOf(intakeRecord()));
		expect(r.ok || r.error.code).toBe('not-allowed');
		expect(mayReviseIntake(view, POLITIE, joined(CSG, POLITIE))).toBe(false);
		expect(mayReviseIntake(view, CSG, joined(CSG, POLITIE))).toBe(true);
	});

	it('lets the opener correct before regie, but not another member', () => {
		const policeCase = reduceCase(
			[
				stateEvent(STATE.case, caseState()),
				stateEvent(STATE.access, accessState()),
				stateEvent(STATE.regie, regieState(null)),
				recordEvent(RECORD.intake, intakeRecord(), POLITIE)
			],
			ctx()
		);
		expect(reviseIntake(policeCase, POLITIE, joined(POLITIE, VT), inputOf(intakeRecord())).ok).toBe(true);
		const vt = reviseIntake(policeCase, VT, joined(POLITIE, VT), inputOf(intakeRecord()));
		expect(vt.ok || vt.error.code).toBe('not-allowed');
		// After the MDT assigned regie, the opener no longer may.
		const triaged = reduceCase(
			[
				stateEvent(STATE.case, caseState()),
				stateEvent(STATE.access, accessState()),
				stateEvent(STATE.regie, regieState(null)),
				recordEvent(RECORD.intake, intakeRecord(), POLITIE),
				stateEvent(STATE.regie, regieState(CSG)),
				recordEvent(RECORD.triage, triageRecord(1, null, CSG), CHAIR)
			],
			ctx()
		);
		const late = reviseIntake(triaged, POLITIE, joined(POLITIE, CSG), inputOf(intakeRecord()));
		expect(late.ok || late.error.code).toBe('not-allowed');
		expect(reviseIntake(triaged, CSG, joined(POLITIE, CSG), inputOf(intakeRecord())).ok).toBe(true);
	});

	it('refuses on a closed case and when there is no intake yet', () => {
		const closed = reduceCase([...opening(), first, recordEvent(RECORD.closure, closureRecord(), CSG)], ctx());
		const r = reviseIntake(closed, CSG, joined(CSG), inputOf(intakeRecord()));
		expect(r.ok || r.error.code).toBe('closed');
		const none = reviseIntake(reduceCase(opening(), ctx()), CSG, joined(CSG), inputOf(intakeRecord()));
		expect(none.ok || none.error.code).toBe('invalid');
		// The first intake itself goes through recordIntake.
		expect(recordIntake(reduceCase(opening(), ctx()), CSG, joined(CSG), inputOf(intakeRecord())).ok).toBe(true);
	});
});

describe('IntakeForm', () => {
	const view = reduceCase([...inTriage(), first], ctx());

	it('is prefilled from the current intake and numbers the next version', () => {
		const m = new IntakeForm(fakeCase({ view, me: CSG }));
		expect(m.base).toBe(first.id);
		expect(m.nextVersion).toBe(2);
		expect(m.person.name).toBe('A. Slachtoffer');
		expect(m.person.phone).toBe('');
		expect(m.summary).toBe('Het verhaal.');
		expect(m.incidentBand).toBe('within_7_days');
		expect(m.acute).toBe(true);
		expect(m.allowed).toBe(true);
	});

	it('queues a new version that supersedes the current one', async () => {
		const oc = fakeCase({ view, me: CSG });
		const m = new IntakeForm(oc);
		m.person.phone = '0612345678';
		m.summary = 'Het verhaal. Later aangevuld met de afspraak bij de huisarts.';
		expect(await m.submit(t)).toBe(true);
		expect(oc.queued).toHaveLength(1);
		expect(oc.queued[0]).toMatchObject({
			kind: 'record',
			type: RECORD.intake,
			content: { supersedes: first.id, person: { name: 'A. Slachtoffer', phone: '0612345678' } }
		});
	});

	it('refuses to record an unchanged intake, and an empty name', async () => {
		const oc = fakeCase({ view, me: CSG });
		const m = new IntakeForm(oc);
		expect(await m.submit(t)).toBe(false);
		expect(m.form.errors['summary']).toBe('intake.unchanged');
		m.person.name = '';
		expect(await m.submit(t)).toBe(false);
		expect(m.form.errors['person.name']).toBeTruthy();
		expect(oc.queued).toEqual([]);
	});

	it('is not allowed to a plain member, and the command refuses if they submit anyway', async () => {
		const oc = fakeCase({ view, me: POLITIE, members: [member(CSG), member(POLITIE)] });
		const m = new IntakeForm(oc);
		expect(m.allowed).toBe(false);
		m.summary = 'Iets anders.';
		expect(await m.submit(t)).toBe(false);
		expect(m.form.refusal?.code).toBe('not-allowed');
		expect(oc.queued).toEqual([]);
	});
});
