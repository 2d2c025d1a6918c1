import type { RequestHandler } from './$types';
import { apiResponse, bearerToken, privacyService } from '$lib/server/runtime.ts';

/**
 * Privacy officers only: one page of the case rooms (most urgent signals first) with their metadata,
 * members per organisation and flags, the counts per filter, signal and region, and the stray rooms.
 * Query: `filter`, `region`, `q` (reference or room ID), `offset`, `limit` (src/lib/privacy/overview.ts).
 */
export const GET: RequestHandler = async ({ request, url }) =>
	apiResponse(async () => (await privacyService()).overview(bearerToken(request), url.searchParams));
