import { describe, expect, it } from 'vitest';
import { reduceCase } from '../../src/lib/case/reducer.ts';
import {
	CHAIR,
	CSG,
	OUTSIDER,
	SERVICE,
	SHN,
	VT,
	POLITIE,
	T0,
	RECORD,
	STATE,
	ctx,
	opening,
	recordEvent,
	stateEvent,
	caseState,
	regieState,
	accessState,
	intakeRecord,
	triageRecord,
	updateRecord,
	consentRecord,
	closureRecord
} from '../support/domain-fixtures.ts';

describe('reduceCase', () => {
	it('derives phase, deadlines and regie from the opening state', () => {
		const v = reduceCase(opening(), ctx());
		expect(v).toMatchObject({
			reference: 'DH-2026-0142',
			region: 'DH',
			phase: 'first_contact',
			acute: true,
			triageDeadline: '2026-11-21T09:00:00.000Z',
			triageOverdue: false
		});
		expect(v.regie.regiehouder).toBe(CSG);
		expect(v.access.map((a) => a.org)).toEqual(['CSG', 'VT', 'SHN', 'POLITIE']);
	});

	it('marks the MDT triage overdue 24 hours after the first report, and within the deadline once triaged in time', () => {
		expect(reduceCase(opening(), ctx(T0 + 25 * 3600_000)).triageOverdue).toBe(true);
		const triaged = [...opening(), recordEvent(RECORD.triage, triageRecord(1, null), CHAIR)];
		const v = reduceCase(triaged, ctx(T0 + 25 * 3600_000));
		expect(v.triageOverdue).toBe(false);
		expect(v.triagedWithinDeadline).toBe(true);
		expect(v.phase).toBe('regie');
	});

	it('folds intake, triage, updates, consent and closure', () => {
		const events = opening();
		events.push(recordEvent(RECORD.intake, intakeRecord(), CSG));
		const t1 = recordEvent(RECORD.triage, triageRecord(1, null), CHAIR);
		events.push(t1, stateEvent(STATE.regie, regieState(SHN, CSG, 1)));
		events.push(recordEvent(RECORD.update, updateRecord(), SHN));
		events.push(recordEvent(RECORD.consent, consentRecord('withdrawn', ['POLITIE']), SHN));
		events.push(recordEvent(RECORD.triage, triageRecord(2, t1.id), CHAIR));
		events.push(recordEvent(RECORD.closure, closureRecord(), SHN));
		const v = reduceCase(events, ctx());
		expect(v.person?.name).toBe('A. Slachtoffer');
		expect(v.triage.decisions.map((d) => d.record.seq)).toEqual([1, 2]);
		expect(v.triage.latest?.record.seq).toBe(2);
		expect(v.regie).toMatchObject({ regiehouder: SHN, deputy: CSG, handovers: 1 });
		expect(v.updates).toHaveLength(1);
		expect(v.consent.POLITIE?.status).toBe('withdrawn');
		expect(v.phase).toBe('closed');
		expect(v.closedAt).toBe('2026-12-20T10:00:00Z');
		expect(v.flagged).toEqual([]);
	});

	it('flags a triage decision that does not build on the latest one (never overwrites)', () => {
		const events = opening();
		const t1 = recordEvent(RECORD.triage, triageRecord(1, null), CHAIR);
		events.push(
			t1,
			recordEvent(RECORD.triage, triageRecord(2, t1.id), CHAIR),
			recordEvent(RECORD.triage, triageRecord(2, t1.id, VT), CHAIR)
		);
		const v = reduceCase(events, ctx());
		expect(v.triage.decisions).toHaveLength(2);
		expect(v.triage.latest?.record.regiehouder).toBe(SHN);
		expect(v.flagged[0]?.problem).toMatch(/^conflict/);
	});

	it('flags records from senders without the role, unencrypted records and schema failures', () => {
		const events = [
			...opening(),
			recordEvent(RECORD.triage, triageRecord(1, null), POLITIE),
			recordEvent(RECORD.update, updateRecord(), VT),
			recordEvent(RECORD.intake, intakeRecord(), CSG, T0, false),
			recordEvent(RECORD.intake, { ...intakeRecord(), person: { name: '' } }, CSG),
			recordEvent('nl.casusruimte.bogus', {}, CSG),
			stateEvent(STATE.regie, regieState(OUTSIDER), CSG),
			stateEvent(STATE.case, caseState({ reference: 'DH-2026-9999' }), CHAIR),
			stateEvent(STATE.case, caseState({ name: 'Jan' }), SERVICE)
		];
		const v = reduceCase(events, ctx());
		expect(v.flagged.map((f) => f.kind)).toEqual([
			'unauthorised',
			'unauthorised',
			'invalid',
			'invalid',
			'invalid',
			'unauthorised',
			'invalid',
			'invalid'
		]);
		expect(v.triage.latest).toBeNull();
		expect(v.person).toBeNull();
		expect(v.regie.regiehouder).toBe(CSG);
		expect(v.reference).toBe('DH-2026-0142');
	});

	it('never lets the phase go back', () => {
		const events = [
			...opening(),
			stateEvent(STATE.case, caseState({ phase: 'regie' })),
			stateEvent(STATE.case, caseState({ phase: 'triage' }))
		];
		const v = reduceCase(events, ctx());
		expect(v.phase).toBe('regie');
		expect(v.flagged[0]?.problem).toMatch(/cannot go back/);
	});

	it('shows a service notice, and flags plaintext discussion', () => {
		const events = [
			...opening(),
			{
				id: '$n',
				type: 'm.room.message',
				sender: SERVICE,
				ts: T0,
				content: { msgtype: 'm.notice', body: 'Toegang herzien' },
				encrypted: false
			},
			{
				id: '$p',
				type: 'm.room.message',
				sender: CSG,
				ts: T0,
				content: { msgtype: 'm.text', body: 'plain' },
				encrypted: false
			},
			{
				id: '$m',
				type: 'm.room.message',
				sender: CSG,
				ts: T0,
				content: { msgtype: 'm.text', body: 'versleuteld' },
				encrypted: true
			}
		];
		const v = reduceCase(events, ctx());
		expect(v.timeline.filter((e) => e.kind === 'notice').map((e) => e.text)).toEqual(['Toegang herzien']);
		expect(v.timeline.filter((e) => e.kind === 'message').map((e) => e.text)).toEqual(['versleuteld']);
		expect(v.flagged).toHaveLength(1);
	});

	it('keeps undecryptable events and local echoes out of the derived state', () => {
		const events = [
			...opening(),
			{
				id: '$u',
				type: 'm.room.encrypted',
				sender: CSG,
				ts: T0,
				content: undefined,
				encrypted: true,
				undecryptable: 'no key'
			},
			{ ...recordEvent(RECORD.intake, intakeRecord(), CSG), local: 'pending' as const }
		];
		const v = reduceCase(events, ctx());
		expect(v.person).toBeNull();
		expect(v.flagged.map((f) => f.kind)).toEqual(['undecryptable']);
		expect(v.timeline.at(-1)).toMatchObject({ kind: 'record', local: 'pending' });
	});

	it('lets the deputy post updates and the MDT chair coordinate', () => {
		const events = [
			...opening(),
			stateEvent(STATE.regie, regieState(SHN, VT, 1)),
			recordEvent(RECORD.update, updateRecord(), VT),
			recordEvent(RECORD.consent, consentRecord('given', ['OM']), CHAIR)
		];
		const v = reduceCase(events, ctx());
		expect(v.updates).toHaveLength(1);
		expect(v.consent.OM?.status).toBe('given');
		expect(v.flagged).toEqual([]);
	});

	it('refuses records after closure except consent and updates (follow-up)', () => {
		const events = [
			...opening(),
			recordEvent(RECORD.closure, closureRecord(), CSG),
			recordEvent(RECORD.triage, triageRecord(1, null), CHAIR),
			recordEvent(RECORD.update, updateRecord(), CSG)
		];
		const v = reduceCase(events, ctx());
		expect(v.flagged.map((f) => f.problem)).toEqual(['the case is closed']);
		expect(v.updates).toHaveLength(1);
	});

	it('takes the access basis from state', () => {
		const v = reduceCase([...opening(), stateEvent(STATE.access, accessState(['CSG']), CSG)], ctx());
		expect(v.access.map((a) => a.org)).toEqual(['CSG']);
	});
});
