/**
 * The browser's calls to the privacy console's server endpoints, with the
 * signed-in user's own Matrix token. The browser never holds any other
 * credential; the server checks the token and the privacy-officer role.
 */
import { goto } from '$app/navigation';
import { resolve } from '$app/paths';
import { loadSession } from '../matrix/session.ts';
import { requestJson } from '../http.ts';
import { Refusal } from '../refusal.ts';
import { app } from './app.svelte.ts';

/** A refusal of the console's API: the one refusal type. */
export { Refusal as PrivacyApiError };

function token(): string {
	const session = typeof localStorage === 'undefined' ? null : loadSession();
	if (!session) throw Refusal.fromBody(401, { errcode: 'M_MISSING_TOKEN' });
	return session.accessToken;
}

function request<T>(path: string, init: { method?: string; body?: unknown; raw?: boolean } = {}): Promise<T> {
	return requestJson<T>(path, { ...init, token: token() });
}

export function privacyGet<T>(path: string): Promise<T> {
	return request<T>(path);
}

export function privacyPost<T>(path: string, body: unknown): Promise<T> {
	return request<T>(path, { method: 'POST', body });
}

/**
 * Runs a console request from a page; when the server says the session is no
 * longer valid, the app forgets it and goes to the sign-in page.
 */
export async function signedIn<T>(run: () => Promise<T>): Promise<T> {
	try {
		return await run();
	} catch (err) {
		if (err instanceof Refusal && err.status === 401) {
			app.expire();
			// The sign-in page says the session expired (app.status).
			await goto(resolve('/login'));
		}
		throw err;
	}
}

let deletedNotice: string | null = null;

/** The case page says which case it deleted; the overview announces it once. */
export function announceDeleted(reference: string): void {
	deletedNotice = reference;
}
export function takeDeletedNotice(): string | null {
	const reference = deletedNotice;
	deletedNotice = null;
	return reference;
}

/** Fetches a CSV export with the token and hands it to the browser as a download. */
export async function downloadCsv(path: string, filename: string): Promise<void> {
	const blob = await (await request<Response>(path, { raw: true })).blob();
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
	// The layout and the sign-in page ask at the same moment: one request for both.
	if (asking?.userId !== session.userId) {
		const answer = askRole();
		asking = { userId: session.userId, answer };
		void answer.finally(() => {
			if (asking?.answer === answer) asking = null;
		});
	}
	return asking.answer;
}

let asking: { userId: string; answer: Promise<boolean> } | null = null;

async function askRole(): Promise<boolean> {
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
