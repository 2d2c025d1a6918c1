/**
 * Deleting a case once its retention period is over, for the privacy officer
 * (one case, on request) and for the retention job (every due case).
 *
 * A case is deleted in three steps. First every member is removed by the service
 * account with a fixed reason, so each member's client sees a leave with that
 * reason and forgets the case and its local copy. Then the Admin API shuts the
 * room down and purges it from the database (and blocks its ID). Last, the
 * deletion is confirmed: the Admin API no longer knows the room. Each step's
 * outcome lands in the audit log.
 */
import type { ServiceClient } from '../synapse-admin.ts';
import { MatrixHttpError } from '../http.ts';
import type { AuditLog } from './audit.ts';
import { listRooms, purgeRoom, roomExists, roomState } from './homeserver.ts';
import { isDeletable, parseCaseRoom, referenceOf, type RawEvent } from '../../privacy/review.ts';
import { CASE_ROOM_TYPE } from '../../case/room-state.ts';

export const RETENTION_JOB_ACTOR = 'system:retention-job';

/** The reason members see on their removal when a case is deleted. Clients match on the leave, not on this text. */
export function deletionNotice(reference: string | null): string {
	return `Casus ${reference ?? ''} is verwijderd: de bewaartermijn is verstreken.`.replace('  ', ' ');
}

/** Time for syncing clients to receive their removal before the events are purged. */
const CLIENT_GRACE_MS = 1_000;

export interface DueCase {
	room_id: string;
	reference: string | null;
	closed_at: string | null;
	retention_until: string | null;
}

export async function dueCases(service: ServiceClient, now = Date.now()): Promise<DueCase[]> {
	const due: DueCase[] = [];
	for (const room of await listRooms(service)) {
		if (room.room_type !== CASE_ROOM_TYPE) continue;
		const state = await roomState(service, room.room_id);
		if (!state) continue;
		const c = parseCaseRoom(room.room_id, state as RawEvent[]);
		if (!c.isCaseRoom || !isDeletable(c, now)) continue;
		due.push({
			room_id: room.room_id,
			reference: referenceOf(c),
			closed_at: c.caseState!.closed_at,
			retention_until: c.caseState!.retention_until
		});
	}
	return due.sort((a, b) => (a.retention_until ?? '').localeCompare(b.retention_until ?? ''));
}

export interface DeleteRequest {
	roomId: string;
	reference: string | null;
	actor: string;
	reason: string;
	/** user IDs currently joined or invited (the service account excluded). */
	members: readonly string[];
}

/** Removes every member, purges the room and confirms it is gone. Throws when it is not. */
export async function deleteCase(service: ServiceClient, audit: AuditLog, req: DeleteRequest): Promise<void> {
	const base = {
		actor: req.actor,
		action: 'delete-case' as const,
		room_id: req.roomId,
		reference: req.reference,
		reason: req.reason
	};
	await audit.append({ ...base, outcome: 'started' });
	try {
		const notice = deletionNotice(req.reference);
		for (const userId of req.members) {
			try {
				await service.kick(req.roomId, userId, notice);
			} catch (err) {
				// The purge removes them anyway; the kick only carries the reason.
				if (!(err instanceof MatrixHttpError)) throw err;
			}
		}
		if (req.members.length) await new Promise((r) => setTimeout(r, CLIENT_GRACE_MS));
		await purgeRoom(service, req.roomId);
		if (await roomExists(service, req.roomId)) throw new Error('the homeserver still knows the room after the purge');
	} catch (err) {
		await audit.append({ ...base, outcome: `failed: ${err instanceof Error ? err.message : String(err)}` });
		throw err;
	}
	await audit.append({ ...base, outcome: 'purged' });
}

export interface RetentionRun {
	dryRun: boolean;
	due: DueCase[];
	deleted: DueCase[];
	failed: (DueCase & { error: string })[];
}

/** Lists the cases past retention and, unless dryRun, deletes them one by one. */
export async function runRetention(
	service: ServiceClient,
	audit: AuditLog | null,
	opts: { dryRun: boolean; now?: number }
): Promise<RetentionRun> {
	const now = opts.now ?? Date.now();
	const due = await dueCases(service, now);
	const run: RetentionRun = { dryRun: opts.dryRun, due, deleted: [], failed: [] };
	if (opts.dryRun) return run;
	if (!audit) throw new Error('The retention job needs an audit log: set CASUS_AUDIT_LOG or CASUS_DATA_DIR.');
	for (const c of due) {
		try {
			const state = await roomState(service, c.room_id);
			const parsed = parseCaseRoom(c.room_id, (state ?? []) as RawEvent[]);
			// Checked again right before deleting: retention may have been extended since the listing.
			if (!state || !isDeletable(parsed, opts.now ?? Date.now())) continue;
			const members = [...parsed.memberships]
				.filter(([u, m]) => u !== service.userId && (m.membership === 'join' || m.membership === 'invite'))
				.map(([u]) => u);
			await deleteCase(service, audit, {
				roomId: c.room_id,
				reference: c.reference,
				actor: RETENTION_JOB_ACTOR,
				reason: 'Bewaartermijn verstreken (automatische verwijdering)',
				members
			});
			run.deleted.push(c);
		} catch (err) {
			run.failed.push({ ...c, error: err instanceof Error ? err.message : String(err) });
		}
	}
	return run;
}
