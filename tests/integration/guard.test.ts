/**
 * The server-side guard (synapse-config/guard), black-box: raw HTTP against the
 * run's real Synapse, as a client with a stolen token and curl would send it.
 * Each rule is tried with a forbidden request (refused with the right status,
 * errcode and a message that says why) and with its legitimate variant (allowed).
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { accounts, createUser, server, serviceClient, type TestUser } from '../support/harness.ts';
import { caseService, openCase } from '../support/cases.ts';
import { fetchRejections, GUARD_REJECTIONS_PATH } from '../../src/lib/server/guard-log.ts';
import { GUARD_RULE_CODES } from '../../src/lib/case/allow-list.ts';
import { serviceNotice } from '../../src/lib/case/notices.ts';
import type { ServiceClient } from '../../src/lib/server/synapse-admin.ts';
import { instant } from '../../src/lib/case/time.ts';

const enc = encodeURIComponent;
/** Something identifying that must never show up in an error or the rejection log. */
const SECRET = 'Jan Jansen, geboren 12-03-1990';

interface Reply {
	status: number;
	body: { errcode?: string; error?: string; [key: string]: unknown };
}

/** A raw request, like curl: no client library, no client-side checks. */
async function raw(token: string | null, method: string, path: string, body?: unknown): Promise<Reply> {
	const headers: Record<string, string> = {};
	if (token) headers.authorization = `Bearer ${token}`;
	if (body !== undefined) headers['content-type'] = 'application/json';
	const res = await fetch(new URL(path, server().info.homeserverUrl), {
		method,
		headers,
		body: body === undefined ? undefined : JSON.stringify(body)
	});
	const text = await res.text();
	return { status: res.status, body: text ? JSON.parse(text) : {} };
}

const putState = (token: string, roomId: string, type: string, content: unknown, stateKey = '') =>
	raw(token, 'PUT', `/_matrix/client/v3/rooms/${enc(roomId)}/state/${enc(type)}/${enc(stateKey)}`, content);
const send = (token: string, roomId: string, type: string, content: unknown) =>
	raw(token, 'PUT', `/_matrix/client/v3/rooms/${enc(roomId)}/send/${enc(type)}/${randomUUID()}`, content);
const invite = (token: string, roomId: string, userId: string) =>
	raw(token, 'POST', `/_matrix/client/v3/rooms/${enc(roomId)}/invite`, { user_id: userId });
const join = (token: string, roomId: string) => raw(token, 'POST', `/_matrix/client/v3/rooms/${enc(roomId)}/join`, {});

function refused(reply: Reply, status: number, errcode: string, message: string) {
	expect(reply.body.errcode, JSON.stringify(reply.body)).toBe(errcode);
	expect(reply.status).toBe(status);
	expect(reply.body.error).toContain('casusruimte: ');
	expect(reply.body.error).toContain(message);
	expect(reply.body.error).not.toContain(SECRET);
}

function allowed(reply: Reply) {
	expect(reply.status, JSON.stringify(reply.body)).toBe(200);
}

const envelope = () => ({
	algorithm: 'm.megolm.v1.aes-sha2',
	ciphertext: 'AwgAEnBhDyq2mrdlO5b5dvQ0', // the server cannot read it, and does not need to
	session_id: 'ZeRHbZm0dtvKvKHd0Q3c3gZeRHbZm0dtvKvKHd0Q3c3g'.slice(0, 43),
	device_id: 'TESTDEVICE',
	sender_key: 'wJ0yqx1UDAW5jO2Fd2tGc5bHt3H4zs3Kw9g0LpiEmV0'
});

let service: ServiceClient;
let serviceToken: string;
let regiehouder: TestUser; // CSG, opened the case (power 50)
let chair: TestUser; // VT, MDT chair (power 50)
let member: TestUser; // POLITIE, invited member (power 0)
let outsider: TestUser; // OM: the case's access basis does not cover OM
let roomId: string;
let reference: string;

const caseContent = (changes: Record<string, unknown> = {}) => ({
	v: 1,
	reference,
	region: 'DH',
	phase: 'first_contact',
	first_report_at: firstReportAt,
	acute: true,
	closed_at: null,
	retention_until: null,
	...changes
});
let firstReportAt: string;

beforeAll(async () => {
	service = await serviceClient();
	serviceToken = service.http.accessToken!;
	chair = await createUser('VT', ['professional', 'chair'], 'guard.chair');
	regiehouder = await createUser('CSG', ['professional'], 'guard.csg');
	member = await createUser('POLITIE', ['professional'], 'guard.politie');
	outsider = await createUser('OM', ['professional'], 'guard.om');
	({ roomId, reference } = await openCase(regiehouder));
	const state = await raw(serviceToken, 'GET', `/_matrix/client/v3/rooms/${enc(roomId)}/state/nl.casusruimte.case/`);
	firstReportAt = state.body.first_report_at as string;
	for (const who of [member, chair]) {
		allowed(await invite(regiehouder.accessToken, roomId, who.userId));
		allowed(await join(who.accessToken, roomId));
	}
});

describe('case content arrives encrypted', () => {
	it('refuses a plaintext message sent with a stolen member token, and accepts an encrypted one', async () => {
		refused(
			await send(member.accessToken, roomId, 'm.room.message', { msgtype: 'm.text', body: SECRET }),
			403,
			'M_FORBIDDEN',
			'must be end-to-end encrypted'
		);
		// a notice is plaintext only when the service composes it
		refused(
			await send(regiehouder.accessToken, roomId, 'm.room.message', { msgtype: 'm.notice', body: SECRET }),
			403,
			'M_FORBIDDEN',
			'must be end-to-end encrypted'
		);
		allowed(await send(service.http.accessToken!, roomId, 'm.room.message', serviceNotice('access-review-requested')));
		// and only with one of its fixed texts
		refused(
			await send(service.http.accessToken!, roomId, 'm.room.message', {
				...serviceNotice('access-review-requested'),
				body: `${serviceNotice('access-review-requested').body} Reden: ${SECRET}`
			}),
			400,
			'M_BAD_JSON',
			'm.room.message'
		);
		allowed(await send(member.accessToken, roomId, 'm.room.encrypted', envelope()));
	});

	it('refuses plaintext records, reactions and plaintext beside the ciphertext in a case room', async () => {
		refused(
			await send(regiehouder.accessToken, roomId, 'nl.casusruimte.update', { v: 1, text: SECRET }),
			403,
			'M_FORBIDDEN',
			'nl.casusruimte.update must be sent end-to-end encrypted'
		);
		refused(
			await send(member.accessToken, roomId, 'm.reaction', {
				'm.relates_to': { rel_type: 'm.annotation', event_id: '$x', key: '👍' }
			}),
			403,
			'M_FORBIDDEN',
			'm.reaction must be sent end-to-end encrypted'
		);
		refused(
			await send(member.accessToken, roomId, 'm.room.encrypted', { ...envelope(), body: SECRET }),
			400,
			'M_BAD_JSON',
			'm.room.encrypted: the content has a field that is not allowed here'
		);
		refused(
			await send(member.accessToken, roomId, 'm.room.encrypted', {
				...envelope(),
				'm.relates_to': { rel_type: 'm.thread', event_id: '$x' }
			}),
			400,
			'M_BAD_JSON',
			'not allowed here'
		);
	});

	it('refuses rooms created by anyone but the service, however they are asked for', async () => {
		for (const body of [
			{ preset: 'private_chat', name: 'overleg' },
			{ preset: 'public_chat' },
			{ preset: 'private_chat', initial_state: [{ type: 'm.room.encryption', state_key: '', content: {} }] }
		]) {
			refused(
				await raw(member.accessToken, 'POST', '/_matrix/client/v3/createRoom', body),
				403,
				'M_FORBIDDEN',
				'rooms are created by the casusruimte service only'
			);
		}
		// the service's own rooms (cases) are still made
		const { roomId: another } = await openCase(regiehouder);
		expect(another).toMatch(/^!/);
	});

	it('lets only the service redact', async () => {
		const { body } = await send(member.accessToken, roomId, 'm.room.encrypted', envelope());
		refused(
			await raw(
				regiehouder.accessToken,
				'PUT',
				`/_matrix/client/v3/rooms/${enc(roomId)}/redact/${enc(body.event_id as string)}/${randomUUID()}`,
				{}
			),
			403,
			'M_FORBIDDEN',
			'only the casusruimte service redacts'
		);
		allowed(
			await raw(
				serviceToken,
				'PUT',
				`/_matrix/client/v3/rooms/${enc(roomId)}/redact/${enc(body.event_id as string)}/${randomUUID()}`,
				{}
			)
		);
	});
});

describe('who gets in', () => {
	it('refuses to invite someone from an organisation the access basis does not cover, and invites a covered one', async () => {
		refused(
			await invite(regiehouder.accessToken, roomId, outsider.userId),
			403,
			'M_FORBIDDEN',
			`${outsider.userId} works for OM, which this case's access basis`
		);
		// not even the service account may
		refused(await invite(serviceToken, roomId, outsider.userId), 403, 'M_FORBIDDEN', 'works for OM');
		const vt = await createUser('VT', ['professional'], 'guard.vt');
		allowed(await invite(regiehouder.accessToken, roomId, vt.userId));
		allowed(await join(vt.accessToken, roomId));
	});

	it('refuses someone without a directory entry', async () => {
		refused(
			await invite(regiehouder.accessToken, roomId, `@nobody.${randomUUID().slice(0, 8)}:${server().info.serverName}`),
			403,
			'M_FORBIDDEN',
			'is not an active user in the casusruimte directory'
		);
	});

	it('refuses a join without an invitation with a message that says how to get in', async () => {
		const shn = await createUser('SHN', ['professional'], 'guard.shn');
		refused(await join(shn.accessToken, roomId), 403, 'M_FORBIDDEN', 'joined by invitation only');
		allowed(await invite(regiehouder.accessToken, roomId, shn.userId));
		allowed(await join(shn.accessToken, roomId));
	});

	it('always lets people leave and coordinators remove them', async () => {
		const shn = await createUser('SHN', ['professional'], 'guard.leaver');
		allowed(await invite(regiehouder.accessToken, roomId, shn.userId));
		allowed(await join(shn.accessToken, roomId));
		allowed(
			await raw(regiehouder.accessToken, 'POST', `/_matrix/client/v3/rooms/${enc(roomId)}/kick`, {
				user_id: shn.userId,
				reason: 'no-longer-involved'
			})
		);
		const vt = await createUser('VT', ['professional'], 'guard.leaver');
		allowed(await invite(regiehouder.accessToken, roomId, vt.userId));
		allowed(await join(vt.accessToken, roomId));
		allowed(await raw(vt.accessToken, 'POST', `/_matrix/client/v3/rooms/${enc(roomId)}/leave`, {}));
	});

	it('refuses a case room created by a person', async () => {
		const attempt = await raw(member.accessToken, 'POST', '/_matrix/client/v3/createRoom', {
			preset: 'private_chat',
			creation_content: { type: 'nl.casusruimte.case', 'm.federate': false }
		});
		refused(attempt, 403, 'M_FORBIDDEN', 'rooms are created by the casusruimte service only');
	});
});

describe('the room stays closed', () => {
	it('refuses, even to the service account, a world-readable history, a public join rule and guest access', async () => {
		refused(
			await putState(serviceToken, roomId, 'm.room.history_visibility', { history_visibility: 'world_readable' }),
			403,
			'M_FORBIDDEN',
			'never world-readable'
		);
		allowed(await putState(serviceToken, roomId, 'm.room.history_visibility', { history_visibility: 'shared' }));
		refused(
			await putState(serviceToken, roomId, 'm.room.join_rules', { join_rule: 'public' }),
			403,
			'M_FORBIDDEN',
			'join rule stays invite'
		);
		allowed(await putState(serviceToken, roomId, 'm.room.join_rules', { join_rule: 'invite' }));
		refused(
			await putState(serviceToken, roomId, 'm.room.guest_access', { guest_access: 'can_join' }),
			403,
			'M_FORBIDDEN',
			'guests may not join'
		);
		allowed(await putState(serviceToken, roomId, 'm.room.guest_access', { guest_access: 'forbidden' }));
	});

	it('refuses aliases for a case room, while the directory alias resolves', async () => {
		const alias = `#${reference.toLowerCase()}:${server().info.serverName}`;
		refused(
			await raw(serviceToken, 'PUT', `/_matrix/client/v3/directory/room/${enc(alias)}`, { room_id: roomId }),
			403,
			'M_FORBIDDEN',
			'a case room never gets one'
		);
		refused(
			await raw(regiehouder.accessToken, 'PUT', `/_matrix/client/v3/directory/room/${enc(alias)}`, { room_id: roomId }),
			403,
			'M_FORBIDDEN',
			'a case room never gets one'
		);
		refused(
			await putState(serviceToken, roomId, 'm.room.canonical_alias', { alias }),
			403,
			'M_FORBIDDEN',
			'a case room has no alias'
		);
		expect((await raw(member.accessToken, 'GET', `/_matrix/client/v3/directory/room/${enc(alias)}`)).status).toBe(404);
		const directory = await raw(
			member.accessToken,
			'GET',
			`/_matrix/client/v3/directory/room/${enc(`#casusruimte-directory:${server().info.serverName}`)}`
		);
		allowed(directory);
	});

	it('refuses to publish a case room in the room directory', async () => {
		for (const token of [serviceToken, regiehouder.accessToken]) {
			refused(
				await raw(token, 'PUT', `/_matrix/client/v3/directory/list/room/${enc(roomId)}`, { visibility: 'public' }),
				403,
				'M_FORBIDDEN',
				'never published in the room directory'
			);
		}
		const listed = await raw(member.accessToken, 'GET', `/_matrix/client/v3/directory/list/room/${enc(roomId)}`);
		expect(listed.body.visibility).toBe('private');
	});
});

describe('case state', () => {
	it('lets the regiehouder and an MDT chair change case state, and refuses a member with power 0', async () => {
		const triage = { v: 1, seq: 1, decided_at: instant(), next_review: null };
		refused(
			await putState(member.accessToken, roomId, 'nl.casusruimte.triage.status', triage),
			403,
			'M_FORBIDDEN',
			'only the regiehouder, the deputy or an MDT chair may change nl.casusruimte.triage.status'
		);
		allowed(await putState(regiehouder.accessToken, roomId, 'nl.casusruimte.triage.status', triage));
		allowed(await putState(chair.accessToken, roomId, 'nl.casusruimte.case', caseContent({ phase: 'triage' })));
	});

	it('refuses a former chair who still has power 50: the guard follows the directory, not stale power levels', async () => {
		const former = await createUser('VT', ['professional', 'chair'], 'guard.former');
		const { roomId: room, reference: ref } = await openCase(regiehouder);
		const pl = await raw(serviceToken, 'GET', `/_matrix/client/v3/rooms/${enc(room)}/state/m.room.power_levels/`);
		expect((pl.body.users as Record<string, number>)[former.userId]).toBe(50);
		allowed(await invite(regiehouder.accessToken, room, former.userId));
		allowed(await join(former.accessToken, room));
		await (await accounts()).setUser(former.localpart, { roles: ['professional'] });
		const state = await raw(serviceToken, 'GET', `/_matrix/client/v3/rooms/${enc(room)}/state/nl.casusruimte.case/`);
		refused(
			await putState(former.accessToken, room, 'nl.casusruimte.case', { ...state.body, phase: 'triage' }),
			403,
			'M_FORBIDDEN',
			'only the regiehouder, the deputy or an MDT chair'
		);
		expect(state.body.reference).toBe(ref);
	});

	it('refuses regie changes by anyone but the service, which hands regie over', async () => {
		const regie = await raw(serviceToken, 'GET', `/_matrix/client/v3/rooms/${enc(roomId)}/state/nl.casusruimte.regie/`);
		for (const who of [regiehouder, chair]) {
			refused(
				await putState(who.accessToken, roomId, 'nl.casusruimte.regie', { ...regie.body, regiehouder: member.userId }),
				403,
				'M_FORBIDDEN',
				'changes only through the service'
			);
		}
		// regie belongs to case managers of the regie organisations (issue 12): not the police member
		await expect(
			(await caseService()).handover(regiehouder.accessToken, roomId, { to: regiehouder.userId, deputy: member.userId })
		).rejects.toBeDefined();
		const unchanged = await raw(
			serviceToken,
			'GET',
			`/_matrix/client/v3/rooms/${enc(roomId)}/state/nl.casusruimte.regie/`
		);
		expect(unchanged.body.deputy).not.toBe(member.userId);
		const handedOver = await (
			await caseService()
		).handover(regiehouder.accessToken, roomId, { to: regiehouder.userId, deputy: chair.userId });
		expect(handedOver.deputy).toBe(chair.userId);
	});

	it('refuses schema-invalid state with 400 M_BAD_JSON and says what is wrong without repeating it', async () => {
		refused(
			await putState(regiehouder.accessToken, roomId, 'nl.casusruimte.case', {
				...caseContent({ phase: 'triage' }),
				name: SECRET
			}),
			400,
			'M_BAD_JSON',
			'nl.casusruimte.case: the content has a field that is not allowed here'
		);
		refused(
			await putState(
				regiehouder.accessToken,
				roomId,
				'nl.casusruimte.case',
				caseContent({ phase: 'triage', reference: SECRET })
			),
			400,
			'M_BAD_JSON',
			'nl.casusruimte.case: reference: a case reference looks like DH-2026-0142'
		);
		refused(
			await putState(regiehouder.accessToken, roomId, 'nl.casusruimte.access', {
				v: 1,
				organisations: [{ org: 'CSG', since: '2026-11-20T10:00:00Z', basis: 'statutory' }]
			}),
			400,
			'M_BAD_JSON',
			'organisations[0].ground: is missing'
		);
		refused(
			await putState(regiehouder.accessToken, roomId, 'nl.casusruimte.notes', { v: 1 }),
			403,
			'M_FORBIDDEN',
			'plaintext case state is only'
		);
		allowed(
			await putState(
				regiehouder.accessToken,
				roomId,
				'nl.casusruimte.case',
				caseContent({ phase: 'triage', acute: false })
			)
		);
	});

	it('refuses a change of reference and a phase going back', async () => {
		refused(
			await putState(
				regiehouder.accessToken,
				roomId,
				'nl.casusruimte.case',
				caseContent({ phase: 'triage', reference: 'DH-2026-9999' })
			),
			403,
			'M_FORBIDDEN',
			'reference never changes once set'
		);
		refused(
			await putState(serviceToken, roomId, 'nl.casusruimte.case', caseContent({ phase: 'triage', region: 'OB' })),
			403,
			'M_FORBIDDEN',
			'region never changes once set'
		);
		allowed(await putState(regiehouder.accessToken, roomId, 'nl.casusruimte.case', caseContent({ phase: 'regie' })));
		refused(
			await putState(regiehouder.accessToken, roomId, 'nl.casusruimte.case', caseContent({ phase: 'triage' })),
			403,
			'M_FORBIDDEN',
			'the phase never goes back'
		);
	});
});

describe('the rejection log', () => {
	it('gives the service account every refusal in the room, with who, rule and type, and no content', async () => {
		const all = [];
		let from: number | null = 0;
		while (from !== null) {
			const page = await fetchRejections(service, { from, limit: 5, roomId });
			all.push(...page.rejections);
			expect(page.rejections.length).toBeLessThanOrEqual(5);
			from = page.next_from;
		}
		const rules = new Set(all.map((r) => r.rule));
		for (const rule of [
			'schema',
			'unencrypted',
			'invite_not_covered',
			'join_not_invited',
			'join_rule',
			'history_visibility',
			'guest_access',
			'alias',
			'publish',
			'role',
			'immutable',
			'phase'
		]) {
			expect(rules, rule).toContain(rule);
		}
		for (const r of all) {
			expect(GUARD_RULE_CODES).toContain(r.rule);
			expect(r.room_id).toBe(roomId);
			expect(r.user_id).toMatch(/^@/);
			expect(r.ts).toBeGreaterThan(Date.now() - 3600_000);
			expect(r.message).not.toContain(SECRET);
			expect(r.message).not.toContain('casusruimte: ');
		}
		expect(all.map((r) => r.id)).toEqual([...all.map((r) => r.id)].sort((a, b) => a - b));
		const schema = all.find((r) => r.rule === 'schema' && r.message.includes('reference'));
		expect(schema).toMatchObject({ user_id: regiehouder.userId, event_type: 'nl.casusruimte.case' });
		// refusals without a room (alias creation) are in the full log
		const everything = await fetchRejections(service, { limit: 1000 });
		expect(everything.rejections.some((r) => r.rule === 'alias' && r.room_id === null)).toBe(true);
	});

	it('refuses a professional (403), no token (401) and a made-up token (401)', async () => {
		refused(await raw(regiehouder.accessToken, 'GET', GUARD_REJECTIONS_PATH), 403, 'M_FORBIDDEN', 'privacy console');
		const none = await raw(null, 'GET', GUARD_REJECTIONS_PATH);
		expect([none.status, none.body.errcode]).toEqual([401, 'M_MISSING_TOKEN']);
		const forged = await raw('syt_forged_token', 'GET', GUARD_REJECTIONS_PATH);
		expect([forged.status, forged.body.errcode]).toEqual([401, 'M_UNKNOWN_TOKEN']);
		const bad = await raw(serviceToken, 'GET', `${GUARD_REJECTIONS_PATH}?limit=zero`);
		expect([bad.status, bad.body.errcode]).toEqual([400, 'M_INVALID_PARAM']);
	});
});
