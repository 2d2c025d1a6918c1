/**
 * The one HTTP client (src/lib/http.ts) and the server's Matrix client on it:
 * JSON and the bearer token out, every error back as the one refusal type.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { JsonClient, requestJson } from '../../src/lib/http.ts';
import { Refusal, refusal } from '../../src/lib/refusal.ts';
import { HomeserverUnreachableError, MatrixHttp, MatrixHttpError } from '../../src/lib/server/http.ts';

let server: http.Server;
let base: string;
const seen: { auth?: string; type?: string; body?: string }[] = [];

beforeAll(async () => {
	server = http.createServer((req, res) => {
		let body = '';
		req.on('data', (c) => (body += c));
		req.on('end', () => {
			seen.push({ auth: req.headers.authorization, type: req.headers['content-type'], body });
			const send = (status: number, json: unknown) => {
				res.writeHead(status, { 'content-type': 'application/json' });
				res.end(JSON.stringify(json));
			};
			if (req.url === '/ok?x=1') return send(200, { ok: true });
			if (req.url === '/ours')
				return send(403, refusal('closed', 'Deze casus is afgesloten.', 'This case is closed.').toBody());
			if (req.url === '/matrix') return send(429, { errcode: 'M_LIMIT_EXCEEDED', error: 'Too many requests' });
			res.writeHead(502);
			res.end('Bad gateway');
		});
	});
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('the one HTTP client', () => {
	it('sends JSON with the bearer token and returns the JSON', async () => {
		const client = new JsonClient(base, () => 'tok');
		expect(await client.post('/ok', { a: 1 }, { x: 1 })).toEqual({ ok: true });
		expect(seen.at(-1)).toEqual({ auth: 'Bearer tok', type: 'application/json', body: '{"a":1}' });
	});

	it('reads our refusal back whole, in nl and en', async () => {
		const err = await requestJson(`${base}/ours`).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(Refusal);
		expect(err).toMatchObject({ code: 'closed', status: 403, text: { nl: 'Deze casus is afgesloten.' } });
	});

	it('turns a Matrix error, a bare 502 and an unreachable server into refusals', async () => {
		expect(await requestJson(`${base}/matrix`).catch((e: unknown) => e)).toMatchObject({
			code: 'rate-limited',
			status: 429
		});
		expect(await requestJson(`${base}/else`).catch((e: unknown) => e)).toMatchObject({ code: 'unavailable' });
		expect(await requestJson('http://127.0.0.1:1/').catch((e: unknown) => e)).toMatchObject({
			code: 'unavailable',
			status: 0
		});
	});

	it("the server's Matrix client keeps the homeserver's errcode and says when it is not running", async () => {
		const err = await new MatrixHttp(base, 'tok').get('/matrix').catch((e: unknown) => e);
		expect(err).toBeInstanceOf(MatrixHttpError);
		expect(err).toBeInstanceOf(Refusal);
		expect(err).toMatchObject({ status: 429, errcode: 'M_LIMIT_EXCEEDED', message: 'Too many requests' });
		await expect(new MatrixHttp('http://127.0.0.1:1').get('/x')).rejects.toBeInstanceOf(HomeserverUnreachableError);
	});
});
