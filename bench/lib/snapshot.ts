/**
 * A seeded homeserver kept between bench runs (issue 15): seeding 10,000 case
 * rooms through the Client-Server API takes longer than a bench run can wait
 * on two cores, so the privacy figure seeds them once, through the API as real
 * use does, and keeps what that left behind:
 *
 * - `db.dump`: the PostgreSQL database, `pg_dump --format=custom` (Debian's
 *   postgresql-client), restored with `pg_restore` into a fresh database;
 * - `secrets.json` and `signing.key` of the data folder (the homeserver's
 *   identity and the service account's password; everything else in the data
 *   folder is generated again for the new port);
 * - `meta.json`: the fingerprint, the room count, the two accounts the bench
 *   signs in as (their password is the bench's own), and the seeding rate.
 *
 * The folder is `bench/.seed/privacy-<fingerprint>` (outside git). The
 * fingerprint covers what decides the database's content: the Synapse version,
 * PostgreSQL's and pg_dump's versions, the room count, and the files that write
 * the rooms (the seeding, the room template, the case state schemas, the
 * homeserver's configuration generator and profiles, the guard). Any change
 * means another fingerprint, so an old snapshot is never restored into a run it
 * does not match; it is seeded again.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import {
	copyFileSync,
	existsSync,
	mkdirSync,
	readFileSync,
	readdirSync,
	renameSync,
	rmSync,
	statSync,
	writeFileSync
} from 'node:fs';
import path from 'node:path';
import { ROOT, VENV_PYTHON } from '../../scripts/lib/paths.ts';
import { PG_HOST, PG_PORT, PG_USER, pgQuery } from '../../tests/support/postgres.ts';

export const SNAPSHOT_ROOT = path.join(ROOT, 'bench', '.seed');
const IDENTITY_FILES = ['secrets.json', 'signing.key'];

export interface SnapshotMeta {
	fingerprint: string;
	rooms: number;
	users: { officer: string; member: string };
	seeding: { rooms: number; seconds: number; roomsPerSecond: number; concurrency: number };
	createdAt: string;
	/** The fingerprint's parts (snapshotComponents). */
	components?: Record<string, string>;
}

/** The files whose content decides what seeding writes into the database. */
const INPUTS = [
	'bench/seed.ts',
	'bench/privacy.ts',
	'bench/lib/snapshot.ts',
	'src/lib/matrix/room-template.ts',
	'src/lib/case/state.ts',
	'src/lib/case/event-types.ts',
	'src/lib/server/accounts.ts',
	'src/lib/server/directory-admin.ts',
	'synapse-config/generate.py'
];

function filesUnder(dir: string): string[] {
	const abs = path.join(ROOT, dir);
	if (!existsSync(abs)) return [];
	return readdirSync(abs, { recursive: true, encoding: 'utf8' })
		.filter((f) => !f.includes('__pycache__') && !f.includes('tests') && statSync(path.join(abs, f)).isFile())
		.sort()
		.map((f) => path.join(dir, f));
}

const version = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8' }).trim();

/** What the fingerprint is made of, each part hashed (kept in meta.json, so a mismatch can be explained). */
export function snapshotComponents(rooms: number): Record<string, string> {
	const hash = (x: string | Buffer) => createHash('sha256').update(x).digest('hex').slice(0, 12);
	const parts: Record<string, string> = {
		rooms: String(rooms),
		// The release only: Synapse appends the git branch and commit of the working directory ("1.163.2
		// (b=main,8b4b9ef)"), which changed with every commit of this project and made every snapshot stale.
		synapse: version(VENV_PYTHON, ['-c', 'import synapse; print(synapse.__version__)']).replace(/\s*\(.*\)$/, ''),
		pg_dump: version('pg_dump', ['--version']),
		postgresql: String(pgQuery('postgres', 'SHOW server_version')[0]?.[0])
	};
	for (const f of [
		...INPUTS,
		'synapse-config/homeserver.template.yaml',
		...filesUnder('synapse-config/profiles'),
		...filesUnder('synapse-config/guard')
	]) {
		const abs = path.join(ROOT, f);
		parts[f] = existsSync(abs) ? hash(readFileSync(abs)) : 'missing';
	}
	return parts;
}

export function snapshotFingerprint(rooms: number, components = snapshotComponents(rooms)): string {
	return createHash('sha256').update(JSON.stringify(components)).digest('hex').slice(0, 16);
}

/** The parts that differ from the latest snapshot of the same size (to say why it is not reused). */
export function snapshotDifferences(rooms: number, components: Record<string, string>): string[] {
	if (!existsSync(SNAPSHOT_ROOT)) return [];
	const metas = readdirSync(SNAPSHOT_ROOT)
		.map((d) => path.join(SNAPSHOT_ROOT, d, 'meta.json'))
		.filter((f) => existsSync(f))
		.map((f) => JSON.parse(readFileSync(f, 'utf8')) as SnapshotMeta)
		.filter((m) => m.rooms === rooms && m.components)
		.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
	const last = metas[0]?.components;
	if (!last) return [];
	return [...new Set([...Object.keys(last), ...Object.keys(components)])].filter((k) => last[k] !== components[k]);
}

export function snapshotDir(fingerprint: string): string {
	return path.join(SNAPSHOT_ROOT, `privacy-${fingerprint}`);
}

/** The snapshot for this fingerprint, when one is complete. */
export function findSnapshot(fingerprint: string): { dir: string; meta: SnapshotMeta } | null {
	const dir = snapshotDir(fingerprint);
	const metaFile = path.join(dir, 'meta.json');
	if (!existsSync(metaFile) || !existsSync(path.join(dir, 'db.dump'))) return null;
	const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as SnapshotMeta;
	return meta.fingerprint === fingerprint ? { dir, meta } : null;
}

const pgEnv = () => ({ ...process.env, PGHOST: PG_HOST, PGPORT: String(PG_PORT), PGUSER: PG_USER });

/** Writes the snapshot of a seeded homeserver (its database and identity); written to a temporary folder, then renamed. */
export function saveSnapshot(opts: { dataDir: string; database: string; meta: SnapshotMeta }): string {
	const dir = snapshotDir(opts.meta.fingerprint);
	const tmp = `${dir}.tmp-${process.pid}`;
	rmSync(tmp, { recursive: true, force: true });
	mkdirSync(tmp, { recursive: true, mode: 0o700 });
	execFileSync(
		'pg_dump',
		['--format=custom', '--compress=1', '--no-owner', '--file', path.join(tmp, 'db.dump'), opts.database],
		{
			env: pgEnv(),
			stdio: ['ignore', 'ignore', 'inherit']
		}
	);
	for (const f of IDENTITY_FILES) copyFileSync(path.join(opts.dataDir, f), path.join(tmp, f));
	writeFileSync(path.join(tmp, 'meta.json'), JSON.stringify(opts.meta, null, 2) + '\n', { mode: 0o600 });
	rmSync(dir, { recursive: true, force: true });
	renameSync(tmp, dir);
	return dir;
}

/**
 * Restores a snapshot: a new database from the dump, and the homeserver's identity into an empty data
 * folder (startSynapse then generates the configuration around it). Returns the seconds it took.
 */
export function restoreSnapshot(snapshot: { dir: string }, opts: { dataDir: string; database: string }): number {
	const t0 = performance.now();
	pgQuery(
		'postgres',
		`CREATE DATABASE "${opts.database.replace(/"/g, '')}" ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`
	);
	execFileSync(
		'pg_restore',
		['--no-owner', '--exit-on-error', '--jobs=2', '--dbname', opts.database, path.join(snapshot.dir, 'db.dump')],
		{ env: pgEnv(), stdio: ['ignore', 'ignore', 'inherit'] }
	);
	// pg_restore leaves the planner without statistics, which a database in use has (autovacuum): without
	// them the first queries plan badly and the restored homeserver measures slower than a seeded one.
	pgQuery(opts.database, 'ANALYZE');
	mkdirSync(opts.dataDir, { recursive: true });
	for (const f of IDENTITY_FILES) {
		copyFileSync(path.join(snapshot.dir, f), path.join(opts.dataDir, f));
	}
	return (performance.now() - t0) / 1000;
}
