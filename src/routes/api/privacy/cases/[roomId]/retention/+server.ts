import type { RequestHandler } from './$types';
import { apiResponse, bearerToken, privacyService } from '$lib/server/runtime.ts';

/** Privacy officers only: sets retention_until of a closed case within the configured limits. */
export const POST: RequestHandler = async ({ request, params }) =>
	apiResponse(async () => {
		const body = await request.json().catch(() => null);
		return (await privacyService()).setRetention(bearerToken(request), params.roomId, body);
	});
