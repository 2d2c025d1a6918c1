/**
 * A message to the team (free text, not a record): the text, where it goes (the
 * shared part, or a compartment the author is in: issue 13), and sending it
 * through the outbox. The composer only binds to it.
 */
import type { Location } from '../case/compartments.ts';
import { asRefusal, type Refusal } from '../refusal.ts';
import { LocationChoice, type LocationSource } from './location.svelte.ts';
import type { Translate } from './validation.ts';

/** The kind of a message for the default place: not a record, so the shared part. */
export const MESSAGE_KIND = 'message';

export interface MessageTarget extends LocationSource {
	sendMessage(text: string, at?: Location): Promise<void>;
}

export class MessageForm {
	text = $state('');
	/** A problem with the text (empty), in the user's language. */
	error = $state<string | null>(null);
	/** Why the outbox refused it (e.g. a compartment the author is no longer in). */
	refusal = $state.raw<Refusal | null>(null);
	busy = $state(false);
	readonly location: LocationChoice;

	constructor(private readonly target: MessageTarget) {
		this.location = new LocationChoice(target, MESSAGE_KIND);
	}

	/** Queues the message; true when it is queued (the text is cleared, the place kept). */
	async send(t: Translate): Promise<boolean> {
		this.refusal = null;
		if (!this.text.trim()) {
			this.error = t('composer.empty');
			return false;
		}
		this.error = null;
		this.busy = true;
		try {
			await this.target.sendMessage(this.text, this.location.offered ? this.location.value : undefined);
			this.text = '';
			return true;
		} catch (err) {
			this.refusal = asRefusal(err);
			return false;
		} finally {
			this.busy = false;
		}
	}
}
