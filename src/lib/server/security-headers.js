/**
 * The security headers of every response of the web app, pages and static files
 * alike. The pages get them in src/hooks.server.ts (where SvelteKit's own CSP,
 * with hashes for its inline bootstrap, is extended with the homeserver); the
 * static files, which adapter-node serves before the hooks run, get them from the
 * server entry (scripts/serve.js). Plain JavaScript, so that entry runs on Node
 * without a build step.
 */

/** The page CSP's directives, as in svelte.config.js (a unit test keeps the two equal). */
export const CSP_DIRECTIVES = {
	'default-src': ["'self'"],
	'script-src': ["'self'", "'wasm-unsafe-eval'"],
	'style-src': ["'self'", "'unsafe-inline'"],
	'img-src': ["'self'", 'data:', 'blob:'],
	'font-src': ["'self'"],
	'connect-src': ["'self'"],
	'worker-src': ["'self'", 'blob:'],
	'object-src': ["'none'"],
	'base-uri': ["'self'"],
	'form-action': ["'self'"],
	'frame-ancestors': ["'none'"]
};

/**
 * The homeserver's origin from PUBLIC_HOMESERVER_URL, or undefined.
 * @param {string | undefined} url
 * @returns {string | undefined}
 */
export function homeserverOrigin(url) {
	try {
		return url ? new URL(url).origin : undefined;
	} catch {
		return undefined;
	}
}

/**
 * The CSP for a response that SvelteKit did not write (a static file): the page
 * policy, with the homeserver in connect-src.
 * @param {string | undefined} homeserver the homeserver's origin
 * @returns {string}
 */
export function staticCsp(homeserver) {
	return Object.entries(CSP_DIRECTIVES)
		.map(([name, sources]) =>
			[name, ...sources, ...(name === 'connect-src' && homeserver ? [homeserver] : [])].join(' ')
		)
		.join('; ');
}

/**
 * Every header but the CSP, for every response.
 * @param {{ https: boolean }} opts
 * @returns {Record<string, string>}
 */
export function securityHeaders({ https }) {
	/** @type {Record<string, string>} */
	const headers = {
		'x-content-type-options': 'nosniff',
		'x-frame-options': 'DENY',
		'referrer-policy': 'no-referrer',
		'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()',
		'cross-origin-opener-policy': 'same-origin',
		'cross-origin-resource-policy': 'same-origin'
	};
	if (https) headers['strict-transport-security'] = 'max-age=63072000; includeSubDomains';
	return headers;
}

/**
 * Wraps a Node request handler (adapter-node's build/handler.js) so that every
 * response, static files included, carries the security headers. They are set
 * before the handler runs; SvelteKit's page responses set their own (the CSP with
 * hashes) on top.
 * @param {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, next: () => void) => void} handler
 * @param {{ https: boolean, homeserver?: string }} opts
 * @returns {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void}
 */
export function withSecurityHeaders(handler, opts) {
	const headers = { ...securityHeaders(opts), 'content-security-policy': staticCsp(opts.homeserver) };
	return (req, res) => {
		for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
		handler(req, res, () => {
			res.statusCode = 404;
			res.setHeader('content-type', 'text/plain; charset=utf-8');
			res.end('Not found');
		});
	};
}
