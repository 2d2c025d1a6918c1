import type { RequestHandler } from './$types';
import { apiResponse, bearerToken, pilotFiguresService } from '$lib/server/runtime.ts';

/** The region's MDT chair sends the pilot aggregate (PilotAggregate) computed in their browser; chairs of that region only. */
export const POST: RequestHandler = async ({ request, params }) =>
	apiResponse(async () => {
		const body: unknown = await request.json().catch(() => null);
		return (await pilotFiguresService()).submit(bearerToken(request), params.region, body);
	});
