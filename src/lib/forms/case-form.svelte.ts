/**
 * The form model layer: one model per form, built from the open case. A model
 * holds the form's fields (runes), takes its defaults from the domain, derives
 * its option lists, makes the checks that span fields, and has one `submit()`:
 * validate with the domain's zod schema → run the domain command against the
 * current case → hand the effects to the outbox (the open case's `run`) →
 * report field errors or a Refusal on its FormState. Pages are markup and
 * bindings; the models are unit-tested without a browser.
 */
import type { z } from 'zod';
import type { CommandContext, CommandResult } from '../case/commands.ts';
import { regieCandidates } from '../case/commands.ts';
import type { CaseView } from '../case/view.ts';
import type { RiskAssessment } from '../case/records.ts';
import { peopleValue, type PeopleRows } from './risk.ts';
import type { MemberInfo } from '../matrix/case-room.ts';
import type { Command, RunOutcome } from '../state/open-case.svelte.ts';
import { FormState } from './form.svelte.ts';
import type { Location } from '../case/compartments.ts';
import type { LocationChoice } from './location.svelte.ts';
import type { FieldErrors, Translate } from './validation.ts';

/** What a form model needs of the open case (OpenCase provides it; tests provide a plain object). */
export interface CaseHandle {
	readonly roomId: string;
	readonly view: CaseView;
	readonly me: string;
	readonly members: MemberInfo[];
	context(): CommandContext | null;
	run<I>(command: Command<I>, input: I, place?: { at?: Location; defaultAt?: Location }): Promise<RunOutcome>;
	/** The compartments I am in (issue 13); absent or empty for a case without compartments. */
	readonly mine?: readonly string[];
	preview<I>(command: Command<I>, input: I): CommandResult | null;
}

export abstract class CaseForm<I> {
	readonly form = new FormState();

	constructor(protected readonly oc: CaseHandle) {}

	/** The domain's schema for the command's input. */
	protected abstract schema(): z.ZodType<I>;
	/** The domain command that turns the input into effects (or refuses). */
	protected abstract command(): Command<I>;
	/** The fields as the schema's input shape. */
	protected abstract value(): unknown;
	/** Prefix of the field paths (when a page holds more than one form). */
	protected readonly prefix: string = '';
	/** Where the record goes, for forms whose record may be narrowed to a compartment (issue 13). */
	readonly location: LocationChoice | null = null;

	/** Checks that span fields or need more than the schema (e.g. a confirmation). */
	protected check(_input: I, _t: Translate): FieldErrors {
		return {};
	}

	/** After the effects are queued (e.g. clear the fields). */
	protected done(_input: I): void {}

	/** Validate, run the command, queue its effects; true when it was queued. */
	async submit(t: Translate): Promise<boolean> {
		this.form.reset();
		const input = this.form.validate(this.schema(), this.value(), t, this.prefix);
		if (input === null) return false;
		const extra = this.check(input, t);
		if (Object.keys(extra).length > 0) {
			this.form.fail(extra);
			return false;
		}
		const place = this.location ? { at: this.location.value, defaultAt: this.location.default } : undefined;
		const outcome = place ? await this.oc.run(this.command(), input, place) : await this.oc.run(this.command(), input);
		if (!outcome.ok) {
			this.form.refuse(outcome.refusal);
			return false;
		}
		this.done(input);
		return true;
	}
}

/** The joined members of the case (who can take part in a decision). */
export function joinedMembers(oc: CaseHandle): MemberInfo[] {
	return oc.members.filter((m) => m.membership === 'join');
}

/** Who may be chosen as regiehouder or deputy, derived once for the triage and regie forms. */
export function regieOptions(oc: CaseHandle): string[] {
	void oc.members;
	const ctx = oc.context();
	return ctx ? regieCandidates(oc.view, ctx) : [];
}

/** Trimmed text, or undefined when empty (optional schema fields). */
export const optional = (s: string): string | undefined => (s.trim() ? s.trim() : undefined);

/** The intake fields both intake forms hold (new case, intake revision). */
export interface IntakeFieldValues {
	receivingOrg: string;
	incidentDate: string;
	incidentBand: string;
	acute: boolean;
	kind: string;
	setting: string;
	minor: boolean;
	person: Record<string, string>;
	summary: string;
	reporter: string;
	/** The risk assessment at intake (every item answered; unknown allowed). */
	risk: RiskAssessment;
	people: PeopleRows;
	/** The victim's sex ('' when not asked). */
	sex: string;
}

/** The one mapping from an intake form's fields to the domain's intake input (before its schema). */
export function intakeValue(f: IntakeFieldValues) {
	return {
		facts: {
			receiving_org: f.receivingOrg,
			incident_date: optional(f.incidentDate),
			incident_band: f.incidentBand,
			acute: f.acute,
			kind: f.kind,
			setting: f.setting,
			minor: f.minor
		},
		person: {
			...Object.fromEntries(Object.entries(f.person).map(([k, v]) => [k, k === 'name' ? v : optional(v)])),
			sex: optional(f.sex)
		},
		summary: f.summary,
		reporter: optional(f.reporter),
		risk: { ...f.risk },
		people: peopleValue(f.people)
	};
}
