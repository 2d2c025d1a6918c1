/**
 * A new case: the report (plaintext metadata the server sees), the intake
 * (encrypted), the organisations covered and their basis, the consent given so
 * far, and the MDT members to invite. Defaults and the "own organisation must
 * take part" rule come from the domain; submitting hands the validated plan to
 * openNewCase (src/lib/state/new-case.ts).
 */
import { ConsentInput, IntakeInput, InviteInput, NewCaseInput } from '../case/commands.ts';
import { invitable, keepAllowed, nowInstant } from './options.ts';
import { DEFAULT_PURPOSES, defaultBasis, ownOrganisationCovered } from '../case/defaults.ts';
import { isAcute } from '../case/deadlines.ts';
import { DEFAULT_REGIE_ORGANISATIONS } from '../case/policy.ts';
import type { GivenBy, Purpose, RiskAssessment } from '../case/records.ts';
import { emptyPeople, unknownRisk, type PeopleRows } from './risk.ts';
import type { InviteReason } from '../case/reasons.ts';
import type { RegionCode } from '../case/primitives.ts';
import type { Directory } from '../directory/directory.ts';
import { activeEntry } from '../directory/directory.ts';
import { fromLocalInput, toLocalInput } from '../i18n/format.ts';
import type { NewCaseOutcome, NewCasePlan, NewCaseStep } from '../state/new-case.ts';
import { isRefusal, Refusal, refusal } from '../refusal.ts';
import { FormState } from './form.svelte.ts';
import { Aanmelding, type RiskSignal } from '../case/board.ts';

/** The part of the aanmelding the opener writes: the rest comes from the case and the intake. */
const AanmeldingFields = Aanmelding.pick({ summary: true, risk_signals: true });
import { fieldErrors, type FieldErrors, type Translate } from './validation.ts';
import { intakeValue, optional } from './case-form.svelte.ts';

type Basis = 'consent' | 'statutory';
export interface AccessRow {
	org: string;
	name: string;
	on: boolean;
	basis: Basis;
	ground: string;
}

export interface NewCaseDeps {
	directory: Directory;
	me: string;
	/** Carries out the plan (openNewCase in the app; a fake in tests). */
	open(plan: NewCasePlan, onStep: (step: NewCaseStep) => void): Promise<NewCaseOutcome>;
}

/** The invitation reason new-case invitees get unless the person chooses another. */
const NEW_CASE_INVITE_REASON: InviteReason = 'mdt-triage';

export class NewCaseForm {
	readonly form = new FormState();
	readonly myOrg: string;
	/**
	 * Whether I will hold regie (my organisation is a regie organisation) or chair
	 * the MDT, and so may invite members now; otherwise the MDT does at triage.
	 */
	readonly mayInvite: boolean;

	region = $state<RegionCode>('DH');
	firstReportAt = $state('');
	receivingOrg = $state('');
	incidentDate = $state('');
	incidentBand = $state('unknown');
	acuteOverride = $state<boolean | null>(null);
	kind = $state('sexual_violence');
	setting = $state('offline');
	minor = $state(false);
	person = $state({
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
	/** The referral form is the risk assessment: every item starts unknown. */
	risk = $state<RiskAssessment>(unknownRisk());
	people = $state<PeopleRows>(emptyPeople());
	/** For the MDT board: a short summary without name, address or contact details. */
	mdtSummary = $state('');
	riskSignals = $state<RiskSignal[]>([]);
	access = $state<AccessRow[]>([]);
	consentGivenBy = $state<GivenBy>('victim');
	consentPurposes = $state<Purpose[]>([...DEFAULT_PURPOSES]);
	invitees = $state<string[]>([]);
	inviteReason = $state<InviteReason>(NEW_CASE_INVITE_REASON);
	inviteNote = $state('');
	step = $state<NewCaseStep | null>(null);

	readonly computedAcute = $derived(
		isAcute(optional(this.incidentDate), fromLocalInput(this.firstReportAt) || nowInstant(), this.incidentBand)
	);
	readonly acute = $derived(this.acuteOverride ?? this.computedAcute);
	readonly covered = $derived(this.access.filter((a) => a.on).map((a) => a.org));
	readonly consentOrgs = $derived(this.access.filter((a) => a.on && a.basis === 'consent').map((a) => a.org));
	/** Only members of covered organisations can be invited. */
	readonly candidates = $derived.by(() => invitable(this.deps.directory, this.covered, [], [this.deps.me]));
	/** The invitees that are still allowed (someone whose organisation is no longer covered drops out). */
	readonly allowedInvitees = $derived(keepAllowed(this.invitees, this.candidates));

	constructor(
		private readonly deps: NewCaseDeps,
		now = Date.now()
	) {
		const me = activeEntry(deps.directory, deps.me);
		this.myOrg = me?.org ?? '';
		this.mayInvite = DEFAULT_REGIE_ORGANISATIONS.includes(this.myOrg) || (me?.roles.includes('chair') ?? false);
		this.firstReportAt = toLocalInput(now);
		this.receivingOrg = this.myOrg;
		this.access = deps.directory.organisations.map((o) => {
			const basis = defaultBasis(o.code);
			return {
				org: o.code,
				name: o.name,
				on: o.code === this.myOrg,
				basis: basis.basis,
				ground: basis.basis === 'statutory' ? basis.ground : ''
			};
		});
	}

	/** Everything validated, or the field errors. */
	plan(t: Translate): { plan: NewCasePlan } | { errors: FieldErrors } {
		const newCase = NewCaseInput.safeParse({
			region: this.region,
			first_report_at: fromLocalInput(this.firstReportAt),
			acute: this.acute,
			access: this.access
				.filter((a) => a.on)
				.map((a) =>
					a.basis === 'statutory'
						? { org: a.org, basis: 'statutory', ground: a.ground || undefined }
						: { org: a.org, basis: 'consent' }
				)
		});
		const intake = IntakeInput.safeParse(intakeValue(this));
		const aanmelding = AanmeldingFields.safeParse({ summary: this.mdtSummary, risk_signals: this.riskSignals });
		const errors: FieldErrors = {};
		if (!newCase.success) Object.assign(errors, fieldErrors(newCase.error, t));
		if (!aanmelding.success) Object.assign(errors, fieldErrors(aanmelding.error, t, 'mdt'));
		else if (this.person.name.trim().length > 2 && aanmelding.data.summary.includes(this.person.name.trim()))
			errors['mdt.summary'] = t('newCase.mdtSummaryHasName');
		if (!intake.success) Object.assign(errors, fieldErrors(intake.error, t));
		const on = this.access.filter((a) => a.on);
		if (on.length > 0 && !ownOrganisationCovered(on, this.myOrg))
			errors['access'] = t('newCase.ownOrgRequired', { values: { org: this.myOrg } });
		for (const a of on)
			if (a.basis === 'statutory' && !a.ground) errors[`ground.${a.org}`] = t('newCase.groundRequired');
		const consent = this.consentOrgs.length
			? ConsentInput.safeParse({
					status: 'given',
					organisations: this.consentOrgs,
					purposes: this.consentPurposes,
					basis: { kind: 'consent' },
					given_by: this.consentGivenBy
				})
			: null;
		if (consent && !consent.success) Object.assign(errors, fieldErrors(consent.error, t, 'consent'));
		const invites = (this.mayInvite ? this.allowedInvitees : []).map((userId) =>
			InviteInput.safeParse({ userId, reason: this.inviteReason, note: optional(this.inviteNote) })
		);
		const badInvite = invites.find((r) => !r.success);
		if (badInvite && !badInvite.success) Object.assign(errors, fieldErrors(badInvite.error, t, 'invite'));
		this.form.labels['access'] = t('newCase.accessSection');
		for (const a of this.access)
			this.form.labels[`ground.${a.org}`] = t('newCase.groundFor', { values: { org: a.name } });
		if (Object.keys(errors).length || !newCase.success || !intake.success || !aanmelding.success) return { errors };
		return {
			plan: {
				newCase: newCase.data,
				intake: intake.data,
				consent: consent?.success ? consent.data : null,
				invites: invites.flatMap((r) => (r.success ? [r.data] : [])),
				aanmelding: aanmelding.data
			}
		};
	}

	/** Validates and opens the case; the outcome (room, warnings) when it exists, else null. */
	async submit(t: Translate): Promise<NewCaseOutcome | null> {
		this.form.reset();
		const result = this.plan(t);
		if ('errors' in result) {
			this.form.fail(result.errors);
			return null;
		}
		this.form.busy = true;
		try {
			return await this.deps.open(result.plan, (s) => (this.step = s));
		} catch (err) {
			this.form.refuse(asRefusal(err));
			return null;
		} finally {
			this.form.busy = false;
			this.step = null;
		}
	}
}

/** What the person reads when opening the case failed: the server's refusal, or that it could not be reached. */
function asRefusal(err: unknown): Refusal {
	if (isRefusal(err)) return err;
	const e = err as { status?: number; errcode?: string; message?: string };
	if (typeof e?.status === 'number' && e.status > 0)
		return Refusal.fromBody(e.status, { errcode: e.errcode, error: e.message });
	return refusal(
		'unavailable',
		'Geen verbinding met de server. De casus kan nu niet worden geopend; uw invoer blijft staan.',
		'No connection to the server. The case cannot be opened now; your input stays here.'
	);
}
