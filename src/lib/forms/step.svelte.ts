/**
 * A police or care step as a fact: which step, its outcome (the options follow
 * the step), the date and a note. Any member of the case records one.
 */
import { recordStep, StepInput } from '../case/commands.ts';
import { STEP_KINDS, STEP_OUTCOMES, type StepKind } from '../case/records.ts';
import { dayFromToday } from '../i18n/format.ts';
import { CaseForm, optional, type CaseHandle } from './case-form.svelte.ts';
import { LocationChoice } from './location.svelte.ts';
import { RECORD } from '../case/event-types.ts';

export { STEP_KINDS };

export class StepForm extends CaseForm<StepInput> {
	step = $state<StepKind>('informatief_gesprek');
	outcome = $state<string>(STEP_OUTCOMES.informatief_gesprek[0]);
	date = $state('');
	note = $state('');

	/**
	 * Where the step goes: the shared part by default (the acute clock reads it there), narrowed
	 * to a compartment the author is in when its details are for that compartment only; then the
	 * clock ticks only for that compartment's members (the form's hint says so).
	 */
	override readonly location: LocationChoice;

	/** The outcomes the chosen step allows. */
	readonly outcomes = $derived(STEP_OUTCOMES[this.step] as readonly string[]);

	constructor(
		oc: CaseHandle,
		private readonly now = Date.now()
	) {
		super(oc);
		this.location = new LocationChoice(oc, RECORD.step);
		this.date = dayFromToday(0, now);
	}

	/** Chooses a step; an outcome that the step does not allow becomes its first. */
	choose(step: StepKind): void {
		this.step = step;
		const allowed = STEP_OUTCOMES[step] as readonly string[];
		if (!allowed.includes(this.outcome)) this.outcome = allowed[0]!;
	}

	protected schema() {
		return StepInput;
	}
	protected command() {
		return recordStep;
	}
	protected value() {
		return { step: this.step, outcome: this.outcome, date: this.date, note: optional(this.note) };
	}
	protected override done(): void {
		this.note = '';
		this.date = dayFromToday(0, this.now);
	}
}
