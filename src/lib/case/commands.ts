/**
 * What a user may do in a case, and the events it produces. A command takes the
 * current case view, who is acting and a validated form input, and returns
 * either effects for the Matrix layer to carry out, in order, or a Refusal
 * (src/lib/refusal.ts) with its sentence in nl and en. Pure: no Matrix, no clock
 * except ctx.now.
 */
import { z } from 'zod';
import type { Directory, DirectoryEntry } from '../directory/directory.ts';
import { activeEntry, hasRole } from '../directory/directory.ts';
import { RECORD, STATE } from './event-types.ts';
import { canCoordinate, holdsRegie } from './permissions.ts';
import { retentionUntil } from './deadlines.ts';
import { ownOrganisationCovered } from './defaults.ts';
import {
	DEFAULT_REGIE_ORGANISATIONS,
	DEFAULT_RETENTION,
	retentionMonthsAllowed,
	type RetentionPolicy
} from './policy.ts';
import { InviteReason, RemoveReason, type MembershipReason } from './reasons.ts';
import { Refusal, refusal, type RefusalCode } from '../refusal.ts';
import {
	ClosureRecord,
	ConsentRecord,
	HandoverRecord,
	IntakeRecord,
	MembershipNoteRecord,
	PersonalDetails,
	TriageRecord,
	UpdateRecord,
	SignalRecord,
	CaseFacts,
	StepInput,
	StepRecord,
	STEP_PENDING
} from './records.ts';
import { AccessEntry, CaseState, PHASES, RegieState, TriageStatusState, type Phase } from './state.ts';
import { CaseReference, Instant, MatrixUserId, OrganisationCode, RegionCode, StatutoryGround } from './primitives.ts';
import type { CaseView } from './view.ts';
import { instant as iso } from './time.ts';

export type Membership = 'join' | 'invite' | 'leave' | 'ban' | 'knock';

export interface CommandContext {
	directory: Directory;
	serviceUserId: string;
	now: number;
	/** Current membership of the room. */
	members: ReadonlyMap<string, Membership>;
	/** The deployment's retention policy (GET /api/privacy/me); the default when not known. */
	retention?: RetentionPolicy;
	/** Whose case managers may hold regie (policy.ts, CASUS_REGIE_ORGANISATIONS); the default when not known. */
	regieOrganisations?: readonly string[];
}

export type Effect =
	| { kind: 'record'; type: (typeof RECORD)[keyof typeof RECORD]; content: unknown }
	| { kind: 'state'; type: (typeof STATE)[keyof typeof STATE]; content: unknown }
	/** The reason is a code (reasons.ts): the homeserver stores it in plaintext. */
	| { kind: 'invite'; userId: string; reason: MembershipReason }
	| { kind: 'remove'; userId: string; reason: MembershipReason }
	/**
	 * Done by the service account (regie state and power levels), through the server.
	 * The reason is not part of it: it stays in the encrypted handover record.
	 */
	| { kind: 'handover'; to: string; deputy: string | null }
	/** Done by the service (AGENDA_STATE.retriage_requested_at), through the server: puts the case back on the MDT's agenda. */
	| { kind: 'retriage' }
	/** Done by the service (case state back to regie/triage), through the server: reopens a closed case (reopen.ts). */
	| { kind: 'reopen' };

export type CommandResult = { ok: true; effects: Effect[] } | { ok: false; error: Refusal };

const ok = (effects: Effect[]): CommandResult => ({ ok: true, effects });
const fail = (code: RefusalCode, nl: string, en: string): CommandResult => ({
	ok: false,
	error: refusal(code, nl, en)
});

function coordinatorOnly(view: CaseView, actor: string, ctx: CommandContext): CommandResult | null {
	if (
		!canCoordinate(
			{
				directory: ctx.directory,
				serviceUserId: ctx.serviceUserId,
				regiehouder: view.regie.regiehouder,
				deputy: view.regie.deputy
			},
			actor
		)
	) {
		return fail(
			'not-allowed',
			'Alleen de regiehouder, diens vervanger of de MDT-voorzitter kan dit vastleggen.',
			'Only the regiehouder, their deputy or the MDT chair can record this.'
		);
	}
	return null;
}

function openOnly(view: CaseView): CommandResult | null {
	return view.phase === 'closed' ? fail('closed', 'Deze casus is afgesloten.', 'This case is closed.') : null;
}

export function coveredOrganisations(view: CaseView): Set<string> {
	return new Set(view.access.map((a) => a.org));
}

/** The case state with some fields changed, as the next plaintext state event. */
function nextCaseState(view: CaseView, change: Partial<CaseState>): CaseState | null {
	if (!view.state.case) return null;
	return CaseState.parse({ ...view.state.case, ...change });
}

function phaseEffect(view: CaseView, phase: Phase): Effect[] {
	if (!view.state.case || PHASES.indexOf(view.state.case.phase) >= PHASES.indexOf(phase)) return [];
	return [{ kind: 'state', type: STATE.case, content: nextCaseState(view, { phase }) }];
}

// --- New case (carried out by the server, as the service account) -------------------

export const NewCaseInput = z.strictObject({
	reference: CaseReference.optional(),
	region: RegionCode,
	first_report_at: Instant,
	acute: z.boolean(),
	/** The organisations covered from the start, each with its basis. */
	access: z
		.array(
			z.discriminatedUnion('basis', [
				z.strictObject({ org: OrganisationCode, basis: z.literal('consent') }),
				z.strictObject({ org: OrganisationCode, basis: z.literal('statutory'), ground: StatutoryGround })
			])
		)
		.min(1)
});
export type NewCaseInput = z.infer<typeof NewCaseInput>;

/**
 * Regie belongs to case managers of the regie organisations (CSG, VT, SHN by
 * default): a refusal for anyone else as regiehouder or deputy, or null.
 */
export function regieOrganisationProblem(
	userId: string,
	directory: Directory,
	regieOrganisations: readonly string[] = DEFAULT_REGIE_ORGANISATIONS
): Refusal | null {
	const entry = activeEntry(directory, userId);
	if (!entry || regieOrganisations.includes(entry.org)) return null;
	const list = regieOrganisations.join(', ');
	return refusal(
		'not-allowed',
		`${entry.display_name} (${entry.org}) kan geen regie voeren: regie ligt bij een casemanager van ${list}.`,
		`${entry.display_name} (${entry.org}) cannot hold regie: regie belongs to a case manager of ${list}.`
	);
}

/**
 * The initial plaintext state of a new case room. An opener of a regie
 * organisation holds regie until the MDT chooses; anyone else opens the case
 * without a regiehouder, and the MDT assigns regie at triage.
 */
export function initialCaseState(
	input: NewCaseInput,
	reference: string,
	requester: string,
	directory: Directory,
	now: number,
	regieOrganisations: readonly string[] = DEFAULT_REGIE_ORGANISATIONS
) {
	const requesterOrg = activeEntry(directory, requester)?.org;
	if (!requesterOrg)
		throw refusal(
			'unknown-user',
			'Uw account staat niet (meer) in het adresboek.',
			'Your account is not (or no longer) in the directory.'
		);
	if (!ownOrganisationCovered(input.access, requesterOrg)) {
		throw refusal(
			'not-covered',
			`Uw eigen organisatie (${requesterOrg}) moet onder de grondslag vallen, anders kunt u de casus niet openen.`,
			`Your own organisation (${requesterOrg}) must be covered by the basis, or you cannot open the case.`
		);
	}
	const since = iso(now);
	return {
		case: CaseState.parse({
			v: 1,
			reference,
			region: input.region,
			phase: 'first_contact',
			first_report_at: input.first_report_at,
			acute: input.acute,
			closed_at: null,
			retention_until: null
		}),
		access: { v: 1 as const, organisations: input.access.map((a) => AccessEntry.parse({ ...a, since })) },
		regie: RegieState.parse({
			v: 1,
			regiehouder: regieOrganisations.includes(requesterOrg) ? requester : null,
			deputy: null,
			since,
			handovers: 0
		})
	};
}

// --- Intake ---------------------------------------------------------------------------

export const IntakeInput = z.strictObject({
	facts: CaseFacts.omit({ reference: true, region: true, first_report_at: true }),
	person: PersonalDetails,
	summary: IntakeRecord.shape.summary,
	reporter: IntakeRecord.shape.reporter,
	risk: IntakeRecord.shape.risk,
	people: IntakeRecord.shape.people
});
export type IntakeInput = z.infer<typeof IntakeInput>;

/**
 * Before the MDT assigns regie (nobody holds it, no triage yet), the opener, who
 * is the only member then, records the intake and the consent given at intake:
 * an opener outside the regie organisations has no regie (issue 12) but still
 * tells the story once. What needs power (phase, access) waits for the MDT.
 */
export function openerMayRecord(view: CaseView): boolean {
	return view.regie.regiehouder === null && view.triage.latest === null && view.phase !== 'closed';
}

function coordinates(view: CaseView, actor: string, ctx: CommandContext): boolean {
	return canCoordinate(
		{
			directory: ctx.directory,
			serviceUserId: ctx.serviceUserId,
			regiehouder: view.regie.regiehouder,
			deputy: view.regie.deputy
		},
		actor
	);
}

function coordinatorOrOpener(view: CaseView, actor: string, ctx: CommandContext): CommandResult | null {
	if (openerMayRecord(view) && ctx.members.get(actor) === 'join') return null;
	return coordinatorOnly(view, actor, ctx);
}

export function recordIntake(view: CaseView, actor: string, ctx: CommandContext, input: IntakeInput): CommandResult {
	const refused = openOnly(view) ?? coordinatorOrOpener(view, actor, ctx);
	if (refused) return refused;
	return intakeEffects(view, actor, ctx, input);
}

/** Who may correct or add to the intake: a coordinator, or the opener (its first author) before regie. */
export function mayReviseIntake(view: CaseView, actor: string, ctx: CommandContext): boolean {
	const coordinator = coordinates(view, actor, ctx);
	return intakeReviser(view, actor, coordinator) && (coordinator || ctx.members.get(actor) === 'join');
}

/** The rule without the membership check (for abilities.ts): `coordinates` is canCoordinate for the actor. */
export function intakeReviser(view: CaseView, actor: string, coordinates: boolean): boolean {
	if (view.phase === 'closed' || !view.intake) return false;
	return coordinates || (openerMayRecord(view) && view.intakeVersions[0]?.sender === actor);
}

/**
 * Corrects or adds to the intake as a new version that names the one it
 * supersedes (history kept: versions are never overwritten). The regiehouder,
 * the deputy and the MDT chair may; before regie is assigned also the opener.
 */
export function reviseIntake(view: CaseView, actor: string, ctx: CommandContext, input: IntakeInput): CommandResult {
	const refused = openOnly(view);
	if (refused) return refused;
	if (!view.intake)
		return fail(
			'invalid',
			'Deze casus heeft nog geen intake om aan te vullen.',
			'This case has no intake yet to add to.'
		);
	if (!mayReviseIntake(view, actor, ctx))
		return fail(
			'not-allowed',
			'Alleen de regiehouder, diens vervanger, de MDT-voorzitter of (zolang er geen regiehouder is) de melder van de casus kan de intake aanvullen of corrigeren.',
			'Only the regiehouder, their deputy, the MDT chair or (while nobody holds regie) whoever opened the case can add to or correct the intake.'
		);
	return intakeEffects(view, actor, ctx, input);
}

function intakeEffects(view: CaseView, actor: string, ctx: CommandContext, input: IntakeInput): CommandResult {
	if (!view.state.case) return fail('invalid', 'De casus heeft nog geen kenmerk.', 'The case has no reference yet.');
	const record = IntakeRecord.parse({
		v: 1,
		facts: {
			...input.facts,
			reference: view.state.case.reference,
			region: view.state.case.region,
			first_report_at: view.state.case.first_report_at
		},
		person: input.person,
		summary: input.summary,
		reporter: input.reporter,
		risk: input.risk,
		people: input.people,
		supersedes: view.intake?.eventId
	});
	const effects: Effect[] = [{ kind: 'record', type: RECORD.intake, content: record }];
	const mayChangeState = coordinates(view, actor, ctx);
	if (mayChangeState && (view.state.case.acute !== record.facts.acute || view.state.case.phase === 'first_contact')) {
		effects.push({
			kind: 'state',
			type: STATE.case,
			content: nextCaseState(view, {
				acute: record.facts.acute,
				phase: view.state.case.phase === 'first_contact' ? 'triage' : view.state.case.phase
			})
		});
	}
	return ok(effects);
}

// --- Triage --------------------------------------------------------------------------

export const TriageInput = TriageRecord.omit({ v: true, seq: true, supersedes: true, decided_at: true });
export type TriageInput = z.infer<typeof TriageInput>;

export function recordTriage(view: CaseView, actor: string, ctx: CommandContext, input: TriageInput): CommandResult {
	const refused = openOnly(view) ?? coordinatorOnly(view, actor, ctx);
	if (refused) return refused;
	const covered = coveredOrganisations(view);
	for (const who of [input.regiehouder, input.deputy]) {
		if (!who) continue;
		const problem = memberProblem(who, view, ctx, covered);
		if (problem) return problem;
		const notRegie = regieOrganisationProblem(who, ctx.directory, ctx.regieOrganisations);
		if (notRegie) return { ok: false, error: notRegie };
	}
	if (input.deputy && input.deputy === input.regiehouder) return sameDeputy();
	const seq = (view.triage.latest?.record.seq ?? 0) + 1;
	const decidedAt = iso(ctx.now);
	const record = TriageRecord.parse({
		v: 1,
		seq,
		supersedes: view.triage.latest?.eventId ?? null,
		decided_at: decidedAt,
		...input
	});
	const effects: Effect[] = [
		{ kind: 'record', type: RECORD.triage, content: record },
		{
			kind: 'state',
			type: STATE.triageStatus,
			content: TriageStatusState.parse({ v: 1, seq, decided_at: decidedAt, next_review: input.next_review })
		},
		...phaseEffect(view, 'regie')
	];
	if (input.regiehouder !== view.regie.regiehouder || input.deputy !== view.regie.deputy) {
		const reason = `Gekozen in MDT-triage nr. ${seq}`;
		effects.push(
			{
				kind: 'record',
				type: RECORD.handover,
				content: HandoverRecord.parse({
					v: 1,
					from: view.regie.regiehouder,
					to: input.regiehouder,
					deputy: input.deputy,
					reason,
					at: decidedAt
				})
			},
			{ kind: 'handover', to: input.regiehouder, deputy: input.deputy }
		);
	}
	return ok(effects);
}

// --- Consent -------------------------------------------------------------------------

export const ConsentInput = ConsentRecord.omit({ v: true, recorded_at: true });
export type ConsentInput = z.infer<typeof ConsentInput>;

/**
 * Records consent (or its refusal or withdrawal). Giving consent, or recording a
 * statutory basis, adds the organisations to the room's access; refusing or
 * withdrawing consent takes them off and removes their members, with the reason
 * recorded. It refuses to remove the regiehouder or deputy: hand over first.
 */
export function recordConsent(view: CaseView, actor: string, ctx: CommandContext, input: ConsentInput): CommandResult {
	const refused = coordinatorOrOpener(view, actor, ctx);
	if (refused) return refused;
	// The opener without regie records consent given for organisations already in the case, nothing more.
	if (
		!coordinates(view, actor, ctx) &&
		(input.status !== 'given' || input.organisations.some((o) => !view.access.some((a) => a.org === o)))
	)
		return coordinatorOnly(view, actor, ctx)!;
	const now = iso(ctx.now);
	const record = ConsentRecord.parse({ v: 1, recorded_at: now, ...input });
	const effects: Effect[] = [{ kind: 'record', type: RECORD.consent, content: record }];
	const current = view.access;
	let next: AccessEntry[] = current;

	if (record.status === 'given') {
		next = [...current];
		for (const org of record.organisations) {
			const entry: AccessEntry =
				record.basis.kind === 'consent'
					? { org, basis: 'consent', since: now, purposes: [...record.purposes] }
					: { org, basis: 'statutory', ground: record.basis.ground, since: now, purposes: [...record.purposes] };
			const at = next.findIndex((a) => a.org === org);
			if (at < 0) next.push(entry);
			else if (next[at]!.basis !== entry.basis) next[at] = entry;
			else if (entry.basis === 'consent' && next[at]!.basis === 'consent') {
				// More consent for the same organisation: the purposes add up (issue 13).
				const had = next[at]!.purposes;
				const merged = had ? [...new Set([...had, ...record.purposes])] : [...record.purposes];
				if (!had || merged.length !== had.length) next[at] = { ...next[at]!, purposes: merged };
			}
		}
	} else if (record.basis.kind === 'consent') {
		// Refused or withdrawn consent ends sharing with organisations that relied on consent;
		// an organisation with its own statutory basis keeps it. Withdrawn for some of its
		// purposes only, the organisation stays in the case for the others (issue 13): its
		// members leave the compartments that need a withdrawn purpose (the homeserver's
		// guard removes them at once) and nothing else changes.
		// An entry from before purposes were recorded ends as it always did.
		const narrowed = new Map<string, AccessEntry>();
		const ending = new Set<string>();
		for (const org of record.organisations) {
			const entry = current.find((a) => a.org === org && a.basis === 'consent');
			if (!entry) continue;
			const left = entry.purposes?.filter((p) => !record.purposes.includes(p)) ?? [];
			if (left.length === 0) ending.add(org);
			else if (left.length < entry.purposes!.length) narrowed.set(org, { ...entry, purposes: left });
		}
		next = current.filter((a) => !ending.has(a.org)).map((a) => narrowed.get(a.org) ?? a);
		for (const [userId, membership] of ctx.members) {
			if (membership !== 'join' && membership !== 'invite') continue;
			const org = activeEntry(ctx.directory, userId)?.org ?? ctx.directory.users.get(userId)?.org;
			if (!org || !ending.has(org)) continue;
			if (userId === view.regie.regiehouder || userId === view.regie.deputy) {
				return fail(
					'would-remove-regie',
					`${userId} (${org}) is regiehouder of vervanger. Draag eerst de regie over voordat de toestemming voor ${org} wordt ingetrokken.`,
					`${userId} (${org}) is regiehouder or deputy. Hand regie over before consent for ${org} ends.`
				);
			}
			effects.push({
				kind: 'remove',
				userId,
				reason: record.status === 'withdrawn' ? 'consent-withdrawn' : 'consent-refused'
			});
		}
	}
	if (next !== current && !sameAccess(next, current)) {
		if (next.length === 0)
			return fail(
				'invalid',
				'Er moet minstens één organisatie onder de grondslag blijven vallen.',
				'At least one organisation must stay covered by the basis.'
			);
		// Access changes before removals so the guard and the privacy officer see the basis first.
		effects.splice(1, 0, { kind: 'state', type: STATE.access, content: { v: 1, organisations: next } });
	}
	return ok(effects);
}

function sameAccess(a: AccessEntry[], b: AccessEntry[]): boolean {
	return a.length === b.length && a.every((x, i) => JSON.stringify(x) === JSON.stringify(b[i]));
}

// --- Regie ---------------------------------------------------------------------------

export const HandoverInput = z.strictObject({
	to: MatrixUserId,
	deputy: MatrixUserId.nullable(),
	reason: HandoverRecord.shape.reason
});
export type HandoverInput = z.infer<typeof HandoverInput>;

/**
 * What the server needs to carry out a handover: who, nothing else. The reason is
 * case content (encrypted in the handover record) and never goes to the server.
 */
export const RegieChange = HandoverInput.omit({ reason: true });
export type RegieChange = z.infer<typeof RegieChange>;

export function handOverRegie(view: CaseView, actor: string, ctx: CommandContext, input: HandoverInput): CommandResult {
	const refused = openOnly(view) ?? coordinatorOnly(view, actor, ctx);
	if (refused) return refused;
	const covered = coveredOrganisations(view);
	for (const who of [input.to, input.deputy]) {
		if (!who) continue;
		const problem = memberProblem(who, view, ctx, covered);
		if (problem) return problem;
		const notRegie = regieOrganisationProblem(who, ctx.directory, ctx.regieOrganisations);
		if (notRegie) return { ok: false, error: notRegie };
	}
	if (input.deputy === input.to) return sameDeputy();
	if (input.to === view.regie.regiehouder && input.deputy === view.regie.deputy)
		return fail('invalid', 'Er verandert niets.', 'Nothing changes.');
	const record = HandoverRecord.parse({
		v: 1,
		from: view.regie.regiehouder,
		to: input.to,
		deputy: input.deputy,
		reason: input.reason,
		at: iso(ctx.now)
	});
	return ok([
		{ kind: 'record', type: RECORD.handover, content: record },
		{ kind: 'handover', to: input.to, deputy: input.deputy }
	]);
}

const sameDeputy = () =>
	fail(
		'invalid',
		'De vervanger moet iemand anders zijn dan de regiehouder.',
		'The deputy must be someone other than the regiehouder.'
	);

const notInDirectory = (userId: string) =>
	fail(
		'unknown-user',
		`${userId} staat niet (actief) in het adresboek.`,
		`${userId} is not (active) in the directory.`
	);

function memberProblem(
	userId: string,
	view: CaseView,
	ctx: CommandContext,
	covered: Set<string>
): CommandResult | null {
	const entry = activeEntry(ctx.directory, userId);
	if (!entry) return notInDirectory(userId);
	if (!covered.has(entry.org))
		return fail(
			'not-covered',
			`${entry.display_name} (${entry.org}) valt niet onder de grondslag van deze casus.`,
			`${entry.display_name} (${entry.org}) is not covered by this case's basis.`
		);
	if (ctx.members.get(userId) !== 'join')
		return fail(
			'not-member',
			`${entry.display_name} is (nog) geen lid van deze casus.`,
			`${entry.display_name} is not (yet) a member of this case.`
		);
	return null;
}

// --- Regiehouder update ------------------------------------------------------------------

export const UpdateInput = UpdateRecord.omit({ v: true, at: true });
export type UpdateInput = z.infer<typeof UpdateInput>;

export function postUpdate(view: CaseView, actor: string, ctx: CommandContext, input: UpdateInput): CommandResult {
	if (!holdsRegie(view.regie, actor)) {
		return fail(
			'not-allowed',
			'Alleen de regiehouder (of diens vervanger) plaatst een regie-update.',
			'Only the regiehouder (or their deputy) posts a regie update.'
		);
	}
	return ok([
		{ kind: 'record', type: RECORD.update, content: UpdateRecord.parse({ v: 1, at: iso(ctx.now), ...input }) },
		...(input.retriage_requested ? [{ kind: 'retriage' as const }] : [])
	]);
}

// --- Signal by any member ----------------------------------------------------------------

export const SignalInput = SignalRecord.omit({ v: true, at: true });
export type SignalInput = z.infer<typeof SignalInput>;

/**
 * Any joined member of an open case raises a signal: the encrypted record, and
 * with `retriage` (always for a re-triage request) the request to the service
 * that puts the case on the MDT's agenda.
 */
export function raiseSignal(view: CaseView, actor: string, ctx: CommandContext, input: SignalInput): CommandResult {
	const refused = openOnly(view);
	if (refused) return refused;
	if (ctx.members.get(actor) !== 'join')
		return fail(
			'not-member',
			'Alleen leden van de casus geven een signaal.',
			'Only members of the case raise a signal.'
		);
	const retriage = input.retriage || input.kind === 'retriage-request';
	const record = SignalRecord.parse({ v: 1, at: iso(ctx.now), ...input, retriage });
	return ok([
		{ kind: 'record', type: RECORD.signal, content: record },
		...(retriage ? [{ kind: 'retriage' as const }] : [])
	]);
}

// --- Police and care steps ----------------------------------------------------------

export { StepInput };

/**
 * Any joined member of an open case records a police or care step as a fact
 * (informatief gesprek, aangifte, FMO, acute medical care, VT's safety
 * assessment): the member whose organisation took it knows it first. A later
 * record of the same step is the new fact; the earlier ones stay in the history.
 */
export function recordStep(view: CaseView, actor: string, ctx: CommandContext, input: StepInput): CommandResult {
	const refused = openOnly(view);
	if (refused) return refused;
	if (ctx.members.get(actor) !== 'join')
		return fail(
			'not-member',
			'Alleen leden van de casus leggen een stap vast.',
			'Only members of the case record a step.'
		);
	const today = iso(ctx.now).slice(0, 10);
	if (input.date > today && !(STEP_PENDING[input.step] as readonly string[]).includes(input.outcome))
		return fail(
			'invalid',
			'Een stap die heeft plaatsgevonden kan niet in de toekomst liggen.',
			'A step that took place cannot be dated in the future.'
		);
	const record = StepRecord.parse({ v: 1, ...input, at: iso(ctx.now) });
	return ok([{ kind: 'record', type: RECORD.step, content: record }]);
}

// --- Closure -------------------------------------------------------------------------

export const ClosureInput = ClosureRecord.omit({ v: true, decided_at: true });
export type ClosureInput = z.infer<typeof ClosureInput>;

export function closeCase(view: CaseView, actor: string, ctx: CommandContext, input: ClosureInput): CommandResult {
	const refused = openOnly(view) ?? coordinatorOnly(view, actor, ctx);
	if (refused) return refused;
	const policy = ctx.retention ?? DEFAULT_RETENTION;
	if (!retentionMonthsAllowed(input.retention_months, policy))
		return fail(
			'invalid',
			`De bewaartermijn moet tussen ${policy.min_months} en ${policy.max_months} maanden liggen.`,
			`The retention period must be between ${policy.min_months} and ${policy.max_months} months.`
		);
	const decidedAt = iso(ctx.now);
	const record = ClosureRecord.parse({ v: 1, decided_at: decidedAt, ...input });
	const state = nextCaseState(view, {
		phase: 'closed',
		closed_at: decidedAt,
		retention_until: retentionUntil(decidedAt, record.retention_months)
	});
	return ok([
		{ kind: 'record', type: RECORD.closure, content: record },
		...(state ? [{ kind: 'state' as const, type: STATE.case, content: state }] : [])
	]);
}

// --- Membership ------------------------------------------------------------------------

/** Optional words with a membership change: they go into an encrypted note, never into the membership event. */
const Note = MembershipNoteRecord.shape.note.optional();

export const InviteInput = z.strictObject({ userId: MatrixUserId, reason: InviteReason, note: Note });
export type InviteInput = z.infer<typeof InviteInput>;

export const RemoveInput = z.strictObject({ userId: MatrixUserId, reason: RemoveReason, note: Note });
export type RemoveInput = z.infer<typeof RemoveInput>;

/** The encrypted note that carries the words of a membership change, when there are any. */
function membershipNote(
	action: 'invite' | 'remove',
	input: { userId: string; reason: MembershipReason; note?: string | undefined },
	now: number
): Effect[] {
	if (!input.note) return [];
	const content = MembershipNoteRecord.parse({
		v: 1,
		user: input.userId,
		action,
		code: input.reason,
		note: input.note,
		at: iso(now)
	});
	return [{ kind: 'record', type: RECORD.membershipNote, content }];
}

/** MDT members are the directory's active professionals and chairs; nobody else is ever invited. */
export function isMdtMember(entry: DirectoryEntry): boolean {
	return entry.active && (entry.roles.includes('professional') || entry.roles.includes('chair'));
}

/**
 * Everyone who may be invited: active MDT members of a covered organisation who are
 * not in the room yet (nor `exclude`d), by organisation and name. The forms offer
 * exactly these; inviteMember refuses anyone else.
 */
export function invitableUsers(
	directory: Directory,
	covered: ReadonlySet<string>,
	inRoom: ReadonlySet<string> = new Set(),
	exclude: readonly string[] = []
): DirectoryEntry[] {
	return [...directory.users.values()]
		.filter((u) => isMdtMember(u) && covered.has(u.org) && !inRoom.has(u.userId) && !exclude.includes(u.userId))
		.sort((a, b) => a.org.localeCompare(b.org) || a.display_name.localeCompare(b.display_name));
}

/** Only members of organisations covered by the access basis can be invited. */
export function inviteMember(view: CaseView, actor: string, ctx: CommandContext, input: InviteInput): CommandResult {
	const refused = openOnly(view) ?? coordinatorOnly(view, actor, ctx);
	if (refused) return refused;
	const entry = activeEntry(ctx.directory, input.userId);
	if (!entry) return notInDirectory(input.userId);
	if (!isMdtMember(entry)) {
		return fail(
			'not-allowed',
			`${entry.display_name} is geen MDT-lid; alleen professionals en voorzitters worden uitgenodigd.`,
			`${entry.display_name} is not an MDT member; only professionals and chairs are invited.`
		);
	}
	if (!coveredOrganisations(view).has(entry.org)) {
		return fail(
			'not-covered',
			`${entry.display_name} werkt bij ${entry.org}, en ${entry.org} valt niet onder de grondslag van deze casus. Leg eerst toestemming of een wettelijke grondslag vast.`,
			`${entry.display_name} works at ${entry.org}, and ${entry.org} is not covered by this case's basis. Record consent or a statutory ground first.`
		);
	}
	const membership = ctx.members.get(input.userId);
	if (membership === 'join' || membership === 'invite')
		return fail(
			'invalid',
			`${entry.display_name} is al lid of uitgenodigd.`,
			`${entry.display_name} is already a member or invited.`
		);
	return ok([
		{ kind: 'invite', userId: input.userId, reason: input.reason },
		...membershipNote('invite', input, ctx.now)
	]);
}

export function removeMember(view: CaseView, actor: string, ctx: CommandContext, input: RemoveInput): CommandResult {
	const refused = coordinatorOnly(view, actor, ctx);
	if (refused) return refused;
	if (input.userId === view.regie.regiehouder || input.userId === view.regie.deputy) {
		return fail(
			'would-remove-regie',
			'Draag eerst de regie over voordat u de regiehouder of vervanger verwijdert.',
			'Hand regie over before you remove the regiehouder or deputy.'
		);
	}
	const membership = ctx.members.get(input.userId);
	if (membership !== 'join' && membership !== 'invite')
		return fail('not-member', `${input.userId} is geen lid.`, `${input.userId} is not a member.`);
	// The removal first: the removed member's devices do not receive the note's key.
	return ok([
		{ kind: 'remove', userId: input.userId, reason: input.reason },
		...membershipNote('remove', input, ctx.now)
	]);
}

/** Everyone who may be chosen as regiehouder or deputy: joined members of covered regie organisations. */
export function regieCandidates(view: CaseView, ctx: CommandContext): string[] {
	const regieOrgs = ctx.regieOrganisations ?? DEFAULT_REGIE_ORGANISATIONS;
	const covered = new Set([...coveredOrganisations(view)].filter((o) => regieOrgs.includes(o)));
	return [...ctx.members]
		.filter(
			([userId, m]) =>
				m === 'join' &&
				covered.has(activeEntry(ctx.directory, userId)?.org ?? '') &&
				hasRole(ctx.directory, userId, 'professional')
		)
		.map(([userId]) => userId);
}
