/**
 * Need-to-know inside a case (case/compartments.ts): which purposes a basis
 * covers, who may be in a compartment, who must leave when a purpose is withdrawn,
 * where records belong and what the author may choose, and consent that binds
 * purposes in the access basis (commands.ts recordConsent). Each refusal is paired
 * with the act that must still work.
 */
import { describe, expect, it } from 'vitest';
import {
	CompartmentId,
	CompartmentPointer,
	DEFAULT_HISTORY,
	compartmentInviteRefusal,
	compartmentsOf,
	coversPurpose,
	defaultLocation,
	grantFor,
	locationChoices,
	mayPlace,
	membersToRemove,
	nextCompartmentId,
	openCompartmentRefusal,
	purposesCovered,
	type CompartmentCase
} from '../../src/lib/case/compartments.ts';
import { AccessState, type AccessEntry } from '../../src/lib/case/state.ts';
import { recordConsent, type Membership } from '../../src/lib/case/commands.ts';
import { reduceCase } from '../../src/lib/case/reducer.ts';
import { compartmentCaseOf, readCaseRoomState } from '../../src/lib/case/room-state.ts';
import { RECORD } from '../../src/lib/case/event-types.ts';
import {
	CHAIR,
	CSG,
	OUTSIDER,
	POLITIE,
	SHN,
	VT,
	STATE,
	ctx,
	directory,
	opening,
	stateEvent
} from '../support/domain-fixtures.ts';

const SINCE = '2026-11-20T10:00:00Z';
const OM = OUTSIDER; // works for OM
const ACCESS: AccessEntry[] = [
	{ org: 'CSG', since: SINCE, basis: 'consent', purposes: ['coordination', 'care'] },
	{ org: 'VT', since: SINCE, basis: 'statutory', ground: 'wmo2015-vt' },
	{ org: 'POLITIE', since: SINCE, basis: 'consent', purposes: ['coordination', 'investigation'] },
	{ org: 'SHN', since: SINCE, basis: 'consent' }
];
const STRAFRECHT: CompartmentPointer = { v: 1, room_id: '!s:hs', kind: 'strafrecht', purpose: 'investigation' };

function theCase(over: Partial<CompartmentCase> = {}): CompartmentCase {
	return {
		closed: false,
		regiehouder: CSG,
		deputy: null,
		access: ACCESS,
		members: new Map([
			[CSG, 'join'],
			[VT, 'join'],
			[POLITIE, 'join'],
			[SHN, 'invite'],
			[CHAIR, 'join']
		]),
		compartments: new Map([['strafrecht', STRAFRECHT]]),
		...over
	};
}

describe('purposes a basis covers', () => {
	it('consent covers its purposes; a statutory ground its own; an entry from before purposes only coordination', () => {
		expect(purposesCovered(ACCESS[0]!)).toEqual(['coordination', 'care']);
		expect(purposesCovered(ACCESS[1]!)).toEqual(['coordination', 'safety', 'care']);
		expect(purposesCovered(ACCESS[3]!)).toEqual(['coordination']);
		// a statutory entry never covers more than its ground, whatever it lists
		expect(
			purposesCovered({
				org: 'OM',
				since: SINCE,
				basis: 'statutory',
				ground: 'wjsg',
				purposes: ['care', 'investigation']
			})
		).toEqual(['investigation']);
		expect(coversPurpose(ACCESS, 'POLITIE', 'investigation')).toBe(true);
		expect(coversPurpose(ACCESS, 'VT', 'investigation')).toBe(false);
		expect(coversPurpose(ACCESS, 'OM', 'investigation')).toBe(false);
		expect(coversPurpose(ACCESS, undefined, 'coordination')).toBe(false);
	});

	it('old access state without purposes still reads; purposes are checked', () => {
		expect(
			AccessState.safeParse({ v: 1, organisations: [{ org: 'CSG', since: SINCE, basis: 'consent' }] }).success
		).toBe(true);
		expect(AccessState.safeParse({ v: 1, organisations: ACCESS }).success).toBe(true);
		const bad = { v: 1, organisations: [{ org: 'CSG', since: SINCE, basis: 'consent', purposes: ['care', 'care'] }] };
		expect(AccessState.safeParse(bad).success).toBe(false);
		const unknown = { v: 1, organisations: [{ org: 'CSG', since: SINCE, basis: 'consent', purposes: ['gossip'] }] };
		expect(AccessState.safeParse(unknown).success).toBe(false);
	});
});

describe('opening a compartment and inviting into it', () => {
	it('a joined coordinator opens one; a plain member, a closed case or a duplicate is refused', () => {
		expect(openCompartmentRefusal(theCase(), CSG, directory, { kind: 'zorg' })).toBeNull();
		expect(openCompartmentRefusal(theCase(), CHAIR, directory, { kind: 'zorg' })).toBeNull();
		expect(openCompartmentRefusal(theCase(), POLITIE, directory, { kind: 'zorg' })?.code).toBe('not-allowed');
		expect(openCompartmentRefusal(theCase({ closed: true }), CSG, directory, { kind: 'zorg' })?.code).toBe('closed');
		expect(openCompartmentRefusal(theCase(), CSG, directory, { kind: 'strafrecht' })?.code).toBe('conflict');
		expect(openCompartmentRefusal(theCase(), CSG, directory, { kind: 'apart' })?.code).toBe('invalid');
		expect(openCompartmentRefusal(theCase(), CSG, directory, { kind: 'apart', purpose: 'care' })).toBeNull();
		expect(openCompartmentRefusal(theCase(), CSG, directory, { kind: 'zorg', purpose: 'investigation' })?.code).toBe(
			'invalid'
		);
	});

	it('ids are codes: the kind, or the next free apart-<n>', () => {
		expect(nextCompartmentId('zorg', [])).toBe('zorg');
		expect(nextCompartmentId('apart', ['strafrecht', 'apart-1', 'apart-3'])).toBe('apart-2');
		expect(CompartmentId.safeParse('apart-2').success).toBe(true);
		expect(CompartmentId.safeParse('Jan Jansen').success).toBe(false);
	});

	it('only members of the case whose basis covers the purpose are invited', () => {
		const c = theCase();
		expect(compartmentInviteRefusal(c, CSG, directory, 'strafrecht', POLITIE)).toBeNull();
		expect(compartmentInviteRefusal(c, CSG, directory, 'strafrecht', VT)?.code).toBe('not-covered');
		expect(compartmentInviteRefusal(c, CSG, directory, 'strafrecht', OM)?.code).toBe('not-member');
		expect(compartmentInviteRefusal(c, POLITIE, directory, 'strafrecht', POLITIE)?.code).toBe('not-allowed');
		expect(compartmentInviteRefusal(c, CSG, directory, 'zorg', VT)?.code).toBe('not-found');
	});

	it('the history grant is the inviter’s choice, by default the purpose’s', () => {
		expect(grantFor('investigation', 'POLITIE', CSG, SINCE).history).toBe('all');
		expect(grantFor('restorative_mediation', 'PH', CSG, SINCE).history).toBe('none');
		expect(grantFor('care', 'VT', CSG, SINCE, 'none').history).toBe('none');
		expect(DEFAULT_HISTORY.restorative_mediation).toBe('none');
	});

	it('withdrawing a purpose, or leaving the case, names who must leave the compartment and why', () => {
		const withdrawn = ACCESS.map((a) => (a.org === 'POLITIE' ? { ...a, purposes: ['coordination' as const] } : a));
		expect(membersToRemove(theCase({ access: withdrawn }), 'investigation', [POLITIE], directory)).toEqual([
			{ userId: POLITIE, reason: 'consent-withdrawn' }
		]);
		expect(membersToRemove(theCase(), 'investigation', [POLITIE], directory)).toEqual([]);
		const left = theCase({ members: new Map<string, string>([[POLITIE, 'leave']]) });
		expect(membersToRemove(left, 'investigation', [POLITIE], directory)).toEqual([
			{ userId: POLITIE, reason: 'no-longer-involved' }
		]);
	});

	it('reads the compartments from the case room’s state (an invalid pointer is left out)', () => {
		const state = [
			{ type: 'm.room.create', state_key: '', content: { type: 'nl.casusruimte.case' } },
			{ type: 'nl.casusruimte.compartment', state_key: 'strafrecht', content: STRAFRECHT },
			{ type: 'nl.casusruimte.compartment', state_key: 'Jan', content: STRAFRECHT },
			{ type: 'nl.casusruimte.compartment', state_key: 'zorg', content: { v: 1, room_id: '!z:hs', note: 'x' } },
			{ type: 'm.room.member', state_key: CSG, content: { membership: 'join' } }
		];
		expect([...compartmentsOf(state).keys()]).toEqual(['strafrecht']);
		const room = readCaseRoomState(state);
		expect(compartmentCaseOf(room).compartments.get('strafrecht')).toEqual(STRAFRECHT);
		expect(compartmentCaseOf(room).members.get(CSG)).toBe('join');
		expect(readCaseRoomState(state.slice(0, 1)).compartments.size).toBe(0);
	});
});

describe('where records belong', () => {
	it('each record kind and triage domain has a default; it falls back to shared when the author is not in it', () => {
		expect(defaultLocation(RECORD.intake, { mine: ['strafrecht'] })).toBe('shared');
		expect(defaultLocation(RECORD.update, { domain: 'strafrecht', mine: ['strafrecht'] })).toBe('strafrecht');
		expect(defaultLocation(RECORD.update, { domain: 'strafrecht', mine: [] })).toBe('shared');
		expect(defaultLocation(RECORD.update, { domain: 'hulp', mine: ['zorg'] })).toBe('zorg');
		expect(defaultLocation(RECORD.update, { domain: 'veiligheid', mine: ['zorg'] })).toBe('shared');
	});

	it('the author may narrow the shared part to a compartment they are in, never widen', () => {
		expect(locationChoices('shared', ['zorg', 'apart-1'])).toEqual(['shared', 'zorg', 'apart-1']);
		expect(locationChoices('zorg', ['zorg', 'apart-1'])).toEqual(['zorg']);
		expect(mayPlace('shared', 'zorg', ['zorg'])).toBe(true);
		expect(mayPlace('shared', 'strafrecht', ['zorg'])).toBe(false);
		expect(mayPlace('zorg', 'shared', ['zorg'])).toBe(false);
	});
});

describe('consent binds purposes in the access basis', () => {
	const view = reduceCase(
		[
			...opening(),
			stateEvent(STATE.access, {
				v: 1,
				organisations: [
					{ org: 'CSG', since: SINCE, basis: 'consent', purposes: ['coordination', 'care'] },
					{ org: 'VT', since: SINCE, basis: 'statutory', ground: 'wmo2015-vt' },
					{ org: 'SHN', since: SINCE, basis: 'consent' },
					{ org: 'POLITIE', since: SINCE, basis: 'consent', purposes: ['coordination', 'investigation'] }
				]
			})
		],
		ctx()
	);
	const members = new Map<string, Membership>([
		[CSG, 'join'],
		[VT, 'join'],
		[POLITIE, 'join'],
		[SHN, 'join']
	]);
	const cctx = () => ({ ...ctx(), members });
	const accessOf = (r: ReturnType<typeof recordConsent>) =>
		r.ok
			? (r.effects.find((e) => e.kind === 'state') as { content: { organisations: AccessEntry[] } } | undefined)
					?.content.organisations
			: undefined;

	it('withdrawn for one purpose: the organisation stays for the others, nobody leaves the case', () => {
		const r = recordConsent(view, CSG, cctx(), {
			status: 'withdrawn',
			organisations: ['POLITIE'],
			purposes: ['investigation'],
			basis: { kind: 'consent' },
			given_by: 'victim'
		});
		expect(r.ok).toBe(true);
		expect(accessOf(r)?.find((a) => a.org === 'POLITIE')?.purposes).toEqual(['coordination']);
		expect(r.ok && r.effects.some((e) => e.kind === 'remove')).toBe(false);
	});

	it('withdrawn for every purpose (or for an entry from before purposes): the organisation leaves, as before', () => {
		const all = recordConsent(view, CSG, cctx(), {
			status: 'withdrawn',
			organisations: ['POLITIE'],
			purposes: ['coordination', 'investigation'],
			basis: { kind: 'consent' },
			given_by: 'victim'
		});
		expect(accessOf(all)?.some((a) => a.org === 'POLITIE')).toBe(false);
		expect(all.ok && all.effects).toContainEqual({ kind: 'remove', userId: POLITIE, reason: 'consent-withdrawn' });
		const legacy = recordConsent(view, CSG, cctx(), {
			status: 'withdrawn',
			organisations: ['SHN'],
			purposes: ['care'],
			basis: { kind: 'consent' },
			given_by: 'victim'
		});
		expect(accessOf(legacy)?.some((a) => a.org === 'SHN')).toBe(false);
		// a purpose never given changes nothing
		const never = recordConsent(view, CSG, cctx(), {
			status: 'withdrawn',
			organisations: ['POLITIE'],
			purposes: ['care'],
			basis: { kind: 'consent' },
			given_by: 'victim'
		});
		expect(never.ok && never.effects.map((e) => e.kind)).toEqual(['record']);
	});

	it('given: the purposes are recorded, and more consent adds to them', () => {
		const more = recordConsent(view, CSG, cctx(), {
			status: 'given',
			organisations: ['POLITIE', 'SHN'],
			purposes: ['safety'],
			basis: { kind: 'consent' },
			given_by: 'victim'
		});
		const orgs = accessOf(more)!;
		expect(orgs.find((a) => a.org === 'POLITIE')?.purposes).toEqual(['coordination', 'investigation', 'safety']);
		expect(orgs.find((a) => a.org === 'SHN')?.purposes).toEqual(['safety']);
		expect(AccessState.safeParse({ v: 1, organisations: orgs }).success).toBe(true);
	});
});
