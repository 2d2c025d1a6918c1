import type { RequestHandler } from './$types';
import { apiResponse, bearerToken, mdtService } from '$lib/server/runtime.ts';

/** One victim, one case: the region's chair records the case this one continues in ({reference}, null undoes). */
export const POST: RequestHandler = async ({ request, params }) =>
	apiResponse(async () => {
		const body = await request.json().catch(() => null);
		return (await mdtService()).continuedIn(bearerToken(request), params.roomId, body);
	});
