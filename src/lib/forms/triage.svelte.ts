/** An MDT triage decision; a re-triage starts from the latest decision so it changes only what changed. */
import { recordTriage, removeMember, TriageInput } from '../case/commands.ts';
import { REVIEW_AFTER_DAYS } from '../case/defaults.ts';
import { DOMAINS, type Domain, type RiskAssessment, type TriageReason, type Urgency } from '../case/records.ts';
import { riskFields, riskSummary, unknownRisk } from './risk.ts';
import { dayFromToday } from '../i18n/format.ts';
import { CaseForm, joinedMembers, optional, regieOptions, type CaseHandle } from './case-form.svelte.ts';
import { participantsValue } from './participants.ts';
import type { MemberInfo } from '../matrix/case-room.ts';
import type { Translate } from './validation.ts';

export interface DomainFields {
	assigned: string[];
	urgency: Urgency;
	action: string;
	rationale: string;
}

export class TriageForm extends CaseForm<TriageInput> {
	domains = $state<Record<Domain, DomainFields>>({} as Record<Domain, DomainFields>);
	reason = $state<TriageReason>('initial');
	selected = $state<string[]>([]);
	extra = $state<{ org: string; name: string }[]>([]);
	regiehouder = $state('');
	deputy = $state('');
	nextReview = $state('');
	notes = $state('');

	/** The risk as the MDT weighs it at this decision: starts from the current weighing (intake or earlier triage). */
	risk = $state<RiskAssessment>(unknownRisk());
	/** The current weighing the form started from (null when none was recorded). */
	readonly currentRisk: RiskAssessment | null = this.oc.view.risk.current?.risk ?? null;

	/** Members the chair chose to keep although their organisation takes no part in the decision. */
	keep = $state<string[]>([]);

	readonly joined = $derived(joinedMembers(this.oc));
	/** Beside the decision: the items of concern, and what changed since the current weighing (a new version). */
	readonly riskSummary = $derived(riskSummary(this.currentRisk, this.risk));
	readonly candidates = $derived(regieOptions(this.oc));
	/** Organisations that take part in the decision: assigned in a domain, or of the chosen regiehouder and deputy. */
	readonly involved = $derived.by(() => {
		const assigned = DOMAINS.flatMap((d) => this.domains[d].assigned);
		const regie = [this.regiehouder, this.deputy].map((who) => this.oc.members.find((m) => m.userId === who)?.org);
		return [...assigned, ...regie].filter((o): o is string => !!o);
	});
	/**
	 * Members no longer needed after this decision: their organisation takes no
	 * part in it, and they hold no regie, are not me, and do not chair the MDT.
	 */
	readonly notNeeded = $derived.by((): MemberInfo[] =>
		this.oc.members.filter(
			(m) =>
				(m.membership === 'join' || m.membership === 'invite') &&
				m.userId !== this.oc.me &&
				m.userId !== this.regiehouder &&
				m.userId !== this.deputy &&
				m.userId !== this.oc.view.regie.regiehouder &&
				m.userId !== this.oc.view.regie.deputy &&
				!m.roles.includes('chair') &&
				m.org !== null &&
				!this.involved.includes(m.org)
		)
	);
	/** Who will be removed with reason no-longer-involved once the decision is recorded. */
	readonly toRemove = $derived(this.notNeeded.filter((m) => !this.keep.includes(m.userId)).map((m) => m.userId));

	constructor(oc: CaseHandle, now = Date.now()) {
		super(oc);
		const latest = oc.view.triage.latest?.record ?? null;
		this.risk = riskFields(this.currentRisk);
		this.domains = Object.fromEntries(
			DOMAINS.map((d) => {
				const prev = latest?.domains[d];
				return [
					d,
					{
						assigned: [...(prev?.assigned ?? [])],
						urgency: prev?.urgency ?? 'regular',
						action: prev?.action ?? '',
						rationale: prev?.rationale ?? ''
					}
				];
			})
		) as Record<Domain, DomainFields>;
		this.reason = latest ? 'changed_situation' : 'initial';
		this.selected = joinedMembers(oc).map((m) => m.userId);
		this.regiehouder = oc.view.regie.regiehouder ?? '';
		this.deputy = oc.view.regie.deputy ?? '';
		this.nextReview = dayFromToday(REVIEW_AFTER_DAYS, now);
	}

	/** Whether an organisation is covered by the case's basis (the picker marks the others). */
	covered(org: string): boolean {
		return this.oc.view.access.some((a) => a.org === org);
	}

	/** Records the decision, then removes the members no longer needed (each removal its own reason code). */
	override async submit(t: Translate): Promise<boolean> {
		const remove = [...this.toRemove];
		if (!(await super.submit(t))) return false;
		for (const userId of remove) {
			const outcome = await this.oc.run(removeMember, { userId, reason: 'no-longer-involved' });
			if (!outcome.ok) {
				this.form.refuse(outcome.refusal);
				return false;
			}
		}
		return true;
	}

	protected schema() {
		return TriageInput;
	}
	protected command() {
		return recordTriage;
	}
	protected value() {
		return {
			domains: Object.fromEntries(
				DOMAINS.map((d) => [d, { ...this.domains[d], action: this.domains[d].action.trim() }])
			),
			participants: participantsValue(this.joined, this.selected, this.extra),
			regiehouder: this.regiehouder,
			deputy: this.deputy || null,
			next_review: this.nextReview,
			reason: this.reason,
			notes: optional(this.notes),
			risk: { ...this.risk }
		};
	}
}
