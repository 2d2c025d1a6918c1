/**
 * Server load: N simulated members post into M case rooms as fast as the
 * homeserver takes it (closed loop, no think time), each also keeping a /sync
 * long-poll open like a real client, for a fixed duration. Raw HTTP: the
 * homeserver cannot tell random ciphertext from real Megolm, so each post is an
 * m.room.encrypted event of realistic size. Measures accepted events per second,
 * p50/p95 of the send requests and errors (non-2xx or failed requests).
 */
import { randomBytes } from 'node:crypto';
import { caseRoomCreateRequest } from '../src/lib/matrix/room-template.ts';
import { DEFAULT_REGIE_ORGANISATIONS } from '../src/lib/case/policy.ts';
import { createUser, type World, type WorldUser } from '../tests/support/world.ts';
import { mapLimit, now, round, summarise, type Summary } from './lib/stats.ts';
import { instant as iso } from '../src/lib/case/time.ts';

export interface LoadSetup {
	members: WorldUser[];
	rooms: string[];
	/** room → member indices */
	membership: number[][];
}

export interface LoadResult {
	members: number;
	rooms: number;
	membersPerRoom: number;
	seconds: number;
	sent: number;
	eventsPerSecond: number;
	send: Summary;
	errors: number;
	errorKinds: Record<string, number>;
	syncResponses: number;
}

const ORGS = ['CSG', 'VT', 'SHN', 'POLITIE', 'OM', 'PH'];

/** Members and rooms: room r has `perRoom` members, spread round-robin over the N members. */
export async function setUpLoad(world: World, n: number, m: number, perRoom: number): Promise<LoadSetup> {
	const members = await mapLimit(
		Array.from({ length: n }, (_, i) => i),
		4,
		(i) => createUser(world, ORGS[i % ORGS.length]!, ['professional'], `load${i}`)
	);
	const membership = Array.from({ length: m }, (_, r) =>
		Array.from({ length: Math.min(perRoom, n) }, (_, k) => (r * perRoom + k) % n)
	);
	const year = new Date().getUTCFullYear();
	const rooms = await mapLimit(membership, 4, async (idx, r) => {
		// The regiehouder is a member from an organisation that holds regie (the guard refuses anyone else).
		const regieIndex = idx.find((i) => DEFAULT_REGIE_ORGANISATIONS.includes(ORGS[i % ORGS.length]!)) ?? idx[0]!;
		const first = members[regieIndex]!;
		const body = caseRoomCreateRequest({
			case: {
				v: 1,
				reference: `OB-${year}-${String(50_000 + r).padStart(5, '0')}`,
				region: 'OB',
				phase: 'regie',
				first_report_at: iso(Date.now()),
				acute: false,
				closed_at: null,
				retention_until: null
			},
			access: { v: 1, organisations: ORGS.map((org) => ({ org, since: iso(Date.now()), basis: 'consent' as const })) },
			regie: { v: 1, regiehouder: first.userId, deputy: null, since: iso(Date.now()), handovers: 0 },
			chairs: [],
			requester: first.userId,
			serviceUserId: world.service.userId
		});
		body.invite = idx.map((i) => members[i]!.userId);
		const { room_id } = await world.service.createRoom(body);
		for (const i of idx)
			await members[i]!.http.post(`/_matrix/client/v3/rooms/${encodeURIComponent(room_id)}/join`, {});
		return room_id;
	});
	return { members, rooms, membership };
}

function fakeMegolm(deviceId: string) {
	// About the size of a real structured update after encryption (base64 of ~1.2 kB).
	return {
		algorithm: 'm.megolm.v1.aes-sha2',
		sender_key: randomBytes(32).toString('base64').replace(/=+$/, ''),
		device_id: deviceId,
		session_id: randomBytes(32).toString('base64').replace(/=+$/, ''),
		ciphertext: randomBytes(1200).toString('base64').replace(/=+$/, '')
	};
}

export async function runLoad(
	baseUrl: string,
	setup: LoadSetup,
	seconds: number,
	opts: { sync?: boolean; samples?: number[] } = {}
): Promise<LoadResult> {
	const latencies: number[] = [];
	const errorKinds: Record<string, number> = {};
	let syncResponses = 0;
	let stopAt = Number.POSITIVE_INFINITY;
	const abort = new AbortController();
	const roomsOf = setup.members.map((_, i) => setup.rooms.filter((_, r) => setup.membership[r]!.includes(i)));
	const error = (kind: string) => (errorKinds[kind] = (errorKinds[kind] ?? 0) + 1);

	const poster = async (member: WorldUser, rooms: string[]) => {
		let txn = 0;
		while (Date.now() < stopAt && rooms.length) {
			const room = rooms[Math.floor(Math.random() * rooms.length)]!;
			const url = `${baseUrl}/_matrix/client/v3/rooms/${encodeURIComponent(room)}/send/m.room.encrypted/load-${member.deviceId}-${txn++}`;
			const t0 = now();
			try {
				const res = await fetch(url, {
					method: 'PUT',
					headers: { authorization: `Bearer ${member.accessToken}`, 'content-type': 'application/json' },
					body: JSON.stringify(fakeMegolm(member.deviceId))
				});
				await res.arrayBuffer();
				if (res.ok) latencies.push(now() - t0);
				else error(`HTTP ${res.status}`);
			} catch (err) {
				error((err as Error).name || 'network');
			}
		}
	};
	const filter = encodeURIComponent(JSON.stringify({ room: { timeline: { limit: 10 } }, presence: { types: [] } }));
	const initialSync = async (member: WorldUser): Promise<string | undefined> => {
		const res = await fetch(`${baseUrl}/_matrix/client/v3/sync?timeout=0&filter=${filter}`, {
			headers: { authorization: `Bearer ${member.accessToken}` }
		});
		return ((await res.json()) as { next_batch?: string }).next_batch;
	};
	const syncer = async (member: WorldUser, from: string | undefined) => {
		let since = from;
		while (Date.now() < stopAt) {
			try {
				const res = await fetch(
					`${baseUrl}/_matrix/client/v3/sync?timeout=10000&filter=${filter}${since ? `&since=${encodeURIComponent(since)}` : ''}`,
					{
						headers: { authorization: `Bearer ${member.accessToken}` },
						signal: abort.signal
					}
				);
				const body = (await res.json()) as { next_batch?: string };
				if (res.ok && body.next_batch) {
					since = body.next_batch;
					syncResponses++;
				} else error(`sync HTTP ${res.status}`);
			} catch (err) {
				if (abort.signal.aborted) return;
				error(`sync ${(err as Error).name}`);
			}
		}
	};
	// Each member's first sync is the initial one: done before the clock starts.
	const sinces = await mapLimit(setup.members, 4, initialSync);
	stopAt = Date.now() + seconds * 1000;
	const t0 = now();
	const syncs = opts.sync === false ? [] : setup.members.map((m, i) => syncer(m, sinces[i]));
	const posts = setup.members.map((m, i) => poster(m, roomsOf[i]!));
	await Promise.all(posts);
	const elapsed = (now() - t0) / 1000;
	abort.abort();
	await Promise.allSettled(syncs);
	opts.samples?.push(...latencies);
	const errors = Object.values(errorKinds).reduce((a, b) => a + b, 0);
	return {
		members: setup.members.length,
		rooms: setup.rooms.length,
		membersPerRoom: setup.membership[0]?.length ?? 0,
		seconds: round(elapsed),
		sent: latencies.length,
		eventsPerSecond: round(latencies.length / elapsed),
		send: summarise(latencies),
		errors,
		errorKinds,
		syncResponses
	};
}
