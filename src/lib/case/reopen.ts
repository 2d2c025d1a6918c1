/**
 * Reopening a closed case while it is retained ("omgaan met terugval"): who may,
 * and what the case state becomes. Pure; the app server (src/lib/server/cases.ts)
 * runs `reopenRefusal` and `reopenedCaseState` on the plaintext state before it
 * writes, as the service account, the only one who may move a closed case's
 * phase back (the homeserver's guard allows exactly that change, and only from
 * the service). The client's command `reopenCase` offers the form to those who
 * may and queues the server call, then the encrypted record of why.
 *
 * Who may: a joined coordinator of the case (regiehouder, deputy or an active
 * chair: permissions.ts `canCoordinate`), or the chair of the case's region's MDT
 * now (who need not be in the closed room). Only while the case is closed and
 * its retention period has not ended.
 */
import { z } from 'zod';
import type { Directory } from '../directory/directory.ts';
import { isMdtChair } from '../directory/mdt.ts';
import { Refusal, refusal } from '../refusal.ts';
import { RECORD } from './event-types.ts';
import { canCoordinate } from './permissions.ts';
import { ReopenRecord } from './records.ts';
import { CaseState, type Phase } from './state.ts';
import type { CommandContext, CommandResult, Membership } from './commands.ts';
import type { CaseView } from './view.ts';
import { instant } from './time.ts';

/** What the rule needs of a case: its plaintext state (as the server reads it, or the client's view). */
export interface ReopenSubject {
	case: CaseState | null;
	regiehouder: string | null;
	deputy: string | null;
	/** Whether the MDT ever triaged the case (triage.status state, or a triage decision). */
	triaged: boolean;
	members: ReadonlyMap<string, Membership>;
}

export interface ReopenContext {
	directory: Directory;
	serviceUserId: string;
	now: number;
}

/** Why the actor may not reopen this case now, or null when they may. */
export function reopenRefusal(subject: ReopenSubject, actor: string, ctx: ReopenContext): Refusal | null {
	const c = subject.case;
	if (!c) return refusal('not-found', 'Deze casus bestaat niet.', 'This case does not exist.');
	const joinedCoordinator =
		subject.members.get(actor) === 'join' &&
		canCoordinate(
			{
				directory: ctx.directory,
				serviceUserId: ctx.serviceUserId,
				regiehouder: subject.regiehouder,
				deputy: subject.deputy
			},
			actor
		);
	if (!joinedCoordinator && !isMdtChair(ctx.directory.mdts, ctx.directory, c.region, actor))
		return refusal(
			'not-allowed',
			'Alleen de regiehouder, diens vervanger, een MDT-voorzitter in de casus of de voorzitter van het MDT van de regio heropent een casus.',
			'Only the regiehouder, their deputy, an MDT chair in the case or the chair of the region’s MDT reopens a case.'
		);
	if (c.phase !== 'closed') return refusal('conflict', 'Deze casus is niet afgesloten.', 'This case is not closed.');
	if (!c.retention_until || Date.parse(c.retention_until) <= ctx.now)
		return refusal(
			'closed',
			'De bewaartermijn van deze casus is verstreken; hij kan niet meer worden heropend.',
			'The retention period of this case has ended; it can no longer be reopened.'
		);
	return null;
}

/** The phase a reopened case returns to: regie once the MDT triaged it, else triage. */
export function reopenedPhase(triaged: boolean): Phase {
	return triaged ? 'regie' : 'triage';
}

/** The case state after reopening: the phase back, closed_at and retention_until null, the rest unchanged. */
export function reopenedCaseState(c: CaseState, triaged: boolean): CaseState {
	return CaseState.parse({ ...c, phase: reopenedPhase(triaged), closed_at: null, retention_until: null });
}

/** Whether a case state change is a reopening (closed → open again), for the reducer and the privacy console. */
export function isReopening(before: Pick<CaseState, 'phase'> | null, after: Pick<CaseState, 'phase'> | null): boolean {
	return before?.phase === 'closed' && !!after && after.phase !== 'closed';
}

// --- The client's command ---------------------------------------------------------------

export const ReopenInput = ReopenRecord.omit({ v: true, reopened_at: true });
export type ReopenInput = z.infer<typeof ReopenInput>;

export function reopenSubjectOf(view: CaseView, members: ReadonlyMap<string, Membership>): ReopenSubject {
	return {
		case: view.state.case,
		regiehouder: view.regie.regiehouder,
		deputy: view.regie.deputy,
		triaged: view.state.triageStatus !== null || view.triage.latest !== null,
		members
	};
}

/**
 * "Casus heropenen": the service reopens the case (through the server), then the
 * reopener's encrypted record says why. Refused like the server refuses.
 */
export function reopenCase(view: CaseView, actor: string, ctx: CommandContext, input: ReopenInput): CommandResult {
	const refused = reopenRefusal(reopenSubjectOf(view, ctx.members), actor, ctx);
	if (refused) return { ok: false, error: refused };
	const record = ReopenRecord.parse({
		v: 1,
		reopened_at: instant(ctx.now),
		...input
	});
	return {
		ok: true,
		effects: [{ kind: 'reopen' }, { kind: 'record', type: RECORD.reopen, content: record }]
	};
}
