/** Handing regie over, with the reason recorded in the encrypted handover record. */
import { handOverRegie, HandoverInput } from '../case/commands.ts';
import { CaseForm, regieOptions, type CaseHandle } from './case-form.svelte.ts';

export class RegieForm extends CaseForm<HandoverInput> {
	to = $state('');
	deputy = $state('');
	reason = $state('');
	readonly candidates = $derived(regieOptions(this.oc));
	/** Who can take regie over: anyone who may hold it, except the current regiehouder. */
	readonly toOptions = $derived(this.candidates.filter((c) => c !== this.oc.view.regie.regiehouder));
	/** Who can stand in: anyone who may hold regie, except the one it is handed to. */
	readonly deputyOptions = $derived(this.candidates.filter((c) => c !== this.to));

	constructor(oc: CaseHandle) {
		super(oc);
		this.deputy = oc.view.regie.deputy ?? '';
	}

	protected schema() {
		return HandoverInput;
	}
	protected command() {
		return handOverRegie;
	}
	protected value() {
		return { to: this.to, deputy: this.deputy || null, reason: this.reason };
	}
}
