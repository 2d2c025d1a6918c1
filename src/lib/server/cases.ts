/**
 * What the server does for a case, as the service account: create the room from
 * the template, carry out regie handovers (the regie state and the power levels
 * are the service account's alone) and keep the power in every case room in
 * line with the directory. Every call authenticates the person asking with
 * their own Matrix token (/whoami) and checks the directory; the decisions are
 * the domain's commands (src/lib/case/commands.ts), run on the plaintext state.
 */
import { MatrixHttpError } from './http.ts';
import type { ServiceClient, StateEvent } from './synapse-admin.ts';
import type { ServerConfig } from './config.ts';
import { Refusal, forbidden, invalidInput, noSuchCase, unauthenticated, unavailable } from './errors.ts';
import { ensureDirectoryRoom, readDirectory } from './directory-admin.ts';
import { ReferenceCounter } from './references.ts';
import type { AuditLog } from './privacy/audit.ts';
import { listRooms, purgeRoom, roomState } from './privacy/homeserver.ts';
import type { RoomIndex } from './privacy/room-index.ts';
import { hasRole, isKnownOrganisation, type Directory } from '../directory/directory.ts';
import { activeChairs, samePower, wantedPower } from '../privacy/authority.ts';
import { NewCaseInput, RegieChange, handOverRegie, initialCaseState } from '../case/commands.ts';
import { RegieState } from '../case/state.ts';
import { STATE } from '../case/event-types.ts';
import { serviceNotice } from '../case/notices.ts';
import {
	CASE_ROOM_TYPE,
	caseViewOf,
	membershipMap,
	readCaseRoomState,
	type CaseRoomState
} from '../case/room-state.ts';
import { refusal } from '../refusal.ts';
import { caseRoomCreateRequest } from '../matrix/room-template.ts';
import { regieOrganisationsFrom } from '../case/policy.ts';
import { Boards } from './boards.ts';
import { reopenRefusal, reopenedCaseState } from '../case/reopen.ts';
import { AGENDA_STATE, AgendaState } from '../case/board.ts';
import { instant } from '../case/time.ts';

/** The audit log's actor for what the service does on its own (cleanup, authority updates). */
export const CASE_SERVICE_ACTOR = 'system:case-service';

/** A case room's state as the service account reads it, through the one reader (case/room-state.ts). */
export interface CaseRoomSnapshot extends CaseRoomState {
	roomId: string;
	state: StateEvent[];
}

export interface CaseServiceOptions {
	/** Where the service records cleanups and authority updates (the privacy console reads it). */
	audit?: AuditLog | null;
	/** Removes a room completely (default: the Admin API purge, with its retries). */
	purge?: (roomId: string) => Promise<void>;
	/** Whose case managers may hold regie (default: CASUS_REGIE_ORGANISATIONS, else CSG, VT, SHN). */
	regieOrganisations?: readonly string[];
}

/** What POST /api/cases answers. */
export interface CreatedCase {
	roomId: string;
	reference: string;
	/** The region's MDT board, where the opener's client posts the aanmelding; null when the board could not be reached. */
	board_room_id: string | null;
	/** Whether the opener was invited onto the board as `aanmelding` guest (not in the region's MDT). */
	board_guest: boolean;
	/** When the board could not be reached: what to tell the opener (the case itself is open and complete). */
	board_problem: { nl: string; en: string } | null;
}

export interface AuthorityRun {
	checked: number;
	updated: string[];
	failed: { roomId: string; error: string }[];
}

const SECOND = 1000;

export class CaseService {
	private directoryRoomId?: string;
	private creating: Promise<unknown> = Promise.resolve();
	readonly references: ReferenceCounter;
	readonly audit: AuditLog | null;
	readonly regieOrganisations: readonly string[];
	readonly boards: Boards;
	private readonly purge: (roomId: string) => Promise<void>;

	constructor(
		readonly config: ServerConfig,
		readonly service: ServiceClient,
		options: CaseServiceOptions = {}
	) {
		this.references = new ReferenceCounter(service);
		this.audit = options.audit ?? null;
		this.purge = options.purge ?? ((roomId) => purgeRoom(service, roomId));
		this.regieOrganisations = options.regieOrganisations ?? regieOrganisationsFrom(process.env);
		this.boards = new Boards(service, () => this.directoryRoom());
	}

	/** The user behind a Matrix access token, or 401. */
	async authenticate(token: string | null | undefined): Promise<string> {
		if (!token) throw unauthenticated();
		try {
			return (await this.service.whoami(token)).user_id;
		} catch (err) {
			if (err instanceof MatrixHttpError && (err.status === 401 || err.status === 403)) throw unauthenticated();
			throw err;
		}
	}

	async directoryRoom(): Promise<string> {
		this.directoryRoomId ??= await ensureDirectoryRoom(this.service, this.config.serverName);
		return this.directoryRoomId;
	}

	async directory(): Promise<Directory> {
		return readDirectory(this.service, await this.directoryRoom());
	}

	async snapshot(roomId: string): Promise<CaseRoomSnapshot> {
		let state: StateEvent[];
		try {
			state = await this.service.getRoomState(roomId);
		} catch (err) {
			if (err instanceof MatrixHttpError && (err.status === 403 || err.status === 404)) throw noSuchCase();
			throw err;
		}
		return { roomId, state, ...readCaseRoomState(state) };
	}

	/**
	 * Opens a new case: the room from the template, the requester invited (and
	 * holding regie when of a regie organisation). All or nothing. Then the case
	 * reaches the region's MDT board: the board exists and follows the MDT, and an
	 * opener outside the MDT is invited as `aanmelding` guest. A board that cannot
	 * be reached does not undo the case: `board_room_id` is null and the reason logged.
	 */
	async createCase(token: string | null | undefined, body: unknown): Promise<CreatedCase> {
		const requester = await this.authenticate(token);
		const directory = await this.directory();
		if (!hasRole(directory, requester, 'professional') && !hasRole(directory, requester, 'chair')) {
			throw forbidden(
				'Alleen leden van het MDT (professionals en voorzitters) openen een casus.',
				'Only MDT members (professionals and chairs) open cases.'
			);
		}
		const parsed = NewCaseInput.safeParse(body);
		if (!parsed.success) throw invalidInput(parsed.error);
		const input = parsed.data;
		for (const a of input.access) {
			if (!isKnownOrganisation(directory, a.org))
				throw refusal('invalid', `Onbekende organisatie ${a.org}.`, `Unknown organisation ${a.org}.`);
		}
		// Checked before a reference is spent: the domain's rules for a new case.
		try {
			initialCaseState(input, 'XX-0000-0000', requester, directory, Date.now(), this.regieOrganisations);
		} catch (err) {
			if (err instanceof Refusal) throw err;
			throw err;
		}
		// One creation at a time per server process, so the counter hands out each reference once.
		const run = this.creating.then(async () => {
			let reference: string;
			if (input.reference) {
				if (!(await this.references.claim(input.reference)))
					throw refusal(
						'conflict',
						`Casus ${input.reference} bestaat al (of het nummer is al uitgegeven).`,
						`Case ${input.reference} already exists (or the number has been given out).`
					);
				reference = input.reference;
			} else {
				reference = await this.references.next(input.region, input.first_report_at.slice(0, 4));
			}
			const init = initialCaseState(input, reference, requester, directory, Date.now(), this.regieOrganisations);
			const chairs = activeChairs(directory);
			const request = caseRoomCreateRequest({ ...init, chairs, requester, serviceUserId: this.service.userId });
			const roomId = await this.createAllOrNothing(request, reference);
			return { roomId, reference };
		});
		this.creating = run.catch(() => undefined);
		const created = await run;
		let board: { roomId: string; guest: boolean } | null = null;
		try {
			board = await this.boards.forNewCase(input.region, requester, directory);
		} catch (err) {
			console.error(`case ${created.reference}: the ${input.region} board could not be reached`, err);
		}
		return {
			...created,
			board_room_id: board?.roomId ?? null,
			board_guest: board?.guest ?? false,
			board_problem: board
				? null
				: {
						nl: `De casus is geopend, maar het MDT-bord van ${input.region} was niet bereikbaar. Er is niets verloren; de casus staat wel op de agenda van het MDT. Meld het de beheerder.`,
						en: `The case is open, but the ${input.region} MDT board could not be reached. Nothing was lost; the case is on the MDT's agenda all the same. Tell the administrator.`
					}
		};
	}

	/**
	 * Creates the room and checks it came out whole. When anything fails after the
	 * room exists, the room is purged (with retries) so nothing is left behind; a
	 * purge that fails too is recorded in the audit log for the privacy officer.
	 */
	private async createAllOrNothing(request: Record<string, unknown>, reference: string): Promise<string> {
		const startedAt = Date.now();
		let roomId: string | undefined;
		try {
			roomId = (await this.service.createRoom(request)).room_id;
			const made = await this.snapshot(roomId);
			if (!made.isCaseRoom || made.case?.reference !== reference || !made.regie || !made.access)
				throw new Error('the new room does not hold the case state it was created with');
			return roomId;
		} catch (err) {
			const leftovers = roomId ? [roomId] : await this.leftoversOf(reference, startedAt).catch(() => []);
			let cleaned = true;
			for (const id of leftovers) cleaned = (await this.cleanUp(id, reference)) && cleaned;
			const refusedByServer = err instanceof Refusal && err.status >= 400 && err.status < 500;
			const rateLimited = err instanceof Refusal && err.code === 'rate-limited';
			const why = cleaned
				? {
						nl: 'Er is niets achtergebleven; probeer het opnieuw.',
						en: 'Nothing was left behind; try again.'
					}
				: {
						nl: 'Een onvolledige casusruimte kon niet worden opgeruimd; de privacy officer ziet dat in het auditlog.',
						en: 'An incomplete case room could not be removed; the privacy officer sees this in the audit log.'
					};
			console.error('case creation failed', err);
			throw rateLimited
				? refusal(
						'rate-limited',
						`De server is even te druk voor een nieuwe casus. ${why.nl}`,
						`The server is too busy for a new case right now. ${why.en}`
					)
				: refusedByServer
					? refusal(
							'refused-by-server',
							`De server weigerde de nieuwe casus. ${why.nl}`,
							`The server refused the new case. ${why.en}`
						)
					: unavailable(`De casus kon niet worden aangemaakt. ${why.nl}`, `The case could not be created. ${why.en}`);
		}
	}

	/** Case rooms the service made since `since` for this reference (or without case state): a failed creation's remains. */
	private async leftoversOf(reference: string, since: number): Promise<string[]> {
		const out: string[] = [];
		for (const room of await listRooms(this.service)) {
			if (room.room_type !== CASE_ROOM_TYPE || room.creator !== this.service.userId) continue;
			if (room.name && room.name !== reference) continue;
			const state = await roomState(this.service, room.room_id);
			if (!state) continue;
			const s = readCaseRoomState(state);
			if (s.createdAt >= since - 5 * SECOND && (!s.case || s.case.reference === reference)) out.push(room.room_id);
		}
		return out;
	}

	private async cleanUp(roomId: string, reference: string): Promise<boolean> {
		try {
			await this.purge(roomId);
			await this.record('create-case-cleanup', roomId, reference, 'purged');
			return true;
		} catch (err) {
			await this.record(
				'create-case-cleanup',
				roomId,
				reference,
				`failed: ${err instanceof Error ? err.message : String(err)}`
			).catch((e) => console.error('audit log', e));
			return false;
		}
	}

	private async record(
		action: 'create-case-cleanup' | 'authority-updated' | 'case-reopened',
		roomId: string,
		reference: string | null,
		outcome: string
	): Promise<void> {
		if (!this.audit) {
			if (outcome !== 'purged') console.error(`${action} ${roomId}: ${outcome} (no audit log configured)`);
			return;
		}
		await this.audit.append({ actor: CASE_SERVICE_ACTOR, action, room_id: roomId, reference, outcome });
	}

	/**
	 * POST /api/cases/<room>/reopen: a closed case opens again while it is retained
	 * ("omgaan met terugval"). The domain's rule (case/reopen.ts) decides who may;
	 * the service sets the phase back (regie, or triage when the MDT never triaged
	 * it) with closed_at and retention_until null, puts the case back on the MDT's
	 * agenda (a re-triage request) and records `case-reopened` in the audit log,
	 * which the privacy officer's console shows. Why it was reopened is the
	 * reopener's encrypted record in the case; the server never sees it.
	 */
	async reopen(token: string | null | undefined, roomId: string): Promise<{ phase: string; reference: string }> {
		const requester = await this.authenticate(token);
		const [room, directory] = await Promise.all([this.snapshot(roomId), this.directory()]);
		if (!room.isCaseRoom || !room.case) throw noSuchCase();
		const refused = reopenRefusal(
			{
				case: room.case,
				regiehouder: room.regie?.regiehouder ?? null,
				deputy: room.regie?.deputy ?? null,
				triaged: room.triage !== null,
				members: membershipMap(room)
			},
			requester,
			{ directory, serviceUserId: this.service.userId, now: Date.now() }
		);
		if (refused) throw refused;
		const next = reopenedCaseState(room.case, room.triage !== null);
		const reference = room.case.reference;
		const entry = (outcome: string) =>
			this.audit?.append({
				actor: requester,
				action: 'case-reopened',
				room_id: roomId,
				reference,
				outcome
			});
		try {
			await this.service.sendState(roomId, STATE.case, '', next);
		} catch (err) {
			// An attempt the homeserver refused is in the log too, so the privacy officer sees it.
			await entry(`failed: ${err instanceof Error ? err.message : String(err)}`)?.catch((e) =>
				console.error('audit log', e)
			);
			throw err;
		}
		await entry(`reopened: ${room.case.phase} → ${next.phase}`);
		try {
			const agenda = room.agenda ?? { v: 1 as const, retriage_requested_at: null, continued_in: null };
			const at = instant();
			await this.service.sendState(
				roomId,
				AGENDA_STATE,
				'',
				AgendaState.parse({ ...agenda, retriage_requested_at: at })
			);
		} catch (err) {
			console.error(`case ${room.case.reference}: reopened, but not put back on the agenda`, err);
		}
		return { phase: next.phase, reference: room.case.reference };
	}

	/** Hands regie over: the domain's handover rules, then the new regie state and the power with it. */
	async handover(token: string | null | undefined, roomId: string, body: unknown): Promise<RegieState> {
		const requester = await this.authenticate(token);
		const parsed = RegieChange.safeParse(body);
		if (!parsed.success) throw invalidInput(parsed.error);
		const input = parsed.data;
		const [room, directory] = await Promise.all([this.snapshot(roomId), this.directory()]);
		if (!room.isCaseRoom || !room.case || !room.regie) throw noSuchCase();
		const members = membershipMap(room);
		if (members.get(requester) !== 'join')
			throw forbidden('U bent geen lid van deze casus.', 'You are not a member of this case.', 'not-member');
		// Already done (a retry after a lost response): the same answer again, nothing changes.
		if (input.to === room.regie.regiehouder && input.deputy === room.regie.deputy && room.case.phase !== 'closed')
			return room.regie;
		const ctx = {
			directory,
			serviceUserId: this.service.userId,
			now: Date.now(),
			members,
			regieOrganisations: this.regieOrganisations
		};
		// The reason belongs to the encrypted handover record, which the browser writes; the server never sees it.
		const result = handOverRegie(caseViewOf(room), requester, ctx, { ...input, reason: '-' });
		if (!result.ok) throw result.error;
		const regie = RegieState.parse({
			v: 1,
			regiehouder: input.to,
			deputy: input.deputy,
			since: instant(),
			handovers: room.regie.handovers + (input.to !== room.regie.regiehouder ? 1 : 0)
		});
		await this.service.sendState(roomId, STATE.regie, '', regie);
		await this.reconcilePowerLevels(roomId, regie, directory);
		return regie;
	}

	/**
	 * Power 50 for exactly the regiehouder, the deputy and the active MDT chairs
	 * (a regiehouder or deputy no longer active in the directory loses it); the
	 * rest of the power levels stays as it was. Returns whether anything changed.
	 */
	async reconcilePowerLevels(roomId: string, regie: RegieState | null, directory: Directory): Promise<boolean> {
		const current = (await this.service.getStateEvent<Record<string, unknown>>(roomId, 'm.room.power_levels')) ?? {};
		const wanted = wantedPower(regie, directory, this.service.userId);
		if (samePower(current.users, wanted)) return false;
		await this.service.sendState(roomId, 'm.room.power_levels', '', { ...current, users: wanted });
		return true;
	}

	/**
	 * Brings the power in the case rooms the service made in line with the
	 * directory now: after `npm run admin -- user add|set|disable|import` for the
	 * users it changed (`users`: only their entries), and periodically in the
	 * running app server for whole rooms. Each change is recorded in the audit log;
	 * where someone lost power in an open case, the room gets the fixed notice.
	 */
	async reconcileAuthority(
		opts: {
			directory?: Directory;
			users?: readonly string[];
			rooms?: readonly string[];
			/**
			 * The privacy console's room index (issue 15): the rooms and their power as last synced, instead
			 * of reading every room; a room whose power is out of line is read again before it is changed.
			 */
			index?: RoomIndex | null;
		} = {}
	): Promise<AuthorityRun> {
		const dir = opts.directory ?? (await this.directory());
		const run: AuthorityRun = { checked: 0, updated: [], failed: [] };
		let listings: { room_id: string; state?: StateEvent[] }[];
		if (opts.index) {
			await opts.index.fresh();
			listings = opts.index
				.entries()
				.cases.filter(({ parsed }) => parsed.createdBy === this.service.userId)
				.map(({ room, parsed }) => ({ room_id: parsed.roomId, state: room.state as StateEvent[] }));
		} else
			listings = (await listRooms(this.service)).filter(
				(l) => l.room_type === CASE_ROOM_TYPE && l.creator === this.service.userId
			);
		for (const listing of listings) {
			if (opts.rooms && !opts.rooms.includes(listing.room_id)) continue;
			try {
				const state = listing.state ?? (await roomState(this.service, listing.room_id));
				if (!state) continue;
				const s = readCaseRoomState(state);
				if (!s.isCaseRoom || !s.case) continue;
				run.checked++;
				const plan = (plState: Record<string, unknown> | undefined, regie: RegieState | null) => {
					const pl = plState ?? {};
					const current = (pl.users && typeof pl.users === 'object' ? pl.users : {}) as Record<string, number>;
					const wanted = wantedPower(regie, dir, this.service.userId);
					return { pl, current, next: opts.users ? onlyFor(current, wanted, opts.users) : wanted };
				};
				const seen = plan(state.find((e) => e.type === 'm.room.power_levels' && e.state_key === '')?.content, s.regie);
				if (samePower(seen.current, seen.next)) continue;
				// Read again right before writing, so a handover in the meantime is not undone.
				const [freshPl, freshRegie] = await Promise.all([
					this.service.getStateEvent<Record<string, unknown>>(listing.room_id, 'm.room.power_levels'),
					this.service.getStateEvent<RegieState>(listing.room_id, STATE.regie)
				]);
				const { pl, current, next } = plan(freshPl ?? undefined, RegieState.safeParse(freshRegie).data ?? null);
				if (samePower(current, next)) continue;
				await this.service.sendState(listing.room_id, 'm.room.power_levels', '', { ...pl, users: next });
				run.updated.push(listing.room_id);
				await this.record('authority-updated', listing.room_id, s.case.reference, 'power levels follow the directory');
				const lost = Object.entries(current).some(([u, v]) => v > 0 && !((next[u] ?? 0) > 0));
				if (lost && s.case.phase !== 'closed')
					await this.service
						.sendMessage(listing.room_id, 'm.room.message', serviceNotice('authority-updated'))
						.catch((err) => console.error('authority notice', listing.room_id, err));
			} catch (err) {
				run.failed.push({ roomId: listing.room_id, error: err instanceof Error ? err.message : String(err) });
			}
		}
		return run;
	}
}

/** The current users map with only these users' entries set as wanted (the others left as they are). */
function onlyFor(
	current: Record<string, number>,
	wanted: Record<string, number>,
	users: readonly string[]
): Record<string, number> {
	const next = { ...current };
	for (const u of users) {
		if (wanted[u] !== undefined) next[u] = wanted[u];
		else delete next[u];
	}
	return next;
}
