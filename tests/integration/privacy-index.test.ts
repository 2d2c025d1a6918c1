/**
 * The privacy console's room index follows the homeserver incrementally: a new
 * case, a membership change, a closure and a deletion (by the app, or a purge
 * without it) show in the overview after one catch-up, without reading every
 * room's state again; a restart resumes from the saved sync token; and the
 * retention job reads the same index.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createUser, serviceClient, type TestUser } from '../support/harness.ts';
import {
	endpoint,
	call,
	callEndpoint,
	caseWithMembers,
	closeCaseAsServiceAt,
	enc,
	useTestHomeserver
} from '../support/privacy.ts';
import { openCase } from '../support/cases.ts';
import { OverviewResponse } from '../../src/lib/privacy/schemas.ts';
import { privacyService } from '../../src/lib/server/runtime.ts';
import { RoomIndex } from '../../src/lib/server/privacy/room-index.ts';
import { dueCases } from '../../src/lib/server/privacy/retention.ts';
import { purgeRoom } from '../../src/lib/server/privacy/homeserver.ts';
import { privacySettings } from '../../src/lib/server/privacy/settings.ts';
import { PrivacyService } from '../../src/lib/server/privacy/service.ts';
import { eventually } from '../support/eventually.ts';
import { instant as iso, DAY } from '../../src/lib/case/time.ts';

let officer: TestUser;
let csg: TestUser;
let vt: TestUser;

beforeAll(async () => {
	useTestHomeserver();
	officer = await createUser('CSG', ['privacy-officer'], 'po');
	csg = await createUser('CSG');
	vt = await createUser('VT');
});

/** The overview's first page, or the search for one room (the overview pages, issue 15). */
async function overview(roomId = ''): Promise<OverviewResponse> {
	const res = await callEndpoint(endpoint('overview'), roomId, officer.accessToken);
	expect(res.status, res.text).toBe(200);
	return OverviewResponse.parse(res.json());
}
const listed = async (roomId: string) => (await overview(roomId)).cases.find((c) => c.room_id === roomId);

describe('the privacy index', () => {
	it('lists a new case, follows membership and closure, without reading every room again', async () => {
		await overview(); // the index is built (initial sync) and swept once
		const index = (await privacyService()).index;
		const reads = index.stats.stateReads;

		const { roomId, reference } = await openCase(csg, { first_report_at: iso(Date.now() - 30 * DAY) });
		expect(await listed(roomId)).toMatchObject({ reference, member_count: 1, phase: 'first_contact' });

		await csg.http.post(`/_matrix/client/v3/rooms/${enc(roomId)}/invite`, { user_id: vt.userId, reason: 'mdt-triage' });
		expect((await listed(roomId))!.members_by_org).toContainEqual({ org: 'VT', joined: 0, invited: 1 });
		await vt.http.post(`/_matrix/client/v3/rooms/${enc(roomId)}/join`, {});
		expect(await listed(roomId)).toMatchObject({ member_count: 2 });
		await vt.http.post(`/_matrix/client/v3/rooms/${enc(roomId)}/leave`, {});
		expect(await listed(roomId)).toMatchObject({ member_count: 1 });

		await closeCaseAsServiceAt(roomId, iso(Date.now() - 2 * DAY), iso(Date.now() + 400 * DAY));
		expect(await listed(roomId)).toMatchObject({ phase: 'closed' });

		// Every change came through the service's sync: no room's state was read for it.
		expect(index.stats.stateReads).toBe(reads);
		// The file holds membership codes only, never a display name, and is the server's alone.
		const file = privacySettings().indexFile!;
		index.flush(); // saving is debounced (2 s); the test does not wait for the timer
		expect(existsSync(file)).toBe(true);
		expect(statSync(file).mode & 0o777).toBe(0o600);
		const saved = readFileSync(file, 'utf8');
		expect(saved).toContain(roomId);
		expect(saved).not.toContain('displayname');
	});

	it('drops a case the app deletes at once, and one purged without the app on the next catch-up', async () => {
		const privacy = await privacyService();
		const viaApp = await caseWithMembers(csg, [], { first_report_at: iso(Date.now() - 800 * DAY) });
		const outside = await openCase(csg);
		expect(await listed(viaApp.roomId)).toBeDefined();
		expect(await listed(outside.roomId)).toBeDefined();

		// Closed long ago, retention over: the officer deletes it through the console.
		await closeCaseAsServiceAt(viaApp.roomId, iso(Date.now() - 750 * DAY), iso(Date.now() - 20 * DAY));
		const del = await callEndpoint(endpoint('delete'), viaApp.roomId, officer.accessToken, {
			reason: 'retention-expired',
			confirm_reference: viaApp.reference
		});
		expect(del.status, del.text).toBe(200);
		expect(privacy.index.entry(viaApp.roomId)).toBeUndefined();
		expect(await listed(viaApp.roomId)).toBeUndefined();

		// An operator purges a room with the Admin API: the room count changes, the index sweeps.
		const sweeps = privacy.index.stats.sweeps;
		await purgeRoom(await serviceClient(), outside.roomId);
		expect(await listed(outside.roomId)).toBeUndefined();
		expect(privacy.index.stats.sweeps).toBeGreaterThan(sweeps);
		// A count that matches again needs no sweep.
		const after = privacy.index.stats.sweeps;
		await overview();
		expect(privacy.index.stats.sweeps).toBe(after);
	});

	it('resumes from its saved sync token after a restart, and the retention job reads it', async () => {
		const privacy = await privacyService();
		await overview();
		privacy.index.flush();
		const due = await caseWithMembers(csg, [], { first_report_at: iso(Date.now() - 800 * DAY) });
		await closeCaseAsServiceAt(due.roomId, iso(Date.now() - 750 * DAY), iso(Date.now() - 20 * DAY));

		// A second process (the retention command) starts from the file: it syncs from the token, no full read.
		const settings = privacySettings();
		const restarted = new RoomIndex(privacy.service, { file: settings.indexFile, sweepMinutes: 0 });
		const found = await dueCases(restarted, settings.retention);
		expect(found.due.map((c) => c.room_id)).toContain(due.roomId);
		expect(restarted.stats).toMatchObject({ stateReads: 0 });

		// Without the file it builds anew (the token, then every room through the Admin API) and finds the same.
		const fresh = new RoomIndex(privacy.service, { file: null, sweepMinutes: 0 });
		expect((await dueCases(fresh, settings.retention)).due.map((c) => c.room_id)).toContain(due.roomId);
	});
});

describe('the overview pages on the server (issue 15)', () => {
	const get = async (search: string) => {
		const res = await call(endpoint('overview').handler, 'GET', `/api/privacy/cases${search}`, officer.accessToken);
		return { status: res.status, body: res.status === 200 ? OverviewResponse.parse(res.json()) : null, text: res.text };
	};

	it('answers one page, most urgent signals first, with counts per region and filter, and searches', async () => {
		const before = (await get('?region=FL')).body!;
		const opened = [];
		for (let i = 0; i < 3; i++) opened.push(await openCase(csg, { region: 'FL' }));
		const unled = await openCase(csg, { region: 'FL' });
		await csg.http.post(`/_matrix/client/v3/rooms/${enc(unled.roomId)}/leave`, {}); // no regiehouder: a signal

		const first = (await get('?region=FL&limit=2')).body!;
		expect(first.matched).toBe(before.matched + 4);
		expect(first.cases).toHaveLength(2);
		const region = first.counts.regions.find((r) => r.region === 'FL')!;
		const regionBefore = before.counts.regions.find((r) => r.region === 'FL') ?? { cases: 0, flagged: 0 };
		expect(region).toMatchObject({ cases: regionBefore.cases + 4, flagged: regionBefore.flagged + 1 });
		expect(first.counts.all).toBeGreaterThanOrEqual(first.matched);

		// Every page of the region in turn: each case once, the flagged ones before the rest.
		const all: OverviewResponse['cases'] = [];
		for (let offset = 0; offset < first.matched; offset += 2)
			all.push(...(await get(`?region=FL&limit=2&offset=${offset}`)).body!.cases);
		expect(all).toHaveLength(first.matched);
		expect(new Set(all.map((c) => c.room_id)).size).toBe(first.matched);
		expect(all.every((c) => c.region === 'FL')).toBe(true);
		const lastFlagged = all.findLastIndex((c) => c.flags.length > 0);
		const firstUnflagged = all.findIndex((c) => c.flags.length === 0);
		if (firstUnflagged >= 0) expect(lastFlagged).toBeLessThan(firstUnflagged);
		for (const c of [...opened, unled]) expect(all.map((x) => x.room_id)).toContain(c.roomId);

		const flagged = (await get('?region=FL&filter=flagged&limit=200')).body!;
		expect(flagged.cases.map((c) => c.room_id)).toContain(unled.roomId);
		expect(flagged.cases.map((c) => c.room_id)).not.toContain(opened[0]!.roomId);
		expect(flagged.cases.find((c) => c.room_id === unled.roomId)!.flags).toContainEqual({ code: 'no_regiehouder' });

		const found = (await get(`?q=${enc(opened[1]!.reference.toLowerCase())}`)).body!;
		expect(found.cases.map((c) => c.room_id)).toEqual([opened[1]!.roomId]);
	});

	it('refuses a query it does not know, and serves the largest page it allows', async () => {
		for (const bad of ['?limit=1000', '?region=XX', '?filter=everything', '?offset=-1', '?order=reference']) {
			const res = await get(bad);
			expect(res.status, `${bad}: ${res.text}`).toBe(400);
		}
		const largest = await get('?limit=200&filter=open');
		expect(largest.status).toBe(200);
		expect(largest.body!.cases.length).toBe(Math.min(200, largest.body!.matched));
		expect(largest.body!.cases.every((c) => c.phase !== 'closed')).toBe(true);
	});

	it('does not summarise the cases again when nothing changed', async () => {
		const store = (await privacyService()).overviewStore;
		await get('');
		const summarised = store.stats.summarised;
		const second = (await get('')).body!;
		expect(store.stats.summarised).toBe(summarised);
		expect(second.counts.all).toBeGreaterThan(0);
		// a change to one case recomputes that case, not every case
		const c = await openCase(csg, { region: 'FL' });
		expect((await get(`?q=${enc(c.roomId)}`)).body!.cases.map((x) => x.room_id)).toEqual([c.roomId]);
		expect(store.stats.summarised - summarised).toBeLessThan(second.counts.all);
	});
});

describe('the overview answers from a recent index (issue 15)', () => {
	const q = (roomId: string) => new URLSearchParams({ q: roomId });
	const ids = (r: OverviewResponse) => r.cases.map((c) => c.room_id);

	it('does not wait for a catch-up inside the window, says up to when it is complete, and catches up behind it', async () => {
		const shared = await privacyService();
		const index = new RoomIndex(shared.service, { file: null, sweepMinutes: 0 });
		const settings = { ...privacySettings(), overviewMaxAgeSeconds: 60 };
		const privacy = new PrivacyService(shared.cases, settings, shared.audit, index);

		const first = await privacy.overview(officer.accessToken); // no index yet: this one waits for the build
		expect(index.upTo).not.toBeNull();
		expect(first.indexed_at).toBe(new Date(index.upTo!).toISOString());

		const { roomId } = await openCase(csg);
		await new Promise((r) => setTimeout(r, 1_100)); // older than the 1 s after which a request catches up behind it
		const syncs = index.stats.syncs;
		const stale = await privacy.overview(officer.accessToken, q(roomId));
		// Answered from the index as it was: the new case is not in it yet, and the answer says so.
		expect(ids(stale)).toEqual([]);
		expect(stale.indexed_at).toBe(first.indexed_at);
		expect(Date.parse(stale.indexed_at)).toBeLessThan(Date.parse(stale.generated_at));
		expect(index.stats.background).toBe(1);

		// The catch-up it started runs on without a request waiting for it; the next answer has the case.
		await eventually(() => index.stats.syncs > syncs && !!index.upTo && index.upTo > Date.parse(first.indexed_at));
		const caught = await privacy.overview(officer.accessToken, q(roomId));
		expect(ids(caught)).toEqual([roomId]);
		expect(Date.parse(caught.indexed_at)).toBeGreaterThan(Date.parse(first.indexed_at));

		// With the window at 0 (the setting for a deployment that wants it), every request waits: a case opened
		// just now is there at once.
		const exact = new PrivacyService(shared.cases, { ...settings, overviewMaxAgeSeconds: 0 }, shared.audit, index);
		const now = await openCase(csg);
		expect(ids(await exact.overview(officer.accessToken, q(now.roomId)))).toEqual([now.roomId]);
	});

	it('waits for a catch-up again after the officer acted, and when the index is older than the window', async () => {
		const shared = await privacyService();
		const index = new RoomIndex(shared.service, { file: null, sweepMinutes: 0 });
		const privacy = new PrivacyService(
			shared.cases,
			{ ...privacySettings(), overviewMaxAgeSeconds: 60 },
			shared.audit,
			index
		);
		await privacy.overview(officer.accessToken);
		const reviewed = await openCase(csg);
		await index.fresh();

		// Outside the app a case opens; then the officer acts through the console: the next overview waits and
		// shows both what the action did and what happened before it.
		const outside = await openCase(csg);
		const action = await privacy.requestReview(officer.accessToken, reviewed.roomId, { reason: 'periodic-review' });
		expect(action.ok).toBe(true);
		const background = index.stats.background;
		expect(ids(await privacy.overview(officer.accessToken, q(outside.roomId)))).toEqual([outside.roomId]);
		expect(index.stats.background).toBe(background); // it waited, nothing ran behind it

		// An index older than the window is brought up to date before the answer.
		const short = new PrivacyService(
			shared.cases,
			{ ...privacySettings(), overviewMaxAgeSeconds: 1 },
			shared.audit,
			index
		);
		const later = await openCase(csg);
		await new Promise((r) => setTimeout(r, 1_100));
		expect(ids(await short.overview(officer.accessToken, q(later.roomId)))).toEqual([later.roomId]);
	});
});
