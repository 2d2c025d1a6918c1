/**
 * The console shows metadata only. Canary strings are planted everywhere case
 * content or personal data could sit (encrypted records, plaintext messages the
 * guard would refuse, display names and avatars in member events, a state event
 * with an extra field, the name of a non-case room, a plaintext record type)
 * and every endpoint's response, success or refusal, JSON or CSV, is scanned:
 * no canary, no event content keys, and every JSON body fits its strict schema.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { accounts, createUser, server, type TestUser } from '../support/harness.ts';
import {
	ENDPOINTS,
	attempt,
	auditFile,
	call,
	callEndpoint,
	caseWithMembers,
	closeCaseAsServiceAt,
	createNamedUser,
	enc,
	useTestHomeserver,
	type Reply
} from '../support/privacy.ts';
import { MatrixHttp } from '../../src/lib/server/http.ts';
import { MEMBERSHIP_REASONS, PRIVACY_ACTION_REASONS } from '../../src/lib/case/reasons.ts';
import { serviceNotice } from '../../src/lib/case/notices.ts';
import {
	ActionResponse,
	AuditResponse,
	CaseDetailResponse,
	FiguresResponse,
	MeResponse,
	OverviewResponse,
	ReportResponse
} from '../../src/lib/privacy/schemas.ts';

const CANARY = {
	ciphertext: 'CANARYCIPHERTEXT7731',
	message: 'CANARY-MESSAGE-Slachtoffer-Jansen',
	displayname: 'CANARY Displayname Pietersen',
	avatar: 'mxc://localhost/CANARYAVATAR',
	stateExtra: 'CANARY-STATE-geboortedatum',
	roomName: 'CANARY Kamer van Jansen',
	record: 'CANARY-RECORD-adres',
	directoryName: 'CANARY Directory Name',
	deviceKey: 'CANARYSENDERKEY',
	topic: 'CANARY-TOPIC',
	inviteReason: 'CANARY-INVITE-REASON besproken met moeder',
	officerReason: 'CANARY-OFFICER-REASON klacht van de vader'
};
const FORBIDDEN_KEYS = [
	'"content"',
	'"ciphertext"',
	'"displayname"',
	'"display_name"',
	'"avatar_url"',
	'"body"',
	'"sender_key"',
	'"session_id"',
	'"unsigned"',
	'"prev_content"',
	'"name"'
];

const schemas: Record<string, z.ZodType> = {
	me: MeResponse,
	overview: OverviewResponse,
	case: CaseDetailResponse,
	audit: AuditResponse,
	report: ReportResponse,
	figures: FiguresResponse,
	remove: ActionResponse,
	'review-request': ActionResponse,
	retention: ActionResponse,
	delete: ActionResponse
};

let officer: TestUser;
let csg: TestUser;
let named: TestUser;
let roomId: string;
let closedRoom: { roomId: string; reference: string };
const replies: { name: string; reply: Reply }[] = [];
const planted: Record<string, 'planted' | 'refused'> = {};
const profile: Record<string, 'planted' | 'refused'> = {};
/** 43 characters of unpadded base64 (a Curve25519 key or a megolm session ID) that start with `marker`. */
const key32 = (marker: string) => marker.padEnd(43, 'A');

beforeAll(async () => {
	useTestHomeserver();
	officer = await createUser('CSG', ['privacy-officer'], 'po');
	csg = await createUser('CSG');
	named = await createNamedUser('VT', ['professional'], CANARY.directoryName);
	const extra = await createUser('SHN');
	// Profile name and avatar end up in every member event of the user. This homeserver lets nobody
	// set their own (the directory's display name, a canary here, is the only one); an older or
	// misconfigured one would take these, and the console must still not show them.
	profile.displayname = await attempt(() =>
		named.http.put(`/_matrix/client/v3/profile/${enc(named.userId)}/displayname`, {
			displayname: CANARY.displayname
		})
	);
	profile.avatar = await attempt(() =>
		named.http.put(`/_matrix/client/v3/profile/${enc(named.userId)}/avatar_url`, { avatar_url: CANARY.avatar })
	);
	({ roomId } = await caseWithMembers(csg, [named, extra]));
	const send = (type: string, content: unknown) =>
		csg.http.put(
			`/_matrix/client/v3/rooms/${enc(roomId)}/send/${type}/${Math.random().toString(36).slice(2)}`,
			content
		);
	// A megolm envelope of the shape the allow-list takes, with canaries in every field.
	await send('m.room.encrypted', {
		algorithm: 'm.megolm.v1.aes-sha2',
		ciphertext: CANARY.ciphertext,
		sender_key: key32(CANARY.deviceKey),
		session_id: key32('CANARYSESSION'),
		device_id: 'CANARYDEV'
	});
	// The guard refuses these (and records the refusal); without it they get in. Either way the console must not show them.
	planted.message = await attempt(() => send('m.room.message', { msgtype: 'm.text', body: CANARY.message }));
	planted.record = await attempt(() => send('nl.casusruimte.intake', { v: 1, summary: CANARY.record }));
	// An access state with an extra field fails its schema: shown as invalid, never its content.
	const access = await csg.http.get<Record<string, unknown>>(
		`/_matrix/client/v3/rooms/${enc(roomId)}/state/nl.casusruimte.access/`
	);
	planted.stateExtra = await attempt(() =>
		csg.http.put(`/_matrix/client/v3/rooms/${enc(roomId)}/state/nl.casusruimte.access/`, {
			...access,
			note: CANARY.stateExtra
		})
	);
	await csg.http.put(`/_matrix/client/v3/rooms/${enc(roomId)}/state/nl.casusruimte.access/`, access);
	// A room that is not a case room, with a telling name, holding case state. The guard lets only
	// the service create rooms; a homeserver without it takes the room and the state.
	planted.stray = await attempt(async () => {
		const { room_id: stray } = await csg.http.post<{ room_id: string }>('/_matrix/client/v3/createRoom', {
			name: CANARY.roomName,
			topic: CANARY.topic,
			preset: 'private_chat'
		});
		await csg.http.put(`/_matrix/client/v3/rooms/${enc(stray)}/state/nl.casusruimte.case/`, {
			v: 1,
			reference: 'DH-2026-0998',
			victim: CANARY.stateExtra
		});
	});
	// A free-text membership reason: the guard refuses it; a room from before the guard may hold one.
	const late = await createUser('POLITIE');
	planted.inviteReason = await attempt(() =>
		csg.http.post(`/_matrix/client/v3/rooms/${enc(roomId)}/invite`, {
			user_id: late.userId,
			reason: CANARY.inviteReason
		})
	);
	// A closed case past retention, so the delete endpoint really runs: closed long ago, which only
	// the service can record (a member's closure is dated now).
	closedRoom = await caseWithMembers(csg, [named], { first_report_at: '2023-12-01T00:00:00Z' });
	await closeCaseAsServiceAt(closedRoom.roomId, '2024-01-01T00:00:00Z', '2025-01-01T00:00:00Z');

	for (const e of ENDPOINTS) {
		const target = e.name === 'delete' || e.name === 'retention' ? closedRoom.roomId : roomId;
		const body =
			e.name === 'remove'
				? { user_id: extra.userId, reason: 'member-not-covered' }
				: e.name === 'delete'
					? { reason: 'retention-expired', confirm_reference: closedRoom.reference }
					: e.name === 'review-request'
						? { reason: 'periodic-review' }
						: e.name === 'retention'
							? { months: 24, reason: 'legal-hold' }
							: undefined;
		replies.push({ name: e.name, reply: await callEndpoint(e, target, officer.accessToken, body) });
		// and what a refused caller gets
		replies.push({ name: `${e.name} (refused)`, reply: await callEndpoint(e, target, csg.accessToken, body) });
		const bad =
			e.method === 'GET'
				? await call(
						e.handler,
						'GET',
						`${e.path(target)}${e.path(target).includes('?') ? '&' : '?'}from=${enc(CANARY.message)}`,
						officer.accessToken
					)
				: await callEndpoint(e, target, officer.accessToken, {
						user_id: CANARY.message,
						reason: 1,
						months: CANARY.message
					});
		replies.push({ name: `${e.name} (bad input)`, reply: bad });
		// free text where a reason code belongs: refused, and never stored or echoed
		if (e.method === 'POST')
			replies.push({
				name: `${e.name} (free-text reason)`,
				reply: await callEndpoint(e, target, officer.accessToken, {
					...((e.body?.(target) as Record<string, unknown>) ?? {}),
					reason: CANARY.officerReason
				})
			});
	}
});

describe('privacy console responses', () => {
	it('reached every endpoint as a privacy officer', () => {
		for (const e of ENDPOINTS) {
			const r = replies.find((x) => x.name === e.name)!.reply;
			expect(r.status, `${e.name}: ${r.text.slice(0, 200)}`).toBe(200);
		}
		// the planted data is really there to be leaked: the canary case is listed with its members
		const overview = OverviewResponse.parse(replies.find((x) => x.name === 'overview')!.reply.json());
		expect(overview.cases.some((c) => c.room_id === roomId && c.member_count >= 2)).toBe(true);
		// What the guard refused is on the case page, by rule and event type only; without a guard it got in.
		const detail = CaseDetailResponse.parse(replies.find((x) => x.name === 'case')!.reply.json());
		for (const [what, outcome] of Object.entries(planted)) {
			if (outcome === 'refused')
				expect(detail.guard_rejections.available, `${what} refused without a guard?`).toBe(true);
		}
		if (detail.guard_rejections.available && planted.message === 'refused') {
			expect(detail.guard_rejections.items).toContainEqual({
				ts: expect.any(String),
				user_id: csg.userId,
				rule: 'unencrypted',
				event_type: 'm.room.message'
			});
		}
		if (planted.stray === 'planted') expect(overview.stray_rooms.length).toBeGreaterThan(0);
		// profile changes are off on this homeserver: the member events carry the directory's name (a canary too)
		expect(profile).toEqual({ displayname: 'refused', avatar: 'refused' });
	});

	it('contain no canary and no content field, in any response', () => {
		for (const { name, reply } of replies) {
			for (const [what, canary] of Object.entries(CANARY))
				expect(reply.text, `${name} leaks ${what}`).not.toContain(canary);
			expect(reply.text.toLowerCase(), `${name}`).not.toContain('canary');
			if (reply.headers.get('content-type')?.startsWith('application/json') && reply.status === 200) {
				for (const key of FORBIDDEN_KEYS) expect(reply.text, `${name} has ${key}`).not.toContain(key);
			}
		}
	});

	it('fit their strict schemas exactly (an unknown field would fail)', () => {
		for (const { name, reply } of replies) {
			if (reply.status !== 200 || !reply.headers.get('content-type')?.startsWith('application/json')) continue;
			const schema = schemas[name.split(' ')[0]!];
			expect(schema, name).toBeDefined();
			expect(() => schema!.parse(reply.json()), name).not.toThrow();
		}
	});

	it('error responses are the one refusal shape, in nl and en, without echoing the input', () => {
		for (const { name, reply } of replies.filter((r) => r.reply.status >= 400)) {
			const body = reply.json<{ text: { nl: string; en: string } }>();
			expect(Object.keys(body).sort(), name).toEqual(['code', 'errcode', 'error', 'text']);
			expect(Object.keys(body.text).sort(), name).toEqual(['en', 'nl']);
		}
		for (const { name, reply } of replies.filter((r) => r.name.endsWith('(free-text reason)')))
			expect(reply.status, name).toBe(400);
	});

	it('reasons are codes everywhere the homeserver and the console keep them', async () => {
		const detail = CaseDetailResponse.parse(replies.find((x) => x.name === 'case')!.reply.json());
		const shown = new Set<unknown>([...MEMBERSHIP_REASONS, 'other', null]);
		for (const m of detail.membership_history) expect(shown.has(m.reason), `${m.reason}`).toBe(true);
		const audit = AuditResponse.parse(replies.find((x) => x.name === 'audit')!.reply.json());
		for (const e of audit.entries) expect([...PRIVACY_ACTION_REASONS, 'other', null]).toContain(e.reason);
		// the removal's kick reason and the review notice, as the homeserver stores them
		const state = await csg.http.get<
			{ type: string; state_key: string; sender: string; content: { reason?: string } }[]
		>(`/_matrix/client/v3/rooms/${enc(roomId)}/state`);
		// the service's own kicks (the officer's removal); members' reasons are the guard's to check
		const kicks = state.filter(
			(e) => e.type === 'm.room.member' && e.sender.startsWith('@casusruimte-service:') && e.content.reason
		);
		expect(kicks.length).toBeGreaterThan(0);
		for (const k of kicks) expect(MEMBERSHIP_REASONS as readonly string[]).toContain(k.content.reason);
		// a free-text reason that got in (no guard) is shown as 'other', never its words
		if (planted.inviteReason === 'planted')
			expect(detail.membership_history.some((m) => m.reason === 'other')).toBe(true);
		const messages = await csg.http.get<{ chunk: { type: string; sender: string; content: unknown }[] }>(
			`/_matrix/client/v3/rooms/${enc(roomId)}/messages`,
			{ dir: 'b', limit: 50 }
		);
		const notices = messages.chunk.filter((e) => e.type === 'm.room.message' && e.sender !== csg.userId);
		expect(notices.length).toBeGreaterThan(0);
		for (const n of notices) expect(n.content).toEqual(serviceNotice('access-review-requested'));
	});

	it('leave no canary in the audit log either', () => {
		const text = readFileSync(auditFile(), 'utf8');
		expect(text.toLowerCase()).not.toContain('canary');
	});

	it('the officer cannot read the case through the homeserver either', async () => {
		const hs = new MatrixHttp(server().info.homeserverUrl, officer.accessToken);
		await expect(hs.get(`/_matrix/client/v3/rooms/${enc(roomId)}/messages`, { dir: 'b' })).rejects.toMatchObject({
			status: 403
		});
		await expect(hs.get(`/_synapse/admin/v1/rooms/${enc(roomId)}/messages`)).rejects.toMatchObject({ status: 403 });
		expect((await accounts()).config.registrationSharedSecret).toBeDefined(); // the secret exists, on the server only
	});
});
