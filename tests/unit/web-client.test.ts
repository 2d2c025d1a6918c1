/**
 * The web client's pure parts: case-list filters, record history, which forms
 * to offer, form error messages, countdowns.
 */
import { describe, expect, it } from 'vitest';
import {
	filterCases,
	filterFromParams,
	filterToParams,
	matchesFilter,
	DEFAULT_FILTER,
	regionsOf
} from '../../src/lib/state/case-filter.ts';
import type { CaseSummary } from '../../src/lib/matrix/case-index.ts';
import { recordHistory, diffValues } from '../../src/lib/case/history.ts';
import { abilities, partOf } from '../../src/lib/case/abilities.ts';
import { emptyView } from '../../src/lib/case/reducer.ts';
import type { CaseView, TimelineEntry } from '../../src/lib/case/view.ts';
import { RECORD, STATE } from '../../src/lib/case/event-types.ts';
import { buildDirectory } from '../../src/lib/directory/directory.ts';
import { USER_EVENT, userStateKey } from '../../src/lib/directory/schema.ts';
import { IntakeInput, InviteInput, TriageInput } from '../../src/lib/case/commands.ts';
import { fieldErrors, fieldId } from '../../src/lib/forms/validation.ts';
import { countdown, fromLocalInput } from '../../src/lib/i18n/format.ts';

const summary = (over: Partial<CaseSummary>): CaseSummary => ({
	roomId: '!r:hs',
	reference: 'DH-2026-0001',
	region: 'DH',
	phase: 'triage',
	membership: 'join',
	firstReportAt: '2026-11-23T09:00:00Z',
	acute: false,
	triageDeadline: '2026-11-24T09:00:00.000Z',
	triaged: false,
	triageOverdue: false,
	nextReview: null,
	reviewOverdue: false,
	closedAt: null,
	regiehouder: '@a:hs',
	deputy: null,
	myPart: 'member',
	unread: 0,
	lastActivity: 0,
	invitedBy: null,
	retriageRequested: false,
	continuedIn: null,
	acuteClock: null,
	...over
});

describe('case list filters', () => {
	it('round-trips through the URL, keeping only what differs from the default', () => {
		const f = { q: 'dh 2026', region: 'OB', phase: 'closed' as const, part: 'regie' as const };
		expect(filterFromParams(filterToParams(f))).toEqual({ ...f, q: 'dh 2026' });
		expect(filterToParams(DEFAULT_FILTER).toString()).toBe('');
		// junk in the URL falls back to the defaults
		expect(filterFromParams(new URLSearchParams('fase=deleted&rol=boss&regio=<x>'))).toEqual(DEFAULT_FILTER);
	});

	it('filters by region, phase, my part and reference', () => {
		const open = summary({ reference: 'DH-2026-0001' });
		const closed = summary({ reference: 'DH-2026-0002', phase: 'closed' });
		const brabant = summary({ reference: 'OB-2026-0003', region: 'OB', myPart: 'regiehouder' });
		const deputy = summary({ reference: 'DH-2026-0004', myPart: 'deputy' });
		const invite = summary({ reference: 'DH-2026-0005', membership: 'invite' });
		const all = [open, closed, brabant, deputy, invite];
		expect(filterCases(all, DEFAULT_FILTER)).not.toContain(closed); // default: open cases only
		expect(filterCases(all, { ...DEFAULT_FILTER, phase: 'all' })).toHaveLength(5);
		expect(filterCases(all, { ...DEFAULT_FILTER, phase: 'closed' })).toEqual([closed]);
		expect(filterCases(all, { ...DEFAULT_FILTER, region: 'OB' })).toEqual([brabant]);
		expect(filterCases(all, { ...DEFAULT_FILTER, part: 'regie' })).toEqual([brabant]);
		expect(filterCases(all, { ...DEFAULT_FILTER, part: 'mine' })).toEqual([brabant, deputy, invite]);
		// search ignores case, spaces and dashes
		expect(filterCases(all, { ...DEFAULT_FILTER, q: 'ob 2026' })).toEqual([brabant]);
		expect(filterCases(all, { ...DEFAULT_FILTER, q: '0004' })).toEqual([deputy]);
		expect(matchesFilter(open, { ...DEFAULT_FILTER, q: 'xyz' })).toBe(false);
		expect(regionsOf(all)).toEqual(['DH', 'OB']);
	});

	// Speed belongs to `npm run bench` (ratios in one run), not to a timed unit test on a shared machine.
	it('keeps every matching case and only those among thousands', () => {
		const many = Array.from({ length: 5000 }, (_, i) =>
			summary({
				roomId: `!${i}:hs`,
				reference: `DH-2026-${String(i).padStart(4, '0')}`,
				phase: i % 5 === 0 ? 'closed' : 'regie'
			})
		);
		expect(filterCases(many, DEFAULT_FILTER)).toHaveLength(4000);
		expect(filterCases(many, { ...DEFAULT_FILTER, phase: 'all' })).toHaveLength(5000);
		expect(filterCases(many, { ...DEFAULT_FILTER, q: 'DH-2026-4321' }).map((r) => r.roomId)).toEqual(['!4321:hs']);
		expect(filterCases(many, { ...DEFAULT_FILTER, q: 'DH-2026-4320' })).toEqual([]); // closed
		expect(filterCases(many, { ...DEFAULT_FILTER, phase: 'all', q: 'DH-2026-4320' })).toHaveLength(1);
	});
});

const entry = (
	id: string,
	type: string,
	data: unknown,
	kind: 'record' | 'state' = 'record',
	sender = '@a:hs'
): TimelineEntry => ({ id, ts: 0, sender, type, kind, data });
const domain = (assigned: string[], urgency = 'regular') => ({ assigned, action: '', urgency, rationale: 'r' });
const triage = (seq: number, supersedes: string | null, over: Record<string, unknown> = {}) => ({
	v: 1,
	seq,
	supersedes,
	decided_at: `2026-11-2${seq}T10:00:00Z`,
	domains: { veiligheid: domain(['VT']), strafrecht: domain([]), hulp: domain(['CSG']), herstel: domain([]) },
	participants: [{ org: 'VT', user_id: '@a:hs' }],
	regiehouder: '@a:hs',
	deputy: null,
	next_review: '2026-12-01',
	reason: 'initial',
	...over
});

describe('record history', () => {
	it('compares a triage decision with the one it supersedes, not with the latest of its kind', () => {
		const t1 = entry('$t1', RECORD.triage, triage(1, null));
		const t2 = entry(
			'$t2',
			RECORD.triage,
			triage(2, '$t1', {
				domains: { ...triage(1, null).domains, veiligheid: domain(['VT', 'POLITIE'], 'immediate') },
				reason: 'changed_situation'
			})
		);
		const h = recordHistory([t1, t2]);
		expect(h.get('$t1')).toEqual({ previousId: null, changes: [] });
		expect(h.get('$t2')?.previousId).toBe('$t1');
		expect(h.get('$t2')?.changes).toEqual([
			{ path: 'domains.veiligheid.assigned', before: ['VT'], after: ['VT', 'POLITIE'] },
			{ path: 'domains.veiligheid.urgency', before: 'regular', after: 'immediate' },
			{ path: 'reason', before: 'initial', after: 'changed_situation' }
		]);
	});

	it('follows consent per organisation and regie from handover to handover', () => {
		const consent = (status: string, organisations: string[]) => ({
			v: 1,
			status,
			organisations,
			purposes: ['care'],
			basis: { kind: 'consent' },
			given_by: 'victim',
			recorded_at: '2026-11-23T10:00:00Z'
		});
		const handover = (from: string | null, to: string, deputy: string | null) => ({
			v: 1,
			from,
			to,
			deputy,
			reason: 'x',
			at: '2026-11-23T10:00:00Z'
		});
		const h = recordHistory([
			entry('$c1', RECORD.consent, consent('given', ['POLITIE', 'SHN'])),
			entry('$h1', RECORD.handover, handover('@a:hs', '@b:hs', null)),
			entry('$c2', RECORD.consent, consent('withdrawn', ['POLITIE'])),
			entry('$h2', RECORD.handover, handover('@b:hs', '@c:hs', '@b:hs'))
		]);
		expect(h.get('$c1')?.changes).toEqual([
			{ path: 'consent.POLITIE.status', before: null, after: 'given' },
			{ path: 'consent.SHN.status', before: null, after: 'given' }
		]);
		expect(h.get('$c2')).toEqual({
			previousId: '$c1',
			changes: [{ path: 'consent.POLITIE.status', before: 'given', after: 'withdrawn' }]
		});
		expect(h.get('$h1')?.changes).toEqual([{ path: 'regiehouder', before: '@a:hs', after: '@b:hs' }]);
		expect(h.get('$h2')).toEqual({
			previousId: '$h1',
			changes: [
				{ path: 'regiehouder', before: '@b:hs', after: '@c:hs' },
				{ path: 'deputy', before: null, after: '@b:hs' }
			]
		});
	});

	it('reads access changes per organisation, and a first state as set from nothing', () => {
		const access = (orgs: [string, string][]) => ({
			v: 1,
			organisations: orgs.map(([org, basis]) =>
				basis === 'consent' ? { org, basis, since: 'x' } : { org, basis: 'statutory', ground: basis, since: 'x' }
			)
		});
		const h = recordHistory([
			entry(
				'$a1',
				STATE.access,
				access([
					['CSG', 'consent'],
					['POLITIE', 'consent']
				]),
				'state'
			),
			entry(
				'$a2',
				STATE.access,
				access([
					['CSG', 'consent'],
					['VT', 'wmo2015-vt']
				]),
				'state'
			)
		]);
		expect(h.get('$a1')?.changes).toEqual([
			{ path: 'access.CSG', before: null, after: 'consent' },
			{ path: 'access.POLITIE', before: null, after: 'consent' }
		]);
		expect(h.get('$a2')?.changes).toEqual([
			{ path: 'access.POLITIE', before: 'consent', after: null },
			{ path: 'access.VT', before: null, after: 'statutory:wmo2015-vt' }
		]);
	});

	it('ignores unsent local echoes and treats missing and null alike', () => {
		expect(recordHistory([{ ...entry('tx1', RECORD.update, {}), local: 'pending' }]).size).toBe(0);
		expect(diffValues({ a: null }, { a: undefined, b: null })).toEqual([]);
	});
});

describe('abilities', () => {
	const dir = buildDirectory(
		[
			['@rh:hs', 'CSG', ['professional']],
			['@dep:hs', 'VT', ['professional']],
			['@chair:hs', 'VT', ['professional', 'chair']],
			['@m:hs', 'POLITIE', ['professional']]
		].map(([u, org, roles]) => ({
			type: USER_EVENT,
			state_key: userStateKey(u as string),
			content: { v: 1, org, roles, display_name: u, active: true, updated_at: 1 }
		}))
	);
	const view = (phase: CaseView['phase']): CaseView => {
		const v = emptyView();
		v.phase = phase;
		v.regie.regiehouder = '@rh:hs';
		v.regie.deputy = '@dep:hs';
		v.state.case = {
			v: 1,
			reference: 'DH-2026-0001',
			region: 'DH',
			phase,
			first_report_at: '2026-11-23T09:00:00Z',
			acute: false,
			closed_at: null,
			retention_until: null
		};
		return v;
	};
	it('offers coordinating forms to the regiehouder, deputy and chair; updates only to regiehouder and deputy', () => {
		const v = view('regie');
		expect(abilities(v, '@rh:hs', dir, '@svc:hs')).toMatchObject({
			triage: true,
			consent: true,
			handover: true,
			update: true,
			close: true,
			invite: true
		});
		expect(abilities(v, '@dep:hs', dir, '@svc:hs')).toMatchObject({ triage: true, update: true });
		expect(abilities(v, '@chair:hs', dir, '@svc:hs')).toMatchObject({ triage: true, update: false, close: true });
		expect(abilities(v, '@m:hs', dir, '@svc:hs')).toMatchObject({
			coordinate: false,
			triage: false,
			update: false,
			invite: false,
			discuss: true
		});
		expect(partOf(v, '@chair:hs', dir)).toBe('chair');
	});
	it('offers nothing but consent, removal and discussion on a closed case', () => {
		const a = abilities(view('closed'), '@rh:hs', dir, '@svc:hs');
		expect(a).toMatchObject({
			triage: false,
			handover: false,
			close: false,
			invite: false,
			consent: true,
			remove: true
		});
	});
});

describe('form errors', () => {
	const t = (key: string, o?: { values?: Record<string, string | number> }) =>
		o?.values ? `${key}:${JSON.stringify(o.values)}` : key;
	it('names each field by its schema path, in words from the i18n files', () => {
		const r = IntakeInput.safeParse({
			facts: {
				receiving_org: 'CSG',
				incident_band: 'unknown',
				acute: false,
				kind: 'sexual_violence',
				setting: 'offline',
				minor: false
			},
			person: { name: '  ', birth_date: '31-12-1999' },
			summary: 'x'.repeat(20_001)
		});
		expect(r.success).toBe(false);
		if (r.success) return;
		const errors = fieldErrors(r.error, t);
		expect(errors['person.name']).toBe('form.required');
		expect(errors['person.birth_date']).toBe('form.invalidDate');
		expect(errors['summary']).toBe('form.tooLong:{"max":20000}');
		expect(fieldId('person.birth_date')).toBe('f-person-birth_date');
	});
	it('asks for a choice where a list must not be empty, and prefixes nested forms', () => {
		const triage = TriageInput.safeParse({
			domains: {},
			participants: [],
			regiehouder: '',
			deputy: null,
			next_review: '',
			reason: 'initial'
		});
		expect(triage.success).toBe(false);
		if (!triage.success) expect(fieldErrors(triage.error, t)['participants']).toBe('form.chooseOne');
		const invite = InviteInput.safeParse({ userId: '@x:hs', reason: 'Besproken in MDT' });
		if (!invite.success) expect(fieldErrors(invite.error, t, 'invite')['invite.reason']).toBe('form.chooseOne');
		else throw new Error('free text as a membership reason must be refused');
		expect(InviteInput.safeParse({ userId: '@x:hs', reason: 'mdt-triage' }).success).toBe(true);
	});
});

describe('countdowns and times', () => {
	it('counts down to the triage deadline and reports overdue', () => {
		const deadline = '2026-11-24T09:00:00Z';
		expect(countdown(deadline, Date.parse('2026-11-23T09:30:00Z'))).toEqual({
			overdue: false,
			hours: 23,
			minutes: 30,
			soon: false
		});
		expect(countdown(deadline, Date.parse('2026-11-24T06:00:00Z')).soon).toBe(true);
		expect(countdown(deadline, Date.parse('2026-11-24T10:15:00Z'))).toEqual({
			overdue: true,
			hours: 1,
			minutes: 15,
			soon: false
		});
	});
	it('turns a datetime-local value into a UTC instant', () => {
		expect(fromLocalInput('')).toBe('');
		expect(fromLocalInput('nonsense')).toBe('');
		expect(fromLocalInput('2026-11-23T10:30')).toMatch(/^2026-11-23T\d\d:30:00Z$/);
	});
});
