/**
 * The case list's sliding sync (src/lib/matrix/sliding.ts) against a scripted
 * server: what it asks for first (a screen of cases, all invitations, the other
 * rooms), how the window grows page by page until it covers every case, how an
 * opened room is subscribed with its whole state, how a failed request is
 * reported, and how an opened room reads its whole state again after one. The
 * real homeserver side is in the integration suite.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MatrixEvent, Room, type MatrixClient } from 'matrix-js-sdk';
import { HTTPError } from 'matrix-js-sdk/lib/http-api/errors.js';
import {
	SlidingSyncEvent,
	type MSC3575RoomData,
	type MSC3575SlidingSyncRequest,
	type MSC3575SlidingSyncResponse
} from 'matrix-js-sdk/lib/sliding-sync.js';
import { CaseSync, CASE_LIST_STATE, FIRST_PAGE, LISTS, newerState } from '../../src/lib/matrix/sliding.ts';
import { syncChoice } from '../../src/lib/matrix/sync-choice.ts';
import { STATE } from '../../src/lib/case/event-types.ts';
import { CASE_ROOM_TYPE } from '../../src/lib/case/room-state.ts';

type Reply = (req: MSC3575SlidingSyncRequest) => MSC3575SlidingSyncResponse | Error;

/** A client whose sliding sync requests are answered by `reply`, one after another. */
function scriptedClient(reply: Reply) {
	const requests: MSC3575SlidingSyncRequest[] = [];
	let pos = 0;
	const client = {
		baseUrl: 'http://hs.test',
		getRoom: () => null,
		resetNotifTimelineSet: () => undefined,
		async slidingSync(req: MSC3575SlidingSyncRequest, _base?: string, signal?: AbortSignal) {
			requests.push(structuredClone(req));
			const answer = reply(req);
			if (answer instanceof Error) throw answer;
			// Let the test look at the request before the next one goes out.
			await new Promise((r) => setTimeout(r, 1));
			if (signal?.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
			return { ...answer, pos: String(++pos) };
		}
	};
	return { client: client as unknown as MatrixClient, requests };
}

const caseRoom = (id: string) => ({
	name: id,
	initial: true,
	required_state: [
		{ type: 'm.room.create', state_key: '', content: { type: CASE_ROOM_TYPE }, event_id: `$c${id}`, sender: '@s:hs' }
	],
	timeline: []
});

/** A response with the rooms a case window [from, to] holds, out of `total` cases. */
function page(total: number, from: number, to: number, extra: Record<string, unknown> = {}) {
	const rooms: Record<string, unknown> = {};
	for (let i = from; i <= Math.min(to, total - 1); i++) rooms[`!case${i}:hs`] = caseRoom(`!case${i}:hs`);
	return {
		pos: '',
		lists: { [LISTS.cases]: { count: total }, [LISTS.invites]: { count: 0 }, [LISTS.rooms]: { count: 1 } },
		rooms: { ...rooms, ...extra },
		extensions: {}
	} as unknown as MSC3575SlidingSyncResponse;
}

const until = async (check: () => boolean, ms = 3000) => {
	const deadline = Date.now() + ms;
	while (!check()) {
		if (Date.now() > deadline) throw new Error('timed out');
		await new Promise((r) => setTimeout(r, 5));
	}
};

let running: CaseSync | null = null;
afterEach(() => running?.stop());

describe('the case list through sliding sync', () => {
	it('asks first for a screen of cases, every invitation and the other rooms with only the state the list reads', async () => {
		const { client, requests } = scriptedClient(() => page(5, 0, 4));
		const sync = (running = new CaseSync(client, { timeoutMs: 10 }));
		void sync.sync.start();
		await until(() => requests.length >= 1);
		const first = requests[0]!;
		expect(first.lists![LISTS.cases]).toMatchObject({
			ranges: [[0, FIRST_PAGE - 1]],
			filters: { is_invite: false, room_types: [CASE_ROOM_TYPE] },
			timeline_limit: 1
		});
		expect(first.lists![LISTS.invites]).toMatchObject({ filters: { is_invite: true, room_types: [CASE_ROOM_TYPE] } });
		expect(first.lists![LISTS.rooms]).toMatchObject({
			filters: { not_room_types: [CASE_ROOM_TYPE] },
			required_state: [['*', '*']]
		});
		// The four plaintext case state events, my membership, and nothing of the members' list.
		const wanted = first.lists![LISTS.cases]!.required_state!;
		for (const type of Object.values(STATE)) expect(wanted).toContainEqual([type, '']);
		expect(wanted).toContainEqual(['m.room.member', '$ME']);
		expect(wanted).not.toContainEqual(['m.room.member', '*']);
		expect(wanted).toEqual(CASE_LIST_STATE);
		// With every case in the first page, the list is complete at once.
		await until(() => sync.progress.complete);
		expect(sync.progress).toMatchObject({ loaded: 5, total: 5, complete: true });
	});

	it('grows the window page by page, at least doubling, until it covers every case, then keeps room to spare', async () => {
		const total = 2600;
		const { client, requests } = scriptedClient((req) => {
			const [from, to] = [0, req.lists![LISTS.cases]!.ranges[0]![1]!];
			return page(total, from, to);
		});
		const sync = (running = new CaseSync(client, { firstPage: 20, page: 250, timeoutMs: 10 }));
		const seen: boolean[] = [];
		sync.onProgress((p) => seen.push(p.complete));
		void sync.sync.start();
		await until(() => sync.progress.complete);
		const ends = requests.map((r) => r.lists![LISTS.cases]!.ranges[0]![1]);
		// +250, then doubling (the server's cost of a request grows with all the rooms), a step of 1,000 at most.
		expect(ends.slice(0, 6)).toEqual([19, 269, 539, 1079, 2079, total + 50]);
		expect(seen.slice(0, 5)).toEqual([false, false, false, false, false]);
		expect(sync.progress).toMatchObject({ loaded: total, total, complete: true });
	});

	it('subscribes an opened case with its whole state and resolves once the server sent it', async () => {
		let focusSeen = false;
		const { client, requests } = scriptedClient((req) => {
			if (req.room_subscriptions?.['!deep:hs']) {
				focusSeen = true;
				return page(100, 0, -1, { '!deep:hs': caseRoom('!deep:hs') });
			}
			return page(100, 0, -1);
		});
		const sync = (running = new CaseSync(client, { firstPage: 20, page: 1000, timeoutMs: 10 }));
		void sync.sync.start();
		await until(() => requests.length >= 1);
		let done = false;
		const focused = sync.focus('!deep:hs', 2_000).then(() => (done = true));
		await focused;
		expect(focusSeen).toBe(true);
		expect(done).toBe(true);
		const asked = requests.find((r) => r.room_subscriptions?.['!deep:hs'])!;
		expect(asked.room_subscriptions!['!deep:hs']).toMatchObject({ required_state: [['*', '*']] });
		// Opening it again asks nothing more.
		const before = requests.filter((r) => r.room_subscriptions).length;
		await sync.focus('!deep:hs');
		await new Promise((r) => setTimeout(r, 30));
		expect(requests.filter((r) => r.room_subscriptions).length).toBe(before);
	});

	it("keeps a list row's encryption settings from the crypto until the room is focused, and never defers other rooms", async () => {
		const { client } = scriptedClient(() => page(0, 0, -1));
		const configured: string[] = [];
		const crypto = {
			async onCryptoEvent(room: { roomId: string }, _event: unknown) {
				configured.push(room.roomId);
			}
		};
		Object.assign(client, { getCrypto: () => crypto });
		const sync = (running = new CaseSync(client, { timeoutMs: 10 }));
		const room = (roomId: string, type?: string) => ({ roomId, getType: () => type });
		const encryption = {} as never;
		// What the SDK's sync loop calls for each m.room.encryption it sees.
		await crypto.onCryptoEvent(room('!row:hs', CASE_ROOM_TYPE) as never, encryption);
		await crypto.onCryptoEvent(room('!board:hs', 'nl.casusruimte.board') as never, encryption);
		expect(configured).toEqual(['!board:hs']);
		expect(sync.cryptoDeferred('!row:hs')).toBe(true);
		// Opened (or written to): the crypto gets the settings before the focus resolves.
		await sync.focus('!row:hs', 50);
		expect(configured).toEqual(['!board:hs', '!row:hs']);
		expect(sync.cryptoDeferred('!row:hs')).toBe(false);
		// From then on that room's settings go straight to the crypto.
		await crypto.onCryptoEvent(room('!row:hs', CASE_ROOM_TYPE) as never, encryption);
		expect(configured).toEqual(['!board:hs', '!row:hs', '!row:hs']);
		// Stopping gives the crypto its own hook back.
		sync.stop();
		running = null;
		expect(Object.prototype.hasOwnProperty.call(crypto, 'onCryptoEvent')).toBe(true);
		await crypto.onCryptoEvent(room('!other:hs', CASE_ROOM_TYPE) as never, encryption);
		expect(configured.at(-1)).toBe('!other:hs');
	});

	it('reports a request that failed on the network as unreachable, and the next answer as online', async () => {
		let n = 0;
		const { client } = scriptedClient(() => (n++ === 0 ? new TypeError('fetch failed') : page(1, 0, 0)));
		const sync = (running = new CaseSync(client, { timeoutMs: 10 }));
		const reports: string[] = [];
		sync.onReachability((r) => reports.push(r));
		void sync.sync.start();
		await until(() => reports.length >= 1);
		expect(reports[0]).toBe('unreachable');
	});

	it('puts state changes that came in the timeline into the room state the SDK applies (a removal, a new phase)', async () => {
		const { client } = scriptedClient(() => page(1, 0, 0));
		const sync = (running = new CaseSync(client, { timeoutMs: 10 }));
		const ev = (type: string, stateKey: string, content: object, id: string) => ({
			type,
			state_key: stateKey,
			content,
			event_id: id,
			sender: '@vt:hs',
			origin_server_ts: 1
		});
		const data = {
			name: 'DH-1',
			required_state: [ev(STATE.access, '', { v: 1, organisations: [] }, '$access')],
			timeline: [
				ev('m.room.member', '@politie:hs', { membership: 'join' }, '$join'),
				ev('m.room.member', '@politie:hs', { membership: 'leave', reason: 'consent-withdrawn' }, '$kick'),
				{ type: 'm.room.encrypted', content: {}, event_id: '$msg', sender: '@vt:hs', origin_server_ts: 2 }
			]
		} as unknown as MSC3575RoomData;
		await sync.sync.emitPromised(SlidingSyncEvent.RoomData, '!r:hs', data);
		const state = data.required_state.map((e) => `${e.type}|${e.state_key}|${e.event_id}`);
		// The last membership of the police wins; what the server already gave stays; messages are not state.
		expect(state).toEqual([`${STATE.access}||$access`, 'm.room.member|@politie:hs|$kick']);
	});
});

/** A member event as the server sends it. */
const member = (roomId: string, userId: string, membership: string, id: string, ts: number) => ({
	type: 'm.room.member',
	state_key: userId,
	room_id: roomId,
	content: { membership },
	event_id: id,
	sender: userId,
	origin_server_ts: ts
});

/** A real SDK room that holds what the sync has applied so far (only my own membership). */
function heldRoom(roomId: string) {
	const roomClient = {
		getUserId: () => '@me:hs',
		supportsThreads: () => false,
		canSupport: new Map(),
		decryptEventIfNeeded: async () => undefined,
		on: () => undefined,
		emit: () => undefined
	} as unknown as MatrixClient;
	const room = new Room(roomId, roomClient, '@me:hs');
	room.currentState.setStateEvents([new MatrixEvent(member(roomId, '@me:hs', 'join', '$me', 1))]);
	room.updateMyMembership('join');
	return room;
}

describe('an opened room after a failed sync request', () => {
	it('takes from a fresh read only the state it does not hold, and never an older event over a newer one', () => {
		const room = heldRoom('!r:hs');
		room.currentState.setStateEvents([new MatrixEvent(member('!r:hs', '@vt:hs', 'leave', '$vtLeft', 30))]);
		const read = [
			member('!r:hs', '@me:hs', 'join', '$me', 1), // held already
			member('!r:hs', '@shn:hs', 'join', '$shn', 20), // joined in the gap
			member('!r:hs', '@vt:hs', 'join', '$vtJoined', 10) // older than the leave a later sync brought
		].map((e) => new MatrixEvent(e));
		expect(newerState(room.currentState, read).map((e) => e.getId())).toEqual(['$shn']);
	});

	it('reads the whole state of every focused room again once sync answers after a server error, and only then', async () => {
		const open = heldRoom('!open:hs');
		// The server's state of the opened case: a member joined while the request failed.
		const serverState = [
			member('!open:hs', '@me:hs', 'join', '$me', 1),
			member('!open:hs', '@vt:hs', 'join', '$vt', 5)
		];
		let fail = false;
		const { client, requests } = scriptedClient(() => {
			if (fail) {
				fail = false;
				return new HTTPError('Internal server error', 500);
			}
			return page(2, 0, 1);
		});
		const read: string[] = [];
		Object.assign(client, {
			getRoom: (id: string) => (id === '!open:hs' ? open : null),
			getEventMapper: () => (e: object) => new MatrixEvent(e),
			async roomState(id: string) {
				read.push(id);
				return structuredClone(serverState);
			}
		});
		const sync = (running = new CaseSync(client, { timeoutMs: 10 }));
		const reread: string[][] = [];
		sync.onReread((ids) => reread.push(ids));
		void sync.sync.start();
		await sync.focus('!open:hs', 50);
		// Answers without an error: nothing is read again.
		const answered = requests.length;
		await until(() => requests.length >= answered + 3);
		expect(read).toEqual([]);
		expect(open.getMember('@vt:hs')).toBeNull();
		// One request fails with 500; the SDK retries (after 5 s) and the server answers again.
		fail = true;
		await until(() => reread.length > 0, 10_000);
		expect(reread).toEqual([['!open:hs']]);
		// Only the focused room is read (the list rows are not), and the member who joined shows.
		expect(read).toEqual(['!open:hs']);
		expect(open.getMember('@vt:hs')?.membership).toBe('join');
		expect(open.getMember('@me:hs')?.membership).toBe('join');
	}, 15_000);
});

describe('how the web app syncs', () => {
	it('syncs through sliding sync unless classic /sync is asked for', () => {
		expect(syncChoice(undefined)).toBe('sliding');
		expect(syncChoice('')).toBe('sliding');
		expect(syncChoice('sliding')).toBe('sliding');
		expect(syncChoice('classic')).toBe('classic');
		expect(syncChoice(' Classic ')).toBe('classic');
	});
});
