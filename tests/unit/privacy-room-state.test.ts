/**
 * The one reader of a case room's plaintext state (case/room-state.ts), used by
 * the app server, the privacy review and the client's case index.
 */
import { describe, expect, it } from 'vitest';
import {
	CASE_ROOM_TYPE,
	coveredOrgs,
	currentMembers,
	isCaseRoomCreate,
	membershipOf,
	readCaseRoomState,
	type StateEventLike
} from '../../src/lib/case/room-state.ts';
import { reviewDue, triageOverdue } from '../../src/lib/case/deadlines.ts';

const SERVICE = '@casusruimte-service:hs';
const ev = (type: string, content: Record<string, unknown>, extra: Partial<StateEventLike> = {}): StateEventLike => ({
	type,
	state_key: '',
	sender: SERVICE,
	origin_server_ts: 1000,
	content,
	...extra
});
const caseContent = {
	v: 1,
	reference: 'DH-2026-0007',
	region: 'DH',
	phase: 'regie',
	first_report_at: '2026-05-01T08:00:00Z',
	acute: true,
	closed_at: null,
	retention_until: null
};
const room = (create: Record<string, unknown> = { type: CASE_ROOM_TYPE }) => [
	ev('m.room.create', create),
	ev('m.room.name', { name: 'DH-2026-0007' }),
	ev('nl.casusruimte.case', caseContent),
	ev('nl.casusruimte.access', {
		v: 1,
		organisations: [{ org: 'CSG', basis: 'consent', since: '2026-05-01T08:00:00Z' }]
	}),
	ev('nl.casusruimte.regie', {
		v: 1,
		regiehouder: '@csg:hs',
		deputy: null,
		since: '2026-05-01T08:00:00Z',
		handovers: 0
	}),
	ev('m.room.member', { membership: 'join' }, { state_key: SERVICE }),
	ev('m.room.member', { membership: 'join' }, { state_key: '@csg:hs', sender: '@csg:hs', origin_server_ts: 2000 }),
	ev('m.room.member', { membership: 'invite' }, { state_key: '@vt:hs', sender: '@csg:hs' }),
	ev('m.room.member', { membership: 'leave' }, { state_key: '@gone:hs', sender: '@gone:hs' })
];

describe('readCaseRoomState', () => {
	it('reads case, access, regie and membership of a case room', () => {
		const s = readCaseRoomState(room());
		expect(s.isCaseRoom).toBe(true);
		expect(s.createdBy).toBe(SERVICE);
		expect(s.case?.reference).toBe('DH-2026-0007');
		expect(s.regie?.regiehouder).toBe('@csg:hs');
		expect([...coveredOrgs(s)]).toEqual(['CSG']);
		expect(membershipOf(s, '@csg:hs')).toBe('join');
		expect(s.memberships.get('@csg:hs')).toEqual({ membership: 'join', since: 2000, sender: '@csg:hs' });
		expect(membershipOf(s, '@nobody:hs')).toBe('');
		expect(currentMembers(s, SERVICE).sort()).toEqual(['@csg:hs', '@vt:hs']);
		expect(s.validState).toBe(true);
	});

	it('has one "is this a case room" test: the create event, not the name or a copied state event', () => {
		expect(isCaseRoomCreate({ type: CASE_ROOM_TYPE })).toBe(true);
		expect(isCaseRoomCreate({})).toBe(false);
		expect(isCaseRoomCreate(undefined)).toBe(false);
		// an ordinary room carrying case state (made around the guard) is not a case room
		expect(readCaseRoomState(room({})).isCaseRoom).toBe(false);
	});

	it('drops content that breaks the schema and says the state is not valid', () => {
		const events = room().map((e) =>
			e.type === 'nl.casusruimte.regie' ? { ...e, content: { ...e.content, note: 'Jan Jansen' } } : e
		);
		const s = readCaseRoomState(events);
		expect(s.regie).toBeNull();
		expect(s.validState).toBe(false);
		const noCase = readCaseRoomState(room().filter((e) => e.type !== 'nl.casusruimte.case'));
		expect(noCase.case).toBeNull();
		expect(noCase.validState).toBe(false);
	});
});

describe('the one overdue rule', () => {
	const now = Date.parse('2026-05-03T00:00:00Z');
	it('triage: past the deadline, not triaged, still open', () => {
		expect(triageOverdue({ triageDeadline: '2026-05-02T08:00:00Z', triaged: false, phase: 'triage' }, now)).toBe(true);
		expect(triageOverdue({ triageDeadline: '2026-05-02T08:00:00Z', triaged: true, phase: 'triage' }, now)).toBe(false);
		expect(triageOverdue({ triageDeadline: '2026-05-02T08:00:00Z', triaged: false, phase: 'closed' }, now)).toBe(false);
		expect(triageOverdue({ triageDeadline: '2026-05-04T08:00:00Z', triaged: false, phase: 'triage' }, now)).toBe(false);
		expect(triageOverdue({ triageDeadline: null, triaged: false, phase: 'triage' }, now)).toBe(false);
	});
	it('review: only under regie, after the review day', () => {
		expect(reviewDue({ nextReview: '2026-05-01', phase: 'regie' }, now)).toBe(true);
		expect(reviewDue({ nextReview: '2026-05-01', phase: 'triage' }, now)).toBe(false);
		expect(reviewDue({ nextReview: '2026-05-03', phase: 'regie' }, now)).toBe(false);
		expect(reviewDue({ nextReview: null, phase: 'regie' }, now)).toBe(false);
	});
});
