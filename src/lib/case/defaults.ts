/**
 * What a form starts with, decided once in the domain: the basis an
 * organisation usually shares on, the purposes consent usually covers, when CSG
 * calls back after closure, when the MDT looks again. The form models
 * (src/lib/forms) take these; no page or server module repeats them.
 */
import type { CaseView } from './view.ts';
import type { Purpose } from './records.ts';
import type { StatutoryGround } from './primitives.ts';

/** Veilig Thuis shares on its own statutory task (Wmo 2015); everyone else on the victim's consent. */
export const DEFAULT_STATUTORY_GROUND: Readonly<Record<string, StatutoryGround>> = { VT: 'wmo2015-vt' };

export type DefaultBasis = { basis: 'consent' } | { basis: 'statutory'; ground: StatutoryGround };

export function defaultBasis(org: string): DefaultBasis {
	const ground = DEFAULT_STATUTORY_GROUND[org];
	return ground ? { basis: 'statutory', ground } : { basis: 'consent' };
}

/** What consent covers unless the victim says otherwise. */
export const DEFAULT_PURPOSES: readonly Purpose[] = ['coordination', 'care'];

/**
 * Who follows up after closure by default. Watchful waiting (at least four weeks
 * of contact) happens during care (follow-up.ts); after closure the follow-up
 * moments are at 6 and 12 months (follow-up.ts AFTER_CLOSURE_MONTHS).
 */
export const FOLLOW_UP_ORG = 'CSG';

/** Who makes the follow-up call: CSG when it takes part in the case, else the closer's own organisation. */
export function followUpOrganisation(view: CaseView, myOrg: string | null): string {
	return view.access.some((a) => a.org === FOLLOW_UP_ORG) ? FOLLOW_UP_ORG : (myOrg ?? FOLLOW_UP_ORG);
}

/** The MDT looks at a case again a week after a triage decision unless it chooses otherwise. */
export const REVIEW_AFTER_DAYS = 7;

/**
 * The organisation that opens a case must itself be covered by the basis: a
 * professional cannot open a case they would have no right to be in.
 */
export function ownOrganisationCovered(access: readonly { org: string }[], myOrg: string): boolean {
	return access.some((a) => a.org === myOrg);
}
