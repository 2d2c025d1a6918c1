/**
 * End-to-end encrypted case records: the substance of the case. Each record is
 * the content of one timeline event (type in event-types.ts RECORD); the codec
 * (src/lib/matrix/codec.ts) adds a plain-text `body` fallback for other Matrix
 * clients. Every schema carries `v` so later versions can be told apart.
 *
 * These never appear in plaintext: the homeserver only sees m.room.encrypted.
 */
import { z } from 'zod';
import {
	CaseReference,
	Day,
	Instant,
	MatrixUserId,
	OrganisationCode,
	Purpose,
	RegionCode,
	StatutoryGround
} from './primitives.ts';
import { MembershipReason } from './reasons.ts';
import { RETENTION_LIMITS } from './policy.ts';

const Text = (max: number) => z.string().trim().min(1).max(max);
const OptionalText = (max: number) => z.string().trim().max(max).optional();

// --- Case facts and intake ---------------------------------------------------

export const CASE_KINDS = ['sexual_abuse', 'sexual_violence', 'transgressive_behaviour'] as const;
export const CaseKind = z.enum(CASE_KINDS);
export type CaseKind = z.infer<typeof CaseKind>;

export const SETTINGS = ['offline', 'online', 'both'] as const;
export const Setting = z.enum(SETTINGS);

/** When the incident happened, when no exact date is known. */
export const INCIDENT_BANDS = ['within_7_days', '8_to_30_days', '1_to_12_months', 'over_1_year', 'unknown'] as const;
export const IncidentBand = z.enum(INCIDENT_BANDS);

export const CaseFacts = z.strictObject({
	reference: CaseReference,
	region: RegionCode,
	first_report_at: Instant,
	receiving_org: OrganisationCode,
	incident_date: Day.optional(),
	incident_band: IncidentBand,
	/** Incident at most 7 days ago: forensic examination and emergency care may still be possible. */
	acute: z.boolean(),
	kind: CaseKind,
	setting: Setting,
	minor: z.boolean()
});
export type CaseFacts = z.infer<typeof CaseFacts>;

/** Personal details of the victim (encrypted only). */
/** Sex as the victim states it; one list for the schema, the form and the figures. */
export const SEXES = ['female', 'male', 'other', 'unknown'] as const;

export const PersonalDetails = z.strictObject({
	name: Text(200),
	birth_date: Day.optional(),
	address: OptionalText(300),
	phone: OptionalText(50),
	email: OptionalText(200),
	/** How the victim wants to be contacted, and what to avoid (e.g. "not via the home address"). */
	contact_preferences: OptionalText(1000),
	/** A parent or legal representative, for minors. */
	representative: OptionalText(300),
	/** Sex as the victim states it (a half-yearly CSG figure); absent in records from before issue 14. */
	sex: z.enum(SEXES).optional()
});
export type PersonalDetails = z.infer<typeof PersonalDetails>;

// --- Risk assessment (risicotaxatie) ------------------------------------------

/**
 * "Aanmeldformulier is tevens risicotaxatie-formulier": the intake, and again each
 * MDT triage, weighs safety and urgency on these items. Every item has a closed
 * answer set and "unknown" is always an answer: a first contact rarely knows it all.
 */
export const YES_NO_UNKNOWN = ['yes', 'no', 'unknown'] as const;

export const RISK_ITEMS = {
	/** The victim is not safe now (veiligheidstaxatie). */
	immediate_danger: YES_NO_UNKNOWN,
	/** The (suspected) offender has access to the victim (lives together, contact, online). */
	offender_access: YES_NO_UNKNOWN,
	/** Threats against the victim or others, or pressure not to tell. */
	threats: YES_NO_UNKNOWN,
	/** The violence is ongoing or likely to happen again. */
	repetition_likely: YES_NO_UNKNOWN,
	/** Children in the household or involved are at risk. */
	children_at_risk: YES_NO_UNKNOWN,
	/** Earlier sexual abuse or violence (a half-yearly CSG figure). */
	previous_abuse: YES_NO_UNKNOWN,
	/** Physical injury. */
	injuries: ['none', 'minor', 'serious', 'unknown'],
	/** Urgent medical need (injury, emergency contraception, PEP against HIV, STI). */
	medical_need: YES_NO_UNKNOWN,
	/** Risk of suicide or self-harm. */
	self_harm: YES_NO_UNKNOWN,
	/** Dependent on the offender (care, housing, money, residence status). */
	dependency: YES_NO_UNKNOWN,
	/** A vulnerability that needs extra care (intellectual disability, psychiatric problems, age). */
	vulnerability: YES_NO_UNKNOWN,
	/** Alcohol or drugs involved in the incident (possibly drug-facilitated). */
	substances: YES_NO_UNKNOWN,
	/** The victim has a safe place to stay tonight. */
	safe_place: YES_NO_UNKNOWN,
	/** The assessor's overall judgement of safety. */
	overall: ['safe', 'concerns', 'unsafe', 'unknown']
} as const satisfies Record<string, readonly [string, ...string[]]>;
export type RiskItem = keyof typeof RISK_ITEMS;
export const RISK_ITEM_KEYS = Object.keys(RISK_ITEMS) as RiskItem[];

const yesNo = () => z.enum(YES_NO_UNKNOWN);
export const RiskAssessment = z.strictObject({
	immediate_danger: yesNo(),
	offender_access: yesNo(),
	threats: yesNo(),
	repetition_likely: yesNo(),
	children_at_risk: yesNo(),
	previous_abuse: yesNo(),
	injuries: z.enum(RISK_ITEMS.injuries),
	medical_need: yesNo(),
	self_harm: yesNo(),
	dependency: yesNo(),
	vulnerability: yesNo(),
	substances: yesNo(),
	safe_place: yesNo(),
	overall: z.enum(RISK_ITEMS.overall)
} satisfies { [K in RiskItem]: z.ZodType });
export type RiskAssessment = z.infer<typeof RiskAssessment>;

/** A risk assessment with every item unknown: where a form starts. */
export function unknownRisk(): RiskAssessment {
	return Object.fromEntries(RISK_ITEM_KEYS.map((k) => [k, 'unknown'])) as RiskAssessment;
}

/** The answers that call for attention (the MDT weighs these first). */
export const RISK_CONCERNS: { readonly [K in RiskItem]: readonly string[] } = {
	immediate_danger: ['yes'],
	offender_access: ['yes'],
	threats: ['yes'],
	repetition_likely: ['yes'],
	children_at_risk: ['yes'],
	previous_abuse: ['yes'],
	injuries: ['serious'],
	medical_need: ['yes'],
	self_harm: ['yes'],
	dependency: ['yes'],
	vulnerability: ['yes'],
	substances: ['yes'],
	safe_place: ['no'],
	overall: ['unsafe', 'concerns']
};

/** The items whose answer calls for attention, in the order of RISK_ITEMS. */
export function riskConcerns(risk: RiskAssessment): RiskItem[] {
	return RISK_ITEM_KEYS.filter((k) => RISK_CONCERNS[k].includes(risk[k]));
}

/** The items that differ between two assessments (a changed risk). */
export function riskChanges(before: RiskAssessment | null, after: RiskAssessment): RiskItem[] {
	return RISK_ITEM_KEYS.filter((k) => (before?.[k] ?? 'unknown') !== after[k]);
}

// --- The people around the victim --------------------------------------------------

/** Who the (suspected) offender is to the victim. */
export const OFFENDER_RELATIONS = [
	'partner',
	'ex_partner',
	'parent_or_carer',
	'family',
	'acquaintance',
	'professional',
	'online_contact',
	'stranger',
	'unknown'
] as const;
export const Offender = z.strictObject({
	/** Whether the victim knows who it is. */
	identity: z.enum(['known', 'unknown']),
	relation: z.enum(OFFENDER_RELATIONS),
	minor: z.enum(YES_NO_UNKNOWN),
	name: OptionalText(200),
	notes: OptionalText(1000)
});
export type Offender = z.infer<typeof Offender>;

export const CHILD_RELATIONS = ['child_of_victim', 'child_in_household', 'sibling', 'other'] as const;
export const AGE_BANDS = ['0_3', '4_11', '12_17', 'unknown'] as const;
export const Child = z.strictObject({
	relation: z.enum(CHILD_RELATIONS),
	age_band: z.enum(AGE_BANDS),
	name: OptionalText(200),
	notes: OptionalText(1000)
});
export type Child = z.infer<typeof Child>;

export const OTHER_ROLES = ['parent_or_guardian', 'partner', 'family', 'witness', 'professional', 'other'] as const;
export const OtherPerson = z.strictObject({
	role: z.enum(OTHER_ROLES),
	name: OptionalText(200),
	notes: OptionalText(1000)
});
export type OtherPerson = z.infer<typeof OtherPerson>;

/** "Eén gezin, één team, één plan": offenders, children and others involved, recorded once with the intake. */
export const PeopleAround = z.strictObject({
	offenders: z.array(Offender).max(10),
	children: z.array(Child).max(12),
	others: z.array(OtherPerson).max(12)
});
export type PeopleAround = z.infer<typeof PeopleAround>;

export const IntakeRecord = z.strictObject({
	v: z.literal(1),
	facts: CaseFacts,
	person: PersonalDetails,
	/** The victim's story as told at first contact: told once, read by everyone who needs it. */
	summary: Text(20_000),
	/** Who reported: the victim, a parent, a professional… */
	reporter: OptionalText(300),
	/** The risk assessment at intake (absent in records from before issue 14: read as not assessed). */
	risk: RiskAssessment.optional(),
	/** The people around the victim (absent in records from before issue 14). */
	people: PeopleAround.optional(),
	/**
	 * The intake version this one corrects or adds to (event ID); absent for the
	 * first. Versions are never overwritten: the latest valid one is the intake.
	 */
	supersedes: z.string().min(1).optional()
});
export type IntakeRecord = z.infer<typeof IntakeRecord>;

// --- Triage --------------------------------------------------------------------

export const DOMAINS = ['veiligheid', 'strafrecht', 'hulp', 'herstel'] as const;
export const Domain = z.enum(DOMAINS);
export type Domain = z.infer<typeof Domain>;

export const URGENCIES = ['immediate', 'within_24h', 'within_week', 'regular', 'none'] as const;
export const Urgency = z.enum(URGENCIES);
export type Urgency = z.infer<typeof Urgency>;

export const DomainDecision = z.strictObject({
	/** Organisations that act in this domain; empty when nothing is needed now. */
	assigned: z.array(OrganisationCode).max(16),
	action: z.string().trim().max(4000),
	urgency: Urgency,
	rationale: Text(4000)
});
export type DomainDecision = z.infer<typeof DomainDecision>;

export const TriageParticipant = z.strictObject({
	org: OrganisationCode,
	user_id: MatrixUserId.optional(),
	/** For someone without an account here (e.g. a GP who joined the meeting by phone). */
	name: OptionalText(200)
});

/** Why the MDT triages (again). */
export const TRIAGE_REASONS = ['initial', 'changed_situation', 'stalled', 'scheduled_review', 'other'] as const;
export const TriageReason = z.enum(TRIAGE_REASONS);
export type TriageReason = z.infer<typeof TriageReason>;

export const TriageRecord = z.strictObject({
	v: z.literal(1),
	/** 1 for the first MDT triage, +1 for each re-triage. */
	seq: z.number().int().min(1),
	/** The decision this one replaces (event ID); null for the first. Decisions are never overwritten. */
	supersedes: z.string().min(1).nullable(),
	decided_at: Instant,
	domains: z.strictObject({
		veiligheid: DomainDecision,
		strafrecht: DomainDecision,
		hulp: DomainDecision,
		herstel: DomainDecision
	}),
	participants: z.array(TriageParticipant).min(1).max(40),
	regiehouder: MatrixUserId,
	deputy: MatrixUserId.nullable(),
	next_review: Day,
	reason: TriageReason,
	notes: OptionalText(4000),
	/** The risk as the MDT weighs it at this decision; a changed risk is a new decision (absent before issue 14). */
	risk: RiskAssessment.optional()
});
export type TriageRecord = z.infer<typeof TriageRecord>;

// --- Consent -------------------------------------------------------------------

export { PURPOSES, Purpose } from './primitives.ts';

export const ConsentBasis = z.discriminatedUnion('kind', [
	z.strictObject({ kind: z.literal('consent') }),
	z.strictObject({ kind: z.literal('statutory'), ground: StatutoryGround })
]);
export type ConsentBasis = z.infer<typeof ConsentBasis>;

export const CONSENT_STATUSES = ['given', 'refused', 'withdrawn'] as const;
export type ConsentStatus = (typeof CONSENT_STATUSES)[number];

/** Who gives (or refuses, or withdraws) consent. */
export const GIVEN_BY = ['victim', 'parent_or_guardian', 'legal_representative', 'not_applicable'] as const;
export type GivenBy = (typeof GIVEN_BY)[number];

export const ConsentRecord = z.strictObject({
	v: z.literal(1),
	status: z.enum(CONSENT_STATUSES),
	organisations: z.array(OrganisationCode).min(1).max(16),
	purposes: z.array(Purpose).min(1),
	basis: ConsentBasis,
	/** Who gave (or refused, or withdrew) it. */
	given_by: z.enum(GIVEN_BY),
	recorded_at: Instant,
	notes: OptionalText(2000)
});
export type ConsentRecord = z.infer<typeof ConsentRecord>;

// --- Regie ---------------------------------------------------------------------

export const HandoverRecord = z.strictObject({
	v: z.literal(1),
	from: MatrixUserId.nullable(),
	to: MatrixUserId,
	deputy: MatrixUserId.nullable(),
	reason: Text(2000),
	at: Instant
});
export type HandoverRecord = z.infer<typeof HandoverRecord>;

// --- Regiehouder update -----------------------------------------------------------

/** How the regiehouder was in contact with the victim. */
export const CONTACT_MODES = ['phone', 'in_person', 'video', 'written', 'via_representative'] as const;
export type ContactMode = (typeof CONTACT_MODES)[number];

export const UpdateRecord = z.strictObject({
	v: z.literal(1),
	at: Instant,
	contact: z
		.strictObject({
			date: Day,
			mode: z.enum(CONTACT_MODES),
			summary: Text(4000)
		})
		.nullable(),
	actions_agreed: z
		.array(z.strictObject({ what: Text(1000), org: OrganisationCode.optional(), due: Day.optional() }))
		.max(50),
	actions_done: z.array(z.strictObject({ what: Text(1000), org: OrganisationCode.optional() })).max(50),
	signals: z.array(Text(2000)).max(50),
	next_steps: z.string().trim().max(4000),
	/** Asks the MDT to look at the case again (doorlopende triage). */
	retriage_requested: z.boolean()
});
export type UpdateRecord = z.infer<typeof UpdateRecord>;

// --- Closure -----------------------------------------------------------------------

export const CLOSURE_REASONS = [
	'help_completed',
	'victim_declined',
	'referred_elsewhere',
	'no_contact',
	'merged', // one victim, one case: the case continues in another (AGENDA_STATE.continued_in)
	'other'
] as const;
export type ClosureReason = (typeof CLOSURE_REASONS)[number];

export const ClosureRecord = z.strictObject({
	v: z.literal(1),
	decided_at: Instant,
	reason: z.enum(CLOSURE_REASONS),
	explanation: Text(4000),
	participants: z.array(TriageParticipant).min(1).max(40),
	/** Watchful waiting: CSG calls back after at least 4 weeks; some teams at 6 and 12 months. */
	follow_up: z.array(z.strictObject({ date: Day, org: OrganisationCode })).max(6),
	/**
	 * Months after closure before the shared record is deleted: within the outer
	 * bounds of every retention policy; the deployment's own window is checked by
	 * closeCase (policy.ts).
	 */
	retention_months: z.number().int().min(RETENTION_LIMITS.min).max(RETENTION_LIMITS.max)
});
export type ClosureRecord = z.infer<typeof ClosureRecord>;

// --- Membership note -------------------------------------------------------------

/**
 * The words that go with a membership change. The Matrix membership event
 * carries only the reason code (plaintext, reasons.ts); a note, when the person
 * adds one, travels in this encrypted record.
 */
export const MembershipNoteRecord = z.strictObject({
	v: z.literal(1),
	/** Whose membership changed. */
	user: MatrixUserId,
	action: z.enum(['invite', 'remove']),
	code: MembershipReason,
	note: Text(1000),
	at: Instant
});
export type MembershipNoteRecord = z.infer<typeof MembershipNoteRecord>;

// --- Signal by any member ---------------------------------------------------------

/** What a member signals: new information, a safety concern, or a request to put the case back on the MDT's agenda. */
export const SIGNAL_KINDS = ['new-information', 'safety-concern', 'retriage-request'] as const;
export const SignalKind = z.enum(SIGNAL_KINDS);
export type SignalKind = z.infer<typeof SignalKind>;

/**
 * A signal by any member of the case (not only the regiehouder). With
 * `retriage` the member's client also asks the service to put the case on the
 * MDT's agenda (POST /api/cases/<room>/retriage; plaintext AGENDA_STATE keeps
 * only the time, never the words).
 */
export const SignalRecord = z.strictObject({
	v: z.literal(1),
	kind: SignalKind,
	text: Text(4000),
	retriage: z.boolean(),
	at: Instant
});
export type SignalRecord = z.infer<typeof SignalRecord>;

// --- Reopening -------------------------------------------------------------------

/** Why a closed case is reopened while it is retained ("omgaan met terugval"). */
export const REOPEN_REASONS = [
	'relapse', // terugval: the violence or the risk is back
	'new_incident', // a new incident or report about the same victim
	'help_not_completed', // the help turned out not to be finished
	'closed_in_error', // the case was closed by mistake
	'other'
] as const;
export type ReopenReason = (typeof REOPEN_REASONS)[number];

export const ReopenRecord = z.strictObject({
	v: z.literal(1),
	reopened_at: Instant,
	reason: z.enum(REOPEN_REASONS),
	note: OptionalText(4000)
});
export type ReopenRecord = z.infer<typeof ReopenRecord>;

// --- Police and care steps -------------------------------------------------------

/**
 * The steps around an acute or recent case, as structured facts: each with a date
 * and an outcome from a closed set. Aangifte is no condition for care; an
 * informatief gesprek (information talk with the police) comes first. The FMO
 * (forensic medical examination, with a forensic detective present) is a
 * (straf)recht matter, not care. Any member records a step their organisation
 * took; the latest record per step is the fact.
 */
export const STEP_OUTCOMES = {
	informatief_gesprek: ['planned', 'done', 'declined'],
	aangifte: ['yes', 'no', 'considering'],
	fmo: ['done', 'declined', 'not_applicable'],
	acute_medical_care: ['done', 'declined', 'not_applicable'],
	vt_safety_assessment: ['done', 'not_applicable']
} as const satisfies Record<string, readonly [string, ...string[]]>;
export type StepKind = keyof typeof STEP_OUTCOMES;
export const STEP_KINDS = Object.keys(STEP_OUTCOMES) as StepKind[];

const stepFields = <K extends StepKind>(step: K) => ({
	step: z.literal(step),
	outcome: z.enum(STEP_OUTCOMES[step]),
	/** When it happened (or, for planned and considering, when that was agreed). */
	date: Day,
	note: OptionalText(2000)
});
const stepOf = <K extends StepKind>(step: K) => z.strictObject({ v: z.literal(1), ...stepFields(step), at: Instant });

export const StepRecord = z.discriminatedUnion('step', [
	stepOf('informatief_gesprek'),
	stepOf('aangifte'),
	stepOf('fmo'),
	stepOf('acute_medical_care'),
	stepOf('vt_safety_assessment')
]);
/** What a member fills in for a step (the record without its version and time). */
export const StepInput = z.discriminatedUnion('step', [
	z.strictObject(stepFields('informatief_gesprek')),
	z.strictObject(stepFields('aangifte')),
	z.strictObject(stepFields('fmo')),
	z.strictObject(stepFields('acute_medical_care')),
	z.strictObject(stepFields('vt_safety_assessment'))
]);
export type StepInput = z.infer<typeof StepInput>;
export type StepRecord = z.infer<typeof StepRecord>;

/** Outcomes that tick a step off as done (the others settle it without doing it, or leave it open). */
export const STEP_DONE: { readonly [K in StepKind]: readonly string[] } = {
	informatief_gesprek: ['done'],
	aangifte: ['yes'],
	fmo: ['done'],
	acute_medical_care: ['done'],
	vt_safety_assessment: ['done']
};
/** Outcomes that leave the step open (still to happen). */
export const STEP_PENDING: { readonly [K in StepKind]: readonly string[] } = {
	informatief_gesprek: ['planned'],
	aangifte: ['considering'],
	fmo: [],
	acute_medical_care: [],
	vt_safety_assessment: []
};

// --- The record union -------------------------------------------------------------

import { RECORD } from './event-types.ts';

export const RECORD_SCHEMAS = {
	[RECORD.intake]: IntakeRecord,
	[RECORD.triage]: TriageRecord,
	[RECORD.consent]: ConsentRecord,
	[RECORD.update]: UpdateRecord,
	[RECORD.handover]: HandoverRecord,
	[RECORD.closure]: ClosureRecord,
	[RECORD.membershipNote]: MembershipNoteRecord,
	[RECORD.signal]: SignalRecord,
	[RECORD.reopen]: ReopenRecord,
	[RECORD.step]: StepRecord
} as const;
