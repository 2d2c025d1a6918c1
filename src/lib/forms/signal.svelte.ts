/**
 * A signal by any member of the case: new information, a safety concern, or a
 * request to put the case back on the MDT's agenda. Encrypted in the case room;
 * with a re-triage the service marks the case for the board (time only).
 */
import { raiseSignal, SignalInput } from '../case/commands.ts';
import type { SignalKind } from '../case/records.ts';
import { CaseForm } from './case-form.svelte.ts';

export class SignalForm extends CaseForm<SignalInput> {
	kind = $state<SignalKind>('new-information');
	text = $state('');
	/** Also ask the MDT to discuss the case again (always so for a re-triage request). */
	retriage = $state(false);

	protected schema() {
		return SignalInput;
	}
	protected command() {
		return raiseSignal;
	}
	protected value() {
		return { kind: this.kind, text: this.text, retriage: this.retriage || this.kind === 'retriage-request' };
	}
	protected override done(): void {
		this.text = '';
		this.retriage = false;
	}
}
