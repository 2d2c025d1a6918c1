/**
 * The access-review report and the CSV mapping, pure (src/lib/privacy/report.ts):
 * counts per case from membership and access history, actions and deletions from
 * the audit log, and the columns of the CSV file, without any user ID.
 */
import { describe, expect, it } from 'vitest';
import { buildDirectory } from '../../src/lib/directory/directory.ts';
import { DEFAULT_RETENTION } from '../../src/lib/case/policy.ts';
import { parseCaseRoom, summarise, type RawEvent, type ReviewContext } from '../../src/lib/privacy/review.ts';
import { REPORT_COLUMNS, reportCsv, reportResponse, reportRow } from '../../src/lib/privacy/report.ts';
import { ReportResponse, type AuditEntry } from '../../src/lib/privacy/schemas.ts';
import { parseCsv } from '../../src/lib/csv.ts';

const SERVICE = '@service:hs';
const T = Date.parse('2026-03-10T10:00:00Z');
const ev = (type: string, content: Record<string, unknown>, extra: Partial<RawEvent> = {}): RawEvent => ({
	type,
	state_key: '',
	sender: SERVICE,
	origin_server_ts: T,
	content,
	...extra
});
const member = (user: string, membership: string, sender: string, prev?: string, ts = T) =>
	ev(
		'm.room.member',
		{ membership },
		{
			state_key: user,
			sender,
			origin_server_ts: ts,
			unsigned: prev ? { prev_content: { membership: prev } } : undefined
		}
	);

const state = [
	ev('m.room.create', { type: 'nl.casusruimte.case' }),
	ev('nl.casusruimte.case', {
		v: 1,
		reference: 'DH-2026-0001',
		region: 'DH',
		phase: 'regie',
		first_report_at: '2026-03-01T08:00:00Z',
		acute: false,
		closed_at: null,
		retention_until: null
	}),
	ev('nl.casusruimte.access', {
		v: 1,
		organisations: [{ org: 'CSG', basis: 'consent', since: '2026-03-01T08:00:00Z' }]
	}),
	ev('nl.casusruimte.regie', { v: 1, regiehouder: '@a:hs', deputy: null, since: '2026-03-01T08:00:00Z', handovers: 0 }),
	member('@a:hs', 'join', '@a:hs')
];
const history = [
	member(SERVICE, 'join', SERVICE),
	member('@a:hs', 'invite', SERVICE),
	member('@a:hs', 'join', '@a:hs', 'invite'),
	member('@b:hs', 'invite', '@a:hs'),
	member('@b:hs', 'join', '@b:hs', 'invite'),
	member('@b:hs', 'leave', '@a:hs', 'join'),
	member('@c:hs', 'invite', '@a:hs', undefined, Date.parse('2025-01-01T00:00:00Z')), // outside the period
	ev('nl.casusruimte.access', { v: 1, organisations: [] })
];
const ctx: ReviewContext = {
	directory: buildDirectory([]),
	retention: DEFAULT_RETENTION,
	accounts: new Map(),
	serviceUserId: SERVICE,
	now: T,
	inactiveDays: 90
};
const entry = (
	action: AuditEntry['action'],
	actor: string,
	outcome: string,
	room_id: string | null = '!r'
): AuditEntry => ({
	seq: 1,
	ts: '2026-03-10T10:00:00Z',
	actor,
	action,
	room_id,
	reference: 'DH-2026-0001',
	target: null,
	reason: null,
	outcome,
	prev: '0'.repeat(64)
});
const inPeriod = (iso: string) => iso >= '2026-03-01' && iso <= '2026-03-31T23:59:59Z';

describe('access-review report', () => {
	const c = parseCaseRoom('!r', state);
	const entries = [
		entry('view-case', '@po:hs', 'shown'),
		entry('remove-member', '@po:hs', 'removed'),
		entry('delete-case', 'system:retention-job', 'purged', '!gone'),
		entry('delete-case', '@po:hs', 'purged', '!gone2')
	];
	const row = reportRow(c, summarise(c, ctx), history, entries, inPeriod, SERVICE);

	it('counts the changes within the period, leaves out the service account and views', () => {
		expect(row).toMatchObject({
			reference: 'DH-2026-0001',
			invites: 2,
			joins: 2,
			leaves: 0,
			removals: 1,
			access_changes: 1,
			organisations: 'CSG (toestemming)',
			officer_actions: 1
		});
	});

	it('tallies actions and deletions, and maps the rows to CSV without user IDs', () => {
		const report = ReportResponse.parse(
			reportResponse({ from: '2026-03-01', to: '2026-03-31' }, [row], entries, 'system:retention-job', T)
		);
		expect(report.actions).toEqual([
			{ action: 'delete-case', count: 2 },
			{ action: 'remove-member', count: 1 },
			{ action: 'view-case', count: 1 }
		]);
		expect(report.deleted.map((d) => d.by)).toEqual(['retention-job', 'officer']);
		const table = parseCsv(reportCsv(report));
		expect(table[0]).toEqual(REPORT_COLUMNS.map(([, label]) => label));
		expect(table[1]![table[0]!.indexOf('verwijderd')]).toBe('1');
		expect(reportCsv(report)).not.toContain('@');
	});
});
