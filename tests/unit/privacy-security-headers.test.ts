/**
 * Static files carry the same security headers as the pages: the server entry
 * (scripts/serve.js) wraps adapter-node's handler, which serves static files
 * before the SvelteKit hooks run, without any of these headers. Here the same
 * wrapper runs around a plain file server over static/, on a real HTTP server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import svelteConfig from '../../svelte.config.js';
import {
	CSP_DIRECTIVES,
	homeserverOrigin,
	securityHeaders,
	staticCsp,
	withSecurityHeaders
} from '../../src/lib/server/security-headers.js';

let server: http.Server;
let base: string;

beforeAll(async () => {
	// Like adapter-node's static handler: the file as it is, no headers of its own beyond the type.
	const serveStatic = (req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => {
		const name = (req.url ?? '/').slice(1);
		if (!/^[a-z0-9.-]+$/i.test(name) || !existsSync(`static/${name}`)) return next();
		res.setHeader('content-type', name.endsWith('.svg') ? 'image/svg+xml' : 'application/octet-stream');
		res.end(readFileSync(`static/${name}`));
	};
	server = http.createServer(
		withSecurityHeaders(serveStatic, {
			https: false,
			homeserver: homeserverOrigin('http://localhost:8008/')
		})
	);
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('security headers', () => {
	it('the static CSP is the page CSP of svelte.config.js, with the homeserver in connect-src', () => {
		const configured = svelteConfig.kit!.csp!.directives! as Record<string, string[]>;
		const unquote = (s: string) => s.replace(/^'|'$/g, '');
		expect(Object.keys(CSP_DIRECTIVES).sort()).toEqual(Object.keys(configured).sort());
		for (const [name, sources] of Object.entries(CSP_DIRECTIVES))
			expect(sources.map(unquote), name).toEqual(configured[name]);
		expect(staticCsp('http://localhost:8008')).toContain("connect-src 'self' http://localhost:8008");
		expect(staticCsp(undefined)).toContain("frame-ancestors 'none'");
		expect(securityHeaders({ https: true })['strict-transport-security']).toMatch(/max-age=/);
		expect(securityHeaders({ https: false })['strict-transport-security']).toBeUndefined();
	});

	it('a static file is served as it is, with every header the pages carry', async () => {
		const res = await fetch(`${base}/favicon.svg`);
		expect(res.status).toBe(200);
		expect(await res.text()).toBe(readFileSync('static/favicon.svg', 'utf8'));
		expect(res.headers.get('content-security-policy')).toBe(staticCsp('http://localhost:8008'));
		expect(res.headers.get('x-content-type-options')).toBe('nosniff');
		expect(res.headers.get('x-frame-options')).toBe('DENY');
		expect(res.headers.get('referrer-policy')).toBe('no-referrer');
		expect(res.headers.get('permissions-policy')).toMatch(/camera=\(\)/);
		expect(res.headers.get('cross-origin-resource-policy')).toBe('same-origin');
	});

	it('so does a file that is not there', async () => {
		const res = await fetch(`${base}/nope.js`);
		expect(res.status).toBe(404);
		expect(res.headers.get('x-content-type-options')).toBe('nosniff');
		expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
	});
});
