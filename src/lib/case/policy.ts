/**
 * Deployment policy that the client, the app server, the privacy console, the
 * retention job and the homeserver's guard share. The defaults live here once;
 * a deployment overrides them with environment variables, read in one place on
 * the server (src/lib/server/privacy/settings.ts) and handed to the guard by
 * synapse-config/generate.py, to the browser by the API.
 */
import { z } from 'zod';

/** The outer bounds of any deployment's policy, and of a closure record's `retention_months`. */
export const RETENTION_LIMITS = { min: 1, max: 120 } as const;
const Months = z.number().int().min(RETENTION_LIMITS.min).max(RETENTION_LIMITS.max);

export const RetentionPolicy = z
	.strictObject({
		/** Months after closure that a case is kept unless someone chooses otherwise. */
		default_months: Months,
		/** Shortest retention anyone may set. */
		min_months: Months,
		/** Longest retention anyone may set. */
		max_months: Months
	})
	.refine((p) => p.min_months <= p.default_months && p.default_months <= p.max_months, {
		message: 'min_months ≤ default_months ≤ max_months'
	});
export type RetentionPolicy = z.infer<typeof RetentionPolicy>;

export const DEFAULT_RETENTION: RetentionPolicy = { default_months: 12, min_months: 1, max_months: 60 };

/** Adds whole calendar months to a UTC instant (the day is kept where the month has it, else the month's last day). */
export function addMonths(instant: string | number, months: number): Date {
	const d = new Date(instant);
	const day = d.getUTCDate();
	const out = new Date(d.getTime());
	out.setUTCDate(1);
	out.setUTCMonth(out.getUTCMonth() + months);
	const last = new Date(Date.UTC(out.getUTCFullYear(), out.getUTCMonth() + 1, 0)).getUTCDate();
	out.setUTCDate(Math.min(day, last));
	return out;
}

/** The earliest and latest allowed `retention_until` for a case closed at `closedAt`. */
export function retentionWindow(closedAt: string, policy: RetentionPolicy): { earliest: Date; latest: Date } {
	return { earliest: addMonths(closedAt, policy.min_months), latest: addMonths(closedAt, policy.max_months) };
}

/** Whether a retention date respects the policy for a case closed at `closedAt` (a minute of slack for rounding). */
export function retentionAllowed(closedAt: string, retentionUntil: string, policy: RetentionPolicy): boolean {
	const { earliest, latest } = retentionWindow(closedAt, policy);
	const t = Date.parse(retentionUntil);
	return Number.isFinite(t) && t >= earliest.getTime() - 60_000 && t <= latest.getTime() + 60_000;
}

/** Whether a number of months after closure respects the policy (the close form's choice). */
export function retentionMonthsAllowed(months: number, policy: RetentionPolicy): boolean {
	return Number.isInteger(months) && months >= policy.min_months && months <= policy.max_months;
}

/**
 * Which organisations' case managers may hold regie (deployment configuration,
 * env CASUS_REGIE_ORGANISATIONS, comma-separated). The approach: CSG, VT, SHN.
 */
export const DEFAULT_REGIE_ORGANISATIONS: readonly string[] = ['CSG', 'VT', 'SHN'];

export function regieOrganisationsFrom(env: Record<string, string | undefined>): readonly string[] {
	const raw = env.CASUS_REGIE_ORGANISATIONS?.trim();
	if (!raw) return DEFAULT_REGIE_ORGANISATIONS;
	return raw
		.split(',')
		.map((s) => s.trim().toUpperCase())
		.filter(Boolean);
}
