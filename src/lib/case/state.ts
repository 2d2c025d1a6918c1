/**
 * Plaintext state of a case room (see event-types.ts for why it is plaintext).
 * Strict objects: an unknown field is refused, so nothing identifying can be
 * smuggled into unencrypted state. These four schemas are exported as JSON
 * Schema (scripts/generate-schemas.ts) for the homeserver's guard module.
 */
import { z } from 'zod';
import {
	CaseReference,
	Instant,
	Day,
	MatrixUserId,
	OrganisationCode,
	Purpose,
	RegionCode,
	StatutoryGround
} from './primitives.ts';

export const PHASES = ['first_contact', 'triage', 'regie', 'closed'] as const;
export const Phase = z.enum(PHASES);
export type Phase = z.infer<typeof Phase>;

export const CaseState = z.strictObject({
	v: z.literal(1),
	reference: CaseReference,
	region: RegionCode,
	phase: Phase,
	first_report_at: Instant,
	acute: z.boolean(),
	closed_at: Instant.nullable(),
	/** Set at closure: when the whole room is due for deletion. The privacy officer may extend it. */
	retention_until: Instant.nullable()
});
export type CaseState = z.infer<typeof CaseState>;

export const TriageStatusState = z.strictObject({
	v: z.literal(1),
	/** Sequence number of the latest triage decision (1 = first MDT triage). */
	seq: z.number().int().min(1),
	decided_at: Instant,
	next_review: Day.nullable()
});
export type TriageStatusState = z.infer<typeof TriageStatusState>;

export const RegieState = z.strictObject({
	v: z.literal(1),
	regiehouder: MatrixUserId.nullable(),
	deputy: MatrixUserId.nullable(),
	since: Instant,
	/** How often regie changed hands (a pilot figure). */
	handovers: z.number().int().min(0)
});
export type RegieState = z.infer<typeof RegieState>;

export const AccessBasis = z.discriminatedUnion('basis', [
	z.strictObject({ basis: z.literal('consent') }),
	z.strictObject({ basis: z.literal('statutory'), ground: StatutoryGround })
]);
export type AccessBasis = z.infer<typeof AccessBasis>;

/**
 * The purposes an entry covers (issue 13: purposes bind). Consent is given for
 * purposes; an entry written before purposes were recorded has none, and then
 * covers regie and coordination only (compartments.ts purposesCovered): it admits
 * its organisation to the shared part of the case as before, to no compartment.
 */
const Purposes = z
	.array(Purpose)
	.min(1)
	.max(5)
	.refine((p) => new Set(p).size === p.length, { message: 'a purpose appears more than once' });

export const AccessEntry = z.discriminatedUnion('basis', [
	z.strictObject({ org: OrganisationCode, since: Instant, basis: z.literal('consent'), purposes: Purposes.optional() }),
	z.strictObject({
		org: OrganisationCode,
		since: Instant,
		basis: z.literal('statutory'),
		ground: StatutoryGround,
		purposes: Purposes.optional()
	})
]);
export type AccessEntry = z.infer<typeof AccessEntry>;

export const AccessState = z
	.strictObject({
		v: z.literal(1),
		/** Organisations whose members may be in the room, each with the basis for sharing with it. */
		organisations: z.array(AccessEntry).max(32)
	})
	.refine((a) => new Set(a.organisations.map((o) => o.org)).size === a.organisations.length, {
		message: 'an organisation appears more than once',
		path: ['organisations']
	});
export type AccessState = z.infer<typeof AccessState>;
