/**
 * The compartments panel (issue 13): a coordinator opens a compartment and invites
 * members of the case into one, with the history grant; the form shows why someone
 * cannot be chosen, with the domain's own refusals. Each refusal is paired with the
 * legitimate act that still goes through. The API is a small fake that records what
 * was asked (the server's side is tested against Synapse in the integration tests).
 */
import { describe, expect, it } from 'vitest';
import { CompartmentsPanel, type CompartmentApi } from '../../src/lib/forms/compartments.svelte.ts';
import {
	CompartmentGrant,
	grantFor,
	sessionsGranted,
	type CompartmentInviteInput,
	type CompartmentPointer,
	type OpenCompartmentInput
} from '../../src/lib/case/compartments.ts';
import type { AccessEntry } from '../../src/lib/case/state.ts';
import type { CompartmentInfo } from '../../src/lib/matrix/case-room.ts';
import type { CompartmentOut } from '../../src/lib/privacy/schemas.ts';
import { reduceCase } from '../../src/lib/case/reducer.ts';
import { refusal } from '../../src/lib/refusal.ts';
import {
	CHAIR,
	CSG,
	POLITIE,
	SHN,
	STATE,
	VT,
	caseState,
	ctx,
	regieState,
	stateEvent
} from '../support/domain-fixtures.ts';
import { NOW, fakeCase, member, t } from './forms-support.ts';
import { instant } from '../../src/lib/case/time.ts';

const SINCE = '2026-11-20T09:00:00Z';
const ACCESS: AccessEntry[] = [
	{ org: 'CSG', since: SINCE, basis: 'consent', purposes: ['coordination', 'care'] },
	{ org: 'VT', since: SINCE, basis: 'statutory', ground: 'wmo2015-vt' },
	{ org: 'POLITIE', since: SINCE, basis: 'consent', purposes: ['coordination', 'investigation'] },
	// recorded before purposes existed: the shared part only
	{ org: 'SHN', since: SINCE, basis: 'consent' }
];

const pointer = (kind: 'strafrecht' | 'zorg' | 'apart', purpose: CompartmentPointer['purpose'], room: string) => ({
	v: 1 as const,
	room_id: room,
	kind,
	purpose
});

function setUp(opts: { me?: string; compartments?: CompartmentInfo[]; phase?: string } = {}) {
	const view = reduceCase(
		[
			stateEvent(STATE.case, caseState(opts.phase ? { phase: opts.phase } : {})),
			stateEvent(STATE.access, { v: 1, organisations: ACCESS }),
			stateEvent(STATE.regie, regieState(CSG))
		],
		ctx(NOW)
	);
	const base = fakeCase({ me: opts.me ?? CSG, view, members: [CSG, VT, POLITIE, SHN, CHAIR].map((u) => member(u)) });
	const oc = Object.assign(base, { compartments: opts.compartments ?? [] });
	const calls: { op: string; args: unknown[] }[] = [];
	const listed: CompartmentOut[] = [];
	let next: Error | null = null;
	const api: CompartmentApi = {
		async compartments(roomId) {
			calls.push({ op: 'list', args: [roomId] });
			return structuredClone(listed);
		},
		async openCompartment(roomId, input: OpenCompartmentInput) {
			calls.push({ op: 'open', args: [roomId, input] });
			if (next) throw next;
			const id = input.kind === 'apart' ? 'apart-1' : input.kind;
			listed.push({ id, kind: input.kind, purpose: input.purpose ?? 'care', opened_at: SINCE, members: [] });
			return { id };
		},
		async inviteToCompartment(roomId, id, input: CompartmentInviteInput) {
			calls.push({ op: 'invite', args: [roomId, id, input] });
			if (next) {
				const e = next;
				next = null;
				throw e;
			}
			return {};
		}
	};
	const panel = new CompartmentsPanel(oc, api, () => NOW);
	return { panel, oc, calls, listed, failNext: (e: Error) => (next = e) };
}

const zorg: CompartmentInfo = { id: 'zorg', pointer: pointer('zorg', 'care', '!zorg:hs'), membership: '' };
const strafrecht: CompartmentInfo = {
	id: 'strafrecht',
	pointer: pointer('strafrecht', 'investigation', '!sr:hs'),
	membership: ''
};

describe('opening a compartment', () => {
	it('the regiehouder opens zorg; a kind the case has already is offered with the reason it cannot be opened', async () => {
		const { panel, calls } = setUp({ compartments: [strafrecht] });
		expect(panel.coordinates).toBe(true);
		expect(panel.offersForms).toBe(true);
		const kinds = Object.fromEntries(panel.open.kinds.map((k) => [k.kind, k.refusal?.code ?? null]));
		expect(kinds).toEqual({ strafrecht: 'conflict', zorg: null, apart: null });
		expect(panel.open.kinds[0]!.refusal?.in('nl')).toMatch(/heeft al een compartiment strafrecht/);
		// the select asks the same question per kind
		for (const kind of panel.open.kindOptions) expect(panel.open.refusalOf(kind)?.code ?? null).toBe(kinds[kind]);

		panel.open.kind = 'strafrecht';
		expect(await panel.open.submit(t)).toBe(false);
		expect(panel.open.form.refusal?.code).toBe('conflict');
		expect(calls.filter((c) => c.op === 'open')).toEqual([]);

		panel.open.kind = 'zorg';
		expect(await panel.open.submit(t)).toBe(true);
		expect(calls.find((c) => c.op === 'open')?.args).toEqual(['!case:hs', { kind: 'zorg' }]);
		expect(panel.open.opened).toBe('zorg');
		expect(panel.open.kind).toBe('');
		// Who is in each is read again after opening.
		expect(calls.at(-1)?.op).toBe('list');
		expect(panel.listed?.map((l) => l.id)).toEqual(['zorg']);
	});

	it('a separate compartment asks for its purpose; with one it opens', async () => {
		const { panel, calls } = setUp();
		expect(await panel.open.submit(t)).toBe(false);
		expect(panel.open.form.errors['open.kind']).toBe('form.chooseOne');
		panel.open.kind = 'apart';
		expect(await panel.open.submit(t)).toBe(false);
		expect(panel.open.form.refusal?.code).toBe('invalid');
		expect(panel.open.form.refusal?.in('en')).toMatch(/Choose what this separate compartment is for/);
		panel.open.purpose = 'restorative_mediation';
		expect(await panel.open.submit(t)).toBe(true);
		expect(calls.find((c) => c.op === 'open')?.args[1]).toEqual({ kind: 'apart', purpose: 'restorative_mediation' });
	});

	it('the server’s refusal reaches the form as the one refusal type', async () => {
		const { panel, failNext } = setUp();
		failNext(refusal('closed', 'Deze casus is afgesloten.', 'This case is closed.'));
		panel.open.kind = 'zorg';
		expect(await panel.open.submit(t)).toBe(false);
		expect(panel.open.form.refusal?.in('nl')).toBe('Deze casus is afgesloten.');
		failNext(new Error('socket hang up'));
		expect(await panel.open.submit(t)).toBe(false);
		expect(panel.open.form.refusal?.code).toBe('unavailable');
	});
});

describe('inviting into a compartment', () => {
	it('offers the members whose organisation’s basis covers the purpose, and says why the others cannot be chosen', () => {
		const { panel } = setUp({ compartments: [zorg, strafrecht] });
		expect(panel.invite.candidates).toEqual([]);
		panel.invite.compartment = 'zorg';
		expect(panel.invite.choosable.map((c) => c.userId).sort()).toEqual([CSG, VT, CHAIR].sort());
		const why = Object.fromEntries(panel.invite.notChoosable.map((c) => [c.userId, c.refusal!]));
		expect(Object.keys(why).sort()).toEqual([POLITIE, SHN].sort());
		expect(why[POLITIE]!.code).toBe('not-covered');
		expect(why[POLITIE]!.in('nl')).toMatch(
			/De grondslag van POLITIE in deze casus dekt het doel van dit compartiment niet/
		);
		expect(why[POLITIE]!.in('en')).toMatch(/POLITIE's basis in this case does not cover this compartment's purpose/);
		// In strafrecht it is the other way round.
		panel.invite.compartment = 'strafrecht';
		expect(panel.invite.choosable.map((c) => c.userId)).toEqual([POLITIE]);
	});

	it('the history grant defaults to the purpose’s, may be changed, and goes with the invitation', async () => {
		const mediation: CompartmentInfo = {
			id: 'apart-1',
			pointer: pointer('apart', 'restorative_mediation', '!a1:hs'),
			membership: ''
		};
		const { panel, calls } = setUp({ compartments: [zorg, mediation] });
		panel.invite.compartment = 'zorg';
		expect(panel.invite.defaultHistory).toBe('all');
		expect(panel.invite.history).toBe('all');
		panel.invite.history = 'none';
		expect(panel.invite.history).toBe('none');
		// Another compartment: its own default again.
		panel.invite.compartment = 'apart-1';
		expect(panel.invite.history).toBe('none');
		panel.invite.compartment = 'zorg';
		expect(panel.invite.history).toBe('none');

		panel.invite.userId = VT;
		expect(await panel.invite.submit(t)).toBe(true);
		expect(calls.find((c) => c.op === 'invite')?.args).toEqual(['!case:hs', 'zorg', { user_id: VT, history: 'none' }]);
		expect(panel.invite.sent).toEqual({ userId: VT, id: 'zorg' });
		expect(panel.invite.userId).toBe('');
		expect(panel.invite.history).toBe('all');
	});

	it('history from a date: the date is asked for, may not lie ahead, and goes with the invitation as the start of that day', async () => {
		const { panel, calls } = setUp({ compartments: [zorg] });
		panel.invite.compartment = 'zorg';
		panel.invite.userId = VT;
		panel.invite.history = 'from';
		expect(await panel.invite.submit(t)).toBe(false);
		expect(panel.invite.form.errors['invite.from']).toBe('form.required');
		panel.invite.fromDate = '2026-13-40';
		expect(await panel.invite.submit(t)).toBe(false);
		expect(panel.invite.form.errors['invite.from']).toBe('form.invalidDate');
		panel.invite.fromDate = '2026-11-22'; // NOW is 20 November
		expect(await panel.invite.submit(t)).toBe(false);
		expect(panel.invite.form.errors['invite.from']).toBe('compartments.fromFuture');
		expect(calls.filter((c) => c.op === 'invite')).toEqual([]);
		panel.invite.fromDate = '2026-11-19';
		expect(await panel.invite.submit(t)).toBe(true);
		const from = instant('2026-11-19T00:00:00');
		expect(calls.find((c) => c.op === 'invite')?.args[2]).toEqual({ user_id: VT, history: 'from', from });
		expect(panel.invite.fromDate).toBe('');
	});

	it('refuses someone whose basis does not cover the purpose before asking the server; the covered one goes through', async () => {
		const { panel, calls } = setUp({ compartments: [zorg] });
		expect(await panel.invite.submit(t)).toBe(false);
		expect(panel.invite.form.errors['invite.compartment']).toBe('form.chooseOne');
		panel.invite.compartment = 'zorg';
		expect(await panel.invite.submit(t)).toBe(false);
		expect(panel.invite.form.errors['invite.user_id']).toBe('form.required');
		panel.invite.userId = POLITIE;
		expect(await panel.invite.submit(t)).toBe(false);
		expect(panel.invite.form.refusal?.code).toBe('not-covered');
		expect(calls.filter((c) => c.op === 'invite')).toEqual([]);
		panel.invite.userId = CSG; // the regiehouder herself, to read and write there
		expect(await panel.invite.submit(t)).toBe(true);
		expect(calls.filter((c) => c.op === 'invite').map((c) => c.args[2])).toEqual([{ user_id: CSG, history: 'all' }]);
	});

	it('who is in the compartment already is not offered again', async () => {
		const { panel, listed } = setUp({ compartments: [{ ...zorg, membership: 'join' }] });
		listed.push({
			id: 'zorg',
			kind: 'zorg',
			purpose: 'care',
			opened_at: SINCE,
			members: [
				{
					user_id: VT,
					org: 'VT',
					membership: 'invite',
					since: SINCE,
					basis: 'statutory',
					ground: 'wmo2015-vt',
					covered: true,
					history: 'all',
					history_from: null,
					granted_by: CSG
				}
			]
		});
		await panel.load();
		panel.invite.compartment = 'zorg';
		expect(panel.invite.choosable.map((c) => c.userId)).toEqual([CHAIR]);
		expect(panel.rows.map((r) => [r.id, r.mine, r.listed?.members.length])).toEqual([['zorg', 'join', 1]]);
	});
});

describe('which sessions a grant lets the invitee read', () => {
	const first = new Map([
		['before', Date.parse('2026-11-18T10:00:00Z')],
		['on', Date.parse('2026-11-19T00:00:00Z')],
		['after', Date.parse('2026-11-19T08:00:00Z')]
	]);
	const ids = ['before', 'on', 'after', 'never-seen'];
	const grant = (history: 'all' | 'none' | 'from') =>
		CompartmentGrant.parse({
			v: 1,
			org: 'OM',
			history,
			by: CSG,
			since: '2026-11-20T10:00:00Z',
			...(history === 'from' ? { from: '2026-11-19T00:00:00Z' } : {})
		});
	it('all: every session; none: none; from: only those first used at or after the date (an unseen one is not)', () => {
		expect(sessionsGranted(grant('all'), first, ids)).toEqual(ids);
		expect(sessionsGranted(grant('none'), first, ids)).toEqual([]);
		expect(sessionsGranted(grant('from'), first, ids)).toEqual(['on', 'after']);
		expect(sessionsGranted(null, first, ids)).toEqual([]);
	});
	it('the grant state: a date with `from`, and only then; nothing else in it', () => {
		const base = { v: 1, org: 'OM', by: CSG, since: '2026-11-20T10:00:00Z' };
		expect(CompartmentGrant.safeParse({ ...base, history: 'from' }).success).toBe(false);
		expect(CompartmentGrant.safeParse({ ...base, history: 'all', from: '2026-11-19T00:00:00Z' }).success).toBe(false);
		expect(CompartmentGrant.safeParse({ ...base, history: 'from', from: 'last week' }).success).toBe(false);
		expect(CompartmentGrant.safeParse({ ...base, history: 'from', from: '2026-11-19T00:00:00Z' }).success).toBe(true);
		expect(grantFor('care', 'VT', CSG, base.since, 'from', '2026-11-19T00:00:00Z')).toMatchObject({
			history: 'from',
			from: '2026-11-19T00:00:00Z'
		});
		expect(grantFor('care', 'VT', CSG, base.since, 'all', '2026-11-19T00:00:00Z')).not.toHaveProperty('from');
		expect(grantFor('restorative_mediation', 'PH', CSG, base.since).history).toBe('none');
	});
});

describe('a member who does not coordinate the case', () => {
	it('sees which compartments exist and that they are not in them, with no forms and no request for who is in them', async () => {
		const { panel, calls } = setUp({ me: POLITIE, compartments: [zorg] });
		expect(panel.coordinates).toBe(false);
		expect(panel.offersForms).toBe(false);
		await panel.load();
		expect(calls).toEqual([]);
		expect(panel.rows.map((r) => [r.id, r.pointer.purpose, r.mine, r.listed])).toEqual([['zorg', 'care', '', null]]);
		// Asked all the same, the domain refuses them.
		expect(panel.openRefusal({ kind: 'strafrecht' })?.code).toBe('not-allowed');
	});

	it('a closed case offers no forms, even to its regiehouder', () => {
		const { panel } = setUp({ phase: 'closed', compartments: [zorg] });
		expect(panel.coordinates).toBe(true);
		expect(panel.offersForms).toBe(false);
	});
});

describe('when the panel reloads who is in each compartment', () => {
	it('its key changes with my compartments’ memberships and the case’s members, and not otherwise', () => {
		const { panel, oc } = setUp({ compartments: [{ ...zorg }] });
		const before = panel.changeKey;
		expect(panel.changeKey).toBe(before);
		oc.compartments = [{ ...zorg, membership: 'join' }];
		const joined = panel.changeKey;
		expect(joined).not.toBe(before);
		(oc as { members: typeof oc.members }).members = oc.members.filter((m) => m.userId !== SHN);
		expect(panel.changeKey).not.toBe(joined);
	});
});
