import type { RequestHandler } from './$types';
import { apiResponse, bearerToken, mdtService } from '$lib/server/runtime.ts';

/** The region's MDT chair is invited into the case (reason mdt-chair) to record the MDT's decision. */
export const POST: RequestHandler = async ({ request, params }) =>
	apiResponse(async () => (await mdtService()).chairAccess(bearerToken(request), params.roomId));
