/**
 * Opening a new case from the intake form: the server creates the room (as the
 * service account) and invites me; I join, record the intake (encrypted), the
 * consent given so far, and invite the MDT members. The intake goes first so
 * that the invitees receive its keys with the room's history.
 */
import type { ConsentInput, InviteInput, IntakeInput, NewCaseInput } from '../case/commands.ts';
import { recordConsent, recordIntake, inviteMember } from '../case/commands.ts';
import { app } from './app.svelte.ts';
import { Refusal, isRefusal } from '../refusal.ts';
import { OutboxError } from '../matrix/outbox.ts';

export type NewCaseStep = 'creating' | 'joining' | 'recording' | 'inviting' | 'sending';

export interface NewCasePlan {
	newCase: NewCaseInput;
	intake: IntakeInput;
	consent: ConsentInput | null;
	invites: InviteInput[];
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
	const { roomId, reference } = await services.api.createCase(plan.newCase);
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
		onStep('sending');
		const settled = Promise.allSettled(groups.map((g) => services.outbox.settled(g)));
		const outcome = await Promise.race([settled, new Promise<null>((r) => setTimeout(() => r(null), SETTLE_MS))]);
		if (outcome) for (const r of outcome) if (r.status === 'rejected') warnings.push(asRefusal(r.reason));
	} finally {
		session.destroy();
	}
	return { roomId, reference, warnings };
}

function asRefusal(err: unknown): Refusal {
	if (isRefusal(err)) return err;
	if (err instanceof OutboxError) return err.refusal;
	return Refusal.fromBody(0, { error: err instanceof Error ? err.message : String(err) });
}
