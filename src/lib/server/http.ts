/**
 * A minimal Matrix client-server and Admin API client for server-side code
 * (the service account, the admin command, the privacy console's backend).
 * Plain fetch: no crypto, no sync. The browser never uses this module.
 */

export class MatrixHttpError extends Error {
	constructor(
		readonly status: number,
		readonly errcode: string,
		message: string,
		readonly body: unknown = undefined
	) {
		super(message);
		this.name = 'MatrixHttpError';
	}
}

export class HomeserverUnreachableError extends Error {
	constructor(
		readonly baseUrl: string,
		cause: unknown
	) {
		super(
			`The homeserver at ${baseUrl} is not reachable (${cause instanceof Error ? cause.message : String(cause)}). Is it running? Start it with \`npm start\`.`
		);
		this.name = 'HomeserverUnreachableError';
	}
}

export type Query = Record<string, string | number | boolean | undefined>;

export class MatrixHttp {
	constructor(
		readonly baseUrl: string,
		public accessToken?: string
	) {}

	async request<T = unknown>(
		method: string,
		path: string,
		body?: unknown,
		query?: Query,
		token = this.accessToken
	): Promise<T> {
		const url = new URL(path, this.baseUrl);
		for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
		const headers: Record<string, string> = {};
		if (token) headers.authorization = `Bearer ${token}`;
		if (body !== undefined) headers['content-type'] = 'application/json';
		let res: Response;
		try {
			res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
		} catch (err) {
			throw new HomeserverUnreachableError(this.baseUrl, err);
		}
		const text = await res.text();
		let json: unknown = undefined;
		try {
			json = text ? JSON.parse(text) : {};
		} catch {
			json = { error: text };
		}
		if (!res.ok) {
			const err = (json ?? {}) as { errcode?: string; error?: string };
			throw new MatrixHttpError(res.status, err.errcode ?? 'M_UNKNOWN', err.error ?? `HTTP ${res.status}`, json);
		}
		return json as T;
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

export const enc = encodeURIComponent;
