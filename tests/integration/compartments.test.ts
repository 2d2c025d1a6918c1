/**
 * Need-to-know inside a case (issue 13), against a real Synapse and its guard,
 * with the raw client API (not the interface): a member of the case outside a
 * compartment gets no events and no keys from it, cannot join it and cannot post
 * in it; purposes bind (an organisation whose basis does not cover the
 * compartment's purpose is not invited, even by the service); a withdrawn purpose
 * takes effect at once (posts refused, the member removed). Each refusal is paired
 * with the legitimate act that must still work.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, server, serviceClient, type TestUser } from '../support/harness.ts';
import { caseService, openCase } from '../support/cases.ts';
import { eventually, startDevice, stopAllDevices, type TestDevice } from '../support/matrix-clients.ts';
import { CompartmentService } from '../../src/lib/server/compartments.ts';
import { COMPARTMENT_GRANT, COMPARTMENT_OF, COMPARTMENT_POINTER } from '../../src/lib/case/compartments.ts';
import { Refusal } from '../../src/lib/refusal.ts';
import { MatrixHttpError } from '../../src/lib/server/http.ts';
import {
	HISTORY_KEYS_TYPE,
	HistoryResharer,
	acceptHistoryFromMembers,
	acceptHistoryKeys
} from '../../src/lib/matrix/history-sharing.ts';
import { instant } from '../../src/lib/case/time.ts';

const enc = encodeURIComponent;
const ACCESS = 'nl.casusruimte.access';
const SINCE = '2026-11-20T10:00:00Z';
type Ev = { type: string; state_key: string; content: Record<string, unknown> };

let csg: TestUser; // opens the case: regiehouder
let politie: TestUser; // in the case, POLITIE consented for investigation
let om: TestUser; // in the case, OM on the statutory ground wjsg (investigation)
let vt: TestUser; // in the case, VT on wmo2015-vt (safety, care): outside the strafrecht compartment
let stranger: TestUser; // POLITIE, not in the case
let om2: TestUser; // a second OM officer, invited late
let compartments: CompartmentService;
const devices = new Map<TestUser, TestDevice>();
/** One crypto device per user for the whole file. */
async function deviceOf(u: TestUser): Promise<TestDevice> {
	if (!devices.has(u)) devices.set(u, await startDevice(u));
	return devices.get(u)!;
}

const ENVELOPE = { algorithm: 'm.megolm.v1.aes-sha2', ciphertext: 'AwgAEnB4c2Vzc2lvbg+/', session_id: 'A'.repeat(43) };

const join = (u: TestUser, roomId: string) => u.http.post(`/_matrix/client/v3/rooms/${enc(roomId)}/join`, {});
const post = (u: TestUser, roomId: string) =>
	u.http.put(
		`/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.encrypted/${Math.random().toString(36).slice(2)}`,
		ENVELOPE
	) as Promise<{ event_id: string }>;
const stateOf = async (roomId: string) => (await (await serviceClient()).getRoomState(roomId)) as Ev[];
const membershipIn = async (roomId: string, userId: string) =>
	(await stateOf(roomId)).find((e) => e.type === 'm.room.member' && e.state_key === userId)?.content;

async function status(p: Promise<unknown>): Promise<number> {
	try {
		await p;
		return 200;
	} catch (err) {
		if (err instanceof MatrixHttpError) return err.status;
		if (err instanceof Refusal) return err.status;
		throw err;
	}
}
async function refusalOf(p: Promise<unknown>): Promise<Refusal> {
	try {
		await p;
	} catch (err) {
		if (err instanceof Refusal) return err;
		throw err;
	}
	throw new Error('expected a refusal');
}

/** The access basis with purposes, as a coordinator sets it (the consent record's effect). */
function access(politiePurposes: string[]) {
	return {
		v: 1,
		organisations: [
			{ org: 'CSG', since: SINCE, basis: 'consent', purposes: ['coordination', 'care'] },
			{ org: 'VT', since: SINCE, basis: 'statutory', ground: 'wmo2015-vt' },
			{ org: 'POLITIE', since: SINCE, basis: 'consent', purposes: politiePurposes },
			{ org: 'OM', since: SINCE, basis: 'statutory', ground: 'wjsg' }
		]
	};
}

/** A case with csg (regiehouder), politie, om and vt joined, and purposes on the access basis. */
async function caseWithMembers() {
	const { roomId } = await openCase(csg, {
		access: [
			{ org: 'CSG', basis: 'consent' },
			{ org: 'VT', basis: 'statutory', ground: 'wmo2015-vt' },
			{ org: 'POLITIE', basis: 'consent' },
			{ org: 'OM', basis: 'statutory', ground: 'wjsg' }
		]
	});
	await csg.http.put(
		`/_matrix/client/v3/rooms/${enc(roomId)}/state/${ACCESS}/`,
		access(['coordination', 'investigation'])
	);
	for (const u of [politie, om, vt]) {
		await csg.http.post(`/_matrix/client/v3/rooms/${enc(roomId)}/invite`, { user_id: u.userId, reason: 'mdt-triage' });
		await join(u, roomId);
	}
	return roomId;
}

beforeAll(async () => {
	[csg, politie, om, vt, stranger, om2] = await Promise.all([
		createUser('CSG', ['professional'], 'cmp.csg'),
		createUser('POLITIE', ['professional'], 'cmp.politie'),
		createUser('OM', ['professional'], 'cmp.om'),
		createUser('VT', ['professional'], 'cmp.vt'),
		createUser('POLITIE', ['professional'], 'cmp.stranger'),
		createUser('OM', ['professional'], 'cmp.om2')
	]);
	compartments = new CompartmentService(await caseService());
});

afterAll(stopAllDevices);

describe('compartments of a case', () => {
	it('a coordinator opens one; the service creates its room and the case points to it', async () => {
		const caseRoom = await caseWithMembers();
		// refused: a plain member, and a separate compartment without a purpose
		expect((await refusalOf(compartments.open(politie.accessToken, caseRoom, { kind: 'strafrecht' }))).code).toBe(
			'not-allowed'
		);
		expect((await refusalOf(compartments.open(csg.accessToken, caseRoom, { kind: 'apart' }))).code).toBe('invalid');
		// nobody but the service creates rooms
		expect(await status(csg.http.post('/_matrix/client/v3/createRoom', { preset: 'private_chat' }))).toBe(403);
		// the legitimate act
		const opened = await compartments.open(csg.accessToken, caseRoom, { kind: 'strafrecht' });
		expect(opened).toMatchObject({ id: 'strafrecht', kind: 'strafrecht', purpose: 'investigation' });
		const pointer = (await stateOf(caseRoom)).find(
			(e) => e.type === COMPARTMENT_POINTER && e.state_key === 'strafrecht'
		);
		expect(pointer?.content).toEqual({ v: 1, room_id: opened.room_id, kind: 'strafrecht', purpose: 'investigation' });
		const of = (await stateOf(opened.room_id)).find((e) => e.type === COMPARTMENT_OF)?.content;
		expect(of).toMatchObject({ case_room_id: caseRoom, id: 'strafrecht', purpose: 'investigation' });
		// a second strafrecht compartment is refused; a separate one is numbered
		expect((await refusalOf(compartments.open(csg.accessToken, caseRoom, { kind: 'strafrecht' }))).code).toBe(
			'conflict'
		);
		const apart = await compartments.open(csg.accessToken, caseRoom, { kind: 'apart', purpose: 'care' });
		expect(apart.id).toBe('apart-1');
		// a case without compartments reads as before: no pointers
		const plain = await openCase(csg);
		expect((await stateOf(plain.roomId)).some((e) => e.type === COMPARTMENT_POINTER)).toBe(false);
	});

	it('purposes bind: only organisations whose basis covers the purpose come in, and only members of the case', async () => {
		const caseRoom = await caseWithMembers();
		const { room_id: room } = await compartments.open(csg.accessToken, caseRoom, { kind: 'strafrecht' });
		// VT's ground covers safety and care, not investigation: refused by the domain...
		expect(
			(await refusalOf(compartments.invite(csg.accessToken, caseRoom, 'strafrecht', { user_id: vt.userId }))).code
		).toBe('not-covered');
		// ...and by the guard, even for the service itself
		const service = await serviceClient();
		expect(await status(service.invite(room, vt.userId, 'compartment'))).toBe(403);
		// someone outside the case: refused both ways
		expect(
			(await refusalOf(compartments.invite(csg.accessToken, caseRoom, 'strafrecht', { user_id: stranger.userId }))).code
		).toBe('not-member');
		expect(await status(service.invite(room, stranger.userId, 'compartment'))).toBe(403);
		// only a coordinator asks
		expect(
			(await refusalOf(compartments.invite(politie.accessToken, caseRoom, 'strafrecht', { user_id: om.userId }))).code
		).toBe('not-allowed');
		// a member invites nobody in a compartment directly, not even a covered colleague
		await compartments.invite(csg.accessToken, caseRoom, 'strafrecht', { user_id: politie.userId });
		await join(politie, room);
		expect(
			await status(
				politie.http.post(`/_matrix/client/v3/rooms/${enc(room)}/invite`, { user_id: om.userId, reason: 'compartment' })
			)
		).toBe(403);
		// the legitimate acts: the police (consent for investigation) and the OM (wjsg) are in, with their grants
		const invited = await compartments.invite(csg.accessToken, caseRoom, 'strafrecht', { user_id: om.userId });
		expect(invited.grant).toMatchObject({ org: 'OM', history: 'all', by: csg.userId });
		expect(await status(join(om, room))).toBe(200);
		const grant = (await stateOf(room)).find(
			(e) => e.type === COMPARTMENT_GRANT && e.state_key === `user:${om.userId}`
		);
		expect(grant?.content).toMatchObject({ v: 1, org: 'OM', history: 'all' });
	});

	it('a member of the case outside the compartment gets no events from it, cannot join and cannot post', async () => {
		const caseRoom = await caseWithMembers();
		const { room_id: room } = await compartments.open(csg.accessToken, caseRoom, { kind: 'strafrecht' });
		await compartments.invite(csg.accessToken, caseRoom, 'strafrecht', { user_id: politie.userId });
		await join(politie, room);
		const { event_id } = await post(politie, room); // the legitimate post
		// VT, in the case but not in the compartment
		expect(await status(join(vt, room))).toBe(403);
		expect(await status(post(vt, room))).toBe(403);
		expect(await status(vt.http.get(`/_matrix/client/v3/rooms/${enc(room)}/messages?dir=b&limit=10`))).toBe(403);
		expect(await status(vt.http.get(`/_matrix/client/v3/rooms/${enc(room)}/state`))).toBe(403);
		expect(await status(vt.http.get(`/_matrix/client/v3/rooms/${enc(room)}/event/${enc(event_id)}`))).toBe(404);
		const sync = (await vt.http.get('/_matrix/client/v3/sync?timeout=0')) as {
			rooms?: Record<string, Record<string, unknown>>;
		};
		for (const section of Object.values(sync.rooms ?? {})) expect(Object.keys(section)).not.toContain(room);
		// the case room itself VT still reads (the shared part)
		expect(await status(vt.http.get(`/_matrix/client/v3/rooms/${enc(caseRoom)}/messages?dir=b&limit=10`))).toBe(200);
		// and the police reads the compartment
		const page = (await politie.http.get(`/_matrix/client/v3/rooms/${enc(room)}/messages?dir=b&limit=10`)) as {
			chunk: { event_id: string }[];
		};
		expect(page.chunk.map((e) => e.event_id)).toContain(event_id);
	});

	it('a withdrawn purpose takes effect at once: posts refused, the member removed, the others go on', async () => {
		const caseRoom = await caseWithMembers();
		const { room_id: room } = await compartments.open(csg.accessToken, caseRoom, { kind: 'strafrecht' });
		for (const u of [politie, om]) {
			await compartments.invite(csg.accessToken, caseRoom, 'strafrecht', { user_id: u.userId });
			await join(u, room);
		}
		expect(await status(post(politie, room))).toBe(200);
		// consent for investigation withdrawn for the police; it stays in the case for coordination
		await csg.http.put(`/_matrix/client/v3/rooms/${enc(caseRoom)}/state/${ACCESS}/`, access(['coordination']));
		expect(await status(post(politie, room))).toBe(403);
		expect(await status(post(om, room))).toBe(200);
		const left = await eventually(async () => {
			const m = await membershipIn(room, politie.userId);
			return m?.membership === 'leave' ? m : undefined;
		});
		expect(left).toEqual({ membership: 'leave', reason: 'consent-withdrawn' });
		expect(await status(join(politie, room))).toBe(403);
		expect((await membershipIn(caseRoom, politie.userId))?.membership).toBe('join');
		expect((await membershipIn(room, om.userId))?.membership).toBe('join');
		// someone removed from the case leaves its compartments too
		await csg.http.post(`/_matrix/client/v3/rooms/${enc(caseRoom)}/kick`, {
			user_id: om.userId,
			reason: 'no-longer-involved'
		});
		expect(await status(post(om, room))).toBe(403);
		await eventually(async () => (await membershipIn(room, om.userId))?.membership === 'leave');
	});

	it('keys: a member outside the compartment receives none, a member inside does (real Rust crypto)', async () => {
		const caseRoom = await caseWithMembers();
		const { room_id: room } = await compartments.open(csg.accessToken, caseRoom, { kind: 'strafrecht' });
		const p = await deviceOf(politie);
		const o = await deviceOf(om);
		const v = await deviceOf(vt);
		for (const u of [politie, om]) {
			await compartments.invite(csg.accessToken, caseRoom, 'strafrecht', { user_id: u.userId });
			await join(u, room);
		}
		await eventually(
			() => p.client.getRoom(room)?.getMyMembership() === 'join' && o.client.getRoom(room)?.getMyMembership() === 'join'
		);
		await eventually(() => (p.client.getRoom(room)?.getJoinedMemberCount() ?? 0) >= 3);
		// the police writes an encrypted record in the compartment (the client encrypts it)
		await p.client.sendEvent(room, 'nl.casusruimte.update' as never, { v: 1, body: 'alleen voor strafrecht' } as never);
		const sessionsFor = async (d: TestDevice) =>
			((await d.client.getCrypto()!.exportRoomKeys()) as { room_id: string }[]).filter((k) => k.room_id === room);
		// the OM (inside) gets the key and reads it
		await eventually(async () => (await sessionsFor(o)).length > 0, { timeout: 30_000 });
		// VT (in the case, outside the compartment) has the keys of the case room it is in, none of the compartment's
		await v.client.getCrypto()!.exportRoomKeys();
		expect(await sessionsFor(v)).toEqual([]);
		expect(v.client.getRoom(room)).toBeNull();
	});

	it('canary: in every compartment, a marker sent encrypted or tried in plaintext is nowhere on the homeserver', async () => {
		const marker = `CANARY${randomBytes(6).toString('hex').toUpperCase()}`;
		const caseRoom = await caseWithMembers();
		for (const u of [csg, politie, om, vt]) await deviceOf(u);
		const plan: [string, Record<string, unknown>, TestUser[]][] = [
			['strafrecht', { kind: 'strafrecht' }, [politie, om]],
			['zorg', { kind: 'zorg' }, [csg, vt]],
			['apart-1', { kind: 'apart', purpose: 'safety' }, [vt]]
		];
		for (const [id, body, members] of plan) {
			const { room_id: room } = await compartments.open(csg.accessToken, caseRoom, body);
			for (const u of members) {
				await compartments.invite(csg.accessToken, caseRoom, id, { user_id: u.userId });
				await join(u, room);
			}
			const writer = devices.get(members[0]!)!;
			await eventually(() => writer.client.getRoom(room)?.getMyMembership() === 'join');
			// the legitimate record, encrypted by the client
			await writer.client.sendEvent(room, 'nl.casusruimte.update' as never, { v: 1, body: `${id} ${marker}` } as never);
			// plaintext with the marker is refused wherever it is tried
			const raw = (type: string, content: unknown) =>
				members[0]!.http.put(
					`/_matrix/client/v3/rooms/${enc(room)}/send/${type}/${Math.random().toString(36).slice(2)}`,
					content
				);
			expect(await status(raw('m.room.message', { msgtype: 'm.text', body: marker }))).toBe(403);
			expect(await status(raw('nl.casusruimte.update', { v: 1, body: marker }))).toBe(403);
			expect(await status(raw('m.room.encrypted', { ...ENVELOPE, note: marker }))).toBe(400);
			const key = (type: string) =>
				`/_matrix/client/v3/rooms/${enc(room)}/state/${type}/${enc(`user:${members[0]!.userId}`)}`;
			expect(await status(members[0]!.http.put(key(COMPARTMENT_GRANT), { v: 1, org: marker }))).toBe(403);
			expect(
				await status(
					members[0]!.http.put(`/_matrix/client/v3/rooms/${enc(room)}/state/m.room.topic/`, { topic: marker })
				)
			).toBe(403);
		}
		await new Promise((r) => setTimeout(r, 1000));
		const hits: string[] = [];
		const needles = [marker, marker.toLowerCase()].map((m) => Buffer.from(m));
		const walk = (dir: string) => {
			for (const name of readdirSync(dir)) {
				const file = path.join(dir, name);
				const st = statSync(file);
				if (st.isDirectory()) walk(file);
				else if (needles.some((n) => readFileSync(file).includes(n))) hits.push(path.relative(server().dataDir, file));
			}
		};
		walk(server().dataDir);
		expect(hits).toEqual([]);
		// the check itself works: the compartment's plaintext pointer (codes only, by design) is there
		const db = readFileSync(path.join(server().dataDir, 'homeserver.db'));
		expect(db.includes(Buffer.from('nl.casusruimte.compartment.of'))).toBe(true);
	});

	it('history on a need-to-know basis: a late invitee gets the earlier keys only when the inviter granted them', async () => {
		const caseRoom = await caseWithMembers();
		await csg.http.post(`/_matrix/client/v3/rooms/${enc(caseRoom)}/invite`, {
			user_id: om2.userId,
			reason: 'mdt-triage'
		});
		await join(om2, caseRoom);
		const { room_id: room } = await compartments.open(csg.accessToken, caseRoom, { kind: 'strafrecht' });
		const p = await deviceOf(politie);
		const resharer = new HistoryResharer(p.client);
		resharer.start();
		try {
			await compartments.invite(csg.accessToken, caseRoom, 'strafrecht', { user_id: politie.userId });
			await join(politie, room);
			await eventually(() => p.client.getRoom(room)?.getMyMembership() === 'join');
			// an earlier record, before either OM officer is in
			const sent = await p.client.sendEvent(room, 'nl.casusruimte.update' as never, { v: 1, body: 'eerder' } as never);
			const early = await eventually(
				() => p.client.getRoom(room)?.findEventById(sent.event_id)?.getWireContent().session_id as string | undefined
			);
			const o = await deviceOf(om);
			const o2 = await deviceOf(om2);
			const has = async (d: TestDevice) =>
				((await d.client.getCrypto()!.exportRoomKeys()) as { session_id: string }[]).some(
					(k) => k.session_id === early
				);
			// the OM officer invited without history (the inviter's choice)
			const none = await compartments.invite(csg.accessToken, caseRoom, 'strafrecht', {
				user_id: om.userId,
				history: 'none'
			});
			expect(none.grant.history).toBe('none');
			await o.client.joinRoom(room);
			// the second, with history (the purpose's default)
			const all = await compartments.invite(csg.accessToken, caseRoom, 'strafrecht', { user_id: om2.userId });
			expect(all.grant.history).toBe('all');
			await o2.client.joinRoom(room);
			const service = (await serviceClient()).userId;
			expect(await acceptHistoryFromMembers(o2.client, room, service, 45_000)).toBe(true);
			await eventually(() => has(o2));
			// the police's client shared with the one granted, never with the other
			expect(await acceptHistoryFromMembers(o.client, room, service, 5_000)).toBe(false);
			expect(await has(o)).toBe(false);
		} finally {
			resharer.stop();
		}
	});

	it('history from a date: a late invitee gets the keys of what was recorded from then on, and not of what came before', async () => {
		const caseRoom = await caseWithMembers();
		const { room_id: room } = await compartments.open(csg.accessToken, caseRoom, { kind: 'strafrecht' });
		const p = await deviceOf(politie);
		const o = await deviceOf(om);
		// Every member's client runs one: the police's shares, the OM officer's receives and checks.
		const sharer = new HistoryResharer(p.client);
		const receiver = new HistoryResharer(o.client);
		sharer.start();
		receiver.start();
		try {
			await compartments.invite(csg.accessToken, caseRoom, 'strafrecht', { user_id: politie.userId });
			await join(politie, room);
			await eventually(() => p.client.getRoom(room)?.getMyMembership() === 'join');
			const sessionOf = (eventId: string) =>
				eventually(
					() => p.client.getRoom(room)?.findEventById(eventId)?.getWireContent().session_id as string | undefined
				);
			const before = await p.client.sendEvent(room, 'nl.casusruimte.update' as never, { v: 1, body: 'voor' } as never);
			const early = await sessionOf(before.event_id);
			// The date lies after that record (whole seconds, as the grant holds them); a new session begins after it.
			const fromMs = Math.ceil((Date.now() + 1) / 1000) * 1000;
			await new Promise((r) => setTimeout(r, fromMs - Date.now() + 100));
			await p.client.getCrypto()!.forceDiscardSession(room);
			const after = await p.client.sendEvent(room, 'nl.casusruimte.update' as never, { v: 1, body: 'na' } as never);
			const late = await sessionOf(after.event_id);
			expect(late).not.toBe(early);
			const from = instant(fromMs);

			// refused: `from` without its date, and a date without `from`
			expect(
				(
					await refusalOf(
						compartments.invite(csg.accessToken, caseRoom, 'strafrecht', { user_id: om.userId, history: 'from' })
					)
				).code
			).toBe('invalid');
			expect(
				(await refusalOf(compartments.invite(csg.accessToken, caseRoom, 'strafrecht', { user_id: om.userId, from })))
					.code
			).toBe('invalid');
			// the guard refuses a grant that says `from` without a date, even from the service
			const svc = await serviceClient();
			expect(
				await status(
					svc.sendState(room, COMPARTMENT_GRANT, `user:${om.userId}`, {
						v: 1,
						org: 'OM',
						history: 'from',
						by: csg.userId,
						since: SINCE
					})
				)
			).toBe(400);
			// the legitimate act
			const invited = await compartments.invite(csg.accessToken, caseRoom, 'strafrecht', {
				user_id: om.userId,
				history: 'from',
				from
			});
			expect(invited.grant).toMatchObject({ org: 'OM', history: 'from', from, by: csg.userId });
			await o.client.joinRoom(room);
			const has = async (sessionId: string) =>
				((await o.client.getCrypto()!.exportRoomKeys()) as { session_id: string }[]).some(
					(k) => k.session_id === sessionId
				);
			await eventually(() => has(late), { message: 'the session begun after the date reaches the invitee' });
			expect(await has(early)).toBe(false);
			// No bundle of the whole history either: that is for `all` only.
			expect(await acceptHistoryFromMembers(o.client, room, svc.userId, 5_000)).toBe(false);
			expect(await has(early)).toBe(false);

			// The invitee's client checks again: a session from before the date, sent by a member all the same, is not imported.
			const stray = (await p.client.getCrypto()!.exportRoomKeys()).filter((k) => k.session_id === early);
			expect(stray).toHaveLength(1);
			const imported = await acceptHistoryKeys(
				o.client,
				{
					message: { type: HISTORY_KEYS_TYPE, sender: politie.userId, content: { room_id: room, sessions: stray } },
					encryptionInfo: { sender: politie.userId, senderCurve25519KeyBase64: '', senderVerified: false }
				},
				1_000
			);
			expect(imported).toBe(0);
			expect(await has(early)).toBe(false);
			// …while the same path imports one begun after it (the paired legitimate act).
			const fine = (await p.client.getCrypto()!.exportRoomKeys()).filter((k) => k.session_id === late);
			expect(
				await acceptHistoryKeys(
					o.client,
					{
						message: { type: HISTORY_KEYS_TYPE, sender: politie.userId, content: { room_id: room, sessions: fine } },
						encryptionInfo: { sender: politie.userId, senderCurve25519KeyBase64: '', senderVerified: false }
					},
					1_000
				)
			).toBe(1);
		} finally {
			sharer.stop();
			receiver.stop();
		}
	});
});
