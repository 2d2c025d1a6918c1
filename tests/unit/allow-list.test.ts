/**
 * The allow-list (src/lib/case/allow-list.ts) and what the product sends cannot
 * drift apart: every event the product composes passes it, and the neighbours
 * that issue 10 found are refused by it.
 */
import { describe, expect, it } from 'vitest';
import { CASE_ROOM, DIRECTORY_ROOM, GUARD_RULE_CODES, MemberContent } from '../../src/lib/case/allow-list.ts';
import { caseRoomCreateRequest, casePowerLevels, CASE_ROOM_TYPE } from '../../src/lib/matrix/room-template.ts';
import { NOTICE_CODES, serviceNotice } from '../../src/lib/case/notices.ts';
import { INVITE_REASONS, REMOVE_REASONS } from '../../src/lib/case/reasons.ts';
import { DEFAULT_ORGANISATIONS } from '../../src/lib/directory/schema.ts';
import { CaseState, AccessState, RegieState } from '../../src/lib/case/state.ts';
import { caseState, accessState, regieState } from '../support/domain-fixtures.ts';
import { RECORD } from '../../src/lib/case/event-types.ts';

const SERVICE = '@casusruimte-service:localhost';
const HOLDER = '@csg.mulder:localhost';

const parse = (room: typeof CASE_ROOM, type: string, content: unknown) => room[type]!.content.safeParse(content);

describe('what the product sends passes the allow-list', () => {
	it("a case room's initial state, from the template", () => {
		const request = caseRoomCreateRequest({
			case: CaseState.parse(caseState()),
			access: AccessState.parse(accessState()),
			regie: RegieState.parse(regieState('@csg:localhost')),
			chairs: ['@mdt.voorzitter:localhost'],
			requester: HOLDER,
			serviceUserId: SERVICE
		}) as { initial_state: { type: string; content: unknown }[]; name: string; power_level_content_override: unknown };
		for (const event of request.initial_state) {
			expect(CASE_ROOM[event.type], event.type).toBeDefined();
			expect(parse(CASE_ROOM, event.type, event.content).success, event.type).toBe(true);
		}
		expect(parse(CASE_ROOM, 'm.room.name', { name: request.name }).success).toBe(true);
		expect(parse(CASE_ROOM, 'm.room.power_levels', request.power_level_content_override).success).toBe(true);
		expect(
			parse(CASE_ROOM, 'm.room.create', { type: CASE_ROOM_TYPE, 'm.federate': false, room_version: '12' }).success
		).toBe(true);
	});

	it('power levels after a handover, and every service notice', () => {
		const levels = casePowerLevels({ regiehouder: HOLDER, deputy: null, chairs: [] }, SERVICE);
		expect(parse(CASE_ROOM, 'm.room.power_levels', { ...levels, historical: 100 }).success).toBe(true);
		for (const code of NOTICE_CODES) expect(parse(CASE_ROOM, 'm.room.message', serviceNotice(code)).success).toBe(true);
	});

	it('membership with every reason code, in its place', () => {
		for (const reason of INVITE_REASONS)
			expect(MemberContent.safeParse({ membership: 'invite', reason, displayname: 'Mulder' }).success).toBe(true);
		for (const reason of REMOVE_REASONS) {
			expect(MemberContent.safeParse({ membership: 'leave', reason }).success).toBe(true);
			expect(MemberContent.safeParse({ membership: 'invite', reason }).success, reason).toBe(false);
		}
		expect(MemberContent.safeParse({ membership: 'join', displayname: 'Mulder' }).success).toBe(true);
	});

	it("the directory's organisations", () => {
		const content = { v: 1, organisations: [...DEFAULT_ORGANISATIONS] };
		expect(parse(DIRECTORY_ROOM, 'nl.casusruimte.directory.organisations', content).success).toBe(true);
	});
});

describe('and refuses the neighbours', () => {
	it('free text in reasons and notices, avatars, knocks and third-party invites', () => {
		expect(MemberContent.safeParse({ membership: 'leave', reason: 'Verwijderd: Jan Jansen' }).success).toBe(false);
		expect(MemberContent.safeParse({ membership: 'join', avatar_url: 'mxc://x/y' }).success).toBe(false);
		expect(MemberContent.safeParse({ membership: 'knock' }).success).toBe(false);
		expect(MemberContent.safeParse({ membership: 'invite', third_party_invite: {} }).success).toBe(false);
		const notice = serviceNotice('access-review-requested');
		expect(parse(CASE_ROOM, 'm.room.message', { ...notice, body: `${notice.body} Reden: Jan` }).success).toBe(false);
	});

	it('relations and plaintext beside the ciphertext', () => {
		const envelope = { algorithm: 'm.megolm.v1.aes-sha2', ciphertext: 'AwgA', session_id: 'A'.repeat(43) };
		expect(parse(CASE_ROOM, 'm.room.encrypted', envelope).success).toBe(true);
		for (const extra of [{ 'm.relates_to': { rel_type: 'm.thread', event_id: '$x' } }, { body: 'Jan' }])
			expect(parse(CASE_ROOM, 'm.room.encrypted', { ...envelope, ...extra }).success).toBe(false);
	});

	it('state types outside the list, even with the namespace', () => {
		for (const type of ['m.room.topic', 'm.room.avatar', 'nl.casusruimte.notes', 'com.example.anything'])
			expect(CASE_ROOM[type], type).toBeUndefined();
	});

	it('every case record, the police and care steps of issue 14 included, only as m.room.encrypted', () => {
		for (const type of Object.values(RECORD)) expect(CASE_ROOM[type], type).toBeUndefined();
		expect(Object.values(RECORD)).toContain('nl.casusruimte.step');
	});

	it('names every rule code once', () => {
		expect(new Set(GUARD_RULE_CODES).size).toBe(GUARD_RULE_CODES.length);
	});
});
