/**
 * The browser's calls to the privacy console's server endpoints, with the
 * signed-in user's own Matrix token. The browser never holds any other
 * credential; the server checks the token and the privacy-officer role.
 */
import { loadSession } from '../matrix/session.ts';

export class PrivacyApiError extends Error {
	constructor(
		readonly status: number,
		readonly errcode: string,
		message: string
	) {
		super(message);
		this.name = 'PrivacyApiError';
	}
}

function token(): string {
	const session = typeof localStorage === 'undefined' ? null : loadSession();
	if (!session) throw new PrivacyApiError(401, 'M_MISSING_TOKEN', 'not signed in');
	return session.accessToken;
}

async function request(path: string, init: { method?: string; body?: unknown } = {}): Promise<Response> {
	let res: Response;
	try {
		res = await fetch(path, {
			method: init.method ?? 'GET',
			headers: {
				authorization: `Bearer ${token()}`,
				...(init.body === undefined ? {} : { 'content-type': 'application/json' })
			},
			body: init.body === undefined ? undefined : JSON.stringify(init.body)
		});
	} catch (err) {
		if (err instanceof PrivacyApiError) throw err;
		throw new PrivacyApiError(0, 'M_UNREACHABLE', 'unreachable');
	}
	if (!res.ok) {
		const body = (await res.json().catch(() => ({}))) as { errcode?: string; error?: string };
		throw new PrivacyApiError(res.status, body.errcode ?? 'M_UNKNOWN', body.error ?? `HTTP ${res.status}`);
	}
	return res;
}

export async function privacyGet<T>(path: string): Promise<T> {
	return (await request(path)).json() as Promise<T>;
}

export async function privacyPost<T>(path: string, body: unknown): Promise<T> {
	return (await request(path, { method: 'POST', body })).json() as Promise<T>;
}

/** Fetches a CSV export with the token and hands it to the browser as a download. */
export async function downloadCsv(path: string, filename: string): Promise<void> {
	const blob = await (await request(path)).blob();
	const url = URL.createObjectURL(blob);
	const a = document.createElement('a');
	a.href = url;
	a.download = filename;
	document.body.append(a);
	a.click();
	a.remove();
	setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export const caseApiPath = (roomId: string, action?: string) =>
	`/api/privacy/cases/${encodeURIComponent(roomId)}${action ? `/${action}` : ''}`;
export const casePagePath = (roomId: string) => `/privacy/cases/${encodeURIComponent(roomId)}`;

const ROLE_KEY = 'casusruimte.privacyOfficer';

/**
 * Whether the signed-in user is a privacy officer (the directory says so, the
 * server checks). Remembered for the browser tab so /cases does not ask each time.
 */
export async function isPrivacyOfficer(): Promise<boolean> {
	const session = typeof localStorage === 'undefined' ? null : loadSession();
	if (!session) return false;
	try {
		const cached = JSON.parse(sessionStorage.getItem(ROLE_KEY) ?? 'null') as {
			userId: string;
			officer: boolean;
		} | null;
		if (cached?.userId === session.userId) return cached.officer;
	} catch {
		// a damaged entry is the same as none
	}
	try {
		const me = await privacyGet<{ user_id: string; privacy_officer: boolean }>('/api/privacy/me');
		sessionStorage.setItem(ROLE_KEY, JSON.stringify({ userId: me.user_id, officer: me.privacy_officer }));
		return me.privacy_officer;
	} catch {
		// Unknown (server unreachable): the ordinary start page; the console itself checks again.
		return false;
	}
}

/** Where to go after signing in. */
export async function landingPage(): Promise<'/privacy' | '/cases'> {
	return (await isPrivacyOfficer()) ? '/privacy' : '/cases';
}
