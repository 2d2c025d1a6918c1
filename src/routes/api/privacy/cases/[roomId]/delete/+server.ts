import type { RequestHandler } from './$types';
import { apiResponse, bearerToken, privacyService } from '$lib/server/runtime.ts';

/** Privacy officers only: deletes a closed case past its retention from the homeserver and confirms it is gone. */
export const POST: RequestHandler = async ({ request, params }) =>
	apiResponse(async () => {
		const body = await request.json().catch(() => null);
		return (await privacyService()).deleteCase(bearerToken(request), params.roomId, body);
	});
