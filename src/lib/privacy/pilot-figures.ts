/**
 * The pilot's figures that need the case content (issue 14), computed where the
 * plaintext already is: in the browser of a member (e.g. the MDT chair for the
 * region's cases), from decrypted case views. Only the aggregate may leave that
 * browser: counts per month and region, every count under THRESHOLD (zero
 * included) shown as "<5", as the server-side figures do (figures.ts).
 *
 * `PilotAggregate` is the one shape that may be sent: counts only, each figure
 * a known code, each cell a whole number of at least THRESHOLD or "<5". A
 * receiver checks it with this schema and needs nothing else.
 */
import { z } from 'zod';
import { RegionCode } from '../case/primitives.ts';
import type { CaseView } from '../case/view.ts';
import { count, dutchDay, SUPPRESSED, THRESHOLD } from './figures.ts';
import { toCsv } from '../csv.ts';

/** Each figure with its definition (nl first, en second): what the half-yearly CSG figures and the pilot ask. */
export const PILOT_FIGURES = {
	cases: {
		nl: 'Casussen met een eerste melding in de maand',
		en: 'Cases first reported in the month'
	},
	acute: {
		nl: 'Acute casussen (incident hooguit 7 dagen voor de melding)',
		en: 'Acute cases (incident at most 7 days before the report)'
	},
	non_acute: { nl: 'Niet-acute casussen', en: 'Non-acute cases' },
	acute_female: { nl: 'Acuut, slachtoffer vrouw', en: 'Acute, victim female' },
	acute_male: { nl: 'Acuut, slachtoffer man', en: 'Acute, victim male' },
	acute_minor: { nl: 'Acuut, slachtoffer minderjarig', en: 'Acute, victim a minor' },
	acute_previous_abuse: {
		nl: 'Acuut, eerder slachtoffer (risicotaxatie: ja)',
		en: 'Acute, earlier victim (risk assessment: yes)'
	},
	acute_medical_care: { nl: 'Acuut, acute medische zorg gedaan', en: 'Acute, acute medical care done' },
	acute_fmo: { nl: 'Acuut, forensisch-medisch onderzoek gedaan', en: 'Acute, forensic medical examination done' },
	acute_aangifte: { nl: 'Acuut, aangifte gedaan', en: 'Acute, police report made' },
	acute_case_management: {
		nl: 'Acuut, met casemanagement (een regiehouder)',
		en: 'Acute, with case management (a regiehouder)'
	},
	triaged_within_24h: {
		nl: 'Eerste MDT-triage binnen 24 uur na de melding',
		en: 'First MDT triage within 24 hours of the report'
	},
	regie_assigned: { nl: 'Met een regiehouder', en: 'With a regiehouder' }
} as const;
export type PilotFigure = keyof typeof PILOT_FIGURES;
export const PILOT_FIGURE_CODES = Object.keys(PILOT_FIGURES) as PilotFigure[];

/** A published cell: a whole number of at least the threshold, or "<5". */
export const PilotCell = z.union([z.number().int().min(THRESHOLD), z.literal(SUPPRESSED)]);
export type PilotCell = z.infer<typeof PilotCell>;

export const PilotAggregate = z.strictObject({
	v: z.literal(1),
	region: RegionCode,
	/** The period (Dutch calendar days, inclusive). */
	from: z.iso.date(),
	to: z.iso.date(),
	computed_at: z.iso.datetime(),
	threshold: z.literal(THRESHOLD),
	months: z
		.array(
			z.strictObject({
				month: z.string().regex(/^\d{4}-\d{2}$/),
				figures: z.strictObject(
					Object.fromEntries(PILOT_FIGURE_CODES.map((c) => [c, PilotCell])) as Record<PilotFigure, typeof PilotCell>
				)
			})
		)
		.max(120)
});
export type PilotAggregate = z.infer<typeof PilotAggregate>;

/** What one case contributes: yes/no facts, nothing that names anyone. */
export type PilotFacts = { region: string; month: string } & Record<PilotFigure, boolean>;

/** The facts of one decrypted case, or null without a reference time or region. */
export function pilotFacts(view: CaseView): PilotFacts | null {
	if (!view.firstReportAt || !view.region) return null;
	const acute = view.acute === true;
	const sex = view.person?.sex ?? 'unknown';
	const regie = view.regie.regiehouder !== null || view.regie.history.length > 0;
	return {
		region: view.region,
		month: dutchDay(view.firstReportAt).slice(0, 7),
		cases: true,
		acute,
		non_acute: !acute,
		acute_female: acute && sex === 'female',
		acute_male: acute && sex === 'male',
		acute_minor: acute && view.facts?.minor === true,
		acute_previous_abuse: acute && view.risk.current?.risk.previous_abuse === 'yes',
		acute_medical_care: acute && view.steps.latest.acute_medical_care?.record.outcome === 'done',
		acute_fmo: acute && view.steps.latest.fmo?.record.outcome === 'done',
		acute_aangifte: acute && view.steps.latest.aangifte?.record.outcome === 'yes',
		acute_case_management: acute && regie,
		triaged_within_24h: view.triagedWithinDeadline === true,
		regie_assigned: regie
	};
}

/**
 * The aggregate of one region's cases first reported in the period: per month
 * a count per figure, every count under the threshold suppressed. Cases of other
 * regions or outside the period are left out.
 */
export function pilotAggregate(
	views: readonly CaseView[],
	opts: { region: string; from: string; to: string; now: number }
): PilotAggregate {
	const facts = views
		.map(pilotFacts)
		.filter((f): f is PilotFacts => f !== null && f.region === opts.region)
		.filter((f) => f.month >= opts.from.slice(0, 7) && f.month <= opts.to.slice(0, 7));
	const months = [...new Set(facts.map((f) => f.month))].sort();
	return PilotAggregate.parse({
		v: 1,
		region: opts.region,
		from: opts.from,
		to: opts.to,
		computed_at: new Date(opts.now).toISOString(),
		threshold: THRESHOLD,
		months: months.map((month) => {
			const inMonth = facts.filter((f) => f.month === month);
			return {
				month,
				figures: Object.fromEntries(PILOT_FIGURE_CODES.map((c) => [c, count(inMonth.filter((f) => f[c]).length)]))
			};
		})
	});
}

/** The aggregate as CSV (one row per month and figure), each figure with its definition. */
export function pilotAggregateCsv(a: PilotAggregate, locale: 'nl' | 'en' = 'nl'): string {
	return toCsv(
		['region', 'month', 'figure', 'definition', 'value'],
		a.months.flatMap((m) =>
			PILOT_FIGURE_CODES.map((c) => [a.region, m.month, c, PILOT_FIGURES[c][locale], m.figures[c]])
		)
	);
}
