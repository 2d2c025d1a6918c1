/**
 * The browser's client for the web app's own server endpoints (src/routes/api),
 * which act as the service account: opening a case and handing over regie.
 */
import type { CaseServerApi } from './outbox.ts';

export class ServerApiError extends Error {
	constructor(
		readonly status: number,
		readonly errcode: string,
		message: string
	) {
		super(message);
		this.name = 'ServerApiError';
	}
	get httpStatus() {
		return this.status;
	}
}

export class HttpCaseServerApi implements CaseServerApi {
	constructor(
		private readonly accessToken: () => string,
		private readonly base = ''
	) {}

	private async post<T>(path: string, body: unknown): Promise<T> {
		const res = await fetch(`${this.base}${path}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', authorization: `Bearer ${this.accessToken()}` },
			body: JSON.stringify(body)
		});
		const json = (await res.json().catch(() => ({}))) as { errcode?: string; error?: string };
		if (!res.ok) throw new ServerApiError(res.status, json.errcode ?? 'M_UNKNOWN', json.error ?? `HTTP ${res.status}`);
		return json as T;
	}

	createCase(input: unknown) {
		return this.post<{ roomId: string; reference: string }>('/api/cases', input);
	}

	handover(roomId: string, input: { to: string; deputy: string | null }) {
		return this.post(`/api/cases/${encodeURIComponent(roomId)}/regie`, input);
	}
}
