/**
 * Deleting a case really deletes it: after the privacy officer's delete (or the
 * retention job), the homeserver no longer knows the room and its events are
 * gone from the Synapse database. Members are removed first, with a reason their
 * clients see. Only closed cases past their retention can be deleted.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createUser, server, serviceClient, type TestUser } from '../support/harness.ts';
import {
	endpoint,
	PURGE_LEFTOVERS,
	attempt,
	auditFile,
	callEndpoint,
	caseWithMembers,
	closeCaseAt,
	closeCaseAsServiceAt,
	enc,
	roomRows,
	tablesMentioning,
	useTestHomeserver
} from '../support/privacy.ts';
import { roomExists } from '../../src/lib/server/privacy/homeserver.ts';
import { OverviewResponse } from '../../src/lib/privacy/schemas.ts';
import { DELETION_REASON } from '../../src/lib/server/privacy/retention.ts';
import { verifyChain } from '../../src/lib/server/privacy/audit.ts';
import { ROOT } from '../../scripts/lib/paths.ts';
import { instant as iso, DAY } from '../../src/lib/case/time.ts';

const ago = (days: number) => iso(Date.now() - days * DAY);

let officer: TestUser;
let csg: TestUser;
let vt: TestUser;

beforeAll(async () => {
	useTestHomeserver();
	officer = await createUser('CSG', ['privacy-officer'], 'po');
	csg = await createUser('CSG');
	vt = await createUser('VT');
});

interface SyncResponse {
	next_batch: string;
	rooms?: {
		join?: Record<string, unknown>;
		leave?: Record<
			string,
			{
				timeline?: {
					events: {
						type: string;
						state_key?: string;
						sender: string;
						content: { membership?: string; reason?: string };
					}[];
				};
			}
		>;
	};
}

describe('deleting a case', () => {
	it('refuses an open case, a case still within retention and a wrong confirmation', async () => {
		const { roomId, reference } = await caseWithMembers(csg, [vt], { first_report_at: ago(600) });
		const del = endpoint('delete');
		expect(
			(
				await callEndpoint(del, roomId, officer.accessToken, {
					reason: 'retention-expired',
					confirm_reference: reference
				})
			).status
		).toBe(403);
		// the regiehouder closes it now, keeping it 300 days
		await closeCaseAt(csg, roomId, iso(Date.now()), iso(Date.now() + 300 * DAY));
		expect(
			(
				await callEndpoint(del, roomId, officer.accessToken, {
					reason: 'retention-expired',
					confirm_reference: reference
				})
			).status
		).toBe(403);
		// a case closed long ago (only the service records that) and past retention, but confirmed wrongly
		const old = await caseWithMembers(csg, [vt], { first_report_at: ago(600) });
		await closeCaseAsServiceAt(old.roomId, ago(400), ago(35));
		expect(
			(
				await callEndpoint(del, old.roomId, officer.accessToken, {
					reason: 'retention-expired',
					confirm_reference: 'DH-2026-9999'
				})
			).status
		).toBe(400);
		expect(
			(await callEndpoint(del, old.roomId, officer.accessToken, { confirm_reference: old.reference })).status
		).toBe(400);
		for (const id of [roomId, old.roomId]) {
			expect(await roomExists(await serviceClient(), id)).toBe(true);
			expect(roomRows(id).events).toBeGreaterThan(0);
		}
	});

	it('purges a closed case past retention from the database, and its members see why they left', async () => {
		const { roomId, reference } = await caseWithMembers(csg, [vt], { first_report_at: ago(600) });
		const ciphertext = `AwgAEpAB${Math.random().toString(36).slice(2)}PurgeCanary`;
		await csg.http.put(`/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.encrypted/t1`, {
			algorithm: 'm.megolm.v1.aes-sha2',
			ciphertext,
			sender_key: 'PurgeSenderKey'.padEnd(43, 'A'),
			session_id: 'PurgeSession'.padEnd(43, 'A'),
			device_id: 'D'
		});
		expect(tablesMentioning(ciphertext).map((h) => h.table)).toContain('event_json');
		await closeCaseAsServiceAt(roomId, ago(400), ago(35));
		const before = roomRows(roomId);
		expect(before.events).toBeGreaterThan(5);
		// vt's client has synced up to now
		const first = await vt.http.get<SyncResponse>('/_matrix/client/v3/sync', { timeout: 0 });
		expect(Object.keys(first.rooms?.join ?? {})).toContain(roomId);

		const res = await callEndpoint(endpoint('delete'), roomId, officer.accessToken, {
			reason: 'retention-expired',
			confirm_reference: reference
		});
		expect(res.status, res.text).toBe(200);
		expect(res.json()).toEqual({ ok: true, action: 'delete-case', room_id: roomId, outcome: 'purged' });

		// Gone for the homeserver and gone from its database.
		expect(await roomExists(await serviceClient(), roomId)).toBe(false);
		expect(
			Object.values(roomRows(roomId)).every((n) => n === 0),
			JSON.stringify(roomRows(roomId))
		).toBe(true);
		// The whole database: the ciphertext is nowhere, and the room ID only where Synapse keeps bare metadata.
		expect(tablesMentioning(ciphertext)).toEqual([]);
		const leftovers = tablesMentioning(roomId);
		expect(
			leftovers.filter((h) => !PURGE_LEFTOVERS.includes(h.table)),
			JSON.stringify(leftovers)
		).toEqual([]);
		// Gone for the members.
		for (const u of [csg, vt]) {
			const joined = await u.http.get<{ joined_rooms: string[] }>('/_matrix/client/v3/joined_rooms');
			expect(joined.joined_rooms).not.toContain(roomId);
			await expect(u.http.get(`/_matrix/client/v3/rooms/${enc(roomId)}/state`)).rejects.toMatchObject({ status: 403 });
		}
		// What an offline member's client sees on its next sync: nothing about the room at all (the
		// purge removed the leave too), so clients reconcile their local cases with /joined_rooms.
		// A client syncing during the deletion receives the removal with the deletion notice.
		const next = await vt.http.get<SyncResponse>('/_matrix/client/v3/sync', { since: first.next_batch, timeout: 0 });
		expect(Object.keys(next.rooms?.join ?? {})).not.toContain(roomId);
		const left = next.rooms?.leave?.[roomId]?.timeline?.events.find(
			(e) => e.type === 'm.room.member' && e.state_key === vt.userId
		);
		if (left) expect(left.content).toMatchObject({ membership: 'leave', reason: DELETION_REASON });
		// The overview no longer lists it; the case page says it does not exist.
		const overview = OverviewResponse.parse(
			(await callEndpoint(endpoint('overview'), roomId, officer.accessToken)).json()
		);
		expect(overview.matched).toBe(0);
		expect(overview.cases.map((c) => c.room_id)).not.toContain(roomId);
		expect((await callEndpoint(endpoint('case'), roomId, officer.accessToken)).status).toBe(404);
		// The audit log has the request and the confirmed outcome, in an intact chain.
		const text = readFileSync(auditFile(), 'utf8');
		expect(verifyChain(text).ok).toBe(true);
		const lines = text
			.trim()
			.split('\n')
			.map(
				(l) => JSON.parse(l) as { action: string; room_id: string; outcome: string; actor: string; reference: string }
			);
		const mine = lines.filter((l) => l.room_id === roomId && l.action === 'delete-case');
		expect(mine.map((l) => l.outcome)).toEqual(['started', 'purged']);
		expect(mine[1]).toMatchObject({ actor: officer.userId, reference });
	});
});

describe('the retention job', () => {
	function retentionCommand(args: string[]): {
		due: { room_id: string }[];
		refused: { room_id: string; problem: string }[];
		deleted: { room_id: string }[];
		failed: unknown[];
	} {
		const out = execFileSync('npx', ['tsx', 'scripts/retention.ts', '--json', ...args], {
			cwd: ROOT,
			encoding: 'utf8',
			env: { ...process.env, CASUS_DATA_DIR: server().dataDir }
		});
		return JSON.parse(out);
	}

	it('lists due cases in a dry run without touching them, then deletes exactly those', async () => {
		const due1 = await caseWithMembers(csg, [vt], { first_report_at: ago(600) });
		const due2 = await caseWithMembers(csg, [], { first_report_at: ago(600) });
		const kept = await caseWithMembers(csg, [vt], { first_report_at: ago(600) });
		const open = await caseWithMembers(csg, [], { first_report_at: ago(600) });
		// closed long ago: recorded by the service (a member's closure is dated now)
		await closeCaseAsServiceAt(due1.roomId, ago(500), ago(100));
		await closeCaseAsServiceAt(due2.roomId, ago(400), ago(1));
		await closeCaseAsServiceAt(kept.roomId, ago(400), iso(Date.now() + DAY));

		const dry = retentionCommand(['--dry-run']);
		const dueIds = dry.due.map((d) => d.room_id);
		expect(dueIds).toEqual(expect.arrayContaining([due1.roomId, due2.roomId]));
		expect(dueIds).not.toContain(kept.roomId);
		expect(dueIds).not.toContain(open.roomId);
		expect(dry.deleted).toEqual([]);
		for (const r of [due1, due2]) expect(roomRows(r.roomId).events).toBeGreaterThan(0);

		const real = retentionCommand([]);
		expect(real.deleted.map((d) => d.room_id).sort()).toEqual([...dueIds].sort());
		expect(real.failed).toEqual([]);
		for (const r of [due1, due2]) {
			expect(Object.values(roomRows(r.roomId)).every((n) => n === 0)).toBe(true);
			expect(await roomExists(await serviceClient(), r.roomId)).toBe(false);
		}
		for (const r of [kept, open]) expect(roomRows(r.roomId).events).toBeGreaterThan(0);
		const lines = readFileSync(auditFile(), 'utf8')
			.trim()
			.split('\n')
			.map((l) => JSON.parse(l) as { actor: string; room_id: string; outcome: string });
		expect(lines.filter((l) => l.room_id === due1.roomId).map((l) => [l.actor, l.outcome])).toEqual([
			['system:retention-job', 'started'],
			['system:retention-job', 'purged']
		]);
		// Nothing left to do.
		expect(retentionCommand(['--dry-run']).due).toEqual([]);
	});

	it('refuses to purge a case whose dates break the rules, and flags it for the privacy officer', async () => {
		// One member closes a case so that it is "due" at once: retention a day after closure (below the
		// minimum), a closure before the first report, or a closure in the future.
		const early = await caseWithMembers(csg, [vt], { first_report_at: ago(600) });
		const beforeReport = await caseWithMembers(csg, [vt]);
		const legit = await caseWithMembers(csg, [], { first_report_at: ago(600) });
		const planted = {
			early: await attempt(() => closeCaseAt(csg, early.roomId, ago(400), ago(399))),
			beforeReport: await attempt(() => closeCaseAt(csg, beforeReport.roomId, ago(400), ago(35)))
		};
		// the guard refuses a member's backdated closure; a closure now is the member's legitimate act
		expect(planted).toEqual({ early: 'refused', beforeReport: 'refused' });
		const now = await caseWithMembers(csg, [], { first_report_at: ago(600) });
		await closeCaseAt(csg, now.roomId, iso(Date.now()), iso(Date.now() + 60 * DAY));
		// The service is not held to the clock (it records old closures), only to the retention window: a
		// closure before the first report gets in that way, and the job must still refuse it.
		await expect(attempt(() => closeCaseAsServiceAt(early.roomId, ago(400), ago(399)))).resolves.toBe('refused');
		await closeCaseAsServiceAt(beforeReport.roomId, ago(400), ago(35));
		await closeCaseAsServiceAt(legit.roomId, ago(400), ago(2));
		const dry = retentionCommand(['--dry-run']);
		const refusedIds = dry.refused.map((r) => r.room_id);
		expect(dry.refused).toContainEqual(
			expect.objectContaining({ room_id: beforeReport.roomId, problem: 'closed-before-first-report' })
		);
		expect(refusedIds).not.toContain(early.roomId); // still open
		expect(dry.due.map((d) => d.room_id)).toEqual([legit.roomId]);
		const real = retentionCommand([]);
		expect(real.deleted.map((d) => d.room_id)).toEqual([legit.roomId]);
		for (const r of [early, beforeReport]) expect(await roomExists(await serviceClient(), r.roomId)).toBe(true);
		for (const id of refusedIds) {
			const overview = OverviewResponse.parse(
				(await callEndpoint(endpoint('overview'), id, officer.accessToken)).json()
			);
			const c = overview.cases.find((x) => x.room_id === id)!;
			expect(c.flags).toContainEqual({ code: 'retention_dates_invalid' });
			expect(c.deletable).toBe(false);
		}
		const lines = readFileSync(auditFile(), 'utf8')
			.trim()
			.split('\n')
			.map((l) => JSON.parse(l) as { action: string; room_id: string; actor: string; reason: string });
		for (const id of refusedIds)
			expect(lines.filter((l) => l.room_id === id && l.action === 'retention-refused').at(-1)).toMatchObject({
				actor: 'system:retention-job',
				reason: 'retention-policy'
			});
		// nor can the officer delete it
		expect(
			(
				await callEndpoint(endpoint('delete'), beforeReport.roomId, officer.accessToken, {
					reason: 'retention-expired',
					confirm_reference: beforeReport.reference
				})
			).status
		).toBe(403);
	});
});
