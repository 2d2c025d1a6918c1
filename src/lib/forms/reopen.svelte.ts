/**
 * "Casus heropenen": a coordinator reopens a closed case while it is retained
 * ("omgaan met terugval"). The service moves the case back through the server;
 * the reason (a code from a short list) and an optional note travel encrypted.
 */
import { reopenCase, ReopenInput } from '../case/reopen.ts';
import type { ReopenReason } from '../case/records.ts';
import { CaseForm, optional } from './case-form.svelte.ts';

export class ReopenForm extends CaseForm<ReopenInput> {
	reason = $state<ReopenReason>('relapse');
	note = $state('');

	protected schema() {
		return ReopenInput;
	}
	protected command() {
		return reopenCase;
	}
	protected value() {
		return { reason: this.reason, note: optional(this.note) };
	}
	protected override done(): void {
		this.note = '';
	}
}
