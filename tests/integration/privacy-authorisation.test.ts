/**
 * Who may use the privacy console: only an active privacy officer, signed in with
 * their own Matrix token. Everyone else is refused on every endpoint: no token,
 * a forged or expired (logged-out) token 401; an MDT member, a chair, a beheerder
 * and even a homeserver administrator without the role 403. A refused request
 * changes nothing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { accounts, createUser, server, type TestUser } from '../support/harness.ts';
import { ENDPOINTS, callEndpoint, caseWithMembers, enc, useTestHomeserver } from '../support/privacy.ts';
import { passwordLogin } from '../../src/lib/server/synapse-admin.ts';
import { MatrixHttp } from '../../src/lib/server/http.ts';

let officer: TestUser;
let csg: TestUser;
let vt: TestUser;
let roomId: string;

beforeAll(async () => {
	useTestHomeserver();
	officer = await createUser('CSG', ['privacy-officer'], 'po');
	csg = await createUser('CSG');
	vt = await createUser('VT');
	({ roomId } = await caseWithMembers(csg, [vt]));
});

const membershipOf = async (userId: string) =>
	(
		await csg.http.get<{ membership: string }>(
			`/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.member/${enc(userId)}`
		)
	).membership;

describe('privacy console authorisation', () => {
	it('refuses a missing, forged or expired token on every endpoint with 401', async () => {
		const loggedOut = await createUser('CSG', ['privacy-officer'], 'po');
		await loggedOut.http.post('/_matrix/client/v3/logout', {});
		for (const e of ENDPOINTS) {
			for (const token of [
				null,
				'syt_Zm9yZ2Vk_forgedforgedforged_1a2b3c',
				`${officer.accessToken}x`,
				loggedOut.accessToken
			]) {
				const res = await callEndpoint(e, roomId, token);
				expect(res.status, `${e.name} with ${token ? 'a bad token' : 'no token'}`).toBe(401);
				expect(res.json()).toMatchObject({ errcode: 'M_UNKNOWN_TOKEN' });
			}
		}
	});

	it('refuses MDT members, chairs, beheerders and homeserver admins without the role with 403', async () => {
		const chair = await createUser('VT', ['professional', 'chair'], 'chair');
		const beheerder = await createUser('CSG', ['admin'], 'beheer');
		// A homeserver administrator (Synapse admin flag) who is not a privacy officer.
		const hsAdmin = await createUser('CSG', ['professional'], 'hsadmin');
		await (
			await import('../support/harness.ts')
		)
			.serviceClient()
			.then((s) => s.http.put(`/_synapse/admin/v2/users/${enc(hsAdmin.userId)}`, { admin: true }));
		for (const who of [csg, vt, chair, beheerder, hsAdmin]) {
			for (const e of ENDPOINTS.filter((x) => !x.anyUser)) {
				const body = e.name === 'remove' ? { user_id: vt.userId, reason: 'should never happen' } : undefined;
				const res = await callEndpoint(e, roomId, who.accessToken, body);
				expect(res.status, `${e.name} as ${who.localpart}`).toBe(403);
				expect(res.json()).toMatchObject({ errcode: 'M_FORBIDDEN' });
			}
		}
		expect(await membershipOf(vt.userId)).toBe('join');
	});

	it('refuses a privacy officer who has been disabled in the directory', async () => {
		const former = await createUser('CSG', ['privacy-officer'], 'po');
		const acc = await accounts();
		const entry = (await acc.directory()).users.get(former.userId)!;
		const { writeUserEntry } = await import('../../src/lib/server/directory-admin.ts');
		await writeUserEntry(acc.service, await acc.directoryRoom(), former.userId, {
			v: 1,
			org: entry.org,
			roles: entry.roles,
			display_name: entry.display_name,
			active: false,
			updated_at: Date.now()
		});
		const overview = ENDPOINTS.find((e) => e.name === 'overview')!;
		expect((await callEndpoint(overview, roomId, former.accessToken)).status).toBe(403);
	});

	it('lets a privacy officer read every endpoint, and tells anyone whether they are one', async () => {
		for (const e of ENDPOINTS.filter((x) => x.method === 'GET')) {
			const res = await callEndpoint(e, roomId, officer.accessToken);
			expect(res.status, e.name).toBe(200);
		}
		const me = ENDPOINTS.find((e) => e.name === 'me')!;
		expect((await callEndpoint(me, roomId, officer.accessToken)).json()).toMatchObject({
			user_id: officer.userId,
			privacy_officer: true
		});
		expect((await callEndpoint(me, roomId, csg.accessToken)).json()).toMatchObject({
			user_id: csg.userId,
			privacy_officer: false,
			retention: { default_months: 12, min_months: 1, max_months: 60 }
		});
	});

	it('never hands the browser a homeserver credential: the officer is no member and no admin', async () => {
		const hs = new MatrixHttp(server().info.homeserverUrl, officer.accessToken);
		await expect(hs.get('/_synapse/admin/v1/rooms')).rejects.toMatchObject({ status: 403 });
		const joined = await hs.get<{ joined_rooms: string[] }>('/_matrix/client/v3/joined_rooms');
		expect(joined.joined_rooms).not.toContain(roomId);
		// and a fresh sign-in of the officer is just as unprivileged
		const again = await passwordLogin(server().info.homeserverUrl, officer.localpart, officer.password);
		await expect(
			new MatrixHttp(server().info.homeserverUrl, again.access_token).get('/_synapse/admin/v1/rooms')
		).rejects.toMatchObject({ status: 403 });
	});
});
