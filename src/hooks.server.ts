import type { Handle, ServerInit } from '@sveltejs/kit';
import { env } from '$env/dynamic/public';
import { homeserverOrigin, securityHeaders } from '$lib/server/security-headers.js';
import { startAuthoritySchedule, startRetentionSchedule } from '$lib/server/privacy/schedule.ts';

/**
 * Server start (src/lib/server/privacy/schedule.ts): the daily retention job
 * (CASUS_RETENTION_JOB_HOURS=0 turns it off) and the authority check that keeps
 * the power in case rooms in line with the directory (CASUS_AUTHORITY_MINUTES).
 */
export const init: ServerInit = () => {
	startRetentionSchedule();
	startAuthoritySchedule();
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
	const homeserver = homeserverOrigin(env.PUBLIC_HOMESERVER_URL);
	if (csp && homeserver) {
		headers.set(
			'content-security-policy',
			csp.replace(/connect-src ([^;]*)/, (_m, sources: string) => `connect-src ${sources} ${homeserver}`)
		);
	}
	for (const [name, value] of Object.entries(securityHeaders({ https: event.url.protocol === 'https:' })))
		headers.set(name, value);
	// Case data must not linger in shared caches or the back-forward cache of a shared workstation.
	if (!event.url.pathname.startsWith('/_app/immutable/')) headers.set('cache-control', 'no-store');
	return response;
};
