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
import { count, dutchDay, suppressionMask, SUPPRESSED, THRESHOLD } from './figures.ts';
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

/** The coverage of an aggregate: what it was computed over (nl, en). */
export const PILOT_COVERAGE = {
	cases_read: {
		nl: 'Casussen van de regio in de periode die de browser van de voorzitter kon lezen (waarover geteld is)',
		en: "Cases of the region in the period that the chair's browser could read (what was counted)"
	},
	cases_unread: {
		nl: 'Casussen van de regio in de periode waarvan de voorzitter lid is maar de intake niet kon lezen (niet geteld)',
		en: 'Cases of the region in the period the chair is a member of but whose intake could not be read (not counted)'
	},
	received_at: { nl: 'Ontvangen op (UTC)', en: 'Received at (UTC)' }
} as const;
export const PILOT_FIGURE_CODES = Object.keys(PILOT_FIGURES) as PilotFigure[];

/** A published cell: a whole number of at least the threshold, or "<5". */
export const PilotCell = z.union([z.number().int().min(THRESHOLD), z.literal(SUPPRESSED)]);
export type PilotCell = z.infer<typeof PilotCell>;

/** At most ten years of months in one aggregate. */
export const MAX_PILOT_MONTHS = 120;

/** The figures that count among the acute cases (each at most `acute`). */
const ACUTE_PARTS: readonly PilotFigure[] = PILOT_FIGURE_CODES.filter((c) => c.startsWith('acute_'));

/** Every calendar month from `from` to `to` (YYYY-MM-DD), in order; [] when the period is reversed or too long. */
export function monthsOf(from: string, to: string): string[] {
	const out: string[] = [];
	let [y, m] = from.slice(0, 7).split('-').map(Number) as [number, number];
	const last = to.slice(0, 7);
	for (;;) {
		const month = `${y}-${String(m).padStart(2, '0')}`;
		if (month > last || out.length > MAX_PILOT_MONTHS) break;
		out.push(month);
		if (++m > 12) [y, m] = [y + 1, 1];
	}
	return out.length > MAX_PILOT_MONTHS ? [] : out;
}

const hidden = (c: PilotCell) => c === SUPPRESSED;
const num = (c: PilotCell) => (c === SUPPRESSED ? null : c);

/**
 * The suppression rules a receiver can check without the cases (the server does,
 * on every submission): every month of the period once; a month whose case count
 * is hidden shows nothing; shown parts add up to a shown total; a part is never
 * more than its whole, and no acute figure shows beside a hidden acute count.
 * (That a lone hidden part of a shown total is a zero, the sender's rule as in
 * figures.ts, no receiver can check: "<5" looks the same for 0 and 3.)
 * Returns what is wrong, or [] when nothing is.
 */
export function suppressionProblems(a: {
	from: string;
	to: string;
	cases_read: PilotCell;
	months: readonly { month: string; figures: Record<PilotFigure, PilotCell> }[];
}): string[] {
	const problems: string[] = [];
	if (a.from > a.to) problems.push('from: the period starts after it ends');
	const expected = monthsOf(a.from, a.to);
	if (expected.length === 0 && a.from <= a.to) problems.push(`months: at most ${MAX_PILOT_MONTHS} months`);
	if (a.months.map((m) => m.month).join() !== expected.join())
		problems.push('months: every month of the period, in order, once');
	const monthCases = a.months.map((m) => m.figures.cases);
	const total = num(a.cases_read);
	if (total === null && monthCases.some((c) => !hidden(c)))
		problems.push('cases_read: "<5" while a month shows 5 or more cases');
	if (total !== null) {
		const shown = monthCases.filter((c) => !hidden(c)) as number[];
		const sum = shown.reduce((x, y) => x + y, 0);
		const nHidden = monthCases.length - shown.length;
		if (nHidden === 0 ? sum !== total : sum > total)
			problems.push('months: the case counts do not add up to cases_read');
	}
	for (const m of a.months) {
		const f = m.figures;
		const where = `months.${m.month}`;
		const cases = num(f.cases);
		if (cases === null) {
			if (PILOT_FIGURE_CODES.some((c) => !hidden(f[c])))
				problems.push(`${where}: the case count is "<5", so every figure must be`);
			continue;
		}
		const parts = [f.acute, f.non_acute];
		if (!parts.some(hidden) && (f.acute as number) + (f.non_acute as number) !== cases)
			problems.push(`${where}: acute and non_acute do not add up to cases`);
		for (const c of PILOT_FIGURE_CODES) {
			const v = num(f[c]);
			if (v !== null && v > cases) problems.push(`${where}.${c}: more than cases`);
		}
		const acute = num(f.acute);
		for (const c of ACUTE_PARTS) {
			const v = num(f[c]);
			if (v !== null && (acute === null || v > acute)) problems.push(`${where}.${c}: more than acute`);
		}
	}
	return problems;
}

export const PilotAggregate = z
	.strictObject({
		v: z.literal(1),
		region: RegionCode,
		/** The period (Dutch calendar days, inclusive). */
		from: z.iso.date(),
		to: z.iso.date(),
		computed_at: z.iso.datetime(),
		threshold: z.literal(THRESHOLD),
		/** How many of the region's cases in the period the sender's browser read (decrypted intake): the coverage. */
		cases_read: PilotCell,
		/** Cases of the region in the period that the browser holds but could not read (no decrypted intake). */
		cases_unread: PilotCell,
		/** Every month of the period, in order (so a month's presence tells nothing). */
		months: z
			.array(
				z.strictObject({
					month: z.string().regex(/^\d{4}-\d{2}$/),
					figures: z.strictObject(
						Object.fromEntries(PILOT_FIGURE_CODES.map((c) => [c, PilotCell])) as Record<PilotFigure, typeof PilotCell>
					)
				})
			)
			.max(MAX_PILOT_MONTHS)
	})
	.superRefine((a, ctx) => {
		for (const message of suppressionProblems(a)) ctx.addIssue({ code: 'custom', message });
	});
export type PilotAggregate = z.infer<typeof PilotAggregate>;

/** What one case contributes: yes/no facts, nothing that names anyone. */
export type PilotFacts = { region: string; month: string } & Record<PilotFigure, boolean>;

/**
 * The facts of one decrypted case, or null without a reference time or region,
 * or when the intake could not be read (the case is then not counted: a case
 * whose records this browser cannot decrypt would count as "no" everywhere).
 */
export function pilotFacts(view: CaseView): PilotFacts | null {
	if (!view.firstReportAt || !view.region || !view.intake) return null;
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

/** The region's cases first reported in the period (Dutch calendar days), as the browser holds them. */
export function casesInPeriod(
	views: readonly CaseView[],
	opts: { region: string; from: string; to: string }
): CaseView[] {
	return views.filter((v) => {
		if (v.region !== opts.region || !v.firstReportAt) return false;
		const day = dutchDay(v.firstReportAt);
		return day >= opts.from && day <= opts.to;
	});
}

/**
 * The aggregate of one region's cases first reported in the period: per month
 * (every month of the period) a count per figure, every count under the
 * threshold suppressed, and the counts that would give a hidden one away by
 * subtraction hidden too. Cases of other regions or outside the period are left
 * out; cases whose intake this browser cannot read are counted in `cases_unread` only.
 */
export function pilotAggregate(
	views: readonly CaseView[],
	opts: { region: string; from: string; to: string; now: number }
): PilotAggregate {
	const inPeriod = casesInPeriod(views, opts);
	const facts = inPeriod.map(pilotFacts).filter((f): f is PilotFacts => f !== null);
	const months = monthsOf(opts.from, opts.to);
	const perMonth = months.map((month) => facts.filter((f) => f.month === month));
	const totalShown = facts.length >= THRESHOLD;
	const monthHidden = suppressionMask(
		perMonth.map((m) => m.length),
		totalShown
	);
	return PilotAggregate.parse({
		v: 1,
		region: opts.region,
		from: opts.from,
		to: opts.to,
		computed_at: new Date(opts.now).toISOString(),
		threshold: THRESHOLD,
		cases_read: count(facts.length),
		cases_unread: count(inPeriod.length - facts.length),
		months: months.map((month, i) => {
			const inMonth = perMonth[i]!;
			const n = (c: PilotFigure) => inMonth.filter((f) => f[c]).length;
			if (monthHidden[i]) return { month, figures: Object.fromEntries(PILOT_FIGURE_CODES.map((c) => [c, SUPPRESSED])) };
			const [acuteHidden, nonAcuteHidden] = suppressionMask([n('acute'), n('non_acute')], true);
			const figures = Object.fromEntries(PILOT_FIGURE_CODES.map((c) => [c, count(n(c))])) as Record<
				PilotFigure,
				PilotCell
			>;
			if (acuteHidden) figures.acute = SUPPRESSED;
			if (nonAcuteHidden) figures.non_acute = SUPPRESSED;
			// A figure among the acute cases means nothing beside a hidden acute count, and could bound it.
			if (acuteHidden) for (const c of ACUTE_PARTS) figures[c] = SUPPRESSED;
			return { month, figures };
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

/** How long the app server keeps a received aggregate (months after receipt): the pilot and its evaluation. */
export const PILOT_AGGREGATE_RETENTION_MONTHS = 36;

/** An aggregate as the app server keeps it and the privacy console shows it: when it arrived, and the aggregate. */
export const ReceivedAggregate = z.strictObject({
	received_at: z.iso.datetime(),
	aggregate: PilotAggregate
});
export type ReceivedAggregate = z.infer<typeof ReceivedAggregate>;

/** What the app server answers when it has stored an aggregate. */
export interface PilotSubmitted {
	ok: true;
	region: string;
	from: string;
	to: string;
	received_at: string;
	/** An earlier aggregate for the same region and period was replaced. */
	replaced: boolean;
}
