/**
 * Access attempts against a real homeserver, with raw HTTP as an attacker
 * would make them: an outsider joining or reading a case room, a removed member
 * reading what comes after, a member raising their own power level or taking
 * regie, and a reused expired, logged-out or disabled token. Every one must be
 * refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hardeningWorld } from './support.ts';
import {
	createUser,
	startDevice,
	openCase,
	eventually,
	WORLD_PASSWORD,
	type Device,
	type World,
	type WorldUser,
	inviteAndJoin
} from '../support/world.ts';
import { postUpdate, removeMember } from '../../src/lib/case/commands.ts';
import { MatrixHttp, MatrixHttpError } from '../../src/lib/server/http.ts';
import { passwordLogin } from '../../src/lib/server/synapse-admin.ts';
import { Refusal } from '../../src/lib/refusal.ts';
import { STATE } from '../../src/lib/case/event-types.ts';
import { updateInput } from '../support/sample-records.ts';
import type { CaseRoomSession } from '../../src/lib/matrix/case-room.ts';
import { instant } from '../../src/lib/case/time.ts';

let world: World;
let regie: Device, member: Device, removed: Device;
let outsider: WorldUser;
let roomId: string;
let sR: CaseRoomSession;
const enc = encodeURIComponent;
const room = (suffix: string) => `/_matrix/client/v3/rooms/${enc(roomId)}${suffix}`;

/** The call must fail with one of these HTTP statuses (a refusal, not a crash). */
async function refused(call: Promise<unknown>, statuses = [403]): Promise<MatrixHttpError> {
	const outcome = await call.then(
		() => null,
		(err: unknown) => err
	);
	expect(outcome, 'the homeserver accepted it').toBeInstanceOf(MatrixHttpError);
	expect(statuses).toContain((outcome as MatrixHttpError).status);
	return outcome as MatrixHttpError;
}

beforeAll(async () => {
	world = await hardeningWorld();
	const [ru, mu, pu, ou] = await Promise.all([
		createUser(world, 'CSG', ['professional'], 'acc-csg'),
		createUser(world, 'VT', ['professional'], 'acc-vt'),
		createUser(world, 'POLITIE', ['professional'], 'acc-politie'),
		createUser(world, 'SHN', ['professional'], 'acc-shn')
	]);
	outsider = ou;
	[regie, member, removed] = await Promise.all([
		startDevice(world, ru),
		startDevice(world, mu),
		startDevice(world, pu)
	]);
	({ roomId } = await openCase(world, regie.user));
	sR = await regie.openSession(roomId);
	// Membership reasons are codes (src/lib/case/reasons.ts): the guard refuses free text.
	for (const d of [member, removed]) await inviteAndJoin(sR, regie, d, 'mdt-triage');
});

afterAll(async () => {
	for (const d of [regie, member, removed]) await d?.stop();
});

describe('an outsider (in the directory, never invited)', () => {
	it('cannot join, knock, invite themselves, read or write the case room', async () => {
		const h = outsider.http;
		await refused(h.post(room('/join'), {}));
		await refused(h.post(`/_matrix/client/v3/join/${enc(roomId)}`, {}));
		await refused(h.post(`/_matrix/client/v3/knock/${enc(roomId)}`, {}));
		await refused(h.post(room('/invite'), { user_id: outsider.userId }));
		await refused(h.get(room('/messages'), { dir: 'b', limit: 10 }));
		await refused(h.get(room('/state')));
		await refused(h.get(room(`/state/${enc(STATE.case)}/`)));
		await refused(h.get(room('/members')));
		await refused(h.put(room(`/send/m.room.message/outsider-${Date.now()}`), { msgtype: 'm.text', body: 'x' }));
		// Nor through the web app's server API.
		await expect(
			world.cases.handover(outsider.accessToken, roomId, { to: outsider.userId, deputy: null })
		).rejects.toMatchObject({ status: 403 });
	});
});

describe('a removed member', () => {
	it('cannot read what is posted after the removal, nor come back', async () => {
		const before = await removed.user.http.get<{ next_batch: string }>('/_matrix/client/v3/sync', { timeout: 0 });
		await sR.execute(
			removeMember(sR.view, regie.user.userId, sR.context(), {
				userId: removed.user.userId,
				reason: 'not-covered'
			})
		);
		await eventually(() => removed.client.getRoom(roomId)?.getMyMembership() !== 'join', {
			message: 'removal reaches the removed member'
		});
		await sR.execute(
			postUpdate(sR.view, regie.user.userId, sR.context(), {
				...updateInput('NA-VERWIJDERING'),
				next_steps: 'na verwijdering'
			})
		);
		const after = await eventually(() => sR.view.updates.find((u) => u.record.next_steps === 'na verwijdering'));
		const h = removed.user.http;

		await refused(h.get(room(`/event/${enc(after.eventId)}`)), [403, 404]);
		const history = await h
			.get<{ chunk: { event_id: string }[] }>(room('/messages'), { dir: 'b', limit: 100 })
			.catch((e: unknown) => (e instanceof MatrixHttpError ? { chunk: [] } : Promise.reject(e)));
		expect(history.chunk.map((e) => e.event_id)).not.toContain(after.eventId);
		const sync = await h.get<{
			rooms?: Record<string, Record<string, { timeline?: { events: { event_id: string }[] } }>>;
		}>('/_matrix/client/v3/sync', { since: before.next_batch, timeout: 0 });
		const delivered = Object.values(sync.rooms ?? {}).flatMap((section) => section[roomId]?.timeline?.events ?? []);
		expect(delivered.map((e) => e.event_id)).not.toContain(after.eventId);
		await refused(h.post(room('/join'), {}));
		await refused(h.put(room(`/send/m.room.message/removed-${Date.now()}`), { msgtype: 'm.text', body: 'x' }));
	});
});

describe('a member', () => {
	it('cannot raise their own power level, nor can the regiehouder', async () => {
		for (const d of [member, regie]) {
			const current = await d.user.http.get<{ users: Record<string, number> }>(room('/state/m.room.power_levels/'));
			await refused(
				d.user.http.put(room('/state/m.room.power_levels/'), {
					...current,
					users: { ...current.users, [d.user.userId]: 100 }
				})
			);
		}
		const levels = await member.user.http.get<{ users: Record<string, number> }>(room('/state/m.room.power_levels/'));
		expect(levels.users[member.user.userId] ?? 0).toBe(0);
	});

	it('cannot take regie, by state or through the server API', async () => {
		const regieState = {
			v: 1,
			regiehouder: member.user.userId,
			deputy: null,
			since: instant(),
			handovers: 1
		};
		await refused(member.user.http.put(room(`/state/${enc(STATE.regie)}/`), regieState));
		// Regie state is the service account's alone, even for the regiehouder.
		await refused(
			regie.user.http.put(room(`/state/${enc(STATE.regie)}/`), { ...regieState, regiehouder: regie.user.userId })
		);
		await expect(
			world.cases.handover(member.user.accessToken, roomId, { to: member.user.userId, deputy: null })
		).rejects.toBeInstanceOf(Refusal);
		await expect(
			world.cases.handover(member.user.accessToken, roomId, { to: member.user.userId, deputy: null })
		).rejects.toMatchObject({ status: 403 });
		const state = await member.user.http.get<{ regiehouder: string }>(room(`/state/${enc(STATE.regie)}/`));
		expect(state.regiehouder).toBe(regie.user.userId);
	});

	it('cannot change the room rules, case state, invite, remove or redact', async () => {
		const h = member.user.http;
		await refused(h.put(room('/state/m.room.join_rules/'), { join_rule: 'public' }));
		await refused(h.put(room('/state/m.room.history_visibility/'), { history_visibility: 'world_readable' }));
		await refused(
			h.put(room('/state/m.room.encryption/'), { algorithm: 'm.megolm.v1.aes-sha2', rotation_period_msgs: 1_000_000 })
		);
		await refused(h.put(room('/state/m.room.guest_access/'), { guest_access: 'can_join' }));
		await refused(h.put(room('/state/m.room.name/'), { name: 'Echte naam van het slachtoffer' }));
		const caseState = await h.get<Record<string, unknown>>(room(`/state/${enc(STATE.case)}/`));
		await refused(h.put(room(`/state/${enc(STATE.case)}/`), { ...caseState, phase: 'closed' }));
		await refused(h.post(room('/invite'), { user_id: outsider.userId }));
		await refused(h.post(room('/kick'), { user_id: regie.user.userId, reason: 'no-longer-involved' }));
		const target = sR.view.updates.at(-1)!.eventId;
		await refused(h.put(room(`/redact/${enc(target)}/redact-${Date.now()}`), { reason: 'complaint' }));
	});
});

describe('plaintext beside the product', () => {
	it('a member cannot put words into their membership, a reason or a room of their own', async () => {
		const h = member.user.http;
		const own = room(`/state/m.room.member/${enc(member.user.userId)}`);
		await refused(h.put(own, { membership: 'join', note: 'Jan Jansen, geboren 12-03-1990' }), [400]);
		await refused(h.post(room('/leave'), { reason: 'Jan Jansen heeft aangifte gedaan' }), [400]);
		await refused(h.post('/_matrix/client/v3/createRoom', { preset: 'private_chat', name: 'Jan Jansen' }), [403]);
		await refused(
			h.put(room(`/send/m.room.encrypted/side-${Date.now()}`), {
				algorithm: 'm.megolm.v1.aes-sha2',
				ciphertext: 'AwgA',
				session_id: 'A'.repeat(43),
				'm.relates_to': { rel_type: 'm.thread', event_id: '$jan-jansen' }
			}),
			[400]
		);
		// while the member's own profile update (what Synapse sends on a name change) still passes
		await h.put(own, { membership: 'join' });
	});
});

describe('tokens', () => {
	it('an expired token is refused everywhere', async () => {
		const victim = await createUser(world, 'OM', ['professional'], 'acc-om');
		const { access_token } = await world.service.http.post<{ access_token: string }>(
			`/_synapse/admin/v1/users/${enc(victim.userId)}/login`,
			{ valid_until_ms: Date.now() + 1500 }
		);
		const h = new MatrixHttp(world.homeserverUrl, access_token);
		expect((await h.get<{ user_id: string }>('/_matrix/client/v3/account/whoami')).user_id).toBe(victim.userId);
		await new Promise((r) => setTimeout(r, 2500));
		const err = await refused(h.get('/_matrix/client/v3/account/whoami'), [401]);
		expect(err.errcode).toBe('M_UNKNOWN_TOKEN');
		await refused(h.get('/_matrix/client/v3/sync', { timeout: 0 }), [401]);
		await refused(
			h.put(`/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/exp-${Date.now()}`, {
				msgtype: 'm.text',
				body: 'x'
			}),
			[401]
		);
		await expect(
			world.cases.createCase(access_token, {
				region: 'DH',
				first_report_at: '2026-11-23T09:00:00Z',
				acute: false,
				access: [{ org: 'OM', basis: 'consent' }]
			})
		).rejects.toMatchObject({ status: 401 });
	});

	it("a logged-out token and a disabled account's token are refused", async () => {
		const user = await createUser(world, 'PH', ['professional'], 'acc-ph');
		const second = await passwordLogin(world.homeserverUrl, user.localpart, WORLD_PASSWORD, 'tweede');
		await new MatrixHttp(world.homeserverUrl, second.access_token).post('/_matrix/client/v3/logout', {});
		await refused(
			new MatrixHttp(world.homeserverUrl, second.access_token).get('/_matrix/client/v3/account/whoami'),
			[401]
		);
		await world.accounts.disableUser(user.localpart);
		await refused(user.http.get('/_matrix/client/v3/account/whoami'), [401]);
		await refused(user.http.get('/_matrix/client/v3/sync', { timeout: 0 }), [401]);
	});
});
