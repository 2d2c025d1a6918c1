import type { RequestHandler } from './$types';
import { apiResponse, bearerToken, caseService } from '$lib/server/runtime.ts';

/** Hands regie over: the regie state and power levels move with it (service account). */
export const POST: RequestHandler = async ({ request, params }) =>
	apiResponse(async () => {
		const body = await request.json().catch(() => null);
		return (await caseService()).handover(bearerToken(request), params.roomId, body);
	});
