/**
 * The browser's client for the web app's own server endpoints (src/routes/api),
 * which act as the service account: opening a case and handing over regie.
 * On the one HTTP client (src/lib/http.ts): a refusal arrives as a Refusal.
 */
import type { CaseServerApi } from './outbox.ts';
import { JsonClient } from '../http.ts';
import { Refusal } from '../refusal.ts';
import { AgendaResponse } from '../case/board.ts';
import { CompartmentOut } from '../privacy/schemas.ts';
import type { CompartmentInviteInput, OpenCompartmentInput } from '../case/compartments.ts';
import { z } from 'zod';
import type { PilotAggregate, PilotSubmitted } from '../privacy/pilot-figures.ts';

const CompartmentList = z.object({ compartments: z.array(CompartmentOut) });

/** What POST /api/cases answers: the room, its reference and the region's board (when the service could reach it). */
export interface CreatedCase {
	roomId: string;
	reference: string;
	boardRoomId: string | null;
	/** The opener is not in the region's MDT: invited to the board only to post the aanmelding. */
	boardGuest: boolean;
	/** Why the board could not be reached (the case is open and on the agenda all the same). */
	boardProblem: { nl: string; en: string } | null;
}

/**
 * The app API's refusal: the one refusal type, with `httpStatus` for the
 * outbox's classification of transient and permanent failures.
 */
export class ServerApiError extends Refusal {
	get httpStatus() {
		return this.status;
	}
}

function serverApiError(status: number, body: unknown): ServerApiError {
	const r = Refusal.fromBody(status, body);
	return new ServerApiError(r.code, r.text, status);
}

export class HttpCaseServerApi implements CaseServerApi {
	private readonly http: JsonClient;

	constructor(accessToken: () => string, base = '') {
		this.http = new JsonClient(base, accessToken, {
			onError: serverApiError,
			// No status: the outbox treats it as transient and tries again (network down, connection refused).
			onUnreachable: (cause) => (cause instanceof Error ? cause : new Error(String(cause)))
		});
	}

	private post<T>(path: string, body: unknown): Promise<T> {
		return this.http.post<T>(path, body);
	}

	async createCase(input: unknown): Promise<CreatedCase> {
		const r = await this.post<{
			roomId?: string;
			room_id?: string;
			reference: string;
			boardRoomId?: string | null;
			board_room_id?: string | null;
			board_guest?: boolean;
			board_problem?: { nl: string; en: string } | null;
		}>('/api/cases', input);
		return {
			roomId: (r.roomId ?? r.room_id)!,
			reference: r.reference,
			boardRoomId: r.board_room_id ?? r.boardRoomId ?? null,
			boardGuest: r.board_guest === true,
			boardProblem: r.board_problem ?? null
		};
	}

	/** The MDT chair asks the service for an invitation into the case (reason mdt-chair), to record the MDT's decision. */
	chairAccess(roomId: string) {
		return this.post<unknown>(`/api/cases/${encodeURIComponent(roomId)}/chair-access`, {});
	}

	/** The region's agenda, from plaintext case state (MDT members of the region only). */
	async agenda(region: string): Promise<AgendaResponse> {
		return AgendaResponse.parse(await this.http.get(`/api/mdt/${encodeURIComponent(region)}/agenda`));
	}

	/** A member asks for the case to be discussed again (sets AGENDA_STATE.retriage_requested_at). */
	retriage(roomId: string) {
		return this.post<unknown>(`/api/cases/${encodeURIComponent(roomId)}/retriage`, {});
	}

	/** Reopens a closed case while it is retained (the service sets the phase back; coordinators and the region's MDT chair). */
	reopen(roomId: string) {
		return this.post<unknown>(`/api/cases/${encodeURIComponent(roomId)}/reopen`, {});
	}

	/** The chair closes a case into another one (one victim, one case): AGENDA_STATE.continued_in. */
	continuedIn(roomId: string, reference: string) {
		return this.post<unknown>(`/api/cases/${encodeURIComponent(roomId)}/continued-in`, { reference });
	}

	/** A coordinator reads the case's compartments and who is in each (issue 13). */
	async compartments(roomId: string): Promise<CompartmentOut[]> {
		return CompartmentList.parse(await this.http.get(`/api/cases/${encodeURIComponent(roomId)}/compartments`))
			.compartments;
	}

	/** A coordinator opens a compartment; the service creates its room and points the case at it. */
	openCompartment(roomId: string, input: OpenCompartmentInput) {
		return this.post<{ id: string }>(`/api/cases/${encodeURIComponent(roomId)}/compartments`, input);
	}

	/** A coordinator has a member of the case invited into a compartment, with a history grant. */
	inviteToCompartment(roomId: string, id: string, input: CompartmentInviteInput) {
		return this.post<unknown>(
			`/api/cases/${encodeURIComponent(roomId)}/compartments/${encodeURIComponent(id)}/invite`,
			input
		);
	}

	/** The region's MDT chair sends the pilot aggregate computed in this browser (counts only; PilotAggregate). */
	pilotFigures(region: string, aggregate: PilotAggregate): Promise<PilotSubmitted> {
		return this.post<PilotSubmitted>(`/api/mdt/${encodeURIComponent(region)}/pilot-figures`, aggregate);
	}

	handover(roomId: string, input: { to: string; deputy: string | null }) {
		return this.post(`/api/cases/${encodeURIComponent(roomId)}/regie`, input);
	}
}
