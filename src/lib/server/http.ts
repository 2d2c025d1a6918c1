/**
 * A minimal Matrix client-server and Admin API client for server-side code
 * (the service account, the admin command, the privacy console's backend), on
 * the one HTTP client (src/lib/http.ts). No crypto, no sync. The browser never
 * uses this module.
 *
 * Errors are of the one refusal type: MatrixHttpError is a Refusal that also
 * keeps the homeserver's own errcode and body for the server's decisions.
 */
import { JsonClient } from '../http.ts';
import { Refusal } from '../refusal.ts';

export class MatrixHttpError extends Refusal {
	constructor(
		status: number,
		/** The homeserver's errcode (M_FORBIDDEN, M_LIMIT_EXCEEDED, …). */
		readonly matrixErrcode: string,
		message: string,
		readonly body: unknown = undefined
	) {
		const r = Refusal.fromBody(status, body ?? { errcode: matrixErrcode, error: message });
		super(r.code, r.text, status);
		this.message = message;
	}

	override get errcode(): string {
		return this.matrixErrcode;
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

function matrixError(status: number, body: unknown): MatrixHttpError {
	const b = (body ?? {}) as { errcode?: unknown; error?: unknown };
	return new MatrixHttpError(
		status,
		typeof b.errcode === 'string' ? b.errcode : 'M_UNKNOWN',
		typeof b.error === 'string' ? b.error : `HTTP ${status}`,
		body
	);
}

export class MatrixHttp extends JsonClient {
	constructor(baseUrl: string, accessToken?: string) {
		super(baseUrl, accessToken, {
			onError: matrixError,
			onUnreachable: (cause) => new HomeserverUnreachableError(baseUrl, cause)
		});
	}

	get accessToken(): string | undefined {
		return typeof this.token === 'string' ? this.token : undefined;
	}
	set accessToken(token: string | undefined) {
		this.token = token;
	}
}

export const enc = encodeURIComponent;
