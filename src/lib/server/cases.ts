/**
 * What the server does for a case, as the service account: create the room from
 * the template, and carry out regie handovers (the regie state and the power
 * levels are the service account's alone). Every call authenticates the person
 * asking with their own Matrix token (/whoami) and checks the directory.
 */
import { MatrixHttpError } from './http.ts';
import type { ServiceClient, StateEvent } from './synapse-admin.ts';
import type { ServerConfig } from './config.ts';
import { ApiError, badRequest, forbidden, notFound, unauthenticated } from './errors.ts';
import { ensureDirectoryRoom, readDirectory } from './directory-admin.ts';
import { activeEntry, hasRole, type Directory } from '../directory/directory.ts';
import { NewCaseInput, RegieChange, CommandError, initialCaseState } from '../case/commands.ts';
import { RegieState } from '../case/state.ts';
import { membershipOf, readCaseRoomState, type CaseRoomState } from '../case/room-state.ts';
import { STATE } from '../case/event-types.ts';
import { canCoordinate } from '../case/permissions.ts';
import { caseRoomCreateRequest, casePowerLevels } from '../matrix/room-template.ts';

/** A case room's state as the service account reads it, through the one reader (case/room-state.ts). */
export interface CaseRoomSnapshot extends CaseRoomState {
	roomId: string;
	state: StateEvent[];
}

export class CaseService {
	private directoryRoomId?: string;
	private creating: Promise<unknown> = Promise.resolve();

	constructor(
		readonly config: ServerConfig,
		readonly service: ServiceClient
	) {}

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

	async directory(): Promise<Directory> {
		this.directoryRoomId ??= await ensureDirectoryRoom(this.service, this.config.serverName);
		return readDirectory(this.service, this.directoryRoomId);
	}

	async snapshot(roomId: string): Promise<CaseRoomSnapshot> {
		let state: StateEvent[];
		try {
			state = await this.service.getRoomState(roomId);
		} catch (err) {
			if (err instanceof MatrixHttpError && (err.status === 403 || err.status === 404)) throw notFound('No such case.');
			throw err;
		}
		return { roomId, state, ...readCaseRoomState(state) };
	}

	/** Opens a new case: the room from the template, the requester invited and holding regie. */
	async createCase(token: string | null | undefined, body: unknown): Promise<{ roomId: string; reference: string }> {
		const requester = await this.authenticate(token);
		const directory = await this.directory();
		if (!hasRole(directory, requester, 'professional') && !hasRole(directory, requester, 'chair')) {
			throw forbidden('Only MDT members (professionals and chairs) open cases.');
		}
		const parsed = NewCaseInput.safeParse(body);
		if (!parsed.success)
			throw badRequest(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
		const input = parsed.data;
		for (const a of input.access) {
			if (!directory.organisations.some((o) => o.code === a.org)) throw badRequest(`Unknown organisation ${a.org}.`);
		}
		// One creation at a time per server process, so reference numbers stay unique.
		const run = this.creating.then(async () => {
			const reference = input.reference ?? (await this.nextReference(input.region, input.first_report_at.slice(0, 4)));
			if (input.reference && (await this.referenceInUse(input.reference)))
				throw new ApiError(409, 'M_ROOM_IN_USE', `Case ${input.reference} already exists.`);
			let init;
			try {
				init = initialCaseState(input, reference, requester, directory, Date.now());
			} catch (err) {
				if (err instanceof CommandError) throw forbidden(err.message);
				throw err;
			}
			const chairs = [...directory.users.values()]
				.filter((u) => u.active && u.roles.includes('chair'))
				.map((u) => u.userId);
			const { room_id } = await this.service.createRoom(
				caseRoomCreateRequest({ ...init, chairs, requester, serviceUserId: this.service.userId })
			);
			return { roomId: room_id, reference };
		});
		this.creating = run.catch(() => undefined);
		return run;
	}

	/** Hands regie over: records the new regiehouder and deputy in state and moves the power with them. */
	async handover(token: string | null | undefined, roomId: string, body: unknown): Promise<RegieState> {
		const requester = await this.authenticate(token);
		const parsed = RegieChange.safeParse(body);
		if (!parsed.success)
			throw badRequest(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
		const input = parsed.data;
		const [room, directory] = await Promise.all([this.snapshot(roomId), this.directory()]);
		if (!room.isCaseRoom || !room.case || !room.regie) throw notFound('No such case.');
		if (membershipOf(room, requester) !== 'join') throw forbidden('You are not a member of this case.');
		if (room.case.phase === 'closed') throw forbidden('This case is closed.');
		const actors = {
			directory,
			serviceUserId: this.service.userId,
			regiehouder: room.regie.regiehouder,
			deputy: room.regie.deputy
		};
		if (!canCoordinate(actors, requester))
			throw forbidden('Only the regiehouder, the deputy or the MDT chair hands over regie.');
		const covered = new Set((room.access?.organisations ?? []).map((a) => a.org));
		for (const who of [input.to, input.deputy]) {
			if (!who) continue;
			const entry = activeEntry(directory, who);
			if (!entry) throw badRequest(`${who} is not an active user.`);
			if (!covered.has(entry.org))
				throw forbidden(`${who} works for ${entry.org}, which the case's access basis does not cover.`);
			if (membershipOf(room, who) !== 'join') throw forbidden(`${who} is not a member of this case.`);
		}
		if (input.deputy === input.to) throw badRequest('The deputy must be someone other than the regiehouder.');
		const regie = RegieState.parse({
			v: 1,
			regiehouder: input.to,
			deputy: input.deputy,
			since: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
			handovers: room.regie.handovers + (input.to !== room.regie.regiehouder ? 1 : 0)
		});
		await this.service.sendState(roomId, STATE.regie, '', regie);
		await this.reconcilePowerLevels(roomId, regie, directory);
		return regie;
	}

	/** Power 50 for exactly the regiehouder, the deputy and the active MDT chairs; the rest keeps what it had. */
	async reconcilePowerLevels(roomId: string, regie: RegieState, directory: Directory): Promise<void> {
		const current = (await this.service.getStateEvent<Record<string, unknown>>(roomId, 'm.room.power_levels')) ?? {};
		const chairs = [...directory.users.values()]
			.filter((u) => u.active && u.roles.includes('chair'))
			.map((u) => u.userId);
		const wanted = casePowerLevels(
			{ regiehouder: regie.regiehouder, deputy: regie.deputy, chairs },
			this.service.userId
		);
		await this.service.sendState(roomId, 'm.room.power_levels', '', { ...current, users: wanted.users });
	}

	private async referenceInUse(reference: string): Promise<boolean> {
		return (await this.roomsNamed(reference)).some((name) => name === reference);
	}

	private async nextReference(region: string, year: string): Promise<string> {
		const prefix = `${region}-${year}-`;
		let max = 0;
		for (const name of await this.roomsNamed(prefix)) {
			if (!name.startsWith(prefix)) continue;
			const n = Number(name.slice(prefix.length));
			if (Number.isInteger(n) && n > max) max = n;
		}
		return `${prefix}${String(max + 1).padStart(4, '0')}`;
	}

	/** Names of rooms matching a search term (Synapse Admin API), all pages. */
	private async roomsNamed(term: string): Promise<string[]> {
		const names: string[] = [];
		let from: number | undefined = 0;
		while (from !== undefined) {
			const page: { rooms: { name: string | null }[]; next_batch?: number } = await this.service.http.get(
				`/_synapse/admin/v1/rooms`,
				{ search_term: term, limit: 500, from }
			);
			for (const r of page.rooms) if (r.name) names.push(r.name);
			from = page.next_batch;
		}
		return names;
	}
}
