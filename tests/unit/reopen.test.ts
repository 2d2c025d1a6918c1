/**
 * Reopening a closed case (case/reopen.ts): who may and the state it leads to,
 * the reducer following the service's reopening (and nobody else's), the
 * reopener's encrypted record, the form model, the abilities and the privacy
 * console's case history. Each refusal is paired with the act that must work.
 */
import { describe, expect, it } from 'vitest';
import { reduceCase } from '../../src/lib/case/reducer.ts';
import { abilities } from '../../src/lib/case/abilities.ts';
import {
	isReopening,
	reopenRefusal,
	reopenedCaseState,
	reopenSubjectOf,
	type ReopenSubject
} from '../../src/lib/case/reopen.ts';
import { CaseState } from '../../src/lib/case/state.ts';
import type { Membership } from '../../src/lib/case/commands.ts';
import { buildDirectory } from '../../src/lib/directory/directory.ts';
import { USER_EVENT, userStateKey } from '../../src/lib/directory/schema.ts';
import { MDT_EVENT } from '../../src/lib/directory/mdt.ts';
import { ReopenForm } from '../../src/lib/forms/reopen.svelte.ts';
import { caseHistory } from '../../src/lib/privacy/review.ts';
import {
	CHAIR,
	CSG,
	POLITIE,
	SERVICE,
	VT,
	RECORD,
	STATE,
	T0,
	caseState,
	closureRecord,
	ctx,
	directory,
	opening,
	recordEvent,
	stateEvent
} from '../support/domain-fixtures.ts';
import { fakeCase, t } from './forms-support.ts';
import { DAY } from '../../src/lib/case/time.ts';

const CLOSED_AT = '2026-12-20T10:00:00Z';
const RETAINED = '2027-12-20T10:00:00Z';
const NOW = Date.parse('2027-01-10T10:00:00Z');
const closedState = () => caseState({ phase: 'closed', closed_at: CLOSED_AT, retention_until: RETAINED });
const REGION_CHAIR = '@dh.chair:hs';

/** The fixtures' directory plus the DH MDT, chaired by REGION_CHAIR (a chair who is not in the case). */
const withMdt = buildDirectory([
	...[
		[CSG, 'CSG', ['professional']],
		[VT, 'VT', ['professional']],
		[POLITIE, 'POLITIE', ['professional']],
		[CHAIR, 'VT', ['professional', 'chair']],
		[REGION_CHAIR, 'OM', ['professional', 'chair']],
		['@po:hs', 'CSG', ['privacy-officer']]
	].map(([id, org, roles]) => ({
		type: USER_EVENT,
		state_key: userStateKey(id as string),
		content: { v: 1, org, roles, display_name: String(id), active: true, updated_at: 1 }
	})),
	{
		type: MDT_EVENT,
		state_key: 'DH',
		content: { v: 1, region: 'DH', chairs: [REGION_CHAIR], members: [], updated_at: 1 }
	}
]);

const subject = (over: Partial<ReopenSubject> = {}): ReopenSubject => ({
	case: CaseState.parse(closedState()),
	regiehouder: CSG,
	deputy: VT,
	triaged: true,
	members: new Map<string, Membership>([
		[CSG, 'join'],
		[VT, 'join'],
		[POLITIE, 'join'],
		[CHAIR, 'join']
	]),
	...over
});
const rctx = (now = NOW) => ({ directory: withMdt, serviceUserId: SERVICE, now });

describe('who may reopen', () => {
	it('a joined regiehouder, deputy or chair in the case, and the region’s MDT chair from outside', () => {
		for (const who of [CSG, VT, CHAIR, REGION_CHAIR]) expect(reopenRefusal(subject(), who, rctx()), who).toBeNull();
	});

	it('not a plain member, a privacy officer, or a coordinator who left the case', () => {
		expect(reopenRefusal(subject(), POLITIE, rctx())?.code).toBe('not-allowed');
		expect(reopenRefusal(subject(), '@po:hs', rctx())?.code).toBe('not-allowed');
		const left = subject({ members: new Map<string, Membership>([[CSG, 'leave']]) });
		expect(reopenRefusal(left, CSG, rctx())?.code).toBe('not-allowed');
		// the region's chair still may: the basis is the chair role of the region's MDT
		expect(reopenRefusal(left, REGION_CHAIR, rctx())).toBeNull();
	});

	it('only a closed case, and only while it is retained', () => {
		const open = subject({ case: CaseState.parse(caseState({ phase: 'regie' })) });
		expect(reopenRefusal(open, CSG, rctx())?.code).toBe('conflict');
		expect(reopenRefusal(subject(), CSG, rctx(Date.parse(RETAINED) - 1000))).toBeNull();
		expect(reopenRefusal(subject(), CSG, rctx(Date.parse(RETAINED)))?.code).toBe('closed');
		expect(reopenRefusal(subject(), REGION_CHAIR, rctx(Date.parse(RETAINED) + DAY))?.code).toBe('closed');
		expect(reopenRefusal(subject({ case: null }), CSG, rctx())?.code).toBe('not-found');
	});
});

describe('the reopened state', () => {
	it('goes back to regie when triaged, else triage; only phase and dates change', () => {
		const closed = CaseState.parse(closedState());
		expect(reopenedCaseState(closed, true)).toEqual({
			...closed,
			phase: 'regie',
			closed_at: null,
			retention_until: null
		});
		expect(reopenedCaseState(closed, false).phase).toBe('triage');
		expect(isReopening(closed, reopenedCaseState(closed, true))).toBe(true);
		expect(isReopening(closed, closed)).toBe(false);
		expect(isReopening(CaseState.parse(caseState({ phase: 'regie' })), CaseState.parse(caseState()))).toBe(false);
	});
});

describe('the reducer', () => {
	const closing = () => [
		...opening(),
		recordEvent(RECORD.closure, closureRecord(), CSG, T0 + DAY),
		stateEvent(STATE.case, closedState(), CSG, T0 + DAY)
	];
	const reopening = (sender = SERVICE) =>
		stateEvent(STATE.case, caseState({ phase: 'regie', closed_at: null, retention_until: null }), sender, T0 + 2 * DAY);
	const why = { v: 1, reopened_at: '2026-11-22T09:00:00Z', reason: 'relapse', note: 'Opnieuw contact' };

	it('follows the service’s reopening: open again, the closure kept as an earlier one, the record of why attached', () => {
		const v = reduceCase([...closing(), reopening(), recordEvent(RECORD.reopen, why, CSG, T0 + 2 * DAY)], ctx(NOW));
		expect(v.phase).toBe('regie');
		expect(v.closedAt).toBeNull();
		expect(v.retentionUntil).toBeNull();
		expect(v.closure).toBeNull();
		expect(v.earlierClosures).toHaveLength(1);
		expect(v.reopenings).toHaveLength(1);
		expect(v.reopenings[0]!.record?.record).toMatchObject({ reason: 'relapse', note: 'Opnieuw contact' });
		expect(v.flagged).toHaveLength(0);
		// and it can be closed again
		const again = reduceCase(
			[
				...closing(),
				reopening(),
				recordEvent(RECORD.closure, closureRecord(), CSG, T0 + 3 * DAY),
				stateEvent(STATE.case, closedState(), CSG, T0 + 3 * DAY)
			],
			ctx(NOW)
		);
		expect(again.phase).toBe('closed');
		expect(again.flagged).toHaveLength(0);
	});

	it('flags a member’s attempt to move the phase back, and a record of why without a reopening', () => {
		const v = reduceCase([...closing(), reopening(CSG)], ctx(NOW));
		expect(v.phase).toBe('closed');
		expect(v.flagged).toHaveLength(1);
		const stray = reduceCase([...closing(), recordEvent(RECORD.reopen, why, CSG, T0 + 2 * DAY)], ctx(NOW));
		expect(stray.flagged).toHaveLength(1);
		expect(stray.reopenings).toHaveLength(0);
		// a plain member’s record of why is flagged too; the coordinator's is kept
		const byMember = reduceCase(
			[...closing(), reopening(), recordEvent(RECORD.reopen, why, POLITIE, T0 + 2 * DAY)],
			ctx(NOW)
		);
		expect(byMember.flagged).toHaveLength(1);
		expect(byMember.reopenings[0]!.record).toBeNull();
		// the service keeps the dates: not a reopening but a phase going back
		const kept = reduceCase(
			[
				...closing(),
				stateEvent(STATE.case, caseState({ phase: 'regie', closed_at: CLOSED_AT, retention_until: RETAINED }))
			],
			ctx(NOW)
		);
		expect(kept.phase).toBe('closed');
		expect(kept.flagged).toHaveLength(1);
	});
});

describe('the form and the abilities', () => {
	const closedView = () =>
		reduceCase(
			[
				...opening(),
				recordEvent(RECORD.closure, closureRecord(), CSG, T0 + DAY),
				stateEvent(STATE.case, closedState(), CSG, T0 + DAY)
			],
			ctx(NOW)
		);

	it('the regiehouder reopens with a reason: the server call first, then the encrypted record', async () => {
		const oc = fakeCase({ me: CSG, view: closedView(), context: { now: NOW } });
		const m = new ReopenForm(oc);
		m.reason = 'new_incident';
		m.note = '  Nieuwe melding  ';
		expect(await m.submit(t)).toBe(true);
		expect(oc.queued.map((e) => e.kind)).toEqual(['reopen', 'record']);
		expect(oc.queued[1]).toMatchObject({
			type: RECORD.reopen,
			content: { v: 1, reason: 'new_incident', note: 'Nieuwe melding', reopened_at: '2027-01-10T10:00:00Z' }
		});
		expect(m.note).toBe('');
	});

	it('a plain member is refused, and an open case is not reopened', async () => {
		const m = new ReopenForm(fakeCase({ me: POLITIE, view: closedView(), context: { now: NOW } }));
		expect(await m.submit(t)).toBe(false);
		expect(m.form.refusal?.code).toBe('not-allowed');
		const open = new ReopenForm(fakeCase({ me: CSG, context: { now: NOW } }));
		expect(await open.submit(t)).toBe(false);
		expect(open.form.refusal?.code).toBe('conflict');
		// an unknown reason is a field error
		const bad = new ReopenForm(fakeCase({ me: CSG, view: closedView(), context: { now: NOW } }));
		bad.reason = 'whatever' as never;
		expect(await bad.submit(t)).toBe(false);
	});

	it('offers "Casus heropenen" to coordinators of a closed, retained case only', () => {
		const v = closedView();
		expect(abilities(v, CSG, directory, SERVICE, NOW).reopen).toBe(true);
		expect(abilities(v, CHAIR, directory, SERVICE, NOW).reopen).toBe(true);
		expect(abilities(v, POLITIE, directory, SERVICE, NOW).reopen).toBe(false);
		expect(abilities(v, CSG, directory, SERVICE, Date.parse(RETAINED) + DAY).reopen).toBe(false);
		expect(abilities(reduceCase(opening(), ctx(NOW)), CSG, directory, SERVICE, NOW).reopen).toBe(false);
		expect(reopenSubjectOf(v, new Map()).triaged).toBe(false);
	});
});

describe('the privacy console’s case history', () => {
	it('marks the change that reopened the case', () => {
		const raw = (content: unknown, ts: number, sender = SERVICE) => ({
			type: STATE.case,
			state_key: '',
			sender,
			origin_server_ts: ts,
			content
		});
		const history = caseHistory([
			raw(caseState(), T0),
			raw(closedState(), T0 + DAY, CSG),
			raw({ nonsense: true }, T0 + DAY + 1),
			raw(caseState({ phase: 'regie' }), T0 + 2 * DAY),
			raw(closedState(), T0 + 3 * DAY, CSG)
		] as never);
		expect(history.map((c) => c.reopened)).toEqual([false, false, false, true, false]);
	});
});
