/**
 * The homeserver's allow-list: every event a case room, an MDT board or the
 * directory room may hold, who may send it and its exact content, every nested field included. This
 * is the one source for the JSON Schemas the guard module validates with
 * (scripts/generate-schemas.ts writes them into synapse-config/schemas/); any
 * event type not listed here is refused, and so is any content that does not
 * match (an unknown field at any level, free text where a code belongs, a value
 * the product never sends).
 *
 * The rules that need more than one event (who may invite whom, lifecycle,
 * retention window, display name equal to the directory's) live in the guard
 * (synapse-config/guard/casusruimte_guard/rules.py); the shapes live here.
 */
import { z } from 'zod';
import { STATE } from './event-types.ts';
import { AccessState, CaseState, RegieState, TriageStatusState } from './state.ts';
import { CaseReference, MatrixUserId, RegionCode } from './primitives.ts';
import {
	INVITE_REASONS,
	MEMBERSHIP_REASONS,
	PRIVACY_ACTION_REASONS,
	REMOVE_REASONS,
	type InviteReason
} from './reasons.ts';
import { ServiceNotice } from './notices.ts';
import { DirectoryUserContent, ORGANISATIONS_EVENT, OrganisationsContent, USER_EVENT } from '../directory/schema.ts';
import { MDT_EVENT, MdtContent } from '../directory/mdt.ts';
import {
	AGENDA_STATE,
	AgendaState,
	BOARD_POINTER_EVENT,
	BOARD_ROOM_TYPE,
	BOARD_STATE,
	BoardPointer,
	BoardState
} from './board.ts';
import {
	COMPARTMENT_GRANT,
	COMPARTMENT_OF,
	COMPARTMENT_POINTER,
	COMPARTMENT_ROOM_TYPE,
	CompartmentGrant,
	CompartmentOf,
	CompartmentPointer
} from './compartments.ts';

/** Megolm, the only room-message encryption Matrix clients use (and the template sets). */
export const MEGOLM = 'm.megolm.v1.aes-sha2';
/** Synapse's limit on a whole event is 64 KiB; a ciphertext cannot be longer. */
export const CIPHERTEXT_MAX = 65_536;

const BASE64_HINT = 'unpadded base64';
const Base64 = z
	.string()
	.regex(/^[A-Za-z0-9+/]+$/, BASE64_HINT)
	.describe(BASE64_HINT);
/** A Curve25519 / Ed25519 key or a megolm session ID: 32 bytes, 43 characters of unpadded base64. */
const Key32 = z
	.string()
	.regex(/^[A-Za-z0-9+/]{43}$/, 'a 32-byte key in unpadded base64 (43 characters)')
	.describe('a 32-byte key in unpadded base64 (43 characters)');
const DEVICE_HINT = 'a device ID: 1 to 32 letters and digits';
const DeviceId = z
	.string()
	.regex(/^[A-Za-z0-9]{1,32}$/, DEVICE_HINT)
	.describe(DEVICE_HINT);
const EVENT_ID_HINT = 'an event ID such as $abc…';
const EventId = z
	.string()
	.regex(/^\$[A-Za-z0-9_\-+/=.:]{1,255}$/, EVENT_ID_HINT)
	.describe(EVENT_ID_HINT);
const ROOM_VERSION_HINT = 'a room version such as 12';
const RoomVersion = z
	.string()
	.regex(/^[a-z0-9.-]{1,32}$/, ROOM_VERSION_HINT)
	.describe(ROOM_VERSION_HINT);
const EVENT_TYPE_HINT = 'an event type such as m.room.name';
const EventType = z
	.string()
	.regex(/^[a-z][a-z0-9._]{0,99}$/, EVENT_TYPE_HINT)
	.describe(EVENT_TYPE_HINT);
// Room v12 gives m.room.tombstone 150 by default (above every non-creator).
const Power = z.number().int().min(0).max(1000);
const Lifetime = z
	.number()
	.int()
	.min(0)
	.max(100 * 365 * 24 * 3600 * 1000);
/** What Synapse's profile holds: the directory's display name (checked by the guard against the directory). */
const DisplayName = z.string().min(1).max(120);

/**
 * m.room.encrypted: the megolm envelope only. The product never sends relations
 * (no replies, threads, edits or reactions), so `m.relates_to`, which Matrix keeps
 * in the clear, is refused. `sender_key` and `device_id` are deprecated fields that
 * older crypto stacks still add.
 */
export const EncryptedContent = z.strictObject({
	algorithm: z.literal(MEGOLM),
	ciphertext: Base64.min(1).max(CIPHERTEXT_MAX),
	session_id: Key32,
	sender_key: Key32.optional(),
	device_id: DeviceId.optional()
});

/**
 * m.room.member: the membership, a reason from the closed lists (invite →
 * InviteReason, leave and ban → RemoveReason) and the display name Synapse copies
 * from the profile. No avatar, no per-room profile, no third-party invite, no knock.
 */
function memberContent(inviteReason: z.ZodEnum) {
	return z.discriminatedUnion('membership', [
		z.strictObject({
			membership: z.literal('invite'),
			reason: inviteReason.optional(),
			displayname: DisplayName.optional()
		}),
		z.strictObject({ membership: z.literal('join'), displayname: DisplayName.optional() }),
		z.strictObject({ membership: z.literal('leave'), reason: z.enum(REMOVE_REASONS).optional() }),
		z.strictObject({ membership: z.literal('ban'), reason: z.enum(REMOVE_REASONS).optional() })
	]);
}

export const MemberContent = memberContent(z.enum(INVITE_REASONS));

/**
 * m.room.member on an MDT board: the service invites a member of the region's
 * MDT (`mdt-board`) or, for the time of posting an aanmelding, the opener of a
 * new case (`aanmelding`); removals carry a removal code. Nothing else.
 */
export const BOARD_INVITE_REASONS = ['mdt-board', 'aanmelding'] as const satisfies readonly InviteReason[];
export const BoardMemberContent = memberContent(z.enum(BOARD_INVITE_REASONS));

/** The reasons someone is invited into a case: every invite reason but the board's and the compartment's. */
export const CaseInviteReason = z.enum(INVITE_REASONS).exclude([...BOARD_INVITE_REASONS, 'compartment']);
/** m.room.member in a case room: a case's invite reasons (the board's are refused there). */
export const CaseMemberContent = memberContent(CaseInviteReason);

/** Every reason code a redaction may carry (only the service redacts; the product does not today). */
export const REDACTION_REASONS = [...MEMBERSHIP_REASONS, ...PRIVACY_ACTION_REASONS] as const;
export const RedactionContent = z.strictObject({
	/** Room versions 11 and later carry the target in the content. */
	redacts: EventId.optional(),
	reason: z.enum(REDACTION_REASONS).optional()
});

/** Synapse's own empty event that tidies forward extremities (sent as any local member). */
export const DummyContent = z.strictObject({});

// --- service-only room state, as src/lib/matrix/room-template.ts and src/lib/server/directory-admin.ts make it ---

export const CASE_ROOM_TYPE = 'nl.casusruimte.case';

export const CaseCreateContent = z.strictObject({
	type: z.literal(CASE_ROOM_TYPE),
	'm.federate': z.literal(false),
	room_version: RoomVersion,
	/** Room versions before 11 name the creator here; later ones take the sender. */
	creator: MatrixUserId.optional()
});

export const CompartmentCreateContent = z.strictObject({
	type: z.literal(COMPARTMENT_ROOM_TYPE),
	'm.federate': z.literal(false),
	room_version: RoomVersion,
	creator: MatrixUserId.optional()
});

/** m.room.member in a compartment: the service invites (`compartment`) and removes; members join and leave. */
export const CompartmentMemberContent = memberContent(z.enum(['compartment']));

export const BoardCreateContent = z.strictObject({
	type: z.literal(BOARD_ROOM_TYPE),
	'm.federate': z.literal(false),
	room_version: RoomVersion,
	creator: MatrixUserId.optional()
});

export const DirectoryCreateContent = z.strictObject({
	room_version: RoomVersion,
	creator: MatrixUserId.optional()
});

export const PowerLevelsContent = z.strictObject({
	users: z.record(MatrixUserId, Power).optional(),
	users_default: Power.optional(),
	events: z.record(EventType, Power).optional(),
	events_default: Power.optional(),
	state_default: Power.optional(),
	invite: Power.optional(),
	kick: Power.optional(),
	ban: Power.optional(),
	redact: Power.optional(),
	historical: Power.optional(),
	notifications: z.strictObject({ room: Power }).optional()
});

export const EncryptionContent = z.strictObject({
	algorithm: z.literal(MEGOLM),
	rotation_period_ms: z
		.number()
		.int()
		.min(3_600_000)
		.max(31 * 24 * 3600 * 1000)
		.optional(),
	rotation_period_msgs: z.number().int().min(1).max(10_000).optional()
});

export const CaseJoinRules = z.strictObject({ join_rule: z.literal('invite') });
/** The directory: any local account may join to read it (federation is off). */
export const DirectoryJoinRules = z.strictObject({ join_rule: z.enum(['invite', 'public']) });
export const HistoryVisibilityContent = z.strictObject({ history_visibility: z.literal('shared') });
export const GuestAccessContent = z.strictObject({ guest_access: z.literal('forbidden') });
export const RetentionContent = z.strictObject({
	max_lifetime: Lifetime.optional(),
	min_lifetime: Lifetime.optional()
});
export const CaseNameContent = z.strictObject({ name: CaseReference });
/** A board has no name but its region's code. */
export const BoardNameContent = z.strictObject({ name: RegionCode });
export const DIRECTORY_ROOM_NAME = 'Casusruimte: organisaties en rollen';
export const DirectoryNameContent = z.strictObject({ name: z.literal(DIRECTORY_ROOM_NAME) });
const ALIAS_HINT = 'the directory alias #casusruimte-directory:server';
export const DirectoryCanonicalAlias = z.strictObject({
	alias: z
		.string()
		.regex(/^#casusruimte-directory:[A-Za-z0-9.\-[\]:]+$/, ALIAS_HINT)
		.describe(ALIAS_HINT)
		.optional()
});
const SERVER_HINT = 'a server name or glob';
export const ServerAclContent = z.strictObject({
	allow: z
		.array(
			z
				.string()
				.regex(/^[A-Za-z0-9.*?\-[\]:]{1,255}$/, SERVER_HINT)
				.describe(SERVER_HINT)
		)
		.max(16),
	deny: z
		.array(
			z
				.string()
				.regex(/^[A-Za-z0-9.*?\-[\]:]{1,255}$/, SERVER_HINT)
				.describe(SERVER_HINT)
		)
		.max(16)
		.optional(),
	allow_ip_literals: z.boolean().optional()
});

/**
 * Who may send an event: `service` is the casusruimte service account only;
 * `members` is anyone the room (and the guard's authority rules) lets in;
 * `self` is a member about their own membership (join, leave), the service for anyone.
 */
export type Sender = 'service' | 'members' | 'self';

export interface Allowed {
	/**
	 * State with this kind of state key (empty, a user ID, `user:` + a user ID, a
	 * region code, or a compartment id), or null for timeline.
	 */
	state: 'empty' | 'user' | 'directory-user' | 'region' | 'compartment' | null;
	sender: Sender;
	content: z.ZodType;
}

/** The room settings only the service sets, alike in case rooms, boards and compartments. */
const SERVICE_SETTINGS: Record<string, Allowed> = {
	'm.room.power_levels': { state: 'empty', sender: 'service', content: PowerLevelsContent },
	'm.room.join_rules': { state: 'empty', sender: 'service', content: CaseJoinRules },
	'm.room.history_visibility': { state: 'empty', sender: 'service', content: HistoryVisibilityContent },
	'm.room.guest_access': { state: 'empty', sender: 'service', content: GuestAccessContent },
	'm.room.encryption': { state: 'empty', sender: 'service', content: EncryptionContent },
	'm.room.retention': { state: 'empty', sender: 'service', content: RetentionContent },
	'm.room.server_acl': { state: 'empty', sender: 'service', content: ServerAclContent }
};

/** The timeline every kind of room holds: members post ciphertext only; the service redacts. */
const TIMELINE: Record<string, Allowed> = {
	'm.room.encrypted': { state: null, sender: 'members', content: EncryptedContent },
	'm.room.redaction': { state: null, sender: 'service', content: RedactionContent },
	'org.matrix.dummy_event': { state: null, sender: 'members', content: DummyContent }
};

/** Every event a case room may hold. Anything else is refused. */
export const CASE_ROOM: Record<string, Allowed> = {
	'm.room.create': { state: 'empty', sender: 'service', content: CaseCreateContent },
	'm.room.member': { state: 'user', sender: 'members', content: CaseMemberContent },
	...SERVICE_SETTINGS,
	'm.room.name': { state: 'empty', sender: 'service', content: CaseNameContent },
	[STATE.case]: { state: 'empty', sender: 'members', content: CaseState },
	[STATE.triageStatus]: { state: 'empty', sender: 'members', content: TriageStatusState },
	[STATE.access]: { state: 'empty', sender: 'members', content: AccessState },
	[STATE.regie]: { state: 'empty', sender: 'service', content: RegieState },
	[AGENDA_STATE]: { state: 'empty', sender: 'service', content: AgendaState },
	[COMPARTMENT_POINTER]: { state: 'compartment', sender: 'service', content: CompartmentPointer },
	'm.room.message': { state: null, sender: 'service', content: ServiceNotice },
	...TIMELINE
};

/**
 * Every event an MDT board (one per region) may hold: the service sets up the room,
 * invites and removes; the region's MDT members only join, leave and post
 * end-to-end encrypted records (the aanmelding, links). Membership itself is
 * checked by the guard against the region's MDT in the directory, now.
 */
export const BOARD_ROOM: Record<string, Allowed> = {
	'm.room.create': { state: 'empty', sender: 'service', content: BoardCreateContent },
	'm.room.member': { state: 'user', sender: 'self', content: BoardMemberContent },
	...SERVICE_SETTINGS,
	'm.room.name': { state: 'empty', sender: 'service', content: BoardNameContent },
	[BOARD_STATE]: { state: 'empty', sender: 'service', content: BoardState },
	...TIMELINE
};

/**
 * Every event a compartment of a case may hold (issue 13): the service sets it up,
 * invites (reason `compartment`) and removes, and writes each member's grant;
 * members join, leave and post end-to-end encrypted records. Whether someone may
 * be in it is checked by the guard against the case room's access basis now (the
 * organisation's basis must cover the compartment's purpose).
 */
export const COMPARTMENT_ROOM: Record<string, Allowed> = {
	'm.room.create': { state: 'empty', sender: 'service', content: CompartmentCreateContent },
	'm.room.member': { state: 'user', sender: 'self', content: CompartmentMemberContent },
	...SERVICE_SETTINGS,
	[COMPARTMENT_OF]: { state: 'empty', sender: 'service', content: CompartmentOf },
	// `user:` + the user ID: Matrix lets only the user themselves set state keyed by their bare ID.
	[COMPARTMENT_GRANT]: { state: 'directory-user', sender: 'service', content: CompartmentGrant },
	'm.room.message': { state: null, sender: 'service', content: ServiceNotice },
	...TIMELINE
};

/** A region's MDT in the directory, or `{}` when the region's MDT is removed (`buildMdts` skips it). */
export const MdtDirectoryContent = z.union([MdtContent, z.strictObject({})]);

/** Every event the directory room may hold: the service writes; members only join and leave themselves. */
export const DIRECTORY_ROOM: Record<string, Allowed> = {
	'm.room.create': { state: 'empty', sender: 'service', content: DirectoryCreateContent },
	'm.room.member': { state: 'user', sender: 'self', content: MemberContent },
	'm.room.power_levels': { state: 'empty', sender: 'service', content: PowerLevelsContent },
	'm.room.join_rules': { state: 'empty', sender: 'service', content: DirectoryJoinRules },
	'm.room.history_visibility': { state: 'empty', sender: 'service', content: HistoryVisibilityContent },
	'm.room.guest_access': { state: 'empty', sender: 'service', content: GuestAccessContent },
	'm.room.encryption': { state: 'empty', sender: 'service', content: EncryptionContent },
	'm.room.name': { state: 'empty', sender: 'service', content: DirectoryNameContent },
	'm.room.canonical_alias': { state: 'empty', sender: 'service', content: DirectoryCanonicalAlias },
	[ORGANISATIONS_EVENT]: { state: 'empty', sender: 'service', content: OrganisationsContent },
	[USER_EVENT]: { state: 'directory-user', sender: 'service', content: DirectoryUserContent },
	[MDT_EVENT]: { state: 'region', sender: 'service', content: MdtDirectoryContent },
	[BOARD_POINTER_EVENT]: { state: 'region', sender: 'service', content: BoardPointer },
	'org.matrix.dummy_event': { state: null, sender: 'members', content: DummyContent }
};

export type RoomKind = 'case' | 'board' | 'directory' | 'compartment';

/** Schema file names: one per (room kind, event type), because a type's shape may differ per room. */
export function schemaFile(room: RoomKind, type: string): string {
	return `${room}/${type}.json`;
}

/**
 * Every rule code the guard writes into its rejection log (synapse-config/guard/
 * casusruimte_guard/rules.py), for the console to name them. The first twelve are
 * the codes from before the allow-list.
 */
export const GUARD_RULE_CODES = [
	'schema',
	'unencrypted',
	'invite_not_covered',
	'join_not_invited',
	'join_rule',
	'history_visibility',
	'guest_access',
	'alias',
	'publish',
	'role',
	'immutable',
	'phase',
	'not_allowed',
	'service_only',
	'closed',
	'invite_role',
	'not_coordinator',
	'profile',
	'unknown_organisation',
	'retention',
	'closure_date',
	'room_creation',
	'media',
	'mdt_member',
	'regie_organisation',
	'compartment'
] as const;
