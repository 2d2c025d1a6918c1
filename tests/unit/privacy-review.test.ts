import { describe, expect, it } from 'vitest';
import { buildDirectory } from '../../src/lib/directory/directory.ts';
import { USER_EVENT, userStateKey } from '../../src/lib/directory/schema.ts';
import {
	accessHistory,
	classifyMembership,
	isDeletable,
	retentionDatesProblem,
	membershipHistory,
	parseCaseRoom,
	strayRoom,
	summarise,
	type RawEvent,
	type ReviewContext
} from '../../src/lib/privacy/review.ts';
import { DEFAULT_RETENTION } from '../../src/lib/case/policy.ts';
import { CaseDetailResponse, CaseSummary } from '../../src/lib/privacy/schemas.ts';
import { DAY } from '../../src/lib/case/time.ts';

const SERVICE = '@casusruimte-service:hs';
const NOW = Date.parse('2026-06-01T12:00:00Z');
const entry = (org: string, active = true) => ({
	v: 1,
	org,
	roles: ['professional'],
	display_name: 'Naam Die Niet Mag Lekken',
	active,
	updated_at: 1
});

const ev = (type: string, content: Record<string, unknown>, extra: Partial<RawEvent> = {}): RawEvent => ({
	type,
	state_key: '',
	sender: SERVICE,
	origin_server_ts: NOW - 30 * DAY,
	content,
	...extra
});
const member = (userId: string, membership: string, extra: Partial<RawEvent> = {}) =>
	ev(
		'm.room.member',
		{ membership, displayname: 'Naam Die Niet Mag Lekken', avatar_url: 'mxc://hs/secret' },
		{ state_key: userId, sender: userId, ...extra }
	);

function room(
	overrides: { case?: Record<string, unknown>; regiehouder?: string | null; extra?: RawEvent[] } = {}
): RawEvent[] {
	return [
		ev('m.room.create', { type: 'nl.casusruimte.case', 'm.federate': false, room_version: '12' }),
		ev('m.room.name', { name: 'DH-2026-0007' }),
		ev('nl.casusruimte.case', {
			v: 1,
			reference: 'DH-2026-0007',
			region: 'DH',
			phase: 'regie',
			first_report_at: '2026-05-01T08:00:00Z',
			acute: true,
			closed_at: null,
			retention_until: null,
			...overrides.case
		}),
		ev('nl.casusruimte.access', {
			v: 1,
			organisations: [
				{ org: 'CSG', basis: 'consent', since: '2026-05-01T08:00:00Z' },
				{ org: 'VT', basis: 'statutory', ground: 'wmo2015-vt', since: '2026-05-01T08:00:00Z' }
			]
		}),
		ev('nl.casusruimte.regie', {
			v: 1,
			regiehouder: overrides.regiehouder === undefined ? '@csg:hs' : overrides.regiehouder,
			deputy: null,
			since: '2026-05-01T08:00:00Z',
			handovers: 0
		}),
		member(SERVICE, 'join'),
		member('@csg:hs', 'join'),
		member('@vt:hs', 'join'),
		member('@politie:hs', 'invite', { sender: '@csg:hs' }),
		member('@gone:hs', 'leave'),
		member('@ghost:hs', 'join'),
		member('@left:hs', 'join'),
		...(overrides.extra ?? [])
	];
}

const ctx: ReviewContext = {
	retention: DEFAULT_RETENTION,
	directory: buildDirectory([
		{ type: USER_EVENT, state_key: userStateKey('@csg:hs'), content: entry('CSG') },
		{ type: USER_EVENT, state_key: userStateKey('@vt:hs'), content: entry('VT') },
		{ type: USER_EVENT, state_key: userStateKey('@politie:hs'), content: entry('POLITIE') },
		{ type: USER_EVENT, state_key: userStateKey('@left:hs'), content: entry('CSG', false) }
	]),
	accounts: new Map([
		['@csg:hs', { deactivated: false, last_seen_ts: NOW - DAY }],
		['@vt:hs', { deactivated: false, last_seen_ts: NOW - 200 * DAY }],
		['@politie:hs', { deactivated: false, last_seen_ts: NOW }],
		['@left:hs', { deactivated: true, last_seen_ts: NOW }]
	]),
	serviceUserId: SERVICE,
	now: NOW,
	inactiveDays: 90
};

describe('access review', () => {
	it('flags members outside the basis, missing, disabled and inactive; leaves out the service account and former members', () => {
		const { summary, members } = summarise(parseCaseRoom('!r', room()), ctx);
		CaseSummary.parse(summary);
		const flags = Object.fromEntries(members.map((m) => [m.user_id, m.flags]));
		expect(Object.keys(flags).sort()).toEqual(['@csg:hs', '@ghost:hs', '@left:hs', '@politie:hs', '@vt:hs']);
		expect(flags['@csg:hs']).toEqual([]);
		expect(flags['@vt:hs']).toEqual(['member_inactive']);
		expect(flags['@politie:hs']).toEqual(['member_not_covered']);
		expect(flags['@ghost:hs']).toEqual(['member_directory_missing', 'member_inactive']);
		expect(flags['@left:hs']).toEqual(['member_directory_inactive', 'member_account_deactivated']);
		expect(summary.members_by_org).toEqual([
			{ org: '?', joined: 1, invited: 0 },
			{ org: 'CSG', joined: 2, invited: 0 },
			{ org: 'POLITIE', joined: 0, invited: 1 },
			{ org: 'VT', joined: 1, invited: 0 }
		]);
		expect(summary.flags).toContainEqual({ code: 'member_not_covered', user_id: '@politie:hs', org: 'POLITIE' });
		expect(summary.flags.map((f) => f.code)).not.toContain('no_regiehouder');
		expect(JSON.stringify(summary)).not.toContain('Naam Die Niet Mag Lekken');
	});

	it('flags a case without a (joined) regiehouder, and overdue or missing retention', () => {
		const none = summarise(parseCaseRoom('!r', room({ regiehouder: null })), ctx).summary;
		expect(none.flags).toContainEqual({ code: 'no_regiehouder' });
		const leftRegie = summarise(parseCaseRoom('!r', room({ regiehouder: '@gone:hs' })), ctx).summary;
		expect(leftRegie.flags).toContainEqual({ code: 'no_regiehouder' });
		const closed = { phase: 'closed', first_report_at: '2024-12-01T00:00:00Z', closed_at: '2025-01-01T00:00:00Z' };
		const overdue = summarise(
			parseCaseRoom('!r', room({ case: { ...closed, retention_until: '2026-01-01T00:00:00Z' } })),
			ctx
		).summary;
		expect(overdue).toMatchObject({ retention_overdue: true, deletable: true });
		expect(overdue.flags).toContainEqual({ code: 'retention_overdue' });
		const kept = summarise(
			parseCaseRoom('!r', room({ case: { ...closed, retention_until: '2027-01-01T00:00:00Z' } })),
			ctx
		).summary;
		expect(kept).toMatchObject({ retention_overdue: false, deletable: false });
		const noDate = summarise(parseCaseRoom('!r', room({ case: closed })), ctx).summary;
		expect(noDate.flags).toContainEqual({ code: 'closed_without_retention' });
	});

	it('never makes a case deletable whose dates break the rules, and flags it', () => {
		const closed = { phase: 'closed', first_report_at: '2024-12-01T00:00:00Z', closed_at: '2025-01-01T00:00:00Z' };
		const cases = {
			// retention set before the window opens (one member made the record deletable at once)
			early: { ...closed, retention_until: '2025-01-02T00:00:00Z' },
			// decades ahead, beyond the window
			late: { ...closed, retention_until: '2045-01-01T00:00:00Z' },
			// closed in the future, so the window is too
			future: { ...closed, closed_at: '2027-01-01T00:00:00Z', retention_until: '2027-02-01T00:00:00Z' },
			// closed before the first report
			before: { ...closed, first_report_at: '2025-06-01T00:00:00Z', retention_until: '2026-01-01T00:00:00Z' }
		};
		const problems = Object.fromEntries(
			Object.entries(cases).map(([k, c]) => [
				k,
				retentionDatesProblem(parseCaseRoom('!r', room({ case: c })), DEFAULT_RETENTION, NOW)
			])
		);
		expect(problems).toEqual({
			early: 'retention-outside-window',
			late: 'retention-outside-window',
			future: 'closed-in-future',
			before: 'closed-before-first-report'
		});
		for (const c of Object.values(cases)) {
			const { summary } = summarise(parseCaseRoom('!r', room({ case: c })), ctx);
			expect(summary).toMatchObject({ deletable: false, retention_overdue: false });
			expect(summary.flags).toContainEqual({ code: 'retention_dates_invalid' });
		}
		// the legitimate case: inside the window and over, deletable and not flagged
		const ok = summarise(
			parseCaseRoom('!r', room({ case: { ...closed, retention_until: '2026-01-01T00:00:00Z' } })),
			ctx
		);
		expect(ok.summary.deletable).toBe(true);
		expect(ok.summary.flags.map((f) => f.code)).not.toContain('retention_dates_invalid');
		// a tighter policy moves the window: the same dates are then outside it
		const strict = { default_months: 24, min_months: 18, max_months: 60 };
		expect(
			isDeletable(
				parseCaseRoom('!r', room({ case: { ...closed, retention_until: '2026-01-01T00:00:00Z' } })),
				NOW,
				strict
			)
		).toBe(false);
	});

	it('flags a room whose power does not follow the directory (a chair who lost the role keeps 50)', () => {
		const pl = (users: Record<string, number>) => ev('m.room.power_levels', { users, users_default: 0 });
		const following = summarise(parseCaseRoom('!r', room({ extra: [pl({ '@csg:hs': 50 })] })), ctx).summary;
		expect(following.flags.map((f) => f.code)).not.toContain('power_mismatch');
		const stale = summarise(parseCaseRoom('!r', room({ extra: [pl({ '@csg:hs': 50, '@vt:hs': 50 })] })), ctx).summary;
		expect(stale.flags).toContainEqual({ code: 'power_mismatch' });
		// a regiehouder who left the directory loses it too
		const gone = summarise(
			parseCaseRoom('!r', room({ regiehouder: '@left:hs', extra: [pl({ '@left:hs': 50 })] })),
			ctx
		).summary;
		expect(gone.flags).toContainEqual({ code: 'power_mismatch' });
	});

	it('marks invalid state without passing its content on', () => {
		const bad = room({ case: { victim_name: 'Jan Jansen' } });
		const { summary } = summarise(parseCaseRoom('!r', bad), ctx);
		expect(summary.flags).toContainEqual({ code: 'invalid_state' });
		expect(summary.reference).toBe('DH-2026-0007'); // from the well-formed room name
		expect(JSON.stringify(summary)).not.toContain('Jansen');
	});

	it('takes only membership, reason, sender and time from member events', () => {
		const history = membershipHistory([
			member('@vt:hs', 'invite', {
				sender: '@csg:hs',
				content: {
					membership: 'invite',
					reason: 'Besproken in MDT 12 mei met Jan',
					displayname: 'Naam Die Niet Mag Lekken',
					'nl.secret': 'x'
				}
			}),
			member('@vt:hs', 'join', {
				unsigned: { prev_content: { membership: 'invite', displayname: 'Naam Die Niet Mag Lekken' } }
			}),
			member('@vt:hs', 'join', { unsigned: { prev_content: { membership: 'join' } } }),
			member('@vt:hs', 'leave', {
				sender: SERVICE,
				content: { membership: 'leave', reason: 'access-review' },
				unsigned: { prev_content: { membership: 'join' } }
			})
		]);
		expect(JSON.stringify(history)).not.toMatch(/Naam Die|secret|mxc:|Jan/);
		expect(history.map(classifyMembership)).toEqual(['invite', 'join', null, 'removal']);
		expect(history[0]).toEqual({
			ts: expect.any(String),
			user_id: '@vt:hs',
			membership: 'invite',
			previous: null,
			sender: '@csg:hs',
			// an older free-text reason: a neutral code, never its words
			reason: 'other'
		});
		expect(history[3]?.reason).toBe('access-review');
		expect(history[1]?.reason).toBeNull();
	});

	it('shows an access change that fails its schema without its content', () => {
		const out = accessHistory([
			ev('nl.casusruimte.access', {
				v: 1,
				organisations: [{ org: 'CSG', basis: 'consent', since: '2026-05-01T08:00:00Z', note: 'slachtoffer Jan' }]
			})
		]);
		expect(out).toEqual([{ ts: expect.any(String), sender: SERVICE, organisations: null }]);
	});

	it('the detail schema refuses any field it does not list', () => {
		expect(() =>
			CaseDetailResponse.shape.members.parse([
				{
					user_id: '@a:hs',
					org: null,
					membership: 'join',
					since: null,
					directory: 'active',
					account: 'active',
					last_seen_at: null,
					is_regiehouder: false,
					is_deputy: false,
					flags: [],
					displayname: 'X'
				}
			])
		).toThrow();
	});

	it('lists a non-case room holding case state by ID, types and member count only', () => {
		const state = [
			ev('m.room.create', { room_version: '12' }, { sender: '@csg:hs' }),
			ev('m.room.name', { name: 'Overleg Jan Jansen' }),
			ev('nl.casusruimte.case', { v: 1, reference: 'DH-2026-0999', victim: 'Jansen' }),
			ev('nl.casusruimte.access', { v: 1, organisations: [] }),
			member('@csg:hs', 'join'),
			member('@vt:hs', 'invite'),
			member(SERVICE, 'join')
		];
		expect(strayRoom('!s', state, SERVICE)).toEqual({
			room_id: '!s',
			state_types: ['nl.casusruimte.access', 'nl.casusruimte.case'],
			member_count: 1
		});
		expect(
			strayRoom(
				'!d',
				[ev('m.room.create', {}), ev('nl.casusruimte.directory.user', {}, { state_key: 'user:@a:hs' })],
				SERVICE
			)
		).toBeNull();
	});
});
