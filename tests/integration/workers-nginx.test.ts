/**
 * The worker deployment's reverse proxy: Debian's nginx with the configuration
 * generated from ROUTES (scripts/lib/nginx.ts, scripts/lib/synapse-workers.ts).
 *
 * 1. Real nginx in front of one listener per worker that answers with its own
 *    name and what it received: every route class lands on the intended
 *    process, the rest on main, and the request arrives as the client sent it
 *    (raw URI with its encoding and query, method, body, X-Forwarded-For).
 * 2. The real worker deployment (PostgreSQL, Redis, four Synapse processes)
 *    behind nginx: a sign-in, a send and a /sync each show up in the log of the
 *    worker that should have served them, and what is not routed in main's.
 */
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNginx, nginxConfig, type RunningNginx } from '../../scripts/lib/nginx.ts';
import { ROUTES, startSynapseWorkers, type RunningWorkers } from '../../scripts/lib/synapse-workers.ts';
import { freePort } from '../../scripts/lib/ports.ts';
import { databaseUrl, dropDatabase, uniqueDatabaseName } from '../support/postgres.ts';
import { flushRedisDb, redisAvailable } from '../../bench/lib/redis.ts';
import { eventually, openWorld } from '../support/world.ts';
import { setUpLoad } from '../../bench/load.ts';

const WORKERS = ['main', 'client1', 'sync1'] as const;
const ROOM = '%21r00m%3Alocalhost';

/** One request per route class (the expected worker written out, not computed from ROUTES). */
const CASES: [method: string, url: string, worker: (typeof WORKERS)[number]][] = [
	// Sync: classic, old-style events, sliding sync.
	['GET', '/_matrix/client/v3/sync?since=s12_3&timeout=30000&filter=%7B%22room%22%3A%7B%7D%7D', 'sync1'],
	['GET', '/_matrix/client/r0/sync', 'sync1'],
	['GET', '/_matrix/client/v3/events?from=s1', 'sync1'],
	['GET', '/_matrix/client/api/v1/initialSync', 'sync1'],
	['POST', '/_matrix/client/unstable/org.matrix.simplified_msc3575/sync?pos=3', 'sync1'],
	// Sending and state.
	['PUT', `/_matrix/client/v3/rooms/${ROOM}/send/m.room.encrypted/txn-1`, 'client1'],
	['PUT', `/_matrix/client/v3/rooms/${ROOM}/state/nl.casusruimte.case/`, 'client1'],
	['PUT', `/_matrix/client/v3/rooms/${ROOM}/state/m.room.member/%40a%3Alocalhost`, 'client1'],
	['PUT', `/_matrix/client/v3/rooms/${ROOM}/redact/%24ev/txn-2`, 'client1'],
	// Membership and rooms.
	...(['join', 'invite', 'leave', 'kick', 'ban', 'unban'] as const).map(
		(m) => ['POST', `/_matrix/client/v3/rooms/${ROOM}/${m}`, 'client1'] as [string, string, 'client1']
	),
	['POST', `/_matrix/client/v3/join/${ROOM}`, 'client1'],
	['POST', '/_matrix/client/v3/createRoom', 'client1'],
	// Room reads.
	...(['messages?dir=b&limit=20', 'members', 'joined_members', 'state', 'context/%24ev', 'event/%24ev'] as const).map(
		(r) => ['GET', `/_matrix/client/v3/rooms/${ROOM}/${r}`, 'client1'] as [string, string, 'client1']
	),
	['GET', '/_matrix/client/v3/joined_rooms', 'client1'],
	['GET', '/_matrix/client/v3/account/whoami', 'client1'],
	['GET', '/_matrix/client/v3/capabilities', 'client1'],
	// Sign-in and keys.
	['POST', '/_matrix/client/v3/login', 'client1'],
	['POST', '/_matrix/client/v3/keys/query', 'client1'],
	['GET', '/_matrix/client/v3/keys/changes?from=a&to=b', 'client1'],
	['POST', '/_matrix/client/v3/keys/claim', 'client1'],
	['GET', '/_matrix/client/v3/room_keys/version', 'client1'],
	// Everything else: main.
	['POST', '/_matrix/client/v3/keys/upload', 'main'],
	['GET', '/_matrix/client/versions', 'main'],
	['GET', '/health', 'main'],
	['GET', '/_synapse/admin/v2/users/%40a%3Alocalhost', 'main'],
	['GET', '/_casusruimte/guard/v1/rejections?from=0', 'main'],
	['GET', '/_matrix/client/v3/sync/extra', 'main'],
	['GET', '/_matrix/client/v3/rooms/x/sendx', 'main'],
	['POST', '/_matrix/client/v3/logout', 'main']
];

describe('nginx generated from ROUTES, in front of stand-in workers', () => {
	const dir = mkdtempSync(path.join(os.tmpdir(), 'casus-nginx-test-'));
	const servers: http.Server[] = [];
	let nginx: RunningNginx;

	beforeAll(async () => {
		const upstreams: Record<string, number> = {};
		for (const name of WORKERS) {
			const server = http.createServer((req, res) => {
				let bytes = 0;
				req.on('data', (d: Buffer) => (bytes += d.length));
				req.on('end', () => {
					res.setHeader('content-type', 'application/json');
					res.end(
						JSON.stringify({
							worker: name,
							method: req.method,
							url: req.url,
							bytes,
							forwardedFor: req.headers['x-forwarded-for'] ?? null
						})
					);
				});
			});
			await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
			upstreams[name] = (server.address() as { port: number }).port;
			servers.push(server);
		}
		nginx = await startNginx({ dir: path.join(dir, 'nginx'), listenPort: await freePort(), upstreams, routes: ROUTES });
	});

	afterAll(async () => {
		await nginx?.stop();
		for (const s of servers) s.close();
		rmSync(dir, { recursive: true, force: true });
	});

	it('has a sample request for every route in ROUTES', () => {
		// A route added to ROUTES without a case here fails this test.
		for (const route of ROUTES)
			expect(
				CASES.some(([, url]) => route.pattern.test(decodeURIComponent(url.split('?')[0]!))),
				`no case for ${route.pattern}`
			).toBe(true);
	});

	it.each(CASES)('%s %s → %s', async (method, url, worker) => {
		const body = method === 'GET' ? undefined : JSON.stringify({ ciphertext: 'x'.repeat(64 * 1024) });
		const res = await fetch(nginx.url + url, { method, body, headers: { 'content-type': 'application/json' } });
		expect(res.status).toBe(200);
		const got = (await res.json()) as {
			worker: string;
			method: string;
			url: string;
			bytes: number;
			forwardedFor: string;
		};
		expect(got.worker).toBe(worker);
		// Unchanged: the percent-encoding of room IDs and state keys and the query string reach Synapse as sent.
		expect(got.url).toBe(url);
		expect(got.method).toBe(method);
		expect(got.bytes).toBe(body ? Buffer.byteLength(body) : 0);
		expect(got.forwardedFor).toBe('127.0.0.1');
	});

	it('listens on loopback only and keeps everything it writes in its own folder', () => {
		const conf = readFileSync(nginx.configFile, 'utf8');
		expect([...conf.matchAll(/^\s*listen\s+(\S+);/gm)].map((m) => m[1])).toEqual([
			expect.stringMatching(/^127\.0\.0\.1:\d+$/)
		]);
		for (const m of conf.matchAll(/^\s*(pid|lock_file|error_log|\w+_temp_path)\s+"([^"]+)"/gm))
			expect(m[2]!.startsWith(path.join(dir, 'nginx') + path.sep), `${m[1]} in ${m[2]}`).toBe(true);
		expect(statSync(path.join(dir, 'nginx', 'nginx.pid')).isFile()).toBe(true);
		// As root, nginx runs as an unprivileged account, never as root.
		if (process.getuid?.() === 0) expect(statSync(path.join(dir, 'nginx', 'nginx.pid')).uid).not.toBe(0);
	});

	it('refuses a route table that names a worker it has no address for', () => {
		expect(() =>
			nginxConfig({
				dir,
				listenPort: 1,
				upstreams: { main: 2 },
				routes: [{ pattern: /^\/x$/, worker: 'client9' }]
			})
		).toThrow(/client9/);
	});
});

describe('the worker deployment behind nginx', () => {
	const REDIS = { host: '127.0.0.1', port: 6379, dbid: 14 };
	const db = uniqueDatabaseName('casus_test_workers');
	const dataDir = mkdtempSync(path.join(os.tmpdir(), 'casus-workers-test-'));
	let workers: RunningWorkers | undefined;

	beforeAll(async () => {
		if (!(await redisAvailable(REDIS.host, REDIS.port)))
			throw new Error(`The worker deployment test needs Redis at ${REDIS.host}:${REDIS.port}.`);
		workers = await startSynapseWorkers({
			dataDir,
			profile: 'test',
			port: await freePort(),
			serverName: `test-${randomBytes(3).toString('hex')}.localhost`,
			databaseUrl: databaseUrl(db),
			redis: REDIS
		});
	});

	afterAll(async () => {
		await workers?.stop();
		dropDatabase(db);
		await flushRedisDb(REDIS.host, REDIS.port, REDIS.dbid);
		rmSync(dataDir, { recursive: true, force: true });
	});

	/** The request lines (method and path) a process's log shows as processed (main's is homeserver.log). */
	const served = (worker: string) =>
		[
			...readFileSync(path.join(dataDir, worker === 'main' ? 'homeserver.log' : `${worker}.log`), 'utf8').matchAll(
				/Processed request: .*?"(\w+) ([^ ?"]+)/g
			)
		].map((m) => `${m[1]} ${m[2]}`);

	it('sends sign-in, createRoom, joins and events to client1, /sync to sync1, key upload to main', async () => {
		const world = await openWorld(dataDir);
		// One member in one case room (the bench's load set-up): sign-in, createRoom and join all go
		// through nginx (instance.json's homeserverUrl).
		const { members, rooms } = await setUpLoad(world, 1, 1, 1);
		const user = members[0]!;
		const rid = encodeURIComponent(rooms[0]!);
		await user.http.put(`/_matrix/client/v3/rooms/${rid}/send/m.room.encrypted/t1`, {
			algorithm: 'm.megolm.v1.aes-sha2',
			sender_key: randomBytes(32).toString('base64').replace(/=+$/, ''),
			device_id: user.deviceId,
			session_id: randomBytes(32).toString('base64').replace(/=+$/, ''),
			ciphertext: randomBytes(300).toString('base64').replace(/=+$/, '')
		});
		const sync = await user.http.get<{ rooms?: { join?: object } }>('/_matrix/client/v3/sync', { timeout: '0' });
		expect(Object.keys(sync.rooms?.join ?? {})).toContain(rooms[0]);
		await user.http.post('/_matrix/client/v3/keys/upload', {});

		await eventually(() => served('client1').includes('POST /_matrix/client/v3/login'), {
			message: 'login on client1'
		});
		await eventually(() => served('client1').includes('POST /_matrix/client/v3/createRoom'), {
			message: 'createRoom on client1'
		});
		await eventually(() => served('client1').includes(`POST /_matrix/client/v3/rooms/${rid}/join`), {
			message: 'join on client1'
		});
		await eventually(() => served('client1').some((l) => l.startsWith(`PUT /_matrix/client/v3/rooms/${rid}/send/`)), {
			message: 'send on client1'
		});
		await eventually(() => served('sync1').includes('GET /_matrix/client/v3/sync'), { message: 'sync on sync1' });
		await eventually(() => served('main').includes('POST /_matrix/client/v3/keys/upload'), {
			message: 'keys/upload on main'
		});
		// And not elsewhere.
		expect(served('main')).not.toContain('GET /_matrix/client/v3/sync');
		expect(served('client1')).not.toContain('GET /_matrix/client/v3/sync');
		expect(served('sync1').some((l) => l.includes('/send/'))).toBe(false);
	});
});
