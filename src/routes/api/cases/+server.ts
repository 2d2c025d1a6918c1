import type { RequestHandler } from './$types';
import { apiResponse, bearerToken, caseService } from '$lib/server/runtime.ts';

/** Opens a new case room (as the service account) for the signed-in MDT member. */
export const POST: RequestHandler = async ({ request }) =>
	apiResponse(async () => {
		const body = await request.json().catch(() => null);
		return (await caseService()).createCase(bearerToken(request), body);
	}, 201);
