/**
 * Issue 14, the pilot figures' transport, against a real Synapse with real Rust
 * crypto: the MDT chair of region IJ opens five acute cases and records their
 * intake (every personal field carries a canary marker); the chair's device
 * decrypts them, computes the region's aggregate and posts it to the app
 * server's endpoint, which stores it (mode 0600) and audits who sent it. Only a
 * chair of that region may send; a non-chair member of the MDT, the chair of
 * another region and a privacy officer are refused, each paired with the
 * legitimate act. A body that is not exactly a `PilotAggregate` is refused
 * without being repeated, and the marker never reaches the stored aggregates,
 * the audit log, the console's response or its CSV. Regions IJ and GLD only.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts, createUser, server, type TestUser } from '../support/harness.ts';
import { member, stopAllDevices, type TestDevice } from '../support/matrix-clients.ts';
import { openCase } from '../support/cases.ts';
import { intakeInput } from '../support/sample-records.ts';
import { auditFile, call, useTestHomeserver } from '../support/privacy.ts';
import { MdtAdmin } from '../../src/lib/server/mdt-admin.ts';
import { recordIntake } from '../../src/lib/case/commands.ts';
import type { CaseView } from '../../src/lib/case/view.ts';
import { dutchDay } from '../../src/lib/privacy/figures.ts';
import { PilotAggregate, pilotAggregate } from '../../src/lib/privacy/pilot-figures.ts';
import { FiguresResponse } from '../../src/lib/privacy/schemas.ts';
import * as pilotRoute from '../../src/routes/api/mdt/[region]/pilot-figures/+server.ts';
import * as figuresRoute from '../../src/routes/api/privacy/figures/+server.ts';

const marker = `PILOTCANARY${randomBytes(5).toString('hex').toUpperCase()}`;
const CASES = 5;
const now = Date.now();
const period = {
	from: dutchDay(new Date(now - 40 * 86_400_000).toISOString()),
	to: dutchDay(new Date(now).toISOString())
};

let chair: TestDevice; // chairs the IJ MDT, CSG
let mdtMember: TestUser; // sits in the IJ MDT, not its chair
let gldChair: TestUser; // chairs the GLD MDT
let officer: TestUser; // privacy officer
let aggregate: PilotAggregate;

const storeFile = () => path.join(server().dataDir, 'pilot-aggregates.json');
const post = async (region: string, token: string | null, body: unknown, raw = false) => {
	const url = new URL(`/api/mdt/${encodeURIComponent(region)}/pilot-figures`, 'http://casusruimte.test');
	const headers: Record<string, string> = { 'content-type': 'application/json' };
	if (token) headers.authorization = `Bearer ${token}`;
	const request = new Request(url, { method: 'POST', headers, body: raw ? String(body) : JSON.stringify(body) });
	const response = await pilotRoute.POST({ request, url, params: { region } } as never);
	const text = await response.text();
	return { status: response.status, text, json: () => JSON.parse(text) as Record<string, unknown> };
};
const stored = () => (existsSync(storeFile()) ? readFileSync(storeFile(), 'utf8') : '');

beforeAll(async () => {
	useTestHomeserver();
	[chair, mdtMember, gldChair, officer] = await Promise.all([
		member('CSG', ['professional', 'chair']),
		createUser('VT', ['professional'], 'ij.vt'),
		createUser('SHN', ['professional', 'chair'], 'gld.chair'),
		createUser('CSG', ['privacy-officer'], 'po.pilot')
	]);
	const admin = new MdtAdmin(await accounts());
	await admin.add('IJ', chair.user.localpart, 'chair');
	await admin.add('IJ', mdtMember.localpart, 'member');
	await admin.add('GLD', gldChair.localpart, 'chair');
	const views: CaseView[] = [];
	for (let i = 0; i < CASES; i++) {
		const { roomId } = await openCase(chair.user, { region: 'IJ', acute: true });
		const s = await chair.openSession(roomId);
		await s.execute(recordIntake(s.view, chair.user.userId, s.context(), intakeInput(marker)));
		expect(s.view.person?.name).toBe(`Naam ${marker}`);
		views.push(s.view);
	}
	aggregate = pilotAggregate(views, { region: 'IJ', ...period, now });
}, 600_000);

afterAll(stopAllDevices);

describe('the pilot aggregate leaves the chair as counts only', () => {
	it("the chair's device counts the region's cases it decrypted", () => {
		expect(aggregate.cases_read).toBe(CASES);
		const month = aggregate.months.find((m) => m.month === period.to.slice(0, 7))!;
		expect(month.figures).toMatchObject({ cases: CASES, acute: CASES, acute_female: CASES, non_acute: '<5' });
		expect(JSON.stringify(aggregate)).not.toContain(marker);
	});

	it('the chair of the region sends it: stored (0600), a second send replaces it, both audited', async () => {
		const first = await post('IJ', chair.user.accessToken, aggregate);
		expect(first.status, first.text).toBe(200);
		expect(first.json()).toMatchObject({ ok: true, region: 'IJ', ...period, replaced: false });
		expect(statSync(storeFile()).mode & 0o777).toBe(0o600);
		const again = await post('ij', chair.user.accessToken, aggregate);
		expect(again.json()).toMatchObject({ replaced: true });
		const entries = JSON.parse(stored()).aggregates.filter(
			(e: { aggregate: PilotAggregate }) => e.aggregate.region === 'IJ'
		);
		expect(entries).toHaveLength(1);
		expect(entries[0].aggregate).toEqual(aggregate);
		const audit = readFileSync(auditFile(), 'utf8')
			.trim()
			.split('\n')
			.map((l) => JSON.parse(l));
		const mine = audit.filter((e) => e.action === 'pilot-figures-received' && e.actor === chair.user.userId);
		expect(mine.map((e) => e.outcome)).toEqual([
			`IJ ${period.from}..${period.to}: stored`,
			`IJ ${period.from}..${period.to}: stored, replacing the earlier one`
		]);
	});

	it('a member of the MDT who is not its chair is refused; the chair is not', async () => {
		const res = await post('IJ', mdtMember.accessToken, aggregate);
		expect(res.status).toBe(403);
		expect(res.json()).toMatchObject({ errcode: 'M_FORBIDDEN', code: 'not-allowed' });
		expect((await post('IJ', chair.user.accessToken, aggregate)).status).toBe(200);
	});

	it("the chair of another region is refused for IJ and may send GLD's own", async () => {
		expect((await post('IJ', gldChair.accessToken, aggregate)).status).toBe(403);
		const gld = pilotAggregate([], { region: 'GLD', ...period, now });
		const own = await post('GLD', gldChair.accessToken, gld);
		expect(own.status, own.text).toBe(200);
		// and the IJ chair cannot send GLD's, nor IJ's figures under GLD
		expect((await post('GLD', chair.user.accessToken, gld)).status).toBe(403);
		expect((await post('GLD', gldChair.accessToken, aggregate)).status).toBe(400);
	});

	it('a privacy officer cannot send figures but reads them in the console, with CSV and definitions', async () => {
		expect((await post('IJ', officer.accessToken, aggregate)).status).toBe(403);
		expect((await post('IJ', null, aggregate)).status).toBe(401);
		expect((await post('XX', chair.user.accessToken, aggregate)).status).toBe(404);
		const q = `/api/privacy/figures?from=${period.from}&to=${period.to}`;
		const res = await call(figuresRoute.GET as never, 'GET', q, officer.accessToken);
		expect(res.status, res.text).toBe(200);
		const f = FiguresResponse.parse(res.json());
		const ij = f.received?.find((r) => r.aggregate.region === 'IJ');
		expect(ij?.aggregate).toEqual(aggregate);
		const csv = await call(figuresRoute.GET as never, 'GET', `${q}&format=csv`, officer.accessToken);
		expect(csv.status).toBe(200);
		expect(csv.text).toContain('tabel,regio,periode,kenmerk,waarde,definitie');
		expect(csv.text).toContain(`uit_de_dossiers,IJ,${period.to.slice(0, 7)},acute,${CASES},`);
		expect(csv.text).toContain('Acute casussen (incident hooguit 7 dagen voor de melding)');
		// a chair is no privacy officer
		expect((await call(figuresRoute.GET as never, 'GET', q, chair.user.accessToken)).status).toBe(403);
	});

	it('refuses anything that is not exactly a suppressed aggregate, without repeating it', async () => {
		const before = stored();
		const month = aggregate.months.at(-1)!;
		const withMonth = (m: object) => ({ ...aggregate, months: [...aggregate.months.slice(0, -1), { ...month, ...m }] });
		const bodies: [string, unknown][] = [
			['an extra field', { ...aggregate, note: `Naam ${marker}` }],
			['a field named by content', { ...aggregate, [marker]: 1 }],
			['free text in a cell', withMonth({ figures: { ...month.figures, acute_fmo: `Naam ${marker}` } })],
			['an unsuppressed cell', withMonth({ figures: { ...month.figures, acute_fmo: 3 } })],
			['a zero', withMonth({ figures: { ...month.figures, acute_fmo: 0 } })],
			['a hidden month that shows figures', withMonth({ figures: { ...month.figures, cases: '<5' } })],
			['a hidden total beside a month of 5', { ...aggregate, cases_read: '<5' }],
			['a part above its whole', withMonth({ figures: { ...month.figures, acute: CASES + 1 } })],
			['a list instead', [aggregate]],
			['nothing', null]
		];
		for (const [what, body] of bodies) {
			const res = await post('IJ', chair.user.accessToken, body);
			expect(res.status, what).toBe(400);
			expect(res.json(), what).toMatchObject({ code: 'invalid' });
			expect(res.text, what).not.toContain(marker);
		}
		const notJson = await post('IJ', chair.user.accessToken, `{"v":1,"note":"${marker}"`, true);
		expect(notJson.status).toBe(400);
		expect(notJson.text).not.toContain(marker);
		expect(stored()).toBe(before);
		// the legitimate send still works after all that
		expect((await post('IJ', chair.user.accessToken, aggregate)).status).toBe(200);
	});

	it('canary: the marker from the encrypted records is nowhere in the stored aggregates or the audit log', () => {
		expect(stored()).toContain('"region":"IJ"');
		expect(stored()).not.toContain(marker);
		expect(readFileSync(auditFile(), 'utf8')).not.toContain(marker);
		expect(stored()).not.toContain(chair.user.userId); // who sent it is in the audit log only
	});
});
