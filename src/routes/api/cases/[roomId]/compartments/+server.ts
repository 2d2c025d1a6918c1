import type { RequestHandler } from './$types';
import { apiResponse, bearerToken, compartmentService } from '$lib/server/runtime.ts';

/** A coordinator of the case reads its compartments and who is in each (codes and IDs only). */
export const GET: RequestHandler = async ({ request, params }) =>
	apiResponse(async () => (await compartmentService()).list(bearerToken(request), params.roomId));

/** A coordinator of the case opens a compartment ({kind, purpose?}); the service creates its room. */
export const POST: RequestHandler = async ({ request, params }) =>
	apiResponse(async () =>
		(await compartmentService()).open(bearerToken(request), params.roomId, await request.json().catch(() => null))
	);
