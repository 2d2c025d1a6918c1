/**
 * The server side's long-lived pieces for the SvelteKit app: one service-account
 * connection and the services built on it, created on first use.
 */
import { json } from '@sveltejs/kit';
import { configFromEnv } from './config.ts';
import { connectService } from './service-account.ts';
import { CaseService } from './cases.ts';
import { ApiError } from './errors.ts';
import { HomeserverUnreachableError, MatrixHttpError } from './http.ts';

let cases: Promise<CaseService> | undefined;

export function caseService(): Promise<CaseService> {
	cases ??= (async () => {
		const config = configFromEnv();
		return new CaseService(config, await connectService(config));
	})().catch((err) => {
		cases = undefined; // try again on the next request
		throw err;
	});
	return cases;
}

export function bearerToken(request: Request): string | null {
	const header = request.headers.get('authorization') ?? '';
	const match = /^Bearer\s+(\S+)$/i.exec(header);
	return match ? match[1]! : null;
}

/** Runs an API handler and turns errors into {errcode, error} responses; never leaks internals. */
export async function apiResponse(handler: () => Promise<unknown>, status = 200): Promise<Response> {
	try {
		return json(await handler(), { status, headers: { 'cache-control': 'no-store' } });
	} catch (err) {
		if (err instanceof ApiError) return json({ errcode: err.errcode, error: err.message }, { status: err.status });
		if (err instanceof HomeserverUnreachableError) return json({ errcode: 'M_UNAVAILABLE', error: 'The homeserver is not reachable.' }, { status: 503 });
		if (err instanceof MatrixHttpError && err.status < 500) return json({ errcode: err.errcode, error: err.message }, { status: err.status });
		console.error('api error', err);
		return json({ errcode: 'M_UNKNOWN', error: 'Internal error.' }, { status: 500 });
	}
}
