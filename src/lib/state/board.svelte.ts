/**
 * The MDT board that is open on screen: the region's agenda from the app
 * server (plaintext case state only) merged with the aanmeldingen and links
 * this device decrypts on the region's board room (src/lib/case/agenda.ts).
 * The chair's actions start here: "Triage vastleggen" (chair access → join →
 * triage form) and linking two aanmeldingen of one victim.
 */
import type { AgendaResponse, Aanmelding, BoardLink } from '../case/board.ts';
import { buildAgenda, type Agenda } from '../case/agenda.ts';
import type { BoardContents, BoardWatch } from '../matrix/board.ts';
import { app } from './app.svelte.ts';
import { directory } from './directory.svelte.ts';
import { isRefusal, Refusal, refusal } from '../refusal.ts';

/** The agenda is read again this often (new cases, triage decisions, signals). */
const AGENDA_REFRESH_MS = 30_000;

export type BoardStatus = 'loading' | 'ready' | 'error';

function asRefusal(err: unknown): Refusal {
	if (isRefusal(err)) return err;
	const e = err as { httpStatus?: number; data?: { error?: string; errcode?: string }; message?: string };
	if (typeof e?.httpStatus === 'number')
		return Refusal.fromBody(e.httpStatus, { errcode: e.data?.errcode, error: e.data?.error ?? e.message });
	return refusal(
		'unavailable',
		'De server is nu niet bereikbaar. Probeer het zo opnieuw.',
		'The server cannot be reached now. Try again shortly.'
	);
}

export class BoardState {
	status = $state<BoardStatus>('loading');
	response = $state.raw<AgendaResponse | null>(null);
	aanmeldingen = $state.raw<Aanmelding[]>([]);
	links = $state.raw<BoardLink[]>([]);
	undecryptable = $state(0);
	error = $state.raw<Refusal | null>(null);
	/** The board room could not be opened on this device (the agenda still shows). */
	boardProblem = $state.raw<Refusal | null>(null);
	busy = $state<string | null>(null);
	private watch: BoardWatch | null = null;
	private timer: ReturnType<typeof setInterval> | null = null;
	private stopped = false;

	constructor(readonly region: string) {}

	agenda(now: number): Agenda {
		return buildAgenda(this.response?.items ?? [], this.aanmeldingen, this.links, now);
	}

	get chair(): boolean {
		return this.response?.chair ?? directory.isChair(this.region, app.userId);
	}

	get boardRoomId(): string | null {
		return this.response?.board_room_id ?? directory.boards.get(this.region) ?? null;
	}

	async start(): Promise<void> {
		await this.refresh();
		this.timer = setInterval(() => void this.refresh(), AGENDA_REFRESH_MS);
		await this.openBoard();
	}

	stop(): void {
		this.stopped = true;
		if (this.timer) clearInterval(this.timer);
		this.watch?.stop();
		this.watch = null;
	}

	async refresh(): Promise<void> {
		const api = app.services?.api;
		if (!api) return;
		try {
			this.response = await api.agenda(this.region);
			this.error = null;
			this.status = 'ready';
		} catch (err) {
			this.error = asRefusal(err);
			if (!this.response) this.status = 'error';
		}
	}

	private async openBoard(): Promise<void> {
		const client = app.client;
		const rt = app.runtime;
		const services = app.services;
		const roomId = this.boardRoomId;
		if (!client || !rt || !services || !roomId || this.stopped) return;
		try {
			await rt.joinBoard(client, roomId);
			// Joined on the service's invitation: take the history from a member who shares it.
			void rt.acceptHistoryFromMembers(client, roomId, services.serviceUserId, 60_000);
			if (this.stopped) return;
			const watch = new rt.BoardWatch(client, roomId);
			this.watch = watch;
			watch.subscribe((c: BoardContents) => {
				this.aanmeldingen = c.aanmeldingen;
				this.links = c.links;
				this.undecryptable = c.undecryptable;
			});
			await watch.start();
			this.boardProblem = null;
		} catch (err) {
			this.boardProblem = asRefusal(err);
		}
	}

	/**
	 * The chair records the MDT's decision: the service invites the chair into
	 * the case (reason mdt-chair), the chair's client joins and takes the
	 * history from the members. Returns the room to open the triage form in.
	 */
	async chairAccess(roomId: string): Promise<Refusal | null> {
		const client = app.client;
		const rt = app.runtime;
		const services = app.services;
		if (!client || !rt || !services) return null;
		this.busy = roomId;
		try {
			const room = client.getRoom(roomId);
			if (room?.getMyMembership() !== 'join') {
				if (room?.getMyMembership() !== 'invite') await services.api.chairAccess(roomId);
				await client.joinRoom(roomId);
			}
			void rt.acceptHistoryFromMembers(client, roomId, services.serviceUserId);
			return null;
		} catch (err) {
			return asRefusal(err);
		} finally {
			this.busy = null;
		}
	}

	/**
	 * One victim, one case: the chair links two aanmeldingen. The link goes on
	 * the board (encrypted), the service marks the closed one as continued in
	 * the other; the chair then closes it with the reason "merged".
	 */
	async link(keep: { reference: string }, close: { roomId: string; reference: string }): Promise<Refusal | null> {
		const client = app.client;
		const rt = app.runtime;
		const services = app.services;
		const me = app.userId;
		const board = this.boardRoomId;
		if (!client || !rt || !services || !me || !board) return null;
		this.busy = close.roomId;
		try {
			await rt.postLink(client, board, { continue: keep.reference, close: close.reference, by: me });
			await services.api.continuedIn(close.roomId, keep.reference);
			await this.refresh();
			return null;
		} catch (err) {
			return asRefusal(err);
		} finally {
			this.busy = null;
		}
	}
}
