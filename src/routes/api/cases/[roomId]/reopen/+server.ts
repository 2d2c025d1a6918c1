import type { RequestHandler } from './$types';
import { apiResponse, bearerToken, caseService } from '$lib/server/runtime.ts';

/** A coordinator of the case, or the region's MDT chair, reopens a closed case while it is retained. */
export const POST: RequestHandler = async ({ request, params }) =>
	apiResponse(async () => (await caseService()).reopen(bearerToken(request), params.roomId));
