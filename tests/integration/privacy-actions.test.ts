/**
 * The privacy officer's actions, each with a reason and each in the audit log:
 * removing a member, asking the regiehouder for an access review, setting
 * retention within the limits; the flags of the overview; the access-review
 * report (JSON and CSV, no personal data) and the pilot figures with suppression.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { createUser, type TestUser } from '../support/harness.ts';
import {
	endpoint,
	attempt,
	auditFile,
	call,
	callEndpoint,
	caseState,
	caseWithMembers,
	closeCaseAt,
	enc,
	useTestHomeserver
} from '../support/privacy.ts';
import { openCase } from '../support/cases.ts';
import * as figuresRoute from '../../src/routes/api/privacy/figures/+server.ts';
import * as reportRoute from '../../src/routes/api/privacy/report/+server.ts';
import {
	AuditResponse,
	CaseDetailResponse,
	FiguresResponse,
	OverviewResponse,
	ReportResponse
} from '../../src/lib/privacy/schemas.ts';
import { parseCsv } from '../../src/lib/csv.ts';
import { retentionUntil } from '../../src/lib/case/deadlines.ts';
import { addMonths } from '../../src/lib/case/policy.ts';
import { serviceNotice } from '../../src/lib/case/notices.ts';
import { instant as iso, DAY } from '../../src/lib/case/time.ts';

let officer: TestUser;
let csg: TestUser;
let vt: TestUser;
let politie: TestUser;
let roomId: string;
let reference: string;

beforeAll(async () => {
	useTestHomeserver();
	officer = await createUser('CSG', ['privacy-officer'], 'po');
	csg = await createUser('CSG');
	vt = await createUser('VT');
	politie = await createUser('POLITIE');
	({ roomId, reference } = await caseWithMembers(csg, [vt, politie], {
		first_report_at: iso(Date.now() - 120 * DAY)
	}));
});

const auditLines = () =>
	readFileSync(auditFile(), 'utf8')
		.trim()
		.split('\n')
		.map((l) => JSON.parse(l) as Record<string, unknown>);
const detail = async () =>
	CaseDetailResponse.parse((await callEndpoint(endpoint('case'), roomId, officer.accessToken)).json());

describe('overview and case page', () => {
	it('flags a member whose organisation lost its basis, and lists the case with members per organisation', async () => {
		// Consent for the police withdrawn, but the police officer was not removed.
		const access = await csg.http.get<{ organisations: { org: string }[] }>(
			`/_matrix/client/v3/rooms/${enc(roomId)}/state/nl.casusruimte.access/`
		);
		await csg.http.put(`/_matrix/client/v3/rooms/${enc(roomId)}/state/nl.casusruimte.access/`, {
			...access,
			organisations: access.organisations.filter((o) => o.org !== 'POLITIE')
		});
		const overview = OverviewResponse.parse(
			(await callEndpoint(endpoint('overview'), roomId, officer.accessToken)).json()
		);
		const mine = overview.cases.find((c) => c.room_id === roomId)!;
		expect(mine).toMatchObject({
			reference,
			region: 'DH',
			phase: 'first_contact',
			member_count: 3,
			retention_overdue: false
		});
		expect(mine.members_by_org).toEqual([
			{ org: 'CSG', joined: 1, invited: 0 },
			{ org: 'POLITIE', joined: 1, invited: 0 },
			{ org: 'VT', joined: 1, invited: 0 }
		]);
		expect(mine.flags).toContainEqual({ code: 'member_not_covered', user_id: politie.userId, org: 'POLITIE' });
		expect(mine.flags.map((f) => f.code)).not.toContain('no_regiehouder');
		const d = await detail();
		expect(d.access_history).toHaveLength(2);
		expect(d.access_history[1]!.organisations!.map((o) => o.org)).not.toContain('POLITIE');
		expect(d.membership_history.find((m) => m.user_id === vt.userId && m.membership === 'invite')).toMatchObject({
			sender: csg.userId,
			reason: 'mdt-triage'
		});
		expect(d.guard_rejections).toMatchObject({ available: expect.any(Boolean) });
	});

	it('flags a case without a regiehouder; a non-case room holding case state cannot be made, or is listed without its name', async () => {
		const other = await openCase(csg);
		await csg.http.post(`/_matrix/client/v3/rooms/${enc(other.roomId)}/leave`, {});
		// The guard lets only the service create rooms (and refuses case state outside case rooms), so a
		// user's named room with case state cannot be made; one from before the guard (or without it)
		// is listed by ID only (strayRoom, tests/unit/privacy-review.test.ts).
		let stray: string | undefined;
		const planted = await attempt(async () => {
			({ room_id: stray } = await csg.http.post<{ room_id: string }>('/_matrix/client/v3/createRoom', {
				name: 'Overleg Jan Jansen',
				preset: 'private_chat'
			}));
			await csg.http.put(`/_matrix/client/v3/rooms/${enc(stray)}/state/nl.casusruimte.case/`, {
				v: 1,
				reference: 'DH-2026-0999'
			});
		});
		const res = await callEndpoint(endpoint('overview'), other.roomId, officer.accessToken);
		const overview = OverviewResponse.parse(res.json());
		expect(overview.cases.find((c) => c.room_id === other.roomId)!.flags).toContainEqual({ code: 'no_regiehouder' });
		if (planted === 'planted')
			expect(overview.stray_rooms).toContainEqual({
				room_id: stray,
				state_types: ['nl.casusruimte.case'],
				member_count: 1
			});
		else if (stray) expect(overview.stray_rooms.map((r) => r.room_id)).not.toContain(stray);
		expect(res.text).not.toContain('Jansen');
	});
});

describe('actions', () => {
	it('removes a member with a reason code, shows it in the history and records it', async () => {
		const res = await callEndpoint(endpoint('remove'), roomId, officer.accessToken, {
			user_id: politie.userId,
			reason: 'member-not-covered'
		});
		expect(res.status, res.text).toBe(200);
		expect(res.json()).toEqual({ ok: true, action: 'remove-member', room_id: roomId, outcome: 'removed' });
		const member = await csg.http.get<{ membership: string; reason: string }>(
			`/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.member/${enc(politie.userId)}`
		);
		expect(member).toMatchObject({
			membership: 'leave',
			reason: 'not-covered'
		});
		const d = await detail();
		expect(d.members.map((m) => m.user_id)).not.toContain(politie.userId);
		expect(d.membership_history.at(-1)).toMatchObject({
			user_id: politie.userId,
			membership: 'leave',
			previous: 'join',
			reason: 'not-covered'
		});
		expect(
			auditLines()
				.filter((l) => l.action === 'remove-member' && l.room_id === roomId)
				.at(-1)
		).toMatchObject({
			actor: officer.userId,
			reference,
			target: politie.userId,
			reason: 'member-not-covered',
			outcome: 'removed'
		});
	});

	it('refuses without a reason code (free text included) or for a non-member, and records the refusal', async () => {
		const remove = endpoint('remove');
		expect((await callEndpoint(remove, roomId, officer.accessToken, { user_id: vt.userId })).status).toBe(400);
		expect(
			(await callEndpoint(remove, roomId, officer.accessToken, { user_id: vt.userId, reason: '   ' })).status
		).toBe(400);
		const freeText = await callEndpoint(remove, roomId, officer.accessToken, {
			user_id: vt.userId,
			reason: 'Toestemming politie ingetrokken op 3 maart'
		});
		expect(freeText.status).toBe(400);
		expect(freeText.json()).toMatchObject({ errcode: 'M_BAD_JSON', code: 'invalid', text: { nl: expect.any(String) } });
		expect(
			(
				await callEndpoint(remove, roomId, officer.accessToken, {
					user_id: vt.userId,
					reason: 'periodic-review',
					extra: 1
				})
			).status
		).toBe(400);
		const notMember = await callEndpoint(remove, roomId, officer.accessToken, {
			user_id: politie.userId,
			reason: 'periodic-review'
		});
		expect(notMember.status).toBe(400);
		expect(auditLines().at(-1)).toMatchObject({
			action: 'remove-member',
			target: politie.userId,
			outcome: expect.stringMatching(/^refused: /)
		});
		expect(
			(
				await callEndpoint(remove, '!doesnotexist:localhost', officer.accessToken, {
					user_id: vt.userId,
					reason: 'periodic-review'
				})
			).status
		).toBe(404);
	});

	it('asks the regiehouder for an access review with exactly the fixed notice in the case room', async () => {
		expect(
			(
				await callEndpoint(endpoint('review-request'), roomId, officer.accessToken, {
					reason: 'Jaarlijkse controle van toegang'
				})
			).status
		).toBe(400);
		const res = await callEndpoint(endpoint('review-request'), roomId, officer.accessToken, {
			reason: 'periodic-review'
		});
		expect(res.status, res.text).toBe(200);
		const messages = await csg.http.get<{
			chunk: { type: string; sender: string; content: { msgtype?: string; body?: string } }[];
		}>(`/_matrix/client/v3/rooms/${enc(roomId)}/messages`, { dir: 'b', limit: 10 });
		const notice = messages.chunk.find((e) => e.type === 'm.room.message');
		expect(notice?.sender).toMatch(/^@casusruimte-service:/);
		expect(notice?.content).toEqual(serviceNotice('access-review-requested'));
		expect(auditLines().at(-1)).toMatchObject({
			action: 'request-review',
			target: csg.userId,
			reason: 'periodic-review',
			outcome: 'notice sent'
		});
	});

	it('sets retention only for a closed case and only within the configured limits, keeping every other field', async () => {
		const retention = endpoint('retention');
		expect(
			(await callEndpoint(retention, roomId, officer.accessToken, { months: 24, reason: 'legal-hold' })).status
		).toBe(403);
		// the regiehouder closes the case now (a member's closed_at is the server's clock)
		const closedAt = iso(Date.now());
		await closeCaseAt(csg, roomId, closedAt, retentionUntil(closedAt, 12));
		const before = await caseState(csg, roomId);
		for (const months of [0, 61, 1.5])
			expect(
				(await callEndpoint(retention, roomId, officer.accessToken, { months, reason: 'retention-policy' })).status
			).toBe(400);
		const res = await callEndpoint(retention, roomId, officer.accessToken, {
			months: 36,
			reason: 'legal-hold'
		});
		expect(res.status, res.text).toBe(200);
		const want = retentionUntil(closedAt, 36);
		expect(res.json()).toMatchObject({ retention_until: want });
		expect(await caseState(csg, roomId)).toEqual({ ...before, retention_until: want });
		const d = await detail();
		expect(d.case.retention_until).toBe(want);
		expect(d.retention).toMatchObject({
			min_months: 1,
			max_months: 60,
			earliest: addMonths(closedAt, 1).toISOString(),
			latest: addMonths(closedAt, 60).toISOString()
		});
		expect(d.case_history.at(-1)).toMatchObject({ phase: 'closed', retention_until: want, valid: true });
		expect(
			auditLines()
				.filter((l) => l.action === 'set-retention')
				.at(-1)
		).toMatchObject({ action: 'set-retention', reason: 'legal-hold', outcome: expect.stringContaining(want) });
	});
});

describe('audit log', () => {
	it('shows every action newest first with an intact chain, and shows tampering', async () => {
		const res = AuditResponse.parse((await callEndpoint(endpoint('audit'), roomId, officer.accessToken)).json());
		expect(res.chain).toMatchObject({ ok: true, broken_at: null });
		expect(res.entries[0]!.seq).toBe(res.total);
		expect(res.entries.map((e) => e.action)).toEqual(
			expect.arrayContaining(['remove-member', 'request-review', 'set-retention', 'view-case', 'view-overview'])
		);
		const file = auditFile();
		const original = readFileSync(file, 'utf8');
		try {
			writeFileSync(file, original.replace('"reason":"legal-hold"', '"reason":"retention-policy"'));
			const tampered = AuditResponse.parse((await callEndpoint(endpoint('audit'), roomId, officer.accessToken)).json());
			expect(tampered.chain).toMatchObject({ ok: false, problem: 'hash of the previous line does not match' });
		} finally {
			writeFileSync(file, original);
		}
	});
});

describe('exports', () => {
	it('the access-review report counts changes in the period without any user ID', async () => {
		const today = new Date().toISOString().slice(0, 10);
		const json = ReportResponse.parse(
			(
				await call(
					reportRoute.GET as never,
					'GET',
					`/api/privacy/report?from=2020-01-01&to=2030-12-31`,
					officer.accessToken
				)
			).json()
		);
		const row = json.rows.find((r) => r.reference === reference)!;
		// the regiehouder's own invitation at creation, and vt and politie
		expect(row).toMatchObject({
			invites: 3,
			joins: 3,
			removals: 1,
			leaves: 0,
			access_changes: 2,
			members_not_covered: 0,
			phase: 'closed',
			officer_actions: expect.any(Number)
		});
		expect(row.officer_actions).toBeGreaterThanOrEqual(3);
		expect(json.actions.map((a) => a.action)).toContain('remove-member');
		const csv = await call(
			reportRoute.GET as never,
			'GET',
			`/api/privacy/report?from=2020-01-01&to=${today}&format=csv`,
			officer.accessToken
		);
		expect(csv.status).toBe(200);
		expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
		expect(csv.headers.get('content-disposition')).toBe('attachment; filename="toegangsreview.csv"');
		const table = parseCsv(csv.text);
		expect(table[0]!.slice(0, 3)).toEqual(['kenmerk', 'regio', 'fase']);
		const line = table.find((r) => r[0] === reference)!;
		expect(line[table[0]!.indexOf('verwijderd')]).toBe('1');
		// no user IDs, no display names: nothing personal
		expect(csv.text).not.toMatch(/@[a-z0-9._=-]+:/);
		for (const u of [csg, vt, politie, officer]) expect(csv.text).not.toContain(u.localpart);
		// a bad period is refused
		expect(
			(
				await call(
					reportRoute.GET as never,
					'GET',
					'/api/privacy/report?from=2026-05-01&to=2026-04-01',
					officer.accessToken
				)
			).status
		).toBe(400);
		expect(
			(await call(reportRoute.GET as never, 'GET', '/api/privacy/report?from=yesterday', officer.accessToken)).status
		).toBe(400);
	});

	it('the pilot figures aggregate case state and hide every figure about fewer than five cases', async () => {
		// February 2025: Groningen 6 cases, Friesland 2, Drenthe 7 (with a first triage within 24 hours).
		const created: { region: 'GR' | 'FR' | 'DR'; roomId: string; first: string }[] = [];
		for (const [region, n] of [
			['GR', 6],
			['FR', 2],
			['DR', 7]
		] as const) {
			for (let i = 0; i < n; i++) {
				const first = `2025-02-${String(3 + i).padStart(2, '0')}T09:00:00Z`;
				const c = await openCase(csg, { region, first_report_at: first, acute: i < 5 });
				created.push({ region, roomId: c.roomId, first });
			}
		}
		for (const c of created.filter((x) => x.region === 'DR')) {
			await csg.http.put(`/_matrix/client/v3/rooms/${enc(c.roomId)}/state/nl.casusruimte.triage.status/`, {
				v: 1,
				seq: 1,
				decided_at: iso(Date.parse(c.first) + 12 * 3_600_000),
				next_review: null
			});
			await csg.http.put(`/_matrix/client/v3/rooms/${enc(c.roomId)}/state/nl.casusruimte.triage.status/`, {
				v: 1,
				seq: 2,
				decided_at: iso(Date.parse(c.first) + 20 * DAY),
				next_review: null
			});
		}
		const res = await call(
			figuresRoute.GET as never,
			'GET',
			'/api/privacy/figures?from=2025-02-01&to=2025-02-28',
			officer.accessToken
		);
		expect(res.status, res.text).toBe(200);
		const f = FiguresResponse.parse(res.json());
		expect(f.regions).toEqual(['DR', 'FR', 'GR']);
		expect(f.overall.cases).toBe(15);
		const row = (r: string) => f.by_region.find((x) => x.region === r)!;
		expect(row('FR').cases).toBe('<5');
		// GR (6) is hidden as well: with the total published it would reveal FR by subtraction
		expect(row('GR').cases).toBe('<5');
		expect(row('DR')).toMatchObject({
			cases: 7,
			acute_share: '<5' /* 5 of 7: the 2 others are too few */,
			triaged: 7,
			triage_median_hours: 12,
			triaged_within_24h_share: 100
		});
		expect(f.per_month).toEqual([{ month: '2025-02', cells: [7, '<5', '<5'] }]);
		const csv = await call(
			figuresRoute.GET as never,
			'GET',
			'/api/privacy/figures?from=2025-02-01&to=2025-02-28&format=csv',
			officer.accessToken
		);
		const table = parseCsv(csv.text);
		// Each figure with its definition (issue 14): the last column.
		expect(table[0]).toEqual(['tabel', 'regio', 'periode', 'kenmerk', 'waarde', 'definitie']);
		expect(table.slice(1).every((r) => r[5]!.length > 0)).toBe(true);
		const cells = table.map((r) => r.slice(0, 5));
		expect(cells).toContainEqual(['per_regio', 'FR', '2025-02-01..2025-02-28', 'cases', '<5']);
		expect(cells).toContainEqual(['per_regio', 'DR', '2025-02-01..2025-02-28', 'triage_median_hours', '12']);
		expect(csv.text).not.toMatch(/DR-2025|GR-2025|FR-2025|@/);
	});
});
