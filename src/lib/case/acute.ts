/**
 * The acute clock: for an acute case (incident at most 7 days before the report)
 * what must happen in the first hours and days, and when, ticked off as the
 * record says it is done. Pure: the case view (or, for the case list, what the
 * list knows) and the clock in, the items out.
 *
 * The windows (decisions documented in the README, issue 14):
 * - emergency medical care (injury, emergency contraception, PEP): 72 hours after
 *   the incident; reported later, it is due at once (the report);
 * - FMO and evidence (forensic medical examination with a forensic detective):
 *   within the acute phase, 7 days after the incident;
 * - the 7-day window itself: the end of the acute phase;
 * - Veilig Thuis's statutory safety assessment, where VT takes part: 5 days after
 *   VT received the case (its access entry's `since`), counted in calendar days.
 * Without an incident date the clock counts from the first report.
 */
import { RECORD } from './event-types.ts';
import { IntakeRecord, STEP_DONE, STEP_PENDING, StepRecord, type StepKind } from './records.ts';
import type { Phase } from './state.ts';
import type { CaseEventInput, CaseView, StepEntry } from './view.ts';
import { DAY, HOUR } from './time.ts';

export const EMERGENCY_CARE_HOURS = 72;
export const ACUTE_WINDOW_DAYS = 7;
export const VT_SAFETY_ASSESSMENT_DAYS = 5;

export const CLOCK_ITEMS = ['emergency_care', 'fmo_evidence', 'vt_safety_assessment', 'acute_window'] as const;
export type ClockItemKind = (typeof CLOCK_ITEMS)[number];

/** The step whose record ticks an item off (the 7-day window is not a step: it ends). */
export const CLOCK_STEP: Record<ClockItemKind, StepKind | null> = {
	emergency_care: 'acute_medical_care',
	fmo_evidence: 'fmo',
	vt_safety_assessment: 'vt_safety_assessment',
	acute_window: null
};

/**
 * done: the record says it happened; settled: it will not happen (declined, not
 * applicable); open: still to do, due later; overdue: still to do, due passed;
 * passed: the window has ended (acute_window only).
 */
export type ClockStatus = 'done' | 'settled' | 'open' | 'overdue' | 'passed';

export interface ClockItem {
	kind: ClockItemKind;
	/** When it is due (ISO instant). */
	due: string;
	status: ClockStatus;
	/** The step's outcome and date when a record settled it. */
	outcome: string | null;
	date: string | null;
}

export interface AcuteClock {
	/** What the clock counts from: the incident (start of its day, UTC) or, without a date, the first report. */
	anchor: string;
	anchorKind: 'incident' | 'report';
	/** The end of the acute phase (anchor + 7 days). */
	windowEnds: string;
	/** Every item, soonest due first. */
	items: ClockItem[];
	/** The first item still to do (overdue or open), or null when all are ticked off. */
	next: ClockItem | null;
	/** Whether the clock still asks for something: an item to do, or the window not yet ended. */
	running: boolean;
}

export interface ClockInput {
	acute: boolean | null;
	phase: Phase | null;
	firstReportAt: string | null;
	/** The incident date (a day), when known. */
	incidentDate?: string | null;
	/** When Veilig Thuis received the case (its access entry's since), or null when VT takes no part. */
	vtSince: string | null;
	/** The latest record per step. */
	steps: Partial<Record<StepKind, { outcome: string; date: string }>>;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The clock of an acute, open case; null for a case that is not acute, is closed or has no report time. */
export function acuteClock(input: ClockInput, now: number): AcuteClock | null {
	if (input.acute !== true || input.phase === 'closed' || !input.firstReportAt) return null;
	const report = Date.parse(input.firstReportAt);
	if (Number.isNaN(report)) return null;
	const incident = input.incidentDate ? Date.parse(`${input.incidentDate}T00:00:00Z`) : NaN;
	const fromIncident = !Number.isNaN(incident) && incident <= report;
	const anchor = fromIncident ? incident : report;
	const windowEnds = anchor + ACUTE_WINDOW_DAYS * DAY;

	const dues: [ClockItemKind, number][] = [
		['emergency_care', Math.max(anchor + EMERGENCY_CARE_HOURS * HOUR, report)],
		['fmo_evidence', Math.max(windowEnds, report)],
		['acute_window', windowEnds]
	];
	if (input.vtSince) {
		const since = Date.parse(input.vtSince);
		if (!Number.isNaN(since)) dues.push(['vt_safety_assessment', since + VT_SAFETY_ASSESSMENT_DAYS * DAY]);
	}

	const items = dues
		.map(([kind, due]): ClockItem => {
			const step = CLOCK_STEP[kind];
			const fact = step ? input.steps[step] : undefined;
			let status: ClockStatus;
			if (!step) status = now > due ? 'passed' : 'open';
			else if (fact && STEP_DONE[step].includes(fact.outcome)) status = 'done';
			else if (fact && !STEP_PENDING[step].includes(fact.outcome)) status = 'settled';
			else status = now > due ? 'overdue' : 'open';
			return { kind, due: iso(due), status, outcome: fact?.outcome ?? null, date: fact?.date ?? null };
		})
		.sort((a, b) => a.due.localeCompare(b.due) || CLOCK_ITEMS.indexOf(a.kind) - CLOCK_ITEMS.indexOf(b.kind));

	const todo = items.filter((i) => i.status === 'overdue' || (i.status === 'open' && CLOCK_STEP[i.kind] !== null));
	const next = todo[0] ?? null;
	return {
		anchor: iso(anchor),
		anchorKind: fromIncident ? 'incident' : 'report',
		windowEnds: iso(windowEnds),
		items,
		next,
		running: next !== null || now <= windowEnds
	};
}

/** The latest step facts as the clock reads them. */
export function stepFacts(
	latest: Partial<Record<StepKind, StepEntry>>
): Partial<Record<StepKind, { outcome: string; date: string }>> {
	return Object.fromEntries(
		Object.entries(latest).map(([k, e]) => [k, { outcome: e!.record.outcome, date: e!.record.date }])
	);
}

/** When Veilig Thuis received the case: its access entry, or null when VT takes no part. */
export function vtSince(access: readonly { org: string; since: string }[]): string | null {
	return access.find((a) => a.org === 'VT')?.since ?? null;
}

/** The clock of an open case, from its view. */
export function acuteClockOf(view: CaseView, now: number): AcuteClock | null {
	return acuteClock(
		{
			acute: view.acute,
			phase: view.phase,
			firstReportAt: view.firstReportAt,
			incidentDate: view.facts?.incident_date ?? null,
			vtSince: vtSince(view.access),
			steps: stepFacts(view.steps.latest)
		},
		now
	);
}

/**
 * What the case list knows of the clock without folding the whole case: the
 * records already decrypted in the room's loaded timeline. Steps are any
 * member's records, so each valid one counts; the incident date is the latest
 * valid intake's. The case view, which applies every rule, stays the reference.
 */
export function clockFactsFromEvents(
	events: readonly CaseEventInput[],
	serviceUserId = ''
): { incidentDate: string | null; steps: Partial<Record<StepKind, { outcome: string; date: string }>> } {
	let incidentDate: string | null = null;
	const latest: Partial<Record<StepKind, StepEntry>> = {};
	for (const e of events) {
		if (!e.encrypted || e.local || e.redacted || e.sender === serviceUserId || e.stateKey !== undefined) continue;
		const content = withoutBody(e.content);
		if (e.type === RECORD.step) {
			const r = StepRecord.safeParse(content);
			if (!r.success) continue;
			const prev = latest[r.data.step];
			if (!prev || prev.record.date <= r.data.date)
				latest[r.data.step] = { eventId: e.id, sender: e.sender, record: r.data };
		} else if (e.type === RECORD.intake) {
			const r = IntakeRecord.safeParse(content);
			if (r.success) incidentDate = r.data.facts.incident_date ?? null;
		}
	}
	return { incidentDate, steps: stepFacts(latest) };
}

function withoutBody(content: unknown): unknown {
	if (!content || typeof content !== 'object' || Array.isArray(content)) return content;
	const { body: _body, msgtype: _msgtype, ...rest } = content as Record<string, unknown>;
	return rest;
}

/** What the case list orders by. */
export interface ListOrderItem {
	membership: 'join' | 'invite';
	phase: Phase | null;
	acute: boolean | null;
	triaged: boolean;
	triageOverdue: boolean;
	reviewOverdue: boolean;
	triageDeadline: string | null;
	/** The acute clock's next item, when the case has a running clock. */
	acuteNext: ClockItem | null;
	lastActivity: number;
}

/** The deadline the list shows first: the acute clock's next item or the untriaged case's 24 hours, whichever is sooner. */
export function nextDeadline(c: ListOrderItem): string | null {
	const candidates = [c.acuteNext?.due ?? null, !c.triaged && c.phase !== 'closed' ? c.triageDeadline : null].filter(
		(d): d is string => d !== null
	);
	return candidates.sort()[0] ?? c.triageDeadline;
}

/**
 * The case list's order: invitations, overdue triage, overdue review or an
 * overdue acute item, untriaged, the rest, closed last; within a group the
 * soonest deadline first; with the same deadline an acute case above a
 * non-acute one; then the most recent activity.
 */
export function byUrgency(a: ListOrderItem, b: ListOrderItem): number {
	const rank = (c: ListOrderItem) =>
		c.membership === 'invite'
			? 0
			: c.triageOverdue
				? 1
				: c.reviewOverdue || c.acuteNext?.status === 'overdue'
					? 2
					: c.phase === 'closed'
						? 5
						: !c.triaged
							? 3
							: 4;
	return (
		rank(a) - rank(b) ||
		(nextDeadline(a) ?? '\uffff').localeCompare(nextDeadline(b) ?? '\uffff') ||
		Number(b.acute === true) - Number(a.acute === true) ||
		b.lastActivity - a.lastActivity
	);
}
