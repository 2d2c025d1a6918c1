/**
 * The rules that used to be written in pages and in several tiers, each at its
 * one home in the domain (src/lib/case).
 */
import { describe, expect, it } from 'vitest';
import {
	defaultBasis,
	DEFAULT_STATUTORY_GROUND,
	followUpOrganisation,
	ownOrganisationCovered
} from '../../src/lib/case/defaults.ts';
import { reviewDue, triageOverdue } from '../../src/lib/case/deadlines.ts';
import {
	DEFAULT_RETENTION,
	RETENTION_LIMITS,
	RetentionPolicy,
	retentionMonthsAllowed
} from '../../src/lib/case/policy.ts';
import { ClosureRecord } from '../../src/lib/case/records.ts';
import { PHASES } from '../../src/lib/case/state.ts';
import { closeCase, inviteMember, recordIntake } from '../../src/lib/case/commands.ts';
import { reduceCase } from '../../src/lib/case/reducer.ts';
import { Refusal } from '../../src/lib/refusal.ts';
import { CSG, POLITIE, VT, ctx, opening, T0 } from '../support/domain-fixtures.ts';

const members = () =>
	new Map([
		[CSG, 'join' as const],
		[VT, 'join' as const]
	]);

describe('defaults', () => {
	it('VT shares on its statutory task, everyone else on consent', () => {
		expect(defaultBasis('VT')).toEqual({ basis: 'statutory', ground: 'wmo2015-vt' });
		expect(defaultBasis('POLITIE')).toEqual({ basis: 'consent' });
		expect(Object.keys(DEFAULT_STATUTORY_GROUND)).toEqual(['VT']);
	});

	it('own organisation must take part', () => {
		expect(ownOrganisationCovered([{ org: 'CSG' }, { org: 'VT' }], 'CSG')).toBe(true);
		expect(ownOrganisationCovered([{ org: 'VT' }], 'CSG')).toBe(false);
	});

	it('CSG follows up when it is in the case, else the closer’s organisation', () => {
		const view = reduceCase(opening(), ctx());
		expect(followUpOrganisation(view, 'VT')).toBe('CSG');
		view.access = view.access.filter((a) => a.org !== 'CSG');
		expect(followUpOrganisation(view, 'VT')).toBe('VT');
	});
});

describe('overdue, one definition', () => {
	const deadline = '2026-11-21T09:00:00Z';
	const after = Date.parse('2026-11-21T10:00:00Z');
	it('triage is overdue only when the deadline passed without a decision in an open case', () => {
		expect(triageOverdue({ triageDeadline: deadline, triaged: false, phase: 'triage' }, after)).toBe(true);
		expect(triageOverdue({ triageDeadline: deadline, triaged: true, phase: 'regie' }, after)).toBe(false);
		expect(triageOverdue({ triageDeadline: deadline, triaged: false, phase: 'closed' }, after)).toBe(false);
		expect(triageOverdue({ triageDeadline: deadline, triaged: false, phase: 'triage' }, T0)).toBe(false);
		expect(triageOverdue({ triageDeadline: null, triaged: false, phase: null }, after)).toBe(false);
	});
	it('a review is due after its day, in the regie phase only', () => {
		expect(reviewDue({ nextReview: '2026-11-20', phase: 'regie' }, after)).toBe(true);
		expect(reviewDue({ nextReview: '2026-11-21', phase: 'regie' }, after)).toBe(false);
		expect(reviewDue({ nextReview: '2026-11-20', phase: 'closed' }, after)).toBe(false);
	});
	it('the reducer uses it', () => {
		const view = reduceCase(opening(), ctx(Date.parse('2026-11-22T09:00:00Z')));
		expect(view.triageOverdue).toBe(true);
	});
});

describe('the phase order', () => {
	it('is one list, and commands only move forward along it', () => {
		expect(PHASES).toEqual(['first_contact', 'triage', 'regie', 'closed']);
		const view = reduceCase(opening(), ctx());
		const r = recordIntake(
			view,
			CSG,
			{ ...ctx(), members: members() },
			{
				facts: {
					receiving_org: 'CSG',
					incident_band: 'unknown',
					acute: true,
					kind: 'sexual_abuse',
					setting: 'online',
					minor: false
				},
				person: { name: 'X' },
				summary: 'S'
			}
		);
		expect(r.ok && r.effects[1]).toMatchObject({ content: { phase: 'triage' } });
	});
});

describe('retention', () => {
	it('the closure record allows exactly the outer bounds of any policy', () => {
		const shape = ClosureRecord.shape.retention_months;
		expect(shape.safeParse(RETENTION_LIMITS.min).success).toBe(true);
		expect(shape.safeParse(RETENTION_LIMITS.max).success).toBe(true);
		expect(shape.safeParse(RETENTION_LIMITS.min - 1).success).toBe(false);
		expect(shape.safeParse(RETENTION_LIMITS.max + 1).success).toBe(false);
		const outer = { default_months: 12, min_months: RETENTION_LIMITS.min, max_months: RETENTION_LIMITS.max };
		expect(RetentionPolicy.safeParse(outer).success).toBe(true);
		expect(RetentionPolicy.safeParse({ ...outer, max_months: RETENTION_LIMITS.max + 1 }).success).toBe(false);
	});

	it('months inside the policy window are allowed', () => {
		expect(retentionMonthsAllowed(DEFAULT_RETENTION.default_months, DEFAULT_RETENTION)).toBe(true);
		expect(retentionMonthsAllowed(DEFAULT_RETENTION.max_months + 1, DEFAULT_RETENTION)).toBe(false);
		expect(retentionMonthsAllowed(1.5, DEFAULT_RETENTION)).toBe(false);
	});

	it('closeCase refuses months outside the deployment window and accepts those inside (default policy when none is given)', () => {
		const view = reduceCase(opening(), ctx());
		const input = (months: number) => ({
			reason: 'help_completed' as const,
			explanation: 'klaar',
			participants: [{ org: 'CSG' }],
			follow_up: [],
			retention_months: months
		});
		const c = { ...ctx(), members: members() };
		const tooLong = closeCase(view, CSG, c, input(DEFAULT_RETENTION.max_months + 1));
		expect(tooLong.ok).toBe(false);
		if (!tooLong.ok) expect(tooLong.error).toBeInstanceOf(Refusal);
		expect(closeCase(view, CSG, c, input(DEFAULT_RETENTION.max_months)).ok).toBe(true);
		const strict = { ...c, retention: { default_months: 12, min_months: 12, max_months: 12 } };
		expect(closeCase(view, CSG, strict, input(6)).ok).toBe(false);
		expect(closeCase(view, CSG, strict, input(12)).ok).toBe(true);
	});
});

describe('refusals', () => {
	it('every domain refusal has a Dutch and an English sentence', () => {
		const view = reduceCase(opening(), ctx());
		const r = inviteMember(view, POLITIE, { ...ctx(), members: members() }, { userId: VT, reason: 'mdt-triage' });
		expect(r.ok).toBe(false);
		if (!r.ok) {
			expect(r.error.code).toBe('not-allowed');
			expect(r.error.in('nl')).toMatch(/regiehouder/);
			expect(r.error.in('en')).toMatch(/Only the regiehouder/);
			expect(r.error.status).toBe(403);
		}
	});
});
