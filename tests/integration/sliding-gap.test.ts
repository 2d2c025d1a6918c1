/**
 * Sliding sync after a failed request (src/lib/matrix/sliding.ts, README issue 15):
 * an opened case reads its whole state again once sync answers, so a member who
 * joined or left while the request failed is in (or out of) its member list.
 *
 * The fault is the one Synapse 1.163 showed before its background updates had
 * finished: a request failed with 500 and the retry lacked what happened in that
 * window. A proxy in front of the real homeserver reproduces it for one device:
 * it passes the sliding-sync response that carries the change on to nobody (the
 * device gets 500 instead) and answers the device's retry from the position the
 * server had moved on to, so that change never comes through sync. Paired with
 * the act itself: the change happened on the homeserver, and a device behind a
 * proxy that does not fail sees it through sync as usual.
 */
import http from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { createUser, testWorld } from '../support/harness.ts';
import { eventually } from '../support/matrix-clients.ts';
import { openCase, startDevice, type Device } from '../support/world.ts';
import { caseSyncOf } from '../../src/lib/matrix/sliding.ts';

const SLIDING_PATH = '/_matrix/client/unstable/org.matrix.simplified_msc3575/sync';

/** A membership change to lose: the first sliding-sync response that carries it is turned into a 500. */
interface Change {
	roomId: string;
	userId: string;
	membership: 'join' | 'leave';
}

interface RoomData {
	timeline?: { type: string; state_key?: string; content?: { membership?: string } }[];
	required_state?: { type: string; state_key?: string; content?: { membership?: string } }[];
}

function carries(rooms: Record<string, RoomData> | undefined, change: Change): boolean {
	const room = rooms?.[change.roomId];
	return [...(room?.timeline ?? []), ...(room?.required_state ?? [])].some(
		(e) => e.type === 'm.room.member' && e.state_key === change.userId && e.content?.membership === change.membership
	);
}

/** Forwards to the homeserver; when armed, loses the sliding-sync window that carries a membership change. */
class SyncGapProxy {
	armedFor: Change | null = null;
	/** Sliding-sync responses thrown away (answered with 500). */
	lost = 0;
	/** The position the device holds → the position the server moved on to in the lost window. */
	private readonly skip = new Map<string, string>();
	private readonly server: http.Server;

	constructor(private readonly upstream: string) {
		this.server = http.createServer((req, res) => void this.forward(req, res));
	}

	async start(): Promise<string> {
		await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
		return `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
	}

	async stop(): Promise<void> {
		this.server.closeAllConnections();
		await new Promise<void>((r) => this.server.close(() => r()));
	}

	private async forward(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
		try {
			const chunks: Buffer[] = [];
			for await (const c of req) chunks.push(c as Buffer);
			const url = new URL(req.url ?? '/', this.upstream);
			const sliding = url.pathname === SLIDING_PATH;
			const held = url.searchParams.get('pos');
			if (sliding && held && this.skip.has(held)) {
				// The retry: answered from where the server went on, and without waiting for news.
				url.searchParams.set('pos', this.skip.get(held)!);
				url.searchParams.set('timeout', '0');
			}
			const headers: Record<string, string> = {};
			for (const [k, v] of Object.entries(req.headers))
				if (typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k)) headers[k] = v;
			const up = await fetch(url, {
				method: req.method,
				headers,
				body: req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.concat(chunks)
			});
			const body = Buffer.from(await up.arrayBuffer());
			if (sliding && up.ok && held && this.armedFor) {
				const json = JSON.parse(body.toString('utf8')) as { pos: string; rooms?: Record<string, RoomData> };
				if (carries(json.rooms, this.armedFor)) {
					this.armedFor = null;
					this.lost++;
					this.skip.set(held, json.pos);
					res.writeHead(500, { 'content-type': 'application/json' });
					res.end(JSON.stringify({ errcode: 'M_UNKNOWN', error: 'Internal server error' }));
					return;
				}
			}
			res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/json' });
			res.end(body);
		} catch (err) {
			res.writeHead(502).end(String(err));
		}
	}
}

const devices: Device[] = [];
const proxies: SyncGapProxy[] = [];
afterAll(async () => {
	for (const d of devices.splice(0)) await d.stop().catch(() => undefined);
	for (const p of proxies.splice(0)) await p.stop().catch(() => undefined);
});

describe('sliding sync: an opened case reads its state again after a failed request', () => {
	it('a member who joins, and one who leaves, while the request fails are right in the member list afterwards', async () => {
		const world = await testWorld();
		const coordinator = await createUser('CSG', ['professional']);
		const joiner = await createUser('VT', ['professional']);
		const leaver = await createUser('SHN', ['professional']);
		const { roomId } = await openCase(world, coordinator);
		await world.service.invite(roomId, leaver.userId, 'mdt-triage');
		await leaver.http.post(`/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/join`, {});

		const proxy = new SyncGapProxy(world.homeserverUrl);
		proxies.push(proxy);
		const c = await startDevice(world, coordinator, { sync: 'sliding', homeserverUrl: await proxy.start() });
		devices.push(c);
		// The act itself, seen through a proxy that does not fail.
		const witness = await startDevice(world, coordinator, { sync: 'sliding', newLogin: true, setUpEncryption: false });
		devices.push(witness);
		const sync = caseSyncOf(c.client)!;
		const reread: string[] = [];
		sync.onReread((ids) => reread.push(...ids));
		const session = await c.openSession(roomId);
		const witnessed = await witness.openSession(roomId);
		const membership = (s: typeof session, userId: string) => s.room?.getMember(userId)?.membership;
		expect(membership(session, leaver.userId)).toBe('join');
		await world.service.invite(roomId, joiner.userId, 'mdt-triage');
		await eventually(() => membership(session, joiner.userId) === 'invite', {
			message: 'the coordinator sees the invite'
		});

		// The window with the join is lost.
		proxy.armedFor = { roomId, userId: joiner.userId, membership: 'join' };
		const joined = (await joiner.http.post(`/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/join`, {})) as {
			room_id: string;
		};
		expect(joined.room_id).toBe(roomId);
		await eventually(() => membership(witnessed, joiner.userId) === 'join', { message: 'the witness sees the join' });
		await eventually(() => proxy.lost === 1, { message: 'the proxy lost the window' });
		await eventually(() => membership(session, joiner.userId) === 'join', {
			message: 'the coordinator sees the join after the failed request',
			timeout: 60_000
		});
		expect(reread).toContain(roomId);

		// The window with the leave is lost too.
		proxy.armedFor = { roomId, userId: leaver.userId, membership: 'leave' };
		await leaver.http.post(`/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/leave`, {});
		await eventually(() => membership(witnessed, leaver.userId) === 'leave', { message: 'the witness sees the leave' });
		await eventually(() => proxy.lost === 2, { message: 'the proxy lost the window' });
		await eventually(() => membership(session, leaver.userId) === 'leave', {
			message: 'the coordinator sees the leave after the failed request',
			timeout: 60_000
		});
		expect(session.context().members.get(joiner.userId)).toBe('join');
		expect(session.context().members.get(leaver.userId)).toBe('leave');
	});
});
