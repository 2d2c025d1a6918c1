/**
 * Aggregated, de-identified pilot figures for the evaluation, computed from the
 * plaintext case state only. Every figure about fewer than THRESHOLD cases is
 * shown as "<5" (primary suppression); where a published total would let
 * someone recover a single suppressed cell by subtraction, the smallest other
 * cell is suppressed too (secondary suppression). Pure.
 */
import type { Cell, FigureRow, FiguresResponse } from './schemas.ts';
import { DAY, HOUR } from '../case/time.ts';

export const THRESHOLD = 5;
export const SUPPRESSED = '<5' as const;

/** One case as the figures see it: dates and counts, nothing else. */
export interface FigureCase {
	region: string;
	first_report_at: string;
	acute: boolean;
	/** When the first MDT triage was decided (triage.status seq 1), if it happened. */
	first_triage_at: string | null;
	closed_at: string | null;
	handovers: number;
	organisations: number;
}

const amsterdamDay = new Intl.DateTimeFormat('en-CA', {
	timeZone: 'Europe/Amsterdam',
	year: 'numeric',
	month: '2-digit',
	day: '2-digit'
});

/** The calendar day in the Netherlands (YYYY-MM-DD) of an instant. */
export function dutchDay(instant: string): string {
	return amsterdamDay.format(new Date(instant));
}

export function count(n: number, threshold = THRESHOLD): Cell {
	return n < threshold ? SUPPRESSED : n;
}

/**
 * A percentage (one decimal) of num out of den. Suppressed when the base is small,
 * and when either the part or the rest is a small non-zero group: 1 of 40 is a
 * figure about one case.
 */
export function share(num: number, den: number, threshold = THRESHOLD): Cell {
	const rest = den - num;
	if (den < threshold || (num > 0 && num < threshold) || (rest > 0 && rest < threshold)) return SUPPRESSED;
	return Math.round((num / den) * 1000) / 10;
}

export function median(values: number[], threshold = THRESHOLD, decimals = 1): Cell {
	if (values.length < threshold) return SUPPRESSED;
	const sorted = [...values].sort((a, b) => a - b);
	const mid = sorted.length >> 1;
	const m = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
	return round(m, decimals);
}

export function mean(values: number[], threshold = THRESHOLD, decimals = 2): Cell {
	if (values.length < threshold) return SUPPRESSED;
	return round(values.reduce((a, b) => a + b, 0) / values.length, decimals);
}

function round(x: number, decimals: number): number {
	const f = 10 ** decimals;
	return Math.round(x * f) / f;
}

/**
 * Which of a set of counts to suppress when their total is published: every count
 * below the threshold, and, when exactly one non-empty cell would be suppressed,
 * also the smallest remaining one so the hidden count cannot be recovered by subtraction.
 */
export function suppressionMask(counts: number[], totalPublished: boolean, threshold = THRESHOLD): boolean[] {
	const mask = counts.map((n) => n < threshold);
	if (!totalPublished) return mask;
	const hidden = counts.filter((_, i) => mask[i]);
	if (hidden.length === 1 && hidden[0]! > 0) {
		let pick = -1;
		for (let i = 0; i < counts.length; i++) {
			if (!mask[i] && (pick < 0 || counts[i]! < counts[pick]!)) pick = i;
		}
		if (pick >= 0) mask[pick] = true;
	}
	return mask;
}

function row(region: string, cases: FigureCase[], hide: boolean, threshold: number): FigureRow {
	const n = cases.length;
	if (hide || n < threshold) {
		return {
			region,
			cases: SUPPRESSED,
			acute_share: SUPPRESSED,
			triaged: SUPPRESSED,
			triage_median_hours: SUPPRESSED,
			triaged_within_24h_share: SUPPRESSED,
			handovers_mean: SUPPRESSED,
			organisations_mean: SUPPRESSED,
			closed: SUPPRESSED,
			closure_median_days: SUPPRESSED
		};
	}
	const triageHours = cases
		.filter((c) => c.first_triage_at)
		.map((c) => (Date.parse(c.first_triage_at!) - Date.parse(c.first_report_at)) / HOUR);
	const closureDays = cases
		.filter((c) => c.closed_at)
		.map((c) => (Date.parse(c.closed_at!) - Date.parse(c.first_report_at)) / DAY);
	return {
		region,
		cases: n,
		acute_share: share(cases.filter((c) => c.acute).length, n, threshold),
		triaged: count(triageHours.length, threshold),
		triage_median_hours: median(triageHours, threshold),
		triaged_within_24h_share: share(triageHours.filter((h) => h <= 24).length, triageHours.length, threshold),
		handovers_mean: mean(
			cases.map((c) => c.handovers),
			threshold
		),
		organisations_mean: mean(
			cases.map((c) => c.organisations),
			threshold
		),
		closed: count(closureDays.length, threshold),
		closure_median_days: median(closureDays, threshold)
	};
}

function distribution(cases: FigureCase[], buckets: string[], bucketOf: (c: FigureCase) => string, threshold: number) {
	const counts = buckets.map((b) => cases.filter((c) => bucketOf(c) === b).length);
	const mask = suppressionMask(counts, true, threshold);
	return buckets.map((bucket, i) => ({ bucket, cases: mask[i] ? SUPPRESSED : counts[i]! }));
}

export interface FigureOptions {
	from: string;
	to: string;
	now?: number;
	threshold?: number;
}

/** The pilot figures for cases first reported between from and to (Dutch calendar days, inclusive). */
export function computeFigures(all: FigureCase[], opts: FigureOptions): FiguresResponse {
	const threshold = opts.threshold ?? THRESHOLD;
	const cases = all.filter((c) => {
		const day = dutchDay(c.first_report_at);
		return day >= opts.from && day <= opts.to;
	});
	const regions = [...new Set(cases.map((c) => c.region))].sort();
	const byRegion = regions.map((r) => cases.filter((c) => c.region === r));
	// The overall count is published, so the regions' counts are protected against subtraction.
	const regionHidden = suppressionMask(
		byRegion.map((c) => c.length),
		cases.length >= threshold,
		threshold
	);

	const months = [...new Set(cases.map((c) => dutchDay(c.first_report_at).slice(0, 7)))].sort();
	const grid = months.map((m) =>
		byRegion.map((rc) => rc.filter((c) => dutchDay(c.first_report_at).startsWith(m)).length)
	);
	const gridHidden = grid.map((r) => r.map(() => false));
	regions.forEach((_, col) => {
		const mask = suppressionMask(
			grid.map((r) => r[col]!),
			!regionHidden[col],
			threshold
		);
		mask.forEach((hidden, rowIndex) => (gridHidden[rowIndex]![col] = hidden || regionHidden[col]!));
	});

	return {
		from: opts.from,
		to: opts.to,
		generated_at: new Date(opts.now ?? Date.now()).toISOString(),
		threshold,
		regions,
		per_month: months.map((month, i) => ({
			month,
			cells: grid[i]!.map((n, col) => (gridHidden[i]![col] ? SUPPRESSED : n))
		})),
		by_region: regions.map((r, i) => row(r, byRegion[i]!, regionHidden[i]!, threshold)),
		overall: row('all', cases, false, threshold),
		handovers: distribution(cases, ['0', '1', '2+'], (c) => (c.handovers >= 2 ? '2+' : String(c.handovers)), threshold),
		organisations: distribution(
			cases,
			['1', '2', '3', '4', '5+'],
			(c) => (c.organisations >= 5 ? '5+' : String(Math.max(1, c.organisations))),
			threshold
		)
	};
}
