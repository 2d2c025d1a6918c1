/** A structured update by the regiehouder (or deputy). Empty rows are left out. */
import { postUpdate, UpdateInput } from '../case/commands.ts';
import type { ContactMode } from '../case/records.ts';
import { dayFromToday } from '../i18n/format.ts';
import { CaseForm, optional, type CaseHandle } from './case-form.svelte.ts';
import { LocationChoice } from './location.svelte.ts';
import { RECORD } from '../case/event-types.ts';

export class UpdateForm extends CaseForm<UpdateInput> {
	hadContact = $state(true);
	contact = $state<{ date: string; mode: ContactMode; summary: string }>({ date: '', mode: 'phone', summary: '' });
	agreed = $state<{ what: string; org: string; due: string }[]>([{ what: '', org: '', due: '' }]);
	actionsDone = $state<{ what: string; org: string }[]>([]);
	signals = $state<string[]>([]);
	nextSteps = $state('');
	retriage = $state(false);
	/** Where the update goes: shared by default, narrowed to a compartment the author is in (issue 13). */
	override readonly location: LocationChoice;

	constructor(oc: CaseHandle, now = Date.now()) {
		super(oc);
		this.location = new LocationChoice(oc, RECORD.update);
		this.contact.date = dayFromToday(0, now);
	}

	protected schema() {
		return UpdateInput;
	}
	protected command() {
		return postUpdate;
	}
	protected value() {
		return {
			contact: this.hadContact ? this.contact : null,
			actions_agreed: this.agreed
				.filter((a) => a.what.trim() || a.org || a.due)
				.map((a) => ({ what: a.what, org: optional(a.org), due: optional(a.due) })),
			actions_done: this.actionsDone
				.filter((a) => a.what.trim() || a.org)
				.map((a) => ({ what: a.what, org: optional(a.org) })),
			signals: this.signals.filter((s) => s.trim()),
			next_steps: this.nextSteps,
			retriage_requested: this.retriage
		};
	}
}
