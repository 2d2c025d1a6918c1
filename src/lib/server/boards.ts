/**
 * The region's MDT board (src/lib/case/board.ts), as the service account: one
 * end-to-end encrypted room per region, created on first need and pointed to
 * from the directory room (`BOARD_POINTER_EVENT`, state key = region). Its
 * membership follows the region's MDT in the directory (`boardMembers`): the
 * service invites who belongs (reason `mdt-board`) and removes who no longer
 * does (reason `role-ended`), after every MDT change (admin command), at case
 * creation and in the app server's periodic backstop. The opener of a case who
 * is not in the MDT is invited as an `aanmelding` guest to post the aanmelding;
 * a guest still there after the grace period is removed (`no-longer-involved`).
 *
 * The service account has no encryption device: it never reads the board.
 */
import { MatrixHttpError, enc } from './http.ts';
import type { ServiceClient, StateEvent } from './synapse-admin.ts';
import { BOARD_POINTER_EVENT, BOARD_ROOM_TYPE, BOARD_STATE, BoardPointer, BoardState } from '../case/board.ts';
import { boardMembers, isMdtMember } from '../directory/mdt.ts';
import { RegionCode } from '../case/primitives.ts';
import type { Directory } from '../directory/directory.ts';
import { protectedRoomState, serviceRoomPowerLevels } from '../matrix/room-template.ts';

/**
 * How long the board keeps an aanmelding (the homeserver's retention purges older
 * events): a year, long enough for the MDT to follow a case and to see a second
 * report of the same victim; the case's own record stays in the case room.
 */
export const BOARD_CONTENT_MAX_LIFETIME_MS = 365 * 24 * 3600 * 1000;

/** How long an `aanmelding` guest may stay on the board to post the aanmelding. */
export const GUEST_GRACE_MS = 15 * 60_000;

export interface BoardRun {
	region: string;
	roomId: string;
	invited: string[];
	removed: string[];
}

/** The body of POST /createRoom for a region's board, sent as the service account. */
export function boardCreateRequest(region: RegionCode): Record<string, unknown> {
	const serviceOnly = [
		'm.room.name',
		'm.room.topic',
		'm.room.avatar',
		'm.room.canonical_alias',
		'm.room.power_levels',
		'm.room.encryption',
		'm.room.history_visibility',
		'm.room.join_rules',
		'm.room.guest_access',
		'm.room.server_acl',
		'm.room.tombstone',
		'm.room.retention',
		'm.room.pinned_events',
		'm.room.redaction',
		BOARD_STATE
	];
	return {
		preset: 'private_chat',
		visibility: 'private',
		// No name but the region code: the board says nothing else in plaintext.
		name: region,
		is_direct: false,
		creation_content: { type: BOARD_ROOM_TYPE, 'm.federate': false },
		initial_state: [
			...protectedRoomState(BOARD_CONTENT_MAX_LIFETIME_MS),
			{ type: BOARD_STATE, state_key: '', content: BoardState.parse({ v: 1, region }) }
		],
		// The service account is the creator (unlimited power in room v12); everyone else 0:
		// members only send (encrypted) messages; invites, removals and state are the service's.
		power_level_content_override: serviceRoomPowerLevels(serviceOnly)
	};
}

const member = (state: StateEvent[], userId: string) =>
	state.find((e) => e.type === 'm.room.member' && e.state_key === userId);

export class Boards {
	private locks = new Map<string, Promise<unknown>>();

	constructor(
		readonly service: ServiceClient,
		private readonly directoryRoom: () => Promise<string>
	) {}

	/** The board the directory points to for the region, or null. */
	async pointer(region: string): Promise<string | null> {
		const content = await this.service.getStateEvent(await this.directoryRoom(), BOARD_POINTER_EVENT, region);
		return BoardPointer.safeParse(content).data?.room_id ?? null;
	}

	/** One operation per region at a time in this process (two case creations must not make two boards). */
	private serial<T>(region: string, fn: () => Promise<T>): Promise<T> {
		const run = (this.locks.get(region) ?? Promise.resolve()).then(fn);
		this.locks.set(
			region,
			run.catch(() => undefined)
		);
		return run;
	}

	/**
	 * The region's board, created on first need. A board the service account can
	 * no longer reach (the room is gone) is replaced by a new one and the
	 * pointer moved; the members are invited again by the reconcile.
	 */
	ensureBoard(regionInput: string): Promise<string> {
		const region = RegionCode.parse(regionInput);
		return this.serial(region, async () => {
			const existing = await this.pointer(region);
			if (existing) {
				try {
					const state = await this.service.getStateEvent(existing, BOARD_STATE);
					if (BoardState.safeParse(state).data?.region === region) return existing;
				} catch (err) {
					if (!(err instanceof MatrixHttpError && (err.status === 403 || err.status === 404))) throw err;
				}
				console.error(`board ${region}: ${existing} is no longer reachable; a new board is made`);
			}
			const { room_id } = await this.service.createRoom(boardCreateRequest(region));
			await this.service.sendState(
				await this.directoryRoom(),
				BOARD_POINTER_EVENT,
				region,
				BoardPointer.parse({ v: 1, room_id })
			);
			return room_id;
		});
	}

	/**
	 * Brings the board's membership in line with the region's MDT now: invites
	 * who belongs and is not there, removes who no longer belongs. An `aanmelding`
	 * guest keeps the grace period; users in `force` (taken out of the MDT just
	 * now) are removed at once.
	 */
	async reconcileBoard(
		regionInput: string,
		directory: Directory,
		opts: { force?: readonly string[]; now?: number; create?: boolean; roomId?: string } = {}
	): Promise<BoardRun | null> {
		const region = RegionCode.parse(regionInput);
		const wanted = boardMembers(directory.mdts, directory, region);
		// A region without MDT members gets no new board, but an existing one is still emptied.
		const roomId =
			opts.roomId ??
			(opts.create === false || wanted.length === 0 ? await this.pointer(region) : await this.ensureBoard(region));
		if (!roomId) return null;
		return this.serial(region, async () => {
			const now = opts.now ?? Date.now();
			const state = await this.service.getRoomState(roomId);
			const run: BoardRun = { region, roomId, invited: [], removed: [] };
			for (const userId of wanted) {
				const m = member(state, userId)?.content.membership;
				if (m === 'join' || m === 'invite' || m === 'ban') continue;
				await this.service.invite(roomId, userId, 'mdt-board');
				run.invited.push(userId);
			}
			for (const ev of state) {
				if (ev.type !== 'm.room.member' || ev.state_key === this.service.userId) continue;
				const m = ev.content.membership;
				if ((m !== 'join' && m !== 'invite') || wanted.includes(ev.state_key)) continue;
				const forced = opts.force?.includes(ev.state_key) ?? false;
				if (!forced && now - ev.origin_server_ts < GUEST_GRACE_MS) continue;
				const guest = (await this.lastInviteReason(roomId, ev)) === 'aanmelding';
				await this.service.kick(roomId, ev.state_key, guest && !forced ? 'no-longer-involved' : 'role-ended');
				run.removed.push(ev.state_key);
			}
			return run;
		});
	}

	/**
	 * Why the service last invited this member (the join event does not carry
	 * it): the board's membership events, newest first, as the service sees them.
	 */
	private async lastInviteReason(roomId: string, ev: StateEvent): Promise<string | null> {
		if (ev.content.membership === 'invite') return typeof ev.content.reason === 'string' ? ev.content.reason : null;
		const filter = JSON.stringify({ types: ['m.room.member'], senders: [this.service.userId] });
		let from: string | undefined;
		for (let page = 0; page < 20; page++) {
			const res: { chunk: StateEvent[]; end?: string } = await this.service.http.get(
				`/_synapse/admin/v1/rooms/${enc(roomId)}/messages`,
				{ dir: 'b', limit: 200, filter, from }
			);
			const invite = res.chunk.find(
				(e) => e.type === 'm.room.member' && e.state_key === ev.state_key && e.content.membership === 'invite'
			);
			if (invite) return typeof invite.content.reason === 'string' ? invite.content.reason : null;
			if (!res.end || res.chunk.length === 0) return null;
			from = res.end;
		}
		return null;
	}

	/**
	 * A new case of the region: the board exists and follows the MDT, and an
	 * opener who is not in the MDT is invited as `aanmelding` guest.
	 */
	async forNewCase(region: string, opener: string, directory: Directory): Promise<{ roomId: string; guest: boolean }> {
		const roomId = await this.ensureBoard(region);
		await this.reconcileBoard(region, directory, { roomId });
		if (isMdtMember(directory.mdts, directory, region, opener)) return { roomId, guest: false };
		const m = (await this.service.getStateEvent<{ membership?: string }>(roomId, 'm.room.member', opener))?.membership;
		if (m !== 'join' && m !== 'invite') await this.service.invite(roomId, opener, 'aanmelding');
		return { roomId, guest: true };
	}

	/** Every region that has an MDT or a board: membership in line (the backstop and the admin command). */
	async reconcileAll(
		directory: Directory,
		opts: { force?: readonly string[] } = {}
	): Promise<{ runs: BoardRun[]; failed: { region: string; error: string }[] }> {
		const regions = new Set<string>([...directory.mdts.keys()]);
		const dirState = await this.service.getRoomState(await this.directoryRoom());
		for (const e of dirState) if (e.type === BOARD_POINTER_EVENT && e.state_key) regions.add(e.state_key);
		const runs: BoardRun[] = [];
		const failed: { region: string; error: string }[] = [];
		for (const region of [...regions].sort()) {
			if (!RegionCode.safeParse(region).success) continue;
			try {
				const run = await this.reconcileBoard(region, directory, {
					create: directory.mdts.has(region as RegionCode),
					force: opts.force
				});
				if (run) runs.push(run);
			} catch (err) {
				failed.push({ region, error: err instanceof Error ? err.message : String(err) });
			}
		}
		return { runs, failed };
	}
}
