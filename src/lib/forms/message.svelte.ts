/**
 * A message to the team (free text, not a record): the text, where it goes (the
 * shared part, or a compartment the author is in: issue 13), and sending it
 * through the outbox. The composer only binds to it.
 */
import type { Location } from '../case/compartments.ts';
import { FormState } from './form.svelte.ts';
import { LocationChoice, type LocationSource } from './location.svelte.ts';
import type { Translate } from './validation.ts';

/** The kind of a message for the default place: not a record, so the shared part. */
export const MESSAGE_KIND = 'message';

export interface MessageTarget extends LocationSource {
	sendMessage(text: string, at?: Location): Promise<void>;
}

export class MessageForm {
	/** The text's error (empty) under `text`, a refusal (e.g. a compartment I was removed from), busy. */
	readonly form = new FormState();
	text = $state('');
	readonly location: LocationChoice;

	constructor(private readonly target: MessageTarget) {
		this.location = new LocationChoice(target, MESSAGE_KIND);
	}

	/** Queues the message; true when it is queued (the text is cleared, the place kept). */
	async send(t: Translate): Promise<boolean> {
		this.form.reset();
		if (!this.text.trim()) {
			this.form.fail({ text: t('composer.empty') });
			return false;
		}
		const at = this.location.offered ? this.location.value : undefined;
		const sent = await this.form.call(async () => {
			await this.target.sendMessage(this.text, at);
			return true;
		});
		if (!sent) return false;
		this.text = '';
		return true;
	}
}
