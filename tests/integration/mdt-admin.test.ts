/**
 * `npm run admin -- mdt …`: the region's daily MDT in the directory, and the
 * region's board following it, against the real homeserver (and its guard).
 * Region GR (Groningen) only, so other files' cases and MDTs stay apart.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runAdmin, describeError } from '../../scripts/admin.ts';
import { accounts, createUser, server, serviceClient } from '../support/harness.ts';
import { caseService } from '../support/cases.ts';
import { eventually } from '../support/eventually.ts';
import { BOARD_ROOM_TYPE, BOARD_STATE } from '../../src/lib/case/board.ts';
import { MDT_EVENT, boardMembers } from '../../src/lib/directory/mdt.ts';
import { parseMdtCsv } from '../../src/lib/server/mdt-admin.ts';

const enc = encodeURIComponent;
let out: string[];

beforeEach(() => {
	out = [];
	vi.spyOn(console, 'log').mockImplementation((...args) => void out.push(args.join(' ')));
	vi.spyOn(console, 'error').mockImplementation((...args) => void out.push(args.join(' ')));
});
afterEach(() => vi.restoreAllMocks());

const admin = (...argv: string[]) => runAdmin(argv, { CASUS_DATA_DIR: server().dataDir });
const failure = async (...argv: string[]) => {
	try {
		await admin(...argv);
	} catch (err) {
		return describeError(err);
	}
	throw new Error('expected the command to fail');
};
const mdt = async (region: string) => (await (await accounts()).directory()).mdts.get(region as 'GR');
type Ev = { type: string; state_key: string; content: Record<string, unknown> };
const boardState = async (roomId: string) => (await serviceClient()).getRoomState(roomId) as Promise<Ev[]>;
const membership = (state: Ev[], userId: string) =>
	state.find((e) => e.type === 'm.room.member' && e.state_key === userId)?.content;

describe('npm run admin -- mdt …', () => {
	it('seats members, deputies and a chair idempotently, makes the board and invites them onto it', async () => {
		const csg = await createUser('CSG');
		const vt = await createUser('VT');
		const chair = await createUser('VT', ['professional', 'chair']);
		expect(await admin('mdt', 'add', 'gr', csg.localpart)).toBe(0);
		expect(await admin('mdt', 'add', 'GR', vt.localpart, '--deputy')).toBe(0);
		expect(await admin('mdt', 'add', 'GR', chair.localpart, '--chair')).toBe(0);
		expect(await admin('mdt', 'add', 'GR', csg.localpart)).toBe(0);
		expect(out.join('\n')).toContain('nothing changed');
		const seated = await mdt('GR');
		expect(seated?.chairs).toContain(chair.userId);
		expect(seated?.members).toEqual(
			expect.arrayContaining([
				{ user: csg.userId, deputy: false },
				{ user: vt.userId, deputy: true }
			])
		);
		// the board: made by the service, typed, pointed to from the directory, the MDT invited with mdt-board
		const cases = await caseService();
		const roomId = (await cases.boards.pointer('GR'))!;
		expect(roomId).toMatch(/^!/);
		const state = await boardState(roomId);
		const get = (type: string) => state.find((e) => e.type === type && e.state_key === '');
		expect(get('m.room.create')?.content).toMatchObject({ type: BOARD_ROOM_TYPE, 'm.federate': false });
		expect(get(BOARD_STATE)?.content).toEqual({ v: 1, region: 'GR' });
		expect(get('m.room.name')?.content.name).toBe('GR');
		expect(get('m.room.join_rules')?.content.join_rule).toBe('invite');
		expect(get('m.room.encryption')?.content.algorithm).toBe('m.megolm.v1.aes-sha2');
		for (const u of [csg, vt, chair])
			expect(membership(state, u.userId)).toMatchObject({ membership: 'invite', reason: 'mdt-board' });
		// a member joins; the list shows every seat
		await csg.http.post(`/_matrix/client/v3/rooms/${enc(roomId)}/join`, {});
		out = [];
		expect(await admin('mdt', 'list', 'GR')).toBe(0);
		const listing = out.join('\n');
		expect(listing).toMatch(new RegExp(`GR\\s+chair\\s+${chair.userId.replace(/\./g, '\\.')}`));
		expect(listing).toMatch(new RegExp(`GR\\s+deputy\\s+${vt.userId.replace(/\./g, '\\.')}`));
		// taken out of the MDT: off the board at once (role-ended); the others stay
		expect(await admin('mdt', 'remove', 'GR', csg.localpart)).toBe(0);
		expect(await admin('mdt', 'remove', 'GR', csg.localpart)).toBe(0);
		expect(out.join('\n')).toContain('was not in the GR MDT; nothing changed');
		const after = await boardState(roomId);
		expect(membership(after, csg.userId)).toMatchObject({ membership: 'leave', reason: 'role-ended' });
		expect(membership(after, vt.userId)).toMatchObject({ membership: 'invite' });
		// the same board is used again, not a second one
		expect(await admin('mdt', 'add', 'GR', csg.localpart)).toBe(0);
		expect(await cases.boards.pointer('GR')).toBe(roomId);
		expect(membership(await boardState(roomId), csg.userId)).toMatchObject({ membership: 'invite' });
	});

	it('refuses an unknown region, an unknown or disabled user, a user without role professional or chair, a chair without the chair role', async () => {
		const csg = await createUser('CSG');
		const officer = await createUser('CSG', ['privacy-officer'], 'po');
		const leaver = await createUser('SHN');
		await (await accounts()).disableUser(leaver.localpart);
		expect(await failure('mdt', 'add', 'XX', csg.localpart)).toMatch(/Unknown region "XX".*DH \(Den Haag\)/);
		expect(await failure('mdt', 'add', 'GR', 'nobody.here')).toMatch(/Unknown user @nobody\.here:localhost/);
		expect(await failure('mdt', 'add', 'GR', leaver.localpart)).toMatch(/is disabled/);
		expect(await failure('mdt', 'add', 'GR', officer.localpart)).toMatch(/neither the role professional nor chair/);
		expect(await failure('mdt', 'add', 'GR', csg.localpart, '--chair')).toMatch(/does not have the role chair/);
		expect(await failure('mdt', 'add', 'GR', csg.localpart, '--chair', '--deputy')).toMatch(/not both/);
		// none of these changed the MDT; the legitimate act still works
		const seated = await mdt('GR');
		for (const u of [officer, leaver]) expect(seated?.members.some((m) => m.user === u.userId)).toBe(false);
		expect(await admin('mdt', 'add', 'GR', csg.localpart)).toBe(0);
		expect((await mdt('GR'))?.members).toContainEqual({ user: csg.userId, deputy: false });
	});

	it('imports a CSV, reporting bad rows and keeping the good ones', async () => {
		const a = await createUser('POLITIE');
		const b = await createUser('SHN');
		const dir = mkdtempSync(path.join(os.tmpdir(), 'mdt-csv-'));
		const file = path.join(dir, 'mdt.csv');
		writeFileSync(
			file,
			[
				'region,localpart,part',
				'# comments are skipped',
				`GR,${a.localpart},member`,
				`gr,${b.localpart},deputy`,
				`ZZ,${a.localpart},member`
			].join('\n')
		);
		expect(await admin('mdt', 'import', file)).toBe(1);
		expect(out.join('\n')).toContain('2 of 3 MDT seats imported');
		expect(out.join('\n')).toMatch(/ZZ .*Unknown region/);
		const seated = await mdt('GR');
		expect(seated?.members).toEqual(
			expect.arrayContaining([
				{ user: a.userId, deputy: false },
				{ user: b.userId, deputy: true }
			])
		);
		expect(() => parseMdtCsv('region,localpart\nGR,x')).toThrow(/"part" is missing/);
		expect(() => parseMdtCsv('region,localpart,part\nGR,x,boss')).toThrow(/unknown part "boss"/);
	});

	it('a member whose roles no longer sit in an MDT leaves the board at once; a colleague who keeps them stays', async () => {
		const [leaving, staying] = await Promise.all([createUser('VT'), createUser('VT')]);
		for (const u of [leaving, staying]) expect(await admin('mdt', 'add', 'GR', u.localpart)).toBe(0);
		const roomId = (await (await caseService()).boards.pointer('GR'))!;
		for (const u of [leaving, staying]) await u.http.post(`/_matrix/client/v3/rooms/${enc(roomId)}/join`, {});
		expect(await admin('user', 'set', leaving.localpart, '--role', 'privacy-officer')).toBe(0);
		expect(await admin('user', 'set', staying.localpart, '--name', 'Still Here')).toBe(0);
		const state = await boardState(roomId);
		expect(membership(state, leaving.userId)).toMatchObject({ membership: 'leave', reason: 'role-ended' });
		expect(membership(state, staying.userId)?.membership).toBe('join');
	});

	it('a disabled MDT member leaves the board; the sync backstop invites who is missing', async () => {
		const shn = await createUser('SHN');
		expect(await admin('mdt', 'add', 'GR', shn.localpart)).toBe(0);
		const cases = await caseService();
		const roomId = (await cases.boards.pointer('GR'))!;
		await shn.http.post(`/_matrix/client/v3/rooms/${enc(roomId)}/join`, {});
		await (await accounts()).disableUser(shn.localpart);
		const directory = await cases.directory();
		expect(boardMembers(directory.mdts, directory, 'GR')).not.toContain(shn.userId);
		// deactivation takes the account out of every room (Synapse does it in the background)
		await eventually(async () => membership(await boardState(roomId), shn.userId)?.membership === 'leave');
		// someone seated while the board was out of reach: the sync invites them
		const late = await createUser('CSG');
		const svc = await serviceClient();
		const current = (await mdt('GR'))!;
		await svc.sendState(await (await accounts()).directoryRoom(), MDT_EVENT, 'GR', {
			...current,
			members: [...current.members, { user: late.userId, deputy: false }],
			updated_at: Date.now()
		});
		expect(membership(await boardState(roomId), late.userId)).toBeUndefined();
		expect(await admin('mdt', 'sync')).toBe(0);
		expect(membership(await boardState(roomId), late.userId)).toMatchObject({
			membership: 'invite',
			reason: 'mdt-board'
		});
	});
});
