import { describe, expect, it } from 'vitest';
import { reduceCase } from '../../src/lib/case/reducer.ts';
import {
	recordConsent,
	inviteMember,
	handOverRegie,
	postUpdate,
	closeCase,
	recordTriage,
	recordIntake,
	removeMember,
	initialCaseState,
	type Membership
} from '../../src/lib/case/commands.ts';
import { retentionUntil, isAcute } from '../../src/lib/case/deadlines.ts';
import { Refusal } from '../../src/lib/refusal.ts';
import {
	CHAIR,
	CSG,
	SHN,
	VT,
	POLITIE,
	OUTSIDER,
	SERVICE,
	T0,
	ctx,
	directory,
	opening,
	recordEvent,
	RECORD,
	triageRecord
} from '../support/domain-fixtures.ts';

const members = (entries: [string, Membership][]) => new Map(entries);
const cctx = (
	m: [string, Membership][] = [
		[CSG, 'join'],
		[VT, 'join'],
		[SHN, 'join'],
		[POLITIE, 'join'],
		[CHAIR, 'join']
	]
) => ({ ...ctx(), members: members(m) });

describe('commands', () => {
	const view = reduceCase(opening(), ctx());

	it('invites only members of covered organisations, with a reason', () => {
		const ok = inviteMember(view, CSG, cctx([[CSG, 'join']]), { userId: VT, reason: 'mdt-triage' });
		expect(ok).toEqual({ ok: true, effects: [{ kind: 'invite', userId: VT, reason: 'mdt-triage' }] });
		const refused = inviteMember(view, CSG, cctx([[CSG, 'join']]), { userId: OUTSIDER, reason: 'mdt-triage' });
		expect(refused.ok || refused.error.code).toBe('not-covered');
		const notCoordinator = inviteMember(view, POLITIE, cctx(), { userId: VT, reason: 'mdt-triage' });
		expect(notCoordinator.ok || notCoordinator.error.code).toBe('not-allowed');
	});

	it('records intake and moves the plaintext phase to triage', () => {
		const r = recordIntake(view, CSG, cctx(), {
			facts: {
				receiving_org: 'CSG',
				incident_band: 'unknown',
				acute: false,
				kind: 'sexual_abuse',
				setting: 'online',
				minor: true
			},
			person: { name: 'X' },
			summary: 'S'
		});
		expect(r.ok).toBe(true);
		if (r.ok) {
			expect(r.effects.map((e) => `${e.kind}:${'type' in e ? e.type : ''}`)).toEqual([
				'record:nl.casusruimte.intake',
				'state:nl.casusruimte.case'
			]);
			expect(r.effects[1]).toMatchObject({ content: { phase: 'triage', acute: false, reference: 'DH-2026-0142' } });
		}
	});

	it('numbers triage decisions and hands regie over when the MDT picks someone else', () => {
		const input = {
			...triageRecord(1, null),
			v: undefined,
			seq: undefined,
			supersedes: undefined,
			decided_at: undefined
		};
		const { v: _v, seq: _s, supersedes: _p, decided_at: _d, ...clean } = input;
		const r = recordTriage(view, CHAIR, cctx(), clean as never);
		expect(r.ok).toBe(true);
		if (r.ok) expect(r.effects.map((e) => e.kind)).toEqual(['record', 'state', 'state', 'record', 'handover']);
		const notMember = recordTriage(view, CHAIR, cctx([[CHAIR, 'join']]), clean as never);
		expect(notMember.ok || notMember.error.code).toBe('not-member');
	});

	it('withdrawing consent removes the organisation from access and its members from the room', () => {
		const r = recordConsent(view, CSG, cctx(), {
			status: 'withdrawn',
			organisations: ['POLITIE'],
			purposes: ['investigation'],
			basis: { kind: 'consent' },
			given_by: 'victim'
		});
		expect(r.ok).toBe(true);
		if (!r.ok) return;
		expect(r.effects[0]).toMatchObject({ kind: 'record' });
		expect(r.effects[1]).toMatchObject({ kind: 'state', type: 'nl.casusruimte.access' });
		expect(
			(r.effects[1] as { content: { organisations: { org: string }[] } }).content.organisations.map((o) => o.org)
		).toEqual(['CSG', 'VT', 'SHN']);
		expect(r.effects[2]).toEqual({ kind: 'remove', userId: POLITIE, reason: 'consent-withdrawn' });
	});

	it('keeps an organisation that has its own statutory basis when consent is withdrawn', () => {
		const r = recordConsent(view, CSG, cctx(), {
			status: 'withdrawn',
			organisations: ['VT'],
			purposes: ['care'],
			basis: { kind: 'consent' },
			given_by: 'victim'
		});
		expect(r.ok && r.effects.map((e) => e.kind)).toEqual(['record']);
	});

	it('refuses a withdrawal that would remove the regiehouder', () => {
		const r = recordConsent(view, CHAIR, cctx(), {
			status: 'withdrawn',
			organisations: ['CSG'],
			purposes: ['care'],
			basis: { kind: 'consent' },
			given_by: 'victim'
		});
		expect(r.ok || r.error.code).toBe('would-remove-regie');
	});

	it('giving consent (or a statutory basis) extends access', () => {
		const r = recordConsent(view, CSG, cctx(), {
			status: 'given',
			organisations: ['OM'],
			purposes: ['investigation'],
			basis: { kind: 'statutory', ground: 'wjsg' },
			given_by: 'not_applicable'
		});
		expect(
			r.ok &&
				(r.effects[1] as { content: { organisations: { org: string; basis: string }[] } }).content.organisations.at(-1)
		).toMatchObject({ org: 'OM', basis: 'statutory', ground: 'wjsg' });
	});

	it('hands over regie only to a joined member of a covered organisation', () => {
		expect(handOverRegie(view, CSG, cctx(), { to: SHN, deputy: null, reason: 'r' }).ok).toBe(true);
		const outsider = handOverRegie(view, CSG, cctx(), { to: OUTSIDER, deputy: null, reason: 'r' });
		expect(outsider.ok || outsider.error.code).toBe('not-covered');
		const self = handOverRegie(view, CSG, cctx(), { to: CSG, deputy: null, reason: 'r' });
		expect(self.ok).toBe(false);
	});

	it('lets only the regiehouder post updates', () => {
		const input = {
			contact: null,
			actions_agreed: [],
			actions_done: [],
			signals: [],
			next_steps: '',
			retriage_requested: false
		};
		expect(postUpdate(view, CSG, cctx(), input).ok).toBe(true);
		expect(postUpdate(view, CHAIR, cctx(), input).ok).toBe(false);
	});

	it('closes with a retention date in the plaintext state, and refuses twice', () => {
		const r = closeCase(view, CSG, cctx(), {
			reason: 'help_completed',
			explanation: 'klaar',
			participants: [{ org: 'CSG' }],
			follow_up: [],
			retention_months: 12
		});
		expect(r.ok).toBe(true);
		if (!r.ok) return;
		const state = r.effects[1] as { content: { phase: string; closed_at: string; retention_until: string } };
		expect(state.content.phase).toBe('closed');
		expect(state.content.retention_until.slice(0, 10)).toBe(retentionUntil(state.content.closed_at, 12).slice(0, 10));
		const closed = reduceCase(
			[
				...opening(),
				recordEvent(
					RECORD.closure,
					{
						v: 1,
						decided_at: '2026-12-01T00:00:00Z',
						reason: 'other',
						explanation: 'x',
						participants: [{ org: 'VT' }],
						follow_up: [],
						retention_months: 6
					},
					CSG
				)
			],
			ctx()
		);
		const again = closeCase(closed, CSG, cctx(), {
			reason: 'help_completed',
			explanation: 'klaar',
			participants: [{ org: 'CSG' }],
			follow_up: [],
			retention_months: 12
		});
		expect(again.ok || again.error.code).toBe('closed');
	});

	it('will not remove the regiehouder', () => {
		expect(removeMember(view, CHAIR, cctx(), { userId: CSG, reason: 'no-longer-involved' }).ok).toBe(false);
		expect(removeMember(view, CHAIR, cctx(), { userId: POLITIE, reason: 'no-longer-involved' }).ok).toBe(true);
	});

	it("opens a case only when the requester's own organisation is covered", () => {
		const input = {
			region: 'DH' as const,
			first_report_at: '2026-11-20T09:00:00Z',
			acute: true,
			access: [{ org: 'POLITIE', basis: 'consent' as const }]
		};
		expect(() => initialCaseState(input, 'DH-2026-0001', CSG, directory, T0)).toThrow(Refusal);
		const init = initialCaseState(
			{ ...input, access: [{ org: 'CSG', basis: 'consent' }] },
			'DH-2026-0001',
			CSG,
			directory,
			T0
		);
		expect(init.regie.regiehouder).toBe(CSG);
		expect(init.case.phase).toBe('first_contact');
		expect(SERVICE).toContain('service');
	});
});

describe('deadlines', () => {
	it('adds months to the closure date, clamping to the end of shorter months', () => {
		expect(retentionUntil('2026-01-31T10:00:00Z', 1)).toBe('2026-02-28T10:00:00Z');
		expect(retentionUntil('2026-11-15T10:00:00Z', 12)).toBe('2027-11-15T10:00:00Z');
	});
	it('calls an incident acute within 7 days of the first report', () => {
		expect(isAcute('2026-11-14', '2026-11-20T09:00:00Z', 'unknown')).toBe(true);
		expect(isAcute('2026-11-01', '2026-11-20T09:00:00Z', 'unknown')).toBe(false);
		expect(isAcute(undefined, '2026-11-20T09:00:00Z', 'within_7_days')).toBe(true);
	});
});

describe('invitableUsers', () => {
	it('offers exactly the people inviteMember accepts', async () => {
		const { invitableUsers } = await import('../../src/lib/case/commands.ts');
		const view = reduceCase(opening(), ctx());
		const inRoom = new Set([CSG, VT]);
		const offered = invitableUsers(directory, new Set(view.access.map((a) => a.org)), inRoom).map((u) => u.userId);
		expect(offered.sort()).toEqual([CHAIR, POLITIE, SHN].sort());
		const members = new Map<string, Membership>([...inRoom].map((u) => [u, 'join' as const]));
		for (const entry of directory.users.values()) {
			const accepted = inviteMember(
				view,
				CSG,
				{ ...ctx(), members },
				{ userId: entry.userId, reason: 'mdt-triage' }
			).ok;
			expect(accepted).toBe(offered.includes(entry.userId));
		}
	});
});
