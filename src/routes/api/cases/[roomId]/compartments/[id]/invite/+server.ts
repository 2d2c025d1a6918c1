import type { RequestHandler } from './$types';
import { apiResponse, bearerToken, compartmentService } from '$lib/server/runtime.ts';

/** A coordinator has a member of the case invited into a compartment ({user_id, history?}). */
export const POST: RequestHandler = async ({ request, params }) =>
	apiResponse(async () =>
		(await compartmentService()).invite(
			bearerToken(request),
			params.roomId,
			params.id,
			await request.json().catch(() => null)
		)
	);
