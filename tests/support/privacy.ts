/**
 * Helpers for the privacy console's integration tests: call the real SvelteKit
 * endpoint handlers (src/routes/api/privacy/…) with a Request, as the browser
 * would, against the run's real Synapse; build cases with members; read the
 * Synapse database directly to check a purge.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { VENV_PYTHON } from '../../scripts/lib/paths.ts';
import { createUser, server, serviceClient, type TestUser } from './harness.ts';
import { openCase } from './cases.ts';
import { MatrixHttpError } from '../../src/lib/server/http.ts';
import type { Role } from '../../src/lib/directory/schema.ts';
import * as me from '../../src/routes/api/privacy/me/+server.ts';
import * as cases from '../../src/routes/api/privacy/cases/+server.ts';
import * as detail from '../../src/routes/api/privacy/cases/[roomId]/+server.ts';
import * as remove from '../../src/routes/api/privacy/cases/[roomId]/remove/+server.ts';
import * as review from '../../src/routes/api/privacy/cases/[roomId]/review-request/+server.ts';
import * as retention from '../../src/routes/api/privacy/cases/[roomId]/retention/+server.ts';
import * as del from '../../src/routes/api/privacy/cases/[roomId]/delete/+server.ts';
import * as audit from '../../src/routes/api/privacy/audit/+server.ts';
import * as report from '../../src/routes/api/privacy/report/+server.ts';
import * as figures from '../../src/routes/api/privacy/figures/+server.ts';

export const enc = encodeURIComponent;

/**
 * The endpoints read the service credential and the audit log location from the environment, as in production.
 * The tests change rooms outside the app and look at the overview at once, so the overview waits for a catch-up
 * on every request here (CASUS_OVERVIEW_MAX_AGE_SECONDS=0); privacy-index.test.ts tests the window itself.
 */
export function useTestHomeserver(): void {
	process.env.CASUS_DATA_DIR = server().dataDir;
	process.env.CASUS_OVERVIEW_MAX_AGE_SECONDS = '0';
}

export function auditFile(): string {
	return path.join(server().dataDir, 'audit', 'privacy-actions.jsonl');
}

type Handler = (event: never) => Promise<Response>;
export interface Endpoint {
	name: string;
	method: 'GET' | 'POST';
	handler: Handler;
	path: (roomId: string) => string;
	/** Whether any signed-in user may call it (otherwise privacy officers only). */
	anyUser?: boolean;
	body?: (roomId: string) => unknown;
}

export const ENDPOINTS: Endpoint[] = [
	{ name: 'me', method: 'GET', handler: me.GET as Handler, path: () => '/api/privacy/me', anyUser: true },
	// The overview pages (issue 15): asked about a room, it searches for that room ID.
	{
		name: 'overview',
		method: 'GET',
		handler: cases.GET as Handler,
		path: (r) => (r ? `/api/privacy/cases?q=${enc(r)}` : '/api/privacy/cases')
	},
	{ name: 'case', method: 'GET', handler: detail.GET as Handler, path: (r) => `/api/privacy/cases/${enc(r)}` },
	{ name: 'audit', method: 'GET', handler: audit.GET as Handler, path: () => '/api/privacy/audit' },
	{
		name: 'report',
		method: 'GET',
		handler: report.GET as Handler,
		path: () => '/api/privacy/report?from=2020-01-01&to=2030-12-31'
	},
	{
		name: 'report.csv',
		method: 'GET',
		handler: report.GET as Handler,
		path: () => '/api/privacy/report?from=2020-01-01&to=2030-12-31&format=csv'
	},
	{
		name: 'figures',
		method: 'GET',
		handler: figures.GET as Handler,
		path: () => '/api/privacy/figures?from=2020-01-01&to=2030-12-31'
	},
	{
		name: 'figures.csv',
		method: 'GET',
		handler: figures.GET as Handler,
		path: () => '/api/privacy/figures?from=2020-01-01&to=2030-12-31&format=csv'
	},
	{
		name: 'remove',
		method: 'POST',
		handler: remove.POST as Handler,
		path: (r) => `/api/privacy/cases/${enc(r)}/remove`,
		body: () => ({ user_id: '@nobody:localhost', reason: 'periodic-review' })
	},
	{
		name: 'review-request',
		method: 'POST',
		handler: review.POST as Handler,
		path: (r) => `/api/privacy/cases/${enc(r)}/review-request`,
		body: () => ({ reason: 'periodic-review' })
	},
	{
		name: 'retention',
		method: 'POST',
		handler: retention.POST as Handler,
		path: (r) => `/api/privacy/cases/${enc(r)}/retention`,
		body: () => ({ months: 24, reason: 'periodic-review' })
	},
	{
		name: 'delete',
		method: 'POST',
		handler: del.POST as Handler,
		path: (r) => `/api/privacy/cases/${enc(r)}/delete`,
		body: () => ({ reason: 'periodic-review', confirm_reference: 'X' })
	}
];

/** One endpoint of the console by its name (throws for a name that is not there). */
export function endpoint(name: string): Endpoint {
	const found = ENDPOINTS.find((e) => e.name === name);
	if (!found) throw new Error(`no privacy endpoint named ${name}`);
	return found;
}

export interface Reply {
	status: number;
	text: string;
	headers: Headers;
	json<T = Record<string, unknown>>(): T;
}

/** Calls an endpoint handler as SvelteKit would for `method path` with the given bearer token. */
export async function call(
	handler: Handler,
	method: string,
	urlPath: string,
	token?: string | null,
	body?: unknown
): Promise<Reply> {
	const url = new URL(urlPath, 'http://casusruimte.test');
	const headers: Record<string, string> = {};
	if (token) headers.authorization = `Bearer ${token}`;
	if (body !== undefined) headers['content-type'] = 'application/json';
	const request = new Request(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
	const roomId = /^\/api\/privacy\/cases\/([^/?]+)/.exec(url.pathname)?.[1];
	const response = await handler({
		request,
		url,
		params: roomId ? { roomId: decodeURIComponent(roomId) } : {}
	} as never);
	const text = await response.text();
	return { status: response.status, text, headers: response.headers, json: <T>() => JSON.parse(text) as T };
}

export function callEndpoint(e: Endpoint, roomId: string, token?: string | null, body?: unknown): Promise<Reply> {
	return call(e.handler, e.method, e.path(roomId), token, e.method === 'GET' ? undefined : (body ?? e.body?.(roomId)));
}

/** A user with a display name of our choosing (a canary), provisioned and signed in. */
export function createNamedUser(
	org: string,
	roles: Role[],
	displayName: string,
	prefix = org.toLowerCase()
): Promise<TestUser> {
	return createUser(org, roles, prefix, displayName);
}

/** Opens a case as `regiehouder` and has each of `members` invited by them and joined. */
export async function caseWithMembers(
	regiehouder: TestUser,
	members: TestUser[],
	overrides: Parameters<typeof openCase>[1] = {}
) {
	const created = await openCase(regiehouder, overrides);
	for (const m of members) {
		await regiehouder.http.post(`/_matrix/client/v3/rooms/${enc(created.roomId)}/invite`, {
			user_id: m.userId,
			reason: 'mdt-triage'
		});
		await m.http.post(`/_matrix/client/v3/rooms/${enc(created.roomId)}/join`, {});
	}
	return created;
}

export async function caseState(user: TestUser, roomId: string): Promise<Record<string, unknown>> {
	return user.http.get(`/_matrix/client/v3/rooms/${enc(roomId)}/state/nl.casusruimte.case/`);
}

/** Closes a case as its regiehouder, as the client's closeCase command does, with dates of our choosing. */
export async function closeCaseAt(
	regiehouder: TestUser,
	roomId: string,
	closedAt: string,
	retentionUntil: string
): Promise<void> {
	const current = await caseState(regiehouder, roomId);
	await regiehouder.http.put(`/_matrix/client/v3/rooms/${enc(roomId)}/state/nl.casusruimte.case/`, {
		...current,
		phase: 'closed',
		closed_at: closedAt,
		retention_until: retentionUntil
	});
}

/**
 * Closes a case as the service account with dates of our choosing: a case closed long ago. A member
 * cannot backdate a closure (the guard holds closed_at to the server's clock); the service may, and
 * only with a retention date inside the configured window.
 */
export async function closeCaseAsServiceAt(roomId: string, closedAt: string, retentionUntil: string): Promise<void> {
	const service = await serviceClient();
	const current = await service.getStateEvent(roomId, 'nl.casusruimte.case');
	await service.sendState(roomId, 'nl.casusruimte.case', '', {
		...current,
		phase: 'closed',
		closed_at: closedAt,
		retention_until: retentionUntil
	});
}

/**
 * Plants test data that the homeserver's guard module refuses when it is installed
 * (plaintext in case rooms, case state outside them): 'planted' or 'refused'.
 */
export async function attempt(run: () => Promise<unknown>): Promise<'planted' | 'refused'> {
	try {
		await run();
		return 'planted';
	} catch (err) {
		if (err instanceof MatrixHttpError && (err.status === 400 || err.status === 403)) return 'refused';
		throw err;
	}
}

/** Runs one SQL query against the test homeserver's SQLite database. */
export function synapseDb(sql: string, params: unknown[] = []): unknown[][] {
	const script = `
import json, sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
rows = conn.execute(sys.argv[2], json.loads(sys.argv[3])).fetchall()
print(json.dumps(rows, default=str))
`;
	const out = execFileSync(
		VENV_PYTHON,
		['-c', script, path.join(server().dataDir, 'homeserver.db'), sql, JSON.stringify(params)],
		{ encoding: 'utf8' }
	);
	return JSON.parse(out) as unknown[][];
}

/** Every table and column of the Synapse database whose text contains `needle`, with the number of rows. */
export function tablesMentioning(needle: string): { table: string; column: string; rows: number }[] {
	const script = `
import json, sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
needle = sys.argv[2]
hits = []
for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
    for col in conn.execute(f"PRAGMA table_info('{table}')").fetchall():
        try:
            n = conn.execute(f'SELECT count(*) FROM "{table}" WHERE instr(CAST("{col[1]}" AS TEXT), ?) > 0', (needle,)).fetchone()[0]
        except sqlite3.Error:
            continue
        if n:
            hits.append({"table": table, "column": col[1], "rows": n})
print(json.dumps(hits))
`;
	const out = execFileSync(VENV_PYTHON, ['-c', script, path.join(server().dataDir, 'homeserver.db'), needle], {
		encoding: 'utf8'
	});
	return JSON.parse(out) as { table: string; column: string; rows: number }[];
}

/**
 * What Synapse keeps of a purged room, by design: the bare room ID in blocked_rooms, the
 * state-delta stream (event IDs, types and state keys; no content, see the comment in
 * synapse/storage/databases/main/purge_events.py), the room's retention policy row
 * (element-hq/synapse#19367) and the finished delete task (removed after a week).
 */
export const PURGE_LEFTOVERS = ['blocked_rooms', 'current_state_delta_stream', 'room_retention', 'scheduled_tasks'];

/** Rows per table that still mention a room: the proof a purge really deleted it. */
export function roomRows(roomId: string): Record<string, number> {
	const tables = [
		'events',
		'event_json',
		'state_events',
		'current_state_events',
		'room_memberships',
		'rooms',
		'event_edges',
		'local_current_membership',
		'room_stats_state'
	];
	const out: Record<string, number> = {};
	for (const t of tables) out[t] = Number(synapseDb(`SELECT count(*) FROM ${t} WHERE room_id = ?`, [roomId])[0]![0]);
	return out;
}

export { serviceClient };
