/**
 * Small statistics helpers for the benchmarks: percentiles over samples in
 * milliseconds, and a clock that reads well in code.
 */
export function percentile(samples: readonly number[], p: number): number {
	if (samples.length === 0) return Number.NaN;
	const sorted = [...samples].sort((a, b) => a - b);
	// Nearest-rank: p95 of 200 samples is the 190th value, never an interpolation.
	const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
	return sorted[rank - 1]!;
}

export interface Summary {
	n: number;
	p50: number;
	p95: number;
	min: number;
	max: number;
	mean: number;
}

export function summarise(samples: readonly number[]): Summary {
	const n = samples.length;
	return {
		n,
		p50: round(percentile(samples, 50)),
		p95: round(percentile(samples, 95)),
		min: round(n ? Math.min(...samples) : Number.NaN),
		max: round(n ? Math.max(...samples) : Number.NaN),
		mean: round(n ? samples.reduce((a, b) => a + b, 0) / n : Number.NaN)
	};
}

export function round(x: number, digits = 1): number {
	const f = 10 ** digits;
	return Math.round(x * f) / f;
}

export function ratio(a: number, b: number): number {
	return b > 0 ? round(a / b, 2) : Number.NaN;
}

export const now = () => performance.now();

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs `fn` over `items` with at most `limit` at a time; returns results in order. */
export async function mapLimit<T, R>(
	items: readonly T[],
	limit: number,
	fn: (item: T, index: number) => Promise<R>
): Promise<R[]> {
	const results = new Array<R>(items.length);
	let next = 0;
	const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
		for (;;) {
			const i = next++;
			if (i >= items.length) return;
			results[i] = await fn(items[i]!, i);
		}
	});
	await Promise.all(workers);
	return results;
}

/** Retries a call that may hit a transient homeserver hiccup (e.g. under load). */
export async function retry<T>(fn: () => Promise<T>, attempts = 5, delayMs = 500): Promise<T> {
	let last: unknown;
	for (let i = 0; i < attempts; i++) {
		try {
			return await fn();
		} catch (err) {
			last = err;
			const status =
				(err as { status?: number; httpStatus?: number }).status ?? (err as { httpStatus?: number }).httpStatus;
			if (status !== undefined && status < 500 && status !== 429) throw err;
			await sleep(delayMs * (i + 1));
		}
	}
	throw last;
}
