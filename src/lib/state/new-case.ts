/**
 * Opening a new case from the intake form: the server creates the room (as the
 * service account) and invites me; I join, record the intake (encrypted), the
 * consent given so far, and invite the MDT members. The intake goes first so
 * that the invitees receive its keys with the room's history.
 */
import type { ConsentInput, InviteInput, IntakeInput, NewCaseInput } from '../case/commands.ts';
import { recordConsent, recordIntake, inviteMember } from '../case/commands.ts';
import { app } from './app.svelte.ts';
import { Refusal, isRefusal, refusal } from '../refusal.ts';
import { OutboxError } from '../matrix/outbox.ts';

import { Aanmelding, matchKey, type RiskSignal } from '../case/board.ts';

export type NewCaseStep = 'creating' | 'joining' | 'recording' | 'inviting' | 'board' | 'sending';

/** What the opener writes for the MDT: a short summary without name, address or contact details, and the risk signals. */
export interface AanmeldingInput {
	summary: string;
	risk_signals: RiskSignal[];
}

export interface NewCasePlan {
	newCase: NewCaseInput;
	intake: IntakeInput;
	consent: ConsentInput | null;
	invites: InviteInput[];
	aanmelding: AanmeldingInput;
}

/** The aanmelding for the board, from the case as opened and the intake (the match key from name and birth date). */
export async function buildAanmelding(
	plan: NewCasePlan,
	created: { roomId: string; reference: string },
	me: string
): Promise<Aanmelding> {
	const facts = plan.intake.facts;
	const birth = plan.intake.person.birth_date;
	return Aanmelding.parse({
		v: 1,
		room_id: created.roomId,
		reference: created.reference,
		region: plan.newCase.region,
		first_report_at: plan.newCase.first_report_at,
		receiving_org: facts.receiving_org,
		acute: plan.newCase.acute,
		kind: facts.kind,
		minor: facts.minor,
		risk_signals: plan.aanmelding.risk_signals,
		summary: plan.aanmelding.summary,
		...(birth ? { match: await matchKey(plan.intake.person.name, birth) } : {}),
		opened_by: me
	});
}

export interface NewCaseOutcome {
	roomId: string;
	reference: string;
	/** Things that did not happen (yet), as refusals in both languages; the case exists regardless. */
	warnings: Refusal[];
}

/** How long to wait for the first records to reach the homeserver before showing the case anyway. */
const SETTLE_MS = 20_000;

export async function openNewCase(plan: NewCasePlan, onStep: (step: NewCaseStep) => void): Promise<NewCaseOutcome> {
	const client = app.client;
	const services = app.services;
	const rt = app.runtime;
	const me = app.userId;
	if (!client || !services || !rt || !me) throw new Error('not ready');

	onStep('creating');
	const { roomId, reference, boardRoomId, boardGuest, boardProblem } = await services.api.createCase(plan.newCase);
	onStep('joining');
	await client.joinRoom(roomId);
	const session = rt.openCaseSession(client, roomId, services);
	const warnings: Refusal[] = [];
	try {
		await session.load();
		onStep('recording');
		const groups: string[] = [];
		const queue = async (result: ReturnType<typeof recordIntake>) => {
			if (!result.ok) {
				warnings.push(result.error);
				return;
			}
			groups.push(await session.execute(result, { wait: false }));
		};
		await queue(recordIntake(session.view, me, session.context(), plan.intake));
		if (plan.consent) await queue(recordConsent(session.view, me, session.context(), plan.consent));
		onStep('inviting');
		for (const invite of plan.invites) await queue(inviteMember(session.view, me, session.context(), invite));
		onStep('board');
		const board = boardRoomId ?? (boardProblem ? null : (services.directory.boards.get(plan.newCase.region) ?? null));
		if (!board) warnings.push(boardProblem ? refusal('unavailable', boardProblem.nl, boardProblem.en) : noBoard());
		else {
			const aanmelding = await buildAanmelding(plan, { roomId, reference }, me);
			try {
				await rt.postAanmelding(client, board, aanmelding, boardGuest);
			} catch (err) {
				// Kept on this device and posted again later (runtime.ts): nothing is lost.
				rt.keepAanmelding(me, { board, aanmelding, guest: boardGuest });
				warnings.push(boardFailed(err));
			}
		}
		onStep('sending');
		const settled = Promise.allSettled(groups.map((g) => services.outbox.settled(g)));
		const outcome = await Promise.race([settled, new Promise<null>((r) => setTimeout(() => r(null), SETTLE_MS))]);
		if (outcome) for (const r of outcome) if (r.status === 'rejected') warnings.push(asRefusal(r.reason));
	} finally {
		session.destroy();
	}
	return { roomId, reference, warnings };
}

function noBoard(): Refusal {
	return refusal(
		'unavailable',
		'De casus is geopend, maar het MDT-bord van de regio is (nog) niet bereikbaar: de aanmelding is niet geplaatst. Meld de casus bij de MDT-voorzitter.',
		"The case is open, but the region's MDT board cannot be reached (yet): the aanmelding was not posted. Tell the MDT chair about the case."
	);
}

function boardFailed(err: unknown): Refusal {
	const reason = asRefusal(err);
	return refusal(
		reason.code,
		`De casus is geopend, maar de aanmelding op het MDT-bord is nog niet gelukt (${reason.text.nl}). Dit apparaat probeert het later opnieuw; de casus staat al op de agenda van het MDT.`,
		`The case is open, but posting the aanmelding on the MDT board did not succeed yet (${reason.text.en}). This device tries again later; the case is on the MDT's agenda already.`
	);
}

function asRefusal(err: unknown): Refusal {
	if (isRefusal(err)) return err;
	if (err instanceof OutboxError) return err.refusal;
	return Refusal.fromBody(0, { error: err instanceof Error ? err.message : String(err) });
}
