/**
 * Builders for domain-level tests: a directory, a case's initial state events and
 * records as the reducer receives them, without any Matrix.
 */
import { buildDirectory } from '../../src/lib/directory/directory.ts';
import { USER_EVENT, userStateKey } from '../../src/lib/directory/schema.ts';
import { STATE, RECORD } from '../../src/lib/case/event-types.ts';
import type { CaseEventInput } from '../../src/lib/case/view.ts';

export const SERVICE = '@casusruimte-service:hs';
export const CSG = '@csg:hs';
export const VT = '@vt:hs';
export const SHN = '@shn:hs';
export const POLITIE = '@politie:hs';
export const CHAIR = '@chair:hs';
export const OUTSIDER = '@om:hs';
export const T0 = Date.parse('2026-11-20T09:00:00Z');

export const directory = buildDirectory(
	[
		[CSG, 'CSG', ['professional']],
		[VT, 'VT', ['professional']],
		[SHN, 'SHN', ['professional']],
		[POLITIE, 'POLITIE', ['professional']],
		[CHAIR, 'VT', ['professional', 'chair']],
		[OUTSIDER, 'OM', ['professional']]
	].map(([id, org, roles]) => ({
		type: USER_EVENT,
		state_key: userStateKey(id as string),
		content: { v: 1, org, roles, display_name: String(id), active: true, updated_at: 1 }
	}))
);

export const ctx = (now = T0 + 3600_000) => ({ directory, serviceUserId: SERVICE, now });

let counter = 0;
export const nextId = () => `$e${++counter}`;

export function stateEvent(type: string, content: unknown, sender = SERVICE, ts = T0): CaseEventInput {
	return { id: nextId(), type, sender, ts, stateKey: '', content, encrypted: false };
}

export function recordEvent(type: string, content: unknown, sender: string, ts = T0, encrypted = true): CaseEventInput {
	return { id: nextId(), type, sender, ts, content: { body: 'fallback', ...(content as object) }, encrypted };
}

export const caseState = (over: Record<string, unknown> = {}) => ({
	v: 1,
	reference: 'DH-2026-0142',
	region: 'DH',
	phase: 'first_contact',
	first_report_at: '2026-11-20T09:00:00Z',
	acute: true,
	closed_at: null,
	retention_until: null,
	...over
});

export const accessState = (orgs: string[] = ['CSG', 'VT', 'SHN', 'POLITIE']) => ({
	v: 1,
	organisations: orgs.map((org) =>
		org === 'VT'
			? { org, since: '2026-11-20T09:00:00Z', basis: 'statutory', ground: 'wmo2015-vt' }
			: { org, since: '2026-11-20T09:00:00Z', basis: 'consent' }
	)
});

export const regieState = (regiehouder: string | null = CSG, deputy: string | null = null, handovers = 0) => ({
	v: 1,
	regiehouder,
	deputy,
	since: '2026-11-20T09:00:00Z',
	handovers
});

/** The three state events the service account writes when it creates the room. */
export function opening(): CaseEventInput[] {
	return [
		stateEvent(STATE.case, caseState()),
		stateEvent(STATE.access, accessState()),
		stateEvent(STATE.regie, regieState())
	];
}

export const intakeRecord = () => ({
	v: 1,
	facts: {
		reference: 'DH-2026-0142',
		region: 'DH',
		first_report_at: '2026-11-20T09:00:00Z',
		receiving_org: 'CSG',
		incident_band: 'within_7_days',
		acute: true,
		kind: 'sexual_violence',
		setting: 'offline',
		minor: false
	},
	person: { name: 'A. Slachtoffer' },
	summary: 'Het verhaal.'
});

const decision = (assigned: string[]) => ({ assigned, action: 'actie', urgency: 'within_24h', rationale: 'reden' });
export const triageRecord = (
	seq: number,
	supersedes: string | null,
	regiehouder = SHN,
	decidedAt = '2026-11-20T15:00:00Z'
) => ({
	v: 1,
	seq,
	supersedes,
	decided_at: decidedAt,
	domains: {
		veiligheid: decision(['VT']),
		strafrecht: decision(['POLITIE']),
		hulp: decision(['CSG']),
		herstel: decision([])
	},
	participants: [{ org: 'VT', user_id: CHAIR }],
	regiehouder,
	deputy: null,
	next_review: '2026-11-27',
	reason: seq === 1 ? 'initial' : 'changed_situation'
});

export const updateRecord = () => ({
	v: 1,
	at: '2026-11-21T10:00:00Z',
	contact: null,
	actions_agreed: [],
	actions_done: [],
	signals: ['signaal'],
	next_steps: 'verder',
	retriage_requested: false
});
export const consentRecord = (status: string, organisations: string[]) => ({
	v: 1,
	status,
	organisations,
	purposes: ['care'],
	basis: { kind: 'consent' },
	given_by: 'victim',
	recorded_at: '2026-11-20T10:00:00Z'
});
export const closureRecord = () => ({
	v: 1,
	decided_at: '2026-12-20T10:00:00Z',
	reason: 'help_completed',
	explanation: 'klaar',
	participants: [{ org: 'VT' }],
	follow_up: [],
	retention_months: 12
});

export { STATE, RECORD };
