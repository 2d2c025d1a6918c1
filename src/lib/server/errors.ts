/**
 * The server's refusals, all of the one type (src/lib/refusal.ts): a code, an
 * HTTP status and the sentence in nl and en. The API sends `toBody()`.
 */
import type { z } from 'zod';
import { Refusal, refusal, type RefusalCode } from '../refusal.ts';
import { CommandError } from '../case/commands.ts';

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

const COMMAND_EN: Record<CommandError['code'], string> = {
	'not-allowed': 'Only the regiehouder, the deputy or the MDT chair may do this.',
	closed: 'This case is closed.',
	invalid: 'The input is not valid.',
	'not-covered': "The organisation is not covered by the case's access basis.",
	'not-member': 'That person is not (yet) a member of this case.',
	'would-remove-regie': 'This would leave the case without its regiehouder.',
	'unknown-user': 'That person is not (or no longer) in the directory.'
};

/** A domain refusal (src/lib/case/commands.ts) as the one refusal type: the domain's Dutch, an English sentence per code. */
export function fromCommandError(err: CommandError): Refusal {
	return refusal(err.code, err.message, COMMAND_EN[err.code]);
}
