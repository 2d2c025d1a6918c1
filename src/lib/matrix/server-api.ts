/**
 * The browser's client for the web app's own server endpoints (src/routes/api),
 * which act as the service account: opening a case and handing over regie.
 * On the one HTTP client (src/lib/http.ts): a refusal arrives as a Refusal.
 */
import type { CaseServerApi } from './outbox.ts';
import { JsonClient } from '../http.ts';
import { Refusal } from '../refusal.ts';

/**
 * The app API's refusal: the one refusal type, with `httpStatus` for the
 * outbox's classification of transient and permanent failures.
 */
export class ServerApiError extends Refusal {
	get httpStatus() {
		return this.status;
	}
}

function serverApiError(status: number, body: unknown): ServerApiError {
	const r = Refusal.fromBody(status, body);
	return new ServerApiError(r.code, r.text, status);
}

export class HttpCaseServerApi implements CaseServerApi {
	private readonly http: JsonClient;

	constructor(accessToken: () => string, base = '') {
		this.http = new JsonClient(base, accessToken, {
			onError: serverApiError,
			// No status: the outbox treats it as transient and tries again (network down, connection refused).
			onUnreachable: (cause) => (cause instanceof Error ? cause : new Error(String(cause)))
		});
	}

	private post<T>(path: string, body: unknown): Promise<T> {
		return this.http.post<T>(path, body);
	}

	createCase(input: unknown) {
		return this.post<{ roomId: string; reference: string }>('/api/cases', input);
	}

	handover(roomId: string, input: { to: string; deputy: string | null }) {
		return this.post(`/api/cases/${encodeURIComponent(roomId)}/regie`, input);
	}
}
