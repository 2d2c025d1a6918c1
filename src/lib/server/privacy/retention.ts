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
import { purgeRoom, roomExists, roomState } from './homeserver.ts';
import type { RoomIndex } from './room-index.ts';
import {
	isDeletable,
	parseCaseRoom,
	referenceOf,
	retentionDatesProblem,
	type RawEvent,
	type RetentionDatesProblem
} from '../../privacy/review.ts';
import type { RetentionPolicy } from '../../case/policy.ts';
import type { PrivacyActionReason, RemoveReason } from '../../case/reasons.ts';
import { currentMembers } from '../../case/room-state.ts';
import { compartmentsOf } from '../../case/compartments.ts';

export const RETENTION_JOB_ACTOR = 'system:retention-job';

/** The reason code members see on their removal when a case is deleted (reasons.ts; shown through i18n). */
export const DELETION_REASON: RemoveReason = 'case-deleted';

/** Time for syncing clients to receive their removal before the events are purged. */
const CLIENT_GRACE_MS = 1_000;

export interface DueCase {
	room_id: string;
	reference: string | null;
	closed_at: string | null;
	retention_until: string | null;
}

export interface RefusedCase extends DueCase {
	problem: RetentionDatesProblem;
}

/**
 * The closed cases whose retention_until has passed: `due` when their dates keep
 * the rules, `refused` when they do not (closed in the future or before the first
 * report, retention outside the window): those are never purged, only flagged.
 */
export async function dueCases(
	index: RoomIndex,
	policy: RetentionPolicy,
	now = Date.now()
): Promise<{ due: DueCase[]; refused: RefusedCase[] }> {
	const due: DueCase[] = [];
	const refused: RefusedCase[] = [];
	await index.fresh();
	// The index's case rooms (the one test: their create event); each is read again before it is deleted.
	for (const c of index.read().cases) {
		const s = c.caseState;
		if (s?.phase !== 'closed' || !s.retention_until || Date.parse(s.retention_until) >= now) continue;
		const listed = {
			room_id: c.roomId,
			reference: referenceOf(c),
			closed_at: s.closed_at,
			retention_until: s.retention_until
		};
		const problem = retentionDatesProblem(c, policy, now);
		if (problem) refused.push({ ...listed, problem });
		else if (isDeletable(c, now, policy)) due.push(listed);
	}
	const byDate = (a: DueCase, b: DueCase) => (a.retention_until ?? '').localeCompare(b.retention_until ?? '');
	return { due: due.sort(byDate), refused: refused.sort(byDate) };
}

export interface DeleteRequest {
	/** The console's room index, which forgets the room once it is purged. */
	index?: RoomIndex;
	roomId: string;
	reference: string | null;
	actor: string;
	reason: PrivacyActionReason;
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
		for (const userId of req.members) {
			try {
				await service.kick(req.roomId, userId, DELETION_REASON);
			} catch (err) {
				// The purge removes them anyway; the kick only carries the reason.
				if (!(err instanceof MatrixHttpError)) throw err;
			}
		}
		if (req.members.length) await new Promise((r) => setTimeout(r, CLIENT_GRACE_MS));
		// The case's compartments (issue 13) go with it, first: the case room still points to them if this fails.
		for (const pointer of compartmentsOf((await roomState(service, req.roomId)) ?? []).values()) {
			if (await roomExists(service, pointer.room_id)) await purgeRoom(service, pointer.room_id);
		}
		await purgeRoom(service, req.roomId);
		if (await roomExists(service, req.roomId)) throw new Error('the homeserver still knows the room after the purge');
	} catch (err) {
		await audit.append({ ...base, outcome: `failed: ${err instanceof Error ? err.message : String(err)}` });
		throw err;
	}
	req.index?.forget(req.roomId);
	await audit.append({ ...base, outcome: 'purged' });
}

export interface RetentionRun {
	dryRun: boolean;
	due: DueCase[];
	/** Past retention, but their dates break the rules: not purged, flagged in the console. */
	refused: RefusedCase[];
	deleted: DueCase[];
	failed: (DueCase & { error: string })[];
}

/** Lists the cases past retention and, unless dryRun, deletes those whose dates keep the rules, one by one. */
export async function runRetention(
	service: ServiceClient,
	audit: AuditLog | null,
	opts: { dryRun: boolean; policy: RetentionPolicy; index: RoomIndex; now?: number }
): Promise<RetentionRun> {
	const now = opts.now ?? Date.now();
	const { due, refused } = await dueCases(opts.index, opts.policy, now);
	const run: RetentionRun = { dryRun: opts.dryRun, due, refused, deleted: [], failed: [] };
	if (opts.dryRun) return run;
	if (!audit) throw new Error('The retention job needs an audit log: set CASUS_AUDIT_LOG or CASUS_DATA_DIR.');
	for (const c of refused)
		await audit.append({
			actor: RETENTION_JOB_ACTOR,
			action: 'retention-refused',
			room_id: c.room_id,
			reference: c.reference,
			reason: 'retention-policy',
			outcome: `not purged: ${c.problem}`
		});
	for (const c of due) {
		try {
			const state = await roomState(service, c.room_id);
			const parsed = parseCaseRoom(c.room_id, (state ?? []) as RawEvent[]);
			// Checked again right before deleting: retention may have been extended since the listing.
			if (!state || !isDeletable(parsed, opts.now ?? Date.now(), opts.policy)) continue;
			await deleteCase(service, audit, {
				index: opts.index,
				roomId: c.room_id,
				reference: c.reference,
				actor: RETENTION_JOB_ACTOR,
				reason: 'retention-expired',
				members: currentMembers(parsed, service.userId)
			});
			run.deleted.push(c);
		} catch (err) {
			run.failed.push({ ...c, error: err instanceof Error ? err.message : String(err) });
		}
	}
	return run;
}
