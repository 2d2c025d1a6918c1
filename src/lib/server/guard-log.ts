/**
 * The guard's rejection log (synapse-config/guard): who was refused what, in
 * which room, by which rule. Never content. Served by the homeserver module
 * to homeserver admins only, so it is read here with the service account.
 */
import { z } from 'zod';
import type { ServiceClient } from './synapse-admin.ts';

export const GUARD_REJECTIONS_PATH = '/_casusruimte/guard/v1/rejections';

// The guard's rule codes are listed once, in src/lib/case/allow-list.ts (GUARD_RULE_CODES).

export const GuardRejection = z.object({
	id: z.number().int(),
	/** ms since epoch */
	ts: z.number().int(),
	user_id: z.string(),
	room_id: z.string().nullable(),
	/** One of GUARD_RULES; a newer guard may add codes, so any string is accepted. */
	rule: z.string(),
	event_type: z.string().nullable(),
	message: z.string()
});
export type GuardRejection = z.infer<typeof GuardRejection>;

export const GuardRejectionPage = z.object({
	rejections: z.array(GuardRejection),
	/** Pass as `from` for the next page; null when there is none (yet). */
	next_from: z.number().int().nullable()
});
export type GuardRejectionPage = z.infer<typeof GuardRejectionPage>;

export interface FetchRejectionsOptions {
	/** First id to return (default 0). */
	from?: number;
	/** Page size, 1 to 1000 (default 100). */
	limit?: number;
	roomId?: string;
}

/** One page of the rejection log, oldest first. */
export async function fetchRejections(
	service: ServiceClient,
	opts: FetchRejectionsOptions = {}
): Promise<GuardRejectionPage> {
	const body = await service.http.get(GUARD_REJECTIONS_PATH, {
		from: opts.from,
		limit: opts.limit,
		room_id: opts.roomId
	});
	return GuardRejectionPage.parse(body);
}
