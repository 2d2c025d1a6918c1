import type { RequestHandler } from './$types';
import { apiResponse, bearerToken, csvResponse, privacyService } from '$lib/server/runtime.ts';
import { parsePeriod } from '$lib/server/privacy/service.ts';
import { figuresCsv } from '$lib/privacy/report.ts';

/** Privacy officers only: aggregated pilot figures for a period (?from=&to=), cells under 5 cases suppressed; JSON or ?format=csv. */
export const GET: RequestHandler = async ({ request, url }) => {
	const run = async () => (await privacyService()).figures(bearerToken(request), parsePeriod(url.searchParams));
	if (url.searchParams.get('format') === 'csv') return csvResponse(async () => figuresCsv(await run()), 'pilotcijfers');
	return apiResponse(run);
};
