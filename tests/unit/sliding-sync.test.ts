/**
 * The case list's sliding sync (src/lib/matrix/sliding.ts) against a scripted
 * server: what it asks for first (a screen of cases, all invitations, the other
 * rooms), how the window grows page by page until it covers every case, how an
 * opened room is subscribed with its whole state, and how a failed request is
 * reported. The real homeserver side is in the integration suite.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { MatrixClient } from 'matrix-js-sdk';
import {
	SlidingSyncEvent,
	type MSC3575RoomData,
	type MSC3575SlidingSyncRequest,
	type MSC3575SlidingSyncResponse
} from 'matrix-js-sdk/lib/sliding-sync.js';
import { CaseSync, CASE_LIST_STATE, FIRST_PAGE, LISTS } from '../../src/lib/matrix/sliding.ts';
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

	it('grows the window page by page until it covers every case, then keeps room to spare', async () => {
		const total = 600;
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
		expect(ends.slice(0, 4)).toEqual([19, 269, 519, total + 50]);
		expect(seen.slice(0, 3)).toEqual([false, false, false]);
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
