/**
 * Follow-up done right. During care the case manager keeps in touch for at least
 * four weeks (watchful waiting: psycho-education, monitoring for PTSS), with a
 * reminder when a week passed without contact; after closure the follow-up
 * moments planned at closure (some teams at 6 and 12 months) are shown with
 * their date, without reopening the case. Pure: the view and the clock in.
 */
import { addMonths } from './policy.ts';
import type { CaseView } from './view.ts';
import { DAY } from './time.ts';

/** Watchful waiting lasts at least four weeks from the start of care. */
export const WATCHFUL_WAITING_DAYS = 28;
/** A contact at least every week during watchful waiting; a reminder after that. */
export const CONTACT_EVERY_DAYS = 7;
/** Follow-up moments after closure, in months (as some teams do). */
export const AFTER_CLOSURE_MONTHS = [6, 12] as const;

export interface WatchfulWaiting {
	/** When care started: the first MDT triage, or the first report before a triage. */
	from: string;
	/** The earliest end of watchful waiting (from + 4 weeks, a day). */
	until: string;
	/** The latest contact date recorded in a regiehouder update, or null. */
	lastContact: string | null;
	/** When the next contact is due (a day). */
	nextContactDue: string;
	/** No contact for longer than a week while watchful waiting runs. */
	contactOverdue: boolean;
	/** The four weeks are over. */
	completed: boolean;
}

export interface FollowUpMoment {
	date: string;
	org: string;
	/** planned: in the future; due: today or past (the case stays closed). */
	status: 'planned' | 'due';
}

export interface FollowUp {
	/** While the case is open (regie or triage); null when closed or without a report time. */
	watchful: WatchfulWaiting | null;
	/** The follow-up moments planned at closure, soonest first; empty while open. */
	afterClosure: FollowUpMoment[];
}

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const endOfDay = (day: string) => Date.parse(`${day}T23:59:59Z`);

export function followUpOf(view: CaseView, now: number): FollowUp {
	const today = dayOf(now);
	const afterClosure =
		view.phase === 'closed' && view.closure
			? [...view.closure.record.follow_up]
					.sort((a, b) => a.date.localeCompare(b.date))
					.map((f): FollowUpMoment => ({ ...f, status: f.date <= today ? 'due' : 'planned' }))
			: [];
	const start = view.triagedAt ?? view.firstReportAt;
	if (view.phase === 'closed' || !start) return { watchful: null, afterClosure };
	const from = Date.parse(start);
	const contacts = view.updates.flatMap((u) => (u.record.contact ? [u.record.contact.date] : [])).sort();
	const lastContact = contacts.at(-1) ?? null;
	const base = lastContact ? Date.parse(`${lastContact}T00:00:00Z`) : from;
	const nextContactDue = dayOf(base + CONTACT_EVERY_DAYS * DAY);
	const until = dayOf(from + WATCHFUL_WAITING_DAYS * DAY);
	const completed = endOfDay(until) < now;
	return {
		watchful: {
			from: start,
			until,
			lastContact,
			nextContactDue,
			contactOverdue: !completed && endOfDay(nextContactDue) < now,
			completed
		},
		afterClosure
	};
}

/** The follow-up moments a closure plans by default: 6 and 12 months after it, by one organisation. */
export function defaultFollowUps(closedAt: number, org: string): { date: string; org: string }[] {
	return AFTER_CLOSURE_MONTHS.map((m) => ({
		date: addMonths(new Date(closedAt).toISOString(), m).toISOString().slice(0, 10),
		org
	}));
}
