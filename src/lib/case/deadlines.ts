/**
 * The clocks of a case: the MDT triage deadline (24 hours after the first report,
 * per the gezamenlijke aanpak) and the next review date of a triage decision.
 */
import { addMonths } from './policy.ts';
import type { Phase } from './state.ts';
import { HOUR, instant } from './time.ts';

export const TRIAGE_DEADLINE_HOURS = 24;

export function triageDeadline(firstReportAt: string): string {
	return new Date(Date.parse(firstReportAt) + TRIAGE_DEADLINE_HOURS * HOUR).toISOString();
}

/** A review date is due at the end of that day (Dutch time is close enough to UTC+1/2; use the day's end in UTC+0 to be lenient). */
export function reviewOverdue(nextReview: string, now: number): boolean {
	return Date.parse(`${nextReview}T23:59:59Z`) < now;
}

/**
 * Whether the first MDT triage is late: the deadline has passed, no decision
 * was taken, and the case is still open. The one definition of "overdue" for
 * triage, used by the reducer (case view) and the case index (case list).
 */
export function triageOverdue(
	c: { triageDeadline: string | null; triaged: boolean; phase: Phase | null },
	now: number
): boolean {
	return c.triageDeadline !== null && !c.triaged && c.phase !== 'closed' && Date.parse(c.triageDeadline) < now;
}

/** Whether the latest triage decision's review date has passed while the case is in the regie phase. */
export function reviewDue(c: { nextReview: string | null; phase: Phase | null }, now: number): boolean {
	return c.phase === 'regie' && c.nextReview !== null && reviewOverdue(c.nextReview, now);
}

/**
 * Retention: the moment the shared record is due for deletion, N months after
 * closure (calendar months: 31 January + 1 month = 28/29 February; policy.ts).
 */
export function retentionUntil(closedAt: string, months: number): string {
	return instant(addMonths(closedAt, months));
}

/** Acute: the incident happened at most 7 days before the first report. */
export function isAcute(incidentDate: string | undefined, firstReportAt: string, band: string): boolean {
	if (incidentDate) return Date.parse(firstReportAt) - Date.parse(`${incidentDate}T00:00:00Z`) <= 8 * 24 * HOUR;
	return band === 'within_7_days';
}
