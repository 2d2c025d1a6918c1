/**
 * "Intake aanvullen of corrigeren": the intake as a new version, prefilled from
 * the current one. The reference, region and time of first report come from the
 * case and never change; everything else the victim told may be corrected or
 * added to. The new version names the one it supersedes (reviseIntake); the old
 * versions stay in the record history. Encrypted only, like the first intake.
 */
import { IntakeInput, mayReviseIntake, reviseIntake } from '../case/commands.ts';
import { isAcute } from '../case/deadlines.ts';
import type { IntakeRecord, RiskAssessment } from '../case/records.ts';
import { emptyPeople, peopleRows, riskFields, unknownRisk, type PeopleRows } from './risk.ts';
import { CaseForm, intakeValue, optional, type CaseHandle } from './case-form.svelte.ts';
import type { FieldErrors, Translate } from './validation.ts';

const PERSON_FIELDS = [
	'name',
	'birth_date',
	'address',
	'phone',
	'email',
	'contact_preferences',
	'representative'
] as const;
type PersonFields = Record<(typeof PERSON_FIELDS)[number], string>;

export class IntakeForm extends CaseForm<IntakeInput> {
	/** The version this form builds on (its event ID), or null when the case has no intake. */
	readonly base: string | null;
	/** The number the new version gets (the current version + 1). */
	readonly nextVersion: number;

	receivingOrg = $state('');
	incidentDate = $state('');
	incidentBand = $state('unknown');
	acuteOverride = $state<boolean | null>(null);
	kind = $state('sexual_violence');
	setting = $state('offline');
	minor = $state(false);
	person = $state<PersonFields>({
		name: '',
		birth_date: '',
		address: '',
		phone: '',
		email: '',
		contact_preferences: '',
		representative: ''
	});
	summary = $state('');
	reporter = $state('');
	sex = $state('');
	risk = $state<RiskAssessment>(unknownRisk());
	people = $state<PeopleRows>(emptyPeople());

	readonly computedAcute = $derived(
		isAcute(optional(this.incidentDate), this.oc.view.firstReportAt ?? '', this.incidentBand)
	);
	readonly acute = $derived(this.acuteOverride ?? this.computedAcute);

	constructor(oc: CaseHandle) {
		super(oc);
		const current = oc.view.intake?.record ?? null;
		this.base = oc.view.intake?.eventId ?? null;
		this.nextVersion = oc.view.intakeVersions.length + 1;
		if (current) this.fill(current);
	}

	/** Whether the person may correct the intake (the page offers the form only then). */
	get allowed(): boolean {
		const ctx = this.oc.context();
		return ctx !== null && mayReviseIntake(this.oc.view, this.oc.me, ctx);
	}

	/** Someone else recorded a newer version since this form was opened. */
	get stale(): boolean {
		return (this.oc.view.intake?.eventId ?? null) !== this.base;
	}

	private fill(r: IntakeRecord): void {
		this.receivingOrg = r.facts.receiving_org;
		this.incidentDate = r.facts.incident_date ?? '';
		this.incidentBand = r.facts.incident_band;
		this.kind = r.facts.kind;
		this.setting = r.facts.setting;
		this.minor = r.facts.minor;
		const p = r.person;
		this.person = Object.fromEntries(PERSON_FIELDS.map((k) => [k, p[k] ?? ''])) as PersonFields;
		this.summary = r.summary;
		this.reporter = r.reporter ?? '';
		this.sex = p.sex ?? '';
		this.risk = riskFields(r.risk);
		this.people = peopleRows(r.people);
		// Keep an acute flag that was set by hand rather than derived.
		const derived = isAcute(r.facts.incident_date, r.facts.first_report_at, r.facts.incident_band);
		this.acuteOverride = r.facts.acute === derived ? null : r.facts.acute;
	}

	protected schema() {
		return IntakeInput;
	}
	protected command() {
		return reviseIntake;
	}
	protected value() {
		return intakeValue(this);
	}

	/** Nothing changed: no new version. A newer version arrived meanwhile: read it first. */
	protected override check(input: IntakeInput, t: Translate): FieldErrors {
		if (this.stale) return { summary: t('intake.stale') };
		const current = this.oc.view.intake?.record;
		if (current && sameIntake(current, input)) return { summary: t('intake.unchanged') };
		return {};
	}
}

function sameIntake(current: IntakeRecord, input: IntakeInput): boolean {
	const { reference: _r, region: _g, first_report_at: _f, ...facts } = current.facts;
	// Key order and absent-versus-undefined fields do not make a difference.
	const same = (a: Record<string, unknown>, b: Record<string, unknown>) => {
		const sorted = (o: Record<string, unknown>) =>
			JSON.stringify(Object.fromEntries(Object.entries(o).sort(([x], [y]) => x.localeCompare(y))));
		return sorted(a) === sorted(b);
	};
	return (
		same(facts, input.facts) &&
		same(current.person, input.person) &&
		same(current.risk ?? unknownRisk(), input.risk ?? unknownRisk()) &&
		JSON.stringify(current.people ?? emptyPeople()) === JSON.stringify(input.people ?? emptyPeople()) &&
		current.summary === input.summary &&
		(current.reporter ?? undefined) === (input.reporter ?? undefined)
	);
}
