/**
 * Case rooms are created by the service account from the template, and regie
 * handovers move the regie state and the power with them.
 */
import { describe, expect, it } from 'vitest';
import { createUser, server } from '../support/harness.ts';
import { caseService, newCaseInput, openCase } from '../support/cases.ts';
import { Refusal } from '../../src/lib/refusal.ts';
import { CASE_ROOM_TYPE } from '../../src/lib/matrix/room-template.ts';

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
			await csg.http.post(`/_matrix/client/v3/rooms/${enc(roomId)}/invite`, { user_id: u.userId, reason: 'MDT' });
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
