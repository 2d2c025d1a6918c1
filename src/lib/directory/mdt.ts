/**
 * The daily MDT of a region, in the directory: who sits in it (per
 * organisation, with deputies) and who chairs it. One state event per region in
 * the directory room, written by the service account only (`npm run admin -- mdt …`):
 *   type nl.casusruimte.directory.mdt, state key = the region code.
 * Pure: the guard reads the same shape (generated JSON Schema), the app server
 * and the browser fold it with `buildMdts`.
 */
import { z } from 'zod';
import { RegionCode } from '../case/primitives.ts';
import { MatrixUserId } from './schema.ts';

export const MDT_EVENT = 'nl.casusruimte.directory.mdt';

export const MdtMember = z.strictObject({
	user: MatrixUserId,
	/** A deputy sits in for a colleague of the same organisation; same rights on the board. */
	deputy: z.boolean()
});
export type MdtMember = z.infer<typeof MdtMember>;

export const MdtContent = z.strictObject({
	v: z.literal(1),
	region: RegionCode,
	/** Who chairs the daily meeting (procesregisseur); a chair is also a board member. */
	chairs: z.array(MatrixUserId).max(8),
	members: z.array(MdtMember).max(64),
	/** ms since epoch of the last change. */
	updated_at: z.number().int().nonnegative()
});
export type MdtContent = z.infer<typeof MdtContent>;

export type Mdts = ReadonlyMap<RegionCode, MdtContent>;

/** Folds the directory room's MDT state events (invalid ones are skipped; an empty content removes a region's MDT). */
export function buildMdts(events: Iterable<{ type: string; state_key?: string; content: unknown }>): Mdts {
	const out = new Map<RegionCode, MdtContent>();
	for (const e of events) {
		if (e.type !== MDT_EVENT) continue;
		const parsed = MdtContent.safeParse(e.content);
		if (parsed.success && parsed.data.region === e.state_key) out.set(parsed.data.region, parsed.data);
	}
	return out;
}

// The seat lookups are zod-free (lookup.ts) so that the app's frame can use them without the schemas.
export { isMdtChair, isMdtMember, boardMembers } from './lookup.ts';
