/**
 * Showing record values and field paths to people: user IDs as names,
 * organisation codes as they are, booleans as yes/no, dates readable.
 */
import { DOMAINS } from '../../case/records.ts';
import { STATUTORY_GROUNDS } from '../../case/primitives.ts';

const ground = (code: string) => (STATUTORY_GROUNDS as Record<string, string>)[code] ?? code;
import { formatDateTime, formatDay } from '../../i18n/format.ts';
import type { Translate } from '../../forms/validation.ts';

export interface Names {
	label(userId: string): string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(\.\d+)?Z$/;

export function formatValue(value: unknown, t: Translate, names: Names): string {
	if (value === null || value === undefined || value === '') return '—';
	if (typeof value === 'boolean') return value ? t('common.yes') : t('common.no');
	if (typeof value === 'string') {
		if (value.startsWith('@') && value.includes(':')) return names.label(value);
		if (DAY.test(value)) return formatDay(value);
		if (INSTANT.test(value)) return formatDateTime(value);
		return value;
	}
	if (typeof value === 'number') return String(value);
	if (Array.isArray(value)) return value.length ? value.map((v) => formatValue(v, t, names)).join(', ') : '—';
	if (typeof value === 'object') {
		const o = value as Record<string, unknown>;
		if ('kind' in o && o.kind === 'consent') return t('basis.consent');
		if ('kind' in o && o.kind === 'statutory') return `${t('basis.statutory')} (${ground(String(o.ground))})`;
		if ('org' in o && ('user_id' in o || 'name' in o))
			return `${o.user_id ? names.label(String(o.user_id)) : String(o.name ?? '')} (${String(o.org)})`;
		return Object.entries(o)
			.filter(([, v]) => v !== undefined)
			.map(([k, v]) => `${fieldName(k, t)}: ${formatValue(v, t, names)}`)
			.join('; ');
	}
	return String(value);
}

function fieldName(segment: string, t: Translate): string {
	if ((DOMAINS as readonly string[]).includes(segment)) return t(`domain.${segment}`);
	if (/^\d+$/.test(segment)) return `#${Number(segment) + 1}`;
	if (/^[A-Z][A-Z0-9_]+$/.test(segment)) return segment; // an organisation code
	const key = `field.${segment}`;
	const text = t(key);
	return text === key ? segment : text;
}

/** "domains.veiligheid.urgency" → "Veiligheid › Urgentie". */
export function fieldLabel(path: string, t: Translate): string {
	return path
		.split('.')
		.filter((s) => s !== 'domains')
		.map((s) => fieldName(s, t))
		.join(' › ');
}

/** Enumerated values read as words, chosen by the field they belong to. */
const ENUMS: [RegExp, string][] = [
	[/^phase$/, 'phase'],
	[/urgency$/, 'urgency'],
	[/^consent\.[A-Z0-9_]+\.status$/, 'consentStatus'],
	[/given_by$/, 'givenBy'],
	[/purposes(\.\d+)?$/, 'purpose'],
	[/^reason$/, 'triageReason'],
	[/incident_band$/, 'band'],
	[/kind$/, 'kind'],
	[/setting$/, 'setting'],
	[/mode$/, 'contactMode']
];

export function formatChange(path: string, value: unknown, t: Translate, names: Names): string {
	if ((path.startsWith('access.') || path.endsWith('.basis')) && typeof value === 'string') {
		return value === 'consent'
			? t('basis.consent')
			: value.startsWith('statutory:')
				? `${t('basis.statutory')} (${ground(value.slice('statutory:'.length))})`
				: value;
	}
	const match = ENUMS.find(([re]) => re.test(path));
	if (match) {
		const one = (v: unknown) => {
			if (typeof v !== 'string') return formatValue(v, t, names);
			const key = `${match[1]}.${v}`;
			const text = t(key);
			return text === key ? v : text;
		};
		if (Array.isArray(value)) return value.length ? value.map(one).join(', ') : '—';
		if (value !== null && value !== undefined) return one(value);
	}
	return formatValue(value, t, names);
}
