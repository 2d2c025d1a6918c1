import type { RequestHandler } from './$types';
import { apiResponse, bearerToken, privacyService } from '$lib/server/runtime.ts';

/** Privacy officers only: the audit log of privacy-officer actions, newest first, with the hash chain checked. */
export const GET: RequestHandler = async ({ request }) =>
	apiResponse(async () => (await privacyService()).auditLog(bearerToken(request)));
