import type { RequestHandler } from './$types';
import { apiResponse, bearerToken, privacyService } from '$lib/server/runtime.ts';

/** Privacy officers only: every case room with its metadata, members per organisation and flags. */
export const GET: RequestHandler = async ({ request }) =>
	apiResponse(async () => (await privacyService()).overview(bearerToken(request)));
