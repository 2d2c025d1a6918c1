import type { RequestHandler } from './$types';
import { apiResponse, bearerToken, privacyService } from '$lib/server/runtime.ts';

/** Privacy officers only: one case's members, membership and access history, retention. Never content. */
export const GET: RequestHandler = async ({ request, params }) =>
	apiResponse(async () => (await privacyService()).caseDetail(bearerToken(request), params.roomId));
