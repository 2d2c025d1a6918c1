import type { RequestHandler } from './$types';
import { apiResponse, bearerToken, privacyService } from '$lib/server/runtime.ts';

/** Privacy officers only: removes a member (service account kick) with the stated reason. */
export const POST: RequestHandler = async ({ request, params }) =>
	apiResponse(async () => {
		const body = await request.json().catch(() => null);
		return (await privacyService()).removeMember(bearerToken(request), params.roomId, body);
	});
