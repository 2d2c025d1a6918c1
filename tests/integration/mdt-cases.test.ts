/**
 * The daily MDT around a case, with a real Synapse and its guard: every new
 * case reaches the region's board, regie only for the regie organisations, the
 * agenda, the chair's access, a member's re-triage request and "one victim, one
 * case". Region UT (Utrecht) only, so other files' cases and MDTs stay apart.
 * Every refusal is paired with the legitimate act that must still work.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { accounts, createUser, serverConfig, serviceClient, type TestUser } from '../support/harness.ts';
import { CaseService } from '../../src/lib/server/cases.ts';
import { ServiceClient } from '../../src/lib/server/synapse-admin.ts';
import { MatrixHttpError } from '../../src/lib/server/http.ts';
import { caseService, newCaseInput } from '../support/cases.ts';
import { MdtAdmin } from '../../src/lib/server/mdt-admin.ts';
import { MdtService } from '../../src/lib/server/mdt.ts';
import { AGENDA_STATE, AgendaResponse, BOARD_POINTER_EVENT, BOARD_ROOM_TYPE } from '../../src/lib/case/board.ts';
import { GUEST_GRACE_MS } from '../../src/lib/server/boards.ts';
import { call, callEndpoint, ENDPOINTS, useTestHomeserver } from '../support/privacy.ts';
import * as createCaseRoute from '../../src/routes/api/cases/+server.ts';
import * as agendaRoute from '../../src/routes/api/mdt/[region]/agenda/+server.ts';
import * as chairRoute from '../../src/routes/api/cases/[roomId]/chair-access/+server.ts';
import * as retriageRoute from '../../src/routes/api/cases/[roomId]/retriage/+server.ts';
import * as continuedRoute from '../../src/routes/api/cases/[roomId]/continued-in/+server.ts';
import { instant } from '../../src/lib/case/time.ts';

const enc = encodeURIComponent;
type Ev = { type: string; state_key: string; content: Record<string, unknown> };
const REGION = 'UT';

let csg: TestUser; // MDT member, CSG: a regie organisation
let vt: TestUser; // MDT deputy
let chair: TestUser; // the UT MDT's chair, of an organisation the cases do not cover
let politie: TestUser; // not in the MDT
let otherChair: TestUser; // chairs another region's MDT
let mdt: MdtService;

const join = (u: TestUser, roomId: string) => u.http.post(`/_matrix/client/v3/rooms/${enc(roomId)}/join`, {});
const stateOf = async (roomId: string) => (await (await serviceClient()).getRoomState(roomId)) as Ev[];
const member = (state: Ev[], userId: string) =>
	state.find((e) => e.type === 'm.room.member' && e.state_key === userId)?.content;
const open = async (u: TestUser, overrides = {}) => {
	const created = await (await caseService()).createCase(u.accessToken, newCaseInput({ region: REGION, ...overrides }));
	await join(u, created.roomId);
	return created;
};

beforeAll(async () => {
	[csg, vt, chair, politie, otherChair] = await Promise.all([
		createUser('CSG', ['professional'], 'ut.csg'),
		createUser('VT', ['professional'], 'ut.vt'),
		createUser('OM', ['professional', 'chair'], 'ut.chair'),
		createUser('POLITIE', ['professional'], 'ut.politie'),
		createUser('SHN', ['professional', 'chair'], 'fr.chair')
	]);
	const admin = new MdtAdmin(await accounts());
	await admin.add(REGION, csg.localpart, 'member');
	await admin.add(REGION, vt.localpart, 'deputy');
	await admin.add(REGION, chair.localpart, 'chair');
	await admin.add('FR', otherChair.localpart, 'chair');
	mdt = new MdtService(await caseService());
});

describe('a new case reaches the board', () => {
	it('an MDT member of a regie organisation opens a case: regie, the board, the MDT invited onto it', async () => {
		const created = await open(csg);
		expect(created.board_room_id).toMatch(/^!/);
		expect(created.board_guest).toBe(false);
		expect(created.board_problem).toBeNull();
		expect(created.board_room_id).toBe(await (await caseService()).boards.pointer(REGION));
		const board = await stateOf(created.board_room_id!);
		for (const u of [csg, vt, chair]) expect(member(board, u.userId)).toMatchObject({ reason: 'mdt-board' });
		expect(member(board, politie.userId)).toBeUndefined();
		const regie = (await stateOf(created.roomId)).find((e) => e.type === 'nl.casusruimte.regie')?.content;
		expect(regie).toMatchObject({ regiehouder: csg.userId });
	});

	it('an opener outside the MDT and the regie organisations: no regie, invited onto the board as aanmelding guest, removed after the grace period', async () => {
		const created = await open(politie);
		const caseState = await stateOf(created.roomId);
		expect(caseState.find((e) => e.type === 'nl.casusruimte.regie')?.content).toMatchObject({ regiehouder: null });
		const users = caseState.find((e) => e.type === 'm.room.power_levels')?.content.users as Record<string, number>;
		expect(users[politie.userId]).toBeUndefined();
		expect(created.board_guest).toBe(true);
		const boardId = created.board_room_id!;
		expect(member(await stateOf(boardId), politie.userId)).toMatchObject({
			membership: 'invite',
			reason: 'aanmelding'
		});
		// the guest joins to post the aanmelding; a reconcile within the grace period leaves them be
		await join(politie, boardId);
		const cases = await caseService();
		const directory = await cases.directory();
		await cases.boards.reconcileBoard(REGION, directory);
		expect(member(await stateOf(boardId), politie.userId)?.membership).toBe('join');
		// past it, the next reconcile removes them; the MDT stays
		const run = await cases.boards.reconcileBoard(REGION, directory, { now: Date.now() + GUEST_GRACE_MS + 1000 });
		expect(run?.removed).toEqual([politie.userId]);
		const after = await stateOf(boardId);
		expect(member(after, politie.userId)).toMatchObject({ membership: 'leave', reason: 'no-longer-involved' });
		expect(member(after, csg.userId)?.membership).toMatch(/invite|join/);
	});

	it('a board the service can no longer reach is replaced, and the case is opened all the same', async () => {
		const cases = await caseService();
		const before = await cases.boards.pointer(REGION);
		const svc = await serviceClient();
		await svc.sendState(await cases.directoryRoom(), BOARD_POINTER_EVENT, REGION, { v: 1, room_id: '!gone:localhost' });
		try {
			const created = await open(csg);
			expect(created.board_room_id).toMatch(/^!/);
			expect(created.board_room_id).not.toBe('!gone:localhost');
			expect(await cases.boards.pointer(REGION)).toBe(created.board_room_id);
			expect(member(await stateOf(created.board_room_id!), vt.userId)).toMatchObject({ reason: 'mdt-board' });
		} finally {
			// the rest of this file keeps using the first board
			if (before)
				await svc.sendState(await cases.directoryRoom(), BOARD_POINTER_EVENT, REGION, { v: 1, room_id: before });
		}
	});
});

/** The service account's client, except that the homeserver refuses to make a board (a full disk, a bad configuration). */
class NoBoards extends ServiceClient {
	override createRoom(body: Record<string, unknown>) {
		if ((body.creation_content as { type?: string } | undefined)?.type === BOARD_ROOM_TYPE)
			return Promise.reject(new MatrixHttpError(500, 'M_UNKNOWN', 'simulated: no board today'));
		return super.createRoom(body);
	}
}

describe('a board that cannot be made', () => {
	it('opens the case all the same, says so in nl and en, and the next case makes the board', async () => {
		const real = await serviceClient();
		const broken = new CaseService(
			serverConfig(),
			new NoBoards(real.http.baseUrl, real.userId, real.http.accessToken!)
		);
		const wbMember = await createUser('SHN', ['professional'], 'wb.shn');
		await new MdtAdmin(await accounts()).add('WB', wbMember.localpart, 'member');
		const created = await broken.createCase(csg.accessToken, newCaseInput({ region: 'WB' }));
		expect(created.board_room_id).toBeNull();
		expect(created.board_problem?.nl).toMatch(/niet bereikbaar.*niets verloren/);
		expect(created.board_problem?.en).toMatch(/could not be reached.*Nothing was lost/);
		const caseState = await stateOf(created.roomId);
		expect(caseState.find((e) => e.type === 'nl.casusruimte.case')?.content).toMatchObject({
			reference: created.reference
		});
		expect(member(caseState, csg.userId)?.membership).toBe('invite');
		// the case is on the agenda; the next case (the homeserver well again) makes the board
		expect((await mdt.agenda(wbMember.accessToken, 'WB')).items.map((i) => i.room_id)).toContain(created.roomId);
		const next = await (await caseService()).createCase(csg.accessToken, newCaseInput({ region: 'WB' }));
		expect(next.board_room_id).toMatch(/^!/);
		expect(next.board_problem).toBeNull();
		expect(member(await stateOf(next.board_room_id!), wbMember.userId)).toMatchObject({ reason: 'mdt-board' });
	});
});

describe('regie belongs to the regie organisations', () => {
	it('refuses a handover to a police officer, and hands over to a VT case manager', async () => {
		const { roomId } = await open(csg);
		for (const u of [politie, vt]) {
			await csg.http.post(`/_matrix/client/v3/rooms/${enc(roomId)}/invite`, {
				user_id: u.userId,
				reason: 'mdt-triage'
			});
			await join(u, roomId);
		}
		const cases = await caseService();
		await expect(cases.handover(csg.accessToken, roomId, { to: politie.userId, deputy: null })).rejects.toMatchObject({
			status: 403,
			text: { en: expect.stringMatching(/cannot hold regie/) }
		});
		await expect(
			cases.handover(csg.accessToken, roomId, { to: vt.userId, deputy: politie.userId })
		).rejects.toMatchObject({ status: 403 });
		expect(await cases.handover(csg.accessToken, roomId, { to: vt.userId, deputy: csg.userId })).toMatchObject({
			regiehouder: vt.userId,
			deputy: csg.userId
		});
	});
});

describe('the agenda', () => {
	it("shows the region's cases from plaintext state to its MDT members only", async () => {
		const a = await open(politie, { acute: false });
		const res = AgendaResponse.parse(await mdt.agenda(vt.accessToken, 'ut'));
		expect(res.region).toBe(REGION);
		expect(res.chair).toBe(false);
		expect(res.board_room_id).toBe(await (await caseService()).boards.pointer(REGION));
		const item = res.items.find((i) => i.room_id === a.roomId);
		expect(item).toMatchObject({
			reference: a.reference,
			region: REGION,
			phase: 'first_contact',
			acute: false,
			triaged: false,
			regiehouder: null,
			retriage_requested_at: null,
			continued_in: null,
			closed_at: null
		});
		expect(Date.parse(item!.triage_deadline) - Date.parse(item!.first_report_at)).toBe(24 * 3600_000);
		expect(res.items.every((i) => i.region === REGION)).toBe(true);
		expect((await mdt.agenda(chair.accessToken, REGION)).chair).toBe(true);
		// outside the MDT, another region's chair, an unknown region, no token
		await expect(mdt.agenda(politie.accessToken, REGION)).rejects.toMatchObject({ status: 403 });
		await expect(mdt.agenda(otherChair.accessToken, REGION)).rejects.toMatchObject({ status: 403 });
		await expect(mdt.agenda(vt.accessToken, 'XX')).rejects.toMatchObject({ status: 404 });
		await expect(mdt.agenda(null, REGION)).rejects.toMatchObject({ status: 401 });
	});
});

describe("the chair's access", () => {
	it('invites the chair of the case region with reason mdt-chair, who joins although their organisation is not covered', async () => {
		const { roomId } = await open(politie);
		await expect(mdt.chairAccess(csg.accessToken, roomId)).rejects.toMatchObject({ status: 403 });
		await expect(mdt.chairAccess(otherChair.accessToken, roomId)).rejects.toMatchObject({ status: 403 });
		expect(await mdt.chairAccess(chair.accessToken, roomId)).toEqual({ room_id: roomId, membership: 'invite' });
		expect(member(await stateOf(roomId), chair.userId)).toMatchObject({ membership: 'invite', reason: 'mdt-chair' });
		// idempotent
		expect(await mdt.chairAccess(chair.accessToken, roomId)).toEqual({ room_id: roomId, membership: 'invite' });
		await join(chair, roomId);
		expect(member(await stateOf(roomId), chair.userId)?.membership).toBe('join');
		// the privacy officer sees the chair's basis as the reason, not as a member outside the access basis
		useTestHomeserver();
		const officer = await createUser('CSG', ['privacy-officer'], 'ut.po');
		const detail = await callEndpoint(
			ENDPOINTS.find((e) => e.name === 'case')!,
			roomId,
			officer.accessToken
		);
		expect(detail.status).toBe(200);
		const seen = detail.json<{ members: { user_id: string; flags: string[] }[] }>().members;
		expect(seen.find((m) => m.user_id === chair.userId)?.flags).not.toContain('member_not_covered');
		// the chair, now in the room, assigns regie to a CSG case manager (a regie organisation)
		await chair.http.post(`/_matrix/client/v3/rooms/${enc(roomId)}/invite`, { user_id: csg.userId, reason: 'regie' });
		await join(csg, roomId);
		expect(
			await (await caseService()).handover(chair.accessToken, roomId, { to: csg.userId, deputy: null })
		).toMatchObject({ regiehouder: csg.userId });
	});
});

describe('re-triage and one victim, one case', () => {
	it('any joined member puts the case back on the agenda; others cannot', async () => {
		const { roomId } = await open(csg);
		await csg.http.post(`/_matrix/client/v3/rooms/${enc(roomId)}/invite`, {
			user_id: politie.userId,
			reason: 'mdt-triage'
		});
		await expect(mdt.retriage(politie.accessToken, roomId)).rejects.toMatchObject({ status: 403 });
		await join(politie, roomId);
		const state = await mdt.retriage(politie.accessToken, roomId);
		expect(state.retriage_requested_at).toMatch(/Z$/);
		expect((await stateOf(roomId)).find((e) => e.type === AGENDA_STATE)?.content).toEqual(state);
		const item = (await mdt.agenda(vt.accessToken, REGION)).items.find((i) => i.room_id === roomId);
		expect(item?.retriage_requested_at).toBe(state.retriage_requested_at);
		// the next triage decision answers the request: the agenda shows none, and the case as triaged
		await new Promise((r) => setTimeout(r, 1100));
		const decidedAt = instant();
		await csg.http.put(`/_matrix/client/v3/rooms/${enc(roomId)}/state/nl.casusruimte.triage.status/`, {
			v: 1,
			seq: 1,
			decided_at: decidedAt,
			next_review: null
		});
		const answered = (await mdt.agenda(vt.accessToken, REGION)).items.find((i) => i.room_id === roomId);
		expect(answered).toMatchObject({ triaged: true, retriage_requested_at: null });
		// nobody writes the agenda state but the service
		await expect(
			csg.http.put(`/_matrix/client/v3/rooms/${enc(roomId)}/state/${AGENDA_STATE}/`, { ...state, continued_in: null })
		).rejects.toMatchObject({ status: 403 });
	});

	it('the chair links a case to the one it continues in; nobody else, not to itself or an unknown case', async () => {
		const a = await open(politie);
		const b = await open(csg);
		await expect(mdt.continuedIn(csg.accessToken, a.roomId, { reference: b.reference })).rejects.toMatchObject({
			status: 403
		});
		await expect(mdt.continuedIn(chair.accessToken, a.roomId, { reference: a.reference })).rejects.toMatchObject({
			status: 400
		});
		await expect(mdt.continuedIn(chair.accessToken, a.roomId, { reference: 'UT-1999-9999' })).rejects.toMatchObject({
			status: 404
		});
		await expect(mdt.continuedIn(chair.accessToken, a.roomId, { reference: 'nonsense' })).rejects.toMatchObject({
			status: 400
		});
		const linked = await mdt.continuedIn(chair.accessToken, a.roomId, { reference: b.reference });
		expect(linked).toMatchObject({ continued_in: b.reference });
		const items = (await mdt.agenda(vt.accessToken, REGION)).items;
		expect(items.find((i) => i.room_id === a.roomId)?.continued_in).toBe(b.reference);
		// b cannot in turn continue in a, which already continues in b
		await expect(mdt.continuedIn(chair.accessToken, b.roomId, { reference: a.reference })).rejects.toMatchObject({
			status: 409
		});
	});
});

describe('the API routes', () => {
	it('answer on the wire: POST /api/cases with the board, the agenda, chair access, re-triage and continued-in', async () => {
		useTestHomeserver();
		const created = await call(createCaseRoute.POST as never, 'POST', '/api/cases', politie.accessToken, {
			...newCaseInput({ region: REGION })
		});
		expect(created.status).toBe(201);
		const body = created.json<{ roomId: string; reference: string; board_room_id: string; board_guest: boolean }>();
		expect(body).toMatchObject({ board_room_id: expect.stringMatching(/^!/), board_guest: true });
		await join(politie, body.roomId);
		const route = (handler: unknown, method: string, path: string, token: string | null, params = {}, json?: unknown) =>
			(handler as (e: never) => Promise<Response>)({
				request: new Request(new URL(path, 'http://casusruimte.test'), {
					method,
					headers: {
						...(token ? { authorization: `Bearer ${token}` } : {}),
						...(json ? { 'content-type': 'application/json' } : {})
					},
					body: json ? JSON.stringify(json) : undefined
				}),
				params
			} as never);
		const agenda = await route(agendaRoute.GET, 'GET', `/api/mdt/${REGION}/agenda`, vt.accessToken, { region: REGION });
		expect(agenda.status).toBe(200);
		expect(AgendaResponse.parse(await agenda.json()).items.some((i) => i.room_id === body.roomId)).toBe(true);
		const refused = await route(agendaRoute.GET, 'GET', `/api/mdt/${REGION}/agenda`, politie.accessToken, {
			region: REGION
		});
		expect(refused.status).toBe(403);
		expect(await refused.json()).toMatchObject({ code: 'not-allowed' });
		const params = { roomId: body.roomId };
		const access = await route(chairRoute.POST, 'POST', '/x', chair.accessToken, params);
		expect(access.status).toBe(200);
		expect(await access.json()).toEqual({ room_id: body.roomId, membership: 'invite' });
		expect((await route(chairRoute.POST, 'POST', '/x', vt.accessToken, params)).status).toBe(403);
		const again = await route(retriageRoute.POST, 'POST', '/x', politie.accessToken, params);
		expect(again.status).toBe(200);
		expect((await route(retriageRoute.POST, 'POST', '/x', vt.accessToken, params)).status).toBe(403);
		const bad = await route(continuedRoute.POST, 'POST', '/x', chair.accessToken, params, { reference: 42 });
		expect(bad.status).toBe(400);
	});
});
