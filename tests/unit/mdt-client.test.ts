/**
 * The MDT in the client (issue 12): the board's agenda ordering and duplicate
 * flag (case/agenda.ts), the aanmelding built from the new-case plan, signals by
 * any member (command and reducer), regie only for the regie organisations at
 * triage, and the triage form's "no longer needed" removals.
 */
import { describe, expect, it } from 'vitest';
import { buildAgenda, STALLED_DAYS } from '../../src/lib/case/agenda.ts';
import { Aanmelding, matchKey, type AgendaItem, type BoardLink } from '../../src/lib/case/board.ts';
import { raiseSignal, recordIntake, recordTriage, type Membership } from '../../src/lib/case/commands.ts';
import { reduceCase } from '../../src/lib/case/reducer.ts';
import { buildAanmelding, type NewCasePlan } from '../../src/lib/state/new-case.ts';
import { TriageForm } from '../../src/lib/forms/triage.svelte.ts';
import { SignalForm } from '../../src/lib/forms/signal.svelte.ts';
import { PERSON_INVITE_REASONS } from '../../src/lib/case/reasons.ts';
import {
	CHAIR,
	CSG,
	POLITIE,
	SHN,
	VT,
	RECORD,
	STATE,
	accessState,
	caseState,
	ctx,
	directory,
	intakeRecord,
	opening,
	recordEvent,
	regieState,
	stateEvent,
	triageRecord
} from '../support/domain-fixtures.ts';
import { fakeCase, member, t, NOW } from './forms-support.ts';
import { instant as iso } from '../../src/lib/case/time.ts';

const H = 3_600_000;
const DAY = 24 * H;

let n = 0;
function item(over: Partial<AgendaItem> = {}): AgendaItem {
	n++;
	const first = over.first_report_at ?? iso(NOW - 2 * H);
	return {
		room_id: `!c${n}:hs`,
		reference: `DH-2026-${String(n).padStart(4, '0')}`,
		region: 'DH',
		phase: 'triage',
		acute: false,
		first_report_at: first,
		triage_deadline: new Date(Date.parse(first) + DAY).toISOString(),
		triaged: false,
		next_review: null,
		retriage_requested_at: null,
		closed_at: null,
		continued_in: null,
		last_activity: NOW - H,
		regiehouder: null,
		...over
	};
}

function aanmelding(i: AgendaItem, match?: string): Aanmelding {
	return Aanmelding.parse({
		v: 1,
		room_id: i.room_id,
		reference: i.reference,
		region: 'DH',
		first_report_at: i.first_report_at,
		receiving_org: 'POLITIE',
		acute: i.acute,
		kind: 'sexual_violence',
		minor: false,
		risk_signals: ['ongoing-danger'],
		summary: 'Melding voor het MDT',
		...(match ? { match } : {}),
		opened_by: POLITIE
	});
}

describe('the MDT agenda (case/agenda.ts)', () => {
	it('puts awaiting cases most urgent first: overdue on top, then the deadline, acute first on the same deadline', () => {
		const same = iso(NOW - 3 * H);
		const later = item({ first_report_at: iso(NOW - H) });
		const overdue = item({ first_report_at: iso(NOW - 30 * H) });
		const plain = item({ first_report_at: same });
		const acute = item({ first_report_at: same, acute: true });
		const agenda = buildAgenda([later, plain, overdue, acute], [], [], NOW);
		expect(agenda.awaiting.map((r) => r.roomId)).toEqual([overdue, acute, plain, later].map((i) => i.room_id));
		expect(agenda.awaiting[0]!.overdue).toBe(true);
		expect(agenda.awaiting[0]!.msLeft).toBeLessThan(0);
		expect(agenda.awaiting.slice(1).every((r) => !r.overdue && r.msLeft > 0)).toBe(true);
		expect(agenda.rediscuss).toEqual([]);
	});

	it('puts triaged cases up for re-discussion only for a reason: re-triage asked, review date reached, stalled', () => {
		const base = { triaged: true, phase: 'regie' as const, regiehouder: CSG };
		const quiet = item({ ...base, next_review: '2027-01-01' });
		const asked = item({ ...base, next_review: '2027-01-01', retriage_requested_at: iso(NOW - H) });
		const review = item({ ...base, next_review: '2026-11-20' });
		const stalled = item({ ...base, next_review: '2027-01-01', last_activity: NOW - STALLED_DAYS * DAY - H });
		const notYetStalled = item({ ...base, next_review: '2027-01-01', last_activity: NOW - (STALLED_DAYS - 1) * DAY });
		const agenda = buildAgenda([quiet, stalled, review, asked, notYetStalled], [], [], NOW);
		expect(agenda.rediscuss.map((r) => r.roomId)).toEqual([asked, review, stalled].map((i) => i.room_id));
		expect(agenda.rediscuss.map((r) => r.why)).toEqual([['retriage'], ['review'], ['stalled']]);
		expect(agenda.awaiting).toEqual([]);
	});

	it('shows cases closed in the last three days, newest first, and not older ones', () => {
		const closed = (daysAgo: number) => item({ phase: 'closed', triaged: true, closed_at: iso(NOW - daysAgo * DAY) });
		const yesterday = closed(1);
		const today = closed(0.1);
		const lastWeek = closed(7);
		const agenda = buildAgenda([yesterday, lastWeek, today], [], [], NOW);
		expect(agenda.closed.map((r) => r.roomId)).toEqual([today.room_id, yesterday.room_id]);
		expect(agenda.awaiting).toEqual([]);
	});

	it('flags two open cases with the same match key as possible duplicates, until they are linked', async () => {
		const key = await matchKey('Sanne de Vries', '1990-04-01');
		expect(await matchKey('  sanne DE vriës ', '1990-04-01')).toBe(key);
		expect(await matchKey('Sanne de Vries', '1990-04-02')).not.toBe(key);
		const police = item();
		const csg = item();
		const other = item();
		const aanmeldingen = [
			aanmelding(police, key),
			aanmelding(csg, key),
			aanmelding(other, await matchKey('X', '2000-01-01'))
		];
		const agenda = buildAgenda([police, csg, other], aanmeldingen, [], NOW);
		const row = (i: AgendaItem) => agenda.awaiting.find((r) => r.roomId === i.room_id)!;
		expect(row(police).duplicates).toEqual([csg.reference]);
		expect(row(csg).duplicates).toEqual([police.reference]);
		expect(row(other).duplicates).toEqual([]);
		expect(row(police).aanmelding?.summary).toBe('Melding voor het MDT');

		const link: BoardLink = { v: 1, continue: csg.reference, close: police.reference, by: CHAIR, at: iso(NOW) };
		const linked = buildAgenda([police, csg], aanmeldingen, [link], NOW);
		expect(linked.awaiting.every((r) => r.duplicates.length === 0)).toBe(true);
		expect(linked.awaiting.find((r) => r.roomId === police.room_id)!.link).toEqual(link);
		// A case that continues elsewhere or is closed is no duplicate of an open one.
		const continued = buildAgenda([{ ...police, continued_in: csg.reference }, csg], aanmeldingen, [], NOW);
		expect(continued.awaiting.every((r) => r.duplicates.length === 0)).toBe(true);
	});

	it('shows a case without an aanmelding on this device, without a duplicate flag', () => {
		const agenda = buildAgenda([item()], [], [], NOW);
		expect(agenda.awaiting[0]!.aanmelding).toBeNull();
		expect(agenda.awaiting[0]!.duplicates).toEqual([]);
	});
});

describe('the aanmelding', () => {
	const plan = (birth?: string): NewCasePlan => ({
		newCase: { region: 'DH', first_report_at: '2026-11-20T09:00:00Z', acute: true, access: [] } as never,
		intake: {
			facts: {
				receiving_org: 'POLITIE',
				incident_band: 'within_7_days',
				acute: true,
				kind: 'sexual_violence',
				setting: 'offline',
				minor: false
			},
			person: { name: 'Sanne de Vries', ...(birth ? { birth_date: birth } : {}) },
			summary: 'Het hele verhaal'
		} as never,
		consent: null,
		invites: [],
		aanmelding: { summary: 'Volwassen vrouw, acuut', risk_signals: ['evidence-window'] }
	});

	it('carries what the MDT needs to triage and the match key, never the name', async () => {
		const a = await buildAanmelding(plan('1990-04-01'), { roomId: '!new:hs', reference: 'DH-2026-0001' }, POLITIE);
		expect(a).toMatchObject({
			room_id: '!new:hs',
			reference: 'DH-2026-0001',
			region: 'DH',
			receiving_org: 'POLITIE',
			acute: true,
			kind: 'sexual_violence',
			minor: false,
			risk_signals: ['evidence-window'],
			summary: 'Volwassen vrouw, acuut',
			opened_by: POLITIE
		});
		expect(a.match).toBe(await matchKey('Sanne de Vries', '1990-04-01'));
		expect(JSON.stringify(a)).not.toContain('Sanne');
		expect(JSON.stringify(a)).not.toContain('Het hele verhaal');
	});

	it('has no match key without a birth date', async () => {
		const a = await buildAanmelding(plan(), { roomId: '!new:hs', reference: 'DH-2026-0001' }, POLITIE);
		expect(a.match).toBeUndefined();
	});

	it('service-only invitation reasons are never offered to a person', () => {
		expect(PERSON_INVITE_REASONS).not.toContain('mdt-chair');
		expect(PERSON_INVITE_REASONS).not.toContain('mdt-board');
		expect(PERSON_INVITE_REASONS).not.toContain('aanmelding');
		expect(PERSON_INVITE_REASONS).toContain('mdt-triage');
	});
});

describe('signals by any member', () => {
	const view = reduceCase(opening(), ctx());
	const members = (m: [string, Membership][]) => ({ ...ctx(), members: new Map(m) });

	it('any joined member raises one; a re-triage request also puts the case on the agenda', () => {
		const r = raiseSignal(view, POLITIE, members([[POLITIE, 'join']]), {
			kind: 'retriage-request',
			text: 'Nieuwe aangifte',
			retriage: false
		});
		expect(r.ok).toBe(true);
		if (r.ok) {
			expect(r.effects.map((e) => e.kind)).toEqual(['record', 'retriage']);
			expect(r.effects[0]).toMatchObject({ type: RECORD.signal, content: { retriage: true } });
		}
		const info = raiseSignal(view, POLITIE, members([[POLITIE, 'join']]), {
			kind: 'new-information',
			text: 'Contact gehad',
			retriage: false
		});
		expect(info.ok && info.effects.map((e) => e.kind)).toEqual(['record']);
	});

	it('someone who is not (yet) a member cannot', () => {
		const r = raiseSignal(view, POLITIE, members([[POLITIE, 'invite']]), {
			kind: 'safety-concern',
			text: 'Zorg',
			retriage: false
		});
		expect(r.ok || r.error.code).toBe('not-member');
	});

	it('the reducer keeps a signal from any member, and flags one sent in plaintext', () => {
		const record = {
			v: 1,
			kind: 'safety-concern',
			text: 'Pleger gezien bij huis',
			retriage: true,
			at: '2026-11-20T10:00:00Z'
		};
		const v = reduceCase([...opening(), recordEvent(RECORD.signal, record, POLITIE)], ctx());
		expect(v.signals).toHaveLength(1);
		expect(v.signals[0]!.record.text).toBe('Pleger gezien bij huis');
		const plain = reduceCase([...opening(), recordEvent(RECORD.signal, record, POLITIE, undefined, false)], ctx());
		expect(plain.signals).toHaveLength(0);
		expect(plain.flagged).toHaveLength(1);
	});

	it('the signal form sends the record and the re-triage request', async () => {
		const oc = fakeCase({ me: POLITIE });
		const m = new SignalForm(oc);
		m.kind = 'safety-concern';
		m.text = 'Pleger gezien';
		m.retriage = true;
		expect(await m.submit(t)).toBe(true);
		expect(oc.queued.map((e) => e.kind)).toEqual(['record', 'retriage']);
		const empty = new SignalForm(fakeCase({ me: POLITIE }));
		expect(await empty.submit(t)).toBe(false);
		expect(empty.form.errors['text']).toBe('form.required');
	});
});

describe('regie at triage belongs to the regie organisations', () => {
	const view = reduceCase(opening(), ctx());
	const all = {
		...ctx(),
		members: new Map<string, Membership>([CSG, VT, SHN, POLITIE, CHAIR].map((u) => [u, 'join']))
	};
	const input = (regiehouder: string) => {
		const { v: _v, seq: _s, supersedes: _p, decided_at: _d, ...rest } = triageRecord(1, null, regiehouder);
		return rest as never;
	};

	it('refuses a police officer as regiehouder, and accepts a CSG case manager', () => {
		const refused = recordTriage(view, CHAIR, all, input(POLITIE));
		expect(refused.ok || refused.error.code).toBe('not-allowed');
		expect(recordTriage(view, CHAIR, all, input(CSG)).ok).toBe(true);
	});

	it('follows the deployment configuration', () => {
		const withPolice = { ...all, regieOrganisations: ['CSG', 'POLITIE'] };
		expect(recordTriage(view, CHAIR, withPolice, input(POLITIE)).ok).toBe(true);
		const r = recordTriage(view, CHAIR, withPolice, input(SHN));
		expect(r.ok || r.error.code).toBe('not-allowed');
	});
});

describe('the triage form offers to remove members no longer needed', () => {
	it('suggests members whose organisation takes no part, removes them after the decision with no-longer-involved', async () => {
		const oc = fakeCase({ me: CHAIR, members: [CSG, VT, SHN, POLITIE, CHAIR].map((u) => member(u)) });
		const m = new TriageForm(oc, NOW);
		m.domains.veiligheid.assigned = ['VT'];
		m.domains.hulp.assigned = ['CSG'];
		for (const d of ['veiligheid', 'strafrecht', 'hulp', 'herstel'] as const) m.domains[d].rationale = 'reden';
		m.regiehouder = CSG;
		// Police and SHN take no part; the chair and the regiehouder are never suggested.
		expect(m.notNeeded.map((x) => x.userId).sort()).toEqual([POLITIE, SHN].sort());
		m.keep = [SHN];
		expect(m.toRemove).toEqual([POLITIE]);
		m.domains.strafrecht.assigned = ['POLITIE'];
		expect(m.toRemove).toEqual([]);
		m.domains.strafrecht.assigned = [];
		expect(await m.submit(t)).toBe(true);
		const removals = oc.queued.filter((e) => e.kind === 'remove');
		expect(removals).toEqual([{ kind: 'remove', userId: POLITIE, reason: 'no-longer-involved' }]);
		expect(oc.queued[0]).toMatchObject({ kind: 'record', type: RECORD.triage });
	});
});

describe('an opener outside the regie organisations', () => {
	const policeOpening = () => [
		stateEvent(STATE.case, caseState()),
		stateEvent(STATE.access, accessState()),
		stateEvent(STATE.regie, regieState(null))
	];
	const { v: _v, ...intake } = intakeRecord();
	const input = { ...intake, facts: { ...intake.facts } } as Record<string, unknown>;
	delete (input.facts as Record<string, unknown>).reference;
	delete (input.facts as Record<string, unknown>).region;
	delete (input.facts as Record<string, unknown>).first_report_at;
	const joined = { ...ctx(), members: new Map<string, Membership>([[POLITIE, 'join']]) };

	it('records the intake (the record only: phase changes wait for the MDT), and the reducer accepts it', () => {
		const view = reduceCase(policeOpening(), ctx());
		expect(view.regie.regiehouder).toBeNull();
		const r = recordIntake(view, POLITIE, joined, input as never);
		expect(r.ok && r.effects.map((e) => e.kind)).toEqual(['record']);
		const after = reduceCase([...policeOpening(), recordEvent(RECORD.intake, intakeRecord(), POLITIE)], ctx());
		expect(after.intake?.sender).toBe(POLITIE);
		expect(after.flagged).toEqual([]);
	});

	it('cannot once the MDT has assigned regie, and the reducer flags such an intake', () => {
		const triaged = [
			...policeOpening(),
			stateEvent(STATE.regie, regieState(CSG)),
			recordEvent(RECORD.triage, triageRecord(1, null, CSG), CHAIR)
		];
		const view = reduceCase(triaged, ctx());
		const r = recordIntake(view, POLITIE, joined, input as never);
		expect(r.ok || r.error.code).toBe('not-allowed');
		const flagged = reduceCase([...triaged, recordEvent(RECORD.intake, intakeRecord(), POLITIE)], ctx());
		expect(flagged.intake).toBeNull();
		expect(flagged.flagged.map((f) => f.kind)).toEqual(['unauthorised']);
	});

	it('is not offered invitations in the new-case form (the MDT invites at triage)', async () => {
		const { NewCaseForm } = await import('../../src/lib/forms/new-case.svelte.ts');
		const police = new NewCaseForm(
			{ directory, me: POLITIE, open: async () => ({ roomId: '', reference: '', warnings: [] }) },
			NOW
		);
		expect(police.mayInvite).toBe(false);
		const csg = new NewCaseForm(
			{ directory, me: CSG, open: async () => ({ roomId: '', reference: '', warnings: [] }) },
			NOW
		);
		expect(csg.mayInvite).toBe(true);
	});
});

describe('an aanmelding that could not be posted is kept and posted again', () => {
	class MemoryStorage {
		private m = new Map<string, string>();
		getItem(k: string) {
			return this.m.get(k) ?? null;
		}
		setItem(k: string, v: string) {
			this.m.set(k, v);
		}
		removeItem(k: string) {
			this.m.delete(k);
		}
	}
	function fakeClient(send: () => Promise<unknown>) {
		const sent: string[] = [];
		const room = { getMyMembership: () => 'join', getMember: () => null, getEventForTxnId: () => null };
		const client = {
			getSafeUserId: () => POLITIE,
			getRoom: () => room,
			getCrypto: () => ({ isEncryptionEnabledInRoom: async () => true }),
			joinRoom: async () => room,
			leave: async () => ({}),
			sendEvent: async (_roomId: string, type: string) => {
				await send();
				sent.push(type);
				return { event_id: '$e' };
			}
		};
		return { client: client as never, sent };
	}

	it('posts what was kept, once, and drops one the board refuses for good', async () => {
		const { keepAanmelding, postPendingAanmeldingen } = await import('../../src/lib/matrix/board.ts');
		const storage = new MemoryStorage() as unknown as Storage;
		const one = aanmelding(item());
		keepAanmelding(POLITIE, { board: '!board:hs', aanmelding: one, guest: true }, storage);
		keepAanmelding(POLITIE, { board: '!board:hs', aanmelding: one, guest: true }, storage);
		const ok = fakeClient(async () => undefined);
		expect(await postPendingAanmeldingen(ok.client, storage)).toBe(1);
		expect(ok.sent).toEqual(['nl.casusruimte.aanmelding']);
		expect(await postPendingAanmeldingen(ok.client, storage)).toBe(0);

		keepAanmelding(POLITIE, { board: '!gone:hs', aanmelding: one, guest: false }, storage);
		const refused = fakeClient(async () => {
			throw Object.assign(new Error('forbidden'), { httpStatus: 403 });
		});
		expect(await postPendingAanmeldingen(refused.client, storage)).toBe(0);
		expect(storage.getItem(`casusruimte.aanmeldingen:${POLITIE}`)).toBeNull();
	});
});
