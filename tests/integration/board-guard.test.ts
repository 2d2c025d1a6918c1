/**
 * The guard on the daily MDT (issue 12), against the run's real Synapse, raw HTTP
 * as a client with a stolen token would send it. Every refusal is paired with
 * the legitimate act that must still work:
 * - a region's board: only the region's MDT now joins and posts (and the opener
 *   of a new case, invited as `aanmelding` guest, for the minutes of posting);
 *   only the service invites, removes and sets state; members post only the
 *   megolm envelope; a plaintext marker (the canary) is refused and never stored;
 * - the directory: the region's MDT and the board pointer are the service's, in
 *   their exact shape;
 * - a case room: the region's MDT chair comes in on an `mdt-chair` invitation even
 *   when the chair's organisation is outside the access basis; a new regiehouder
 *   or deputy works for a regie organisation; the agenda state is the service's.
 *
 * The board is made here the way the service makes it (src/lib/case/board.ts), so
 * this file tests the guard alone, in a region the other tests do not use (FR).
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { accounts, createUser, server, serviceClient, type TestUser } from '../support/harness.ts';
import { openCase } from '../support/cases.ts';
import { fetchRejections } from '../../src/lib/server/guard-log.ts';
import { GUARD_RULE_CODES } from '../../src/lib/case/allow-list.ts';
import { AGENDA_STATE, BOARD_POINTER_EVENT, BOARD_ROOM_TYPE, BOARD_STATE } from '../../src/lib/case/board.ts';
import { MDT_EVENT, type MdtContent } from '../../src/lib/directory/mdt.ts';
import type { ServiceClient } from '../../src/lib/server/synapse-admin.ts';
import { fieldsOf, memberTypes, schemaOf, withValue } from '../support/allow-list-fields.ts';
import { instant } from '../../src/lib/case/time.ts';

const enc = encodeURIComponent;
/** Plaintext that no allowed field can hold: a name and an address. */
const MARKER = 'Jan Jansen, Dorpsstraat 1';
const REGION = 'FR';
const OTHER_REGION = 'GR';

interface Reply {
	status: number;
	body: { errcode?: string; error?: string; [key: string]: unknown };
}

async function raw(token: string, method: string, url: string, body?: unknown): Promise<Reply> {
	const res = await fetch(new URL(url, server().info.homeserverUrl), {
		method,
		headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
		body: body === undefined ? undefined : JSON.stringify(body)
	});
	const text = await res.text();
	return { status: res.status, body: text ? JSON.parse(text) : {} };
}

const room = (roomId: string, rest: string) => `/_matrix/client/v3/rooms/${enc(roomId)}${rest}`;
const putState = (token: string, roomId: string, type: string, content: unknown, key = '') =>
	raw(token, 'PUT', room(roomId, `/state/${enc(type)}/${enc(key)}`), content);
const getState = async (token: string, roomId: string, type: string, key = '') =>
	(await raw(token, 'GET', room(roomId, `/state/${enc(type)}/${enc(key)}`))).body as Record<string, unknown>;
const send = (token: string, roomId: string, type: string, content: unknown) =>
	raw(token, 'PUT', room(roomId, `/send/${enc(type)}/${randomUUID()}`), content);
const invite = (token: string, roomId: string, userId: string, reason?: string) =>
	raw(token, 'POST', room(roomId, '/invite'), { user_id: userId, ...(reason ? { reason } : {}) });
const join = (token: string, roomId: string) => raw(token, 'POST', room(roomId, '/join'), {});
const leave = (token: string, roomId: string) => raw(token, 'POST', room(roomId, '/leave'), {});
const kick = (token: string, roomId: string, userId: string, reason?: string) =>
	raw(token, 'POST', room(roomId, '/kick'), { user_id: userId, ...(reason ? { reason } : {}) });

function ok(reply: Reply, what = '') {
	expect(reply.status, `${what} ${JSON.stringify(reply.body)}`).toBe(200);
}
/** Refused by the guard (a casusruimte message), with the rule's words where given; never repeating the marker. */
function refused(reply: Reply, what = '', words?: string) {
	expect([400, 403], `${what} ${JSON.stringify(reply.body)}`).toContain(reply.status);
	expect(reply.body.error ?? '').not.toContain(MARKER);
	if (words) expect(reply.body.error, what).toContain(words);
}

const envelope = () => ({
	algorithm: 'm.megolm.v1.aes-sha2',
	ciphertext: 'AwgAEnBhDyq2mrdlO5b5dvQ0c2Vzc2lvbiBrZXkgYnl0ZXM',
	session_id: 'ZeRHbZm0dtvKvKHd0Q3c3gZeRHbZm0dtvKvKHd0Q3c3'
});

let service: ServiceClient;
let serviceToken: string;
let directoryRoom: string;
let boardRoom: string;
let csg: TestUser; // FR MDT member
let politie: TestUser; // FR MDT member (deputy)
let chair: TestUser; // chairs the FR MDT; works for OM, which the cases do not cover
let otherChair: TestUser; // chairs the GR MDT; OM as well
let omProfessional: TestUser; // OM, no chair
let opener: TestUser; // POLITIE, opens a case, not in any MDT
let outsider: TestUser; // SHN, not in any MDT
let officer: TestUser; // CSG privacy officer

function mdt(region: string, chairs: TestUser[], members: [TestUser, boolean][]): MdtContent {
	return {
		v: 1,
		region: region as MdtContent['region'],
		chairs: chairs.map((u) => u.userId),
		members: members.map(([u, deputy]) => ({ user: u.userId, deputy })),
		updated_at: Date.now()
	};
}

/** A board as the service makes it: encrypted, invite-only, never federated, shared history, power 100 for the service alone. */
async function createBoard(region: string): Promise<string> {
	const reply = await raw(serviceToken, 'POST', '/_matrix/client/v3/createRoom', {
		preset: 'private_chat',
		visibility: 'private',
		name: region,
		is_direct: false,
		creation_content: { type: BOARD_ROOM_TYPE, 'm.federate': false },
		initial_state: [
			{ type: 'm.room.encryption', state_key: '', content: { algorithm: 'm.megolm.v1.aes-sha2' } },
			{ type: 'm.room.join_rules', state_key: '', content: { join_rule: 'invite' } },
			{ type: 'm.room.history_visibility', state_key: '', content: { history_visibility: 'shared' } },
			{ type: 'm.room.guest_access', state_key: '', content: { guest_access: 'forbidden' } },
			{ type: BOARD_STATE, state_key: '', content: { v: 1, region } }
		],
		power_level_content_override: {
			users: {},
			users_default: 0,
			events_default: 0,
			state_default: 100,
			invite: 100,
			kick: 100,
			ban: 100,
			redact: 100,
			notifications: { room: 100 },
			events: { 'm.room.encrypted': 0 }
		}
	});
	ok(reply, 'create the board');
	return reply.body.room_id as string;
}

beforeAll(async () => {
	service = await serviceClient();
	serviceToken = service.http.accessToken!;
	directoryRoom = await (await accounts()).directoryRoom();
	[csg, politie, chair, otherChair, omProfessional, opener, outsider, officer] = await Promise.all([
		createUser('CSG', ['professional'], 'bg.csg'),
		createUser('POLITIE', ['professional'], 'bg.politie'),
		createUser('OM', ['professional', 'chair'], 'bg.chair'),
		createUser('OM', ['professional', 'chair'], 'bg.grchair'),
		createUser('OM', ['professional'], 'bg.om'),
		createUser('POLITIE', ['professional'], 'bg.opener'),
		createUser('SHN', ['professional'], 'bg.outsider'),
		createUser('CSG', ['privacy-officer'], 'bg.officer')
	]);
	ok(
		await putState(
			serviceToken,
			directoryRoom,
			MDT_EVENT,
			mdt(
				REGION,
				[chair],
				[
					[csg, false],
					[politie, true]
				]
			),
			REGION
		),
		'the FR MDT'
	);
	ok(
		await putState(serviceToken, directoryRoom, MDT_EVENT, mdt(OTHER_REGION, [otherChair], []), OTHER_REGION),
		'the GR MDT'
	);
	boardRoom = await createBoard(REGION);
	ok(await putState(serviceToken, directoryRoom, BOARD_POINTER_EVENT, { v: 1, room_id: boardRoom }, REGION), 'pointer');
}, 120_000);

describe("a region's board", () => {
	it("the region's MDT joins on the service's invitation and posts encrypted records", async () => {
		for (const who of [csg, politie, chair]) {
			ok(await invite(serviceToken, boardRoom, who.userId, 'mdt-board'), `invite ${who.localpart}`);
			ok(await join(who.accessToken, boardRoom), `join ${who.localpart}`);
		}
		ok(await send(csg.accessToken, boardRoom, 'm.room.encrypted', envelope()), 'a member posts');
		ok(await send(chair.accessToken, boardRoom, 'm.room.encrypted', envelope()), 'the chair posts');
	});

	it("someone outside the region's MDT is not invited, cannot join and cannot post", async () => {
		refused(await invite(serviceToken, boardRoom, outsider.userId, 'mdt-board'), 'outsider', 'does not sit in the MDT');
		refused(await invite(serviceToken, boardRoom, otherChair.userId, 'mdt-board'), 'chair of GR', 'region FR');
		refused(await join(outsider.accessToken, boardRoom), 'join uninvited');
		refused(await send(outsider.accessToken, boardRoom, 'm.room.encrypted', envelope()), 'post from outside');
		refused(await invite(serviceToken, boardRoom, officer.userId, 'aanmelding'), 'a privacy officer as guest');
		// the MDT of another region has its own board
		const other = await createBoard(OTHER_REGION);
		ok(await invite(serviceToken, other, otherChair.userId, 'mdt-board'), 'GR chair on the GR board');
		refused(await invite(serviceToken, other, chair.userId, 'mdt-board'), 'FR chair on the GR board');
	});

	it('only the service invites, removes and sets state; the members only join, leave and post', async () => {
		refused(await invite(chair.accessToken, boardRoom, outsider.userId, 'mdt-board'), 'chair invites');
		refused(await kick(chair.accessToken, boardRoom, politie.userId, 'no-longer-involved'), 'chair removes');
		refused(await putState(chair.accessToken, boardRoom, 'm.room.name', { name: REGION }), 'chair names');
		refused(await putState(csg.accessToken, boardRoom, BOARD_STATE, { v: 1, region: REGION }), 'member sets state');
		refused(await putState(serviceToken, boardRoom, BOARD_STATE, { v: 1, region: 'DH' }), 'region moves', 'never');
		refused(await putState(serviceToken, boardRoom, 'm.room.join_rules', { join_rule: 'public' }), 'public');
		refused(
			await putState(serviceToken, boardRoom, 'm.room.history_visibility', { history_visibility: 'world_readable' }),
			'world readable'
		);
		ok(await putState(serviceToken, boardRoom, BOARD_STATE, { v: 1, region: REGION }), 'the service, unchanged');
		ok(await putState(serviceToken, boardRoom, 'm.room.join_rules', { join_rule: 'invite' }), 'invite only');
		refused(
			await raw(serviceToken, 'PUT', `/_matrix/client/v3/directory/list/room/${enc(boardRoom)}`, {
				visibility: 'public'
			}),
			'published in the room directory',
			'never published'
		);
	});

	it('the canary: a plaintext marker is refused wherever it is put, and never stored', async () => {
		refused(
			await send(csg.accessToken, boardRoom, 'm.room.message', { msgtype: 'm.text', body: MARKER }),
			'plaintext message',
			'end-to-end encrypted'
		);
		refused(
			await send(csg.accessToken, boardRoom, 'nl.casusruimte.aanmelding', { v: 1, summary: MARKER }),
			'a plaintext aanmelding'
		);
		refused(await send(csg.accessToken, boardRoom, 'm.room.encrypted', { ...envelope(), body: MARKER }), 'beside');
		refused(
			await send(csg.accessToken, boardRoom, 'm.room.encrypted', { ...envelope(), ciphertext: MARKER }),
			'instead of the ciphertext'
		);
		refused(await putState(csg.accessToken, boardRoom, 'm.room.topic', { topic: MARKER }), 'topic by a member');
		refused(await putState(serviceToken, boardRoom, 'm.room.topic', { topic: MARKER }), 'topic by the service');
		refused(await putState(serviceToken, boardRoom, 'm.room.name', { name: MARKER }), 'a name');
		refused(
			await send(serviceToken, boardRoom, 'm.room.message', { msgtype: 'm.notice', body: MARKER }),
			'the service in plaintext'
		);
		refused(await invite(serviceToken, boardRoom, outsider.userId, MARKER), 'a reason');
		ok(await send(csg.accessToken, boardRoom, 'm.room.encrypted', envelope()), 'the envelope still passes');

		const stateDump = await raw(serviceToken, 'GET', room(boardRoom, '/state'));
		expect(stateDump.status).toBe(200);
		expect(JSON.stringify(stateDump.body)).not.toContain(MARKER);
		const timeline = await raw(serviceToken, 'GET', room(boardRoom, '/messages?dir=b&limit=1000'));
		expect(timeline.status).toBe(200);
		expect(JSON.stringify(timeline.body)).not.toContain(MARKER);
		const log = await fetchRejections(service, { roomId: boardRoom, limit: 1000 });
		const rules = new Set(log.rejections.map((r) => r.rule));
		for (const rule of ['unencrypted', 'schema', 'mdt_member', 'service_only']) expect(rules, rule).toContain(rule);
		for (const r of log.rejections) {
			expect(GUARD_RULE_CODES).toContain(r.rule);
			expect(r.message).not.toContain(MARKER);
		}
	});

	it('the opener of a new case comes on as aanmelding guest, posts and leaves', async () => {
		refused(await invite(serviceToken, boardRoom, opener.userId, 'mdt-board'), 'not as an MDT member');
		ok(await invite(serviceToken, boardRoom, opener.userId, 'aanmelding'), 'as aanmelding guest');
		ok(await join(opener.accessToken, boardRoom), 'the guest joins');
		ok(await send(opener.accessToken, boardRoom, 'm.room.encrypted', envelope()), 'the aanmelding');
		refused(
			await send(opener.accessToken, boardRoom, 'm.room.message', { msgtype: 'm.text', body: MARKER }),
			'a guest in plaintext'
		);
		ok(await leave(opener.accessToken, boardRoom), 'the guest leaves');
		refused(await join(opener.accessToken, boardRoom), 'and cannot come back without an invitation');
	});

	it('a member taken out of the MDT can no longer post, at once, and the service removes them', async () => {
		ok(await send(politie.accessToken, boardRoom, 'm.room.encrypted', envelope()), 'still in the MDT');
		ok(await putState(serviceToken, directoryRoom, MDT_EVENT, mdt(REGION, [chair], [[csg, false]]), REGION));
		refused(await send(politie.accessToken, boardRoom, 'm.room.encrypted', envelope()), 'out of the MDT', 'FR');
		ok(await send(csg.accessToken, boardRoom, 'm.room.encrypted', envelope()), 'the others post on');
		ok(await kick(serviceToken, boardRoom, politie.userId, 'role-ended'), 'the service removes');
		// and back in the MDT: invited again, joins, posts
		ok(
			await putState(
				serviceToken,
				directoryRoom,
				MDT_EVENT,
				mdt(
					REGION,
					[chair],
					[
						[csg, false],
						[politie, true]
					]
				),
				REGION
			)
		);
		ok(await invite(serviceToken, boardRoom, politie.userId, 'mdt-board'));
		ok(await join(politie.accessToken, boardRoom));
		ok(await send(politie.accessToken, boardRoom, 'm.room.encrypted', envelope()));
	});

	it('a member disabled in the directory can no longer post', async () => {
		const [vt] = await Promise.all([createUser('VT', ['professional'], 'bg.vt')]);
		ok(
			await putState(
				serviceToken,
				directoryRoom,
				MDT_EVENT,
				mdt(
					REGION,
					[chair],
					[
						[csg, false],
						[politie, true],
						[vt, false]
					]
				),
				REGION
			)
		);
		ok(await invite(serviceToken, boardRoom, vt.userId, 'mdt-board'));
		ok(await join(vt.accessToken, boardRoom));
		ok(await send(vt.accessToken, boardRoom, 'm.room.encrypted', envelope()), 'active');
		await (await accounts()).disableUser(vt.localpart);
		const after = await send(vt.accessToken, boardRoom, 'm.room.encrypted', envelope());
		// a disabled account may also have lost its token; either way nothing is posted
		expect(after.status).not.toBe(200);
	});
});

describe('generated from the schemas: a plaintext marker in any field of any event a board member sends', () => {
	it('covers every event type a board member may send', () => {
		expect(memberTypes('board')).toEqual(['m.room.encrypted', 'm.room.member', 'org.matrix.dummy_event']);
	});

	const senders: Record<string, { sample: unknown; submit: (c: unknown) => Promise<Reply> }> = {
		'm.room.encrypted': {
			sample: envelope(),
			submit: (c) => send(csg.accessToken, boardRoom, 'm.room.encrypted', c)
		},
		'org.matrix.dummy_event': {
			sample: {},
			submit: (c) => send(csg.accessToken, boardRoom, 'org.matrix.dummy_event', c)
		},
		'm.room.member': {
			sample: { membership: 'join' },
			submit: (c) => putState(csg.accessToken, boardRoom, 'm.room.member', c, csg.userId)
		}
	};

	it.each(['m.room.encrypted', 'org.matrix.dummy_event', 'm.room.member'])('%s', async (type) => {
		const { sample, submit } = senders[type]!;
		ok(await submit(sample), `${type} valid sample`);
		const { strings, objects } = fieldsOf(schemaOf('board', type), sample);
		expect(strings.length + objects.length).toBeGreaterThan(0);
		for (const at of strings) {
			const reply = await submit(withValue(sample, at, MARKER));
			if (type === 'm.room.member' && reply.status === 200) {
				// Synapse replaces a member's own display name with the profile's (allow_per_room_profiles: false).
				const stored = await getState(csg.accessToken, boardRoom, 'm.room.member', csg.userId);
				expect(JSON.stringify(stored), at.join('.')).not.toContain(MARKER);
			} else refused(reply, `${type} ${at.join('.')}`);
		}
		for (const at of objects)
			refused(await submit(withValue(sample, [...at, 'casus_note'], MARKER)), `${type} extra field at ${at.join('.')}`);
		ok(await submit(sample), `${type} valid sample again`);
	});
});

describe('the directory: the MDT and the board pointer', () => {
	it('are the service’s, in their exact shape', async () => {
		const content = mdt(REGION, [chair], [[csg, false]]);
		refused(await putState(csg.accessToken, directoryRoom, MDT_EVENT, content, REGION), 'a member writes the MDT');
		refused(await putState(serviceToken, directoryRoom, MDT_EVENT, content, 'DH'), 'region ≠ state key');
		refused(await putState(serviceToken, directoryRoom, MDT_EVENT, { ...content, note: MARKER }, REGION), 'extra');
		refused(
			await putState(
				serviceToken,
				directoryRoom,
				MDT_EVENT,
				{ ...content, members: [{ user: MARKER, deputy: false }] },
				REGION
			),
			'a name as member'
		);
		refused(await putState(serviceToken, directoryRoom, MDT_EVENT, content, MARKER), 'state key');
		refused(
			await putState(serviceToken, directoryRoom, BOARD_POINTER_EVENT, { v: 1, room_id: MARKER }, REGION),
			'pointer'
		);
		refused(
			await putState(csg.accessToken, directoryRoom, BOARD_POINTER_EVENT, { v: 1, room_id: boardRoom }, REGION),
			'a member moves the pointer'
		);
		ok(await putState(serviceToken, directoryRoom, BOARD_POINTER_EVENT, { v: 1, room_id: boardRoom }, REGION));
		const stored = await getState(serviceToken, directoryRoom, MDT_EVENT, REGION);
		expect(stored.region).toBe(REGION);
		expect(JSON.stringify(stored)).not.toContain(MARKER);
	});
});

describe('a case room of the region', () => {
	let caseRoom: string;
	beforeAll(async () => {
		caseRoom = (await openCase(csg, { region: REGION })).roomId;
	}, 60_000);

	it("the region's chair comes in on an mdt-chair invitation, outside the access basis", async () => {
		refused(await invite(serviceToken, caseRoom, chair.userId, 'mdt-triage'), 'OM on another basis', 'OM');
		refused(await invite(serviceToken, caseRoom, otherChair.userId, 'mdt-chair'), 'the chair of GR', 'region FR');
		refused(await invite(serviceToken, caseRoom, omProfessional.userId, 'mdt-chair'), 'no chair', 'region FR');
		refused(await invite(serviceToken, caseRoom, politie.userId, 'mdt-board'), 'a board reason in a case');
		ok(await invite(serviceToken, caseRoom, chair.userId, 'mdt-chair'), 'the chair of FR');
		ok(await join(chair.accessToken, caseRoom), 'the chair joins');
		ok(await send(chair.accessToken, caseRoom, 'm.room.encrypted', envelope()), 'and records');
		const member = await getState(serviceToken, caseRoom, 'm.room.member', chair.userId);
		expect(member.membership).toBe('join');
	});

	it('a new regiehouder or deputy works for a regie organisation (CSG, VT, SHN)', async () => {
		const regie = await getState(serviceToken, caseRoom, 'nl.casusruimte.regie');
		expect(regie.regiehouder).toBe(csg.userId);
		refused(
			await putState(serviceToken, caseRoom, 'nl.casusruimte.regie', { ...regie, regiehouder: politie.userId }),
			'police as regiehouder',
			'POLITIE'
		);
		refused(
			await putState(serviceToken, caseRoom, 'nl.casusruimte.regie', { ...regie, deputy: opener.userId }),
			'police as deputy',
			'POLITIE'
		);
		const shn = outsider; // SHN
		ok(
			await putState(serviceToken, caseRoom, 'nl.casusruimte.regie', { ...regie, deputy: shn.userId }),
			'SHN as deputy'
		);
		ok(
			await putState(serviceToken, caseRoom, 'nl.casusruimte.regie', { ...regie, regiehouder: null, deputy: null }),
			'no regie until triage'
		);
	});

	it("the agenda state is the service's", async () => {
		const agenda = {
			v: 1,
			retriage_requested_at: instant(),
			continued_in: null
		};
		refused(await putState(csg.accessToken, caseRoom, AGENDA_STATE, agenda), 'the regiehouder', 'service');
		refused(await putState(serviceToken, caseRoom, AGENDA_STATE, { ...agenda, continued_in: MARKER }), 'a marker');
		refused(await putState(serviceToken, caseRoom, AGENDA_STATE, { ...agenda, why: MARKER }), 'an extra field');
		ok(await putState(serviceToken, caseRoom, AGENDA_STATE, agenda), 'the service');
		const stateDump = await raw(serviceToken, 'GET', room(caseRoom, '/state'));
		expect(JSON.stringify(stateDump.body)).not.toContain(MARKER);
	});
});
