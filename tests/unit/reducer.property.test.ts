/**
 * Properties of the case reducer, checked with fast-check on generated case
 * histories: it is total, invalid or unauthorised events never change the
 * derived state, local echoes never do, triage is never overwritten, and the
 * phase never goes back.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { reduceCase } from '../../src/lib/case/reducer.ts';
import { PHASES } from '../../src/lib/case/state.ts';
import type { CaseEventInput, CaseView } from '../../src/lib/case/view.ts';
import {
	CHAIR,
	CSG,
	SHN,
	VT,
	POLITIE,
	OUTSIDER,
	SERVICE,
	T0,
	RECORD,
	STATE,
	ctx,
	opening,
	recordEvent,
	stateEvent,
	regieState,
	caseState,
	intakeRecord,
	triageRecord,
	updateRecord,
	consentRecord,
	closureRecord
} from '../support/domain-fixtures.ts';

type Step = 'intake' | 'triage' | 'update' | 'consent' | 'handover' | 'message' | 'close';

/** Turns a list of steps into a valid, authorised history (a tiny simulator of honest clients). */
function history(steps: Step[]): CaseEventInput[] {
	const events = opening();
	let regiehouder = CSG;
	let lastTriage: string | null = null;
	let lastIntake: string | null = null;
	let seq = 0;
	let handovers = 0;
	let closed = false;
	for (const step of steps) {
		if (closed && step !== 'update' && step !== 'consent' && step !== 'message') continue;
		switch (step) {
			case 'intake': {
				// A later intake is a correction: it names the version it supersedes.
				const e = recordEvent(
					RECORD.intake,
					{ ...intakeRecord(), ...(lastIntake ? { supersedes: lastIntake } : {}) },
					regiehouder
				);
				lastIntake = e.id;
				events.push(e);
				break;
			}
			case 'triage': {
				const e = recordEvent(RECORD.triage, triageRecord(++seq, lastTriage), CHAIR);
				lastTriage = e.id;
				events.push(e);
				break;
			}
			case 'update':
				events.push(recordEvent(RECORD.update, updateRecord(), regiehouder));
				break;
			case 'consent':
				events.push(recordEvent(RECORD.consent, consentRecord('given', ['SHN']), regiehouder));
				break;
			case 'handover':
				regiehouder = regiehouder === CSG ? SHN : CSG;
				events.push(stateEvent(STATE.regie, regieState(regiehouder, null, ++handovers)));
				break;
			case 'message':
				events.push({
					...recordEvent('m.room.message', { msgtype: 'm.text' }, VT),
					content: { msgtype: 'm.text', body: 'overleg' }
				});
				break;
			case 'close':
				events.push(recordEvent(RECORD.closure, closureRecord(), regiehouder));
				closed = true;
				break;
		}
	}
	return events;
}

const steps = fc.array(fc.constantFrom<Step>('intake', 'triage', 'update', 'consent', 'handover', 'message', 'close'), {
	maxLength: 25
});

/** Events that must be flagged: wrong schema, wrong sender, plaintext records, stale triage, foreign state. */
const bad: fc.Arbitrary<CaseEventInput> = fc.oneof(
	fc
		.record({
			type: fc.constantFrom(...Object.values(RECORD)),
			content: fc.anything(),
			sender: fc.constantFrom(CSG, CHAIR, OUTSIDER)
		})
		.map((r) => ({
			id: `$bad-${Math.random()}`,
			type: r.type,
			sender: r.sender,
			ts: T0,
			content: r.content,
			encrypted: true
		})),
	fc.constantFrom(...Object.values(RECORD)).map((type) => recordEvent(type, { v: 1 }, POLITIE)),
	fc.constant(recordEvent(RECORD.update, updateRecord(), OUTSIDER)),
	fc.constant(recordEvent(RECORD.intake, intakeRecord(), CSG, T0, false)),
	fc.constant(recordEvent(RECORD.triage, triageRecord(99, '$nope'), CHAIR)),
	fc
		.record({ type: fc.constantFrom(...Object.values(STATE)), content: fc.anything() })
		.map((r) => stateEvent(r.type, r.content, OUTSIDER)),
	fc.constant(stateEvent(STATE.regie, regieState(OUTSIDER), CHAIR)),
	fc.constant(stateEvent(STATE.case, caseState({ first_report_at: '2020-01-01T00:00:00Z' }), SERVICE)),
	fc
		.string()
		.map((s) => ({ id: `$x${s}`, type: `nl.casusruimte.${s}`, sender: CSG, ts: T0, content: {}, encrypted: true }))
);

/** Everything except the timeline itself: what users and deadlines depend on. */
const derived = (v: CaseView) => JSON.stringify({ ...v, timeline: undefined, flagged: undefined });
const rank = (v: CaseView) => PHASES.indexOf(v.phase);

describe('reducer properties', () => {
	it('is total: any sequence of arbitrary events yields a view', () => {
		fc.assert(
			fc.property(
				fc.array(
					fc.record({
						id: fc.string(),
						type: fc.oneof(
							fc.string(),
							fc.constantFrom(...Object.values(RECORD), ...Object.values(STATE), 'm.room.message')
						),
						sender: fc.string(),
						ts: fc.integer(),
						stateKey: fc.option(fc.string(), { nil: undefined }),
						content: fc.anything(),
						encrypted: fc.boolean()
					})
				),
				(events) => {
					const v = reduceCase(events as CaseEventInput[], ctx());
					expect(v.timeline.length).toBeLessThanOrEqual(events.length);
				}
			),
			{ numRuns: 300 }
		);
	});

	it('invalid or unauthorised events, anywhere in the history, never change the derived state', () => {
		fc.assert(
			fc.property(steps, fc.array(fc.tuple(fc.nat(), bad), { minLength: 1, maxLength: 5 }), (s, insertions) => {
				const clean = history(s);
				const dirty = [...clean];
				// Nothing can precede the initial state that comes with the room's creation (the first 3 events).
				for (const [at, event] of insertions) dirty.splice(3 + (at % (dirty.length - 2)), 0, event);
				const a = reduceCase(clean, ctx());
				const b = reduceCase(dirty, ctx());
				expect(derived(b)).toBe(derived(a));
				expect(b.flagged.length).toBe(a.flagged.length + insertions.length);
			}),
			{ numRuns: 300 }
		);
	});

	it('local echoes (pending or failed sends) never change the derived state', () => {
		fc.assert(
			fc.property(steps, steps, fc.constantFrom<'pending' | 'failed'>('pending', 'failed'), (s, unsent, status) => {
				const sent = history(s);
				const echoes = history(unsent)
					.slice(3)
					.map((e) => ({ ...e, id: `local-${e.id}`, local: status }));
				expect(derived(reduceCase([...sent, ...echoes], ctx()))).toBe(derived(reduceCase(sent, ctx())));
			}),
			{ numRuns: 200 }
		);
	});

	it('keeps every triage decision, numbered 1..n, and the latest is the last', () => {
		fc.assert(
			fc.property(steps, (s) => {
				const v = reduceCase(history(s), ctx());
				const seqs = v.triage.decisions.map((d) => d.record.seq);
				expect(seqs).toEqual(seqs.map((_, i) => i + 1));
				expect(v.triage.latest?.record.seq ?? 0).toBe(seqs.length);
			}),
			{ numRuns: 200 }
		);
	});

	it('never moves the phase backwards as the history grows', () => {
		fc.assert(
			fc.property(steps, fc.array(fc.tuple(fc.nat(), bad), { maxLength: 3 }), (s, insertions) => {
				const events = history(s);
				for (const [at, event] of insertions) events.splice(3 + (at % (events.length - 2)), 0, event);
				let previous = 0;
				for (let i = 1; i <= events.length; i++) {
					const r = rank(reduceCase(events.slice(0, i), ctx()));
					expect(r).toBeGreaterThanOrEqual(previous);
					previous = r;
				}
			}),
			{ numRuns: 100 }
		);
	});

	it('computes the triage deadline from the first report and overdue from the clock', () => {
		fc.assert(
			fc.property(fc.integer({ min: 0, max: 72 }), fc.boolean(), (hours, triaged) => {
				const events = opening();
				if (triaged) events.push(recordEvent(RECORD.triage, triageRecord(1, null), CHAIR));
				const v = reduceCase(events, ctx(T0 + hours * 3600_000 + 1));
				expect(Date.parse(v.triageDeadline!)).toBe(T0 + 24 * 3600_000);
				expect(v.triageOverdue).toBe(!triaged && hours >= 24);
			})
		);
	});
});
