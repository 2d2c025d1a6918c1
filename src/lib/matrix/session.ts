/**
 * Signing in and out against the homeserver, and keeping the session on this
 * device. Deliberately free of matrix-js-sdk so the sign-in page stays light;
 * the SDK and its crypto wasm load only after sign-in (client.ts).
 */

export interface Session {
	homeserverUrl: string;
	userId: string;
	deviceId: string;
	accessToken: string;
}

export type LoginFailure = 'invalid' | 'unreachable' | 'rate-limited' | 'unknown';

export class LoginError extends Error {
	constructor(
		readonly reason: LoginFailure,
		message: string
	) {
		super(message);
		this.name = 'LoginError';
	}
}

const SESSION_KEY = 'casusruimte.session';

export function loadSession(storage: Storage = localStorage): Session | null {
	const raw = storage.getItem(SESSION_KEY);
	if (!raw) return null;
	try {
		const s = JSON.parse(raw) as Partial<Session>;
		if (s.homeserverUrl && s.userId && s.deviceId && s.accessToken) return s as Session;
	} catch {
		// a damaged entry is the same as none
	}
	storage.removeItem(SESSION_KEY);
	return null;
}

export function saveSession(session: Session, storage: Storage = localStorage): void {
	storage.setItem(SESSION_KEY, JSON.stringify(session));
}

export interface LoginFlows {
	password: boolean;
	sso: boolean;
}

export async function loginFlows(homeserverUrl: string): Promise<LoginFlows> {
	try {
		const res = await fetch(new URL('/_matrix/client/v3/login', homeserverUrl));
		const body = (await res.json()) as { flows?: { type: string }[] };
		const types = new Set((body.flows ?? []).map((f) => f.type));
		return { password: types.has('m.login.password'), sso: types.has('m.login.sso') };
	} catch {
		return { password: true, sso: false };
	}
}

export function ssoRedirectUrl(homeserverUrl: string, returnTo: string): string {
	const url = new URL('/_matrix/client/v3/login/sso/redirect', homeserverUrl);
	url.searchParams.set('redirectUrl', returnTo);
	return url.toString();
}

/** Accepts "jansen" or "@jansen:server" as user name. */
export async function passwordLogin(homeserverUrl: string, username: string, password: string): Promise<Session> {
	let res: Response;
	try {
		res = await fetch(new URL('/_matrix/client/v3/login', homeserverUrl), {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({
				type: 'm.login.password',
				identifier: { type: 'm.id.user', user: username.trim() },
				password,
				initial_device_display_name: deviceDisplayName()
			})
		});
	} catch {
		throw new LoginError('unreachable', 'homeserver unreachable');
	}
	const body = (await res.json().catch(() => ({}))) as {
		user_id?: string;
		device_id?: string;
		access_token?: string;
		errcode?: string;
		error?: string;
	};
	if (res.ok && body.user_id && body.device_id && body.access_token) {
		return { homeserverUrl, userId: body.user_id, deviceId: body.device_id, accessToken: body.access_token };
	}
	if (res.status === 429) throw new LoginError('rate-limited', body.error ?? 'rate limited');
	if (res.status === 403 || res.status === 400) throw new LoginError('invalid', body.error ?? 'invalid credentials');
	throw new LoginError('unknown', body.error ?? `HTTP ${res.status}`);
}

/** Ends the session on the server (best effort) and forgets it here. */
export async function logout(session: Session, storage: Storage = localStorage): Promise<void> {
	try {
		await fetch(new URL('/_matrix/client/v3/logout', session.homeserverUrl), {
			method: 'POST',
			headers: { authorization: `Bearer ${session.accessToken}`, 'content-type': 'application/json' },
			body: '{}'
		});
	} catch {
		// offline: the token expires with the session lifetime anyway
	}
	storage.removeItem(SESSION_KEY);
}

function deviceDisplayName(): string {
	const ua = typeof navigator === 'undefined' ? '' : navigator.userAgent;
	const browser = /Firefox\//.test(ua)
		? 'Firefox'
		: /Edg\//.test(ua)
			? 'Edge'
			: /Chrom/.test(ua)
				? 'Chrome'
				: /Safari\//.test(ua)
					? 'Safari'
					: 'browser';
	return `Casusruimte (${browser})`;
}
