/**
 * Issue 14: the pilot figures computed from decrypted case views in a member's
 * browser; only the aggregate (counts per month and region, cells under 5
 * suppressed) may leave it, and its schema accepts nothing else.
 */
import { describe, expect, it } from 'vitest';
import { reduceCase } from '../../src/lib/case/reducer.ts';
import { unknownRisk } from '../../src/lib/case/records.ts';
import {
	PILOT_FIGURES,
	PILOT_FIGURE_CODES,
	PilotAggregate,
	monthsOf,
	pilotAggregate,
	pilotAggregateCsv,
	pilotFacts,
	suppressionProblems,
	type PilotSubmitted
} from '../../src/lib/privacy/pilot-figures.ts';
import { PilotFiguresModel, type PilotPorts } from '../../src/lib/state/pilot-figures.svelte.ts';
import type { CaseView } from '../../src/lib/case/view.ts';
import { Refusal } from '../../src/lib/refusal.ts';
import { parseCsv } from '../../src/lib/csv.ts';
import {
	CHAIR,
	CSG,
	POLITIE,
	RECORD,
	STATE,
	T0,
	accessState,
	caseState,
	ctx,
	intakeRecord,
	recordEvent,
	regieState,
	stateEvent,
	triageRecord
} from '../support/domain-fixtures.ts';

const step = (kind: string, outcome: string) => ({
	v: 1,
	step: kind,
	outcome,
	date: '2026-11-20',
	at: '2026-11-20T12:00:00Z'
});

/** A decrypted case: acute or not, the victim's sex, the steps recorded. */
function view(o: {
	acute: boolean;
	sex?: string;
	steps?: [string, string][];
	previous?: boolean;
	region?: string;
	reportedAt?: string;
	unreadable?: boolean;
}) {
	const first = o.reportedAt ? { first_report_at: o.reportedAt } : {};
	const intake = recordEvent(
		RECORD.intake,
		{
			...intakeRecord(),
			facts: { ...intakeRecord().facts, acute: o.acute, region: o.region ?? 'DH', ...first },
			person: { name: 'A', ...(o.sex ? { sex: o.sex } : {}) },
			risk: { ...unknownRisk(), previous_abuse: o.previous ? 'yes' : 'no' }
		},
		CSG,
		T0
	);
	return reduceCase(
		[
			stateEvent(STATE.case, caseState({ acute: o.acute, region: o.region ?? 'DH', ...first })),
			stateEvent(STATE.access, accessState()),
			stateEvent(STATE.regie, regieState()),
			...(o.unreadable ? [] : [intake]),
			recordEvent(RECORD.triage, triageRecord(1, null, CSG, '2026-11-20T15:00:00Z'), CHAIR, T0 + 1000),
			...(o.steps ?? []).map(([k, out]) => recordEvent(RECORD.step, step(k, out), POLITIE, T0 + 2000))
		],
		ctx()
	);
}

const period = { region: 'DH', from: '2026-11-01', to: '2026-11-30', now: Date.parse('2026-12-01T08:00:00Z') };

describe('the pilot figures from decrypted records', () => {
	it('one case contributes yes/no facts only', () => {
		const f = pilotFacts(
			view({
				acute: true,
				sex: 'female',
				steps: [
					['fmo', 'done'],
					['aangifte', 'considering']
				]
			})
		)!;
		expect(f).toMatchObject({
			region: 'DH',
			month: '2026-11',
			acute: true,
			acute_female: true,
			acute_fmo: true,
			acute_aangifte: false,
			acute_case_management: true,
			triaged_within_24h: true
		});
		expect(Object.values(f).every((v) => typeof v === 'boolean' || /^(DH|2026-11)$/.test(String(v)))).toBe(true);
	});

	it('counts per month and region, every count under 5 suppressed (over and under the threshold)', () => {
		const views = [
			...Array.from({ length: 6 }, () => view({ acute: true, sex: 'female', steps: [['fmo', 'done']] })),
			...Array.from({ length: 2 }, () => view({ acute: true, sex: 'male', previous: true })),
			...Array.from({ length: 5 }, () => view({ acute: false })),
			view({ acute: true, region: 'OB' })
		];
		const a = pilotAggregate(views, period);
		expect(a.months).toHaveLength(1);
		const f = a.months[0]!.figures;
		expect(f.cases).toBe(13);
		expect(f.acute).toBe(8);
		expect(f.non_acute).toBe(5);
		expect(f.acute_female).toBe(6);
		expect(f.acute_fmo).toBe(6);
		expect(f.acute_male).toBe('<5');
		expect(f.acute_previous_abuse).toBe('<5');
		expect(f.acute_aangifte).toBe('<5'); // zero is suppressed too
		expect(PilotAggregate.safeParse(a).success).toBe(true);
	});

	it('the schema that a receiver checks accepts counts only', () => {
		const a = pilotAggregate([view({ acute: true })], period);
		const month = a.months[0]!;
		const bad = (figures: object) => ({ ...a, months: [{ ...month, figures: { ...month.figures, ...figures } }] });
		expect(PilotAggregate.safeParse(bad({ acute: 3 })).success).toBe(false);
		expect(PilotAggregate.safeParse(bad({ acute: 5.5 })).success).toBe(false);
		expect(PilotAggregate.safeParse(bad({ acute: 'Jan Jansen' })).success).toBe(false);
		expect(PilotAggregate.safeParse(bad({ names: 7 })).success).toBe(false);
		expect(PilotAggregate.safeParse({ ...a, note: 'x' }).success).toBe(false);
	});

	it('exports CSV with a definition per figure, in Dutch and English', () => {
		const a = pilotAggregate(
			Array.from({ length: 5 }, () => view({ acute: true })),
			period
		);
		const rows = parseCsv(pilotAggregateCsv(a));
		expect(rows[0]).toEqual(['region', 'month', 'figure', 'definition', 'value']);
		expect(rows.find((r) => r[2] === 'acute')).toEqual(['DH', '2026-11', 'acute', PILOT_FIGURES.acute.nl, '5']);
		expect(parseCsv(pilotAggregateCsv(a, 'en')).find((r) => r[2] === 'acute')?.[3]).toBe(PILOT_FIGURES.acute.en);
		for (const c of PILOT_FIGURE_CODES) expect(PILOT_FIGURES[c].nl && PILOT_FIGURES[c].en).toBeTruthy();
	});

	it('lists every month of the period and hides what a total would give away by subtraction', () => {
		const oct = '2026-10-10T09:00:00Z';
		const views = [
			...Array.from({ length: 7 }, () => view({ acute: true })),
			...Array.from({ length: 2 }, () => view({ acute: true, reportedAt: oct }))
		];
		expect(pilotAggregate(views, { ...period, from: '2026-09-01' }).months.map((m) => m.month)).toEqual([
			'2026-09',
			'2026-10',
			'2026-11'
		]);
		const a = pilotAggregate(views, { ...period, from: '2026-10-01' });
		// October's 2 would follow from 9 − 7, so November is hidden too.
		expect(a.cases_read).toBe(9);
		expect(a.months.map((m) => m.figures.cases)).toEqual(['<5', '<5']);
		for (const m of a.months) expect(Object.values(m.figures).every((v) => v === '<5')).toBe(true);
		// Within a month: cases = acute + non_acute; a lone hidden non-zero part hides the other (and the acute details).
		const mixed = pilotAggregate(
			[
				...Array.from({ length: 6 }, () => view({ acute: true, sex: 'female' })),
				...Array.from({ length: 2 }, () => view({ acute: false }))
			],
			period
		);
		expect(mixed.months[0]!.figures).toMatchObject({ cases: 8, acute: '<5', non_acute: '<5', acute_female: '<5' });
		// A lone hidden zero tells nothing: all acute, the acute figures stay.
		const allAcute = pilotAggregate(
			Array.from({ length: 5 }, () => view({ acute: true })),
			period
		);
		expect(allAcute.months[0]!.figures).toMatchObject({ cases: 5, acute: 5, non_acute: '<5' });
		expect(suppressionProblems(a)).toEqual([]);
	});

	it('counts only cases whose intake this browser read; the others are the coverage gap', () => {
		const views = [
			...Array.from({ length: 5 }, () => view({ acute: true })),
			view({ acute: true, unreadable: true }),
			view({ acute: true, region: 'OB' })
		];
		expect(pilotFacts(views[5]!)).toBeNull();
		const a = pilotAggregate(views, period);
		expect(a.cases_read).toBe(5);
		expect(a.cases_unread).toBe('<5');
		expect(a.months[0]!.figures.cases).toBe(5);
	});

	it('a receiver refuses unsuppressed cells, free text, extra fields and figures that break the suppression rules', () => {
		const a = pilotAggregate(
			Array.from({ length: 6 }, () => view({ acute: true, sex: 'female' })),
			period
		);
		expect(PilotAggregate.safeParse(a).success).toBe(true);
		const month = a.months[0]!;
		const withFigures = (figures: object) => ({
			...a,
			months: [{ ...month, figures: { ...month.figures, ...figures } }]
		});
		const refused = (x: unknown) => expect(PilotAggregate.safeParse(x).success).toBe(false);
		refused(withFigures({ acute_fmo: 2 })); // under 5 and not "<5"
		refused(withFigures({ acute_fmo: 0 }));
		refused(withFigures({ acute_fmo: '2' }));
		refused(withFigures({ acute_fmo: 'Jan Jansen, Dorpsstraat 1' }));
		refused({ ...a, cases_read: 3 });
		refused({ ...a, note: 'slachtoffer woont bij oom' });
		refused({ ...a, months: [{ ...month, remark: 'x' }] });
		refused({ ...a, region: 'Den Haag' });
		refused({ ...a, from: 'vorige maand' });
		// suppression rules a receiver can check
		refused(withFigures({ cases: '<5' })); // a hidden month shows nothing
		refused(withFigures({ acute: 7 })); // more than cases
		refused(withFigures({ acute_female: 8, acute: 6, cases: 6 })); // a part above its whole
		refused({ ...a, cases_read: 9 }); // months do not add up
		refused({ ...a, months: [] }); // every month of the period
		refused({ ...a, from: '2026-12-01', to: '2026-11-01' });
		expect(suppressionProblems({ ...a, cases_read: 9 })).toContain(
			'months: the case counts do not add up to cases_read'
		);
		expect(monthsOf('2026-11-15', '2027-02-01')).toEqual(['2026-11', '2026-12', '2027-01', '2027-02']);
		expect(monthsOf('2000-01-01', '2026-01-01')).toEqual([]);
	});
});

describe("the MDT chair's pilot figures (model)", () => {
	const NOW = Date.parse('2026-12-01T08:00:00Z');
	function ports(views: Map<string, CaseView | null>, send?: PilotPorts['send']) {
		const sent: unknown[] = [];
		const p: PilotPorts & { complete: boolean; waiting: number; live: boolean } = {
			complete: true,
			waiting: 0,
			live: true,
			caughtUp: async () => p.live,
			listComplete: () => p.complete,
			unsent: () => p.waiting,
			caseRooms: () =>
				[...views.entries()].map(([roomId, v]) => ({
					roomId,
					region: v?.region ?? 'DH',
					firstReportAt: v?.firstReportAt ?? '2026-11-20T09:00:00Z'
				})),
			readCase: async (roomId) => views.get(roomId) ?? null,
			send:
				send ??
				(async (region, aggregate) => {
					sent.push(JSON.parse(JSON.stringify(aggregate)));
					return {
						ok: true,
						region,
						from: aggregate.from,
						to: aggregate.to,
						received_at: new Date(NOW).toISOString(),
						replaced: false
					} satisfies PilotSubmitted;
				}),
			now: () => NOW
		};
		return { p, sent };
	}

	it("computes the region's aggregate from the cases it reads, previews exactly what it sends, and sends only that", async () => {
		const views = new Map<string, CaseView | null>();
		for (let i = 0; i < 6; i++) views.set(`!dh${i}:hs`, view({ acute: true, sex: 'female', steps: [['fmo', 'done']] }));
		views.set('!ob:hs', view({ acute: true, region: 'OB' }));
		views.set('!gone:hs', null);
		const { p, sent } = ports(views);
		const m = new PilotFiguresModel('DH', p);
		m.from = '2026-11-01';
		m.to = '2026-11-30';
		// not while the case list is still loading: cases would be missing
		p.complete = false;
		await m.compute();
		expect(m.error?.code).toBe('unavailable');
		expect(m.aggregate).toBeNull();
		p.complete = true;
		// nor while this device still has work to send: a case opened a moment ago would count as unread
		p.waiting = 1;
		await m.compute();
		expect(m.error?.in('en')).toMatch(/still waiting to be sent/);
		expect(m.aggregate).toBeNull();
		p.waiting = 0;
		// nor from the cache alone, before the homeserver has brought this browser up to date
		p.live = false;
		await m.compute();
		expect(m.error?.in('nl')).toMatch(/nog niet bijgewerkt/);
		expect(m.status).toBe('idle');
		p.live = true;
		await m.compute();
		expect(m.status).toBe('ready');
		expect(m.progress).toEqual({ done: 7, total: 7 }); // OB is not read at all
		expect(m.unopened).toBe(1);
		expect(m.aggregate!.months[0]!.figures).toMatchObject({ cases: 6, acute: 6, acute_fmo: 6, acute_female: 6 });
		expect(m.preview).not.toMatch(/"name"|Het verhaal|@/);
		await m.send();
		expect(m.status).toBe('sent');
		expect(sent).toEqual([JSON.parse(m.preview)]);
	});

	it('refuses to send a preview of another period, and a reversed period; a refusal from the server is shown', async () => {
		const views = new Map<string, CaseView | null>([['!a:hs', view({ acute: true })]]);
		const refusal = new Refusal('not-allowed', { nl: 'Alleen de voorzitter.', en: 'Only the chair.' });
		const { p } = ports(views, async () => {
			throw refusal;
		});
		const m = new PilotFiguresModel('DH', p);
		await m.send();
		expect(m.error?.code).toBe('invalid');
		m.from = '2026-11-01';
		m.to = '2026-11-30';
		await m.compute();
		m.from = '2026-10-01';
		expect(m.stale).toBe(true);
		await m.send();
		expect(m.error?.code).toBe('invalid');
		m.from = '2026-11-01';
		await m.send();
		expect(m.error).toBe(refusal);
		expect(m.status).toBe('ready');
		m.from = '2026-12-01';
		await m.compute();
		expect(m.error?.in('en')).toMatch(/starts after it ends/);
	});
});
