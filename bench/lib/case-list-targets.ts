/**
 * The case-list rows of issue 15's target table, computed from one run's
 * results: each `{ figure, value, target, met }`, as `bench/results.json`
 * carries them under `targets` and the printed table shows them.
 */
import { ratio } from './stats.ts';

export interface TargetRow {
	figure: string;
	value: number;
	target: string;
	met: boolean;
}

interface ColdStart {
	rooms: number;
	/** Cold start to the full case list, p50 ms. */
	fullListMs: number;
	/** Cold start to the first screen (20 rows), p50 ms. */
	firstScreenMs: number;
	/** The raw classic initial /sync (timeline limit 8, lazy members) of the same account, ms. */
	classicSyncMs: number;
}

/** The first screen is held to an absolute time only from this many rooms (the table's 2,000). */
const FIRST_SCREEN_ROOMS = 2000;

export function caseListTargets(measured: ColdStart[]): TargetRow[] {
	const rows: TargetRow[] = [];
	for (const m of measured) {
		const r = ratio(m.fullListMs, m.classicSyncMs);
		rows.push({
			figure: `cold start to the full case list vs raw classic initial /sync, ${m.rooms} case rooms`,
			value: r,
			target: '≤ 0.5×',
			met: r <= 0.5
		});
	}
	const [small, large] = [...measured].sort((a, b) => a.rooms - b.rooms);
	if (small && large && large.rooms > small.rooms) {
		const g = ratio(large.fullListMs, small.fullListMs);
		rows.push({
			figure: `cold start growth from ${small.rooms} to ${large.rooms} case rooms`,
			value: g,
			target: '≤ 2×',
			met: g <= 2
		});
	}
	for (const m of measured)
		if (m.rooms >= FIRST_SCREEN_ROOMS)
			rows.push({
				figure: `first screen of cases (first 20 rows), ${m.rooms} case rooms`,
				value: Math.round(m.firstScreenMs),
				target: '≤ 2000 ms',
				met: m.firstScreenMs <= 2000
			});
	return rows;
}
