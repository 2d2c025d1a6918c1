/**
 * The region's MDT board: one end-to-end encrypted Matrix room per region,
 * created and kept by the service account, whose members are the region's MDT
 * (src/lib/directory/mdt.ts). It is the daily meeting's agenda.
 *
 * What the server sees of the board is what it already sees in the cases'
 * plaintext state (reference, region, dates, acute, phase): the agenda API
 * (`AgendaItem`) is built from that state. Everything else (the aanmelding's
 * summary, kind, minor, risk signals, the duplicate match key, link decisions)
 * travels end-to-end encrypted on the board.
 */
import { z } from 'zod';
import { CaseReference, Instant, MatrixUserId, OrganisationCode, RegionCode } from './primitives.ts';
import { CaseKind } from './records.ts';
import { Phase } from './state.ts';

export const BOARD_ROOM_TYPE = 'nl.casusruimte.board';

/** Plaintext state of a board room, written by the service: which region it serves. */
export const BOARD_STATE = 'nl.casusruimte.board';
export const BoardState = z.strictObject({ v: z.literal(1), region: RegionCode });
export type BoardState = z.infer<typeof BoardState>;

/** Directory room state (service only), state key = region: where the region's board is. */
export const BOARD_POINTER_EVENT = 'nl.casusruimte.directory.board';
const RoomId = z.string().regex(/^![A-Za-z0-9._~\-:=+/]{1,250}$/, 'a Matrix room ID such as !abc:server');
export const BoardPointer = z.strictObject({ v: z.literal(1), room_id: RoomId });

/** Case-room plaintext state (service only): the MDT agenda's view of a case beyond triage.status. */
export const AGENDA_STATE = 'nl.casusruimte.agenda';
export const AgendaState = z.strictObject({
	v: z.literal(1),
	/** The last time a member asked for the case to be discussed again (a signal); null once triaged since. */
	retriage_requested_at: Instant.nullable(),
	/** When the case continues in another (one victim, one case): that case's reference. */
	continued_in: CaseReference.nullable()
});
export type AgendaState = z.infer<typeof AgendaState>;

/** Encrypted records on the board. */
export const BOARD_RECORD = {
	aanmelding: 'nl.casusruimte.aanmelding',
	link: 'nl.casusruimte.board.link'
} as const;

/** Risk signals the MDT needs to weigh urgency, before anyone reads the whole record. */
export const RISK_SIGNALS = [
	'ongoing-danger', // the victim is not safe now
	'offender-has-access', // the (suspected) offender has access to the victim
	'children-involved', // children in the household or involved
	'repeat-victimisation', // earlier abuse or violence
	'self-harm', // risk of suicide or self-harm
	'medical-urgent', // urgent medical care needed
	'evidence-window', // forensic examination still possible (acute)
	'high-dependency' // dependency on the offender (care, housing, money)
] as const;
export const RiskSignal = z.enum(RISK_SIGNALS);
export type RiskSignal = z.infer<typeof RiskSignal>;

/**
 * The aanmelding: what the MDT needs to triage a new case, without name,
 * address or contact details. Posted on the region's board by the opener's
 * client right after the case is opened.
 */
export const Aanmelding = z.strictObject({
	v: z.literal(1),
	room_id: RoomId,
	reference: CaseReference,
	region: RegionCode,
	first_report_at: Instant,
	receiving_org: OrganisationCode,
	acute: z.boolean(),
	kind: CaseKind,
	minor: z.boolean(),
	risk_signals: z.array(RiskSignal).max(RISK_SIGNALS.length),
	/** A short summary written for the MDT: no name, address or contact details. */
	summary: z.string().trim().min(1).max(600),
	/**
	 * For "one victim, one case": SHA-256 (base64) of the normalised name and birth
	 * date with a fixed prefix (`matchKey`). Encrypted: the server never sees it.
	 * Absent when the intake has no birth date.
	 */
	match: z
		.string()
		.regex(/^[A-Za-z0-9+/]{43}=?$/)
		.optional(),
	opened_by: MatrixUserId
});
export type Aanmelding = z.infer<typeof Aanmelding>;

/** The MDT links two aanmeldingen of one victim: one case continues, the other is closed with a reference to it. */
export const BoardLink = z.strictObject({
	v: z.literal(1),
	continue: CaseReference,
	close: CaseReference,
	by: MatrixUserId,
	at: Instant
});
export type BoardLink = z.infer<typeof BoardLink>;

/** One case on the agenda, from plaintext state only (GET /api/mdt/<region>/agenda). */
export const AgendaItem = z.strictObject({
	room_id: RoomId,
	reference: CaseReference,
	region: RegionCode,
	phase: Phase,
	acute: z.boolean(),
	first_report_at: Instant,
	triage_deadline: Instant,
	triaged: z.boolean(),
	next_review: z.string().nullable(),
	retriage_requested_at: Instant.nullable(),
	closed_at: Instant.nullable(),
	continued_in: CaseReference.nullable(),
	/** Last time anything happened in the case room (ms since epoch), for "stalls". */
	last_activity: z.number().int().nullable(),
	regiehouder: MatrixUserId.nullable()
});
export type AgendaItem = z.infer<typeof AgendaItem>;

export const AgendaResponse = z.strictObject({
	region: RegionCode,
	board_room_id: RoomId.nullable(),
	chair: z.boolean(),
	items: z.array(AgendaItem)
});
export type AgendaResponse = z.infer<typeof AgendaResponse>;

/** Normalises a name and birth date the same way in every client, then hashes them (Web Crypto). */
export async function matchKey(name: string, birthDate: string): Promise<string> {
	const norm = name
		.normalize('NFKD')
		.replace(/\p{M}/gu, '')
		.toLowerCase()
		.replace(/[^a-z]/g, '');
	const data = new TextEncoder().encode(`casusruimte-match-v1|${norm}|${birthDate}`);
	const digest = await crypto.subtle.digest('SHA-256', data);
	let bin = '';
	for (const b of new Uint8Array(digest)) bin += String.fromCharCode(b);
	return btoa(bin);
}
