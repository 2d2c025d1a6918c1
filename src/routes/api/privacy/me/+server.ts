import type { RequestHandler } from './$types';
import { apiResponse, bearerToken, privacyService } from '$lib/server/runtime.ts';

/** Any signed-in user: are they a privacy officer (where the app lands after sign-in), and the retention limits. */
export const GET: RequestHandler = async ({ request }) =>
	apiResponse(async () => (await privacyService()).me(bearerToken(request)));
