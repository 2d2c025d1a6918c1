/**
 * The shapes the reducer works with: what goes in (ordered room events, already
 * decrypted, without any Matrix types) and what comes out (the case view).
 */
import type { AccessEntry, CaseState, Phase, RegieState, TriageStatusState } from './state.ts';
import type {
	CaseFacts,
	ClosureRecord,
	ConsentBasis,
	ConsentRecord,
	Domain,
	DomainDecision,
	HandoverRecord,
	IntakeRecord,
	MembershipNoteRecord,
	PeopleAround,
	PersonalDetails,
	Purpose,
	RiskAssessment,
	RiskItem,
	StepKind,
	StepRecord,
	ReopenRecord,
	SignalRecord,
	TriageRecord,
	UpdateRecord
} from './records.ts';

/** One room event as the domain sees it. The Matrix layer's codec produces these. */
export interface CaseEventInput {
	/** Event ID, or the transaction ID of a local echo. */
	id: string;
	/** The (decrypted) event type. */
	type: string;
	sender: string;
	/** Milliseconds since the epoch (origin_server_ts, or local time for an echo). */
	ts: number;
	/** Present for state events ("" for the case-room state). */
	stateKey?: string;
	/** The decrypted content; undefined when it could not be decrypted. */
	content: unknown;
	/** Whether it travelled end-to-end encrypted. Records must. */
	encrypted: boolean;
	/** Why it could not be decrypted (no key yet, or withheld). */
	undecryptable?: string;
	/** A local echo that is not yet (or could not be) sent. */
	local?: 'pending' | 'failed';
	redacted?: boolean;
	/** Where it lives (issue 13): a compartment's id; absent for the shared part of the case. */
	location?: string;
}

/** notice: a plaintext m.notice from the service account (e.g. the privacy officer asks for an access review). */
export type EntryKind = 'record' | 'state' | 'message' | 'notice' | 'invalid' | 'unauthorised' | 'undecryptable';

export interface TimelineEntry {
	id: string;
	ts: number;
	sender: string;
	type: string;
	kind: EntryKind;
	/** The validated record or state content (kind record/state). */
	data?: unknown;
	/** Free text (kind message). */
	text?: string;
	/** Why it was flagged (kind invalid/unauthorised/undecryptable). */
	problem?: string;
	local?: 'pending' | 'failed';
	/** Where it lives: a compartment's id; absent for the shared part of the case. */
	location?: string;
}

export interface ConsentScope {
	org: string;
	status: ConsentRecord['status'];
	purposes: Purpose[];
	basis: ConsentBasis;
	givenBy: ConsentRecord['given_by'];
	recordedBy: string;
	recordedAt: string;
	eventId: string;
}

export interface DomainStatus {
	decision: DomainDecision;
	decidedAt: string;
	eventId: string;
	seq: number;
}

export interface HandoverEntry {
	eventId: string;
	sender: string;
	record: HandoverRecord;
}

export interface IntakeVersion {
	eventId: string;
	sender: string;
	ts: number;
	record: IntakeRecord;
}

/** One weighing of the risk: at intake (a version of it) or at an MDT triage decision. */
export interface RiskVersion {
	eventId: string;
	sender: string;
	source: 'intake' | 'triage';
	/** When it was recorded (the triage's decided_at, or the time the homeserver accepted the intake). */
	at: string;
	risk: RiskAssessment;
	/** The items that differ from the weighing before it (all answered items for the first). */
	changed: RiskItem[];
}

export interface StepEntry {
	eventId: string;
	sender: string;
	record: StepRecord;
}

export interface CaseView {
	reference: string | null;
	region: string | null;
	phase: Phase;
	firstReportAt: string | null;
	acute: boolean | null;
	/** 24 hours after the first report. */
	triageDeadline: string | null;
	/** When the first MDT triage decision was taken. */
	triagedAt: string | null;
	triageOverdue: boolean;
	triagedWithinDeadline: boolean | null;
	closedAt: string | null;
	retentionUntil: string | null;

	facts: CaseFacts | null;
	person: PersonalDetails | null;
	summary: string | null;
	intake: { eventId: string; sender: string; record: IntakeRecord } | null;
	/**
	 * Every accepted version of the intake, oldest first (the last is `intake`):
	 * version N is intakeVersions[N - 1]. `ts` is when the homeserver accepted it.
	 */
	intakeVersions: IntakeVersion[];
	/** The people around the victim, from the latest intake that records them (null when none does). */
	people: PeopleAround | null;
	/**
	 * The risk assessment: `current` is the latest weighing (intake or triage),
	 * `versions` every change, oldest first. Empty for records from before issue 14.
	 */
	risk: { current: RiskVersion | null; versions: RiskVersion[] };
	/** Police and care steps: the latest record per step (the fact), and every record oldest first. */
	steps: { latest: Partial<Record<StepKind, StepEntry>>; all: StepEntry[] };

	regie: {
		regiehouder: string | null;
		deputy: string | null;
		since: string | null;
		handovers: number;
		history: HandoverEntry[];
	};
	access: AccessEntry[];
	consent: Record<string, ConsentScope>;

	triage: {
		latest: { eventId: string; sender: string; record: TriageRecord } | null;
		perDomain: Partial<Record<Domain, DomainStatus>>;
		nextReview: string | null;
		reviewOverdue: boolean;
		decisions: { eventId: string; sender: string; record: TriageRecord }[];
	};
	updates: { eventId: string; sender: string; record: UpdateRecord }[];
	/** Signals by any member (new information, safety concern, re-triage request), oldest first. */
	signals: { eventId: string; sender: string; record: SignalRecord }[];
	closure: { eventId: string; sender: string; record: ClosureRecord } | null;
	/** Closures undone by a reopening (oldest first); `closure` is the current one. */
	earlierClosures: { eventId: string; sender: string; record: ClosureRecord }[];
	/** Each time the service reopened the case (oldest first), with the reopener's encrypted record of why once it arrived. */
	reopenings: {
		at: string;
		eventId: string;
		record: { eventId: string; sender: string; record: ReopenRecord } | null;
	}[];
	/** The encrypted words that went with membership changes, per member (the change itself is a code). */
	memberNotes: Record<string, { eventId: string; sender: string; record: MembershipNoteRecord }[]>;

	/** Everything, in order: records, state changes, discussion, and flagged entries. */
	timeline: TimelineEntry[];
	/** The flagged entries only (invalid, unauthorised, undecryptable). */
	flagged: TimelineEntry[];

	/** The plaintext state as last accepted (for the command layer). */
	state: {
		case: CaseState | null;
		regie: RegieState | null;
		access: { v: 1; organisations: AccessEntry[] } | null;
		triageStatus: TriageStatusState | null;
	};
}
