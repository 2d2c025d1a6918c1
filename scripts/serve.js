/**
 * The web app's server: adapter-node's request handler (build/handler.js) behind
 * the security headers, so static files carry the same headers as the pages
 * (adapter-node serves them before src/hooks.server.ts runs). Environment as for
 * build/index.js: PORT, HOST, ORIGIN, PUBLIC_HOMESERVER_URL, CASUS_*.
 *
 *   node scripts/serve.js        (after `npm run build`)
 */
import http from 'node:http';
import { homeserverOrigin, withSecurityHeaders } from '../src/lib/server/security-headers.js';

const { handler } = await import(new URL('../build/handler.js', import.meta.url).href);
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '0.0.0.0';
const server = http.createServer(
	withSecurityHeaders(handler, {
		https: (process.env.ORIGIN ?? '').startsWith('https:'),
		homeserver: homeserverOrigin(process.env.PUBLIC_HOMESERVER_URL)
	})
);
server.listen(port, host, () => console.log(`Listening on http://${host}:${port}`));

function shutdown() {
	server.close(() => process.exit(0));
	setTimeout(() => process.exit(0), 5_000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
