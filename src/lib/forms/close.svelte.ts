/**
 * Closing a case: the joint decision, who took part, the follow-up contacts
 * (watchful waiting) and the retention period within the deployment's policy.
 */
import { closeCase, ClosureInput } from '../case/commands.ts';
import { FOLLOW_UP_ORG, followUpOrganisation } from '../case/defaults.ts';
import { defaultFollowUps } from '../case/follow-up.ts';
import { addMonths } from '../case/policy.ts';
import { DEFAULT_RETENTION, type RetentionPolicy } from '../case/policy.ts';
import type { ClosureReason } from '../case/records.ts';
import { activeEntry } from '../directory/directory.ts';
import { CaseForm, joinedMembers, type CaseHandle } from './case-form.svelte.ts';
import { participantsValue } from './participants.ts';
import type { FieldErrors, Translate } from './validation.ts';

export class CloseForm extends CaseForm<ClosureInput> {
	reason = $state<ClosureReason>('help_completed');
	explanation = $state('');
	selected = $state<string[]>([]);
	extra = $state<{ org: string; name: string }[]>([]);
	followUp = $state<{ date: string; org: string }[]>([]);
	retention = $state(DEFAULT_RETENTION.default_months);
	confirmed = $state(false);
	/** The retention window the form offers (the deployment's, once known). */
	policy = $state.raw<RetentionPolicy>(DEFAULT_RETENTION);

	readonly joined = $derived(joinedMembers(this.oc));

	constructor(oc: CaseHandle, now = Date.now()) {
		super(oc);
		this.selected = joinedMembers(oc).map((m) => m.userId);
		const ctx = oc.context();
		const myOrg = ctx ? (activeEntry(ctx.directory, oc.me)?.org ?? null) : null;
		// Watchful waiting happens during care (case/follow-up.ts); after closure, follow-ups at 6 and 12 months.
		this.followUp = defaultFollowUps(now, followUpOrganisation(oc.view, myOrg));
		if (ctx?.retention) this.usePolicy(ctx.retention);
	}

	/** Another follow-up call, half a year after the last one (or after today), by the same organisation as the first. */
	addFollowUp(now = Date.now()): void {
		const last = this.followUp.at(-1)?.date;
		const from = last ? Date.parse(`${last}T12:00:00Z`) : now;
		const date = addMonths(from, 6).toISOString().slice(0, 10);
		this.followUp = [...this.followUp, { date, org: this.followUp[0]?.org ?? FOLLOW_UP_ORG }];
	}

	removeFollowUp(index: number): void {
		this.followUp = this.followUp.filter((_row, j) => j !== index);
	}

	/** The deployment's policy: its default, and the window the choice must stay in. */
	usePolicy(policy: RetentionPolicy): void {
		const untouched = this.retention === this.policy.default_months;
		this.policy = policy;
		if (untouched) this.retention = policy.default_months;
	}

	protected schema() {
		return ClosureInput;
	}
	protected command() {
		return closeCase;
	}
	protected value() {
		return {
			reason: this.reason,
			explanation: this.explanation,
			participants: participantsValue(this.joined, this.selected, this.extra),
			follow_up: this.followUp.filter((f) => f.date),
			retention_months: Number(this.retention)
		};
	}
	protected override check(input: ClosureInput, t: Translate): FieldErrors {
		const errors: FieldErrors = {};
		const { min_months: min, max_months: max } = this.policy;
		if (input.retention_months < min || input.retention_months > max)
			errors['retention_months'] = t('form.between', { values: { min, max } });
		if (!this.confirmed) {
			this.form.labels['confirm'] = t('closure.confirm');
			errors['confirm'] = t('closure.confirmNeeded');
		}
		return errors;
	}
}
