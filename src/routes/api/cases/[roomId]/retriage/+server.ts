import type { RequestHandler } from './$types';
import { apiResponse, bearerToken, mdtService } from '$lib/server/runtime.ts';

/** A member puts the case back on the MDT's agenda (the signal itself is an encrypted record in the case). */
export const POST: RequestHandler = async ({ request, params }) =>
	apiResponse(async () => (await mdtService()).retriage(bearerToken(request), params.roomId));
