import type { RequestHandler } from './$types';
import { apiResponse, bearerToken, privacyService } from '$lib/server/runtime.ts';

/** Privacy officers only: asks the regiehouder, by a notice in the case room, to review who has access. */
export const POST: RequestHandler = async ({ request, params }) =>
	apiResponse(async () => {
		const body = await request.json().catch(() => null);
		return (await privacyService()).requestReview(bearerToken(request), params.roomId, body);
	});
