import type { RequestHandler } from './$types';
import { apiResponse, bearerToken, csvResponse, privacyService } from '$lib/server/runtime.ts';
import { parsePeriod } from '$lib/server/privacy/service.ts';
import { reportCsv } from '$lib/privacy/report.ts';

/** Privacy officers only: the access-review report for a period (?from=&to=), JSON or ?format=csv. No personal data. */
export const GET: RequestHandler = async ({ request, url }) => {
	const run = async () => (await privacyService()).report(bearerToken(request), parsePeriod(url.searchParams));
	if (url.searchParams.get('format') === 'csv')
		return csvResponse(async () => reportCsv(await run()), 'toegangsreview');
	return apiResponse(run);
};
