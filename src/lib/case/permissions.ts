/**
 * Who may write what in a case room: the domain's rules, applied by the reducer
 * (a record from a sender without the right is flagged and ignored) and by the
 * commands (the form is not even offered). The homeserver's guard enforces the
 * subset it can see (plaintext state); power levels enforce the coarse part.
 */
import type { Directory } from '../directory/directory.ts';
import { hasRole } from '../directory/directory.ts';
import { RECORD, STATE } from './event-types.ts';

export interface Actors {
	directory: Directory;
	serviceUserId: string;
	regiehouder: string | null;
	deputy: string | null;
	/**
	 * Nobody holds regie and the MDT has not triaged yet: the opener (the only
	 * member then) records the intake and the consent given at intake.
	 */
	openerMayRecord?: boolean;
}

export interface Regie {
	regiehouder: string | null;
	deputy: string | null;
}

/** The regiehouder, or their deputy when one is named: who posts regiehouder updates. */
export function holdsRegie(regie: Regie, userId: string): boolean {
	return userId === regie.regiehouder || (regie.deputy !== null && userId === regie.deputy);
}

/** The regiehouder, their deputy when one is named, and the MDT chair coordinate a case. */
export function canCoordinate(a: Actors, userId: string): boolean {
	return holdsRegie(a, userId) || hasRole(a.directory, userId, 'chair');
}

export type Part = 'regiehouder' | 'deputy' | 'chair' | 'member';

/** The part someone plays in a case, for labels and the case list. */
export function partOf(regie: Regie, userId: string, directory: Directory): Part {
	if (userId === regie.regiehouder) return 'regiehouder';
	if (regie.deputy !== null && userId === regie.deputy) return 'deputy';
	if (hasRole(directory, userId, 'chair')) return 'chair';
	return 'member';
}

export function isService(a: Actors, userId: string): boolean {
	return userId === a.serviceUserId;
}

/** Why a sender may not write this event type, or null when they may. */
export function refusal(a: Actors, type: string, sender: string): string | null {
	if (isService(a, sender)) {
		// The service account writes plaintext state only; it has no crypto and records nothing.
		return (Object.values(STATE) as string[]).includes(type) ? null : 'the service account does not write case records';
	}
	switch (type) {
		case STATE.regie:
			return 'regie changes hands through the service (handover), not by editing state';
		case RECORD.intake:
		case RECORD.consent:
			return a.openerMayRecord || canCoordinate(a, sender)
				? null
				: 'only the regiehouder, the deputy or the MDT chair may record this';
		case STATE.case:
		case STATE.triageStatus:
		case STATE.access:
		case RECORD.triage:
		case RECORD.handover:
		case RECORD.closure:
		case RECORD.membershipNote:
		case RECORD.reopen:
			return canCoordinate(a, sender) ? null : 'only the regiehouder, the deputy or the MDT chair may record this';
		case RECORD.update:
			return holdsRegie(a, sender) ? null : 'only the regiehouder (or deputy) posts regiehouder updates';
		default:
			return null;
	}
}
