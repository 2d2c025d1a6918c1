/**
 * Dates and numbers as the console shows them: Dutch time, in the interface language.
 */
export function formatDateTime(iso: string | null | undefined, locale: string): string {
	if (!iso) return '–';
	const d = new Date(iso);
	if (Number.isNaN(d.getTime())) return '–';
	return new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : 'nl-NL', {
		dateStyle: 'medium',
		timeStyle: 'short',
		timeZone: 'Europe/Amsterdam'
	}).format(d);
}

export function formatDate(iso: string | null | undefined, locale: string): string {
	if (!iso) return '–';
	const d = new Date(iso);
	if (Number.isNaN(d.getTime())) return '–';
	return new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : 'nl-NL', {
		dateStyle: 'medium',
		timeZone: 'Europe/Amsterdam'
	}).format(d);
}

export function formatCell(value: number | string, locale: string, unit = ''): string {
	if (typeof value === 'string') return value;
	return `${new Intl.NumberFormat(locale === 'en' ? 'en-GB' : 'nl-NL', { maximumFractionDigits: 2 }).format(value)}${unit}`;
}

/**
 * The i18n key that shows a stored reason: `reason.<code>` for a code from
 * reasons.ts, a neutral label for an older free-text reason ('other'; its words
 * are never shown), null when there is none.
 */
export function reasonKey(reason: string | null | undefined): string | null {
	if (!reason) return null;
	return reason === 'other' ? 'privacy.reasonOther' : `reason.${reason}`;
}

/** The default reporting period: the last three calendar months up to today. */
export function defaultPeriod(now = new Date()): { from: string; to: string } {
	const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 2, 1)).toISOString().slice(0, 10);
	const to = new Intl.DateTimeFormat('en-CA', {
		timeZone: 'Europe/Amsterdam',
		year: 'numeric',
		month: '2-digit',
		day: '2-digit'
	}).format(now);
	return { from, to };
}
