/**
 * Dates, times and countdowns in the interface language. Case data is stored
 * in UTC; people read it in Dutch time.
 */
import { currentLocale } from './index.ts';
import { instant } from '../case/time.ts';

const TZ = 'Europe/Amsterdam';
const tag = () => (currentLocale() === 'en' ? 'en-GB' : 'nl-NL');

/**
 * One formatter per language and style: constructing an Intl.DateTimeFormat with a time zone
 * costs about a millisecond (far more on a loaded machine), and the case list formats two dates
 * per row on every render (issue 15: 29 s of a 500-case cold start went here).
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(kind: 'datetime' | 'day'): Intl.DateTimeFormat {
	const locale = tag();
	const key = `${kind}:${locale}`;
	let f = formatters.get(key);
	if (!f) {
		f =
			kind === 'datetime'
				? new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: TZ })
				: new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
		formatters.set(key, f);
	}
	return f;
}

export function formatDateTime(value: string | number | null | undefined): string {
	if (value === null || value === undefined || value === '') return '—';
	const d = new Date(value);
	if (Number.isNaN(d.getTime())) return String(value);
	return formatter('datetime').format(d);
}

/** A calendar day ("2026-11-23") without shifting it through a time zone. */
export function formatDay(day: string | null | undefined): string {
	if (!day) return '—';
	const d = new Date(`${day}T12:00:00Z`);
	if (Number.isNaN(d.getTime())) return day;
	return formatter('day').format(d);
}

export interface Countdown {
	overdue: boolean;
	/** Whole hours and the minutes after them, of the distance to the deadline. */
	hours: number;
	minutes: number;
	/** Less than four hours left. */
	soon: boolean;
}

export function countdown(deadline: string, now: number): Countdown {
	const ms = Date.parse(deadline) - now;
	const abs = Math.abs(ms);
	const totalMinutes = Math.floor(abs / 60_000);
	return {
		overdue: ms < 0,
		hours: Math.floor(totalMinutes / 60),
		minutes: totalMinutes % 60,
		soon: ms >= 0 && ms < 4 * 3_600_000
	};
}

/** Local "YYYY-MM-DDTHH:MM" for a datetime-local input, from an instant. */
export function toLocalInput(ms: number): string {
	const d = new Date(ms);
	const pad = (n: number) => String(n).padStart(2, '0');
	return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local value (browser time) as a UTC instant without milliseconds; '' when empty or invalid. */
export function fromLocalInput(value: string): string {
	if (!value) return '';
	const d = new Date(value);
	return Number.isNaN(d.getTime()) ? '' : instant(d);
}

/** Today plus n days, as "YYYY-MM-DD" in browser time. */
export function dayFromToday(n: number, now = Date.now()): string {
	const d = new Date(now + n * 86_400_000);
	const pad = (x: number) => String(x).padStart(2, '0');
	return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
