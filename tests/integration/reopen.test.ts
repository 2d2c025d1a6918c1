/**
 * Reopening a closed case while it is retained ("omgaan met terugval"), against a
 * real Synapse and its guard, through the app server's route as the browser
 * calls it: a joined coordinator or the region's MDT chair reopens; a plain
 * member, a privacy officer, a case past its retention or an open case is
 * refused; the case is back on the MDT's agenda; the audit log has the entry and
 * the privacy console's case history shows the reopening. Nobody but the
 * service moves a closed case's phase back. Region GLD only.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { accounts, createUser, serviceClient, type TestUser } from '../support/harness.ts';
import { caseService, newCaseInput } from '../support/cases.ts';
import { MdtAdmin } from '../../src/lib/server/mdt-admin.ts';
import { MdtService } from '../../src/lib/server/mdt.ts';
import { AGENDA_STATE } from '../../src/lib/case/board.ts';
import { callEndpoint, ENDPOINTS, useTestHomeserver } from '../support/privacy.ts';
import * as reopenRoute from '../../src/routes/api/cases/[roomId]/reopen/+server.ts';
import { AuditResponse, CaseDetailResponse } from '../../src/lib/privacy/schemas.ts';
import { instant as iso } from '../../src/lib/case/time.ts';

const enc = encodeURIComponent;
const REGION = 'GLD';
const CASE = 'nl.casusruimte.case';
type Ev = { type: string; state_key: string; content: Record<string, unknown> };

let csg: TestUser; // opens the cases: regiehouder (a regie organisation)
let politie: TestUser; // a plain member of the cases
let chair: TestUser; // chairs the GLD MDT, not in the case rooms
let officer: TestUser; // privacy officer

const join = (u: TestUser, roomId: string) => u.http.post(`/_matrix/client/v3/rooms/${enc(roomId)}/join`, {});
const stateOf = async (roomId: string) => (await (await serviceClient()).getRoomState(roomId)) as Ev[];
const caseOf = async (roomId: string) => (await stateOf(roomId)).find((e) => e.type === CASE)!.content;
const putCase = (u: TestUser, roomId: string, content: unknown) =>
	u.http.put(`/_matrix/client/v3/rooms/${enc(roomId)}/state/${CASE}/`, content);

/** The route as SvelteKit calls it for POST /api/cases/<roomId>/reopen. */
async function post(u: TestUser | null, roomId: string) {
	const response = await (reopenRoute.POST as unknown as (e: never) => Promise<Response>)({
		request: new Request(new URL(`/api/cases/${enc(roomId)}/reopen`, 'http://casusruimte.test'), {
			method: 'POST',
			headers: u ? { authorization: `Bearer ${u.accessToken}` } : {}
		}),
		params: { roomId }
	} as never);
	const text = await response.text();
	return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}
/** A GLD case opened by the CSG case manager, with the police as a member, closed by the regiehouder now. */
async function closedCase(opts: { triaged?: boolean } = {}) {
	const created = await (await caseService()).createCase(csg.accessToken, newCaseInput({ region: REGION }));
	await join(csg, created.roomId);
	await csg.http.post(`/_matrix/client/v3/rooms/${enc(created.roomId)}/invite`, {
		user_id: politie.userId,
		reason: 'mdt-triage'
	});
	await join(politie, created.roomId);
	if (opts.triaged) {
		await csg.http.put(`/_matrix/client/v3/rooms/${enc(created.roomId)}/state/nl.casusruimte.triage.status/`, {
			v: 1,
			seq: 1,
			decided_at: iso(Date.now()),
			next_review: null
		});
		await putCase(csg, created.roomId, { ...(await caseOf(created.roomId)), phase: 'regie' });
	}
	const now = Date.now();
	await putCase(csg, created.roomId, {
		...(await caseOf(created.roomId)),
		phase: 'closed',
		closed_at: iso(now),
		retention_until: iso(now + 365 * 86_400_000)
	});
	return created;
}

beforeAll(async () => {
	useTestHomeserver();
	[csg, politie, chair, officer] = await Promise.all([
		createUser('CSG', ['professional'], 'gld.csg'),
		createUser('POLITIE', ['professional'], 'gld.politie'),
		createUser('OM', ['professional', 'chair'], 'gld.chair'),
		createUser('CSG', ['privacy-officer'], 'gld.po')
	]);
	const admin = new MdtAdmin(await accounts());
	await admin.add(REGION, csg.localpart, 'member');
	await admin.add(REGION, chair.localpart, 'chair');
});

describe('reopening a closed case', () => {
	it('the regiehouder reopens it: back to triage (never triaged), dates cleared, on the agenda, in the audit log', async () => {
		const { roomId, reference } = await closedCase();
		// refused first: a plain member and the privacy officer
		expect(await post(politie, roomId)).toMatchObject({ status: 403, body: { code: 'not-allowed' } });
		expect(await post(officer, roomId)).toMatchObject({ status: 403, body: { code: 'not-allowed' } });
		expect(await post(null, roomId)).toMatchObject({ status: 401 });
		expect((await caseOf(roomId)).phase).toBe('closed');
		// the legitimate act
		const done = await post(csg, roomId);
		expect(done).toMatchObject({ status: 200, body: { phase: 'triage', reference } });
		const state = await caseOf(roomId);
		expect(state).toMatchObject({ phase: 'triage', closed_at: null, retention_until: null, reference, region: REGION });
		const agenda = (await stateOf(roomId)).find((e) => e.type === AGENDA_STATE)?.content;
		expect(agenda?.retriage_requested_at).toMatch(/Z$/);
		// open again: the MDT sees it on its agenda as an open case
		const items = (await new MdtService(await caseService()).agenda(csg.accessToken, REGION)).items;
		expect(items.find((i) => i.room_id === roomId)).toMatchObject({ phase: 'triage', closed_at: null });
		// a second reopening of the now open case is refused
		expect(await post(csg, roomId)).toMatchObject({ status: 409, body: { code: 'conflict' } });
		// the privacy officer sees it: the audit log, and the case history marks the change as a reopening
		const audit = await callEndpoint(
			ENDPOINTS.find((e) => e.name === 'audit')!,
			roomId,
			officer.accessToken
		);
		expect(audit.status).toBe(200);
		const entries = AuditResponse.parse(audit.json()).entries.filter(
			(e) => e.action === 'case-reopened' && e.room_id === roomId
		);
		expect(entries).toHaveLength(1);
		expect(entries[0]).toMatchObject({ actor: csg.userId, reference, outcome: 'reopened: closed → triage' });
		const detail = await callEndpoint(
			ENDPOINTS.find((e) => e.name === 'case')!,
			roomId,
			officer.accessToken
		);
		expect(detail.status).toBe(200);
		const history = CaseDetailResponse.parse(detail.json()).case_history;
		expect(history.at(-1)).toMatchObject({ phase: 'triage', reopened: true, valid: true });
		expect(history.filter((c) => c.reopened)).toHaveLength(1);
	});

	it('the region’s MDT chair reopens a triaged case from outside the room: back to regie', async () => {
		const { roomId } = await closedCase({ triaged: true });
		expect((await stateOf(roomId)).some((e) => e.type === 'm.room.member' && e.state_key === chair.userId)).toBe(false);
		expect(await post(chair, roomId)).toMatchObject({ status: 200, body: { phase: 'regie' } });
		expect(await caseOf(roomId)).toMatchObject({ phase: 'regie', closed_at: null, retention_until: null });
	});

	it('an open case is not reopened; a case past its retention stays closed', async () => {
		const open = await (await caseService()).createCase(csg.accessToken, newCaseInput({ region: REGION }));
		await join(csg, open.roomId);
		expect(await post(csg, open.roomId)).toMatchObject({ status: 409, body: { code: 'conflict' } });
		// the service records an earlier closure whose retention has ended (as a migration would)
		const { roomId } = await (await caseService()).createCase(csg.accessToken, newCaseInput({ region: REGION }));
		await join(csg, roomId);
		const svc = await serviceClient();
		await svc.sendState(roomId, CASE, '', {
			...(await caseOf(roomId)),
			phase: 'closed',
			closed_at: '2020-01-01T10:00:00Z',
			retention_until: '2020-06-01T10:00:00Z'
		});
		expect(await post(csg, roomId)).toMatchObject({ status: 403, body: { code: 'closed' } });
		expect((await caseOf(roomId)).phase).toBe('closed');
		// and the guard refuses it too, even from the service
		await expect(
			svc.sendState(roomId, CASE, '', {
				...(await caseOf(roomId)),
				phase: 'regie',
				closed_at: null,
				retention_until: null
			})
		).rejects.toMatchObject({ status: 403 });
	});

	it('nobody but the service moves a closed case back, and only phase and dates change', async () => {
		const { roomId } = await closedCase();
		const back: Record<string, unknown> = {
			...(await caseOf(roomId)),
			phase: 'regie',
			closed_at: null,
			retention_until: null
		};
		await expect(putCase(csg, roomId, back)).rejects.toMatchObject({ status: 403 });
		await expect(putCase(politie, roomId, back)).rejects.toMatchObject({ status: 403 });
		const svc = await serviceClient();
		await expect(svc.sendState(roomId, CASE, '', { ...back, acute: !back.acute })).rejects.toMatchObject({
			status: 403
		});
		await expect(
			svc.sendState(roomId, CASE, '', { ...back, retention_until: '2027-12-01T10:00:00Z' })
		).rejects.toMatchObject({ status: 403 });
		expect((await caseOf(roomId)).phase).toBe('closed');
		// the legitimate act: the service's reopening
		await svc.sendState(roomId, CASE, '', back);
		expect((await caseOf(roomId)).phase).toBe('regie');
	});
});
