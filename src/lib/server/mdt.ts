/**
 * The daily MDT's server side: the agenda (from the cases' plaintext state
 * only), the chair's access to a case to record the MDT's decision, a member's
 * request to discuss a case again, and "one victim, one case" (the case that
 * continues in another). Every call authenticates the person with their own
 * Matrix token and checks the directory's MDTs now.
 */
import { z } from 'zod';
import type { CaseService } from './cases.ts';
import { MatrixHttpError, enc } from './http.ts';
import { forbidden, invalidInput, noSuchCase } from './errors.ts';
import { listRooms, roomState } from './privacy/homeserver.ts';
import type { RoomIndex } from './privacy/room-index.ts';
import { refusal } from '../refusal.ts';
import { AGENDA_STATE, AgendaItem, AgendaResponse, AgendaState } from '../case/board.ts';
import { CaseReference, REGIONS, RegionCode } from '../case/primitives.ts';
import { triageDeadline } from '../case/deadlines.ts';
import { CASE_ROOM_TYPE, openRetriageRequest, readCaseRoomState, type CaseRoomState } from '../case/room-state.ts';
import { isMdtChair, isMdtMember } from '../directory/mdt.ts';
import { instant as iso } from '../case/time.ts';

/** Closed cases stay on the agenda this long (the board shows "closed since the last meeting"). */
export const CLOSED_ON_AGENDA_MS = 14 * 24 * 3600_000;

/** How many rooms the agenda reads from the homeserver at once. */
const READS_AT_ONCE = 8;

/** `fn` over `items`, at most `limit` at a time, results in order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
	const out: R[] = new Array<R>(items.length);
	let next = 0;
	const worker = async () => {
		while (next < items.length) {
			const i = next++;
			out[i] = await fn(items[i]!);
		}
	};
	await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
	return out;
}

export const ContinuedInInput = z.strictObject({ reference: CaseReference.nullable() });

export function agendaItemOf(roomId: string, s: CaseRoomState, lastActivity: number | null): AgendaItem | null {
	if (!s.case) return null;
	return AgendaItem.parse({
		room_id: roomId,
		reference: s.case.reference,
		region: s.case.region,
		phase: s.case.phase,
		acute: s.case.acute,
		first_report_at: s.case.first_report_at,
		triage_deadline: iso(Date.parse(triageDeadline(s.case.first_report_at))),
		triaged: s.triage !== null,
		next_review: s.triage?.next_review ?? null,
		retriage_requested_at: openRetriageRequest(s),
		closed_at: s.case.closed_at,
		continued_in: s.agenda?.continued_in ?? null,
		last_activity: lastActivity,
		regiehouder: s.regie?.regiehouder ?? null
	});
}

export class MdtService {
	constructor(
		readonly cases: CaseService,
		/** The privacy console's room index (issue 15): the agenda's list of rooms, without reading every room. */
		readonly index: RoomIndex | null = null
	) {}

	private get service() {
		return this.cases.service;
	}

	private region(input: string): RegionCode {
		const parsed = RegionCode.safeParse(input.toUpperCase());
		if (parsed.success) return parsed.data;
		throw refusal(
			'not-found',
			`Onbekende regio "${input}". Bekende regio's: ${Object.keys(REGIONS).join(', ')}.`,
			`Unknown region "${input}". Known regions: ${Object.keys(REGIONS).join(', ')}.`
		);
	}

	/**
	 * The case rooms the service made, with their plaintext state. From the privacy index (issue 15)
	 * when the service has one: brought up to date with one incremental sync, and only the rooms
	 * `wanted` picks (by the index's cached reading: region, reference) are read in full. Without
	 * an index (a test's bare service), every room through the Admin API as before.
	 */
	private async caseRooms(
		wanted: (c: { region: string | null; reference: string | null }) => boolean = () => true
	): Promise<{ roomId: string; state: CaseRoomState }[]> {
		const own = (roomId: string, s: CaseRoomState | null) =>
			s?.isCaseRoom && s.case && s.createdBy === this.service.userId ? { roomId, state: s } : null;
		if (this.index) {
			await this.index.fresh();
			return this.index
				.entries()
				.cases.filter(
					({ parsed }) =>
						parsed.createdBy === this.service.userId &&
						parsed.caseState !== null &&
						wanted({ region: parsed.caseState.region, reference: parsed.caseState.reference })
				)
				.map(({ room, parsed }) => own(parsed.roomId, readCaseRoomState(room.state)))
				.filter((r) => r !== null);
		}
		const rooms = (await listRooms(this.service)).filter(
			(room) => room.room_type === CASE_ROOM_TYPE && room.creator === this.service.userId
		);
		const read = await mapLimit(rooms, READS_AT_ONCE, async (room) => {
			const state = await roomState(this.service, room.room_id);
			return own(room.room_id, state ? readCaseRoomState(state) : null);
		});
		return read.filter((r) => r !== null).filter((r) => wanted(r.state.case!));
	}

	/** When the last record was posted (the time only; the encrypted content is not read), else null. */
	private async lastActivity(roomId: string): Promise<number | null> {
		try {
			const res = await this.service.http.get<{ chunk: { origin_server_ts?: number }[] }>(
				`/_synapse/admin/v1/rooms/${enc(roomId)}/messages`,
				{ dir: 'b', limit: 1, filter: JSON.stringify({ types: ['m.room.encrypted'] }) }
			);
			return res.chunk[0]?.origin_server_ts ?? null;
		} catch (err) {
			if (err instanceof MatrixHttpError && err.status < 500) return null;
			throw err;
		}
	}

	/** GET /api/mdt/<region>/agenda: the region's open cases and those closed lately, for its MDT members only. */
	async agenda(token: string | null | undefined, regionInput: string, now = Date.now()): Promise<AgendaResponse> {
		const requester = await this.cases.authenticate(token);
		const region = this.region(regionInput);
		const directory = await this.cases.directory();
		if (!isMdtMember(directory.mdts, directory, region, requester))
			throw forbidden(
				`Alleen leden van het MDT van regio ${region} zien de agenda.`,
				`Only members of the ${region} MDT see its agenda.`
			);
		const onAgenda = (await this.caseRooms((c) => c.region === region)).filter(({ state }) => {
			const closedAt = state.case!.closed_at;
			return state.case!.region === region && !(closedAt && now - Date.parse(closedAt) > CLOSED_ON_AGENDA_MS);
		});
		const items = (
			await mapLimit(onAgenda, READS_AT_ONCE, async ({ roomId, state }) =>
				agendaItemOf(roomId, state, state.case!.closed_at ? null : await this.lastActivity(roomId))
			)
		).filter((i): i is AgendaItem => i !== null);
		items.sort((a, b) => a.triage_deadline.localeCompare(b.triage_deadline) || a.reference.localeCompare(b.reference));
		return AgendaResponse.parse({
			region,
			board_room_id: await this.cases.boards.pointer(region),
			chair: isMdtChair(directory.mdts, directory, region, requester),
			items
		});
	}

	/**
	 * POST /api/cases/<room>/chair-access: the region's MDT chair is invited into
	 * the case (reason `mdt-chair`) to record the MDT's decision. Only an active
	 * chair of the case's region, only while the case is open. Idempotent.
	 */
	async chairAccess(
		token: string | null | undefined,
		roomId: string
	): Promise<{ room_id: string; membership: string }> {
		const requester = await this.cases.authenticate(token);
		const [room, directory] = await Promise.all([this.cases.snapshot(roomId), this.cases.directory()]);
		if (!room.isCaseRoom || !room.case) throw noSuchCase();
		if (!isMdtChair(directory.mdts, directory, room.case.region, requester))
			throw forbidden(
				`Alleen de voorzitter van het MDT van regio ${room.case.region} krijgt zo toegang tot deze casus.`,
				`Only the chair of the ${room.case.region} MDT gets access to this case this way.`
			);
		if (room.case.phase === 'closed') throw refusal('closed', 'Deze casus is afgesloten.', 'This case is closed.');
		const current = room.memberships.get(requester)?.membership;
		if (current === 'join' || current === 'invite') return { room_id: roomId, membership: current };
		if (current === 'ban')
			throw forbidden('U bent uit deze casus geweerd.', 'You are banned from this case.', 'not-allowed');
		await this.service.invite(roomId, requester, 'mdt-chair');
		return { room_id: roomId, membership: 'invite' };
	}

	private async agendaOf(roomId: string): Promise<AgendaState> {
		const current = AgendaState.safeParse(await this.service.getStateEvent(roomId, AGENDA_STATE));
		return current.data ?? { v: 1, retriage_requested_at: null, continued_in: null };
	}

	/** POST /api/cases/<room>/retriage: any joined member puts the open case back on the MDT's agenda. */
	async retriage(token: string | null | undefined, roomId: string): Promise<AgendaState> {
		const requester = await this.cases.authenticate(token);
		const room = await this.cases.snapshot(roomId);
		if (!room.isCaseRoom || !room.case) throw noSuchCase();
		if (room.memberships.get(requester)?.membership !== 'join')
			throw forbidden('U bent geen lid van deze casus.', 'You are not a member of this case.', 'not-member');
		if (room.case.phase === 'closed') throw refusal('closed', 'Deze casus is afgesloten.', 'This case is closed.');
		const next = AgendaState.parse({ ...(await this.agendaOf(roomId)), retriage_requested_at: iso(Date.now()) });
		await this.service.sendState(roomId, AGENDA_STATE, '', next);
		return next;
	}

	/**
	 * POST /api/cases/<room>/continued-in {reference}: one victim, one case. The
	 * region's chair records that this case continues in another open case of the
	 * region (null undoes it). The chair then closes this case ("merged into");
	 * nothing is deleted.
	 */
	async continuedIn(token: string | null | undefined, roomId: string, body: unknown): Promise<AgendaState> {
		const requester = await this.cases.authenticate(token);
		const parsed = ContinuedInInput.safeParse(body);
		if (!parsed.success) throw invalidInput(parsed.error);
		const target = parsed.data.reference;
		const [room, directory] = await Promise.all([this.cases.snapshot(roomId), this.cases.directory()]);
		if (!room.isCaseRoom || !room.case) throw noSuchCase();
		const region = room.case.region;
		if (!isMdtChair(directory.mdts, directory, region, requester))
			throw forbidden(
				`Alleen de voorzitter van het MDT van regio ${region} koppelt casussen.`,
				`Only the chair of the ${region} MDT links cases.`
			);
		if (target === room.case.reference)
			throw refusal('invalid', 'Een casus kan niet in zichzelf doorlopen.', 'A case cannot continue in itself.');
		if (target) {
			// Found through the index (a list), then read from the homeserver now: an action decides on live state.
			const found = (await this.caseRooms((c) => c.reference === target))[0];
			const live = found ? await roomState(this.service, found.roomId) : null;
			const liveState = live ? readCaseRoomState(live) : null;
			const other = found && liveState?.case?.reference === target ? { roomId: found.roomId, state: liveState } : null;
			if (!other || other.state.case!.region !== region)
				throw refusal(
					'not-found',
					`Casus ${target} bestaat niet in regio ${region}.`,
					`There is no case ${target} in region ${region}.`
				);
			if (other.state.case!.phase === 'closed')
				throw refusal(
					'closed',
					`Casus ${target} is afgesloten; kies de casus die doorloopt.`,
					`Case ${target} is closed; choose the case that continues.`
				);
			if (other.state.agenda?.continued_in)
				throw refusal(
					'conflict',
					`Casus ${target} loopt zelf al door in ${other.state.agenda.continued_in}.`,
					`Case ${target} itself continues in ${other.state.agenda.continued_in}.`
				);
		}
		const current = await this.agendaOf(roomId);
		if (current.continued_in === target) return current;
		const next = AgendaState.parse({ ...current, continued_in: target });
		await this.service.sendState(roomId, AGENDA_STATE, '', next);
		return next;
	}
}
