/**
 * The one small HTTP client for JSON APIs: the app's own server API (from the
 * browser) and the homeserver's Client-Server and Admin APIs (from the server).
 * It sends JSON with the bearer token and turns every error response, ours or
 * Matrix's, into the one refusal type (Refusal.fromBody); a network failure
 * becomes an 'unavailable' refusal with status 0. Callers that need a more
 * specific error (the server's MatrixHttpError) pass their own constructors.
 */
import { Refusal } from './refusal.ts';

export type Query = Record<string, string | number | boolean | undefined>;

export interface JsonRequest {
	method?: string;
	body?: unknown;
	query?: Query;
	/** Sent as `authorization: Bearer <token>` when present. */
	token?: string | null;
	/** Instead of parsing the body as JSON, return the Response itself (downloads). */
	raw?: boolean;
}

export interface JsonClientOptions {
	/** The error for a non-2xx response (default: Refusal.fromBody). */
	onError?: (status: number, body: unknown) => Error;
	/** The error when the server cannot be reached at all (default: an 'unavailable' refusal, status 0). */
	onUnreachable?: (cause: unknown) => Error;
	fetch?: typeof fetch;
}

function unreachable(): Refusal {
	return Refusal.fromBody(0, {});
}

/** Parses a response body: JSON, else the text as a Matrix-style error, else {}. */
function parseBody(text: string): unknown {
	if (!text) return {};
	try {
		return JSON.parse(text);
	} catch {
		return { error: text.slice(0, 200) };
	}
}

export async function requestJson<T = unknown>(
	url: string | URL,
	req: JsonRequest = {},
	opts: JsonClientOptions = {}
): Promise<T> {
	const target = new URL(url, typeof location === 'undefined' ? undefined : location.href);
	for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) target.searchParams.set(k, String(v));
	const headers: Record<string, string> = {};
	if (req.token) headers.authorization = `Bearer ${req.token}`;
	if (req.body !== undefined) headers['content-type'] = 'application/json';
	let res: Response;
	try {
		res = await (opts.fetch ?? fetch)(target, {
			method: req.method ?? 'GET',
			headers,
			body: req.body === undefined ? undefined : JSON.stringify(req.body)
		});
	} catch (err) {
		throw opts.onUnreachable ? opts.onUnreachable(err) : unreachable();
	}
	if (res.ok && req.raw) return res as T;
	const body = parseBody(await res.text());
	if (!res.ok) throw opts.onError ? opts.onError(res.status, body) : Refusal.fromBody(res.status, body);
	return body as T;
}

/** A client bound to a base URL and a token (a string, or a function asked on every request). */
export class JsonClient {
	constructor(
		readonly baseUrl: string,
		public token?: string | (() => string | null | undefined),
		readonly options: JsonClientOptions = {}
	) {}

	request<T = unknown>(method: string, path: string, body?: unknown, query?: Query, token?: string | null): Promise<T> {
		const bearer = token !== undefined ? token : typeof this.token === 'function' ? this.token() : this.token;
		return requestJson<T>(
			this.baseUrl ? new URL(path, this.baseUrl) : path,
			{ method, body, query, token: bearer },
			this.options
		);
	}

	get<T = unknown>(path: string, query?: Query) {
		return this.request<T>('GET', path, undefined, query);
	}
	post<T = unknown>(path: string, body: unknown = {}, query?: Query) {
		return this.request<T>('POST', path, body, query);
	}
	put<T = unknown>(path: string, body: unknown = {}, query?: Query) {
		return this.request<T>('PUT', path, body, query);
	}
	delete<T = unknown>(path: string, body?: unknown, query?: Query) {
		return this.request<T>('DELETE', path, body, query);
	}
}
