/**
 * Seeding many case rooms quickly: the service account creates them directly
 * from the case-room template (the same createRoom body CaseService sends,
 * without its per-case reference search), a few at a time, and the account
 * joins each. Phases and dates vary so the case list has something to sort.
 */
import { caseRoomCreateRequest } from '../src/lib/matrix/room-template.ts';
import { STATE } from '../src/lib/case/event-types.ts';
import { addMonths, DEFAULT_RETENTION } from '../src/lib/case/policy.ts';
import type { World, WorldUser } from '../tests/support/world.ts';
import { mapLimit, now, retry, round } from './lib/stats.ts';

export interface SeedResult {
	rooms: number;
	seconds: number;
	roomsPerSecond: number;
	concurrency: number;
}

const PHASES = ['first_contact', 'triage', 'regie', 'regie', 'regie', 'closed'] as const;
/**
 * How many of `count` seeded cases are open. The case list shows open cases by
 * default (closed ones sit behind the phase filter), so that is the list a user
 * sees after signing in, and what the browser benchmarks wait for.
 */
export function openCaseCount(count: number): number {
	let open = 0;
	for (let i = 0; i < count; i++) if (PHASES[i % PHASES.length] !== 'closed') open++;
	return open;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export async function seedCaseRooms(
	world: World,
	member: WorldUser,
	count: number,
	opts: { concurrency?: number; referenceOffset?: number; log?: (s: string) => void } = {}
): Promise<{ roomIds: string[]; result: SeedResult }> {
	const concurrency = opts.concurrency ?? 6;
	const year = new Date().getUTCFullYear();
	const offset = opts.referenceOffset ?? 10_000;
	const t0 = now();
	let done = 0;
	const roomIds = await mapLimit(
		Array.from({ length: count }, (_, i) => i),
		concurrency,
		async (i) => {
			const reportedAt = Date.now() - (i % 400) * 6 * 3600_000;
			const phase = PHASES[i % PHASES.length]!;
			// A closed case takes no joins (the guard): the room starts under regie, the member
			// joins, then the service records the closure (a month after the report at most, never
			// in the future) with retention inside the policy's window.
			const closedAt = phase === 'closed' ? iso(Math.min(reportedAt + 30 * 86_400_000, Date.now() - 60_000)) : null;
			const caseState = {
				v: 1 as const,
				reference: `DH-${year}-${String(offset + i).padStart(5, '0')}`,
				region: 'DH' as const,
				phase: phase === 'closed' ? ('regie' as const) : phase,
				first_report_at: iso(reportedAt),
				acute: i % 3 === 0,
				closed_at: null,
				retention_until: null
			};
			const body = caseRoomCreateRequest({
				case: caseState,
				access: {
					v: 1,
					organisations: [
						{ org: 'CSG', since: iso(reportedAt), basis: 'consent' },
						{ org: 'VT', since: iso(reportedAt), basis: 'statutory', ground: 'wmo2015-vt' }
					]
				},
				regie: { v: 1, regiehouder: member.userId, deputy: null, since: iso(reportedAt), handovers: 0 },
				chairs: [],
				requester: member.userId,
				serviceUserId: world.service.userId
			});
			if (phase === 'regie' || phase === 'closed') {
				(body.initial_state as unknown[]).push({
					type: STATE.triageStatus,
					state_key: '',
					content: {
						v: 1,
						seq: 1,
						decided_at: iso(reportedAt + 20 * 3600_000),
						next_review: iso(reportedAt + 14 * 86_400_000).slice(0, 10)
					}
				});
			}
			const { room_id } = await retry(() => world.service.createRoom(body));
			await retry(() => member.http.post(`/_matrix/client/v3/rooms/${encodeURIComponent(room_id)}/join`, {}));
			if (closedAt) {
				const closed = {
					...caseState,
					phase: 'closed',
					closed_at: closedAt,
					retention_until: iso(addMonths(closedAt, DEFAULT_RETENTION.default_months).getTime())
				};
				await retry(() => world.service.sendState(room_id, STATE.case, '', closed));
			}
			done++;
			if (opts.log && done % 250 === 0) opts.log(`  seeded ${done}/${count} case rooms`);
			return room_id;
		}
	);
	const seconds = (now() - t0) / 1000;
	return {
		roomIds,
		result: { rooms: count, seconds: round(seconds), roomsPerSecond: round(count / seconds, 2), concurrency }
	};
}
