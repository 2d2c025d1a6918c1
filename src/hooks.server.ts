import type { Handle, ServerInit } from '@sveltejs/kit';
import { env } from '$env/dynamic/public';
import { startRetentionSchedule } from '$lib/server/privacy/schedule.ts';

/** Server start: the daily retention job (src/lib/server/privacy/schedule.ts; CASUS_RETENTION_JOB_HOURS=0 turns it off). */
export const init: ServerInit = () => {
	startRetentionSchedule();
};

/**
 * Security headers on every response. SvelteKit writes the Content-Security-Policy
 * (svelte.config.js) with hashes for its own inline script; here we add the
 * homeserver's origin to connect-src, because it is deployment configuration.
 */
export const handle: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	const headers = response.headers;
	const csp = headers.get('content-security-policy');
	const homeserver = homeserverOrigin();
	if (csp && homeserver) {
		headers.set(
			'content-security-policy',
			csp.replace(/connect-src ([^;]*)/, (_m, sources: string) => `connect-src ${sources} ${homeserver}`)
		);
	}
	headers.set('x-content-type-options', 'nosniff');
	headers.set('x-frame-options', 'DENY');
	headers.set('referrer-policy', 'no-referrer');
	headers.set('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()');
	headers.set('cross-origin-opener-policy', 'same-origin');
	headers.set('cross-origin-resource-policy', 'same-origin');
	if (event.url.protocol === 'https:') headers.set('strict-transport-security', 'max-age=63072000; includeSubDomains');
	// Case data must not linger in shared caches or the back-forward cache of a shared workstation.
	if (!event.url.pathname.startsWith('/_app/immutable/')) headers.set('cache-control', 'no-store');
	return response;
};

function homeserverOrigin(): string | undefined {
	try {
		return env.PUBLIC_HOMESERVER_URL ? new URL(env.PUBLIC_HOMESERVER_URL).origin : undefined;
	} catch {
		return undefined;
	}
}
