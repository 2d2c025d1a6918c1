/**
 * Reasons the homeserver stores in plaintext are codes from these closed lists,
 * never free text: a membership change's `reason`, the privacy officer's
 * actions (audit log) and the service's notices. The words, where a person wants
 * to add some, go into an end-to-end encrypted record of the case instead.
 *
 * The guard refuses any other value (the lists are exported to it through the
 * generated JSON Schemas), and the interface shows each code in nl and en
 * (src/lib/i18n: `reason.<code>`).
 */
import { z } from 'zod';

/** Why someone is invited into a case. */
export const INVITE_REASONS = [
	'mdt-triage', // the MDT's triage names this organisation or person
	'regie', // becomes regiehouder or deputy
	'expertise', // needed for a specific task or expertise
	'statutory-task', // the organisation's statutory task (e.g. VT safety assessment)
	'consent-given', // the victim consented to sharing with this organisation
	'replacement', // replaces a colleague who leaves the case
	'mdt-chair', // the region's MDT chair, to record the MDT's decision (board → case)
	'mdt-board', // a member of the region's MDT, onto the region's board
	'aanmelding', // the opener of a new case, onto the board for the time of posting the aanmelding
	'compartment' // into a compartment of the case, on a coordinator's request (issue 13)
] as const;
export const InviteReason = z.enum(INVITE_REASONS);

/** Reasons only the service account gives (the chair's access, the board, the aanmelding guest); a person never chooses them. */
export const SERVICE_INVITE_REASONS: readonly InviteReasonCode[] = [
	'mdt-chair',
	'mdt-board',
	'aanmelding',
	'compartment'
];
type InviteReasonCode = (typeof INVITE_REASONS)[number];
/** What a person chooses from when inviting someone into a case. */
export const PERSON_INVITE_REASONS = INVITE_REASONS.filter((r) => !SERVICE_INVITE_REASONS.includes(r));
export type InviteReason = z.infer<typeof InviteReason>;

/** Why someone leaves or is removed from a case (by a member, the service or the privacy officer). */
export const REMOVE_REASONS = [
	'no-longer-involved', // their part in the case is done
	'consent-withdrawn', // the victim withdrew consent for their organisation
	'consent-refused', // the victim refused consent for their organisation
	'not-covered', // their organisation is no longer in the access basis
	'role-ended', // they left the organisation or lost the role in the directory
	'access-review', // removed after an access review
	'case-deleted', // the retention period ended and the case is deleted
	'replaced' // a colleague takes over
] as const;
export const RemoveReason = z.enum(REMOVE_REASONS);
export type RemoveReason = z.infer<typeof RemoveReason>;

/** Every code that may stand in an m.room.member event's `reason`. */
export const MEMBERSHIP_REASONS = [...INVITE_REASONS, ...REMOVE_REASONS] as const;
export const MembershipReason = z.enum(MEMBERSHIP_REASONS);
export type MembershipReason = z.infer<typeof MembershipReason>;

/** Why the privacy officer acts (kept in the audit log and shown in the console). */
export const PRIVACY_ACTION_REASONS = [
	'periodic-review', // the scheduled access review
	'member-not-covered', // a member's organisation is outside the access basis
	'member-inactive', // a member has not been seen for a long time
	'member-left-organisation', // a member is disabled or deactivated in the directory
	'no-regiehouder', // nobody holds regie
	'retention-policy', // retention set or kept according to policy
	'legal-hold', // a longer retention because of a legal obligation or proceedings
	'data-subject-request', // a request of the data subject (AVG)
	'complaint', // a complaint or incident
	'retention-expired' // the retention period has ended
] as const;
export const PrivacyActionReason = z.enum(PRIVACY_ACTION_REASONS);
export type PrivacyActionReason = z.infer<typeof PrivacyActionReason>;
