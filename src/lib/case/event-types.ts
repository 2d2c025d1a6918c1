/**
 * The event types of a case room, all in the nl.casusruimte namespace.
 *
 * Why this split between plaintext state and encrypted timeline events:
 * Matrix state events are not end-to-end encrypted (encrypted state, MSC4362, is
 * experimental and Synapse cannot enforce rules on what it cannot read). So the
 * four state events below carry only pseudonymous, non-identifying metadata: what
 * the homeserver's guard must check (who may be invited, who holds regie) and what
 * the privacy officer and the pilot figures need (dates, phase, organisations),
 * all readable without decrypting anything. Everything about the victim and the
 * substance of decisions travels in encrypted timeline events; their schemas live
 * in records.ts, the state schemas in state.ts.
 */

/** Plaintext state, state key "". */
export const STATE = {
	case: 'nl.casusruimte.case',
	triageStatus: 'nl.casusruimte.triage.status',
	regie: 'nl.casusruimte.regie',
	access: 'nl.casusruimte.access'
} as const;

/** End-to-end encrypted timeline records. */
export const RECORD = {
	intake: 'nl.casusruimte.intake',
	triage: 'nl.casusruimte.triage',
	consent: 'nl.casusruimte.consent',
	update: 'nl.casusruimte.update',
	handover: 'nl.casusruimte.regie.handover',
	closure: 'nl.casusruimte.closure',
	/** The words that go with a membership change; the membership event itself carries only a code. */
	membershipNote: 'nl.casusruimte.membership.note',
	/** A signal by any member (new information, a safety concern, a re-triage request). */
	signal: 'nl.casusruimte.signal',
	/** Why a closed case was reopened ("omgaan met terugval"); the reopening itself is the service's case state. */
	reopen: 'nl.casusruimte.reopen',
	/** A police or care step as a structured fact (informatief gesprek, aangifte, FMO, acute medical care, VT's safety assessment). */
	step: 'nl.casusruimte.step'
} as const;

export const STATE_TYPES: readonly string[] = Object.values(STATE);
export const NAMESPACE = 'nl.casusruimte.';

// The service's plaintext notices (their codes and fixed texts) are in notices.ts.
