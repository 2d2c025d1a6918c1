/**
 * The codec between domain records and Matrix events.
 *
 * Outgoing: a record becomes the content of an encrypted timeline event, with a
 * short plain-text `body` so that any other Matrix client shows something
 * sensible (the body is inside the encryption too). Incoming: a MatrixEvent
 * (decrypted by the SDK) becomes the domain's CaseEventInput; validation against
 * the zod schemas happens in the reducer, so a malformed event from any client
 * ends up as a flagged entry rather than an exception.
 */
import type { MatrixEvent } from 'matrix-js-sdk';
import { RECORD } from '../case/event-types.ts';
import type { CaseEventInput } from '../case/view.ts';

const FALLBACK: Record<string, (c: Record<string, unknown>) => string> = {
	[RECORD.intake]: (c) =>
		c.supersedes
			? 'Intake aangevuld of gecorrigeerd (nieuwe versie; casusruimte-record).'
			: 'Intake vastgelegd (casusruimte-record; open de casus in Casusruimte).',
	[RECORD.triage]: (c) => `MDT-triagebesluit nr. ${String(c.seq ?? '?')} vastgelegd (casusruimte-record).`,
	[RECORD.consent]: (c) =>
		`Toestemming ${c.status === 'withdrawn' ? 'ingetrokken' : c.status === 'refused' ? 'geweigerd' : 'vastgelegd'} voor ${Array.isArray(c.organisations) ? c.organisations.join(', ') : '?'} (casusruimte-record).`,
	[RECORD.update]: () => 'Regie-update geplaatst (casusruimte-record).',
	[RECORD.handover]: () => 'Regie overgedragen (casusruimte-record).',
	[RECORD.closure]: () => 'Casus afgesloten (casusruimte-record).',
	[RECORD.membershipNote]: () => 'Toelichting bij een lidmaatschap (casusruimte-record).',
	[RECORD.signal]: () => 'Signaal van een deelnemer (casusruimte-record).',
	[RECORD.reopen]: () => 'Casus heropend (casusruimte-record).',
	[RECORD.step]: () => 'Stap van politie of hulpverlening vastgelegd (casusruimte-record).',
	'nl.casusruimte.aanmelding': () => 'Aanmelding voor het MDT (casusruimte-record).',
	'nl.casusruimte.board.link': () => 'Twee aanmeldingen gekoppeld (casusruimte-record).'
};

/** The event content for a record: the record itself plus the plain-text fallback. */
export function encodeRecord(type: string, record: unknown): Record<string, unknown> {
	const content = { ...(record as Record<string, unknown>) };
	const fallback = FALLBACK[type];
	return { body: fallback ? fallback(content) : 'Casusruimte-record.', ...content };
}

/** A MatrixEvent as the reducer sees it. Never throws. */
export function decodeEvent(event: MatrixEvent): CaseEventInput {
	const encrypted = event.isEncrypted();
	const stateKey = event.getStateKey();
	const base: CaseEventInput = {
		id: event.getId() ?? event.getTxnId() ?? `local-${event.localTimestamp}`,
		type: event.getType(),
		sender: event.getSender() ?? '',
		ts: event.getTs(),
		stateKey: stateKey === undefined || stateKey === null ? undefined : stateKey,
		content: event.getContent(),
		encrypted,
		redacted: event.isRedacted() || undefined
	};
	if (event.isDecryptionFailure()) {
		return {
			...base,
			type: 'm.room.encrypted',
			content: undefined,
			undecryptable: event.decryptionFailureReason ?? 'cannot decrypt'
		};
	}
	if (encrypted && event.isBeingDecrypted()) {
		return { ...base, type: 'm.room.encrypted', content: undefined, undecryptable: 'decrypting' };
	}
	return base;
}
