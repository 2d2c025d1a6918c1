/**
 * The one shape of "no": a domain command that refuses, a server API that
 * refuses, a Matrix error the homeserver (or its guard) returns. Each carries a
 * stable code for programs, an HTTP status, and the sentence for the person in
 * both interface languages. The domain, the app server, the console and the
 * browser all create and read this type; nothing else is thrown or returned
 * for a refusal.
 *
 * On the wire (app server → browser) a refusal is the Matrix error shape plus
 * the two texts: { errcode, error, code, text: { nl, en } }.
 */
export interface LocalisedText {
	nl: string;
	en: string;
}

export const REFUSAL_CODES = [
	// the domain (src/lib/case/commands.ts)
	'not-allowed',
	'closed',
	'invalid',
	'not-covered',
	'not-member',
	'would-remove-regie',
	'unknown-user',
	// the app server and the homeserver
	'unauthenticated',
	'not-found',
	'conflict',
	'rate-limited',
	'unavailable',
	'refused-by-server'
] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

const STATUS: Record<RefusalCode, number> = {
	'not-allowed': 403,
	closed: 403,
	invalid: 400,
	'not-covered': 403,
	'not-member': 403,
	'would-remove-regie': 403,
	'unknown-user': 400,
	unauthenticated: 401,
	'not-found': 404,
	conflict: 409,
	'rate-limited': 429,
	unavailable: 503,
	'refused-by-server': 403
};

const ERRCODE: Record<number, string> = {
	400: 'M_BAD_JSON',
	401: 'M_UNKNOWN_TOKEN',
	403: 'M_FORBIDDEN',
	404: 'M_NOT_FOUND',
	409: 'M_ROOM_IN_USE',
	429: 'M_LIMIT_EXCEEDED',
	503: 'M_UNKNOWN'
};

export interface RefusalBody {
	errcode: string;
	error: string;
	code: RefusalCode;
	text: LocalisedText;
}

export class Refusal extends Error {
	override readonly name = 'Refusal';
	readonly status: number;

	constructor(
		readonly code: RefusalCode,
		readonly text: LocalisedText,
		status?: number
	) {
		super(text.en);
		this.status = status ?? STATUS[code];
	}

	/** The sentence for the person, in their language. */
	in(locale: string | null | undefined): string {
		return locale?.startsWith('en') ? this.text.en : this.text.nl;
	}

	get errcode(): string {
		return ERRCODE[this.status] ?? 'M_UNKNOWN';
	}

	toBody(): RefusalBody {
		return { errcode: this.errcode, error: this.text.en, code: this.code, text: this.text };
	}

	/** Reads a refusal back from an HTTP error body (ours, or a plain Matrix error). */
	static fromBody(status: number, body: unknown): Refusal {
		const b = (body && typeof body === 'object' ? body : {}) as Partial<RefusalBody> & { retry_after_ms?: number };
		const code = (REFUSAL_CODES as readonly string[]).includes(String(b.code))
			? (b.code as RefusalCode)
			: codeForStatus(status, b.errcode);
		if (b.text && typeof b.text.nl === 'string' && typeof b.text.en === 'string')
			return new Refusal(code, b.text, status);
		const said = typeof b.error === 'string' && b.error ? b.error : null;
		return new Refusal(code, fallbackText(code, said), status);
	}
}

export function refusal(code: RefusalCode, nl: string, en: string, status?: number): Refusal {
	return new Refusal(code, { nl, en }, status);
}

export const isRefusal = (e: unknown): e is Refusal => e instanceof Refusal;

function codeForStatus(status: number, errcode?: string): RefusalCode {
	if (errcode === 'M_LIMIT_EXCEEDED' || status === 429) return 'rate-limited';
	if (status === 401 || errcode === 'M_UNKNOWN_TOKEN' || errcode === 'M_MISSING_TOKEN') return 'unauthenticated';
	if (status === 404) return 'not-found';
	if (status === 409) return 'conflict';
	if (status === 400) return 'invalid';
	if (status >= 500 || status === 0) return 'unavailable';
	return 'refused-by-server';
}

function fallbackText(code: RefusalCode, said: string | null): LocalisedText {
	const detail = said ? ` (${said})` : '';
	switch (code) {
		case 'unauthenticated':
			return {
				nl: 'Meld u opnieuw aan: uw sessie is verlopen of ongeldig.',
				en: 'Sign in again: your session has expired or is not valid.'
			};
		case 'rate-limited':
			return {
				nl: 'Te veel verzoeken achter elkaar. Probeer het over een moment opnieuw.',
				en: 'Too many requests in a row. Try again in a moment.'
			};
		case 'unavailable':
			return {
				nl: 'De server is even niet bereikbaar. Er is niets verloren; probeer het zo opnieuw.',
				en: 'The server cannot be reached right now. Nothing was lost; try again shortly.'
			};
		case 'not-found':
			return { nl: `Niet gevonden${detail}.`, en: `Not found${detail}.` };
		case 'invalid':
			return { nl: `De invoer is niet geldig${detail}.`, en: `The input is not valid${detail}.` };
		default:
			return { nl: `De server weigert dit${detail}.`, en: `The server refused this${detail}.` };
	}
}

/** Anything thrown by a call to a server (an API, the outbox) as the one refusal type: a refusal as it is, anything else as "unreachable". */
export function asRefusal(err: unknown): Refusal {
	return err instanceof Refusal
		? err
		: refusal(
				'unavailable',
				'De server is nu niet bereikbaar. Probeer het zo opnieuw.',
				'The server cannot be reached now. Try again shortly.'
			);
}
