/**
 * The PostgreSQL profile: DATABASE_URL makes the generator create the database
 * with the encoding and locale Synapse requires, and Synapse runs on it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startThrowawaySynapse } from '../support/throwaway-synapse.ts';
import { databaseUrl, dropDatabase, pgQuery, uniqueDatabaseName } from '../support/postgres.ts';
import { configFromDataDir } from '../../src/lib/server/config.ts';
import { connectService } from '../../src/lib/server/service-account.ts';
import { Accounts } from '../../src/lib/server/accounts.ts';
import { passwordLogin } from '../../src/lib/server/synapse-admin.ts';
import { MatrixHttp } from '../../src/lib/server/http.ts';
import { fetchRejections } from '../../src/lib/server/guard-log.ts';

const name = uniqueDatabaseName();
let synapse: Awaited<ReturnType<typeof startThrowawaySynapse>>;

beforeAll(async () => {
	synapse = await startThrowawaySynapse({ databaseUrl: databaseUrl(name), label: 'pg' });
});

afterAll(async () => {
	await synapse?.cleanup();
	dropDatabase(name);
});

describe('Synapse on PostgreSQL', () => {
	it('created the database as UTF8 with C collation', () => {
		const [row] = pgQuery(
			'postgres',
			'SELECT pg_encoding_to_char(encoding), datcollate, datctype FROM pg_database WHERE datname = %s',
			[name]
		);
		expect(row).toEqual(['UTF8', 'C', 'C']);
		expect(synapse.info.database).toBe('psycopg2');
	});

	it('provisions and signs in a user, with the data in PostgreSQL', async () => {
		const config = configFromDataDir(synapse.dataDir);
		const accounts = new Accounts(config, await connectService(config));
		await accounts.addUser({ localpart: 'pg.user', org: 'CSG', roles: ['professional'], password: 'Postgres-Pass-1' });
		const login = await passwordLogin(config.homeserverUrl, 'pg.user', 'Postgres-Pass-1');
		expect(login.user_id).toBe('@pg.user:localhost');
		const rows = pgQuery(name, 'SELECT name FROM users WHERE name = %s', ['@pg.user:localhost']);
		expect(rows).toHaveLength(1);
	});

	it("keeps the guard's rejection log in PostgreSQL", async () => {
		const config = configFromDataDir(synapse.dataDir);
		const login = await passwordLogin(config.homeserverUrl, 'pg.user', 'Postgres-Pass-1');
		const http = new MatrixHttp(config.homeserverUrl, login.access_token);
		// Only the service creates rooms: a person's attempt is refused and logged.
		await expect(http.post('/_matrix/client/v3/createRoom', { preset: 'private_chat' })).rejects.toMatchObject({
			status: 403,
			errcode: 'M_FORBIDDEN'
		});
		const rows = pgQuery(name, 'SELECT user_id, room_id, rule, event_type FROM casusruimte_guard_rejections');
		expect(rows).toEqual([['@pg.user:localhost', null, 'room_creation', 'm.room.create']]);
		const page = await fetchRejections(await connectService(config));
		expect(page.rejections.map((r) => r.rule)).toEqual(['room_creation']);
	});

	it('reuses the database on the next start', async () => {
		await synapse.restart();
		const login = await passwordLogin(synapse.info.homeserverUrl, 'pg.user', 'Postgres-Pass-1');
		expect(login.user_id).toBe('@pg.user:localhost');
	});
});
