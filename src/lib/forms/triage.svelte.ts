/** An MDT triage decision; a re-triage starts from the latest decision so it changes only what changed. */
import { recordTriage, TriageInput } from '../case/commands.ts';
import { REVIEW_AFTER_DAYS } from '../case/defaults.ts';
import { DOMAINS, type Domain, type TriageReason, type Urgency } from '../case/records.ts';
import { dayFromToday } from '../i18n/format.ts';
import { CaseForm, joinedMembers, optional, regieOptions, type CaseHandle } from './case-form.svelte.ts';
import { participantsValue } from './participants.ts';

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

	readonly joined = $derived(joinedMembers(this.oc));
	readonly candidates = $derived(regieOptions(this.oc));

	constructor(oc: CaseHandle, now = Date.now()) {
		super(oc);
		const latest = oc.view.triage.latest?.record ?? null;
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
			notes: optional(this.notes)
		};
	}
}
