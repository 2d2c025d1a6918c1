/**
 * The privacy console's index of every room on the homeserver, kept up to date
 * incrementally instead of reading every room's state on each request.
 *
 * Case rooms are followed through the service account's own `/sync` (the
 * service creates every case room and is never removed from one), with a filter
 * that lets through only the state the console reads: the create event, the
 * name, the power levels, membership and the four plaintext case state types.
 * Encrypted records are never fetched. Each catch-up is an incremental sync with
 * the `since` token of the previous one and no wait (timeout 0), so its cost
 * follows what changed, not how many rooms there are. The index and its token
 * are saved to a file (0600, metadata only: membership without display names,
 * the power levels' users map, the case state), so a restart resumes from the
 * token instead of reading the whole server again.
 *
 * Rooms the service is not in (stray rooms that hold case state, made before
 * or around the guard) and rooms deleted without the app (an operator's purge)
 * never show up in the service's sync. For them the index compares the Admin
 * API's room count with its own on each catch-up (one cheap request) and, when
 * they differ or every `sweepMinutes`, sweeps: it lists the rooms and reads the
 * state of the rooms it does not follow; rooms the homeserver no longer has are
 * dropped. The app's own deletions drop the room at once (forget()).
 *
 * The console's overview, report and figures, and the retention job (in the web
 * server and `npm run retention`), all read from here. Everything but the
 * overview waits for a catch-up first (fresh()); the overview, a view, takes
 * the index as it is when its last catch-up started recently and catches up in
 * the background (current()), and says up to when the index is complete (upTo).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { ServiceClient } from '../synapse-admin.ts';
import { STATE_TYPES } from '../../case/event-types.ts';
import { AGENDA_STATE } from '../../case/board.ts';
import { isCaseRoomCreate } from '../../case/room-state.ts';
import { parseCaseRoom, referenceOf, strayRoom, type ParsedCase, type RawEvent } from '../../privacy/review.ts';
import type { StrayRoom } from '../../privacy/schemas.ts';
import { roomState } from './homeserver.ts';

/** The state types the console reads; nothing else is synced or stored. */
export const INDEX_TYPES = [
	'm.room.create',
	'm.room.name',
	'm.room.power_levels',
	'm.room.member',
	...STATE_TYPES,
	/** The MDT agenda's state (re-triage request, continued in): the agenda reads its rooms from here. */
	AGENDA_STATE
] as const;

/** 2: the agenda state joined the index's types (a version 1 file lacks it, so it is rebuilt). */
const FILE_VERSION = 2;
/**
 * One timeline event of the index's types: every other state change since the last sync comes as
 * the room's state delta (the timeline is "limited"). Not 0: with an empty timeline Synapse sends no
 * delta for a state change that has only ordinary state after it (a power-level change by the
 * authority reconcile was lost that way; tests/integration/case-provisioning.test.ts).
 */
const TIMELINE_LIMIT = 1;

export interface IndexedRoom {
	/** Followed through the service account's sync (it is joined); otherwise read by the sweep. */
	followed: boolean;
	/** The room's current state of INDEX_TYPES, reduced to what the console reads. */
	state: RawEvent[];
}

interface IndexFile {
	v: number;
	user_id: string;
	since: string | null;
	rooms: Record<string, IndexedRoom>;
}

export interface RoomIndexOptions {
	/** Where the index is saved between runs; null keeps it in memory only. */
	file: string | null;
	/** How often a full sweep runs even when the room count did not change (default 10 minutes; 0 = only on a count change). */
	sweepMinutes?: number;
}

interface SyncEvent {
	type: string;
	state_key?: string;
	sender: string;
	origin_server_ts: number;
	content: Record<string, unknown>;
}
interface SyncRoom {
	state?: { events?: SyncEvent[] };
	timeline?: { events?: SyncEvent[]; limited?: boolean };
}
interface SyncResponse {
	next_batch: string;
	rooms?: {
		join?: Record<string, SyncRoom>;
		leave?: Record<string, SyncRoom>;
		invite?: Record<string, unknown>;
		knock?: Record<string, unknown>;
	};
	device_lists?: { changed?: string[]; left?: string[] };
}

export const SYNC_FILTER = {
	presence: { types: [] as string[] },
	account_data: { types: [] as string[] },
	room: {
		include_leave: true,
		account_data: { types: [] as string[] },
		ephemeral: { types: [] as string[] },
		state: { types: [...INDEX_TYPES], lazy_load_members: false },
		timeline: { types: [...INDEX_TYPES], limit: TIMELINE_LIMIT }
	},
	event_fields: ['type', 'state_key', 'sender', 'origin_server_ts', 'content']
};

/**
 * Keeps of a state event only what the console reads (data minimisation: the
 * index is on disk). Membership keeps its code, never a display name or avatar;
 * the power levels keep their users map; a name only in a case room.
 */
export function reduceEvent(e: SyncEvent | RawEvent, caseRoom: boolean): RawEvent | null {
	if (!(INDEX_TYPES as readonly string[]).includes(e.type) || e.state_key === undefined) return null;
	const base = { type: e.type, state_key: e.state_key, sender: e.sender, origin_server_ts: e.origin_server_ts };
	const c = e.content ?? {};
	switch (e.type) {
		case 'm.room.member':
			return { ...base, content: typeof c.membership === 'string' ? { membership: c.membership } : {} };
		case 'm.room.power_levels':
			return { ...base, content: c.users && typeof c.users === 'object' ? { users: c.users } : {} };
		case 'm.room.create':
			return { ...base, content: 'type' in c ? { type: c.type } : {} };
		case 'm.room.name':
			return caseRoom && typeof c.name === 'string' ? { ...base, content: { name: c.name } } : null;
		default:
			return { ...base, content: c };
	}
}

const keyOf = (e: { type: string; state_key?: string }) => `${e.type}\u0000${e.state_key ?? ''}`;

/** The state with `events` applied in order (a later event replaces an earlier one with the same type and key). */
function applyState(state: readonly RawEvent[], events: readonly (SyncEvent | RawEvent)[]): RawEvent[] {
	const byKey = new Map(state.map((e) => [keyOf(e), e]));
	const caseRoom = () => isCaseRoomCreate(byKey.get(keyOf({ type: 'm.room.create', state_key: '' }))?.content);
	// The create event first: whether a name is kept depends on it (one sync's state section has no order).
	const ordered = [
		...events.filter((e) => e.type === 'm.room.create'),
		...events.filter((e) => e.type !== 'm.room.create')
	];
	for (const e of ordered) {
		if (e.state_key === undefined) continue;
		const reduced = reduceEvent(e, e.type === 'm.room.create' ? true : caseRoom());
		if (reduced) byKey.set(keyOf(reduced), reduced);
		else byKey.delete(keyOf(e));
	}
	// A name read before the create event (one sync's state is unordered) goes when the room is no case room.
	if (!caseRoom()) byKey.delete(keyOf({ type: 'm.room.name', state_key: '' }));
	return [...byKey.values()];
}

export class RoomIndex {
	private rooms = new Map<string, IndexedRoom>();
	private readonly parsed = new WeakMap<IndexedRoom, { parsed: ParsedCase } | { stray: StrayRoom | null }>();
	private since: string | null = null;
	private loaded = false;
	private lastSweep = 0;
	/**
	 * Synapse keeps a sync response for two minutes, keyed by the request (user, device, since token,
	 * timeout, the filter string), and answers the same request from it. One index never repeats a
	 * request whose answer was kept (its token moves on, and an answer that did not move it is not
	 * kept), but another process resuming from the same saved token (the retention command, a second
	 * app server) would get a minutes-old answer. A filter field of this instance's own, which Synapse
	 * ignores, keeps the requests of two processes apart.
	 */
	private readonly instance = randomUUID();
	private readonly filter = JSON.stringify({ ...SYNC_FILTER, 'nl.casusruimte.index': this.instance });
	/** Only the token: no room, no presence, no account data. */
	private readonly emptyFilter = JSON.stringify({
		presence: { types: [] },
		account_data: { types: [] },
		room: { rooms: [] },
		'nl.casusruimte.index': this.instance
	});
	private running: Promise<void> | null = null;
	/** When the last catch-up that completed started: the index holds every change made before then. */
	private syncedAt: number | null = null;
	/** Bumped by expire(); a catch-up that started before the bump does not count as recent. */
	private generation = 0;
	private syncedGeneration = -1;
	private queued: Promise<void> | null = null;
	private dirty = false;
	private saveTimer: ReturnType<typeof setTimeout> | null = null;
	/** Counters for tests and the bench: what the catch-ups did. */
	readonly stats = { syncs: 0, sweeps: 0, stateReads: 0, background: 0 };

	constructor(
		readonly service: ServiceClient,
		readonly opts: RoomIndexOptions
	) {}

	/**
	 * Brings the index up to date with the homeserver: one incremental sync, one
	 * room count, and a sweep only when needed. Calls while one runs wait for the
	 * next one, so a caller always sees what happened before it asked.
	 */
	fresh(): Promise<void> {
		if (!this.running) {
			this.running = this.catchUp().finally(() => (this.running = null));
			return this.running;
		}
		this.queued ??= this.running
			.catch(() => undefined)
			.then(() => {
				this.queued = null;
				return this.fresh();
			});
		return this.queued;
	}

	/**
	 * For views (the privacy overview): returns at once when the last catch-up started at most
	 * `maxAgeMs` ago and nothing expired it since, and then catches up in the background (once the
	 * data is `refreshAfterMs` old) so the next request sees newer data; otherwise waits for fresh().
	 * `upTo` says how fresh the answer is. Decisions that need the state now (authority, retention)
	 * call fresh() instead.
	 */
	async current(maxAgeMs: number, refreshAfterMs = 1_000): Promise<void> {
		const at = this.syncedAt;
		const age = at === null ? Infinity : Date.now() - at;
		if (maxAgeMs <= 0 || age > maxAgeMs || this.syncedGeneration !== this.generation) return this.fresh();
		if (!this.running && age >= refreshAfterMs) {
			this.stats.background++;
			this.fresh().catch((err: unknown) =>
				console.warn(`privacy index: background catch-up failed: ${err instanceof Error ? err.message : String(err)}`)
			);
		}
	}

	/** The moment up to which the index holds every change (the start of the last catch-up that completed); null before the first. */
	get upTo(): number | null {
		return this.syncedAt;
	}

	/** Something changed that the next view must show (the app's own action): current() waits for a catch-up again. */
	expire(): void {
		this.generation++;
	}

	/** Every case room (sorted by reference) and every stray room, from the index as it is. */
	read(): { cases: ParsedCase[]; stray: StrayRoom[] } {
		const cases: ParsedCase[] = [];
		const stray: StrayRoom[] = [];
		for (const [roomId, room] of this.rooms) {
			const found = this.parse(roomId, room);
			if ('parsed' in found) cases.push(found.parsed);
			else if (found.stray) stray.push(found.stray);
		}
		cases.sort((a, b) => (referenceOf(a) ?? '~').localeCompare(referenceOf(b) ?? '~'));
		return { cases, stray };
	}

	/**
	 * Every case room with its entry, unsorted (the overview store keys its precomputed summaries by the
	 * entry object, which changes whenever the room does), and the stray rooms.
	 */
	entries(): { cases: { room: IndexedRoom; parsed: ParsedCase }[]; stray: StrayRoom[] } {
		const cases: { room: IndexedRoom; parsed: ParsedCase }[] = [];
		const stray: StrayRoom[] = [];
		for (const [roomId, room] of this.rooms) {
			const found = this.parse(roomId, room);
			if ('parsed' in found) cases.push({ room, parsed: found.parsed });
			else if (found.stray) stray.push(found.stray);
		}
		return { cases, stray };
	}

	/**
	 * A room read through the one reader, once per version of its entry: every change stores a new
	 * entry object, so the cache (keyed by the object) never serves an old reading.
	 */
	private parse(roomId: string, room: IndexedRoom): { parsed: ParsedCase } | { stray: StrayRoom | null } {
		let found = this.parsed.get(room);
		if (!found) {
			// The one test (case/room-state.ts): the create event of the room's own state.
			const parsed = parseCaseRoom(roomId, room.state);
			found = parsed.isCaseRoom ? { parsed } : { stray: strayRoom(roomId, room.state, this.service.userId) };
			this.parsed.set(room, found);
		}
		return found;
	}

	/** The room's entry, for tests. */
	entry(roomId: string): IndexedRoom | undefined {
		return this.rooms.get(roomId);
	}

	get size(): number {
		return this.rooms.size;
	}

	/** The app deleted the room: it leaves the index at once. */
	forget(roomId: string): void {
		if (this.rooms.delete(roomId)) this.markDirty();
	}

	/** Writes the index now (the retention command before it exits). */
	flush(): void {
		if (this.saveTimer) clearTimeout(this.saveTimer);
		this.saveTimer = null;
		if (!this.dirty || !this.opts.file) return;
		this.dirty = false;
		const data: IndexFile = {
			v: FILE_VERSION,
			user_id: this.service.userId,
			since: this.since,
			rooms: Object.fromEntries(this.rooms)
		};
		mkdirSync(path.dirname(this.opts.file), { recursive: true });
		const tmp = `${this.opts.file}.${process.pid}.tmp`;
		writeFileSync(tmp, JSON.stringify(data), { mode: 0o600 });
		renameSync(tmp, this.opts.file); // atomic: another process reads the old or the new index, never half
	}

	private markDirty(): void {
		this.dirty = true;
		if (!this.opts.file || this.saveTimer) return;
		this.saveTimer = setTimeout(() => {
			this.saveTimer = null;
			try {
				this.flush();
			} catch (err) {
				console.error(`privacy index: not saved: ${err instanceof Error ? err.message : String(err)}`);
			}
		}, 2_000);
		this.saveTimer.unref?.();
	}

	private load(): void {
		this.loaded = true;
		const file = this.opts.file;
		if (!file || !existsSync(file)) return;
		try {
			const data = JSON.parse(readFileSync(file, 'utf8')) as IndexFile;
			// Another service account, or another format: start over rather than trust it.
			if (data.v !== FILE_VERSION || data.user_id !== this.service.userId || typeof data.rooms !== 'object') return;
			this.rooms = new Map(Object.entries(data.rooms));
			this.since = data.since;
		} catch (err) {
			console.warn(`privacy index: ${file} unreadable, rebuilt (${err instanceof Error ? err.message : String(err)})`);
		}
	}

	private async catchUp(): Promise<void> {
		const started = Date.now();
		const generation = this.generation;
		if (!this.loaded) this.load();
		if (this.since) await this.sync();
		else await this.build();
		const sweepMs = (this.opts.sweepMinutes ?? 10) * 60_000;
		const due = sweepMs > 0 && Date.now() - this.lastSweep > sweepMs;
		if (due || (await this.roomCount()) !== this.rooms.size) await this.sweep();
		this.syncedAt = started;
		this.syncedGeneration = generation;
	}

	/**
	 * The first build (no saved index): the current sync token first, then every room's state through the
	 * Admin API, 8 at a time, which Synapse serves far faster than an initial sync of thousands of rooms
	 * (and within an HTTP timeout). Whatever changes meanwhile comes again with the next sync, on top.
	 */
	private async build(): Promise<void> {
		const token = await this.service.http.get<SyncResponse>('/_matrix/client/v3/sync', {
			filter: this.emptyFilter,
			timeout: 0
		});
		this.rooms.clear();
		await this.sweep(true);
		this.since = token.next_batch;
		this.markDirty();
	}

	private async sync(): Promise<void> {
		const res = await this.service.http.get<SyncResponse>('/_matrix/client/v3/sync', {
			filter: this.filter,
			since: this.since ?? undefined,
			timeout: 0
		});
		this.stats.syncs++;
		let changed = res.next_batch !== this.since;
		for (const [roomId, room] of Object.entries(res.rooms?.join ?? {})) {
			const before = this.rooms.get(roomId);
			// Without a since token the state is the whole state; with one, a limited timeline's gap comes as a
			// delta, and a room joined since comes whole (with its create event). A followed room the index lost
			// track of is read whole once.
			const events = [...(room.state?.events ?? []), ...(room.timeline?.events ?? [])];
			let base: RawEvent[] = [];
			if (this.since && before?.followed) base = before.state;
			else if (this.since && !events.some((e) => e.type === 'm.room.create')) {
				const whole = await roomState(this.service, roomId);
				this.stats.stateReads++;
				base = whole ? applyState([], whole as RawEvent[]) : [];
			}
			const state = applyState(applyState(base, room.state?.events ?? []), room.timeline?.events ?? []);
			this.rooms.set(roomId, { followed: true, state });
			changed = true;
		}
		for (const roomId of Object.keys(res.rooms?.leave ?? {})) {
			// The service left or was removed (a shutdown): the sweep reads the room again if it still exists.
			if (this.rooms.get(roomId)?.followed) {
				this.rooms.delete(roomId);
				changed = true;
			}
		}
		this.since = res.next_batch;
		if (changed) this.markDirty();
	}

	/** The number of rooms on the homeserver (Admin API; one row asked, the total counted by the database). */
	private async roomCount(): Promise<number> {
		const res = await this.service.http.get<{ total_rooms: number }>('/_synapse/admin/v1/rooms', { limit: 1 });
		return res.total_rooms;
	}

	private async sweep(initial = false): Promise<void> {
		const started = Date.now();
		this.stats.sweeps++;
		const listed = new Set<string>();
		let from: number | undefined = 0;
		while (from !== undefined) {
			const page: { rooms: { room_id: string }[]; next_batch?: number } = await this.service.http.get(
				'/_synapse/admin/v1/rooms',
				{ limit: 500, from }
			);
			for (const r of page.rooms) listed.add(r.room_id);
			from = page.next_batch;
		}
		const missing = [...this.rooms].filter(([roomId]) => !listed.has(roomId));
		for (const [roomId, room] of missing) {
			// Gone from the homeserver (purged without the app). A followed room is asked once more, since
			// the listing pages by offset and a room created meanwhile can push one past a page boundary.
			if (!room.followed || !(await roomState(this.service, roomId))) this.rooms.delete(roomId);
		}
		const unfollowed = initial ? [...listed] : [...listed].filter((id) => !this.rooms.get(id)?.followed);
		for (let i = 0; i < unfollowed.length; i += 8) {
			await Promise.all(
				unfollowed.slice(i, i + 8).map(async (roomId) => {
					const state = await roomState(this.service, roomId);
					this.stats.stateReads++;
					if (!state) return void this.rooms.delete(roomId);
					if (this.rooms.get(roomId)?.followed) return; // the sync got there first
					const reduced = applyState([], state as RawEvent[]);
					// On the first build, the rooms the service is in are followed from then on.
					const joined = reduced.some(
						(e) => e.type === 'm.room.member' && e.state_key === this.service.userId && e.content.membership === 'join'
					);
					this.rooms.set(roomId, { followed: initial && joined, state: reduced });
				})
			);
		}
		this.lastSweep = started;
		this.markDirty();
	}
}
