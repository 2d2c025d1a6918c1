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
	pilotAggregate,
	pilotAggregateCsv,
	pilotFacts
} from '../../src/lib/privacy/pilot-figures.ts';
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
function view(o: { acute: boolean; sex?: string; steps?: [string, string][]; previous?: boolean; region?: string }) {
	return reduceCase(
		[
			stateEvent(STATE.case, caseState({ acute: o.acute, region: o.region ?? 'DH' })),
			stateEvent(STATE.access, accessState()),
			stateEvent(STATE.regie, regieState()),
			recordEvent(
				RECORD.intake,
				{
					...intakeRecord(),
					facts: { ...intakeRecord().facts, acute: o.acute, region: o.region ?? 'DH' },
					person: { name: 'A', ...(o.sex ? { sex: o.sex } : {}) },
					risk: { ...unknownRisk(), previous_abuse: o.previous ? 'yes' : 'no' }
				},
				CSG,
				T0
			),
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
});
