/**
 * The figures of issue 15 with their targets: each measured row becomes
 * `{ figure, value, target, met }` in bench/results.json (`targets`) and a line
 * of the printed table. A bench section adds its rows with `atMost`; a figure
 * the run did not measure is simply absent.
 */
export interface Target {
	figure: string;
	value: number;
	/** As the issue writes it: "≤ 2×", "≤ 60 KB", "≤ 2 s". */
	target: string;
	met: boolean;
}

/** A figure that must not exceed `limit` (unit for the printed target: "×", " KB", " s"). */
export function atMost(figure: string, value: number, limit: number, unit = '×'): Target {
	return { figure, value, target: `≤ ${limit}${unit}`, met: Number.isFinite(value) && value <= limit };
}

export class Targets {
	readonly rows: Target[] = [];
	add(...rows: Target[]): void {
		this.rows.push(...rows);
	}
}

/** The targets as table lines: figure, value, target, met. */
export function targetLines(rows: readonly Target[]): string[] {
	if (!rows.length) return [];
	const w = Math.max(...rows.map((r) => r.figure.length));
	const v = Math.max(...rows.map((r) => String(r.value).length));
	return rows.map(
		(r) => `${r.figure.padEnd(w)}  ${String(r.value).padStart(v)}  ${r.target.padEnd(9)}  ${r.met ? 'met' : 'NOT met'}`
	);
}
