/**
 * Need-to-know inside a case (issue 13): compartments, purposes that bind, and
 * where each record belongs. Pure; the app server (src/lib/server/compartments.ts),
 * the guard (through the generated policy.json and allow-list.json) and the
 * privacy console call these rules, so they are decided once.
 *
 * A compartment is its own Matrix room (type `nl.casusruimte.compartment`),
 * created and governed by the service like a case room: its own megolm sessions
 * and its own membership, so someone outside it receives no keys and the
 * homeserver serves them nothing from it. The case room carries a plaintext
 * pointer per compartment (`nl.casusruimte.compartment`, state key = the
 * compartment's id: room ID, kind and purpose, codes only); the compartment room
 * names its case (`nl.casusruimte.compartment.of`) and, per member, the grant the
 * inviter gave (`nl.casusruimte.compartment.grant`: organisation, history, by whom,
 * since). Nothing here is case content.
 *
 * Purposes bind: an organisation takes part in a compartment only while its entry
 * in the case's access basis covers the compartment's purpose (consent for that
 * purpose, or a statutory ground whose purposes include it).
 */
import { z } from 'zod';
import { Refusal, refusal } from '../refusal.ts';
import { activeEntry, type Directory } from '../directory/directory.ts';
import { Instant, MatrixUserId, OrganisationCode, Purpose, type StatutoryGround } from './primitives.ts';
import type { AccessEntry } from './state.ts';
import { RECORD } from './event-types.ts';
import type { Domain } from './records.ts';

/** The room type (m.room.create content.type) of every compartment room. */
export const COMPARTMENT_ROOM_TYPE = 'nl.casusruimte.compartment';
/** In the case room, state key = compartment id: where the compartment lives and what it is for. */
export const COMPARTMENT_POINTER = 'nl.casusruimte.compartment';
/** In the compartment room, state key "": the case it belongs to. */
export const COMPARTMENT_OF = 'nl.casusruimte.compartment.of';
/**
 * In the compartment room, state key `user:` + user ID (grantKey): the inviter's
 * grant (organisation, history, since). Matrix lets only a user set state keyed
 * by their bare user ID, hence the prefix (as in the directory).
 */
export const COMPARTMENT_GRANT = 'nl.casusruimte.compartment.grant';
export const grantKey = (userId: string) => `user:${userId}`;

/**
 * Kinds: the two defaults of the approach (police and OM; the care partners) and
 * `apart`, a compartment opened for one specific need (for example a separate
 * worker for each party in a case of intimate terror).
 */
export const COMPARTMENT_KINDS = ['strafrecht', 'zorg', 'apart'] as const;
export const CompartmentKind = z.enum(COMPARTMENT_KINDS);
export type CompartmentKind = z.infer<typeof CompartmentKind>;

/** The id is a code: the default kinds use their own name, `apart` compartments are numbered. */
export const COMPARTMENT_ID_PATTERN = '^(strafrecht|zorg|apart-[1-9][0-9]{0,2})$';
const ID_HINT = 'a compartment id: strafrecht, zorg or apart-<number>';
export const CompartmentId = z.string().regex(new RegExp(COMPARTMENT_ID_PATTERN), ID_HINT).describe(ID_HINT);
export type CompartmentId = z.infer<typeof CompartmentId>;

const RoomId = z.string().regex(/^![A-Za-z0-9._~\-:=+/]{1,250}$/, 'a Matrix room ID such as !abc:server');

/** The default compartments: their purpose, and the organisations that usually take part. */
export const DEFAULT_COMPARTMENTS = {
	strafrecht: { purpose: 'investigation', organisations: ['POLITIE', 'OM'] },
	zorg: { purpose: 'care', organisations: ['CSG', 'VT', 'SHN'] }
} as const satisfies Record<Exclude<CompartmentKind, 'apart'>, { purpose: Purpose; organisations: readonly string[] }>;

/** The pointer in the case room (state key = id). */
export const CompartmentPointer = z.strictObject({
	v: z.literal(1),
	room_id: RoomId,
	kind: CompartmentKind,
	purpose: Purpose
});
export type CompartmentPointer = z.infer<typeof CompartmentPointer>;

/** The compartment room's own statement of its case (state key ""); never changes. */
export const CompartmentOf = z.strictObject({
	v: z.literal(1),
	case_room_id: RoomId,
	id: CompartmentId,
	kind: CompartmentKind,
	purpose: Purpose
});
export type CompartmentOf = z.infer<typeof CompartmentOf>;

/**
 * History on a need-to-know basis: whoever invites decides whether the invitee may
 * read what was recorded before (`all`), only what was recorded from a date on
 * (`from`, with the date), or only what comes after their joining (`none`).
 */
export const HISTORY_GRANTS = ['all', 'from', 'none'] as const;
export const HistoryGrant = z.enum(HISTORY_GRANTS);
export type HistoryGrant = z.infer<typeof HistoryGrant>;

const grantFields = {
	v: z.literal(1),
	org: OrganisationCode,
	/** Who asked for the invitation (a coordinator of the case). */
	by: MatrixUserId,
	since: Instant
};

/**
 * The grant of one member (state key grantKey(user ID)), written by the service with
 * the invitation. With `from`, the members' clients share (and the invitee's client
 * accepts) only the megolm sessions first used at or after that moment
 * (src/lib/matrix/history-sharing.ts).
 */
export const CompartmentGrant = z.discriminatedUnion('history', [
	z.strictObject({ ...grantFields, history: z.literal('all') }),
	z.strictObject({ ...grantFields, history: z.literal('none') }),
	z.strictObject({ ...grantFields, history: z.literal('from'), from: Instant })
]);
export type CompartmentGrant = z.infer<typeof CompartmentGrant>;

/**
 * The default history grant follows the purpose: who joins a compartment for
 * investigation, care, safety or regie needs what the colleagues before them
 * recorded (a replacement, the OM after the police); a restorative mediator starts
 * fresh and reads only what is written for the mediation from then on.
 */
export const DEFAULT_HISTORY: Record<Purpose, Exclude<HistoryGrant, 'from'>> = {
	coordination: 'all',
	care: 'all',
	safety: 'all',
	investigation: 'all',
	restorative_mediation: 'none'
};

/**
 * Which purposes a named statutory ground covers (without consent). Written as a
 * privacy officer reads the grounds: the police data act and the judicial data act
 * serve investigation (and safety); Veilig Thuis' task and the meldcode serve
 * safety and care; a conflict of duties only acute safety. Every ground covers
 * coordination, the shared part of the case.
 */
export const STATUTORY_PURPOSES: Record<StatutoryGround, readonly Purpose[]> = {
	'wmo2015-vt': ['coordination', 'safety', 'care'],
	meldcode: ['coordination', 'safety', 'care'],
	wpg: ['coordination', 'safety', 'investigation'],
	wjsg: ['coordination', 'investigation'],
	'conflict-of-duties': ['coordination', 'safety']
};

/** An access entry written before purposes were recorded covers the shared part only. */
export const LEGACY_PURPOSES: readonly Purpose[] = ['coordination'];

/** The purposes an access entry covers now. */
export function purposesCovered(entry: AccessEntry): Purpose[] {
	if (entry.basis === 'statutory') {
		const ground = STATUTORY_PURPOSES[entry.ground];
		return entry.purposes ? entry.purposes.filter((p) => ground.includes(p)) : [...ground];
	}
	return entry.purposes ? [...entry.purposes] : [...LEGACY_PURPOSES];
}

/** The access entry of an organisation, if the case's basis covers it at all. */
export function accessEntryOf(access: readonly AccessEntry[], org: string | undefined): AccessEntry | undefined {
	return org ? access.find((a) => a.org === org) : undefined;
}

/** Whether the case's access basis covers this organisation for this purpose. */
export function coversPurpose(access: readonly AccessEntry[], org: string | undefined, purpose: Purpose): boolean {
	const entry = accessEntryOf(access, org);
	return entry !== undefined && purposesCovered(entry).includes(purpose);
}

// --- Where records belong ---------------------------------------------------------------

/** Where a record lives: the shared part of the case, or a compartment (by id). */
export type Location = 'shared' | CompartmentId;

/**
 * The default place of each kind of record. The case's own course (intake,
 * triage, consent, regie, closure, membership, reopening) is what every member
 * needs; an update or a signal is shared unless the author narrows it. A triage
 * domain has its own default (DOMAIN_LOCATION) for the notes written for it.
 */
export const RECORD_LOCATION: Record<(typeof RECORD)[keyof typeof RECORD], Location> = {
	[RECORD.intake]: 'shared',
	[RECORD.triage]: 'shared',
	[RECORD.consent]: 'shared',
	[RECORD.update]: 'shared',
	[RECORD.handover]: 'shared',
	[RECORD.closure]: 'shared',
	[RECORD.membershipNote]: 'shared',
	[RECORD.signal]: 'shared',
	[RECORD.reopen]: 'shared',
	// Police and care steps (informatief gesprek, aangifte, FMO, acute care) are the facts the acute
	// clock of the shared case view ticks off: the regiehouder must see that they happened, not how.
	[RECORD.step]: 'shared'
};

/** The default place of what is written for one triage domain. */
export const DOMAIN_LOCATION: Record<Domain, Location> = {
	strafrecht: 'strafrecht',
	hulp: 'zorg',
	veiligheid: 'shared',
	herstel: 'shared'
};

/**
 * Where a new record goes by default: the record kind's place, or the domain's when
 * written for a triage domain, if the case has that compartment and the author is
 * in it; else the shared part (the author cannot write where they do not read).
 */
export function defaultLocation(
	recordType: string,
	opts: { domain?: Domain; mine: readonly CompartmentId[] }
): Location {
	const wanted: Location = opts.domain
		? DOMAIN_LOCATION[opts.domain]
		: (RECORD_LOCATION[recordType as keyof typeof RECORD_LOCATION] ?? 'shared');
	return wanted !== 'shared' && opts.mine.includes(wanted) ? wanted : 'shared';
}

/**
 * What the author may choose: a default of `shared` may be narrowed to any
 * compartment the author is in; a compartment's record never widens to the shared part.
 */
export function locationChoices(defaultAt: Location, mine: readonly CompartmentId[]): Location[] {
	return defaultAt === 'shared' ? ['shared', ...mine] : [defaultAt];
}

/** Whether the author may send to `chosen` given the default: the same place, or narrower. */
export function mayPlace(defaultAt: Location, chosen: Location, mine: readonly CompartmentId[]): boolean {
	return locationChoices(defaultAt, mine).includes(chosen);
}

// --- Opening a compartment and inviting into it ----------------------------------------

/** What the rules need of a case: as the server reads its plaintext state. */
export interface CompartmentCase {
	closed: boolean;
	regiehouder: string | null;
	deputy: string | null;
	access: readonly AccessEntry[];
	/** Membership of the case room: user ID → join, invite, leave, ban. */
	members: ReadonlyMap<string, string>;
	/** The compartments the case has: id → pointer. */
	compartments: ReadonlyMap<string, CompartmentPointer>;
}

/**
 * The same, from what a member's client holds: the case view's phase, regie and
 * access basis, the case room's memberships and the compartment pointers.
 */
export function compartmentCaseOfView(
	view: { phase: string; regie: { regiehouder: string | null; deputy: string | null }; access: readonly AccessEntry[] },
	members: Iterable<{ userId: string; membership: string }>,
	compartments: Iterable<{ id: string; pointer: CompartmentPointer }>
): CompartmentCase {
	return {
		closed: view.phase === 'closed',
		regiehouder: view.regie.regiehouder,
		deputy: view.regie.deputy,
		access: view.access,
		members: new Map([...members].map((m) => [m.userId, m.membership])),
		compartments: new Map([...compartments].map((c) => [c.id, c.pointer]))
	};
}

export const OpenCompartmentInput = z.strictObject({
	kind: CompartmentKind,
	/** Only for `apart`: what it is for (the defaults have their own). */
	purpose: Purpose.optional()
});
export type OpenCompartmentInput = z.infer<typeof OpenCompartmentInput>;

export const CompartmentInviteInput = z
	.strictObject({
		user_id: MatrixUserId,
		/** Defaults to the purpose's (DEFAULT_HISTORY). */
		history: HistoryGrant.optional(),
		/** With history `from`: from when the invitee may read (and only then). */
		from: Instant.optional()
	})
	.refine((i) => (i.history === 'from') === (i.from !== undefined), {
		path: ['from'],
		message: 'a date with history "from", and only then'
	});
export type CompartmentInviteInput = z.infer<typeof CompartmentInviteInput>;

/** Opening and inviting: the joined regiehouder or deputy, or an active MDT chair who is in the case. */
export function coordinatesCase(c: CompartmentCase, actor: string, directory: Directory): boolean {
	if (c.members.get(actor) !== 'join') return false;
	if (actor === c.regiehouder || actor === c.deputy) return true;
	return activeEntry(directory, actor)?.roles.includes('chair') ?? false;
}

const notCoordinator = () =>
	refusal(
		'not-allowed',
		'Alleen de regiehouder, diens vervanger of een MDT-voorzitter in de casus opent een compartiment of nodigt erin uit.',
		'Only the regiehouder, their deputy or an MDT chair in the case opens a compartment or invites into one.'
	);
const closedCase = () => refusal('closed', 'Deze casus is afgesloten.', 'This case is closed.');

/** The id a new compartment of this kind gets: the kind's name, or the next free `apart-<n>`. */
export function nextCompartmentId(kind: CompartmentKind, existing: Iterable<string>): CompartmentId {
	if (kind !== 'apart') return kind;
	const taken = new Set(existing);
	let n = 1;
	while (taken.has(`apart-${n}`)) n++;
	return `apart-${n}`;
}

/** The purpose a compartment of this kind serves. */
export function purposeOf(input: OpenCompartmentInput): Purpose | null {
	if (input.kind === 'apart') return input.purpose ?? null;
	return DEFAULT_COMPARTMENTS[input.kind].purpose;
}

/** Why the actor may not open this compartment, or null (with the id and purpose it gets). */
export function openCompartmentRefusal(
	c: CompartmentCase,
	actor: string,
	directory: Directory,
	input: OpenCompartmentInput
): Refusal | null {
	if (c.closed) return closedCase();
	if (!coordinatesCase(c, actor, directory)) return notCoordinator();
	const purpose = purposeOf(input);
	if (!purpose)
		return refusal(
			'invalid',
			'Kies waarvoor dit aparte compartiment dient (het doel).',
			'Choose what this separate compartment is for (its purpose).'
		);
	if (input.kind !== 'apart' && input.purpose && input.purpose !== purpose)
		return refusal(
			'invalid',
			`Het compartiment ${input.kind} dient altijd hetzelfde doel.`,
			`The ${input.kind} compartment always serves the same purpose.`
		);
	if (input.kind !== 'apart' && c.compartments.has(input.kind))
		return refusal(
			'conflict',
			`Deze casus heeft al een compartiment ${input.kind}.`,
			`This case already has a ${input.kind} compartment.`
		);
	if (c.compartments.size >= 16)
		return refusal('conflict', 'Deze casus heeft al 16 compartimenten.', 'This case already has 16 compartments.');
	return null;
}

/**
 * Why `invitee` may not be invited into compartment `id`, or null. The invitee must
 * be in the case (joined or invited), active with a case role, and their
 * organisation's basis must cover the compartment's purpose.
 */
export function compartmentInviteRefusal(
	c: CompartmentCase,
	actor: string,
	directory: Directory,
	id: string,
	invitee: string
): Refusal | null {
	if (c.closed) return closedCase();
	if (!coordinatesCase(c, actor, directory)) return notCoordinator();
	const pointer = c.compartments.get(id);
	if (!pointer) return refusal('not-found', 'Dit compartiment bestaat niet.', 'This compartment does not exist.');
	return memberRefusal(c, pointer.purpose, invitee, directory);
}

/** Whether someone may be (or stay) in a compartment for this purpose: the one rule the guard mirrors. */
export function memberRefusal(
	c: Pick<CompartmentCase, 'access' | 'members'>,
	purpose: Purpose,
	userId: string,
	directory: Directory
): Refusal | null {
	const membership = c.members.get(userId);
	if (membership !== 'join' && membership !== 'invite')
		return refusal(
			'not-member',
			'Alleen wie in de casus zit, kan in een compartiment ervan.',
			'Only someone in the case can be in one of its compartments.'
		);
	const entry = activeEntry(directory, userId);
	if (!entry || !(entry.roles.includes('professional') || entry.roles.includes('chair')))
		return refusal(
			'unknown-user',
			'Deze persoon is geen actieve professional of voorzitter in het adresboek.',
			'This person is not an active professional or chair in the directory.'
		);
	if (!coversPurpose(c.access, entry.org, purpose))
		return refusal(
			'not-covered',
			`De grondslag van ${entry.org} in deze casus dekt het doel van dit compartiment niet. Leg eerst toestemming voor dat doel of een wettelijke grondslag vast.`,
			`${entry.org}'s basis in this case does not cover this compartment's purpose. Record consent for that purpose or a statutory ground first.`
		);
	return null;
}

/** The grant an invitation carries: the inviter's choice, else the purpose's default. */
export function grantFor(
	purpose: Purpose,
	org: string,
	by: string,
	since: string,
	history?: HistoryGrant,
	from?: string
): CompartmentGrant {
	const chosen = history ?? DEFAULT_HISTORY[purpose];
	return CompartmentGrant.parse({ v: 1, org, history: chosen, by, since, ...(chosen === 'from' ? { from } : {}) });
}

/**
 * Which of a compartment's megolm sessions a grant lets its holder read, by when
 * each session was first used (its earliest event in the room): all of them, none,
 * or only those first used at or after the grant's date. A session begun before
 * that date is not shared at all, even for its later messages: an export cannot
 * be cut at a message, so the grant errs on the side of need-to-know.
 */
export function sessionsGranted(
	grant: CompartmentGrant | null | undefined,
	firstUse: ReadonlyMap<string, number>,
	sessionIds: Iterable<string>
): string[] {
	if (!grant || grant.history === 'none') return [];
	const ids = [...sessionIds];
	if (grant.history === 'all') return ids;
	const from = Date.parse(grant.from);
	return ids.filter((id) => {
		const first = firstUse.get(id);
		return first !== undefined && first >= from;
	});
}

/**
 * Members of a compartment who may no longer be in it (consent for its purpose
 * withdrawn, their organisation's basis gone, or no longer in the case), each with
 * the membership reason code the service removes them with.
 */
export function membersToRemove(
	c: Pick<CompartmentCase, 'access' | 'members'>,
	purpose: Purpose,
	compartmentMembers: Iterable<string>,
	directory: Directory
): { userId: string; reason: 'consent-withdrawn' | 'no-longer-involved' | 'role-ended' }[] {
	const out: { userId: string; reason: 'consent-withdrawn' | 'no-longer-involved' | 'role-ended' }[] = [];
	for (const userId of compartmentMembers) {
		const why = memberRefusal(c, purpose, userId, directory);
		if (!why) continue;
		out.push({
			userId,
			reason:
				why.code === 'not-member'
					? 'no-longer-involved'
					: why.code === 'unknown-user'
						? 'role-ended'
						: 'consent-withdrawn'
		});
	}
	return out;
}

/** Reads the compartment pointers from a case room's state events (invalid ones are left out). */
export function compartmentsOf(
	state: readonly { type: string; state_key?: string; content: Record<string, unknown> }[]
): Map<string, CompartmentPointer> {
	const out = new Map<string, CompartmentPointer>();
	for (const e of state) {
		if (e.type !== COMPARTMENT_POINTER || !e.state_key || !CompartmentId.safeParse(e.state_key).success) continue;
		const parsed = CompartmentPointer.safeParse(e.content);
		if (parsed.success) out.set(e.state_key, parsed.data);
	}
	return out;
}
