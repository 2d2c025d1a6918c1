import type { RequestHandler } from './$types';
import { apiResponse, bearerToken, mdtService } from '$lib/server/runtime.ts';

/** The region's MDT agenda (AgendaResponse), from the cases' plaintext state; MDT members of the region only. */
export const GET: RequestHandler = async ({ request, params }) =>
	apiResponse(async () => (await mdtService()).agenda(bearerToken(request), params.region));
