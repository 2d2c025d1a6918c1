/**
 * Where seeding's time goes (issue 15): seeds a few batches of case rooms at
 * several concurrencies on a fresh homeserver (PostgreSQL, test profile) and
 * prints, per batch, rooms/s, the latency of each request kind (createRoom,
 * the member's join, the closure) and the CPU seconds of Synapse and of
 * PostgreSQL per room. Usage: `nice -n 10 npx tsx bench/seed-profile.ts [rooms per batch] [concurrencies…]`;
 * SEED_PROFILE_GUARD=0 without the guard, SEED_PROFILE_WORKERS=1 on the worker deployment.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startSynapse } from '../scripts/lib/synapse.ts';
import { startSynapseWorkers } from '../scripts/lib/synapse-workers.ts';
import { flushRedisDb } from './lib/redis.ts';
import { freePort } from '../scripts/lib/ports.ts';
import { databaseUrl, dropDatabase, uniqueDatabaseName } from '../tests/support/postgres.ts';
import { openWorld, createUser } from '../tests/support/world.ts';
import { seedCaseRooms } from './seed.ts';
import { now, round } from './lib/stats.ts';

const perBatch = Number(process.argv[2] ?? 60);
const levels = process.argv.slice(3).map(Number);
const TICK = 100; // clock ticks per second (Linux)

function cpuSeconds(pid: number): number {
	try {
		const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
		return (Number(f[11]) + Number(f[12])) / TICK;
	} catch {
		return 0;
	}
}
/** CPU of the PostgreSQL backends serving this homeserver's database (their title names it). */
function postgresSeconds(): number {
	let s = 0;
	for (const d of readdirSync('/proc')) {
		if (!/^\d+$/.test(d)) continue;
		try {
			if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(dbName)) s += cpuSeconds(Number(d));
		} catch {
			/* gone */
		}
	}
	return s;
}

const dbName = uniqueDatabaseName('casus_seedprof');
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'casus-seedprof-'));
// SEED_PROFILE_WORKERS=1: the worker deployment (main, event persister, client and sync workers behind nginx).
const workers = process.env.SEED_PROFILE_WORKERS === '1';
const REDIS = { host: '127.0.0.1', port: 6379, dbid: 7 };
const synapse = workers
	? await startSynapseWorkers({
			dataDir,
			profile: 'test',
			port: await freePort(),
			serverName: `seedprof-${randomBytes(3).toString('hex')}.localhost`,
			databaseUrl: databaseUrl(dbName),
			redis: REDIS
		})
	: await startSynapse({
			dataDir,
			profile: 'test',
			port: await freePort(),
			databaseUrl: databaseUrl(dbName),
			// SEED_PROFILE_GUARD=0: the same homeserver without the guard (to see what it costs).
			extraConfig: process.env.SEED_PROFILE_GUARD === '0' ? [path.join(import.meta.dirname, 'no-guard.yaml')] : []
		});
/** Every Synapse process of the deployment. */
const pids = (): number[] =>
	'processes' in synapse
		? synapse.processes.map((p) => p.child?.pid).filter((p): p is number => !!p)
		: [synapse.process.pid!];
const synapseSeconds = () => pids().reduce((sum, pid) => sum + cpuSeconds(pid), 0);
try {
	const world = await openWorld(dataDir);
	const member = await createUser(world, 'CSG', ['professional'], 'rh');
	let offset = 30_000;
	for (const c of levels.length ? levels : [4, 8, 16]) {
		const lat: Record<string, number[]> = {};
		const wrap = <T extends object>(obj: T, key: keyof T, label: string) => {
			const orig = (obj[key] as (...a: unknown[]) => Promise<unknown>).bind(obj);
			(obj as Record<string, unknown>)[key as string] = async (...a: unknown[]) => {
				const t = now();
				try {
					return await orig(...a);
				} finally {
					(lat[label] ??= []).push(now() - t);
				}
			};
			return () => ((obj as Record<string, unknown>)[key as string] = orig);
		};
		const undo = [
			wrap(world.service, 'createRoom', 'createRoom'),
			wrap(world.service, 'sendState', 'closure'),
			wrap(member.http, 'post', 'join')
		];
		const cpu0 = synapseSeconds();
		const pg0 = postgresSeconds();
		const t0 = now();
		await seedCaseRooms(world, member, perBatch, { concurrency: c, referenceOffset: offset });
		offset += perBatch;
		const wall = (now() - t0) / 1000;
		undo.forEach((u) => u());
		const med = (xs: number[]) => round([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0);
		console.log(
			JSON.stringify({
				deployment: workers ? 'workers' : 'monolith',
				concurrency: c,
				roomsPerSecond: round(perBatch / wall, 2),
				medianMs: Object.fromEntries(Object.entries(lat).map(([k, v]) => [k, med(v)])),
				synapseCpuPerRoom: round((synapseSeconds() - cpu0) / perBatch, 3),
				postgresCpuPerRoom: round((postgresSeconds() - pg0) / perBatch, 3),
				synapseCpuShare: round((synapseSeconds() - cpu0) / wall, 2),
				load: os.loadavg()[0]
			})
		);
	}
} finally {
	await synapse.stop();
	if (workers) await flushRedisDb(REDIS.host, REDIS.port, REDIS.dbid);
	rmSync(dataDir, { recursive: true, force: true });
	dropDatabase(dbName);
}
