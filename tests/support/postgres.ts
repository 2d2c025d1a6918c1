/**
 * Throwaway PostgreSQL databases on the local server (127.0.0.1:5432, trust auth),
 * created with a unique name and dropped afterwards. Uses psycopg2 from the
 * Synapse virtualenv so the tests need no PostgreSQL driver of their own.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { VENV_PYTHON } from '../../scripts/lib/paths.ts';

export const PG_HOST = process.env.CASUS_PG_HOST ?? '127.0.0.1';
export const PG_PORT = Number(process.env.CASUS_PG_PORT ?? 5432);
export const PG_USER = process.env.CASUS_PG_USER ?? 'postgres';

export function uniqueDatabaseName(prefix = 'casus_test'): string {
	return `${prefix}_${randomBytes(5).toString('hex')}`;
}

export function databaseUrl(name: string): string {
	return `postgres://${PG_USER}@${PG_HOST}:${PG_PORT}/${name}`;
}

/** Runs one SQL statement against a database and returns the rows as JSON. */
export function pgQuery(database: string, sql: string, params: unknown[] = []): unknown[][] {
	const script = `
import json, sys, psycopg2
conn = psycopg2.connect(dbname=sys.argv[1], user=sys.argv[2], host=sys.argv[3], port=int(sys.argv[4]))
conn.autocommit = True
cur = conn.cursor()
cur.execute(sys.argv[5], json.loads(sys.argv[6]))
print(json.dumps(cur.fetchall() if cur.description else [], default=str))
`;
	const out = execFileSync(
		VENV_PYTHON,
		['-c', script, database, PG_USER, PG_HOST, String(PG_PORT), sql, JSON.stringify(params)],
		{ encoding: 'utf8' }
	);
	return JSON.parse(out) as unknown[][];
}

export function dropDatabase(name: string): void {
	pgQuery('postgres', `DROP DATABASE IF EXISTS "${name.replace(/"/g, '')}" WITH (FORCE)`);
}

export function postgresAvailable(): boolean {
	try {
		pgQuery('postgres', 'SELECT 1');
		return true;
	} catch {
		return false;
	}
}
