/**
 * Case rooms are created by the service account from the template, and regie
 * handovers move the regie state and the power with them.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { accounts, createUser, server, serverConfig, serviceClient } from '../support/harness.ts';
import { caseService, newCaseInput, openCase } from '../support/cases.ts';
import { auditFile, callEndpoint, ENDPOINTS, useTestHomeserver } from '../support/privacy.ts';
import { Refusal } from '../../src/lib/refusal.ts';
import { CASE_ROOM_TYPE } from '../../src/lib/matrix/room-template.ts';
import { CaseService } from '../../src/lib/server/cases.ts';
import { COUNTER_TYPE } from '../../src/lib/server/references.ts';
import { ServiceClient } from '../../src/lib/server/synapse-admin.ts';
import { MatrixHttpError } from '../../src/lib/server/http.ts';
import { AuditLog } from '../../src/lib/server/privacy/audit.ts';
import { listRooms, purgeRoom, roomExists } from '../../src/lib/server/privacy/homeserver.ts';
import { OverviewResponse } from '../../src/lib/privacy/schemas.ts';
import { serviceNotice } from '../../src/lib/case/notices.ts';
import { privacyService } from '../../src/lib/server/runtime.ts';

const enc = encodeURIComponent;
type Ev = { type: string; state_key: string; sender: string; content: Record<string, unknown> };

describe('opening a case', () => {
	it('creates a private, encrypted, unfederated case room owned by the service account', async () => {
		const csg = await createUser('CSG');
		const chair = await createUser('VT', ['professional', 'chair']);
		const { roomId, reference } = await openCase(csg);
		expect(reference).toMatch(/^DH-\d{4}-\d{4}$/);
		const state = await csg.http.get<Ev[]>(`/_matrix/client/v3/rooms/${enc(roomId)}/state`);
		const get = (type: string) => state.find((e) => e.type === type && e.state_key === '');
		expect(get('m.room.create')?.sender).toBe(server().info.serviceUserId);
		expect(get('m.room.create')?.content).toMatchObject({ type: CASE_ROOM_TYPE, 'm.federate': false });
		expect(get('m.room.encryption')?.content.algorithm).toBe('m.megolm.v1.aes-sha2');
		expect(get('m.room.join_rules')?.content.join_rule).toBe('invite');
		expect(get('m.room.history_visibility')?.content.history_visibility).toBe('shared');
		expect(get('m.room.guest_access')?.content.guest_access).toBe('forbidden');
		expect(get('m.room.name')?.content.name).toBe(reference);
		expect(get('m.room.topic')).toBeUndefined();
		expect(get('m.room.canonical_alias')).toBeUndefined();
		expect(get('nl.casusruimte.case')?.content).toMatchObject({
			reference,
			region: 'DH',
			phase: 'first_contact',
			acute: true,
			closed_at: null
		});
		expect(get('nl.casusruimte.regie')?.content).toMatchObject({ regiehouder: csg.userId, deputy: null, handovers: 0 });
		const users = get('m.room.power_levels')?.content.users as Record<string, number>;
		expect(users[csg.userId]).toBe(50);
		expect(users[chair.userId]).toBe(50);
		expect(users[server().info.serviceUserId]).toBeUndefined();
		// not in the public room directory
		const list = await csg.http.get<{ chunk: { room_id: string }[] }>('/_matrix/client/v3/publicRooms');
		expect(list.chunk.map((r) => r.room_id)).not.toContain(roomId);
	});

	it('numbers references per region and year, and refuses a duplicate', async () => {
		const csg = await createUser('CSG');
		const a = await openCase(csg, { region: 'ZL' });
		const b = await openCase(csg, { region: 'ZL' });
		expect(Number(b.reference.slice(-4))).toBe(Number(a.reference.slice(-4)) + 1);
		await expect(
			(await caseService()).createCase(csg.accessToken, newCaseInput({ reference: a.reference }))
		).rejects.toMatchObject({ status: 409 });
	});

	it('refuses a forged token, a non-MDT account, bad input and an access basis without the own organisation', async () => {
		const service = await caseService();
		await expect(service.createCase('syt_forged_token', newCaseInput())).rejects.toMatchObject({ status: 401 });
		const officer = await createUser('CSG', ['privacy-officer']);
		await expect(service.createCase(officer.accessToken, newCaseInput())).rejects.toMatchObject({ status: 403 });
		const csg = await createUser('CSG');
		await expect(service.createCase(csg.accessToken, { ...newCaseInput(), region: 'XX' })).rejects.toBeInstanceOf(
			Refusal
		);
		await expect(service.createCase(csg.accessToken, { ...newCaseInput(), name: 'Jan Jansen' })).rejects.toMatchObject({
			status: 400
		});
		await expect(
			service.createCase(csg.accessToken, newCaseInput({ access: [{ org: 'POLITIE', basis: 'consent' }] }))
		).rejects.toMatchObject({ status: 403 });
	});
});

describe('regie handover', () => {
	it("moves the regie state and the power to the new regiehouder, only at a coordinator's request", async () => {
		const csg = await createUser('CSG');
		const shn = await createUser('SHN');
		const politie = await createUser('POLITIE');
		const { roomId } = await openCase(csg);
		for (const u of [shn, politie]) {
			await csg.http.post(`/_matrix/client/v3/rooms/${enc(roomId)}/invite`, {
				user_id: u.userId,
				reason: 'mdt-triage'
			});
			await u.http.post(`/_matrix/client/v3/rooms/${enc(roomId)}/join`, {});
		}
		const service = await caseService();
		// a member without regie may not hand it over
		await expect(
			service.handover(politie.accessToken, roomId, { to: politie.userId, deputy: null })
		).rejects.toMatchObject({ status: 403 });
		// The reason is case content: it stays in the encrypted record and the server refuses to be sent it.
		await expect(
			service.handover(csg.accessToken, roomId, { to: shn.userId, deputy: csg.userId, reason: 'SHN neemt regie' })
		).rejects.toMatchObject({ status: 400 });
		const regie = await service.handover(csg.accessToken, roomId, { to: shn.userId, deputy: csg.userId });
		expect(regie).toMatchObject({ regiehouder: shn.userId, deputy: csg.userId, handovers: 1 });
		const pl = await csg.http.get<{ users: Record<string, number> }>(
			`/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.power_levels/`
		);
		expect(pl.users[shn.userId]).toBe(50);
		expect(pl.users[csg.userId]).toBe(50);
		const again = await service.handover(shn.accessToken, roomId, { to: shn.userId, deputy: null });
		expect(again.handovers).toBe(1);
		// a retry of the same handover (its response lost) is answered the same, and changes nothing
		expect(await service.handover(shn.accessToken, roomId, { to: shn.userId, deputy: null })).toEqual(again);
		const pl2 = await csg.http.get<{ users: Record<string, number> }>(
			`/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.power_levels/`
		);
		expect(pl2.users[csg.userId]).toBeUndefined();
		// the regie state itself is the service account's: members cannot write it
		await expect(
			shn.http.put(`/_matrix/client/v3/rooms/${enc(roomId)}/state/nl.casusruimte.regie/`, {
				...again,
				regiehouder: politie.userId
			})
		).rejects.toMatchObject({ status: 403 });
	});

	it('refuses a regiehouder from an organisation the access basis does not cover', async () => {
		const csg = await createUser('CSG');
		const om = await createUser('OM');
		const { roomId } = await openCase(csg);
		await expect(
			(await caseService()).handover(csg.accessToken, roomId, { to: om.userId, deputy: null })
		).rejects.toMatchObject({ status: 403 });
	});
});

/** The service account's client, except that createRoom fails once the room exists (a crash, a timeout, a refusal mid-way). */
class FailsAfterCreate extends ServiceClient {
	override async createRoom(body: Record<string, unknown>): Promise<{ room_id: string }> {
		await super.createRoom(body);
		throw new MatrixHttpError(500, 'M_UNKNOWN', 'simulated failure after the room exists');
	}
}

async function failingCases(purge?: (roomId: string) => Promise<void>) {
	const real = await serviceClient();
	const client = new FailsAfterCreate(real.http.baseUrl, real.userId, real.http.accessToken!);
	useTestHomeserver();
	return new CaseService(serverConfig(), client, { audit: new AuditLog(auditFile()), purge });
}

const auditLines = () =>
	readFileSync(auditFile(), 'utf8')
		.trim()
		.split('\n')
		.map((l) => JSON.parse(l) as Record<string, unknown>);

describe("references from the service's own counter", () => {
	it('a room named like a case, by anyone, neither blocks creation nor moves the numbering', async () => {
		const csg = await createUser('CSG');
		const year = new Date().getUTCFullYear();
		// The old attack: a room whose name is the region's highest "reference" made every new case fail.
		// Only the service creates rooms now, so no account can make such a room at all.
		for (const name of [`FL-${year}-99999`, `FL-${year}-0001`, `FL-${year}-0002`])
			await expect(
				csg.http.post('/_matrix/client/v3/createRoom', { name, preset: 'private_chat' })
			).rejects.toMatchObject({ status: 403 });
		const service = await serviceClient();
		const a = await openCase(csg, { region: 'FL', first_report_at: `${year}-01-05T09:00:00Z` });
		// Nor does a name count where one can be set (by the service, in a case room): a case room
		// named like the region's highest reference leaves the numbering where it was.
		await service.sendState(a.roomId, 'm.room.name', '', { name: `FL-${year}-99999` });
		const b = await openCase(csg, { region: 'FL', first_report_at: `${year}-01-06T09:00:00Z` });
		expect(a.reference).toBe(`FL-${year}-0001`);
		expect(b.reference).toBe(`FL-${year}-0002`);
		// the counter is the service's own account data, which no other account can write
		const counter = await service.http.get<{ last: Record<string, number> }>(
			`/_matrix/client/v3/user/${enc(service.userId)}/account_data/${COUNTER_TYPE}`
		);
		expect(counter.last[`FL-${year}`]).toBe(2);
		await expect(
			csg.http.put(`/_matrix/client/v3/user/${enc(service.userId)}/account_data/${COUNTER_TYPE}`, { v: 1, last: {} })
		).rejects.toMatchObject({ status: 403 });
	});

	it('a fresh counter starts from the case state of the rooms the service made, never from names', async () => {
		const csg = await createUser('CSG');
		const made = await openCase(csg, { region: 'LB' });
		const service = await serviceClient();
		await service.http.put(`/_matrix/client/v3/user/${enc(service.userId)}/account_data/${COUNTER_TYPE}`, {});
		const year = made.reference.slice(3, 7);
		// a name that disagrees with the case state: no account can make such a room, and where the
		// service names one, the fresh counter still reads the case state
		await expect(
			csg.http.post('/_matrix/client/v3/createRoom', { name: `LB-${year}-0500`, preset: 'private_chat' })
		).rejects.toMatchObject({ status: 403 });
		await service.sendState(made.roomId, 'm.room.name', '', { name: `LB-${year}-0500` });
		const next = await openCase(csg, { region: 'LB', first_report_at: `${year}-02-01T09:00:00Z` });
		expect(Number(next.reference.slice(-4))).toBe(Number(made.reference.slice(-4)) + 1);
	});
});

describe('all-or-nothing creation', () => {
	it('purges a room whose creation failed half-way, tells the user in nl and en, and records the cleanup', async () => {
		const csg = await createUser('CSG');
		const cases = await failingCases();
		const err = await cases.createCase(csg.accessToken, newCaseInput({ region: 'HM' })).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(Refusal);
		expect(err).toMatchObject({ code: 'unavailable', text: { nl: expect.stringMatching(/niets achtergebleven/) } });
		expect((err as Refusal).text.en).toMatch(/Nothing was left behind/);
		const cleanup = auditLines().filter((l) => l.action === 'create-case-cleanup');
		expect(cleanup.at(-1)).toMatchObject({ actor: 'system:case-service', outcome: 'purged' });
		const roomId = cleanup.at(-1)!.room_id as string;
		expect(await roomExists(await serviceClient(), roomId)).toBe(false);
		// the legitimate act right after: the next creation works, with the next number
		const ok = await openCase(csg, { region: 'HM' });
		expect(ok.reference).toMatch(/^HM-\d{4}-\d{4}$/);
	});

	it('when the cleanup fails as well, the privacy officer sees the room flagged and the failure in the audit log', async () => {
		const csg = await createUser('CSG');
		const officer = await createUser('CSG', ['privacy-officer'], 'po');
		const cases = await failingCases(async () => {
			throw new Error('simulated purge failure');
		});
		const err = await cases.createCase(csg.accessToken, newCaseInput({ region: 'WB' })).catch((e: unknown) => e);
		expect(err).toMatchObject({ code: 'unavailable', text: { en: expect.stringMatching(/audit log/) } });
		const entry = auditLines()
			.filter((l) => l.action === 'create-case-cleanup')
			.at(-1)!;
		expect(entry.outcome).toMatch(/^failed: simulated purge failure/);
		const roomId = entry.room_id as string;
		const overview = OverviewResponse.parse(
			(
				await callEndpoint(
					ENDPOINTS.find((e) => e.name === 'overview')!,
					roomId,
					officer.accessToken
				)
			).json()
		);
		expect(overview.cases.find((c) => c.room_id === roomId)?.flags).toContainEqual({ code: 'creation_cleanup_failed' });
		await purgeRoom(await serviceClient(), roomId);
		expect((await listRooms(await serviceClient())).map((r) => r.room_id)).not.toContain(roomId);
	});
});

describe('rate limits', () => {
	it('the service account is exempt; people keep theirs', async () => {
		const service = await serviceClient();
		const override = await service.http.get(`/_synapse/admin/v1/users/${enc(service.userId)}/override_ratelimit`);
		expect(override).toEqual({ messages_per_second: 0, burst_count: 0 });
		const csg = await createUser('CSG');
		expect(await service.http.get(`/_synapse/admin/v1/users/${enc(csg.userId)}/override_ratelimit`)).toEqual({});
	});
});

describe('authority follows the directory', () => {
	it('a chair who loses the role loses the power in every case room; the regiehouder keeps it; the officer sees it', async () => {
		const csg = await createUser('CSG');
		const chair = await createUser('VT', ['professional', 'chair']);
		const { roomId } = await openCase(csg);
		const power = async () =>
			(
				await csg.http.get<{ users: Record<string, number> }>(
					`/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.power_levels/`
				)
			).users;
		expect((await power())[chair.userId]).toBe(50);
		await (await accounts()).setUser(chair.localpart, { roles: ['professional'] });
		useTestHomeserver();
		const officer = await createUser('CSG', ['privacy-officer'], 'po');
		const overview = async () =>
			OverviewResponse.parse(
				(
					await callEndpoint(
						ENDPOINTS.find((e) => e.name === 'overview')!,
						roomId,
						officer.accessToken
					)
				).json()
			).cases.find((c) => c.room_id === roomId)!;
		// the officer sees the room out of line until the service brings it in line
		expect((await overview()).flags).toContainEqual({ code: 'power_mismatch' });
		const cases = new CaseService(serverConfig(), await serviceClient(), { audit: new AuditLog(auditFile()) });
		// as the app server's periodic check does it: the rooms and their power from the privacy index
		const run = await cases.reconcileAuthority({ rooms: [roomId], index: (await privacyService()).index });
		expect(run.checked).toBe(1);
		expect(run.updated).toContain(roomId);
		expect(run.failed).toEqual([]);
		const after = await power();
		expect(after[chair.userId]).toBeUndefined();
		expect(after[csg.userId]).toBe(50);
		expect(
			auditLines()
				.filter((l) => l.action === 'authority-updated' && l.room_id === roomId)
				.at(-1)
		).toMatchObject({ actor: 'system:case-service', outcome: expect.any(String) });
		const messages = await csg.http.get<{ chunk: { type: string; content: Record<string, unknown> }[] }>(
			`/_matrix/client/v3/rooms/${enc(roomId)}/messages`,
			{ dir: 'b', limit: 10 }
		);
		expect(messages.chunk.find((e) => e.type === 'm.room.message')?.content).toEqual(
			serviceNotice('authority-updated')
		);
		expect((await overview()).flags.map((f) => f.code)).not.toContain('power_mismatch');
		// nothing changes the second time
		expect((await cases.reconcileAuthority({ rooms: [roomId] })).updated).not.toContain(roomId);
		// and a chair who gains the role gains it
		await (await accounts()).setUser(chair.localpart, { roles: ['professional', 'chair'] });
		// as the admin command does it: only this user's entries, in every case room
		await cases.reconcileAuthority({ users: [chair.userId], rooms: [roomId] });
		expect((await power())[chair.userId]).toBe(50);
	});
});
