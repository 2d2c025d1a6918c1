import { describe, expect, it } from 'vitest';
import { buildDirectory, hasRole, organisationOf } from '../../src/lib/directory/directory.ts';
import { USER_EVENT, ORGANISATIONS_EVENT, userStateKey, userIdFromStateKey } from '../../src/lib/directory/schema.ts';
import { parseUserCsv, validatePassword, AdminError } from '../../src/lib/server/accounts.ts';

const entry = (org: string, roles: string[], active = true) => ({
	v: 1,
	org,
	roles,
	display_name: 'X',
	active,
	updated_at: 1
});

describe('directory', () => {
	it('maps users to organisation and roles, and ignores disabled users for decisions', () => {
		const dir = buildDirectory([
			{ type: USER_EVENT, state_key: userStateKey('@a:hs'), content: entry('CSG', ['professional', 'chair']) },
			{ type: USER_EVENT, state_key: userStateKey('@b:hs'), content: entry('POLITIE', ['professional'], false) }
		]);
		expect(organisationOf(dir, '@a:hs')).toBe('CSG');
		expect(hasRole(dir, '@a:hs', 'chair')).toBe(true);
		expect(organisationOf(dir, '@b:hs')).toBeUndefined();
		expect(dir.users.get('@b:hs')?.active).toBe(false);
	});

	it('keeps malformed entries out and reports them', () => {
		const dir = buildDirectory([
			{ type: USER_EVENT, state_key: userStateKey('@a:hs'), content: { v: 1, org: 'CSG', roles: ['boss'] } },
			{ type: USER_EVENT, state_key: '@b:hs', content: entry('CSG', ['professional']) },
			{ type: ORGANISATIONS_EVENT, state_key: '', content: { v: 1, organisations: [] } }
		]);
		expect(dir.users.size).toBe(0);
		expect(dir.invalid).toHaveLength(3);
		// the default organisations remain when the configured list is broken
		expect(dir.organisations.map((o) => o.code)).toContain('POLITIE');
	});

	it('uses the configured organisation list', () => {
		const dir = buildDirectory([
			{ type: ORGANISATIONS_EVENT, state_key: '', content: { v: 1, organisations: [{ code: 'GGD', name: 'GGD' }] } }
		]);
		expect(dir.organisations).toEqual([{ code: 'GGD', name: 'GGD' }]);
	});

	it('round-trips state keys', () => {
		expect(userIdFromStateKey(userStateKey('@x.y:localhost'))).toBe('@x.y:localhost');
		expect(userIdFromStateKey('@x:localhost')).toBeUndefined();
	});
});

describe('user import CSV', () => {
	it('parses roles, quotes and display names', () => {
		const users = parseUserCsv(
			'localpart,org,roles,password,display_name\n# comment\na.b,CSG,professional;chair,Secret-Pass-123,"Bos, Noor"\n'
		);
		expect(users).toEqual([
			{
				localpart: 'a.b',
				org: 'CSG',
				roles: ['professional', 'chair'],
				password: 'Secret-Pass-123',
				displayName: 'Bos, Noor'
			}
		]);
	});
	it('refuses a file without the required columns', () => {
		expect(() => parseUserCsv('name,org\nx,CSG')).toThrow(AdminError);
	});
	it('checks passwords against the homeserver policy', () => {
		expect(validatePassword('short')).toMatch(/12/);
		expect(validatePassword('alllowercase123')).toMatch(/upper/);
		expect(validatePassword('Good-Password-1')).toBeUndefined();
	});
});
