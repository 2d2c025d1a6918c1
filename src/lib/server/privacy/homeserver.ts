/**
 * The Synapse Admin API calls the privacy console needs, as the service account.
 * Reading returns raw events to the caller in this folder, which picks fields
 * through the response schemas; nothing here goes to the browser as is.
 * Timeline reads are filtered to membership and the plaintext case state types,
 * so encrypted records (m.room.encrypted) are never even fetched.
 */
import { fetchRejections } from '../guard-log.ts';
import { compartmentReview, type AccountStatus, type RawEvent } from '../../privacy/review.ts';
import type { CompartmentOut } from '../../privacy/schemas.ts';
import type { CompartmentPointer } from '../../case/compartments.ts';
import type { AccessState } from '../../case/state.ts';
import type { Directory } from '../../directory/directory.ts';
import { MatrixHttpError, enc } from '../http.ts';
import type { ServiceClient, StateEvent } from '../synapse-admin.ts';
import { STATE_TYPES } from '../../case/event-types.ts';

export interface RoomListing {
	room_id: string;
	room_type?: string | null;
	name?: string | null;
	joined_members?: number;
	creator?: string | null;
}

export async function listRooms(service: ServiceClient): Promise<RoomListing[]> {
	const rooms: RoomListing[] = [];
	let from: number | undefined = 0;
	while (from !== undefined) {
		const page: { rooms: RoomListing[]; next_batch?: number } = await service.http.get('/_synapse/admin/v1/rooms', {
			limit: 500,
			from
		});
		rooms.push(...page.rooms);
		from = page.next_batch;
	}
	return rooms;
}

/** The current state of any room (Admin API), or null when the room does not exist. */
export async function roomState(service: ServiceClient, roomId: string): Promise<StateEvent[] | null> {
	try {
		return (await service.http.get<{ state: StateEvent[] }>(`/_synapse/admin/v1/rooms/${enc(roomId)}/state`)).state;
	} catch (err) {
		if (err instanceof MatrixHttpError && (err.status === 404 || err.status === 400)) return null;
		throw err;
	}
}

export const HISTORY_TYPES = ['m.room.create', 'm.room.member', ...STATE_TYPES];

/** The room's membership and case-state events in order, oldest first (Admin API, filtered server-side). */
export async function roomHistory(
	service: ServiceClient,
	roomId: string,
	types: readonly string[] = HISTORY_TYPES
): Promise<RawEvent[]> {
	const filter = JSON.stringify({ types, lazy_load_members: false });
	const events: RawEvent[] = [];
	let from: string | undefined;
	for (let page = 0; page < 1000; page++) {
		const res: { chunk: RawEvent[]; end?: string } = await service.http.get(
			`/_synapse/admin/v1/rooms/${enc(roomId)}/messages`,
			{ dir: 'f', limit: 500, filter, from }
		);
		// Synapse filters, but the type check here is what guarantees nothing else slips through.
		events.push(...res.chunk.filter((e) => types.includes(e.type)));
		if (!res.end || res.chunk.length === 0) break;
		from = res.end;
	}
	return events;
}

/** Deactivation and last-seen time of every local account (Admin API), by user ID. */
export async function accountStatuses(service: ServiceClient): Promise<Map<string, AccountStatus>> {
	const out = new Map<string, AccountStatus>();
	let from: string | undefined = '0';
	while (from !== undefined) {
		const page: {
			users: { name: string; deactivated: boolean | number; last_seen_ts?: number | null }[];
			next_token?: string;
		} = await service.http.get('/_synapse/admin/v2/users', {
			from,
			limit: 1000,
			deactivated: true,
			locked: true,
			guests: false
		});
		for (const u of page.users)
			out.set(u.name, { deactivated: Boolean(u.deactivated), last_seen_ts: u.last_seen_ts ?? null });
		from = page.next_token;
	}
	return out;
}

export async function roomExists(service: ServiceClient, roomId: string): Promise<boolean> {
	try {
		await service.http.get(`/_synapse/admin/v1/rooms/${enc(roomId)}`);
		return true;
	} catch (err) {
		if (err instanceof MatrixHttpError && err.status === 404) return false;
		throw err;
	}
}

export type DeleteStatus = 'scheduled' | 'active' | 'complete' | 'failed' | 'shutting_down' | 'purging';

/**
 * Shuts the room down and purges it from the database (Admin API v2), then waits
 * for the background task. `block` keeps anyone from joining the room ID again;
 * the blocked_rooms table then holds the bare room ID, nothing else.
 *
 * A purge can fail while Synapse still has the room queued for a sliding-sync
 * recalculation (element-hq/synapse#19822: a foreign key from
 * sliding_sync_joined_rooms_to_recalculate); that queue empties within moments,
 * so a failed purge is tried again a few times before giving up.
 */
export async function purgeRoom(
	service: ServiceClient,
	roomId: string,
	opts: { timeoutMs?: number; attempts?: number } = {}
): Promise<void> {
	const attempts = opts.attempts ?? 5;
	for (let attempt = 1; ; attempt++) {
		const status = await purgeOnce(service, roomId, opts.timeoutMs ?? 120_000);
		if (status === 'complete') return;
		if (attempt >= attempts || !(await roomExists(service, roomId))) {
			throw new Error(`The homeserver could not delete the room (${attempt} attempts); see its log.`);
		}
		await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
	}
}

async function purgeOnce(service: ServiceClient, roomId: string, timeoutMs: number): Promise<'complete' | 'failed'> {
	const { delete_id } = await service.http.delete<{ delete_id: string }>(`/_synapse/admin/v2/rooms/${enc(roomId)}`, {
		purge: true,
		block: true,
		force_purge: true
	});
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const res = await service.http.get<{ status: DeleteStatus }>(
			`/_synapse/admin/v2/rooms/delete_status/${enc(delete_id)}`
		);
		if (res.status === 'complete') return 'complete';
		if (res.status === 'failed') return 'failed';
		if (Date.now() > deadline)
			throw new Error('The homeserver did not finish deleting the room in time; check the room again later.');
		await new Promise((r) => setTimeout(r, 250));
	}
}

export interface GuardRejection {
	ts: string;
	user_id: string;
	rule: string;
	event_type: string | null;
}

/**
 * Requests the guard module refused in a room, newest first. The guard serves
 * them (oldest first, paged by id) when it is installed; without it the endpoint
 * answers 404 and the console says so. Only the rule and event type are kept:
 * the guard's message is left out.
 */
export async function guardRejections(
	service: ServiceClient,
	roomId: string,
	keep = 100
): Promise<{ available: boolean; items: GuardRejection[] }> {
	const items: GuardRejection[] = [];
	try {
		let from: number | null = 0;
		for (let page = 0; from !== null && page < 100; page++) {
			const res = await fetchRejections(service, { roomId, limit: 1000, from });
			for (const raw of res.rejections) {
				const item = pickRejection(raw);
				if (item) items.push(item);
			}
			from = res.next_from !== null && res.rejections.length > 0 ? res.next_from : null;
		}
	} catch (err) {
		if (err instanceof MatrixHttpError) return { available: false, items: [] };
		throw err;
	}
	return { available: true, items: items.slice(-keep).reverse() };
}

function pickRejection(raw: unknown): GuardRejection | null {
	if (!raw || typeof raw !== 'object') return null;
	const r = raw as Record<string, unknown>;
	const ts = typeof r.ts === 'number' ? new Date(r.ts).toISOString() : null;
	if (!ts || typeof r.user_id !== 'string' || typeof r.rule !== 'string') return null;
	return {
		ts,
		user_id: r.user_id.slice(0, 255),
		rule: r.rule.slice(0, 64),
		event_type: typeof r.event_type === 'string' ? r.event_type.slice(0, 128) : null
	};
}

/**
 * Each compartment of a case as the privacy officer and the coordinators see it (who is in it,
 * on which basis, since when, with which history grant), read from the homeserver now, by id.
 */
export async function compartmentReviews(
	service: ServiceClient,
	compartments: ReadonlyMap<string, CompartmentPointer>,
	access: AccessState | null,
	directory: Directory
): Promise<CompartmentOut[]> {
	const reviews = await Promise.all(
		[...compartments].map(async ([id, pointer]) =>
			compartmentReview(
				id,
				pointer,
				(await roomState(service, pointer.room_id).catch(() => null)) as RawEvent[] | null,
				access,
				(u) => directory.users.get(u)?.org ?? null,
				service.userId
			)
		)
	);
	return reviews.sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
}
