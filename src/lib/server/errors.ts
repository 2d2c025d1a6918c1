/**
 * The server's refusals, all of the one type (src/lib/refusal.ts): a code, an
 * HTTP status and the sentence in nl and en. The API sends `toBody()`.
 */
import type { z } from 'zod';
import { Refusal, refusal, type RefusalCode } from '../refusal.ts';

export { Refusal };

export const unauthenticated = () =>
	refusal(
		'unauthenticated',
		'Meld u opnieuw aan: uw sessie ontbreekt, is verlopen of is niet geldig.',
		'Sign in again: the session is missing, expired or not valid.'
	);
export const forbidden = (nl: string, en: string, code: RefusalCode = 'not-allowed') => refusal(code, nl, en);
export const badRequest = (nl: string, en: string) => refusal('invalid', nl, en);
export const notFound = (nl: string, en: string) => refusal('not-found', nl, en);
export const noSuchCase = () => notFound('Deze casus bestaat niet (meer).', 'No such case.');
export const unavailable = (nl: string, en: string, status?: number) => refusal('unavailable', nl, en, status);

/** Input that fails its schema: the fields and what is wrong with them (the schemas' hints). */
export function invalidInput(error: z.ZodError): Refusal {
	const detail = error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
	return badRequest(`De invoer is niet geldig: ${detail}`, `The input is not valid: ${detail}`);
}
