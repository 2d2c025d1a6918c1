/**
 * Time as the case record counts and writes it, in one place (no zod here, so
 * the sign-in page's formatting can use it too).
 */

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/**
 * A moment as every date and time of the case record is written (`Instant` in
 * primitives.ts): UTC, ISO 8601, whole seconds, with a Z.
 */
export function instant(at: number | Date | string = Date.now()): string {
	return new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
