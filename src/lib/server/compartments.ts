/**
 * Compartments of a case (issue 13), as the service account: a coordinator asks,
 * the service opens the compartment's room (only the service creates rooms) and
 * writes the pointer into the case room, and invites whom the coordinator names,
 * with the coordinator's history grant. The rules are the domain's
 * (src/lib/case/compartments.ts), run on the case room's plaintext state now; the
 * homeserver's guard checks the same against the same state again, and removes a
 * member as soon as the case's access basis no longer covers the compartment's
 * purpose (synapse-config/guard/casusruimte_guard/module.py on_new_event).
 */
import type { CaseService } from './cases.ts';
import { invalidInput, noSuchCase } from './errors.ts';
import { compartmentReviews, purgeRoom } from './privacy/homeserver.ts';
import type { CompartmentOut } from '../privacy/schemas.ts';
import { refusal } from '../refusal.ts';
import { activeEntry } from '../directory/directory.ts';
import {
	COMPARTMENT_GRANT,
	COMPARTMENT_POINTER,
	CompartmentInviteInput,
	CompartmentOf,
	CompartmentPointer,
	OpenCompartmentInput,
	compartmentInviteRefusal,
	coordinatesCase,
	grantFor,
	grantKey,
	nextCompartmentId,
	openCompartmentRefusal,
	purposeOf,
	type CompartmentGrant
} from '../case/compartments.ts';
import { compartmentCaseOf } from '../case/room-state.ts';
import { compartmentRoomCreateRequest } from '../matrix/room-template.ts';
import { instant as iso } from '../case/time.ts';

export interface OpenedCompartment extends CompartmentPointer {
	id: string;
}

export class CompartmentService {
	private opening: Promise<unknown> = Promise.resolve();

	constructor(readonly cases: CaseService) {}

	private get service() {
		return this.cases.service;
	}

	/**
	 * GET /api/cases/<room>/compartments: the case's compartments with who is in each
	 * (organisation, since, the history grant and who asked for it), for a coordinator
	 * of the case, who decides who goes in. Codes and IDs only, as in the privacy
	 * console; never content. Other members see which compartments exist and whether
	 * they are in one from their own client (the pointers are in the case room's state).
	 */
	async list(token: string | null | undefined, caseRoomId: string): Promise<{ compartments: CompartmentOut[] }> {
		const requester = await this.cases.authenticate(token);
		const [room, directory] = await Promise.all([this.cases.snapshot(caseRoomId), this.cases.directory()]);
		if (!room.isCaseRoom || !room.case) throw noSuchCase();
		const c = compartmentCaseOf(room);
		if (!coordinatesCase(c, requester, directory))
			throw refusal(
				'not-allowed',
				'Alleen de regiehouder, diens vervanger of een MDT-voorzitter in de casus ziet wie in welk compartiment zit.',
				'Only the regiehouder, their deputy or an MDT chair in the case sees who is in which compartment.'
			);
		const compartments = await compartmentReviews(this.service, c.compartments, room.access, directory);
		return { compartments };
	}

	/** POST /api/cases/<room>/compartments {kind, purpose?}: a coordinator opens a compartment. */
	async open(token: string | null | undefined, caseRoomId: string, body: unknown): Promise<OpenedCompartment> {
		const requester = await this.cases.authenticate(token);
		const parsed = OpenCompartmentInput.safeParse(body);
		if (!parsed.success) throw invalidInput(parsed.error);
		// One at a time per process, so two requests do not both take `apart-1`.
		const run = this.opening.then(() => this.openNow(requester, caseRoomId, parsed.data));
		this.opening = run.catch(() => undefined);
		return run;
	}

	private async openNow(
		requester: string,
		caseRoomId: string,
		input: OpenCompartmentInput
	): Promise<OpenedCompartment> {
		const [room, directory] = await Promise.all([this.cases.snapshot(caseRoomId), this.cases.directory()]);
		if (!room.isCaseRoom || !room.case) throw noSuchCase();
		const c = compartmentCaseOf(room);
		const refused = openCompartmentRefusal(c, requester, directory, input);
		if (refused) throw refused;
		const id = nextCompartmentId(input.kind, c.compartments.keys());
		const purpose = purposeOf(input)!;
		const of = CompartmentOf.parse({ v: 1, case_room_id: caseRoomId, id, kind: input.kind, purpose });
		const roomId = (await this.service.createRoom(compartmentRoomCreateRequest(of))).room_id;
		const pointer = CompartmentPointer.parse({ v: 1, room_id: roomId, kind: input.kind, purpose });
		try {
			await this.service.sendState(caseRoomId, COMPARTMENT_POINTER, id, pointer);
		} catch (err) {
			// All or nothing: a compartment its case does not point to is removed again.
			await purgeRoom(this.service, roomId).catch((e) => console.error('compartment cleanup', roomId, e));
			throw err;
		}
		await this.cases.audit
			?.append({
				actor: requester,
				action: 'compartment-opened',
				room_id: caseRoomId,
				reference: room.case.reference,
				outcome: `${id}: ${purpose}`
			})
			.catch((e) => console.error('audit log', e));
		return { id, ...pointer };
	}

	/**
	 * POST /api/cases/<room>/compartments/<id>/invite {user_id, history?}: a coordinator
	 * has someone of the case invited into a compartment. The grant (history `all`,
	 * `from` a date, or `none`; default by purpose) is written with the invitation; the
	 * members' clients share the earlier keys only as far as it says.
	 */
	async invite(
		token: string | null | undefined,
		caseRoomId: string,
		id: string,
		body: unknown
	): Promise<{ room_id: string; grant: CompartmentGrant }> {
		const requester = await this.cases.authenticate(token);
		const parsed = CompartmentInviteInput.safeParse(body);
		if (!parsed.success) throw invalidInput(parsed.error);
		const input = parsed.data;
		const [room, directory] = await Promise.all([this.cases.snapshot(caseRoomId), this.cases.directory()]);
		if (!room.isCaseRoom || !room.case) throw noSuchCase();
		const c = compartmentCaseOf(room);
		const refused = compartmentInviteRefusal(c, requester, directory, id, input.user_id);
		if (refused) throw refused;
		const pointer = c.compartments.get(id)!;
		const current = (
			await this.service.getStateEvent<{ membership?: string }>(pointer.room_id, 'm.room.member', input.user_id)
		)?.membership;
		if (current === 'join' || current === 'invite')
			throw refusal(
				'conflict',
				'Deze persoon zit al in dit compartiment.',
				'This person is already in this compartment.'
			);
		const org = activeEntry(directory, input.user_id)!.org;
		const grant = grantFor(pointer.purpose, org, requester, iso(Date.now()), input.history, input.from);
		// The grant first: whoever sees the invitation can read what the inviter decided.
		await this.service.sendState(pointer.room_id, COMPARTMENT_GRANT, grantKey(input.user_id), grant);
		await this.service.invite(pointer.room_id, input.user_id, 'compartment');
		await this.cases.audit
			?.append({
				actor: requester,
				action: 'compartment-invite',
				room_id: caseRoomId,
				reference: room.case.reference,
				target: input.user_id,
				outcome: `${id}: history ${grant.history}${grant.history === 'from' ? ` ${grant.from}` : ''}`
			})
			.catch((e) => console.error('audit log', e));
		return { room_id: pointer.room_id, grant };
	}
}
