/**
 * Polls until a condition holds: sync, decryption and key sharing are
 * asynchronous by nature. Shared by the integration tests, the hardening suite
 * and the benchmarks.
 */
export async function eventually<T>(
	fn: () => T | Promise<T>,
	opts: { timeout?: number; interval?: number; message?: string } = {}
): Promise<NonNullable<T>> {
	// Generous: on a loaded 2-core machine crypto and sync can take a while; a timeout here is a failure, not a measurement.
	const deadline = Date.now() + (opts.timeout ?? 45_000);
	let last: unknown;
	for (;;) {
		try {
			const value = await fn();
			if (value) return value as NonNullable<T>;
		} catch (err) {
			last = err;
		}
		if (Date.now() > deadline)
			throw new Error(`${opts.message ?? 'condition not met in time'}${last ? `: ${String(last)}` : ''}`);
		await new Promise((r) => setTimeout(r, opts.interval ?? 100));
	}
}
