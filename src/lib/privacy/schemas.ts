/**
 * What the privacy console's API returns, as strict zod schemas. The server
 * parses every response through these before it leaves (src/lib/server/privacy),
 * so a field that is not listed here cannot reach the browser: no event content
 * beyond the fields picked on purpose, no ciphertext, no display names.
 * Pure: the pages import the types from here too.
 */
import { z } from 'zod';
import { RetentionPolicy } from '../case/policy.ts';
import { MembershipReason, PrivacyActionReason } from '../case/reasons.ts';
import { ReceivedAggregate } from './pilot-figures.ts';

const Iso = z.string().max(40);
const UserId = z.string().max(255);
const RoomId = z.string().max(255);
const Org = z.string().max(16);
/**
 * A reason as the console shows it: a code from the closed lists (reasons.ts),
 * never free text. An older free-text reason (from before the codes) is shown as
 * 'other', never its words.
 */
export const LEGACY_REASON = 'other';
const ShownMembershipReason = z.union([MembershipReason, z.literal(LEGACY_REASON)]).nullable();
const ShownActionReason = z.union([PrivacyActionReason, z.literal(LEGACY_REASON)]).nullable();
/** As stored in the audit log file: older lines may carry free text (the chain covers them as they are). */
const StoredReason = z.string().max(500).nullable();

/** The retention policy is the domain's (one setting for the client, the guard, the console and the job). */
export { RetentionPolicy };

export const MeResponse = z.strictObject({
	user_id: UserId,
	privacy_officer: z.boolean(),
	retention: RetentionPolicy
});
export type MeResponse = z.infer<typeof MeResponse>;

export const FLAG_CODES = [
	'member_not_covered',
	'member_directory_missing',
	'member_directory_inactive',
	'member_account_deactivated',
	'member_inactive',
	'no_regiehouder',
	'retention_overdue',
	'closed_without_retention',
	'invalid_state',
	'not_created_by_service',
	/** closed_at or retention_until break the rules: the retention job does not purge it. */
	'retention_dates_invalid',
	/** A failed creation left this room behind and the service could not purge it. */
	'creation_cleanup_failed',
	/** The power in the room does not (yet) follow the directory (the app server brings it in line). */
	'power_mismatch'
] as const;
export const FlagCode = z.enum(FLAG_CODES);
export type FlagCode = z.infer<typeof FlagCode>;

export const Flag = z.strictObject({
	code: FlagCode,
	user_id: UserId.optional(),
	org: Org.optional()
});
export type Flag = z.infer<typeof Flag>;

export const OrgCount = z.strictObject({ org: Org, joined: z.number().int(), invited: z.number().int() });
export type OrgCount = z.infer<typeof OrgCount>;

const Phase = z.enum(['first_contact', 'triage', 'regie', 'closed']);

export const CaseSummary = z.strictObject({
	room_id: RoomId,
	reference: z.string().max(20).nullable(),
	region: z.string().max(4).nullable(),
	phase: Phase.nullable(),
	opened_at: Iso,
	first_report_at: Iso.nullable(),
	closed_at: Iso.nullable(),
	retention_until: Iso.nullable(),
	retention_overdue: z.boolean(),
	deletable: z.boolean(),
	members_by_org: z.array(OrgCount),
	member_count: z.number().int(),
	flags: z.array(Flag)
});
export type CaseSummary = z.infer<typeof CaseSummary>;

/** A room that is not a case room yet holds nl.casusruimte case state. Its name is never shown (it could be anything). */
export const StrayRoom = z.strictObject({
	room_id: RoomId,
	state_types: z.array(z.string().max(64)),
	member_count: z.number().int()
});
export type StrayRoom = z.infer<typeof StrayRoom>;

const Count = z.number().int().min(0);
/** Counts over every case (issue 15): the console's summary and filters, without sending every case. */
export const OverviewCounts = z.strictObject({
	all: Count,
	flagged: Count,
	overdue: Count,
	open: Count,
	closed: Count,
	by_flag: z.array(z.strictObject({ code: FlagCode, cases: Count })),
	regions: z.array(z.strictObject({ region: z.string().max(4), cases: Count, flagged: Count }))
});

/** One page of the overview (issue 15): the cases matching the query, most urgent signals first. */
export const OverviewResponse = z.strictObject({
	generated_at: Iso,
	/** Up to when the room index behind the answer holds every change (the start of its last catch-up). */
	indexed_at: Iso,
	inactive_days: z.number().int(),
	retention: RetentionPolicy,
	query: z.strictObject({
		filter: z.enum(['all', 'flagged', 'overdue', 'open', 'closed']),
		region: z.string().max(4).nullable(),
		q: z.string().max(255),
		offset: Count,
		limit: Count
	}),
	/** How many cases match the query; `cases` is the page of them from `query.offset`. */
	matched: Count,
	counts: OverviewCounts,
	cases: z.array(CaseSummary),
	stray_rooms: z.array(StrayRoom)
});
export type OverviewResponse = z.infer<typeof OverviewResponse>;

export const MEMBER_DIRECTORY = ['active', 'inactive', 'missing'] as const;
export const Member = z.strictObject({
	user_id: UserId,
	org: Org.nullable(),
	membership: z.enum(['join', 'invite']),
	since: Iso.nullable(),
	directory: z.enum(MEMBER_DIRECTORY),
	account: z.enum(['active', 'deactivated', 'unknown']),
	last_seen_at: Iso.nullable(),
	is_regiehouder: z.boolean(),
	is_deputy: z.boolean(),
	flags: z.array(FlagCode)
});
export type Member = z.infer<typeof Member>;

export const MembershipChange = z.strictObject({
	ts: Iso,
	user_id: UserId,
	membership: z.string().max(16),
	previous: z.string().max(16).nullable(),
	sender: UserId,
	reason: ShownMembershipReason
});
export type MembershipChange = z.infer<typeof MembershipChange>;

export const AccessEntryOut = z.strictObject({
	org: Org,
	basis: z.enum(['consent', 'statutory']),
	ground: z.string().max(32).nullable(),
	since: Iso
});
export const AccessChange = z.strictObject({
	ts: Iso,
	sender: UserId,
	/** null when the state event failed its schema (its content is not shown). */
	organisations: z.array(AccessEntryOut).nullable()
});
export type AccessChange = z.infer<typeof AccessChange>;

export const CaseChange = z.strictObject({
	ts: Iso,
	sender: UserId,
	phase: Phase.nullable(),
	closed_at: Iso.nullable(),
	retention_until: Iso.nullable(),
	valid: z.boolean(),
	/** The service reopened the closed case (closed → open again, case/reopen.ts). */
	reopened: z.boolean()
});
export type CaseChange = z.infer<typeof CaseChange>;

export const Rejection = z.strictObject({
	ts: Iso,
	user_id: UserId,
	rule: z.string().max(64),
	event_type: z.string().max(128).nullable()
});
export type Rejection = z.infer<typeof Rejection>;

/** One member of a compartment as the privacy officer sees it (issue 13): who, on which basis, since when; no content. */
export const CompartmentMemberOut = z.strictObject({
	user_id: UserId,
	org: Org.nullable(),
	membership: z.enum(['join', 'invite']),
	since: Iso.nullable(),
	/** The organisation's basis in the case now (null when it has none any more). */
	basis: z.enum(['consent', 'statutory']).nullable(),
	ground: z.string().max(32).nullable(),
	/** Whether that basis covers the compartment's purpose now (false: the guard removes them). */
	covered: z.boolean(),
	/** The inviter's history grant, and who asked for the invitation (null when unknown). */
	history: z.enum(['all', 'from', 'none']).nullable(),
	/** With history `from`: from when. */
	history_from: Iso.nullable(),
	granted_by: UserId.nullable()
});
export type CompartmentMemberOut = z.infer<typeof CompartmentMemberOut>;

export const CompartmentOut = z.strictObject({
	id: z.string().max(16),
	kind: z.enum(['strafrecht', 'zorg', 'apart']),
	purpose: z.enum(['coordination', 'care', 'safety', 'investigation', 'restorative_mediation']),
	/** When the compartment was opened; null when its room could not be read. */
	opened_at: Iso.nullable(),
	members: z.array(CompartmentMemberOut)
});
export type CompartmentOut = z.infer<typeof CompartmentOut>;

export const CaseDetailResponse = z.strictObject({
	case: CaseSummary,
	acute: z.boolean().nullable(),
	regie: z
		.strictObject({
			regiehouder: UserId.nullable(),
			deputy: UserId.nullable(),
			since: Iso,
			handovers: z.number().int()
		})
		.nullable(),
	access: z.array(AccessEntryOut),
	members: z.array(Member),
	membership_history: z.array(MembershipChange),
	access_history: z.array(AccessChange),
	case_history: z.array(CaseChange),
	retention: z.strictObject({ ...RetentionPolicy.shape, earliest: Iso.nullable(), latest: Iso.nullable() }),
	guard_rejections: z.strictObject({ available: z.boolean(), items: z.array(Rejection) }),
	inactive_days: z.number().int(),
	/** The case's compartments (issue 13); empty for a case without any. */
	compartments: z.array(CompartmentOut)
});
export type CaseDetailResponse = z.infer<typeof CaseDetailResponse>;

export const AUDIT_ACTIONS = [
	'view-overview',
	'view-case',
	'remove-member',
	'request-review',
	'set-retention',
	'delete-case',
	'export-report',
	'export-figures',
	// what the service and the retention job do on their own
	'create-case-cleanup',
	'authority-updated',
	'retention-refused',
	// a closed case reopened while retained (the reopener is the actor)
	'case-reopened',
	// need-to-know (issue 13): a coordinator opened a compartment or had someone invited into one
	'compartment-opened',
	'compartment-invite',
	// pilot figures (issue 14): an MDT chair sent a region's aggregate (accepted or refused)
	'pilot-figures-received'
] as const;
export const AuditAction = z.enum(AUDIT_ACTIONS);
export type AuditAction = z.infer<typeof AuditAction>;

export const AuditEntry = z.strictObject({
	seq: z.number().int(),
	ts: Iso,
	actor: z.string().max(255),
	action: AuditAction,
	room_id: RoomId.nullable(),
	reference: z.string().max(20).nullable(),
	target: UserId.nullable(),
	reason: StoredReason,
	outcome: z.string().max(200),
	prev: z.string().regex(/^[0-9a-f]{64}$/)
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** An audit entry as the console shows it: the reason as a code only. */
export const AuditEntryOut = AuditEntry.extend({ reason: ShownActionReason });
export type AuditEntryOut = z.infer<typeof AuditEntryOut>;

/** The stored reason as a code ('other' for older free text). */
export function shownActionReason(reason: string | null): PrivacyActionReason | typeof LEGACY_REASON | null {
	if (reason === null) return null;
	const code = PrivacyActionReason.safeParse(reason);
	return code.success ? code.data : LEGACY_REASON;
}

export const AuditResponse = z.strictObject({
	entries: z.array(AuditEntryOut),
	total: z.number().int(),
	chain: z.strictObject({
		ok: z.boolean(),
		lines: z.number().int(),
		broken_at: z.number().int().nullable(),
		problem: z.string().max(200).nullable()
	})
});
export type AuditResponse = z.infer<typeof AuditResponse>;

export const ActionResponse = z.strictObject({
	ok: z.literal(true),
	action: AuditAction,
	room_id: RoomId,
	outcome: z.string().max(200),
	retention_until: Iso.optional()
});
export type ActionResponse = z.infer<typeof ActionResponse>;

/** One line of the access-review report: one case, counts only, no user IDs. */
export const ReportRow = z.strictObject({
	reference: z.string().max(20).nullable(),
	region: z.string().max(4).nullable(),
	phase: Phase.nullable(),
	opened_at: Iso,
	closed_at: Iso.nullable(),
	retention_until: Iso.nullable(),
	retention_overdue: z.boolean(),
	organisations: z.string().max(400),
	members_now: z.string().max(400),
	invites: z.number().int(),
	joins: z.number().int(),
	leaves: z.number().int(),
	removals: z.number().int(),
	access_changes: z.number().int(),
	members_not_covered: z.number().int(),
	members_disabled: z.number().int(),
	members_inactive: z.number().int(),
	no_regiehouder: z.boolean(),
	officer_actions: z.number().int(),
	/** The case's compartments and their purposes (issue 13), e.g. "strafrecht (investigation)"; codes only. */
	compartments: z.string().max(400)
});
export type ReportRow = z.infer<typeof ReportRow>;

export const ReportResponse = z.strictObject({
	from: z.string().max(10),
	to: z.string().max(10),
	generated_at: Iso,
	rows: z.array(ReportRow),
	actions: z.array(z.strictObject({ action: AuditAction, count: z.number().int() })),
	deleted: z.array(
		z.strictObject({
			reference: z.string().max(20).nullable(),
			deleted_at: Iso,
			by: z.enum(['officer', 'retention-job'])
		})
	)
});
export type ReportResponse = z.infer<typeof ReportResponse>;

/** A figure: a number, or "<5" when it is about fewer than five cases. */
export const Cell = z.union([z.number(), z.literal('<5')]);
export type Cell = z.infer<typeof Cell>;

export const FigureRow = z.strictObject({
	region: z.string().max(8),
	cases: Cell,
	acute_share: Cell,
	triaged: Cell,
	triage_median_hours: Cell,
	triaged_within_24h_share: Cell,
	handovers_mean: Cell,
	organisations_mean: Cell,
	closed: Cell,
	closure_median_days: Cell
});
export type FigureRow = z.infer<typeof FigureRow>;

export const FiguresResponse = z.strictObject({
	from: z.string().max(10),
	to: z.string().max(10),
	generated_at: Iso,
	threshold: z.number().int(),
	regions: z.array(z.string().max(8)),
	per_month: z.array(z.strictObject({ month: z.string().max(7), cells: z.array(Cell) })),
	by_region: z.array(FigureRow),
	overall: FigureRow,
	handovers: z.array(z.strictObject({ bucket: z.string().max(4), cases: Cell })),
	organisations: z.array(z.strictObject({ bucket: z.string().max(4), cases: Cell })),
	/** The aggregates from the records that the MDT chairs sent (issue 14), for periods that overlap this one. */
	received: z.array(ReceivedAggregate).max(1000).optional()
});
export type FiguresResponse = z.infer<typeof FiguresResponse>;
