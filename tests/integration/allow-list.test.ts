/**
 * The guard's allow-list against the run's real Synapse (issue 10), raw HTTP as a
 * client with a stolen token would send it:
 * (a) generated from the JSON Schemas the guard loads (synapse-config/schemas,
 *     from src/lib/case/allow-list.ts): for every event type a member can send,
 *     a plaintext marker in every string field, and an extra field at every
 *     object level, is refused and never stored, while the valid sample passes;
 * (b) role × act × phase: who may invite, join, post a record, set each piece of
 *     case state, remove, redact, close and set retention, in an open and a
 *     closed case, with the outcome the rules say.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { accounts, createUser, server, serviceClient, type TestUser } from '../support/harness.ts';
import { openCase } from '../support/cases.ts';
import {
	fieldsOf,
	memberTypes as memberTypesOf,
	schemaOf as schemaOfKind,
	withValue
} from '../support/allow-list-fields.ts';
import { addMonths } from '../../src/lib/case/policy.ts';
import { retentionPolicyFromEnv } from '../../scripts/generate-schemas.ts';
import { instant as iso } from '../../src/lib/case/time.ts';

const enc = encodeURIComponent;
/** Plaintext that no allowed field can hold: spaces, a comma, a name. */
const MARKER = 'Jan Jansen, Dorpsstraat 1';

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
const send = (token: string, roomId: string, type: string, content: unknown) =>
	raw(token, 'PUT', room(roomId, `/send/${enc(type)}/${randomUUID()}`), content);
const getState = async (token: string, roomId: string, type: string, key = '') =>
	(await raw(token, 'GET', room(roomId, `/state/${enc(type)}/${enc(key)}`))).body as Record<string, unknown>;
const invite = (token: string, roomId: string, userId: string, reason?: string) =>
	raw(token, 'POST', room(roomId, '/invite'), { user_id: userId, ...(reason ? { reason } : {}) });
const join = (token: string, roomId: string) => raw(token, 'POST', room(roomId, '/join'), {});
const kick = (token: string, roomId: string, userId: string, reason?: string) =>
	raw(token, 'POST', room(roomId, '/kick'), { user_id: userId, ...(reason ? { reason } : {}) });

function ok(reply: Reply, what = '') {
	expect(reply.status, `${what} ${JSON.stringify(reply.body)}`).toBe(200);
}
function refused(reply: Reply, what = '') {
	expect([400, 403], `${what} ${JSON.stringify(reply.body)}`).toContain(reply.status);
	// the guard never repeats what was sent
	if (reply.body.error?.startsWith('casusruimte: ')) expect(reply.body.error).not.toContain(MARKER);
}

const envelope = () => ({
	algorithm: 'm.megolm.v1.aes-sha2',
	ciphertext: 'AwgAEnBhDyq2mrdlO5b5dvQ0c2Vzc2lvbiBrZXkgYnl0ZXM',
	session_id: 'ZeRHbZm0dtvKvKHd0Q3c3gZeRHbZm0dtvKvKHd0Q3c3'
});

// --- (a) generated from the schemas --------------------------------------------------------------

let regiehouder: TestUser; // CSG professional, opened the cases
let vt: TestUser; // VT professional, member
let chair: TestUser; // VT MDT chair, member
let demoted: TestUser; // VT, chair when the cases were made, member, no longer chair
let officer: TestUser; // CSG privacy officer
let admin: TestUser; // CSG administrator
let outsider: TestUser; // POLITIE professional (covered), never invited
let om: TestUser; // OM professional: the cases do not cover OM
let serviceToken: string;
let openRoom: string;
let closedRoom: string;
let lateInvitee: TestUser; // invited before the closure, joins after it
let closedAt: string;

beforeAll(async () => {
	serviceToken = (await serviceClient()).http.accessToken!;
	[regiehouder, vt, chair, demoted, officer, admin, outsider, om, lateInvitee] = await Promise.all([
		createUser('CSG', ['professional'], 'al.csg'),
		createUser('VT', ['professional'], 'al.vt'),
		createUser('VT', ['professional', 'chair'], 'al.chair'),
		createUser('VT', ['professional', 'chair'], 'al.demoted'),
		createUser('CSG', ['privacy-officer'], 'al.officer'),
		createUser('CSG', ['admin'], 'al.admin'),
		createUser('POLITIE', ['professional'], 'al.outsider'),
		createUser('OM', ['professional'], 'al.om'),
		createUser('VT', ['professional'], 'al.late')
	]);
	openRoom = (await openCase(regiehouder)).roomId;
	closedRoom = (await openCase(regiehouder)).roomId;
	for (const roomId of [openRoom, closedRoom]) {
		for (const who of [vt, chair, demoted]) {
			ok(await invite(regiehouder.accessToken, roomId, who.userId, 'mdt-triage'), 'setup invite');
			ok(await join(who.accessToken, roomId), 'setup join');
		}
	}
	ok(await invite(regiehouder.accessToken, closedRoom, lateInvitee.userId, 'expertise'), 'setup late invite');
	// The regiehouder closes the second case now, with the default retention: the legitimate closure.
	const now = Date.now();
	closedAt = iso(now);
	const current = await getState(regiehouder.accessToken, closedRoom, 'nl.casusruimte.case');
	ok(
		await putState(regiehouder.accessToken, closedRoom, 'nl.casusruimte.case', {
			...current,
			phase: 'closed',
			closed_at: closedAt,
			retention_until: iso(addMonths(closedAt, retentionPolicyFromEnv().default_months).getTime())
		}),
		'setup close'
	);
	// The chair loses the role in the directory; the power 50 the room gave them stays.
	await (await accounts()).setUser(demoted.localpart, { roles: ['professional'] });
}, 120_000);

describe('(a) a plaintext marker in any field of any event a member sends is refused; the valid sample passes', () => {
	const memberTypes = memberTypesOf('case');

	it('covers every event type a member may send', () => {
		expect(memberTypes.sort()).toEqual(
			[
				'm.room.encrypted',
				'm.room.member',
				'nl.casusruimte.access',
				'nl.casusruimte.case',
				'nl.casusruimte.triage.status',
				'org.matrix.dummy_event'
			].sort()
		);
	});

	/** How a type is sent, by whom, and a valid sample (what the product sends). */
	const senders: Record<string, () => Promise<{ sample: unknown; submit: (c: unknown) => Promise<Reply> }>> = {
		'm.room.encrypted': async () => ({
			sample: envelope(),
			submit: (c) => send(vt.accessToken, openRoom, 'm.room.encrypted', c)
		}),
		'org.matrix.dummy_event': async () => ({
			sample: {},
			submit: (c) => send(vt.accessToken, openRoom, 'org.matrix.dummy_event', c)
		}),
		'm.room.member': async () => ({
			// a member's own profile update: what Synapse sends when the directory's name changes
			sample: { membership: 'join' },
			submit: (c) => putState(vt.accessToken, openRoom, 'm.room.member', c, vt.userId)
		}),
		'nl.casusruimte.case': async () => ({
			sample: await getState(regiehouder.accessToken, openRoom, 'nl.casusruimte.case'),
			submit: (c) => putState(regiehouder.accessToken, openRoom, 'nl.casusruimte.case', c)
		}),
		'nl.casusruimte.triage.status': async () => ({
			sample: { v: 1, seq: 1, decided_at: iso(Date.now()), next_review: '2027-01-15' },
			submit: (c) => putState(regiehouder.accessToken, openRoom, 'nl.casusruimte.triage.status', c)
		}),
		'nl.casusruimte.access': async () => ({
			sample: await getState(regiehouder.accessToken, openRoom, 'nl.casusruimte.access'),
			submit: (c) => putState(regiehouder.accessToken, openRoom, 'nl.casusruimte.access', c)
		})
	};

	it.each([
		'm.room.encrypted',
		'org.matrix.dummy_event',
		'm.room.member',
		'nl.casusruimte.case',
		'nl.casusruimte.triage.status',
		'nl.casusruimte.access'
	])(
		'%s',
		async (type) => {
			const { sample, submit } = await senders[type]!();
			ok(await submit(sample), `${type} valid sample`);
			const { strings, objects } = fieldsOf(schemaOfKind('case', type), sample);
			expect(strings.length + objects.length).toBeGreaterThan(0);
			for (const at of strings) {
				const reply = await submit(withValue(sample, at, MARKER));
				if (type === 'm.room.member' && reply.status === 200) {
					// Synapse replaces a member's own display name with the profile's (allow_per_room_profiles: false).
					const stored = await getState(vt.accessToken, openRoom, 'm.room.member', vt.userId);
					expect(JSON.stringify(stored), at.join('.')).not.toContain(MARKER);
				} else refused(reply, `${type} ${at.join('.')}`);
			}
			for (const at of objects)
				refused(
					await submit(withValue(sample, [...at, 'casus_note'], MARKER)),
					`${type} extra field at ${at.join('.') || 'top'}`
				);
			ok(await submit(sample), `${type} valid sample again`);
		},
		30_000
	);

	it('refuses free text as a membership reason, and takes the codes', async () => {
		const fresh = await createUser('VT', ['professional'], 'al.reason');
		refused(await invite(regiehouder.accessToken, openRoom, fresh.userId, MARKER), 'invite reason');
		ok(await invite(regiehouder.accessToken, openRoom, fresh.userId, 'consent-given'), 'invite code');
		ok(await join(fresh.accessToken, openRoom));
		refused(await kick(regiehouder.accessToken, openRoom, fresh.userId, MARKER), 'kick reason');
		refused(await kick(regiehouder.accessToken, openRoom, fresh.userId, 'mdt-triage'), 'an invite code on a removal');
		ok(await kick(regiehouder.accessToken, openRoom, fresh.userId, 'no-longer-involved'), 'kick code');
		refused(await raw(vt.accessToken, 'POST', room(openRoom, '/leave'), { reason: MARKER }), 'leave reason');
	});

	it('stored nothing of it: not in the room state, not in the timeline', async () => {
		const stateDump = await raw(regiehouder.accessToken, 'GET', room(openRoom, '/state'));
		expect(JSON.stringify(stateDump.body)).not.toContain(MARKER);
		const timeline = await raw(regiehouder.accessToken, 'GET', room(openRoom, '/messages?dir=b&limit=1000'));
		expect(timeline.status).toBe(200);
		expect(JSON.stringify(timeline.body)).not.toContain(MARKER);
	});
});

// --- (b) role × act × phase -------------------------------------------------------------------------

type Outcome = 'ok' | 'refused';
type Actor =
	| 'regiehouder'
	| 'professional'
	| 'chair'
	| 'demoted chair'
	| 'privacy officer'
	| 'administrator'
	| 'outsider'
	| 'uncovered'
	| 'service';

function tokenOf(actor: Actor): string {
	const users: Record<Exclude<Actor, 'service'>, () => TestUser> = {
		regiehouder: () => regiehouder,
		professional: () => vt,
		chair: () => chair,
		'demoted chair': () => demoted,
		'privacy officer': () => officer,
		administrator: () => admin,
		outsider: () => outsider,
		uncovered: () => om
	};
	return actor === 'service' ? serviceToken : users[actor]().accessToken;
}

const ALL: Actor[] = [
	'regiehouder',
	'professional',
	'chair',
	'demoted chair',
	'privacy officer',
	'administrator',
	'outsider',
	'uncovered',
	'service'
];
const COORDINATORS: Actor[] = ['regiehouder', 'chair', 'service'];
const MEMBERS: Actor[] = ['regiehouder', 'professional', 'chair', 'demoted chair'];

const caseStateContent = async (roomId: string, type: string) => {
	if (type === 'nl.casusruimte.triage.status') return { v: 1, seq: 1, decided_at: iso(Date.now()), next_review: null };
	return getState(serviceToken, roomId, type);
};

describe('(b) role × act × phase', () => {
	describe('an open case', () => {
		it.each(ALL.map((actor) => ({ actor, expect: (COORDINATORS.includes(actor) ? 'ok' : 'refused') as Outcome })))(
			'$actor invites a covered professional → $expect',
			async ({ actor, expect: outcome }) => {
				const target = outcome === 'ok' ? await createUser('SHN', ['professional'], 'al.invitee') : lateInvitee;
				const reply = await invite(tokenOf(actor), openRoom, target.userId, 'expertise');
				if (outcome === 'ok') ok(reply, actor);
				else refused(reply, actor);
			}
		);

		it.each(['regiehouder', 'chair', 'service'] as Actor[])(
			'%s cannot invite an uncovered organisation, a privacy officer or an administrator',
			async (actor) => {
				for (const target of [om, officer, admin])
					refused(await invite(tokenOf(actor), openRoom, target.userId), `${actor} → ${target.userId}`);
			}
		);

		it.each(['privacy officer', 'administrator', 'outsider', 'uncovered'] as Actor[])(
			'%s cannot join (no invitation, and none can be given)',
			async (actor) => {
				refused(await join(tokenOf(actor), openRoom), actor);
			}
		);

		it('an invitee joins only while the directory still lets them: roles and organisation are checked again at the join', async () => {
			const [moved, promoted, fine] = await Promise.all([
				createUser('VT', ['professional'], 'al.moved'),
				createUser('VT', ['professional'], 'al.promoted'),
				createUser('VT', ['professional'], 'al.fine')
			]);
			for (const who of [moved, promoted, fine])
				ok(await invite(regiehouder.accessToken, openRoom, who.userId, 'expertise'));
			const acc = await accounts();
			await acc.setUser(moved.localpart, { org: 'OM' });
			await acc.setUser(promoted.localpart, { roles: ['privacy-officer'] });
			refused(await join(moved.accessToken, openRoom), 'moved to OM');
			refused(await join(promoted.accessToken, openRoom), 'only privacy officer now');
			ok(await join(fine.accessToken, openRoom), 'unchanged');
		});

		it.each(
			ALL.filter((a) => a !== 'service').map((actor) => ({
				actor,
				expect: (MEMBERS.includes(actor) ? 'ok' : 'refused') as Outcome
			}))
		)('$actor posts an encrypted record → $expect', async ({ actor, expect: outcome }) => {
			const reply = await send(tokenOf(actor), openRoom, 'm.room.encrypted', envelope());
			if (outcome === 'ok') ok(reply, actor);
			else refused(reply, actor);
		});

		for (const type of ['nl.casusruimte.case', 'nl.casusruimte.triage.status', 'nl.casusruimte.access']) {
			it.each(ALL.map((actor) => ({ actor, expect: (COORDINATORS.includes(actor) ? 'ok' : 'refused') as Outcome })))(
				`$actor sets ${type} → $expect`,
				async ({ actor, expect: outcome }) => {
					const reply = await putState(tokenOf(actor), openRoom, type, await caseStateContent(openRoom, type));
					if (outcome === 'ok') ok(reply, actor);
					else refused(reply, actor);
				}
			);
		}

		it.each(['regiehouder', 'chair', 'service'] as Actor[])(
			'%s cannot list an organisation the directory does not know',
			async (actor) => {
				const access = (await getState(serviceToken, openRoom, 'nl.casusruimte.access')) as {
					organisations: unknown[];
				};
				const widened = {
					...access,
					organisations: [...access.organisations, { org: 'GGD_NERGENS', since: iso(Date.now()), basis: 'consent' }]
				};
				refused(await putState(tokenOf(actor), openRoom, 'nl.casusruimte.access', widened), actor);
			}
		);

		it.each(ALL.map((actor) => ({ actor, expect: (actor === 'service' ? 'ok' : 'refused') as Outcome })))(
			'$actor redacts a record → $expect',
			async ({ actor, expect: outcome }) => {
				const { body } = await send(vt.accessToken, openRoom, 'm.room.encrypted', envelope());
				const reply = await raw(
					tokenOf(actor),
					'PUT',
					room(openRoom, `/redact/${enc(body.event_id as string)}/${randomUUID()}`),
					{ reason: 'complaint' }
				);
				if (outcome === 'ok') ok(reply, actor);
				else refused(reply, actor);
			}
		);

		it.each(
			ALL.map((actor) => ({
				actor,
				expect: (['regiehouder', 'chair', 'service'].includes(actor) ? 'ok' : 'refused') as Outcome
			}))
		)('$actor removes a member → $expect', async ({ actor, expect: outcome }) => {
			const target = await createUser('VT', ['professional'], 'al.removed');
			ok(await invite(regiehouder.accessToken, openRoom, target.userId, 'expertise'));
			ok(await join(target.accessToken, openRoom));
			const reply = await kick(tokenOf(actor), openRoom, target.userId, 'no-longer-involved');
			if (outcome === 'ok') ok(reply, actor);
			else refused(reply, actor);
			// and everyone may leave
			if (outcome === 'refused') ok(await raw(target.accessToken, 'POST', room(openRoom, '/leave'), {}), 'leave');
		});

		it.each(ALL.map((actor) => ({ actor, expect: (COORDINATORS.includes(actor) ? 'ok' : 'refused') as Outcome })))(
			'$actor closes a case now with retention inside the window → $expect',
			async ({ actor, expect: outcome }) => {
				// a fresh case per closure, with everyone who could act in it
				const { roomId } = await openCase(regiehouder);
				for (const who of [vt, chair, demoted]) {
					ok(await invite(regiehouder.accessToken, roomId, who.userId, 'mdt-triage'));
					ok(await join(who.accessToken, roomId));
				}
				const current = await getState(serviceToken, roomId, 'nl.casusruimte.case');
				const at = iso(Date.now());
				const months = retentionPolicyFromEnv().default_months;
				const closing = {
					...current,
					phase: 'closed',
					closed_at: at,
					retention_until: iso(addMonths(at, months).getTime())
				};
				if (COORDINATORS.includes(actor) && actor !== 'service') {
					// the same coordinator cannot close with a date in the past, nor keep it for decades
					const past = { ...closing, closed_at: '2020-01-01T00:00:00Z', retention_until: '2020-02-01T00:00:00Z' };
					refused(await putState(tokenOf(actor), roomId, 'nl.casusruimte.case', past), 'closed in the past');
					refused(
						await putState(tokenOf(actor), roomId, 'nl.casusruimte.case', {
							...closing,
							retention_until: iso(Date.now() - 86_400_000)
						}),
						'retention passed'
					);
					refused(
						await putState(tokenOf(actor), roomId, 'nl.casusruimte.case', {
							...closing,
							retention_until: iso(addMonths(at, 600).getTime())
						}),
						'decades'
					);
				}
				const reply = await putState(tokenOf(actor), roomId, 'nl.casusruimte.case', closing);
				if (outcome === 'ok') ok(reply, actor);
				else refused(reply, actor);
			},
			30_000
		);
	});

	describe('a closed case', () => {
		it.each(ALL)('%s invites → refused', async (actor) => {
			const target = await createUser('VT', ['professional'], 'al.closedinvite');
			refused(await invite(tokenOf(actor), closedRoom, target.userId, 'expertise'), actor);
		});

		it('someone invited before the closure cannot join after it', async () => {
			refused(await join(lateInvitee.accessToken, closedRoom));
		});

		it.each(MEMBERS)('%s still posts an encrypted record → ok', async (actor) => {
			ok(await send(tokenOf(actor), closedRoom, 'm.room.encrypted', envelope()), actor);
		});

		for (const type of ['nl.casusruimte.triage.status', 'nl.casusruimte.access']) {
			it.each(ALL.map((actor) => ({ actor, expect: (actor === 'service' ? 'ok' : 'refused') as Outcome })))(
				`$actor sets ${type} → $expect`,
				async ({ actor, expect: outcome }) => {
					const reply = await putState(tokenOf(actor), closedRoom, type, await caseStateContent(closedRoom, type));
					if (outcome === 'ok') ok(reply, actor);
					else refused(reply, actor);
				}
			);
		}

		it.each(ALL.map((actor) => ({ actor, expect: (actor === 'service' ? 'ok' : 'refused') as Outcome })))(
			'$actor sets retention inside the window → $expect',
			async ({ actor, expect: outcome }) => {
				const current = await getState(serviceToken, closedRoom, 'nl.casusruimte.case');
				const policy = retentionPolicyFromEnv();
				const months = actor === 'service' ? policy.max_months : policy.default_months + 1;
				const reply = await putState(tokenOf(actor), closedRoom, 'nl.casusruimte.case', {
					...current,
					retention_until: iso(addMonths(closedAt, months).getTime())
				});
				if (outcome === 'ok') ok(reply, actor);
				else refused(reply, actor);
			}
		);

		it('not even the service sets retention outside the window, or moves the closing date', async () => {
			const current = await getState(serviceToken, closedRoom, 'nl.casusruimte.case');
			const policy = retentionPolicyFromEnv();
			for (const until of [iso(Date.now() - 86_400_000), iso(addMonths(closedAt, policy.max_months + 1).getTime())])
				refused(
					await putState(serviceToken, closedRoom, 'nl.casusruimte.case', { ...current, retention_until: until }),
					until
				);
			refused(
				await putState(serviceToken, closedRoom, 'nl.casusruimte.case', {
					...current,
					closed_at: iso(Date.now() - 86_400_000 * 30)
				}),
				'closed_at'
			);
			refused(
				await putState(serviceToken, closedRoom, 'nl.casusruimte.case', { ...current, phase: 'regie' }),
				'reopen'
			);
		});

		it('members still leave a closed case', async () => {
			ok(await raw(vt.accessToken, 'POST', room(closedRoom, '/leave'), {}));
		});
	});
});

describe('rooms outside the product', () => {
	it.each(ALL.filter((a) => a !== 'service'))('%s cannot create a room, with or without encryption', async (actor) => {
		for (const body of [{ preset: 'private_chat' }, { preset: 'public_chat', name: MARKER }]) {
			const reply = await raw(tokenOf(actor), 'POST', '/_matrix/client/v3/createRoom', body);
			expect(reply.status).toBe(403);
			expect(reply.body.error).toContain('rooms are created by the casusruimte service only');
		}
	});

	it('users cannot change their display name or set an avatar', async () => {
		const profile = `/_matrix/client/v3/profile/${enc(vt.userId)}`;
		refused(await raw(vt.accessToken, 'PUT', `${profile}/displayname`, { displayname: MARKER }), 'displayname');
		refused(await raw(vt.accessToken, 'PUT', `${profile}/avatar_url`, { avatar_url: 'mxc://localhost/x' }), 'avatar');
		const stored = await raw(vt.accessToken, 'GET', profile);
		expect(JSON.stringify(stored.body)).not.toContain(MARKER);
	});

	it('refuses a plaintext upload and takes an encrypted blob', async () => {
		const upload = (bytes: Uint8Array) =>
			fetch(new URL('/_matrix/media/v3/upload', server().info.homeserverUrl), {
				method: 'POST',
				headers: { authorization: `Bearer ${vt.accessToken}`, 'content-type': 'application/octet-stream' },
				body: new Blob([bytes.slice()])
			});
		const plain = await upload(new TextEncoder().encode(`Verklaring van ${MARKER}\n`.repeat(40)));
		expect([400, 403]).toContain(plain.status);
		const blob = new Uint8Array(4096);
		crypto.getRandomValues(blob);
		expect((await upload(blob)).status).toBe(200);
	});
});
