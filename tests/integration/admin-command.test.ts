/**
 * `npm run admin`: the beheerder's command, against the real homeserver.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runAdmin, describeError } from '../../scripts/admin.ts';
import { server, uniqueLocalpart, accounts, createUser } from '../support/harness.ts';
import { openCase } from '../support/cases.ts';
import { passwordLogin } from '../../src/lib/server/synapse-admin.ts';
import { freePort } from '../../scripts/lib/ports.ts';
import { ROOT } from '../../scripts/lib/paths.ts';

const run = promisify(execFile);
const PASSWORD = 'Admin-Test-Pass-1';
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

describe('npm run admin -- user …', () => {
	it('adds a user who can then sign in, and is idempotent', async () => {
		const lp = uniqueLocalpart('shn');
		expect(await admin('user', 'add', lp, '--org', 'SHN', '--role', 'professional', '--password', PASSWORD)).toBe(0);
		expect(out.join('\n')).toContain(`Added @${lp}:localhost`);
		expect(await admin('user', 'add', lp, '--org', 'SHN', '--role', 'professional', '--password', PASSWORD)).toBe(0);
		expect(out.join('\n')).toContain('nothing changed');
		const login = await passwordLogin(server().info.homeserverUrl, lp, PASSWORD);
		expect(login.user_id).toBe(`@${lp}:localhost`);
		const entry = (await (await accounts()).directory()).users.get(login.user_id);
		expect(entry).toMatchObject({ org: 'SHN', roles: ['professional'], active: true });
	});

	it('refuses a duplicate with a different organisation, an unknown organisation, an unknown role and a weak password', async () => {
		const lp = uniqueLocalpart('om');
		await admin('user', 'add', lp, '--org', 'OM', '--role', 'professional', '--password', PASSWORD);
		expect(await failure('user', 'add', lp, '--org', 'VT', '--role', 'professional', '--password', PASSWORD)).toMatch(
			/already exists.*user set/s
		);
		expect(
			await failure(
				'user',
				'add',
				uniqueLocalpart('x'),
				'--org',
				'NASA',
				'--role',
				'professional',
				'--password',
				PASSWORD
			)
		).toMatch(/Unknown organisation "NASA".*POLITIE/);
		expect(
			await failure(
				'user',
				'add',
				uniqueLocalpart('x'),
				'--org',
				'CSG',
				'--role',
				'professional,boss',
				'--password',
				PASSWORD
			)
		).toMatch(/Unknown role "boss"/);
		expect(
			await failure('user', 'add', uniqueLocalpart('x'), '--org', 'CSG', '--role', 'professional', '--password', 'weak')
		).toMatch(/Password refused/);
		expect(
			await failure('user', 'add', 'Bad Name', '--org', 'CSG', '--role', 'professional', '--password', PASSWORD)
		).toMatch(/not a valid user name/);
	});

	it('changes roles with user set, and lists users', async () => {
		const lp = uniqueLocalpart('vt');
		await admin('user', 'add', lp, '--org', 'VT', '--role', 'professional', '--password', PASSWORD);
		await admin('user', 'set', lp, '--role', 'professional,chair');
		out = [];
		await admin('user', 'list');
		expect(out.join('\n')).toMatch(
			new RegExp(`@${lp.replace('.', '\\.')}:localhost\\s+VT\\s+professional,chair\\s+active`)
		);
	});

	it('a role change takes effect in the case rooms at once: a chair who loses the role loses the power', async () => {
		const csg = await createUser('CSG');
		const lp = uniqueLocalpart('vt');
		await admin('user', 'add', lp, '--org', 'VT', '--role', 'professional,chair', '--password', PASSWORD);
		const chair = `@${lp}:localhost`;
		const { roomId } = await openCase(csg);
		const power = async () =>
			(
				await csg.http.get<{ users: Record<string, number> }>(
					`/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state/m.room.power_levels/`
				)
			).users;
		expect((await power())[chair]).toBe(50);
		out = [];
		expect(await admin('user', 'set', lp, '--role', 'professional')).toBe(0);
		expect(out.join('\n')).toMatch(/Authority updated in \d+ case room/);
		const after = await power();
		expect(after[chair]).toBeUndefined();
		expect(after[csg.userId]).toBe(50); // the regiehouder keeps it
	});

	it('disables a user: no more sign-in, marked inactive in the directory', async () => {
		const lp = uniqueLocalpart('politie');
		await admin('user', 'add', lp, '--org', 'POLITIE', '--role', 'professional', '--password', PASSWORD);
		const before = await passwordLogin(server().info.homeserverUrl, lp, PASSWORD);
		await admin('user', 'disable', lp);
		await expect(passwordLogin(server().info.homeserverUrl, lp, PASSWORD)).rejects.toMatchObject({ status: 403 });
		const whoami = await fetch(`${server().info.homeserverUrl}/_matrix/client/v3/account/whoami`, {
			headers: { authorization: `Bearer ${before.access_token}` }
		});
		expect(whoami.status).toBe(401);
		const entry = (await (await accounts()).directory()).users.get(before.user_id);
		expect(entry?.active).toBe(false);
		expect(await admin('user', 'disable', lp)).toBe(0);
		expect(out.join('\n')).toContain('already disabled');
	});

	it('imports users from CSV and reports the lines it could not take', async () => {
		const dir = mkdtempSync(path.join(os.tmpdir(), 'casus-csv-'));
		const file = path.join(dir, 'users.csv');
		const a = uniqueLocalpart('ph');
		const b = uniqueLocalpart('ph');
		writeFileSync(
			file,
			`localpart,org,roles,password,display_name\n${a},PH,professional,${PASSWORD},"Hendriks, T."\n${b},XX,professional,${PASSWORD},\n`
		);
		expect(await admin('user', 'import', file)).toBe(1);
		expect(out.join('\n')).toMatch(/1 of 2 users imported/);
		expect(out.join('\n')).toMatch(/Unknown organisation "XX"/);
		const entry = (await (await accounts()).directory()).users.get(`@${a}:localhost`);
		expect(entry).toMatchObject({ org: 'PH', display_name: 'Hendriks, T.' });
	});

	it('extends the organisation list by configuration', async () => {
		await admin('org', 'add', 'GGD', '--name', 'GGD Haaglanden');
		const lp = uniqueLocalpart('ggd');
		expect(await admin('user', 'add', lp, '--org', 'ggd', '--role', 'professional', '--password', PASSWORD)).toBe(0);
	});
});

describe('the admin command as a process', () => {
	const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
	it('exits 1 with a clear message for an unknown organisation', async () => {
		const result = await run(
			tsx,
			['scripts/admin.ts', 'user', 'add', 'x.y', '--org', 'FOO', '--role', 'professional', '--password', PASSWORD],
			{
				cwd: ROOT,
				env: { ...process.env, CASUS_DATA_DIR: server().dataDir }
			}
		).catch((e: { code: number; stderr: string }) => e);
		expect(result).toMatchObject({ code: 1 });
		expect((result as { stderr: string }).stderr).toMatch(/admin: Unknown organisation "FOO"/);
	});

	it('says so when the homeserver is not running', async () => {
		const port = await freePort();
		const result = await run(tsx, ['scripts/admin.ts', 'user', 'list'], {
			cwd: ROOT,
			env: {
				...process.env,
				CASUS_DATA_DIR: '',
				CASUS_HOMESERVER_URL: `http://127.0.0.1:${port}`,
				CASUS_SERVER_NAME: 'localhost',
				CASUS_SERVICE_PASSWORD: 'x'
			}
		}).catch((e: { code: number; stderr: string }) => e);
		expect(result).toMatchObject({ code: 1 });
		expect((result as { stderr: string }).stderr).toMatch(/not reachable.*npm start/);
	});
});
