/**
 * zod issues as messages a professional understands, per form field. The
 * schemas are the domain's (src/lib/case/commands.ts); this only translates.
 */
import type { z } from 'zod';

export type FieldErrors = Record<string, string>;
export type Translate = (key: string, options?: { values?: Record<string, string | number> }) => string;

/** The DOM id of a form field for a schema path, shared by inputs, labels and the error summary. */
export function fieldId(path: string): string {
	return `f-${path.replace(/[^A-Za-z0-9_-]/g, '-')}`;
}

export function messageFor(issue: z.core.$ZodIssue, t: Translate): string {
	const i = issue as z.core.$ZodIssue & {
		minimum?: number | bigint;
		maximum?: number | bigint;
		origin?: string;
		input?: unknown;
		format?: string;
	};
	switch (i.code) {
		case 'too_small':
			if (i.origin === 'array' || i.origin === 'set')
				return Number(i.minimum) <= 1
					? t('form.chooseOne')
					: t('form.chooseAtLeast', { values: { min: Number(i.minimum) } });
			if (i.origin === 'string')
				return Number(i.minimum) <= 1 ? t('form.required') : t('form.tooShort', { values: { min: Number(i.minimum) } });
			return t('form.tooSmall', { values: { min: Number(i.minimum) } });
		case 'too_big':
			if (i.origin === 'string') return t('form.tooLong', { values: { max: Number(i.maximum) } });
			if (i.origin === 'array') return t('form.tooMany', { values: { max: Number(i.maximum) } });
			return t('form.tooBig', { values: { max: Number(i.maximum) } });
		case 'invalid_type':
			return i.input === undefined || i.input === null || i.input === '' ? t('form.required') : t('form.invalid');
		case 'invalid_format':
			return i.format === 'date'
				? t('form.invalidDate')
				: i.format === 'datetime'
					? t('form.invalidDateTime')
					: i.format === 'email'
						? t('form.invalidEmail')
						: t('form.invalid');
		case 'invalid_value':
		case 'invalid_union':
			return t('form.chooseOne');
		default:
			return t('form.invalid');
	}
}

/** The first problem per field, keyed by dotted path (with an optional prefix for nested forms). */
export function fieldErrors(error: z.ZodError, t: Translate, prefix = ''): FieldErrors {
	const errors: FieldErrors = {};
	for (const issue of error.issues) {
		const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
		errors[path] ??= messageFor(issue, t);
	}
	return errors;
}
