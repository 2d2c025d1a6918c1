/**
 * The case-room template: how a case room is created and who holds which power.
 *
 * - Created by the service account, never by a person: in room version 12 the
 *   creator's power cannot be revoked, and no human may hold that over a case.
 * - Encrypted from creation; join rule invite; guest access forbidden; never
 *   federated (m.federate false); no alias, no directory entry; the name is the
 *   pseudonymous reference and there is no topic.
 * - History visibility "shared": a newly invited MDT member can read the record
 *   that came before (the inviter's client shares the room keys with them,
 *   MSC4268, and key backup covers their own later devices), while a removed
 *   member gets nothing after leaving: the homeserver stops serving them events
 *   and the megolm session rotates when membership changes.
 * - Power: the regiehouder, the deputy and the MDT chairs have 50 (invite, remove,
 *   change case state); members 0 (post records and discussion). Power levels,
 *   encryption, join rules, history, retention and the regie state itself are the
 *   service account's (100) alone, so regie changes and removals by the privacy
 *   officer or beheerder go through the server and always work. Nobody can redact.
 * - Retention: the room's content is kept while the case is open (room policy at
 *   the configured maximum); after closure the whole room is deleted by the
 *   retention job once retention_until has passed.
 */
import { STATE } from '../case/event-types.ts';
import type { AccessState, CaseState, RegieState } from '../case/state.ts';
import { CASE_ROOM_TYPE } from '../case/room-state.ts';
import { COMPARTMENT_OF, COMPARTMENT_ROOM_TYPE, type CompartmentOf } from '../case/compartments.ts';

export { CASE_ROOM_TYPE };
export const COORDINATOR_POWER = 50;
export const SERVICE_ONLY = 100;
/** Twenty years; the homeserver clamps it to its allowed_lifetime_max. */
export const CASE_CONTENT_MAX_LIFETIME_MS = 20 * 365 * 24 * 3600 * 1000;

export const CASE_ENCRYPTION = {
	algorithm: 'm.megolm.v1.aes-sha2',
	// Rotate keys weekly and every 100 messages so one leaked session key exposes little.
	rotation_period_ms: 7 * 24 * 3600 * 1000,
	rotation_period_msgs: 100
} as const;

export interface Coordinators {
	regiehouder: string | null;
	deputy: string | null;
	chairs: readonly string[];
}

export function casePowerLevels(coordinators: Coordinators, serviceUserId?: string): Record<string, unknown> {
	const users: Record<string, number> = {};
	for (const userId of [coordinators.regiehouder, coordinators.deputy, ...coordinators.chairs]) {
		// Room v12: the creator (the service account) must not appear in the users map.
		if (userId && userId !== serviceUserId) users[userId] = COORDINATOR_POWER;
	}
	return {
		users,
		users_default: 0,
		events_default: 0,
		state_default: SERVICE_ONLY,
		invite: COORDINATOR_POWER,
		kick: COORDINATOR_POWER,
		ban: SERVICE_ONLY,
		redact: SERVICE_ONLY,
		notifications: { room: COORDINATOR_POWER },
		events: {
			'm.room.name': SERVICE_ONLY,
			'm.room.topic': SERVICE_ONLY,
			'm.room.avatar': SERVICE_ONLY,
			'm.room.canonical_alias': SERVICE_ONLY,
			'm.room.power_levels': SERVICE_ONLY,
			'm.room.encryption': SERVICE_ONLY,
			'm.room.history_visibility': SERVICE_ONLY,
			'm.room.join_rules': SERVICE_ONLY,
			'm.room.guest_access': SERVICE_ONLY,
			'm.room.server_acl': SERVICE_ONLY,
			'm.room.tombstone': SERVICE_ONLY,
			'm.room.retention': SERVICE_ONLY,
			'm.room.pinned_events': SERVICE_ONLY,
			'm.room.redaction': SERVICE_ONLY,
			[STATE.case]: COORDINATOR_POWER,
			[STATE.triageStatus]: COORDINATOR_POWER,
			[STATE.access]: COORDINATOR_POWER,
			[STATE.regie]: SERVICE_ONLY
		}
	};
}

export interface CaseRoomInit {
	case: CaseState;
	access: AccessState;
	regie: RegieState;
	chairs: readonly string[];
	/** The person who opened the case: invited at creation. */
	requester: string;
	serviceUserId: string;
}

/**
 * The initial state every room of the product starts with (case rooms, compartments, boards):
 * encrypted from creation, invite only, history `shared`, no guests, and a retention for its content.
 */
export function protectedRoomState(maxLifetimeMs: number): { type: string; state_key: string; content: object }[] {
	return [
		{ type: 'm.room.encryption', state_key: '', content: CASE_ENCRYPTION },
		{ type: 'm.room.join_rules', state_key: '', content: { join_rule: 'invite' } },
		{ type: 'm.room.history_visibility', state_key: '', content: { history_visibility: 'shared' } },
		{ type: 'm.room.guest_access', state_key: '', content: { guest_access: 'forbidden' } },
		{ type: 'm.room.retention', state_key: '', content: { max_lifetime: maxLifetimeMs } }
	];
}

/**
 * Power levels of a room where only the service acts (boards, compartments): everyone else 0, so
 * members only post; invites, removals and state are the service's (`serviceOnlyEvents` named too).
 */
export function serviceRoomPowerLevels(serviceOnlyEvents: readonly string[]): Record<string, unknown> {
	return {
		users: {},
		users_default: 0,
		events_default: 0,
		state_default: SERVICE_ONLY,
		invite: SERVICE_ONLY,
		kick: SERVICE_ONLY,
		ban: SERVICE_ONLY,
		redact: SERVICE_ONLY,
		notifications: { room: SERVICE_ONLY },
		events: Object.fromEntries(serviceOnlyEvents.map((t) => [t, SERVICE_ONLY]))
	};
}

/** The body of POST /createRoom for a new case room, sent as the service account. */
export function caseRoomCreateRequest(init: CaseRoomInit): Record<string, unknown> {
	return {
		preset: 'private_chat',
		visibility: 'private',
		name: init.case.reference,
		invite: [init.requester],
		is_direct: false,
		creation_content: { type: CASE_ROOM_TYPE, 'm.federate': false },
		initial_state: [
			...protectedRoomState(CASE_CONTENT_MAX_LIFETIME_MS),
			{ type: STATE.case, state_key: '', content: init.case },
			{ type: STATE.access, state_key: '', content: init.access },
			{ type: STATE.regie, state_key: '', content: init.regie }
		],
		power_level_content_override: casePowerLevels(
			{ regiehouder: init.regie.regiehouder, deputy: init.regie.deputy, chairs: init.chairs },
			init.serviceUserId
		)
	};
}

/**
 * A compartment of a case (issue 13): a room of its own, made by the service like
 * the case room (encrypted from creation, invite only, no guests, never federated,
 * no name, no topic), so its members have their own megolm sessions. Only the
 * service invites, removes and sets state (power 100); members post (0). History
 * `shared`: a member invited later may be given the earlier records; whether they
 * are is the inviter's grant (COMPARTMENT_GRANT), and keys follow the grant.
 */
export function compartmentRoomCreateRequest(of: CompartmentOf): Record<string, unknown> {
	return {
		preset: 'private_chat',
		visibility: 'private',
		is_direct: false,
		creation_content: { type: COMPARTMENT_ROOM_TYPE, 'm.federate': false },
		initial_state: [
			...protectedRoomState(CASE_CONTENT_MAX_LIFETIME_MS),
			{ type: COMPARTMENT_OF, state_key: '', content: of }
		],
		power_level_content_override: serviceRoomPowerLevels([
			'm.room.power_levels',
			'm.room.history_visibility',
			'm.room.encryption',
			'm.room.redaction'
		])
	};
}
