/**
 * The service account's plaintext notices in a case room: a closed set of codes,
 * each with one fixed text. The homeserver stores a notice in plaintext, so it
 * never carries anything a person typed: the guard accepts exactly these
 * contents (generated JSON Schema), and the app server composes them with
 * `serviceNotice()`.
 */
import { z } from 'zod';

export const NOTICE_TEXTS = {
	/** The privacy officer asks the regiehouder to review who has access. */
	'access-review-requested':
		'Verzoek van de privacy officer aan de regiehouder: controleer of iedereen die toegang heeft tot deze casus die toegang nog nodig heeft, en verwijder wie dat niet meer nodig heeft.',
	/** Power in the case room was brought in line with the directory (a role changed). */
	'authority-updated': 'De bevoegdheden in deze casus zijn bijgewerkt naar de huidige rollen in de adreslijst.'
} as const;
export type NoticeCode = keyof typeof NOTICE_TEXTS;
export const NOTICE_CODES = Object.keys(NOTICE_TEXTS) as [NoticeCode, ...NoticeCode[]];

/** The content key that names the notice's code, next to the fixed body. */
export const NOTICE_KEY = 'nl.casusruimte.notice';

/** The exact content of each notice: msgtype, the fixed body and the code. Nothing else. */
const noticeShape = (code: NoticeCode) =>
	z.strictObject({
		msgtype: z.literal('m.notice'),
		body: z.literal(NOTICE_TEXTS[code]),
		[NOTICE_KEY]: z.literal(code)
	});
export const ServiceNotice = z.discriminatedUnion(
	NOTICE_KEY,
	NOTICE_CODES.map(noticeShape) as [ReturnType<typeof noticeShape>, ...ReturnType<typeof noticeShape>[]]
);
export type ServiceNotice = { msgtype: 'm.notice'; body: string; [NOTICE_KEY]: NoticeCode };

export function serviceNotice(code: NoticeCode): ServiceNotice {
	return { msgtype: 'm.notice', body: NOTICE_TEXTS[code], [NOTICE_KEY]: code };
}
